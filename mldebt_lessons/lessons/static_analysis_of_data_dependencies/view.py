"""What lesson 06's picture shows, as plain data: for one deleted node and one view, which nodes the
view predicted and which really broke, coloured and noted on Larkspur's graph; the table of what the
re-run changed; and a one-paragraph summary.

>>> from mldebt_lessons.shop.world import build_world
>>> v = deletion_view(build_world(), "churn_model", "manifest", True)
>>> v.notes["ads_ranker"], v.notes["email_campaign"]
('MISSED: broke', 'predicted; broke')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import MUTED, rows_html
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
    VIEWS,
    breakage_rows,
    deletable_nodes,
    downstream,
    lesson_graph,
    predict,
    rerun_without,
    view_edges,
)
from mldebt_lessons.shop.world import World

FOUND_COLOUR = OKABE_ITO["sky_blue"]
MISSED_COLOUR = OKABE_ITO["vermillion"]
FALSE_ALARM_COLOUR = OKABE_ITO["orange"]
NOTES = {"deleted": "deleted", "found": "predicted; broke", "missed": "MISSED: broke",
         "false alarm": "predicted; unchanged", "quiet": "unchanged"}
FILLS = {"deleted": CHANGED_FILL, "found": blend(FOUND_COLOUR, 0.5), "missed": MISSED_COLOUR,
         "false alarm": blend(FALSE_ALARM_COLOUR, 0.5)}


@dataclass(frozen=True)
class DeletionView:
    """Fills, notes and lit edges for the graph, plus the table rows and a summary, for one state."""

    node: str
    view: str
    transitive: bool
    fills: dict
    notes: dict
    lit_edges: frozenset
    table_rows: list
    summary: str
    title: str


def verdicts(world: World, node: str, view: str, transitive: bool = True) -> dict[str, str]:
    """Each node's verdict: deleted, found, missed, false alarm or quiet (a model or consumer neither
    predicted nor broken); sources and features not deleted get none."""
    p = predict(world, view, node, transitive)
    removed = rerun_without(world, node).removed
    g = lesson_graph()
    out = {}
    for n in g.nodes:
        if n in removed:
            out[n] = "deleted"
        elif n in p.found:
            out[n] = "found"
        elif n in p.missed:
            out[n] = "missed"
        elif n in p.false_alarms:
            out[n] = "false alarm"
        elif g.nodes[n]["kind"] in ("model", "consumer"):
            out[n] = "quiet"
    return out


@functools.lru_cache(maxsize=256)
def deletion_view(world: World, node: str, view: str, transitive: bool = True) -> DeletionView:
    """Everything lesson 06's explorer shows for deleting ``node``, as ``view`` predicts it."""
    marks = verdicts(world, node, view, transitive)
    fills = {n: FILLS[m] for n, m in marks.items() if m in FILLS}
    notes = {n: NOTES[m] for n, m in marks.items()}
    seen = downstream(view_edges(view), node, transitive) | {node}
    lit = frozenset((u, v) for u, v in view_edges(view) if u in seen and v in seen and u != v
                    and (transitive or u == node))
    p = predict(world, view, node, transitive)
    rows = [{**row, f"{view} predicted?": "yes" if row["node"] in p.predicted else "no"}
            for row in breakage_rows(world, node)]
    return DeletionView(node, view, transitive, fills, notes, lit, rows, deletion_summary(world, node, view, transitive),
                        deletion_title(node, view, transitive))


def deletion_title(node: str, view: str, transitive: bool = True) -> str:
    """What the picture of one state says it shows.

    >>> deletion_title("churn_model", "manifest", False)
    'Delete churn_model: what the manifest predicts (direct readers only)'
    """
    how = "following every chain" if transitive else "direct readers only"
    return f"Delete {node}: what the {view} predicts ({how})"


def _names(nodes) -> str:
    return ", ".join(sorted(nodes)) or "none"


def deletion_summary(world: World, node: str, view: str, transitive: bool = True) -> str:
    """One paragraph: what the re-run broke, and what the view found, missed and over-warned."""
    p = predict(world, view, node, transitive)
    how = "following every chain" if transitive else "asked for direct readers only"
    parts = [f"Delete {node}: re-running the world without it breaks {len(p.broken)} "
             f"node{'s' if len(p.broken) != 1 else ''} ({_names(p.broken)})."]
    parts.append(f"Reading the {view}, {how}, one names {len(p.predicted)}: it finds {len(p.found)}, misses {len(p.missed)}"
                 + (f" ({_names(p.missed)})" if p.missed else "")
                 + f" and warns about {len(p.false_alarms)} that did not break"
                 + (f" ({_names(p.false_alarms)})" if p.false_alarms else "") + ".")
    if p.exact:
        parts.append("Its answer is exactly right.")
    return " ".join(parts)


def all_views(world: World) -> dict[tuple[str, str, bool], DeletionView]:
    """Every state the explorer can show, measured now (about a second, once per world)."""
    return {(n, v, t): deletion_view(world, n, v, t) for n in deletable_nodes() for v in VIEWS for t in (True, False)}


def longest_notes() -> dict[str, str]:
    """For every box, the longest note any state can write in it (the picture is sized for these)."""
    longest = max(NOTES.values(), key=len)
    return {n: longest for n in lesson_graph().nodes}


def deletion_picture_base(world: World, title: str) -> GraphPicture:
    """An unpainted picture of the whole lesson graph, with boxes sized for every state's notes."""
    return GraphPicture(lesson_graph(), title=title, longest_note=longest_notes())


def longest_title() -> str:
    """The longest title any state's picture can have (the picture is sized for it)."""
    return max((deletion_title(n, v, t) for n in deletable_nodes() for v in VIEWS for t in (True, False)), key=len)


def deletion_picture(world: World, node: str = "churn_model", view: str = "manifest", transitive: bool = True):
    """A static picture of one state, and its view: for notebooks and reports."""
    v = deletion_view(world, node, view, transitive)
    picture = deletion_picture_base(world, longest_title())
    picture.paint(v.fills, v.notes, v.lit_edges, v.title)
    return picture, v


def breakage_html(rows: list[dict]) -> str:
    """The table of what the re-run changed: broken rows in bold, rows the view missed in vermillion,
    unchanged rows (the controls) in grey."""
    def style(row):
        predicted = next((v for k, v in row.items() if k.endswith("predicted?")), "no")
        if row["broke?"] == "yes" and predicted == "no":
            return f"color:{MISSED_COLOUR};font-weight:bold"
        if row["broke?"] == "yes":
            return "font-weight:bold"
        return MUTED if row["broke?"] == "no" else ""
    return rows_html(rows, style)


def scorecard_html(rows: list[dict]) -> str:
    """The scorecard table: each view, direct or transitive, over every deletion."""
    return rows_html(rows, lambda row: "font-weight:bold" if row["missed"] == 0 else "")
