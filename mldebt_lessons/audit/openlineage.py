"""OpenLineage run events (https://openlineage.io) as observed reads and writes.

A run event says that a job read some datasets (``inputs``) and wrote others (``outputs``). Each
becomes an *observed* edge: dataset -> job for a read, job -> dataset for a write. Names are
matched to the manifest's ids, aliases and model ``outputs`` (also by their last path or table
part: ``s3://bucket/raw/orders.parquet`` matches ``orders``); a name that matches nothing becomes a
new node (a ``dataset``, or a ``job``; a job that reads a model's output is a ``consumer``). The
job's ``ownership`` facet gives its owner. Files: ``.json`` (one event, or a list of events) or
``.jsonl`` (one event a line).

Example
-------
>>> from mldebt_lessons.audit.system import System, add_node
>>> s = System("shop"); add_node(s, "churn_model", "model", {"outputs": []})
>>> s.aliases["warehouse.churn_scores"] = "churn_model"
>>> event = {"eventType": "COMPLETE", "job": {"namespace": "ads", "name": "ads_ranker"},
...          "inputs": [{"namespace": "dw", "name": "warehouse.churn_scores"}], "outputs": []}
>>> _ = lineage_from_events([event], "events.json", s)
>>> s.nodes["ads_ranker"]["kind"], s.edges["churn_model", "ads_ranker"]["observed"]
('consumer', True)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CourseInputError
from .safeload import MAX_BYTES, decode_text, parse_json, read_bytes
from .schema import describe
from .system import System, add_edge, add_node, resolve

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")


def is_lineage(data: object) -> bool:
    """Whether parsed JSON looks like OpenLineage events (one, or a list)."""
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(isinstance(e, dict) and "job" in e and ("eventType" in e or "run" in e
                                                                      or "inputs" in e or "outputs" in e)
                               for e in items[:5])


def read_events(path: str | Path) -> tuple[list[dict], str]:
    """The events in a .json or .jsonl file, each checked; one-line errors with the line."""
    name = str(path)
    text = decode_text(read_bytes(path, MAX_BYTES), name)
    if Path(name).suffix.lower() == ".jsonl":
        events = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    events.append(parse_json(line, f"{name} line {number}"))
                except CourseInputError as err:
                    raise CourseInputError(str(err).replace(" line 1 column", " column")) from None
                _check_event(events[-1], f"{name} line {number}")
        if not events:
            raise CourseInputError(f"{name}: no events; expected one OpenLineage run event per line")
        return events, name
    return events_from_data(parse_json(text, name), name), name


def events_from_data(data: object, name: str) -> list[dict]:
    """The checked events in parsed JSON: one event, or a list of them."""
    events = data if isinstance(data, list) else [data]
    for i, event in enumerate(events):
        _check_event(event, f"{name} event {i + 1}" if isinstance(data, list) else name)
    if not events:
        raise CourseInputError(f"{name}: an empty list; expected OpenLineage run events")
    return events


def _check_event(event, where: str) -> None:
    if not isinstance(event, dict):
        raise CourseInputError(f"{where}: {describe(event)}; expected an OpenLineage run event (a mapping with "
                               "job, inputs and outputs)")
    job = event.get("job")
    if not isinstance(job, dict) or not isinstance(job.get("name"), str) or not job["name"].strip():
        raise CourseInputError(f"{where}: job.name is missing or not text; expected an OpenLineage run event "
                               "with job: {namespace, name}")
    if "eventType" in event and event["eventType"] not in EVENT_TYPES:
        raise CourseInputError(f"{where}: eventType {describe(event['eventType'])} is not allowed; expected one "
                               f"of: {', '.join(EVENT_TYPES)}")
    for side in ("inputs", "outputs"):
        items = event.get(side, [])
        if not isinstance(items, list):
            raise CourseInputError(f"{where}: {side} is {describe(items)}; expected a list of datasets")
        for j, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
                raise CourseInputError(f"{where}: {side}[{j}] has no name; expected a dataset "
                                       "{namespace, name}")
            if len(item["name"]) > 1000:
                raise CourseInputError(f"{where}: {side}[{j}].name is {len(item['name']):,} characters; "
                                       "expected at most 1,000")


def load_lineage(path: str | Path, system: System | None = None) -> System:
    """Read OpenLineage events from a file and add them to ``system`` (a new one unless given)."""
    events, name = read_events(path)
    return lineage_from_events(events, name, system)


def lineage_from_events(events: list[dict], name: str, system: System | None = None) -> System:
    """Add checked events to ``system`` as observed edges."""
    for i, event in enumerate(events):
        _check_event(event, f"{name} event {i + 1}")
    if system is None:
        system = System("lineage")
    system.inputs.append(f"{name} (OpenLineage, {len(events)} event{'s' if len(events) != 1 else ''})")
    jobs: dict[str, dict] = {}
    for event in events:
        job = event["job"]
        entry = jobs.setdefault(job["name"], {"reads": [], "writes": [], "owner": "", "description": ""})
        entry["reads"] += [d["name"] for d in event.get("inputs", [])]
        entry["writes"] += [d["name"] for d in event.get("outputs", [])]
        facets = job.get("facets") or {}
        owners = ((facets.get("ownership") or {}).get("owners") or []) if isinstance(facets, dict) else []
        if owners and isinstance(owners, list) and isinstance(owners[0], dict) and not entry["owner"]:
            entry["owner"] = str(owners[0].get("name", ""))[:200]
        doc = facets.get("documentation") if isinstance(facets, dict) else None
        if isinstance(doc, dict) and isinstance(doc.get("description"), str) and not entry["description"]:
            entry["description"] = doc["description"][:1000]
    for job_name, entry in jobs.items():
        job_id = resolve(system, job_name)
        inputs = [_dataset(system, d) for d in entry["reads"]]
        if job_id is None:
            reads_model = any(system.nodes[d]["kind"] == "model" for d in inputs)
            job_id = job_name
            facts = {"reads": [], "declared": False}
            if entry["owner"]:
                facts["owner"] = entry["owner"]
            if entry["description"]:
                facts["description"] = entry["description"]
            add_node(system, job_id, "consumer" if reads_model else "job", facts, name)
        for d in inputs:
            if d != job_id:
                add_edge(system, d, job_id, observed=True, seen_in=name)
        for d in entry["writes"]:
            out = _dataset(system, d)
            if out != job_id:
                add_edge(system, job_id, out, observed=True, seen_in=name)
    return system


def _dataset(system: System, name: str) -> str:
    found = resolve(system, name)
    if found is None:
        add_node(system, name, "dataset", {"reads": []})
        found = name
    return found
