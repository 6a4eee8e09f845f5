"""Larkspur over time: monthly releases of signals that other teams own, and three changes they ship.

The models read signals they do not own. Each month (a *release*) every upstream team publishes its
signal again, and at release :data:`CHANGE_RELEASE` three teams ship a new version:

* ``bot_filter`` -- the web analytics team's ``session_count`` has always counted the sessions that
  bots open on users' accounts (browser prefetchers, link previewers, a shopping-assistant extension).
  Bots ride on real visits, so a user's bot sessions grow with their own (stream 40), and bot traffic
  grows every month. At the change the team "fixes" the signal: version 2 counts human sessions only.
* ``currency_table`` -- ``orders_db`` records each basket in its own currency (pounds in the UK, euros
  elsewhere, Spain included); the finance team's exchange-rate table (a lookup table: one rate per
  currency, the paper's "data-dependent lookup table") turns it into pounds. The euro
  drifts every month (stream 41), and the table is republished with the month's rate. At the change
  finance switches the table to the convention the markets quote (euros per pound, not pounds per
  euro), so code that multiplies by the table now gets the wrong number.
* ``fraud_retrain`` -- ``fraud_model_es`` reads ``fraud_model``'s score. At the change the payments
  team retrains ``fraud_model`` with every fraud case counted :data:`FRAUD_UPWEIGHT` times, so its
  review queue catches more; its scores are no longer probabilities.

The ground truth does not move: users, their human sessions, their spending in pounds and the labels
are the world's own, at every release. Only what the upstream signals say about them changes, so any
change in a model's quality comes from what it reads.

A reader sees a signal in one of two ways: *live* (whatever the team publishes this month, read with
the code written at release 0), or a *copy pinned* at some release (that month's version: its
definition, its table or its model, read with the code that goes with it).

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> live = signal_tables(world, "bot_filter", 6, pin=None)["home"]["session_count"]
>>> pinned = signal_tables(world, "bot_filter", 6, pin=0)["home"]["session_count"]
>>> bool((live == world.raw["session_count"]).all()), bool((pinned >= live).all())
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.features import feature_table
from mldebt_lessons.shop.models import ShopModel, model_spec

RELEASES = 7  # releases 0..6, one a month
CHANGE_RELEASE = 4  # the release at which each upstream team ships its new version
BOT_STREAM, FX_STREAM = 40, 41  # the random streams of this module: np.random.default_rng([seed, K])

BOT_START, BOT_GROWTH = 0.5, 0.1  # bot sessions per human session at release 0, and the monthly growth
GBP_PER_EUR_START = 0.86  # the exchange rate at release 0
EURO_DRIFT, EURO_NOISE = -0.015, 0.01  # monthly drift and noise of log(pounds per euro)
EURO_COUNTRIES = ("DE", "FR", "IE", "NL", "ES")  # the UK pays in pounds
FRAUD_UPWEIGHT = 10.0  # fraud_model version 2 counts each fraud case this many times


@dataclass(frozen=True)
class UpstreamChange:
    """One upstream signal, who owns it, and the new version its owner ships at :data:`CHANGE_RELEASE`."""

    name: str
    signal: str  # the node of the shop's graph whose meaning changes
    owner: str
    what: str  # the signal, in words
    drift: str  # what changes month by month, before and after the change
    change: str  # what the new version does


UPSTREAM_CHANGES = (
    UpstreamChange("bot_filter", "session_count", "web analytics team", "sessions in the last 30 days",
                   "bot sessions ride on users' real visits, and bot traffic grows",
                   "version 2 drops bot sessions: it counts human sessions only"),
    UpstreamChange("currency_table", "avg_basket_value", "finance team",
                   "mean basket in pounds; euro baskets are converted with finance's exchange-rate table, a "
                   "lookup table of one rate per currency",
                   "the euro drifts, and the table is republished with the month's rate",
                   "the table switches to euros per pound (the markets' convention) instead of pounds per euro"),
    UpstreamChange("fraud_retrain", "fraud_model", "payments team", "fraud_model's score, read by fraud_model_es",
                   "nothing: the fraud model only changes when its team retrains it",
                   f"fraud_model is retrained with every fraud case counted {FRAUD_UPWEIGHT:g} times, so its "
                   "queue catches more; its scores are no longer probabilities"),
)
UPSTREAM_CHANGES_BY_NAME = {c.name: c for c in UPSTREAM_CHANGES}


def upstream_change(name: str) -> UpstreamChange:
    """Look up an upstream change by name, with a one-line error naming the valid ones."""
    try:
        return UPSTREAM_CHANGES_BY_NAME[name]
    except KeyError:
        raise unknown_choice("upstream change", name, UPSTREAM_CHANGES_BY_NAME) from None


def check_release(release) -> int:
    """``release`` as an int in 0..RELEASES-1, or a one-line error."""
    if isinstance(release, bool) or not isinstance(release, (int, np.integer)) or not 0 <= release < RELEASES:
        raise unknown_choice("release", release, [str(r) for r in range(RELEASES)])
    return int(release)


def version_at(release: int) -> int:
    """The version an upstream team publishes at ``release``: 1 before the change, 2 from it on.

    >>> version_at(0), version_at(CHANGE_RELEASE)
    (1, 2)
    """
    return 1 if check_release(release) < CHANGE_RELEASE else 2


# --- the bot sessions (stream 40) ---

@functools.lru_cache(maxsize=8)
def _bot_share_per_user(seed: int, n_users: int) -> np.ndarray:
    # How many bot sessions each user's real visit brings, relative to others (mean 1).
    return np.random.default_rng([seed, BOT_STREAM]).gamma(4.0, 0.25, n_users)


def bot_rate(release: int) -> float:
    """Bot sessions per human session, on average, at ``release`` (it grows every month).

    >>> bot_rate(0), round(bot_rate(6), 2)
    (0.5, 1.1)
    """
    return BOT_START + BOT_GROWTH * check_release(release)


def bot_sessions(world, release: int, market: str = "home") -> np.ndarray:
    """Each user's bot sessions in the 30 days before ``release``."""
    raw = world.markets[market].raw
    human = raw["session_count"]
    seed = world.seed if market == "home" else world.seed + 1_000_003
    return np.round(bot_rate(release) * human * _bot_share_per_user(seed, len(human)))


def session_count_at(world, release: int, version: int, market: str = "home") -> np.ndarray:
    """``session_count`` as ``version`` defines it, on the traffic of ``release``: 1 counts bots, 2 does not."""
    human = world.markets[market].raw["session_count"]
    return human + bot_sessions(world, release, market) if version == 1 else human.copy()


# --- the exchange rate (stream 41) and finance's table ---

@functools.lru_cache(maxsize=8)
def _gbp_per_eur(seed: int) -> tuple[float, ...]:
    steps = EURO_DRIFT + EURO_NOISE * np.random.default_rng([seed, FX_STREAM]).standard_normal(RELEASES - 1)
    return tuple(float(v) for v in GBP_PER_EUR_START * np.exp(np.concatenate([[0.0], np.cumsum(steps)])))


def gbp_per_eur(world, release: int) -> float:
    """The real exchange rate in the month of ``release``, in pounds per euro."""
    return _gbp_per_eur(world.seed)[check_release(release)]


def table_value(world, release: int) -> float:
    """What finance's table says for the euro at ``release``: pounds per euro in version 1, euros per pound in 2."""
    rate = gbp_per_eur(world, release)
    return rate if version_at(release) == 1 else 1.0 / rate


def basket_at(world, release: int, pin: int | None, market: str = "home") -> np.ndarray:
    """``avg_basket_value`` in pounds as a reader computes it at ``release``.

    The basket was paid in euros at this month's real rate. A live reader (``pin=None``) multiplies by
    whatever the table says this month, as its code has done since release 0; a reader pinned at
    ``pin`` uses that month's table and reads it the way it was published.
    """
    raw = world.markets[market].raw
    euro = np.isin(raw["country"], EURO_COUNTRIES)
    if pin is None:
        factor = table_value(world, release)
    else:
        factor = gbp_per_eur(world, pin)  # read as published: whichever convention, this is what it means
    # euros paid (pounds / this month's rate) times the reader's factor, as one ratio: a reader whose
    # factor is this month's real rate gets the pound basket exactly, to the last bit
    return np.where(euro, raw["avg_basket_value"] * (factor / gbp_per_eur(world, release)), raw["avg_basket_value"])


# --- fraud_model's second version ---

def fraud_model_v2(world) -> ShopModel:
    """fraud_model as the payments team retrains it at the change: each fraud case counted ``FRAUD_UPWEIGHT`` times."""
    return _fraud_model_v2(world)


@functools.lru_cache(maxsize=4)
def _fraud_model_v2(world) -> ShopModel:
    y = world.labels["fraud"][world.train_rows]
    weights = np.where(y == 1, FRAUD_UPWEIGHT, 1.0)
    return ShopModel(model_spec("fraud_model"), random_state=world.seed).fit(world.train_table, y, sample_weight=weights)


def fraud_model_at(world, release: int, pin: int | None) -> ShopModel:
    """The fraud_model a reader gets: this month's (live) or the one of the month it pinned."""
    at = check_release(release) if pin is None else check_release(pin)
    return world.models["fraud_model"] if version_at(at) == 1 else fraud_model_v2(world)


# --- what a reader sees ---

def signal_tables(world, change: str, release: int, pin: int | None) -> dict[str, dict[str, np.ndarray]]:
    """Every market's feature table at ``release``, with the changed signal as a live reader (``pin=None``)
    or a reader pinned at release ``pin`` sees it. Every other column is the world's own.

    For ``fraud_retrain`` the tables are the world's: what changes is the model (:func:`fraud_model_at`).
    """
    upstream_change(change)
    check_release(release)
    out = {}
    for name, market in world.markets.items():
        table = dict(market.features)
        if change == "bot_filter":
            version = version_at(release) if pin is None else version_at(pin)
            raw = dict(market.raw, session_count=session_count_at(world, release, version, name))
            table["session_count"] = feature_table(raw, world.reference)["session_count"]
        elif change == "currency_table":
            raw = dict(market.raw, avg_basket_value=basket_at(world, release, pin, name))
            table["avg_basket_value"] = feature_table(raw, world.reference)["avg_basket_value"]
        out[name] = table
    return out


def upstream_models(world, change: str, release: int, pin: int | None) -> dict[str, ShopModel]:
    """The world's models, with the upstream model a reader gets in place (only ``fraud_retrain`` changes one)."""
    models = dict(world.models)
    if upstream_change(change).name == "fraud_retrain":
        models["fraud_model"] = fraud_model_at(world, release, pin)
    return models


def held_out(world, tables: dict[str, dict], market: str) -> dict[str, np.ndarray]:
    """The held-out rows of ``market`` from ``tables``."""
    return rows_of(tables[market], world.markets[market].test_rows)
