"""An hour of Larkspur's orders, minute by minute, drawn from the world's own users.

Who orders is drawn with the world's seed (stream 110: busier users order more often; each order's
basket is the user's typical basket give or take); each order goes to one of the eight checkout
servers at random (stream 111). An order carries the scores of the world's fitted models for its
user, and whether the user's account is fraudulent (the world's label).

>>> from mldebt_lessons.shop.world import build_world
>>> orders = order_stream(build_world())
>>> len(orders["basket"]) == MINUTES * ORDERS_PER_MINUTE, int(orders["minute"].max())
(True, 59)
"""

from __future__ import annotations

import functools

import numpy as np

from mldebt_lessons.shop.flags.fleet import SERVERS

MINUTES = 60
ORDERS_PER_MINUTE = 40


@functools.lru_cache(maxsize=8)
def _stream(world) -> dict[str, np.ndarray]:
    n = MINUTES * ORDERS_PER_MINUTE
    raw, features = world.raw, world.features
    customers = np.flatnonzero(~np.isnan(raw["avg_basket_value"]))
    weight = 1.0 + raw["session_count"][customers]
    rng = np.random.default_rng([world.seed, 110])
    user = rng.choice(customers, size=n, p=weight / weight.sum())
    basket = np.round(raw["avg_basket_value"][user] * rng.lognormal(0.0, 0.3, n), 2)
    server = np.random.default_rng([world.seed, 111]).integers(0, len(SERVERS), n)
    scores = {name: world.models[name].predict_score(features)
              for name in ("fraud_model", "churn_model", "recommender")}
    out = {
        "user": user, "minute": np.repeat(np.arange(MINUTES), ORDERS_PER_MINUTE),
        "server": np.array(SERVERS)[server], "basket": basket, "device": raw["device"][user],
        "fraud": world.labels["fraud"][user].astype(bool), "fraud_score": scores["fraud_model"][user],
        "churn_score": scores["churn_model"][user], "click_score": scores["recommender"][user],
    }
    for column in out.values():
        column.setflags(write=False)
    return out


def order_stream(world) -> dict[str, np.ndarray]:
    """The hour's orders as columns (one row an order), read-only and shared: copy before changing."""
    return _stream(world)


def revenue(orders: dict[str, np.ndarray], decisions: dict[str, np.ndarray]) -> np.ndarray:
    """What each order earns Larkspur: its price if the account is genuine; if it is fraudulent, nothing
    when the order was held (review catches it) and minus the basket's value when it was shipped."""
    return np.where(orders["fraud"], np.where(decisions["held"], 0.0, -orders["basket"]), decisions["price"])
