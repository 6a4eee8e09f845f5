"""The registry of lessons, in course order. Each lesson's metadata lives in its own module.

>>> list(LESSONS)
['01']
"""

from __future__ import annotations

from ..errors import unknown_choice
from ..lesson import Lesson
from . import entanglement_cace

LESSONS: dict[str, Lesson] = {lesson.id: lesson for lesson in (entanglement_cace.LESSON,)}


def get_lesson(key: str) -> Lesson:
    """A lesson by id ("01") or slug ("entanglement_cace")."""
    for lesson in LESSONS.values():
        if key in (lesson.id, lesson.slug):
            return lesson
    raise unknown_choice("lesson", key, [f"{l.id} ({l.slug})" for l in LESSONS.values()])
