"""The schema check's bulk fast path against the closures it stands in front of.

``compile_schema(schema)`` first tests whole columns of values at once (``compile_batch``) and asks
the closures only when that test does not pass; ``compile_schema(schema, fast=False)`` is the
closures alone. Here a few hundred small, seeded mutations of valid manifests (wrong types,
unknown keys, control characters, over-long texts and lists, missing keys, values out of an enum,
at every depth) must get the same verdict and the same first problem from both, and the bulk test
must never pass a manifest the closures find a problem in.
"""

import copy
import random

import pytest
from audit_helpers import bench_audit, clean_manifest

from mldebt_lessons.audit.manifest import check_manifest, manifest_schema
from mldebt_lessons.audit.schema import compile_batch, compile_schema
from mldebt_lessons.audit.toy import toy_manifest
from mldebt_lessons.errors import CourseInputError

SCHEMA = manifest_schema()
FAST = compile_schema(SCHEMA)
SLOW = compile_schema(SCHEMA, fast=False)
FITS = compile_batch(SCHEMA)
SEED = 2015
N_MUTATIONS = 600


class Text(str):
    """A text subclass that says it has no spaces at its ends: the fast path must not trust it."""

    def strip(self, chars=None):
        return self


class Number(int):
    pass


def rich_manifest():
    """A valid manifest that uses every part of the schema: all node lists, every kind of field."""
    manifest = clean_manifest()
    manifest.update({
        "$schema": "./manifest.schema.json", "manifest_version": 1, "description": "a shop",
        "configs": [{"id": "cfg", "owner": "ml", "type": "hyperparameters", "used_by": ["churn"], "lines": 40,
                     "in_version_control": True, "reviewed": False, "validated": True, "version": 3}],
        "prompts": [{"id": "p", "used_by": ["churn"], "version": "v2", "evaluated": True, "notes": ""}],
        "flags": [{"id": "fl", "used_by": ["churn"], "read": True, "values_seen": ["on", 1, 0.5, True, None],
                   "default": None, "last_changed": "2024-01-01"}],
        "practices": {"dependency_catalogue": True, "deletion_rewarded": False},
        "ml_test_score": {"data_1": "automated", "model_2": "manual", "infra_3": "no", "monitor_4": 0.5,
                          "monitor_5": 1, "data_6": 0},
    })
    manifest["sources"].append({"id": "vectors", "owner": "search", "type": "vector_index", "aliases": ["db.vec", ""],
                                "embedded_with": "embedder", "embedding_version": 2.5, "version": "2024-06",
                                "environment": "production", "declared": False, "language": "sql",
                                "known_issues": ["late rows"], "reads": ["embedder"]})
    manifest["features"].append({"id": "age", "owner": "data team", "reads": ["orders"], "importance": 0.25,
                                 "steps": 3, "legacy": True, "correlated_with": ["basket"], "unit": "years"})
    manifest["models"].append({"id": "embedder", "owner": "search", "threshold": 0.7, "outputs": ["t.scores"],
                               "input_importance": {"basket": 0.6, "age": 0.4}, "labels_from": ["mail"],
                               "exploration": True, "hosted": False, "deployment": "manual", "retraining": "never"})
    manifest["consumers"].append({"id": "queue", "reads": ["embedder"], "influences": ["orders"]})
    return manifest


def base_manifests():
    return [rich_manifest(), clean_manifest(), toy_manifest(measure=False), bench_audit().make_manifest(60, SEED)]


# Values a mutation puts in place of another (or adds): most break something somewhere.
CANDIDATES = [
    None, True, False, 0, 1, -1, 0.5, 1.5, 3.0, 2 ** 70, float("nan"), float("inf"), "", " x", "x ", "x", "ok name",
    "a\x00b", "a\x1bb", "a\nb", "a\x7fb", "a\x85b", "a\u2028b", "a\u00adb", "a\u200bb", "\xa0x", "x\u3000",
    "\ud800", "x" * 200, "x" * 201, "x" * 1001, "x" * 10001, [], [1], ["a"], [""], [None], ["a\x00"], {}, {"id": "x"},
    {"value": 0.5}, {"value": "high"}, {"value": 0.5, "set_by": "magic"}, "production", "prod", "no", "yes", "manual",
    "automated", "learned", Text("name"), Text(" name"), Number(1), [[]], {"a": 1}, {"a": 2}, {"a": "x"},
]
# (key, value) pairs that a mutation adds to a mapping, known keys with good and bad values.
KNOWN = [
    ("importance", 0.3), ("importance", 1.5), ("importance", -0.0), ("steps", 3), ("steps", 3.0), ("steps", 3.5),
    ("steps", True), ("steps", 1001), ("threshold", 0.7), ("threshold", {"value": 1, "scale": "p"}),
    ("threshold", {"set_by": "hand"}), ("threshold", {"value": 0.5, "set_by": "magic"}), ("threshold", "high"),
    ("input_importance", {"a": 0.2}), ("input_importance", {"a": 2}), ("input_importance", {"a": True}),
    ("input_importance", []), ("version", 3), ("version", None), ("version", [1]), ("environment", "prod"),
    ("environment", "staging"), ("values_seen", [1, "a", None, True]), ("values_seen", [[1]]),
    ("values_seen", [0] * 1001), ("default", {}), ("default", 2), ("lines", -1), ("lines", 10),
    ("aliases", ["a\nb"]), ("aliases", ["a b "]), ("aliases", ["x"] * 10001), ("outputs", ["x" * 1001]),
    ("outputs", [""]), ("monitoring", [""]), ("monitoring", ["a\u2028b"]), ("tests", ["x" * 1000]),
    ("embedded_with", " e"), ("embedded_with", "e"), ("data_1", "sometimes"), ("data_1", 0.25), ("data_1", 0.5),
    ("data_1", True), ("data_1", 1.0), ("manifest_version", 1), ("manifest_version", True), ("manifest_version", 2),
    ("reads", ["x"] * 100001), ("system", "y"), ("practices", {"deletion_rewarded": 1}), ("ml_test_score", []),
]


def positions(value, path=()):
    """Every (container, key or index, path) inside ``value``, at every depth."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield value, key, path + (key,)
        yield from positions(child, path + (key,))


def mutate(manifest, rng):
    """Change ``manifest`` in one small way; say how and where."""
    found = list(positions(manifest))
    parent, key, path = rng.choice(found)
    mappings = list({id(d): (d, p[:-1]) for d, _, p in found if isinstance(d, dict)}.values())
    kind = rng.choice(["replace", "replace", "text", "delete", "unknown", "known", "append", "long"])
    value = parent[key]
    if kind == "text" and isinstance(value, str) and value:
        at = rng.randrange(len(value) + 1)
        parent[key] = rng.choice([value[:at] + rng.choice("\x00\x1f\x7f\x9f\u2028\u2029\ud800\t\n\xad") + value[at:],
                                  " " + value, value + "\t", value * (201 // len(value) + 1), ""])
    elif kind == "delete":
        del parent[key]
    elif kind in ("unknown", "known"):
        target, path = rng.choice(mappings)
        name, new = ((rng.choice(["raeds", "ownr", "Id", "x", 1, None, "id " + "x" * 50]), "v") if kind == "unknown"
                     else rng.choice(KNOWN))
        target[name] = copy.deepcopy(new)
        path += (name,)
    elif kind == "append" and isinstance(value, list):
        value.insert(rng.randrange(len(value) + 1), copy.deepcopy(rng.choice(CANDIDATES)))
    elif kind == "long" and isinstance(value, list) and value and not isinstance(value[0], (dict, list)):
        n = rng.choice([1000, 1001, 10000, 10001, 100000, 100001])  # at and over each maxItems
        parent[key] = (value * n)[:n]
    else:
        parent[key] = copy.deepcopy(rng.choice(CANDIDATES))
        kind = "replace"
    return f"{kind} at {path}"


def test_the_bulk_test_passes_every_valid_base_manifest():
    for manifest in base_manifests():
        assert SLOW(manifest) is None
        assert FITS([manifest]), "the fast path would not be taken"
        assert FAST(manifest) is None


def test_the_fast_path_and_the_closures_agree_on_mutated_manifests():
    rng = random.Random(SEED)
    bases = base_manifests()
    verdicts = {"valid": 0, "invalid": 0, "valid but left to the closures": 0}
    for i in range(N_MUTATIONS):
        manifest = copy.deepcopy(bases[i % len(bases)])
        how = " then ".join(mutate(manifest, rng) for _ in range(1 + (rng.random() < 0.2)))
        slow = SLOW(manifest)
        assert FAST(manifest) == slow, how
        if FITS([manifest]):
            assert slow is None, f"the bulk test passed a manifest with a problem: {how}: {slow}"
            verdicts["valid"] += 1
        else:
            verdicts["invalid" if slow else "valid but left to the closures"] += 1
    assert verdicts["invalid"] > N_MUTATIONS // 3 and verdicts["valid"] > N_MUTATIONS // 20, verdicts


@pytest.mark.parametrize("where, value", [
    (("models", 0, "reads", 0), Text(" basket")), (("features", 0, "id"), Text("basket")),
    (("features", 0, "steps"), Number(3)), (("features", 0, "steps"), 3.0), (("manifest_version",), 1.0),
    (("manifest_version",), True), (("features", 0, "importance"), float("nan")),
    (("models", 0, "threshold"), {"value": float("inf")}), (("sources", 0, "id"), "orders\u00ad"),
])
def test_unusual_values_get_the_closures_verdict(where, value):
    manifest = rich_manifest()
    target = manifest
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    assert FAST(manifest) == SLOW(manifest)
    assert not FITS([manifest]) or SLOW(manifest) is None


def test_check_manifest_still_names_the_first_problem():
    manifest = bench_audit().make_manifest(200, SEED)
    last = len(manifest["models"]) - 1
    reads = manifest["models"][last]["reads"]
    reads[-1] = "feat\x1b1"
    with pytest.raises(CourseInputError) as error:
        check_manifest(manifest, "m.json")
    assert error.value.args[0] == (f"m.json: models[{last}].reads[{len(reads) - 1}]: text 'feat\\x1b1' holds the "
                                   "control character '\\x1b'; expected a plain name without control characters")


@pytest.mark.parametrize("index", [0, 1023, 1024, 2047, 2999])
def test_a_problem_in_any_slice_of_a_long_list_is_found(index):
    """The bulk test takes long lists 1,024 items at a time: a problem in any slice must stop it."""
    manifest = bench_audit().make_manifest(6000, SEED)
    assert len(manifest["features"]) == 3000 and FITS([manifest])
    reads = manifest["features"][index]["reads"]
    reads.append("src\u2028x")
    assert not FITS([manifest])
    message = ("text 'src\\u2028x' holds the control character '\\u2028'; "
               "expected a plain name without control characters")
    assert FAST(manifest) == SLOW(manifest) == (("features", index, "reads", len(reads) - 1), message)
