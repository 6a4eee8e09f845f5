"""The measured CACE experiment: change one feature's preprocessing, watch every model move.

Two modes, as in real life:

* ``"serving"`` -- the feature changes in production but the models are not retrained
  (training/serving skew). Nobody told the model owners.
* ``"retrained"`` -- every model is retrained on the changed feature. The weights of the
  *other* inputs move too: the paper's claim that changing one input changes the use of
  the remaining n-1.

Every model is measured, not just the ones downstream: a model the change does not reach
(it neither reads the feature nor reads a model that does) is the control and must show
exactly zero change.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> effects = measure_cace(build_world(), "user_age", "units", "serving")
>>> [(e.model, e.reads_feature, e.downstream) for e in effects]  # doctest: +NORMALIZE_WHITESPACE
[('churn_model', True, True), ('ltv_model', True, True), ('fraud_model', True, True),
 ('recommender', False, False), ('fraud_model_es', False, True)]
>>> next(e for e in effects if e.model == "recommender").decisions_flipped
0.0
>>> next(e for e in effects if e.model == "fraud_model_es").decisions_flipped > 0
True
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.features import (
    FEATURES,
    changes_for,
    check_change,
    feature,
    feature_table,
)
from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.models import ShopModel, add_upstream_scores, quality
from mldebt_lessons.shop.world import World

MODES = ("serving", "retrained")
MODE_LABELS = {"serving": "serving changed, models not retrained",
               "retrained": "models retrained on the changed feature"}


@dataclass(frozen=True)
class ModelEffect:
    """What one change did to one model, measured on the held-out users."""

    model: str
    reads_feature: bool  # the feature is one of its inputs
    downstream: bool  # the change reaches it, directly or through another model
    decisions_flipped: float  # share of users whose decision flipped
    mean_abs_score_change: float
    quality_metric: str
    quality_before: float
    quality_after: float
    other_inputs_shift: float  # relative change of the other inputs' weights (0 when not retrained)
    most_moved_input: str  # the other input whose weight moved most ('' if none moved)

    @property
    def quality_change(self) -> float:
        return self.quality_after - self.quality_before

    def as_dict(self) -> dict:
        return asdict(self) | {"quality_change": self.quality_change}


def weight_shift(before: dict[str, float], after: dict[str, float], changed: str) -> tuple[float, str]:
    """Relative L1 change of the weights of every input except ``changed``, and the one that moved most.

    >>> weight_shift({"a": 1.0, "b": 2.0, "x": 5.0}, {"a": 1.5, "b": 2.0, "x": 0.0}, "x")
    (0.16666666666666666, 'a')
    """
    others = [k for k in before if k != changed]
    total = sum(abs(before[k]) for k in others)
    if not others or total == 0:
        return 0.0, ""
    moves = {k: abs(after[k] - before[k]) for k in others}
    biggest = max(others, key=lambda k: (moves[k], k))
    shift = sum(moves.values()) / total
    # Below this, a "move" is floating-point noise from refitting, not a change in use.
    return (shift, biggest) if shift >= 1e-4 else (0.0, "")


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise unknown_choice("mode", mode, MODES)


def measure_cace(world: World, feature_name: str, change: str, mode: str) -> list[ModelEffect]:
    """Measure every model's response to ``change`` on ``feature_name``, in ``mode``.

    Results are cached per world, so a widget can look them up instantly.
    """
    _check(feature_name, change, mode)
    return list(_measure(world, feature_name, change, mode)[0])


def consumer_effects(world: World, feature_name: str, change: str, mode: str) -> dict[str, float]:
    """For each consumer, the share of users for whom any decision it reads flipped.

    >>> from mldebt_lessons.shop.world import build_world
    >>> consumer_effects(build_world(), "country", "rename", "serving")["email_campaign"]
    0.0
    """
    _check(feature_name, change, mode)
    flipped = _measure(world, feature_name, change, mode)[1]
    effects = {}
    for node, kind in world.graph.nodes(data="kind"):
        if kind != "consumer":
            continue
        # A consumer may serve several markets (one model each): a user counts once, in their market.
        by_market: dict[str, list] = {}
        for m in world.graph.predecessors(node):
            if m in flipped:
                by_market.setdefault(world.models[m].spec.market, []).append(flipped[m])
        users = [np.any(arrays, axis=0) for arrays in by_market.values()]
        effects[node] = float(np.mean(np.concatenate(users))) if users else 0.0
    return effects


def _check(feature_name: str, change: str, mode: str) -> None:
    feature(feature_name)
    check_change(feature_name, change)
    check_mode(mode)


@functools.lru_cache(maxsize=256)
def _changed_features(world: World, feature_name: str, change: str) -> dict[str, dict[str, np.ndarray]]:
    """Every market's feature table with the change applied."""
    return {name: feature_table(market.raw, world.reference, (feature_name, change))
            for name, market in world.markets.items()}


@functools.lru_cache(maxsize=256)
def _measure(world: World, feature_name: str, change: str, mode: str):
    """(effects, flipped): flipped maps each model to a bool array over its market's test users."""
    markets, changed = world.markets, _changed_features(world, feature_name, change)
    reached = {r.node for r in ripple(world.graph, feature_name)}
    new_models = dict(world.models)
    if mode == "retrained":
        # Every team the change reaches retrains, upstream models first (world.models is in that order).
        for name in world.models:
            if name in reached:
                new_models[name] = _refit(world, name, new_models, changed)
    effects, flipped = [], {}
    for name, model in world.models.items():
        new = new_models[name]
        market = markets[model.spec.market]
        before = add_upstream_scores(rows_of(market.features, market.test_rows), world.models, model.spec.inputs)
        after = add_upstream_scores(rows_of(changed[market.name], market.test_rows), new_models, model.spec.inputs)
        y = market.labels[model.spec.label][market.test_rows]
        truth = market.truth["ltv_mean"][market.test_rows] if "ltv_mean" in market.truth else None
        metric, q_before = quality(model, before, y, truth)
        _, q_after = quality(new, after, y, truth)
        shift, moved = (weight_shift(model.input_weights(), new.input_weights(), feature_name)
                        if new is not model else (0.0, ""))
        flipped[name] = model.decide(before) != new.decide(after)
        effects.append(ModelEffect(
            model=name, reads_feature=feature_name in model.spec.inputs, downstream=name in reached,
            decisions_flipped=float(np.mean(flipped[name])),
            mean_abs_score_change=float(np.mean(np.abs(model.predict_score(before) - new.predict_score(after)))),
            quality_metric=metric, quality_before=q_before, quality_after=q_after,
            other_inputs_shift=shift, most_moved_input=moved))
    return tuple(effects), flipped


def _refit(world: World, name: str, models: dict, changed: dict) -> ShopModel:
    """Retrain one model on the changed features, reading the scores of ``models`` upstream of it."""
    spec = world.models[name].spec
    market = world.markets[spec.market]
    train = add_upstream_scores(rows_of(changed[market.name], market.train_rows), models, spec.inputs)
    return ShopModel(spec, world.seed).fit(train, market.labels[spec.label][market.train_rows])


def all_experiments() -> list[tuple[str, str]]:
    """Every (feature, change) pair the world allows, in a stable order."""
    return [(f.name, c) for f in FEATURES for c in changes_for(f.name)]


def effects_table(effects: list[ModelEffect]) -> list[dict]:
    """Rows for a table, numbers rounded for people: percentages for shares, 3 decimals for quality."""
    rows = []
    for e in effects:
        rows.append({
            "model": e.model,
            "reads it?": _reads_text(e),
            "decisions flipped": f"{100 * e.decisions_flipped:.1f}%",
            "mean |score change|": (f"£{e.mean_abs_score_change:.2f}" if e.quality_metric.startswith("MAE")
                                    else f"{e.mean_abs_score_change:.4f}"),
            "quality before -> after": f"{e.quality_metric} {e.quality_before:.3f}\u00a0→\u00a0{e.quality_after:.3f}",
            "other inputs moved": f"{100 * e.other_inputs_shift:.1f}%"
                                  + (f" (most: {e.most_moved_input})" if e.most_moved_input else ""),
        })
    return rows


def _reads_text(effect: ModelEffect) -> str:
    if effect.reads_feature:
        return "yes"
    return "via another model" if effect.downstream else "no (control)"


def effects_text(feature_name: str, change: str, mode: str, effects: list[ModelEffect]) -> str:
    """A plain-text summary of one experiment, for people and for an AI tutor."""
    head = f"Change: {feature_name} -> {change} ({MODE_LABELS[mode]})"
    lines = [head]
    for row in effects_table(effects):
        lines.append("  " + "; ".join(f"{k}: {v}" for k, v in row.items()))
    return "\n".join(lines)
