"""Lesson 02's widget: improve fraud_model under a wiring; watch home, Spain and the review queue.
"""

from __future__ import annotations

import ipywidgets as w

from mldebt_lessons.course.drawing import GraphPicture, blend
from mldebt_lessons.course.explorer import OKABE_ITO_BLUE, Explorer
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.entanglement_cace.view import EFFECT_COLOUR
from mldebt_lessons.shop.world import World, build_world


class CascadeExplorer(Explorer, w.VBox):
    """Improve fraud_model; watch what happens at home, in Spain, and in the review queue."""

    def __init__(self, world: World | None = None, improvement: str = "feature", architecture: str = "cascade"):
        from mldebt_lessons.lessons.correction_cascades.experiment import (
            ARCHITECTURES,
            IMPROVEMENTS,
        )
        from mldebt_lessons.lessons.correction_cascades.view import (
            CASCADE_NOTE_SIZES,
            cascade_graph,
        )

        self.world = world or build_world()
        # One picture per wiring, each drawn once; a change only looks up numbers and recolours.
        self.pictures = {(a, i): GraphPicture(cascade_graph(a, i), title="Larkspur's fraud models",
                                              longest_note=CASCADE_NOTE_SIZES)
                         for a in ARCHITECTURES for i in ("none", "feature")}
        for a in ARCHITECTURES:
            for i in IMPROVEMENTS:
                cascade_view_for(self.world, i, a)  # measure everything now
        self.improvement = w.Dropdown(options=[(text, key) for key, text in IMPROVEMENTS.items()],
                                      value=improvement, description="improve", layout=w.Layout(width="560px"))
        self.architecture = w.RadioButtons(options=[(text, key) for key, text in ARCHITECTURES.items()],
                                           value=architecture, layout=w.Layout(width="auto"))
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width="900px"))
        self.summary = w.HTML()
        self.table = w.HTML()
        legend = (f"<small><span style='background:{blend(OKABE_ITO_BLUE, 0.6)};padding:0 6px'>blue</span> better, "
                  f"<span style='background:{blend(EFFECT_COLOUR, 0.6)};padding:0 6px'>vermillion</span> worse, "
                  "white unchanged; each box also says its numbers.</small>")
        super().__init__([self.improvement, self.architecture, self.image, w.HTML(legend), self.summary, self.table])
        self.improvement.observe(self._on_change, names="value")
        self.architecture.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "CascadeExplorer(live widget: run the notebook to use it)"

    def select(self, improvement: str, architecture: str) -> None:
        """Set both controls, as a learner would, and refresh once."""
        from mldebt_lessons.lessons.correction_cascades.experiment import check_choice
        check_choice(improvement, architecture)
        with self._quietly():
            self.improvement.value = improvement
            self.architecture.value = architecture
        self.refresh()

    def refresh(self) -> None:
        view = cascade_view_for(self.world, self.improvement.value, self.architecture.value)
        picture = self.pictures[view.graph_key]
        self.show(picture, view, rows_html(view.rows))

    def results_text(self) -> str:
        """The current setting and its measured numbers, as text for an AI tutor."""
        from mldebt_lessons.lessons.correction_cascades.experiment import (
            ARCHITECTURES,
            IMPROVEMENTS,
        )
        from mldebt_lessons.lessons.correction_cascades.view import result_lines
        view = self.view
        return (f"Improvement: {IMPROVEMENTS[self.improvement.value]}\n"
                f"Wiring: {ARCHITECTURES[self.architecture.value]}\n{view.summary}\n{result_lines(view.rows)}")


def cascade_view_for(world: World, improvement: str, architecture: str):
    """The cascade view, checked and cached (a thin wrapper the widget and tests share)."""
    from mldebt_lessons.lessons.correction_cascades.experiment import check_choice
    from mldebt_lessons.lessons.correction_cascades.view import cascade_view
    check_choice(improvement, architecture)
    return cascade_view(world, improvement, architecture)

