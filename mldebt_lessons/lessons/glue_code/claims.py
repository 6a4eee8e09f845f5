"""Lesson 09's claims, measured in every world `mldebt claims` samples.

The demo swap is the one the lesson's story follows: the churn model moves from logistic regression
to gradient-boosted trees. The structural claims (diff sizes, where scikit-learn is used) read the
code, so they are the same in every world; the others run the real code on each world.
"""

from __future__ import annotations

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.glue_code.experiment import (
    SWAPS,
    Swap,
    code_count,
    consumers_of,
    diff_stats,
    differing_decisions,
    differing_reasons,
    missed,
    ripple,
    served,
)

DEMO_SWAP = Swap("churn_model", "boosted trees")


def versions_agree(world) -> float:
    """Decisions and explanations that differ between the glued and the API version, before any swap."""
    glued, api = served(world, "glued"), served(world, "api")
    return differing_decisions(glued, api) + len(differing_reasons(glued, api))


def swap_flips(world) -> float:
    """Share of the churn model's consumers' decisions that the demo swap, done fully, flips."""
    return ripple(world, DEMO_SWAP, "glued").share


def full_swaps_agree(world) -> float:
    """Decisions and explanations that differ between the two versions after the demo swap, done fully."""
    glued, api = served(world, "glued", DEMO_SWAP), served(world, "api", DEMO_SWAP)
    return differing_decisions(glued, api) + len(differing_reasons(glued, api))


def missed_copy_is_silent(world) -> float:
    """Share of the homepage banner's decisions left wrong when the homepage's copy is missed
    (negative if that run raises an error)."""
    miss = missed(world, DEMO_SWAP, "homepage.py")
    if miss.error:
        return -1.0
    return miss.wrong / len(served(world, "glued")["decisions"]["homepage_banner"])


def missed_copy_share_of_flips(world) -> float:
    """Of the decisions the full swap flips, the share a missed homepage copy leaves unflipped."""
    return missed(world, DEMO_SWAP, "homepage.py").wrong / ripple(world, DEMO_SWAP, "glued").flipped


def missed_report_crashes(world) -> float:
    """1 if the glued code raises an AttributeError when the weekly report's edit is missed."""
    miss = missed(world, DEMO_SWAP, "report.py")
    return float(bool(miss.error) and miss.error.startswith("AttributeError"))


def glued_touches_more_files(world) -> float:
    """Swaps (of those the lesson offers) whose glued diff touches more files than the API version's."""
    return sum(diff_stats("glued", s).files > diff_stats("api", s).files for s in SWAPS)


def api_diff_one_file(world) -> float:
    """The most files the API version's diff touches, over every swap the lesson offers."""
    return max(diff_stats("api", s).files for s in SWAPS)


def api_one_line_for_known_family(world) -> float:
    """The most lines the API version changes to swap to a family its module already knows."""
    return max(diff_stats("api", s).lines for s in SWAPS if s.family != "random forest")


def package_files_ratio(world) -> float:
    """Files that use scikit-learn (import it or call an estimator's own API): glued over API version."""
    return len(code_count("glued").package_files) / len(code_count("api").package_files)


CONSUMERS_OF_CHURN = " and ".join(consumers_of("churn_model"))

CLAIMS = (
    Claim("versions_agree",
          "Control: before any swap, the glued and the API versions make exactly the same decisions and "
          "explanations (zero differ).",
          "decisions and explanations that differ", versions_agree, lambda v: v == 0, unit="count"),
    Claim("swap_flips_decisions",
          f"Swapping the churn model from logistic regression to boosted trees, done fully, flips some of its "
          f"consumers' decisions ({CONSUMERS_OF_CHURN}).",
          "share of those decisions flipped", swap_flips, lambda v: v > 0, unit="share"),
    Claim("full_swaps_agree",
          "Control: done fully, the swap makes exactly the same decisions in both versions (zero differ): "
          "the API changes how much code moves, not what the new model decides.",
          "decisions and explanations that differ", full_swaps_agree, lambda v: v == 0, unit="count"),
    Claim("missed_copy_is_silent",
          "In the glued version, missing the homepage's copy of the churn model raises no error, yet leaves "
          "some of the banner's decisions different from the full swap's.",
          "share of banner decisions left wrong", missed_copy_is_silent, lambda v: v > 0, unit="share"),
    Claim("missed_copy_part_of_flips",
          "The decisions the missed copy leaves wrong are only part of what the swap flips: the email "
          "campaign's flips still happen, so the two consumers of one model now disagree.",
          "wrong banner decisions / decisions the full swap flips", missed_copy_share_of_flips,
          lambda v: 0 < v < 1, unit="share"),
    Claim("missed_report_crashes",
          "Missing the weekly report's edit instead makes the glued code crash (AttributeError): a loud miss, "
          "where the homepage's was silent.",
          "the run raises AttributeError", missed_report_crashes, lambda v: v == 1, unit="flag"),
    Claim("api_diff_one_file",
          "Behind the API, every swap offered changes one file: the API module.",
          "most files an API diff touches", api_diff_one_file, lambda v: v == 1, unit="count"),
    Claim("glued_touches_more_files",
          f"The glued version's diff touches more files than the API version's in every swap offered but one "
          f"(of {len(SWAPS)}).",
          "swaps whose glued diff touches more files", glued_touches_more_files,
          lambda v: v == len(SWAPS) - 1, unit="count"),
    Claim("api_one_line",
          "Behind the API, swapping to a family the API already knows changes one line.",
          "most lines the API diff changes", api_one_line_for_known_family, lambda v: v == 1, unit="count"),
    Claim("package_spread",
          "The glued version uses scikit-learn (imports it or calls an estimator's own API) in more files "
          "than the API version, which uses it in one.",
          "files using scikit-learn, glued / API", package_files_ratio, lambda v: v > 1, unit="ratio"),
)
