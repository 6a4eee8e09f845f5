"""Handouts: one printable page per registered lesson, built from the registry, escaped, and a CLI that
says in one line what is wrong with a bad output folder."""

import html
import re
from dataclasses import replace

import pytest

from mldebt_lessons.cli import main
from mldebt_lessons.course.drawing import MIN_TEXT_PX
from mldebt_lessons.lessons.handouts import (
    ALL_FILE,
    INDEX_FILE,
    LETTER_ZOOM,
    PRINT_SCALE,
    START_FILE,
    around,
    handout_file_name,
    handout_html,
    index_html,
    write_handouts,
)
from mldebt_lessons.lessons import LESSONS, get_lesson
from mldebt_lessons.lessons.start_here.course_map import START_HERE, course_rows


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    return out, write_handouts(out)


def text_of(page: str) -> str:
    """The visible text of a page, tags dropped and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def plain(text: str) -> str:
    return " ".join(text.replace("`", " ").split())


def test_one_page_per_registered_lesson_plus_all_and_index(written):
    out, paths = written
    assert sorted(p.name for p in paths) == sorted([handout_file_name(l) for l in LESSONS.values()]
                                                   + [START_FILE, ALL_FILE, INDEX_FILE])
    assert all(p.is_file() for p in paths)
    index = (out / INDEX_FILE).read_text(encoding="utf-8")
    for lesson in LESSONS.values():
        assert f'href="{handout_file_name(lesson)}"' in index
    assert f'href="{START_FILE}"' in index and index.index(START_FILE) < index.index(handout_file_name(LESSONS["01"]))


def test_the_start_notebook_has_a_page_too(written):
    """Lesson 00 is not in the lesson registry, but the half-day plan teaches it: its page shows Larkspur
    whole (every node, with its owner, and the same in words), the ML-code share, and every notebook."""
    from mldebt_lessons.course.codecount import code_share_text, toy_world_code_share
    from mldebt_lessons.shop.graph import describe_graph
    from mldebt_lessons.shop.world import build_world
    out, _ = written
    page = (out / START_FILE).read_text(encoding="utf-8")
    words = text_of(page)
    assert START_HERE["title"] in words and f"about {START_HERE['minutes']} minutes" in words
    world = build_world()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    for node, owner in world.graph.nodes(data="owner"):
        assert f">{node}<" in svg and owner in svg, node
    for line in describe_graph(world.graph).splitlines():
        assert line in words
    assert code_share_text(toy_world_code_share()) in words
    for row in course_rows():
        assert f"{row['id']} {row['title'].split(':')[0]} ({row['minutes']} min)" in words
    assert "Key points" in words and "Ask your AI tutor" in words  # the parts every lesson has


def test_every_graph_is_printed_at_one_scale_with_its_smallest_text_over_7_pt(written):
    out, _ = written
    assert MIN_TEXT_PX * PRINT_SCALE * 0.75 * LETTER_ZOOM >= 7.0  # on A4, and a little smaller on US Letter
    page = (out / ALL_FILE).read_text(encoding="utf-8")
    svgs = re.findall(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)" viewBox="0 0 ([\d.]+) ([\d.]+)"', page)
    assert len(svgs) == len(LESSONS) + 1
    for width, height, own_width, own_height in svgs:
        assert float(width) == pytest.approx(float(own_width) * PRINT_SCALE, abs=0.06)
        assert float(height) == pytest.approx(float(own_height) * PRINT_SCALE, abs=0.06)
        assert float(width) <= 186 * 96 / 25.4  # inside A4's printable width: never shrunk to fit
    sizes = {float(px) for px in re.findall(r'<text[^>]* font-size="([\d.]+)"', page)}
    assert min(sizes) == MIN_TEXT_PX


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_each_page_holds_its_key_points_three_prompts_and_graph(lesson_id, written):
    out, _ = written
    lesson = LESSONS[lesson_id]
    page = (out / handout_file_name(lesson)).read_text(encoding="utf-8")
    words = " ".join(text_of(page).replace("`", " ").split())
    assert plain(lesson.title) in words and lesson.paper_section in words
    for point in lesson.key_points:
        assert plain(point) in words, point
    assert len(lesson.tutor_prompts) == 3
    prompts = re.search(r"<ol>(.*?)</ol>", page, re.S).group(1)
    assert [plain(text_of(item)) for item in re.findall(r"<li>(.*?)</li>", prompts, re.S)] == \
        [plain(p) for p in lesson.tutor_prompts]
    assert page.count("<svg") == 1 and all(node in page for node in lesson.focus_nodes)
    assert "@page" in page and "page-break" in page  # print CSS travels with the page


def test_the_all_in_one_page_has_every_lesson_once_in_course_order(written):
    out, _ = written
    page = (out / ALL_FILE).read_text(encoding="utf-8")
    ids = re.findall(r'<section class="handout" id="lesson-(\w+)"', page)
    assert ids == [START_HERE["id"], *LESSONS]


def test_every_text_is_escaped():
    evil = replace(get_lesson("01"), title="<script>alert(1)</script> & co",
                   key_points=("a <b>bold</b> claim & `x<y`",),
                   tutor_prompts=("<img src=x onerror=alert(1)>", "two", "three"))
    page = handout_html(evil)
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<code>x&lt;y</code>" in page
    assert "<script" not in index_html([evil])


def test_a_lesson_without_focus_nodes_gets_no_graph():
    page = handout_html(replace(get_lesson("02"), focus_nodes=()))
    assert "<svg" not in page and "Key points" in page


def test_the_graph_is_the_part_of_the_world_the_lesson_is_about():
    import networkx as nx
    g = nx.DiGraph([("src", "f"), ("f", "m"), ("m", "c"), ("other", "m2")])
    assert set(around(g, ["f"])) == {"src", "f", "m", "c"}


def test_the_graph_keeps_the_worlds_order_whatever_the_hash_seed():
    # The picture is drawn in the graph's order: taken from a set, it changed from run to run (hash seed).
    import networkx as nx
    chain = [f"node{i}" for i in range(100)]
    g = nx.DiGraph(list(zip(chain, chain[1:])))
    part = around(g, ["node81"])  # node80 (its feeder) and all after it: under half the graph
    assert list(part) == chain[80:]
    assert list(part.edges) == list(zip(chain[80:], chain[81:]))


def test_same_registry_same_pages(tmp_path, written):
    out, paths = written
    again = write_handouts(tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


# --- the command ------------------------------------------------------------------------------------------------

def test_cli_writes_the_handouts(tmp_path, capsys):
    assert main(["handouts", str(tmp_path / "new" / "folder")]) == 0
    assert (tmp_path / "new" / "folder" / INDEX_FILE).is_file()
    assert "index.html" in capsys.readouterr().out


def test_cli_rejects_a_file_as_the_folder(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["handouts", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err and "Traceback" not in err
    assert err.startswith("mldebt handouts: ") and "handouts: mldebt" not in err  # the CLI's prefix, once
    assert target.read_text() == "keep me"


def test_cli_rejects_a_folder_it_cannot_write(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["handouts", str(blocker / "inside")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "Traceback" not in err
    assert err.startswith("mldebt handouts: cannot write")
