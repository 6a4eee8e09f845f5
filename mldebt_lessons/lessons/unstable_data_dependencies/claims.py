"""Lesson 04's claims as code, each measured in one world; see :mod:`mldebt_lessons.course.claims`.

Every sentence the lesson states about a measured outcome is here. Headline claims hold in every
world measured; the others are stated with their true count (``mldebt claims 04``). The claims
read the live and pinned policies of every change, and the refresh policy of the bot fix and the
fraud retrain (the currency table's refresh retrains the gradient-boosted fraud_model twice more:
the widget shows it, the claims leave it out to stay quick).

>>> from mldebt_lessons.shop.world import build_world
>>> jump(build_world(), "bot_filter", "churn_model") > 0
True
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.unstable_data_dependencies.experiment import (
    CHANGE_RELEASE,
    LAST,
    control_moves,
    release_errors,
    staleness,
)

SESSION_READERS = ("churn_model", "recommender")


def jump(world, change: str, model: str, policy: str = "live") -> float:
    """How much ``model``'s error grows in the one release where the new version ships (after minus before)."""
    errors = release_errors(world, change, policy)[model]
    return errors[CHANGE_RELEASE] - errors[CHANGE_RELEASE - 1]


def least_bot_staleness(world) -> float:
    """The smaller, over the two readers of session_count, of the pinned copy's staleness at the last release."""
    gaps = staleness(world, "bot_filter")
    return min(gaps[m] for m in SESSION_READERS)


def refresh_minus_pinned(world, change: str, model: str) -> float:
    """At the last release: the refreshing reader's error minus the pinned reader's."""
    refresh, pinned = release_errors(world, change, "refresh"), release_errors(world, change, "pinned")
    return refresh[model][LAST] - pinned[model][LAST]


def refresh_minus_pinned_before_refresh(world, change: str, model: str) -> float:
    """The release before the last refresh (the refreshing copy at its oldest): refresh minus pinned."""
    refresh, pinned = release_errors(world, change, "refresh"), release_errors(world, change, "pinned")
    return refresh[model][LAST - 1] - pinned[model][LAST - 1]


def most_refresh_minus_pinned_bots(world) -> float:
    """The larger, over the readers of session_count, of :func:`refresh_minus_pinned_before_refresh` (bot fix)."""
    return max(refresh_minus_pinned_before_refresh(world, "bot_filter", m) for m in SESSION_READERS)


def pinned_model_copy_moves(world) -> float:
    """The largest move of fraud_model_es, reading a copy of fraud_model pinned at release 0, over all releases."""
    errors = release_errors(world, "fraud_retrain", "pinned")["fraud_model_es"]
    return max(abs(v - errors[0]) for v in errors)


def bot_jump_minus_staleness(world) -> float:
    """churn_model: the one-release jump of reading live, minus the pinned copy's staleness at the last release."""
    return jump(world, "bot_filter", "churn_model") - staleness(world, "bot_filter")["churn_model"]


def pinned_bot_drift(world) -> float:
    """churn_model reading the copy of session_count pinned at release 0: its error at the last release minus at 0."""
    errors = release_errors(world, "bot_filter", "pinned")["churn_model"]
    return errors[LAST] - errors[0]


def ltv_live_minus_pinned_currency(world) -> float:
    """ltv_model at the last release: its error reading the exchange-rate table live minus reading the release-0 copy."""
    live, pinned = release_errors(world, "currency_table", "live"), release_errors(world, "currency_table", "pinned")
    return live["ltv_model"][LAST] - pinned["ltv_model"][LAST]


def controls(world) -> float:
    """The largest move of any model that reads nothing below the changed signal (live and pinned, every change)."""
    return control_moves(world, policies=("live", "pinned"))


CLAIMS = (
    Claim("bot_fix_breaks_churn_live",
          "The release web analytics ships its bot fix, churn_model, reading session_count live, gets worse at "
          "once: its error against the truth jumps, and nothing raises an error.",
          "churn_model's jump at the fix, points of probability", lambda w: jump(w, "bot_filter", "churn_model"),
          lambda v: v > 0, unit="points"),
    Claim("bot_fix_moves_recommender",
          "The recommender, the other live reader of session_count, gets worse at the fix too, in most worlds: "
          "what a 'fix' upstream does to a model trained on the old meaning has no fixed sign.",
          "recommender's jump at the fix, points of probability", lambda w: jump(w, "bot_filter", "recommender"),
          lambda v: v > 0, headline=False, unit="points"),
    Claim("currency_switch_breaks_ltv_live",
          "When finance switches its table to euros per pound, ltv_model, reading it live, is suddenly off by more "
          "pounds per customer.",
          "ltv_model's jump at the switch, £ of error per customer",
          lambda w: jump(w, "currency_table", "ltv_model"), lambda v: v > 0, unit="pounds"),
    Claim("currency_switch_breaks_fraud_live",
          "The same switch makes fraud_model, reading the table live, worse at once.",
          "fraud_model's jump at the switch, points of probability",
          lambda w: jump(w, "currency_table", "fraud_model"), lambda v: v > 0, unit="points"),
    Claim("currency_switch_reaches_spain",
          "It reaches Spain's fraud model too, through the table and through fraud_model's score, in most worlds.",
          "fraud_model_es's jump at the switch, points of probability",
          lambda w: jump(w, "currency_table", "fraud_model_es"), lambda v: v > 0, headline=False, unit="points"),
    Claim("fraud_retrain_breaks_spain_live",
          "When the payments team retrains fraud_model, fraud_model_es, reading its score live, gets worse at once.",
          "fraud_model_es's jump at the retrain, points of probability",
          lambda w: jump(w, "fraud_retrain", "fraud_model_es"), lambda v: v > 0, unit="points"),
    Claim("pinned_bot_copy_goes_stale",
          "A copy of session_count pinned at release 0 never breaks, but it drifts from reality as bot traffic "
          "grows: at the last release both its readers are worse than readers that refreshed onto the newest "
          "version and retrained.",
          "the smaller staleness of the two readers at the last release, points",
          least_bot_staleness, lambda v: v > 0, unit="points"),
    Claim("pinned_bot_copy_drifts",
          "Reading the copy of session_count pinned at release 0, churn_model is worse at the last release than at "
          "release 0: the copy still counts bots, and there are more every month.",
          "churn_model's error at the last release minus at release 0, pinned copy, points",
          pinned_bot_drift, lambda v: v > 0, unit="points"),
    Claim("currency_live_worse_than_pinned",
          "At the last release, ltv_model reading the exchange-rate table live is worse off than reading the copy "
          "pinned at release 0: the misread convention costs more than the euro's drift.",
          "ltv_model at the last release, live minus pinned, £ per customer",
          ltv_live_minus_pinned_currency, lambda v: v > 0, unit="pounds"),
    Claim("pinned_currency_copy_goes_stale",
          "A copy of the exchange-rate table pinned at release 0 leaves ltv_model worse, by the last release, "
          "than a model retrained on this month's rates, in most worlds.",
          "ltv_model's staleness at the last release, £ per customer",
          lambda w: staleness(w, "currency_table")["ltv_model"], lambda v: v > 0, headline=False, unit="pounds"),
    Claim("pinned_model_copy_costs_nothing",
          "A copy of fraud_model pinned at release 0 costs fraud_model_es exactly nothing over every release: the "
          "world holds still, so the copy does not go stale.",
          "largest move of fraud_model_es reading the pinned copy", pinned_model_copy_moves,
          lambda v: v == 0.0, unit="count"),
    Claim("refresh_beats_pinned_for_bots",
          "Refreshing the copy of session_count every three releases leaves both its readers better off than "
          "keeping the release-0 copy even in the month before a refresh, when the refreshed copy is oldest, in "
          "most worlds: retraining on a version that is itself drifting (more bots) does not always help.",
          "the larger of refresh minus pinned over the two readers, release 5, points",
          most_refresh_minus_pinned_bots, lambda v: v < 0, headline=False, unit="points"),
    Claim("refresh_to_new_fraud_model_costs",
          "Moving fraud_model_es to the retrained fraud_model at a scheduled refresh (and retraining it) leaves it "
          "worse than staying on the pinned old version, in some worlds: a new upstream version was not made for "
          "its readers.",
          "fraud_model_es at the last release, refresh minus pinned, points",
          lambda w: refresh_minus_pinned(w, "fraud_retrain", "fraud_model_es"), lambda v: v > 0, headline=False,
          unit="points"),
    Claim("bot_jump_beats_staleness",
          "For churn_model, the one-release jump of reading the bot fix live is larger than the pinned copy's "
          "staleness after six releases in some worlds only: which cost is larger depends on the world.",
          "churn_model: live jump minus pinned staleness at the last release, points",
          bot_jump_minus_staleness, lambda v: v > 0, headline=False, unit="points"),
    Claim("controls_exactly_zero",
          "A model that reads nothing downstream of the changed signal does not move at all, under any change and "
          "any policy, at any release.",
          "largest move of any control", controls, lambda v: v == 0.0, unit="count"),
)
