"""What lesson 09's picture and table show for one swap in one version, as plain data.

The picture is one version of Larkspur's serving code: the three models on the left, and the files
that build, score or explain them (in the API version, through the API module). A file the swap
changes is yellow, with the lines it changes; the swapped model is vermillion.

>>> from mldebt_lessons.shop.world import build_world
>>> view = swap_view(build_world(), Swap("churn_model", "boosted trees"), "glued")
>>> sorted(n for n, f in view.fills.items() if f == CHANGED_FILL), view.title
(['homepage.py', 'report.py', 'training.py'], 'glued: churn_model → boosted trees')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.glue_code.experiment import (
    MODELS,
    SWAPS,
    Swap,
    diff_stats,
    ripple,
)
from mldebt_lessons.shop.serving import VERSIONS, source_files

VERSION_LABELS = {"glued": "glued", "api": "behind an API"}
SWAP_COLOUR = OKABE_ITO["vermillion"]
# Which files handle each model's estimator, read from the code: in the glued version directly (they
# build, fit, score or explain it); in the API version every job reaches a model through mlapi.py.
GLUED_SITES = {
    "churn_model": ("training.py", "batch.py", "homepage.py", "report.py"),
    "fraud_model": ("training.py", "batch.py", "fraud_review.py", "report.py"),
    "recommender": ("training.py", "batch.py", "homepage.py", "report.py"),
}
API_JOBS = {
    "churn_model": ("training.py", "batch.py", "homepage.py", "report.py"),
    "fraud_model": ("training.py", "batch.py", "fraud_review.py", "report.py"),
    "recommender": ("training.py", "batch.py", "homepage.py", "report.py"),
}


@dataclass(frozen=True)
class SwapView:
    swap: Swap
    version: str
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]


def files_shown(version: str) -> tuple[str, ...]:
    """The version's files, without its package marker (``__init__.py``)."""
    return tuple(name for name in source_files(version) if name != "__init__.py")


def code_graph(version: str) -> nx.DiGraph:
    """Models -> the files that handle them (glued); models -> mlapi.py -> the jobs (API)."""
    g = nx.DiGraph()
    for model in MODELS:
        g.add_node(model, kind="model", description=f"Larkspur's {model}")
    for name in files_shown(version):
        kind = "api module" if name == "mlapi.py" else "file"
        g.add_node(name, kind=kind, description=f"{version}/{name}")
    if version == "glued":
        g.add_edges_from((m, f) for m, files in GLUED_SITES.items() for f in files)
    else:
        g.add_edges_from((m, "mlapi.py") for m in MODELS)
        g.add_edges_from(("mlapi.py", f) for files in API_JOBS.values() for f in files)
    return g


def _title(swap: Swap, version: str) -> str:
    return f"{VERSION_LABELS[version]}: {swap.label}"


def longest_title() -> str:
    return max((_title(s, v) for s in SWAPS for v in VERSIONS), key=len)


def diff_rows(swap: Swap, version: str) -> list[dict]:
    """One row per file the swap changes: lines changed, and the first new line of code."""
    stats = diff_stats(version, swap)
    rows = []
    for name, lines in stats.per_file.items():
        header = f"+++ b/{version}/{name}"
        block = stats.diff.split(header, 1)[1].split("--- a/", 1)[0].splitlines()
        added = [line[1:].strip() for line in block if line.startswith("+") and line[1:].strip()]
        rows.append({"file": name, "lines": lines, "new code (first line)": added[0] if added else "(lines removed)"})
    return rows


def summary_text(world, swap: Swap, version: str) -> str:
    """One paragraph: both versions' diff sizes, and the swap's ripple (the same in both)."""
    glued, api = diff_stats("glued", swap), diff_stats("api", swap)
    r = ripple(world, swap, "glued")
    return (f"Glued: {glued.lines} lines changed in {glued.files} file{'s' * (glued.files != 1)}; behind the API: "
            f"{api.lines} line{'s' * (api.lines != 1)} in {api.files} file. Done fully, the swap flips {r.flipped} of "
            f"{r.decisions} decisions of {swap.model}'s consumers ({r.share:.1%}), measured by running the "
            "modified glued code.")


@functools.lru_cache(maxsize=64)
def swap_view(world, swap: Swap, version: str) -> SwapView:
    """Everything the explorer shows for ``swap`` in ``version``."""
    stats = diff_stats(version, swap)
    fills, notes = {}, {}
    for name in files_shown(version):
        if name in stats.per_file:
            n = stats.per_file[name]
            fills[name], notes[name] = CHANGED_FILL, f"{n} line{'s' * (n != 1)} changed"
        else:
            notes[name] = "unchanged"
    for model in MODELS:
        if model == swap.model:
            fills[model], notes[model] = blend(SWAP_COLOUR, 0.7), f"now {swap.family}"
        else:
            notes[model] = "as it was"
    g = code_graph(version)
    lit = frozenset((u, v) for u, v in g.edges if u == swap.model
                    or (u == "mlapi.py" and v in API_JOBS[swap.model]))
    return SwapView(swap, version, fills, notes, lit, _title(swap, version), summary_text(world, swap, version),
                    diff_rows(swap, version))


def longest_notes(version: str) -> dict[str, str]:
    notes = {name: "99 lines changed" for name in files_shown(version)}
    notes.update({m: "now logistic regression" for m in MODELS})
    return notes


def swap_picture(version: str) -> GraphPicture:
    """An unpainted picture of one version's code, sized for every state's title and notes."""
    return GraphPicture(code_graph(version), title=longest_title(), longest_note=longest_notes(version))


def table_html(view: SwapView) -> str:
    return rows_html(view.table_rows)
