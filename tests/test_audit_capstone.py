"""The capstone's exercises, quiz, claims and widget, as plain functions."""

import copy
import time

import pytest
import yaml

from mldebt_lessons.audit.mltestscore import TEST_KEYS
from mldebt_lessons.audit.toy import toy_answers, toy_manifest
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, exercise, show_exercise
from mldebt_lessons.lessons.audit_your_system.lesson import (
    EXERCISES,
    LESSON,
    STARTER_MANIFEST,
    audit_text,
    fewest_changes_to_pass,
    findings_by_pattern,
    hot_spots_text,
    toy_audit,
)
from mldebt_lessons.lessons.audit_your_system.widget import TestScoreWidget


def solve(task):
    namespace = {}
    exec(compile(task.solution, f"<solution {task.id}>", "exec"), namespace)
    return namespace["answer"]


def with_ads_ranker_node_only():
    manifest = toy_manifest(measure=False)
    manifest["consumers"].append({"id": "ads_ranker", "owner": "ads team", "reads": ["churn_model"]})
    return manifest


def blank_monitoring(manifest):
    for model in manifest.get("models", []):
        model["monitoring"] = [""]
    return manifest


def overwrite_monitoring(manifest):
    for model in manifest.get("models", []):
        model["monitoring"] = ["prediction_bias"]
    return manifest


def raises(manifest):
    raise KeyError("models")


def ten_changes():
    answers = toy_answers()
    for key in TEST_KEYS:
        if not key.startswith("infra") and answers[key] == "no" and sum(
                answers[k] != toy_answers()[k] for k in TEST_KEYS) < 10:
            answers[key] = "automated"
    return answers


# Vacuous and plausible-but-wrong answers: an unchanged starter, blank monitors, a half-done edit.
WRONG = {
    "90.1": [toy_manifest(measure=False), with_ads_ranker_node_only(), "ads_ranker", {"system": "x"}, [[]]],
    "90.2": [toy_answers(), {k: "automated" for k in TEST_KEYS}, ten_changes(), {"data_1": "always"}, 2.5, [[]]],
    "90.3": [lambda m: m, blank_monitoring, overwrite_monitoring, raises, lambda m: None, lambda m: 42,
             "add_monitoring", [[]]],
    "90.4": [STARTER_MANIFEST, yaml.safe_load(STARTER_MANIFEST), "system: x\n", 42, [[]],
             STARTER_MANIFEST.replace("emails", "mails").replace("owner: data team", "owner: ' '"),
             "not: yaml: at: all: [", "system: x\nmodels: [{id: m, owner: me}]\n"],
}


@pytest.mark.parametrize("task", EXERCISES, ids=lambda e: e.id)
def test_every_solution_passes_and_wrong_answers_fail_with_a_message(task):
    verdict = check(task.id, solve(task))
    assert verdict.ok, verdict
    for wrong in WRONG[task.id] + [None, object(), float("nan"), 10**30]:
        verdict = check(task.id, wrong)
        assert not verdict.ok and verdict.message.strip(), (task.id, wrong)


def test_solutions_use_only_public_names():
    for task in EXERCISES:
        assert "._" not in task.solution and "import _" not in task.solution, task.id
        assert "README" not in task.solution, task.id


@pytest.mark.parametrize("task", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_asks_for_a_prediction_and_judges_any_prediction(task):
    assert task.predict.strip().endswith("?") and task.judge_prediction is not None
    for guess in (3, "7", "~5", None, "lots", [[]], float("nan"), 10**400, object()):
        comment = task.judge_prediction(guess)
        assert isinstance(comment, str) and "measured answer is" in comment, (task.id, guess)


def test_predictions_are_compared_with_what_the_audit_measures():
    assert "measured answer is 7 at the least (spot on)" in exercise("90.2").judge_prediction(7)
    assert "measured answer is 15.5 points off the total (spot on)" in exercise("90.1").judge_prediction(15.5)
    assert "(off)" in exercise("90.3").judge_prediction(15.5)


def test_the_monitoring_function_must_leave_monitors_a_model_already_has():
    verdict = check("90.3", overwrite_monitoring)
    assert not verdict.ok and "lost the monitors" in verdict.message
    verdict = check("90.3", blank_monitoring)
    assert not verdict.ok and "blank name" in verdict.message


def test_declaring_the_reader_must_reach_the_models_own_list():
    verdict = check("90.1", with_ads_ranker_node_only())
    assert not verdict.ok and "churn_model's owner must list it" in verdict.message


def test_the_fewest_changes_follow_the_minimum_rule():
    assert fewest_changes_to_pass(toy_answers(), 2.0) == 7  # data 2, model 2, infra 0, monitoring 3
    assert fewest_changes_to_pass({k: "automated" for k in TEST_KEYS}, 2.0) == 0
    assert fewest_changes_to_pass({}, 0.0) == 4


def test_the_starter_unchanged_is_not_your_own_system():
    verdict = check("90.4", STARTER_MANIFEST)
    assert not verdict.ok and "starter" in verdict.message


def test_the_capstone_follows_the_lesson_template_data():
    assert len(LESSON.exercises) in range(3, 6) and len(LESSON.quiz) >= 6
    assert sum(q.measured for q in LESSON.quiz) >= 2
    for question in LESSON.quiz:
        assert sum(o.correct for o in question.options) == 1 and all(o.feedback for o in question.options)
    longest_right = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                        for q in LESSON.quiz)
    assert 3 * longest_right <= len(LESSON.quiz)
    explain, walk, audit = (p.lower() for p in LESSON.tutor_prompts)
    assert "explain" in explain and "one paragraph" in explain and "walk me through" in walk
    assert "audit" in audit and "prioritise" in audit


def test_no_feedback_calls_a_section_sum_the_whole_range():
    feedback = " ".join(o.feedback for q in LESSON.quiz for o in q.options)
    assert "0 to 7" not in feedback or "each section" in feedback


def test_every_headline_claim_holds_in_all_20_worlds(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "90"]  # measured once per session
    for result in results:
        assert result.ok, (result.claim, result.values)


def test_unknown_exercise_is_one_line():
    with pytest.raises(CourseInputError):
        check("90.9", 1)
    with pytest.raises(CourseInputError):
        show_exercise("nope")


def test_findings_by_pattern_links_every_pattern_inside_the_repository():
    result = toy_audit()
    text = findings_by_pattern(result).text
    for pattern in result.patterns_found():
        assert text.count(f"(`{pattern}`,") == 1
    assert "(01_entanglement_cace.ipynb)" in text and "(17_other_debts.ipynb)" in text
    assert "guide" not in text.lower()
    assert hot_spots_text(result).count("\n") == 4


def test_the_starter_manifest_audits():
    result = audit_text(STARTER_MANIFEST)
    assert "fixed_threshold" in result.patterns_found()


def test_checking_does_not_change_the_toy_audit():
    before = [(f.pattern, f.nodes, f.score) for f in toy_audit().findings]
    check("90.3", solve(exercise("90.3")))
    check("90.1", copy.deepcopy(solve(exercise("90.1"))))
    assert [(f.pattern, f.nodes, f.score) for f in toy_audit().findings] == before


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
