"""Lesson 05's widget: tick candidate features in or out of churn_model; see quality, fragility and cost.

Building the explorer fits every one of the 64 subsets of candidates once (a fraction of a second);
after that, a tick only looks the result up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = FeatureExplorer()
>>> explorer.select(["inactive_30d"])
>>> "inactive_30d" in explorer.summary.value
True
"""

from __future__ import annotations

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
    BUNDLE,
    CANDIDATE_NAMES,
    all_qualities,
    check_features,
    world_change_text,
)
from mldebt_lessons.lessons.underutilized_data_dependencies.view import (
    feature_picture,
    feature_view,
    table_html,
)
from mldebt_lessons.shop.candidates import CANDIDATES_BY_NAME
from mldebt_lessons.shop.world import World, build_world

LEGEND = ("Ticked features are read by churn_model: blue, or vermillion for one the world changes a year later. "
          "Orange sources feed the model. The model's box shows its loss today -> a year later, vermillion when it "
          "gets worse; dark arrows are the dependencies the model has now.")


CUSTOM = "your own ticks"
PRESETS = {  # a starting point, chosen from the keyboard; ticking a box makes it "your own ticks",
    # and choosing "your own ticks" again brings back the last boxes the learner ticked
    "every candidate": CANDIDATE_NAMES,
    "today's inputs only": (),
    "pruned: + inactive_30d": ("inactive_30d",),
    "the engagement bundle": BUNDLE,
    "only the legacy code": ("platform_code_v1",),
    "only the catalogue flag": ("catalogue_subscriber",),
    CUSTOM: None,
}
PRESET_LABEL = "start from"


def preset_of(ticked) -> str:
    """The preset that ticks exactly ``ticked``, or "your own ticks".

    >>> preset_of({"inactive_30d"}), preset_of({"scroll_depth"})
    ('pruned: + inactive_30d', 'your own ticks')
    """
    return next((name for name, names in PRESETS.items() if names is not None and set(names) == set(ticked)), CUSTOM)


def check_candidates(ticked) -> tuple[str, ...]:
    """``ticked`` as candidate names; a one-line error for anything else (today's inputs are always read)."""
    names = check_features(ticked)
    for name in names:
        if name not in CANDIDATE_NAMES:
            raise unknown_choice("candidate feature", name, CANDIDATE_NAMES)
    return names


class FeatureExplorer(Explorer, w.VBox):
    """Tick candidate features in or out; watch the loss, the fragility and the dependencies change."""

    def __init__(self, world: World | None = None, ticked=CANDIDATE_NAMES):
        self.world = world or build_world()
        ticked = check_candidates(ticked)
        self._own_ticks = frozenset(ticked)  # the learner's last choice that is no preset
        self._qualities = all_qualities(self.world)  # every subset fitted now
        self._views = {k: feature_view(self.world, k) for k in self._qualities}
        self.picture = feature_picture(self.world, f"{self.world.company}: what churn_model reads")
        self.boxes = {name: w.Checkbox(value=name in ticked, description=f"{name} ({CANDIDATES_BY_NAME[name].kind})",
                                       indent=False, layout=w.Layout(width="auto"))
                      for name in CANDIDATE_NAMES}
        self.preset = w.Dropdown(options=list(PRESETS), value=preset_of(ticked), description=PRESET_LABEL,
                                 layout=w.Layout(width="auto"))
        super().__init__([self.preset, w.HTML("<b>candidate features added to churn_model</b>"),
                          w.GridBox(list(self.boxes.values()), layout=w.Layout(grid_template_columns="1fr 1fr")),
                          *self._view_widgets(LEGEND)])
        self.change_help.value = f"<small>{world_change_text()}</small>"
        for box in self.boxes.values():
            box.observe(self._on_change, names="value")
        self.preset.observe(self._on_preset, names="value")
        self.refresh()

    def _on_preset(self, change) -> None:
        if not self._quiet:
            chosen = PRESETS.get(change["new"])
            self.select(self._own_ticks if chosen is None else chosen)

    def __repr__(self) -> str:
        return "FeatureExplorer(live widget: run the notebook to use it)"

    @property
    def ticked(self) -> frozenset:
        return frozenset(n for n, b in self.boxes.items() if b.value)

    def select(self, ticked) -> None:
        """Tick exactly these candidates, as a learner would, and refresh once."""
        chosen = set(check_candidates(ticked))
        with self._quietly():
            for name, box in self.boxes.items():
                box.value = name in chosen
        self.refresh()

    def refresh(self) -> None:
        """Look up the view of the ticked set, recolour, and show which preset (if any) it is."""
        preset = preset_of(self.ticked)
        if preset == CUSTOM:
            self._own_ticks = self.ticked
        with self._quietly():
            self.preset.value = preset
        view = self._views[self.ticked]
        self.show(self.picture, view, table_html(view.table_rows))

    def results_text(self) -> str:
        """The current choice and its measured quality, fragility and cost, for an AI tutor."""
        return self._views[self.ticked].summary
