"""Lesson 11's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import (
    DEFAULT_MINUTES,
    DEFAULT_OLD,
    OLD_SERVER_CHOICES,
    distinct_behaviours,
    flag_report,
    pruning_changes_today,
    redeployed_loss,
    release_loss,
    violations_under_tests,
    woken_violations,
)
from mldebt_lessons.shop.flags.orders import MINUTES

ALL_OLD = OLD_SERVER_CHOICES["srv-6 to srv-8"]


def every_setting_differs(world) -> float:
    """Distinct behaviours among release 42's 2**k flag settings, on the world's orders."""
    return float(distinct_behaviours(world, 42))


def release_day_untested(world) -> float:
    """Settings the fleet runs on release day that no test runs (the code, not the world, decides)."""
    return float(flag_report(42).untested_fleet)


def reuse_loses(world) -> float:
    """Pounds lost with srv-8 left on release 41, noticed after 45 minutes."""
    return release_loss(world, DEFAULT_OLD, DEFAULT_MINUTES)


def loss_grows_with_detection(world) -> float:
    """Loss noticed after 60 minutes over loss noticed after 15 (srv-8 left on release 41)."""
    return release_loss(world, DEFAULT_OLD, MINUTES) / release_loss(world, DEFAULT_OLD, 15)


def more_old_servers_lose_more(world) -> float:
    """Loss with three servers left on release 41 over the loss with one (45 minutes)."""
    return release_loss(world, ALL_OLD, DEFAULT_MINUTES) / release_loss(world, DEFAULT_OLD, DEFAULT_MINUTES)


def woken_path_breaks_checks(world) -> float:
    """Invariant breaks of release 41 under release day's flags, if the tested settings break none (else -1)."""
    return float(woken_violations(world)) if violations_under_tests(world) == 0 else -1.0


def pruned_costs_zero(world) -> float:
    """Pounds lost with pruned release 41 on three servers for the whole hour."""
    return release_loss(world, ALL_OLD, MINUTES, pruned=True)


def pruning_changes_nothing_today(world) -> float:
    """Orders whose decisions change when release 41 is pruned, with today's flags."""
    return float(pruning_changes_today(world))


def redeployed_lose_nothing(world) -> float:
    """Pounds lost by servers running release 42 with release day's flags."""
    return redeployed_loss(world)


CLAIMS = (
    Claim("every_setting_differs",
          "Release 42 reads five flags, and each of their 2^5 = 32 settings serves Larkspur's hour of orders "
          "differently: 32 distinct behaviours, each a path a test would have to run.",
          "distinct behaviours among the 32 settings", every_setting_differs, lambda v: v == 32, unit="count"),
    Claim("release_day_untested",
          "On release day the fleet runs two settings of the flags, and the tests run neither of them.",
          "settings the fleet runs that no test runs", release_day_untested, lambda v: v == 2, unit="count"),
    Claim("reuse_loses",
          "Reusing the flag name `fast_lane` with one server of eight left on the old release, noticed after "
          "45 minutes, loses money: discounts and shipped fraud on that server's orders.",
          "pounds lost (srv-8 old, 45 minutes)", reuse_loses, lambda v: v > 0, unit="pounds"),
    Claim("loss_grows_with_detection",
          "The loss grows with the time to notice: noticed after 60 minutes it is more than twice the loss "
          "noticed after 15.",
          "loss at 60 minutes / loss at 15", loss_grows_with_detection, lambda v: v > 2, unit="ratio"),
    Claim("more_old_servers_lose_more",
          "Three servers left on the old release lose more than one, in the same 45 minutes.",
          "loss with three old servers / with one", more_old_servers_lose_more, lambda v: v > 1, unit="ratio"),
    Claim("woken_path_breaks_checks",
          "The woken path breaks the checkout's own invariants on the world's orders, while every setting the "
          "tests run breaks none: the tests never ran it.",
          "invariant breaks on the woken path (hour of orders)", woken_path_breaks_checks, lambda v: v > 0,
          unit="count"),
    Claim("pruned_costs_zero",
          "Control: had the dead branches been pruned from release 41, reusing the name would cost exactly "
          "nothing, even with three servers left behind for the whole hour.",
          "pounds lost with pruned code", pruned_costs_zero, lambda v: v == 0, unit="pounds"),
    Claim("pruning_changes_nothing_today",
          "Control: pruning the dead branches changes no decision the fleet makes today.",
          "orders whose decisions change", pruning_changes_nothing_today, lambda v: v == 0, unit="count"),
    Claim("redeployed_lose_nothing",
          "Control: the servers that were redeployed lose exactly nothing; the new `fast_lane` only changes "
          "the checkout page.",
          "pounds lost on release 42", redeployed_lose_nothing, lambda v: v == 0, unit="pounds"),
)
