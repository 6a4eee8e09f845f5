"""Lesson 08's widget: choose which teams retrain and for how many rounds; watch the two models move.

Building the explorer runs every run for every round count once (a few seconds); after that a
change only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = LoopExplorer()
>>> explorer.select("churn only", 5)
>>> "still after round 1" in explorer.picture.svg().decode()
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.hidden_feedback_loops.experiment import (
    DEFAULT_ROUNDS,
    MAX_ROUNDS,
    RUN_HELP,
    RUNS,
    check_run,
)
from mldebt_lessons.lessons.hidden_feedback_loops.view import (
    LOOP_COLOUR,
    loop_picture,
    loop_view,
    table_html,
)
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{blend(LOOP_COLOUR, 0.7)};padding:0 6px'>vermillion</span> a model that "
          f"moves after round 1; <span style='background:{CHANGED_FILL};color:black;padding:0 6px'>yellow</span> "
          "retrained, but still after round 1; white: frozen (never retrained). Solid arrows are in the code; "
          "dashed arrows are effects through the world, dark when the receiving model learns from them. "
          "Drift: how far each model's scores moved, round to round, added up (churn in points, ltv in pounds).")


class LoopExplorer(Explorer, w.VBox):
    """Pick which teams retrain and how many rounds; see both models' drift."""

    def __init__(self, world: World | None = None, run: str = "both", rounds: int = DEFAULT_ROUNDS):
        check_run(run)
        self.world = world or build_world()
        self._views = {(r, n): loop_view(self.world, r, n) for r in RUNS for n in range(1, MAX_ROUNDS + 1)}
        self.picture = loop_picture()
        self.run = w.Dropdown(options=list(RUNS), value=run, description="who retrains",
                               style={"description_width": "initial"})
        self.rounds = w.IntSlider(value=rounds, min=1, max=MAX_ROUNDS, description="rounds")
        self.change_help = w.HTML()
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width=f"{self.picture.size[0]}px"))
        self.summary = w.HTML()
        self.table = w.HTML()
        super().__init__([w.HBox([self.run, self.rounds]), self.change_help, self.image,
                          w.HTML(f"<small>{LEGEND}</small>"), self.summary, self.table])
        for control in (self.run, self.rounds):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "LoopExplorer(live widget: run the notebook to use it)"

    def select(self, run: str, rounds: int = DEFAULT_ROUNDS) -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_run(run)
        with self._quietly():
            self.run.value = run
            self.rounds.value = int(rounds)
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.run.value, self.rounds.value)]
        self.show(self.picture, view, table_html(view), f"<small>{html.escape(RUN_HELP[self.run.value])}</small>")

    def results_text(self) -> str:
        """The current run's rounds, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}: {RUN_HELP[view.run]}\n{view.summary}\n{rows}"
