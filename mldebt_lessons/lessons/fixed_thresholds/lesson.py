"""Lesson 15: fixed thresholds in a dynamic system (Sculley et al. 2015, §7)."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.answers import is_number, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
CHECK_ROUNDS = (("none", 2), ("slow", 3), ("fast", 3), ("none", 0))  # where the learner's functions are run


def _ratio(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome, targets
    world = world_at(seed)
    return outcome(world, "slow", 3, "fixed").held / targets(world).capacity


def _check_ratio(answer) -> Feedback:
    truth = _ratio()
    if not is_number(answer) or float(answer) <= 0:
        return Feedback(False, "give one positive number: the queue divided by the capacity (1 means exactly full).")
    if within(answer, truth, 0.02):
        return Feedback(True, f"{truth:.2f}× the capacity: the review team was staffed for round 0's queue, and "
                              "nobody touched the threshold while the model and the world moved.")
    if within(answer, 1 / truth, 0.02):
        return Feedback(False, "that is the capacity divided by the queue; the question asks for the queue over the "
                               "capacity.")
    return Feedback(False, f"{float(answer):.2f} is not what seed {OTHER_SEED} gives in round 3 with slow drift.")


def _judge_ratio(prediction) -> str:
    return f"{you_guessed(prediction)}at seed {OTHER_SEED}, slow drift, round 3, the queue is {_ratio():.2f}× capacity."


def _same_recipe_move(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome
    world = world_at(seed)
    return 100 * (outcome(world, "none", 1, "fixed").held - outcome(world, "none", 0, "fixed").held)


def _rebalanced_move(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome
    world = world_at(seed)
    return 100 * (outcome(world, "none", 2, "fixed").held - outcome(world, "none", 0, "fixed").held)


def _check_same_recipe(answer) -> Feedback:
    truth = _same_recipe_move()
    if not is_number(answer) or abs(float(answer)) > 100:
        return Feedback(False, "give one number of points between -100 and 100 (round 1's share held minus "
                               "round 0's, times 100).")
    if within(answer, truth, 0.15):
        return Feedback(True, f"{truth:+.1f} points with the same recipe on a fresh window, against "
                              f"{_rebalanced_move():+.1f} points when round 2 rebalanced the training set: a "
                              "fresh sample nudges the scores; a change in the recipe moves what 0.15 means.")
    if within(answer, truth / 100, 0.0015):
        return Feedback(False, "that looks like a share; give it in points (times 100).")
    if within(answer, -truth, 0.15):
        return Feedback(False, "the sign is flipped: round 1 minus round 0.")
    return Feedback(False, f"{float(answer):+.1f} is not round 1 minus round 0 at seed {OTHER_SEED}, without drift.")


def _judge_same_recipe(prediction) -> str:
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} the queue moves {_same_recipe_move():+.1f} points in round "
            f"1 and {_rebalanced_move():+.1f} points in round 2.")


def _cases():
    """(label, held-out scores, held-out labels) the learner's functions are run on, at three seeds."""
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.shop.retraining import retrained_round
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for drift, round_ in CHECK_ROUNDS:
            r = retrained_round(world, drift, round_)
            yield seed, f"seed {seed}, {drift} drift, round {round_}", r.holdout_scores.copy(), r.holdout_labels.copy()


def _call(function, *args):
    try:
        value = function(*args)
        return float(value), None
    except Exception as error:
        return None, type(error).__name__


def _check_capacity_function(answer) -> Feedback:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import targets, threshold_for_capacity
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (scores, capacity).")
    tiny = np.array([0.9, 0.8, 0.8, 0.3])
    got, error = _call(answer, tiny.copy(), 0.5)
    if error or got is None or not (0.8 < got <= 0.9):
        return Feedback(False, "on scores [0.9, 0.8, 0.8, 0.3] with capacity 0.5 it should hold only the 0.9 (holding "
                               "both 0.8s as well would be 3 of 4 orders): a threshold above 0.8, up to 0.9. "
                               + (f"It raised {error}." if error else f"It gave {got}."))
    for seed, label, scores, _ in _cases():
        capacity = targets(world_at(seed)).capacity
        got, error = _call(answer, scores.copy(), capacity)
        if error:
            return Feedback(False, f"your function raised {error} on {label}.")
        if got is None or not np.isfinite(got):
            return Feedback(False, f"on {label} it returned {got}; return one finite threshold.")
        held = int((scores >= got).sum())
        room = int(np.floor(capacity * len(scores) + 1e-9))
        best = int((scores >= threshold_for_capacity(scores, capacity)).sum())
        if held > room:
            return Feedback(False, f"on {label} it holds {held} of {len(scores)} orders; the capacity allows {room}.")
        if held < best:
            return Feedback(False, f"on {label} it holds {held} orders; {best} fit in the capacity ({room}): a lower "
                                   "threshold would review more orders without overflowing.")
    return Feedback(True, "at three seeds and four rounds it fills the queue up to the capacity and never beyond: "
                          "re-run at every retrain, the queue stays the size the team was staffed for.")


def _judge_capacity_function(prediction) -> str:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome, targets
    world = world_at(OTHER_SEED)
    o = outcome(world, "fast", 3, "keep capacity")
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED}, fast drift, round 3, keeping capacity holds {o.held:.1%} "
            f"(capacity {targets(world).capacity:.1%}) and catches {o.recall:.1%} of the fraud (target "
            f"{targets(world).recall:.1%}).")


def _check_precision_function(answer) -> Feedback:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import (
        precision_recall_at,
        targets,
        threshold_for_precision,
    )
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (scores, labels, target).")
    tiny_s, tiny_y = np.array([0.9, 0.8, 0.7, 0.6, 0.5]), np.array([1, 0, 1, 0, 0])
    got, error = _call(answer, tiny_s.copy(), tiny_y.copy(), 0.6)
    if error or got is None or not (0.6 < got <= 0.7):
        return Feedback(False, "on scores [0.9, 0.8, 0.7, 0.6, 0.5] with labels [1, 0, 1, 0, 0] and target 0.6, holding "
                               "the top three gives precision 2/3 and catches both frauds: a threshold above 0.6, up "
                               "to 0.7. " + (f"It raised {error}." if error else f"It gave {got}."))
    for seed, label, scores, labels in _cases():
        target = targets(world_at(seed)).precision
        got, error = _call(answer, scores.copy(), labels.copy(), target)
        if error:
            return Feedback(False, f"your function raised {error} on {label}.")
        if got is None or np.isnan(got):
            return Feedback(False, f"on {label} it returned {got}; return one threshold.")
        best = threshold_for_precision(scores, labels, target)
        _, precision, recall = precision_recall_at(scores, labels, got)
        _, best_precision, best_recall = precision_recall_at(scores, labels, best)
        if best_precision < target:  # no threshold reaches the target: holding nothing is right
            if (scores >= got).any():
                return Feedback(False, f"on {label} no threshold reaches precision {target:.1%}; hold nothing.")
            continue
        if precision < target - 1e-12:
            return Feedback(False, f"on {label} its held-out precision is {precision:.1%}, below the target "
                                   f"{target:.1%}.")
        if recall < best_recall - 1e-12:
            return Feedback(False, f"on {label} it reaches the target but catches {recall:.1%} of the fraud; a lower "
                                   f"threshold at the target catches {best_recall:.1%}.")
    return Feedback(True, "at three seeds and four rounds it reaches the target precision on held-out users and "
                          "catches as much fraud as any threshold that does: the threshold is now learned, not typed.")


def _judge_precision_function(prediction) -> str:
    from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome, targets
    world = world_at(OTHER_SEED)
    o = outcome(world, "none", 2, "keep precision")
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED}, round 2 without drift, the re-learned threshold is "
            f"{o.threshold:.3f} (against 0.15), with live precision {o.precision:.1%} (target "
            f"{targets(world).precision:.1%}).")


EXERCISES = (
    Exercise(
        "15.1", "How full is the queue?",
        f"In `world = build_world({OTHER_SEED})`, with slow drift, the fixed threshold in round 3: what is the review "
        "queue as a multiple of the review team's capacity? `outcome(world, 'slow', 3, 'fixed').held` is the share "
        "of live orders held and `targets(world).capacity` the capacity (both in "
        "`mldebt_lessons.lessons.fixed_thresholds.experiment`). Set `answer` to the queue divided by the capacity.",
        "answer = outcome(world, 'slow', 3, 'fixed').held / targets(world).capacity",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome, targets\n"
        "world = build_world(42)\n"
        "answer = outcome(world, 'slow', 3, 'fixed').held / targets(world).capacity",
        _check_ratio,
        predict="Will the queue be under the capacity, about at it, or several times over it? Give a multiple "
                "(1 = exactly full).",
        judge_prediction=_judge_ratio,
    ),
    Exercise(
        "15.2", "Same recipe, fresh data",
        f"In the world of seed {OTHER_SEED}, without drift, round 1 retrains with the same recipe on a fresh window of "
        "users. By how many points does the share of live orders held at the fixed 0.15 move from round 0 to round "
        "1? Set `answer` to 100 × (round 1's `held` − round 0's `held`).",
        "Use outcome(world, 'none', r, 'fixed').held for r = 0 and 1.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.fixed_thresholds.experiment import outcome\n"
        "world = build_world(42)\n"
        "answer = 100 * (outcome(world, 'none', 1, 'fixed').held - outcome(world, 'none', 0, 'fixed').held)",
        _check_same_recipe,
        predict="Will the move be closer to 0 points or to 30 points? Give a number of points.",
        judge_prediction=_judge_same_recipe,
    ),
    Exercise(
        "15.3", "Write a threshold that keeps the queue",
        "Write `capacity_threshold(scores, capacity)`: `scores` are a model's scores on held-out orders, `capacity` "
        "the share of orders the review team can check (say 0.1). Return the lowest threshold such that holding "
        "every score at or above it holds no more than `capacity` of the orders (equal scores are held together). "
        "Set `answer = capacity_threshold`; the checker runs it on held-out scores of three seeds and four rounds.",
        "Sort the scores from high to low; k = floor(capacity × n) orders fit. Walk down the distinct scores and "
        "keep the lowest one whose count of scores at or above it is at most k; if none fits, return a number above "
        "the highest score.",
        "import numpy as np\n"
        "def capacity_threshold(scores, capacity):\n"
        "    scores = np.asarray(scores, dtype=float)\n"
        "    room = int(np.floor(capacity * len(scores) + 1e-9))\n"
        "    best = np.nextafter(scores.max(), np.inf)\n"
        "    for value in np.unique(scores)[::-1]:\n"
        "        if (scores >= value).sum() > room:\n"
        "            break\n"
        "        best = value\n"
        "    return float(best)\n"
        "answer = capacity_threshold",
        _check_capacity_function,
        predict=f"Keeping the capacity bounds the queue. At seed {OTHER_SEED}, fast drift, round 3, what share of the "
                "fraud do you expect it to catch: more or less than round 0's recall? Give a share.",
        judge_prediction=_judge_capacity_function,
    ),
    Exercise(
        "15.4", "Write a threshold that keeps the precision",
        "Write `precision_threshold(scores, labels, target)`: held-out scores, their labels (1 = fraud) and a target "
        "precision. Return the lowest threshold whose held orders (every score at or above it) reach precision "
        "`target`: the most fraud caught at that precision. If no threshold reaches it, return a number above "
        "every score (hold nothing). Set `answer = precision_threshold`; the checker runs it at three seeds and "
        "four rounds.",
        "Sort by score, high to low; the running precision after the top i orders is cumsum(labels)[i] / (i + 1). "
        "Only cut between different scores (equal scores are held together); keep the lowest cut whose running "
        "precision reaches the target.",
        "import numpy as np\n"
        "def precision_threshold(scores, labels, target):\n"
        "    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)\n"
        "    best = np.nextafter(scores.max(), np.inf)\n"
        "    for value in np.unique(scores)[::-1]:\n"
        "        held = scores >= value\n"
        "        if labels[held].mean() >= target:\n"
        "            best = value\n"
        "    return float(best)\n"
        "answer = precision_threshold",
        _check_precision_function,
        predict=f"At seed {OTHER_SEED}, round 2 without drift (the rebalanced retrain), will the learned threshold be "
                "above or below 0.15? Give a threshold.",
        judge_prediction=_judge_precision_function,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("Without any drift, the rebalanced retrain (legitimate users kept one in three) makes the fixed 0.15 hold "
       "more than twice the capacity. Why?", [
        ("The new window happened to hold more fraud than round 0's window did.", False,
         "Without drift, every window is a fresh sample of the same world. And if the extra held orders were fraud, "
         "precision would rise; in 20 of 20 worlds it falls below the target instead."),
        ("Trained where fraud looks common, the model scores everyone higher.", True,
         "Right: the class balance a model is trained on sets the level of its scores. In 20 of 20 worlds the fixed "
         "0.15 then holds more than twice the capacity, and its precision falls below the target."),
        ("Rebalancing made the model better, so it finds more real fraud.", False,
         "If the extra held orders were fraud, precision would hold up; in 20 of 20 worlds it falls below the "
         "target: most of the extra orders are honest customers."),
    ], measured=True),
    _q("With fast drift, the threshold re-learned to keep the target precision holds more than twice the capacity "
       "by round 3. Why?", [
        ("It was learned on too few held-out users, so the number came out wrong.", False,
         "Noise moves it a little; it does not multiply the queue. In 20 of 20 worlds it holds more than twice the "
         "capacity, because the fraud it must hold to keep its precision has grown."),
        ("More of the orders are fraud, so a queue at that precision is bigger.", True,
         "Right: a precision target fixes the share of honest customers in the queue, not its size. In 20 of 20 "
         "worlds it holds more than twice the capacity with fast drift."),
        ("Held-out users are scored by a different model than live users.", False,
         "The same model scores both; the held-out and live users of a round come from the same drifting world."),
    ], measured=True),
    _q("A retrain swaps boosted trees for a logistic regression with the same AUC on held-out users. What should "
       "happen to the 0.15?", [
        ("Keep it: the same AUC means the same decisions at any threshold.", False,
         "AUC measures the ranking only; two models can rank alike and still put 0.15 at very different places in "
         "that ranking."),
        ("Re-learn it from its target on held-out scores of the new model.", True,
         "Right: the number belongs to one model's score scale; the target (a capacity, a precision) is what carries "
         "over."),
        ("Keep it: both models output probabilities between 0 and 1 anyway.", False,
         "Both output numbers in 0..1, calibrated differently: the same 0.15 is a different point in each."),
    ]),
    _q("Spain's fraud model reads the home fraud model's score. After a home retrain that moves the scores, what "
       "keeps Spain's queue where it was?", [
        ("Re-learning the home queue's threshold at every home retrain.", False,
         "Spain's model reads the score, not the home threshold; its queue moves the same under every home policy."),
        ("Re-checking Spain's threshold whenever the home score moves.", True,
         "Right: every reader of a moved score needs its own threshold re-learned; the score's consumers are the "
         "threshold's consumers too."),
        ("Never retraining the home model again, so its score cannot move.", False,
         "That buys stability by never improving, and drift still moves what the old scores mean."),
    ]),
    _q("Control: the round-0 model, never retrained, scores the live users of rounds 1 to 3 of a world that does "
       "not drift, at the fixed 0.15. What happens to its queue, precision and recall?", [
        ("They equal round 0's to the last digit: nothing has changed.", False,
         "Each round's users are a fresh sample, so the numbers move a little by chance. That is why the lesson "
         "compares them with a stated noise rule (a few standard errors, computed from the counts), not with '='."),
        ("They stay within sampling noise of round 0's: its scores do not move.", True,
         "Right: a threshold keeps its meaning while the score distribution it was picked on stays put. In 20 of 20 "
         "worlds all three stay within sampling noise of round 0's; the retrained models are what moved."),
        ("They drift slowly away: a model ages even when the world stays put.", False,
         "A model does not age by itself: in 20 of 20 worlds, with no drift, its numbers stay within sampling noise "
         "of round 0's for three rounds. A threshold goes stale when the scores move: a retrain, or a moving world."),
    ], measured=True),
    _q("Why learn the threshold on held-out users rather than on the training rows?", [
        ("Training rows get over-confident scores; held-out ones look like live.", True,
         "Right: a model scores the rows it was fitted on more extremely than new ones; a threshold tuned there "
         "means something else live."),
        ("Held-out users are fewer, so a threshold on them is quicker to compute.", False,
         "Speed is not the point: a sort of a few thousand scores takes microseconds either way."),
        ("Training rows have no labels once the model has been fitted.", False,
         "They keep their labels; the problem is that the model has already seen them."),
    ]),
)


LESSON = Lesson(
    id="15",
    slug="fixed_thresholds",
    title="Fixed Thresholds in a Dynamic System: When 0.15 Stops Meaning 0.15",
    paper_section="§7",
    patterns=("fixed_threshold",),
    objectives=(
        "Measure what a threshold picked by hand for one model version does to the review queue, its precision "
        "and its recall, over retraining rounds and a drifting world.",
        "Tell apart the two reasons a fixed threshold goes stale: a retrain that moves the scores, and a world that "
        "moves.",
        "Write functions that learn a threshold on held-out data at each retrain, to keep a queue capacity or a "
        "target precision, and say what each cannot keep.",
        "Find every reader of a threshold and of the score it cuts, including another model.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "precision and recall"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain the 'fixed thresholds in a dynamic system' debt from 'Hidden Technical Debt in "
        "Machine Learning Systems' (§7): why a threshold picked by hand for one model version goes stale.",
        "Walk me through how retraining a fraud model on a rebalanced training set changes what a fixed threshold of "
        "0.15 means for the review queue, precision and recall, and how learning the threshold on held-out data at "
        "each retrain (for a target precision or a queue capacity) avoids it.",
        "Given my ML/LLM system (described below), help me audit it for fixed thresholds: every decision cut-off, "
        "alert level and score filter, and every reader of the scores they cut. For each, say what target it "
        "stands for (a precision, a capacity, a rate) and how to learn it on held-out data at each retrain; then "
        "prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "A threshold stands for a target (a queue size, a precision); the number that meets it belongs to one "
        "score distribution.",
        "A retrain alone can move the scores (a new class balance, a new input), and a fixed threshold then means "
        "something else; drift moves it further.",
        "When the scores do not move (the round-0 model, not retrained, in a world that does not drift), the fixed "
        "threshold keeps its numbers: queue, precision and recall stay within sampling noise of round 0's.",
        "Learn the threshold on held-out data at each retrain, from the target it stands for; keeping a capacity "
        "bounds the queue, keeping a precision does not.",
        "Every reader of the score is a reader of the threshold's problem: Spain's model moved with the home score "
        "whichever home policy was used.",
    ),
    focus_nodes=("fraud_model", "fraud_model_es"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §7 (fixed thresholds "
        "in dynamic systems).",
        "H. B. McMahan et al., 'Ad Click Prediction: a View from the Trenches', KDD 2013 (calibration and thresholds "
        "learned on held-out data).",
    ),
)
