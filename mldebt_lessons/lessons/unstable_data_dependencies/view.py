"""What lesson 04's pictures show, as plain data: the graph's colours and notes for one upstream change,
one consumption policy and one release; the table of every model's error at every release; a summary.

>>> from mldebt_lessons.shop.world import build_world
>>> view = release_view(build_world(), "bot_filter", "live", 4)
>>> view.notes["session_count"], view.notes["ltv_model"]
('v2: humans only', 'control: same')
>>> view.title
'bot_filter, read live: release 4 (version 2 ships now)'
>>> view.fills["churn_model"] != "#FFFFFF"
True
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import CELL_STYLE, MUTED, TABLE_STYLE
from mldebt_lessons.lessons.unstable_data_dependencies.experiment import (
    CHANGE_RELEASE,
    CHANGES,
    LAST,
    POLICIES,
    RELEASES,
    fresh_errors,
    reading,
    readers,
    release_errors,
    show_error,
    timelines,
)
from mldebt_lessons.shop.graph import add_edge, shop_graph
from mldebt_lessons.shop.upstream import upstream_change, version_at

WORSE_COLOUR = OKABE_ITO["vermillion"]
BETTER_COLOUR = OKABE_ITO["blue"]
FULL_WORSE = 0.5  # an error 50% above release 0's (or more) gets the darkest fill
STILL = 0.005  # a relative move smaller than this is shown as no move
TABLE_SOURCE = "currency_table"  # finance's exchange-rate table (a lookup table), a source of avg_basket_value
POLICY_LABELS = {"live": "read live", "pinned": "pinned copy", "refresh": "refresh on schedule"}

VERSION_NOTES = {  # what the changed signal's box says, by change and version read
    ("bot_filter", 1): "v1: bots counted", ("bot_filter", 2): "v2: humans only",
    ("currency_table", 1): "v1: £ per €", ("currency_table", 2): "v2: € per £",
    ("fraud_retrain", 1): "v1: probability", ("fraud_retrain", 2): "v2: fraud ×10",
}


@dataclass(frozen=True)
class ReleaseView:
    """Fills, notes and lit edges for the graph, the table's rows and a summary, for one state."""

    change: str
    policy: str
    release: int
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    summary: str
    title: str  # what the picture says it shows: the change, the policy and the release


def lesson_graph():
    """The shop's graph with the finance team's exchange-rate table drawn as a source of avg_basket_value.

    >>> g = lesson_graph()
    >>> g.nodes["currency_table"]["owner"], list(g.successors("currency_table"))
    ('finance team', ['avg_basket_value'])
    """
    g = shop_graph()
    g.add_node(TABLE_SOURCE, kind="source", owner="finance team",
               description="the exchange-rate table: one rate per currency, republished monthly")
    add_edge(g, TABLE_SOURCE, "avg_basket_value")
    return g


def relative_move(before: float, now: float) -> float:
    """How far ``now`` lies from ``before``, as a share of ``before``.

    >>> relative_move(10.0, 12.0)
    0.2
    """
    return (now - before) / before if before else 0.0


def move_fill(move: float) -> str:
    """Pale to dark vermillion for a larger error, pale blue for a smaller one, white for none.

    >>> move_fill(0.0), move_fill(1.0)
    ('#FFFFFF', '#D55E00')
    """
    if move > STILL:
        return blend(WORSE_COLOUR, 0.25 + 0.75 * min(move / FULL_WORSE, 1.0) ** 0.5)
    if move < -STILL:
        return blend(BETTER_COLOUR, 0.35)
    return "#FFFFFF"


def read_version(policy: str, release: int) -> int:
    """The version of the signal the readers read at ``release`` under ``policy``.

    >>> read_version("live", 4), read_version("pinned", 6), read_version("refresh", 6)
    (2, 1, 2)
    """
    _, pin = reading(policy, release)
    return version_at(release if pin is None else pin)


@functools.lru_cache(maxsize=256)
def release_view(world, change: str, policy: str, release: int) -> ReleaseView:
    """Everything lesson 04's explorer shows for one upstream change, policy and release."""
    g = lesson_graph()
    signal = upstream_change(change).signal
    errors = release_errors(world, change, policy)
    fills, notes = {signal: CHANGED_FILL}, {signal: VERSION_NOTES[(change, read_version(policy, release))]}
    if change == "currency_table":
        fills[TABLE_SOURCE] = CHANGED_FILL
        notes[TABLE_SOURCE] = f"v{version_at(release)} published"
    moves = {}
    for m in readers(change):
        moves[m] = relative_move(errors[m][0], errors[m][release])
        fills[m] = move_fill(moves[m])
        notes[m] = f"{show_error(m, errors[m][0])} → {show_error(m, errors[m][release])}"
    for m, kind in g.nodes(data="kind"):
        if kind == "model" and m not in notes:
            notes[m] = "control: same"
    for c, kind in g.nodes(data="kind"):
        if kind != "consumer":
            continue
        hit = [m for m in g.predecessors(c) if m in moves]
        if hit:
            worst = max(moves[m] for m in hit)
            fills[c] = move_fill(worst)
            notes[c] = "acts on worse scores" if worst > STILL else "better" if worst < -STILL else "same"
        else:
            notes[c] = "same"
    reach = {signal} | nx.descendants(g, signal)
    if change == "currency_table":
        reach.add(TABLE_SOURCE)
    lit = frozenset((u, v) for u, v in g.edges if u in reach and v in reach)
    return ReleaseView(change, policy, release, fills, notes, lit, state_summary(world, change, policy, release),
                       release_title(change, policy, release))


def release_title(change: str, policy: str, release: int) -> str:
    """What the picture of one state says it shows.

    >>> release_title("currency_table", "pinned", 2)
    'currency_table, pinned copy: release 2 (version 2 ships at release 4)'
    """
    when = (f"ships at release {CHANGE_RELEASE}" if release < CHANGE_RELEASE else "ships now" if release == CHANGE_RELEASE
            else f"shipped at release {CHANGE_RELEASE}")
    return f"{change}, {POLICY_LABELS[policy]}: release {release} (version 2 {when})"


def longest_title() -> str:
    """The longest title any state's picture can have (the picture is sized for it)."""
    return max((release_title(c, p, r) for c in CHANGES for p in POLICIES for r in range(RELEASES)), key=len)


def state_summary(world, change: str, policy: str, release: int) -> str:
    """One paragraph on one state: what was read, what each reader's error is, against release 0 and
    against a reader retrained right now on the newest version (the yardstick)."""
    spec = upstream_change(change)
    errors = release_errors(world, change, policy)
    fresh = fresh_errors(world, change, release)
    trained, pin = reading(policy, release)
    read = (f"the live signal (version {version_at(release)}), with code written at release 0" if pin is None else
            f"the copy pinned at release {pin} (version {version_at(pin)})")
    parts = [f"{change}: the {spec.owner} ships version 2 of {spec.signal} at release {CHANGE_RELEASE}. "
             f"Release {release}, policy '{policy}': the readers last trained at release {trained} and read {read}."]
    for m in readers(change):
        parts.append(f"{m}: error {show_error(m, errors[m][0])} at release 0, {show_error(m, errors[m][release])} "
                     f"now; retrained now on the newest version it would be {show_error(m, fresh[m])}.")
    parts.append("Models that read nothing below the change do not move.")
    return " ".join(parts)


TABLE_NOTE = ("Each cell: the model's error against the ground truth at that release, on held-out users "
              "(points of probability; £ per customer for ltv_model). Lower is better. Shaded: worse (vermillion) "
              "or better (blue) than at release 0. The bold column is the release shown in the picture; "
              f"version 2 ships at release {CHANGE_RELEASE}. Grey rows: controls, and the changed model itself.")


def errors_table_html(world, change: str, policy: str, release: int) -> str:
    """Every model's error at every release under ``policy``, as an HTML table with shaded cells."""
    head = "".join(f"<th style='{CELL_STYLE};white-space:nowrap{';border-bottom:3px solid' if r == release else ''}'>"
                   f"{r}{' (v2)' if r == CHANGE_RELEASE else ''}</th>" for r in range(RELEASES))
    rows = [f"<tr><th style='{CELL_STYLE}'>model \\ release</th>{head}</tr>"]
    for t in timelines(world, change, policy):
        muted = t.role != "reader"
        cells = []
        for r, v in enumerate(t.errors):
            fill = "" if muted else f"background:{move_fill(relative_move(t.errors[0], v))};color:#000000;"
            weight = "font-weight:bold;" if r == release else ""
            text = show_error(t.model, v).replace(" pts", "")
            cells.append(f"<td style='{CELL_STYLE};white-space:nowrap;{fill}{weight}'>{html.escape(text)}</td>")
        label = t.model if t.role == "reader" else f"{t.model} ({t.role})"
        style = f" style='{MUTED}'" if muted else ""
        rows.append(f"<tr{style}><td style='{CELL_STYLE}'>{html.escape(label)}</td>{''.join(cells)}</tr>")
    return (f"<table style='{TABLE_STYLE}'>{''.join(rows)}</table>"
            f"<p style='font-size:smaller;max-width:46em'>{html.escape(TABLE_NOTE)}</p>")


def all_views(world) -> dict[tuple[str, str, int], ReleaseView]:
    """Every view the explorer can show, measured now (a few seconds, once per world)."""
    return {(c, p, r): release_view(world, c, p, r) for c in CHANGES for p in POLICIES for r in range(RELEASES)}


def longest_notes(world) -> dict[str, str]:
    """For every box, the longest note any view writes in it, so each column is only as wide as it must be."""
    longest: dict[str, str] = {}
    for view in all_views(world).values():
        for node, note in view.notes.items():
            if len(note) > len(longest.get(node, "")):
                longest[node] = note
    return longest


def release_picture(world, title: str | None = None) -> GraphPicture:
    """An unpainted picture of the shop with the exchange-rate table, boxes sized for every view's notes and
    its title for the longest state title (each state paints its own)."""
    return GraphPicture(lesson_graph(), title=title or longest_title(), longest_note=longest_notes(world),
                        dashed_edges=())


def static_picture(world, change: str = "bot_filter", policy: str = "live", release: int = LAST):
    """A static picture of one state, and its view: for notebooks and reports."""
    view = release_view(world, change, policy, release)
    picture = release_picture(world)
    picture.paint(view.fills, view.notes, view.lit_edges, view.title)
    return picture, view
