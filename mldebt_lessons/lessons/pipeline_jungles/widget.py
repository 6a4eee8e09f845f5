"""Lesson 10's widget: choose what changed since yesterday's run, and the jungle or the DAG; watch which
files are rewritten, where a bug goes, and which models move.

Building the explorer runs both pipelines once for every scenario, on real files in a temporary
folder (about a second); after that a change only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = PrepExplorer()
>>> explorer.select("bug: basket in pence", "DAG")
>>> b"check fails" in explorer.picture.svg()
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.pipeline_jungles.experiment import (
    PIPELINES,
    SCENARIOS,
    check_pipeline,
    check_scenario,
)
from mldebt_lessons.lessons.pipeline_jungles.view import STATES, prep_picture, prep_view, table_html
from mldebt_lessons.shop.world import World, build_world


def _swatch(state: str) -> str:
    fill, note = STATES[state]
    return f"<span style='background:{fill};color:black;padding:0 6px'>{note}</span>"


LEGEND = (f"Each box is a file, made from the files its arrows come from; its colour and note say what today's "
          f"run did to it. {_swatch('changed')} a raw source changed ('same': it did not); "
          f"{_swatch('rewritten')} today's run wrote it again; {_swatch('reused')} kept from yesterday; "
          f"{_swatch('bug enters')} where the bug entered (jungle); {_swatch('check fails')} the step whose check "
          f"stopped the run (DAG); {_swatch('wrong')} carries the bug on; {_swatch('not written')} downstream of a "
          "failed check. Table: the four home models, as trained and not retrained, scoring today's features of the "
          "held-out users: the share of their decisions that flip, and their quality before and after.")


class PrepExplorer(Explorer, w.VBox):
    """Pick what changed and which pipeline; see the files, the work redone and the models."""

    def __init__(self, world: World | None = None, scenario: str = "orders_db changed", pipeline: str = "jungle"):
        check_scenario(scenario)
        check_pipeline(pipeline)
        self.world = world or build_world()
        self._views = {(s, p): prep_view(self.world, p, s) for s in SCENARIOS for p in PIPELINES}
        self.pictures = {p: prep_picture(p) for p in PIPELINES}
        self.scenario = w.Dropdown(options=list(SCENARIOS), value=scenario, description="what changed",
                                   style={"description_width": "initial"})
        self.pipeline = w.ToggleButtons(options=list(PIPELINES), value=pipeline, description="pipeline",
                                        style={"button_width": "72px", "description_width": "initial"})
        super().__init__([w.HBox([self.scenario, self.pipeline]), *self._view_widgets(LEGEND)])
        for control in (self.scenario, self.pipeline):
            control.observe(self._on_change, names="value")
        self.refresh()

    @property
    def picture(self):
        return self.pictures[self.pipeline.value]

    def __repr__(self) -> str:
        return "PrepExplorer(live widget: run the notebook to use it)"

    def select(self, scenario: str, pipeline: str | None = None) -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_scenario(scenario)
        if pipeline is not None:
            check_pipeline(pipeline)
        with self._quietly():
            self.scenario.value = scenario
            if pipeline is not None:
                self.pipeline.value = pipeline
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.scenario.value, self.pipeline.value)]
        self.show(self.picture, view, table_html(view),
                  f"<small>{html.escape(SCENARIOS[self.scenario.value])}.</small>")

    def results_text(self) -> str:
        """The current state, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}: {SCENARIOS[view.scenario]}\n{view.summary}\n{rows}"
