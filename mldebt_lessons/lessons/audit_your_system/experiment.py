"""What the capstone measures: the toy world's audit in any world, and how paying a debt down moves it.

The toy manifest reads some facts from the fitted world (each model's reliance on its inputs, the
missing and typed-in values, the learned thresholds), so the audit of Larkspur can differ a little
from seed to seed; the claims measure it in many worlds.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> result = toy_audit_in(build_world())
>>> undeclared_readers(result)
['ads_ranker']
>>> before, after = pay_down(result, with_models_monitored(toy_manifest_in(build_world())))
>>> len(before.findings) > len(after.findings)
True
"""

from __future__ import annotations

import copy

NODE_LISTS = ("sources", "features", "models", "consumers")


_MANIFESTS: dict[tuple, dict] = {}  # by world: a world is fixed by its seed and size
_AUDITS: dict[tuple, object] = {}


def _key(world) -> tuple:
    return world.seed, len(world.train_rows) + len(world.test_rows)


def toy_manifest_in(world) -> dict:
    """Larkspur's manifest with the facts measured in ``world`` (a fresh copy each call)."""
    if _key(world) not in _MANIFESTS:
        from mldebt_lessons.audit.toy import toy_manifest
        _MANIFESTS[_key(world)] = toy_manifest(measure=True, world=world)
    return copy.deepcopy(_MANIFESTS[_key(world)])


def audit_toy_manifest(manifest: dict):
    """Audit an (edited) toy manifest beside the toy world's access log and code, as `mldebt audit` does."""
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.toy import toy_system
    return audit_system(toy_system(manifest=manifest))


def toy_audit_in(world):
    """The audit of Larkspur as it is in ``world`` (cached by seed)."""
    if _key(world) not in _AUDITS:
        from mldebt_lessons.audit import audit_system
        from mldebt_lessons.audit.toy import toy_system
        _AUDITS[_key(world)] = audit_system(toy_system(measure=True, world=world))
    return _AUDITS[_key(world)]


def undeclared_readers(result) -> list[str]:
    """The readers the audit found that no manifest declares."""
    return sorted({f.nodes[-1] for f in result.findings if f.pattern == "undeclared_consumer"})


def total_score(result) -> float:
    """The sum of every finding's score: a rough size of the debt the audit sees."""
    return sum(f.score for f in result.findings)


def has_real_monitoring(node: dict) -> bool:
    """True if a manifest node lists at least one monitor with a name (blank names do not count).

    >>> has_real_monitoring({"monitoring": ["prediction_bias"]}), has_real_monitoring({"monitoring": [""]})
    (True, False)
    """
    watched = node.get("monitoring") if isinstance(node, dict) else None
    return isinstance(watched, list) and any(isinstance(m, str) and m.strip() for m in watched)


def with_models_monitored(manifest: dict, monitors=("prediction_bias", "action_limits")) -> dict:
    """A copy of ``manifest`` in which every model without real monitoring gets ``monitors``."""
    out = copy.deepcopy(manifest)
    for model in out.get("models", []):
        if not has_real_monitoring(model):
            model["monitoring"] = list(monitors)
    return out


def with_consumer_declared(manifest: dict, model: str, reader: dict) -> dict:
    """A copy of ``manifest`` in which ``reader`` (a consumer node) is declared and listed by ``model``."""
    out = copy.deepcopy(manifest)
    out.setdefault("consumers", []).append(copy.deepcopy(reader))
    for entry in out.get("models", []):
        if entry.get("id") == model:
            entry.setdefault("consumers", []).append(reader["id"])
    return out


ADS_RANKER = {"id": "ads_ranker", "owner": "ads team", "reads": ["churn_model"]}


def pay_down(result, manifest: dict):
    """(before, after): the audit ``result`` and the audit of the edited toy ``manifest``."""
    return result, audit_toy_manifest(manifest)


def removed_findings(before, after) -> list:
    """The findings of ``before`` that ``after`` no longer has (same pattern and nodes)."""
    kept = {(f.pattern, f.nodes) for f in after.findings}
    return [f for f in before.findings if (f.pattern, f.nodes) not in kept]


def node_ids(manifest: dict) -> set[tuple[str, str]]:
    """(list, id) of every node of a manifest, ignoring anything malformed."""
    out = set()
    for kind in NODE_LISTS:
        entries = manifest.get(kind) if isinstance(manifest, dict) else None
        for node in entries if isinstance(entries, list) else ():
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                out.add((kind, node["id"]))
    return out
