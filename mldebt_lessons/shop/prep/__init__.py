"""Larkspur's feature preparation, in two versions that make the same features.

* :mod:`.raw` -- the three raw sources as the shop's systems export them (tables with one row per
  account version, per page view, per order), built from the world's own data.
* :mod:`.jungle` -- the preparation as it grew: scripts added one at a time by different people,
  reading and writing CSV files in a folder, with no tests; the whole script runs on any change.
* :mod:`.dag` -- the same features rebuilt from a clean slate: a small graph of typed steps, each
  declaring what it reads and writes and checking what it writes; a step runs only when what it
  reads (or its own code) changed.

Both write their intermediate files into a temporary folder that is removed when the run ends.

>>> from mldebt_lessons.shop.world import build_world
>>> from mldebt_lessons.shop.prep.jungle import run_jungle
>>> world = build_world()
>>> run = run_jungle(raw_sources(world))
>>> all((run.features[name] == world.features[name]).all() for name in world.features)
True
"""

from mldebt_lessons.shop.prep.raw import raw_sources

__all__ = ["raw_sources"]
