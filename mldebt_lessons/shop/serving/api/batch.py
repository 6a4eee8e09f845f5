"""The nightly batch: score every user with every model and store the scores in the shop's database."""

import sqlite3

from . import mlapi


def score_all(models, users):
    """A database with a ``scores`` table: one row per model and user, the probability of a yes."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE scores (model TEXT, user INTEGER, score REAL)")
    for name, fitted in models.items():
        probability = mlapi.score(fitted, users)
        db.executemany("INSERT INTO scores VALUES (?, ?, ?)",
                       [(name, user, float(p)) for user, p in enumerate(probability)])
    db.commit()
    return db
