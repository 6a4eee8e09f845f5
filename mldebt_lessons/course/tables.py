"""Tables of measured results, as HTML for widgets and as fixed-width text for print and prompts.

Rows are plain dicts with the same keys, in column order. The HTML never splits a word: short
cells (numbers, names) stay on one line, and longer ones wrap only between words, so a table
fits a notebook's output area (about 590 px at 1024 px with the file browser open) without
scrolling sideways.

>>> print(rows_text([{"model": "churn_model", "flipped": "75.2%"}, {"model": "recommender", "flipped": "0.0%"}]))
model        flipped
churn_model  75.2%
recommender  0.0%
>>> "white-space:nowrap" in rows_html([{"model": "churn_model"}])
True
"""

from __future__ import annotations

import html
from typing import Callable

MUTED = "color:#555;font-style:italic"
SHORT_CELL = 14  # characters: a cell this short (a number with its unit, a name) never wraps
CELL_STYLE = "padding:2px 5px;text-align:left;vertical-align:top;word-break:normal;overflow-wrap:normal;hyphens:none"
TABLE_STYLE = "border-collapse:collapse;line-height:1.35;max-width:100%"


def rows_text(rows: list[dict]) -> str:
    """The rows as a fixed-width text table, one line a row under a header line."""
    if not rows:
        return ""
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(keys)] + [line([r[k] for k in keys]) for r in rows])


def cell_style(text: str) -> str:
    """The CSS of a cell showing ``text``: short ones on one line, long ones wrap between words only."""
    return CELL_STYLE + (";white-space:nowrap" if len(text) <= SHORT_CELL else "")


def rows_html(rows: list[dict], row_style: Callable[[dict], str] = lambda row: "") -> str:
    """The rows as a small HTML table; ``row_style`` gives a CSS style for a row ("" for none)."""
    if not rows:
        return ""
    head = "".join(f"<th style='{cell_style(str(k))}'>{html.escape(str(k))}</th>" for k in rows[0])
    body = []
    for row in rows:
        style = row_style(row)
        cells = "".join(f"<td style='{cell_style(str(v))}'>{html.escape(str(v))}</td>" for v in row.values())
        body.append(f"<tr style='{style}'>{cells}</tr>" if style else f"<tr>{cells}</tr>")
    return f"<table style='{TABLE_STYLE}'><tr>{head}</tr>{''.join(body)}</table>"
