"""Lesson 04: unstable data dependencies (Sculley et al. 2015, §3)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from mldebt_lessons.course.answers import as_pair, as_text, is_number, within, you_guessed
from mldebt_lessons.course.claims import saved_count
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

BOT_SEED = 42  # exercise 04.1's world
TABLE_SEED = 7  # exercise 04.2's world
MIGRATE_SEED = 11  # exercise 04.3's world
MID_CYCLE = 5  # exercise 04.2's release: two releases after the last refresh


def _direction(prediction):
    """'up', 'down' or None, from whatever the learner wrote."""
    text = as_text(prediction)
    up = any(w in text for w in ("up", "worse", "higher", "larger", "bigger", "more", "hurt", "rise", "grow"))
    down = any(w in text for w in ("down", "better", "lower", "smaller", "less", "help", "fall", "drop"))
    return "up" if up and not down else "down" if down and not up else None


def _saved(claim_name):
    """(holds_at, seeds) of a claim as last measured across worlds, or None if not measured yet."""
    return saved_count(Path(__file__).parent, claim_name)


def _across(claim_name, text) -> str:
    held = _saved(claim_name)
    return f" {text.format(held=held[0], seeds=held[1])}" if held else ""


# --- 04.1: the bot fix, in another world ---

def _jump(seed, change, model, policy="live"):
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import jump_at_change
    return jump_at_change(world_at(seed), change, model, policy)


def _check_bot_jump(answer) -> Feedback:
    if not is_number(answer):
        return Feedback(False, "give one number: the recommender's error at release 4 minus at release 3, in points.")
    value = float(answer)
    truth = _jump(BOT_SEED, "bot_filter", "recommender")
    if within(value, truth, 0.01):
        way = "worse" if truth > 0 else "better"
        return Feedback(True, f"reading live, the recommender gets {way} by {abs(truth):.2f} points in the one release "
                              "the fix ships, with nothing in its own code changed and nothing raised."
                              + _across("bot_fix_moves_recommender",
                                        "Across worlds it gets worse in {held} of {seeds}: a fix upstream moves a "
                                        "model trained on the old meaning, in a direction nobody chose."))
    if within(value, _jump(None, "bot_filter", "recommender"), 0.01):
        return Feedback(False, f"that is the demo's world (seed 2015); measure in build_world({BOT_SEED}).")
    if within(value, _jump(BOT_SEED, "bot_filter", "churn_model"), 0.01):
        return Feedback(False, "that is churn_model's jump; the task asks about the recommender.")
    if within(-value, truth, 0.01):
        return Feedback(False, "right size, wrong sign: give release 4 minus release 3 (worse is positive).")
    if within(value, _jump(BOT_SEED, "bot_filter", "recommender", "pinned"), 0.01):
        return Feedback(False, "that is the pinned copy's move; the task asks about a live reader.")
    return Feedback(False, "not that; read the recommender's errors at releases 3 and 4 under the live policy.")


def _judge_bot_jump(prediction) -> str:
    truth = _jump(BOT_SEED, "bot_filter", "recommender")
    said = _direction(prediction)
    actual = "up" if truth > 0 else "down"
    head = f"you said {said}: {'right' if said == actual else 'not so'}; " if said else ""
    return (f"{head}in build_world({BOT_SEED}) its error goes {actual} by {abs(truth):.2f} points at the fix. "
            "Nobody can tell the sign in advance without measuring: the model learned the old meaning.")


# --- 04.2: which policy, mid-cycle ---

def _mid_cycle_errors():
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import POLICIES, release_errors
    world = world_at(TABLE_SEED)
    return {p: release_errors(world, "currency_table", p)["ltv_model"][MID_CYCLE] for p in POLICIES}


def _check_mid_cycle(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not isinstance(pair[0], str) or not is_number(pair[1]):
        return Feedback(False, "give a pair: (policy, ltv_model's error in £), for example ('pinned', 30.0).")
    policy, value = pair[0], float(pair[1])
    errors = _mid_cycle_errors()
    if policy not in errors:
        return Feedback(False, f"the policies are: {', '.join(errors)}.")
    best = min(errors, key=lambda p: (errors[p], p))
    if policy != best:
        return Feedback(False, f"under '{policy}' ltv_model's error is £{errors[policy]:.2f} at release {MID_CYCLE}; "
                               "another policy does better. Which reader's table is the newest one it can read right?")
    if not within(value, errors[best], 0.05):
        return Feedback(False, f"'{best}' is the right policy; now give its error at release {MID_CYCLE}, in £.")
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import reading
    refreshed_at = reading("refresh", MID_CYCLE)[1]
    return Feedback(True, f"'{best}' gives £{errors[best]:.2f} at release {MID_CYCLE}; pinned £{errors['pinned']:.2f}, "
                          f"live £{errors['live']:.2f}. The live reader misreads the new convention; the pinned one "
                          f"reads a table {MID_CYCLE} months old; the refreshing one reads a table "
                          f"{MID_CYCLE - refreshed_at} months old, the right way. A refresh schedule bounds how old "
                          "the copy can get.")


def _judge_mid_cycle(prediction) -> str:
    errors = _mid_cycle_errors()
    best = min(errors, key=lambda p: (errors[p], p))
    text = as_text(prediction)
    said = next((p for p in errors if p in text), None)
    head = f"you said '{said}': {'right' if said == best else 'not so'}; " if said else ""
    return f"{head}at release {MID_CYCLE} the smallest error is '{best}' (£{errors[best]:.2f})."


# --- 04.3: migrate or stay? ---

def _migration_gap(seed):
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import LAST, release_errors
    world = world_at(seed)
    refresh = release_errors(world, "fraud_retrain", "refresh")["fraud_model_es"][LAST]
    pinned = release_errors(world, "fraud_retrain", "pinned")["fraud_model_es"][LAST]
    return refresh - pinned


def _check_migration(answer) -> Feedback:
    if not is_number(answer):
        return Feedback(False, "give one number: fraud_model_es's error at the last release, refresh minus pinned, "
                               "in points.")
    value, truth = float(answer), _migration_gap(MIGRATE_SEED)
    if within(value, truth, 0.01):
        verdict = ("migrating made it worse here: the new version was not made for Spain" if truth > 0 else
                   "migrating helped here, once it was retrained on the new score")
        return Feedback(True, f"refresh minus pinned is {truth:+.2f} points: {verdict}."
                              + _across("refresh_to_new_fraud_model_costs",
                                        "Across worlds migrating costs in {held} of {seeds}: measure before you move."))
    if within(-value, truth, 0.01):
        return Feedback(False, "right size, wrong sign: give refresh minus pinned.")
    if within(value, _migration_gap(None), 0.01):
        return Feedback(False, f"that is the demo's world (seed 2015); measure in build_world({MIGRATE_SEED}).")
    return Feedback(False, "not that; take fraud_model_es's errors at the last release under 'refresh' and 'pinned'.")


def _judge_migration(prediction) -> str:
    truth = _migration_gap(MIGRATE_SEED)
    said = _direction(prediction)
    actual = "up" if truth > 0 else "down"
    words = {"up": "hurt", "down": "help"}
    head = f"you said it would {words[said]}: {'right' if said == actual else 'not so'}; " if said else ""
    return f"{head}in build_world({MIGRATE_SEED}) migrating moves its error by {truth:+.2f} points."


# --- 04.4: write the release monitor ---

@functools.lru_cache(maxsize=1)
def _monitor_cases():
    """(name, trained, served, expected) for the checker: every change, policy and release at three seeds,
    and a few hand-made signals."""
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import (
        CHANGES,
        POLICIES,
        RELEASES,
        signal_columns,
        signal_moved,
    )
    cases = []
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for change in CHANGES:
            for policy in POLICIES:
                for release in range(RELEASES):
                    trained, served = signal_columns(world, change, policy, release)
                    cases.append((f"{change}, {policy}, release {release}, seed {seed}", trained, served,
                                  signal_moved(trained, served)))
    flat = np.full(5, 3.0)
    cases += [("a constant signal that stays put", flat, flat.copy(), False),
              ("a constant signal that moves", flat, flat + 1.0, True),
              ("a signal shifted down by a whole standard deviation", np.arange(10.0), np.arange(10.0) - 2.9, True)]
    return cases


def _check_monitor(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "put the function itself in `answer` (answer = signal_alarm), not its result.")
    fired = 0
    for name, trained, served, expected in _monitor_cases():
        try:
            result = answer(trained.copy(), served.copy())
        except Exception as error:
            return Feedback(False, f"on {name}, your function raised {type(error).__name__}: {error}.")
        if not isinstance(result, (bool, np.bool_)):
            return Feedback(False, f"on {name} it returned {type(result).__name__}; return True or False.")
        if bool(result) != expected:
            should = "fire" if expected else "stay quiet"
            return Feedback(False, f"on {name} it should {should}, and it did not.")
        fired += expected
    return Feedback(True, f"it fires exactly where the signal moved ({fired} times over every change, policy and "
                          "release at three seeds) and stays quiet elsewhere, with no labels needed. Run it on every "
                          "upstream release before a model reads it: the break stops being silent.")


def _judge_monitor(prediction) -> str:
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import RELEASES, signal_columns, signal_moved
    world = world_at()
    fires = [r for r in range(RELEASES) if signal_moved(*signal_columns(world, "bot_filter", "pinned", r))]
    head = you_guessed(prediction)
    where = f" (releases {', '.join(map(str, fires))})" if fires else ""
    return (f"{head}on the pinned copy of session_count it fires at {len(fires)} of {RELEASES} releases{where}: "
            "a pinned copy never breaks, but it can drift far enough to deserve an alarm.")


EXERCISES = (
    Exercise(
        "04.1", "The bot fix, in another world",
        f"The explorer shows one world (seed 2015). Take `build_world({BOT_SEED})`, the bot fix, and the live "
        "policy: by how many points does the recommender's error jump in the release the fix ships? Put its error "
        "at release 4 minus its error at release 3 in `answer` (worse is positive).",
        "`from mldebt_lessons.lessons.unstable_data_dependencies.experiment import release_errors`; "
        "`release_errors(world, 'bot_filter', 'live')['recommender']` is its error at each release, 0 to 6.",
        f"""from mldebt_lessons.lessons.unstable_data_dependencies.experiment import release_errors
from mldebt_lessons.shop.world import build_world

errors = release_errors(build_world({BOT_SEED}), "bot_filter", "live")["recommender"]
answer = errors[4] - errors[3]
""",
        _check_bot_jump,
        predict="Before you measure: will the recommender's error go up or down at the fix in this world?",
        judge_prediction=_judge_bot_jump),
    Exercise(
        "04.2", "Which policy, mid-cycle?",
        f"In `build_world({TABLE_SEED})`, under the currency table change, at release {MID_CYCLE}: which policy "
        "gives ltv_model the smallest error against the truth, and what is that error? Put `(policy, error in £)` "
        "in `answer`.",
        "`release_errors(world, 'currency_table', policy)['ltv_model'][5]` for each policy in `POLICIES` "
        "(both from `mldebt_lessons.lessons.unstable_data_dependencies.experiment`).",
        f"""from mldebt_lessons.lessons.unstable_data_dependencies.experiment import POLICIES, release_errors
from mldebt_lessons.shop.world import build_world

world = build_world({TABLE_SEED})
errors = {{policy: release_errors(world, "currency_table", policy)["ltv_model"][{MID_CYCLE}] for policy in POLICIES}}
best = min(errors, key=errors.get)
answer = (best, errors[best])
""",
        _check_mid_cycle,
        predict=f"Before you measure: which policy do you expect to win at release {MID_CYCLE}: live, pinned or "
                "refresh?",
        judge_prediction=_judge_mid_cycle),
    Exercise(
        "04.3", "Migrate or stay?",
        f"In `build_world({MIGRATE_SEED})`, the payments team's retrain: fraud_model_es can stay on its pinned copy "
        "of the old fraud_model, or move to the new one at the scheduled refresh (release 6) and retrain. At the last "
        "release, what is its error under 'refresh' minus under 'pinned', in points? Put the number in `answer`.",
        "`release_errors(world, 'fraud_retrain', policy)['fraud_model_es'][LAST]` for 'refresh' and 'pinned'; "
        "`LAST` comes from the same module.",
        f"""from mldebt_lessons.lessons.unstable_data_dependencies.experiment import LAST, release_errors
from mldebt_lessons.shop.world import build_world

world = build_world({MIGRATE_SEED})
refresh = release_errors(world, "fraud_retrain", "refresh")["fraud_model_es"][LAST]
pinned = release_errors(world, "fraud_retrain", "pinned")["fraud_model_es"][LAST]
answer = refresh - pinned
""",
        _check_migration,
        predict="Before you measure: will moving to the new fraud_model help or hurt fraud_model_es here?",
        judge_prediction=_judge_migration),
    Exercise(
        "04.4", "Write the release monitor",
        "Ground-truth labels arrive weeks late, but a signal can be checked the day a release lands. Write "
        "`signal_alarm(trained, served)`: given the signal as the model was trained on it and as it is served now "
        "(two 1-D numpy arrays), return True when the served mean has moved by more than 0.25 standard deviations of "
        "the trained signal (`np.std(trained)`), else False. Put the function itself in `answer`; the checker runs "
        "it on every change, policy and release in three worlds.",
        "`abs(np.mean(served) - np.mean(trained)) > 0.25 * np.std(trained)`; return a plain bool. To try it: "
        "`signal_columns(world, 'bot_filter', 'live', 4)` (from the lesson's experiment module) gives a "
        "(trained, served) pair.",
        """import numpy as np


def signal_alarm(trained, served):
    return bool(abs(np.mean(served) - np.mean(trained)) > 0.25 * np.std(trained))


answer = signal_alarm
""",
        _check_monitor,
        predict="Before you write it: in the demo's world, on the PINNED copy of session_count, at how many of the "
                "7 releases will your alarm fire?",
        judge_prediction=_judge_monitor),
)

# Options of comparable length; the right one is the longest in at most a third of the questions.
QUIZ = (
    Question("What makes a data dependency unstable, in the paper's sense?", (
        Option("Its values or meaning change, and another team decides when", True,
               "The reader does not own the signal: its owner changes it for their own good reasons, on their own "
               "schedule, and the reader's model was trained on what it used to mean."),
        Option("It has many missing values the model must fill in", False,
               "Missing values are a data-quality problem the reader can see and handle; instability is about "
               "change over time, owned by someone else."),
        Option("More than one model reads it, so they are entangled", False,
               "Sharing a signal makes a change reach further (lesson 01), but a signal read by one model can be "
               "just as unstable."),
        Option("The code that computes it has never been reviewed", False,
               "Reviewed or not, a signal is unstable when its owner changes it; a careful, reviewed fix is exactly "
               "what breaks the readers here."),
    )),
    Question("Predict: finance switches its table to euros per pound at release 4, and every model reads it live. "
             "Which of these models keeps exactly its release-0 error at release 4?", (
        Option("fraud_model: its trees only see the order of values", False,
               "Trees care only about order, but the switch rescales euro baskets and leaves pound baskets alone, "
               "so the order between UK and euro customers changes: the claims table shows fraud_model worse at "
               "once in every world measured."),
        Option("churn_model: nothing it reads is below the table", True,
               "churn_model reads user_age, session_count, days_since_signup and device, none of them below the "
               "table. The claims table shows every such control exactly unchanged, under every change and policy, "
               "in every world measured."),
        Option("fraud_model_es: it only reads the home model's score", False,
               "It reads avg_basket_value itself as well as fraud_model's score, so the switch reaches it by two "
               "paths; the claims table says in how many worlds it got worse at once."),
        Option("ltv_model: the switch leaves every UK basket alone", False,
               "Every euro customer's basket is now wrong, and that is enough: the claims table shows ltv_model's "
               "error jumping at the switch in every world measured."),
    ), measured=True),
    Question("Predict: at the last release, finance's table has used the new convention for three releases, and the "
             "euro has drifted for six. For ltv_model, which read of the table costs more by then?", (
        Option("The pinned copy: six months of drift outweigh three", False,
               "The euro drifts by a few percent; reading euros per pound as pounds per euro inflates every euro "
               "basket by far more. The claims table shows live worse than pinned here in every world measured."),
        Option("Neither: a ridge model absorbs a change of scale", False,
               "Only if it were retrained on the new scale. A fitted model multiplies what it is given by the "
               "weights it learned, so a rescaled input moves every prediction."),
        Option("Reading live: the misread convention costs more", True,
               "The claims table shows it in every world measured. The pinned copy is stale, but a few percent off; "
               "the live reader multiplies by the wrong number altogether. Staleness is a price; a silent break "
               "is usually a bigger one."),
        Option("Both cost the same: a wrong rate is a wrong rate", False,
               "Wrong by how much matters: a month's drift of the euro against reading the table upside down."),
    ), measured=True),
    Question("A copy of session_count pinned at release 0 never breaks. Why does churn_model still get worse over "
             "the releases?", (
        Option("Bot traffic grows, so the old definition drifts from reality", True,
               "The pinned definition counts bot sessions, and there are more every month: the copy describes "
               "the users less well as time passes. The claims table shows churn_model worse at the last release "
               "than at release 0 in every world measured: the staleness cost of versioning."),
        Option("Every copy ages, whatever the world does", False,
               "A copy ages only against a world that moves. A copy of fraud_model pinned at release 0 costs "
               "fraud_model_es exactly nothing (see the claims table): Spain's users and their fraud hold still."),
        Option("A model slowly forgets what it learned", False,
               "Its weights are fixed; the same inputs give the same outputs. Its inputs are what moved."),
        Option("The web team quietly stops publishing the old version", False,
               "The old version is kept for the pinned readers: that is the agreement. Keeping it is part of "
               "versioning's price."),
    )),
    Question("The payments team's new fraud_model is better by their own measure. Should fraud_model_es move to it "
             "at once?", (
        Option("Yes: an upstream improvement helps every reader", False,
               "The new version was made for the payments team's own queue; a reader that learned the old scores "
               "can get worse, and does in some worlds even after retraining."),
        Option("Only after measuring it on its own data", True,
               "In the lesson, moving to the new version leaves fraud_model_es worse than staying pinned in some "
               "worlds and better in others (the claims table gives the count): measure before you migrate."),
        Option("No: a reader should never change what it reads", False,
               "Then it pays staleness forever wherever the world moves, and keeps the old version alive at a cost."),
        Option("Yes, if the output keeps the same column name", False,
               "The name was kept in every change of this lesson; the meaning was not."),
    )),
    Question("Models that read nothing below the changed signal did not move at all. What does that control show?", (
        Option("The changes were too small to matter", False,
               "Each change made at least one reader worse at once in every world measured (the claims table), "
               "and the controls still did not move."),
        Option("Every move in a reader comes from what it reads", True,
               "Same data, same models, same seeds: the only difference is the changed signal, so the readers' moves "
               "are its effect, not noise."),
        Option("Those models are simply better built than the readers", False,
               "They are built the same ways (logistic regression, ridge, trees); they just read other signals."),
        Option("Pinning protects every model in the whole shop", False,
               "They did not move under live reading either: they never read the signal."),
    )),
    Question("What does the paper suggest for unstable data dependencies, and at what price?", (
        Option("Read every signal live, so models see the newest data", False,
               "That is the setting that breaks silently when an owner changes a meaning."),
        Option("Retrain every model each night on whatever arrives", False,
               "Retraining on a changed signal can fix the break, but only if someone knows the meaning changed, "
               "and the model still moves at every release."),
        Option("A versioned copy: it costs staleness and upkeep", True,
               "The paper suggests a frozen, versioned copy of the signal, used until an update has been vetted, and "
               "names its costs: staleness, and maintaining several versions. The lesson measured both."),
        Option("Stop using any signal another team owns", False,
               "Most useful signals belong to someone else; the point is to depend on them on purpose."),
    )),
)

LESSON = Lesson(
    id="04",
    slug="unstable_data_dependencies",
    title="Unstable Data Dependencies: When Another Team's Fix Breaks Your Model",
    paper_section="§3",
    patterns=("unstable_data_dependency",),
    objectives=(
        "Recognise an unstable data dependency: a signal whose meaning or values another team changes over time "
        "(a fix to a definition, an updated lookup table such as finance's exchange rates, another model's output).",
        "Measure, release by release and against the ground truth, the silent break a change upstream causes in "
        "models that read it live.",
        "Measure the price of versioning: a pinned copy never breaks but can drift from a changing world, and a "
        "refresh on schedule, by agreement, bounds how old the copy gets.",
        "Write a release monitor that flags a moved signal the day it lands, without labels.",
        "Name the paper's remedy, a versioned copy of each signal, and its costs: staleness and upkeep.",
    ),
    minutes=45,
    prerequisites=("01_entanglement_cace.ipynb", "what a classifier's predicted probability is"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what unstable data dependencies are in 'Hidden Technical Debt in Machine Learning "
        "Systems', why even an improvement to an input signal can hurt a model that reads it, and why data "
        "dependencies cost more than code dependencies.",
        "Walk me through, step by step, what happens in a system like Larkspur's when another team changes a signal "
        "a model reads: a fix to session_count's definition, a new convention in an exchange-rate table, a retrained "
        "upstream model. Compare reading live, reading a pinned versioned copy, and refreshing the copy on a "
        "schedule: what each costs, and how to decide when to refresh.",
        "Given my ML/LLM system (described below), help me audit it for unstable data dependencies: list every "
        "signal my models read that another team owns (features, lookup tables, embeddings, other models' outputs, "
        "hosted LLMs), how each can change without notice, which are versioned or pinned, and what monitoring would "
        "catch a change the day it lands. Then prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "A data dependency is unstable when the signal's owner can change its values or meaning: a fix to a "
        "definition, an updated lookup table, a retrained upstream model. The column keeps its name and type, so "
        "nothing raises an error.",
        "A model trained on the old meaning and served the new one moves silently at the release the change ships: "
        "in every world measured, each of the three changes made at least one live reader worse at once, and even "
        "a real improvement upstream (bots removed) did.",
        "A versioned, pinned copy never breaks, but it has a price: where the world moves (bot traffic, exchange "
        "rates) the copy drifts from reality, and the models reading it pay for it (for session_count, in every "
        "world measured); where the world holds still it costs nothing but its upkeep.",
        "Refreshing the copy on a schedule, by agreement with the owner (read the new version the right way, then "
        "retrain), bounds how old the copy gets; it usually, not always, beats the old copy, and whether to move to "
        "a new version at all is a decision to measure, not a default.",
        "Measure with a control: models that read nothing below the change do not move at all.",
        "A release monitor on the signal itself (has its distribution moved?) needs no labels, so it can stop a "
        "silent break on the day the release lands.",
    ),
    focus_nodes=("session_count", "avg_basket_value", "fraud_model"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §3 (data dependencies "
        "cost more than code dependencies; unstable data dependencies; versioned copies of signals).",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness', IEEE BigData 2017 (monitoring "
        "tests: dependency changes result in notification; data invariants hold for inputs).",
        "E. Breck et al., 'Data Validation for Machine Learning', SysML 2019 (checking each new batch of data "
        "against a schema and the training data before a model reads it).",
    ),
)
