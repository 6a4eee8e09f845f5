"""Lesson 12: abstraction debt (Sculley et al. 2015, §5)."""

from __future__ import annotations

from pathlib import Path

from mldebt_lessons.course.answers import is_number, number_in, within, you_guessed
from mldebt_lessons.course.claims import saved_range
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.lessons.abstraction_debt.experiment import (
    leak,
    matrices,
    served_flips,
    stacking,
)

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
SMALL_BATCH = 10


def _measured(claim: str) -> str:
    """This lesson's saved range for ``claim``: 'from +0.040 to +0.092 in 20 of 20 worlds'."""
    return saved_range(Path(__file__).parent, claim)


def _selection_inflation(seed: int = OTHER_SEED) -> float:
    return leak(world_at(seed), "feature selection").inflation


def _check_selection(answer) -> Feedback:
    truth = _selection_inflation()
    if not is_number(answer):
        return Feedback(False, "give one number: the ad hoc version's validation AUC minus the Pipeline's.")
    if within(answer, truth, 0.002):
        return Feedback(True, f"{truth:+.4f}: ten columns of pure noise look useful, because the validation rows "
                              "helped pick them.")
    if within(answer, -truth, 0.002):
        return Feedback(False, "right size, wrong sign: subtract the Pipeline's AUC from the ad hoc one.")
    return Feedback(False, f"{float(answer):+.4f} is not what the two versions give at seed {OTHER_SEED}.")


def _judge_selection(prediction) -> str:
    guess, truth = number_in(prediction), _selection_inflation()
    if guess is None:
        return f"no number to compare; the measured inflation is {truth:+.4f}."
    return f"you guessed {guess:g}; the measured inflation is {truth:+.4f}."


def _small_batch_flips(seed: int = OTHER_SEED) -> tuple[float, float]:
    world = world_at(seed)
    return served_flips(world, "batch statistics", SMALL_BATCH), served_flips(world, "batch statistics")


def _check_batch(answer) -> Feedback:
    small, usual = _small_batch_flips()
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give a share between 0 and 1, such as 0.05 for 5%.")
    if within(answer, small, 0.002):
        return Feedback(True, f"{small:.1%} flipped with batches of {SMALL_BATCH}, against {usual:.1%} with batches "
                              "of 50: the smaller the batch, the noisier its statistics.")
    if within(answer, usual, 0.002):
        return Feedback(False, f"that is the share with batches of 50; set batch_size={SMALL_BATCH}.")
    return Feedback(False, f"{float(answer):.1%} is not what batches of {SMALL_BATCH} give at seed {OTHER_SEED}.")


def _judge_batch(prediction) -> str:
    small, usual = _small_batch_flips()
    return (f"{you_guessed(prediction)}batches of {SMALL_BATCH} flip {small:.1%} of decisions, batches of 50 "
            f"{usual:.1%}.")


def _stacking_flips(seed: int = OTHER_SEED) -> float:
    return stacking(world_at(seed)).flipped


def _check_stacking(answer) -> Feedback:
    truth = _stacking_flips()
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give a share between 0 and 1.")
    if within(answer, truth, 0.002):
        return Feedback(True, f"{truth:.1%} of validation users get another decision: the in-sample cascade trusts "
                              "the tree's score as if it were never wrong.")
    return Feedback(False, f"{float(answer):.1%} is not what the two cascades give at seed {OTHER_SEED}.")


def _judge_stacking(prediction) -> str:
    return f"{you_guessed(prediction)}the two cascades disagree on {_stacking_flips():.1%} of validation users."


def _check_pipeline(answer) -> Feedback:
    from threadpoolctl import threadpool_limits

    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.shop.preparation.pipelined import COLUMNS

    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): it takes no argument and "
                               "returns an unfitted Pipeline.")
    with threadpool_limits(1):  # small models fit faster on one thread
        return _check_pipeline_at(answer, SEEDS[:3], COLUMNS.index("postcode_area"))


def _check_pipeline_at(answer, seeds, area) -> Feedback:
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    lines = []
    for seed in seeds:
        world = world_at(seed)
        X, Xv = matrices(world)
        y, yv = world.labels["churned"][world.train_rows], world.labels["churned"][world.test_rows]
        try:
            pipe = answer().fit(X, y)
            scores = pipe.predict_proba(Xv)[:, 1]
            shuffled = Xv.copy()
            shuffled[:, area] = np.roll(shuffled[:, area], 1)
            moved = float(np.abs(pipe.predict_proba(shuffled)[:, 1] - scores).max())
            cv = float(cross_val_score(answer(), X, y, scoring="roc_auc",
                                       cv=StratifiedKFold(5, shuffle=True, random_state=seed)).mean())
            auc = float(roc_auc_score(yv, scores))
        except Exception as error:
            return Feedback(False, f"at seed {seed} your pipeline raised {type(error).__name__} while fitting, "
                                   "scoring or cross-validating.")
        if not np.isfinite(auc) or not np.isfinite(cv):
            return Feedback(False, f"at seed {seed} your pipeline's scores are not numbers.")
        reference = leak(world, "target encoding").pipeline_auc
        if moved == 0:
            return Feedback(False, f"at seed {seed} your pipeline ignores postcode_area: shuffling it changes no score.")
        if auc < reference - 0.02:
            return Feedback(False, f"at seed {seed} its validation AUC is {auc:.3f}, well below {reference:.3f}: "
                                   "it leaks nothing, but predicts churn poorly (an area rate computed on the very "
                                   "rows the model trains on overfits them).")
        if abs(cv - auc) > 0.06:
            return Feedback(False, f"at seed {seed} cross-validation says {cv:.3f} but validation {auc:.3f}: its "
                                   "own training score is not honest yet.")
        lines.append(f"seed {seed}: cross-validated {cv:.3f}, validation {auc:.3f}")
    return Feedback(True, "reads the area, and its cross-validated score agrees with validation at three seeds ("
                          + "; ".join(lines) + "): the leak is paid off by construction.")


def _judge_pipeline(prediction) -> str:
    world = world_at(OTHER_SEED)
    gap = leak(world, "target encoding").pipeline_auc - leak(world, "scaler and imputer").pipeline_auc
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} the Pipeline with the area scores {gap:+.3f} AUC against "
            "the same Pipeline without it: an honest pipeline gains nothing from a column with nothing in it.")


SOLUTION_PIPELINE = '''\
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from mldebt_lessons.shop.preparation.pipelined import COLUMNS


def churn_pipeline():
    numbers = [COLUMNS.index(n) for n in ("user_age", "session_count", "days_since_signup", "avg_basket_value")]
    prepare = ColumnTransformer([
        ("numbers", Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), numbers),
        ("device", OneHotEncoder(handle_unknown="ignore"), [COLUMNS.index("device")]),
        ("area", TargetEncoder(target_type="binary", cv=KFold(5, shuffle=True, random_state=0)),
         [COLUMNS.index("postcode_area")]),
    ])
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=1000))])


answer = churn_pipeline'''

EXERCISES = (
    Exercise(
        "12.1", "How much does picking columns on every row inflate the score?",
        f"In `world = build_world({OTHER_SEED})`, measure the feature-selection leak with "
        "`leak(world, 'feature selection')` and set `answer` to its `inflation`: the validation AUC of the ad hoc "
        "version (10 of 200 vendor columns picked on every row) minus the Pipeline's.",
        "from mldebt_lessons.lessons.abstraction_debt.experiment import leak; leak(world, 'feature selection').inflation",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.abstraction_debt.experiment import leak\n"
        "world = build_world(42)\n"
        "answer = leak(world, 'feature selection').inflation",
        _check_selection,
        predict="The 200 vendor columns are pure noise. Will picking 10 of them on every row raise the validation "
                "AUC by about 0, by about 0.005, or by 0.02 or more? Give a number.",
        judge_prediction=_judge_selection,
    ),
    Exercise(
        "12.2", "Smaller serving batches: more flips or fewer?",
        f"The serving code standardises each batch with its own statistics (`'batch statistics'`). In the world of "
        f"seed {OTHER_SEED}, set `answer` to the share of decisions it flips when it serves {SMALL_BATCH} users at a "
        f"time: `served_flips(world, 'batch statistics', batch_size={SMALL_BATCH})`.",
        f"served_flips(build_world(42), 'batch statistics', batch_size={SMALL_BATCH}) from the experiment module.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.abstraction_debt.experiment import served_flips\n"
        f"answer = served_flips(build_world(42), 'batch statistics', batch_size={SMALL_BATCH})",
        _check_batch,
        predict=f"With batches of {SMALL_BATCH} instead of 50, will more or fewer decisions flip? Give the share you "
                "expect (a number such as 0.03).",
        judge_prediction=_judge_batch,
    ),
    Exercise(
        "12.3", "Stacking in one Pipeline: how many decisions move?",
        f"`stacking(world)` fits the same two-model cascade twice in one Pipeline: once with the tree's score on the "
        f"rows it was fitted on, once out of fold. In the world of seed {OTHER_SEED}, set `answer` to the share of "
        "validation users whose decision differs between the two (its `flipped`).",
        "stacking(build_world(42)).flipped, from the experiment module.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.abstraction_debt.experiment import stacking\n"
        "answer = stacking(build_world(42)).flipped",
        _check_stacking,
        predict="Will under 1%, about 5%, or over 10% of decisions differ between the in-sample and the out-of-fold "
                "cascade? Give a share.",
        judge_prediction=_judge_stacking,
    ),
    Exercise(
        "12.4", "Write the preparation as a Pipeline that cannot leak",
        "Write `churn_pipeline()`: it takes no argument and returns an UNFITTED scikit-learn Pipeline that reads the "
        "matrix `as_matrix` makes (columns in `COLUMNS` order, from `mldebt_lessons.shop.preparation.pipelined`), "
        "prepares the four numbers, the device AND the postcode area (target-encoded), and ends in a classifier. "
        "Set `answer = churn_pipeline`. At three seeds the checker fits it on the training rows, checks that it reads "
        "the area, and compares its 5-fold cross-validated AUC on the training rows with its validation AUC.",
        "A ColumnTransformer with three parts (SimpleImputer + StandardScaler on the numbers, OneHotEncoder on the "
        "device, TargetEncoder on the area), then LogisticRegression, all inside one Pipeline.",
        SOLUTION_PIPELINE,
        _check_pipeline,
        predict=f"The postcode area says nothing about churn. At seed {OTHER_SEED}, how much higher or lower will the "
                "validation AUC of an honest pipeline with the area be than the same pipeline without it? Give a number.",
        judge_prediction=_judge_pipeline,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("An analyst cuts user_age into five bands, with the band edges at quintiles computed on all 3,000 users, "
       "and only then splits off the validation rows. Predict how far off the churn model's validation AUC is.", [
        ("Barely: the band edges read ages only, never whether anyone churned.", True,
         "Right: a step that reads no label leaks almost nothing. The nearest case measured, the median fill and "
         f"scaler fitted on every row, moved the validation AUC {_measured('scaler_leak_is_tiny')}. Still a bug, and the habit that lets "
         "the next step, one that reads the label, leak."),
        ("Several points high, as every leak of validation rows into training is.", False,
         "Only when what leaks carries the label. Quintiles of 3,000 ages hardly move when 900 of them are added, "
         "and they say nothing about who churned: compare the scaler (tiny) with the area rates (large)."),
        ("Lower: edges set with the validation users misplace the training users.", False,
         "Both sets come from the same population; the edges barely differ, in either direction.")],
       measured=True),
    _q("Another team replaces each customer's e-mail domain (hundreds of them, unrelated to churn) by its churn "
       "rate, computed on every row before the split. Its validation AUC jumps. The likeliest reason?", [
        ("E-mail domains carry a real churn signal that nobody had noticed.", False,
         "A column with nothing in it can still raise a score, if it was built from the labels being predicted."),
        ("Each validation user's own label is inside their domain's rate.", True,
         "Right: the mechanism of Larkspur's postcode areas, which hold no churn signal either: computed "
         f"on every row, they inflated the validation AUC {_measured('label_leak_inflates')} (label_leak_inflates)."),
        ("A small validation set makes any new column look better by chance.", False,
         "Chance moves a score both ways; this leak pushes it up every time, because the answer is in the column.")],
       measured=True),
    _q("Training sorted the devices (app, desktop, mobile_web); the serving team re-typed the one-hot step in the "
       "sign-up form's order (app, mobile_web, desktop). Whose churn decisions can change?", [
        ("Everyone's: once one column moves, the model misreads the whole matrix.", False,
         "Each weight multiplies its own column. The app column kept its place, and so did the four numbers, so an "
         "app user's score is exactly what validation promised."),
        ("Desktop and mobile_web users'; app users keep their column and decision.", True,
         "Right: the two swapped devices trade weights, and nothing fails, since the matrix keeps its shape. "
         f"The share of all served users who flip runs {_measured('category_order_flips_many')}. The Pipeline "
         "keeps the category order inside the fitted object, so it cannot drift."),
        ("Nobody's: one-hot columns hold only 0s and 1s, so their order is cosmetic.", False,
         "The model gave each device its own weight; swap the columns and desktop users get mobile_web's weight.")],
       measured=True),
    _q("What makes a scikit-learn Pipeline prevent these leaks, rather than merely make them rarer?", [
        ("fit sees only the rows it is given, so every statistic follows the split.", True,
         "Right: statistics live inside the fitted steps, and cross-validation refits them per fold."),
        ("It checks its input rows for any overlap between training and validation rows.", False,
         "It checks nothing of the kind; it simply has no other rows to look at."),
        ("Its steps use better-tested statistics than hand-written numpy code.", False,
         "The statistics are the same (the two versions' scores agree exactly); where they are fitted differs.")]),
    _q("Why cross-validate the whole Pipeline, rather than prepare the data once and cross-validate the model?", [
        ("It runs faster, because scikit-learn computes the preparation once and caches it for all folds.", False,
         "The opposite: every fold refits every step, which costs more, and is the point."),
        ("Every fold refits every step on its own training part, so no step sees the held-out fold.", True,
         "Right: then the cross-validated score is honest, as a held-out score should be."),
        ("Scikit-learn refuses to cross-validate a model whose inputs were prepared outside it.", False,
         "It accepts them without complaint; that is how the leak goes unnoticed.")]),
    _q("fraud_model is fitted on the home market's users; fraud_model_es learns from fraud_model's scores of "
       "Spain's users. Does fraud_model_es fall into the in-sample trap of the demo's cascade?", [
        ("Yes: a model trained on another model's score always over-trusts it.", False,
         "Only when the upstream score comes from rows the upstream model was fitted on, where it looks better "
         "than it is. Out-of-fold scores in the demo remove the over-trust."),
        ("No: fraud_model never saw Spain's users, so those scores are out of sample.", True,
         "Right: rows the upstream model never saw give honest scores, as out-of-fold ones do. Its debts lie "
         "elsewhere: two teams, two markets, two schedules, and no one object that holds both."),
        ("Yes, unless both models sit inside one Pipeline, which keeps their rows apart.", False,
         "The demo's in-sample cascade sat inside one Pipeline and still over-trusted its upstream score: a "
         "step's fit_transform can hand on scores of the rows it was fitted on.")]),
    _q("Where does the abstraction run out at Larkspur, as map-reduce does for iterative work?", [
        ("On the scaler: standardising is too simple a step to be worth a Pipeline.", False,
         "Simple steps are where the Pipeline works best; the small leak is still a leak."),
        ("On fraud_model_es: two models, fitted on two markets' rows by two teams.", True,
         "Right: one Pipeline has one fit on one set of rows; the cascade needs glue code and its own tests."),
        ("On the serving batches: a Pipeline cannot score fifty users at a time.", False,
         "It can, and gives the same decisions (the pipeline_serves_same control).")]),
)


LESSON = Lesson(
    id="12",
    slug="abstraction_debt",
    title="Abstraction Debt: What a Real Abstraction Buys",
    paper_section="§5",
    patterns=("abstraction_debt",),
    objectives=(
        "Read the same preparation written twice: arrays and dicts passed by hand, and one scikit-learn Pipeline.",
        "Measure the leaks the abstraction prevents, and tell a tiny one (a scaler) from a large one (a step "
        "that reads the label).",
        "Measure training/serving skew from preparation re-coded by hand, against a control that flips nothing.",
        "Show where the abstraction runs out: a model trained on another model's score.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "what a train/validation split is", "scikit-learn's fit and predict"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what 'abstraction debt' means in 'Hidden Technical Debt in Machine Learning "
        "Systems' (§5), and why the paper says there is no ML abstraction as strong as the relational database.",
        "Walk me through how a scikit-learn Pipeline with a ColumnTransformer prevents data leakage and "
        "training/serving skew, and give one case (such as stacking one model on another's score) where it does not.",
        "Given my ML/LLM system (described below), help me audit it for abstraction debt: find preparation or "
        "post-processing written twice (training and serving), statistics computed before a split, and multi-model "
        "or iterative work that no abstraction holds. Then prioritise which to pay down first, and say how to "
        "measure it.",
    ),
    key_points=(
        "The same preparation, hand-written and as a Pipeline, gives the same scores; what differs is what each "
        "makes easy to get wrong.",
        "A leak's size depends on what leaks: a scaler fitted on every row moves the validation AUC by almost "
        f"nothing ({_measured('scaler_leak_is_tiny')}); a step that reads the label inflates it (target encoding "
        f"{_measured('label_leak_inflates')}; picking noise columns by their correlation with the label "
        f"{_measured('selection_leak_inflates')}).",
        "Cross-validate the whole Pipeline: every fold refits every step, so the score is honest by construction.",
        "Preparation re-coded for serving drifts from training silently; serving the fitted object itself "
        "flips nothing (the control).",
        "The abstraction runs out at multi-model and iterative work: a model trained on another model's score "
        "needs out-of-fold scores, and a cascade across markets and teams needs glue code and its own tests.",
    ),
    focus_nodes=("churn_model", "fraud_model_es"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §5 (abstraction debt).",
        "S. Kaufman et al., 'Leakage in Data Mining: Formulation, Detection, and Avoidance', ACM TKDD 2012.",
        "scikit-learn user guide: 'Common pitfalls and recommended practices' (data leakage) and 'Target Encoder'.",
    ),
)
