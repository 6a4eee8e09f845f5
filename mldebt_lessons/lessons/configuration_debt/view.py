"""What lesson 14's picture, diff and table show for one config edit, checker on or off, as plain data.

The picture is Larkspur with its configs in the first column: configs -> features -> models ->
consumers. The edited config and the features the edit concerns are yellow; when the edit reaches
production its model and everything downstream of it light up (vermillion when decisions flip,
green when nothing changes); when the checker stops it, the config turns green and nothing
downstream moves.

>>> from mldebt_lessons.shop.world import build_world
>>> view = edit_view(build_world(), "threshold as percent", "on")
>>> view.title, view.notes["fraud_model.yaml"]
('threshold as percent, checker on: stopped by P2', 'edited; stopped by P2')
>>> edit_view(build_world(), "threshold as percent", "off").notes["fraud_model"].startswith("flips")
True
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.configuration_debt.checker import PRINCIPLES
from mldebt_lessons.lessons.configuration_debt.experiment import (
    MISTAKES,
    Outcome,
    consumers_reached,
    mistake_report,
    outcome,
)
from mldebt_lessons.shop.config.history import FEATURE_FACTS
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.world import World

CHECKER = ("on", "off")
HARM_FILL, CALM_FILL, STOPPED_FILL = blend(OKABE_ITO["vermillion"], 0.7), blend(OKABE_ITO["green"], 0.6), \
    blend(OKABE_ITO["green"], 0.6)
CONFIGS = ("churn_model", "fraud_model", "recommender", "ltv_model")


def config_node(model: str) -> str:
    return f"{model}.yaml"


@functools.lru_cache(maxsize=1)
def config_graph() -> nx.DiGraph:
    """Larkspur's graph with its configs in place of the raw sources (configs -> features -> models ->
    consumers), and the stand-in feature beside the feature it stands in for."""
    shop = shop_graph()
    g = nx.DiGraph()
    for model in CONFIGS:
        g.add_node(config_node(model), kind="source", description=f"{model}'s YAML config")
    for node, data in shop.nodes(data=True):
        if data["kind"] != "source":
            g.add_node(node, kind=data["kind"], description=data.get("description", ""))
    g.add_node("session_count_sampled", kind="feature", description=FEATURE_FACTS["session_count_sampled"].description)
    for u, v, data in shop.edges(data=True):
        if shop.nodes[u]["kind"] != "source":
            g.add_edge(u, v, **data)
    for model in CONFIGS:
        g.add_edge(config_node(model), model)
    g.add_edge("session_count_sampled", "churn_model")
    return g


@dataclass(frozen=True)
class EditView:
    mistake: str
    checker: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]
    diff_html: str


def _title(mistake: str, checker: str, stopped_by: tuple[str, ...], reaches: bool) -> str:
    if checker == "on" and stopped_by:
        verdict = f"stopped by {', '.join(stopped_by)}"
    else:
        verdict = "reaches production" if reaches else "does not run"
    return f"{mistake}, checker {checker}: {verdict}"


def longest_title() -> str:
    return max((_title(m, c, ("P1", "P3", "P6"), True) for m in MISTAKES for c in CHECKER), key=len)


def cost_words(o: Outcome, verb: str = "flip") -> str:
    """What the edit costs once in production, every number read from the outcome."""
    if o.metric == "AUC":
        quality = f"AUC {o.quality_good:.3f} -> {o.quality_edited:.3f}"
    else:
        quality = f"error £{o.quality_good:.2f} -> £{o.quality_edited:.2f} a customer"
    return f"{o.flipped:.1%} of {o.model}'s decisions {verb} ({quality})"


def edit_summary(o: Outcome, checker: str) -> str:
    """One sentence: what the edit does in production, and what the checker says."""
    cost = cost_words(o)
    if not o.reaches_without:
        return "The pipeline refuses this config, so it never reaches production."
    if checker == "off":
        return f"No checker: the pipeline takes it; {cost}."
    if o.caught:
        return (f"The checker stops it ({', '.join(o.caught_by)}); had it reached production, "
                f"{cost_words(o, 'would have flipped')}.")
    return f"The checker passes it, and {cost}."


def principle_rows(name: str) -> list[dict]:
    return [{"P": v.principle, "principle": PRINCIPLES[v.principle][0], "verdict": "pass" if v.ok else "FAIL",
             "what the check found": v.detail} for v in mistake_report(name).verdicts]


def diff_html(name: str) -> str:
    """The edit as a text diff (removed lines vermillion, added lines green), in a monospaced block."""
    lines = []
    for line in mistake_report(name).diff:
        colour = OKABE_ITO["vermillion"] if line.startswith("-") else (
            OKABE_ITO["green"] if line.startswith("+") else "#888888")
        lines.append(f"<span style='color:{colour}'>{html.escape(line)}</span>")
    body = "\n".join(lines) or "(no change to the text)"
    return (f"<pre style='font-size:13px;line-height:1.3;white-space:pre-wrap;margin:4px 0'>{body}</pre>")


@functools.lru_cache(maxsize=64)
def edit_view(world: World, mistake: str, checker: str) -> EditView:
    """Everything the explorer shows for one config edit, with the checker on or off."""
    o = outcome(world, mistake)
    m = MISTAKES[mistake]
    cfg = config_node(m.model)
    stopped = checker == "on" and o.caught
    reaches = o.reaches_without and not stopped
    fills = {cfg: STOPPED_FILL if stopped else CHANGED_FILL}
    verdict = (f"stopped by {', '.join(o.caught_by)}" if stopped else
               ("passes all 6" if checker == "on" else "not checked"))
    notes = {cfg: f"edited; {verdict}"}
    lit = {(cfg, m.model)}
    for feature in m.touches:
        fills[feature] = CHANGED_FILL  # yellow, as the legend says: no note (it would make every box taller)
        lit.add((feature, m.model))
    if reaches:
        fill = HARM_FILL if o.flipped > 0 else CALM_FILL
        fills[m.model] = fill
        notes[m.model] = f"flips {o.flipped:.1%}"
        graph = config_graph()
        for node in consumers_reached(m.model):
            fills[node] = fill
            notes[node] = "acts on it" if o.flipped > 0 else "no change"
            lit.update((u, node) for u in graph.predecessors(node) if u == m.model or u in consumers_reached(m.model))
    else:
        notes[m.model] = "unchanged"
    settings = "; ".join(o.settings) or "none (the same config, written differently)"
    ignored = f" The pipeline would skip: {'; '.join(o.ignored)}." if o.ignored else ""
    what = (f"<small>Settings that change once inheritance is resolved: {html.escape(settings)}."
            f"{html.escape(ignored)}</small>")
    return EditView(mistake, checker, fills, notes, frozenset(lit), _title(mistake, checker, o.caught_by, reaches),
                    edit_summary(o, checker), principle_rows(mistake), diff_html(mistake) + what)


def longest_notes() -> dict[str, str]:
    notes = {config_node(m): "edited; stopped by P1, P3, P6" for m in CONFIGS}
    notes.update({m: "flips 99.9%" for m in CONFIGS})
    for model in CONFIGS:
        for node in consumers_reached(model):
            notes.setdefault(node, "acts on it")
    return notes


# (column, row) of every node, placed by hand so that the picture is as short as its tallest column:
# each config sits on its model's row, so its arrow runs straight through the gaps between the features.
GRID = {
    "ltv_model.yaml": (0, 0.5), "fraud_model.yaml": (0, 2.5), "recommender.yaml": (0, 3.5),
    "churn_model.yaml": (0, 5.5),
    "avg_basket_value": (1, 0), "country": (1, 1), "user_age": (1, 2), "device": (1, 3), "days_since_signup": (1, 4),
    "session_count": (1, 5), "session_count_sampled": (1, 6),
    "ltv_model": (2, 0.5), "fraud_model": (2, 2.5), "recommender": (2, 3.5), "churn_model": (2, 5.5),
    "fraud_model_es": (3, 1.5),
    "vip_programme": (4, 0.5), "fraud_review_queue": (4, 1.5), "homepage": (4, 3.5), "ads_ranker": (4, 4.5),
    "email_campaign": (4, 5.5),
}


class ConfigPicture(GraphPicture):
    """The shop's graph picture, its first column headed "configs" (drawn as the graph's sources), laid out
    by :data:`GRID`."""

    def __init__(self, g: nx.DiGraph, **kwargs):
        super().__init__(g, **kwargs)
        if set(GRID) != set(g):
            raise RuntimeError(f"GRID places {sorted(set(GRID) ^ set(g))} wrongly")
        self.grid, self.nodes = dict(GRID), list(GRID)
        self._build()

    def _build_template(self) -> str:
        return super()._build_template().replace(">sources</text>", ">configs</text>", 1)


def edit_picture(title: str | None = None) -> GraphPicture:
    """An unpainted picture of the configs, features, models and consumers, sized for every state."""
    return ConfigPicture(config_graph(), title=title or longest_title(), longest_note=longest_notes())


def table_html(view: EditView) -> str:
    def style(row):
        return "font-weight:bold" if row["verdict"] == "FAIL" and view.checker == "on" else ""
    return rows_html(view.table_rows, style)
