"""What the CACE picture shows for one experiment, as plain data (no widgets, no drawing).

>>> from mldebt_lessons.shop.world import build_world
>>> view = cace_view(build_world(), "user_age", "units", "serving")
>>> view.fills["user_age"] == CHANGED_FILL, view.notes["recommender"]
(True, 'no change')
>>> cace_view(build_world(), "churn_model", "drop device", "retrained").notes["churn_model"].startswith("changed")
True
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, blend
from mldebt_lessons.course.tables import MUTED, rows_html, rows_text
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODE_LABELS,
    MODES,
    NOISE_NOTE,
    changes_of,
    consumer_effects,
    effects_table,
    measure_cace,
    modes_differ,
)
from mldebt_lessons.shop.graph import LAYERS, ripple
from mldebt_lessons.shop.world import World

EFFECT_COLOUR = OKABE_ITO["vermillion"]
FULL_EFFECT = 0.5  # a flip share at or above this gets the darkest fill
CHART_PX = 12  # the smallest text of a chart, in points: at 100% zoom at least 12 px on screen
CHART_WIDTH = 5.6  # inches: 560 px at 100 dpi, inside a notebook's 592-px output area at 1024 px


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


def cace_view(world: World, target: str, change: str, mode: str) -> CaceView:
    """Everything the CACE widget shows for ``target`` -> ``change`` in ``mode``."""
    effects = measure_cace(world, target, change, mode)
    share = {e.model: e.decisions_flipped for e in effects}
    share.update(consumer_effects(world, target, change, mode))
    reached = {r.node for r in ripple(world.graph, target)}
    is_model = target in world.models
    fills = {node: effect_fill(flipped) for node, flipped in share.items()}
    fills[target] = CHANGED_FILL
    if is_model:  # a model's own change: it is both the change and an effect, and says its own flips
        notes = {target: f"changed: {share[target]:.1%}"}
        reached.add(target)
    else:
        notes = {target: f"changed: {change}"}
    for node, flipped in share.items():
        notes.setdefault(node, f"flips {flipped:.1%}" if node in reached else "no change")
    lit = frozenset((u, v) for u, v in world.graph.edges if (u == target or u in reached) and v in reached)
    return CaceView(fills, notes, lit, effects_table(effects), summary_of(world, target, change, mode, effects,
                                                                          share, reached))


def summary_of(world, target, change, mode, effects, share, reached) -> str:
    """One or two sentences: how far the change reaches, the largest effect beside its noise floor."""
    floor = {e.model: e.noise_flipped for e in effects}
    mode_text = MODE_LABELS[mode] if modes_differ(world, target) else "no other model reads its score"
    # Largest share first; on a tie, the model before the consumers it feeds.
    hit = sorted((n for n in reached if share.get(n, 0) > 0),
                 key=lambda n: (-round(share[n], 12), LAYERS.index(world.graph.nodes[n]["kind"]), n))
    head = f"{target} -> {change} ({mode_text}): "
    if not hit:
        return head + f"it reaches {len(reached)} nodes, but no decision flips."
    top = next((n for n in hit if n in floor), hit[0])
    text = (head + f"decisions flip in {len(hit)} of the {len(reached)} nodes it reaches, most in "
            f"{hit[0]} ({share[hit[0]]:.1%}).")
    if top in floor:
        beside = "above" if share[top] > floor[top] else "within"
        text += (f" {top} flips {share[top]:.1%} against a noise floor of {floor[top]:.1%}: {beside} the noise "
                 "of retraining with another seed.")
    return text


def cace_picture(world: World, target: str, change: str, mode: str):
    """A static picture of one experiment, and its view (for reports; the notebook shows the explorer)."""
    from mldebt_lessons.course.drawing import GraphPicture
    view = cace_view(world, target, change, mode)
    picture = GraphPicture(world.graph, title=f"{world.company}: {target} -> {change}, {MODE_LABELS[mode]}")
    picture.paint(view.fills, view.notes, view.lit_edges)
    return picture, view


def table_text(rows: list[dict]) -> str:
    """The effects table as fixed-width text."""
    return rows_text(rows)


def table_html(rows: list[dict]) -> str:
    """The effects table as HTML, with a line saying what the noise floor is; controls are greyed."""
    note = f"<p style='margin:4px 0;max-width:580px'><small>{NOISE_NOTE[0].upper() + NOISE_NOTE[1:]}.</small></p>"
    return rows_html(rows, lambda row: MUTED if row.get("reached", "").startswith("no") else "") \
        + note


def percent_label(share: float) -> str:
    """A bar's label: whole percent from 10% up, one decimal below (so 0.4% does not read as 0%).

    >>> percent_label(0.762), percent_label(0.004)
    ('76%', '0.4%')
    """
    return f"{100 * share:.0f}%" if share >= 0.1 else f"{100 * share:.1f}%"


def flips_by_change(world, target: str, model: str):
    """Bar chart: share of ``model``'s decisions flipped by each change to ``target``, in both modes,
    beside the model's noise floor. Horizontal bars, so every label has room (text at least 12 points)."""
    changes = [c for c in changes_of(target) if not c.startswith("add ")]
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 1.6 + 0.62 * len(changes)), layout="constrained")
    height = 0.38
    colours = {"serving": OKABE_ITO["vermillion"], "retrained": OKABE_ITO["blue"]}
    floor = 0.0
    for k, mode in enumerate(MODES):
        effects = [next(e for e in measure_cace(world, target, c, mode) if e.model == model) for c in changes]
        floor = effects[0].noise_flipped
        ys = [i + (k - 0.5) * height for i in range(len(changes))]
        bars = ax.barh(ys, [100 * e.decisions_flipped for e in effects], height, color=colours[mode],
                       label="not retrained" if mode == "serving" else "retrained")
        ax.bar_label(bars, labels=[percent_label(e.decisions_flipped) for e in effects], fontsize=CHART_PX,
                     padding=3)
    # A pale band, not a line, so that the bars' labels never sit on a stroke.
    ax.axvspan(0, 100 * floor, color="#BBBBBB", alpha=0.45, zorder=0, linewidth=0,
               label=f"noise floor: up to {100 * floor:.1f}%")
    ax.set_yticks(range(len(changes)), changes, fontsize=CHART_PX)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=CHART_PX)
    ax.set_xlabel("decisions flipped (%)", fontsize=CHART_PX)
    ax.set_xlim(0, 100)
    ax.set_title(f"{model}: what each change\nto {target} does", loc="left", fontsize=CHART_PX + 1)
    # Below the chart, not on it: at 580 px a legend inside would sit on the bars.
    fig.legend(frameon=False, fontsize=CHART_PX, loc="outside lower center", ncols=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def flips_by_change_summary(world, target: str, model: str) -> str:
    """The flips chart in words, each change beside the noise floor."""
    lines, more_after_retraining, within_floor = [], [], []
    floor = None
    for change in [c for c in changes_of(target) if not c.startswith("add ")]:
        serving, retrained = (next(e for e in measure_cace(world, target, change, mode) if e.model == model)
                              for mode in MODES)
        floor = serving.noise_flipped
        lines.append(f"{change:<8} not retrained {serving.decisions_flipped:6.1%}   "
                     f"retrained {retrained.decisions_flipped:6.1%}")
        if retrained.decisions_flipped > serving.decisions_flipped:
            # Only a retrained flip share above the noise floor is the change's; below it, it could be noise.
            (more_after_retraining if retrained.decisions_flipped > floor else within_floor).append(change)
    lines.append(f"noise floor (retrained with another seed, no change): {floor:.1%}")
    if more_after_retraining:
        lines.append(f"For {', '.join(more_after_retraining)}, retraining flips MORE decisions than not retraining, "
                     "above the noise floor: the change barely moves the old model's inputs, but a retrained model "
                     "is a new model, with new weights for every input.")
    if within_floor:
        lines.append(f"For {', '.join(within_floor)}, retraining flips a few more decisions than not retraining, "
                     "but within the noise floor: too few to tell from retraining with another seed.")
    return "\n".join(lines)
