"""A configuration checker on the six principles of §6 of the paper, as automatic checks.

Each principle becomes one check that code can run on a config's YAML text (and, if given, the text
of the last reviewed version of the same config):

1. **small change**: a config is written as a small change from another (it ``inherits``);
2. **hard to get wrong**: a schema of types and ranges, known feature, model and setting names;
3. **diff easy to see**: the text diff against the reviewed version is short enough to review;
4. **basic facts**: the number of features, the transitive closure of data dependencies (through
   models that read other models), and the training window against each feature's history;
5. **nothing unused**: no setting the model ignores, no duplicate, nothing restated from the parent;
6. **reviewed, versioned**: the config carries its own version and reviewer, and pins the code
   version of every feature that has more than one.

>>> from mldebt_lessons.shop.config import config_text
>>> report = check_config(config_text("fraud_model"))
>>> report.passed, [v.principle for v in report.verdicts]
(True, ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'])
>>> report = check_config(config_text("fraud_model").replace("threshold: 0.15", "threshold: 15"))
>>> report.caught_by, report.verdict("P2").detail
(('P2',), 'threshold 15 is outside 0 to 1 (a probability: 15% is 0.15)')
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from mldebt_lessons.errors import CourseInputError
from mldebt_lessons.shop.config import CONFIG_NAMES, config_text, parse_config, resolve
from mldebt_lessons.shop.config.history import DAYS, FEATURE_FACTS
from mldebt_lessons.shop.config.pipeline import FAMILY, HYPER
from mldebt_lessons.shop.models import MODEL_SPECS_BY_NAME

PRINCIPLES = {  # id: (short name, the paper's principle in a few words)
    "P1": ("small change", "a config is written as a small change from another"),
    "P2": ("hard to get wrong", "manual errors, omissions and oversights are hard to make"),
    "P3": ("diff easy to see", "the difference between two configs is easy to see"),
    "P4": ("basic facts", "basic facts are checked: feature count, data dependencies, windows"),
    "P5": ("nothing unused", "unused or redundant settings are detected"),
    "P6": ("reviewed, versioned", "configs are reviewed and kept under version control"),
}
MAX_DIFF_LINES = 8  # a change of more lines than this is too long to review at a glance
MAX_FEATURES = 12


@dataclass(frozen=True)
class Verdict:
    principle: str
    ok: bool
    detail: str

    @property
    def name(self) -> str:
        return PRINCIPLES[self.principle][0]


@dataclass(frozen=True)
class Report:
    """The checker's verdict on one config, per principle, and the diff against the reviewed text."""

    verdicts: tuple[Verdict, ...]
    diff: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def caught_by(self) -> tuple[str, ...]:
        return tuple(v.principle for v in self.verdicts if not v.ok)

    def verdict(self, principle: str) -> Verdict:
        return next(v for v in self.verdicts if v.principle == principle)


def text_diff(reviewed: str, edited: str) -> tuple[str, ...]:
    """The unified diff of two config texts, without its header lines."""
    lines = difflib.unified_diff(reviewed.splitlines(), edited.splitlines(), "reviewed", "edited", n=0, lineterm="")
    return tuple(line for line in lines if not line.startswith(("---", "+++")))


def changed_lines(diff: tuple[str, ...]) -> int:
    """How many lines a diff removes or adds."""
    return sum(1 for line in diff if line[:1] in "+-")


def settings_diff(old: dict, new: dict) -> list[str]:
    """What changes between two resolved configs, one setting a line: ``key: old -> new``.

    >>> settings_diff({"threshold": 0.15, "model": "m"}, {"model": "m", "threshold": 15})
    ['threshold: 0.15 -> 15']
    >>> settings_diff({"hyper": {"max_depth": 2}}, {"hyper": {"max_depth": 2, "C": 0.1}})
    ['hyper.C: (none) -> 0.1']
    """
    lines = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, "(none)"), new.get(key, "(none)")
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict) and before and after:  # one level down
            lines.extend(f"{key}.{line}" for line in settings_diff(before, after))
        else:
            lines.append(f"{key}: {_short(before)} -> {_short(after)}")
    return lines


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_config(text: str, reviewed: str | None = None) -> Report:
    """Run the six checks on a config's YAML text. ``reviewed`` is the last reviewed text of the same
    config, for the diff. Never raises for a bad config: a config that does not load fails P2."""
    diff = text_diff(reviewed, text) if isinstance(reviewed, str) and isinstance(text, str) else ()
    try:
        own = parse_config(text)
        config = resolve(own)
    except CourseInputError as error:
        failed = Verdict("P2", False, f"does not load: {error}")
        others = [Verdict(p, True, "not checked: the config does not load") for p in PRINCIPLES if p != "P2"]
        return Report(tuple(sorted([failed, *others], key=lambda v: v.principle)), diff)
    parent = _parent(own)
    verdicts = (_small_change(own), _hard_to_get_wrong(config), _diff_easy(diff, reviewed),
                _basic_facts(config), _nothing_unused(own, config, parent), _reviewed(own, config))
    return Report(verdicts, diff)


def _parent(own: dict) -> dict:
    if own.get("inherits") in CONFIG_NAMES:
        try:
            return resolve(parse_config(config_text(own["inherits"])))
        except CourseInputError:
            return {}
    return {}


def _small_change(own: dict) -> Verdict:
    parent = own.get("inherits")
    if parent is None:
        return Verdict("P1", False, f"written out in full ({len(own)} setting{'s' * (len(own) != 1)}), not as a change from another "
                                    "config: add `inherits: base`")
    if parent not in CONFIG_NAMES:
        return Verdict("P1", False, f"inherits '{parent}', which is not a config")
    return Verdict("P1", True, f"inherits {parent} and sets {len(own) - 1} settings of its own")


def _hard_to_get_wrong(config: dict) -> Verdict:
    problems = []
    model = config.get("model")
    if model not in MODEL_SPECS_BY_NAME:
        problems.append(f"unknown model {model!r}" if model else "no model named")
    features = config.get("features")
    if not features:
        problems.append("no features listed")
    for name in features or []:
        if name not in FEATURE_FACTS and name not in MODEL_SPECS_BY_NAME:
            close = difflib.get_close_matches(name, list(FEATURE_FACTS), n=1)
            problems.append(f"unknown feature {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    spec = MODEL_SPECS_BY_NAME.get(model)
    threshold = config.get("threshold")
    if threshold is not None and spec is not None and spec.task == "classify" and not 0 < threshold < 1:
        percent = f" (a probability: {threshold:g}% is {threshold / 100:g})" if 1 < threshold <= 100 else ""
        problems.append(f"threshold {threshold:g} is outside 0 to 1{percent}")
    share = config.get("top_share")
    if share is not None and not 0 < share < 1:
        problems.append(f"top_share {share:g} is outside 0 to 1")
    window = config.get("window_days")
    if window is not None and not 1 <= window <= DAYS:
        problems.append(f"window_days {window} is outside 1 to {DAYS}")
    for first, last in config.get("exclude_days", []):
        if not 0 <= first <= last < DAYS:
            problems.append(f"exclude_days [{first}, {last}] is not a range of days 0 to {DAYS - 1}")
    for name, value in config.get("hyper", {}).items():
        bounds = HYPER.get(FAMILY.get(model, ""), {}).get(name)
        if bounds and not bounds[1] <= value <= bounds[2]:
            problems.append(f"{name} {value:g} is outside {bounds[1]:g} to {bounds[2]:g}")
    for name, version in config.get("feature_versions", {}).items():
        facts = FEATURE_FACTS.get(name)
        if facts is not None and version not in facts.versions:
            problems.append(f"{name} has no version {version} (it has {', '.join(map(str, facts.versions))})")
    for name, stand_in in config.get("serve_with", {}).items():
        facts = FEATURE_FACTS.get(stand_in)
        if facts is None or facts.stand_in_for != name:
            problems.append(f"{stand_in!r} is not a declared stand-in for {name!r}")
    if problems:
        return Verdict("P2", False, "; ".join(problems))
    return Verdict("P2", True, "types, ranges and names all valid")


def _diff_easy(diff: tuple[str, ...], reviewed: str | None) -> Verdict:
    if reviewed is None:
        return Verdict("P3", True, "no reviewed version to compare with")
    n = changed_lines(diff)
    if n > MAX_DIFF_LINES:
        return Verdict("P3", False, f"the diff against the reviewed version is {n} lines: too long to review "
                                    f"(at most {MAX_DIFF_LINES})")
    return Verdict("P3", True, f"the diff against the reviewed version is {n} line{'s' * (n != 1)}")


def dependency_closure(config: dict, depth: int = 0) -> tuple[set[str], set[str]]:
    """The features a config's model reads, directly or through the models it reads (transitively),
    and the upstream models on the way."""
    features, models = set(), set()
    for name in config.get("features", []):
        if name in FEATURE_FACTS:
            features.add(name)
        elif name in MODEL_SPECS_BY_NAME and name in CONFIG_NAMES and depth < 4:
            models.add(name)
            more, deeper = dependency_closure(resolve(parse_config(config_text(name))), depth + 1)
            features |= more
            models |= deeper
    return features, models


def _basic_facts(config: dict) -> Verdict:
    features = config.get("features", [])
    if not 1 <= len(features) <= MAX_FEATURES:
        return Verdict("P4", False, f"{len(features)} features: a model reads 1 to {MAX_FEATURES}")
    closure, upstream = dependency_closure(config)
    start = DAYS - config.get("window_days", DAYS)
    excluded = config.get("exclude_days", [])
    problems = []
    for name in sorted(closure):
        facts = FEATURE_FACTS[name]
        if facts.available_from > start:
            problems.append(f"{name} is logged only from day {facts.available_from}, but the window starts on "
                            f"day {start}")
        for first, last in facts.bad_days:
            if last >= start and not any(a <= first and last <= b for a, b in excluded):
                problems.append(f"{name} was mis-logged on days {first}-{last}, inside the window and not "
                                "excluded")
    sources = sorted({FEATURE_FACTS[n].source for n in closure})
    via = f" through {', '.join(sorted(upstream))}" if upstream else ""
    facts_line = (f"{len(features)} features; depends on {len(closure)} features{via} from "
                  f"{', '.join(sources)}; window days {start}-{DAYS - 1}")
    if problems:
        return Verdict("P4", False, "; ".join(problems))
    return Verdict("P4", True, facts_line)


def _nothing_unused(own: dict, config: dict, parent: dict) -> Verdict:
    problems = []
    features = config.get("features", [])
    family = FAMILY.get(config.get("model"), "")
    for name in config.get("hyper", {}):
        if family and name not in HYPER[family]:
            problems.append(f"hyper-parameter {name} is not used by a {family} model")
    duplicates = sorted({n for n in features if features.count(n) > 1})
    if duplicates:
        problems.append(f"listed twice: {', '.join(duplicates)}")
    for key in ("feature_versions", "serve_with"):
        for name in config.get(key, {}):
            if name not in features:
                problems.append(f"{key} names {name}, which the model does not read")
    for key, value in own.items():
        if key not in ("inherits", "model", "version", "reviewed_by") and parent.get(key) == value:
            problems.append(f"{key} restates the inherited value")
    if problems:
        return Verdict("P5", False, "; ".join(problems))
    return Verdict("P5", True, "every setting is used once")


def _reviewed(own: dict, config: dict) -> Verdict:
    problems = []
    if not isinstance(own.get("version"), int):
        problems.append("no version of its own")
    if not str(own.get("reviewed_by", "")).strip():
        problems.append("no reviewer named")
    pins = config.get("feature_versions", {})
    for name in config.get("features", []):
        facts = FEATURE_FACTS.get(name)
        if facts is not None and len(facts.versions) > 1 and name not in pins:
            problems.append(f"{name} has code versions {', '.join(map(str, facts.versions))} and is not pinned: "
                            f"serving will compute version {facts.versions[-1]}")
    if problems:
        return Verdict("P6", False, "; ".join(problems))
    return Verdict("P6", True, f"version {own['version']}, reviewed by {own['reviewed_by']}")
