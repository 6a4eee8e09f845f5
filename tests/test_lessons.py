"""Tests for lesson metadata, exercises, checkers, notebooks and the AI-tutor prompt."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from mldebt_lessons.audit.patterns import LLM_LESSON
from mldebt_lessons.audit.toy import toy_manifest
from mldebt_lessons.course.lesson import Feedback
from mldebt_lessons.course.quiz import Quiz
from mldebt_lessons.course.tutor import tutor_prompt, world_summary
from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.lessons import (
    LESSONS,
    check,
    exercise,
    get_lesson,
    show_solution,
    solution,
)
from mldebt_lessons.lessons.audit_your_system.lesson import STARTER_MANIFEST
from mldebt_lessons.shop.smells.orders import basket_python, basket_sql
from mldebt_lessons.shop.smells.sessions import session_count_prototype
from mldebt_lessons.shop.world import build_world

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GUIDE = ROOT.parent / "shared" / "course-guide.md"

# The audit's pattern ids and their paper sections, from the course guide's taxonomy (section 1).
PATTERN_SECTIONS = {
    "entanglement": "§2", "correction_cascade": "§2", "undeclared_consumer": "§2",
    "unstable_data_dependency": "§3", "underutilized_data_dependency": "§3", "static_analysis_gap": "§3",
    "direct_feedback_loop": "§4", "hidden_feedback_loop": "§4",
    "glue_code": "§5", "pipeline_jungle": "§5", "dead_experimental_codepath": "§5", "abstraction_debt": "§5",
    "plain_old_data_smell": "§5", "multiple_language_smell": "§5", "prototype_smell": "§5",
    "configuration_debt": "§6", "fixed_threshold": "§7", "monitoring_gap": "§7",
    "data_testing_debt": "§8", "reproducibility_debt": "§8", "process_management_debt": "§8",
    "cultural_debt": "§8",
}

LESSON_LIST = list(LESSONS.values())
EXERCISES = [e for lesson in LESSON_LIST for e in lesson.exercises]

# For every exercise, an answer that looks plausible but is wrong. A new exercise needs one here.
WRONG_ANSWERS = {
    "01.1": [2, 4, "3", 3.5, [3], True],
    # churn_model's threshold: every other model is exactly zero; the list for fraud_model's threshold is wrong.
    "01.2": ["recommender", ["ltv_model", "fraud_model", "recommender"], ["churn_model"], 42, [["ltv_model"]],
             ["churn_model", "ltv_model", "recommender", "fraud_model_es"],
             ["churn_model", "ltv_model", "fraud_model", "recommender", "fraud_model_es"]],
    # (0.752, 0.0) is the demo's user_age/churn pair: copying it from the screen must not pass.
    "01.3": [(0.752, 0.0), (0.5, 0.5), (0.0, 0.2344), (23.4, 0.0), "0.23", ((0.2,), 0.0)],
    "01.4": ["user_age", ("country", 0.0556), ("user_age", 0.0), ("user_age", "25%"), [["user_age", 0.25]],
             ("avg_basket_value", 0.25), ("user_age", 1.2328)],
    "01.5": [lambda old, new, threshold: 0.0, lambda old, new, threshold: 1 / 0, "prediction_change_monitor",
             lambda old, new, threshold: float(((old > threshold) != (new > threshold)).mean()), 0.06],
    "02.1": [("fraud_model", "fraud_model_es"), ("fraud_model_es", "fraud_model_pt"), "fraud_model_pt", 3,
             [["fraud_model"]]],
    "02.2": [0.0, 50.0, "-3.8", True, ("0.059", "-0.057"), [[1]]],
    # 02.3 and 02.4 take functions: vacuous ones here; subtler wrong functions in tests/test_cascade.py.
    "02.3": [lambda world, improvement, architecture: True, lambda world, improvement, architecture: False,
             "deadlock", 42],
    "02.4": ["separate", 0.7, lambda world: None, lambda world: [0.5] * 10],
    # 03.1: only the finding the demo shows; the lists swapped; nested lists that are not pairs.
    "03.1": [([("churn_model", "ads_ranker")], []), ([("churn_model", "homepage")], [("churn_model", "ads_ranker")]),
             ([], []), [[["churn_model", "ads_ranker"]], [[]]], ("churn_model", "ads_ranker"), 3],
    "03.2": [("reformat", 200.0), ("rescale", 0.0), ("rescale", "1286"), "rescale", [["rescale"], [1]]],
    "03.3": [("rescale", 0.0), ("relabel", 0.0), ("relabel", 500.0), "relabel", ({"relabel"}, [1])],
    # 03.4 takes a function: one right on the demo's log only, one that raises, a result instead of a function.
    "03.4": [lambda declared, events: {"churn_model": ["ads_ranker"]}, lambda declared, events: 1 / 0,
             {"churn_model": ["ads_ranker"]}, "undeclared"],
    "03.5": [(1.0, 1.0), (2.0, 1.0), "2.4", [[1.49], [1.16]]],
}
WRONG_ANSWERS.update({
    # lesson 04: its wrong answers here (owned by lesson 04).
    # 04.1: no jump, text, the wrong sign, the demo world's jump, churn_model's jump in the asked world, a list.
    "04.1": [0.0, "1.64", -1.64, 1.14, 2.46, [1.64]],
    # 04.2: a worse policy with its own error, the broken live reader, the right policy with no number, text.
    "04.2": [("pinned", 27.71), ("live", 62.77), ("refresh", 0.0), "refresh", [["refresh"], [27.34]],
             ("refresh", "27.34")],
    # 04.3: the wrong sign, no difference, text, a list.
    "04.3": [0.13, 0.0, "-0.13", [-0.13]],
    # 04.4 takes a function: never fires, always fires, no standard deviation, raises, a name, medians.
    "04.4": [lambda trained, served: False, lambda trained, served: True,
             lambda trained, served: bool(abs(np.mean(served) - np.mean(trained)) > 0.25),
             lambda trained, served: 1 / 0, "signal_alarm",
             lambda trained, served: bool(abs(np.median(served) - np.median(trained)) > 0.25 * np.std(trained))],
})
WRONG_ANSWERS.update({
    # lesson 05: its wrong answers here (owned by lesson 05).
    # 05.1: a useless candidate, the right one with a made-up gain, a bare name; 05.2: wrong numbers;
    # 05.3: the demo world's pair, the pair swapped, both signs flipped, a year later's sign flipped, no change,
    # text, one number; 05.4: a function that returns zeros, one that raises, a result instead of a function.
    "05.1": [("scroll_depth", 0.5), ("inactive_30d", 99.0), "inactive_30d", [["inactive_30d"], [3]]],
    "05.2": [0.0, -5.0, "3.0", [1.0]],
    "05.3": [(1.93, -2.50), (-1.55, 1.14), (-1.14, 1.55), (1.14, 1.55), (0.0, 0.0), "1.14, -1.55", 1.14],
    "05.4": [lambda world, features: {f: 0.0 for f in features}, lambda world, features: 1 / 0,
             {"user_age": 1.0}, "leave_one_out_gains"],
})
WRONG_ANSWERS.update({
    # lesson 06: its wrong answers here (owned by lesson 06).
    # 06.1: the demo world's count (seed 2015), zero (what a direct-readers view predicts), not a whole number.
    "06.1": [17, 0, 9.5, "9", [9], True],
    # 06.2: the pair swapped, the restricted closure counted twice, a single number.
    "06.2": [(66, 73), (66, 66), 73, "73, 66", [[73], [66]]],
    # 06.3: both called gaps (the natural guess), the two swapped, one reader only, the old list answer, a name.
    "06.3": [{"recommender": "static_analysis_gap", "fraud_model_es": "static_analysis_gap"},
             {"recommender": "undeclared_consumer", "fraud_model_es": "static_analysis_gap"},
             {"recommender": "static_analysis_gap"}, ["recommender", "country"], "static_analysis_gap", {}],
    # 06.4 takes a function: one that finds nothing, one that raises, a result instead of a function.
    "06.4": [lambda events, node: set(), lambda events, node: 1 / 0, {"churn_model", "ads_ranker"},
             "breaks_if_deleted"],
})
WRONG_ANSWERS.update({
    # lesson 07: its wrong answers here (owned by lesson 07).
    # 07.1: the share it did learn about (seed 42), a percentage, the demo world's share, a list.
    "07.1": [0.133, 86.7, 0.80, [0.867], "0.867", True],
    # 07.2: the pair swapped, one number, made-up numbers; 07.3: a result instead of a function, a greedy-only
    # policy (ignores explore), a random-only one; 07.4: the loop, a run that is not one of the three, a number.
    "07.2": [(252.4, 139.4), 139.4, (0, 0), "139, 252"],
    "07.3": [[1, 2, 3], lambda scores, budget, explore, rng: list(range(budget)), None.__class__],
    "07.4": ["loop", "explore 10%", "random", 2.1, ["control", "loop"]],
})
WRONG_ANSWERS.update({
    # lesson 08: its wrong answers here (owned by lesson 08).
    "08.1": [1.0, 0.0, "1.59", [1.59], 2.5],
    "08.2": ["churn only", "neither", ["both"], 3, "staggered"],
    # 08.3 takes a function: always True, always False, one that raises, a name instead of a function.
    "08.3": [lambda rounds: True, lambda rounds: False, lambda rounds: 1 / 0, "joint_monitor",
             lambda rounds: any(r.churn_drift > 0 for r in rounds)],
    # 08.4: no loop (the misconception that the email campaign's half is needed), the loop without the
    # recommender, one name as a string, a number.
    "08.4": [(), ("churn_model", "ltv_model"), "ltv_model", 3, ("ltv_model",),
             ("churn_model", "ltv_model", "recommender", "homepage")],
})
WRONG_ANSWERS.update({  # lesson 09: owned by its builder
    # 09.1: a percentage instead of a share, nothing flips (the API misconception), a made-up share, text,
    # this swap's share in the demo's world (what the explorer shows), the demo swap's share at seed 42.
    "09.1": [11.3, 0.0, 0.5, "0.11", [0.11], True, 0.1144, 0.1428],
    # 09.2: every miss silent, one file only, the files of another swap, a list instead of a dict, a bad word.
    "09.2": [{"fraud_review.py": "silent", "report.py": "silent", "training.py": "silent"},
             {"training.py": "crash"}, {"homepage.py": "silent", "report.py": "crash", "training.py": "crash"},
             ["training.py"], {"fraud_review.py": "loud", "report.py": "loud", "training.py": "loud"}],
    # 09.3 takes a function: coef_ only (breaks on trees), importances only (breaks on linear models), signed
    # coefficients, one that raises, a name instead of a function.
    "09.3": [lambda e: abs(e[-1].coef_[0]), lambda e: e.feature_importances_,
             lambda e: (e[-1] if hasattr(e, "steps") else e).coef_.ravel(), lambda e: 1 / 0, "column_weights"],
    # 09.4 takes a function: a text search (finds imports too), every file, nothing, one that raises, a name.
    "09.4": [lambda sources, name: {f for f, t in sources.items() if name in t}, lambda sources, name: set(sources),
             lambda sources, name: set(), lambda sources, name: 1 / 0, "builders"],
})
WRONG_ANSWERS.update({  # lesson 10: owned by its builder
    # 10.1: a percentage, the demo world's share, none flipped, all flipped, text, a list.
    "10.1": [88.0, 0.903, 0.0, 1.0, "0.88", [0.88]],
    # 10.2: the jungle over the DAG, the clickstream change's share, the demo world's share (seed 2015),
    # everything, text.
    "10.2": [3.4, 0.545, 0.3002, 0.3, 1.0, 0.0, "0.3", [0.3]],
    # 10.3: a check that always passes, one that always fails, one that counts rows only, not a function.
    "10.3": [lambda table: True, lambda table: False, lambda table: len(table["user_id"]) == 3000,
             "one_row_per_user", 1],
    # 10.4: only the steps that read the file directly, every step, nothing, not a function.
    "10.4": [lambda file: [s.name for s in __import__("mldebt_lessons.shop.prep.dag", fromlist=["STEPS"]).STEPS
                           if file in s.inputs],
             lambda file: ["sessions", "session_counts", "accounts", "baskets", "split", "users", "features"],
             lambda file: [], "downstream"],
})
WRONG_ANSWERS.update({  # lesson 11: owned by its builder
    # 11.1: release day without the extra flag (2, 27), today's counts, the pair swapped, one number, floats.
    "11.1": [(2, 27), (0, 29), (26, 3), 3, (3.5, 26), "3, 26", (3, 27)],
    # 11.2: srv-8 alone, twice srv-8 alone, zero, negative, text.
    "11.2": [1742.1, 3484.2, 0.0, -3396.5, "3396.5", [3396.5]],
    # 11.3 takes a function: only never-flipped flags (forgets "read nowhere"), only unread ones, every flag
    # read, one that raises, a result instead of a function.
    "11.3": [lambda source, configs: {n for n in __import__("mldebt_lessons.lessons.dead_experimental_codepaths"
                                                            ".experiment", fromlist=["x"]).flags_read(source)
                                      if len({bool(f.get(n, False)) for f in configs.values()}) == 1},
             lambda source, configs: {n for f in configs.values() for n in f} - set(
                 __import__("mldebt_lessons.lessons.dead_experimental_codepaths.experiment",
                            fromlist=["x"]).flags_read(source)),
             lambda source, configs: set(), lambda source, configs: 1 / 0, {"fast_lane", "legacy_tax"}],
    # 11.4 takes a function: always True, always False, a text search (counts docstrings and comments),
    # one returning a name, a bool instead of a function.
    "11.4": [lambda name, sources: True, lambda name, sources: False,
             lambda name, sources: not any(name in s for s in sources), lambda name, sources: name, True],
})
WRONG_ANSWERS.update({  # lesson 12: owned by its builder
    # 12.1: no inflation, the inflation's sign flipped, the number as text or in a list, a share.
    "12.1": [0.0, -0.0365, "0.0365", [0.0365], 0.5],
    # 12.2: the share with batches of 50 (not 10), nothing flipped, text, out of range.
    "12.2": [0.0378, 0.0, "0.064", -0.1, 1.5],
    # 12.3: nothing moves, everything moves, text, out of range.
    "12.3": [0.0, 1.0, "0.177", 2, -0.5],
    # 12.4: a pipeline that ignores the postcode area, a name instead of a function, a function that raises,
    # one that returns no pipeline, a fitted-looking number.
    "12.4": [lambda: __import__("mldebt_lessons.shop.preparation.pipelined", fromlist=["x"]).make_pipeline(),
             "churn_pipeline", lambda: 1 / 0, lambda: None, 0.66],
})
WRONG_ANSWERS.update({  # lesson 13: owned by its builder
    # 13.1: the share still held (1 - the answer), the demo's threshold's share, a share as a percent, text.
    "13.1": [0.106, 0.816, 89.4, "0.894", [0.894], -0.5],
    # 13.2: every user with an order, the share instead of the count, a fraction of a user, text.
    "13.2": [3000, 0.2247, 674.5, "674", 0],
    # 13.3 takes a function: the numpy rewrite itself (NULL as 0), a mean without the NaN users, one in pence,
    # one that raises, a name instead of a function.
    "13.3": [lambda orders, n: basket_python(orders, n),
             lambda orders, n: np.nan_to_num(basket_python(orders, n)),
             lambda orders, n: basket_sql(orders, n) * 100, lambda orders, n: 1 / 0, "basket_like_sql"],
    # 13.4: the prototype itself, one that counts events of all users, one that raises, a name.
    "13.4": [lambda events, users: session_count_prototype(events, len(users)),
             lambda events, users: np.full(len(users), float(len(events))),
             lambda events, users: 1 / 0, "sessions_by_id"],
})
WRONG_ANSWERS.update({  # lesson 14: owned by its builder
    # 14.1: nothing flipped, the demo world's share (seed 2015), a percentage, text, a list, out of range.
    "14.1": [0.0, 0.2744, 28.3, "0.283", [0.283], -0.1],
    # 14.2: nothing flipped (the checker stops it), the demo world's share, a percentage, text.
    "14.2": [0.0, 0.0422, 3.56, "0.0356", 1.5],
    # 14.3: a value instead of a function, a check that flags nothing, one that flags every numeric feature,
    # one that looks only at the first row's day, one that raises on a categorical or unknown column.
    "14.3": [
        {"avg_basket_value"},
        lambda config, logged, days: set(),
        lambda config, logged, days: {f for f in config["features"] if f in logged and logged[f].dtype.kind == "f"},
        lambda config, logged, days: ({"avg_basket_value"} if "avg_basket_value" in config["features"] else set()),
        lambda config, logged, days: {f for f in config["features"]
                                      if days[~np.isnan(logged[f])].min() > 180 - config["window_days"]},
        # the catalogue's day 60 typed in, not read from the logs
        lambda config, logged, days: ({"avg_basket_value"} & set(config["features"])
                                      if config["window_days"] > 120 else set()),
    ],
    # 14.4: a text instead of a function, every key, the keys on changed lines of the text diff, the own
    # (unresolved) settings compared, nothing ever changed.
    "14.4": [
        "threshold",
        lambda old, new: set(__import__("mldebt_lessons.shop.config", fromlist=["x"]).load_config_text(new)),
        lambda old, new: {line[1:].split(":")[0].strip() for line in __import__("difflib").unified_diff(
            old.splitlines(), new.splitlines(), n=0, lineterm="")
            if line[:1] in "+-" and not line.startswith(("---", "+++", "-#", "+#")) and ":" in line},
        lambda old, new: (lambda parse: {k for k in set(parse(old)) | set(parse(new))
                                         if parse(old).get(k) != parse(new).get(k)})(
            __import__("mldebt_lessons.shop.config", fromlist=["x"]).parse_config),
        lambda old, new: set(),
    ],
})
WRONG_ANSWERS.update({  # lesson 15: owned by its builder
    # 15.1: capacity over queue (the inverse), the share held instead of the multiple, text, a negative number.
    "15.1": [0.2, 0.52, "4.99", -5.0, [4.99]],
    # 15.2: a share instead of points, the flipped sign, round 2's move, text.
    "15.2": [0.013, -1.3, 23.3, "1.3", 250.0],
    # 15.3 takes a function: the fixed 0.15, the capacity's quantile of all scores with ties (may overflow),
    # a threshold that holds nothing, one that raises, a name.
    "15.3": [lambda scores, capacity: 0.15,
             lambda scores, capacity: float(np.quantile(scores, 1 - capacity, method="lower")),
             lambda scores, capacity: 2.0, lambda scores, capacity: 1 / 0, "capacity_threshold"],
    # 15.4 takes a function: the fixed 0.15, the highest score (precise, but catches too little), one that
    # holds everything, one that raises, a number.
    "15.4": [lambda scores, labels, target: 0.15, lambda scores, labels, target: float(np.max(scores)),
             lambda scores, labels, target: 0.0, lambda scores, labels, target: 1 / 0, 0.2],
})
WRONG_ANSWERS.update({  # lesson 16: owned by its builder
    # 16.1: the KS tests' delay (not PSI's), caught on day 0, negative, text, a list.
    "16.1": [8, 0, -15, "15", [15]],
    # 16.2: the corrected KS monitor's false alarms, negative, text, a list.
    "16.2": [0.0, -3.14, "3.14", [3.14]],
    # 16.3: the KS tests' harm, the harm if never caught, negative, text.
    "16.3": [25.0, 1924.0, -401, "401"],
    # 16.4 takes a function: a constant, one that raises, one that returns nothing, a mean difference, a name.
    "16.4": [lambda reference, current: 0.0, lambda reference, current: 1 / 0, lambda reference, current: None,
             lambda reference, current: abs(float(np.mean(np.asarray(reference, float)))
                                            - float(np.mean(np.asarray(current, float)))),
             "psi_by_hand"],
})
WRONG_ANSWERS.update({  # lesson 17: owned by its builder
    # 17.1: one model's count (churn_model's), negative, text, a list (the total at seed 42 is 77).
    "17.1": [33, -77, "77", [77]],
    # 17.2: the fully pinned control, negative, text, a share over 1.
    "17.2": [0.0, -0.07, "0.07", 2.0],
    # 17.3: the minutes once automated, negative, text, a list.
    "17.3": [130, -710, "710", [710]],
    # 17.4 takes a function: always quiet, always alarming, raises, returns text, a range check, a name.
    "17.4": [lambda reference, batch: False, lambda reference, batch: True, lambda reference, batch: 1 / 0,
             lambda reference, batch: "alarm",
             lambda reference, batch: bool(np.nanmax(batch["days_since_signup"]) > 3650), "new_accounts_check",
             # the right share with no margin for chance: a false alarm on a clean batch
             lambda reference, batch: bool(np.mean(batch["days_since_signup"] < 30)
                                           > np.mean(reference["days_since_signup"] < 30))],
    # 17.5 takes a function: keeps everything, raises, returns nothing, keeps only country, a name, and always
    # keeps session_count alone (within the floor in the demo's world, not at seed 1).
    "17.5": [lambda world, name: {"recommender": ("session_count", "device", "country"),
                                  "churn_model": ("user_age", "session_count", "days_since_signup", "device")}[name],
             lambda world, name: 1 / 0, lambda world, name: None, lambda world, name: ["country"], "simplify",
             lambda world, name: ["session_count"]],
})
WRONG_ANSWERS.update({  # lesson 18: owned by its builder
    # 18.1: the full-index recall, the broken recall, points instead of a share, a text.
    "18.1": [1.0, 0.0, 45.0, "about half"],
    # 18.2: nothing lost, the share lost, a number of generations, a text.
    "18.2": [1.0, 0.0, 60, "less than half"],
    # 18.3: the demo's lenient and strict parsers (copied), a parser that guesses the scale (out of 100 when above
    # 1), one that always raises, one that returns a constant, a name instead of a function, not a function.
    "18.3": [(_hosted := __import__("mldebt_lessons.shop.assistant.hosted", fromlist=["x"])).lenient_parse,
             _hosted.strict_parse,
             lambda reply: (lambda d: {**d, "confidence": d["confidence"] / (100 if d["confidence"] > 1 else 1)})(
                 _hosted.lenient_parse(reply)),
             lambda reply: 1 / 0, lambda reply: {"confidence": 0.5, "article_id": 0, "answer": ""}, "lenient_parse",
             3.0],
    # 18.4: the course's own best_threshold (copied), a fixed mark, one that raises, one that passes everything, the
    # mean score, a number.
    "18.4": [__import__("mldebt_lessons.shop.assistant.judge", fromlist=["x"]).best_threshold,
             lambda scores, labels: 6.0, lambda scores, labels: 1 / 0, lambda scores, labels: float("-inf"),
             lambda scores, labels: float(np.mean(scores)), 7.5],
})
WRONG_ANSWERS.update({
    # 90.1: the toy manifest unchanged (ads_ranker still undeclared), a node id instead of a manifest.
    "90.1": [toy_manifest(measure=False), "ads_ranker", {"system": "x"}, 3],
    # 90.2: Larkspur's answers unchanged, everything automated (far more changes than needed), a number.
    "90.2": [dict.fromkeys(("data_7", "infra_1", "infra_2", "infra_3"), "automated"),
             dict.fromkeys(("data_1", "monitor_1"), "always"), 2.5, "reasonably tested"],
    # 90.3: a function that changes nothing, one that writes blank monitors, a name instead of a function.
    "90.3": [lambda manifest: manifest, lambda manifest: {**manifest, "models": [
        {**m, "monitoring": [""]} for m in manifest.get("models", [])]}, "add_monitoring", 42],
    # 90.4: the starter unchanged, a one-node system, something that is not a manifest.
    "90.4": [STARTER_MANIFEST, "system: x\nmodels: [{id: m, owner: me}]\n", "not: yaml: at: all: [", 5],
})


def run_solution(ex) -> object:
    namespace: dict = {}
    exec(compile(ex.solution, f"<solution {ex.id}>", "exec"), namespace)
    assert "answer" in namespace, f"solution {ex.id} leaves no `answer`"
    return namespace["answer"]


# --- metadata --------------------------------------------------------------------------------------

def test_the_registry_is_keyed_by_lesson_id_in_course_order():
    assert list(LESSONS) == sorted(LESSONS)
    for key, lesson in LESSONS.items():
        assert key == lesson.id
        assert get_lesson(lesson.id) is lesson and get_lesson(lesson.slug) is lesson


def test_an_unknown_lesson_gives_one_line():
    with pytest.raises(CourseInputError) as caught:
        get_lesson("99")
    message = str(caught.value)
    assert "\n" not in message and len(message) < 200, message
    assert all(lesson_id in message for lesson_id in LESSONS) and "mldebt lessons" in message
    with pytest.raises(CourseInputError) as caught:
        get_lesson("glue_cod")
    assert "did you mean 'glue_code'?" in str(caught.value)


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_lesson_metadata_is_complete(lesson):
    assert re.fullmatch(r"\d\d", lesson.id)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", lesson.slug)
    assert lesson.title.strip() and lesson.title == lesson.title.strip()
    assert len(lesson.objectives) >= 3 and all(o.strip() for o in lesson.objectives)
    assert isinstance(lesson.minutes, int) and lesson.minutes > 0
    assert 3 <= len(lesson.exercises) <= 5
    assert len(lesson.quiz) >= 5
    assert len(lesson.tutor_prompts) == 3 and all(p.strip() for p in lesson.tutor_prompts)
    assert len(lesson.key_points) >= 3 and all(k.strip() for k in lesson.key_points)
    assert lesson.notebook == f"{lesson.id}_{lesson.slug}.ipynb"


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_patterns_come_from_the_guide_and_match_the_paper_section(lesson):
    # The LLM lesson teaches the LLM forms of patterns other lessons own; the audit links to it by the
    # finding's parts (audit.patterns.lesson_for), not by pattern.
    assert lesson.patterns or f"notebooks/{lesson.notebook}" == LLM_LESSON
    for pattern in lesson.patterns:
        assert pattern in PATTERN_SECTIONS, pattern
        # A lesson on one section teaches that section's patterns; the capstone (§2-§8) applies them all.
        assert PATTERN_SECTIONS[pattern] == lesson.paper_section or "-" in lesson.paper_section, pattern


@pytest.mark.skipif(not GUIDE.exists(), reason="the course guide lives outside this repository")
def test_the_pattern_list_here_matches_the_course_guide():
    ids = set(re.findall(r"`([a-z_]+)`", GUIDE.read_text().split("## 2.")[0]))
    assert set(PATTERN_SECTIONS) == ids


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_exercise_ids_are_unique_numbered_and_prefixed_by_the_lesson(lesson):
    ids = [e.id for e in lesson.exercises]
    assert ids == [f"{lesson.id}.{n}" for n in range(1, len(ids) + 1)]
    for e in lesson.exercises:
        assert e.title.strip() and e.prompt.strip() and e.hint.strip() and e.solution.strip()
        assert "answer" in e.prompt
    all_ids = [e.id for e in EXERCISES]
    assert len(all_ids) == len(set(all_ids))


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_each_question_has_one_right_option_and_feedback_on_every_option(lesson):
    for number, question in enumerate(lesson.quiz):
        assert question.text.strip(), number
        assert len(question.options) >= 3, number
        assert sum(o.correct for o in question.options) == 1, number
        texts = [o.text for o in question.options]
        assert len(set(texts)) == len(texts), number
        for option in question.options:
            assert option.text.strip() and option.feedback.strip(), (number, option.text)


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_the_tutor_prompts_follow_the_template_order(lesson):
    explain, walk, audit = (p.lower() for p in lesson.tutor_prompts)
    assert "explain" in explain and "one paragraph" in explain
    assert "walk me through" in walk
    assert "audit" in audit and "prioritise" in audit


# --- exercises: solutions pass their checkers, wrong answers do not ---------------------------------

@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_solution_passes_its_checker(ex):
    answer = run_solution(ex)
    verdict = check(ex.id, answer)
    assert isinstance(verdict, Feedback)
    assert verdict.ok, verdict
    assert verdict.message.strip() and repr(verdict).startswith("Right: ")


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_wrong_answers_are_rejected_with_a_message(ex):
    assert ex.id in WRONG_ANSWERS, f"add wrong answers for {ex.id} to WRONG_ANSWERS"
    right = run_solution(ex)
    for wrong in WRONG_ANSWERS[ex.id] + [None, object()]:
        assert wrong != right
        verdict = check(ex.id, wrong)
        assert verdict.ok is False, (ex.id, wrong)
        assert verdict.message.strip() and repr(verdict).startswith("Not yet: ")


def test_not_answering_yet_says_only_not_attempted_and_a_wrong_answer_gets_the_hint():
    verdict = check("01.1", None)
    assert verdict.ok is False
    assert verdict.message == "not attempted: set `answer` above and run this cell again."
    assert exercise("01.1").hint not in verdict.message and "hint" not in verdict.message.lower()
    assert exercise("01.1").hint in check("01.1", -1).message


def test_the_solutions_give_the_answers_the_library_measures():
    from mldebt_lessons.lessons.entanglement_cace.experiment import flips_of, measure_cace, retrained_weights
    world = build_world()
    assert run_solution(exercise("01.1")) == 3  # churn_model, fraud_model, and fraud_model_es through fraud_model
    zero = {e.model for e in measure_cace(world, "churn_model", "lower threshold", "retrained")
            if e.decisions_flipped == 0 and e.mean_abs_score_change == 0}
    assert set(run_solution(exercise("01.2"))) == zero == {"ltv_model", "fraud_model", "recommender", "fraud_model_es"}
    serving, retrained = run_solution(exercise("01.3"))
    assert (serving, retrained) == tuple(flips_of(world, "session_count", "units", m, "recommender")
                                         for m in ("serving", "retrained"))
    assert serving > retrained == 0.0
    name, share = run_solution(exercise("01.4"))
    assert name == "user_age" and share > 0
    before = world.models["ltv_model"].input_weights()
    after = retrained_weights(world, "ltv_model", "drop avg_basket_value", "retrained", "ltv_model")
    assert share == abs(after["user_age"] - before["user_age"]) / abs(before["user_age"])
    assert share > abs(after["country"] - before["country"]) / abs(before["country"])


def test_checkers_accept_equivalent_forms_of_the_right_answer():
    controls = ["ltv_model", "fraud_model", "recommender", "fraud_model_es"]
    assert check("01.2", controls).ok and check("01.2", tuple(controls)).ok and check("01.2", set(controls)).ok
    name, share = run_solution(exercise("01.4"))
    assert check("01.4", [name, share]).ok and check("01.4", (name, round(share, 3))).ok


def test_a_threshold_change_leaves_every_other_model_at_exactly_zero():
    """No model reads churn_model's output, and a threshold moves no score: all four others are controls."""
    verdict = check("01.2", ["ltv_model", "fraud_model", "recommender"])
    assert verdict.ok is False and "missing" in verdict.message
    verdict = check("01.2", ["churn_model", "ltv_model", "fraud_model", "recommender", "fraud_model_es"])
    assert verdict.ok is False and "churn_model is the changed model" in verdict.message
    verdict = check("01.2", ["ltv_model", "fraud_model", "recommender", "fraud_model_es"])
    assert verdict.ok and "email_campaign" in verdict.message
    verdict = check("01.1", 2)  # forgot fraud_model_es, reached only through fraud_model's score
    assert verdict.ok is False and "another model's score" in verdict.message


def test_a_numpy_integer_count_is_accepted():
    assert check("01.1", np.int64(3)).ok


def test_unknown_exercise_gives_one_line():
    with pytest.raises(CourseInputError) as caught:
        check("01.9", 3)
    assert "\n" not in str(caught.value) and "01.1" in str(caught.value)


def test_show_solution_prints_the_solution(capsys):
    show_solution("01.2")
    out = capsys.readouterr().out
    assert out.startswith("# Solution to exercise 01.2: Name the control")
    assert solution("01.2").strip() in out


# --- notebooks ---------------------------------------------------------------------------------------

TEMPLATE_HEADINGS = ("Why", "Demo", "Try it", "Check yourself", "Ask your AI tutor", "Key points")


def headings(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [line for cell in cells if cell["cell_type"] == "markdown"
            for line in "".join(cell["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_each_lesson_has_its_notebook(lesson):
    assert (NOTEBOOKS / lesson.notebook).is_file(), lesson.notebook


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_each_lesson_notebook_follows_the_template(lesson):
    found = headings(NOTEBOOKS / lesson.notebook)
    assert found and found[0].startswith("# ") and lesson.title in found[0]
    sections = [h[3:] for h in found if h.startswith("## ")]
    places = []
    for heading in TEMPLATE_HEADINGS:
        matches = [i for i, s in enumerate(sections) if s.startswith(heading)]
        assert matches, f"{lesson.notebook} has no '## {heading}' section"
        places.append(matches[0])
    assert places == sorted(places), f"{lesson.notebook}: template sections out of order: {sections}"


def test_notebooks_named_as_prerequisites_exist():
    named = {p for lesson in LESSON_LIST for p in lesson.prerequisites if p.endswith(".ipynb")}
    assert named
    for name in named:
        assert (NOTEBOOKS / name).is_file(), name


# --- the AI-tutor prompt ---------------------------------------------------------------------------------

def answered_quiz(lesson, right: int, wrong: int) -> Quiz:
    """A quiz with ``right`` questions answered right and the next ``wrong`` answered wrong."""
    quiz = Quiz(lesson)
    for number in range(right + wrong):
        options = lesson.quiz[number].options
        pick = next(i for i, o in enumerate(options) if o.correct == (number < right))
        quiz.answer(number, pick)
    return quiz


def test_tutor_prompt_holds_the_three_prompts_in_order_with_the_learners_results():
    lesson = get_lesson("01")
    results = "churn_model: 75.2% of decisions flipped (measured)"
    text = tutor_prompt(lesson, results=results, quiz=answered_quiz(lesson, 4, 1),
                        my_system="a search ranker and two teams")
    places = [text.index(f"{i}. {p}") for i, p in enumerate(lesson.tutor_prompts, start=1)]
    assert places == sorted(places)
    assert results in text
    assert f"My quiz: 4 right of the 5 of {len(lesson.quiz)} questions I answered." in text
    assert "a search ranker and two teams" in text
    assert lesson.title in text and lesson.paper_section in text
    for objective in lesson.objectives:
        assert f"- {objective}" in text
    assert world_summary(build_world()) in text


def test_tutor_prompt_leaves_no_placeholder_unfilled():
    text = tutor_prompt(get_lesson("01"), results="x", quiz=answered_quiz(get_lesson("01"), 1, 0))
    assert not re.search(r"[{}]|\bNone\b|\bTODO\b|<[a-z_]+>", text), text
    assert "(no results yet" not in text


def test_tutor_prompt_without_results_says_so_and_omits_the_score():
    text = tutor_prompt(get_lesson("01"))
    assert "(no results yet: I have not run the demo)" in text
    assert "My quiz" not in text


def test_an_unattempted_quiz_is_not_reported_as_a_failed_one():
    lesson = get_lesson("02")
    text = tutor_prompt(lesson, quiz=Quiz(lesson))
    assert f"My quiz: not attempted yet (0 of {len(lesson.quiz)} questions answered)." in text
    assert "0 right" not in text


@pytest.mark.parametrize("lesson", LESSON_LIST, ids=lambda l: l.id)
def test_tutor_prompt_context_is_the_lessons_own(lesson):
    text = tutor_prompt(lesson)
    assert lesson.focus_nodes
    for node in lesson.focus_nodes:
        assert f"'{node}' reaches" in text
    assert "(describe your own ML or LLM system here" in text


def test_world_summary_reads_its_numbers_from_the_world():
    world = build_world()
    text = world_summary(world)
    n = len(world.train_rows) + len(world.test_rows)
    assert f"{n:,} synthetic users" in text and f"seed {world.seed}" in text
    assert "3 raw sources" in text and "6 features" in text
    assert "5 real scikit-learn models" in text and "5 consumers" in text
    assert f"{len(world.models)} real scikit-learn models" in text
    for node in world.graph:
        assert node in text, node
