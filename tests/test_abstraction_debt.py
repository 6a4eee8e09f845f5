"""Lesson 12: abstraction debt. Larkspur's preparation written twice (by hand, and as a Pipeline), the leaks
and serving skews the abstraction prevents (with controls), and where it runs out (stacking)."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.abstraction_debt.claims import CLAIMS
from mldebt_lessons.lessons.abstraction_debt.experiment import (
    BUGS,
    LEAKS,
    SKEWS,
    VERSIONS,
    adhoc_auc,
    check_bug,
    leak,
    served_flips,
    skew,
    stacking,
    versions_agree,
)
from mldebt_lessons.lessons.abstraction_debt.view import STEPS, bug_view, preparation_graph
from mldebt_lessons.lessons.abstraction_debt.widget import PreparationExplorer
from mldebt_lessons.shop.preparation import adhoc
from mldebt_lessons.shop.preparation.data import prep_table
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_the_two_versions_are_the_same_preparation(world):
    assert versions_agree(world) < 1e-9
    table, y = prep_table(world), world.labels["churned"]
    model = adhoc.train(table, y, world.train_rows, fit_rows=world.train_rows)
    same = adhoc.serve_by_hand(model, table, world.test_rows, recode="as trained")
    assert np.allclose(same, adhoc.score(model, table, world.test_rows))  # re-coded exactly: no skew


def test_the_offered_inputs_leave_the_world_unchanged(world):
    before = {name: col.copy() for name, col in world.raw.items()}
    table = prep_table(world)
    assert table["vendor"].shape == (3000, 200) and len(set(table["postcode_area"].tolist())) <= 300
    assert all(np.array_equal(before[n], world.raw[n], equal_nan=True) for n in ("user_age", "session_count"))
    assert prep_table(build_world(1))["postcode_area"].tolist() != table["postcode_area"].tolist()


def test_leaks_in_the_ad_hoc_code_and_their_honest_version(world):
    assert abs(leak(world, "scaler and imputer").inflation) < 0.005
    assert leak(world, "target encoding").inflation > 0.02 and leak(world, "feature selection").inflation > 0
    # The same hand-written code, fitted on the training rows only, no longer sees validation labels.
    honest = adhoc_auc(world, "feature selection", fit_rows=world.train_rows)
    assert honest < leak(world, "feature selection").adhoc_auc


def test_hand_serving_flips_and_the_pipeline_does_not(world):
    for name in SKEWS:
        result = skew(world, name)
        assert result.adhoc_flipped > 0 and result.pipeline_flipped == 0
    assert served_flips(world, "batch statistics", 10) > served_flips(world, "batch statistics", 300)


def test_stacking_in_sample_overtrusts_the_upstream_score(world):
    s = stacking(world)
    assert s.weight_ratio > 2 and s.auc_out_of_fold > s.auc_in_sample and 0 < s.flipped < 1


def test_a_wrong_name_gives_one_line():
    with pytest.raises(CourseInputError, match="unknown bug"):
        check_bug("target encodin")
    with pytest.raises(CourseInputError):
        leak(build_world(), "category order")
    with pytest.raises(ValueError, match="unknown recode"):
        adhoc.serve_by_hand({"area_rates": None, "vendor_picked": None}, {}, np.arange(2), recode="x")


def test_every_state_of_the_picture_is_different_and_titled(world):
    g = preparation_graph()
    assert set(STEPS) <= set(g) and len(BUGS) == len(LEAKS) + len(SKEWS) == 6
    seen = {(bug_view(world, b, v).title, tuple(sorted(bug_view(world, b, v).fills.items()))) for b in BUGS for v in VERSIONS}
    assert len(seen) == len(BUGS) * len(VERSIONS)


def test_every_control_changes_what_is_shown_and_answers_fast(world):
    explorer = PreparationExplorer(world)
    seen, times = set(), []
    for bug in BUGS:
        for version in VERSIONS:
            start = time.perf_counter()
            explorer.select(bug, version)
            times.append(time.perf_counter() - start)
            seen.add((explorer.summary.value, bytes(explorer.picture.svg())))
    assert len(seen) == len(BUGS) * len(VERSIONS)
    assert sorted(times)[int(0.95 * len(times))] < 0.025
    explorer.version.value = "Pipeline"  # a click, as in the browser
    assert "Pipeline" in explorer.view.title and "Pipeline" in explorer.results_text()


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "12" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"pipeline_serves_same", "versions_agree", "label_leak_inflates"}


def test_the_picture_is_readable_in_every_state(world):
    from test_drawing import assert_readable

    from mldebt_lessons.lessons.abstraction_debt.view import bug_picture
    picture = bug_picture()
    for bug in BUGS:
        for version in VERSIONS:
            view = bug_view(world, bug, version)
            picture.paint(view.fills, view.notes, view.lit_edges, view.title)
            assert_readable(picture.svg())


@pytest.mark.parametrize("seed", [2015, 42])
def test_only_the_swapped_devices_flip_when_serving_re_orders_them(seed):
    """Quiz question 3: the sign-up form's order keeps 'app' first, so app users never flip; the others do."""
    from mldebt_lessons.shop.preparation.data import THRESHOLD

    world = build_world(seed)
    table, y = prep_table(world), world.labels["churned"]
    model = adhoc.train(table, y, world.train_rows, fit_rows=world.train_rows)
    assert model["stats"]["devices"][0] == adhoc.SIGNUP_FORM_ORDER[0] == "app"
    promised = adhoc.score(model, table, world.test_rows) >= THRESHOLD
    served = adhoc.serve_by_hand(model, table, world.test_rows, recode="category order") >= THRESHOLD
    device = table["device"][world.test_rows]
    assert not (promised != served)[device == "app"].any()
    assert (promised != served)[device != "app"].mean() > 0
