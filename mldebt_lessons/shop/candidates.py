"""Candidate features for ``churn_model``: inputs other teams offer, and how the world later changes them.

Lesson 05 (underutilized data dependencies) asks which of these are worth their cost. Each is real
in Larkspur, built from the world's own seeded data plus new random streams (``[seed, 50]`` for the
features, ``[seed, 51]`` for the world a year later), and each is one of the paper's four kinds:

* **legacy**: ``platform_code_v1``, the old sign-up system's platform code (APP, WEB, MWEB), kept beside
  its replacement ``device``: it says exactly the same thing. A year later the old system is switched
  off and the field arrives blank; like any category not seen in training, blank gets all zeros.
* **bundle**: the growth team's engagement bundle, added together: ``inactive_30d`` (no session in the
  last 30 days; the truth's churn chance falls steeply over the first few sessions, which a straight line
  in ``session_count`` misses), ``pages_per_session`` and ``scroll_depth`` (both unrelated to churning).
* **epsilon**: ``member_over_a_year``, the loyalty programme's one-year badge: a coarse copy of tenure,
  which the model already reads in full.
* **correlated**: ``catalogue_subscriber``, whether the customer asked for the printed catalogue.
  Older customers ask for it, and age drives churn; the catalogue does not. A year later print
  marketing posts the catalogue to a random half of customers, whatever their age: the correlation breaks.

Nothing here changes the world's existing data, features or models.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> table = candidate_table(world)
>>> sorted(CANDIDATES_BY_NAME) == sorted(n for n in table if n not in world.features)
True
>>> sorted(set(table["platform_code_v1"].tolist()))
['APP', 'MWEB', 'WEB']
>>> sorted(set(candidate_table(world, a_year_later=True)["platform_code_v1"].tolist()))
['']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx
import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import SOURCES, Source, true_age
from mldebt_lessons.shop.graph import CONSUMERS, add_edge
from mldebt_lessons.shop.models import model_spec

BASE_MODEL = "churn_model"
FEATURE_STREAM, LATER_STREAM = 50, 51  # new random streams: np.random.default_rng([world.seed, K])
KINDS = ("legacy", "bundle", "epsilon", "correlated")

EXTRA_SOURCES = (
    Source("old_signup_system", "platform team", "the sign-up system the shop is retiring", ("platform_code_v1",)),
    Source("loyalty_db", "loyalty team", "loyalty programme memberships and badges", ("member_over_a_year",)),
    Source("catalogue_list", "print marketing team", "who gets the printed catalogue", ("catalogue_subscriber",)),
)
ALL_SOURCES = SOURCES + EXTRA_SOURCES


@dataclass(frozen=True)
class Candidate:
    """One feature offered to ``churn_model``: its kind, what it reads, and who owns it."""

    name: str
    kind: str  # one of KINDS
    reads: tuple[str, ...]  # the sources it is computed from
    owner: str
    description: str
    bundle: str = ""  # the bundle it was added with, if any


CANDIDATES = (
    Candidate("platform_code_v1", "legacy", ("old_signup_system",), "platform team",
              "the old sign-up system's platform code (device replaced it)"),
    Candidate("inactive_30d", "bundle", ("clickstream",), "growth team",
              "no session in the last 30 days", bundle="engagement bundle"),
    Candidate("pages_per_session", "bundle", ("clickstream",), "growth team",
              "pages viewed per session", bundle="engagement bundle"),
    Candidate("scroll_depth", "bundle", ("clickstream",), "growth team",
              "how far down a page the user scrolls, on average", bundle="engagement bundle"),
    Candidate("member_over_a_year", "epsilon", ("loyalty_db", "accounts_db"), "loyalty team",
              "the loyalty programme's one-year badge"),
    Candidate("catalogue_subscriber", "correlated", ("catalogue_list", "accounts_db"), "print marketing team",
              "asked for the printed catalogue (older customers do)"),
)
CANDIDATES_BY_NAME = {c.name: c for c in CANDIDATES}
BASE_INPUTS = model_spec(BASE_MODEL).inputs  # what churn_model reads today


def candidate(name: str) -> Candidate:
    """Look up a candidate feature by name, with a one-line error naming the valid ones."""
    try:
        return CANDIDATES_BY_NAME[name]
    except KeyError:
        raise unknown_choice("candidate feature", name, CANDIDATES_BY_NAME) from None


def _catalogue_chance(age: np.ndarray) -> np.ndarray:
    """Older customers ask for the printed catalogue: about half at 50, few under 35."""
    return 1.0 / (1.0 + np.exp(-(age - 50.0) / 5.0))


def candidate_columns(world) -> dict[str, np.ndarray]:
    """The candidate features of every home-market user, as the other teams deliver them today."""
    return _columns(world.seed, world)


@functools.lru_cache(maxsize=8)
def _columns(seed: int, world) -> dict[str, np.ndarray]:
    raw = world.raw
    n = len(raw["user_age"])
    rng = np.random.default_rng([seed, FEATURE_STREAM])
    codes = {"app": "APP", "desktop": "WEB", "mobile_web": "MWEB"}
    out = {
        "platform_code_v1": np.array([codes[d] for d in raw["device"]]),
        "inactive_30d": (raw["session_count"] == 0).astype(float),
        "pages_per_session": np.round(rng.gamma(3.0, 1.5, n), 1),
        "scroll_depth": np.round(rng.beta(2.0, 3.0, n), 2),
        "member_over_a_year": (raw["days_since_signup"] >= 365).astype(float),
        "catalogue_subscriber": (rng.random(n) < _catalogue_chance(true_age(raw))).astype(float),
    }
    for column in out.values():
        column.setflags(write=False)
    return out


def a_year_later(world) -> dict[str, np.ndarray]:
    """The candidate features a year later: the old sign-up system is off, and the catalogue goes to a random half.

    The legacy field arrives blank for everyone (a category the model never saw: all zeros). The catalogue
    now goes to a random half of customers, whatever their age. Every other feature, candidate or not, is
    as it was.
    """
    return _later(world.seed, world)


@functools.lru_cache(maxsize=8)
def _later(seed: int, world) -> dict[str, np.ndarray]:
    now = candidate_columns(world)
    n = len(now["platform_code_v1"])
    rng = np.random.default_rng([seed, LATER_STREAM])
    out = dict(now)
    out["platform_code_v1"] = np.full(n, "")
    out["catalogue_subscriber"] = (rng.random(n) < 0.5).astype(float)
    for column in out.values():
        column.setflags(write=False)
    return out


def changed_a_year_later() -> tuple[str, ...]:
    """The candidate features the world changes a year later.

    >>> changed_a_year_later()
    ('platform_code_v1', 'catalogue_subscriber')
    """
    return ("platform_code_v1", "catalogue_subscriber")


def candidate_table(world, a_year_later: bool = False) -> dict[str, np.ndarray]:
    """The world's feature table plus every candidate feature (today, or a year later)."""
    extra = _later(world.seed, world) if a_year_later else candidate_columns(world)
    return {**world.features, **extra}


def candidate_graph(world_graph: nx.DiGraph) -> nx.DiGraph:
    """``churn_model``'s part of the shop: every source and feature it reads or could read, it, and its readers.

    >>> g = candidate_graph(__import__("mldebt_lessons.shop.graph", fromlist=["shop_graph"]).shop_graph())
    >>> sorted(g.predecessors("catalogue_subscriber"))
    ['accounts_db', 'catalogue_list']
    """
    g = nx.DiGraph()
    used_sources = {s for f in BASE_INPUTS for s in world_graph.predecessors(f)}
    used_sources |= {s for c in CANDIDATES for s in c.reads}
    for s in ALL_SOURCES:
        if s.name in used_sources:
            g.add_node(s.name, kind="source", owner=s.owner, description=s.description)
    for name in BASE_INPUTS:
        g.add_node(name, kind="feature", owner=world_graph.nodes[name]["owner"],
                   description=world_graph.nodes[name]["description"])
        for source in world_graph.predecessors(name):
            add_edge(g, source, name)
    for c in CANDIDATES:
        g.add_node(c.name, kind="feature", owner=c.owner, description=c.description)
        for source in c.reads:
            add_edge(g, source, c.name)
    spec = model_spec(BASE_MODEL)
    g.add_node(BASE_MODEL, kind="model", owner=spec.owner, description=spec.purpose)
    for name in BASE_INPUTS + tuple(c.name for c in CANDIDATES):
        add_edge(g, name, BASE_MODEL)
    for consumer in CONSUMERS:
        if BASE_MODEL in consumer.reads:
            g.add_node(consumer.name, kind="consumer", owner=consumer.owner, description=consumer.description,
                       declared=consumer.declared)
            add_edge(g, BASE_MODEL, consumer.name)
            g.edges[BASE_MODEL, consumer.name]["declared"] = consumer.declared
    return g


def upstream_of(graph: nx.DiGraph, features) -> tuple[set, set]:
    """(upstream nodes, their owners) of a set of features: the features and every node feeding them."""
    nodes = set()
    for f in features:
        nodes |= {f} | nx.ancestors(graph, f)
    return nodes, {graph.nodes[n]["owner"] for n in nodes}
