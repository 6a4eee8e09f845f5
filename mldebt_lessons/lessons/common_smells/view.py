"""What lesson 13's picture and table show for one smell and one version, as plain data.

The picture is the part of Larkspur the three smells live in: where each decision's input comes from,
the code step that smells (a feature's code, or the hold rule), the model, and who acts on it. The
chosen smell's path is lit; its code step is vermillion when smelly and green when fixed, and its
consumer carries the share of decisions flipped.

>>> from mldebt_lessons.shop.world import build_world
>>> view = smell_view(build_world(), "prototype", "smelly")
>>> view.title.startswith("prototype, smelly"), "homepage" in view.notes
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.common_smells.experiment import (
    SMELLS,
    VERSIONS,
    Outcome,
    outcome,
    session_outcome,
    slip_is_caught,
)
from mldebt_lessons.shop.world import World

SMELLY_FILL, FIXED_FILL, PATH_FILL = blend(OKABE_ITO["vermillion"], 0.7), blend(OKABE_ITO["green"], 0.6), "#EEEEEE"

NODES = {  # node: (kind, description)
    "fraud_config": ("source", "the payments team's config: hold at 15% fraud risk (a probability)"),
    "accounts_db": ("source", "account records: user ids"),
    "clickstream": ("source", "one event per session"),
    "orders_db": ("source", "one row per order; a cancelled order's amount is NULL"),
    "session_count": ("feature", "sessions per user, counted by a notebook prototype"),
    "basket (SQL)": ("feature", "average basket in SQL, for training"),
    "basket (numpy)": ("feature", "average basket rewritten in numpy, for serving"),
    "fraud_model": ("model", "the payments team's fraud model; its service returns log-odds"),
    "recommender": ("model", "the homepage team's click model"),
    "ltv_model": ("model", "the loyalty team's spend model"),
    "hold_orders": ("consumer", "the hold rule: margin against the threshold"),
    "homepage": ("consumer", "shows the personalised carousel"),
    "vip_programme": ("consumer", "invites the biggest predicted spenders"),
}
PATHS = {  # smell: (its edges, its smelly code step, the consumer whose decisions move)
    "plain-old-data": ((("fraud_config", "hold_orders"), ("fraud_model", "hold_orders")), "hold_orders", "hold_orders"),
    "multiple languages": ((("orders_db", "basket (SQL)"), ("orders_db", "basket (numpy)"), ("basket (SQL)", "ltv_model"),
                            ("basket (numpy)", "ltv_model"), ("ltv_model", "vip_programme")),
                           "basket (numpy)", "vip_programme"),
    "prototype": ((("accounts_db", "session_count"), ("clickstream", "session_count"),
                   ("session_count", "recommender"), ("recommender", "homepage")),
                  "session_count", "homepage"),
}
CODE_NOTES = {
    ("plain-old-data", "smelly"): "floats: log-odds ≥ 0.15",
    ("plain-old-data", "fixed"): "typed: converted once",
    ("multiple languages", "smelly"): "NULL read as £0",
    ("multiple languages", "fixed"): "runs the SQL query",
    ("prototype", "smelly"): "id taken as row number",
    ("prototype", "fixed"): "joined on the user id",
}
VERSION_WORDS = {"smelly": "smelly", "fixed": "fixed"}


@dataclass(frozen=True)
class SmellView:
    smell: str
    version: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]


def smell_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for node, (kind, description) in NODES.items():
        g.add_node(node, kind=kind, description=description)
    for edges, _, _ in PATHS.values():
        g.add_edges_from(edges)
    return g


def _title(smell: str, version: str, flipped: float) -> str:
    return f"{smell}, {version}: {flipped:.1%} of decisions flipped"


def longest_title() -> str:
    return max((_title(s, v, 0.999) for s in SMELLS for v in VERSIONS), key=len)


def _row(o: Outcome, label: str) -> dict:
    return {"version": label, "users": f"{o.users:,}", "wrong input": f"{o.wrong_inputs:.1%}",
            "flipped": f"{o.flipped:.1%}", "small test": o.test}


ROW_LABELS = {"smelly": "smelly", "fixed": "fixed"}


def _test_words(test: str) -> str:
    return "passes" if test == "passes" else f"fails ({test.removeprefix('fails: ')})"


def smell_summary(o: Outcome) -> str:
    """One sentence, every number read from the outcome."""
    if o.smell == "plain-old-data":
        wrong = ("every user's log-odds is compared with a probability" if o.wrong_inputs else
                 "the threshold is converted to log-odds once")
        what = "users' fraud holds"
    elif o.smell == "multiple languages":
        wrong, what = f"{o.wrong_inputs:.1%} of test users' baskets differ from SQL's", "test users' VIP invitations"
    else:
        wrong, what = f"{o.wrong_inputs:.1%} of users get another user's session count", "remaining users' carousels"
    return (f"{o.smell}, {o.version} code: {wrong}; {o.flipped:.1%} of {o.users:,} {what} flip; "
            f"the small test {_test_words(o.test)}.")


def extra_rows(world: World, smell: str) -> list[dict]:
    """A third row per smell: the typed code with the slip, or the prototype before the erasure."""
    if smell == "plain-old-data":
        return [{"version": "typed slip", "users": "-", "wrong input": "-", "flipped": "-",
                 "small test": "TypeError" if slip_is_caught() else "runs"}]
    if smell == "prototype":
        return [_row(session_outcome(world, "smelly", erased=False), "before erasure")]
    return []


@functools.lru_cache(maxsize=64)
def smell_view(world: World, smell: str, version: str) -> SmellView:
    """Everything the explorer shows for one smell and one version."""
    results = {v: outcome(world, smell, v) for v in VERSIONS}
    o = results[version]
    edges, step, consumer = PATHS[smell]
    fills = {n: PATH_FILL for e in edges for n in e}
    fills[step] = SMELLY_FILL if version == "smelly" else FIXED_FILL
    fills[consumer] = blend(OKABE_ITO["vermillion"], 0.7) if o.flipped > 0 else FIXED_FILL
    notes = {step: CODE_NOTES[(smell, version)]}
    flipped = f"flipped: {o.flipped:.1%}"
    notes[consumer] = f"{notes[step]}; {flipped}" if consumer == step else flipped
    rows = [_row(results[v], ROW_LABELS[v]) for v in VERSIONS] + extra_rows(world, smell)
    return SmellView(smell, version, fills, notes, frozenset(edges), _title(smell, version, o.flipped),
                     smell_summary(o), rows)


def longest_notes() -> dict[str, str]:
    notes: dict[str, str] = {}
    for (smell, _), text in CODE_NOTES.items():
        step, consumer = PATHS[smell][1], PATHS[smell][2]
        longest = f"{text}; flipped: 99.9%" if step == consumer else text
        notes[step] = max(notes.get(step, ""), longest, key=len)
        if consumer != step:
            notes[consumer] = "flipped: 99.9%"
    return notes


def smell_picture(title: str | None = None) -> GraphPicture:
    """An unpainted picture of the three smells' paths, sized for every state's title and notes."""
    return GraphPicture(smell_graph(), title=title or longest_title(), longest_note=longest_notes())


def table_html(view: SmellView) -> str:
    def style(row):
        return "font-weight:bold" if row["version"] == ROW_LABELS[view.version] else "color:#777"
    return rows_html(view.table_rows, style)
