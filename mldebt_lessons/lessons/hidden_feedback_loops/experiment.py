"""A hidden feedback loop between two systems that never read each other (Sculley et al. 2015, §4).

At Larkspur two teams act on the same customers:

* the retention team's ``churn_model`` picks who gets a win-back discount (``email_campaign``: the
  :data:`DISCOUNT_SHARE` of users it scores most likely to leave);
* the loyalty team's ``ltv_model`` picks whom to invite to the VIP programme (``vip_programme``: the
  :data:`VIP_SHARE` of users it predicts will spend most).

Neither model reads the other's score; no edge joins them in any code or in the dependency graph.
But both act on the world, and both learn from it:

* a discount brings a customer back to buy: their twelve-month spend (``ltv``, the ltv_model's label)
  rises by :data:`DISCOUNT_LIFT` (doubles);
* a VIP invitation keeps a customer: each invited customer who would have left stays with chance
  :data:`VIP_KEEP` (``churned``, the churn_model's label).

Each round, every team that *adapts* retrains its model on the labels the last round's actions
produced, and re-targets. The discount goes to users the churn model finds risky (older, fewer
visits); once the ltv model has learnt from their boosted spend, it invites more of them to the VIP
programme; those stay, so the churn model learns that they are safe and sends the discount
elsewhere... Each model chases the other's effect: a loop through the world.

Runs (every run uses the same world and the same random draws, stream ``[seed, 80]``):

* ``both``: both teams retrain every round (the loop);
* ``churn only`` / ``ltv only``: one team retrains, the other keeps its round-0 model and targets
  (the controls of the sketch: no loop can close);
* ``staggered``: both retrain, but in turn: the churn team in odd rounds, the loyalty team in even ones;
* ``neither``: nobody retrains.

Round 0 is the world's own models. A model's *drift* in a round is the mean absolute change of its
score on held-out users since the round before (churn: percentage points; ltv: pounds).

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> run = simulate(build_world(), "both", rounds=3)
>>> [r.round for r in run], run[0].churn_drift, run[1].churn_drift > 0
([0, 1, 2, 3], 0.0, True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.models import ShopModel
from mldebt_lessons.shop.world import World

DISCOUNT_SHARE = 0.2  # the email campaign's discount goes to this share of users, the riskiest first
VIP_SHARE = 0.2  # the VIP programme invites this share of users, the biggest predicted spenders first
DISCOUNT_LIFT = 1.0  # a discount doubles a customer's twelve-month spend (they come back and buy)
VIP_KEEP = 0.9  # an invited customer who would have left stays with this chance
DEFAULT_ROUNDS = 8
MAX_ROUNDS = 8
RANDOM_STREAM = 80  # np.random.default_rng([seed, 80]): who a VIP invitation keeps

# Which team retrains in which round, by run: (churn adapts?, ltv adapts?) as a function of the round.
RUNS = {
    "both": lambda r: (True, True),
    "churn only": lambda r: (True, False),
    "ltv only": lambda r: (False, True),
    "staggered": lambda r: (r % 2 == 1, r % 2 == 0),
    "neither": lambda r: (False, False),
}
RUN_HELP = {
    "both": "both teams retrain and re-target every round: the loop can close",
    "churn only": "only the retention team retrains; the VIP list stays as in round 0",
    "ltv only": "only the loyalty team retrains; the discount list stays as in round 0",
    "staggered": "both retrain, in turn: the retention team in odd rounds, the loyalty team in even ones",
    "neither": "nobody retrains: every round is round 0",
}


@dataclass(frozen=True)
class Round:
    """Both models after one round, measured on held-out users."""

    round: int
    churn_retrained: bool
    ltv_retrained: bool
    churn_drift: float  # mean |churn score now - churn score a round ago| (a probability)
    ltv_drift: float  # mean |ltv prediction now - a round ago| (pounds)
    churn_age_weight: float  # churn_model's weight on user_age (standardised log-odds per sd; signed)
    ltv_age_weight: float  # ltv_model's weight on user_age (pounds per year; signed)
    discount_turnover: float  # share of this round's discount list that was not on last round's
    vip_turnover: float  # share of this round's VIP list that was not on last round's
    discount_mean_age: float  # mean age of discounted users
    vip_mean_age: float  # mean age of VIP invitees


def check_run(run: str) -> None:
    if run not in RUNS:
        raise unknown_choice("run", run, RUNS)


def _top(scores: np.ndarray, share: float) -> np.ndarray:
    """The ``share`` of users with the highest scores (ties broken by position), as a boolean mask."""
    k = int(round(share * len(scores)))
    order = np.argsort(-scores, kind="stable")
    out = np.zeros(len(scores), bool)
    out[order[:k]] = True
    return out


def world_response(world: World, discount: np.ndarray, vip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labels the world records after one round of actions: (churned, ltv) for every user.

    A discount raises spend by :data:`DISCOUNT_LIFT`; a VIP invitation keeps a would-be leaver with
    chance :data:`VIP_KEEP` (the same draw for a user in every round and every run).
    """
    keep = np.random.default_rng([world.seed, RANDOM_STREAM]).random(len(discount)) < VIP_KEEP
    churned = world.labels["churned"] * ~(vip & keep)
    ltv = world.labels["ltv"] * (1 + DISCOUNT_LIFT * discount)
    return churned.astype(int), ltv


def _age_weight(model: ShopModel) -> float:
    est = model.estimator_
    coef = np.ravel((est[-1] if hasattr(est, "steps") else est).coef_)
    return float(coef[model.column_owners_.index("user_age")])


def simulate(world: World, run: str = "both", rounds: int = DEFAULT_ROUNDS) -> list[Round]:
    """Rounds 0..``rounds`` of ``run`` (one of :data:`RUNS`). Cached: asking again costs nothing."""
    check_run(run)
    rounds = int(rounds)
    if not 0 <= rounds <= MAX_ROUNDS:
        raise ValueError(f"rounds must be between 0 and {MAX_ROUNDS}, not {rounds}")
    return list(_simulate(world, run, MAX_ROUNDS)[:rounds + 1])


@functools.lru_cache(maxsize=64)
def _simulate(world: World, run: str, rounds: int) -> tuple[Round, ...]:
    features, test = world.features, world.test_rows
    age = world.features["user_age"]
    churn, ltv = world.models["churn_model"], world.models["ltv_model"]
    churn_score, ltv_score = churn.predict_score(features), ltv.predict_score(features)
    discount, vip = _top(churn_score, DISCOUNT_SHARE), _top(ltv_score, VIP_SHARE)
    out = [Round(0, False, False, 0.0, 0.0, _age_weight(churn), _age_weight(ltv), 0.0, 0.0,
                 float(np.mean(age[discount])), float(np.mean(age[vip])))]
    for r in range(1, rounds + 1):
        retrain_churn, retrain_ltv = RUNS[run](r)
        # A retrained churn model depends only on last round's VIP list (its labels do), an ltv model
        # only on the discount list: fitting is deterministic, so a refit on the same list is looked up.
        new_churn, new_ltv = churn_score, ltv_score
        if retrain_churn:
            churn, new_churn = _refit(world, "churn_model", vip.tobytes())
        if retrain_ltv:
            ltv, new_ltv = _refit(world, "ltv_model", discount.tobytes())
        new_discount, new_vip = _top(new_churn, DISCOUNT_SHARE), _top(new_ltv, VIP_SHARE)
        out.append(Round(
            r, retrain_churn, retrain_ltv,
            float(np.mean(np.abs(new_churn[test] - churn_score[test]))),
            float(np.mean(np.abs(new_ltv[test] - ltv_score[test]))),
            _age_weight(churn), _age_weight(ltv),
            float(np.mean(new_discount & ~discount) / DISCOUNT_SHARE),
            float(np.mean(new_vip & ~vip) / VIP_SHARE),
            float(np.mean(age[new_discount])), float(np.mean(age[new_vip]))))
        churn_score, ltv_score, discount, vip = new_churn, new_ltv, new_discount, new_vip
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _refit(world: World, model: str, acted_on: bytes) -> tuple[ShopModel, np.ndarray]:
    """``model`` retrained on the labels the world records after one round, and its scores for every
    user. The churn model's labels depend only on the VIP list, the ltv model's only on the discount
    list (``acted_on``, a boolean mask's bytes); every run and round asking for the same refit shares it.
    """
    mask = np.frombuffer(acted_on, bool)
    nobody = np.zeros_like(mask)
    churned, spend = world_response(world, nobody, mask) if model == "churn_model" else world_response(world, mask, nobody)
    labels = churned if model == "churn_model" else spend
    fitted = ShopModel(world.models[model].spec, random_state=world.seed).fit(world.train_table,
                                                                               labels[world.train_rows])
    scores = fitted.predict_score(world.features)
    scores.flags.writeable = False
    return fitted, scores


def late_drift(rounds: list[Round], start: int = 2) -> tuple[float, float]:
    """Total drift of each model from round ``start`` on: (churn, in probability; ltv, in pounds).

    Round 1 is each model's first look at a world that acts; what moves after it is the loop.
    """
    late = [r for r in rounds if r.round >= start]
    return sum(r.churn_drift for r in late), sum(r.ltv_drift for r in late)


def drift_correlation(rounds: list[Round], start: int = 1) -> float:
    """Correlation, over rounds, of the two models' age weights: how their inputs' use moves together.

    NaN when either weight does not move.
    """
    a = np.array([r.churn_age_weight for r in rounds if r.round >= start])
    b = np.array([r.ltv_age_weight for r in rounds if r.round >= start])
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


LOOP_CONSUMERS = ("email_campaign", "vip_programme")  # the two consumers through which the loop runs


@functools.lru_cache(maxsize=32)
def _hidden_loops(declared_by: frozenset) -> tuple[tuple[str, ...], ...]:
    import copy

    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.toy import toy_manifest, toy_system
    manifest = copy.deepcopy(toy_manifest(measure=False))
    for consumer in manifest["consumers"]:
        if consumer["id"] not in declared_by:
            consumer["influences"] = []
    report = audit_system(toy_system(measure=False, manifest=manifest), patterns=["hidden_feedback_loop"])
    kinds = {m["id"] for m in manifest["models"]}
    return tuple(tuple(sorted(n for n in f.nodes if n in kinds)) for f in report.findings)


def hidden_loops(declared_by=LOOP_CONSUMERS) -> list[tuple[str, ...]]:
    """The models of each hidden-feedback-loop finding the audit makes on Larkspur's manifest when only
    the consumers in ``declared_by`` declare their ``influences`` (what they change in the world).

    The world's code holds no edge between two models that act on the same customers; only the
    manifest's ``influences`` (what a consumer changes) and ``labels_from`` (where a model's labels
    come from) can show such a loop.

    >>> [m for m in hidden_loops() if "ltv_model" in m]
    [('churn_model', 'ltv_model')]
    >>> [m for m in hidden_loops(()) if "ltv_model" in m]
    []
    """
    if isinstance(declared_by, str):
        declared_by = (declared_by,)
    return list(_hidden_loops(frozenset(declared_by)))


def audit_sees_loop(declared: bool = True) -> int:
    """How many hidden-loop findings name both ``churn_model`` and ``ltv_model``: with the two
    consumers' ``influences`` declared, or with no consumer declaring any."""
    loops = hidden_loops(LOOP_CONSUMERS if declared else ())
    return sum(1 for models in loops if {"churn_model", "ltv_model"} <= set(models))
