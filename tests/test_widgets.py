"""Headless tests for the course's widgets: set a control as a learner would, read what they see."""

import html
import time

import numpy as np
import pytest

from mldebt_lessons.course.quiz import Quiz
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import LESSONS, get_lesson
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODES,
    all_experiments,
    change_help,
    changes_of,
    effects_text,
    measure_cace,
    noise_floor,
    targets,
)
from mldebt_lessons.lessons.entanglement_cace.view import cace_view, table_html
from mldebt_lessons.lessons.entanglement_cace.widget import CaceExplorer
from mldebt_lessons.lessons.start_here.widget import SliderCheck, slider_message
from mldebt_lessons.shop.features import CHANGES, FEATURES
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


@pytest.fixture(scope="module")
def shared_explorer(world):
    # Building measures every experiment once (a couple of seconds); later builds reuse the results.
    return CaceExplorer(world)


@pytest.fixture
def explorer(world, shared_explorer):
    return CaceExplorer(world)  # cheap now: measurements are cached for this world


def state(ex):
    return (ex.feature.value, ex.change.value, ex.mode.value)


def seen(ex):
    """Everything the learner sees that should follow the selection."""
    return ex.image.value, ex.summary.value, ex.table.value, ex.change_help.value


# --- CaceExplorer -------------------------------------------------------------------------------

def test_default_state_shows_user_age_in_months_without_retraining(explorer, world):
    assert state(explorer) == ("user_age", "units", "serving")
    assert [value for _, value in explorer.feature.options] == targets()
    assert tuple(explorer.change.options) == changes_of("user_age")
    assert explorer.image.value == explorer.picture.svg()
    assert explorer.view == cace_view(world, "user_age", "units", "serving")
    assert explorer.summary.value == f"<b>{html.escape(explorer.view.summary)}</b>"
    assert explorer.table.value == table_html(explorer.view.table_rows)
    assert "no (control)" in explorer.table.value and "recommender" in explorer.table.value
    assert html.escape(CHANGES["units"]) in explorer.change_help.value


def test_choosing_another_feature_updates_the_change_options_and_everything_shown(explorer):
    before = seen(explorer)
    explorer.feature.value = "device"
    assert tuple(explorer.change.options) == changes_of("device")
    assert explorer.change.value in changes_of("device")
    assert explorer.mode.value == "serving"  # control: the mode is left alone
    after = seen(explorer)
    assert all(a != b for a, b in zip(before, after))
    assert "device" in explorer.summary.value and "user_age" not in explorer.summary.value
    assert explorer.view == cace_view(explorer.world, *state(explorer))


def test_a_change_that_the_new_feature_also_takes_is_kept(explorer):
    explorer.feature.value = "session_count"
    assert state(explorer) == ("session_count", "units", "serving")
    assert tuple(explorer.change.options) == changes_of("session_count")
    assert "impute" not in explorer.change.options


@pytest.mark.parametrize("target", targets())
def test_every_feature_and_model_offers_exactly_its_changes(explorer, target):
    explorer.feature.value = target
    assert tuple(explorer.change.options) == changes_of(target)
    assert explorer.image.value == explorer.picture.svg()
    assert html.escape(change_help(target, explorer.change.value)) in explorer.change_help.value


def test_every_effect_is_shown_beside_its_noise_floor(explorer, world):
    floor = noise_floor(world)
    for run in [("user_age", "units", "serving"), ("churn_model", "drop days_since_signup", "retrained"),
                ("fraud_model", "balanced classes", "serving")]:
        explorer.select(*run)
        assert "noise floor" in explorer.table.value and "noise floor" in explorer.summary.value
        for model, e in floor.items():
            assert f"({100 * e.decisions_flipped:.1f}%)" in explorer.table.value, model


def test_a_models_own_change_lights_the_model_and_leaves_the_controls_white(explorer):
    explorer.select("fraud_model", "raise threshold", "retrained")
    view = explorer.view
    assert view.notes["fraud_model"].startswith("changed: ")
    assert view.notes["churn_model"] == view.notes["recommender"] == "no change"
    # fraud_model_es reads the score, not the decision: reached, and yet nothing flips.
    assert view.notes["fraud_model_es"] == "flips 0.0%" and view.fills["fraud_model_es"] == "#FFFFFF"
    assert view.fills["fraud_review_queue"] != "#FFFFFF"


def test_switching_mode_changes_the_picture_and_switching_back_restores_it(explorer):
    serving = seen(explorer)
    explorer.mode.value = "retrained"
    retrained = seen(explorer)
    assert retrained[0] != serving[0] and retrained[1] != serving[1] and retrained[2] != serving[2]
    assert retrained[3] == serving[3]  # control: same change, same help text
    assert "models retrained" in explorer.summary.value
    explorer.mode.value = "serving"
    assert seen(explorer) == serving


def test_choosing_another_change_updates_the_help_and_picture(explorer):
    before = seen(explorer)
    explorer.change.value = "log"
    assert html.escape(CHANGES["log"]) in explorer.change_help.value
    assert seen(explorer)[0] != before[0]
    assert state(explorer) == ("user_age", "log", "serving")


@pytest.mark.parametrize("feature, change, mode", [(f, c, m) for f, c in all_experiments() for m in MODES])
def test_select_shows_exactly_what_the_plain_functions_compute(explorer, feature, change, mode):
    explorer.select(feature, change, mode)
    assert state(explorer) == (feature, change, mode)
    view = cace_view(explorer.world, feature, change, mode)
    assert explorer.view == view
    assert explorer.table.value == table_html(view.table_rows)
    assert explorer.image.value == explorer.picture.svg()
    assert explorer.results_text() == effects_text(feature, change, mode,
                                                   measure_cace(explorer.world, feature, change, mode))


@pytest.mark.parametrize("args", [("user_age", "rename", "serving"), ("device", "units", "retrained"),
                                  ("user_age", "squash", "serving"), ("user_age", "units", "live"),
                                  ("user_agee", "units", "serving")])
def test_select_with_bad_input_raises_one_line_and_changes_nothing(explorer, args):
    before_state, before_seen = state(explorer), seen(explorer)
    with pytest.raises(CourseInputError) as caught:
        explorer.select(*args)
    assert "\n" not in str(caught.value)
    assert state(explorer) == before_state and seen(explorer) == before_seen


def test_select_refreshes_once(explorer):
    shown = []
    original = explorer.refresh

    def counting_refresh():
        shown.append(state(explorer))
        original()

    explorer.refresh = counting_refresh
    explorer.select("device", "merge_rare", "retrained")
    assert shown == [("device", "merge_rare", "retrained")]


def test_select_within_one_feature_refreshes_once(explorer):
    """The control for the test above: when the feature stays, select really does refresh once."""
    shown = []
    original = explorer.refresh
    explorer.refresh = lambda: (shown.append(state(explorer)), original())
    explorer.select("user_age", "log", "retrained")
    assert shown == [("user_age", "log", "retrained")]


def test_selection_changes_answer_fast(explorer):
    runs = [(f, c, m) for f, c in all_experiments() for m in MODES]
    times = []
    for i in range(100):
        run = runs[(7 * i) % len(runs)]  # jump around, so the feature changes too
        start = time.perf_counter()
        explorer.select(*run)
        times.append(time.perf_counter() - start)
    p95 = float(np.percentile(times, 95))
    assert p95 < 0.025, f"p95 selection took {1000 * p95:.1f} ms"


def test_changing_the_feature_dropdown_answers_fast(explorer):
    names = [f.name for f in FEATURES]
    times = []
    for i in range(60):
        start = time.perf_counter()
        explorer.feature.value = names[(i + 1) % len(names)]
        times.append(time.perf_counter() - start)
    assert float(np.percentile(times, 95)) < 0.025


def test_repr_is_stable_text(explorer, world):
    text = repr(explorer)
    assert text == "CaceExplorer(live widget: run the notebook to use it)"
    explorer.select("device", "rename", "retrained")
    assert repr(explorer) == text == repr(CaceExplorer(world))
    assert "0x" not in text


# --- SliderCheck ---------------------------------------------------------------------------------

def test_the_slider_check_echo_follows_the_slider():
    check = SliderCheck()
    assert check.echo.value == slider_message(3) and "<b>3</b>" in check.echo.value
    check.slider.value = 7
    assert check.echo.value == slider_message(7) and "<b>7</b>" in check.echo.value
    assert "<b>3</b>" not in check.echo.value
    assert repr(check) == "SliderCheck(live widget: move the slider)"


# --- Quiz ------------------------------------------------------------------------------------------

def right_and_wrong(question):
    right = next(i for i, o in enumerate(question.options) if o.correct)
    wrong = next(i for i, o in enumerate(question.options) if not o.correct)
    return right, wrong


def test_a_new_quiz_shows_no_feedback_and_a_zero_score():
    quiz = Quiz(get_lesson("01"))
    n = len(get_lesson("01").quiz)
    assert quiz.score() == (0, n)
    assert all(f.value == "" for f in quiz.feedback)
    assert quiz.tally.value == f"<i>Answered 0 of {n}; 0 right.</i>"
    # Where widgets do not run, the saved notebook still shows every question and option as text.
    text = repr(quiz)
    assert text == repr(Quiz(get_lesson("01"))) and text.startswith("Quiz for lesson 01")
    for question in get_lesson("01").quiz:
        assert question.text in text
        assert all(option.text in text for option in question.options)


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_the_right_answer_is_not_always_in_the_same_place(lesson_id):
    from mldebt_lessons.course.quiz import display_order
    lesson = LESSONS[lesson_id]
    places = set()
    for number, question in enumerate(lesson.quiz):
        order = display_order(lesson, number)
        assert sorted(order) == list(range(len(question.options)))
        places.add(next(p for p, i in enumerate(order) if question.options[i].correct))
    assert len(places) >= 2, places


def test_answering_shows_that_answers_feedback_and_updates_the_score():
    lesson = get_lesson("01")
    quiz, n = Quiz(lesson), len(lesson.quiz)
    right0, wrong0 = right_and_wrong(lesson.quiz[0])
    right1, wrong1 = right_and_wrong(lesson.quiz[1])

    quiz.answer(0, right0)
    assert "Right." in quiz.feedback[0].value
    assert html.escape(lesson.quiz[0].options[right0].feedback) in quiz.feedback[0].value
    assert quiz.score() == (1, n)
    assert quiz.feedback[1].value == ""  # control: the other questions are untouched

    quiz.answer(1, wrong1)
    assert "Not quite." in quiz.feedback[1].value
    assert html.escape(lesson.quiz[1].options[wrong1].feedback) in quiz.feedback[1].value
    assert quiz.score() == (1, n)
    assert quiz.tally.value == f"<i>Answered 2 of {n}; 1 right.</i>"

    quiz.answer(1, right1)  # changing one's mind
    assert "Right." in quiz.feedback[1].value and quiz.score() == (2, n)
    quiz.answer(0, wrong0)
    assert "Not quite." in quiz.feedback[0].value and quiz.score() == (1, n)
    assert quiz.tally.value == f"<i>Answered 2 of {n}; 1 right.</i>"


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_option_of_every_question_shows_its_own_nonempty_feedback(lesson_id):
    lesson = LESSONS[lesson_id]
    quiz = Quiz(lesson)
    for q, question in enumerate(lesson.quiz):
        shown = set()
        for o, option in enumerate(question.options):
            assert option.feedback.strip(), (q, o)
            quiz.answer(q, o)
            text = quiz.feedback[q].value
            assert html.escape(option.feedback) in text
            assert ("Right." in text) == option.correct
            shown.add(text)
        assert len(shown) == len(question.options), f"question {q}: two options show the same feedback"


def test_all_right_answers_score_full_marks():
    lesson = get_lesson("01")
    quiz = Quiz(lesson)
    for q, question in enumerate(lesson.quiz):
        quiz.answer(q, right_and_wrong(question)[0])
    assert quiz.score() == (len(lesson.quiz), len(lesson.quiz))
