"""The handouts as a printer sees them: headless Chromium prints every page to PDF on A4 and on US Letter.

Each notebook's handout must take exactly one page on both, and every text of every graph must print at
7 pt or more (the body text is 9 pt). Chromium's own print layout decides both, so this is what a
teacher's printer gets. One browser, two PDFs and one page load per paper: a few seconds.
"""

from __future__ import annotations

import re

import pytest

from mldebt_lessons.lessons.handouts import ALL_FILE, START_FILE, handout_file_name, write_handouts
from mldebt_lessons.lessons import LESSONS

MIN_GRAPH_PT = 7.0
PAPERS = {"A4": (210, 297), "Letter": (215.9, 279.4)}  # mm
PX_PER_MM = 96 / 25.4

# Every text of every graph on the page, in printed points: its font size in the picture's own units, times
# the picture's printed size against its own (its viewBox), times 0.75 pt per CSS px.
SMALLEST_GRAPH_TEXT_PT = """() => {
  const sizes = [];
  for (const svg of document.querySelectorAll('figure svg')) {
    const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
    const scale = Math.min(box.width / view.width, box.height / view.height);
    for (const text of [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())) {
      sizes.push([parseFloat(getComputedStyle(text).fontSize) * scale * 0.75, text.textContent,
                  svg.closest('section').id]);
    }
  }
  sizes.sort((a, b) => a[0] - b[0]);
  return {graphs: document.querySelectorAll('figure svg').length, smallest: sizes[0]};
}"""


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF that Chromium wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    write_handouts(out)
    return out


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page()
    page.route(re.compile(r"^https?://"), lambda route: route.abort())  # the pages need nothing from a network
    yield page
    page.close()


@pytest.mark.parametrize("paper", list(PAPERS))
def test_every_handout_prints_on_one_page_with_readable_graph_labels(paper, handouts, page):
    width_mm, height_mm = PAPERS[paper]
    # Screen emulation of the printed page: the paper's size (print CSS asks for it) and print media.
    page.set_viewport_size({"width": round(width_mm * PX_PER_MM), "height": round(height_mm * PX_PER_MM)})
    page.emulate_media(media="print")
    page.goto((handouts / ALL_FILE).as_uri())
    sections = page.evaluate("() => [...document.querySelectorAll('section.handout')].map(s => s.id)")
    assert sections == ["lesson-00"] + [f"lesson-{i}" for i in LESSONS]

    graph_texts = page.evaluate(SMALLEST_GRAPH_TEXT_PT)
    assert graph_texts["graphs"] == len(sections)  # a graph on every handout
    size, text, section = graph_texts["smallest"]
    assert size >= MIN_GRAPH_PT, f"{paper}: '{text}' in {section}'s graph prints at {size:.2f} pt"

    # Each section starts a page, so the whole prints on one page per section only if none runs over.
    pages = pdf_pages(page.pdf(format=paper))
    if pages != len(sections):
        over = []
        for name in [START_FILE, *(handout_file_name(lesson) for lesson in LESSONS.values())]:
            page.goto((handouts / name).as_uri())
            if pdf_pages(page.pdf(format=paper)) != 1:
                over.append(name)
        pytest.fail(f"{paper}: {pages} pages for {len(sections)} handouts; more than one page: {over}")
