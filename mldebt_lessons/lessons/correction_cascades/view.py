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
    IMPROVEMENTS,
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


def cascade_picture(world: World, improvement: str, architecture: str):
    """A static picture of one setting, and its view (for notebooks and reports)."""
    from mldebt_lessons.course.drawing import GraphPicture
    view = cascade_view(world, improvement, architecture)
    picture = GraphPicture(cascade_graph(architecture, improvement), title=f"Larkspur's fraud models: {improvement}, "
                           f"{architecture.replace('_', ' ')}", longest_note=CASCADE_NOTE_SIZES)
    picture.paint(view.fills, view.notes)
    return picture, view


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
    return [row("fraud_model at home (AUC): what its owners see", base.home_auc, new.home_auc),
            row("Spanish fraud scores (AUC)", base.spain_auc, new.spain_auc),
            row("Spain end to end: fraud caught by review", base.spain_caught, new.spain_caught, True),
            row("whole review queue, both markets: fraud caught", base.queue_caught, new.queue_caught, True)]


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


def cascade_chart(world, improvement: str = "feature"):
    """For each wiring: the share of Spain's fraud caught before and after ``improvement``."""
    from mldebt_lessons.lessons.correction_cascades.experiment import (
        ARCHITECTURES,
        measure_cascade,
    )
    names = list(ARCHITECTURES)
    before = [100 * measure_cascade(world, "none", a).spain_caught for a in names]
    after = [100 * measure_cascade(world, improvement, a).spain_caught for a in names]
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    width = 0.38
    xs = range(len(names))
    for offset, values, colour, label in ((-0.5, before, "#BBBBBB", "before the improvement"),
                                          (0.5, after, "#555555", "after it")):
        bars = ax.bar([x + offset * width for x in xs], values, width, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], fontsize=8, padding=2)
    ax.set_xticks(list(xs), ["today's cascade", "cascade, correction retrained", "remedy 1: one model, told the market",
                             "remedy 2: Spain's own model"], fontsize=8)
    ax.set_ylabel("Spain's fraud caught (%)")
    ax.set_title("Spain end to end, before and after improving fraud_model", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.margins(y=0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def cascade_chart_summary(world, improvement: str = "feature") -> str:
    """The chart in words, one line per wiring."""
    from mldebt_lessons.lessons.correction_cascades.experiment import (
        ARCHITECTURES,
        measure_cascade,
    )
    lines = []
    for key, text in ARCHITECTURES.items():
        b, a = measure_cascade(world, "none", key), measure_cascade(world, improvement, key)
        lines.append(f"{text}: Spain caught {b.spain_caught:.1%} -> {a.spain_caught:.1%}; "
                     f"home AUC {b.home_auc:.3f} -> {a.home_auc:.3f}")
    return "\n".join(lines)

