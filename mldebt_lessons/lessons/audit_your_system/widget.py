"""The ML Test Score widget: 28 toggles, and the score recomputed at each click.

The callback is a thin wrapper over :func:`mldebt_lessons.audit.mltestscore.score`, which the
tests call directly.

Example (headless, as the tests drive it)
-----------------------------------------
>>> w = TestScoreWidget()
>>> w.set_answer("monitor_1", "automated")
>>> w.result().sections["monitor"]
1.0
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.audit.mltestscore import SECTIONS, TESTS, score, score_text

CHOICES = (("no", "no"), ("by hand", "manual"), ("automated", "automated"))


class TestScoreWidget(w.VBox):
    """Answer each of the 28 tests; the section scores, final score and band follow."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, answers: dict | None = None):
        answers = answers or {}
        self.toggles: dict[str, w.ToggleButtons] = {}
        rows = []
        for section, title in SECTIONS.items():
            rows.append(w.HTML(f"<b>{html.escape(title)}</b>"))
            for key, s, text in TESTS:
                if s != section:
                    continue
                toggle = w.ToggleButtons(options=CHOICES, value=answers.get(key, "no"),
                                         style={"button_width": "110px"})
                toggle.observe(lambda _: self.refresh(), names="value")
                self.toggles[key] = toggle
                rows.append(w.HBox([toggle, w.HTML(f"{key}: {html.escape(text)}")]))
        self.summary = w.HTML()
        super().__init__([self.summary] + rows)
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "TestScoreWidget(live widget: run the notebook to answer the 28 tests)"

    def answers(self) -> dict[str, str]:
        return {key: t.value for key, t in self.toggles.items()}

    def set_answer(self, key: str, value: str) -> None:
        """Answer one test, as a click would."""
        self.toggles[key].value = value

    def result(self):
        return score(self.answers())

    def refresh(self) -> None:
        self.summary.value = "<pre>" + html.escape(score_text(self.result())) + "</pre>"
