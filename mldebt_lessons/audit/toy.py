"""The toy world, Larkspur, as a system manifest: generated from the library's own specs.

Nodes, owners, descriptions and what reads what come from :data:`mldebt_lessons.shop.data.SOURCES`,
:data:`mldebt_lessons.shop.features.FEATURES`, :data:`mldebt_lessons.shop.models.MODEL_SPECS` and
:data:`mldebt_lessons.shop.graph.CONSUMERS`, so a model or consumer added to the library appears here
with no edit. A consumer whose spec says ``declared=False`` is left out of the manifest; it shows
up only in the access log, as OpenLineage run events (:func:`toy_lineage_events`, from
:mod:`mldebt_lessons.shop.lineage`): observed, never declared, as an undeclared consumer would be. Numbers are measured on the fitted world: each model's reliance on
its inputs, the share of missing and typed-in values.

The facts a manifest states and the code does not show, written down here (:data:`TOY_FACTS`) and
kept honest to the toy world:

* no monitoring and no data tests anywhere: Larkspur has no serving or monitoring system, and its
  data (typed-in ages of 150, missing values) reaches the models unchecked;
* sources and features are not versioned or pinned: a team can change a feature's preparation and
  every reader gets the change (lesson 01 does exactly that);
* thresholds given in a model spec are typed in by hand, as bare numbers with no scale; a spec
  without one learns it (the top share of training scores) at every fit;
* models are retrained and released by hand (someone rebuilds the world); seeds are fixed and
  the data is regenerated from the seed, so training is reproducible;
* what each consumer's actions change in the world, and where each label comes from, read from
  the specs' own words: the carousel decides who can click it, win-back emails and VIP invitations
  change the orders the churn and LTV labels are read from, the homepage's banner and carousel
  change the sessions in the clickstream, fraud labels come from the review queue's verdicts;
* the models' hyper-parameters and thresholds live in code (``models.py``), in version control,
  with nothing that checks them automatically;
* a dependency catalogue exists: the graph is built from the specs;
* the ML Test Score answers in :data:`TOY_ANSWERS`, each with its reason.

Example
-------
>>> m = toy_manifest()
>>> m["system"], [s["id"] for s in m["sources"]]
('Larkspur', ['accounts_db', 'clickstream', 'orders_db'])
>>> any(f["id"] == "user_age" and "accounts_db" in f["reads"] for f in m["features"])
True
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np

#: Where each label is read from (sources record outcomes; the review queue records verdicts).
LABEL_ORIGINS = {"churned": ("orders_db",), "ltv": ("orders_db",), "clicked": ("clickstream", "homepage"),
                 "fraud": ("fraud_review_queue",)}
#: What each consumer's actions change in the world.
CONSUMER_INFLUENCES = {
    "email_campaign": ("orders_db", "clickstream"),  # won-back users visit and order again
    "vip_programme": ("orders_db",),  # invited customers spend more
    "homepage": ("clickstream", "orders_db"),  # the carousel and the discount banner
    "ads_ranker": ("clickstream",),  # paid ads bring visits
    "fraud_review_queue": (),
}
TOY_FACTS = {
    "monitoring": "none: Larkspur has no serving or monitoring system",
    "data tests": "none: faulty values (missing, typed-in ages of 150) reach the models unchecked",
    "versions": "sources and features are not versioned or pinned",
    "thresholds": "a spec's threshold is typed in by hand as a bare number; otherwise learned at each fit",
    "retraining": "by hand: someone rebuilds the world",
    "reproducibility": "seeds fixed; the data is regenerated from the seed",
    "influences": "what consumers change in the world: see CONSUMER_INFLUENCES",
    "labels": "where labels come from: see LABEL_ORIGINS",
    "configuration": "hyper-parameters and thresholds in models.py, in git, checked by nothing",
    "dependency catalogue": "yes: the graph is built from the specs",
}

#: Larkspur's honest self-assessment on the ML Test Score (tests not listed: no).
TOY_ANSWERS = {
    "data_7": "automated",  # tests/test_features.py tests the feature code, in `make test`
    "infra_1": "automated",  # same seed, same numbers: strict nbval re-runs and compares every notebook
    "infra_2": "automated",  # the model specs and fitting have unit tests (tests/test_world.py)
    "infra_3": "automated",  # the whole pipeline, data to decisions, is built in the tests
    "model_6": "manual",  # lesson notebooks measure quality by hand, not on slices routinely; counted once
}
TOY_ANSWER_REASONS = {
    "data_7": "tests/test_features.py tests the feature code on every `make test`",
    "infra_1": "seeds are fixed; strict nbval re-runs every notebook and compares its numbers",
    "infra_2": "tests/test_world.py unit-tests the model specs and fitting",
    "infra_3": "the tests build the whole pipeline, raw data to decisions",
    "model_6": "quality on held-out users is measured by hand in the notebooks (model_report)",
}


def toy_answers() -> dict[str, str]:
    """All 28 answers: those in :data:`TOY_ANSWERS`, and 'no' for every other test."""
    from .mltestscore import TEST_KEYS
    return {key: TOY_ANSWERS.get(key, "no") for key in TEST_KEYS}




def _world():
    from mldebt_lessons.shop.world import build_world
    return build_world()


def _declared(consumer) -> bool:
    return getattr(consumer, "declared", True)


def _round(x: float, digits: int = 3) -> float:
    return float(round(float(x), digits))


def toy_manifest(measure: bool = True, world=None) -> dict:
    """Larkspur's manifest as plain data (the same shape a user writes in YAML).

    With ``measure``, each model's reliance on its inputs and each feature's missing values are
    read from ``world`` (by default the course's default world, built once); without, only the specs.
    """
    from mldebt_lessons.shop.data import COMPANY, SOURCES
    from mldebt_lessons.shop.features import FEATURES
    from mldebt_lessons.shop.graph import CONSUMERS
    from mldebt_lessons.shop.models import MODEL_SPECS

    world = (world or _world()) if measure else None
    model_names = {m.name for m in MODEL_SPECS}
    declared_consumers = [c for c in CONSUMERS if _declared(c)]
    node_names = ({s.name for s in SOURCES} | {f.name for f in FEATURES} | model_names
                  | {c.name for c in declared_consumers})
    issues = _known_issues(world) if world is not None else {}

    sources = [{"id": s.name, "owner": s.owner, "description": s.description, "type": "table",
                "pinned": False, "tests": [], "monitoring": [],
                **({"known_issues": issues[s.name]} if issues.get(s.name) else {})} for s in SOURCES]
    features = []
    for f in FEATURES:
        entry = {"id": f.name, "owner": next(s.owner for s in SOURCES if s.name == f.source),
                 "description": f.description, "reads": [f.source], "type": f.kind}
        if f.unit:
            entry["unit"] = f.unit
        entry.update({"pinned": False, "tests": [], "monitoring": [], "language": "python"})
        if issues.get(f.name):
            entry["known_issues"] = issues[f.name]
        features.append(entry)
    models = []
    for m in MODEL_SPECS:
        entry = {"id": m.name, "owner": m.owner, "description": m.purpose,
                 "type": "classifier" if m.task == "classify" else "regressor",
                 "reads": list(m.inputs),
                 "consumers": [c.name for c in declared_consumers if m.name in c.reads],
                 "outputs": [f"logs/{m.name}_scores.jsonl"]}
        if m.threshold is not None:
            entry["threshold"] = {"value": m.threshold, "set_by": "hand"}
        elif world is not None:
            entry["threshold"] = {"value": _round(world.models[m.name].threshold_, 2), "set_by": "learned",
                                  "scale": f"{'pounds' if m.task == 'regress' else 'score'}: the top "
                                           f"{m.top_share:.0%} of training scores, recomputed at every fit"}
        entry["labels_from"] = [n for n in LABEL_ORIGINS.get(m.label, ()) if n in node_names]
        entry.update({"exploration": False, "retraining": "manual", "deployment": "manual", "seeded": True,
                      "training_data_versioned": True, "framework": "scikit-learn", "language": "python",
                      "monitoring": [], "tests": ["tests/test_world.py"]})
        if world is not None:
            weights = world.models[m.name].input_weights()
            total = sum(weights.values()) or 1.0
            entry["input_importance"] = {k: _round(v / total) for k, v in weights.items()}
        models.append(entry)
    consumers = [{"id": c.name, "owner": c.owner, "description": c.description, "reads": list(c.reads),
                  "influences": [n for n in CONSUMER_INFLUENCES.get(c.name, ()) if n in node_names],
                  "monitoring": []} for c in declared_consumers]
    return {
        "manifest_version": 1,
        "system": COMPANY,
        "description": "The course's toy world: a small online homeware shop (generated from the library's specs)",
        "sources": sources, "features": features, "models": models, "consumers": consumers,
        "configs": [{"id": "model_specs", "type": "hyperparameters",
                     "description": "hyper-parameters and thresholds of every model, written in models.py",
                     "used_by": [m.name for m in MODEL_SPECS], "in_version_control": True, "validated": False}],
        "practices": {"dependency_catalogue": True},
        "ml_test_score": toy_answers(),
    }


def _known_issues(world) -> dict[str, list[str]]:
    """Faults measured in the raw data, by feature and by the source that yields it."""
    from mldebt_lessons.shop.features import FEATURES
    out: dict[str, list[str]] = {}
    for f in FEATURES:
        column = world.raw[f.name]
        notes = []
        if column.dtype.kind == "f":
            missing = float(np.mean(np.isnan(column)))
            if missing:
                notes.append(f"{missing:.1%} of values missing")
        if f.name == "user_age":
            typos = float(np.mean(column > 90))
            notes.append(f"{typos:.1%} typed-in ages above 90 (up to {np.nanmax(column):g})")
        if notes:
            out[f.name] = notes
            out.setdefault(f.source, []).extend(f"{f.name}: {n}" for n in notes)
    return out


def toy_lineage_events() -> list[dict]:
    """The toy world's access log as OpenLineage run events: who really read what.

    From :func:`mldebt_lessons.shop.lineage.observed_reads` (one day) where the library has it, else
    one event per consumer the library marks undeclared. Each job gets the standard ``ownership``
    facet from the library's specs, as a scheduler would record it.

    >>> events = toy_lineage_events()
    >>> all(e["eventType"] == "COMPLETE" and e["inputs"] for e in events)
    True
    """
    from mldebt_lessons.shop.graph import CONSUMERS, shop_graph
    graph = shop_graph()
    try:
        from mldebt_lessons.shop.lineage import observed_reads
    except ImportError:  # an older library: log only the undeclared readers
        events = [_event(c.name, [f"scores.{m}" for m in c.reads], i)
                  for i, c in enumerate(c for c in CONSUMERS if not _declared(c))]
    else:
        events = [copy.deepcopy(e) for e in observed_reads(graph, days=1)]
    for event in events:
        job = event["job"]["name"]
        if job in graph and graph.nodes[job].get("owner"):
            facets = event["job"].setdefault("facets", {})
            facets.setdefault("ownership", {"owners": [{"name": graph.nodes[job]["owner"], "type": "team"}]})
            facets.setdefault("documentation", {"description": graph.nodes[job].get("description", "")})
    return events


def _event(job: str, inputs: list[str], i: int) -> dict:
    return {"eventType": "COMPLETE", "eventTime": "2015-12-07T02:00:00.000Z",
            "run": {"runId": f"00000000-0000-4000-8000-{i:012d}"},
            "job": {"namespace": "larkspur-scheduler", "name": job},
            "inputs": [{"namespace": "larkspur-warehouse", "name": name} for name in inputs], "outputs": []}


def toy_code_files() -> list[tuple[str, str]]:
    """(path shown, source text) of the toy world's own system code, found without importing it."""
    from mldebt_lessons.course.codecount import TOY_WORLD_MODULES
    out = []
    for name in TOY_WORLD_MODULES:
        spec = importlib.util.find_spec(name)
        path = Path(spec.origin)
        out.append(("/".join(name.split(".")) + ".py", path.read_text(encoding="utf-8")))
    return out


def toy_system(measure: bool = True, manifest: dict | None = None, world=None):
    """Larkspur as a :class:`~mldebt_lessons.audit.system.System`: manifest, lineage and code scan.

    ``manifest`` replaces the generated manifest (an edited copy of it, say), so the same access
    log and code are read beside it; ``world`` is the world the generated manifest is measured in.
    """
    from .codescan import scan_sources
    from .manifest import manifest_from_data
    from .openlineage import lineage_from_events
    if manifest is None:
        system = manifest_from_data(toy_manifest(measure, world), "the toy world's manifest")
        system.inputs[-1] = "the toy world's manifest (generated from the library's specs)"
    else:
        system = manifest_from_data(manifest, "an edited toy manifest")
    events = toy_lineage_events()
    if events:
        lineage_from_events(events, "the toy world's access log", system)
    system.code = scan_sources(toy_code_files(), system, where="the toy world's code")
    system.inputs.append("the toy world's code (mldebt_lessons/shop/*.py, parsed, never run)")
    return system
