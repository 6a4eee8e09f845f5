"""What lesson 08's picture and table show for one run and number of rounds, as plain data.

The picture is the part of Larkspur's graph the loop runs through, plus what no graph of code
holds: two dashed edges *through the world* (a discount changes the spend the ltv model learns
from; a VIP invitation changes the churn the churn model learns from), drawn into the models'
next round, since a loop cannot be drawn left to right.

>>> from mldebt_lessons.shop.world import build_world
>>> view = loop_view(build_world(), "both", 4)
>>> len(view.lit_edges & WORLD_EDGES), view.title.startswith("both teams")
(2, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.hidden_feedback_loops.experiment import (
    MAX_ROUNDS,
    RUNS,
    Round,
    late_drift,
    simulate,
)
from mldebt_lessons.shop.world import World

NEXT = {"churn_model": "churn_model, next round", "ltv_model": "ltv_model, next round"}
WORLD_EDGES = frozenset({("email_campaign", NEXT["ltv_model"]), ("vip_programme", NEXT["churn_model"])})
CODE_EDGES = frozenset({("churn_model", "email_campaign"), ("ltv_model", "vip_programme")})
RETRAIN_EDGES = frozenset({("churn_model", NEXT["churn_model"]), ("ltv_model", NEXT["ltv_model"])})
WORLD_LEGEND = "dashed arrow: an effect through the world (a discount changes spend; a VIP invitation changes churn) that no code declares"
LOOP_COLOUR = OKABE_ITO["vermillion"]


@dataclass(frozen=True)
class LoopView:
    run: str
    rounds: int
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]


def loop_graph() -> nx.DiGraph:
    """The two models, their consumers, and each model's next round (kind "later model")."""
    g = nx.DiGraph()
    descriptions = {"churn_model": "the retention team's churn model", "ltv_model": "the loyalty team's ltv model",
                    "email_campaign": "sends the win-back discount to the riskiest users",
                    "vip_programme": "invites the biggest predicted spenders"}
    for node, kind in (("churn_model", "model"), ("ltv_model", "model"), ("email_campaign", "consumer"),
                       ("vip_programme", "consumer")):
        g.add_node(node, kind=kind, description=descriptions[node])
    for model, later in NEXT.items():
        g.add_node(later, kind="later model", description=f"{model}, retrained on what the world recorded")
    g.add_edges_from(sorted(CODE_EDGES | RETRAIN_EDGES))  # sorted: the same picture in every run
    g.add_edges_from(sorted(WORLD_EDGES), declared=False)
    return g


def _title(run: str, rounds: int) -> str:
    return f"{run if run != 'both' else 'both teams retrain'}: rounds 0-{rounds}"


def longest_title() -> str:
    return max((_title(run, MAX_ROUNDS) for run in RUNS), key=len)


def round_rows(rounds: list[Round]) -> list[dict]:
    """One row per round: who retrained, each model's drift, and how much of each list is new."""
    def who(r):
        return {(True, True): "both", (True, False): "churn", (False, True): "ltv"}.get(
            (r.churn_retrained, r.ltv_retrained), "none")
    return [{"round": r.round, "retrained": who(r), "churn drift": f"{100 * r.churn_drift:.2f} pts",
             "ltv drift": f"£{r.ltv_drift:.2f}", "new discounts": f"{r.discount_turnover:.1%}",
             "new VIPs": f"{r.vip_turnover:.1%}"} for r in rounds]


def loop_summary(run: str, rounds: list[Round]) -> str:
    """One paragraph, every number read from the rounds."""
    churn, ltv = late_drift(rounds)
    last = rounds[-1]
    return (f"After round 1 the churn model moved {100 * churn:.2f} points in all and the "
            f"ltv model £{ltv:.2f}; in round {last.round}, {last.discount_turnover:.1%} of the discount list and "
            f"{last.vip_turnover:.1%} of the VIP list were new.")


MOTION = ("moves after round 1", "still after round 1", "frozen")


def _motion(moving: bool, adapts: bool) -> str:
    return MOTION[0] if moving else (MOTION[1] if adapts else MOTION[2])


@functools.lru_cache(maxsize=128)
def loop_view(world: World, run: str, rounds: int) -> LoopView:
    """Everything the explorer shows for ``run`` over rounds 0..``rounds``."""
    data = simulate(world, run, rounds)
    churn, ltv = late_drift(data)
    total_churn = sum(r.churn_drift for r in data)
    total_ltv = sum(r.ltv_drift for r in data)
    adapts = [RUNS[run](r) for r in range(1, rounds + 1)]
    churn_adapts, ltv_adapts = any(a for a, _ in adapts), any(b for _, b in adapts)
    lit = set(CODE_EDGES)
    if churn_adapts:
        lit |= {("vip_programme", NEXT["churn_model"]), ("churn_model", NEXT["churn_model"])}
    if ltv_adapts:
        lit |= {("email_campaign", NEXT["ltv_model"]), ("ltv_model", NEXT["ltv_model"])}
    moving = {"churn_model": churn > 0, "ltv_model": ltv > 0}
    fills = {}
    for model in NEXT:
        retrains = churn_adapts if model == "churn_model" else ltv_adapts
        fill = blend(LOOP_COLOUR, 0.7) if moving[model] else (CHANGED_FILL if retrains else "#FFFFFF")
        fills[model] = fills[NEXT[model]] = fill
    notes = {"churn_model": f"drift {100 * total_churn:.2f} pts", "ltv_model": f"drift £{total_ltv:.2f}",
             NEXT["churn_model"]: _motion(moving["churn_model"], churn_adapts),
             NEXT["ltv_model"]: _motion(moving["ltv_model"], ltv_adapts),
             "email_campaign": f"new: {data[-1].discount_turnover:.0%}", "vip_programme": f"new: {data[-1].vip_turnover:.0%}"}
    return LoopView(run, rounds, fills, notes, frozenset(lit), _title(run, rounds), loop_summary(run, data),
                    round_rows(data))


def longest_notes() -> dict[str, str]:
    return {"churn_model": "drift 99.99 pts", "ltv_model": "drift £999.99", NEXT["churn_model"]: max(MOTION, key=len),
            NEXT["ltv_model"]: max(MOTION, key=len), "email_campaign": "new: 100%", "vip_programme": "new: 100%"}


def loop_picture(title: str | None = None) -> GraphPicture:
    """An unpainted picture of the loop, sized for every state's title and notes."""
    return GraphPicture(loop_graph(), title=title or longest_title(), longest_note=longest_notes(),
                        dashed_legend=WORLD_LEGEND)


def table_html(view: LoopView) -> str:
    return rows_html(view.table_rows)
