"""What lesson 12's picture and table show for one bug and one version, as plain data.

The picture is the preparation as a graph: the two sets of rows (training, and the held-out rows
that are the validation set and, later, the users served), the four preparation steps, the model,
and what it feeds. A step is coloured by where it was fitted: on the training rows only, or on
rows it should never have seen; or, at serving, whether it is the same object or a copy written by hand.

>>> from mldebt_lessons.shop.world import build_world
>>> view = bug_view(build_world(), "target encoding", "ad hoc")
>>> view.fills["area_churn_rate"] == LEAK_FILL, view.title
(True, 'target encoding leak: ad hoc')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.abstraction_debt.experiment import BUGS, LEAKS, SKEWS, VERSIONS, leak, skew
from mldebt_lessons.shop.world import World

ROWS = ("training_rows", "held_out_rows")
STEPS = ("fill_and_scale", "one_hot_device", "area_churn_rate", "pick_vendor_columns")
MODEL = "logistic_regression"
OUTPUTS = ("validation_auc", "serving_decision")
STEP_OF = {"scaler and imputer": "fill_and_scale", "target encoding": "area_churn_rate",
           "feature selection": "pick_vendor_columns", "batch statistics": "fill_and_scale",
           "fill value": "fill_and_scale", "category order": "one_hot_device"}
USES = {"target encoding": "area_churn_rate", "feature selection": "pick_vendor_columns"}
LEAK_FILL = OKABE_ITO["vermillion"]
SAFE_FILL = blend(OKABE_ITO["green"], 0.45)
IDLE_FILL = "#E6E6E6"
RECODE_NOTES = {"batch statistics": "re-coded: batch stats", "fill value": "re-coded: fill 0",
                "category order": "re-coded: other order"}


@dataclass(frozen=True)
class BugView:
    bug: str
    version: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]
    value: float  # the inflation (a leak) or the share flipped (a skew)


def preparation_graph() -> nx.DiGraph:
    """Rows, the four preparation steps, the model, and what it feeds."""
    g = nx.DiGraph()
    for node in ROWS:
        g.add_node(node, kind="source")
    for node in STEPS:
        g.add_node(node, kind="feature")
    g.add_node(MODEL, kind="model")
    for node in OUTPUTS:
        g.add_node(node, kind="consumer")
    g.add_edges_from((r, s) for r in ROWS for s in STEPS)
    g.add_edges_from((s, MODEL) for s in STEPS)
    g.add_edges_from((MODEL, o) for o in OUTPUTS)
    return g


def signed(value: float, digits: int) -> str:
    """``value`` with its sign, and no sign at all when it rounds to zero.

    >>> signed(0.0661, 3), signed(-0.00004, 4)
    ('+0.066', '0.0000')
    """
    text = f"{value:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def title_of(bug: str, version: str) -> str:
    return f"{bug} {'leak' if bug in LEAKS else 'skew'}: {version}"


def longest_title() -> str:
    return max((title_of(b, v) for b in BUGS for v in VERSIONS), key=len)


LONGEST_NOTES = {"training_rows": "fits every step", "held_out_rows": "fits pick_vendor_columns",
                 **{s: "re-coded: other order" for s in STEPS}, MODEL: "fitted: training",
                 "validation_auc": "AUC 0.000 (+0.000)", "serving_decision": "flipped 100.0%"}


def _summary(bug: str, version: str, world: World) -> tuple[str, float]:
    if bug in LEAKS:
        result = leak(world, bug)
        if version == "ad hoc":
            return (f"Fitted on all {result.fitted_rows:,} rows before the split, the {bug} step lets the validation "
                    f"rows in: validation AUC {result.adhoc_auc:.3f}, against {result.pipeline_auc:.3f} for the "
                    f"Pipeline, an inflation of {signed(result.inflation, 4)}."), result.inflation
        return (f"The Pipeline fits every step on the {result.training_rows:,} training rows it is given, so the "
                f"validation rows stay unseen: validation AUC {result.pipeline_auc:.3f}."), 0.0
    result = skew(world, bug)
    if version == "ad hoc":
        return (f"The serving code {SKEWS[bug]}: {result.adhoc_flipped:.1%} of the {result.served} users served "
                f"get another decision than validation promised."), result.adhoc_flipped
    return (f"The fitted Pipeline itself serves the {result.served} users, in batches of 50: "
            f"{result.pipeline_flipped:.1%} of decisions differ from validation."), result.pipeline_flipped


def table_rows(world: World) -> list[dict]:
    """One row per bug: its kind, and in each version the validation AUC (a leak) or the share flipped (a skew)."""
    rows = []
    for bug in BUGS:
        if bug in LEAKS:
            r = leak(world, bug)
            rows.append({"bug": bug, "kind": "leak", "ad hoc": f"AUC {r.adhoc_auc:.3f}",
                         "Pipeline": f"AUC {r.pipeline_auc:.3f}"})
        else:
            r = skew(world, bug)
            rows.append({"bug": bug, "kind": "skew", "ad hoc": f"{r.adhoc_flipped:.1%} flip",
                         "Pipeline": f"{r.pipeline_flipped:.1%} flip"})
    return rows


@functools.lru_cache(maxsize=64)
def bug_view(world: World, bug: str, version: str) -> BugView:
    """Everything the explorer shows for ``bug`` in ``version`` ("ad hoc" or "Pipeline")."""
    used = [s for s in STEPS if s not in USES.values() or USES.get(bug) == s]
    bad = STEP_OF[bug] if version == "ad hoc" else None
    fills = {s: (LEAK_FILL if s == bad else SAFE_FILL) if s in used else IDLE_FILL for s in STEPS}
    notes = {s: "not read" for s in STEPS if s not in used}
    lit = {("training_rows", s) for s in used}
    if bug in LEAKS:
        for s in used:
            notes[s] = "fitted: all rows" if s == bad else "fitted: training"
        notes["training_rows"] = "fits every step"
        notes["held_out_rows"] = f"fits {bad}" if bad else "fits nothing"
        if bad:
            lit.add(("held_out_rows", bad))
        summary, value = _summary(bug, version, world)
        notes["validation_auc"] = (f"AUC {leak(world, bug).adhoc_auc:.3f} ({signed(value, 3)})" if bad
                                   else f"AUC {leak(world, bug).pipeline_auc:.3f}")
        notes["serving_decision"] = ""
    else:
        for s in used:
            notes[s] = RECODE_NOTES[bug] if s == bad else "same object"
        notes["training_rows"] = "fits every step"
        notes["held_out_rows"] = "served, 50 at a time"
        lit |= {("held_out_rows", s) for s in used}
        summary, value = _summary(bug, version, world)
        notes["serving_decision"] = f"flipped {value:.1%}"
        notes["validation_auc"] = ""
    notes[MODEL] = "fitted: training"
    lit |= {(s, MODEL) for s in used} | {(MODEL, "validation_auc" if bug in LEAKS else "serving_decision")}
    fills[MODEL] = SAFE_FILL
    out = "validation_auc" if bug in LEAKS else "serving_decision"
    fills[out] = LEAK_FILL if bad else SAFE_FILL
    return BugView(bug, version, fills, notes, frozenset(lit), title_of(bug, version), summary,
                   table_rows(world), value)


def bug_picture(title: str | None = None) -> GraphPicture:
    """An unpainted picture of the preparation, sized for every state's title and notes."""
    return GraphPicture(preparation_graph(), title=title or longest_title(), longest_note=LONGEST_NOTES)


def table_html(view: BugView) -> str:
    """The table of every bug, the selected one in bold."""
    return rows_html(view.table_rows, lambda row: "font-weight:bold" if row["bug"] == view.bug else "")
