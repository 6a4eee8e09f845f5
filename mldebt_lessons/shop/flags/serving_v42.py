"""Larkspur's checkout serving code, release 42: the release that reuses the flag name `fast_lane`.

Release 42 removes the ended 2019 ``fast_lane`` experiment and reuses the flag's name for a new
feature: a one-page checkout for app users. The flag now changes only which page an order sees.

>>> import numpy as np
>>> from mldebt_lessons.shop.flags.fleet import flags_of
>>> orders = {"basket": np.array([50.0]), "fraud_score": np.array([0.9]), "churn_score": np.array([0.2]),
...           "click_score": np.array([0.7]), "device": np.array(["app"])}
>>> serve(orders, flags_of("srv-1"))["held"].tolist()
[True]
"""

from __future__ import annotations

import numpy as np

RELEASE = 42
FRAUD_THRESHOLD = 0.15


def fraud_hold(orders, flags):
    """Hold an order for manual review when the fraud model's score is high."""
    threshold = FRAUD_THRESHOLD
    if flags["strict_fraud"]:  # 2021 experiment: a stricter threshold
        threshold = 0.10
    return orders["fraud_score"] >= threshold


def price_orders(orders, flags):
    """What each order is charged, in pounds."""
    price = orders["basket"].copy()
    if flags["winback_discount"]:  # 2022 experiment: 10% off for customers about to leave
        price = np.where(orders["churn_score"] >= 0.5, 0.9 * price, price)
    return price


def carousel(orders, flags):
    """Whether the order's confirmation page shows the recommender's carousel, and its ranking key."""
    shown = orders["click_score"] >= 0.5
    if flags["app_carousel"]:  # 2020: the carousel on the app only
        shown = shown & (orders["device"] == "app")
    rank = orders["click_score"]
    if flags["holiday_ranking"]:  # 2020 ranking tweak: big baskets first
        rank = orders["click_score"] * np.log1p(orders["basket"])
    return shown, rank


def checkout(orders, flags):
    """Hold, price and page of every order."""
    held = fraud_hold(orders, flags)
    price = price_orders(orders, flags)
    page = np.full(len(price), "standard")
    if flags["fast_lane"]:  # 2026: the one-page checkout for app users
        app = orders["device"] == "app"
        page = np.where(app, "one-page", "standard")
    return held, price, page


def serve(orders, flags):
    """Every decision the checkout makes for ``orders`` under ``flags``."""
    held, price, page = checkout(orders, flags)
    shown, rank = carousel(orders, flags)
    return {"held": held, "price": price, "page": page, "carousel": shown, "rank": rank}
