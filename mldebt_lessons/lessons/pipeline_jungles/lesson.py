"""Lesson 10: pipeline jungles (Sculley et al. 2015, §5)."""

from __future__ import annotations

from mldebt_lessons.course.answers import is_number, number_in, read_yes_no, within, you_guessed
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at
from mldebt_lessons.lessons.pipeline_jungles.experiment import effects, recompute, table_of
from mldebt_lessons.shop.prep.dag import STEPS, downstream

OTHER_SEED = 42  # the exercises ask about this world, not the demo's
DEMO_SEED = 2015  # the world the demo and its explorer show


def _fraud_flips(seed: int = OTHER_SEED) -> float:
    return next(e.flipped for e in effects(world_at(seed), "jungle", "bug: basket in pence") if e.model == "fraud_model")


def _check_flips(answer) -> Feedback:
    truth = _fraud_flips()
    if not is_number(answer):
        return Feedback(False, "give one number: the share of held-out decisions fraud_model flips, e.g. 0.25.")
    if within(answer, truth, 0.005):
        return Feedback(True, f"{truth:.1%} of fraud_model's decisions flip. The model is not retrained: its trees "
                              "still split on baskets in pounds, and a basket a hundred times too large lands on the "
                              "far side of those splits.")
    if within(answer, 100 * truth, 0.5):
        return Feedback(False, "that looks like a percentage; give the share as a fraction (0 to 1).")
    return Feedback(False, f"{float(answer):.3f} is not what the jungle's run gives at seed {OTHER_SEED}.")


def _judge_flips(prediction) -> str:
    guess, truth = number_in(prediction), _fraud_flips()
    if guess is None:
        return f"no number to compare; the measured share is {truth:.1%}."
    if guess > 1:
        guess /= 100
    return f"you guessed {guess:.0%}; the measured share is {truth:.1%}."


SOURCE_CHANGE = "accounts_db changed"  # 10.2 asks about this change, in the world of OTHER_SEED


def _rows_share(seed: int = OTHER_SEED) -> float:
    world = world_at(seed)
    return recompute(world, "DAG", SOURCE_CHANGE).rows / recompute(world, "jungle", SOURCE_CHANGE).rows


def _check_rows(answer) -> Feedback:
    truth = _rows_share()
    if not is_number(answer):
        return Feedback(False, "give one number: the DAG's rewritten rows divided by the jungle's.")
    if within(answer, _rows_share(DEMO_SEED), 0.0005) and not within(answer, truth, 0.0005):
        return Feedback(False, f"that is the share in the demo's world (seed {DEMO_SEED}); measure it in the world of "
                               f"seed {OTHER_SEED}, and give three decimals.")
    if within(answer, truth, 0.002):
        jungle = recompute(world_at(OTHER_SEED), "jungle", SOURCE_CHANGE).rows
        return Feedback(True, f"{truth:.1%}: the DAG rewrote only the accounts file and what is made from it; "
                              f"the jungle rewrote all {jungle:,} rows of its files, the sessions included.")
    if within(answer, 1 / truth, 0.02):
        return Feedback(False, "that is the jungle over the DAG; divide the other way round.")
    return Feedback(False, f"{float(answer):.3f} is not the share the two runs give at seed {OTHER_SEED}.")


def _judge_rows(prediction) -> str:
    guess, truth = number_in(prediction), _rows_share()
    return (f"you guessed {guess:g}; " if guess is not None else "") + f"the measured share is {truth:.2f}."


# 10.3: the check. Each case: (scenario, file, whether every user appears once in it).
CHECK_CASES = (("nothing changed", "accounts.csv"), ("nothing changed", "users.csv"),
               ("nothing changed", "baskets.csv"), ("bug: duplicate join", "accounts.csv"),
               ("bug: duplicate join", "users.csv"), ("bug: duplicate join", "users_clean.csv"))


def _unique(table) -> bool:
    return len(set(table["user_id"].tolist())) == len(table["user_id"])


def _check_one_row(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): it takes a table, returns True or False.")
    wrong, total = [], 0
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for scenario, file in CHECK_CASES:
            table = table_of(world, "jungle", scenario, file)
            expected = _unique(table)
            try:
                got = answer({name: column.copy() for name, column in table.items()})
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} on {file} ({scenario}, seed {seed}).")
            total += 1
            if not isinstance(got, bool) or got != expected:
                wrong.append(f"{file} ({scenario}, seed {seed}): said {got!r}, should say {expected}")
    if wrong:
        return Feedback(False, f"{len(wrong)} of {total} files judged wrongly, e.g. {wrong[0]}.")
    return Feedback(True, f"right on all {total} files at three seeds. It catches the duplicate join in accounts.csv "
                          "and users.csv, but not in users_clean.csv: the de-duplicate script had already hidden it, "
                          "which is why the check belongs at the step that makes the table.")


def _judge_one_row(prediction) -> str:
    said = read_yes_no(prediction)
    truth = "no: users_clean.csv has one row per user, but movers carry their old country"
    return truth + "." if said is None else f"you said {'yes' if said else 'no'}; {truth}."


RAW_AND_OUTPUT_FILES = ("accounts_db.csv", "clickstream.csv", "orders_db.csv", "config.json") + tuple(
    s.output for s in STEPS)


def _check_downstream(answer) -> Feedback:
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.lessons.pipeline_jungles.experiment import SOURCE_SCENARIOS
    if not callable(answer):
        return Feedback(False, "set `answer` to your function itself (no brackets): it takes a file name, "
                               "returns a list of step names.")
    for file in RAW_AND_OUTPUT_FILES:
        try:
            got = answer(file)
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} for {file!r}.")
        if not isinstance(got, (list, tuple)) or set(got) != set(downstream({file})):
            return Feedback(False, f"for {file!r} it gave {got!r}; compare each step's `inputs` with what is stale, "
                                   "and remember that a step's output makes the steps reading it stale too.")
    for seed in SEEDS[:3]:
        world = world_at(seed)
        for scenario, source in SOURCE_SCENARIOS.items():
            ran = set(recompute(world, "DAG", scenario).steps)
            if not ran <= set(answer(f"{source}.csv")):
                return Feedback(False, f"at seed {seed} the DAG re-ran {sorted(ran)} after '{scenario}'.")
    return Feedback(True, f"right for all {len(RAW_AND_OUTPUT_FILES)} files, and at three seeds every step the DAG "
                          "really re-ran is in your list (it may run fewer: it stops where an output comes out "
                          "unchanged).")


def _judge_downstream(prediction) -> str:
    truth = len(downstream({"config.json"}))
    return f"{you_guessed(prediction)}a change to config.json makes {truth} of the {len(STEPS)} steps stale."


EXERCISES = (
    Exercise(
        "10.1", "What does a unit slip do to the fraud model?",
        f"In `world = build_world({OTHER_SEED})`, the jungle runs with the basket step's bug "
        "(`'bug: basket in pence'`), and production's fraud_model, as trained and not retrained, scores the features "
        "it wrote. Set `answer` to the share of held-out users whose fraud_model decision flips: "
        "the `flipped` field of fraud_model's entry in `effects(world, 'jungle', 'bug: basket in pence')`.",
        "effects(...) returns one ModelEffect per model; pick the one whose .model is 'fraud_model'.",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.pipeline_jungles.experiment import effects\n"
        "world = build_world(42)\n"
        "answer = next(e.flipped for e in effects(world, 'jungle', 'bug: basket in pence') if e.model == 'fraud_model')",
        _check_flips,
        predict="Baskets a hundred times too large reach a model of decision trees that learnt its splits in "
                "pounds. What share of its decisions flip: none, a few, or most? Give a number between 0 and 1.",
        judge_prediction=_judge_flips,
    ),
    Exercise(
        "10.2", "How much less does the DAG rewrite?",
        f"In the world of seed {OTHER_SEED}, the accounts team blanks typed-in ages over 90 "
        f"(`'{SOURCE_CHANGE}'`). Set `answer` to the rows the DAG rewrote divided by the rows the jungle rewrote "
        "that day (the `rows` of `recompute(world, pipeline, scenario)`).",
        "recompute(world, 'DAG', 'accounts_db changed').rows / recompute(world, 'jungle', 'accounts_db changed').rows",
        "from mldebt_lessons.shop.world import build_world\n"
        "from mldebt_lessons.lessons.pipeline_jungles.experiment import recompute\n"
        "world = build_world(42)\n"
        "change = 'accounts_db changed'\n"
        "answer = recompute(world, 'DAG', change).rows / recompute(world, 'jungle', change).rows",
        _check_rows,
        predict="The accounts file feeds the join, so the users and features files are rewritten too. "
                "What share of the jungle's rows will the DAG rewrite? Give a number between 0 and 1.",
        judge_prediction=_judge_rows,
    ),
    Exercise(
        "10.3", "Write the check that catches the duplicate join",
        "Write `one_row_per_user(table)`: given a table (a dict of column name to numpy array, with a `user_id` "
        "column), return True when every user_id appears exactly once, else False. Set "
        "`answer = one_row_per_user`. The checker runs it on the jungle's files at three seeds, with and without "
        "the duplicate-join bug.",
        "Compare the number of distinct user_ids (a set, or np.unique) with the number of rows.",
        "import numpy as np\n"
        "def one_row_per_user(table):\n"
        "    ids = table['user_id']\n"
        "    return bool(len(np.unique(ids)) == len(ids))\n"
        "answer = one_row_per_user",
        _check_one_row,
        predict="With the duplicate join planted, will your check catch the bug when run on users_clean.csv "
                "(the file after the de-duplicate script)? Yes or no.",
        judge_prediction=_judge_one_row,
    ),
    Exercise(
        "10.4", "Write the function that says what to re-run",
        "Write `steps_to_rerun(changed_file)`: given the name of a file that changed (a raw source such as "
        "`'orders_db.csv'`, `'config.json'`, or a step's output), return the names of the DAG's steps that must "
        "re-run: every step that reads the file, and every step that reads the output of one of those, and so "
        "on. Use `STEPS` (from `mldebt_lessons.shop.prep.dag`): each step has `.name`, `.inputs` (file names) "
        "and `.output` (a file name), and they are listed in run order. Set `answer = steps_to_rerun`.",
        "Keep a set of stale files, starting with changed_file; go through STEPS in order; a step that reads a "
        "stale file re-runs, and its output becomes stale.",
        "from mldebt_lessons.shop.prep.dag import STEPS\n"
        "def steps_to_rerun(changed_file):\n"
        "    stale, out = {changed_file}, []\n"
        "    for step in STEPS:\n"
        "        if stale & set(step.inputs):\n"
        "            out.append(step.name)\n"
        "            stale.add(step.output)\n"
        "    return out\n"
        "answer = steps_to_rerun",
        _check_downstream,
        predict="The run's settings file, config.json, holds the seed of the train/test split. If it changes, how "
                "many of the DAG's 7 steps must re-run (one number)?",
        judge_prediction=_judge_downstream,
    ),
)


def _q(text, options, measured=False):
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _q("What makes Larkspur's first pipeline a jungle rather than merely a long pipeline?", [
        ("Scripts added one by one that declare nothing and check nothing.", True,
         "Right: length is not the problem. Without declared inputs nobody knows what a change touches, and "
         "without checks nobody knows where a bug entered."),
        ("It has more steps than a single machine can run in one night's window.", False,
         "Size is not the cost here: the cost is in finding bugs and in redoing work nobody needed to redo."),
        ("Its scripts are written by people from several different teams.", False,
         "The DAG's steps have owners in several teams too; what differs is that each declares its inputs and checks its output.")]),
    _q("Suppose the accounts script starts writing tenure (days since sign-up) in weeks, not days. In the "
       "jungle, whose decisions can it not move?", [
        ("ltv_model's and the recommender's: neither reads tenure.", True,
         "Right: a bug reaches only the models that read what it corrupts; the two bugs planted here moved no "
         "decision of any other model, in every world measured."),
        ("Nobody is safe: every model reads the rewritten features file.", False,
         "Reading the file is not reading the column: the ltv model and the recommender have no tenure input."),
        ("The fraud model's, since decision trees do not care about units.", False,
         "Served as trained, its splits are in days; tenure in weeks moves many users across them, as baskets "
         "in pence did.")], measured=True),
    _q("A new bug: a script starts writing ages in months. The DAG has no check on ages. What do the models get?", [
        ("Yesterday's features, because the DAG stops at the step that changed.", False,
         "It stops only where a check fails; a step that runs cleanly passes its output on."),
        ("The ages in months: no check stands between them and the models.", True,
         "Right: a DAG is as safe as its checks. Each planted bug here was stopped by a check written for it."),
        ("Nothing at all: the DAG reuses yesterday's ages file.", False,
         "The step's code changed, so its stored output no longer matches and it runs again.")]),
    _q("On one night both accounts_db and orders_db change. Which of the DAG's seven steps re-run?", [
        ("All seven: two changes at once defeat the stored outputs.", False,
         "Each step's key is its code and its inputs; the two session steps read neither changed file."),
        ("Every step but the two that make the session counts.", True,
         "Right: the union of what lies downstream of each source. The DAG never re-ran a step outside that, "
         "in every world measured."),
        ("Only users and features, the steps where the two changes meet.", False,
         "The accounts and baskets steps read the changed files directly, and the split reads the accounts file.")],
       measured=True),
    _q("Why did the de-duplicate script make the duplicate-join bug worse, not better?", [
        ("It deleted every user who had ever changed their address.", False,
         "It kept one row per user; the trouble is which row it kept."),
        ("It kept each mover's first row: the old address's country.", True,
         "Right: the file looks clean (one row per user), so a check on it passes and the wrong values go on."),
        ("It doubled the features file, so the models read each row twice.", False,
         "The features file has one row per user; that is what makes the bug hard to see.")]),
    _q("Where does a 'one row per user' check do the most good?", [
        ("On the final features file, just before the models read it.", False,
         "By then the de-duplicate script has hidden the duplicates; the check passes and the bug goes through."),
        ("After each step that makes a users table: accounts, then the join.", True,
         "Right: a check at the step that makes a table names that step when it fails."),
        ("Inside the models: falling accuracy will reveal the duplicates.", False,
         "Here the duplicate join moves few decisions; a quality monitor may never notice it.")]),
    _q("What does the paper suggest doing about a pipeline jungle?", [
        ("Add a de-duplicate script after every single join, just to be safe.", False,
         "That is how this jungle grew: a patch that hides one symptom adds one more file to walk through."),
        ("Freeze it: never again change a step that seems to work.", False,
         "Sources change whether or not you touch the code; the accounts team's fix arrives anyway."),
        ("Redesign it from a clean slate, thinking about data as a whole.", True,
         "Right: the paper calls it a real investment, and says research and engineering working together "
         "keep jungles from growing.")]),
)


LESSON = Lesson(
    id="10",
    slug="pipeline_jungles",
    title="Pipeline Jungles: Scripts, Files, and No Map",
    paper_section="§5",
    patterns=("pipeline_jungle",),
    objectives=(
        "Run the same feature preparation as a jungle of scripts and as a DAG of typed steps, on real files, "
        "and check that both make the world's features exactly.",
        "Plant a realistic bug (a join that duplicates users, a unit slip) and measure how far it gets and how many "
        "files a person opens to find it.",
        "Measure how much each pipeline redoes when one raw source changes.",
        "Write the two small functions that pay the debt down: a check on a step's output, and what to re-run.",
    ),
    minutes=45,
    prerequisites=("06_static_analysis_of_data_dependencies.ipynb", "reading and writing CSV files"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what a pipeline jungle is in 'Hidden Technical Debt in Machine Learning "
        "Systems' (§5), and why it costs more than a long but tidy pipeline.",
        "Walk me through how a join that duplicates users, followed by a de-duplicate script someone added "
        "after an incident, can change a model's decisions without any file looking wrong.",
        "Given my ML/LLM system (described below), help me audit its data preparation for pipeline jungles: list "
        "the scripts, notebooks and jobs that write intermediate files or tables, what each reads, whether anything "
        "checks its output, and what re-runs when one source changes. Then prioritise what to redesign first, and "
        "say how to measure the gain.",
    ),
    key_points=(
        "A pipeline jungle is preparation code grown a script at a time: nothing declares what it reads, nothing "
        "checks what it writes, so every change means re-running everything and every bug means walking back "
        "through files.",
        "Control first: the jungle and the DAG make exactly the same features when nothing is wrong. The "
        "difference is what happens when something is.",
        "A check at the step that makes a table names the step when it fails; the same check on a later file can "
        "pass because a patch downstream has hidden the symptom.",
        "A bug reaches only the models that read the feature it corrupts: served as trained, never retrained, they "
        "score the wrong values as if they were right. The models that do not read it are the control.",
        "Declared inputs make incremental runs possible: only steps downstream of a change re-run, and a run can "
        "stop early where an output comes out unchanged.",
        "The paper's remedy is a redesign from a clean slate, with research and engineering working on it together.",
    ),
    focus_nodes=("avg_basket_value", "country"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §5 (pipeline "
        "jungles).",
        "E. Breck et al., 'The ML Test Score', IEEE BigData 2017: 'all input feature code is tested'.",
    ),
)
