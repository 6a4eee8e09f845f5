"""Every exercise checker, fed garbage: it never raises, always answers with Feedback, never accepts garbage.

Learners type anything into ``answer``: strings, half-finished structures, numpy values, a function
that raises. A checker (called directly, or through ``check``) must answer with one line of
Feedback, whatever it is given, and must never say "right" to an answer that cannot be right.
``judge_prediction`` must likewise comment on any prediction without raising.

Each exercise gets a fixed list of nasty inputs, then a few random ones from hypothesis (fewer for
checkers that measure several worlds, so the whole file runs in about half a minute).
"""

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mldebt_lessons.course.lesson import NOT_ATTEMPTED, Feedback
from mldebt_lessons.lessons import LESSONS, check

EXERCISES = [e for lesson in LESSONS.values() for e in lesson.exercises]
SECONDS_PER_EXERCISE = 1.2  # the random part's budget for one exercise


# --- garbage that can never be a right answer ------------------------------------------------------------------

def raises(*args, **kwargs):
    raise RuntimeError("a learner's function that raises")


def returns(value, name="returns_garbage"):
    def function(*args, **kwargs):
        return value
    function.__name__ = name
    return function


def sleeps_then_returns(value):
    def function(*args, **kwargs):
        time.sleep(0.001)
        return value
    return function


def generator_function(*args, **kwargs):
    yield None


# Run for every exercise, through the raw checker, through `check` and through judge_prediction.
NEVER_RIGHT = [
    "", " \n\t", "nan", "a" * 100_000, b"\x00\xff\xfe", math.nan, math.inf, -(10 ** 400),
    np.float64("nan"), np.int64(2 ** 62), np.array([np.nan, np.nan]), np.array([]),
    [], {}, set(), [[None]], [[[[]]]], ("", ""), (math.nan, math.nan), {1: [2, {3: None}]}, {math.nan},
    object(), raises, returns(None), returns(math.nan), returns(True), returns(False),
    sleeps_then_returns(None), generator_function, lambda: None,
]
ANYTHING_ELSE = [  # may be right for some exercise: only "never raises" is asserted
    4, 0.5, True, "4", ("0.059", "-0.057"), (0.75, 0.0), [["churn_model", "ltv_model"]], "churn_model",
    {"system": "x"}, np.float64(0.5), np.array([0.5, 0.25]), returns(0.5),
]
# Drawn from by hypothesis, with everything above, as far as each exercise's time allows.
MORE_NEVER_RIGHT = [
    " ", "None", "inf", "-inf", "?", "...", "TODO", "answer", b"", bytearray(b"abc"), -math.inf, 10 ** 400,
    10 ** 18 + 7, np.float32("inf"), np.full((2, 2), np.inf), np.array([["", ""]]), np.array(None, dtype=object),
    (), frozenset(), [None, None], (None, None), [math.inf, -math.inf], {"": None}, {None: math.nan}, {b"x"},
    Ellipsis, NotImplemented, type, int, Feedback, Feedback(True, "right"), range(10 ** 30), len,
    returns(""), returns([[None]]), returns({"a": {1}}), returns(np.array([np.nan, np.inf])), returns(b"\x00\xff"),
    returns(10 ** 400), sleeps_then_returns(math.inf),
]
MORE_ANYTHING = [
    0, 1, 2, 3, -1, 1.0, -0.5, False, "0", "0.059", ["churn_model"], ("churn_model", "homepage"),
    {"churn_model": 1}, "system: x\n", "user_age", np.int64(4), np.bool_(True), np.array(["churn_model"]),
    [0.5, "0.5", None], (1, 2, 3, 4, 5, 6),
]

leaves_never_right = st.one_of(
    st.none(), st.just(""), st.text(alphabet=" \t\n", max_size=4), st.binary(max_size=20),
    st.floats(allow_nan=True).filter(lambda x: not math.isfinite(x)),
    st.integers(min_value=10 ** 15) | st.integers(max_value=-(10 ** 15)),
    # text with no letters and no digits: no name, no number, no manifest
    st.text(alphabet=st.characters(blacklist_categories=("Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Cs")),
            max_size=12),
    st.sampled_from(NEVER_RIGHT + MORE_NEVER_RIGHT),
)
never_right = st.one_of(
    leaves_never_right,
    st.recursive(leaves_never_right, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=3)), max_leaves=6),
    st.sets(st.integers(min_value=10 ** 15), max_size=3),
    st.builds(returns, leaves_never_right),
)
leaves_anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.binary(max_size=10),
    st.integers(min_value=-(10 ** 400), max_value=10 ** 400),
    st.sampled_from(["churn_model", "ltv_model", "fraud_model", "fraud_model_es", "recommender", "homepage",
                     "ads_ranker", "user_age", "session_count", "units", "log", "impute", "retrained", "serving"]),
    st.floats(allow_nan=True, width=32).map(np.float32), st.integers(-5, 5).map(np.int64),
    st.lists(st.floats(), max_size=4).map(np.array), st.sampled_from(ANYTHING_ELSE + MORE_ANYTHING),
)
anything = st.one_of(
    leaves_anything,
    st.recursive(leaves_anything, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple), st.sets(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6),
    st.builds(returns, leaves_anything), st.builds(sleeps_then_returns, leaves_anything),
)


# --- what every call must satisfy ---------------------------------------------------------------------------------

def assert_answers_plainly(exercise, answer, never_right_answer: bool, through_check: bool = True) -> None:
    """The raw checker, then `check`, then judge_prediction with the same value as a prediction."""
    shown = f"exercise {exercise.id}, answer {answer!r:.120}"
    try:
        verdict = exercise.checker(answer)
    except Exception as error:  # noqa: BLE001  the point of the test
        pytest.fail(f"{shown}: the checker raised {type(error).__name__}: {error}"[:500])
    assert isinstance(verdict, Feedback), f"{shown}: the checker returned {type(verdict).__name__}, not Feedback"
    assert isinstance(verdict.ok, (bool, np.bool_)) and isinstance(verdict.message, str), shown
    assert verdict.message.strip(), f"{shown}: an empty message"
    if never_right_answer:
        assert not verdict.ok, f"{shown}: the checker accepted garbage: {verdict.message!r:.200}"
    if through_check and answer is not None:
        checked = check(exercise.id, answer)
        assert isinstance(checked, Feedback) and checked.ok == verdict.ok, shown
        for words in ("could not check that answer", "could not be read"):  # check_answer caught an error
            assert words not in checked.message, f"{shown}: {checked.message!r:.300}"
    if exercise.judge_prediction is not None:
        try:
            comment = exercise.judge_prediction(answer)
        except Exception as error:  # noqa: BLE001
            pytest.fail(f"exercise {exercise.id}, prediction {answer!r:.120}: judge_prediction raised "
                        f"{type(error).__name__}: {error}"[:500])
        assert isinstance(comment, str) and comment.strip(), f"exercise {exercise.id}: judge_prediction said nothing"


def seconds_per_example(exercise) -> float:
    """About how long one random example takes: the checker and judge_prediction on a few answers."""
    started = time.perf_counter()
    for answer in (returns(None), "nonsense", 0.5):
        for function in (exercise.checker, exercise.judge_prediction or returns("")):
            try:
                function(answer)
            except Exception:  # noqa: BLE001  reported by the tests below
                pass
    return (time.perf_counter() - started) / 3


# --- the tests -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_no_answer_yet_is_one_line_without_a_hint(exercise):
    feedback = check(exercise.id, None)
    assert (feedback.ok, feedback.message) == (False, NOT_ATTEMPTED)
    assert repr(feedback) == "Not yet: " + NOT_ATTEMPTED and "hint" not in repr(feedback).lower()
    noted = check(exercise.id, None, 0.5)
    assert not noted.ok and "hint" not in noted.message.lower() and "\n" not in noted.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_a_checker_never_raises_and_never_accepts_garbage(exercise):
    for answer in NEVER_RIGHT:
        assert_answers_plainly(exercise, answer, never_right_answer=True)
    for answer in ANYTHING_ELSE:
        assert_answers_plainly(exercise, answer, never_right_answer=False)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_a_checker_survives_random_garbage(exercise):
    seconds_per_example(exercise)  # the first call fills the lesson's caches
    examples = int(min(40, max(4, SECONDS_PER_EXERCISE / (seconds_per_example(exercise) + 1e-3))))

    # No shrinking: the first failing input is reported as it is, and a failing checker stays quick.
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.tuples(st.just(True), never_right), st.tuples(st.just(False), anything)))
    def feed(case):
        never_right_answer, answer = case
        assert_answers_plainly(exercise, answer, never_right_answer, through_check=False)

    feed()
