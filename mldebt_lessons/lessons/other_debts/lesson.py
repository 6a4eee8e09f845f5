"""Lesson 17: the other debts (Sculley et al. 2015, §8): data testing, reproducibility, process management
and cultural debt."""

from __future__ import annotations

from pathlib import Path

from mldebt_lessons.course.answers import as_names, is_number, within, you_guessed
from mldebt_lessons.course.claims import saved_count, saved_range
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # the exercises ask about this world, not the demo's


def _measured(claim: str) -> str:
    """This lesson's saved range for ``claim``."""
    return saved_range(Path(__file__).parent, claim)


def _held(claim: str) -> str:
    """'20 of 20' worlds, as last saved for ``claim``."""
    count = saved_count(Path(__file__).parent, claim)
    return "(not measured yet)" if count is None else f"{count[0]} of {count[1]}"


# -- 17.1: what a birth year typed as an age does ----------------------------------------------------
def _birth_year(seed: int = OTHER_SEED):
    from mldebt_lessons.lessons.other_debts.experiment import harm
    return harm(world_at(seed), "birth_year")


def _check_birth_year(answer) -> Feedback:
    h = _birth_year()
    if not is_number(answer) or float(answer) < 0:
        return Feedback(False, "give a number of decisions (0 or more): `harm(world, 'birth_year').total`.")
    if within(answer, h.total, 0.5):
        return Feedback(True, f"{h.total} decisions change: " + ", ".join(f"{m} {n}" for m, n in h.changed.items()
                                                                        if n) + ". The models that read user_age "
                              "take a year of birth for an age of about 2,000.")
    if any(within(answer, n, 0.5) for n in h.changed.values() if n):
        return Feedback(False, "that is one model's count; give the total over the four models (`.total`).")
    return Feedback(False, f"{float(answer):g} is not what the birth-year batch changes at seed {OTHER_SEED}.")


def _judge_birth_year(prediction) -> str:
    h = _birth_year()
    return f"{you_guessed(prediction)}at seed {OTHER_SEED}, {h.total} decisions change ({h.changed['churn_model']} of them churn emails)."


# -- 17.2: one free source ---------------------------------------------------------------------------
def _order_flips(seed: int = OTHER_SEED) -> tuple[float, float]:
    from mldebt_lessons.lessons.other_debts.experiment import only_unpinned, repro_spread
    world = world_at(seed)
    return (repro_spread(world, only_unpinned("order")).flipped,
            repro_spread(world, ("seed", "order", "snapshot")).flipped)


def _check_order_flips(answer) -> Feedback:
    order, pinned = _order_flips()
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give a share between 0 and 1: the `flipped` of `repro_spread`.")
    if within(answer, order, 0.0005):
        return Feedback(True, f"{order:.1%} of the churn decisions flip although only the order of the same rows "
                              f"changed; pin the order too and it is {pinned:.0%}.")
    if float(answer) > 1e-9 and within(answer, 100 * order, 0.05):
        return Feedback(False, "give a share (0 to 1), not a percentage.")
    if within(answer, 0, 1e-12):
        return Feedback(False, "that is the fully pinned control; leave the order free: "
                               "`only_unpinned('order')`.")
    return Feedback(False, f"{float(answer):g} is not the share flipped with only the order free at seed {OTHER_SEED}.")


def _judge_order_flips(prediction) -> str:
    order, _ = _order_flips()
    return f"{you_guessed(prediction)}at seed {OTHER_SEED}, {order:.1%} of decisions flip with only the order free."


# -- 17.3: the runbook after a change to device --------------------------------------------------------
def _device_minutes(seed: int = OTHER_SEED) -> tuple[list, float, float]:
    from mldebt_lessons.lessons.other_debts.experiment import models_to_redo, runbook_minutes
    world = world_at(seed)
    models = models_to_redo(world, "device")
    return (models, sum(runbook_minutes(world, models).values()),
            sum(runbook_minutes(world, models, automated=True).values()))


def _check_device_minutes(answer) -> Feedback:
    models, by_hand, automated = _device_minutes()
    if not is_number(answer) or float(answer) < 0:
        return Feedback(False, "give a number of minutes (0 or more), by hand.")
    if within(answer, by_hand, 0.5):
        return Feedback(True, f"{by_hand:g} human minutes by hand for {len(models)} models ({', '.join(models)}), "
                              f"{automated:g} once the common steps are automated. The minutes per step are the "
                              "runbook's stated assumptions; the models come from the graph.")
    if within(answer, automated, 0.5):
        return Feedback(False, "that is with the common steps automated; give the minutes by hand.")
    return Feedback(False, f"{float(answer):g} is not the runbook's minutes by hand for a change to device.")


def _judge_device_minutes(prediction) -> str:
    models, by_hand, _ = _device_minutes()
    return f"{you_guessed(prediction)}a change to device reaches {len(models)} models: {by_hand:g} minutes by hand."


# -- 17.4: write a data test ---------------------------------------------------------------------------
def _check_data_test(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS

    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): new_accounts_check(reference, "
                               "batch) returns True for an alarm.")
    return _check_data_test_at(answer, SEEDS[:3])


def _check_data_test_at(answer, seeds) -> Feedback:
    from mldebt_lessons.lessons.other_debts.experiment import reference_batch
    from mldebt_lessons.shop.operations import FAULTS, fault_batch

    for seed in seeds:
        world = world_at(seed)
        reference = reference_batch(world)
        for fault in FAULTS:
            batch = fault_batch(world, fault)
            try:
                alarm = answer({k: v.copy() for k, v in reference.items()}, {k: v.copy() for k, v in batch.items()})
            except Exception as error:
                return Feedback(False, f"at seed {seed} your function raised {type(error).__name__} on the {fault} batch.")
            if not isinstance(alarm, (bool, int)) and type(alarm).__name__ != "bool_":
                return Feedback(False, f"at seed {seed} your function returned {type(alarm).__name__}; return True or False.")
            if fault == "signup_reset" and not alarm:
                return Feedback(False, f"at seed {seed} your test misses the sign-up reset: compare the share of "
                                       "accounts under 30 days old with the reference's.")
            if fault in ("none", "pence", "duplicates") and alarm:
                return Feedback(False, f"at seed {seed} your test raises an alarm on the {fault} batch, whose sign-up "
                                       "dates are fine: a false alarm. Leave a margin for chance.")
    return Feedback(True, f"your test catches the sign-up reset and stays quiet on batches with good sign-up dates, "
                          f"at {len(seeds)} seeds: a sanity check with a statistical margin, which the range check lacked.")


def _judge_data_test(prediction) -> str:
    import numpy as np

    from mldebt_lessons.lessons.other_debts.experiment import reference_batch
    from mldebt_lessons.shop.operations import fault_batch

    world = world_at(OTHER_SEED)
    ref = float(np.mean(reference_batch(world)["days_since_signup"] < 30))
    bad = float(np.mean(fault_batch(world, "signup_reset")["days_since_signup"] < 30))
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED}, {ref:.1%} of the reference's accounts are under 30 days "
            f"old, against {bad:.1%} in the reset batch.")


SOLUTION_DATA_TEST = '''\
import numpy as np


def new_accounts_check(reference, batch):
    p = np.mean(reference["days_since_signup"] < 30)  # the reference's share of brand-new accounts
    share = np.mean(batch["days_since_signup"] < 30)
    n = len(batch["days_since_signup"])
    return bool(share > p + 4 * np.sqrt(p * (1 - p) / n))  # four standard errors above it: an alarm


answer = new_accounts_check'''


# -- 17.5: write a simplify loop -----------------------------------------------------------------------
def _check_simplify(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS

    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): simplify(world, name) returns "
                               "the inputs to keep.")
    return _check_simplify_at(answer, SEEDS[:3])


def _check_simplify_at(answer, seeds) -> Feedback:
    from mldebt_lessons.lessons.other_debts.experiment import simplify_score
    from mldebt_lessons.shop.models import model_spec

    parts = []
    for seed in seeds:
        world = world_at(seed)
        for name in ("recommender", "churn_model"):
            try:
                kept = answer(world, name)
            except Exception as error:
                return Feedback(False, f"at seed {seed} your function raised {type(error).__name__} for {name}.")
            names = as_names(kept)
            inputs = model_spec(name).inputs
            if not names or not names <= set(inputs):
                return Feedback(False, f"at seed {seed} your function did not return some of {name}'s inputs "
                                       f"({', '.join(inputs)}).")
            score = simplify_score(world, name, tuple(names))
            if not score["within"]:
                return Feedback(False, f"at seed {seed}, {name} keeping {', '.join(sorted(names))} loses "
                                       f"{100 * (score['full_auc'] - score['auc']):.2f} AUC points, beyond the floor of "
                                       f"{100 * score['floor']:.2f}: delete less.")
            if name == "recommender" and score["deleted"] == 0:
                return Feedback(False, f"at seed {seed} your function keeps every input of the recommender; one of them "
                                       "adds nothing: delete what stays within the floor.")
            parts.append(score["score"])
    return Feedback(True, f"your simplify stays within the floor for both models at {len(seeds)} seeds; mean score "
                          f"{sum(parts) / len(parts):.2f} (each deletion counts as much as a gain of one floor).")


def _judge_simplify(prediction) -> str:
    from mldebt_lessons.lessons.other_debts.experiment import greedy_simplify
    kept = greedy_simplify(world_at(OTHER_SEED), "recommender")
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} the lesson's greedy loop keeps {len(kept)} of the "
            f"recommender's 3 inputs: {', '.join(kept)}.")


SOLUTION_SIMPLIFY = '''\
from mldebt_lessons.lessons.other_debts.experiment import auc_with, noise_floor
from mldebt_lessons.shop.models import model_spec


def simplify(world, name):
    kept = list(model_spec(name).inputs)
    full = auc_with(world, name, tuple(kept))
    while len(kept) > 1:
        # try deleting each input left; take the cheapest deletion if it stays within the floor
        trials = []
        for i in kept:
            rest = tuple(x for x in kept if x != i)
            trials.append((full - auc_with(world, name, rest), i, rest))
        lost, cheapest, rest = min(trials)
        if lost > noise_floor(world, name, rest):
            break
        kept.remove(cheapest)
    return kept


answer = simplify'''

IMPORTS = ("from mldebt_lessons.shop.world import build_world\n"
           "from mldebt_lessons.lessons.other_debts.experiment import (harm, models_to_redo, only_unpinned,\n"
           "    repro_spread, runbook_minutes)\n")

EXERCISES = (
    Exercise(
        "17.1", "What a year of birth typed as an age does",
        f"In `world = build_world({OTHER_SEED})`, a new sign-up form lets 5% of users type their year of birth as "
        "their age (`'birth_year'`). Set `answer` to the decisions it changes if no check stops the batch: "
        "`harm(world, 'birth_year').total`.",
        "harm(build_world(42), 'birth_year').total, from the experiment module.",
        IMPORTS + "answer = harm(build_world(42), 'birth_year').total",
        _check_birth_year,
        predict="The batch has 900 users; 5% of ages become a year of birth. Will it change under 10, tens, or "
                "hundreds of decisions across the four home models? Give a number.",
        judge_prediction=_judge_birth_year,
    ),
    Exercise(
        "17.2", "Only the order of the rows is free",
        f"In the world of seed {OTHER_SEED}, pin the seed and the snapshot and leave the order of the training rows "
        "free. Set `answer` to the share of churn decisions that flip between re-runs: "
        "`repro_spread(world, only_unpinned('order')).flipped`.",
        "repro_spread(build_world(42), only_unpinned('order')).flipped, from the experiment module.",
        IMPORTS + "answer = repro_spread(build_world(42), only_unpinned('order')).flipped",
        _check_order_flips,
        predict="Same rows, same seed, same snapshot; only their order differs. What share of the decisions flip: "
                "none, under 1%, or several percent? Give a share (0 to 1).",
        judge_prediction=_judge_order_flips,
    ),
    Exercise(
        "17.3", "The runbook after a change to device",
        "accounts_db changes how it records `device`. Every model that reads it, directly or through another "
        "model's score, must be retrained and redeployed in dependency order. Set `answer` to the human minutes "
        "that takes by hand, from the runbook's assumed minutes per step: "
        "`sum(runbook_minutes(world, models_to_redo(world, 'device')).values())`.",
        "models = models_to_redo(world, 'device'); then sum the values of runbook_minutes(world, models).",
        IMPORTS + "world = build_world(42)\nanswer = sum(runbook_minutes(world, models_to_redo(world, 'device')).values())",
        _check_device_minutes,
        predict="How many of the five models does a change to device force you to retrain? Give a number.",
        judge_prediction=_judge_device_minutes,
    ),
    Exercise(
        "17.4", "Write a data test of your own",
        "Write `new_accounts_check(reference, batch)`: two dicts of raw columns (the training rows, and tonight's "
        "batch) in, True for an alarm out. It must catch the sign-up reset (`'signup_reset'`), which the range check "
        "misses, by comparing the share of accounts under 30 days old with the reference's, and stay quiet on the "
        "clean batch and on faults that leave the sign-up dates alone. Set `answer = new_accounts_check`. The "
        "checker runs it on every batch at three seeds.",
        "p = share of reference['days_since_signup'] < 30; alarm when the batch's share is over p by more than a few "
        "standard errors, sqrt(p * (1 - p) / n).",
        SOLUTION_DATA_TEST,
        _check_data_test,
        predict=f"At seed {OTHER_SEED}, what share of the reference's accounts are under 30 days old, and what share "
                "in the reset batch? Give the second, as a share (0 to 1).",
        judge_prediction=_judge_data_test,
    ),
    Exercise(
        "17.5", "Write a simplify loop",
        "Write `simplify(world, name)` for a model name ('recommender' or 'churn_model'): return the inputs to keep. "
        "Delete inputs while the AUC lost against the full model stays within `noise_floor(world, name, kept)` "
        "(the floor for that comparison); `auc_with(world, name, kept)` retrains on `kept` and gives the AUC. "
        "Set `answer = simplify`. The checker runs it on both models at three seeds: it must stay within the floor, "
        "and must delete something from the recommender.",
        "Start from model_spec(name).inputs; in a loop, try each deletion, keep the cheapest if its loss is within "
        "the floor, stop when none is.",
        SOLUTION_SIMPLIFY,
        _check_simplify,
        predict=f"At seed {OTHER_SEED}, how many of the recommender's three inputs (session_count, device, country) "
                "will a greedy simplify keep? Give a number.",
        judge_prediction=_judge_simplify,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("The clickstream team starts sending session_count per week instead of per 30 days: every value shrinks "
       "by the same factor and stays a valid, in-range count. Which check on the nightly batch stops it?", [
        ("The range check, since weekly counts are far below the usual ones.", False,
         "A range check asks whether a value is allowed, not whether it is usual: weekly counts stay between 0 and "
         "the top of the range. In the nearest case measured, sign-up dates reset to valid values, the sanity "
         f"checks missed it in {_held('sanity_blind_reset')} worlds (sanity_blind_reset)."),
        ("A distribution test against the training rows, such as a KS test.", True,
         "Right: each value is valid, their mix is not. In the nearest case measured (sign-up dates reset to valid "
         f"values), decisions changed past the sanity checks: {_measured('sanity_blind_reset')} "
         "(sanity_blind_reset)."),
        ("The schema check, since the column's unit is part of its type.", False,
         "A count per week is still a number: a schema of names and types cannot see a unit.")],
       measured=True),
    _q("An export silently drops a random fifth of tonight's rows. Every value left is valid and the mix of "
       "each column is unchanged. Which of the five checks can notice?", [
        ("The KS and chi-square tests: a fifth fewer rows shifts every distribution.", False,
         "A random fifth leaves each column's mix as it was. In the lesson, the tests missed the repeated rows "
         f"and the empty session counts, whose mix hardly moved, in {_held('distribution_blind')} worlds "
         "(distribution_blind)."),
        ("The uniqueness check: users missing break the one-row-per-user rule.", False,
         "Uniqueness catches a user twice, not a user missing."),
        ("None of the five; a check of the row count against the usual volume.", True,
         "Right: each check sees only its kind of fault; in the lesson the distribution tests missed the "
         f"repeated rows in {_held('distribution_blind')} worlds (distribution_blind). Add a volume check.")],
       measured=True),
    _q("A team stores, for each training run, the seed, the code version and the set of row ids it read (not "
       "their order). Its model subsamples rows. What else must it pin for an exact re-run?", [
        ("Nothing: with the seed, code and rows fixed, the run is determined.", False,
         "The seed fixes which row positions are drawn, not which rows sit at those positions."),
        ("The order the rows are read in, e.g. by sorting them by id.", True,
         "Right: with the seed and the snapshot pinned and only the order free, re-runs flipped decisions in "
         f"{_held('each_source_flips')} worlds (each_source_flips); with all three pinned, none did, in "
         f"{_held('pinned_control')} worlds (pinned_control)."),
        ("The test set, since the decisions are measured on the test users.", False,
         "The test users only read out the model; they do not change how it is trained.")]),
    _q("Larkspur adds an offer picker trained on churn_model's score. The retention team retrains churn_model. "
       "What must the runbook now do?", [
        ("Retrain the offer picker after churn_model, on the new scores.", True,
         "Right: the graph gives the order, as fraud_model_es follows fraud_model "
         f"({_held('cascade_in_order')} worlds, cascade_in_order)."),
        ("Nothing more: the offer picker still reads the very same users.", False,
         "It was fitted on the old score; the new score is a changed input (CACE, one model up)."),
        ("Retrain both at the same time, in parallel, to save wall time.", False,
         "The offer picker must be fitted on the new churn_model's scores, so it has to wait for them.")]),
    _q("To save time, a team automates its runbook and drops the step that compares the new model with the live "
       "one. What has it done?", [
        ("Paid down process debt: fewer manual steps means fewer mistakes.", False,
         "Dropping a check is not automating it: a worse model now ships and nobody sees it."),
        ("Nothing much: the smoke test after deploying catches bad models.", False,
         "A smoke test checks that live decisions look sane, not that they are better than before."),
        ("Taken on debt: a worse model can now ship unseen.", True,
         "Right: automate the comparison, keep a person's sign-off on its result.")]),
    _q("Deleting an input from a model loses 0.1 AUC points, and the noise floor for that comparison is 0.4 "
       "points. What does a simplify culture do?", [
        ("Keep it: any loss is a loss, and an extra input is cheap.", False,
         "Inputs are not cheap: each is a dependency to monitor, version and explain."),
        ("Delete it, and reward it like a gain in accuracy.", True,
         "Right: a loss within noise is no measurable loss. Deleting country from the recommender stayed within "
         f"its floor in {_held('country_deletable')} worlds (country_deletable)."),
        ("Delete it only if the AUC rises when it is removed.", False,
         "That rewards luck: within the floor, a rise and a fall are both noise.")]),
    _q("In some worlds the simplify loop, staying within the noise floor, deletes an input of the churn model "
       "that the true churn process does use. What does that tell you?", [
        ("Those inputs are useless and the truth was wrong about them.", False,
         "The truth uses them; this test set is too small to show their effect apart from chance."),
        ("A floor says what the data can show, so measure on more users.", True,
         "Right: within the floor means 'not shown to matter', never 'shown not to matter'. The floor shrinks "
         "roughly as one over the square root of the number of test users, so a real but small effect needs more "
         "users to show."),
        ("The noise floor is a bad idea and must be set to zero.", False,
         "With no floor, every lucky rise counts and no input is ever deleted.")]),
)


LESSON = Lesson(
    id="17",
    slug="other_debts",
    title="The Other Debts: Data Testing, Reproducibility, Process and Culture",
    paper_section="§8",
    patterns=("data_testing_debt", "reproducibility_debt", "process_management_debt", "cultural_debt"),
    objectives=(
        "Run sanity checks (schema, range, nulls, uniqueness) and distribution tests on a nightly batch, and say "
        "which seeded fault each catches and what slips through to the models without them.",
        "Measure how far re-runs of the same training spread when the seed, the data order or the snapshot is "
        "left free, and show that pinning all three removes the spread.",
        "Count the human steps to retrain and redeploy every model in dependency order, and, from a runbook's stated "
        "minutes per step, what automating the common steps removes.",
        "Delete a model's dependencies while its quality stays within a measured noise floor, and reward it.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "the shop's models and graph (lesson 01)",
                   "what a KS test is (lesson 16)"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain the four debts §8 of 'Hidden Technical Debt in Machine Learning Systems' names "
        "(data testing, reproducibility, process management, cultural debt), with one example each.",
        "Walk me through making one model's training reproducible: which sources of randomness and data to pin "
        "(seed, row order, snapshot), how to check a re-run gives the same decisions, and what to store.",
        "Given my ML/LLM system (described below), help me audit its other debts: which data tests run on its "
        "inputs and which faults they would miss, whether a retraining can be reproduced exactly, how many manual "
        "steps a retrain-and-redeploy takes and in what order, and whether deleting a dependency is rewarded. "
        "Prioritise the first fix and say how to measure it.",
    ),
    key_points=(
        "Data needs tests like code: sanity checks (schema, range, nulls, uniqueness) catch bad values one by one; "
        "distribution tests catch a mix that has changed while every value stays valid. Each misses what the other "
        "catches, so run both before a batch reaches the models.",
        "A fault no check catches reaches the decisions (changed ones, or actions repeated), and only in the models "
        "that read the faulty column.",
        "Re-running the same training is not the same model unless the seed, the data order and the snapshot are "
        "all pinned; then the re-run flips no decision.",
        "Retraining is a process: the graph fixes the order (a model trained on another's score follows it), and "
        "automating the common steps leaves people the sign-off and the telling.",
        "Reward deleting a dependency as much as a gain in accuracy, as long as quality stays within a noise floor "
        "you measured. Within the floor means 'not shown to matter' on these users, not 'useless': re-check an "
        "input the domain says matters on more data before deleting it.",
    ),
    focus_nodes=("fraud_model", "recommender"),
    further_reading=(
        "D. Sculley, G. Holt, D. Golovin, E. Davydov, T. Phillips, D. Ebner, V. Chaudhary, M. Young, J.-F. Crespo "
        "and D. Dennison, 'Hidden Technical Debt in Machine Learning Systems', Advances in Neural Information "
        "Processing Systems 28 (NeurIPS 2015), §8.",
        "E. Breck, S. Cai, E. Nielsen, M. Salib and D. Sculley, 'The ML Test Score: A Rubric for ML Production "
        "Readiness and Technical Debt Reduction', IEEE International Conference on Big Data, 2017.",
        "N. Polyzotis, S. Roy, S. E. Whang and M. Zinkevich, 'Data Management Challenges in Production Machine "
        "Learning', tutorial at ACM SIGMOD 2017.",
        "E. Breck, N. Polyzotis, S. Roy, S. E. Whang and M. Zinkevich, 'Data Validation for Machine Learning', "
        "Proceedings of Machine Learning and Systems (MLSys) 2019.",
        "J. Pineau et al., 'Improving Reproducibility in Machine Learning Research (A Report from the NeurIPS 2019 "
        "Reproducibility Program)', Journal of Machine Learning Research 22(164), 2021.",
        "B. Efron and R. J. Tibshirani, 'An Introduction to the Bootstrap', Chapman & Hall, 1993.",
        "In this course: lesson 16 runs distribution tests on a live stream of days (monitoring); lesson 04 pins a "
        "versioned copy of a changing signal; lesson 05 runs leave-one-feature-out with a noise floor; lesson 02 "
        "measures the cascade fraud_model_es sits in; lesson 90 scores a system on the ML Test Score.",
    ),
)
