"""Lesson 09's widget: pick a swap and a version; see the diff size, the files touched, and the ripple.

Building the explorer runs every swap once on the world (about a second); after that a change
only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = GlueExplorer()
>>> explorer.select("recommender → random forest", "behind an API")
>>> "mlapi.py" in explorer.table.value
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.glue_code.experiment import SWAP_LABELS, SWAPS
from mldebt_lessons.lessons.glue_code.view import (
    SWAP_COLOUR,
    VERSION_LABELS,
    swap_picture,
    swap_view,
    table_html,
)
from mldebt_lessons.shop.serving import VERSIONS
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{blend(SWAP_COLOUR, 0.7)};padding:0 6px'>vermillion</span> the swapped model; "
          f"<span style='background:{CHANGED_FILL};color:black;padding:0 6px'>yellow</span> a file the swap "
          "changes (the note says how many lines, counted with difflib); white: unchanged. Dark arrows: the files "
          "where the swapped model's estimator is built, scored or explained (behind the API: through mlapi.py).")
VERSION_BY_LABEL = {label: version for version, label in VERSION_LABELS.items()}
HELP = {"glued": "Glued: every job calls scikit-learn where it stands.",
        "api": "Behind an API: every job goes through mlapi.py (fit, score, explain)."}


class GlueExplorer(Explorer, w.VBox):
    """Pick a swap (a model and its new estimator family) and a version of the code."""

    def __init__(self, world: World | None = None, swap: str = SWAPS[0].label, version: str = "glued"):
        if swap not in SWAP_LABELS:
            raise unknown_choice("swap", swap, SWAP_LABELS)
        self.world = world or build_world()
        self._views = {(s.label, v): swap_view(self.world, s, v) for s in SWAPS for v in VERSIONS}
        self.pictures = {v: swap_picture(v) for v in VERSIONS}
        self.swap = w.Dropdown(options=list(SWAP_LABELS), value=swap, description="swap",
                               style={"description_width": "initial"})
        self.version = w.ToggleButtons(options=list(VERSION_BY_LABEL), value=VERSION_LABELS[version],
                                       description="version", style={"description_width": "initial"})
        super().__init__([w.HBox([self.swap]), self.version, *self._view_widgets(LEGEND)])
        for control in (self.swap, self.version):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "GlueExplorer(live widget: run the notebook to use it)"

    def select(self, swap: str, version: str = "glued") -> None:
        """Set both controls, as a learner would, and refresh once. ``version``: "glued", "api" or its label."""
        if swap not in SWAP_LABELS:
            raise unknown_choice("swap", swap, SWAP_LABELS)
        label = VERSION_LABELS.get(version, version)
        if label not in VERSION_BY_LABEL:
            raise unknown_choice("version", version, VERSIONS)
        with self._quietly():
            self.swap.value = swap
            self.version.value = label
        self.refresh()

    def refresh(self) -> None:
        version = VERSION_BY_LABEL[self.version.value]
        view = self._views[(self.swap.value, version)]
        self.show(self.pictures[version], view, table_html(view), f"<small>{html.escape(HELP[version])}</small>")

    def results_text(self) -> str:
        """The current swap and version, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\n{rows}"
