"""Benchmark `mldebt audit` on a generated OpenLineage event log: time and peak memory.

The log is what a scheduler records: for each run of a job a START event (its inputs) and a
COMPLETE event (inputs and outputs; 2% of runs FAIL instead), each with the spec's envelope
(eventTime, producer, schemaURL, run.runId, the jobType facet) and a schema facet on outputs,
about 600 bytes an event; a few thousand distinct jobs and datasets. Each case runs the audit in
a fresh process and reports that process's peak resident memory (ru_maxrss):

* one ``.jsonl`` file of all the events (streamed line by line);
* the same events in three ``.jsonl`` files;
* the same events in ``.json`` lists of at most 200,000 events (about 200 MB, under the JSON
  size cap; at least three files), parsed whole one file at a time; skipped with ``--no-json``.

    python benchmarks/bench_lineage.py [--events 1000000] [--seed 2015] [--no-json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.20.0/integration/airflow"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
JOB_TYPE = {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json",
            "processingType": "BATCH", "integration": "AIRFLOW", "jobType": "TASK"}

# Runs in a fresh process: audit the files, then report time and this process's peak memory.
CHILD = """
import json, resource, sys, time
from mldebt_lessons.cli import main
t0 = time.perf_counter()
code = main(["audit", *sys.argv[2:], "--format", "json", "--output", sys.argv[1]])
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_mb}))
"""


def events(n_events: int, seed: int = 2015):
    """About ``n_events`` events (START, then COMPLETE or FAIL, for each run), one JSON text each."""
    rng = random.Random(seed)
    n_jobs, n_tables = max(10, n_events // 300), max(20, n_events // 200)

    def dataset(i):
        if i % 4 == 0:
            return {"namespace": "s3://larkspur-lake", "name": f"curated/table_{i}.parquet"}
        return {"namespace": "postgres://prod-db.internal:5432", "name": f"shop.public.table_{i}"}

    # Each job reads the same one to three tables and writes one, run after run, as a scheduled task does.
    reads = [[rng.randrange(n_tables) for _ in range(rng.randint(1, 3))] for _ in range(n_jobs)]
    writes = [rng.randrange(n_tables) for _ in range(n_jobs)]
    for run in range(n_events // 2):
        job = rng.randrange(n_jobs)
        inputs = [dataset(i) for i in reads[job]]
        output = dict(dataset(writes[job]), facets={"schema": {
            "_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
            "fields": [{"name": "id", "type": "BIGINT"}, {"name": "amount", "type": "DECIMAL"}]}})
        run_id = f"{rng.getrandbits(128):032x}"
        run_id = f"{run_id[:8]}-{run_id[8:12]}-4{run_id[13:16]}-8{run_id[17:20]}-{run_id[20:]}"
        envelope = {"eventTime": f"2024-05-{1 + run % 28:02d}T02:{run % 60:02d}:00.000Z", "producer": PRODUCER,
                    "schemaURL": RUN_SCHEMA, "run": {"runId": run_id},
                    "job": {"namespace": "airflow-prod", "name": f"dag_{job // 10}.task_{job}",
                            "facets": {"jobType": JOB_TYPE}}}
        yield json.dumps({"eventType": "START", **envelope, "inputs": inputs, "outputs": []})
        end = "FAIL" if rng.random() < 0.02 else "COMPLETE"
        yield json.dumps({"eventType": end, **envelope, "inputs": inputs, "outputs": [output]})


def write_files(folder: str, n_events: int, seed: int, parts: int, suffix: str) -> list[str]:
    """The events in ``parts`` files (.jsonl: one a line; .json: a list)."""
    paths = [os.path.join(folder, f"events_{i + 1}{suffix}") for i in range(parts)]
    outs = [open(p, "w", encoding="utf-8") for p in paths]
    per_file = -(-n_events // parts)
    try:
        for i, text in enumerate(events(n_events, seed)):
            k = i // per_file
            if suffix == ".json":
                outs[k].write(("[" if i % per_file == 0 else ",\n") + text)
            else:
                outs[k].write(text + "\n")
        if suffix == ".json":
            for out in outs:
                out.write("]\n")
    finally:
        for out in outs:
            out.close()
    return paths


def measure(paths: list[str], folder: str) -> dict:
    report = os.path.join(folder, "report.json")
    done = subprocess.run([sys.executable, "-c", CHILD, report, *paths], capture_output=True, text=True, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {"code": None}
    if result["code"] not in (0, 1):  # refused, or the process died
        return {"error": ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1][:200]}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="how many events (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--no-json", action="store_true", help="skip the case of .json lists")
    args = parser.parse_args(argv)
    cases = [("one .jsonl file", 1, ".jsonl"), ("three .jsonl files", 3, ".jsonl")]
    if not args.no_json:
        parts = max(3, -(-args.events // 200_000))
        cases.append((f"{parts} .json lists", parts, ".json"))
    print(f"mldebt audit on {args.events:,} generated OpenLineage events (a fresh process for each case)")
    with tempfile.TemporaryDirectory() as folder:
        base = os.path.join(folder, "tiny.jsonl")
        write_files(folder, 2, args.seed, 1, ".jsonl")
        os.replace(os.path.join(folder, "events_1.jsonl"), base)
        tiny = measure([base], folder)
        print(f"  {'a 2-event file (the fixed base)':<34} {tiny.get('seconds', 0):7.2f} s  "
              f"peak {tiny.get('peak_mb', 0):7,.0f} MB")
        for label, parts, suffix in cases:
            paths = write_files(folder, args.events, args.seed, parts, suffix)
            size = sum(os.path.getsize(p) for p in paths)
            result = measure(paths, folder)
            for p in paths:
                os.remove(p)
            if "error" in result:
                print(f"  {label:<34} refused: {result['error']}")
                continue
            print(f"  {label:<34} {result['seconds']:7.2f} s  peak {result['peak_mb']:7,.0f} MB  "
                  f"({size / 1e6:,.0f} MB of events; {args.events:,} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
