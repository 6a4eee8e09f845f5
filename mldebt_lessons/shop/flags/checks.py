"""Larkspur's checkout tests: the flag settings they run, and the invariants they check.

The tests run the checkout under a short list of flag settings (the two the fleet runs today,
and the one experiment someone once tested) and check three invariants on every order.

>>> import numpy as np
>>> decisions = {"price": np.array([40.0]), "held": np.array([False]), "page": np.array(["standard"])}
>>> orders = {"basket": np.array([50.0]), "fraud_score": np.array([0.1])}
>>> violations(orders, decisions)
{'discount above 15%': 1, 'sure fraud not held': 0, 'unknown page': 0}
"""

from __future__ import annotations

import numpy as np

from mldebt_lessons.shop.flags.fleet import DEFAULTS, SERVER_FLAGS, SERVERS

TESTED_SETTINGS = (
    dict(DEFAULTS),
    {**DEFAULTS, **SERVER_FLAGS[SERVERS[0]]},
    {**DEFAULTS, "strict_fraud": True},
)
MAX_DISCOUNT = 0.15
SURE_FRAUD = 0.5
PAGES = ("standard", "one-page")


def violations(orders, decisions) -> dict[str, int]:
    """How many orders break each invariant."""
    return {
        "discount above 15%": int(np.sum(decisions["price"] < (1 - MAX_DISCOUNT) * orders["basket"] - 1e-9)),
        "sure fraud not held": int(np.sum((orders["fraud_score"] >= SURE_FRAUD) & ~decisions["held"])),
        "unknown page": int(np.sum(~np.isin(decisions["page"], PAGES))),
    }
