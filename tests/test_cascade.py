"""Correction cascades: the deadlock's direction, the remedies, and their controls."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.correction_cascades.experiment import (
    ARCHITECTURES,
    IMPROVEMENTS,
    measure_cascade,
)
from mldebt_lessons.lessons.correction_cascades.view import (
    cascade_graph,
    cascade_view,
    change_fill,
)
from mldebt_lessons.lessons.correction_cascades.widget import CascadeExplorer
from mldebt_lessons.shop.graph import cascade_depth, model_chains, shop_graph
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def result(world, improvement, architecture):
    return measure_cascade(world, improvement, architecture)


def test_the_graph_holds_one_cascade_two_models_deep():
    g = shop_graph()
    assert model_chains(g) == [("fraud_model", "fraud_model_es")]
    assert cascade_depth(g, "fraud_model_es") == 2
    assert cascade_depth(g, "churn_model") == 1
    assert g.edges["fraud_model", "fraud_model_es"]["kind"] == "model_input"


def test_model_chains_finds_a_deeper_chain_and_nothing_without_one():
    g = shop_graph()
    g.add_node("fraud_model_pt", kind="model")
    g.add_edge("fraud_model_es", "fraud_model_pt", kind="model_input")
    assert model_chains(g) == [("fraud_model", "fraud_model_es", "fraud_model_pt")]
    assert cascade_depth(g, "fraud_model_pt") == 3
    g.remove_edges_from([("fraud_model", "fraud_model_es"), ("fraud_model_es", "fraud_model_pt")])
    assert model_chains(g) == []


def test_improvement_deadlock_home_rises_while_spain_and_its_end_to_end_catch_fall(world):
    before, after = result(world, "none", "cascade"), result(world, "feature", "cascade")
    assert after.home_auc > before.home_auc + 0.02
    assert after.spain_auc < before.spain_auc - 0.01
    assert after.spain_caught < before.spain_caught - 0.02
    # The average over both markets still rises: the harm is hidden in a slice.
    assert after.queue_caught > before.queue_caught


def test_retraining_the_correction_does_not_win_spain_back(world):
    before = result(world, "none", "cascade")
    retrained = result(world, "feature", "cascade_retrained")
    assert retrained.home_auc > before.home_auc
    assert retrained.spain_auc < before.spain_auc


@pytest.mark.parametrize("remedy", ["market_feature", "separate"])
def test_each_remedy_breaks_the_deadlock(world, remedy):
    before, after = result(world, "none", remedy), result(world, "feature", remedy)
    deadlocked = result(world, "feature", "cascade")
    assert after.home_auc > before.home_auc
    assert after.spain_caught >= before.spain_caught  # Spain no longer pays for the home win
    assert after.spain_caught > deadlocked.spain_caught


def test_a_separate_spanish_model_is_untouched_by_any_change_to_fraud_model(world):
    """The control: with no dependency, no improvement to fraud_model moves Spain at all."""
    base = result(world, "none", "separate")
    for improvement in IMPROVEMENTS:
        r = result(world, improvement, "separate")
        assert r.spain_auc == base.spain_auc
        assert r.spain_caught == base.spain_caught
        assert r.spain_flipped == 0.0


def test_the_unimproved_setting_flips_nothing(world):
    for architecture in ARCHITECTURES:
        assert result(world, "none", architecture).spain_flipped == 0.0


def test_quiz_claims_hold(world):
    # "Capacity ... (and here it hurts)"; "Spain's own model beats the correction".
    assert result(world, "capacity", "cascade").home_auc < result(world, "none", "cascade").home_auc
    assert result(world, "none", "separate").spain_auc > result(world, "none", "cascade").spain_auc


def test_measurements_are_deterministic(world):
    from mldebt_lessons.shop.world import make_world
    other = make_world()
    for improvement in ("none", "feature"):
        assert measure_cascade(other, improvement, "cascade") == measure_cascade(world, improvement, "cascade")


def test_bad_choices_give_one_line_errors(world):
    with pytest.raises(CourseInputError) as err:
        measure_cascade(world, "more_data", "cascade")
    assert "\n" not in str(err.value) and "data_x2" in str(err.value)
    with pytest.raises(CourseInputError):
        measure_cascade(world, "none", "star")


def test_cascade_graph_wiring_matches_each_architecture():
    assert ("fraud_model", "fraud_model_es") in cascade_graph("cascade").edges
    assert "fraud_model_es" not in cascade_graph("market_feature")
    assert ("market", "fraud_model") in cascade_graph("market_feature").edges
    separate = cascade_graph("separate")
    assert ("fraud_model", "fraud_model_es") not in separate.edges
    assert ("session_count", "fraud_model") not in separate.edges
    assert ("session_count", "fraud_model") in cascade_graph("separate", "feature").edges


def test_change_fill_is_diverging_and_white_for_no_change():
    assert change_fill(0.0) == "#FFFFFF"
    assert change_fill(0.01) != change_fill(-0.01)
    assert change_fill(0.01) != change_fill(0.05)


def test_view_colours_the_deadlock(world):
    view = cascade_view(world, "feature", "cascade")
    assert view.fills["fraud_model"] != view.fills["fraud_model_es"]
    assert "deadlock" in view.summary.lower()
    assert [r["measure"] for r in view.rows][0].startswith("fraud_model at home")


@pytest.fixture(scope="module")
def explorer(world):
    return CascadeExplorer(world)


def test_the_explorer_redraws_on_each_control(explorer):
    explorer.select("none", "cascade")
    first = (explorer.image.value, explorer.table.value, explorer.summary.value)
    explorer.improvement.value = "feature"
    second = (explorer.image.value, explorer.table.value, explorer.summary.value)
    assert all(a != b for a, b in zip(first, second))
    explorer.architecture.value = "separate"
    assert explorer.image.value != second[0]
    assert repr(explorer) == "CascadeExplorer(live widget: run the notebook to use it)"
    assert "Spain" in explorer.results_text()


def test_the_explorer_answers_within_the_latency_target(explorer):
    settings = [(i, a) for a in ARCHITECTURES for i in IMPROVEMENTS] * 5
    times = []
    for improvement, architecture in settings:
        start = time.perf_counter()
        explorer.select(improvement, architecture)
        times.append(time.perf_counter() - start)
    assert np.percentile(times, 95) < 0.025
