"""Lesson 12's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.abstraction_debt.experiment import (
    SKEWS,
    adhoc_auc,
    leak,
    skew,
    stacking,
    versions_agree,
)


def scaler_leak(world) -> float:
    """Validation AUC, scaler and median fill computed on every row, minus the Pipeline's."""
    return leak(world, "scaler and imputer").inflation


def target_encoding_leak(world) -> float:
    """Validation AUC, postcode areas' churn rates computed on every row, minus the Pipeline's."""
    return leak(world, "target encoding").inflation


def selection_leak(world) -> float:
    """Validation AUC, vendor columns picked on every row, minus the Pipeline's."""
    return leak(world, "feature selection").inflation


def in_sample_encoding(world) -> float:
    """Validation AUC, hand-written target encoding fitted on the training rows only, minus the Pipeline's."""
    return adhoc_auc(world, "target encoding", world.train_rows) - leak(world, "target encoding").pipeline_auc


def fewest_flips_by_hand(world) -> float:
    """The smallest share of decisions flipped by one of the three hand re-implementations at serving."""
    return min(skew(world, name).adhoc_flipped for name in SKEWS)


def category_order_flips(world) -> float:
    """Share of served users whose decision flips when serving lists the devices in another order."""
    return skew(world, "category order").adhoc_flipped


def pipeline_flips(world) -> float:
    """Share of decisions the fitted Pipeline flips when it serves the validation rows in batches."""
    return max(skew(world, name).pipeline_flipped for name in SKEWS)


def score_difference(world) -> float:
    """The largest difference between the two versions' churn scores, both fitted on training rows."""
    return versions_agree(world)


def stacking_trust(world) -> float:
    """Downstream weight on the upstream score: trained on in-sample scores / on out-of-fold scores."""
    return stacking(world).weight_ratio


def stacking_auc_gain(world) -> float:
    """Validation AUC of the cascade with out-of-fold upstream scores minus with in-sample ones."""
    s = stacking(world)
    return s.auc_out_of_fold - s.auc_in_sample


CLAIMS = (
    Claim("scaler_leak_is_tiny",
          "Computing the median fill and the scaler on every row before the split moves the churn model's "
          "validation AUC (ad hoc minus Pipeline) by less than 0.005 either way.",
          "validation AUC, ad hoc (fitted on every row) minus Pipeline", scaler_leak,
          lambda v: abs(v) < 0.005, unit="auc"),
    Claim("label_leak_inflates",
          "Computing each postcode area's churn rate (target encoding, a step that reads the label) on every row "
          "before the split inflates the validation AUC (ad hoc minus Pipeline) by more than 0.02, though the area "
          "holds no churn signal.",
          "validation AUC, ad hoc minus Pipeline", target_encoding_leak, lambda v: v > 0.02, unit="auc"),
    Claim("in_sample_encoding_hurts",
          "Fitted on the training rows only, the hand-written target encoding scores a lower validation AUC than "
          "the Pipeline's cross-fitted one: each training user's area rate holds their own label.",
          "validation AUC, hand-written (training rows) minus Pipeline", in_sample_encoding, lambda v: v < 0,
          unit="auc"),
    Claim("selection_leak_inflates",
          "Picking 10 of 200 noise columns by their correlation with churn on every row before the split "
          "inflates the validation AUC (ad hoc minus Pipeline is above 0).",
          "validation AUC, ad hoc minus Pipeline", selection_leak, lambda v: v > 0, unit="auc"),
    Claim("hand_serving_flips",
          "Each of the three hand re-implementations of the preparation at serving (batch statistics, "
          "another fill value, another device order) flips some users' decisions.",
          "the smallest share flipped of the three", fewest_flips_by_hand, lambda v: v > 0, unit="share"),
    Claim("category_order_flips_many",
          "Listing the devices at serving in the sign-up form's order, not training's sorted order, flips the churn "
          "decision of more than a fifth of the served users.",
          "share of served users whose decision flips", category_order_flips, lambda v: v > 0.2, unit="share"),
    Claim("pipeline_serves_same",
          "Control: the fitted Pipeline, serving the same users in batches of 50, flips exactly zero decisions.",
          "share of decisions flipped", pipeline_flips, lambda v: v == 0, unit="share"),
    Claim("versions_agree",
          "Control: fitted on the training rows only, the hand-written and the Pipeline versions give the same "
          "churn scores (they differ by less than 1e-9).",
          "largest score difference", score_difference, lambda v: v < 1e-9, unit="number"),
    Claim("stacking_overtrusts",
          "In a two-model cascade inside one Pipeline, the downstream model's weight on the upstream score is more "
          "than twice as large when that score comes from the rows the upstream model was fitted on as when it "
          "is out of fold.",
          "weight on the upstream score, in-sample / out of fold", stacking_trust, lambda v: v > 2, unit="ratio"),
    Claim("out_of_fold_scores_better",
          "The same cascade scores a higher validation AUC when its upstream score is out of fold.",
          "validation AUC, out of fold minus in-sample", stacking_auc_gain, lambda v: v > 0, unit="auc"),
)
