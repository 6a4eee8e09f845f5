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

from mldebt_lessons.shop.data import (COMPANY, DEFAULT_N_USERS, DEFAULT_SEED, NEW_MARKET, draw_labels,
    ground_truth, make_new_market_data, make_raw_data, new_market_fraud_truth, rows_of, train_test_rows)
from mldebt_lessons.shop.features import feature_table, reference_stats
from mldebt_lessons.shop.graph import shop_graph
from mldebt_lessons.shop.models import MODEL_SPECS, ShopModel, add_upstream_scores

NEW_MARKET_USERS = 1500


@dataclass(eq=False)
class Market:
    """The users of one market: raw data, truth, labels, split, and their feature table."""

    name: str
    raw: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    train_rows: np.ndarray
    test_rows: np.ndarray
    features: dict[str, np.ndarray]


@dataclass(eq=False)
class World:
    """Everything about the shop for one seed. Treat it as read-only: it is shared and cached.

    ``raw``, ``truth``, ``labels``, ``train_rows``, ``test_rows`` and ``features`` are the home
    market's; ``markets`` has every market, by name.
    """

    seed: int
    home: Market
    reference: dict[str, dict]  # statistics of the home training rows, used by every market's features
    models: dict[str, ShopModel]  # in dependency order: a model comes after the models it reads
    graph: nx.DiGraph
    new_market: Market
    company: str = COMPANY

    raw = property(lambda self: self.home.raw)
    truth = property(lambda self: self.home.truth)
    labels = property(lambda self: self.home.labels)
    train_rows = property(lambda self: self.home.train_rows)
    test_rows = property(lambda self: self.home.test_rows)
    features = property(lambda self: self.home.features)

    @property
    def markets(self) -> dict[str, Market]:
        """Every market by name; "home" is the original shop."""
        return {"home": self.home, self.new_market.name: self.new_market}

    @property
    def train_table(self) -> dict[str, np.ndarray]:
        return rows_of(self.features, self.train_rows)

    @property
    def test_table(self) -> dict[str, np.ndarray]:
        return rows_of(self.features, self.test_rows)


def fit_models(markets: dict[str, Market], seed: int, specs=MODEL_SPECS,
               tables: dict[str, dict] | None = None) -> dict[str, ShopModel]:
    """Fit every model in ``specs``, in order, on the training rows of its market.

    ``tables`` replaces a market's feature table (to retrain on a changed feature). A model that
    reads another model's score is fitted on the scores of the models fitted just before it.
    """
    models: dict[str, ShopModel] = {}
    for spec in specs:
        market = markets[spec.market]
        table = (tables or {}).get(spec.market, market.features)
        train = add_upstream_scores(rows_of(table, market.train_rows), models, spec.inputs)
        models[spec.name] = ShopModel(spec, random_state=seed).fit(train, market.labels[spec.label][market.train_rows])
    return models


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
    new_market = make_market(seed, reference)
    home = Market("home", raw, truth, labels, train_rows, test_rows, features)
    models = fit_models({"home": home, new_market.name: new_market}, seed)
    return World(seed, home, reference, models, shop_graph(), new_market)


def make_market(seed: int, reference: dict[str, dict], n_users: int = NEW_MARKET_USERS) -> Market:
    """Larkspur's new market: its users go through the home market's feature layer unchanged."""
    raw = make_new_market_data(seed, n_users)
    truth = {"fraud_p": new_market_fraud_truth(raw)}
    rng = np.random.default_rng([seed, 3])
    labels = {"fraud": (rng.random(n_users) < truth["fraud_p"]).astype(int)}
    train_rows, test_rows = train_test_rows(n_users, seed + 1, test_share=0.5)
    return Market(NEW_MARKET, raw, truth, labels, train_rows, test_rows, feature_table(raw, reference))


def preview_rows(world: World, n: int = 5) -> str:
    """The first ``n`` users' features as a fixed-width text table."""
    names = list(world.features)
    rows = [[_cell(world.features[name][i]) for name in names] for i in range(n)]
    widths = [max(len(name), *(len(r[j]) for r in rows)) for j, name in enumerate(names)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([line(names)] + [line(r) for r in rows])


def _cell(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"
