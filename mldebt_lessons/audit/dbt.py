"""A dbt ``manifest.json`` as lineage: sources, models and their tests, and exposures.

dbt writes ``target/manifest.json`` on every compile. Its parts become:

* ``sources`` (and seeds, snapshots) -> source nodes; a source with a ``freshness`` check counts as
  monitored (freshness);
* ``models`` -> feature nodes (data preparation: each dbt model is one step), or model nodes when
  tagged ``ml`` or given ``meta: {mldebt_kind: model}``;
* ``tests`` -> data tests on the node they are attached to;
* ``exposures`` -> declared consumers (an exposure of type ``ml`` is a model) of what they depend on.

``depends_on`` gives declared edges. A node's owner is ``meta.owner`` (or ``config.meta.owner``, or
its group); an exposure's is ``owner.name``. Names are dbt's ``name`` (``source_name.name`` for a
source whose name is taken); the unique id and relation name are kept as aliases, so a manifest or
OpenLineage events can refer to either.

Example
-------
>>> dbt = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
...        "sources": {"source.shop.raw.orders": {"resource_type": "source", "name": "orders",
...                    "source_name": "raw", "unique_id": "source.shop.raw.orders"}},
...        "nodes": {"model.shop.baskets": {"resource_type": "model", "name": "baskets",
...                  "unique_id": "model.shop.baskets", "depends_on": {"nodes": ["source.shop.raw.orders"]}},
...                  "test.shop.not_null_baskets_id": {"resource_type": "test", "name": "not_null_baskets_id",
...                  "attached_node": "model.shop.baskets", "depends_on": {"nodes": ["model.shop.baskets"]}}},
...        "exposures": {"exposure.shop.vip": {"name": "vip_dashboard", "type": "dashboard",
...                      "owner": {"name": "loyalty team"}, "depends_on": {"nodes": ["model.shop.baskets"]}}}}
>>> s = dbt_from_data(dbt, "manifest.json")
>>> s.nodes["baskets"]["tests"], s.nodes["vip_dashboard"]["kind"], ("baskets", "vip_dashboard") in s.edges
(['not_null_baskets_id'], 'consumer', True)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CourseInputError
from .safeload import MAX_BYTES, decode_text, parse_json, read_bytes
from .schema import describe
from .system import System, add_edge, add_node

SOURCE_TYPES = ("source", "seed", "snapshot")


def is_dbt(data: object) -> bool:
    """Whether parsed JSON looks like a dbt manifest."""
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
        return False
    meta = data.get("metadata")
    return (isinstance(meta, dict) and "dbt_schema_version" in meta) or "exposures" in data or "child_map" in data


def load_dbt(path: str | Path, system: System | None = None) -> System:
    """Read a dbt manifest.json and add it to ``system`` (a new one unless given)."""
    name = str(path)
    data = parse_json(decode_text(read_bytes(path, MAX_BYTES), name), name)
    return dbt_from_data(data, name, system)


def _table(data: dict, key: str, name: str) -> dict:
    table = data.get(key, {})
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise CourseInputError(f"{name}: '{key}' is {describe(table)}; expected a mapping of unique ids to "
                               "entries, as dbt writes it")
    for uid, entry in table.items():
        if not isinstance(entry, dict):
            raise CourseInputError(f"{name}: {key}['{uid[:60]}'] is {describe(entry)}; expected a mapping")
        if not isinstance(entry.get("name", uid), str):
            raise CourseInputError(f"{name}: {key}['{uid[:60]}'].name is {describe(entry.get('name'))}; "
                                   "expected text")
    return table


def _depends(entry: dict, where: str) -> list[str]:
    dep = entry.get("depends_on") or {}
    nodes = dep.get("nodes", []) if isinstance(dep, dict) else None
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        raise CourseInputError(f"{where}: depends_on.nodes is not a list of unique ids; expected "
                               "depends_on: {nodes: [...]}")
    return nodes


def _owner(entry: dict) -> str:
    for meta in (entry.get("meta"), (entry.get("config") or {}).get("meta") if isinstance(entry.get("config"), dict) else None):
        if isinstance(meta, dict) and isinstance(meta.get("owner"), str):
            return meta["owner"]
    owner = entry.get("owner")
    if isinstance(owner, dict) and isinstance(owner.get("name"), str):
        return owner["name"]
    return entry["group"] if isinstance(entry.get("group"), str) else ""


def dbt_from_data(data: object, name: str = "manifest.json", system: System | None = None) -> System:
    """Add a parsed dbt manifest to ``system``."""
    if not is_dbt(data):
        raise CourseInputError(f"{name}: not a dbt manifest; expected dbt's target/manifest.json, with 'metadata' "
                               "and 'nodes'")
    nodes, sources = _table(data, "nodes", name), _table(data, "sources", name)
    exposures = _table(data, "exposures", name)
    if system is None:
        project = (data.get("metadata") or {}).get("project_name") if isinstance(data.get("metadata"), dict) else None
        system = System(str(project or "dbt project"))
    system.inputs.append(f"dbt {name} ({len(sources)} sources, "
                         f"{sum(1 for e in nodes.values() if e.get('resource_type') == 'model')} models, "
                         f"{len(exposures)} exposures)")
    ids: dict[str, str] = {}
    taken = set(system.nodes)

    def short(uid: str, entry: dict) -> str:
        base = entry.get("name") or uid
        if entry.get("resource_type") == "source" and (base in taken and uid not in system.aliases):
            base = f"{entry.get('source_name', 'source')}.{base}"
        return base

    everything = {**sources, **{u: e for u, e in nodes.items() if e.get("resource_type") != "test"}, **exposures}
    for uid, entry in everything.items():
        rtype = entry.get("resource_type") or ("exposure" if uid in exposures else "model")
        node_id = system.aliases.get(uid) or short(uid, entry)
        tags = entry.get("tags") if isinstance(entry.get("tags"), list) else []
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        if rtype in SOURCE_TYPES:
            kind = "source"
        elif uid in exposures or rtype == "exposure":
            kind = "model" if entry.get("type") == "ml" else "consumer"
        elif rtype == "model":
            kind = "model" if "ml" in tags or meta.get("mldebt_kind") == "model" else "feature"
        else:
            kind = "job"
        facts = {"reads": [], "type": f"dbt {rtype}", "tests": []}
        if _owner(entry):
            facts["owner"] = _owner(entry)
        if isinstance(entry.get("description"), str) and entry["description"]:
            facts["description"] = entry["description"][:1000]
        if isinstance(entry.get("language"), str):
            facts["language"] = entry["language"]
        elif rtype == "model":
            facts["language"] = "sql"
        if rtype == "source" and entry.get("freshness"):
            fresh = entry["freshness"]
            if isinstance(fresh, dict) and (fresh.get("warn_after") or fresh.get("error_after")):
                facts["monitoring"] = ["freshness"]
        add_node(system, node_id, kind, facts, name)
        taken.add(node_id)
        ids[uid] = node_id
        for alias in (uid, entry.get("relation_name")):
            if isinstance(alias, str) and alias != node_id:
                system.aliases.setdefault(alias, node_id)
    for uid, entry in everything.items():
        for dep in _depends(entry, f"{name}: {uid[:60]}"):
            if dep in ids and ids[dep] != ids[uid]:
                add_edge(system, ids[dep], ids[uid], declared=True, seen_in=name)
    for uid, entry in nodes.items():
        if entry.get("resource_type") != "test":
            continue
        attached = entry.get("attached_node")
        targets = [attached] if isinstance(attached, str) else _depends(entry, f"{name}: {uid[:60]}")
        for target in targets:
            if target in ids:
                tests = system.nodes[ids[target]].setdefault("tests", [])
                test_name = entry.get("name") if isinstance(entry.get("name"), str) else uid
                if test_name not in tests:
                    tests.append(test_name)
    return system
