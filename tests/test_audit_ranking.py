"""Ranking (the documented rule) and the ML Test Score's 2017 arithmetic."""

import math

import pytest

from mldebt_lessons.audit.detectors import Finding
from mldebt_lessons.audit.mltestscore import (
    BANDS,
    TEST_KEYS,
    TESTS,
    band,
    check_answers,
    points_of,
    score,
    score_text,
)
from mldebt_lessons.audit.ranking import (
    RULE,
    at_or_above,
    exposure,
    level_of,
    rank,
    reach,
)
from mldebt_lessons.audit.system import System, add_edge, add_node
from mldebt_lessons.errors import CourseInputError


def chain_system():
    """src -> f -> m -> c1, c2 ; an orphan model with no owner and no monitoring."""
    s = System("x")
    for n, k in [("src", "source"), ("f", "feature"), ("m", "model"), ("c1", "consumer"), ("c2", "consumer")]:
        add_node(s, n, k, {"owner": "team", "monitoring": ["x"]})
    add_node(s, "orphan", "model", {})
    for u, v in [("src", "f"), ("f", "m"), ("m", "c1"), ("m", "c2")]:
        add_edge(s, u, v, declared=True)
    return s


def test_reach_is_the_number_of_nodes_downstream():
    s = chain_system()
    assert [reach(s, [n]) for n in ("src", "f", "m", "c1", "orphan")] == [4, 3, 2, 0, 0]
    assert reach(s, ["f", "m"]) == 2  # the finding's own nodes are not counted
    assert reach(s, []) == 0


def test_exposure_grows_with_missing_owners_and_monitoring():
    s = chain_system()
    assert exposure(s, ["m"])[0] == 1.0
    assert exposure(s, ["orphan"])[0] == 2.0
    assert exposure(s, ["m", "orphan"])[0] == 1.5


def test_score_is_severity_times_reach_factor_times_exposure():
    s = chain_system()
    [f] = rank([Finding("monitoring_gap", ["src"], "e")], s)
    assert f.score == round(4 * (1 + math.log2(1 + 4)) * 1.0, 1)
    assert f.why_score.endswith(f"= {f.score:g}") and "severity 4" in f.why_score and "4 nodes downstream" in f.why_score


def test_blast_radius_severity_and_missing_ownership_each_outrank():
    s = chain_system()
    wide, narrow = Finding("fixed_threshold", ["src"], "e"), Finding("fixed_threshold", ["c1"], "e")
    severe, mild = Finding("hidden_feedback_loop", ["m"], "e"), Finding("plain_old_data_smell", ["m"], "e")
    unowned, owned = Finding("fixed_threshold", ["orphan"], "e"), Finding("fixed_threshold", ["c2"], "e")
    ranked = rank([narrow, wide, mild, severe, owned, unowned], s)
    assert [f.rank for f in ranked] == list(range(1, 7))
    assert wide.rank < narrow.rank and severe.rank < mild.rank and unowned.rank < owned.rank


def test_ties_break_by_severity_then_pattern_then_nodes_so_the_order_is_stable():
    s = chain_system()
    a, b = Finding("monitoring_gap", ["c2"], "e"), Finding("monitoring_gap", ["c1"], "e")
    assert [f.nodes for f in rank([a, b], s)] == [("c1",), ("c2",)]


def test_levels_and_fail_on():
    assert [level_of(x) for x in (0, 5.9, 6, 12, 23.9, 24, 100)] == ["low", "low", "medium", "high", "high",
                                                                    "critical", "critical"]
    s = chain_system()
    found = rank([Finding("hidden_feedback_loop", ["src", "orphan"], "e"), Finding("plain_old_data_smell", ["c1"], "e")], s)
    assert [f.level for f in found] == ["critical", "low"]
    assert len(at_or_above(found, "critical")) == 1 and len(at_or_above(found, "low")) == 2
    assert "log2" in RULE and "severity" in RULE and "owner" in RULE and "monitoring" in RULE


# --- ML Test Score ----------------------------------------------------------------------------------------------

def test_there_are_28_tests_in_four_sections_of_seven():
    assert len(TESTS) == 28 and len(set(TEST_KEYS)) == 28
    for section in ("data", "model", "infra", "monitor"):
        assert sum(1 for _, s, _ in TESTS if s == section) == 7


def test_half_a_point_manual_one_point_automated_and_the_minimum_over_sections():
    answers = {key: "automated" for key in TEST_KEYS}
    answers.update({"monitor_1": "manual", "monitor_2": "no", "monitor_3": "manual"})
    result = score(answers)
    assert result.sections == {"data": 7.0, "model": 7.0, "infra": 7.0, "monitor": 5.0}
    assert result.final == 5.0 and result.band == "strong levels of automated testing and monitoring"
    assert result.unanswered == ()


@pytest.mark.parametrize("final, expected", [(0, "research project"), (0.5, "not totally untested"),
                                             (1, "not totally untested"), (1.5, "first pass at production"),
                                             (2, "first pass at production"), (3, "reasonably tested"),
                                             (5, "strong levels of automated testing and monitoring"),
                                             (5.5, "exceptional levels of automated testing and monitoring")])
def test_the_2017_bands(final, expected):
    assert band(final) == expected


def test_one_weak_section_caps_the_final_score():
    answers = {k: "automated" for k in TEST_KEYS if not k.startswith("monitor")}
    result = score(answers)
    assert result.final == 0 and result.band == BANDS[0][1] and len(result.unanswered) == 7
    assert "7 of 28 tests unanswered" in score_text(result)


def test_answers_accept_numbers_and_words_and_reject_the_rest():
    assert points_of(0.5) == points_of("manual") == 0.5 and points_of(False) == points_of("no") == 0.0
    with pytest.raises(CourseInputError, match="does not say how the test runs"):
        points_of(True)  # YAML's yes and on: the test exists, but is it run by hand or automatically?
    with pytest.raises(CourseInputError) as caught:
        check_answers({"data_1": "sometimes"})
    assert "data_1" in str(caught.value) and "no, manual or automated" in str(caught.value)
    with pytest.raises(CourseInputError) as caught:
        check_answers({"data_9": "no"})
    assert "did you mean 'data_" in str(caught.value)


# --- reach for every node at once, and the findings that say their nodes lie downstream --------------

def random_system(seed: int, n: int = 60, p: float = 0.08) -> System:
    """A random graph of reads among ``n`` nodes; edges only go forward, so it has no cycle."""
    import random
    rng = random.Random(seed)
    s = System("random")
    for i in range(n):
        add_node(s, f"n{i}", "feature", {})
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < p:
                add_edge(s, f"n{i}", f"n{j}", declared=True)
    return s


@pytest.mark.parametrize("seed", range(25))
def test_downstream_counts_agree_with_a_walk_from_each_node(seed):
    from mldebt_lessons.audit.ranking import downstream_counts
    s = random_system(seed, p=0.02 + 0.01 * (seed % 10))
    counts = downstream_counts(s)
    assert counts == {n: reach(s, [n]) for n in s.nodes}
    assert len(set(counts.values())) > 1  # the graphs are not all empty or all chains


def test_downstream_counts_give_up_on_a_cycle_and_ranking_still_walks():
    from mldebt_lessons.audit.ranking import downstream_counts
    s = chain_system()
    add_edge(s, "c1", "src", declared=True)
    assert downstream_counts(s) is None
    [f] = rank([Finding("monitoring_gap", ["m"], "e")], s)
    assert f.reach == 4  # c1, src, f and c2: everything else but the orphan


def test_every_finding_that_says_its_nodes_lie_downstream_of_the_first_is_right():
    """The hint lets ranking skip a walk; a wrong hint would give a wrong reach silently."""
    from audit_helpers import bench_audit

    from mldebt_lessons.audit.detectors import detect
    from mldebt_lessons.audit.manifest import manifest_from_data
    from mldebt_lessons.audit.toy import toy_system
    make_manifest = bench_audit().make_manifest
    checked = 0
    for system in (toy_system(), manifest_from_data(make_manifest(3000, seed=7), "generated.json")):
        for f in detect(system):
            if f.downstream_of_first:
                below = set()
                for n in system.succ.get(f.nodes[0], ()):
                    below.add(n)
                frontier = list(below)
                while frontier:
                    for v in system.succ[frontier.pop()]:
                        if v not in below:
                            below.add(v)
                            frontier.append(v)
                assert set(f.nodes[1:]) <= below, (f.pattern, f.nodes)
                # ranking counts them as they are: each a node of the system, none twice
                assert len(set(f.nodes)) == len(f.nodes) and set(f.nodes) <= system.nodes.keys(), f.nodes
                assert f.reach == 0  # not ranked yet
                checked += 1
    assert checked > 1000


def test_edges_a_manifest_declares_share_their_facts_until_one_is_seen_again():
    from mldebt_lessons.audit.manifest import manifest_from_data
    s = manifest_from_data({"system": "x", "sources": [{"id": "a"}], "features": [
        {"id": "b", "reads": ["a"]}, {"id": "c", "reads": ["a"]}]}, "m.json")
    assert s.edges["a", "b"] is s.edges["a", "c"]  # one dict for every read the manifest declares
    add_edge(s, "a", "b", observed=True, seen_in="events.jsonl")
    assert s.edges["a", "b"] == {"declared": True, "observed": True, "seen_in": ["m.json", "events.jsonl"]}
    assert s.edges["a", "c"] == {"declared": True, "observed": False, "seen_in": ["m.json"]}


@pytest.mark.parametrize("seed", range(10))
def test_the_packed_sort_key_gives_the_rules_order(seed):
    """Score (highest first), severity, pattern id, node names: the packed key must order as the plain tuple."""
    import random

    from mldebt_lessons.audit.patterns import PATTERNS
    from mldebt_lessons.audit.ranking import _rule_order
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(30)] + ["N", "n", "é", ""]
    findings = []
    for _ in range(400):
        f = Finding(rng.choice(list(PATTERNS)), rng.sample(names, rng.randint(0, 3)), "e", severity=rng.randint(1, 5))
        f.score = round(rng.choice([0, 1.5, 3.0, 12.25, 99.9, rng.uniform(0, 250)]), 1)
        findings.append(f)
    plain = sorted(findings, key=lambda f: (-f.score, -f.severity, f.pattern, f.nodes))
    assert [findings[i] for i in _rule_order(findings)] == plain


def test_downstream_counts_give_up_rather_than_hold_sets_that_grow_with_the_square_of_the_graph():
    """A wide fan over a long chain: every feature's set holds the whole chain until the source is done."""
    from mldebt_lessons.audit.ranking import HELD_PER_NODE_AND_EDGE, downstream_counts
    s = System("fan over a chain")
    add_node(s, "src", "source", {})
    chain = [f"c{i}" for i in range(300)]
    for n in chain:
        add_node(s, n, "feature", {})
    for a, b in zip(chain, chain[1:]):
        add_edge(s, a, b, declared=True)
    for i in range(60):
        add_node(s, f"f{i}", "feature", {})
        add_edge(s, "src", f"f{i}", declared=True)
        add_edge(s, f"f{i}", "c0", declared=True)
    assert 60 * 300 > HELD_PER_NODE_AND_EDGE * (len(s.nodes) + len(s.edges))  # the sets would hold more
    assert downstream_counts(s) is None
    [f] = rank([Finding("monitoring_gap", ["f3"], "e")], s)
    assert f.reach == 300  # ranking walks instead


def test_the_order_and_neighbours_follow_nodes_added_after_first_use():
    s = chain_system()
    assert "late" not in s.order
    add_node(s, "late", "consumer", {})
    assert "late" in s.order and s.succ["late"] == [] and s.pred["late"] == []
    add_edge(s, "c1", "late", declared=True)
    assert s.order.index("late") > s.order.index("c1") and s.pred["late"] == ["c1"]


def test_a_large_json_report_written_in_pieces_is_the_report_as_data_even_with_a_lone_surrogate():
    import json

    from audit_helpers import bench_audit

    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_data
    from mldebt_lessons.audit.report import INDENTED_UP_TO, as_json_data, json_report_pieces
    system = manifest_from_data(bench_audit().make_manifest(3000, seed=3), "generated.json")
    system.name = "half a character: \udcff"  # a name read from a file that was not valid UTF-8
    result = audit_system(system)
    assert len(result.findings) > INDENTED_UP_TO  # the compact form, written a finding at a time
    text = "".join(json_report_pieces(result))
    text.encode("utf-8")  # every piece can be written, the one with the surrogate escaped
    assert json.loads(text) == as_json_data(result)


def test_a_finding_that_names_a_node_twice_counts_it_once_in_a_graph_with_a_cycle():
    """With a cycle the counts are filled as ranking walks; a node named twice (a self-read seen in
    lineage) must still count once, as when the counts come from the graph without cycles."""
    s = System("self-read")
    for n in ("a", "m2"):
        add_node(s, n, "model", {"owner": "t"})
    add_edge(s, "a", "a", observed=True)
    add_edge(s, "a", "m2", declared=True)
    single, twice = Finding("monitoring_gap", ["a"], "e"), Finding("unstable_data_dependency", ["a", "m2", "a"], "e",
                                                                    downstream_of_first=True)
    rank([single, twice], s)
    assert twice.counts == (2, 2, 0) and twice.reach == single.reach - 1 == 0
