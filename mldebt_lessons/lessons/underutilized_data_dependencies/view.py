"""What lesson 05's explorer shows for one choice of candidate features, as plain data.

>>> from mldebt_lessons.shop.world import build_world
>>> view = feature_view(build_world(), frozenset({"inactive_30d"}))
>>> view.notes["pages_per_session"], view.notes["inactive_30d"].startswith("read;")
('not read', True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mldebt_lessons.course.drawing import KIND_COLOURS, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
    ALL_FEATURES,
    BASE_INPUTS,
    CANDIDATE_NAMES,
    PRUNED,
    Quality,
    all_qualities,
    model_quality,
)
from mldebt_lessons.shop.candidates import BASE_MODEL, CANDIDATES_BY_NAME, candidate_graph, changed_a_year_later

CHANGED_COLOUR = OKABE_ITO["vermillion"]


@dataclass(frozen=True)
class FeatureView:
    """Fills, notes and lit edges for the graph, the table rows and a summary, for one set of ticked candidates."""

    ticked: frozenset
    quality: Quality
    fills: dict
    notes: dict
    lit_edges: frozenset
    table_rows: list
    summary: str


def _row(name: str, q: Quality) -> dict:
    return {"model": name, "inputs": str(len(q.features)), "loss today": f"{q.loss_now:.1f}",
            "a year later": f"{q.loss_later:.1f}", "fragility": f"{q.fragility:+.1f}",
            "upstream nodes": str(len(q.upstream)), "teams": str(len(q.owners))}


@functools.lru_cache(maxsize=128)
def feature_view(world, ticked: frozenset) -> FeatureView:
    """Everything the explorer shows when ``ticked`` candidates are added to churn_model's inputs."""
    q = all_qualities(world)[frozenset(ticked)]
    graph = candidate_graph(world.graph)
    used = set(q.features)
    fills, notes = {}, {}
    for name in ALL_FEATURES:
        if name in used:
            changes = name in changed_a_year_later()
            fills[name] = blend(CHANGED_COLOUR, 0.55) if changes else blend(KIND_COLOURS["feature"], 0.45)
            kind = CANDIDATES_BY_NAME[name].kind if name in CANDIDATES_BY_NAME else "today's input"
            notes[name] = f"read; {kind}" + (", changes later" if changes else "")
        else:
            notes[name] = "not read"
    for node in q.upstream:
        if graph.nodes[node]["kind"] == "source":
            fills[node] = blend(KIND_COLOURS["source"], 0.45)
            notes[node] = "feeds the model"
    for node, kind in graph.nodes(data="kind"):
        if kind == "source" and node not in notes:
            notes[node] = "not needed"
    fills[BASE_MODEL] = blend(CHANGED_COLOUR, 0.3 + 0.7 * min(q.fragility / 10.0, 1.0)) if q.fragility > 0 else \
        blend(KIND_COLOURS["model"], 0.45)
    notes[BASE_MODEL] = f"loss {q.loss_now:.1f} -> {q.loss_later:.1f}"
    for consumer in graph.successors(BASE_MODEL):
        notes[consumer] = "hit a year later" if q.fragility > 0 else "unaffected"
        if q.fragility > 0:
            fills[consumer] = blend(CHANGED_COLOUR, 0.3)
    lit = frozenset((u, v) for u, v in graph.edges if u in q.upstream and (v in q.upstream or v == BASE_MODEL))
    lit |= frozenset((BASE_MODEL, c) for c in graph.successors(BASE_MODEL)) if q.fragility > 0 else frozenset()
    rows = [_row("your choice", q), _row("today's inputs only", model_quality(world, BASE_INPUTS)),
            _row("pruned (+ inactive_30d)", model_quality(world, PRUNED)),
            _row("every candidate", model_quality(world, ALL_FEATURES))]
    added = ", ".join(n for n in CANDIDATE_NAMES if n in ticked) or "none"
    summary = (f"churn_model with candidates: {added}. Excess log loss today {q.loss_now:.1f}, a year later "
               f"{q.loss_later:.1f} (fragility {q.fragility:+.1f} thousandths). It depends on {len(q.upstream)} "
               f"upstream nodes owned by {len(q.owners)} teams ({', '.join(q.owners)}).")
    return FeatureView(frozenset(ticked), q, fills, notes, lit, rows, summary)


TABLE_NOTE = ("Loss: excess log loss against the true churn chances on held-out users, in thousandths (0 = the "
              "true chances; lower is better). Fragility: how much the loss rises a year later, when the legacy "
              "code arrives blank and the catalogue goes out at random. Upstream nodes: every source and feature "
              "the model depends on; teams: their owners.")


def table_html(rows: list) -> str:
    return f"{rows_html(rows, lambda r: 'font-weight:bold' if r['model'] == 'your choice' else '')}" \
           f"<p style='font-size:smaller;max-width:46em'>{TABLE_NOTE}</p>"


def longest_notes(world) -> dict:
    longest: dict = {}
    for ticked in all_qualities(world):
        for node, note in feature_view(world, ticked).notes.items():
            if len(note) > len(longest.get(node, "")):
                longest[node] = note
    return longest


def feature_picture(world, title: str = "") -> GraphPicture:
    """An unpainted picture of churn_model's sources, features, and readers, sized for every view's notes."""
    graph = candidate_graph(world.graph)
    return GraphPicture(graph, title=title, longest_note=longest_notes(world))
