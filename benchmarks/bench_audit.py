"""Benchmark `mldebt audit` on a generated system of 100,000 nodes (a JSON manifest).

The system is layered like a real one: sources feed features, features feed models (some models
read other models), models feed consumers; owners, monitoring, tests and thresholds are spread
so that every detector has work to do. Prints the time of each stage and the peak memory.

    python benchmarks/bench_audit.py [--nodes 100000] [--seed 2015]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time


def make_manifest(n_nodes: int = 100_000, seed: int = 2015) -> dict:
    """A plausible, layered system of about ``n_nodes`` nodes: 10% sources, 50% features, 20% models,
    20% consumers."""
    rng = random.Random(seed)
    n_src, n_feat, n_model = n_nodes // 10, n_nodes // 2, n_nodes // 5
    n_cons = n_nodes - n_src - n_feat - n_model
    teams = [f"team_{i}" for i in range(max(2, n_nodes // 200))]
    sources = [{"id": f"src_{i}", "owner": rng.choice(teams), "tests": ["schema"] if rng.random() < 0.5 else [],
                "monitoring": ["freshness"] if rng.random() < 0.3 else [], "pinned": rng.random() < 0.3}
               for i in range(n_src)]
    features = []
    for i in range(n_feat):
        reads = [f"src_{rng.randrange(n_src)}"]
        if i > 10 and rng.random() < 0.1:
            reads.append(f"feat_{rng.randrange(i)}")
        features.append({"id": f"feat_{i}", "owner": rng.choice(teams) if rng.random() < 0.9 else "",
                         "reads": sorted(set(reads)), "type": "numeric",
                         **({"unit": "units"} if rng.random() < 0.8 else {}),
                         "tests": ["range"] if rng.random() < 0.4 else []})
    models = []
    for i in range(n_model):
        reads = {f"feat_{rng.randrange(n_feat)}" for _ in range(rng.randint(2, 8))}
        if i > 10 and rng.random() < 0.05:
            reads.add(f"model_{rng.randrange(i)}")
        models.append({"id": f"model_{i}", "owner": rng.choice(teams), "reads": sorted(reads),
                       "threshold": {"value": 0.5, "set_by": rng.choice(["hand", "learned"])},
                       "monitoring": ["prediction_bias"] if rng.random() < 0.5 else [],
                       "retraining": rng.choice(["manual", "scheduled"]), "seeded": rng.random() < 0.9,
                       "labels_from": [f"src_{rng.randrange(n_src)}"] if rng.random() < 0.2 else []})
    consumers = []
    for i in range(n_cons):
        reads = sorted({f"model_{rng.randrange(n_model)}" for _ in range(rng.randint(1, 2))})
        consumers.append({"id": f"cons_{i}", "owner": rng.choice(teams), "reads": reads,
                          "influences": [f"src_{rng.randrange(n_src)}"] if rng.random() < 0.02 else []})
    return {"system": f"generated system of {n_nodes:,} nodes", "sources": sources, "features": features,
            "models": models, "consumers": consumers}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args(argv)

    from mldebt_lessons.audit import audit_system, gc_paused
    from mldebt_lessons.audit.manifest import load_manifest
    from mldebt_lessons.audit.report import json_report, text_report

    manifest = make_manifest(args.nodes, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "system.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(manifest, out)
        size = os.path.getsize(path)
        del manifest
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pause = gc_paused()  # as the `mldebt` command does
        pause.__enter__()
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        system = load_manifest(path)
        t1 = time.perf_counter()
        result = audit_system(system)
        t2 = time.perf_counter()
        text = text_report(result)
        json_text = json_report(result)
        t3 = time.perf_counter()
        cpu = time.process_time() - cpu0
        pause.__exit__(None, None, None)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    print(f"mldebt audit on a generated system: {len(system.nodes):,} nodes, {len(system.edges):,} edges "
          f"(JSON manifest, {size / 1e6:.1f} MB)")
    print(f"  load and check the manifest  {t1 - t0:6.2f} s")
    print(f"  detect and rank              {t2 - t1:6.2f} s  ({len(result.findings):,} findings of "
          f"{len(result.patterns_found())} patterns)")
    print(f"  text and JSON reports        {t3 - t2:6.2f} s  ({len(text):,} + {len(json_text):,} characters)")
    print(f"  total                        {t3 - t0:6.2f} s  (CPU time {cpu:.2f} s)")
    print(f"  peak memory (resident, whole process): {rss:,.0f} MiB; {rss_before:,.0f} MiB before the audit "
          "(the generator's own data included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
