"""Lesson 16's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.monitoring_and_testing.experiment import (
    INPUT_MONITORS,
    MONITORS,
    NUMERIC,
    PSI_CUTOFF,
    alarms,
    CATEGORICAL,
    DAILY_BUDGET,
    FAULT_NAMES,
    caused_alarms,
    chi2_pvalue,
    detection,
    false_alarms_per_month,
    harm_by_day,
    ks_days,
    ks_pvalues,
    psi,
)
from mldebt_lessons.shop.stream import FAULT_DAY, LABEL_DELAY, REFERENCE_DAYS, live_stream


def _delay(world, fault, monitors) -> float:
    d = detection(world, fault, monitors).delay
    return float("nan") if d is None else float(d)


def inputs_catch_units(world) -> float:
    """1 when both the KS tests and PSI catch the pence basket on the day it starts."""
    return float(_delay(world, "unit_change", ("ks",)) == 0 and _delay(world, "unit_change", ("psi",)) == 0)


def inputs_blind_to_slice(world) -> float:
    """Days on which an input monitor's alarms differ between the slice-shift stream and the fault-free one."""
    faulty, clean = live_stream(world, "slice_shift"), live_stream(world)
    return float(sum(np.sum(alarms(faulty, m) != alarms(clean, m)) for m in INPUT_MONITORS))


def slice_bias_delay(world) -> float:
    """Days until prediction bias by slice catches the German churn shift (nan: missed)."""
    return _delay(world, "slice_shift", ("bias_by_slice",))


def slice_beats_overall(world) -> float:
    """Days by which bias by slice catches the German shift before the overall bias does (missed: horizon)."""
    from mldebt_lessons.shop.stream import DAYS, FAULT_DAY
    overall = detection(world, "slice_shift", ("bias",)).delay
    sliced = detection(world, "slice_shift", ("bias_by_slice",)).delay
    horizon = DAYS - FAULT_DAY
    return float((horizon if overall is None else overall) - (horizon if sliced is None else sliced))


def late_labels_blind_bias(world) -> float:
    """1 when label freshness catches late labels after LABEL_DELAY days and both bias monitors miss them."""
    return float(_delay(world, "late_labels", ("label_freshness",)) == LABEL_DELAY
                 and np.isnan(_delay(world, "late_labels", ("bias", "bias_by_slice"))))


def uncorrected_false_alarms(world) -> float:
    """False alarms per month of KS at p < 0.05 per feature, minus those of KS within the 1% daily budget."""
    return false_alarms_per_month(world, "ks_loose") - false_alarms_per_month(world, "ks")


def untouched_column_control(world) -> float:
    """Day-values of the KS p-value of the three inputs the pence fault does not touch, computed afresh on the
    faulty stream, that differ from the fault-free stream's (should be none)."""
    faulty, clean = live_stream(world, "unit_change"), live_stream(world)
    return float(sum(np.sum(~np.isclose(ks_days(faulty, f), ks_pvalues(clean, f), equal_nan=True))
                     for f in NUMERIC if f != "avg_basket_value"))


def fault_free_control(world) -> float:
    """On the fault-free stream: decisions turned wrong plus alarms counted as caused, over every monitor."""
    clean = live_stream(world)
    return float(harm_by_day(world, "none").sum() + sum(caused_alarms(clean, m).sum() for m in MONITORS))


def stuck_harm_waiting(world) -> float:
    """Under the stuck session count: decisions turned wrong before bias by slice catches it, minus before KS does."""
    return (detection(world, "stuck_feature", ("bias_by_slice",)).harm
            - detection(world, "stuck_feature", ("ks",)).harm)


def drift_ks_before_psi(world) -> float:
    """Days by which the KS tests catch the bot drift before PSI at 0.2 does (missed: the horizon)."""
    from mldebt_lessons.shop.stream import DAYS, FAULT_DAY
    horizon = DAYS - FAULT_DAY
    ks = detection(world, "gradual_drift", ("ks",)).delay
    p = detection(world, "gradual_drift", ("psi",)).delay
    return float((horizon if p is None else p) - (horizon if ks is None else ks))


def frozen_country_chi2(world) -> float:
    """1 when chi-square misses all five faults, and both it (at its share of the daily budget) and PSI ring on a
    day whose country input is frozen at its most common value for every user, as when a geo-IP lookup fails
    and everyone gets the default country (no fault of the stream does this)."""
    clean = live_stream(world)
    country = clean.features["country"]
    reference, today = country[clean.day < REFERENCE_DAYS], country[clean.day == FAULT_DAY]
    values, counts = np.unique(reference, return_counts=True)
    frozen = np.full(len(today), values[np.argmax(counts)])
    misses_all = all(detection(world, f, ("chi2",)).delay is None for f in FAULT_NAMES)
    rings = chi2_pvalue(reference, frozen) < DAILY_BUDGET / len(CATEGORICAL) and psi(reference, frozen) > PSI_CUTOFF
    return float(misses_all and rings)


CLAIMS = (
    Claim("inputs_catch_units",
          "An upstream unit change (the basket in pence) is caught on the very day it starts by both the KS tests "
          "and PSI on the inputs.",
          "KS and PSI both catch it on day 0:", inputs_catch_units, lambda v: v == 1, unit="flag"),
    Claim("inputs_blind_to_slice",
          "Control: when German customers start to churn more and no input changes, every input test (KS, "
          "chi-square, PSI) raises exactly the alarms it raises on the fault-free stream, on the same days.",
          "days on which input alarms differ", inputs_blind_to_slice, lambda v: v == 0, unit="count"),
    Claim("slice_bias_delay",
          "Prediction bias by slice catches the German churn shift, but never before the labels arrive, a week "
          "after the decisions.",
          "days to detection", slice_bias_delay, lambda v: LABEL_DELAY <= v <= 30, unit="number"),
    Claim("slice_beats_overall",
          "Cut by slice, the prediction-bias monitor catches the German shift no later than the overall bias does.",
          "days earlier than the overall bias", slice_beats_overall, lambda v: v >= 0, unit="number"),
    Claim("late_labels_blind_bias",
          "When the labels arrive late, only label freshness notices (a week after the fault starts); both "
          "prediction-bias monitors miss it for the whole horizon.",
          "freshness catches it, bias misses:", late_labels_blind_bias, lambda v: v == 1, unit="flag"),
    Claim("uncorrected_false_alarms",
          "On the fault-free stream, KS tests run at p < 0.05 on four inputs a day, with no correction, ring more "
          "false alarms a month than the same tests held to a 1% daily budget.",
          "extra false alarms per month", uncorrected_false_alarms, lambda v: v > 0, unit="number"),
    Claim("untouched_column_control",
          "Control: under the pence fault, the KS tests of the three numeric inputs it does not touch give exactly "
          "the p-values they give on the fault-free stream, day by day, so they cannot fire earlier.",
          "day-values that differ", untouched_column_control, lambda v: v == 0, unit="count"),
    Claim("fault_free_control",
          "Control: with no fault, no decision turns wrong and no monitor raises an alarm that a fault caused "
          "(exactly zero of each).",
          "decisions turned wrong plus caused alarms", fault_free_control, lambda v: v == 0, unit="count"),
    Claim("stuck_harm_waiting",
          "When the session count gets stuck, waiting for labels (prediction bias by slice) lets more decisions "
          "go wrong than a KS test on the inputs, which catches it on day 0.",
          "extra decisions turned wrong", stuck_harm_waiting, lambda v: v > 0, unit="count"),
    Claim("drift_ks_before_psi",
          "Under the slow bot drift, the KS tests catch the creeping session count before PSI reaches its "
          "conventional cut-off of 0.2.",
          "days earlier than PSI", drift_ks_before_psi, lambda v: v > 0, unit="number"),
    Claim("frozen_country_chi2",
          "None of the five faults touches country or device, so chi-square catches none; but on a day when the "
          "country input is frozen at its most common value for every user, chi-square and PSI both ring at once.",
          "misses all five, rings on the frozen day:", frozen_country_chi2, lambda v: v == 1, unit="flag"),
)
