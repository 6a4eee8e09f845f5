"""The capstone's claims as code: what the audit of Larkspur says, measured in many worlds.

The toy manifest reads facts from the fitted world (input reliance, missing values, learned
thresholds), so each claim audits the Larkspur of its own seed; see :mod:`.experiment`.
"""

from __future__ import annotations

from mldebt_lessons.audit.patterns import PATTERNS
from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.audit_your_system.experiment import (
    audit_toy_manifest,
    removed_findings,
    toy_audit_in,
    toy_manifest_in,
    total_score,
    undeclared_readers,
    with_models_monitored,
)


def ads_ranker_found(world) -> float:
    """1 if the audit names ads_ranker as a reader nobody declared, else 0."""
    return float(undeclared_readers(toy_audit_in(world)) == ["ads_ranker"])


def final_test_score(world) -> float:
    return toy_audit_in(world).test_score.final


def rank_of_sources_monitoring_gap(world) -> float:
    """The rank of the monitoring gap on the raw sources (0 if the audit has none)."""
    result = toy_audit_in(world)
    return float(next((f.rank for f in result.findings if f.pattern == "monitoring_gap" and f.nodes
                       and all(result.system.nodes[n]["kind"] == "source" for n in f.nodes)), 0))


def patterns_found(world) -> float:
    return float(len(toy_audit_in(world).patterns_found()))


def monitoring_relief_ratio(world) -> float:
    """How much the total score falls when every model is monitored, over the removed findings' own scores."""
    before = toy_audit_in(world)
    after = audit_toy_manifest(with_models_monitored(toy_manifest_in(world)))
    removed = removed_findings(before, after)
    own = sum(f.score for f in removed)
    if not own or any(f.pattern != "monitoring_gap" for f in removed):
        return 0.0  # the claim's mechanism did not happen: it fails here
    return (total_score(before) - total_score(after)) / own


CLAIMS = (
    Claim("ads_ranker_undeclared",
          "The audit finds ads_ranker reading churn_model's scores without anyone having declared it: the access "
          "log shows the read, and no manifest lists it.",
          "the audit names ads_ranker as undeclared", ads_ranker_found,
          lambda found: found == 1, unit="flag"),
    Claim("test_score_research_project",
          "Larkspur's ML Test Score is 0, 'research project': its Monitoring section earns nothing, and the "
          "minimum rule lets no other section make up for it.",
          "final ML Test Score", final_test_score, lambda final: final == 0, unit="number"),
    Claim("top_finding_is_a_monitoring_gap",
          "The top-ranked finding is a monitoring gap: the raw sources that feed every model are watched by nobody.",
          "rank of the monitoring gap on the sources", rank_of_sources_monitoring_gap,
          lambda rank: rank == 1, unit="count"),
    Claim("most_patterns_found",
          f"The audit finds more than half of the paper's {len(PATTERNS)} patterns in Larkspur, but not all of them.",
          "patterns found", patterns_found, lambda n: len(PATTERNS) / 2 < n < len(PATTERNS), unit="count"),
    Claim("monitoring_pays_beyond_its_findings",
          "Monitoring every model removes only monitoring-gap findings, yet the total score falls by more than "
          "those findings' own scores: every other finding that involves a model now watched scores lower.",
          "total score's fall over the removed findings' own scores", monitoring_relief_ratio,
          lambda ratio: ratio > 1, unit="ratio"),
)
