"""Lesson 13: common smells (Sculley et al. 2015, §5): plain-old-data, multiple languages, prototypes."""

from __future__ import annotations

import numpy as np

from mldebt_lessons.course.answers import is_number, number_in, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
LOWER_THRESHOLD = 0.10  # 13.1: the payments team lowers the threshold


def _released(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.common_smells.experiment import released_share
    return released_share(world_at(seed), LOWER_THRESHOLD)


def _check_released(answer) -> Feedback:
    truth = _released()
    if not is_number(answer) or not 0 <= float(answer) <= 1:
        return Feedback(False, "give one share between 0 and 1: of the users who should be held, those let through.")
    if within(answer, truth, 0.005):
        meant = 1 / (1 + np.exp(-LOWER_THRESHOLD))
        return Feedback(True, f"{truth:.1%}: the plain rule holds only users whose log-odds reach {LOWER_THRESHOLD}, "
                              f"a risk of {meant:.1%}, whatever the config meant.")
    if within(answer, 1 - truth, 0.005):
        return Feedback(False, "that is the share still held; the question asks for the share let through.")
    return Feedback(False, f"{float(answer):.1%} is not what seed {OTHER_SEED} gives at threshold {LOWER_THRESHOLD}.")


def _judge_released(prediction) -> str:
    from mldebt_lessons.lessons.common_smells.experiment import released_share
    guess = number_in(prediction)
    truth, demo = _released(), released_share(world_at(OTHER_SEED))
    said = f"you guessed {guess:g}; " if guess is not None else ""
    return f"{said}at seed {OTHER_SEED} the plain rule lets through {truth:.1%} at 0.10 and {demo:.1%} at 0.15."


def _differ_count(seed: int = OTHER_SEED) -> int:
    from mldebt_lessons.lessons.common_smells.experiment import basket_features, same_values
    sql, python = basket_features(world_at(seed))
    return int((~same_values(sql, python)).sum())


def _cancelled_users(seed: int = OTHER_SEED) -> int:
    from mldebt_lessons.lessons.common_smells.experiment import world_orders
    orders = world_orders(world_at(seed))
    return int(len(np.unique(orders["user_id"][np.isnan(orders["amount_pence"])])))


def _check_differ(answer) -> Feedback:
    truth = _differ_count()
    if not is_number(answer) or float(answer) != int(answer):
        return Feedback(False, "give one whole number: how many users' baskets differ.")
    if int(answer) == truth:
        return Feedback(True, f"{truth} users: exactly those with at least one cancelled order ({_cancelled_users()}). "
                              "Every other user gets the same number from both languages.")
    return Feedback(False, f"{int(answer)} is not the count at seed {OTHER_SEED}.")


def _judge_differ(prediction) -> str:
    guess = number_in(prediction)
    said = f"you guessed {guess:g}; " if guess is not None else ""
    return (f"{said}{_differ_count()} users differ at seed {OTHER_SEED}, and {_cancelled_users()} users have a "
            "cancelled order.")


def _check_sql_like(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.common_smells.experiment import basket_features, world_orders
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (orders, n_users).")
    for seed in SEEDS[:3]:
        world = world_at(seed)
        orders, (sql, _) = world_orders(world), basket_features(world)
        try:
            got = np.asarray(answer(orders, len(sql)), dtype=float)
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} on seed {seed}.")
        if got.shape != sql.shape:
            return Feedback(False, f"on seed {seed} it returned shape {got.shape}; one value per user is {sql.shape}.")
        missing = np.isnan(sql)
        if not np.array_equal(np.isnan(got), missing):
            wrong = int((np.isnan(got) != missing).sum())
            return Feedback(False, f"on seed {seed}, {wrong} users are missing in one and not the other: a user with "
                                   "no amount at all is NULL in SQL (NaN here), not 0.")
        far = np.abs(got[~missing] - sql[~missing]) > 1e-9
        if far.any():
            return Feedback(False, f"on seed {seed}, {int(far.sum())} users' baskets differ from SQL's AVG (in "
                                   "pounds): does your mean skip cancelled orders instead of counting them as 0?")
    return Feedback(True, "matches SQL's AVG for every user at three seeds: one definition in two languages, "
                          "checked by a test that can now run in CI.")


def _judge_sql_like(prediction) -> str:
    return f"{you_guessed(prediction)}at seed {OTHER_SEED}, {_differ_count()} users' baskets differ between SQL and numpy."


def _flipped_carousels(seed: int = OTHER_SEED) -> float:
    from mldebt_lessons.lessons.common_smells.experiment import session_outcome
    return session_outcome(world_at(seed), "smelly").flipped


def _check_by_id(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.common_smells.experiment import remaining_accounts
    from mldebt_lessons.shop.smells.sessions import clickstream_events, session_count_by_id
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets), taking (event_user_ids, user_ids).")
    for seed in SEEDS[:3]:
        world = world_at(seed)
        everyone = clickstream_events(world)
        cases = [("after the erasure", *remaining_accounts(world)),
                 ("before it", np.arange(len(world.raw["session_count"])), everyone),
                 ("for a few users", np.array([5, 17, 400]), everyone)]
        for label, users, events in cases:
            try:
                got = np.asarray(answer(events.copy(), users.copy()), dtype=float)
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} on seed {seed}, {label}.")
            truth = session_count_by_id(events, users)
            if got.shape != truth.shape:
                return Feedback(False, f"on seed {seed}, {label}, it returned shape {got.shape}; one count per user "
                                       f"is {truth.shape}.")
            if not np.array_equal(got, truth):
                wrong = int((got != truth).sum())
                return Feedback(False, f"on seed {seed}, {label}, {wrong} of {len(users)} users get a count that is "
                                       "not their own.")
    return Feedback(True, "every user gets their own sessions at three seeds, with gaps in the ids or without: "
                          "the prototype's assumption is gone.")


def _judge_by_id(prediction) -> str:
    guess = number_in(prediction)
    said = f"you guessed {guess:g}; " if guess is not None else ""
    return f"{said}at seed {OTHER_SEED} the prototype flips {_flipped_carousels():.1%} of the remaining users' carousels."


EXERCISES = (
    Exercise(
        "13.1", "A lower threshold, the same slip",
        f"The payments team lowers the hold threshold to {LOWER_THRESHOLD} (still a probability). In "
        f"`world = build_world({OTHER_SEED})`, of the users who should be held (fraud risk at least "
        f"{LOWER_THRESHOLD}), what share does the plain float rule let through? Use `released_share(world, "
        f"{LOWER_THRESHOLD})` from `mldebt_lessons.lessons.common_smells.experiment`, and set `answer` to it.",
        "world = build_world(42); answer = released_share(world, 0.10).",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.common_smells.experiment import released_share\n"
        "world = build_world(42)\n"
        "answer = released_share(world, 0.10)",
        _check_released,
        predict="With a lower threshold, will the plain rule let through a larger or a smaller share of the users it "
                "should hold than at 0.15? Give a share between 0 and 1.",
        judge_prediction=_judge_released,
    ),
    Exercise(
        "13.2", "Who gets a different basket?",
        f"In the world of seed {OTHER_SEED}, `basket_features(world)` gives SQL's basket and the numpy rewrite's, one "
        "value per user (NaN for none). How many users' values differ (NaN in both counts as the same)? "
        "`same_values(a, b)` compares them. Set `answer` to the count.",
        "sql, python = basket_features(world); answer = int((~same_values(sql, python)).sum()).",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.common_smells.experiment import basket_features, same_values\n"
        "sql, python = basket_features(build_world(42))\n"
        "answer = int((~same_values(sql, python)).sum())",
        _check_differ,
        predict="Which users do you expect to differ, and about how many of the 3,000? Give a number.",
        judge_prediction=_judge_differ,
    ),
    Exercise(
        "13.3", "Write the Python twin of the SQL",
        "Write `basket_like_sql(orders, n_users)`: `orders` is a dict with `user_id` (ints) and `amount_pence` (floats, "
        "NaN for a cancelled order's NULL). Return a numpy array of `n_users` values in pounds that matches "
        "`SELECT user_id, AVG(amount_pence) / 100.0 FROM orders GROUP BY user_id` for every user: NaN for a user with "
        "no order or only cancelled ones. Set `answer = basket_like_sql`; the checker compares it with SQLite at "
        "three seeds.",
        "Keep the rows whose amount is not NaN; np.bincount(users, weights=amounts, minlength=n_users) gives the sums "
        "and np.bincount(users, minlength=n_users) the counts; divide where the count is above 0, else NaN.",
        "import numpy as np\n"
        "def basket_like_sql(orders, n_users):\n"
        "    users, pence = np.asarray(orders['user_id']), np.asarray(orders['amount_pence'], dtype=float)\n"
        "    kept = ~np.isnan(pence)\n"
        "    total = np.bincount(users[kept], weights=pence[kept], minlength=n_users)\n"
        "    count = np.bincount(users[kept], minlength=n_users)\n"
        "    mean = np.full(n_users, np.nan)\n"
        "    mean[count > 0] = total[count > 0] / count[count > 0]\n"
        "    return mean / 100.0\n"
        "answer = basket_like_sql",
        _check_sql_like,
        predict="Before you write it: at seed 42, how many users' baskets does the current numpy rewrite get wrong? "
                "(Your answer to 13.2, or a guess.)",
        judge_prediction=_judge_sql_like,
    ),
    Exercise(
        "13.4", "Join on the id, not on the row",
        "Write `sessions_by_id(event_user_ids, user_ids)`: `event_user_ids` holds one user id per session (in any "
        "order); `user_ids` the users to count, in their table's order, with gaps where accounts were erased. Return "
        "one float per user of `user_ids`: that user's own number of sessions (0 if none). Set "
        "`answer = sessions_by_id`; the checker runs it before and after the erasure at three seeds.",
        "np.bincount(event_user_ids, minlength=...) counts by id; then index it with user_ids (make it long enough "
        "for the largest id).",
        "import numpy as np\n"
        "def sessions_by_id(event_user_ids, user_ids):\n"
        "    size = max(int(np.max(user_ids)), int(np.max(event_user_ids))) + 1\n"
        "    return np.bincount(event_user_ids, minlength=size)[user_ids].astype(float)\n"
        "answer = sessions_by_id",
        _check_by_id,
        predict=f"At seed {OTHER_SEED}, what share of the remaining users' carousel decisions does the prototype's "
                "count flip after the erasure? Give a share.",
        judge_prediction=_judge_by_id,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("Why did nothing crash when the fraud hold rule compared log-odds with 0.15?", [
        ("Both are plain floats, and comparing two floats is valid Python.", True,
         "Right: the meaning (probability or log-odds) lived only in people's heads, not in the values."),
        ("NumPy converts a probability into log-odds when it compares arrays.", False,
         "NumPy knows nothing of units; it compares the numbers it is given."),
        ("Gradient-boosted trees return probabilities, so nothing was wrong.", False,
         "Their margin, what the scoring service returns, is in log-odds; predict_proba applies the sigmoid."),
    ]),
    _q("The plain rule compares each user's log-odds with 0.15. Of the users it should hold (a fraud risk of 15% "
       "or more), which does it still hold, and why?", [
        ("All of them: at small risks, log-odds and probability nearly agree.", False,
         "They agree nowhere: a 15% risk is log-odds of about -1.73, and log-odds 0.15 is a risk of about 54%. "
         "That is why, in 20 of 20 worlds, more than half of the users it should hold are let through."),
        ("Only those at about 54% risk or more: log-odds 0.15 is a 54% risk.", True,
         "Right: the rule keeps only the riskiest users; everyone between 15% and about 54% is let through, and "
         "that is more than half of the users it should hold, in 20 of 20 worlds."),
        ("Only those below about 54%: log-odds grow as the risk falls.", False,
         "Log-odds grow with the risk: 0 is a 50% risk, negative is less. So the rule keeps the riskiest users "
         "and lets through everyone from 15% to about 54% (more than half of them, in 20 of 20 worlds)."),
    ], measured=True),
    _q("What does a frozen `Probability` type buy over a float named `threshold_p`?", [
        ("Faster comparisons, because dataclasses compile to native code.", False,
         "Types like these cost a little speed; what they buy is a loud failure."),
        ("Comparing it with LogOdds raises at the first call, in every test.", True,
         "Right: a name is a comment; a type is checked when the code runs, so the slip cannot pass silently."),
        ("Nothing a good variable name and a docstring would not give you.", False,
         "A name does not stop `margin >= threshold_p` from running; the type does."),
    ]),
    _q("Served the numpy basket, the ltv model trained on SQL's basket drops some of the VIPs it would invite. "
       "Which users can it drop, and why?", [
        ("Any user: one lower basket shifts the model's scale for everyone.", False,
         "A fitted model scores each user from that user's own inputs; its scaling was fixed at training. A user "
         "whose basket is the same in both languages gets the same decision from both."),
        ("Users with no order yet: numpy turns their NULL basket into £0.", False,
         "With no order at all there is nothing to average, so both give NaN and it is filled the same way. It "
         "is users whose orders were all cancelled that numpy turns into £0."),
        ("Users with a cancelled order: a £0 order can only lower their mean.", True,
         "Right: everyone else gets the same basket from both languages, so the same decision. A lower basket "
         "means a lower predicted spend, and in 20 of 20 worlds some VIPs drop below the cut-off."),
    ], measured=True),
    _q("Which fix removes the multiple-language skew for good, not just this once?", [
        ("One definition for training and serving, with a parity test.", True,
         "Right: one source of truth; a test comparing the two paths catches any rewrite that drifts."),
        ("Adding `.fillna(0)` to the SQL side too, so both treat NULL alike.", False,
         "That makes them agree by making both wrong: cancelled orders are not £0 baskets."),
        ("Rounding both features to whole pounds so small differences vanish.", False,
         "A basket pulled from £45 to £30 by a £0 order survives any rounding."),
    ]),
    _q("The session count came from a notebook prototype that assumed ids are row numbers. Which is the "
       "cheapest guard that would have caught the erasure?", [
        ("Rewriting the whole feature pipeline in a typed language first.", False,
         "Far more work, and a typed language does not stop a positional join either."),
        ("Monitoring the homepage's click-through rate for a month.", False,
         "It might drift, or not; a month later, and with no pointer to the cause."),
        ("A one-line test that the ids equal 0, 1, ..., n - 1.", True,
         "Right: it passes on the prototype's data and fails the day the first account is erased."),
    ]),
)


LESSON = Lesson(
    id="13",
    slug="common_smells",
    title="Common Smells: Plain Data, Many Languages, Prototypes in Production",
    paper_section="§5",
    patterns=("plain_old_data_smell", "multiple_language_smell", "prototype_smell"),
    objectives=(
        "Measure the decisions a plain float flips when a probability meets log-odds, and make the slip raise with "
        "two small types.",
        "Measure the skew when one feature is written in SQL for training and in Python for serving, and remove it "
        "with one definition.",
        "Find the assumption a notebook prototype brought into production, and the one-line test that guards it.",
        "Tell each smell by its signature: the code runs, nothing warns, and decisions change.",
    ),
    minutes=40,
    prerequisites=("00_start_here.ipynb", "what a probability and log-odds are"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain the three code smells of 'Hidden Technical Debt in Machine Learning Systems' (§5): "
        "plain-old-data types, multiple languages, and the prototype smell, and why each is a sign of debt.",
        "Walk me through how a fraud threshold meant as a probability, compared with a model's log-odds, silently "
        "releases risky users, and how small types such as Probability and LogOdds would make the mistake fail loudly.",
        "Given my ML/LLM system (described below), help me audit it for the three smells: values whose meaning lives only in "
        "names (probabilities, log-odds, units), features computed twice in different languages, and prototype "
        "code in production with unstated assumptions. Then prioritise which to pay down first, and say how to "
        "measure it.",
    ),
    key_points=(
        "The three smells share a signature: the code runs, nothing warns, and decisions change.",
        "Plain-old-data: a float does not say whether it is a probability or log-odds; a tiny type that does turns "
        "a silent slip into an error at the first call.",
        "Multiple languages: SQL's AVG skips NULLs, a numpy mean after filling with 0 does not; one feature written "
        "twice drifts apart. Keep one definition, and a parity test between any two paths.",
        "Prototype: a notebook's convenient assumption (ids are row numbers) holds until someone upstream changes "
        "the data; a one-line test of the assumption catches the change the day it lands.",
        "Each control measured exactly zero: the typed rule, one definition, and the count joined on id flip nothing.",
    ),
    focus_nodes=("fraud_model", "ltv_model", "recommender"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §5 (common smells).",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness and Technical Debt Reduction', "
        "IEEE Big Data 2017 (tests of features and of training/serving parity).",
    ),
)
