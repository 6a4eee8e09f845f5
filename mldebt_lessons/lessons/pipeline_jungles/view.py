"""What lesson 10's picture and table show for one pipeline and one scenario, as plain data.

The picture is the pipeline's files, left to right from the raw sources: an arrow means "this
file is made from that one" (read off the jungle's scripts; declared by the DAG's steps). Each
file is coloured by what today's run did to it, with the same word as a note.

>>> from mldebt_lessons.shop.world import build_world
>>> view = prep_view(build_world(), "DAG", "orders_db changed")
>>> view.notes["baskets"], view.notes["sessions"]
('written', 'reused')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx

from mldebt_lessons.course.drawing import CHANGED_FILL, NOTE_PX, OKABE_ITO, GraphPicture, blend, text_width
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.pipeline_jungles.experiment import (
    BUG_SCENARIOS,
    PIPELINES,
    SCENARIOS,
    SOURCE_SCENARIOS,
    effects,
    find_bug,
    prepare,
    recompute,
)
from mldebt_lessons.shop.prep.dag import STEPS
from mldebt_lessons.shop.prep.jungle import SCRIPTS
from mldebt_lessons.shop.world import World

SOURCE_FILES = ("accounts_db.csv", "clickstream.csv", "orders_db.csv", "config.json")
STATES = {  # what a run did to a file: (fill, note)
    "changed": (blend(OKABE_ITO["orange"], 0.8), "changed"),
    "unchanged": ("#FFFFFF", "same"),
    "rewritten": (CHANGED_FILL, "written"),
    "reused": ("#FFFFFF", "reused"),
    "wrong": (blend(OKABE_ITO["vermillion"], 0.45), "wrong"),
    "bug enters": (OKABE_ITO["vermillion"], "bug enters"),
    "check fails": (OKABE_ITO["vermillion"], "check fails"),
    "not written": ("#DDDDDD", "not written"),
}


@dataclass(frozen=True)
class PrepView:
    pipeline: str
    scenario: str
    fills: dict
    notes: dict
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list


def node(file: str) -> str:
    """A file's name in the picture, without its extension (raw sources: their source's name)."""
    return file.rsplit(".", 1)[0]


def reads(pipeline: str) -> dict[str, tuple[str, ...]]:
    """Each file the pipeline writes, and the files it is made from."""
    if pipeline == "jungle":
        return {s.writes: s.reads for s in SCRIPTS}
    return {s.output: s.inputs for s in STEPS}


@functools.lru_cache(maxsize=2)
def prep_graph(pipeline: str) -> nx.DiGraph:
    g = nx.DiGraph()
    for f in SOURCE_FILES:
        g.add_node(node(f), kind="source", description="raw export" if f != "config.json" else "the run's settings")
    steps = SCRIPTS if pipeline == "jungle" else STEPS
    for s in steps:
        out = s.writes if pipeline == "jungle" else s.output
        g.add_node(node(out), kind="file", description=f"{out}, written by {s.name} ({s.owner})")
    for out, ins in reads(pipeline).items():
        g.add_edges_from((node(i), node(out)) for i in ins)
    return g


def _title(pipeline: str, scenario: str) -> str:
    return f"{pipeline} pipeline, {scenario}"


def longest_title() -> str:
    return max((_title(p, s) for p in PIPELINES for s in SCENARIOS), key=len)


def file_states(world: World, pipeline: str, scenario: str) -> dict[str, str]:
    """What today's run did to each file (a key of :data:`STATES`)."""
    run = prepare(world, pipeline, scenario)
    yesterday = prepare(world, pipeline, "nothing changed").files if pipeline == "jungle" else None
    changed = {f"{SOURCE_SCENARIOS[scenario]}.csv"} if scenario in SOURCE_SCENARIOS else set()
    states = {node(f): "changed" if f in changed else "unchanged" for f in SOURCE_FILES}
    origin = find_bug(world, pipeline, scenario).origin if scenario in BUG_SCENARIOS else None
    for out in reads(pipeline):
        if pipeline == "jungle":
            wrong = scenario in BUG_SCENARIOS and run.files.get(out) != yesterday.get(out)
            states[node(out)] = "bug enters" if out == origin else ("wrong" if wrong else "rewritten")
        else:
            step = next(s for s in STEPS if s.output == out)
            states[node(out)] = {"ran": "rewritten", "reused": "reused", "check failed": "check fails",
                           "not run": "not written"}[run.status[step.name]]
    return states


def model_rows(world: World, pipeline: str, scenario: str) -> list[dict]:
    rows = []
    for e in effects(world, pipeline, scenario):
        fmt = (lambda v: f"£{v:.2f}") if e.metric.startswith("MAE") else (lambda v: f"{v:.3f}")
        rows.append({"model": e.model, "flipped": f"{e.flipped:.1%}", "measure": "MAE" if e.metric.startswith("MAE") else "AUC",
                     "before": fmt(e.before), "after": fmt(e.after)})
    return rows


def summary_text(world: World, pipeline: str, scenario: str) -> str:
    """One paragraph, every number read from the run."""
    r = recompute(world, pipeline, scenario)
    kind = "scripts" if pipeline == "jungle" else "steps"
    text = f"The {pipeline} re-ran {len(r.steps)} of its {r.of} {kind} and rewrote {r.rows:,} rows."
    moved = [e.model for e in effects(world, pipeline, scenario) if e.flipped > 0]
    text += f" Models with decisions flipped: {', '.join(moved) if moved else 'none'}."
    if scenario in BUG_SCENARIOS:
        search = find_bug(world, pipeline, scenario)
        if pipeline == "jungle":
            text += (f" Nothing checked the files; walking back from the features, a person opens "
                     f"{len(search.opened)} files to find where the bug entered ({search.origin}).")
        else:
            text += f" The run stopped at a failing check ({search.says}); a person opens 1 file."
    return text


@functools.lru_cache(maxsize=64)
def prep_view(world: World, pipeline: str, scenario: str) -> PrepView:
    """Everything the explorer shows for ``pipeline`` after ``scenario``."""
    states = file_states(world, pipeline, scenario)
    fills = {n: STATES[s][0] for n, s in states.items()}
    notes = {n: STATES[s][1] for n, s in states.items()}
    flowing = {n for n, s in states.items() if s in ("changed", "rewritten", "wrong", "bug enters", "check fails")}
    g = prep_graph(pipeline)
    lit = frozenset((u, v) for u, v in g.edges if v in flowing and states[v] != "not written")
    return PrepView(pipeline, scenario, fills, notes, lit, _title(pipeline, scenario),
                    summary_text(world, pipeline, scenario), model_rows(world, pipeline, scenario))


def prep_picture(pipeline: str) -> GraphPicture:
    """An unpainted picture of ``pipeline``'s files, sized for every state's title and notes."""
    words = {word for _, note in STATES.values() for word in note.split()}
    widest = max(words, key=lambda word: text_width(word, NOTE_PX))
    two_lines = max((note for _, note in STATES.values()), key=lambda note: text_width(note, NOTE_PX))
    return GraphPicture(prep_graph(pipeline), title=longest_title(), longest_note=f"{widest} {two_lines}")


def table_html(view: PrepView) -> str:
    return rows_html(view.table_rows)
