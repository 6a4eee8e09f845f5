"""Tests for the graph pictures: layout by layer, no overlaps, labels that fit, safe colours, speed."""

import itertools
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
    PLAIN_FILL,
    GraphPicture,
    blend,
    kind_fills,
    layered_layout,
    text_colour_on,
)
from mldebt_lessons.lessons.entanglement_cace.experiment import MODES, all_experiments
from mldebt_lessons.lessons.entanglement_cace.view import cace_view
from mldebt_lessons.lessons.start_here.widget import tour_picture
from mldebt_lessons.shop.graph import LAYERS, add_edge, shop_graph
from mldebt_lessons.shop.world import build_world

SVG = "{http://www.w3.org/2000/svg}"
# Okabe & Ito (2008), "Color Universal Design": the eight colours, as published.
PUBLISHED_OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def g():
    return shop_graph()


def boxes(svg: bytes) -> dict:
    """Each node's box, read back from the SVG: name -> (rect attributes, label, note)."""
    root = ET.fromstring(svg)
    out = {}
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        label, note = group.findall(f"{SVG}text")
        out[label.text or ""] = (rect.attrib, label, note)
    return out


def assert_labels_fit_and_boxes_do_not_overlap(svg: bytes) -> None:
    found = boxes(svg)
    rects = []
    for name, (rect, label, note) in found.items():
        x, y = float(rect["x"]), float(rect["y"])
        w, h = float(rect["width"]), float(rect["height"])
        rects.append((name, x, y, w, h))
        for text, px in ((label.text or "", drawing.LABEL_PX), (note.text or "", drawing.NOTE_PX)):
            centre = float(label.attrib["x"])
            assert label.attrib["text-anchor"] == "middle"
            half = len(text) * px * drawing.CHAR_EM / 2
            assert x <= centre - half and centre + half <= x + w, (name, text, x, w)
        for text in (label, note):
            assert y < float(text.attrib["y"]) <= y + h, (name, text.text)
    for (a, ax, ay, aw, ah), (b, bx, by, bw, bh) in itertools.combinations(rects, 2):
        apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
        assert apart, (a, b)


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
    for column in {c for c, _ in pos.values()}:
        rows = sorted(r for c, r in pos.values() if c == column)
        assert all(b - a >= 1 for a, b in zip(rows, rows[1:])), (column, rows)
        assert all(2 * r == int(2 * r) for r in rows), rows
        assert rows[-1] - rows[0] <= 2 * len(rows), (column, rows)


def test_a_model_that_reads_another_model_is_drawn_to_its_right():
    g = shop_graph()
    add_edge(g, "ltv_model", "fraud_model")
    assert g.edges["ltv_model", "fraud_model"]["kind"] == "model_input"
    pos = layered_layout(g)
    assert all(pos[u][0] < pos[v][0] for u, v in g.edges)


def test_column_headings_sit_over_their_own_column_for_extra_kinds():
    g = nx.DiGraph()
    kinds = [f"k{i}" for i in range(8)]  # 8 extra kinds: set order == sorted order is very unlikely
    g.add_node("src", kind="source", description="")
    previous = "src"
    for kind in kinds:
        g.add_node(f"n_{kind}", kind=kind, description="")
        g.add_edge(previous, f"n_{kind}")
        previous = f"n_{kind}"
    picture = GraphPicture(g)
    root = ET.fromstring(picture.svg())
    headings = {t.text[:-1]: float(t.attrib["x"]) for t in root.findall(f"{SVG}text")
                if t.attrib.get("font-size") == "14"}
    found = boxes(picture.svg())
    for kind in kinds:
        assert headings[kind] == pytest.approx(float(found[f"n_{kind}"][1].attrib["x"])), kind


# --- the SVG -----------------------------------------------------------------------------------

def test_the_svg_is_well_formed_and_has_one_box_per_node(g):
    picture = GraphPicture(g, title="Larkspur")
    root = ET.fromstring(picture.svg())
    assert root.tag == f"{SVG}svg"
    assert set(boxes(picture.svg())) == set(g)
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    assert picture.size == (round(width), round(height))


def test_labels_fit_their_boxes_and_boxes_do_not_overlap_in_every_cace_picture(world):
    picture = GraphPicture(world.graph, title="t")
    for feature, change in all_experiments():
        for mode in MODES:
            view = cace_view(world, feature, change, mode)
            picture.paint(view.fills, view.notes, view.lit_edges)
            assert_labels_fit_and_boxes_do_not_overlap(picture.svg())


def test_labels_fit_in_the_tour_picture(world):
    picture = tour_picture(world)
    assert_labels_fit_and_boxes_do_not_overlap(picture.svg())
    found = boxes(picture.svg())
    assert found["user_age"][2].text == "accounts team"  # the notes are the owners


def test_the_fit_check_can_fail():
    """A note longer than the picture was sized for must be caught by the check above."""
    picture = GraphPicture(shop_graph(), longest_note="short")
    picture.paint(notes={"user_age": "a note far longer than anything the box was sized for"})
    with pytest.raises(AssertionError):
        assert_labels_fit_and_boxes_do_not_overlap(picture.svg())


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
    assert found["user_age"][2].text == "changed: units"
    assert found["session_count"][2].text is None  # control: an unpainted node has no note
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
    assert found["{z}"][2].text == "<note> & {x}"
    assert found["{z}"][0]["fill"] == CHANGED_FILL
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "{z} (model): desc with <tags> & {braces}" in titles
    assert any(t.text == "<Larkspur> & {co}" for t in root.iter(f"{SVG}text"))


# --- colours --------------------------------------------------------------------------------------

def test_the_palette_is_okabe_ito_and_each_kind_has_its_own_colour():
    assert set(OKABE_ITO.values()) == PUBLISHED_OKABE_ITO
    assert set(KIND_COLOURS) == set(LAYERS)
    assert set(KIND_COLOURS.values()) <= PUBLISHED_OKABE_ITO
    assert len(set(KIND_COLOURS.values())) == len(KIND_COLOURS)
    assert CHANGED_FILL in PUBLISHED_OKABE_ITO


def test_box_outlines_use_the_kind_colour(g):
    found = boxes(GraphPicture(g).svg())
    for node, (rect, _, _) in found.items():
        assert rect["stroke"] == KIND_COLOURS[g.nodes[node]["kind"]], node


def test_text_colour_follows_the_fill(world):
    picture = GraphPicture(world.graph)
    view = cace_view(world, "user_age", "units", "serving")
    picture.paint(view.fills, view.notes, view.lit_edges)
    found = boxes(picture.svg())
    for node, (rect, label, note) in found.items():
        assert label.attrib["fill"] == note.attrib["fill"] == text_colour_on(rect["fill"]), node
    # The darkest effect fill is dark enough for white text; the changed feature takes black text.
    assert {label.attrib["fill"] for _, label, _ in found.values()} == {"#000000", "#FFFFFF"}


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
