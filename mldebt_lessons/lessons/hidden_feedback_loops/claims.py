"""Lesson 08's claims, measured across the course's worlds by `mldebt claims`."""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.hidden_feedback_loops.experiment import (
    DEFAULT_ROUNDS,
    audit_sees_loop,
    late_drift,
    simulate,
)


def _runs(world):
    return {run: simulate(world, run, DEFAULT_ROUNDS) for run in ("both", "churn only", "ltv only", "staggered")}


def loop_keeps_moving(world) -> float:
    """The smaller of the two models' drift after round 1 in the loop, churn in points, ltv in pounds."""
    churn, ltv = late_drift(_runs(world)["both"])
    return min(100 * churn, ltv)


def loop_amplifies(world) -> float:
    """The smaller of (each model's total drift in the loop) / (its total drift when it adapts alone)."""
    runs = _runs(world)
    both = runs["both"]
    churn = sum(r.churn_drift for r in both) / sum(r.churn_drift for r in runs["churn only"])
    ltv = sum(r.ltv_drift for r in both) / sum(r.ltv_drift for r in runs["ltv only"])
    return min(churn, ltv)


def one_adapting_settles(world) -> float:
    """Drift after round 1 when only one team adapts (both controls added up): churn points + ltv pounds."""
    runs = _runs(world)
    return sum(100 * c + v for run in ("churn only", "ltv only") for c, v in [late_drift(runs[run])])


def staggering_changes(world) -> float:
    """Total drift of the ltv model, staggered over simultaneous (same rounds)."""
    runs = _runs(world)
    return sum(r.ltv_drift for r in runs["staggered"]) / sum(r.ltv_drift for r in runs["both"])


def loop_settles_round(world) -> float:
    """The last round in which either model moves when both teams retrain every round."""
    both = _runs(world)["both"]
    return float(max(r.round for r in both if r.churn_drift > 0 or r.ltv_drift > 0))


def declaring_shows_loop(world) -> float:
    """Audit findings naming both models as one hidden loop: declared influences minus none declared."""
    return audit_sees_loop(True) - audit_sees_loop(False)


CLAIMS = (
    Claim("loop_keeps_moving",
          "When both teams retrain every round, both models still move after their first retraining "
          "(drift in round 2 or later).",
          "the smaller late drift of the two (churn in points, ltv in pounds)", loop_keeps_moving,
          lambda v: v > 0, unit="number"),
    Claim("loop_amplifies",
          "Each model drifts more when the other team also retrains than when it retrains alone.",
          "the smaller of the two drift ratios, loop / alone", loop_amplifies, lambda v: v > 1, unit="ratio"),
    Claim("one_adapting_settles",
          "Control: when only one team retrains, its model moves in round 1 and never again (exactly zero "
          "drift after round 1), in either team's run.",
          "late drift of both one-team runs, added up", one_adapting_settles, lambda v: v == 0, unit="number"),
    Claim("loop_settles",
          f"With both teams retraining, the two models stop moving before round {DEFAULT_ROUNDS}: true in "
          "some worlds, not all (in the others the loop is still moving at the last round).",
          "the last round in which either model moves", loop_settles_round,
          lambda v: v < DEFAULT_ROUNDS, headline=False, unit="number"),
    Claim("declaring_shows_loop",
          "Declaring what the email campaign and the VIP programme change in the world (`influences`) makes "
          "the audit report the churn-ltv loop, which it cannot see without them.",
          "loop findings with influences minus without", declaring_shows_loop, lambda v: v == 1, unit="count"),
    Claim("staggering_cuts_drift",
          "Staggering the retraining (the two teams in turn) cuts the ltv model's total drift, but not to zero.",
          "ltv total drift, staggered / simultaneous", staggering_changes, lambda v: 0 < v < 1, unit="ratio"),
)
