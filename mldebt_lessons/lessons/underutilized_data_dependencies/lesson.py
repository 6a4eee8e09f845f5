"""Lesson 05: underutilized data dependencies (Sculley et al. 2015, §3)."""

from __future__ import annotations

import re

from mldebt_lessons.course.answers import as_pair, as_text, is_number, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # exercises 05.1 and 05.2 ask about this world, not the demo's
CREDIT_SEED = 1  # exercise 05.3 asks about this world
ROUNDING = 0.02  # thousandths: a measured answer may be rounded to two decimals
COUNT_SEED = 2  # exercise 05.4's prediction asks about this world (its checker runs at SEEDS[:3])


# --- 05.1: which candidate earns the most, in another world ---

def _gains(seed):
    from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
        ALL_FEATURES, CANDIDATE_NAMES, leave_one_out)
    world = world_at(seed)
    return {name: leave_one_out(world, ALL_FEATURES, name).gain for name in CANDIDATE_NAMES}


def _check_best_gain(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not isinstance(pair[0], str) or not is_number(pair[1]):
        return Feedback(False, "give a pair: (candidate, its gain in thousandths), for example ('scroll_depth', 0.5).")
    gains = _gains(OTHER_SEED)
    name, value = pair[0], float(pair[1])
    if name not in gains:
        return Feedback(False, f"the candidates are: {', '.join(gains)}.")
    best = max(gains, key=gains.get)
    if name != best:
        return Feedback(False, f"'{name}' gains {gains[name]:+.2f} in build_world({OTHER_SEED}); another candidate "
                               "gains more.")
    demo = _gains(None)[best]
    if abs(value - demo) < 0.01 and abs(value - gains[best]) >= 0.01:
        return Feedback(False, f"that is the demo's world; measure in build_world({OTHER_SEED}).")
    if abs(value - gains[best]) >= 0.01:
        return Feedback(False, f"'{best}' is right; now give its gain as leave_one_out measures it.")
    return Feedback(True, f"'{best}' gains {gains[best]:+.2f} thousandths here too: the one bundle member that "
                          "tells the model something it cannot see in a straight line of session_count.")


def _judge_best_gain(prediction) -> str:
    gains = _gains(OTHER_SEED)
    best = max(gains, key=gains.get)
    said = next((n for n in gains if n in as_text(prediction)), None)
    head = f"you named {said}: {'right' if said == best else 'not so'}; " if said else ""
    return f"{head}in build_world({OTHER_SEED}) the largest gain is {best}'s, {gains[best]:+.2f} thousandths."


# --- 05.2: fragility of one subset, in another world ---

SUBSET_05_2 = ("inactive_30d", "member_over_a_year", "catalogue_subscriber")


def _fragility(seed):
    from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import BASE_INPUTS, model_quality
    return model_quality(world_at(seed), BASE_INPUTS + SUBSET_05_2).fragility


def _check_fragility(answer) -> Feedback:
    if not is_number(answer):
        return Feedback(False, "give one number: the rise in excess log loss a year later, in thousandths.")
    truth = _fragility(OTHER_SEED)
    if abs(float(answer) - _fragility(None)) < 0.01 and abs(float(answer) - truth) >= 0.01:
        return Feedback(False, f"that is the demo's world; measure in build_world({OTHER_SEED}).")
    if abs(float(answer) + truth) < 0.01:
        return Feedback(False, "right size, wrong sign: later minus today.")
    if abs(float(answer) - truth) >= 0.01:
        return Feedback(False, "read `fragility` of model_quality(world, BASE_INPUTS + the three candidates).")
    return Feedback(True, f"it loses {truth:.2f} thousandths a year later, all of it through catalogue_subscriber: "
                          "inactive_30d and the badge do not change, the catalogue's link to age does.")


def _judge_fragility(prediction) -> str:
    truth = _fragility(OTHER_SEED)
    head = you_guessed(prediction)
    return f"{head}it rises by {truth:.2f} thousandths in build_world({OTHER_SEED})."


# --- 05.3: the catalogue flag's credit today against its cost a year later, in another world ---

def _credit(seed):
    """(gain today, gain a year later, user_age's weight without the flag, with it) of the catalogue flag."""
    from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
        BASE_INPUTS, coefficient, model_quality)
    world = world_at(seed)
    with_flag = BASE_INPUTS + ("catalogue_subscriber",)
    never, flag = model_quality(world, BASE_INPUTS), model_quality(world, with_flag)
    return (never.loss_now - flag.loss_now, never.loss_later - flag.loss_later,
            coefficient(world, BASE_INPUTS, "user_age"), coefficient(world, with_flag, "user_age"))


def _check_credit(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not all(is_number(x) for x in pair):
        return Feedback(False, "give a pair of numbers: (gain today, gain a year later), in thousandths.")
    today, later, age_without, age_with = _credit(CREDIT_SEED)
    a, b = float(pair[0]), float(pair[1])
    demo = _credit(None)
    if (within(a, demo[0], ROUNDING) and within(b, demo[1], ROUNDING)
            and not (within(a, today, ROUNDING) and within(b, later, ROUNDING))):
        return Feedback(False, f"that is the demo's world; measure in build_world({CREDIT_SEED}).")
    if within(a, later, ROUNDING) and within(b, today, ROUNDING) and not within(today, later, ROUNDING):
        return Feedback(False, "swapped: today's gain first, then a year later's.")
    if within(a, -today, ROUNDING) and within(b, -later, ROUNDING) and not within(today, 0.0, ROUNDING):
        return Feedback(False, "right sizes, wrong signs: a gain is the loss without the flag minus the loss with it.")
    if not within(a, today, ROUNDING):
        return Feedback(False, "today's gain is off: loss_now of today's inputs minus loss_now with the flag added.")
    if not within(b, later, ROUNDING):
        return Feedback(False, "a year later's gain is off: the same difference, with loss_later.")
    if later < 0:
        verdict = (f"a year later the model that read the flag is worse than one that never did, by {-later:.2f}"
                   + (", more than the flag ever gained." if -later > today else "."))
    else:
        verdict = "a year later it still helps here."
    return Feedback(True, f"today the flag gains {today:+.2f}; {verdict} Why: user_age's weight is "
                          f"{age_without:.3f} without the flag and {age_with:.3f} with it. The flag took part of "
                          "age's credit; a year later the catalogue goes to a random half, and that credit "
                          "points at nothing.")


def _judge_credit(prediction) -> str:
    today, later, *_ = _credit(CREDIT_SEED)
    text = as_text(prediction)
    said = "more" if re.search(r"\bmore\b", text) else "less" if re.search(r"\bless\b", text) else None
    truth = "more" if -later > today else "less"
    head = f"you said {said}: {'right' if said == truth else 'not so'}; " if said else ""
    return (f"{head}in build_world({CREDIT_SEED}) the flag gains {today:+.2f} today, and a year later the model "
            f"with it is {abs(later):.2f} {'worse' if later < 0 else 'better'} than the model that never read it.")


# --- 05.4: write leave-one-feature-out ---

def _check_lofo(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import (
        ALL_FEATURES, CANDIDATE_NAMES, model_quality)
    if not callable(answer):
        return Feedback(False, "put the function itself in `answer` (answer = leave_one_out_gains), not its result.")
    first = None
    for seed in SEEDS[:3]:
        world = world_at(seed)
        try:
            result = answer(world, list(ALL_FEATURES))
        except Exception as error:
            return Feedback(False, f"at seed {seed}, your function raised {type(error).__name__}: {error}.")
        if not isinstance(result, dict) or set(result) != set(ALL_FEATURES):
            return Feedback(False, f"at seed {seed} it returned {type(result).__name__}; return a dict with one "
                                   "entry per feature of the model.")
        full = model_quality(world, ALL_FEATURES).loss_now
        for name in ALL_FEATURES:
            want = model_quality(world, [f for f in ALL_FEATURES if f != name]).loss_now - full
            if not is_number(result[name]) or abs(float(result[name]) - want) > 1e-6:
                return Feedback(False, f"at seed {seed}, the gain of {name} should be {want:+.3f} (loss without "
                                       f"minus loss with); yours is {result[name]!r}.")
        first = result if first is None else first
    kept = [n for n in CANDIDATE_NAMES if float(first[n]) > 0]
    return Feedback(True, f"it matches at three seeds. At seed {SEEDS[0]} it would keep {', '.join(kept) or 'none'} "
                          "of the candidates on gain alone; the noise floor says which gains to trust, and no "
                          "gain says what the world will change. Run it on a schedule, not once.")


def _judge_lofo(prediction) -> str:
    from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import ALL_FEATURES, model_quality
    world = world_at(COUNT_SEED)
    full = model_quality(world, ALL_FEATURES).loss_now
    negative = sum(model_quality(world, [f for f in ALL_FEATURES if f != n]).loss_now - full < 0 for n in ALL_FEATURES)
    head = you_guessed(prediction)
    return (f"{head}in build_world({COUNT_SEED}), {negative} of the {len(ALL_FEATURES)} features have a negative "
            "gain: the model is better without them.")


EXERCISES = (
    Exercise(
        "05.1", "Which candidate earns the most, in another world?",
        f"In `build_world({OTHER_SEED})`, leave each candidate out of the model with every feature, one at a "
        "time. Put `(candidate, its gain)` for the one with the largest gain in `answer`, the gain in thousandths "
        "as `leave_one_out` reports it.",
        "`from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import ALL_FEATURES, "
        "CANDIDATE_NAMES, leave_one_out`; `leave_one_out(world, ALL_FEATURES, name).gain`.",
        f"""from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import ALL_FEATURES, CANDIDATE_NAMES, leave_one_out
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
gains = {{name: leave_one_out(world, ALL_FEATURES, name).gain for name in CANDIDATE_NAMES}}
best = max(gains, key=gains.get)
answer = (best, gains[best])
""",
        _check_best_gain,
        predict=f"Which candidate will gain the most in build_world({OTHER_SEED})? Name one.",
        judge_prediction=_judge_best_gain),
    Exercise(
        "05.2", "How fragile is this choice?",
        f"In `build_world({OTHER_SEED})`, take today's inputs plus {', '.join(SUBSET_05_2)}. By how much does its "
        "excess log loss rise a year later? Put that number (later minus today, thousandths) in `answer`.",
        "`from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import BASE_INPUTS, model_quality`; "
        "`model_quality(world, BASE_INPUTS + (...)).fragility`.",
        f"""from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import BASE_INPUTS, model_quality
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
answer = model_quality(world, BASE_INPUTS + {SUBSET_05_2!r}).fragility
""",
        _check_fragility,
        predict="Will it get worse a year later, and by more or less than 1 thousandth? Give a number.",
        judge_prediction=_judge_fragility),
    Exercise(
        "05.3", "Credit today, cost a year later",
        f"In `build_world({CREDIT_SEED})`, compare two models: today's inputs only, and today's inputs plus "
        "`catalogue_subscriber`. The flag's *gain* is the loss without it minus the loss with it. Put "
        "`(gain today, gain a year later)` in `answer`, in thousandths: `loss_now` for today, `loss_later` for a "
        "year later.",
        "`from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import BASE_INPUTS, model_quality`; "
        "`never = model_quality(world, BASE_INPUTS)`, `flag = model_quality(world, BASE_INPUTS + "
        "('catalogue_subscriber',))`; then `never.loss_now - flag.loss_now` and the same with `loss_later`.",
        f"""from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import BASE_INPUTS, model_quality
from mldebt_lessons.shop.world import build_world

world = build_world({CREDIT_SEED})
never = model_quality(world, BASE_INPUTS)
flag = model_quality(world, BASE_INPUTS + ("catalogue_subscriber",))
answer = (never.loss_now - flag.loss_now, never.loss_later - flag.loss_later)
""",
        _check_credit,
        predict="Will the flag cost the model more a year later than it gains today, or less? Say 'more' or "
                "'less'.",
        judge_prediction=_judge_credit),
    Exercise(
        "05.4", "Write leave-one-feature-out",
        "Write `leave_one_out_gains(world, features)`: for each feature, refit without it and return a dict "
        "{feature: loss without it minus loss with all}, the loss being `model_quality(world, ...).loss_now`. "
        "Put the function itself in `answer`; the checker runs it at three seeds.",
        "`from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import model_quality`; compute "
        "the full model's loss once, then one `model_quality` per feature with that feature removed from the list.",
        """from mldebt_lessons.lessons.underutilized_data_dependencies.experiment import model_quality


def leave_one_out_gains(world, features):
    full = model_quality(world, features).loss_now
    return {name: model_quality(world, [f for f in features if f != name]).loss_now - full for name in features}


answer = leave_one_out_gains
""",
        _check_lofo,
        predict=f"With all ten inputs, in build_world({COUNT_SEED}): how many of the ten will have a negative gain "
                "(the model is better without them)? Give a number.",
        judge_prediction=_judge_lofo),
)

QUIZ = (
    Question("What makes a data dependency underutilized?", (
        Option("It adds little or no value to the model", True,
               "And every input still costs: a team can change it, a system can stop filling it."),
        Option("It is read by fewer than two models at once", False,
               "How many models read it says nothing about what it is worth to each."),
        Option("It is computed too slowly for online serving", False,
               "That is a performance cost; the debt here is value against fragility."),
        Option("Its owner has not documented its meaning", False,
               "That is visibility or static-analysis debt; an input can be documented and useless."),
    )),
    Question("Predict: a year later, the legacy code arrives blank and the catalogue goes out at random. What "
             "happens to a model with today's inputs plus the whole engagement bundle?", (
        Option("It gets worse: two of its members are useless", False,
               "Useless is not fragile: a feature that adds nothing costs a little today, but only a change to "
               "what a model reads can move it later."),
        Option("Its loss moves by exactly zero, not at all", True,
               "The bundle reads only the clickstream, which did not change: same inputs, same scores. The claims "
               "table shows every choice that reads neither changed feature moving by exactly 0, in every world."),
        Option("It gets a little worse, like every model", False,
               "Only a model that reads a changed input can move; this one reads none."),
        Option("It improves as noise leaves the data", False,
               "Nothing it reads changed, so nothing about it can change, better or worse."),
    ), measured=True),
    Question("Predict: add the catalogue flag to today's inputs and refit. What happens to user_age's weight?", (
        Option("It stays the same: the flag adds separate signal", False,
               "The flag has no signal of its own about churn: all it carries, it borrows from age."),
        Option("It shrinks: the flag takes some of age's credit", True,
               "In every world measured: the flag co-moves with age, so the model splits age's signal between "
               "them. A year later the flag's share points at a random half of customers."),
        Option("It grows: the flag sharpens what age says", False,
               "The flag is a noisy echo of age; it cannot make age's own signal stronger, only share it."),
        Option("It drops to zero: the flag replaces age", False,
               "The flag is a noisy copy, so age keeps most of its weight; the flag takes only a share."),
    ), measured=True),
    Question("Why does the legacy platform code gain nothing?", (
        Option("Its values are mostly missing", False, "It is filled for everyone today; it is simply redundant."),
        Option("It says exactly what device already says", True,
               "A duplicate: the model splits device's weight between the two, so the old one going blank "
               "moves its scores."),
        Option("Logistic regression ignores codes", False,
               "Codes become one-hot columns, as device does."),
        Option("Its owner stopped maintaining it", False,
               "Not yet: that happens a year later, and is why keeping it costs."),
    )),
    Question("In some worlds leave-one-out keeps the catalogue flag: its gain beats its noise floor. What can "
             "that gain not tell you?", (
        Option("Whether its gain beats its noise floor", False,
               "That is exactly what the noise floor tells you; the flag passes it in some worlds."),
        Option("Whether its link to churn will last", True,
               "A gain measures today's world. The flag's gain is borrowed from age, and it lasts only as long as "
               "older customers are the ones who get the catalogue."),
        Option("Whether the model gives it any weight", False,
               "A gain above zero already says the model uses it; the weight says how much."),
        Option("Whether it is cheap to compute and serve", False,
               "True, a gain says nothing of cost either; but cost can be looked up, and the link's future cannot."),
    )),
    Question("What does the noise floor of a leave-one-out gain tell you?", (
        Option("How far the gain moves when refitted on other data", True,
               "A gain within it cannot be told from chance: the badge's is within it in every world measured."),
        Option("The smallest loss any model can reach", False,
               "That is the truth's own loss, zero here; the noise floor is about refits."),
        Option("How much the world will change next year", False,
               "No offline number tells that; fragility has to be measured by changing the world."),
        Option("Whether the feature is legacy code", False,
               "The noise floor is a spread of gains; kinds come from knowing where a feature comes from."),
    )),
)

LESSON = Lesson(
    id="05",
    slug="underutilized_data_dependencies",
    title="Underutilized Data Dependencies: Inputs That Cost More Than They Give",
    paper_section="§3",
    patterns=("underutilized_data_dependency",),
    objectives=(
        "Name the paper's four kinds of underutilized dependency (legacy, bundled, ε-features, correlated) and "
        "find each in Larkspur.",
        "Run leave-one-feature-out with a noise floor, and tell a real gain from one that cannot be told from noise.",
        "Measure what an unneeded input costs: fragility when the world changes, and the upstream nodes and teams "
        "it adds.",
        "Write a leave-one-feature-out function and use it to prune a model.",
    ),
    minutes=45,
    prerequisites=("01_entanglement_cace.ipynb", "what a classifier's log loss is"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what underutilized data dependencies are in 'Hidden Technical Debt in Machine "
        "Learning Systems' (legacy features, bundled features, ε-features, correlated features), and why they cost "
        "more than they seem to.",
        "Walk me through, step by step, how each kind of underutilized dependency arises in a shop like Larkspur's, "
        "where a churn model was offered an old platform code, an engagement bundle, a loyalty badge and a "
        "catalogue flag: how leave-one-feature-out finds them, what its noise floor means, and what happens when "
        "the old system stops filling its field or the correlation breaks.",
        "Given my ML/LLM system (described below), help me audit it for underutilized data dependencies: list "
        "every input of each model, who owns it and what feeds it, which are legacy, bundled, tiny in value or "
        "merely correlated with a cause, and how I would run leave-one-feature-out with a noise floor. Then "
        "prioritise which to remove first.",
    ),
    key_points=(
        "Every input is a dependency: it can change, stop being filled, or come apart from what it stood for.",
        "Legacy features repeat a newer one; a model splits its weight between them, so when the old one goes blank "
        "its scores move (the claims table says in how many worlds that hurts).",
        "Bundles are judged as a group; measure each member: some cost quality.",
        "ε-features gain less than their noise floor; they are all cost.",
        "Correlated features get credit for what another input causes; when the correlation breaks, so does the model.",
        "Leave-one-feature-out with a noise floor, run regularly, finds inputs that add nothing; it cannot tell a "
        "correlated feature from a cause, so also ask what each input stands for and who can change it.",
        "A pruned model depends on fewer teams, and a change to an input it does not read cannot move it.",
    ),
    focus_nodes=("churn_model",),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §3 (underutilized "
        "data dependencies).",
        "E. Breck et al., 'The ML Test Score', IEEE BigData 2017: data tests 'all features are beneficial' and "
        "'no feature's cost is too much'.",
    ),
)
