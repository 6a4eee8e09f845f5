"""Larkspur's preparation for a churn model, written twice: by hand, and with scikit-learn's abstraction.

* :mod:`.data` -- what the preparation reads: the world's own raw columns plus two inputs the
  retention team was offered, built from new random streams (``[seed, 120]`` and ``[seed, 121]``):
  ``postcode_area``, one of 300 postcode areas (churn does not depend on it), and 200 columns of a
  marketing vendor's audience scores (``vendor_00`` ... ``vendor_199``: noise, as far as churn goes).
* :mod:`.adhoc` -- the preparation as it was first written: arrays and dicts passed between
  functions, every statistic computed by hand, and serving code that re-implements it.
* :mod:`.pipelined` -- the same preparation as one scikit-learn ``Pipeline`` with a
  ``ColumnTransformer``: fitted on the rows it is given, and the very same object scores at serving.

Both versions make the same churn scores when both are fitted on the training rows:

>>> import numpy as np
>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.preparation import adhoc, pipelined
>>> from mldebt_lessons.shop.preparation.data import prep_table
>>> world = build_world()
>>> table, y = prep_table(world), world.labels["churned"]
>>> by_hand = adhoc.train(table, y, world.train_rows, fit_rows=world.train_rows)
>>> pipe = pipelined.make_pipeline().fit(pipelined.as_matrix(table, world.train_rows), y[world.train_rows])
>>> a = adhoc.score(by_hand, table, world.test_rows)
>>> b = pipe.predict_proba(pipelined.as_matrix(table, world.test_rows))[:, 1]
>>> bool(np.abs(a - b).max() < 1e-6)
True
"""
