"""Larkspur's checkout fleet: eight servers, the release each runs, and each server's flag settings.

A server's flags are the fleet's defaults with its own overrides on top. ``RELEASE_FLAGS`` is what
release day sets on every server: ``fast_lane`` on, now meaning the one-page checkout.

>>> flags_of("srv-1")["winback_discount"], flags_of("srv-8")["winback_discount"]
(True, False)
>>> flags_of("srv-8", released=True)["fast_lane"]
True
"""

from __future__ import annotations

from mldebt_lessons.errors import unknown_choice

SERVERS = tuple(f"srv-{k}" for k in range(1, 9))
TODAY_RELEASE = 41  # what every server runs before release day
NEW_RELEASE = 42

DEFAULTS = {
    "strict_fraud": False,      # 2021 experiment, ended
    "winback_discount": False,  # 2022 experiment, still on half the fleet (see SERVER_FLAGS)
    "app_carousel": True,       # 2020, kept
    "holiday_ranking": False,   # 2020 ranking tweak, ended
    "fast_lane": False,         # 2019 experiment, ended
    "legacy_tax": True,         # a 2018 setting; the code that read it is gone
}
SERVER_FLAGS = {server: {"winback_discount": True} for server in SERVERS[:4]}
RELEASE_FLAGS = {"fast_lane": True}


def check_server(server: str) -> str:
    if server not in SERVERS:
        raise unknown_choice("server", server, SERVERS)
    return server


def flags_of(server: str, released: bool = False) -> dict[str, bool]:
    """The flags ``server`` serves with: today's, or on release day (``released``)."""
    flags = {**DEFAULTS, **SERVER_FLAGS.get(check_server(server), {})}
    return {**flags, **RELEASE_FLAGS} if released else flags


def fleet_flags(released: bool = False) -> dict[str, dict[str, bool]]:
    """Every server's flags, by server."""
    return {server: flags_of(server, released) for server in SERVERS}
