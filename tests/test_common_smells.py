"""Lesson 13: the paper's three code smells, measured on Larkspur's own code."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.common_smells.claims import CLAIMS
from mldebt_lessons.lessons.common_smells.experiment import (
    SMELLS,
    VERSIONS,
    basket_features,
    outcome,
    prototype_test,
    run_test,
    same_values,
    session_outcome,
    slip_is_caught,
    threshold_test,
    world_orders,
)
from mldebt_lessons.lessons.common_smells.widget import SmellExplorer
from mldebt_lessons.shop.smells.orders import BASKET_SQL, basket_python, basket_sql, run_sql
from mldebt_lessons.shop.smells.sessions import session_count_by_id, session_count_prototype
from mldebt_lessons.shop.smells.thresholds import LogOdds, Probability, hold_orders_typed, log_odds_of
from mldebt_lessons.shop.world import build_world


def test_every_smell_flips_decisions_and_every_fix_flips_none():
    world = build_world()
    for smell in SMELLS:
        smelly, fixed = (outcome(world, smell, v) for v in VERSIONS)
        assert smelly.flipped > 0 and smelly.test.startswith("fails"), smell
        assert fixed.flipped == 0 and fixed.wrong_inputs == 0 and fixed.test == "passes", smell
    assert session_outcome(world, "smelly", erased=False).flipped == 0


def test_the_small_tests_fail_on_smelly_code_and_pass_on_fixed():
    assert run_test(threshold_test("smelly")) == "fails: assertion"
    assert run_test(threshold_test("fixed")) == "passes"
    assert run_test(prototype_test("smelly")).startswith("fails") and run_test(prototype_test("fixed")) == "passes"
    assert slip_is_caught()


def test_the_types_refuse_what_they_should():
    with pytest.raises(TypeError):
        LogOdds(0.0) >= 0.15  # a plain float is not log-odds either
    with pytest.raises(ValueError):
        Probability(1.5)
    held = hold_orders_typed(LogOdds(log_odds_of(np.array([0.149, 0.151]))), Probability(0.15))
    assert held.tolist() == [False, True]


def test_sql_runs_in_memory_and_agrees_with_a_nan_skipping_mean():
    world = build_world()
    orders = world_orders(world)
    n = len(world.raw["avg_basket_value"])
    sql = basket_sql(orders, n)
    pence = orders["amount_pence"]
    kept = ~np.isnan(pence)
    total = np.bincount(orders["user_id"][kept], weights=pence[kept], minlength=n)
    count = np.bincount(orders["user_id"][kept], minlength=n)
    with np.errstate(invalid="ignore"):
        skipping = np.where(count > 0, total / count, np.nan) / 100.0
    assert same_values(sql, skipping).all()
    # the rewrite differs exactly on the users with a cancelled order
    cancelled = np.zeros(n, bool)
    cancelled[orders["user_id"][~kept]] = True
    assert np.array_equal(~same_values(sql, basket_python(orders, n)), cancelled)
    assert len(run_sql(orders, BASKET_SQL)) == len(np.unique(orders["user_id"]))
    sql_again, _ = basket_features(world)
    assert same_values(sql, sql_again).all()


def test_the_prototype_is_right_only_while_ids_are_row_numbers():
    events = np.array([0, 1, 1, 2, 2, 2])
    assert session_count_prototype(events, 3).tolist() == session_count_by_id(events, np.arange(3)).tolist()
    users = np.array([1, 2])
    assert session_count_prototype(events[events > 0], 2).tolist() != session_count_by_id(events, users).tolist()


def test_bad_choices_give_one_line():
    with pytest.raises(CourseInputError) as caught:
        outcome(build_world(), "spaghetti", "smelly")
    assert "\n" not in str(caught.value)
    with pytest.raises(CourseInputError):
        SmellExplorer(build_world(), "prototype", "clean")


def test_every_control_changes_what_is_shown_and_answers_fast():
    explorer = SmellExplorer(build_world())
    seen, times = set(), []
    for smell in SMELLS:
        for version in VERSIONS:
            start = time.perf_counter()
            explorer.select(smell, version)
            times.append(time.perf_counter() - start)
            seen.add((explorer.summary.value, explorer.table.value, bytes(explorer.picture.svg())))
            assert explorer.view.title.startswith(f"{smell}, {version}")
    assert len(seen) == len(SMELLS) * len(VERSIONS)
    assert max(times) < 0.025
    assert "flipped" in explorer.results_text()


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "13" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"typed_fix_control", "one_definition_control", "prototype_controls"}


def test_the_picture_is_readable_and_one_size_in_every_state():
    from test_drawing import assert_readable

    from mldebt_lessons.lessons.common_smells.view import smell_picture, smell_view
    world, picture, sizes = build_world(), smell_picture(), set()
    for smell in SMELLS:
        for version in VERSIONS:
            view = smell_view(world, smell, version)
            picture.paint(view.fills, view.notes, view.lit_edges, view.title)
            assert_readable(picture.svg())
            sizes.add(picture.size)
    assert len(sizes) == 1
