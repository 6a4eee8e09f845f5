"""Lesson 16's experiment: monitors on Larkspur's live stream, and what each one sees of each fault.

A *monitor* looks at each day of the stream (:mod:`mldebt_lessons.shop.stream`) after the day's decisions
are made, compares it with the reference window (the first days), and raises an alarm or not. Every
monitor's cut-off comes from one stated rule, never from the faults: a daily false-alarm budget of
:data:`DAILY_BUDGET` per monitor, shared between the tests it runs that day (Bonferroni), except PSI,
which uses the conventional cut-off :data:`PSI_CUTOFF`, and label freshness, which alarms when fewer than
half of the labels due that day have arrived.

For each monitor and fault we measure the detection delay (days from the fault's start to the first
alarm on or after it; ``None``: missed within the horizon), the false alarms per month on the fault-free
stream, and the harm done up to and including the day of detection: decisions that are wrong against
the truth (the decision the model's own threshold would give on the user's true probability), beyond
those the fault-free stream makes on the same users.

The measurements are cached by seed and work on the worlds ``build_world(seed)`` makes (the default number
of users), as every lesson's do; :func:`mldebt_lessons.shop.stream.live_stream` itself takes any world.

None of the five faults touches a categorical input (country, device), so the chi-square monitor has
nothing to catch in them: it rings only its false alarms. :func:`chi2_pvalue` shows what it does see,
e.g. a country input frozen at one value.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> detection(world, "unit_change", ("ks",)).delay
0
>>> detection(world, "slice_shift", ("ks", "chi2", "psi")).delay is None
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import stats

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.stream import (DAYS, FAULT_DAY, FAULTS, LABEL_DELAY, MONITORED, REFERENCE_DAYS,
                                        USERS_PER_DAY, Stream, check_fault, live_stream)

DAILY_BUDGET = 0.01  # each monitor's false-alarm budget per day, shared by the tests it runs that day
LOOSE_P = 0.05  # the "no correction" KS: every test at p < 0.05, however many run
PSI_CUTOFF = 0.2  # the conventional cut-off for a shift worth acting on
PSI_BINS = 10
BIAS_WINDOW = 7  # the prediction-bias monitors look at the last 7 labelled days
MIN_LABELS = 30  # a slice with fewer labelled users in the window is not tested
MONTH = 30
NUMERIC = ("user_age", "session_count", "days_since_signup", "avg_basket_value")
CATEGORICAL = ("country", "device")
SLICES = ("country", "device")


@dataclass(frozen=True)
class Monitor:
    name: str
    label: str  # short, for tables and checkboxes
    what: str  # what it watches and its rule, in words
    credit: str | None  # the ML Test Score monitoring test it earns (run automatically, daily)
    needs_labels: bool = False


MONITORS = {
    "ks": Monitor("ks", "KS, numbers", "a Kolmogorov-Smirnov test of each numeric input against the reference "
                  "window; alarm when a p-value is under 1% / 4", "monitor_2"),
    "ks_loose": Monitor("ks_loose", "KS, no correction", "the same KS tests, each at p < 0.05 with no correction "
                        "for running four a day", "monitor_2"),
    "chi2": Monitor("chi2", "chi-square", "a chi-square test of country and device shares against the reference "
                    "window; alarm when a p-value is under 1% / 2", "monitor_2"),
    "psi": Monitor("psi", "PSI", "the population stability index of each of the six inputs; alarm at PSI > 0.2",
                   "monitor_2"),
    "action_limits": Monitor("action_limits", "action limits", "emails sent and orders held per day; alarm outside "
                             "the reference rate's binomial band (1% / 2 a day)", None),
    "bias": Monitor("bias", "bias, overall", "mean predicted minus observed label rate of each model over the last "
                    "7 labelled days, against the reference window's; alarm at p < 1% / 2", "monitor_7", True),
    "bias_by_slice": Monitor("bias_by_slice", "bias by slice", "the same prediction bias in each country and "
                             "device slice (8 slices x 2 models); alarm at p < 1% / 16", "monitor_7", True),
    "label_freshness": Monitor("label_freshness", "label freshness", "the share of labels due today that have "
                               "arrived; alarm under one half", "monitor_1", True),
}
INPUT_MONITORS = ("ks", "ks_loose", "chi2", "psi")
DEMO_MONITORS = ("ks", "psi", "action_limits", "bias_by_slice")  # the widget's first state
FAULT_NAMES = tuple(f for f in FAULTS if f != "none")


def check_monitors(monitors) -> tuple[str, ...]:
    """``monitors`` as a tuple of known names, or a one-line error."""
    if isinstance(monitors, str):
        monitors = (monitors,)
    out = []
    for m in monitors:
        if m not in MONITORS:
            raise unknown_choice("monitor", m, MONITORS)
        out.append(m)
    return tuple(out)


# -- the tests, on plain arrays -------------------------------------------------------------------
def psi(reference, current, bins: int = PSI_BINS) -> float:
    """The population stability index of ``current`` against ``reference``, by hand.

    Numbers: bins at the reference's deciles; categories: one bin each. PSI = sum over bins of
    (current share - reference share) * ln(current share / reference share), shares floored at 1e-4.

    >>> psi(np.arange(1000.0), np.arange(1000.0))
    0.0
    >>> psi(np.array(["a", "b"] * 50), np.array(["a"] * 100)) > 1
    True
    """
    to_bin = binner(reference, bins)
    return psi_of_shares(shares(to_bin(reference)), shares(to_bin(current), len(shares(to_bin(reference)))))


def binner(reference, bins: int = PSI_BINS):
    """A function giving each value its PSI bin number: the reference's deciles, or one bin per category."""
    reference = np.asarray(reference)
    if reference.dtype.kind in "UO":
        cats = np.unique(reference)
        return lambda x: np.where(np.isin(x, cats), np.searchsorted(cats, x).clip(0, len(cats) - 1), len(cats))
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    return lambda x: np.searchsorted(edges, np.asarray(x, float), side="right")


def shares(bin_numbers, size: int | None = None) -> np.ndarray:
    counts = np.bincount(bin_numbers, minlength=size or 0)
    return counts / max(counts.sum(), 1)


def psi_of_shares(ref, cur) -> float:
    size = max(len(ref), len(cur))
    ref = np.maximum(np.pad(ref, (0, size - len(ref))), 1e-4)
    cur = np.maximum(np.pad(cur, (0, size - len(cur))), 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def bias_z(predicted, observed, ref_predicted, ref_observed) -> float:
    """How many standard errors the prediction bias (mean predicted minus observed) moved from the reference's.

    A two-sample z test of the mean of (label - prediction): its spread per user is the one measured in the
    reference window, and never less than p(1 - p), the spread if every label were a coin with exactly the
    predicted probability. (Taking p(1 - p) alone trusts the model's calibration user by user; a model that
    is off for some users, as the fraud model's trees are, then rings more often than its budget.)

    >>> round(bias_z([0.5] * 100, [1] * 50 + [0] * 50, [0.5] * 100, [1] * 50 + [0] * 50), 6)
    0.0
    """
    p, y = np.asarray(predicted, float), np.asarray(observed, float)
    rp, ry = np.asarray(ref_predicted, float), np.asarray(ref_observed, float)
    var = max(np.var(ry - rp), np.mean(rp * (1 - rp))) * (1 / len(p) + 1 / len(rp))
    return float(((p.mean() - y.mean()) - (rp.mean() - ry.mean())) / np.sqrt(max(var, 1e-12)))


# -- per day, on a stream ---------------------------------------------------------------------------
def _by_day(column: np.ndarray) -> np.ndarray:
    return column.reshape(DAYS, USERS_PER_DAY)


def _reference(stream: Stream, column: np.ndarray) -> np.ndarray:
    return column[stream.day < REFERENCE_DAYS]


def ks_pvalues(stream: Stream, feature: str) -> np.ndarray:
    """Each day's KS p-value for ``feature`` against the reference window (nan inside the window)."""
    return _cached_ks(stream, feature)


def _column_key(stream: Stream, feature: str):
    # Identical columns give identical tests: reuse the fault-free stream's when nothing changed.
    clean = live_stream_of(stream.seed)
    same = np.array_equal(stream.features[feature], clean.features[feature])
    return ("none", FAULT_DAY) if same else (stream.fault, stream.start)


def live_stream_of(seed: int, fault: str = "none", start: int = FAULT_DAY) -> Stream:
    from mldebt_lessons.shop.world import build_world
    return live_stream(build_world(seed), fault, start)


def _cached_ks(stream: Stream, feature: str) -> np.ndarray:
    fault, start = _column_key(stream, feature)
    return _ks_days(stream.seed, fault, start, feature)


@functools.lru_cache(maxsize=256)
def _ks_days(seed: int, fault: str, start: int, feature: str) -> np.ndarray:
    return ks_days(live_stream_of(seed, fault, start), feature)


def ks_statistic(reference, current) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs.

    >>> ks_statistic(np.arange(10.0), np.arange(10.0)), ks_statistic(np.zeros(5), np.ones(5))
    (0.0, 1.0)
    """
    ref, cur = np.sort(np.asarray(reference, float)), np.sort(np.asarray(current, float))
    points = np.concatenate([ref, cur])
    gap = (np.searchsorted(ref, points, side="right") / len(ref)
           - np.searchsorted(cur, points, side="right") / len(cur))
    return float(np.abs(gap).max())


def ks_pvalue(statistic, n_reference: int, n_current: int):
    """The KS test's p-value from scipy.stats' asymptotic (Kolmogorov) distribution of the statistic.

    >>> from scipy import stats
    >>> a, b = np.random.default_rng(0).normal(size=(2, 300))
    >>> round(float(ks_pvalue(ks_statistic(a, b), 300, 300)), 2), round(float(stats.ks_2samp(a, b).pvalue), 2)
    (0.45, 0.45)
    """
    en = n_reference * n_current / (n_reference + n_current)
    return stats.kstwobign.sf(np.sqrt(en) * np.asarray(statistic, float))


def ks_days(stream: Stream, feature: str) -> np.ndarray:
    """Each day's KS p-value for ``feature`` against the reference window, computed afresh (no cache).

    All days at once: every empirical CDF is evaluated on the values seen in any of them, where the
    largest gap must lie.
    """
    column = np.asarray(stream.features[feature], float)
    ref = np.sort(_reference(stream, column))
    days = _by_day(column)[REFERENCE_DAYS:]
    grid = np.unique(np.concatenate([ref, days.ravel()]))
    ref_cdf = np.searchsorted(ref, grid, side="right") / len(ref)
    spot = np.searchsorted(grid, days) + np.arange(len(days))[:, None] * len(grid)
    day_cdf = np.cumsum(np.bincount(spot.ravel(), minlength=days.size // days.shape[1] * len(grid))
                        .reshape(len(days), len(grid)), axis=1) / days.shape[1]
    out = np.full(DAYS, np.nan)
    out[REFERENCE_DAYS:] = ks_pvalue(np.abs(day_cdf - ref_cdf).max(axis=1), len(ref), USERS_PER_DAY)
    return out


@functools.lru_cache(maxsize=256)
def _chi2_days(seed: int, fault: str, start: int, feature: str) -> np.ndarray:
    stream = live_stream_of(seed, fault, start)
    column = stream.features[feature]
    cats = np.unique(column)
    ref = np.array([(_reference(stream, column) == c).mean() for c in cats])
    counts = np.stack([(_by_day(column)[REFERENCE_DAYS:] == c).sum(axis=1) for c in cats], axis=1)
    out = np.full(DAYS, np.nan)
    out[REFERENCE_DAYS:] = stats.chisquare(counts, ref[None, :] * USERS_PER_DAY, axis=1).pvalue
    return out


def chi2_pvalue(reference, current) -> float:
    """The chi-square test's p-value for the category counts of ``current`` against the shares in ``reference``
    (the test the chi-square monitor runs each day on country and on device).

    >>> chi2_pvalue(np.array(["a", "b"] * 500), np.array(["a", "b"] * 100)) == 1.0
    True
    """
    reference, current = np.asarray(reference), np.asarray(current)
    cats = np.unique(reference)
    expected = np.array([(reference == c).mean() for c in cats]) * len(current)
    observed = np.array([(current == c).sum() for c in cats])
    if observed.sum() != len(current):  # a category the reference never saw: nothing could be more surprising
        return 0.0
    return float(stats.chisquare(observed, expected).pvalue)


def chi2_pvalues(stream: Stream, feature: str) -> np.ndarray:
    """Each day's chi-square p-value for the shares of categorical ``feature`` against the reference window."""
    fault, start = _column_key(stream, feature)
    return _chi2_days(stream.seed, fault, start, feature)


@functools.lru_cache(maxsize=256)
def _psi_days(seed: int, fault: str, start: int, feature: str) -> np.ndarray:
    stream = live_stream_of(seed, fault, start)
    column = stream.features[feature]
    to_bin = binner(_reference(stream, column))
    ref = shares(to_bin(_reference(stream, column)))
    out = np.full(DAYS, np.nan)
    for d, today in enumerate(_by_day(to_bin(column))):
        if d >= REFERENCE_DAYS:
            out[d] = psi_of_shares(ref, shares(today, len(ref)))
    return out


def psi_values(stream: Stream, feature: str) -> np.ndarray:
    """Each day's PSI of ``feature`` against the reference window."""
    fault, start = _column_key(stream, feature)
    return _psi_days(stream.seed, fault, start, feature)


def action_counts(stream: Stream, model: str) -> np.ndarray:
    """How many users ``model``'s decision acts on each day (emails sent, orders held)."""
    return _by_day(stream.decisions[model]).sum(axis=1)


def action_band(stream: Stream, model: str, budget: float = DAILY_BUDGET / 2) -> tuple[float, float]:
    """The (floor, cap) of daily actions: the reference rate's binomial band at two-sided level ``budget``,
    widened for the uncertainty of the reference rate itself."""
    ref = _reference(stream, stream.decisions[model])
    p, n = ref.mean(), USERS_PER_DAY
    sd = np.sqrt(n * p * (1 - p) + n ** 2 * p * (1 - p) / len(ref))
    z = stats.norm.isf(budget / 2)
    return float(n * p - z * sd), float(n * p + z * sd)


def bias_series(stream: Stream, model: str, slice_column: str | None = None, value=None) -> np.ndarray:
    """Each day's prediction-bias z for ``model`` (in one slice, if given), on the labels of the last
    :data:`BIAS_WINDOW` days whose labels are due; nan (no test) while some of them have not arrived, or
    when the slice has fewer than :data:`MIN_LABELS` users in the window."""
    label, _, _ = MONITORED[model]
    p, y = stream.scores[model], stream.labels[label].astype(float)
    member = np.ones(len(p)) if slice_column is None else (stream.features[slice_column] == value).astype(float)
    n, sp, sy, srr, spq = (_by_day(member * v).sum(axis=1)
                           for v in (np.ones(len(p)), p, y, (y - p) ** 2, p * (1 - p)))
    ref = slice(0, REFERENCE_DAYS)
    n_ref = max(n[ref].sum(), 1)
    ref_bias = (sp[ref].sum() - sy[ref].sum()) / n_ref
    # spread of (label - prediction) per user: as measured in the reference window, and never less than the
    # coin-flip spread p(1 - p) the predictions themselves imply (a rare label seen a few times in a small
    # slice would otherwise make it look tiny)
    row_var = max(srr[ref].sum() / n_ref - ref_bias ** 2, spq[ref].sum() / n_ref, 1e-12)
    arrives = _by_day(stream.label_day).max(axis=1)
    out = np.full(DAYS, np.nan)
    t = np.arange(REFERENCE_DAYS, DAYS)
    last = t - LABEL_DELAY  # the newest day whose labels are due at t
    first = last - BIAS_WINDOW + 1
    ok = first >= REFERENCE_DAYS
    t, last, first = t[ok], last[ok], first[ok]
    window = lambda a: np.concatenate([[0.0], np.cumsum(a)])[last + 1] - np.concatenate([[0.0], np.cumsum(a)])[first]
    count, bias_sum = window(n), window(sp) - window(sy)
    latest = np.array([arrives[f:l + 1].max() for f, l in zip(first, last)])
    tested = (latest <= t) & (count >= MIN_LABELS)
    safe = np.maximum(count, 1)
    z = (bias_sum / safe - ref_bias) / np.sqrt(row_var * (1 / safe + 1 / n_ref))
    out[t[tested]] = z[tested]
    return out


def label_arrival(stream: Stream) -> np.ndarray:
    """Each day, the share of the labels due that day (of the users of day - LABEL_DELAY) that have arrived."""
    out = np.full(DAYS, np.nan)
    for t in range(REFERENCE_DAYS, DAYS):
        due = stream.day == t - LABEL_DELAY
        out[t] = float((stream.label_day[due] <= t).mean()) if due.any() else np.nan
    return out


def _z_cut(tests: int) -> float:
    return float(stats.norm.isf(DAILY_BUDGET / tests / 2))


def alarms(stream: Stream, monitor: str) -> np.ndarray:
    """A boolean per day: did ``monitor`` raise an alarm at the end of that day?"""
    return _evidence(stream.seed, stream.fault, stream.start, monitor)[1].any(axis=0)


def caused_alarms(stream: Stream, monitor: str) -> np.ndarray:
    """A boolean per day: an alarm raised by a test whose value the fault changed (the same test on the
    fault-free stream that day gives another value). Alarms that are not caused are false alarms that
    would have rung anyway."""
    return _caused(stream.seed, stream.fault, stream.start, monitor)


@functools.lru_cache(maxsize=1024)
def _caused(seed: int, fault: str, start: int, monitor: str) -> np.ndarray:
    values, fired = _evidence(seed, fault, start, monitor)
    clean_values, _ = _evidence(seed, "none", FAULT_DAY, monitor)
    changed = ~((values == clean_values) | (np.isnan(values) & np.isnan(clean_values)))
    out = (fired & changed).any(axis=0)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=1024)
def _evidence(seed: int, fault: str, start: int, monitor: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, fired): one row per test the monitor runs, one column per day."""
    stream = live_stream_of(seed, fault, start)
    if monitor in ("ks", "ks_loose"):
        values = np.stack([ks_pvalues(stream, f) for f in NUMERIC])
        fired = values < (DAILY_BUDGET / len(NUMERIC) if monitor == "ks" else LOOSE_P)
    elif monitor == "chi2":
        values = np.stack([chi2_pvalues(stream, f) for f in CATEGORICAL])
        fired = values < DAILY_BUDGET / len(CATEGORICAL)
    elif monitor == "psi":
        values = np.stack([psi_values(stream, f) for f in NUMERIC + CATEGORICAL])
        fired = values > PSI_CUTOFF
    elif monitor == "action_limits":
        values = np.stack([action_counts(stream, m).astype(float) for m in MONITORED])
        bands = np.array([action_band(stream, m) for m in MONITORED])
        fired = (values < bands[:, :1]) | (values > bands[:, 1:])
    elif monitor in ("bias", "bias_by_slice"):
        if monitor == "bias":
            values = np.stack([bias_series(stream, m) for m in MONITORED])
        else:
            values = np.stack([bias_series(stream, m, col, v) for m in MONITORED for col in SLICES
                               for v in np.unique(stream.features[col])])
        fired = np.abs(values) > _z_cut(len(values))
    elif monitor == "label_freshness":
        values = label_arrival(stream)[None, :]
        fired = values < 0.5
    else:
        raise unknown_choice("monitor", monitor, MONITORS)
    fired = np.nan_to_num(fired, nan=0).astype(bool) & ~np.isnan(values)
    fired[:, :REFERENCE_DAYS] = False
    for array in (values, fired):
        array.setflags(write=False)
    return values, fired


# -- what the monitors catch, and at what cost ----------------------------------------------------------
def harm_by_day(world, fault: str, start: int = FAULT_DAY) -> np.ndarray:
    """Each day, the decisions of both monitored models that the fault turned wrong: right on the fault-free
    stream (same users), wrong under the fault.

    A decision is right when it is what the model's own threshold gives on the user's true probability.
    """
    check_fault(fault)
    return _harm(world.seed, fault, start)


@functools.lru_cache(maxsize=64)
def _harm(seed: int, fault: str, start: int) -> np.ndarray:
    faulty, clean = live_stream_of(seed, fault, start), live_stream_of(seed)
    total = np.zeros(DAYS)
    for model, (_, truth, _) in MONITORED.items():
        cut = clean.thresholds[model]
        right_before = clean.decisions[model] == (clean.truth[truth] >= cut)
        wrong_now = faulty.decisions[model] != (faulty.truth[truth] >= cut)
        total += _by_day(right_before & wrong_now).sum(axis=1)
    total.setflags(write=False)
    return total


@dataclass(frozen=True)
class Detection:
    fault: str
    monitors: tuple[str, ...]
    start: int
    day: int | None  # the first alarm the fault caused, on or after the start; None: missed within the horizon
    delay: int | None
    harm: float  # wrong decisions beyond the fault-free stream's, from the start to the day of detection
    harm_if_missed: float  # the same, over the whole horizon


def first_alarm(alarm_days: np.ndarray, start: int) -> int | None:
    """The first day on or after ``start`` with an alarm, or None.

    >>> first_alarm(np.array([True, False, False, True]), 1)
    3
    """
    hits = np.flatnonzero(np.asarray(alarm_days, bool)[start:])
    return int(start + hits[0]) if len(hits) else None


def detection(world, fault: str, monitors, start: int = FAULT_DAY) -> Detection:
    """When the first of ``monitors`` catches ``fault`` (its first alarm the fault caused), and the harm done
    by the end of that day."""
    check_fault(fault)
    live_stream(world, fault, start)
    return _detection(world.seed, fault, check_monitors(monitors), int(start))


@functools.lru_cache(maxsize=4096)
def _detection(seed: int, fault: str, monitors: tuple[str, ...], start: int) -> Detection:
    combined = np.zeros(DAYS, bool)
    for m in monitors:
        combined |= _caused(seed, fault, start, m)
    day = first_alarm(combined, start)
    harm = _harm(seed, fault, start)
    end = DAYS if day is None else day + 1
    return Detection(fault, monitors, start, day, None if day is None else day - start,
                     float(harm[start:end].sum()), float(harm[start:].sum()))


def false_alarms_per_month(world, monitor: str) -> float:
    """Alarms per 30 days of ``monitor`` on the fault-free stream, over the days it is active."""
    check_monitors(monitor)
    clean = live_stream(world)
    fired = alarms(clean, monitor)
    first = REFERENCE_DAYS + (LABEL_DELAY + BIAS_WINDOW - 1 if MONITORS[monitor].needs_labels else 0)
    return float(fired[first:].sum() * MONTH / (DAYS - first))


def monitor_table(world, start: int = FAULT_DAY) -> list[dict]:
    """The detection-delay and false-alarm table: one row per monitor, as plain data.

    Keys: ``monitor``, ``false alarms / month`` (on the fault-free stream), then one key per fault with the
    detection delay in days (an int) or ``None`` (missed within the horizon), and ``ML Test Score``.
    """
    rows = []
    for name, m in MONITORS.items():
        row = {"monitor": m.label, "false alarms / month": round(false_alarms_per_month(world, name), 2)}
        for fault in FAULT_NAMES:
            row[fault] = detection(world, fault, (name,), start).delay
        row["ML Test Score"] = m.credit or "-"
        rows.append(row)
    return rows


def harm_table(world, monitors, start: int = FAULT_DAY) -> list[dict]:
    """One row per fault: when the set ``monitors`` catches it, and the harm done by then and if missed."""
    rows = []
    for fault in FAULT_NAMES:
        d = detection(world, fault, monitors, start)
        rows.append({"fault": fault, "delay": d.delay, "harm": d.harm, "harm if missed": d.harm_if_missed})
    return rows


def credited(monitors) -> dict:
    """The ML Test Score's monitoring section for a system whose only monitors are ``monitors``, run daily.

    Returns {"points": section points (0..7), "tests": [(key, text), ...] credited}.
    """
    from mldebt_lessons.audit.mltestscore import TESTS, score

    keys = sorted({MONITORS[m].credit for m in check_monitors(monitors) if MONITORS[m].credit})
    result = score({k: "automated" for k in keys})
    texts = {key: text for key, _, text in TESTS}
    return {"points": result.sections["monitor"], "tests": [(k, texts[k]) for k in keys]}
