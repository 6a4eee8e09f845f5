"""The capstone, `notebooks/90_audit_your_system.ipynb`, as plain data: header, exercises with
checkers and solutions, quiz, tutor prompts and key points, plus small helpers the notebook calls.

The capstone is a lesson like the others, in the registry; it teaches no single pattern but
applies them all.

Example
-------
>>> from mldebt_lessons.lessons import check
>>> check("90.4", (1.5, "first pass at production")).ok
True
"""

from __future__ import annotations

import functools

from mldebt_lessons.audit.patterns import PATTERNS, learn_at
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question
from mldebt_lessons.course.notebook import Markdown
from mldebt_lessons.errors import CourseInputError

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


@functools.lru_cache(maxsize=1)
def toy_audit():
    """The toy world's audit, computed once."""
    from mldebt_lessons.audit import audit_toy_world
    return audit_toy_world()


def audit_text(text: str, name: str = "my_manifest.yaml"):
    """Audit a manifest given as YAML (or JSON) text: the notebook's way to try one without a file."""
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_text
    return audit_system(manifest_from_text(text, name))


@functools.lru_cache(maxsize=1)
def _toy_node_ids() -> frozenset:
    from mldebt_lessons.audit.toy import toy_manifest
    m = toy_manifest(measure=False)
    return frozenset((k, n["id"]) for k in ("sources", "features", "models", "consumers") for n in m[k])


def _audit_answer(answer):
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.manifest import manifest_from_data, manifest_from_text
    if isinstance(answer, str):
        return audit_system(manifest_from_text(answer, "answer"))
    return audit_system(manifest_from_data(answer, "answer"))


# --- checkers ------------------------------------------------------------------------------------------------

def _busiest_node() -> tuple[str, int]:
    counts: dict[str, int] = {}
    for f in toy_audit().findings:
        for n in f.nodes:
            counts[n] = counts.get(n, 0) + 1
    best = max(counts.values())
    return sorted(n for n, c in counts.items() if c == best)[0], best


def _check_busiest(answer) -> Feedback:
    node, count = _busiest_node()
    if not isinstance(answer, str):
        return Feedback(False, "give a node id, as text.")
    if answer == node:
        return Feedback(True, f"'{node}' is involved in {count} findings: the place where debts pile up.")
    if answer not in toy_audit().system.nodes:
        return Feedback(False, f"'{answer}' is not a node of the toy world; count the nodes in each finding.")
    mine = sum(answer in f.nodes for f in toy_audit().findings)
    return Feedback(False, f"'{answer}' is in {mine} findings; one node is in more.")


def _check_pay_down(answer) -> Feedback:
    if not isinstance(answer, dict):
        return Feedback(False, "give a manifest as a dict: start from toy_manifest() and change one thing.")
    from mldebt_lessons.audit import audit_system
    from mldebt_lessons.audit.toy import toy_system
    try:
        result = audit_system(toy_system(manifest=answer))
    except CourseInputError as err:
        return Feedback(False, f"the manifest does not load: {err}")
    before = toy_audit()
    gaps = [f for f in result.findings if f.pattern == "monitoring_gap" and f.nodes == ("churn_model",)]
    given = {(k, n.get("id")) for k in ("sources", "features", "models", "consumers")
             for n in answer.get(k, []) if isinstance(n, dict)}
    if given != _toy_node_ids():
        return Feedback(False, "keep every node of toy_manifest(); change only churn_model's monitoring.")
    if gaps:
        return Feedback(False, "churn_model still has a monitoring gap: give it a non-empty monitoring list.")
    fewer = len(before.findings) - len(result.findings)
    total = sum(f.score for f in before.findings) - sum(f.score for f in result.findings)
    return Feedback(True, f"{fewer} finding{'s' if fewer != 1 else ''} fewer, and the total score fell by "
                          f"{total:.1f}: churn_model is watched now, so its gap is gone and the findings that "
                          "involve it score lower (their exposure fell).")


def _check_one_debt(answer) -> Feedback:
    if not isinstance(answer, (str, dict)):
        return Feedback(False, "give a manifest as YAML text (or a dict).")
    try:
        result = _audit_answer(answer)
    except CourseInputError as err:
        return Feedback(False, f"the manifest does not load: {err}")
    kinds = {f["kind"] for f in result.system.nodes.values()}
    if not {"source", "feature", "model", "consumer"} <= kinds:
        return Feedback(False, "include at least one source, feature, model and consumer.")
    found = result.patterns_found()
    if found == ["fixed_threshold"]:
        return Feedback(True, "exactly one debt: a hand-picked threshold. Everything else is owned, tested, "
                              "monitored and pinned.")
    if "fixed_threshold" not in found:
        return Feedback(False, f"no fixed threshold yet; the audit found: {', '.join(found) or 'nothing'}.")
    others = [p for p in found if p != "fixed_threshold"]
    return Feedback(False, f"the audit also found: {', '.join(others)}. Read their evidence and remove them.")


def _team_answers() -> dict[str, str]:
    from mldebt_lessons.audit.mltestscore import TEST_KEYS
    answers = {}
    for key in TEST_KEYS:
        section, number = key.split("_")
        if section in ("data", "model"):
            answers[key] = "automated"
        elif section == "infra":
            answers[key] = "manual"
        else:
            answers[key] = "manual" if int(number) <= 3 else "no"
    return answers


def _check_score(answer) -> Feedback:
    from mldebt_lessons.audit.mltestscore import score
    result = score(_team_answers())
    if not (isinstance(answer, tuple) and len(answer) == 2):
        return Feedback(False, "give a pair: (final score, band).")
    value, band = answer
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return Feedback(False, "the final score is a number.")
    if value == result.final and band == result.band:
        return Feedback(True, f"monitoring scores {result.sections['monitor']:g} and caps everything: the final "
                              "score is the minimum over the four sections.")
    if value == sum(result.sections.values()):
        return Feedback(False, "that is the sum of the sections; the 2017 rule takes the minimum.")
    if value == result.final:
        return Feedback(False, f"right score; check the band's name with band({value:g}).")
    return Feedback(False, "count ½ for manual and 1 for automated, sum each section, then take the minimum.")


def _check_own(answer) -> Feedback:
    if not isinstance(answer, (str, dict)):
        return Feedback(False, "give your manifest as YAML text.")
    try:
        result = _audit_answer(answer)
    except CourseInputError as err:
        return Feedback(False, f"the manifest does not load: {err}")
    nodes = result.system.nodes
    if not any(f["kind"] == "model" for f in nodes.values()):
        return Feedback(False, "name at least one model.")
    unowned = [n for n, f in nodes.items() if not f.get("owner")]
    if unowned:
        return Feedback(False, f"give every node an owner (missing: {', '.join(unowned[:5])}); if nobody owns "
                               "one, that is a finding worth writing down as 'nobody'.")
    if len(nodes) < 4:
        return Feedback(False, "describe at least four parts: where data comes from, what the model reads, "
                               "the model, who acts on it.")
    return Feedback(True, f"{len(nodes)} nodes, {len(result.findings)} findings of "
                          f"{len(result.patterns_found())} patterns. Now read the top three.")


EXERCISES = (
    Exercise("90.1", "Find the hot spot",
             "In the toy world's audit, which node is involved in the most findings? Put its id in `answer`.",
             "Count, for each node, the findings whose `nodes` include it.",
             "from mldebt_lessons.lessons.audit_your_system.lesson import toy_audit\n"
             "counts = {}\n"
             "for f in toy_audit().findings:\n"
             "    for n in f.nodes:\n"
             "        counts[n] = counts.get(n, 0) + 1\n"
             "answer = sorted(counts, key=lambda n: (-counts[n], n))[0]\n", _check_busiest),
    Exercise("90.2", "Pay one debt down",
             "Start from `toy_manifest()`, give `churn_model` some monitoring, and put the changed manifest in "
             "`answer`. The checker re-runs the audit.",
             "Find the entry of `manifest['models']` whose id is churn_model and set its 'monitoring' list.",
             "from mldebt_lessons.audit.toy import toy_manifest\n"
             "answer = toy_manifest()\n"
             "for model in answer['models']:\n"
             "    if model['id'] == 'churn_model':\n"
             "        model['monitoring'] = ['prediction_bias', 'action_limits']\n", _check_pay_down),
    Exercise("90.3", "One debt, on purpose",
             "Write a manifest (YAML text) with at least one source, feature, model and consumer in which the "
             "audit finds exactly one debt: a fixed threshold. Put it in `answer`.",
             "Start from STARTER_MANIFEST and read each finding's evidence: it says what is missing.",
             "from mldebt_lessons.lessons.audit_your_system.lesson import STARTER_MANIFEST\n"
             "answer = (STARTER_MANIFEST\n"
             "          .replace('    monitoring: []', '    monitoring: [prediction_bias]')\n"
             "          .replace('    reads: [orders]', '    reads: [orders]\\n    pinned: true')\n"
             "          .replace('    reads: [churn]', '    reads: [churn]\\n    monitoring: [action_limits]'))\n",
             _check_one_debt),
    Exercise("90.4", "Score a team",
             "A team answers the ML Test Score: every Data and Model test automated, every Infrastructure test "
             "run by hand, the first three Monitoring tests by hand and the rest not at all. What is their "
             "(final score, band)? Put the pair in `answer`.",
             "Manual is half a point, automated one; sum each section; the final score is the minimum.",
             "from mldebt_lessons.audit.mltestscore import score\n"
             "from mldebt_lessons.lessons.audit_your_system.lesson import _team_answers\n"
             "result = score(_team_answers())\n"
             "answer = (result.final, result.band)\n", _check_score),
    Exercise("90.5", "Your own system",
             "Describe a system you work on (or know) as a manifest, in YAML, with an owner for every node, and "
             "put the text in `answer`. The tutor prompt at the end is built from its audit.",
             "Start from STARTER_MANIFEST or from `mldebt example`; the README has a full example with LLM parts.",
             "from pathlib import Path\n"
             "readme = Path('../README.md') if Path('../README.md').exists() else Path('README.md')\n"
             "text = readme.read_text(encoding='utf-8')\n"
             "answer = text.split('## Audit your own system', 1)[1].split('```yaml', 1)[1].split('```', 1)[0]\n",
             _check_own),
)


def _q(text, *options):
    return Question(text, tuple(Option(t, c, f) for t, c, f in options))


QUIZ = (
    _q("Two findings touch the same number of nodes downstream and have the same severity. Which ranks higher?",
       ("The one whose nodes nobody owns or monitors", True,
        "Right: exposure multiplies the score; debt nobody owns or watches is found late."),
       ("The one found first by the detectors", False,
        "Detector order never decides the rank; the score does, and ties break by severity and name."),
       ("Neither: they always tie", False, "They tie only if their exposure is the same too.")),
    _q("Why is the ML Test Score's final score the minimum over its four sections, not the sum?",
       ("A system is only as well tested as its weakest part", True,
        "Right: perfect data tests do not make up for no monitoring at all."),
       ("To keep the number small", False, "The range is 0 to 7 either way; the minimum says something."),
       ("Because the sections are weighted equally", False,
        "Equal weights would still allow a sum; the minimum is a stronger claim.")),
    _q("The audit finds no undeclared consumers in a manifest-only run. What can you conclude?",
       ("Only that the manifest declares none; lineage or logs could still show readers", True,
        "Right: undeclared consumers are, by definition, missing from declarations; observed reads reveal them."),
       ("That there are none", False, "A manifest cannot list what nobody declared. Add OpenLineage events."),
       ("That the detector is broken", False, "It is working: it compares observed readers with declared ones.")),
    _q("A model's threshold has set_by: learned. Which finding does that prevent?",
       ("fixed_threshold", True, "Right: a threshold re-learned on held-out data follows the model."),
       ("monitoring_gap", False, "Monitoring is a separate fact; a learned threshold still needs watching."),
       ("plain_old_data_smell", False, "That one asks for a scale: what the number means, not how it was set.")),
    _q("Larkspur's emails to likely churners change who orders again, and the churn labels are read from orders. "
       "What is that?",
       ("A direct feedback loop", True, "Right: the model's decisions shape its own future labels."),
       ("A correction cascade", False, "A cascade is a model trained on another model's score."),
       ("An unstable data dependency", False, "Nothing upstream changes its meaning; the model changes the world.")),
    _q("Why does the reach factor use a logarithm of the nodes downstream?",
       ("So a debt touching 1,000 nodes outranks one touching 10, without drowning every other factor", True,
        "Right: blast radius matters, but severity and ownership still count."),
       ("Because graphs are trees", False, "The graph need not be a tree; reach counts distinct nodes."),
       ("To make scores whole numbers", False, "Scores are rounded to one decimal; the log is about balance.")),
)

LESSON = Lesson(
    id="90", slug="audit_your_system", title="Audit your own system", paper_section="§2-§8",
    patterns=tuple(PATTERNS),
    objectives=("Read an audit report: what each finding says, why it ranks where it does, which lesson teaches it.",
                "Describe a real system as a manifest: owners, reads, declared consumers, thresholds, monitoring.",
                "Score a system on the ML Test Score with the 2017 rule, and say what caps it.",
                "Pay a debt down and show, with the audit, that it is gone and nothing else moved."),
    minutes=60, prerequisites=("00_start_here.ipynb", "01_entanglement_cace.ipynb"),
    exercises=EXERCISES, quiz=QUIZ,
    tutor_prompts=("Explain, in one paragraph, what the audit of my system says, in my system's terms.",
                   "Walk me through how the top-ranked debt in my audit arises, and what happens if I leave it "
                   "for a year.",
                   "Audit my system and prioritise: do you agree with the ranking, and what would you pay down "
                   "first, second and third?"),
    key_points=("The audit reads how a system is wired; the debts it finds live between the parts, not in any one.",
                "Rank by blast radius, severity and missing ownership or monitoring: the report shows the arithmetic.",
                "A manifest is worth writing even before the audit: it makes owners and readers explicit.",
                "The ML Test Score is capped by its weakest section; for most young systems that is monitoring.",
                "Pay down one debt at a time and re-run the audit: the finding goes, and its controls stay."),
    further_reading=("Sculley et al., Hidden Technical Debt in Machine Learning Systems, NeurIPS 2015.",
                     "Breck et al., The ML Test Score: A Rubric for ML Production Readiness and Technical Debt "
                     "Reduction, IEEE BigData 2017.",
                     "OpenLineage specification: https://openlineage.io"),
    focus_nodes=("user_age", "churn_model"),  # the toy world's busiest feature and model in its audit
)


def findings_by_pattern(result) -> Markdown:
    """Each pattern found, explained once: what it is, its top finding, the fix, and the lesson that teaches it."""
    lines = []
    for pattern_id in result.patterns_found():
        p = PATTERNS[pattern_id]
        found = [f for f in result.findings if f.pattern == pattern_id]
        top = found[0]
        where = learn_at(pattern_id)
        where = f"[{where.split('/')[-1]}](../{where})"
        lines += [f"**{p.title}** (`{pattern_id}`, paper {p.section}): {len(found)} finding"
                  f"{'s' if len(found) != 1 else ''}, the highest ranked #{top.rank} ({top.level}).  ",
                  f"*Evidence:* {top.evidence}  ", f"*Fix:* {p.fix}  ", f"*Learn it:* {where}", ""]
    return Markdown("\n".join(lines), f"[{len(result.patterns_found())} patterns explained]")


def hot_spots_text(result, n: int = 5) -> str:
    """The picture in words: the nodes in the most findings, with their worst level."""
    from mldebt_lessons.audit.picture import hot_spots
    spots = hot_spots(result)
    order = sorted(spots, key=lambda k: (-spots[k]["count"], spots[k]["rank"], k))[:n]
    return "\n".join(f"{k}: in {spots[k]['count']} findings, the worst {spots[k]['level']} (#{spots[k]['rank']})"
                     for k in order)
