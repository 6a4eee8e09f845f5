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



def users_table_html(world, n: int = 5) -> str:
    """The first ``n`` users' features, as the models see them, as an HTML table."""
    from mldebt_lessons.course.tables import rows_html
    rows = [{name: (value if isinstance(value, str) else f"{value:g}")
             for name, value in ((name, world.features[name][i]) for name in world.features)} for i in range(n)]
    return rows_html(rows)


def model_quality_rows(world) -> list[dict]:
    """Each model's quality on the held-out users of its own market, with the size of that evaluation set.

    >>> from mldebt_lessons.shop.world import build_world
    >>> rows = model_quality_rows(build_world())
    >>> rows[0]["model"], rows[0]["evaluated on"].endswith("held-out users (home)")
    ('churn_model', True)
    """
    from mldebt_lessons.shop.models import add_upstream_scores, quality
    from mldebt_lessons.shop.world import rows_of
    rows = []
    for name, model in world.models.items():
        market = world.markets[model.spec.market]
        table = add_upstream_scores(rows_of(market.features, market.test_rows), world.models, model.spec.inputs)
        truth = market.truth["ltv_mean"][market.test_rows] if "ltv_mean" in market.truth else None
        metric, value = quality(model, table, market.labels[model.spec.label][market.test_rows], truth)
        rows.append({"model": name, "owner": model.spec.owner,
                     "quality": f"MAE £{value:.2f}" if metric.startswith("MAE") else f"{metric} {value:.3f}",
                     "evaluated on": f"{len(market.test_rows):,} held-out users ({model.spec.market})",
                     "flags": f"{float(model.decide(table).mean()):.1%}", "to": model.spec.decision})
    return rows


def model_quality_html(world) -> str:
    """:func:`model_quality_rows` as an HTML table."""
    from mldebt_lessons.course.tables import rows_html
    return rows_html(model_quality_rows(world))


class Html:
    """HTML for a notebook, with a short plain-text form for screen readers and nbval."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text
