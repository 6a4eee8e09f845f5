"""What lesson 15 measures: a hold threshold picked by hand for one model version, across retrainings.

The fraud review queue holds an order when ``fraud_model``'s score reaches a threshold. The payments
team picked 0.15 by hand for the model of round 0; on that round's held-out users it held a share of
orders (the review team was staffed for it: the *capacity*) at some precision (the *target precision*).
Both targets are measured here, never typed. Then the model is retrained round after round
(:mod:`mldebt_lessons.shop.retraining`) while the world drifts, and three policies set the threshold:

* ``fixed``: 0.15, as picked for round 0;
* ``keep precision``: re-learned on each round's held-out users, the lowest threshold whose held-out
  precision reaches the target (the most fraud caught at that precision);
* ``keep capacity``: re-learned on each round's held-out users, the lowest threshold that holds no
  more than the capacity.

Every number is measured on the round's *live* users, which neither training nor the threshold saw.

Two samples of users differ by chance, so "a number kept its round-0 value" needs a stated rule: it is
*within sampling noise* when it is within :data:`NOISE_SES` standard errors of round 0's value, the standard
error of the difference of two shares, sqrt(p0 (1 - p0) (1/n0 + 1/n)), computed from the counts (users for the
queue, held orders for precision, fraudulent users for recall): see :func:`noise_distances`.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> t = targets(world)
>>> o = outcome(world, "none", 0, "fixed")
>>> o.threshold, 0 < t.capacity < 1
(0.15, True)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.models import add_upstream_scores, model_spec
from mldebt_lessons.shop.retraining import (
    ROUNDS,
    check_drift,
    check_round,
    fit_round,
    live_labels,
    live_table,
    retrained_round,
)

POLICIES = ("fixed", "keep precision", "keep capacity")
HAND_PICKED = model_spec("fraud_model").threshold  # 0.15, the shop's own setting
SPAIN_MODEL = "fraud_model_es"
NOISE_SES = 3  # within sampling noise: within this many standard errors of round 0's value


def check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise unknown_choice("policy", policy, POLICIES)


# -- learning a threshold from held-out scores --------------------------------------------------

def precision_recall_at(scores, labels, threshold: float) -> tuple[float, float, float]:
    """(share held, precision, recall) when holding every score at or above ``threshold``.

    Precision is 0 when nothing is held; recall is 0 when there is no fraud.

    >>> precision_recall_at(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]), 0.2)
    (0.75, 0.6666666666666666, 1.0)
    """
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
    held = scores >= threshold
    n_held, caught, fraud = int(held.sum()), int(labels[held].sum()), int(labels.sum())
    return float(held.mean()), caught / n_held if n_held else 0.0, caught / fraud if fraud else 0.0


def counts_at(scores, labels, threshold: float) -> tuple[int, int, int]:
    """(users, orders held, fraudulent users): the counts behind :func:`precision_recall_at`'s shares.

    >>> counts_at(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]), 0.2)
    (4, 3, 2)
    """
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
    return len(scores), int((scores >= threshold).sum()), int(labels.sum())


def threshold_for_precision(scores, labels, target: float) -> float:
    """The lowest threshold whose held orders reach precision ``target`` (the most fraud caught at that
    precision); above every score (nothing held) when no threshold reaches it.

    >>> threshold_for_precision(np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 1, 0, 0]), 0.6)
    0.7
    """
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last_of_tie = np.r_[s[1:] != s[:-1], True]  # a threshold holds a whole group of equal scores
    precision = np.cumsum(y) / np.arange(1, len(y) + 1)
    ok = last_of_tie & (precision >= target)
    if not ok.any():
        return float(np.nextafter(s[0], np.inf)) if len(s) else float("inf")
    return float(s[np.flatnonzero(ok)[-1]])


def threshold_for_capacity(scores, capacity: float) -> float:
    """The lowest threshold that holds no more than a share ``capacity`` of the orders.

    >>> threshold_for_capacity(np.array([0.9, 0.8, 0.7, 0.6]), 0.5)
    0.8
    """
    scores = np.asarray(scores, dtype=float)
    s = np.sort(scores)[::-1]
    room = int(np.floor(capacity * len(s) + 1e-9))
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    fits = last_of_tie & (np.arange(1, len(s) + 1) <= room)
    if not fits.any():
        return float(np.nextafter(s[0], np.inf)) if len(s) else float("inf")
    return float(s[np.flatnonzero(fits)[-1]])


# -- the business's targets, from round 0 -------------------------------------------------------

@dataclass(frozen=True)
class Targets:
    """What the hand-picked threshold did for the model it was picked for, on round 0's held-out users."""

    threshold: float
    capacity: float  # share of orders held: what the review team was staffed for
    precision: float  # the target precision
    recall: float
    n_users: int  # the counts they were measured on: held-out users,
    n_held: int  # orders held,
    n_fraud: int  # and fraudulent users


@functools.lru_cache(maxsize=32)
def _targets(seed: int) -> Targets:
    r = retrained_round(_world(seed), "none", 0)
    held, precision, recall = precision_recall_at(r.holdout_scores, r.holdout_labels, HAND_PICKED)
    return Targets(HAND_PICKED, held, precision, recall,
                   *counts_at(r.holdout_scores, r.holdout_labels, HAND_PICKED))


def _world(seed: int):
    from mldebt_lessons.shop.world import build_world
    return build_world(seed)


def targets(world) -> Targets:
    """The capacity and target precision, measured for the round-0 model at the hand-picked threshold."""
    return _targets(world.seed)


# -- one round, one policy ----------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """One round of one drift under one policy, measured on the round's live users."""

    drift: str
    round: int
    policy: str
    recipe: str
    threshold: float
    held: float  # share of live orders held for review
    precision: float
    recall: float
    fraud_share: float  # share of live users who are fraudulent
    mean_score: float  # the model's mean score on live users
    spain_held: float  # share of Spanish test users fraud_model_es holds, reading this round's score
    n_users: int  # the counts behind the shares: live users,
    n_held: int  # orders held,
    n_fraud: int  # and fraudulent users


def learned_threshold(world, drift: str, round_: int, policy: str) -> float:
    """The threshold ``policy`` sets for the model of ``round_`` (learned on held-out users, or 0.15)."""
    check_policy(policy)
    r = retrained_round(world, drift, round_)
    t = targets(world)
    if policy == "fixed":
        return HAND_PICKED
    if policy == "keep precision":
        return threshold_for_precision(r.holdout_scores, r.holdout_labels, t.precision)
    return threshold_for_capacity(r.holdout_scores, t.capacity)


@functools.lru_cache(maxsize=256)
def _outcome(seed: int, drift: str, round_: int, policy: str) -> Outcome:
    world = _world(seed)
    r = retrained_round(world, drift, round_)
    threshold = learned_threshold(world, drift, round_, policy)
    held, precision, recall = precision_recall_at(r.live_scores, r.live_labels, threshold)
    return Outcome(drift, round_, policy, r.recipe, threshold, held, precision, recall,
                   float(r.live_labels.mean()), float(r.live_scores.mean()), _spain_held(seed, r.drift, round_),
                   *counts_at(r.live_scores, r.live_labels, threshold))


def outcome(world, drift: str, round_: int, policy: str) -> Outcome:
    """What the review queue looks like in ``round_`` of a world drifting at ``drift``, under ``policy``."""
    check_drift(drift)
    check_round(round_)
    check_policy(policy)
    return _outcome(world.seed, "none" if round_ == 0 else drift, round_, policy)


def history(world, drift: str, policy: str) -> list[Outcome]:
    """Every round of one drift under one policy."""
    return [outcome(world, drift, r, policy) for r in ROUNDS]


@functools.lru_cache(maxsize=64)
def _spain_held(seed: int, drift: str, round_: int) -> float:
    world = _world(seed)
    return spain_held(world, retrained_round(world, drift, round_).model)


def spain_held(world, fraud_model) -> float:
    """Share of Spain's test users that Spain's model (never retrained) holds, reading ``fraud_model``'s score."""
    es = world.markets["ES"]
    table = rows_of(es.features, es.test_rows)
    table = dict(table)
    table["fraud_model"] = fraud_model.predict_score(table)
    model = world.models[SPAIN_MODEL]
    return float(model.decide(add_upstream_scores(table, world.models, model.spec.inputs)).mean())


# -- sampling noise ----------------------------------------------------------------------------

def standard_errors_from(value: float, n: int, before: float, n_before: int) -> float:
    """How far ``value`` (a share of ``n``) is from ``before`` (a share of ``n_before``), in standard errors of
    the difference of two independent shares whose true value is ``before``: sqrt(p (1 - p) (1/n_before + 1/n)).
    Signed; 0 when both are equal; infinite when they differ but ``before`` is 0 or 1, or a count is 0.

    >>> round(standard_errors_from(0.3, 100, 0.2, 100), 2)
    1.77
    """
    if value == before:
        return 0.0
    if n <= 0 or n_before <= 0 or before in (0.0, 1.0):
        return math.copysign(math.inf, value - before)
    return (value - before) / math.sqrt(before * (1 - before) * (1 / n_before + 1 / n))


def noise_distances(o: Outcome, t: Targets) -> dict[str, float]:
    """The queue, precision and recall of ``o``, each in standard errors from its round-0 value (the targets):
    the queue counted in users, precision in orders held, recall in fraudulent users."""
    return {"queue": standard_errors_from(o.held, o.n_users, t.capacity, t.n_users),
            "precision": standard_errors_from(o.precision, o.n_held, t.precision, t.n_held),
            "recall": standard_errors_from(o.recall, o.n_fraud, t.recall, t.n_fraud)}


def within_noise(distance: float) -> bool:
    """Within sampling noise: no more than :data:`NOISE_SES` standard errors away."""
    return abs(distance) <= NOISE_SES


# -- the controls ------------------------------------------------------------------------------

UNRETRAINED = "the model of round 0, not retrained"


@functools.lru_cache(maxsize=64)
def _unretrained(seed: int, round_: int) -> Outcome:
    world = _world(seed)
    scores = world.models["fraud_model"].predict_score(live_table(world, "none", round_))
    labels = live_labels(world, "none", round_)
    held, precision, recall = precision_recall_at(scores, labels, HAND_PICKED)
    return Outcome("none", round_, "fixed", UNRETRAINED, HAND_PICKED, held, precision, recall,
                   float(labels.mean()), float(scores.mean()), _spain_held(seed, "none", 0),
                   *counts_at(scores, labels, HAND_PICKED))


def unretrained_outcome(world, round_: int) -> Outcome:
    """Control: the round-0 model, never retrained, scoring the live users of ``round_`` in a world that does
    not drift, at the fixed 0.15. Its score distribution does not move, so its numbers should stay within
    sampling noise of round 0's (see :func:`noise_distances`)."""
    check_round(round_)
    return _unretrained(world.seed, round_)



def refit_without_change(world, drift: str = "none", round_: int = 2) -> tuple[float, float]:
    """The model of ``round_`` fitted again from scratch, on the same rows with the same recipe: (largest
    change of a live user's score, share of live hold decisions at 0.15 that change)."""
    check_drift(drift)
    check_round(round_)
    before = retrained_round(world, drift, round_).model
    after = fit_round(world.seed, "none" if round_ == 0 else drift, round_).model
    table = live_table(world, drift, round_)
    a, b = before.predict_score(table), after.predict_score(table)
    return float(np.max(np.abs(a - b))), float(np.mean((a >= HAND_PICKED) != (b >= HAND_PICKED)))
