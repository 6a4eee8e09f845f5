"""Lesson 03's claims as code, each measured in one world; see :mod:`mldebt_lessons.course.claims`.

Every sentence the lesson states about a measured outcome is here. Headline claims hold in every
world measured; the others are stated with their true count (``mldebt claims 03``).

>>> from mldebt_lessons.shop.world import build_world
>>> [c.name for c in CLAIMS][:2]
['audit_finds_the_ads_ranker', 'ads_ranker_profits_before']
>>> ads_after(build_world(), "reformat")
0.0
"""

from __future__ import annotations

import functools

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    all_output_changes,
    declared_consumers,
    measure_output_change,
    outcome_of,
    undeclared_readers,
)
from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import (
    DEFAULT_ROUNDS,
    simulate_hidden_loop,
)
from mldebt_lessons.shop.lineage import observed_reads

EVERYONE = frozenset({"email_campaign", "homepage", "ads_ranker"})  # every reader of churn_model in the log
KEEP_RANKING = ("recalibrate", "rescale", "reformat")  # changes a told reader can undo exactly


def _ads(world, change, told=None):
    return outcome_of(measure_output_change(world, "churn_model", change, told), "ads_ranker", "churn_model")


def undeclared_findings(world) -> float:
    """1 if the audit's only finding is ads_ranker reading churn_model undeclared, else 0."""
    audits = undeclared_readers(declared_consumers(world.graph), observed_reads(world))
    found = {(m, r) for m, a in audits.items() for r in a.undeclared}
    return float(found == {("churn_model", "ads_ranker")} and all(not a.never_observed for a in audits.values()))


def ads_before(world) -> float:
    """The ads ranker's share of the best possible ad profit, before any change."""
    return _ads(world, "rescale").share_before


def ads_after(world, change) -> float:
    """The uninformed ads ranker's ad profit after ``change``, in £ per 1,000 users (to the penny)."""
    return round(_ads(world, change).value_after, 2)


def ads_profit_change(world, change) -> float:
    """Change in the uninformed ads ranker's ad profit after ``change``, in £ per 1,000 users."""
    o = _ads(world, change)
    return round(o.value_after - o.value_before, 2)


def ads_kept_after_relabel(world) -> float:
    """The share of its ad profit the uninformed ads ranker keeps after the relabel."""
    o = _ads(world, "relabel")
    return o.value_after / o.value_before


def ads_reach_ratio_after_recalibrate(world) -> float:
    """Users shown an ad after the recalibration, as a multiple of before (uninformed ads ranker)."""
    o = _ads(world, "recalibrate")
    return o.acted_after / o.acted_before


def largest_told_change_keeping_ranking(world) -> float:
    """The largest |change| of any told reader of churn_model (everyone told) under the ranking-keeping changes."""
    return max(abs(o.value_after - o.value_before)
               for change in KEEP_RANKING for o in measure_output_change(world, "churn_model", change, EVERYONE)
               if o.reads_changed)


def largest_control_change(world) -> float:
    """The largest change of any use of a model that did not change, over every model and change offered."""
    return max(max(abs(o.value_after - o.value_before), abs(o.acted_after - o.acted_before))
               for model, change in all_output_changes() for o in measure_output_change(world, model, change)
               if not o.reads_changed)


def told_relabel_points(world) -> float:
    """Change in the told ads ranker's outcome under the relabel, in points of the best possible."""
    return 100 * _ads(world, "relabel", EVERYONE).change


def told_over_silent_relabel(world) -> float:
    """How far the relabel moves the ads ranker once told, as a share of how far it moves it untold."""
    return abs(_ads(world, "relabel", EVERYONE).change) / abs(_ads(world, "relabel").change)


def email_relabel_points(world) -> float:
    """Change in the told email campaign's outcome under the churn relabel, in points of the best possible."""
    return 100 * outcome_of(measure_output_change(world, "churn_model", "relabel"), "email_campaign",
                            "churn_model").change


@functools.lru_cache(maxsize=4)
def _runs(world):
    return simulate_hidden_loop(world), simulate_hidden_loop(world, ui_reads_prediction=False)


def loop_final_inflation(world) -> float:
    return _runs(world)[0][-1].weight_inflation


def loop_over_control_max_weights(world) -> float:
    """The loop's last-round weights over the largest the control reached in any round."""
    loop, control = _runs(world)
    return loop[-1].weight_inflation / max(r.weight_inflation for r in control)


def loop_error_ratio(world) -> float:
    """The loop's last-round error against the truth, as a multiple of round 0's."""
    loop, _ = _runs(world)
    return loop[-1].mean_abs_error / loop[0].mean_abs_error


def loop_error_over_control(world) -> float:
    """The smallest, over rounds after round 0, of the loop's error over the control's in that round."""
    loop, control = _runs(world)
    return min(a.mean_abs_error / b.mean_abs_error for a, b in zip(loop[1:], control[1:]))


def loop_weights_over_control(world) -> float:
    """The smallest, over rounds after round 0, of the loop's weights over the control's in that round."""
    loop, control = _runs(world)
    return min(a.weight_inflation / b.weight_inflation for a, b in zip(loop[1:], control[1:]))


def loop_auc_rise(world) -> float:
    loop, _ = _runs(world)
    return loop[-1].logged_auc - loop[0].logged_auc


def loop_spread_over_truth(world) -> float:
    loop, _ = _runs(world)
    return loop[-1].prediction_spread / loop[-1].true_spread


def rounds_weights_grew(world) -> float:
    loop, _ = _runs(world)
    return float(sum(b.weight_inflation > a.weight_inflation for a, b in zip(loop, loop[1:])))


def rounds_error_grew(world) -> float:
    loop, _ = _runs(world)
    return float(sum(b.mean_abs_error > a.mean_abs_error for a, b in zip(loop, loop[1:])))


def no_push_differs_from_control(world) -> float:
    """0 if the loop with no push (influence 0) is exactly the control, round for round; else 1."""
    return float(simulate_hidden_loop(world, influence=0.0) != _runs(world)[1])


CLAIMS = (
    Claim("audit_finds_the_ads_ranker",
          "Comparing declared readers with the access log finds exactly one reader nobody declared: "
          "ads_ranker reading churn_model.",
          "is that the audit's only finding?", undeclared_findings, lambda v: v == 1.0, unit="flag"),
    Claim("ads_ranker_profits_before",
          "Before any change, the ads ranker makes a profit from the churn scores.",
          "its share of the best possible ad profit", ads_before, lambda v: v > 0, unit="share"),
    Claim("rescale_turns_profit_into_loss",
          "Rescaled churn scores turn the uninformed ads ranker's profit into a loss: nearly every user now "
          "clears its old break-even.",
          "its ad profit after, £ per 1,000 users", lambda w: ads_after(w, "rescale"), lambda v: v < 0,
          unit="pounds"),
    Claim("reformat_silently_zero",
          "After the reformat, the uninformed ads ranker reads every score as zero, shows no ad, and makes "
          "exactly nothing; no error is raised.",
          "its ad profit after, £ per 1,000 users", lambda w: ads_after(w, "reformat"), lambda v: v == 0.0,
          unit="pounds"),
    Claim("relabel_costs_most_of_the_profit",
          "After the relabel (a 30-day churn chance instead of a 60-day one), the uninformed ads ranker keeps "
          "less than half of its ad profit.",
          "share of its ad profit it keeps", ads_kept_after_relabel, lambda v: v < 0.5, unit="share"),
    Claim("recalibrate_fewer_ads",
          "After the recalibration, fewer users clear the uninformed ads ranker's fixed break-even, so it "
          "shows fewer ads.",
          "users shown an ad, after over before", ads_reach_ratio_after_recalibrate, lambda v: v < 1, unit="ratio"),
    Claim("recalibrate_costs_profit",
          "The recalibration lowers the uninformed ads ranker's profit. (Not in every world: the users it "
          "drops are worth an ad only if the old scores were well calibrated near its break-even.)",
          "change in its ad profit, £ per 1,000 users", lambda w: ads_profit_change(w, "recalibrate"),
          lambda v: v < 0, headline=False, unit="pounds"),
    Claim("told_readers_lose_nothing",
          "Readers that are told lose exactly nothing under a recalibration, a rescale or a new format: they "
          "undo the change and keep their size.",
          "largest change of any told reader, £ or people per 1,000 users", largest_told_change_keeping_ranking, lambda v: v == 0.0,
          unit="count"),
    Claim("controls_exactly_zero",
          "Uses of a model that did not change show exactly zero change, whatever change is made elsewhere.",
          "largest change of any control", largest_control_change, lambda v: v == 0.0, unit="count"),
    Claim("told_relabel_moves_less",
          "Once told, the ads ranker is still moved by a new meaning, but by less than half as much as when "
          "it was not told.",
          "told move over untold move", told_over_silent_relabel, lambda v: 0 < v < 0.5, unit="share"),
    Claim("told_relabel_lowers_ads",
          "Once told, a new meaning still lowers the ads ranker's outcome.",
          "change in its outcome, points of the best possible", told_relabel_points, lambda v: v < 0,
          headline=False, unit="points"),
    Claim("relabel_moves_a_told_reader",
          "A new meaning moves a told reader's outcome too (the email campaign's), up in some worlds and down "
          "in others.",
          "change in email_campaign's outcome, points of the best possible", email_relabel_points,
          lambda v: v != 0, unit="points"),
    Claim("loop_weights_at_least_double",
          "With the hidden loop, the recommender's weights end at least twice as large as in round 0.",
          "last round's weights, multiple of round 0's", loop_final_inflation, lambda v: v > 2, unit="ratio"),
    Claim("loop_weights_beyond_the_noise",
          "The loop's last-round weights exceed the largest the control reached in any round: beyond the "
          "noise of redrawn clicks.",
          "loop's last round over the control's largest", loop_over_control_max_weights, lambda v: v > 1,
          unit="ratio"),
    Claim("loop_error_grows",
          "With the loop, the recommender's error against the true click chances grows: its last round is "
          "worse than round 0.",
          "last round's error, multiple of round 0's", loop_error_ratio, lambda v: v > 1, unit="ratio"),
    Claim("loop_worse_than_control_every_round",
          "In every round after round 0, the loop's error is larger than the control's, and so are its weights.",
          "smallest ratio of loop to control, over rounds and both measures",
          lambda w: min(loop_error_over_control(w), loop_weights_over_control(w)), lambda v: v > 1, unit="ratio"),
    Claim("loop_logged_auc_rises",
          "Meanwhile its AUC on its own logged clicks rises: the owners' dashboard says it got better.",
          "last round's logged AUC minus round 0's", loop_auc_rise, lambda v: v > 0, unit="auc"),
    Claim("loop_overstates_differences",
          "By the last round its predictions are more spread out than the true click chances: it overstates "
          "how different users are.",
          "spread of predictions over spread of the truth", loop_spread_over_truth, lambda v: v > 1, unit="ratio"),
    Claim("loop_weights_grow_every_round",
          "The loop's weights grow in every single round.",
          f"rounds (of {DEFAULT_ROUNDS}) in which the weights grew", rounds_weights_grew, lambda v: v == DEFAULT_ROUNDS, headline=False,
          unit="count"),
    Claim("loop_error_grows_every_round",
          "The loop's error against the truth grows in every single round.",
          f"rounds (of {DEFAULT_ROUNDS}) in which the error grew", rounds_error_grew, lambda v: v == DEFAULT_ROUNDS, headline=False,
          unit="count"),
    Claim("no_push_is_the_control",
          "A layout that reads the prediction but pushes nothing (influence 0) gives exactly the control.",
          "does it differ from the control in any round?", no_push_differs_from_control, lambda v: v == 0.0,
          unit="flag"),
)
