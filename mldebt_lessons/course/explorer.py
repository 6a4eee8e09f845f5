"""What every lesson's explorer widget shares: set several controls and refresh once, show a view.

Subclasses live in each lesson's ``widget.py``; see
:class:`mldebt_lessons.lessons.entanglement_cace.widget.CaceExplorer` for one.
"""

from __future__ import annotations

import contextlib
import html

from mldebt_lessons.course.drawing import OKABE_ITO, GraphPicture

OKABE_ITO_BLUE = OKABE_ITO["blue"]


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

