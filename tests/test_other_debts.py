"""Lesson 17: the other debts (§8). Seeded faults in tonight's batch and the checks that catch them, re-runs of
one training with and without pins, the runbook's human minutes in dependency order, and the simplify score."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.other_debts.claims import CLAIMS
from mldebt_lessons.lessons.other_debts.experiment import (
    CHECKS,
    FAULT_NAMES,
    SOURCES,
    bootstrap_aucs,
    caught_by,
    greedy_simplify,
    harm,
    models_to_redo,
    only_unpinned,
    readers,
    repro_spread,
    runbook_minutes,
    simplify_score,
    training_run,
)
from mldebt_lessons.lessons.other_debts.view import (
    CheckGrid,
    check_view,
    fault_rows,
    repro_rows,
    runbook_rows,
    simplify_rows,
    title_width_ok,
)
from mldebt_lessons.lessons.other_debts.widget import CheckExplorer
from mldebt_lessons.shop.operations import FAULTS, RUNBOOK, clean_batch, fault_batch
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_each_fault_touches_only_its_columns(world):
    clean = clean_batch(world)
    for name in FAULTS:
        faulty = fault_batch(world, name)
        n = len(clean["user_id"])
        for column, values in faulty.items():
            same = np.array_equal(values[:n], clean[column], equal_nan=values.dtype.kind == "f")
            assert same == (column not in FAULTS[name].touches or name == "duplicates"), (name, column)
        assert (len(faulty["user_id"]) > n) == (name == "duplicates")
    assert np.array_equal(fault_batch(world, "pence")["user_age"], fault_batch(world, "pence")["user_age"],
                          equal_nan=True)


def test_checks_catch_faults_and_decisions_come_from_the_real_models(world):
    assert caught_by(world, "none") == ()
    assert "unique" in caught_by(world, "duplicates") and "nulls" in caught_by(world, "null_sessions")
    assert "schema" in caught_by(world, "renamed_device")
    assert set(caught_by(world, "signup_reset")) == {"distribution"}
    # pence: ltv_model and fraud_model read the basket; churn and recommender do not
    h = harm(world, "pence")
    assert set(readers("pence")) == {"ltv_model", "fraud_model"}
    assert h.changed["churn_model"] == h.changed["recommender"] == 0 and h.changed["fraud_model"] > 0
    assert harm(world, "none").total == 0 and harm(world, "duplicates").repeated > 0


def test_reproducibility_pins(world):
    pinned = tuple(SOURCES)
    assert np.array_equal(training_run(world, 1, pinned), training_run(world, 2, pinned))
    assert repro_spread(world, pinned).flipped == 0.0
    for s in SOURCES:
        assert repro_spread(world, only_unpinned(s)).flipped > 0
    with pytest.raises(CourseInputError):
        repro_spread(world, ("seeds",))


def test_runbook_and_dependency_order(world):
    order = models_to_redo(world)
    assert order.index("fraud_model") < order.index("fraud_model_es") and len(order) == 5
    assert models_to_redo(world, "fraud_model") == ["fraud_model", "fraud_model_es"]
    assert "churn_model" not in models_to_redo(world, "avg_basket_value")
    by_hand = runbook_minutes(world, order)
    assert by_hand["train"] == 5 * [s for s in RUNBOOK if s.name == "train"][0].minutes
    assert sum(runbook_minutes(world, order, automated=True).values()) < sum(by_hand.values())


def test_bootstrap_auc_matches_sklearn_and_simplify(world):
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 300), rng.integers(0, 5, 300) / 4  # ties on purpose
    assert bootstrap_aucs(y.astype(float), s, np.ones((1, 300)))[0] == pytest.approx(roc_auc_score(y, s))
    kept = greedy_simplify(world, "recommender")
    assert "country" not in kept and simplify_score(world, "recommender", kept)["within"]
    assert simplify_score(world, "recommender", ("country",))["score"] == 0.0
    with pytest.raises(CourseInputError):
        simplify_score(world, "recommender", ())


def test_views_and_tables(world):
    assert title_width_ok()
    for rows in (fault_rows(world), repro_rows(world), runbook_rows(world), simplify_rows(world, "recommender")):
        assert rows and len(rows[0]) <= 6
    a = CheckGrid().paint(check_view(world, "pence", ())).svg()
    b = CheckGrid().paint(check_view(world, "pence", ("range",))).svg()
    assert a != b and b"pence" in a


def test_explorer_every_control_changes_text_and_picture(world):
    explorer = CheckExplorer(world)
    for fault in FAULTS:  # every fault changes the title and the picture
        before = (explorer.view.summary, explorer.image.value)
        explorer.fault.value = fault if fault != explorer.fault.value else "pence"
        assert (explorer.view.summary, explorer.image.value) != before
    for name, toggle in explorer.toggles.items():
        before = (explorer.view.summary, bytes(explorer.image.value))
        toggle.value = not toggle.value
        assert (explorer.view.summary, bytes(explorer.image.value)) != before, name
    times = []
    for fault in FAULT_NAMES:
        for checks in ((), ("range",), tuple(CHECKS)):
            t = time.perf_counter()
            explorer.select(fault, checks)
            times.append(time.perf_counter() - t)
    assert np.percentile(times, 95) < 0.025
    assert "<img" in explorer.static_html()


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "17" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"untouched_models_control", "pinned_control"}


def test_the_picture_is_readable_in_every_state(world):
    from test_drawing import assert_readable

    for fault in FAULTS:
        assert_readable(CheckGrid().paint(check_view(world, fault, tuple(CHECKS))).svg())
