"""Tests for the toy world: Larkspur's data, labels, split and fitted models."""

import time

import numpy as np
import pytest

from mldebt_lessons.shop.data import (
    DEFAULT_N_USERS,
    DEFAULT_SEED,
    ground_truth,
    make_raw_data,
    rows_of,
)
from mldebt_lessons.shop.features import reference_stats
from mldebt_lessons.shop.models import add_upstream_scores
from mldebt_lessons.shop.world import World, build_world, fit_models, make_world

OTHER_SEED = 7  # not the default, so these builds never come from the cache


def fresh(seed: int = DEFAULT_SEED) -> World:
    """A world built now, bypassing the cache."""
    return make_world(seed)


def held_out_table(world: World, name: str, models=None) -> dict:
    """Model ``name``'s held-out users (in its own market), with the scores of the models it reads."""
    market = world.markets[world.models[name].spec.market]
    table = rows_of(market.features, market.test_rows)
    return add_upstream_scores(table, models or world.models, world.models[name].spec.inputs)


def same_arrays(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        equal_nan = x.dtype.kind == "f"
        if x.shape != y.shape or not np.array_equal(x, y, equal_nan=equal_nan):
            return False
    return True


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


# --- fast and cached -----------------------------------------------------------------------

def test_build_world_takes_under_a_second():
    build_world.cache_clear()
    start = time.perf_counter()
    built = build_world(OTHER_SEED)
    elapsed = time.perf_counter() - start
    assert built.seed == OTHER_SEED
    assert elapsed < 1.0, f"build_world took {elapsed:.2f} s"


def test_build_world_is_cached_so_the_same_seed_gives_the_same_object():
    first = build_world(OTHER_SEED)
    assert build_world(OTHER_SEED) is first
    # Control: another seed is another world.
    assert build_world(OTHER_SEED + 1) is not first


def test_the_same_seed_gives_the_same_object_however_it_is_spelled():
    assert build_world() is build_world(DEFAULT_SEED) is build_world(seed=DEFAULT_SEED)


# --- deterministic ------------------------------------------------------------------------

def test_two_builds_with_one_seed_give_identical_data_labels_and_scores():
    a, b = fresh(), fresh()
    assert a is not b  # really two builds, not the cache
    assert same_arrays(a.raw, b.raw)
    assert same_arrays(a.truth, b.truth)
    assert same_arrays(a.labels, b.labels)
    assert np.array_equal(a.train_rows, b.train_rows) and np.array_equal(a.test_rows, b.test_rows)
    assert same_arrays(a.features, b.features)
    new_a, new_b = a.new_market, b.new_market
    assert new_a.name == new_b.name == "ES"
    for part in ("raw", "truth", "labels", "train_rows", "test_rows", "features"):
        x, y = getattr(new_a, part), getattr(new_b, part)
        assert same_arrays(x, y) if isinstance(x, dict) else np.array_equal(x, y), part
    assert list(a.models) == list(b.models) == ["churn_model", "ltv_model", "fraud_model", "recommender",
                                                "fraud_model_es"]
    # Refitting every model from the same markets gives the same models again.
    refit = fit_models(a.markets, a.seed)
    assert list(refit) == list(a.models)
    for name in a.models:
        scores = a.models[name].predict_score(held_out_table(a, name))
        assert np.array_equal(scores, b.models[name].predict_score(held_out_table(b, name))), name
        assert np.array_equal(scores, refit[name].predict_score(held_out_table(a, name, refit))), name
        for other in (b.models[name], refit[name]):
            assert a.models[name].input_weights() == other.input_weights(), name
            assert a.models[name].threshold_ == other.threshold_, name


def test_a_different_seed_gives_different_data_and_labels(world):
    other = fresh(OTHER_SEED)
    for column in ("user_age", "session_count", "days_since_signup", "avg_basket_value"):
        assert not np.array_equal(world.raw[column], other.raw[column], equal_nan=True), column
    assert not np.array_equal(world.labels["churned"], other.labels["churned"])
    assert not np.array_equal(world.test_rows, other.test_rows)
    # Control: the shape of the world does not depend on the seed.
    assert world.raw.keys() == other.raw.keys()
    assert len(other.raw["user_age"]) == DEFAULT_N_USERS


# --- the ground truth and the labels are plausible -------------------------------------------

def test_label_rates_are_plausible_and_fraud_is_rare(world):
    labels = world.labels
    assert set(np.unique(labels["churned"])) == {0, 1}
    assert 0.2 < labels["churned"].mean() < 0.6
    assert 0.3 < labels["clicked"].mean() < 0.7
    assert 0.005 < labels["fraud"].mean() < 0.08, "fraud should be rare but present"
    assert labels["fraud"].mean() < labels["churned"].mean() / 4
    assert (labels["ltv"] >= 0).all()
    assert 50 < labels["ltv"].mean() < 500  # pounds over twelve months


def test_true_probabilities_are_probabilities_and_follow_the_documented_directions(world):
    truth = world.truth
    for key in ("churn_p", "fraud_p", "click_p"):
        assert ((truth[key] > 0) & (truth[key] < 1)).all(), key
    sessions = world.raw["session_count"]
    few, many = sessions <= 1, sessions >= 8
    assert truth["churn_p"][few].mean() > truth["churn_p"][many].mean()  # few sessions: more churn
    assert truth["click_p"][many].mean() > truth["click_p"][few].mean()  # more sessions: more clicks
    new = world.raw["days_since_signup"] < 14
    assert truth["fraud_p"][new].mean() > 2 * truth["fraud_p"][~new].mean()  # brand-new accounts


def test_raw_user_age_has_blanks_and_typos_that_the_truth_ignores(world):
    age = world.raw["user_age"]
    blank = np.isnan(age)
    typo = age > 90
    assert 0.03 < blank.mean() < 0.12
    assert 0.002 < typo.mean() < 0.03
    assert set(np.unique(age[typo])) <= {99.0, 120.0, 150.0, 200.0}
    # The truth reads blanks and typos as a typical age: recomputing it with those rows set to 38
    # changes nothing.
    tidy = dict(world.raw, user_age=np.where(blank | typo, 38.0, age))
    assert same_arrays(ground_truth(tidy), world.truth)


def test_basket_value_is_missing_more_often_for_new_accounts(world):
    missing = np.isnan(world.raw["avg_basket_value"])
    new = world.raw["days_since_signup"] < 30
    assert missing.any() and not missing.all()
    assert missing[new].mean() > 2 * missing[~new].mean()
    # Control: the other raw numeric columns have no blanks.
    for column in ("session_count", "days_since_signup"):
        assert not np.isnan(world.raw[column]).any(), column


def test_raw_data_doctest_shape():
    data = make_raw_data(seed=3, n_users=50)
    assert all(len(column) == 50 for column in data.values())


# --- the split -----------------------------------------------------------------------------

def test_train_and_test_rows_are_disjoint_and_cover_every_user(world):
    train, test = world.train_rows, world.test_rows
    assert np.intersect1d(train, test).size == 0
    assert np.array_equal(np.union1d(train, test), np.arange(DEFAULT_N_USERS))
    assert len(train) + len(test) == DEFAULT_N_USERS  # no row listed twice
    assert len(test) == round(0.3 * DEFAULT_N_USERS)


def test_reference_statistics_come_from_the_training_rows_only(world):
    assert world.reference == reference_stats(world.raw, world.train_rows)
    everyone = reference_stats(world.raw, np.arange(DEFAULT_N_USERS))
    assert world.reference != everyone  # the test rows really are held out


def test_tables_are_the_features_restricted_to_their_rows(world):
    train, test = world.train_table, world.test_table
    for name, column in world.features.items():
        assert np.array_equal(train[name], column[world.train_rows])
        assert np.array_equal(test[name], column[world.test_rows])


def test_every_model_learned_something_on_held_out_users(world):
    from mldebt_lessons.shop.models import quality
    assert {m.spec.market for m in world.models.values()} == {"home", "ES"}
    for name, model in world.models.items():
        market = world.markets[model.spec.market]
        y = market.labels[model.spec.label][market.test_rows]
        truth = market.truth["ltv_mean"][market.test_rows] if "ltv_mean" in market.truth else None
        metric, value = quality(model, held_out_table(world, name), y, truth)
        if metric == "AUC":
            assert value > 0.6, (name, value)
        else:
            # LTV: better than predicting the training mean for everybody.
            baseline = np.abs(truth - market.labels["ltv"][market.train_rows].mean()).mean()
            assert value < baseline, (name, value, baseline)


def test_models_come_after_the_models_they_read(world):
    order = list(world.models)
    for name, model in world.models.items():
        for upstream in model.spec.upstream_models():
            assert order.index(upstream) < order.index(name), (upstream, name)
    assert world.models["fraud_model_es"].spec.upstream_models() == ("fraud_model",)  # there is one to check
