"""Larkspur's serving code behind a small common API: every job goes through ``mlapi`` (fit, score, explain).

Its entry point is ``system.serve(world)``.
"""
