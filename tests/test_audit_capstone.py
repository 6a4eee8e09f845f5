"""The capstone's exercises, quiz and widget, as plain functions."""

import time

import pytest

from mldebt_lessons.audit.mltestscore import TEST_KEYS
from mldebt_lessons.audit.toy import toy_answers, toy_manifest
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, show_exercise
from mldebt_lessons.lessons.audit_your_system.lesson import (
    EXERCISES,
    LESSON,
    STARTER_MANIFEST,
    audit_text,
    findings_by_pattern,
    hot_spots_text,
    toy_audit,
)
from mldebt_lessons.lessons.audit_your_system.widget import TestScoreWidget

WRONG = {
    "90.1": ["accounts_db_x", "homepage", 3],
    "90.2": [toy_manifest(measure=False), "churn_model", {"system": "x"}],
    "90.3": [STARTER_MANIFEST, "system: x\n", 42],
    "90.4": [(0, "research project"), (26.5, "exceptional"), 1.5, (1.5, "strong")],
    "90.5": ["system: x\nmodels: [{id: m}]\n", "not: yaml: at: all: [", 5],
}


def solve(exercise):
    namespace = {}
    exec(compile(exercise.solution, f"<solution {exercise.id}>", "exec"), namespace)
    return namespace["answer"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_solution_passes_and_wrong_answers_fail_with_a_message(exercise, monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parents[1] / "notebooks")
    verdict = check(exercise.id, solve(exercise))
    assert verdict.ok, verdict
    for wrong in WRONG[exercise.id] + [None]:
        verdict = check(exercise.id, wrong)
        assert not verdict.ok and verdict.message.strip(), (exercise.id, wrong)


def test_the_capstone_follows_the_lesson_template_data():
    assert len(LESSON.exercises) in range(3, 6) and len(LESSON.quiz) >= 5
    for question in LESSON.quiz:
        assert sum(o.correct for o in question.options) == 1 and all(o.feedback for o in question.options)
    explain, walk, audit = (p.lower() for p in LESSON.tutor_prompts)
    assert "explain" in explain and "one paragraph" in explain and "walk me through" in walk
    assert "audit" in audit and "prioritise" in audit


def test_unknown_exercise_is_one_line():
    with pytest.raises(CourseInputError):
        check("90.9", 1)
    with pytest.raises(CourseInputError):
        show_exercise("nope")


def test_findings_by_pattern_explains_each_pattern_once_with_its_lesson():
    result = toy_audit()
    text = findings_by_pattern(result).text
    for pattern in result.patterns_found():
        assert text.count(f"(`{pattern}`,") == 1
    assert "01_entanglement_cace.ipynb" in text
    assert hot_spots_text(result).count("\n") == 4


def test_the_starter_manifest_audits():
    result = audit_text(STARTER_MANIFEST)
    assert "fixed_threshold" in result.patterns_found()


def test_the_score_widget_follows_its_toggles_quickly():
    widget = TestScoreWidget(toy_answers())
    assert widget.result().final == 0 and "research project" in widget.summary.value
    started = time.perf_counter()
    for key in TEST_KEYS:
        widget.set_answer(key, "automated")
    per_click = (time.perf_counter() - started) / len(TEST_KEYS)
    assert widget.result().final == 7 and "exceptional" in widget.summary.value
    assert per_click < 0.1
    assert repr(widget).startswith("TestScoreWidget(")
