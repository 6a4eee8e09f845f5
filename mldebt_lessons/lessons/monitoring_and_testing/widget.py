"""Lesson 16's widget: pick a fault and the monitors that watch Larkspur's stream; see the timeline.

Building the explorer runs every monitor on every fault's stream once (cached); after that a change
only combines ready alarms and fills in a ready-made SVG timeline.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = MonitorExplorer()
>>> explorer.select("slice_shift", ("ks", "psi"))
>>> explorer.view.delay is None
True
>>> explorer.select("slice_shift", ("bias_by_slice",))
>>> explorer.view.delay >= 7
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.monitoring_and_testing.experiment import DEMO_MONITORS, MONITORS, check_monitors
from mldebt_lessons.lessons.monitoring_and_testing.view import (
    CAUGHT,
    FALSE,
    HARM_COLOUR,
    TimelinePicture,
    table_html,
    timeline_view,
)
from mldebt_lessons.shop.stream import FAULTS, check_fault
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='color:{CAUGHT}'>&#9646;</span> an alarm the fault caused; "
          f"<span style='color:{FALSE}'>&#9646;</span> a false alarm (it rings on the fault-free stream too); "
          "monitors in bold are watching, the others' alarms are hidden. Grey band: the reference window. "
          f"<span style='color:{HARM_COLOUR}'>Blue line</span>: decisions the fault has turned wrong so far, solid "
          "until the fault is caught, dashed after (what catching it saves).")
FAULT_OPTIONS = [(f"{name}: {fault.what}", name) for name, fault in FAULTS.items() if name != "none"] + [
    ("none: the control, no fault", "none")]


class MonitorExplorer(Explorer, w.VBox):
    """Pick a fault and a set of monitors; see each monitor's alarms, the day the fault is caught and the harm."""

    def __init__(self, world: World | None = None, fault: str = "unit_change", monitors=DEMO_MONITORS):
        check_fault(fault)
        monitors = check_monitors(monitors)
        self.world = world or build_world()
        for name in FAULTS:  # measure every fault with every monitor once, so a change only looks up
            timeline_view(self.world, name, tuple(MONITORS))
        self.picture = TimelinePicture()
        self.fault = w.Dropdown(options=FAULT_OPTIONS, value=fault, description="fault",
                                style={"description_width": "initial"}, layout=w.Layout(width="100%"))
        buttons = self._toggle_row({name: (m.label, m.what) for name, m in MONITORS.items()}, monitors)
        super().__init__([self.fault, w.HTML("<small>monitors watching (click to switch on or off):</small>"),
                          buttons, *self._view_widgets(LEGEND)])
        self.fault.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "MonitorExplorer(live widget: run the notebook to use it)"

    @property
    def monitors(self) -> tuple[str, ...]:
        return self._pressed()

    def select(self, fault: str, monitors=DEMO_MONITORS) -> None:
        """Set the fault and the monitors, as a learner would, and refresh once."""
        check_fault(fault)
        chosen = check_monitors(monitors)
        with self._quietly():
            self.fault.value = fault
            self._press_only(chosen)
        self.refresh()

    def refresh(self) -> None:
        view = timeline_view(self.world, self.fault.value, self.monitors)
        self.picture.paint(view)
        self._at_own_size(self.picture)
        self.image.value = self.picture.svg()
        self.change_help.value = f"<small>{html.escape(FAULTS[view.fault].what)}</small>"
        self.summary.value = f"<b>{html.escape(view.summary)}</b>"
        self.table.value = table_html(view)
        self.view = view

    def results_text(self) -> str:
        """The current state and every monitor's result on this fault, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\n{rows}"
