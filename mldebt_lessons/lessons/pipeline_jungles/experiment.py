"""What lesson 10 measures: Larkspur's feature preparation as a jungle and as a DAG, on real files.

Both pipelines (:mod:`mldebt_lessons.shop.prep`) run in a temporary folder on the world's raw
sources. A *scenario* is what happened since yesterday's run: nothing, one raw source changed
(its owner shipped something), or one person's edit planted a bug. For each we measure

* what each pipeline re-ran, and how many rows it rewrote (:func:`recompute`);
* what its output does to Larkspur's models in production, which score the freshly prepared
  features of the held-out users (:func:`model_effects`: decisions flipped, quality);
* for a bug, how many files a person opens to find where it entered (:func:`find_bug`).

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> [len(recompute(world, p, "orders_db changed").steps) for p in PIPELINES]
[8, 3]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.models import quality
from mldebt_lessons.shop.prep.dag import BUG_STEPS, STEPS, downstream, run_dag
from mldebt_lessons.shop.prep.jungle import BUGS, SCRIPTS, TYPES, PrepRun, run_jungle
from mldebt_lessons.shop.prep.raw import SOURCE_CHANGES, changed_sources, parse_csv, raw_sources
from mldebt_lessons.shop.world import World

PIPELINES = ("jungle", "DAG")
HOME_MODELS = ("churn_model", "ltv_model", "fraud_model", "recommender")
SCENARIOS = {
    "nothing changed": "nothing changed since yesterday's run",
    "accounts_db changed": SOURCE_CHANGES["accounts_db"],
    "clickstream changed": SOURCE_CHANGES["clickstream"],
    "orders_db changed": SOURCE_CHANGES["orders_db"],
    "bug: duplicate join": BUGS["duplicate_join"][1],
    "bug: basket in pence": BUGS["basket_in_pence"][1],
}
BUG_SCENARIOS = {"bug: duplicate join": "duplicate_join", "bug: basket in pence": "basket_in_pence"}
SOURCE_SCENARIOS = {f"{s} changed": s for s in SOURCE_CHANGES}
FEATURES_FILE = "features.csv"


def check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise unknown_choice("scenario", scenario, SCENARIOS)


def check_pipeline(pipeline: str) -> None:
    if pipeline not in PIPELINES:
        raise unknown_choice("pipeline", pipeline, PIPELINES)


@functools.lru_cache(maxsize=8)
def _yesterday(world: World):
    """The DAG's run yesterday, from an empty store: its output store is what today's runs reuse."""
    cache: dict = {}
    return run_dag(raw_sources(world), world.seed, cache=cache), cache


@functools.lru_cache(maxsize=256)
def prepare(world: World, pipeline: str, scenario: str) -> PrepRun:
    """Today's run of ``pipeline`` after ``scenario`` (the DAG reuses yesterday's outputs where it can)."""
    check_pipeline(pipeline)
    check_scenario(scenario)
    bug = BUG_SCENARIOS.get(scenario)
    source = SOURCE_SCENARIOS.get(scenario)
    sources = changed_sources(world, source) if source else raw_sources(world)
    if pipeline == "jungle":
        return run_jungle(sources, world.seed, bug)
    return run_dag(sources, world.seed, bug, cache=dict(_yesterday(world)[1]))


def different_values(world: World, run: PrepRun) -> int:
    """How many values of the run's features differ from the world's own feature table."""
    if run.features is None:
        return -1
    return sum(int((np.asarray(run.features[n]) != world.features[n]).sum()) for n in world.features)


@dataclass(frozen=True)
class ModelEffect:
    model: str
    reads: tuple[str, ...]
    flipped: float  # share of held-out users whose decision changed
    metric: str
    before: float
    after: float


@functools.lru_cache(maxsize=8)
def _as_trained(world: World) -> dict:
    """Each home model's decisions and quality on the held-out users' features as the world has them."""
    old = rows_of(world.features, world.test_rows)
    out = {}
    for name in HOME_MODELS:
        model = world.models[name]
        y = world.labels[model.spec.label][world.test_rows]
        truth = world.truth["ltv_mean"][world.test_rows] if model.spec.task == "regress" else None
        out[name] = (model.decide(old), quality(model, old, y, truth), y, truth)
    return out


def model_effects(world: World, run: PrepRun) -> list[ModelEffect]:
    """Each home model, trained as it is, scoring the held-out users' freshly prepared features.

    A run stopped by a check writes no features: the models keep yesterday's (nothing moves).
    """
    before = _as_trained(world)
    new = None if run.features is None else rows_of(run.features, world.test_rows)
    out = []
    for name in HOME_MODELS:
        model = world.models[name]
        decisions, (metric, value), y, truth = before[name]
        same = new is None or all(np.array_equal(new[i], world.features[i][world.test_rows]) for i in model.spec.inputs)
        if same:  # the inputs it reads did not change: neither does anything it does
            out.append(ModelEffect(name, model.spec.inputs, 0.0, metric, value, value))
            continue
        flipped = float((decisions != model.decide(new)).mean())
        out.append(ModelEffect(name, model.spec.inputs, flipped, metric, value, quality(model, new, y, truth)[1]))
    return out


@functools.lru_cache(maxsize=256)
def effects(world: World, pipeline: str, scenario: str) -> tuple[ModelEffect, ...]:
    return tuple(model_effects(world, prepare(world, pipeline, scenario)))


@dataclass(frozen=True)
class Recompute:
    pipeline: str
    scenario: str
    steps: tuple[str, ...]  # the steps (scripts) that ran today
    of: int  # how many steps the pipeline has
    rows: int  # rows the steps that ran wrote


def recompute(world: World, pipeline: str, scenario: str) -> Recompute:
    """What ``pipeline`` re-ran today after ``scenario``."""
    run = prepare(world, pipeline, scenario)
    return Recompute(pipeline, scenario, run.executed, len(SCRIPTS if pipeline == "jungle" else STEPS), run.rows)


# -- finding a bug -----------------------------------------------------------------------------

JUNGLE_READS = {s.writes: s.reads for s in SCRIPTS}
DAG_READS = {s.output: s.inputs for s in STEPS}


@dataclass(frozen=True)
class Search:
    pipeline: str
    bug: str
    opened: tuple[str, ...]  # the files the person opened, in order
    origin: str  # the file where the bug entered
    says: str  # what told them


def walk_back(reads: dict, start: str, looks_wrong) -> tuple[list[str], str | None]:
    """Open ``start``, then every input of every file that looks wrong, nearest first, until a file that
    looks wrong has inputs that all look right: the bug entered there. Returns (files opened, that file)."""
    opened, queue, origin = [start], [start], None
    while queue and origin is None:
        name = queue.pop(0)  # a file that looks wrong: open each of its inputs
        if not looks_wrong(name):
            continue
        inputs = list(reads.get(name, ()))
        for i in inputs:
            if i not in opened:
                opened.append(i)
        bad = [i for i in inputs if looks_wrong(i)]
        if not bad:
            origin = name
        queue.extend(b for b in bad if b not in queue)
    return opened, origin


def find_bug(world: World, pipeline: str, scenario: str) -> Search:
    """How a person finds where ``scenario``'s bug entered ``pipeline``.

    Jungle: nothing checks anything, so they start from the features the models read and walk back
    through the files (a file looks wrong when it differs from what a correct run writes).
    DAG: the failing check names the step and what is wrong; they open that step's output.
    """
    if scenario not in BUG_SCENARIOS:
        raise unknown_choice("bug scenario", scenario, BUG_SCENARIOS)
    check_pipeline(pipeline)
    run = prepare(world, pipeline, scenario)
    if pipeline == "DAG":
        if run.failed is None:
            return Search(pipeline, scenario, (), "", "no check failed")
        step = next(s for s in STEPS if s.name == run.failed[0])
        return Search(pipeline, scenario, (step.output,), step.output, f"{step.name}: {run.failed[1]}")
    clean = prepare(world, "jungle", "nothing changed").files
    opened, origin = walk_back(JUNGLE_READS, FEATURES_FILE, lambda f: run.files.get(f) != clean.get(f))
    return Search(pipeline, scenario, tuple(opened), origin or "", "the models' decisions moved")


def bug_step(pipeline: str, scenario: str) -> str:
    """The step (script) the bug was planted in."""
    bug = BUG_SCENARIOS[scenario]
    return BUGS[bug][0] if pipeline == "jungle" else BUG_STEPS[bug]


def step_writing(pipeline: str, file: str) -> str:
    steps = SCRIPTS if pipeline == "jungle" else STEPS
    return next(s.name for s in steps if (s.writes if pipeline == "jungle" else s.output) == file)


def stale_files(pipeline: str, scenario: str) -> set[str]:
    """The files that today's run must rewrite, as far as the pipeline knows: all of them for the jungle,
    the outputs of steps downstream of the change for the DAG."""
    if pipeline == "jungle":
        return {s.writes for s in SCRIPTS}
    if scenario in SOURCE_SCENARIOS:
        return {s.output for s in STEPS if s.name in downstream({f"{SOURCE_SCENARIOS[scenario]}.csv"})}
    if scenario in BUG_SCENARIOS:
        first = next(s for s in STEPS if s.name == BUG_STEPS[BUG_SCENARIOS[scenario]])
        return {first.output} | {s.output for s in STEPS if s.name in downstream({first.output})}
    return set()


def table_of(world: World, pipeline: str, scenario: str, file: str) -> dict:
    """One file a run wrote, read back as a table (column name -> array)."""
    run = prepare(world, pipeline, scenario)
    if file not in run.files:
        raise unknown_choice("file", file, sorted(run.files))
    return parse_csv(run.files[file], TYPES)
