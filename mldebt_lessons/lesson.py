"""Lesson machinery shared by every notebook: metadata, exercises with checkers, quizzes.

A lesson is plain data (:class:`Lesson`) registered in :mod:`mldebt_lessons.lessons`.
Each exercise carries its checker and a worked solution; a test runs every solution
through its checker, so solutions cannot rot.

Example
-------
>>> from mldebt_lessons.lessons import get_lesson
>>> lesson = get_lesson("01")
>>> lesson.slug, lesson.paper_section
('entanglement_cace', '§2')
>>> check("01.1", None).ok
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import unknown_choice


@dataclass(frozen=True)
class Feedback:
    """A checker's verdict: shown in the notebook as one line."""

    ok: bool
    message: str

    def __repr__(self) -> str:
        return ("Right: " if self.ok else "Not yet: ") + self.message


@dataclass(frozen=True)
class Exercise:
    """One try-it task, its checker, a hint, and a worked solution (Python source)."""

    id: str
    title: str
    prompt: str
    hint: str
    solution: str  # code that leaves the answer in a variable called `answer`
    checker: Callable[[Any], Feedback]


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str  # said whether or not this option is the right one


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Lesson:
    """Everything about one lesson that is not the notebook's own prose."""

    id: str  # "01"
    slug: str  # "entanglement_cace", also the audit's pattern family
    title: str
    paper_section: str
    patterns: tuple[str, ...]  # the audit's pattern ids this lesson teaches
    objectives: tuple[str, ...]
    minutes: int
    prerequisites: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    quiz: tuple[Question, ...]
    tutor_prompts: tuple[str, str, str]  # explain; walk me through; audit my system
    key_points: tuple[str, ...]
    further_reading: tuple[str, ...] = field(default_factory=tuple)
    focus_nodes: tuple[str, ...] = ()  # graph nodes whose ripple the tutor prompt describes

    @property
    def notebook(self) -> str:
        return f"{self.id}_{self.slug}.ipynb"


def check_best_choice(answer: Any, scores: dict, right: str, close: str, unknown: str) -> Feedback:
    """Feedback for "which choice scores highest?": ``scores`` maps each choice to its measured value.

    ``right`` and ``close`` are templates filled with ``choice`` and ``value``; ``unknown`` is said when
    the answer is not a choice at all.

    >>> check_best_choice("b", {"a": 1.0, "b": 2.0}, "{choice}: {value}", "{choice} only {value}", "?").ok
    True
    """
    best = max(scores, key=lambda choice: (scores[choice], str(choice)))
    try:
        known = answer in scores
    except TypeError:  # an unhashable answer, such as a list
        known = False
    if known and answer == best:
        return Feedback(True, right.format(choice=best, value=scores[best]))
    if known:
        return Feedback(False, close.format(choice=answer, value=scores[answer]))
    return Feedback(False, unknown)


def _all_exercises() -> dict[str, Exercise]:
    from .lessons import LESSONS  # the registry imports this module, so look it up late
    return {e.id: e for lesson in LESSONS.values() for e in lesson.exercises}


def exercise(exercise_id: str) -> Exercise:
    """Look up an exercise by id (for example ``"01.2"``)."""
    exercises = _all_exercises()
    if exercise_id not in exercises:
        raise unknown_choice("exercise", exercise_id, exercises)
    return exercises[exercise_id]


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check a learner's answer; ``None`` means not answered yet."""
    task = exercise(exercise_id)
    if answer is None:
        return Feedback(False, f"put your answer in `answer` and run this cell again. Hint: {task.hint}")
    return task.checker(answer)


def solution(exercise_id: str) -> str:
    """The worked solution of an exercise, as Python source."""
    return exercise(exercise_id).solution


def show_solution(exercise_id: str) -> None:
    """Print a worked solution, ready to copy into a cell."""
    print(f"# Solution to exercise {exercise_id}: {exercise(exercise_id).title}")
    print(solution(exercise_id).strip())


def grade(question: Question, choice: int) -> tuple[bool, str]:
    """(correct?, feedback) for picking option number ``choice`` of ``question``."""
    option = question.options[choice]
    return option.correct, option.feedback
