"""dbt manifests read right: freshness, name clashes, unknown readers, owners, tests, malformed manifests.

The manifests here are built in the shapes dbt itself writes (manifest v4 from dbt 1.0, v7 from 1.3,
v10 from 1.6, v12 from 1.8 and later), with dbt's default fields, so the loader meets what it meets in
a real ``target/manifest.json``.
"""

import json

import pytest

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.dbt import dbt_from_data, is_dbt, load_dbt
from mldebt_lessons.audit.openlineage import lineage_from_events
from mldebt_lessons.audit.system import resolve
from mldebt_lessons.cli import main
from mldebt_lessons.errors import CourseInputError

DBT_RELEASES = {4: "1.0.9", 7: "1.3.7", 10: "1.6.18", 12: "1.8.9"}  # manifest version -> a dbt release writing it
VERSIONS = sorted(DBT_RELEASES)
# What dbt writes for every source that declares no freshness check (manifest v4 to v12).
NO_FRESHNESS = {"warn_after": {"count": None, "period": None}, "error_after": {"count": None, "period": None},
                "filter": None}
HOURLY = {"warn_after": {"count": 12, "period": "hour"}, "error_after": {"count": None, "period": None},
          "filter": None}


# --- real-shaped manifests -----------------------------------------------------------------------------

def _refs(version, names):
    return [{"name": n, "package": None, "version": None} for n in names] if version >= 10 else [[n] for n in names]


def _uses(version, reads):
    """depends_on, refs and sources for the unique ids an entry reads."""
    models = [u.split(".")[-1] for u in reads if u.startswith(("model.", "seed.", "snapshot."))]
    sources = [u.split(".")[2:] for u in reads if u.startswith("source.")]
    return {"depends_on": {"macros": [], "nodes": list(reads)}, "refs": _refs(version, models), "sources": sources}


def _base(version, rtype, uid, name, path):
    entry = {"resource_type": rtype, "package_name": "shop", "path": path, "original_file_path": f"models/{path}",
             "unique_id": uid, "fqn": ["shop", *uid.split(".")[2:]], "name": name, "description": "", "meta": {},
             "tags": [], "created_at": 1714641234.5}
    if version < 7:
        entry["root_path"] = "/usr/app/shop"
    return entry


def model(version, name, reads=(), *, meta=None, group=None, tags=(), kind="model"):
    """A model (or seed, snapshot) node as dbt writes it."""
    uid = f"{kind}.shop.{name}"
    config = {"enabled": True, "alias": None, "schema": None, "database": None, "tags": list(tags), "meta": meta or {},
              "materialized": "seed" if kind == "seed" else "view", "persist_docs": {}, "quoting": {},
              "column_types": {}, "full_refresh": None, "unique_key": None, "on_schema_change": "ignore",
              "post-hook": [], "pre-hook": []}
    entry = {**_base(version, kind, uid, name, f"{name}.sql"), **_uses(version, reads),
             "database": "analytics", "schema": "dbt_shop", "alias": name,
             "checksum": {"name": "sha256", "checksum": "9f1c" * 16}, "config": config, "tags": list(tags),
             "meta": meta or {}, "columns": {}, "docs": {"show": True}, "patch_path": None, "build_path": None,
             "deferred": False, "unrendered_config": {}, "relation_name": f'"analytics"."dbt_shop"."{name}"',
             "compiled_path": f"target/compiled/shop/models/{name}.sql"}
    sql = "select * from {{ ref('x') }}"
    if version >= 7:
        entry.update(raw_code=sql, language="sql")
        config.update(grants={}, packages=[], docs={"show": True, "node_color": None})
    else:
        entry["raw_sql"] = sql
    if version >= 10:
        config.update(contract={"enforced": False, "alias_types": True}, access="protected", group=group)
        entry.update(group=group, access="protected", constraints=[], version=None, latest_version=None,
                     deprecation_date=None, contract={"enforced": False, "alias_types": True, "checksum": None})
    return uid, entry


def source(version, source_name, name, *, freshness=NO_FRESHNESS, config_freshness=None, loaded_at_field=None,
           meta=None):
    """A source table as dbt writes it; ``config_freshness`` is where dbt 1.9 and later also put it."""
    uid = f"source.shop.{source_name}.{name}"
    entry = {**_base(version, "source", uid, name, "sources.yml"), "database": "raw", "schema": source_name,
             "source_name": source_name, "source_description": "", "loader": "fivetran", "identifier": name,
             "quoting": {"database": None, "schema": None, "identifier": None, "column": None},
             "loaded_at_field": loaded_at_field, "freshness": freshness, "external": None, "columns": {},
             "meta": meta or {}, "source_meta": {}, "config": {"enabled": True}, "patch_path": None,
             "unrendered_config": {}, "relation_name": f'"raw"."{source_name}"."{name}"'}
    if config_freshness is not None:
        entry["config"].update(freshness=config_freshness, loaded_at_field=loaded_at_field, event_time=None)
    return uid, entry


def data_test(version, test, on, column=None, *, to=None):
    """A data test node: a generic one (``not_null``, ``unique``, ``relationships``...) on ``on``'s column,
    or, without ``test``, a singular test (a SQL file in tests/) reading ``on`` (a list of unique ids)."""
    singular = test is None
    reads = list(on) if singular else [on] + ([to] if to else [])
    target = on[0] if singular else on
    table = target.split(".")[-1]
    name = column if singular else f"{test}_{table}_{column}"  # a singular test is named by its file
    if test == "relationships":
        name = f"relationships_{table}_{column}__id__ref_{to.split('.')[-1]}_"
    uid = f"test.shop.{name}" if singular else f"test.shop.{name}.a1b2c3d4e5"
    entry = {**_base(version, "test", uid, name, f"{name}.sql"), **_uses(version, reads), "fqn": ["shop", name],
             "database": "analytics", "schema": "dbt_shop_dbt_test__audit", "alias": name,
             "checksum": {"name": "none", "checksum": ""}, "columns": {}, "docs": {"show": True},
             "config": {"enabled": True, "alias": None, "schema": "dbt_test__audit", "database": None, "tags": [],
                        "meta": {}, "materialized": "test", "severity": "ERROR", "store_failures": None,
                        "where": None, "limit": None, "fail_calc": "count(*)", "warn_if": "!= 0",
                        "error_if": "!= 0"},
             "relation_name": None}
    if singular:
        entry["original_file_path"] = f"tests/{name}.sql"
    else:
        ref = (f"source('{target.split('.')[2]}', '{table}')" if target.startswith("source.") else f"ref('{table}')")
        kwargs = {"column_name": column, "model": "{{ get_where_subquery(" + ref + ") }}"}
        if to:
            kwargs.update(to=f"ref('{to.split('.')[-1]}')", field="id")
        entry.update(test_metadata={"name": test, "kwargs": kwargs, "namespace": None}, column_name=column,
                     file_key_name=f"{'sources' if target.startswith('source.') else 'models'}.{table}")
    if version >= 10:
        entry["attached_node"] = None if singular else target
        entry["config"]["group"] = None
    return uid, entry


def exposure(version, name, reads, *, type_="dashboard", owner=None):
    uid = f"exposure.shop.{name}"
    entry = {**_base(version, "exposure", uid, name, "exposures.yml"), **_uses(version, reads), "type": type_,
             "owner": owner or {"email": "bi@shop.example", "name": None}, "maturity": "high",
             "url": "https://bi.shop.example/ltv"}
    if version >= 10:
        entry.update(label=name.replace("_", " ").title(), config={"enabled": True}, unrendered_config={},
                     metrics=[])
    return uid, entry


def manifest(version, sources=(), nodes=(), exposures=(), *, groups=(), unit_tests=()):
    """A whole manifest.json of one version, with the top-level tables that version has."""
    everything = dict(sources) | dict(nodes) | dict(exposures)
    parents = {uid: e.get("depends_on", {}).get("nodes", []) for uid, e in everything.items()}
    children = {uid: [c for c, ps in parents.items() if uid in ps] for uid in everything}
    metadata = {"dbt_schema_version": f"https://schemas.getdbt.com/dbt/manifest/v{version}.json",
                "dbt_version": DBT_RELEASES[version], "generated_at": "2024-05-02T09:13:54.123456Z",
                "invocation_id": "5f0f4c55-1b6a-4c5e-9d7e-2f3f1f8e9a10", "env": {},
                "project_id": "098f6bcd4621d373cade4e832627b4f6", "user_id": None,
                "send_anonymous_usage_stats": False, "adapter_type": "postgres"}
    if version >= 11:
        metadata["project_name"] = "shop"
    data = {"metadata": metadata, "nodes": dict(nodes), "sources": dict(sources),
            "macros": {"macro.dbt.test_not_null": {"name": "test_not_null", "resource_type": "macro",
                                                   "package_name": "dbt", "macro_sql": "{% test not_null() %}"}},
            "docs": {"doc.dbt.__overview__": {"name": "__overview__", "resource_type": "doc",
                                              "block_contents": "### Welcome!"}},
            "exposures": dict(exposures), "metrics": {}, "selectors": {}, "disabled": {},
            "parent_map": parents, "child_map": children}
    if version >= 10:
        data.update(groups=dict(groups), group_map={}, semantic_models={})
    if version >= 11:
        data["saved_queries"] = {}
    if version >= 12:
        data["unit_tests"] = dict(unit_tests)
    return data


def shop(version):
    """A small dbt project: three raw sources (one with a freshness check), a staging model named like its
    source ('orders'), a mart read by a dashboard, generic, source, relationships and singular tests."""
    raw_orders, raw_customers, raw_payments = (
        source(version, "raw", "orders"), source(version, "raw", "customers", freshness=HOURLY),
        source(version, "raw", "payments", loaded_at_field="_etl_loaded_at"))
    orders = model(version, "orders", [raw_orders[0]], meta={"owner": "data team"})
    customers = model(version, "stg_customers", [raw_customers[0]])
    payments = model(version, "stg_payments", [raw_payments[0]])
    ltv = model(version, "customer_ltv", [orders[0], customers[0], payments[0]])
    tests = [data_test(version, "not_null", orders[0], "order_id"),
             data_test(version, "unique", customers[0], "customer_id"),
             data_test(version, "relationships", orders[0], "customer_id", to=customers[0]),
             data_test(version, "not_null", raw_orders[0], "id"),
             data_test(version, None, [ltv[0]], "assert_ltv_positive")]
    dashboard = exposure(version, "ltv_dashboard", [ltv[0]], owner={"email": "fin@shop.example", "name": "finance"})
    return manifest(version, [raw_orders, raw_customers, raw_payments], [orders, customers, payments, ltv, *tests],
                    [dashboard])


def write(tmp_path, data):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data))
    return path


def refusal(capsys, path):
    """Exit status and the stderr lines of `mldebt audit path`."""
    code = main(["audit", str(path)])
    err = capsys.readouterr().err
    return code, err.splitlines()


# --- every version loads ---------------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_each_manifest_version_loads_with_the_right_nodes_and_edges(version):
    system = dbt_from_data(shop(version), "manifest.json")
    kinds = {n: f["kind"] for n, f in system.nodes.items()}
    assert kinds == {"raw.orders": "source", "customers": "source", "payments": "source", "orders": "feature",
                     "stg_customers": "feature", "stg_payments": "feature", "customer_ltv": "feature",
                     "ltv_dashboard": "consumer"}
    assert set(system.edges) == {("raw.orders", "orders"), ("customers", "stg_customers"),
                                 ("payments", "stg_payments"), ("orders", "customer_ltv"),
                                 ("stg_customers", "customer_ltv"), ("stg_payments", "customer_ltv"),
                                 ("customer_ltv", "ltv_dashboard")}
    assert system.name == ("shop" if version >= 11 else "dbt project")  # project_name is in metadata from v11


def test_v12_tables_beside_nodes_do_not_change_the_lineage():
    """Semantic models, metrics, saved queries and unit tests (dbt 1.6 to 1.8) are read past."""
    data = shop(12)
    ltv = "model.shop.customer_ltv"
    data["semantic_models"]["semantic_model.shop.ltv"] = {
        "name": "ltv", "resource_type": "semantic_model", "package_name": "shop", "model": "ref('customer_ltv')",
        "depends_on": {"macros": [], "nodes": [ltv]}, "entities": [], "measures": [], "dimensions": []}
    data["metrics"]["metric.shop.total_ltv"] = {
        "name": "total_ltv", "resource_type": "metric", "type": "simple", "label": "Total LTV",
        "type_params": {"measure": {"name": "ltv"}}, "depends_on": {"macros": [], "nodes": ["semantic_model.shop.ltv"]}}
    data["saved_queries"]["saved_query.shop.ltv_by_month"] = {
        "name": "ltv_by_month", "resource_type": "saved_query", "query_params": {"metrics": ["total_ltv"]},
        "depends_on": {"macros": [], "nodes": ["metric.shop.total_ltv"]}}
    data["unit_tests"]["unit_test.shop.customer_ltv.test_ltv_sums_payments"] = {
        "name": "test_ltv_sums_payments", "resource_type": "unit_test", "package_name": "shop",
        "model": "customer_ltv", "given": [{"input": "ref('orders')", "rows": [{"order_id": 1}], "format": "dict"}],
        "expect": {"rows": [{"ltv": 10}], "format": "dict"}, "depends_on": {"macros": [], "nodes": [ltv]}}
    system = dbt_from_data(data, "manifest.json")
    assert len(system.nodes) == 8 and len(system.edges) == 7
    assert system.nodes["customer_ltv"]["tests"] == ["assert_ltv_positive"]  # a unit test is not a data test


# --- freshness -----------------------------------------------------------------------------------------

def _one_source(version=12, **freshness):
    raw = source(version, "raw", "events", **freshness)
    return manifest(version, [raw], [model(version, "stg_events", [raw[0]])])


@pytest.mark.parametrize("version", VERSIONS)
def test_the_default_freshness_dbt_writes_is_not_monitoring(version):
    assert "monitoring" not in dbt_from_data(_one_source(version), "manifest.json").nodes["events"]
    assert dbt_from_data(_one_source(version, freshness=HOURLY), "manifest.json").nodes["events"]["monitoring"] == [
        "freshness"]


def test_freshness_needs_a_count_and_a_period():
    for after in ({"count": 0, "period": "hour"}, {"count": 12, "period": None}, {"count": None, "period": "day"},
                  {"count": True, "period": "day"}, {"count": "12", "period": "hour"}):
        fresh = {"warn_after": after, "error_after": {"count": None, "period": None}, "filter": None}
        assert "monitoring" not in dbt_from_data(_one_source(freshness=fresh)).nodes["events"], after
    errors_only = {"warn_after": {"count": None, "period": None}, "error_after": {"count": 1, "period": "day"}}
    assert dbt_from_data(_one_source(freshness=errors_only)).nodes["events"]["monitoring"] == ["freshness"]
    assert "monitoring" not in dbt_from_data(_one_source(freshness=None)).nodes["events"]


def test_a_loaded_at_field_alone_is_not_a_freshness_check():
    data = _one_source(loaded_at_field="_etl_loaded_at")
    assert "monitoring" not in dbt_from_data(data).nodes["events"]


def test_freshness_set_in_config_counts_as_dbt_1_9_and_later_write_it():
    data = _one_source(config_freshness=HOURLY, loaded_at_field="_etl_loaded_at")
    assert data["sources"]["source.shop.raw.events"]["config"]["freshness"] == HOURLY
    assert dbt_from_data(data).nodes["events"]["monitoring"] == ["freshness"]
    assert "monitoring" not in dbt_from_data(_one_source(config_freshness=NO_FRESHNESS)).nodes["events"]


def test_every_source_without_a_real_check_is_a_monitoring_gap():
    system = dbt_from_data(shop(12))
    gaps = [f.nodes for f in audit_system(system).findings if f.pattern == "monitoring_gap"]
    assert gaps == [("raw.orders", "payments")]  # 'customers' has warn_after 12 hours


# --- names -----------------------------------------------------------------------------------------------

def test_a_model_named_like_its_source_is_its_own_node():
    raw = source(12, "raw", "orders")
    orders = model(12, "orders", [raw[0]])
    system = dbt_from_data(manifest(12, [raw], [orders]), "manifest.json")
    assert {n: f["kind"] for n, f in system.nodes.items()} == {"raw.orders": "source", "orders": "feature"}
    assert set(system.edges) == {("raw.orders", "orders")}
    assert system.aliases["source.shop.raw.orders"] == "raw.orders" and system.aliases["model.shop.orders"] == "orders"
    assert resolve(system, '"raw"."raw"."orders"') == "raw.orders"
    assert resolve(system, "analytics.dbt_shop.orders") == "orders"  # a table name as OpenLineage gives it


def test_lineage_of_the_warehouse_tables_meets_the_right_dbt_nodes():
    raw = source(12, "raw", "orders")
    orders = model(12, "orders", [raw[0]])
    system = dbt_from_data(manifest(12, [raw], [orders]), "manifest.json")
    event = {"eventType": "COMPLETE", "eventTime": "2024-05-02T10:00:00Z", "run": {"runId": "r1"},
             "job": {"namespace": "airflow", "name": "export_orders"},
             "inputs": [{"namespace": "postgres://db:5432", "name": "analytics.dbt_shop.orders"}], "outputs": []}
    system = lineage_from_events([event], "events.json", system)
    assert ("orders", "export_orders") in system.edges and len(system.nodes) == 3


def test_two_sources_with_one_table_name_are_both_named_by_their_source():
    system = dbt_from_data(manifest(12, [source(12, "raw", "orders"), source(12, "archive", "orders")]))
    assert set(system.nodes) == {"raw.orders", "archive.orders"}


def test_versions_of_one_model_stay_apart():
    raw = source(12, "raw", "orders")
    v1, v2 = model(12, "orders", [raw[0]]), model(12, "orders", [raw[0]])
    v1 = ("model.shop.orders.v1", {**v1[1], "unique_id": "model.shop.orders.v1", "version": 1})
    v2 = ("model.shop.orders.v2", {**v2[1], "unique_id": "model.shop.orders.v2", "version": 2, "latest_version": 2})
    system = dbt_from_data(manifest(12, [raw], [v1, v2]))
    assert set(system.nodes) == {"raw.orders", "orders.v1", "orders.v2"}
    assert set(system.edges) == {("raw.orders", "orders.v1"), ("raw.orders", "orders.v2")}


def test_a_relation_two_entries_share_is_not_pointed_at_either():
    raw = source(12, "raw", "countries")
    seed = model(12, "countries", kind="seed")
    seed[1]["relation_name"] = raw[1]["relation_name"]  # a source declared over the table a seed loads
    system = dbt_from_data(manifest(12, [raw], [seed]), "manifest.json")
    assert set(system.nodes) == {"raw.countries", "countries"}
    assert '"raw"."raw"."countries"' not in system.aliases and "raw.raw.countries" not in system.aliases
    assert "relation names shared by several entries" in system.inputs[-1]


def test_the_same_manifest_read_twice_gives_the_same_nodes():
    once = dbt_from_data(shop(12))
    twice = dbt_from_data(shop(12), "manifest.json", dbt_from_data(shop(12)))
    assert set(twice.nodes) == set(once.nodes) and set(twice.edges) == set(once.edges)


def test_a_model_of_another_dbt_project_with_the_same_name_is_not_merged():
    first = dbt_from_data(manifest(12, [], [model(12, "orders")]))
    other = model(12, "orders")
    other = ("model.billing.orders", {**other[1], "unique_id": "model.billing.orders", "package_name": "billing"})
    system = dbt_from_data(manifest(12, [], [other]), "billing/manifest.json", first)
    assert set(system.nodes) == {"orders", "model.billing.orders"}


# --- unknown readers, owners -----------------------------------------------------------------------------

def test_tables_dbt_builds_have_readers_it_cannot_see():
    raw = source(12, "raw", "orders")
    nodes = [model(12, "stg_orders", [raw[0]]), model(12, "countries", kind="seed"),
             model(12, "orders_snapshot", [raw[0]], kind="snapshot")]
    system = dbt_from_data(manifest(12, [raw], nodes, [exposure(12, "ops", ["model.shop.stg_orders"])]))
    unknown = {n for n, f in system.nodes.items() if f.get("readers_known") is False}
    assert unknown == {"stg_orders", "countries", "orders_snapshot"}  # not the source, not the exposure


def test_a_leaf_model_is_not_called_unread():
    raw = source(12, "raw", "orders", freshness=HOURLY)
    data = manifest(12, [raw], [model(12, "orders_export", [raw[0]])])
    findings = audit_system(dbt_from_data(data)).findings
    assert not [f for f in findings if f.pattern == "underutilized_data_dependency"]


def test_owners_come_from_meta_groups_and_exposures_and_are_never_made_up():
    group = {"name": "finance", "resource_type": "group", "package_name": "shop", "path": "groups.yml",
             "original_file_path": "models/groups.yml", "unique_id": "group.shop.finance",
             "owner": {"email": "fin@shop.example", "name": "Finance analytics"}}
    nodes = [model(12, "ltv", group="finance"), model(12, "churn_inputs", meta={"owner": "data team"}),
             model(12, "margin", group="pricing"), model(12, "scratch")]
    nodes[2][1]["group"] = None  # only in config, as a project-level +group writes it
    exposures = [exposure(12, "vip", ["model.shop.ltv"], owner={"email": "bi@shop.example", "name": None})]
    system = dbt_from_data(manifest(12, [], nodes, exposures, groups={"group.shop.finance": group}))
    owners = {n: f.get("owner") for n, f in system.nodes.items()}
    assert owners == {"ltv": "Finance analytics", "churn_inputs": "data team", "margin": "pricing", "scratch": None,
                      "vip": "bi@shop.example"}


# --- data tests ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_a_relationships_test_belongs_to_the_model_whose_column_it_checks(version):
    """Before dbt 1.5 there is no attached_node: the test's `model` argument names its model, and the
    model it looks values up in (`to`) is only read, not tested."""
    system = dbt_from_data(shop(version))
    relationships = "relationships_orders_customer_id__id__ref_stg_customers_"
    assert relationships in system.nodes["orders"]["tests"]
    assert system.nodes["stg_customers"]["tests"] == ["unique_stg_customers_customer_id"]
    assert system.nodes["raw.orders"]["tests"] == ["not_null_orders_id"]  # a test on a source column
    assert system.nodes["customer_ltv"]["tests"] == ["assert_ltv_positive"]  # a singular test: what it reads
    test_node = shop(version)["nodes"]["test.shop.not_null_orders_order_id.a1b2c3d4e5"]
    assert ("attached_node" in test_node) == (version >= 10)


def test_a_singular_test_reading_two_models_tests_both():
    a, b = model(7, "orders"), model(7, "payments")
    check = data_test(7, None, [a[0], b[0]], "assert_every_order_is_paid")
    system = dbt_from_data(manifest(7, [], [a, b, check]))
    assert system.nodes["orders"]["tests"] == system.nodes["payments"]["tests"] == ["assert_every_order_is_paid"]


# --- malformed manifests -----------------------------------------------------------------------------------

def _spoiled(change):
    data = shop(12)
    change(data)
    return data


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(nodes=list(d["nodes"].values())), "'nodes' is a list; expected dbt's mapping"),
    (lambda d: d.pop("nodes"), "'nodes' is missing; expected dbt's mapping"),
    (lambda d: d["nodes"]["model.shop.orders"].pop("resource_type"), "resource_type is missing"),
    (lambda d: d["nodes"]["model.shop.orders"]["depends_on"].update(nodes="source.shop.raw.orders"),
     "depends_on.nodes is not a list"),
    (lambda d: d["sources"].update({"source.shop.raw.orders": ["orders"]}), "is a list; expected a mapping"),
    (lambda d: d.update(groups=[]), "'groups' is a list"),
    (lambda d: d["metadata"].update(dbt_schema_version=12), "metadata.dbt_schema_version is the number 12"),
    (lambda d: d["metadata"].update(dbt_schema_version="https://schemas.getdbt.com/dbt/run-results/v6.json"),
     "this is dbt's run-results artifact"),
])
def test_a_malformed_dbt_manifest_is_refused_as_a_dbt_problem(capsys, tmp_path, change, expected):
    code, lines = refusal(capsys, write(tmp_path, _spoiled(change)))
    assert code == 2 and len(lines) == 1, lines
    assert expected in lines[0] and "dbt" in lines[0] and "system" not in lines[0], lines[0]
    assert "Traceback" not in lines[0]


def test_a_manifest_whose_nodes_are_a_list_is_still_recognised_as_dbt():
    data = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": []}
    assert is_dbt(data) and is_dbt({"nodes": [], "child_map": {}})
    assert not is_dbt({"nodes": []}) and not is_dbt({"system": "shop", "sources": []})
    with pytest.raises(CourseInputError, match="dbt manifest v4-v12"):
        dbt_from_data(data, "manifest.json")


def test_dbt_catalog_json_is_named_for_what_it_is(capsys, tmp_path):
    catalog = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json",
                            "dbt_version": "1.8.9", "generated_at": "2024-05-02T09:13:54Z", "env": {}},
               "nodes": {"model.shop.orders": {"metadata": {"type": "VIEW", "schema": "dbt_shop", "name": "orders"},
                                               "columns": {}, "stats": {}, "unique_id": "model.shop.orders"}},
               "sources": {}, "errors": None}
    code, lines = refusal(capsys, write(tmp_path, catalog))
    assert code == 2 and len(lines) == 1 and "dbt's catalog artifact" in lines[0] and "manifest.json" in lines[0]


# --- end to end ------------------------------------------------------------------------------------------

def test_audit_of_a_v12_manifest_shows_the_monitoring_gap_and_no_unread_leaf(capsys, tmp_path):
    data = shop(12)
    leaf = model(12, "orders_export", ["model.shop.orders"])
    data["nodes"][leaf[0]] = leaf[1]
    code = main(["audit", str(write(tmp_path, data)), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    findings = {(f["pattern"], tuple(f["nodes"])): f for f in out["findings"]}
    gap = findings[("monitoring_gap", ("raw.orders", "payments"))]
    assert gap["level"] == "critical"
    assert not [key for key in findings if key[0] == "underutilized_data_dependency"]
