"""Larkspur's feature preparation as it grew: a pipeline jungle.

Eight scripts, each added by a different person when they needed something, each reading and
writing CSV files in one folder. Nothing declares what a script reads; nothing checks what it
writes; the nightly job runs every script in a fixed order, whatever changed. Somebody once saw
duplicate users, so somebody else added a script that keeps the first row of each user.

:func:`run_jungle` runs it in a temporary folder (removed afterwards) and returns the features,
the text of every file it wrote, and which scripts ran. ``bug`` plants one of :data:`BUGS`: a
person's edit to one script.

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.prep.raw import raw_sources
>>> run = run_jungle(raw_sources(build_world()))
>>> len(run.executed), run.failed
(8, None)
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import train_test_rows
from mldebt_lessons.shop.features import FEATURES, feature_table, reference_stats
from mldebt_lessons.shop.prep.raw import (
    DAY,
    SESSION_GAP,
    SNAPSHOT,
    WINDOW_DAYS,
    read_csv,
    take,
    write_csv,
)

INT, FLOAT = "int", "float"
TYPES = {"user_id": INT, "ts": INT, "start": INT, "order_id": INT, "amount_pence": INT, "signup_day": INT,
         "is_current": INT, "age": FLOAT, "session_count": FLOAT, "days_since_signup": FLOAT,
         "avg_basket_value": FLOAT, "user_age": FLOAT, "is_train": INT}


@dataclass(frozen=True)
class Script:
    """One script of the jungle: who added it, and (read off its code) what it reads and writes."""

    name: str
    owner: str
    reads: tuple[str, ...]
    writes: str
    run: object  # function(folder)


@dataclass(frozen=True)
class PrepRun:
    """What one run of a preparation produced."""

    features: dict | None  # None when the run stopped before the features
    files: dict  # file name -> its text, for every file written (raw copies included)
    executed: tuple  # the steps that ran, in order
    failed: tuple | None = None  # (step, what its check says) when a check stopped the run
    rows: int = 0  # rows the steps that ran wrote, in all


def _path(folder, name):
    return os.path.join(folder, name)


def _read(folder, name):
    return read_csv(_path(folder, name), TYPES)


# -- the scripts, as their authors wrote them ------------------------------------------------

def scrape_sessions(folder):
    """Web intern, 2019: group page views into sessions (a 30-minute gap starts a new one)."""
    clicks = _read(folder, "clickstream.csv")
    order = np.lexsort((clicks["ts"], clicks["user_id"]))
    user, ts = clicks["user_id"][order], clicks["ts"][order]
    new = np.ones(len(ts), dtype=bool)
    new[1:] = (user[1:] != user[:-1]) | (ts[1:] - ts[:-1] >= SESSION_GAP)
    write_csv(_path(folder, "sessions.csv"), {"user_id": user[new], "start": ts[new]})


def count_sessions(folder):
    """Growth analyst: sessions per user in the last 30 days (users with none are simply absent)."""
    s = _read(folder, "sessions.csv")
    recent = s["user_id"][s["start"] >= SNAPSHOT - WINDOW_DAYS * DAY]
    users, counts = np.unique(recent, return_counts=True)
    write_csv(_path(folder, "session_counts.csv"), {"user_id": users, "session_count": counts.astype(float)})


def pull_accounts(folder):
    """Accounts DBA: today's row of every account, with its age in days."""
    a = _read(folder, "accounts_db.csv")
    a = take(a, a["is_current"] == 1)
    write_csv(_path(folder, "accounts.csv"), _account_columns(a))


def pull_accounts_all_rows(folder):
    """The same script after a 'speed-up': the is_current filter was dropped (it looked redundant)."""
    a = _read(folder, "accounts_db.csv")
    write_csv(_path(folder, "accounts.csv"), _account_columns(a))


def _account_columns(a):
    return {"user_id": a["user_id"], "age": a["age"], "country": a["country"], "device": a["device"],
            "days_since_signup": (SNAPSHOT // DAY - a["signup_day"]).astype(float)}


def basket_avg(folder):
    """Checkout analyst: each buyer's mean order, in pounds."""
    o = _read(folder, "orders_db.csv")
    users, first, counts = np.unique(o["user_id"], return_index=True, return_counts=True)
    totals = np.bincount(np.searchsorted(users, o["user_id"]), weights=o["amount_pence"])
    write_csv(_path(folder, "baskets.csv"), {"user_id": users, "avg_basket_value": totals / counts / 100})


def basket_avg_pence(folder):
    """The same script after a tidy-up that lost the division by 100: the mean order, in pence."""
    o = _read(folder, "orders_db.csv")
    users, counts = np.unique(o["user_id"], return_counts=True)
    totals = np.bincount(np.searchsorted(users, o["user_id"]), weights=o["amount_pence"])
    write_csv(_path(folder, "baskets.csv"), {"user_id": users, "avg_basket_value": totals / counts})


def join_users(folder):
    """Data scientist: one table of users: accounts, plus session counts (0 if none), plus baskets."""
    users = _read(folder, "accounts.csv")
    write_csv(_path(folder, "users.csv"), join_on_user(users, _read(folder, "session_counts.csv"),
                                                       _read(folder, "baskets.csv")))


def join_on_user(users, counts, baskets):
    """``users`` (one row per account row) with each row's session count and mean basket."""
    out = dict(users)
    out["session_count"] = _look_up(counts["user_id"], counts["session_count"], users["user_id"], 0.0)
    out["avg_basket_value"] = _look_up(baskets["user_id"], baskets["avg_basket_value"], users["user_id"], np.nan)
    return out


def _look_up(keys, values, wanted, missing: float) -> np.ndarray:
    """For each of ``wanted``, the value on its key's last row in ``keys``, or ``missing`` (as floats)."""
    out = np.full(len(wanted), missing, dtype=float)
    if len(keys):
        unique, last = np.unique(keys[::-1], return_index=True)
        at = np.minimum(np.searchsorted(unique, wanted), len(unique) - 1)
        found = unique[at] == wanted
        out[found] = np.asarray(values, dtype=float)[len(keys) - 1 - last[at[found]]]
    return out


def dedupe(folder):
    """On-call engineer, after the 'duplicate users' incident: keep the first row of each user."""
    users = _read(folder, "users.csv")
    _, first = np.unique(users["user_id"], return_index=True)
    write_csv(_path(folder, "users_clean.csv"), take(users, np.sort(first)))


def sample_split(folder):
    """Research scientist: the seeded train/test split, one flag per user."""
    config = json.load(open(_path(folder, "config.json")))
    users = np.unique(_read(folder, "accounts.csv")["user_id"])
    train, _ = train_test_rows(len(users), config["seed"])
    write_csv(_path(folder, "train_ids.csv"), {"user_id": users, "is_train": np.isin(np.arange(len(users)), train).astype(np.int64)})


def fill_missing(folder):
    """ML engineer: fill blanks with the training rows' medians; write the model inputs."""
    users = _read(folder, "users_clean.csv")
    split = _read(folder, "train_ids.csv")
    write_csv(_path(folder, "features.csv"), model_inputs(users, np.flatnonzero(split["is_train"] == 1)))


def model_inputs(users, train_rows):
    """The world's feature layer (:func:`mldebt_lessons.shop.features.feature_table`) on a users table."""
    raw = {"user_age": users["age"], "session_count": users["session_count"],
           "days_since_signup": users["days_since_signup"], "avg_basket_value": users["avg_basket_value"],
           "country": users["country"], "device": users["device"]}
    return {"user_id": users["user_id"], **feature_table(raw, reference_stats(raw, train_rows))}


SCRIPTS = (
    Script("scrape_sessions", "web intern", ("clickstream.csv",), "sessions.csv", scrape_sessions),
    Script("count_sessions", "growth analyst", ("sessions.csv",), "session_counts.csv", count_sessions),
    Script("pull_accounts", "accounts DBA", ("accounts_db.csv",), "accounts.csv", pull_accounts),
    Script("basket_avg", "checkout analyst", ("orders_db.csv",), "baskets.csv", basket_avg),
    Script("join_users", "data scientist", ("accounts.csv", "session_counts.csv", "baskets.csv"), "users.csv",
           join_users),
    Script("dedupe", "on-call engineer", ("users.csv",), "users_clean.csv", dedupe),
    Script("sample_split", "research scientist", ("config.json", "accounts.csv"), "train_ids.csv", sample_split),
    Script("fill_missing", "ML engineer", ("users_clean.csv", "train_ids.csv"), "features.csv", fill_missing),
)

# A bug is a person's edit to one step: (the step, what the edit does). Both pipelines take the same edit.
BUGS = {
    "duplicate_join": ("pull_accounts", "the accounts step stops filtering to today's row, so users who moved "
                                        "appear twice in the join"),
    "basket_in_pence": ("basket_avg", "the basket step loses its division by 100: mean orders in pence, not pounds"),
}
_BUGGY = {"duplicate_join": pull_accounts_all_rows, "basket_in_pence": basket_avg_pence}


def check_bug(bug: str | None) -> None:
    if bug is not None and bug not in BUGS:
        raise unknown_choice("bug", bug, BUGS)


def write_sources(folder, sources: dict, seed: int) -> None:
    """Put the raw sources and the run's configuration into ``folder``, as the nightly export does."""
    for name, table in sources.items():
        write_csv(_path(folder, f"{name}.csv"), table)
    with open(_path(folder, "config.json"), "w") as out:
        json.dump({"seed": int(seed), "snapshot": SNAPSHOT}, out)


def read_features(text_path) -> dict:
    """The model inputs in a features file, as the world's feature table (column per feature)."""
    table = read_csv(text_path, TYPES)
    return {f.name: table[f.name] for f in FEATURES}


def run_jungle(sources: dict, seed: int = 2015, bug: str | None = None) -> PrepRun:
    """Run every script, in order, in a fresh temporary folder; ``bug`` plants one of :data:`BUGS`."""
    check_bug(bug)
    with tempfile.TemporaryDirectory(prefix="larkspur-jungle-") as folder:
        write_sources(folder, sources, seed)
        executed, rows = [], 0
        for script in SCRIPTS:
            run = _BUGGY[bug] if bug and BUGS[bug][0] == script.name else script.run
            run(folder)
            executed.append(script.name)
        files = {}
        for name in sorted(os.listdir(folder)):
            with open(_path(folder, name)) as f:
                files[name] = f.read()
            if name not in {f"{s}.csv" for s in sources} | {"config.json"}:
                rows += files[name].count("\n") - 1
        features = read_features(_path(folder, "features.csv"))
    return PrepRun(features, files, tuple(executed), None, rows)
