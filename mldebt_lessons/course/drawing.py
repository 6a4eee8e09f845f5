"""Pictures of a dependency graph: laid out once, drawn once as SVG, then only recoloured.

Pictures are sized for a projector: drawn for the width a notebook's output area really has
(:data:`PAGE_WIDTH`, 592 CSS px in a 1024-px window with JupyterLab's file browser open) and
shown at their own size, never shrunk, so every text stays at :data:`MIN_TEXT_PX` or more. Names
and notes too long for their column wrap onto more lines (after an underscore or a space), and
the picture grows taller rather than wider.

Layout: one column per layer, left to right (sources, features, models, consumers); within a
column, nodes are ordered by the mean row of what feeds them, which keeps edges from crossing.
Boxes in a column share one width and height, so labels never overlap. An edge that skips a
column runs straight across it in the gap between two boxes (the layout keeps boxes off that
lane), so no edge runs through a box or its label. Colours come from the Okabe-Ito palette,
which stays distinct for colour-blind readers, and a coloured node also carries a text note, so
no meaning rests on colour alone.

The picture is an SVG template: building it is the slow part and happens once; :meth:`paint`
only fills in colours and notes, which takes well under a millisecond.

Example
-------
>>> from mldebt_lessons.shop.graph import shop_graph
>>> pos = layered_layout(shop_graph())
>>> pos["accounts_db"][0] < pos["user_age"][0] < pos["churn_model"][0] < pos["homepage"][0]
True
>>> wrap("fraud_review_queue", text_width("fraud_review_", 14) * FIT, 14)
('fraud_review_', 'queue')
"""

from __future__ import annotations

import functools
import html
import re

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
PAGE_WIDTH = 584  # CSS px: a notebook's output area is 592 px wide at 1024 px with the file browser open
MIN_TEXT_PX = 12  # no text in a picture is smaller than this (at the picture's own size)
LABEL_PX, NOTE_PX, HEAD_PX, TITLE_PX, LEGEND_PX = 13, 12, 13, 15, 12
LINE_EM = 1.25  # line height, in ems
FIT = 1.03  # measured widths times this: other fonts of the stack may run a little wider than DejaVu Sans
PAD_X, PAD_Y = 5, 6  # inside a box, around its text
MIN_GAP, COMFY_GAP, MAX_GAP = 24, 40, 96  # between columns: room for edges and arrow heads
ROW_GAP, MARGIN = 12, 8
CLEARANCE = 0.5  # rows between a box and the lane of an edge that skips its column

# Advance widths of DejaVu Sans (regular, then bold), in thousandths of an em, for the printable
# ASCII characters and a few more; text widths are measured with them, not guessed.
_GLYPHS = (" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
           "→·−…€£×≥≤–—’“”")
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
            636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
            752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
            337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
            635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838, 838, 318, 838, 1000, 636,
            636, 838, 838, 838, 500, 1000, 318, 518, 518)
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
         696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
         372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
         500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
         478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838, 838, 380, 838, 1000, 696, 696, 838, 838, 838, 500,
         1000, 380, 657, 657)
_ADVANCE = {False: dict(zip(_GLYPHS, _REGULAR)), True: dict(zip(_GLYPHS, _BOLD))}
_UNKNOWN_GLYPH = 1000  # a character not in the table counts as a full em: too wide rather than too narrow


def text_width(text: str, px: float, bold: bool = False) -> float:
    """The width of ``text`` in DejaVu Sans at ``px`` pixels, in pixels.

    >>> round(text_width("days_since_signup", 14))
    130
    """
    advance = _ADVANCE[bold]
    return sum(advance.get(ch, _UNKNOWN_GLYPH) for ch in str(text)) * px / 1000


# A line may break after an underscore or a slash, and at a space (which then disappears).
_PIECES = re.compile(r"[^ _/]*[_/]|[^ _/]+| +")


@functools.lru_cache(maxsize=4096)
def wrap(text: str, width: float, px: float, bold: bool = False) -> tuple[str, ...]:
    """``text`` broken into lines no wider than ``width`` (with the :data:`FIT` margin), where it may break.

    A piece that cannot break and is wider than ``width`` gets a line of its own (it will not fit;
    the tests catch that for every picture the course draws).

    >>> wrap("changed: merge_rare", 80, 13)
    ('changed:', 'merge_rare')
    >>> wrap("", 80, 13)
    ()
    """
    lines: list[str] = []
    line = ""
    for piece in _PIECES.findall(str(text)):
        if piece.isspace():
            line += piece if line else ""
            continue
        if line and text_width(line + piece, px, bold) * FIT > width:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return tuple(lines)


def widest_piece(text: str, px: float, bold: bool = False) -> float:
    """The width of the widest part of ``text`` that cannot be broken."""
    return max((text_width(p, px, bold) for p in _PIECES.findall(str(text)) if not p.isspace()), default=0.0)


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
    # own edges hit the fewest boxes, then the shortest (sweeps can alternate rather than settle).
    sweeps = [_place_rows(g, column_of, passing=None)]
    for _ in range(5):
        sweeps.append(_place_rows(g, column_of, passing=sweeps[-1]))
    pos = min(reversed(sweeps), key=lambda p: (_boxes_hit(g, p), _span(p)))
    top = min((r for _, r in pos.values()), default=0)
    return {n: (c, r - top) for n, (c, r) in pos.items()}


def _span(pos) -> float:
    rows = [r for _, r in pos.values()]
    return max(rows) - min(rows) if rows else 0.0


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
        placed = []
        for n in order:
            want = wanted(n)
            row = max(row + 1, want if want is not None else row + 1)
            while any(abs(row - b) < CLEARANCE for b in blocked):
                row += 0.5
            placed.append(row)
        # A column pushed below the tallest column moves up as far as it can (no lane blocked):
        # the picture stays as short as the tallest column allows.
        excess = placed[-1] - (tallest - 1) if placed else 0
        for shift in [excess - k / 2 for k in range(int(2 * excess))] if excess > 0 else []:
            if min(placed) - shift >= 0 and not any(abs(r - shift - b) < CLEARANCE for r in placed for b in blocked):
                placed = [r - shift for r in placed]
                break
        for n, r in zip(order, placed):
            pos[n] = (column, r)
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


DASHED_LEGEND = "dashed arrow: a read of a model's output that nobody declared"


class GraphPicture:
    """A graph drawn once as an SVG template; :meth:`paint` recolours it, :meth:`svg` returns it.

    ``width`` is the room the picture may take (CSS px); it is drawn at most that wide when its
    columns fit, wrapping long names and notes, and shown at its own size. ``longest_note`` sizes
    the boxes: one note for all, or {node: its longest note}; a picture's size never depends on
    what is painted, so every state of a widget keeps one size.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> pic = GraphPicture(shop_graph())
    >>> pic.paint({"user_age": CHANGED_FILL}, notes={"user_age": "changed"})
    >>> b"changed" in pic.svg()
    True
    >>> pic.size[0] <= PAGE_WIDTH
    True
    """

    def __init__(self, g: nx.DiGraph, title: str = "", longest_note: str | dict[str, str] = "changed: merge_rare",
                 dashed_edges=None, width: int = PAGE_WIDTH, dashed_legend: str = DASHED_LEGEND):
        self.graph = g
        self.dashed_legend = dashed_legend  # what a dashed arrow means in this picture
        self.title = title
        self.longest_note = longest_note
        self.page_width = width
        self.grid = layered_layout(g)
        self.nodes = list(self.grid)
        self.edges = list(g.edges)
        # Edges drawn dashed, pale or lit: by default the reads nobody declared (edge attr declared=False).
        if dashed_edges is None:
            dashed_edges = [(u, v) for u, v, declared in g.edges(data="declared", default=True) if not declared]
        self.dashed_edges = frozenset(dashed_edges)
        self.min_size = (0, 0)
        self.fills, self.notes, self.lit_edges = {}, {}, frozenset()
        self._build()

    def _build(self) -> None:
        self._geometry()
        self._template = self._build_template()
        self.paint(self.fills, self.notes, self.lit_edges)

    def grow_to(self, width: float, height: float) -> None:
        """Make the canvas at least ``width`` x ``height`` (content stays top left); see :func:`same_size`."""
        self.min_size = (width, height)
        self._build()

    # -- layout in pixels -------------------------------------------------------------
    def _longest_note_of(self, node: str) -> str:
        if isinstance(self.longest_note, dict):
            return self.longest_note.get(node, "")
        return self.longest_note

    def _text_height(self, members: list[str], inner: float) -> float:
        """The height of the tallest text block (name and note lines) in a column ``inner`` px wide."""
        return max((len(wrap(str(n), inner, LABEL_PX) or ("",)) * LABEL_PX * LINE_EM
                    + max(1, len(wrap(self._longest_note_of(n), inner, NOTE_PX))) * NOTE_PX * LINE_EM
                    for n in members), default=0.0)

    def _column_widths(self, columns: list[list[str]]) -> tuple[list[float], float]:
        """Each column's width and the gap between columns.

        The columns share the page so that the tallest box is as short as it can be (the fewest
        wrapped lines); what room is left widens the gaps (room for edges), then the columns
        (fewer wrapped names), then the gaps again. No column is narrower than a piece of text
        that cannot break.
        """
        natural, least = [], []
        for members in columns:
            natural.append(max((max(text_width(n, LABEL_PX), text_width(self._longest_note_of(n), NOTE_PX))
                                for n in members), default=0) * FIT + 2 * PAD_X)
            least.append(max((max(widest_piece(n, LABEL_PX), widest_piece(self._longest_note_of(n), NOTE_PX))
                              for n in members), default=0) * FIT + 2 * PAD_X)
        for kind, band in kind_bands(self.graph)[0].items():  # a heading over one column fits that column
            if len(band) == 1:
                least[band[0]] = max(least[band[0]], text_width(f"{kind}s", HEAD_PX, True) * FIT + 4)
        natural = [max(n, m) for n, m in zip(natural, least)]
        gaps = max(len(columns) - 1, 0)
        room = self.page_width - 2 * MARGIN - gaps * MIN_GAP
        choices = []  # per column: (width, text height) at a few widths from least to natural
        for members, low, high in zip(columns, least, natural):
            steps = [low + (high - low) * k / 24 for k in range(25)]
            choices.append([(w, self._text_height(members, w - 2 * PAD_X)) for w in steps])
        widths = list(least)
        for tallest in sorted({h for column in choices for _, h in column}):
            fitting = [min(w for w, h in column if h <= tallest + 1e-6) if any(h <= tallest + 1e-6 for _, h in column)
                       else None for column in choices]
            if None not in fitting and sum(fitting) <= room:
                widths = fitting
                break
        spare = max(room - sum(widths), 0.0)
        gap = float(MIN_GAP) if gaps else 0.0
        if gaps:
            more = min(spare / gaps, COMFY_GAP - MIN_GAP)
            gap, spare = gap + more, spare - more * gaps
        for c in sorted(range(len(widths)), key=lambda c: natural[c] - widths[c]):
            more = min(spare, natural[c] - widths[c])
            widths[c], spare = widths[c] + more, spare - more
        if gaps:
            gap += min(spare / gaps, MAX_GAP - gap)
        return widths, gap

    def _geometry(self) -> None:
        count = max((c for c, _ in self.grid.values()), default=-1) + 1
        columns = [[n for n in self.nodes if self.grid[n][0] == c] for c in range(count)]
        widths, gap = self._column_widths(columns)
        lefts, x = [], MARGIN
        for w in widths:
            lefts.append(x)
            x += w + gap
        content_width = x - gap + MARGIN if widths else 2 * MARGIN
        label_line, note_line = LABEL_PX * LINE_EM, NOTE_PX * LINE_EM
        self.labels, self.note_slots, self.inner_width = {}, {}, {}
        text_height = [0.0] * count
        for n in self.nodes:
            c = self.grid[n][0]
            inner = widths[c] - 2 * PAD_X
            self.inner_width[n] = inner
            self.labels[n] = wrap(str(n), inner, LABEL_PX) or ("",)
            self.note_slots[n] = max(1, len(wrap(self._longest_note_of(n), inner, NOTE_PX)))
            text_height[c] = max(text_height[c], len(self.labels[n]) * label_line + self.note_slots[n] * note_line)
        box_heights = [h + 2 * PAD_Y for h in text_height]
        pitch = max(box_heights, default=0) + ROW_GAP
        title_room = text_width(self.title, TITLE_PX, True) * FIT + 2 * MARGIN if self.title else 0
        width = max(content_width, min(self.page_width, title_room), self.min_size[0])
        self.title_width = width - 2 * MARGIN
        self.title_lines = wrap(self.title, self.title_width, TITLE_PX, True) if self.title else ()
        y = MARGIN + len(self.title_lines) * TITLE_PX * LINE_EM + (6 if self.title else 0)
        self.heading_baseline = y + HEAD_PX
        rows_top = y + HEAD_PX * LINE_EM + 10
        rows = max((r for _, r in self.grid.values()), default=-1) + 1  # rows are already centred by the layout
        self.rows_bottom = rows_top + rows * pitch
        self.legend_lines = (wrap(self.dashed_legend, width - 2 * MARGIN - 44, LEGEND_PX) if self.dashed_edges else ())
        height = self.rows_bottom + len(self.legend_lines) * LEGEND_PX * LINE_EM + MARGIN
        self.size = (round(width), round(max(height, self.min_size[1])))
        self.widths, self.lefts, self.pitch, self.rows_top = widths, lefts, pitch, rows_top
        self.boxes = {}
        for n, (c, r) in self.grid.items():
            h = box_heights[c]
            self.boxes[n] = (lefts[c], rows_top + r * pitch + pitch / 2 - h / 2, widths[c], h)

    def _row_y(self, row: float) -> float:
        return self.rows_top + row * self.pitch + self.pitch / 2

    def edge_path(self, u: str, v: str) -> str:
        """The SVG path of edge u -> v: S-curves in the gaps, straight across any column it skips."""
        (cu, ru), (cv, rv) = self.grid[u], self.grid[v]
        x, y = self.lefts[cu] + self.widths[cu], self._row_y(ru)
        parts = [f"M{x:.1f},{y:.1f}"]

        def curve_to(x1, y1):
            mid = (x + x1) / 2
            if abs(y1 - y) < 0.05:
                parts.append(f"L{x1:.1f},{y1:.1f}")
            else:
                parts.append(f"C{mid:.1f},{y:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")

        for k in range(cu + 1, cv):  # across each column skipped, in a lane between its boxes
            lane = self._row_y(self._free_lane(k, ru + (rv - ru) * (k - cu) / (cv - cu)))
            curve_to(self.lefts[k], lane)
            x, y = self.lefts[k], lane
            parts.append(f"L{self.lefts[k] + self.widths[k]:.1f},{lane:.1f}")
            x = self.lefts[k] + self.widths[k]
        curve_to(self.lefts[cv] - 1, self._row_y(rv))
        return " ".join(parts)

    def _free_lane(self, column: int, row: float) -> float:
        """The row nearest ``row`` where an edge can cross ``column`` without touching a box there
        (the layout usually keeps ``row`` itself free)."""
        taken = [r for c, r in self.grid.values() if c == column]
        candidates = [row] + [r + side * CLEARANCE for r in taken for side in (-1, 1)]
        free = [c for c in candidates if all(abs(c - r) >= CLEARANCE - 1e-9 for r in taken)]
        return min(free, key=lambda c: (abs(c - row), c))

    def _text_top(self, n: str) -> float:
        _, y, _, h = self.boxes[n]
        full = len(self.labels[n]) * LABEL_PX * LINE_EM + self.note_slots[n] * NOTE_PX * LINE_EM
        return y + h / 2 - full / 2

    def _build_template(self) -> str:
        width, height = self.size
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'viewBox="0 0 {width} {height}" style="max-width:none;height:auto" font-family="{FONT}">',
               '<defs>'] + [
            f'<marker id="{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for name, colour in (("idle", IDLE_EDGE), ("lit", LIT_EDGE))] + [
            '</defs>', '<rect width="100%" height="100%" fill="#FFFFFF"/>']
        for i in range(len(self.title_lines)):  # filled in by paint: a state may have its own title
            y = MARGIN + i * TITLE_PX * LINE_EM + TITLE_PX
            out.append(f'<text class="title" x="{MARGIN}" y="{y:.1f}" font-size="{TITLE_PX}" font-weight="bold" '
                       f'fill="#000000">{{title{i}}}</text>')
        for kind, band in kind_bands(self.graph)[0].items():
            first, last = band[0], band[-1]
            middle = (self.lefts[first] + self.lefts[last] + self.widths[last]) / 2
            # Dark text reads on white; the kind's colour is the bar beneath it (as on the boxes).
            out.append(f'<text class="heading" x="{middle:.1f}" y="{self.heading_baseline:.1f}" text-anchor="middle" '
                       f'font-size="{HEAD_PX}" font-weight="bold" fill="#222222">{_esc(kind)}s</text>'
                       f'<rect x="{middle - 30:.1f}" y="{self.heading_baseline + 4:.1f}" width="60" height="3" '
                       f'fill="{KIND_COLOURS.get(kind, "#000")}"/>')
        paths = {(u, v): self.edge_path(u, v) for u, v in self.edges}
        dash = {e: ' stroke-dasharray="7,4"' if e in self.dashed_edges else "" for e in paths}
        for e, d in paths.items():
            out.append(f'<path d="{d}" fill="none" stroke="{IDLE_EDGE}" stroke-width="1.2"{dash[e]} '
                       f'marker-end="url(#idle)"/>')
        # A dark copy of every edge, drawn above the pale ones and shown only when lit.
        for i, (e, d) in enumerate(paths.items()):
            out.append(f'<path d="{d}" fill="none" stroke="{LIT_EDGE}" stroke-width="2.2"{dash[e]} '
                       f'marker-end="url(#lit)" visibility="{{e{i}}}"/>')
        label_line, note_line = LABEL_PX * LINE_EM, NOTE_PX * LINE_EM
        for i, n in enumerate(self.nodes):
            x, y, w, h = self.boxes[n]
            kind = self.graph.nodes[n]["kind"]
            description = self.graph.nodes[n].get("description", "")
            top, centre = self._text_top(n), x + w / 2
            texts = [f'<text class="label" x="{centre:.1f}" y="{top + k * label_line + label_line / 2 + 0.36 * LABEL_PX:.1f}" '
                     f'text-anchor="middle" font-size="{LABEL_PX}" fill="{{t{i}}}">{_esc(line)}</text>'
                     for k, line in enumerate(self.labels[n])]
            below = top + len(self.labels[n]) * label_line
            texts += [f'<text class="note" x="{centre:.1f}" y="{below + k * note_line + note_line / 2 + 0.36 * NOTE_PX:.1f}" '
                      f'text-anchor="middle" font-size="{NOTE_PX}" fill="{{t{i}}}">{{n{i}_{k}}}</text>'
                      for k in range(self.note_slots[n])]
            out.append(
                f'<g class="node"><title>{_esc(n)} ({_esc(kind)}): {_esc(description)}</title>'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="7" '
                f'fill="{{f{i}}}" stroke="{KIND_COLOURS.get(kind, "#000000")}" stroke-width="2"/>'
                f'<g transform="translate(0,{{d{i}}})">{"".join(texts)}</g></g>')
        for k, line in enumerate(self.legend_lines):
            y = self.rows_bottom + k * LEGEND_PX * LINE_EM + LEGEND_PX
            if k == 0:
                out.append(f'<path d="M{MARGIN},{y - 4:.1f} h36" stroke="{LIT_EDGE}" stroke-width="1.6" '
                           f'stroke-dasharray="7,4"/>')
            out.append(f'<text class="legend" x="{MARGIN + 44}" y="{y:.1f}" font-size="{LEGEND_PX}" '
                       f'fill="#222222">{_esc(line)}</text>')
        out.append('</svg>')
        return "\n".join(out)

    def paint(self, fills: dict[str, str] | None = None, notes: dict[str, str] | None = None,
              lit_edges=frozenset(), title: str | None = None) -> None:
        """Recolour nodes (those not in ``fills`` go white), set notes, darken ``lit_edges``; and show
        ``title`` instead of the picture's own, if given (on the lines the picture's own title takes).

        A note wraps onto the lines its box has; the text in a box is centred on the lines it uses.
        """
        fills, notes, lit = fills or {}, notes or {}, set(lit_edges)
        slots = {}
        shown = self.title_lines if title is None else wrap(title, self.title_width, TITLE_PX, True)
        if len(shown) > len(self.title_lines):  # longer than the picture was sized for: join the rest
            shown = shown[:len(self.title_lines) - 1] + (" ".join(shown[len(self.title_lines) - 1:]),)
        for k in range(len(self.title_lines)):
            slots[f"title{k}"] = html.escape(shown[k]) if k < len(shown) else ""
        note_line = NOTE_PX * LINE_EM
        for i, n in enumerate(self.nodes):
            fill = fills.get(n, PLAIN_FILL)
            slots[f"f{i}"] = fill
            slots[f"t{i}"] = text_colour_on(fill)
            room = self.note_slots[n]
            lines = wrap(str(notes.get(n, "")), self.inner_width[n], NOTE_PX)
            if len(lines) > room:  # more than the box was sized for: the rest goes on its last line
                lines = lines[:room - 1] + (" ".join(lines[room - 1:]),)
            for k in range(room):
                slots[f"n{i}_{k}"] = html.escape(lines[k]) if k < len(lines) else ""
            slots[f"d{i}"] = f"{(room - len(lines)) * note_line / 2:.1f}"
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
        # At its own size, never shrunk to the page (its texts would shrink with it); a narrower
        # page scrolls it sideways instead.
        return f'<div style="overflow-x:auto;max-width:100%">{self._repr_svg_()}</div>'

    def _repr_svg_(self) -> str:
        return self.svg().decode("utf-8")

    def save(self, path) -> None:
        """Write the current picture to an SVG file."""
        with open(path, "wb") as out:
            out.write(self.svg())


def same_size(pictures) -> tuple[int, int]:
    """Grow ``pictures`` (the states of one widget) to one width and height, so the picture keeps
    its size when the learner changes an option; return that size.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> small, big = GraphPicture(shop_graph(), longest_note=""), GraphPicture(shop_graph(), title="A title")
    >>> same_size([small, big]) == small.size == big.size
    True
    """
    pictures = list(pictures)
    width = max((p.size[0] for p in pictures), default=0)
    height = max((p.size[1] for p in pictures), default=0)
    for p in pictures:
        if p.size != (width, height):
            p.grow_to(width, height)
    return width, height


def _esc(text: str) -> str:
    # Escape for XML, then double braces so the text survives str.format_map.
    return html.escape(str(text)).replace("{", "{{").replace("}", "}}")
