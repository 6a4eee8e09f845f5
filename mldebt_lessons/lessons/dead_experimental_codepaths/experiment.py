"""Dead experimental codepaths in Larkspur's checkout code, and the paper's Knight Capital story (§5).

Part 1, the flags. Larkspur's checkout code (``mldebt_lessons.shop.flags.serving_v41``) branches on
experiment flags. Reading its source with :mod:`ast` finds every flag it reads (``flags["name"]``);
the fleet's configuration (``mldebt_lessons.shop.flags.fleet``) says what each server sets. With k
independent flags the code has 2**k *settings* (combinations of flag values), each a path through the
code; the fleet runs a few of them, the tests (``checks.TESTED_SETTINGS``) run a few, and the rest run
nowhere. A flag is *dead* when it is read but set the same on every server (one of its branches never
runs), or set but read nowhere.

Part 2, the release. Release 42 deletes the ended 2019 ``fast_lane`` experiment and reuses its name for
a one-page checkout; release day turns ``fast_lane`` on everywhere. A server that was not redeployed
still runs release 41, where ``fast_lane`` wakes the old experiment: every order approved at once
(no fraud hold) with a 30% discount. The loss of an order is what release 42 would have earned on it
minus what the server's code earned, from the world's own orders (:mod:`mldebt_lessons.shop.flags.orders`):
baskets, and the fraud labels of the accounts. It accumulates minute by minute until someone notices.
*Pruning* removes the branches of dead flags from release 41 (an :mod:`ast` rewrite, loaded from a
temporary folder); the pruned code no longer reads ``fast_lane``, so reusing the name costs nothing.

>>> from mldebt_lessons.shop.world import build_world
>>> report = flag_report(41)
>>> report.paths, len(report.fleet_settings), len(report.tested_settings)
(32, 2, 3)
>>> sorted(report.dead)
['app_carousel', 'fast_lane', 'holiday_ranking', 'legacy_tax', 'strict_fraud']
>>> world = build_world()
>>> release_loss(world, ("srv-8",), 45) > 0, release_loss(world, ("srv-8",), 45, pruned=True)
(True, 0.0)
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import itertools
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.shop.flags import checks, fleet, serving_v41, serving_v42
from mldebt_lessons.shop.flags.orders import MINUTES, order_stream, revenue

RELEASES = {41: serving_v41, 42: serving_v42}
DEFAULT_OLD = ("srv-8",)  # Knight Capital: one server of eight kept the old code
DEFAULT_MINUTES = 45  # ... for about 45 minutes
OLD_SERVER_CHOICES = {
    "none": (),
    "srv-8": ("srv-8",),
    "srv-7 and srv-8": ("srv-7", "srv-8"),
    "srv-6 to srv-8": ("srv-6", "srv-7", "srv-8"),
}
DETECTION_CHOICES = tuple(range(5, MINUTES + 1, 5))
STATUSES = ("live", "never flipped", "read nowhere")


def release_source(release: int) -> str:
    """The source text of checkout release ``release`` (41 or 42), as it is on disk."""
    if release not in RELEASES:
        raise unknown_choice("release", release, [str(r) for r in RELEASES])
    return Path(RELEASES[release].__file__).read_text(encoding="utf-8")


def _flag_name(node: ast.AST) -> str | None:
    """The flag a node reads: ``flags["name"]`` or ``flags.get("name", ...)``; None for anything else."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "flags"
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
        return node.slice.value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "flags" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


def flags_read(source: str) -> set[str]:
    """Every flag the code in ``source`` reads, found by parsing it (the code is not run).

    >>> sorted(flags_read('def f(flags):\\n    return 1 if flags["a"] else flags.get("b")'))
    ['a', 'b']
    """
    return {name for node in ast.walk(ast.parse(source)) if (name := _flag_name(node)) is not None}


def flags_set(configs: dict[str, dict[str, bool]]) -> set[str]:
    """Every flag some server's configuration sets."""
    return {name for flags in configs.values() for name in flags}


@dataclass(frozen=True)
class FlagReport:
    """What the code reads and the fleet sets, and how many settings run where."""

    read: tuple[str, ...]  # flags the code reads, sorted
    status: dict[str, str]  # every flag read or set: live, never flipped, read nowhere
    servers_on: dict[str, int]  # how many servers set each flag on
    paths: int  # 2 ** len(read)
    fleet_settings: frozenset  # settings (tuples of the read flags' values) some server runs
    tested_settings: frozenset  # settings the tests run

    @property
    def dead(self) -> set[str]:
        return {name for name, s in self.status.items() if s != "live"}

    @property
    def untested_fleet(self) -> int:
        """Settings the fleet runs that no test runs."""
        return len(self.fleet_settings - self.tested_settings)

    @property
    def nowhere(self) -> int:
        """Settings that neither a server nor a test runs."""
        return self.paths - len(self.fleet_settings | self.tested_settings)


def analyse(source: str, configs: dict[str, dict[str, bool]], tested=checks.TESTED_SETTINGS) -> FlagReport:
    """The flag report of ``source`` served with ``configs`` ({server: flags}) and tested under ``tested``."""
    read = tuple(sorted(flags_read(source)))
    status, servers_on = {}, {}
    for name in sorted(set(read) | flags_set(configs)):
        values = {bool(flags.get(name, False)) for flags in configs.values()}
        servers_on[name] = sum(bool(flags.get(name, False)) for flags in configs.values())
        status[name] = "read nowhere" if name not in read else ("live" if len(values) > 1 else "never flipped")
    setting = lambda flags: tuple(bool(flags.get(name, False)) for name in read)  # noqa: E731
    return FlagReport(read, status, servers_on, 2 ** len(read), frozenset(setting(f) for f in configs.values()),
                      frozenset(setting(f) for f in tested))


def flag_report(release: int = 41, released: bool | None = None) -> FlagReport:
    """The report of checkout ``release`` with the fleet's flags: today's for 41, release day's for 42."""
    released = release == 42 if released is None else released
    return analyse(release_source(release), fleet.fleet_flags(released))


# -- every setting of the flags -------------------------------------------------------------------

def all_settings(names) -> list[dict[str, bool]]:
    """Every combination of on/off for ``names``: 2 ** len(names) of them."""
    names = list(names)
    return [dict(zip(names, values)) for values in itertools.product((False, True), repeat=len(names))]


def behaviour(decisions: dict[str, np.ndarray]) -> str:
    """A fingerprint of every decision made: two settings with the same fingerprint serve alike."""
    digest = hashlib.sha256()
    for key in sorted(decisions):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(decisions[key]).tobytes())
    return digest.hexdigest()


def distinct_behaviours(world, release: int = 42) -> int:
    """How many of the release's 2**k flag settings serve the world's orders differently from each other."""
    module = RELEASES[release] if release in RELEASES else release_module(release)
    orders = order_stream(world)
    read = sorted(flags_read(release_source(release)))
    base = {name: False for name in read}
    return len({behaviour(module.serve(orders, {**base, **s})) for s in all_settings(read)})


# -- pruning ------------------------------------------------------------------------------------

class _Pruner(ast.NodeTransformer):
    """Replace every branch on a dead flag by the side its one value takes."""

    def __init__(self, values: dict[str, bool]):
        self.values = values

    def _value(self, test) -> bool | None:
        negate = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        name = _flag_name(test.operand if negate else test)
        if name is None or name not in self.values:
            return None
        return (not self.values[name]) if negate else self.values[name]

    def visit_If(self, node):
        self.generic_visit(node)
        value = self._value(node.test)
        if value is None:
            return node
        kept = node.body if value else node.orelse
        return kept or None

    def visit_IfExp(self, node):
        self.generic_visit(node)
        value = self._value(node.test)
        return node if value is None else (node.body if value else node.orelse)


def prune(source: str, configs: dict[str, dict[str, bool]]) -> str:
    """``source`` with every branch on a never-flipped flag replaced by the branch the fleet runs.

    The fleet's behaviour does not change; the code stops reading those flags (comments are lost,
    as :func:`ast.unparse` drops them). The module's docstring is replaced by one that says what was
    pruned, since the old one may describe the branches that are gone.
    """
    report = analyse(source, configs)
    values = {name: bool(next(iter(configs.values())).get(name, False))
              for name, s in report.status.items() if s == "never flipped"}
    tree = ast.fix_missing_locations(_Pruner(values).visit(ast.parse(source)))
    docstring = ast.get_docstring(tree)
    if docstring and values:
        settled = ", ".join(f"{name}={values[name]}" for name in sorted(values))
        note = textwrap.fill(f"Every branch on a flag set the same on every server ({settled}) was replaced "
                             "by the side the fleet runs, by an ast rewrite; comments were dropped.", 72)
        head = textwrap.fill(f"Pruned copy of: {docstring.splitlines()[0]}", 72)
        tree.body[0].value.value = f"{head}\n\n{note}\n"
    return ast.unparse(tree) + "\n"


@functools.lru_cache(maxsize=8)
def load_module(source: str, name: str):
    """Run ``source`` (Larkspur's own code, never a learner's text) as a module, from a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def pruned_source(release: int = 41) -> str:
    """Release ``release`` pruned against today's fleet (before release day)."""
    return prune(release_source(release), fleet.fleet_flags(False))


def release_module(release):
    """A checkout module: 41, 42, or "41 pruned"."""
    if release == "41 pruned":
        return load_module(pruned_source(41), "serving_v41_pruned")
    if release not in RELEASES:
        raise unknown_choice("release", release, ["41", "42", "41 pruned"])
    return RELEASES[release]


# -- release day ----------------------------------------------------------------------------------

def decisions_by_server(world, code_of: dict[str, object], released: bool = True) -> dict[str, np.ndarray]:
    """Every order's decisions, each made by the code its server runs (``code_of``: server -> module)."""
    orders = order_stream(world)
    out = None
    for server in fleet.SERVERS:
        rows = orders["server"] == server
        part = code_of[server].serve({k: v[rows] for k, v in orders.items()}, fleet.flags_of(server, released))
        if out is None:
            out = {k: np.empty(len(rows), dtype=np.asarray(v).dtype if k != "page" else object)
                   for k, v in part.items()}
        for k, v in part.items():
            out[k][rows] = v
    return out


@functools.lru_cache(maxsize=16)
def _loss_table(world, code: str) -> np.ndarray:
    """Loss (pounds) per minute and server if every server ran ``code`` ("41", "41 pruned", "42") on
    release day, against release 42 on the same orders with the same flags."""
    orders = order_stream(world)
    intended = decisions_by_server(world, dict.fromkeys(fleet.SERVERS, serving_v42))
    module = release_module(41 if code == "41" else (42 if code == "42" else code))
    actual = decisions_by_server(world, dict.fromkeys(fleet.SERVERS, module))
    lost = revenue(orders, intended) - revenue(orders, actual)
    table = np.zeros((MINUTES, len(fleet.SERVERS)))
    column = np.searchsorted(np.array(fleet.SERVERS), orders["server"])
    np.add.at(table, (orders["minute"], column), lost)
    table.setflags(write=False)
    return table


def check_servers(old_servers) -> tuple[str, ...]:
    if isinstance(old_servers, str):
        old_servers = OLD_SERVER_CHOICES.get(old_servers, (old_servers,))
    return tuple(fleet.check_server(s) for s in old_servers)


def check_minutes(minutes) -> int:
    if not isinstance(minutes, (int, np.integer)) or isinstance(minutes, bool) or not 0 <= minutes <= MINUTES:
        raise CourseInputError(f"minutes must be a whole number from 0 to {MINUTES}, not {minutes!r}")
    return int(minutes)


def loss_by_minute(world, old_servers=DEFAULT_OLD, pruned: bool = False) -> np.ndarray:
    """Loss in each minute of release day's first hour, from the servers left on release 41."""
    columns = [fleet.SERVERS.index(s) for s in check_servers(old_servers)]
    table = _loss_table(world, "41 pruned" if pruned else "41")
    return table[:, columns].sum(axis=1)


def release_loss(world, old_servers=DEFAULT_OLD, minutes: int = DEFAULT_MINUTES, pruned: bool = False) -> float:
    """The loss (pounds) until someone notices after ``minutes`` and turns ``fast_lane`` off."""
    return float(loss_by_minute(world, old_servers, pruned)[:check_minutes(minutes)].sum())


def redeployed_loss(world) -> float:
    """Control: the loss of servers that run release 42 (it earns exactly what release 42 earns)."""
    return float(_loss_table(world, "42").sum())


def woken_violations(world, pruned: bool = False) -> int:
    """Orders on which the old code with release day's flags breaks the tests' invariants."""
    module = release_module("41 pruned" if pruned else 41)
    orders = order_stream(world)
    decisions = module.serve(orders, fleet.flags_of(fleet.SERVERS[-1], released=True))
    return sum(checks.violations(orders, decisions).values())


def violations_under_tests(world, release=41) -> int:
    """Orders breaking the invariants under the settings the tests run (the tests pass: zero)."""
    module = release_module(release)
    orders = order_stream(world)
    return sum(sum(checks.violations(orders, module.serve(orders, s)).values()) for s in checks.TESTED_SETTINGS)


def pruning_changes_today(world) -> int:
    """Orders whose decisions differ between release 41 and pruned release 41 with today's flags."""
    orders = order_stream(world)
    before = decisions_by_server(world, dict.fromkeys(fleet.SERVERS, serving_v41), released=False)
    after = decisions_by_server(world, dict.fromkeys(fleet.SERVERS, release_module("41 pruned")), released=False)
    differ = np.zeros(len(orders["basket"]), dtype=bool)
    for key in before:
        differ |= np.asarray(before[key] != after[key])
    return int(differ.sum())
