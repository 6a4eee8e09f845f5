"""Lesson 14's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.configuration_debt.experiment import (
    CONTROL,
    EXPECTED,
    MISTAKES,
    SEEDED,
    mistake_report,
    mistake_text,
    outcome,
    production_summary,
)
from mldebt_lessons.shop.config import load_config_text
from mldebt_lessons.shop.config.pipeline import fit_config

HARMFUL = tuple(name for name in SEEDED if name != "unused setting")


def reach_without_checker(world) -> float:
    """Seeded mistakes the lenient pipeline loads, refits and serves (of 8)."""
    return float(production_summary(world)["reach_without"])


def reach_with_checker(world) -> float:
    """Seeded mistakes that pass all six checks and reach production anyway (of 8)."""
    return float(production_summary(world)["reach_with"])


def each_caught_as_named(world) -> float:
    """1 when every mistake (and the control) fails exactly the principles the lesson names for it."""
    return float(all(outcome(world, name).caught_by == EXPECTED[name] for name in MISTAKES))


def smallest_harm(world) -> float:
    """The smallest share of decisions flipped by one of the seven mistakes that change what a model does."""
    return min(outcome(world, name).flipped for name in HARMFUL)


def flips_prevented(world) -> float:
    """Of the decisions the eight mistakes flip (summed), the share the checker keeps from users."""
    s = production_summary(world)
    return 1 - s["flipped_with"] / s["flipped_without"]


def stand_in_auc_lost(world) -> float:
    """AUC points churn_model loses served the cheaper stand-in; -1 if the checker stopped it."""
    o = outcome(world, "cheaper stand-in")
    return o.quality_lost if not o.caught else -1.0


def unavailable_mae(world) -> float:
    """Pounds of mean absolute error ltv_model adds when its window reaches back before the basket was logged."""
    return outcome(world, "unavailable before day 60").quality_lost


def percent_holds(world) -> float:
    """Share of held-out users the fraud model holds with the threshold typed as 15."""
    return float(np.mean(fit_config(world, load_config_text(mistake_text("threshold as percent"))).decisions))


def unused_setting_flips(world) -> float:
    """Decisions flipped by the unused setting, plus 1 if the checker's P5 does not flag it."""
    o = outcome(world, "unused setting")
    return o.flipped + (0.0 if "P5" in o.caught_by else 1.0)


def control_flips(world) -> float:
    """Decisions flipped by reordering the keys and adding a comment, plus 1 if the checker stops it."""
    o = outcome(world, CONTROL)
    return o.flipped + (0.0 if mistake_report(CONTROL).passed else 1.0)


def unpinned_auc_change(world) -> float:
    """How far churn_model's AUC moves (either way) when served days_since_signup v2 after training on v1."""
    return abs(outcome(world, "unpinned version").quality_lost)


CLAIMS = (
    Claim("reach_without_checker",
          "Without a checker, all 8 seeded configuration mistakes load, refit and reach production: the lenient "
          "pipeline skips what it does not know and runs the rest.",
          "mistakes reaching production (of 8)", reach_without_checker, lambda v: v == 8, unit="count"),
    Claim("reach_with_checker",
          "With the six-principle checker in front of the pipeline, 7 of the 8 are stopped; exactly one reaches "
          "production.",
          "mistakes reaching production (of 8)", reach_with_checker, lambda v: v == 1, unit="count"),
    Claim("each_caught_as_named",
          "Each mistake fails exactly the principles named for it (the cheaper stand-in fails none), and the "
          "control fails none.",
          "every verdict as named:", each_caught_as_named, lambda v: v == 1, unit="flag"),
    Claim("smallest_harm",
          "Each of the 7 mistakes that change what a model does flips more than 1% of its model's decisions on "
          "held-out users, measured with real refits.",
          "smallest share of decisions flipped", smallest_harm, lambda v: v > 0.01, unit="share"),
    Claim("flips_prevented",
          "Summed over the 8 mistakes, the checker keeps more than half of the flipped decisions from users.",
          "share of flipped decisions prevented", flips_prevented, lambda v: v > 0.5, unit="share"),
    Claim("stand_in_auc_lost",
          "The cheaper stand-in passes all six checks, and the churn model served it loses AUC: a valid config can "
          "still be a costly one.",
          "AUC lost by churn_model", stand_in_auc_lost, lambda v: v > 0, unit="auc"),
    Claim("unavailable_mae",
          "A window reaching back before the basket was logged trains ltv_model on zeros for a third of its rows: "
          "its error against the true spend grows by more than £10 a customer.",
          "extra mean absolute error (GBP)", unavailable_mae, lambda v: v > 10, unit="pounds"),
    Claim("percent_holds",
          "Typed as 15 instead of 0.15, the fraud threshold holds no one: the review queue gets exactly zero users.",
          "share of users held", percent_holds, lambda v: v == 0, unit="share"),
    Claim("unused_setting_flips",
          "Control: the unused setting (C: 0.1 for a tree model) flips exactly zero decisions, and P5 still flags "
          "it.",
          "decisions flipped (+1 if not flagged)", unused_setting_flips, lambda v: v == 0, unit="share"),
    Claim("control_flips",
          "Control: reordering the keys and adding a comment flips exactly zero decisions, and the checker passes "
          "it.",
          "decisions flipped (+1 if stopped)", control_flips, lambda v: v == 0, unit="share"),
    Claim("unpinned_auc_change",
          "Served v2 (weeks) of days_since_signup after training on v1 (days), the churn model's AUC moves by less "
          "than 0.02 either way while its decisions flip: AUC alone would not show the mistake.",
          "AUC change, either way", unpinned_auc_change, lambda v: v < 0.02, headline=False, unit="auc"),
)
