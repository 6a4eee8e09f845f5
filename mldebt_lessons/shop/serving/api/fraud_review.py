"""The payments team's review desk: hold risky orders, and tell the reviewer what the model looked at."""

from . import mlapi

HOLD_THRESHOLD = 0.15  # a probability of fraud


def held_orders(models, users):
    """True for each user whose orders are held for a person to check."""
    return mlapi.score(models["fraud_model"], users) >= HOLD_THRESHOLD


def reviewer_note(models):
    """The input the fraud model leans on most, shown to reviewers beside each held order."""
    return mlapi.top_input(models["fraud_model"])
