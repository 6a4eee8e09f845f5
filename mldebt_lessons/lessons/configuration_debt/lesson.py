"""Lesson 14: configuration debt (Sculley et al. 2015, §6)."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.answers import is_number, read_yes_no, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
NEW_THRESHOLD = "0.4"  # 14.1: the homepage team lowers the recommender's threshold from 0.5
WIDE_WINDOW = "window_days: 180"  # 14.2: the payments team widens fraud_model's window


def _edited(model: str) -> str:
    from mldebt_lessons.shop.config import config_text
    text = config_text(model)
    if model == "recommender":
        return text.replace("threshold: 0.5", f"threshold: {NEW_THRESHOLD}")
    return text.replace("hyper:", f"{WIDE_WINDOW}\nhyper:")


def _edit_outcome(model: str, seed: int = OTHER_SEED):
    from mldebt_lessons.lessons.configuration_debt.experiment import edit_outcome
    return edit_outcome(world_at(seed), model, _edited(model))


def _check_threshold(answer) -> Feedback:
    o = _edit_outcome("recommender")
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give one share between 0 and 1: the recommender's decisions that flip.")
    if within(answer, o.flipped, 0.002):
        verdict = ("the checker passes the edit: it is valid, short, reviewed and versioned" if not o.caught else
                   f"the checker stops it ({', '.join(o.caught_by)})")
        return Feedback(True, f"{o.flipped:.1%} of homepage carousel decisions flip, and {verdict}. A checker stops "
                              "mistakes in the config's form; whether a valid change is wise is for the review and "
                              "the measurement.")
    if within(answer, 0.0, 0.002):
        return Feedback(False, "a new threshold refits nothing, but it moves the cut-off: measure the flips with "
                               "edit_outcome.")
    return Feedback(False, f"{float(answer):.1%} is not the share at seed {OTHER_SEED} for threshold {NEW_THRESHOLD}.")


def _judge_threshold(prediction) -> str:
    o = _edit_outcome("recommender")
    said = read_yes_no(prediction)
    verdict = "passes it" if not o.caught else f"stops it ({', '.join(o.caught_by)})"
    guess = "" if said is None else f"you said {'yes' if said else 'no'}; "
    return f"{guess}the checker {verdict}, and {o.flipped:.1%} of decisions flip at seed {OTHER_SEED}."


def _check_window(answer) -> Feedback:
    o = _edit_outcome("fraud_model")
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give one share between 0 and 1: the fraud model's hold decisions that flip.")
    if within(answer, o.flipped, 0.002):
        change = "better" if o.quality_lost < 0 else "worse"
        stopped = f"{', '.join(o.caught_by)} stops the edit" if o.caught else "the checker passes the edit"
        return Feedback(True, f"{o.flipped:.1%} of hold decisions flip (its AUC is {abs(o.quality_lost):.3f} "
                              f"{change}), and {stopped}: a third of the window's baskets were never "
                              "logged, and trees split on the zeros the pipeline put there.")
    if within(answer, 0.0, 0.002):
        return Feedback(False, "the checker would stop it, but the question asks what it costs if it reached "
                               "production: read `flipped` of the outcome.")
    return Feedback(False, f"{float(answer):.1%} is not the share at seed {OTHER_SEED}.")


def _judge_window(prediction) -> str:
    o = _edit_outcome("fraud_model")
    lost = "lost" if o.quality_lost > 0 else "gained"
    lesson = ": a mistake can flip decisions without losing AUC" if o.quality_lost <= 0 else ""
    return (f"{you_guessed(prediction)}at seed {OTHER_SEED}, {o.flipped:.1%} of hold decisions flip and the AUC "
            f"{lost} {abs(o.quality_lost):.3f}{lesson}.")


def _window_cases():
    """(model, window_days, what the check should say) for the written check of 14.3."""
    return (("fraud_model", 180, {"avg_basket_value"}), ("fraud_model", 120, set()),
            ("ltv_model", 150, {"avg_basket_value"}), ("ltv_model", 60, set()),
            ("churn_model", 180, set()), ("recommender", 180, set()))


LATE_DAY = 90  # 14.3 also runs the function on logs where user_age was first logged on this day


def _check_written(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.shop.config import load_config
    from mldebt_lessons.shop.config.history import logged_table, row_days
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (config, logged, days).")
    for seed in SEEDS[:3]:
        world = world_at(seed)
        logged, days = logged_table(world), row_days(world)
        late = dict(logged, user_age=np.where(days < LATE_DAY, np.nan, logged["user_age"]))
        cases = [(model, window, expected, logged, "") for model, window, expected in _window_cases()]
        cases += [("fraud_model", 120, {"user_age"}, late, f" in logs where user_age starts on day {LATE_DAY}"),
                  ("ltv_model", 60, set(), late, f" in logs where user_age starts on day {LATE_DAY}")]
        for model, window, expected, table, where in cases:
            config = dict(load_config(model), window_days=window)
            if model == "recommender":
                config["features"] = ["session_cont", "device", "country"]  # a typo: not a logged column
            try:
                got = answer(dict(config), {k: v.copy() for k, v in table.items()}, days.copy())
                got = set(got) if got is not None else None
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} for {model} with a "
                                       f"{window}-day window at seed {seed}{where}.")
            if got != expected:
                shown = sorted(got) if got is not None else None
                return Feedback(False, f"for {model} with a {window}-day window at seed {seed}{where}, it says "
                                       f"{shown}; the logs say {sorted(expected)}.")
    return Feedback(True, "correct for four models and several windows at three seeds, from the logs themselves. "
                          "Note what it cannot see: session_count's mis-logged days are zeros, not gaps, so a "
                          "check on missing values passes them; only the incident log knows.")


def _judge_written(prediction) -> str:
    from mldebt_lessons.shop.config.history import logged_table, row_days
    world = world_at(OTHER_SEED)
    days, sessions = row_days(world), logged_table(world)["session_count"]
    bad = (days >= 100) & (days <= 129)
    said = read_yes_no(prediction)
    guess = "" if said is None else f"you said {'yes' if said else 'no'}; "
    return (f"{guess}no: at seed {OTHER_SEED}, {int(np.isnan(sessions[bad]).sum())} of the {int(bad.sum())} rows "
            f"of days 100-129 are missing, and all of them read {sessions[bad].max():g}: zeros, not gaps.")


def _random_edits(seed: int) -> list[tuple[str, str, str]]:
    """(model, reviewed text, edited text) for 14.4: seeded edits (stream 142), some that change settings and
    some that only change the text."""
    from mldebt_lessons.shop.config import config_text
    rng = np.random.default_rng([seed, 142])
    edits = []
    for model in ("churn_model", "fraud_model", "recommender", "ltv_model"):
        text = config_text(model)
        lines = text.splitlines(keepends=True)
        kinds = rng.choice(["reorder", "comment", "restate", "window", "threshold", "unpin"], size=2, replace=False)
        edited = text
        for kind in kinds:
            if kind == "reorder":
                body = [line for line in edited.splitlines(keepends=True) if not line.startswith("#")]
                edited = "".join(reversed(body))
            elif kind == "comment":
                edited = "# edited after the review of the incident\n" + edited
            elif kind == "restate":
                edited += "window_days: 120\n"  # the value base already sets
            elif kind == "window" and "window_days: 120" not in edited:
                edited += f"window_days: {int(rng.integers(30, 120))}\n"
            elif kind == "threshold" and "threshold:" in edited:
                edited = "".join(f"threshold: {rng.choice([0.3, 0.4, 0.6])}\n" if line.startswith("threshold:")
                                 else line for line in edited.splitlines(keepends=True))
            elif kind == "unpin":
                edited = "".join(line for line in edited.splitlines(keepends=True)
                                 if not line.startswith("feature_versions"))
        edits.append((model, "".join(lines), edited))
    return edits


def _settings_changed(old_text: str, new_text: str) -> set[str]:
    from mldebt_lessons.shop.config import load_config_text
    old, new = load_config_text(old_text), load_config_text(new_text)
    return {key for key in set(old) | set(new) if old.get(key) != new.get(key)}


def _check_changed(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (old_text, new_text).")
    cases = 0
    for seed in SEEDS[:3]:
        for model, old, new in _random_edits(seed):
            expected = _settings_changed(old, new)
            try:
                got = answer(old, new)
                got = set(got) if got is not None and not isinstance(got, str) else got
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} on an edit of {model} "
                                       f"(seed {seed}).")
            if got != expected:
                return Feedback(False, f"on an edit of {model} (seed {seed}) it says {got!r}; the settings that "
                                       f"change are {sorted(expected)}. Resolve inheritance before comparing.")
            cases += 1
    return Feedback(True, f"correct on all {cases} edits at three seeds: reordered keys, comments and restated "
                          "inherited values change the text but no setting, and your summary knows it.")


def _judge_changed(prediction) -> str:
    from mldebt_lessons.shop.config import config_text
    text = config_text("churn_model")
    same = not _settings_changed(text, text + "window_days: 120\n")
    said = read_yes_no(prediction)
    guess = "" if said is None else f"you said {'yes' if said else 'no'}; "
    return (f"{guess}{'no' if same else 'yes'}: restating the inherited window changes no setting (P5 flags it as "
            "redundant).")


EXERCISES = (
    Exercise(
        "14.1", "A valid edit is still a change",
        f"The homepage team lowers the recommender's threshold from 0.5 to {NEW_THRESHOLD} (one line of "
        f"recommender.yaml). In `world = build_world({OTHER_SEED})`, check the edited text and measure it: "
        "`edit_outcome(world, \"recommender\", text)` from `mldebt_lessons.lessons.configuration_debt.experiment` "
        "refits and serves it. What share of the recommender's decisions flip? Set `answer` to `outcome.flipped`.",
        "text = config_text('recommender').replace('threshold: 0.5', 'threshold: 0.4'); then "
        "answer = edit_outcome(build_world(42), 'recommender', text).flipped.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.shop.config import config_text\n"
        "from mldebt_lessons.lessons.configuration_debt.experiment import edit_outcome\n"
        "text = config_text('recommender').replace('threshold: 0.5', 'threshold: 0.4')\n"
        "outcome = edit_outcome(build_world(42), 'recommender', text)\n"
        "print(outcome.caught_by, outcome.settings)\n"
        "answer = outcome.flipped",
        _check_threshold,
        predict="Will the checker stop this edit (yes or no)? Write it down before you measure.",
        judge_prediction=_judge_threshold,
    ),
    Exercise(
        "14.2", "The same window mistake, another model",
        f"The demo's window mistake was on ltv_model. Now the payments team adds `{WIDE_WINDOW}` to "
        f"fraud_model.yaml (just above `hyper:`), for more data. In the world of seed {OTHER_SEED}, what share of "
        "the fraud model's hold decisions flip if the edit reaches production? Set `answer` to the share.",
        "text = config_text('fraud_model').replace('hyper:', 'window_days: 180\\nhyper:'); "
        "answer = edit_outcome(build_world(42), 'fraud_model', text).flipped.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.shop.config import config_text\n"
        "from mldebt_lessons.lessons.configuration_debt.experiment import edit_outcome\n"
        "text = config_text('fraud_model').replace('hyper:', 'window_days: 180\\nhyper:')\n"
        "outcome = edit_outcome(build_world(42), 'fraud_model', text)\n"
        "print(outcome.caught_by, f'AUC lost: {outcome.quality_lost:+.3f}')\n"
        "answer = outcome.flipped",
        _check_window,
        predict="More data usually helps. Will the fraud model's AUC on held-out users go down or up, and will "
                "any decisions flip? Give the share you expect to flip.",
        judge_prediction=_judge_window,
    ),
    Exercise(
        "14.3", "Write the check: a window older than the logs",
        "Write `starts_too_early(config, logged, days)`: `config` is a resolved config (a dict with `features` "
        "and `window_days`), `logged` the logged feature table (`logged_table(world)`: one array per feature, "
        "NaN where nothing was logged) and `days` the day each row was logged (`row_days(world)`, 0 to 179; the "
        "window covers days `180 - window_days` to 179). Return the set of the config's features whose first "
        "logged (non-NaN) value comes after the window's first day, found from the logs themselves. Skip a name "
        "that is not a logged column. Set `answer = starts_too_early`; the checker runs it at three seeds.",
        "For each name in config['features'] that is in logged: first = days[~np.isnan(logged[name])].min(); "
        "flag it if first > 180 - config['window_days']. Categorical columns hold text: test the dtype first.",
        "import numpy as np\n"
        "def starts_too_early(config, logged, days):\n"
        "    start = 180 - config['window_days']\n"
        "    found = set()\n"
        "    for name in config['features']:\n"
        "        column = logged.get(name)\n"
        "        if column is None or column.dtype.kind != 'f':\n"
        "            continue\n"
        "        seen = days[~np.isnan(column)]\n"
        "        if len(seen) == 0 or seen.min() > start:\n"
        "            found.add(name)\n"
        "    return found\n"
        "answer = starts_too_early",
        _check_written,
        predict="Before you write it: will a check on missing values also catch the mis-logged session counts "
                "of days 100-129 (yes or no)?",
        judge_prediction=_judge_written,
    ),
    Exercise(
        "14.4", "Write the diff a reviewer needs",
        "A text diff shows every changed line, including a comment, a reordering or a value restated from "
        "`base`. Write `changed_settings(old_text, new_text)`: given two YAML texts of one model's config, return "
        "the set of setting names (top-level keys, after inheritance is resolved) whose values differ. Use "
        "`load_config_text` from `mldebt_lessons.shop.config`. Set `answer = changed_settings`; the checker runs "
        "it on seeded random edits of four configs at three seeds.",
        "old, new = load_config_text(old_text), load_config_text(new_text); then keep each key of "
        "set(old) | set(new) where old.get(key) != new.get(key).",
        "from mldebt_lessons.shop.config import load_config_text\n"
        "def changed_settings(old_text, new_text):\n"
        "    old, new = load_config_text(old_text), load_config_text(new_text)\n"
        "    return {key for key in set(old) | set(new) if old.get(key) != new.get(key)}\n"
        "answer = changed_settings",
        _check_changed,
        predict="If churn_model.yaml gains the line `window_days: 120` (the value base already sets), does any "
                "setting change (yes or no)?",
        judge_prediction=_judge_changed,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("Someone misspells a feature name in a model's config, and no checker reads it. What happens when "
       "Larkspur's pipeline next runs?", [
        ("It becomes a model quietly refitted without that feature.", True,
         "Right: the config loads, the model refits on what is left, and decisions change with no error (more "
         "than 1% of them for each such mistake, in 20 of 20 worlds)."),
        ("It stops the training job at start-up with a clear error message.", False,
         "A lenient pipeline does not stop: it skips what it does not know. Only a schema check (P2) turns the "
         "typo into an error."),
        ("It changes nothing: the model keeps last week's weights.", False,
         "The pipeline refits from the config as written, so the model loses the feature the typo names, and "
         "its decisions flip (in 20 of 20 worlds)."),
    ], measured=True),
    _q("The fraud threshold is typed as 15 instead of 0.15, and the edit reaches production. What happens to "
       "the fraud review queue?", [
        ("Every order is held: any score clears a threshold that large.", False,
         "A score is a probability, at most 1, so no score reaches 15: nothing is held. The queue gets exactly "
         "zero users, in 20 of 20 worlds."),
        ("It gets nobody: no probability reaches a threshold of 15.", True,
         "Right: the queue gets exactly zero users in 20 of 20 worlds, and AUC does not notice, because a "
         "threshold is no part of the ranking. P2's range check stops the edit."),
        ("Only the riskiest orders are held, as the percent scale meant.", False,
         "The pipeline compares probabilities (0 to 1) with 15: no order clears it, so the queue gets exactly "
         "zero users, in 20 of 20 worlds."),
    ], measured=True),
    _q("The cheaper stand-in passes all six checks. What would catch it before it ships?", [
        ("A stricter schema (P2) that refuses every serve_with setting outright.", False,
         "That stops every stand-in, the ones worth their savings too: a rule on the config's form cannot tell "
         "a cheap input that is good enough from one that is not. Only measuring the model served with it can."),
        ("Measuring it: refit, serve and compare with the reviewed model.", True,
         "Right: the config is valid (a declared stand-in, a one-line diff, reviewed and versioned), so no check "
         "of its form stops it. Measured, the churn model served the stand-in loses AUC in 20 of 20 worlds."),
        ("A tighter diff limit (P3), so that a reviewer reads every line.", False,
         "Its diff is already one line, and a reviewer reading it sees a declared stand-in: nothing looks wrong "
         "until the model is measured with it."),
    ]),
    _q("The unpinned version serves days_since_signup in weeks to a churn model trained on days. Why can AUC "
       "barely move while decisions flip?", [
        ("AUC is computed on the training rows, which were all logged in days.", False,
         "It is computed on held-out users served today's values (in weeks); the ranking simply changes little."),
        ("Scores shift past the fixed threshold; the ranking mostly holds.", True,
         "Right: one input shrinks sevenfold for everyone, so scores move across the fixed threshold and "
         "decisions flip, while the order of users barely changes. Pin the version the model was trained on."),
        ("The model rescales inputs at serving time, so nothing is lost.", False,
         "Its scaler keeps training's mean and spread (in days); values in weeks fall far below them."),
    ]),
    _q("The unused setting (C: 0.1 for a tree model) flips no decision. Why flag it anyway?", [
        ("The pipeline crashes on a setting the trees do not take.", False,
         "The lenient pipeline ignores it, and the fit is identical: zero decisions flip."),
        ("It shows that the config and the code disagree, while that is cheap.", True,
         "Right: someone meant C to do something. P5 surfaces that while it is cheap; the cost is the next "
         "person's wrong belief about the model."),
        ("Setting C quietly changes the trees' learning rate.", False,
         "Nothing changes: the refit with C is the refit without it, decision for decision."),
    ]),
    _q("session_count's mis-logged days hold zeros, not gaps. What does that mean for a check that looks for "
       "missing values in the window?", [
        ("It catches them: the pipeline treats a zero count as missing.", False,
         "A zero is a valid count (plenty of users have no session in a month); nothing marks these zeros as "
         "wrong."),
        ("It passes them: only an incident log knows these zeros are wrong.", True,
         "Right: the logs look plausible, so the checker reads the incident from the catalogue (P4). Record "
         "incidents where a machine can read them."),
        ("It catches them, because the window's mean count falls to zero.", False,
         "Only the rows of days 100-129 read zero: the window's mean drops but stays well above zero, and a "
         "missing-value check does not look at means anyway."),
    ]),
)


LESSON = Lesson(
    id="14",
    slug="configuration_debt",
    title="Configuration Debt: Every Line of a Config Can Be Wrong",
    paper_section="§6",
    patterns=("configuration_debt",),
    objectives=(
        "Drive real refits of Larkspur's models from YAML configs, and see how one line of a config changes "
        "decisions.",
        "Reproduce the paper's configuration mistakes (mis-logged days, a feature not yet logged, a changed "
        "feature version, a production stand-in) as small edits, and measure what each costs.",
        "Turn the paper's six principles into automatic checks, and name which principle catches which mistake.",
        "Say honestly what a checker cannot catch: a valid config can still be a costly one.",
    ),
    minutes=45,
    prerequisites=("00_start_here.ipynb", "01_entanglement_cace.ipynb", "reading a YAML file"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain configuration debt from 'Hidden Technical Debt in Machine Learning Systems' (§6): "
        "why an ML system's configuration can outgrow its code, and why every line of it can be a mistake.",
        "Walk me through the paper's six principles for configuration systems, and for each one give a concrete "
        "automatic check (schema, diff, dependency closure, unused settings, review and versions).",
        "Given my ML/LLM system (described below), help me audit its configuration: list where configs live, which "
        "principles they break, which mistakes a checker could stop, and which it could not; then prioritise what "
        "to check first and how to measure what a mistake would cost.",
    ),
    key_points=(
        "A config is code that nobody tests: a lenient pipeline runs a typo, a percentage or a stale window and "
        "changes decisions without an error.",
        "Write each config as a small change from another (inherits), so that a diff shows what changed and a "
        "reviewer can read it.",
        "Make mistakes hard: a schema of types, ranges and known names stops a typo or a threshold of 15.",
        "Check basic facts automatically: the window against each feature's logged history and incidents, "
        "through every model a model reads.",
        "Pin feature versions and name a reviewer; flag unused settings even when they flip nothing (the unused "
        "setting and the reordered control flip exactly zero decisions).",
        "A checker stops malformed configs, not unwise ones: the cheaper stand-in passes every check and still "
        "costs AUC, so measure a valid change before it ships.",
    ),
    focus_nodes=("churn_model", "fraud_model", "recommender", "ltv_model"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §6 (configuration "
        "debt).",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness and Technical Debt Reduction', "
        "IEEE Big Data 2017 (tests for features and data, and for model specifications reviewed and in version "
        "control).",
    ),
)
