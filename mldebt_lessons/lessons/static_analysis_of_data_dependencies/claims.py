"""Lesson 06's claims as code, each measured in one world; see :mod:`mldebt_lessons.course.claims`.

Each world is re-run without every deletable node once (cached per world), and every view's
prediction is scored against what really broke. Headline claims hold in every world measured;
the others are stated with their true count (``mldebt claims 06``).

>>> from mldebt_lessons.shop.world import build_world
>>> log_misses(build_world())
0.0
"""

from __future__ import annotations

import functools

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
    THROUGH_A_MODEL,
    UNUSED_FEATURE,
    VIEWS,
    deletable_nodes,
    kind_of,
    predict,
    predicted_by,
    rerun_without,
    scorecard,
)
from mldebt_lessons.shop.models import model_spec

CONTROL_NODE = "session_count"  # re-run in full, every model refitted from scratch
# The claims ask about deleting each feature and each model. Deleting a source deletes its features
# together (the explorer offers it too); it is left out here only to keep the 20-world sweep cheap.
NODES = tuple(n for n in deletable_nodes() if kind_of(n) != "source")


@functools.lru_cache(maxsize=4)
def _cards(world):
    return scorecard(world, True, NODES), scorecard(world, False, NODES)


def log_misses(world) -> float:
    """Breaks the access log, followed transitively, misses, summed over every deletion."""
    return float(_cards(world)[0]["access log"]["missed"])


def static_views_miss_only_the_ads_ranker(world) -> float:
    """1 if code and manifest, followed transitively, miss exactly one node over all deletions: ads_ranker."""
    cards = _cards(world)[0]
    return float(all(cards[v]["missed nodes"] == frozenset({"ads_ranker"}) for v in ("code", "manifest")))


def static_views_missed(world) -> float:
    """Breaks the code view (followed transitively) misses, over every deletion."""
    return float(_cards(world)[0]["code"]["missed"])


def direct_misses_the_chain(world) -> float:
    """1 if deleting any feature fraud_model reads and fraud_model_es does not (user_age, days_since_signup)
    moves fraud_model_es, and no view asked for direct readers names it."""
    _, upstream, model = THROUGH_A_MODEL
    features = [f for f in model_spec(upstream).inputs if f not in model_spec(model).inputs]
    moved = all(model in rerun_without(world, f).broken for f in features)
    named = any(model in predicted_by(view, f, transitive=False) for view in VIEWS for f in features)
    return float(moved and not named)


def chain_flips(world) -> float:
    """Spanish held-out decisions of fraud_model_es that flip when days_since_signup is deleted."""
    feature, _, model = THROUGH_A_MODEL
    return float(rerun_without(world, feature).models[model].decisions_flipped)


def direct_log_missed_share(world) -> float:
    """The share of all breaks (over every deletion) the access log misses when asked only for direct readers."""
    card = _cards(world)[1]["access log"]
    return card["missed"] / (card["missed"] + card["found"])


def log_false_alarms(world) -> float:
    """Nodes the access log's closure names that did not break (scores moved, no decision flipped)."""
    return float(_cards(world)[0]["access log"]["false alarms"])


def unused_feature_breaks_nothing(world) -> float:
    """1 if every view predicts nothing for the unused feature and the re-run without it changes nothing."""
    nothing_predicted = all(not predict(world, v, UNUSED_FEATURE).predicted for v in VIEWS)
    return float(nothing_predicted and not rerun_without(world, UNUSED_FEATURE).broken)


def control_largest_change(world) -> float:
    """A full re-run without session_count (every model refitted from scratch): the largest score change
    of any model that does not depend on it, and 1 more if its breaks differ from the quick re-run's."""
    full = rerun_without(world, CONTROL_NODE, full=True)
    outside = [c.max_score_change for m, c in full.models.items() if m not in full.broken]
    disagree = full.broken != rerun_without(world, CONTROL_NODE).broken
    return max(outside) + float(disagree)


CLAIMS = (
    Claim("log_misses_nothing",
          f"Followed transitively, the access log names every model and consumer that breaks, whichever of the "
          f"{len(NODES)} features and models is deleted.",
          "breaks it misses, over every deletion", log_misses, lambda v: v == 0.0, unit="count"),
    Claim("static_views_miss_the_undeclared_reader",
          "Code and manifest, followed transitively, miss exactly one node that breaks, whichever feature or model "
          "is deleted: ads_ranker, whose read nobody declared.",
          "is ads_ranker the only node they miss?", static_views_miss_only_the_ads_ranker, lambda v: v == 1.0,
          unit="flag"),
    Claim("static_views_miss_it_often",
          "Every deletion upstream of churn_model breaks ads_ranker, so the code view misses a break in several "
          "questions, not one.",
          "breaks the code view misses, over every deletion", static_views_missed, lambda v: v > 1, unit="count"),
    Claim("direct_readers_miss_the_chain",
          "Asked only for direct readers, no view names fraud_model_es when user_age or days_since_signup (read "
          "by fraud_model, not by it) is deleted, yet its scores move, through fraud_model.",
          "is fraud_model_es moved and unnamed?", direct_misses_the_chain, lambda v: v == 1.0, unit="flag"),
    Claim("the_chain_flips_decisions",
          "In most worlds those moved scores flip real decisions: some Spanish orders are held or released "
          "differently. (Not in every world: a score can move without crossing the threshold.)",
          "fraud_model_es decisions flipped, of its Spanish held-out users", chain_flips, lambda v: v > 0,
          headline=False, unit="count"),
    Claim("direct_log_misses_a_third",
          "Even the access log, asked only for direct readers, misses over a third of all breaks: every consumer "
          "behind a model, every model behind a model.",
          "share of the breaks it misses, over every deletion", direct_log_missed_share,
          lambda v: v > 1 / 3, unit="share"),
    Claim("static_views_can_over_warn",
          "A dependency says what can break, not what will: in some worlds deleting user_age moves ltv_model's "
          "scores but flips none of its decisions, so vip_programme acts exactly as before.",
          "nodes the log's closure names that did not break", log_false_alarms, lambda v: v > 0,
          headline=False, unit="count"),
    Claim("unused_feature_breaks_nothing",
          f"Every view says nothing reads {UNUSED_FEATURE}, and re-running the world without it changes nothing.",
          "is that so?", unused_feature_breaks_nothing, lambda v: v == 1.0, unit="flag"),
    Claim("control_exactly_zero",
          "Control: re-running every model from scratch without session_count leaves every model that does not "
          "depend on it exactly unchanged, and breaks exactly what the quick re-run breaks.",
          "largest score change outside its reach", control_largest_change, lambda v: v == 0.0, unit="count"),
)
