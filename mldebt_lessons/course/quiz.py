"""The quiz widget: every question with its options, and feedback on every answer.

Options are shown in a shuffled order (the same order every time: seeded by the lesson and the
question), so the right answer is not always in the same place. ``answer`` and ``grade`` use
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
from mldebt_lessons.course.theme import style_widget


def display_order(lesson: Lesson, number: int) -> list[int]:
    """The order in which question ``number``'s options are shown: a fixed shuffle.

    >>> from mldebt_lessons.lessons import get_lesson
    >>> sorted(display_order(get_lesson("01"), 0)) == list(range(4))
    True
    """
    order = list(range(len(lesson.quiz[number].options)))
    random.Random(f"{lesson.id}-{number}").shuffle(order)
    return order


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

    def answer(self, question: int, option: int) -> None:
        """Pick ``option`` for ``question`` (numbers from 0), as a click would."""
        self.choices[question].value = option

    def _show(self, number: int) -> None:
        chosen = self.choices[number].value
        if chosen is None:
            self.feedback[number].value = ""
        else:
            correct, text = grade(self.lesson.quiz[number], chosen)
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
