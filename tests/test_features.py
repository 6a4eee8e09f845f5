"""Tests for the feature layer: every change on every feature, and kind errors for bad names."""

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.shop.features import (
    CATEGORICAL_CHANGES,
    CHANGES,
    FEATURES,
    NUMERIC_CHANGES,
    RENAMES,
    apply_feature,
    changes_for,
    check_change,
    feature,
    feature_table,
)
from mldebt_lessons.shop.world import build_world

NUMERIC = [f.name for f in FEATURES if f.kind == "numeric"]
CATEGORICAL = [f.name for f in FEATURES if f.kind == "categorical"]
ALL_PAIRS = [(f.name, c) for f in FEATURES for c in changes_for(f.name)]


@pytest.fixture(scope="module")
def world():
    return build_world()


def base(world, name):
    return apply_feature(world.raw, name, world.reference)


def changed(world, name, change):
    return apply_feature(world.raw, name, world.reference, change=change)


def assert_one_line(err: CourseInputError, *must_mention: str) -> None:
    text = str(err)
    assert "\n" not in text and "\r" not in text, repr(text)
    assert text.strip() == text and text
    for word in must_mention:
        assert word in text, (word, text)


# --- which changes each feature takes ---------------------------------------------------------

def test_numeric_features_take_numeric_changes_and_categoricals_take_categorical_ones():
    for f in FEATURES:
        allowed = changes_for(f.name)
        if f.kind == "numeric":
            assert set(allowed) <= set(NUMERIC_CHANGES), f.name
            assert {"rescale", "log", "clip", "units"} <= set(allowed), f.name
        else:
            assert allowed == CATEGORICAL_CHANGES, f.name
        assert set(allowed) <= set(CHANGES)
    # Every change in the catalogue is offered by at least one feature.
    assert {c for _, c in ALL_PAIRS} == set(CHANGES)


def test_impute_is_offered_exactly_for_features_that_have_missing_values(world):
    for f in FEATURES:
        if f.kind != "numeric":
            assert "impute" not in changes_for(f.name)
            continue
        really_missing = bool(np.isnan(world.raw[f.name]).any())
        assert f.has_missing == really_missing, f.name  # the metadata tells the truth
        assert ("impute" in changes_for(f.name)) == really_missing, f.name
    assert "impute" in changes_for("user_age")
    assert "impute" not in changes_for("session_count")


# --- every change works ------------------------------------------------------------------------

@pytest.mark.parametrize("name, change", ALL_PAIRS)
def test_every_change_gives_a_full_clean_column_that_differs_from_the_baseline(world, name, change):
    before, after = base(world, name), changed(world, name, change)
    assert after.shape == before.shape == world.raw[name].shape
    if feature(name).kind == "numeric":
        assert after.dtype.kind == "f" and np.isfinite(after).all()
        assert np.isfinite(before).all()  # the baseline fills blanks too
    else:
        assert after.dtype.kind in "UO"
    assert not np.array_equal(before, after), "a change that changes nothing teaches nothing"


@pytest.mark.parametrize("name, change", ALL_PAIRS)
def test_a_change_touches_only_its_own_column_and_never_the_raw_data(world, name, change):
    raw_copy = {k: v.copy() for k, v in world.raw.items()}
    plain = feature_table(world.raw, world.reference)
    table = feature_table(world.raw, world.reference, (name, change))
    assert not np.array_equal(table[name], plain[name])
    for other in plain:  # control: every other feature is exactly what it was
        if other != name:
            assert np.array_equal(table[other], plain[other]), other
    for k in raw_copy:
        assert np.array_equal(world.raw[k], raw_copy[k], equal_nan=raw_copy[k].dtype.kind == "f"), k


def test_the_baseline_fills_blanks_with_the_training_median_and_keeps_other_values(world):
    for name in NUMERIC:
        raw, col = world.raw[name], base(world, name)
        blank = np.isnan(raw)
        assert np.array_equal(col[~blank], raw[~blank]), name
        assert (col[blank] == world.reference[name]["median"]).all(), name


@pytest.mark.parametrize("name", NUMERIC)
def test_units_multiplies_by_the_documented_factor(world, name):
    new_unit, factor = feature(name).new_unit
    assert new_unit and factor not in (0.0, 1.0)
    np.testing.assert_allclose(changed(world, name, "units"), base(world, name) * factor, rtol=1e-12)


def test_the_documented_factors_are_the_real_ones():
    assert feature("user_age").new_unit == ("months", 12.0)
    assert feature("avg_basket_value").new_unit == ("pence", 100.0)
    assert feature("days_since_signup").new_unit[1] == pytest.approx(1 / 7)
    assert feature("session_count").new_unit[1] == pytest.approx(7 / 30)


def test_units_doctest_example():
    raw = {"user_age": np.array([20.0, np.nan, 60.0])}
    from mldebt_lessons.shop.features import reference_stats
    ref = reference_stats(raw, np.arange(3))
    assert apply_feature(raw, "user_age", ref, change="units").tolist() == [240.0, 480.0, 720.0]


@pytest.mark.parametrize("name", NUMERIC)
def test_clip_stays_within_p1_and_p99_and_leaves_the_middle_alone(world, name):
    stats = world.reference[name]
    before, after = base(world, name), changed(world, name, "clip")
    assert after.min() >= stats["p1"] and after.max() <= stats["p99"]
    middle = (before >= stats["p1"]) & (before <= stats["p99"])
    assert middle.mean() > 0.9
    assert np.array_equal(after[middle], before[middle])
    assert (after[~middle] != before[~middle]).all()


@pytest.mark.parametrize("name", NUMERIC)
def test_rescale_maps_the_training_range_onto_0_1(world, name):
    after = changed(world, name, "rescale")[world.train_rows]
    assert after.min() == pytest.approx(0.0) and after.max() == pytest.approx(1.0)
    # An affine map: order is kept.
    before = base(world, name)[world.train_rows]
    order = np.argsort(before, kind="stable")
    assert (np.diff(after[order]) >= 0).all()


@pytest.mark.parametrize("name", NUMERIC)
def test_log_is_log1p_of_the_filled_value(world, name):
    np.testing.assert_allclose(changed(world, name, "log"), np.log1p(base(world, name)), rtol=1e-12)


@pytest.mark.parametrize("name", [f.name for f in FEATURES if f.has_missing])
def test_impute_fills_blanks_with_zero_and_leaves_known_values_alone(world, name):
    raw, after, before = world.raw[name], changed(world, name, "impute"), base(world, name)
    blank = np.isnan(raw)
    assert blank.any()
    assert (after[blank] == 0.0).all()
    assert np.array_equal(after[~blank], before[~blank])  # control: known values do not move


@pytest.mark.parametrize("name", CATEGORICAL)
def test_rename_changes_exactly_one_category(world, name):
    old, new = RENAMES[name]
    raw, after = world.raw[name], changed(world, name, "rename")
    hit = raw == old
    assert hit.any()
    assert (after[hit] == new).all()
    assert old not in set(after)
    assert np.array_equal(after[~hit], raw[~hit])  # control: every other category is untouched


@pytest.mark.parametrize("name", CATEGORICAL)
def test_merge_rare_folds_the_two_rarest_categories_into_other(world, name):
    raw, after = world.raw[name], changed(world, name, "merge_rare")
    values, counts = np.unique(raw, return_counts=True)
    rarest = set(values[np.argsort(counts)[:2]])
    merged = np.isin(raw, list(rarest))
    assert (after[merged] == "other").all()
    assert np.array_equal(after[~merged], raw[~merged])
    assert set(np.unique(after)) == (set(values) - rarest) | {"other"}
    most_common = values[np.argmax(counts)]
    assert most_common not in rarest and most_common in set(after)


def test_categorical_baseline_is_a_copy_not_the_raw_array(world):
    col = base(world, "device")
    assert np.array_equal(col, world.raw["device"]) and col is not world.raw["device"]


# --- kind errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["user_agee", "age", "", "USER_AGE", "sessions"])
def test_an_unknown_feature_gives_one_line_naming_every_valid_feature(bad):
    with pytest.raises(CourseInputError) as caught:
        feature(bad)
    assert_one_line(caught.value, f"'{bad}'", *[f.name for f in FEATURES])


def test_a_near_miss_gets_a_did_you_mean_hint():
    with pytest.raises(CourseInputError, match="did you mean 'user_age'"):
        feature("user_agee")


def test_a_name_with_a_newline_still_gives_a_one_line_error():
    with pytest.raises(CourseInputError) as caught:
        feature("user_age\n")
    assert_one_line(caught.value, "user_age")


@pytest.mark.parametrize("call", [
    lambda w: changes_for("user_agee"),
    lambda w: check_change("user_agee", "log"),
    lambda w: apply_feature(w.raw, "user_agee", w.reference),
    lambda w: feature_table(w.raw, w.reference, ("user_agee", "log")),
])
def test_every_entry_point_reports_an_unknown_feature_in_one_line(world, call):
    with pytest.raises(CourseInputError) as caught:
        call(world)
    assert_one_line(caught.value, "user_agee", "user_age")


def test_a_change_the_feature_cannot_take_names_its_allowed_changes():
    with pytest.raises(CourseInputError) as caught:
        check_change("device", "log")
    assert_one_line(caught.value, "device", "'log'", "rename", "merge_rare")
    with pytest.raises(CourseInputError) as caught:
        check_change("session_count", "impute")  # no blanks, so no impute
    assert_one_line(caught.value, "session_count", "impute", *changes_for("session_count"))


def test_an_unknown_change_names_the_allowed_ones():
    with pytest.raises(CourseInputError) as caught:
        check_change("user_age", "squash")
    assert_one_line(caught.value, "'squash'", *changes_for("user_age"))
    with pytest.raises(CourseInputError) as caught:
        check_change("user_age", "unit")
    assert_one_line(caught.value, "did you mean 'units'")


@pytest.mark.parametrize("call", [
    lambda w: apply_feature(w.raw, "device", w.reference, change="clip"),
    lambda w: feature_table(w.raw, w.reference, ("user_age", "rename")),
])
def test_applying_a_disallowed_change_raises_a_course_error(world, call):
    with pytest.raises(CourseInputError) as caught:
        call(world)
    assert_one_line(caught.value)


def test_course_errors_are_value_errors_and_valid_input_raises_nothing(world):
    assert issubclass(CourseInputError, ValueError)
    for name, change in ALL_PAIRS:  # control: every allowed pair is accepted
        check_change(name, change)
