"""Tables of measured results, as HTML for widgets and as fixed-width text for print and prompts.

Rows are plain dicts with the same keys, in column order.

>>> print(rows_text([{"model": "churn_model", "flipped": "75.2%"}, {"model": "recommender", "flipped": "0.0%"}]))
model        flipped
churn_model  75.2%
recommender  0.0%
"""

from __future__ import annotations

import html
from typing import Callable

MUTED = "color:#555;font-style:italic"


def rows_text(rows: list[dict]) -> str:
    """The rows as a fixed-width text table, one line a row under a header line."""
    if not rows:
        return ""
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(keys)] + [line([r[k] for k in keys]) for r in rows])


def rows_html(rows: list[dict], row_style: Callable[[dict], str] = lambda row: "") -> str:
    """The rows as a small HTML table; ``row_style`` gives a CSS style for a row ("" for none)."""
    if not rows:
        return ""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(k)}</th>" for k in rows[0])
    body = []
    for row in rows:
        style = row_style(row)
        cells = "".join(f"<td style='padding:2px 8px'>{html.escape(str(v))}</td>" for v in row.values())
        body.append(f"<tr style='{style}'>{cells}</tr>" if style else f"<tr>{cells}</tr>")
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(body)}</table>"
