"""The marketing team's win-back email: read tonight's churn scores, mail the likely churners."""

import numpy as np

EMAIL_THRESHOLD = 0.5  # a probability of churning


def email_list(db):
    """True for each user who gets the win-back email."""
    rows = db.execute("SELECT score FROM scores WHERE model = 'churn_model' ORDER BY user").fetchall()
    return np.array([score for (score,) in rows]) >= EMAIL_THRESHOLD
