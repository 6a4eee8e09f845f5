"""Lesson 13's claims, measured in every world `mldebt claims` samples."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.common_smells.experiment import (
    assumption_holds,
    basket_features,
    basket_outcome,
    released_share,
    same_values,
    session_outcome,
    slip_is_caught,
    threshold_outcome,
    vip_lost,
    world_orders,
)
from mldebt_lessons.shop.smells.orders import basket_one_definition


def plain_threshold_releases(world) -> float:
    """Of the users the rule should hold (fraud risk 15% or more), the share the plain float lets through."""
    return released_share(world)


def typed_fix_control(world) -> float:
    """Hold decisions of the typed rule that differ from the rule as meant (should be none)."""
    return threshold_outcome(world, "fixed").flipped


def types_catch_the_slip(world) -> float:
    """1 when the small test fails on the plain code and passes on the typed code, and the typed code refuses
    the slip with a TypeError."""
    smelly, fixed = threshold_outcome(world, "smelly"), threshold_outcome(world, "fixed")
    return float(smelly.test.startswith("fails") and fixed.test == "passes" and slip_is_caught())


def languages_skew(world) -> float:
    """Share of home users whose average basket differs between the SQL and the numpy definitions."""
    sql, python = basket_features(world)
    return float(np.mean(~same_values(sql, python)))


def languages_flip_vips(world) -> float:
    """Of the test users the SQL-trained ltv model makes VIPs, the share it drops when served numpy's basket."""
    return vip_lost(world)


def one_definition_control(world) -> float:
    """Users whose basket differs plus VIP decisions flipped, when serving runs the training query."""
    fixed = basket_outcome(world, "fixed")
    sql, _ = basket_features(world)
    served = basket_one_definition(world_orders(world), len(sql))
    return float(np.sum(~same_values(sql, served))) + fixed.flipped * fixed.users


def prototype_flips(world) -> float:
    """Share of the remaining users whose homepage carousel decision flips after 2% of accounts are erased."""
    return session_outcome(world, "smelly").flipped


def prototype_controls(world) -> float:
    """Decisions flipped by the prototype before the erasure, plus by the count joined on id after it."""
    before = session_outcome(world, "smelly", erased=False)
    after = session_outcome(world, "fixed")
    return before.flipped * before.users + after.flipped * after.users


def assumption_test_catches(world) -> float:
    """1 when the one-line test of the prototype's assumption passes before the erasure and fails after it."""
    return float(assumption_holds(world, erased=False) and not assumption_holds(world, erased=True))


CLAIMS = (
    Claim("plain_threshold_releases",
          "Plain-old-data: comparing the fraud model's log-odds with the threshold 0.15, meant as a probability, "
          "lets through more than half of the users who should be held; the code runs without a warning.",
          "share of should-be-held users not held", plain_threshold_releases, lambda v: v > 0.5, unit="share"),
    Claim("typed_fix_control",
          "Control: with Probability and LogOdds types and one explicit conversion, exactly zero hold decisions "
          "differ from the rule as meant.",
          "share of hold decisions that differ", typed_fix_control, lambda v: v == 0, unit="share"),
    Claim("types_catch_the_slip",
          "A five-user test of the hold rule fails on the plain code and passes on the typed code, and the typed "
          "code refuses the plain slip with a TypeError.",
          "fails plain, passes typed, slip refused:", types_catch_the_slip, lambda v: v == 1, unit="flag"),
    Claim("languages_skew",
          "Multiple languages: SQL's AVG (which skips cancelled orders' NULLs) and the numpy rewrite (which fills "
          "them with 0) give a different average basket for more than a tenth of users.",
          "share of users whose feature differs", languages_skew, lambda v: v > 0.1, unit="share"),
    Claim("languages_flip_vips",
          "Served the numpy feature, the ltv model trained on the SQL feature drops some of the VIPs it would "
          "invite.",
          "share of VIP invitations lost", languages_flip_vips, lambda v: v > 0, unit="share"),
    Claim("one_definition_control",
          "Control: when serving runs the very query training ran, exactly zero users' baskets and zero VIP "
          "decisions differ.",
          "users differing plus decisions flipped", one_definition_control, lambda v: v == 0, unit="count"),
    Claim("prototype_flips",
          "Prototype: after the accounts team erases 2% of accounts, the notebook's session count silently hands "
          "users each other's sessions and flips more than a tenth of the homepage's carousel decisions.",
          "share of remaining users whose decision flips", prototype_flips, lambda v: v > 0.1, unit="share"),
    Claim("prototype_controls",
          "Control: before the erasure the prototype flips nothing, and after it the count joined on the user id "
          "flips nothing (exactly zero decisions).",
          "decisions flipped, both controls added", prototype_controls, lambda v: v == 0, unit="count"),
    Claim("assumption_test_catches",
          "A one-line test of the prototype's assumption (the ids are the row numbers) passes before the erasure "
          "and fails after it.",
          "passes before, fails after:", assumption_test_catches, lambda v: v == 1, unit="flag"),
)
