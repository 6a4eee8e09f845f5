"""Larkspur's churn preparation as it was first written: arrays and dicts passed from function to function.

Every statistic is computed by hand, and the caller decides on which rows (``fit_rows``): nothing
stops a caller from passing every row, validation rows included. Serving re-implements the
preparation in :func:`serve_by_hand`, as the serving team wrote it, in one of :data:`SERVING_RECODES`.

>>> import numpy as np
>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.preparation.data import prep_table
>>> world = build_world()
>>> table, y = prep_table(world), world.labels["churned"]
>>> model = train(table, y, world.train_rows, fit_rows=world.train_rows)
>>> sorted(model)
['area_rates', 'estimator', 'stats', 'vendor_picked']
>>> same = serve_by_hand(model, table, world.test_rows, recode="as trained")
>>> bool(np.allclose(same, score(model, table, world.test_rows)))
True
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from mldebt_lessons.shop.preparation.data import AREA, CATEGORY, NUMERIC

AREA_PRIOR = 10.0  # an area's churn rate is shrunk towards the overall rate as if it had 10 more users
N_PICKED = 10  # vendor columns kept, those most correlated with churn
SIGNUP_FORM_ORDER = ("app", "mobile_web", "desktop")  # the order the serving team typed the devices in
BATCH = 50  # serving scores users in batches of this many, as they arrive
SERVING_RECODES = {
    "as trained": "re-implemented exactly, with the training statistics",
    "batch statistics": "standardises each serving batch of 50 with that batch's own mean and spread",
    "fill value": "fills a blank age or basket with 0 instead of the training median",
    "category order": "lists the devices in the sign-up form's order (app, mobile_web, desktop)",
}


def fit_stats(table: dict, rows: np.ndarray) -> dict:
    """Median, mean and spread of each numeric column, and the devices seen, on ``rows``."""
    stats = {"median": {}, "mean": {}, "std": {}, "devices": sorted(set(table[CATEGORY][rows].tolist()))}
    for name in NUMERIC:
        x = table[name][rows]
        median = float(np.nanmedian(x))
        filled = np.where(np.isnan(x), median, x)
        stats["median"][name], stats["mean"][name], stats["std"][name] = median, filled.mean(), filled.std()
    return stats


def area_churn_rates(table: dict, y: np.ndarray, rows: np.ndarray) -> dict:
    """Each postcode area's churn rate on ``rows``, shrunk towards the overall rate (key ``None``)."""
    overall = float(y[rows].mean())
    areas, codes = np.unique(table[AREA][rows], return_inverse=True)
    churned = np.bincount(codes, weights=y[rows], minlength=len(areas))
    users = np.bincount(codes, minlength=len(areas))
    rates = (churned + AREA_PRIOR * overall) / (users + AREA_PRIOR)
    return {None: overall, **dict(zip(areas.tolist(), rates.tolist()))}


def pick_vendor_columns(table: dict, y: np.ndarray, rows: np.ndarray, k: int = N_PICKED) -> list[int]:
    """The ``k`` vendor columns most correlated with churn on ``rows`` (by absolute correlation)."""
    x = table["vendor"][rows]
    x = x - x.mean(axis=0)
    yc = y[rows] - y[rows].mean()
    r = np.abs(x.T @ yc) / np.sqrt((x ** 2).sum(axis=0) * (yc ** 2).sum())
    return sorted(np.argsort(-r, kind="stable")[:k].tolist())


def design(model: dict, table: dict, rows: np.ndarray) -> np.ndarray:
    """The matrix the estimator reads: numbers standardised, devices one-hot, then the optional inputs."""
    stats = model["stats"]
    columns = []
    for name in NUMERIC:
        x = table[name][rows]
        x = np.where(np.isnan(x), stats["median"][name], x)
        columns.append((x - stats["mean"][name]) / stats["std"][name])
    columns += [(table[CATEGORY][rows] == d).astype(float) for d in stats["devices"]]
    if model["area_rates"] is not None:
        rates = model["area_rates"]
        columns.append(np.array([rates.get(a, rates[None]) for a in table[AREA][rows].tolist()]))
    if model["vendor_picked"] is not None:
        columns += list(table["vendor"][rows][:, model["vendor_picked"]].T)
    return np.column_stack(columns)


def train(table: dict, y: np.ndarray, train_rows: np.ndarray,
          fit_rows: np.ndarray, area: bool = False,
          vendor: bool = False) -> dict:
    """Compute the preparation's statistics on ``fit_rows``, then fit
    the churn model on ``train_rows``.

    ``area`` adds the postcode area's churn rate; ``vendor`` adds the
    picked vendor columns.
    """
    model = {
        "stats": fit_stats(table, fit_rows),
        "area_rates":
            area_churn_rates(table, y, fit_rows) if area else None,
        "vendor_picked":
            pick_vendor_columns(table, y, fit_rows) if vendor else None,
        "estimator": None,
    }
    X = design(model, table, train_rows)
    estimator = LogisticRegression(max_iter=1000)
    model["estimator"] = estimator.fit(X, y[train_rows])
    return model


def score(model: dict, table: dict, rows: np.ndarray) -> np.ndarray:
    """Churn scores of ``rows``, prepared with the model's own statistics."""
    return model["estimator"].predict_proba(design(model, table, rows))[:, 1]


def serve_by_hand(model: dict, table: dict, rows: np.ndarray, recode: str = "batch statistics",
                  batch_size: int = BATCH) -> np.ndarray:
    """Churn scores as the serving code computes them: the preparation re-implemented, ``batch_size`` users at a time.

    Reads the estimator's coefficients, as serving code that cannot load the training code does; it
    serves the model of numbers and devices only (trained with ``area`` and ``vendor`` off).
    """
    if model["area_rates"] is not None or model["vendor_picked"] is not None:
        raise ValueError("the serving code knows only numbers and devices: train without area and vendor")
    if recode not in SERVING_RECODES:
        raise ValueError(f"unknown recode {recode!r}; choose one of: {', '.join(SERVING_RECODES)}")
    est = model["estimator"]
    stats = model["stats"]
    scores = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        columns = []
        for name in NUMERIC:
            x = table[name][batch]
            fill = 0.0 if recode == "fill value" else stats["median"][name]
            x = np.where(np.isnan(x), fill, x)
            if recode == "batch statistics":
                columns.append((x - x.mean()) / x.std())
            else:
                columns.append((x - stats["mean"][name]) / stats["std"][name])
        devices = SIGNUP_FORM_ORDER if recode == "category order" else stats["devices"]
        columns += [(table[CATEGORY][batch] == d).astype(float) for d in devices]
        z = np.column_stack(columns) @ est.coef_[0] + est.intercept_[0]
        scores.append(1.0 / (1.0 + np.exp(-z)))
    return np.concatenate(scores)
