"""One small function per anti-pattern, registered in :data:`DETECTORS`.

Each detector reads a :class:`~mldebt_lessons.audit.system.System` (through a :class:`Context`
that computes shared facts once) and returns :class:`Finding` objects: the pattern, the nodes
involved, and the evidence in words, with numbers. Ranking comes later (:mod:`.ranking`).

Example
-------
>>> from mldebt_lessons.audit.manifest import manifest_from_text
>>> system = manifest_from_text('''
... system: shop
... sources: [{id: orders, owner: checkout, tests: [schema], monitoring: [freshness]}]
... features: [{id: basket, reads: [orders], unit: GBP, tests: [range], pinned: true}]
... models:
...   - {id: churn, owner: retention, reads: [basket], monitoring: [prediction_bias],
...      threshold: {value: 0.5, set_by: hand, scale: probability}}
... ''', "shop.yaml")
>>> [(f.pattern, f.nodes) for f in detect(system)]
[('fixed_threshold', ('churn',))]
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .patterns import PATTERNS
from .system import ALL_KINDS, System, fact_column, is_exactly, nodes_on_cycles, ranges, truthy

EPSILON = 0.05  # an input below this share of a model's reliance adds little value
# Glue code grows in severity with its lines and with how small the ML share is (no all-or-nothing gate):
GLUE_LINE_STEPS = (10, 50, 200, 1000, 5000)  # one step up at each of these numbers of glue lines
GLUE_SHARE_STEPS = (0.5, 0.2, 0.10, 0.05)  # one step up below each of these ML shares of the lines
JUNGLE_DEPTH = 4  # preparation steps between raw data and a model
MANY_LANGUAGES = 3


@dataclass(slots=True, init=False)
class Finding:
    """One instance of an anti-pattern. Ranking fills in reach, exposure, score, level and rank.

    The evidence is given as text, or as ``(words, system)``: ``words(finding, system)`` writes it when
    it is asked for, from the system as it is then. Detectors that find hundreds of thousands of
    instances use the second form (one tuple shared by all their findings), as most findings are never
    shown.

    >>> f = Finding("monitoring_gap", ["m"], (lambda f, system: f"'{f.nodes[0]}' in {system}", "shop"))
    >>> f.evidence, f.severity
    ("'m' in shop", 4)
    """

    pattern: str
    nodes: tuple[str, ...]
    _evidence: object = field(repr=False)  # the evidence, or (words, system) that writes it
    severity: int = 0  # 0: the pattern's default
    reach: int = 0
    exposure: float = 1.0
    score: float = 0.0
    level: str = ""
    rank: int = 0
    counts: tuple = ()  # (nodes counted, owned, monitored), set by ranking for why_score
    # True when every node after the first lies downstream of the first (its readers, the models it
    # feeds), none twice: the finding's reach is then the first node's, which ranking knows without a walk.
    downstream_of_first: bool = False
    batch: object = field(default=None, repr=False)  # the Batch it was made in, if any

    def __init__(self, pattern: str, nodes, evidence, severity: int = 0, *, downstream_of_first: bool = False,
                 batch=None):
        self.pattern, self.nodes, self._evidence = pattern, tuple(nodes), evidence
        self.severity = severity or PATTERNS[pattern].severity
        self.reach, self.exposure, self.score, self.level, self.rank, self.counts = 0, 1.0, 0.0, "", 0, ()
        self.downstream_of_first, self.batch = downstream_of_first, batch

    @property
    def evidence(self) -> str:
        """The evidence in words, with numbers."""
        evidence = self._evidence
        if type(evidence) is str:
            return evidence
        words, system = evidence
        return words(self, system)

    @property
    def why_score(self) -> str:
        """The arithmetic of the score, in words (built when asked: most findings are never shown)."""
        from .ranking import why_score
        return why_score(self)

    def as_dict(self) -> dict:
        p = PATTERNS[self.pattern]
        return {"rank": self.rank, "pattern": self.pattern, "title": p.title, "section": p.section,
                "nodes": list(self.nodes), "evidence": self.evidence, "fix": p.fix, "severity": self.severity,
                "reach": self.reach, "exposure": self.exposure, "score": self.score, "level": self.level,
                "why_score": self.why_score}


@dataclass
class Context:
    """The system and facts several detectors share, each computed once."""

    system: System
    cache: dict = field(default_factory=dict)

    def __post_init__(self):
        self._of_kind: dict[str, list[str]] = {}

    # Each fact below is worked out when a detector first asks for it: on a million nodes, each dict by
    # name costs a second or so, and the common detectors work on node numbers instead.

    @functools.cached_property
    def succ(self) -> dict[str, list[str]]:
        return self.system.succ

    @functools.cached_property
    def pred(self) -> dict[str, list[str]]:
        return self.system.pred

    @functools.cached_property
    def kinds(self) -> dict[str, str]:
        return {n: f["kind"] for n, f in self.system.nodes.items()}

    @functools.cached_property
    def owners(self) -> dict[str, str]:
        return {n: self.owner(n) for n in self.system.nodes}

    def of_kind(self, kind: str) -> list[str]:
        if kind not in self._of_kind:
            self._of_kind[kind] = [n for n, facts in self.system.nodes.items() if facts["kind"] == kind]
        return self._of_kind[kind]

    def kind(self, n: str) -> str:
        return self.system.nodes[n]["kind"]

    def readers(self, n: str) -> list[str]:
        """What reads ``n``, in the order of ``system.succ``."""
        g = self.system.numbered
        return g.names(g.readers_of(g.number[n]))

    @functools.cached_property
    def _kind_numbers(self) -> np.ndarray:
        """Each node's kind, by node number (as in ``system.numbered``): its place in ALL_KINDS, or -1."""
        number = {k: i for i, k in enumerate(ALL_KINDS)}
        kinds = list(map(operator.itemgetter("kind"), self.system.nodes.values()))
        return np.fromiter(map(number.get, kinds, itertools.repeat(-1)), dtype=np.int8, count=len(kinds))

    @functools.cached_property
    def owner_numbers(self) -> np.ndarray:
        """Each node's owner, by node number, as a number: 0 for none, the same number for the same owner."""
        owners = [owner or "" for owner in self.column("owner")]
        number = {owner: k for k, owner in enumerate(dict.fromkeys(owners), 1)}
        number[""] = 0  # no owner
        return np.fromiter(map(number.__getitem__, owners), dtype=np.int32, count=len(owners))

    @functools.cached_property
    def facts_by_number(self) -> list[dict]:
        """Each node's facts, by node number."""
        return list(self.system.nodes.values())

    def numbers_with(self, *facts: str) -> list[int]:
        """The numbers of the nodes that state any of these facts (other than None), in order."""
        stated = np.zeros(len(self.system.nodes), dtype=bool)
        for fact in facts:
            stated |= ~is_exactly(self.column(fact), None)
        return np.flatnonzero(stated).tolist()

    def column(self, fact: str) -> list:
        """Each node's value of one fact (None where it has none), by node number. (Not kept: on a
        million nodes each column is 8 MB, and most are read once.)"""
        return fact_column(self.system, fact)

    def is_kind(self, *kinds: str) -> np.ndarray:
        """A mask over the node numbers: the nodes of these kinds (computed once for each set of kinds)."""
        mask = self.cache.get(("is_kind", kinds))
        if mask is None:
            mask = self.cache["is_kind", kinds] = np.isin(self._kind_numbers, [ALL_KINDS.index(k) for k in kinds])
        return mask

    def facts(self, n: str) -> dict:
        return self.system.nodes[n]

    def owner(self, n: str) -> str:
        return self.system.nodes[n].get("owner") or ""

    def models(self) -> list[str]:
        return self.of_kind("model")

    @functools.cached_property
    def model_facts(self) -> list[tuple[str, dict]]:
        """(id, facts) of each model, in order."""
        return [(n, facts) for n, facts in self.system.nodes.items() if facts["kind"] == "model"]

    @functools.cached_property
    def model_numbers(self) -> list[int]:
        """The number of each model, in the order of :attr:`model_facts`."""
        return np.flatnonzero(self.is_kind("model")).tolist()

    def model_readers(self, n: str) -> list[str]:
        """Everything that reads a model's output, directly or through a dataset it writes."""
        g = self.system.numbered
        return self.model_readers_at(g.number[n])

    def model_readers_at(self, i: int) -> list[str]:
        """:meth:`model_readers` of the model numbered ``i``."""
        g = self.system.numbered
        readers = g.readers_of(i)
        dataset = self.is_kind("dataset")[readers]
        if not dataset.any():
            return g.names(readers)  # the common case: each reader is listed once already
        out = []
        for v, is_dataset in zip(readers.tolist(), dataset.tolist()):
            if is_dataset:
                out.extend(w for w in g.readers_of(v).tolist() if w != i)
            else:
                out.append(v)
        return g.names(dict.fromkeys(out))

    @functools.cached_property
    def loops(self) -> list[list[str]]:
        """Strongly connected parts of the graph of reads, influences and labels (feedback loops).

        When the reads alone have no cycle, every loop passes through an influence or label edge,
        so only nodes downstream of one and upstream of one are searched.
        """
        extra, after = self.loop_edges, self.loop_readers
        if not self.system.flows_one_way:
            g = {n: after(n) for n in self.succ}
        else:
            if not extra or not self._loop_graph_has_cycle():
                return []
            ahead = _reachable([v for _, v in extra], after)
            back = _reverse(after, ahead)
            keep = ahead & _reachable([u for u, _ in extra], lambda n: back.get(n, ()))
            g = {n: [v for v in after(n) if v in keep] for n in self.succ if n in keep}  # in a stable order
        return [c for c in strongly_connected(g) if len(c) > 1 or c[0] in g[c[0]]]

    def _loop_graph_has_cycle(self) -> bool:
        """Whether the reads, influences and labels go round anywhere (found in C, on node numbers)."""
        g = self.system.numbered
        number = g.numbers_of({n for edge in self.loop_edges for n in edge})
        extra = [(number[u], number[v]) for u, v in self.loop_edges if u in number and v in number]
        ups = np.concatenate([g.src, np.array([u for u, _ in extra], dtype=np.int64)])
        downs = np.concatenate([g.dst, np.array([v for _, v in extra], dtype=np.int64)])
        return bool(nodes_on_cycles(len(g.ids), ups, downs))

    @functools.cached_property
    def order(self) -> list[str] | None:
        """The nodes in data-flow order, or None if the reads have a cycle."""
        return self.system.order

    @functools.cached_property
    def unpinned_features(self) -> set[str]:
        """The features that pass an upstream change on to what reads them (not pinned to a version)."""
        return {n for n, facts in self.system.nodes.items()
                if facts["kind"] == "feature" and facts.get("pinned") is not True}

    @functools.cached_property
    def loop_edges(self) -> list[tuple[str, str]]:
        """The influence and label edges: how decisions come back as data."""
        out = []
        influences, labels_from, ids = self.column("influences"), self.column("labels_from"), self.system.numbered.ids
        for i in self.numbers_with("influences", "labels_from"):
            n = ids[i]
            out += [(n, t) for t in influences[i] or ()]
            out += [(o, n) for o in labels_from[i] or ()]
        return out

    @functools.cached_property
    def _readers_with_loop_edges(self) -> dict[str, list[str]]:
        """Each node with an influence or label edge out of it: its readers, and what it changes or labels.
        (Only those nodes: a copy of every node's readers cost about 40 MB on a million nodes.)"""
        more: dict[str, list[str]] = {}
        for u, v in self.loop_edges:
            more[u] = more.get(u, self.succ[u]) + [v]
        return more

    def loop_readers(self, n: str) -> list[str]:
        """What ``n`` feeds, changes or labels: its neighbours in the graph where loops are looked for."""
        return self._readers_with_loop_edges.get(n) or self.succ.get(n, ())

    def edge_word(self, u: str, v: str) -> str:
        if v in self.system.nodes[u].get("influences", ()):
            return "changes"
        if u in self.system.nodes[v].get("labels_from", ()):
            return "labels"
        return "feeds"


def _names(nodes, limit: int = 6) -> str:
    nodes = list(nodes)
    shown = ", ".join(nodes[:limit])
    return shown + (f" and {len(nodes) - limit:,} more" if len(nodes) > limit else "")


def _places(items: list[dict], extra: str = "", limit: int = 3) -> str:
    """Where in the code: the first ``limit`` items as "file line N", then "..." if there are more.

    ``extra`` names one more key of each item to show in brackets.
    """
    shown = ", ".join(f"{i['file']} line {i['line']}" + (f" ({i[extra]})" if extra else "") for i in items[:limit])
    return shown + (" ..." if len(items) > limit else "")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def _teams(ctx: Context, nodes) -> list[str]:
    return sorted({ctx.owner(n) for n in nodes} - {""})


# --- §2 ------------------------------------------------------------------------------------------

def entanglement(ctx: Context) -> list[Finding]:
    """An input read by two or more models: change it and every one of them changes (CACE)."""
    g, nodes = ctx.system.numbered, ctx.system.nodes
    embedding = truthy(list(map(operator.eq, ctx.column("type"), itertools.repeat("embedding"))))
    model, consumer = ctx.is_kind("model"), ctx.is_kind("consumer")
    # Readers of an input: the models; of an embedding, everything but consumers.
    read, reader = g.read_node, g.readers
    counted = (embedding | ~(model | consumer))[read] & np.where(embedding[read], ~consumer[reader], model[reader])
    many = np.bincount(read[counted], minlength=len(nodes)) >= 2
    counted &= many[read]
    out = _findings_by_first(ctx, "entanglement", read[counted], reader[counted], (_read_by_many, ctx.system))
    for n, facts in nodes.items():
        embedder = facts.get("embedded_with")
        if embedder and "embedding_version" in facts and "version" in ctx.facts(embedder) \
                and str(facts["embedding_version"]) != str(ctx.facts(embedder)["version"]):
            out.append(Finding("entanglement", [n, embedder],
                               f"the vectors in '{n}' were made by '{embedder}' version {facts['embedding_version']}, "
                               f"which is now version {ctx.facts(embedder)['version']}: every stored vector is "
                               "stale, and queries and documents no longer live in one space (CACE for retrieval).",
                               severity=4))
    return out


def _findings_by_first(ctx: Context, pattern: str, firsts: np.ndarray, others: np.ndarray, evidence,
                       severity: np.ndarray | None = None) -> list[Finding]:
    """One finding per distinct first node: ``firsts`` (ascending node numbers, each repeated once for each
    of its others) and ``others`` (the node numbers after it, in order), read downstream of it.
    ``severity`` gives one for each node number, when not the pattern's default.

    >>> from mldebt_lessons.audit.system import add_edge, add_node
    >>> s = System("x")
    >>> for n in "abc": add_node(s, n, "feature", {})
    >>> fs = _findings_by_first(Context(s), "entanglement", np.array([0, 0, 1]), np.array([2, 1, 2]), "e")
    >>> [f.nodes for f in fs]
    [('a', 'c', 'b'), ('b', 'c')]
    """
    g = ctx.system.numbered
    ids = g.ids
    level = [0] * len(ids) if severity is None else severity.tolist()
    starts = np.flatnonzero(np.diff(firsts, prepend=-1))
    batch = Batch(firsts[starts].astype(np.int32), np.diff(np.append(starts, len(firsts))).astype(np.int32),
                  others.astype(np.int32, copy=False), [])
    batch.findings.extend(Finding(pattern, (ids[first], *names), evidence, level[first], downstream_of_first=True,
                                  batch=batch) for first, names in _groups(g.id_array, firsts, others))
    return batch.findings


@dataclass(eq=False)
class Batch:
    """Findings one detector made together, with their node numbers in arrays, for ranking to count them
    together. Finding k's nodes are ``firsts[k]``, then the next ``sizes[k]`` of ``others``: all of them
    downstream of the first, none twice."""

    firsts: np.ndarray  # int32, one for each finding
    sizes: np.ndarray
    others: np.ndarray
    findings: list


def _in_node_order(*found: list) -> list:
    """Lists of findings, each one batch in the order of its first nodes, merged in that order.

    >>> from mldebt_lessons.audit.system import add_node
    >>> s = System("x")
    >>> for n in "abc": add_node(s, n, "feature", {})
    >>> ctx = Context(s)
    >>> odd = _findings_by_first(ctx, "entanglement", np.array([0, 2]), np.array([1, 1]), "e")
    >>> even = _findings_by_first(ctx, "entanglement", np.array([1]), np.array([2]), "e")
    >>> [f.nodes for f in _in_node_order(odd, even)]
    [('a', 'b'), ('b', 'c'), ('c', 'b')]
    """
    found = [batch for batch in found if batch]
    if len(found) < 2:
        return found[0] if found else []
    firsts = np.concatenate([batch[0].batch.firsts for batch in found])
    every = [f for batch in found for f in batch]
    return list(map(every.__getitem__, np.argsort(firsts, kind="stable").tolist()))


def _batch_of_one_node(findings: list, numbers: list[int]) -> list:
    """Findings of one node each, numbered ``numbers``, made a batch (and returned)."""
    none = np.zeros(len(findings), dtype=np.int32)
    batch = Batch(np.array(numbers, dtype=np.int32), none, none[:0], findings)
    for f in findings:
        f.batch = batch
    return findings


def _groups(ids: np.ndarray, firsts: np.ndarray, others: np.ndarray, block: int = 1 << 18):
    """(first node number, the names of its others) for each run of equal ``firsts``, in order; the names
    made about ``block`` at a time, so that millions of others never become one list of numbers.

    >>> list(_groups(np.array(["a", "b", "c"], dtype=object), np.array([0, 0, 1]), np.array([2, 1, 2]), block=1))
    [(0, ['c', 'b']), (1, ['c'])]
    """
    starts = np.flatnonzero(np.diff(firsts, prepend=-1))
    ends = np.append(starts[1:], len(firsts))
    blocks, at = [], 0
    while at < len(starts):
        stop = max(at + 1, int(np.searchsorted(ends, starts[at] + block, side="right")))  # runs ending in the block
        blocks.append((at, stop))
        at = stop

    def names_of_block(at: int, stop: int):
        these_starts, these_ends = starts[at:stop], ends[at:stop]
        offset = int(these_starts[0])
        names = ids[others[offset:int(these_ends[-1])]].tolist()
        return zip(firsts[these_starts].tolist(), map(names.__getitem__, map(
            slice, (these_starts - offset).tolist(), (these_ends - offset).tolist())))
    return itertools.chain.from_iterable(itertools.starmap(names_of_block, blocks))  # a block made when reached


def _read_by_many(f: Finding, system: System) -> str:
    """The evidence of an input read by many models (its first node), in words."""
    n, readers = f.nodes[0], f.nodes[1:]
    teams = sorted({system.nodes[r].get("owner") or "" for r in readers} - {""})
    return (f"{system.nodes[n]['kind']} '{n}' is read by {_plural(len(readers), 'model')} ({_names(readers)})"
            f"{' owned by ' + _plural(len(teams), 'team') if teams else ''}: a change to how it is made changes "
            "all of them at once, and their use of every other input.")


def correction_cascade(ctx: Context) -> list[Finding]:
    """A model trained on another model's output: a correction stacked on a model."""
    out = []
    g, facts_of = ctx.system.numbered, ctx.facts_by_number
    model, dataset = ctx.is_kind("model"), ctx.is_kind("dataset")
    # Only a model reading a model, or a dataset (which a model may write), can be one.
    reads_either = np.zeros(len(facts_of), dtype=bool)
    reads_either[g.dst[(model | dataset)[g.src] & model[g.dst]]] = True
    for i in np.flatnonzero(reads_either).tolist():
        reads = g.reads_of(i)
        upstream = reads[model[reads]].tolist()
        for u in reads[dataset[reads]].tolist():
            writers = g.reads_of(u)
            upstream += [w for w in writers[model[writers]].tolist() if w != i]
        m, facts = g.ids[i], facts_of[i]
        for u in g.names(dict.fromkeys(upstream)):
            share = (facts.get("input_importance") or {}).get(u)
            weight = f"; {u}'s score carries {share:.1%} of {m}'s reliance on its inputs" if share is not None else ""
            if not _trained_here(facts):
                continue  # a judge, or a hosted model nobody here trains, reads the output but learns nothing from it
            out.append(Finding("correction_cascade", [u, m],
                               f"model '{m}' ({ctx.owner(m) or 'no owner'}) is trained on the output of model "
                               f"'{u}' ({ctx.owner(u) or 'no owner'}){weight}. Any change to {u}, even an "
                               f"improvement, moves {m}'s input: {u} can no longer be improved on its own "
                               "(improvement deadlock).", downstream_of_first=True))
    return out


def _trained_here(facts: dict) -> bool:
    """Whether the system trains this model (so another model's output can become its learned correction).

    >>> _trained_here({"hosted": True}), _trained_here({"type": "judge"}), _trained_here({})
    (False, False, True)
    """
    return not (facts.get("hosted") or facts.get("type") == "judge" or facts.get("retraining") == "never")


def undeclared_consumer(ctx: Context) -> list[Finding]:
    """A reader of a model's output that the model's owner was never told about."""
    out = []
    nodes, all_edges = ctx.system.nodes, ctx.system.edges
    # When every read is declared and no node says it is not, only a model's own list of consumers can
    # leave a reader out: the models without one are passed over.
    every_read_declared = (all(map(operator.itemgetter("declared"), all_edges.values()))
                           and not is_exactly(ctx.column("declared"), False).any())
    for m in ctx.models():
        listed = nodes[m].get("consumers")
        if listed is None and every_read_declared:
            continue
        written = [d for d in ctx.readers(m) if ctx.kind(d) == "dataset"]
        for r in ctx.model_readers(m):
            edge = all_edges.get((m, r))
            via = [d for d in written if (d, r) in all_edges]
            edges = [edge] if edge else [all_edges[(d, r)] for d in via]
            declared = any(e["declared"] for e in edges) and nodes[r].get("declared") is not False
            missing_from_list = listed is not None and r not in listed and ctx.kind(r) == "consumer"
            if declared and not missing_from_list:
                continue
            seen = sorted({s for e in edges for s in e["seen_in"]})
            known = f"{m}'s owner lists {_names(listed) if listed else 'no consumers'}" if listed is not None \
                else "no manifest declares this read"
            loop = any(m in c and r in c for c in ctx.loops)
            out.append(Finding("undeclared_consumer", [m, r],
                               f"'{r}' ({ctx.owner(r) or 'no owner'}) reads the output of model '{m}' "
                               f"({ctx.owner(m) or 'no owner'}){' through ' + _names(via) if via else ''}"
                               f"{', seen in ' + _names(seen, 2) if seen else ''}, but {known}: a change to {m} "
                               f"will break it silently{' and it closes a feedback loop' if loop else ''}.",
                               severity=5 if loop else 0, downstream_of_first=not loop))
    return out


# --- §3 ------------------------------------------------------------------------------------------

def unstable_data_dependency(ctx: Context) -> list[Finding]:
    """An input that can change under its readers: another team's signal or a model's output, not pinned.

    A model's readers: every reader of a hosted model, or the models reading one trained here. Any other
    input's readers: the models it feeds directly or through unpinned features, owned by another known
    team (or by anyone, when the input has no owner and says it is not pinned).
    """
    g = ctx.system.numbered
    pinned = ctx.column("pinned")
    pinned_true, said_unpinned = is_exactly(pinned, True), is_exactly(pinned, False)
    hosted = truthy(ctx.column("hosted"))
    model, owner = ctx.is_kind("model"), ctx.owner_numbers
    candidate = ~ctx.is_kind("consumer") & ~pinned_true
    # A model's readers, straight from the graph.
    src = g.read_node
    kept = candidate[src] & model[src] & (hosted[src] | model[g.readers])
    words, severity = (_unstable_words, ctx.system), np.where(model, 4, 0)
    of_models = _findings_by_first(ctx, "unstable_data_dependency", src[kept], g.readers[kept], words, severity)
    # Any other input's readers: the models it feeds, of another known owner (anyone's, if it has none).
    inputs = np.flatnonzero(candidate & ~model & ((owner > 0) | said_unpinned))
    through = ctx.is_kind("feature") & ~pinned_true

    def another_owner(walk: np.ndarray, model: np.ndarray) -> np.ndarray:
        mine, theirs = owner[walk], owner[model]
        return (mine == 0) | ((theirs > 0) & (theirs != mine))
    fed_root, fed = _models_fed_all(ctx, inputs, through, another_owner)
    kept = another_owner(fed_root, fed)  # again, for walks taken on their own
    fed_root, fed = fed_root[kept], fed[kept]
    del kept
    of_inputs = _findings_by_first(ctx, "unstable_data_dependency", fed_root, fed, words, severity)
    return _in_node_order(of_models, of_inputs)  # models and other inputs are different nodes


def _unstable_words(f: Finding, system: System) -> str:
    """The evidence of an unstable input (the finding's first node) and its readers, in words."""
    u, readers = f.nodes[0], f.nodes[1:]
    facts = system.nodes[u]
    kind, owner = facts["kind"], facts.get("owner") or ""
    tail = ": an upstream change or 'fix' reaches them at once, with no version to hold on to."
    if kind == "model" and facts.get("hosted"):
        why = f"the hosted model '{u}' is not pinned to a version: its provider can change it under "
    elif kind == "model":
        why = f"model '{u}''s output, which changes whenever {u} is retrained, feeds "
        tail = ", and no version of it is pinned" + tail
    elif owner:
        why = f"{kind} '{u}' ({owner}) is another team's signal for "
        tail = ", and it is not versioned or pinned" + tail
    else:
        why = f"{kind} '{u}' has no owner and is not pinned, yet it feeds "
    return f"{why}{_plural(len(readers), 'reader')} ({_names(readers)}){tail}"


MAX_FEATURE_WALK = 10_000  # nodes visited per input when following features down to the models they feed


def _models_fed(ctx: Context, u: str) -> list[str]:
    """The models that read ``u`` directly or through unpinned features (a vendor feed -> a feature -> a model),
    in the order a walk breadth first meets them, for at most :data:`MAX_FEATURE_WALK` nodes met."""
    succ, kinds, through = ctx.succ, ctx.kinds, ctx.unpinned_features
    if through.isdisjoint(succ[u]):  # the common case: nothing to walk through (each reader is listed once)
        return [v for v in succ[u] if kinds[v] == "model"]
    models, seen, queue = [], {u}, [u]
    for w in queue:  # breadth first: the list grows while it is walked
        if len(seen) >= MAX_FEATURE_WALK:
            break
        for v in succ[w]:
            if v in seen:
                continue
            seen.add(v)
            if kinds[v] == "model":
                models.append(v)
            elif v in through:  # a pinned copy shields what reads it
                queue.append(v)
    return models


# The walks together may hold this many times the nodes and edges in one step; past it, they go one by one.
WALKS_HELD_PER_NODE_AND_EDGE = 8


def _models_fed_all(ctx: Context, inputs: np.ndarray, through: np.ndarray,
                    wanted=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_models_fed` of every node numbered in ``inputs`` (ascending), walked together a step at a
    time in whole arrays: (input, model) pairs, by input, each input's models in the order its own walk
    meets them. ``through`` masks the nodes the walks go on through (the unpinned features).

    An input whose walk meets :data:`MAX_FEATURE_WALK` nodes, and every input when the walks together
    hold more than a few times the graph's nodes and edges, is walked on its own, as
    :func:`_models_fed` walks. ``wanted(inputs, models)``, if given, masks the pairs to keep as they are
    met (the others are never held); pairs from walks taken on their own are not masked.
    """
    g, model = ctx.system.numbered, ctx.is_kind("model")
    n, start = len(g.ids), g.reader_start
    most = WALKS_HELD_PER_NODE_AND_EDGE * (n + len(g.src)) + 1_000
    seen = _SortedRuns(inputs * n + inputs)  # (walk, node) pairs met, as walk x n + node
    met = np.ones(len(inputs), dtype=np.int64)  # nodes met by each walk, by its place in inputs
    place = np.full(n, -1, dtype=np.int64)
    place[inputs] = np.arange(len(inputs))
    # Only a node with two or more inputs, or an input itself, can be met twice by one walk: only those
    # are looked up in, and added to, what the walks have met.
    twice = np.diff(g.read_start) >= 2
    twice[inputs] = True
    walk, at = inputs, inputs  # each walk's nodes still to go on from, in the order met
    found_walk, found = [], []
    while len(at):
        wide = start[at + 1] - start[at]
        if wide.sum() > most:
            return _models_fed_one_by_one(ctx, inputs)
        walk = np.repeat(walk, wide)
        v = g.readers[ranges(start[at], start[at + 1])]
        may_repeat = np.flatnonzero(twice[v])
        if len(may_repeat):
            key = walk[may_repeat] * n + v[may_repeat]
            new = np.zeros(len(key), dtype=bool)
            new[_first_of_each(key)] = True  # the first time each walk meets a node in this step
            new &= ~seen.holds(key)  # and not in a step before
            seen.add(key[new])
            kept = np.ones(len(v), dtype=bool)
            kept[may_repeat] = new
            walk, v = walk[kept], v[kept]
        np.add.at(met, place[walk], 1)
        is_model = model[v]
        kept = is_model if wanted is None else is_model & wanted(walk, v)
        found_walk.append(walk[kept].astype(v.dtype))  # node numbers in the graph's own width
        found.append(v[kept])
        on = ~is_model & through[v]
        walk, at = walk[on], v[on]
        too_far = met[place[walk]] >= MAX_FEATURE_WALK
        if too_far.any():
            walk, at = walk[~too_far], at[~too_far]
    long_walks = inputs[met >= MAX_FEATURE_WALK]
    if len(long_walks):  # walked again on their own: what the steps found for them is dropped
        short = [~np.isin(step, long_walks) for step in found_walk]
        found_walk = [step[keep] for step, keep in zip(found_walk, short)]
        found = [step[keep] for step, keep in zip(found, short)]
        one_by_one = _models_fed_one_by_one(ctx, long_walks)
        found_walk.append(one_by_one[0].astype(g.readers.dtype))
        found.append(one_by_one[1].astype(g.readers.dtype))
    return _by_walk(found_walk, found, len(g.ids), g.readers.dtype)


def _by_walk(walks: list[np.ndarray], found: list[np.ndarray], n_nodes: int, dtype=np.int32):
    """Pairs found step by step (each step's sorted by walk), as two arrays sorted by walk, each walk's pairs
    in the order of the steps: a stable sort, worked out from counts (no array of places to sort).

    >>> w, f = _by_walk([np.array([0, 2]), np.array([0, 0])], [np.array([5, 6]), np.array([7, 8])], 3)
    >>> w.tolist(), f.tolist()
    ([0, 0, 0, 2], [5, 7, 8, 6])
    """
    counts = [np.bincount(step, minlength=n_nodes) for step in walks]
    total = np.sum(counts, axis=0) if counts else np.zeros(n_nodes, dtype=np.int64)
    place = np.concatenate(([0], np.cumsum(total)[:-1]))  # where each walk's pairs begin
    out_walk, out_found = np.empty(int(total.sum()), dtype=dtype), np.empty(int(total.sum()), dtype=dtype)
    for step, found_here, count in zip(walks, found, counts):
        if not len(step):
            continue
        runs = np.flatnonzero(np.diff(step, prepend=-1))  # each walk's first pair in this step
        within = np.arange(len(step)) - np.repeat(runs, np.diff(np.append(runs, len(step))))
        at = place[step] + within
        out_walk[at], out_found[at] = step, found_here
        place += count
    return out_walk, out_found


class _SortedRuns:
    """A set of integers held as a few sorted arrays, each at least twice as long as the next: a new
    array merges into the one before it once it is half as long, so each number is merged a few times
    in all (not once for each array added, as keeping one sorted array would).

    >>> runs = _SortedRuns(np.array([5, 1])); runs.add(np.array([9, 3])); runs.holds(np.array([3, 4, 5])).tolist()
    [True, False, True]
    """

    def __init__(self, values: np.ndarray):
        self.runs = [np.sort(values)]

    def holds(self, values: np.ndarray) -> np.ndarray:
        held = np.zeros(len(values), dtype=bool)
        for run in self.runs:
            held |= _in_sorted(values, run)
        return held

    def add(self, values: np.ndarray) -> None:
        """Add numbers held nowhere yet."""
        self.runs.append(np.sort(values))
        while len(self.runs) > 1 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            last = self.runs.pop()
            self.runs[-1] = np.sort(np.concatenate([self.runs[-1], last]), kind="stable")


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """The places where each distinct value first occurs, in order.

    >>> _first_of_each(np.array([5, 3, 5, 1, 3])).tolist()
    [0, 1, 3]
    """
    by_value = np.argsort(values, kind="stable")
    ordered = values[by_value]
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1)) if len(values) else by_value
    return np.sort(by_value[starts])


def _in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """A mask of the values found in ``sorted_values`` (sorted ascending)."""
    where = np.searchsorted(sorted_values, values)
    return sorted_values[np.minimum(where, len(sorted_values) - 1)] == values if len(sorted_values) else \
        np.zeros(len(values), dtype=bool)


def _models_fed_one_by_one(ctx: Context, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_models_fed_all`, one input at a time."""
    g = ctx.system.numbered
    number = {n: i for i, n in enumerate(g.ids)}
    walks, models = [], []
    for u in inputs.tolist():
        fed = _models_fed(ctx, g.ids[u])
        walks += [u] * len(fed)
        models += map(number.__getitem__, fed)
    return np.array(walks, dtype=np.int64), np.array(models, dtype=np.int64)


def underutilized_data_dependency(ctx: Context) -> list[Finding]:
    """Inputs that add little value but add fragility: legacy, epsilon, correlated, unread."""
    reasons: dict[str, list[str]] = {}
    for m, facts in ctx.model_facts:
        for x, share in (facts.get("input_importance") or {}).items():
            if x in ctx.system.nodes and share < EPSILON:
                reasons.setdefault(x, []).append(f"it carries only {share:.1%} of {m}'s reliance on its inputs")
    g, facts_of = ctx.system.numbered, ctx.facts_by_number
    read_by_nothing = np.diff(g.reader_start) == 0
    said = np.zeros(len(g.ids), dtype=bool)
    said[ctx.numbers_with("legacy", "importance", "correlated_with")] = True
    for i in np.flatnonzero(ctx.is_kind("feature") & (read_by_nothing | said)).tolist():
        n, facts, unread = g.ids[i], facts_of[i], read_by_nothing[i]
        if facts.get("legacy"):
            reasons.setdefault(n, []).append("it is marked legacy")
        if "importance" in facts and facts["importance"] < EPSILON:
            reasons.setdefault(n, []).append(f"its importance is {facts['importance']:.1%}")
        for other in facts.get("correlated_with", ()):
            if n < other or n not in ctx.facts(other).get("correlated_with", ()):
                reasons.setdefault(n, []).append(f"it is correlated with '{other}'")
        if unread and facts.get("readers_known") is not False:  # dbt cannot see who reads a table
            reasons.setdefault(n, []).append("nothing reads it, yet it is still prepared")
    return [Finding("underutilized_data_dependency", [n], f"feature '{n}' adds little: {'; '.join(r)} "
                    f"(threshold {EPSILON:.0%}). Each such input is one more thing that can break.")
            for n, r in reasons.items()]


def static_analysis_gap(ctx: Context) -> list[Finding]:
    """Dependencies nobody declared, where no tool can list them."""
    out = []
    if ctx.system.practices.get("dependency_catalogue") is False:
        out.append(Finding("static_analysis_gap", [], "the manifest says no tool can list every data "
                           "dependency (practices.dependency_catalogue: false)."))
    by_reader: dict[str, list[str]] = {}
    observed = any(map(operator.itemgetter("observed"), ctx.system.edges.values()))
    for (u, v), e in ctx.system.edges.items() if observed else ():
        if e["observed"] and not e["declared"] and ctx.kind(u) != "model" and ctx.kind(v) != "dataset" \
                and ctx.facts(v).get("declared") is not False:
            by_reader.setdefault(v, []).append(u)
    for v, ups in by_reader.items():
        out.append(Finding("static_analysis_gap", [v] + ups,
                           f"'{v}' was seen reading {_names(ups)}, which no manifest declares: the "
                           "dependency exists only at run time."))
    code = ctx.system.code or {}
    if ctx.system.nodes and code:
        undeclared = [d for d in code.get("datasets", []) if d["op"] == "read" and d["node"] is None
                      and not d["intermediate"]]
        if undeclared:
            names = list(dict.fromkeys(d["name"] for d in undeclared))
            where = _places(undeclared)
            out.append(Finding("static_analysis_gap", [],
                               f"the code reads {_plural(len(names), 'dataset')} no manifest declares "
                               f"({_names(names, 4)}; at {where})."))
        declared = {d["name"] for d in code.get("datasets", []) if d["node"] is not None}
        hidden = [s for s in code.get("shared_artifacts", []) if s["name"] not in declared]
        if hidden:
            places = [f"{s['name']} ({s['writer']['file']} line {s['writer']['line']} -> {s['reader']['file']} "
                      f"line {s['reader']['line']})" for s in hidden]
            out.append(Finding("static_analysis_gap", [],
                               f"{_plural(len(hidden), 'file')} couple{'s' if len(hidden) == 1 else ''} modules of "
                               f"the code and no manifest declares {'it' if len(hidden) == 1 else 'them'}: "
                               f"{_names(places, 6)}. The dependency exists only in the code.",
                               severity=_count_severity(len(hidden))))
    return out


# --- §4 ------------------------------------------------------------------------------------------

def _cycle_path(ctx: Context, start: str, allowed: set[str]) -> list[str] | None:
    """A shortest cycle from ``start`` back to itself through ``allowed`` nodes, or None."""
    parent = {start: None}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for v in ctx.loop_readers(u):
            if v == start:
                path = [u]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start] if path[-1] == start else None
            if v in allowed and v not in parent:
                parent[v] = u
                queue.append(v)
    return None


def _path_text(ctx: Context, path: list[str]) -> str:
    out = path[0]
    for u, v in zip(path, path[1:]):
        out += f" -{ctx.edge_word(u, v)}-> {v}"
    return out


def direct_feedback_loop(ctx: Context) -> list[Finding]:
    """A model whose decisions shape its own future training data."""
    out = []
    budget = 2_000_000
    for component in ctx.loops:
        models = [n for n in component if ctx.kind(n) == "model"]
        members = set(component)
        if len(models) * len(component) > budget:
            continue
        for m in models:
            if ctx.facts(m).get("exploration"):
                continue
            path = _cycle_path(ctx, m, members - (set(models) - {m}))
            if path:
                trains = any(ctx.edge_word(u, v) == "labels" for u, v in zip(path, path[1:]))
                what = ("picks its own future training data" if trains else "shapes its own future inputs")
                learns = ("It learns from outcomes its own decisions caused" if trains
                          else "What it sees tomorrow depends on what it said today")
                out.append(Finding("direct_feedback_loop", path[:-1],
                                   f"model '{m}' {what}: {_path_text(ctx, path)}. {learns}, and nothing is "
                                   "randomised.", severity=4 if trains else 3))
    return out


def hidden_feedback_loop(ctx: Context) -> list[Finding]:
    """Two or more models influencing each other through the world."""
    out = []
    for component in ctx.loops:
        models = [n for n in component if ctx.kind(n) == "model"]
        if len(models) < 2:
            continue
        # Exploration keeps a model from narrowing its own data; it does not stop one model moving another's.
        exploring = all(ctx.facts(m).get("exploration") for m in models)
        movers = [n for n in component if ctx.kind(n) == "consumer"]
        teams = _teams(ctx, models)
        a, b = models[0], models[1]
        example = _between(ctx, a, b, set(component))
        back = _between(ctx, b, a, set(component))
        out.append(Finding("hidden_feedback_loop", models + movers,
                           f"{_plural(len(models), 'model')} ({_names(models)}, {_plural(len(teams), 'team')}) "
                           f"influence each other through the world, via {_names(movers)}: e.g. "
                           f"{_path_text(ctx, example)}, and back: {_path_text(ctx, back)}. No one team sees "
                           "the loop whole"
                           f"{'; each model explores, which limits its own narrowing but not the loop' if exploring else ''}.",
                           severity=4 if exploring else 0))
    return out


def _between(ctx: Context, a: str, b: str, allowed: set[str]) -> list[str]:
    parent = {a: None}
    queue = deque([a])
    while queue:
        u = queue.popleft()
        if u == b:
            break
        for v in ctx.loop_readers(u):
            if v in allowed and v not in parent:
                parent[v] = u
                queue.append(v)
    path = [b]
    while parent.get(path[-1]) is not None:
        path.append(parent[path[-1]])
    return path[::-1]


# --- §5 ------------------------------------------------------------------------------------------

def _count_severity(count: int, start: int = 1) -> int:
    """A severity (1..5) that grows with how many instances the code shows: one step each time the
    count doubles, from ``start`` for one instance; 0 for none.

    >>> [_count_severity(n) for n in (0, 1, 2, 3, 4, 8, 16, 1000)], _count_severity(1, start=2)
    ([0, 1, 2, 2, 3, 4, 5, 5], 2)
    """
    return max(1, min(5, start + count.bit_length() - 1)) if count > 0 else 0


def _code_places(items: list[dict], what: str, limit: int = 12) -> str:
    """Each item as "what (file line N)", the first ``limit`` of them, then how many more."""
    shown = ", ".join(f"{i[what]} ({i['file']} line {i['line']})" for i in items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


def glue_severity(glue_lines: int, ml_share: float) -> int:
    """Severity 1..5 of glue code: higher with more glue lines and with a smaller ML share; 0 when
    glue is not the larger part of the code (an ML share of half or more).

    >>> glue_severity(2, 0.0), glue_severity(100, 0.02), glue_severity(420, 0.028), glue_severity(20_000, 0.01)
    (2, 3, 3, 4)
    >>> glue_severity(5, 0.4), glue_severity(300, 0.4), glue_severity(300, 0.6), glue_severity(0, 0.0)
    (1, 2, 0, 0)
    """
    if glue_lines < 1 or ml_share >= 0.5:
        return 0
    size = sum(glue_lines >= n for n in GLUE_LINE_STEPS)
    share = sum(ml_share < s for s in GLUE_SHARE_STEPS)
    return max(1, min(5, (size + share) // 2))


def glue_code(ctx: Context) -> list[Finding]:
    """A code base that is mostly glue around general-purpose ML packages: found from the first glue
    line once glue outweighs the ML code, and more severe with more glue and a smaller ML share."""
    code = ctx.system.code
    if not code:
        return []
    total = code["ml_lines"] + code["other_lines"]
    share = code["ml_lines"] / total if total else 0.0
    severity = glue_severity(code["other_lines"], share)
    if not severity:
        return []
    calls = code.get("ml_calls", [])
    return [Finding("glue_code", [], f"of {total:,} lines of code in {code['where']}, {code['ml_lines']:,} "
                    f"({share:.1%}) call an ML library{' (' + _names(calls, 4) + ')' if calls else ''}; the other "
                    f"{total - code['ml_lines']:,} ({1 - share:.1%}) move data in and out of it.",
                    severity=severity)]


def pipeline_jungle(ctx: Context) -> list[Finding]:
    """Long chains of preparation steps and intermediate files between raw data and models."""
    out = []
    nodes = ctx.system.nodes
    if not ctx.system.flows_one_way:  # a cycle: no depths, only the steps a node says it holds
        depth = {n: facts.get("steps", 0) or 0 for n, facts in nodes.items() if facts["kind"] in PREPARATION}
    else:
        depth = _preparation_depths(ctx)
    for n, steps in depth.items():
        if steps >= JUNGLE_DEPTH:
            readers = [v for v in ctx.readers(n) if ctx.kind(v) == "model"]
            if readers:
                out.append(Finding("pipeline_jungle", [n] + readers,
                                   f"'{n}' reaches {_names(readers)} only after {steps} "
                                   f"preparation steps (limit {JUNGLE_DEPTH - 1}): scrapes, joins and intermediate "
                                   "results that nobody can test end to end.", downstream_of_first=True))
    out += _file_coupling(ctx.system.code or {})
    return out


PREPARATION = ("feature", "dataset", "job")  # the kinds of node that prepare data
MAX_DEPTH_ROUNDS = 64  # rounds of whole-array steps before the depths are walked node by node


def _preparation_depths(ctx: Context) -> dict[str, int]:
    """Each preparation step's depth: 1 + the deepest step it reads + the steps it holds inside, when it
    says (more than one). Only for a graph without a cycle; in data-flow order.

    Every round lengthens each chain by one step, for all nodes at once; a chain longer than
    :data:`MAX_DEPTH_ROUNDS` is walked node by node instead, in data-flow order.
    """
    g = ctx.system.numbered
    prep = ctx.is_kind(*PREPARATION)
    inside = np.zeros(len(g.ids), dtype=np.int64)  # steps held inside a node, past its first
    for i, facts in enumerate(ctx.system.nodes.values()):
        if facts.get("steps") and prep[i]:
            inside[i] = max(0, int(facts["steps"]) - 1)
    chained = prep[g.src] & prep[g.dst]
    up, down = g.src[chained], g.dst[chained]
    own = np.where(prep, 1 + inside, 0)
    depth = own
    for _ in range(MAX_DEPTH_ROUNDS):
        deepest = np.zeros_like(depth)
        np.maximum.at(deepest, down, depth[up])
        deeper = np.where(prep, own + deepest, 0)
        if np.array_equal(deeper, depth):
            break
        depth = deeper
    else:
        return _preparation_depths_walked(ctx)
    ids = g.ids
    return {ids[i]: d for i, d in zip(np.flatnonzero(prep).tolist(), depth[prep].tolist())}


def _preparation_depths_walked(ctx: Context) -> dict[str, int]:
    """:func:`_preparation_depths`, a node at a time in data-flow order."""
    depth: dict[str, int] = {}
    nodes, kinds, pred = ctx.system.nodes, ctx.kinds, ctx.pred
    for n in ctx.order:
        if kinds[n] in PREPARATION:
            steps = nodes[n].get("steps")  # steps inside this one node, when it says
            deepest = max(map(depth.get, pred[n], itertools.repeat(0)), default=0)  # only steps have a depth
            depth[n] = 1 + deepest + (max(0, int(steps) - 1) if steps else 0)
    return depth


def _file_coupling(code: dict) -> list[Finding]:
    """Files written by one step and read by another, with the writer's and the reader's lines;
    the severity grows with how many (one shared file is a low finding, never none)."""
    shared = code.get("shared_artifacts", [])
    across = {os.path.normpath(s["name"]) for s in shared}  # "./work/x.csv" is "work/x.csv"
    within = list(dict.fromkeys(d["name"] for d in code.get("datasets", []) if d.get("intermediate")
                                and os.path.normpath(d["name"]) not in across))
    if not shared and not within:
        return []
    parts = []
    if shared:
        places = [f"{s['name']} (written {s['writer']['file']} line {s['writer']['line']}, read "
                  f"{s['reader']['file']} line {s['reader']['line']}"
                  f"{' and in ' + _plural(s['readers'] - 1, 'more module') if s.get('readers', 1) > 1 else ''})"
                  for s in shared]
        parts.append(f"{_plural(len(shared), 'file')} {'is' if len(shared) == 1 else 'are'} written by one module "
                     f"and read by another: {_names(places, 12)}")
    if within:
        parts.append(f"{_plural(len(within), 'intermediate file')} {'is' if len(within) == 1 else 'are'} written "
                     f"and read back ({_names(within, 6)})")
    return [Finding("pipeline_jungle", [], "; ".join(parts) + ": a pipeline held together by files, coupled "
                    "through paths no test follows from end to end.",
                    severity=_count_severity(len(shared) + len(within)))]


def dead_experimental_codepath(ctx: Context) -> list[Finding]:
    """Flags and settings that never vary or are never read: experiments left in the code."""
    out = []
    for flag in ctx.system.flags:
        users = [u for u in flag.get("used_by", ())]
        if flag.get("read") is False:
            out.append(Finding("dead_experimental_codepath", users, f"flag '{flag['id']}' is set but no code "
                               "reads it any more."))
        elif flag.get("values_seen") and len(set(map(repr, flag["values_seen"]))) == 1:
            value = flag["values_seen"][0]
            out.append(Finding("dead_experimental_codepath", users,
                               f"flag '{flag['id']}' has had one value ({value!r}) in production"
                               f"{' since ' + flag['last_changed'] if flag.get('last_changed') else ''}: one of "
                               "its branches never runs, yet it is still in the code."))
    code = ctx.system.code or {}
    for f in code.get("dead_flags", []):
        branch = "the branch it guards" if f["value"] is False else "its else-branch"
        out.append(Finding("dead_experimental_codepath", [],
                           f"{f['name']} = {f['value']} ({f['file']} line {f['line']}) is never set anywhere else, "
                           f"so {branch} (line {f['tested_at']}) never runs."))
    unread = [f"{k['config']}['{k['key']}'] ({k['file']} line {k['line']})" for k in code.get("unread_config_keys", [])]
    unread += [f"option {o['option']} ({o['file']} line {o['line']})" for o in code.get("unread_options", [])]
    if unread:
        out.append(Finding("dead_experimental_codepath", [], f"{_plural(len(unread), 'setting')} defined but "
                           f"never read: {_names(unread, 4)}."))
    return out


def abstraction_debt(ctx: Context) -> list[Finding]:
    """No common abstraction for the models: each is trained and served its own way."""
    frameworks = sorted({str(facts.get("framework")) for _, facts in ctx.model_facts if facts.get("framework")})
    common = ctx.system.practices.get("common_model_interface")
    if common is False or (common is None and len(frameworks) >= 3):
        why = (f"the models are built on {_plural(len(frameworks), 'framework')} ({_names(frameworks)})"
               if frameworks else "the models")
        return [Finding("abstraction_debt", [], f"{why} with no common interface for training, serving and "
                        "evaluation; each team holds its own abstraction.")]
    return []


def plain_old_data_smell(ctx: Context) -> list[Finding]:
    """Numbers that do not say what they mean: thresholds with no scale, numeric features with no unit."""
    bare = [m for m, facts in ctx.model_facts if facts.get("threshold") and not facts["threshold"].get("scale")]
    numeric = truthy(list(map(operator.eq, ctx.column("type"), itertools.repeat("numeric"))))
    unitless = ctx.system.numbered.names(np.flatnonzero(ctx.is_kind("feature") & numeric & ~truthy(ctx.column("unit"))))
    parts = []
    if bare:
        values = ", ".join(f"{m} {ctx.facts(m)['threshold']['value']:g}" for m in bare[:4])
        parts.append(f"{_plural(len(bare), 'threshold')} ({values}{' ...' if len(bare) > 4 else ''}) "
                     f"{'is a bare number' if len(bare) == 1 else 'are bare numbers'}: nothing says whether each "
                     "is a probability, a log-odds or a score")
    if unitless:
        parts.append(f"{_plural(len(unitless), 'numeric feature')} ({_names(unitless)}) "
                     f"{'has' if len(unitless) == 1 else 'have'} no unit")
    return [Finding("plain_old_data_smell", bare + unitless, "; ".join(parts) + ".")] if parts else []


def multiple_language_smell(ctx: Context) -> list[Finding]:
    """A system spread over many languages."""
    languages = {str(f["language"]).lower() for f in ctx.system.nodes.values() if f.get("language")}
    languages |= {l.replace(" notebooks", "") for l in (ctx.system.code or {}).get("languages", {})}
    if len(languages) >= MANY_LANGUAGES:
        return [Finding("multiple_language_smell", [], f"the system is written in "
                        f"{_plural(len(languages), 'language')} ({', '.join(sorted(languages))}): each boundary "
                        "between them is glue that is hard to test and to move across.",
                        severity=2 if len(languages) >= 5 else 0)]
    return []


def prototype_smell(ctx: Context) -> list[Finding]:
    """Production leaning on a prototype: notebooks, scratch code, experiments."""
    out = []
    ids, facts_of = ctx.system.numbered.ids, ctx.facts_by_number
    for i in ctx.numbers_with("environment"):
        n, facts = ids[i], facts_of[i]
        if facts.get("environment") in ("notebook", "prototype", "experiment") and ctx.readers(n):
            readers = ctx.readers(n)
            out.append(Finding("prototype_smell", [n] + readers,
                               f"'{n}' runs in a {facts['environment']}, yet {_names(readers)} "
                               f"{'relies' if len(readers) == 1 else 'rely'} on it.",
                               severity=3 if facts["kind"] == "model" else 0))
    imports = (ctx.system.code or {}).get("prototype_imports", [])
    if imports:
        where = ", ".join(f"{i['module']} ({i['file']} line {i['line']})" for i in imports[:3])
        where += " ..." if len(imports) > 3 else ""
        out.append(Finding("prototype_smell", [], f"the code imports from prototypes: {where}."))
    return out


# --- §6, §7, §8 ------------------------------------------------------------------------------------

def configuration_debt(ctx: Context) -> list[Finding]:
    """Configuration that is easy to get wrong: unversioned, unreviewed, unchecked."""
    out = []
    code = ctx.system.code or {}
    hyper = code.get("hyperparameters", [])
    hyper_text = ""
    if hyper:
        files = sorted({h["file"] for h in hyper})
        named = ", ".join(f"{h['name']}={h['value']:g}" for h in hyper[:5])
        hyper_text = (f"; {_plural(len(hyper), 'hyper-parameter')} typed into calls in {_names(files, 3)} "
                      f"({named}{' ...' if len(hyper) > 5 else ''})")
    attached = False
    for config in ctx.system.configs:
        problems = []
        if config.get("in_version_control") is False:
            problems.append("not in version control")
        if config.get("reviewed") is False:
            problems.append("changes are not reviewed")
        if config.get("validated") is False:
            problems.append("nothing checks it automatically")
        if config.get("type") == "prompt" and config.get("evaluated") is False:
            problems.append("changes are not run against an evaluation set")
        if config.get("lines") and code and config["lines"] > code["ml_lines"] + code["other_lines"]:
            problems.append(f"its {config['lines']:,} lines outnumber the code's")
        extra = hyper_text if config.get("type") == "hyperparameters" and hyper_text else ""
        attached |= bool(extra)
        if problems:
            kind = "prompt" if config.get("type") == "prompt" else "configuration"
            users = list(config.get("used_by", ()))
            out.append(Finding("configuration_debt", users,
                               f"{kind} '{config['id']}'{' (used by ' + _names(users) + ')' if users else ''}: "
                               f"{', '.join(problems)}{extra}.",
                               severity=4 if config.get("in_version_control") is False else 0))
    out += _configuration_in_code([] if attached else hyper, code.get("decisions", []))
    return out


def _configuration_in_code(hyper: list[dict], decisions: list[dict]) -> list[Finding]:
    """Hyper-parameters typed into calls and magic numbers deciding branches, each with file and
    line; the severity grows with how many (one is a low finding, never none)."""
    if not hyper and not decisions:
        return []
    parts = []
    if hyper:
        named = [{**h, "what": f"{h['name']}={h['value']:g}"} for h in hyper]
        parts.append(f"{_plural(len(hyper), 'hyper-parameter')} typed into calls ({_code_places(named, 'what')})")
    if decisions:
        parts.append(f"{_plural(len(decisions), 'magic number')} deciding what the code does "
                     f"({_code_places(decisions, 'how')})")
    return [Finding("configuration_debt", [], f"configuration lives in the code: {' and '.join(parts)}. Changing "
                    "one means a code change, and nothing checks the values.",
                    severity=_count_severity(len(hyper) + len(decisions)))]


def fixed_threshold(ctx: Context) -> list[Finding]:
    """Hand-picked decision thresholds, which go stale when the model is retrained."""
    out = []
    code_by_node: dict[str, list[dict]] = {}
    loose = []
    for t in (ctx.system.code or {}).get("thresholds", []):
        models = [n for n in t["nodes"] if ctx.kind(n) == "model"]
        for n in models:
            code_by_node.setdefault(n, []).append(t)
        if not models:
            loose.append(t)
    numbers = []  # of the models found
    for i, (m, facts) in zip(ctx.model_numbers, ctx.model_facts):
        threshold = facts.get("threshold")
        seen = code_by_node.get(m, [])
        hand = threshold is not None and threshold.get("set_by", "hand") in ("hand", "default")
        if not hand and not seen:
            continue
        how = {"hand": "typed in by hand", "default": "a library default"}.get((threshold or {}).get("set_by", "hand"))
        parts = []
        if hand:
            parts.append(f"model '{m}' decides at a fixed threshold of {threshold['value']:g}, {how}"
                         f"{'' if 'set_by' in threshold else ' (the manifest does not say how it was set)'}")
        if seen:
            parts.append("hard-coded at " + _places(seen, "how"))
        retrain = facts.get("retraining")
        stale = ("it is retrained " + retrain + ", and each retraining shifts the scores under it"
                 if retrain in ("scheduled", "continuous") else "each retraining shifts the scores under it")
        out.append(Finding("fixed_threshold", [m], "; ".join(parts) + f": {stale}, so the share of 'yes' "
                           "decisions drifts unless someone re-picks it.",
                           severity=4 if retrain in ("scheduled", "continuous") else 0))
        numbers.append(i)
    _batch_of_one_node(out, numbers)
    if loose:  # one more hard-coded threshold never lowers the severity: it grows as the count doubles
        out.append(Finding("fixed_threshold", [], f"{_plural(len(loose), 'hard-coded threshold')} compared with "
                           f"scores in the code: {_code_places(loose, 'how')}.",
                           severity=_count_severity(len(loose), start=2)))
    return out


def monitoring_gap(ctx: Context) -> list[Finding]:
    """Models, and the sources that feed them, that nobody watches in production."""
    out = []
    g, facts_of = ctx.system.numbered, ctx.facts_by_number
    unwatched = ctx.is_kind("model") & ~truthy(ctx.column("monitoring"))
    # Each unwatched model's readers; one that writes a dataset has its readers found through it.
    through_data = np.bincount(g.read_node[ctx.is_kind("dataset")[g.readers]], minlength=len(facts_of)) > 0
    read = unwatched[g.read_node] & ~through_data[g.read_node]
    readers_of = dict(_groups(g.id_array, g.read_node[read], g.readers[read]))
    numbers = np.flatnonzero(unwatched).tolist()
    for i in numbers:
        m = g.ids[i]
        readers = ctx.model_readers_at(i) if through_data[i] else readers_of.get(i, [])
        out.append(Finding("monitoring_gap", [m],
                           f"model '{m}' has no monitoring: no prediction-bias check, no action limits"
                           f"{', although ' + _plural(len(readers), 'reader') + ' (' + _names(readers) + (') act' if len(readers) > 1 else ') acts') + ' on it' if readers else ''}."))
    _batch_of_one_node(out, numbers)
    read = (np.diff(g.reader_start) > 0).tolist()
    feeding = [n for n, facts, is_read in zip(g.ids, facts_of, read)
               if is_read and facts["kind"] == "source" and not facts.get("monitoring")]
    if feeding:
        out.append(Finding("monitoring_gap", feeding,
                           f"{_plural(len(feeding), 'source')} ({_names(feeding)}) "
                           f"{'feeds' if len(feeding) == 1 else 'feed'} the models with no "
                           "monitoring of freshness or distribution: an up-stream producer can fail silently."))
    return out


def data_testing_debt(ctx: Context) -> list[Finding]:
    """Data that feeds models with no tests on it: each untested source or dataset that something reads,
    with the untested features it feeds; and each untested feature whose inputs all have tests."""
    g, nodes = ctx.system.numbered, ctx.system.nodes
    tested = truthy(ctx.column("tests"))
    feature, read, reader = ctx.is_kind("feature"), g.read_node, g.readers
    read_by_something = np.diff(g.reader_start) > 0
    out, words, ids = [], (_untested_words, ctx.system), g.ids
    for kind in ("source", "dataset"):
        data = ctx.is_kind(kind) & ~tested & read_by_something
        with_features = data[read] & feature[reader] & ~tested[reader]
        feeds = np.zeros(len(nodes), dtype=bool)
        feeds[read[with_features]] = True
        alone = np.flatnonzero(data & ~feeds)
        found = _findings_by_first(ctx, "data_testing_debt", read[with_features], reader[with_features], words)
        found += _batch_of_one_node([Finding("data_testing_debt", [ids[n]], words, downstream_of_first=True)
                                     for n in alone.tolist()], alone.tolist())
        out += map(found.__getitem__, np.argsort(np.concatenate([np.flatnonzero(feeds), alone])).tolist())
    untested_inputs = np.bincount(g.dst[~tested[g.src]], minlength=len(nodes))
    reads_something = np.diff(g.read_start) > 0
    alone = np.flatnonzero(feature & ~tested & reads_something & (untested_inputs == 0)).tolist()
    out += _batch_of_one_node([Finding("data_testing_debt", [ids[i]], f"feature '{ids[i]}' has no data tests, "
                                       "though its inputs do.") for i in alone], alone)
    return out


def _untested_words(f: Finding, system: System) -> str:
    """The evidence of untested data (the first node) and the untested features it feeds, in words."""
    n, features = f.nodes[0], f.nodes[1:]
    facts = system.nodes[n]
    issues = list(facts.get("known_issues", ()))
    return (f"{facts['kind']} '{n}'"
            f"{' and its ' + _plural(len(features), 'feature') + ' (' + _names(features) + ')' if features else ''} "
            f"{'have' if features else 'has'} no data tests (schema, ranges, missing values)"
            f"{', although it has known faults: ' + '; '.join(issues[:3]) if issues else ''}.")


def reproducibility_debt(ctx: Context) -> list[Finding]:
    """Models whose training cannot be repeated."""
    out, numbers = [], []
    for i, (m, facts) in zip(ctx.model_numbers, ctx.model_facts):
        problems = []
        if facts.get("seeded") is False:
            problems.append("its random seeds are not fixed")
        if facts.get("training_data_versioned") is False:
            problems.append("its training data is not kept or versioned")
        if problems:
            out.append(Finding("reproducibility_debt", [m], f"model '{m}' cannot be retrained to the same "
                               f"model: {' and '.join(problems)}."))
            numbers.append(i)
    return _batch_of_one_node(out, numbers)


def process_management_debt(ctx: Context) -> list[Finding]:
    """Many models, each needing manual steps."""
    manual = [m for m, facts in ctx.model_facts if facts.get("retraining") == "manual"
              or facts.get("deployment") == "manual"]
    if not manual:
        return []
    verb = "is" if len(manual) == 1 else "are"
    return [Finding("process_management_debt", manual,
                    f"{_plural(len(manual), 'model')} of {len(ctx.models()):,} ({_names(manual)}) {verb} retrained or "
                    "released by hand: every manual step is a chance to forget one, and the work grows with "
                    "each model.", severity=1 if len(manual) == 1 else 3 if len(manual) >= 10 else 0)]


def cultural_debt(ctx: Context) -> list[Finding]:
    """Research and engineering apart; simplification not rewarded."""
    p = ctx.system.practices
    parts = []
    if p.get("research_engineering_split") is True:
        parts.append("the people who invent models are apart from the people who run them")
    if p.get("deletion_rewarded") is False:
        parts.append("removing features and simplifying is not rewarded like accuracy")
    return [Finding("cultural_debt", [], "; ".join(parts) + ".")] if parts else []


DETECTORS = {
    "entanglement": entanglement, "correction_cascade": correction_cascade,
    "undeclared_consumer": undeclared_consumer, "unstable_data_dependency": unstable_data_dependency,
    "underutilized_data_dependency": underutilized_data_dependency, "static_analysis_gap": static_analysis_gap,
    "direct_feedback_loop": direct_feedback_loop, "hidden_feedback_loop": hidden_feedback_loop,
    "glue_code": glue_code, "pipeline_jungle": pipeline_jungle,
    "dead_experimental_codepath": dead_experimental_codepath, "abstraction_debt": abstraction_debt,
    "plain_old_data_smell": plain_old_data_smell, "multiple_language_smell": multiple_language_smell,
    "prototype_smell": prototype_smell, "configuration_debt": configuration_debt,
    "fixed_threshold": fixed_threshold, "monitoring_gap": monitoring_gap, "data_testing_debt": data_testing_debt,
    "reproducibility_debt": reproducibility_debt, "process_management_debt": process_management_debt,
    "cultural_debt": cultural_debt,
}
assert set(DETECTORS) == set(PATTERNS)


def detect(system: System, patterns=None) -> list[Finding]:
    """Run every detector (or those in ``patterns``) and return their findings, unranked."""
    ctx = Context(system)
    out = []
    for pattern_id, detector in DETECTORS.items():
        if patterns is None or pattern_id in patterns:
            out.extend(detector(ctx))
    return out


# --- graph helpers without recursion ----------------------------------------------------------------

def _reachable(starts, after) -> set[str]:
    """The nodes ``starts`` lead to, themselves included; ``after(n)`` gives the nodes right after ``n``."""
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for v in after(queue.popleft()):
            if v not in seen:
                seen.add(v)
                queue.append(v)
    return seen


def _reverse(after, within: set[str]) -> dict[str, list[str]]:
    """The edges among ``within`` turned round: node -> the nodes right before it."""
    back: dict[str, list[str]] = {}
    for u in within:
        for v in after(u):
            if v in within:
                back.setdefault(v, []).append(u)
    return back


def strongly_connected(succ: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan's algorithm, iterative, so any depth is fine).

    >>> sorted(map(sorted, strongly_connected({"a": ["b"], "b": ["a", "c"], "c": []})))
    [['a', 'b'], ['c']]
    """
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(succ.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component[::-1])
    return out
