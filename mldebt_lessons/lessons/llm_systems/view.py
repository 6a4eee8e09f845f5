"""What lesson 18's ripple picture and table show for one change to the assistant, as plain data.

The picture is Larkspur's support assistant as :func:`mldebt_lessons.shop.assistant.graph.assistant_graph`
adds it to the shop graph (with the recommender, whose picks the chat also shows). Pick a change (the
embedder upgraded, the hosted model's new release, the judge's new release, a prompt edit), with or without
the guard that pays that debt down. The changed node is yellow; every node it reaches is lit: vermillion
where a measured number moved for the worse, green where it held (or the guard held it), grey-blue where the
change arrives but this lesson does not measure it. Every number in a note is measured.

>>> from mldebt_lessons.shop.world import build_world
>>> view = change_view(build_world(), "hosted model v2", False)
>>> view.fills["hosted_model"] == CHANGED_FILL, view.fills["support_chat"] == HURT_FILL
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.lessons.llm_systems.experiment import (
    GENERATIONS,
    QUARTER,
    backfill_recall,
    collapse,
    contract_failures,
    escalation_mark,
    judge_outcome,
    parse_outcome,
    prompt_edit,
    recall,
)
from mldebt_lessons.shop.assistant.graph import ASSISTANT_NODES
from mldebt_lessons.shop.graph import ripple, shop_graph

HURT_FILL, HELD_FILL, REACHED_FILL = blend(OKABE_ITO["vermillion"], 0.7), blend(OKABE_ITO["green"], 0.6), "#D6E6F2"
TEXT_SOURCES = ("help_articles", "question_log")
CHANGES = {  # the change: the node it is made to
    "embedder v2": "embedder",
    "hosted model v2": "hosted_model",
    "judge v2": "judge",
    "prompt edit": "assistant_prompt",
}
GUARDS = {
    "embedder v2": "re-embed a quarter, map the rest (Procrustes)",
    "hosted model v2": "contract test on 20 golden questions",
    "judge v2": "re-tune the pass mark on 40 labelled answers",
    "prompt edit": "labelled evaluation on 20 golden questions",
}


def check_change(change: str) -> None:
    if change not in CHANGES:
        raise unknown_choice("change", change, CHANGES)


@dataclass(frozen=True)
class ChangeView:
    change: str
    guarded: bool
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    reached: tuple[str, ...]
    title: str
    summary: str
    table_rows: list[dict]


@functools.lru_cache(maxsize=4)
def picture_graph():
    """The assistant's part of the shop graph: its nodes (without the two text sources, which no change here
    reaches) and the recommender."""
    from mldebt_lessons.shop.assistant.graph import assistant_graph
    import networkx as nx
    full = assistant_graph(shop_graph())
    keep = ["recommender"] + [n for n in ASSISTANT_NODES if n not in TEXT_SOURCES]
    g = nx.DiGraph()  # built in a fixed order (a subgraph view would follow a set's order, which varies by run)
    for n in keep:
        g.add_node(n, **full.nodes[n])
    for u, v in full.edges:
        if u in keep and v in keep:
            g.add_edge(u, v, **full.edges[u, v])
    return g


def _title(change: str, guarded: bool) -> str:
    return f"{change}, {'guarded: ' + GUARDS[change] if guarded else 'no guard'}"


def longest_title() -> str:
    return max((_title(c, g) for c in CHANGES for g in (False, True)), key=len)


def longest_notes() -> dict[str, str]:
    return {"embedder": "changed: v1 to v2", "assistant_prompt": "changed: at most 12 words",
            "article_index": "recall@5 100% to 100%", "hosted_model": "fenced, 0-100 confidence",
            "judge": "changed: length counts more", "support_chat": "json.loads raises on 100%",
            "escalation_queue": "escalated 100% to 100%", "eval_dashboard": "pass rate 100% to 100%",
            "release_gate": "blocked: 20 of 20 golden fail", "recommender": ""}


def _pct(v: float) -> str:
    return f"{v:.0%}"


def _measured(world, change: str, guarded: bool) -> tuple[dict[str, tuple[str | None, str]], str, list[dict]]:
    """{node: (verdict "hurt"/"held"/None, note)}, the summary and the table rows, all measured."""
    if change == "embedder v2":
        before, broken = recall(world, "v1", "v1"), recall(world, "v1", "v2")
        fixed = backfill_recall(world, QUARTER, True)
        after = fixed if guarded else broken
        verdict = "held" if guarded else "hurt"
        nodes = {"embedder": (None, "changed: v1 to v2"),
                 "article_index": (verdict, f"recall@5 {_pct(before)} to {_pct(after)}"),
                 "hosted_model": (verdict, "finds most articles again" if guarded else "reads wrong articles")}
        summary = (f"Questions embedded by v2 against the v1 index: recall@5 falls from {before:.1%} to {broken:.1%}, "
                   f"and nothing raises. Re-embedding a quarter of the articles and mapping the rest with a Procrustes "
                   f"map gives {fixed:.1%}; re-embedding all of them gives {recall(world, 'v2', 'v2'):.1%}.")
        rows = [{"index": "v1 (v1 queries)", "recall@5": _pct(before)}, {"index": "v1 (v2 queries)", "recall@5": _pct(broken)},
                {"index": "quarter + map", "recall@5": _pct(fixed)},
                {"index": "quarter, no map", "recall@5": _pct(backfill_recall(world, QUARTER, False))},
                {"index": "all re-embedded", "recall@5": _pct(recall(world, "v2", "v2"))}]
        return nodes, ("Guarded: " if guarded else "No guard: ") + summary, rows
    if change == "hosted model v2":
        v1, strict, lenient = (parse_outcome(world, "v1"), parse_outcome(world, "v2", "strict"),
                               parse_outcome(world, "v2", "lenient"))
        caught = contract_failures(world, "v2")
        nodes = {"hosted_model": (None, "fenced, 0-100 confidence")}
        if guarded:
            nodes.update({"release_gate": ("held", f"blocked: {caught} of 20 golden fail"),
                          "support_chat": ("held", "still on release v1"), "escalation_queue": ("held", "still on release v1")})
        else:
            nodes.update({"support_chat": ("hurt", f"json.loads raises on {_pct(strict.failed)}"),
                          "escalation_queue": ("hurt", f"escalated {_pct(v1.escalated)} to {_pct(lenient.escalated)}")})
        summary = (f"Release v2 fences step-by-step answers and gives confidence out of 100: json.loads raises on "
                   f"{strict.failed:.1%} of replies and silently mis-reads {strict.wrong_reads:.1%}; a lenient parser "
                   f"never raises and escalates {lenient.escalated:.1%} of answers instead of {v1.escalated:.1%} "
                   f"(the mark is {escalation_mark(world):.2f}). The contract test fails on {caught} of 20 golden replies.")
        rows = [{"parser": "json.loads, v1", "raises": _pct(v1.failed), "misreads": _pct(v1.wrong_reads),
                 "escalated": _pct(v1.escalated)},
                *({"parser": f"{p}, v2", "raises": _pct(o.failed), "misreads": _pct(o.wrong_reads),
                   "escalated": _pct(o.escalated)} for p, o in (("json.loads", strict), ("lenient", lenient)))]
        return nodes, ("Guarded: the release is blocked. " if guarded else "No guard: ") + summary, rows
    if change == "judge v2":
        o = judge_outcome(world)
        after, mark = (o.pass_v2_retuned, o.threshold_v2) if guarded else (o.pass_v2_fixed, o.threshold_v1)
        verdict = "held" if guarded else "hurt"
        nodes = {"judge": (None, "changed: length counts more"),
                 "eval_dashboard": (verdict, f"pass rate {_pct(o.pass_v1)} to {_pct(after)}"),
                 "release_gate": (verdict, f"pass mark {mark:.1f}")}
        summary = (f"No answer changed; only the judge did. At the mark tuned for judge v1 ({o.threshold_v1:.1f}) judge "
                   f"v2 passes {o.pass_v2_fixed:.1%} instead of {o.pass_v1:.1%}; re-tuned on 40 labelled answers "
                   f"({o.threshold_v2:.1f}) it passes {o.pass_v2_retuned:.1%}. Truly resolved: {o.resolved:.1%}.")
        rows = [{"judge": "v1", "mark": f"{o.threshold_v1:.1f}", "pass rate": _pct(o.pass_v1)},
                {"judge": "v2, old mark", "mark": f"{o.threshold_v1:.1f}", "pass rate": _pct(o.pass_v2_fixed)},
                {"judge": "v2, re-tuned", "mark": f"{o.threshold_v2:.1f}", "pass rate": _pct(o.pass_v2_retuned)},
                {"judge": "the truth", "mark": "labels", "pass rate": _pct(o.resolved)}]
        return nodes, ("Guarded: " if guarded else "No guard: ") + summary, rows
    e = prompt_edit(world)
    if guarded:
        nodes = {"release_gate": ("held", f"blocked: golden {_pct(e.golden_before)} to {_pct(e.golden_after)}"),
                 "support_chat": ("held", "still on the old prompt"), "hosted_model": ("held", "still on the old prompt")}
    else:
        nodes = {"hosted_model": ("hurt", "drops the how-to steps"),
                 "support_chat": ("hurt", f"resolved {_pct(e.resolved_before)} to {_pct(e.resolved_after)}"),
                 "eval_dashboard": ("hurt", f"pass rate {_pct(e.pass_before)} to {_pct(e.pass_after)}"),
                 "escalation_queue": ("held", "confidence unchanged")}
    nodes["assistant_prompt"] = (None, "changed: at most 12 words")
    summary = (f"The prompt edit cuts answers from {e.words_before:.0f} to {e.words_after:.0f} words on average: "
               f"resolved answers fall from {e.resolved_before:.1%} to {e.resolved_after:.1%}, the judge's pass rate "
               f"from {e.pass_before:.1%} to {e.pass_after:.1%}. The contract test sees {e.contract_failures} "
               f"failures; the labelled evaluation on 20 golden questions sees {e.golden_before:.0%} to "
               f"{e.golden_after:.0%} resolved.")
    rows = [{"check before release": "contract test", "verdict": f"{e.contract_failures} failures: passes"},
            {"check before release": "labelled evaluation",
             "verdict": f"{e.golden_before:.0%} to {e.golden_after:.0%} resolved: blocks"}]
    return nodes, ("Guarded: the edit is blocked. " if guarded else "No guard: ") + summary, rows


@functools.lru_cache(maxsize=64)
def change_view(world, change: str, guarded: bool) -> ChangeView:
    """Everything the explorer shows for one change, with or without its guard."""
    check_change(change)
    g = picture_graph()
    source = CHANGES[change]
    reached = tuple(r.node for r in ripple(g, source))
    measured, summary, rows = _measured(world, change, bool(guarded))
    fills, notes = {source: CHANGED_FILL}, {}
    for node in reached:
        fills[node] = REACHED_FILL
        notes[node] = "reached, not measured here"
    for node, (verdict, note) in measured.items():
        notes[node] = note
        if verdict is not None:
            fills[node] = HURT_FILL if verdict == "hurt" else HELD_FILL
    lit = frozenset((u, v) for u, v in g.edges if (u == source or u in reached) and v in reached)
    return ChangeView(change, bool(guarded), fills, notes, lit, reached, _title(change, bool(guarded)), summary, rows)


def change_picture() -> GraphPicture:
    """The unpainted picture, sized for every state's title and notes."""
    return GraphPicture(picture_graph(), title=longest_title(), longest_note=longest_notes())


CHART_FONT = 12  # points: every text of the chart at least this (readable on a projector)
CHART_WIDTH = 5.6  # inches: 560 px at 100 dpi, inside a notebook's output area at 1024 px


def collapse_chart(world, generations: int = GENERATIONS):
    """Model collapse over generations: the variance and the tail mass left (over generation 0's), for the
    typical chain, replacing the data against accumulating it.

    >>> from mldebt_lessons.shop.world import build_world
    >>> fig = collapse_chart(build_world())
    >>> min(t.get_fontsize() for t in fig.findobj(lambda o: hasattr(o, "get_fontsize") and o.get_text()))
    12.0
    """
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 4.2), layout="constrained")
    x = range(generations + 1)
    for scheme, colour in (("replace", OKABE_ITO["vermillion"]), ("accumulate", OKABE_ITO["blue"])):
        c = collapse(world, scheme, generations)
        ax.plot(x, 100 * c.variance, color=colour, lw=2.5, label=f"variance, {scheme}")
        ax.plot(x, 100 * c.tail, color=colour, lw=2.5, ls="--", label=f"tail, {scheme}")
    ax.set_xlabel("generation", fontsize=CHART_FONT)
    ax.set_ylabel("left, % of generation 0's", fontsize=CHART_FONT)
    ax.tick_params(labelsize=CHART_FONT)
    ax.set_ylim(0, 110)
    ax.set_xlim(0, generations)
    ax.set_title("A model refitted generation after generation:\nwhat is left", loc="left", fontsize=CHART_FONT + 1)
    fig.legend(frameon=False, fontsize=CHART_FONT, loc="outside lower center", ncols=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig
