"""Lesson 18's widget: pick a change to Larkspur's support assistant, with or without its guard, and see
the nodes it reaches light up with what was measured there.

Building the explorer measures every state once (about a second); after that a change only looks the view
up and recolours a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = AssistantExplorer()
>>> explorer.select("judge v2", True)
>>> explorer.view.title.startswith("judge v2, guarded")
True
"""

from __future__ import annotations

import html

import ipywidgets as w

from mldebt_lessons.course.drawing import CHANGED_FILL
from mldebt_lessons.course.explorer import Explorer
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.llm_systems.view import (
    CHANGES,
    GUARDS,
    HELD_FILL,
    HURT_FILL,
    REACHED_FILL,
    change_picture,
    change_view,
    check_change,
)
from mldebt_lessons.shop.world import World, build_world

GUARD_OPTIONS = ("no guard", "guarded")
CHANGE_HELP = {
    "embedder v2": "The search team upgrades the embedder; questions are now embedded by v2, the index still holds "
                   "v1 vectors.",
    "hosted model v2": "The model vendor ships a new release behind the same API; nobody at Larkspur changed a line.",
    "judge v2": "The vendor's judge model gets a new release; the assistant's answers are exactly the same.",
    "prompt edit": "Someone edits the prompt template to save tokens: 'answer in at most 12 words'.",
}


def _chip(fill: str, word: str) -> str:
    return f"<span style='background:{fill};color:black;padding:0 6px'>{word}</span>"


LEGEND = (f"{_chip(CHANGED_FILL, 'yellow')} the change; {_chip(HURT_FILL, 'vermillion')} a measured number moved "
          f"for the worse; {_chip(HELD_FILL, 'green')} it held (or the guard held it); {_chip(REACHED_FILL, 'blue')} "
          "reached, not measured here. Dark arrows: the ripple.")


class AssistantExplorer(Explorer, w.VBox):
    """Pick a change and a guard; see the ripple through the assistant's consumers."""

    def __init__(self, world: World | None = None, change: str = "embedder v2", guarded: bool = False):
        check_change(change)
        self.world = world or build_world()
        self._views = {(c, g): change_view(self.world, c, g) for c in CHANGES for g in (False, True)}
        self._tables = {key: rows_html(view.table_rows) for key, view in self._views.items()}
        self.picture = change_picture()
        self.change = w.Dropdown(options=list(CHANGES), value=change, description="what changes",
                                 style={"description_width": "initial"})
        self.guard = w.ToggleButtons(options=list(GUARD_OPTIONS), value=GUARD_OPTIONS[bool(guarded)],
                                     description="guard", style={"description_width": "initial"})
        super().__init__([w.HBox([self.change]), self.guard, *self._view_widgets(LEGEND)])
        for control in (self.change, self.guard):
            control.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "AssistantExplorer(live widget: run the notebook to use it)"

    def select(self, change: str, guarded: bool = False) -> None:
        """Set both controls, as a learner would, and refresh once."""
        check_change(change)
        with self._quietly():
            self.change.value = change
            self.guard.value = GUARD_OPTIONS[bool(guarded)]
        self.refresh()

    def refresh(self) -> None:
        change, guarded = self.change.value, self.guard.value == "guarded"
        self.show(self.picture, self._views[(change, guarded)], self._tables[(change, guarded)],
                  f"<small>{html.escape(CHANGE_HELP[change])} Guard: {html.escape(GUARDS[change])}.</small>")

    def results_text(self) -> str:
        """The current state's results, in words, for an AI tutor."""
        view = self.view
        rows = "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
        return f"{view.title}\n{view.summary}\n{rows}"
