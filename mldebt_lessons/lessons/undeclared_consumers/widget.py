"""Lesson 03's widget: change a model's output and see who was told and who silently broke.

Building the explorer measures every (model, change) pair once, for both "declared readers are
told" and "every reader is told" (a second or two); after that, each change only looks the
result up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = ConsumerExplorer()
>>> explorer.select("churn_model", "reformat")
>>> "ads_ranker was not told" in explorer.summary.value
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.undeclared_consumers.experiment import (
    CHANGEABLE_MODELS,
    OUTPUT_CHANGES,
    change_description,
    check_output_change,
    declared_consumers,
    measure_output_change,
    outcomes_text,
    undeclared_readers,
)
from mldebt_lessons.lessons.undeclared_consumers.view import (
    SILENT_COLOUR,
    TOLD_COLOUR,
    all_views,
    outcomes_html,
    reader_picture,
    told_readers,
)
from mldebt_lessons.shop.lineage import observed_reads
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{CHANGED_FILL};padding:0 6px'>yellow</span> the model whose output changed; "
          f"<span style='background:{blend(TOLD_COLOUR, 0.45)};padding:0 6px'>blue</span> a consumer that was told "
          f"and adapted; <span style='background:{blend(SILENT_COLOUR, 0.4)};padding:0 6px'>pale</span> to "
          f"<span style='background:{SILENT_COLOUR};color:white;padding:0 6px'>dark vermillion</span> a consumer "
          "that was not told, darker for a bigger loss. Dashed arrow: a read nobody declared. Each box's note "
          "gives its outcome per 1,000 users, before -> after, in its own unit (£ or people reached).")


TELL_LABEL = "tell undeclared readers too"
TELL_TOOLTIP = "The owner tells every reader the access log shows, declared or not."


class ConsumerExplorer(Explorer, w.VBox):
    """Pick a model and an output change; watch declared consumers adapt and the undeclared one break."""

    def __init__(self, world: World | None = None, model: str = "churn_model", change: str = "rescale",
                 tell_undeclared: bool = False):
        check_output_change(model, change)
        self.world = world or build_world()
        self._views = all_views(self.world)  # measure everything now, so callbacks only look up
        self.picture = reader_picture(self.world, f"{self.world.company}: who reads a model's output?")
        self.model = w.Dropdown(options=list(CHANGEABLE_MODELS), value=model, description="model")
        self.change = w.ToggleButtons(options=list(OUTPUT_CHANGES), value=change, description="change")
        self.tell = w.Checkbox(value=tell_undeclared, indent=False, description=TELL_LABEL, tooltip=TELL_TOOLTIP,
                               layout=w.Layout(width="auto"))
        super().__init__([w.HBox([self.model, self.tell]), self.change, *self._view_widgets(LEGEND)])
        for control in (self.model, self.change, self.tell):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "ConsumerExplorer(live widget: run the notebook to use it)"

    def select(self, model: str, change: str, tell_undeclared: bool = False) -> None:
        """Set every control, as a learner would, and refresh once."""
        check_output_change(model, change)
        with self._quietly():
            self.model.value = model
            self.change.value = change
            self.tell.value = bool(tell_undeclared)
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current selection: look up, recolour, done."""
        view = self._views[(self.model.value, self.change.value, self.tell.value)]
        help_text = change_description(self.model.value, self.change.value)
        self.show(self.picture, view, outcomes_html(view.table_rows), f"<small>{html.escape(help_text)}</small>")

    def results_text(self) -> str:
        """The current selection, what the access log shows, and every measured outcome, for an AI tutor."""
        m, c, tell = self.model.value, self.change.value, self.tell.value
        audit = undeclared_readers(declared_consumers(self.world.graph), observed_reads(self.world, days=1))[m]
        outcomes = measure_output_change(self.world, m, c, told_readers(self.world, m, tell))
        lines = [f"Access log for {m}: declared readers {', '.join(audit.declared) or 'none'}; "
                 f"observed readers {', '.join(audit.observed) or 'none'}; "
                 f"undeclared {', '.join(audit.undeclared) or 'none'}.",
                 "The owner told " + ("every reader in the access log." if tell else "only the declared readers."),
                 outcomes_text(m, c, outcomes)]
        return "\n".join(lines)
