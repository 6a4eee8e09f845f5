"""OpenLineage events (https://openlineage.io) as observed reads and writes, data tests and datasets.

Three kinds of event are read, as the spec defines them:

* a *run event* (``run`` and ``job``; or, written by hand, ``eventType`` and ``job``) says what a
  run of a job read (``inputs``) and wrote (``outputs``). Events are grouped by ``run.runId``: the
  inputs and outputs of all of a run's events count, and a run whose last state is ``FAIL`` or
  ``ABORT`` adds nothing observed (the system's inputs line says how many were ignored). A run
  still ``START``/``RUNNING``, or whose end is not in the file, counts; ``OTHER`` events and
  events without ``eventType`` add to their run; runs are grouped within one file. An
  ``eventType`` without ``run`` is a run of its own. A job whose runs all failed is left out.
  A read becomes an *observed* edge dataset -> job, a write job -> dataset;
* a *job event* (``job``, no ``run``, no ``eventType``) declares a job and its inputs and
  outputs: *declared* edges, not observed;
* a *dataset event* (``dataset``, no ``job``) declares a dataset and its facets: a node.

Identity is (namespace, name), for datasets and jobs. A lineage name is matched to the manifest
in this order: (1) the full name ``namespace/name`` (``postgres://db:5432/shop.public.orders``)
as an id or alias; (2) the name as an id or alias; (3) a short name, the last path or table part
(``s3://bucket/raw/orders.parquet`` -> ``orders``). Steps 2 and 3 are skipped for a name that
datasets in two namespaces share (``s3://blob-source/x`` and ``s3://blob-sink/x``: neither is
``x``), and for a dataset outside production: its namespace, or a three-part name's database,
has a word like ``staging``, ``dev``, ``test`` or ``sandbox`` (see :data:`NON_PRODUCTION`;
``postgres://staging-db:5432`` + ``staging.public.accounts_db`` is not the manifest's
``accounts_db``). A manifest names such a dataset on purpose with its full name in ``aliases``.
What matches nothing becomes a new node, with the name as its id, or the full name when the
name alone is taken (two namespaces, or a manifest id): a ``dataset``, or a ``job`` (a
``consumer`` if it reads a model). The job's ``ownership`` and ``documentation`` facets give its
owner and description.

Data tests: a ``dataQualityAssertions`` facet on an input adds its assertions to the dataset's
``tests`` (``not_null(id)``; a failed one also to ``failed_tests``), and a job whose ``jobType``
facet says ``TEST`` (dbt tests, Great Expectations) adds itself as a test of what it reads; it
is not a reader of the data. An output's ``columnLineage`` facet adds the datasets it names as
inputs of the run (even when ``inputs`` leaves them out), and its per-column map becomes the
output's ``column_lineage`` fact.

Files: ``.json`` (one event, or a list of events; at most the JSON size cap) or ``.jsonl`` (one
event a line, read line by line: any size, each line at most :data:`MAX_LINE_BYTES`). Memory
stays bounded because events are folded as they are read into per-job sets of datasets: what
is kept grows with the distinct jobs and datasets (at most :data:`MAX_NAMES`) and the runs open
at once (at most :data:`MAX_OPEN_RUNS`), not with the events. Several files are matched together
(:func:`add_lineage`), so a name seen in two files' namespaces is known to be shared.

Example
-------
>>> from mldebt_lessons.audit.system import System, add_node
>>> s = System("shop"); add_node(s, "churn_model", "model", {"outputs": []})
>>> s.aliases["warehouse.churn_scores"] = "churn_model"
>>> event = {"eventType": "COMPLETE", "run": {"runId": "r1"}, "job": {"namespace": "ads", "name": "ads_ranker"},
...          "inputs": [{"namespace": "dw", "name": "warehouse.churn_scores"}], "outputs": []}
>>> _ = lineage_from_events([event], "events.json", s)
>>> s.nodes["ads_ranker"]["kind"], s.edges["churn_model", "ads_ranker"]["observed"]
('consumer', True)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CourseInputError
from .safeload import (
    DUPLICATE_CHECK_BYTES,
    MAX_BYTES,
    MAX_DEPTH,
    check_json_shape,
    decode_text,
    parse_json,
    read_bytes,
)
from .schema import describe
from .system import System, add_edge, add_node, qualified_name, resolve, _short_names

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
FAILED = ("FAIL", "ABORT")
MAX_LINE_BYTES = 10 * 1024 * 1024  # one event in a .jsonl file
MAX_EVENTS = 20_000_000  # a file: about 12 GB of events, some minutes to read
MAX_NAMES = 2_000_000  # distinct datasets and jobs in one file: what bounds memory
MAX_OPEN_RUNS = 100_000  # runs started, not ended (about 50 MB); beyond, the oldest counts as ended well
MAX_NAME_CHARS = 1000
MAX_TESTS = 1000  # per dataset
MAX_COLUMNS = 1000  # per output's column map

# Words that mark a namespace (or a database) as not production.
NON_PRODUCTION = frozenset("staging stage dev devel development test testing qa uat sandbox preprod "
                           "scratch tmp temp".split())
_WORDS = re.compile(r"[^a-z0-9_]+")


def is_lineage(data: object) -> bool:
    """Whether parsed JSON looks like OpenLineage events (one, or a list): run, job or dataset events.

    >>> is_lineage({"eventTime": "2024-01-01T00:00:00Z", "dataset": {"namespace": "s3://b", "name": "x"}})
    True
    >>> is_lineage({"system": "shop", "sources": []})
    False
    """
    items = data if isinstance(data, list) else [data]
    return bool(items) and all(_looks_like_event(e) for e in items[:5])


def _looks_like_event(e: object) -> bool:
    if not isinstance(e, dict) or "system" in e:
        return False
    if "job" in e:
        return any(k in e for k in ("eventType", "run", "inputs", "outputs", "eventTime", "producer", "schemaURL"))
    return isinstance(e.get("dataset"), dict)


# --- reading -----------------------------------------------------------------------------------------------

@dataclass
class LineageLog:
    """What one file of events says, folded as it is read: per job and dataset, never per event."""

    name: str
    events: int = 0
    datasets: dict = field(default_factory=dict)  # (namespace, name) -> facts: tests, columns, declared...
    jobs: dict = field(default_factory=dict)  # (namespace, name) -> reads, writes (sets of dataset keys)...
    open_runs: dict = field(default_factory=dict)  # runId -> [job key, reads, writes]
    failed_runs: set = field(default_factory=set)  # runIds that ended in FAIL or ABORT
    failed: int = 0  # runs (and run events without a runId) ignored as failed or aborted

    def add(self, event: object, where: str) -> None:
        """Check one event and fold it in."""
        kind = _check_event(event, where)
        self.events += 1
        if kind == "dataset":
            entry = self._dataset(event["dataset"])
            entry["declared"] = True
            _dataset_facets(entry, event["dataset"].get("facets"))
            return
        job = self._job(event["job"])
        inputs = [self._input(d) for d in event.get("inputs") or ()]
        outputs = [self._output(d) for d in event.get("outputs") or ()]
        inputs += [key for out in outputs for key in self.datasets[out].pop("_column_inputs", ())]
        if kind == "job":
            job["declared_reads"].update(inputs)
            job["declared_writes"].update(outputs)
            return
        self._run_event(job, event, inputs, outputs)

    def finish(self) -> "LineageLog":
        """Count the runs that never ended in this file as observed (they did not fail here)."""
        for key, reads, writes in self.open_runs.values():
            self.jobs[key]["reads"].update(reads)
            self.jobs[key]["writes"].update(writes)
        self.open_runs.clear()
        self.failed_runs.clear()
        return self

    def _run_event(self, job: dict, event: dict, inputs: list, outputs: list) -> None:
        state = event.get("eventType")
        run_id = event["run"]["runId"] if "run" in event else None
        if run_id is None or run_id in self.failed_runs:
            if state in FAILED or run_id is not None:
                job["failed_reads"].update(inputs)
                self.failed += run_id is None
            else:
                job["reads"].update(inputs)
                job["writes"].update(outputs)
            return
        run = self.open_runs.get(run_id)
        if state in FAILED:
            self.open_runs.pop(run_id, None)
            self.failed_runs.add(run_id)
            self.failed += 1
            job["failed_reads"].update(inputs)
            if run:
                job["failed_reads"].update(run[1])
            return
        if run is None:
            if state == "COMPLETE":  # the common case: no need to hold it open
                job["reads"].update(inputs)
                job["writes"].update(outputs)
                return
            if len(self.open_runs) >= MAX_OPEN_RUNS:
                oldest = self.open_runs.pop(next(iter(self.open_runs)))
                self.jobs[oldest[0]]["reads"].update(oldest[1])
                self.jobs[oldest[0]]["writes"].update(oldest[2])
            run = self.open_runs[run_id] = [job["key"], set(), set()]
        run[1].update(inputs)
        run[2].update(outputs)
        if state == "COMPLETE":
            del self.open_runs[run_id]
            owner = self.jobs[run[0]]
            owner["reads"].update(run[1])
            owner["writes"].update(run[2])

    def _room(self) -> None:
        if len(self.datasets) + len(self.jobs) >= MAX_NAMES:
            raise CourseInputError(f"{self.name}: more than {MAX_NAMES:,} distinct datasets and jobs; expected "
                                   "at most that many in one file")

    def _dataset(self, item: dict) -> dict:
        entry = self.datasets.get((item.get("namespace") or "", item["name"]))
        if entry is None:
            self._room()
            key = (item.get("namespace") or "", item["name"])
            entry = self.datasets[key] = {"key": key, "tests": [], "failed_tests": [], "columns": {},
                                          "declared": False, "owner": "", "description": ""}
        return entry

    def _input(self, item: dict) -> tuple:
        entry = self._dataset(item)
        if "inputFacets" in item or "facets" in item:
            for facets in (item.get("inputFacets"), item.get("facets")):
                _assertions(entry, facets)
        return entry["key"]  # the same tuple each time: sets of keys share it

    def _output(self, item: dict) -> tuple:
        entry = self._dataset(item)
        for facets in (item.get("facets"), item.get("outputFacets")):
            lineage = facets.get("columnLineage") if isinstance(facets, dict) else None
            if isinstance(lineage, dict):
                entry["_column_inputs"] = self._column_lineage(entry, lineage)
        return entry["key"]

    def _column_lineage(self, entry: dict, facet: dict) -> list:
        """The input datasets an output's columnLineage names; its column map kept on the output."""
        inputs: list = []
        fields = facet.get("fields")
        pairs = list(fields.items())[:MAX_COLUMNS] if isinstance(fields, dict) else []
        for column, spec in pairs:
            sources = spec.get("inputFields") if isinstance(spec, dict) else None
            for source in sources[:100] if isinstance(sources, list) else ():
                if _is_dataset(source) and isinstance(source.get("field"), str):
                    key = self._dataset(source)["key"]
                    inputs.append(key)
                    columns = entry["columns"].setdefault(str(column)[:MAX_NAME_CHARS], [])
                    if len(columns) < 100 and (key, source["field"][:MAX_NAME_CHARS]) not in columns:
                        columns.append((key, source["field"][:MAX_NAME_CHARS]))
        whole = facet.get("dataset")  # inputs that affect the whole output (joins, filters)
        for source in whole[:1000] if isinstance(whole, list) else ():
            if _is_dataset(source):
                inputs.append(self._dataset(source)["key"])
        return list(dict.fromkeys(inputs))

    def _job(self, job: dict) -> dict:
        entry = self.jobs.get((job.get("namespace") or "", job["name"]))
        if entry is None:
            self._room()
            key = (job.get("namespace") or "", job["name"])
            entry = self.jobs[key] = {"key": key, "reads": set(), "writes": set(), "declared_reads": set(),
                                      "declared_writes": set(), "failed_reads": set(), "owner": "",
                                      "description": "", "test": False}
        facets = job.get("facets")
        if isinstance(facets, dict):
            if "ownership" in facets or "documentation" in facets:
                _owner_and_description(entry, facets)
            job_type = facets.get("jobType")
            if isinstance(job_type, dict) and str(job_type.get("jobType", "")).upper() == "TEST":
                entry["test"] = True
        return entry


def _is_dataset(item: object) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("name"), str) and 0 < len(item["name"]) <= MAX_NAME_CHARS
            and isinstance(item.get("namespace", ""), str) and len(item.get("namespace", "")) <= MAX_NAME_CHARS)


def _owner_and_description(entry: dict, facets: dict) -> None:
    """The standard ownership and documentation facets, first seen wins."""
    ownership = facets.get("ownership")
    owners = ownership.get("owners") if isinstance(ownership, dict) else None
    if owners and isinstance(owners, list) and isinstance(owners[0], dict) and not entry["owner"]:
        entry["owner"] = str(owners[0].get("name", ""))[:200]
    doc = facets.get("documentation")
    if isinstance(doc, dict) and isinstance(doc.get("description"), str) and not entry["description"]:
        entry["description"] = doc["description"][:1000]


def _dataset_facets(entry: dict, facets: object) -> None:
    if isinstance(facets, dict):
        _owner_and_description(entry, facets)
        _assertions(entry, facets)


def _assertions(entry: dict, facets: object) -> None:
    """dataQualityAssertions -> test names: 'not_null(id)', or 'row_count' for the whole dataset.

    >>> entry = {"tests": [], "failed_tests": []}
    >>> _assertions(entry, {"dataQualityAssertions": {"assertions": [
    ...     {"assertion": "not_null", "success": True, "column": "id"}, {"assertion": "row_count", "success": False}]}})
    >>> entry
    {'tests': ['not_null(id)', 'row_count'], 'failed_tests': ['row_count']}
    """
    facet = facets.get("dataQualityAssertions") if isinstance(facets, dict) else None
    assertions = facet.get("assertions") if isinstance(facet, dict) else None
    for item in assertions[:MAX_TESTS] if isinstance(assertions, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("assertion"), str) or not item["assertion"].strip():
            continue
        column = item.get("column")
        test = item["assertion"][:200] + (f"({column[:200]})" if isinstance(column, str) and column else "")
        if test not in entry["tests"] and len(entry["tests"]) < MAX_TESTS:
            entry["tests"].append(test)
        if item.get("success") is False and test not in entry["failed_tests"]:
            entry["failed_tests"].append(test)


def _check_event(event, where: str) -> str:
    """The kind of a valid event ('run', 'job' or 'dataset'); a one-line error for anything else."""
    if not isinstance(event, dict):
        raise CourseInputError(f"{where}: {describe(event)}; expected an OpenLineage event (a mapping with "
                               "job, inputs and outputs)")
    if "run" in event or "eventType" in event:
        kind = "run"
    elif "job" in event:
        kind = "job"
    elif "dataset" in event:
        _check_dataset(event["dataset"], where, "dataset")
        return "dataset"
    else:
        raise CourseInputError(f"{where}: neither run, job nor dataset; expected an OpenLineage run event (run, "
                               "job, inputs, outputs), job event (job) or dataset event (dataset)")
    job = event.get("job")
    if not _plain_name(job):
        if not isinstance(job, dict) or not isinstance(job.get("name"), str) or not job["name"].strip():
            raise CourseInputError(f"{where}: job.name is missing or not text; expected an OpenLineage run event "
                                   "with job: {namespace, name}")
        _check_text(job, "namespace", where, "job")
        if len(job["name"]) > MAX_NAME_CHARS:
            raise CourseInputError(f"{where}: job.name is {len(job['name']):,} characters; expected at most "
                                   f"{MAX_NAME_CHARS:,}")
    if "eventType" in event and event["eventType"] not in EVENT_TYPES:
        raise CourseInputError(f"{where}: eventType {describe(event['eventType'])} is not allowed; expected one "
                               f"of: {', '.join(EVENT_TYPES)}")
    if "run" in event:
        run = event["run"]
        run_id = run.get("runId") if isinstance(run, dict) else None
        if not isinstance(run_id, str) or not run_id.strip() or len(run_id) > MAX_NAME_CHARS:
            raise CourseInputError(f"{where}: run.runId is missing or not text; expected run: {{runId: a UUID}}, "
                                   "the same in every event of one run")
    for side in ("inputs", "outputs"):
        items = event.get(side, [])
        if items is None:
            continue
        if not isinstance(items, list):
            raise CourseInputError(f"{where}: {side} is {describe(items)}; expected a list of datasets")
        for j, item in enumerate(items):
            if not _plain_name(item):  # the common case costs one call; the message is built only if needed
                _check_dataset(item, where, f"{side}[{j}]")
    return kind


def _plain_name(item) -> bool:
    """Whether ``item`` has a name and namespace that need no closer look."""
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS or name.isspace():
        return False
    namespace = item.get("namespace")
    return namespace is None or (isinstance(namespace, str) and len(namespace) <= MAX_NAME_CHARS)


def _check_dataset(item, where: str, path: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise CourseInputError(f"{where}: {path} has no name; expected a dataset {{namespace, name}}")
    if len(item["name"]) > MAX_NAME_CHARS:
        raise CourseInputError(f"{where}: {path}.name is {len(item['name']):,} characters; "
                               f"expected at most {MAX_NAME_CHARS:,}")
    _check_text(item, "namespace", where, path)


def _check_text(item: dict, key: str, where: str, path: str) -> None:
    value = item.get(key, "")
    if value is not None and not isinstance(value, str):
        raise CourseInputError(f"{where}: {path}.{key} is {describe(value)}; expected text")
    if value and len(value) > MAX_NAME_CHARS:
        raise CourseInputError(f"{where}: {path}.{key} is {len(value):,} characters; expected at most "
                               f"{MAX_NAME_CHARS:,}")


def read_lineage(path: str | Path, data: object = None) -> LineageLog:
    """A file of events folded into a :class:`LineageLog`: ``.jsonl`` streamed, ``.json`` parsed whole.

    ``data`` is the file's JSON when it was parsed already (to recognise it).
    """
    name = str(path)
    log = LineageLog(name)
    if data is None and Path(name).suffix.lower() == ".jsonl":
        for where, event in _jsonl_events(path, name):
            log.add(event, where)
        if not log.events:
            raise CourseInputError(f"{name}: no events; expected one OpenLineage event per line")
        return log.finish()
    if data is None:
        text = decode_text(read_bytes(path, MAX_BYTES), name)
        if is_event_list(text):
            return lineage_from_text(text, name)
        data = parse_json(text, name)
        del text
    if isinstance(data, list) and not data:
        raise CourseInputError(f"{name}: an empty list; expected OpenLineage events")
    for i, event in enumerate(data if isinstance(data, list) else [data]):
        log.add(event, f"{name} event {i + 1}" if isinstance(data, list) else name)
    return log.finish()


_SPACE = re.compile(r"[ \t\n\r]*")


def is_event_list(text: str) -> bool:
    """Whether JSON text is a list whose first item looks like an OpenLineage event (parsed alone).

    >>> is_event_list('[{"eventType": "START", "run": {"runId": "r"}, "job": {"name": "j"}}, 1]'), is_event_list("[1]")
    (True, False)
    """
    start = _SPACE.match(text).end()
    if text[start:start + 1] != "[":
        return False
    try:
        first, _ = json.JSONDecoder().raw_decode(text, _SPACE.match(text, start + 1).end())
    except (ValueError, RecursionError):
        return False
    return is_lineage([first])


def lineage_from_text(text: str, name: str) -> LineageLog:
    """A JSON list of events folded one item at a time: in memory, the text and one event, not the whole list.

    The whole text is checked first (nesting, number of values, long texts); a small, hand-written
    file, or one with escapes that may hold half a character, is parsed whole with every check.
    """
    if len(text) <= DUPLICATE_CHECK_BYTES or "\\ud" in text or "\\uD" in text:
        return read_lineage(name, parse_json(text, name))
    check_json_shape(text, name)
    log = LineageLog(name)
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    at = _SPACE.match(text, _SPACE.match(text).end() + 1).end()  # after the '['
    while True:
        try:
            event, at = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):
            break  # parse_json below names the line and column
        log.add(event, f"{name} event {log.events + 1}")
        at = _SPACE.match(text, at).end()
        if text[at:at + 1] == ",":
            at = _SPACE.match(text, at + 1).end()
            continue
        if text[at:at + 1] == "]" and not text[at + 1:].strip():
            return log.finish()
        break
    parse_json(text, name)  # raises the one-line error for what stopped the loop
    raise CourseInputError(f"{name}: invalid JSON; expected a list of OpenLineage events")


def _jsonl_events(path, name: str):
    p = Path(path)
    try:
        if p.is_dir():
            raise CourseInputError(f"{p}: is a folder; expected a file")
        small = p.stat().st_size <= DUPLICATE_CHECK_BYTES  # hand-written: every check, as for any JSON
        stream = open(p, "rb")
    except FileNotFoundError:
        raise CourseInputError(f"{p}: no such file") from None
    except OSError as err:
        raise CourseInputError(f"{p}: cannot read it ({err.strerror or err})") from None
    with stream:
        number = 0
        while True:
            try:
                raw = stream.readline(MAX_LINE_BYTES + 2)
            except OSError as err:
                raise CourseInputError(f"{p}: cannot read it ({err.strerror or err})") from None
            if not raw:
                return
            number += 1
            where = f"{name} line {number}"
            if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
                raise CourseInputError(f"{where}: longer than {MAX_LINE_BYTES:,} bytes; expected one OpenLineage "
                                       f"event a line, each at most {MAX_LINE_BYTES:,} bytes")
            if number > MAX_EVENTS:
                raise CourseInputError(f"{where}: more than {MAX_EVENTS:,} lines; expected at most that many "
                                       "events in one file (split the log)")
            if raw.isspace():
                continue
            yield where, _parse_line(raw, where, small, number == 1)


def _parse_line(raw: bytes, where: str, small: bool, first: bool) -> object:
    if b"\x00" in raw:
        raise CourseInputError(f"{where}: looks binary (it holds NUL bytes); expected JSON text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CourseInputError(f"{where}: byte 0x{raw[err.start]:02x} is not UTF-8; expected text encoded as "
                               "UTF-8") from None
    if first and text.startswith("\ufeff"):
        text = text[1:]
    # Fast when it cannot nest too deep nor hold half a character (an escape like \uD800); else every check.
    if not small and text.count("{") + text.count("[") <= MAX_DEPTH and "\\ud" not in text and "\\uD" not in text:
        try:
            return json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            pass  # parse it again below, for the one-line message
    try:
        return parse_json(text, where)
    except CourseInputError as err:
        raise CourseInputError(str(err).replace(" line 1 column", " column")) from None


def _no_constant(word):
    raise ValueError(f"{word} is not a JSON number")


# --- old entry points, kept ---------------------------------------------------------------------------------

def read_events(path: str | Path) -> tuple[list[dict], str]:
    """The events in a .json or .jsonl file, each checked; one-line errors with the line (all in memory)."""
    name = str(path)
    if Path(name).suffix.lower() == ".jsonl":
        events = []
        for where, event in _jsonl_events(path, name):
            _check_event(event, where)
            events.append(event)
        if not events:
            raise CourseInputError(f"{name}: no events; expected one OpenLineage event per line")
        return events, name
    return events_from_data(parse_json(decode_text(read_bytes(path, MAX_BYTES), name), name), name), name


def events_from_data(data: object, name: str) -> list[dict]:
    """The checked events in parsed JSON: one event, or a list of them."""
    events = data if isinstance(data, list) else [data]
    for i, event in enumerate(events):
        _check_event(event, f"{name} event {i + 1}" if isinstance(data, list) else name)
    if not events:
        raise CourseInputError(f"{name}: an empty list; expected OpenLineage events")
    return events


def load_lineage(path: str | Path, system: System | None = None) -> System:
    """Read OpenLineage events from a file and add them to ``system`` (a new one unless given)."""
    return add_lineage([read_lineage(path)], system)


def lineage_from_events(events: list, name: str, system: System | None = None) -> System:
    """Add events (checked here) to ``system``."""
    log = LineageLog(name)
    for i, event in enumerate(events):
        log.add(event, f"{name} event {i + 1}")
    return add_lineage([log.finish()], system)


# --- into the system ----------------------------------------------------------------------------------------

def add_lineage(logs: list[LineageLog], system: System | None = None) -> System:
    """Add folded files of events to ``system``: datasets and jobs matched or made, then their edges.

    Logs are added together so that a name two files see in two namespaces is known to be shared.
    """
    if system is None:
        system = System("lineage")
    shared = _shared_names([key for log in logs for key in log.datasets])
    same_name = _shared_names([key for log in logs for key in log.datasets], short=False)
    shared_jobs = _shared_names([key for log in logs for key in log.jobs], short=False)
    for log in logs:
        _add_log(log, system, shared, same_name, shared_jobs)
    return system


def _add_log(log: LineageLog, system: System, shared: set, same_name: set, shared_jobs: set) -> None:
    n = log.events
    ignored = f"; {log.failed:,} failed or aborted run{'s' if log.failed != 1 else ''} ignored" if log.failed else ""
    system.inputs.append(f"{log.name} (OpenLineage, {n:,} event{'s' if n != 1 else ''}{ignored})")
    tests_on: dict[tuple, list[str]] = {}
    for entry in log.jobs.values():
        if entry["test"]:
            for key in entry["reads"] | entry["declared_reads"] | entry["failed_reads"]:
                tests_on.setdefault(key, []).append(entry["key"][1][:MAX_NAME_CHARS])
    used = set(tests_on)
    for entry in log.jobs.values():
        if not entry["test"]:
            used.update(entry["reads"], entry["writes"], entry["declared_reads"], entry["declared_writes"])
    jobs = [e for e in log.jobs.values() if not e["test"] and (e["reads"] or e["writes"] or e["declared_reads"]
                                                                or e["declared_writes"])]  # not only failed runs
    job_ids = {entry["key"]: _job_node(system, entry, shared_jobs, log.name) for entry in jobs}
    ids = {}
    for key, entry in log.datasets.items():
        if key in used or entry["declared"] or entry["tests"]:
            ids[key] = _dataset_node(system, key, entry, shared, same_name, tests_on.get(key, []))
    for key, entry in log.datasets.items():
        if entry["columns"] and key in ids:
            columns = {c: [f"{ids.get(k, qualified_name(*k))}.{f}" for k, f in sources]
                       for c, sources in entry["columns"].items()}
            add_node(system, ids[key], system.nodes[ids[key]]["kind"], {"column_lineage": columns})
    for entry in jobs:
        _job_edges(system, entry, job_ids[entry["key"]], ids, log.name)


def _dataset_node(system: System, key: tuple, entry: dict, shared: set, same_name: set, test_jobs: list) -> str:
    namespace, name = key
    node = resolve(system, name, namespace, avoid=shared, full_only=not is_production(namespace, name))
    facts = {"reads": []}
    if entry["owner"]:
        facts["owner"] = entry["owner"]
    if entry["description"]:
        facts["description"] = entry["description"]
    tests = entry["tests"] + [t for t in test_jobs if t not in entry["tests"]]
    if tests:
        facts["tests"] = tests[:MAX_TESTS]
    if entry["failed_tests"]:
        facts["failed_tests"] = entry["failed_tests"]
    if node is None:
        node = _new_id(system, namespace, name, same_name)
        facts["namespace"] = namespace
        add_node(system, node, "dataset", facts)
    else:
        add_node(system, node, system.nodes[node]["kind"], facts)
    return node


def _job_node(system: System, entry: dict, shared_jobs: set, seen_in: str) -> str:
    """The id of a job: a manifest node it matches, or a new ``job`` node (a consumer once it reads a model)."""
    namespace, name = entry["key"]
    job_id = resolve(system, name, namespace, avoid=shared_jobs, full_only=not is_production(namespace, ""))
    if job_id is None:
        job_id = _new_id(system, namespace, name, shared_jobs)
        facts = {"reads": [], "declared": False, "namespace": namespace}
        if entry["owner"]:
            facts["owner"] = entry["owner"]
        if entry["description"]:
            facts["description"] = entry["description"]
        add_node(system, job_id, "job", facts, seen_in)
    return job_id


def _job_edges(system: System, entry: dict, job_id: str, ids: dict, seen_in: str) -> None:
    if any(system.nodes[ids[d]]["kind"] == "model" for d in entry["reads"] | entry["declared_reads"]):
        add_node(system, job_id, "consumer", {})  # a job that reads a model's output is its consumer
    observed = {"observed": True}
    declared = {"declared": True}
    for reads, how in ((entry["reads"], observed), (entry["declared_reads"], declared)):
        for d in sorted(reads):
            if ids[d] != job_id:
                add_edge(system, ids[d], job_id, seen_in=seen_in, **how)
    for writes, how in ((entry["writes"], observed), (entry["declared_writes"], declared)):
        for d in sorted(writes):
            if ids[d] != job_id:
                add_edge(system, job_id, ids[d], seen_in=seen_in, **how)


def _new_id(system: System, namespace: str, name: str, same_name: set) -> str:
    """The name, unless another namespace or a node already has it: then the full name."""
    taken = name in same_name or name in system.aliases or (
        name in system.nodes and system.nodes[name].get("namespace") != namespace)
    return qualified_name(namespace, name) if taken else name


def _shared_names(keys: list[tuple], short: bool = True) -> set[str]:
    """Names (and short names) that datasets or jobs in more than one namespace have.

    >>> keys = [("s3://blob-source", "x"), ("s3://blob-sink", "x"), ("pg://a", "db.orders"), ("s3://b", "orders.csv")]
    >>> sorted(_shared_names(keys)), sorted(_shared_names(keys, short=False))
    (['orders', 'x'], ['x'])
    """
    first: dict[str, str] = {}
    out = set()
    for namespace, name in keys:
        for candidate in [name] + _short_names(name) if short else [name]:
            seen = first.setdefault(candidate, namespace)
            if seen != namespace:
                out.add(candidate)
    return out


def is_production(namespace: str, name: str) -> bool:
    """Whether a dataset may be production: no word of NON_PRODUCTION in its namespace or database.

    >>> is_production("postgres://staging-db:5432", "staging.public.accounts_db")
    False
    >>> is_production("postgres://prod-db:5432", "shop.public.accounts_db"), is_production("dw", "stg_orders")
    (True, True)
    """
    words = set(_WORDS.split(namespace.lower()))
    parts = name.split(".")
    if len(parts) >= 3:  # database.schema.table: the database may name the environment
        words.update(_WORDS.split(parts[0].lower()))
    return not (words & NON_PRODUCTION)
