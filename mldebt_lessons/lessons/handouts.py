"""Printable handouts: one HTML page per lesson, built from the lesson registry, and an index.

Each page holds the lesson's title and paper section, its graph (the part of Larkspur it zooms into,
drawn with the course's own :class:`~mldebt_lessons.course.drawing.GraphPicture`, with the same
picture in words below it), its key points, and the three AI-tutor prompts as they read before the
learner has any results of their own. The start notebook (00) gets a page too: the whole of Larkspur
with its owners, how much of it is ML code, and the course's lessons. Every text is HTML-escaped; a
name in backticks is shown as code.

The pages are plain HTML with print CSS: dark text on white, page margins that fit both A4 and US
Letter, one lesson a page, and never a key point or a prompt split across two pages. Every graph
prints at one scale, :data:`PRINT_SCALE`, chosen so that its smallest text (a node's note) prints at
:data:`MIN_PRINT_PT` points; the graph is laid out for the printable width at that scale, so the widest
graphs fill the page and none is shrunk to fit (on US Letter, a shorter page, they print
:data:`LETTER_ZOOM` of that, still over 7 points). ``mldebt handouts OUT_DIR`` (or ``make handouts``)
writes them; open ``index.html`` in a browser and print. Building them needs no network and no notebook.

Example
-------
>>> from mldebt_lessons.lessons import get_lesson
>>> page = handout_html(get_lesson("01"))
>>> page.startswith("<!DOCTYPE html>") and "<svg" in page and "CACE" in page
True
>>> inline_code("the <b> of `user_age`")
'the &lt;b&gt; of <code>user_age</code>'
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, MIN_TEXT_PX, OKABE_ITO, GraphPicture, blend, kind_fills
from mldebt_lessons.course.lesson import Lesson
from mldebt_lessons.shop.graph import LAYERS

PAPER = "Sculley et al., Hidden Technical Debt in Machine Learning Systems (NeurIPS 2015)"
PAGE_MARGIN_MM = (8, 12)  # top and bottom, left and right: inside what printers leave blank, on A4 and Letter
PRINTABLE_WIDTH_MM = 210 - 2 * PAGE_MARGIN_MM[1]  # A4 is the narrower of the two: 186 mm
PX_PER_MM, PT_PER_PX = 96 / 25.4, 0.75  # CSS units
MIN_PRINT_PT = 7.2  # the smallest text of a graph, printed on A4; the body text is 9 pt
LETTER_ZOOM = 0.975  # graphs on US Letter, against A4: each lesson keeps one page, the smallest text over 7 pt
PRINT_SCALE = MIN_PRINT_PT / (MIN_TEXT_PX * PT_PER_PX)  # the printed size of a graph against its own
# The width a graph is laid out for: at PRINT_SCALE it is exactly the printable width, so the widest fill it.
FIGURE_WIDTH = int(PRINTABLE_WIDTH_MM * PX_PER_MM / PRINT_SCALE)
FOCUS_NOTE, REACHED_NOTE = "this lesson", "reached"
REACHED_FILL = blend(OKABE_ITO["sky_blue"], 0.35)
INDEX_FILE, ALL_FILE = "index.html", "all_lessons.html"
START_FILE = "00_start_here.html"

PRINT_CSS = f"""
@page {{ margin: {PAGE_MARGIN_MM[0]}mm {PAGE_MARGIN_MM[1]}mm; }}
html, body {{ background: #FFFFFF; color: #111111; }}
body {{ font: 9pt/1.2 "DejaVu Sans", Verdana, Arial, sans-serif; margin: 0 auto; max-width: {PRINTABLE_WIDTH_MM}mm; }}
""" + """h1 { font-size: 14pt; margin: 0 0 1mm; }
h2 { font-size: 11.5pt; margin: 2.5mm 0 1mm; break-after: avoid; page-break-after: avoid; }
p.meta { margin: 0 0 1.5mm; color: #333333; }
figure { margin: 1mm 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; margin: 0 auto; }
figcaption { font-size: 8.5pt; color: #333333; }
ul, ol { margin: 0; padding-left: 5mm; }
ul.points, ul.words { columns: 2; column-gap: 6mm; }
ul.words { font-size: 8.5pt; color: #333333; }
li { margin: 0 0 0.6mm; break-inside: avoid; page-break-inside: avoid; }
ul.points li { break-inside: avoid-page; }  /* a key point may go on in the next column, never on the next page */
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
footer { margin-top: 3mm; padding-top: 1mm; border-top: 0.3mm solid #999999; font-size: 8.5pt; color: #333333; }
section.handout { break-after: page; page-break-after: always; }
section.handout:last-of-type { break-after: auto; page-break-after: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1mm 2mm; border-bottom: 0.2mm solid #BBBBBB; }
a { color: #003F7F; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
""" + f"""/* US Letter (its media height is under 290 mm, A4's is 297 mm): a page 18 mm shorter than A4 and 6 mm wider.
   The text takes the width and sits a little closer, and the graphs print a little smaller, so that each
   lesson keeps one page. */
@media print and (max-height: 290mm) {{
  @page {{ margin: 6mm 12mm; }}
  body {{ max-width: none; line-height: 1.14; }}
  figure svg {{ zoom: {LETTER_ZOOM}; }}
}}
"""


def inline_code(text: str) -> str:
    """``text`` HTML-escaped, with each `backticked` name shown as code.

    >>> inline_code("a & b")
    'a &amp; b'
    """
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def lesson_graph(lesson: Lesson, world=None) -> nx.DiGraph:
    """The graph a lesson zooms into: Larkspur's, or the lesson's own made from it (lesson 18's assistant)."""
    if world is None:
        from mldebt_lessons.shop.world import build_world
        world = build_world()
    return lesson.focus_graph(world.graph) if lesson.focus_graph else world.graph


def reached_from(graph: nx.DiGraph, nodes) -> set[str]:
    """Every node downstream of any of ``nodes`` (the nodes themselves left out).

    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "y")])
    >>> sorted(reached_from(g, ["a"]))
    ['b', 'c']
    """
    found = set().union(*(nx.descendants(graph, n) for n in nodes)) if nodes else set()
    return found - set(nodes)


def around(graph: nx.DiGraph, nodes) -> nx.DiGraph:
    """The part of ``graph`` a lesson is about: ``nodes``, what feeds them directly, and all they reach.

    >>> g = nx.DiGraph([("s", "a"), ("a", "b"), ("b", "c"), ("x", "c"), ("y", "z")])
    >>> sorted(around(g, ["a"]))
    ['a', 'b', 'c', 's']
    """
    keep = set(nodes) | reached_from(graph, nodes)
    keep |= {p for n in nodes for p in graph.predecessors(n)}
    # Built in the graph's own order: a subgraph's copy follows the set's order, which changes from run to run.
    part = graph.__class__()
    part.graph.update(graph.graph)
    part.add_nodes_from((n, data) for n, data in graph.nodes(data=True) if n in keep)
    part.add_edges_from((u, v, data) for u, v, data in graph.edges(data=True) if u in keep and v in keep)
    return part


def printed(svg: str) -> str:
    """An SVG picture sized to print at :data:`PRINT_SCALE` of its own size (its viewBox stays as drawn).

    >>> printed('<svg xmlns="x" width="100" height="50" viewBox="0 0 100 50"><text/></svg>')
    '<svg xmlns="x" width="80.0" height="40.0" viewBox="0 0 100 50"><text/></svg>'
    """
    def scaled(match):
        return f'width="{float(match.group(1)) * PRINT_SCALE:.1f}" height="{float(match.group(2)) * PRINT_SCALE:.1f}"'
    return re.sub(r'width="([\d.]+)" height="([\d.]+)"', scaled, svg, count=1)


def by_kind(graph: nx.DiGraph, nodes) -> str:
    """``nodes`` in words, grouped by kind in the graph's layer order.

    >>> g = nx.DiGraph()
    >>> g.add_nodes_from([("m", {"kind": "model"}), ("c", {"kind": "consumer"}), ("n", {"kind": "model"})])
    >>> by_kind(g, ["c", "n", "m"])
    '2 models (m, n), 1 consumer (c)'
    """
    parts = []
    for kind in LAYERS:
        group = sorted(n for n in nodes if graph.nodes[n].get("kind") == kind)
        if group:
            parts.append(f"{len(group)} {kind}{'s' if len(group) > 1 else ''} ({', '.join(group)})")
    others = sorted(n for n in nodes if graph.nodes[n].get("kind") not in LAYERS)
    return ", ".join(parts + ([f"{len(others)} more ({', '.join(others)})"] if others else []))


def graph_figure(lesson: Lesson, world=None) -> str:
    """The lesson's graph as an inline SVG figure with its summary in words; '' for a lesson with no focus."""
    nodes = list(lesson.focus_nodes)
    if not nodes:
        return ""
    whole = lesson_graph(lesson, world)
    reached = reached_from(whole, nodes)
    graph = around(whole, nodes)
    fills = {n: REACHED_FILL for n in reached} | {n: CHANGED_FILL for n in nodes}
    notes = {n: REACHED_NOTE for n in reached} | {n: FOCUS_NOTE for n in nodes}
    lit = [(u, v) for u, v in graph.edges if u in fills and v in fills]
    picture = GraphPicture(graph, longest_note=FOCUS_NOTE, width=FIGURE_WIDTH)  # the page says what it shows
    picture.paint(fills, notes=notes, lit_edges=lit)
    feeders = set(graph) - set(nodes) - reached
    caption = (f"Where this lesson makes its change, in yellow: {', '.join(nodes)}. Everything that reaches, in pale "
               f"blue: {by_kind(whole, reached) or 'nothing'}."
               + (f" On the left, what feeds it directly: {by_kind(whole, feeders)}." if feeders else ""))
    return (f"<figure>{printed(picture.svg().decode('utf-8'))}"
            f"<figcaption>{inline_code(caption)}</figcaption></figure>")


def footer_line(notebook: str) -> str:
    """The one line at the foot of a handout: course, notebook, and where the page comes from.

    >>> footer_line("notebooks/01_x.ipynb")
    'mldebt-lessons · notebooks/01_x.ipynb · made by `mldebt handouts` from the lesson registry'
    """
    return f"mldebt-lessons · {notebook} · made by `mldebt handouts` from the lesson registry"


def handout_section(lesson: Lesson, world=None) -> str:
    """One lesson's handout as an HTML ``<section>`` (one printed page where it fits)."""
    points = "".join(f"<li>{inline_code(p)}</li>" for p in lesson.key_points)
    prompts = "".join(f"<li>{inline_code(p)}</li>" for p in lesson.tutor_prompts)
    return (f'<section class="handout" id="lesson-{html.escape(lesson.id)}">'
            f"<h1>{html.escape(lesson.id)} · {inline_code(lesson.title)}</h1>"
            f'<p class="meta">{inline_code(lesson.paper_section)} of {html.escape(PAPER)} · about '
            f"{lesson.minutes} minutes in class</p>"
            f"{graph_figure(lesson, world)}"
            f"<h2>Key points</h2><ul class=\"points\">{points}</ul>"
            f"<h2>Ask your AI tutor: three prompts, in order</h2><ol>{prompts}</ol>"
            f"<p class=\"meta\">For one prompt built from your own results, run the last cells of the notebook, "
            f"or <code>mldebt prompt {html.escape(lesson.id)}</code>.</p>"
            f"<footer>{inline_code(footer_line(f'notebooks/{lesson.notebook}'))}</footer></section>")


def page(title: str, body: str) -> str:
    """A whole printable HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{PRINT_CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def lesson_page(lesson_id: str, title: str, section: str) -> str:
    """A lesson's handout ``section`` as a whole HTML document."""
    return page(f"Lesson {lesson_id}: {title}", section)


def handout_html(lesson: Lesson, world=None) -> str:
    """One lesson's handout as a whole HTML document."""
    return lesson_page(lesson.id, lesson.title, handout_section(lesson, world))


def handout_file_name(lesson: Lesson) -> str:
    """``01_entanglement_cace.html``: the notebook's name, as a page."""
    return f"{lesson.id}_{lesson.slug}.html"


# The parts of every lesson, in order, as the start notebook names them ("How to use the course").
LESSON_PARTS = (("Why", "the debt in one paragraph"),
                ("Demo", "a widget: make a change, watch it ripple through Larkspur, read the measured effects"),
                ("Try it", "exercises: predict first, then measure; the checker comments on both"),
                ("Check yourself", "a quiz with feedback on every answer"),
                ("Ask your AI tutor", "prompts to paste into a chat assistant"),
                ("Key points", "what to take away"))


def start_here_section(world=None) -> str:
    """The start notebook's handout: Larkspur whole, with its owners and in words, how much of it is ML
    code, the parts of every lesson, and the course's notebooks (from the registry)."""
    from mldebt_lessons.course.codecount import code_share_text, toy_world_code_share
    from mldebt_lessons.lessons.start_here.course_map import START_HERE, course_rows
    from mldebt_lessons.shop.graph import describe_graph
    if world is None:
        from mldebt_lessons.shop.world import build_world
        world = build_world()
    owners = {n: d.get("owner", "") for n, d in world.graph.nodes(data=True)}
    picture = GraphPicture(world.graph, longest_note=max(owners.values(), key=len), width=FIGURE_WIDTH)
    picture.paint(kind_fills(world.graph), notes=owners)
    words = "".join(f"<li>{inline_code(line)}</li>" for line in describe_graph(world.graph).splitlines())
    parts = "; ".join(f"<b>{name}</b> ({inline_code(what)})" for name, what in LESSON_PARTS)
    rows = course_rows()
    notebooks = " · ".join(f"<b>{html.escape(r['id'])}</b> {inline_code(short_title(r['title']))} ({r['minutes']} min)"
                           for r in rows)
    return (f'<section class="handout" id="lesson-{html.escape(START_HERE["id"])}">'
            f"<h1>{html.escape(START_HERE['id'])} · {inline_code(START_HERE['title'])}</h1>"
            f'<p class="meta">{html.escape(START_HERE["section"])} of {html.escape(PAPER)} · about '
            f"{START_HERE['minutes']} minutes in class</p>"
            f"<figure>{printed(picture.svg().decode('utf-8'))}<figcaption>{html.escape(world.company)}: what "
            f"feeds what, left to right, and which team owns each part. The same in words:</figcaption>"
            f"<ul class=\"words\">{words}</ul></figure>"
            f"<h2>How much of it is ML code?</h2><p>{inline_code(code_share_text(toy_world_code_share()))}</p>"
            f"<h2>How the course works</h2><p>Every lesson has the same parts, in this order: {parts}.</p>"
            f"<p>The {len(rows)} notebooks, {sum(r['minutes'] for r in rows)} minutes in all: {notebooks}.</p>"
            f"<footer>{inline_code(footer_line(START_HERE['notebook']))}</footer></section>")


def short_title(title: str) -> str:
    """A lesson's title up to its colon.

    >>> short_title("Glue Code: When the System Is Written Around One Package")
    'Glue Code'
    """
    return title.split(":", 1)[0]


def index_html(lessons) -> str:
    """A page that lists every handout (the start notebook's first), with its paper section and minutes."""
    from mldebt_lessons.lessons.start_here.course_map import START_HERE
    def row(lesson_id, href, title, section, minutes):
        link = f"<a href=\"{html.escape(href)}\">{inline_code(title)}</a>"
        cells = (html.escape(lesson_id), link, inline_code(section), str(minutes))
        return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
    rows = row(START_HERE["id"], START_FILE, START_HERE["title"], START_HERE["section"], START_HERE["minutes"])
    rows += "".join(row(lesson.id, handout_file_name(lesson), lesson.title, lesson.paper_section, lesson.minutes)
                    for lesson in lessons)
    body = ("<h1>mldebt-lessons: handouts</h1>"
            f"<p class=\"meta\">One page per notebook, from the lesson registry; {html.escape(PAPER)}. "
            f"To print every page at once, open <a href=\"{ALL_FILE}\">{ALL_FILE}</a>.</p>"
            "<table><thead><tr><th>lesson</th><th>title</th><th>paper</th><th>minutes</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    return page("mldebt-lessons: handouts", body)


def write_handouts(out_dir, lessons=None) -> list[Path]:
    """Write the start notebook's page, one page per lesson, ``all_lessons.html`` (every page, in course order)
    and ``index.html`` into ``out_dir``; return their paths.

    ``out_dir`` is created if missing; an ``OSError`` (not a folder, not writable) reaches the caller.
    """
    from mldebt_lessons.lessons.start_here.course_map import START_HERE
    from mldebt_lessons.shop.world import build_world
    if lessons is None:
        from mldebt_lessons.lessons import LESSONS
        lessons = list(LESSONS.values())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world()
    start = start_here_section(world)
    sections = {lesson.id: handout_section(lesson, world) for lesson in lessons}
    written = [out / START_FILE]
    written[0].write_text(lesson_page(START_HERE["id"], START_HERE["title"], start), encoding="utf-8")
    for lesson in lessons:
        path = out / handout_file_name(lesson)
        path.write_text(lesson_page(lesson.id, lesson.title, sections[lesson.id]), encoding="utf-8")
        written.append(path)
    for name, text in ((ALL_FILE, page("mldebt-lessons: every handout", start + "".join(sections.values()))),
                       (INDEX_FILE, index_html(lessons))):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written
