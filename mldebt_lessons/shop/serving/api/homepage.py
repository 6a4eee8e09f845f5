"""The homepage team's code: a discount banner for likely churners and the personalised carousel.

The banner needed churn scores at login, before the nightly batch had run, so the homepage team
fits its own copy of the churn model, through the same API as everyone else (the model store
hands back tonight's fit when one with the same settings is there).
"""

from . import mlapi

BANNER_THRESHOLD = 0.4  # a probability of churning
CAROUSEL_THRESHOLD = 0.5  # a probability of clicking


def banner(train, labels, users, categories, seed, store):
    """True for each user shown the discount banner."""
    churn = mlapi.fit("churn_model", train, labels["churn_model"], seed, categories, store)
    return mlapi.score(churn, users) >= BANNER_THRESHOLD


def carousel(models, users):
    """True for each user shown the personalised carousel."""
    return mlapi.score(models["recommender"], users) >= CAROUSEL_THRESHOLD
