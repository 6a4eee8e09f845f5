"""What the CACE picture shows for one experiment, as plain data (no widgets, no drawing).

>>> from mldebt_lessons.world import build_world
>>> view = cace_view(build_world(), "user_age", "units", "serving")
>>> view.fills["user_age"] == CHANGED_FILL, view.notes["recommender"]
(True, 'no change')
"""

from __future__ import annotations

from dataclasses import dataclass

from .cace import MODE_LABELS, consumer_effects, effects_table, measure_cace
from .drawing import CHANGED_FILL, OKABE_ITO, blend
from .graph import LAYERS, ripple
from .tables import MUTED, rows_html, rows_text
from .world import World

EFFECT_COLOUR = OKABE_ITO["vermillion"]
FULL_EFFECT = 0.5  # a flip share at or above this gets the darkest fill


@dataclass(frozen=True)
class CaceView:
    """Fills, notes and lit edges for the graph, plus the table and a one-line summary."""

    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    table_rows: list[dict]
    summary: str

    @property
    def table_text(self) -> str:
        return table_text(self.table_rows)

    @property
    def table(self):
        """The effects table for a notebook: HTML, so it wraps to the page instead of running off it."""
        from IPython.display import HTML
        return HTML(table_html(self.table_rows))


def effect_fill(share: float) -> str:
    """White for no effect; then pale to dark vermillion as the flipped share grows.

    >>> effect_fill(0.0), effect_fill(1.0)
    ('#FFFFFF', '#D55E00')
    """
    if share <= 0:
        return "#FFFFFF"
    return blend(EFFECT_COLOUR, 0.2 + 0.8 * min(share / FULL_EFFECT, 1.0) ** 0.5)


def cace_view(world: World, feature: str, change: str, mode: str) -> CaceView:
    """Everything the CACE widget shows for ``feature`` -> ``change`` in ``mode``."""
    effects = measure_cace(world, feature, change, mode)
    share = {e.model: e.decisions_flipped for e in effects}
    share.update(consumer_effects(world, feature, change, mode))
    reached = {r.node for r in ripple(world.graph, feature)}
    fills, notes = {feature: CHANGED_FILL}, {feature: f"changed: {change}"}
    for node, flipped in share.items():
        fills[node] = effect_fill(flipped)
        notes[node] = f"flips {flipped:.1%}" if node in reached else "no change"
    lit = frozenset((u, v) for u, v in world.graph.edges
                    if (u == feature or u in reached) and v in reached)
    # Largest share first; on a tie, the model before the consumers it feeds.
    hit = sorted((n for n in reached if share.get(n, 0) > 0),
                 key=lambda n: (-round(share[n], 12), LAYERS.index(world.graph.nodes[n]["kind"]), n))
    if hit:
        summary = (f"{feature} -> {change} ({MODE_LABELS[mode]}): decisions flip in {len(hit)} of the "
                   f"{len(reached)} downstream nodes, most in {hit[0]} ({share[hit[0]]:.1%}).")
    else:
        summary = (f"{feature} -> {change} ({MODE_LABELS[mode]}): it reaches {len(reached)} nodes, "
                   "but no decision flips.")
    return CaceView(fills, notes, lit, effects_table(effects), summary)


def cace_picture(world: World, feature: str, change: str, mode: str):
    """A static picture of one experiment, and its view (for notebooks and reports)."""
    from .drawing import GraphPicture
    view = cace_view(world, feature, change, mode)
    picture = GraphPicture(world.graph, title=f"{world.company}: {feature} -> {change}, {MODE_LABELS[mode]}")
    picture.paint(view.fills, view.notes, view.lit_edges)
    return picture, view


def table_text(rows: list[dict]) -> str:
    """The effects table as fixed-width text."""
    return rows_text(rows)


def table_html(rows: list[dict]) -> str:
    """The effects table as HTML; the controls (models the change cannot reach) are greyed."""
    return rows_html(rows, lambda row: MUTED if row.get("reads it?", "").startswith("no") else "")
