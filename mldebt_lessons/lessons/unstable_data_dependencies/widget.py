"""Lesson 04's widget: pick an upstream change, a consumption policy and a release; watch every model's
error against the truth, and the ripple through the graph.

Building the explorer measures every (change, policy, release) once (a few seconds: it retrains the
readers at each release a policy or the yardstick needs); after that, each change of a control only
looks the result up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = UpstreamExplorer()
>>> explorer.select("currency_table", "live", 4)
>>> "version 2" in explorer.summary.value
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.unstable_data_dependencies.experiment import (
    CHANGES,
    LAST,
    POLICIES,
    POLICY_HELP,
    RELEASES,
    check_policy,
    timeline_text,
)
from mldebt_lessons.lessons.unstable_data_dependencies.view import (
    BETTER_COLOUR,
    WORSE_COLOUR,
    POLICY_LABELS,
    all_views,
    errors_table_html,
    release_picture,
)
from mldebt_lessons.shop.upstream import check_release, upstream_change
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{CHANGED_FILL};padding:0 6px'>yellow</span> the upstream signal that changes "
          "(its note: the version the readers read); "
          f"<span style='background:{blend(WORSE_COLOUR, 0.4)};padding:0 6px'>pale</span> to "
          f"<span style='background:{WORSE_COLOUR};color:white;padding:0 6px'>dark vermillion</span> a model whose "
          "error against the truth is larger than at release 0 (darker: larger), and the consumers acting on it; "
          f"<span style='background:{blend(BETTER_COLOUR, 0.35)};padding:0 6px'>blue</span> smaller. Each model's "
          "note: its error at release 0 → at the release shown. Dark arrows: where the change flows.")


class UpstreamExplorer(Explorer, w.VBox):
    """Pick an upstream change, a policy and a release; see each model's error and the ripple."""

    def __init__(self, world: World | None = None, change: str = "bot_filter", policy: str = "live",
                 release: int = LAST):
        upstream_change(change), check_policy(policy), check_release(release)
        self.world = world or build_world()
        self._views = all_views(self.world)  # measure everything now, so callbacks only look up
        self._tables = {key: errors_table_html(self.world, *key) for key in self._views}
        self.picture = release_picture(self.world)  # each state paints its own title: change, policy, release
        # One control a row, each narrower than a notebook's output area at 1024 px (no sideways scroll).
        self.change = w.Dropdown(options=list(CHANGES), value=change, description="upstream change",
                                 style={"description_width": "initial"}, layout=w.Layout(width="340px"))
        self.policy = w.ToggleButtons(options=[(POLICY_LABELS[p], p) for p in POLICIES], value=policy,
                                      description="policy", tooltips=[POLICY_HELP[p] for p in POLICIES],
                                      style={"button_width": "150px"})
        self.release = w.IntSlider(value=release, min=0, max=RELEASES - 1, description="release",
                                   continuous_update=True, layout=w.Layout(width="340px"))
        super().__init__([self.change, self.policy, self.release, *self._view_widgets(LEGEND)])
        for control in (self.change, self.policy, self.release):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "UpstreamExplorer(live widget: run the notebook to use it)"

    def select(self, change: str, policy: str, release: int) -> None:
        """Set every control, as a learner would, and refresh once."""
        upstream_change(change), check_policy(policy), check_release(release)
        with self._quietly():
            self.change.value = change
            self.policy.value = policy
            self.release.value = int(release)
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current selection: look up, recolour, done."""
        key = (self.change.value, self.policy.value, self.release.value)
        spec = upstream_change(key[0])
        help_text = (f"{spec.signal} ({spec.owner}): {spec.what}. Month by month: {spec.drift}. At the change: "
                     f"{spec.change}. Policy: {POLICY_HELP[key[1]]}.")
        self.show(self.picture, self._views[key], self._tables[key], f"<small>{html.escape(help_text)}</small>")

    def results_text(self) -> str:
        """The current selection and every model's error at every release, for an AI tutor."""
        change, policy, release = self.change.value, self.policy.value, self.release.value
        return "\n".join([f"Selected: upstream change {change}, policy {policy}, release {release}.",
                          self._views[(change, policy, release)].summary,
                          *(timeline_text(self.world, change, p) for p in POLICIES)])
