"""The course's widgets. Each callback is a thin wrapper over a plain function that tests call.

The CACE explorer measures every experiment once, when it is built (about two seconds),
then answers each change by looking results up and recolouring a ready-made SVG.

Example (headless, as the tests drive it)
-----------------------------------------
>>> explorer = CaceExplorer()
>>> explorer.select("session_count", "log", "retrained")
>>> "session_count" in explorer.summary.value
True
"""

from __future__ import annotations

import contextlib
import html

import ipywidgets as w

from .cace import MODE_LABELS, MODES, all_experiments, check_mode, measure_cace
from .drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend, kind_fills
from .features import CHANGES, FEATURES, changes_for, check_change
from .ripple_view import EFFECT_COLOUR, cace_view, table_html
from .tables import rows_html, rows_text
from .world import World, build_world

OKABE_ITO_BLUE = OKABE_ITO["blue"]

LEGEND = (f"<span style='background:{CHANGED_FILL};padding:0 6px'>yellow</span> the feature you changed; "
          f"<span style='background:{blend(EFFECT_COLOUR, 0.35)};padding:0 6px'>pale</span> to "
          f"<span style='background:{EFFECT_COLOUR};color:white;padding:0 6px'>dark vermillion</span> more "
          "decisions flipped; white: no change. Dark arrows trace the ripple. Each box also says its number.")


class Explorer:
    """What the lessons' explorers share: ``select`` sets several controls and refreshes once, and
    ``show`` puts a view (picture, summary, table) on screen. Subclasses have ``image``,
    ``summary``, ``table`` (and may have ``change_help``) widgets and a ``refresh`` method.
    """

    _quiet = False

    def _on_change(self, _):
        if not self._quiet:
            self.refresh()

    @contextlib.contextmanager
    def _quietly(self):
        # While several controls are being set, refresh once at the end instead of each time.
        outer, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = outer

    def show(self, picture: GraphPicture, view, table: str, help_html: str | None = None) -> None:
        """Recolour ``picture`` for ``view`` and put it, its summary and ``table`` on screen."""
        picture.paint(view.fills, view.notes, getattr(view, "lit_edges", frozenset()))
        self.image.value = picture.svg()
        if help_html is not None:
            self.change_help.value = help_html
        self.summary.value = f"<b>{html.escape(view.summary)}</b>"
        self.table.value = table
        self.view = view


class CaceExplorer(Explorer, w.VBox):
    """Pick a feature, a change and a mode; watch the measured ripple through Larkspur."""

    def __init__(self, world: World | None = None, feature: str = "user_age", change: str = "units",
                 mode: str = "serving"):
        self.world = world or build_world()
        for pair in all_experiments():  # measure everything now, so callbacks only look up
            for m in MODES:
                measure_cace(self.world, *pair, m)
        self.picture = GraphPicture(self.world.graph, title=f"{self.world.company}: the ripple of one change")
        self.feature = w.Dropdown(options=[f.name for f in FEATURES], value=feature, description="feature")
        self.change = w.Dropdown(options=changes_for(feature), value=change, description="change")
        self.mode = w.ToggleButtons(options=[(MODE_LABELS[m], m) for m in MODES], value=mode,
                                    style={"button_width": "300px"})
        self.change_help = w.HTML()
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%", max_width="980px"))
        self.summary = w.HTML()
        self.table = w.HTML()
        super().__init__([w.HBox([self.feature, self.change]), self.change_help, self.mode, self.image,
                          w.HTML(f"<small>{LEGEND}</small>"), self.summary, self.table])
        self.feature.observe(self._on_feature, names="value")
        self.change.observe(self._on_change, names="value")
        self.mode.observe(self._on_change, names="value")
        self.refresh()

    def __repr__(self) -> str:  # stable text for notebooks saved with outputs
        return "CaceExplorer(live widget: run the notebook to use it)"

    def _on_feature(self, _):
        options = changes_for(self.feature.value)
        keep = self.change.value if self.change.value in options else options[0]
        with self._quietly():
            self.change.options = options
            self.change.value = keep
        if not self._quiet:
            self.refresh()

    def select(self, feature: str, change: str, mode: str) -> None:
        """Set all three controls, as a learner would, and refresh once."""
        check_change(feature, change)
        check_mode(mode)
        with self._quietly():
            self.feature.value = feature
            self.change.value = change
            self.mode.value = mode
        self.refresh()

    def refresh(self) -> None:
        """Redraw for the current selection: look up, recolour, done."""
        view = cace_view(self.world, self.feature.value, self.change.value, self.mode.value)
        self.show(self.picture, view, table_html(view.table_rows), f"<small>{CHANGES[self.change.value]}</small>")

    def results_text(self) -> str:
        """The current selection and its measured effects, as text for an AI tutor."""
        from .cace import effects_text
        f, c, m = self.feature.value, self.change.value, self.mode.value
        return effects_text(f, c, m, measure_cace(self.world, f, c, m))


def tour_picture(world: World | None = None) -> GraphPicture:
    """The shop's graph coloured by kind, for the tour in the start notebook."""
    world = world or build_world()
    owners = {n: d.get("owner", "") for n, d in world.graph.nodes(data=True)}
    picture = GraphPicture(world.graph, title=f"{world.company}: what feeds what, and who owns it",
                           longest_note=max(owners.values(), key=len))
    picture.paint(kind_fills(world.graph), notes=owners)
    return picture


class SliderCheck(w.VBox):
    """A slider and a label that follows it: if the label moves, widgets work in this browser."""

    def __init__(self):
        self.slider = w.IntSlider(value=3, min=0, max=10, description="move me")
        self.echo = w.HTML()
        super().__init__([self.slider, self.echo])
        self.slider.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def __repr__(self) -> str:
        return "SliderCheck(live widget: move the slider)"

    def refresh(self) -> None:
        self.echo.value = slider_message(self.slider.value)


def slider_message(value: int) -> str:
    """What the set-up check's label says for a slider value."""
    return f"The slider says <b>{value}</b>. If this number follows the slider, widgets work."


class CascadeExplorer(Explorer, w.VBox):
    """Improve fraud_model; watch what happens at home, in Spain, and in the review queue."""

    def __init__(self, world: World | None = None, improvement: str = "feature", architecture: str = "cascade"):
        from .cascade import ARCHITECTURES, IMPROVEMENTS
        from .cascade_view import CASCADE_NOTE_SIZES, cascade_graph

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
        from .cascade import check_choice
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
        from .cascade import ARCHITECTURES, IMPROVEMENTS
        view = self.view
        return (f"Improvement: {IMPROVEMENTS[self.improvement.value]}\n"
                f"Wiring: {ARCHITECTURES[self.architecture.value]}\n{view.summary}\n{rows_text(view.rows)}")


def cascade_view_for(world: World, improvement: str, architecture: str):
    """The cascade view, checked and cached (a thin wrapper the widget and tests share)."""
    from .cascade import check_choice
    from .cascade_view import cascade_view
    check_choice(improvement, architecture)
    return cascade_view(world, improvement, architecture)
