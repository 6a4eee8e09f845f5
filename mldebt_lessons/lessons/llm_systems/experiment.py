"""What lesson 18 measures: five debts of the paper in their LLM-era form, each on a small seeded model.

1. **An embedding upgrade is CACE for retrieval.** The index holds every help article embedded by
   embedder v1; the v2 upgrade has vectors of the same shape in another space. Questions embedded by v2
   against the v1 index find their article at chance. Re-embedding every article fixes it; a partial
   backfill (a share of the articles re-embedded) can map the rest across with an orthogonal Procrustes
   alignment fitted on the articles it has in both versions.
2. **A hosted model is an unstable dependency.** Its next release fences answers with steps in Markdown
   and reports confidence on a 0-100 scale. The chat's ``json.loads`` parser fails on the fenced ones; a
   lenient parser never fails and silently reads 83 as a confidence, so nothing is escalated. A contract
   test on a few golden questions catches the release before it ships.
3. **A judge's pass mark is a fixed threshold.** It was tuned on a small labelled set against judge v1;
   judge v2 likes long answers more, and the pass rate moves although no answer changed. Re-tuning the
   mark on the same labelled set brings it back.
4. **Model collapse.** A Gaussian fitted to Larkspur's (log) basket values, sampled, refitted on its own
   samples, generation after generation: the variance shrinks and the tails go first. Fitting each
   generation on the real data plus every generation so far (accumulating) keeps the variance.
5. **A prompt is configuration.** Editing the prompt ("at most 12 words") cuts the steps out of how-to
   answers; the contract test still passes, the judge's pass rate falls (even for answers the edit did not
   hurt: the judge likes length), and a labelled evaluation before release sees the drop.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> recall(world, "v1", "v1") > recall(world, "v1", "v2")
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.assistant.articles import (
    EMBEDDERS,
    K,
    article_vectors,
    help_corpus,
    question_answers,
    question_vectors,
    recall_at_k,
    top_k,
)
from mldebt_lessons.shop.assistant.hosted import (
    PROMPTS,
    RELEASES,
    answer_text,
    contract_violations,
    has_steps,
    hosted_reply,
    lenient_parse,
    strict_parse,
)
from mldebt_lessons.shop.assistant.judge import JUDGES, best_threshold, judge_scores

BACKFILL_STREAM, LABEL_STREAM, COLLAPSE_STREAM = 184, 185, 186
BACKFILL_SHARES = (0.0, 0.1, 0.25, 0.5, 1.0)
QUARTER = 0.25  # the partial backfill the lesson's claims measure
LABELLED = 40  # answers a person labelled, to tune (and re-tune) the judge's pass mark
GOLDEN = 20  # golden questions the contract test and the pre-release evaluation run
PARSERS = {"strict": strict_parse, "lenient": lenient_parse}


def _world(seed: int):
    from mldebt_lessons.shop.world import build_world
    return build_world(seed)


def check(what: str, given, choices) -> None:
    if given not in choices:
        raise unknown_choice(what, given, choices)


# -- 1. the embedding upgrade -----------------------------------------------------------------------

def recall(world, index_version: str, query_version: str, k: int = K) -> float:
    """recall@k of the customers' questions embedded by ``query_version`` against the index of ``index_version``."""
    check("embedder version", index_version, EMBEDDERS)
    check("embedder version", query_version, EMBEDDERS)
    return recall_at_k(article_vectors(world, index_version), question_vectors(world, query_version),
                       question_answers(world), k)


def backfill_order(world) -> np.ndarray:
    """The order in which the articles are re-embedded by v2 (seeded)."""
    n = len(help_corpus(world).articles)
    return np.random.default_rng([world.seed, BACKFILL_STREAM]).permutation(n)


def procrustes_map(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The map R that brings ``source`` rows closest to ``target`` rows (source @ R ~ target), on the
    directions the rows show: orthogonal Procrustes, R = U V^T from the SVD of source^T target.

    With fewer pairs than dimensions (a small backfill) the rows show only some directions, and any rotation
    of the others fits as well: LAPACK would pick one by rounding, so recall would change with the processor.
    Those directions are dropped instead (their singular values are zero, below numpy's rank cut-off), so R
    is then not orthogonal but a partial isometry: a rotation on the directions shown, zero on the rest.

    >>> a = np.eye(3)[:2]                       # two pairs in three dimensions: the third is not shown
    >>> procrustes_map(a, a[:, [1, 0, 2]]).round(6).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    u, values, vt = np.linalg.svd(source.T @ target)
    shown = values > values.max(initial=0.0) * max(source.shape[1], target.shape[1]) * np.finfo(float).eps
    return u[:, shown] @ vt[shown]


def mixed_index(world, share: float, aligned: bool) -> np.ndarray:
    """The index after re-embedding a ``share`` of the articles with v2; the rest keep their v1 vectors,
    mapped into v2's space by an orthogonal Procrustes map fitted on the re-embedded articles if ``aligned``."""
    if not 0 <= share <= 1:
        raise ValueError(f"share backfilled must be between 0 and 1, not {share!r}")
    old, new = article_vectors(world, "v1"), article_vectors(world, "v2")
    return mixed_vectors(old, new, backfill_order(world)[:int(round(share * len(old)))], aligned)


def mixed_vectors(old: np.ndarray, new: np.ndarray, done, aligned: bool) -> np.ndarray:
    """``old`` with the rows ``done`` replaced by ``new``'s; the other rows mapped into ``new``'s space by
    :func:`procrustes_map` fitted on the ``done`` pairs (and normalised) if ``aligned``.

    >>> mixed_vectors(np.eye(2), np.eye(2)[:, ::-1], [0], aligned=False).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    index = old.copy()
    if aligned and len(done):
        index = index @ procrustes_map(old[done], new[done])
        index /= np.maximum(np.linalg.norm(index, axis=1, keepdims=True), 1e-12)
    index[done] = new[done]
    return index


@functools.lru_cache(maxsize=512)
def _backfill_recall(seed: int, share: float, aligned: bool, k: int) -> float:
    world = _world(seed)
    return recall_at_k(mixed_index(world, share, aligned), question_vectors(world, "v2"), question_answers(world), k)


def backfill_recall(world, share: float, aligned: bool, k: int = K) -> float:
    """recall@k of v2 questions against the index with a ``share`` of it re-embedded by v2."""
    return _backfill_recall(world.seed, float(share), bool(aligned), int(k))


# -- 2. the hosted model --------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """The assistant answering every customer question once, with one prompt and one hosted-model release."""

    prompt: str
    release: str
    retrieved: np.ndarray  # the article the index found (nearest, v1 embedder)
    correct: np.ndarray  # is it the question's own article?
    confidence: np.ndarray  # the model's confidence: the cosine similarity of that article, in [0, 1]
    answers: tuple[str, ...]
    replies: tuple[str, ...]
    resolved: np.ndarray  # right article and, for a how-to, the steps are there
    n_words: np.ndarray


@functools.lru_cache(maxsize=64)
def _run(seed: int, prompt: str, release: str) -> Run:
    world = _world(seed)
    corpus = help_corpus(world)
    index, queries = article_vectors(world, "v1"), question_vectors(world, "v1")
    retrieved = top_k(index, queries, 1)[:, 0]
    similarity = np.clip(np.einsum("ij,ij->i", queries, index[retrieved]), 0.0, 1.0)
    confidence = np.round(similarity, 2)
    correct = retrieved == question_answers(world)
    articles = [corpus.articles[i] for i in retrieved]
    answers = tuple(answer_text(a.topic, a.product, a.how_to, prompt) for a in articles)
    replies = tuple(hosted_reply(a.id, text, c, has_steps(text), release)
                    for a, text, c in zip(articles, answers, confidence))
    how_to = np.array([a.how_to for a in articles])
    steps = np.array([has_steps(t) for t in answers])
    resolved = correct & (~how_to | steps)
    n_words = np.array([len(t.split()) for t in answers])
    return Run(prompt, release, retrieved, correct, confidence, answers, replies, resolved, n_words)


def assistant_run(world, prompt: str = "v1", release: str = "v1") -> Run:
    """Every customer question answered with ``prompt`` by hosted-model ``release`` (cached)."""
    check("prompt", prompt, PROMPTS)
    check("hosted-model release", release, RELEASES)
    return _run(world.seed, prompt, release)


@dataclass(frozen=True)
class ParseOutcome:
    release: str
    parser: str
    failed: float  # share of replies the parser raised on
    wrong_reads: float  # share of replies it read without error but with a confidence that is not the model's
    escalated: float  # share of answers sent to a person
    escalations_lost: float  # share of answers v1 escalated that this release and parser do not


def parse_outcome(world, release: str, parser: str = "strict", parse=None) -> ParseOutcome:
    """What the support chat does with every reply of ``release`` read by ``parser`` (or by ``parse``, a
    function of yours). A reply that fails to parse is escalated (a person answers it)."""
    check("parser", parser, PARSERS)
    parse = parse or PARSERS[parser]
    run = assistant_run(world, release=release)
    failed = wrong = 0
    mark = escalation_mark(world)
    escalate = np.zeros(len(run.replies), dtype=bool)
    for i, reply in enumerate(run.replies):
        try:
            confidence = float(parse(reply)["confidence"])
        except Exception:
            failed += 1
            escalate[i] = True
            continue
        wrong += not math.isclose(confidence, float(run.confidence[i]), abs_tol=1e-9)
        escalate[i] = confidence < mark
    should = run.confidence < mark  # what release v1, read correctly, escalates
    n = len(run.replies)
    return ParseOutcome(release, parser, failed / n, wrong / n, float(escalate.mean()),
                        float((should & ~escalate).mean()))


def escalation_mark(world) -> float:
    """The confidence below which the chat sends an answer to a person: set once, for release v1, as the mark
    that best separates right articles from wrong ones on the labelled answers."""
    run, rows = assistant_run(world), labelled_rows(world)
    return best_threshold(run.confidence[rows], run.correct[rows])


def golden_rows(world) -> np.ndarray:
    """The golden questions: a few fixed, seeded questions run before every release."""
    n = len(help_corpus(world).questions)
    return np.sort(np.random.default_rng([world.seed, LABEL_STREAM]).permutation(n)[:GOLDEN])


def contract_failures(world, release: str = "v1", prompt: str = "v1") -> int:
    """How many golden replies break the contract (0: the contract test passes)."""
    run = assistant_run(world, prompt, release)
    return sum(bool(contract_violations(run.replies[i])) for i in golden_rows(world))


# -- 3. the judge's pass mark ---------------------------------------------------------------------

def labelled_rows(world) -> np.ndarray:
    """The answers a person labelled (resolved or not): a small seeded sample, not the golden ones."""
    n = len(help_corpus(world).questions)
    return np.sort(np.random.default_rng([world.seed, LABEL_STREAM]).permutation(n)[GOLDEN:GOLDEN + LABELLED])


def scores(world, judge: str, prompt: str = "v1") -> np.ndarray:
    """Judge ``judge``'s score of every answer written with ``prompt``."""
    check("judge", judge, JUDGES)
    run = assistant_run(world, prompt)
    return judge_scores(run.resolved, run.n_words, judge, world.seed)


def tuned_threshold(world, judge: str = "v1") -> float:
    """The pass mark tuned on the labelled answers, as scored by ``judge``."""
    rows = labelled_rows(world)
    return best_threshold(scores(world, judge)[rows], assistant_run(world).resolved[rows])


def pass_rate(world, judge: str, threshold: float, prompt: str = "v1") -> float:
    """Share of answers (written with ``prompt``) that ``judge`` scores at or above ``threshold``."""
    return float((scores(world, judge, prompt) >= threshold).mean())


@dataclass(frozen=True)
class JudgeOutcome:
    threshold_v1: float
    threshold_v2: float
    resolved: float  # the truth: share of answers that solve the problem
    pass_v1: float  # judge v1 at its own mark
    pass_v2_fixed: float  # judge v2 at v1's mark
    pass_v2_retuned: float  # judge v2 at the mark re-tuned on the labelled answers


@functools.lru_cache(maxsize=32)
def _judge_outcome(seed: int) -> JudgeOutcome:
    world = _world(seed)
    t1, t2 = tuned_threshold(world, "v1"), tuned_threshold(world, "v2")
    return JudgeOutcome(t1, t2, float(assistant_run(world).resolved.mean()), pass_rate(world, "v1", t1),
                        pass_rate(world, "v2", t1), pass_rate(world, "v2", t2))


def judge_outcome(world) -> JudgeOutcome:
    return _judge_outcome(world.seed)


def position_flips(world, judge: str = "v1") -> float:
    """Side by side, each answer against the next one's: share of pairs whose winner changes when the two are
    shown in the other order (position bias)."""
    from mldebt_lessons.shop.assistant.judge import prefers_first
    s = scores(world, judge)
    a, b = s[:-1:2], s[1::2]
    first_wins = prefers_first(a, b, judge)  # a shown first
    a_wins_swapped = ~prefers_first(b, a, judge)  # b shown first
    return float((first_wins != a_wins_swapped).mean())


# -- 4. model collapse ----------------------------------------------------------------------------

GENERATIONS = 30
SAMPLE = 100  # real values each chain starts from, and samples each generation draws
CHAINS = 200
SCHEMES = ("replace", "accumulate")


@dataclass(frozen=True)
class Collapse:
    scheme: str
    variance: np.ndarray  # per generation: the fitted variance over generation 0's, median over chains
    tail: np.ndarray  # per generation: the model's mass above the real 99th percentile over generation 0's, median


def real_log_baskets(world) -> np.ndarray:
    basket = world.raw["avg_basket_value"]
    return np.log(basket[np.isfinite(basket) & (basket > 0)])


@functools.lru_cache(maxsize=64)
def _collapse(seed: int, scheme: str, generations: int) -> Collapse:
    from scipy.stats import norm
    real = real_log_baskets(_world(seed))
    rng = np.random.default_rng([seed, COLLAPSE_STREAM])
    data = rng.choice(real, (CHAINS, SAMPLE))  # each chain: a small sample of real baskets
    cut = np.quantile(real, 0.99)
    pool_sum, pool_sq, pool_n = data.sum(1), (data ** 2).sum(1), SAMPLE
    mean, var = data.mean(1), data.var(1)  # generation 0: the Gaussian fitted to the real sample
    var0, tail0 = var, norm.sf(cut, mean, np.sqrt(var))
    variances, tails = [], []
    for _ in range(generations + 1):
        variances.append(float(np.median(var / var0)))
        tails.append(float(np.median(norm.sf(cut, mean, np.sqrt(var)) / tail0)))
        samples = rng.normal(mean[:, None], np.sqrt(var)[:, None], (CHAINS, SAMPLE))
        if scheme == "replace":  # the next model sees only the last generation's samples
            mean, var = samples.mean(1), samples.var(1)
        else:  # accumulate: the real data and every generation so far
            pool_sum, pool_sq, pool_n = pool_sum + samples.sum(1), pool_sq + (samples ** 2).sum(1), pool_n + SAMPLE
            mean = pool_sum / pool_n
            var = pool_sq / pool_n - mean ** 2
    return Collapse(scheme, np.array(variances), np.array(tails))


def collapse(world, scheme: str = "replace", generations: int = GENERATIONS) -> Collapse:
    """Generations of a Gaussian fitted to log basket values, refitted on its own samples (``replace``) or on
    everything so far (``accumulate``): the variance and the tail mass relative to the real data's."""
    check("scheme", scheme, SCHEMES)
    return _collapse(world.seed, scheme, int(generations))


# -- 5. the prompt edit ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PromptEdit:
    resolved_before: float
    resolved_after: float
    words_before: float
    words_after: float
    pass_before: float  # judge v1 at its tuned mark
    pass_after: float
    contract_failures: int  # golden replies that break the contract after the edit
    golden_before: float  # the evaluation: share of golden answers resolved, before and after
    golden_after: float
    unhurt_pass_before: float  # judge v1's pass rate among the answers whose resolved/not did not change
    unhurt_pass_after: float


@functools.lru_cache(maxsize=32)
def _prompt_edit(seed: int, prompt: str) -> PromptEdit:
    world = _world(seed)
    before, after = assistant_run(world), assistant_run(world, prompt)
    t = tuned_threshold(world, "v1")
    rows = golden_rows(world)
    unhurt = before.resolved == after.resolved
    passed_before = scores(world, "v1") >= t
    passed_after = scores(world, "v1", prompt) >= t
    return PromptEdit(float(before.resolved.mean()), float(after.resolved.mean()), float(before.n_words.mean()),
                      float(after.n_words.mean()), pass_rate(world, "v1", t), pass_rate(world, "v1", t, prompt),
                      contract_failures(world, "v1", prompt), float(before.resolved[rows].mean()),
                      float(after.resolved[rows].mean()), float(passed_before[unhurt].mean()),
                      float(passed_after[unhurt].mean()))


def prompt_edit(world, prompt: str = "short") -> PromptEdit:
    check("prompt", prompt, PROMPTS)
    return _prompt_edit(world.seed, prompt)


