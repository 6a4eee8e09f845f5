"""Lesson 01: entanglement and the CACE principle (Sculley et al. 2015, §2)."""

from __future__ import annotations

import numbers

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


# --- checkers: each computes the right answer from the library, never from a typed number ---

def _check_ripple_count(answer) -> Feedback:
    from mldebt_lessons.shop.graph import ripple
    expected = sorted(r.node for r in ripple(_world().graph, "session_count") if r.kind == "model")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        return Feedback(False, "give a whole number, the count of models.")
    if answer == len(expected):
        return Feedback(True, f"{len(expected)} models read session_count: {', '.join(expected)}.")
    return Feedback(False, f"you counted {answer}. Count only nodes of kind 'model' in the ripple.")


def _check_control(answer) -> Feedback:
    # The control is a model the change cannot reach by any path, not merely one that does not read
    # user_age: a model trained on another model's score is reached through that model.
    from mldebt_lessons.shop.graph import ripple
    world = _world()
    reached = {r.node for r in ripple(world.graph, "user_age")}
    readers = {m for m, model in world.models.items() if "user_age" in model.spec.inputs}
    controls = set(world.models) - reached
    given = {answer} if isinstance(answer, str) else set(answer) if isinstance(answer, (list, tuple, set)) else None
    if given is None:
        return Feedback(False, "give a model name, or a list of names.")
    if given == controls:
        return Feedback(True, f"no path in the graph leads from user_age to {', '.join(sorted(controls))}, "
                              "so any change it showed would mean the experiment itself is broken.")
    wrong = given & readers
    if wrong:
        return Feedback(False, f"{', '.join(sorted(wrong))} reads user_age, so it cannot be the control.")
    via = given & reached
    if via:
        return Feedback(False, f"{', '.join(sorted(via))} does not read user_age itself, but it reads the score "
                               "of a model that does, so the change reaches it: it cannot be the control.")
    return Feedback(False, "look for the model that no path from user_age reaches: not in ripple(world.graph, "
                           "'user_age').")


def _flips(feature, change, mode, model):
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    return next(e for e in measure_cace(_world(), feature, change, mode) if e.model == model).decisions_flipped


def _check_skew_vs_retrain(answer) -> Feedback:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return Feedback(False, "give a pair: (share flipped when serving changed, share flipped after retraining).")
    if any(not isinstance(a, numbers.Real) or a > 1 for a in answer):
        return Feedback(False, "give shares between 0 and 1 (0.25, not 25%).")
    serving = _flips("user_age", "units", "serving", "churn_model")
    retrained = _flips("user_age", "units", "retrained", "churn_model")
    # Accept the exact shares, or the shares as the table rounds them (to 0.1%).
    if abs(answer[0] - serving) <= 0.0005 + 1e-9 and abs(answer[1] - retrained) <= 0.0005 + 1e-9:
        return Feedback(True, f"{serving:.1%} of decisions flip while the model still expects years; "
                              f"{retrained:.1%} after retraining, because the model standardises its inputs.")
    return Feedback(False, "measure both modes with measure_cace and read churn_model's decisions_flipped.")


def _check_other_inputs(answer) -> Feedback:
    from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
    from mldebt_lessons.shop.features import changes_for
    shifts = {c: next(e for e in measure_cace(_world(), "user_age", c, "retrained")
                      if e.model == "churn_model").other_inputs_shift for c in changes_for("user_age")}
    return check_best_choice(
        answer, shifts, "'{choice}' moved the churn model's weights on its other inputs by {value:.1%}: the "
        "model now leans differently on inputs nobody touched.",
        "'{choice}' moved them by {value:.1%}; one change moves them more.",
        f"give one of the changes user_age can take: {', '.join(shifts)}.")


def _worst_homepage_change():
    from mldebt_lessons.lessons.entanglement_cace.experiment import (
        all_experiments,
        consumer_effects,
    )
    hits = {(f, c): consumer_effects(_world(), f, c, "serving")["homepage"] for f, c in all_experiments()}
    return max(hits, key=lambda k: (hits[k], k)), hits


def _check_worst_change(answer) -> Feedback:
    best, hits = _worst_homepage_change()
    answer = tuple(answer) if isinstance(answer, (list, tuple)) else answer
    if answer == best:
        return Feedback(True, f"{best[0]} -> {best[1]} changes what {hits[best]:.1%} of users see on the homepage, "
                              "through two models at once.")
    if answer in hits:
        return Feedback(False, f"{answer[0]} -> {answer[1]} reaches {hits[answer]:.1%} of homepage users; "
                              "another change reaches more.")
    return Feedback(False, "give a pair (feature, change), for example ('user_age', 'log').")


EXERCISES = (
    Exercise(
        "01.1", "Count the ripple",
        "Without running the widget, use `ripple` to find how many models a change to "
        "`session_count` reaches. Put the count in `answer`.",
        "from mldebt_lessons.shop.graph import ripple; ripple(world.graph, 'session_count') lists everything "
        "downstream; keep the nodes whose kind is 'model'.",
        """from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.world import build_world

world = build_world()
answer = sum(1 for reach in ripple(world.graph, "session_count") if reach.kind == "model")
""",
        _check_ripple_count),
    Exercise(
        "01.2", "Name the control",
        "Every experiment needs a control. Which model should show exactly zero change when "
        "`user_age` changes? Put its name in `answer`.",
        "A model's inputs are in world.models[name].spec.inputs, but a model can also read another model's "
        "score: ripple(world.graph, 'user_age') lists every model the change reaches.",
        """from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.world import build_world

world = build_world()
reached = {reach.node for reach in ripple(world.graph, "user_age")}
(answer,) = [name for name in world.models if name not in reached]
""",
        _check_control),
    Exercise(
        "01.3", "Skew versus retraining",
        "The accounts team starts sending `user_age` in months instead of years ('units'). Measure the "
        "share of churn_model decisions that flip (a) if the model is not retrained and (b) once it is. "
        "Put the pair `(a, b)` in `answer`, as shares between 0 and 1.",
        "from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace; measure_cace(world, 'user_age', 'units', mode) for mode in "
        "('serving', 'retrained').",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
from mldebt_lessons.shop.world import build_world

world = build_world()
def churn_flips(mode):
    effects = measure_cace(world, "user_age", "units", mode)
    return next(e.decisions_flipped for e in effects if e.model == "churn_model")

answer = (churn_flips("serving"), churn_flips("retrained"))
""",
        _check_skew_vs_retrain),
    Exercise(
        "01.4", "The other n-1 inputs",
        "The paper says changing one input changes how a model uses all the others. Among the changes "
        "`user_age` can take, which one, after retraining, moves the churn model's weights on its OTHER "
        "inputs the most? (`other_inputs_shift`: how far, in total, the weights of the inputs nobody changed "
        "moved, relative to their size before.) Put the change's name in `answer`.",
        "from mldebt_lessons.shop.features import changes_for; loop over changes_for('user_age') and compare "
        "other_inputs_shift for churn_model in 'retrained' mode.",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import measure_cace
from mldebt_lessons.shop.features import changes_for
from mldebt_lessons.shop.world import build_world

world = build_world()
def churn_shift(change):
    effects = measure_cace(world, "user_age", change, "retrained")
    return next(e.other_inputs_shift for e in effects if e.model == "churn_model")

answer = max(changes_for("user_age"), key=churn_shift)
""",
        _check_other_inputs),
    Exercise(
        "01.5", "The worst quiet change",
        "The homepage reads two models. Across every feature and every change it can take, with models "
        "not retrained, which (feature, change) pair changes what the most users see on the homepage? "
        "Put the pair in `answer`.",
        "from mldebt_lessons.lessons.entanglement_cace.experiment import all_experiments, consumer_effects; all_experiments() lists every pair; "
        "consumer_effects(world, feature, change, 'serving') gives the share of users each consumer treats "
        "differently.",
        """from mldebt_lessons.lessons.entanglement_cace.experiment import all_experiments, consumer_effects
from mldebt_lessons.shop.world import build_world

world = build_world()
def homepage_hit(pair):
    return consumer_effects(world, *pair, "serving")["homepage"]

answer = max(all_experiments(), key=lambda pair: (homepage_hit(pair), pair))
""",
        _check_worst_change),
)

QUIZ = (
    Question("What does the CACE principle say?", (
        Option("Changing Anything Changes Everything: no input of a model is truly independent of the others.",
               True, "In a learned model, inputs are mixed together, so one change moves the use of all."),
        Option("A change to one input affects only the models that read it, and only their use of that input.",
               False, "Half right: only models the change reaches are affected, but within them the use of every "
                      "input can move. Exercise 01.4 measures it."),
        Option("Change Audits Catch Errors: review every change and bugs disappear.", False,
               "No. Code review helps, but the paper's point is that reviewing the changed line is not enough: "
               "its effect spreads through the model."),
        Option("Correct After Checking Everything: retrain every model after each change.", False,
               "Retraining is not a cure: the lesson showed retraining also moves the other inputs' weights."),
    )),
    Question("The accounts team switches user_age from years to months, and nobody retrains. What happens to "
             "the models that read it?", (
        Option("Nothing: a model only sees numbers, and the numbers are still ages.", False,
               "The model learned weights for years. Fed months, every age looks twelve times larger."),
        Option("Their scores move and many decisions flip, silently: this is training/serving skew.", True,
               "The widget's 'serving' mode measures exactly this, and no error is ever raised."),
        Option("The models raise an error, so the change is caught at once.", False,
               "No error: the column has the same name and type. That is why this debt is hidden."),
        Option("Only the model owned by the accounts team is affected.", False,
               "Ownership does not limit reach: every model that reads the feature is affected."),
    )),
    Question("After retraining on user_age in months, the churn model shows 0% flipped decisions. Why?", (
        Option("It standardises its inputs, so a change of units is undone before the model sees it.", True,
               "A pure change of scale vanishes after standardisation; a log or a new fill value does not."),
        Option("The churn model does not read user_age.", False,
               "It does: look at its inputs. The control in this experiment is the recommender."),
        Option("Retraining always undoes any change to a feature.", False,
               "Try 'log' or 'impute' in retrained mode: decisions still flip and other weights move."),
        Option("The change was not applied when retraining.", False,
               "It was: the churn model's inputs really are in months. Try 'rescale' (min-max) with retraining: "
               "the LTV model, a ridge regression on raw values, still flips some decisions."),
    )),
    Question("The recommender does not read user_age. Why does the lesson still measure it?", (
        Option("To save time: it is cheaper to measure everything than to choose.", False,
               "Not the reason. Measuring it has a purpose of its own."),
        Option("As a control: if a model that cannot be affected shows a change, the experiment is broken.", True,
               "Every 'this changed' needs an 'and this did not'. The tests assert it is exactly zero."),
        Option("Because every model reads every feature in a CACE system.", False,
               "No: the graph shows exactly which features each model reads."),
        Option("Because the recommender matters least, so it is safe to leave alone.", False,
               "How much it matters is not the point: it is measured because it cannot be affected."),
    )),
    Question("Retraining after a log-transform of user_age moved the churn model's weight on session_count. "
             "What does that show?", (
        Option("A bug in scikit-learn.", False, "No: this is what fitting does when one input's shape changes."),
        Option("That session_count changed upstream too.", False,
               "It did not; the experiment changes exactly one feature."),
        Option("Changing one input changes how the model uses the other inputs: the paper's n-1 claim.", True,
               "The weights are fitted jointly, so correlated inputs take up or give back the slack."),
        Option("That session_count should be removed.", False,
               "Not from this evidence: it still carries signal, the model just leans on it differently."),
    )),
    Question("Which remedy does the paper suggest for entanglement?", (
        Option("Freeze every feature forever.", False,
               "That trades entanglement for stale, unstable data; the world keeps changing."),
        Option("Isolate models (for example serve an ensemble of independent parts) and watch how predictions "
               "change on slices.", True,
               "Isolation limits the ripple, and monitoring catches what isolation misses."),
        Option("Add more features so no single one matters.", False,
               "More inputs mean more entanglement, and more underutilised dependencies."),
        Option("Use a bigger model.", False, "Capacity does not make inputs independent."),
    )),
)

LESSON = Lesson(
    id="01",
    slug="entanglement_cace",
    title="Entanglement: Changing Anything Changes Everything",
    paper_section="§2",
    patterns=("entanglement",),
    objectives=(
        "Trace the ripple of a feature change through Larkspur's dependency graph to models and consumers.",
        "Measure, on real models, what a preprocessing change does with and without retraining.",
        "Explain why one changed input moves the use of all the other inputs (the CACE principle).",
        "Use a control to tell a real effect from a broken experiment.",
        "Name the paper's remedies: isolate models, watch prediction changes by slice.",
    ),
    minutes=50,
    prerequisites=("00_start_here.ipynb", "basic Python", "what a classifier's score and threshold are"),
    exercises=EXERCISES,
    quiz=QUIZ,
    tutor_prompts=(
        "In one paragraph, explain what entanglement and the CACE principle (Changing Anything Changes "
        "Everything) mean in 'Hidden Technical Debt in Machine Learning Systems', and why this debt costs "
        "more than ordinary software debt.",
        "Walk me through how entanglement arises, step by step, in a system like Larkspur's: one feature "
        "read by several models, its preprocessing owned by another team. Explain what happens when the "
        "preprocessing changes and the models are not retrained, and what still changes when they are.",
        "Given my ML/LLM system (described below), help me audit it for entanglement: list the inputs read by "
        "more than one model, the preprocessing steps owned by someone other than the model owners, and the "
        "decisions that would flip silently. Then prioritise which to pay down first, and say how to measure it.",
    ),
    key_points=(
        "A feature read by several models is a change that reaches all of them and everything they feed.",
        "Changed in serving but not in training, a feature causes silent skew: decisions flip, nothing errors.",
        "Retraining cures a pure change of scale for models that standardise; any other change still flips "
        "decisions and moves the weights of inputs nobody touched (changing one input changes the other n-1).",
        "How much a change matters depends on the model: standardised linear models shrug off units, "
        "trees shrug off monotone transforms, nothing shrugs off a new fill value.",
        "Measure with a control: a model the change cannot reach must show exactly zero change.",
        "Remedies: isolate models, version and freeze shared inputs, watch prediction changes by slice.",
    ),
    focus_nodes=("user_age", "session_count"),
    further_reading=(
        "D. Sculley et al., 'Hidden Technical Debt in Machine Learning Systems', NeurIPS 2015, §2.",
        "D. Sculley et al., 'Machine Learning: The High-Interest Credit Card of Technical Debt', "
        "SE4ML workshop, 2014.",
        "E. Breck et al., 'The ML Test Score: A Rubric for ML Production Readiness', IEEE BigData 2017 "
        "(tests 'training and serving are not skewed', 'all features are beneficial').",
        "M. Zinkevich, 'Rules of Machine Learning: Best Practices for ML Engineering' (rules on feature "
        "ownership and training/serving skew).",
    ),
)
