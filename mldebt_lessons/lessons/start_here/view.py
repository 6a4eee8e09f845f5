"""Lesson 00's chart: how little of Larkspur's code is ML code.

>>> from mldebt_lessons.course.codecount import CodeShare
>>> fig = code_share_bar(CodeShare(ml_lines=10, other_lines=90, ml_calls=("Ridge",)))
>>> len(fig.axes)
1
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from mldebt_lessons.course.drawing import OKABE_ITO


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

