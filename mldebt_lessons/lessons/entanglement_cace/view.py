"""What the CACE picture shows for one experiment, as plain data (no widgets, no drawing).

>>> from mldebt_lessons.shop.world import build_world
>>> view = cace_view(build_world(), "user_age", "units", "serving")
>>> view.fills["user_age"] == CHANGED_FILL, view.notes["recommender"]
(True, 'no change')
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, blend
from mldebt_lessons.course.tables import MUTED, rows_html, rows_text
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODE_LABELS,
    consumer_effects,
    effects_table,
    measure_cace,
)
from mldebt_lessons.shop.graph import LAYERS, ripple
from mldebt_lessons.shop.world import World

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
    from mldebt_lessons.course.drawing import GraphPicture
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


def flips_by_change(world, feature: str, model: str):
    """Bar chart: share of ``model``'s decisions flipped by each change to ``feature``, in both modes."""
    from mldebt_lessons.lessons.entanglement_cace.experiment import (
        MODE_LABELS,
        MODES,
        measure_cace,
    )
    from mldebt_lessons.shop.features import changes_for
    changes = changes_for(feature)
    fig, ax = plt.subplots(figsize=(8, 3))
    width = 0.38
    colours = {"serving": OKABE_ITO["vermillion"], "retrained": OKABE_ITO["blue"]}
    for k, mode in enumerate(MODES):
        shares = [next(e.decisions_flipped for e in measure_cace(world, feature, c, mode) if e.model == model)
                  for c in changes]
        xs = [i + (k - 0.5) * width for i in range(len(changes))]
        bars = ax.bar(xs, [100 * s for s in shares], width, color=colours[mode], label=MODE_LABELS[mode])
        ax.bar_label(bars, labels=[f"{100 * s:.1f}%" for s in shares], fontsize=8, padding=2)
    ax.set_xticks(range(len(changes)), changes)
    ax.set_ylabel("decisions flipped (%)")
    ax.set_title(f"{model}: what each change to {feature} does", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=9)
    ax.margins(y=0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def flips_by_change_summary(world, feature: str, model: str) -> str:
    """The flips chart in words, and why retraining can flip more decisions than not retraining."""
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    from mldebt_lessons.shop.features import changes_for
    lines, more_after_retraining = [], []
    for change in changes_for(feature):
        serving, retrained = (next(e.decisions_flipped for e in measure_cace(world, feature, change, mode)
                                   if e.model == model) for mode in ("serving", "retrained"))
        lines.append(f"{change:<8} not retrained {serving:6.1%}   retrained {retrained:6.1%}")
        if retrained > serving:
            more_after_retraining.append(change)
    if more_after_retraining:
        lines.append(f"For {', '.join(more_after_retraining)}, retraining flips MORE decisions than not retraining: "
                     "the change barely moves the old model's inputs, but a retrained model is a new model, "
                     "with new weights for every input.")
    return "\n".join(lines)

