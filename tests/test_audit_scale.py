"""Large and hostile manifests: bounded memory while reading JSON, and the checks on names and cycles.

Every test here is fast: the 1,000,000-node run is the benchmark's job (benchmarks/bench_audit.py).
"""

import copy
import json
import random
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
import yaml
from audit_helpers import clean_manifest

from mldebt_lessons.audit import safeload
from mldebt_lessons.audit.manifest import find_cycle, manifest_from_data
from mldebt_lessons.audit.safeload import JsonShape, scan_json
from mldebt_lessons.cli import main

ROOT = Path(__file__).resolve().parents[1]


def audit_file(capsys, path, *extra):
    """(exit status, stdout, stderr) of `mldebt audit FILE`."""
    code = main(["audit", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, path) -> str:
    """The one line `mldebt audit` prints for a bad input (and checks that it is one line, exit 2)."""
    code, out, err = audit_file(capsys, path)
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    assert err.isascii() and err.strip().isprintable(), err  # nothing raw reaches the terminal
    return err


def write_json(tmp_path, data, name="m.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


# --- the JSON pre-scan, block by block ----------------------------------------------------------------------

def _reference_shape(raw: bytes) -> JsonShape:
    """The pre-scan's answer, one byte at a time: a quote preceded by an even run of backslashes delimits."""
    depth = deepest = 0
    values, inside, run, start, line, open_line, longest, longest_line = 1, False, 0, 0, 1, 0, 0, 0
    for i, c in enumerate(raw):
        quote = c == ord('"') and run % 2 == 0
        run = run + 1 if c == ord("\\") else 0
        if inside and quote:
            inside = False
            if i - start - 1 > longest:
                longest, longest_line = i - start - 1, open_line
        elif quote:
            inside, start, open_line = True, i, line
        elif not inside and c in b"[{":
            depth += 1
            deepest = max(deepest, depth)
            values += 1
        elif not inside and c in b"]}":
            depth -= 1
        elif not inside and c == ord(","):
            values += 1
        line += c == ord("\n")
    if inside and len(raw) - start - 1 > longest:
        longest, longest_line = len(raw) - start - 1, open_line
    return JsonShape(deepest, values, longest, longest_line)


def test_the_pre_scan_carries_strings_escapes_and_depth_across_blocks(monkeypatch):
    rng = random.Random(14)
    alphabet = ['"', "\\", "[", "]", "{", "}", ",", ":", "a", " ", "\n", "é", "€"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50))) for _ in range(400)]
    texts += [json.dumps({"a": ["x\\\\", "y\\\"]", {"b": "é[" * 5}]}), '"' + "\\" * 9 + '"']
    for block in (4, 8, 12, 64):  # bytes; a str is cut into pieces of block // 4 characters
        monkeypatch.setattr(safeload, "SCAN_BLOCK", block)
        for text in texts:
            expected = _reference_shape(text.encode("utf-8"))
            assert scan_json(text) == expected, (block, text)
            assert scan_json(text.encode("utf-8")) == expected, (block, text)


def test_the_pre_scan_uses_a_fixed_few_blocks_of_memory_not_a_multiple_of_the_input():
    text = b'{"system": "x", "sources": [' + b'{"id": "s\\\\"}, ' * 1_500_000 + b'{"id": "t"}]}'  # 22 MB
    tracemalloc.start()
    try:
        shape = scan_json(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert shape.depth == 3 and shape.values == 3_000_005
    # Before: int64 and int32 arrays of the whole input, about 20 bytes per input byte (440 MB here).
    assert peak < 16 * safeload.SCAN_BLOCK < len(text) * 3, peak


def test_reading_a_mostly_blank_json_manifest_costs_about_twice_its_size(tmp_path):
    """The issue's 250 MB of whitespace peaked at 2.9 GB; here a 24 MB one, measured in a fresh process."""
    path = tmp_path / "blank.json"
    path.write_bytes(b'{"system": "x", "sources": [{"id": "a", "owner": "t"}]' + b" \n" * 12_000_000 + b"}")
    probe = textwrap.dedent(f"""
        import resource
        from mldebt_lessons.audit.manifest import load_manifest
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        system = load_manifest({str(path)!r})
        assert list(system.nodes) == ["a"]
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024)
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    grown = int(done.stdout.split()[-1])
    assert grown < 4 * path.stat().st_size, grown  # bytes and text side by side, plus a few scan blocks


def test_a_huge_text_value_is_refused_before_it_is_parsed(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(safeload, "MAX_JSON_TEXT", 1000)
    data = {"system": "x", "sources": [{"id": "a", "description": "long " * 1000}]}
    err = refused(capsys, write_json(tmp_path, data))
    assert "m.json line 6: a text value of more than 1,000 bytes; expected at most 1,000" in err


def test_a_file_of_too_many_values_is_refused_before_it_is_parsed(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(safeload, "MAX_JSON_VALUES", 1000)
    data = {"system": "x", "sources": [{"id": "a", "tests": ["t"] * 5000}]}
    err = refused(capsys, write_json(tmp_path, data))
    assert "more than 1,000 values" in err and "expected at most 1,000" in err


def test_a_manifest_named_other_than_json_with_leading_blank_lines_is_still_json(tmp_path):
    path = tmp_path / "system.manifest"
    path.write_text("\n\n   " + json.dumps(clean_manifest()), encoding="utf-8")
    assert safeload.load_file(path)[0]["system"] == "clean shop"


# --- lone surrogates -----------------------------------------------------------------------------------------

def test_a_lone_surrogate_in_json_is_one_line_not_an_internal_error(tmp_path, capsys):
    path = tmp_path / "m.json"
    path.write_text('{"system": "x", "sources": [{"id": "a", "description": "half \\ud800 of it"}]}')
    err = refused(capsys, path)
    assert "sources[0].description" in err and "lone surrogate '\\ud800'" in err
    path.write_text('{"system": "x", "sources": [{"id": "a", "n\\udfffotes": "x"}]}')
    assert "the key 'n\\udfffotes' holds a lone surrogate" in refused(capsys, path)


def test_a_surrogate_pair_is_one_character_and_is_accepted(tmp_path, capsys):
    path = tmp_path / "m.json"
    path.write_text('{"system": "x", "sources": [{"id": "a", "owner": "t", "description": "\\ud83d\\ude00"}]}')
    code, _, err = audit_file(capsys, path, "--output", str(tmp_path / "report.txt"))
    assert code == 0 and err == ""


def test_a_lone_surrogate_in_yaml_is_one_line(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text('system: x\nsources:\n  - id: a\n    description: "half \\ud800"\n')
    err = refused(capsys, path)
    assert "m.yaml line 4" in err and "lone surrogate '\\ud800'" in err


# --- control characters in names -----------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x1b", "\x00", "\t", "\x7f", "\x85", "\u2028", "\ud800"])
def test_no_id_may_hold_a_control_character(tmp_path, capsys, char):
    data = clean_manifest()
    data["sources"][0]["id"] = f"ord{char}ers"
    data["features"][0]["reads"] = [f"ord{char}ers"]
    err = refused(capsys, write_json(tmp_path, data))
    escaped = ascii(char)  # e.g. '\x1b', as a reader can type it
    if char == "\ud800":  # refused as soon as it is read, wherever it is
        assert f"sources[0].id: the text 'ord{escaped[1:-1]}ers' holds a lone surrogate {escaped}" in err
    else:
        assert "sources[0].id" in err and f"control character {escaped}" in err and "plain name" in err


@pytest.mark.parametrize("place", ["reads", "consumers", "aliases", "outputs", "flag", "used_by", "monitoring"])
def test_every_name_of_a_node_is_checked_for_control_characters(tmp_path, capsys, place):
    data = clean_manifest()
    model = data["models"][0]
    bad = "mail\x1b[2J"
    if place in ("reads", "consumers", "aliases", "outputs", "monitoring"):
        model[place] = [bad]
        where = f"models[0].{place}[0]"
    else:
        data["flags"] = [{"id": bad if place == "flag" else "f", "used_by": [bad] if place == "used_by" else []}]
        where = "flags[0].id" if place == "flag" else "flags[0].used_by[0]"
    err = refused(capsys, write_json(tmp_path, data))
    assert where in err and "control character '\\x1b'" in err


def test_ordinary_names_are_still_plain_names():
    data = clean_manifest()
    data["sources"][0]["aliases"] = ["db.public.orders", "s3://raw/orders.parquet", "commandes client", ""]
    data["sources"][0]["id"] = "orders/2024 v2 (données)"
    data["features"][0]["reads"] = ["commandes client"]
    assert "orders/2024 v2 (données)" in manifest_from_data(data, "m.json").nodes


# --- data flows one way --------------------------------------------------------------------------------------

def test_a_cycle_of_features_through_reads_is_an_error_naming_it(tmp_path, capsys):
    data = clean_manifest()
    data["features"] += [{"id": "a", "reads": ["c"]}, {"id": "b", "reads": ["a"]}, {"id": "c", "reads": ["b"]}]
    err = refused(capsys, write_json(tmp_path, data))
    assert "features[1].reads: the reads go round in a circle: a -> b -> c -> a" in err
    assert "influences or labels_from" in err


def test_a_cycle_through_a_model_and_its_outputs_is_an_error(tmp_path, capsys):
    data = clean_manifest()
    data["models"][0]["outputs"] = ["churn_scores"]
    data["features"][0]["reads"] = ["orders", "churn_scores"]
    err = refused(capsys, write_json(tmp_path, data))
    assert "the reads go round in a circle: basket -> churn -> basket" in err


def test_consumers_or_reads_naming_the_node_itself_are_errors(tmp_path, capsys):
    data = clean_manifest()
    data["models"][0]["consumers"] = ["churn"]
    assert "models[0].consumers[0]: 'churn' names itself" in refused(capsys, write_json(tmp_path, data))
    data = clean_manifest()
    data["models"][0]["reads"] = ["basket", "churn"]
    assert "models[0].reads[1]: 'churn' names itself" in refused(capsys, write_json(tmp_path, data))
    data = clean_manifest()
    data["models"][0]["aliases"] = ["churn_v2"]
    data["models"][0]["reads"] = ["basket", "churn_v2"]  # itself, by another name
    assert "churn -> churn" in refused(capsys, write_json(tmp_path, data))


def test_a_feedback_loop_declared_with_influences_and_labels_is_still_accepted_and_found():
    data = clean_manifest()
    data["consumers"][0]["influences"] = ["orders"]
    data["models"][0]["labels_from"] = ["mail"]
    system = manifest_from_data(copy.deepcopy(data), "m.json")
    from mldebt_lessons.audit.detectors import Context
    ctx = Context(system)
    assert ctx.order is not None and ctx.loops  # the reads flow one way; the loop closes through the world


def test_find_cycle_on_a_long_chain_does_not_recurse():
    n = 200_000
    pred = {f"n{i}": [f"n{i - 1}"] if i else [] for i in range(n)}
    assert find_cycle(pred) is None
    pred["n0"] = [f"n{n - 1}"]
    assert len(find_cycle(pred)) == n


# --- the benchmark itself ------------------------------------------------------------------------------------

def test_the_benchmark_reports_every_stage_and_the_floor(tmp_path):
    from audit_helpers import bench_audit as load_bench_audit
    bench_audit = load_bench_audit()
    path = write_json(tmp_path, bench_audit.make_manifest(2000, seed=1))
    audit, floor = bench_audit.run_audit(str(path)), bench_audit.run_floor(str(path))
    assert list(audit["stages"]) == list(bench_audit.STAGES) and audit["nodes"] == 2000 and audit["findings"]
    assert list(floor["stages"]) == ["load", "build DiGraph", "topological order", "descendants of sources"]
    assert floor["nodes"] == 2000
    assert all(seconds >= 0 and peak > 0 for seconds, peak in audit["stages"].values())


def test_the_example_manifest_is_still_valid(capsys):
    assert main(["example"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert manifest_from_data(data, "example.yaml").nodes
