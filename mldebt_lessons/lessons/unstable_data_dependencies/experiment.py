"""What lesson 04 measures: how a model's quality moves, release by release, when a signal it reads
belongs to another team, under three ways of consuming that signal.

The upstream side (what the other teams publish, month by month) is the world's:
:mod:`mldebt_lessons.shop.upstream`. This module adds the readers' side, a *consumption policy*:

* ``live`` -- read whatever the upstream team publishes now, with the code written at release 0,
  and never retrain (nobody told the readers anything);
* ``pinned`` -- read a versioned copy frozen at release 0 (the upstream team keeps publishing it),
  and never retrain: nothing ever changes under the model, except the world the copy describes;
* ``refresh`` -- pinned, but by agreement with the upstream team every :data:`REFRESH_EVERY` releases
  the readers move to the newest version, learn what it means, and retrain on it.

Quality is measured against the ground truth on held-out users (the world's labels never change):
for a classifier, the mean distance between its predicted probability and the true one, in points;
for ltv_model, the mean absolute error against the true expected spend, in pounds. Lower is better.
Two costs come out of it:

* the **silent break**: at the release where the new version ships, a live reader minus a pinned one;
* the **staleness**: a pinned reader minus a model retrained now on the newest version, read right.

Every model of the shop is measured, not only the readers: a model that reads nothing downstream of
the changed signal is the control and must not move at all, under any policy, at any release.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> readers("bot_filter")
('churn_model', 'recommender')
>>> errors = release_errors(world, "bot_filter", "live")
>>> errors["ltv_model"] == (errors["ltv_model"][0],) * RELEASES  # a control: it does not read sessions
True
>>> silent_break(world, "bot_filter")["churn_model"] > 0
True
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import networkx as nx
import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.models import MODEL_SPECS, ShopModel, add_upstream_scores
from mldebt_lessons.shop.upstream import (
    CHANGE_RELEASE,
    RELEASES,
    UPSTREAM_CHANGES,
    check_release,
    fraud_model_at,
    signal_tables,
    upstream_change,
    upstream_models,
)

POLICIES = ("live", "pinned", "refresh")
REFRESH_EVERY = 3  # the refresh policy moves to the newest version and retrains at releases 3, 6, ...
LAST = RELEASES - 1
CHANGES = tuple(c.name for c in UPSTREAM_CHANGES)
MODELS = tuple(spec.name for spec in MODEL_SPECS)
POLICY_HELP = {
    "live": "read whatever the upstream team publishes now, with the code written at release 0; never retrain",
    "pinned": "read a versioned copy frozen at release 0; never retrain",
    "refresh": f"pinned, but every {REFRESH_EVERY} releases, by agreement, move to the newest version, learn what "
               "it means, and retrain",
}
TRUTH_OF_LABEL = {"churned": "churn_p", "fraud": "fraud_p", "clicked": "click_p", "ltv": "ltv_mean"}


def check_policy(policy: str) -> str:
    """``policy`` if it is one of :data:`POLICIES`, else a one-line error."""
    if policy not in POLICIES:
        raise unknown_choice("policy", policy, POLICIES)
    return policy


def readers(change: str) -> tuple[str, ...]:
    """The models downstream of the changed signal (directly or through another model), in model order.

    >>> readers("currency_table")
    ('ltv_model', 'fraud_model', 'fraud_model_es')
    """
    signal = upstream_change(change).signal
    below = nx.descendants(shop_graph(), signal)
    return tuple(m for m in MODELS if m in below)


def unit_of(model: str) -> str:
    """The unit a model's error is measured in: "points" (of probability) or "GBP".

    >>> unit_of("ltv_model"), unit_of("churn_model")
    ('GBP', 'points')
    """
    return "GBP" if model == "ltv_model" else "points"


def show_error(model: str, value: float) -> str:
    """An error in its unit, short.

    >>> show_error("ltv_model", 31.234), show_error("churn_model", 4.56)
    ('£31.23', '4.56 pts')
    """
    return f"£{value:.2f}" if unit_of(model) == "GBP" else f"{value:.2f} pts"


def reading(policy: str, release: int) -> tuple[int, int | None]:
    """(the release the readers last trained at, the release their copy was pinned at; None: live).

    >>> reading("live", 5), reading("pinned", 5), reading("refresh", 5)
    ((0, None), (0, 0), (3, 3))
    """
    check_policy(policy)
    release = check_release(release)
    if policy == "live":
        return 0, None
    if policy == "pinned":
        return 0, 0
    at = REFRESH_EVERY * (release // REFRESH_EVERY)
    return at, at


def model_error(world, model: ShopModel, table: dict[str, np.ndarray]) -> float:
    """A model's error against the ground truth on its market's held-out rows (``table``: those rows)."""
    market = world.markets[model.spec.market]
    truth = market.truth[TRUTH_OF_LABEL[model.spec.label]][market.test_rows]
    gap = float(np.mean(np.abs(scores(model, table) - truth)))
    return gap if model.spec.task == "regress" else 100 * gap


_SCORES: dict = {}


def scores(model: ShopModel, table: dict[str, np.ndarray]) -> np.ndarray:
    """``model.predict_score(table)``, remembered by the exact bytes of the model's input columns: a model
    whose inputs did not change is not scored again (and so gives exactly the same numbers). A model that
    reads another model's score gets that score computed (and remembered) first."""
    table = dict(table)
    for name in model.spec.inputs:
        if name in MODELS and name not in table:
            raise KeyError(name)  # the caller puts upstream scores in first (see ``scored_table``)
    key = (id(model),) + tuple(hashlib.blake2b(np.ascontiguousarray(table[name]).tobytes(), digest_size=16).digest()
                               for name in model.spec.inputs)
    hit = _SCORES.get(key)
    if hit is None or hit[0] is not model:
        if len(_SCORES) > 4096:
            _SCORES.clear()
        hit = _SCORES[key] = (model, model.predict_score(table))
    return hit[1]


def scored_table(table: dict[str, np.ndarray], models: dict[str, ShopModel], inputs) -> dict[str, np.ndarray]:
    """``table`` plus a column for each input that is another model's score (upstream models first)."""
    out = dict(table)
    for name in inputs:
        if name in MODELS and name not in out:
            upstream = models[name]
            out = scored_table(out, models, upstream.spec.inputs)
            out[name] = scores(upstream, out)
    return out


@functools.lru_cache(maxsize=256)
def trained_at(world, change: str, release: int) -> dict[str, ShopModel]:
    """Every model as the readers have it after retraining at ``release`` on the version published then,
    read right: the readers of the change are retrained, in order; every other model is the world's."""
    tables = signal_tables(world, change, release, pin=release)
    models = upstream_models(world, change, release, pin=release)
    for spec in MODEL_SPECS:
        if spec.name not in readers(change):
            continue
        market = world.markets[spec.market]
        train = add_upstream_scores(rows_of(tables[spec.market], market.train_rows), models, spec.inputs)
        models[spec.name] = ShopModel(spec, random_state=world.seed).fit(train, market.labels[spec.label][market.train_rows])
    return models


def errors_at(world, change: str, release: int, trained: int, pin: int | None) -> dict[str, float]:
    """Every model's error at ``release``: readers trained at ``trained``, reading live or a copy pinned at ``pin``.

    The changed model itself (fraud_model, under ``fraud_retrain``) is its owners' version of the month,
    whatever its readers do."""
    return dict(_errors_at(world, change, check_release(release), trained, pin))


@functools.lru_cache(maxsize=512)
def _errors_at(world, change: str, release: int, trained: int, pin: int | None) -> tuple[tuple[str, float], ...]:
    tables = signal_tables(world, change, release, pin)
    models = dict(trained_at(world, change, trained))
    if change == "fraud_retrain":  # what the readers get from the payments team
        models["fraud_model"] = fraud_model_at(world, release, pin)
    out = []
    for name in MODELS:
        model = models[name]
        if name == upstream_change(change).signal:
            model = fraud_model_at(world, release, None)  # its owners serve the newest version
        market = world.markets[model.spec.market]
        table = scored_table(rows_of(tables[model.spec.market], market.test_rows), models, model.spec.inputs)
        out.append((name, model_error(world, model, table)))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def release_errors(world, change: str, policy: str) -> dict[str, tuple[float, ...]]:
    """Every model's error at each release 0..RELEASES-1, under ``policy``."""
    upstream_change(change)
    rows = [errors_at(world, change, r, *reading(policy, r)) for r in range(RELEASES)]
    return {name: tuple(row[name] for row in rows) for name in MODELS}


@functools.lru_cache(maxsize=64)
def fresh_errors(world, change: str, release: int) -> dict[str, float]:
    """Every model's error at ``release`` if its readers retrained right then on the newest version: the yardstick."""
    return errors_at(world, change, release, release, release)


def silent_break(world, change: str) -> dict[str, float]:
    """For each reader: its error reading live minus reading the pinned copy, at the release the change ships."""
    live, pinned = release_errors(world, change, "live"), release_errors(world, change, "pinned")
    return {m: live[m][CHANGE_RELEASE] - pinned[m][CHANGE_RELEASE] for m in readers(change)}


def staleness(world, change: str, release: int = LAST, policy: str = "pinned") -> dict[str, float]:
    """For each reader: its error under ``policy`` minus the yardstick's (retrained now on the newest version)."""
    now = release_errors(world, change, policy)
    fresh = fresh_errors(world, change, check_release(release))
    return {m: now[m][release] - fresh[m] for m in readers(change)}


def control_moves(world, changes=CHANGES, policies=POLICIES) -> float:
    """The largest move, from release 0, of any model that reads nothing downstream of the change, over
    ``changes``, ``policies`` and every release. Exactly 0.0 when the controls hold."""
    return max(abs(v - errors[m][0]) for change in changes for policy in policies
               for errors in [release_errors(world, change, policy)]
               for m in MODELS if m not in readers(change) and m != upstream_change(change).signal
               for v in errors[m])


@dataclass(frozen=True)
class Timeline:
    """One model's error at every release under one policy, and the yardstick at the release shown."""

    model: str
    role: str  # "reader", "upstream" (the changed model itself) or "control"
    errors: tuple[float, ...]


def timelines(world, change: str, policy: str) -> list[Timeline]:
    """Every model's timeline under ``policy``: the readers first, then the changed model, then the controls."""
    errors = release_errors(world, change, check_policy(policy))
    signal = upstream_change(change).signal

    def role(m):
        return "reader" if m in readers(change) else "upstream" if m == signal else "control"
    order = sorted(MODELS, key=lambda m: ("reader", "upstream", "control").index(role(m)))
    return [Timeline(m, role(m), errors[m]) for m in order]


def timeline_text(world, change: str, policy: str) -> str:
    """Every model's error, release by release, as short lines of text (for print and the tutor prompt)."""
    lines = [f"{change}, read {policy}: error against the ground truth at releases 0..{LAST} "
             f"(the new version ships at release {CHANGE_RELEASE}; lower is better)"]
    for t in timelines(world, change, policy):
        values = " ".join(f"{v:.2f}" for v in t.errors)
        unit = "£" if unit_of(t.model) == "GBP" else "pts"
        lines.append(f"  {t.model} ({t.role}, {unit}): {values}")
    return "\n".join(lines)


def jump_at_change(world, change: str, model: str, policy: str = "live") -> float:
    """How much ``model``'s error grows in the one release where the new version ships (after minus before).

    >>> from mldebt_lessons.shop.world import build_world
    >>> jump_at_change(build_world(), "fraud_retrain", "fraud_model_es", "pinned")
    0.0
    """
    errors = release_errors(world, change, check_policy(policy))[model]
    return errors[CHANGE_RELEASE] - errors[CHANGE_RELEASE - 1]


SHIFT_ALARM = 0.25  # the release monitor's alarm: a mean moved by more than this many standard deviations


def signal_columns(world, change: str, policy: str, release: int) -> tuple[np.ndarray, np.ndarray]:
    """(the signal as the readers trained on it, the signal as they are served it at ``release``), on the
    users of the market that reads it: what a release monitor compares. For ``fraud_retrain``, the signal is
    fraud_model's score on Spain's users."""
    trained, pin = reading(policy, check_release(release))
    if change == "fraud_retrain":
        es = world.new_market.features

        def score(at, p):
            return fraud_model_at(world, at, p).predict_score(es)
        return score(trained, trained), score(release, pin)
    signal = upstream_change(change).signal
    return (signal_tables(world, change, trained, trained)["home"][signal],
            signal_tables(world, change, release, pin)["home"][signal])


def signal_moved(trained: np.ndarray, served: np.ndarray, alarm: float = SHIFT_ALARM) -> bool:
    """A release monitor: has the served signal's mean moved by more than ``alarm`` standard deviations of
    the training signal? It needs no labels, so it can run the day a release lands.

    >>> signal_moved(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), signal_moved(np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 4.0]))
    (False, True)
    """
    trained, served = np.asarray(trained, dtype=float), np.asarray(served, dtype=float)
    spread = float(np.std(trained))
    return bool(abs(float(np.mean(served)) - float(np.mean(trained))) > alarm * spread)
