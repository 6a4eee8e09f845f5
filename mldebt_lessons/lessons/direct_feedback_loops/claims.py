"""Lesson 07's claims as code, each measured in one world; see :mod:`mldebt_lessons.course.claims`.

Headline claims hold in every world measured; the others are stated with their true count
(``mldebt claims 07``). All of them read one set of runs per world (cached), well under a second.

>>> from mldebt_lessons.shop.world import build_world
>>> control_training_change(build_world())
0.0
"""

from __future__ import annotations

import functools

import numpy as np

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
    changed_training_cases,
    frozen_share,
    mean_blind_bias,
    simulate_reviews,
)

EXPLORE = 0.1  # the exploration rate the claims measure: a tenth of the review budget spent at random
PRICE_EXPLORE = 0.2


@functools.lru_cache(maxsize=32)
def _runs(world):
    return {"loop": simulate_reviews(world, 0.0), "explore": simulate_reviews(world, EXPLORE),
            "explore_more": simulate_reviews(world, PRICE_EXPLORE),
            "explore_half": simulate_reviews(world, 0.5),
            "control": simulate_reviews(world, 0.0, control=True),
            "loop_no_audit": simulate_reviews(world, 0.0, audit=False),
            "control_no_audit": simulate_reviews(world, 0.0, control=True, audit=False)}


def loop_widest_coverage(world) -> float:
    """With no exploration, the largest share of cases the model learns anything about in any round 1-8."""
    return max(r.coverage for r in _runs(world)["loop"][1:])


def loop_frozen_share(world) -> float:
    """With no exploration, the share of cases in cells whose estimate never changed in rounds 1-8."""
    return frozen_share(world, _runs(world)["loop"])


def explore_frozen_share(world) -> float:
    """With a tenth of the budget spent at random, the share of cases in cells whose estimate never changed."""
    return frozen_share(world, _runs(world)["explore"])


def explore_narrowest_coverage(world) -> float:
    """With a tenth of the budget spent at random, the smallest share of cases learnt about in any round 1-8."""
    return min(r.coverage for r in _runs(world)["explore"][1:])


def half_explore_narrowest_coverage(world) -> float:
    """With half the budget spent at random, the smallest share of cases learnt about in any round 1-8."""
    return min(r.coverage for r in _runs(world)["explore_half"][1:])


def half_explore_extra_regret(world) -> float:
    """Frauds given up over 8 rounds with half the budget at random, minus with a tenth."""
    runs = _runs(world)
    return runs["explore_half"][-1].regret - runs["explore"][-1].regret


def loop_training_change(world) -> float:
    """Training cases that change, rounds 1-8, when the loop starts from another round-0 model."""
    runs = _runs(world)
    return float(changed_training_cases(runs["loop"], runs["loop_no_audit"]))


def control_training_change(world) -> float:
    """The same for the control (it learns from a random sample the model cannot influence)."""
    runs = _runs(world)
    return float(changed_training_cases(runs["control"], runs["control_no_audit"]))


def loop_blind_bias(world) -> float:
    """With no exploration, the average (estimate - truth) in the cells left without labels, in points."""
    return 100 * mean_blind_bias(_runs(world)["loop"])


def exploration_price(world) -> float:
    """Frauds caught in rounds 1-2 without exploration minus with a fifth of the budget spent at random."""
    runs = _runs(world)
    return sum(r.caught for r in runs["loop"][1:3]) - sum(r.caught for r in runs["explore_more"][1:3])


def exploration_payback(world) -> float:
    """Regret after 8 rounds without exploration minus with a tenth of the budget at random (frauds)."""
    runs = _runs(world)
    return runs["loop"][-1].regret - runs["explore"][-1].regret


def control_error_gap(world) -> float:
    """Mean error over rounds 1-8, loop minus control, in points."""
    runs = _runs(world)
    return 100 * float(np.mean([a.error - b.error for a, b in zip(runs["loop"][1:], runs["control"][1:])]))


CLAIMS = (
    Claim("loop_sees_a_fraction",
          "Without exploration, the fraud model learns from cells holding less than a third of the cases in "
          "every round 1-8: it only labels what it already suspects.",
          "largest share of cases learnt about in a round", loop_widest_coverage, lambda v: v < 1 / 3, unit="share"),
    Claim("loop_freezes_most_estimates",
          "Without exploration, more than half of the cases sit in cells whose estimate never changes after round "
          "0: no review, no label, no update.",
          "share of cases whose estimate never changed", loop_frozen_share, lambda v: v > 0.5, unit="share"),
    Claim("exploration_unfreezes",
          "Spending a tenth of the review budget on cases picked at random leaves fewer than 5% of the cases in "
          "cells the model never learns about again.",
          "share of cases whose estimate never changed", explore_frozen_share, lambda v: v < 0.05, unit="share"),
    Claim("exploration_widens_every_round",
          "With a tenth of the budget spent at random, the model learns about more than half of the cases in "
          "every round.",
          "smallest share of cases learnt about in a round", explore_narrowest_coverage, lambda v: v > 0.5,
          unit="share"),
    Claim("half_explore_sees_nearly_all",
          "With half the budget spent at random, the model learns about more than nine tenths of the cases in "
          "every round.",
          "smallest share of cases learnt about in a round", half_explore_narrowest_coverage, lambda v: v > 0.9,
          unit="share"),
    Claim("exploring_half_costs_more",
          "Spending half the review budget at random gives up more frauds over 8 rounds than spending a tenth: "
          "past some rate, exploring costs more than it finds.",
          "frauds given up over 8 rounds, half minus a tenth", half_explore_extra_regret, lambda v: v > 0,
          unit="number"),
    Claim("loop_picks_its_own_data",
          "In the loop, the model picks its own training data: start it from another round-0 model and the cases "
          "it learns from in rounds 1-8 change.",
          "training cases that change", loop_training_change, lambda v: v > 0, unit="count"),
    Claim("control_data_independent",
          "Control: a model that learns from a random sample it cannot influence gets exactly the same training "
          "cases whatever model it starts from.",
          "training cases that change", control_training_change, lambda v: v == 0.0, unit="count"),
    Claim("loop_underestimates_where_blind",
          "Without exploration, the model underestimates fraud in the cells it stopped labelling (on average over "
          "rounds 1-8). Not in every world: it is a selection effect, not a law.",
          "mean estimate minus truth where unlabelled", loop_blind_bias, lambda v: v < 0, headline=False,
          unit="points"),
    Claim("exploration_costs_catches_at_first",
          "Spending a fifth of the budget at random catches fewer frauds in the first two rounds than reviewing "
          "only the top scores. Not in every world: the random picks sometimes beat a poor first model's picks.",
          "frauds given up in rounds 1-2", exploration_price, lambda v: v > 0, headline=False, unit="number"),
    Claim("exploration_pays_back_in_8_rounds",
          "After 8 rounds, a tenth of the budget spent at random has caught more frauds in total than no "
          "exploration. Not in every world: whether exploring pays back this soon depends on what the first model "
          "missed.",
          "frauds caught over 8 rounds, exploring minus not", exploration_payback, lambda v: v > 0, headline=False,
          unit="number"),
    Claim("control_is_more_accurate",
          "The control, which learns from a random sample of the same size, is closer to the truth on average over "
          "rounds 1-8 than the loop. Not in every world.",
          "mean error, loop minus control", control_error_gap, lambda v: v > 0, headline=False, unit="points"),
)
