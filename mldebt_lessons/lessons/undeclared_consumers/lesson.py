"""Lesson 03: undeclared consumers, or visibility debt (Sculley et al. 2015, §2; the hidden loop of 2014)."""

from __future__ import annotations

import copy
from pathlib import Path

from mldebt_lessons.course.answers import as_pair, as_text, is_number, number_in, read_yes_no, within
from mldebt_lessons.course.claims import saved_count
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.lessons.undeclared_consumers.experiment import in_unit
from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import DEFAULT_INFLUENCE

GENTLE_INFLUENCE = DEFAULT_INFLUENCE / 2


OTHER_SEED = 42  # exercises 03.2 and 03.3 ask about this world, not the demo's
LONGER_ROUNDS = 8  # exercise 03.5's setting: half the demo's push, for longer


def _pairs(items):
    """``items`` as a set of (model, reader) string pairs, or None if it is not a collection of such pairs."""
    if isinstance(items, (str, bytes)) or not isinstance(items, (list, tuple, set, frozenset)):
        return None
    out = set()
    for item in items:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            return None
        out.add((item[0], item[1]))
    return out


def _saved(claim_name):
    """(holds_at, seeds) of a claim as last measured across worlds, or None if not measured yet."""
    return saved_count(Path(__file__).parent, claim_name)


# --- 03.1: audit a month later ---

def _month_later_findings():
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        declared_consumers,
        log_a_month_later,
        undeclared_readers,
    )
    world = world_at()
    audits = undeclared_readers(declared_consumers(world.graph), log_a_month_later(world))
    return ({(m, r) for m, a in audits.items() for r in a.undeclared},
            {(m, r) for m, a in audits.items() for r in a.never_observed})


def _check_month_later(answer) -> Feedback:
    pair = as_pair(answer)
    undeclared, stale = (_pairs(pair[0]), _pairs(pair[1])) if pair else (None, None)
    if undeclared is None or stale is None:
        return Feedback(False, "give a pair of lists: ([(model, reader), ...] undeclared, [(model, reader), ...] "
                               "stale).")
    want_undeclared, want_stale = _month_later_findings()
    if not undeclared and not stale:
        return Feedback(False, "both lists are empty, but the audit of that log has findings.")
    if (undeclared, stale) == (want_stale, want_undeclared):
        return Feedback(False, "you have the two lists the wrong way round: first read-but-not-declared, then "
                               "declared-but-never-read.")
    if undeclared == want_undeclared and stale == want_stale:
        return Feedback(True, "a month on, the audit still finds ads_ranker (nobody declared it since), finds a new "
                              "reader nobody declared, and finds a declaration that no longer matches any read: "
                              "declarations rot unless something checks them against what really happens.")
    wrong = []
    if undeclared != want_undeclared:
        wrong.append(f"your undeclared list has {len(undeclared & want_undeclared)} of the "
                     f"{len(want_undeclared)} right and {len(undeclared - want_undeclared)} wrong")
    if stale != want_stale:
        wrong.append(f"your stale list has {len(stale & want_stale)} of the {len(want_stale)} right and "
                     f"{len(stale - want_stale)} wrong")
    return Feedback(False, "; ".join(wrong) + ".")


def _judge_month_later(prediction) -> str:
    undeclared, stale = _month_later_findings()
    total = len(undeclared) + len(stale)
    guess = number_in(prediction)
    pair = as_pair(prediction)
    said = as_text(pair[1] if pair else prediction)
    still = {True: "yes", False: "no", None: None}[read_yes_no(said)]
    count = (f"you guessed {guess:g} findings; the audit reports {total}" if guess is not None
             else f"the audit reports {total} findings")
    kept = any(reader == "ads_ranker" for _, reader in undeclared)
    about = (f"You said '{still}' for ads_ranker: {'right' if (still == 'yes') == kept else 'not so'}. "
             if still else "")
    return (f"{count} ({len(undeclared)} undeclared, {len(stale)} stale). {about}ads_ranker is "
            + ("still among them: a finding stays until someone declares the read or stops it." if kept
               else "no longer among them."))


# --- 03.2: the worst change, in another world ---

def _ads(world, change, told=None):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        measure_output_change,
        outcome_of,
    )
    return outcome_of(measure_output_change(world, "churn_model", change, told), "ads_ranker", "churn_model")


def _losses(seed):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES
    world = world_at(seed)
    return {c: _ads(world, c).value_before - _ads(world, c).value_after for c in OUTPUT_CHANGES}


def _check_worst_change(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not isinstance(pair[0], str) or not is_number(pair[1]):
        return Feedback(False, "give a pair: (change, pounds lost per 1,000 users, before minus after), for example "
                               "('relabel', 120.0).")
    change, loss = pair[0], float(pair[1])
    losses = _losses(OTHER_SEED)
    if change not in losses:
        return Feedback(False, f"the changes are: {', '.join(losses)}.")
    worst = max(losses, key=lambda c: (losses[c], c))
    if change != worst:
        return Feedback(False, f"'{change}' costs the ads ranker £{losses[change]:,.0f} per 1,000 users in this "
                               "world; another change costs it more. Which change makes it act on more users, "
                               "not fewer?")
    if within(loss, _losses(None)[worst], 1.0) and not within(loss, losses[worst], 1.0):
        return Feedback(False, "that is the demo's world (seed 2015); measure in build_world(42).")
    if within(-loss, losses[worst], 1.0):
        return Feedback(False, "right size, wrong sign: give before minus after, so a loss is a positive number.")
    if not within(loss, losses[worst], 1.0):
        return Feedback(False, f"'{worst}' is the right change; now measure its loss in £ per 1,000 users "
                               "(value_before minus value_after).")
    world = world_at(OTHER_SEED)
    beyond = ("more than all the profit it made" if _ads(world, worst).value_after < 0 else "most of its profit")
    return Feedback(True, f"'{worst}' costs £{losses[worst]:,.0f} per 1,000 users here: {beyond}, because nearly "
                          "every user now clears the old break-even and gets an ad that does not pay. A change that "
                          "makes a reader stop (reformat) can only lose what it made.")


def _judge_worst_change(prediction) -> str:
    losses = _losses(OTHER_SEED)
    worst = max(losses, key=lambda c: (losses[c], c))
    truth = losses[worst]
    guess = number_in(prediction)
    head = (f"you guessed £{guess:,.0f}; " if guess is not None else "(read as no number) ")
    return (f"{head}in build_world({OTHER_SEED}) the worst change, '{worst}', costs the ads ranker £{truth:,.0f} "
            "per 1,000 users (before minus after). Acting on nobody can lose at most the profit; acting on "
            "everybody can lose more than that.")


# --- 03.3: tell everyone; what is left? ---

def _told_changes(seed):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES
    from mldebt_lessons.lessons.undeclared_consumers.view import told_readers
    world = world_at(seed)
    everyone = told_readers(world, "churn_model", tell_undeclared=True)
    return {c: _ads(world, c, everyone).value_after - _ads(world, c, everyone).value_before for c in OUTPUT_CHANGES}


def _check_told(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not isinstance(pair[0], str) or not is_number(pair[1]):
        return Feedback(False, "give a pair: (change, change in £ per 1,000 users), for example ('rescale', 0.0).")
    change, value = pair
    moves = _told_changes(OTHER_SEED)
    if change not in moves:
        return Feedback(False, f"the changes are: {', '.join(moves)}.")
    if moves[change] == 0.0:
        return Feedback(False, f"once told, '{change}' moves the ads ranker by exactly £0: a told reader can undo "
                               "it. Which change can no reader undo?")
    if not within(value, moves[change], 1.0):
        return Feedback(False, f"'{change}' is the change; now measure its effect in this world, after minus before, "
                               "in £ per 1,000 users (a fall is negative).")
    held = _saved("told_relabel_lowers_ads")
    across = (f" Across worlds it lowers the outcome in {held[0]} of {held[1]} and raises it in the rest: a new "
              "meaning is a real change, and being told lets the reader decide whether it still fits." if held else "")
    moved = ("+" if moves[change] > 0 else "") + in_unit("GBP", moves[change])
    return Feedback(True, f"told, only '{change}' still moves the ads ranker: by {moved} per 1,000 "
                          f"users in this world. The other changes can be undone exactly; a new meaning cannot."
                          + across)


def _judge_told(prediction) -> str:
    moves = _told_changes(OTHER_SEED)
    moved = {c: v for c, v in moves.items() if v != 0.0}
    total = sum(moved.values())
    guess = number_in(prediction)
    head = (f"you guessed {guess:+,.0f}; " if guess is not None else "(read as no number) ")
    which = ", ".join(f"'{c}' by {('+' if v > 0 else '') + in_unit('GBP', v)}" for c, v in moved.items())
    return (f"{head}in build_world({OTHER_SEED}) the one change still moving a told ads ranker moves it by "
            f"{('+' if total > 0 else '') + in_unit('GBP', total)} per 1,000 users ({which or 'none'}). A rescale, "
            "a recalibration or a new format can be undone by a reader that knows about it; a new meaning cannot.")


# --- 03.4: write the nightly check ---

def _expected_undeclared(declared, events):
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        undeclared_readers,
    )
    return {m: sorted(a.undeclared) for m, a in undeclared_readers(declared, events).items() if a.undeclared}


def _test_logs():
    """(name, declared, events) for the checker: logs the learner's function has not seen."""
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        declared_consumers,
        log_a_month_later,
        log_with_changes,
    )
    from mldebt_lessons.shop.lineage import observed_reads
    world = world_at()
    declared = declared_consumers(world.graph)
    logs = [("the demo's log", declared, observed_reads(world)),
            ("the log a month later", declared, log_a_month_later(world)),
            ("an empty log", declared, [])]
    logs += [(f"a log changed with seed {s}", declared, log_with_changes(world_at(s), s)) for s in SEEDS[:3]]
    everyone = {m: tuple(readers) + (("ads_ranker",) if m == "churn_model" else ()) for m, readers in declared.items()}
    logs.append(("the demo's log, once ads_ranker is declared", everyone, observed_reads(world)))
    return logs


def _as_findings(result):
    """A learner's result as {model: sorted readers}, models with none left out; None if it is not a dict of lists."""
    if not isinstance(result, dict):
        return None
    out = {}
    for model, readers in result.items():
        if isinstance(readers, (str, bytes)) or not isinstance(readers, (list, tuple, set, frozenset)):
            return None
        if not all(isinstance(r, str) for r in readers):
            return None
        if readers:
            out[model] = sorted(readers)
    return out


def _check_nightly(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "put the function itself in `answer` (answer = undeclared), not its result.")
    for name, declared, events in _test_logs():
        try:
            result = answer(copy.deepcopy(declared), copy.deepcopy(events))
        except Exception as error:
            return Feedback(False, f"on {name}, your function raised {type(error).__name__}: {error}.")
        found, want = _as_findings(result), _expected_undeclared(declared, events)
        if found is None:
            return Feedback(False, f"on {name} it returned {type(result).__name__}; return a dict mapping each "
                                   "model to a list of reader names.")
        if found != want:
            return Feedback(False, f"on {name} it found {found or 'nothing'}; the log shows {want or 'nothing'}.")
    return Feedback(True, "it finds every undeclared reader on every test log, including ones it had never seen and "
                          "a log where nothing is wrong. Run it each night on the platform's lineage events and fail "
                          "the build on a finding: the debt stops growing unnoticed.")


def _judge_nightly(prediction) -> str:
    counts = sorted({sum(len(r) for r in _expected_undeclared(declared, events).values())
                     for name, declared, events in _test_logs() if name.startswith("a log changed")})
    guess = number_in(prediction)
    said = ("" if guess is None else
            f"you guessed {guess:g}: {'right' if len(counts) == 1 and guess == counts[0] else 'not so'}; ")
    shown = " or ".join(str(c) for c in counts)
    return (said + f"each changed log reports {shown} undeclared pairs: ads_ranker, still undeclared, and the new "
                   "team. The dropped read is a stale declaration, a different finding.")


# --- 03.5: a gentler loop, run longer ---

def _gentle_runs():
    from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import (
        simulate_hidden_loop,
    )
    world = world_at()
    return (simulate_hidden_loop(world, rounds=LONGER_ROUNDS, influence=GENTLE_INFLUENCE)[-1].weight_inflation,
            simulate_hidden_loop(world, rounds=LONGER_ROUNDS, ui_reads_prediction=False)[-1].weight_inflation,
            simulate_hidden_loop(world)[-1].weight_inflation)


def _check_loop(answer) -> Feedback:
    pair = as_pair(answer)
    if pair is None or not all(is_number(x) for x in pair):
        return Feedback(False, "give a pair of numbers: (weight inflation with the loop, without it).")
    loop, control, default = _gentle_runs()
    if within(pair[0], loop, 0.005) and within(pair[1], control, 0.005):
        than = "less" if loop < default else "more"
        return Feedback(True, f"with half the push, after more rounds, the weights grow {loop:.2f}×, {than} than the "
                              f"demo's {default:.2f}× after fewer rounds; the control ends at {control:.2f}×. How far "
                              "the loop drifts depends on how hard the layout pushes, not only on how long it runs.")
    if within(pair[0], control, 0.005) and within(pair[1], loop, 0.005):
        return Feedback(False, "you have them the wrong way round: the loop first, then the control.")
    if within(pair[0], default, 0.005):
        return Feedback(False, "that is the demo's setting; run the gentler, longer one the task asks for.")
    return Feedback(False, "read weight_inflation of the last round of each run.")


def _judge_loop(prediction) -> str:
    loop, _, default = _gentle_runs()
    text = as_text(prediction)
    said = ("above" if any(w in text for w in ("above", "more", "higher", "larger", "bigger")) else
            "below" if any(w in text for w in ("below", "less", "lower", "smaller", "fewer")) else None)
    truth = "below" if loop < default else "above"
    head = f"you said {said}; it ends {truth}" if said else f"it ends {truth}"
    why = ("more rounds did not make up for the weaker push" if loop < default else
           "the extra rounds made up for the weaker push")
    return f"{head} ({loop:.2f}× against {default:.2f}×): {why}."


EXERCISES = (
    Exercise(
        "03.1", "Audit a month later",
        "A month after the demo's log, some teams read different things, and nobody updated a declaration. "
        "`log_a_month_later(world)` is one night of that log. Audit it, and put in `answer` a pair of lists: "
        "`(undeclared, stale)`, the (model, reader) pairs that are read but never declared, then those declared "
        "but never read.",
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import declared_consumers, log_a_month_later, "
        "undeclared_readers`, then `undeclared_readers(declared_consumers(world.graph), log_a_month_later(world))` "
        "gives one audit per model: collect `(model, reader)` from each audit's `undeclared`, then from its "
        "`never_observed`.",
        """from mldebt_lessons.lessons.undeclared_consumers.experiment import (declared_consumers, log_a_month_later,
    undeclared_readers)
from mldebt_lessons.shop.world import build_world

world = build_world()
audits = undeclared_readers(declared_consumers(world.graph), log_a_month_later(world))
undeclared = [(model, reader) for model, audit in audits.items() for reader in audit.undeclared]
stale = [(model, reader) for model, audit in audits.items() for reader in audit.never_observed]
answer = (undeclared, stale)
""",
        _check_month_later,
        predict="Before you audit, answering as (count, 'yes' or 'no'): how many findings (undeclared plus stale) "
                "will the audit report, and is ads_ranker still one of them?",
        judge_prediction=_judge_month_later),
    Exercise(
        "03.2", "The worst change, in another world",
        f"The explorer shows one world (seed 2015). Take another, `build_world({OTHER_SEED})`, and the declared "
        "readers told as usual: which change to churn_model costs the uninformed ads_ranker the most "
        "ad profit, and how much? Put `(change, pounds lost per 1,000 users)` in `answer`, the loss being the "
        "profit before minus the profit after (a positive number is a loss).",
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, "
        "outcome_of`; for each change in `OUTPUT_CHANGES`, `outcome_of(measure_output_change(world, 'churn_model', "
        "change), 'ads_ranker', 'churn_model')` has `value_before` and `value_after`, in £ per 1,000 users.",
        f"""from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, outcome_of
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})

def ads_loss(change):
    ads = outcome_of(measure_output_change(world, "churn_model", change), "ads_ranker", "churn_model")
    return ads.value_before - ads.value_after

worst = max(OUTPUT_CHANGES, key=ads_loss)
answer = (worst, ads_loss(worst))
""",
        _check_worst_change,
        predict=f"In build_world({OTHER_SEED}), as one number (profit before minus profit after, positive for a "
                "loss), how many pounds per 1,000 users will the worst change cost the uninformed ads ranker?",
        judge_prediction=_judge_worst_change),
    Exercise(
        "03.3", "Tell everyone: what is left?",
        f"Now the owner tells every reader the access log shows, the ads ranker included (in the explorer: tick "
        f"'tell undeclared readers too'). In `build_world({OTHER_SEED})`, which change to churn_model still moves "
        "the ads ranker's ad profit, and by how much? Put `(change, after minus before)` in `answer`, in £ per "
        "1,000 users.",
        "`from mldebt_lessons.lessons.undeclared_consumers.view import told_readers` and "
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, "
        "outcome_of`; `told_readers(world, 'churn_model', tell_undeclared=True)` names everyone in the access log: "
        "pass it as `told` to `measure_output_change(world, 'churn_model', change, told=...)`.",
        f"""from mldebt_lessons.lessons.undeclared_consumers.experiment import OUTPUT_CHANGES, measure_output_change, outcome_of
from mldebt_lessons.lessons.undeclared_consumers.view import told_readers
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
everyone = told_readers(world, "churn_model", tell_undeclared=True)

def ads_move(change):
    ads = outcome_of(measure_output_change(world, "churn_model", change, told=everyone), "ads_ranker", "churn_model")
    return ads.value_after - ads.value_before

moved = next(change for change in OUTPUT_CHANGES if ads_move(change) != 0.0)
answer = (moved, ads_move(moved))
""",
        _check_told,
        predict=f"In build_world({OTHER_SEED}), once the ads ranker is told too, by how much (one number: after minus "
                "before, in £ per 1,000 users, negative for a fall) will the change that still moves it move "
                "its profit?",
        judge_prediction=_judge_told),
    Exercise(
        "03.4", "Write the nightly check",
        "Write the check a platform team runs every night: a function `undeclared(declared, events)` that takes "
        "each model's declared readers (a dict, as `declared_consumers(world.graph)` gives it) and a list of "
        "OpenLineage run events, and returns a dict mapping each model to the list of readers seen in the events "
        "but never declared (leave out models with none). A dataset belongs to the job that lists it in `outputs`; "
        "a job that lists it in `inputs` reads it. Put the function itself in `answer`: the checker runs it on logs "
        "it has not seen, some drawn at random for several seeds.",
        "Walk the events twice: first map each output dataset `(d['namespace'], d['name'])` to `e['job']['name']`; "
        "then, for each input dataset a job reads, find its writer and add the job to that writer's readers. An "
        "undeclared reader is one not in `declared.get(writer, ())`. To try it: "
        "`from mldebt_lessons.lessons.undeclared_consumers.experiment import declared_consumers, log_a_month_later` "
        "gives declarations, `declared_consumers(world.graph)`, and a log, `log_a_month_later(world)`.",
        """from collections import defaultdict


def undeclared(declared, events):
    writer = {}
    for event in events:
        for d in event.get("outputs", []):
            writer[(d["namespace"], d["name"])] = event["job"]["name"]
    found = defaultdict(set)
    for event in events:
        job = event["job"]["name"]
        for d in event.get("inputs", []):
            model = writer.get((d["namespace"], d["name"]))
            if model in declared and job != model and job not in declared[model]:
                found[model].add(job)
    return {model: sorted(readers) for model, readers in found.items()}


answer = undeclared
""",
        _check_nightly,
        predict="Each changed test log drops one declared read and adds one new team reading some model's scores; "
                "besides that, ads_ranker's undeclared read of churn_model is still there. How many undeclared "
                "(model, reader) pairs, as a number, should your function report on such a log?",
        judge_prediction=_judge_nightly),
    Exercise(
        "03.5", "A gentler loop, run longer",
        "The demo's layout pushes with `DEFAULT_INFLUENCE` for the default number of rounds. Run a gentler "
        f"layout, with half that push (`influence=DEFAULT_INFLUENCE / 2`), for longer (`rounds={LONGER_ROUNDS}`), "
        "and its control (the layout ignores the prediction, same rounds). Put `(inflation with the loop, inflation without it)` in `answer`: "
        "each run's `weight_inflation` in its last round.",
        "`from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import DEFAULT_INFLUENCE, simulate_hidden_loop`; "
        "then "
        "`simulate_hidden_loop(world, rounds=..., influence=...)` and "
        "`simulate_hidden_loop(world, rounds=..., ui_reads_prediction=False)` each return one LoopRound per round: "
        "take the last.",
        f"""from mldebt_lessons.lessons.undeclared_consumers.hidden_loop import DEFAULT_INFLUENCE, simulate_hidden_loop
from mldebt_lessons.shop.world import build_world

world = build_world()
loop = simulate_hidden_loop(world, rounds={LONGER_ROUNDS}, influence=DEFAULT_INFLUENCE / 2)
control = simulate_hidden_loop(world, rounds={LONGER_ROUNDS}, ui_reads_prediction=False)
answer = (loop[-1].weight_inflation, control[-1].weight_inflation)
""",
        _check_loop,
        predict="With half the push but more rounds, will the weights end above or below the demo's run?",
        judge_prediction=_judge_loop),
)

# The right option sits at a different place in different questions (the quiz widget may shuffle too).
# Options stay short, so each sits on one line beside its radio button on a narrow screen.
QUIZ = (
    Question("What is an undeclared consumer?", (
        Option("A model whose training data and features nobody documented", False,
               "That is a data-dependency problem (§3 of the paper). An undeclared consumer sits downstream of "
               "the model, not upstream."),
        Option("A system reading a model's output unknown to its owner", True,
               "The owner cannot warn it, test against it, or weigh its needs before a change."),
        Option("A declared reader that has stopped reading the output", False,
               "That is the opposite finding, a stale declaration: declared, never seen. Wasteful, but nothing "
               "breaks silently because of it."),
        Option("A customer who ignores the model's recommendations", False,
               "Consumers here are systems that act on a model's output, not the people it is about."),
    )),
    Question("Predict: churn scores are rescaled to 0-100 and the declared readers are told. What happens to the "
             "uninformed ads ranker's profit?", (
        Option("Unchanged: the order of users is the same", False,
               "The order is the same, which is why the told readers lose nothing. The ads ranker does not use the "
               "order: it compares each score with a fixed break-even."),
        Option("A loss: ads that no longer pay for themselves", True,
               "Nearly every score now clears the old break-even, so it shows ads that do not pay. The claims "
               "table shows this in every world measured."),
        Option("It falls to zero: it cannot read the new numbers", False,
               "It reads them fine: they are still numbers, just a hundred times larger. Zero is what a new text "
               "format does."),
        Option("It drops a little but stays a profit", False,
               "A factor of a hundred is not a small error for a fixed rule: almost everyone now looks worth an "
               "ad."),
    ), measured=True),
    Question("Predict: the scores are published as JSON text instead of numbers. What happens to the uninformed "
             "ads ranker?", (
        Option("A parse error stops it, so the team notices", False,
               "Its lenient parser (like pandas' to_numeric with errors='coerce') turns text into missing values "
               "and missing into zero: nothing raises."),
        Option("Nothing changes: the score inside the text is the same", False,
               "The score is inside the text, but the old parser does not look inside: it only reads numbers."),
        Option("It shows no ad and makes exactly nothing, silently", True,
               "Every score reads as zero, no user clears the break-even, and no alert fires. The claims table "
               "shows exactly zero profit in every world measured."),
        Option("It shows ads to everyone and makes a loss", False,
               "That is what the rescale does. Text read as zero makes it act on nobody, not everybody."),
    ), measured=True),
    Question("How can the churn model's owner find out, before shipping a change, that the ads ranker exists?", (
        Option("Check the model's AUC after the change", False,
               "For a rescale, a recalibration or a reformat the AUC does not move at all: the owner's own "
               "dashboards stay green while the ads ranker breaks."),
        Option("Compare declared readers with an access log", True,
               "Observed minus declared is visibility debt: readers nobody declared, like the ads ranker. "
               "Declared minus observed is a stale declaration: readers that no longer read."),
        Option("Read the model's own training and serving code", False,
               "The model's code says nothing about who reads its output. Only the readers' side, or the "
               "platform's access log, can tell."),
        Option("Wait until the other teams report a problem", False,
               "That is how it is usually found, after the loss. The lesson measured how large that loss can be."),
    )),
    Question("In the hidden loop, the recommender's AUC on its own logged clicks rose while its error against the "
             "true click chances grew. Why?", (
        Option("The model really got better at predicting clicks", False,
               "Against the true click chances it ended worse than it started, in every world measured; only its "
               "own logs say otherwise."),
        Option("Noise from redrawing the clicks each round", False,
               "The control redraws clicks the same way, with the same seeds, and its error stays below the loop's "
               "in every round."),
        Option("The layout made its high scorers click more", True,
               "So the log confirms the model: it is learning its own influence. The 2014 paper's point: a use of "
               "the output that nobody declared closes a loop the owners cannot see."),
        Option("The users' tastes changed during the rounds", False,
               "The true click chances are fixed in the simulation; only the layout's push changes."),
    )),
    Question("A rescale of ltv_model changes no consumer's outcome at all. What does that control show?", (
        Option("ltv_model is simply sturdier than churn_model", False,
               "Both were rescaled the same way. The difference is who reads them and whether they were told."),
        Option("Rescaling a model's output is always safe", False,
               "Applied to churn_model, it turned the ads ranker's profit into a loss."),
        Option("The ads ranker's loss comes from not being told", True,
               "The control separates the cost of the change from the cost of invisibility: the same kind of "
               "change is harmless when every reader is known and told."),
        Option("The measurement is broken: real changes must show", False,
               "A change that keeps the ranking and reaches only informed readers should show no loss; a control "
               "that moved would be the worrying result."),
    )),
    Question("Once the ads team declares its read and is told of every change, which change can still move its "
             "profit?", (
        Option("The relabel: a new meaning cannot be undone", True,
               "A told reader can undo a rescale, a recalibration or a new format exactly; no reader can undo a "
               "change of meaning. Being told makes that cost visible and chosen, not zero."),
        Option("None: being told makes every change harmless", False,
               "Told readers lose exactly nothing under the changes that keep the ranking, but a new meaning "
               "still moves them, up or down."),
        Option("The rescale: larger numbers still trip its rule", False,
               "A told reader divides by a hundred first; its outcome moves by exactly zero."),
        Option("The reformat: parsing text costs it some users", False,
               "A told reader parses the new records and gets back exactly the same scores."),
    )),
    Question("Which remedy does the paper suggest for undeclared consumers?", (
        Option("Stop logging the models' predictions at all", False,
               "Logs are useful and other teams need outputs; the problem is reads nobody knows about."),
        Option("Never change a model once it serves production traffic", False,
               "Models must change; the point is that the owner can tell everyone who depends on them."),
        Option("Access control and agreements with each reader", True,
               "Access control makes every read visible; agreements (SLAs) say what each reader uses the output "
               "for, so a change can be negotiated."),
        Option("Retrain every model much more often than now", False,
               "Retraining tells nobody anything, and with a hidden loop retraining is what feeds the drift."),
    )),
)

LESSON = Lesson(
    id="03",
    slug="undeclared_consumers",
    title="Undeclared Consumers: Visibility Debt",
    paper_section="§2",
    # The 2014 hidden loop is shown here as a consequence of an undeclared reader; the §4 pattern
    # "hidden_feedback_loop" gets its own lesson (08), so it is not listed as taught here.
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
        "Changes that are harmless to informed readers (a rescale, a new format) can cost an uninformed one all "
        "of its value, or more than all of it, silently; a recalibration silently changes whom it acts on. "
        "Lenient parsing and fixed cut-offs turn a broken contract into wrong decisions.",
        "A change of meaning (relabel) moves informed readers' outcomes too, up in some worlds and down in others; "
        "being told makes that change visible and chosen.",
        "Detect visibility debt by comparing declared readers with an access log of real reads (lineage events): "
        "observed but not declared is visibility debt; declared but never seen is a stale declaration.",
        "A use of a model's output that nobody declared, and that changes what users do, can close a hidden "
        "feedback loop: the model learns its own influence, its own logged metrics improve, and by the last round "
        "it is further from the truth than it started (not necessarily worse in every single round). Lineage "
        "records who reads, not what for, so an access-log audit cannot see it.",
        "Measure with a control: uses of a model that did not change move by exactly zero; a change to a model "
        "with no undeclared reader breaks nothing silently (every reader is told; only a change of meaning moves "
        "an outcome, and the reader knows why); a layout that pushes nothing gives exactly the no-loop run.",
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
