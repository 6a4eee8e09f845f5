"""Tests for the graph pictures: layout by layer, projector-sized text, no overlaps, one size per
widget, safe colours, speed.

Every picture the course draws is checked in every state its widget can show: each text at
MIN_TEXT_PX or more, each name and note inside its box, no two boxes overlapping, no edge
through a box, no title, heading or legend over a box or another text, and no picture wider
than the page a 1024-px window gives it.
"""

import itertools
import re
import time
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

from mldebt_lessons.course import drawing
from mldebt_lessons.course.drawing import (
    CHANGED_FILL,
    KIND_COLOURS,
    OKABE_ITO,
    PAGE_WIDTH,
    PLAIN_FILL,
    GraphPicture,
    blend,
    kind_fills,
    layered_layout,
    same_size,
    text_colour_on,
    text_width,
    wrap,
)
from mldebt_lessons.lessons.entanglement_cace.experiment import MODES, all_experiments
from mldebt_lessons.lessons.entanglement_cace.view import cace_view
from mldebt_lessons.lessons.start_here.widget import tour_picture
from mldebt_lessons.shop.graph import LAYERS, add_edge, shop_graph
from mldebt_lessons.shop.world import build_world

SVG = "{http://www.w3.org/2000/svg}"
# Okabe & Ito (2008), "Color Universal Design": the eight colours, as published.
PUBLISHED_OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
ASCENT, DESCENT = 0.76, 0.24  # of a line of DejaVu Sans around its baseline, in ems (cap height 0.73)


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def g():
    return shop_graph()


# --- reading a picture back from its SVG -------------------------------------------------------

def boxes(svg: bytes) -> dict:
    """Each node's box, read back from the SVG: name -> (rect attributes, label lines, note lines, dy).

    The name is the box's label lines joined; lines are the <text> elements themselves.
    """
    root = ET.fromstring(svg)
    out = {}
    for group in root.iter(f"{SVG}g"):
        if group.attrib.get("class") != "node":
            continue
        rect = group.find(f"{SVG}rect")
        inner = group.find(f"{SVG}g")
        dy = float(re.fullmatch(r"translate\(0,(-?[\d.]+)\)", inner.attrib["transform"]).group(1))
        texts = inner.findall(f"{SVG}text")
        labels = [t for t in texts if t.attrib["class"] == "label"]
        notes = [t for t in texts if t.attrib["class"] == "note"]
        out["".join(t.text or "" for t in labels)] = (rect.attrib, labels, notes, dy)
    return out


def note_of(found: dict, node: str) -> str:
    """A box's note as one string (its lines joined by spaces)."""
    return " ".join(t.text for t in found[node][2] if t.text)


def text_box(text: ET.Element, dy: float = 0.0) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a <text>, from DejaVu Sans' measured advance widths."""
    px = float(text.attrib["font-size"])
    width = text_width(text.text or "", px, text.attrib.get("font-weight") == "bold") * drawing.FIT
    x, y = float(text.attrib["x"]), float(text.attrib["y"]) + dy
    left = {"middle": x - width / 2, "end": x - width}.get(text.attrib.get("text-anchor"), x)
    return left, y - ASCENT * px, left + width, y + DESCENT * px


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def rect_box(rect: dict) -> tuple[float, float, float, float]:
    x, y = float(rect["x"]), float(rect["y"])
    return x, y, x + float(rect["width"]), y + float(rect["height"])


def path_points(d: str, steps: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path made of M, L and C commands (as the pictures draw edges)."""
    points, here = [], (0.0, 0.0)
    for command, numbers in re.findall(r"([MLC])([^MLC]*)", d):
        values = [float(v) for v in re.findall(r"-?[\d.]+", numbers)]
        if command == "M":
            here = (values[0], values[1])
            points.append(here)
        elif command == "L":
            end = (values[0], values[1])
            points += [(here[0] + (end[0] - here[0]) * t / steps, here[1] + (end[1] - here[1]) * t / steps)
                       for t in range(1, steps + 1)]
            here = end
        else:
            (x1, y1), (x2, y2), (x3, y3) = zip(values[0::2], values[1::2])
            for k in range(1, steps + 1):
                t = k / steps
                a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3
                points.append((a * here[0] + b * x1 + c * x2 + e * x3, a * here[1] + b * y1 + c * y2 + e * y3))
            here = (x3, y3)
    return points


def assert_readable(svg: bytes, page_width: float = PAGE_WIDTH, edges: bool = True) -> None:
    """Every text at MIN_TEXT_PX or more; names and notes inside their boxes; nothing overlaps.
    (``edges=False`` skips the edges, which painting never moves.)"""
    root = ET.fromstring(svg)
    assert float(root.attrib["width"]) <= page_width, root.attrib["width"]
    assert "max-width:none" in root.attrib["style"]  # shown at its own size, never shrunk
    for text in root.iter(f"{SVG}text"):
        assert float(text.attrib["font-size"]) >= drawing.MIN_TEXT_PX, text.text
    found = boxes(svg)
    rects = {name: rect_box(rect) for name, (rect, _, _, _) in found.items()}
    for name, (rect, labels, notes, dy) in found.items():
        left, top, right, bottom = rects[name]
        for text in labels + notes:
            if not text.text:
                continue
            t_left, t_top, t_right, t_bottom = text_box(text, dy)
            assert left + 2 <= t_left and t_right <= right - 2, (name, text.text, "too wide for its box")
            assert top + 1 <= t_top and t_bottom <= bottom - 1, (name, text.text, "outside its box")
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not overlap(ra, rb), (a, b)
    loose = [text_box(t) for t in root.findall(f"{SVG}text")]  # title, headings, legend
    for box, other in itertools.combinations(loose, 2):
        assert not overlap(box, other), (box, other)
    for box in loose:
        assert not any(overlap(box, r) for r in rects.values()), box
    for path in root.iter(f"{SVG}path") if edges else ():
        if path.attrib.get("fill") != "none":
            continue
        for x, y in path_points(path.attrib["d"]):
            for name, (left, top, right, bottom) in rects.items():
                inside = left + 1.5 < x < right - 1.5 and top + 1.5 < y < bottom - 1.5
                assert not inside, f"an edge runs through {name}'s box at ({x:.0f}, {y:.0f})"
            for box in loose:
                assert not (box[0] < x < box[2] and box[1] < y < box[3]), ("an edge runs through a text", box)


# --- every picture the course draws, in every state -------------------------------------------

def cace_states(world):
    picture = GraphPicture(world.graph, title=f"{world.company}: the ripple of one change")
    for feature, change in all_experiments():
        for mode in MODES:
            view = cace_view(world, feature, change, mode)
            picture.paint(view.fills, view.notes, view.lit_edges)
            yield picture


def cascade_states(world):
    from mldebt_lessons.lessons.correction_cascades.widget import CascadeExplorer
    explorer = CascadeExplorer(world)
    from mldebt_lessons.lessons.correction_cascades.experiment import ARCHITECTURES, IMPROVEMENTS
    for architecture in ARCHITECTURES:
        for improvement in IMPROVEMENTS:
            explorer.select(improvement, architecture)
            yield explorer.pictures[explorer.view.graph_key]


def reader_states(world):
    from mldebt_lessons.lessons.undeclared_consumers.view import all_views, reader_picture
    picture = reader_picture(world, f"{world.company}: who reads a model's output?")
    for view in all_views(world).values():
        picture.paint(view.fills, view.notes, view.lit_edges)
        yield picture


def audit_states(world):
    from mldebt_lessons.audit import audit_toy_world
    from mldebt_lessons.audit.picture import hot_spot_picture
    yield hot_spot_picture(audit_toy_world())


def tour_states(world):
    yield tour_picture(world)


ALL_PICTURES = {"tour (00)": tour_states, "cace (01)": cace_states, "cascade (02)": cascade_states,
                "readers (03)": reader_states, "audit (90)": audit_states}


@pytest.mark.parametrize("states", ALL_PICTURES.values(), ids=ALL_PICTURES.keys())
def test_every_picture_is_readable_in_every_state(world, states):
    sizes, drawn = set(), set()
    for picture in states(world):
        assert_readable(picture.svg(), edges=id(picture) not in drawn)
        drawn.add(id(picture))
        sizes.add(picture.size)
    assert len(sizes) == 1, f"the picture changes size between states: {sizes}"


def test_every_text_is_at_least_the_minimum_size(world):
    assert drawing.MIN_TEXT_PX >= 12
    assert min(drawing.LABEL_PX, drawing.NOTE_PX, drawing.HEAD_PX, drawing.TITLE_PX, drawing.LEGEND_PX) \
        >= drawing.MIN_TEXT_PX
    svg = tour_picture(world).svg().decode()
    sizes = {float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)}
    assert sizes and min(sizes) >= drawing.MIN_TEXT_PX


def test_the_readability_check_can_fail():
    """A note longer than the box was sized for, a box over another, an edge through a box: caught."""
    picture = GraphPicture(shop_graph(), longest_note="short")
    picture.paint(notes={"user_age": "a note far longer than anything the box was sized for"})
    with pytest.raises(AssertionError, match="too wide"):
        assert_readable(picture.svg())
    plain = GraphPicture(shop_graph()).svg().decode()
    first = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width', plain.split('class="node"')[2])
    moved = plain.replace(f'<rect x="{first.group(1)}" y="{first.group(2)}"', f'<rect x="{first.group(1)}" y="8.0"', 1)
    with pytest.raises(AssertionError):
        assert_readable(moved.encode())
    with pytest.raises(AssertionError):
        assert_readable(GraphPicture(shop_graph()).svg(), page_width=300)


def test_an_edge_through_a_box_is_caught():
    pic = GraphPicture(shop_graph())
    x, y, w, h = pic.boxes["churn_model"]
    svg = pic.svg().decode().replace("</svg>", f'<path d="M{x - 20},{y + h / 2} L{x + w + 20},{y + h / 2}" '
                                     'fill="none" stroke="#000"/></svg>')
    with pytest.raises(AssertionError, match="churn_model"):
        assert_readable(svg.encode())


def test_pictures_fit_the_page_and_grow_taller_not_wider(world):
    wide = GraphPicture(world.graph, width=1200)
    narrow = GraphPicture(world.graph)
    assert narrow.size[0] <= PAGE_WIDTH < wide.size[0] <= 1200
    assert narrow.size[1] > wide.size[1]  # the same graph wraps its names and grows taller instead
    found = boxes(narrow.svg())
    assert len(found["days_since_signup"][1]) == 2  # a long name wraps after an underscore
    assert [t.text for t in found["days_since_signup"][1]] == ["days_since_", "signup"]


def test_same_size_grows_every_picture_to_the_largest():
    from mldebt_lessons.lessons.correction_cascades.experiment import ARCHITECTURES
    from mldebt_lessons.lessons.correction_cascades.view import CASCADE_NOTE_SIZES, cascade_graph
    pictures = [GraphPicture(cascade_graph(a, i), longest_note=CASCADE_NOTE_SIZES)
                for a in ARCHITECTURES for i in ("none", "feature")]
    assert len({p.size for p in pictures}) > 1  # the wirings differ ...
    size = same_size(pictures)
    assert {p.size for p in pictures} == {size}  # ... and are shown at one size
    for p in pictures:
        root = ET.fromstring(p.svg())
        assert (int(root.attrib["width"]), int(root.attrib["height"])) == size
        assert_readable(p.svg())


def test_wrap_breaks_after_underscores_and_spaces_only():
    assert wrap("fraud_review_queue", 1000, 13) == ("fraud_review_queue",)
    assert wrap("home AUC 0.748 → 0.791", 70, 12) == ("home AUC", "0.748 →", "0.791")
    assert wrap("clickstream", 10, 13) == ("clickstream",)  # a word that cannot break is never split
    for text in ("days_since_signup", "Spain caught 28.2% → 22.5%", "a b  c"):
        for width in (40, 80, 120):
            lines = wrap(text, width, 13)
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_text_width_uses_real_glyph_widths():
    assert text_width("iiii", 12) < text_width("mmmm", 12)
    assert text_width("abc", 24) == pytest.approx(2 * text_width("abc", 12))
    assert text_width("abc", 12, bold=True) > text_width("abc", 12)
    assert text_width("€ and ✓", 12) > 0  # characters outside the table still count


# --- layout ------------------------------------------------------------------------------------

def test_columns_follow_the_layers_and_every_edge_points_right(g):
    pos = layered_layout(g)
    assert set(pos) == set(g)
    # Each layer gets one column per model-to-model step: fraud_model_es reads fraud_model's score,
    # so the model layer takes two columns and pushes the consumers one column to the right.
    depth = {}
    for n in nx.topological_sort(g):
        depth[n] = max((depth[p] + 1 for p in g.predecessors(n) if g.nodes[p]["kind"] == g.nodes[n]["kind"]),
                       default=0)
    start, first = 0, {}
    for kind in LAYERS:
        first[kind] = start
        start += 1 + max(depth[n] for n, k in g.nodes(data="kind") if k == kind)
    for node, (column, _) in pos.items():
        assert column == first[g.nodes[node]["kind"]] + depth[node], node
    assert first == {"source": 0, "feature": 1, "model": 2, "consumer": 4}
    assert pos["fraud_model_es"][0] == 3 and pos["fraud_model"][0] == pos["churn_model"][0] == 2
    for u, v in g.edges:
        assert pos[u][0] < pos[v][0], (u, v)


def test_no_two_nodes_share_a_place_and_columns_stay_compact(g):
    # Rows may be halves (a node moves off the row a skipping edge runs along), but boxes in a
    # column are always at least one row apart, the top row is 0, and no column sprawls.
    pos = layered_layout(g)
    assert len(set(pos.values())) == len(pos)
    assert min(r for _, r in pos.values()) == 0
    tallest = max(sum(1 for c, _ in pos.values() if c == column) for column in {c for c, _ in pos.values()})
    for column in {c for c, _ in pos.values()}:
        rows = sorted(r for c, r in pos.values() if c == column)
        assert all(b - a >= 1 for a, b in zip(rows, rows[1:])), (column, rows)
        assert all(2 * r == int(2 * r) for r in rows), rows
        assert rows[-1] - rows[0] <= 2 * len(rows), (column, rows)
    assert max(r for _, r in pos.values()) <= tallest + 1  # the picture is hardly taller than its tallest column


def test_a_model_that_reads_another_model_is_drawn_to_its_right():
    g = shop_graph()
    add_edge(g, "ltv_model", "fraud_model")
    assert g.edges["ltv_model", "fraud_model"]["kind"] == "model_input"
    pos = layered_layout(g)
    assert all(pos[u][0] < pos[v][0] for u, v in g.edges)
    assert_readable(GraphPicture(g, width=800).svg(), page_width=800)  # one more column: a little wider


def test_column_headings_sit_over_their_own_column_for_extra_kinds():
    g = nx.DiGraph()
    kinds = [f"k{i}" for i in range(8)]  # 8 extra kinds: set order == sorted order is very unlikely
    g.add_node("src", kind="source", description="")
    previous = "src"
    for kind in kinds:
        g.add_node(f"n_{kind}", kind=kind, description="")
        g.add_edge(previous, f"n_{kind}")
        previous = f"n_{kind}"
    picture = GraphPicture(g, width=2000)
    root = ET.fromstring(picture.svg())
    headings = {t.text[:-1]: float(t.attrib["x"]) for t in root.findall(f"{SVG}text")
                if t.attrib.get("class") == "heading"}
    for kind in kinds:
        x, _, w, _ = picture.boxes[f"n_{kind}"]
        assert headings[kind] == pytest.approx(x + w / 2, abs=0.1), kind


# --- the SVG -----------------------------------------------------------------------------------

def test_the_svg_is_well_formed_and_has_one_box_per_node(g):
    picture = GraphPicture(g, title="Larkspur")
    root = ET.fromstring(picture.svg())
    assert root.tag == f"{SVG}svg"
    assert set(boxes(picture.svg())) == {n.replace(" ", "") for n in g}
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    assert picture.size == (round(width), round(height))
    assert root.attrib["viewBox"] == f"0 0 {picture.size[0]} {picture.size[1]}"


def test_labels_fit_in_the_tour_picture(world):
    picture = tour_picture(world)
    found = boxes(picture.svg())
    assert note_of(found, "user_age") == "accounts team"  # the notes are the owners


def test_a_short_note_is_centred_in_its_box(g):
    picture = GraphPicture(g)  # boxes sized for a two-line note
    picture.paint(notes={"user_age": "flips 2.0%", "country": "changed: merge_rare"})
    found = boxes(picture.svg())
    assert len(found["country"][2]) == 2 and found["country"][3] == 0  # both lines used: no shift
    assert found["user_age"][3] > 0  # one line used: the text moves down to stay centred


def test_every_edge_has_an_idle_and_a_lit_path_and_only_lit_edges_show(g):
    picture = GraphPicture(g)
    edge = ("user_age", "churn_model")
    picture.paint(lit_edges={edge})
    root = ET.fromstring(picture.svg())
    paths = [p for p in root.iter(f"{SVG}path") if p.attrib.get("fill") == "none"]
    lit = [p for p in paths if p.attrib["stroke"] == drawing.LIT_EDGE]
    assert len(paths) == 2 * g.number_of_edges()
    assert [p.attrib["visibility"] for p in lit].count("visible") == 1
    picture.paint()
    root = ET.fromstring(picture.svg())
    assert all(p.attrib.get("visibility") != "visible" for p in root.iter(f"{SVG}path"))


def test_paint_changes_the_bytes_and_painting_back_restores_them_exactly(g):
    picture = GraphPicture(g)
    plain = picture.svg()
    picture.paint({"user_age": CHANGED_FILL}, notes={"user_age": "changed: units"},
                  lit_edges={("user_age", "churn_model")})
    painted = picture.svg()
    assert painted != plain
    found = boxes(painted)
    assert note_of(found, "user_age") == "changed: units"
    assert note_of(found, "session_count") == ""  # control: an unpainted node has no note
    picture.paint()
    assert picture.svg() == plain
    assert GraphPicture(g).svg() == plain  # and a fresh picture draws the same bytes


def test_names_and_notes_with_markup_characters_are_escaped_and_survive():
    g = nx.DiGraph()
    names = {"a<b": "source", "x&y": "feature", "{z}": "model", 'q"s\'t>': "consumer"}
    for name, kind in names.items():
        g.add_node(name, kind=kind, description="desc with <tags> & {braces}")
    g.add_edge("a<b", "x&y"), g.add_edge("x&y", "{z}"), g.add_edge("{z}", 'q"s\'t>')
    picture = GraphPicture(g, title="<Larkspur> & {co}")
    picture.paint({"{z}": CHANGED_FILL}, notes={"{z}": "<note> & {x}"}, lit_edges={("x&y", "{z}")})
    svg = picture.svg()
    root = ET.fromstring(svg)  # well-formed despite the markup characters
    found = boxes(svg)
    assert set(found) == set(names)
    assert note_of(found, "{z}") == "<note> & {x}"
    assert found["{z}"][0]["fill"] == CHANGED_FILL
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "{z} (model): desc with <tags> & {braces}" in titles
    assert any(t.text == "<Larkspur> & {co}" for t in root.iter(f"{SVG}text"))


def test_html_shows_the_picture_at_its_own_size(g):
    html = GraphPicture(g)._repr_html_()
    assert "overflow-x:auto" in html and "max-width:none" in html


# --- colours --------------------------------------------------------------------------------------

def test_the_palette_is_okabe_ito_and_each_kind_has_its_own_colour():
    assert set(OKABE_ITO.values()) == PUBLISHED_OKABE_ITO
    assert set(KIND_COLOURS) == set(LAYERS)
    assert set(KIND_COLOURS.values()) <= PUBLISHED_OKABE_ITO
    assert len(set(KIND_COLOURS.values())) == len(KIND_COLOURS)
    assert CHANGED_FILL in PUBLISHED_OKABE_ITO


def test_box_outlines_use_the_kind_colour(g):
    picture = GraphPicture(g)
    found = boxes(picture.svg())
    for node in g:
        rect = found[node][0]
        assert rect["stroke"] == KIND_COLOURS[g.nodes[node]["kind"]], node


def test_text_colour_follows_the_fill(world):
    picture = GraphPicture(world.graph)
    view = cace_view(world, "user_age", "units", "serving")
    picture.paint(view.fills, view.notes, view.lit_edges)
    found = boxes(picture.svg())
    for node, (rect, labels, notes, _) in found.items():
        assert {t.attrib["fill"] for t in labels + notes} == {text_colour_on(rect["fill"])}, node
    # The darkest effect fill is dark enough for white text; the changed feature takes black text.
    assert {labels[0].attrib["fill"] for _, labels, _, _ in found.values()} == {"#000000", "#FFFFFF"}


@pytest.mark.parametrize("fill", [PLAIN_FILL, "#F0E442", "#E69F00", "#56B4E9", blend("#D55E00", 0.3)])
def test_black_text_on_light_fills(fill):
    assert text_colour_on(fill) == "#000000"


@pytest.mark.parametrize("fill", ["#000000", "#0072B2", "#D55E00", "#333333"])
def test_white_text_on_dark_fills(fill):
    assert text_colour_on(fill) == "#FFFFFF"


def test_blend_runs_from_white_to_the_colour_and_clamps():
    assert blend("#D55E00", 0.0) == "#FFFFFF"
    assert blend("#D55E00", 1.0) == "#D55E00"
    half = blend("#D55E00", 0.5)
    exact = [255 - (255 - v) / 2 for v in (0xD5, 0x5E, 0x00)]
    assert all(abs(int(half[i:i + 2], 16) - e) <= 0.5 for i, e in zip((1, 3, 5), exact)), half
    assert blend("#D55E00", -3) == "#FFFFFF" and blend("#D55E00", 7) == "#D55E00"


def test_kind_fills_are_pale_versions_of_the_kind_colours(g):
    fills = kind_fills(g)
    assert set(fills) == set(g)
    for node, fill in fills.items():
        assert fill == blend(KIND_COLOURS[g.nodes[node]["kind"]], 0.3)
        assert text_colour_on(fill) == "#000000"


# --- speed --------------------------------------------------------------------------------------------

def test_recolouring_is_fast(world):
    picture = GraphPicture(world.graph)
    views = [cace_view(world, f, c, m) for f, c in all_experiments() for m in MODES]
    times = []
    for i in range(200):
        view = views[i % len(views)]
        start = time.perf_counter()
        picture.paint(view.fills, view.notes, view.lit_edges)
        picture.svg()
        times.append(time.perf_counter() - start)
    p95 = float(np.percentile(times, 95))
    assert p95 < 0.005, f"p95 paint+svg took {1000 * p95:.2f} ms"
