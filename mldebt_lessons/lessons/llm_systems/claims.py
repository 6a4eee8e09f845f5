"""Lesson 18's claims, measured in every world `mldebt claims` samples.

Each world's help articles, questions, embedders, assistant runs and model-collapse chains are built
once and cached (keyed on the seed), so the whole set stays cheap.
"""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.claims import Claim
from mldebt_lessons.lessons.llm_systems.experiment import (
    GENERATIONS,
    QUARTER,
    assistant_run,
    backfill_recall,
    collapse,
    contract_failures,
    judge_outcome,
    parse_outcome,
    pass_rate,
    position_flips,
    prompt_edit,
    recall,
    tuned_threshold,
)
from mldebt_lessons.shop.assistant.articles import article_vectors, embedder, help_corpus, recall_at_k, \
    question_answers, question_vectors



def upgrade_breaks_recall(world) -> float:
    """recall@5 of v2 questions against the v1 index minus v1 questions against it, in points."""
    return 100 * (recall(world, "v1", "v2") - recall(world, "v1", "v1"))


def v1_index_control(world) -> float:
    """The v1 index embedded again from scratch by v1 and searched with v1 questions: largest change of a vector
    plus change of recall@5 (points)."""
    fresh = embedder(world, "v1").embed([a.text for a in help_corpus(world).articles])
    before = recall(world, "v1", "v1")
    after = recall_at_k(fresh, question_vectors(world, "v1"), question_answers(world))
    return float(np.abs(fresh - article_vectors(world, "v1")).max()) + 100 * abs(after - before)


def full_reembed_restores(world) -> float:
    """recall@5 with every article re-embedded by v2 (and v2 questions) minus the v1 system's, in points."""
    return 100 * (recall(world, "v2", "v2") - recall(world, "v1", "v1"))


def alignment_beats_partial(world) -> float:
    """With a quarter of the index re-embedded: recall@5 with the Procrustes map minus without it, in points."""
    return 100 * (backfill_recall(world, QUARTER, True) - backfill_recall(world, QUARTER, False))


def alignment_recovers_most(world) -> float:
    """With a quarter re-embedded and the rest mapped: the share of the recall lost to the upgrade that comes back."""
    broken, full = recall(world, "v1", "v2"), recall(world, "v2", "v2")
    return (backfill_recall(world, QUARTER, True) - broken) / (full - broken)


def strict_parser_fails(world) -> float:
    """Share of release v2's replies the chat's json.loads parser raises on (NaN unless exactly the fenced ones)."""
    failed = parse_outcome(world, "v2", "strict").failed
    fenced = float(np.mean([reply.startswith("```") for reply in assistant_run(world, release="v2").replies]))
    return failed if failed == fenced else float("nan")


def strict_parser_misreads(world) -> float:
    """Share of release v2's replies the json.loads parser reads without an error but with a wrong confidence."""
    return parse_outcome(world, "v2", "strict").wrong_reads


def lenient_parser_escalates_nothing(world) -> float:
    """Release v2 read leniently: share of answers escalated minus under release v1, in points (NaN if it raised)."""
    lenient = parse_outcome(world, "v2", "lenient")
    if lenient.failed or lenient.escalated:  # the sentence says: never raises, escalates nothing
        return float("nan")
    return 100 * (lenient.escalated - parse_outcome(world, "v1", "strict").escalated)


def contract_catches_release(world) -> float:
    """Golden replies of release v2 that break the contract."""
    return contract_failures(world, "v2")


def contract_control(world) -> float:
    """Golden replies of release v1 (the one in production) that break the contract."""
    return contract_failures(world, "v1")


def judge_v2_moves_pass_rate(world) -> float:
    """Pass rate under judge v2 at the mark tuned for judge v1, minus judge v1's, in points (no answer changed)."""
    o = judge_outcome(world)
    return 100 * (o.pass_v2_fixed - o.pass_v1)


def retuned_mark_closer(world) -> float:
    """How much closer to the true share of resolved answers the re-tuned mark's pass rate is than the old mark's
    under judge v2, in points."""
    o = judge_outcome(world)
    return 100 * (abs(o.pass_v2_fixed - o.resolved) - abs(o.pass_v2_retuned - o.resolved))


def judge_rerun_control(world) -> float:
    """Judge v1 scoring the same answers again at its own mark: change of the pass rate, in points."""
    t = tuned_threshold(world, "v1")
    return 100 * abs(pass_rate(world, "v1", t) - judge_outcome(world).pass_v1)


def position_bias(world) -> float:
    """Share of side-by-side comparisons whose winner changes when judge v1 reads the two in the other order."""
    return position_flips(world, "v1")


def collapse_shrinks_variance(world) -> float:
    """Replacing: the typical chain's variance after 30 generations, over generation 0's."""
    return float(collapse(world, "replace").variance[GENERATIONS])


def tails_go_first(world) -> float:
    """Replacing, after 30 generations: the share of tail mass left minus the share of variance left."""
    c = collapse(world, "replace")
    return float(c.tail[GENERATIONS] - c.variance[GENERATIONS])


def accumulating_keeps_variance(world) -> float:
    """Accumulating real and generated data: the typical chain's variance after 30 generations, over generation 0's."""
    return float(collapse(world, "accumulate").variance[GENERATIONS])


def prompt_edit_passes_contract(world) -> float:
    """Golden replies that break the contract after the prompt edit."""
    return prompt_edit(world).contract_failures


def prompt_edit_eval_catches(world) -> float:
    """The labelled evaluation on the golden questions: share resolved after the edit minus before, in points."""
    e = prompt_edit(world)
    return 100 * (e.golden_after - e.golden_before)


def prompt_edit_length_bias(world) -> float:
    """Judge v1's pass rate among the answers the edit did not make better or worse: after minus before, points."""
    e = prompt_edit(world)
    return 100 * (e.unhurt_pass_after - e.unhurt_pass_before)


def prompt_edit_truth(world) -> float:
    """Share of all answers that solve the problem, after the prompt edit minus before, in points."""
    e = prompt_edit(world)
    return 100 * (e.resolved_after - e.resolved_before)


CLAIMS = (
    Claim("upgrade_breaks_recall",
          "Querying the v1 index with questions embedded by the v2 embedder (same vector length, another space) "
          "loses more than 50 points of recall@5: nothing raises, the assistant just reads the wrong articles.",
          "recall@5, v2 questions minus v1", upgrade_breaks_recall, lambda v: v < -50, unit="points"),
    Claim("v1_index_control",
          "Control: the v1 index embedded again by v1 and searched with v1 questions gives the same vectors to the "
          "last digit and exactly the same recall@5.",
          "vector change plus recall change", v1_index_control, lambda v: v == 0, unit="count"),
    Claim("full_reembed_restores",
          "Re-embedding every article with v2 brings recall@5 back to within 10 points of the v1 system's (v2 is "
          "not simply better: it is different).",
          "recall@5, full v2 minus v1", full_reembed_restores, lambda v: v > -10, unit="points"),
    Claim("alignment_beats_partial",
          "With only a quarter of the articles re-embedded, mapping the rest into v2's space with an orthogonal "
          "Procrustes map (fitted on that quarter) gains more than 30 points of recall@5 over leaving them.",
          "recall@5, mapped minus left", alignment_beats_partial, lambda v: v > 30, unit="points"),
    Claim("alignment_recovers_most",
          "That quarter plus the map wins back more than half of the recall the upgrade lost.",
          "share of lost recall won back", alignment_recovers_most, lambda v: v > 0.5, unit="share"),
    Claim("strict_parser_fails",
          "When the hosted model's next release fences its step-by-step answers in Markdown, the chat's json.loads "
          "parser raises on more than a fifth of the replies: every how-to reply (5 of the 12 topics), so the "
          "share is the same in every world.",
          "share of replies that raise", strict_parser_fails, lambda v: v > 0.2, unit="share"),
    Claim("strict_parser_misreads",
          "The same parser reads every other reply without an error, with a confidence a hundred times too "
          "large: it fails loudly on some and silently on the rest (again the same share in every world: the "
          "format decides, not the data).",
          "share read wrong without an error", strict_parser_misreads, lambda v: v > 0.5, unit="share"),
    Claim("lenient_parser_escalates_nothing",
          "A lenient parser that reads through the fences never raises, and sends no answer at all to a person: "
          "every escalation the v1 release triggered is lost, silently.",
          "escalated, v2 lenient minus v1", lenient_parser_escalates_nothing, lambda v: v < 0, unit="points"),
    Claim("contract_catches_release",
          "A contract test on 20 golden questions (bare JSON, three fields, confidence in [0, 1]) fails on the "
          "new release before it reaches customers.",
          "golden replies breaking the contract", contract_catches_release, lambda v: v > 0, unit="count"),
    Claim("contract_control",
          "Control: the same contract test passes the release in production, with exactly zero failures.",
          "golden replies breaking the contract", contract_control, lambda v: v == 0, unit="count"),
    Claim("judge_v2_moves_pass_rate",
          "Judge v2 at the pass mark tuned for judge v1 passes more than 5 points more answers, although not one "
          "answer changed.",
          "pass rate, judge v2 minus v1", judge_v2_moves_pass_rate, lambda v: v > 5, unit="points"),
    Claim("retuned_mark_closer",
          "Re-tuning the mark on the same 40 labelled answers, scored by judge v2, brings the pass rate closer to "
          "the true share of answers that solve the problem.",
          "points closer to the truth", retuned_mark_closer, lambda v: v > 0, headline=False, unit="points"),
    Claim("judge_rerun_control",
          "Control: judge v1 scoring the same answers again passes exactly the same share.",
          "pass rate change", judge_rerun_control, lambda v: v == 0, unit="points"),
    Claim("position_bias",
          "Shown two answers side by side, judge v1 picks a different winner for more than a tenth of the pairs "
          "when the same two answers are shown in the other order.",
          "share of pairs that flip", position_bias, lambda v: v > 0.1, unit="share"),
    Claim("collapse_shrinks_variance",
          "A Gaussian refitted, generation after generation, on its own samples of basket values loses more than "
          "a tenth of its variance in 30 generations (the typical chain).",
          "variance left after 30 generations", collapse_shrinks_variance, lambda v: v < 0.9, unit="share"),
    Claim("tails_go_first",
          "The tails go first: after those 30 generations, less of the mass above the real 99th percentile is "
          "left than of the variance.",
          "tail left minus variance left", tails_go_first, lambda v: v < 0, unit="number"),
    Claim("accumulating_keeps_variance",
          "Fitting each generation on the real data plus every generation so far (accumulating, not replacing) "
          "keeps more than nine tenths of the variance after 30 generations.",
          "variance left after 30 generations", accumulating_keeps_variance, lambda v: v > 0.9, unit="share"),
    Claim("prompt_edit_truth",
          "Editing the prompt to 'at most 12 words' cuts the steps out of how-to answers: fewer answers solve the "
          "customer's problem.",
          "resolved, after minus before", prompt_edit_truth, lambda v: v < 0, unit="points"),
    Claim("prompt_edit_passes_contract",
          "The contract test passes the prompt edit, with zero failures: the format did not change, the meaning did.",
          "golden replies breaking the contract", prompt_edit_passes_contract, lambda v: v == 0, unit="count"),
    Claim("prompt_edit_eval_catches",
          "A labelled evaluation on the same 20 golden questions, run before release, sees fewer of them resolved "
          "after the edit.",
          "golden resolved, after minus before", prompt_edit_eval_catches, lambda v: v < 0, unit="points"),
    Claim("prompt_edit_length_bias",
          "The judge's pass rate falls even among answers the edit did not make better or worse: it scores length.",
          "pass rate of unchanged answers", prompt_edit_length_bias, lambda v: v < 0, unit="points"),
)
