"""Lesson 02: correction cascades and the improvement deadlock (Sculley et al. 2015, §2)."""

from __future__ import annotations

from mldebt_lessons.course.answers import read_yes_no
from mldebt_lessons.course.lesson import Exercise, Feedback, Lesson, Option, Question, world_at

CHECK_SEEDS = 3  # a function the learner writes is checked in this many worlds (the first of SEEDS)


def _check_worlds():
    from mldebt_lessons.course.claims import SEEDS
    from mldebt_lessons.shop.world import build_world
    return [build_world(seed) for seed in SEEDS[:CHECK_SEEDS]]


def _result(improvement, architecture, world=None):
    from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade
    return measure_cascade(world or world_at(), improvement, architecture)


def _number(value) -> float | None:
    """``value`` as a float if it is a plain real number (not a bool, not text), else None."""
    import math
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        value = float(value)
    except (OverflowError, ValueError):  # an int too large for a float, say
        return None
    return value if math.isfinite(value) else None


def _words(value) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


# --- 02.1: a cascade one model deeper -------------------------------------------------------------
PORTUGAL = "fraud_model_pt"


def _graph_with_portugal():
    from mldebt_lessons.shop.graph import shop_graph
    g = shop_graph()
    g.add_node(PORTUGAL, kind="model")
    g.add_edge("fraud_model_es", PORTUGAL, kind="model_input")
    return g


def _check_chain(answer) -> Feedback:
    from mldebt_lessons.shop.graph import model_chains
    [chain] = model_chains(_graph_with_portugal())
    given = tuple(answer) if isinstance(answer, (list, tuple)) else answer
    if not (isinstance(given, tuple) and given and all(isinstance(name, str) for name in given)):
        return Feedback(False, "give the chain as a tuple of model names, first model first.")
    if given == chain:
        return Feedback(True, f"{' -> '.join(chain)}: {len(chain)} models deep. Portugal's scores now move "
                              f"whenever {chain[0]} or {chain[1]} changes, and neither team can see it in their own "
                              "numbers.")
    if given == chain[:-1]:
        return Feedback(False, "that is today's chain; add fraud_model_pt to the graph first, then ask again.")
    if set(given) <= set(chain):
        return Feedback(False, "those models are in the chain, but give all of it, first model first.")
    return Feedback(False, "give the chain as a tuple of model names, first model first.")


def _judge_depth(prediction) -> str:
    from mldebt_lessons.shop.graph import cascade_depth
    depth = cascade_depth(_graph_with_portugal(), PORTUGAL)
    guess = _number(prediction)
    if guess is None:
        return f"(not a number) fraud_model_pt sits {depth} models deep."
    if guess == depth:
        return f"you said {guess:g}: right, {depth} models deep."
    return f"you said {guess:g}; it is {depth}: every model of the chain, fraud_model_pt included."


# --- 02.2: remedy 1 as most teams would first train it --------------------------------------------
PREDICT_SEED = 42  # the predictions of 02.2, 02.3 and 02.4 ask about this world, which the page does not show


def _spain_gain_points(architecture: str, world=None) -> float:
    return 100 * (_result("feature", architecture, world).spain_caught
                  - _result("none", architecture, world).spain_caught)


def _predict_world():
    from mldebt_lessons.shop.world import build_world
    return build_world(PREDICT_SEED)


def _as_points(value: float, truth: float) -> bool:
    """True if ``value`` is ``truth`` points, written as points (-3.8) or as a share (-0.038)."""
    return abs(value - truth) <= 0.05 + 1e-9 or abs(100 * value - truth) <= 0.05 + 1e-9


def _check_unweighted(answer) -> Feedback:
    from mldebt_lessons.lessons.correction_cascades.experiment import UNWEIGHTED_REMEDY
    value = _number(answer)
    if value is None:
        return Feedback(False, "give one number: the change in Spain's fraud caught, after minus before, in percentage points (e.g. -1.5).")
    truth, weighted = _spain_gain_points(UNWEIGHTED_REMEDY), _spain_gain_points("market_feature")
    if _as_points(value, truth):
        verdict = "loses" if truth < 0 else "gains"
        why = ("Weighted by rows, home's frauds dominate the loss, so the one model leans on home's 'many sessions "
               "= fraud' for Spain too. Telling a model the market is not enough: the market must also count in "
               "what it learns." if truth < weighted else
               "In this world the weighting made little difference for Spain; the claims table shows how often "
               "each way of training lets Spain gain.")
        return Feedback(True, f"{truth:+.1f} points: here Spain {verdict}, against {weighted:+.1f} when each market "
                              f"weighs the same. {why}")
    if _as_points(value, weighted):
        return Feedback(False, "that is the demo's remedy 1, where each market weighs the same; measure the "
                               f"wiring '{UNWEIGHTED_REMEDY}' instead.")
    return Feedback(False, f"measure spain_caught under '{UNWEIGHTED_REMEDY}' after 'feature', minus the same "
                           "wiring with 'none'.")


def _judge_gain_or_loss(prediction) -> str:
    from mldebt_lessons.lessons.correction_cascades.experiment import UNWEIGHTED_REMEDY
    truth = _spain_gain_points(UNWEIGHTED_REMEDY, _predict_world())
    said = _words(prediction)
    guess = _number(prediction)
    if guess is not None:
        said = "gain" if guess > 0 else "lose" if guess < 0 else "same"
    actual = "gain" if truth > 0 else "lose"
    if said.startswith(("gain", "ris", "up", "more", "better")):
        said = "gain"
    elif said.startswith(("los", "fall", "down", "less", "wors")):
        said = "lose"
    else:
        return (f"(read as no prediction) in build_world({PREDICT_SEED}) Spain's catch changes by {truth:+.1f} "
                "percentage points.")
    if said == actual:
        return f"you said Spain would {said} in build_world({PREDICT_SEED}); it does ({truth:+.1f} percentage points)."
    return (f"you said Spain would {said}; in build_world({PREDICT_SEED}) it changes by {truth:+.1f} percentage "
            "points. Whether Spain gains under this wiring varies from world to world.")


# --- 02.3: a deadlock detector --------------------------------------------------------------------
DETECTOR_SETTINGS = (("feature", "cascade"), ("feature", "separate"), ("capacity", "cascade"),
                     ("feature", "cascade_retrained"))


def _truly_deadlocked(world, improvement, architecture) -> bool:
    before, after = _result("none", architecture, world), _result(improvement, architecture, world)
    return after.home_auc > before.home_auc and after.spain_caught < before.spain_caught


def _check_detector(answer) -> Feedback:
    if not callable(answer):
        return Feedback(False, "give a function: deadlocked(world, improvement, architecture) -> True or False.")
    wrong = []
    for world in _check_worlds():
        for improvement, architecture in DETECTOR_SETTINGS:
            truth = _truly_deadlocked(world, improvement, architecture)
            try:
                said = answer(world, improvement, architecture)
            except Exception as error:
                return Feedback(False, f"your function raised {type(error).__name__} for ({improvement!r}, "
                                       f"{architecture!r}) in the world of seed {world.seed}.")
            if not isinstance(said, (bool,)) and type(said).__name__ != "bool_":
                return Feedback(False, f"your function returned {type(said).__name__}; return True or False.")
            if bool(said) != truth:
                wrong.append(f"{improvement} under {architecture} (seed {world.seed}): you said {bool(said)}")
    if wrong:
        return Feedback(False, f"{len(wrong)} verdicts differ from the measurement, e.g. {wrong[0]}.")
    return Feedback(True, f"right in all {CHECK_SEEDS} worlds and {len(DETECTOR_SETTINGS)} settings: it fires for the "
                          "cascade (retrained or not), not for Spain's own model, and not when the change makes "
                          "fraud_model worse at home. Run it before shipping any change to a model others read.")


def _judge_more_data(prediction) -> str:
    fires = _truly_deadlocked(_predict_world(), "data_x2", "cascade")
    guess = read_yes_no(prediction)
    if guess is None:
        return f"(read as no prediction) in build_world({PREDICT_SEED}) it {'fires' if fires else 'does not fire'}."
    why = ("more history lifts home but costs Spain here: a deadlock too." if fires else
           "more history does not make Spain catch less here, so there is no deadlock to report.")
    return (f"you said {'yes' if guess else 'no'}: {'right' if guess == fires else 'not so'}; in "
            f"build_world({PREDICT_SEED}) it {'fires' if fires else 'does not fire'}: {why}")


# --- 02.4: Spain's own model, and a test that it is immune ----------------------------------------
def _improved_world(world):
    """``world`` with fraud_model replaced by the improved one (session_count added), all else the same."""
    from dataclasses import replace

    from mldebt_lessons.lessons.correction_cascades.experiment import fraud_variant
    from mldebt_lessons.shop.models import ShopModel
    spec, _ = fraud_variant("feature")
    improved = ShopModel(spec, world.seed).fit(world.train_table, world.labels["fraud"][world.train_rows])
    return replace(world, models={**world.models, "fraud_model": improved})


def _spain_test_auc(world, scores) -> float:
    from sklearn.metrics import roc_auc_score
    es = world.new_market
    return float(roc_auc_score(es.labels["fraud"][es.test_rows], scores))


def _check_own_model(answer) -> Feedback:
    import numpy as np
    if not callable(answer):
        return Feedback(False, "give a function: spain_scores(world) -> one score per Spanish held-out user.")
    aucs = []
    for world in _check_worlds():
        n = len(world.new_market.test_rows)
        try:
            scores = np.asarray(answer(world), dtype=float)
            after = np.asarray(answer(_improved_world(world)), dtype=float)
        except Exception as error:
            return Feedback(False, f"your function raised {type(error).__name__} in the world of seed {world.seed}.")
        if scores.shape != (n,) or not np.all(np.isfinite(scores)):
            return Feedback(False, f"return one finite score per Spanish held-out user ({n} in the world of seed "
                                   f"{world.seed}), in the order of world.new_market.test_rows.")
        if np.ptp(scores) == 0:
            return Feedback(False, "every user gets the same score: that model tells nobody apart.")
        if not np.array_equal(scores, after):
            return Feedback(False, "when fraud_model was improved, your Spanish scores moved: your model still "
                                   "reads fraud_model, directly or through fraud_model_es.")
        aucs.append(_spain_test_auc(world, scores))
    if min(aucs) <= 0.5:
        return Feedback(False, f"your scores rank Spain's fraud no better than chance (AUC {min(aucs):.3f}); "
                               "train on Spain's labelled users.")
    return Feedback(True, "immune: improving fraud_model moved none of your scores, in all "
                          f"{CHECK_SEEDS} worlds; AUC on Spain's held-out users "
                          + ", ".join(f"{a:.3f}" for a in aucs) + ". The debt is paid: fraud_model's team can now "
                          "ship without asking Spain.")


def _judge_own_beats_cascade(prediction) -> str:
    world = _predict_world()
    own = _result("none", "separate", world).spain_caught
    cascade = _result("none", "cascade", world).spain_caught
    truth = own > cascade
    guess = read_yes_no(prediction)
    measured = (f"in build_world({PREDICT_SEED}), Spain's own model catches {100 * own:.1f}% of Spain's fraud, "
                f"today's cascade {100 * cascade:.1f}%")
    if guess is None:
        return f"(read as no prediction) {measured}."
    return (f"you said {'yes' if guess else 'no'}: {'right' if guess == truth else 'not so'}; {measured}. "
            "Paying the debt down need not cost Spain anything today.")


EXERCISES = (
    Exercise(
        "02.1", "A cascade one model deeper",
        "Larkspur plans to open Portugal, and its team wants to train `fraud_model_pt` as a correction on top of "
        "Spain's `fraud_model_es`. Add that model to a copy of Larkspur's graph (`shop_graph()`; a node with "
        "`kind='model'` and an edge from fraud_model_es with `kind='model_input'`) and put the chain that "
        "`model_chains` then finds (a tuple of names, first model first) in `answer`.",
        "from mldebt_lessons.shop.graph import model_chains, shop_graph; g = shop_graph(); "
        "g.add_node('fraud_model_pt', kind='model'); then add the edge and call model_chains(g).",
        """from mldebt_lessons.shop.graph import model_chains, shop_graph

graph = shop_graph()
graph.add_node("fraud_model_pt", kind="model")
graph.add_edge("fraud_model_es", "fraud_model_pt", kind="model_input")
answer = model_chains(graph)[0]
""",
        _check_chain,
        predict="How many models deep will fraud_model_pt's chain be? (a number)",
        judge_prediction=_judge_depth),
    Exercise(
        "02.2", "Remedy 1, as most teams would first train it",
        "The demo's remedy 1 trains one fraud model for both markets, told the market, with each market weighing "
        "the same in training. A team's first try would weigh every row the same, so home (most rows, most "
        "fraud) dominates. That is the wiring `'market_feature_by_rows'` (also importable as `UNWEIGHTED_REMEDY`), which the demo "
        "does not show. In the demo's world (`build_world()`), measure under that wiring how much adding "
        "session_count ('feature') changes the share of Spain's fraud caught: after minus before, in percentage "
        "points, signed (a fall is negative). Put that number in `answer`.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade; with "
        "W = 'market_feature_by_rows', 100 * (measure_cascade(world, 'feature', W).spain_caught - measure_cascade(world, 'none', W).spain_caught).",
        """from mldebt_lessons.lessons.correction_cascades.experiment import UNWEIGHTED_REMEDY, measure_cascade
from mldebt_lessons.shop.world import build_world

world = build_world()
before = measure_cascade(world, "none", UNWEIGHTED_REMEDY).spain_caught
after = measure_cascade(world, "feature", UNWEIGHTED_REMEDY).spain_caught
answer = 100 * (after - before)
""",
        _check_unweighted,
        predict=f"In another world, build_world({PREDICT_SEED}), will Spain gain or lose from the new feature "
                "under the wiring 'market_feature_by_rows'? ('gain' or 'lose')",
        judge_prediction=_judge_gain_or_loss),
    Exercise(
        "02.3", "A deadlock detector",
        "Write a function `deadlocked(world, improvement, architecture)` that returns True when the improvement "
        "makes fraud_model better at home (home AUC rises) but Spain's end-to-end catch falls, both against the "
        "same wiring with improvement 'none'; otherwise False. Put the function itself in `answer`: it is "
        "checked in three worlds, on settings the demo does not all show.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade; compare "
        "measure_cascade(world, improvement, architecture) with measure_cascade(world, 'none', architecture): "
        "fields home_auc and spain_caught.",
        """from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade


def deadlocked(world, improvement, architecture):
    before = measure_cascade(world, "none", architecture)
    after = measure_cascade(world, improvement, architecture)
    return after.home_auc > before.home_auc and after.spain_caught < before.spain_caught


answer = deadlocked
""",
        _check_detector,
        predict=f"Will a correct detector fire for 'data_x2' (more labelled history) under 'cascade' in "
                f"build_world({PREDICT_SEED})? ('yes' or 'no')",
        judge_prediction=_judge_more_data),
    Exercise(
        "02.4", "Pay the debt down: Spain's own model",
        "Write a function `spain_scores(world)` that trains a Spanish fraud model on Spain's labelled users "
        "(`world.new_market`: its `features`, `labels['fraud']` and `train_rows`), reading no other model, and "
        "returns its scores for Spain's held-out users (`test_rows`, in order). Put the function in `answer`. "
        "The checker runs it in three worlds, then improves fraud_model and runs it again: not one score may move.",
        "Train a ShopModel on rows_of(es.features, es.train_rows) with a spec like "
        "replace(model_spec('fraud_model_es'), inputs=SPANISH_INPUTS) (dataclasses.replace; SPANISH_INPUTS is in "
        "the lesson's experiment module).",
        """from dataclasses import replace

from mldebt_lessons.lessons.correction_cascades.experiment import SPANISH_INPUTS
from mldebt_lessons.shop.data import rows_of
from mldebt_lessons.shop.models import ShopModel, model_spec


def spain_scores(world):
    es = world.new_market
    spec = replace(model_spec("fraud_model_es"), inputs=SPANISH_INPUTS)
    model = ShopModel(spec, world.seed).fit(rows_of(es.features, es.train_rows), es.labels["fraud"][es.train_rows])
    return model.predict_score(rows_of(es.features, es.test_rows))


answer = spain_scores
""",
        _check_own_model,
        predict=f"Before any improvement, in build_world({PREDICT_SEED}), will a Spanish model of its own (the "
                "wiring 'separate', built like yours) catch more of Spain's fraud than today's cascade? "
                "('yes' or 'no')",
        judge_prediction=_judge_own_beats_cascade),
)


def _question(text, options, measured=False) -> Question:
    return Question(text, tuple(Option(*o) for o in options), measured=measured)


QUIZ = (
    _question("What is a correction cascade?", (
        ("A model for a nearby problem, trained to correct another model's output.", True,
         "Yes: fraud_model_es learns Spain as a small correction on fraud_model's score, so it inherits every "
         "change to it."),
        ("A pipeline whose data passes through many transformation steps in turn.", False,
         "That is closer to a pipeline jungle; a cascade is about one model learning from another model's score."),
        ("An ensemble of separately trained models whose votes are averaged together.", False,
         "Independent parts are close to the paper's remedy: no part is fitted to another part's output."),
        ("Retraining one model again and again until its weights stop changing.", False,
         "That is a training procedure; a cascade is a dependency between two models, owned by two teams."),
    )),
    _question("Predict: the payments team adds session_count to fraud_model and its home AUC rises. Under today's "
              "cascade, what happens to the share of Spain's fraud the review team catches?", (
        ("It falls: the correction was fitted to the old score, not to the new one.",
         True, "Measured in every world the course builds (see the claims table): many sessions mean bots at home "
               "but loyal customers in Spain, and fraud_model_es cannot undo a signal it never saw."),
        ("It rises: a better upstream model improves every model that reads it.", False,
         "That is the intuition the deadlock breaks: the upstream score got better at home and worse for Spain."),
        ("It stays the same: fraud_model_es itself was not changed by anyone.", False,
         "Its code did not change, but its input did: fraud_model_es reads fraud_model's score."),
        ("It falls, but only because Spain's customers changed their behaviour at the same time.", False,
         "Nothing about Spain changed in the experiment; only fraud_model did, so the fall is the cascade's."),
    ), measured=True),
    _question("Why does the paper call this an improvement deadlock?", (
        ("The two teams cannot agree on one metric, so neither ships.", False,
         "Disagreement may follow, but the deadlock is structural: it is in the wiring, not in the meeting."),
        ("Improving the upstream model harms what is built on it, so improvements stop.", True,
         "Every change to fraud_model now needs Spain's sign-off, and a change that helps home may never pass."),
        ("The correction model must be retrained first, and that blocks the upstream team's release.", False,
         "Retraining can be scheduled; measured here, it does not win Spain back, so the block remains."),
        ("Both models share one training job, so neither can be changed alone.", False,
         "They train separately; the coupling is through the score one model reads from the other."),
    )),
    _question("Predict: after adding session_count under the cascade, how does the whole review queue (both "
              "markets together) compare with Spain alone?", (
        ("It falls by as much as Spain, since Spain's users are part of it.", False,
         "Spain is a minority of the queue's fraud, so home's gain outweighs Spain's loss in the total."),
        ("It looks better than Spain: the total hides Spain's loss.", True,
         "Measured in every world, the whole queue's change is better than Spain's, and in most it even rises. "
         "Watch quality by slice: the total alone would have shipped this change."),
        ("It does not move at all, because home and Spain cancel out exactly.", False,
         "They do not cancel: the queue's total moves, just far less than Spain, which is why it misleads."),
        ("It cannot be measured, since each market uses different fraud models.", False,
         "It can: rank every user by its score and count the fraud the top of the queue catches, both markets "
         "together."),
    ), measured=True),
    _question("Predict: Spain's team retrains fraud_model_es on the improved score. Compared with before the "
              "improvement, Spain's catch is...", (
        ("back where it was: the correction learns the new score.", False,
         "Measured in every world, it stays below: the correction reads only the score, basket and device, so it "
         "cannot tell a Spanish loyal customer's many sessions from a bot's."),
        ("still lower: the new score mixes in a signal the correction cannot undo.", True,
         "Right, in every world measured. Retraining is coordination, not a cure: the cure is to stop reading the "
         "score, or to let the model see the market."),
        ("higher than ever: it now has a better score to build on.", False,
         "The score is better at home only; for Spain it carries home's pattern, pointing the wrong way."),
        ("unchanged: retraining on the same Spanish users changes nothing.", False,
         "The users are the same, but the score column is new, so the fitted correction does change."),
    ), measured=True),
    _question("Which remedy removes the dependency, so no change to fraud_model can affect Spain?", (
        ("Retrain fraud_model_es every time fraud_model changes.", False,
         "That keeps the dependency and adds coordination; measured here, it does not recover Spain."),
        ("Train Spain's model on its own, reading no other model's score.", True,
         "Remedy 2: in every world measured, Spain's catch does not move, whatever fraud_model does."),
        ("One fraud model for both markets, with a feature saying which market.", False,
         "Remedy 1 escapes the stale correction, but Spain's scores still move with every change to the shared "
         "model: in every world, some of Spain's review decisions change."),
        ("Freeze fraud_model, so that its score never changes again.", False,
         "That avoids the deadlock by never improving anything: the debt is paid in lost improvements."),
    )),
    _question("Remedy 1 trains one fraud model on both markets, told the market. Why does it help Spain far more "
              "often when each market weighs the same in training than when every row does?", (
        ("The market feature leaks whether a user is a fraudster into training.", False,
         "Market says where a user shops, not whether they commit fraud; it is known at serving time, so no leak."),
        ("Tree models cannot split on a categorical feature like market.", False,
         "They can: market becomes a one-hot column, and a tree splits on it like any other."),
        ("Weighted by rows, home's frauds dominate: Spain gets home's patterns.", True,
         "Right: weighted by rows, Spain's few frauds barely move the loss (exercise 02.2 measures it). Telling "
         "a model the market is not enough; the market must count in what it learns."),
        ("Equal weights make the model ignore home, so it can specialise in Spain.", False,
         "Home still counts as much as Spain, and the model still serves home: home's AUC still rises."),
    )),
    _question("Why do teams build correction cascades at all?", (
        ("They start fast when the new problem has few labels.", True,
         "That is the loan: the old model's knowledge comes along for free. The interest is paid every time the "
         "upstream model changes, and it can outlive its use unnoticed."),
        ("A small correction on a strong model is protected from upstream changes.", False,
         "The opposite: a correction is fitted to one version of the upstream score, so every change reaches it."),
        ("Correction models are always more accurate than models trained alone.", False,
         "Not in general: measured here, Spain's own model beats the cascade in most worlds, though not all "
         "(see the claims table)."),
        ("The paper recommends them for every new market or nearby problem.", False,
         "The paper names them as debt, and its remedies are to remove or isolate the dependency."),
    )),
)

LESSON = Lesson(
    id="02",
    slug="correction_cascades",
    title="Correction Cascades: When Improving a Model Makes the System Worse",
    paper_section="§2",
    patterns=("correction_cascade",),
    objectives=(
        "Find correction cascades in a dependency graph: models that read other models' scores, and how deep.",
        "Measure an improvement deadlock: the upstream model gets better while the system built on it gets worse.",
        "Explain why retraining the correction model does not recover what was lost.",
        "Compare the paper's two remedies, measured across worlds: give the model the features that tell the "
        "cases apart, or train the new problem's model on its own; write a check and a remedy as code.",
        "Read aggregate metrics with suspicion: a rising average can hide a falling slice.",
    ),
    minutes=45,
    prerequisites=("01_entanglement_cace.ipynb", "what AUC measures"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what a correction cascade is in 'Hidden Technical Debt in Machine Learning "
        "Systems', what the improvement deadlock is, and why this debt costs more than ordinary software debt.",
        "Walk me through how a correction cascade arises, step by step, in a system like Larkspur's: a fraud model "
        "for a new market trained as a correction on the home market's fraud model. Explain why improving the "
        "home model can make the new market worse, and why retraining the correction may not help.",
        "Given my ML/LLM system (described below), help me audit it for correction cascades: list every model, "
        "prompt or rule that consumes another model's output, how deep each chain is, and who owns each link. "
        "Then prioritise which to pay down first and suggest how to measure the risk before changing anything.",
    ),
    key_points=(
        "A model trained on another model's output is a cheap start and an expensive dependency.",
        "Improving the upstream model can make the system built on it worse: the improvement deadlock, measured "
        "in every world the course builds.",
        "Retraining the correction is coordination, not a cure: it cannot undo a signal that means something "
        "else in the new problem.",
        "Remedies, measured: a model of its own for the new problem is immune to upstream changes. One model "
        "told which case is which escapes the deadlock in most worlds when each case counts equally in its "
        "training (far less often when the big case dominates), and it still couples the two.",
        "Measure by slice: the whole review queue looks better than Spain alone in every world, and in most it "
        "even improves while Spain gets worse.",
    ),
    focus_nodes=("fraud_model",),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §2 "
        "(correction cascades).",
        "D. Sculley et al., 'Machine Learning: The High-Interest Credit Card of Technical Debt', SE4ML workshop, "
        "2014 (the first description of correction cascades).",
        "M. Zinkevich, 'Rules of Machine Learning' (rules on launching models that consume other models' output).",
        "E. Breck et al., 'The ML Test Score', IEEE BigData 2017 (model test 'quality is sufficient on all "
        "important data slices').",
    ),
)
