"""`mldebt audit`: find the hidden-technical-debt anti-patterns in an ML or LLM system, and rank them.

Read how a system is wired (a manifest, OpenLineage events, a dbt manifest, a code base), run one
detector per anti-pattern of Sculley et al. (2015), rank the findings by what to pay down first,
and score the ML Test Score self-assessment. The toy world and a learner's system go through the
same code.

Example
-------
>>> from mldebt_lessons.audit import audit_system
>>> from mldebt_lessons.audit.toy import toy_system
>>> result = audit_system(toy_system())
>>> result.findings[0].rank, len(result.patterns_found()) >= 10
(1, True)
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass

from .detectors import Finding, detect
from .mltestscore import TestScore, score
from .ranking import rank
from .system import System


@dataclass
class Audit:
    """The result of one audit: the system, its ranked findings and its ML Test Score (if answered)."""

    system: System
    findings: list[Finding]
    test_score: TestScore | None

    def patterns_found(self) -> list[str]:
        """The distinct pattern ids found, in rank order of their first finding."""
        return list(dict.fromkeys(f.pattern for f in self.findings))

    def __repr__(self) -> str:  # stable, for notebooks
        return (f"Audit({self.system.name}: {len(self.findings)} findings of "
                f"{len(self.patterns_found())} patterns)")


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large audit builds many small objects.

    The audit's data holds no reference cycles worth collecting, and on a 100,000-node system the
    collector's repeated passes over millions of new objects cost about half the run time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def audit_system(system: System, patterns=None) -> Audit:
    """Detect, rank and score one system."""
    with gc_paused():
        findings = rank(detect(system, patterns), system)
    test_score = score(system.answers) if system.answers is not None else None
    return Audit(system, findings, test_score)


def audit_toy_world() -> Audit:
    """The audit of the course's toy world, Larkspur."""
    from .toy import toy_system
    return audit_system(toy_system())
