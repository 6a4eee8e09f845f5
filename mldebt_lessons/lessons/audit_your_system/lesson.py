"""The capstone, `notebooks/90_audit_your_system.ipynb`, as plain data: header, exercises with
checkers and solutions, quiz, tutor prompts and key points, plus small helpers the notebook calls.

The capstone is a lesson like the others, in the registry; it teaches no single pattern but
applies them all. Its exercises are predict-then-measure: each checker audits what the learner
built and says what moved.

Example
-------
>>> from mldebt_lessons.lessons import check
>>> check("90.2", None).message
'not attempted: set `answer` above and run this cell again.'
>>> fewest_changes_to_pass({"data_1": "manual"}, 0.0)  # Data passes 0 already; the other three need one each
3
"""

from __future__ import annotations

import functools
from typing import Any

from mldebt_lessons.audit.patterns import PATTERNS, learn_at
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question
from mldebt_lessons.course.notebook import Markdown
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons.audit_your_system.experiment import (
    ADS_RANKER,
    audit_toy_manifest,
    has_real_monitoring,
    node_ids,
    removed_findings,
    total_score,
    toy_audit_in,
    toy_manifest_in,
    undeclared_readers,
    with_consumer_declared,
    with_models_monitored,
)

STARTER_MANIFEST = """\
system: my first system
sources:
  - id: orders
    owner: data team
    tests: [schema]
    monitoring: [freshness]
features:
  - id: basket_value
    owner: data team
    reads: [orders]
    type: numeric
    unit: GBP
    tests: [range]
models:
  - id: churn
    owner: retention team
    reads: [basket_value]
    consumers: [emails]
    threshold: {value: 0.5, set_by: hand, scale: probability}
    monitoring: []
consumers:
  - id: emails
    owner: marketing team
    reads: [churn]
"""

REASONABLY_TESTED = 2.0  # the ML Test Score band "reasonably tested" starts above this final score


def _default_world():
    from mldebt_lessons.shop.world import build_world
    return build_world()


def toy_audit():
    """The toy world's audit (the default seed), computed once."""
    return toy_audit_in(_default_world())


def audit_text(text: str, name: str = "my_manifest.yaml"):
    """Audit a manifest given as YAML (or JSON) text: the notebook's way to try one without a file."""
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_text
    return audit_system(manifest_from_text(text, name))


def _audit_answer(answer):
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_data, manifest_from_text
    if isinstance(answer, str):
        return audit_system(manifest_from_text(answer, "answer"))
    return audit_system(manifest_from_data(answer, "answer"))


def _number(prediction: Any) -> float | None:
    """A prediction read as a number (text such as '7' or '~7' too), or None."""
    if isinstance(prediction, bool):
        return None
    if isinstance(prediction, str):
        prediction = prediction.strip().lstrip("~≈").strip()
    try:
        value = float(prediction)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if value == value and abs(value) < 1e12 else None


def _judge_amount(prediction: Any, truth: float, what: str, why: str) -> str:
    guess = _number(prediction)
    if guess is None:
        return f"give a number to compare; the measured answer is {truth:.1f} {what}. {why}"
    off = abs(guess - truth)
    close = "spot on" if off <= 0.05 else "close" if off <= max(1.0, 0.1 * abs(truth)) else "off"
    return f"you predicted {guess:g}; the measured answer is {truth:.1f} {what} ({close}). {why}"


def _judge_count(prediction: Any, truth: int, what: str, why: str) -> str:
    guess = _number(prediction)
    if guess is None:
        return f"give a number to compare; the measured answer is {truth} {what}. {why}"
    close = "spot on" if guess == truth else "close" if abs(guess - truth) <= 1 else "off"
    return f"you predicted {guess:g}; the measured answer is {truth} {what} ({close}). {why}"


# --- 90.1: declare the reader --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _declared_audit():
    manifest = with_consumer_declared(toy_manifest_in(_default_world()), "churn_model", ADS_RANKER)
    return audit_toy_manifest(manifest)


def _check_declared(answer) -> Feedback:
    if not isinstance(answer, dict):
        return Feedback(False, "give the edited manifest, a dict: start from toy_manifest() and add to it.")
    toy_nodes = node_ids(toy_manifest_in(_default_world()))
    given = node_ids(answer)
    if not toy_nodes <= given:
        return Feedback(False, "keep every node of toy_manifest(); only add ads_ranker and list it.")
    if ("consumers", "ads_ranker") not in given:
        return Feedback(False, "ads_ranker is not in manifest['consumers'] yet: add it as a consumer node that "
                               "reads churn_model, with an owner.")
    try:
        after = audit_toy_manifest(answer)
    except CourseInputError as err:
        return Feedback(False, f"the manifest does not load: {err}")
    if "ads_ranker" in undeclared_readers(after):
        return Feedback(False, "ads_ranker is still undeclared: churn_model's owner must list it in churn_model's "
                               "`consumers` too, or the owner still does not know it exists.")
    before = toy_audit()
    gone = removed_findings(before, after)
    return Feedback(True, f"{len(gone)} finding{'s' if len(gone) != 1 else ''} left the audit "
                          f"({', '.join(sorted({f.pattern for f in gone})) or 'none'}), and the total score went "
                          f"from {total_score(before):.1f} to {total_score(after):.1f}. A declared reader is one its "
                          "owner can warn before a change; the log found it, the manifest now records it.")


def _judge_declared(prediction) -> str:
    before, after = toy_audit(), _declared_audit()
    gone = removed_findings(before, after)
    own = sum(f.score for f in gone)
    return _judge_amount(prediction, total_score(before) - total_score(after), "points off the total",
                         f"What went: {', '.join(f.pattern for f in gone) or 'nothing'}, scoring {own:.1f} itself; "
                         + ("declaring a reader changes no wiring and watches nothing, so no other finding moved."
                            if abs(total_score(before) - total_score(after) - own) < 0.05 else
                            "the rest is other findings whose exposure changed with the declaration."))


# --- 90.2: the ML Test Score, cheaply --------------------------------------------------------------------------

def fewest_changes_to_pass(answers: dict, floor: float) -> int:
    """The fewest answers to change so that every section scores above ``floor`` (a test made automated
    gains the most, so raise the weakest tests of each section first).

    >>> fewest_changes_to_pass({}, 2.0)
    12
    """
    from mldebt_lessons.audit.mltestscore import POINTS, SECTIONS, TEST_KEYS
    total = 0
    for section in SECTIONS:
        points = sorted(POINTS.get(answers.get(k, "no"), 0.0) for k in TEST_KEYS if k.startswith(section + "_"))
        while sum(points) <= floor and points and points[0] < 1.0:
            points[0] = 1.0
            points.sort()
            total += 1
    return total


def _changed(answers: dict, base: dict) -> list[str]:
    return [k for k in base if answers.get(k, "no") != base[k]]


def _check_cheap_score(answer) -> Feedback:
    from mldebt_lessons.audit.mltestscore import TEST_KEYS, score
    from mldebt_lessons.audit.toy import toy_answers
    if not isinstance(answer, dict):
        return Feedback(False, "give the 28 answers as a dict, such as toy_answers() with some values changed.")
    try:
        result = score(answer)
    except CourseInputError as err:
        return Feedback(False, f"those answers cannot be scored: {err}")
    except Exception:
        return Feedback(False, "those answers cannot be scored: use keys data_1 .. monitor_7 and the values "
                               "'no', 'manual' or 'automated'.")
    base = toy_answers()
    changed = _changed({k: answer.get(k, "no") for k in TEST_KEYS}, base)
    fewest = fewest_changes_to_pass(base, REASONABLY_TESTED)
    shown = " · ".join(f"{name} {value:g}" for name, value in result.sections.items())
    if not changed:
        return Feedback(False, "those are Larkspur's answers unchanged: its final score is still "
                               f"{result.final:g} ({result.band}).")
    if result.final <= REASONABLY_TESTED:
        return Feedback(False, f"final score {result.final:g} ({result.band}): {shown}. Every section must score "
                               f"above {REASONABLY_TESTED:g}, because the final score is their minimum.")
    if len(changed) > fewest:
        return Feedback(False, f"final score {result.final:g}, reached with {len(changed)} changes; it can be done "
                               f"with {fewest}. Which sections got more than they needed?")
    return Feedback(True, f"final score {result.final:g} ({result.band}) with {len(changed)} changes: {shown}. "
                          "Infrastructure needed nothing, and Monitoring, at 0, needed the most.")


def _judge_cheap_score(prediction) -> str:
    from mldebt_lessons.audit.toy import toy_answers
    return _judge_count(prediction, fewest_changes_to_pass(toy_answers(), REASONABLY_TESTED), "at the least",
                        "The minimum rule means every section must clear the bar, so the weakest sets the cost.")


# --- 90.3: a function that pays the monitoring debt down ------------------------------------------------------

def _practice_manifests() -> list[tuple[str, dict, bool]]:
    """(name, manifest, is the toy world) for the monitoring function's checker."""
    import yaml

    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.shop.world import build_world
    out = [(f"Larkspur (seed {seed})", toy_manifest_in(build_world(seed)), True) for seed in SEEDS[:3]]
    out.append(("the starter manifest", yaml.safe_load(STARTER_MANIFEST), False))
    mixed = yaml.safe_load(STARTER_MANIFEST)
    mixed["models"][0]["monitoring"] = [""]
    mixed["models"].append({"id": "upsell", "owner": "retention team", "reads": ["basket_value"],
                            "consumers": ["emails"], "monitoring": ["drift"]})
    mixed["consumers"][0]["reads"].append("upsell")
    out.append(("a manifest with one blank monitor and one real one", mixed, False))
    return out


def _run_monitoring_function(function, manifest: dict) -> tuple[dict | None, str]:
    import copy
    given = copy.deepcopy(manifest)
    try:
        returned = function(given)
    except Exception as error:
        return None, f"it raised {type(error).__name__}"
    result = given if returned is None else returned
    if not isinstance(result, dict):
        return None, f"it returned {type(result).__name__}, not a manifest (a dict)"
    return result, ""


def _check_monitoring_function(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "give the function itself (answer = add_monitoring, no brackets).")
    lines = []
    for name, manifest, is_toy in _practice_manifests():
        result, problem = _run_monitoring_function(answer, manifest)
        if problem:
            return Feedback(False, f"on {name}, {problem}.")
        if node_ids(result) != node_ids(manifest):
            return Feedback(False, f"on {name}, the nodes changed: add monitoring, add or drop no node.")
        before = {m["id"]: m.get("monitoring") for m in manifest.get("models", [])}
        for model in result.get("models", []):
            if not isinstance(model, dict):
                return Feedback(False, f"on {name}, a model entry is no longer a dict.")
            if not has_real_monitoring(model):
                return Feedback(False, f"on {name}, model '{model.get('id')}' still has no named monitor "
                                       f"(it has {model.get('monitoring')!r}); a blank name watches nothing.")
            kept = before.get(model.get("id")) or []
            if has_real_monitoring({"monitoring": kept}) and not set(kept) <= set(model.get("monitoring") or []):
                return Feedback(False, f"on {name}, model '{model.get('id')}' lost the monitors it had ({kept}): "
                                       "keep what is already watched.")
        try:
            after = audit_toy_manifest(result) if is_toy else _audit_answer(result)
        except CourseInputError as err:
            return Feedback(False, f"on {name}, the manifest no longer loads: {err}")
        gaps = [f.nodes[0] for f in after.findings if f.pattern == "monitoring_gap" and len(f.nodes) == 1
                and after.system.nodes[f.nodes[0]]["kind"] == "model"]
        if gaps:
            return Feedback(False, f"on {name}, the audit still finds models without monitoring: {', '.join(gaps)}.")
        if is_toy and not lines:
            lines.append(_monitoring_effect_text(audit_toy_manifest(manifest), after))
    return Feedback(True, f"every model is watched in all five manifests, and no monitor was lost. {lines[0]}")


def _monitoring_effect_text(before, after) -> str:
    gone = removed_findings(before, after)
    fall = total_score(before) - total_score(after)
    own = sum(f.score for f in gone)
    why = ("more than they scored themselves: every finding that involves a watched model is less exposed now"
           if fall > own else "no more than they scored themselves")
    return (f"On Larkspur {len(gone)} findings went, and the total score fell by {fall:.1f}, from "
            f"{total_score(before):.1f} to {total_score(after):.1f}: {why}.")


def _judge_monitoring(prediction) -> str:
    manifest = toy_manifest_in(_default_world())
    before, after = toy_audit(), audit_toy_manifest(with_models_monitored(manifest))
    gone = removed_findings(before, after)
    own = sum(f.score for f in gone)
    return _judge_amount(prediction, total_score(before) - total_score(after), "points off the total",
                         f"The {len(gone)} findings that went scored {own:.1f} themselves"
                         + ("; the rest of the fall is other findings around a now-watched model becoming less "
                            "exposed." if total_score(before) - total_score(after) > own + 0.05 else "."))


# --- 90.4: your own system ----------------------------------------------------------------------------------

def _check_own(answer) -> Feedback:
    import yaml
    if not isinstance(answer, (str, dict)):
        return Feedback(False, "give your manifest as YAML text.")
    try:
        result = _audit_answer(answer)
    except CourseInputError as err:
        return Feedback(False, f"the manifest does not load: {err}")
    data = yaml.safe_load(answer) if isinstance(answer, str) else answer
    if node_ids(data) == node_ids(yaml.safe_load(STARTER_MANIFEST)):
        return Feedback(False, "that is the starter's system (orders, basket_value, churn, emails): describe one "
                               "of your own.")
    if node_ids(data) == node_ids(toy_manifest_in(_default_world())):
        return Feedback(False, "that is Larkspur: describe a system of your own.")
    nodes = result.system.nodes
    if not any(f["kind"] == "model" for f in nodes.values()):
        return Feedback(False, "name at least one model.")
    if len(nodes) < 4:
        return Feedback(False, "describe at least four parts: where data comes from, what the model reads, "
                               "the model, who acts on it.")
    unowned = [n for n, f in nodes.items() if not str(f.get("owner") or "").strip()]
    if unowned:
        return Feedback(False, f"give every node an owner (missing: {', '.join(unowned[:5])}); if nobody owns "
                               "one, write 'nobody': that is a finding worth writing down.")
    return Feedback(True, f"{len(nodes)} nodes, {len(result.findings)} findings of "
                          f"{len(result.patterns_found())} patterns. Now read the top three, and their fixes.")


def _judge_starter(prediction) -> str:
    return _judge_count(prediction, len(audit_text(STARTER_MANIFEST).findings), "for the starter",
                        "Even a tidy four-part system carries debt in the facts it leaves out.")


EXERCISES = (
    Exercise("90.1", "Declare the reader",
             "Start from `toy_manifest()` and declare ads_ranker: add it to `manifest['consumers']` (owner 'ads "
             "team', reads churn_model) and to churn_model's own `consumers` list. Put the edited manifest in "
             "`answer`; the checker re-runs the audit with the access log and code beside it.",
             "Two edits: a new dict in answer['consumers'], and 'ads_ranker' appended to the `consumers` of the "
             "entry of answer['models'] whose id is churn_model.",
             "from mldebt_lessons.audit.toy import toy_manifest\n"
             "answer = toy_manifest()\n"
             "answer['consumers'].append({'id': 'ads_ranker', 'owner': 'ads team', 'reads': ['churn_model']})\n"
             "for model in answer['models']:\n"
             "    if model['id'] == 'churn_model':\n"
             "        model['consumers'].append('ads_ranker')\n",
             _check_declared,
             predict="Once churn_model's owner declares ads_ranker, by how much will the audit's total score (the "
                     "sum of every finding's score) fall?",
             judge_prediction=_judge_declared),
    Exercise("90.2", "Reach 'reasonably tested' cheaply",
             "Start from `toy_answers()` (Larkspur's 28 answers) and change as few answers as you can so the final "
             "ML Test Score is above 2 ('reasonably tested'). Put the dict in `answer`; "
             "`score(answer)` (from mldebt_lessons.audit.mltestscore) measures it.",
             "The final score is the minimum over the sections, so each section must pass 2 on its own; an "
             "automated test adds a whole point, so turn a section's weakest tests into automated ones first.",
             "from mldebt_lessons.audit.mltestscore import POINTS, SECTIONS, TEST_KEYS, score\n"
             "from mldebt_lessons.audit.toy import toy_answers\n"
             "answer = toy_answers()\n"
             "for section in SECTIONS:\n"
             "    weakest_first = sorted((k for k in TEST_KEYS if k.startswith(section + '_')),\n"
             "                           key=lambda k: POINTS[answer[k]])\n"
             "    while score(answer).sections[section] <= 2:\n"
             "        answer[weakest_first.pop(0)] = 'automated'\n",
             _check_cheap_score,
             predict="What is the fewest number of Larkspur's 28 answers that must change for its final score to "
                     "pass 2?",
             judge_prediction=_judge_cheap_score),
    Exercise("90.3", "Write the function that pays monitoring down",
             "Write `add_monitoring(manifest)`: it returns the manifest with monitoring (say "
             "['prediction_bias', 'action_limits']) added to every model that has none, keeps the monitors a model "
             "already has, and treats a blank name such as '' as no monitor. Put the function itself in `answer`. "
             "The checker runs it on Larkspur's manifest in three worlds and on two small manifests, and re-runs "
             "the audit on each.",
             "Loop over manifest.get('models', []); a model is watched if any entry of its 'monitoring' list is a "
             "non-blank string; only then leave it alone.",
             "def add_monitoring(manifest):\n"
             "    for model in manifest.get('models', []):\n"
             "        named = [m for m in model.get('monitoring') or [] if str(m).strip()]\n"
             "        if not named:\n"
             "            model['monitoring'] = ['prediction_bias', 'action_limits']\n"
             "    return manifest\n"
             "\n"
             "answer = add_monitoring\n",
             _check_monitoring_function,
             predict="When every model of Larkspur is monitored, by how much will the audit's total score (the sum "
                     "of every finding's score) fall?",
             judge_prediction=_judge_monitoring),
    Exercise("90.4", "Your own system",
             "Describe a system you work on (or know) as a manifest, in YAML, with at least four parts and an owner "
             "for every one, and put the text in `answer`. The tutor prompt at the end is built from its audit.",
             "Start from STARTER_MANIFEST or from `mldebt example`, and rename everything after your own system; "
             "the README has a full example with LLM parts.",
             "answer = '''\\\n"
             "system: support ticket router\n"
             "sources:\n"
             "  - {id: tickets, owner: support ops, monitoring: [freshness]}\n"
             "features:\n"
             "  - {id: ticket_text, owner: support ops, reads: [tickets], type: text}\n"
             "models:\n"
             "  - id: router\n"
             "    owner: ml platform team\n"
             "    reads: [ticket_text]\n"
             "    consumers: [queue]\n"
             "    threshold: {value: 0.6, set_by: hand, scale: probability}\n"
             "consumers:\n"
             "  - {id: queue, owner: support ops, reads: [router]}\n"
             "'''\n",
             _check_own,
             predict="Before you write your own: how many findings will the audit report for STARTER_MANIFEST "
                     "(printed above, all four parts owned)?",
             judge_prediction=_judge_starter),
)


def _q(text, *options, measured=False):
    return Question(text, tuple(Option(t, c, f) for t, c, f in options), measured=measured)


N = len(PATTERNS)
QUIZ = (
    _q("Larkspur automates three of its Monitoring tests (monitor_1, monitor_2, monitor_3) and changes nothing "
       "else. Predict its final ML Test Score.",
       ("3: Monitoring now matches Infrastructure's 3 points", False,
        "Monitoring does reach 3, but the final score is the minimum over the four sections, and Model still has "
        "only one manual test."),
       ("0.5: Model, one manual test, is now the weakest", True,
        "Right (Larkspur's answers are the same in every world): Monitoring rises to 3, and the minimum moves to "
        "Model, which earns half a point for its one manual test."),
       ("About 1.9, the average of the four sections", False,
        "An average would let Infrastructure's 3 hide the gaps; the 2017 rule takes the minimum, which is Model's "
        "0.5 now."),
       ("Still 0, as Monitoring counts only if all 7 are run", False,
        "Each automated test earns its point on its own; Monitoring scores 3, and the minimum is now Model's 0.5."),
       measured=True),
    _q("The owners add freshness monitoring to the three raw sources and change nothing else. In the Larkspur "
       "this page audits (seed 2015), which finding ranks first afterwards?",
       ("The sources' monitoring gap, still: a monitor moves no edge", False,
        "A watched source has no monitoring gap: that finding goes, and the sources' other findings become less "
        "exposed."),
       ("churn_model's direct feedback loop via the win-back emails", True,
        "Right, in this world: with the sources' gap gone, the loop from churn_model through email_campaign back to "
        "orders_db scores highest (22.2, down from 25.0 as orders_db is now watched)."),
       ("churn_model's own monitoring gap", False,
        "It climbs, to rank 3 in this world, but the direct feedback loop and the data-testing debt on accounts_db "
        "still outscore it."),
       ("ads_ranker, the reader nobody declared", False,
        "Watching the sources does not touch ads_ranker's finding; it stays far down, 11th in this world, below "
        "the feedback loops and churn_model's monitoring gap."),
       measured=True),
    _q("Two findings have the same severity and the same number of nodes downstream. Which ranks higher?",
       ("The one whose nodes nobody owns or monitors", True,
        "Right: exposure multiplies the score; debt nobody owns or watches is found late."),
       ("The one the detectors happened to find first", False,
        "Detector order never decides the rank; the score does, and ties break by severity and name."),
       ("The one on a model rather than on a data source", False,
        "The kind of node does not enter the score; a source feeding many models has more reach, which is counted "
        "anyway."),
       ("Neither: equal severity and reach always tie", False,
        "They tie only if their exposure is the same too: missing owners and monitoring raise the score.")),
    _q("Why is the ML Test Score's final score the minimum over its four sections, not their sum?",
       ("A system is only as ready as its weakest section", True,
        "Right: perfect data tests do not make up for no monitoring at all."),
       ("A sum would be too large to compare between teams", False,
        "The sum runs from 0 to 28 and compares fine; the trouble is that it lets strong data tests hide having no "
        "monitoring at all."),
       ("Because each section is weighted by its importance", False,
        "No section is weighted; all four count alike. The minimum asks more than any weighting: every section "
        "must be covered."),
       ("So that one manual test never counts for much", False,
        "A manual test still earns half a point in its section; the minimum is about sections, not single tests.")),
    _q("An audit of a manifest alone finds no undeclared consumers. What can you conclude?",
       ("Only that the manifest declares none; logs may show more", True,
        "Right: undeclared consumers are, by definition, missing from declarations; observed reads (lineage, "
        "access logs) reveal them, as Larkspur's access log reveals ads_ranker."),
       ("That nobody reads the models' outputs undeclared", False,
        "A manifest cannot list what nobody declared: that is what 'undeclared' means. Add OpenLineage events."),
       ("That the owners have agreements with their readers", False,
        "Declaring a reader is the start of an agreement, not proof of one; the audit only compares declared and "
        "observed reads."),
       ("That lineage events would add nothing new", False,
        "Lineage is exactly what adds the readers nobody declared; a manifest-only run cannot see them.")),
    _q("A model's threshold is written as {value: 0.35, set_by: learned}. Which finding does that keep away?",
       ("fixed_threshold: it follows each retraining", True,
        "Right: a threshold re-learned on held-out data moves with the model's scores."),
       ("monitoring_gap: a learned threshold watches itself", False,
        "Monitoring is a separate fact; a learned threshold still needs someone watching the share of decisions it "
        "yields."),
       ("plain_old_data_smell: the number now has a meaning", False,
        "That smell asks for a scale (probability, pounds, judge score): what the number means, not how it was "
        "set."),
       ("configuration_debt: the value is no longer typed in", False,
        "The setting still lives in configuration; whether that is reviewed and validated is what configuration "
        "debt asks.")),
    _q("Larkspur's win-back emails change who orders again, and churn labels are read from orders. What is that?",
       ("A direct feedback loop: the model shapes its own labels", True,
        "Right: churn_model's decisions change the data it will be trained on next."),
       ("A correction cascade: one model corrects another's score", False,
        "A cascade is a model trained on another model's output; here one model's decisions change its own future "
        "data."),
       ("An unstable data dependency: orders_db changes meaning", False,
        "orders_db keeps its meaning; what changes is who appears in it, because of the model's decisions."),
       ("A hidden feedback loop: two systems meet through the world", False,
        "Close: a hidden loop runs through two or more systems. This one runs from churn_model back to churn_model, "
        "which the paper calls direct.")),
    _q("This page audits one Larkspur (seed 2015). How many findings does the audit report in the Larkspur of "
       "build_world(42)?",
       ("Exactly as many: a seed changes data, never the wiring", False,
        "The wiring is the same, but some manifest facts are measured on the fitted models (how much each model "
        "relies on each input), and in seed 42 one of them differs."),
       ("One fewer: device's underused-input finding goes", True,
        "Right, for build_world(42): 40 findings of the same patterns. There fraud_model leans on device a little "
        "more (above the 5% bar), so device's underutilized-data-dependency finding goes."),
       ("About half as many: new data brings new debts", False,
        "The debts live in the wiring, which every seed shares; only the few facts measured on the fitted "
        "models can move, and in seed 42 one does."),
       ("Several more: a new seed adds patterns of its own", False,
        "The audit of build_world(42) finds the same patterns as this page's, and one finding fewer: device is "
        "not underused there."),
       measured=True),
)

LESSON = Lesson(
    id="90", slug="audit_your_system", title="Audit your own system", paper_section="§2-§8",
    patterns=tuple(PATTERNS),
    objectives=("Read an audit report: what each finding says, why it ranks where it does, where to learn it.",
                "Pay a debt down in a manifest, and show with the audit what went and what moved.",
                "Score a system on the ML Test Score with the 2017 rule, and say what it costs to raise it.",
                "Describe a real system as a manifest: owners, reads, declared consumers, thresholds, monitoring."),
    minutes=60, prerequisites=("00_start_here.ipynb", "01_entanglement_cace.ipynb"),
    exercises=EXERCISES, quiz=QUIZ,
    tutor_prompts=("Explain, in one paragraph, what the audit of my system says, in my system's terms.",
                   "Walk me through how the top-ranked debt in my audit arises, and what happens if I leave it "
                   "for a year.",
                   "Audit my system and prioritise: do you agree with the ranking, and what would you pay down "
                   "first, second and third?"),
    key_points=("The audit reads how a system is wired; the debts it finds live between the parts, not in any one.",
                "Rank by blast radius, severity and missing ownership or monitoring: the report shows the arithmetic.",
                "Paying one debt down can lower others: a watched model makes every finding around it less exposed.",
                "The ML Test Score is capped by its weakest section; raising it costs what that section lacks.",
                "A manifest is worth writing even before the audit: it makes owners and readers explicit.",
                "Pay down one debt at a time and re-run the audit to see what went and what moved."),
    further_reading=("Sculley et al., Hidden Technical Debt in Machine Learning Systems, NeurIPS 2015.",
                     "Breck et al., The ML Test Score: A Rubric for ML Production Readiness and Technical Debt "
                     "Reduction, IEEE BigData 2017.",
                     "OpenLineage specification: https://openlineage.io"),
    focus_nodes=("user_age", "churn_model"),  # the toy world's busiest feature and model in its audit
)


def where_to_learn(pattern_id: str) -> str:
    """A Markdown link, relative to notebooks/, to the lesson that teaches a pattern.

    >>> where_to_learn("glue_code")
    '[lesson 09: 09_glue_code.ipynb](09_glue_code.ipynb)'
    """
    name = learn_at(pattern_id).split("/")[-1]
    return f"[lesson {name[:2]}: {name}]({name})"


def findings_by_pattern(result) -> Markdown:
    """Each pattern found, explained once: what it is, its top finding, the fix, and where to learn it."""
    lines = []
    for pattern_id in result.patterns_found():
        p = PATTERNS[pattern_id]
        found = [f for f in result.findings if f.pattern == pattern_id]
        top = found[0]
        lines += [f"**{p.title}** (`{pattern_id}`, paper {p.section}): {len(found)} finding"
                  f"{'s' if len(found) != 1 else ''}, the highest ranked #{top.rank} ({top.level}).  ",
                  f"*Evidence:* {top.evidence}  ", f"*Fix:* {p.fix}  ", f"*Learn it:* {where_to_learn(pattern_id)}",
                  ""]
    return Markdown("\n".join(lines), f"[{len(result.patterns_found())} patterns explained]")


def top_findings_markdown(result, n: int = 3) -> Markdown:
    """The ``n`` top-ranked findings explained: where, why (with numbers), the fix, the score's arithmetic."""
    lines = []
    for f in result.findings[:n]:
        p = PATTERNS[f.pattern]
        lines += [f"**{f.rank}. {p.title}** ({p.section}, `{f.pattern}`): {f.level}, score {f.score:g}", "",
                  f"- *Where:* {', '.join(f.nodes) or 'the system as a whole'}", f"- *Why:* {f.evidence}",
                  f"- *Fix:* {p.fix}", f"- *Score:* {f.why_score}", f"- *Learn it:* {where_to_learn(f.pattern)}", ""]
    return Markdown("\n".join(lines), f"[the top {min(n, len(result.findings))} findings, explained]")


def findings_table_html(result, n: int | None = None) -> str:
    """Every finding (or the first ``n``), ranked, as an HTML table: rank, level, score, pattern, nodes."""
    from mldebt_lessons.course.tables import rows_html
    colours = {"critical": "background:#f4c7b8;color:#111", "high": "background:#fbe3bf;color:#111"}
    rows = [{"#": f.rank, "level": f.level, "score": f"{f.score:g}", "pattern": f.pattern,
             "nodes": ", ".join(f.nodes[:4]) + (f" +{len(f.nodes) - 4}" if len(f.nodes) > 4 else "")}
            for f in result.findings[:n]]
    return rows_html(rows, lambda row: colours.get(row["level"], ""))


def audit_results_text(result, n: int = 5) -> str:
    """A few lines for the tutor prompt: the audit's headline and its top findings."""
    from mldebt_lessons.audit.report import headline
    lines = [f"The audit of my manifest ({result.system.name}): {headline(result)}"]
    lines += [f"{f.rank}. [{f.level}, score {f.score:g}] {f.pattern} at {', '.join(f.nodes) or 'the system'}: "
              f"{f.evidence}" for f in result.findings[:n]]
    return "\n".join(lines)


def hot_spots_text(result, n: int = 5) -> str:
    """The picture in words: the nodes in the most findings, with their worst level."""
    from mldebt_lessons.audit.picture import hot_spots
    spots = hot_spots(result)
    order = sorted(spots, key=lambda k: (-spots[k]["count"], spots[k]["rank"], k))[:n]
    return "\n".join(f"{k}: in {spots[k]['count']} findings, the worst {spots[k]['level']} (#{spots[k]['rank']})"
                     for k in order)
