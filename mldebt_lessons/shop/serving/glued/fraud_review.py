"""The payments team's review desk: hold risky orders, and tell the reviewer what the model looked at."""

import numpy as np

from .training import INPUTS, matrix

HOLD_THRESHOLD = 0.15  # a probability of fraud


def held_orders(models, users, categories):
    """True for each user whose orders are held for a person to check."""
    fraud = models["fraud_model"]
    return fraud.predict_proba(matrix(users, "fraud_model", categories))[:, 1] >= HOLD_THRESHOLD


def reviewer_note(models, train, categories):
    """The input the fraud model leans on most, shown to reviewers beside each held order."""
    fraud = models["fraud_model"]
    fraud_weights = fraud.feature_importances_
    columns = matrix(train, "fraud_model", categories).shape[1]
    assert len(fraud_weights) == columns
    owners = [name for name in INPUTS["fraud_model"] for _ in categories.get(name, [name])]
    totals = {name: float(np.sum([w for w, o in zip(fraud_weights, owners) if o == name]))
              for name in INPUTS["fraud_model"]}
    return max(totals, key=totals.get)
