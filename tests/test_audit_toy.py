"""The toy world, audited: generated from the library's specs, and showing most of the anti-patterns."""

import json

from mldebt_lessons.audit import audit_toy_world
from mldebt_lessons.audit.patterns import PATTERNS
from mldebt_lessons.audit.picture import hot_spot_picture
from mldebt_lessons.audit.report import (
    audit_tutor_prompt,
    json_report,
    markdown_report,
    text_report,
)
from mldebt_lessons.audit.toy import (
    LABEL_ORIGINS,
    toy_answers,
    toy_lineage_events,
    toy_manifest,
)
from mldebt_lessons.lessons import LESSONS
from mldebt_lessons.shop.data import SOURCES
from mldebt_lessons.shop.features import FEATURES
from mldebt_lessons.shop.graph import CONSUMERS, shop_graph
from mldebt_lessons.shop.models import MODEL_SPECS


def test_the_toy_world_shows_at_least_ten_distinct_anti_patterns():
    result = audit_toy_world()
    assert len(result.patterns_found()) >= 10
    assert {"entanglement", "monitoring_gap", "fixed_threshold", "direct_feedback_loop", "hidden_feedback_loop",
            "data_testing_debt", "glue_code", "configuration_debt"} <= set(result.patterns_found())
    assert [f.rank for f in result.findings] == list(range(1, len(result.findings) + 1))


def test_the_toy_manifest_is_generated_from_the_library_specs():
    m = toy_manifest(measure=False)
    assert [s["id"] for s in m["sources"]] == [s.name for s in SOURCES]
    assert [f["id"] for f in m["features"]] == [f.name for f in FEATURES]
    assert [x["id"] for x in m["models"]] == [s.name for s in MODEL_SPECS]
    for spec, entry in zip(MODEL_SPECS, m["models"]):
        assert entry["reads"] == list(spec.inputs) and entry["owner"] == spec.owner
        assert ("threshold" in entry) == (spec.threshold is not None)
        assert set(entry["labels_from"]) <= set(LABEL_ORIGINS[spec.label])
    declared = [c.name for c in CONSUMERS if getattr(c, "declared", True)]
    assert [c["id"] for c in m["consumers"]] == declared
    assert set(toy_answers()) == set(m["ml_test_score"]) and len(m["ml_test_score"]) == 28


def test_the_audited_toy_system_has_the_same_nodes_and_edges_as_the_library_graph():
    result = audit_toy_world()
    g = shop_graph()
    assert set(result.system.nodes) == set(g.nodes)
    assert set(result.system.edges) == set(g.edges)


def test_every_model_to_model_edge_is_a_correction_cascade():
    result = audit_toy_world()
    expected = {(u, s.name) for s in MODEL_SPECS for u in s.inputs if u in {m.name for m in MODEL_SPECS}}
    found = {f.nodes for f in result.findings if f.pattern == "correction_cascade"}
    assert found == expected


def test_every_undeclared_consumer_in_the_library_is_found_through_its_observed_reads():
    result = audit_toy_world()
    expected = {(m, c.name) for c in CONSUMERS if not getattr(c, "declared", True) for m in c.reads}
    found = {f.nodes for f in result.findings if f.pattern == "undeclared_consumer"}
    assert found == expected
    jobs = {e["job"]["name"] for e in toy_lineage_events()}
    assert {c.name for c in CONSUMERS if not getattr(c, "declared", True)} <= jobs
    ads = [n for n, f in result.system.nodes.items() if f.get("declared") is False]
    assert all(result.system.nodes[n]["owner"] for n in ads)


def test_the_ml_test_score_of_the_toy_world_is_honest():
    result = audit_toy_world()
    assert result.test_score.sections["monitor"] == 0 and result.test_score.final == 0
    assert result.test_score.band == "research project"


def test_the_reports_agree_with_each_other():
    result = audit_toy_world()
    text, md, data = text_report(result), markdown_report(result), json.loads(json_report(result))
    assert set(data) == {"system", "findings", "summary"}
    assert data["summary"]["findings"] == len(result.findings) == len(data["findings"])
    first = result.findings[0]
    assert data["findings"][0]["rank"] == 1 and data["findings"][0]["pattern"] == first.pattern
    for key in ("pattern", "nodes", "evidence", "section", "fix", "score", "rank", "level"):
        assert key in data["findings"][0]
    assert first.evidence.split(":")[0] in text.replace("\n    ", " ") and first.pattern in md
    assert "How findings are ranked" in text and "ML Test Score" in text
    assert data["summary"]["ml_test_score"]["final"] == 0
    assert set(data["summary"]["patterns_found"]) | set(data["summary"]["patterns_not_found"]) == set(PATTERNS)


def test_findings_link_to_their_lesson():
    data = json.loads(json_report(audit_toy_world()))
    for f in data["findings"]:
        lesson = next(l for l in LESSONS.values() if l.id != "90" and f["pattern"] in l.patterns)
        assert f["lesson"] == f"notebooks/{lesson.notebook}"


def test_the_tutor_prompt_carries_the_audit():
    result = audit_toy_world()
    text = audit_tutor_prompt(result)
    assert result.findings[0].evidence in text and "prioritise" in text and "Audit my system" in text


def test_the_hot_spot_picture_marks_every_node_in_a_finding():
    result = audit_toy_world()
    picture = hot_spot_picture(result)
    involved = {n for f in result.findings for n in f.nodes}
    assert set(picture.notes) == involved
    assert b"#1 critical" in picture.svg()


def test_a_large_system_is_drawn_as_the_nodes_of_its_top_findings(tmp_path):
    from audit_helpers import bench_audit
    make_manifest = bench_audit().make_manifest

    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_data
    from mldebt_lessons.audit.picture import MAX_DRAWN, drawn_graph, save_picture
    result = audit_system(manifest_from_data(make_manifest(1500), "generated.json"))
    g, title = drawn_graph(result)
    assert 0 < g.number_of_nodes() <= MAX_DRAWN and "of 1,500" in title
    save_picture(result, tmp_path / "big.svg")
    assert (tmp_path / "big.svg").stat().st_size > 1000


def test_the_benchmark_system_is_audited_at_a_small_size():
    from audit_helpers import bench_audit
    assert bench_audit().main(["--nodes", "2000"]) == 0
