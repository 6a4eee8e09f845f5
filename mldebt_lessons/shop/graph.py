"""The shop's dependency graph and plain queries over it.

Nodes carry ``kind`` (source, feature, model, consumer) and ``owner``; edges carry ``kind``:
``extracts`` (source -> feature), ``input`` (feature -> model), ``model_input`` (model -> model,
a model trained on another's score), ``output`` (model -> consumer). Consumer nodes and their
edges also carry ``declared``: False for a reader nobody was told about.
Data flows along the edges, so everything a change can reach lies downstream.

Example
-------
>>> g = shop_graph()
>>> [(r.node, r.distance) for r in ripple(g, "session_count")]
[('churn_model', 1), ('recommender', 1), ('ads_ranker', 2), ('email_campaign', 2), ('homepage', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import SOURCES
from mldebt_lessons.shop.features import FEATURES
from mldebt_lessons.shop.models import MODEL_SPECS

LAYERS = ("source", "feature", "model", "consumer")
EDGE_KINDS = {("source", "feature"): "extracts", ("feature", "model"): "input",
              ("model", "consumer"): "output", ("model", "model"): "model_input"}


@dataclass(frozen=True)
class Consumer:
    """Something that acts on a model's output: a campaign, a queue, a page."""

    name: str
    owner: str
    description: str
    reads: tuple[str, ...]
    declared: bool = True  # False: it reads the models' outputs without anyone having been told


CONSUMERS = (
    Consumer("email_campaign", "marketing team", "win-back emails to likely churners", ("churn_model",)),
    Consumer("vip_programme", "loyalty team", "invitations for the top tenth by predicted spend",
             ("ltv_model",)),
    Consumer("fraud_review_queue", "payments team", "orders held for a person to check",
             ("fraud_model", "fraud_model_es")),
    Consumer("homepage", "homepage team", "personalised carousel, and a discount banner for likely churners",
             ("recommender", "churn_model")),
    Consumer("ads_ranker", "ads team", "picks whom to show paid ads, using churn scores it found in the logs",
             ("churn_model",), declared=False),
)


@dataclass(frozen=True)
class Reach:
    """One node a change reaches: how many hops away and what kind of thing it is."""

    node: str
    distance: int
    kind: str


def shop_graph(sources=SOURCES, features=FEATURES, models=MODEL_SPECS, consumers=CONSUMERS) -> nx.DiGraph:
    """Build the typed feature-to-model graph of the shop from its specs."""
    g = nx.DiGraph()
    for s in sources:
        g.add_node(s.name, kind="source", owner=s.owner, description=s.description)
    for f in features:
        g.add_node(f.name, kind="feature", owner=_owner_of(f.source, sources), description=f.description)
        add_edge(g, f.source, f.name)
    for m in models:
        g.add_node(m.name, kind="model", owner=m.owner, description=m.purpose)
        for name in m.inputs:
            add_edge(g, name, m.name)
    for c in consumers:
        g.add_node(c.name, kind="consumer", owner=c.owner, description=c.description, declared=c.declared)
        for name in c.reads:
            add_edge(g, name, c.name)
            g.edges[name, c.name]["declared"] = c.declared
    return g


def _owner_of(source_name, sources):
    return next(s.owner for s in sources if s.name == source_name)


def add_edge(g: nx.DiGraph, upstream: str, downstream: str) -> None:
    """Add a data-flow edge typed by the kinds of its two ends."""
    kinds = (g.nodes[upstream]["kind"], g.nodes[downstream]["kind"])
    g.add_edge(upstream, downstream, kind=EDGE_KINDS.get(kinds, "depends_on"))


def check_node(g: nx.DiGraph, node: str) -> None:
    """Raise a one-line error if ``node`` is not in the graph."""
    if node not in g:
        raise unknown_choice("node", node, sorted(g))


def ripple(g: nx.DiGraph, node: str) -> list[Reach]:
    """Everything downstream of ``node``, nearest first, with its distance and kind."""
    check_node(g, node)
    distances = nx.single_source_shortest_path_length(g, node)
    reached = [Reach(n, d, g.nodes[n]["kind"]) for n, d in distances.items() if n != node]
    return sorted(reached, key=lambda r: (r.distance, LAYERS.index(r.kind) if r.kind in LAYERS else 99, r.node))


def nodes_of_kind(g: nx.DiGraph, kind: str) -> list[str]:
    """The nodes of one kind, in name order."""
    return sorted(n for n, k in g.nodes(data="kind") if k == kind)


def ripple_summary(g: nx.DiGraph, node: str) -> str:
    """One paragraph saying what a change to ``node`` reaches.

    >>> print(ripple_summary(shop_graph(), "country"))
    A change to feature 'country' reaches 4 nodes: 2 models (ltv_model, recommender) within 1 hop, 2 consumers (homepage, vip_programme) within 2 hops.
    """
    reached = ripple(g, node)
    kind = g.nodes[node]["kind"]
    if not reached:
        return f"A change to {kind} '{node}' reaches nothing downstream."
    parts = []
    for layer in LAYERS + ("other",):
        group = [r for r in reached if (r.kind if r.kind in LAYERS else "other") == layer]
        if group:
            names = ", ".join(sorted(r.node for r in group))
            far = max(r.distance for r in group)
            noun = layer if len(group) == 1 else layer + "s"
            parts.append(f"{len(group)} {noun} ({names}) within {far} hop{'s' if far > 1 else ''}")
    nodes = "node" if len(reached) == 1 else "nodes"
    return f"A change to {kind} '{node}' reaches {len(reached)} {nodes}: {', '.join(parts)}."


def describe_graph(g: nx.DiGraph) -> str:
    """The graph in words, one line per source, model and consumer: a text twin of the picture."""
    lines = []
    for kind, verb in (("source", "yields"), ("model", "reads"), ("consumer", "acts on")):
        for n in nodes_of_kind(g, kind):
            related = sorted(g.successors(n)) if kind == "source" else sorted(g.predecessors(n))
            line = f"{n} ({g.nodes[n].get('owner', 'no owner')}) {verb} {', '.join(related)}"
            if kind == "model":
                line += f"; read by {', '.join(sorted(g.successors(n))) or 'nobody'}"
            lines.append(line + ".")
    return "\n".join(lines)


def model_chains(g: nx.DiGraph) -> list[tuple[str, ...]]:
    """Every longest chain of models in which each model reads the score of the one before.

    A chain of two or more is a correction cascade; its length is the cascade's depth.

    >>> model_chains(shop_graph())
    [('fraud_model', 'fraud_model_es')]
    """
    models = g.subgraph(n for n, k in g.nodes(data="kind") if k == "model")
    chains = []
    for start in sorted(n for n in models if models.in_degree(n) == 0 and models.out_degree(n) > 0):
        for end in sorted(n for n in models if models.out_degree(n) == 0):
            chains.extend(tuple(p) for p in nx.all_simple_paths(models, start, end))
    return sorted(chains)


def cascade_depth(g: nx.DiGraph, model: str) -> int:
    """How many models deep ``model`` sits: 1 for a model that reads no other model.

    >>> cascade_depth(shop_graph(), "fraud_model_es")
    2
    """
    check_node(g, model)
    upstream = [p for p in g.predecessors(model) if g.nodes[p]["kind"] == "model"]
    return 1 + max((cascade_depth(g, p) for p in upstream), default=0)
