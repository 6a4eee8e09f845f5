"""Lesson 07's widget: pick an exploration rate and a number of rounds; watch the review loop narrow
what the fraud model learns from, or exploration widen it.

Building the explorer runs every rate for every round once (a tenth of a second); after that, each
change only looks the result up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = ReviewLoopExplorer()
>>> explorer.select(0.1, 4)
>>> "round 4" in explorer.view.title
True
"""

from __future__ import annotations

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL, blend
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
    DEFAULT_EXPLORE,
    EXPLORE_RATES,
    MAX_ROUNDS,
    check_explore,
)
from mldebt_lessons.lessons.direct_feedback_loops.view import (
    LOOP_COLOUR,
    RANDOM_COLOUR,
    all_views,
    loop_picture,
    rate_label,
    rounds_text,
    table_html,
)
from mldebt_lessons.shop.world import World, build_world

LEGEND = (f"<span style='background:{CHANGED_FILL};padding:0 6px'>yellow</span> the fraud model, drawn twice: "
          "this round (left) and next round (right), retrained on this round's labels. "
          f"<span style='background:{blend(LOOP_COLOUR, 0.45)};padding:0 6px'>vermillion</span> the loop: the model "
          "picks the review queue, the queue's labels retrain the model, and the retrained model picks the next "
          "queue (the darker the labels box, the more cases were never relabelled). "
          f"<span style='background:{blend(RANDOM_COLOUR, 0.45)};padding:0 6px'>blue</span> random picks "
          "(exploration): reviews the model did not choose. Dark arrows: the paths that feed this round's labels; "
          "a grey arrow carries nothing this round.")

RATE_LABEL = "explore"
ROUNDS_LABEL = "rounds"


def check_rounds(rounds) -> int:
    """``rounds`` as an int from 1 to :data:`MAX_ROUNDS`, or a clear error."""
    if isinstance(rounds, bool) or not isinstance(rounds, (int, float)) or rounds != int(rounds) \
            or not 1 <= rounds <= MAX_ROUNDS:
        raise CourseInputError(f"rounds is a whole number from 1 to {MAX_ROUNDS}; got {rounds!r}")
    return int(rounds)


def nearest_rate(explore) -> float:
    """The widget's rate for ``explore``: one of :data:`EXPLORE_RATES`, or a clear error."""
    value = check_explore(explore)
    if not any(abs(value - rate) < 1e-9 for rate in EXPLORE_RATES):
        raise CourseInputError(f"the explorer shows explore = {', '.join(map(str, EXPLORE_RATES))}; got {explore!r}")
    return min(EXPLORE_RATES, key=lambda rate: abs(rate - value))


class ReviewLoopExplorer(Explorer, w.VBox):
    """Choose how much of the review budget goes to random cases, and how many rounds to run."""

    def __init__(self, world: World | None = None, explore: float = DEFAULT_EXPLORE, rounds: int = MAX_ROUNDS):
        explore, rounds = nearest_rate(explore), check_rounds(rounds)
        self.world = world or build_world()
        self._views = all_views(self.world)  # every state, now: callbacks only look up
        self.picture = loop_picture(self.world)
        self.explore = w.ToggleButtons(options=[(rate_label(r), r) for r in EXPLORE_RATES], value=explore,
                                       description=RATE_LABEL,
                                       tooltips=[f"{rate_label(r)} of the review budget on random cases"
                                                 for r in EXPLORE_RATES])
        self.rounds = w.IntSlider(value=rounds, min=1, max=MAX_ROUNDS, description=ROUNDS_LABEL,
                                  continuous_update=False)
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width=f"{self.picture.size[0]}px"))
        self.summary = w.HTML()
        self.table = w.HTML()
        super().__init__([self.explore, self.rounds, self.image, w.HTML(f"<small>{LEGEND}</small>"),
                          self.summary, self.table])
        for control in (self.explore, self.rounds):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "ReviewLoopExplorer(live widget: run the notebook to use it)"

    def select(self, explore: float, rounds: int) -> None:
        """Set both controls, as a learner would, and refresh once."""
        explore, rounds = nearest_rate(explore), check_rounds(rounds)
        with self._quietly():
            self.explore.value = explore
            self.rounds.value = rounds
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current selection: look up, recolour, done."""
        view = self._views[(self.explore.value, self.rounds.value)]
        self.show(self.picture, view, table_html(view.table_rows))

    def results_text(self) -> str:
        """The current selection and every measured round, for an AI tutor."""
        view = self._views[(self.explore.value, self.rounds.value)]
        return f"{view.summary}\n{rounds_text(view)}"
