"""Lesson 01: entanglement and the CACE principle (Sculley et al. 2015, §2)."""

from __future__ import annotations

import numbers

from mldebt_lessons.course.answers import read_yes_no
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at


def _effect(target: str, change: str, mode: str, model: str, seed: int | None = None):
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    return next(e for e in measure_cace(world_at(seed), target, change, mode) if e.model == model)


def _number(value) -> float | None:
    """A real number from a learner's answer (numpy numbers too), or None; never raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _names(answer) -> set | None:
    """A set of names from a string or a flat list/tuple/set of strings, or None."""
    if isinstance(answer, str):
        return {answer}
    if isinstance(answer, (list, tuple, set, frozenset)) and all(isinstance(a, str) for a in answer):
        return set(answer)
    return None


def _judge_share(prediction, truth: float, what: str) -> str:
    """One sentence comparing a predicted share with the measured one."""
    guess = _number(prediction)
    if guess is None:
        return f"give a share between 0 and 1 as your prediction; {what} is {truth:.1%}."
    guess = guess / 100 if 1 < guess <= 100 else guess  # "25" meant 25%
    verdict = "close" if abs(guess - truth) <= max(0.05, 0.25 * truth) else "off"
    return f"you predicted {guess:.1%}; {what} is {truth:.1%}: {verdict}."


# --- 01.1: count the ripple ------------------------------------------------------------------

def _ripple_models(feature: str) -> list[str]:
    from mldebt_lessons.shop.graph import ripple
    return sorted(r.node for r in ripple(world_at().graph, feature) if r.kind == "model")


def _check_ripple_count(answer) -> Feedback:
    expected = _ripple_models("days_since_signup")
    count = _number(answer)
    if count is None or count != int(count):
        return Feedback(False, "give a whole number, the count of models.")
    if count == len(expected):
        return Feedback(True, f"{len(expected)} models: {', '.join(expected)}. One of them does not read "
                              "days_since_signup at all: it reads the score of a model that does.")
    return Feedback(False, f"you counted {int(count)}. Count every node of kind 'model' in the ripple, including "
                           "models that read another model's score.")


def _judge_ripple_count(prediction) -> str:
    expected = len(_ripple_models("days_since_signup"))
    guess = _number(prediction)
    if guess is None:
        return f"give a number as your prediction; the ripple holds {expected} models."
    if guess == expected:
        return f"you predicted {guess:g}, and it is {expected}."
    return (f"you predicted {guess:g}; it is {expected}. Did you count the model that reads another model's "
            "score?" if guess < expected else f"you predicted {guess:g}; it is {expected}.")


# --- 01.2: the controls of a threshold change -------------------------------------------------

THRESHOLD_MODEL, THRESHOLD_CHANGE = "churn_model", "lower threshold"


def _threshold_controls() -> set[str]:
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    return {e.model for e in measure_cace(world_at(), THRESHOLD_MODEL, THRESHOLD_CHANGE, "retrained")
            if e.decisions_flipped == 0 and e.mean_abs_score_change == 0}


def _threshold_consumers() -> list[str]:
    from mldebt_lessons.lessons.entanglement_cace.experiment import consumer_effects
    hits = consumer_effects(world_at(), THRESHOLD_MODEL, THRESHOLD_CHANGE, "retrained")
    return sorted(name for name, share in hits.items() if share > 0)


def _check_threshold_controls(answer) -> Feedback:
    given, expected = _names(answer), _threshold_controls()
    if not given:
        return Feedback(False, "give a list of model names.")
    if given == expected:
        return Feedback(True, f"{', '.join(sorted(expected))} show exactly zero change, even retrained: no model "
                              f"reads {THRESHOLD_MODEL}'s output, and a threshold moves decisions, not scores. The "
                              f"change reaches only the consumers acting on its decisions: "
                              f"{', '.join(_threshold_consumers())}.")
    if THRESHOLD_MODEL in given:
        return Feedback(False, f"{THRESHOLD_MODEL} is the changed model: its decisions move.")
    unknown = given - set(world_at().models)
    if unknown:
        return Feedback(False, f"not a model of Larkspur: {', '.join(sorted(unknown))}.")
    return Feedback(False, "some model is missing from your list: check every model's decisions_flipped and "
                           "mean_abs_score_change, not only the models that read the same inputs.")


def _judge_threshold_controls(prediction) -> str:
    others_move = len(_threshold_controls()) < len(world_at().models) - 1
    truth = "another model moves" if others_move else "no other model moves"
    guessed = read_yes_no(prediction)
    if guessed is None:
        return f"answer yes or no as your prediction; {truth}."
    right = "right" if guessed == others_move else "not so"
    return (f"you predicted {'yes' if guessed else 'no'}: {right}. "
            + ("Another model moves." if others_move else
               "No other model moves: none reads churn_model's output, and a threshold leaves scores alone."))


# --- 01.3: skew versus retraining, another feature ------------------------------------------------

def _recommender_pair() -> tuple[float, float]:
    return tuple(_effect("session_count", "units", mode, "recommender").decisions_flipped
                 for mode in ("serving", "retrained"))


def _check_skew_vs_retrain(answer) -> Feedback:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return Feedback(False, "give a pair: (share flipped when serving changed, share flipped after retraining).")
    pair = [_number(a) for a in answer]
    if any(a is None for a in pair) or any(not 0 <= a <= 1 for a in pair):
        return Feedback(False, "give two shares between 0 and 1 (0.25, not 25%).")
    serving, retrained = _recommender_pair()
    floor = _effect("session_count", "units", "serving", "recommender").noise_flipped
    # Accept the exact shares, or the shares as the table rounds them (to 0.1%).
    if abs(pair[0] - serving) <= 0.0005 + 1e-9 and abs(pair[1] - retrained) <= 0.0005 + 1e-9:
        return Feedback(True, f"{serving:.1%} of the recommender's decisions flip while it still expects sessions "
                              f"per 30 days (its noise floor is {floor:.1%}); {retrained:.1%} once retrained: it "
                              "standardises its inputs, so a change of units vanishes.")
    return Feedback(False, "measure both modes for session_count -> 'units' and read the recommender's "
                           "decisions_flipped (not churn_model's).")


def _judge_skew(prediction) -> str:
    return _judge_share(prediction, _recommender_pair()[0], "the share the recommender flips, not retrained,")


# --- 01.4: who takes up the slack ---------------------------------------------------------------------

SLACK_MODEL, SLACK_CHANGE = "ltv_model", "drop avg_basket_value"


def _relative_moves(before: dict, after: dict) -> dict[str, float]:
    """|after - before| / |before| for every input left after the change."""
    return {k: abs(after[k] - before[k]) / abs(before[k]) for k in after if before.get(k)}


def _slack() -> tuple[str, float]:
    """The input whose weight moves most, relative to its weight before, when ltv_model drops
    avg_basket_value and is retrained; and that relative move."""
    from mldebt_lessons.lessons.entanglement_cace.experiment import retrained_weights
    world = world_at()
    before = world.models[SLACK_MODEL].input_weights()
    after = retrained_weights(world, SLACK_MODEL, SLACK_CHANGE, "retrained", SLACK_MODEL)
    moves = _relative_moves(before, after)
    name = max(moves, key=lambda k: (moves[k], k))
    return name, moves[name]


def _check_slack(answer) -> Feedback:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2 and isinstance(answer[0], str)):
        return Feedback(False, "give a pair: (input name, relative change of its weight), e.g. ('country', 0.1).")
    name, share = _slack()
    value = _number(answer[1])
    if answer[0] != name:
        return Feedback(False, f"{answer[0]!r} is not the input whose weight moved most, relative to its weight "
                               "before.")
    if value is None or abs(abs(value) - share) > max(0.005, 0.02 * share):
        return Feedback(False, f"{name} it is, but measure its relative move: |after - before| / |before|.")
    return Feedback(True, f"{name}'s weight moves by {share:.1%} of its size, more than any other input's: with "
                          "avg_basket_value gone, the ridge refits every remaining weight at once. Changing one "
                          "input changed the use of another that nobody touched.")


def _judge_slack(prediction) -> str:
    name, _ = _slack()
    guess = prediction[0] if isinstance(prediction, (tuple, list)) and prediction else prediction
    if not isinstance(guess, str):
        return f"name an input as your prediction; it is {name}."
    if guess == name:
        return f"you predicted {guess}: right, it is {name}."
    return f"you predicted {guess}; it is {name}."


# --- 01.5: a prediction-change monitor ---------------------------------------------------------------

MONITOR_CASES = (("churn_model", "user_age", "units"), ("churn_model", "session_count", "log"),
                 ("fraud_model", "days_since_signup", "log"), ("ltv_model", "avg_basket_value", "impute"))


def _scores_before_after(world, model: str, feature: str, change: str):
    """A home model's held-out scores before and after ``change`` of ``feature``, not retrained."""
    from mldebt_lessons.shop.data import rows_of
    from mldebt_lessons.shop.features import feature_table
    m = world.models[model]
    changed = rows_of(feature_table(world.raw, world.reference, (feature, change)), world.test_rows)
    return m.predict_score(world.test_table), m.predict_score(changed), m.threshold_


def _check_monitor(answer) -> Feedback:
    import numpy as np

    from mldebt_lessons.course.claims import SEEDS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): answer = prediction_change_monitor.")

    def run(*args):
        try:
            return _number(answer(*args)), None
        except Exception as error:  # the learner's function may raise: say so, never raise here
            return None, f"{type(error).__name__}: {error}"[:120]

    small = [((np.array([0.1, 0.5, 0.9]), np.array([0.6, 0.5, 0.2]), 0.5), 2 / 3),
             ((np.array([0.2, 0.7]), np.array([0.2, 0.7]), 0.5), 0.0),
             ((np.array([0.49, 0.5]), np.array([0.5, 0.49]), 0.5), 1.0)]
    for args, expected in small:
        got, error = run(*args)
        if error or got is None or abs(got - expected) > 1e-9:
            shown = error or f"returned {got}"
            return Feedback(False, f"on old={args[0].tolist()}, new={args[1].tolist()}, threshold={args[2]} it "
                                   f"{shown}; expected {expected:.3f}. A score at the threshold counts as flagged.")
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for model, feature, change in MONITOR_CASES:
            old, new, threshold = _scores_before_after(world, model, feature, change)
            got, error = run(old, new, threshold)
            expected = _effect(feature, change, "serving", model, seed).decisions_flipped
            if error or got is None or abs(got - expected) > 1e-9:
                return Feedback(False, f"in the world of seed {seed}, for {model} and {feature} -> {change}, it "
                                       f"{error or f'returned {got}'}; measure_cace says {expected:.4f}.")
    return Feedback(True, "your monitor agrees with the experiment on every model and change, in three worlds. Run "
                          "it on every model after each upstream release, beside its noise floor, and a silent "
                          "change of preprocessing stops being silent.")


def _judge_monitor(prediction) -> str:
    truth = _effect("session_count", "log", "serving", "churn_model").decisions_flipped
    return _judge_share(prediction, truth, "the share of churn decisions session_count -> log flips")


EXERCISES = (
    Exercise(
        "01.1", "Count the ripple",
        "Use `ripple` to count the models that a change to `days_since_signup` reaches. Put the count in `answer`.",
        "ripple(world.graph, 'days_since_signup') lists everything downstream; keep the nodes whose kind is 'model'.",
        """from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.world import build_world

world = build_world()
answer = sum(1 for reach in ripple(world.graph, "days_since_signup") if reach.kind == "model")
""",
        _check_ripple_count,
        predict="Before you run anything: how many models will a change to days_since_signup reach? (a number)",
        judge_prediction=_judge_ripple_count),
    Exercise(
        "01.2", "Name the controls of a threshold change",
        "The retention team lowers churn_model's threshold, and every team retrains. Measure with `measure_cace` "
        "which models show exactly zero change (no decision flipped, no score moved). Put their names in "
        "`answer`, as a list.",
        "measure_cace(world, 'churn_model', 'lower threshold', 'retrained'); keep the models whose "
        "decisions_flipped and mean_abs_score_change are both 0. consumer_effects with the same arguments says "
        "which consumers it reaches.",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
from mldebt_lessons.shop.world import build_world

world = build_world()
effects = measure_cace(world, "churn_model", "lower threshold", "retrained")
answer = [e.model for e in effects if e.decisions_flipped == 0 and e.mean_abs_score_change == 0]
""",
        _check_threshold_controls,
        predict="Will any model other than churn_model move when churn_model's threshold is lowered and every "
                "team retrains? (yes or no)",
        judge_prediction=_judge_threshold_controls),
    Exercise(
        "01.3", "Skew versus retraining, for the recommender",
        "The clickstream team starts sending `session_count` per week instead of per 30 days ('units'). Measure "
        "the share of the recommender's decisions that flip (a) if it is not retrained and (b) once it is. Put the "
        "pair `(a, b)` in `answer`, as shares between 0 and 1.",
        "measure_cace(world, 'session_count', 'units', mode) for mode in ('serving', 'retrained'); read the "
        "recommender's decisions_flipped.",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import flips_of
from mldebt_lessons.shop.world import build_world

world = build_world()
answer = tuple(flips_of(world, "session_count", "units", mode, "recommender") for mode in ("serving", "retrained"))
""",
        _check_skew_vs_retrain,
        predict="What share of the recommender's decisions will flip when sessions arrive per week and it is not "
                "retrained? (a share between 0 and 1)",
        judge_prediction=_judge_skew),
    Exercise(
        "01.4", "Who takes up the slack?",
        "The marketing team drops `avg_basket_value` from ltv_model (the ridge that predicts spend) and retrains "
        "it. Which of its remaining inputs changes weight the most, relative to its weight before, and by how "
        "much: |after - before| / |before|? A category's weight is summed over its one-hot columns, so `country` "
        "counts as one input. Put the pair `(input, relative change)` in `answer`.",
        "world.models['ltv_model'].input_weights() gives the weights before (one per input, one-hot columns "
        "summed); retrained_weights(world, 'ltv_model', 'drop avg_basket_value', 'retrained', 'ltv_model') "
        "gives them after.",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import retrained_weights
from mldebt_lessons.shop.world import build_world

world = build_world()
before = world.models["ltv_model"].input_weights()
after = retrained_weights(world, "ltv_model", "drop avg_basket_value", "retrained", "ltv_model")
moves = {name: abs(after[name] - before[name]) / abs(before[name]) for name in after}
name = max(moves, key=moves.get)
answer = (name, moves[name])
""",
        _check_slack,
        predict="Which of ltv_model's remaining inputs, user_age or country, will change weight the most, relative "
                "to its weight before? (a name)",
        judge_prediction=_judge_slack),
    Exercise(
        "01.5", "Write a prediction-change monitor",
        "Pay the debt down: write `prediction_change_monitor(old_scores, new_scores, threshold)`, which returns "
        "the share of users whose decision (score at or above `threshold`) differs between the two arrays of "
        "scores. Put the function itself in `answer`. The checker runs it on Larkspur's models in three worlds, "
        "before and after upstream changes, and compares it with the experiment.",
        "Turn both arrays into decisions with `>= threshold` (numpy.asarray first), then take the mean of "
        "`old != new` as a float.",
        """import numpy as np

def prediction_change_monitor(old_scores, new_scores, threshold):
    old = np.asarray(old_scores) >= threshold
    new = np.asarray(new_scores) >= threshold
    return float(np.mean(old != new))

answer = prediction_change_monitor
""",
        _check_monitor,
        predict="Once written, what share of churn decisions will it report for session_count -> log, not retrained? "
                "(a share between 0 and 1)",
        judge_prediction=_judge_monitor),
)


def _question(text: str, *options: Option, measured: bool = False) -> Question:
    return Question(text, tuple(options), measured=measured)


QUIZ = (
    _question(
        "What does the CACE principle say?",
        Option("Changing Anything Changes Everything: a model mixes its inputs, so no input is independent.",
               True, "Inputs are fitted together, so one change can move the use of all of them, and of "
                     "everything downstream."),
        Option("A change to one input affects only the models that read it, and only their use of that input.",
               False, "Half right: only models the change reaches are affected, but within them the weights of "
                      "the other inputs move too (exercise 01.4 measures it)."),
        Option("Every change must be reviewed by each team that owns a model before it is released.", False,
               "Review helps, but a reviewer of the changed line cannot see its effect: it spreads through "
                      "learned weights, which is why the lesson measures it."),
        Option("Any change to the data means every model must be retrained from scratch at once.", False,
               "Retraining is not a cure: retrained models still move, and their other weights shift."),
    ),
    _question(
        "The accounts team switches user_age from years to months and nobody retrains. Predict: what share of "
        "churn_model's decisions flip?",
        Option("Hardly any: under a twentieth, since ages still sort users the same way.", False,
               "Sorting is not deciding: the model compares a weighted sum with a fixed threshold, and every "
               "age now looks twelve times larger."),
        Option("About a tenth: only the users near the threshold cross it.", False,
               "The shift is not small: each age term grows twelvefold, which pushes most users across."),
        Option("More than half of them, and no error or warning tells anyone.", True,
               "Measured in every world the course checks (the claims table in the demo): most decisions flip, "
               "silently, far above the noise floor of retraining with another seed."),
        Option("None at all: the model raises an error on values it has never seen.", False,
               "No error: the column keeps its name and type. That is why this debt is hidden."),
        measured=True,
    ),
    _question(
        "After retraining on user_age in months, churn_model flips no decision at all. Why?",
        Option("It standardises its inputs, so a change of units is undone before it is fitted.", True,
               "A pure change of scale vanishes after standardisation; a log or a new fill value does not."),
        Option("churn_model does not read user_age, so the change never reached it.", False,
               "It does read it: look at its inputs. The control for this change is the recommender."),
        Option("Retraining always undoes every change to a feature, whatever the change is.", False,
               "Try 'log' or 'impute' retrained: scores still move, and the weights of other inputs shift."),
        Option("Retraining ignored the change and fitted on the old column in years.", False,
               "It fitted on months. Try 'rescale' retrained: the ridge ltv_model's scores still move, because "
               "its penalty depends on each input's scale, while the standardised churn_model does not move."),
    ),
    _question(
        "Why does every effect in the table sit beside a noise floor?",
        Option("The noise floor is the error of the measurement, which is subtracted from each effect.", False,
               "Nothing is subtracted: the floor is shown beside the effect, as a yardstick, not a correction."),
        Option("To tell what a change causes from what retraining on another sample does on its own.", True,
               "Retraining with another seed and no change still flips some decisions; an effect near that "
               "floor could be noise, one far above it is the change's."),
        Option("Because a model whose flips fall under its floor is broken and must be rolled back.", False,
               "Falling under the floor means the change is small, not that anything is broken."),
        Option("Because a retrained model is random, so a measurement is only valid on average.", False,
               "Each measurement here is exact and repeatable; the floor says how large an effect is, not how "
               "uncertain it is."),
    ),
    _question(
        "Retrained on log(user_age), churn_model changes the weights of inputs nobody touched. Predict: which "
        "one moves most?",
        Option("session_count, its strongest input.", False,
               "Strong is not the same as entangled: session_count hardly correlates with age."),
        Option("device, the input that is a category.", False,
               "One-hot columns move little here: device does not correlate with age."),
        Option("days_since_signup, which correlates with age.", True,
               "Measured in every world the course checks: the weights are fitted jointly, so the correlated input "
               "takes up or gives back what the changed one no longer carries."),
        Option("None: retraining only refits the weight of user_age.", False,
               "A fit chooses every weight at once; changing one input moves the others (the paper's n-1)."),
        measured=True,
    ),
    _question(
        "The payments team raises fraud_model's threshold. fraud_model_es is trained on fraud_model's output. "
        "What happens to fraud_model_es?",
        Option("Its decisions flip for many Spanish users, because its input moved.", False,
               "Its input is fraud_model's score, and a threshold does not change a score."),
        Option("Nothing at all, even retrained: it reads the score, not the decision.", True,
               "The claims table shows it holds in every world: a threshold reaches the queue that acts on "
               "decisions, not a model reading scores."),
        Option("It must be retrained before anyone can tell whether it moved or not.", False,
               "The experiment measures both modes: it does not move in either."),
        Option("It moves a little, within its noise floor, so nobody would notice.", False,
               "It does not move at all: exactly zero, like a control."),
    ),
    _question(
        "Which remedy does the paper suggest for entanglement?",
        Option("Freeze every feature's preprocessing so that nothing upstream can ever change.", False,
               "That trades entanglement for stale data; the world and the upstream teams keep changing."),
        Option("Isolate models, and watch prediction changes on slices of users.", True,
               "Isolation limits the ripple, and a monitor like exercise 01.5's catches what isolation misses."),
        Option("Add more features, so that no single input matters very much any more.", False,
               "More inputs mean more entanglement, and more underused dependencies."),
        Option("Replace the linear models with trees, which are robust to any input change.", False,
               "Trees shrug off monotone transforms once retrained, but not a new fill value, skew or a threshold."),
    ),
)

LESSON = Lesson(
    id="01",
    slug="entanglement_cace",
    title="Entanglement: Changing Anything Changes Everything",
    paper_section="§2",
    patterns=("entanglement",),
    objectives=(
        "Trace the ripple of a change through Larkspur's dependency graph to models and consumers.",
        "Measure, on real models, what a change does with and without retraining: a feature's preprocessing, "
        "adding or dropping a feature, a penalty, the training sample or a threshold.",
        "Tell a large effect from a small one by comparing it with a noise floor.",
        "Explain why one changed input moves the use of the other inputs (the CACE principle).",
        "Use a control to tell a real effect from a broken experiment, and write a monitor that catches flips.",
    ),
    minutes=50,
    prerequisites=("00_start_here.ipynb", "basic Python", "what a classifier's score and threshold are"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what entanglement and the CACE principle (Changing Anything Changes "
        "Everything) mean in 'Hidden Technical Debt in Machine Learning Systems', and why this debt costs "
        "more than ordinary software debt.",
        "Walk me through how entanglement arises, step by step, in a system like Larkspur's: one feature "
        "read by several models, its preprocessing owned by another team. Explain what happens when the "
        "preprocessing changes and the models are not retrained, what still changes when they are, and how a "
        "noise floor tells a real effect from retraining noise.",
        "Given my ML/LLM system (described below), help me audit it for entanglement: list the inputs read by "
        "more than one model, the preprocessing steps owned by someone other than the model owners, and the "
        "decisions that would flip silently. Then prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "A feature read by several models is a change that reaches all of them and everything they feed; so is "
        "a model's own change, through the models and consumers that read it.",
        "Changed in serving but not in training, a feature causes silent skew: decisions flip, nothing errors.",
        "Retraining undoes a pure change of scale for models that standardise; other changes still move scores, "
        "and the weights of inputs nobody touched move too (changing one input changes the other n-1).",
        "How much a change matters depends on the model: standardised linear models shrug off units once "
        "retrained, trees shrug off monotone transforms, and a new fill value moves the scores of every model "
        "that reads the feature.",
        "When user_age is log-transformed, or days_since_signup dropped, the weight that moves most belongs to "
        "the input correlated with it: entanglement follows the correlations in the data.",
        "Read every effect beside its noise floor (the same retraining with another seed and no change): some "
        "changes are far above it, others are lost in it.",
        "A threshold changes decisions, not scores: it reaches the consumers that act on decisions, and no model "
        "that reads the score.",
        "Measure with a control: a model the change cannot reach must show exactly zero change.",
        "Remedies: isolate models, version shared inputs and move to a new version on purpose, watch prediction "
        "changes by slice.",
    ),
    focus_nodes=("user_age", "session_count"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §2.",
        "D. Sculley et al., 'Machine Learning: The High-Interest Credit Card of Technical Debt', "
        "SE4ML workshop, 2014.",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness', IEEE BigData 2017 "
        "(tests 'training and serving are not skewed', 'all features are beneficial').",
        "M. Zinkevich, 'Rules of Machine Learning: Best Practices for ML Engineering' (rules on feature "
        "ownership and training/serving skew).",
    ),
)
