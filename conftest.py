"""How `make test` shares the run between two processes (pytest-xdist, ``-n 2 --dist loadfile``).

Each process takes whole groups of tests, one group at a time: a test file (its tests share its
fixtures), a notebook (its cells run in order in one kernel), or one notebook's browser tests (each
process that runs browser tests starts its own JupyterLab and Chromium, so the slowest suite is
shared by both processes instead of holding one of them to the end).

A timed test that measures what a learner feels (a key press to the picture in JupyterLab) asks for
a quiet machine with the ``quiet_machine`` fixture: while it measures, the other process finishes
the test it is running and starts no other (see :func:`quiet_machine`). A learner has one notebook
open, not the rest of the test suite running beside it.
"""

import contextlib
import os

import pytest

LATENCIES: list[str] = []  # what the browser tests measured, gathered from every process


def group_of(nodeid: str) -> str:
    """The group a test belongs to, from its pytest node id.

    >>> group_of("notebooks/01_entanglement_cace.ipynb::Cell 3")
    'notebooks/01_entanglement_cace.ipynb'
    >>> group_of("tests/browser/test_notebooks_in_jupyterlab.py::test_every_widget_renders[05_underutilized]")
    'tests/browser/test_notebooks_in_jupyterlab.py[05_underutilized]'
    >>> group_of("tests/test_world.py::test_build_world_takes_under_a_second")
    'tests/test_world.py'
    """
    path, _, name = nodeid.partition("::")
    if path.startswith("tests/browser/") and name.endswith("]") and "[" in name:
        return path + name[name.index("["):]
    return path


# --- a quiet machine for the tests that time what a learner feels ----------------------------------------------------

def _quiet_locks(config):
    """The two lock files this run's processes share (a gate, then the lock itself), or None when there
    is no other process to wait for (no pytest-xdist) or no file locks (Windows)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    try:
        import fcntl
    except ImportError:
        return None
    if not hasattr(config, "_quiet_files"):
        shared = config._tmp_path_factory.getbasetemp().parent  # one folder per run, shared by its processes
        config._quiet_files = tuple(open(shared / name, "a") for name in ("quiet-gate.lock", "quiet.lock"))
    return fcntl, config._quiet_files


def _take(fcntl, gate, lock, mode, keep_gate: bool = False) -> None:
    """Pass the gate, then take the lock in ``mode`` (shared or alone); keep the gate only if asked."""
    fcntl.flock(gate, fcntl.LOCK_EX)
    try:
        fcntl.flock(lock, mode)
    finally:
        if not keep_gate:
            fcntl.flock(gate, fcntl.LOCK_UN)


@contextlib.contextmanager
def _holding(config, exclusive: bool):
    """Every test holds the lock shared; a quiet measurement holds it alone. Both pass the gate first, and a
    measurement keeps the gate until it is done, so that a stream of short tests cannot starve it."""
    locks = _quiet_locks(config)
    if locks is None:
        yield
        return
    fcntl, (gate, lock) = locks
    _take(fcntl, gate, lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, keep_gate=exclusive)
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        if exclusive:
            fcntl.flock(gate, fcntl.LOCK_UN)


@contextlib.contextmanager
def waiting_quietly(config):
    """Inside it, a test that waits for something else (the claims sweep, say) lets go of the shared lock,
    so that a quiet measurement in the other process is not held up by a test that only waits."""
    locks = _quiet_locks(config)
    if locks is None:
        yield
        return
    fcntl, (gate, lock) = locks
    fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        yield
    finally:
        _take(fcntl, gate, lock, fcntl.LOCK_SH)


def pytest_configure(config):
    config.waiting_quietly = lambda: waiting_quietly(config)  # for fixtures in tests/conftest.py


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Each test, with its fixtures' set-up and tear-down, runs holding the shared lock; a test that
    measures on a quiet machine takes the lock alone, only while it measures."""
    if "quiet_machine" in getattr(item, "fixturenames", ()):
        yield
        return
    with _holding(item.config, exclusive=False):
        yield


@pytest.fixture
def quiet_machine(request):
    """A context manager: inside it, the other test process runs nothing (it finishes its current test
    first). Use it around the timed part only, as it holds the other process up.

        with quiet_machine():
            samples = [time_one_key_press() for _ in range(20)]
    """
    return lambda: _holding(request.config, exclusive=True)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: without pytest-xdist there is nothing to share
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        """pytest-xdist's scheduling by scope, with :func:`group_of` as the scope."""

        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return ByGroup(config, log)


def pytest_runtest_logreport(report):
    """Gather the latencies the browser tests record (``record_property("latency", ...)``)."""
    if report.when == "call":
        LATENCIES.extend(value for name, value in report.user_properties if name == "latency")


def pytest_terminal_summary(terminalreporter):
    """What a learner feels, printed at the end of the run: key press to updated view, per lesson."""
    if LATENCIES:
        terminalreporter.write_sep("-", "widget latency in JupyterLab, key press to updated view")
        for line in sorted(LATENCIES):
            terminalreporter.write_line(line)
