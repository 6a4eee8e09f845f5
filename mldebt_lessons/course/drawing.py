"""Pictures of a dependency graph: laid out once, drawn once as SVG, then only recoloured.

Layout: one column per layer, left to right (sources, features, models, consumers); within a
column, nodes are ordered by the mean row of what feeds them, which keeps edges from crossing.
Boxes in a column share one width, wide enough for the longest label, so labels never overlap.
Colours come from the Okabe-Ito palette, which stays distinct for colour-blind readers, and a
coloured node also carries a text note, so no meaning rests on colour alone.

The picture is an SVG template: building it is the slow part and happens once; :meth:`paint`
only fills in colours and notes, which takes well under a millisecond.

Example
-------
>>> from mldebt_lessons.shop.graph import shop_graph
>>> pos = layered_layout(shop_graph())
>>> pos["accounts_db"][0] < pos["user_age"][0] < pos["churn_model"][0] < pos["homepage"][0]
True
"""

from __future__ import annotations

import html

import networkx as nx

from mldebt_lessons.shop.graph import LAYERS

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000"}
KIND_COLOURS = {"source": OKABE_ITO["orange"], "feature": OKABE_ITO["sky_blue"],
                "model": OKABE_ITO["green"], "consumer": OKABE_ITO["purple"]}
PLAIN_FILL = "#FFFFFF"
CHANGED_FILL = OKABE_ITO["yellow"]
IDLE_TEXT, IDLE_EDGE, LIT_EDGE = "#666666", "#C8C8C8", "#222222"

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
LABEL_PX, NOTE_PX = 13, 11
CHAR_EM = 0.62  # a generous average glyph width for DejaVu Sans, in ems
ROW_PX, BOX_H, GAP_PX, MARGIN = 50, 38, 110, 12
CLEARANCE = 0.5  # rows between a box and an edge that skips its column (a straight-line estimate)


def kind_order(g: nx.DiGraph) -> list[str]:
    """The node kinds present, in layer order; kinds outside :data:`LAYERS` go last, by name."""
    present = {k for _, k in g.nodes(data="kind")}
    return [k for k in LAYERS if k in present] + sorted(present - set(LAYERS))


def kind_bands(g: nx.DiGraph) -> dict[str, range]:
    """The columns each kind occupies, left to right.

    Usually one column a kind. When nodes of one kind feed each other (a model trained on another
    model's score), the kind gets one column per step of the longest such chain.
    """
    depth = {}
    for n in nx.topological_sort(g):
        same = [depth[p] + 1 for p in g.predecessors(n) if g.nodes[p]["kind"] == g.nodes[n]["kind"]]
        depth[n] = max(same, default=0)
    bands, start = {}, 0
    for kind in kind_order(g):
        width = 1 + max(depth[n] for n, k in g.nodes(data="kind") if k == kind)
        bands[kind] = range(start, start + width)
        start += width
    return bands, depth


def layered_layout(g: nx.DiGraph) -> dict[str, tuple[int, float]]:
    """(column, row) of every node, left to right by layer; rows may be halves.

    Each node sits as near as it can to the mean row of what feeds it, which keeps edges short
    and uncrossed, and never on a row where an edge that skips its column runs past.
    """
    bands, depth = kind_bands(g)
    column_of = {n: bands[k].start + depth[n] for n, k in g.nodes(data="kind")}
    # Each sweep avoids where the previous sweep ran the skipping edges; keep the sweep whose
    # own edges hit the fewest boxes (sweeps can alternate rather than settle).
    sweeps = [_place_rows(g, column_of, passing=None)]
    for _ in range(5):
        sweeps.append(_place_rows(g, column_of, passing=sweeps[-1]))
    pos = min(reversed(sweeps), key=lambda p: _boxes_hit(g, p))
    top = min((r for _, r in pos.values()), default=0)
    return {n: (c, r - top) for n, (c, r) in pos.items()}


def _passing_rows(g, pos, column):
    """Where each edge that skips ``column`` crosses it (a straight-line estimate)."""
    rows = []
    for u, v in g.edges:
        (cu, ru), (cv, rv) = pos[u], pos[v]
        if cu < column < cv:
            rows.append(ru + (rv - ru) * (column - cu) / (cv - cu))
    return rows


def _boxes_hit(g, pos) -> int:
    """How many (box, skipping edge) pairs overlap in this layout."""
    return sum(1 for n, (c, r) in pos.items() for b in _passing_rows(g, pos, c) if abs(r - b) < CLEARANCE)


def _place_rows(g, column_of, passing):
    """One left-to-right sweep; ``passing`` (an earlier sweep) says where skipping edges run."""
    columns = [[n for n in g if column_of[n] == c] for c in range(max(column_of.values(), default=-1) + 1)]
    tallest = max((len(c) for c in columns), default=0)
    pos: dict[str, tuple[int, float]] = {}
    for column, layer in enumerate(columns):
        def wanted(n):
            rows = [pos[p][1] for p in g.predecessors(n) if p in pos]
            return round(2 * sum(rows) / len(rows)) / 2 if rows else None

        blocked = _passing_rows(g, passing, column) if passing else []
        order = sorted(layer, key=lambda n: (wanted(n) if wanted(n) is not None else float("inf"), n))
        row = (tallest - len(layer)) / 2 - 1 if all(wanted(n) is None for n in layer) else float("-inf")
        for n in order:
            want = wanted(n)
            row = max(row + 1, want if want is not None else row + 1)
            while any(abs(row - b) < CLEARANCE for b in blocked):
                row += 0.5
            pos[n] = (column, row)
    return pos


def blend(colour: str, amount: float) -> str:
    """Mix ``colour`` with white: 0 gives white, 1 gives the colour.

    >>> blend("#D55E00", 0.5)
    '#EAAE80'
    """
    amount = min(max(amount, 0.0), 1.0)
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - v) * amount):02X}" for v in rgb)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#FFFFFF"


def kind_fills(g: nx.DiGraph) -> dict[str, str]:
    """A pale fill for each node by its kind, for a tour of the graph."""
    return {n: blend(KIND_COLOURS.get(k, "#000000"), 0.3) for n, k in g.nodes(data="kind")}


def _label_width(text: str, px: int) -> float:
    return len(text) * px * CHAR_EM


class GraphPicture:
    """A graph drawn once as an SVG template; :meth:`paint` recolours it, :meth:`svg` returns it.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> pic = GraphPicture(shop_graph())
    >>> pic.paint({"user_age": CHANGED_FILL}, notes={"user_age": "changed"})
    >>> b"changed" in pic.svg()
    True
    """

    def __init__(self, g: nx.DiGraph, title: str = "", longest_note: str | dict[str, str] = "changed: merge_rare",
                 dashed_edges=None):
        self.graph = g
        # Boxes are sized for notes up to this long: one length for all, or {node: its longest note}.
        self.longest_note = longest_note
        self.grid = layered_layout(g)
        self.nodes = list(self.grid)
        self.edges = list(g.edges)
        # Edges drawn dashed, pale or lit: by default the reads nobody declared (edge attr declared=False).
        if dashed_edges is None:
            dashed_edges = [(u, v) for u, v, declared in g.edges(data="declared", default=True) if not declared]
        self.dashed_edges = frozenset(dashed_edges)
        self._slots: dict[str, str] = {}
        self._template = self._build_template(title)
        self.paint()

    # -- layout in pixels -------------------------------------------------------------
    def _geometry(self, title):
        columns = max(c for c, _ in self.grid.values()) + 1
        rows = max(r for _, r in self.grid.values()) + 1  # rows are already centred by the layout
        widths = [0.0] * columns
        for n, (c, _) in self.grid.items():
            widths[c] = max(widths[c], _label_width(n, LABEL_PX) + 18,
                            _label_width(self._longest_note_of(n), NOTE_PX) + 18)
        lefts, x = [], MARGIN
        for w in widths:
            lefts.append(x)
            x += w + GAP_PX
        top = MARGIN + (26 if title else 0) + 24
        centre = {}
        for n, (c, r) in self.grid.items():
            centre[n] = (lefts[c] + widths[c] / 2, top + r * ROW_PX + ROW_PX / 2)
        legend = 22 if self.dashed_edges else 0
        size = (x - GAP_PX + MARGIN, top + rows * ROW_PX + MARGIN + legend)
        return widths, lefts, centre, size, top

    def _longest_note_of(self, node: str) -> str:
        if isinstance(self.longest_note, dict):
            return self.longest_note.get(node, "")
        return self.longest_note

    def _build_template(self, title):
        widths, lefts, centre, (width, height), top = self._geometry(title)
        self.size = (round(width), round(height))
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
               f'viewBox="0 0 {width:.0f} {height:.0f}" style="max-width:100%;height:auto" font-family="{FONT}">',
               '<defs>'] + [
            f'<marker id="{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for name, colour in (("idle", IDLE_EDGE), ("lit", LIT_EDGE))] + [
            '</defs>', '<rect width="100%" height="100%" fill="#FFFFFF"/>']
        if title:
            out.append(f'<text x="{MARGIN}" y="{MARGIN + 16}" font-size="16" font-weight="bold">'
                       f'{_esc(title)}</text>')
        for kind, band in kind_bands(self.graph)[0].items():
            first, last = band[0], band[-1]
            middle = (lefts[first] + lefts[last] + widths[last]) / 2
            # Dark text reads on white; the kind's colour is the bar beneath it (as on the boxes).
            out.append(f'<text x="{middle:.1f}" y="{top - 9}" text-anchor="middle" '
                       f'font-size="14" font-weight="bold" fill="#222222">{_esc(kind)}s</text>'
                       f'<rect x="{middle - 30:.1f}" y="{top - 5}" width="60" height="3" '
                       f'fill="{KIND_COLOURS.get(kind, "#000")}"/>')
        half = {n: widths[self.grid[n][0]] / 2 for n in self.nodes}
        paths = {}
        for u, v in self.edges:
            (x0, y0), (x1, y1) = centre[u], centre[v]
            x0, x1 = x0 + half[u], x1 - half[v] - 1
            mid = (x0 + x1) / 2
            paths[(u, v)] = f'M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}'
        dash = {e: ' stroke-dasharray="7,4"' if e in self.dashed_edges else "" for e in paths}
        for e, d in paths.items():
            out.append(f'<path d="{d}" fill="none" stroke="{IDLE_EDGE}" stroke-width="1.2"{dash[e]} '
                       f'marker-end="url(#idle)"/>')
        # A dark copy of every edge, drawn above the pale ones and shown only when lit.
        for i, (e, d) in enumerate(paths.items()):
            out.append(f'<path d="{d}" fill="none" stroke="{LIT_EDGE}" stroke-width="2.2"{dash[e]} '
                       f'marker-end="url(#lit)" visibility="{{e{i}}}"/>')
        for i, n in enumerate(self.nodes):
            (x, y), w = centre[n], widths[self.grid[n][0]]
            kind = self.graph.nodes[n]["kind"]
            description = self.graph.nodes[n].get("description", "")
            out.append(
                f'<g><title>{_esc(n)} ({_esc(kind)}): {_esc(description)}</title>'
                f'<rect x="{x - w / 2:.1f}" y="{y - BOX_H / 2:.1f}" width="{w:.1f}" height="{BOX_H}" rx="7" '
                f'fill="{{f{i}}}" stroke="{KIND_COLOURS.get(kind, "#000000")}" stroke-width="2"/>'
                f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="{LABEL_PX}" '
                f'fill="{{t{i}}}">{_esc(n)}</text>'
                f'<text x="{x:.1f}" y="{y + 12:.1f}" text-anchor="middle" font-size="{NOTE_PX}" '
                f'fill="{{t{i}}}">{{n{i}}}</text></g>')
        if self.dashed_edges:
            y = height - MARGIN - 4
            out.append(f'<path d="M{MARGIN},{y - 4} h36" stroke="{LIT_EDGE}" stroke-width="1.6" '
                       f'stroke-dasharray="7,4"/><text x="{MARGIN + 44}" y="{y}" font-size="{NOTE_PX + 1}" '
                       f'fill="#222222">dashed arrow: a read of a model\'s output that nobody declared</text>')
        out.append('</svg>')
        return "\n".join(out)

    def paint(self, fills: dict[str, str] | None = None, notes: dict[str, str] | None = None,
              lit_edges=frozenset()) -> None:
        """Recolour nodes (those not in ``fills`` go white), set notes, darken ``lit_edges``."""
        fills, notes, lit = fills or {}, notes or {}, set(lit_edges)
        slots = {}
        for i, n in enumerate(self.nodes):
            fill = fills.get(n, PLAIN_FILL)
            slots[f"f{i}"] = fill
            slots[f"t{i}"] = text_colour_on(fill)
            slots[f"n{i}"] = html.escape(notes.get(n, ""))
        for i, edge in enumerate(self.edges):
            slots[f"e{i}"] = "visible" if edge in lit else "hidden"
        self._slots = slots
        self.fills, self.notes, self.lit_edges = dict(fills), dict(notes), frozenset(lit)

    def svg(self) -> bytes:
        """The picture in its current colours, as SVG bytes."""
        return self._template.format_map(self._slots).encode("utf-8")

    def __repr__(self) -> str:  # stable: no memory address in saved notebooks
        return f"GraphPicture({len(self.nodes)} nodes, {len(self.edges)} edges)"

    def _repr_html_(self) -> str:
        # Inline, so it shrinks to the page width (JupyterLab shows image/svg+xml at natural size).
        return f'<div style="max-width:100%">{self._repr_svg_()}</div>'

    def _repr_svg_(self) -> str:
        return self.svg().decode("utf-8")

    def save(self, path) -> None:
        """Write the current picture to an SVG file."""
        with open(path, "wb") as out:
            out.write(self.svg())


def _esc(text: str) -> str:
    # Escape for XML, then double braces so the text survives str.format_map.
    return html.escape(str(text)).replace("{", "{{").replace("}", "}}")
