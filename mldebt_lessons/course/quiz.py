"""The quiz widget: every question with its options, and feedback on every answer.

Options are shown in a shuffled order (the same order every time: seeded by the lesson and the
question), and the right answer's place is balanced: in every run of as many questions as a
question has options, it takes each place about once, so no letter is a safe guess. ``answer`` and ``grade`` use
the option's number in the lesson's data.

>>> from mldebt_lessons.lessons import get_lesson
>>> quiz = Quiz(get_lesson("01"))
>>> quiz.answer(0, 0)
>>> quiz.score() == (1, len(quiz.lesson.quiz))
True
"""

from __future__ import annotations

import html
import random

import ipywidgets as w

from mldebt_lessons.course.lesson import Lesson, grade
from mldebt_lessons.course.progress import record_quiz_answer, touch_lesson
from mldebt_lessons.course.theme import style_widget


def display_order(lesson: Lesson, number: int) -> list[int]:
    """The order in which question ``number``'s options are shown: a fixed shuffle.

    >>> from mldebt_lessons.lessons import get_lesson
    >>> sorted(display_order(get_lesson("01"), 0)) == list(range(4))
    True
    """
    options = lesson.quiz[number].options
    wrong = [i for i, option in enumerate(options) if not option.correct]
    random.Random(f"{lesson.id}-{number}").shuffle(wrong)
    places, rng = list(range(len(options))), random.Random(f"{lesson.id}-places-{number // len(options)}")
    while places in (sorted(places), sorted(places, reverse=True)):  # A, B, C, D in a row reads as a pattern
        rng.shuffle(places)
    place = places[number % len(options)]  # where the right answer goes
    right = [i for i, option in enumerate(options) if option.correct]
    return wrong[:place] + right + wrong[place:]


def quiz_html(lesson: Lesson) -> str:
    """Every question with its options, lettered, as HTML (no answers): the quiz where widgets do not run."""
    items = []
    for number, question in enumerate(lesson.quiz):
        options = "".join(f"<li>{html.escape(question.options[i].text)}</li>" for i in display_order(lesson, number))
        items.append(f"<li><b>{html.escape(question.text)}</b><ol type='a'>{options}</ol></li>")
    return (f"<div class='mldebt-static'><p><i>The quiz for lesson {lesson.id}: run the notebook to answer and get "
            f"feedback on every option.</i></p><ol>{''.join(items)}</ol></div>")


def quiz_text(lesson: Lesson) -> str:
    """The quiz as plain text, for places where widgets do not run."""
    lines = []
    for number, question in enumerate(lesson.quiz):
        lines.append(f"{number + 1}. {question.text}")
        for letter, i in zip("abcdefgh", display_order(lesson, number)):
            lines.append(f"   ({letter}) {question.options[i].text}")
    return "\n".join(lines)


class Quiz(w.VBox):
    """Every question of a lesson with its options; picking one shows that option's feedback."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        touch_lesson(lesson.id)  # for progress(): this lesson was opened here
        self.choices, self.feedback = [], []
        rows = []
        for number, question in enumerate(lesson.quiz):
            choice = w.RadioButtons(options=[(question.options[i].text, i) for i in display_order(lesson, number)],
                                    value=None, layout=w.Layout(width="auto"))
            feedback = w.HTML()
            choice.observe(lambda change, n=number: self._show(n), names="value")
            self.choices.append(choice)
            self.feedback.append(feedback)
            rows += [w.HTML(f"<b>{number + 1}. {html.escape(question.text)}</b>"), choice, feedback]
        self.tally = w.HTML()
        # The course's CSS keeps each option's text beside its radio button, however long it is.
        super().__init__(rows + [self.tally, style_widget()])
        self._update_tally()

    def __repr__(self) -> str:  # what shows where widgets do not run: the questions themselves
        return (f"Quiz for lesson {self.lesson.id} (run the notebook to answer and get feedback):\n"
                + quiz_text(self.lesson))

    def _repr_mimebundle_(self, **kwargs):
        # Where widgets do not run (GitHub, nbviewer, an untrusted notebook), every question and option
        # shows as HTML, without the answers; JupyterLab shows the live widget instead.
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = quiz_html(self.lesson)
        return bundle

    def answer(self, question: int, option: int) -> None:
        """Pick ``option`` for ``question`` (numbers from 0), as a click would."""
        self.choices[question].value = option

    def _show(self, number: int) -> None:
        chosen = self.choices[number].value
        if chosen is None:
            self.feedback[number].value = ""
        else:
            correct, text = grade(self.lesson.quiz[number], chosen)
            record_quiz_answer(self.lesson.id, number, correct)  # for progress(); the first answer counts
            mark, colour = ("Right.", "#009E73") if correct else ("Not quite.", "#D55E00")
            self.feedback[number].value = (f"<span style='color:{colour}'><b>{mark}</b></span> "
                                           f"{html.escape(text)}")
        self._update_tally()

    def answered(self) -> int:
        """How many questions have an answer picked."""
        return sum(c.value is not None for c in self.choices)

    def score(self) -> tuple[int, int]:
        """(right answers, questions)."""
        right = sum(1 for q, c in zip(self.lesson.quiz, self.choices)
                    if c.value is not None and grade(q, c.value)[0])
        return right, len(self.lesson.quiz)

    def missed(self) -> list[int]:
        """The numbers (from 1) of the questions answered wrongly."""
        return [n + 1 for n, (q, c) in enumerate(zip(self.lesson.quiz, self.choices))
                if c.value is not None and not grade(q, c.value)[0]]

    def _update_tally(self) -> None:
        right, total = self.score()
        answered = self.answered()
        self.tally.value = f"<i>Answered {answered} of {total}; {right} right.</i>"
