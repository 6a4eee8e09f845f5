"""A simulated LLM judge: it scores an answer from 1 to 10, mostly for whether it solves the customer's
problem, partly for its length (longer looks better to it), and, comparing two answers, partly for which
one it read first. ``v2`` is the judge's next release: more taken with length, a little more generous.

Its noise is fixed per answer (one seeded stream per release), so judging the same answers twice
gives the same scores: a change in scores is a change in the judge or in the answers.

>>> import numpy as np
>>> s = judge_scores(np.array([1, 0]), np.array([20, 20]), "v1", seed=2015)
>>> bool(s[0] > s[1])
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

JUDGES = ("v1", "v2")
STREAMS = {"v1": 182, "v2": 183}


@dataclass(frozen=True)
class JudgeSpec:
    quality: float  # points for an answer that solves the problem
    per_ten_words: float  # points for every ten words above twenty: the length bias
    base: float
    noise: float
    first_bonus: float  # points the answer read first gets in a side-by-side comparison: the position bias


JUDGE_SPECS = {"v1": JudgeSpec(3.0, 0.4, 4.5, 1.0, 0.8), "v2": JudgeSpec(3.0, 1.2, 5.0, 1.0, 1.5)}


def _noise(seed: int, release: str, n: int) -> np.ndarray:
    return np.random.default_rng([seed, STREAMS[release]]).normal(0.0, 1.0, n)


def judge_scores(resolved, n_words, release: str, seed: int) -> np.ndarray:
    """The judge's score of each answer (answer i always gets the same noise): 1 to 10."""
    spec = JUDGE_SPECS[release]
    resolved, n_words = np.asarray(resolved, dtype=float), np.asarray(n_words, dtype=float)
    raw = (spec.base + spec.quality * resolved + spec.per_ten_words * (n_words - 20) / 10
           + spec.noise * _noise(seed, release, len(resolved)))
    return np.clip(np.round(raw, 1), 1.0, 10.0)


def prefers_first(score_first, score_second, release: str) -> np.ndarray:
    """Side by side: does the judge prefer the answer it read first? Ties go to the first."""
    return np.asarray(score_first) + JUDGE_SPECS[release].first_bonus >= np.asarray(score_second)


def best_threshold(scores, labels) -> float:
    """The pass mark (a score at or above it passes) that agrees most often with the labels; the lowest on ties."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    candidates = np.unique(np.r_[scores, scores.max() + 0.1])
    agreement = [((scores >= t) == labels).mean() for t in candidates]
    return float(candidates[int(np.argmax(agreement))])
