"""The homepage team's code: a discount banner for likely churners and the personalised carousel.

The banner needed churn scores at login, before the nightly batch had run, so the homepage team
fits its own copy of the churn model, built the way the retention team builds theirs (the model
store hands back tonight's fit when one with the same settings is there).
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .training import fit_or_reuse, matrix

BANNER_THRESHOLD = 0.4  # a probability of churning
CAROUSEL_THRESHOLD = 0.5  # a probability of clicking


def banner(train, labels, users, categories, seed, store):
    """True for each user shown the discount banner."""
    churn = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))
    churn = fit_or_reuse(store, "churn_model", churn, matrix(train, "churn_model", categories), labels["churn_model"])
    return churn.predict_proba(matrix(users, "churn_model", categories))[:, 1] >= BANNER_THRESHOLD


def carousel(models, users, categories):
    """True for each user shown the personalised carousel."""
    recommender = models["recommender"]
    return recommender.predict_proba(matrix(users, "recommender", categories))[:, 1] >= CAROUSEL_THRESHOLD
