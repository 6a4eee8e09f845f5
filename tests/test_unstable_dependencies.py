"""Tests for lesson 04: the world's upstream releases (shop/upstream.py), the consumption policies measured
against the ground truth (with controls), the claims, the explorer and the exercises."""

import re
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mldebt_lessons.course.claims import SEEDS
from mldebt_lessons.course.drawing import MIN_TEXT_PX, PAGE_WIDTH
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import check, get_lesson
from mldebt_lessons.lessons.unstable_data_dependencies.experiment import (
    CHANGES,
    LAST,
    MODELS,
    POLICIES,
    REFRESH_EVERY,
    errors_at,
    fresh_errors,
    jump_at_change,
    reading,
    readers,
    release_errors,
    signal_columns,
    signal_moved,
    silent_break,
    staleness,
    timeline_text,
    timelines,
)
from mldebt_lessons.lessons.unstable_data_dependencies.view import (
    TABLE_SOURCE,
    errors_table_html,
    lesson_graph,
    release_view,
    static_picture,
)
from mldebt_lessons.lessons.unstable_data_dependencies.widget import POLICY_LABELS, UpstreamExplorer
from mldebt_lessons.shop import upstream
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.upstream import (
    CHANGE_RELEASE,
    EURO_COUNTRIES,
    RELEASES,
    basket_at,
    bot_sessions,
    fraud_model_at,
    fraud_model_v2,
    gbp_per_eur,
    session_count_at,
    signal_tables,
    upstream_change,
    version_at,
)
from mldebt_lessons.shop.world import build_world, make_world

LESSON = get_lesson("04")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def explorer(world):
    return UpstreamExplorer(world)


# --- the world's upstream releases -------------------------------------------------------------------------------

def test_the_new_module_uses_only_its_own_streams_and_imports_only_the_shop():
    source = open(upstream.__file__, encoding="utf-8").read()
    assert (upstream.BOT_STREAM, upstream.FX_STREAM) == (40, 41)
    imports = re.findall(r"^\s*(?:from|import) (mldebt_lessons\.\w+)", source, flags=re.MULTILINE)
    assert set(imports) <= {"mldebt_lessons.shop", "mldebt_lessons.errors"}


def test_bot_sessions_ride_on_real_visits_and_grow_every_month(world):
    human = world.raw["session_count"]
    assert (bot_sessions(world, 0)[human == 0] == 0).all()
    totals = [bot_sessions(world, r).sum() for r in range(RELEASES)]
    assert all(b > a for a, b in zip(totals, totals[1:]))
    assert (session_count_at(world, 3, 1) >= human).all()
    assert (session_count_at(world, 3, 2) == human).all()


def test_the_world_itself_is_untouched_by_the_releases(world):
    fresh = make_world(world.seed)
    signal_tables(world, "bot_filter", LAST, None)
    signal_tables(world, "currency_table", LAST, None)
    for name in world.features:
        assert np.array_equal(world.features[name], fresh.features[name])


def test_version_2_ships_at_the_change_release():
    assert [version_at(r) for r in range(RELEASES)] == [1] * CHANGE_RELEASE + [2] * (RELEASES - CHANGE_RELEASE)


def test_a_basket_read_right_is_the_pound_basket_every_month(world):
    for release in range(RELEASES):
        read = basket_at(world, release, pin=release)
        assert np.allclose(read, world.raw["avg_basket_value"], equal_nan=True)


def test_the_euro_weakens_so_a_stale_table_overstates_euro_baskets(world):
    rates = [gbp_per_eur(world, r) for r in range(RELEASES)]
    assert rates[LAST] < rates[0]
    euro = np.isin(world.raw["country"], EURO_COUNTRIES) & ~np.isnan(world.raw["avg_basket_value"])
    stale = basket_at(world, LAST, pin=0)
    assert (stale[euro] > world.raw["avg_basket_value"][euro]).all()
    uk = world.raw["country"] == "UK"
    assert np.allclose(stale[uk], world.raw["avg_basket_value"][uk], equal_nan=True)


def test_the_new_convention_read_with_old_code_inflates_euro_baskets(world):
    euro = np.isin(world.raw["country"], EURO_COUNTRIES) & ~np.isnan(world.raw["avg_basket_value"])
    live = basket_at(world, CHANGE_RELEASE, pin=None)
    ratio = live[euro] / world.raw["avg_basket_value"][euro]
    assert np.allclose(ratio, 1 / gbp_per_eur(world, CHANGE_RELEASE) ** 2)


def test_fraud_model_v2_scores_higher_and_readers_get_the_version_they_pinned(world):
    v1, v2 = world.models["fraud_model"], fraud_model_v2(world)
    assert v2.predict_score(world.test_table).mean() > 2 * v1.predict_score(world.test_table).mean()
    assert fraud_model_at(world, LAST, pin=0) is v1
    assert fraud_model_at(world, LAST, pin=None) is v2
    assert fraud_model_at(world, CHANGE_RELEASE - 1, pin=None) is v1


def test_the_releases_are_deterministic(world):
    other = make_world(world.seed)
    assert np.array_equal(session_count_at(world, 5, 1), session_count_at(other, 5, 1))
    assert gbp_per_eur(world, 5) == gbp_per_eur(other, 5)


@pytest.mark.parametrize("call", [
    lambda w: signal_tables(w, "bot_fix", 1, None),
    lambda w: signal_tables(w, "bot_filter", 9, None),
    lambda w: release_errors(w, "bot_filter", "frozen"),
    lambda w: reading("live", -1),
])
def test_bad_names_give_one_line(world, call):
    with pytest.raises(CourseInputError) as error:
        call(world)
    assert "\n" not in str(error.value) and "choose one of" in str(error.value)


# --- the policies, against the ground truth ----------------------------------------------------------------------

def test_readers_are_what_the_graph_has_below_each_signal():
    g = shop_graph()
    for change in CHANGES:
        below = {n for n in g if g.nodes[n]["kind"] == "model"} & set(
            __import__("networkx").descendants(g, upstream_change(change).signal))
        assert set(readers(change)) == below
    assert readers("fraud_retrain") == ("fraud_model_es",)


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("policy", POLICIES)
def test_control_models_do_not_move_at_all(world, change, policy):
    errors = release_errors(world, change, policy)
    for m in MODELS:
        if m not in readers(change) and m != upstream_change(change).signal:
            assert set(errors[m]) == {errors[m][0]}, m


@pytest.mark.parametrize("change", CHANGES)
def test_every_policy_starts_from_the_same_release_0(world, change):
    starts = {p: release_errors(world, change, p) for p in POLICIES}
    for m in MODELS:
        assert len({starts[p][m][0] for p in POLICIES}) == 1


@pytest.mark.parametrize("change", ["bot_filter", "fraud_retrain"])
def test_before_the_change_live_and_pinned_read_the_same(world, change):
    live, pinned = release_errors(world, change, "live"), release_errors(world, change, "pinned")
    for m in readers(change):
        assert live[m][:CHANGE_RELEASE] == pinned[m][:CHANGE_RELEASE]


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_before_the_switch_a_live_table_reader_is_exactly_right(seed):
    # exactly, to the last bit, in every world: the notebook says "exactly"
    other = build_world(seed)
    live = release_errors(other, "currency_table", "live")
    for m in readers("currency_table"):
        assert set(live[m][:CHANGE_RELEASE]) == {live[m][0]}
    for r in range(CHANGE_RELEASE):
        assert np.array_equal(basket_at(other, r, None), other.raw["avg_basket_value"], equal_nan=True)


def test_a_refresh_retrains_on_the_newest_version_so_it_is_the_yardstick_at_each_refresh(world):
    for change in CHANGES:
        refresh = release_errors(world, change, "refresh")
        for r in range(0, RELEASES, REFRESH_EVERY):
            fresh = fresh_errors(world, change, r)
            assert all(refresh[m][r] == fresh[m] for m in MODELS)


@pytest.mark.parametrize("change", CHANGES)
def test_the_live_reader_breaks_at_the_change(world, change):
    for m in readers(change):
        if m == "recommender" or (change, m) == ("currency_table", "fraud_model_es"):
            continue  # stated with their counts across worlds (the claims)
        assert jump_at_change(world, change, m) > 0, m
    assert all(v > 0 for v in silent_break(world, change).values()) or change == "bot_filter"


def test_a_pinned_copy_of_fraud_model_costs_nothing(world):
    errors = release_errors(world, "fraud_retrain", "pinned")["fraud_model_es"]
    assert set(errors) == {errors[0]}


def test_the_pinned_bot_copy_drifts_and_a_refresh_bounds_it(world):
    stale = staleness(world, "bot_filter")
    assert all(v > 0 for v in stale.values())
    assert all(abs(v) < 1e-12 for v in staleness(world, "bot_filter", LAST, "refresh").values())


def test_errors_at_is_the_policy_table(world):
    for policy in POLICIES:
        for r in (0, CHANGE_RELEASE, LAST):
            assert errors_at(world, "bot_filter", r, *reading(policy, r)) == {
                m: release_errors(world, "bot_filter", policy)[m][r] for m in MODELS}


def test_timelines_put_readers_first_and_the_text_carries_every_number(world):
    lines = timelines(world, "fraud_retrain", "live")
    assert [t.role for t in lines][:2] == ["reader", "upstream"]
    text = timeline_text(world, "currency_table", "pinned")
    assert f"{release_errors(world, 'currency_table', 'pinned')['ltv_model'][LAST]:.2f}" in text


# --- the release monitor -----------------------------------------------------------------------------------------

def test_the_monitor_fires_on_live_readers_from_the_change_and_never_at_release_0(world):
    for change in CHANGES:
        fires = [signal_moved(*signal_columns(world, change, "live", r)) for r in range(RELEASES)]
        assert fires == [False] * CHANGE_RELEASE + [True] * (RELEASES - CHANGE_RELEASE), change
        assert not signal_moved(*signal_columns(world, change, "refresh", 0))


# --- the claims --------------------------------------------------------------------------------------------------

def test_every_headline_claim_holds_in_all_20_worlds(claims_sweep):
    results = [r for r in claims_sweep[0] if r.lesson == "04"]  # measured once per session
    assert len(results) >= 3 and results[0].seeds == len(SEEDS)
    failing = [(r.claim, r.values) for r in results if r.headline and r.holds_at != r.seeds]
    assert not failing, failing
    for name in ("controls_exactly_zero", "pinned_model_copy_costs_nothing"):
        assert set(next(r for r in results if r.claim == name).values) == {0.0}, name


def test_the_claims_are_quick(world):
    from mldebt_lessons.lessons.unstable_data_dependencies.claims import CLAIMS
    other = build_world(SEEDS[1])
    started = time.process_time()
    for claim in CLAIMS:
        claim.holds(claim.measure(other))
    assert time.process_time() - started < 3.0  # under 1 s on an idle core; room for a busy machine


# --- the view and the explorer -----------------------------------------------------------------------------------

def test_the_lesson_graph_draws_the_exchange_rate_table():
    g = lesson_graph()
    assert g.nodes[TABLE_SOURCE]["kind"] == "source" and (TABLE_SOURCE, "avg_basket_value") in g.edges and TABLE_SOURCE == "currency_table"


def test_a_view_colours_the_signal_the_readers_and_their_consumers(world):
    view = release_view(world, "fraud_retrain", "live", LAST)
    assert view.notes["fraud_model"].startswith("v2")
    assert view.fills["fraud_model_es"] != "#FFFFFF" and view.fills["fraud_review_queue"] != "#FFFFFF"
    assert view.notes["churn_model"] == "control: same"
    pinned = release_view(world, "fraud_retrain", "pinned", LAST)
    assert pinned.notes["fraud_model"].startswith("v1") and pinned.fills["fraud_model_es"] == "#FFFFFF"


def test_the_table_shows_every_model_at_every_release(world):
    table = errors_table_html(world, "bot_filter", "pinned", 2)
    assert table.count("<tr") == 1 + len(MODELS) and "(v2)" in table
    assert f"{release_errors(world, 'bot_filter', 'pinned')['churn_model'][LAST]:.2f}" in table


def test_pictures_fit_the_page_and_no_text_is_below_12_px(world):
    picture, _ = static_picture(world)
    assert picture.size[0] <= PAGE_WIDTH
    root = ET.fromstring(picture.svg())
    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= MIN_TEXT_PX


def test_the_explorer_answers_each_control_and_says_what_it_shows(explorer):
    explorer.select("currency_table", "live", CHANGE_RELEASE)
    assert "version 2" in explorer.summary.value and "ltv_model" in explorer.table.value
    first = bytes(explorer.image.value)
    assert b"currency_table, read live: release 4" in first  # the picture's title names the state it shows
    explorer.policy.value = "pinned"
    assert bytes(explorer.image.value) != first and "pinned at release 0" in explorer.summary.value
    assert b"currency_table, pinned copy: release 4" in bytes(explorer.image.value)
    explorer.release.value = 0
    explorer.change.value = "bot_filter"
    assert "session_count" in explorer.change_help.value
    assert "Selected: upstream change bot_filter" in explorer.results_text()
    assert set(POLICY_LABELS) == set(POLICIES)


def test_the_explorer_shows_a_static_picture_where_widgets_do_not_run(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "data:image/svg+xml;base64," in bundle["text/html"] and repr(explorer).startswith("UpstreamExplorer(")


def test_the_explorer_answers_within_25_ms(explorer):
    times = []
    for i in range(60):
        started = time.perf_counter()
        if i % 3 == 0:
            explorer.release.value = i % RELEASES
        elif i % 3 == 1:
            explorer.policy.value = POLICIES[i % len(POLICIES)]
        else:
            explorer.change.value = CHANGES[i % len(CHANGES)]
        times.append(time.perf_counter() - started)
    assert np.percentile(times, 95) < 0.025


def test_a_bad_selection_gives_one_line(explorer):
    with pytest.raises(CourseInputError):
        explorer.select("bot_filter", "frozen", 1)


# --- the lesson --------------------------------------------------------------------------------------------------

def test_the_quiz_has_two_measured_questions_and_the_right_option_is_rarely_the_longest():
    assert len(LESSON.quiz) >= 6 and sum(q.measured for q in LESSON.quiz) >= 2
    longest = sum(max(len(o.text) for o in q.options) == len(next(o for o in q.options if o.correct).text)
                  for q in LESSON.quiz)
    assert longest <= len(LESSON.quiz) / 3


def test_no_exercise_answer_is_the_demos_number(world):
    demo = jump_at_change(world, "bot_filter", "recommender")
    assert not check("04.1", demo).ok


def test_the_monitor_exercise_rejects_a_function_right_only_on_live_readers():
    def live_only(trained, served):
        return bool(np.mean(served) < 0.8 * np.mean(trained))
    assert not check("04.4", live_only).ok


def test_no_measured_number_is_typed_in_the_lessons_prose():
    texts = [LESSON.objectives, LESSON.key_points, *[(o.feedback, o.text) for q in LESSON.quiz for o in q.options]]
    typed = [t for group in texts for t in group if re.search(r"\d+\.\d|\d+ (points|pounds)|£\d", t)]
    assert not typed, typed
