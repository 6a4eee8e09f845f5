"""Larkspur's logged history: the day each user's row was logged, and what the logs got wrong.

Models are retrained on rows logged over the last :data:`DAYS` days (day 0 is the oldest, today is
day ``DAYS``) and served today's values. The logs carry the faults §6 of the paper lists:

* ``session_count`` was logged as 0 on days 100-129 (the clickstream logger dropped sessions);
* ``avg_basket_value`` is logged only from day 60 on (missing before: the orders feed was not yet
  joined);
* ``days_since_signup`` changed code: version 1 counts days, version 2 (today's default) counts
  whole weeks; the history was logged with version 1;
* ``session_count_sampled`` is a cheaper stand-in for ``session_count``: it counts a one-in-five
  sample of the clickstream and multiplies by five.

The feature catalogue :data:`FEATURE_FACTS` records these facts (the data team's incident log), so
a configuration checker can compare a config with them. Built from the world's own data plus the
seeded streams 140 (the sample) and 141 (the days).

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> days = row_days(world)
>>> int(days.min()), int(days.max()) < DAYS
(0, True)
>>> logged = logged_table(world)
>>> bool(np.isnan(logged["avg_basket_value"][days < 60]).all()), float(logged["session_count"][(days >= 100) & (days <= 129)].max())
(True, 0.0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

DAYS = 180  # days of logged rows; today is day DAYS
SAMPLE_EVERY = 5  # the stand-in counts one session in five


@dataclass(frozen=True)
class FeatureFacts:
    """What the data team knows about one feature a config may name."""

    name: str
    source: str
    description: str
    available_from: int = 0  # first day with logged values
    bad_days: tuple[tuple[int, int], ...] = ()  # [first, last] days whose logged values are wrong
    versions: tuple[int, ...] = (1,)  # code versions; the last is what serving computes unless pinned
    stand_in_for: str | None = None  # a cheaper feature that may be served in place of this one


FEATURE_FACTS = {f.name: f for f in (
    FeatureFacts("user_age", "accounts_db", "age typed in at sign-up"),
    FeatureFacts("session_count", "clickstream", "visits in the last 30 days",
                 bad_days=((100, 129),)),
    FeatureFacts("days_since_signup", "accounts_db", "account age: v1 in days, v2 in whole weeks",
                 versions=(1, 2)),
    FeatureFacts("avg_basket_value", "orders_db", "mean order value (GBP)", available_from=60),
    FeatureFacts("country", "accounts_db", "billing country"),
    FeatureFacts("device", "accounts_db", "device used at sign-up"),
    FeatureFacts("session_count_sampled", "clickstream", "visits estimated from a 1-in-5 sample",
                 stand_in_for="session_count"),
)}


@functools.lru_cache(maxsize=8)
def row_days(world) -> np.ndarray:
    """The day (0 to DAYS - 1) each home user's row was logged."""
    rng = np.random.default_rng([world.seed, 141])
    return rng.integers(0, DAYS, len(world.raw["session_count"]))


@functools.lru_cache(maxsize=8)
def _sampled_sessions(world) -> np.ndarray:
    rng = np.random.default_rng([world.seed, 140])
    return SAMPLE_EVERY * rng.poisson(world.raw["session_count"] / SAMPLE_EVERY).astype(float)


def feature_version(world, name: str, version: int) -> np.ndarray:
    """Feature ``name`` computed by one code version (only ``days_since_signup`` has two)."""
    values = world.features[name]
    if name == "days_since_signup" and version == 2:
        return np.floor(values / 7.0)
    return values


@functools.lru_cache(maxsize=8)
def logged_table(world) -> dict[str, np.ndarray]:
    """Every home user's features as the logs recorded them on the row's day: NaN where nothing was
    logged yet, the mis-logged zeros, days_since_signup in version 1. Do not modify (shared)."""
    days = row_days(world)
    table = {name: np.array(values, copy=True) for name, values in world.features.items()}
    table["session_count_sampled"] = _sampled_sessions(world)
    for facts in FEATURE_FACTS.values():
        column = table[facts.name]
        if facts.available_from > 0:
            column[days < facts.available_from] = np.nan
        for first, last in facts.bad_days:
            column[(days >= first) & (days <= last)] = 0.0
    table["days_since_signup"] = feature_version(world, "days_since_signup", 1)
    return table


def serving_table(world, versions: dict[str, int] | None = None,
                  serve_with: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """Every home user's features as serving computes them today: correct values, each feature in its
    pinned version (else its latest), and a stand-in's values under the name it stands in for."""
    table = dict(world.features)
    table["session_count_sampled"] = _sampled_sessions(world)
    for name, facts in FEATURE_FACTS.items():
        if len(facts.versions) > 1:
            table[name] = feature_version(world, name, (versions or {}).get(name, facts.versions[-1]))
    for name, stand_in in (serve_with or {}).items():
        table[name] = table[stand_in]
    return table
