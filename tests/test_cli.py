"""The `mldebt` command: subcommands, formats, exit codes, and bad input tried hard."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from audit_helpers import clean_manifest

from mldebt_lessons.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean_file(tmp_path):
    path = tmp_path / "clean.yaml"
    path.write_text(yaml.safe_dump(clean_manifest()))
    return path


# --- subcommands ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [[], ["audit"], ["ripple"], ["lessons"], ["claims"], ["prompt"], ["example"]])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main(command + ["--help"])
    assert done.value.code == 0
    assert "usage: mldebt" in capsys.readouterr().out


def test_audit_of_the_toy_world_by_default(capsys):
    code, out, err = run(capsys, "audit")
    assert code == 0 and err == ""
    assert out.startswith("Hidden-technical-debt audit: Larkspur") and "Pay down first" in out


def test_formats(capsys, tmp_path):
    code, out, _ = run(capsys, "audit", "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"system", "findings", "summary"}
    code, out, _ = run(capsys, "audit", "--format", "markdown", "--top", "2")
    assert out.startswith("# Hidden-technical-debt audit: Larkspur") and "### 3." not in out
    code, out, _ = run(capsys, "audit", "--format", "prompt")
    assert "Audit my system and prioritise" in out
    target = tmp_path / "report.md"
    code, out, _ = run(capsys, "audit", "--format", "markdown", "--output", str(target))
    assert code == 0 and out == "" and target.read_text().startswith("# Hidden")


def test_graph_pictures(capsys, tmp_path):
    for name in ("hot.svg", "hot.png"):
        code, _, _ = run(capsys, "audit", "--graph", str(tmp_path / name))
        assert code == 0 and (tmp_path / name).stat().st_size > 1000
    assert (tmp_path / "hot.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "hot.svg").read_bytes()
    code, _, err = run(capsys, "audit", "--graph", str(tmp_path / "hot.gif"))
    assert code == 2 and ".svg or .png" in err


def test_exit_codes_for_fail_on(capsys, clean_file):
    assert run(capsys, "audit", "--fail-on", "low")[0] == 1
    code, _, err = run(capsys, "audit", "--fail-on", "critical")
    assert code == 1 and "at or above critical" in err
    assert run(capsys, "audit", str(clean_file), "--fail-on", "low")[0] == 0


def test_usage_errors_exit_2_with_one_line(capsys):
    for args in (["audit", "--format", "xml"], ["audit", "--top", "-1"], ["audit", "--fail-on", "urgent"],
                 ["frobnicate"], ["audit", "--no-such-option"]):
        code, out, err = run(capsys, *args)
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, args


def test_combined_inputs_and_answers(capsys, clean_file, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"eventType": "COMPLETE", "job": {"name": "ads"}, "inputs": [{"name": "churn"}],
                                  "outputs": []}) + "\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text("data_1: automated\nmodel_1: manual\ninfra_1: automated\nmonitor_1: automated\n")
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "serve.py").write_text("def decide(x):\n    return model.predict_proba(x) > 0.8\n")
    code, out, _ = run(capsys, "audit", str(clean_file), "--lineage", str(events), "--code", str(code_dir),
                       "--answers", str(answers), "--format", "json")
    data = json.loads(out)
    assert code == 0 and len(data["system"]["inputs"]) == 3
    patterns = {f["pattern"] for f in data["findings"]}
    assert {"undeclared_consumer", "fixed_threshold"} <= patterns
    assert data["summary"]["ml_test_score"]["final"] == 0.5
    code, out, _ = run(capsys, "audit", str(events))  # recognised as lineage by its content
    assert code == 0 and "(OpenLineage, 1 event)" in out.replace("\n", " ")


def test_a_dbt_manifest_is_recognised(capsys, tmp_path):
    from test_audit_inputs import dbt_manifest
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(dbt_manifest()))
    code, out, _ = run(capsys, "audit", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["system"]["name"] == "shop"


def test_ripple_lessons_prompt_example(capsys, clean_file, tmp_path):
    code, out, _ = run(capsys, "ripple", "user_age")
    assert code == 0 and out.startswith("A change to feature 'user_age' reaches")
    code, out, _ = run(capsys, "ripple", "orders", str(clean_file))
    assert code == 0 and "basket" in out and "churn" in out
    code, _, err = run(capsys, "ripple", "user_agee")
    assert code == 2 and "did you mean 'user_age'" in err and err.count("\n") == 1
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "job.py").write_text("import pandas as pd\npd.read_csv('orders.csv')\n")
    code, _, err = run(capsys, "ripple", "user_age", "--code", str(tmp_path / "src"))  # code names no nodes
    assert code == 2 and "name no nodes" in err and "--lineage" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "lessons")
    assert code == 0 and out.startswith("01 ")
    code, out, _ = run(capsys, "prompt", "01")
    assert code == 0 and "Please act as my tutor" in out
    code, _, err = run(capsys, "prompt", "99")
    assert code == 2 and "unknown lesson" in err
    code, out, _ = run(capsys, "example")
    assert code == 0
    path = tmp_path / "example.yaml"
    path.write_text(out)
    code, out, _ = run(capsys, "audit", str(path))
    assert code == 0 and "Larkspur" in out


# --- bad input, tried hard ---------------------------------------------------------------------------------------

BOMB = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 9) + "]\n" for i in range(10))
BAD = {
    "yaml-syntax.yaml": ("system: [shop\nsources: x\n", "line"),
    "json-syntax.json": ('{"system": "shop",\n "sources": [}\n', "line 2"),
    "empty.yaml": ("", "empty"),
    "blank.json": ("  \n\n", "empty"),
    "garbage.yaml": (bytes(range(256)) * 40, "binary"),
    "latin1.yaml": ("system: caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "wrong-type.yaml": ("system: shop\nsources: {id: a}\n", "expected a list"),
    "wrong-type2.json": ('{"system": "shop", "models": [{"id": "m", "reads": "a"}]}', "expected a list"),
    "unknown-ref.yaml": ("system: s\nsources: [{id: a}]\nfeatures: [{id: f, reads: [b]}]\n", "unknown node 'b'"),
    "duplicate-id.yaml": ("system: s\nsources: [{id: a}]\nmodels: [{id: a}]\n", "used twice"),
    "duplicate-key.json": ('{"system": "s", "system": "t"}', "appears twice"),
    "alias-bomb.yaml": (BOMB, "alias"),
    "huge-scalar.yaml": ("system: " + "a" * 300_000 + "\n", "characters"),
    "huge-scalar.json": ('{"system": "' + "a" * 2_000_000 + '"}', "characters"),
    "huge-number.yaml": ("system: s\nsources: [{id: a, version: " + "9" * 50_000 + "}]\n", "too many digits"),
    "deep.yaml": ("[" * 300_000 + "]" * 300_000, "nested"),
    "deep-block.yaml": ("".join(" " * i + "- \n" for i in range(2000)), "nested"),
    "deep.json": ("[" * 300_000 + "]" * 300_000, "nested"),
    "not-a-mapping.json": ("[1, 2, 3]", "expected a mapping"),
    "python-tag.yaml": ("system: !!python/object/apply:os.system [echo hi]\n", "not allowed"),
    "bad-lineage.jsonl": ('{"eventType": "COMPLETE", "job": {"name": "j"}}\n[1, 2]\n', "line 2"),
    "many-docs.yaml": ("system: a\n---\nsystem: b\n", "expected a single document"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exits_2_with_one_short_line(name, tmp_path, capsys):
    content, expected = BAD[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.perf_counter()
    code, out, err = run(capsys, "audit", str(path))
    assert time.perf_counter() - started < 10
    assert code == 2, (name, out[:200], err)
    assert err.count("\n") == 1 and "Traceback" not in err and len(err) < 400, err
    assert str(path) in err and expected in err, err


def test_a_missing_file_and_a_folder(tmp_path, capsys):
    code, _, err = run(capsys, "audit", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "audit", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = run(capsys, "audit", "--code", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err
    code, _, err = run(capsys, "audit", "--answers", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err


def test_bad_answers_file(tmp_path, capsys):
    path = tmp_path / "answers.yaml"
    path.write_text("data_1: often\n")
    code, _, err = run(capsys, "audit", "--answers", str(path))
    assert code == 2 and "no, manual or automated" in err


def test_python_dash_m_and_the_console_script_run_in_a_fresh_process(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "mldebt_lessons", "audit", str(path)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "alias" in done.stderr
    script = Path(sys.executable).with_name("mldebt")
    if script.exists():
        done = subprocess.run([str(script), "lessons"], capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0 and done.stdout.startswith("01 ")


def test_the_report_is_the_same_whatever_the_hash_seed(tmp_path):
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "mldebt_lessons", "audit", "--format", "json"],
                              capture_output=True, text=True, timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
