"""Regression tests for defects found by trying `mldebt audit` as a new user would: a crash on a valid
manifest, detector gaps, unescaped output, and user mistakes reported as internal errors."""

import importlib.util
import itertools
import json
import random
import string
import tracemalloc
import types
import xml.dom.minidom
from pathlib import Path

import pytest
from audit_helpers import bench_audit, clean_manifest, findings_of, good_model, patterns_in, system_of

from mldebt_lessons.audit import audit_system, safeload
from mldebt_lessons.audit.picture import save_picture
from mldebt_lessons.audit.report import json_report, markdown_report, text_report
from mldebt_lessons.audit.system import System, add_edge, add_node
from mldebt_lessons.cli import main
from mldebt_lessons.errors import CourseInputError


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


# --- JSON packed with small values is refused before it is parsed, in one line ------------------------
# Each parsed value is a Python object of 24 to 200 bytes, whatever it takes in the file, so a 200 MB list
# of 20 million small values peaked at 1 to 2 GiB before the schema refused it. The pre-scan now refuses a
# list of more than MAX_LIST_VALUES numbers or texts in a row, and prices what json.loads would build
# (safeload.parsed_bytes): more than PARSED_PER_BYTE bytes a byte, plus PARSED_BASE (0 in most tests here,
# so that small files meet the rule), is refused.

def _short_keys(n):
    """``n`` different keys of 4 letters or digits."""
    return ["".join(t) for t in itertools.islice(itertools.product(string.ascii_letters + string.digits, repeat=4), n)]


PACKED = {  # what a file holds, written compactly: small values, about 20,000 of them
    "numbers in a node list": lambda: {"system": "x", "sources": [i % 200 for i in range(20000)]},
    "short texts in a node list": lambda: {"system": "x", "sources": [f"ab{i % 10}" for i in range(20000)]},
    "empty mappings in a node list": lambda: {"system": "x", "sources": [{}] * 10000},
    "empty lists in a node list": lambda: {"system": "x", "sources": [[]] * 10000},
    "a node's reads": lambda: {"system": "x", "features": [{"id": "f", "reads": [f"s{i % 99}" for i in range(20000)]}]},
    "inner lists of numbers": lambda: {"system": "x", "sources": [[i % 10, 7, 8] for i in range(7000)]},
    "a mapping of different short keys": lambda: {"system": "x", "notes": dict.fromkeys(_short_keys(20000), 0)},
}


def _packed(shape):
    return json.dumps(PACKED[shape](), separators=(",", ":"))


@pytest.fixture
def no_base(monkeypatch):
    monkeypatch.setattr(safeload, "PARSED_BASE", 0)


@pytest.fixture
def parses(monkeypatch):
    """The texts json.loads is given while the test runs (through safeload)."""
    given = []
    spy = types.SimpleNamespace(loads=lambda text, **kw: given.append(text) or json.loads(text, **kw),
                                JSONDecodeError=json.JSONDecodeError)
    monkeypatch.setattr(safeload, "json", spy)
    return given


@pytest.mark.parametrize("shape", PACKED)
def test_json_packed_with_small_values_is_refused_in_one_line_before_it_is_parsed(tmp_path, capsys, no_base, parses,
                                                                                   shape):
    path = tmp_path / "m.json"
    path.write_text(_packed(shape), encoding="utf-8")
    status, err = run(capsys, "audit", str(path))
    assert status == 2 and err.count("\n") == 1 and "internal error" not in err, err
    assert f"{path}: " in err and " values in " in err and "once parsed; expected at most" in err, err
    assert "8 bytes for each byte of JSON plus 0 MiB" in err and "long lists of small numbers" in err, err
    assert parses == []  # refused by the pre-scan: nothing was built
    with pytest.raises(CourseInputError, match="once parsed"):
        safeload.load_file(path)


def test_with_the_real_base_a_file_of_empty_mappings_is_refused(tmp_path, capsys, parses):
    path = tmp_path / "m.json"  # 10 MB; parsed it would take 18 times that, about 180 MiB
    path.write_text('{"system": "x", "sources": [' + "{}, " * 2_500_000 + "{}]}", encoding="utf-8")
    status, err = run(capsys, "audit", str(path))
    assert status == 2 and "expected at most 140 MiB, 8 bytes for each byte of JSON plus 64 MiB" in err, err
    assert parses == []


LONG_LISTS = {  # one list of plain values, longer than the manifest allows any list of ids to be
    "numbers in a node list": ('{"system": "x",\n "sources": [', "{}", 2),
    "texts in a node's reads": ('{"system": "x", "features": [\n{"id": "f",\n "reads": [', '"s{}"', 3),
    "numbers at the top": ("[", "{}", 1),
}


@pytest.mark.parametrize("shape", LONG_LISTS)
def test_a_long_list_of_numbers_or_texts_is_refused_in_one_line_before_it_is_parsed(tmp_path, capsys, monkeypatch,
                                                                                   parses, shape):
    monkeypatch.setattr(safeload, "MAX_LIST_VALUES", 1000)
    head, item, line = LONG_LISTS[shape]
    items = ", ".join(item.format(10_000_000 + i) for i in range(1001))
    path = tmp_path / "m.json"
    path.write_text(head + items + "]" * head.count("[") + "}" * head.count("{"), encoding="utf-8")
    status, err = run(capsys, "audit", str(path))
    assert status == 2 and err.count("\n") == 1, err
    assert (f"{path} line {line}: a list of more than 1,000 numbers or texts in a row; expected at most 1,000"
            in err), err
    assert parses == []
    path.write_text(head + items.rsplit(", ", 1)[0] + "]" * head.count("[") + "}" * head.count("{"), encoding="utf-8")
    assert safeload.check_json_shape(path.read_text(encoding="utf-8"), "m.json").counts.longest_run == 1000


def test_with_the_real_cap_a_list_of_1_000_001_numbers_is_refused():
    text = '{"system": "x", "sources": [' + "1, " * 1_000_000 + "2]}"
    with pytest.raises(CourseInputError, match="line 1: a list of more than 1,000,000 numbers or texts in a row"):
        safeload.check_json_shape(text, "m.json")
    assert safeload.check_json_shape(text.replace("1, ", "", 1), "m.json").counts.longest_run == 1_000_000


def test_a_list_of_ids_just_too_long_gets_the_schemas_message_which_names_it(tmp_path, capsys):
    """The pre-scan leaves lists up to ten times the schema's longest to the schema, which says which list."""
    reads = ", ".join(f'"s{i}"' for i in range(100_001))
    path = tmp_path / "long.json"
    path.write_text('{"system": "x", "sources": [{"id": "s0"}], "features": [{"id": "f", "reads": [' + reads + "]}]}",
                    encoding="utf-8")
    status, err = run(capsys, "audit", str(path))
    assert status == 2 and err.count("\n") == 1, err
    assert "features[0].reads: a list of 100,001 items; expected at most 100,000" in err, err


def _dbt_manifest(version, n):
    """A dbt manifest of ``n`` models in a chain, each with a test, in the shapes dbt writes."""
    from test_audit_dbt import data_test, manifest, model, source
    raw = source(version, "raw", "orders")
    models = [model(version, "m0", [raw[0]])]
    for i in range(1, n):
        models.append(model(version, f"m{i}", [models[-1][0]], meta={"owner": f"team {i % 7}"}))
    tests = [data_test(version, "not_null", uid, "id") for uid, _ in models]
    return manifest(version, [raw], models + tests)


def _lineage_events(n):
    """A JSON list of ``n`` OpenLineage events, as benchmarks/bench_lineage.py makes them."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_lineage.py"
    spec = importlib.util.spec_from_file_location("bench_lineage", path)
    bench_lineage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_lineage)
    return "[" + ",\n".join(bench_lineage.events(n, 2015)) + "]"


REAL = {  # realistic inputs of all three kinds, small: with PARSED_BASE at 0, only the rule per byte counts
    "generated manifest": lambda: json.dumps(bench_audit().make_manifest(3000, 2015)),
    "generated manifest, compact": lambda: json.dumps(bench_audit().make_manifest(3000, 2015), separators=(",", ":")),
    "generated manifest, indented": lambda: json.dumps(bench_audit().make_manifest(3000, 2015), indent=2),
    "dbt manifest v4": lambda: json.dumps(_dbt_manifest(4, 300)),
    "dbt manifest v12": lambda: json.dumps(_dbt_manifest(12, 300)),
    "OpenLineage events": lambda: _lineage_events(2000),
}


@pytest.mark.parametrize("kind", REAL)
def test_realistic_manifests_dbt_and_lineage_are_not_refused(tmp_path, no_base, kind):
    text = REAL[kind]()
    shape = safeload.check_json_shape(text, "m.json")
    assert safeload.parsed_bytes(shape) < 7.5 * len(text.encode()), kind  # room below the 8 allowed
    assert shape.counts.longest_run < 100, kind  # far below the 100,000 allowed
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    assert safeload.load_file(path)[0]


def _parsed_size(text):
    """What json.loads builds for ``text``, at its peak, in bytes."""
    tracemalloc.start()
    try:
        json.loads(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", [*PACKED, *REAL])
def test_the_estimate_is_at_least_what_json_builds_and_close_for_real_inputs(kind):
    text = _packed(kind) if kind in PACKED else REAL[kind]()
    estimate, real = safeload.parsed_bytes(safeload.scan_json(text)), _parsed_size(text)
    assert estimate >= 0.95 * real, (kind, estimate, real)
    if kind in REAL:
        assert estimate <= 1.4 * real, (kind, estimate, real)


def _reference_counts(raw: bytes) -> tuple:
    """(mappings, lists, keys, texts, text bytes, longest run of plain values and its line), a byte at a time."""
    mappings = lists = keys = texts = text_bytes = commas = 0
    inside, run, start, line, run_line, longest = False, 0, 0, 1, 1, (0, 0)
    for i, c in enumerate(raw):
        quote = c == ord('"') and run % 2 == 0
        run = run + 1 if c == ord("\\") else 0
        if inside and quote:
            inside, texts, text_bytes = False, texts + 1, text_bytes + i - start - 1
        elif quote:
            inside, start = True, i
        elif not inside and c == ord(","):
            commas += 1
            longest = max(longest, (commas + 1, -run_line))
        elif not inside and c in b"[]{}:":
            mappings, lists, keys = mappings + (c == ord("{")), lists + (c == ord("[")), keys + (c == ord(":"))
            longest = max(longest, (commas + 1, -run_line))
            commas, run_line = 0, line
        line += c == ord("\n")
    return mappings, lists, keys, texts, text_bytes, longest[0], -longest[1]


def test_the_counts_behind_the_estimate_carry_across_blocks(monkeypatch):
    rng = random.Random(15)
    alphabet = ['"', "\\", "[", "]", "{", "}", ",", ":", "a", " ", "\n", "é"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    texts += [json.dumps({"a:": [{"b": "x\\\"", "c": {}}, []], "d\"": ":"}),
              json.dumps(bench_audit().make_manifest(40))]
    for block in (4, 8, 12, 64, 4096):  # bytes; a str is cut into pieces of block // 4 characters
        monkeypatch.setattr(safeload, "SCAN_BLOCK", block)
        for text in texts:
            expected = _reference_counts(text.encode("utf-8"))
            for given in (text, text.encode("utf-8")):
                counts = safeload.scan_json(given).counts
                found = (counts.mappings, counts.lists, counts.keys, counts.texts, counts.text_bytes,
                         counts.longest_run, counts.longest_run_line)
                assert found == expected, (block, given)
                assert counts.size == len(text.encode("utf-8"))


def test_keys_are_taken_as_shared_only_when_they_surely_repeat():
    rng = random.Random(16)
    halves = ["".join(rng.choice("ab") for _ in range(8)) for _ in range(6)]
    for n_keys in (10, 100, 2000):  # keys of 0 to 16 bytes, some of them alike in their first or last 8
        keys = [rng.choice(halves)[:rng.randint(0, 8)] + rng.choice(halves)[:rng.randint(0, 8)]
                for _ in range(n_keys)]
        text = "[" + ", ".join(f'{{"{key}": 1}}' for key in keys) + "]"
        counts = safeload.scan_json(text).counts
        assert counts.shared_keys <= n_keys - len(set(keys)), n_keys
        assert counts.shared_key_bytes <= sum(map(len, keys)) - sum(map(len, set(keys)))
    repeated = json.dumps([{"owner": "t", "monitoring": [], "labels_from": []}] * 1000)
    assert safeload.scan_json(repeated).counts.shared_keys > 2900  # 3,000 keys, 3 texts
