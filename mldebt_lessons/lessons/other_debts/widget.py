"""Lesson 17's widget: pick one of tonight's seeded data faults and the checks that run; see what is stopped.

Building the explorer runs every check on every faulty batch and scores every model on it once (cached);
after that a change only recolours a ready-made SVG grid.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = CheckExplorer()
>>> explorer.select("signup_reset", ("schema", "range", "nulls", "unique"))
>>> explorer.view.title.startswith("signup_reset: slips through")
True
>>> explorer.select("signup_reset", ("distribution",))
>>> explorer.view.title
'signup_reset: stopped by KS, chi2'
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.other_debts.experiment import CHECKS, SANITY, check_checks
from mldebt_lessons.lessons.other_debts.view import ALARM, OFF, SHORT, SLIPPED, STOPPED, CheckGrid, check_view, table_html
from mldebt_lessons.shop.operations import FAULTS, check_fault
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='color:{ALARM}'>&#9679;</span> a check that is on raises an alarm on that batch; "
          f"<span style='color:{OFF}'>&#9675;</span> a check that is off would have. Bars: the decisions the "
          f"fault changes, <span style='color:{STOPPED}'>green</span> when a check that is on stops the batch, "
          f"<span style='color:{SLIPPED}'>vermillion</span> when it slips through to the models. The highlighted row "
          "is the fault chosen above.")
FAULT_OPTIONS = [(f"{name}: {fault.what}", name) for name, fault in FAULTS.items() if name != "none"] + [
    ("none: the clean batch (the control)", "none")]


class CheckExplorer(Explorer, w.VBox):
    """Pick a fault in tonight's batch and the checks that run; see which faults are stopped and what slips."""

    def __init__(self, world: World | None = None, fault: str = "signup_reset", checks=SANITY):
        check_fault(fault)
        checks = check_checks(checks)
        self.world = world or build_world()
        for name in FAULTS:  # run every check on every batch once, so a change only looks up
            check_view(self.world, name, tuple(CHECKS))
        self.picture = CheckGrid()
        self.fault = w.Dropdown(options=FAULT_OPTIONS, value=fault, description="fault",
                                style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        buttons = self._toggle_row({name: (SHORT[name], what) for name, what in CHECKS.items()}, checks)
        super().__init__([self.fault, w.HTML("<small>checks on tonight's batch (click to switch on or off):</small>"),
                          buttons, *self._view_widgets(LEGEND)])
        self.fault.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "CheckExplorer(live widget: run the notebook to use it)"

    @property
    def checks(self) -> tuple[str, ...]:
        return self._pressed()

    def select(self, fault: str, checks=SANITY) -> None:
        """Set the fault and the checks, as a learner would, and refresh once."""
        check_fault(fault)
        chosen = check_checks(checks)
        with self._quietly():
            self.fault.value = fault
            self._press_only(chosen)
        self.refresh()

    def refresh(self) -> None:
        view = check_view(self.world, self.fault.value, self.checks)
        self.picture.paint(view)
        self._at_own_size(self.picture)
        self.image.value = self.picture.svg()
        self.change_help.value = f"<small>{html.escape(FAULTS[view.fault].what)}</small>"
        self.summary.value = f"<b>{html.escape(view.summary)}</b>"
        self.table.value = table_html(view)
        self.view = view

    def results_text(self) -> str:
        """The current state and every check's result on this fault, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\n{rows}"
