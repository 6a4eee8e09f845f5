"""The fraud hold rule: "hold a user's orders for review when their fraud risk is 15% or more".

The payments team's config gives the threshold as a probability (``FRAUD_HOLD_THRESHOLD``). The
scoring service returns the fraud model's *margin*, its log-odds (what gradient-boosted trees add up
before the sigmoid), because margins from several scorers can be added. Written with plain floats,
nothing stops the rule comparing log-odds with a probability (:func:`hold_orders_plain`): the code runs
and silently holds fewer users. Written with two tiny types that carry their meaning
(:class:`Probability`, :class:`LogOdds`), the same slip raises at once, and the fix is one explicit
conversion (:func:`hold_orders_typed`).

>>> import numpy as np
>>> margins = log_odds_of(np.array([0.10, 0.20, 0.60]))
>>> hold_orders_plain(margins).tolist()  # the user at 20% risk is not held
[False, False, True]
>>> hold_orders_typed(LogOdds(margins), Probability(FRAUD_HOLD_THRESHOLD)).tolist()
[False, True, True]
>>> hold_orders_typed_slip(LogOdds(margins), Probability(0.15))
Traceback (most recent call last):
...
TypeError: cannot compare LogOdds with Probability: convert one first (Probability.to_log_odds())
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mldebt_lessons.shop.models import design_matrix

FRAUD_HOLD_THRESHOLD = 0.15  # payments config: hold orders when the fraud risk is 15% or more


def log_odds_of(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), elementwise."""
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def fraud_margins(world, table: dict | None = None) -> np.ndarray:
    """The fraud model's margin (log-odds) for every user of ``table`` (the home market's by default),
    as Larkspur's scoring service returns it."""
    model = world.models["fraud_model"]
    X, _ = design_matrix(table if table is not None else world.features, model.spec.inputs, model.categories_)
    return model.estimator_.decision_function(X)


# -- the plain version: floats everywhere -------------------------------------------------------

def hold_orders_plain(margins: np.ndarray, threshold: float = FRAUD_HOLD_THRESHOLD) -> np.ndarray:
    """Hold the users whose margin reaches the threshold. Both are floats; which unit is each?"""
    return np.asarray(margins) >= threshold


# -- the typed version: two small types that carry their meaning --------------------------------

@dataclass(frozen=True)
class Probability:
    """A probability in [0, 1]; compares only with another Probability."""

    value: float

    def __post_init__(self):
        if not 0.0 <= float(self.value) <= 1.0:
            raise ValueError(f"a probability lies in [0, 1], not {self.value}")

    def to_log_odds(self) -> "LogOdds":
        return LogOdds(float(log_odds_of(self.value)))


@dataclass(frozen=True, eq=False)
class LogOdds:
    """Log-odds (a margin): one number or an array of them; compares only with LogOdds."""

    value: object

    def __ge__(self, other):
        if not isinstance(other, LogOdds):
            raise TypeError(f"cannot compare LogOdds with {type(other).__name__}: convert one first "
                            "(Probability.to_log_odds())")
        return np.asarray(self.value) >= np.asarray(other.value)


def hold_orders_typed_slip(margins: LogOdds, threshold: Probability) -> np.ndarray:
    """The plain version's slip, written with the types: it raises instead of running."""
    return margins >= threshold


def hold_orders_typed(margins: LogOdds, threshold: Probability = Probability(FRAUD_HOLD_THRESHOLD)) -> np.ndarray:
    """Hold the users whose margin reaches the threshold, converted to log-odds once, explicitly."""
    return margins >= threshold.to_log_odds()
