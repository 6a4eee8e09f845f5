"""Benchmark `mldebt audit` on generated systems of 100,000 and 1,000,000 nodes (JSON manifests).

The system is layered like a real one: sources feed features, features feed models (some models
read other models), models feed consumers; owners, monitoring, tests and thresholds are spread
so that every detector has work to do.

Each audit runs in a fresh Python process (so its peak memory is its own, not the generator's), as
`mldebt audit FILE` does, with the garbage collector paused; it prints, stage by stage, the seconds
and the peak resident memory so far: load (read, pre-scan, parse), check (schema, ids, references,
cycles), build (the System), detect, rank, text report, JSON report. For the smallest system it also
times a networkx-only floor in another fresh process: load the JSON, build the DiGraph, a
topological order, the descendants of every source; and the ratio of the audit (load to text report)
to that floor.

    python benchmarks/bench_audit.py [--nodes 100000 1000000] [--seed 2015]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
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


STAGES = ("load", "check", "build", "detect", "rank", "text report", "JSON report")
TEXT_AUDIT = STAGES[:-1]  # what `mldebt audit FILE --format text` does


def _peak_mib() -> float:
    """The peak resident memory of this process so far, in MiB."""
    try:  # Linux: VmHWM is this program's own; ru_maxrss keeps the parent's peak across fork and exec
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2 ** 20


def _write_json(result, path: str) -> int:
    """Write the JSON report to a file as `mldebt audit --format json -o FILE` does: the number of characters."""
    from mldebt_lessons.audit.report import json_report_pieces, write_report
    size = 0

    def counted(pieces):
        nonlocal size
        for piece in pieces:
            size += len(piece)
            yield piece
    write_report(counted(json_report_pieces(result)), path)
    os.remove(path)
    return size


def run_audit(path: str) -> dict:
    """Audit one manifest file stage by stage: {stage: (seconds, peak MiB so far)}, and what was found."""
    from mldebt_lessons.audit import Audit, gc_paused
    from mldebt_lessons.audit.detectors import detect
    from mldebt_lessons.audit.manifest import build_system, check_manifest
    from mldebt_lessons.audit.ranking import rank
    from mldebt_lessons.audit.report import text_report
    from mldebt_lessons.audit.safeload import load_file
    # Libraries are imported before the stages are timed, as networkx is for the floor; the cycle check
    # would load SciPy on first use. Its import time is printed on its own.
    t0 = time.perf_counter()
    import scipy.sparse.csgraph  # noqa: F401

    out = {"base": _peak_mib(), "stages": {}, "scipy import": time.perf_counter() - t0}
    state = {}
    steps = {
        "load": lambda: state.update(zip(("data", "lines", "name"), load_file(path))),
        "check": lambda: check_manifest(state["data"], state["name"], state["lines"]),
        "build": lambda: state.update(system=build_system(state.pop("data"), state["name"], state["lines"], reuse=True)),
        "detect": lambda: state.update(findings=detect(state["system"])),
        "rank": lambda: state.update(result=Audit(state["system"], rank(state.pop("findings"), state["system"]), None)),
        "text report": lambda: state.update(text=len(text_report(state["result"]))),
        "JSON report": lambda: state.update(json=_write_json(state["result"], path + ".report.json")),
    }
    with gc_paused():  # as the `mldebt` command does
        for stage in STAGES:
            t0 = time.perf_counter()
            steps[stage]()
            out["stages"][stage] = (time.perf_counter() - t0, _peak_mib())
    result = state["result"]
    out.update(nodes=len(result.system.nodes), edges=len(result.system.edges), findings=len(result.findings),
               patterns=len(result.patterns_found()), text=state["text"], json=state["json"])
    return out


def run_floor(path: str) -> dict:
    """The networkx-only floor: load the JSON, build the DiGraph, a topological order, the descendants
    of every source. {stage: (seconds, peak MiB so far)}."""
    import networkx as nx

    from mldebt_lessons.audit import gc_paused

    out = {"base": _peak_mib(), "stages": {}}
    with gc_paused():
        t0 = time.perf_counter()
        with open(path, "rb") as stream:
            data = json.load(stream)
        t1 = time.perf_counter()
        out["stages"]["load"] = (t1 - t0, _peak_mib())
        g = nx.DiGraph()
        for kind in ("sources", "features", "models", "consumers"):
            g.add_nodes_from(entry["id"] for entry in data.get(kind, ()))
        for kind in ("sources", "features", "models", "consumers"):
            for entry in data.get(kind, ()):
                g.add_edges_from((upstream, entry["id"]) for upstream in entry.get("reads", ()))
        t2 = time.perf_counter()
        out["stages"]["build DiGraph"] = (t2 - t1, _peak_mib())
        order = list(nx.topological_sort(g))
        t3 = time.perf_counter()
        out["stages"]["topological order"] = (t3 - t2, _peak_mib())
        reach = sum(len(nx.descendants(g, entry["id"])) for entry in data.get("sources", ()))
        t4 = time.perf_counter()
        out["stages"]["descendants of sources"] = (t4 - t3, _peak_mib())
    out.update(nodes=len(order), reach=reach)
    return out


def _in_fresh_process(what: str, path: str) -> dict:
    """Run run_audit or run_floor in a new Python process, so that its peak memory is its own."""
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--run", what, path],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"bench_audit: the {what} run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _print_stages(stages: dict) -> float:
    total = 0.0
    for stage, (seconds, peak) in stages.items():
        total += seconds
        print(f"  {stage:<24} {seconds:7.2f} s   peak {peak:7,.0f} MiB")
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="system sizes to audit (default: 100000 1000000)")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--run", nargs=2, metavar=("WHAT", "FILE"), help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args(argv)
    if args.run:
        what, path = args.run
        print(json.dumps(run_audit(path) if what == "audit" else run_floor(path)))
        return 0

    floor_size = min(args.nodes)
    for n_nodes in args.nodes:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "system.json")
            manifest = make_manifest(n_nodes, args.seed)
            with open(path, "w", encoding="utf-8") as out:
                json.dump(manifest, out)
            del manifest
            size = os.path.getsize(path)
            audit = _in_fresh_process("audit", path)
            floor = _in_fresh_process("floor", path) if n_nodes == floor_size else None
        stages = audit["stages"]
        print(f"mldebt audit on a generated system: {audit['nodes']:,} nodes, {audit['edges']:,} edges (JSON "
              f"manifest, {size / 1e6:.1f} MB); {audit['findings']:,} findings of {audit['patterns']} patterns; "
              f"reports of {audit['text']:,} (text) and {audit['json']:,} (JSON) characters")
        print(f"  each stage in seconds, and the peak resident memory of the process so far (a fresh process: "
              f"{audit['base']:,.0f} MiB after imports; importing SciPy took {audit['scipy import']:.2f} s of them)")
        _print_stages(stages)
        text_seconds = sum(stages[s][0] for s in TEXT_AUDIT)
        print(f"  audit with a text report: {text_seconds:.2f} s, peak {stages['text report'][1]:,.0f} MiB "
              f"({stages['text report'][1] / (size / 2 ** 20):.1f}x the manifest's size); with the JSON report too: "
              f"{text_seconds + stages['JSON report'][0]:.2f} s, peak {stages['JSON report'][1]:,.0f} MiB")
        if floor is not None:
            print(f"  networkx-only floor, another fresh process ({floor['base']:,.0f} MiB after imports):")
            floor_seconds = _print_stages(floor["stages"])
            print(f"  floor total {floor_seconds:.2f} s; the audit with a text report takes "
                  f"{text_seconds / floor_seconds:.2f}x the floor (target <= 1.3)")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
