"""A direct feedback loop: Larkspur's fraud reviewers only label the orders the fraud model sends them
(Sculley et al. 2015, §4).

Each round every Larkspur customer places one order (a *case*). The review team can check a fixed
budget of cases a round (:data:`BUDGET_SHARE` of them); only a reviewed case gets a label (fraud or
not). The fraud model here is a table: for each *cell* of customers (device x young x brand-new x
how many sessions, :func:`cell_of`) it keeps the share of that cell's labelled cases that were
fraud, pulled towards the overall rate while it has few labels. Each round:

1. **serve**: the model scores every case by its cell's estimate; a share ``explore`` of the budget
   goes to cases picked at random (exploration, ε-greedy), the rest to the cases it scores highest;
2. **log**: the reviewed cases get labels, drawn from the documented ground truth
   (:func:`~mldebt_lessons.shop.data.ground_truth`, ``fraud_p``); nothing else is labelled;
3. **retrain**: the model adds the round's labels to its counts.

Round 0 is the model before it goes live, fitted on a small random audit. A cell the model scores low
is never reviewed, so it never gets a label, so its estimate never changes: the model picks its own
training data and cannot see its own mistakes. The **control** runs the same rounds, but the model
learns from a random sample of the same size that it cannot influence (it still chooses what to
review, for the catch).

Everything is measured against the truth, which the shop itself never sees: each cell's true fraud
rate is the mean ``fraud_p`` of its customers.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> rounds = simulate_reviews(build_world(), explore=0.0, rounds=2)
>>> [r.round for r in rounds], rounds[0].coverage > rounds[-1].coverage
([0, 1, 2], True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.shop.world import World

BUDGET_SHARE = 0.10  # the review team checks this share of each round's cases
AUDIT_SHARE = 0.10  # round 0: a random audit of this share of the cases trains the first model
PRIOR_WEIGHT = 4.0  # a cell's estimate counts the overall rate as this many labelled cases
EXPLORE_RATES = (0.0, 0.05, 0.1, 0.2, 0.5)  # shares of the budget spent on random cases
MAX_ROUNDS = 8
DEFAULT_EXPLORE = 0.0

# Random streams of this lesson (the shop's are 1-3, 5, 30-32, 40-41, 50-52).
_LABELS, _RANDOM_ORDER, _TIES, _CONTROL, _AUDIT = 70, 71, 72, 73, 74


def check_explore(explore) -> float:
    """``explore`` as a float, or a clear error: it is a share of the review budget, from 0 to 1.

    >>> check_explore(0.1)
    0.1
    >>> check_explore(10)
    Traceback (most recent call last):
    ...
    mldebt_lessons.errors.CourseInputError: explore is a share of the review budget, from 0 to 1 (0.1 = 10%); got 10
    """
    try:
        value = float(explore)
    except (TypeError, ValueError):
        raise CourseInputError(f"explore is a share of the review budget, from 0 to 1 (0.1 = 10%); got {explore!r}") from None
    if not 0.0 <= value <= 1.0:
        raise CourseInputError(f"explore is a share of the review budget, from 0 to 1 (0.1 = 10%); got {explore!r}")
    return value


def cell_of(world: World) -> np.ndarray:
    """Each customer's cell (0-35): device (3) x under 25 (2) x account under 14 days old (2) x sessions
    (0-2, 3-7, 8 or more: 3). The fraud model's estimates are one number per cell."""
    raw = world.raw
    device = np.searchsorted(np.array(["app", "desktop", "mobile_web"]), raw["device"])
    age = np.nan_to_num(raw["user_age"], nan=38.0)
    young = ((age < 25) & (age <= 90)).astype(int)
    new = (raw["days_since_signup"] < 14).astype(int)
    sessions = np.digitize(raw["session_count"], [3, 8])
    return ((device * 2 + young) * 2 + new) * 3 + sessions


N_CELLS = 36


@dataclass(frozen=True)
class ReviewRound:
    """The fraud model after one round of serve -> log -> retrain, measured against the truth."""

    round: int
    error: float  # mean |estimated - true fraud rate| over cases, in shares (x100 for points)
    coverage: float  # share of this round's cases in a cell that got at least one label this round
    blind_bias: float  # mean (estimated - true rate) over the cases in cells that got no label this round
    caught: float  # expected frauds among the reviewed cases (sum of their true fraud chances)
    best_caught: float  # the same, for a reviewer who knew each cell's true rate: the most this budget can catch
    regret: float  # best_caught - caught, summed over rounds 1..this one
    labels: frozenset = frozenset()  # the cases (customer index) the model learnt from this round


def _setup(world: World):
    cells = cell_of(world)
    p = world.truth["fraud_p"]
    size = np.bincount(cells, minlength=N_CELLS)
    true_rate = np.bincount(cells, weights=p, minlength=N_CELLS) / np.maximum(size, 1)
    return cells, p, true_rate


def _estimate(frauds, counts, base):
    return (frauds + PRIOR_WEIGHT * base) / (counts + PRIOR_WEIGHT)


def review_order(scores: np.ndarray, budget: int, explore: float, random_order: np.ndarray,
                 ties: np.ndarray) -> np.ndarray:
    """The cases one round reviews: ``round(explore * budget)`` taken in ``random_order``, then the
    highest-scored of the rest (ties broken by ``ties``). An ε-greedy serving policy."""
    n_random = int(round(explore * budget))
    picked = list(random_order[:n_random])
    taken = np.zeros(len(scores), bool)
    taken[picked] = True
    ranked = np.lexsort((ties, -scores))
    rest = ranked[~taken[ranked]][:budget - n_random]
    return np.concatenate([np.array(picked, dtype=int), rest]).astype(int)


def simulate_reviews(world: World, explore: float = DEFAULT_EXPLORE, rounds: int = MAX_ROUNDS,
                     control: bool = False, audit: bool = True, seed: int | None = None) -> list[ReviewRound]:
    """Rounds 0..``rounds`` of serve -> log -> retrain, measured each round. Cached.

    ``control=True``: the model learns from a random sample of ``budget`` cases a round instead of
    from its own reviews. ``audit=False`` starts from a model that knows only the overall rate (used to
    show that the control's training data does not depend on the model). ``seed`` defaults to the world's.
    """
    seed = world.seed if seed is None else int(seed)
    return list(_simulate(world, check_explore(explore), int(rounds), bool(control), bool(audit), seed))


@functools.lru_cache(maxsize=256)
def _simulate(world: World, explore: float, rounds: int, control: bool, audit: bool, seed: int):
    cells, p, true_rate = _setup(world)
    n = len(cells)
    budget = int(round(BUDGET_SHARE * n))
    size = np.bincount(cells, minlength=N_CELLS)
    weight = size / n
    audit_rows = np.random.default_rng([seed, _AUDIT]).permutation(n)[:int(round(AUDIT_SHARE * n))]
    audit_labels = np.random.default_rng([seed, _LABELS, 0]).random(n) < p
    frauds = np.zeros(N_CELLS)
    counts = np.zeros(N_CELLS)
    base = float(audit_labels[audit_rows].mean()) if audit else float(p.mean())
    if audit:
        np.add.at(frauds, cells[audit_rows], audit_labels[audit_rows])
        np.add.at(counts, cells[audit_rows], 1)
    best = np.argsort(-true_rate[cells], kind="stable")[:budget]
    best_caught = float(p[best].sum())
    out, regret = [], 0.0
    est = _estimate(frauds, counts, base)
    seen = np.bincount(cells[audit_rows], minlength=N_CELLS) > 0 if audit else np.zeros(N_CELLS, bool)
    out.append(_measure(0, est, true_rate, weight, seen, 0.0, best_caught, 0.0,
                        frozenset(audit_rows.tolist()) if audit else frozenset()))
    for r in range(1, rounds + 1):
        labels = np.random.default_rng([seed, _LABELS, r]).random(n) < p
        random_order = np.random.default_rng([seed, _RANDOM_ORDER, r]).permutation(n)
        ties = np.random.default_rng([seed, _TIES, r]).random(n)
        reviewed = review_order(est[cells], budget, explore, random_order, ties)
        caught = float(p[reviewed].sum())
        regret += best_caught - caught
        learn = (np.random.default_rng([seed, _CONTROL, r]).permutation(n)[:budget] if control else reviewed)
        np.add.at(frauds, cells[learn], labels[learn])
        np.add.at(counts, cells[learn], 1)
        est = _estimate(frauds, counts, base)
        seen = np.bincount(cells[learn], minlength=N_CELLS) > 0
        out.append(_measure(r, est, true_rate, weight, seen, caught, best_caught, regret,
                            frozenset(learn.tolist())))
    return tuple(out)


def _measure(r, est, true_rate, weight, seen, caught, best_caught, regret, learnt) -> ReviewRound:
    gap = est - true_rate
    blind = weight * ~seen
    return ReviewRound(
        round=r, error=float(np.sum(weight * np.abs(gap))), coverage=float(np.sum(weight * seen)),
        blind_bias=float(np.sum(blind * gap) / blind.sum()) if blind.sum() > 0 else 0.0,
        caught=caught, best_caught=best_caught, regret=regret, labels=learnt)


def all_runs(world: World) -> dict:
    """Every run the widget can show: each exploration rate, plus the control, for :data:`MAX_ROUNDS` rounds."""
    runs = {rate: simulate_reviews(world, rate) for rate in EXPLORE_RATES}
    runs["control"] = simulate_reviews(world, 0.0, control=True)
    return runs


def frozen_share(world: World, runs: list[ReviewRound]) -> float:
    """Share of the cases whose cell got no label in rounds 1..last: the model's estimate there is still
    exactly round 0's."""
    cells = cell_of(world)
    learnt = np.zeros(N_CELLS, bool)
    for r in runs[1:]:
        if r.labels:
            learnt[np.unique(cells[np.fromiter(r.labels, int)])] = True
    return float(np.mean(~learnt[cells]))


def changed_training_cases(runs_a: list[ReviewRound], runs_b: list[ReviewRound]) -> int:
    """How many training cases differ between two runs, summed over rounds 1..last."""
    return sum(len(a.labels ^ b.labels) for a, b in zip(runs_a[1:], runs_b[1:]))


def mean_blind_bias(runs: list[ReviewRound]) -> float:
    """The model's average error of sign (estimate - truth) in the cells it got no label for, rounds 1..last."""
    return float(np.mean([r.blind_bias for r in runs[1:]]))


def round0_scores(world: World) -> np.ndarray:
    """Every case's score from the round-0 model (its cell's estimate after the audit)."""
    cells, _, _ = _setup(world)
    n = len(cells)
    p = world.truth["fraud_p"]
    audit_rows = np.random.default_rng([world.seed, _AUDIT]).permutation(n)[:int(round(AUDIT_SHARE * n))]
    audit_labels = np.random.default_rng([world.seed, _LABELS, 0]).random(n) < p
    frauds = np.bincount(cells[audit_rows], weights=audit_labels[audit_rows], minlength=N_CELLS)
    counts = np.bincount(cells[audit_rows], minlength=N_CELLS).astype(float)
    return _estimate(frauds, counts, float(audit_labels[audit_rows].mean()))[cells]


def coverage_of(world: World, picks) -> float:
    """Share of the cases in a cell where at least one of ``picks`` (case indices) lies."""
    cells = cell_of(world)
    seen = np.bincount(cells[np.asarray(picks, dtype=int)], minlength=N_CELLS) > 0
    return float(np.mean(seen[cells]))
