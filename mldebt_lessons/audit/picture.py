"""Draw the audited system with its hot spots: SVG through :class:`~mldebt_lessons.course.drawing.GraphPicture`,
PNG through matplotlib.

Each node is filled by the most severe level of the findings that involve it (Okabe-Ito colours:
vermillion critical, orange high, yellow medium, sky blue low; white none) and carries a note with
its best rank and how many findings involve it, so no meaning rests on colour alone. A big system
is cut down to the nodes of its top findings. Feedback edges that would close a cycle are left out
of the drawing (the layout runs left to right); the report lists the loops in words.

Example
-------
>>> from mldebt_lessons.audit import audit_toy_world
>>> picture = hot_spot_picture(audit_toy_world())
>>> picture
GraphPicture(19 nodes, 30 edges)
>>> hot_spot_notes(audit_toy_world())["accounts_db"]
'#1 critical, 3 debts'
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from mldebt_lessons.course.drawing import (
    KIND_COLOURS,
    OKABE_ITO,
    GraphPicture,
    blend,
    layered_layout,
    text_colour_on,
)

from ..errors import CourseInputError
from .ranking import LEVELS
from .report import visible
from .system import to_graph

LEVEL_COLOURS = {"critical": OKABE_ITO["vermillion"], "high": OKABE_ITO["orange"],
                 "medium": OKABE_ITO["yellow"], "low": OKABE_ITO["sky_blue"]}
LEVEL_STRENGTH = {"critical": 1.0, "high": 0.75, "medium": 0.6, "low": 0.45}
MAX_DRAWN = 120


def level_fill(level: str) -> str:
    """The fill for a level: full vermillion for critical, paler for the rest.

    >>> level_fill("critical")
    '#D55E00'
    """
    return blend(LEVEL_COLOURS[level], LEVEL_STRENGTH[level])


def hot_spots(result) -> dict[str, dict]:
    """For each node in a finding: its worst level, best rank and number of findings."""
    out: dict[str, dict] = {}
    for f in result.findings:
        for n in f.nodes:
            spot = out.setdefault(n, {"level": f.level, "rank": f.rank, "count": 0})
            spot["count"] += 1
            if LEVELS.index(f.level) > LEVELS.index(spot["level"]):
                spot["level"] = f.level
            spot["rank"] = min(spot["rank"], f.rank)
    return out


def hot_spot_notes(result) -> dict[str, str]:
    """The note on each hot node, e.g. '#1 critical, 2 debts'."""
    return {n: f"#{s['rank']} {s['level']}, {s['count']} debt{'s' if s['count'] != 1 else ''}"
            for n, s in hot_spots(result).items()}


def drawn_graph(result) -> tuple[nx.DiGraph, str]:
    """The graph to draw (cut to the top findings' nodes if large, cycles broken) and a title."""
    g = to_graph(result.system)
    title = f"{result.system.name}: hidden-debt hot spots"
    if g.number_of_nodes() > MAX_DRAWN:
        keep: list[str] = []
        for f in result.findings:
            keep.extend(n for n in f.nodes if n not in keep)
            if len(keep) >= MAX_DRAWN // 2:
                break
        g = g.subgraph(keep[:MAX_DRAWN]).copy()
        title += f" (the nodes of its top findings: {g.number_of_nodes()} of {len(result.system.nodes):,})"
    g = nx.DiGraph(g)
    while not nx.is_directed_acyclic_graph(g):
        u, v = nx.find_cycle(g)[-1][:2]
        g.remove_edge(u, v)
    return g, visible(title)


def _shown_names(result, g: nx.DiGraph, drawable=visible) -> tuple[nx.DiGraph, dict, dict]:
    """The graph, notes and hot spots with every name as it can be drawn: no control characters
    (an ESC would make the SVG invalid XML) and, in a PNG, no glyph the font lacks."""
    names = {n: drawable(n) for n in g}
    notes = {names[n]: t for n, t in hot_spot_notes(result).items() if n in names}
    spots = {names[n]: s for n, s in hot_spots(result).items() if n in names}
    return nx.relabel_nodes(g, names, copy=True), notes, spots


def hot_spot_picture(result) -> GraphPicture:
    """An SVG picture of the system, hot spots coloured and noted."""
    g, title = drawn_graph(result)
    g, notes, spots = _shown_names(result, g)
    longest = max(notes.values(), key=len, default="")
    picture = GraphPicture(g, title=title, longest_note=longest)
    fills = {n: level_fill(spots[n]["level"]) for n in g if n in spots}
    picture.paint(fills, notes)
    return picture


def save_picture(result, path: str | Path) -> None:
    """Write the hot-spot picture to ``path``: .svg or .png."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".svg":
            hot_spot_picture(result).save(path)
        elif path.suffix.lower() == ".png":
            _save_png(result, path)
        else:
            raise CourseInputError(f"{path}: cannot draw to this kind of file; expected a name ending in .svg or .png")
    except OSError as err:
        raise CourseInputError(f"{path}: cannot write the picture ({err.strerror or err})") from None


def _save_png(result, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    g, title = drawn_graph(result)
    drawable = _font_safe()
    g, notes, spots = _shown_names(result, g, drawable)
    title = drawable(title)
    pos = layered_layout(g)
    columns = max(c for c, _ in pos.values()) + 1
    rows = max(r for _, r in pos.values()) + 1
    width = max(len(n) for n in g) * 0.11 + 0.6
    fig, ax = plt.subplots(figsize=(max(6, columns * (width + 1.2)), max(3, rows * 0.8 + 1)))
    xy = {n: (c * (width + 1.2), -r * 0.8) for n, (c, r) in pos.items()}
    for u, v in g.edges:
        (x0, y0), (x1, y1) = xy[u], xy[v]
        ax.annotate("", xy=(x1 - width / 2, y1), xytext=(x0 + width / 2, y0),
                    arrowprops={"arrowstyle": "->", "color": "#999999", "lw": 0.8})
    for n, (x, y) in xy.items():
        fill = level_fill(spots[n]["level"]) if n in spots else "#FFFFFF"
        ink = text_colour_on(fill)
        edge = KIND_COLOURS.get(g.nodes[n]["kind"], "#000000")
        ax.add_patch(FancyBboxPatch((x - width / 2, y - 0.3), width, 0.6, boxstyle="round,pad=0.02",
                                    facecolor=fill, edgecolor=edge, linewidth=1.5))
        ax.text(x, y + 0.08, n, ha="center", va="center", fontsize=8, color=ink)
        if n in notes:
            ax.text(x, y - 0.16, notes[n], ha="center", va="center", fontsize=6.5, color=ink)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlim(-width, (columns - 1) * (width + 1.2) + width)
    ax.set_ylim(-(rows - 1) * 0.8 - 0.6, 0.6)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _font_safe():
    """A function that shows, as a \\u escape, every character matplotlib's default font cannot draw
    (rather than a box on the picture and a warning per glyph on the terminal)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    charmap = FT2Font(font_manager.findfont(font_manager.FontProperties())).get_charmap()

    def drawable(text: str) -> str:
        text = visible(text)
        return "".join(c if ord(c) in charmap else f"\\u{ord(c):04x}" for c in text)
    return drawable
