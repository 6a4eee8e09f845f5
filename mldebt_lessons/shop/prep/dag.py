"""Larkspur's feature preparation rebuilt from a clean slate: a small graph of typed steps.

Every step declares what it reads, what it writes (named, typed columns) and the checks its
output must pass. The runner keeps every output it has computed, keyed by the step's code
version and the exact bytes of what it read: a step runs only when one of those changed, so a
change to one raw source re-runs only the steps downstream of it (and stops early where an output
comes out unchanged). A failing check stops the run at that step and says what failed, so the
files downstream are never written and the models keep yesterday's features.

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.prep.raw import raw_sources
>>> cache = {}
>>> first = run_dag(raw_sources(build_world()), cache=cache)
>>> again = run_dag(raw_sources(build_world()), cache=cache)
>>> len(first.executed), len(again.executed)
(7, 0)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Callable

import numpy as np

from mldebt_lessons.shop.data import COUNTRIES, train_test_rows
from mldebt_lessons.shop.prep.jungle import (
    BUGS,
    TYPES,
    PrepRun,
    _account_columns,
    check_bug,
    join_on_user,
    model_inputs,
    read_features,
    write_sources,
)
from mldebt_lessons.shop.prep.raw import DAY, SESSION_GAP, SNAPSHOT, WINDOW_DAYS, csv_text, read_csv, take


@dataclass(frozen=True)
class Check:
    """One expectation of a step's output; ``failure`` returns what is wrong, or None."""

    says: str
    failure: Callable


@dataclass(frozen=True)
class Step:
    """A typed step: reads named files, writes one file with declared columns, checks it."""

    name: str
    owner: str
    inputs: tuple[str, ...]
    output: str
    columns: tuple[str, ...]
    compute: Callable  # function(dict of input tables) -> output table
    checks: tuple[Check, ...] = ()
    version: str = "1"


def one_row_per_user(table, _inputs):
    users = table["user_id"]
    twice = len(users) - len(np.unique(users))
    return f"{twice} user_ids appear more than once" if twice else None


def known_countries(table, _inputs):
    odd = sorted(set(table["country"].tolist()) - set(COUNTRIES))
    return f"unknown countries: {', '.join(odd)}" if odd else None


def basket_in_pounds(table, _inputs):
    median = float(np.nanmedian(table["avg_basket_value"])) if len(table["user_id"]) else 0.0
    return None if 5 <= median <= 500 else f"the median basket is {median:,.0f}: not pounds (expected £5-£500)"


def starts_before_snapshot(table, _inputs):
    late = int((table["start"] > SNAPSHOT).sum())
    return f"{late} sessions start after the snapshot" if late else None


def as_many_users_as_accounts(table, inputs):
    n, m = len(table["user_id"]), len(inputs["accounts.csv"]["user_id"])
    return None if n == m else f"{n} rows for {m} accounts"


def no_missing_values(table, _inputs):
    gaps = sum(int(np.isnan(c).sum()) for c in table.values() if c.dtype.kind == "f")
    return f"{gaps} missing values" if gaps else None


# -- what each step computes -----------------------------------------------------------------

def sessions(t):
    clicks = t["clickstream.csv"]
    order = np.lexsort((clicks["ts"], clicks["user_id"]))
    user, ts = clicks["user_id"][order], clicks["ts"][order]
    new = np.ones(len(ts), dtype=bool)
    new[1:] = (user[1:] != user[:-1]) | (ts[1:] - ts[:-1] >= SESSION_GAP)
    return {"user_id": user[new], "start": ts[new]}


def session_counts(t):
    s = t["sessions.csv"]
    users, counts = np.unique(s["user_id"][s["start"] >= SNAPSHOT - WINDOW_DAYS * DAY], return_counts=True)
    return {"user_id": users, "session_count": counts.astype(float)}


def accounts(t, all_rows: bool = False):
    a = t["accounts_db.csv"]
    return _account_columns(a if all_rows else take(a, a["is_current"] == 1))


def baskets(t, in_pence: bool = False):
    o = t["orders_db.csv"]
    users, counts = np.unique(o["user_id"], return_counts=True)
    totals = np.bincount(np.searchsorted(users, o["user_id"]), weights=o["amount_pence"])
    return {"user_id": users, "avg_basket_value": totals / counts / (1 if in_pence else 100)}


def split(t):
    users = np.unique(t["accounts.csv"]["user_id"])
    train, _ = train_test_rows(len(users), t["config.json"]["seed"])
    return {"user_id": users, "is_train": np.isin(np.arange(len(users)), train).astype(np.int64)}


def users(t):
    return join_on_user(t["accounts.csv"], t["session_counts.csv"], t["baskets.csv"])


def features(t):
    return model_inputs(t["users.csv"], np.flatnonzero(t["train_ids.csv"]["is_train"] == 1))


ONE_ROW = Check("one row per user", one_row_per_user)
STEPS = (
    Step("sessions", "web analytics team", ("clickstream.csv",), "sessions.csv", ("user_id", "start"), sessions,
         (Check("every session starts before the snapshot", starts_before_snapshot),)),
    Step("session_counts", "growth team", ("sessions.csv",), "session_counts.csv", ("user_id", "session_count"),
         session_counts, (ONE_ROW,)),
    Step("accounts", "accounts team", ("accounts_db.csv",), "accounts.csv",
         ("user_id", "age", "country", "device", "days_since_signup"), accounts,
         (ONE_ROW, Check("every country is a known one", known_countries))),
    Step("baskets", "checkout team", ("orders_db.csv",), "baskets.csv", ("user_id", "avg_basket_value"), baskets,
         (ONE_ROW, Check("mean orders are in pounds", basket_in_pounds))),
    Step("split", "ML team", ("config.json", "accounts.csv"), "train_ids.csv", ("user_id", "is_train"), split,
         (ONE_ROW,)),
    Step("users", "ML team", ("accounts.csv", "session_counts.csv", "baskets.csv"), "users.csv",
         ("user_id", "age", "country", "device", "days_since_signup", "session_count", "avg_basket_value"), users,
         (ONE_ROW, Check("as many users as accounts", as_many_users_as_accounts))),
    Step("features", "ML team", ("users.csv", "train_ids.csv"), "features.csv",
         ("user_id", "user_age", "session_count", "days_since_signup", "avg_basket_value", "country", "device"),
         features, (ONE_ROW, Check("no missing values", no_missing_values))),
)
STEPS_BY_NAME = {s.name: s for s in STEPS}
# The same two edits as in the jungle, made to the DAG's own step for that job.
BUG_STEPS = {"duplicate_join": "accounts", "basket_in_pence": "baskets"}
_BUGGY = {"duplicate_join": lambda t: accounts(t, all_rows=True), "basket_in_pence": lambda t: baskets(t, in_pence=True)}
assert set(BUG_STEPS) == set(BUGS)


def downstream(changed: set[str]) -> list[str]:
    """The steps that read, directly or not, any of the files in ``changed``, in run order."""
    stale, out = set(changed), []
    for step in STEPS:
        if stale & set(step.inputs):
            out.append(step.name)
            stale.add(step.output)
    return out


def _key(step: Step, version: str, texts: list[str]) -> str:
    digest = hashlib.sha256(f"{step.name}:{version}".encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class DagRun(PrepRun):
    status: dict | None = None  # step -> "ran", "reused", "check failed" or "not run"


def run_dag(sources: dict, seed: int = 2015, bug: str | None = None, cache: dict | None = None) -> DagRun:
    """Run the steps in a fresh temporary folder, reusing from ``cache`` every output whose step code and
    inputs are unchanged (``cache`` is updated); ``bug`` plants one of :data:`BUGS` in its step."""
    check_bug(bug)
    cache = {} if cache is None else cache
    status, executed, files, rows, failed = {}, [], {}, 0, None
    with tempfile.TemporaryDirectory(prefix="larkspur-dag-") as folder:
        write_sources(folder, sources, seed)
        texts = {}
        for name in os.listdir(folder):
            with open(os.path.join(folder, name)) as f:
                texts[name] = f.read()
        for step in STEPS:
            if any(i not in texts for i in step.inputs):  # downstream of a failed check
                status[step.name] = "not run"
                continue
            buggy = bug is not None and BUG_STEPS[bug] == step.name
            key = _key(step, step.version + (f"+{bug}" if buggy else ""), [texts[i] for i in step.inputs])
            if key in cache:
                text = cache[key]
                status[step.name] = "reused"
            else:
                inputs = {i: (json.loads(texts[i]) if i.endswith(".json") else read_csv(os.path.join(folder, i), TYPES))
                          for i in step.inputs}
                table = (_BUGGY[bug] if buggy else step.compute)(inputs)
                table = {c: table[c] for c in step.columns}  # the declared columns, in the declared order
                executed.append(step.name)
                problems = [f"{c.says}: {msg}" for c in step.checks if (msg := c.failure(table, inputs))]
                if problems:
                    failed = failed or (step.name, "; ".join(problems))
                    status[step.name] = "check failed"
                    continue
                text = csv_text(table)
                cache[key] = text
                rows += text.count("\n") - 1
                status[step.name] = "ran"
            with open(os.path.join(folder, step.output), "w") as out:
                out.write(text)
            texts[step.output] = files[step.output] = text
        result = read_features(os.path.join(folder, "features.csv")) if not failed else None
    return DagRun(result, files, tuple(executed), failed, rows, status)
