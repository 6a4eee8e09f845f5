"""Lesson 09: glue code (Sculley et al. 2015, §5)."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.answers import as_text, is_number, number_in, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.lessons.glue_code.experiment import Swap, diff_stats, missed, ripple, swapped_sources
from mldebt_lessons.shop.serving import source_files

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
RIPPLE_SWAP = Swap("recommender", "boosted trees")  # 09.1
MISS_SWAP = Swap("fraud_model", "logistic regression")  # 09.2


def _ripple_share(seed: int = OTHER_SEED) -> float:
    return ripple(world_at(seed), RIPPLE_SWAP).share


def _check_ripple(answer) -> Feedback:
    truth = _ripple_share()
    if not is_number(answer):
        return Feedback(False, "give one number: the share of the carousel's decisions that flip (0 to 1).")
    if within(answer, truth, 0.002):
        return Feedback(True, f"{truth:.1%} of the carousel's decisions flip: a family swap is a change of "
                              "behaviour, however little code it takes.")
    if within(answer, 100 * truth, 0.2):
        return Feedback(False, "that looks like a percentage; give the share as a fraction between 0 and 1.")
    return Feedback(False, f"{float(answer):.3f} is not what the swap does at seed {OTHER_SEED}.")


def _judge_ripple(prediction) -> str:
    guess, truth = number_in(prediction), _ripple_share()
    if guess is None:
        return "no number to compare."
    return f"you guessed {guess:g}; the measured share is {truth:.3f}."


MISS_WORDS = ("silent", "crash")


def _miss_outcomes(seed: int = OTHER_SEED) -> dict[str, str]:
    world = world_at(seed)
    return {file: ("crash" if (m := missed(world, MISS_SWAP, file)).error else "silent" if m.silent else "none")
            for file in diff_stats("glued", MISS_SWAP).per_file}


def _check_misses(answer) -> Feedback:
    truth = _miss_outcomes()
    if not isinstance(answer, dict) or not all(isinstance(k, str) for k in answer):
        return Feedback(False, "give a dict: each file the glued diff changes -> 'silent' or 'crash'.")
    given = {k: as_text(v).strip() for k, v in answer.items()}
    if set(given) != set(truth):
        return Feedback(False, f"name exactly the files the glued diff changes ({len(truth)} of them): "
                               "diff_stats('glued', swap).per_file.")
    if any(v not in MISS_WORDS for v in given.values()):
        return Feedback(False, "say 'silent' or 'crash' for each file.")
    wrong = sorted(k for k in truth if given[k] != truth[k])
    if not wrong:
        crashes = sum(v == "crash" for v in truth.values())
        copies = " No file keeps a private copy of this model, so no miss can hide." if crashes == len(truth) else ""
        return Feedback(True, f"{crashes} of {len(truth)} misses crash: the edited files now read the new "
                              "family's attributes while an unedited one still hands them the old model, or the "
                              "other way round. Glue breaks where one file's assumptions meet another's." + copies)
    return Feedback(False, f"{len(wrong)} of {len(truth)} wrong, e.g. {wrong[0]}: run missed(world, swap, file).")


def _judge_misses(prediction) -> str:
    truth = _miss_outcomes()
    crashes = sum(v == "crash" for v in truth.values())
    said = as_text(prediction)
    guess = "silent" if "silent" in said else "crash" if "crash" in said or "loud" in said else None
    verdict = f"{crashes} of {len(truth)} misses crash"
    return f"you said {guess}; {verdict}." if guess else f"{verdict}."


def _reference_weights(estimator) -> np.ndarray:
    if hasattr(estimator, "steps"):
        estimator = estimator[-1]
    if hasattr(estimator, "feature_importances_"):
        return np.asarray(estimator.feature_importances_, dtype=float)
    return np.abs(np.ravel(estimator.coef_)).astype(float)


def _fitted_examples(seed: int) -> list[tuple[str, object]]:
    """Estimators of every family Larkspur serves, fitted on the world's training users."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    from mldebt_lessons.shop.models import design_matrix
    world = world_at(seed)
    churn = world.models["churn_model"]
    X, _ = design_matrix(world.train_table, churn.spec.inputs, churn.categories_)
    y = world.labels["churned"][world.train_rows]
    return [("churn_model (logistic regression in a pipeline)", churn.estimator_),
            ("fraud_model (boosted trees)", world.models["fraud_model"].estimator_),
            ("a bare logistic regression", LogisticRegression(max_iter=1000).fit(X, y)),
            ("a random forest", RandomForestClassifier(n_estimators=5, max_depth=3, random_state=seed).fit(X, y))]


def _check_weights(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking a fitted estimator.")
    checked = 0
    for seed in SEEDS[:3]:
        for what, estimator in _fitted_examples(seed):
            try:
                got = np.asarray(answer(estimator), dtype=float).ravel()
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} on {what} (seed {seed}).")
            expected = _reference_weights(estimator)
            if got.shape != expected.shape or not np.allclose(got, expected):
                return Feedback(False, f"on {what} (seed {seed}) it gives {got.size} weights, not the "
                                       f"{expected.size} expected, or different values.")
            checked += 1
    return Feedback(True, f"right on all {checked} fitted estimators at three seeds: one function now reads "
                          "every family, so a swap no longer means editing each file that explains a model.")


def _report_spelling_works(seed: int = OTHER_SEED) -> list[str]:
    """The estimators of the checker's four on which the glued report's ``np.abs(e[-1].coef_[0])`` runs."""
    works = []
    for label, estimator in _fitted_examples(seed):
        try:
            np.abs(estimator[-1].coef_[0])
        except Exception:
            continue
        works.append(label)
    return works


def _judge_weights(prediction) -> str:
    works = _report_spelling_works()
    return (f"{you_guessed(prediction)}the report's spelling runs on {len(works)} of 4: {', '.join(works)}; "
            "every other family needs its own spelling, which is why glued code repeats it per file.")


def _reference_builders(sources: dict[str, str], name: str) -> set[str]:
    import ast
    found = set()
    for file, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if called == name:
                    found.add(file)
    return found


def _builder_cases() -> list[tuple[str, dict[str, str], str]]:
    rf = Swap("churn_model", "random forest")
    return [("the glued version", source_files("glued"), "LogisticRegression"),
            ("the glued version", source_files("glued"), "GradientBoostingClassifier"),
            ("the API version", source_files("api"), "LogisticRegression"),
            (f"the glued version after {rf.label}", swapped_sources("glued", rf), "RandomForestClassifier"),
            (f"the glued version after {rf.label}", swapped_sources("glued", rf), "LogisticRegression"),
            ("the glued version", source_files("glued"), "SVC")]


def _check_builders(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (sources, name).")
    for where, sources, name in _builder_cases():
        try:
            got = answer(dict(sources), name)
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} on {where}, {name!r}.")
        expected = _reference_builders(sources, name)
        try:
            right = set(got) == expected
        except Exception:
            right = False
        if not right:
            return Feedback(False, f"on {where}, {name!r}: expected {sorted(expected)}.")
    return Feedback(True, f"right on all {len(_builder_cases())} cases: run it before a swap and the homepage's "
                          "private copy is on the list, not found later in the decisions.")


def _judge_builders(prediction) -> str:
    truth = _reference_builders(source_files("glued"), "LogisticRegression")
    return f"{you_guessed(prediction)}{len(truth)} files of the glued version build one: {', '.join(sorted(truth))}."


EXERCISES = (
    Exercise(
        "09.1", "How far does a swap ripple?",
        f"In `world = build_world({OTHER_SEED})`, swap the recommender from logistic regression to boosted trees, "
        "done fully: `ripple(world, Swap('recommender', 'boosted trees'))` runs the modified code from a "
        "temporary folder. Set `answer` to the share of the carousel's decisions that flip (its `.share`).",
        "from mldebt_lessons.lessons.glue_code.experiment import Swap, ripple; then ripple(build_world(42), ...).share",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.glue_code.experiment import Swap, ripple\n"
        "answer = ripple(build_world(42), Swap('recommender', 'boosted trees')).share",
        _check_ripple,
        predict="What share of the carousel's decisions will flip: about 0, about 0.1, or over 0.3? Give a number.",
        judge_prediction=_judge_ripple,
    ),
    Exercise(
        "09.2", "Loud or silent?",
        f"Swap fraud_model from boosted trees to logistic regression in the glued version. For each file its "
        f"diff changes (`diff_stats('glued', swap).per_file`), say what happens in the world of seed {OTHER_SEED} "
        "when the developer misses that one file: `missed(world, swap, file)` runs the code with it left as it "
        "was. Set `answer` to a dict: file -> 'silent' (runs, with wrong results) or 'crash' (raises an error).",
        "Loop over diff_stats('glued', swap).per_file; a Miss with an error crashed.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.glue_code.experiment import Swap, diff_stats, missed\n"
        "world = build_world(42)\n"
        "swap = Swap('fraud_model', 'logistic regression')\n"
        "answer = {file: ('crash' if missed(world, swap, file).error else 'silent')\n"
        "          for file in diff_stats('glued', swap).per_file}",
        _check_misses,
        predict="Will these misses be silent or crash? Say one word for most of them, and name any file you "
                "expect to behave differently.",
        judge_prediction=_judge_misses,
    ),
    Exercise(
        "09.3", "Write one explainer for every family",
        "Pay down some glue: write `column_weights(estimator)` that takes any fitted estimator Larkspur serves "
        "and returns one weight per design-matrix column: for a pipeline, look at its last step; a tree "
        "ensemble's weights are its `feature_importances_`; a linear model's are the absolute values of its "
        "`coef_` (flattened). Set `answer = column_weights`. The checker runs it on four fitted estimators at "
        "three seeds.",
        "if hasattr(estimator, 'steps'): estimator = estimator[-1]; then feature_importances_ if it has them, "
        "else np.abs(np.ravel(estimator.coef_)).",
        "import numpy as np\n\n\n"
        "def column_weights(estimator):\n"
        "    if hasattr(estimator, 'steps'):\n"
        "        estimator = estimator[-1]\n"
        "    if hasattr(estimator, 'feature_importances_'):\n"
        "        return np.asarray(estimator.feature_importances_)\n"
        "    return np.abs(np.ravel(estimator.coef_))\n\n\n"
        "answer = column_weights",
        _check_weights,
        predict="The glued report explains a model with `np.abs(estimator[-1].coef_[0])`. On how many of the "
                "checker's four fitted estimators (the churn pipeline, the fraud model's boosted trees, a bare "
                "logistic regression, a random forest) does that one line run without an error? Give a number.",
        judge_prediction=_judge_weights,
    ),
    Exercise(
        "09.4", "Find every place that builds an estimator",
        "The homepage's copy was missed because nobody knew it was there. Write `builders(sources, name)`: given "
        "a version's files as {file name: source text} (`source_files('glued')`) and an estimator class name "
        "such as 'LogisticRegression', return the set of files that call it, found by parsing with `ast` (never "
        "by running the code). A call counts whether written `Name(...)` or `module.Name(...)`. Set "
        "`answer = builders`; the checker runs it on both versions, before and after a swap.",
        "ast.walk(ast.parse(text)); keep ast.Call nodes whose func is an ast.Name with that id, or an "
        "ast.Attribute with that attr.",
        "import ast\n\n\n"
        "def builders(sources, name):\n"
        "    found = set()\n"
        "    for file, text in sources.items():\n"
        "        for node in ast.walk(ast.parse(text)):\n"
        "            if isinstance(node, ast.Call):\n"
        "                func = node.func\n"
        "                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)\n"
        "                if called == name:\n"
        "                    found.add(file)\n"
        "    return found\n\n\n"
        "answer = builders",
        _check_builders,
        predict="How many files of the glued version build a LogisticRegression? Give a number.",
        judge_prediction=_judge_builders,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("What does the paper mean by glue code?", [
        ("Code that gets data into and out of a general-purpose package.", True,
         "Right: the paper's estimate is that a mature system can end up mostly glue, freezing it to "
         "one package's peculiarities."),
        ("Code that lets one model read another model's score as an input.", False,
         "That is a model stacked on a model, a correction cascade (lesson 02); glue sits between the system "
         "and its ML package."),
        ("The configuration files that set each model's hyper-parameters.", False,
         "Configuration debt is its own section of the paper; glue is the code that calls the package.")]),
    _q("In the glued churn swap, missing the report's edit crashes the run, yet missing the homepage's copy "
       "of the model does not. Why the difference?", [
        ("The homepage catches the error and falls back to the nightly scores.", False,
         "Nothing catches it: the homepage's code never fails. It builds, fits and scores a logistic regression, "
         "which is all its own code asks of the model."),
        ("The model store hands the homepage tonight's new boosted trees.", False,
         "The store is keyed on the estimator's exact settings: the homepage still asks for a logistic "
         "regression, so it gets the old model. That is why part of the banner's decisions differ from the "
         "full swap's, in every world measured."),
        ("The old copy is a whole model; only mixed families break.", True,
         "Right: a crash needs one file to read an attribute the other file's family lacks (coef_ on trees). "
         "The homepage builds, scores and reads its own copy consistently, so it runs, silently wrong, in every "
         "world measured.")],
       measured=True),
    _q("The claims above compare the versions after the churn swap. Now fraud_model moves to logistic "
       "regression, done fully, in both. How do the fraud review queues compare?", [
        ("The API's queue holds fewer orders: mlapi rescales every family's scores.", False,
         "mlapi.score returns the estimator's own probability, unscaled, and both versions hold orders at the "
         "same threshold."),
        ("Identical: both fit the same estimator on the same users.", True,
         "Right: that is why the control claim finds zero decisions differ after the churn swap, in every "
         "world measured, and nothing in that reason depends on which model moves. Whatever the swap does to "
         "the queue, it does in both versions alike."),
        ("They differ a little: each version fits its own model from random starts.", False,
         "Every family is fitted with random_state=seed on the same users, so the two fits are the same model; "
         "the control claim finds zero decisions differ after the churn swap, in every world measured.")],
       measured=True),
    _q("Why does the API version's diff stay in one file for every swap?", [
        ("It has fewer jobs than the glued version, so less code reads models.", False,
         "Both versions have the same jobs: training, batch, campaigns, homepage, fraud review, report."),
        ("Every job reaches a model only through mlapi's fit, score and explain.", True,
         "Right: the package is named in one module, so a new family is one entry there."),
        ("Python imports scikit-learn once per process, wherever it appears.", False,
         "Imports are cached, but each file still spells out the estimator's own API in its code.")]),
    _q("In the glued version, moving fraud_model from boosted trees to a random forest changes only training.py. "
       "Why is this swap cheap even there?", [
        ("The fraud model has fewer consumers, so fewer files read its scores.", False,
         "The number of readers does not matter when their code does not change; what matters is the API they "
         "use."),
        ("Both families offer predict_proba and feature_importances_ alike.", True,
         "Right: glue only bites when the new family is read differently (coef_ against feature_importances_) "
         "or is built in more than one place."),
        ("The random forest is fitted by the API module, which glue also imports.", False,
         "The glued version never imports mlapi; it builds the forest in training.py itself.")]),
    _q("Which problem does a common API leave for the team to solve?", [
        ("The many files to edit whenever an estimator family changes.", False,
         "That is exactly what the API removes: every swap is one file."),
        ("Crashes when a job reads coef_ from a model that has none.", False,
         "The API's explain reads each family the right way; the jobs never touch coef_."),
        ("Whether the new family's decisions are the ones you want.", True,
         "Right: the swap still flips decisions in both versions; the API makes the change small and complete, "
         "not harmless. Measure the ripple before shipping.")]),
)


LESSON = Lesson(
    id="09",
    slug="glue_code",
    title="Glue Code: When the System Is Written Around One Package",
    paper_section="§5",
    patterns=("glue_code",),
    objectives=(
        "Read two real versions of Larkspur's serving code: glued to scikit-learn, and behind a small API.",
        "Swap the estimator family behind one model and measure the diff in each version with difflib.",
        "Run the modified code and measure what the swap flips, and what a missed call site does.",
        "Write functions that pay the debt down: one explainer for every family, and a finder of every place "
        "that builds an estimator.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "what a scikit-learn estimator's fit and predict_proba do"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what glue code is in 'Hidden Technical Debt in Machine Learning Systems' (§5), "
        "and why the paper recommends wrapping black-box packages in common APIs.",
        "Walk me through what happens when a team swaps the estimator family behind one model in a code base "
        "that calls the ML package directly in many files: which edits are needed, which misses crash, and "
        "which misses stay silent.",
        "Given my ML/LLM system (described below), help me audit it for glue code: find the places that call an "
        "ML package or a model provider's API directly, estimate how many files a swap of model or package "
        "would touch, and propose a small common API (fit, score, explain). Then prioritise which to pay down "
        "first, and say how to measure it.",
    ),
    key_points=(
        "Glue code is the code that gets data into and out of a general-purpose package; spread over many "
        "files, it freezes a system to that package's peculiarities.",
        "The same swap, measured on real code: behind the API every swap offered changes one file, the API "
        "module; the glued diff spreads over the files that build, score or explain the model, more files in "
        "all swaps offered but one. The API is not less code: it is the package named in one place.",
        "A missed call site is either loud (a crash: one file reads an attribute the other file's family "
        "lacks) or silent (a duplicated model keeps the old family, and two consumers of one model disagree).",
        "Control: before the swap, and after a complete swap, both versions decide exactly alike; the API "
        "changes how much code moves, not what is decided.",
        "The API makes a swap small, not harmless: the demo swap flips decisions in every world measured, in "
        "both versions alike. Measure the ripple before shipping it.",
        "Pay the debt down where it is cheapest: one function for each thing every job does with a model "
        "(fit, score, explain).",
    ),
    focus_nodes=("churn_model", "fraud_model", "recommender"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §5 (glue code).",
        "scikit-learn's estimator API (fit, predict_proba, coef_, feature_importances_): the surface glued code "
        "depends on.",
    ),
)
