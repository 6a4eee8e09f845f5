"""Lesson 11's widget: choose which servers missed the release, when someone notices, and whether the dead
code had been pruned; watch which path each server runs and what it costs.

Building the explorer measures every scenario once; after that a change only looks the view up and
recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = ReleaseExplorer()
>>> explorer.select("srv-7 and srv-8", 30, "pruned")
>>> "pruned: not in the code" in explorer.picture.svg().decode()
True
"""

from __future__ import annotations

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import (
    DEFAULT_MINUTES,
    DETECTION_CHOICES,
    OLD_SERVER_CHOICES,
    check_minutes,
)
from mldebt_lessons.lessons.dead_experimental_codepaths.view import (
    CODE_CHOICES,
    DEAD_FILL,
    LIVE_FILL,
    OLD_FILL,
    WOKEN_FILL,
    release_picture,
    release_view,
    table_html,
)
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{WOKEN_FILL};color:black;padding:0 6px'>vermillion</span> the woken 2019 "
          f"experiment and the servers running it; <span style='background:{LIVE_FILL};color:black;padding:0 6px'>"
          f"green</span> release 42 and the paths it runs; <span style='background:{OLD_FILL};color:black;"
          f"padding:0 6px'>yellow</span> an old server with pruned code; <span style='background:{DEAD_FILL};"
          "color:black;padding:0 6px'>grey</span> a path no server runs. A dark arrow: the path a server's code "
          "takes on release day, when `fast_lane` is switched on everywhere; thin grey lines: paths not taken.")


class ReleaseExplorer(Explorer, w.VBox):
    """Pick the servers left on release 41, the minute someone notices, and pruned or not; see the loss."""

    def __init__(self, world: World | None = None, old: str = "srv-8", minutes: int = DEFAULT_MINUTES,
                 code: str = "left in"):
        self.world = world or build_world()
        self._views = {(o, m, c): release_view(self.world, o, m, c == "pruned")
                       for o in OLD_SERVER_CHOICES for m in DETECTION_CHOICES for c in CODE_CHOICES}
        self.picture = release_picture()
        self.old = w.Dropdown(options=list(OLD_SERVER_CHOICES), value=self._check_old(old),
                              description="left on release 41", style={"description_width": "initial"})
        self.minutes = w.IntSlider(value=minutes, min=DETECTION_CHOICES[0], max=DETECTION_CHOICES[-1],
                                   step=DETECTION_CHOICES[1] - DETECTION_CHOICES[0], description="noticed after (min)",
                                   style={"description_width": "initial"})
        self.code = w.ToggleButtons(options=list(CODE_CHOICES), value=self._check_code(code), description="dead code")
        super().__init__([self.old, self.minutes, self.code, *self._view_widgets(LEGEND)])
        for control in (self.old, self.minutes, self.code):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "ReleaseExplorer(live widget: run the notebook to use it)"

    @staticmethod
    def _check_old(old):
        if old not in OLD_SERVER_CHOICES:
            raise unknown_choice("choice of old servers", old, OLD_SERVER_CHOICES)
        return old

    @staticmethod
    def _check_code(code):
        if code not in CODE_CHOICES:
            raise unknown_choice("dead-code choice", code, CODE_CHOICES)
        return code

    def select(self, old: str = "srv-8", minutes: int = DEFAULT_MINUTES, code: str = "left in") -> None:
        """Set the three controls, as a learner would, and refresh once."""
        minutes = check_minutes(minutes)
        if minutes not in DETECTION_CHOICES:
            raise unknown_choice("detection minute", minutes, [str(m) for m in DETECTION_CHOICES])
        with self._quietly():
            self.old.value = self._check_old(old)
            self.minutes.value = minutes
            self.code.value = self._check_code(code)
        self.refresh()

    def refresh(self) -> None:
        view = self._views[(self.old.value, self.minutes.value, self.code.value)]
        self.show(self.picture, view, table_html(view))

    def results_text(self) -> str:
        """The current scenario, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\nflags:\n{rows}"
