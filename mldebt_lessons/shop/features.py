"""The feature layer: raw columns become model inputs, and the changes a team might make.

A *change* is an edit to one feature's preprocessing, as an upstream team might ship it
without telling the model owners (the paper's CACE: Changing Anything Changes Everything).

Example
-------
>>> import numpy as np
>>> raw = {"user_age": np.array([20.0, np.nan, 60.0])}
>>> ref = reference_stats(raw, np.arange(3))
>>> apply_feature(raw, "user_age", ref)
array([20., 40., 60.])
>>> apply_feature(raw, "user_age", ref, change="units")
array([240., 480., 720.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice


@dataclass(frozen=True)
class Feature:
    """One model input: where it comes from, what it means, how missing values are filled."""

    name: str
    source: str
    kind: str  # "numeric" or "categorical"
    unit: str
    description: str
    has_missing: bool = False
    new_unit: tuple[str, float] | None = None  # the unit a "units" change switches to, and its factor


FEATURES = (
    Feature("user_age", "accounts_db", "numeric", "years", "age typed in at sign-up",
            has_missing=True, new_unit=("months", 12.0)),
    Feature("session_count", "clickstream", "numeric", "sessions / 30 days",
            "visits in the last 30 days", new_unit=("sessions / week", 7 / 30)),
    Feature("days_since_signup", "accounts_db", "numeric", "days", "how long the user has had an account",
            new_unit=("weeks", 1 / 7)),
    Feature("avg_basket_value", "orders_db", "numeric", "GBP", "mean order value",
            has_missing=True, new_unit=("pence", 100.0)),
    Feature("country", "accounts_db", "categorical", "", "billing country"),
    Feature("device", "accounts_db", "categorical", "", "device used at sign-up"),
)
FEATURES_BY_NAME = {f.name: f for f in FEATURES}

CHANGES = {
    "rescale": "min-max rescale to the range 0..1",
    "log": "log-transform: log(1 + x)",
    "clip": "clip outliers to the 1st..99th percentile",
    "units": "switch units (for example years to months)",
    "impute": "fill missing values with 0 instead of the median",
    "rename": "rename one category (for example 'mobile_web' becomes 'mweb')",
    "merge_rare": "merge the two rarest categories into 'other'",
}
NUMERIC_CHANGES = ("rescale", "log", "clip", "units", "impute")
CATEGORICAL_CHANGES = ("rename", "merge_rare")

RENAMES = {"device": ("mobile_web", "mweb"), "country": ("UK", "GB")}


def feature(name: str) -> Feature:
    """Look up a feature by name, with a one-line error naming the valid ones."""
    try:
        return FEATURES_BY_NAME[name]
    except KeyError:
        raise unknown_choice("feature", name, FEATURES_BY_NAME) from None


def changes_for(name: str) -> tuple[str, ...]:
    """The changes feature ``name`` can take."""
    f = feature(name)
    if f.kind == "categorical":
        return CATEGORICAL_CHANGES
    return tuple(c for c in NUMERIC_CHANGES if c != "impute" or f.has_missing)


def check_change(name: str, change: str) -> None:
    """Raise a one-line :class:`CourseInputError` if ``name`` cannot take ``change``."""
    allowed = changes_for(name)
    if change not in allowed:
        if change in CHANGES:
            raise CourseInputError(
                f"feature '{name}' cannot take the change '{change}'; its changes are: {', '.join(allowed)}")
        raise unknown_choice("change", change, allowed)


def reference_stats(raw: dict[str, np.ndarray], train_rows: np.ndarray) -> dict[str, dict]:
    """Statistics of each numeric column on the training rows, used to fill and clip."""
    stats = {}
    for f in FEATURES:
        if f.kind != "numeric" or f.name not in raw:
            continue
        x = raw[f.name][train_rows]
        lo, p1, median, p99, hi = np.nanpercentile(x, [0, 1, 50, 99, 100])
        stats[f.name] = {"min": lo, "p1": p1, "median": median, "p99": p99, "max": hi}
    return stats


def apply_feature(raw: dict[str, np.ndarray], name: str, reference: dict[str, dict],
                  change: str | None = None) -> np.ndarray:
    """Compute feature ``name`` from the raw columns, optionally with one ``change`` applied."""
    f = feature(name)
    if change is not None:
        check_change(name, change)
    x = raw[name]
    if f.kind == "categorical":
        return _categorical(x, name, change)
    stats = reference[name]
    filled = np.where(np.isnan(x), 0.0 if change == "impute" else stats["median"], x)
    if change == "rescale":
        return (filled - stats["min"]) / (stats["max"] - stats["min"])
    if change == "log":
        return np.log1p(np.maximum(filled, 0.0))
    if change == "clip":
        return np.clip(filled, stats["p1"], stats["p99"])
    if change == "units":
        return filled * f.new_unit[1]
    return filled


def _categorical(x: np.ndarray, name: str, change: str | None) -> np.ndarray:
    if change == "rename":
        old, new = RENAMES[name]
        return np.where(x == old, new, x)
    if change == "merge_rare":
        values, counts = np.unique(x, return_counts=True)
        rare = values[np.argsort(counts, kind="stable")[:2]]
        return np.where(np.isin(x, rare), "other", x)
    return x.copy()


def feature_table(raw: dict[str, np.ndarray], reference: dict[str, dict],
                  changed: tuple[str, str] | None = None) -> dict[str, np.ndarray]:
    """Every feature, computed from the raw columns; ``changed`` is an optional (feature, change)."""
    if changed is not None:
        feature(changed[0])
        check_change(*changed)
    return {f.name: apply_feature(raw, f.name, reference,
                                  changed[1] if changed and changed[0] == f.name else None)
            for f in FEATURES}
