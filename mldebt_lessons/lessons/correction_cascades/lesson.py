"""Lesson 02: correction cascades and the improvement deadlock (Sculley et al. 2015, §2)."""

from __future__ import annotations

from mldebt_lessons.course.lesson import (
    Exercise,
    Feedback,
    Lesson,
    Option,
    Question,
    check_best_choice,
)


def _world():
    from mldebt_lessons.shop.world import build_world
    return build_world()


def _result(improvement, architecture):
    from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade
    return measure_cascade(_world(), improvement, architecture)


def _check_chain(answer) -> Feedback:
    from mldebt_lessons.shop.graph import model_chains
    chains = model_chains(_world().graph)
    given = tuple(answer) if isinstance(answer, (list, tuple)) else answer
    if given in chains:
        return Feedback(True, f"{' -> '.join(given)}: a cascade {len(given)} models deep. "
                              f"{given[-1]} cannot be judged without {given[0]}.")
    if isinstance(given, tuple) and set(given) <= set(_world().models):
        return Feedback(False, "those are models, but not a chain where each reads the one before.")
    return Feedback(False, "give the chain as a tuple of model names, first model first.")


def _check_best_home(answer) -> Feedback:
    from mldebt_lessons.lessons.correction_cascades.experiment import IMPROVEMENTS
    gains = {i: _result(i, "cascade").home_auc for i in IMPROVEMENTS if i != "none"}
    return check_best_choice(
        answer, gains, "'{choice}' lifts fraud_model's AUC at home to {value:.3f}: the change its owners "
        "would be proudest of.", "'{choice}' gives {value:.3f} at home; another improvement gives more.",
        f"give one of: {', '.join(gains)}.")


def _deadlock_numbers():
    base, new = _result("none", "cascade"), _result("feature", "cascade")
    return new.home_auc - base.home_auc, new.spain_caught - base.spain_caught


def _close(a, b, tolerance=0.0005 + 1e-9):
    return abs(a - b) <= tolerance


def _check_deadlock(answer) -> Feedback:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return Feedback(False, "give a pair: (change in home AUC, change in Spain's caught share).")
    home, spain = _deadlock_numbers()
    if _close(answer[0], home) and _close(answer[1], spain):
        return Feedback(True, f"home AUC {home:+.3f} while Spain catches {100 * spain:+.1f} points of its fraud: "
                              "the owners of fraud_model see a win, Spain pays for it.")
    if _close(answer[0], home):
        return Feedback(False, "the home number is right; now measure spain_caught (a share, e.g. -0.05).")
    return Feedback(False, "compare measure_cascade(world, 'feature', 'cascade') with the 'none' improvement.")


def _retrain_recovery():
    stale, retrained = _result("feature", "cascade"), _result("feature", "cascade_retrained")
    base = _result("none", "cascade")
    return retrained.spain_auc - base.spain_auc, stale, retrained


def _check_retrain(answer) -> Feedback:
    gap, stale, retrained = _retrain_recovery()
    import numbers
    if not isinstance(answer, numbers.Real):
        return Feedback(False, "give one number: Spain's AUC after retraining minus before the improvement.")
    if _close(answer, gap):
        verdict = "still below" if gap < 0 else "back above"
        return Feedback(True, f"{gap:+.3f}: even retrained, Spain is {verdict} where it started. fraud_model's new "
                              "score carries a signal that means the opposite in Spain, and fraud_model_es cannot undo it.")
    return Feedback(False, "subtract the 'none' result's spain_auc from the 'feature' + 'cascade_retrained' one.")


def _check_remedy(answer) -> Feedback:
    caught = {a: _result("feature", a).spain_caught for a in ("market_feature", "separate")}
    return check_best_choice(
        answer, caught, "'{choice}' catches {value:.1%} of Spain's fraud after the improvement, and no change "
        "to fraud_model can move it.", "'{choice}' catches {value:.1%}; the other remedy catches more.",
        "give one of the two remedies: market_feature or separate.")


EXERCISES = (
    Exercise(
        "02.1", "Find the cascade",
        "Use `model_chains` on Larkspur's graph to find the chain of models in which each reads the score of the "
        "one before. Put the chain (a tuple of names, first model first) in `answer`.",
        "from mldebt_lessons.shop.graph import model_chains; model_chains(world.graph) lists every chain.",
        """from mldebt_lessons.shop.graph import model_chains
from mldebt_lessons.shop.world import build_world

answer = model_chains(build_world().graph)[0]
""",
        _check_chain),
    Exercise(
        "02.2", "The owners' favourite",
        "Under today's cascade, which improvement makes fraud_model best at home (highest home AUC)? "
        "Put its key (for example 'data_x2') in `answer`.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import IMPROVEMENTS, measure_cascade; loop over IMPROVEMENTS (skip 'none') "
        "and compare measure_cascade(world, key, 'cascade').home_auc.",
        """from mldebt_lessons.lessons.correction_cascades.experiment import IMPROVEMENTS, measure_cascade
from mldebt_lessons.shop.world import build_world

world = build_world()
candidates = [key for key in IMPROVEMENTS if key != "none"]
answer = max(candidates, key=lambda key: measure_cascade(world, key, "cascade").home_auc)
""",
        _check_best_home),
    Exercise(
        "02.3", "The deadlock in numbers",
        "Ship the 'feature' improvement under the cascade. By how much does fraud_model's home AUC change, and by "
        "how much does the share of Spain's fraud caught by review change? Put the pair in `answer` "
        "(AUC change, caught-share change), both as plain numbers.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade; subtract measure_cascade(world, 'none', 'cascade') "
        "from measure_cascade(world, 'feature', 'cascade'): fields home_auc and spain_caught.",
        """from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade
from mldebt_lessons.shop.world import build_world

world = build_world()
before = measure_cascade(world, "none", "cascade")
after = measure_cascade(world, "feature", "cascade")
answer = (after.home_auc - before.home_auc, after.spain_caught - before.spain_caught)
""",
        _check_deadlock),
    Exercise(
        "02.4", "Does retraining the correction fix it?",
        "Suppose the Spanish team retrains fraud_model_es on the improved score ('cascade_retrained'). How far is "
        "Spain's AUC from where it was before the improvement? Put (after - before) in `answer`.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade; before: measure_cascade(world, 'none', "
        "'cascade').spain_auc; after: the 'feature' improvement with 'cascade_retrained'.",
        """from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade
from mldebt_lessons.shop.world import build_world

world = build_world()
before = measure_cascade(world, "none", "cascade").spain_auc
after = measure_cascade(world, "feature", "cascade_retrained").spain_auc
answer = after - before
""",
        _check_retrain),
    Exercise(
        "02.5", "Pick the remedy",
        "The paper offers two ways out: give fraud_model the features that tell the markets apart "
        "('market_feature'), or give Spain a model of its own ('separate'). After the 'feature' improvement, which "
        "one catches more of Spain's fraud? Put its key in `answer`.",
        "from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade; compare spain_caught for both wirings with the "
        "'feature' improvement.",
        """from mldebt_lessons.lessons.correction_cascades.experiment import measure_cascade
from mldebt_lessons.shop.world import build_world

world = build_world()
answer = max(["market_feature", "separate"],
             key=lambda wiring: measure_cascade(world, "feature", wiring).spain_caught)
""",
        _check_remedy),
)

QUIZ = (
    Question("What is a correction cascade?", (
        Option("A model for a nearby problem trained as a small correction on top of another model's output.", True,
               "fraud_model_es learns Spain as a correction to fraud_model's score."),
        Option("A chain of data transformations in a pipeline.", False,
               "That is closer to a pipeline jungle; a cascade is about models reading models."),
        Option("Retraining a model several times until it converges.", False,
               "No: a cascade is a dependency between two models, not a training procedure."),
        Option("An ensemble of independent models that vote.", False,
               "The opposite: independent parts are the paper's remedy, because they do not depend on each other."),
    )),
    Question("The payments team adds session_count to fraud_model and its home AUC rises. Why does Spain get worse?", (
        Option("Because Spain's data changed at the same time.", False,
               "Nothing about Spain changed; only fraud_model did."),
        Option("Because fraud_model_es still reads fraud_model's score, and the new score carries a signal that "
               "points the other way in Spain.", True,
               "Many sessions mean bots at home but honest customers in Spain, and the correction was fitted "
               "to the old score."),
        Option("Because more features always make a model worse.", False,
               "Not so: the new feature made fraud_model better at home."),
        Option("Because AUC is a poor metric.", False, "The end-to-end catch falls too, not just the AUC."),
    )),
    Question("Why is this called an improvement deadlock?", (
        Option("Because the two teams cannot agree on a metric.", False,
               "Disagreement may follow, but the deadlock is structural."),
        Option("Because improving the upstream model makes the system built on it worse, so improvements stop "
               "being shipped.", True,
               "Every change to fraud_model now needs Spain's sign-off, and some changes can never pass."),
        Option("Because the training job locks the database.", False, "No: it is about dependencies, not locks."),
        Option("Because the models stop training.", False, "Both models train fine; the system gets worse."),
    )),
    Question("In the measurements, the whole review queue (both markets) still gets better after the improvement. "
             "What does that teach?", (
        Option("That the improvement is safe to ship.", False,
               "The aggregate hides a market that got worse; averages can hide slices."),
        Option("That an aggregate metric can rise while one slice silently falls, so measure by slice.", True,
               "The paper's advice for monitoring is the same: watch prediction quality by slice."),
        Option("That Spain does not matter.", False,
               "Spain's customers and losses are real; the home market simply has more of the fraud, so its "
               "gain outweighs Spain's loss in the total."),
        Option("That the measurement is broken.", False,
               "The numbers are measured on fresh users from the ground truth; they are right."),
    )),
    Question("Which remedy removes the dependency entirely, so no change to fraud_model can affect Spain?", (
        Option("Retrain fraud_model_es every time fraud_model changes.", False,
               "That keeps the dependency, adds coordination, and, measured here, does not recover Spain."),
        Option("Train Spain's model on its own, reading no other model's score.", True,
               "With 'separate', Spain's numbers do not move whatever fraud_model does."),
        Option("Give fraud_model more capacity.", False, "Capacity does not cut the dependency (and here it hurts)."),
        Option("Freeze fraud_model forever.", False, "That avoids the deadlock by never improving anything."),
    )),
    Question("Why do teams build correction cascades at all?", (
        Option("Because they are quick to build when the new problem has few labels: the old model's "
               "knowledge comes along.", True,
               "That is the loan; the interest is paid every time the upstream model changes. And measured here, "
               "Spain's own model already does better: the quick start has outlived its use, unnoticed."),
        Option("Because the paper recommends them.", False, "The paper names them as debt."),
        Option("Because correction models are always more accurate.", False,
               "Not here: measured, Spain's own model beats the correction even before any improvement."),
        Option("Because regulators require them.", False, "No regulator asks for model-on-model chains."),
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
        "Explain why retraining the correction model does not always recover what was lost.",
        "Compare the paper's two remedies, measured: give the model the features that tell the cases apart, "
        "or train the new problem's model on its own.",
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
        "Improving the upstream model can make the downstream system worse: the improvement deadlock.",
        "Retraining the correction is coordination, not a cure: it cannot undo a signal that means something "
        "else in the new problem.",
        "Remedies, measured: a model of its own for the new problem is immune to upstream changes; one model "
        "told which case is which escapes this deadlock but still couples the two (more home data hurt Spain).",
        "Measure by slice: here the whole review queue improved while Spain got worse.",
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
