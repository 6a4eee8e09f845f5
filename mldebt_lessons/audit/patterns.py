"""The anti-patterns the audit reports, under the stable ids of the course guide's taxonomy.

Each pattern carries its paper section, a short title, a default severity (1 low .. 5 severe:
how much a typical instance costs when it bites) and the fix the paper recommends. Severities
are a judgement, written down here so that a user can read and argue with them.

Example
-------
>>> PATTERNS["fixed_threshold"].section, PATTERNS["fixed_threshold"].severity
('§7', 3)
>>> len(PATTERNS)
22
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import unknown_choice


@dataclass(frozen=True)
class Pattern:
    """One anti-pattern: id, paper section, title, default severity and the recommended fix."""

    id: str
    section: str
    title: str
    severity: int
    fix: str
    reveals: str  # which input can reveal it


def _p(id, section, title, severity, fix, reveals):
    return Pattern(id, section, title, severity, fix, reveals)


PATTERNS: dict[str, Pattern] = {p.id: p for p in (
    _p("entanglement", "§2", "Entanglement (CACE)", 3,
       "Isolate the models that share this input (separate or versioned copies, or an ensemble of independent "
       "parts), and watch each one's prediction changes on slices whenever the input changes.",
       "manifest, lineage, dbt"),
    _p("correction_cascade", "§2", "Correction cascade", 4,
       "Give the upstream model the features that tell the cases apart, or train a separate model for the "
       "new problem, instead of a correction stacked on another model's score.", "manifest, lineage"),
    _p("undeclared_consumer", "§2", "Undeclared consumer (visibility debt)", 4,
       "Put the model's outputs behind access control, register every reader with the model's owner, and "
       "agree on what may change.", "manifest, lineage"),
    _p("unstable_data_dependency", "§3", "Unstable data dependency", 3,
       "Read a versioned, frozen copy of the input (pin a version, a snapshot or a model release) and move "
       "to a new version on purpose, after checking it.", "manifest, lineage, dbt"),
    _p("underutilized_data_dependency", "§3", "Underutilized data dependency", 2,
       "Run leave-one-feature-out evaluations regularly and remove inputs that add little value: legacy, "
       "bundled, epsilon and correlated features.", "manifest"),
    _p("static_analysis_gap", "§3", "No static analysis of data dependencies", 3,
       "Declare every data dependency where a tool can check it (a feature registry, this manifest, lineage) "
       "and check the declarations against what the code and the jobs actually read.",
       "manifest, lineage, code"),
    _p("direct_feedback_loop", "§4", "Direct feedback loop", 4,
       "Keep part of the decisions randomised (exploration), or train on data the model cannot influence.",
       "manifest"),
    _p("hidden_feedback_loop", "§4", "Hidden feedback loop", 5,
       "Map how the systems influence each other through the world, give one owner the joint effect, and "
       "watch for it; break the loop with holdouts or data that neither system influences.", "manifest"),
    _p("glue_code", "§5", "Glue code", 2,
       "Wrap the general-purpose ML packages behind common APIs of your own, so the glue is written once and "
       "packages can be swapped.", "code"),
    _p("pipeline_jungle", "§5", "Pipeline jungle", 3,
       "Redesign data collection and feature extraction from a clean slate, with research and engineering "
       "together, and test the pipeline end to end.", "manifest, lineage, dbt, code"),
    _p("dead_experimental_codepath", "§5", "Dead experimental codepath", 3,
       "Delete experimental branches and flags that no longer vary or are never read (the Knight Capital "
       "loss came from one); review flags on a schedule.", "manifest, code"),
    _p("abstraction_debt", "§5", "Abstraction debt", 2,
       "Put every model behind one interface (training, serving, evaluation) so that the system, not each "
       "team, holds the abstraction.", "manifest"),
    _p("plain_old_data_smell", "§5", "Plain-old-data smell", 1,
       "Give numbers types that say what they mean: a unit for every numeric feature, a scale (probability, "
       "log-odds, pounds) for every threshold.", "manifest"),
    _p("multiple_language_smell", "§5", "Multiple-language smell", 1,
       "Limit the languages the ML system is written in, or put each behind a tested boundary.",
       "manifest, dbt, code"),
    _p("prototype_smell", "§5", "Prototype smell", 2,
       "Move what production needs out of notebooks and prototypes into tested, reviewed code.",
       "manifest, code"),
    _p("configuration_debt", "§6", "Configuration debt", 3,
       "Keep configuration in version control, reviewed, validated automatically, written as small "
       "differences from a base, with unused settings found and removed.", "manifest, code"),
    _p("fixed_threshold", "§7", "Fixed threshold in a dynamic system", 3,
       "Learn the threshold on held-out data each time the model is retrained, and monitor the share of "
       "decisions it yields.", "manifest, code"),
    _p("monitoring_gap", "§7", "Monitoring gap", 4,
       "Watch prediction bias (predicted vs observed label rates, by slice), action limits, and the "
       "up-stream producers of every input, with alerts that reach the owner.", "manifest"),
    _p("data_testing_debt", "§8", "Data testing debt", 3,
       "Test data as you test code: schema and range checks on inputs, and monitors of input distributions.",
       "manifest, dbt"),
    _p("reproducibility_debt", "§8", "Reproducibility debt", 3,
       "Fix random seeds, version the training data and the code, and record the environment, so a re-run "
       "gives the same model.", "manifest"),
    _p("process_management_debt", "§8", "Process management debt", 2,
       "Automate retraining, evaluation and deployment, so many models do not each need manual steps.",
       "manifest"),
    _p("cultural_debt", "§8", "Cultural debt", 2,
       "Put research and engineering in one team, and reward deleting features, reducing complexity and "
       "improving reproducibility as much as accuracy.", "manifest"),
)}

SECTION_TITLES = {"§2": "Complex models erode boundaries", "§3": "Data dependencies cost more than code "
                  "dependencies", "§4": "Feedback loops", "§5": "ML-system anti-patterns",
                  "§6": "Configuration debt", "§7": "Dealing with changes in the external world",
                  "§8": "Other areas of ML-related debt"}


def pattern(pattern_id: str) -> Pattern:
    """A pattern by id, with a one-line error naming the valid ids."""
    try:
        return PATTERNS[pattern_id]
    except KeyError:
        raise unknown_choice("pattern", pattern_id, PATTERNS) from None


# Where each pattern is taught: its lesson notebook (every pattern has one). Kept here as data because
# the audit never imports the lessons (they import it); tests/test_course_map.py checks it against the
# lesson registry.
TAUGHT_IN = {
    "entanglement": "notebooks/01_entanglement_cace.ipynb",
    "correction_cascade": "notebooks/02_correction_cascades.ipynb",
    "undeclared_consumer": "notebooks/03_undeclared_consumers.ipynb",
    "unstable_data_dependency": "notebooks/04_unstable_data_dependencies.ipynb",
    "underutilized_data_dependency": "notebooks/05_underutilized_data_dependencies.ipynb",
    "static_analysis_gap": "notebooks/06_static_analysis_of_data_dependencies.ipynb",
    "direct_feedback_loop": "notebooks/07_direct_feedback_loops.ipynb",
    "hidden_feedback_loop": "notebooks/08_hidden_feedback_loops.ipynb",
    "glue_code": "notebooks/09_glue_code.ipynb",
    "pipeline_jungle": "notebooks/10_pipeline_jungles.ipynb",
    "dead_experimental_codepath": "notebooks/11_dead_experimental_codepaths.ipynb",
    "abstraction_debt": "notebooks/12_abstraction_debt.ipynb",
    "plain_old_data_smell": "notebooks/13_common_smells.ipynb",
    "multiple_language_smell": "notebooks/13_common_smells.ipynb",
    "prototype_smell": "notebooks/13_common_smells.ipynb",
    "configuration_debt": "notebooks/14_configuration_debt.ipynb",
    "fixed_threshold": "notebooks/15_fixed_thresholds.ipynb",
    "monitoring_gap": "notebooks/16_monitoring_and_testing.ipynb",
    "data_testing_debt": "notebooks/17_other_debts.ipynb",
    "reproducibility_debt": "notebooks/17_other_debts.ipynb",
    "process_management_debt": "notebooks/17_other_debts.ipynb",
    "cultural_debt": "notebooks/17_other_debts.ipynb",
}


def learn_at(pattern_id: str) -> str:
    """Where a learner reads about ``pattern_id``: its lesson notebook.

    >>> learn_at("entanglement")
    'notebooks/01_entanglement_cace.ipynb'
    >>> learn_at("data_testing_debt")
    'notebooks/17_other_debts.ipynb'
    """
    if pattern_id not in PATTERNS:
        raise unknown_choice("pattern", pattern_id, PATTERNS)
    return TAUGHT_IN[pattern_id]


# The LLM forms of the patterns (an embedding upgrade, a hosted model, a judge's cut-off, a prompt) are
# taught together in one lesson: a finding that touches an LLM part links there.
LLM_LESSON = "notebooks/18_llm_systems.ipynb"
LLM_MODEL_TYPES = frozenset({"llm", "embedding", "embedder", "judge", "retriever", "reranker"})


def is_llm_part(facts: dict) -> bool:
    """True for a node that is part of an LLM system: a hosted model, an LLM, an embedder, a judge, or
    a dataset of vectors made by an embedder.

    >>> is_llm_part({"kind": "model", "type": "judge"}), is_llm_part({"kind": "model", "type": "classifier"})
    (True, False)
    """
    return (bool(facts.get("hosted")) or str(facts.get("type", "")).strip().lower() in LLM_MODEL_TYPES
            or bool(facts.get("embedded_with")))


def lesson_for(pattern_id: str, node_facts) -> str:
    """Where a learner reads about one finding: the LLM lesson if any of its nodes (``node_facts``, one
    dict of facts per node) is an LLM part, else the pattern's own lesson (:func:`learn_at`).

    >>> lesson_for("entanglement", [{"kind": "model", "type": "embedding"}])
    'notebooks/18_llm_systems.ipynb'
    >>> lesson_for("entanglement", [{"kind": "feature"}])
    'notebooks/01_entanglement_cace.ipynb'
    """
    return LLM_LESSON if any(is_llm_part(facts) for facts in node_facts) else learn_at(pattern_id)
