"""The average basket, in two languages: SQL for training, Python (numpy) for serving.

Larkspur's orders table (``orders_db``) has one row per order; a cancelled order keeps its row with a NULL
amount. The loyalty team trains its ltv model on a feature computed in SQL (:data:`BASKET_SQL`, run with
Python's built-in ``sqlite3``): ``AVG`` skips NULLs. The serving team, who could not run SQL in the request
path, rewrote it in numpy (:func:`basket_python`) and, as habit goes, filled the missing amounts with 0
first (``np.nan_to_num``): every cancelled order now counts as a basket of £0. Both are reasonable; they disagree.
The fix is one definition in one language (:func:`basket_one_definition`: serving runs the same query).

>>> orders = {"user_id": np.array([0, 0, 1]), "amount_pence": np.array([1000, np.nan, 2500])}
>>> basket_sql(orders, 3).tolist(), basket_python(orders, 3).tolist()
([10.0, 25.0, nan], [5.0, 25.0, nan])
"""

from __future__ import annotations

import sqlite3

import numpy as np

ORDERS_STREAM = 130  # the random stream the order lines are drawn from
CANCEL_RATE = 0.1  # share of orders cancelled: their amount is NULL
MEAN_EXTRA_ORDERS = 2.0  # a user who has ordered has 1 + Poisson(2) orders

BASKET_SQL = "SELECT user_id, AVG(amount_pence) / 100.0 FROM orders GROUP BY user_id"


def make_orders(world) -> dict[str, np.ndarray]:
    """One entry per order of the home market's users: ``user_id`` (the user's row) and ``amount_pence``
    (whole pence; NaN, a NULL in SQL, when the order was cancelled). Users with no order yet have none."""
    rng = np.random.default_rng([world.seed, ORDERS_STREAM])
    basket = world.raw["avg_basket_value"]
    users = np.flatnonzero(~np.isnan(basket))
    counts = 1 + rng.poisson(MEAN_EXTRA_ORDERS, len(users))
    user_id = np.repeat(users, counts)
    pence = np.round(100 * basket[user_id] * rng.lognormal(0.0, 0.25, len(user_id)))
    pence[rng.random(len(user_id)) < CANCEL_RATE] = np.nan
    return {"user_id": user_id, "amount_pence": pence}


def run_sql(orders: dict[str, np.ndarray], query: str = BASKET_SQL) -> list[tuple]:
    """Load ``orders`` into an in-memory SQLite database and run ``query`` on it (nothing touches disk)."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE TABLE orders (user_id INTEGER NOT NULL, amount_pence INTEGER)")
        rows = ((int(u), None if np.isnan(a) else int(a)) for u, a in zip(orders["user_id"], orders["amount_pence"]))
        con.executemany("INSERT INTO orders VALUES (?, ?)", rows)
        return con.execute(query).fetchall()
    finally:
        con.close()


def basket_sql(orders: dict[str, np.ndarray], n_users: int) -> np.ndarray:
    """The training feature: SQL's ``AVG`` over each user's orders, in pounds; NaN for no amount at all."""
    out = np.full(n_users, np.nan)
    for user, value in run_sql(orders):
        out[user] = np.nan if value is None else value
    return out


def basket_python(orders: dict[str, np.ndarray], n_users: int) -> np.ndarray:
    """The serving feature, rewritten in numpy: missing amounts filled with 0, then the mean, in pounds."""
    users = np.asarray(orders["user_id"])
    amounts = np.nan_to_num(np.asarray(orders["amount_pence"], dtype=float), nan=0.0)
    total = np.bincount(users, weights=amounts, minlength=n_users)
    count = np.bincount(users, minlength=n_users)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan) / 100.0


def basket_one_definition(orders: dict[str, np.ndarray], n_users: int) -> np.ndarray:
    """The fix: serving runs the very query training ran (one definition, one language)."""
    return basket_sql(orders, n_users)
