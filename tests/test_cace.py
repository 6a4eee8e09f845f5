"""Tests for the measured CACE experiment: what moved, and the controls that did not.

Every "this changed" here comes with an "and this did not": a model that does not read the
changed feature must show exactly zero change, and retraining it from the changed feature
table must give exactly the same scores.
"""

import math

import numpy as np
import pytest

from mldebt_lessons.cace import (MODES, ModelEffect, all_experiments, consumer_effects, effects_table,
                                 effects_text, measure_cace, weight_shift)
from mldebt_lessons.data import DEFAULT_SEED
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.features import FEATURES, changes_for, feature_table
from mldebt_lessons.graph import CONSUMERS
from mldebt_lessons.models import MODEL_SPECS, ShopModel
from mldebt_lessons.world import build_world, make_world, rows_of

EXPERIMENTS = all_experiments()
RUNS = [(f, c, m) for f, c in EXPERIMENTS for m in MODES]
MODEL_NAMES = [m.name for m in MODEL_SPECS]


@pytest.fixture(scope="module")
def world():
    return build_world()


def effect(world, feature, change, mode, model) -> ModelEffect:
    return next(e for e in measure_cace(world, feature, change, mode) if e.model == model)


# --- the experiment's shape -------------------------------------------------------------------

def test_all_experiments_lists_every_allowed_pair_once_in_a_stable_order():
    assert EXPERIMENTS == [(f.name, c) for f in FEATURES for c in changes_for(f.name)]
    assert len(set(EXPERIMENTS)) == len(EXPERIMENTS)
    assert all_experiments() == EXPERIMENTS


@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_every_model_is_measured_and_knows_whether_it_reads_the_feature(world, feature, change, mode):
    effects = measure_cace(world, feature, change, mode)
    assert [e.model for e in effects] == MODEL_NAMES
    for e, spec in zip(effects, MODEL_SPECS):
        assert e.reads_feature == (feature in spec.inputs)
        assert e.quality_metric == ("AUC" if spec.task == "classify" else "MAE vs truth (GBP)")
        assert 0.0 <= e.decisions_flipped <= 1.0
        assert e.mean_abs_score_change >= 0.0
    # Every experiment has both a reader and a control.
    assert any(e.reads_feature for e in effects) and not all(e.reads_feature for e in effects)


# --- controls: the models that do not read the feature ---------------------------------------

@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_a_model_that_does_not_read_the_feature_shows_exactly_zero_change(world, feature, change, mode):
    for e in measure_cace(world, feature, change, mode):
        if e.reads_feature:
            continue
        assert e.decisions_flipped == 0.0, e
        assert e.mean_abs_score_change == 0.0, e
        assert e.quality_after == e.quality_before and e.quality_change == 0.0, e
        assert e.other_inputs_shift == 0.0 and e.most_moved_input == "", e


@pytest.mark.parametrize("feature, change", EXPERIMENTS)
def test_with_models_not_retrained_some_reader_moves_and_no_weight_moves(world, feature, change):
    """The 'this changed' beside the control: in serving mode the change always reaches a reader."""
    effects = measure_cace(world, feature, change, "serving")
    assert max(e.mean_abs_score_change for e in effects if e.reads_feature) > 0
    assert all(e.other_inputs_shift == 0.0 and e.most_moved_input == "" for e in effects)


@pytest.mark.parametrize("feature, change", EXPERIMENTS)
def test_a_control_retrained_from_the_changed_table_scores_exactly_as_before(world, feature, change):
    """A real control: refit the non-readers ourselves on the changed features; nothing may move."""
    changed = feature_table(world.raw, world.reference, (feature, change))
    train, test = rows_of(changed, world.train_rows), rows_of(changed, world.test_rows)
    controls = [s for s in MODEL_SPECS if feature not in s.inputs]
    assert controls
    for spec in controls:
        old = world.models[spec.name]
        new = ShopModel(spec, world.seed).fit(train, world.labels[spec.label][world.train_rows])
        assert np.array_equal(new.predict_score(test), old.predict_score(world.test_table)), spec.name
        assert np.array_equal(new.decide(test), old.decide(world.test_table)), spec.name
        assert new.input_weights() == old.input_weights(), spec.name
        assert new.threshold_ == old.threshold_, spec.name
    # And the table really did change, so the control had something to ignore.
    assert not np.array_equal(changed[feature], world.features[feature])


# --- the effects themselves, with their direction ----------------------------------------------

def test_units_on_user_age_flips_many_churn_decisions_in_serving_and_almost_none_after_retraining(world):
    serving = effect(world, "user_age", "units", "serving", "churn_model")
    retrained = effect(world, "user_age", "units", "retrained", "churn_model")
    assert serving.decisions_flipped > 0.3
    assert retrained.decisions_flipped < 0.005  # the churn model standardises its inputs
    assert serving.decisions_flipped > retrained.decisions_flipped + 0.3
    assert serving.quality_after < serving.quality_before  # skew hurts
    # The quiz says the churn model "shows 0% flipped decisions" after retraining: the table agrees.
    row = next(r for r in effects_table(measure_cace(world, "user_age", "units", "retrained"))
               if r["model"] == "churn_model")
    assert row["decisions flipped"] == "0.0%"


@pytest.mark.parametrize("feature", [f.name for f in FEATURES if f.kind == "numeric"])
@pytest.mark.parametrize("change", ["units", "rescale"])
def test_standardised_models_shrug_off_a_change_of_scale_once_retrained(world, feature, change):
    for name in ("churn_model", "recommender"):
        e = effect(world, feature, change, "retrained", name)
        if e.reads_feature:
            assert e.decisions_flipped < 0.002, e
            assert e.mean_abs_score_change < 1e-6, e


@pytest.mark.parametrize("feature", [f.name for f in FEATURES if f.kind == "numeric"])
@pytest.mark.parametrize("change", ["units", "rescale", "log"])
def test_trees_shrug_off_a_monotone_transform_once_retrained(world, feature, change):
    e = effect(world, feature, change, "retrained", "fraud_model")
    assert e.decisions_flipped < 0.002, e


@pytest.mark.parametrize("feature", [f.name for f in FEATURES if f.has_missing])
@pytest.mark.parametrize("mode", MODES)
def test_no_reader_shrugs_off_a_new_fill_value(world, feature, mode):
    readers = [e for e in measure_cace(world, feature, "impute", mode) if e.reads_feature]
    assert readers
    for e in readers:
        assert e.mean_abs_score_change > 1e-6, e


def test_log_on_user_age_retrained_moves_the_churn_models_other_weights(world):
    e = effect(world, "user_age", "log", "retrained", "churn_model")
    assert e.other_inputs_shift > 0
    assert e.most_moved_input == "session_count"  # the quiz's question 5 names this input
    # Control: the same change without retraining moves no weight.
    assert effect(world, "user_age", "log", "serving", "churn_model").other_inputs_shift == 0.0


def test_impute_on_user_age_retrained_moves_the_fraud_models_other_weights(world):
    e = effect(world, "user_age", "impute", "retrained", "fraud_model")
    assert e.other_inputs_shift > 0.05
    assert e.most_moved_input in {"avg_basket_value", "days_since_signup", "device"}
    assert effect(world, "user_age", "impute", "retrained", "recommender").other_inputs_shift == 0.0


def test_the_ltv_model_still_moves_after_retraining_on_months(world):
    """The quiz's feedback says the ridge LTV model 'still moves a little after retraining'."""
    ltv = effect(world, "user_age", "units", "retrained", "ltv_model")
    churn = effect(world, "user_age", "units", "retrained", "churn_model")
    assert ltv.mean_abs_score_change > 1e-6
    # ... more than refitting noise: the standardised churn model's own change is far smaller.
    assert ltv.mean_abs_score_change > 1000 * churn.mean_abs_score_change


@pytest.mark.parametrize("change", ["log", "impute"])
def test_log_and_impute_still_flip_churn_decisions_after_retraining(world, change):
    """The quiz's feedback: "Try 'log' or 'impute' in retrained mode: decisions still flip"."""
    e = effect(world, "user_age", change, "retrained", "churn_model")
    assert e.decisions_flipped > 0
    assert e.other_inputs_shift > 0


# --- consumers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_consumer_effects_agree_with_the_models_they_read(world, feature, change, mode):
    flips = {e.model: e.decisions_flipped for e in measure_cace(world, feature, change, mode)}
    hits = consumer_effects(world, feature, change, mode)
    assert set(hits) == {c.name for c in CONSUMERS}
    assert hits["email_campaign"] == flips["churn_model"]
    assert hits["vip_programme"] == flips["ltv_model"]
    assert hits["fraud_review_queue"] == flips["fraud_model"]
    both = (flips["churn_model"], flips["recommender"])
    assert max(both) <= hits["homepage"] <= sum(both) + 1e-12


def test_homepage_is_hit_by_two_models_more_than_by_either_alone(world):
    hits = consumer_effects(world, "session_count", "rescale", "serving")
    flips = {e.model: e.decisions_flipped for e in measure_cace(world, "session_count", "rescale", "serving")}
    assert hits["homepage"] > max(flips["churn_model"], flips["recommender"])
    # Control: consumers of models that do not read session_count see nothing.
    assert hits["vip_programme"] == hits["fraud_review_queue"] == 0.0


# --- determinism ------------------------------------------------------------------------------------

def test_measurements_are_the_same_on_two_fresh_builds_of_one_seed(world):
    a, b = make_world(DEFAULT_SEED), make_world(DEFAULT_SEED)
    assert a is not b and a is not world
    for run in [("user_age", "units", "retrained"), ("user_age", "impute", "retrained"),
                ("device", "merge_rare", "retrained"), ("session_count", "log", "serving")]:
        assert measure_cace(a, *run) == measure_cace(b, *run) == measure_cace(world, *run), run
        assert consumer_effects(a, *run) == consumer_effects(b, *run), run


def test_repeated_calls_return_equal_results_that_callers_cannot_corrupt(world):
    first = measure_cace(world, "user_age", "log", "retrained")
    first.clear()
    assert len(measure_cace(world, "user_age", "log", "retrained")) == len(MODEL_SPECS)


# --- weight_shift -------------------------------------------------------------------------------------

def test_weight_shift_doctest_example():
    assert weight_shift({"a": 1.0, "b": 2.0, "x": 5.0}, {"a": 1.5, "b": 2.0, "x": 0.0}, "x") == (1 / 6, "a")


def test_weight_shift_ignores_the_changed_input_itself():
    assert weight_shift({"a": 1.0, "x": 1.0}, {"a": 1.0, "x": 100.0}, "x") == (0.0, "")
    assert weight_shift({"a": 1.0, "x": 1.0}, {"a": 2.0, "x": 1.0}, "x") == (1.0, "a")


def test_weight_shift_of_identical_weights_or_refitting_noise_is_zero():
    w = {"a": 0.3, "b": 0.7, "x": 1.0}
    assert weight_shift(w, dict(w), "x") == (0.0, "")
    assert weight_shift(w, {"a": 0.3 + 1e-6, "b": 0.7, "x": 1.0}, "x") == (0.0, "")  # below 1e-4
    shift, moved = weight_shift(w, {"a": 0.3 + 1e-3, "b": 0.7, "x": 1.0}, "x")  # above it
    assert shift == pytest.approx(1e-3) and moved == "a"


def test_weight_shift_with_no_other_inputs_or_no_other_weight_is_zero_not_an_error():
    assert weight_shift({"x": 1.0}, {"x": 2.0}, "x") == (0.0, "")
    shift, moved = weight_shift({"a": 0.0, "x": 1.0}, {"a": 0.5, "x": 1.0}, "x")
    assert math.isfinite(shift) and isinstance(moved, str)


def test_weight_shift_uses_absolute_values_and_breaks_ties_by_name():
    shift, moved = weight_shift({"a": -1.0, "b": 1.0, "x": 0.0}, {"a": -2.0, "b": 1.0, "x": 0.0}, "x")
    assert (shift, moved) == (0.5, "a")
    tie = weight_shift({"a": 1.0, "b": 1.0, "x": 0.0}, {"a": 2.0, "b": 2.0, "x": 0.0}, "x")
    assert tie == (1.0, "b") == weight_shift({"b": 1.0, "a": 1.0, "x": 0.0}, {"a": 2.0, "b": 2.0, "x": 0.0}, "x")


# --- tables, text and errors --------------------------------------------------------------------------

def test_effects_table_marks_controls_and_prints_the_measured_numbers(world):
    effects = measure_cace(world, "user_age", "units", "serving")
    rows = effects_table(effects)
    assert [r["model"] for r in rows] == MODEL_NAMES
    for row, e in zip(rows, effects):
        assert row["reads it?"] == ("yes" if e.reads_feature else "no (control)")
        assert row["decisions flipped"] == f"{100 * e.decisions_flipped:.1f}%"
        assert row["quality before -> after"].startswith(e.quality_metric)
    text = effects_text("user_age", "units", "serving", effects)
    lines = text.splitlines()
    assert len(lines) == 1 + len(effects)
    assert lines[0] == "Change: user_age -> units (serving changed, models not retrained)"
    assert "no (control)" in lines[-1] and "recommender" in lines[-1]


def test_as_dict_carries_the_quality_change(world):
    e = effect(world, "user_age", "units", "serving", "churn_model")
    d = e.as_dict()
    assert d["quality_change"] == e.quality_after - e.quality_before
    assert d["model"] == "churn_model"


@pytest.mark.parametrize("args, words", [
    (("user_age", "units", "live"), ["'live'", "serving", "retrained"]),
    (("user_agee", "units", "serving"), ["'user_agee'", "user_age"]),
    (("device", "units", "serving"), ["device", "rename", "merge_rare"]),
])
@pytest.mark.parametrize("call", [measure_cace, consumer_effects])
def test_bad_input_gives_one_line(world, call, args, words):
    with pytest.raises(CourseInputError) as caught:
        call(world, *args)
    text = str(caught.value)
    assert "\n" not in text
    for word in words:
        assert word in text
