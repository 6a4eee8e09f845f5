"""Lesson 05's claims as code, each measured in one world; see :mod:`mldebt_lessons.course.claims`.

Headline claims hold in every world measured; the others are stated with their true count
(``mldebt claims 05``).

>>> from mldebt_lessons.shop.world import build_world
>>> pruned_fragility(build_world())
0.0
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
    ALL_FEATURES,
    BASE_INPUTS,
    BUNDLE,
    PRUNED,
    all_qualities,
    coefficient,
    leave_one_out,
    model_quality,
)


def _gain(world, dropped):
    return leave_one_out(world, ALL_FEATURES, dropped)


def legacy_over_useful(world) -> float:
    """|gain of the legacy code| as a share of the gain of inactive_30d, both left out of the full model."""
    return abs(_gain(world, "platform_code_v1").gain) / _gain(world, "inactive_30d").gain


def useful_member_beyond_noise(world) -> float:
    """inactive_30d's gain minus its noise floor (positive: it earns its place)."""
    row = _gain(world, "inactive_30d")
    return row.gain - row.noise


def useless_members_best_gain(world) -> float:
    """The larger gain of the bundle's two other members (negative: the model is better without either)."""
    return max(_gain(world, name).gain for name in BUNDLE if name != "inactive_30d")


def bundle_gain(world) -> float:
    return _gain(world, BUNDLE).gain


def epsilon_over_noise(world) -> float:
    """member_over_a_year's gain minus its noise floor (at most 0: it cannot be told from noise)."""
    row = _gain(world, "member_over_a_year")
    return row.gain - row.noise


def catalogue_weight(world) -> float:
    """The full model's weight on catalogue_subscriber, per standard deviation."""
    return coefficient(world, ALL_FEATURES, "catalogue_subscriber")


def catalogue_beyond_noise(world) -> float:
    row = _gain(world, "catalogue_subscriber")
    return row.gain - row.noise


WITH_CATALOGUE = BASE_INPUTS + ("catalogue_subscriber",)


def age_weight_taken(world) -> float:
    """user_age's weight without the catalogue flag minus with it (positive: the flag took some of age's credit)."""
    return coefficient(world, BASE_INPUTS, "user_age") - coefficient(world, WITH_CATALOGUE, "user_age")


def catalogue_gain_today(world) -> float:
    """Today's inputs' loss minus the loss with the flag added, today (positive: the flag helps today)."""
    return model_quality(world, BASE_INPUTS).loss_now - model_quality(world, WITH_CATALOGUE).loss_now


def catalogue_cost_a_year_later(world) -> float:
    """A year later: the loss with the flag minus the loss of the model that never read it (positive: worse)."""
    return model_quality(world, WITH_CATALOGUE).loss_later - model_quality(world, BASE_INPUTS).loss_later


def untouched_choices_largest_move(world) -> float:
    """The largest |fragility| among the choices that read neither feature the world changes (control: 0)."""
    changed = {"platform_code_v1", "catalogue_subscriber"}
    return max(abs(q.fragility) for ticked, q in all_qualities(world).items() if not ticked & changed)


def full_fragility(world) -> float:
    return model_quality(world, ALL_FEATURES).fragility


def pruned_fragility(world) -> float:
    return model_quality(world, PRUNED).fragility


def catalogue_fragility(world) -> float:
    return model_quality(world, BASE_INPUTS + ("catalogue_subscriber",)).fragility


def legacy_fragility(world) -> float:
    return model_quality(world, BASE_INPUTS + ("platform_code_v1",)).fragility


def pruned_lead_a_year_later(world) -> float:
    """The full model's loss a year later minus the pruned model's (positive: pruned is better)."""
    return model_quality(world, ALL_FEATURES).loss_later - model_quality(world, PRUNED).loss_later


def pruned_cost_today(world) -> float:
    """The pruned model's loss today minus the full model's (what pruning costs before the world changes)."""
    return model_quality(world, PRUNED).loss_now - model_quality(world, ALL_FEATURES).loss_now


def owners_saved(world) -> float:
    """Teams the full model depends on that the pruned one does not."""
    return float(len(model_quality(world, ALL_FEATURES).owners) - len(model_quality(world, PRUNED).owners))


CLAIMS = (
    Claim("legacy_adds_nothing",
          "Leaving the legacy platform code out changes the loss by less than a hundredth of what leaving out "
          "inactive_30d does: it repeats what device already says.",
          "|legacy gain| as a share of inactive_30d's gain", legacy_over_useful, lambda v: v < 0.01, unit="share"),
    Claim("useless_bundle_members",
          "The bundle's other two members (pages_per_session, scroll_depth) cost quality: the model is better "
          "without either of them.",
          "the larger of their two gains, thousandths", useless_members_best_gain, lambda v: v < 0, unit="number"),
    Claim("useful_member_earns_its_place",
          "inactive_30d, the bundle's one useful member, gains more than its noise floor.",
          "its gain minus its noise floor, thousandths", useful_member_beyond_noise, lambda v: v > 0,
          headline=False, unit="number"),
    Claim("bundle_helps_as_a_group",
          "Judged as a group, the bundle helps: leaving all three out makes the model worse.",
          "the bundle's gain, thousandths", bundle_gain, lambda v: v > 0, headline=False, unit="number"),
    Claim("epsilon_within_noise",
          "The one-year badge (an ε-feature) gains no more than its noise floor: it cannot be told from "
          "refitting on other data.",
          "its gain minus its noise floor, thousandths", epsilon_over_noise, lambda v: v <= 0, unit="number"),
    Claim("catalogue_gets_credit",
          "The model gives the catalogue flag positive weight, crediting it with churn that age causes.",
          "weight on catalogue_subscriber, per standard deviation", catalogue_weight, lambda v: v > 0,
          unit="number"),
    Claim("catalogue_takes_age_credit",
          "Adding the catalogue flag shrinks user_age's weight: the flag takes some of the credit for what age "
          "causes.",
          "user_age's weight without the flag minus with it, per standard deviation", age_weight_taken,
          lambda v: v > 0, unit="number"),
    Claim("catalogue_helps_today",
          "Today, adding the catalogue flag to today's inputs lowers the loss.",
          "today's inputs' loss minus the loss with the flag, thousandths", catalogue_gain_today,
          lambda v: v > 0, headline=False, unit="number"),
    Claim("catalogue_worse_than_never_a_year_later",
          "A year later, the model that added the catalogue flag is worse than the model that never read it.",
          "its loss minus that model's loss, a year later, thousandths", catalogue_cost_a_year_later,
          lambda v: v > 0, unit="number"),
    Claim("catalogue_passes_leave_one_out",
          "Leave-one-feature-out would keep the catalogue flag: its gain is beyond its noise floor.",
          "its gain minus its noise floor, thousandths", catalogue_beyond_noise, lambda v: v > 0,
          headline=False, unit="number"),
    Claim("full_model_breaks_a_year_later",
          "A year later (legacy code blank, catalogue posted at random), the model with every candidate gets "
          "worse.",
          "rise in its loss, thousandths", full_fragility, lambda v: v > 0, unit="number"),
    Claim("catalogue_model_breaks",
          "The correlation breaking alone hurts: the model with only the catalogue added gets worse a year later.",
          "rise in its loss, thousandths", catalogue_fragility, lambda v: v > 0, unit="number"),
    Claim("legacy_model_breaks",
          "The legacy code going blank alone hurts: the model with only the legacy code added gets worse a "
          "year later.",
          "rise in its loss, thousandths", legacy_fragility, lambda v: v > 0, headline=False, unit="number"),
    Claim("pruned_model_unmoved",
          "The pruned model (today's inputs plus inactive_30d) moves by exactly zero a year later: it reads "
          "nothing that changed.",
          "rise in its loss, thousandths", pruned_fragility, lambda v: v == 0.0, unit="number"),
    Claim("untouched_choices_unmoved",
          "Every choice of candidates that reads neither changed feature moves by exactly zero a "
          "year later.",
          "the largest rise or fall among them, thousandths", untouched_choices_largest_move, lambda v: v == 0.0,
          unit="number"),
    Claim("pruned_beats_full_a_year_later",
          "A year later the pruned model is better than the model with every candidate.",
          "full model's loss minus the pruned model's, thousandths", pruned_lead_a_year_later, lambda v: v > 0,
          unit="number"),
    Claim("pruned_costs_little_today",
          "Today, before the world changes, the pruned model is a little worse than the full one (in the other "
          "worlds, already better).",
          "pruned model's loss minus the full model's, thousandths", pruned_cost_today, lambda v: v > 0,
          headline=False, unit="number"),
    Claim("pruned_needs_fewer_teams",
          "The pruned model depends on fewer teams: three owners fewer than the model with every candidate.",
          "teams saved", owners_saved, lambda v: v == 3, unit="count"),
)
