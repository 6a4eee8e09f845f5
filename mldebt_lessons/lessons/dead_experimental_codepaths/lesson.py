"""Lesson 11: dead experimental codepaths (Sculley et al. 2015, §5)."""

from __future__ import annotations

from mldebt_lessons.course.answers import as_pair, is_number, number_in, read_yes_no, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import (
    analyse,
    flags_read,
    pruned_source,
    release_loss,
    release_source,
)
from mldebt_lessons.shop.flags import fleet

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
OLD_PAIR = ("srv-7", "srv-8")
PAIR_MINUTES = 20


# -- 11.1: one more flag flipped on release day ------------------------------------------------------

def _strict_release_day() -> dict[str, dict[str, bool]]:
    configs = fleet.fleet_flags(released=True)
    configs["srv-1"] = {**configs["srv-1"], "strict_fraud": True}
    return configs


def _strict_counts() -> tuple[int, int]:
    report = analyse(release_source(42), _strict_release_day())
    return report.untested_fleet, report.nowhere


def _check_counts(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not all(is_number(v) for v in pair):
        return Feedback(False, "give two numbers as a pair: (fleet settings no test runs, settings run nowhere).")
    truth = _strict_counts()
    if tuple(int(v) for v in pair) == truth and all(float(v) == int(v) for v in pair):
        return Feedback(True, f"{truth}: one more flag flipped on one server adds a setting the fleet runs and no "
                              f"test has run; {truth[1]} of the 32 settings still run nowhere, dead until a flag "
                              "wakes one.")
    if int(pair[0]) != truth[0]:
        return Feedback(False, "the first number is off: count the distinct settings the eight servers run, then "
                               "drop those the tests run.")
    return Feedback(False, "the first number is right; the second is off: 32 settings minus those the fleet or "
                           "the tests run.")


def _judge_counts(prediction) -> str:
    guess, truth = number_in(prediction), _strict_counts()[0]
    shown = f"you guessed {guess:g}; " if guess is not None else ""
    return f"{shown}the fleet runs {truth} settings on that release day, and no test runs any of them."


# -- 11.2: two servers missed the release ----------------------------------------------------------

def _pair_loss() -> float:
    return release_loss(world_at(OTHER_SEED), OLD_PAIR, PAIR_MINUTES)


def _one_loss() -> float:
    return release_loss(world_at(OTHER_SEED), ("srv-8",), PAIR_MINUTES)


def _check_loss(answer) -> Feedback:
    truth = _pair_loss()
    if not is_number(answer):
        return Feedback(False, "give one number: the loss in pounds.")
    if float(answer) <= 0:
        return Feedback(False, "a loss of zero or less would mean the old code earned as much as the new; measure it.")
    if within(answer, truth, max(1.0, 0.01 * truth)):
        return Feedback(True, f"£{truth:,.0f}: each order on either old server gets 30% off and skips the fraud "
                              f"hold; srv-8 alone would have lost £{_one_loss():,.0f} in the same minutes.")
    return Feedback(False, f"£{float(answer):,.0f} is not what the world of seed {OTHER_SEED} gives for those two "
                           f"servers and {PAIR_MINUTES} minutes.")


def _judge_loss(prediction) -> str:
    ratio = _pair_loss() / _one_loss()
    return f"{you_guessed(prediction)}two old servers lose {ratio:.2f} times what srv-8 alone loses."


# -- 11.3: write dead_flags ------------------------------------------------------------------------

def _random_configs(seed: int) -> dict[str, dict[str, bool]]:
    import numpy as np
    rng = np.random.default_rng([seed, 112])
    names = list(fleet.DEFAULTS) + ["express_pay", "gift_wrap"]
    on_share = rng.choice([0.0, 0.3, 1.0], size=len(names))
    configs = {}
    for server in fleet.SERVERS:
        configs[server] = {name: bool(rng.random() < share) for name, share in zip(names, on_share)
                           if rng.random() < 0.85}
    return configs


def _dead_cases():
    from mldebt_lessons.course.claims import SEEDS
    cases = [("release 41, today", release_source(41), fleet.fleet_flags(False)),
             ("release 42, release day", release_source(42), fleet.fleet_flags(True)),
             ("pruned release 41, today", pruned_source(41), fleet.fleet_flags(False))]
    for seed in SEEDS[:3]:
        cases.append((f"release 41, random fleet {seed}", release_source(41), _random_configs(seed)))
    return cases


def _check_dead_flags(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): dead_flags(source, configs).")
    wrong = []
    cases = _dead_cases()
    for label, source, configs in cases:
        expected = analyse(source, configs).dead
        try:
            got = answer(source, {s: dict(f) for s, f in configs.items()})
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} on {label}.")
        try:
            got = set(got)
        except TypeError:
            return Feedback(False, f"on {label} it returned {type(got).__name__}; return a set of flag names.")
        if got != expected:
            missing, extra = sorted(expected - got), sorted(got - expected)
            wrong.append(f"{label}: missing {missing or 'none'}, extra {extra or 'none'}")
    if wrong:
        return Feedback(False, f"{len(wrong)} of {len(cases)} cases wrong, e.g. {wrong[0]}.")
    return Feedback(True, f"right on all {len(cases)} cases: Larkspur's two releases, the pruned one, and three "
                          "random fleets. Run it on every release and every deploy, and dead flags stop piling up.")


def _judge_dead(prediction) -> str:
    n = len(analyse(release_source(41), _random_configs(2015)).dead)
    return f"{you_guessed(prediction)}the first random fleet (seed 2015) has {n} dead flags in release 41."


# -- 11.4: write safe_to_reuse ---------------------------------------------------------------------

def _reuse_cases():
    from pathlib import Path
    v41, v42, pruned = release_source(41), release_source(42), pruned_source(41)
    fleet_source = Path(fleet.__file__).read_text(encoding="utf-8")  # names every flag, reads none
    return [("fast_lane", [v41, v42], False), ("fast_lane", [v42], False), ("legacy_tax", [v41, v42], True),
            ("strict_fraud", [pruned], True), ("strict_fraud", [pruned, v41], False),
            ("winback_discount", [pruned], False), ("express_pay", [v41], True), ("holiday_ranking", [], True),
            ("legacy_tax", [fleet_source], True)]


def _check_reuse(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself: safe_to_reuse(name, deployed_sources).")
    wrong = []
    cases = _reuse_cases()
    for name, sources, expected in cases:
        try:
            got = answer(name, list(sources))
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} for {name!r}.")
        if not isinstance(got, bool):
            return Feedback(False, f"for {name!r} it returned {type(got).__name__}; return True or False.")
        if got != expected:
            wrong.append(f"{name!r} with {len(sources)} deployed release(s): said {got}, should say {expected}")
    if wrong:
        return Feedback(False, f"{len(wrong)} of {len(cases)} cases wrong, e.g. {wrong[0]}.")
    return Feedback(True, f"right on all {len(cases)} cases: a name is free only when no code still deployed "
                          "reads it. Run before release day, it refuses `fast_lane` while any server keeps release 41.")


def _judge_reuse(prediction) -> str:
    said = read_yes_no(prediction)
    readers = [label for label, source in (("pruned release 41", pruned_source(41)), ("release 42", release_source(42)))
               if "strict_fraud" in flags_read(source)]
    answer = (f"{' and '.join(readers)} still read{'s' if len(readers) == 1 else ''} strict_fraud, so it is not safe"
              if readers else "no deployed release reads strict_fraud, so it is safe")
    if said is None:
        return answer + "."
    return f"you said {'yes' if said else 'no'}; {answer}."


EXERCISES = (
    Exercise(
        "11.1", "One more flag on release day",
        "On release day someone also switches `strict_fraud` on, on `srv-1` only. Build those flags "
        "(`fleet.fleet_flags(released=True)`, then set `strict_fraud` to True in `srv-1`'s dict), analyse release "
        "42 with them (`analyse(release_source(42), configs)`), and set `answer` to the pair "
        "`(report.untested_fleet, report.nowhere)`: settings the fleet runs that no test runs, and settings "
        "that neither a server nor a test runs.",
        "configs = fleet.fleet_flags(released=True); configs['srv-1'] = {**configs['srv-1'], 'strict_fraud': True}.",
        "from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import analyse, release_source\n"
        "from mldebt_lessons.shop.flags import fleet\n"
        "configs = fleet.fleet_flags(released=True)\n"
        "configs['srv-1'] = {**configs['srv-1'], 'strict_fraud': True}\n"
        "report = analyse(release_source(42), configs)\n"
        "answer = (report.untested_fleet, report.nowhere)",
        _check_counts,
        predict="How many distinct settings will the eight servers run on that release day (one number)?",
        judge_prediction=_judge_counts,
    ),
    Exercise(
        "11.2", "Two servers miss the release",
        f"In the world of seed {OTHER_SEED} (`world = build_world({OTHER_SEED})`), `srv-7` and `srv-8` were not "
        f"redeployed, and someone notices after {PAIR_MINUTES} minutes. Set `answer` to the loss in pounds: "
        f"`release_loss(world, ('srv-7', 'srv-8'), {PAIR_MINUTES})`.",
        "release_loss takes the world, a tuple of the old servers, and the minutes until someone notices.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import release_loss\n"
        f"world = build_world({OTHER_SEED})\n"
        f"answer = release_loss(world, ('srv-7', 'srv-8'), {PAIR_MINUTES})",
        _check_loss,
        predict="Will two old servers lose exactly twice what srv-8 alone loses in those minutes, more, or less? "
                "Give the ratio you expect.",
        judge_prediction=_judge_loss,
    ),
    Exercise(
        "11.3", "Write a dead-flag finder",
        "Write `dead_flags(source, configs)`: `source` is a module's source text, `configs` maps each server to "
        "its flags ({name: True/False}; a flag a server does not set counts as off). Return the set of dead "
        "flags: those the code reads (`flags[\"name\"]`, found with `flags_read(source)` or your own `ast` walk) "
        "but that are set the same on every server, and those some server sets that the code reads nowhere. "
        "Set `answer = dead_flags`. The checker runs it on both releases, the pruned one, and three random fleets.",
        "reads = flags_read(source); for each name in reads | every name set: values = {bool(f.get(name, False)) "
        "for f in configs.values()}; dead if not read, or len(values) == 1.",
        "from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import flags_read\n"
        "def dead_flags(source, configs):\n"
        "    reads = flags_read(source)\n"
        "    names = reads | {name for flags in configs.values() for name in flags}\n"
        "    dead = set()\n"
        "    for name in names:\n"
        "        values = {bool(flags.get(name, False)) for flags in configs.values()}\n"
        "        if name not in reads or len(values) == 1:\n"
        "            dead.add(name)\n"
        "    return dead\n"
        "answer = dead_flags",
        _check_dead_flags,
        predict="The checker's first random fleet (seed 2015) sets Larkspur's six flags and two made-up names; each "
                "name is on nowhere, on about a third of the servers, or everywhere. How many names will be dead "
                "in release 41? One number.",
        judge_prediction=_judge_dead,
    ),
    Exercise(
        "11.4", "Write a guard for reusing a flag name",
        "Write `safe_to_reuse(name, deployed_sources)`: True when no source in `deployed_sources` (the source "
        "text of every release still running on some server) reads the flag `name`, else False. Set `answer = "
        "safe_to_reuse`. The checker tries names against releases 41, 42, pruned 41 (`pruned_source(41)`) and the "
        "fleet's own module, which names every flag in its settings but reads none.",
        "any(name in flags_read(source) for source in deployed_sources) means the name is still in use.",
        "from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import flags_read\n"
        "def safe_to_reuse(name, deployed_sources):\n"
        "    return not any(name in flags_read(source) for source in deployed_sources)\n"
        "answer = safe_to_reuse",
        _check_reuse,
        predict="Suppose srv-1 to srv-4 run pruned release 41 and srv-5 to srv-8 run release 42. Would "
                "`strict_fraud` be safe to reuse (yes or no)?",
        judge_prediction=_judge_reuse,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("In this lesson, when is a branch of Larkspur's checkout code dead?", [
        ("When no server's flags ever take it, though the code still ships it.", True,
         "Right: the code is there and works; nothing runs it, so nobody notices what it does."),
        ("When no unit test calls the function that contains that branch of code.", False,
         "Untested is not dead: winback_discount's branch runs on four servers, tested or not."),
        ("When switching its flag on makes the checkout raise an error.", False,
         "Dead code usually runs fine when woken; that is the danger: it does what it did years ago.")]),
    _q("Next quarter Larkspur adds two more on/off flags to release 42's checkout, one per new experiment. "
       "How many settings would a test suite then have to run to cover every path?", [
        ("8: the all-off default, plus one setting for each flag switched on alone.", False,
         "That tests each flag alone; flags combine, and each combination of all seven is its own path. With "
         "release 42's five flags, each of the 32 settings served the orders differently in every world measured."),
        ("128: each flag doubles the settings, so two more make 32 four times.", True,
         "Right: 2^7 = 128. With five flags all 32 settings behave differently in every world measured; each "
         "flag that changes anything doubles them again."),
        ("34: each new flag adds just one setting, the one that switches it on.", False,
         "A new flag is on or off in every one of the existing settings, so it doubles them rather than adding "
         "one: 32 become 64, then 128.")],
       measured=True),
    _q("With srv-8 left on release 41, why does the loss keep growing until someone notices?", [
        ("Each new order there gets 30% off and skips the fraud hold.", True,
         "Right: the woken branch treats every order the same way, so each minute of orders adds its share; "
         "in every world measured an hour costs more than twice a quarter of an hour."),
        ("The fraud model retrains on the orders the woken path approved.", False,
         "Nothing retrains here; the woken branch ignores the fraud model's score altogether."),
        ("Each discount is taken off the price left by the previous one.", False,
         "The discount is 30% of each order's own basket; the loss grows by adding up, not compounding.")]),
    _q("Had release 41 been pruned before release day, which path would the old servers run once fast_lane "
       "is switched on?", [
        ("The standard checkout, as before: pruned code never reads fast_lane.", True,
         "Right: with no branch left to wake, the reuse costs exactly nothing, in every world measured."),
        ("The instant approval, but only for orders the fraud model trusts.", False,
         "Pruning removed the instant approval entirely; there is nothing left to take."),
        ("The one-page checkout, since the flag now means the new page.", False,
         "Only release 42 has the new page; release 41, pruned or not, knows nothing of it.")], measured=True),
    _q("A colleague proposes one more test: run release 42's checkout with release day's flags on a test "
       "server. Would it have caught the loss?", [
        ("No: the woken branch is in release 41, which that test never runs.", True,
         "Right: the danger was in code the release meant to replace; a check must cover every release still deployed."),
        ("Yes: release day's flags are the very setting that loses money.", False,
         "Only in release 41: release 42 with those flags loses nothing (the redeployed servers' control claim)."),
        ("Yes, provided that it also checks the 15% discount limit on each order.", False,
         "Release 42 never breaks that limit; the order-by-order check must run on the old code to fail.")]),
    _q("Which remedy removes the risk rather than shrinking it?", [
        ("Test every one of the 2^k flag settings before each release.", False,
         "That doubles with each new flag; the paper's advice is to have fewer paths, not more tests."),
        ("Redeploy faster, so that no server misses a release for long.", False,
         "That shortens the time to notice; the dead branch is still there to wake."),
        ("Prune dead branches and never reuse a flag's name.", True,
         "Right: with no dead branch and no reused name there is nothing to wake.")]),
    _q("`legacy_tax` is set on every server but read by no code. What is the risk?", [
        ("None: a setting that no code reads can never matter.", False,
         "It matters the day some code reads that name again: it is already on everywhere."),
        ("Code that reads the name later inherits a value set years ago.", True,
         "Right: a stale setting waits for a reader, like fast_lane's branch waited for its flag."),
        ("It slows serving down, since every server parses it.", False,
         "The cost is not speed; it is a hidden, fleet-wide value nobody remembers setting.")]),
)


LESSON = Lesson(
    id="11",
    slug="dead_experimental_codepaths",
    title="Dead Experimental Codepaths: A Flag Nobody Remembers",
    paper_section="§5",
    patterns=("dead_experimental_codepath",),
    objectives=(
        "Find the flags a module reads by parsing it with `ast`, and compare them with what each server sets.",
        "Count the settings k flags create (2^k), those the fleet runs, those the tests run, and those that run nowhere.",
        "Replay the paper's Knight Capital story on Larkspur's orders: a reused flag name wakes a dead branch "
        "on a server that missed the release; measure the loss against the time to notice.",
        "Pay the debt down: prune dead branches, and guard flag names against reuse.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "reading a short Python module"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what dead experimental codepaths are in 'Hidden Technical Debt in Machine "
        "Learning Systems' (§5), and why experiment flags left in serving code cost more over time.",
        "Walk me through how a flag name reused for a new feature can wake an old experiment's code on a server "
        "that missed a release, as in the Knight Capital story the paper cites, and what would have stopped it.",
        "Given my ML/LLM system (described below), help me audit it for dead experimental codepaths: list the "
        "flags, config switches and prompt or model variants my serving code branches on, which are never "
        "flipped or never read, and which settings no test runs. Then prioritise which to prune first, and say "
        "how to measure it.",
    ),
    key_points=(
        "Each on/off flag doubles the settings the code can run: k flags make 2^k paths, and a test suite runs "
        "only a handful of them.",
        "A flag set the same on every server leaves a branch that nothing runs; a flag set but read nowhere is "
        "a value waiting for a reader. Both are found by parsing the code and reading the configs.",
        "A dead branch still works: reusing its flag's name for a new feature wakes it on any server that "
        "missed the release, and it loses money on the orders it serves until someone notices.",
        "Control: pruned code does not read the dead flag, so the same mistake costs exactly nothing; pruning "
        "changes no decision the fleet makes today.",
        "Retire flag names for good, prune dead branches on a schedule, and check a name against every deployed "
        "release before reusing it.",
    ),
    focus_nodes=("fraud_model", "churn_model"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §5 (dead "
        "experimental codepaths).",
        "U.S. Securities and Exchange Commission, 'In the Matter of Knight Capital Americas LLC', "
        "Release No. 70694, 16 October 2013 (the reused flag and the server that missed the deployment).",
    ),
)
