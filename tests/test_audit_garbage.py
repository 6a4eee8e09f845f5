"""Property-based tests: the audit's readers are fed garbage and must answer with one line, or work."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.codescan import scan_sources
from mldebt_lessons.audit.dbt import dbt_from_data
from mldebt_lessons.audit.manifest import manifest_from_data, manifest_from_text
from mldebt_lessons.audit.openlineage import lineage_from_events
from mldebt_lessons.audit.safeload import decode_text, json_depth, parse_text
from mldebt_lessons.errors import CourseInputError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30)
KEYS = ["system", "sources", "features", "models", "consumers", "id", "reads", "owner", "threshold", "value",
        "set_by", "monitoring", "tests", "consumers", "influences", "labels_from", "flags", "configs",
        "ml_test_score", "data_1", "job", "name", "inputs", "outputs", "nodes", "depends_on", "metadata"]
manifest_like = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2) | st.sampled_from(KEYS + ["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    max_leaves=40)


def one_line(err: CourseInputError) -> bool:
    return "\n" not in str(err) and 0 < len(str(err)) < 1000


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_either_decode_or_give_one_line(data):
    try:
        text = decode_text(data, "x.yaml")
    except CourseInputError as err:
        assert one_line(err)
        return
    for name in ("x.yaml", "x.json"):
        try:
            parse_text(text, name)
        except CourseInputError as err:
            assert one_line(err) and name in str(err)


@SETTINGS
@given(st.text(alphabet=string.printable + "éü[]{}&*!|>-:#'\"", max_size=300))
def test_any_text_as_a_manifest_is_loaded_or_refused_in_one_line(text):
    for name in ("m.yaml", "m.json"):
        try:
            manifest_from_text(text, name)
        except CourseInputError as err:
            assert one_line(err)


@SETTINGS
@given(manifest_like)
def test_any_structure_as_a_manifest_is_loaded_or_refused_in_one_line(data):
    try:
        system = manifest_from_data(data, "m.json")
    except CourseInputError as err:
        assert one_line(err)
        return
    audit_system(system)  # whatever passed the checks can be audited


@SETTINGS
@given(manifest_like | json_values)
def test_any_structure_as_lineage_or_dbt_is_loaded_or_refused_in_one_line(data):
    for load in (lambda d: lineage_from_events(d if isinstance(d, list) else [d], "e.json"),
                 lambda d: dbt_from_data(d, "manifest.json")):
        try:
            audit_system(load(data))
        except CourseInputError as err:
            assert one_line(err)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_as_python_code_is_scanned_or_skipped(text):
    facts = scan_sources([("f.py", text)])
    assert facts["files"] + len(facts["skipped"]) == 1


@SETTINGS
@given(json_values)
def test_json_depth_is_the_true_depth(value):
    def depth(v):
        if isinstance(v, (list, dict)):
            items = v.values() if isinstance(v, dict) else v
            return 1 + max((depth(x) for x in items), default=0)
        return 0
    assert json_depth(json.dumps(value)) == depth(value)


@st.composite
def valid_manifests(draw):
    kinds = ["sources", "features", "models", "consumers"]
    manifest = {"system": "generated", **{k: [] for k in kinds}}
    ids = []
    for i in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(kinds))
        node = {"id": f"n{i}"}
        if ids:
            node["reads"] = sorted(set(draw(st.lists(st.sampled_from(ids), max_size=3))))
        if draw(st.booleans()):
            node["owner"] = draw(st.sampled_from(["a", "b"]))
        if draw(st.booleans()):
            node["monitoring"] = ["x"]
        if kind == "models":
            if draw(st.booleans()):
                node["threshold"] = {"value": 0.5, "set_by": draw(st.sampled_from(["hand", "learned"]))}
            if ids and draw(st.booleans()):
                node["labels_from"] = [draw(st.sampled_from(ids))]
            node["retraining"] = draw(st.sampled_from(["manual", "scheduled"]))
        if kind == "consumers" and ids and draw(st.booleans()):
            node["influences"] = [draw(st.sampled_from(ids))]
        manifest[kind].append(node)
        ids.append(node["id"])
    return manifest


@SETTINGS
@given(valid_manifests())
def test_any_valid_manifest_is_audited_and_ranked(manifest):
    result = audit_system(manifest_from_data(manifest, "m.json"))
    assert [f.rank for f in result.findings] == list(range(1, len(result.findings) + 1))
    scores = [f.score for f in result.findings]
    assert scores == sorted(scores, reverse=True)
    for f in result.findings:
        assert set(f.nodes) <= set(result.system.nodes) and f.evidence
