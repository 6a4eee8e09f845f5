"""Larkspur's day-to-day operations: a nightly batch of raw data with seeded faults, and the runbook that
retrains and redeploys its models.

The *batch* is the home market's held-out users as the raw sources deliver them (with a ``user_id``
column, so duplicates can be seen). A *fault* is one thing that goes wrong upstream, applied to that
batch with its own random stream (``np.random.default_rng([world.seed, 170])``); ``"none"`` is the
fault-free batch. Each fault touches exactly the columns it names.

The *runbook* lists the steps a person takes to retrain and redeploy one model, with the minutes each
takes by hand. These minutes are stated ASSUMPTIONS (typical of a small team doing it by hand), not
measurements; only the counts of models and consumers come from the shop's graph.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> clean, faulty = fault_batch(world, "none"), fault_batch(world, "pence")
>>> bool((faulty["avg_basket_value"] == 100 * clean["avg_basket_value"])[~np.isnan(clean["avg_basket_value"])].all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of

FAULT_STREAM = 170


@dataclass(frozen=True)
class Fault:
    name: str
    what: str  # in words, for people
    touches: tuple[str, ...]  # the columns it changes (``user_id`` for duplicated rows)


FAULTS = {
    "none": Fault("none", "the fault-free batch (the control)", ()),
    "pence": Fault("pence", "orders_db sends the basket in pence, not pounds", ("avg_basket_value",)),
    "null_sessions": Fault("null_sessions", "a clickstream outage leaves a quarter of session counts empty",
                           ("session_count",)),
    "duplicates": Fault("duplicates", "a replayed export repeats a tenth of the rows", ("user_id",)),
    "birth_year": Fault("birth_year", "a new sign-up form lets 5% type their year of birth as their age",
                        ("user_age",)),
    "renamed_device": Fault("renamed_device", "accounts_db renames 'mobile_web' to 'mweb'", ("device",)),
    "signup_reset": Fault("signup_reset", "a migration resets a third of sign-up dates to the last 30 days",
                          ("days_since_signup",)),
}
BIRTH_YEAR_AS_OF = 2025  # the year the faulty form's users type their year of birth in


def check_fault(name: str) -> None:
    if name not in FAULTS:
        raise unknown_choice("fault", name, FAULTS)


def clean_batch(world) -> dict[str, np.ndarray]:
    """The home market's held-out users' raw columns, as delivered, plus their ``user_id``."""
    batch = rows_of(world.raw, world.test_rows)
    batch["user_id"] = world.test_rows.copy()
    return batch


def fault_batch(world, fault: str) -> dict[str, np.ndarray]:
    """The nightly batch with ``fault`` applied (a fresh copy; ``"none"`` is the clean batch)."""
    check_fault(fault)
    batch = {k: v.copy() for k, v in clean_batch(world).items()}
    n = len(batch["user_id"])
    rng = np.random.default_rng([world.seed, FAULT_STREAM])
    hit = rng.random(n)  # one uniform per row: which rows a fault hits
    if fault == "pence":
        batch["avg_basket_value"] = batch["avg_basket_value"] * 100.0
    elif fault == "null_sessions":
        batch["session_count"] = np.where(hit < 0.25, np.nan, batch["session_count"])
    elif fault == "duplicates":
        extra = np.flatnonzero(hit < 0.10)
        batch = {k: np.concatenate([v, v[extra]]) for k, v in batch.items()}
    elif fault == "birth_year":
        age = batch["user_age"]
        typed = (hit < 0.05) & ~np.isnan(age) & (age <= 90)
        batch["user_age"] = np.where(typed, BIRTH_YEAR_AS_OF - age, age)
    elif fault == "renamed_device":
        batch["device"] = np.where(batch["device"] == "mobile_web", "mweb", batch["device"])
    elif fault == "signup_reset":
        reset = rng.integers(0, 30, n).astype(float)
        batch["days_since_signup"] = np.where(hit < 1 / 3, reset, batch["days_since_signup"])
    return batch


@dataclass(frozen=True)
class Step:
    name: str
    minutes: float  # ASSUMED minutes of a person's time, done by hand (not a measurement)
    per: str  # "model": once per model retrained; "consumer": once per consumer of a retrained model
    automatable: bool  # a pipeline can run it with no person (a person still signs off the rest)
    what: str


RUNBOOK = (
    Step("snapshot", 20, "model", True, "find, copy and check the training data snapshot"),
    Step("features", 25, "model", True, "rerun the feature scripts on the snapshot"),
    Step("train", 15, "model", True, "start training and watch it finish"),
    Step("evaluate", 40, "model", True, "compare the new model with the live one, write it up"),
    Step("sign_off", 20, "model", False, "the owning team reviews the write-up and approves"),
    Step("deploy", 30, "model", True, "package, upload and switch traffic to the new model"),
    Step("smoke_test", 15, "model", True, "check live decisions look sane after the switch"),
    Step("tell_consumers", 10, "consumer", False, "tell each declared consumer what changed"),
)
STEPS = {s.name: s for s in RUNBOOK}
