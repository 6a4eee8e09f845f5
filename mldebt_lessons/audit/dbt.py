"""A dbt ``manifest.json`` as lineage: sources, models and their tests, and exposures.

dbt writes ``target/manifest.json`` on every compile (manifest v4 from dbt 1.0 to v12 from dbt 1.8
on). Its parts become:

* ``sources`` (and seeds, snapshots) -> source nodes. A source counts as monitored only when its
  ``freshness`` (or, from dbt 1.9, ``config.freshness``) sets a real ``warn_after`` or ``error_after``:
  a count above 0 and a period. dbt writes ``{count: null, period: null}`` for every source without
  a check, and ``loaded_at_field`` alone only says which column a check would read;
* ``models`` -> feature nodes (data preparation: each dbt model is one step), or model nodes when
  tagged ``ml`` or given ``meta: {mldebt_kind: model}``. dbt cannot see who reads a table outside the
  project (BI tools, notebooks, services), so models, seeds and snapshots get ``readers_known: False``;
* ``tests`` -> data tests (generic or singular) on the node they are attached to: ``attached_node``
  from dbt 1.5; before it, the ``ref``/``source`` in the test's ``model`` argument, or, for a
  singular test, every node it reads. A relationships test belongs to the model whose column it
  checks, not to the model it looks values up in (its ``to``), as dbt's own ``attached_node`` says.
  ``unit_tests`` (dbt 1.8) run a model's SQL on made-up rows: they test logic, not data, and are not
  counted;
* ``exposures`` -> declared consumers (an exposure of type ``ml`` is a model) of what they depend on.
  Semantic models, metrics and saved queries are not read.

``depends_on`` gives declared edges. A node's owner is ``meta.owner`` (or ``config.meta.owner``), an
exposure's ``owner`` (name, else email), or its group's owner from dbt's ``groups`` (else the group's
name); no owner is made up. Names are dbt's ``name``; where two entries share one (a staging model
named like its source), the source becomes ``source_name.name``, a versioned model ``name.vN``, and
anything else its unique id: two unique ids never become one node. The unique id and the relation
name (quoted and bare) are kept as aliases, so a manifest or OpenLineage events can refer to either;
a relation name that two entries share is not used (it would be a guess).

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
>>> s.nodes["baskets"]["readers_known"], "monitoring" in s.nodes["orders"]
(False, False)
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import CourseInputError, shown
from .safeload import MAX_BYTES, decode_text, parse_json, read_bytes
from .schema import describe
from .system import System, add_edge, add_node

SOURCE_TYPES = ("source", "seed", "snapshot")
READERS_UNKNOWN = ("model", "seed", "snapshot")  # tables anything outside the project may read
HOOK_TYPES = ("operation", "sql_operation", "rpc")  # run-hooks and one-off SQL: no table, no lineage
PERIODS = ("minute", "hour", "day")  # dbt's freshness periods
DBT_TABLES = ("child_map", "parent_map", "exposures", "macros", "disabled", "selectors")  # beside 'nodes'
SHAPE = "dbt manifest v4-v12, dbt's target/manifest.json"
_ARTIFACT = re.compile(r"schemas\.getdbt\.com/dbt/([\w-]+)/v\d+")
_CALL = re.compile(r"""\b(ref|source)\(\s*['"]([^'"]{1,400})['"]\s*(?:,\s*['"]([^'"]{1,400})['"])?""")


def is_dbt(data: object) -> bool:
    """Whether parsed JSON is a dbt artifact: dbt's schema address in ``metadata``, or ``nodes`` beside
    another of dbt's top-level tables. A malformed one is still dbt's, so its errors can say so.

    >>> is_dbt({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json"},
    ...         "nodes": []})
    True
    >>> is_dbt({"nodes": {}, "child_map": {}}), is_dbt({"nodes": []}), is_dbt({"system": "shop"})
    (True, False, False)
    """
    if not isinstance(data, dict):
        return False
    meta = data.get("metadata")
    if isinstance(meta, dict) and "dbt_schema_version" in meta:
        return True
    return "nodes" in data and any(key in data for key in DBT_TABLES)


def load_dbt(path: str | Path, system: System | None = None) -> System:
    """Read a dbt manifest.json and add it to ``system`` (a new one unless given)."""
    name = str(path)
    data = parse_json(decode_text(read_bytes(path, MAX_BYTES), name), name)
    return dbt_from_data(data, name, system)


def _check_artifact(data: dict, name: str) -> None:
    """Refuse dbt's other artifacts (run_results.json, catalog.json, sources.json) by what they are."""
    meta = data.get("metadata")
    if not isinstance(meta, dict) or "dbt_schema_version" not in meta:
        return
    version = meta["dbt_schema_version"]
    if not isinstance(version, str):
        raise CourseInputError(f"{name}: metadata.dbt_schema_version is {describe(version)}; expected dbt's "
                               "schema address, like https://schemas.getdbt.com/dbt/manifest/v12.json")
    found = _ARTIFACT.search(version)
    if found and found.group(1) != "manifest":
        raise CourseInputError(f"{name}: this is dbt's {found.group(1)} artifact ({shown(version, 80)}), not its "
                               f"manifest; expected {SHAPE}")


def _table(data: dict, key: str, name: str, what: str, required: bool = False) -> dict:
    """One of dbt's top-level tables: a mapping of unique ids to entries, each a mapping with a text name."""
    table = data.get(key)
    if table is None and not required:
        return {}
    if table is None or not isinstance(table, dict):
        found = "missing" if key not in data else describe(table)
        raise CourseInputError(f"{name}: '{key}' is {found}; expected dbt's mapping of unique ids to {what} "
                               f"({SHAPE})")
    for uid, entry in table.items():
        where = f"{name}: {key}[{shown(uid)}]"
        if not isinstance(entry, dict):
            raise CourseInputError(f"{where} is {describe(entry)}; expected a mapping, as dbt writes each of its "
                                   f"{what} ({SHAPE})")
        if not isinstance(entry.get("name", uid), str):
            raise CourseInputError(f"{where}.name is {describe(entry.get('name'))}; expected text, as dbt writes "
                                   f"it ({SHAPE})")
    return table


def _check_node_types(nodes: dict, name: str) -> None:
    for uid, entry in nodes.items():
        rtype = entry.get("resource_type")
        if not isinstance(rtype, str) or not rtype:
            found = "missing" if "resource_type" not in entry else describe(rtype)
            raise CourseInputError(f"{name}: nodes[{shown(uid)}].resource_type is {found}; expected dbt's "
                                   f"node type (model, seed, snapshot, test, analysis...) ({SHAPE})")


def _depends(entry: dict, where: str) -> list[str]:
    dep = entry.get("depends_on")
    if dep is None:
        return []
    nodes = dep.get("nodes", []) if isinstance(dep, dict) else None
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        raise CourseInputError(f"{where}: depends_on.nodes is not a list of unique ids; expected dbt's "
                               f"depends_on: {{nodes: [...]}} ({SHAPE})")
    return nodes


def _config(entry: dict) -> dict:
    return entry["config"] if isinstance(entry.get("config"), dict) else {}


def _person(owner: object) -> str:
    """An exposure's or a group's owner: its name, else its email; '' when neither is given.

    >>> _person({"name": "finance", "email": "fin@shop.example"}), _person({"email": "bi@x.io", "name": None})
    ('finance', 'bi@x.io')
    """
    if not isinstance(owner, dict):
        return ""
    for key in ("name", "email"):
        if isinstance(owner.get(key), str) and owner[key].strip():
            return owner[key]
    return ""


def _owner(entry: dict, group_owners: dict[str, str]) -> str:
    for meta in (entry.get("meta"), _config(entry).get("meta")):
        if isinstance(meta, dict) and isinstance(meta.get("owner"), str) and meta["owner"].strip():
            return meta["owner"]
    if _person(entry.get("owner")):
        return _person(entry.get("owner"))
    for group in (entry.get("group"), _config(entry).get("group")):
        if isinstance(group, str) and group:
            return group_owners.get(group) or group
    return ""


def _is_threshold(after: object) -> bool:
    """Whether a ``warn_after`` or ``error_after`` sets a real limit (dbt writes nulls for none).

    >>> _is_threshold({"count": 12, "period": "hour"}), _is_threshold({"count": None, "period": None})
    (True, False)
    """
    if not isinstance(after, dict):
        return False
    count = after.get("count")
    return (isinstance(count, (int, float)) and not isinstance(count, bool) and count > 0
            and after.get("period") in PERIODS)


def has_freshness_check(entry: dict) -> bool:
    """Whether a dbt source sets a freshness check, at its top level or (dbt 1.9+) in its config.

    >>> empty = {"warn_after": {"count": None, "period": None}, "error_after": {"count": None, "period": None},
    ...          "filter": None}
    >>> has_freshness_check({"freshness": empty, "loaded_at_field": "_loaded_at"})
    False
    >>> daily = {"error_after": {"count": 1, "period": "day"}}
    >>> has_freshness_check({"freshness": empty, "config": {"freshness": daily}})
    True
    """
    for fresh in (entry.get("freshness"), _config(entry).get("freshness")):
        if isinstance(fresh, dict) and any(_is_threshold(fresh.get(key)) for key in ("warn_after", "error_after")):
            return True
    return False


def _node_ids(everything: dict[str, dict], rtypes: dict[str, str], system: System) -> dict[str, str]:
    """A node id for each unique id: dbt's name, unless another entry shares it (see the module docstring)."""
    ids, wanted = {}, {}
    for uid, entry in everything.items():
        known = system.aliases.get(uid)
        if known in system.nodes:  # the same manifest read before
            ids[uid] = known
        else:
            wanted[uid] = entry.get("name") or uid
    is_source = {uid: rtypes[uid] == "source" for uid in wanted}
    others = Counter(n for uid, n in wanted.items() if not is_source[uid])
    sources = Counter(n for uid, n in wanted.items() if is_source[uid])
    for uid, node_id in wanted.items():
        entry = everything[uid]
        if is_source[uid]:
            if others[node_id] or sources[node_id] > 1 or node_id in system.nodes:
                group = entry.get("source_name")
                node_id = f"{group if isinstance(group, str) and group else 'source'}.{node_id}"
        elif others[node_id] > 1 or str(system.nodes.get(node_id, {}).get("type", "")).startswith("dbt "):
            version = entry.get("version")  # a versioned model (dbt 1.5+): every version has the same name
            versioned = isinstance(version, (int, float, str)) and not isinstance(version, bool) and version != ""
            node_id = f"{node_id}.v{version}" if versioned else uid
        ids[uid] = node_id
    taken = Counter(ids.values())
    for uid, node_id in wanted.items():  # a qualified name that still meets another: the unique id itself
        if ids[uid] != node_id and (taken[ids[uid]] > 1 or ids[uid] in system.nodes):
            ids[uid] = uid
    return ids


def _aliases(uid: str, entry: dict) -> list[str]:
    """The unique id, and the relation name as dbt quotes it and bare (as OpenLineage names tables).

    >>> _aliases("model.shop.orders", {"relation_name": '"analytics"."dbt_shop"."orders"'})
    ['model.shop.orders', '"analytics"."dbt_shop"."orders"', 'analytics.dbt_shop.orders']
    """
    out = [uid]
    relation = entry.get("relation_name")
    if isinstance(relation, str) and relation:
        out.append(relation)
        bare = relation.replace('"', "").replace("`", "")
        if bare != relation:
            out.append(bare)
    return out


def _add_aliases(system: System, everything: dict[str, dict], ids: dict[str, str]) -> int:
    """Point each alias at its node; an alias two nodes want is left out. Returns how many were left out."""
    wanted: dict[str, set[str]] = {}
    for uid, node_id in ids.items():
        for alias in _aliases(uid, everything[uid]):
            wanted.setdefault(alias, set()).add(node_id)
    shared = 0
    for alias, targets in wanted.items():
        if len(targets) > 1:
            shared += 1
            continue
        target = next(iter(targets))
        if alias != target:
            system.aliases.setdefault(alias, target)  # what an earlier input said stays
    return shared


def _facts(rtype: str, entry: dict, group_owners: dict[str, str]) -> dict:
    facts = {"reads": [], "type": f"dbt {rtype}", "tests": []}
    owner = _owner(entry, group_owners)
    if owner:
        facts["owner"] = owner
    if isinstance(entry.get("description"), str) and entry["description"]:
        facts["description"] = entry["description"][:1000]
    if isinstance(entry.get("language"), str):
        facts["language"] = entry["language"]
    elif rtype == "model":
        facts["language"] = "sql"
    if rtype == "source" and has_freshness_check(entry):
        facts["monitoring"] = ["freshness"]
    if rtype in READERS_UNKNOWN:
        facts["readers_known"] = False
    return facts


def _kind(rtype: str, entry: dict, is_exposure: bool) -> str:
    if rtype in SOURCE_TYPES:
        return "source"
    if is_exposure or rtype == "exposure":
        return "model" if entry.get("type") == "ml" else "consumer"
    if rtype == "model":
        tags = entry.get("tags") if isinstance(entry.get("tags"), list) else []
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        return "model" if "ml" in tags or meta.get("mldebt_kind") == "model" else "feature"
    return "job"


def _test_targets(entry: dict, everything: dict[str, dict], where: str) -> list[str]:
    """The unique ids a data test checks: ``attached_node`` (dbt 1.5+); else the ref/source in a generic
    test's ``model`` argument (so a relationships test's ``to`` is left out); else all it reads."""
    if isinstance(entry.get("attached_node"), str):
        return [entry["attached_node"]]
    reads = _depends(entry, where)
    meta = entry.get("test_metadata")
    kwargs = meta.get("kwargs") if isinstance(meta, dict) else None
    model = kwargs.get("model") if isinstance(kwargs, dict) else None
    found = _CALL.search(model[:2000]) if isinstance(model, str) else None
    if found:
        call, first, second = found.groups()
        for uid in reads:
            e = everything.get(uid, {})
            if call == "ref" and e.get("resource_type") != "source" and e.get("name") == (second or first):
                return [uid]
            if call == "source" and e.get("source_name") == first and e.get("name") == second:
                return [uid]
    return reads


def dbt_from_data(data: object, name: str = "manifest.json", system: System | None = None) -> System:
    """Add a parsed dbt manifest to ``system``."""
    if not is_dbt(data):
        raise CourseInputError(f"{name}: not a dbt manifest; expected dbt's target/manifest.json, with 'metadata' "
                               "and 'nodes'")
    _check_artifact(data, name)
    nodes = _table(data, "nodes", name, "nodes", required=True)
    _check_node_types(nodes, name)
    sources, exposures = _table(data, "sources", name, "sources"), _table(data, "exposures", name, "exposures")
    group_owners = {g.get("name"): _person(g.get("owner")) for g in _table(data, "groups", name, "groups").values()}
    if system is None:
        project = (data.get("metadata") or {}).get("project_name") if isinstance(data.get("metadata"), dict) else None
        system = System(str(project or "dbt project"))
    everything = {**sources, **{u: e for u, e in nodes.items() if e["resource_type"] not in ("test",) + HOOK_TYPES},
                  **exposures}
    rtypes = {uid: e["resource_type"] if isinstance(e.get("resource_type"), str) else
              "exposure" if uid in exposures else "source" for uid, e in everything.items()}
    ids = _node_ids(everything, rtypes, system)
    for uid, entry in everything.items():
        rtype = rtypes[uid]
        add_node(system, ids[uid], _kind(rtype, entry, uid in exposures), _facts(rtype, entry, group_owners), name)
    shared = _add_aliases(system, everything, ids)
    models = sum(1 for e in nodes.values() if e["resource_type"] == "model")
    system.inputs.append(f"dbt {name} ({len(sources)} sources, {models} models, {len(exposures)} exposures"
                         f"{f'; {shared} relation names shared by several entries, not matched' if shared else ''})")
    for uid, entry in everything.items():
        for dep in _depends(entry, f"{name}: {shown(uid)}"):
            if dep in ids and ids[dep] != ids[uid]:
                add_edge(system, ids[dep], ids[uid], declared=True, seen_in=name)
    for uid, entry in nodes.items():
        if entry["resource_type"] != "test":
            continue
        test_name = entry.get("name") if isinstance(entry.get("name"), str) else uid
        for target in _test_targets(entry, everything, f"{name}: {shown(uid)}"):
            if target in ids:
                tests = system.nodes[ids[target]].setdefault("tests", [])
                if test_name not in tests:
                    tests.append(test_name)
    return system
