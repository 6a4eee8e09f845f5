"""What lesson 07's pictures show, as plain data: the serve -> log -> retrain graph with its loop lit, and
a table of the rounds (error, coverage, bias, catches, regret) beside the control.

The loop graph is drawn left to right, so the edge back into the model cannot be drawn as an arrow
pointing left: the picture draws the model twice, this round (left) and next round (right), and the
labels' arrow into "fraud_model, next round" closes the loop.

>>> from mldebt_lessons.shop.world import build_world
>>> view = loop_view(build_world(), 0.0, 3)
>>> ("fraud_model", "review_queue") in view.lit_edges, ("all_cases", "random_picks") in view.lit_edges
(True, False)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import MUTED, rows_html
from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
    BUDGET_SHARE,
    EXPLORE_RATES,
    MAX_ROUNDS,
    ReviewRound,
    all_runs,
    frozen_share,
)
from mldebt_lessons.shop.world import World

LOOP_COLOUR = OKABE_ITO["vermillion"]
RANDOM_COLOUR = OKABE_ITO["sky_blue"]
NEXT_MODEL = "fraud_model, next round"
LOOP_EDGES = frozenset({("fraud_model", "review_queue"), ("review_queue", "training_labels"),
                        ("training_labels", NEXT_MODEL)})
RANDOM_EDGES = frozenset({("all_cases", "random_picks"), ("random_picks", "training_labels")})


def loop_graph() -> nx.DiGraph:
    """The review loop as a graph: every case is scored; the queue (the top scores) and the random picks
    are reviewed; their labels train the fraud model next round (a second box, so the loop closes).

    >>> sorted(loop_graph().successors("all_cases"))
    ['fraud_model', 'random_picks']
    >>> list(loop_graph().successors("training_labels"))
    ['fraud_model, next round']
    """
    g = nx.DiGraph()
    g.add_node("all_cases", kind="source", description="every order placed this round")
    g.add_node("fraud_model", kind="model", description="a fraud rate per cell of customers, learnt from labels")
    g.add_node("review_queue", kind="consumer", description="the reviewers check the cases the model scores highest")
    g.add_node("random_picks", kind="consumer", description="the reviewers check cases picked at random (exploration)")
    g.add_node("training_labels", kind="label", description="the reviewed cases' labels: next round's training data")
    g.add_node(NEXT_MODEL, kind="later model",
               description="the same fraud model, retrained on these labels: it picks the next review queue")
    g.add_edges_from([("all_cases", "fraud_model"), ("all_cases", "random_picks"),
                      ("fraud_model", "review_queue"), ("review_queue", "training_labels"),
                      ("random_picks", "training_labels"), ("training_labels", NEXT_MODEL)])
    return g


@dataclass(frozen=True)
class LoopView:
    """Fills, notes, lit edges and a title for the graph, plus table rows and a summary, for one state."""

    explore: float
    rounds: int
    title: str
    fills: dict
    notes: dict
    lit_edges: frozenset
    table_rows: list
    summary: str


def rate_label(explore: float) -> str:
    """An exploration rate as the widget shows it.

    >>> rate_label(0.05)
    '5%'
    """
    return f"{explore:.0%}"


def loop_title(explore: float, rounds: int, coverage: float) -> str:
    """The picture's title for one state."""
    return (f"{rate_label(explore)} of reviews at random, round {rounds}: fraud_model learns about "
            f"{coverage:.0%} of the cases")


def longest_title() -> str:
    """The longest title any state can have (the picture is sized for it)."""
    return max((loop_title(e, r, 1.0) for e in EXPLORE_RATES for r in range(1, MAX_ROUNDS + 1)), key=len)


def round_row(r: ReviewRound) -> dict:
    """One table row: a round's measures, in short cells."""
    return {"round": str(r.round), "error": f"{100 * r.error:.1f} pts", "coverage": f"{r.coverage:.0%}",
            "blind bias": f"{100 * r.blind_bias:+.1f} pts" if r.coverage < 1 else "none blind",
            "caught": f"{r.caught:.0f}" if r.round else "(audit)", "regret": f"{r.regret:.0f}"}


TABLE_NOTE = ("<b>error</b>: average gap between the model's fraud rate and the true one, per case, in points; "
              "<b>coverage</b>: share of the cases in a cell that got a label this round; <b>blind bias</b>: "
              "estimate minus truth where no label came (negative: it thinks fraud is rarer than it is); "
              "<b>caught</b>: expected frauds among the cases reviewed; <b>regret</b>: frauds given up so far "
              "against a reviewer who knew the true rates. Grey row: the control, the same rounds learning from a "
              "random sample the model cannot influence.")


def table_html(rows: list[dict]) -> str:
    """The rounds as an HTML table (the control's row in grey) with what each column means under it."""
    return (rows_html(rows, lambda row: MUTED if row["round"].startswith("ctrl") else "")
            + f"<p style='font-size:smaller;max-width:46em'>{TABLE_NOTE}</p>")


@functools.lru_cache(maxsize=64)
def loop_view(world: World, explore: float, rounds: int) -> LoopView:
    """Everything the explorer shows for exploration rate ``explore`` after ``rounds`` rounds."""
    runs = all_runs(world)
    run, control = runs[explore][:rounds + 1], runs["control"][:rounds + 1]
    now, ctrl = run[-1], control[-1]
    frozen = frozen_share(world, run)
    n_cases = len(world.truth["fraud_p"])
    budget = int(round(BUDGET_SHARE * n_cases))
    n_random = int(round(explore * budget))
    fills = {"fraud_model": CHANGED_FILL, NEXT_MODEL: CHANGED_FILL,
             "training_labels": blend(LOOP_COLOUR, 0.25 + 0.75 * min(frozen / 0.9, 1.0)),
             "review_queue": blend(LOOP_COLOUR, 0.45)}
    if n_random:
        fills["random_picks"] = blend(RANDOM_COLOUR, 0.45)
    notes = {"all_cases": f"{n_cases} orders a round",
             "fraud_model": f"error {100 * now.error:.1f} pts",
             "review_queue": f"top {budget - n_random} scores",
             "random_picks": f"{n_random} at random",
             "training_labels": f"{frozen:.0%} of cases never relabelled",
             NEXT_MODEL: f"picks round {rounds + 1}'s reviews"}
    lit = LOOP_EDGES | {("all_cases", "fraud_model")} | (RANDOM_EDGES if n_random else frozenset())
    rows = [round_row(r) for r in run]
    rows.append({**round_row(ctrl), "round": f"ctrl {ctrl.round}"})
    summary = (f"After {rounds} rounds with {rate_label(explore)} of the reviews at random, the model learns about "
               f"{now.coverage:.0%} of the cases this round, {frozen:.0%} of the cases sit in cells it has not "
               f"relabelled since round 0, its error is {100 * now.error:.1f} points and it has given up "
               f"{now.regret:.0f} frauds against a reviewer who knew the truth. Control (learning from a random "
               f"sample): coverage {ctrl.coverage:.0%}, error {100 * ctrl.error:.1f} points.")
    return LoopView(explore, rounds, loop_title(explore, rounds, now.coverage), fills, notes, lit, rows, summary)


def all_views(world: World) -> dict[tuple[float, int], LoopView]:
    """Every view the explorer can show (40), measured now."""
    return {(e, r): loop_view(world, e, r) for e in EXPLORE_RATES for r in range(1, MAX_ROUNDS + 1)}


def longest_notes(world: World) -> dict[str, str]:
    """For every box, the longest note any view writes in it."""
    longest: dict[str, str] = {}
    for view in all_views(world).values():
        for node, note in view.notes.items():
            if len(note) > len(longest.get(node, "")):
                longest[node] = note
    return longest


def loop_picture(world: World) -> GraphPicture:
    """An unpainted picture of the review loop, sized for every view's title and notes."""
    return GraphPicture(loop_graph(), title=longest_title(), longest_note=longest_notes(world), dashed_edges=())


def rounds_text(view: LoopView) -> str:
    """The table as short lines, for tutors and screen readers."""
    return "\n".join("; ".join(f"{k} {v}" for k, v in row.items()) for row in view.table_rows)
