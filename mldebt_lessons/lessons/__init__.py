"""The registry of lessons, in course order. Each lesson's metadata lives in its own module.

>>> list(LESSONS)[:2]
['01', '02']
"""

from __future__ import annotations

from ..errors import unknown_choice
from ..lesson import Lesson
from . import correction_cascades, entanglement_cace, undeclared_consumers

LESSONS: dict[str, Lesson] = {lesson.id: lesson for lesson in (entanglement_cace.LESSON, correction_cascades.LESSON,
                                                              undeclared_consumers.LESSON)}


def get_lesson(key: str) -> Lesson:
    """A lesson by id ("01") or slug ("entanglement_cace")."""
    for lesson in LESSONS.values():
        if key in (lesson.id, lesson.slug):
            return lesson
    raise unknown_choice("lesson", key, [f"{l.id} ({l.slug})" for l in LESSONS.values()])
