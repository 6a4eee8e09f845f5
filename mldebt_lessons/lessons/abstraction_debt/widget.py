"""Lesson 12's widget: choose a bug and a version (ad hoc or Pipeline); see what it does to the score.

Building the explorer measures every bug in both versions once (under a second); after that a change
only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = PreparationExplorer()
>>> explorer.select("category order", "Pipeline")
>>> "same object" in explorer.picture.svg().decode()
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.abstraction_debt.experiment import BUGS, VERSIONS, check_bug
from mldebt_lessons.lessons.abstraction_debt.view import (
    IDLE_FILL,
    LEAK_FILL,
    SAFE_FILL,
    bug_picture,
    bug_view,
    table_html,
)
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{LEAK_FILL};color:white;padding:0 6px'>vermillion</span> a step fitted on rows "
          "it must not see, or re-coded by hand at serving, and the score it spoils; "
          f"<span style='background:{SAFE_FILL};padding:0 6px'>green</span> fitted on the training rows only, and "
          f"the same object at serving; <span style='background:{IDLE_FILL};padding:0 6px'>grey</span> a step this "
          "bug's model does not read. Dark arrows: what each step is fitted on (a leak) or what it prepares (a skew).")
VERSION_TOOLTIPS = ("arrays and dicts between hand-written functions", "one scikit-learn Pipeline object")


def check_version(version: str) -> None:
    if version not in VERSIONS:
        raise unknown_choice("version", version, VERSIONS)


class PreparationExplorer(Explorer, w.VBox):
    """Pick a leak or a skew and a version of the preparation; see the inflation or the flips."""

    def __init__(self, world: World | None = None, bug: str = "target encoding", version: str = "ad hoc"):
        check_bug(bug)
        check_version(version)
        self.world = world or build_world()
        self._views = {(b, v): bug_view(self.world, b, v) for b in BUGS for v in VERSIONS}
        self.picture = bug_picture()
        self.bug = w.Dropdown(options=list(BUGS), value=bug, description="bug")
        self.version = w.ToggleButtons(options=list(VERSIONS), value=version, description="version",
                                       tooltips=list(VERSION_TOOLTIPS))
        super().__init__([self.bug, self.version, *self._view_widgets(LEGEND)])
        for control in (self.bug, self.version):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "PreparationExplorer(live widget: run the notebook to use it)"

    def select(self, bug: str, version: str = "ad hoc") -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_bug(bug)
        check_version(version)
        with self._quietly():
            self.bug.value = bug
            self.version.value = version
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.bug.value, self.version.value)]
        self.show(self.picture, view, table_html(view), f"<small>{html.escape(BUGS[self.bug.value])}</small>")

    def results_text(self) -> str:
        """The current state and every bug's measured effect, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}: {BUGS[view.bug]}\n{view.summary}\n{rows}"
