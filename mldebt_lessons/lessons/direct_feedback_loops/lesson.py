"""Lesson 07: direct feedback loops (Sculley et al. 2015, §4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mldebt_lessons.course.answers import as_pair, as_text, is_number, number_in, within
from mldebt_lessons.course.claims import saved_count
from mldebt_lessons.course.lesson import (
    Exercise,
    Feedback,
    Lesson,
    Option,
    Question,
    check_best_choice,
    world_at,
)

OTHER_SEED = 42  # the exercises ask about this world, not the demo's (2015)
PRICE_RATE = 0.2  # exercise 07.2's exploration rate
ERROR_SEED = 7  # exercise 07.4's world
RUNS = ("loop", "explore 10%", "control")


def _saved(claim_name):
    """(holds_at, seeds) of a claim as last measured across worlds, or None if not measured yet."""
    return saved_count(Path(__file__).parent, claim_name)


def _count_text(claim_name) -> str:
    saved = _saved(claim_name)
    return f"in {saved[0]} of {saved[1]} worlds" if saved else "in some worlds"


# --- 07.1: how much does the loop freeze, in another world? ---

def _frozen_other():
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
        frozen_share,
        simulate_reviews,
    )
    world = world_at(OTHER_SEED)
    return frozen_share(world, simulate_reviews(world, 0.0))


def _check_frozen(answer) -> Feedback:
    if not is_number(answer):
        return Feedback(False, "give one number: the share of cases (0 to 1) whose cell got no label in rounds 1-8.")
    frozen = _frozen_other()
    if within(answer, frozen, 0.005):
        return Feedback(True, f"{frozen:.1%} of build_world({OTHER_SEED})'s cases sit in cells the model has not "
                              "labelled since its first audit: whatever it believed about them then, it still "
                              "believes, and nothing in its own log can show it wrong.")
    if within(answer, 100 * frozen, 0.5):
        return Feedback(False, "that looks like a percentage; give a share from 0 to 1.")
    if within(answer, 1 - frozen, 0.005):
        return Feedback(False, "that is the share it did learn about; the task asks for the share it never relabelled.")
    return Feedback(False, "not the share measured in that world.")


def _judge_frozen(prediction) -> str:
    frozen = _frozen_other()
    text = as_text(prediction)
    said = ("more" if any(w in text for w in ("more", "above", "over", "most")) else
            "less" if any(w in text for w in ("less", "below", "under", "few")) else None)
    truth = "more" if frozen > 0.5 else "less"
    head = f"you said {said} than half; it is {truth}" if said else f"it is {truth} than half"
    return (f"{head} ({frozen:.0%}). The review queue fills with the cells the model already suspects, so the "
            "rest of the shop goes unlabelled.")


# --- 07.2: the price of exploring, in another world ---

def _regrets_other():
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import simulate_reviews
    world = world_at(OTHER_SEED)
    return simulate_reviews(world, 0.0)[-1].regret, simulate_reviews(world, PRICE_RATE)[-1].regret


def _check_price(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not all(is_number(x) for x in pair):
        return Feedback(False, "give a pair of numbers: (regret without exploration, regret with it) after 8 rounds.")
    loop, explore = _regrets_other()
    if within(pair[0], loop, 0.05) and within(pair[1], explore, 0.05):
        verb = "more" if explore > loop else "fewer"
        return Feedback(True, f"exploring a fifth of the budget gave up {explore:.0f} frauds against the best "
                              f"possible reviewer, {verb} than not exploring ({loop:.0f}). Exploring buys the "
                              "model labels it could not get otherwise; whether the catches it finds repay what "
                              f"it costs within 8 rounds depends on the world (it did {_count_text('exploration_pays_back_in_8_rounds')} "
                              "at a tenth).")
    if within(pair[0], explore, 0.05) and within(pair[1], loop, 0.05):
        return Feedback(False, "you have them the wrong way round: without exploration first.")
    return Feedback(False, "read `regret` of the last round of each run.")


def _judge_price(prediction) -> str:
    loop, explore = _regrets_other()
    text = as_text(prediction)
    said = ("more" if any(w in text for w in ("more", "higher", "larger", "worse")) else
            "fewer" if any(w in text for w in ("fewer", "less", "lower", "smaller", "better")) else None)
    truth = "more" if explore > loop else "fewer"
    head = f"you said {said}; it gave up {truth}" if said else f"it gave up {truth}"
    return f"{head} ({explore:.0f} against {loop:.0f} frauds)."


# --- 07.3: write an epsilon-greedy review policy ---

def _test_cases():
    """(seed, scores, budget) for the checker: the round-0 model's scores in several worlds."""
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import (
        BUDGET_SHARE,
        round0_scores,
    )
    out = []
    for seed in SEEDS[:3]:
        world = world_at(seed)
        scores = round0_scores(world)
        out.append((seed, scores, int(round(BUDGET_SHARE * len(scores)))))
    return out


def _picks(result, n, budget):
    """The learner's picks as a sorted int array, or a reason they are not valid."""
    try:
        picks = np.asarray(list(result))
    except Exception:
        return None, "return a list (or array) of case indices."
    if picks.ndim != 1 or len(picks) == 0 or not np.issubdtype(picks.dtype, np.integer):
        return None, "return a flat list of whole-number case indices."
    if len(picks) != budget:
        return None, f"return exactly `budget` ({budget}) cases; got {len(picks)}."
    if len(set(picks.tolist())) != budget:
        return None, "a case appears twice: each case can be reviewed once."
    if picks.min() < 0 or picks.max() >= n:
        return None, f"an index is outside 0..{n - 1}."
    return picks, ""


def _check_policy(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "put the function itself in `answer` (answer = choose), not its result.")
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import coverage_of
    coverages = []
    for seed, scores, budget in _test_cases():
        n = len(scores)
        top = np.sort(scores)[::-1][:budget]
        for explore in (0.0, 0.1, 0.5):
            outside = []
            for k in range(4):
                try:
                    result = answer(scores.copy(), budget, explore, np.random.default_rng([seed, k]))
                except Exception as error:
                    return Feedback(False, f"at seed {seed}, explore={explore}, your function raised "
                                           f"{type(error).__name__}: {error}.")
                picks, why = _picks(result, n, budget)
                if picks is None:
                    return Feedback(False, f"at seed {seed}, explore={explore}: {why}")
                n_random = int(round(explore * budget))
                greedy = budget - n_random
                # The greedy part: at least budget - n_random picks score as high as the top ones do.
                if greedy > 0 and np.sum(scores[picks] >= top[greedy - 1] - 1e-12) < greedy:
                    return Feedback(False, f"at seed {seed}, explore={explore}: fewer than {greedy} of your picks "
                                           "are among the top scores; the rest of the budget should go to the "
                                           "highest-scored cases.")
                if explore == 0.0 and not np.allclose(np.sort(scores[picks])[::-1], top):
                    return Feedback(False, f"at seed {seed}, explore=0 should review exactly the top {budget} scores.")
                outside.append(int(np.sum(scores[picks] < top[-1] - 1e-12)))
                if explore == 0.1 and k == 0:
                    coverages.append(coverage_of(world_at(seed), picks))
            if explore == 0.5 and np.mean(outside) < 0.2 * budget:
                return Feedback(False, f"at seed {seed}, explore=0.5: only {np.mean(outside):.0f} of {budget} picks "
                                       "on average fall outside the top scores; half the budget should go to cases "
                                       "picked at random from all of them.")
    low = min(coverages)
    return Feedback(True, "your policy reviews the top scores at explore=0 and spends the asked share at random "
                          f"otherwise, at seeds {', '.join(str(s) for s, _, _ in _test_cases())}. With a tenth at "
                          f"random, the first round's labels already reach at least {low:.0%} of the cases (cells "
                          "with a label) in each world.")


def _judge_policy(prediction) -> str:
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import BUDGET_SHARE
    n = len(world_at().truth["fraud_p"])
    budget = int(round(BUDGET_SHARE * n))
    random_picks = int(round(0.1 * budget))
    guess = number_in(prediction)
    said = "" if guess is None else f"you guessed {guess:g}: {'right' if guess == random_picks else 'not so'}; "
    return (said + f"a tenth of a {budget}-case budget is {random_picks} random reviews a round, drawn from all "
                   f"{n} cases.")


# --- 07.4: which run is closest to the truth, in another world? ---

def _errors_at_seven():
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import simulate_reviews
    world = world_at(ERROR_SEED)
    return {"loop": simulate_reviews(world, 0.0)[-1].error, "explore 10%": simulate_reviews(world, 0.1)[-1].error,
            "control": simulate_reviews(world, 0.0, control=True)[-1].error}


def _check_closest(answer) -> Feedback:
    errors = _errors_at_seven()
    closeness = {k: -v for k, v in errors.items()}
    text = as_text(answer).strip() if isinstance(answer, str) else answer
    shown = ", ".join(f"{k} {100 * v:.1f} points" for k, v in errors.items())
    return check_best_choice(
        text, closeness,
        f"{{choice}} ends nearest the truth in build_world({ERROR_SEED}) ({shown}). The control learns from a random "
        "sample of the same size the model cannot influence: it sees every part of the shop, so nothing stays "
        f"wrong for long (it beats the loop {_count_text('control_is_more_accurate')}).",
        f"{{choice}} is not the nearest in build_world({ERROR_SEED}): {shown}.",
        f"answer with one of {', '.join(repr(r) for r in RUNS)}.")


def _judge_closest(prediction) -> str:
    errors = _errors_at_seven()
    best = min(errors, key=errors.get)
    text = as_text(prediction)
    said = next((r for r in RUNS if r in text), None)
    head = f"you picked {said}; " if said else ""
    return head + f"the nearest is {best} ({100 * errors[best]:.1f} points against the loop's {100 * errors['loop']:.1f})."


EXERCISES = (
    Exercise(
        "07.1", "How much does the loop stop seeing?",
        f"In another world, `build_world({OTHER_SEED})`, run the loop with no exploration for 8 rounds "
        "(`simulate_reviews(world, 0.0)`) and put in `answer` the share of the cases (0 to 1) whose cell got no label "
        "in rounds 1-8: `frozen_share(world, runs)`.",
        "`from mldebt_lessons.lessons.direct_feedback_loops.experiment import frozen_share, simulate_reviews`; "
        f"`world = build_world({OTHER_SEED})`; `runs = simulate_reviews(world, 0.0)`; then `frozen_share(world, runs)`.",
        f"""from mldebt_lessons.lessons.direct_feedback_loops.experiment import frozen_share, simulate_reviews
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
answer = frozen_share(world, simulate_reviews(world, 0.0))
""",
        _check_frozen,
        predict="Will more or less than half of the cases sit in cells the model never relabels after round 0?",
        judge_prediction=_judge_frozen),
    Exercise(
        "07.2", "The price of exploring",
        f"Still in `build_world({OTHER_SEED})`, run 8 rounds without exploration and 8 rounds spending a fifth of the "
        f"review budget at random (`simulate_reviews(world, {PRICE_RATE})`). Put in `answer` the pair "
        "`(regret without exploration, regret with it)`: each run's `regret` in its last round (frauds given up, "
        "in total, against a reviewer who knew the true rates).",
        "`simulate_reviews` returns one ReviewRound per round, 0 to 8: take `[-1].regret` of each run.",
        f"""from mldebt_lessons.lessons.direct_feedback_loops.experiment import simulate_reviews
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
answer = (simulate_reviews(world, 0.0)[-1].regret, simulate_reviews(world, {PRICE_RATE})[-1].regret)
""",
        _check_price,
        predict="After 8 rounds, will the exploring run have given up more frauds in total, or fewer?",
        judge_prediction=_judge_price),
    Exercise(
        "07.3", "Write an ε-greedy review policy",
        "Write the serving policy that pays this debt down: a function `choose(scores, budget, explore, rng)` that "
        "returns the indices of the `budget` cases to review this round. `round(explore * budget)` of them are "
        "picked at random from all the cases (use `rng`, a numpy Generator); the rest are the highest-scored of the "
        "cases not already picked. Each case at most once. Put the function itself in `answer`: the checker runs it "
        "on the first model's scores in three worlds, at several exploration rates.",
        "`n_random = int(round(explore * budget))`; `picked = rng.choice(len(scores), n_random, replace=False)`; then "
        "sort the cases by score, highest first (`np.argsort(-scores)`), drop those already picked, and take the "
        "first `budget - n_random`.",
        """import numpy as np


def choose(scores, budget, explore, rng):
    n_random = int(round(explore * budget))
    picked = rng.choice(len(scores), size=n_random, replace=False)
    taken = np.zeros(len(scores), dtype=bool)
    taken[picked] = True
    ranked = np.argsort(-scores, kind="stable")
    rest = ranked[~taken[ranked]][:budget - n_random]
    return np.concatenate([picked, rest]).astype(int)


answer = choose
""",
        _check_policy,
        predict="The review budget is a tenth of the 3,000 cases a round. With explore=0.1, how many reviews a "
                "round go to cases picked at random?",
        judge_prediction=_judge_policy),
    Exercise(
        "07.4", "Which run ends nearest the truth?",
        f"In `build_world({ERROR_SEED})`, compare three runs of 8 rounds: the loop (`simulate_reviews(world, 0.0)`), "
        "a tenth of the budget explored (`simulate_reviews(world, 0.1)`), and the control, which learns from a "
        "random sample the model cannot influence (`simulate_reviews(world, 0.0, control=True)`). Put in `answer` "
        f"the name of the run whose last round has the smallest `error`: one of {', '.join(repr(r) for r in RUNS)}.",
        "Take `[-1].error` of each run and pick the smallest.",
        f"""from mldebt_lessons.lessons.direct_feedback_loops.experiment import simulate_reviews
from mldebt_lessons.shop.world import build_world

world = build_world({ERROR_SEED})
errors = {{"loop": simulate_reviews(world, 0.0)[-1].error,
          "explore 10%": simulate_reviews(world, 0.1)[-1].error,
          "control": simulate_reviews(world, 0.0, control=True)[-1].error}}
answer = min(errors, key=errors.get)
""",
        _check_closest,
        predict=f"Which of {', '.join(RUNS)} will end nearest the truth?",
        judge_prediction=_judge_closest),
)

QUIZ = (
    Question("What makes a feedback loop in an ML system 'direct'?", (
        Option("The model's own output chooses the data it is retrained on", True,
               "It picks what gets reviewed, shown or labelled, and learns only from that."),
        Option("Two models each read the other's scores through the world", False,
               "That is a hidden loop (lesson 08): no code path joins them, the world does."),
        Option("The model is retrained every day instead of every month", False,
               "Retraining often makes a loop turn faster; it does not create one."),
        Option("An undeclared reader uses the model's output to act on users", False,
               "That is lesson 03's hidden loop through an undeclared consumer."),
    )),
    Question("A fraud model reviews only the cases it scores highest. Without exploration, what happens to its "
             "estimates for the cells it scores low?", (
        Option("They drift upwards as it sees more fraud elsewhere", False,
               "It sees no new labels there at all, so nothing moves them: they stay as they were."),
        Option("They stay exactly as the first model left them", True,
               "No review, no label, no update: over half the cases sat in such cells in every world measured."),
        Option("They slowly converge to the truth as rounds pass", False,
               "Only cells that get labels converge; these get none, however many rounds pass."),
        Option("They are reset to the overall fraud rate each round", False,
               "Nothing resets them; and the overall rate would be wrong for most cells anyway."),
    ), measured=True),
    Question("Half of the review budget goes to cases picked at random. In the worst of 8 rounds, what share "
             "of the cases does the model learn about?", (
        Option("About a fifth, much as it does without exploring", False,
               "Random picks land all over the shop: coverage rises far above the loop's."),
        Option("About half, the same as the share explored", False,
               "A random pick lands in a cell in proportion to its size, so 150 picks touch nearly every cell."),
        Option("Over nine tenths of the cases, in every round", True,
               "More than nine tenths in every round, in every world measured; it is paid for in catches."),
        Option("All of them: each cell is sure to get a pick", False,
               "Random picks promise nothing per cell; a tiny cell can still be missed in a round."),
    ), measured=True),
    Question("You raise exploration from a tenth to half of the review budget. Over 8 rounds, what happens to the "
             "frauds given up against a reviewer who knew the truth?", (
        Option("Fewer are given up: more exploring always pays", False,
               "Past some rate the random reviews cost more catches than the extra knowledge finds."),
        Option("More are given up, in every world measured", True,
               "Half at random gave up more than a tenth in every world measured: exploration has a price."),
        Option("The same: exploring only changes what it learns", False,
               "Every random review replaces a top-scored one, and that costs catches in the same round."),
        Option("It depends only on the first model, not the rate", False,
               "The rate sets how many reviews go to chance each round; it moves the regret directly."),
    ), measured=True),
    Question("What does exploration cost, and when is it repaid?", (
        Option("Nothing: random reviews catch as much fraud as top scores", False,
               "A random case is usually less likely to be fraud than the model's top picks, so it costs catches."),
        Option("Catches given up now; repaid when it finds what the model missed", True,
               "How soon depends on the world: within 8 rounds it paid back in some worlds, not in others."),
        Option("It always pays back within a few rounds, so it is free", False,
               "Not so: in some worlds a tenth explored had still caught fewer after 8 rounds."),
        Option("It costs accuracy: random labels make the model worse", False,
               "Random labels are the unbiased ones; they make the estimates of unseen cells better, not worse."),
    )),
    Question("Why keep a random holdout that the model cannot influence?", (
        Option("So some of the data stays the same whatever the model does", True,
               "Then the data can measure the model, and a change of model cannot change its own yardstick."),
        Option("Because the holdout makes the model catch more fraud at once", False,
               "Holdout reviews are spent at random: they cost catches now, they buy an honest measurement."),
        Option("To save the reviewers' time by skipping those cases", False,
               "A holdout is reviewed like any case; what differs is who picked it: chance, not the model."),
        Option("So the model can be tuned on the cases it is best at", False,
               "That is the loop again: it would measure itself where it already looks."),
    )),
    Question("The fraud team's dashboard shows the share of reviewed cases that were fraud rising round after "
             "round. What can they conclude?", (
        Option("The model is getting closer to the truth everywhere", False,
               "The dashboard only sees the cases the model chose; unreviewed cells may be as wrong as ever."),
        Option("Fraud in the shop is rising and needs more reviewers", False,
               "The reviewed share depends on what the model picks, not only on how much fraud there is."),
        Option("Little about the unreviewed cases: they need a random sample", True,
               "Only labels the model did not choose can say how much fraud it misses."),
        Option("The exploration rate can now safely be set to zero", False,
               "With no exploration, whatever the model misses it stays blind to."),
    )),
)

LESSON = Lesson(
    id="07",
    slug="direct_feedback_loops",
    title="Direct Feedback Loops: A Model That Picks Its Own Training Data",
    paper_section="§4",
    patterns=("direct_feedback_loop",),
    objectives=(
        "Explain how a model that chooses what gets labelled or shown ends up choosing its own training data.",
        "Simulate rounds of serve, log and retrain, and measure coverage, error and bias against the ground truth.",
        "Measure the price (catches given up) and the benefit (coverage, unfrozen estimates) of exploration.",
        "Use a control that learns from data the model cannot influence, and say what a random holdout is for.",
        "Write an ε-greedy serving policy.",
    ),
    minutes=45,
    prerequisites=("03_undeclared_consumers.ipynb", "what a classifier's score and a review budget are"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what a direct feedback loop is in 'Hidden Technical Debt in Machine Learning "
        "Systems' (§4), why a model that picks its own training data can stay wrong where it does not look, and "
        "why the paper calls this analysis debt.",
        "Walk me through, step by step, how Larkspur's fraud model, which only gets labels for the cases it sends to "
        "review, narrows what it learns from round after round; what exploration (a share of reviews at random) "
        "costs and buys; and what a random holdout the model cannot influence is for.",
        "Given my ML/LLM system (described below), help me audit it for direct feedback loops: list every place a "
        "model's output decides what is shown, reviewed or labelled, and whether those outcomes flow back into its "
        "training data; say where I could add exploration or a random holdout, what each would cost, and how I "
        "would measure the benefit. Then prioritise which loop to pay down first.",
    ),
    key_points=(
        "A model that decides what gets reviewed, shown or labelled picks its own next training data: a direct "
        "feedback loop.",
        "Without exploration the loop narrows: the model learns from a small share of the case space each round, "
        "and its estimates everywhere else stay exactly as its first model left them (the claims table gives the "
        "shares in every world).",
        "Its own log cannot show it wrong where it does not look; in most worlds it underestimates fraud there, "
        "a selection effect.",
        "Exploration (a share of decisions at random, ε-greedy) restores coverage at a price: catches given up now. "
        "Whether it repays that within a given number of rounds depends on what the model missed.",
        "A control, or a random holdout, learns from data the model cannot influence: its training data does not "
        "change whatever the model does, so it measures the model honestly.",
        "The paper's remedies: randomisation (exploration, contextual bandits) and isolating a slice of data from "
        "the model's influence.",
    ),
    focus_nodes=("fraud_model",),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §4 (direct and hidden "
        "feedback loops).",
        "L. Bottou et al., 'Counterfactual Reasoning and Learning Systems: The Example of Computational "
        "Advertising', JMLR 2013 (randomised serving to learn from logged data).",
        "H. Lakkaraju et al., 'The Selective Labels Problem', KDD 2017 (labels only for the cases a decision let "
        "through).",
        "L. Li et al., 'A Contextual-Bandit Approach to Personalized News Article Recommendation', WWW 2010.",
    ),
)
