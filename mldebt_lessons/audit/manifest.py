"""Load and check a system manifest (YAML or JSON) and turn it into a :class:`System`.

A manifest is written by people: what each part of the system is, who owns it, what it reads,
and the facts the code does not show (versions, thresholds and how they were set, monitoring,
tests, configs, flags, LLM parts). Its shape is published as a JSON Schema,
``manifest.schema.json`` beside this module, so editors can autocomplete and check it; this
module checks the same schema, then what a schema cannot: ids are unique and every reference
names a node that exists. Every problem is one line with the file, the line (YAML), where in the
manifest, and what was expected.

Example
-------
>>> text = '''
... system: tiny shop
... sources: [{id: orders, owner: checkout team}]
... features: [{id: basket, reads: [orders], unit: GBP}]
... models: [{id: churn, reads: [basket], threshold: {value: 0.5, set_by: hand}}]
... '''
>>> system = manifest_from_text(text, "tiny.yaml")
>>> sorted(system.nodes), system.nodes["churn"]["threshold"]["set_by"]
(['basket', 'churn', 'orders'], 'hand')
>>> manifest_from_text(text.replace("reads: [basket]", "reads: [baskte]"), "tiny.yaml")
Traceback (most recent call last):
...
mldebt_lessons.errors.CourseInputError: tiny.yaml line 5: models[0].reads[0]: unknown node 'baskte' (did you mean 'basket'?); expected the id of a node in the manifest
"""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path

from ..errors import CourseInputError
from .safeload import load_file, parse_text
from .schema import compile_schema, path_text
from .system import NODE_LISTS, System, add_edge, add_node

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")

# Fields that name other nodes, by list: checked to exist.
NODE_REFS = ("reads", "consumers", "labels_from", "influences", "correlated_with")
SINGLE_REFS = ("embedded_with",)


@functools.lru_cache(maxsize=1)
def manifest_schema() -> dict:
    """The manifest's JSON Schema, as a dict."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _checker():
    return compile_schema(manifest_schema())


def load_manifest(path: str | Path, system: System | None = None) -> System:
    """Read, check and load a manifest file (YAML or JSON); add it to ``system`` if given."""
    data, lines, name = load_file(path)
    return manifest_from_data(data, name, lines, system)


def manifest_from_text(text: str, name: str = "<manifest>", system: System | None = None) -> System:
    """Like :func:`load_manifest`, from text."""
    data, lines = parse_text(text, name)
    return manifest_from_data(data, name, lines, system)


def check_manifest(data: object, name: str = "<manifest>", lines: dict | None = None) -> None:
    """Raise a one-line error if ``data`` is not a valid manifest (schema, unique ids, references)."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise CourseInputError(f"{name}: the manifest is {_what(data)}; expected a mapping with at least "
                               "'system' (its name) and lists of sources, features, models and consumers")
    problem = _checker()(data)
    if problem:
        path, message = problem
        raise CourseInputError(f"{name}{_line(lines, path)}: {path_text(path)}: {message}")
    _check_ids_and_refs(data, name, lines)


def manifest_from_data(data: object, name: str = "<manifest>", lines: dict | None = None,
                       system: System | None = None) -> System:
    """Check manifest data and add it to a :class:`System` (a new one unless given)."""
    lines = lines or {}
    check_manifest(data, name, lines)
    if system is None:
        system = System(data["system"], data.get("description", ""))
    system.inputs.append(f"manifest {name}")
    nodes, origins, edges = system.nodes, system.origins, system.edges
    for list_name, kind in NODE_LISTS.items():
        for i, entry in enumerate(data.get(list_name, ())):
            facts = dict(entry)
            node = facts.pop("id")
            if "reads" not in facts:
                facts["reads"] = []
            threshold = facts.get("threshold")
            if isinstance(threshold, (int, float)):
                facts["threshold"] = {"value": threshold}
            if node in nodes:
                add_node(system, node, kind, facts)
            else:  # the common case, without a call
                facts["kind"] = kind
                nodes[node] = facts
                origins[node] = f"{name}{_line(lines, (list_name, i))}" if lines else name
            if "aliases" in entry or "outputs" in entry:
                for alias in list(entry.get("aliases", ())) + list(entry.get("outputs", ())):
                    system.aliases.setdefault(alias, node)
    for list_name, kind in NODE_LISTS.items():
        for entry in data.get(list_name, ()):
            node = entry["id"]
            undeclared = entry.get("declared") is False
            for upstream in entry.get("reads", ()):
                key = (upstream if upstream in nodes else system.aliases[upstream], node)
                if key in edges or undeclared:
                    add_edge(system, *key, declared=not undeclared, observed=undeclared, seen_in=name)
                else:
                    edges[key] = {"declared": True, "observed": False, "seen_in": [name]}
            if "consumers" in entry:
                for consumer in entry["consumers"]:
                    add_edge(system, node, _id(system, consumer), declared=True, seen_in=name)
            if "embedded_with" in entry:
                add_edge(system, _id(system, entry["embedded_with"]), node, declared=True, seen_in=name)
    for entry in data.get("configs", ()):
        system.configs.append(dict(entry))
    for entry in data.get("prompts", ()):
        system.configs.append({**entry, "type": "prompt"})
    system.flags.extend(dict(f) for f in data.get("flags", ()))
    system.practices.update(data.get("practices", {}))
    if "ml_test_score" in data:
        system.answers = {**(system.answers or {}), **data["ml_test_score"]}
    return system


def _id(system: System, name: str) -> str:
    return name if name in system.nodes else system.aliases[name]


def _check_ids_and_refs(data: dict, name: str, lines: dict) -> None:
    first_seen: dict[str, tuple] = {}
    for list_name in list(NODE_LISTS):
        for i, entry in enumerate(data.get(list_name, ())):
            node = entry["id"]
            if node in first_seen:
                other = first_seen[node]
                where = _line(lines, other).strip() or path_text(other)
                raise CourseInputError(f"{name}{_line(lines, (list_name, i))}: {list_name}[{i}].id: the id "
                                       f"'{node}' is used twice (also at {where}); expected each id once")
            first_seen[node] = (list_name, i)
    known = set(first_seen)
    for list_name in NODE_LISTS:
        for entry in data.get(list_name, ()):
            known.update(entry.get("aliases", ()))
            known.update(entry.get("outputs", ()))
    for list_name in NODE_LISTS:
        for i, entry in enumerate(data.get(list_name, ())):
            for field in NODE_REFS:
                for j, ref in enumerate(entry.get(field, ())):
                    if ref not in known:
                        _unknown(name, lines, (list_name, i, field, j), ref, known)
                    if field in ("reads", "correlated_with") and ref == entry["id"]:
                        raise CourseInputError(f"{name}{_line(lines, (list_name, i, field, j))}: "
                                               f"{list_name}[{i}].{field}[{j}]: '{ref}' names itself; "
                                               "expected another node")
            for field in SINGLE_REFS:
                if field in entry and entry[field] not in known:
                    _unknown(name, lines, (list_name, i, field), entry[field], known)
    seen_other: dict[str, tuple] = {}
    for list_name in ("configs", "prompts", "flags"):
        for i, entry in enumerate(data.get(list_name, ())):
            key = entry["id"]
            if key in seen_other:
                raise CourseInputError(f"{name}{_line(lines, (list_name, i))}: {list_name}[{i}].id: the id "
                                       f"'{key}' is used twice; expected each id once")
            seen_other[key] = (list_name, i)
            for j, ref in enumerate(entry.get("used_by", ())):
                if ref not in known:
                    _unknown(name, lines, (list_name, i, "used_by", j), ref, known)


def _unknown(name, lines, path, ref, known) -> None:
    pool = known if len(known) <= 5000 else [k for k in known if k[:1] == str(ref)[:1]][:5000]
    close = difflib.get_close_matches(str(ref), pool, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    shown = repr(ref) if len(repr(ref)) <= 60 else repr(ref)[:56] + "...'"
    raise CourseInputError(f"{name}{_line(lines, path)}: {path_text(path)}: unknown node {shown}{hint}; "
                           "expected the id of a node in the manifest")


def _line(lines: dict, path: tuple) -> str:
    """' line N' for the deepest part of ``path`` whose line is known, else ''."""
    for end in range(len(path), 0, -1):
        if tuple(path[:end]) in lines:
            return f" line {lines[tuple(path[:end])]}"
    return ""


def _what(data) -> str:
    from .schema import describe
    return describe(data)
