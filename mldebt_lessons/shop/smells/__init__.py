"""Larkspur's code that smells (Sculley et al. 2015, §5): real serving code, each piece with its fix.

* :mod:`~mldebt_lessons.shop.smells.thresholds`: the fraud hold rule, with the threshold as a plain float
  (a probability compared with log-odds) and with small types that carry their meaning;
* :mod:`~mldebt_lessons.shop.smells.orders`: the average basket computed in SQL (``sqlite3``) for training
  and again in numpy for serving;
* :mod:`~mldebt_lessons.shop.smells.sessions`: the session count from a notebook prototype that assumed user
  ids are row numbers, and the same count joined by id.
"""
