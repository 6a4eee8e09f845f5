"""Larkspur live: a stream of days, each a batch of users scored by the world's own fitted models.

Every day :data:`USERS_PER_DAY` users arrive (drawn, with replacement, from the world's own users:
stream 160). The churn model decides who gets a win-back email, the fraud model whose orders are held
for review. Each user's true outcome (churned, fraud) is drawn from the world's ground truth with a
fixed uniform per user (stream 161), so two versions of the stream (with and without a fault) differ
only where the fault changes something. Labels are not known at once: a day's labels arrive
:data:`LABEL_DELAY` days later (a churner is someone who has not come back within a week; a fraud case
is a chargeback that comes in later).

The days :data:`REFERENCE_DAYS` at the start are the reference window: what "normal" looked like.

Faults start on day :data:`FAULT_DAY` and alter the stream from then on (:data:`FAULTS`):

* ``unit_change``    -- the checkout team's ``orders_db`` starts sending the basket in pence, not pounds;
* ``slice_shift``    -- a competitor opens in Germany: German customers' true churn odds rise, while
  everything the models read stays the same;
* ``stuck_feature``  -- the clickstream job stalls and serves one frozen session count to everyone;
* ``late_labels``    -- the labels' producer falls behind: labels arrive :data:`LATE_BY` days later than usual;
* ``gradual_drift``  -- bot sessions, riding on real visits, grow a little every day (stream 162), so the
  recorded session count creeps up while the users' behaviour does not.

Same seed, same stream. Built once per (seed, fault, start) and cached.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> clean, faulty = live_stream(world), live_stream(world, "unit_change")
>>> day = clean.day == FAULT_DAY
>>> float(faulty.raw["avg_basket_value"][day][0] / clean.raw["avg_basket_value"][day][0])
100.0
>>> bool((faulty.labels["churned"] == clean.labels["churned"]).all())
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import ground_truth
from mldebt_lessons.shop.features import feature_table

DAYS = 100  # days 0 .. 99
USERS_PER_DAY = 200
REFERENCE_DAYS = 14  # days 0 .. 13: the reference window every monitor compares with
FAULT_DAY = 35  # the day a fault starts, unless told otherwise
LABEL_DELAY = 7  # a day's labels arrive this many days later
LATE_BY = 21  # under late_labels, labels arrive this many days later still
SLICE_COUNTRY = "DE"  # the slice whose behaviour shifts
SLICE_LIFT = 1.5  # added to German customers' churn log-odds under slice_shift
BOT_GROWTH = 0.02  # bot sessions per human session, added each day of gradual_drift
USERS_STREAM, OUTCOME_STREAM, BOT_STREAM = 160, 161, 162  # np.random.default_rng([seed, K])
MONITORED = {"churn_model": ("churned", "churn_p", "win-back emails sent"),
             "fraud_model": ("fraud", "fraud_p", "orders held for review")}  # model: (label, truth, action)


@dataclass(frozen=True)
class Fault:
    """A fault scenario: its name, what it touches, and what it does, in words."""

    name: str
    touches: tuple[str, ...]  # the raw columns (or "labels") whose recorded values it changes
    what: str


FAULTS = {
    "none": Fault("none", (), "nothing goes wrong: the control"),
    "unit_change": Fault("unit_change", ("avg_basket_value",), "orders_db sends the basket in pence, not pounds"),
    "slice_shift": Fault("slice_shift", ("labels",),
                         f"customers in {SLICE_COUNTRY} start to churn more; no input changes"),
    "stuck_feature": Fault("stuck_feature", ("session_count",), "session_count is frozen at one value for everyone"),
    "late_labels": Fault("late_labels", ("labels",), f"labels arrive {LATE_BY} days later than usual"),
    "gradual_drift": Fault("gradual_drift", ("session_count",),
                           "bot sessions inflate session_count a little more every day"),
}


def check_fault(fault: str) -> None:
    if fault not in FAULTS:
        raise unknown_choice("fault", fault, FAULTS)


@dataclass(frozen=True, eq=False)
class Stream:
    """One row per (day, user). ``raw`` is what the shop's systems record (faults included), ``truth``
    the true probabilities, ``labels`` the outcomes, ``label_day`` the day each row's labels arrive;
    ``scores`` and ``decisions`` are the monitored models' outputs on the recorded data."""

    seed: int
    fault: str
    start: int
    day: np.ndarray
    user: np.ndarray  # the world's row of the user
    raw: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    label_day: np.ndarray
    features: dict[str, np.ndarray] = field(default_factory=dict)  # what the models read (after filling)
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    decisions: dict[str, np.ndarray] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    uniforms: np.ndarray | None = None  # one fixed uniform per row and outcome: labels are uniform < truth

    @property
    def days(self) -> int:
        return int(self.day.max()) + 1


def live_stream(world, fault: str = "none", start: int = FAULT_DAY) -> Stream:
    """The stream of days in ``world`` with ``fault`` from day ``start`` on, scored by the world's models."""
    check_fault(fault)
    # A world is fully determined by its seed and its number of users, so the stream is cached on both and
    # rebuilt from build_world(seed, n_users): the same world as the one given, whatever its size.
    return _scored(world.seed, len(world.raw["user_age"]), fault, int(start))


@functools.lru_cache(maxsize=64)
def _scored(seed: int, n_users: int, fault: str, start: int) -> Stream:
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed, n_users)
    stream = FAULT_FUNCTIONS[fault](_clean(seed, n_users), start)
    return score_stream(world, stream)


@functools.lru_cache(maxsize=8)
def _clean(seed: int, n_users: int) -> Stream:
    """The fault-free stream, unscored."""
    from mldebt_lessons.shop.world import build_world
    world = build_world(seed, n_users)
    n_world = len(world.raw["user_age"])
    rows = np.random.default_rng([seed, USERS_STREAM]).integers(0, n_world, size=DAYS * USERS_PER_DAY)
    day = np.repeat(np.arange(DAYS), USERS_PER_DAY)
    raw = {name: column[rows] for name, column in world.raw.items()}
    truth = ground_truth(raw)
    uniforms = np.random.default_rng([seed, OUTCOME_STREAM]).random((2, len(rows)))
    return with_labels(Stream(seed, "none", DAYS, day, rows, raw, {k: truth[k] for k in ("churn_p", "fraud_p")},
                              {}, day + LABEL_DELAY, uniforms=uniforms))


def with_labels(stream: Stream) -> Stream:
    """``stream`` with its labels drawn from its truth, using the stream's fixed uniforms."""
    u = stream.uniforms
    return replace(stream, labels={"churned": (u[0] < stream.truth["churn_p"]).astype(int),
                                   "fraud": (u[1] < stream.truth["fraud_p"]).astype(int)})


def _altered(stream: Stream, fault: str, start: int, **changes) -> Stream:
    return replace(stream, fault=fault, start=start, **changes)


def _with_column(raw: dict, name: str, column: np.ndarray) -> dict:
    out = dict(raw)
    out[name] = column
    return out


def no_fault(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """The control: the stream as it is."""
    return _altered(stream, "none", start)


def unit_change(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """From ``start``, orders_db sends the basket in pence: the recorded value is 100 times the real one."""
    hit = stream.day >= start
    basket = np.where(hit, stream.raw["avg_basket_value"] * 100.0, stream.raw["avg_basket_value"])
    return _altered(stream, "unit_change", start, raw=_with_column(stream.raw, "avg_basket_value", basket))


def slice_shift(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """From ``start``, customers in :data:`SLICE_COUNTRY` churn more (log-odds + :data:`SLICE_LIFT`);
    what the models read does not change."""
    hit = (stream.day >= start) & (stream.raw["country"] == SLICE_COUNTRY)
    p = stream.truth["churn_p"]
    logit = np.log(p / (1 - p)) + SLICE_LIFT * hit
    truth = dict(stream.truth, churn_p=np.where(hit, 1 / (1 + np.exp(-logit)), p))
    return with_labels(_altered(stream, "slice_shift", start, truth=truth))


def stuck_feature(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """From ``start``, session_count is frozen at the last value served before the stall."""
    hit = stream.day >= start
    sessions = stream.raw["session_count"]
    last = sessions[np.flatnonzero(~hit)[-1]] if (~hit).any() else 0.0
    return _altered(stream, "stuck_feature", start,
                    raw=_with_column(stream.raw, "session_count", np.where(hit, last, sessions)))


def late_labels(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """From ``start``, each day's labels arrive :data:`LATE_BY` days later than usual."""
    late = np.where(stream.day >= start, stream.label_day + LATE_BY, stream.label_day)
    return _altered(stream, "late_labels", start, label_day=late)


def gradual_drift(stream: Stream, start: int = FAULT_DAY) -> Stream:
    """From ``start``, bots add sessions: each human session brings :data:`BOT_GROWTH` bot sessions more
    every day (Poisson, stream 162). Users behave as before; only the recorded count creeps up."""
    rate = BOT_GROWTH * np.maximum(stream.day - start + 1, 0)
    bots = np.random.default_rng([stream.seed, BOT_STREAM]).poisson(rate * stream.raw["session_count"])
    return _altered(stream, "gradual_drift", start,
                    raw=_with_column(stream.raw, "session_count", stream.raw["session_count"] + bots))


FAULT_FUNCTIONS = {"none": no_fault, "unit_change": unit_change, "slice_shift": slice_shift,
                   "stuck_feature": stuck_feature, "late_labels": late_labels, "gradual_drift": gradual_drift}


def score_stream(world, stream: Stream) -> Stream:
    """Score every row with the world's churn and fraud models, on the features of the recorded data."""
    table = feature_table(stream.raw, world.reference)
    scores, decisions, thresholds = {}, {}, {}
    for name in MONITORED:
        model = world.models[name]
        scores[name] = model.predict_score(table)
        decisions[name] = scores[name] >= model.threshold_
        thresholds[name] = float(model.threshold_)
    return replace(stream, features=table, scores=scores, decisions=decisions, thresholds=thresholds)
