"""Fixtures shared by the test files."""

import contextlib
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mldebt_lessons.course.claims import SEEDS, measure_claims
from mldebt_lessons.lessons import CLAIMS


@pytest.fixture(scope="session")
def claims_sweep(request, tmp_path_factory):
    """Every claim of every lesson, measured once in all 20 worlds (both cores); and what it cost.

    The sweep starts in the background as soon as the tests are collected (``pytest_collection_finish``
    below), at a low priority, so it uses the time the other tests leave free. When `make test` splits the
    run over two processes (pytest-xdist), both read the one result: the sweep still runs once per run.
    """
    shared = sweep_path(tmp_path_factory)
    waiting = getattr(request.config, "waiting_quietly", contextlib.nullcontext)  # see the conftest.py above
    with waiting(), exclusive(shared.with_suffix(".lock")):  # held by the background sweep until it is done
        if not shared.exists():  # nothing started it (no file locks), or it failed: measure it here
            write_sweep(shared)
        return pickle.loads(shared.read_bytes())


def sweep_path(tmp_path_factory) -> Path:
    """Where this test run keeps its sweep: one folder per run, shared by its xdist processes."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "claims_sweep.pickle"


def write_sweep(shared: Path) -> None:
    """Measure the sweep and leave it in ``shared`` (whole, or not at all)."""
    partial = shared.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(measure_sweep()))
    os.replace(partial, shared)


BACKGROUND = """import importlib.util, sys
spec = importlib.util.spec_from_file_location("sweep_fixtures", sys.argv[1])
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)
fixtures.write_sweep(fixtures.Path(sys.argv[2]))
"""


def pytest_collection_finish(session):
    """Start the sweep in the background if a collected test needs it (once per run: in the first
    xdist process, or in the only one). It holds the lock until it is done, so the fixture waits."""
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0" or not hasattr(os, "nice"):
        return
    if session.config.option.collectonly:
        return
    if not any("claims_sweep" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    try:
        import fcntl
    except ImportError:
        return
    shared = sweep_path(session.config._tmp_path_factory)
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the child inherits the lock; it is released when the child exits
        subprocess.Popen([sys.executable, "-c", BACKGROUND, __file__, str(shared)], pass_fds=(lock.fileno(),),
                         preexec_fn=lambda: os.nice(15), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def measure_sweep():
    """The sweep's results, and its cost: the processor time of this process and its workers,
    spread over two cores (what it takes on an idle 2-core machine, whatever else runs meanwhile)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    results = measure_claims(dict(CLAIMS), seeds=SEEDS)
    return results, {"wall": time.perf_counter() - started, "on two idle cores": (cpu_seconds() - cpu) / 2}


@contextlib.contextmanager
def exclusive(lock_path):
    """Hold an exclusive lock on ``lock_path`` (where the system has file locks) while inside."""
    try:
        import fcntl
    except ImportError:  # Windows: each process measures its own sweep, which is slower but right
        yield
        return
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cpu_seconds() -> float:
    """Processor time used so far by this process and by its finished child processes."""
    try:
        import resource
    except ImportError:  # Windows: no child times; the wall clock will have to do
        return 2 * time.perf_counter()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

