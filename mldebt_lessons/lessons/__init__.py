"""The course's lessons, one folder each, and the registry that lists them in course order.

A lesson folder holds everything of one lesson: ``experiment.py`` (what is measured),
``view.py`` (what the picture and tables show), ``widget.py`` (the live demo), ``lesson.py``
(objectives, exercises, quiz, prompts: plain data) and ``claims.py`` (its claims as code).
To add a lesson: a folder, a notebook, and one line in ``_LESSON_MODULES`` below.

>>> list(LESSONS)
['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '90']
>>> check("01.1", None).message
'not attempted: set `answer` above and run this cell again.'
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from mldebt_lessons.course.claims import Claim, ClaimResult, claims_table_html, load_results
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, check_answer
from mldebt_lessons.course.notebook import Html, Markdown, exercise_markdown
from mldebt_lessons.course.progress import lessons_touched, progress_text, record_exercise
from mldebt_lessons.errors import unknown_choice

# The registry: one line per lesson, in course order.
_LESSON_MODULES = (
    "mldebt_lessons.lessons.entanglement_cace.lesson",
    "mldebt_lessons.lessons.correction_cascades.lesson",
    "mldebt_lessons.lessons.undeclared_consumers.lesson",
    "mldebt_lessons.lessons.unstable_data_dependencies.lesson",
    "mldebt_lessons.lessons.underutilized_data_dependencies.lesson",
    "mldebt_lessons.lessons.static_analysis_of_data_dependencies.lesson",
    "mldebt_lessons.lessons.direct_feedback_loops.lesson",
    "mldebt_lessons.lessons.hidden_feedback_loops.lesson",
    "mldebt_lessons.lessons.glue_code.lesson",
    "mldebt_lessons.lessons.pipeline_jungles.lesson",
    "mldebt_lessons.lessons.dead_experimental_codepaths.lesson",
    "mldebt_lessons.lessons.abstraction_debt.lesson",
    "mldebt_lessons.lessons.common_smells.lesson",
    "mldebt_lessons.lessons.configuration_debt.lesson",
    "mldebt_lessons.lessons.fixed_thresholds.lesson",
    "mldebt_lessons.lessons.monitoring_and_testing.lesson",
    "mldebt_lessons.lessons.other_debts.lesson",
    "mldebt_lessons.lessons.llm_systems.lesson",
    "mldebt_lessons.lessons.audit_your_system.lesson",
)

LESSONS: dict[str, Lesson] = {
    lesson.id: lesson for lesson in (importlib.import_module(name).LESSON for name in _LESSON_MODULES)}

# Each lesson's claims, from the `claims.py` beside its `lesson.py`.
CLAIMS: dict[str, tuple[Claim, ...]] = {
    lesson_id: importlib.import_module(name.rsplit(".", 1)[0] + ".claims").CLAIMS
    for lesson_id, name in zip(LESSONS, _LESSON_MODULES)}


def course_map() -> list[dict]:
    """Every lesson as plain data, in course order: what `mldebt lessons --format json` prints.

    >>> [l["id"] for l in course_map()]
    ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '90']
    """
    return [{"id": lesson.id, "title": lesson.title, "notebook": f"notebooks/{lesson.notebook}",
             "section": lesson.paper_section, "minutes": lesson.minutes, "patterns": list(lesson.patterns),
             "objectives": list(lesson.objectives),
             "exercises": [{"id": e.id, "title": e.title, "predict": e.predict, "task": e.prompt}
                           for e in lesson.exercises],
             "quiz": [{"question": q.text, "options": [o.text for o in q.options],
                       "correct": next(i for i, o in enumerate(q.options) if o.correct),
                       "predicts_a_measurement": q.measured} for q in lesson.quiz],
             "claims": [c.name for c in CLAIMS[lesson.id]]}
            for lesson in LESSONS.values()]


def lesson_folder(key: str) -> Path:
    """The folder that holds everything of one lesson."""
    return Path(__file__).parent / get_lesson(key).slug


def saved_claims(key: str) -> list[ClaimResult]:
    """The lesson's claims as last measured across worlds by `mldebt claims --save` (kept in its folder)."""
    path = lesson_folder(key) / "claims.json"
    return load_results(path) if path.exists() else []


def show_claims(key: str) -> Html:
    """The lesson's claims, each with in how many worlds it holds and its effect's range."""
    results = saved_claims(key)
    held = sum(r.holds_at == r.seeds for r in results)
    return Html(claims_table_html(results), f"[{len(results)} claims; {held} hold in every world measured]")


def get_lesson(key: str) -> Lesson:
    """A lesson by id ("01") or slug ("entanglement_cace")."""
    for lesson in LESSONS.values():
        if key in (lesson.id, lesson.slug):
            return lesson
    ids = list(LESSONS)
    raise unknown_choice("lesson", key, ids + [l.slug for l in LESSONS.values()],
                         listed=ids + ["or a lesson's name, as `mldebt lessons` lists them"])


def exercise(exercise_id: str) -> Exercise:
    """Look up an exercise by id (for example ``"01.2"``)."""
    exercises = {e.id: e for lesson in LESSONS.values() for e in lesson.exercises}
    if exercise_id not in exercises:
        raise unknown_choice("exercise", exercise_id, exercises)
    return exercises[exercise_id]


def check(exercise_id: str, answer: Any = None, prediction: Any = None) -> Feedback:
    """Check a learner's answer (and comment on their prediction); ``None`` means not answered yet.

    The result is also recorded in this kernel, for ``progress()``.
    """
    feedback = check_answer(exercise(exercise_id), answer, prediction)
    record_exercise(exercise_id, answered=answer is not None, ok=feedback.ok)
    return feedback


def progress(lesson_id: str | None = None) -> None:
    """Print a short token of your results, to paste where your instructor asks: one per lesson touched in
    this kernel, or only lesson ``lesson_id`` ("07"). It holds no name: only what you tried and got right."""
    if lesson_id is not None:
        lessons = [get_lesson(lesson_id)]
    else:
        touched = set(lessons_touched())
        lessons = [lesson for lesson in LESSONS.values() if lesson.id in touched]
    print(progress_text(lessons))


def show_exercise(exercise_id: str) -> Markdown:
    """An exercise's task, as Markdown for the notebook."""
    return exercise_markdown(exercise(exercise_id))


def hint(exercise_id: str) -> None:
    """Print an exercise's hint: asked for, never shown by running the notebook."""
    print(f"Hint for exercise {exercise_id}: {exercise(exercise_id).hint}")


def solution(exercise_id: str) -> str:
    """The worked solution of an exercise, as Python source."""
    return exercise(exercise_id).solution


def show_solution(exercise_id: str) -> None:
    """Print a worked solution, ready to copy into a cell."""
    print(f"# Solution to exercise {exercise_id}: {exercise(exercise_id).title}")
    print(solution(exercise_id).strip())
