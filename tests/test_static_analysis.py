"""Tests for lesson 06: the three dependency views, the ground-truth re-run (with its control), the
scorecard, the widget, the exercises and the claims."""

import ast
import time

import numpy as np
import pytest

from mldebt_lessons.course.claims import SEEDS
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, get_lesson
from mldebt_lessons.lessons.static_analysis_of_data_dependencies import experiment as ex
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.view import (
    deletion_picture,
    deletion_view,
)
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.widget import (
    DeletionExplorer,
)
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.world import build_world

LESSON = get_lesson("06")


@pytest.fixture(scope="module")
def world():
    return build_world()


# --- the three views --------------------------------------------------------------------------------

def test_the_code_reader_parses_files_and_never_imports_them():
    files = [("a.py", "import nonexistent_module\nF = Feature('x', 'src', 'numeric')\n"
                      "M = ModelSpec('m', 'o', 'p', 'classify', ('x', 'y'), 'label')\n"
                      "C = Consumer('c', 'o', 'd', ('m',))\nH = Consumer('h', 'o', 'd', ('m',), declared=False)\n"),
             ("broken.py", "def (:\n")]
    assert ex.code_edges(files) == {("src", "x"), ("x", "m"), ("y", "m"), ("m", "c")}


def test_the_code_view_is_the_graph_without_the_undeclared_read_and_says_where_each_read_is():
    g = ex.lesson_graph()
    assert ex.code_edges() == set(g.edges) - {("churn_model", "ads_ranker")}
    assert ex.code_reads()[("fraud_model", "fraud_model_es")].startswith("mldebt_lessons/shop/models.py line ")
    for _, text in ex.code_files():
        ast.parse(text)


def test_manifest_and_code_agree_and_the_log_adds_exactly_the_undeclared_read():
    log = ex.log_edges(ex.lesson_log())
    assert ex.manifest_edges() == ex.code_edges()
    assert log - ex.manifest_edges() == {("churn_model", "ads_ranker")}
    assert ex.manifest_edges() <= log


def test_the_unused_feature_is_prepared_and_read_by_nobody():
    assert ("accounts_db", ex.UNUSED_FEATURE) in ex.log_edges(ex.lesson_log())
    for view in ex.VIEWS:
        assert not ex.downstream(ex.view_edges(view), ex.UNUSED_FEATURE)
    assert ex.UNUSED_FEATURE not in shop_graph()  # the shop itself is unchanged


def test_downstream_and_closure():
    edges = {("a", "b"), ("b", "c"), ("c", "a")}  # a cycle must not loop forever
    assert ex.downstream(edges, "a") == {"b", "c"}
    assert ex.downstream(edges, "a", transitive=False) == {"b"}
    assert len(ex.closure_pairs(edges)) == 6


def test_a_wrong_node_or_a_consumer_gives_one_line():
    with pytest.raises(CourseInputError, match="did you mean 'user_age'"):
        ex.rerun_without(build_world(), "user_agee")
    with pytest.raises(CourseInputError, match="consumer"):
        ex.predict(build_world(), "code", "homepage")
    with pytest.raises(CourseInputError, match="unknown view"):
        ex.view_edges("grep")


# --- the ground truth ----------------------------------------------------------------------------------

def test_rerun_without_a_model_breaks_its_readers_and_nothing_else(world):
    b = ex.rerun_without(world, "churn_model")
    assert b.broken == {"email_campaign", "homepage", "ads_ranker"}
    assert b.models["churn_model"].deleted and b.refitted == ()
    assert all(c.max_score_change == 0.0 for m, c in b.models.items() if m != "churn_model")


def test_a_dependency_through_another_model_moves_it(world):
    b = ex.rerun_without(world, "days_since_signup")
    assert "days_since_signup" not in ex.MODEL_SPECS_BY_NAME["fraud_model_es"].inputs
    assert b.models["fraud_model_es"].max_score_change > 0
    assert "fraud_model_es" in b.refitted


def test_deleting_a_source_removes_its_features(world):
    b = ex.rerun_without(world, "orders_db")
    assert b.removed == {"orders_db", "avg_basket_value"}
    assert b.models["churn_model"].max_score_change == 0.0 and "churn_model" not in b.broken


def test_control_a_full_rerun_agrees_with_the_quick_one_and_moves_nothing_outside(world):
    full, quick = ex.rerun_without(world, "session_count", full=True), ex.rerun_without(world, "session_count")
    assert full.broken == quick.broken
    for model, change in full.models.items():
        if model not in full.broken:
            assert change.max_score_change == 0.0 and change.decisions_flipped == 0, model
    for model in ("churn_model", "recommender"):
        assert np.isclose(full.models[model].max_score_change, quick.models[model].max_score_change)


def test_the_access_log_closure_is_exact_in_the_demo_world(world):
    assert ex.view_closure("access log") == ex.true_closure(world)
    card = ex.scorecard(world)
    assert card["access log"]["missed"] == 0
    assert card["code"]["missed nodes"] == card["manifest"]["missed nodes"] == {"ads_ranker"}
    assert ex.scorecard(world, transitive=False)["access log"]["missed"] > 0


# --- view and widget -----------------------------------------------------------------------------------

def test_the_view_colours_missed_nodes_and_names_them(world):
    v = deletion_view(world, "churn_model", "code", True)
    assert v.notes["ads_ranker"].startswith("MISSED") and v.notes["email_campaign"] == "predicted; broke"
    assert v.notes["churn_model"] == "deleted" and "ads_ranker" in v.summary
    assert any(row["node"] == "ltv_model" and row["broke?"] == "no" for row in v.table_rows)
    picture, _ = deletion_picture(world)
    assert b"MISSED" in picture.svg()


def test_the_widget_answers_fast_and_keeps_its_size():
    explorer = DeletionExplorer()
    size = explorer.picture.size
    times = []
    for node in ex.deletable_nodes():
        for view in ex.VIEWS:
            for chains in (True, False):
                start = time.perf_counter()
                explorer.select(node, view, chains)
                times.append(time.perf_counter() - start)
                assert explorer.picture.size == size
    assert sorted(times)[int(0.95 * len(times))] < 0.025
    explorer.select("user_age", "access log", False)
    assert "user_age" in explorer.summary.value and "direct readers only" in explorer.results_text()
    explorer.chains.value = True  # a learner's click refreshes
    assert "following every chain" in explorer.summary.value
    assert b"MISSED" not in bytes(explorer.image.value)
    with pytest.raises(CourseInputError):
        explorer.select("nothing", "code")


# --- exercises, quiz and claims ---------------------------------------------------------------------------

def test_wrong_functions_for_the_linker_are_rejected():
    def direct_only(events, node):
        writer = {(d["namespace"], d["name"]): e["job"]["name"] for e in events for d in e["outputs"]}
        return {e["job"]["name"] for e in events for d in e["inputs"]
                if writer.get((d["namespace"], d["name"]), d["name"].split(".", 1)[-1]) == node}

    def from_the_graph(events, node):  # right on the lesson's log only
        return set(ex.downstream(ex.view_edges("access log"), node))

    for wrong in (direct_only, from_the_graph, lambda events, node: set()):
        assert not check("06.4", wrong).ok


def test_the_quiz_has_two_measured_questions_and_the_right_option_is_rarely_the_longest():
    assert len(LESSON.quiz) >= 6 and sum(q.measured for q in LESSON.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in LESSON.quiz)
    assert longest <= len(LESSON.quiz) / 3


def test_every_headline_claim_holds_in_all_20_worlds_and_the_controls_are_exact(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "06"]  # measured once per session
    assert len(results) >= 3 and len(SEEDS) == 20
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    assert set(next(r for r in results if r.claim == "control_exactly_zero").values) == {0.0}
    assert set(next(r for r in results if r.claim == "log_misses_nothing").values) == {0.0}


def test_every_state_is_projector_sized_and_every_note_has_its_box(world):
    import re

    from mldebt_lessons.course.drawing import MIN_TEXT_PX, PAGE_WIDTH
    for node in ex.deletable_nodes():
        for view in ex.VIEWS:
            picture, state = deletion_picture(world, node, view, False)
            assert set(state.notes) <= set(ex.lesson_graph()) and set(state.fills) <= set(ex.lesson_graph())
            assert picture.size[0] <= PAGE_WIDTH
            svg = picture.svg().decode()
            assert min(float(px) for px in re.findall(r'font-size="([\d.]+)"', svg)) >= MIN_TEXT_PX
    assert repr(picture).startswith("GraphPicture(")


def test_the_explorer_shows_exactly_what_the_plain_functions_compute_and_has_a_static_twin(world):
    explorer = DeletionExplorer(world)
    for node, view, chains in (("fraud_model", "code", True), ("referral_code", "access log", False)):
        explorer.select(node, view, chains)
        state = deletion_view(world, node, view, chains)
        assert explorer.view is state and state.summary in explorer.summary.value
    assert repr(explorer) == "DeletionExplorer(live widget: run the notebook to use it)"
    assert "mldebt-static" in explorer._repr_mimebundle_()["text/html"]
    assert len(explorer.chains.description) <= 38 and explorer.chains.layout.width == "auto"
