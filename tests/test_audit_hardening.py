"""Regression tests for defects found by trying `mldebt audit` as a new user would: a crash on a valid
manifest, detector gaps, unescaped output, and user mistakes reported as internal errors."""

import xml.dom.minidom

import pytest
from audit_helpers import clean_manifest, findings_of, good_model, patterns_in, system_of

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.picture import save_picture
from mldebt_lessons.audit.report import json_report, markdown_report, text_report
from mldebt_lessons.audit.system import System, add_edge, add_node
from mldebt_lessons.cli import main


def spoil(change):
    m = clean_manifest()
    change(m)
    return m


# --- a flag with only an id is valid, and must not stop the audit ----------------------------------------

@pytest.mark.parametrize("flag", [{"id": "new_ranker"}, {"id": "new_ranker", "used_by": ["churn"]},
                                  {"id": "new_ranker", "values_seen": []}])
def test_a_flag_without_values_seen_is_audited_without_a_crash(flag):
    manifest = spoil(lambda m: m.update(flags=[flag]))
    assert findings_of(manifest, "dead_experimental_codepath") == []


def test_a_flag_with_one_value_seen_is_still_dead():
    manifest = spoil(lambda m: m.update(flags=[{"id": "new_ranker", "values_seen": [False, False]}]))
    [finding] = findings_of(manifest, "dead_experimental_codepath")
    assert "one value (False)" in finding.evidence


# --- detector gaps --------------------------------------------------------------------------------------

def vendor_feed(pinned=False, owner="weather vendor"):
    def change(m):
        m["sources"].append({"id": "weather_feed", "tests": ["schema"], "monitoring": ["freshness"],
                             **({"owner": owner} if owner else {}), **({"pinned": pinned} if pinned is not None else {})})
        m["features"].append({"id": "rain_mm", "owner": "data team", "reads": ["weather_feed"], "type": "numeric",
                              "unit": "mm", "tests": ["range"], "monitoring": ["distribution"]})
        m["models"][0]["reads"].append("rain_mm")
    return spoil(change)


def test_an_unpinned_vendor_source_two_hops_from_a_model_is_unstable():
    [finding] = findings_of(vendor_feed(), "unstable_data_dependency")
    assert finding.nodes == ("weather_feed", "churn") and "another team's signal" in finding.evidence


def test_a_pinned_vendor_source_or_a_pinned_feature_between_is_not_unstable():
    assert "unstable_data_dependency" not in patterns_in(vendor_feed(pinned=True))
    pinned_between = vendor_feed()
    pinned_between["features"][-1]["pinned"] = True
    assert "unstable_data_dependency" not in patterns_in(pinned_between)


def test_a_source_with_no_owner_is_not_called_another_teams_signal():
    assert "unstable_data_dependency" not in patterns_in(vendor_feed(owner=None, pinned=None))
    [finding] = findings_of(vendor_feed(owner=None, pinned=False), "unstable_data_dependency")
    assert "no owner and is not pinned" in finding.evidence and "another team" not in finding.evidence


def two_models_in_a_loop(exploration):
    def change(m):
        m["models"].append(good_model("upsell", ["basket"], ["vip"], exploration=exploration))
        m["models"][0]["exploration"] = exploration
        m["consumers"].append({"id": "vip", "owner": "loyalty", "reads": ["upsell"], "influences": ["orders"],
                               "monitoring": ["action_limits"]})
        m["consumers"][0]["influences"] = ["orders"]
    return spoil(change)


def test_a_hidden_loop_is_found_even_when_both_models_explore():
    [plain] = findings_of(two_models_in_a_loop(False), "hidden_feedback_loop")
    [exploring] = findings_of(two_models_in_a_loop(True), "hidden_feedback_loop")
    assert "each model explores" in exploring.evidence
    assert 0 < exploring.score < plain.score


def test_one_manual_model_is_a_small_process_debt_and_more_cost_more():
    one = spoil(lambda m: m["models"][0].update(retraining="manual"))
    two = spoil(lambda m: (m["models"][0].update(retraining="manual"),
                           m["models"].append(good_model("upsell", ["basket"], ["mail"], retraining="manual")),
                           m["consumers"][0]["reads"].append("upsell")))
    [small] = findings_of(one, "process_management_debt")
    [larger] = findings_of(two, "process_management_debt")
    assert small.severity == 1 and "1 model of 1 (churn) is retrained" in small.evidence
    assert small.score < larger.score
    assert findings_of(clean_manifest(), "process_management_debt") == []


def router_and_llm(hosted):
    def change(m):
        m["models"].append(good_model("router", ["basket"], [], type="classifier"))
        llm = good_model("assistant_llm", ["router"], ["mail"], type="llm")
        if hosted:
            llm.update(hosted=True, pinned=True, retraining="never")
        m["models"].append(llm)
        m["consumers"][0]["reads"].append("assistant_llm")
    return spoil(change)


def test_a_hosted_llm_reading_a_router_is_not_a_correction_cascade():
    assert [f.nodes for f in findings_of(router_and_llm(hosted=False), "correction_cascade")] == [
        ("router", "assistant_llm")]
    assert findings_of(router_and_llm(hosted=True), "correction_cascade") == []


def test_a_table_whose_readers_are_unknown_is_not_called_unread():
    system = System("dbt")
    add_node(system, "orders", "source", {"owner": "data team"})
    add_node(system, "orders_mart", "feature", {"owner": "data team", "readers_known": False})
    add_node(system, "old_export", "feature", {"owner": "data team"})
    for leaf in ("orders_mart", "old_export"):
        add_edge(system, "orders", leaf, declared=True)
    unread = {f.nodes for f in audit_system(system).findings if f.pattern == "underutilized_data_dependency"}
    assert unread == {("old_export",)}


# --- output escaping ------------------------------------------------------------------------------------

def hostile_system():
    system = System("shop <b>bold</b>")
    ids = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "esc\x1b[2Jcleared", "bidi\u202etxt.exe",
           "lone\ud800surrogate"]
    add_node(system, ids[0], "source", {})
    for node in ids[1:]:
        add_node(system, node, "model", {})
        add_edge(system, ids[0], node, declared=True)
    return system, ids


def test_markdown_escapes_html_and_links_in_names():
    result = audit_system(hostile_system()[0])
    text = markdown_report(result)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize("render", [text_report, markdown_report, json_report])
def test_no_control_character_or_surrogate_reaches_a_report(render):
    text = render(audit_system(hostile_system()[0]))
    text.encode("utf-8")  # a lone surrogate would make this (and printing it) fail
    assert "\x1b" not in text and "\u202e" not in text
    if render is text_report:
        assert "esc\\x1b[2Jcleared" in text
    if render is markdown_report:  # the escape's backslash is itself escaped, so it renders as \x1b
        assert "esc\\\\x1b\\[2Jcleared" in text


def test_the_svg_stays_valid_xml_and_the_png_prints_no_warnings(tmp_path, capfd):
    result = audit_system(hostile_system()[0])
    save_picture(result, tmp_path / "hot.svg")
    xml.dom.minidom.parse(str(tmp_path / "hot.svg"))
    system = system_of(clean_manifest())
    add_node(system, "\u4e2d\u6587_feed", "source", {})
    add_edge(system, "\u4e2d\u6587_feed", "churn", declared=True)
    save_picture(audit_system(system), tmp_path / "hot.png")
    assert (tmp_path / "hot.png").stat().st_size > 1000
    assert capfd.readouterr().err == ""


# --- user mistakes are one line, not an internal error --------------------------------------------------

def run(capsys, *argv):
    status = main(list(argv))
    err = capsys.readouterr().err
    return status, err


def test_output_to_a_missing_folder_or_a_folder_or_a_full_device_is_one_line(tmp_path, capsys):
    cases = [(tmp_path / "missing" / "report.txt", "does not exist"), (tmp_path, "is a folder")]
    if __import__("os").path.exists("/dev/full"):
        cases.append(("/dev/full", "cannot write it"))
    for target, words in cases:
        status, err = run(capsys, "audit", "--toy", "--output", str(target))
        assert status == 2 and words in err and "internal error" not in err and err.count("\n") == 1


@pytest.mark.parametrize("word", ["yes", "on", "true"])
def test_an_answer_of_yes_or_on_is_refused_not_scored_as_automated(tmp_path, capsys, word):
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"data_1: {word}\ndata_2: no\n", encoding="utf-8")
    status, err = run(capsys, "audit", "--toy", "--answers", str(answers))
    assert status == 2 and "data_1" in err and "manual or automated" in err and err.count("\n") == 1
