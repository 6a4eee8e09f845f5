"""Larkspur, the toy shop every lesson zooms into: its data, features, models, graph and access log.

``data`` (raw data and the ground truth), ``features`` (the feature layer and the changes a team
might ship), ``models`` (real scikit-learn models), ``graph`` (what feeds what), ``world``
(all of it built once per seed) and ``lineage`` (who read what, as OpenLineage events).

>>> from mldebt_lessons.shop.world import build_world
>>> build_world().company
'Larkspur'
"""
