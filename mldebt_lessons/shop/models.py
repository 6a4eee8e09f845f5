"""The shop's models, each a real scikit-learn estimator behind one small class.

Each model reads named features, turns them into a design matrix (numbers as they are,
categories one-hot), and makes a score and a decision that its consumers act on.
They are built differently on purpose, as real teams build them: the churn and
recommender models standardise their inputs, the LTV model is a ridge regression on raw
values, the fraud model is a gradient-boosted tree ensemble, and Spain's fraud model is a
small correction trained on top of the home fraud model's score (a correction cascade).

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> churn = world.models["churn_model"]
>>> churn.spec.inputs
('user_age', 'session_count', 'days_since_signup', 'device')
>>> bool(churn.decide(world.test_table)[:5].dtype == bool)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import DEFAULT_SEED, rows_of


@dataclass(frozen=True)
class ModelSpec:
    """What a model is for, what it reads, and how its score becomes a decision."""

    name: str
    owner: str
    purpose: str
    task: str  # "classify" or "regress"
    inputs: tuple[str, ...]
    label: str
    decision: str  # what a positive decision means, for people
    make_estimator: Callable[[int], object]
    threshold: float | None = None  # fixed score cut-off; None: top `top_share` of training scores
    top_share: float = 0.1
    market: str = "home"  # which users it is trained on and serves: "home" or the new market

    @property
    def kind(self) -> str:
        """The kind of estimator, in words: "standardised logistic regression", "ridge regression on raw values"..."""
        return ESTIMATOR_KINDS.get(self.make_estimator, "a scikit-learn estimator")

    def upstream_models(self) -> tuple[str, ...]:
        """The inputs that are other models' scores (a model trained on a model)."""
        return tuple(name for name in self.inputs if name in MODEL_SPECS_BY_NAME)


def _standardised_logistic(seed: int):
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))


def _raw_ridge(seed: int):
    return Ridge(alpha=30.0, random_state=seed)


def _boosted_trees(seed: int):
    return GradientBoostingClassifier(n_estimators=40, max_depth=2, learning_rate=0.2,
                                      subsample=1.0, random_state=seed)


ESTIMATOR_KINDS = {
    _standardised_logistic: "logistic regression on standardised inputs (rescaling an input changes nothing "
                            "once it is retrained)",
    _raw_ridge: "ridge regression on raw values (its penalty depends on each input's scale)",
    _boosted_trees: "gradient-boosted trees (split points, so only the order of an input's values matters)",
}

MODEL_SPECS = (
    ModelSpec("churn_model", "retention team", "who is about to stop shopping", "classify",
              ("user_age", "session_count", "days_since_signup", "device"), "churned",
              "send a win-back email", _standardised_logistic, threshold=0.5),
    ModelSpec("ltv_model", "loyalty team", "twelve-month spend of each customer", "regress",
              ("user_age", "avg_basket_value", "country"), "ltv",
              "invite to the VIP programme", _raw_ridge),
    ModelSpec("fraud_model", "payments team", "which accounts are fraudulent", "classify",
              ("user_age", "avg_basket_value", "days_since_signup", "device"), "fraud",
              "hold orders for manual review", _boosted_trees, threshold=0.15),
    ModelSpec("recommender", "homepage team", "who will click the homepage carousel", "classify",
              ("session_count", "device", "country"), "clicked",
              "show the personalised carousel", _standardised_logistic, threshold=0.5),
    # A correction cascade: Spain's fraud model learns a small correction on top of fraud_model's score.
    ModelSpec("fraud_model_es", "Spanish payments team", "which Spanish accounts are fraudulent", "classify",
              ("fraud_model", "avg_basket_value", "device"), "fraud",
              "hold Spanish orders for manual review", _standardised_logistic, threshold=0.15, market="ES"),
)
MODEL_SPECS_BY_NAME = {m.name: m for m in MODEL_SPECS}


def model_spec(name: str) -> ModelSpec:
    """Look up a model by name, with a one-line error naming the valid ones."""
    try:
        return MODEL_SPECS_BY_NAME[name]
    except KeyError:
        raise unknown_choice("model", name, MODEL_SPECS_BY_NAME) from None


def add_upstream_scores(table: dict[str, np.ndarray], models: dict[str, "ShopModel"],
                        inputs: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``table`` plus a column for each input that is another model's score, computed by ``models``.

    Upstream models are scored first, so chains of any depth work.
    """
    out = dict(table)
    for name in inputs:
        if name in MODEL_SPECS_BY_NAME and name not in out:
            upstream = models[name]
            out = add_upstream_scores(out, models, upstream.spec.inputs)
            out[name] = upstream.predict_score(out)
    return out


def design_matrix(table: dict[str, np.ndarray], inputs: tuple[str, ...],
                  categories: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Columns for ``inputs``: numeric as they are, categorical one-hot over known ``categories``.

    Returns the matrix and, for each column, the feature it came from. A category not seen in
    training gets all zeros, as it would in a real serving system.
    """
    columns, owners = [], []
    for name in inputs:
        if name in categories:
            for value in categories[name]:
                columns.append((table[name] == value).astype(float))
                owners.append(name)
        else:
            columns.append(np.asarray(table[name], dtype=float))
            owners.append(name)
    return np.column_stack(columns), owners


class ShopModel:
    """A fitted model of the shop, following scikit-learn's fit/predict conventions.

    >>> from mldebt_lessons.shop.world import build_world
    >>> w = build_world()
    >>> m = ShopModel(model_spec("recommender")).fit(w.train_table, w.labels["clicked"][w.train_rows])
    >>> bool(0 < m.predict_score(w.test_table).mean() < 1)
    True
    """

    def __init__(self, spec: ModelSpec, random_state: int = DEFAULT_SEED):
        self.spec = spec
        self.random_state = random_state

    def fit(self, table: dict[str, np.ndarray], y: np.ndarray, sample_weight: np.ndarray | None = None) -> "ShopModel":
        """Fit on ``table``; ``sample_weight`` (one weight per row) as scikit-learn's estimators take it."""
        self.categories_ = {name: np.unique(table[name]) for name in self.spec.inputs
                            if table[name].dtype.kind in "UO"}
        X, self.column_owners_ = design_matrix(table, self.spec.inputs, self.categories_)
        self.column_scale_ = X.std(axis=0)
        estimator = self.spec.make_estimator(self.random_state)
        weights = {}
        if sample_weight is not None:  # a pipeline takes it addressed to its last step
            last = estimator.steps[-1][0] + "__" if isinstance(estimator, Pipeline) else ""
            weights = {last + "sample_weight": sample_weight}
        self.estimator_ = estimator.fit(X, y, **weights)
        if self.spec.threshold is not None:
            self.threshold_ = self.spec.threshold
        else:
            self.threshold_ = float(np.quantile(self.predict_score(table), 1 - self.spec.top_share))
        return self

    def predict_score(self, table: dict[str, np.ndarray]) -> np.ndarray:
        """A probability for classifiers, a value in pounds for the LTV regression."""
        X, _ = design_matrix(table, self.spec.inputs, self.categories_)
        if self.spec.task == "classify":
            return self.estimator_.predict_proba(X)[:, 1]
        return self.estimator_.predict(X)

    def decide(self, table: dict[str, np.ndarray]) -> np.ndarray:
        """The decision consumers act on: score at or above the model's threshold."""
        return self.predict_score(table) >= self.threshold_

    def input_weights(self) -> dict[str, float]:
        """How much the model leans on each input, on a comparable scale.

        Linear models: absolute coefficient per standard deviation of the column, summed over
        a category's one-hot columns. Trees: impurity importances, summed the same way.
        """
        est = self.estimator_
        if hasattr(est, "feature_importances_"):
            per_column = est.feature_importances_
        else:
            last = est[-1] if hasattr(est, "steps") else est
            coef = np.ravel(last.coef_)
            scale = 1.0 if hasattr(est, "steps") else self.column_scale_
            per_column = np.abs(coef) * scale
        weights = dict.fromkeys(self.spec.inputs, 0.0)
        for owner, w in zip(self.column_owners_, per_column):
            weights[owner] += float(w)
        return weights


def quality(model: ShopModel, table: dict[str, np.ndarray], y: np.ndarray,
            truth: np.ndarray | None = None) -> tuple[str, float]:
    """The model's quality on held-out rows: AUC for classifiers; for LTV, the mean absolute error
    in pounds against the true expected spend (lower is better)."""
    score = model.predict_score(table)
    if model.spec.task == "classify":
        return "AUC", float(roc_auc_score(y, score))
    return "MAE vs truth (GBP)", float(mean_absolute_error(truth if truth is not None else y, score))


def model_report(world) -> str:
    """One line per model: owner, held-out quality in its own market, and how often it says yes."""
    lines = []
    for name, model in world.models.items():
        market = world.markets[model.spec.market]
        table = add_upstream_scores(rows_of(market.features, market.test_rows), world.models, model.spec.inputs)
        y = market.labels[model.spec.label][market.test_rows]
        truth = market.truth["ltv_mean"][market.test_rows] if "ltv_mean" in market.truth else None
        metric, value = quality(model, table, y, truth)
        shown = f"MAE £{value:.2f} (against the true spend)" if metric.startswith("MAE") else f"{metric} {value:.3f}"
        share = float(model.decide(table).mean())
        where = "" if model.spec.market == "home" else f", {model.spec.market} users"
        lines.append(f"{name:<14} ({model.spec.owner}{where}): {shown}; flags {share:.1%} of users "
                     f"(to {model.spec.decision})")
    return "\n".join(lines)
