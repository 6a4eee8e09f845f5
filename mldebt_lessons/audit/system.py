"""The audited system as plain data: nodes with their facts, edges with where they were seen.

Every input (a manifest, OpenLineage events, a dbt manifest, a code scan, the toy world) adds to
one :class:`System`. An edge ``(upstream, downstream)`` means data flows from upstream to
downstream (downstream *reads* upstream); it is *declared* when a manifest or dbt says so and
*observed* when lineage or code shows it happening. The difference between the two is evidence.

Example
-------
>>> s = System("shop")
>>> add_node(s, "orders", "source", {"owner": "checkout team"})
>>> add_node(s, "basket", "feature", {})
>>> add_edge(s, "orders", "basket", declared=True)
>>> g = to_graph(s)
>>> g.nodes["basket"]["kind"], g.edges["orders", "basket"]["kind"]
('feature', 'extracts')
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # networkx is imported when a graph is built, not before
    import networkx as nx

# The same as mldebt_lessons.shop.graph.LAYERS (a test checks): not imported from there, because the graph
# module loads the toy world's models (scikit-learn), which a manifest-only audit does not need.
KINDS = ("source", "feature", "model", "consumer")
OTHER_KINDS = ("dataset", "job")  # nodes seen only in lineage, whose role is unknown
NODE_LISTS = {"sources": "source", "features": "feature", "models": "model", "consumers": "consumer"}


@dataclass
class System:
    """Everything the audit knows about one system."""

    name: str
    description: str = ""
    nodes: dict[str, dict] = field(default_factory=dict)  # id -> facts, always with 'kind'
    edges: dict[tuple[str, str], dict] = field(default_factory=dict)  # -> declared, observed, seen_in
    aliases: dict[str, str] = field(default_factory=dict)  # other name -> id
    configs: list[dict] = field(default_factory=list)  # configs and prompts (type: prompt)
    flags: list[dict] = field(default_factory=list)
    practices: dict = field(default_factory=dict)
    answers: dict | None = None  # ML Test Score answers
    code: dict | None = None  # facts from a code scan
    inputs: list[str] = field(default_factory=list)  # what was read, in order
    origins: dict[str, str] = field(default_factory=dict)  # id -> "file line N", where lines are known

    def of_kind(self, kind: str) -> list[str]:
        """The ids of one kind, in the order they were added."""
        return [n for n, facts in self.nodes.items() if facts["kind"] == kind]

    def readers(self, node: str) -> list[str]:
        return [v for v in self.succ.get(node, ())]

    @property
    def numbered(self) -> "Numbered":
        """The graph with its nodes numbered, in arrays (built on first use, again after nodes or edges are added)."""
        size = (len(self.nodes), len(self.edges))
        if getattr(self, "_graph_size", None) != size:
            self._graph = {"numbered": numbered(self)}  # and what is worked out from it, as it is asked for
            self._graph_size = size
        return self._graph["numbered"]

    def _from_graph(self, what: str, work_out):
        g = self.numbered
        if what not in self._graph:
            self._graph[what] = work_out(g)
        return self._graph[what]

    @property
    def succ(self) -> dict[str, list[str]]:
        """Downstream neighbours of each node: what reads it (built on first use, again after nodes or
        edges are added)."""
        return self._from_graph("succ", Numbered.succ_lists)

    @property
    def pred(self) -> dict[str, list[str]]:
        """Upstream neighbours of each node: what it reads."""
        return self._from_graph("pred", Numbered.pred_lists)

    @property
    def levels(self) -> list[np.ndarray] | None:
        """The node numbers of :attr:`numbered` by their height (see :func:`heights`), or None if the reads
        have a cycle or more than :data:`MAX_LEVELS` levels."""
        return self._from_graph("levels", heights)

    @property
    def order_numbers(self) -> list[int] | None:
        """The node numbers of :attr:`numbered` in data-flow order, or None if the reads have a cycle:
        the levels from the highest down, or a walk node by node when there are too many levels."""
        return self._from_graph("order", lambda g: topological_numbers(g) if self.levels is None
                                else [i for level in reversed(self.levels) for i in level.tolist()])

    @property
    def flows_one_way(self) -> bool:
        """Whether the reads have no cycle (known from the levels when there are few, without an order)."""
        return self.levels is not None or self.order_numbers is not None

    @property
    def order(self) -> list[str] | None:
        """The nodes in data-flow order (each after what it reads), or None if the reads have a cycle
        (computed on first use, again after nodes or edges are added)."""
        return self._from_graph("order names", lambda g: None if self.order_numbers is None
                                else list(map(g.ids.__getitem__, self.order_numbers)))

    def where(self, node: str) -> str:
        """Where a node was described, for messages: 'file line N' (YAML), or ''."""
        return self.origins.get(node, "")


ALL_KINDS = KINDS + OTHER_KINDS


@dataclass(frozen=True, eq=False)
class Numbered:
    """A system's graph with each node numbered by its place in ``System.nodes``, in numpy arrays: for
    work on every node or edge at once (on a million nodes, whole columns of numbers, rather than a
    million lookups in dicts of text).

    Node ``i`` is ``ids[i]``. Edge ``j`` runs from ``src[j]`` to ``dst[j]``, in the order of
    ``System.edges``. ``readers[reader_start[i]:reader_start[i + 1]]`` are node i's readers, and
    ``reads[read_start[i]:read_start[i + 1]]`` what it reads, each in the order of the edges.

    >>> s = System("x")
    >>> for n, k in [("a", "source"), ("b", "feature"), ("m", "model")]: add_node(s, n, k, {})
    >>> add_edge(s, "a", "b"); add_edge(s, "b", "m"); add_edge(s, "a", "m")
    >>> g = s.numbered
    >>> g.names(g.readers_of(0)), g.names(g.reads_of(2))
    (['b', 'm'], ['b', 'a'])
    """

    ids: list[str]
    src: np.ndarray  # int32 (int64 past two billion nodes), one per edge
    dst: np.ndarray
    reader_start: np.ndarray  # int64, one more than the nodes
    readers: np.ndarray  # the edges' dst, grouped by src
    read_start: np.ndarray
    reads: np.ndarray  # the edges' src, grouped by dst

    def readers_of(self, i: int) -> np.ndarray:
        return self.readers[self.reader_start[i]:self.reader_start[i + 1]]

    def reads_of(self, i: int) -> np.ndarray:
        return self.reads[self.read_start[i]:self.read_start[i + 1]]

    @functools.cached_property
    def read_node(self) -> np.ndarray:
        """The node each entry of ``readers`` reads: ``readers[j]`` reads ``read_node[j]``."""
        return np.repeat(np.arange(len(self.ids), dtype=self.readers.dtype), np.diff(self.reader_start))

    @functools.cached_property
    def reader_lists(self) -> tuple[list[int], list[int]]:
        """``readers`` and ``reader_start`` as lists, for walks in Python (built when first asked for)."""
        return self.readers.tolist(), self.reader_start.tolist()

    @functools.cached_property
    def number(self) -> dict[str, int]:
        """Each node's number, by id (built when first asked for: on a million nodes, about 75 MB)."""
        return dict(zip(self.ids, range(len(self.ids))))

    def mask_of(self, names: set) -> np.ndarray:
        """A mask over the node numbers: the nodes named in ``names``."""
        return np.fromiter(map(names.__contains__, self.ids), dtype=bool, count=len(self.ids))

    def numbers_of(self, names: set) -> dict[str, int]:
        """The numbers of the nodes named in ``names`` (names of no node left out), without a dict of
        every node's number."""
        ids = self.ids
        return {ids[i]: i for i in np.flatnonzero(self.mask_of(names)).tolist()}

    @functools.cached_property
    def id_array(self) -> np.ndarray:
        """``ids`` as a numpy array of objects: names picked by an array of numbers without making a
        Python number for each (which would stay scattered among what is kept, on a million findings)."""
        return np.array(self.ids, dtype=object)

    def names(self, numbers) -> list[str]:
        if isinstance(numbers, np.ndarray):
            return self.id_array[numbers].tolist()
        return list(map(self.ids.__getitem__, numbers))

    def succ_lists(self) -> dict[str, list[str]]:
        """Each node's readers, by name (what :attr:`System.succ` gives)."""
        return _lists_of_names(self.ids, self.readers, self.reader_start)

    def pred_lists(self) -> dict[str, list[str]]:
        """What each node reads, by name (what :attr:`System.pred` gives)."""
        return _lists_of_names(self.ids, self.reads, self.read_start)


def fact_column(system: System, fact: str) -> list:
    """Each node's value of one fact (None where it has none), in the order of ``System.nodes``: by node
    number. (``map`` with a method caller makes no Python call per node.)

    >>> s = System("x"); add_node(s, "a", "source", {"owner": "t"}); add_node(s, "b", "model", {})
    >>> fact_column(s, "owner"), truthy(fact_column(s, "owner")).tolist()
    (['t', None], [True, False])
    """
    return list(map(operator.methodcaller("get", fact), system.nodes.values()))


def truthy(values: list) -> np.ndarray:
    """A mask of the values that are true, as Python judges them (a non-empty list, a text ...)."""
    return np.fromiter(map(bool, values), dtype=bool, count=len(values))


def is_exactly(values: list, value) -> np.ndarray:
    """A mask of the values that are ``value`` itself (for True, False and None: 1 is not True)."""
    return np.fromiter(map(operator.is_, values, itertools.repeat(value)), dtype=bool, count=len(values))


def numbered(system: System) -> Numbered:
    """Number a system's nodes and edges (see :class:`Numbered`)."""
    ids = list(system.nodes)
    number = dict(zip(ids, range(len(ids))))  # not kept: Numbered.number builds it again when asked for
    node_number = np.int32 if len(ids) < 2 ** 31 else np.int64  # half the memory, for any real graph
    ends = np.fromiter(map(number.__getitem__, itertools.chain.from_iterable(system.edges)), dtype=node_number,
                       count=2 * len(system.edges))
    del number
    src, dst = ends[0::2].copy(), ends[1::2].copy()
    del ends
    return Numbered(ids, src, dst, _starts(src, len(ids)), dst[np.argsort(src, kind="stable")],
                    _starts(dst, len(ids)), src[np.argsort(dst, kind="stable")])


def _starts(ends: np.ndarray, n_nodes: int) -> np.ndarray:
    """Where each node's run begins in ``ends`` sorted, and one past the last."""
    starts = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n_nodes), out=starts[1:])
    return starts


def _lists_of_names(ids: list[str], grouped: np.ndarray, starts: np.ndarray) -> dict[str, list[str]]:
    names = np.array(ids, dtype=object)[grouped].tolist()
    bounds = starts.tolist()
    return dict(zip(ids, map(names.__getitem__, map(slice, bounds[:-1], bounds[1:]))))


MAX_LEVELS = 64  # more levels than this (a long chain) are walked node by node, in Python


def heights(g: Numbered) -> list[np.ndarray] | None:
    """The nodes in levels by height: level 0 holds the nodes nothing reads, level h those whose
    readers' highest level is h - 1 (so every node sits above what reads it). None if the reads have a
    cycle, or more than :data:`MAX_LEVELS` levels.

    Each level is peeled off the graph in whole arrays: the nodes whose readers all sit in lower levels.

    >>> s = System("x")
    >>> for n in "abcd": add_node(s, n, "feature", {})
    >>> for u, v in ["ab", "ac", "bd", "cd"]: add_edge(s, u, v)
    >>> [level.tolist() for level in heights(s.numbered)]
    [[3], [1, 2], [0]]
    """
    unplaced_readers = np.diff(g.reader_start)
    level = np.flatnonzero(unplaced_readers == 0)
    levels, placed = [], 0
    while len(level):
        if len(levels) == MAX_LEVELS:
            return None
        levels.append(level)
        placed += len(level)
        reads = g.reads[ranges(g.read_start[level], g.read_start[level + 1])]
        np.subtract.at(unplaced_readers, reads, 1)
        ready = np.zeros(len(g.ids), dtype=bool)
        ready[reads[unplaced_readers[reads] == 0]] = True
        level = np.flatnonzero(ready)
    return levels if placed == len(g.ids) else None  # the nodes left lie on or above a cycle


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The numbers from each start to its end (not included), one range after another.

    >>> ranges(np.array([2, 7]), np.array([4, 9])).tolist()
    [2, 3, 7, 8]
    """
    wide = ends - starts
    return np.repeat(starts - np.concatenate(([0], np.cumsum(wide)[:-1])), wide) + np.arange(int(wide.sum()))


def topological_numbers(g: Numbered) -> list[int] | None:
    """Node numbers in an order where every node comes after what it reads; None if there is a cycle.

    A depth-first walk from each node that reads nothing, in the order the nodes were added: walked
    backwards, the order finishes each node's readers just before the node, which keeps what
    :func:`~mldebt_lessons.audit.ranking.downstream_counts` holds small when it walks node by node.

    >>> s = System("x")
    >>> for n in "abcd": add_node(s, n, "feature", {})
    >>> for u, v in ["ab", "ac", "bd", "cd"]: add_edge(s, u, v)
    >>> topological_numbers(s.numbered)
    [0, 2, 1, 3]
    >>> add_edge(s, "d", "a"); topological_numbers(s.numbered) is None
    True
    """
    n = len(g.ids)
    readers, start = g.readers.tolist(), g.reader_start.tolist()
    reads_nothing = (g.read_start[1:] == g.read_start[:-1]).tolist()
    state = bytearray(n)  # 0: not met yet, 1: on the walk's current path (met again: a cycle), 2: done
    finished: list[int] = []  # each node after all its readers
    for root in range(n):
        if not reads_nothing[root] or state[root]:
            continue
        state[root] = 1
        path = [(root, iter(readers[start[root]:start[root + 1]]))]
        while path:
            node, after = path[-1]
            for v in after:
                met = state[v]
                if met == 1:
                    return None
                if not met:
                    state[v] = 1
                    path.append((v, iter(readers[start[v]:start[v + 1]])))
                    break
            else:  # every reader finished
                path.pop()
                state[node] = 2
                finished.append(node)
    if len(finished) != n:
        return None  # a cycle that no node outside it leads to
    finished.reverse()
    return finished


def add_node(system: System, node_id: str, kind: str, facts: dict, origin: str = "") -> None:
    """Add a node, or merge new facts into one already there (what is known already wins)."""
    old = system.nodes.get(node_id)
    if old is None:
        system.nodes[node_id] = {**facts, "kind": kind}
        if origin:
            system.origins[node_id] = origin
        return
    if old["kind"] in OTHER_KINDS and kind not in OTHER_KINDS:
        old["kind"] = kind
    for key, value in facts.items():
        if key not in old or old[key] in (None, "", [], {}):
            old[key] = value
        elif isinstance(old[key], list) and isinstance(value, list):
            old[key] = old[key] + [v for v in value if v not in old[key]]


def add_edge(system: System, upstream: str, downstream: str, declared: bool = False, observed: bool = False,
             seen_in: str = "") -> None:
    """Record that ``downstream`` reads ``upstream``: declared, observed, or both."""
    key = (upstream, downstream)
    edge = system.edges.get(key)
    if edge is None:
        system.edges[key] = {"declared": declared, "observed": observed, "seen_in": [seen_in] if seen_in else []}
        return
    # Merged into a new dict, never changed in place: edges may share one (all the reads of a manifest do).
    new_place = [seen_in] if seen_in and seen_in not in edge["seen_in"] else []
    system.edges[key] = {"declared": edge["declared"] or declared, "observed": edge["observed"] or observed,
                         "seen_in": edge["seen_in"] + new_place}


def qualified_name(namespace: str, name: str) -> str:
    """A lineage dataset's or job's full name: its namespace and name as one URI-like text.

    >>> qualified_name("s3://blob-sink", "x"), qualified_name("", "public.orders")
    ('s3://blob-sink/x', 'public.orders')
    """
    return f"{namespace.rstrip('/')}/{name.lstrip('/')}" if namespace else name


def resolve(system: System, name: str, namespace: str | None = None, avoid=(), full_only: bool = False) -> str | None:
    """The id a name refers to: an id, an alias, or a path or table name ending in an id.

    For lineage, ``namespace`` is given (``""`` when the event has none) and identity is
    (namespace, name): the full name ``namespace/name`` is tried first, as an id or alias; with
    ``full_only`` nothing else is. Then the name and its short names, except those in ``avoid``
    (short names other namespaces share). A node made from lineage (it has a ``namespace``
    fact) matches the same name in the same namespace; a job's node also matches a short name
    (``actions.ads_ranker`` is what the job ``ads_ranker`` writes), a dataset's never does.

    >>> s = System("x"); add_node(s, "orders", "source", {}); s.aliases["pg://prod/db.public.accounts"] = "orders"
    >>> resolve(s, "db.public.orders"), resolve(s, "db.public.orders", "pg://stage", full_only=True)
    ('orders', None)
    >>> resolve(s, "db.public.accounts", "pg://prod"), resolve(s, "x/orders.csv", "s3://b", avoid={"orders"})
    ('orders', None)
    """
    nodes, aliases = system.nodes, system.aliases
    if namespace:
        full = qualified_name(namespace, name)
        if full in nodes:
            return full
        if full in aliases:
            return aliases[full]
    if full_only:
        return None
    for i, candidate in enumerate([name] + _short_names(name)):
        if candidate in avoid:
            continue
        if candidate in nodes:
            seen_in_namespace = nodes[candidate].get("namespace")
            if namespace is None or seen_in_namespace is None or (i == 0 and seen_in_namespace == namespace) \
                    or (i > 0 and nodes[candidate]["kind"] != "dataset"):
                return candidate
            continue  # another lineage dataset or job: another namespace, or only the same short name
        if candidate in aliases:
            return aliases[candidate]
    return None


# Endings of data files, dropped to find a file's short name (orders.csv.gz -> orders).
FILE_SUFFIXES = frozenset("parquet csv tsv json jsonl ndjson avro orc txt gz bz2 zst zip snappy feather arrow "
                          "pkl pickle npy npz h5 hdf5 xlsx xls delta".split())


def _short_names(name: str) -> list[str]:
    """Shorter names a path or table name may be known by, longest first.

    >>> _short_names("s3://bucket/raw/orders.parquet"), _short_names("db.public.orders")
    (['orders.parquet', 'orders'], ['public.orders', 'orders'])
    >>> _short_names("exports/orders.csv.gz"), _short_names("orders")
    (['orders.csv.gz', 'orders'], [])
    """
    out = []
    tail = name.rstrip("/").rsplit("/", 1)[-1]
    if tail and tail != name:
        out.append(tail)
    parts = tail.split(".")
    stem = list(parts)
    while len(stem) > 1 and stem[-1].lower() in FILE_SUFFIXES:
        stem.pop()
    if len(stem) < len(parts):  # a file: its name without the endings
        out.append(".".join(stem))
    else:  # a table: db.schema.table -> schema.table, table
        out.extend(".".join(parts[i:]) for i in range(1, len(parts)))
    return [c for c in dict.fromkeys(out) if c and c != name]


def to_graph(system: System) -> "nx.DiGraph":
    """The system as a typed networkx graph, like :func:`mldebt_lessons.shop.graph.shop_graph` builds.

    Nodes carry kind, owner and description; edges carry kind (extracts, input, output,
    model_input, or depends_on), declared and observed.
    """
    import networkx as nx

    from mldebt_lessons.shop.graph import EDGE_KINDS
    g = nx.DiGraph()
    g.add_nodes_from((n, {"kind": f["kind"], "owner": f.get("owner") or "", "description": f.get("description", "")})
                     for n, f in system.nodes.items())
    kinds = {n: f["kind"] for n, f in system.nodes.items()}
    g.add_edges_from((u, v, {"kind": EDGE_KINDS.get((kinds[u], kinds[v]), "depends_on"),
                             "declared": e["declared"], "observed": e["observed"]})
                     for (u, v), e in system.edges.items())
    return g


def counts(system: System) -> dict[str, int]:
    """How many nodes of each kind, and edges.

    >>> s = System("x"); add_node(s, "a", "source", {}); counts(s)["source"]
    1
    """
    out = {k: 0 for k in KINDS + OTHER_KINDS}
    for facts in system.nodes.values():
        out[facts["kind"]] = out.get(facts["kind"], 0) + 1
    out["edges"] = len(system.edges)
    out["observed_edges"] = sum(1 for e in system.edges.values() if e["observed"])
    out["declared_edges"] = sum(1 for e in system.edges.values() if e["declared"])
    return out


def describe_counts(system: System) -> str:
    """The system's size in one line.

    >>> s = System("x"); add_node(s, "a", "source", {}); add_node(s, "b", "model", {})
    >>> describe_counts(s)
    '1 source, 1 model; 0 edges'
    """
    c = counts(system)
    parts = [f"{c[k]:,} {k if c[k] == 1 else k + 's'}" for k in KINDS + OTHER_KINDS if c[k]]
    if not parts:
        return "no nodes described (code only)"
    edges = f"{c['edges']:,} edge{'s' if c['edges'] != 1 else ''}"
    if c["observed_edges"]:
        edges += f" ({c['declared_edges']:,} declared, {c['observed_edges']:,} observed)"
    return ", ".join(parts) + "; " + edges


def nodes_on_cycles(n_nodes: int, ups, downs) -> set[int]:
    """The nodes that lie on a cycle of the edges ``ups[j] -> downs[j]`` between node numbers: strongly
    connected parts of more than one node, and self-loops.

    SciPy finds the strongly connected parts in C: a million nodes take well under a second.

    >>> sorted(nodes_on_cycles(4, [0, 1, 2, 3], [1, 2, 1, 3]))
    [1, 2, 3]
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if len(ups) == 0:
        return set()
    u, v = np.asarray(ups, dtype=np.int64), np.asarray(downs, dtype=np.int64)
    graph = csr_matrix((np.ones(u.size, dtype=np.int32), (u, v)), shape=(n_nodes, n_nodes))
    _, part = connected_components(graph, directed=True, connection="strong")
    big = np.flatnonzero(np.bincount(part) > 1)
    on = set(np.flatnonzero(np.isin(part, big)).tolist()) if big.size else set()
    return on | set(u[u == v].tolist())
