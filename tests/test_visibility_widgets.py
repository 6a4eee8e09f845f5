"""Headless tests for lesson 03's explorer and pictures: set controls as a learner would, read what
they see; dashed undeclared edges in the graph picture; the latency target."""

import html
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from mldebt_lessons.course.drawing import (
    CHANGED_FILL,
    MIN_TEXT_PX,
    PAGE_WIDTH,
    GraphPicture,
)
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    CHANGEABLE_MODELS,
    OUTPUT_CHANGES,
    TABLE_NOTE,
    all_output_changes,
    change_description,
    in_unit,
    measure_output_change,
    outcomes_text,
)
from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import simulate_hidden_loop
from mldebt_lessons.lessons.undeclared_consumers.view import (
    LOOP_PANELS,
    LOOP_RUNS,
    consumer_picture,
    consumer_view,
    longest_note,
    longest_notes,
    loop_chart,
    loop_chart_text,
    outcomes_html,
    reader_graph,
    told_readers,
    undeclared_edges,
)
from mldebt_lessons.lessons.undeclared_consumers.widget import (
    TELL_LABEL,
    ConsumerExplorer,
)
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.world import build_world

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture
def explorer(world):
    return ConsumerExplorer(world)


def state(ex):
    return ex.model.value, ex.change.value, ex.tell.value


def seen(ex):
    return ex.image.value, ex.summary.value, ex.table.value, ex.change_help.value


# --- the view, as plain data --------------------------------------------------------------------------

def test_default_view_marks_the_change_the_told_and_the_silent(world):
    view = consumer_view(world, "churn_model", "rescale")
    assert view.fills["churn_model"] == CHANGED_FILL and view.notes["churn_model"] == "changed: rescale"
    assert view.notes["email_campaign"].startswith("told: ") and view.notes["homepage"].startswith("told: ")
    assert view.notes["ads_ranker"].startswith("NOT told: ")
    assert view.fills["ads_ranker"] != view.fills["email_campaign"]
    assert view.notes["vip_programme"] == "unaffected" and "vip_programme" not in view.fills
    assert view.lit_edges == {("churn_model", v) for v in world.graph.successors("churn_model")}
    assert "ads_ranker was not told" in view.summary and "nobody declared it" in view.summary


def test_control_view_of_a_model_with_no_undeclared_reader(world):
    view = consumer_view(world, "ltv_model", "rescale")
    assert not any(n.startswith("NOT told") for n in view.notes.values())
    assert view.notes["vip_programme"].startswith("told: ")
    assert view.notes["ads_ranker"] == "unaffected"
    assert "so nothing broke silently" in view.summary and "no undeclared reader" in view.summary


def test_notes_carry_the_measured_numbers(world):
    for model, change in all_output_changes():
        view = consumer_view(world, model, change)
        for o in measure_output_change(world, model, change):
            if o.reads_changed:
                assert f"{in_unit(o.unit, o.value_before)} -> {in_unit(o.unit, o.value_after)}" in view.notes[o.consumer]


def test_telling_everyone_turns_the_ads_ranker_blue(world):
    silent = consumer_view(world, "churn_model", "reformat")
    told = consumer_view(world, "churn_model", "reformat", tell_undeclared=True)
    assert told.notes["ads_ranker"].startswith("told: ") and told.fills["ads_ranker"] == told.fills["email_campaign"]
    assert silent.notes["ads_ranker"] != told.notes["ads_ranker"]
    assert told.notes["email_campaign"] == silent.notes["email_campaign"]  # control: declared ones unchanged


def test_undeclared_edges_are_read_from_the_graph(world):
    assert undeclared_edges(world.graph) == {("churn_model", "ads_ranker")}


def test_outcomes_html_marks_the_undeclared_and_the_controls(world):
    rows = consumer_view(world, "churn_model", "rescale").table_rows
    text = outcomes_html(rows)
    assert text.count("<tr") == len(rows) + 1
    assert "font-weight:bold" in text and "font-style:italic" in text
    assert text.count("font-style:italic") == sum(r["told?"] == "control" for r in rows) == 2
    assert "ltv_model" in text and "recommender" in text and TABLE_NOTE in text
    assert outcomes_html([]) == ""


def test_the_outcome_table_fits_a_narrow_notebook(world):
    # At 1024 px with the file browser open the output area is about 600 px: a handful of short columns.
    for model, change in all_output_changes():
        for tell in (False, True):
            rows = consumer_view(world, model, change, tell).table_rows
            assert len(rows[0]) <= 6
            widest = sum(max(len(str(k)), *(len(str(r[k])) for r in rows)) for k in rows[0])
            assert widest <= 80, (model, change, widest)  # characters across, header or widest cell per column


# --- the picture: dashed undeclared edges (an optional GraphPicture feature) ----------------------------

def paths(svg: bytes):
    return [p for p in ET.fromstring(svg).iter(f"{SVG}path") if p.attrib.get("fill") == "none"]


def test_undeclared_edges_are_dashed_by_default_and_can_be_turned_off():
    g = shop_graph()
    plain = GraphPicture(g, dashed_edges=())
    assert not any("stroke-dasharray" in p.attrib for p in paths(plain.svg()))
    assert GraphPicture(g).svg() == GraphPicture(g, dashed_edges=undeclared_edges(g)).svg()
    dashed = GraphPicture(g)
    dashes = [p for p in paths(dashed.svg()) if "stroke-dasharray" in p.attrib]
    assert len(dashes) == 2  # the pale edge and its dark, lit twin
    assert len(paths(dashed.svg())) == len(paths(plain.svg())) == 2 * g.number_of_edges()
    assert dashed.size[0] == plain.size[0] and dashed.size[1] > plain.size[1]  # plus a legend line
    assert b"nobody declared" in dashed.svg() and b"nobody declared" not in plain.svg()


def test_dashed_edges_stay_dashed_when_lit(world):
    picture, view = consumer_picture(world)
    lit = [p for p in paths(picture.svg()) if p.attrib.get("visibility") == "visible"]
    assert len(lit) == len(view.lit_edges)
    assert sum("stroke-dasharray" in p.attrib for p in lit) == 1


def test_static_picture_fits_every_note_and_has_a_stable_repr(world):
    picture, view = consumer_picture(world)
    svg = picture.svg().decode()
    for note in view.notes.values():
        assert html.escape(note) in svg
    assert len(longest_note(world)) >= max(len(n) for n in view.notes.values())
    g = reader_graph(world.graph)
    assert repr(picture) == f"GraphPicture({g.number_of_nodes()} nodes, {g.number_of_edges()} edges)"


# A notebook's output area is 592 px wide at 1024 px with JupyterLab's file browser open (PAGE_WIDTH is the
# drawing's budget inside it); at this width or less the picture is shown at its own size, so its notes stay
# at the drawing's note size instead of shrinking. A PNG chart (100 dpi, as the notebook saves it) gets the
# same room, less a margin: 580 px.
READABLE_WIDTH = PAGE_WIDTH
CHART_PX = 580


def test_the_picture_draws_the_changed_models_and_their_readers_narrow_enough_to_read(world):
    g = reader_graph(world.graph)
    assert set(CHANGEABLE_MODELS) <= set(g)
    for model in CHANGEABLE_MODELS:
        assert set(world.graph.successors(model)) <= set(g)  # every reader of every changeable model
        assert set(g.successors(model)) == set(world.graph.successors(model))
    assert undeclared_edges(g) == undeclared_edges(world.graph)  # the dashed read is still drawn
    # In the world graph's own order, never a set's (which changes from run to run): the same SVG every time.
    assert list(g) == [n for n in world.graph if n in g]
    assert list(g.edges) == [e for e in world.graph.edges if e[0] in g and e[1] in g]
    for model, change in all_output_changes():
        for tell in (False, True):
            picture, view = consumer_picture(world, model, change, tell)
            assert set(view.notes) <= set(g) and set(view.fills) <= set(g)  # every note has its box
            assert picture.size[0] <= READABLE_WIDTH
            svg = picture.svg().decode()
            assert min(float(px) for px in re.findall(r'font-size="([\d.]+)"', svg)) >= MIN_TEXT_PX
            title = f"{world.company}: {model} -> {change}"
            assert len(title) * 16 * 0.7 <= picture.size[0]  # the bold title fits, generously estimated
    notes = longest_notes(world)
    assert max(notes.values(), key=len) == longest_note(world)
    assert "fraud_model" not in notes  # columns without notes are not widened for them


def test_loop_chart_has_three_panels_with_both_runs_and_a_text_twin(world):
    import matplotlib.pyplot as plt
    loop, control = simulate_hidden_loop(world), simulate_hidden_loop(world, ui_reads_prediction=False)
    fig = loop_chart(loop, control)
    assert len(fig.axes) == len(LOOP_PANELS) == 3 and all(len(ax.lines) == 2 for ax in fig.axes)
    assert [ax.get_title(loc="left") for ax in fig.axes] == [title for _, title, _, _ in LOOP_PANELS]
    assert [f for f, _, _, _ in LOOP_PANELS] == ["weight_inflation", "mean_abs_error", "logged_auc"]
    for ax, (field, _, _, scale) in zip(fig.axes, LOOP_PANELS):
        for line, run in zip(ax.lines, (loop, control)):
            assert list(line.get_ydata()) == [scale * getattr(r, field) for r in run]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(LOOP_RUNS)
    plt.close(fig)
    text = loop_chart_text(loop, control)
    assert max(len(line) for line in text.splitlines()) <= 72  # no wrapping in a narrow notebook
    lines = text.splitlines()
    for field, title, fmt, scale in LOOP_PANELS:
        line = lines[lines.index(f"  {title}:") + 1]
        for name, run in (("loop", loop), ("control", control)):
            assert (f"{name} {fmt.format(scale * getattr(run[0], field))} -> "
                    f"{fmt.format(scale * getattr(run[-1], field))}") in line


def test_loop_chart_is_projector_sized_fits_a_notebook_and_no_label_overlaps_another(world):
    import io

    import matplotlib.pyplot as plt
    from matplotlib.text import Text
    from PIL import Image
    fig = loop_chart(simulate_hidden_loop(world), simulate_hidden_loop(world, ui_reads_prediction=False))
    saved = io.BytesIO()
    fig.savefig(saved, format="png", bbox_inches="tight", dpi=100)  # as the notebook's inline backend does
    assert Image.open(saved).size[0] <= CHART_PX
    fig.canvas.draw()
    texts = [t for t in fig.findobj(match=lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
             if t.get_text().strip() and t.get_visible()]
    assert texts and min(t.get_fontsize() for t in texts) >= 12
    labels = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    boxes = [t.get_window_extent(fig.canvas.get_renderer()) for t in labels]
    overlaps = [(a.get_text(), b.get_text()) for i, a in enumerate(labels) for j, b in enumerate(labels)
                if i < j and boxes[i].overlaps(boxes[j])]
    assert not overlaps, overlaps
    plt.close(fig)


# --- the explorer, headless ----------------------------------------------------------------------------

def test_default_state(explorer, world):
    assert state(explorer) == ("churn_model", "rescale", False)
    assert list(explorer.model.options) == list(CHANGEABLE_MODELS)
    assert list(explorer.change.options) == list(OUTPUT_CHANGES)
    assert explorer.view == consumer_view(world, "churn_model", "rescale")
    assert explorer.image.value == explorer.picture.svg()
    assert explorer.summary.value == f"<b>{html.escape(explorer.view.summary)}</b>"
    assert explorer.table.value == outcomes_html(explorer.view.table_rows)
    assert html.escape(change_description("churn_model", "rescale")) in explorer.change_help.value


def test_each_control_changes_what_is_seen_and_going_back_restores_it(explorer):
    start = seen(explorer)
    explorer.change.value = "reformat"
    after_change = seen(explorer)
    assert all(a != b for a, b in zip(start, after_change))
    explorer.tell.value = True
    told = seen(explorer)
    assert told[0] != after_change[0] and told[2] != after_change[2]
    assert told[3] == after_change[3]  # control: same change, same help text
    explorer.model.value = "ltv_model"
    assert "ltv_model" in explorer.summary.value and "ads_ranker was not told" not in explorer.summary.value
    explorer.select("churn_model", "rescale")
    assert seen(explorer) == start


@pytest.mark.parametrize("model, change", all_output_changes())
@pytest.mark.parametrize("tell", [False, True])
def test_select_shows_exactly_what_the_plain_functions_compute(explorer, world, model, change, tell):
    explorer.select(model, change, tell)
    assert state(explorer) == (model, change, tell)
    view = consumer_view(world, model, change, tell)
    assert explorer.view == view
    assert explorer.table.value == outcomes_html(view.table_rows)
    assert explorer.image.value == explorer.picture.svg()
    assert explorer.picture.notes == view.notes
    text = explorer.results_text()
    told = told_readers(world, model, tell)
    assert text.endswith(outcomes_text(model, change, measure_output_change(world, model, change, told)))


def test_the_check_box_label_is_short_enough_to_show_whole(explorer, world):
    assert explorer.tell.description == TELL_LABEL
    assert len(TELL_LABEL) <= 30  # a default-width check box shows about 38 characters
    assert explorer.tell.layout.width == "auto"  # and it may grow to fit its label
    assert "every reader the access log shows" in explorer.tell.tooltip
    # The image is shown no larger than the picture's own width (no blurry upscaling, no tiny notes).
    assert explorer.image.layout.max_width == f"{explorer.picture.size[0]}px"
    from mldebt_lessons.lessons import get_lesson
    assert f"'{TELL_LABEL}'" in get_lesson("03").exercises[2].prompt  # the exercise names the box as it reads
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / get_lesson("03").notebook
    assert f"*{TELL_LABEL}*" in notebook.read_text(encoding="utf-8")  # and so does the notebook


def test_results_text_names_the_undeclared_reader(explorer):
    text = explorer.results_text()
    assert "undeclared ads_ranker" in text and "only the declared readers" in text
    assert "ads_ranker reads churn_model (UNDECLARED" in text


@pytest.mark.parametrize("args", [("churn_modle", "rescale"), ("fraud_model", "rescale"), ("churn_model", "squash")])
def test_select_with_bad_input_raises_one_line_and_changes_nothing(explorer, args):
    before = state(explorer), seen(explorer)
    with pytest.raises(CourseInputError) as caught:
        explorer.select(*args)
    assert "\n" not in str(caught.value)
    assert (state(explorer), seen(explorer)) == before


def test_select_refreshes_once(explorer):
    shown = []
    original = explorer.refresh
    explorer.refresh = lambda: (shown.append(state(explorer)), original())
    explorer.select("recommender", "relabel", True)
    assert shown == [("recommender", "relabel", True)]


def test_repr_is_stable_text(explorer, world):
    text = repr(explorer)
    explorer.select("ltv_model", "reformat", True)
    assert repr(explorer) == text == repr(ConsumerExplorer(world)) == \
        "ConsumerExplorer(live widget: run the notebook to use it)"


def test_a_change_answers_within_25_ms_p95(explorer):
    runs = [(m, c, t) for m, c in all_output_changes() for t in (False, True)]
    times = []
    for i in range(100):
        run = runs[(7 * i) % len(runs)]  # jump around, so every control moves
        start = time.perf_counter()
        explorer.select(*run)
        times.append(time.perf_counter() - start)
    p95 = float(np.percentile(times, 95))
    assert p95 < 0.025, f"p95 selection took {1000 * p95:.1f} ms"


def test_a_single_control_answers_within_25_ms_p95(explorer):
    times = []
    for i in range(100):
        control, value = ((explorer.change, OUTPUT_CHANGES[i % len(OUTPUT_CHANGES)]) if i % 2
                          else (explorer.model, CHANGEABLE_MODELS[(i // 2) % len(CHANGEABLE_MODELS)]))
        start = time.perf_counter()
        control.value = value
        times.append(time.perf_counter() - start)
    assert float(np.percentile(times, 95)) < 0.025
