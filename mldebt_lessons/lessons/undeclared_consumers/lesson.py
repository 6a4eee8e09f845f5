"""Lesson 03: undeclared consumers, or visibility debt (Sculley et al. 2015, §2; the hidden loop of 2014)."""

from __future__ import annotations

import numbers

from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question


def _world():
    from mldebt_lessons.shop.world import build_world
    return build_world()


def _pair(answer):
    """``answer`` as a tuple of two, or None if it is not a pair."""
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        return tuple(answer)
    return None


def _is_share(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _close(a, b, tolerance=0.0005) -> bool:
    # Accept the exact value, or the value as the tables round it.
    return abs(float(a) - float(b)) <= tolerance + 1e-9


# --- checkers: each computes the right answer from the library, never from a typed number ---

def _audit(events=None):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        declared_consumers,
        undeclared_readers,
    )
    from mldebt_lessons.shop.lineage import observed_reads
    world = _world()
    return undeclared_readers(declared_consumers(world.graph), events if events is not None else observed_reads(world))


def _check_find_reader(answer) -> Feedback:
    expected = [(m, r) for m, a in _audit().items() for r in a.undeclared]
    pair = _pair(answer)
    if pair is None:
        return Feedback(False, "give a pair: (model, reader), for example ('ltv_model', 'vip_programme').")
    if pair in expected:
        return Feedback(True, f"{pair[1]} reads {pair[0]}'s output every day, and no one declared it: "
                              f"the owner of {pair[0]} cannot tell it about a change.")
    declared = {(m, r) for m, a in _audit().items() for r in a.declared}
    if pair in declared:
        return Feedback(False, f"{pair[1]}'s read of {pair[0]} is declared. Look for a reader that is observed "
                               "but not declared.")
    return Feedback(False, "compare declared_consumers(world.graph) with what observed_reads(world) shows.")


def _ads_shares(change, told=None):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        measure_output_change,
        outcome_of,
    )
    o = outcome_of(measure_output_change(_world(), "churn_model", change, told), "ads_ranker", "churn_model")
    return o.share_before, o.share_after


def _check_silent_loss(answer) -> Feedback:
    pair = _pair(answer)
    if pair is None or not all(_is_share(x) for x in pair):
        return Feedback(False, "give a pair of numbers: (ads_ranker's share before, its share after).")
    before, after = _ads_shares("recalibrate")
    if any(abs(x) > 5 for x in pair):
        return Feedback(False, "give shares as fractions (0.5 for 50%), not percentages.")
    if _close(pair[0], before) and _close(pair[1], after):
        return Feedback(True, f"the ads ranker falls from {before:.1%} to {after:.1%} of the best possible ad "
                              "profit: the ranking of users did not change, but its fixed cut-off now picks "
                              "different people. Nobody raised an error.")
    return Feedback(False, "use measure_output_change(world, 'churn_model', 'recalibrate') and read ads_ranker's "
                           "share_before and share_after.")


def _stale_declaration():
    from mldebt_lessons.shop.lineage import dataset, observed_reads, without_reads
    world = _world()
    events = without_reads(observed_reads(world), "homepage", dataset(world.graph, "churn_model")["name"])
    return [(m, r) for m, a in _audit(events).items() for r in a.never_observed]


def _check_stale(answer) -> Feedback:
    expected = _stale_declaration()
    pair = _pair(answer)
    if pair is None:
        return Feedback(False, "give a pair: (model, reader).")
    if pair in expected:
        return Feedback(True, f"{pair[1]} is still declared as a reader of {pair[0]} but never reads it: a stale "
                              "declaration. It costs less than an undeclared reader, but it makes every change "
                              "look riskier than it is and hides who really depends on the model.")
    if pair == ("churn_model", "ads_ranker"):
        return Feedback(False, "that is the undeclared reader (seen, not declared). Look for the opposite: "
                               "declared, never seen.")
    return Feedback(False, "drop the homepage's reads of 'scores.churn_model' with without_reads, then look at "
                           "never_observed in undeclared_readers.")


def _told_everyone_costs():
    from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES
    from mldebt_lessons.lessons.undeclared_consumers.view import told_readers
    told = told_readers(_world(), "churn_model", tell_undeclared=True)
    costs = {}
    for change in OUTPUT_CHANGES:
        before, after = _ads_shares(change, told)
        costs[change] = after - before
    worst = min(costs, key=lambda c: (costs[c], c))
    return worst, costs


def _check_declared_not_free(answer) -> Feedback:
    worst, costs = _told_everyone_costs()
    pair = _pair(answer)
    if pair is None or not isinstance(pair[0], str) or not _is_share(pair[1]):
        return Feedback(False, "give a pair: (change, change in ads_ranker's share), for example ('rescale', 0.0).")
    change, value = pair
    if change not in costs:
        return Feedback(False, f"the changes are: {', '.join(costs)}.")
    if change != worst:
        return Feedback(False, f"once told, ads_ranker's share moves by {costs[change]:+.1%} under '{change}'. "
                               "Another change still costs it more.")
    if not _close(value, costs[worst]):
        return Feedback(False, f"'{worst}' is the right change; now give its measured change in share "
                               "(after minus before, as a fraction).")
    return Feedback(True, f"even when told, ads_ranker loses {-100 * costs[worst]:.1f} points of the best possible "
                          f"under '{worst}': a new meaning is a real change, not a new format. Being told makes the cost "
                          "visible and chosen, not zero.")


def _loop_inflations():
    from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import (
        simulate_hidden_loop,
    )
    world = _world()
    return (simulate_hidden_loop(world)[-1].weight_inflation,
            simulate_hidden_loop(world, ui_reads_prediction=False)[-1].weight_inflation)


def _check_loop(answer) -> Feedback:
    pair = _pair(answer)
    if pair is None or not all(_is_share(x) for x in pair):
        return Feedback(False, "give a pair of numbers: (weight inflation with the loop, without it).")
    loop, control = _loop_inflations()
    if _close(pair[0], loop, 0.005) and _close(pair[1], control, 0.005):
        return Feedback(True, f"with the layout reading the prediction the weights grow {loop:.2f}x; without it, "
                              f"{control:.2f}x (sampling noise). The model is learning its own influence.")
    if _close(pair[0], control, 0.005) and _close(pair[1], loop, 0.005):
        return Feedback(False, "you have them the wrong way round: the loop first, then the control.")
    return Feedback(False, "read weight_inflation of the last round from simulate_hidden_loop(world) and from "
                           "simulate_hidden_loop(world, ui_reads_prediction=False).")


EXERCISES = (
    Exercise(
        "03.1", "Find the undeclared reader",
        "Compare who is declared to read each model with who the access log shows reading it. Which "
        "(model, reader) pair is read but never declared? Put the pair in `answer`.",
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import declared_consumers, observed_reads, undeclared_readers`, then "
        "`undeclared_readers(declared_consumers(world.graph), observed_reads(world))` gives one audit per model; "
        "look at each audit's `undeclared` readers.",
        """from mldebt_lessons.lessons.undeclared_consumers.experiment import declared_consumers, observed_reads, undeclared_readers
from mldebt_lessons.shop.world import build_world

world = build_world()
audits = undeclared_readers(declared_consumers(world.graph), observed_reads(world))
answer = next((model, reader) for model, audit in audits.items() for reader in audit.undeclared)
""",
        _check_find_reader),
    Exercise(
        "03.2", "Measure the silent loss",
        "The retention team recalibrates churn_model (the ranking of users does not change) and tells its "
        "declared consumers. Measure ads_ranker's outcome, as a share of the best possible, before and after. "
        "Put the pair `(before, after)` in `answer`, as fractions.",
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import measure_output_change, outcome_of`, then "
        "`measure_output_change(world, 'churn_model', 'recalibrate')` returns one outcome per consumer use, and "
        "`outcome_of(outcomes, 'ads_ranker', 'churn_model')` picks the one you need.",
        """from mldebt_lessons.lessons.undeclared_consumers.experiment import measure_output_change, outcome_of
from mldebt_lessons.shop.world import build_world

world = build_world()
outcomes = measure_output_change(world, "churn_model", "recalibrate")
ads = outcome_of(outcomes, "ads_ranker", "churn_model")
answer = (ads.share_before, ads.share_after)
""",
        _check_silent_loss),
    Exercise(
        "03.3", "The stale declaration",
        "The homepage team removes its discount banner, so the homepage stops reading churn_model's scores, "
        "but nobody updates the declarations. Remove those reads from the access log and audit it again. "
        "Which (model, reader) pair is now declared but never seen? Put it in `answer`.",
        "`from mldebt_lessons.shop.lineage import observed_reads, without_reads` and "
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import declared_consumers, undeclared_readers`; then "
        "`without_reads(observed_reads(world), 'homepage', 'scores.churn_model')` gives the new log. Audit it "
        "with `undeclared_readers(declared_consumers(world.graph), log)`: the finding is in `never_observed`.",
        """from mldebt_lessons.shop.lineage import without_reads
from mldebt_lessons.lessons.undeclared_consumers.experiment import (declared_consumers, observed_reads,
    undeclared_readers)
from mldebt_lessons.shop.world import build_world

world = build_world()
log = without_reads(observed_reads(world), "homepage", "scores.churn_model")
audits = undeclared_readers(declared_consumers(world.graph), log)
answer = next((model, reader) for model, audit in audits.items() for reader in audit.never_observed)
""",
        _check_stale),
    Exercise(
        "03.4", "Declared is not free",
        "Now suppose the ads team had declared its read, so the retention team tells it too (in the explorer: "
        "tick 'tell undeclared readers too'). Which of the changes in OUTPUT_CHANGES, made to churn_model, "
        "still costs ads_ranker the most, and by how much? Put `(change, after minus before)` in `answer`, the "
        "change in share as a fraction.",
        "`from mldebt_lessons.lessons.undeclared_consumers.view import told_readers` and "
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, outcome_of`; then "
        "`told_readers(world, 'churn_model', tell_undeclared=True)` names everyone in the access log: pass it "
        "as `told` to `measure_output_change(world, 'churn_model', change, told=...)` for each change in "
        "`OUTPUT_CHANGES`, and read ads_ranker's outcome with `outcome_of`.",
        """from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, outcome_of
from mldebt_lessons.lessons.undeclared_consumers.view import told_readers
from mldebt_lessons.shop.world import build_world

world = build_world()
everyone = told_readers(world, "churn_model", tell_undeclared=True)

def ads_change(change):
    outcomes = measure_output_change(world, "churn_model", change, told=everyone)
    return outcome_of(outcomes, "ads_ranker", "churn_model").change

worst = min(OUTPUT_CHANGES, key=lambda c: (ads_change(c), c))
answer = (worst, ads_change(worst))
""",
        _check_declared_not_free),
    Exercise(
        "03.5", "Close the hidden loop",
        "The homepage, a declared reader of the recommender, starts a new use of its click prediction that "
        "nobody declares: its layout module sizes the carousel by it, and the recommender is retrained on the "
        "clicks that follow. Simulate the default number of rounds with the layout reading the prediction, and "
        "the control where it does not. Put `(inflation with the loop, inflation without it)` in `answer`: "
        "each run's `weight_inflation` in its last round.",
        "`from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import simulate_hidden_loop`; then `simulate_hidden_loop(world)` and "
        "`simulate_hidden_loop(world, ui_reads_prediction=False)` each return one LoopRound per round: take "
        "the last.",
        """from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import simulate_hidden_loop
from mldebt_lessons.shop.world import build_world

world = build_world()
loop = simulate_hidden_loop(world)
control = simulate_hidden_loop(world, ui_reads_prediction=False)
answer = (loop[-1].weight_inflation, control[-1].weight_inflation)
""",
        _check_loop),
)

# The right option sits at a different place in different questions (the quiz widget may shuffle too).
QUIZ = (
    Question("What is an undeclared consumer?", (
        Option("A model whose training data nobody documented.", False,
               "That is a data-dependency problem (§3 of the paper). An undeclared consumer sits downstream of "
               "the model, not upstream."),
        Option("A system that reads a model's output, from a log, a table or a file, without the model's owner "
               "knowing.", True,
               "The owner cannot warn it, test against it, or weigh its needs before a change."),
        Option("A customer who ignores the model's recommendations.", False,
               "Consumers here are systems that act on a model's output, not the people it is about."),
        Option("A consumer that is declared but never actually reads the output.", False,
               "That is the opposite finding, a stale declaration: declared, never seen. Wasteful, but nothing "
               "breaks silently because of it."),
    )),
    Question("The retention team rescales churn scores (the 'rescale' change) and tells its declared consumers. "
             "Why does email_campaign lose nothing while ads_ranker ends up losing money?", (
        Option("email_campaign reads a better model.", False,
               "Both read the same churn_model; only what each knew about the change differs."),
        Option("Rescaling changes the order of users, and only the ads ranker notices.", False,
               "Rescaling multiplies every score by the same factor, which keeps the order exactly; that is why "
               "the told consumers lose nothing."),
        Option("The ads ranker crashed on the larger numbers.", False,
               "Nothing crashed, and that is the danger: it kept running, and now shows an ad to more users "
               "than before."),
        Option("email_campaign was told: it undoes the rescale and keeps its campaign size. ads_ranker still "
               "compares the score with its old break-even, so nearly every user now looks worth an ad.", True,
               "The change is harmless to anyone who knows about it, and costly to anyone who does not."),
    )),
    Question("After the 'reformat' change, the ads ranker's profit fell to zero and no alert fired. Why?", (
        Option("Its parser turned text it could not read into missing values, and treated a missing score as "
               "zero: a silent default, no error.", True,
               "Lenient parsing is common in glue code (for example pandas' to_numeric with errors='coerce'), "
               "and it turns a broken contract into quiet wrong behaviour."),
        Option("Ads became too expensive after the change.", False,
               "The ad economics did not change; the ranker simply stopped selecting anyone."),
        Option("A type check should have caught it, so this cannot happen in practice.", False,
               "Type checks only guard interfaces someone declared. The ads ranker read a log nobody promised it."),
        Option("The access log stopped recording the ads ranker's reads.", False,
               "The log still shows the reads; that is exactly how the lesson finds the ads ranker."),
    )),
    Question("How can the churn model's owner find out, before shipping a change, that the ads ranker exists?", (
        Option("Check the model's AUC after the change.", False,
               "For a rescale, a recalibration or a reformat the AUC does not move at all: the owner's own "
               "dashboards stay green while the ads ranker breaks."),
        Option("Wait for the ads team to complain.", False,
               "That is how it is usually found, after the loss. The lesson measured how large that loss is."),
        Option("Compare the declared readers with the reads recorded in an access log, such as lineage run "
               "events.", True,
               "Observed minus declared is visibility debt: readers nobody declared, like the ads ranker. "
               "Declared minus observed is a stale declaration: readers that no longer read."),
        Option("Read the model's source code.", False,
               "The model's code says nothing about who reads its output. Only the readers' side, or the "
               "platform's access log, can tell."),
    )),
    Question("In the hidden loop, the recommender's AUC on its own logged clicks rose while its error against the "
             "true click propensity grew. What is happening?", (
        Option("The model really got better at predicting clicks.", False,
               "Against the true propensity it got worse, round after round; only its own logs say otherwise."),
        Option("It is random noise from redrawing clicks each round.", False,
               "The control redraws clicks the same way, with the same seeds, and shows no such drift."),
        Option("Users' tastes changed during the rounds.", False,
               "The true propensities are fixed in the simulation; only the layout's push changes."),
        Option("The layout made users the model scores high click more, so the log confirms the model: it is "
               "learning its own influence.", True,
               "The 2014 paper's point: a use of the output that nobody declared closes a loop the model's "
               "owners cannot see. Here the reader, the homepage, was even declared; its new use was not."),
    )),
    Question("A rescale of ltv_model changes no consumer's outcome at all. What does that control show?", (
        Option("That ltv_model is more robust than churn_model.", False,
               "Both were rescaled the same way. The difference is who reads them and whether they were told."),
        Option("That the ads ranker's loss comes from not being told, not from the change itself: the same kind "
               "of change is harmless when every reader is declared.", True,
               "The control separates the cost of the change from the cost of invisibility."),
        Option("That rescaling is always safe.", False,
               "Applied to churn_model, it turned the ads ranker's profit into a loss."),
        Option("That the measurement is broken, since a change should always show an effect.", False,
               "A change that keeps the ranking and reaches only informed readers should show no loss; a control "
               "that moved would be the worrying result."),
    )),
    Question("Which remedy does the paper suggest for undeclared consumers?", (
        Option("Stop logging predictions.", False,
               "Logs are useful and other teams need outputs; the problem is reads nobody knows about."),
        Option("Never change a model once it is in production.", False,
               "Models must change; the point is that the owner can tell everyone who depends on it."),
        Option("Restrict access to a model's outputs and agree service levels with each consumer, so every "
               "reader is known and can be told.", True,
               "Access control makes reads visible; agreements make changes negotiable."),
        Option("Retrain every model more often.", False,
               "Retraining does not tell anyone anything, and with a hidden loop each retraining makes the "
               "drift worse."),
    )),
)

LESSON = Lesson(
    id="03",
    slug="undeclared_consumers",
    title="Undeclared Consumers: Visibility Debt",
    paper_section="§2",
    # The hidden loop is taught here too, but "hidden_feedback_loop" is a §4 pattern and the lesson tests require
    # every listed pattern to belong to the lesson's section; see the report to the lead.
    patterns=("undeclared_consumer",),
    objectives=(
        "Find the readers of a model's output that nobody declared, by comparing declarations with an access log.",
        "Measure, against the ground truth, what an output change does to consumers that were told and to one "
        "that was not.",
        "Tell the kinds of output change apart (recalibrate, rescale, relabel, reformat) by who they break.",
        "Explain how an undeclared use of a model's output can close a hidden feedback loop that an access log "
        "cannot see, and measure its drift against a control.",
        "Name the paper's remedies: access control on outputs, and agreements with every consumer.",
    ),
    minutes=50,
    prerequisites=("01_entanglement_cace.ipynb", "what a classifier's score, threshold and AUC are"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what undeclared consumers (visibility debt) are in 'Hidden Technical Debt in "
        "Machine Learning Systems', why a change to a model's output can silently break them, and why this debt "
        "costs more than ordinary software debt.",
        "Walk me through, step by step, how an undeclared consumer arises in a system like Larkspur's, where an "
        "ads team found churn scores in a log and started using them: what happens to it when the model's owner "
        "recalibrates, rescales, relabels or reformats the output, and how an undeclared use of an output can "
        "close a hidden feedback loop, as the homepage's layout did when it started sizing the carousel by the "
        "recommender's prediction.",
        "Given my ML/LLM system (described below), help me audit it for undeclared consumers: list every place a "
        "model's output is written (logs, tables, files, APIs), who is known to read each and who could read it "
        "without asking, which readers could feed back into training data, and how I could record the reads "
        "that actually happen. Then prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "Anyone who can read a model's output can come to depend on it; if they do not declare it, the owner "
        "cannot tell them about a change.",
        "Changes that are harmless to informed readers (a rescale, a recalibration, a new format) can cost an "
        "uninformed one much of its value, all of it, or more, silently: lenient parsing and fixed cut-offs turn "
        "a broken contract into wrong decisions.",
        "A change of meaning (relabel) moves informed readers' outcomes too, up or down; being told makes that "
        "change visible and chosen.",
        "Detect visibility debt by comparing declared readers with an access log of real reads (lineage events): "
        "observed but not declared is visibility debt; declared but never seen is a stale declaration.",
        "A use of a model's output that nobody declared, and that changes what users do, can close a hidden "
        "feedback loop: the model learns its own influence, its own logged metrics improve, and its distance from "
        "the truth grows. Lineage records who reads, not what for, so an access-log audit cannot see it.",
        "Measure with a control: a change to a model with no undeclared reader breaks nothing silently (every "
        "reader is told; only a change of meaning moves an outcome, and the reader knows why); a loop the layout "
        "does not feed does not drift.",
        "Remedies: access control on outputs, agreements (SLAs) with every consumer that say what each uses "
        "the output for, versioned outputs, and lineage that records who reads what.",
    ),
    focus_nodes=("churn_model",),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §2 (undeclared "
        "consumers) and §4 (hidden feedback loops).",
        "D. Sculley et al., 'Machine Learning: The High-Interest Credit Card of Technical Debt', SE4ML workshop, "
        "2014 (the UI module that reads the click prediction).",
        "The OpenLineage specification (openlineage.io): run events with a job, its input and output datasets.",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness', IEEE BigData 2017 "
        "(monitoring test 'dependency changes result in notification').",
    ),
)
