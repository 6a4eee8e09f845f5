"""Lesson 14's widget: pick a config edit and switch the checker on or off; see the diff, the verdict per
principle, and the ripple through features, models and consumers.

Building the explorer refits every edit's model once (well under a second after the world is built);
after that a change only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = ConfigExplorer()
>>> explorer.select("cheaper stand-in", "on")
>>> explorer.view.title
'cheaper stand-in, checker on: reaches production'
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.configuration_debt.experiment import MISTAKES, check_mistake
from mldebt_lessons.lessons.configuration_debt.view import (
    CHECKER,
    HARM_FILL,
    STOPPED_FILL,
    edit_picture,
    edit_view,
    table_html,
)
from mldebt_lessons.shop.world import World, build_world

LEGEND = ("<span style='background:#F0E442;color:black;padding:0 6px'>yellow</span> the edited config and the "
          "features the edit concerns; "
          f"<span style='background:{STOPPED_FILL};color:black;padding:0 6px'>green</span> a config the checker "
          "stops (or a model whose decisions do not change); "
          f"<span style='background:{HARM_FILL};color:black;padding:0 6px'>vermillion</span> a model whose "
          "decisions flip in production, and everything downstream that acts on them. The diff compares the "
          "edit with the reviewed config; the table gives the checker's verdict per principle.")


def check_checker(value: str) -> None:
    if value not in CHECKER:
        raise unknown_choice("checker setting", value, CHECKER)


class ConfigExplorer(Explorer, w.VBox):
    """Pick an edit to one of Larkspur's configs; see the diff, the checker's verdict and the ripple."""

    def __init__(self, world: World | None = None, mistake: str = "mis-logged days", checker: str = "on"):
        check_mistake(mistake)
        check_checker(checker)
        self.world = world or build_world()
        self._views = {(m, c): edit_view(self.world, m, c) for m in MISTAKES for c in CHECKER}
        self.picture = edit_picture()
        self.mistake = w.Dropdown(options=list(MISTAKES), value=mistake, description="config edit",
                                  style={"description_width": "initial"})
        self.checker = w.ToggleButtons(options=list(CHECKER), value=checker, description="checker",
                                       style={"description_width": "initial"})
        super().__init__([w.HBox([self.mistake, self.checker]), *self._view_widgets(LEGEND)])
        for control in (self.mistake, self.checker):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "ConfigExplorer(live widget: run the notebook to use it)"

    def select(self, mistake: str, checker: str = "on") -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_mistake(mistake)
        check_checker(checker)
        with self._quietly():
            self.mistake.value = mistake
            self.checker.value = checker
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.mistake.value, self.checker.value)]
        story = html.escape(MISTAKES[view.mistake].story)
        paper = MISTAKES[view.mistake].paper
        said = f" <i>(the paper: {html.escape(paper)})</i>" if paper else ""
        self.show(self.picture, view, table_html(view), f"<small>{story}{said}</small>{view.diff_html}")

    def results_text(self) -> str:
        """The current edit's results, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join(f"{r['P']} {r['principle']}: {r['verdict']} ({r['what the check found']})"
                         for r in view.table_rows)
        return f"{view.title}: {MISTAKES[view.mistake].story}\n{view.summary}\n{rows}"
