"""Lesson 01's claims as code: every measured sentence of the lesson, measured in many worlds.

See :mod:`mldebt_lessons.course.claims`. Each ``measure`` takes one world and measures only what its
sentence needs; :func:`measure_cace` caches per world, so claims that share an experiment share it.

>>> from mldebt_lessons.shop.world import build_world
>>> claim = next(c for c in CLAIMS if c.name == "threshold_reaches_no_model")
>>> claim.holds(claim.measure(build_world()))
True
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODES,
    measure_cace,
    retrained_weights,
)


def effect_of(world, target: str, change: str, mode: str, model: str):
    """One model's measured effect."""
    return next(e for e in measure_cace(world, target, change, mode) if e.model == model)


def flips(world, target, change, mode, model) -> float:
    return effect_of(world, target, change, mode, model).decisions_flipped


def lead_of(world, target: str, change: str, model: str, partner: str) -> float:
    """How far ``partner``'s weight moves after retraining, over the largest move of any other input
    (above 1: ``partner`` moves most). The changed input itself is left out."""
    before = world.models[model].input_weights()
    after = retrained_weights(world, target, change, "retrained", model)
    changed = change.split(" ", 1)[1] if change.startswith(("add ", "drop ")) else target
    moves = {k: abs(after.get(k, 0.0) - before[k]) for k in before if k != changed}
    rest = max(v for k, v in moves.items() if k != partner)
    return moves[partner] / rest if rest else float("inf")


# --- the measures ------------------------------------------------------------------------------

def skew_flips(world) -> float:
    return flips(world, "user_age", "units", "serving", "churn_model")


def skew_over_noise(world) -> float:
    e = effect_of(world, "user_age", "units", "serving", "churn_model")
    return e.decisions_flipped / e.noise_flipped


def skew_auc_change(world) -> float:
    return effect_of(world, "user_age", "units", "serving", "churn_model").quality_change


def retrained_scale_flips(world) -> float:
    return max(flips(world, "user_age", change, "retrained", "churn_model") for change in ("units", "rescale"))


def ridge_rescale_score_change(world) -> float:
    return effect_of(world, "user_age", "rescale", "retrained", "ltv_model").mean_abs_score_change


def unmoved_fill_readers(world) -> float:
    """How many (reader, mode) pairs a new fill value leaves with exactly the same scores."""
    return float(sum(e.mean_abs_score_change == 0 for feature in ("user_age", "avg_basket_value") for mode in MODES
                     for e in measure_cace(world, feature, "impute", mode) if e.reads_feature))


def fill_flips_vip(world) -> float:
    return flips(world, "user_age", "impute", "serving", "ltv_model")


def fill_flips_churn_retrained(world) -> float:
    return flips(world, "user_age", "impute", "retrained", "churn_model")


def trees_monotone_flips(world) -> float:
    return max(flips(world, feature, change, "retrained", "fraud_model")
               for feature in ("user_age", "avg_basket_value", "days_since_signup")
               for change in ("log", "units", "rescale"))


def log_partner_lead(world) -> float:
    return lead_of(world, "user_age", "log", "churn_model", "days_since_signup")


def drop_partner_lead(world) -> float:
    return lead_of(world, "churn_model", "drop days_since_signup", "churn_model", "user_age")


def log_shift_over_noise(world) -> float:
    e = effect_of(world, "user_age", "log", "retrained", "churn_model")
    return e.other_inputs_shift / e.noise_shift


def threshold_move_downstream(world) -> float:
    return sum(e.decisions_flipped + e.mean_abs_score_change
               for change in ("lower threshold", "raise threshold") for mode in MODES
               for e in [effect_of(world, "fraud_model", change, mode, "fraud_model_es")])


CONTROL_RUNS = (("user_age", "units", "serving"), ("user_age", "log", "retrained"),
                ("session_count", "drop", "retrained"), ("churn_model", "balanced classes", "retrained"),
                ("fraud_model", "add session_count", "retrained"), ("ltv_model", "stronger penalty", "retrained"))


def control_movement(world) -> float:
    """Everything that moved, summed over the models each run cannot reach (0 if the controls hold)."""
    return sum(e.decisions_flipped + e.mean_abs_score_change + abs(e.quality_change) + e.other_inputs_shift
               for run in CONTROL_RUNS for e in measure_cace(world, *run) if not e.downstream)


def balanced_fraud_flips(world) -> float:
    return flips(world, "fraud_model", "balanced classes", "retrained", "fraud_model")


def penalty_over_noise(world) -> float:
    e = effect_of(world, "churn_model", "stronger penalty", "retrained", "churn_model")
    return e.decisions_flipped / e.noise_flipped


CLAIMS = (
    Claim("skew_flips_most_churn_decisions",
          "Switching user_age from years to months without retraining flips more than half of churn_model's "
          "decisions.",
          "churn decisions flipped", skew_flips, lambda v: v > 0.5, unit="share"),
    Claim("skew_above_noise_floor",
          "That is more decisions than retraining with another seed and no change flips (the noise floor).",
          "flips over the noise floor", skew_over_noise, lambda v: v > 1, unit="ratio"),
    Claim("skew_lowers_auc",
          "The same skew also lowers churn_model's AUC (its ranking of users).",
          "change in AUC", skew_auc_change, lambda v: v < 0, headline=False, unit="auc"),
    Claim("standardised_model_undoes_scale",
          "Retrained on ages in months, or min-max rescaled, the standardised churn_model flips no decision at all.",
          "churn decisions flipped", retrained_scale_flips, lambda v: v == 0, unit="share"),
    Claim("ridge_still_moves_after_rescale",
          "Retrained on a min-max rescaled user_age, the ridge ltv_model's scores still move: its penalty "
          "depends on each input's scale.",
          "mean change of predicted spend (GBP)", ridge_rescale_score_change, lambda v: v > 0, unit="number"),
    Claim("trees_undo_monotone_changes",
          "Retrained on a log, a rescale or a change of units of any input it reads, the boosted-trees "
          "fraud_model flips fewer than 1% of its decisions: trees only use the order of values.",
          "largest share of fraud decisions flipped", trees_monotone_flips, lambda v: v < 0.01, unit="share"),
    Claim("fill_value_moves_every_reader",
          "A new fill value for missing values (impute) moves the scores of every model that reads the feature, "
          "retrained or not.",
          "readers whose scores did not move", unmoved_fill_readers, lambda v: v == 0, unit="count"),
    Claim("fill_value_flips_vip_decisions",
          "Without retraining, a new fill value for user_age flips some VIP decisions of ltv_model.",
          "VIP decisions flipped", fill_flips_vip, lambda v: v > 0, headline=False, unit="share"),
    Claim("fill_value_flips_churn_after_retraining",
          "Even after retraining, a new fill value for user_age flips some churn decisions.",
          "churn decisions flipped", fill_flips_churn_retrained, lambda v: v > 0, headline=False, unit="share"),
    Claim("n_minus_1_moves_the_correlated_input",
          "Retrained on log(user_age), churn_model moves the weight of days_since_signup, the input that "
          "correlates with age, more than any other untouched input's.",
          "its move over the next-largest", log_partner_lead, lambda v: v > 1, unit="ratio"),
    Claim("dropping_a_feature_shifts_its_partner",
          "When days_since_signup is dropped from churn_model, user_age's weight moves more than any other's: "
          "it takes over part of its correlated partner's signal.",
          "its move over the next-largest", drop_partner_lead, lambda v: v > 1, unit="ratio"),
    Claim("n_minus_1_within_noise",
          "In total, a log of user_age moves churn_model's other weights less than retraining on another sample "
          "of users does: the n-1 effect is systematic but small.",
          "their move over its noise floor", log_shift_over_noise, lambda v: v < 1, unit="ratio"),
    Claim("threshold_reaches_no_model",
          "Changing fraud_model's threshold moves no score or decision of fraud_model_es, even retrained: it "
          "reads fraud_model's score, not its decision.",
          "fraud_model_es's flips plus score change", threshold_move_downstream, lambda v: v == 0, unit="number"),
    Claim("controls_show_exactly_zero",
          "A model the change cannot reach shows exactly zero change: no flip, no score move, no quality or "
          "weight change.",
          "total movement of the controls", control_movement, lambda v: v == 0, unit="number"),
    Claim("balancing_classes_flips_most_fraud_decisions",
          "Re-weighting fraud_model's classes to balance flips more than half of its decisions: the fixed "
          "threshold was set for the old scores.",
          "fraud decisions flipped", balanced_fraud_flips, lambda v: v > 0.5, unit="share"),
    Claim("stronger_penalty_within_noise",
          "A ten times stronger penalty on churn_model flips fewer decisions than its noise floor does.",
          "flips over the noise floor", penalty_over_noise, lambda v: v < 1, unit="ratio"),
)
