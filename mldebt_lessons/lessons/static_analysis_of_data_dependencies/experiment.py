"""Static analysis of data dependencies: build the linker Larkspur's data lacks, and test it.

Sculley et al. (2015, §3): code has compilers and linkers that list what depends on what; data has
none, so nobody can say what breaks when a signal changes or goes away. This module answers
"what breaks if I delete X?" in three ways, and checks each against what really happens:

1. **Reading code** (:func:`code_edges`): Larkspur's own source files, parsed with :mod:`ast` and
   never imported for this: every ``Feature(name, source, ...)``, every ``ModelSpec(name, ...,
   inputs, ...)`` and every consumer's ``reads``. A consumer marked ``declared=False`` stands for
   code that lives in another team's repository, so a reader of Larkspur's repository never sees it.
2. **The manifest** (:func:`manifest_edges`): what each team declared it reads
   (:func:`mldebt_lessons.audit.toy.toy_manifest`).
3. **The access log** (:func:`log_edges`): who was seen reading what, as OpenLineage run events
   (:func:`mldebt_lessons.shop.lineage.observed_reads`): automated annotation of every dataset's
   producer and readers.

Each view can be asked for direct readers only, or followed transitively (:func:`downstream`).
The ground truth is :func:`rerun_without`: the world re-run without the node (every model that read
it refitted without that input, every model downstream refitted on the new scores, every consumer
run on the new decisions), and the scores and decisions compared with the original run.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> sorted(rerun_without(world, "churn_model").broken)
['ads_ranker', 'email_campaign', 'homepage']
>>> p = predict(world, "code", "churn_model")
>>> sorted(p.found), sorted(p.missed)
(['email_campaign', 'homepage'], ['ads_ranker'])
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.extra_features import (
    EXTRA_FEATURES,
)
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.features import FEATURES
from mldebt_lessons.shop.graph import CONSUMERS, LAYERS, shop_graph
from mldebt_lessons.shop.models import (
    MODEL_SPECS,
    MODEL_SPECS_BY_NAME,
    ShopModel,
    add_upstream_scores,
)
from mldebt_lessons.shop.world import World, fit_models

VIEWS = ("code", "manifest", "access log")
VIEW_HELP = {
    "code": "Larkspur's source files, parsed with ast (never run): Feature, ModelSpec and Consumer entries",
    "manifest": "what each team declared it reads, in the system manifest",
    "access log": "one night of OpenLineage run events: which job read which dataset",
}
# The code a reader of Larkspur's repository can parse: the shop's pipeline, and the extra feature.
CODE_MODULES = ("mldebt_lessons.shop.data", "mldebt_lessons.shop.features", "mldebt_lessons.shop.models",
                "mldebt_lessons.shop.graph", "mldebt_lessons.lessons.static_analysis_of_data_dependencies.extra_features")
UNUSED_FEATURE = EXTRA_FEATURES[0].name
THROUGH_A_MODEL = ("days_since_signup", "fraud_model", "fraud_model_es")  # a dependency through another model


# --- the world this lesson looks at: Larkspur plus one feature nobody reads ------------------------

@functools.lru_cache(maxsize=1)
def lesson_graph() -> nx.DiGraph:
    """Larkspur's graph with the unused feature added (what really runs, undeclared reads included).

    >>> sorted(lesson_graph().successors("referral_code"))
    []
    """
    return shop_graph(features=FEATURES + EXTRA_FEATURES)


@functools.lru_cache(maxsize=1)
def deletable_nodes() -> tuple[str, ...]:
    """The nodes one can delete, in layer order: sources, features, models (consumers feed nothing).

    >>> deletable_nodes()[:4]
    ('accounts_db', 'clickstream', 'orders_db', 'user_age')
    """
    g = lesson_graph()
    return tuple(n for kind in LAYERS[:3] for n in g.nodes if g.nodes[n]["kind"] == kind)


def check_deletable(node: str) -> None:
    """Raise a one-line :class:`CourseInputError` for a node this lesson cannot delete."""
    if node not in deletable_nodes():
        if node in lesson_graph():
            raise CourseInputError(f"'{node}' is a consumer: nothing reads it, so deleting it breaks nothing "
                                   f"downstream; choose one of: {', '.join(deletable_nodes())}")
        raise unknown_choice("node", node, deletable_nodes())


def kind_of(node: str) -> str:
    g = lesson_graph()
    return g.nodes[node]["kind"] if node in g else "unknown"


# --- view 1: reading code ----------------------------------------------------------------------------

def code_files(modules=CODE_MODULES) -> list[tuple[str, str]]:
    """(path shown, source text) of each module, found on disk and read as text: never imported."""
    out = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        out.append(("/".join(name.split(".")) + ".py", Path(spec.origin).read_text(encoding="utf-8")))
    return out


def _strings(node) -> tuple[str, ...] | None:
    """The strings of a literal tuple or list of strings, else None."""
    if isinstance(node, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                                       for e in node.elts):
        return tuple(e.value for e in node.elts)
    return None


def _string(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def code_reads(files: list[tuple[str, str]] | None = None) -> dict[tuple[str, str], str]:
    """Every (upstream, downstream) read the code states, with where: ``{edge: "file line N"}``.

    Finds ``Feature(name, source, ...)``, ``ModelSpec(name, owner, purpose, task, inputs, ...)`` and
    ``Consumer(name, owner, description, reads, ...)`` calls; a consumer with ``declared=False`` is
    skipped: its code lives in another team's repository.

    >>> reads = code_reads([("x.py", "F = Feature('age', 'accounts', 'numeric')\\n"
    ...                     "M = ModelSpec('m', 'team', 'why', 'classify', ('age', 'days'), 'y')")])
    >>> sorted(reads)
    [('accounts', 'age'), ('age', 'm'), ('days', 'm')]
    """
    files = code_files() if files is None else files
    found: dict[tuple[str, str], str] = {}
    for path, text in files:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
            args = call.args
            where = f"{path} line {call.lineno}"
            if func == "Feature" and len(args) >= 2 and _string(args[0]) and _string(args[1]):
                found.setdefault((_string(args[1]), _string(args[0])), where)
            elif func == "ModelSpec" and len(args) >= 5 and _string(args[0]) and _strings(args[4]) is not None:
                for name in _strings(args[4]):
                    found.setdefault((name, _string(args[0])), where)
            elif func == "Consumer" and len(args) >= 4 and _string(args[0]) and _strings(args[3]) is not None:
                hidden = any(k.arg == "declared" and isinstance(k.value, ast.Constant) and k.value.value is False
                             for k in call.keywords)
                if not hidden:
                    for name in _strings(args[3]):
                        found.setdefault((name, _string(args[0])), where)
    return found


def code_edges(files: list[tuple[str, str]] | None = None) -> frozenset:
    """The reads the code shows, as (upstream, downstream) edges."""
    return frozenset(code_reads(files)) if files is not None else _default_code_edges()


@functools.lru_cache(maxsize=1)
def _default_code_edges() -> frozenset:
    return frozenset(code_reads())


# --- view 2: the manifest ----------------------------------------------------------------------------

def lesson_manifest() -> dict:
    """Larkspur's manifest (specs only, nothing measured) with the unused feature declared too."""
    return copy.deepcopy(_toy_manifest())


@functools.lru_cache(maxsize=1)
def _toy_manifest() -> dict:
    from mldebt_lessons.audit.toy import toy_manifest
    manifest = toy_manifest(measure=False)
    for f in EXTRA_FEATURES:
        manifest["features"].append({"id": f.name, "owner": "accounts team", "description": f.description,
                                     "reads": [f.source], "type": f.kind, "pinned": False, "tests": [],
                                     "monitoring": [], "language": "python"})
    return manifest


def manifest_edges(manifest: dict | None = None) -> frozenset:
    """The reads a manifest declares, as (upstream, downstream) edges.

    >>> sorted(manifest_edges({"models": [{"id": "m", "reads": ["a", "b"]}]}))
    [('a', 'm'), ('b', 'm')]
    """
    manifest = _toy_manifest() if manifest is None else manifest
    return frozenset((str(r), str(entry["id"])) for key in ("features", "models", "consumers")
                     for entry in manifest.get(key, []) for r in entry.get("reads", []))


# --- view 3: the access log --------------------------------------------------------------------------

def lesson_log(days: int = 1) -> list[dict]:
    """The access log of the lesson's world: ``days`` nights of OpenLineage run events."""
    from mldebt_lessons.shop.lineage import observed_reads
    return observed_reads(lesson_graph(), days=days)


def log_edges(events: list[dict]) -> frozenset:
    """The reads an access log shows, as (upstream, downstream) edges between jobs.

    A dataset belongs to the job that writes it; a dataset nobody writes (a raw table such as
    ``raw.orders_db``) is named by what follows its prefix.

    >>> from mldebt_lessons.shop.lineage import LOG_START, run_event
    >>> log = [run_event("m", [{"namespace": "w", "name": "raw.t"}], [{"namespace": "w", "name": "scores.m"}], LOG_START),
    ...        run_event("c", [{"namespace": "w", "name": "scores.m"}], [], LOG_START)]
    >>> sorted(log_edges(log))
    [('m', 'c'), ('t', 'm')]
    """
    writer = {}
    for e in events:
        for d in e.get("outputs", []):
            writer[(d["namespace"], d["name"])] = e["job"]["name"]
    edges = set()
    for e in events:
        job = e["job"]["name"]
        for d in e.get("inputs", []):
            upstream = writer.get((d["namespace"], d["name"]), d["name"].split(".", 1)[-1])
            if upstream != job:
                edges.add((upstream, job))
    return frozenset(edges)


@functools.lru_cache(maxsize=1)
def _default_log_edges() -> frozenset:
    return log_edges(lesson_log())


def view_edges(view: str) -> frozenset:
    """The (upstream, downstream) reads one view shows in the lesson's world."""
    if view not in VIEWS:
        raise unknown_choice("view", view, VIEWS)
    return {"code": code_edges, "manifest": manifest_edges, "access log": _default_log_edges}[view]()


def downstream(edges, node: str, transitive: bool = True) -> frozenset:
    """What reads ``node`` (directly), or everything downstream of it (``transitive``), by ``edges``.

    >>> sorted(downstream({("a", "b"), ("b", "c")}, "a")), sorted(downstream({("a", "b"), ("b", "c")}, "a", False))
    (['b', 'c'], ['b'])
    """
    readers: dict[str, set] = {}
    for u, v in edges:
        readers.setdefault(u, set()).add(v)
    seen, todo = set(), [node]
    while todo:
        for v in readers.get(todo.pop(), ()):
            if v not in seen and v != node:
                seen.add(v)
                if transitive:
                    todo.append(v)
    return frozenset(seen)


def closure_pairs(edges) -> frozenset:
    """The transitive closure of ``edges``: every (u, v) such that data flows from u to v (§9's question).

    >>> sorted(closure_pairs({("a", "b"), ("b", "c")}))
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    nodes = {n for e in edges for n in e}
    return frozenset((u, v) for u in nodes for v in downstream(edges, u))


# --- the ground truth: re-run the world without the node ---------------------------------------------

@dataclass(frozen=True)
class ModelChange:
    """One model after the re-run: deleted (or left with no input), or how far its outputs moved."""

    model: str
    deleted: bool
    max_score_change: float  # on its market's held-out users; 0.0 exactly when nothing moved
    decisions_flipped: int
    users: int


@dataclass(frozen=True)
class Breakage:
    """What really changed when the world was re-run without ``node``."""

    node: str
    removed: frozenset  # the node, and for a source the features it yields
    models: dict  # model -> ModelChange
    consumers: dict  # consumer -> (lost inputs, decisions flipped among what it reads)
    refitted: tuple[str, ...]

    @property
    def broken(self) -> frozenset:
        """Models whose scores moved or that are gone; consumers that lost an input or act differently."""
        models = {m for m, c in self.models.items() if c.deleted or c.max_score_change > 0}
        consumers = {c for c, (lost, flips) in self.consumers.items() if lost or flips > 0}
        return frozenset((models | consumers) - self.removed)


@functools.lru_cache(maxsize=8)
def _baseline(world: World) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(scores, decisions) of every model on its market's held-out users, in the original run."""
    return {name: _outputs(world, world.models, name) for name in world.models}


def _outputs(world: World, models: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    model = models[name]
    market = world.markets[model.spec.market]
    table = add_upstream_scores(rows_of(market.features, market.test_rows), models, model.spec.inputs)
    score = model.predict_score(table)
    return score, score >= model.threshold_


def specs_without(removed) -> tuple[tuple, frozenset]:
    """The model specs with ``removed`` nodes taken out of their inputs, and the models that are gone
    (deleted, or left with no input at all)."""
    gone, specs = set(removed) & set(MODEL_SPECS_BY_NAME), []
    for spec in MODEL_SPECS:
        if spec.name in gone:
            continue
        inputs = tuple(i for i in spec.inputs if i not in removed and i not in gone)
        if not inputs:
            gone.add(spec.name)
            continue
        specs.append(spec if inputs == spec.inputs else replace(spec, inputs=inputs))
    return tuple(specs), frozenset(gone)


@functools.lru_cache(maxsize=4)
def _refits(world: World) -> dict:
    """The models refitted so far in ``world``, keyed by spec and upstream refits, as a build cache keeps them.

    Deleting a source and deleting its only feature refit the same models on the same inputs
    (``clickstream`` and ``session_count``, ``orders_db`` and ``avg_basket_value``): each such fit is
    done once. The fits are deterministic, so sharing them changes no number.
    """
    return {}


@functools.lru_cache(maxsize=256)
def rerun_without(world: World, node: str, full: bool = False) -> Breakage:
    """Re-run the world without ``node`` and see what changes, on held-out users.

    Every model that read the node is refitted without it (a model left with no input is gone), and
    every model reading a refitted model's score is refitted on the new scores. By default a model
    whose inputs did not change is kept as fitted, as a build system would; ``full=True`` refits
    every model from scratch instead (slower; the lesson's control checks both agree).
    """
    check_deletable(node)
    g = lesson_graph()
    removed = frozenset({node} | ({f for f in g.successors(node)} if kind_of(node) == "source" else set()))
    specs, gone = specs_without(removed)
    if full:
        models = fit_models(world.markets, world.seed, specs)
        refitted = tuple(s.name for s in specs)
    else:
        models, refit, keys, fits = {}, [], {}, _refits(world)
        for spec in specs:
            original = MODEL_SPECS_BY_NAME[spec.name]
            if spec.inputs == original.inputs and not any(u in refit for u in spec.upstream_models()):
                models[spec.name] = world.models[spec.name]
                continue
            # A refit is fully determined by its spec and the refits whose scores it reads: share it.
            key = keys[spec.name] = (spec, tuple(keys.get(u) for u in spec.upstream_models()))
            if key not in fits:
                market = world.markets[spec.market]
                train = add_upstream_scores(rows_of(market.features, market.train_rows), models, spec.inputs)
                fits[key] = ShopModel(spec, random_state=world.seed).fit(
                    train, market.labels[spec.label][market.train_rows])
            models[spec.name] = fits[key]
            refit.append(spec.name)
        refitted = tuple(refit)
    base = _baseline(world)
    changes = {}
    for name, (score, decision) in base.items():
        if name in gone:
            changes[name] = ModelChange(name, True, float("nan"), len(decision), len(decision))
            continue
        if not full and name not in refitted:  # the very model object of the original run, on the same inputs
            changes[name] = ModelChange(name, False, 0.0, 0, len(decision))
            continue
        new_score, new_decision = _outputs(world, models, name)
        changes[name] = ModelChange(name, False, float(np.max(np.abs(new_score - score))),
                                    int(np.sum(new_decision != decision)), len(decision))
    consumers = {}
    for c in CONSUMERS:
        lost = tuple(m for m in c.reads if m in gone)
        flips = sum(changes[m].decisions_flipped for m in c.reads if m not in gone)
        consumers[c.name] = (lost, flips)
    return Breakage(node, removed, changes, consumers, refitted)


# --- each view's prediction, scored against the truth --------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    """What one view predicts breaks when ``node`` is deleted, beside what really broke."""

    view: str
    node: str
    transitive: bool
    predicted: frozenset  # models and consumers the view names
    broken: frozenset

    @property
    def found(self) -> frozenset:
        return self.predicted & self.broken

    @property
    def missed(self) -> frozenset:
        return self.broken - self.predicted

    @property
    def false_alarms(self) -> frozenset:
        return self.predicted - self.broken

    @property
    def exact(self) -> bool:
        return self.predicted == self.broken


def predicted_by(view: str, node: str, transitive: bool = True) -> frozenset:
    """The models and consumers ``view`` says a deletion of ``node`` reaches."""
    check_deletable(node)
    return frozenset(n for n in downstream(view_edges(view), node, transitive)
                     if kind_of(n) in ("model", "consumer"))


@functools.lru_cache(maxsize=512)
def predict(world: World, view: str, node: str, transitive: bool = True) -> Prediction:
    """One view's answer to "what breaks if I delete ``node``?", with the re-run's answer beside it."""
    return Prediction(view, node, transitive, predicted_by(view, node, transitive),
                      rerun_without(world, node).broken)


def scorecard(world: World, transitive: bool = True, nodes=None) -> dict[str, dict]:
    """For each view, over every deletable node (or ``nodes``): how many broken nodes it found, missed,
    and raised false alarms about, and which nodes it missed."""
    out = {}
    for view in VIEWS:
        preds = [predict(world, view, n, transitive) for n in (deletable_nodes() if nodes is None else nodes)]
        out[view] = {"found": sum(len(p.found) for p in preds), "missed": sum(len(p.missed) for p in preds),
                     "false alarms": sum(len(p.false_alarms) for p in preds),
                     "exact": sum(p.exact for p in preds), "questions": len(preds),
                     "missed nodes": frozenset(m for p in preds for m in p.missed)}
    return out


def true_closure(world: World) -> frozenset:
    """Every (deleted node, node that broke) pair, over every deletable node: the closure, measured."""
    return frozenset((n, b) for n in deletable_nodes() for b in rerun_without(world, n).broken)


def view_closure(view: str) -> frozenset:
    """A view's transitive closure, restricted like :func:`true_closure` (deletable -> model or consumer)."""
    deletable = set(deletable_nodes())
    return frozenset((u, v) for u, v in closure_pairs(view_edges(view))
                     if u in deletable and kind_of(v) in ("model", "consumer"))


def scorecard_rows(world: World) -> list[dict]:
    """One row per view and mode (direct readers, or followed transitively): the scorecard as a table."""
    rows, g = [], lesson_graph()
    readers = sum(g.nodes[n]["kind"] in ("model", "consumer") for n in g.nodes)

    def missed(nodes) -> str:  # a long list of names would make each row ten lines tall
        if len(nodes) <= 3:
            return ", ".join(sorted(nodes))
        return f"all {readers} models and consumers" if len(nodes) == readers else f"{len(nodes)} of the {readers}"

    for transitive in (False, True):
        for view, s in scorecard(world, transitive).items():
            # Short headers: seven columns must fit a notebook's output area without scrolling.
            rows.append({"view": view, "chains": "yes" if transitive else "no",
                         "exact": f"{s['exact']} of {s['questions']}",
                         "found": s["found"], "missed": s["missed"], "false alarms": s["false alarms"],
                         "nodes it misses": missed(s["missed nodes"]) or "none"})
    return rows


def breakage_rows(world: World, node: str) -> list[dict]:
    """What the re-run without ``node`` changed: one row per model and consumer (controls included)."""
    b = rerun_without(world, node)
    rows = []
    for name, c in b.models.items():
        market = MODEL_SPECS_BY_NAME[name].market
        where = "" if market == "home" else f" ({market})"
        if c.deleted:
            what = "deleted with it" if name in b.removed else "gone: no input left"
        else:
            what = (f"largest score change {c.max_score_change:.3g}; {c.decisions_flipped} of {c.users} "
                    f"decisions flipped{where}" if c.max_score_change > 0 else "exactly unchanged")
        rows.append({"node": name, "kind": "model", "after the re-run": what,
                     "broke?": "yes" if name in b.broken else ("deleted" if name in b.removed else "no")})
    for name, (lost, flips) in b.consumers.items():
        what = (f"lost its input {', '.join(lost)}" if lost else
                f"{flips} decisions it acts on flipped" if flips else "acts exactly as before")
        rows.append({"node": name, "kind": "consumer", "after the re-run": what,
                     "broke?": "yes" if name in b.broken else "no"})
    return rows
