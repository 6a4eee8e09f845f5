"""Lesson 16: monitoring and testing. Larkspur's live stream of days, its seeded faults, the monitors that
watch it (KS, chi-square, PSI, action limits, prediction bias overall and by slice, label freshness), and
what each one catches, how late, with how many false alarms (with controls)."""

import time

import numpy as np
import pytest
from scipy import stats

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.monitoring_and_testing.claims import CLAIMS
from mldebt_lessons.lessons.monitoring_and_testing.experiment import (
    FAULT_NAMES,
    MONITORS,
    alarms,
    caused_alarms,
    credited,
    detection,
    false_alarms_per_month,
    harm_by_day,
    ks_days,
    ks_pvalue,
    ks_statistic,
    monitor_table,
    psi,
)
from mldebt_lessons.lessons.monitoring_and_testing.view import (
    TimelinePicture,
    delay_rows,
    delay_table_html,
    false_alarm_rows,
    harm_rows,
    timeline_view,
    title_width_ok,
)
from mldebt_lessons.lessons.monitoring_and_testing.widget import MonitorExplorer
from mldebt_lessons.shop.stream import (
    DAYS,
    FAULT_DAY,
    FAULTS,
    LABEL_DELAY,
    REFERENCE_DAYS,
    USERS_PER_DAY,
    live_stream,
)
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_the_stream_is_seeded_and_built_from_the_world(world):
    clean = live_stream(world)
    assert len(clean.day) == DAYS * USERS_PER_DAY and clean.days == DAYS
    assert np.array_equal(clean.raw["user_age"], world.raw["user_age"][clean.user], equal_nan=True)
    assert np.array_equal(clean.raw["country"], world.raw["country"][clean.user])
    assert (clean.label_day == clean.day + LABEL_DELAY).all()
    again = live_stream(build_world(1))
    assert not np.array_equal(again.user, clean.user)
    # the monitored models' real decisions, on the recorded features
    churn = world.models["churn_model"]
    assert np.array_equal(clean.decisions["churn_model"], churn.decide(clean.features))


def test_each_fault_changes_only_what_it_says(world):
    clean = live_stream(world)
    before = clean.day < FAULT_DAY
    for name in FAULT_NAMES:
        faulty = live_stream(world, name)
        for column, values in faulty.raw.items():
            nan = values.dtype.kind == "f"
            same = np.array_equal(values, clean.raw[column], equal_nan=nan)
            assert same == (column not in FAULTS[name].touches), (name, column)
            assert np.array_equal(values[before], clean.raw[column][before], equal_nan=nan)
        labels_same = all(np.array_equal(faulty.labels[k], clean.labels[k]) for k in clean.labels)
        assert labels_same == (name != "slice_shift"), name
        assert np.array_equal(faulty.label_day, clean.label_day) == (name != "late_labels"), name
    stuck = live_stream(world, "stuck_feature").raw["session_count"][~before]
    assert len(np.unique(stuck)) == 1


def test_bad_names_give_one_line(world):
    with pytest.raises(CourseInputError, match="unknown fault"):
        live_stream(world, "unit_chnage")
    with pytest.raises(CourseInputError, match="unknown monitor"):
        detection(world, "unit_change", ("kss",))


def test_ks_and_psi_by_hand_match_scipy(world):
    stream = live_stream(world, "gradual_drift")
    column = stream.features["session_count"]
    ref = column[stream.day < REFERENCE_DAYS]
    fresh = ks_days(stream, "session_count")
    for day in (REFERENCE_DAYS, FAULT_DAY + 20, DAYS - 1):
        today = column[stream.day == day]
        scipy_d = stats.ks_2samp(ref, today).statistic
        assert np.isclose(ks_statistic(ref, today), scipy_d)
        assert np.isclose(fresh[day], ks_pvalue(scipy_d, len(ref), len(today)))
    assert psi(ref, ref) == 0.0 and psi(ref, column[stream.day == DAYS - 1]) > 0


def test_the_table_has_every_monitor_and_fault(world):
    rows = monitor_table(world)
    assert [r["monitor"] for r in rows] == [m.label for m in MONITORS.values()]
    for row in rows:
        assert row["false alarms / month"] >= 0
        assert all(row[f] is None or 0 <= row[f] < DAYS - FAULT_DAY for f in FAULT_NAMES)
    html = delay_table_html(world)
    assert html.startswith("<table") and len(delay_rows(world)[0]) <= 6
    assert all(len(r) <= 6 for r in false_alarm_rows(world) + harm_rows(world, ("ks",)))


def test_monitors_that_need_labels_wait_for_them(world):
    for fault in ("unit_change", "slice_shift", "stuck_feature"):
        for name in ("bias", "bias_by_slice"):
            d = detection(world, fault, (name,))
            assert d.delay is None or d.delay >= LABEL_DELAY, (fault, name)


def test_controls(world):
    clean = live_stream(world)
    assert harm_by_day(world, "none").sum() == 0
    assert not any(caused_alarms(clean, m).any() for m in MONITORS)
    # a monitor of columns the fault does not touch: the same alarms as with no fault, never earlier
    faulty = live_stream(world, "unit_change")
    assert np.array_equal(alarms(faulty, "chi2"), alarms(clean, "chi2"))
    assert detection(world, "unit_change", ("chi2",)).delay is None
    # late labels alone turn no decision wrong
    assert harm_by_day(world, "late_labels").sum() == 0


def test_false_alarm_budget_is_a_rule_not_a_fit(world):
    assert false_alarms_per_month(world, "ks_loose") >= false_alarms_per_month(world, "ks")
    assert credited(("ks", "chi2", "psi"))["points"] == 1.0
    assert credited(tuple(MONITORS))["points"] == 3.0


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "16" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"inputs_blind_to_slice", "untouched_column_control", "fault_free_control"}


def test_the_picture_is_readable_in_every_state(world):
    from test_drawing import assert_readable

    assert title_width_ok()
    picture = TimelinePicture()
    for fault in FAULTS:
        for monitors in ((), tuple(MONITORS), ("ks",)):
            assert_readable(picture.paint(timeline_view(world, fault, monitors)).svg(), edges=False)


def test_the_explorer_changes_text_and_picture_on_every_control(world):
    explorer = MonitorExplorer(world)
    seen = {(explorer.summary.value, bytes(explorer.image.value))}
    for value in [v for _, v in explorer.fault.options]:
        explorer.fault.value = value
        seen.add((explorer.summary.value, bytes(explorer.image.value)))
    assert len(seen) == len(FAULTS) + (explorer.fault.options[0][1] != "unit_change")
    explorer.select("unit_change")
    for name, toggle in explorer.toggles.items():
        before = (explorer.summary.value, bytes(explorer.image.value))
        toggle.value = not toggle.value
        after = (explorer.summary.value, bytes(explorer.image.value))
        assert before[0] != after[0] and before[1] != after[1], name
        toggle.value = not toggle.value


def test_the_explorer_is_quick(world):
    explorer = MonitorExplorer(world)
    times = []
    for i in range(40):
        fault = list(FAULTS)[i % len(FAULTS)]
        monitors = [m for j, m in enumerate(MONITORS) if (i >> (j % 5)) & 1]
        start = time.perf_counter()
        explorer.select(fault, monitors)
        times.append(time.perf_counter() - start)
    assert np.percentile(times, 95) < 0.025
    assert "caught" in explorer.results_text() or "missed" in explorer.results_text() or "no fault" in \
        explorer.results_text()


def test_chi2_pvalue_is_scipys_test_of_the_counts_against_the_reference_shares(world):
    from mldebt_lessons.lessons.monitoring_and_testing.experiment import chi2_pvalue

    clean = live_stream(world)
    country = clean.features["country"]
    reference, today = country[clean.day < REFERENCE_DAYS], country[clean.day == FAULT_DAY]
    cats = np.unique(reference)
    expected = np.array([(reference == c).mean() for c in cats]) * len(today)
    observed = np.array([(today == c).sum() for c in cats])
    assert chi2_pvalue(reference, today) == pytest.approx(stats.chisquare(observed, expected).pvalue)
    assert chi2_pvalue(reference, np.array(["XX"] * 10)) == 0.0  # a category never seen before


def test_the_bias_test_never_assumes_less_spread_than_the_predictions_imply():
    from mldebt_lessons.lessons.monitoring_and_testing.experiment import bias_z

    # reference: predictions of 0.1, labels all 0 (a spread of (label - prediction) of zero, measured)
    z = bias_z([0.1] * 100, [0] * 90 + [1] * 10, [0.1] * 100, [0] * 100)
    assert z == pytest.approx(-0.1 / np.sqrt(0.09 * (1 / 100 + 1 / 100)))
