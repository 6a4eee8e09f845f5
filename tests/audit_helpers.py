"""Small builders shared by the audit tests: a clean system, and ways to spoil it."""

import copy
import importlib.util
from pathlib import Path

from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.detectors import detect
from mldebt_lessons.audit.manifest import manifest_from_data


def good_model(node_id, reads, consumers=(), owner="data team", **extra):
    model = {"id": node_id, "owner": owner, "reads": list(reads), "consumers": list(consumers),
             "monitoring": ["prediction_bias"], "tests": ["unit"],
             "threshold": {"value": 0.5, "set_by": "learned", "scale": "probability"},
             "retraining": "scheduled", "deployment": "automated", "seeded": True,
             "training_data_versioned": True, "framework": "scikit-learn"}
    model.update(extra)
    return model


def clean_manifest():
    """A small system with no debt the audit can see: every detector's control."""
    return {
        "system": "clean shop",
        "sources": [{"id": "orders", "owner": "data team", "tests": ["schema"], "monitoring": ["freshness"],
                     "pinned": True}],
        "features": [{"id": "basket", "owner": "data team", "reads": ["orders"], "type": "numeric",
                      "unit": "GBP", "tests": ["range"], "monitoring": ["distribution"], "pinned": True}],
        "models": [good_model("churn", ["basket"], ["mail"])],
        "consumers": [{"id": "mail", "owner": "marketing", "reads": ["churn"], "monitoring": ["action_limits"]}],
    }


def system_of(manifest):
    return manifest_from_data(copy.deepcopy(manifest), "test.yaml")


def patterns_in(manifest):
    return {f.pattern for f in detect(system_of(manifest))}


def findings_of(manifest, pattern):
    return [f for f in audit_system(system_of(manifest)).findings if f.pattern == pattern]


def bench_audit():
    """benchmarks/bench_audit.py as a module (its generator of large systems), without touching sys.path."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_audit.py"
    spec = importlib.util.spec_from_file_location("bench_audit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
