"""Larkspur's fraud model, retrained round after round on a drifting world.

The payments team retrains ``fraud_model`` every round on a fresh window of users. Round 0 is the
model every lesson knows (``world.models["fraud_model"]``), the one its threshold, 0.15, was picked
for by hand. Each later round draws new users with the shop's own generator (:func:`make_raw_data`,
on this module's seed streams), lets the world drift, and refits the model with the round's recipe:

* rounds 1 and later: a fresh window of :data:`TRAIN_USERS` users, the same estimator;
* from round :data:`DOWNSAMPLE_FROM`: legitimate users kept one in :data:`KEEP_ONE_IN` for training
  (a common way to make rare fraud cases count), which changes the class balance the model sees;
* from round :data:`NEW_FEATURE_FROM`: ``session_count`` added to the inputs (bots make many sessions).

Drift (one of :data:`DRIFTS`) moves the world a little more each round: more fraud, baskets priced
higher, and fraudsters moving from the mobile web to the app. Same seed, same rounds, same numbers.

Streams: users ``[seed, 150, round]``, label draws ``[seed, 151, round]``, the training sample of
legitimate users ``[seed, 152, round]``. The label draws are shared by every drift, so two drifts
differ only by the drift.

>>> from mldebt_lessons.shop.world import build_world
>>> r = retrained_round(build_world(), "none", 0)
>>> r.recipe, len(r.live_scores) == LIVE_USERS
('the model of round 0', True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import ground_truth, make_raw_data, rows_of
from mldebt_lessons.shop.features import feature_table
from mldebt_lessons.shop.models import ModelSpec, ShopModel, model_spec

ROUNDS = (0, 1, 2, 3)
DRIFTS = {"none": 0.0, "slow": 0.5, "fast": 1.0}  # how fast the world moves, per round
TRAIN_USERS, HOLDOUT_USERS, LIVE_USERS = 1000, 1500, 1500
DOWNSAMPLE_FROM, KEEP_ONE_IN = 2, 3
NEW_FEATURE_FROM, NEW_FEATURE = 3, "session_count"
FRAUD_RISE, PRICE_RISE, TO_APP = 0.25, 0.05, 0.30  # per round at drift 1: log-odds, share, log-odds


def check_drift(drift: str) -> None:
    if drift not in DRIFTS:
        raise unknown_choice("drift", drift, DRIFTS)


def check_round(round_: int) -> None:
    if round_ not in ROUNDS:
        raise unknown_choice("round", round_, [str(r) for r in ROUNDS])


def recipe_of(round_: int) -> str:
    """How the payments team trains the model of ``round_``, in words."""
    if round_ == 0:
        return "the model of round 0"
    parts = ["fresh window"]
    if round_ >= DOWNSAMPLE_FROM:
        parts.append(f"legit 1 in {KEEP_ONE_IN}")
    if round_ >= NEW_FEATURE_FROM:
        parts.append(f"+{NEW_FEATURE}")
    return ", ".join(parts)


def spec_of(round_: int) -> ModelSpec:
    """The fraud model's spec in ``round_``: the shop's own, plus the new feature from its round."""
    spec = model_spec("fraud_model")
    if round_ >= NEW_FEATURE_FROM:
        from dataclasses import replace
        spec = replace(spec, inputs=spec.inputs + (NEW_FEATURE,))
    return spec


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


@functools.lru_cache(maxsize=64)
def round_users(seed: int, drift: str, round_: int):
    """(feature table, fraud labels, true fraud risk) of the users of ``round_`` in the world of ``seed``:
    the training window, then the held-out users, then the live users. Read-only (shared, cached)."""
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed)
    n = TRAIN_USERS + HOLDOUT_USERS + LIVE_USERS
    raw = make_raw_data(seed=[seed, 150, round_], n_users=n)
    step = DRIFTS[drift] * round_
    raw["avg_basket_value"] = (raw["avg_basket_value"] * (1 + PRICE_RISE * step)).round(2)
    z = _logit(ground_truth(raw)["fraud_p"]) + step * (FRAUD_RISE + TO_APP * (raw["device"] == "app")
                                                        - TO_APP * (raw["device"] == "mobile_web"))
    risk = 1 / (1 + np.exp(-z))
    labels = (np.random.default_rng([seed, 151, round_]).random(n) < risk).astype(int)
    return feature_table(raw, world.reference), labels, risk


@dataclass(frozen=True)
class Round:
    """One retraining round: the model's scores on its held-out and live users, with their labels."""

    drift: str
    round: int
    recipe: str
    model: ShopModel
    holdout_scores: np.ndarray
    holdout_labels: np.ndarray
    live_scores: np.ndarray
    live_labels: np.ndarray
    train_fraud_share: float  # share of fraud in what the model was trained on


def _parts(n_train: int):
    return (np.arange(n_train), np.arange(n_train, n_train + HOLDOUT_USERS),
            np.arange(n_train + HOLDOUT_USERS, n_train + HOLDOUT_USERS + LIVE_USERS))


def retrained_round(world, drift: str, round_: int) -> Round:
    """The fraud model of ``round_`` in a world drifting at ``drift``, scored on that round's users."""
    check_drift(drift)
    check_round(round_)
    return _round(world.seed, "none" if round_ == 0 else drift, round_)


@functools.lru_cache(maxsize=64)
def _round(seed: int, drift: str, round_: int) -> Round:
    return fit_round(seed, drift, round_)


def fit_round(seed: int, drift: str, round_: int) -> Round:
    """Fit the model of ``round_`` from scratch (no cache): the same seed gives the same model."""
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed)
    table, labels, _ = round_users(seed, drift, round_)
    train, holdout, live = _parts(TRAIN_USERS)
    if round_ == 0:
        model = world.models["fraud_model"]
        fraud_share = float(world.labels["fraud"][world.train_rows].mean())
    else:
        y = labels[train]
        if round_ >= DOWNSAMPLE_FROM:
            keep = (y == 1) | (np.random.default_rng([seed, 152, round_]).random(len(y)) < 1 / KEEP_ONE_IN)
            train = train[keep]
        model = ShopModel(spec_of(round_), random_state=seed).fit(rows_of(table, train), labels[train])
        fraud_share = float(labels[train].mean())
    score = model.predict_score(table)
    return Round(drift, round_, recipe_of(round_), model, score[holdout], labels[holdout], score[live],
                 labels[live], fraud_share)


def live_table(world, drift: str, round_: int) -> dict[str, np.ndarray]:
    """The live users of ``round_`` in a world drifting at ``drift``, as a feature table."""
    check_drift(drift)
    check_round(round_)
    table, _, _ = round_users(world.seed, "none" if round_ == 0 else drift, round_)
    return rows_of(table, _parts(TRAIN_USERS)[2])


def live_labels(world, drift: str, round_: int) -> np.ndarray:
    """The fraud labels of the live users of ``round_`` (1 = fraud), in the order of :func:`live_table`."""
    check_drift(drift)
    check_round(round_)
    _, labels, _ = round_users(world.seed, "none" if round_ == 0 else drift, round_)
    return labels[_parts(TRAIN_USERS)[2]].copy()
