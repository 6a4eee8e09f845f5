"""Tests for the measured CACE experiment: what moved, and the controls that did not.

Every "this changed" here comes with an "and this did not": a model the change does not reach
(no path in the graph leads from the feature to it) must show exactly zero change, and retraining
it from the changed feature table must give exactly the same scores. A model that does not read
the feature but reads another model that does (fraud_model_es reads fraud_model's score) is
reached, so it is no control: it is measured, and it moves.

Directions (what moves, and how much) are claims: they live in the lesson's ``claims.py`` and are
asserted here at ten worlds, never at the default seed alone. Only exact controls are asserted at
one seed, because they hold by construction in every world.
"""

import math

import numpy as np
import pytest

from mldebt_lessons.course.claims import SEEDS
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.entanglement_cace.claims import CLAIMS
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODES,
    ModelEffect,
    all_experiments,
    changes_of,
    consumer_effects,
    effects_table,
    effects_text,
    measure_cace,
    modes_differ,
    noise_floor,
    noise_consumer_effects,
    preprocessing_experiments,
    targets,
    weight_shift,
)
from mldebt_lessons.shop.data import DEFAULT_SEED, rows_of
from mldebt_lessons.shop.features import FEATURES, changes_for, feature_table
from mldebt_lessons.shop.graph import CONSUMERS, ripple
from mldebt_lessons.shop.models import (
    MODEL_SPECS,
    MODEL_SPECS_BY_NAME,
    ShopModel,
    add_upstream_scores,
)
from mldebt_lessons.shop.world import build_world, make_world

EXPERIMENTS = all_experiments()
PREPROCESSING = preprocessing_experiments()
MODEL_CHANGES = [(t, c) for t, c in EXPERIMENTS if t in MODEL_SPECS_BY_NAME]
RUNS = [(f, c, m) for f, c in EXPERIMENTS for m in MODES]
MODEL_NAMES = [m.name for m in MODEL_SPECS]

# The models a change to each feature reaches, written out by hand from the specs.
REACHED = {
    "user_age": {"churn_model", "ltv_model", "fraud_model", "fraud_model_es"},
    "session_count": {"churn_model", "recommender"},
    "days_since_signup": {"churn_model", "fraud_model", "fraud_model_es"},
    "avg_basket_value": {"ltv_model", "fraud_model", "fraud_model_es"},
    "device": {"churn_model", "fraud_model", "recommender", "fraud_model_es"},
    "country": {"ltv_model", "recommender"},
}


def reached_models(feature: str) -> set[str]:
    """The models a change to ``feature`` (or to a model) reaches, from the specs alone (not the graph): a
    model is reached if it is the changed model, reads the feature, or reads the score of a reached model."""
    reached: set[str] = {feature} if feature in MODEL_SPECS_BY_NAME else set()
    grew = True
    while grew:
        grew = False
        for spec in MODEL_SPECS:
            if spec.name not in reached and (feature in spec.inputs or reached & set(spec.inputs)):
                reached.add(spec.name)
                grew = True
    return reached


@pytest.fixture(scope="module")
def world():
    return build_world()


def effect(world, feature, change, mode, model) -> ModelEffect:
    return next(e for e in measure_cace(world, feature, change, mode) if e.model == model)


# --- the experiment's shape -------------------------------------------------------------------

def test_all_experiments_lists_every_allowed_pair_once_in_a_stable_order():
    assert EXPERIMENTS == [(t, c) for t in targets() for c in changes_of(t)]
    assert targets() == [f.name for f in FEATURES] + MODEL_NAMES
    assert PREPROCESSING == [(f.name, c) for f in FEATURES for c in changes_for(f.name)]
    assert set(PREPROCESSING) < set(EXPERIMENTS)
    assert len(set(EXPERIMENTS)) == len(EXPERIMENTS)
    assert all_experiments() == EXPERIMENTS


def test_every_kind_of_change_the_paper_names_is_offered():
    """Preprocessing, dropping and adding a feature, a hyper-parameter, the sample, a threshold."""
    assert all("drop" in changes_of(f.name) for f in FEATURES)
    for name in MODEL_NAMES:
        changes = changes_of(name)
        spec = MODEL_SPECS_BY_NAME[name]
        assert {f"drop {i}" for i in spec.inputs if i not in MODEL_SPECS_BY_NAME} <= set(changes)
        assert any(c.startswith("add ") for c in changes)
        assert {"half the users", "lower threshold", "raise threshold"} <= set(changes)
        assert ("balanced classes" in changes) == (spec.task == "classify")
        # A penalty for the logistic regressions (C) and the ridge (alpha); the boosted trees have none here.
        assert ("stronger penalty" in changes) == (name != "fraud_model")


@pytest.mark.parametrize("feature", [f.name for f in FEATURES])
def test_the_models_a_change_reaches_follow_model_to_model_edges(world, feature):
    """Three accounts of reach agree: the hand-written table, the specs, and the graph's ripple."""
    assert reached_models(feature) == REACHED[feature]
    assert {r.node for r in ripple(world.graph, feature) if r.kind == "model"} == REACHED[feature]


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_a_models_own_change_reaches_itself_and_the_models_that_read_its_score(world, model):
    expected = {"fraud_model": {"fraud_model", "fraud_model_es"}}.get(model, {model})
    assert reached_models(model) == expected
    assert {r.node for r in ripple(world.graph, model) if r.kind == "model"} | {model} == expected
    assert modes_differ(world, model) == (len(expected) > 1)


@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_every_model_is_measured_and_knows_whether_it_reads_the_feature(world, feature, change, mode):
    effects = measure_cace(world, feature, change, mode)
    assert [e.model for e in effects] == MODEL_NAMES
    for e, spec in zip(effects, MODEL_SPECS):
        assert e.reads_feature == (feature in spec.inputs or feature == spec.name)
        assert e.changed_model == (feature == spec.name)
        assert e.downstream == (spec.name in reached_models(feature))
        assert e.downstream or not e.reads_feature  # a reader is always reached
        assert e.quality_metric == ("AUC" if spec.task == "classify" else "MAE vs truth (GBP)")
        assert 0.0 <= e.decisions_flipped <= 1.0
        assert e.mean_abs_score_change >= 0.0
    # Every experiment has both a reader and a control (a model the change does not reach).
    assert any(e.reads_feature for e in effects) and not all(e.downstream for e in effects)


# --- controls: the models the change does not reach -------------------------------------------

@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_a_model_the_change_does_not_reach_shows_exactly_zero_change(world, feature, change, mode):
    controls = [e for e in measure_cace(world, feature, change, mode) if not e.downstream]
    assert {e.model for e in controls} == set(MODEL_NAMES) - reached_models(feature)
    assert controls
    for e in controls:
        assert not e.reads_feature, e
        assert e.decisions_flipped == 0.0, e
        assert e.mean_abs_score_change == 0.0, e
        assert e.quality_after == e.quality_before and e.quality_change == 0.0, e
        assert e.other_inputs_shift == 0.0 and e.most_moved_input == "", e


@pytest.mark.parametrize("feature, change", [(t, c) for t, c in EXPERIMENTS if t not in MODEL_SPECS_BY_NAME])
def test_with_models_not_retrained_some_reader_moves_and_no_weight_moves(world, feature, change):
    """The 'this changed' beside the control: in serving mode the change always reaches a reader."""
    effects = measure_cace(world, feature, change, "serving")
    assert max(e.mean_abs_score_change for e in effects if e.reads_feature) > 0
    assert all(e.other_inputs_shift == 0.0 and e.most_moved_input == "" for e in effects)


@pytest.mark.parametrize("model, change", MODEL_CHANGES)
def test_a_models_own_change_moves_it_in_both_modes_and_a_threshold_moves_only_its_decisions(world, model, change):
    """The changed model moves whatever the mode (its owner retrains it, or sets a new cut-off)."""
    for mode in MODES:
        e = effect(world, model, change, mode, model)
        assert e.changed_model and e.reads_feature and e.downstream
        if change.endswith("threshold"):  # a new cut-off, nothing retrained: same scores, same weights
            assert e.mean_abs_score_change == 0.0 and e.other_inputs_shift == 0.0, e
            assert e.quality_change == 0.0 and e.decisions_flipped > 0, e
        else:
            assert e.mean_abs_score_change > 0, e
    if not modes_differ(world, model):  # nobody reads its score: the two modes are one experiment
        assert measure_cace(world, model, change, "serving") == measure_cace(world, model, change, "retrained")


@pytest.mark.parametrize("change", ["lower threshold", "raise threshold"])
@pytest.mark.parametrize("mode", MODES)
def test_a_threshold_change_reaches_consumers_but_no_model_that_reads_the_score(world, change, mode):
    """fraud_model_es reads fraud_model's score, not its decision: a new cut-off cannot move it."""
    e = effect(world, "fraud_model", change, mode, "fraud_model_es")
    assert e.downstream and e.reads_feature and not e.changed_model  # it reads the changed model's score
    assert e.decisions_flipped == 0.0 and e.mean_abs_score_change == 0.0 and e.quality_change == 0.0, e
    hits = consumer_effects(world, "fraud_model", change, mode)
    assert hits["fraud_review_queue"] > 0  # ... while the queue, which acts on the decision, changes
    assert hits["email_campaign"] == hits["vip_programme"] == hits["homepage"] == 0.0


@pytest.mark.parametrize("feature, change", PREPROCESSING)
def test_a_control_retrained_from_the_changed_table_scores_exactly_as_before(world, feature, change):
    """A real control: refit the models the change does not reach ourselves, each on its own market's
    changed features and on the refitted scores of the models it reads; nothing may move."""
    changed = {name: feature_table(market.raw, world.reference, (feature, change))
               for name, market in world.markets.items()}
    controls = [s for s in MODEL_SPECS if s.name not in reached_models(feature)]
    assert controls
    refitted: dict[str, ShopModel] = {}
    for spec in controls:  # MODEL_SPECS is in dependency order: upstream controls are refitted first
        assert set(spec.upstream_models()) <= set(refitted), spec.name  # a control reads only controls
        market = world.markets[spec.market]
        train = add_upstream_scores(rows_of(changed[market.name], market.train_rows), refitted, spec.inputs)
        test = add_upstream_scores(rows_of(changed[market.name], market.test_rows), refitted, spec.inputs)
        before = add_upstream_scores(rows_of(market.features, market.test_rows), world.models, spec.inputs)
        old = world.models[spec.name]
        new = refitted[spec.name] = ShopModel(spec, world.seed).fit(
            train, market.labels[spec.label][market.train_rows])
        assert np.array_equal(new.predict_score(test), old.predict_score(before)), spec.name
        assert np.array_equal(new.decide(test), old.decide(before)), spec.name
        assert new.input_weights() == old.input_weights(), spec.name
        assert new.threshold_ == old.threshold_, spec.name
    # And the table really did change, so the control had something to ignore.
    assert not np.array_equal(changed["home"][feature], world.features[feature])


# --- reach through another model: fraud_model_es reads fraud_model's score ---------------------

@pytest.mark.parametrize("feature", ["user_age", "days_since_signup"])
def test_a_model_reached_only_through_another_model_is_measured_and_moves(world, feature):
    """fraud_model_es does not read the feature, but it reads fraud_model's score, which does."""
    spec = MODEL_SPECS_BY_NAME["fraud_model_es"]
    assert feature not in spec.inputs and "fraud_model" in spec.upstream_models()
    for change in changes_for(feature):
        for mode in MODES:
            e = effect(world, feature, change, mode, "fraud_model_es")
            assert not e.reads_feature and e.downstream, e
    serving = {c: effect(world, feature, c, "serving", "fraud_model_es") for c in changes_for(feature)}
    assert max(e.mean_abs_score_change for e in serving.values()) > 0
    assert max(e.decisions_flipped for e in serving.values()) > 0
    # The measured change is exactly what fraud_model's moved score does to it: recompute it by hand,
    # on Spanish test users, changing only the fraud_model column.
    market = world.new_market
    es, fraud = world.models["fraud_model_es"], world.models["fraud_model"]
    before = rows_of(market.features, market.test_rows)
    upstream_before = fraud.predict_score(before)
    score_before = es.predict_score(before | {"fraud_model": upstream_before})
    for change, e in serving.items():
        after = rows_of(feature_table(market.raw, world.reference, (feature, change)), market.test_rows)
        for name in spec.inputs:  # its own inputs are untouched: only the upstream score moves
            if name != "fraud_model":
                assert np.array_equal(after[name], before[name]), (change, name)
        upstream_after = fraud.predict_score(after)
        score_after = es.predict_score(before | {"fraud_model": upstream_after})
        assert e.mean_abs_score_change == pytest.approx(np.mean(np.abs(score_after - score_before)), abs=1e-15)
        assert e.decisions_flipped == np.mean((score_before >= es.threshold_) != (score_after >= es.threshold_))
        if np.array_equal(upstream_after, upstream_before):
            assert e.mean_abs_score_change == 0.0 and e.decisions_flipped == 0.0, change


def test_session_count_does_not_reach_the_spanish_fraud_model(world):
    """The control beside the test above: no path leads from session_count to fraud_model_es."""
    for change in changes_for("session_count"):
        for mode in MODES:
            e = effect(world, "session_count", change, mode, "fraud_model_es")
            assert not e.reads_feature and not e.downstream, e
            assert e.decisions_flipped == 0.0 and e.mean_abs_score_change == 0.0, e


# --- the effects themselves: claims measured across worlds, never at one seed ----------------------

def test_every_headline_claim_of_the_lesson_holds_in_all_20_worlds(claims_sweep):
    """Every direction the lesson states (prose, key points, quiz feedback, exercise messages) is a
    claim in claims.py; the headline ones must hold in every world, the others are stated with their count."""
    results = [r for r in claims_sweep[0] if r.lesson == "01"]  # measured once per session
    assert len(results) == len(CLAIMS) and all(r.seeds == len(SEEDS) for r in results)
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at < r.seeds]
    assert not failing, failing


def test_claims_measure_what_the_experiment_measures(world):
    """The claims read the experiment, not a copy of it: spot-check two against measure_cace."""
    from mldebt_lessons.lessons.entanglement_cace import claims
    assert claims.skew_flips(world) == effect(world, "user_age", "units", "serving", "churn_model").decisions_flipped
    e = effect(world, "user_age", "log", "retrained", "churn_model")
    assert claims.log_shift_over_noise(world) == e.other_inputs_shift / e.noise_shift
    assert e.most_moved_input == "days_since_signup" and claims.log_partner_lead(world) > 1


@pytest.mark.parametrize("feature", [f.name for f in FEATURES if f.kind == "numeric"])
@pytest.mark.parametrize("change", ["units", "rescale"])
def test_standardised_models_shrug_off_a_change_of_scale_once_retrained(world, feature, change):
    """Exact by construction (standardising undoes any change of scale), so one world suffices."""
    for name in ("churn_model", "recommender"):
        e = effect(world, feature, change, "retrained", name)
        if e.reads_feature:
            assert e.decisions_flipped == 0.0, e
            assert e.mean_abs_score_change < 1e-9, e


# --- the noise floor ------------------------------------------------------------------------------------

def test_the_noise_floor_is_the_same_beside_every_change_and_is_reproducible(world):
    floor = noise_floor(world)
    assert list(floor) == MODEL_NAMES
    for target, change in [("user_age", "units"), ("churn_model", "drop device"), ("fraud_model", "raise threshold")]:
        for mode in MODES:
            for e in measure_cace(world, target, change, mode):
                assert (e.noise_flipped, e.noise_score_change, e.noise_shift) == (
                    floor[e.model].decisions_flipped, floor[e.model].mean_abs_score_change,
                    floor[e.model].other_inputs_shift)
    again = noise_floor(make_world(DEFAULT_SEED))
    assert {m: e.decisions_flipped for m, e in again.items()} == {m: e.decisions_flipped for m, e in floor.items()}
    assert all(0.0 <= e.decisions_flipped < 1.0 and e.mean_abs_score_change > 0 for e in floor.values())
    shares = noise_consumer_effects(world)
    assert set(shares) == {c.name for c in CONSUMERS} and all(0.0 <= v <= 1.0 for v in shares.values())


def test_the_noise_floor_comes_from_the_resample_not_from_the_seed(world):
    """Control for the floor: the same retraining on the same users reproduces every model exactly (the
    solvers are deterministic), so what the floor shows is the other draw of training users."""
    for name, model in world.models.items():
        if model.spec.market != "home":
            continue
        refit = ShopModel(model.spec, world.seed + 1).fit(world.train_table,
                                                           world.labels[model.spec.label][world.train_rows])
        assert np.allclose(refit.predict_score(world.test_table), model.predict_score(world.test_table),
                           rtol=0, atol=1e-9), name
    assert sum(e.mean_abs_score_change for e in noise_floor(world).values()) > 0


# --- consumers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("feature, change, mode", RUNS)
def test_consumer_effects_agree_with_the_models_they_read(world, feature, change, mode):
    flips = {e.model: e.decisions_flipped for e in measure_cace(world, feature, change, mode)}
    hits = consumer_effects(world, feature, change, mode)
    assert set(hits) == {c.name for c in CONSUMERS}
    assert hits["email_campaign"] == flips["churn_model"]
    assert hits["ads_ranker"] == flips["churn_model"]  # undeclared, but hit all the same
    assert hits["vip_programme"] == flips["ltv_model"]
    # The review queue serves two markets: home users through fraud_model, Spanish users through
    # fraud_model_es. Each user counts once, in their own market: a user-weighted combination.
    n_home, n_es = len(world.test_rows), len(world.new_market.test_rows)
    home, es = flips["fraud_model"] * n_home, flips["fraud_model_es"] * n_es
    assert abs(home - round(home)) < 1e-6 and abs(es - round(es)) < 1e-6  # whole numbers of users
    assert hits["fraud_review_queue"] == (round(home) + round(es)) / (n_home + n_es)
    low, high = sorted((flips["fraud_model"], flips["fraud_model_es"]))
    assert low - 1e-12 <= hits["fraud_review_queue"] <= high + 1e-12
    both = (flips["churn_model"], flips["recommender"])
    assert max(both) <= hits["homepage"] <= sum(both) + 1e-12


def test_homepage_counts_a_user_once_whichever_of_its_two_models_flipped(world):
    hits = consumer_effects(world, "session_count", "rescale", "serving")
    flips = {e.model: e.decisions_flipped for e in measure_cace(world, "session_count", "rescale", "serving")}
    assert max(flips["churn_model"], flips["recommender"]) <= hits["homepage"]
    assert hits["homepage"] <= flips["churn_model"] + flips["recommender"] + 1e-12
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

def test_effects_table_marks_controls_and_prints_each_number_beside_its_noise_floor(world):
    effects = measure_cace(world, "user_age", "units", "serving")
    rows = effects_table(effects)
    assert [r["model"] for r in rows] == MODEL_NAMES
    for row, e in zip(rows, effects):
        assert row["decisions flipped (noise floor)"] == (
            f"{100 * e.decisions_flipped:.1f}% ({100 * e.noise_flipped:.1f}%)")
        assert row["other weights moved (noise floor)"].startswith(
            f"{100 * e.other_inputs_shift:.1f}% ({100 * e.noise_shift:.1f}%)")
        # Pounds for the LTV regression, probabilities for the classifiers: never mixed in one unit.
        assert row["mean score change"].startswith("£") == (e.model == "ltv_model")
        assert row["quality before→after"].startswith("MAE £" if e.model == "ltv_model" else "AUC 0.")
        assert all(len(word) <= 20 for cell in row.values() for word in str(cell).split())  # narrow columns
    assert len(rows[0]) == 6
    text = effects_text("user_age", "units", "serving", effects)
    lines = text.splitlines()
    assert len(lines) == 2 + len(effects)
    assert lines[0] == "Change: user_age -> units (serving changed, models not retrained)"
    assert "noise floor" in lines[1]
    assert [r["reached"] for r in rows] == ["reads it", "reads it", "reads it", "no (control)", "via another model"]
    assert "no (control)" in lines[5] and "recommender" in lines[5]
    assert "via another model" in lines[6] and "fraud_model_es" in lines[6]
    own = effects_table(measure_cace(world, "churn_model", "drop device", "retrained"))
    assert [r["reached"] for r in own] == ["changed model"] + ["no (control)"] * 4
    assert "most: " in own[0]["other weights moved (noise floor)"]


def test_as_dict_carries_the_quality_change(world):
    e = effect(world, "user_age", "units", "serving", "churn_model")
    d = e.as_dict()
    assert d["quality_change"] == e.quality_after - e.quality_before
    assert d["model"] == "churn_model"


@pytest.mark.parametrize("args, words", [
    (("user_age", "units", "live"), ["'live'", "serving", "retrained"]),
    (("user_agee", "units", "serving"), ["'user_agee'", "user_age"]),
    (("device", "units", "serving"), ["device", "rename", "merge_rare"]),
    (("churn_model", "add user_age", "serving"), ["add user_age", "add avg_basket_value"]),
    (("fraud_model", "stronger penalty", "retrained"), ["stronger penalty", "raise threshold"]),
])
@pytest.mark.parametrize("call", [measure_cace, consumer_effects])
def test_bad_input_gives_one_line(world, call, args, words):
    with pytest.raises(CourseInputError) as caught:
        call(world, *args)
    text = str(caught.value)
    assert "\n" not in text
    for word in words:
        assert word in text


def test_the_flips_chart_has_big_text_fits_a_notebook_and_no_label_overlaps_another(world):
    """Shown at its own size in a notebook's 592-px output area at 1024 px (saved as the inline backend
    saves it), with every text at 12 points or more and none on top of another."""
    import io

    import matplotlib
    import matplotlib.pyplot as plt
    from PIL import Image

    from mldebt_lessons.lessons.entanglement_cace.view import flips_by_change
    fig = flips_by_change(world, "user_age", "churn_model")
    saved = io.BytesIO()
    fig.savefig(saved, format="png", bbox_inches="tight", dpi=100)
    assert Image.open(saved).size[0] <= 580
    fig.canvas.draw()
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    assert min(t.get_fontsize() for t in texts) >= 12
    boxes = [t.get_window_extent(fig.canvas.get_renderer()) for t in texts]
    overlaps = [(a.get_text(), b.get_text()) for i, a in enumerate(texts) for j, b in enumerate(texts)
                if i < j and boxes[i].overlaps(boxes[j])]
    assert not overlaps, overlaps
    plt.close(fig)
