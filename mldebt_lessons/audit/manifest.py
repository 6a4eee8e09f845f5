"""Load and check a system manifest (YAML or JSON) and turn it into a :class:`System`.

A manifest is written by people: what each part of the system is, who owns it, what it reads,
and the facts the code does not show (versions, thresholds and how they were set, monitoring,
tests, configs, flags, LLM parts). Its shape is published as a JSON Schema,
``manifest.schema.json`` beside this module, so editors can autocomplete and check it; this
module checks the same schema (no id or other name of a node may hold a control character),
then what a schema cannot: ids are unique, every reference names a node that exists (and not
itself), and data flows one way: no cycle through ``reads`` (or ``consumers``,
``embedded_with``), since feedback is declared with ``influences`` and ``labels_from``. Every
problem is one line with the file, the line (YAML), where in the manifest, and what was expected.

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
import itertools
import json
import operator
from pathlib import Path

from ..errors import CourseInputError
from .safeload import load_file, parse_text
from .schema import compile_schema, path_text
from .system import NODE_LISTS, System, add_edge, add_node, nodes_on_cycles

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")

# Fields that name other nodes, by list: checked to exist.
NODE_REFS = ("reads", "consumers", "labels_from", "influences", "correlated_with")
SINGLE_REFS = ("embedded_with",)
_NOT_ITSELF = ("reads", "consumers", "correlated_with")


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
    check_manifest(data, name, lines)
    return build_system(data, name, lines, system, reuse=True)


def manifest_from_text(text: str, name: str = "<manifest>", system: System | None = None) -> System:
    """Like :func:`load_manifest`, from text."""
    data, lines = parse_text(text, name)
    return manifest_from_data(data, name, lines, system)


def check_manifest(data: object, name: str = "<manifest>", lines: dict | None = None) -> None:
    """Raise a one-line error if ``data`` is not a valid manifest (schema, unique ids, references, no cycle)."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise CourseInputError(f"{name}: the manifest is {_what(data)}; expected a mapping with at least "
                               "'system' (its name) and lists of sources, features, models and consumers")
    problem = _checker()(data)
    if problem:
        path, message = problem
        raise CourseInputError(f"{name}{_line(lines, path)}: {path_text(path)}: {message}")
    fine = _ids_refs_and_flow_are_fine(data)  # if not, the slower checks find the problem and say where
    if not fine:
        _check_ids_and_refs(data, name, lines)
    _check_other_ids(data, name, lines)
    if not fine:
        _check_one_way(data, name, lines)


def manifest_from_data(data: object, name: str = "<manifest>", lines: dict | None = None,
                       system: System | None = None) -> System:
    """Check manifest data and add it to a :class:`System` (a new one unless given)."""
    lines = lines or {}
    check_manifest(data, name, lines)
    return build_system(data, name, lines, system)


def build_system(data: dict, name: str = "<manifest>", lines: dict | None = None,
                 system: System | None = None, reuse: bool = False) -> System:
    """Add manifest data that :func:`check_manifest` passed to a :class:`System` (a new one unless given).

    With ``reuse``, each node's mapping in ``data`` becomes its facts (its id taken out) instead of
    being copied: for data nobody else holds, as :func:`load_manifest` reads it. On a 1,000,000-node
    manifest the copies cost about 0.7 GB.
    """
    lines = lines or {}
    if system is None:
        system = System(data["system"], data.get("description", ""))
    system.inputs.append(f"manifest {name}")
    nodes, origins, edges = system.nodes, system.origins, system.edges
    ids: list[str] = []  # each entry's id, in order (with reuse, the entries lose theirs)
    other_names: dict[str, str] = {}  # this manifest's aliases and outputs -> the id they name
    for list_name, kind in NODE_LISTS.items():
        for i, entry in enumerate(data.get(list_name, ())):
            facts = entry if reuse else dict(entry)
            node = facts.pop("id")
            ids.append(node)
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
                if lines:  # JSON has no line numbers: a million copies of the file's name cost about 40 MB
                    origins[node] = f"{name}{_line(lines, (list_name, i))}"
            if "aliases" in entry or "outputs" in entry:
                for alias in list(entry.get("aliases", ())) + list(entry.get("outputs", ())):
                    system.aliases.setdefault(alias, node)
                    other_names.setdefault(alias, node)
    node_of = _names_here(system, ids, other_names)
    # Every read this manifest declares shares one facts dict (a dict per edge cost about 0.5 GB on a
    # manifest of 1,000,000 nodes); add_edge never changes an edge's dict in place.
    declared_here = {"declared": True, "observed": False, "seen_in": [name]}
    next_id = iter(ids).__next__
    for list_name, kind in NODE_LISTS.items():
        for entry in data.get(list_name, ()):
            node = next_id()
            undeclared = entry.get("declared") is False
            for upstream in entry.get("reads", ()):
                key = (node_of(upstream) if other_names or upstream not in nodes else upstream, node)
                if key in edges or undeclared:
                    add_edge(system, *key, declared=not undeclared, observed=undeclared, seen_in=name)
                else:
                    edges[key] = declared_here
            if "consumers" in entry:
                for consumer in entry["consumers"]:
                    add_edge(system, node, node_of(consumer), declared=True, seen_in=name)
            if "embedded_with" in entry:
                add_edge(system, node_of(entry["embedded_with"]), node, declared=True, seen_in=name)
            if system.aliases and ("labels_from" in entry or "influences" in entry or "correlated_with" in entry):
                facts = nodes[node]  # names kept as facts, which the detectors look up as ids
                for field in NAMES_KEPT:
                    if field in facts:
                        facts[field] = list(dict.fromkeys(map(node_of, facts[field])))
    for entry in data.get("configs", ()):
        system.configs.append(dict(entry))
    for entry in data.get("prompts", ()):
        system.configs.append({**entry, "type": "prompt"})
    system.flags.extend(dict(f) for f in data.get("flags", ()))
    system.practices.update(data.get("practices", {}))
    if "ml_test_score" in data:
        system.answers = {**(system.answers or {}), **data["ml_test_score"]}
    return system


NAMES_KEPT = ("labels_from", "influences", "correlated_with")  # other nodes' names kept as facts


def _names_here(system: System, ids: list[str], other_names: dict[str, str]):
    """The function name -> id for one manifest: its own ids, then its own aliases and outputs, then those
    of the system it is added to (a name another manifest gave means what that manifest said).

    >>> s = System("x"); s.nodes.update(a={"kind": "model"}, y={"kind": "source"}); s.aliases["z"] = "a"
    >>> node_of = _names_here(s, ["y"], {"z": "y"})
    >>> node_of("z"), node_of("a"), node_of("y")
    ('y', 'a', 'y')
    """
    nodes, aliases = system.nodes, system.aliases
    if not other_names:
        return lambda name: name if name in nodes else aliases[name]
    here = set(ids)
    return lambda name: (name if name in here else other_names[name] if name in other_names
                         else name if name in nodes else aliases[name])


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
    all_known = known.issuperset
    for list_name in NODE_LISTS:
        for i, entry in enumerate(data.get(list_name, ())):
            for field in NODE_REFS:
                refs = entry.get(field)
                if not refs:
                    continue
                if all_known(refs) and (field not in _NOT_ITSELF or entry["id"] not in refs):
                    continue  # the common case, without a loop in Python
                for j, ref in enumerate(refs):
                    if ref not in known:
                        _unknown(name, lines, (list_name, i, field, j), ref, known)
                    if field in _NOT_ITSELF and ref == entry["id"]:
                        raise CourseInputError(f"{name}{_line(lines, (list_name, i, field, j))}: "
                                               f"{list_name}[{i}].{field}[{j}]: '{ref}' names itself; "
                                               "expected another node")
            for field in SINGLE_REFS:
                if field in entry and entry[field] not in known:
                    _unknown(name, lines, (list_name, i, field), entry[field], known)


def _check_other_ids(data: dict, name: str, lines: dict) -> None:
    """Configs, prompts and flags: each id once, and what uses them names a node."""
    if not any(data.get(list_name) for list_name in ("configs", "prompts", "flags")):
        return
    known = {entry["id"] for list_name in NODE_LISTS for entry in data.get(list_name, ())}
    for list_name in NODE_LISTS:
        for entry in data.get(list_name, ()):
            if "aliases" in entry or "outputs" in entry:
                known.update(entry.get("aliases", ()), entry.get("outputs", ()))
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


FLOW_REFS = ("reads", "consumers", "embedded_with")  # the edges along which data must flow one way


def _ids_refs_and_flow_are_fine(data: dict) -> bool:
    """True when every node id is used once, every reference names a node (not itself) and data flows
    one way: what :func:`_check_ids_and_refs` and :func:`_check_one_way` check, without a loop in Python
    over each node and field. When it says False, they find the problem and say where it is. (It is a
    little stricter: a node naming its own alias says False, and they decide.)

    >>> _ids_refs_and_flow_are_fine({"sources": [{"id": "a"}], "features": [{"id": "b", "reads": ["a"]}]})
    True
    >>> _ids_refs_and_flow_are_fine({"features": [{"id": "b", "reads": ["b"]}]})
    False
    """
    entries = [entry for list_name in NODE_LISTS for entry in data.get(list_name, ())]
    number = dict(zip([entry["id"] for entry in entries], range(len(entries))))  # id -> node number
    if len(number) < len(entries):
        return False  # an id used twice
    for k, entry in enumerate(entries):
        if "aliases" in entry or "outputs" in entry:
            for other in (*entry.get("aliases", ()), *entry.get("outputs", ())):
                number.setdefault(other, k)
    ups, downs = [], []
    for field in NODE_REFS + SINGLE_REFS:
        if field in SINGLE_REFS:
            lists = [(entry[field],) if field in entry else () for entry in entries]
        else:
            lists = list(map(operator.methodcaller("get", field, ()), entries))  # no Python call per entry
            if None in lists:
                lists = [names or () for names in lists]
        named = list(map(number.get, itertools.chain.from_iterable(lists), itertools.repeat(-1)))
        if -1 in named:
            return False  # a name that is no node's
        if field not in _NOT_ITSELF and field not in FLOW_REFS:
            continue
        # the number of the node that holds each reference: k repeated once for each name node k lists
        holders = list(itertools.chain.from_iterable(map(itertools.repeat, range(len(lists)), map(len, lists))))
        if field in _NOT_ITSELF and any(map(operator.eq, named, holders)):
            return False  # a node that names itself (or its own alias)
        if field in FLOW_REFS:
            ups += holders if field == "consumers" else named
            downs += named if field == "consumers" else holders
    return not nodes_on_cycles(len(entries), ups, downs)


def _check_one_way(data: dict, name: str, lines: dict) -> None:
    """Refuse a cycle through reads, consumers and embedded_with, naming it: data must flow one way.

    >>> data = {"system": "s", "features": [{"id": "a", "reads": ["c"]}, {"id": "b", "reads": ["a"]},
    ...                                     {"id": "c", "reads": ["b"]}]}
    >>> _check_one_way(data, "m.json", {})
    Traceback (most recent call last):
    ...
    mldebt_lessons.errors.CourseInputError: m.json: features[0].reads: the reads go round in a circle: a -> b -> c -> a; expected data to flow one way (declare a feedback loop with influences or labels_from)
    """
    where: list[tuple] = []  # node number -> (list name, index)
    number: dict[str, int] = {}
    for list_name in NODE_LISTS:
        for i, entry in enumerate(data.get(list_name, ())):
            number[entry["id"]] = len(where)
            where.append((list_name, i))
    for list_name in NODE_LISTS:  # other names (aliases, outputs) number as the node they name
        for entry in data.get(list_name, ()):
            for other in list(entry.get("aliases", ())) + list(entry.get("outputs", ())):
                if other not in number:
                    number[other] = number[entry["id"]]
    ups, downs = [], []  # edges, as node numbers
    for list_name in NODE_LISTS:
        for entry in data.get(list_name, ()):
            node = number[entry["id"]]
            reads = entry.get("reads")
            if reads:
                ups.extend(map(number.__getitem__, reads))
                downs.extend([node] * len(reads))
            consumers = entry.get("consumers")
            if consumers:
                downs.extend(map(number.__getitem__, consumers))
                ups.extend([node] * len(consumers))
            if "embedded_with" in entry:
                ups.append(number[entry["embedded_with"]])
                downs.append(node)
    on_cycles = nodes_on_cycles(len(where), ups, downs)
    if not on_cycles:
        return
    ids = {k: data[where[k][0]][where[k][1]]["id"] for k in on_cycles}
    pred: dict[str, list[str]] = {ids[k]: [] for k in on_cycles}
    for u, v in zip(ups, downs):
        if u in on_cycles and v in on_cycles:
            pred[ids[v]].append(ids[u])
    cycle = find_cycle(pred)
    path = where[number[cycle[0]]] + ("reads",)
    shown = " -> ".join(_short(n) for n in cycle + cycle[:1])
    raise CourseInputError(f"{name}{_line(lines, path)}: {path_text(path)}: the reads go round in a circle: "
                           f"{shown}; expected data to flow one way (declare a feedback loop with influences "
                           "or labels_from)")


def find_cycle(pred: dict[str, list[str]]) -> list[str] | None:
    """A cycle in the graph given by each node's upstream nodes, in data-flow order; None if there is none.

    Kahn's algorithm peels off every node not on or below a cycle; each node left has an upstream
    node left, so walking upstream from one must come back round.

    >>> find_cycle({"a": [], "b": ["a", "d"], "c": ["b"], "d": ["c"]}), find_cycle({"a": [], "b": ["a"]})
    (['b', 'c', 'd'], None)
    """
    succ: dict[str, list[str]] = {n: [] for n in pred}
    for node, ups in pred.items():
        for up in ups:
            succ[up].append(node)
    waiting = {n: len(ups) for n, ups in pred.items()}
    ready = [n for n, count in waiting.items() if count == 0]
    while ready:
        for down in succ[ready.pop()]:
            waiting[down] -= 1
            if waiting[down] == 0:
                ready.append(down)
    left = {n for n, count in waiting.items() if count}
    if not left:
        return None
    walk, seen = [min(left)], {}
    while walk[-1] not in seen:
        seen[walk[-1]] = len(walk) - 1
        walk.append(next(up for up in pred[walk[-1]] if up in left))
    cycle = walk[seen[walk[-1]]:-1][::-1]  # walked upstream: reverse to follow the data
    first = cycle.index(min(cycle))  # start at the smallest id, so the message is stable
    return cycle[first:] + cycle[:first]


def _short(node: str) -> str:
    return node if len(node) <= 40 else node[:37] + "..."


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
