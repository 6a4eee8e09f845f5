"""The whole toy world, built once: data, features, fitted models, and the graph.

>>> world = build_world()
>>> world.company, len(world.raw["user_age"]), sorted(world.models)[:2]
('Larkspur', 3000, ['churn_model', 'fraud_model'])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .data import (COMPANY, DEFAULT_N_USERS, DEFAULT_SEED, draw_labels, ground_truth, make_raw_data,
                   train_test_rows)
from .features import feature_table, reference_stats
from .graph import shop_graph
from .models import MODEL_SPECS, ShopModel


@dataclass(eq=False)
class World:
    """Everything about the shop for one seed. Treat it as read-only: it is shared and cached."""

    seed: int
    raw: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    train_rows: np.ndarray
    test_rows: np.ndarray
    reference: dict[str, dict]
    features: dict[str, np.ndarray]
    models: dict[str, ShopModel]
    graph: nx.DiGraph
    company: str = COMPANY

    @property
    def train_table(self) -> dict[str, np.ndarray]:
        return rows_of(self.features, self.train_rows)

    @property
    def test_table(self) -> dict[str, np.ndarray]:
        return rows_of(self.features, self.test_rows)


def rows_of(table: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    """The same table restricted to ``rows``."""
    return {name: column[rows] for name, column in table.items()}


def fit_models(table, labels, train_rows, seed, specs=MODEL_SPECS) -> dict[str, ShopModel]:
    """Fit every model in ``specs`` on the training rows of ``table``."""
    train = rows_of(table, train_rows)
    return {s.name: ShopModel(s, random_state=seed).fit(train, labels[s.label][train_rows]) for s in specs}


def build_world(seed: int = DEFAULT_SEED, n_users: int = DEFAULT_N_USERS) -> World:
    """The shop for ``seed``, built once: the same seed returns the same (shared, read-only) object."""
    return _cached_world(int(seed), int(n_users))


@functools.lru_cache(maxsize=4)
def _cached_world(seed: int, n_users: int) -> World:
    return make_world(seed, n_users)


build_world.cache_clear = _cached_world.cache_clear  # as for any lru_cache'd function


def make_world(seed: int = DEFAULT_SEED, n_users: int = DEFAULT_N_USERS) -> World:
    """Generate the shop's data and fit its models, from scratch (no cache)."""
    raw = make_raw_data(seed, n_users)
    truth = ground_truth(raw)
    labels = draw_labels(truth, seed)
    train_rows, test_rows = train_test_rows(n_users, seed)
    reference = reference_stats(raw, train_rows)
    features = feature_table(raw, reference)
    models = fit_models(features, labels, train_rows, seed)
    return World(seed, raw, truth, labels, train_rows, test_rows, reference, features, models, shop_graph())


def preview_rows(world: World, n: int = 5) -> str:
    """The first ``n`` users' features as a fixed-width text table."""
    names = list(world.features)
    rows = [[_cell(world.features[name][i]) for name in names] for i in range(n)]
    widths = [max(len(name), *(len(r[j]) for r in rows)) for j, name in enumerate(names)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([line(names)] + [line(r) for r in rows])


def _cell(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"
