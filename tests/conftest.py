"""Fixtures shared by the test files."""

import contextlib
import os
import pickle
import time

import pytest

from mldebt_lessons.course.claims import SEEDS, measure_claims
from mldebt_lessons.lessons import CLAIMS


@pytest.fixture(scope="session")
def claims_sweep(tmp_path_factory):
    """Every claim of every lesson, measured once in all 20 worlds (both cores); and what it cost.

    When `make test` splits the run over two processes (pytest-xdist), the first process to ask
    measures and leaves the result for the other, so the sweep still runs once per test run.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return measure_sweep()
    shared = tmp_path_factory.getbasetemp().parent / "claims_sweep.pickle"  # one folder per test run
    with exclusive(shared.with_suffix(".lock")):
        if not shared.exists():
            shared.write_bytes(pickle.dumps(measure_sweep()))
        return pickle.loads(shared.read_bytes())


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

