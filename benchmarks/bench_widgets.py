"""How fast does the CACE explorer answer a change? Compared with the naive pattern.

Both answer the same sequence of single-control changes (feature, mode, feature, ...), with
every experiment already measured, so only the drawing differs:

* ours: the graph is laid out and drawn once as an SVG template; a change recolours it
  (every lesson's main widget is timed this way).
* naive: ``ipywidgets.interactive`` calling a function that makes a new pyplot figure, draws
  the graph with ``networkx.draw`` and renders it to PNG, as the inline backend does on show.

Timed in-process with ``time.perf_counter`` around setting the widget's value (callbacks run
synchronously). Prints p50 and p95 of each, and their ratio. Run: ``make bench``.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")
import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from mldebt_lessons.course.drawing import layered_layout
from mldebt_lessons.lessons.entanglement_cace.experiment import MODES
from mldebt_lessons.lessons.entanglement_cace.view import cace_view
from mldebt_lessons.lessons.entanglement_cace.widget import CaceExplorer
from mldebt_lessons.shop.features import FEATURES, changes_for
from mldebt_lessons.shop.world import build_world

TARGET_P95_MS = 25.0


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def time_controls(controls, n: int) -> list[float]:
    """Change one control at a time, cycling through ``controls`` = [(widget, values), ...].

    Each step sets the next control to a value different from its current one, as a learner would.
    """
    times = []
    for i in range(n):
        control, values = controls[i % len(controls)]
        value = values[(i // len(controls) + 1) % len(values)]
        if value == control.value:
            value = values[(values.index(value) + 1) % len(values)]
        start = time.perf_counter()
        control.value = value
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> float:
    """Print p50 and p95 in milliseconds; return p95."""
    p50, p95 = 1000 * statistics.median(times), 1000 * percentile(times, 95)
    verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
    print(f"{name:<58} n={len(times):<4} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   ({verdict} p95 <= {TARGET_P95_MS:g} ms)")
    return p95


def explorers(world):
    """Each lesson's main widget and the controls a learner changes, one at a time."""
    from mldebt_lessons.lessons.abstraction_debt.experiment import BUGS
    from mldebt_lessons.lessons.abstraction_debt.experiment import VERSIONS as PREPARATION_VERSIONS
    from mldebt_lessons.lessons.abstraction_debt.widget import PreparationExplorer
    from mldebt_lessons.lessons.common_smells.experiment import SMELLS, VERSIONS
    from mldebt_lessons.lessons.common_smells.widget import SmellExplorer
    from mldebt_lessons.lessons.configuration_debt.experiment import MISTAKES
    from mldebt_lessons.lessons.configuration_debt.view import CHECKER
    from mldebt_lessons.lessons.configuration_debt.widget import ConfigExplorer
    from mldebt_lessons.lessons.fixed_thresholds.experiment import POLICIES as THRESHOLD_POLICIES
    from mldebt_lessons.lessons.fixed_thresholds.widget import ThresholdExplorer
    from mldebt_lessons.lessons.monitoring_and_testing.widget import FAULT_OPTIONS, MonitorExplorer
    from mldebt_lessons.lessons.other_debts.widget import FAULT_OPTIONS as DATA_FAULT_OPTIONS
    from mldebt_lessons.lessons.other_debts.widget import CheckExplorer
    from mldebt_lessons.lessons.llm_systems.view import CHANGES as ASSISTANT_CHANGES
    from mldebt_lessons.lessons.llm_systems.widget import GUARD_OPTIONS, AssistantExplorer
    from mldebt_lessons.shop.retraining import DRIFTS
    from mldebt_lessons.shop.retraining import ROUNDS as RETRAIN_ROUNDS
    from mldebt_lessons.lessons.correction_cascades.experiment import (
        ARCHITECTURES,
        IMPROVEMENTS,
    )
    from mldebt_lessons.lessons.correction_cascades.widget import CascadeExplorer
    from mldebt_lessons.lessons.dead_experimental_codepaths.experiment import DETECTION_CHOICES, OLD_SERVER_CHOICES
    from mldebt_lessons.lessons.dead_experimental_codepaths.view import CODE_CHOICES
    from mldebt_lessons.lessons.dead_experimental_codepaths.widget import ReleaseExplorer
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import EXPLORE_RATES
    from mldebt_lessons.lessons.direct_feedback_loops.experiment import MAX_ROUNDS as MAX_REVIEW_ROUNDS
    from mldebt_lessons.lessons.direct_feedback_loops.widget import ReviewLoopExplorer
    from mldebt_lessons.lessons.glue_code.experiment import SWAP_LABELS
    from mldebt_lessons.lessons.glue_code.widget import VERSION_BY_LABEL, GlueExplorer
    from mldebt_lessons.lessons.hidden_feedback_loops.experiment import MAX_ROUNDS, RUNS
    from mldebt_lessons.lessons.hidden_feedback_loops.widget import LoopExplorer
    from mldebt_lessons.lessons.pipeline_jungles.experiment import PIPELINES, SCENARIOS
    from mldebt_lessons.lessons.pipeline_jungles.widget import PrepExplorer
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.experiment import VIEWS, deletable_nodes
    from mldebt_lessons.lessons.underutilized_data_dependencies.widget import PRESETS, FeatureExplorer
    from mldebt_lessons.lessons.unstable_data_dependencies.experiment import CHANGES, POLICIES, RELEASES
    from mldebt_lessons.lessons.unstable_data_dependencies.widget import UpstreamExplorer
    from mldebt_lessons.lessons.static_analysis_of_data_dependencies.widget import DeletionExplorer
    from mldebt_lessons.lessons.undeclared_consumers.experiment import (
        CHANGEABLE_MODELS,
        OUTPUT_CHANGES,
    )
    from mldebt_lessons.lessons.undeclared_consumers.widget import ConsumerExplorer

    cace = CaceExplorer(world)
    yield "lesson 01: CaceExplorer", [(cace.feature, [f.name for f in FEATURES]), (cace.mode, list(MODES))]
    cascade = CascadeExplorer(world)
    yield "lesson 02: CascadeExplorer", [(cascade.improvement, list(IMPROVEMENTS)),
                                         (cascade.architecture, list(ARCHITECTURES))]
    consumers = ConsumerExplorer(world)
    yield "lesson 03: ConsumerExplorer", [(consumers.model, list(CHANGEABLE_MODELS)),
                                          (consumers.change, list(OUTPUT_CHANGES)), (consumers.tell, [True, False])]
    upstream = UpstreamExplorer(world)
    yield "lesson 04: UpstreamExplorer", [(upstream.change, list(CHANGES)), (upstream.policy, list(POLICIES)),
                                          (upstream.release, list(range(RELEASES)))]
    features = FeatureExplorer(world)
    yield "lesson 05: FeatureExplorer", [(features.preset, [p for p in PRESETS if PRESETS[p] is not None]),
                                         (features.boxes["scroll_depth"], [True, False])]
    deletion = DeletionExplorer(world)
    yield "lesson 06: DeletionExplorer", [(deletion.node, list(deletable_nodes())),
                                          (deletion.view_picker, list(VIEWS)), (deletion.chains, [True, False])]
    review = ReviewLoopExplorer(world)
    yield "lesson 07: ReviewLoopExplorer", [(review.explore, list(EXPLORE_RATES)),
                                      (review.rounds, list(range(1, MAX_REVIEW_ROUNDS + 1)))]
    loops = LoopExplorer(world)
    yield "lesson 08: LoopExplorer", [(loops.run, list(RUNS)), (loops.rounds, list(range(1, MAX_ROUNDS + 1)))]
    glue = GlueExplorer(world)
    yield "lesson 09: GlueExplorer", [(glue.swap, list(SWAP_LABELS)), (glue.version, list(VERSION_BY_LABEL))]
    prep = PrepExplorer(world)
    yield "lesson 10: PrepExplorer", [(prep.scenario, list(SCENARIOS)), (prep.pipeline, list(PIPELINES))]
    release = ReleaseExplorer(world)
    yield "lesson 11: ReleaseExplorer", [(release.old, list(OLD_SERVER_CHOICES)), (release.minutes, list(DETECTION_CHOICES)),
                                         (release.code, list(CODE_CHOICES))]
    preparation = PreparationExplorer(world)
    yield "lesson 12: PreparationExplorer", [(preparation.bug, list(BUGS)), (preparation.version, list(PREPARATION_VERSIONS))]
    smells = SmellExplorer(world)
    yield "lesson 13: SmellExplorer", [(smells.smell, list(SMELLS)), (smells.version, list(VERSIONS))]
    config = ConfigExplorer(world)
    yield "lesson 14: ConfigExplorer", [(config.mistake, list(MISTAKES)), (config.checker, list(CHECKER))]
    thresholds = ThresholdExplorer(world)
    yield "lesson 15: ThresholdExplorer", [(thresholds.policy, list(THRESHOLD_POLICIES)),
                                           (thresholds.drift, list(DRIFTS)), (thresholds.rounds, list(RETRAIN_ROUNDS))]
    monitors = MonitorExplorer(world)
    yield "lesson 16: MonitorExplorer", [(monitors.fault, [value for _, value in FAULT_OPTIONS]),
                                         (monitors.toggles["psi"], [False, True]),
                                         (monitors.toggles["bias_by_slice"], [False, True])]
    checks = CheckExplorer(world)
    yield "lesson 17: CheckExplorer", [(checks.fault, [value for _, value in DATA_FAULT_OPTIONS]),
                                       (checks.toggles["distribution"], [False, True]),
                                       (checks.toggles["range"], [False, True])]
    assistant = AssistantExplorer(world)
    yield "lesson 18: AssistantExplorer", [(assistant.change, list(ASSISTANT_CHANGES)),
                                           (assistant.guard, list(GUARD_OPTIONS))]


def naive_controls(world):
    """The naive pattern for lesson 01: ``interactive`` redrawing a new pyplot figure on every change."""
    pos = {n: (x, -y) for n, (x, y) in layered_layout(world.graph).items()}

    def draw(feature, mode):
        view = cace_view(world, feature, changes_for(feature)[0], mode)
        fig = plt.figure(figsize=(10, 5))
        nx.draw(world.graph, pos, node_color=[view.fills.get(n, "#FFFFFF") for n in world.graph],
                with_labels=True, node_size=1800, font_size=8)
        fig.savefig(io.BytesIO(), format="png")  # what the inline backend does on show
        plt.close(fig)

    feature = w.Dropdown(options=[f.name for f in FEATURES])
    mode = w.Dropdown(options=MODES)
    w.interactive(draw, feature=feature, mode=mode)
    return [(feature, [f.name for f in FEATURES]), (mode, list(MODES))]


def main(n: int = 200) -> int:
    world = build_world()
    ok = True
    p95s = {}
    for name, controls in explorers(world):
        p95s[name] = report(name + " (SVG template, recolour only)", time_controls(controls, n))
        ok &= p95s[name] <= TARGET_P95_MS
    with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel, Output widgets print escapes
        naive = time_controls(naive_controls(world), max(20, n // 5))
    naive_p95 = report("naive lesson 01 (interactive + pyplot)", naive)
    ours = p95s["lesson 01: CaceExplorer"]
    print(f"naive p95 / lesson 01 p95 = {naive_p95 / ours:.0f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
