"""Tests for the shop's dependency graph and the ripple queries over it."""

import networkx as nx
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.shop.data import SOURCES
from mldebt_lessons.shop.features import FEATURES
from mldebt_lessons.shop.graph import (
    CONSUMERS,
    EDGE_KINDS,
    LAYERS,
    nodes_of_kind,
    ripple,
    ripple_summary,
    shop_graph,
)
from mldebt_lessons.shop.models import MODEL_SPECS, MODEL_SPECS_BY_NAME

USER_AGE_MODELS = ["churn_model", "fraud_model", "ltv_model"]  # read user_age: one hop
USER_AGE_VIA_MODELS = ["fraud_model_es"]  # reads fraud_model's score: two hops
USER_AGE_CONSUMERS = ["ads_ranker", "email_campaign", "fraud_review_queue", "homepage", "vip_programme"]


@pytest.fixture(scope="module")
def g():
    return shop_graph()


# --- typed nodes and edges --------------------------------------------------------------------

def test_every_node_is_typed_and_owned(g):
    expected = ({s.name: "source" for s in SOURCES} | {f.name: "feature" for f in FEATURES}
                | {m.name: "model" for m in MODEL_SPECS} | {c.name: "consumer" for c in CONSUMERS})
    assert dict(g.nodes(data="kind")) == expected
    for node, data in g.nodes(data=True):
        assert data["owner"] and data["description"], node


def test_every_edge_is_typed_by_its_two_ends(g):
    for u, v, kind in g.edges(data="kind"):
        ends = (g.nodes[u]["kind"], g.nodes[v]["kind"])
        assert kind == EDGE_KINDS[ends], (u, v, kind)
        assert kind != "depends_on"
        if kind == "model_input":  # a model trained on another model's score: within the model layer
            assert ends == ("model", "model"), (u, v)
        else:
            assert LAYERS.index(ends[0]) < LAYERS.index(ends[1])  # data flows left to right
    # The only model-to-model edge is the correction cascade: Spain's fraud model reads fraud_model.
    model_edges = {(u, v) for u, v, kind in g.edges(data="kind") if kind == "model_input"}
    assert model_edges == {("fraud_model", "fraud_model_es")}
    assert model_edges == {(up, m.name) for m in MODEL_SPECS for up in m.upstream_models()}


def test_the_graph_is_a_dag(g):
    assert nx.is_directed_acyclic_graph(g)


def test_every_model_input_is_an_input_edge_and_nothing_else_feeds_a_model(g):
    for spec in MODEL_SPECS:
        assert set(g.predecessors(spec.name)) == set(spec.inputs), spec.name
        for name in spec.inputs:
            expected = "model_input" if name in MODEL_SPECS_BY_NAME else "input"
            assert g.edges[name, spec.name]["kind"] == expected, (name, spec.name)
    assert set(g.predecessors("fraud_model_es")) == {"fraud_model", "avg_basket_value", "device"}
    assert g.edges["fraud_model", "fraud_model_es"]["kind"] == "model_input"
    assert g.edges["device", "fraud_model_es"]["kind"] == "input"


def test_features_come_from_their_source_and_share_its_owner(g):
    for f in FEATURES:
        assert list(g.predecessors(f.name)) == [f.source]
        assert g.edges[f.source, f.name]["kind"] == "extracts"
        assert g.nodes[f.name]["owner"] == g.nodes[f.source]["owner"]
    for s in SOURCES:  # the sources' declared columns are exactly their features
        assert set(g.successors(s.name)) == set(s.columns)


def test_consumers_read_exactly_what_they_declare(g):
    for c in CONSUMERS:
        assert set(g.predecessors(c.name)) == set(c.reads)
        assert all(g.edges[m, c.name]["kind"] == "output" for m in c.reads)
        assert list(g.successors(c.name)) == []
        assert g.nodes[c.name]["declared"] is c.declared
        assert all(g.edges[m, c.name]["declared"] is c.declared for m in c.reads)
    # One consumer reads a model's output without anyone having been told.
    assert [n for n, d in g.nodes(data="declared") if d is False] == ["ads_ranker"]
    assert set(g.predecessors("ads_ranker")) == {"churn_model"}


def test_nodes_of_kind_lists_each_layer_in_name_order(g):
    assert nodes_of_kind(g, "model") == sorted(m.name for m in MODEL_SPECS)
    assert nodes_of_kind(g, "source") == sorted(s.name for s in SOURCES)
    assert nodes_of_kind(g, "nonsense") == []


# --- ripple --------------------------------------------------------------------------------

def test_ripple_of_user_age_reaches_three_models_then_a_fourth_through_fraud_model_and_five_consumers(g):
    reached = ripple(g, "user_age")
    assert [(r.node, r.distance, r.kind) for r in reached] == (
        [(m, 1, "model") for m in USER_AGE_MODELS] + [(m, 2, "model") for m in USER_AGE_VIA_MODELS]
        + [(c, 2, "consumer") for c in USER_AGE_CONSUMERS])
    # From the specs: readers at one hop, the models reading a reader's score at two, and every
    # consumer of either at two (a consumer of a reader is two hops away, whatever else it reads).
    readers = {m.name for m in MODEL_SPECS if "user_age" in m.inputs}
    via = {m.name for m in MODEL_SPECS if m.name not in readers and readers & set(m.upstream_models())}
    assert (readers, via) == (set(USER_AGE_MODELS), set(USER_AGE_VIA_MODELS))
    assert {c.name for c in CONSUMERS if (readers | via) & set(c.reads)} == set(USER_AGE_CONSUMERS)
    # Control: the one model the change cannot reach, by any path, is not reached.
    assert "recommender" not in {r.node for r in reached}
    assert {m.name for m in MODEL_SPECS} - {r.node for r in reached} == {"recommender"}


def test_ripple_of_session_count_reaches_churn_and_the_recommender(g):
    reached = ripple(g, "session_count")
    assert [(r.node, r.distance, r.kind) for r in reached] == [
        ("churn_model", 1, "model"), ("recommender", 1, "model"),
        ("ads_ranker", 2, "consumer"), ("email_campaign", 2, "consumer"), ("homepage", 2, "consumer")]
    assert not ({"ltv_model", "fraud_model", "fraud_model_es", "vip_programme", "fraud_review_queue"}
                & {r.node for r in reached})


def test_ripple_is_everything_downstream_nearest_first_without_the_node_itself(g):
    for node in g:
        reached = ripple(g, node)
        names = [r.node for r in reached]
        assert set(names) == nx.descendants(g, node), node
        assert node not in names
        assert [r.distance for r in reached] == sorted(r.distance for r in reached)
        for r in reached:
            assert r.distance == nx.shortest_path_length(g, node, r.node)
            assert r.kind == g.nodes[r.node]["kind"]


def test_ripple_of_a_source_starts_with_its_features(g):
    reached = ripple(g, "clickstream")
    assert (reached[0].node, reached[0].distance, reached[0].kind) == ("session_count", 1, "feature")
    assert {r.node for r in reached if r.kind == "model"} == {"churn_model", "recommender"}


def test_ripple_of_a_model_read_by_another_model_reaches_that_model(g):
    """A correction cascade: a change to fraud_model's score reaches Spain's fraud model, and both
    feed the review queue."""
    assert [(r.node, r.distance, r.kind) for r in ripple(g, "fraud_model")] == [
        ("fraud_model_es", 1, "model"), ("fraud_review_queue", 1, "consumer")]
    # Control: a model nobody trains on reaches only its consumers.
    assert [(r.node, r.kind) for r in ripple(g, "fraud_model_es")] == [("fraud_review_queue", "consumer")]


@pytest.mark.parametrize("consumer", [c.name for c in CONSUMERS])
def test_ripple_of_a_consumer_is_empty(g, consumer):
    assert ripple(g, consumer) == []
    assert ripple_summary(g, consumer) == f"A change to consumer '{consumer}' reaches nothing downstream."


# --- ripple_summary ---------------------------------------------------------------------------

def test_ripple_summary_of_user_age_names_every_model_and_consumer(g):
    assert ripple_summary(g, "user_age") == (
        "A change to feature 'user_age' reaches 9 nodes: 4 models (churn_model, fraud_model, fraud_model_es, "
        "ltv_model) within 2 hops, 5 consumers (ads_ranker, email_campaign, fraud_review_queue, homepage, "
        "vip_programme) within 2 hops.")


def test_ripple_summary_of_session_count(g):
    assert ripple_summary(g, "session_count") == (
        "A change to feature 'session_count' reaches 5 nodes: 2 models (churn_model, recommender) "
        "within 1 hop, 3 consumers (ads_ranker, email_campaign, homepage) within 2 hops.")


def test_ripple_summary_counts_agree_with_ripple_for_every_node(g):
    for node in g:
        reached = ripple(g, node)
        text = ripple_summary(g, node)
        assert "\n" not in text
        assert f"'{node}'" in text
        if reached:
            assert f"reaches {len(reached)} node" in text
            for r in reached:
                assert r.node in text, (node, r.node)


def test_ripple_summary_says_one_node_in_the_singular(g):
    text = ripple_summary(g, "ltv_model")
    assert "1 consumer (vip_programme) within 1 hop" in text
    assert "reaches 1 node:" in text


# --- kind errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [ripple, ripple_summary])
def test_an_unknown_node_gives_one_line_naming_the_valid_ones(g, call):
    with pytest.raises(CourseInputError) as caught:
        call(g, "user_agee")
    text = str(caught.value)
    assert "\n" not in text
    assert "'user_agee'" in text and "did you mean 'user_age'" in text
    assert all(node in text for node in g)
