"""Every lesson's quiz and exercises meet the course's bar, and the stored notebooks give nothing away.

Per lesson: at least 6 questions, 2 of which ask the learner to predict a measured outcome; exactly
one right option per question, and the right option is the longest (ties count) in at most a third
of the questions, so length never gives the answer away; every option's feedback teaches something.
At least 3 exercises, each predict-then-measure, and one whose answer is a function the learner writes.
The course map (`mldebt lessons --format json`) is what these rules are checked on, where it carries them.
"""

import contextlib
import io
import json
import re
from pathlib import Path

import nbformat
import pytest

from mldebt_lessons.cli import main
from mldebt_lessons.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LESSON_IDS = list(LESSONS)


@pytest.fixture(scope="module")
def course_map():
    """`mldebt lessons --format json`, by lesson id."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["lessons", "--format", "json"]) == 0
    return {lesson["id"]: lesson for lesson in json.loads(out.getvalue())["lessons"]}


def longest_is_correct(question: dict) -> bool:
    """True if the right option is the longest, or tied for the longest."""
    lengths = [len(text) for text in question["options"]]
    return lengths[question["correct"]] == max(lengths)


# --- the quiz ----------------------------------------------------------------------------------------------------

def test_the_course_map_lists_every_lesson(course_map):
    assert list(course_map) == LESSON_IDS


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_at_least_6_questions_and_2_that_predict_a_measured_outcome(course_map, lesson_id):
    quiz = course_map[lesson_id]["quiz"]
    assert len(quiz) >= 6, f"lesson {lesson_id} has {len(quiz)} quiz questions; at least 6"
    measured = sum(q["predicts_a_measurement"] for q in quiz)
    assert measured >= 2, (f"lesson {lesson_id}: {measured} questions marked measured=True (asking to predict a "
                           "measured outcome); at least 2")


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_the_right_option_is_the_longest_in_at_most_a_third_of_the_questions(course_map, lesson_id):
    quiz = course_map[lesson_id]["quiz"]
    longest = [n + 1 for n, q in enumerate(quiz) if longest_is_correct(q)]
    assert 3 * len(longest) <= len(quiz), (
        f"lesson {lesson_id}: the right option is the longest (or tied) in questions {longest} of {len(quiz)}; "
        f"at most {len(quiz) // 3}")


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_exactly_one_right_option_and_feedback_on_every_option(course_map, lesson_id):
    lesson = LESSONS[lesson_id]
    for number, (question, shown) in enumerate(zip(lesson.quiz, course_map[lesson_id]["quiz"]), start=1):
        where = f"lesson {lesson_id}, question {number}"
        assert question.text.strip(), where
        right = [i for i, option in enumerate(question.options) if option.correct]
        assert len(right) == 1, f"{where}: {len(right)} right options; exactly 1"
        assert shown["correct"] == right[0] and shown["options"] == [o.text for o in question.options], where
        texts = [o.text.strip() for o in question.options]
        assert all(texts) and len(set(texts)) == len(texts), f"{where}: empty or repeated options"
        for option in question.options:
            feedback = option.feedback.strip()
            assert feedback, f"{where}: option {option.text!r} has no feedback"
            assert feedback != question.text.strip(), f"{where}: option {option.text!r}'s feedback repeats the question"


# --- the exercises -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_at_least_3_exercises_each_predict_then_measure(course_map, lesson_id):
    exercises = LESSONS[lesson_id].exercises
    assert len(exercises) >= 3, f"lesson {lesson_id} has {len(exercises)} exercises; at least 3"
    assert [e["id"] for e in course_map[lesson_id]["exercises"]] == [e.id for e in exercises]
    for exercise in exercises:
        assert isinstance(exercise.predict, str) and exercise.predict.strip(), (
            f"exercise {exercise.id}: no `predict` sentence (what to predict before measuring)")
        assert callable(exercise.judge_prediction), f"exercise {exercise.id}: no judge_prediction"


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_one_exercise_asks_for_a_function_that_pays_the_debt_down(lesson_id):
    """Its solution defines a function and leaves it in `answer` (the checker runs it at several seeds)."""
    for exercise in LESSONS[lesson_id].exercises:
        if not re.search(r"^\s*def \w+\(", exercise.solution, flags=re.MULTILINE):
            continue
        namespace: dict = {}
        exec(compile(exercise.solution, f"<solution {exercise.id}>", "exec"), namespace)
        if callable(namespace.get("answer")):
            return
    pytest.fail(f"lesson {lesson_id}: no exercise whose solution leaves a function in `answer`")


# --- the stored notebooks ----------------------------------------------------------------------------------------

def stored_texts(notebook: Path):
    """(cell number, text) of every stored output a reader sees: streams, plain text, HTML, Markdown."""
    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                yield number, output.get("text", "")
            for mime in ("text/plain", "text/html", "text/markdown"):
                text = output.get("data", {}).get(mime)
                if text is not None:
                    yield number, "".join(text) if isinstance(text, list) else text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_never_show_a_hint(notebook):
    shown = [f"cell {n}: ...{text[max(0, m.start() - 60):m.end() + 40]!r}..."
             for n, text in stored_texts(notebook) for m in re.finditer("hint:", text, flags=re.IGNORECASE)]
    assert not shown, f"{notebook.name} shows hints when run top to bottom:\n" + "\n".join(shown[:10])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_edits_sys_path(notebook):
    """The package is installed (editable); a notebook that edits sys.path hides a broken set-up."""
    cells = nbformat.read(notebook, as_version=4).cells
    edits = [n for n, cell in enumerate(cells, start=1) if cell.cell_type == "code" and "sys.path" in cell.source]
    assert not edits, f"{notebook.name} edits sys.path in cell(s) {edits}"


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= len(LESSONS) + 1
