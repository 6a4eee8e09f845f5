"""Lesson 10's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.pipeline_jungles.experiment import (
    BUG_SCENARIOS,
    PIPELINES,
    SOURCE_SCENARIOS,
    bug_step,
    different_values,
    effects,
    find_bug,
    prepare,
    recompute,
    step_writing,
)
from mldebt_lessons.shop.prep.dag import downstream

PENCE, DUPLICATE = "bug: basket in pence", "bug: duplicate join"
CORRUPTED = {PENCE: "avg_basket_value", DUPLICATE: "country"}  # the feature each bug corrupts


def _flips(world, pipeline, scenario) -> dict[str, float]:
    return {e.model: e.flipped for e in effects(world, pipeline, scenario)}


def _reads(world, scenario) -> dict[str, bool]:
    return {e.model: CORRUPTED[scenario] in e.reads for e in effects(world, "jungle", scenario)}


def same_features_as_world(world) -> float:
    """Values that differ from the world's feature table, jungle and DAG added up, with nothing changed."""
    return float(sum(different_values(world, prepare(world, p, "nothing changed")) for p in PIPELINES))


def dag_check_names_bug(world) -> float:
    """Planted bugs (of 2) whose first failing DAG check is in the step the bug was planted in."""
    return float(sum(prepare(world, "DAG", s).failed is not None
                     and prepare(world, "DAG", s).failed[0] == bug_step("DAG", s) for s in BUG_SCENARIOS))


def jungle_opens_more(world) -> float:
    """Fewest files opened to find a bug in the jungle, minus most opened in the DAG (-1 if a search
    ends anywhere but the file the bug's step writes)."""
    jungle, dag = [], []
    for s in BUG_SCENARIOS:
        for pipeline, found in (("jungle", jungle), ("DAG", dag)):
            search = find_bug(world, pipeline, s)
            if step_writing(pipeline, search.origin or "?") != bug_step(pipeline, s):
                return -1.0
            found.append(len(search.opened))
    return float(min(jungle) - max(dag))


def pence_reaches_models(world) -> float:
    """The smaller share of held-out decisions flipped, of the two models that read the basket (jungle, pence)."""
    flips, reads = _flips(world, "jungle", PENCE), _reads(world, PENCE)
    return min(v for m, v in flips.items() if reads[m])


def bugs_spare_other_models(world) -> float:
    """Decisions flipped (shares added up) of models that do not read the feature a bug corrupts (jungle)."""
    return sum(v for s in BUG_SCENARIOS for m, v in _flips(world, "jungle", s).items() if not _reads(world, s)[m])


def dag_keeps_models_still(world) -> float:
    """Decisions flipped (shares added up over models and both bugs) when the DAG meets a bug."""
    return sum(v for s in BUG_SCENARIOS for v in _flips(world, "DAG", s).values())


def duplicate_reaches_models(world) -> float:
    """Share of held-out decisions flipped by the duplicate join (jungle), the two country readers added up."""
    flips, reads = _flips(world, "jungle", DUPLICATE), _reads(world, DUPLICATE)
    return sum(v for m, v in flips.items() if reads[m])


def pence_fraud_auc(world) -> float:
    """Change in fraud_model's held-out AUC when it scores the jungle's features with the pence bug."""
    e = next(e for e in effects(world, "jungle", PENCE) if e.model == "fraud_model")
    return e.after - e.before


def dag_reruns_downstream_only(world) -> float:
    """Raw-source changes (of 3) after which the DAG re-ran only steps downstream of the source, and fewer than
    the jungle."""
    ok = 0
    for scenario, source in SOURCE_SCENARIOS.items():
        dag, jungle = recompute(world, "DAG", scenario), recompute(world, "jungle", scenario)
        ok += set(dag.steps) <= set(downstream({f"{source}.csv"})) and len(dag.steps) < len(jungle.steps)
    return float(ok)


def dag_rows_share(world) -> float:
    """The largest share, over the three raw-source changes, of the jungle's rewritten rows that the DAG rewrote."""
    return max(recompute(world, "DAG", s).rows / recompute(world, "jungle", s).rows for s in SOURCE_SCENARIOS)


def purge_stops_early(world) -> float:
    """Steps the DAG re-ran after the page-view purge, plus decisions flipped (as shares) of every model."""
    scenario = "clickstream changed"
    return len(recompute(world, "DAG", scenario).steps) + sum(_flips(world, "DAG", scenario).values())


CLAIMS = (
    Claim("same_features_as_world",
          "Control: with nothing changed, the jungle and the DAG both produce exactly the world's features "
          "(zero values differ).",
          "values that differ from the world's features, both pipelines", same_features_as_world,
          lambda v: v == 0, unit="count"),
    Claim("dag_check_names_bug",
          "For both planted bugs, the first DAG check to fail is in the very step the bug was planted in.",
          "bugs (of 2) caught at their own step", dag_check_names_bug, lambda v: v == 2, unit="count"),
    Claim("jungle_opens_more",
          "Finding where a bug entered takes more files opened in the jungle (walking back from the features) than in "
          "the DAG (the failing check names the file).",
          "fewest files opened in the jungle minus most in the DAG", jungle_opens_more, lambda v: v > 0, unit="count"),
    Claim("pence_reaches_models",
          "In the jungle the basket-in-pence bug reaches production: it flips decisions of both models that read "
          "the basket (ltv_model and fraud_model).",
          "smaller share of decisions flipped, ltv_model and fraud_model", pence_reaches_models,
          lambda v: v > 0, unit="share"),
    Claim("pence_hurts_fraud_auc",
          "The basket-in-pence bug lowers fraud_model's held-out AUC when it scores the jungle's features.",
          "change in fraud_model's AUC", pence_fraud_auc, lambda v: v < 0, unit="auc"),
    Claim("bugs_spare_other_models",
          "Control: a bug moves no decision of a model that does not read the feature it corrupts (churn_model and "
          "the recommender under the pence bug; churn_model and fraud_model under the duplicate join).",
          "decisions flipped by models that do not read the corrupted feature", bugs_spare_other_models,
          lambda v: v == 0, unit="share"),
    Claim("dag_keeps_models_still",
          "In the DAG neither bug reaches the models: the run stops at the failing check, no features are written, "
          "and the models keep yesterday's (zero decisions flipped).",
          "decisions flipped, all models, both bugs", dag_keeps_models_still, lambda v: v == 0, unit="share"),
    Claim("duplicate_reaches_models",
          "In the jungle the duplicate join gets past the de-duplicate script and flips some decisions of the "
          "models that read country (ltv_model and the recommender).",
          "share of decisions flipped, ltv_model and recommender added up", duplicate_reaches_models,
          lambda v: v > 0, unit="share"),
    Claim("dag_reruns_downstream_only",
          "After each of the three raw-source changes, the DAG re-runs only steps downstream of that source, "
          "and fewer steps than the jungle, which re-runs all of its scripts.",
          "source changes (of 3) where that holds", dag_reruns_downstream_only, lambda v: v == 3, unit="count"),
    Claim("dag_rewrites_fewer_rows",
          "After any one raw-source change, the DAG rewrites fewer rows than the jungle does.",
          "largest DAG / jungle share of rows rewritten", dag_rows_share, lambda v: v < 1, unit="share"),
    Claim("purge_stops_early",
          "After the purge of old page views the DAG re-runs exactly two steps: the session counts come out "
          "unchanged, so it stops there, and no model moves.",
          "steps re-run plus decisions flipped", purge_stops_early, lambda v: v == 2, unit="number"),
)
