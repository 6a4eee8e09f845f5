"""Lesson 11: experiment flags in Larkspur's checkout code, and the reuse of a dead flag's name."""

import time

import numpy as np
import pytest

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.dead_experimental_codepaths.claims import CLAIMS
from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import (
    DETECTION_CHOICES,
    OLD_SERVER_CHOICES,
    all_settings,
    analyse,
    distinct_behaviours,
    flag_report,
    flags_read,
    loss_by_minute,
    prune,
    pruned_source,
    release_loss,
    release_source,
    violations_under_tests,
    woken_violations,
)
from mldebt_lessons.lessons.dead_experimental_codepaths.view import CODE_CHOICES
from mldebt_lessons.lessons.dead_experimental_codepaths.widget import ReleaseExplorer
from mldebt_lessons.shop.flags import checks, fleet, serving_v41, serving_v42
from mldebt_lessons.shop.flags.orders import MINUTES, order_stream, revenue
from mldebt_lessons.shop.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world()


def test_the_code_reads_five_flags_and_the_fleet_sets_six():
    today = flag_report(41)
    assert today.read == ("app_carousel", "fast_lane", "holiday_ranking", "strict_fraud", "winback_discount")
    assert today.paths == 32 and len(today.fleet_settings) == 2 and len(today.tested_settings) == 3
    assert today.status["legacy_tax"] == "read nowhere" and today.status["winback_discount"] == "live"
    assert today.status["fast_lane"] == "never flipped" and today.servers_on["fast_lane"] == 0
    release_day = flag_report(42)
    assert release_day.untested_fleet == 2 and release_day.nowhere == 32 - 5


def test_reading_flags_is_parsing_not_running():
    source = "def f(flags):\n    if not flags['a']:\n        return flags.get('b', 1)\n    return other['c']\n"
    assert flags_read(source) == {"a", "b"}
    assert len(all_settings(["a", "b", "c"])) == 8


def test_pruning_removes_exactly_the_never_flipped_branches(world):
    pruned = pruned_source(41)
    assert flags_read(pruned) == {"winback_discount"}
    assert "'instant'" not in pruned and "0.7 *" not in pruned
    # Pruning against a fleet where everything is flipped somewhere removes nothing.
    flipped = {"a": {name: False for name in fleet.DEFAULTS}, "b": {name: True for name in fleet.DEFAULTS}}
    assert flags_read(prune(release_source(41), flipped)) == flags_read(release_source(41))


def test_release_day_loss_comes_from_the_old_servers_orders(world):
    orders = order_stream(world)
    old = orders["server"] == "srv-8"
    flags = fleet.flags_of("srv-8", released=True)
    part = {k: v[old] for k, v in orders.items()}
    by_hand = (revenue(part, serving_v42.serve(part, flags)) - revenue(part, serving_v41.serve(part, flags))).sum()
    assert release_loss(world, ("srv-8",), MINUTES) == pytest.approx(by_hand)
    per_minute = loss_by_minute(world, ("srv-8",))
    assert (per_minute >= 0).all() and len(per_minute) == MINUTES
    assert release_loss(world, ("srv-8",), 15) < release_loss(world, ("srv-8",), 45) < release_loss(world, ("srv-8",), 60)


def test_controls_are_exactly_zero(world):
    assert release_loss(world, OLD_SERVER_CHOICES["srv-6 to srv-8"], MINUTES, pruned=True) == 0
    assert release_loss(world, (), MINUTES) == 0
    assert violations_under_tests(world) == 0 and violations_under_tests(world, 42) == 0
    assert woken_violations(world) > 0 and woken_violations(world, pruned=True) == 0
    assert distinct_behaviours(world, 42) == 32


def test_dead_status_is_computed_from_any_config():
    configs = {"s1": {"x": True, "y": False}, "s2": {"x": False, "y": False}}
    report = analyse("def f(flags):\n    return flags['x'] or flags['y']\n", configs, tested=[{"x": True}])
    assert report.status == {"x": "live", "y": "never flipped"}
    assert report.paths == 4 and report.nowhere == 2


def test_every_control_changes_what_is_shown_and_answers_fast(world):
    explorer = ReleaseExplorer(world)
    seen, times = set(), []
    for old in OLD_SERVER_CHOICES:
        for minutes in (5, 30, 60):
            for code in CODE_CHOICES:
                start = time.perf_counter()
                explorer.select(old, minutes, code)
                times.append(time.perf_counter() - start)
                seen.add((explorer.summary.value, bytes(explorer.picture.svg())))
    assert len(seen) == len(OLD_SERVER_CHOICES) * 3 * len(CODE_CHOICES)
    assert float(np.percentile(times, 95)) < 0.025
    explorer.select("srv-8", 45, "left in")
    assert "woke a dead path" in explorer.table.value and "£" in explorer.summary.value
    assert DETECTION_CHOICES[0] == 5 and DETECTION_CHOICES[-1] == MINUTES


def test_bad_choices_say_what_is_allowed():
    explorer = ReleaseExplorer()
    for bad in (("srv-9", 45, "left in"), ("srv-8", 44, "left in"), ("srv-8", 45, "deleted")):
        with pytest.raises(CourseInputError):
            explorer.select(*bad)


def test_tested_settings_are_the_fleets_today():
    today = {tuple(sorted(f.items())) for f in fleet.fleet_flags().values()}
    assert today <= {tuple(sorted(s.items())) for s in checks.TESTED_SETTINGS}


def test_every_headline_claim_holds_in_every_world(claims_sweep):
    for result in claims_sweep[0]:
        if result.lesson == "11" and result.headline:
            assert result.holds_at == result.seeds, result.claim
    assert {c.name for c in CLAIMS} >= {"pruned_costs_zero", "reuse_loses", "redeployed_lose_nothing"}


def test_the_picture_is_projector_sized_and_says_which_state_it_shows(world):
    import re

    from mldebt_lessons.course.drawing import MIN_TEXT_PX, PAGE_WIDTH
    explorer = ReleaseExplorer(world)
    explorer.select("srv-6 to srv-8", 60, "left in")
    svg = explorer.picture.svg().decode()
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= MIN_TEXT_PX and explorer.picture.size[0] <= PAGE_WIDTH
    assert "srv-6 to srv-8 left on release 41" in svg and "noticed after 60 min" in svg
    assert "woken on 3 servers" in svg and "<img" in explorer.static_html()
