"""How `make test` shares the run between two processes (pytest-xdist, ``-n 2 --dist loadfile``).

Each process takes whole groups of tests, one group at a time: a test file (its tests share its
fixtures), a notebook (its cells run in order in one kernel), or one notebook's browser tests (each
process that runs browser tests starts its own JupyterLab and Chromium, so the slowest suite is
shared by both processes instead of holding one of them to the end).
"""

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
