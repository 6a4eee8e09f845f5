"""Lesson 15's widget: retraining rounds, drift and a threshold policy; watch the threshold's consumers.

Building the explorer fits the fraud model of every round under every drift once (under a second); after
that a change only looks the view up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = ThresholdExplorer()
>>> explorer.select("fast", 3, "keep capacity")
>>> explorer.view.notes["hold_threshold"].startswith("keep capacity")
True
"""

from __future__ import annotations

import html
from fractions import Fraction

import ipywidgets as w

from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.lessons.fixed_thresholds.experiment import NOISE_SES, POLICIES, check_policy
from mldebt_lessons.lessons.fixed_thresholds.view import (
    OFF_FILL,
    ON_FILL,
    QUEUE_BAND,
    SPAIN_MIN_USERS,
    table_html,
    threshold_picture,
    threshold_view,
)
from mldebt_lessons.shop.retraining import DRIFTS, ROUNDS, check_drift, check_round
from mldebt_lessons.shop.world import World, build_world

POLICY_HELP = {
    "fixed": "fixed: 0.15, picked by hand for the model of round 0, never touched again.",
    "keep precision": "keep precision: at each retrain, the lowest threshold whose precision on held-out users "
                      "reaches round 0's precision.",
    "keep capacity": "keep capacity: at each retrain, the lowest threshold that holds no more of the held-out "
                     "orders than the review team's capacity.",
}
def _fraction(value: float) -> str:
    return str(Fraction(value).limit_denominator(10))


LEGEND = (f"<span style='background:{OFF_FILL};color:black;padding:0 6px'>vermillion</span> a consumer off its "
          f"round-0 target; <span style='background:{ON_FILL};color:black;padding:0 6px'>green</span> on target: "
          f"a queue within {_fraction(QUEUE_BAND[0])} to {_fraction(QUEUE_BAND[1])} of what it was staffed for (the home queue: "
          "the capacity; Spain's: what Spain's model held in round 0, and a move of fewer than "
          f"{SPAIN_MIN_USERS} of its users never counts); precision and recall no more than "
          f"{NOISE_SES} standard errors below target, the sampling noise of two samples of users (computed from "
          "the counts: orders held, fraudulent users), so round 0 is never off. The chart under the graph: share of orders held under each "
          "policy, round by round; the circle marks the state shown. Round 1 retrains on a fresh window; round 2 "
          "on, legitimate users are kept one in three for training; round 3 on, session_count is a new input. "
          "Measured on each round's live users.")


class ThresholdExplorer(Explorer, w.VBox):
    """Pick a drift, a retraining round and a threshold policy; see the queue and its consumers."""

    def __init__(self, world: World | None = None, drift: str = "none", round_: int = 2, policy: str = "fixed"):
        check_drift(drift)
        check_round(round_)
        check_policy(policy)
        self.world = world or build_world()
        self._views = {(d, r, p): threshold_view(self.world, d, r, p)
                       for d in DRIFTS for r in ROUNDS for p in POLICIES}
        self._tables = {key: table_html(view) for key, view in self._views.items()}
        self.picture = threshold_picture()
        self.policy = w.Dropdown(options=list(POLICIES), value=policy, description="threshold policy",
                                 style={"description_width": "initial"})
        self.drift = w.ToggleButtons(options=list(DRIFTS), value=drift, description="drift",
                                     style={"description_width": "initial"})
        self.rounds = w.IntSlider(value=round_, min=ROUNDS[0], max=ROUNDS[-1], description="round")
        super().__init__([w.HBox([self.policy, self.rounds]), self.drift, *self._view_widgets(LEGEND)])
        for control in (self.policy, self.drift, self.rounds):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "ThresholdExplorer(live widget: run the notebook to use it)"

    def select(self, drift: str, round_: int, policy: str = "fixed") -> None:
        """Set the three controls, as a learner would, and refresh once."""
        check_drift(drift)
        check_round(round_)
        check_policy(policy)
        with self._quietly():
            self.drift.value = drift
            self.rounds.value = int(round_)
            self.policy.value = policy
        self.refresh()

    def refresh(self) -> None:
        key = (self.drift.value, self.rounds.value, self.policy.value)
        self.picture.chart = self._views[key].chart
        self.show(self.picture, self._views[key], self._tables[key],
                  f"<small>{html.escape(POLICY_HELP[self.policy.value])}</small>")

    def results_text(self) -> str:
        """The current state's results, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\n{rows}"
