"""Nightly training: build each model's estimator and fit it on the training users."""

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mldebt_lessons.shop.models import design_matrix

INPUTS = {
    "churn_model": ("user_age", "session_count", "days_since_signup", "device"),
    "fraud_model": ("user_age", "avg_basket_value", "days_since_signup", "device"),
    "recommender": ("session_count", "device", "country"),
}
LABELS = {"churn_model": "churned", "fraud_model": "fraud", "recommender": "clicked"}


def categories_of(table):
    """The values of each text column, as seen in training (one-hot columns follow them)."""
    return {name: np.unique(column) for name, column in table.items() if column.dtype.kind in "UO"}


def matrix(table, model, categories):
    """The design matrix of ``model`` for the users in ``table``."""
    return design_matrix(table, INPUTS[model], categories)[0]


def settings_of(estimator):
    """An estimator's family and exact settings, step by step for a pipeline: the model store's key."""
    if hasattr(estimator, "steps"):
        return tuple(settings_of(step) for _, step in estimator.steps)
    return (type(estimator).__name__, tuple(sorted(estimator.get_params(deep=False).items())))


def model_store(world):
    """Tonight's model store: the models the shop trained, each under its name and exact settings."""
    return {(name, settings_of(world.models[name].spec.make_estimator(world.seed))): world.models[name].estimator_
            for name in LABELS}


def fit_or_reuse(store, name, estimator, X, y):
    """Fit ``estimator``, unless the store already holds tonight's fit of this model with these settings."""
    key = (name, settings_of(estimator))
    if key not in store:
        store[key] = estimator.fit(X, y)
    return store[key]


def fit_models(train, labels, seed, store):
    """Fit the three classifiers; return them with the categories their columns were built from."""
    categories = categories_of(train)
    churn = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))
    churn = fit_or_reuse(store, "churn_model", churn, matrix(train, "churn_model", categories), labels["churn_model"])
    fraud = GradientBoostingClassifier(n_estimators=40, max_depth=2, learning_rate=0.2, random_state=seed)
    fraud = fit_or_reuse(store, "fraud_model", fraud, matrix(train, "fraud_model", categories), labels["fraud_model"])
    recommender = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))
    recommender = fit_or_reuse(store, "recommender", recommender, matrix(train, "recommender", categories),
                               labels["recommender"])
    models = {"churn_model": churn, "fraud_model": fraud, "recommender": recommender}
    return models, categories
