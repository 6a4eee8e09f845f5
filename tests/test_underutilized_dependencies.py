"""Tests for lesson 05: candidate features, leave-one-feature-out with its noise floor, fragility a year
later (with the pruned model as the control), the explorer and its latency."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import get_lesson
from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
    ALL_FEATURES,
    BASE_INPUTS,
    CANDIDATE_NAMES,
    PRUNED,
    _fit,
    all_qualities,
    candidate_subsets,
    check_features,
    design,
    leave_one_out,
    model_quality,
    predict,
)
from mldebt_lessons.lessons.underutilized_data_dependencies.view import feature_picture, feature_view
from mldebt_lessons.lessons.underutilized_data_dependencies.widget import (
    CUSTOM,
    PRESET_LABEL,
    PRESETS,
    FeatureExplorer,
)
from mldebt_lessons.course.drawing import PAGE_WIDTH
from mldebt_lessons.shop.candidates import a_year_later, candidate_columns, changed_a_year_later
from mldebt_lessons.shop.models import model_spec
from mldebt_lessons.shop.world import build_world, make_world

LESSON = get_lesson("05")


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_the_world_is_unchanged_and_candidates_are_seeded(world):
    fresh = make_world(world.seed)
    for name in world.features:
        assert np.array_equal(world.features[name], fresh.features[name])
    a, b = candidate_columns(world), candidate_columns(fresh)
    assert all(np.array_equal(a[n], b[n]) for n in a)
    later = a_year_later(world)
    unchanged = [n for n in a if n not in changed_a_year_later()]
    assert all(np.array_equal(a[n], later[n]) for n in unchanged)


@pytest.mark.parametrize("seed", [2015, 42])
@pytest.mark.parametrize("features", [ALL_FEATURES, PRUNED, BASE_INPUTS + ("catalogue_subscriber",)])
def test_newton_fit_matches_scikit_learn(seed, features):
    """The lesson fits churn_model's kind of model by Newton's method, for speed: it must be scikit-learn's model."""
    world = build_world(seed)
    d = design(world)
    cols, params = _fit(world, features)
    X = d.now[d.train_rows][:, cols]
    est = model_spec("churn_model").make_estimator(0).fit(X, d.y[d.train_rows])
    _, _, coef, intercept = params
    assert np.allclose(est[-1].coef_[0], coef, atol=2e-3) and abs(est[-1].intercept_[0] - intercept) < 2e-3
    test = d.now[d.test_rows][:, cols]
    assert np.allclose(est.predict_proba(test)[:, 1], predict(params, test), atol=1e-3)


def test_control_the_pruned_model_and_todays_model_move_by_exactly_zero(world):
    assert model_quality(world, PRUNED).fragility == 0.0
    assert model_quality(world, BASE_INPUTS).fragility == 0.0
    assert model_quality(world, ALL_FEATURES).fragility > 0


def test_every_subset_is_precomputed(world):
    q = all_qualities(world)
    assert len(q) == 2 ** len(CANDIDATE_NAMES) == len(candidate_subsets())


def test_leave_one_out_has_a_noise_floor_and_rejects_bad_names(world):
    row = leave_one_out(world, ALL_FEATURES, "member_over_a_year")
    assert row.noise > 0 and len(row.gains) == 8
    with pytest.raises(CourseInputError, match="did you mean"):
        check_features(["user_agee"])
    with pytest.raises(CourseInputError):
        leave_one_out(world, BASE_INPUTS, "inactive_30d")


def test_explorer_ticks_and_answers_fast(world):
    ex = FeatureExplorer(world)
    before = ex.image.value
    ex.select(["inactive_30d"])
    assert ex.image.value != before and "inactive_30d" in ex.summary.value
    times = []
    for _ in range(30):
        t = time.perf_counter()
        ex.boxes["scroll_depth"].value = not ex.boxes["scroll_depth"].value
        times.append(time.perf_counter() - t)
    assert np.percentile(times, 95) < 0.025
    assert "FeatureExplorer" in repr(ex)


def test_presets_tick_the_boxes_and_a_tick_makes_it_your_own(world):
    ex = FeatureExplorer(world)
    assert ex.preset.description == PRESET_LABEL and ex.preset.value == "every candidate"
    for name, names in PRESETS.items():
        if names is None:
            continue
        ex.preset.value = name
        assert ex.ticked == frozenset(names) and ex.view.ticked == frozenset(names)
    ex.boxes["scroll_depth"].value = not ex.boxes["scroll_depth"].value
    assert ex.preset.value == CUSTOM
    with pytest.raises(CourseInputError):
        ex.select(["user_age"])


def test_choosing_your_own_ticks_again_brings_them_back(world):
    ex = FeatureExplorer(world)
    ex.boxes["scroll_depth"].value = False
    own = ex.ticked
    ex.preset.value = "only the catalogue flag"
    assert ex.ticked == {"catalogue_subscriber"}
    ex.preset.value = CUSTOM  # a choice in the dropdown always changes what is shown
    assert ex.ticked == own and ex.view.ticked == own and ex.preset.value == CUSTOM


def test_the_view_lights_only_what_the_model_depends_on(world):
    pruned = feature_view(world, frozenset({"inactive_30d"}))
    assert pruned.notes["old_signup_system"] == "not needed" and pruned.notes["clickstream"] == "feeds the model"
    assert pruned.quality.fragility == 0.0 and pruned.notes["ads_ranker"] == "unaffected"
    full = feature_view(world, frozenset(CANDIDATE_NAMES))
    assert full.notes["ads_ranker"] == "hit a year later" and len(full.lit_edges) > len(pruned.lit_edges)
    picture = feature_picture(world)
    assert picture.size[0] <= PAGE_WIDTH


def test_every_headline_claim_holds_in_all_20_worlds(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "05"]
    assert len(results) >= 3
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    assert set(next(r for r in results if r.claim == "pruned_model_unmoved").values) == {0.0}


def test_the_quiz_is_balanced():
    assert len(LESSON.quiz) >= 6 and sum(q.measured for q in LESSON.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in LESSON.quiz)
    assert longest <= len(LESSON.quiz) / 3
