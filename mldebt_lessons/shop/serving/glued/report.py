"""The weekly model report: what each model leans on most, for the teams that own them."""

import numpy as np

from .training import INPUTS


def top_inputs(models, categories):
    """For each model, the input with the largest summed weight over its columns."""
    churn = models["churn_model"]
    churn_weights = np.abs(churn[-1].coef_[0])
    fraud = models["fraud_model"]
    fraud_weights = fraud.feature_importances_
    recommender = models["recommender"]
    recommender_weights = np.abs(recommender[-1].coef_[0])
    weights = {"churn_model": churn_weights, "fraud_model": fraud_weights, "recommender": recommender_weights}
    tops = {}
    for model, per_column in weights.items():
        owners = [name for name in INPUTS[model] for _ in categories.get(name, [name])]
        totals = {name: float(np.sum([w for w, o in zip(per_column, owners) if o == name])) for name in INPUTS[model]}
        tops[model] = max(totals, key=totals.get)
    return tops
