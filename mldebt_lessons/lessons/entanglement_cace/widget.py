"""Lesson 01's widget: pick what changes (a feature or a model), how, and the mode; watch the ripple.

The explorer measures every experiment once, when it is built (noise floor included), then answers
each change by looking results up and recolouring a ready-made SVG.

>>> explorer = CaceExplorer()
>>> explorer.select("session_count", "log", "retrained")
>>> "session_count" in explorer.summary.value
True
>>> explorer.select("fraud_model", "raise threshold", "retrained")
>>> "noise floor" in explorer.table.value
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, GraphPicture, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.entanglement_cace.experiment import (
    MODE_HELP,
    MODE_LABELS,
    MODES,
    all_experiments,
    change_help,
    changes_of,
    check_mode,
    check_target_change,
    measure_cace,
    targets,
)
from mldebt_lessons.lessons.entanglement_cace.view import (
    EFFECT_COLOUR,
    cace_view,
    table_html,
)
from mldebt_lessons.shop.features import FEATURES_BY_NAME
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{CHANGED_FILL};color:black;padding:0 6px'>yellow</span> what you changed; "
          f"<span style='background:{blend(EFFECT_COLOUR, 0.35)};color:black;padding:0 6px'>pale</span> to "
          f"<span style='background:{EFFECT_COLOUR};color:white;padding:0 6px'>dark vermillion</span> more "
          "decisions flipped; white: no change. Dark arrows trace the ripple. Each box also says its number.")


def target_label(target: str) -> str:
    """How a target is listed in the dropdown.

    >>> target_label("user_age"), target_label("churn_model")
    ('feature: user_age', 'model: churn_model')
    """
    return f"{'feature' if target in FEATURES_BY_NAME else 'model'}: {target}"


class CaceExplorer(Explorer, w.VBox):
    """Pick a feature or a model, a change and a mode; watch the measured ripple through Larkspur."""

    def __init__(self, world: World | None = None, feature: str = "user_age", change: str = "units",
                 mode: str = "serving"):
        self.world = world or build_world()
        for pair in all_experiments():  # measure everything now, so callbacks only look up
            for m in MODES:
                measure_cace(self.world, *pair, m)
        self.picture = GraphPicture(self.world.graph, title=f"{self.world.company}: the ripple of one change")
        # `feature` holds what changes: a feature, or a model whose own settings change.
        self.feature = w.Dropdown(options=[(target_label(t), t) for t in targets()], value=feature,
                                  description="what", layout=w.Layout(width="300px"))
        self.change = w.Dropdown(options=changes_of(feature), value=change, description="change",
                                 layout=w.Layout(width="340px"))
        self.mode = w.ToggleButtons(options=[(MODE_LABELS[m], m) for m in MODES], value=mode,
                                    tooltips=[MODE_HELP[m] for m in MODES], style={"button_width": "300px"})
        self.change_help = w.HTML()
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width="980px"))
        self.summary = w.HTML()
        self.table = w.HTML(layout=w.Layout(max_width="100%", overflow="auto"))
        super().__init__([w.HBox([self.feature, self.change]), self.change_help, self.mode, self.image,
                          w.HTML(f"<small>{LEGEND}</small>"), self.summary, self.table])
        self.feature.observe(self._on_feature, names="value")
        self.change.observe(self._on_change, names="value")
        self.mode.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "CaceExplorer(live widget: run the notebook to use it)"

    def _on_feature(self, _):
        options = changes_of(self.feature.value)
        keep = self.change.value if self.change.value in options else options[0]
        with self._quietly():
            self.change.options = options
            self.change.value = keep
        if not self._quiet:
            self.refresh()

    def select(self, target: str, change: str, mode: str) -> None:
        """Set all three controls, as a learner would, and refresh once."""
        check_target_change(target, change)
        check_mode(mode)
        with self._quietly():
            self.feature.value = target
            self.change.value = change
            self.mode.value = mode
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current selection: look up, recolour, done."""
        target, change, mode = self.feature.value, self.change.value, self.mode.value
        view = cace_view(self.world, target, change, mode)
        self.show(self.picture, view, table_html(view.table_rows),
                  f"<small>{html.escape(change_help(target, change))}</small>")

    def results_text(self) -> str:
        """The current selection and its measured effects, as text for an AI tutor."""
        from mldebt_lessons.lessons.entanglement_cace.experiment import effects_text
        f, c, m = self.feature.value, self.change.value, self.mode.value
        return effects_text(f, c, m, measure_cace(self.world, f, c, m))
