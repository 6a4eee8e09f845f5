"""Lesson 15's claims, measured in every world `mldebt claims` samples.

They fit three retrained models only (round 2 and round 3 without drift, round 3 with fast drift), each once per
world and cached, plus one refit of round 2 for the repeatability control; the main control scores each round's
users with the round-0 model, which needs no fit. So the whole set stays cheap.
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.fixed_thresholds.experiment import (
    NOISE_SES,
    POLICIES,
    noise_distances,
    outcome,
    refit_without_change,
    targets,
    unretrained_outcome,
)
from mldebt_lessons.shop.retraining import ROUNDS

REBALANCED = 2  # the first round trained on a rebalanced window (legitimate users kept one in three)
LAST = 3


def retrain_alone_floods_queue(world) -> float:
    """Without drift, round 2's queue at the fixed 0.15, as a multiple of the review team's capacity."""
    return outcome(world, "none", REBALANCED, "fixed").held / targets(world).capacity


def retrain_alone_drops_precision(world) -> float:
    """Without drift, round 2's live precision at the fixed 0.15 minus the target precision, in points."""
    return 100 * (outcome(world, "none", REBALANCED, "fixed").precision - targets(world).precision)


def drift_moves_it_further(world) -> float:
    """Round 3's queue at the fixed 0.15 with fast drift minus without drift, in points of orders held."""
    return 100 * (outcome(world, "fast", LAST, "fixed").held - outcome(world, "none", LAST, "fixed").held)


def capacity_policy_keeps_queue(world) -> float:
    """The largest relative miss of the capacity, |queue / capacity - 1|, of the threshold re-learned to keep
    capacity, over round 2 without drift and round 3 with fast drift."""
    cap = targets(world).capacity
    return max(abs(outcome(world, d, r, "keep capacity").held / cap - 1) for d, r in (("none", REBALANCED),
                                                                                     ("fast", LAST)))


def precision_policy_closer(world) -> float:
    """Without drift, in round 2: how much closer to the target precision the re-learned threshold lands than
    the fixed one, in points (|fixed - target| - |learned - target|)."""
    target = targets(world).precision
    fixed, learned = (outcome(world, "none", REBALANCED, p).precision for p in ("fixed", "keep precision"))
    return 100 * (abs(fixed - target) - abs(learned - target))


def capacity_policy_recall_falls(world) -> float:
    """With fast drift, round 3's recall under the capacity-keeping threshold minus the target recall, in points."""
    return 100 * (outcome(world, "fast", LAST, "keep capacity").recall - targets(world).recall)


def precision_policy_floods_under_drift(world) -> float:
    """With fast drift, round 3's queue under the precision-keeping threshold, as a multiple of capacity."""
    return outcome(world, "fast", LAST, "keep precision").held / targets(world).capacity


def spain_queue_moves(world) -> float:
    """Change in the share of Spanish users held by fraud_model_es (never retrained) between round 0 and
    round 2 without drift, in points."""
    return 100 * (outcome(world, "none", REBALANCED, "fixed").spain_held - outcome(world, "none", 0, "fixed").spain_held)


def unretrained_control(world) -> float:
    """The round-0 model, never retrained, scoring each round's live users without drift, at the fixed 0.15: the
    largest distance of its queue, precision or recall from round 0's value, in standard errors, over rounds 0-3."""
    t = targets(world)
    return max(abs(d) for r in ROUNDS for d in noise_distances(unretrained_outcome(world, r), t).values())


def round_zero_never_flagged(world) -> float:
    """How many consumers the explorer shows off target (vermillion) in round 0, under the three policies."""
    from mldebt_lessons.lessons.fixed_thresholds.view import consumer_states
    t, spain_users = targets(world), len(world.markets["ES"].test_rows)
    return sum(not ok for p in POLICIES for o in [outcome(world, "none", 0, p)]
               for ok, _ in consumer_states(o, t, o.spain_held, spain_users).values())


def same_scores_control(world) -> float:
    """Round 2's model refitted from scratch on its own rows with its own recipe: largest change of a live user's
    score plus the share of hold decisions at 0.15 that change."""
    score_change, flipped = refit_without_change(world)
    return score_change + flipped


CLAIMS = (
    Claim("retrain_alone_floods_queue",
          "With no drift at all, one retrain on a rebalanced window (legitimate users kept one in three) makes the "
          "fixed threshold 0.15 hold more than twice the orders the review team was staffed for.",
          "queue as a multiple of capacity", retrain_alone_floods_queue, lambda v: v > 2, unit="ratio"),
    Claim("retrain_alone_drops_precision",
          "In that same round, the fixed threshold's precision falls below the target precision it was picked "
          "for: more of the held orders are honest customers.",
          "precision minus target", retrain_alone_drops_precision, lambda v: v < 0, unit="points"),
    Claim("drift_moves_it_further",
          "Drift moves it further: by round 3, with fast drift the fixed threshold holds a larger share of orders "
          "than the same retraining rounds without drift.",
          "fast minus no drift, share held", drift_moves_it_further, lambda v: v > 0, unit="points"),
    Claim("capacity_policy_keeps_queue",
          "A threshold re-learned on held-out users at each retraining to keep the capacity keeps the live queue "
          "within half of the capacity, either way, in round 2 without drift and in round 3 with fast drift.",
          "largest |queue / capacity - 1|", capacity_policy_keeps_queue, lambda v: v < 0.5, unit="number"),
    Claim("precision_policy_closer",
          "Without drift, in round 2, a threshold re-learned on held-out users to keep the target precision "
          "lands closer to the target than the fixed 0.15 does.",
          "points closer than the fixed", precision_policy_closer, lambda v: v > 0, unit="points"),
    Claim("precision_policy_floods_under_drift",
          "Keeping a precision is not keeping a queue: with fast drift, by round 3 the precision-keeping "
          "threshold holds more than twice the capacity, because there is more fraud to hold.",
          "queue as a multiple of capacity", precision_policy_floods_under_drift, lambda v: v > 2, unit="ratio"),
    Claim("capacity_policy_recall_falls",
          "Keeping a queue is not keeping recall: with fast drift, by round 3 the capacity-keeping threshold "
          "catches a smaller share of the fraud than the target recall (more fraud, the same number of reviews).",
          "recall minus target recall", capacity_policy_recall_falls, lambda v: v < 0, headline=False,
          unit="points"),
    Claim("spain_queue_moves",
          "Spain's fraud model, never retrained, reads the home model's score: after the rebalanced retrain it "
          "holds a larger share of Spanish users, whatever threshold the home queue uses.",
          "change in Spanish users held", spain_queue_moves, lambda v: v > 0, unit="points"),
    Claim("unretrained_control",
          f"Control: a model whose score distribution does not move keeps its numbers. The round-0 model, never "
          f"retrained, scoring the live users of rounds 0 to 3 of a world that does not drift, at the fixed 0.15: "
          f"its queue, precision and recall all stay within sampling noise of round 0's (within {NOISE_SES} "
          f"standard errors, computed from the counts).",
          "largest distance in standard errors", unretrained_control, lambda v: v <= NOISE_SES, unit="number"),
    Claim("round_zero_never_flagged",
          "The explorer's colours respect sampling noise: in round 0, under each policy, it shows no consumer off "
          "its target (live users are only another sample of round 0's world).",
          "consumers shown off target", round_zero_never_flagged, lambda v: v == 0, unit="count"),
    Claim("same_scores_control",
          "Second control, for the fit itself: the round-2 model fitted again from scratch, on the same rows with "
          "the same recipe, gives "
          "the same scores to the last digit, and exactly "
          "zero hold decisions at 0.15 change.",
          "score change plus decisions changed", same_scores_control, lambda v: v == 0, unit="count"),
)
