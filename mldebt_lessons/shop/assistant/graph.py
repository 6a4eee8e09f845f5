"""The shop graph with Larkspur's support assistant added: prompts, index, embedder, hosted model, judge.

:func:`assistant_graph` returns a copy; the shop's own graph (and every other lesson's numbers) is unchanged.

>>> from mldebt_lessons.shop.graph import shop_graph, ripple
>>> g = assistant_graph(shop_graph())
>>> sorted(r.node for r in ripple(g, "judge"))
['eval_dashboard', 'release_gate']
>>> "judge" in shop_graph()
False
"""

from __future__ import annotations

import networkx as nx

from mldebt_lessons.shop.graph import add_edge

ASSISTANT_NODES = {  # node: (kind, owner, description)
    "help_articles": ("source", "support team", "the help centre's articles"),
    "question_log": ("source", "support team", "customers' past questions"),
    "assistant_prompt": ("feature", "support team", "the prompt template the hosted model is sent"),
    "embedder": ("feature", "search team", "LSA embedder that turns texts into vectors"),
    "article_index": ("feature", "search team", "every article's vector, searched for each question"),
    "hosted_model": ("model", "model vendor", "a language model behind someone else's API"),
    "judge": ("model", "model vendor", "a language model that scores the assistant's answers"),
    "support_chat": ("consumer", "support team", "shows customers the parsed answer"),
    "escalation_queue": ("consumer", "support team", "answers below a confidence go to a person"),
    "eval_dashboard": ("consumer", "support team", "the judge's pass rate, week by week"),
    "release_gate": ("consumer", "support team", "ships a change when the pass rate holds"),
}
ASSISTANT_EDGES = (
    ("help_articles", "embedder"), ("question_log", "embedder"), ("help_articles", "article_index"),
    ("embedder", "article_index"), ("article_index", "hosted_model"), ("assistant_prompt", "hosted_model"),
    ("hosted_model", "support_chat"), ("hosted_model", "escalation_queue"), ("hosted_model", "judge"),
    ("judge", "eval_dashboard"), ("judge", "release_gate"), ("recommender", "support_chat"),
)


def assistant_graph(world_graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``world_graph`` with the assistant's nodes and edges (the support chat also shows the
    recommender's picks)."""
    g = world_graph.copy()
    for node, (kind, owner, description) in ASSISTANT_NODES.items():
        g.add_node(node, kind=kind, owner=owner, description=description)
    for u, v in ASSISTANT_EDGES:
        add_edge(g, u, v)
    return g
