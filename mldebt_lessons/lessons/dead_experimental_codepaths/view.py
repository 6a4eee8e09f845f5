"""What lesson 11's picture and table show for one release-day scenario, as plain data.

The picture: Larkspur's eight checkout servers and the three paths the checkout can take for an
order once ``fast_lane`` is on (the standard page for everyone, release 42's one-page checkout for app
users, release 41's woken 2019 experiment), a dark arrow from each server to the path it runs on release day. The table: every flag, who sets it, whether
a test ever sets it, which deployed code reads it, and its status.

>>> from mldebt_lessons.shop.world import build_world
>>> view = release_view(build_world(), "srv-8", 45, False)
>>> view.notes["instant approval"].startswith("woken"), ("srv-8", "instant approval") in view.lit_edges
(True, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import networkx as nx
import numpy as np

from mldebt_lessons.course.drawing import OKABE_ITO, GraphPicture, blend
from mldebt_lessons.course.tables import rows_html
from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import (
    DETECTION_CHOICES,
    OLD_SERVER_CHOICES,
    flag_report,
    flags_read,
    flags_set,
    loss_by_minute,
    pruned_source,
    release_source,
)
from mldebt_lessons.shop.flags import checks, fleet, serving_v42
from mldebt_lessons.shop.flags.orders import order_stream

PATHS = {
    "standard for all": "the standard page for every order: release 41 with fast_lane off, or pruned",
    "one-page for app users": "release 42: fast_lane on means the new one-page checkout for app users",
    "instant approval": "release 41: fast_lane on wakes the 2019 experiment: no fraud hold, 30% off",
}
WOKEN_FILL = blend(OKABE_ITO["vermillion"], 0.75)
LIVE_FILL = blend(OKABE_ITO["green"], 0.35)
OLD_FILL = OKABE_ITO["yellow"]
DEAD_FILL = "#DDDDDD"
CODE_CHOICES = ("left in", "pruned")


@dataclass(frozen=True)
class ReleaseView:
    old: str
    minutes: int
    pruned: bool
    fills: dict[str, str]
    notes: dict[str, str]
    lit_edges: frozenset
    title: str
    summary: str
    table_rows: list[dict]
    loss: float


def release_graph() -> nx.DiGraph:
    """Servers (kind "app server") and the checkout's paths (kind "code path"), every server to every path."""
    g = nx.DiGraph()
    for server in fleet.SERVERS:
        g.add_node(server, kind="app server", description="a checkout server")
    for path, description in PATHS.items():
        g.add_node(path, kind="code path", description=description)
    g.add_edges_from((server, path) for server in fleet.SERVERS for path in PATHS)
    return g


def _title(old: str, minutes: int, pruned: bool) -> str:
    who = "every server redeployed" if old == "none" else f"{old} left on release 41"
    return f"Release day: {who}; dead code {CODE_CHOICES[pruned]}; noticed after {minutes} min"


def longest_title() -> str:
    return max((_title(o, m, p) for o in OLD_SERVER_CHOICES for m in DETECTION_CHOICES for p in (False, True)), key=len)


def longest_notes() -> dict[str, str]:
    notes = dict.fromkeys(fleet.SERVERS, "release 41: £99,999")
    notes.update(dict.fromkeys(PATHS, "woken on 3 servers"))
    notes["instant approval"] = "pruned: not in the code"
    return notes


def release_picture(title: str | None = None) -> GraphPicture:
    """An unpainted picture of the fleet, sized for every state's title and notes."""
    return GraphPicture(release_graph(), title=title or longest_title(), longest_note=longest_notes())


def _servers(n: int) -> str:
    return f"{n} server{'s' if n != 1 else ''}"


@functools.lru_cache(maxsize=4)
def _reports(pruned: bool):
    """Flag reports of the code each server may run, with release day's flags."""
    configs = fleet.fleet_flags(True)
    old = pruned_source(41) if pruned else release_source(41)
    return flags_read(old), flags_read(release_source(42)), configs


def flag_rows(old_servers: tuple[str, ...], pruned: bool) -> list[dict]:
    """One row per flag: servers that set it on, tests that do, which deployed code reads it, its status."""
    old_reads, new_reads, configs = _reports(pruned)
    deployed = [("41" + (" pruned" if pruned else ""), old_reads)] if old_servers else []
    if len(old_servers) < len(fleet.SERVERS):
        deployed.append(("42", new_reads))
    source_reads = set().union(*(reads for _, reads in deployed))
    rows = []
    for name in sorted(flags_set(configs) | source_reads):
        readers = [label for label, reads in deployed if name in reads]
        on = sum(flags[name] for flags in configs.values())
        tests = sum(bool(s.get(name, False)) for s in checks.TESTED_SETTINGS)
        if not readers:
            state = "read nowhere"
        elif name == "fast_lane" and old_servers and not pruned:
            state = "woke a dead path"
        elif 0 < on < len(configs):
            state = "live"
        else:
            state = "never flipped"
        rows.append({"flag": name, "servers on": f"{on} of {len(configs)}", "tests on": f"{tests} of "
                     f"{len(checks.TESTED_SETTINGS)}", "read by": " and ".join(readers) or "nothing",
                     "status": state})
    return rows


@functools.lru_cache(maxsize=256)
def release_view(world, old: str, minutes: int, pruned: bool) -> ReleaseView:
    """Everything the explorer shows for one scenario."""
    old_servers = OLD_SERVER_CHOICES[old]
    per_minute = loss_by_minute(world, old_servers, pruned)
    loss = float(per_minute[:minutes].sum())
    orders = order_stream(world)
    hit = np.isin(orders["server"], old_servers) & (orders["minute"] < minutes)
    fills, notes, lit = {}, {}, set()
    runs = dict.fromkeys(PATHS, 0)
    for k, server in enumerate(fleet.SERVERS):
        if server in old_servers:
            path = "standard for all" if pruned else "instant approval"
            column = loss_by_minute(world, (server,), pruned)[:minutes].sum()
            fills[server] = OLD_FILL if pruned else WOKEN_FILL
            notes[server] = f"release 41: £{column:,.0f}"
        else:
            path = "one-page for app users"
            fills[server] = LIVE_FILL
            notes[server] = "release 42"
        runs[path] += 1
        lit.add((server, path))
    for path, n in runs.items():
        if path == "instant approval" and pruned:
            fills[path], notes[path] = DEAD_FILL, "pruned: not in the code"
        elif path == "instant approval":
            fills[path] = WOKEN_FILL if n else DEAD_FILL
            notes[path] = f"woken on {_servers(n)}" if n else "dead: no server"
        else:
            fills[path] = LIVE_FILL if n else DEAD_FILL
            notes[path] = f"runs on {_servers(n)}" if n else "no server runs it"
    if not old_servers:
        pruning = ("pruning release 41 changes nothing, since no server runs it" if pruned else
                   "release 41's dead branch is still in the code, but no server runs release 41")
        summary = (f"Every server runs release 42, where fast_lane means the one-page checkout ({pruning}): "
                   f"£{loss:,.0f} lost in the first {minutes} minutes.")
    elif pruned:
        one = len(old_servers) == 1
        summary = (f"{old} still run{'s' if one else ''} release 41, but pruned: {'it' if one else 'they'} no longer "
                   f"read{'s' if one else ''} fast_lane, so {'its' if one else 'their'} {int(hit.sum())} orders in "
                   f"{minutes} minutes are served as before: £{loss:,.0f} lost.")
    else:
        fraud = int((hit & orders["fraud"] & (orders["fraud_score"] >= serving_v42.FRAUD_THRESHOLD)).sum())
        summary = (f"On {old}, fast_lane woke the 2019 instant approval: {int(hit.sum())} orders in {minutes} "
                   f"minutes got 30% off and no fraud hold ({fraud} fraudulent orders that release 42 would have "
                   f"held were shipped): £{loss:,.0f} lost.")
    report = flag_report(42)
    summary += (f" Release 42's flags have {report.paths} settings: the fleet runs {len(report.fleet_settings)} on release "
                f"day, {'none' if report.untested_fleet == len(report.fleet_settings) else 'not all'} of them tested.")
    return ReleaseView(old, minutes, pruned, fills, notes, frozenset(lit), _title(old, minutes, pruned), summary,
                       flag_rows(old_servers, pruned), loss)


def table_html(view: ReleaseView) -> str:
    return rows_html(view.table_rows)
