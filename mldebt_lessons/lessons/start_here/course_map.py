"""The whole course as one table, generated from the lesson registry (plus this start notebook).

The start notebook shows it as HTML; the README holds the same table as Markdown, and a test
checks that both list exactly the registry's lessons.

>>> [row["id"] for row in course_rows()][:2]
['00', '01']
>>> course_rows()[-1]["patterns"]
'all of them (the audit)'
>>> "<table" in course_map_html() and "90_audit_your_system.ipynb" in course_map_html()
True
"""

from __future__ import annotations

import html

# This notebook is not a lesson of the registry (no exercises, quiz or claims), so it is written here.
START_HERE = {"id": "00", "title": "Start here: Larkspur, and the hidden debt in ML systems",
              "notebook": "notebooks/00_start_here.ipynb", "section": "§1", "minutes": 20, "patterns": []}


def course_rows() -> list[dict]:
    """One row per notebook, in course order: id, notebook, paper section, minutes, title, patterns."""
    from mldebt_lessons.audit.patterns import LLM_LESSON, PATTERNS
    from mldebt_lessons.lessons import course_map
    rows = []
    for lesson in [START_HERE, *course_map()]:
        patterns = lesson["patterns"]
        if set(patterns) == set(PATTERNS):
            taught = "all of them (the audit)"
        elif lesson["notebook"] == LLM_LESSON:
            taught = "the LLM form of several (the audit's findings on LLM parts)"
        else:
            taught = ", ".join(patterns) or "the tour, and how the course works"
        rows.append({"id": lesson["id"], "notebook": lesson["notebook"].split("/")[-1],
                     "section": lesson["section"], "minutes": lesson["minutes"], "title": lesson["title"],
                     "patterns": taught})
    return rows


def course_map_html() -> str:
    """The course map as an HTML table (what the start notebook shows).

    Narrow enough for a notebook at 1024 px with the file browser open: four short columns, and
    under each lesson's title a link to its notebook and the audit patterns it teaches.
    """
    from mldebt_lessons.course.tables import CELL_STYLE, TABLE_STYLE
    short = CELL_STYLE + ";white-space:nowrap"
    head = "".join(f"<th style='{short}'>{h}</th>" for h in ("", "lesson", "paper", "minutes"))
    body = "".join(
        f"<tr><td style='{short}'>{row['id']}</td>"
        f"<td style='{CELL_STYLE}'><b>{html.escape(row['title'])}</b><br>"
        f"<a href='{html.escape(row['notebook'])}'>{html.escape(row['notebook'])}</a>"
        f" · teaches: {html.escape(row['patterns'])}</td>"
        f"<td style='{short}'>{html.escape(row['section'])}</td><td style='{short}'>{row['minutes']}</td></tr>"
        for row in course_rows())
    return f"<table style='{TABLE_STYLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def course_map_markdown() -> str:
    """The course map as a Markdown table (what the README holds, under "The course")."""
    lines = ["| notebook | paper | minutes | lesson | audit patterns it teaches |", "|---|---|---|---|---|"]
    lines += [f"| `{r['notebook']}` | {r['section']} | {r['minutes']} | {r['title']} | {r['patterns']} |"
              for r in course_rows()]
    return "\n".join(lines)


class CourseMap:
    """The course map for a notebook: an HTML table, and one line of plain text."""

    def _repr_html_(self) -> str:
        return course_map_html()

    def __repr__(self) -> str:
        rows = course_rows()
        return f"[the course: {len(rows)} notebooks, {sum(r['minutes'] for r in rows)} minutes in all]"


def show_course_map() -> CourseMap:
    """The whole course, capstone included, generated from the lesson registry."""
    return CourseMap()
