"""The one place Larkspur's serving code names scikit-learn: fit, score and explain any model.

A family is how to build an estimator and how to read, from a fitted one, how much it leans on
each column. Each model names its family once, in ``MODEL_FAMILY``; scores are always the
probability of a yes, whatever the family.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mldebt_lessons.shop.models import design_matrix


@dataclass(frozen=True)
class Family:
    """How to build an estimator of one family, and how to read its weight on each column."""

    make: Callable[[int], object]
    column_weights: Callable[[object], np.ndarray]


def _logistic(seed):
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))


def _boosted_trees(seed):
    return GradientBoostingClassifier(n_estimators=40, max_depth=2, learning_rate=0.2, random_state=seed)


FAMILIES = {
    "logistic regression": Family(_logistic, lambda estimator: np.abs(estimator[-1].coef_[0])),
    "boosted trees": Family(_boosted_trees, lambda estimator: estimator.feature_importances_),
}
MODEL_FAMILY = {
    "churn_model": "logistic regression",
    "fraud_model": "boosted trees",
    "recommender": "logistic regression",
}
INPUTS = {
    "churn_model": ("user_age", "session_count", "days_since_signup", "device"),
    "fraud_model": ("user_age", "avg_basket_value", "days_since_signup", "device"),
    "recommender": ("session_count", "device", "country"),
}


@dataclass
class Fitted:
    """A fitted model: its name, estimator, family, and the categories its columns were built from."""

    model: str
    estimator: object
    family: Family
    categories: dict


def categories_of(table):
    """The values of each text column, as seen in training (one-hot columns follow them)."""
    return {name: np.unique(column) for name, column in table.items() if column.dtype.kind in "UO"}


def _matrix(table, model, categories):
    return design_matrix(table, INPUTS[model], categories)[0]


def settings_of(estimator):
    """An estimator's family and exact settings, step by step for a pipeline: the model store's key."""
    if hasattr(estimator, "steps"):
        return tuple(settings_of(step) for _, step in estimator.steps)
    return (type(estimator).__name__, tuple(sorted(estimator.get_params(deep=False).items())))


def fit(model, train, y, seed, categories, store):
    """Build ``model``'s estimator from its family and fit it on the users in ``train``, unless the
    model store already holds tonight's fit of this model with these settings."""
    family = FAMILIES[MODEL_FAMILY[model]]
    estimator = family.make(seed)
    key = (model, settings_of(estimator))
    if key not in store:
        store[key] = estimator.fit(_matrix(train, model, categories), y)
    return Fitted(model, store[key], family, categories)


def score(fitted, users):
    """The probability of a yes for each user."""
    return fitted.estimator.predict_proba(_matrix(users, fitted.model, fitted.categories))[:, 1]


def explain(fitted):
    """How much the model leans on each of its inputs: its columns' weights, summed per input."""
    per_column = fitted.family.column_weights(fitted.estimator)
    owners = [name for name in INPUTS[fitted.model] for _ in fitted.categories.get(name, [name])]
    return {name: float(np.sum([w for w, o in zip(per_column, owners) if o == name]))
            for name in INPUTS[fitted.model]}


def top_input(fitted):
    """The input the model leans on most."""
    weights = explain(fitted)
    return max(weights, key=weights.get)
