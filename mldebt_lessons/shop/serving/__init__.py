"""Larkspur's serving code, in two real versions that make the same decisions.

``glued``: the code as it grew. Every job that needed a model called scikit-learn where it stood:
the nightly training builds the estimators, the homepage fits its own copy of the churn model for
its banner, the fraud review desk and the weekly report read ``coef_`` or ``feature_importances_``
to explain a model. ``api``: the same jobs, each going through one small module (``mlapi``: fit,
score, explain) that is the only place scikit-learn is named.

Both versions serve the same models (churn_model, fraud_model, recommender, as
:mod:`mldebt_lessons.shop.models` builds them) with the same thresholds; ``serve(world)`` returns
each consumer's decisions and each model's top reason (each version's ``system.serve``).

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.serving.api.system import serve as api_serve
>>> from mldebt_lessons.shop.serving.glued.system import serve as glued_serve
>>> world = build_world()
>>> a, b = glued_serve(world), api_serve(world)
>>> sorted(a["decisions"]) == sorted(b["decisions"]) and a["reasons"] == b["reasons"]
True
"""

from __future__ import annotations

from pathlib import Path

VERSIONS = ("glued", "api")
HERE = Path(__file__).parent


def source_files(version: str) -> dict[str, str]:
    """The Python files of one version, {file name: source}, in name order."""
    if version not in VERSIONS:
        from mldebt_lessons.errors import unknown_choice
        raise unknown_choice("version", version, VERSIONS)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((HERE / version).glob("*.py"))}
