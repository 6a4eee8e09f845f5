"""What lesson 12 measures: the bugs an abstraction prevents, and one it does not, on Larkspur's real code.

Larkspur's churn preparation exists twice (:mod:`mldebt_lessons.shop.preparation`): as hand-written
code passing arrays and dicts (:mod:`~mldebt_lessons.shop.preparation.adhoc`), and as one
scikit-learn ``Pipeline`` (:mod:`~mldebt_lessons.shop.preparation.pipelined`). Every measurement
uses the world's own split: the model is trained on the training rows and judged on the held-out
rows (the *validation* rows; at serving time, the same rows arrive as users to score).

* **Leaks** (:data:`LEAKS`): the hand-written code computes a step's statistics on every row, then
  splits; the pipeline is fitted on the training rows only, by construction. Inflation: the ad hoc
  version's validation AUC minus the pipeline's.
* **Skews** (:data:`SKEWS`): the serving team re-implements the preparation by hand; flipped: the
  share of served users whose decision differs from the one validation promised.
* **Stacking** (:func:`stacking`): a model trained on another model's score, in one pipeline.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> leak(world, "feature selection").inflation > 0.005
True
>>> skew(world, "category order").pipeline_flipped
0.0
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.preparation import adhoc
from mldebt_lessons.shop.preparation.data import CATEGORY, NUMERIC, THRESHOLD, prep_table
from mldebt_lessons.shop.preparation.pipelined import COLUMNS, ModelScore, as_matrix, make_pipeline

LEAKS = {
    "scaler and imputer": "median fill and standardising, computed on every row before the split",
    "target encoding": "each postcode area's churn rate, computed on every row (validation labels included)",
    "feature selection": "10 of 200 vendor columns, picked by their correlation with churn on every row",
}
LEAK_INPUTS = {"scaler and imputer": {}, "target encoding": {"area": True}, "feature selection": {"vendor": True}}
SKEWS = {name: text for name, text in adhoc.SERVING_RECODES.items() if name != "as trained"}
BUGS = {**LEAKS, **SKEWS}
VERSIONS = ("ad hoc", "Pipeline")


def check_bug(bug: str) -> None:
    """Raise a one-line error naming the bugs, if ``bug`` is not one of them."""
    if bug not in BUGS:
        raise unknown_choice("bug", bug, BUGS)


def _one_thread(function):
    """Run ``function`` on one thread: these small models fit faster so, and the same on every machine."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with threadpool_limits(1):
            return function(*args, **kwargs)
    return wrapped


def _y(world) -> np.ndarray:
    return world.labels["churned"]


def matrices(world) -> tuple[np.ndarray, np.ndarray]:
    """The training and validation rows as the Pipeline reads them (:func:`as_matrix`), made once per world."""
    return _matrices(world.seed, world)


@functools.lru_cache(maxsize=8)
def _matrices(seed, world):
    table = prep_table(world)
    return as_matrix(table, world.train_rows), as_matrix(table, world.test_rows)


@dataclass(frozen=True)
class Leak:
    """One leak measured: validation AUCs of the two versions, and the inflation."""

    name: str
    adhoc_auc: float  # the step fitted on every row, then the model on the training rows
    pipeline_auc: float  # the Pipeline fitted on the training rows only
    fitted_rows: int  # rows the ad hoc step was fitted on
    training_rows: int

    @property
    def inflation(self) -> float:
        return self.adhoc_auc - self.pipeline_auc


@_one_thread
def adhoc_auc(world, leak_name: str, fit_rows: np.ndarray | None = None) -> float:
    """Validation AUC of the hand-written version, its statistics computed on ``fit_rows`` (all rows if None)."""
    table, y = prep_table(world), _y(world)
    rows = np.arange(len(y)) if fit_rows is None else fit_rows
    model = adhoc.train(table, y, world.train_rows, fit_rows=rows, **LEAK_INPUTS[leak_name])
    return float(roc_auc_score(y[world.test_rows], adhoc.score(model, table, world.test_rows)))


def fitted_pipeline(world, leak_name: str = "scaler and imputer"):
    """The Pipeline for ``leak_name``'s inputs, fitted on the world's training rows."""
    return _fitted_pipeline(world.seed, leak_name, world)


@functools.lru_cache(maxsize=64)
@_one_thread
def _fitted_pipeline(seed, leak_name, world):
    pipe = make_pipeline(random_state=seed, **LEAK_INPUTS[leak_name])
    return pipe.fit(matrices(world)[0], _y(world)[world.train_rows])


def pipeline_auc(world, pipe) -> float:
    """Validation AUC of a fitted pipeline (anything with ``predict_proba`` on :func:`as_matrix` rows)."""
    return float(roc_auc_score(_y(world)[world.test_rows], pipe.predict_proba(matrices(world)[1])[:, 1]))


@functools.lru_cache(maxsize=64)
@_one_thread
def _leak(seed: int, name: str, world) -> Leak:
    return Leak(name, adhoc_auc(world, name), pipeline_auc(world, fitted_pipeline(world, name)),
                len(_y(world)), len(world.train_rows))


def leak(world, name: str) -> Leak:
    """Leak ``name`` measured in ``world``."""
    if name not in LEAKS:
        raise unknown_choice("leak", name, LEAKS)
    return _leak(world.seed, name, world)


@_one_thread
def cross_validated_auc(world, make, folds: int = 5) -> float:
    """The mean AUC of ``make()`` (an unfitted pipeline) over ``folds`` folds of the training rows only."""
    X, yt = matrices(world)[0], _y(world)[world.train_rows]
    split = StratifiedKFold(folds, shuffle=True, random_state=int(world.seed))
    return float(cross_val_score(make(), X, yt, cv=split, scoring="roc_auc").mean())


@dataclass(frozen=True)
class Skew:
    """One serving re-implementation measured on the validation rows, served in batches."""

    name: str
    adhoc_flipped: float  # share of served users whose decision differs from validation's
    pipeline_flipped: float  # the same, when the fitted Pipeline itself serves
    served: int


@functools.lru_cache(maxsize=8)
@_one_thread
def _serving(seed: int, world):
    """The hand-written model (fitted on the training rows), its validation decisions, and the Pipeline's
    flips when it serves the same rows in batches."""
    table, y, rows = prep_table(world), _y(world), world.test_rows
    model = adhoc.train(table, y, world.train_rows, fit_rows=world.train_rows)
    promised = adhoc.score(model, table, rows) >= THRESHOLD
    pipe, X = fitted_pipeline(world), matrices(world)[1]
    validated = pipe.predict_proba(X)[:, 1] >= THRESHOLD
    batches = np.concatenate([pipe.predict_proba(X[k:k + adhoc.BATCH])[:, 1]
                              for k in range(0, len(rows), adhoc.BATCH)]) >= THRESHOLD
    return model, promised, float((validated != batches).mean())


@functools.lru_cache(maxsize=64)
@_one_thread
def _skew(seed: int, name: str, world) -> Skew:
    model, promised, pipeline_flipped = _serving(seed, world)
    served = adhoc.serve_by_hand(model, prep_table(world), world.test_rows, recode=name) >= THRESHOLD
    return Skew(name, float((promised != served).mean()), pipeline_flipped, len(world.test_rows))


@_one_thread
def served_flips(world, name: str, batch_size: int = adhoc.BATCH) -> float:
    """Share of validation users whose decision flips when serving re-implementation ``name`` scores them
    ``batch_size`` at a time."""
    if name not in SKEWS:
        raise unknown_choice("serving re-implementation", name, SKEWS)
    model, promised, _ = _serving(world.seed, world)
    served = adhoc.serve_by_hand(model, prep_table(world), world.test_rows, recode=name, batch_size=int(batch_size))
    return float((promised != (served >= THRESHOLD)).mean())


def skew(world, name: str) -> Skew:
    """Serving re-implementation ``name`` measured in ``world``."""
    if name not in SKEWS:
        raise unknown_choice("serving re-implementation", name, SKEWS)
    return _skew(world.seed, name, world)


@_one_thread
def versions_agree(world) -> float:
    """The largest difference between the two versions' churn scores, both fitted on the training rows."""
    model = _serving(world.seed, world)[0]
    a = adhoc.score(model, prep_table(world), world.test_rows)
    b = fitted_pipeline(world).predict_proba(matrices(world)[1])[:, 1]
    return float(np.abs(a - b).max())


# -- where the abstraction runs out: a model trained on another model's score -----------------------------

def stacked_pipeline(out_of_fold: bool, seed: int = 0) -> Pipeline:
    """Churn prepared, a tree model's churn score added (:class:`ModelScore`), then a logistic regression
    on the score and the prepared inputs: a two-model cascade, as ``fraud_model_es`` is, in one Pipeline."""
    numbers = [COLUMNS.index(n) for n in NUMERIC]
    prepare = ColumnTransformer([
        ("numbers", Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numbers),
        ("device", OneHotEncoder(handle_unknown="ignore"), [COLUMNS.index(CATEGORY)])], sparse_threshold=0.0)
    upstream = DecisionTreeClassifier(min_samples_leaf=20, random_state=seed)
    return Pipeline([("prepare", prepare), ("upstream", ModelScore(upstream, out_of_fold=out_of_fold)),
                     ("model", LogisticRegression(max_iter=1000))])


@dataclass(frozen=True)
class Stacking:
    """The cascade fitted both ways, judged on the validation rows."""

    weight_in_sample: float  # the downstream model's coefficient on the upstream score
    weight_out_of_fold: float
    log_loss_in_sample: float
    log_loss_out_of_fold: float
    auc_in_sample: float
    auc_out_of_fold: float
    flipped: float  # share of validation users whose decision differs between the two

    @property
    def weight_ratio(self) -> float:
        return self.weight_in_sample / self.weight_out_of_fold


@functools.lru_cache(maxsize=32)
@_one_thread
def _stacking(seed: int, world) -> Stacking:
    y = _y(world)
    X, Xv = matrices(world)
    yt, yv = y[world.train_rows], y[world.test_rows]
    out = {}
    for oof in (False, True):
        pipe = stacked_pipeline(oof, seed).fit(X, yt)
        p = pipe.predict_proba(Xv)[:, 1]
        out[oof] = (float(pipe.named_steps["model"].coef_[0][0]), float(log_loss(yv, p)),
                    float(roc_auc_score(yv, p)), p >= THRESHOLD)
    (wi, li, ai, di), (wo, lo, ao, do) = out[False], out[True]
    return Stacking(wi, wo, li, lo, ai, ao, float((di != do).mean()))


def stacking(world) -> Stacking:
    """The two-model cascade measured in ``world``: upstream scores in-sample, and out of fold."""
    return _stacking(world.seed, world)
