"""Lesson 08: hidden feedback loops between two systems (Sculley et al. 2015, §4)."""

from __future__ import annotations

from mldebt_lessons.course.answers import (
    as_names,
    as_text,
    is_number,
    number_in,
    read_yes_no,
    within,
    you_guessed,
)
from mldebt_lessons.course.lesson import (
    Exercise,
    Feedback,
    Lesson,
    Option,
    Question,
    check_best_choice,
    world_at,
)
from mldebt_lessons.lessons.hidden_feedback_loops.experiment import (
    RUNS,
    hidden_loops,
    late_drift,
    simulate,
)

OTHER_SEED = 42  # the exercises ask about this world, not the demo's


def _ltv_ratio(seed: int = OTHER_SEED) -> float:
    world = world_at(seed)
    both, alone = simulate(world, "both"), simulate(world, "ltv only")
    return sum(r.ltv_drift for r in both) / sum(r.ltv_drift for r in alone)


def _check_ratio(answer) -> Feedback:
    truth = _ltv_ratio()
    if not is_number(answer):
        return Feedback(False, "give one number: the ltv model's total drift in the loop divided by its total drift alone.")
    if within(answer, truth, 0.02):
        return Feedback(True, f"{truth:.2f}×: the ltv model moves more when the churn model also retrains, though "
                              "no code connects them.")
    return Feedback(False, f"{float(answer):.2f} is not what the two runs give at seed {OTHER_SEED}.")


def _judge_ratio(prediction) -> str:
    guess, truth = number_in(prediction), _ltv_ratio()
    if guess is None:
        return "no number to compare."
    side = "above" if truth > 1 else "at or below"
    return f"you guessed {guess:g}; the measured ratio is {truth:.2f}, {side} 1."


def _late_churn(seed: int = OTHER_SEED) -> dict:
    world = world_at(seed)
    return {run: late_drift(simulate(world, run))[0] for run in RUNS}


def _check_run(answer) -> Feedback:
    scores = {run: 100 * value for run, value in _late_churn().items()}
    return check_best_choice(
        answer, scores,
        "'{choice}': the churn model still moves {value:.2f} points (summed) after round 1.",
        "'{choice}' moves the churn model only {value:.2f} points after round 1; another run moves it more.",
        f"name one run: {', '.join(RUNS)}.")


def _judge_run(prediction) -> str:
    best = max(_late_churn(), key=_late_churn().get)
    return f"you picked {as_text(prediction)!r}; the most late drift is in {best!r}."


def _check_monitor(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking a list of rounds.")
    wrong = []
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for run in RUNS:
            rounds = simulate(world, run)
            expected = all(d > 0 for d in late_drift(rounds))
            try:
                got = answer(rounds)
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} on seed {seed}, run {run!r}.")
            if not isinstance(got, bool) or got != expected:
                wrong.append(f"seed {seed}, {run!r}: said {got!r}, should say {expected}")
    if wrong:
        return Feedback(False, f"{len(wrong)} of {3 * len(RUNS)} runs wrong, e.g. {wrong[0]}.")
    return Feedback(True, f"right on all {3 * len(RUNS)} runs at three seeds: it flags exactly the runs where "
                          "both models still move after round 1.")


def _judge_alarms(prediction) -> str:
    world = world_at()
    alarms = [run for run in RUNS if all(d > 0 for d in late_drift(simulate(world, run)))]
    return (f"{you_guessed(prediction)}in the demo's world the alarm should ring for {len(alarms)} of {len(RUNS)} "
            f"runs: {', '.join(alarms)}.")


PARTIAL = ("vip_programme", "homepage")  # 08.4: who declares what it changes (the email campaign does not)


def _partial_loop() -> tuple[str, ...]:
    return next((m for m in hidden_loops(PARTIAL) if "ltv_model" in m), ())


def _check_partial(answer) -> Feedback:
    truth = _partial_loop()
    names = as_names(answer)
    if names is None:
        return Feedback(False, "give a tuple of model names, e.g. ('a_model', 'b_model'), or () for no loop.")
    if names == set(truth):
        return Feedback(True, f"{', '.join(truth)}: the homepage also reads churn_model and changes orders_db, "
                              "so its declaration closes the loop the email campaign left open; the recommender "
                              "is in it because the homepage acts on its clicks too.")
    if not names:
        return Feedback(False, "the audit does find one: look at every consumer of churn_model, not only the email campaign.")
    if "ltv_model" not in names:
        return Feedback(False, "the finding asked for is the one that contains ltv_model.")
    return Feedback(False, f"not the models of that finding: {len(names)} names given; compare with hidden_loops{PARTIAL!r}.")


def _judge_partial(prediction) -> str:
    said = read_yes_no(prediction)
    truth = _partial_loop()
    found = f"the audit still finds one loop joining {', '.join(truth)}" if truth else "the audit finds no loop"
    if said is None:
        return f"{found}."
    return f"you said {'yes' if said else 'no'}; {found}."


EXERCISES = (
    Exercise(
        "08.1", "Does the other team's retraining move your model?",
        f"In `world = build_world({OTHER_SEED})`, run `simulate(world, 'both')` and `simulate(world, 'ltv only')` and "
        "set `answer` to the ltv model's total drift in the loop divided by its total drift alone "
        "(add up `r.ltv_drift` over the rounds).",
        "world = build_world(42); sum the ltv_drift fields of each run, then divide.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.hidden_feedback_loops.experiment import simulate\n"
        "world = build_world(42)\n"
        "loop = sum(r.ltv_drift for r in simulate(world, 'both'))\n"
        "alone = sum(r.ltv_drift for r in simulate(world, 'ltv only'))\n"
        "answer = loop / alone",
        _check_ratio,
        predict="Will the ratio be above 1 (the loop moves the ltv model further), about 1, or below 1? Give a number.",
        judge_prediction=_judge_ratio,
    ),
    Exercise(
        "08.2", "Which run moves the churn model most after round 1?",
        f"In the world of seed {OTHER_SEED}, which run ('both', 'churn only', 'ltv only', 'staggered', "
        "'neither') gives the churn model the most drift after round 1 (`late_drift(rounds)[0]`)? Set `answer` to its name.",
        "Loop over RUNS and compare late_drift(simulate(world, run))[0].",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.hidden_feedback_loops.experiment import RUNS, hidden_loops, late_drift, simulate\n"
        "world = build_world(42)\n"
        "answer = max(RUNS, key=lambda run: late_drift(simulate(world, run))[0])",
        _check_run,
        predict="Name the run you expect, and say why before you measure.",
        judge_prediction=_judge_run,
    ),
    Exercise(
        "08.3", "Write a joint drift monitor",
        "Write `joint_monitor(rounds)`: given one run's rounds (a list of `Round`), return True when BOTH models "
        "still move after round 1 (some `churn_drift` and some `ltv_drift` above zero in rounds 2 and later), "
        "else False. Set `answer = joint_monitor`. The checker runs it on every run at three seeds.",
        "Look at rounds with r.round >= 2; any churn_drift > 0 and any ltv_drift > 0.",
        "def joint_monitor(rounds):\n"
        "    late = [r for r in rounds if r.round >= 2]\n"
        "    return any(r.churn_drift > 0 for r in late) and any(r.ltv_drift > 0 for r in late)\n"
        "answer = joint_monitor",
        _check_monitor,
        predict="In how many of the five runs will your monitor raise the alarm (one number)?",
        judge_prediction=lambda p: _judge_alarms(p),
    ),
    Exercise(
        "08.4", "Half the teams declare: does the audit still see the loop?",
        "Not every team fills in the manifest. Suppose the marketing team never declares what its win-back "
        "emails change, but the loyalty team (`vip_programme`) and the homepage team (`homepage`, which also "
        "reads `churn_model`) declare their `influences`. `hidden_loops(declared_by)` audits Larkspur's manifest "
        "with only those consumers' `influences` kept and returns each hidden-loop finding's models. Set "
        "`answer` to the models of the finding that contains `ltv_model`, as a tuple, or `()` if there is none.",
        "hidden_loops(('vip_programme', 'homepage')) gives a list of tuples; keep the one with 'ltv_model' in it.",
        "from mldebt_lessons.lessons.hidden_feedback_loops.experiment import hidden_loops\n"
        "loops = hidden_loops(('vip_programme', 'homepage'))\n"
        "answer = next((models for models in loops if 'ltv_model' in models), ())",
        _check_partial,
        predict="Without the email campaign's declaration, does the audit still find a loop with ltv_model in it "
                "(yes or no)? If yes, which models are in it?",
        judge_prediction=_judge_partial,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("Why does no dependency graph of Larkspur's code show the churn-ltv loop?", [
        ("Neither model reads the other: the link runs through customers.", True,
         "Right: a discount changes spend, a VIP invitation changes churn; no code carries either effect."),
        ("The graph tool drops edges between models owned by different teams.", False,
         "The graph holds everything the code reads; the loop is in no code at all."),
        ("The loop exists only in simulations; real shops have no such effects.", False,
         "Any two systems that act on and learn from the same customers can close such a loop.")]),
    _q("The loyalty team freezes its VIP list for a quarter; the retention team keeps retraining every week. "
       "What does the retention team's drift monitor show from the second week on?", [
        ("Steady drift, since customers keep reacting to each new discount list.", False,
         "A discount changes spend, which only the ltv model learns from; frozen, it sends nothing back. The "
         "control claim: zero drift after round 1, in every world measured."),
        ("No drift: its model has learnt the frozen VIP list's effect once.", True,
         "Right: with one side frozen its labels stop changing, and retraining on the same labels gives the "
         "same model. A loop needs both sides to adapt."),
        ("Growing swings between two discount lists, as the loop runs away.", False,
         "Swings need the other side to answer back; with the VIP list frozen, nothing does.")],
       measured=True),
    _q("Both teams now retrain every week. Compared with retraining alone, how far does each model move in all?", [
        ("Less far: the two teams' effects on customers cancel each other out.", False,
         "Measured in every world, each model moves further in the loop, not less."),
        ("Further: each also chases the other's effect on its labels.", True,
         "Right: each retraining changes the other's labels, so each model takes extra steps."),
        ("Just as far: models that share no code cannot influence each other.", False,
         "They share customers; that is enough to couple them.")], measured=True),
    _q("What does declaring each consumer's `influences` in the manifest change?", [
        ("It stops the loop: the teams can no longer affect each other.", False,
         "Declaring changes nothing in the world; it makes the loop visible to people and tools."),
        ("The audit can join the models through the world and report the loop.", True,
         "Right: with the world edges written down, the loop becomes a path an audit can follow."),
        ("It forces both teams onto a single shared retraining schedule.", False,
         "Schedules are another remedy (staggering); a declaration only describes the world.")]),
    _q("A manager proposes that the two teams take turns retraining. What does that buy, as measured here?", [
        ("Less total drift for the ltv model, but the loop still closes.", True,
         "Right: each model still retrains on what the other changed; the ltv model moves less in all, "
         "not zero, in every world measured."),
        ("It opens the loop: with one side frozen each round, nothing comes back.", False,
         "Each side is frozen for one round only; then it retrains on the other's effect."),
        ("Nothing: both models move exactly as much as when retraining together.", False,
         "Measured, the ltv model's total drift falls in every world, though not to zero.")], measured=True),
    _q("Which monitor would catch this loop first?", [
        ("Each model's own held-out accuracy, watched by its own team.", False,
         "Each model can look fine on its own; the signal is in how both move together."),
        ("A joint monitor of both models' drift, round by round.", True,
         "Right: two models that keep moving together after retraining are the loop's signature."),
        ("A check that each model's inputs have no missing values.", False,
         "The inputs do not change here; the labels do, through the world.")]),
)


LESSON = Lesson(
    id="08",
    slug="hidden_feedback_loops",
    title="Hidden Feedback Loops: Two Systems, One Market",
    paper_section="§4",
    patterns=("hidden_feedback_loop",),
    objectives=(
        "Find a loop between two models from their round logs: both move again after their first retraining.",
        "Explain how two systems with no edge in any code influence each other through the world.",
        "Measure the loop against controls where only one team retrains (the same random draws).",
        "Weigh three remedies: declare `influences`, monitor both jointly, stagger retraining.",
    ),
    minutes=50,
    prerequisites=("03_undeclared_consumers.ipynb", "what retraining a model means"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what a hidden feedback loop between two ML systems is in 'Hidden Technical "
        "Debt in Machine Learning Systems' (§4), and why no single team can see it.",
        "Walk me through how a churn model that picks who gets a discount and an ltv model that picks whom to "
        "invite to a VIP programme can influence each other through customers, round by round of retraining.",
        "Given my ML/LLM system (described below), help me audit it for hidden feedback loops: find pairs of systems that act on the same users or "
        "market and learn from what those users do; say which could form a hidden loop and how I could "
        "declare, monitor and break it. Then prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "Two systems that never read each other can still form a loop: each acts on the customers the other "
        "learns from.",
        "Find it from data: retraining on unchanged inputs gives the same model, so two models that both move again "
        "after their first retraining are learning from each other's effects: look for a path through the world.",
        "Control: when only one side adapts, its model moves once and never again; a loop needs both sides.",
        "Declaring what each consumer changes in the world (`influences`) lets an audit draw the missing edge.",
        "Monitor the two models jointly; taking turns to retrain cuts the drift but does not open the loop.",
        "Lesson 03 showed a loop through an undeclared reader of one model; here the loop needs no reader at all.",
    ),
    focus_nodes=("churn_model", "ltv_model"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §4 "
        "(hidden feedback loops).",
    ),
)
