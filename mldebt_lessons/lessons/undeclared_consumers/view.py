"""What lesson 03's pictures show, as plain data: the graph's colours and notes for one output change,
the table of measured outcomes, a one-paragraph summary, and the hidden loop's chart.

>>> from mldebt_lessons.shop.world import build_world
>>> view = consumer_view(build_world(), "churn_model", "rescale")
>>> view.notes["churn_model"], view.notes["ads_ranker"].startswith("NOT told")
('changed: rescale', True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import MUTED, rows_html
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    CHANGEABLE_MODELS,
    OUTPUT_CHANGES,
    TABLE_NOTE,
    ConsumerOutcome,
    declared_consumers,
    in_unit,
    measure_output_change,
    outcomes_table,
    undeclared_readers,
)
from mldebt_lessons.shop.lineage import observed_reads
from mldebt_lessons.shop.world import World

TOLD_COLOUR = OKABE_ITO["sky_blue"]
SILENT_COLOUR = OKABE_ITO["vermillion"]
FULL_LOSS = 0.5  # a fall of this many points of the best possible outcome (or more) gets the darkest fill


@dataclass(frozen=True)
class ConsumerView:
    """Fills, notes and lit edges for the graph, plus the table rows and a summary, for one change."""

    model: str
    change: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    table_rows: list[dict]
    summary: str


def undeclared_edges(graph: nx.DiGraph) -> frozenset:
    """The graph's edges marked ``declared=False``: reads nobody declared.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> sorted(undeclared_edges(shop_graph()))
    [('churn_model', 'ads_ranker')]
    """
    return frozenset((u, v) for u, v, declared in graph.edges(data="declared") if declared is False)


def told_readers(world: World, model: str, tell_undeclared: bool = False) -> frozenset | None:
    """Whom the owner tells: the declared readers (None, the default), or every reader seen in the log."""
    if not tell_undeclared:
        return None
    audit = undeclared_readers(declared_consumers(world.graph), observed_reads(world, days=1))[model]
    return frozenset(audit.declared) | frozenset(audit.undeclared)


def silent_fill(change: float) -> str:
    """Pale to dark vermillion as the silent loss grows; white when nothing was lost.

    >>> silent_fill(0.0), silent_fill(-1.0)
    ('#FFFFFF', '#D55E00')
    """
    if change >= 0:
        return "#FFFFFF"
    return blend(SILENT_COLOUR, 0.25 + 0.75 * min(-change / FULL_LOSS, 1.0) ** 0.5)


def _note(o: ConsumerOutcome) -> str:
    who = "told" if o.told else "NOT told"
    return f"{who}: {in_unit(o.unit, o.value_before)} -> {in_unit(o.unit, o.value_after)}"


@functools.lru_cache(maxsize=128)
def consumer_view(world: World, model: str, change: str, tell_undeclared: bool = False) -> ConsumerView:
    """Everything lesson 03's explorer shows for ``model`` -> ``change``."""
    outcomes = measure_output_change(world, model, change, told_readers(world, model, tell_undeclared))
    fills, notes = {model: CHANGED_FILL}, {model: f"changed: {change}"}
    for o in outcomes:
        if o.reads_changed:
            fills[o.consumer] = blend(TOLD_COLOUR, 0.45) if o.told else silent_fill(o.change)
            notes[o.consumer] = _note(o)
    for node, kind in reader_graph(world.graph).nodes(data="kind"):
        if kind == "consumer" and node not in notes:
            notes[node] = "unaffected"
    lit = frozenset((model, v) for v in world.graph.successors(model))
    return ConsumerView(model, change, fills, notes, lit, outcomes_table(outcomes),
                        change_summary(world, model, change, outcomes))


def change_summary(world: World, model: str, change: str, outcomes: list[ConsumerOutcome]) -> str:
    """One paragraph on what a change did: who was told, who was not, and what each lost, measured."""
    readers = [o for o in outcomes if o.reads_changed]
    told = [o for o in readers if o.told]
    silent = [o for o in readers if not o.told]
    parts = [f"{model} -> {change}:"]
    if told:
        noun = "consumer was" if len(told) == 1 else "consumers were"
        parts.append(f"{len(told)} {noun} told and adapted ("
                     + ", ".join(f"{o.consumer}: {o.measure} {in_unit(o.unit, o.value_before)} -> "
                                 f"{in_unit(o.unit, o.value_after)}" for o in told) + " per 1,000 users).")
    for o in silent:
        parts.append(f"{o.consumer} was not told: its {o.measure} went from {in_unit(o.unit, o.value_before)} to "
                     f"{in_unit(o.unit, o.value_after)} per 1,000 users (a perfect ranking would make "
                     f"{in_unit(o.unit, o.best_after)}), and nothing raised an error.")
    if not silent:
        parts.append(f"Nobody else reads {model}, so nothing broke silently.")
    undeclared = undeclared_readers(declared_consumers(world.graph), observed_reads(world, days=1))[model].undeclared
    if undeclared:
        parts.append(f"The access log shows {', '.join(undeclared)} reading {model}; nobody declared it.")
    else:
        parts.append(f"The access log agrees with the declarations: no undeclared reader of {model}.")
    return " ".join(parts)


def all_views(world: World) -> dict[tuple[str, str, bool], ConsumerView]:
    """Every view the explorer can show, measured now (a second or two, once per world)."""
    return {(m, c, t): consumer_view(world, m, c, t)
            for m in CHANGEABLE_MODELS for c in OUTPUT_CHANGES for t in (False, True)}


def longest_note(world: World) -> str:
    """The longest note any view writes in a box."""
    return max((n for v in all_views(world).values() for n in v.notes.values()), key=len)


def longest_notes(world: World) -> dict[str, str]:
    """For every box, the longest note any view writes in it, so each column is only as wide as it must be."""
    longest: dict[str, str] = {}
    for view in all_views(world).values():
        for node, note in view.notes.items():
            if len(note) > len(longest.get(node, "")):
                longest[node] = note
    return longest


def reader_graph(graph: nx.DiGraph, models=CHANGEABLE_MODELS) -> nx.DiGraph:
    """The part of the graph this lesson draws: the models whose output it changes, and their readers.

    Sources and features are upstream of every change here, and the fraud models are lesson 02's;
    leaving them out keeps the picture narrow enough that its notes stay readable on a laptop screen.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> sorted(reader_graph(shop_graph()))
    ['ads_ranker', 'churn_model', 'email_campaign', 'homepage', 'ltv_model', 'recommender', 'vip_programme']
    """
    keep = set(models) | {reader for m in models for reader in graph.successors(m)}
    # Built node by node in the graph's own order (a subgraph view would follow the set's order, which
    # changes from run to run), so the picture is the same every time.
    out = nx.DiGraph(**graph.graph)
    out.add_nodes_from((n, data) for n, data in graph.nodes(data=True) if n in keep)
    out.add_edges_from((u, v, data) for u, v, data in graph.edges(data=True) if u in keep and v in keep)
    return out


def reader_picture(world: World, title: str) -> GraphPicture:
    """An unpainted picture of the models and their readers, with boxes sized for every view's notes."""
    graph = reader_graph(world.graph)
    return GraphPicture(graph, title=title, longest_note=longest_notes(world), dashed_edges=undeclared_edges(graph))


def consumer_picture(world: World, model: str = "churn_model", change: str = "rescale",
                     tell_undeclared: bool = False):
    """A static picture of one change, and its view: for notebooks and reports."""
    view = consumer_view(world, model, change, tell_undeclared)
    picture = reader_picture(world, f"{world.company}: {model} -> {change}")
    picture.paint(view.fills, view.notes, view.lit_edges)
    return picture, view


def outcomes_html(rows: list[dict]) -> str:
    """A small HTML table: readers not told in bold vermillion, control rows (another model) in grey, and
    under it what the cells mean.
    """
    def style(row):
        if row["told?"] == "control":
            return MUTED
        return f"color:{SILENT_COLOUR};font-weight:bold" if row["told?"].startswith("NO") else ""
    if not rows:
        return ""
    return f"{rows_html(rows, style)}<p style='font-size:smaller;max-width:46em'>{TABLE_NOTE}</p>"


# The loop chart's panels: (LoopRound field, panel title, number format, scale), top to bottom.
LOOP_PANELS = (
    ("weight_inflation", "weights, as a multiple of round 0's", "{:.2f}×", 1),
    ("mean_abs_error", "error vs true click chance, in points", "{:.1f} pts", 100),
    ("logged_auc", "AUC on its own logged clicks (0.5 = coin toss)", "{:.3f}", 1),
)
LOOP_RUNS = ("loop: layout reads the prediction", "control: layout ignores it")


CHART_FONT = 12  # points: at least 12 px on screen at a 1024-px-wide window
CHART_WIDTH = 5.6  # inches: 560 px at 100 dpi, inside a notebook's 592-px output area at 1024 px


def loop_chart(loop, control):
    """Three panels, one above the other, round by round, loop against control: weight growth, error
    against the truth, and the AUC the owners' dashboard shows (on the logged clicks)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(LOOP_PANELS), 1, figsize=(CHART_WIDTH, 8.4), sharex=True, layout="constrained")
    rounds = [r.round for r in loop]
    for ax, (field, title, fmt, scale) in zip(axes, LOOP_PANELS):
        for runs, name, colour, marker in ((loop, LOOP_RUNS[0], SILENT_COLOUR, "o"),
                                           (control, LOOP_RUNS[1], OKABE_ITO["blue"], "s")):
            values = [scale * getattr(r, field) for r in runs]
            ax.plot(rounds, values, marker=marker, color=colour, label=name)
            ax.annotate(fmt.format(values[-1]), (rounds[-1], values[-1]), textcoords="offset points",
                        xytext=(8, 0), va="center", fontsize=CHART_FONT, color=colour)
        ax.set_title(title, loc="left", fontsize=CHART_FONT + 1)
        ax.tick_params(labelsize=CHART_FONT)
        ax.set_xticks(rounds)
        ax.set_xlim(rounds[0] - 0.2, rounds[-1] + 1.0)  # room for the end labels
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1].set_xlabel("round of retraining", fontsize=CHART_FONT)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper left", ncols=1, frameon=False,
               fontsize=CHART_FONT)
    return fig


def loop_chart_text(loop, control) -> str:
    """What the loop chart shows, in words: each panel's first and last value for both runs, in short lines."""
    lines = [f"The chart, rounds {loop[0].round} to {loop[-1].round}:"]
    for field, title, fmt, scale in LOOP_PANELS:
        ends = [f"{name} {fmt.format(scale * getattr(runs[0], field))} -> {fmt.format(scale * getattr(runs[-1], field))}"
                for name, runs in (("loop", loop), ("control", control))]
        lines += [f"  {title}:", "    " + "; ".join(ends)]
    return "\n".join(lines)
