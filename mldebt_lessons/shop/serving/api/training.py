"""Nightly training: fit each model through the common API."""

from . import mlapi

LABELS = {"churn_model": "churned", "fraud_model": "fraud", "recommender": "clicked"}


def model_store(world):
    """Tonight's model store: the models the shop trained, each under its name and exact settings."""
    return {(name, mlapi.settings_of(world.models[name].spec.make_estimator(world.seed))): world.models[name].estimator_
            for name in LABELS}


def fit_models(train, labels, seed, store):
    """Fit the three classifiers."""
    categories = mlapi.categories_of(train)
    return {name: mlapi.fit(name, train, labels[name], seed, categories, store) for name in LABELS}
