"""Lesson 17's experiment: the four debts of §8, each measured on Larkspur's real models.

* **Data testing.** Tonight's batch of raw data (:mod:`mldebt_lessons.shop.operations`) with one seeded
  fault. Five checks run on it against the training rows (the reference): ``schema`` (columns, types,
  known categories), ``range`` (values inside a stated range), ``nulls`` (empty values), ``unique``
  (one row per user) and ``distribution`` (a KS test per numeric column, a chi-square test per
  categorical one). What a fault does when nothing catches it: the decisions of the shop's models that
  change on the batch's users (and, for repeated rows, the actions taken twice).
* **Reproducibility.** The same training (a subsampled gradient-boosted churn model) re-run
  :data:`RERUNS` times, each with its own random seed, data order and data snapshot unless that source
  is pinned. Spread: the share of decisions that differ from the first run, and the AUC's range.
* **Process management.** The runbook's human minutes (stated assumptions) times what the shop's graph
  says must be redone, in dependency order.
* **Cultural debt.** Simplify: delete a model's inputs while the AUC it loses stays within the noise floor
  (twice the standard deviation of that loss over bootstrap resamples of the test users); a deletion
  scores as much as a gain of one floor.

>>> from mldebt_lessons.shop.world import build_world
>>> world = build_world()
>>> sorted(caught_by(world, "pence"))
['distribution', 'range']
>>> repro_spread(world, pinned=("seed", "order", "snapshot")).flipped
0.0
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import stats
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.features import FEATURES, feature_table
from mldebt_lessons.shop.models import ShopModel, model_spec
from mldebt_lessons.shop.operations import FAULTS, RUNBOOK, check_fault, fault_batch

# -- data testing ---------------------------------------------------------------------------------------
CHECKS = {
    "schema": "every column present, numbers stay numbers, no category the reference has never seen",
    "range": "values inside the stated range; alarm when the share outside is over the reference's by 1 point",
    "nulls": "empty values; alarm when a column's share of them is over the reference's by 5 points",
    "unique": "one row per user_id",
    "distribution": "KS test per numeric column, chi-square per categorical; alarm at p < 0.001 / 6",
}
SANITY = ("schema", "range", "nulls", "unique")
RANGES = {"user_age": (0.0, 120.0), "session_count": (0.0, 1000.0), "days_since_signup": (0.0, 3650.0),
          "avg_basket_value": (0.0, 2000.0)}  # the stated schema: what a value may be, in its unit
RANGE_MARGIN = 0.01
NULL_MARGIN = 0.05
ALPHA = 0.001  # the distribution tests' budget per batch, shared by the six columns (Bonferroni)
NUMERIC = tuple(f.name for f in FEATURES if f.kind == "numeric")
CATEGORICAL = tuple(f.name for f in FEATURES if f.kind == "categorical")
HOME_MODELS = ("churn_model", "ltv_model", "fraud_model", "recommender")
FAULT_NAMES = tuple(f for f in FAULTS if f != "none")


def check_checks(checks) -> tuple[str, ...]:
    """``checks`` as a tuple of known names, or a one-line error."""
    if isinstance(checks, str):
        checks = (checks,)
    out = []
    for c in checks:
        if c not in CHECKS:
            raise unknown_choice("check", c, CHECKS)
        out.append(c)
    return tuple(out)


def reference_batch(world) -> dict[str, np.ndarray]:
    """The training rows' raw columns: what every check compares tonight's batch with."""
    return rows_of(world.raw, world.train_rows)


def _numeric(x) -> bool:
    return np.asarray(x).dtype.kind in "fiu"


def run_check(check: str, reference: dict, batch: dict) -> bool:
    """True when ``check`` raises an alarm on ``batch``."""
    if check == "schema":
        for name in NUMERIC + CATEGORICAL:
            if name not in batch:
                return True
        if any(not _numeric(batch[n]) for n in NUMERIC):
            return True
        return any(not np.isin(batch[n], np.unique(reference[n])).all() for n in CATEGORICAL)
    if check == "range":
        for name, (lo, hi) in RANGES.items():
            def outside(x):
                x = np.asarray(x, float)
                x = x[~np.isnan(x)]
                return float(np.mean((x < lo) | (x > hi))) if len(x) else 0.0
            if outside(batch[name]) > outside(reference[name]) + RANGE_MARGIN:
                return True
        return False
    if check == "nulls":
        return any(np.mean(np.isnan(np.asarray(batch[n], float))) > np.mean(np.isnan(reference[n])) + NULL_MARGIN
                   for n in NUMERIC)
    if check == "unique":
        return len(np.unique(batch["user_id"])) < len(batch["user_id"])
    if check == "distribution":
        return min(distribution_pvalues(reference, batch).values()) < ALPHA / len(NUMERIC + CATEGORICAL)
    raise unknown_choice("check", check, CHECKS)


def distribution_pvalues(reference: dict, batch: dict) -> dict[str, float]:
    """Each column's p-value: two-sample KS on the non-empty numbers, chi-square on the category counts."""
    out = {}
    for name in NUMERIC:
        a, b = np.asarray(reference[name], float), np.asarray(batch[name], float)
        out[name] = float(stats.ks_2samp(a[~np.isnan(a)], b[~np.isnan(b)]).pvalue)
    for name in CATEGORICAL:
        cats = np.unique(np.concatenate([reference[name], batch[name]]))
        table = np.array([[np.sum(reference[name] == c) for c in cats], [np.sum(batch[name] == c) for c in cats]])
        out[name] = float(stats.chi2_contingency(table).pvalue)
    return out


@functools.lru_cache(maxsize=256)
def alarms(world, fault: str) -> dict[str, bool]:
    """Which of the five checks raise an alarm on the batch with ``fault``."""
    reference, batch = reference_batch(world), fault_batch(world, fault)
    return {c: bool(run_check(c, reference, batch)) for c in CHECKS}


def caught_by(world, fault: str) -> tuple[str, ...]:
    """The checks that catch ``fault`` (for ``"none"``: the checks that ring a false alarm)."""
    return tuple(c for c, on in alarms(world, fault).items() if on)


@functools.lru_cache(maxsize=256)
def decisions(world, fault: str) -> dict[str, np.ndarray]:
    """Each home model's decisions on the batch with ``fault``, read through the shop's feature layer."""
    table = feature_table(fault_batch(world, fault), world.reference)
    return {m: world.models[m].decide(table) for m in HOME_MODELS}


@dataclass(frozen=True)
class Harm:
    fault: str
    changed: dict  # model -> decisions that differ from the clean batch's, on the same users
    repeated: int  # positive decisions acted on twice (repeated rows)

    @property
    def total(self) -> int:
        return int(sum(self.changed.values()) + self.repeated)


@functools.lru_cache(maxsize=256)
def harm(world, fault: str) -> Harm:
    """What ``fault`` does to the decisions if no check stops the batch."""
    check_fault(fault)
    clean, faulty = decisions(world, "none"), decisions(world, fault)
    n = len(clean["churn_model"])
    changed = {m: int(np.sum(faulty[m][:n] != clean[m])) for m in HOME_MODELS}
    repeated = int(sum(faulty[m][n:].sum() for m in HOME_MODELS))
    return Harm(fault, changed, repeated)


def readers(fault: str) -> tuple[str, ...]:
    """The home models that read a column the fault touches."""
    touched = set(FAULTS[fault].touches)
    return tuple(m for m in HOME_MODELS if touched & set(model_spec(m).inputs))


def outcome(world, fault: str, checks) -> dict:
    """With ``checks`` on: is ``fault`` caught, by which, and how many decisions slip through."""
    checks = check_checks(checks)
    by = tuple(c for c in caught_by(world, fault) if c in checks)
    h = harm(world, fault)
    return {"fault": fault, "caught_by": by, "caught": bool(by), "harm": h.total,
            "slipped": 0 if by or fault == "none" else h.total}


def check_table(world) -> list[dict]:
    """One row per fault: which checks catch it, and the decisions it changes if none does."""
    rows = []
    for fault in FAULTS:
        on = alarms(world, fault)
        row = {"fault": fault}
        row.update({c: "alarm" if on[c] else "-" for c in CHECKS})
        rows.append(row)
    return rows


# -- reproducibility --------------------------------------------------------------------------------
REPRO_MODEL = "churn_model"  # its inputs and label, trained as a subsampled boosted-tree model
SOURCES = {"seed": "the random seed (subsampling)", "order": "the order of the training rows",
           "snapshot": "the training snapshot (rows that arrive or vanish between reads)"}
RERUNS = 3
SNAPSHOT_KEEP = 0.97  # an unpinned read of "latest" sees about 97% of the pinned snapshot's rows
REPRO_STREAM = 171


def _subsampled_trees(seed: int):
    return GradientBoostingClassifier(n_estimators=15, max_depth=2, learning_rate=0.3, subsample=0.7,
                                      random_state=seed)


REPRO_SPEC = dataclasses.replace(model_spec(REPRO_MODEL), name="churn_trees", make_estimator=_subsampled_trees)


def check_pins(pinned) -> tuple[str, ...]:
    if isinstance(pinned, str):
        pinned = (pinned,)
    for p in pinned:
        if p not in SOURCES:
            raise unknown_choice("source", p, SOURCES)
    return tuple(s for s in SOURCES if s in set(pinned))


@functools.lru_cache(maxsize=16)
def _rerun_draws(seed: int, n: int):
    rng = np.random.default_rng([seed, REPRO_STREAM])
    states = rng.integers(0, 2**31 - 1, RERUNS)
    orders = [rng.permutation(n) for _ in range(RERUNS)]
    keeps = [rng.random(n) < SNAPSHOT_KEEP for _ in range(RERUNS)]
    return states, orders, keeps


def training_run(world, k: int, pinned) -> np.ndarray:
    """Run ``k`` of the churn training; returns its scores on the test users. Run 0 is the first run, with
    the pinned values of every source (seed = the world's seed, rows in stored order, the pinned
    snapshot); a re-run (k >= 1) draws its own value of each source that is not pinned."""
    return _run(world, k, tuple(SOURCES) if k == 0 else check_pins(pinned))


@functools.lru_cache(maxsize=512)
def _run(world, k: int, pinned: tuple[str, ...]) -> np.ndarray:
    rows = world.train_rows
    states, orders, keeps = _rerun_draws(world.seed, len(rows))
    state = world.seed if "seed" in pinned else int(states[k])
    order = np.arange(len(rows)) if "order" in pinned else orders[k]
    keep = np.ones(len(rows), bool) if "snapshot" in pinned else keeps[k]
    chosen = rows[order][keep[order]]
    table = rows_of(world.features, chosen)
    model = ShopModel(REPRO_SPEC, random_state=state).fit(table, world.labels["churned"][chosen])
    return model.predict_score(world.test_table)


@dataclass(frozen=True)
class Spread:
    pinned: tuple[str, ...]
    flipped: float  # mean share of test decisions that differ from the first run, over the re-runs
    unstable: float  # share of test users whose decision is not the same in every run
    auc_low: float
    auc_high: float

    @property
    def auc_range(self) -> float:
        return self.auc_high - self.auc_low


@functools.lru_cache(maxsize=64)
def _spread(world, pinned: tuple[str, ...]) -> Spread:
    threshold = model_spec(REPRO_MODEL).threshold
    runs = RERUNS if len(pinned) < len(SOURCES) else 2  # fully pinned: every run is the same; two show it
    scores = [training_run(world, k, pinned) for k in range(runs)]
    decided = np.array([s >= threshold for s in scores])
    y = world.labels["churned"][world.test_rows]
    aucs = [roc_auc_score(y, s) for s in scores]
    flipped = float(np.mean([np.mean(d != decided[0]) for d in decided[1:]]))
    unstable = float(np.mean(decided.any(axis=0) & ~decided.all(axis=0)))
    return Spread(pinned, flipped, unstable, float(min(aucs)), float(max(aucs)))


def repro_spread(world, pinned=()) -> Spread:
    """The spread of the churn training's decisions and AUC over its re-runs, with ``pinned`` sources fixed."""
    return _spread(world, check_pins(pinned))


def only_unpinned(source: str) -> tuple[str, ...]:
    """The pins that leave only ``source`` free."""
    check_pins((source,))
    return tuple(s for s in SOURCES if s != source)


# -- process management --------------------------------------------------------------------------------
def models_to_redo(world, changed: str | None = None) -> list[str]:
    """The models to retrain, in dependency order, after a change to node ``changed`` (None: all of them)."""
    g = world.graph
    kinds = nx.get_node_attributes(g, "kind")
    if changed is None:
        chosen = {n for n, k in kinds.items() if k == "model"}
    else:
        if changed not in g:
            raise unknown_choice("node", changed, sorted(g))
        chosen = {n for n in nx.descendants(g, changed) | {changed} if kinds[n] == "model"}
    return [n for n in nx.topological_sort(g) if n in chosen]


def consumers_of(world, model: str) -> list[str]:
    """The declared consumers of ``model`` (the ones somebody can tell)."""
    g = world.graph
    return sorted(c for c in g.successors(model) if g.nodes[c]["kind"] == "consumer" and g.nodes[c].get("declared", True))


def runbook_minutes(world, models, automated: bool = False) -> dict[str, float]:
    """Human minutes per runbook step to retrain and redeploy ``models`` (by hand, or with the automatable
    steps run by a pipeline). The minutes per step are stated assumptions, not measurements."""
    n_consumers = sum(len(consumers_of(world, m)) for m in models)
    return {s.name: (0.0 if automated and s.automatable else s.minutes) * (len(models) if s.per == "model"
                                                                           else n_consumers)
            for s in RUNBOOK}


def manual_steps(world, models, automated: bool = False) -> int:
    """How many times a person must act (one step for one model or consumer)."""
    n_consumers = sum(len(consumers_of(world, m)) for m in models)
    return sum((len(models) if s.per == "model" else n_consumers) for s in RUNBOOK
               if not (automated and s.automatable))


# -- cultural debt: simplify ---------------------------------------------------------------------------
SIMPLIFY_MODELS = ("churn_model", "fraud_model", "recommender")
BOOTSTRAP = 200
FLOOR_STREAM = 172


def check_simplify_model(name: str) -> None:
    if name not in SIMPLIFY_MODELS:
        raise unknown_choice("model", name, SIMPLIFY_MODELS)


def check_inputs(name: str, kept) -> tuple[str, ...]:
    check_simplify_model(name)
    inputs = model_spec(name).inputs
    if isinstance(kept, str):
        kept = (kept,)
    kept = tuple(kept)
    for k in kept:
        if k not in inputs:
            raise unknown_choice(f"input of {name}", k, inputs)
    if not kept:
        raise CourseInputError(f"keep at least one input of {name}; its inputs are: {', '.join(inputs)}")
    return tuple(i for i in inputs if i in set(kept))


@functools.lru_cache(maxsize=256)
def _scores_with(world, name: str, kept: tuple[str, ...]) -> np.ndarray:
    spec = model_spec(name)
    model = world.models[name] if kept == spec.inputs else ShopModel(
        dataclasses.replace(spec, inputs=kept), random_state=world.seed).fit(
            world.train_table, world.labels[spec.label][world.train_rows])
    return model.predict_score(world.test_table)


def auc_with(world, name: str, kept) -> float:
    """Test AUC of ``name`` retrained on only the ``kept`` inputs."""
    kept = check_inputs(name, kept)
    y = world.labels[model_spec(name).label][world.test_rows]
    return float(roc_auc_score(y, _scores_with(world, name, kept)))


@functools.lru_cache(maxsize=16)
def _resamples(world) -> np.ndarray:
    """:data:`BOOTSTRAP` resamples of the test users, as a count per user (the same for every comparison)."""
    n = len(world.test_rows)
    rng = np.random.default_rng([world.seed, FLOOR_STREAM])
    return np.array([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(BOOTSTRAP)], float)


def bootstrap_aucs(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The AUC under each row of ``weights`` (a count per user); ties count one half.

    >>> y, s = np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.4, 0.4])
    >>> bootstrap_aucs(y, s, np.ones((1, 4))).round(3).tolist()
    [0.875]
    """
    order = np.argsort(score, kind="stable")
    values = score[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    pos = np.add.reduceat(weights[:, order] * y[order], starts, axis=1)
    neg = np.add.reduceat(weights[:, order] * (1 - y[order]), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    return np.sum(pos * (below + 0.5 * neg), axis=1) / np.maximum(pos.sum(1) * neg.sum(1), 1e-12)


def noise_floor(world, name: str, kept=None) -> float:
    """Twice the standard deviation, over bootstrap resamples of the test users, of the AUC the model loses
    when it keeps only ``kept`` (paired: both models on the same resample). A loss below it is within what
    another draw of the same number of users could show. ``kept`` None: the model's AUC itself."""
    check_simplify_model(name)
    spec = model_spec(name)
    y = world.labels[spec.label][world.test_rows].astype(float)
    weights = _resamples(world)
    full = bootstrap_aucs(y, _scores_with(world, name, spec.inputs), weights)
    if kept is None:
        return float(2 * np.std(full))
    return _paired_floor(world, name, check_inputs(name, kept))


@functools.lru_cache(maxsize=256)
def _paired_floor(world, name: str, kept: tuple[str, ...]) -> float:
    spec = model_spec(name)
    y = world.labels[spec.label][world.test_rows].astype(float)
    weights = _resamples(world)
    lost = (bootstrap_aucs(y, _scores_with(world, name, spec.inputs), weights)
            - bootstrap_aucs(y, _scores_with(world, name, kept), weights))
    return float(2 * np.std(lost))


def simplify_score(world, name: str, kept) -> dict:
    """The simplify exercise's score: each deleted input counts 1 (as much as a gain of one noise floor in
    AUC), plus the AUC change in floors; a loss beyond the floor disqualifies (score 0, ``within`` False)."""
    kept = check_inputs(name, kept)
    full, floor = auc_with(world, name, model_spec(name).inputs), noise_floor(world, name, kept)
    auc = auc_with(world, name, kept)
    deleted = len(model_spec(name).inputs) - len(kept)
    within = full - auc <= floor
    return {"model": name, "kept": kept, "deleted": deleted, "auc": auc, "full_auc": full, "floor": floor,
            "within": bool(within), "score": float(deleted + ((auc - full) / floor if floor > 0 else 0.0)) if within else 0.0}


def leave_one_out(world, name: str) -> list[dict]:
    """Each input of ``name`` deleted alone: the AUC lost (points) against the noise floor."""
    inputs = model_spec(name).inputs
    full = auc_with(world, name, inputs)
    rows = []
    for i in inputs:
        kept = tuple(x for x in inputs if x != i)
        auc, floor = auc_with(world, name, kept), noise_floor(world, name, kept)
        rows.append({"input": i, "auc": auc, "lost": full - auc, "floor": floor, "within": full - auc <= floor})
    return rows


def greedy_simplify(world, name: str) -> tuple[str, ...]:
    """Delete, one at a time, the input whose loss is smallest, while the loss against the full model stays
    within the floor; returns the inputs kept."""
    kept = list(model_spec(name).inputs)
    full = auc_with(world, name, tuple(kept))
    while len(kept) > 1:
        trials = sorted((full - auc_with(world, name, tuple(x for x in kept if x != i)), i) for i in kept)
        lost, cheapest = trials[0]
        if lost > noise_floor(world, name, tuple(x for x in kept if x != cheapest)):
            break
        kept.remove(cheapest)
    return tuple(kept)
