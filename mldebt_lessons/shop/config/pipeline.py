"""Larkspur's training and serving pipeline, driven by a config: real refits of the shop's models.

The pipeline is lenient, as many are: it takes any config that loads. A feature name it does not
know is skipped, a hyper-parameter the estimator does not take is ignored, and the threshold is
used as written. :func:`plan_from_config` records what it will really do; :func:`fit_plan` fits the
model on the logged rows of the config's window and serves it on today's held-out rows.

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.config import load_config
>>> plan = plan_from_config(load_config("fraud_model"))
>>> plan.features, plan.window_days, plan.threshold
(('user_age', 'avg_basket_value', 'days_since_signup', 'device'), 120, 0.15)
>>> fitted = fit_plan(build_world(), plan)
>>> 0.5 < fitted.quality < 1, fitted.decisions.dtype == bool
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.shop.config.history import DAYS, FEATURE_FACTS, logged_table, row_days, serving_table
from mldebt_lessons.shop.models import MODEL_SPECS_BY_NAME, ShopModel

REFIT_MODELS = ("churn_model", "fraud_model", "recommender", "ltv_model")  # home-market models the pipeline refits
FAMILY = {"churn_model": "logistic", "recommender": "logistic", "fraud_model_es": "logistic",
          "fraud_model": "trees", "ltv_model": "ridge"}
# Each estimator family's hyper-parameters, their defaults, and the range that makes sense.
HYPER = {
    "logistic": {"C": (1.0, 1e-4, 1e4)},
    "trees": {"n_estimators": (40, 1, 500), "max_depth": (2, 1, 8), "learning_rate": (0.2, 1e-3, 1.0)},
    "ridge": {"alpha": (30.0, 0.0, 1e6)},
}
MIN_ROWS = 50  # fewer training rows than this and the pipeline refuses to fit


def _logistic(seed: int, C: float = 1.0):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000, random_state=seed))


def _trees(seed: int, n_estimators: int = 40, max_depth: int = 2, learning_rate: float = 0.2):
    return GradientBoostingClassifier(n_estimators=int(n_estimators), max_depth=int(max_depth),
                                      learning_rate=learning_rate, subsample=1.0, random_state=seed)


def _ridge(seed: int, alpha: float = 30.0):
    return Ridge(alpha=alpha, random_state=seed)


FACTORIES = {"logistic": _logistic, "trees": _trees, "ridge": _ridge}


@dataclass(frozen=True)
class Plan:
    """What the pipeline will really do with a config (hashable, so fits can be cached)."""

    model: str
    features: tuple[str, ...]
    window_days: int
    exclude_days: tuple[tuple[int, int], ...]
    versions: tuple[tuple[str, int], ...]
    serve_with: tuple[tuple[str, str], ...]
    hyper: tuple[tuple[str, float], ...]
    threshold: float | None
    top_share: float
    ignored: tuple[str, ...] = ()  # what the config said that the pipeline skipped, in words


@dataclass(frozen=True)
class Fitted:
    """A model refitted from a plan, and what it does on today's held-out rows."""

    plan: Plan
    model: ShopModel
    scores: np.ndarray
    decisions: np.ndarray
    quality: float  # AUC for classifiers; MAE in pounds against the true spend for ltv_model
    metric: str
    train_rows: int


def plan_from_config(config: dict) -> Plan:
    """What the lenient pipeline does with a resolved config."""
    model = config.get("model")
    if model not in REFIT_MODELS:
        raise unknown_choice("model to refit", model, REFIT_MODELS)
    family = FAMILY[model]
    ignored = []
    features = []
    for name in config.get("features", []):
        if name in FEATURE_FACTS and name not in features:
            features.append(name)
        elif name not in FEATURE_FACTS:
            ignored.append(f"unknown feature {name}")
    hyper = {}
    for name, value in config.get("hyper", {}).items():
        if name in HYPER[family]:
            hyper[name] = value
        else:
            ignored.append(f"hyper-parameter {name}")
    serve_with = {k: v for k, v in config.get("serve_with", {}).items() if v in FEATURE_FACTS}
    spec = MODEL_SPECS_BY_NAME[model]
    threshold = config.get("threshold", spec.threshold if spec.threshold is not None else None)
    return Plan(model, tuple(features), int(config.get("window_days", DAYS)),
                tuple(tuple(p) for p in config.get("exclude_days", [])),
                tuple(sorted(config.get("feature_versions", {}).items())), tuple(sorted(serve_with.items())),
                tuple(sorted(hyper.items())), None if threshold is None else float(threshold),
                float(config.get("top_share", spec.top_share)), tuple(ignored))


def training_rows(world, plan: Plan) -> np.ndarray:
    """The home training rows logged inside the plan's window and outside its excluded days."""
    days = row_days(world)[world.train_rows]
    keep = days >= DAYS - plan.window_days
    for first, last in plan.exclude_days:
        keep &= ~((days >= first) & (days <= last))
    return world.train_rows[keep]


@functools.lru_cache(maxsize=256)
def fit_plan(world, plan: Plan) -> Fitted:
    """Refit the plan's model on its logged training rows (missing values filled with 0, as the pipeline
    does) and serve it today's held-out rows. Cached per world and plan."""
    if not plan.features:
        raise CourseInputError(f"{plan.model}'s config leaves it no feature it knows; nothing to fit")
    rows = training_rows(world, plan)
    if len(rows) < MIN_ROWS:
        raise CourseInputError(f"{plan.model}'s window and excluded days leave {len(rows)} training rows; "
                               f"the pipeline needs at least {MIN_ROWS}")
    model = _fitted_model(world, plan.model, plan.features, plan.window_days, plan.exclude_days, plan.hyper,
                          plan.top_share)
    base = MODEL_SPECS_BY_NAME[plan.model]
    served = serving_table(world, dict(plan.versions), dict(plan.serve_with))
    test = {name: served[name][world.test_rows] for name in plan.features}
    scores = model.predict_score(test)
    if base.task == "classify":
        metric, quality = "AUC", float(roc_auc_score(world.labels[base.label][world.test_rows], scores))
    else:
        metric = "MAE (GBP)"
        quality = float(mean_absolute_error(world.truth["ltv_mean"][world.test_rows], scores))
    threshold = model.threshold_ if plan.threshold is None else plan.threshold
    return Fitted(plan, model, scores, scores >= threshold, quality, metric, len(rows))


@functools.lru_cache(maxsize=128)
def _fitted_model(world, name, features, window_days, exclude_days, hyper, top_share) -> ShopModel:
    # Only what training depends on is in the key: plans that differ only in serving share one fit.
    base = MODEL_SPECS_BY_NAME[name]
    factory = functools.partial(FACTORIES[FAMILY[name]], **dict(hyper))
    spec = replace(base, inputs=features, make_estimator=factory, threshold=None, top_share=top_share)
    rows = training_rows(world, Plan(name, features, window_days, exclude_days, (), (), hyper, None, top_share))
    logged = logged_table(world)
    train = {feature: _filled(logged[feature][rows]) for feature in features}
    return ShopModel(spec, random_state=world.seed).fit(train, world.labels[base.label][rows])


def _filled(column: np.ndarray) -> np.ndarray:
    if column.dtype.kind == "f":
        return np.where(np.isnan(column), 0.0, column)
    return column


def fit_config(world, config: dict) -> Fitted:
    """Plan and fit a resolved config in one call."""
    return fit_plan(world, plan_from_config(config))
