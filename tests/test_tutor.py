"""The paste-ready AI-tutor prompts: the lesson's prompt (with the models, the missed questions and the
claims) and the quiz-me prompt, and `mldebt prompt` that prints them."""

import pytest

from mldebt_lessons import lessons
from mldebt_lessons.cli import main
from mldebt_lessons.course.claims import ClaimResult, robustness_text
from mldebt_lessons.course.quiz import Quiz, display_order
from mldebt_lessons.course.tutor import (
    models_summary,
    quiz_prompt,
    tutor_prompt,
    world_summary,
)
from mldebt_lessons.lessons import LESSONS, get_lesson, saved_claims
from mldebt_lessons.shop.world import build_world

LESSON_LIST = list(LESSONS.values())
CLAIM = ClaimResult("01", "spain_falls", "Spain's catch falls when fraud_model improves.", True,
                    "change in Spain's catch", "points", (-0.9, -6.9, -3.0), (True, True, True))
SIDE_CLAIM = ClaimResult("01", "queue_improves", "The whole review queue improves.", False,
                         "change in the queue's catch", "points", (0.4, -0.8, 1.2), (True, False, True))


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def wrong_option(question) -> int:
    return next(i for i, o in enumerate(question.options) if not o.correct)


def right_option(question) -> int:
    return next(i for i, o in enumerate(question.options) if o.correct)


# --- the lesson's prompt -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_the_three_prompts_come_in_order_after_the_context(lesson):
    text = tutor_prompt(lesson, results="my numbers", my_system="my system")
    places = [text.index(f"\n{i}. {p}\n") for i, p in enumerate(lesson.tutor_prompts, start=1)]
    assert places == sorted(places) and text.count("\n1. ") == 1
    assert text.index(world_summary(build_world())) < text.index("my numbers") < places[0] < text.index("my system")


def test_the_prompt_names_each_model_s_kind_of_estimator():
    text = tutor_prompt(get_lesson("01"))
    assert models_summary(build_world()) in text
    for name, model in build_world().models.items():
        assert f"- {name}: {model.spec.kind}" in text
    for kind in ("logistic regression on standardised inputs", "ridge regression on raw values",
                 "gradient-boosted trees"):
        assert kind in text


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_the_prompt_says_which_quiz_questions_were_missed_and_what_was_picked(lesson):
    quiz = Quiz(lesson)
    first, second, third = lesson.quiz[:3]
    quiz.answer(0, right_option(first))
    quiz.answer(1, wrong_option(second))
    quiz.answer(2, wrong_option(third))
    assert quiz.missed() == [2, 3]
    text = tutor_prompt(lesson, quiz=quiz)
    assert f"My quiz: 1 right of the 3 of {len(lesson.quiz)} questions I answered. I missed questions 2, 3;" in text
    for number, question in ((2, second), (3, third)):
        picked = question.options[wrong_option(question)]
        assert f"- Question {number}: {question.text} I chose \"{picked.text}\"" in text
        assert picked.feedback in text
    assert "Question 1:" not in text


def test_a_quiz_answered_all_right_says_nothing_was_missed():
    lesson = get_lesson("01")
    quiz = Quiz(lesson)
    for number, question in enumerate(lesson.quiz):
        quiz.answer(number, right_option(question))
    text = tutor_prompt(lesson, quiz=quiz)
    assert f"My quiz: {len(lesson.quiz)} right of the {len(lesson.quiz)} of {len(lesson.quiz)} questions I " \
           "answered. I missed none." in text


def test_the_prompt_carries_the_lesson_s_claims_with_their_robustness():
    text = tutor_prompt(get_lesson("01"), claims=[CLAIM, SIDE_CLAIM])
    assert f"- {CLAIM.sentence} (headline claim; {robustness_text(CLAIM)})" in text
    assert f"- {SIDE_CLAIM.sentence} ({robustness_text(SIDE_CLAIM)})" in text
    assert "holds in 3 of 3 worlds" in text and "holds in 2 of 3 worlds" in text
    assert text.index("## The lesson's claims") < text.index("\n1. ")
    assert "## The lesson's claims" not in tutor_prompt(get_lesson("01"))


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_prompts_keep_every_sentence_whole(lesson):
    """Nothing is wrapped: every text of the lesson appears on one line, words whole."""
    quiz = Quiz(lesson)
    quiz.answer(0, wrong_option(lesson.quiz[0]))
    text = tutor_prompt(lesson, quiz=quiz, claims=saved_claims(lesson.id)) + "\n" + quiz_prompt(lesson)
    lines = text.splitlines()
    pieces = [*lesson.objectives, *lesson.tutor_prompts, lesson.quiz[0].options[wrong_option(lesson.quiz[0])].feedback,
              *(q.text for q in lesson.quiz), *(o.feedback for q in lesson.quiz for o in q.options),
              *(c.sentence for c in saved_claims(lesson.id))]
    for piece in pieces:
        assert any(piece in line for line in lines), f"{piece!r} is split across lines"
    assert not any(line.endswith("-") and not line.endswith(" -") for line in lines)


# --- the quiz-me prompt ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_the_quiz_prompt_has_every_question_its_answer_and_every_option_s_feedback(lesson):
    text = quiz_prompt(lesson)
    assert lesson.title in text and world_summary(build_world()) in text and models_summary(build_world()) in text
    for point in lesson.key_points:
        assert f"- {point}" in text
    assert text.count("[RIGHT ANSWER]") == len(lesson.quiz)
    places = []
    for number, question in enumerate(lesson.quiz):
        start = text.index(f"Question {number + 1}: {question.text}\n")
        places.append(start)
        end = text.find("\nQuestion ", start + 1)
        block = text[start:end if end != -1 else None]
        assert block.count("[RIGHT ANSWER]") == 1
        for letter, i in zip("ABCDEFGH", display_order(lesson, number)):
            option = question.options[i]
            mark = "   [RIGHT ANSWER]" if option.correct else ""
            assert f"  {letter}. {option.text}{mark}\n     feedback: {option.feedback}" in block
    assert places == sorted(places)


def test_the_quiz_prompt_tells_the_tutor_how_to_quiz():
    text = quiz_prompt(get_lesson("01"))
    rules = text[text.index("## Rules"):text.index("## Context")]
    for words in ("one at a time", "Wait for my answer", "Never reveal", "before I commit",
                  "explain with the feedback given for the option I chose"):
        assert words in rules, words
    assert text.index("## Rules") < text.index("## The questions (for you only") < text.index("Question 1:")
    assert text.rstrip().endswith("Start now with question 1.")


# --- mldebt prompt -------------------------------------------------------------------------------------------------

def test_mldebt_prompt_quiz_prints_the_quiz_prompt(capsys):
    code, out, err = run(capsys, "prompt", "01", "--quiz")
    assert (code, err) == (0, "") and out == quiz_prompt(get_lesson("01")) + "\n"
    assert run(capsys, "prompt", "entanglement_cace", "--quiz")[1] == out


def test_mldebt_prompt_includes_the_saved_claims(capsys, monkeypatch):
    monkeypatch.setattr(lessons, "saved_claims", lambda key: [CLAIM] if key == "01" else [])
    code, out, err = run(capsys, "prompt", "01", "--results", "churn flips 12%")
    assert (code, err) == (0, "") and "churn flips 12%" in out
    assert f"- {CLAIM.sentence} (headline claim; {robustness_text(CLAIM)})" in out


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_mldebt_prompt_of_each_lesson_carries_its_saved_claims(lesson, capsys):
    code, out, _ = run(capsys, "prompt", lesson.id)
    assert code == 0 and out == tutor_prompt(lesson, claims=saved_claims(lesson.id)) + "\n"
    for claim in saved_claims(lesson.id):
        assert claim.sentence in out


def test_mldebt_prompt_of_an_unknown_lesson_is_one_line(capsys):
    code, out, err = run(capsys, "prompt", "99", "--quiz")
    assert (code, out) == (2, "") and err.count("\n") == 1 and "unknown lesson" in err
