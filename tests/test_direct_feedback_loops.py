"""Lesson 07: the review loop, its measures, its view and widget, its exercises and quiz."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
    EXPLORE_RATES,
    MAX_ROUNDS,
    N_CELLS,
    all_runs,
    cell_of,
    changed_training_cases,
    check_explore,
    coverage_of,
    frozen_share,
    review_order,
    round0_scores,
    simulate_reviews,
)
from mldebt_lessons.lessons.direct_feedback_loops.lesson import LESSON
from mldebt_lessons.lessons.direct_feedback_loops.view import (
    all_views,
    loop_graph,
    loop_picture,
    loop_view,
)
from mldebt_lessons.lessons.direct_feedback_loops.widget import ReviewLoopExplorer
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_cells_cover_every_customer_and_the_truth_varies_between_them(world):
    cells = cell_of(world)
    assert cells.min() >= 0 and cells.max() < N_CELLS and len(cells) == len(world.truth["fraud_p"])
    rates = np.bincount(cells, weights=world.truth["fraud_p"], minlength=N_CELLS) / np.maximum(
        np.bincount(cells, minlength=N_CELLS), 1)
    assert rates.max() > 5 * rates[rates > 0].min()


def test_every_round_reviews_exactly_the_budget_with_the_asked_share_at_random(world):
    scores = round0_scores(world)
    n = len(scores)
    order, ties = np.random.default_rng(0).permutation(n), np.random.default_rng(1).random(n)
    for explore in EXPLORE_RATES:
        picks = review_order(scores, 300, explore, order, ties)
        assert len(set(picks.tolist())) == len(picks) == 300
        assert set(order[:round(explore * 300)].tolist()) <= set(picks.tolist())
    greedy = review_order(scores, 300, 0.0, order, ties)
    assert scores[greedy].min() >= np.sort(scores)[::-1][299] - 1e-12


def test_round0_scores_are_the_simulations_first_model(world):
    # The loop's first round reviews the top of these scores: the exercise's scores are the simulation's.
    run = simulate_reviews(world, 0.0, rounds=1)
    top = np.sort(round0_scores(world))[::-1][:300]
    assert run[1].caught > 0 and top.min() > 0


def test_the_loop_narrows_and_freezes_exploration_and_the_control_do_not(world):
    runs = all_runs(world)
    loop, explore, control = runs[0.0], runs[0.1], runs["control"]
    assert loop[0].coverage > 0.9  # the audit is random: it sees nearly everything
    assert max(r.coverage for r in loop[1:]) < 1 / 3
    assert min(r.coverage for r in explore[1:]) > 0.5 and min(r.coverage for r in control[1:]) > 0.9
    assert frozen_share(world, loop) > 0.5 and frozen_share(world, explore) < 0.05
    assert [r.round for r in loop] == list(range(MAX_ROUNDS + 1))
    assert all(r.best_caught >= r.caught - 1e-9 for r in loop[1:])  # nobody beats knowing the truth


def test_frozen_cells_keep_their_round0_estimate_exactly(world):
    # No label, no update: the cells the loop never labels score as they did after the audit.
    loop = simulate_reviews(world, 0.0)
    cells = cell_of(world)
    learnt = np.zeros(N_CELLS, bool)
    for r in loop[1:]:
        learnt[np.unique(cells[list(r.labels)])] = True
    assert (~learnt).sum() > 0
    assert frozen_share(world, loop) == pytest.approx(np.mean(~learnt[cells]))


def test_the_control_learns_the_same_cases_whatever_model_it_starts_from(world):
    a = simulate_reviews(world, 0.0, control=True)
    b = simulate_reviews(world, 0.0, control=True, audit=False)
    assert changed_training_cases(a, b) == 0
    assert changed_training_cases(simulate_reviews(world, 0.0), simulate_reviews(world, 0.0, audit=False)) > 0


def test_a_wrong_rate_says_so_in_one_line():
    with pytest.raises(ValueError, match="share of the review budget"):
        check_explore(10)
    with pytest.raises(ValueError, match="share of the review budget"):
        check_explore("lots")


def test_coverage_of_counts_cases_in_cells_with_a_pick(world):
    assert coverage_of(world, np.arange(len(cell_of(world)))) == 1.0
    assert 0 < coverage_of(world, [0]) < 0.2


def test_the_graph_draws_the_loop_and_every_state_has_its_own_title(world):
    g = loop_graph()
    assert ("fraud_model", "review_queue") in g.edges and ("review_queue", "training_labels") in g.edges
    views = all_views(world)
    assert len(views) == len(EXPLORE_RATES) * MAX_ROUNDS
    assert len({(v.title, v.summary) for v in views.values()}) == len(views)
    picture = loop_picture(world)
    assert picture.size[0] <= 592
    v0, v1 = loop_view(world, 0.0, 8), loop_view(world, 0.2, 8)
    assert ("all_cases", "random_picks") not in v0.lit_edges and ("all_cases", "random_picks") in v1.lit_edges
    assert all(len(row) <= 6 for row in v0.table_rows)


def test_every_control_option_changes_picture_and_text_and_answers_fast(world):
    explorer = ReviewLoopExplorer(world)
    seen = set()
    times = []
    for rate in EXPLORE_RATES:
        for rounds in range(1, MAX_ROUNDS + 1):
            start = time.perf_counter()
            explorer.select(rate, rounds)
            times.append(time.perf_counter() - start)
            seen.add((bytes(explorer.image.value), explorer.summary.value))
    assert len(seen) == len(EXPLORE_RATES) * MAX_ROUNDS
    assert np.percentile(times, 95) < 0.025
    assert "round 8" in explorer.results_text() or "After 8 rounds" in explorer.results_text()
    with pytest.raises(ValueError):
        explorer.select(0.3, 2)
    with pytest.raises(ValueError):
        explorer.select(0.1, 9)


def test_the_static_still_carries_picture_summary_and_table(world):
    html = ReviewLoopExplorer(world).static_html()
    assert "data:image/svg+xml;base64," in html and "<table" in html


def test_the_quiz_has_two_measured_questions_and_the_right_option_is_rarely_the_longest():
    assert len(LESSON.quiz) >= 6 and sum(q.measured for q in LESSON.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in LESSON.quiz)
    assert longest <= len(LESSON.quiz) / 3


def test_the_policy_checker_rejects_a_greedy_only_and_a_random_only_policy():
    task = next(e for e in LESSON.exercises if e.id == "07.3")

    def greedy(scores, budget, explore, rng):
        return np.argsort(-scores, kind="stable")[:budget]

    def at_random(scores, budget, explore, rng):
        return rng.choice(len(scores), budget, replace=False)

    assert not task.checker(greedy).ok
    assert not task.checker(at_random).ok


def test_every_headline_claim_holds_in_all_20_worlds(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "07"]  # measured once per session
    assert len(results) >= 3
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    control = next(r for r in results if r.claim == "control_data_independent")
    assert set(control.values) == {0.0}
