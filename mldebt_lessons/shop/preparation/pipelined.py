"""Larkspur's churn preparation as one scikit-learn ``Pipeline``: a ``ColumnTransformer``, then the model.

The pipeline is fitted on the rows it is given and on nothing else, and the very same fitted object
scores at serving time: there is no second copy of the preparation to drift from the first. Its
input is one matrix (:func:`as_matrix`, columns in :data:`COLUMNS` order, an object array because
numbers and device names sit side by side).

:class:`ModelScore` is the step Larkspur wrote to put a model trained on another model's score
(as ``fraud_model_es`` is) into one pipeline; with ``out_of_fold=False`` it hands the next step the
upstream model's scores on its own training rows.

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.preparation.data import prep_table
>>> world = build_world()
>>> table, y = prep_table(world), world.labels["churned"]
>>> pipe = make_pipeline(area=True).fit(as_matrix(table, world.train_rows), y[world.train_rows])
>>> [name for name, _, _ in pipe.named_steps["prepare"].transformers]
['numbers', 'device', 'area']
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from mldebt_lessons.shop.preparation.adhoc import N_PICKED
from mldebt_lessons.shop.preparation.data import AREA, CATEGORY, N_VENDOR, NUMERIC, vendor_names

COLUMNS = NUMERIC + (CATEGORY, AREA) + vendor_names()
_AT = {name: k for k, name in enumerate(COLUMNS)}


def as_matrix(table: dict, rows: np.ndarray) -> np.ndarray:
    """The rows of ``table`` as one object matrix, columns in :data:`COLUMNS` order."""
    out = np.empty((len(rows), len(COLUMNS)), dtype=object)
    for name in NUMERIC + (CATEGORY, AREA):
        out[:, _AT[name]] = table[name][rows]
    out[:, len(NUMERIC) + 2:] = table["vendor"][rows]
    return out


def make_pipeline(area: bool = False, vendor: bool = False,
                  random_state: int = 0) -> Pipeline:
    """The preparation and the churn model as one unfitted Pipeline.

    ``area`` adds the postcode area, target-encoded (TargetEncoder,
    which also cross-fits within the rows it is fitted on); ``vendor``
    adds the N_PICKED vendor columns that score best against churn
    (SelectKBest: the same order as the absolute correlation).
    """
    numbers = Pipeline([("fill", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler())])
    steps = [("numbers", numbers, [_AT[n] for n in NUMERIC]),
             ("device", OneHotEncoder(handle_unknown="ignore"),
              [_AT[CATEGORY]])]
    if area:
        folds = KFold(5, shuffle=True, random_state=random_state)
        encoder = TargetEncoder(target_type="binary", cv=folds)
        steps.append(("area", encoder, [_AT[AREA]]))
    if vendor:
        first = len(NUMERIC) + 2
        vendor_columns = list(range(first, first + N_VENDOR))
        steps.append(("vendor", SelectKBest(f_classif, k=N_PICKED),
                      vendor_columns))
    prepare = ColumnTransformer(steps, sparse_threshold=0.0)
    model = LogisticRegression(max_iter=1000)
    return Pipeline([("prepare", prepare), ("model", model)])


class ModelScore(TransformerMixin, BaseEstimator):
    """A pipeline step that fits ``model`` on its input and passes on its score, beside its input.

    ``out_of_fold=True``: while fitting, each training row gets the score of a copy of the model that
    never saw that row (``cross_val_predict``, ``cv`` folds); at serving, the model fitted on all rows
    scores. ``out_of_fold=False``: the model scores the very rows it was fitted on.
    """

    def __init__(self, model, out_of_fold: bool = True, cv: int = 3):
        self.model, self.out_of_fold, self.cv = model, out_of_fold, cv

    def fit(self, X, y):
        self.model_ = clone(self.model).fit(X, y)
        return self

    def transform(self, X):
        return np.column_stack([self.model_.predict_proba(X)[:, 1], X])

    def fit_transform(self, X, y=None, **fit_params):
        self.fit(X, y)
        if not self.out_of_fold:
            return self.transform(X)
        score = cross_val_predict(clone(self.model), X, y, cv=self.cv, method="predict_proba")[:, 1]
        return np.column_stack([score, X])
