"""Lesson 16: monitoring and testing (Sculley et al. 2015, §7)."""

from __future__ import annotations

from pathlib import Path

from mldebt_lessons.course.answers import is_number, within, you_guessed
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


# -- 16.1: how long does PSI take to see a slow drift? ------------------------------------------------
def _psi_drift_delay(seed: int = OTHER_SEED):
    from mldebt_lessons.lessons.monitoring_and_testing.experiment import detection
    world = world_at(seed)
    return (detection(world, "gradual_drift", ("psi",)).delay, detection(world, "gradual_drift", ("ks",)).delay)


def _check_psi_drift(answer) -> Feedback:
    psi_delay, ks_delay = _psi_drift_delay()
    if not is_number(answer) or float(answer) < 0:
        return Feedback(False, "give a number of days (0 or more): the `delay` of the detection.")
    if psi_delay is not None and within(answer, psi_delay, 0.01):
        return Feedback(True, f"{psi_delay} days: PSI waits until the shift crosses 0.2, a size, while the KS "
                              f"tests, which ask whether the shift is real, took {ks_delay} days.")
    if ks_delay is not None and within(answer, ks_delay, 0.01):
        return Feedback(False, "that is the KS tests' delay; ask for ('psi',) alone.")
    return Feedback(False, f"{float(answer):g} is not what PSI alone gives on the bot drift at seed {OTHER_SEED}.")


def _judge_psi_drift(prediction) -> str:
    psi_delay, ks_delay = _psi_drift_delay()
    return f"{you_guessed(prediction)}PSI took {psi_delay} days, the KS tests {ks_delay}."


# -- 16.2: false alarms of tests with no correction ------------------------------------------------------
def _false_alarms(seed: int = OTHER_SEED) -> tuple[float, float]:
    from mldebt_lessons.lessons.monitoring_and_testing.experiment import false_alarms_per_month
    world = world_at(seed)
    return false_alarms_per_month(world, "ks_loose"), false_alarms_per_month(world, "ks")


def _check_false_alarms(answer) -> Feedback:
    loose, strict = _false_alarms()
    if not is_number(answer) or float(answer) < 0:
        return Feedback(False, "give the number of false alarms per month (0 or more).")
    if within(answer, loose, 0.01):
        return Feedback(True, f"{loose:.2f} a month with no correction, against {strict:.2f} within the 1% daily "
                              "budget: four tests a day each get their own chance to ring.")
    if within(answer, strict, 0.01):
        return Feedback(False, "that is the corrected KS monitor ('ks'); ask for 'ks_loose'.")
    return Feedback(False, f"{float(answer):g} is not what 'ks_loose' rings on the fault-free stream at seed "
                           f"{OTHER_SEED}.")


def _judge_false_alarms(prediction) -> str:
    loose, strict = _false_alarms()
    return f"{you_guessed(prediction)}no correction: {loose:.2f} false alarms a month; within the budget: {strict:.2f}."


# -- 16.3: the price of waiting for labels -------------------------------------------------------------
def _stuck_harm(seed: int = OTHER_SEED):
    from mldebt_lessons.lessons.monitoring_and_testing.experiment import detection
    world = world_at(seed)
    return detection(world, "stuck_feature", ("bias_by_slice",)), detection(world, "stuck_feature", ("ks",))


def _check_stuck_harm(answer) -> Feedback:
    bias, ks = _stuck_harm()
    if not is_number(answer) or float(answer) < 0:
        return Feedback(False, "give a number of decisions (0 or more): the detection's `harm`.")
    if within(answer, bias.harm, 0.5):
        return Feedback(True, f"{bias.harm:,.0f} decisions turned wrong in {bias.delay} days of waiting for "
                              f"labels; the KS tests caught it the day it started, with {ks.harm:,.0f}.")
    if within(answer, ks.harm, 0.5):
        return Feedback(False, "that is the KS tests' harm; ask for ('bias_by_slice',).")
    if within(answer, bias.harm_if_missed, 0.5):
        return Feedback(False, "that is the harm if it were never caught (`harm_if_missed`); give `harm`.")
    return Feedback(False, f"{float(answer):g} is not what bias by slice lets through at seed {OTHER_SEED}.")


def _judge_stuck_harm(prediction) -> str:
    bias, ks = _stuck_harm()
    return (f"{you_guessed(prediction)}bias by slice caught it after {bias.delay} days with {bias.harm:,.0f} "
            f"decisions turned wrong; KS after {ks.delay} days, with {ks.harm:,.0f}.")


# -- 16.4: write PSI by hand --------------------------------------------------------------------------
CASES = (("none", "session_count", 60), ("none", "country", 40), ("unit_change", "avg_basket_value", 40),
         ("gradual_drift", "session_count", 80), ("stuck_feature", "session_count", 50))


def _check_psi(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS

    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): psi_by_hand(reference, current) "
                               "returns a number.")
    return _check_psi_at(answer, SEEDS[:3])


def _check_psi_at(answer, seeds) -> Feedback:
    import numpy as np

    from mldebt_lessons.lessons.monitoring_and_testing.experiment import PSI_CUTOFF, psi
    from mldebt_lessons.shop.stream import REFERENCE_DAYS, live_stream

    lines = []
    for seed in seeds:
        world = world_at(seed)
        for fault, feature, day in CASES:
            stream = live_stream(world, fault)
            column = stream.features[feature]
            reference, current = column[stream.day < REFERENCE_DAYS], column[stream.day == day]
            try:
                value = float(answer(reference.copy(), current.copy()))
            except Exception as error:
                return Feedback(False, f"at seed {seed} your function raised {type(error).__name__} on {feature} "
                                       f"(day {day}, {fault}).")
            truth = psi(reference, current)
            if not np.isfinite(value):
                return Feedback(False, f"at seed {seed} your PSI of {feature} on day {day} is not a number.")
            if abs(value - truth) > max(0.01, 0.05 * truth):
                return Feedback(False, f"at seed {seed}, {feature} on day {day} ({fault}): your PSI is {value:.3f}, "
                                       f"the lesson's {truth:.3f}. Bin numbers at the reference's deciles, one bin per "
                                       "category, and floor the shares at 0.0001.")
            if (value > PSI_CUTOFF) != (truth > PSI_CUTOFF):
                return Feedback(False, f"at seed {seed} your PSI of {feature} on day {day} is on the other side of "
                                       f"{PSI_CUTOFF} from the lesson's.")
        lines.append(f"seed {seed}")
    return Feedback(True, "your PSI agrees with the lesson's on five cases (a quiet day, a category, the pence "
                          "basket, the bot drift, the stuck count) at " + ", ".join(lines) + ".")


def _judge_psi(prediction) -> str:
    import numpy as np

    from mldebt_lessons.lessons.monitoring_and_testing.experiment import psi
    from mldebt_lessons.shop.stream import FAULT_DAY, REFERENCE_DAYS, live_stream

    stream = live_stream(world_at(OTHER_SEED), "stuck_feature")
    column = stream.features["session_count"]
    value = psi(column[stream.day < REFERENCE_DAYS], column[stream.day == FAULT_DAY])
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED} the stuck session count's PSI on its first day is "
            f"{value:.2f}{' (over 0.2: PSI rings)' if np.isfinite(value) and value > 0.2 else ''}.")


SOLUTION_PSI = '''\
import numpy as np


def psi_by_hand(reference, current):
    reference, current = np.asarray(reference), np.asarray(current)
    if reference.dtype.kind in "UO":  # categories: one bin each
        cats = np.unique(np.concatenate([reference, current]))
        ref = np.array([(reference == c).mean() for c in cats])
        cur = np.array([(current == c).mean() for c in cats])
    else:  # numbers: bins at the reference's deciles
        edges = np.unique(np.quantile(reference, np.linspace(0.1, 0.9, 9)))
        ref = np.bincount(np.digitize(reference, edges), minlength=len(edges) + 1) / len(reference)
        cur = np.bincount(np.digitize(current, edges), minlength=len(edges) + 1) / len(current)
    ref, cur = np.maximum(ref, 1e-4), np.maximum(cur, 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


answer = psi_by_hand'''

IMPORTS = ("from mldebt_lessons.shop.world import build_world\n"
           "from mldebt_lessons.lessons.monitoring_and_testing.experiment import detection, false_alarms_per_month\n")

EXERCISES = (
    Exercise(
        "16.1", "How long does PSI take to see a slow drift?",
        f"In `world = build_world({OTHER_SEED})`, bots inflate the session count a little more each day from day 35 "
        "(`'gradual_drift'`). Set `answer` to the days PSI alone takes to catch it: "
        "`detection(world, 'gradual_drift', ('psi',)).delay`.",
        "detection(build_world(42), 'gradual_drift', ('psi',)).delay, from the experiment module.",
        IMPORTS + "answer = detection(build_world(42), 'gradual_drift', ('psi',)).delay",
        _check_psi_drift,
        predict="Will PSI (alarm at 0.2) catch the slow bot drift on its first day, within two weeks, or later than "
                "two weeks? Give a number of days.",
        judge_prediction=_judge_psi_drift,
    ),
    Exercise(
        "16.2", "False alarms with no correction",
        f"In the world of seed {OTHER_SEED}, set `answer` to the false alarms per month that KS tests at p < 0.05 on "
        "four inputs a day, with no correction, ring on the fault-free stream: "
        "`false_alarms_per_month(world, 'ks_loose')`.",
        "false_alarms_per_month(build_world(42), 'ks_loose'), from the experiment module.",
        IMPORTS + "answer = false_alarms_per_month(build_world(42), 'ks_loose')",
        _check_false_alarms,
        predict="With no fault at all, how many false alarms a month do four daily KS tests at p < 0.05 ring? "
                "Give a number.",
        judge_prediction=_judge_false_alarms,
    ),
    Exercise(
        "16.3", "The price of waiting for labels",
        f"In the world of seed {OTHER_SEED}, the session count gets stuck on day 35 (`'stuck_feature'`). Set "
        "`answer` to the decisions turned wrong before prediction bias by slice catches it: "
        "`detection(world, 'stuck_feature', ('bias_by_slice',)).harm`.",
        "detection(build_world(42), 'stuck_feature', ('bias_by_slice',)).harm, from the experiment module.",
        IMPORTS + "answer = detection(build_world(42), 'stuck_feature', ('bias_by_slice',)).harm",
        _check_stuck_harm,
        predict="Bias by slice must wait a week for labels. Will it let through under 100, a few hundred, or over "
                "a thousand wrong decisions before it catches the stuck count? Give a number.",
        judge_prediction=_judge_stuck_harm,
    ),
    Exercise(
        "16.4", "Write PSI by hand",
        "Write `psi_by_hand(reference, current)`: two arrays of one input's values (numbers, or category names) "
        "in, the population stability index out. Numbers: bins at the reference's deciles (9 cut points; a value "
        "equal to a cut point goes to the bin above); categories: one bin each. PSI is the sum over bins of "
        "(current share - reference share) * ln(current share / reference share), with every share floored at "
        "0.0001. Set `answer = psi_by_hand`. The checker compares it with the lesson's on five cases (a quiet day, "
        "a category, the pence basket, the bot drift, the stuck count) at three seeds.",
        "np.quantile(reference, np.linspace(0.1, 0.9, 9)) gives the cut points; np.digitize(values, cuts) the bins; "
        "np.bincount(..., minlength=10) / len(values) the shares.",
        SOLUTION_PSI,
        _check_psi,
        predict=f"At seed {OTHER_SEED}, what PSI does the stuck session count give on its first day (every user "
                "gets the same value)? Under 0.2, about 1, or over 2?",
        judge_prediction=_judge_psi,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("A fraud ring starts to target app users: their true fraud rate rises, while nothing the models read "
       "changes. Which monitor can notice it first?", [
        ("The KS, chi-square and PSI tests on the inputs, on the very same day.", False,
         "They cannot: the inputs are what they were. In the nearest case measured, German customers churning "
         "more, the input tests raised exactly the alarms they raise with no fault, on the same days, in "
         f"{_held('inputs_blind_to_slice')} worlds (inputs_blind_to_slice)."),
        ("Prediction bias in the app slice, once the late labels arrive.", True,
         "Right: predicted and observed fraud part ways in that slice, and only labels can show it. For the German "
         f"churn shift, the days bias by slice took: {_measured('slice_bias_delay')} (slice_bias_delay)."),
        ("The cap on orders held, as the number held jumps.", False,
         "The model's scores do not move, so neither does the number held: action limits watch what the system "
         "does, and it does the same as before.")],
       measured=True),
    _q("Ten KS tests run every day, one per numeric input, each at p < 0.05, and there is no fault at all. "
       "What do you expect over a month?", [
        ("No alarms: with no fault there is nothing for the tests to find.", False,
         "Each test rings about one day in twenty by chance, when nothing is wrong; ten tests a day, more often."),
        ("Several false alarms: each test gets its own 5% chance every day.", True,
         "Right: with just four inputs, the uncorrected tests already rang more false alarms a month than the same "
         f"tests held to a 1% daily budget; extra false alarms a month: {_measured('uncorrected_false_alarms')} "
         "(uncorrected_false_alarms). People stop reading a monitor that cries wolf."),
        ("At most one: p < 0.05 is a strict cut-off, so chance alarms are rare.", False,
         "Strict for one test on one day; 300 tests a month add up. Share the budget between them (Bonferroni).")],
       measured=True),
    _q("A bug freezes the fraud model's device input at 'desktop' for every user. What does relying on "
       "prediction bias alone cost?", [
        ("Nothing: a wrong input shows in the predictions at once, so bias catches it on day one.", False,
         "The predictions move at once, but bias compares them with labels, which arrive a week later."),
        ("A week or more of wrong decisions that chi-square could have stopped on day one.", True,
         "Right: one category for everyone is a shift chi-square and PSI see at once. In the nearest case measured, a "
         "frozen session count, waiting for labels let through more wrong decisions than a KS test; extra "
         f"decisions turned wrong: {_measured('stuck_harm_waiting')} (stuck_harm_waiting)."),
        ("Nothing: 'desktop' is a valid device, so no monitor can tell that anything is wrong.", False,
         "One value for everyone replaces a whole mix of values. In the nearest case measured, a day with the "
         "country frozen at its most common value, chi-square and PSI both rang at once in "
         f"{_held('frozen_country_chi2')} worlds (frozen_country_chi2).")],
       measured=True),
    _q("The labels' producer falls three weeks behind. What does Larkspur lose?", [
        ("Decisions: the models score users worse while they wait for fresh labels to arrive.", False,
         "The models do not read labels to score; not one decision turns wrong from late labels alone."),
        ("Its label-based monitors: bias checks go quiet, so faults only labels show go unseen.", True,
         "Right: with no complete window of labels, the prediction-bias monitors test nothing, and missed the late "
         f"labels in {_held('late_labels_blind_bias')} worlds (late_labels_blind_bias). Only a freshness check on the labels notices."),
        ("Nothing: the KS tests would ring at once, because the labels' arrival day has shifted.", False,
         "Input tests look at the inputs, which are unchanged; they ring only their usual false alarms.")]),
    _q("A team checks every input against a schema (types, ranges) by hand at each release and writes the result "
       "up, and a prediction-bias dashboard by slice refreshes automatically every day. What does the ML Test "
       "Score's monitoring section give it?", [
        ("Two points: one for each monitor the team has, however it is run.", False,
         "Points depend on how a test is run: half a point by hand (written up and shared), one automated."),
        ("One and a half: half for the manual input check, one for the bias check.", True,
         "Right: data invariants by hand earn half a point, prediction quality run automatically earns one. "
         "Five of the seven tests stay at 0."),
        ("One point: only the automated bias dashboard counts; checks by hand earn 0.", False,
         "The 2017 rubric gives half a point to a test run by hand whose results are written up and shared.")]),
    _q("More and more new accounts sign up each day, so days_since_signup slowly falls. Which input monitor "
       "rings first?", [
        ("PSI, because it is built to measure how far a distribution has shifted.", False,
         "PSI measures the size of the shift and waits for 0.2; small, steady shifts take a while to get there. "
         f"On the bot drift, the days by which the KS tests rang earlier: {_measured('drift_ks_before_psi')} "
         "(drift_ks_before_psi)."),
        ("The KS tests: they ask whether a shift is real, not whether it is big.", True,
         "Right: with 200 users a day against 2,800 in the reference, a small real shift becomes significant "
         f"before its PSI reaches 0.2. On the bot drift, the days by which the KS tests rang earlier: "
         f"{_measured('drift_ks_before_psi')} (drift_ks_before_psi)."),
        ("Both on the same day: they read the same values, so they must agree.", False,
         "Same values, different questions: a p-value (is it real?) and an effect size (is it big?).")],
       measured=True),
    _q("Why give every monitor a stated rule for its cut-off (a daily false-alarm budget, or PSI's 0.2), rather "
       "than the cut-off that catches this quarter's incidents best?", [
        ("A cut-off tuned on known incidents fits them, and its false-alarm rate is then unknown.", True,
         "Right: a rule set in advance lets you measure false alarms on fault-free days and trust the delays."),
        ("Because statistical tests are only valid at the conventional level of p < 0.05 for every test.", False,
         "Any level works; the point is to choose it by a rule, and to share it across the tests run."),
        ("Because the ML Test Score only credits monitors whose cut-offs follow a published standard.", False,
         "The rubric credits running the test automatically; it says nothing of cut-offs.")]),
)


LESSON = Lesson(
    id="16",
    slug="monitoring_and_testing",
    title="Monitoring and Testing: Watching a Live System",
    paper_section="§7",
    patterns=("monitoring_gap",),
    objectives=(
        "Run the paper's monitors on Larkspur's live stream of days: prediction bias by slice, action limits, and "
        "tests of the inputs against a reference window (KS, chi-square, PSI by hand).",
        "Measure, for each monitor and each seeded fault, the detection delay, the false alarms per month on "
        "fault-free days, and the decisions turned wrong before detection.",
        "Say what each monitor cannot see: input tests miss a change in behaviour, bias checks wait for labels, "
        "action limits miss what does not change how much is done.",
        "Choose cut-offs by a stated rule and share a false-alarm budget between many tests.",
    ),
    minutes=50,
    prerequisites=("00_start_here.ipynb", "what a p-value is", "the shop's churn and fraud models (lesson 01)"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain why 'Hidden Technical Debt in Machine Learning Systems' (§7) says unit tests and "
        "end-to-end tests are not enough for a live ML system, and what prediction bias, action limits and "
        "up-stream producers have to do with it.",
        "Walk me through choosing alarm thresholds for many daily distribution tests (KS, chi-square, PSI) so the "
        "false alarms stay within a budget, and how to measure a monitor's detection delay honestly.",
        "Given my ML/LLM system (described below), help me audit its monitoring: which faults (unit changes, stuck "
        "features, shifts in one slice, late labels, slow drift) would each of my monitors see or miss, how late, "
        "and with how many false alarms? Then prioritise which monitor to add first, and say how to measure it.",
    ),
    key_points=(
        "Monitor what tests cannot reach: a live system's inputs, predictions and actions change every day.",
        "Each monitor sees some faults and is blind to others: input tests catch an upstream unit change on day 0 "
        "and miss a shift in behaviour completely; prediction bias by slice catches that shift, but only once the "
        "labels arrive; action limits catch what changes how much the system does.",
        "Late labels blind every label-based monitor: check the labels' freshness too.",
        "Set cut-offs by a stated rule and share a daily false-alarm budget between the tests: uncorrected "
        "tests on many inputs ring more false alarms a month, and people stop reading them.",
        "The earlier a monitor catches a fault, the fewer decisions go wrong: waiting a week for labels costs "
        "what a day-one input test would have saved.",
    ),
    focus_nodes=("churn_model", "fraud_model"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §7.",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness and Technical Debt Reduction', "
        "IEEE Big Data 2017 (the monitoring tests).",
        "scipy.stats: ks_2samp, kstwobign and chisquare; on PSI, B. Yurdakul, 'Statistical Properties of "
        "Population Stability Index' (2018).",
    ),
)
