"""Lesson 00's chart: how little of Larkspur's code is ML code.

>>> from mldebt_lessons.course.codecount import CodeShare
>>> fig = code_share_bar(CodeShare(ml_lines=10, other_lines=90, ml_calls=("Ridge",)))
>>> len(fig.axes)
1
>>> texts = fig.findobj(lambda o: hasattr(o, "get_fontsize") and o.get_text())
>>> min(t.get_fontsize() for t in texts) >= 12, bool(fig.get_size_inches()[0] <= 5.8)
(True, True)
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from mldebt_lessons.course.drawing import OKABE_ITO

CHART_FONT = 12  # points: every text of the chart at least this (12 px or more on a projector)
CHART_WIDTH = 5.6  # inches: 560 px at 100 dpi, inside a notebook's 592-px output area at 1024 px


def code_share_bar(share):
    """One bar split into ML-library lines and everything else, each labelled with its count.

    Sized to be shown at its own size in a notebook at 1024 px; long labels take two lines.
    """
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 2.3), layout="constrained")
    ax.barh([0], [share.ml_lines], color=OKABE_ITO["vermillion"], label="uses the ML library")
    ax.barh([0], [share.other_lines], left=[share.ml_lines], color=OKABE_ITO["sky_blue"],
            label="everything else: data, features, glue, configuration")
    ax.text(share.ml_lines + share.other_lines / 2, 0,
            f"{share.other_lines} lines: features,\npipeline, glue, configuration", ha="center", va="center",
            fontsize=CHART_FONT)
    ax.annotate(f"{share.ml_lines} lines ({share.ml_share:.1%}) use the ML library", (share.ml_lines / 2, 0.42),
                xytext=(0, 0.8), ha="left", va="bottom", fontsize=CHART_FONT, arrowprops={"arrowstyle": "-", "lw": 0.8})
    ax.set_xlim(0, share.total_lines)
    ax.set_ylim(-0.6, 1.4)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=CHART_FONT)
    ax.set_xlabel("lines of code in Larkspur's system\n(features, models, pipeline, dependency graph)",
                  fontsize=CHART_FONT)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig



def users_table_rows(world, n: int = 5) -> list[dict]:
    """The first ``n`` users' features as the models see them: one row per feature, one column per user
    (features down the side, so the table stays narrow however long the features' names are).

    >>> from mldebt_lessons.shop.world import build_world
    >>> rows = users_table_rows(build_world(), n=2)
    >>> list(rows[0]), rows[0]["feature"]
    (['feature', 'user 1', 'user 2'], 'user_age')
    """
    def shown(value) -> str:
        return value if isinstance(value, str) else f"{value:g}"
    return [{"feature": name, **{f"user {i + 1}": shown(values[i]) for i in range(n)}}
            for name, values in world.features.items()]


def users_table_html(world, n: int = 5) -> str:
    """:func:`users_table_rows` as an HTML table."""
    from mldebt_lessons.course.tables import rows_html
    return rows_html(users_table_rows(world, n))


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
