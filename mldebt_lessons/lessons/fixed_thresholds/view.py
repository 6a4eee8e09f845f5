"""What lesson 15's picture, chart and table show for one drift, round and threshold policy, as plain data.

The picture is the hold threshold and everything that reads it or the score it is compared with: the
review queue (its size against the review team's capacity), the honest customers whose orders are held
(precision), the fraud that gets through (recall), the hold-rate dashboard, and Spain's fraud model, which
reads the home model's score. A consumer is vermillion when its number is off its round-0 target, green when
it is on it: a queue (the home one against the capacity, Spain's against what Spain's model held in round 0)
is on target within :data:`QUEUE_BAND` of it, and Spain's, which holds only a few dozen users, also whenever it
moved by fewer than :data:`SPAIN_MIN_USERS` users; precision and recall are on target unless they fall below
theirs by more than sampling noise: more than :data:`~mldebt_lessons.lessons.fixed_thresholds.experiment.NOISE_SES`
standard errors, computed from the counts (:func:`~mldebt_lessons.lessons.fixed_thresholds.experiment.noise_distances`),
so round 0, another sample of the same users, is never off target. Under the graph, in the same picture, a chart: the share of orders held,
round by round, under each policy, against the capacity.

>>> from mldebt_lessons.shop.world import build_world
>>> view = threshold_view(build_world(), "none", 2, "fixed")
>>> view.title.startswith("round 2, no drift, fixed")
True
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import FONT, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.fixed_thresholds.experiment import (
    NOISE_SES,
    POLICIES,
    Outcome,
    Targets,
    noise_distances,
    outcome,
    targets,
)
from mldebt_lessons.shop.retraining import DRIFTS, ROUNDS

OFF_FILL, ON_FILL, PATH_FILL = blend(OKABE_ITO["vermillion"], 0.7), blend(OKABE_ITO["green"], 0.6), "#EEEEEE"
QUEUE_BAND = (2 / 3, 3 / 2)  # the queue is on target within these multiples of the capacity
SPAIN_MIN_USERS = 5  # Spain's queue is a few dozen users: a move of fewer users than this is never off target
DRIFT_WORDS = {"none": "no drift", "slow": "slow drift", "fast": "fast drift"}

NODES = {  # node: (kind, description)
    "orders_db": ("source", "each round's new users and their orders"),
    "payments_config": ("source", "where the payments team keeps the hold threshold"),
    "training_window": ("feature", "the rows and inputs each retrain is fitted on"),
    "hold_threshold": ("feature", "hold an order when the fraud score reaches it"),
    "fraud_model": ("model", "the payments team's fraud model, retrained every round"),
    "fraud_model_es": ("model", "Spain's fraud model: reads fraud_model's score, never retrained"),
    "review_queue": ("consumer", "orders held for a person to check, against the team's capacity"),
    "honest_holds": ("consumer", "held orders that are not fraud: precision"),
    "missed_fraud": ("consumer", "fraud the queue lets through: recall"),
    "hold_dashboard": ("consumer", "the hold rate, plotted against the plan (the capacity)"),
    "es_review_queue": ("consumer", "Spanish orders held by fraud_model_es at its own 0.15"),
}
EDGES = (("orders_db", "training_window"), ("training_window", "fraud_model"), ("payments_config", "hold_threshold"),
         ("fraud_model", "fraud_model_es"), ("fraud_model_es", "es_review_queue"),
         *((u, v) for u in ("fraud_model", "hold_threshold")
           for v in ("review_queue", "honest_holds", "missed_fraud", "hold_dashboard")))


@dataclass(frozen=True)
class ThresholdView:
    drift: str
    round: int
    policy: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]
    chart: str  # an SVG chart of the queue over rounds, as text


def threshold_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for node, (kind, description) in NODES.items():
        g.add_node(node, kind=kind, description=description)
    g.add_edges_from(EDGES)
    return g


def _title(drift: str, round_: int, policy: str, threshold: float, ratio: float) -> str:
    return f"round {round_}, {DRIFT_WORDS[drift]}, {policy} {threshold:.3f}: queue {ratio:.1f}× capacity"


def longest_title() -> str:
    return max((_title(d, 9, p, 0.999, 99.9) for d in DRIFTS for p in POLICIES), key=len)


def queue_on_target(o: Outcome, t: Targets) -> bool:
    return QUEUE_BAND[0] <= o.held / t.capacity <= QUEUE_BAND[1]


def spain_on_target(held: float, before: float, users: int) -> bool:
    """Spain's queue against what it held in round 0: within the queue band, or moved by fewer than
    :data:`SPAIN_MIN_USERS` of its ``users`` (a relative band means nothing for a queue of a few users).

    >>> spain_on_target(13 / 750, 21 / 750, 750), spain_on_target(3 / 750, 0.0, 750)
    (False, True)
    """
    return (abs(held - before) * users < SPAIN_MIN_USERS - 1e-9
            or QUEUE_BAND[0] * before <= held <= QUEUE_BAND[1] * before)


def consumer_states(o: Outcome, t: Targets, spain_before: float, spain_users: int) -> dict[str, tuple[bool, str]]:
    """For each consumer: (on target?, its note)."""
    ratio, off = o.held / t.capacity, noise_distances(o, t)
    return {
        "review_queue": (queue_on_target(o, t), f"{o.held:.1%} held; capacity {t.capacity:.1%}"),
        "honest_holds": (off["precision"] >= -NOISE_SES,
                         f"precision {o.precision:.0%}; target {t.precision:.0%}"),
        "missed_fraud": (off["recall"] >= -NOISE_SES, f"recall {o.recall:.0%}; target {t.recall:.0%}"),
        "hold_dashboard": (queue_on_target(o, t), f"hold rate {ratio:.1f}× plan"),
        "es_review_queue": (spain_on_target(o.spain_held, spain_before, spain_users),
                            f"{o.spain_held:.1%} held (round 0: {spain_before:.1%})"),
    }


def longest_notes() -> dict[str, str]:
    return {"training_window": "fresh window, legit 1 in 3, +session_count",
            "hold_threshold": "keep precision: 0.999", "fraud_model": "mean score 99.9%",
            "fraud_model_es": "reads the moved score", "review_queue": "99.9% held; capacity 99.9%",
            "honest_holds": "precision 100%; target 100%", "missed_fraud": "recall 100%; target 100%",
            "hold_dashboard": "hold rate 99.9× plan", "es_review_queue": "99.9% held (round 0: 99.9%)"}


def _row(o: Outcome) -> dict:
    return {"policy": o.policy, "threshold": f"{o.threshold:.3f}", "queue": f"{o.held:.1%}",
            "precision": f"{o.precision:.1%}", "recall": f"{o.recall:.1%}", "Spain held": f"{o.spain_held:.1%}"}


def summary_of(o: Outcome, t: Targets) -> str:
    """One sentence, every number read from the outcome and the targets."""
    return (f"Round {o.round} ({o.recipe}), {DRIFT_WORDS[o.drift]}: the {o.policy} threshold {o.threshold:.3f} "
            f"holds {o.held:.1%} of live orders (capacity {t.capacity:.1%}), at precision {o.precision:.1%} "
            f"(target {t.precision:.1%}) and recall {o.recall:.1%} (target {t.recall:.1%}); fraud is "
            f"{o.fraud_share:.1%} of this round's users.")


@functools.lru_cache(maxsize=128)
def threshold_view(world, drift: str, round_: int, policy: str) -> ThresholdView:
    """Everything the explorer shows for one drift, round and policy."""
    o, t = outcome(world, drift, round_, policy), targets(world)
    spain_before = outcome(world, drift, 0, policy).spain_held
    fills = {n: PATH_FILL for n in ("orders_db", "payments_config", "training_window", "hold_threshold",
                                    "fraud_model", "fraud_model_es")}
    notes = {"training_window": o.recipe, "hold_threshold": f"{policy}: {o.threshold:.3f}",
             "fraud_model": f"mean score {o.mean_score:.1%}",
             "fraud_model_es": "reads the moved score" if round_ else "reads the score"}
    spain_users = len(world.markets["ES"].test_rows)
    for node, (ok, note) in consumer_states(o, t, spain_before, spain_users).items():
        fills[node] = ON_FILL if ok else OFF_FILL
        notes[node] = note
    history = {p: [outcome(world, drift, r, p) for r in ROUNDS] for p in POLICIES}
    return ThresholdView(drift, round_, policy, fills, notes, frozenset(EDGES),
                         _title(drift, round_, policy, o.threshold, o.held / t.capacity), summary_of(o, t),
                         [_row(outcome(world, drift, round_, p)) for p in POLICIES],
                         queue_chart(history, t.capacity, policy, round_, drift))


class ThresholdPicture(GraphPicture):
    """The threshold graph with the queue chart under it, in one SVG: one picture per demo state. Set
    ``chart`` (a view's chart) before taking ``svg()``."""

    chart = ""

    def _geometry(self) -> None:
        super()._geometry()
        width, height = self.size
        self.graph_height = height
        self.size = (max(width, CHART_W), height + CHART_H)

    def svg(self) -> bytes:
        graph = super().svg().decode("utf-8")
        chart = self.chart.replace("<svg ", f'<svg x="0" y="{self.graph_height}" ', 1) if self.chart else ""
        end = graph.rindex("</svg>")
        return (graph[:end] + chart + graph[end:]).encode("utf-8")


def threshold_picture(title: str | None = None) -> ThresholdPicture:
    """An unpainted picture of the threshold and its consumers (and room for the chart under them), sized
    for every state's title and notes."""
    return ThresholdPicture(threshold_graph(), title=title or longest_title(), longest_note=longest_notes())


# -- the chart: share of orders held, round by round --------------------------------------------

CHART_W, CHART_H, PAD_L, PAD_R, PAD_T, PAD_B = 560, 230, 56, 128, 30, 40
POLICY_COLOURS = {"fixed": OKABE_ITO["vermillion"], "keep precision": OKABE_ITO["blue"],
                  "keep capacity": OKABE_ITO["green"]}
TEXT_PX = 13


def queue_chart(history: dict[str, list[Outcome]], capacity: float, selected: str, round_: int, drift: str) -> str:
    """An SVG line chart (text at 13 px): share of live orders held in each round under each policy, the
    selected policy bold, the capacity dashed, the selected round marked."""
    highest = max(o.held for h in history.values() for o in h)
    step = next(s for s in (0.05, 0.1, 0.2, 0.25) if 4 * s >= highest)  # four round steps reach the top
    top = 4 * step
    plot_w, plot_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    x = lambda r: PAD_L + plot_w * r / (len(ROUNDS) - 1)
    y = lambda v: PAD_T + plot_h * (1 - v / top)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" '
           f'viewBox="0 0 {CHART_W} {CHART_H}" font-family="{FONT}" font-size="{TEXT_PX}">',
           '<rect width="100%" height="100%" fill="#FFFFFF"/>',
           f'<text x="{PAD_L}" y="18" font-weight="bold" fill="#000">share of orders held, {DRIFT_WORDS[drift]}</text>']
    for k in range(5):
        v = top * k / 4
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#DDD"/>'
                   f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#222">{v:.0%}</text>')
    for r in ROUNDS:
        out.append(f'<text x="{x(r):.1f}" y="{CHART_H - PAD_B + 18}" text-anchor="middle" fill="#222">{r}</text>')
    out.append(f'<text x="{PAD_L + plot_w / 2:.1f}" y="{CHART_H - 4}" text-anchor="middle" fill="#222">'
               'retraining round</text>')
    out.append(f'<line x1="{PAD_L}" x2="{PAD_L + plot_w}" y1="{y(capacity):.1f}" y2="{y(capacity):.1f}" '
               f'stroke="#000" stroke-dasharray="6,4" stroke-width="1.5"/>')
    labels = [(y(capacity), "capacity", "#000", False)]
    for policy in sorted(history, key=lambda p: p == selected):  # the selected policy on top
        points = " ".join(f"{x(o.round):.1f},{y(o.held):.1f}" for o in history[policy])
        bold = policy == selected
        colour = POLICY_COLOURS[policy]
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{3.5 if bold else 1.5}"'
                   f'{"" if bold else " stroke-opacity=" + chr(34) + "0.6" + chr(34)}/>')
        labels.append((y(history[policy][-1].held), policy, colour, bold))
    labels.sort()
    places = [label_y for label_y, *_ in labels]  # keep the end labels apart: push down, then up off the axis
    for k in range(1, len(places)):
        places[k] = max(places[k], places[k - 1] + TEXT_PX + 2)
    places[-1] = min(places[-1], PAD_T + plot_h)
    for k in range(len(places) - 2, -1, -1):
        places[k] = min(places[k], places[k + 1] - TEXT_PX - 2)
    for label_y, (_, policy, colour, bold) in zip(places, labels):
        out.append(f'<text x="{PAD_L + plot_w + 6}" y="{label_y + 4:.1f}" fill="{colour}"'
                   f'{" font-weight=" + chr(34) + "bold" + chr(34) if bold else ""}>{html.escape(policy)}</text>')
    chosen = history[selected][round_]
    out.append(f'<circle cx="{x(round_):.1f}" cy="{y(chosen.held):.1f}" r="7" fill="none" stroke="#000" '
               'stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out).replace("<text ", f'<text font-size="{TEXT_PX}" ')  # each text says its size


def table_html(view: ThresholdView) -> str:
    def style(row):
        return "font-weight:bold" if row["policy"] == view.policy else "color:#777"
    return rows_html(view.table_rows, style)
