"""Lesson 06: static analysis of data dependencies (Sculley et al. 2015, §3)."""

from __future__ import annotations

import copy
from pathlib import Path

from mldebt_lessons.course.answers import is_number, number_in, read_yes_no, you_guessed
from mldebt_lessons.course.claims import saved_count
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # exercise 06.1 asks about this world, not the demo's
CHAIN_NODE = "user_age"  # 06.1: fraud_model_es does not read it; fraud_model does
# 06.3: two reads two teams forget to declare, (reader, what it reads): a feature, and a model's score
FORGOTTEN = (("recommender", "country"), ("fraud_model_es", "fraud_model"))
PATTERNS = ("static_analysis_gap", "undeclared_consumer")
LINKER_NODES = ("user_age", "orders_db", "churn_model", "fraud_model", "referral_code", "session_count")


def _saved(claim_name):
    """(holds_at, seeds) of a claim as last measured across worlds, or None if not measured yet."""
    return saved_count(Path(__file__).parent, claim_name)


# --- 06.1: through another model, in another world ---

def _chain_flips(seed):
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        rerun_without,
    )
    return rerun_without(world_at(seed), CHAIN_NODE).models["fraud_model_es"].decisions_flipped


def _check_chain(answer) -> Feedback:
    if not is_number(answer) or float(answer) != int(float(answer)):
        return Feedback(False, "give one whole number: how many of fraud_model_es's Spanish held-out decisions flip.")
    value, want = int(float(answer)), _chain_flips(OTHER_SEED)
    if value == want:
        return Feedback(True, f"{want} Spanish decisions flip in build_world({OTHER_SEED}), though fraud_model_es never "
                              f"reads {CHAIN_NODE}: it reads fraud_model's score, and fraud_model reads {CHAIN_NODE}. A "
                              "question about direct readers cannot see that; a transitive one can.")
    if value == _chain_flips(None) and value != want:
        return Feedback(False, "that is the demo's world (seed 2015); measure in build_world(42).")
    if value == 0:
        return Feedback(False, "zero is what a direct-readers view predicts; re-run the world and count.")
    return Feedback(False, f"not {value}: count the decisions_flipped of fraud_model_es in the re-run.")


def _judge_chain(prediction) -> str:
    want = _chain_flips(OTHER_SEED)
    said = read_yes_no(prediction)
    guess = number_in(prediction)
    head = ("you said it would " + ("change" if said else "not change") + "; " if said is not None else
            f"you guessed {guess:g}; " if guess is not None else "")
    return (f"{head}it changes: {want} of its Spanish decisions flip, through fraud_model's score "
            "(a model trained on another model's output inherits that model's inputs).")


# --- 06.2: the §9 question ---

def _closure_sizes():
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        closure_pairs,
        view_edges,
    )
    return len(closure_pairs(view_edges("access log"))), len(closure_pairs(view_edges("manifest")))


def _check_closure(answer) -> Feedback:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2 and all(is_number(x) for x in answer)):
        return Feedback(False, "give a pair of whole numbers: (pairs by the access log, pairs by the manifest).")
    log, manifest = _closure_sizes()
    got = (float(answer[0]), float(answer[1]))
    if got == (log, manifest):
        return Feedback(True, f"the access log's closure holds {log} (upstream, downstream) pairs, the manifest's "
                              f"{manifest}: every pair the manifest lacks ends at ads_ranker, the read nobody declared. "
                              "That number is the paper's §9 measure, and now a tool can compute it every night.")
    if got == (manifest, log):
        return Feedback(False, "you have them the wrong way round: the access log first, then the manifest.")
    return Feedback(False, "count every (u, v) pair with v downstream of u, in each view's edges.")


def _judge_closure(prediction) -> str:
    log, manifest = _closure_sizes()
    head = you_guessed(prediction)
    return (f"{head}the manifest lacks {log - manifest} pairs, one for every node upstream of ads_ranker: a single "
            "undeclared read hides a whole column of the closure.")


# --- 06.3: which pattern reports a forgotten read ---

def _findings(manifest):
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.toy import toy_system
    return {(f.pattern, tuple(f.nodes)) for f in audit_system(toy_system(measure=False, manifest=manifest)).findings}


def _forgetful_manifest():
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        lesson_manifest,
    )
    manifest = lesson_manifest()
    for reader, upstream in FORGOTTEN:
        for entry in manifest["models"]:
            if entry["id"] == reader:
                entry["reads"] = [r for r in entry["reads"] if r != upstream]
    return manifest


def _patterns_of_forgotten() -> dict[str, str]:
    """Each forgetful reader -> the pattern of the new finding naming it and what it reads."""
    new = _findings(_forgetful_manifest()) - _findings(None)
    return {reader: pattern for reader, upstream in FORGOTTEN for pattern, nodes in new
            if reader in nodes and upstream in nodes}


def _as_patterns(answer):
    """``answer`` as {reader: pattern} with the patterns normalised, or None if it is not such a dict."""
    if not isinstance(answer, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()):
        return None
    return {k.strip(): v.strip().lower() for k, v in answer.items()}


def _check_gap(answer) -> Feedback:
    readers = [r for r, _ in FORGOTTEN]
    got = _as_patterns(answer)
    if got is None or set(got) != set(readers):
        return Feedback(False, f"give a dict with one entry per forgetful reader: {{'{readers[0]}': pattern, "
                               f"'{readers[1]}': pattern}}, each pattern one of {', '.join(PATTERNS)}.")
    want = _patterns_of_forgotten()
    if got == want:
        return Feedback(True, "the forgotten read of a feature is a static_analysis_gap; the forgotten read of "
                              "fraud_model's score is an undeclared_consumer, although fraud_model_es itself is "
                              "declared. What decides it is what is read: a model's output has an owner who must "
                              "know its readers (lesson 03). Both come from comparing declarations with what the "
                              "jobs really read: the automated check the paper asks for.")
    if all(v == "static_analysis_gap" for v in got.values()):
        return Feedback(False, "one of the two is reported under another pattern: audit the edited manifest and "
                               "look at the new findings.")
    if got == {r: ({*PATTERNS} - {p}).pop() for r, p in want.items() if p in PATTERNS}:
        return Feedback(False, "you have them the wrong way round.")
    return Feedback(False, "not quite: compare the findings of the edited manifest with those of Larkspur as it "
                           "ships, and look for the two new ones.")


def _judge_gap(prediction) -> str:
    want = _patterns_of_forgotten()
    said = _as_patterns(prediction)
    right = sum(said.get(r) == p for r, p in want.items()) if said else None
    head = f"you had {right} of {len(want)} right; " if right is not None else ""
    return (f"{head}" + "; ".join(f"{r} -> {p}" for r, p in want.items()) + ": a read of a model's output is an "
            "undeclared_consumer whoever reads it; a read of a source or a feature is a static_analysis_gap.")


# --- 06.4: write the linker ---

def _test_cases():
    """(name, events, nodes) the learner's function is run on: logs it has not seen, at several seeds."""
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        lesson_log,
    )
    from mldebt_lessons.lessons.undeclared_consumers.experiment import log_with_changes
    cases = [("the lesson's log", lesson_log(), LINKER_NODES), ("an empty log", [], ("user_age",))]
    cases += [(f"a log changed with seed {s}", log_with_changes(world_at(s), s), LINKER_NODES) for s in SEEDS[:3]]
    return cases


def _as_names(result):
    if isinstance(result, (str, bytes)) or not isinstance(result, (list, tuple, set, frozenset)):
        return None
    return set(result) if all(isinstance(x, str) for x in result) else None


def _check_linker(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        downstream,
        lesson_log,
        log_edges,
        rerun_without,
    )
    if not callable(answer):
        return Feedback(False, "put the function itself in `answer` (answer = breaks_if_deleted), not its result.")
    for name, events, nodes in _test_cases():
        for node in nodes:
            try:
                result = answer(copy.deepcopy(events), node)
            except Exception as error:
                return Feedback(False, f"on {name}, for {node}, your function raised {type(error).__name__}: {error}.")
            found, want = _as_names(result), set(downstream(log_edges(events), node))
            if found is None:
                return Feedback(False, f"on {name} it returned {type(result).__name__}; return a set of job names.")
            if found != want:
                missed, extra = sorted(want - found), sorted(found - want)
                return Feedback(False, f"on {name}, for {node}: it missed {missed or 'nothing'} and named "
                                       f"{extra or 'nothing'} too many.")
    for seed in SEEDS[:3]:  # against the truth: every node that really breaks must be named
        for node in ("days_since_signup", "churn_model"):
            try:
                named = _as_names(answer(lesson_log(), node)) or set()
            except Exception as error:
                return Feedback(False, f"on the lesson's log, for {node}, it raised {type(error).__name__}.")
            missed = rerun_without(world_at(seed), node).broken - named
            if missed:
                return Feedback(False, f"in build_world({seed}), deleting {node} breaks {sorted(missed)}, which your "
                                       "function does not name.")
    return Feedback(True, "it resolves the whole dependency tree from the read events alone, on logs it had never "
                          "seen, and names everything that really breaks in three worlds. That is the linker "
                          "Larkspur's data lacked: run it before every deletion or change.")


def _judge_linker(prediction) -> str:
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import (
        downstream,
        lesson_log,
        log_edges,
    )
    want = len(downstream(log_edges(lesson_log()), "orders_db"))
    head = you_guessed(prediction)
    return (f"{head}on the lesson's log, orders_db reaches {want} jobs: its feature, every model that reads it "
            "(directly or through another model's score) and every consumer behind those models.")


EXERCISES = (
    Exercise(
        "06.1", "Through another model, in another world",
        f"In `build_world({OTHER_SEED})` (not the demo's world), delete `{CHAIN_NODE}`. `fraud_model_es` does not "
        f"read `{CHAIN_NODE}`. Re-run the world without it and put in `answer` the number of fraud_model_es's "
        "Spanish held-out decisions that flip.",
        "`from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import rerun_without`; "
        f"`rerun_without(world, '{CHAIN_NODE}').models['fraud_model_es']` has `decisions_flipped`.",
        f"""from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import rerun_without
from mldebt_lessons.shop.world import build_world

world = build_world({OTHER_SEED})
answer = rerun_without(world, "{CHAIN_NODE}").models["fraud_model_es"].decisions_flipped
""",
        _check_chain,
        predict=f"Will any of fraud_model_es's decisions change when {CHAIN_NODE} is deleted: 'yes' or 'no' (or a "
                "number of flips)?",
        judge_prediction=_judge_chain),
    Exercise(
        "06.2", "The paper's §9 question",
        "The paper asks: what is the transitive closure of all data dependencies? Count it in two views: every "
        "(upstream, downstream) pair such that data flows from the first to the second, by the access log and "
        "by the manifest. Put `(pairs by the access log, pairs by the manifest)` in `answer`.",
        "`from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import closure_pairs, "
        "view_edges`; `len(closure_pairs(view_edges('access log')))`, and the same for `'manifest'`.",
        """from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import closure_pairs, view_edges

answer = (len(closure_pairs(view_edges("access log"))), len(closure_pairs(view_edges("manifest"))))
""",
        _check_closure,
        predict="How many pairs, as one number, will the manifest's closure lack that the access log's has?",
        judge_prediction=_judge_closure),
    Exercise(
        "06.3", "Which pattern reports a forgotten read?",
        f"Two teams edit Larkspur's manifest, and each forgets one read: `{FORGOTTEN[0][0]}` reads "
        f"`{FORGOTTEN[0][1]}` (a feature), and `{FORGOTTEN[1][0]}` reads `{FORGOTTEN[1][1]}`'s score (a model's "
        "output). Make that manifest (a copy of `lesson_manifest()` without the two reads) and audit Larkspur with "
        "it (`toy_system(measure=False, manifest=...)`, then `audit_system`). Compare the findings with the audit "
        "of the unedited manifest: two are new. Put in `answer` a dict mapping each of the two readers to the "
        "pattern of its new finding.",
        "`from mldebt_lessons.audit import audit_system`, `from mldebt_lessons.audit.toy import toy_system`; "
        "`manifest['models']` holds one entry per model, with `id` and `reads`; each finding has `pattern` and "
        "`nodes`. A set of `(f.pattern, tuple(f.nodes))` before and after shows what is new.",
        f"""from mldebt_lessons.audit import audit_system
from mldebt_lessons.audit.toy import toy_system
from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import lesson_manifest


def findings(manifest):
    result = audit_system(toy_system(measure=False, manifest=manifest))
    return {{(f.pattern, tuple(f.nodes)) for f in result.findings}}


forgotten = {dict(FORGOTTEN)!r}
manifest = lesson_manifest()
for entry in manifest["models"]:
    if entry["id"] in forgotten:
        entry["reads"].remove(forgotten[entry["id"]])
new = findings(manifest) - findings(lesson_manifest())
answer = {{reader: pattern for reader, upstream in forgotten.items()
          for pattern, nodes in new if reader in nodes and upstream in nodes}}
""",
        _check_gap,
        predict=f"Both readers are declared in the manifest; only one read each is missing. Will the audit report "
                f"both as static_analysis_gap? Write your guess as a dict, e.g. {{'{FORGOTTEN[0][0]}': "
                f"'static_analysis_gap', '{FORGOTTEN[1][0]}': 'static_analysis_gap'}}.",
        judge_prediction=_judge_gap),
    Exercise(
        "06.4", "Write the linker",
        "Write the tool Larkspur lacks: a function `breaks_if_deleted(events, node)` that takes OpenLineage run "
        "events and a node name and returns the set of every job downstream of it, however indirectly (the node "
        "itself left out). A dataset belongs to the job that lists it in `outputs`; a dataset nobody writes (a raw "
        "table such as `raw.orders_db`) is named by what follows its first dot. Put the function itself in "
        "`answer`: the checker runs it on logs it has not seen, at several seeds, and against what really breaks "
        "when the world is re-run.",
        "First map each output dataset `(d['namespace'], d['name'])` to `e['job']['name']`; then build, for each "
        "upstream name, the set of jobs that read it (an input nobody writes: `d['name'].split('.', 1)[1]`). Then "
        "walk from `node` with a to-do list, adding each reader once, until nothing new turns up. Try it on "
        "`lesson_log()`.",
        """def breaks_if_deleted(events, node):
    writer = {}
    for event in events:
        for d in event.get("outputs", []):
            writer[(d["namespace"], d["name"])] = event["job"]["name"]
    readers = {}
    for event in events:
        job = event["job"]["name"]
        for d in event.get("inputs", []):
            upstream = writer.get((d["namespace"], d["name"]), d["name"].split(".", 1)[-1])
            if upstream != job:
                readers.setdefault(upstream, set()).add(job)
    found, todo = set(), [node]
    while todo:
        for job in readers.get(todo.pop(), ()):
            if job not in found and job != node:
                found.add(job)
                todo.append(job)
    return found


answer = breaks_if_deleted
""",
        _check_linker,
        predict="On the lesson's log, how many jobs (one number) will your function find downstream of orders_db?",
        judge_prediction=_judge_linker),
)

QUIZ = (
    Question("Predict: you delete session_count and ask the manifest, following every chain, what breaks. What "
             "does re-running the world show?", (
        Option("Exactly the manifest's list: every reader declared", False,
               "The manifest lists what teams declared; the ads team never declared its read of churn_model."),
        Option("One more: ads_ranker, which nobody declared", True,
               "session_count feeds churn_model, and ads_ranker reads churn_model's scores at run time only. The "
               "claims table shows code and manifest miss it, and only it, after every deletion upstream of "
               "churn_model, in every world measured."),
        Option("Fewer: consumers read models, never features", False,
               "Consumers act on the models' decisions, and the refitted churn_model flips some: a break two hops "
               "away is still a break."),
        Option("Nothing: each reader falls back to old scores", False,
               "Nothing in Larkspur keeps old scores; a refitted model serves new ones at once."),
    ), measured=True),
    Question("Predict: asked only for direct readers, what does the access log say breaks when user_age "
             "is deleted, against the re-run?", (
        Option("All of it: the log records every real read", False,
               "It records every read, but a direct-readers question stops one hop away."),
        Option("Nothing: features are not in the access log", False,
               "Each model's run event lists the feature datasets it read."),
        Option("Everything downstream, plus a few false alarms too", False,
               "False alarms come from following chains, not from stopping early: direct answers miss, they do "
               "not over-warn."),
        Option("Its three readers; it misses the chain behind them", True,
               "fraud_model_es moves through fraud_model's score, and every consumer sits behind a model: a "
               "dependency tree has to be resolved, not looked up one hop at a time. This holds in every world measured."),
    ), measured=True),
    Question("Why does reading Larkspur's code not find ads_ranker?", (
        Option("Its code lives in the ads team's repository", True,
               "Code analysis sees only the code you can read; a reader elsewhere shows up only where it runs."),
        Option("ast cannot parse a tuple of strings", False,
               "It parses them fine: that is how the code reader finds every model's inputs."),
        Option("It reads a feature, not a model's output", False,
               "It reads churn_model's scores, which is what makes it a consumer."),
        Option("The reader skips every consumer in the code base", False,
               "It reads the declared consumers and finds email_campaign and homepage."),
    )),
    Question("What does the paper's §9 question, 'the transitive closure of all data dependencies', ask for?", (
        Option("Every input that each model reads directly", False,
               "That is one hop: a manifest holds it, and it misses every chain."),
        Option("The list of raw tables that every pipeline starts from", False,
               "Those are the roots; the closure says what each of them reaches."),
        Option("All that depends on each signal, at any depth", True,
               "A change to any node reaches all of it, so that is the list a change review needs."),
        Option("The cycles in the graph of models and consumers", False,
               "Cycles are feedback loops (§4); the closure is about reach."),
    )),
    Question("In some worlds, deleting user_age moves ltv_model's scores but flips none of its decisions, so "
             "vip_programme acts exactly as before. What does that show?", (
        Option("The access log recorded a read that never happened", False,
               "ltv_model does read user_age, and its scores do move."),
        Option("A dependency says what can break, not what will", True,
               "Static analysis is an upper bound: to know the size of a break you must re-run and measure."),
        Option("ltv_model was never trained on user_age at all", False,
               "It was; user_age simply carries little of its weight."),
        Option("vip_programme reads a cached copy of the scores", False,
               "It reads the live decisions; they happened not to cross its threshold."),
    )),
    Question("Larkspur's audit reports no static_analysis_gap, although ads_ranker is undeclared. Why?", (
        Option("A read of a model's output is an undeclared_consumer", True,
               "static_analysis_gap reports an undeclared read of a source or a feature; an undeclared read of a "
               "model's output, by anyone, is an undeclared_consumer. Exercise 06.3 makes one of each."),
        Option("The audit cannot read the access log at all", False,
               "It reads it: that is how it finds the undeclared consumer."),
        Option("A gap needs the code scan, and Larkspur's is switched off", False,
               "The toy audit parses the shop's code too; the gap pattern also works from lineage alone."),
        Option("Undeclared reads are allowed when the reader is a small team", False,
               "Size has nothing to do with it; the finding is reported under another pattern."),
    )),
    Question("Which remedy does the paper describe for missing static analysis of data dependencies?", (
        Option("Never delete a feature once any model uses it", False,
               "That freezes the debt in place; the paper wants features to be deletable safely."),
        Option("A wiki page where each team writes down all of its inputs", False,
               "A hand-written list is a manifest that nobody checks: it misses what nobody declared."),
        Option("Retrain all models whenever any feature changes", False,
               "Retraining says nothing about who depends on what."),
        Option("Automated annotation that resolves the dependency tree", True,
               "One team at Google annotated its signals in a feature-management system and ran automated checks, "
               "so dependency trees could be fully resolved and unused signals deleted safely."),
    )),
)

LESSON = Lesson(
    id="06",
    slug="static_analysis_of_data_dependencies",
    title="Static Analysis of Data Dependencies: A Linker for Data",
    paper_section="§3",
    patterns=("static_analysis_gap",),
    objectives=(
        "Extract a system's data dependencies in three ways: by parsing its code, from its manifest, and from "
        "an access log of read events.",
        "Measure what each finds and misses against the ground truth of re-running the world without a node.",
        "Tell direct readers from the transitive closure, and compute the closure (the paper's §9 question).",
        "Run `mldebt ripple` and `mldebt audit` (its static_analysis_gap pattern) on a system of your own.",
    ),
    minutes=45,
    prerequisites=("03_undeclared_consumers.ipynb", "what a dependency graph is"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what 'static analysis of data dependencies' means in 'Hidden Technical Debt in "
        "Machine Learning Systems', why data has no compiler or linker, and why that makes data dependencies cost "
        "more than code dependencies.",
        "Walk me through, step by step, how I would answer 'what breaks if I delete this feature?' in a system like "
        "Larkspur's: by reading the code, by reading a manifest, and by reading an access log of read events; what "
        "each misses (a reader in another repository, a model trained on another model's output, an unused "
        "feature), and why the transitive closure matters.",
        "Given my ML/LLM system (described below), help me audit its data dependencies and build a dependency "
        "catalogue: where the data "
        "dependencies are written down today (code, configs, manifests), where reads really happen and could be "
        "logged as lineage events, how to compute the transitive closure from them, and which checks to run "
        "before deleting or changing a signal. Then prioritise what to do first, and say how to measure it.",
    ),
    key_points=(
        "Code has a linker that lists what depends on what; data does not. Without one, nobody can answer "
        "'what breaks if I change or delete this?'",
        "Reading code finds the dependencies written in the code you can read; a reader in another team's "
        "repository stays invisible, and so does a read nobody declared in a manifest.",
        "An access log of read events (OpenLineage) sees every read that really happens, undeclared ones included; "
        "followed transitively, it named every node that broke, whichever feature or model was deleted, in every "
        "world measured.",
        "Direct readers are not enough: a model trained on another model's output inherits that model's inputs, "
        "and every consumer sits behind a model. Resolve the closure (the paper's §9 question).",
        "A dependency says what can break, not what will: a moved score need not flip a decision. Re-run and "
        "measure to size a change; use the closure to know where to look.",
        "A feature nobody reads shows up at once in a dependency catalogue, and can be deleted with nothing "
        "breaking: the payoff of static analysis.",
        "On your own system: `mldebt ripple NODE manifest.yaml --lineage events.jsonl` lists what a change reaches; "
        "`mldebt audit` reports an undeclared read of a source or feature as static_analysis_gap, and an undeclared "
        "read of a model's output as undeclared_consumer.",
    ),
    focus_nodes=("churn_model", "days_since_signup"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §3 (static analysis "
        "of data dependencies) and §9 (the transitive closure of all data dependencies).",
        "H. B. McMahan et al., 'Ad Click Prediction: a View from the Trenches', KDD 2013 (the automated "
        "feature-management system that annotates signals and resolves their dependencies).",
        "The OpenLineage specification (openlineage.io): run events with a job, its input and output datasets.",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness', IEEE BigData 2017 "
        "(data test 'all input feature code is tested' and monitoring test 'dependency changes result in "
        "notification').",
    ),
)
