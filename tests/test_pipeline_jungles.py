"""Tests for lesson 10: Larkspur's feature preparation as a jungle and as a DAG, on real files."""

import glob
import os
import tempfile
import time

import numpy as np
import pytest

from mldebt_lessons.course.drawing import PAGE_WIDTH
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, get_lesson
from mldebt_lessons.lessons.pipeline_jungles.claims import CLAIMS
from mldebt_lessons.lessons.pipeline_jungles.experiment import (
    BUG_SCENARIOS,
    PIPELINES,
    SCENARIOS,
    SOURCE_SCENARIOS,
    _yesterday,
    different_values,
    effects,
    find_bug,
    prepare,
    recompute,
    walk_back,
)
from mldebt_lessons.lessons.pipeline_jungles.widget import PrepExplorer
from mldebt_lessons.shop.prep.dag import STEPS, downstream, run_dag
from mldebt_lessons.shop.prep.jungle import SCRIPTS, run_jungle
from mldebt_lessons.shop.prep.raw import changed_sources, csv_text, parse_csv, raw_sources
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def explorer(world):
    return PrepExplorer(world)


def test_both_pipelines_make_exactly_the_worlds_features(world):
    for pipeline in PIPELINES:
        run = prepare(world, pipeline, "nothing changed")
        assert different_values(world, run) == 0
        for name, column in world.features.items():
            assert np.array_equal(run.features[name], column), (pipeline, name)


def test_the_raw_sources_hold_what_the_world_says(world):
    sources = raw_sources(world)
    accounts = sources["accounts_db"]
    current = accounts["is_current"] == 1
    assert np.array_equal(accounts["user_id"][current], np.arange(len(world.raw["user_age"])))
    assert (~current).sum() > 0  # movers have an older row
    assert len(np.unique(sources["orders_db"]["user_id"])) == int((~np.isnan(world.raw["avg_basket_value"])).sum())


def test_csv_round_trips_exactly(world):
    table = raw_sources(world)["accounts_db"]
    back = parse_csv(csv_text(table), {"user_id": "int", "age": "float", "signup_day": "int", "is_current": "int"})
    for name, column in table.items():
        assert np.array_equal(back[name], column, equal_nan=column.dtype.kind == "f"), name


def test_temporary_folders_are_removed(world):
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "larkspur-*")))
    run_jungle(raw_sources(world), world.seed, "basket_in_pence")
    run_dag(raw_sources(world), world.seed, "duplicate_join")
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "larkspur-*"))) == before


def test_the_dag_reruns_only_downstream_and_stops_where_nothing_changed(world):
    assert prepare(world, "DAG", "nothing changed").executed == ()
    assert len(prepare(world, "jungle", "nothing changed").executed) == len(SCRIPTS)
    for scenario, source in SOURCE_SCENARIOS.items():
        ran = recompute(world, "DAG", scenario).steps
        assert set(ran) <= set(downstream({f"{source}.csv"})), scenario
        assert recompute(world, "jungle", scenario).steps == tuple(s.name for s in SCRIPTS)
    assert recompute(world, "DAG", "clickstream changed").steps == ("sessions", "session_counts")
    both = dict(changed_sources(world, "accounts_db"), orders_db=changed_sources(world, "orders_db")["orders_db"])
    store = dict(_yesterday(world)[1])  # the quiz: two sources change on one night
    assert run_dag(both, world.seed, cache=store).executed == ("accounts", "baskets", "split", "users", "features")
    assert downstream({"config.json"}) == ["split", "features"]


def test_each_bug_is_caught_by_its_own_steps_check_and_found_by_walking_back_in_the_jungle(world):
    for scenario, bug in BUG_SCENARIOS.items():
        dag = prepare(world, "DAG", scenario)
        assert dag.features is None and dag.failed[0] in {"accounts", "baskets"}
        jungle, dag_search = find_bug(world, "jungle", scenario), find_bug(world, "DAG", scenario)
        assert len(dag_search.opened) == 1 and len(jungle.opened) > 1
        assert jungle.origin == dag_search.origin  # both name the same file
    assert "one row per user" in prepare(world, "DAG", "bug: duplicate join").failed[1]
    assert "pounds" in prepare(world, "DAG", "bug: basket in pence").failed[1]


def test_walk_back_stops_at_the_first_wrong_file_with_right_inputs():
    reads = {"c": ("b", "x"), "b": ("a",), "a": ("raw",)}
    opened, origin = walk_back(reads, "c", lambda f: f in {"c", "b"})
    assert origin == "b" and opened == ["c", "b", "x", "a"]


def test_a_bug_moves_only_models_that_read_what_it_corrupts(world):
    pence = {e.model: e.flipped for e in effects(world, "jungle", "bug: basket in pence")}
    assert pence["churn_model"] == pence["recommender"] == 0 and pence["ltv_model"] > 0 and pence["fraud_model"] > 0
    duplicate = {e.model: e.flipped for e in effects(world, "jungle", "bug: duplicate join")}
    assert duplicate["churn_model"] == duplicate["fraud_model"] == 0
    for scenario in BUG_SCENARIOS:
        assert all(e.flipped == 0 and e.before == e.after for e in effects(world, "DAG", scenario))


def test_bad_names_get_one_line(world):
    for call in (lambda: prepare(world, "jungle", "bug: duplicat join"), lambda: prepare(world, "dag", "nothing changed"),
                 lambda: PrepExplorer(world, scenario="nothing")):
        with pytest.raises(CourseInputError) as error:
            call()
        assert "\n" not in str(error.value) and "choose one of" in str(error.value)


def test_every_control_changes_what_is_shown_and_answers_fast(explorer):
    from test_drawing import assert_readable
    seen, times = set(), []
    for scenario in SCENARIOS:
        for pipeline in PIPELINES:
            start = time.perf_counter()
            explorer.select(scenario, pipeline)
            times.append(time.perf_counter() - start)
            svg = bytes(explorer.picture.svg())
            assert_readable(svg)
            seen.add((explorer.summary.value, svg))
    assert len(seen) == len(SCENARIOS) * len(PIPELINES)
    assert np.percentile(times, 95) < 0.025
    assert {p.size for p in explorer.pictures.values()} == {explorer.picture.size}
    assert explorer.picture.size[0] <= PAGE_WIDTH
    explorer.pipeline.value = "DAG"  # a click on the toggle, as in the browser
    assert "DAG" in explorer.results_text().splitlines()[0]
    assert repr(explorer) == "PrepExplorer(live widget: run the notebook to use it)"


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "10"]
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    for name in ("same_features_as_world", "bugs_spare_other_models", "dag_keeps_models_still"):
        assert set(next(r for r in results if r.claim == name).values) == {0.0}, name
    assert len(CLAIMS) >= 3


def test_the_quiz_has_two_measured_questions_and_the_right_option_is_rarely_the_longest():
    lesson = get_lesson("10")
    assert len(lesson.quiz) >= 6 and sum(q.measured for q in lesson.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in lesson.quiz)
    assert longest <= len(lesson.quiz) / 3


def test_the_written_functions_are_checked_against_the_real_steps():
    assert check("10.4", lambda f: [s.name for s in STEPS]).ok is False  # everything is not the answer
    assert check("10.3", lambda table: len(table["user_id"]) > 0).ok is False  # always yes


def test_remembered_texts_and_tables_are_exactly_what_converting_again_gives(world):
    """The CSV conversions are remembered (the runs rewrite the same tables again and again): a remembered
    text must be the text, and a table read back from memory must be the table a real parse gives."""
    from mldebt_lessons.shop.prep import raw
    from mldebt_lessons.shop.prep.jungle import TYPES
    for name, text in prepare(world, "jungle", "bug: duplicate join").files.items():
        if not name.endswith(".csv"):
            continue
        parsed = raw._parse_csv(text, TYPES)
        remembered = raw._parsed(text, TYPES)
        assert list(remembered) == list(parsed), name
        for column in parsed:
            assert remembered[column].dtype == parsed[column].dtype, (name, column)
            assert np.ascontiguousarray(remembered[column]).tobytes() == np.ascontiguousarray(parsed[column]).tobytes()
            assert not remembered[column].flags.writeable  # shared by every reader: nobody may change it
        by_cell = "\n".join([",".join(parsed), *map(",".join, zip(*[list(map(str, c.tolist())) for c in parsed.values()]))])
        assert csv_text(parsed) == by_cell + "\n", name
