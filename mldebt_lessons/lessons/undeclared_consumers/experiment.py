"""Undeclared consumers (visibility debt): who reads a model's output, and what a change does to them.

Sculley et al. (2015, §2): a model's output is often read by systems nobody declared. They pull
scores from logs or tables without telling the model's owner. When the owner then changes the
output, the declared consumers are told and adapt; the undeclared ones silently break.

This module holds the idea in three small parts, all plain functions over plain data:

1. **Detection.** :func:`declared_consumers` reads who *should* read each model from the graph's
   declared edges; :func:`~mldebt_lessons.shop.lineage.observed_reads` is the access log of who *did*;
   :func:`undeclared_readers` compares the two.
2. **Output changes** a model owner might ship (:data:`OUTPUT_CHANGES`): ``recalibrate``,
   ``rescale``, ``relabel`` (the label means something else and the model is retrained on it)
   and ``reformat`` (the number becomes a text record). :func:`published_output` gives what
   the model writes after the change.
3. **Consumers, measured.** Each consumer uses a model's output in its own way
   (:data:`CONSUMER_USES`). :func:`measure_output_change` replays a change: consumers that are
   told re-read the output and keep acting on as many users as before; a consumer that is not
   told keeps its old parser and its old rule. Every use is judged against the ground truth,
   before and after, on held-out users.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> audit = undeclared_readers(declared_consumers(world.graph), observed_reads(world))
>>> audit["churn_model"].undeclared
('ads_ranker',)
>>> outcomes = measure_output_change(world, "churn_model", "rescale")
>>> [(o.consumer, o.told, o.change == 0.0) for o in outcomes if o.reads_changed]
[('email_campaign', True, True), ('homepage', True, True), ('ads_ranker', False, False)]
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import networkx as nx
import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.shop.lineage import (
    DATASET_NAMESPACE,
    observed_reads,
)
from mldebt_lessons.shop.models import ShopModel
from mldebt_lessons.shop.world import World

# --- 1. detection: declared versus observed readers -------------------------------------------------


def declared_consumers(graph: nx.DiGraph) -> dict[str, tuple[str, ...]]:
    """For every model, the readers its owner knows about: the graph's declared out-edges.

    An edge counts as declared unless it carries ``declared=False``. Readers include consumers
    and other models (a model trained on another model's score reads it too).

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> declared_consumers(shop_graph())["churn_model"]
    ('email_campaign', 'homepage')
    """
    out = {}
    for model in sorted(n for n, k in graph.nodes(data="kind") if k == "model"):
        out[model] = tuple(sorted(v for v in graph.successors(model)
                                  if graph.edges[model, v].get("declared", True)))
    return out


@dataclass(frozen=True)
class ReaderAudit:
    """One model's readers: declared, observed in the access log, and where the two disagree."""

    model: str
    declared: tuple[str, ...]
    observed: tuple[str, ...]
    undeclared: tuple[str, ...]  # seen reading, declared by no one: visibility debt
    never_observed: tuple[str, ...]  # declared, never seen reading: a stale declaration

    @property
    def clean(self) -> bool:
        return not self.undeclared and not self.never_observed


def undeclared_readers(declared: dict[str, tuple[str, ...]], events: list[dict]) -> dict[str, ReaderAudit]:
    """Compare declared readers with the readers seen in an access log, model by model.

    ``declared`` maps each model to its declared readers (see :func:`declared_consumers`);
    ``events`` are OpenLineage-shaped run events (see :func:`~mldebt_lessons.shop.lineage.observed_reads`).

    >>> from mldebt_lessons.shop.lineage import LOG_START, run_event
    >>> out = {"namespace": "w", "name": "scores.m"}
    >>> log = [run_event("m", [], [out], LOG_START), run_event("spy", [out], [], LOG_START)]
    >>> audit = undeclared_readers({"m": ("dashboard",)}, log)["m"]
    >>> audit.undeclared, audit.never_observed
    (('spy',), ('dashboard',))
    """
    from mldebt_lessons.shop.lineage import readers_of
    seen = readers_of(events)
    audits = {}
    for model, readers in sorted(declared.items()):
        observed = seen.get(model, ())
        audits[model] = ReaderAudit(
            model=model, declared=tuple(sorted(readers)), observed=observed,
            undeclared=tuple(r for r in observed if r not in readers),
            never_observed=tuple(sorted(r for r in readers if r not in observed)))
    return audits


def log_a_month_later(world: World) -> list[dict]:
    """One night of Larkspur's access log a month after the demo's: some teams changed what they read.

    Nobody updated a declaration. Audit it to find out what changed.
    """
    from mldebt_lessons.shop.lineage import LOG_START, dataset, run_event, without_reads
    night = LOG_START + timedelta(days=30)
    log = [_moved(e, night) for e in observed_reads(world, days=1)]
    log = without_reads(log, "homepage", dataset(world.graph, "churn_model")["name"])
    pricing = {"namespace": DATASET_NAMESPACE, "name": "actions.price_optimiser"}
    return log + [run_event("price_optimiser", [dataset(world.graph, "ltv_model")], [pricing],
                            night + timedelta(hours=1))]


def log_with_changes(world: World, seed: int) -> list[dict]:
    """A night's access log in which, drawn with ``seed``, one declared read stopped and one new reader appeared.

    For testing an audit (or a learner's audit function) on logs it has not seen.

    >>> from mldebt_lessons.shop.world import build_world
    >>> log = log_with_changes(build_world(), 1)
    >>> log == log_with_changes(build_world(), 1), log == log_with_changes(build_world(), 2)
    (True, False)
    """
    from mldebt_lessons.shop.lineage import LOG_START, dataset, run_event, without_reads
    rng = np.random.default_rng([int(seed), 32])
    declared = declared_consumers(world.graph)
    models = sorted(m for m, readers in declared.items() if readers)
    model = models[rng.integers(len(models))]
    dropped = declared[model][rng.integers(len(declared[model]))]
    log = without_reads(observed_reads(world, days=1), dropped, dataset(world.graph, model)["name"])
    spy = f"team_{int(rng.integers(100, 1000))}_report"
    read = sorted(declared)[rng.integers(len(declared))]
    output = {"namespace": DATASET_NAMESPACE, "name": f"actions.{spy}"}
    return log + [run_event(spy, [dataset(world.graph, read)], [output], LOG_START + timedelta(hours=2))]


def _moved(event: dict, when: datetime) -> dict:
    from mldebt_lessons.shop.lineage import run_event
    return run_event(event["job"]["name"], event["inputs"], event["outputs"], when)


def audit_text(audits: dict[str, ReaderAudit]) -> str:
    """One line per model: declared readers, observed readers, and any finding.

    >>> a = ReaderAudit("m", ("c",), ("c", "spy"), ("spy",), ())
    >>> print(audit_text({"m": a}))
    m: declared c; observed c, spy; UNDECLARED: spy
    """
    lines = []
    for model, a in audits.items():
        line = f"{model}: declared {', '.join(a.declared) or 'nobody'}; observed {', '.join(a.observed) or 'nobody'}"
        if a.undeclared:
            line += f"; UNDECLARED: {', '.join(a.undeclared)}"
        if a.never_observed:
            line += f"; DECLARED BUT NEVER SEEN: {', '.join(a.never_observed)}"
        lines.append(line)
    return "\n".join(lines)


# --- 2. output changes a model owner might ship --------------------------------------------------------

OUTPUT_CHANGES = ("recalibrate", "rescale", "relabel", "reformat")
CHANGEABLE_MODELS = ("churn_model", "ltv_model", "recommender")  # fraud_model's readers are lesson 02's
TEMPER = 0.5  # recalibrate: how far scores are pulled toward the base rate (1 = not at all)
RESCALE_FACTOR = 100.0
FORMAT_VERSION = 2


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Relabel:
    """A new meaning for a model's label, with the ground truth of the new label."""

    model: str
    new_label: str
    old_meaning: str
    new_meaning: str
    truth: Callable[[dict, dict], np.ndarray]  # (raw columns, world truth) -> true probability or mean


def churn_within_30_days(raw: dict, truth: dict) -> np.ndarray:
    """True chance of leaving within 30 days: of the users who leave within 60, those who leave early.

    New accounts, mobile-web sign-ups and users with few sessions leave sooner, so the new label
    ranks users differently from the old one; it is never larger than the 60-day chance.
    """
    early = _sigmoid(-0.4 + 1.0 * (raw["days_since_signup"] < 90) + 0.8 * (raw["device"] == "mobile_web")
                     - 0.4 * np.log1p(raw["session_count"]))
    return truth["churn_p"] * early


def spend_in_3_months(raw: dict, truth: dict) -> np.ndarray:
    """True expected spend in the next 3 months: new customers spend more of their year early on."""
    return truth["ltv_mean"] * (0.2 + 0.25 * np.exp(-raw["days_since_signup"] / 180))


def click_then_buy(raw: dict, truth: dict) -> np.ndarray:
    """True chance of clicking the carousel and then buying: bigger baskets buy, mobile web less so."""
    basket = np.nan_to_num(raw["avg_basket_value"], nan=30.0)
    return truth["click_p"] * _sigmoid(-0.3 + 0.015 * (basket - 45) - 0.6 * (raw["device"] == "mobile_web"))


RELABELS = {
    "churn_model": Relabel("churn_model", "churned_30d", "leaves within 60 days", "leaves within 30 days",
                           churn_within_30_days),
    "ltv_model": Relabel("ltv_model", "spend_3m", "spend in the next 12 months", "spend in the next 3 months",
                         spend_in_3_months),
    "recommender": Relabel("recommender", "clicked_and_bought", "clicks the carousel",
                           "clicks the carousel and then buys", click_then_buy),
}


def check_output_change(model: str, change: str) -> None:
    """Raise a one-line :class:`CourseInputError` for a model or change this lesson does not offer."""
    if model not in CHANGEABLE_MODELS:
        from mldebt_lessons.shop.models import MODEL_SPECS_BY_NAME
        if model in MODEL_SPECS_BY_NAME:
            raise CourseInputError(f"model '{model}' has no output changes in this lesson; "
                                   f"choose one of: {', '.join(CHANGEABLE_MODELS)}")
        raise unknown_choice("model", model, CHANGEABLE_MODELS)
    if change not in OUTPUT_CHANGES:
        raise unknown_choice("output change", change, OUTPUT_CHANGES)


def change_description(model: str, change: str) -> str:
    """What the change is, in words, for this model.

    >>> change_description("churn_model", "rescale")
    'scores are published on a 0..100 scale instead of 0..1'
    """
    check_output_change(model, change)
    probability = model != "ltv_model"
    if change == "recalibrate":
        if probability:
            return (f"the owner recalibrates: every score's distance from the base rate, in log-odds, is "
                    f"multiplied by {TEMPER:g} (temperature scaling around the base rate); the ranking of users "
                    "does not change")
        return f"the owner shrinks every prediction toward the average spend (by a factor of {TEMPER:g})"
    if change == "rescale":
        return ("scores are published on a 0..100 scale instead of 0..1" if probability
                else "predictions are published in pence instead of pounds")
    if change == "relabel":
        r = RELABELS[model]
        return (f"the label changes meaning, from '{r.old_meaning}' to '{r.new_meaning}', "
                "and the model is retrained on the new label")
    return (f'each score is published as a text record such as {{"score": 0.42, "version": {FORMAT_VERSION}}} '
            "instead of a number")


def relabelled_truth(world: World, model: str) -> np.ndarray:
    """The ground truth of ``model``'s new label, for every home-market user."""
    return RELABELS[model].truth(world.raw, world.truth)


@functools.lru_cache(maxsize=16)
def relabelled_model(world: World, model: str) -> ShopModel:
    """``model`` retrained, with the same inputs and settings, on labels drawn for its new meaning."""
    spec = world.models[model].spec
    truth = relabelled_truth(world, model)
    rng = np.random.default_rng([world.seed, 30, CHANGEABLE_MODELS.index(model)])
    if spec.task == "classify":
        labels = (rng.random(len(truth)) < truth).astype(int)
    else:
        labels = np.maximum(0.0, truth * rng.gamma(4.0, 0.25, len(truth))).round(2)
    new_spec = replace(spec, label=RELABELS[model].new_label)
    return ShopModel(new_spec, random_state=world.seed).fit(world.train_table, labels[world.train_rows])


@functools.lru_cache(maxsize=64)
def published_output(world: World, model: str, change: str | None = None) -> np.ndarray:
    """What ``model`` writes for the held-out users: its scores, after ``change`` if one is given.

    Numbers for every change except ``reformat``, which writes text.

    >>> from mldebt_lessons.shop.world import build_world
    >>> text = published_output(build_world(), "churn_model", "reformat")[0]
    >>> text.startswith('{"score": 0.'), text.endswith('"version": 2}')
    (True, True)
    """
    current = world.models[model]
    scores = current.predict_score(world.test_table)
    if change is None:
        return scores
    check_output_change(model, change)
    if change == "relabel":
        return relabelled_model(world, model).predict_score(world.test_table)
    if change == "rescale":
        return scores * RESCALE_FACTOR
    if change == "reformat":
        return np.array([json.dumps({"score": float(s), "version": FORMAT_VERSION}) for s in scores])
    base = float(np.mean(world.labels[current.spec.label][world.train_rows]))
    if current.spec.task == "classify":
        return _sigmoid(_logit(base) + TEMPER * (_logit(scores) - _logit(base)))
    return base + TEMPER * (scores - base)


def read_as_before(values) -> np.ndarray:
    """How a reader that was not told reads a model's output: as numbers, with its old parser.

    Text that is not a number becomes missing, and a missing score counts as zero, as
    ``pandas.to_numeric(errors="coerce").fillna(0)`` would do. Nothing raises.

    >>> read_as_before(np.array(['0.25', '{"score": 0.9}']))
    array([0.25, 0.  ])
    """
    values = np.asarray(values)
    if values.dtype.kind in "biuf":
        return values.astype(float)
    return np.nan_to_num(np.array([_number_or_nan(v) for v in values], dtype=float), nan=0.0)


def _number_or_nan(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def read_as_told(values, change: str | None) -> np.ndarray:
    """How a reader that was told reads the output: it decodes the new format and undoes a rescale.

    >>> read_as_told(np.array(['{"score": 0.9, "version": 2}']), "reformat")
    array([0.9])
    """
    if change == "reformat":
        return np.array([json.loads(v)["score"] for v in values], dtype=float)
    values = np.asarray(values, dtype=float)
    return values / RESCALE_FACTOR if change == "rescale" else values


# What a told reader does; every told reader also keeps acting on the same number of users as before.
TOLD_ADAPTATION = {
    "recalibrate": "re-picked its cut-off; same number of users",
    "rescale": f"divided by {RESCALE_FACTOR:g}; same number of users",
    "relabel": "new cut-off for the new label; same number of users",
    "reformat": "parsed the new records; same number of users",
}
NOT_TOLD_ADAPTATION = "NOT told: same parser, same rule"


def control_adaptation(model: str) -> str:
    """What a use of another model shows after a change: it is a control, and says which model it reads.

    >>> control_adaptation("ltv_model")
    'control: reads ltv_model'
    """
    return f"control: reads {model}"

# --- 3. consumers: how each one uses a model's output, measured against the truth -----------------------

AD_COST_GBP = 5.0  # a retention ad (placement and voucher)
AD_VALUE_GBP = 10.0  # margin kept when the ad reaches a user who would otherwise leave


@dataclass(frozen=True)
class Use:
    """One consumer's use of one model's output: its rule, and how it is judged against the truth."""

    consumer: str
    model: str
    action: str  # what it does, for people
    rule: str  # "model_threshold", "cutoff" or "expected_profit"
    truth: str  # the world's truth it is judged by: "churn_p", "ltv_mean" or "click_p"
    measure: str  # what the outcome counts, for people
    unit: str
    cutoff: float | None = None


CONSUMER_USES = (
    Use("email_campaign", "churn_model", "emails the users the churn model flags (its own cut-off)",
        "model_threshold", "churn_p", "churners reached", "expected churners reached per 1,000 users"),
    Use("homepage", "churn_model", "shows a discount banner when the churn score is at least 0.7",
        "cutoff", "churn_p", "churners reached", "expected churners reached per 1,000 users", cutoff=0.7),
    Use("ads_ranker", "churn_model",
        f"shows a retention ad when score x GBP {AD_VALUE_GBP:g} pays for its GBP {AD_COST_GBP:g} cost",
        "expected_profit", "churn_p", "ad profit", "expected GBP profit per 1,000 users"),
    Use("vip_programme", "ltv_model", "invites the users the LTV model flags (top tenth by predicted spend)",
        "model_threshold", "ltv_mean", "invitee spend", "expected GBP 12-month spend per 1,000 users"),
    Use("homepage", "recommender", "shows the personalised carousel when the click score is at least 0.5",
        "model_threshold", "click_p", "clicks", "expected clicks per 1,000 users"),
)


def acts_on(use: Use, scores: np.ndarray, threshold: float) -> np.ndarray:
    """The users ``use`` acts on, by its own rule; ``threshold`` is the model's cut-off."""
    if use.rule == "model_threshold":
        return scores >= threshold
    if use.rule == "cutoff":
        return scores >= use.cutoff
    return scores * AD_VALUE_GBP >= AD_COST_GBP


def same_number_of_users(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` users with the highest scores (ties broken by row order): a re-picked cut-off.

    >>> same_number_of_users(np.array([0.1, 0.9, 0.5]), 2)
    array([False,  True,  True])
    """
    chosen = np.zeros(len(scores), dtype=bool)
    chosen[np.argsort(-scores, kind="stable")[:k]] = True
    return chosen


def value_of(use: Use, chosen: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(value, best possible value) of acting on ``chosen``, from the ground truth.

    Reach-type uses count the truth among the chosen, and compare with the best possible choice of
    the same size. The ads use counts expected profit, and compares with showing ads to exactly
    the users for whom an ad pays.
    """
    if use.rule == "expected_profit":
        gain = AD_VALUE_GBP * truth - AD_COST_GBP
        return float(gain[chosen].sum()), float(gain[gain > 0].sum())
    best = np.sort(truth)[::-1][: int(chosen.sum())].sum()
    return float(truth[chosen].sum()), float(best)


@dataclass(frozen=True)
class ConsumerOutcome:
    """What one output change did to one consumer's use of a model, measured on held-out users."""

    consumer: str
    model: str
    reads_changed: bool  # it reads the model that changed
    declared: bool  # its read is declared in the graph
    told: bool  # it was told about the change (and adapted)
    adaptation: str
    measure: str
    unit: str
    value_before: float  # in `unit`
    value_after: float
    best_before: float  # the best possible value, in `unit`, from the ground truth
    best_after: float
    share_before: float  # of the best possible, from the ground truth
    share_after: float
    acted_before: float  # share of users it acted on
    acted_after: float

    @property
    def change(self) -> float:
        """Change in the share of the best possible outcome (0.05 is five points)."""
        return self.share_after - self.share_before


def check_told(told) -> frozenset:
    """The consumers named in ``told``, checked: a wrong name gives one line."""
    consumers = {u.consumer for u in CONSUMER_USES}
    told = frozenset(told)
    unknown = sorted(told - consumers)
    if unknown:
        raise unknown_choice("consumer", unknown[0], sorted(consumers))
    return told


def measure_output_change(world: World, model: str, change: str, told=None) -> list[ConsumerOutcome]:
    """Ship ``change`` to ``model``'s output and measure every consumer use, before and after.

    ``told`` names the consumers the owner tells; by default those whose read is declared.
    Told consumers read the output the new way and act on as many users as before; the others keep
    their old parser and rule. Uses that do not read ``model`` are the controls. Results are
    cached per world, so a widget can look them up at once.
    """
    check_output_change(model, change)
    told = _declared_readers_of(world, model) if told is None else check_told(told)
    return list(_measure(world, model, change, told))


def _declared_readers_of(world: World, model: str) -> frozenset:
    return frozenset(declared_consumers(world.graph).get(model, ()))


@functools.lru_cache(maxsize=256)
def _measure(world: World, model: str, change: str, told: frozenset) -> tuple[ConsumerOutcome, ...]:
    n = len(world.test_rows)
    outcomes = []
    for use in CONSUMER_USES:
        fitted = world.models[use.model]
        truth = world.truth[use.truth][world.test_rows]
        before = acts_on(use, published_output(world, use.model), fitted.threshold_)
        reads, is_told = use.model == model, use.consumer in told
        if not reads:
            after, adaptation = before, control_adaptation(use.model)
        elif is_told:
            scores = read_as_told(published_output(world, model, change), change)
            after, adaptation = same_number_of_users(scores, int(before.sum())), "told: " + TOLD_ADAPTATION[change]
        else:
            scores = read_as_before(published_output(world, model, change))
            after, adaptation = acts_on(use, scores, fitted.threshold_), NOT_TOLD_ADAPTATION
        (v0, best0), (v1, best1) = value_of(use, before, truth), value_of(use, after, truth)
        outcomes.append(ConsumerOutcome(
            consumer=use.consumer, model=use.model, reads_changed=reads,
            declared=bool(world.graph.edges[use.model, use.consumer].get("declared", True)),
            told=reads and is_told, adaptation=adaptation, measure=use.measure, unit=use.unit,
            value_before=1000 * v0 / n, value_after=1000 * v1 / n,
            best_before=1000 * best0 / n, best_after=1000 * best1 / n,
            share_before=v0 / best0 if best0 else 0.0, share_after=v1 / best1 if best1 else 0.0,
            acted_before=float(before.mean()), acted_after=float(after.mean())))
    return tuple(outcomes)


def all_output_changes() -> list[tuple[str, str]]:
    """Every (model, change) pair this lesson offers, in a stable order."""
    return [(m, c) for m in CHANGEABLE_MODELS for c in OUTPUT_CHANGES]


def use_of(consumer: str, model: str) -> Use:
    """The use ``consumer`` makes of ``model``."""
    for use in CONSUMER_USES:
        if (use.consumer, use.model) == (consumer, model):
            return use
    raise unknown_choice("consumer use", f"{consumer} <- {model}",
                         [f"{u.consumer} <- {u.model}" for u in CONSUMER_USES])


def outcome_of(outcomes: list[ConsumerOutcome], consumer: str, model: str) -> ConsumerOutcome:
    """Pick one consumer's outcome for one model from a list of outcomes."""
    for o in outcomes:
        if (o.consumer, o.model) == (consumer, model):
            return o
    raise unknown_choice("consumer use", f"{consumer} <- {model}", [f"{o.consumer} <- {o.model}" for o in outcomes])


TABLE_COLUMNS = ("consumer", "reads", "told?", "per 1,000 users", "before", "after")


def in_unit(use_unit: str, value: float) -> str:
    """A value with its unit: pounds as '£1,234' (a loss as '−£984'; '£41.1k' from ten thousand on), counts
    with one decimal.

    >>> in_unit("expected GBP profit per 1,000 users", -984.2), in_unit("GBP", 41137), in_unit("clicks", 52.14)
    ('−£984', '£41.1k', '52.1')
    """
    if "GBP" in use_unit:
        sign = "−" if value < -0.5 else ""
        return f"{sign}£{abs(value) / 1000:.1f}k" if abs(value) >= 10_000 else f"{sign}£{abs(value):,.0f}"
    return f"{value:,.1f}"


def told_text(o: ConsumerOutcome) -> str:
    """'yes', 'NO', or 'control' (a use of a model that did not change). Whether the read was declared is
    the graph's dashed arrow and the summary's business."""
    if not o.reads_changed:
        return "control"
    return "yes" if o.told else "NO"


def outcomes_table(outcomes: list[ConsumerOutcome]) -> list[dict]:
    """Rows for a table: each use's outcome before and after, in its own unit, beside the best possible.

    Pounds and counts never share a column: each row says what it measures, and every value carries its unit.
    """
    rows = []
    for o in outcomes:
        rows.append({
            "consumer": o.consumer,
            "reads": o.model,
            "told?": told_text(o),
            "per 1,000 users": o.measure,
            "before": f"{in_unit(o.unit, o.value_before)} of {in_unit(o.unit, o.best_before)}",
            "after": f"{in_unit(o.unit, o.value_after)} of {in_unit(o.unit, o.best_after)}",
        })
    return rows


TABLE_NOTE = ("Each cell: what the use achieved per 1,000 held-out users, 'of' the best possible from the ground truth "
              "(a perfect ranking of the same number of users; for ads, showing an ad to exactly the users it pays for). "
              "A minus sign is a loss.")


def outcomes_table_text(rows: list[dict]) -> str:
    """The rows of :func:`outcomes_table` as short lines, one per use, for tutors and screen readers
    (values per 1,000 users, each beside the best possible).

    >>> print(outcomes_table_text([{"consumer": "ads_ranker", "reads": "churn_model", "told?": "NO",
    ...                             "per 1,000 users": "ad profit", "before": "£156 of £340", "after": "£0 of £340"}]))
    ads_ranker reads churn_model (told? NO): ad profit: £156 of £340 -> £0 of £340
    """
    return "\n".join(f"{r['consumer']} reads {r['reads']} (told? {r['told?']}): {r['per 1,000 users']}: "
                     f"{r['before']} -> {r['after']}" for r in rows)


def outcomes_text(model: str, change: str, outcomes: list[ConsumerOutcome]) -> str:
    """A plain-text account of one change and what it did to every consumer, for people and tutors."""
    lines = [f"Change: {model} -> {change} ({change_description(model, change)})"]
    for o in outcomes:
        how = o.adaptation if o.reads_changed else f"control: {o.model} did not change"
        lines.append(
            f"  {o.consumer} reads {o.model} ({'declared' if o.declared else 'UNDECLARED'}; {how}): "
            f"{o.measure} per 1,000 users {in_unit(o.unit, o.value_before)} -> {in_unit(o.unit, o.value_after)} "
            f"(best possible {in_unit(o.unit, o.best_before)} -> {in_unit(o.unit, o.best_after)})")
    return "\n".join(lines)
