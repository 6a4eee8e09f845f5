"""Lesson 14: configuration mistakes as small edits to Larkspur's YAML configs, and what they cost.

Each seeded mistake is an edit a person could make to one model's reviewed config (the paper's §6
examples, plus a typo, a percentage and an unused setting). For each, the lesson measures:

* whether the lenient pipeline takes it (it loads and the model refits: it reaches production
  without the checker), and which of the six principles' checks stop it;
* what it costs once in production: the model is really refitted from the edited config and served
  today's held-out users; decisions flipped against the reviewed config's model, and quality lost.

>>> from mldebt_lessons.shop.world import build_world
>>> o = outcome(build_world(), "threshold as percent")
>>> o.model, o.caught_by, o.reaches_without, o.flipped > 0
('fraud_model', ('P2',), True, True)
>>> outcome(build_world(), "control: reordered").flipped
0.0
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from mldebt_lessons.errors import CourseInputError, unknown_choice
from mldebt_lessons.lessons.configuration_debt.checker import Report, check_config, settings_diff
from mldebt_lessons.shop.config import config_text, load_config, load_config_text
from mldebt_lessons.shop.config.pipeline import Fitted, fit_config
from mldebt_lessons.shop.graph import ripple
from mldebt_lessons.shop.world import World


@dataclass(frozen=True)
class Mistake:
    name: str
    model: str
    story: str  # what happened, in words
    paper: str  # the paper's example it reproduces ("" for the course's own)
    touches: tuple[str, ...]  # the features the edit concerns (for the picture)
    edits: tuple[tuple[str, str], ...] = ()  # (old text, new text) replacements in the reviewed config
    full_text: str = ""  # or the whole edited text


COPIED = """\
# recommender: copied from last year's file, then edited
model: recommender
version: 1
window_days: 30
exclude_days: []
feature_versions: {}
serve_with: {}
features: [session_count, device, country]
hyper: {C: 1.0}
threshold: 0.5
"""

REORDERED = """\
# fraud_model: which accounts are fraudulent (payments team)
inherits: base
model: fraud_model
version: 7
reviewed_by: payments team lead
features: [user_age, avg_basket_value, days_since_signup, device]
hyper: {max_depth: 2, learning_rate: 0.2, n_estimators: 40}  # same three, another order
threshold: 0.15
feature_versions: {days_since_signup: 1}
"""

MISTAKES = {m.name: m for m in (
    Mistake("mis-logged days", "recommender",
            "someone deletes the line that leaves out days 100-129, when session_count was logged as 0",
            "a feature was incorrectly logged for a range of days", ("session_count",),
            edits=(("exclude_days: [[100, 129]]   # the clickstream logger dropped sessions on these days\n", ""),)),
    Mistake("unavailable before day 60", "ltv_model",
            "the loyalty team widens the window to all 180 days for more data; the basket was logged from day 60",
            "a feature was not available before some date", ("avg_basket_value",),
            edits=(("hyper:", "window_days: 180         # more data: every logged day\nhyper:"),)),
    Mistake("unpinned version", "churn_model",
            "a clean-up deletes the version pin; serving computes days_since_signup v2 (weeks), trained on v1 (days)",
            "the code computing a feature changed, so old models need the old version", ("days_since_signup",),
            edits=(("feature_versions: {days_since_signup: 1}\n", ""),)),
    Mistake("cheaper stand-in", "churn_model",
            "production serves session_count_sampled, a cheaper 1-in-5 estimate, in place of session_count",
            "a feature not available in production is replaced by a substitute", ("session_count",
                                                                                   "session_count_sampled"),
            edits=(("hyper:", "serve_with: {session_count: session_count_sampled}   # cheaper in production\nhyper:"),)),
    Mistake("feature name typo", "recommender", "session_count is typed session_cont; the pipeline skips the name",
            "", ("session_count",), edits=(("features: [session_count,", "features: [session_cont,"),)),
    Mistake("threshold as percent", "fraud_model", "the threshold is typed as 15 (per cent) instead of 0.15",
            "", (), edits=(("threshold: 0.15", "threshold: 15"),)),
    Mistake("unused setting", "fraud_model", "C: 0.1 is added to the trees' settings; trees have no C",
            "", (), edits=(("learning_rate: 0.2}", "learning_rate: 0.2, C: 0.1}"),)),
    Mistake("copied config", "recommender",
            "the config is replaced by last year's copy, written out in full, with a 30-day window and no reviewer",
            "", (), full_text=COPIED),
    Mistake("control: reordered", "fraud_model", "keys reordered and a comment added: nothing changes", "",
            (), full_text=REORDERED),
)}
SEEDED = tuple(name for name in MISTAKES if not name.startswith("control"))  # the eight mistakes
CONTROL = "control: reordered"
EXPECTED = {"mis-logged days": ("P4",), "unavailable before day 60": ("P4",), "unpinned version": ("P6",),
            "cheaper stand-in": (), "feature name typo": ("P2",), "threshold as percent": ("P2",),
            "unused setting": ("P5",), "copied config": ("P1", "P3", "P6"), CONTROL: ()}


def check_mistake(name: str) -> None:
    if name not in MISTAKES:
        raise unknown_choice("mistake", name, MISTAKES)


def mistake_text(name: str) -> str:
    """The edited YAML text of one seeded mistake."""
    check_mistake(name)
    mistake = MISTAKES[name]
    if mistake.full_text:
        return mistake.full_text
    text = config_text(mistake.model)
    for old, new in mistake.edits:
        if old not in text:
            raise RuntimeError(f"mistake {name!r}: {old!r} is not in {mistake.model}.yaml")
        text = text.replace(old, new, 1)
    return text


@functools.lru_cache(maxsize=None)
def mistake_report(name: str) -> Report:
    """The checker's verdict on one mistake (it reads no data: the same in every world)."""
    return check_config(mistake_text(name), config_text(MISTAKES[name].model))


@dataclass(frozen=True)
class Outcome:
    """One config edit: what the checker says, whether it reaches production, and what it costs there."""

    name: str
    model: str
    caught_by: tuple[str, ...]
    reaches_without: bool  # the lenient pipeline loads it and refits the model
    flipped: float  # share of held-out users whose decision differs from the reviewed config's model
    quality_good: float
    quality_edited: float
    metric: str
    settings: tuple[str, ...]  # resolved settings that change
    ignored: tuple[str, ...]  # what the lenient pipeline skipped

    @property
    def caught(self) -> bool:
        return bool(self.caught_by)

    @property
    def quality_lost(self) -> float:
        """Quality lost against the reviewed config (positive: worse): AUC points for a classifier, pounds
        of mean absolute error for ltv_model."""
        if self.metric == "AUC":
            return self.quality_good - self.quality_edited
        return self.quality_edited - self.quality_good

    def flipped_in_production(self, checker: bool) -> float:
        """Decisions flipped in production with or without the checker in front of the pipeline."""
        if not self.reaches_without or (checker and self.caught):
            return 0.0
        return self.flipped


def good_fit(world: World, model: str) -> Fitted:
    return fit_config(world, load_config(model))


def edit_outcome(world: World, model: str, text: str, name: str = "your edit") -> Outcome:
    """Check an edited config of ``model`` and measure it as production would run it (no checker)."""
    report = check_config(text, config_text(model))
    good = good_fit(world, model)
    try:
        edited_config = load_config_text(text)
        if edited_config.get("model") != model:
            raise CourseInputError(f"the edited config is for {edited_config.get('model')!r}, not {model!r}")
        edited = fit_config(world, edited_config)
    except CourseInputError:
        return Outcome(name, model, report.caught_by, False, 0.0, good.quality, good.quality, good.metric, (), ())
    flipped = float(np.mean(edited.decisions != good.decisions))
    settings = tuple(settings_diff(load_config(model), edited_config))
    return Outcome(name, model, report.caught_by, True, flipped, good.quality, edited.quality, good.metric,
                   settings, edited.plan.ignored)


@functools.lru_cache(maxsize=64)
def outcome(world: World, name: str) -> Outcome:
    """One seeded mistake (or the control), measured in ``world``."""
    check_mistake(name)
    return edit_outcome(world, MISTAKES[name].model, mistake_text(name), name)


def all_outcomes(world: World) -> dict[str, Outcome]:
    return {name: outcome(world, name) for name in MISTAKES}


def production_summary(world: World) -> dict[str, float]:
    """Over the eight seeded mistakes: how many reach production and the decisions they flip, with and
    without the checker (flips summed over mistakes, as shares of each model's held-out users)."""
    outs = [outcome(world, name) for name in SEEDED]
    return {
        "reach_without": sum(o.reaches_without for o in outs),
        "reach_with": sum(o.reaches_without and not o.caught for o in outs),
        "flipped_without": sum(o.flipped_in_production(False) for o in outs),
        "flipped_with": sum(o.flipped_in_production(True) for o in outs),
    }


def consumers_reached(model: str) -> tuple[str, ...]:
    """Everything downstream of a model in the shop's graph (models that read it, then consumers)."""
    from mldebt_lessons.shop.graph import shop_graph
    return tuple(r.node for r in ripple(shop_graph(), model))


def quality_words(o: Outcome) -> str:
    """The quality change in production, short: AUC points for a classifier, pounds of error for ltv_model."""
    if o.metric == "AUC":
        return f"AUC {-o.quality_lost + 0.0:+.3f}"  # + 0.0: no "-0.000"
    return f"error {'-' if o.quality_lost < 0 else '+'}£{abs(o.quality_lost):.0f}"


def outcome_rows(world: World) -> list[dict]:
    """One row per edit: its model, the principles that stop it, and its cost if it reached production."""
    return [{"config edit": o.name, "model": o.model, "stopped by": ", ".join(o.caught_by) or "nothing",
             "flipped": f"{o.flipped:.1%}", "quality": quality_words(o)} for o in all_outcomes(world).values()]


def catalogue_rows() -> list[dict]:
    """The data team's feature catalogue: what a checker can know about each feature's history."""
    from mldebt_lessons.shop.config.history import FEATURE_FACTS
    rows = []
    for f in FEATURE_FACTS.values():
        notes = []
        if f.available_from:
            notes.append(f"logged from day {f.available_from}")
        notes += [f"mis-logged (as 0) on days {a}-{b}" for a, b in f.bad_days]
        if len(f.versions) > 1:
            notes.append(f"code versions {', '.join(map(str, f.versions))}: {f.description.split(': ', 1)[-1]}")
        if f.stand_in_for:
            notes.append(f"stand-in for {f.stand_in_for}: {f.description}")
        rows.append({"feature": f.name, "source": f.source, "what the logs know": "; ".join(notes) or "clean"})
    return rows
