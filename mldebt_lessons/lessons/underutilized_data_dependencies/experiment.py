"""Lesson 05: what each candidate feature buys churn_model, what it costs, and what it breaks a year later.

The model is churn_model's own kind (logistic regression on standardised inputs, scikit-learn's
``StandardScaler`` + ``LogisticRegression(C=1.0)``), fitted on the world's training rows with every
subset of the candidate features of :mod:`mldebt_lessons.shop.candidates` added to what it reads today.

**Why this module fits the model itself.** The lesson needs many fits per world: 64 subsets for the
explorer, and 8 bootstrap refits with and without each feature for the leave-one-out table; the claims
repeat that in 20 worlds. scikit-learn's general-purpose solver takes a large share of a second per fit
here, so ``fit_logistic`` minimises *the same objective* (same penalty, same unpenalised intercept, same
standardisation) by Newton's method: each step uses the loss's curvature to jump close to the optimum, and
with about fifteen columns and a smooth convex loss it converges in a handful of steps, tens of times
faster. Nothing else differs: ``test_newton_fit_matches_scikit_learn`` in
``tests/test_underutilized_dependencies.py`` fits both on several feature sets and worlds and checks that
their weights and predicted chances agree. If you change the model, change that test with it.

Quality is measured against Larkspur's ground truth on the held-out rows: the **excess log loss**,
how much worse the model's churn chances score than the true chances would (the mean KL divergence,
in thousandths of a nat: 0 means the model knows the true chances; lower is better). No label noise
enters it.

**Leave one feature out**: refit without the feature and see how much the loss rises (its *gain*).
Refitting on other data moves the loss too, so every gain comes with its **noise floor**: the fits are
repeated on bootstrap resamples of the training rows (random stream ``[seed, 52]``), and the noise
floor is twice the standard deviation of the gain across them. A gain at or below its noise floor
cannot be told from refitting on other data.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> q = model_quality(world, BASE_INPUTS)
>>> q.fragility
0.0
>>> model_quality(world, ALL_FEATURES).fragility > 0
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.shop.candidates import (
    BASE_INPUTS,
    BASE_MODEL,
    CANDIDATES,
    CANDIDATES_BY_NAME,
    KINDS,
    candidate_graph,
    candidate_table,
    changed_a_year_later,
    upstream_of,
)
from mldebt_lessons.shop.models import design_matrix

CANDIDATE_NAMES = tuple(c.name for c in CANDIDATES)
ALL_FEATURES = BASE_INPUTS + CANDIDATE_NAMES
BUNDLE = tuple(c.name for c in CANDIDATES if c.kind == "bundle")
# The pruned model: today's inputs plus inactive_30d, the candidate that carries signal the model cannot
# get elsewhere (its leave-one-out gain beats its noise floor in most worlds: claim useful_member_earns_its_place)
PRUNED = BASE_INPUTS + ("inactive_30d",)
RESAMPLES = 8
RESAMPLE_STREAM = 52
LOSS_UNIT = "thousandths"
METRIC = "excess log loss"


def check_features(features) -> tuple[str, ...]:
    """``features`` as a tuple in the model's column order; a one-line error for a name that is not offered."""
    if isinstance(features, str):
        features = (features,)
    try:
        chosen = list(features)
    except TypeError:
        raise CourseInputError("give the features as a list of names, for example ['user_age', 'device']") from None
    for name in chosen:
        if name not in ALL_FEATURES:
            raise unknown_choice("feature", name, ALL_FEATURES)
    return tuple(n for n in ALL_FEATURES if n in chosen)


@dataclass(frozen=True)
class Design:
    """One world's design matrices (today and a year later), the column owners, labels and truth."""

    now: np.ndarray
    later: np.ndarray
    owners: np.ndarray
    y: np.ndarray
    truth: np.ndarray
    train_rows: np.ndarray
    test_rows: np.ndarray


@functools.lru_cache(maxsize=8)
def design(world) -> Design:
    """The design matrices of every feature on offer, built once per world."""
    now_table, later_table = candidate_table(world), candidate_table(world, a_year_later=True)
    tr = world.train_rows
    categories = {name: np.unique(now_table[name][tr]) for name in ALL_FEATURES
                  if now_table[name].dtype.kind in "UO"}
    now, owners = design_matrix(now_table, ALL_FEATURES, categories)
    later, _ = design_matrix(later_table, ALL_FEATURES, categories)
    return Design(now, later, np.array(owners), world.labels["churned"], world.truth["churn_p"], tr,
                  world.test_rows)


def fit_logistic(X: np.ndarray, y: np.ndarray, C: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, coef, intercept) of scikit-learn's StandardScaler + LogisticRegression(C), by Newton's method.

    Minimises ``0.5 * |coef|^2 + C * sum(log loss)`` on the standardised columns, the intercept not
    penalised, exactly the objective scikit-learn minimises. Newton's method: at each step, solve
    ``hessian @ step = gradient`` (the curvature tells how far to go) and move by ``-step``; stop when
    the step is negligible. A constant column gets scale 1, as StandardScaler does.

    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> mean, scale, coef, b = fit_logistic(X, y)
    >>> round(float(coef[0]), 3) > 0
    True
    """
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = np.column_stack([np.ones(len(X)), (X - mean) / scale])
    theta = np.zeros(Z.shape[1])
    penalty = np.ones(Z.shape[1]) / C
    penalty[0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(Z @ theta)))
        grad = Z.T @ (p - y) + penalty * theta
        hess = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return mean, scale, theta[1:], float(theta[0])


def predict(params, X: np.ndarray) -> np.ndarray:
    mean, scale, coef, intercept = params
    return 1.0 / (1.0 + np.exp(-(((X - mean) / scale) @ coef + intercept)))


def excess_log_loss(p_true: np.ndarray, q: np.ndarray) -> float:
    """Mean KL divergence of the model's chances ``q`` from the true chances, in thousandths of a nat.

    >>> excess_log_loss(np.array([0.3, 0.6]), np.array([0.3, 0.6]))
    0.0
    """
    q = np.clip(q, 1e-12, 1 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = p_true * np.log(p_true / q) + (1 - p_true) * np.log((1 - p_true) / (1 - q))
    return float(1000 * np.mean(kl))


def _columns(d: Design, features) -> np.ndarray:
    return np.isin(d.owners, list(features))


def _fit(world, features, rows=None):
    d = design(world)
    cols = _columns(d, features)
    rows = d.train_rows if rows is None else rows
    return cols, fit_logistic(d.now[rows][:, cols], d.y[rows])


def _loss(world, fitted, later: bool = False) -> float:
    d = design(world)
    cols, params = fitted
    X = (d.later if later else d.now)[d.test_rows][:, cols]
    return excess_log_loss(d.truth[d.test_rows], predict(params, X))


@dataclass(frozen=True)
class Quality:
    """One choice of inputs: its loss today and a year later, and what it depends on."""

    features: tuple[str, ...]
    loss_now: float  # excess log loss on held-out users, thousandths (lower is better)
    loss_later: float  # the same model, scored on the world a year later
    upstream: tuple[str, ...]  # every source and feature it depends on
    owners: tuple[str, ...]  # the teams that own them

    @property
    def fragility(self) -> float:
        """How much worse the model gets a year later (0: not at all)."""
        return self.loss_later - self.loss_now


@functools.lru_cache(maxsize=512)
def _quality(world, features: tuple[str, ...]) -> Quality:
    fitted = _fit(world, features)
    nodes, owners = upstream_of(candidate_graph(world.graph), features)
    return Quality(features, _loss(world, fitted), _loss(world, fitted, later=True), tuple(sorted(nodes)),
                   tuple(sorted(owners)))


def model_quality(world, features) -> Quality:
    """Fit churn_model's kind of model on ``features`` and measure it today and a year later."""
    return _quality(world, check_features(features))


def candidate_subsets() -> list[tuple[str, ...]]:
    """Every subset of the candidate features (2 ** 6 = 64), each added to today's inputs."""
    return [BASE_INPUTS + combo for k in range(len(CANDIDATE_NAMES) + 1)
            for combo in combinations(CANDIDATE_NAMES, k)]


def all_qualities(world) -> dict[frozenset, Quality]:
    """Every subset's quality, keyed by the set of candidates ticked (the widget looks them up)."""
    return {frozenset(f[len(BASE_INPUTS):]): model_quality(world, f) for f in candidate_subsets()}


@dataclass(frozen=True)
class LeaveOut:
    """A leave-one-feature-out result: the loss rise when ``dropped`` is left out, and its noise floor."""

    dropped: tuple[str, ...]
    kind: str  # "today's input", a candidate's kind, or "bundle (all three)"
    gain: float  # mean over resamples of (loss without) - (loss with): positive if it helps
    noise: float  # twice the standard deviation of that difference across resamples
    gains: tuple[float, ...]

    @property
    def beyond_noise(self) -> bool:
        return self.gain > self.noise


def resamples(world, n: int = RESAMPLES) -> list[np.ndarray]:
    """``n`` bootstrap resamples of the training rows, seeded by the world."""
    rng = np.random.default_rng([world.seed, RESAMPLE_STREAM])
    tr = world.train_rows
    return [np.sort(rng.choice(tr, size=len(tr), replace=True)) for _ in range(n)]


def _kind(dropped) -> str:
    if len(dropped) > 1:
        return "bundle (all three)"
    c = CANDIDATES_BY_NAME.get(dropped[0])
    return c.kind if c else "today's input"


@functools.lru_cache(maxsize=32)
def _leave_out(world, features: tuple[str, ...], dropped: tuple[str, ...], n: int) -> LeaveOut:
    rows = resamples(world, n)
    full = [_loss(world, _fit(world, features, r)) for r in rows]
    kept = tuple(f for f in features if f not in dropped)
    without = [_loss(world, _fit(world, kept, r)) for r in rows]
    gains = np.array(without) - np.array(full)
    return LeaveOut(dropped, _kind(dropped), float(gains.mean()), float(2 * gains.std(ddof=1)),
                    tuple(float(g) for g in gains))


def leave_one_out(world, features=ALL_FEATURES, dropped=None, n: int = RESAMPLES) -> LeaveOut:
    """The gain of ``dropped`` (a feature, or a group) in the model on ``features``, with its noise floor."""
    features = check_features(features)
    dropped = check_features(dropped)
    if not dropped or not set(dropped) <= set(features):
        raise CourseInputError(f"drop one or more of the model's own features: {', '.join(features)}")
    return _leave_out(world, features, dropped, int(n))


def leave_one_out_table(world, n: int = RESAMPLES) -> list[LeaveOut]:
    """Every candidate left out of the model with all of them, then the bundle as a group."""
    rows = [leave_one_out(world, ALL_FEATURES, name, n) for name in CANDIDATE_NAMES]
    return rows + [leave_one_out(world, ALL_FEATURES, BUNDLE, n)]


def coefficient(world, features, name: str) -> float:
    """The model's weight on one input (per standard deviation; a category's columns summed)."""
    features = check_features(features)
    d = design(world)
    cols, (_, _, coef, _) = _fit(world, features)
    owners = d.owners[cols]
    return float(coef[owners == name].sum())


def loss_text(value: float) -> str:
    return f"{value:.1f}"


def verdict(row: LeaveOut) -> str:
    """'earns its place' if its gain is beyond its noise floor, else 'within noise' (cannot be told from chance)."""
    return "earns its place" if row.beyond_noise else "within noise"


def dependency_cost(world, features) -> tuple[int, int]:
    """(upstream nodes, teams) that ``features`` bring: the features themselves, what feeds them, and their owners.

    >>> from mldebt_lessons.shop.world import build_world
    >>> dependency_cost(build_world(), ["catalogue_subscriber"])
    (3, 2)
    """
    nodes, owners = upstream_of(candidate_graph(world.graph), check_features(features))
    return len(nodes), len(owners)


def leave_out_rows(world, rows: list[LeaveOut]) -> list[dict]:
    """Table rows: what was left out, its kind, its gain with the noise floor, the verdict, and its cost."""
    out = []
    for r in rows:
        nodes, teams = dependency_cost(world, r.dropped)
        out.append({"left out": r.dropped[0] if len(r.dropped) == 1 else "the engagement bundle",
                    "kind": r.kind, "gain ± noise floor": f"{r.gain:+.2f} ± {r.noise:.2f}",
                    "verdict": verdict(r), "upstream": str(nodes), "teams": str(teams)})
    return out


def world_change_text() -> str:
    """What happens a year later, in words."""
    return ("A year later: the old sign-up system is switched off, so platform_code_v1 arrives blank for "
            "everyone; and print marketing posts the catalogue to a random half of customers, whatever their "
            f"age. Every other input is as it was. Changed: {', '.join(changed_a_year_later())}.")


__all__ = ["ALL_FEATURES", "BASE_INPUTS", "BASE_MODEL", "BUNDLE", "CANDIDATE_NAMES", "KINDS", "PRUNED",
           "LeaveOut", "Quality", "all_qualities", "candidate_subsets", "check_features", "coefficient",
           "dependency_cost", "excess_log_loss", "fit_logistic", "leave_one_out", "leave_one_out_table",
           "leave_out_rows", "model_quality", "resamples", "verdict", "world_change_text"]
