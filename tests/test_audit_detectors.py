"""Every detector: a positive case that shows the pattern, and the clean system as its control."""

import json

import pytest
from audit_helpers import (
    clean_manifest,
    findings_of,
    good_model,
    patterns_in,
    system_of,
)

from mldebt_lessons.audit.codescan import scan_sources
from mldebt_lessons.audit.detectors import (
    DETECTORS,
    detect,
    strongly_connected,
)
from mldebt_lessons.audit.openlineage import lineage_from_events
from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.patterns import PATTERNS
from mldebt_lessons.audit.system import System, add_edge, add_node
from mldebt_lessons.audit.report import json_report


def spoil(change):
    m = clean_manifest()
    change(m)
    return m


def model(m, i=0):
    return m["models"][i]


def add_second_model(m, **extra):
    m["models"].append(good_model("upsell", ["basket"], ["mail"], **extra))
    m["consumers"][0]["reads"].append("upsell")


def add_loop(m):
    model(m)["labels_from"] = ["orders"]
    m["consumers"][0]["influences"] = ["orders"]


def add_hidden_loop(m):
    m["sources"].append({"id": "clicks", "owner": "data team", "tests": ["schema"], "monitoring": ["freshness"],
                         "pinned": True})
    m["features"].append({"id": "sessions", "owner": "data team", "reads": ["clicks"], "type": "numeric",
                          "unit": "sessions", "tests": ["range"], "monitoring": ["distribution"], "pinned": True})
    m["models"].append(good_model("ranker", ["sessions"], ["page"]))
    m["consumers"].append({"id": "page", "owner": "web", "reads": ["ranker"], "monitoring": ["latency"],
                           "influences": ["orders"]})
    m["consumers"][0]["influences"] = ["clicks"]  # the churn model's emails bring visits the ranker learns from


POSITIVE = {
    "entanglement": lambda m: add_second_model(m),
    "correction_cascade": lambda m: (m["models"].append(good_model("churn_es", ["churn", "basket"], ["mail"])),
                                     m["consumers"][0]["reads"].append("churn_es"),
                                     model(m).update(pinned=True)),
    "undeclared_consumer": lambda m: m["consumers"].append(
        {"id": "ads", "owner": "ads team", "reads": ["churn"], "monitoring": ["latency"]}),
    "unstable_data_dependency": lambda m: m["features"][0].update(pinned=False, owner="another team"),
    "underutilized_data_dependency": lambda m: model(m).update(input_importance={"basket": 0.01}),
    "static_analysis_gap": lambda m: m.update(practices={"dependency_catalogue": False}),
    "direct_feedback_loop": add_loop,
    "hidden_feedback_loop": add_hidden_loop,
    "pipeline_jungle": lambda m: m["features"][0].update(steps=6),
    "dead_experimental_codepath": lambda m: m.update(flags=[{"id": "new_ranker", "used_by": ["churn"],
                                                            "values_seen": [False]}]),
    "abstraction_debt": lambda m: m.update(practices={"common_model_interface": False}),
    "plain_old_data_smell": lambda m: model(m)["threshold"].pop("scale"),
    "multiple_language_smell": lambda m: (m["sources"][0].update(language="sql"),
                                          m["features"][0].update(language="scala"),
                                          model(m).update(language="python")),
    "prototype_smell": lambda m: model(m).update(environment="notebook"),
    "configuration_debt": lambda m: m.update(configs=[{"id": "hyper", "type": "hyperparameters",
                                                      "used_by": ["churn"], "in_version_control": False}]),
    "fixed_threshold": lambda m: model(m)["threshold"].update(set_by="hand"),
    "monitoring_gap": lambda m: model(m).update(monitoring=[]),
    "data_testing_debt": lambda m: m["sources"][0].update(tests=[]),
    "reproducibility_debt": lambda m: model(m).update(seeded=False),
    "process_management_debt": lambda m: (add_second_model(m, retraining="manual", pinned=True),
                                          model(m).update(retraining="manual"),
                                          m["features"][0].update(pinned=True)),
    "cultural_debt": lambda m: m.update(practices={"research_engineering_split": True}),
}
CODE_ONLY = {"glue_code"}


def test_every_pattern_has_a_detector_and_a_positive_case():
    assert set(DETECTORS) == set(PATTERNS)
    assert set(POSITIVE) | CODE_ONLY == set(PATTERNS)


def test_the_clean_system_shows_no_debt_at_all():
    assert detect(system_of(clean_manifest())) == []


@pytest.mark.parametrize("pattern", sorted(POSITIVE))
def test_each_detector_finds_its_pattern(pattern):
    found = findings_of(spoil(POSITIVE[pattern]), pattern)
    assert found, pattern
    for f in found:
        assert f.evidence.strip() and f.score > 0 and f.rank >= 1


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_each_detector_is_quiet_on_the_clean_control(pattern):
    assert pattern not in patterns_in(clean_manifest())


def test_entanglement_counts_the_models_and_teams():
    m = spoil(lambda m: add_second_model(m, owner="growth team"))
    [f] = findings_of(m, "entanglement")
    assert f.nodes == ("basket", "churn", "upsell")
    assert "2 models (churn, upsell) owned by 2 teams" in f.evidence


def test_entanglement_for_retrieval_a_stale_embedding_index():
    m = clean_manifest()
    m["models"].append(good_model("embedder", [], [], type="embedding", version="v3", pinned=True))
    m["sources"].append({"id": "docs_index", "owner": "data team", "type": "vector_index", "embedded_with": "embedder",
                         "embedding_version": "v2", "tests": ["schema"], "monitoring": ["freshness"], "pinned": True})
    [f] = findings_of(m, "entanglement")
    assert "version v2" in f.evidence and "now version v3" in f.evidence
    m["sources"][-1]["embedding_version"] = "v3"
    assert not findings_of(m, "entanglement")


def test_correction_cascade_comes_from_a_model_to_model_edge_and_reports_the_share():
    m = spoil(POSITIVE["correction_cascade"])
    m["models"][1]["input_importance"] = {"churn": 0.25, "basket": 0.75}
    [f] = findings_of(m, "correction_cascade")
    assert f.nodes == ("churn", "churn_es") and "25.0%" in f.evidence


def test_an_undeclared_consumer_seen_only_in_lineage():
    system = system_of(clean_manifest())
    system.aliases["warehouse.churn_scores"] = "churn"
    lineage_from_events([{"job": {"name": "ads"}, "inputs": [{"name": "warehouse.churn_scores"}], "outputs": []}],
                        "events.json", system)
    found = [f for f in detect(system) if f.pattern == "undeclared_consumer"]
    assert [f.nodes for f in found] == [("churn", "ads")]
    assert "events.json" in found[0].evidence


def test_a_declared_consumer_is_not_undeclared():
    m = spoil(POSITIVE["undeclared_consumer"])
    model(m)["consumers"].append("ads")
    assert not findings_of(m, "undeclared_consumer")


def test_exploration_breaks_a_direct_feedback_loop():
    m = spoil(add_loop)
    assert findings_of(m, "direct_feedback_loop")
    model(m)["exploration"] = True
    assert not findings_of(m, "direct_feedback_loop")


def test_a_hidden_loop_names_both_models_and_is_not_a_direct_loop():
    m = spoil(add_hidden_loop)
    [f] = findings_of(m, "hidden_feedback_loop")
    assert {"churn", "ranker"} <= set(f.nodes)
    assert not findings_of(m, "direct_feedback_loop")


def test_underutilized_inputs_legacy_and_unread_features():
    m = clean_manifest()
    m["features"].append({"id": "old_id", "owner": "data team", "reads": ["orders"], "type": "categorical",
                          "legacy": True, "tests": ["x"], "pinned": True})
    [f] = findings_of(m, "underutilized_data_dependency")
    assert "legacy" in f.evidence and "nothing reads it" in f.evidence


def test_static_analysis_gap_from_undeclared_reads_in_code():
    system = system_of(clean_manifest())
    system.code = scan_sources([("etl.py", "import pandas as pd\nx = pd.read_csv('returns_2019.csv')\n")], system)
    [f] = [f for f in detect(system) if f.pattern == "static_analysis_gap"]
    assert "returns_2019.csv" in f.evidence and "etl.py line 2" in f.evidence
    system.code = scan_sources([("etl.py", "import pandas as pd\nx = pd.read_csv('data/orders.csv')\n")], system)
    assert not [f for f in detect(system) if f.pattern == "static_analysis_gap"]


def test_glue_code_from_a_code_scan_and_its_control():
    system = system_of(clean_manifest())
    glue = "from sklearn.linear_model import Ridge\nm = Ridge()\n" + "".join(f"x{i} = {i}\n" for i in range(100))
    system.code = scan_sources([("glue.py", glue)], system)
    [f] = [f for f in detect(system) if f.pattern == "glue_code"]
    assert "2 (2.0%)" in f.evidence
    ml = "from sklearn.linear_model import Ridge\n" + "".join(f"m{i} = Ridge()\n" for i in range(60))
    system.code = scan_sources([("ml.py", ml)], system)
    assert not [f for f in detect(system) if f.pattern == "glue_code"]


def test_pipeline_jungle_from_a_chain_of_features():
    m = clean_manifest()
    chain = ["orders"]
    for i in range(4):
        m["features"].append({"id": f"step{i}", "owner": "data team", "reads": [chain[-1]], "type": "categorical",
                              "tests": ["x"], "pinned": True})
        chain.append(f"step{i}")
    model(m)["reads"].append("step3")
    [f] = findings_of(m, "pipeline_jungle")
    assert f.nodes[0] == "step3" and "4 preparation steps" in f.evidence


def test_dead_codepaths_from_code():
    system = system_of(clean_manifest())
    code = ("USE_V2 = False\nCONFIG = {'lr': 0.1, 'unused_key': 3}\n"
            "def f(x):\n    if USE_V2:\n        return 0\n    return x * CONFIG['lr']\n")
    system.code = scan_sources([("model.py", code)], system)
    found = [f for f in detect(system) if f.pattern == "dead_experimental_codepath"]
    text = " ".join(f.evidence for f in found)
    assert "USE_V2 = False" in text and "unused_key" in text and "'lr'" not in text


def test_fixed_thresholds_found_in_code_are_attached_to_their_model():
    m = clean_manifest()
    system = system_of(m)
    system.code = scan_sources([("serve.py", "def decide(s):\n    return score(s, 'churn') > 0.72\n")], system)
    found = [f for f in detect(system) if f.pattern == "fixed_threshold"]
    assert [f.nodes for f in found] == [("churn",)] and "serve.py line 2" in found[0].evidence


def test_configuration_debt_for_an_unevaluated_prompt():
    m = clean_manifest()
    m["prompts"] = [{"id": "answer_prompt", "used_by": ["churn"], "evaluated": False, "in_version_control": True}]
    [f] = findings_of(m, "configuration_debt")
    assert "prompt 'answer_prompt'" in f.evidence and "evaluation set" in f.evidence


def test_a_hosted_unpinned_llm_is_an_unstable_dependency():
    m = clean_manifest()
    m["models"].append(good_model("llm", [], [], hosted=True, type="llm"))
    model(m)["reads"].append("llm")
    found = findings_of(m, "unstable_data_dependency")
    assert any("hosted model 'llm'" in f.evidence for f in found)


def test_a_finding_on_an_llm_part_links_to_the_llm_lesson_and_others_to_their_own():
    m = clean_manifest()
    m["models"].append(good_model("llm", [], [], hosted=True, type="llm"))
    model(m)["reads"].append("llm")
    data = json.loads(json_report(audit_system(system_of(m))))
    lessons = {(f["pattern"], "llm" in f["nodes"]): f["lesson"] for f in data["findings"]}
    assert lessons[("unstable_data_dependency", True)] == "notebooks/18_llm_systems.ipynb"
    assert all(link != "notebooks/18_llm_systems.ipynb" for (_, llm), link in lessons.items() if not llm)


def test_tarjan_and_topological_order_work_at_depth_without_recursion():
    n = 50_000
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(n)}
    chain[f"n{n}"] = []
    assert len(strongly_connected(chain)) == n + 1
    system = System("chain")
    for i in range(n + 1):
        add_node(system, f"n{i}", "feature", {})
    for i in range(n):
        add_edge(system, f"n{i}", f"n{i + 1}")
    assert system.order[-1] == f"n{n}"
    chain[f"n{n}"] = ["n0"]
    assert len(strongly_connected(chain)) == 1
    add_edge(system, f"n{n}", "n0")
    assert system.order is None
