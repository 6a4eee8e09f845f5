"""Lesson 06's widget: delete a node, and see what a dependency view predicts against what really breaks.

Building the explorer re-runs the world once without each node it can delete (about a second); after
that, each choice only looks the result up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = DeletionExplorer()
>>> explorer.select("churn_model", "access log", True)
>>> "exactly right" in explorer.summary.value
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
    VIEW_HELP,
    VIEWS,
    check_deletable,
    deletable_nodes,
    predict,
    rerun_without,
)
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.view import (
    FILLS,
    MISSED_COLOUR,
    all_views,
    breakage_html,
    deletion_picture_base,
    longest_title,
)
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{CHANGED_FILL};padding:0 6px'>yellow</span> deleted; "
          f"<span style='background:{FILLS['found']};padding:0 6px'>blue</span> predicted, and it broke; "
          f"<span style='background:{MISSED_COLOUR};color:white;padding:0 6px'>vermillion</span> broke, and the "
          f"view MISSED it; <span style='background:{FILLS['false alarm']};padding:0 6px'>orange</span> predicted, "
          "but nothing changed. Dark arrows: the reads the chosen view knows along the way. Dashed arrow: a read "
          "nobody declared.")
CHAIN_LABEL = "follow chains (transitive closure)"
CHAIN_TOOLTIP = "Off: only the direct readers of the deleted node. On: everything downstream of them too."


class DeletionExplorer(Explorer, w.VBox):
    """Pick a node to delete and a view; see what the view predicts beside what the re-run breaks."""

    def __init__(self, world: World | None = None, node: str = "churn_model", view: str = "manifest",
                 transitive: bool = True):
        check_deletable(node)
        if view not in VIEWS:
            raise unknown_choice("view", view, VIEWS)
        self.world = world or build_world()
        self._views = all_views(self.world)  # re-run and score everything now, so callbacks only look up
        self.picture = deletion_picture_base(self.world, longest_title())  # each state shows its own title
        self.node = w.Dropdown(options=list(deletable_nodes()), value=node, description="delete")
        self.view_picker = w.ToggleButtons(options=list(VIEWS), value=view, description="view")
        self.chains = w.Checkbox(value=transitive, indent=False, description=CHAIN_LABEL, tooltip=CHAIN_TOOLTIP,
                                 layout=w.Layout(width="auto"))
        super().__init__([w.HBox([self.node, self.chains]), self.view_picker, *self._view_widgets(LEGEND)])
        for control in (self.node, self.view_picker, self.chains):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "DeletionExplorer(live widget: run the notebook to use it)"

    def select(self, node: str, view: str, transitive: bool = True) -> None:
        """Set every control, as a learner would, and refresh once."""
        check_deletable(node)
        if view not in VIEWS:
            raise unknown_choice("view", view, VIEWS)
        with self._quietly():
            self.node.value = node
            self.view_picker.value = view
            self.chains.value = bool(transitive)
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current choice: look up, recolour, done."""
        state = self._views[(self.node.value, self.view_picker.value, self.chains.value)]
        self.show(self.picture, state, breakage_html(state.table_rows),
                  f"<small>{html.escape('the ' + self.view_picker.value + ': ' + VIEW_HELP[self.view_picker.value])}</small>")

    def results_text(self) -> str:
        """The current choice, what every view predicted, and what broke, for an AI tutor."""
        node, transitive = self.node.value, self.chains.value
        broken = rerun_without(self.world, node).broken
        lines = [f"Deleted {node}; re-running the world without it broke: {', '.join(sorted(broken)) or 'nothing'}.",
                 "Views " + ("followed every chain (transitive closure)." if transitive else
                             "were asked for direct readers only.")]
        for view in VIEWS:
            p = predict(self.world, view, node, transitive)
            lines.append(f"  {view}: found {len(p.found)}, missed {', '.join(sorted(p.missed)) or 'none'}, "
                         f"false alarms {', '.join(sorted(p.false_alarms)) or 'none'}.")
        return "\n".join(lines)

