"""Lesson 08: a hidden feedback loop between two models, through the world."""

import time

from mldebt_lessons.lessons.hidden_feedback_loops.claims import CLAIMS
from mldebt_lessons.lessons.hidden_feedback_loops.experiment import (
    RUNS,
    late_drift,
    simulate,
)
from mldebt_lessons.lessons.hidden_feedback_loops.view import (
    WORLD_EDGES,
    loop_graph,
    loop_view,
)
from mldebt_lessons.lessons.hidden_feedback_loops.widget import LoopExplorer
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.world import build_world


def test_no_edge_joins_the_two_models_in_code():
    import networkx as nx
    g = shop_graph()
    assert not nx.has_path(g, "churn_model", "ltv_model") and not nx.has_path(g, "ltv_model", "churn_model")
    assert WORLD_EDGES <= set(loop_graph().edges) and not WORLD_EDGES & set(g.edges)


def test_controls_settle_and_the_loop_does_not():
    world = build_world()
    assert late_drift(simulate(world, "churn only")) == (0.0, 0.0)
    assert late_drift(simulate(world, "ltv only")) == (0.0, 0.0)
    assert all(d == 0 for r in simulate(world, "neither") for d in (r.churn_drift, r.ltv_drift))
    assert all(d > 0 for d in late_drift(simulate(world, "both")))


def test_every_control_changes_what_is_shown_and_answers_fast():
    explorer = LoopExplorer()
    seen, times = set(), []
    for run in RUNS:
        for rounds in (1, 4, 8):
            start = time.perf_counter()
            explorer.select(run, rounds)
            times.append(time.perf_counter() - start)
            seen.add((explorer.summary.value, explorer.table.value, bytes(explorer.picture.svg())))
    assert len(seen) == len(RUNS) * 3
    assert max(times) < 0.025
    assert "rounds 0-8" in loop_view(build_world(), "both", 8).title


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "08" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"one_adapting_settles", "loop_amplifies"}


def test_one_declaring_team_is_not_enough_but_another_reader_of_churn_is():
    from mldebt_lessons.lessons.hidden_feedback_loops.experiment import hidden_loops

    def joins_both(loops):
        return any({"churn_model", "ltv_model"} <= set(m) for m in loops)
    assert joins_both(hidden_loops()) and not joins_both(hidden_loops(()))
    assert not joins_both(hidden_loops("email_campaign")) and not joins_both(hidden_loops("vip_programme"))
    assert joins_both(hidden_loops(("vip_programme", "homepage")))  # exercise 08.4: the homepage reads churn too


def test_runs_that_retrain_on_the_same_list_share_the_refit():
    world = build_world()
    both, churn_only, staggered = (simulate(world, run) for run in ("both", "churn only", "staggered"))
    assert both[1].churn_drift == churn_only[1].churn_drift == staggered[1].churn_drift > 0
    assert both[1].ltv_drift == simulate(world, "ltv only")[1].ltv_drift > 0
