"""Rank findings: which debt to pay down first.

The rule, shown in every report so a user can see why one debt outranks another::

    score = severity x reach factor x exposure

* **severity** (1..5): how much this kind of debt costs when it bites; each pattern has a default
  (see :mod:`.patterns`), raised for aggravated cases (a loop that an undeclared consumer closes,
  an unpinned model output, a threshold under a model retrained on a schedule ...).
* **reach factor** = 1 + log2(1 + reach), where *reach* is the blast radius: how many nodes lie
  downstream of the finding's nodes (what a change there can break). Logarithmic, so that a debt
  touching 1,000 nodes outranks one touching 10, but not by a factor of 100.
* **exposure** = 1 + 0.5 x (share of the finding's nodes with no owner) + 0.5 x (share with no
  monitoring): debt nobody owns or watches is found late.

Levels, for ``--fail-on``: critical (score >= 24), high (>= 12), medium (>= 6), low. Ties break
by severity, then pattern id, then node names, so the order is stable.

Example
-------
>>> from mldebt_lessons.audit.detectors import Finding
>>> from mldebt_lessons.audit.system import System, add_node, add_edge
>>> s = System("x")
>>> for n, k in [("f", "feature"), ("m", "model"), ("c", "consumer")]: add_node(s, n, k, {"owner": "t"})
>>> add_edge(s, "f", "m", declared=True); add_edge(s, "m", "c", declared=True)
>>> [f] = rank([Finding("monitoring_gap", ["m"], "no monitoring")], s)
>>> f.reach, f.score, f.level, f.rank
(1, 12.0, 'high', 1)
>>> f.why_score
'severity 4 x reach factor 2 (1 node downstream) x exposure 1.5 (monitored: 0 of 1) = 12'
"""

from __future__ import annotations

import itertools
import math
import operator

import numpy as np

from .system import System, fact_column, truthy

LEVELS = ("low", "medium", "high", "critical")
LEVEL_FLOORS = {"critical": 24.0, "high": 12.0, "medium": 6.0, "low": 0.0}
RULE = ("score = severity (1-5, by pattern) x reach factor (1 + log2(1 + nodes downstream: the blast "
        "radius)) x exposure (1 + 0.5 x share of its nodes with no owner + 0.5 x share with no monitoring); "
        "levels: critical >= 24, high >= 12, medium >= 6, else low")


def level_of(score: float) -> str:
    """The level of a score.

    >>> level_of(30), level_of(12), level_of(5.9)
    ('critical', 'high', 'low')
    """
    for name in reversed(LEVELS):
        if score >= LEVEL_FLOORS[name]:
            return name
    return "low"


def reach(system: System, nodes, cache: dict | None = None) -> int:
    """How many nodes lie downstream of ``nodes`` (not counting them): the blast radius. ``cache`` keeps
    the count of each single node walked from."""
    known = system.nodes
    nodes = [n for n in dict.fromkeys(nodes) if n in known]
    if len(nodes) != 1:
        return count_downstream(system, nodes) if nodes else 0
    cache = {} if cache is None else cache
    count = cache.get(nodes[0])
    if count is None:
        count = cache[nodes[0]] = count_downstream(system, nodes)
    return count


# The sets downstream_counts holds at once may total this many times the nodes and edges (about 1 on
# a generated system); past it (a long chain under a wide fan, say), ranking walks from each node instead.
HELD_PER_NODE_AND_EDGE = 4


def downstream_counts(system: System) -> dict[str, int] | None:
    """How many nodes lie downstream of each node, all at once; None if the reads have a cycle, or if
    what it would hold grows past :data:`HELD_PER_NODE_AND_EDGE` times the nodes and edges.

    On a graph of a few levels (see :func:`~mldebt_lessons.audit.system.heights`), a level at a time
    from the bottom, in sparse matrices (:func:`_counts_by_level`). On a deeper one, node by node
    against the flow of data, each node's set of downstream nodes made from its readers' sets (set unions
    run in C: one pass, instead of one walk per node); a set is dropped as soon as the last node upstream
    of it has used it, and handed on without a copy to that last one.

    >>> from mldebt_lessons.audit.system import add_edge, add_node
    >>> s = System("x")
    >>> for n in "abcd": add_node(s, n, "feature", {})
    >>> for u, v in ["ab", "ac", "bd", "cd"]: add_edge(s, u, v, declared=True)
    >>> downstream_counts(s)
    {'a': 3, 'b': 1, 'c': 1, 'd': 0}
    """
    counts = downstream_counts_by_number(system)
    return None if counts is None else dict(zip(system.numbered.ids, counts.tolist()))


def downstream_counts_by_number(system: System) -> np.ndarray | None:
    """:func:`downstream_counts`, by node number (as in ``system.numbered``)."""
    if system.levels is not None:
        counts = _counts_by_level(system.numbered, system.levels)
        if counts is not None:
            return counts
        # What lies below every node grew too big to hold at once (a long chain under wide fans): node by
        # node, each set is dropped once the nodes upstream have used it.
    order = system.order_numbers
    if order is None:
        return None
    g = system.numbered
    readers, start = g.readers.tolist(), g.reader_start.tolist()
    # How many nodes upstream have yet to use each set; nodes that nothing reads have no set to use.
    uses_left = np.diff(g.read_start).tolist()
    reads_something = (g.reader_start[1:] > g.reader_start[:-1]).tolist()
    below: list[set | None] = [None] * len(order)
    counts = [0] * len(order)
    held, most = 0, HELD_PER_NODE_AND_EDGE * (len(g.ids) + len(g.src))
    for n in reversed(order):
        first, end = start[n], start[n + 1]
        if first == end:
            continue
        mine = None
        for v in readers[first:end]:  # take over the set of a reader nobody else still needs
            if not reads_something[v]:  # v is read by nothing further: it adds only itself (below)
                continue
            left = uses_left[v] - 1
            uses_left[v] = left
            if not left:
                theirs, below[v] = below[v], None
                held -= len(theirs)
                if mine is None:
                    mine = theirs
                else:
                    mine |= theirs
            elif mine is None:
                mine = set(below[v])
            else:
                mine |= below[v]
        if mine is None:
            mine = set(readers[first:end])
        else:
            mine.update(readers[first:end])
        counts[n] = len(mine)
        if uses_left[n]:
            below[n] = mine
            held += len(mine)
            if held > most:
                return None
    return np.array(counts, dtype=np.int64)


def _counts_by_level(g, levels: list[np.ndarray]) -> np.ndarray | None:
    """How many nodes lie downstream of each node, by number, a level at a time from the bottom: the
    rows of one level of the graph's matrix of reads, times the matrix of what lies below each lower
    node, plus themselves (sparse products in C). None if what lies below passes
    :data:`HELD_PER_NODE_AND_EDGE` times the nodes and edges.
    """
    from scipy.sparse import csr_matrix

    n = len(g.ids)
    # Boolean matrices: a sum is "or", so a node met along many paths is one node, and nothing overflows.
    read_by = csr_matrix((np.ones(len(g.readers), dtype=bool), g.readers, g.reader_start), shape=(n, n))
    below = csr_matrix((n, n), dtype=bool)  # row i: the nodes downstream of node i (its level placed)
    counts = np.zeros(n, dtype=np.int64)
    most = HELD_PER_NODE_AND_EDGE * (n + len(g.src))
    for level in levels[1:]:  # level 0: nothing reads them
        readers = read_by[level]
        mine = readers + readers @ below
        counts[level] = np.diff(mine.indptr)
        place = csr_matrix((np.ones(len(level), dtype=bool), (level, np.arange(len(level)))),
                           shape=(n, len(level)))
        below = below + place @ mine
        if below.nnz > most:
            return None
    return counts


WALK_IN_C_FROM = 64  # walks from this many nodes or more run in C, over the whole graph


def count_downstream(system: System, nodes: list[str]) -> int:
    """How many nodes lie downstream of ``nodes`` (distinct ids of the system), not counting them.

    From a few nodes, a walk a level at a time over node numbers, each level's readers gathered and the
    nodes not seen before kept, by set operations; from many, SciPy's breadth-first walk, from one more
    node that leads to them all.

    >>> from mldebt_lessons.audit.system import add_edge, add_node
    >>> s = System("x")
    >>> for n in "abc": add_node(s, n, "feature", {})
    >>> add_edge(s, "a", "b"); add_edge(s, "b", "c"); add_edge(s, "a", "c")
    >>> count_downstream(s, ["a"]), count_downstream(s, ["b", "a"])
    (2, 1)
    """
    g = system.numbered
    if len(nodes) >= WALK_IN_C_FROM:
        wanted = set(nodes)
        return _reached_in_c(g, np.flatnonzero(g.mask_of(wanted))) - len(wanted)
    readers, start = g.reader_lists
    number = g.number
    starts = {number[n] for n in nodes}
    seen, level = set(starts), starts
    while level:
        level = set(itertools.chain.from_iterable(readers[start[u]:start[u + 1]] for u in level)) - seen
        seen |= level
    return len(seen) - len(starts)


def _reached_in_c(g, starts: np.ndarray) -> int:
    """How many nodes the node numbers ``starts`` lead to, themselves included (SciPy, in C)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n, edges = len(g.ids), len(g.readers)
    leads = np.concatenate([g.readers, starts]).astype(np.int32)  # node n leads to every start
    first_lead = np.append(g.reader_start, edges + len(starts)).astype(np.int32)
    graph = csr_matrix((np.ones(len(leads), dtype=np.int8), leads, first_lead), shape=(n + 1, n + 1))
    return len(breadth_first_order(graph, n, directed=True, return_predecessors=False)) - 1


def exposure_of(counted: int, owned: int, watched: int) -> float:
    """1 + 0.5 x share of the nodes with no owner + 0.5 x share with no monitoring; 1 with no nodes.

    >>> exposure_of(2, 1, 0), exposure_of(1, 1, 1), exposure_of(0, 0, 0)
    (1.75, 1.0, 1.0)
    """
    if not counted:
        return 1.0
    return round(1 + 0.5 * (1 - owned / counted) + 0.5 * (1 - watched / counted), 2)


def exposure(system: System, nodes, owned_nodes=None, watched_nodes=None) -> tuple[float, int, int, int]:
    """(exposure, nodes counted, owned, monitored) of a finding's ``nodes``."""
    nodes = [n for n in dict.fromkeys(nodes) if n in system.nodes]
    if owned_nodes is None:
        owned_nodes = {n for n in nodes if system.nodes[n].get("owner")}
        watched_nodes = {n for n in nodes if system.nodes[n].get("monitoring")}
    owned = sum(1 for n in nodes if n in owned_nodes)
    watched = sum(1 for n in nodes if n in watched_nodes)
    return exposure_of(len(nodes), owned, watched), len(nodes), owned, watched


def rank(findings: list, system: System) -> list:
    """Score every finding, sort them (highest first) and number them from 1."""
    scored: dict[tuple, tuple] = {}  # (severity, reach, counted, owned, watched) -> what they score
    for f, these in _facts(findings, system):
        score = scored.get(these)
        if score is None:  # many findings share their facts: each sum is worked out once
            score = scored[these] = _score(*these)
        f.reach = these[1]
        f.exposure, f.score, f.level, f.counts = score
    del scored  # room for the sort
    findings[:] = list(map(findings.__getitem__, _rule_order(findings)))
    for i, f in enumerate(findings, 1):
        f.rank = i
    return findings


def _facts(findings: list, system: System):
    """(finding, its (severity, reach, nodes counted, owned, monitored)) for each finding, as worked out.

    Where the graph has no cycle, the findings a detector made together (a :class:`Batch`) are counted
    together, in whole arrays over node numbers; the others one by one, those of one node, or whose nodes
    after the first lie below it (none twice), from the first node's count below it.
    """
    g = system.numbered
    owned_by_number = truthy(fact_column(system, "owner")).astype(np.int64)
    watched_by_number = truthy(fact_column(system, "monitoring")).astype(np.int64)
    counts = downstream_counts_by_number(system)
    counted: set[int] = set()  # the batches counted together
    if counts is not None:
        for batch in _whole_batches(findings):
            counted.add(id(batch))
            yield from zip(batch.findings, _batch_facts(batch, counts, owned_by_number, watched_by_number))
    rest = [f for f in findings if f.batch is None or id(f.batch) not in counted]
    if not rest:
        return
    owned_list, watched_list = owned_by_number.tolist(), watched_by_number.tolist()
    few = [f for f in rest if len(f.nodes) < WALK_IN_C_FROM]
    number = g.numbers_of({n for f in few for n in f.nodes})  # only these: not a dict of every node
    cache: dict[str, int] = {}  # with a cycle, each node's count as reach() walks from it
    for f in rest:
        nodes = f.nodes
        if len(nodes) >= WALK_IN_C_FROM:  # a finding of many nodes: counted over a mask of them
            here = g.mask_of(set(nodes))
            yield f, (f.severity, reach(system, nodes, cache), int(here.sum()), int(owned_by_number[here].sum()),
                      int(watched_by_number[here].sum()))
            continue
        numbers = list(map(number.get, nodes))
        if counts is not None and nodes and (len(nodes) == 1 or f.downstream_of_first) and None not in numbers:
            yield f, (f.severity, max(0, int(counts[numbers[0]]) - (len(nodes) - 1)), len(nodes),
                      sum(map(owned_list.__getitem__, numbers)), sum(map(watched_list.__getitem__, numbers)))
            continue
        distinct = [n for n in dict.fromkeys(nodes) if n in number]
        if counts is not None and f.downstream_of_first and distinct and distinct[0] == nodes[0]:
            reach_ = max(0, int(counts[number[nodes[0]]]) - (len(distinct) - 1))
        else:
            reach_ = reach(system, nodes, cache)
        yield f, (f.severity, reach_, len(distinct), sum(owned_list[number[n]] for n in distinct),
                  sum(watched_list[number[n]] for n in distinct))


def _whole_batches(findings: list):
    """The batches whose findings are all in ``findings``, once each."""
    for f in findings:
        f.rank = -1  # marks the findings being ranked (each gets its place at the end)
    held: dict[int, list] = {}  # batch id -> [the batch, how many of its findings are here]
    for f in findings:
        if f.batch is not None:
            held.setdefault(id(f.batch), [f.batch, 0])[1] += 1
    for batch, count in held.values():
        if count == len(batch.findings) and all(f.rank == -1 for f in batch.findings):
            yield batch


def _batch_facts(batch, counts: np.ndarray, owned: np.ndarray, watched: np.ndarray):
    """(severity, reach, counted, owned, monitored) of each finding of a batch, from its arrays."""
    first, below = batch.firsts, batch.sizes.astype(np.int64)
    ends = np.cumsum(below)
    severity = [f.severity for f in batch.findings]

    def per_finding(flags: np.ndarray) -> list[int]:  # the first node's flag, plus its others'
        running = np.concatenate(([0], np.cumsum(flags[batch.others])))
        return (flags[first] + running[ends] - running[ends - below]).tolist()
    return zip(severity, np.maximum(0, counts[first] - below).tolist(), (below + 1).tolist(),
               per_finding(owned), per_finding(watched))


def _score(severity: int, reach_: int, counted: int, owned: int, watched: int) -> tuple:
    """(exposure, score, level, counts) of a finding with these facts.

    >>> _score(4, 1, 1, 1, 0)
    (1.5, 12.0, 'high', (1, 1, 0))
    """
    exposure_ = exposure_of(counted, owned, watched)
    score = round(severity * (1 + math.log2(1 + reach_)) * exposure_, 1)
    return exposure_, score, level_of(score), (counted, owned, watched)


def _rule_order(findings: list) -> list[int]:
    """The findings' places in the rule's order: score (highest first), then severity, pattern id and
    node names.

    Score, severity and pattern make a group, the first node a place among all first nodes; both are
    numbered in the rule's order and packed into one integer, which numpy sorts. Node names are
    compared only where all four tie. (A million findings: an integer each, rather than a tuple.)

    >>> from mldebt_lessons.audit.detectors import Finding
    >>> fs = [Finding("monitoring_gap", ["b"], ""), Finding("monitoring_gap", ["a", "z"], ""),
    ...       Finding("fixed_threshold", ["c"], ""), Finding("monitoring_gap", ["a"], "")]
    >>> for f, score in zip(fs, (3.0, 3.0, 3.0, 7.5)): f.score = score
    >>> [(fs[i].score, fs[i].severity, fs[i].nodes) for i in _rule_order(fs)]
    [(7.5, 4, ('a',)), (3.0, 4, ('a', 'z')), (3.0, 4, ('b',)), (3.0, 3, ('c',))]
    """
    keys_of = list(map(operator.attrgetter("score", "severity", "pattern"), findings))  # C loops, no call each
    group_of = {group: k for k, group in enumerate(dict.fromkeys(keys_of))}  # -> its number, in the order met
    groups = list(map(group_of.__getitem__, keys_of))
    del keys_of
    firsts = [nodes[0] if nodes else None for nodes in map(operator.attrgetter("nodes"), findings)]
    ranked = sorted(group_of, key=lambda g: (-round(g[0] * 10), -g[1], g[2]))
    group_rank = np.empty(len(ranked), dtype=np.int64)
    group_rank[[group_of[g] for g in ranked]] = np.arange(len(ranked))
    # Each distinct first node's place among them in Python's order of text (1, 2 ...; 0: no nodes, first).
    place_of = {name: k for k, name in enumerate(sorted(set(firsts) - {None}), 1)}
    place_of[None] = 0
    place = np.fromiter(map(place_of.__getitem__, firsts), dtype=np.int64, count=len(firsts))
    del firsts, place_of
    keys = group_rank[np.asarray(groups, dtype=np.int64)] * (int(place.max(initial=0)) + 1) + place
    places = np.argsort(keys, kind="stable")
    order = places.tolist()
    # Findings whose keys tie (same score, severity, pattern and first node) sit side by side: sort each
    # run of two or more by their node names.
    starts = np.flatnonzero(np.diff(keys[places], prepend=-1))  # where each run of equal keys starts
    ends = np.append(starts[1:], len(order))
    runs = ends - starts > 1
    for start, end in zip(starts[runs].tolist(), ends[runs].tolist()):
        order[start:end] = sorted(order[start:end], key=lambda k: findings[k].nodes)
    return order


def why_score(f) -> str:
    """How a ranked finding's score was computed, e.g. 'severity 4 x reach factor 2 (...) x exposure 1.5 (...) = 12'."""
    factor = 1 + math.log2(1 + f.reach)
    counted, owned, watched = f.counts or (0, 0, 0)
    parts = [f"severity {f.severity}", f"reach factor {factor:.3g} ({f.reach:,} node"
             f"{'' if f.reach == 1 else 's'} downstream)"]
    if counted:
        notes = []
        if owned < counted:
            notes.append(f"owned: {owned:,} of {counted:,}")
        notes.append(f"monitored: {watched:,} of {counted:,}")
        parts.append(f"exposure {f.exposure:g} ({'; '.join(notes)})")
    else:
        parts.append("exposure 1 (system-wide)")
    return " x ".join(parts) + f" = {f.score:g}"


def at_or_above(findings: list, level: str) -> list:
    """The findings at ``level`` or more severe."""
    floor = LEVELS.index(level)
    return [f for f in findings if LEVELS.index(f.level) >= floor]
