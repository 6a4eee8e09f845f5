"""A hidden feedback loop closed by an undeclared use of a model's output (Sculley et al. 2014 and 2015, §2, §4).

The 2014 paper's example: a UI module reads a model's click prediction and uses it to decide how
prominently to show things. Prominent things get clicked more, those clicks are logged, and the
model is retrained on the log. Nobody told the model's owners that their output now changes the
very clicks they learn from.

At Larkspur the homepage is a *declared* reader of the recommender: it shows the carousel to users
with a high click score. What nobody declares is a new use of the same prediction: the homepage's
layout module (its front-end code) starts making the carousel bigger for users the recommender
scores high, and smaller for users it scores low. Lineage records who reads a dataset, not what
for, so the access log (:func:`~mldebt_lessons.shop.lineage.observed_reads`) does not change and an
audit of it cannot see the loop. Each round:

1. the homepage shows every user a carousel; if the layout reads the prediction, its size moves the
   user's log-odds of clicking by ``influence`` times how far the prediction's log-odds lie above
   the average;
2. clicks are drawn from the user's true propensity (:func:`~mldebt_lessons.shop.data.ground_truth`,
   ``click_p``: the chance of a click on a carousel of ordinary size) plus that push;
3. the recommender is retrained, with its usual inputs and settings, on the round's logged clicks.

Round 0 is the start: ordinary carousels for everyone. The control runs the same rounds, with the
same random draws, but the layout does not read the prediction, so nothing feeds back.

Example
-------
>>> from mldebt_lessons.shop.world import build_world
>>> loop = simulate_hidden_loop(build_world(), rounds=2)
>>> [r.round for r in loop], loop[-1].weight_inflation > loop[1].weight_inflation > 1
([0, 1, 2], True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from mldebt_lessons.shop.models import ShopModel
from mldebt_lessons.shop.world import World

DEFAULT_ROUNDS = 5
DEFAULT_INFLUENCE = 0.6  # how much a bigger carousel moves the log-odds of a click, per unit of predicted log-odds


@dataclass(frozen=True)
class LoopRound:
    """The recommender after one round of retraining, measured on held-out users."""

    round: int
    weight_total: float  # sum of the model's absolute standardised weights
    weight_inflation: float  # weight_total relative to round 0
    mean_abs_error: float  # mean |prediction - true propensity|: distance from the truth
    prediction_spread: float  # standard deviation of the predictions
    true_spread: float  # standard deviation of the true propensities (for comparison)
    logged_click_rate: float  # share of users who clicked in this round's log
    logged_auc: float  # how well the model ranks this round's logged clicks: what its dashboard shows


def _logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def layout_push(predictions: np.ndarray, influence: float) -> np.ndarray:
    """How much the carousel's size moves each user's log-odds of clicking.

    Bigger for users scored above the average, smaller below, in proportion to the gap in log-odds.

    >>> layout_push(np.array([0.5, 0.5]), 0.6)
    array([0., 0.])
    """
    z = _logit(predictions)
    return influence * (z - _logit(np.mean(predictions)))


def logged_clicks(world: World, push: np.ndarray, seed: int, round_: int) -> np.ndarray:
    """One round's click log for every user: true propensity plus the layout's push, drawn with a seed."""
    rng = np.random.default_rng([seed, 31, round_])
    return (rng.random(len(push)) < _sigmoid(_logit(world.truth["click_p"]) + push)).astype(int)


def simulate_hidden_loop(world: World, rounds: int = DEFAULT_ROUNDS, influence: float = DEFAULT_INFLUENCE,
                         ui_reads_prediction: bool = True, seed: int | None = None) -> list[LoopRound]:
    """Run the loop for ``rounds`` rounds after round 0 and measure the recommender each round.

    ``ui_reads_prediction=False`` is the control: the same rounds and draws, no feedback.
    ``seed`` defaults to the world's seed. Cached, so asking twice costs nothing.
    """
    seed = world.seed if seed is None else int(seed)
    return list(_simulate(world, int(rounds), float(influence), bool(ui_reads_prediction), seed))


@functools.lru_cache(maxsize=32)
def _simulate(world: World, rounds: int, influence: float, reads: bool, seed: int) -> tuple[LoopRound, ...]:
    spec = world.models["recommender"].spec
    truth = world.truth["click_p"]
    test = world.test_rows
    push = np.zeros(len(truth))  # round 0: an ordinary carousel for everyone
    out, first_total = [], None
    for r in range(rounds + 1):
        clicks = logged_clicks(world, push, seed, r)
        model = ShopModel(spec, random_state=seed).fit(world.train_table, clicks[world.train_rows])
        predictions = model.predict_score(world.features)
        total = float(sum(model.input_weights().values()))
        first_total = total if first_total is None else first_total
        out.append(LoopRound(
            round=r, weight_total=total, weight_inflation=total / first_total,
            mean_abs_error=float(np.mean(np.abs(predictions[test] - truth[test]))),
            prediction_spread=float(np.std(predictions[test])), true_spread=float(np.std(truth[test])),
            logged_click_rate=float(clicks.mean()),
            logged_auc=float(roc_auc_score(clicks[test], predictions[test]))))
        # Next round the layout sizes each carousel by this round's predictions, if it reads them.
        push = layout_push(predictions, influence) if reads else np.zeros(len(truth))
    return tuple(out)


# The loop table's columns, in plain words (shown under the table by :func:`loop_table_html`).
LOOP_COLUMNS = {
    "round": "round of retraining; round 0 is trained before the layout reads anything",
    "weights": "the total size of the model's weights, as a multiple of round 0's (1.00× = unchanged)",
    "error": "the average gap between each user's predicted and true chance of a click, in percentage points",
    "logged AUC": "how well the model ranks the round's own logged clicks (0.5 = a coin toss, 1 = perfect): "
                  "what its owners' dashboard shows",
}


def loop_table(loop: list[LoopRound], control: list[LoopRound]) -> list[dict]:
    """Rows for one table, a row per round, each measure for the loop and beside it for its control.

    Columns are :data:`LOOP_COLUMNS`, each (but round) twice: ``"<name>: loop"`` and ``"<name>: control"``.
    """
    rows = []
    for a, b in zip(loop, control):
        row = {"round": a.round}
        for name, show in (("weights", lambda r: f"{r.weight_inflation:.2f}×"),
                           ("error", lambda r: f"{100 * r.mean_abs_error:.1f} pts"),
                           ("logged AUC", lambda r: f"{r.logged_auc:.3f}")):
            row[f"{name}: loop"], row[f"{name}: control"] = show(a), show(b)
        rows.append(row)
    return rows


def loop_table_html(loop: list[LoopRound], control: list[LoopRound]) -> str:
    """The loop beside its control, round by round, as an HTML table, with what each column means under it."""
    from html import escape

    from mldebt_lessons.course.tables import rows_html
    meanings = "".join(f"<li><b>{escape(name)}</b>: {escape(meaning)}</li>" for name, meaning in LOOP_COLUMNS.items())
    return (f"{rows_html(loop_table(loop, control))}<ul style='font-size:smaller;max-width:46em'>{meanings}"
            "<li><b>loop</b>: the layout reads the prediction; <b>control</b>: it ignores it (same rounds, same "
            "random draws)</li></ul>")


def loop_table_text(loop: list[LoopRound], control: list[LoopRound]) -> str:
    """The same table as short lines, one per round, for tutors and screen readers."""
    return "\n".join(f"round {row['round']}: " + "; ".join(f"{k} {v}" for k, v in row.items() if k != "round")
                     for row in loop_table(loop, control))


def loop_summary(loop: list[LoopRound], control: list[LoopRound]) -> str:
    """Two sentences on what the loop did, every number read from the rounds."""
    a0, a1, b1 = loop[0], loop[-1], control[-1]
    return (f"With the layout reading the prediction, after {a1.round} rounds the recommender's weights grew "
            f"{a1.weight_inflation:.2f}×, the spread of its predictions (their standard deviation) went from "
            f"{100 * a0.prediction_spread:.1f} to {100 * a1.prediction_spread:.1f} points (the true chances' spread is "
            f"{100 * a1.true_spread:.1f}) and its error against the true click chance went from "
            f"{100 * a0.mean_abs_error:.1f} to {100 * a1.mean_abs_error:.1f} points, while its AUC on its own logged "
            f"clicks went from {a0.logged_auc:.3f} to {a1.logged_auc:.3f}. "
            f"Control, same rounds without the loop: weights {b1.weight_inflation:.2f}×, "
            f"error {100 * b1.mean_abs_error:.1f} points, logged AUC {b1.logged_auc:.3f}.")
