"""Larkspur's serving code as it grew: scikit-learn is called directly wherever a job needed a model.

Its entry point is ``system.serve(world)``.
"""
