"""Lesson machinery shared by every notebook: metadata, exercises with checkers, quizzes.

A lesson is plain data (:class:`Lesson`) registered in :mod:`mldebt_lessons.lessons`.
Each exercise carries its checker and a worked solution; a test runs every solution
through its checker, so solutions cannot rot.

Exercises are predict-then-measure: the learner may write a prediction before measuring, and
:func:`check_answer` comments on both. With no answer it says only "not attempted"; a hint is
shown after a wrong attempt, or on request. A checker never raises, whatever it is given.

Example
-------
>>> task = Exercise("x.1", "Double it", "Double 21.", "Multiply by two.", "answer = 42",
...                 lambda a: Feedback(a == 42, "42 it is." if a == 42 else "not 42."))
>>> check_answer(task, None)
Not yet: not attempted: set `answer` above and run this cell again.
>>> check_answer(task, [[]]).message
'not 42. Hint: Multiply by two.'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


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
    # Predict, then measure: what the learner is asked to predict before running anything, and a
    # function that comments on their prediction against the measured truth (one sentence).
    predict: str = ""
    judge_prediction: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    feedback: str  # said whether or not this option is the right one


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[Option, ...]
    measured: bool = False  # asks the learner to predict an outcome the lesson measures


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
    # The graph those nodes are in, made from the world's graph (None: the world's graph itself), for a
    # lesson that adds parts to Larkspur, such as lesson 18's support assistant.
    focus_graph: Callable[[Any], Any] | None = None

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


def world_at(seed: int | None = None):
    """The toy world at ``seed`` (the course's own seed if None), for checkers and prediction judges.

    Imported only when a checker first runs, so that listing the lessons stays quick.
    """
    from mldebt_lessons.shop.world import build_world
    return build_world() if seed is None else build_world(seed)


NOT_ATTEMPTED = "not attempted: set `answer` above and run this cell again."


def check_answer(task: Exercise, answer: Any = None, prediction: Any = None) -> Feedback:
    """The checker's verdict on ``answer``, with a comment on ``prediction``; never raises.

    No answer yet: one line, no hint. A wrong answer: the checker's words and then the hint.
    """
    if answer is None:
        if prediction is None or task.judge_prediction is None:
            return Feedback(False, NOT_ATTEMPTED)
        return Feedback(False, "prediction noted; now measure it and set `answer`.")
    try:
        verdict = task.checker(answer)
    except Exception as error:  # a checker must not raise at a learner, whatever they typed
        verdict = Feedback(False, f"could not check that answer ({type(error).__name__}); see the task above "
                                  "for the form it takes.")
    message = verdict.message
    if prediction is not None and task.judge_prediction is not None:
        try:
            message += " Your prediction: " + task.judge_prediction(prediction)
        except Exception as error:
            message += f" (your prediction could not be read: {type(error).__name__})"
    if not verdict.ok:
        message += f" Hint: {task.hint}"
    return Feedback(verdict.ok, message)


def grade(question: Question, choice: int) -> tuple[bool, str]:
    """(correct?, feedback) for picking option number ``choice`` of ``question``."""
    option = question.options[choice]
    return option.correct, option.feedback
