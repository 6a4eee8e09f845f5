"""The audit's work on whole arrays of node numbers gives what a walk node by node gives.

Random systems, with and without cycles, small enough to walk by hand: pinned and unpinned features,
owners shared or not, hosted models, preparation steps held inside nodes.
"""

import random

import numpy as np
import pytest

from mldebt_lessons.audit import detectors, ranking
from mldebt_lessons.audit import system as system_module
from mldebt_lessons.audit.detectors import Context
from mldebt_lessons.audit.patterns import PATTERNS
from mldebt_lessons.audit.system import System, add_edge, add_node, topological_numbers

KINDS = ("source", "feature", "feature", "dataset", "job", "model", "consumer")


def random_system(seed: int, n_nodes: int = 60, acyclic: bool = True) -> System:
    rng = random.Random(seed)
    system = System(f"random {seed}")
    names = [f"n{i}" for i in range(n_nodes)]
    for name in names:
        facts = {}
        if rng.random() < 0.7:
            facts["owner"] = rng.choice(["a", "b", "c"])
        if rng.random() < 0.6:
            facts["pinned"] = rng.choice([True, False, None, 1])
        if rng.random() < 0.2:
            facts["hosted"] = True
        if rng.random() < 0.2:
            facts["steps"] = rng.randint(0, 4)
        add_node(system, name, rng.choice(KINDS), facts)
    order = names[:]
    rng.shuffle(order)  # edges run from earlier to later in a random order: no cycle
    for _ in range(rng.randint(0, 3 * n_nodes)):
        u, v = rng.sample(order, 2)
        if acyclic and order.index(u) > order.index(v):
            u, v = v, u
        add_edge(system, u, v, declared=True)
    for name in rng.sample(names, 3):  # decisions that come back as data: feedback loops, perhaps
        field = rng.choice(["influences", "labels_from"])
        system.nodes[name][field] = rng.sample(names, rng.randint(1, 2))
    return system


SEEDS = range(40)


def unpinned_features(ctx: Context) -> np.ndarray:
    return ctx.is_kind("feature") & np.array([f.get("pinned") is not True for f in ctx.system.nodes.values()])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("walk_limit", [detectors.MAX_FEATURE_WALK, 4])
def test_the_models_fed_walked_together_are_those_walked_one_by_one(seed, walk_limit, monkeypatch):
    monkeypatch.setattr(detectors, "MAX_FEATURE_WALK", walk_limit)
    system = random_system(seed, acyclic=seed % 2 == 0)
    ctx = Context(system)
    inputs = np.arange(len(system.nodes))
    through = unpinned_features(ctx)
    together = detectors._models_fed_all(ctx, inputs, through)
    one_by_one = detectors._models_fed_one_by_one(ctx, inputs)
    assert [a.tolist() for a in together] == [a.tolist() for a in one_by_one]


def test_walks_that_would_hold_too_much_go_one_by_one(monkeypatch):
    system = random_system(7)
    ctx = Context(system)
    inputs = np.arange(len(system.nodes))
    through = unpinned_features(ctx)
    expected = [a.tolist() for a in detectors._models_fed_all(ctx, inputs, through)]
    monkeypatch.setattr(detectors, "WALKS_HELD_PER_NODE_AND_EDGE", -100)
    calls, one_by_one = [], detectors._models_fed_one_by_one
    monkeypatch.setattr(detectors, "_models_fed_one_by_one", lambda *args: calls.append(1) or one_by_one(*args))
    assert [a.tolist() for a in detectors._models_fed_all(ctx, inputs, through)] == expected
    assert calls == [1]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rounds", [detectors.MAX_DEPTH_ROUNDS, 1])
def test_preparation_depths_a_step_at_a_time_are_those_walked_node_by_node(seed, rounds, monkeypatch):
    monkeypatch.setattr(detectors, "MAX_DEPTH_ROUNDS", rounds)
    ctx = Context(random_system(seed))
    assert detectors._preparation_depths(ctx) == detectors._preparation_depths_walked(ctx)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("levels", [system_module.MAX_LEVELS, 1])  # by levels, or node by node
def test_the_order_puts_every_node_after_what_it_reads_or_finds_the_cycle(seed, levels, monkeypatch):
    monkeypatch.setattr(system_module, "MAX_LEVELS", levels)
    system = random_system(seed, acyclic=seed % 2 == 0)
    has_cycle = any(len(c) > 1 for c in detectors.strongly_connected(system.succ))
    for order in (system.order_numbers, topological_numbers(system.numbered)):
        assert (order is None) == has_cycle
        if order is not None:
            place = {node: i for i, node in enumerate(order)}
            assert sorted(order) == list(range(len(system.nodes)))
            assert all(place[u] < place[v] for u, v in zip(system.numbered.src.tolist(), system.numbered.dst.tolist()))
    if system.levels is not None:
        assert not has_cycle and len(system.levels) <= levels


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("levels", [system_module.MAX_LEVELS, 1])  # by levels, or node by node
def test_downstream_counts_all_at_once_are_those_walked_from_each_node(seed, levels, monkeypatch):
    monkeypatch.setattr(system_module, "MAX_LEVELS", levels)
    system = random_system(seed)
    counts = ranking.downstream_counts(system)
    assert counts == {n: len(below_by_hand(system, [n])) for n in system.nodes}


def test_downstream_counts_by_level_count_a_node_met_along_many_paths_once():
    system = System("ladder")  # 10 rungs of two nodes, each reading both nodes of the rung above: 512 paths
    for rung in range(11):
        for side in "ab":
            add_node(system, f"{side}{rung}", "feature", {})
            for above in "ab" if rung else "":
                add_edge(system, f"{above}{rung - 1}", f"{side}{rung}")
    assert system.levels is not None
    assert ranking.downstream_counts(system)["a0"] == 20


def below_by_hand(system: System, nodes: list[str]) -> set[str]:
    """The nodes downstream of ``nodes``, not counting them: a walk, one node at a time."""
    seen, todo = set(nodes), list(nodes)
    while todo:
        for v in system.succ[todo.pop()]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen - set(nodes)


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_below_many_nodes_walked_in_c_or_in_python_are_those_walked_by_hand(seed, monkeypatch):
    system = random_system(seed, acyclic=seed % 2 == 0)
    rng = random.Random(seed)
    for size in (1, 2, 5, 20):
        nodes = rng.sample(list(system.nodes), size)
        expected = len(below_by_hand(system, nodes))
        assert ranking.count_downstream(system, nodes) == expected
        monkeypatch.setattr(ranking, "WALK_IN_C_FROM", 1)
        assert ranking.count_downstream(system, nodes) == expected
        monkeypatch.undo()


def test_a_system_grown_after_it_was_numbered_is_numbered_again():
    system = random_system(3)
    before = system.numbered
    add_node(system, "late", "model", {})
    add_edge(system, "n0", "late")
    assert system.numbered is not before and system.succ["n0"][-1] == "late"
    assert system.pred["late"] == ["n0"]
    assert system.order.index("n0") < system.order.index("late")


def unstable_by_hand(ctx: Context) -> list[tuple]:
    """The unstable dependencies, node by node: the rule as the detector's docstring gives it."""
    out = []
    for u, facts in ctx.system.nodes.items():
        if facts["kind"] == "consumer" or facts.get("pinned") is True:
            continue
        if facts["kind"] == "model":
            readers = [v for v in ctx.succ[u] if facts.get("hosted") or ctx.kinds[v] == "model"]
        else:
            readers, owner = detectors._models_fed(ctx, u), ctx.owner(u)
            if owner:
                readers = [v for v in readers if ctx.owner(v) and ctx.owner(v) != owner]
            elif facts.get("pinned") is not False:
                continue
        if readers:
            default = PATTERNS["unstable_data_dependency"].severity
            out.append(((u, *readers), 4 if facts["kind"] == "model" else default))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_unstable_dependencies_are_those_found_node_by_node(seed):
    ctx = Context(random_system(seed, acyclic=seed % 2 == 0))
    found = detectors.unstable_data_dependency(ctx)
    assert [(f.nodes, f.severity) for f in found] == unstable_by_hand(ctx)


@pytest.mark.parametrize("seed", SEEDS)
def test_loops_passed_over_only_when_the_graph_of_loops_has_no_cycle(seed, monkeypatch):
    system = random_system(seed)
    found = Context(system).loops
    monkeypatch.setattr(Context, "_loop_graph_has_cycle", lambda self: True)  # always search
    assert Context(system).loops == found


def test_some_random_systems_have_feedback_loops():
    assert 5 <= sum(bool(Context(random_system(seed)).loops) for seed in SEEDS) <= 35


def entangled_by_hand(ctx: Context) -> list[tuple]:
    """Inputs read by two or more models (an embedding: by two or more of anything but consumers)."""
    out = []
    for n, facts in ctx.system.nodes.items():
        embedding = facts.get("type") == "embedding"
        if facts["kind"] in ("model", "consumer") and not embedding:
            continue
        readers = [v for v in ctx.succ[n] if (ctx.kinds[v] != "consumer" if embedding else ctx.kinds[v] == "model")]
        if len(readers) >= 2:
            out.append((n, *readers))
    return out


def untested_by_hand(ctx: Context) -> list[tuple]:
    """Untested sources, then datasets, that something reads, with the untested features they feed; then
    untested features whose inputs all have tests."""
    nodes, out = ctx.system.nodes, []
    for n in ctx.of_kind("source") + ctx.of_kind("dataset"):
        if not nodes[n].get("tests") and ctx.succ[n]:
            out.append((n, *[f for f in ctx.succ[n] if ctx.kinds[f] == "feature" and not nodes[f].get("tests")]))
    for f in ctx.of_kind("feature"):
        if ctx.pred[f] and not nodes[f].get("tests") and all(nodes[u].get("tests") for u in ctx.pred[f]):
            out.append((f,))
    return out


def with_tests_and_embeddings(seed: int) -> System:
    system = random_system(seed, acyclic=seed % 2 == 0)
    rng = random.Random(seed)
    for facts in system.nodes.values():
        if rng.random() < 0.4:
            facts["tests"] = ["schema"]
        if rng.random() < 0.1:
            facts["type"] = "embedding"
    return system


@pytest.mark.parametrize("seed", SEEDS)
def test_entanglement_and_untested_data_are_those_found_node_by_node(seed):
    ctx = Context(with_tests_and_embeddings(seed))
    assert [f.nodes for f in detectors.entanglement(ctx)] == entangled_by_hand(ctx)
    assert [f.nodes for f in detectors.data_testing_debt(ctx)] == untested_by_hand(ctx)


def model_readers_by_hand(ctx: Context, m: str) -> list[str]:
    out = []
    for v in ctx.succ[m]:
        out += [w for w in ctx.succ[v] if w != m] if ctx.kinds[v] == "dataset" else [v]
    return list(dict.fromkeys(out))


def cascades_by_hand(ctx: Context) -> list[tuple]:
    """(upstream model, model trained on it): directly, or through a dataset the upstream model writes."""
    out = []
    for m in ctx.models():
        upstream = [u for u in ctx.pred[m] if ctx.kinds[u] == "model"]
        upstream += [w for u in ctx.pred[m] if ctx.kinds[u] == "dataset"
                     for w in ctx.pred[u] if ctx.kinds[w] == "model" and w != m]
        if detectors._trained_here(ctx.system.nodes[m]):
            out += [(u, m) for u in dict.fromkeys(upstream)]
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_cascades_and_unwatched_models_are_those_found_node_by_node(seed):
    system = with_tests_and_embeddings(seed)
    for i, facts in enumerate(system.nodes.values()):
        if i % 3 == 0:
            facts["monitoring"] = ["prediction_bias"]
        if i % 5 == 0:
            facts["retraining"] = "never"
    ctx = Context(system)
    assert [f.nodes for f in detectors.correction_cascade(ctx)] == cascades_by_hand(ctx)
    unwatched = [m for m in ctx.models() if not system.nodes[m].get("monitoring")]
    found = [f for f in detectors.monitoring_gap(ctx) if len(f.nodes) == 1 and f.nodes[0] in unwatched]
    assert [f.nodes[0] for f in found] == unwatched
    for f in found:
        readers = model_readers_by_hand(ctx, f.nodes[0])
        assert ctx.model_readers(f.nodes[0]) == readers
        assert (f"({readers[0]}" in f.evidence) if readers else ("acts on it" not in f.evidence)


def test_a_system_with_no_nodes_or_no_edges_has_an_order_and_counts():
    empty = System("empty")
    assert empty.order == [] and ranking.downstream_counts(empty) == {}
    lone = System("lone")
    add_node(lone, "a", "source", {})
    assert lone.order == ["a"] and ranking.downstream_counts(lone) == {"a": 0}


@pytest.mark.parametrize("seed", SEEDS[:20])
def test_findings_ranked_in_batches_score_as_those_ranked_one_by_one(seed):
    system = with_tests_and_embeddings(seed)
    ranked = ranking.rank(detectors.detect(system), system)
    assert any(f.batch is not None for f in ranked) or not ranked
    alone = detectors.detect(system)
    for f in alone:
        f.batch = None
    part = detectors.detect(system)[::2]  # half of each batch: its findings are counted one by one
    for found in (ranking.rank(alone, system), ranking.rank(part, system)):
        scores = {(f.pattern, f.nodes): (f.reach, f.score, f.counts) for f in ranked}
        assert all(scores[f.pattern, f.nodes] == (f.reach, f.score, f.counts) for f in found)
    assert [(f.pattern, f.nodes) for f in ranking.rank(alone, system)] == [(f.pattern, f.nodes) for f in ranked]


def spine(n_inputs: int = 60, chain: int = 70, leaves: int = 3) -> System:
    """Inputs read by the head of a long chain of features, each with models reading it: every walk down
    from an input meets every model, through more levels than are counted a level at a time."""
    system = System("spine")
    for i in range(n_inputs):
        add_node(system, f"src{i}", "source", {"owner": "vendor"})
    for k in range(chain):
        add_node(system, f"f{k}", "feature", {"owner": "prep"})
        add_edge(system, f"f{k - 1}" if k else "src0", f"f{k}")
        for j in range(leaves):
            add_node(system, f"m{k}_{j}", "model", {"owner": f"team{j}"})
            add_edge(system, f"f{k}", f"m{k}_{j}")
    for i in range(1, n_inputs):
        add_edge(system, f"src{i}", "f0")
    return system


def test_a_long_spine_is_walked_and_counted_as_by_hand(monkeypatch):
    system = spine()
    assert system.levels is None  # more levels than MAX_LEVELS: counted node by node
    counts = ranking.downstream_counts(system)
    assert counts["src0"] == len(below_by_hand(system, ["src0"])) == 70 * 4
    ctx = Context(system)
    assert [(f.nodes, f.severity) for f in detectors.unstable_data_dependency(ctx)] == unstable_by_hand(ctx)
    monkeypatch.setattr(system_module, "MAX_LEVELS", 200)  # by levels, where what lies below outgrows the
    monkeypatch.setattr(ranking, "HELD_PER_NODE_AND_EDGE", 1)  # limit: node by node after all, not walks
    fresh = spine()
    assert fresh.levels is not None and ranking.downstream_counts(fresh) == counts
