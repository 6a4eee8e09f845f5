"""What the correction-cascade picture and table show, as plain data (no widgets).

Each architecture has its own small graph (the fraud models, their inputs and the review
queue); the colours say how the improvement moved each part: blue better, vermillion worse.

>>> from mldebt_lessons.shop.world import build_world
>>> view = cascade_view(build_world(), "feature", "cascade")
>>> view.notes["fraud_model_es"].startswith("Spain AUC")
True
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, blend
from mldebt_lessons.lessons.correction_cascades.experiment import (
    ARCHITECTURES,
    EVALUATION_USERS,
    IMPROVEMENTS,
    REVIEW_SHARE,
    SPANISH_INPUTS,
    CascadeResult,
    fraud_variant,
    measure_cascade,
)
from mldebt_lessons.shop.graph import add_edge
from mldebt_lessons.shop.world import World

FULL_CHANGE = 0.05  # an AUC change this large (or larger) gets the strongest colour


def cascade_graph(architecture: str, improvement: str = "none") -> nx.DiGraph:
    """The fraud part of Larkspur as one architecture wires it, after ``improvement``."""
    home_inputs, _ = fraud_variant(improvement)
    g = nx.DiGraph()

    def node(name, kind, description):
        g.add_node(name, kind=kind, owner="", description=description)

    for f in dict.fromkeys(home_inputs.inputs + SPANISH_INPUTS):
        node(f, "feature", "a model input")
    node("fraud_model", "model", "fraud at home" + (" and in Spain" if architecture == "market_feature" else ""))
    node("fraud_review_queue", "consumer", "orders held for a person to check")
    for f in home_inputs.inputs:
        add_edge(g, f, "fraud_model")
    add_edge(g, "fraud_model", "fraud_review_queue")
    if architecture == "market_feature":
        node("market", "feature", "home or Spain")
        add_edge(g, "market", "fraud_model")
    else:
        node("fraud_model_es", "model", "fraud in Spain")
        spanish_inputs = SPANISH_INPUTS if architecture == "separate" else ("fraud_model", "avg_basket_value", "device")
        for f in spanish_inputs:
            add_edge(g, f, "fraud_model_es")
        add_edge(g, "fraud_model_es", "fraud_review_queue")
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    return g


def change_fill(delta: float) -> str:
    """Blue for better, vermillion for worse, paler for smaller changes, white for none.

    >>> change_fill(0.0), change_fill(0.2), change_fill(-0.2)
    ('#FFFFFF', '#0072B2', '#D55E00')
    """
    if abs(delta) < 0.0005:
        return "#FFFFFF"
    colour = OKABE_ITO["blue"] if delta > 0 else OKABE_ITO["vermillion"]
    return blend(colour, 0.2 + 0.8 * min(abs(delta) / FULL_CHANGE, 1.0) ** 0.5)


@dataclass(frozen=True)
class CascadeView:
    graph_key: tuple[str, str]
    fills: dict[str, str]
    notes: dict[str, str]
    rows: list[dict]
    summary: str


def _arrow(before: float, after: float) -> str:
    return f"{before:.3f} → {after:.3f}"


CASCADE_NOTE_SIZES = {"fraud_model": "home 0.000→0.000 · Spain 0.000→0.000", "session_count": "added",
                      "fraud_model_es": "Spain AUC 0.000 → 0.000", "fraud_review_queue": "Spain caught 00.0% → 00.0%"}


def cascade_view(world: World, improvement: str, architecture: str) -> CascadeView:
    """Colours, notes, table rows and a summary for one improvement under one architecture."""
    base = measure_cascade(world, "none", architecture)
    new = measure_cascade(world, improvement, architecture)
    spain_model = "fraud_model" if architecture == "market_feature" else "fraud_model_es"
    home_delta, spain_delta = new.home_auc - base.home_auc, new.spain_auc - base.spain_auc
    fills = {"fraud_model": change_fill(home_delta), "fraud_review_queue": change_fill(new.spain_caught - base.spain_caught)}
    notes = {"fraud_model": f"home AUC {_arrow(base.home_auc, new.home_auc)}",
             "fraud_review_queue": f"Spain caught {base.spain_caught:.1%} → {new.spain_caught:.1%}"}
    if spain_model == "fraud_model_es":
        fills["fraud_model_es"] = change_fill(spain_delta)
        notes["fraud_model_es"] = f"Spain AUC {_arrow(base.spain_auc, new.spain_auc)}"
    else:
        notes["fraud_model"] = (f"home {base.home_auc:.3f}→{new.home_auc:.3f} · "
                                f"Spain {base.spain_auc:.3f}→{new.spain_auc:.3f}")
    if improvement == "feature":  # the change itself, marked as lesson 01 marks a change
        fills["session_count"], notes["session_count"] = CHANGED_FILL, "added"
    rows = result_rows(base, new)
    return CascadeView((architecture, "feature" if improvement == "feature" else "none"), fills, notes, rows,
                       cascade_summary(base, new))


def result_rows(base: CascadeResult, new: CascadeResult) -> list[dict]:
    """The four measured numbers, before and after the improvement."""
    def row(what, before, after, percent=False):
        fmt = (lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:.3f}")
        change = after - before
        return {"measure": what, "before": fmt(before), "after": fmt(after),
                "change": (f"{100 * change:+.1f} points" if percent else f"{change:+.3f}")}
    fresh = f"{EVALUATION_USERS:,} fresh"
    return [row(f"fraud_model at home: what its owners see (AUC, {fresh} home users)", base.home_auc, new.home_auc),
            row(f"Spanish fraud scores (AUC, {fresh} Spanish users)", base.spain_auc, new.spain_auc),
            row(f"Spain end to end: share of its fraud caught when review checks the riskiest {REVIEW_SHARE:.0%}",
                base.spain_caught, new.spain_caught, True),
            row("whole review queue, both markets together: share of all fraud caught", base.queue_caught,
                new.queue_caught, True)]


def result_lines(rows: list[dict]) -> str:
    """:func:`result_rows` as short lines of text, one a measure (for a tutor prompt: a fixed-width
    table of these long measure names would wrap in a notebook, and read as garbled columns).

    >>> print(result_lines([{"measure": "home AUC", "before": "0.748", "after": "0.791", "change": "+0.043"}]))
    - home AUC: 0.748 -> 0.791 (+0.043)
    """
    return "\n".join(f"- {r['measure']}: {r['before']} -> {r['after']} ({r['change']})" for r in rows)


def cascade_summary(base: CascadeResult, new: CascadeResult) -> str:
    """One sentence on what the improvement did, naming the deadlock when it happens."""
    home_up = new.home_auc > base.home_auc + 0.0005
    spain_down = new.spain_caught < base.spain_caught - 0.0005
    what = IMPROVEMENTS[new.improvement]
    if new.improvement == "none":
        return f"{ARCHITECTURES[new.architecture]}. Pick an improvement to fraud_model."
    if home_up and spain_down:
        return (f"Improvement deadlock. The change ({what}) makes fraud_model better at home, but Spain's "
                f"end-to-end catch falls from {base.spain_caught:.1%} to {new.spain_caught:.1%}.")
    if not home_up:
        return f"The change ({what}) does not improve fraud_model at home, so its owners would not ship it."
    return (f"No deadlock here. The change ({what}) improves fraud_model at home, and Spain's catch goes "
            f"from {base.spain_caught:.1%} to {new.spain_caught:.1%}.")


CHART_LABELS = {  # short, two-line names for the chart's rows
    "cascade": "today's cascade",
    "cascade_retrained": "cascade, correction\nretrained",
    "market_feature": "remedy 1: one model\ntold the market",
    "separate": "remedy 2: Spain's\nown model",
}
CHART_FONT = 12  # points; every text of the chart at least this (readable on a projector)
CHART_WIDTH = 5.6  # inches: 560 px at 100 dpi, inside a notebook's 592-px output area at 1024 px


def cascade_chart(world, improvement: str = "feature"):
    """For each wiring: the share of Spain's fraud caught before and after ``improvement``.

    Horizontal bars, so the wirings' names sit on their own lines and never collide.

    >>> from mldebt_lessons.shop.world import build_world
    >>> fig = cascade_chart(build_world())
    >>> min(t.get_fontsize() for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and o.get_text()))
    12.0
    """
    names = list(ARCHITECTURES)
    before = [100 * measure_cascade(world, "none", a).spain_caught for a in names]
    after = [100 * measure_cascade(world, improvement, a).spain_caught for a in names]
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 4.6), layout="constrained")
    height = 0.38
    ys = [-y for y in range(len(names))]  # first wiring on top
    for offset, values, colour, label in ((-0.5, before, "#BBBBBB", "before the improvement"),
                                          (0.5, after, "#555555", "after it")):
        bars = ax.barh([y - offset * height for y in ys], values, height, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], fontsize=CHART_FONT, padding=3)
    ax.set_yticks(ys, [CHART_LABELS[a] for a in names], fontsize=CHART_FONT)
    ax.tick_params(axis="x", labelsize=CHART_FONT)
    ax.set_xlabel("share of Spain's fraud caught by review (%)", fontsize=CHART_FONT)
    ax.set_title("Spain end to end, before and after\nimproving fraud_model", loc="left", fontsize=CHART_FONT + 1)
    fig.legend(frameon=False, fontsize=CHART_FONT, loc="outside lower center", ncols=2)
    ax.set_xlim(0, max(before + after) * 1.25)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def cascade_chart_summary(world, improvement: str = "feature") -> str:
    """The chart in words, one line per wiring."""
    lines = []
    for key in ARCHITECTURES:
        b, a = measure_cascade(world, "none", key), measure_cascade(world, improvement, key)
        lines.append(f"{CHART_LABELS[key].replace(chr(10), ' ')}: Spain caught {b.spain_caught:.1%} -> "
                     f"{a.spain_caught:.1%}; home AUC {b.home_auc:.3f} -> {a.home_auc:.3f}")
    return "\n".join(lines)

