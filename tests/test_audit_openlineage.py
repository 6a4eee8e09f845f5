"""OpenLineage read to the spec: namespaces, run states, the three kinds of event, data tests,
column lineage, and .jsonl streamed line by line (issue 14)."""

import json

import pytest
from audit_helpers import clean_manifest

from mldebt_lessons.audit import audit_system, openlineage
from mldebt_lessons.audit.detectors import detect
from mldebt_lessons.audit.manifest import manifest_from_data
from mldebt_lessons.audit.openlineage import add_lineage, is_lineage, lineage_from_events, load_lineage, read_lineage
from mldebt_lessons.audit.system import System
from mldebt_lessons.cli import main
from mldebt_lessons.errors import CourseInputError

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.20.0/integration/airflow"
RUN_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def ds(namespace, name, **more):
    return {"namespace": namespace, "name": name, **more}


def run_event(job, inputs=(), outputs=(), state="COMPLETE", run_id="3b452093-782c-4ef2-9c0c-aafe2aa6f34d",
              job_type="JOB", job_namespace="airflow-prod"):
    return {"eventType": state, "eventTime": "2024-05-01T02:00:00.000Z", "producer": PRODUCER,
            "schemaURL": RUN_SCHEMA, "run": {"runId": run_id},
            "job": {"namespace": job_namespace, "name": job,
                    "facets": {"jobType": {"_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/"
                                           "2-0-3/JobTypeJobFacet.json", "processingType": "BATCH",
                                           "integration": "AIRFLOW", "jobType": job_type}}},
            "inputs": list(inputs), "outputs": list(outputs)}


def dataset_event(dataset):
    return {"eventTime": "2024-05-01T02:00:00.000Z", "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent", "dataset": dataset}


def job_event(job, inputs=(), outputs=()):
    return {"eventTime": "2024-05-01T02:00:00.000Z", "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
            "job": {"namespace": "airflow-prod", "name": job}, "inputs": list(inputs), "outputs": list(outputs)}


def write_jsonl(path, events):
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def shop_with(**extra):
    """The clean manifest, its source 'orders' also known by ``extra`` (aliases, outputs)."""
    m = clean_manifest()
    m["sources"][0].update(extra)
    return manifest_from_data(m, "m.yaml")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. namespaces -------------------------------------------------------------------------------------------

def test_two_buckets_with_the_same_object_name_stay_two_datasets():
    system = lineage_from_events([run_event("copy", [ds("s3://blob-source", "x")], [ds("s3://blob-sink", "x")])],
                                 "e.json")
    assert {"s3://blob-source/x", "s3://blob-sink/x"} <= set(system.nodes) and "x" not in system.nodes
    assert system.edges[("s3://blob-source/x", "copy")]["observed"]
    assert system.edges[("copy", "s3://blob-sink/x")]["observed"]


def test_the_same_name_in_two_files_and_two_namespaces_is_not_merged(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [run_event("load", [ds("s3://blob-source", "x")], run_id="r1")])
    b = write_jsonl(tmp_path / "b.jsonl", [run_event("publish", [ds("s3://blob-sink", "x")], run_id="r2")])
    system = add_lineage([read_lineage(a), read_lineage(b)])
    assert ("s3://blob-source/x", "load") in system.edges and ("s3://blob-sink/x", "publish") in system.edges
    one_by_one = load_lineage(b, load_lineage(a))  # added separately: still two nodes
    datasets = [n for n, f in one_by_one.nodes.items() if f["kind"] == "dataset"]
    assert len(datasets) == 2


def test_a_staging_table_is_not_the_production_source_of_the_same_name():
    staging = ds("postgres://staging-db:5432", "staging.public.orders")
    system = lineage_from_events([run_event("train", [staging])], "e.json", shop_with())
    assert ("orders", "train") not in system.edges
    assert ("staging.public.orders", "train") in system.edges and system.nodes["staging.public.orders"]["kind"] \
        == "dataset"
    production = ds("postgres://prod-db:5432", "shop.public.orders")
    system = lineage_from_events([run_event("train", [production])], "e.json", shop_with())
    assert system.edges[("orders", "train")]["observed"]


def test_a_staging_name_equal_to_a_manifest_id_gets_its_full_name():
    system = lineage_from_events([run_event("train", [ds("postgres://staging-db:5432", "orders")])], "e.json",
                                 shop_with())
    assert ("postgres://staging-db:5432/orders", "train") in system.edges and ("orders", "train") not in system.edges


def test_a_full_name_alias_matches_whatever_the_namespace_says():
    alias = "postgres://staging-db:5432/staging.public.orders"
    system = lineage_from_events([run_event("train", [ds("postgres://staging-db:5432", "staging.public.orders")])],
                                 "e.json", shop_with(aliases=[alias]))
    assert system.edges[("orders", "train")]["observed"]


def test_a_short_name_two_namespaces_share_matches_neither():
    events = [run_event("a", [ds("s3://raw", "exports/orders.parquet")], run_id="r1"),
              run_event("b", [ds("postgres://prod-db:5432", "shop.public.orders")], run_id="r2")]
    system = lineage_from_events(events, "e.json", shop_with())
    assert ("orders", "a") not in system.edges and ("orders", "b") not in system.edges
    alone = lineage_from_events(events[1:], "e.json", shop_with())  # one namespace: unambiguous
    assert ("orders", "b") in alone.edges


# --- 2. run states -------------------------------------------------------------------------------------------

def test_failed_and_aborted_runs_are_not_observed_reads_or_writes():
    orders, scores = ds("dw", "orders_extract"), ds("dw", "scores")
    events = [run_event("score", [orders], run_id="r1", state="START"),
              run_event("score", [], [scores], run_id="r1", state="FAIL"),
              run_event("export", [scores], run_id="r2", state="START"),
              run_event("export", [], [], run_id="r2", state="ABORT"),
              run_event("report", [scores], run_id="r3", state="START"),
              run_event("report", [], [ds("dw", "report")], run_id="r3", state="COMPLETE")]
    system = lineage_from_events(events, "e.json")
    assert ("orders_extract", "score") not in system.edges and ("export" not in system.nodes)
    assert system.edges[("scores", "report")]["observed"]  # START's input and COMPLETE's output add up
    assert ("report", "dw/report") in system.edges  # the job took the bare name; the table gets its full one
    assert "2 failed or aborted runs ignored" in system.inputs[-1]


def test_a_fail_before_its_start_in_the_file_still_drops_the_run():
    events = [run_event("score", [], state="FAIL", run_id="r9"),
              run_event("score", [ds("dw", "orders_extract")], state="START", run_id="r9")]
    system = lineage_from_events(events, "e.json")
    assert not system.edges


def test_a_run_that_has_not_ended_counts_and_events_without_event_type_add_to_it():
    events = [run_event("score", [ds("dw", "a")], state="RUNNING", run_id="r1"), run_event("score", [ds("dw", "b")],
                                                                                          run_id="r1")]
    del events[1]["eventType"]
    system = lineage_from_events(events, "e.json")
    assert system.edges[("a", "score")]["observed"] and system.edges[("b", "score")]["observed"]


# --- 3. dataset and job events ---------------------------------------------------------------------------------

def test_a_file_holding_a_dataset_event_is_lineage_and_gives_a_node(tmp_path, capsys):
    event = dataset_event(ds("s3://lake", "curated/orders", facets={
        "ownership": {"owners": [{"name": "data team", "type": "team"}]}}))
    assert is_lineage(event)
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(event))
    code, out, err = run_cli(capsys, "audit", str(path), "--format", "json")
    assert code == 0, err
    system = load_lineage(path)
    assert system.nodes["curated/orders"]["kind"] == "dataset" and system.nodes["curated/orders"]["owner"] == \
        "data team"


def test_a_job_event_declares_its_reads_and_writes():
    system = lineage_from_events([job_event("nightly_export", [ds("dw", "scores")], [ds("s3://out", "scores.csv")])],
                                 "e.json")
    edge = system.edges[("scores", "nightly_export")]
    assert edge["declared"] and not edge["observed"]
    assert ("nightly_export", "scores.csv") in system.edges


# --- 4. data tests ---------------------------------------------------------------------------------------------

ASSERTIONS = {"dataQualityAssertions": {
    "_producer": PRODUCER,
    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
    "assertions": [{"assertion": "not_null", "success": True, "column": "order_id"},
                   {"assertion": "is_unique", "success": False, "column": "order_id"}]}}


def data_testing_debt(system):
    return [f.nodes for f in detect(system) if f.pattern == "data_testing_debt"]


def test_a_dataset_with_two_assertions_has_data_tests():
    untested = lineage_from_events([run_event("train", [ds("dw", "orders_extract")])], "e.json")
    assert ("orders_extract",) in data_testing_debt(untested)
    tested = lineage_from_events([run_event("train", [ds("dw", "orders_extract", inputFacets=ASSERTIONS)])], "e.json")
    assert not data_testing_debt(tested)
    facts = tested.nodes["orders_extract"]
    assert facts["tests"] == ["not_null(order_id)", "is_unique(order_id)"]
    assert facts["failed_tests"] == ["is_unique(order_id)"]


def test_a_test_job_is_a_data_test_of_what_it_reads_not_a_reader():
    events = [run_event("train", [ds("dw", "orders_extract")], run_id="r1"),
              run_event("dbt_test.orders_extract", [ds("dw", "orders_extract")], run_id="r2", job_type="TEST")]
    system = lineage_from_events(events, "e.json")
    assert system.nodes["orders_extract"]["tests"] == ["dbt_test.orders_extract"]
    assert "dbt_test.orders_extract" not in system.nodes and not data_testing_debt(system)


# --- 5. column lineage -------------------------------------------------------------------------------------------

def test_column_lineage_adds_the_inputs_it_names():
    column_lineage = {"columnLineage": {
        "_producer": PRODUCER, "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
        "fields": {"total": {"inputFields": [{"namespace": "dw", "name": "orders_extract", "field": "amount"},
                                             {"namespace": "dw", "name": "fx_rates", "field": "rate"}]}}}}
    event = run_event("totals", [ds("dw", "orders_extract")], [ds("dw", "order_totals", facets=column_lineage)])
    system = lineage_from_events([event], "e.json")
    assert system.edges[("fx_rates", "totals")]["observed"]  # not in inputs, named by the column lineage
    assert system.edges[("totals", "order_totals")]["observed"]
    assert system.nodes["order_totals"]["column_lineage"] == {"total": ["orders_extract.amount", "fx_rates.rate"]}


# --- 6. streaming ------------------------------------------------------------------------------------------------

def test_jsonl_is_streamed_past_the_whole_file_cap_and_never_read_whole(tmp_path, monkeypatch):
    events = [run_event(f"job{i}", [ds("dw", f"table{i % 7}")], run_id=f"r{i}") for i in range(300)]
    path = write_jsonl(tmp_path / "events.jsonl", events)
    big_json = tmp_path / "events.json"
    big_json.write_text(json.dumps(events))
    monkeypatch.setattr(openlineage, "MAX_BYTES", 10_000)
    with pytest.raises(CourseInputError, match="too large"):
        read_lineage(big_json)

    def no_whole_file(*args, **kwargs):
        raise AssertionError("a .jsonl file is read line by line")
    monkeypatch.setattr(openlineage, "read_bytes", no_whole_file)
    log = read_lineage(path)
    assert log.events == 300 and len(log.jobs) == 300 and len(log.datasets) == 7


def test_an_over_long_line_is_refused_with_its_number(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(openlineage, "MAX_LINE_BYTES", 2000)
    path = write_jsonl(tmp_path / "events.jsonl", [run_event("a"), run_event("b", [ds("dw", "x" * 900)] * 3)])
    code, _, err = run_cli(capsys, "audit", str(path))
    assert code == 2 and err.count("\n") == 1 and f"{path} line 2: longer than 2,000 bytes" in err


def test_a_small_hand_written_jsonl_still_refuses_duplicate_keys(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"eventType": "COMPLETE", "job": {"name": "a", "name": "b"}}\n')
    with pytest.raises(CourseInputError, match="line 1: the key 'name' appears twice"):
        read_lineage(path)


# --- 7. malformed events: one line, exit 2 -------------------------------------------------------------------------

BAD = {
    "dataset event without a name": (dataset_event({"namespace": "s3://lake"}), "dataset has no name"),
    "run without runId": ({**run_event("a"), "run": {"facets": {}}}, "run.runId is missing"),
    "namespace not text": (run_event("a", [{"namespace": 7, "name": "x"}]),
                           "inputs[0].namespace is the number 7; expected text"),
    "no run, job or dataset": ({"eventTime": "2024-05-01T02:00:00Z", "inputs": []}, "neither run, job nor dataset"),
    "job namespace a list": ({**run_event("a"), "job": {"namespace": ["x"], "name": "a"}}, "job.namespace is"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_malformed_event_is_one_line_with_its_line(case, tmp_path, capsys):
    event, expected = BAD[case]
    path = write_jsonl(tmp_path / "events.jsonl", [run_event("ok"), event])
    code, out, err = run_cli(capsys, "audit", str(path))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{path} line 2: " in err and expected in err, err


@pytest.mark.parametrize("content, expected", [(b'{"job": {"name": "\xff"}}\n', "line 1: byte 0xff is not UTF-8"),
                                               (b'{"job": \x00}\n', "line 1: looks binary"),
                                               (b"\n\n", "no events")])
def test_bad_bytes_in_a_jsonl_are_one_line(content, expected, tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    path.write_bytes(content)
    code, _, err = run_cli(capsys, "audit", str(path))
    assert code == 2 and err.count("\n") == 1 and expected in err, err


def test_the_audit_of_lineage_with_every_kind_of_event_runs():
    events = [dataset_event(ds("dw", "orders_extract", facets=ASSERTIONS)),
              job_event("export", [ds("dw", "scores")]),
              run_event("score", [ds("dw", "orders_extract")], [ds("dw", "scores")], run_id="r1")]
    result = audit_system(lineage_from_events(events, "e.json", System("s")))
    assert result.system.nodes["orders_extract"]["tests"]


def test_runs_held_open_and_distinct_names_are_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(openlineage, "MAX_OPEN_RUNS", 2)
    log = openlineage.LineageLog("e.json")
    for i in range(5):
        log.add(run_event("score", [ds("dw", f"t{i}")], state="START", run_id=f"r{i}"), "e.json")
        assert len(log.open_runs) <= 2
    assert len(log.jobs[("airflow-prod", "score")]["reads"]) == 3  # the oldest, counted as ended well
    monkeypatch.setattr(openlineage, "MAX_NAMES", 3)
    path = write_jsonl(tmp_path / "events.jsonl", [run_event("a", [ds("dw", f"t{i}") for i in range(5)])])
    with pytest.raises(CourseInputError, match="more than 3 distinct datasets and jobs"):
        read_lineage(path)
    monkeypatch.setattr(openlineage, "MAX_EVENTS", 2)
    path = write_jsonl(tmp_path / "events.jsonl", [run_event("a", run_id=f"r{i}") for i in range(3)])
    with pytest.raises(CourseInputError, match="line 3: more than 2 lines"):
        read_lineage(path)


def test_a_large_log_still_refuses_half_a_character_and_deep_nesting(tmp_path, monkeypatch):
    monkeypatch.setattr(openlineage, "DUPLICATE_CHECK_BYTES", 10)  # a large, generated log: the fast path
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(run_event("a")) + "\n" + json.dumps(run_event("b\ud800")) + "\n")
    with pytest.raises(CourseInputError, match="line 2: .*lone surrogate"):
        read_lineage(path)
    deep = {**run_event("c"), "run": {"runId": "r", "facets": {"x": json.loads("[" * 80 + "]" * 80)}}}
    path.write_text(json.dumps(run_event("a")) + "\n" + json.dumps(deep) + "\n")
    with pytest.raises(CourseInputError, match="line 2: nested"):
        read_lineage(path)


def test_a_large_json_list_is_read_one_event_at_a_time_with_the_same_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(openlineage, "DUPLICATE_CHECK_BYTES", 10)  # as for a large, generated file
    events = [run_event(f"job{i}", [ds("dw", "orders_extract")], run_id=f"r{i}") for i in range(50)]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events, indent=1))
    parsed_whole = []
    monkeypatch.setattr(openlineage, "parse_json", lambda *a: parsed_whole.append(a) or json.loads(a[0]))
    log = read_lineage(path)
    assert log.events == 50 and not parsed_whole
    code, out, err = run_cli(capsys, "audit", str(path), "--format", "json")
    assert code == 0 and "(OpenLineage, 50 events)" in out and not parsed_whole, err
    monkeypatch.undo()
    monkeypatch.setattr(openlineage, "DUPLICATE_CHECK_BYTES", 10)
    text = json.dumps(events, indent=1)
    for bad, expected in ((text[:-1] + ",]", "invalid JSON"), (text + "x", "invalid JSON"),
                          (text.replace('"job1"', '"job1",,', 1), "invalid JSON"),
                          (json.dumps(events[:2] + [7]), "event 3: the number 7")):
        path.write_text(bad)
        code, _, err = run_cli(capsys, "audit", str(path))
        assert code == 2 and err.count("\n") == 1 and expected in err and str(path) in err, (bad[-30:], err)
