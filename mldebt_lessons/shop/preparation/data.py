"""What Larkspur's churn preparation reads: the world's raw columns, and two offered inputs.

The raw columns are the world's own (``user_age`` and ``avg_basket_value`` have blanks). Two more
inputs come from new random streams, so nothing else in the world changes:

* ``postcode_area`` (stream ``[seed, 120]``): one of :data:`N_AREAS` areas, about ten users each.
  The ground truth of churn does not read it: any churn rate per area is chance.
* ``vendor_00`` ... (stream ``[seed, 121]``): :data:`N_VENDOR` audience scores bought from a
  marketing vendor, independent of everything (noise, as far as churn goes).

>>> from mldebt_lessons.shop.world import build_world
>>> table = prep_table(build_world())
>>> len(table["postcode_area"]), len(vendor_names()), NUMERIC[0]
(3000, 200, 'user_age')
"""

from __future__ import annotations

import functools

import numpy as np

NUMERIC = ("user_age", "session_count", "days_since_signup", "avg_basket_value")
CATEGORY = "device"
AREA = "postcode_area"
N_AREAS = 300
N_VENDOR = 200
AREA_STREAM, VENDOR_STREAM = 120, 121  # np.random.default_rng([world.seed, K])
THRESHOLD = 0.5  # the churn decision: send the win-back email at a score of 0.5 or more


def vendor_names() -> tuple[str, ...]:
    return tuple(f"vendor_{k:02d}" for k in range(N_VENDOR))


@functools.lru_cache(maxsize=8)
def _extras(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    areas = np.random.default_rng([seed, AREA_STREAM]).integers(0, N_AREAS, n)
    vendor = np.random.default_rng([seed, VENDOR_STREAM]).standard_normal((n, N_VENDOR))
    return np.array([f"A{a:03d}" for a in areas]), vendor


def prep_table(world) -> dict[str, np.ndarray]:
    """The columns the preparation reads, one row per user of the home market (read-only arrays).

    ``vendor`` is one matrix (users x :data:`N_VENDOR`), its columns named by :func:`vendor_names`.
    """
    areas, vendor = _extras(int(world.seed), len(world.raw["user_age"]))
    table = {name: world.raw[name] for name in NUMERIC}
    table[CATEGORY] = world.raw[CATEGORY]
    table[AREA] = areas
    table["vendor"] = vendor
    return table
