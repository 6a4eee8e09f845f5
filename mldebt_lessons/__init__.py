"""mldebt-lessons: the anti-patterns of 'Hidden Technical Debt in Machine Learning Systems',
measured on Larkspur, a small but real ML system.

Importing the package is cheap: modules load what they need when they are used.
Start with :func:`mldebt_lessons.shop.world.build_world`.
"""

from .errors import CourseInputError, show_course_errors_briefly

__version__ = "0.1.0"
__all__ = ["CourseInputError", "__version__"]

# In Jupyter, a wrong feature name prints one line instead of a traceback.
show_course_errors_briefly()
