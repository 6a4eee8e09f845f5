"""The measured CACE experiment: change one thing, watch every model move, beside a noise floor.

What can change (the paper's CACE: "changing anything changes everything"):

* a **feature's preprocessing** (rescale, log, clip, units, a new fill value, a renamed or merged
  category), or the feature is **dropped** (its column stops arriving);
* **one model's own settings**: add or drop one of its inputs, a stronger or weaker penalty
  (``C`` of the logistic models, ``alpha`` of the ridge), another training sample (half the users,
  or classes re-weighted to balance), or its decision threshold.

Two modes, as in real life:

* ``"serving"`` -- nobody else retrains. A feature change reaches models trained on the old
  feature (training/serving skew); a model's own change is made by its owner, and the models that
  read its score keep the weights they learned from the old score.
* ``"retrained"`` -- every model the change reaches is retrained. The weights of the *other*
  inputs move too: the paper's claim that changing one input changes the use of the other n-1.

Every model is measured, not just the ones downstream: a model the change does not reach is the
control and must show exactly zero change. And every effect comes with a **noise floor**: what the
same models do when retrained with another seed and no change at all, on another draw of the
training users (a bootstrap sample). An effect far above its floor is the change's; one near it
could be ordinary retraining noise.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> effects = measure_cace(build_world(), "user_age", "units", "serving")
>>> [(e.model, e.reads_feature, e.downstream) for e in effects]  # doctest: +NORMALIZE_WHITESPACE
[('churn_model', True, True), ('ltv_model', True, True), ('fraud_model', True, True),
 ('recommender', False, False), ('fraud_model_es', False, True)]
>>> next(e for e in effects if e.model == "recommender").decisions_flipped
0.0
>>> next(e for e in effects if e.model == "fraud_model_es").decisions_flipped > 0
True
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import asdict, dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.features import (
    CHANGES,
    FEATURES,
    FEATURES_BY_NAME,
    changes_for,
    check_change,
    feature_table,
)
from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.models import (
    MODEL_SPECS,
    MODEL_SPECS_BY_NAME,
    ModelSpec,
    ShopModel,
    add_upstream_scores,
    design_matrix,
)
from mldebt_lessons.shop.world import World

MODES = ("serving", "retrained")
MODE_LABELS = {"serving": "serving changed, models not retrained",
               "retrained": "models retrained on the changed feature"}
MODE_HELP = {"serving": "nobody else retrains: models keep what they learned before the change",
             "retrained": "every model the change reaches is retrained"}

PENALTY_FACTOR = 10.0  # "stronger penalty": C / 10 (logistic) or alpha x 10 (ridge)
THRESHOLD_STEP = 0.05  # "raise threshold": +0.05 on a fixed cut-off, or 5 points fewer users flagged
NOISE_NOTE = ("in brackets, the noise floor: the same models retrained with another seed and no change, on a "
              "resample of the users. Score changes are probabilities, or pounds for ltv_model")

MODEL_CHANGE_HELP = {
    "add": "the model's owner adds this input and retrains the model",
    "drop": "the model's owner drops this input and retrains the model",
    "stronger penalty": f"regularise {PENALTY_FACTOR:g} times harder (C / {PENALTY_FACTOR:g} for a logistic "
                        f"regression, alpha x {PENALTY_FACTOR:g} for the ridge) and retrain",
    "weaker penalty": f"regularise {PENALTY_FACTOR:g} times less (C x {PENALTY_FACTOR:g}, alpha / "
                      f"{PENALTY_FACTOR:g}) and retrain",
    "half the users": "retrain on a random half of the training users",
    "balanced classes": "retrain with each class weighted so both weigh the same in total (the rare class counts more)",
    "lower threshold": f"flag more users: the score cut-off goes down by {THRESHOLD_STEP:g} (the VIP share up "
                       f"by {THRESHOLD_STEP:.0%}); nothing is retrained",
    "raise threshold": f"flag fewer users: the score cut-off goes up by {THRESHOLD_STEP:g} (the VIP share down "
                       f"by {THRESHOLD_STEP:.0%}); nothing is retrained",
}
FEATURE_DROP_HELP = ("drop the feature: its column stops arriving. Not retrained, a model fills it as missing "
                     "(the training median, or an unknown category); retrained, it learns without it")


@dataclass(frozen=True)
class ModelEffect:
    """What one change did to one model, measured on the held-out users, with its noise floor."""

    model: str
    reads_feature: bool  # the change touches it directly: it reads the changed feature, or it is the changed model
    downstream: bool  # the change reaches it, directly or through another model
    decisions_flipped: float  # share of users whose decision flipped
    mean_abs_score_change: float
    quality_metric: str
    quality_before: float
    quality_after: float
    other_inputs_shift: float  # relative change of the other inputs' weights (0 when not retrained)
    most_moved_input: str  # the other input whose weight moved most ('' if none moved)
    noise_flipped: float = 0.0  # the noise floor: decisions flipped by retraining with another seed, no change
    noise_score_change: float = 0.0
    noise_shift: float = 0.0  # the noise floor of the weights' move
    changed_model: bool = False  # this is the model whose own settings changed

    @property
    def quality_change(self) -> float:
        return self.quality_after - self.quality_before

    @property
    def above_noise(self) -> bool:
        """True if more decisions flipped than retraining with another seed flips on its own."""
        return self.decisions_flipped > self.noise_flipped

    def as_dict(self) -> dict:
        return asdict(self) | {"quality_change": self.quality_change}


@dataclass(frozen=True)
class Plan:
    """How one change is made: changed feature tables, changed model specs and training rows."""

    tables: dict  # market -> changed feature table (only the markets whose features change)
    specs: dict  # model -> its changed spec
    rows: dict  # model -> its changed training rows
    direct: frozenset  # models the change itself refits, in either mode (a model's own change)
    changed_input: str  # the input whose weight is left out of "other inputs moved" ('' for none)
    balanced: frozenset = frozenset()  # models fitted with both classes weighted equally


# --- what can change ----------------------------------------------------------------------------

def targets() -> list[str]:
    """Everything a learner can change: every feature, then every model.

    >>> targets()[:2], targets()[-1]
    (['user_age', 'session_count'], 'fraud_model_es')
    """
    return [f.name for f in FEATURES] + [m.name for m in MODEL_SPECS]


def changes_of(target: str) -> tuple[str, ...]:
    """The changes ``target`` (a feature or a model) can take.

    >>> changes_of("device")
    ('rename', 'merge_rare', 'drop')
    >>> changes_of("ltv_model")  # doctest: +NORMALIZE_WHITESPACE
    ('add session_count', 'add days_since_signup', 'add device', 'drop user_age', 'drop avg_basket_value',
     'drop country', 'stronger penalty', 'weaker penalty', 'half the users', 'lower threshold', 'raise threshold')
    """
    if target in FEATURES_BY_NAME:
        return changes_for(target) + ("drop",)
    if target not in MODEL_SPECS_BY_NAME:
        raise unknown_choice("feature or model", target, targets())
    spec = MODEL_SPECS_BY_NAME[target]
    adds = tuple(f"add {f.name}" for f in FEATURES if f.name not in spec.inputs)
    drops = tuple(f"drop {name}" for name in spec.inputs if name in FEATURES_BY_NAME)
    penalty = ("stronger penalty", "weaker penalty") if _penalty_param(spec) else ()
    sample = ("half the users",) + (("balanced classes",) if spec.task == "classify" else ())
    return adds + drops + penalty + sample + ("lower threshold", "raise threshold")


def check_target_change(target: str, change: str) -> None:
    """Raise a one-line :class:`CourseInputError` if ``target`` cannot take ``change``."""
    allowed = changes_of(target)
    if change not in allowed:
        if target in FEATURES_BY_NAME and change in CHANGES:
            check_change(target, change)  # the shop's own one-line message
        raise unknown_choice(f"change for '{target}'", change, allowed)


def change_help(target: str, change: str) -> str:
    """What a change does, in one sentence.

    >>> change_help("user_age", "units")
    'switch units (for example years to months)'
    """
    if target in FEATURES_BY_NAME:
        return FEATURE_DROP_HELP if change == "drop" else CHANGES[change]
    return MODEL_CHANGE_HELP[change.split(" ")[0] if change.startswith(("add ", "drop ")) else change]


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise unknown_choice("mode", mode, MODES)


def all_experiments() -> list[tuple[str, str]]:
    """Every (target, change) pair, features first, in a stable order."""
    return [(t, c) for t in targets() for c in changes_of(t)]


def preprocessing_experiments() -> list[tuple[str, str]]:
    """Every (feature, change) pair that edits a feature's preprocessing (the shop's own changes)."""
    return [(f.name, c) for f in FEATURES for c in changes_for(f.name)]


# --- measuring ---------------------------------------------------------------------------------------

def weight_shift(before: dict[str, float], after: dict[str, float], changed: str) -> tuple[float, str]:
    """Relative L1 change of the weights of every input except ``changed``, and the one that moved most.

    An input missing from ``after`` (it was dropped) counts as weight 0.

    >>> weight_shift({"a": 1.0, "b": 2.0, "x": 5.0}, {"a": 1.5, "b": 2.0, "x": 0.0}, "x")
    (0.16666666666666666, 'a')
    """
    others = [k for k in before if k != changed]
    total = sum(abs(before[k]) for k in others)
    if not others or total == 0:
        return 0.0, ""
    moves = {k: abs(after.get(k, 0.0) - before[k]) for k in others}
    biggest = max(others, key=lambda k: (moves[k], k))
    shift = sum(moves.values()) / total
    # Below this, a "move" is floating-point noise from refitting, not a change in use.
    return (shift, biggest) if shift >= 1e-4 else (0.0, "")


def measure_cace(world: World, target: str, change: str, mode: str) -> list[ModelEffect]:
    """Measure every model's response to ``change`` of ``target`` (a feature or a model), in ``mode``.

    Results are cached per world, so a widget can look them up instantly.
    """
    _check(target, change, mode)
    return list(_measure(world, target, change, mode)[0])


def consumer_effects(world: World, target: str, change: str, mode: str) -> dict[str, float]:
    """For each consumer, the share of users for whom any decision it reads flipped.

    >>> from mldebt_lessons.shop.world import build_world
    >>> consumer_effects(build_world(), "country", "rename", "serving")["email_campaign"]
    0.0
    """
    _check(target, change, mode)
    return consumer_shares(world, _measure(world, target, change, mode)[1])


def consumer_shares(world: World, flipped: dict[str, np.ndarray]) -> dict[str, float]:
    """Each consumer's share of users with a flipped decision, given each model's flipped users."""
    effects = {}
    for node, kind in world.graph.nodes(data="kind"):
        if kind != "consumer":
            continue
        # A consumer may serve several markets (one model each): a user counts once, in their market.
        by_market: dict[str, list] = {}
        for m in world.graph.predecessors(node):
            if m in flipped:
                by_market.setdefault(world.models[m].spec.market, []).append(flipped[m])
        users = [np.any(arrays, axis=0) for arrays in by_market.values()]
        effects[node] = float(np.mean(np.concatenate(users))) if users else 0.0
    return effects


def noise_floor(world: World) -> dict[str, ModelEffect]:
    """Each model's noise floor: every model retrained with another seed and no change, on a
    bootstrap resample of its market's training users. What ordinary retraining moves on its own.

    >>> from mldebt_lessons.shop.world import build_world
    >>> floor = noise_floor(build_world())
    >>> 0 < floor["churn_model"].decisions_flipped < 0.2
    True
    """
    return dict(_noise(world)[0])


def _check(target: str, change: str, mode: str) -> None:
    check_target_change(target, change)
    check_mode(mode)


def _penalty_param(spec: ModelSpec) -> str:
    """The name of the estimator's regularisation parameter, or '' if it has none we vary."""
    params = spec.make_estimator(0).get_params()
    return next((p for p in ("logisticregression__C", "alpha") if p in params), "")


def _with_params(make, params: dict):
    def make_estimator(seed: int):
        return make(seed).set_params(**params)
    return make_estimator


def _resample(rows: np.ndarray, seed) -> np.ndarray:
    """A bootstrap sample of ``rows`` (as many, drawn with replacement), seeded."""
    return np.sort(np.random.default_rng(seed).choice(rows, len(rows), replace=True))


@functools.lru_cache(maxsize=512)
def _plan(world: World, target: str, change: str) -> Plan:
    if target in FEATURES_BY_NAME:
        readers = [n for n, m in world.models.items() if target in m.spec.inputs]
        if change != "drop":
            tables = {name: feature_table(market.raw, world.reference, (target, change))
                      for name, market in world.markets.items()}
            return Plan(tables, {}, {}, frozenset(), target)
        # Dropped: the column arrives empty. Models not retrained fill it as missing; retrained, they lose it.
        tables = {name: _emptied(market.features, target, world.reference) for name, market in world.markets.items()}
        specs = {n: dataclasses.replace(world.models[n].spec, inputs=tuple(i for i in world.models[n].spec.inputs
                                                                           if i != target)) for n in readers}
        return Plan(tables, specs, {}, frozenset(), target)
    spec = world.models[target].spec
    market = world.markets[spec.market]
    rows, changed_input, balanced = {}, "", False
    if change.startswith("add "):
        changed_input = change[4:]
        spec = dataclasses.replace(spec, inputs=spec.inputs + (changed_input,))
    elif change.startswith("drop "):
        changed_input = change[5:]
        spec = dataclasses.replace(spec, inputs=tuple(i for i in spec.inputs if i != changed_input))
    elif change.endswith("penalty"):
        param = _penalty_param(spec)
        value = spec.make_estimator(0).get_params()[param]
        stronger = change == "stronger penalty"
        factor = 1 / PENALTY_FACTOR if (param != "alpha") == stronger else PENALTY_FACTOR
        spec = dataclasses.replace(spec, make_estimator=_with_params(spec.make_estimator, {param: value * factor}))
    elif change == "half the users":
        train = market.train_rows
        rows[target] = np.sort(np.random.default_rng([world.seed, 5]).choice(train, len(train) // 2, replace=False))
    elif change == "balanced classes":
        balanced = True
    else:  # a threshold
        step = THRESHOLD_STEP if change == "raise threshold" else -THRESHOLD_STEP
        spec = (dataclasses.replace(spec, threshold=spec.threshold + step) if spec.threshold is not None
                else dataclasses.replace(spec, top_share=spec.top_share - step))
    return Plan({}, {target: spec}, rows, frozenset({target}), changed_input,
                frozenset({target}) if balanced else frozenset())


def _emptied(features: dict, name: str, reference: dict) -> dict:
    """The feature table with ``name`` missing for everyone, as the serving system fills it."""
    out = dict(features)
    column = features[name]
    out[name] = (np.full(len(column), "missing") if column.dtype.kind in "UO"
                 else np.full(len(column), reference[name]["median"]))
    return out


def _refit(world: World, spec: ModelSpec, rows: np.ndarray, table: dict, models: dict,
           random_state: int, balanced: bool = False) -> ShopModel:
    """Fit one model on ``rows`` of ``table``, reading the scores of ``models`` upstream of it."""
    market = world.markets[spec.market]
    train = add_upstream_scores(rows_of(table, rows), models, spec.inputs)
    y = market.labels[spec.label][rows]
    return fit_balanced(spec, train, y, random_state) if balanced else ShopModel(spec, random_state).fit(train, y)


def fit_balanced(spec: ModelSpec, table: dict, y: np.ndarray, random_state: int) -> ShopModel:
    """A classifier fitted as :meth:`ShopModel.fit` does, but with scikit-learn's 'balanced' sample
    weights: each class weighs the same in total, so the rare class counts for more."""
    from sklearn.utils.class_weight import compute_sample_weight
    model = ShopModel(spec, random_state)
    model.categories_ = {name: np.unique(table[name]) for name in spec.inputs if table[name].dtype.kind in "UO"}
    X, model.column_owners_ = design_matrix(table, spec.inputs, model.categories_)
    model.column_scale_ = X.std(axis=0)
    estimator = spec.make_estimator(random_state)
    key = f"{estimator.steps[-1][0]}__sample_weight" if hasattr(estimator, "steps") else "sample_weight"
    model.estimator_ = estimator.fit(X, y, **{key: compute_sample_weight("balanced", y)})
    model.threshold_ = spec.threshold  # every classifier of the shop has a fixed cut-off
    return model


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """The area under the ROC curve, from ranks (the Mann-Whitney statistic; ties count half).

    >>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    from scipy.stats import rankdata
    positives = y == 1
    n1, n0 = int(positives.sum()), int((~positives).sum())
    return float((rankdata(score)[positives].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _quality(model: ShopModel, score: np.ndarray, market, test_rows) -> tuple[str, float]:
    """The model's held-out quality, as :func:`mldebt_lessons.shop.models.quality` defines it."""
    if model.spec.task == "classify":
        return "AUC", auc(market.labels[model.spec.label][test_rows], score)
    return "MAE vs truth (GBP)", float(np.mean(np.abs(market.truth["ltv_mean"][test_rows] - score)))


@functools.lru_cache(maxsize=64)
def _before(world: World, name: str):
    """(score, decision, quality metric, quality, weights) of the world's own model on its test users."""
    model = world.models[name]
    market = world.markets[model.spec.market]
    table = add_upstream_scores(rows_of(market.features, market.test_rows), world.models, model.spec.inputs)
    score = model.predict_score(table)
    metric, value = _quality(model, score, market, market.test_rows)
    return score, score >= model.threshold_, metric, value, model.input_weights()


def _effect_of(world, name, new, new_table, new_models, changed_input):
    """(decisions flipped per test user, mean |score change|, metric, quality before, after, shift, most moved)."""
    old = world.models[name]
    market = world.markets[old.spec.market]
    score0, decision0, metric, q_before, weights0 = _before(world, name)
    after = add_upstream_scores(rows_of(new_table, market.test_rows), new_models, new.spec.inputs)
    score1 = new.predict_score(after)
    _, q_after = _quality(new, score1, market, market.test_rows)
    shift, moved = weight_shift(weights0, new.input_weights(), changed_input) if new is not old else (0.0, "")
    flipped = decision0 != (score1 >= new.threshold_)
    return flipped, float(np.mean(np.abs(score0 - score1))), metric, q_before, q_after, shift, moved


def _with_threshold(world: World, name: str, spec: ModelSpec) -> ShopModel:
    """The world's model with ``spec``'s threshold, not retrained (the same fitted estimator)."""
    model = world.models[name]
    new = copy.copy(model)
    new.spec = spec
    if spec.threshold is not None:
        new.threshold_ = spec.threshold
    else:  # a top share: the cut-off that flags that share of the training users
        market = world.markets[spec.market]
        train = add_upstream_scores(rows_of(market.features, market.train_rows), world.models, spec.inputs)
        new.threshold_ = float(np.quantile(model.predict_score(train), 1 - spec.top_share))
    return new


@functools.lru_cache(maxsize=8)
def _noise(world: World):
    """(floor by model, flipped users by model): retrain everything with seed + 1 on bootstrap samples."""
    seed = world.seed + 1
    with threadpool_limits(1):
        return _noise_here(world, seed)


def _noise_here(world: World, seed: int):
    models: dict[str, ShopModel] = {}
    for name, model in world.models.items():
        market = world.markets[model.spec.market]
        rows = _resample(market.train_rows, [seed, len(models)])
        models[name] = _refit(world, model.spec, rows, market.features, models, seed)
    floor, flipped = {}, {}
    for name, model in world.models.items():
        features = world.markets[model.spec.market].features
        flips, change, metric, q0, q1, shift, moved = _effect_of(world, name, models[name], features, models, "")
        flipped[name] = flips
        floor[name] = ModelEffect(name, False, False, float(np.mean(flips)), change, metric, q0, q1, shift, moved)
    return tuple(floor.items()), flipped


def noise_consumer_effects(world: World) -> dict[str, float]:
    """Each consumer's share of users whose decision flips by retraining with another seed, no change."""
    return consumer_shares(world, _noise(world)[1])


@functools.lru_cache(maxsize=2048)
def _measure(world: World, target: str, change: str, mode: str):
    """(effects, flipped): flipped maps each model to a bool array over its market's test users."""
    with threadpool_limits(1):  # small models fit faster on one thread, and the same on every machine
        return _measure_here(world, target, change, mode)


def _measure_here(world: World, target: str, change: str, mode: str):
    if mode == "serving" and target in world.models and not modes_differ(world, target):
        return _measure(world, target, change, "retrained")  # nothing reads its score: the modes agree
    plan = _plan(world, target, change)
    reached = {r.node for r in ripple(world.graph, target)}
    floor = dict(_noise(world)[0])
    new_models = dict(world.models)
    for name, model in world.models.items():  # upstream models first: world.models is in that order
        if name in plan.direct or (mode == "retrained" and name in reached):
            spec = plan.specs.get(name, model.spec)
            market = world.markets[spec.market]
            table = plan.tables.get(market.name, market.features)
            rows = plan.rows.get(name, market.train_rows)
            if change.endswith("threshold") and name == target:
                new_models[name] = _with_threshold(world, name, spec)  # a new cut-off: nothing is retrained
            else:
                new_models[name] = _refit(world, spec, rows, table, new_models, world.seed, name in plan.balanced)
    effects, flipped = [], {}
    for name, model in world.models.items():
        market = world.markets[model.spec.market]
        new_table = plan.tables.get(market.name, market.features)
        flips, score_change, metric, q0, q1, shift, moved = _effect_of(
            world, name, new_models[name], new_table, new_models, plan.changed_input)
        flipped[name] = flips
        noise = floor[name]
        is_target = name == target
        effects.append(ModelEffect(
            model=name, reads_feature=is_target or target in model.spec.inputs,
            downstream=is_target or name in reached,
            decisions_flipped=float(np.mean(flips)), mean_abs_score_change=score_change,
            quality_metric=metric, quality_before=q0, quality_after=q1,
            other_inputs_shift=shift, most_moved_input=moved,
            noise_flipped=noise.decisions_flipped, noise_score_change=noise.mean_abs_score_change,
            noise_shift=noise.other_inputs_shift, changed_model=is_target))
    return tuple(effects), flipped, new_models


def retrained_weights(world: World, target: str, change: str, mode: str, model: str) -> dict[str, float]:
    """``model``'s input weights after the change (see :meth:`ShopModel.input_weights`).

    >>> from mldebt_lessons.shop.world import build_world
    >>> sorted(retrained_weights(build_world(), "churn_model", "drop device", "retrained", "churn_model"))
    ['days_since_signup', 'session_count', 'user_age']
    """
    _check(target, change, mode)
    return _measure(world, target, change, mode)[2][model].input_weights()


def modes_differ(world: World, target: str) -> bool:
    """Whether the two modes can give different results for a change of ``target``.

    >>> from mldebt_lessons.shop.world import build_world
    >>> modes_differ(build_world(), "churn_model"), modes_differ(build_world(), "fraud_model")
    (False, True)
    """
    return target in FEATURES_BY_NAME or any(r.kind == "model" for r in ripple(world.graph, target))


# --- tables and text -------------------------------------------------------------------------------------

def effects_table(effects: list[ModelEffect]) -> list[dict]:
    """Rows for a table, numbers rounded for people, each effect beside its noise floor in brackets.

    Kept narrow on purpose (six columns, short cells), so it fits a notebook beside the file browser.
    """
    rows = []
    for e in effects:
        moved = f"{100 * e.other_inputs_shift:.1f}% ({100 * e.noise_shift:.1f}%)"
        rows.append({
            "model": e.model,
            "reached": _reaches_text(e),
            "decisions flipped (noise floor)": f"{100 * e.decisions_flipped:.1f}% ({100 * e.noise_flipped:.1f}%)",
            "mean score change": _score_text(e, e.mean_abs_score_change),
            "quality before→after": f"{_metric_text(e)} {_quality_text(e, e.quality_before)}→"
                                    f"{_quality_text(e, e.quality_after)}",
            "other weights moved (noise floor)": moved + (f" most: {e.most_moved_input}" if e.most_moved_input
                                                          else ""),
        })
    return rows


def _score_text(effect: ModelEffect, value: float) -> str:
    """Pounds for the LTV regression, a probability for the classifiers."""
    return f"£{value:.2f}" if effect.quality_metric.startswith("MAE") else f"{value:.3f}"


def _metric_text(effect: ModelEffect) -> str:
    return "MAE" if effect.quality_metric.startswith("MAE") else "AUC"


def _quality_text(effect: ModelEffect, value: float) -> str:
    return f"£{value:.2f}" if effect.quality_metric.startswith("MAE") else f"{value:.3f}"


def _reaches_text(effect: ModelEffect) -> str:
    if effect.changed_model:
        return "changed model"
    if effect.reads_feature:
        return "reads it"
    return "via another model" if effect.downstream else "no (control)"


def effects_text(target: str, change: str, mode: str, effects: list[ModelEffect]) -> str:
    """A plain-text summary of one experiment, for people and for an AI tutor."""
    lines = [f"Change: {target} -> {change} ({MODE_LABELS[mode]})", f"({NOISE_NOTE})"]
    for row in effects_table(effects):
        lines.append("  " + "; ".join(f"{k}: {v}" for k, v in row.items()))
    return "\n".join(lines)


def flips_of(world: World, target: str, change: str, mode: str, model: str) -> float:
    """The share of ``model``'s decisions that ``change`` of ``target`` flips in ``mode``.

    >>> from mldebt_lessons.shop.world import build_world
    >>> flips_of(build_world(), "user_age", "units", "retrained", "churn_model")
    0.0
    """
    return next(e.decisions_flipped for e in measure_cace(world, target, change, mode) if e.model == model)


def models_moved_beyond_noise(world: World, target: str, change: str, mode: str = "retrained") -> list[str]:
    """The models whose decisions ``change`` flips for more users than their noise floor does."""
    return [e.model for e in measure_cace(world, target, change, mode) if e.above_noise]

