"""Lesson 17's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.other_debts.experiment import (

    FAULT_NAMES,
    HOME_MODELS,
    SANITY,
    SOURCES,
    auc_with,
    caught_by,
    harm,
    models_to_redo,
    noise_floor,
    only_unpinned,
    readers,
    repro_spread,
    runbook_minutes,
)
from mldebt_lessons.shop.models import model_spec


def faults_caught(world) -> float:
    """Faults caught when all five checks run (of the six)."""
    return float(sum(bool(caught_by(world, f)) for f in FAULT_NAMES))


def distribution_blind(world) -> float:
    """1 when the distribution tests miss both the empty session counts and the repeated rows, which a null
    check and a uniqueness check catch."""
    nulls, dups = caught_by(world, "null_sessions"), caught_by(world, "duplicates")
    return float("distribution" not in nulls and "distribution" not in dups and "nulls" in nulls and "unique" in dups)


def sanity_blind_reset(world) -> float:
    """Decisions the sign-up reset changes when only the sanity checks run (0 if one of them catches it)."""
    caught = set(caught_by(world, "signup_reset")) & set(SANITY)
    return 0.0 if caught else float(harm(world, "signup_reset").total)


def birth_year_range_only(world) -> float:
    """1 when the 5% of ages typed as a year of birth are caught by the range check and missed by the KS test."""
    by = caught_by(world, "birth_year")
    return float("range" in by and "distribution" not in by)


def fewest_slipped(world) -> float:
    """With no check on: the fewest decisions any fault changes (the repeated rows: actions taken twice)."""
    return float(min(harm(world, f).total for f in FAULT_NAMES))


def untouched_models_control(world) -> float:
    """Decisions changed, over every fault, in the models that do not read the column the fault touches."""
    return float(sum(harm(world, f).changed[m] for f in FAULT_NAMES for m in HOME_MODELS if m not in readers(f)))


def clean_batch_alarms(world) -> float:
    """Checks that raise an alarm on the fault-free batch (false alarms)."""
    return float(len(caught_by(world, "none")))


def each_source_flips(world) -> float:
    """The smallest share of decisions flipped by one unpinned source alone (seed, order or snapshot)."""
    return min(repro_spread(world, only_unpinned(s)).flipped for s in SOURCES)


def pinned_control(world) -> float:
    """Share of decisions flipped between two runs with the seed, the order and the snapshot all pinned."""
    return repro_spread(world, tuple(SOURCES)).flipped


def seed_auc_range(world) -> float:
    """The AUC's range (points) over the re-runs when only the seed is free."""
    return 100 * repro_spread(world, only_unpinned("seed")).auc_range


def automation_saves(world) -> float:
    """Share of the human minutes to retrain and redeploy every model that automating the common steps removes
    (from the stated minutes per step)."""
    models = models_to_redo(world)
    by_hand, automated = runbook_minutes(world, models), runbook_minutes(world, models, automated=True)
    return 1 - sum(automated.values()) / sum(by_hand.values())


def cascade_in_order(world) -> float:
    """Models to redo after a change to fraud_model (1 more than itself when fraud_model_es follows it)."""
    order = models_to_redo(world, "fraud_model")
    return float(len(order)) if order[0] == "fraud_model" and "fraud_model_es" in order else 0.0


def _loss_in_floors(world, name: str, deleted: str) -> float:
    inputs = model_spec(name).inputs
    kept = tuple(i for i in inputs if i != deleted)
    return (auc_with(world, name, inputs) - auc_with(world, name, kept)) / noise_floor(world, name, kept)


def country_deletable(world) -> float:
    """AUC lost by deleting country from the recommender, in noise floors."""
    return _loss_in_floors(world, "recommender", "country")


def sessions_needed(world) -> float:
    """AUC lost by deleting session_count from the recommender, in noise floors."""
    return _loss_in_floors(world, "recommender", "session_count")



CLAIMS = (
    Claim("faults_caught",
          "With all five checks on tonight's batch (schema, range, nulls, uniqueness, distribution tests), each of "
          "the six seeded faults is caught by at least one.",
          "faults caught, of 6", faults_caught, lambda v: v == 6, unit="count"),
    Claim("distribution_blind",
          "The distribution tests miss the empty session counts and the repeated rows (a null check and a uniqueness "
          "check catch them): their values look like the reference's.",
          "both missed by the tests, both caught by the checks:", distribution_blind, lambda v: v == 1, unit="flag"),
    Claim("birth_year_range_only",
          "When 5% of ages arrive as a year of birth, the range check catches it and the KS test on ages does not.",
          "range catches, KS misses:", birth_year_range_only, lambda v: v == 1, unit="flag"),
    Claim("sanity_blind_reset",
          "The sanity checks alone miss the sign-up dates reset to the last 30 days (every value is in range), "
          "and the batch changes real decisions; only the distribution test catches it.",
          "decisions changed past the sanity checks", sanity_blind_reset, lambda v: v > 0, unit="count"),
    Claim("fewest_slipped",
          "With no checks, every fault reaches the decisions: each changes some model decisions or repeats some "
          "actions.",
          "fewest decisions changed by a fault", fewest_slipped, lambda v: v > 0, unit="count"),
    Claim("untouched_models_control",
          "Control: a model that does not read the column a fault touches makes exactly the decisions it makes on "
          "the clean batch.",
          "decisions changed in models not reading the column", untouched_models_control, lambda v: v == 0,
          unit="count"),
    Claim("clean_batch_alarms",
          "On the fault-free batch no check raises an alarm.",
          "false alarms on the clean batch", clean_batch_alarms, lambda v: v == 0, unit="count", headline=False),
    Claim("each_source_flips",
          "Re-running the same churn training flips some decisions when any one source is left free: the random "
          "seed, the order of the rows, or the data snapshot.",
          "smallest share flipped by one free source", each_source_flips, lambda v: v > 0, unit="share"),
    Claim("seed_auc_range",
          "With only the seed free, the AUC itself moves between re-runs of the same training.",
          "AUC range over the re-runs", seed_auc_range, lambda v: v > 0, unit="points"),
    Claim("pinned_control",
          "Control: with the seed, the order and the snapshot all pinned, a re-run flips exactly no decision.",
          "share flipped", pinned_control, lambda v: v == 0, unit="share"),
    Claim("automation_saves",
          "With the runbook's stated minutes per step, automating the common steps removes most of the human time "
          "to retrain and redeploy all five models (a person still signs off and tells the consumers).",
          "share of human minutes removed", automation_saves, lambda v: v > 0.5, unit="share"),
    Claim("cascade_in_order",
          "The graph says a retrained fraud_model must be followed by a retrained fraud_model_es, which reads its "
          "score.",
          "models to redo, fraud_model first", cascade_in_order, lambda v: v == 2, unit="count"),
    Claim("country_deletable",
          "Deleting country from the recommender keeps the AUC it loses within the noise floor (twice the "
          "bootstrap standard deviation of that loss).",
          "AUC lost, in noise floors", country_deletable, lambda v: v <= 1, unit="ratio"),
    Claim("sessions_needed",
          "Deleting session_count from the recommender costs more AUC than the noise floor, in most worlds.",
          "AUC lost, in noise floors", sessions_needed, lambda v: v > 1, unit="ratio", headline=False),
)
