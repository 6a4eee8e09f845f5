"""Static matplotlib charts for the notebooks (the graph itself is drawn by :mod:`drawing`).

>>> from mldebt_lessons.codecount import CodeShare
>>> fig = code_share_bar(CodeShare(ml_lines=10, other_lines=90, ml_calls=("Ridge",)))
>>> len(fig.axes)
1
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from .drawing import OKABE_ITO


def code_share_bar(share):
    """One bar split into ML-library lines and everything else, each labelled with its count."""
    fig, ax = plt.subplots(figsize=(8, 1.6), layout="constrained")
    ax.barh([0], [share.ml_lines], color=OKABE_ITO["vermillion"], label="uses the ML library")
    ax.barh([0], [share.other_lines], left=[share.ml_lines], color=OKABE_ITO["sky_blue"],
            label="everything else: data, features, glue, configuration")
    ax.text(share.ml_lines + share.other_lines / 2, 0,
            f"{share.other_lines} lines: features, pipeline, glue, configuration", ha="center", va="center")
    ax.annotate(f"{share.ml_lines} lines ({share.ml_share:.1%}) use the ML library", (share.ml_lines / 2, 0.42),
                xytext=(0, 0.8), ha="left", va="bottom", arrowprops={"arrowstyle": "-", "lw": 0.8})
    ax.set_xlim(0, share.total_lines)
    ax.set_ylim(-0.6, 1.3)
    ax.set_yticks([])
    ax.set_xlabel("lines of code in Larkspur's system (features, models, pipeline, dependency graph)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig


def flips_by_change(world, feature: str, model: str):
    """Bar chart: share of ``model``'s decisions flipped by each change to ``feature``, in both modes."""
    from .cace import MODE_LABELS, MODES, measure_cace
    from .features import changes_for
    changes = changes_for(feature)
    fig, ax = plt.subplots(figsize=(8, 3))
    width = 0.38
    colours = {"serving": OKABE_ITO["vermillion"], "retrained": OKABE_ITO["blue"]}
    for k, mode in enumerate(MODES):
        shares = [next(e.decisions_flipped for e in measure_cace(world, feature, c, mode) if e.model == model)
                  for c in changes]
        xs = [i + (k - 0.5) * width for i in range(len(changes))]
        bars = ax.bar(xs, [100 * s for s in shares], width, color=colours[mode], label=MODE_LABELS[mode])
        ax.bar_label(bars, labels=[f"{100 * s:.1f}%" for s in shares], fontsize=8, padding=2)
    ax.set_xticks(range(len(changes)), changes)
    ax.set_ylabel("decisions flipped (%)")
    ax.set_title(f"{model}: what each change to {feature} does", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=9)
    ax.margins(y=0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def flips_by_change_summary(world, feature: str, model: str) -> str:
    """The flips chart in words, and why retraining can flip more decisions than not retraining."""
    from .cace import measure_cace
    from .features import changes_for
    lines, more_after_retraining = [], []
    for change in changes_for(feature):
        serving, retrained = (next(e.decisions_flipped for e in measure_cace(world, feature, change, mode)
                                   if e.model == model) for mode in ("serving", "retrained"))
        lines.append(f"{change:<8} not retrained {serving:6.1%}   retrained {retrained:6.1%}")
        if retrained > serving:
            more_after_retraining.append(change)
    if more_after_retraining:
        lines.append(f"For {', '.join(more_after_retraining)}, retraining flips MORE decisions than not retraining: "
                     "the change barely moves the old model's inputs, but a retrained model is a new model, "
                     "with new weights for every input.")
    return "\n".join(lines)


def cascade_chart(world, improvement: str = "feature"):
    """For each wiring: the share of Spain's fraud caught before and after ``improvement``."""
    from .cascade import ARCHITECTURES, measure_cascade
    names = list(ARCHITECTURES)
    before = [100 * measure_cascade(world, "none", a).spain_caught for a in names]
    after = [100 * measure_cascade(world, improvement, a).spain_caught for a in names]
    fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
    width = 0.38
    xs = range(len(names))
    for offset, values, colour, label in ((-0.5, before, "#BBBBBB", "before the improvement"),
                                          (0.5, after, "#555555", "after it")):
        bars = ax.bar([x + offset * width for x in xs], values, width, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], fontsize=8, padding=2)
    ax.set_xticks(list(xs), ["today's cascade", "cascade, correction retrained", "remedy 1: one model, told the market",
                             "remedy 2: Spain's own model"], fontsize=8)
    ax.set_ylabel("Spain's fraud caught (%)")
    ax.set_title("Spain end to end, before and after improving fraud_model", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.margins(y=0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def cascade_chart_summary(world, improvement: str = "feature") -> str:
    """The chart in words, one line per wiring."""
    from .cascade import ARCHITECTURES, measure_cascade
    lines = []
    for key, text in ARCHITECTURES.items():
        b, a = measure_cascade(world, "none", key), measure_cascade(world, improvement, key)
        lines.append(f"{text}: Spain caught {b.spain_caught:.1%} -> {a.spain_caught:.1%}; "
                     f"home AUC {b.home_auc:.3f} -> {a.home_auc:.3f}")
    return "\n".join(lines)
