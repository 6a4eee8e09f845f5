"""Fixtures shared by the test files."""

import time

import pytest

from mldebt_lessons.course.claims import SEEDS, measure_claims
from mldebt_lessons.lessons import CLAIMS


@pytest.fixture(scope="session")
def claims_sweep():
    """Every claim of every lesson, measured once in all 20 worlds (both cores); and what it cost.

    The cost is the processor time of this process and its workers, spread over two cores: what the
    sweep takes on an idle 2-core machine, whatever else shares the machine while the tests run.
    """
    started, cpu = time.perf_counter(), cpu_seconds()
    results = measure_claims(dict(CLAIMS), seeds=SEEDS)
    return results, {"wall": time.perf_counter() - started, "on two idle cores": (cpu_seconds() - cpu) / 2}


def cpu_seconds() -> float:
    """Processor time used so far by this process and by its finished child processes."""
    try:
        import resource
    except ImportError:  # Windows: no child times; the wall clock will have to do
        return 2 * time.perf_counter()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
