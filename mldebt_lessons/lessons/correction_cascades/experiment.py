"""Correction cascades, measured: improve fraud_model and watch Spain's correction model suffer.

Larkspur opened in Spain (the new market). Rather than build a Spanish fraud model from scratch,
the payments team trained ``fraud_model_es`` as a small correction on top of ``fraud_model``'s
score: a correction cascade (Sculley et al. 2015, §2). This module improves ``fraud_model`` in
several ways and measures, for each way of wiring the two markets:

* ``fraud_model``'s own quality at home (what its owners look at);
* the quality of the Spanish scores (what ``fraud_model_es`` or its replacement produces);
* the Spanish checkout end to end: the share of Spain's fraud the review team catches when it
  checks the riskiest ``REVIEW_SHARE`` of Spanish orders (expected, from the true fraud
  probabilities, so it carries no sampling noise);
* the whole review queue, both markets together.

Quality is measured on large fresh samples of each market drawn from the ground truth, so small
differences are real, not noise.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> base = measure_cascade(build_world(), "none", "cascade")
>>> better = measure_cascade(build_world(), "feature", "cascade")
>>> better.home_auc > base.home_auc and better.spain_auc < base.spain_auc
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
from sklearn.metrics import roc_auc_score

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import (
    NEW_MARKET,
    draw_labels,
    ground_truth,
    make_new_market_data,
    make_raw_data,
    new_market_fraud_truth,
    rows_of,
)
from mldebt_lessons.shop.features import feature_table
from mldebt_lessons.shop.models import ModelSpec, ShopModel, model_spec
from mldebt_lessons.shop.world import World

REVIEW_SHARE = 0.08  # the review team can check this share of orders
EVALUATION_USERS = 30_000  # fresh users per market, drawn from the ground truth, to measure quality

IMPROVEMENTS = {
    "none": "fraud_model as it is today",
    "data_x2": "more data: retrain on twice the labelled history",
    "data_x4": "more data: retrain on four times the labelled history",
    "capacity": "more capacity: twice the trees, each one deeper (it overfits here)",
    "feature": "a better feature: add session_count (bots make many sessions)",
}
ARCHITECTURES = {
    "cascade": "cascade: fraud_model_es corrects fraud_model's score, and is not retrained",
    "cascade_retrained": "cascade, and fraud_model_es is retrained on the new score",
    "market_feature": "remedy 1: one fraud_model for both markets, told each user's market; "
                      "each market weighs the same in training",
    "separate": "remedy 2: a Spanish fraud model trained on its own, reading no other model",
}
# A wiring the demo does not show, for an exercise: remedy 1 trained as most teams first would,
# every row weighing the same, so the big home market dominates what the one model learns.
UNWEIGHTED_REMEDY = "market_feature_by_rows"
ALL_ARCHITECTURES = {**ARCHITECTURES, UNWEIGHTED_REMEDY: "remedy 1, but every row weighs the same, so home "
                     "(most rows, most fraud) dominates what the model learns"}
SPANISH_INPUTS = ("user_age", "avg_basket_value", "days_since_signup", "device", "session_count")


@dataclass(frozen=True)
class CascadeResult:
    """What one improvement did under one architecture, against the same architecture unimproved."""

    improvement: str
    architecture: str
    home_auc: float  # fraud_model at home: what its owners see
    spain_auc: float  # the Spanish fraud scores, whoever makes them
    spain_caught: float  # Spanish checkout end to end: share of expected fraud caught by review
    queue_caught: float  # the whole review queue, both markets together
    spain_flipped: float  # share of Spanish review decisions that differ from the unimproved system


def check_choice(improvement: str, architecture: str) -> None:
    if improvement not in IMPROVEMENTS:
        raise unknown_choice("improvement", improvement, IMPROVEMENTS)
    if architecture not in ALL_ARCHITECTURES:
        raise unknown_choice("architecture", architecture, ALL_ARCHITECTURES)


def fraud_variant(improvement: str) -> tuple[ModelSpec, int]:
    """The fraud model's spec after an improvement, and how many times the history it trains on."""
    spec = model_spec("fraud_model")
    if improvement == "capacity":
        from sklearn.ensemble import GradientBoostingClassifier
        return replace(spec, make_estimator=lambda seed: GradientBoostingClassifier(
            n_estimators=80, max_depth=3, learning_rate=0.2, random_state=seed)), 1
    if improvement == "feature":
        return replace(spec, inputs=spec.inputs + ("session_count",)), 1
    return spec, {"data_x2": 2, "data_x4": 4}.get(improvement, 1)


@dataclass(eq=False)
class _Population:
    """Users of one market with their feature table, labels and true fraud probability."""

    features: dict[str, np.ndarray]
    fraud: np.ndarray
    fraud_p: np.ndarray


@functools.lru_cache(maxsize=4)
def _populations(world: World):
    """Training history (home, extended for 'more data'), Spanish training rows, and evaluation users."""
    seed, ref = world.seed, world.reference

    def home(raw, seed_offset):
        truth = ground_truth(raw)
        return _Population(feature_table(raw, ref), draw_labels(truth, seed + seed_offset)["fraud"], truth["fraud_p"])

    def spain(raw, seed_offset):
        p = new_market_fraud_truth(raw)
        labels = (np.random.default_rng([seed, seed_offset]).random(len(p)) < p).astype(int)
        return _Population(feature_table(raw, ref), labels, p)

    extra_history = home(make_raw_data(seed + 11, 3 * len(world.train_rows)), 11)
    evaluation = {"home": home(make_raw_data(seed + 12, EVALUATION_USERS), 12),
                  NEW_MARKET: spain(make_new_market_data(seed + 13, EVALUATION_USERS), 13)}
    return extra_history, evaluation


def _home_training(world: World, times: int):
    """The home training table and fraud labels; ``times`` > 1 appends extra labelled history."""
    table = world.train_table
    labels = world.labels["fraud"][world.train_rows]
    if times > 1:
        extra, _ = _populations(world)
        n = (times - 1) * len(world.train_rows)
        table = {k: np.concatenate([v, extra.features[k][:n]]) for k, v in table.items()}
        labels = np.concatenate([labels, extra.fraud[:n]])
    return table, labels


def _spanish_training(world: World):
    es = world.new_market
    return rows_of(es.features, es.train_rows), es.labels["fraud"][es.train_rows]


def _with_market(table: dict[str, np.ndarray], market: str) -> dict[str, np.ndarray]:
    return {**table, "market": np.full(len(next(iter(table.values()))), market)}


@functools.lru_cache(maxsize=64)
def _spain_scorer(world: World, improvement: str, architecture: str):
    """(fraud_model for home, a function scoring Spanish feature tables) for one setting."""
    seed = world.seed
    spec, times = fraud_variant(improvement)
    home_table, home_y = _home_training(world, times)
    es_table, es_y = _spanish_training(world)
    if architecture in ("market_feature", UNWEIGHTED_REMEDY):
        # Remedy 1: one model sees both markets, with the feature that tells them apart. It serves
        # Spain, so Spain must count in what it learns: each market weighs the same in training.
        # (Weighted by rows, Spain's few frauds barely move the loss, and the model applies home's
        # patterns to Spain: that is UNWEIGHTED_REMEDY.)
        inputs = spec.inputs + ("market",)
        both = {k: np.concatenate([_with_market(home_table, "home")[k], _with_market(es_table, NEW_MARKET)[k]])
                for k in inputs}
        weights = None
        if architecture == "market_feature":
            weights = np.concatenate([np.ones(len(home_y)), np.full(len(es_y), len(home_y) / len(es_y))])
        model = ShopModel(replace(spec, inputs=inputs), seed).fit(both, np.concatenate([home_y, es_y]), weights)
        return model, lambda t: model.predict_score(_with_market(t, "home")), \
            lambda t: model.predict_score(_with_market(t, NEW_MARKET))
    m = ShopModel(spec, seed).fit(home_table, home_y)
    home_score = m.predict_score
    if architecture == "separate":
        # Remedy 2: Spain's model reads Spanish data only; fraud_model can change without touching it.
        alone = ShopModel(replace(model_spec("fraud_model_es"), inputs=SPANISH_INPUTS), seed).fit(es_table, es_y)
        return m, home_score, alone.predict_score
    correction_spec = model_spec("fraud_model_es")
    if architecture == "cascade":
        base = world.models["fraud_model"] if improvement == "none" else _spain_scorer(world, "none", "cascade")[0]
        correction = world.models["fraud_model_es"] if improvement == "none" else \
            ShopModel(correction_spec, seed).fit({**es_table, "fraud_model": base.predict_score(es_table)}, es_y)
    else:  # cascade_retrained
        correction = ShopModel(correction_spec, seed).fit({**es_table, "fraud_model": m.predict_score(es_table)}, es_y)
    return m, home_score, lambda t: correction.predict_score({**t, "fraud_model": m.predict_score(t)})


def _caught(scores: np.ndarray, fraud_p: np.ndarray, share: float = REVIEW_SHARE) -> float:
    """Expected share of fraud caught when the riskiest ``share`` of orders is reviewed."""
    k = int(round(share * len(scores)))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(fraud_p[top].sum() / fraud_p.sum())


@functools.lru_cache(maxsize=64)
def _scores(world: World, improvement: str, architecture: str):
    _, home_score, spain_score = _spain_scorer(world, improvement, architecture)
    _, evaluation = _populations(world)
    return home_score(evaluation["home"].features), spain_score(evaluation[NEW_MARKET].features)


def measure_cascade(world: World, improvement: str, architecture: str) -> CascadeResult:
    """Improve fraud_model by ``improvement`` under ``architecture`` and measure all four numbers.

    Cached per world: the first call for a setting trains and measures, later calls look it up.
    """
    check_choice(improvement, architecture)
    return _measure_cascade(world, improvement, architecture)


@functools.lru_cache(maxsize=128)
def _measure_cascade(world: World, improvement: str, architecture: str) -> CascadeResult:
    _, evaluation = _populations(world)
    home, spain = evaluation["home"], evaluation[NEW_MARKET]
    home_scores, spain_scores = _scores(world, improvement, architecture)
    _, base_spain = _scores(world, "none", architecture)
    threshold = np.quantile(base_spain, 1 - REVIEW_SHARE)
    flipped = float(np.mean((spain_scores >= np.quantile(spain_scores, 1 - REVIEW_SHARE)) != (base_spain >= threshold)))
    return CascadeResult(
        improvement, architecture,
        home_auc=float(roc_auc_score(home.fraud, home_scores)),
        spain_auc=float(roc_auc_score(spain.fraud, spain_scores)),
        spain_caught=_caught(spain_scores, spain.fraud_p),
        queue_caught=_caught(np.concatenate([home_scores, spain_scores]), np.concatenate([home.fraud_p, spain.fraud_p])),
        spain_flipped=flipped)


def describe_setup(world: World) -> str:
    """How the cascade experiment measures, in a few printed lines (every number read from the code)."""
    _, evaluation = _populations(world)
    fraud = {name: float(pop.fraud_p.sum()) for name, pop in evaluation.items()}
    total = sum(fraud.values())
    lines = [f"Every number here is measured on {EVALUATION_USERS:,} fresh users per market, drawn from the ground "
             "truth; the share of fraud caught uses their true fraud probabilities, so it has no sampling noise.",
             f"What does vary is what the models learn from: Spain has only {len(world.new_market.train_rows):,} "
             "labelled users to train on, so each claim is measured across many worlds.",
             f"(Lesson 00 scores each model on its market's held-out users, {len(world.test_rows):,} at home and "
             f"{len(world.new_market.test_rows):,} in Spain: a small sample, so its AUCs differ from these.)",
             f"The review team checks the riskiest {REVIEW_SHARE:.0%} of orders.",
             "Share of all expected fraud in the evaluation: " + ", ".join(
                 f"{'home' if name == 'home' else 'Spain'} {fraud[name] / total:.0%}" for name in fraud) + ".",
             "Improvements (keys): " + ", ".join(IMPROVEMENTS),
             "Wirings (keys): " + ", ".join(ARCHITECTURES)]
    return "\n".join(lines)
