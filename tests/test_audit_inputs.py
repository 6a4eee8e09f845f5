"""Every input kind of `mldebt audit`: manifests (YAML, JSON, schema), OpenLineage, dbt, code, combined."""

import json
from pathlib import Path

import pytest
from audit_helpers import clean_manifest

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.codescan import scan_directory, scan_sources
from mldebt_lessons.audit.dbt import dbt_from_data, is_dbt, load_dbt
from mldebt_lessons.audit.manifest import (
    SCHEMA_PATH,
    load_manifest,
    manifest_from_text,
    manifest_schema,
)
from mldebt_lessons.audit.mltestscore import TEST_KEYS
from mldebt_lessons.audit.openlineage import is_lineage, load_lineage
from mldebt_lessons.audit.safeload import json_depth, parse_text
from mldebt_lessons.audit.schema import compile_schema
from mldebt_lessons.audit.toy import toy_manifest
from mldebt_lessons.errors import CourseInputError

README = Path(__file__).resolve().parents[1] / "README.md"

YAML_EXAMPLE = """\
system: tiny shop   # a comment
sources:
  - id: orders
    owner: checkout team
features:
  - id: basket
    reads: [orders]
    unit: GBP
models:
  - id: churn
    reads: [basket]
    threshold: 0.5
"""


def one_line_error(call, *args):
    with pytest.raises(CourseInputError) as caught:
        call(*args)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --- manifests ------------------------------------------------------------------------------------------

def test_a_yaml_and_a_json_manifest_load_to_the_same_system(tmp_path):
    data, _ = parse_text(YAML_EXAMPLE, "m.yaml")
    (tmp_path / "m.yaml").write_text(YAML_EXAMPLE)
    (tmp_path / "m.json").write_text(json.dumps(data))
    a, b = load_manifest(tmp_path / "m.yaml"), load_manifest(tmp_path / "m.json")
    assert a.nodes == b.nodes and a.edges.keys() == b.edges.keys()
    assert a.nodes["churn"]["threshold"] == {"value": 0.5}
    assert a.edges[("orders", "basket")]["declared"] is True


def test_manifest_errors_name_the_file_the_line_the_place_and_what_is_allowed():
    bad_type = one_line_error(manifest_from_text, YAML_EXAMPLE.replace("threshold: 0.5", "threshold: high"), "m.yaml")
    assert bad_type.startswith("m.yaml line 12: models[0].threshold: expected a number or a mapping")
    typo = one_line_error(manifest_from_text, YAML_EXAMPLE.replace("owner: checkout", "ownr: checkout"), "m.yaml")
    assert "line 4" in typo and "unknown key 'ownr' (did you mean 'owner'?)" in typo
    unknown = one_line_error(manifest_from_text, YAML_EXAMPLE.replace("reads: [orders]", "reads: [oders]"), "m.yaml")
    assert "m.yaml line 7: features[0].reads[0]: unknown node 'oders' (did you mean 'orders'?)" in unknown
    dup = one_line_error(manifest_from_text, YAML_EXAMPLE.replace("id: basket", "id: orders"), "m.yaml")
    assert "the id 'orders' is used twice (also at line 3)" in dup
    missing = one_line_error(manifest_from_text, "sources: []\n", "m.yaml")
    assert "the key 'system' is missing" in missing
    listed = one_line_error(manifest_from_text, "- a\n- b\n", "m.yaml")
    assert "expected a mapping with at least 'system'" in listed
    enum = one_line_error(manifest_from_text, YAML_EXAMPLE + "    retraining: weekly\n", "m.yaml")
    assert "one of: manual, scheduled, continuous, never" in enum
    itself = one_line_error(manifest_from_text, YAML_EXAMPLE.replace("reads: [basket]", "reads: [churn]"), "m.yaml")
    assert "names itself" in itself


@pytest.mark.parametrize("seed", range(4))
def test_the_quick_graph_check_passes_exactly_what_the_slow_checks_pass(seed):
    """The quick check of ids, references and one-way flow lets the slow, explaining checks run only when it
    finds a problem: it must never pass a manifest they refuse (and may only send them sound ones rarely)."""
    import copy
    import random

    from audit_helpers import bench_audit

    from mldebt_lessons.audit.manifest import _check_ids_and_refs, _check_one_way, _ids_refs_and_flow_are_fine
    rng = random.Random(seed)
    base = bench_audit().make_manifest(300, seed=seed)
    lists = ("sources", "features", "models", "consumers")

    def some_entry(data):
        return rng.choice(data[rng.choice([k for k in lists if data[k]])])

    def mutate(data):
        entry, other = some_entry(data), some_entry(data)
        how = rng.randrange(9)
        if how == 0:
            entry["id"] = other["id"]  # an id used twice (or the same entry: no change)
        elif how == 1:
            entry.setdefault("reads", []).append("nowhere")
        elif how == 2:
            entry.setdefault(rng.choice(["reads", "consumers", "correlated_with"]), []).append(entry["id"])
        elif how == 3:
            entry["aliases"] = [entry["id"] + "_alias"]
            entry.setdefault(rng.choice(["reads", "consumers", "correlated_with"]), []).append(entry["id"] + "_alias")
        elif how == 4:
            other.setdefault("reads", []).append(entry["id"])  # a cycle unless entry is upstream of other
        elif how == 5:
            entry.setdefault("consumers", []).append(other["id"])
        elif how == 6:
            entry["embedded_with"] = rng.choice([other["id"], entry["id"], "nowhere"])
        elif how == 7:
            entry.setdefault(rng.choice(["labels_from", "influences"]), []).append(rng.choice([other["id"], "x"]))
        else:
            entry["outputs"] = [other["id"] + "_out"]
            other.setdefault("reads", []).append(other["id"] + "_out")
    agreed = refused = 0
    for _ in range(150):
        data = copy.deepcopy(base)
        for _ in range(rng.randint(1, 2)):
            mutate(data)
        try:
            _check_ids_and_refs(data, "m.json", {})
            _check_one_way(data, "m.json", {})
            slow_ok = True
        except CourseInputError:
            slow_ok = False
        quick_ok = _ids_refs_and_flow_are_fine(data)
        assert not quick_ok or slow_ok, "the quick check passed a manifest the slow checks refuse"
        agreed += quick_ok == slow_ok
        refused += not slow_ok
    assert refused > 40 and agreed >= 135  # a node naming its own alias in correlated_with is the one disagreement


def test_a_blank_monitor_or_id_is_refused_in_one_line_not_counted_as_monitoring():
    blank = "system: x\nsources:\n  - {id: s, owner: a, monitoring: ['']}\n"
    assert one_line_error(manifest_from_text, blank, "m.yaml") == (
        "m.yaml line 3: sources[0].monitoring[0]: expected text, got empty text")
    spaced = one_line_error(manifest_from_text, blank.replace("['']", "[' x']"), "m.yaml")
    assert "spaces at an end" in spaced
    no_id = one_line_error(manifest_from_text, "system: x\nsources:\n  - {id: '', owner: a}\n", "m.yaml")
    assert "sources[0].id" in no_id and "empty" in no_id


def test_json_manifest_errors_have_the_line_of_a_syntax_error():
    message = one_line_error(manifest_from_text, '{"system": "x",\n "sources": [}', "m.json")
    assert message.startswith("m.json line 2 column") and "invalid JSON" in message


def test_the_toy_manifest_and_the_readme_example_are_valid():
    check = compile_schema(manifest_schema())
    assert check(toy_manifest()) is None
    text = README.read_text(encoding="utf-8")
    if "## Audit your own system" in text:
        block = text.split("## Audit your own system", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
        system = manifest_from_text(block, "README.md")
        assert system.nodes


def test_the_schema_file_lists_every_ml_test_score_test_and_is_valid_json_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["ml_test_score"]["properties"]) == set(TEST_KEYS)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)


def test_our_checker_agrees_with_the_jsonschema_package():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(manifest_schema())
    check = compile_schema(manifest_schema())
    good = [clean_manifest(), toy_manifest(measure=False)]
    bad = [{"system": 3}, {"system": "x", "models": [{"id": "m", "threshold": "high"}]},
           {"system": "x", "sources": [{"id": "a", "owenr": "t"}]}, {"system": "x", "flags": [{"id": ""}]},
           {"system": "x", "ml_test_score": {"data_1": "sometimes"}}, {"system": "x", "models": [{"id": " m"}]},
           {"system": "x", "features": [{"id": "f", "importance": 1.5}]}]
    for item in good:
        assert check(item) is None and validator.is_valid(item)
    for item in bad:
        assert check(item) is not None and not validator.is_valid(item), item


def test_aliases_and_merge_keys_are_allowed_for_hand_written_reuse():
    text = ("system: s\nowners: &team {owner: data team}\n" if False else
            "system: s\nsources:\n  - &src {id: a, owner: data team}\n  - {<<: *src, id: b}\n")
    system = manifest_from_text(text, "m.yaml")
    assert system.nodes["b"]["owner"] == "data team"


def test_nothing_in_a_yaml_manifest_is_executed(tmp_path):
    marker = tmp_path / "ran"
    text = f"system: !!python/object/apply:os.system ['touch {marker}']\n"
    message = one_line_error(manifest_from_text, text, "m.yaml")
    assert "m.yaml line 1" in message and not marker.exists()


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('["[[[[", {"a": "]]]"}]') == 2
    assert json_depth('"\\\\"') == 0


# --- OpenLineage ------------------------------------------------------------------------------------------

EVENTS = [
    {"eventType": "COMPLETE", "eventTime": "2024-01-01T00:00:00Z", "run": {"runId": "r1"},
     "job": {"namespace": "etl", "name": "build_features",
             "facets": {"ownership": {"owners": [{"name": "data team", "type": "team"}]}}},
     "inputs": [{"namespace": "db", "name": "public.orders"}], "outputs": [{"namespace": "db", "name": "basket"}]},
    {"eventType": "COMPLETE", "run": {"runId": "r2"}, "job": {"namespace": "ads", "name": "ads_ranker"},
     "inputs": [{"namespace": "dw", "name": "warehouse.churn_scores"}], "outputs": []},
]


def test_openlineage_events_are_observed_reads_and_writes(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    m = clean_manifest()
    m["models"][0]["outputs"] = ["warehouse.churn_scores"]
    from mldebt_lessons.audit.manifest import manifest_from_data
    system = load_lineage(path, manifest_from_data(m, "m.yaml"))
    assert system.edges[("orders", "build_features")]["observed"]  # 'public.orders' matched 'orders'
    assert system.edges[("build_features", "basket")]["observed"]
    assert system.nodes["build_features"]["owner"] == "data team"
    assert system.nodes["ads_ranker"]["kind"] == "consumer"
    assert ("churn", "ads_ranker") in system.edges
    patterns = {f.pattern for f in audit_system(system).findings}
    assert "undeclared_consumer" in patterns and "static_analysis_gap" in patterns


def test_lineage_alone_makes_a_system_and_a_json_list_works(tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps(EVENTS))
    system = load_lineage(path)
    assert system.nodes["public.orders"]["kind"] == "dataset" and is_lineage(EVENTS)


def test_bad_openlineage_events_give_one_line_with_the_line(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(EVENTS[0]) + "\n{\"job\": {}}\n")
    assert one_line_error(load_lineage, path).startswith(f"{path} line 2: job.name is missing")
    path.write_text(json.dumps(EVENTS[0]) + "\n{oops\n")
    assert f"{path} line 2" in one_line_error(load_lineage, path)
    path.write_text(json.dumps({**EVENTS[0], "eventType": "DONE"}) + "\n")
    assert "expected one of: START" in one_line_error(load_lineage, path)


# --- dbt ---------------------------------------------------------------------------------------------------

def dbt_manifest():
    return {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "shop"},
        "sources": {"source.shop.raw.orders": {"resource_type": "source", "name": "orders", "source_name": "raw",
                                               "unique_id": "source.shop.raw.orders",
                                               "freshness": {"warn_after": {"count": 12, "period": "hour"}}}},
        "nodes": {
            "model.shop.stg_orders": {"resource_type": "model", "name": "stg_orders", "meta": {"owner": "data team"},
                                      "depends_on": {"nodes": ["source.shop.raw.orders"]}},
            "model.shop.baskets": {"resource_type": "model", "name": "baskets", "config": {"meta": {"owner": "data"}},
                                   "depends_on": {"nodes": ["model.shop.stg_orders"]}},
            "test.shop.not_null_stg_orders_id": {"resource_type": "test", "name": "not_null_stg_orders_id",
                                                 "attached_node": "model.shop.stg_orders",
                                                 "depends_on": {"nodes": ["model.shop.stg_orders"]}},
        },
        "exposures": {"exposure.shop.churn": {"name": "churn_model", "type": "ml", "owner": {"name": "retention"},
                                              "depends_on": {"nodes": ["model.shop.baskets"]}},
                      "exposure.shop.dash": {"name": "vip_dashboard", "type": "dashboard",
                                             "owner": {"name": "loyalty"},
                                             "depends_on": {"nodes": ["model.shop.baskets"]}}},
    }


def test_a_dbt_manifest_gives_sources_models_tests_and_exposures(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(dbt_manifest()))
    system = load_dbt(path)
    assert system.name == "shop"
    assert system.nodes["orders"]["kind"] == "source" and system.nodes["orders"]["monitoring"] == ["freshness"]
    assert system.nodes["stg_orders"]["tests"] == ["not_null_stg_orders_id"]
    assert system.nodes["baskets"]["tests"] == [] and system.nodes["baskets"]["owner"] == "data"
    assert system.nodes["churn_model"]["kind"] == "model" and system.nodes["vip_dashboard"]["kind"] == "consumer"
    assert system.edges[("baskets", "vip_dashboard")]["declared"]
    assert system.aliases["model.shop.baskets"] == "baskets"
    patterns = {f.pattern for f in audit_system(system).findings}
    assert "monitoring_gap" in patterns  # the ml exposure has no monitoring


def test_bad_dbt_manifests_give_one_line():
    assert not is_dbt({"nodes": []})
    bad = dbt_manifest()
    bad["nodes"]["model.shop.baskets"]["depends_on"] = {"nodes": "model.shop.stg_orders"}
    assert "depends_on.nodes is not a list" in one_line_error(dbt_from_data, bad, "manifest.json")
    bad = dbt_manifest()
    bad["exposures"] = ["x"]
    assert "'exposures' is a list" in one_line_error(dbt_from_data, bad, "manifest.json")


# --- code --------------------------------------------------------------------------------------------------

CODE = {
    "train.py": ("import pandas as pd\nfrom sklearn.ensemble import GradientBoostingClassifier\n"
                 "EXPERIMENT_RERANK = False\nTHRESHOLD = 0.83\n"
                 "df = pd.read_csv('data/orders.csv')\nfeatures = pd.read_parquet('tmp/features.parquet')\n"
                 "model = GradientBoostingClassifier(n_estimators=200, learning_rate=0.05, random_state=0)\n"
                 "def decide(x):\n    if EXPERIMENT_RERANK:\n        return None\n"
                 "    return model.predict_proba(x)[:, 1] > THRESHOLD\n"),
    "prep.py": ("import pandas as pd\nfrom scratch.helpers import clean\n"
                "pd.DataFrame().to_parquet('tmp/features.parquet')\n"
                "q = 'SELECT * FROM warehouse.returns JOIN shop.orders ON x'\n"),
    "broken.py": "def (:\n",
    "queries.sql": "select 1;\n", "Job.scala": "object Job\n",
}


def test_a_code_folder_is_parsed_never_run(tmp_path):
    for name, text in CODE.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "boom.py").write_text(f"open('{tmp_path / 'ran'}', 'w').write('x')\n")
    facts = scan_directory(tmp_path)
    assert not (tmp_path / "ran").exists()
    assert facts["files"] == 3 and [s["file"] for s in facts["skipped"]] == ["broken.py"]
    assert facts["languages"] == {"python": 4, "sql": 1, "scala": 1}
    assert {(t["file"], t["value"]) for t in facts["thresholds"]} == {("train.py", 0.83)}
    assert [(h["name"], h["value"]) for h in facts["hyperparameters"]] == [("n_estimators", 200), ("learning_rate", 0.05)]
    assert [f["name"] for f in facts["dead_flags"]] == ["EXPERIMENT_RERANK"]
    reads = {d["name"] for d in facts["datasets"] if d["op"] == "read"}
    assert reads == {"data/orders.csv", "tmp/features.parquet", "warehouse.returns", "shop.orders"}
    assert [i["module"] for i in facts["prototype_imports"]] == ["scratch.helpers"]


def test_code_findings_join_a_manifest(tmp_path):
    for name, text in CODE.items():
        (tmp_path / name).write_text(text)
    from mldebt_lessons.audit.manifest import manifest_from_data
    system = manifest_from_data(clean_manifest(), "m.yaml")
    system.code = scan_directory(tmp_path, system)
    patterns = {f.pattern for f in audit_system(system).findings}
    assert {"static_analysis_gap", "dead_experimental_codepath", "fixed_threshold", "prototype_smell",
            "multiple_language_smell"} <= patterns


def test_a_missing_or_wrong_code_folder_is_one_line(tmp_path):
    assert "no such folder" in one_line_error(scan_directory, tmp_path / "nope")
    (tmp_path / "f.py").write_text("x = 1\n")
    assert "is a file" in one_line_error(scan_directory, tmp_path / "f.py")


def test_deeply_nested_code_is_skipped_not_crashed():
    facts = scan_sources([("deep.py", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"), ("ok.py", "y = 2\n")])
    assert facts["files"] == 1 and facts["skipped"][0]["file"] == "deep.py"


def test_the_system_kinds_are_the_graph_layers_and_a_manifest_audit_does_not_load_scikit_learn():
    import subprocess
    import sys

    from mldebt_lessons.audit.system import KINDS
    from mldebt_lessons.shop.graph import LAYERS
    assert KINDS == LAYERS
    code = ("import sys; from mldebt_lessons.cli import main; main(['audit', sys.argv[1], '--format', 'json']); "
            "assert 'sklearn' not in sys.modules, 'sklearn was imported'")
    path = Path(__file__).resolve().parents[1] / "README.md"
    block = path.read_text(encoding="utf-8").split("## Audit your own system", 1)[1].split("```yaml", 1)[1]
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "m.yaml"
        manifest.write_text(block.split("```", 1)[0])
        done = subprocess.run([sys.executable, "-c", code, str(manifest)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]


def test_labels_influences_and_correlations_may_name_a_node_by_its_alias(tmp_path):
    """They used to stop the audit with an internal error (labels_from) or drop out of the loops (influences)."""
    from mldebt_lessons.audit.detectors import detect
    system = load_manifest(_write(tmp_path / "m.json", {
        "system": "s", "sources": [{"id": "clicks", "aliases": ["raw.clicks"]}],
        "models": [{"id": "ranker", "reads": ["clicks"], "labels_from": ["raw.clicks"], "aliases": ["ranker.v2"]}],
        "consumers": [{"id": "page", "reads": ["ranker"], "influences": ["raw.clicks"]}]}))
    assert system.nodes["ranker"]["labels_from"] == ["clicks"] and system.nodes["page"]["influences"] == ["clicks"]
    loops = [f for f in detect(system) if f.pattern == "direct_feedback_loop"]
    assert [f.nodes for f in loops] == [("ranker", "page", "clicks")]


def test_in_merged_manifests_a_name_means_what_its_own_manifest_says(tmp_path):
    """b.json's alias 'z' names its own source y, though a.json gave the same alias to its model a."""
    from mldebt_lessons.audit.system import System
    system = System("s")
    load_manifest(_write(tmp_path / "a.json", {"system": "s", "models": [
        {"id": "m2", "reads": ["a"]}, {"id": "a", "aliases": ["z"]}]}), system)
    load_manifest(_write(tmp_path / "b.json", {"system": "s", "sources": [{"id": "y", "aliases": ["z"]}],
                                                "models": [{"id": "a", "reads": ["z"]}]}), system)
    assert sorted(system.edges) == [("a", "m2"), ("y", "a")]  # not a reading itself


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
