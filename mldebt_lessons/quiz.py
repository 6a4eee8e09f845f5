"""The quiz widget: one question at a time on screen, feedback on every answer.

>>> from mldebt_lessons.lessons import get_lesson
>>> quiz = Quiz(get_lesson("01"))
>>> quiz.answer(0, 0)
>>> quiz.score()
(1, 6)
"""

from __future__ import annotations

import html

import ipywidgets as w

from .lesson import Lesson, grade


class Quiz(w.VBox):
    """Every question of a lesson with its options; picking one shows that option's feedback."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        self.choices, self.feedback = [], []
        rows = []
        for number, question in enumerate(lesson.quiz):
            choice = w.RadioButtons(options=[(o.text, i) for i, o in enumerate(question.options)],
                                    value=None, layout=w.Layout(width="auto"))
            feedback = w.HTML()
            choice.observe(lambda change, n=number: self._show(n), names="value")
            self.choices.append(choice)
            self.feedback.append(feedback)
            rows += [w.HTML(f"<b>{number + 1}. {html.escape(question.text)}</b>"), choice, feedback]
        self.tally = w.HTML()
        super().__init__(rows + [self.tally])
        self._update_tally()

    def __repr__(self) -> str:
        return f"Quiz({self.lesson.id}: {len(self.lesson.quiz)} questions; run the notebook to answer)"

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

    def score(self) -> tuple[int, int]:
        """(right answers, questions)."""
        right = sum(1 for q, c in zip(self.lesson.quiz, self.choices)
                    if c.value is not None and grade(q, c.value)[0])
        return right, len(self.lesson.quiz)

    def _update_tally(self) -> None:
        right, total = self.score()
        answered = sum(c.value is not None for c in self.choices)
        self.tally.value = f"<i>Answered {answered} of {total}; {right} right.</i>"
