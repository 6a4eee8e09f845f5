"""The shop's access log: who really read what, as OpenLineage-shaped run events.

A declaration says who *should* read a model's output. An access log says who *did*. Data
platforms record reads as lineage events; this module writes Larkspur's log in the shape of
`OpenLineage <https://openlineage.io>`_ run events, as plain dicts: every job (a feature build,
a model's scoring run, a consumer's daily run) reports the datasets it read (``inputs``) and
wrote (``outputs``).

The log is generated from the dependency graph, *including* the edges nobody declared, so it
shows the reads a declaration misses. It is deterministic: fixed timestamps (one run a job a
day, from :data:`LOG_START`) and run ids derived from the job and the time (uuid5), never from
the wall clock.

Example
-------
>>> from mldebt_lessons.shop.graph import shop_graph
>>> events = observed_reads(shop_graph(), days=1)
>>> ads = next(e for e in events if e["job"]["name"] == "ads_ranker")
>>> ads["eventType"], [d["name"] for d in ads["inputs"]], [d["name"] for d in ads["outputs"]]
('COMPLETE', ['scores.churn_model'], ['actions.ads_ranker'])
>>> readers_of(events)["churn_model"]
('ads_ranker', 'email_campaign', 'homepage')
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import networkx as nx

from mldebt_lessons.shop.graph import LAYERS

JOB_NAMESPACE = "larkspur-scheduler"
DATASET_NAMESPACE = "larkspur-warehouse"
PRODUCER = "https://larkspur.example/mldebt-lessons/access-log"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
LOG_START = datetime(2015, 12, 7, 2, 0, tzinfo=timezone.utc)  # a fixed date: no wall clock, ever
DATASET_PREFIX = {"source": "raw", "feature": "features", "model": "scores", "consumer": "actions"}


def dataset(graph: nx.DiGraph, node: str) -> dict:
    """The dataset a node writes (for a source: the table it is), as OpenLineage names it.

    >>> from mldebt_lessons.shop.graph import shop_graph
    >>> dataset(shop_graph(), "churn_model")
    {'namespace': 'larkspur-warehouse', 'name': 'scores.churn_model'}
    """
    prefix = DATASET_PREFIX.get(graph.nodes[node]["kind"], "data")
    return {"namespace": DATASET_NAMESPACE, "name": f"{prefix}.{node}"}


def run_event(job: str, inputs: list[dict], outputs: list[dict], event_time: datetime) -> dict:
    """One OpenLineage run event (a COMPLETE event) as a plain dict.

    The run id is a uuid5 of the job and the time, so the same run always gets the same id.

    >>> e = run_event("email_campaign", [], [], LOG_START)
    >>> e["eventTime"], e["run"]["runId"] == run_event("email_campaign", [], [], LOG_START)["run"]["runId"]
    ('2015-12-07T02:00:00.000Z', True)
    """
    stamp = event_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{PRODUCER}/{JOB_NAMESPACE}/{job}/{stamp}")
    return {
        "eventType": "COMPLETE",
        "eventTime": stamp,
        "run": {"runId": str(run_id)},
        "job": {"namespace": JOB_NAMESPACE, "name": job},
        "inputs": [dict(d) for d in inputs],
        "outputs": [dict(d) for d in outputs],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }


def observed_reads(world_or_graph, days: int = 3) -> list[dict]:
    """The access log: one run event per job per day, for ``days`` days, in a fixed order.

    Every node that is not a raw source runs as a job that reads its upstream nodes' datasets
    and writes its own. Reads come from the graph's edges, declared or not: the log sees
    everything that actually happens. Accepts a :class:`~mldebt_lessons.shop.world.World` or a graph.
    """
    graph = world_or_graph if isinstance(world_or_graph, nx.DiGraph) else world_or_graph.graph
    jobs = _jobs_in_run_order(graph)
    events = []
    for day in range(days):
        for minute, job in enumerate(jobs):
            inputs = [dataset(graph, u) for u in sorted(graph.predecessors(job))]
            events.append(run_event(job, inputs, [dataset(graph, job)],
                                    LOG_START + timedelta(days=day, minutes=minute)))
    return events


def _jobs_in_run_order(graph: nx.DiGraph) -> list[str]:
    # Upstream jobs run first each night: features, then models (in dependency order), then consumers.
    order = {n: i for i, n in enumerate(nx.lexicographical_topological_sort(graph))}
    rank = {k: i for i, k in enumerate(LAYERS)}
    jobs = [n for n, k in graph.nodes(data="kind") if k != "source"]
    return sorted(jobs, key=lambda n: (rank.get(graph.nodes[n]["kind"], len(rank)), order[n]))


def readers_of(events: list[dict]) -> dict[str, tuple[str, ...]]:
    """For every job whose output someone read: the jobs seen reading it, sorted by name.

    Worked out from the events alone: a dataset belongs to the job that writes it, and a job
    that lists it among its inputs is a reader of that job.

    >>> log = [run_event("m", [], [{"namespace": "w", "name": "scores.m"}], LOG_START),
    ...        run_event("c", [{"namespace": "w", "name": "scores.m"}], [], LOG_START)]
    >>> readers_of(log)
    {'m': ('c',)}
    """
    writer = {}
    for e in events:
        for d in e.get("outputs", []):
            writer[(d["namespace"], d["name"])] = e["job"]["name"]
    readers: dict[str, set] = defaultdict(set)
    for e in events:
        for d in e.get("inputs", []):
            producer = writer.get((d["namespace"], d["name"]))
            if producer is not None and producer != e["job"]["name"]:
                readers[producer].add(e["job"]["name"])
    return {job: tuple(sorted(names)) for job, names in sorted(readers.items())}


def without_reads(events: list[dict], job: str, dataset_name: str) -> list[dict]:
    """A copy of the log in which ``job`` no longer reads the dataset called ``dataset_name``.

    For what-ifs such as "the homepage stopped reading the churn scores".

    >>> log = [run_event("c", [{"namespace": "w", "name": "scores.m"}], [], LOG_START)]
    >>> without_reads(log, "c", "scores.m")[0]["inputs"]
    []
    """
    out = []
    for e in events:
        e = dict(e)
        if e["job"]["name"] == job:
            e["inputs"] = [d for d in e["inputs"] if d["name"] != dataset_name]
        out.append(e)
    return out
