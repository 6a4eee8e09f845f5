"""Lesson 13's widget: pick a smell and smelly or fixed code; see the decisions it flips.

Building the explorer measures the three smells, smelly and fixed, once (well under a second); after
that a change only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = SmellExplorer()
>>> explorer.select("multiple languages", "fixed")
>>> explorer.view.notes["basket (numpy)"], explorer.view.notes["vip_programme"]
('runs the SQL query', 'flipped: 0.0%')
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.common_smells.experiment import SMELL_HELP, SMELLS, VERSIONS, check_smell, check_version
from mldebt_lessons.lessons.common_smells.view import FIXED_FILL, SMELLY_FILL, smell_picture, smell_view, table_html
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{SMELLY_FILL};color:black;padding:0 6px'>vermillion</span> the smelly code "
          "step, and a consumer whose decisions flip; "
          f"<span style='background:{FIXED_FILL};color:black;padding:0 6px'>green</span> the fixed step, and a "
          "consumer with nothing flipped; grey: the rest of the chosen smell's path. Flipped: decisions that differ "
          "from what the code was meant to decide. Small test: one short test of the code, run on each version.")


class SmellExplorer(Explorer, w.VBox):
    """Pick a smell and a version of Larkspur's code; see the inputs it gets wrong and the decisions it flips."""

    def __init__(self, world: World | None = None, smell: str = SMELLS[0], version: str = "smelly"):
        check_smell(smell)
        check_version(version)
        self.world = world or build_world()
        self._views = {(s, v): smell_view(self.world, s, v) for s in SMELLS for v in VERSIONS}
        self.picture = smell_picture()
        self.smell = w.Dropdown(options=list(SMELLS), value=smell, description="smell",
                                style={"description_width": "initial"})
        self.version = w.ToggleButtons(options=list(VERSIONS), value=version, description="code",
                                       style={"description_width": "initial"})
        super().__init__([w.HBox([self.smell, self.version]), *self._view_widgets(LEGEND)])
        for control in (self.smell, self.version):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "SmellExplorer(live widget: run the notebook to use it)"

    def select(self, smell: str, version: str = "smelly") -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_smell(smell)
        check_version(version)
        with self._quietly():
            self.smell.value = smell
            self.version.value = version
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.smell.value, self.version.value)]
        self.show(self.picture, view, table_html(view), f"<small>{html.escape(SMELL_HELP[self.smell.value])}</small>")

    def results_text(self) -> str:
        """The current smell's results, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}: {SMELL_HELP[view.smell]}\n{view.summary}\n{rows}"
