"""This lesson's claims as code; see :mod:`mldebt_lessons.course.claims`.

Every sentence of lesson 02 that states a measured fact is one of these. Each measures the
'feature' improvement (add session_count to fraud_model) against the same wiring unimproved,
on the lesson's large fresh evaluation samples (see :mod:`.experiment`).

>>> from mldebt_lessons.shop.world import build_world
>>> claim = next(c for c in CLAIMS if c.name == "separate_model_is_immune")
>>> claim.holds(claim.measure(build_world()))
True
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.correction_cascades.experiment import UNWEIGHTED_REMEDY, measure_cascade


def _change(world, field: str, architecture: str, improvement: str = "feature", baseline: str = "cascade") -> float:
    """``field`` after ``improvement`` under ``architecture``, minus the unimproved ``baseline`` wiring."""
    after = getattr(measure_cascade(world, improvement, architecture), field)
    return after - getattr(measure_cascade(world, "none", baseline), field)


def home_auc_gain(world) -> float:
    """How much adding session_count lifts fraud_model's AUC at home (the cascade's fraud_model)."""
    return _change(world, "home_auc", "cascade")


def spain_catch_change(world) -> float:
    """Change in the share of Spain's fraud caught, in points, after the improvement, under the cascade."""
    return 100 * _change(world, "spain_caught", "cascade")


def spain_catch_change_retrained(world) -> float:
    """The same, with fraud_model_es retrained on the new score."""
    return 100 * _change(world, "spain_caught", "cascade_retrained")


def queue_minus_spain(world) -> float:
    """Points by which the whole review queue's change looks better than Spain's own change."""
    return 100 * (_change(world, "queue_caught", "cascade") - _change(world, "spain_caught", "cascade"))


def queue_change(world) -> float:
    """Change in the share of all fraud (both markets) caught by the review queue, in points."""
    return 100 * _change(world, "queue_caught", "cascade")


def separate_spain_change(world) -> float:
    """Size of the change, in points, of Spain's catch under remedy 2 after fraud_model is improved."""
    return abs(100 * _change(world, "spain_caught", "separate", "feature", "separate"))


def remedy1_spain_change(world) -> float:
    """Change in Spain's catch, in points, after the improvement, under remedy 1 (one model told the market)."""
    return 100 * _change(world, "spain_caught", "market_feature", baseline="market_feature")


def remedy1_home_gain(world) -> float:
    """How much adding session_count lifts the one shared model's AUC at home, under remedy 1."""
    return _change(world, "home_auc", "market_feature", baseline="market_feature")


def remedy1_over_cascade(world) -> float:
    """Points by which remedy 1 catches more of Spain's fraud than the cascade, both after the improvement."""
    return 100 * (measure_cascade(world, "feature", "market_feature").spain_caught
                  - measure_cascade(world, "feature", "cascade").spain_caught)


def remedy1_flips(world) -> float:
    """Share of Spain's review decisions that change under remedy 1 when fraud_model is improved."""
    return measure_cascade(world, "feature", "market_feature").spain_flipped


def unweighted_remedy1_spain_change(world) -> float:
    """Change in Spain's catch, in points, under remedy 1 trained with every row weighing the same."""
    return 100 * _change(world, "spain_caught", UNWEIGHTED_REMEDY, baseline=UNWEIGHTED_REMEDY)


def capacity_home_change(world) -> float:
    """Change in fraud_model's home AUC when it gets more capacity (twice the trees, deeper)."""
    return _change(world, "home_auc", "cascade", improvement="capacity")


def separate_over_cascade_today(world) -> float:
    """Points by which Spain's own model catches more than today's cascade, before any improvement."""
    return 100 * (measure_cascade(world, "none", "separate").spain_caught
                  - measure_cascade(world, "none", "cascade").spain_caught)


CLAIMS = (
    Claim("improvement_lifts_home",
          "Adding session_count makes fraud_model better at home: what its owners see.",
          "change in fraud_model's home AUC", home_auc_gain, lambda v: v > 0, unit="auc"),
    Claim("deadlock_spain_falls",
          "Under today's cascade, the same change makes Spain catch less of its fraud: the improvement deadlock.",
          "change in Spain's fraud caught", spain_catch_change, lambda v: v < 0, unit="points"),
    Claim("retraining_does_not_win_spain_back",
          "Retraining fraud_model_es on the new score does not win Spain back: it still catches less than "
          "before the improvement.",
          "change in Spain's fraud caught, correction retrained", spain_catch_change_retrained,
          lambda v: v < 0, unit="points"),
    Claim("aggregate_hides_the_slice",
          "The whole review queue (both markets) looks better than Spain alone: the total hides Spain's loss.",
          "whole queue's change minus Spain's change", queue_minus_spain, lambda v: v > 0, unit="points"),
    Claim("queue_still_improves",
          "The whole review queue catches more fraud after the change, even though Spain catches less.",
          "change in all fraud caught by the queue", queue_change, lambda v: v > 0, headline=False, unit="points"),
    Claim("separate_model_is_immune",
          "Remedy 2, Spain's own model, is immune: no change to fraud_model moves Spain's catch at all.",
          "size of the change in Spain's fraud caught", separate_spain_change, lambda v: v == 0, unit="points"),
    Claim("remedy1_still_couples",
          "Remedy 1, one model told the market, still couples the markets: improving it changes some of "
          "Spain's review decisions.",
          "share of Spain's review decisions that change", remedy1_flips, lambda v: v > 0, unit="share"),
    Claim("remedy1_home_still_rises",
          "Under remedy 1, with each market weighing the same, the new feature still makes the model better at home.",
          "change in the shared model's home AUC", remedy1_home_gain, lambda v: v > 0, unit="auc"),
    Claim("remedy1_spain_gains",
          "Under remedy 1, with each market weighing the same in training, Spain gains from the new feature too.",
          "change in Spain's fraud caught, remedy 1", remedy1_spain_change, lambda v: v > 0, headline=False,
          unit="points"),
    Claim("remedy1_beats_cascade",
          "After the change, remedy 1 catches more of Spain's fraud than the deadlocked cascade.",
          "remedy 1 minus cascade, Spain's fraud caught", remedy1_over_cascade, lambda v: v > 0, headline=False,
          unit="points"),
    Claim("unweighted_remedy1_gains",
          "Remedy 1 trained with every row weighing the same (home dominates) lets Spain gain from the new feature.",
          "change in Spain's fraud caught, rows weighted equally", unweighted_remedy1_spain_change,
          lambda v: v > 0, headline=False, unit="points"),
    Claim("capacity_hurts_home",
          "More capacity (twice the trees, each deeper) makes fraud_model worse at home: it overfits.",
          "change in fraud_model's home AUC", capacity_home_change, lambda v: v < 0, unit="auc"),
    Claim("separate_beats_cascade_today",
          "Even before any improvement, Spain's own model catches more of Spain's fraud than today's cascade.",
          "Spain's own model minus the cascade", separate_over_cascade_today, lambda v: v > 0, headline=False,
          unit="points"),
)
