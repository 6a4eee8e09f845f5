"""What every lesson's explorer widget shares: set several controls and refresh once, show a view.

One view per demo state: an explorer's output carries, beside the live widget, a static HTML
rendering of the state it was shown in (:meth:`Explorer.static_html`). JupyterLab shows the live
widget; where widgets do not run (GitHub, nbviewer, a saved notebook opened elsewhere) the
static rendering shows instead. A notebook never shows both.

Subclasses live in each lesson's ``widget.py``; see
:class:`mldebt_lessons.lessons.entanglement_cace.widget.CaceExplorer` for one.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import html

import ipywidgets as w

from mldebt_lessons.course.drawing import OKABE_ITO, GraphPicture, same_size
from mldebt_lessons.course.theme import style_widget

OKABE_ITO_BLUE = OKABE_ITO["blue"]


def settle_heap() -> None:
    """Collect garbage once, then put every object alive now out of the cyclic garbage collector's
    reach (:func:`gc.freeze`): a lesson's worlds, models and caches stay for the whole session.

    Why: after a notebook's set-up the kernel holds a large heap, and a full collection of it takes
    about 180 ms (measured in lesson 12's kernel). The collector starts one whenever enough new
    objects have piled up, so every so often a key press waited for it: the learner saw a stutter.
    Frozen objects are still freed by reference counting when nothing uses them.

    >>> settle_heap(); gc.get_freeze_count() > 0
    True
    """
    gc.collect()
    gc.freeze()


class Explorer:
    """What the lessons' explorers share: ``select`` sets several controls and refreshes once, and
    ``show`` puts a view (picture, summary, table) on screen. Subclasses have ``image``,
    ``summary``, ``table`` (and may have ``change_help``) widgets and a ``refresh`` method.

    The picture is shown at its own size (never shrunk: its texts would shrink with it). An
    explorer that draws several pictures keeps them in a dict ``pictures``; they are grown to one
    size, so the picture keeps its size when the learner changes an option. The explorer brings
    the course's CSS (:mod:`mldebt_lessons.course.theme`) in a hidden first child.
    """

    _quiet = False
    _sized_alike = False

    def __init__(self, children=(), **kwargs):
        super().__init__([style_widget(), *children], **kwargs)
        self.add_class("mldebt-explorer")
        settle_heap()  # the lesson's set-up is done: no full collection of it while the learner explores

    def _view_widgets(self, legend: str) -> list:
        """Make the widgets an explorer shows under its controls (``change_help``, ``image``, ``summary``,
        ``table``); return them in their order on screen, with ``legend`` (HTML) under the picture."""
        self.change_help = w.HTML()
        self.image = w.Image(format="svg+xml", layout=w.Layout(width="100%"))  # show() sizes it to the picture
        self.summary = w.HTML()
        self.table = w.HTML()
        return [self.change_help, self.image, w.HTML(f"<small>{legend}</small>"), self.summary, self.table]

    def _on_change(self, _):
        if not self._quiet:
            self.refresh()

    def _toggle_row(self, options: dict[str, tuple[str, str]], on) -> w.HBox:
        """One toggle button per option (name -> (label, tooltip)), pressed for the names in ``on``; each
        press refreshes. The buttons are kept in ``self.toggles``; return them in a wrapping row."""
        self.toggles = {name: w.ToggleButton(value=name in on, description=label, tooltip=tip,
                                             layout=w.Layout(width="auto"))
                        for name, (label, tip) in options.items()}
        for toggle in self.toggles.values():
            toggle.observe(self._on_change, names="value")
        return w.HBox(list(self.toggles.values()), layout=w.Layout(flex_flow="row wrap"))

    def _pressed(self) -> tuple[str, ...]:
        """The names of the toggle buttons that are pressed, in their order on screen."""
        return tuple(name for name, toggle in self.toggles.items() if toggle.value)

    def _press_only(self, names) -> None:
        """Press the toggle buttons named in ``names`` and release the rest (call inside ``_quietly``)."""
        chosen = set(names)
        for name, toggle in self.toggles.items():
            toggle.value = name in chosen

    @contextlib.contextmanager
    def _quietly(self):
        # While several controls are being set, refresh once at the end instead of each time.
        outer, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = outer

    def show(self, picture: GraphPicture, view, table: str, help_html: str | None = None) -> None:
        """Recolour ``picture`` for ``view`` (and retitle it, if the view has a ``title``) and put it, its
        summary and ``table`` on screen."""
        if not self._sized_alike and len(getattr(self, "pictures", ())) > 1:
            same_size(self.pictures.values())
            self._sized_alike = True
        picture.paint(view.fills, view.notes, getattr(view, "lit_edges", frozenset()), getattr(view, "title", None))
        self._at_own_size(picture)
        self.image.value = picture.svg()
        if help_html is not None:
            self.change_help.value = help_html
        self.summary.value = f"<b>{html.escape(view.summary)}</b>"
        self.table.value = table
        self.view = view

    def _at_own_size(self, picture: GraphPicture) -> None:
        # The image takes exactly the picture's size; setting an unchanged value sends nothing.
        width, height = (f"{v}px" for v in picture.size)
        layout = self.image.layout
        for name, value in (("width", width), ("max_width", width), ("height", height)):
            if getattr(layout, name) != value:
                setattr(layout, name, value)

    def static_html(self) -> str:
        """The widget's current picture, summary and table as plain HTML: its fallback where widgets do not run."""
        value = self.image.value  # ipywidgets keeps an Image value as a memoryview
        svg = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode("utf-8")
        # The picture as an <img> of its SVG, at its own size: JupyterLab strips inline <svg> from
        # the HTML of a notebook it does not trust (one opened without running), but keeps images.
        source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        width, height = (self.image.layout.width or ""), (self.image.layout.height or "")
        size = f" width='{width.removesuffix('px')}' height='{height.removesuffix('px')}'" if width and height else ""
        return ("<div class='mldebt-static'><p><i>A still of this demo in its first state; run the notebook to "
                f"change it.</i></p><div style='overflow-x:auto'><img src='{source}'{size} "
                f"style='max-width:none' alt='the demo picture in its first state'></div>"
                f"<p>{self.summary.value}</p>{self.table.value}</div>")

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.static_html()
        return bundle
