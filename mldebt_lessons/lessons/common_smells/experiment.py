"""What lesson 13 measures: the paper's three code smells, each on Larkspur's own code, smelly and fixed.

* **plain-old-data**: the fraud hold rule compares the scoring service's log-odds with a threshold the
  config gives as a probability (:func:`threshold_outcome`); small types make the slip raise;
* **multiple languages**: the average basket in SQL for training and in numpy for serving
  (:func:`basket_outcome`);
* **prototype**: a notebook's session count in production, after the accounts team erases accounts
  (:func:`session_outcome`).

Every function takes a world and answers plain numbers; nothing is written to disk (SQLite runs in memory).

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> smelly, fixed = (outcome(world, SMELLS[0], v) for v in VERSIONS)
>>> smelly.flipped > 0 == fixed.flipped
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.models import ShopModel, model_spec
from mldebt_lessons.shop.smells.orders import basket_one_definition, basket_python, basket_sql, make_orders
from mldebt_lessons.shop.smells.sessions import (
    clickstream_events,
    erase_accounts,
    ids_are_row_numbers,
    session_count_by_id,
    session_count_prototype,
)
from mldebt_lessons.shop.smells.thresholds import (
    FRAUD_HOLD_THRESHOLD,
    LogOdds,
    Probability,
    fraud_margins,
    hold_orders_plain,
    hold_orders_typed,
    hold_orders_typed_slip,
    log_odds_of,
)
from mldebt_lessons.shop.world import build_world

SMELLS = ("plain-old-data", "multiple languages", "prototype")
VERSIONS = ("smelly", "fixed")
SMELL_HELP = {
    "plain-old-data": "The fraud hold rule compares the scoring service's log-odds with the config's threshold, "
                      "a probability (0.15). Fixed: Probability and LogOdds types, converted once.",
    "multiple languages": "The average basket: SQL's AVG (skips cancelled orders' NULL amounts) for training, "
                          "numpy with NULLs filled as 0 for serving. Fixed: serving runs the same query.",
    "prototype": "A notebook's session count (ids assumed to be row numbers) in production; the accounts team "
                 "erases 2% of accounts. Fixed: the count joined on the user id.",
}


def check_smell(smell: str) -> None:
    if smell not in SMELLS:
        raise unknown_choice("smell", smell, SMELLS)


def check_version(version: str) -> None:
    if version not in VERSIONS:
        raise unknown_choice("version", version, VERSIONS)


@dataclass(frozen=True)
class Outcome:
    """One smell, one version, in one world."""

    smell: str
    version: str
    consumer: str  # whose decisions move
    users: int  # how many users the decisions are measured on
    wrong_inputs: float  # share of those users whose input to the decision is not what it should be
    flipped: float  # share of those users whose decision differs from the right one
    test: str  # the one small test of the lesson, run on this version: "passes" or "fails: ..."


# -- plain-old-data -------------------------------------------------------------------------------

def run_test(test) -> str:
    """Run a test function: "passes", or "fails: " and what it raised."""
    try:
        test()
    except AssertionError:
        return "fails: assertion"
    except Exception as error:
        return f"fails: {type(error).__name__}"
    return "passes"


RISKS = np.array([0.05, 0.10, 0.20, 0.40, 0.60])  # the test's users, by fraud risk


def threshold_test(version: str):
    """The small test the payments team should have had: at a 15% threshold, users at 20% and 40% risk are held."""
    check_version(version)
    margins = log_odds_of(RISKS)

    def test():
        if version == "smelly":
            held = hold_orders_plain(margins, FRAUD_HOLD_THRESHOLD)
        else:
            held = hold_orders_typed(LogOdds(margins), Probability(FRAUD_HOLD_THRESHOLD))
        assert held.tolist() == (RISKS >= FRAUD_HOLD_THRESHOLD).tolist()
    return test


def slip_is_caught() -> bool:
    """Does the typed code refuse the plain version's slip (log-odds compared with a probability)?"""
    try:
        hold_orders_typed_slip(LogOdds(log_odds_of(RISKS)), Probability(FRAUD_HOLD_THRESHOLD))
    except TypeError:
        return True
    return False


def held_by_probability(world, threshold: float = FRAUD_HOLD_THRESHOLD) -> np.ndarray:
    """The rule as meant: hold the users whose fraud risk (a probability) reaches ``threshold``."""
    return world.models["fraud_model"].predict_score(world.features) >= threshold


def threshold_outcome(world, version: str, threshold: float = FRAUD_HOLD_THRESHOLD) -> Outcome:
    """Hold decisions of every home user, plain floats or typed, against the rule as meant."""
    check_version(version)
    margins = fraud_margins(world)
    right = held_by_probability(world, threshold)
    if version == "smelly":
        held = hold_orders_plain(margins, threshold)
    else:
        held = hold_orders_typed(LogOdds(margins), Probability(threshold))
    wrong = float(version == "smelly")  # every user's margin is compared with a number in the wrong unit
    return Outcome("plain-old-data", version, "fraud_review_queue", len(held), wrong,
                   float(np.mean(held != right)), run_test(threshold_test(version)))


def released_share(world, threshold: float = FRAUD_HOLD_THRESHOLD) -> float:
    """Of the users who should be held, the share the plain float rule lets through."""
    right = held_by_probability(world, threshold)
    held = hold_orders_plain(fraud_margins(world), threshold)
    return float(np.mean(~held[right])) if right.any() else 0.0


# -- multiple languages ------------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def _basket_parts(seed: int):
    """The orders, both features and the ltv model trained on the SQL feature, for one world."""
    world = build_world(seed)
    n = len(world.raw["avg_basket_value"])
    orders = make_orders(world)
    sql, python = basket_sql(orders, n), basket_python(orders, n)
    table = filled_table(world, sql)
    model = ShopModel(model_spec("ltv_model"), random_state=world.seed).fit(
        rows_of(table, world.train_rows), world.labels["ltv"][world.train_rows])
    return orders, sql, python, model


def filled_table(world, basket: np.ndarray) -> dict[str, np.ndarray]:
    """The home feature table with ``basket`` as avg_basket_value, missing values filled as the feature layer does."""
    table = dict(world.features)
    table["avg_basket_value"] = np.where(np.isnan(basket), world.reference["avg_basket_value"]["median"], basket)
    return table


def same_values(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: equal, or both missing."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def basket_outcome(world, version: str) -> Outcome:
    """VIP decisions on the test users of an ltv model trained on SQL's basket, served the serving feature
    (``wrong_inputs`` and ``flipped`` are both shares of those test users)."""
    check_version(version)
    orders, sql, python, model = _basket_parts(world.seed)
    served = python if version == "smelly" else basket_one_definition(orders, len(sql))
    test_rows = world.test_rows
    right = model.decide(rows_of(filled_table(world, sql), test_rows))
    got = model.decide(rows_of(filled_table(world, served), test_rows))
    differ = ~same_values(sql[test_rows], served[test_rows])  # on the users the decisions are measured on
    test = run_test(lambda: _assert_same(sql, served))
    return Outcome("multiple languages", version, "vip_programme", len(test_rows), float(differ.mean()),
                   float(np.mean(got != right)), test)


def _assert_same(a, b):
    assert same_values(a, b).all()


def basket_features(world) -> tuple[np.ndarray, np.ndarray]:
    """(SQL's basket, the numpy rewrite's basket) for every home user, in pounds; NaN for none."""
    _, sql, python, _ = _basket_parts(world.seed)
    return sql.copy(), python.copy()


def world_orders(world) -> dict[str, np.ndarray]:
    """The home market's orders (a fresh copy): ``user_id`` and ``amount_pence`` (NaN when cancelled)."""
    orders, *_ = _basket_parts(world.seed)
    return {k: v.copy() for k, v in orders.items()}


def vip_lost(world) -> float:
    """Of the test users the SQL-trained model makes VIPs when served SQL's feature, the share the
    numpy feature drops."""
    _, sql, python, model = _basket_parts(world.seed)
    right = model.decide(rows_of(filled_table(world, sql), world.test_rows))
    got = model.decide(rows_of(filled_table(world, python), world.test_rows))
    return float(np.mean(~got[right])) if right.any() else 0.0


# -- prototype -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def _session_parts(seed: int, erased: bool):
    world = build_world(seed)
    events = clickstream_events(world)
    if erased:
        users, events = erase_accounts(world, events)
    else:
        users = np.arange(len(world.raw["session_count"]))
    return users, events


def session_outcome(world, version: str, erased: bool = True) -> Outcome:
    """The recommender's decisions on the remaining users, with the prototype's count or the count by id."""
    check_version(version)
    users, events = _session_parts(world.seed, erased)
    truth = session_count_by_id(events, users)
    counts = session_count_prototype(events, len(users)) if version == "smelly" else truth
    table = rows_of(world.features, users)
    model = world.models["recommender"]
    right = model.decide(table)
    served = dict(table)
    served["session_count"] = counts
    got = model.decide(served)
    return Outcome("prototype", version, "homepage", len(users), float(np.mean(counts != truth)),
                   float(np.mean(got != right)), run_test(prototype_test(version)))


def prototype_test(version: str):
    """The small test the prototype never had: with a gap in the ids, each user gets their own sessions."""
    check_version(version)
    users, events = np.array([0, 2, 3]), np.array([0, 2, 2, 3, 3, 3])

    def test():
        if version == "smelly":
            counts = session_count_prototype(events, len(users))
        else:
            counts = session_count_by_id(events, users)
        assert counts.tolist() == [1, 2, 3]
    return test


def assumption_holds(world, erased: bool) -> bool:
    """The prototype's assumption checked on the data, before or after the erasure: ids are row numbers."""
    users, _ = _session_parts(world.seed, erased)
    return ids_are_row_numbers(users)


def remaining_accounts(world) -> tuple[np.ndarray, np.ndarray]:
    """After the erasure: (the remaining user ids, the clickstream's events of those users)."""
    users, events = _session_parts(world.seed, True)
    return users.copy(), events.copy()


# -- all three -----------------------------------------------------------------------------------

def outcome(world, smell: str, version: str) -> Outcome:
    """One smell, one version, measured in ``world``."""
    check_smell(smell)
    if smell == "plain-old-data":
        return threshold_outcome(world, version)
    if smell == "multiple languages":
        return basket_outcome(world, version)
    return session_outcome(world, version)
