"""What lesson 09 measures: swap the estimator family behind one of Larkspur's models, in real code.

Larkspur's serving code comes in two versions (:mod:`mldebt_lessons.shop.serving`): ``glued``,
where every job calls scikit-learn where it stands, and ``api``, where every job goes through one
small module. A swap is what a developer would do: a short list of source edits, applied to copies
of the files in a temporary folder. The lesson counts the changed lines and files with
:mod:`difflib`, loads the modified copies with :mod:`importlib` from that folder, runs them on a
world, and compares their decisions with the unmodified code's: the swap's real effect, and what
the glued version gets wrong when one of its call sites is missed.

Example
-------
>>> swap = Swap("churn_model", "boosted trees")
>>> [(d.version, d.files, d.lines) for d in (diff_stats("glued", swap), diff_stats("api", swap))]
[('glued', 3, 4), ('api', 1, 1)]
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import itertools
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mldebt_lessons.course.codecount import CodeShare, count_source
from mldebt_lessons.errors import unknown_choice
from mldebt_lessons.shop.serving import VERSIONS, source_files

MODELS = ("churn_model", "fraud_model", "recommender")
CURRENT_FAMILY = {"churn_model": "logistic regression", "fraud_model": "boosted trees",
                  "recommender": "logistic regression"}
FAMILIES = ("logistic regression", "boosted trees", "random forest")
# Each consumer's decisions, and the model they come from.
CONSUMERS = {"email_campaign": "churn_model", "homepage_banner": "churn_model",
             "homepage_carousel": "recommender", "fraud_review_queue": "fraud_model"}
# The local name each glued file gives a model's estimator (`churn = ...`, `churn_weights = ...`).
VARIABLE = {"churn_model": "churn", "fraud_model": "fraud", "recommender": "recommender"}

# How the glued code spells each family where it builds one, reads its weights, and imports it.
GLUED_CODE = {
    "logistic regression": (
        "make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, random_state=seed))",
        "np.abs({var}[-1].coef_[0])",
        ("from sklearn.linear_model import LogisticRegression", "from sklearn.pipeline import make_pipeline",
         "from sklearn.preprocessing import StandardScaler")),
    "boosted trees": (
        "GradientBoostingClassifier(n_estimators=40, max_depth=2, learning_rate=0.2, random_state=seed)",
        "{var}.feature_importances_",
        ("from sklearn.ensemble import GradientBoostingClassifier",)),
    "random forest": (
        "RandomForestClassifier(n_estimators=10, max_depth=5, random_state=seed)",
        "{var}.feature_importances_",
        ("from sklearn.ensemble import RandomForestClassifier",)),
}
# What the API version needs to learn a family it does not know yet: an import, a builder, a table entry.
API_NEW_FAMILY = {
    "random forest": ("from sklearn.ensemble import RandomForestClassifier",
                      ("def _random_forest(seed):",
                       "    return RandomForestClassifier(n_estimators=10, max_depth=5, random_state=seed)",
                       "", ""),
                      '    "random forest": Family(_random_forest, lambda estimator: estimator.feature_importances_),'),
}


@dataclass(frozen=True)
class Swap:
    """Replace the estimator family behind ``model`` with ``family``."""

    model: str
    family: str

    @property
    def label(self) -> str:
        return f"{self.model} → {self.family}"


SWAPS = tuple(Swap(m, f) for m in MODELS for f in FAMILIES if f != CURRENT_FAMILY[m])
SWAP_LABELS = {s.label: s for s in SWAPS}


def check_swap(model: str, family: str) -> Swap:
    """The swap, or a one-line error naming the valid models or families."""
    if model not in MODELS:
        raise unknown_choice("model", model, MODELS)
    others = [f for f in FAMILIES if f != CURRENT_FAMILY[model]]
    if family not in others:
        raise unknown_choice(f"replacement family for {model}", family, others)
    return Swap(model, family)


# --- the edits a developer makes ---------------------------------------------------------------


def _add_imports(lines: list[str], needed: tuple[str, ...]) -> list[str]:
    missing = [line for line in needed if line not in lines]
    if not missing:
        return lines
    last = max(i for i, line in enumerate(lines) if line.startswith(("from sklearn", "import sklearn")))
    return lines[:last + 1] + missing + lines[last + 1:]


def _edit_glued(text: str, swap: Swap) -> str:
    old_make, old_weights, _ = GLUED_CODE[CURRENT_FAMILY[swap.model]]
    new_make, new_weights, new_imports = GLUED_CODE[swap.family]
    var = VARIABLE[swap.model]
    lines, builds = text.splitlines(), False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(f"{var} = ") and old_make in line:
            lines[i], builds = line.replace(old_make, new_make), True
        elif stripped.startswith(f"{var}_weights = ") and old_weights.format(var=var) in line:
            lines[i] = line.replace(old_weights.format(var=var), new_weights.format(var=var))
    if builds:  # a file that now builds the new family must import it
        lines = _add_imports(lines, new_imports)
    return "\n".join(lines) + "\n"


def _edit_api(text: str, swap: Swap) -> str:
    lines = text.splitlines()
    old = f'    "{swap.model}": "{CURRENT_FAMILY[swap.model]}",'
    lines[lines.index(old)] = f'    "{swap.model}": "{swap.family}",'
    if not any(line.startswith(f'    "{swap.family}": Family(') for line in lines):
        import_line, builder, entry = API_NEW_FAMILY[swap.family]
        start = lines.index("FAMILIES = {")
        end = lines.index("}", start)
        lines = lines[:end] + [entry] + lines[end:]
        lines = lines[:start] + list(builder) + lines[start:]
        lines = _add_imports(lines, (import_line,))
    return "\n".join(lines) + "\n"


def swapped_sources(version: str, swap: Swap, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file of ``version`` after the developer's edits for ``swap``; files in ``skip`` are left
    as they were (a call site the developer missed)."""
    edit = _edit_glued if version == "glued" else _edit_api
    return {name: (text if name in skip or name != "mlapi.py" and version == "api" else edit(text, swap))
            for name, text in source_files(version).items()}


def changed_lines(old: str, new: str) -> int:
    """Lines changed between two texts: for each differing block, the longer of its two sides."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


@dataclass(frozen=True)
class DiffStats:
    """How big a swap's change is in one version."""

    version: str
    per_file: dict  # {file: lines changed}, only files that change
    diff: str  # the unified diff, as `git diff` would show it

    @property
    def files(self) -> int:
        return len(self.per_file)

    @property
    def lines(self) -> int:
        return sum(self.per_file.values())


@functools.lru_cache(maxsize=64)
def diff_stats(version: str, swap: Swap) -> DiffStats:
    """The lines and files the swap changes in ``version``, measured with difflib on the real source."""
    before, after = source_files(version), swapped_sources(version, swap)
    per_file, diff = {}, []
    for name in before:
        if before[name] != after[name]:
            per_file[name] = changed_lines(before[name], after[name])
            diff += difflib.unified_diff(before[name].splitlines(), after[name].splitlines(),
                                         f"a/{version}/{name}", f"b/{version}/{name}", lineterm="", n=0)
    return DiffStats(version, per_file, "\n".join(diff))


def diff_table(stats: DiffStats) -> list[dict]:
    """The diff's changed lines as table rows (file, line number, removed or added, code), to show a diff
    whose lines are too long for a fixed-width text output."""
    rows, name, old, new = [], "", 0, 0
    for line in stats.diff.splitlines():
        if line.startswith("+++ "):
            name = line.rsplit("/", 1)[1]
        elif line.startswith("@@"):
            left, right = line.split()[1:3]
            old, new = (int(part[1:].split(",")[0]) for part in (left, right))
        elif line.startswith("-") and not line.startswith("--- "):
            rows.append({"file": name, "line": old, "change": "removed", "code": line[1:].strip()})
            old += 1
        elif line.startswith("+"):
            rows.append({"file": name, "line": new, "change": "added", "code": line[1:].strip()})
            new += 1
    return rows


# --- running real code from a temporary folder --------------------------------------------------

_RUNS = itertools.count()


def run_sources(world, sources: dict[str, str], store: dict | None = None):
    """Write ``sources`` (one package) into a temporary folder, import it from there, and run its
    ``system.serve(world, store)``. Returns what ``serve`` returns, or the error it raised as one line of text."""
    name = f"_larkspur_serving_{next(_RUNS)}"
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / name
        package.mkdir()
        for file, text in sources.items():
            (package / file).write_text(text, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                      submodule_search_locations=[str(package)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
            return importlib.import_module(f"{name}.system").serve(world, store)
        except Exception as error:  # the modified code is Larkspur's, and may break as real code does
            return f"{type(error).__name__}: {error}"
        finally:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]


@functools.lru_cache(maxsize=32)
def _model_store(seed: int) -> dict:
    """One world's model store, shared by every run of the lesson on that world: tonight's models, and
    every estimator a run fits, under its model's name and exact settings. A run whose code builds an
    estimator already fitted there reuses it; a fresh fit of the same settings on the same users is the
    same model (each family is fitted with ``random_state=seed``), so sharing changes no result, only
    how often the same model is fitted."""
    from mldebt_lessons.shop.serving.glued.training import model_store
    from mldebt_lessons.shop.world import build_world
    return model_store(build_world(seed))


@functools.lru_cache(maxsize=256)
def _run(seed: int, version: str, swap: Swap | None, skip: tuple[str, ...] = ()):
    from mldebt_lessons.shop.world import build_world
    sources = source_files(version) if swap is None else swapped_sources(version, swap, skip)
    return run_sources(build_world(seed), sources, _model_store(seed))


def served(world, version: str, swap: Swap | None = None, skip: tuple[str, ...] = ()):
    """What ``version`` serves in ``world``, unchanged (``swap`` None) or after ``swap`` (cached per seed)."""
    if version not in VERSIONS:
        raise unknown_choice("version", version, VERSIONS)
    return _run(world.seed, version, swap, tuple(skip))


def differing_decisions(a: dict, b: dict, consumers=tuple(CONSUMERS)) -> int:
    """How many (consumer, user) decisions differ between two runs' outputs."""
    return int(sum(np.sum(a["decisions"][c] != b["decisions"][c]) for c in consumers))


def differing_reasons(a: dict, b: dict) -> tuple[str, ...]:
    """The explanations (a model's top reason) that differ between two runs' outputs."""
    return tuple(sorted(k for k in a["reasons"] if a["reasons"][k] != b["reasons"].get(k)))


def consumers_of(model: str) -> tuple[str, ...]:
    return tuple(c for c, m in CONSUMERS.items() if m == model)


@dataclass(frozen=True)
class Ripple:
    """What a swap does to the decisions of the swapped model's consumers, done fully."""

    flipped: int  # decisions that change
    decisions: int  # decisions of the swapped model's consumers
    reasons: tuple[str, ...]  # explanations that change

    @property
    def share(self) -> float:
        return self.flipped / self.decisions


def ripple(world, swap: Swap, version: str = "api") -> Ripple:
    """The swap's real effect: decisions of the swapped model's consumers that change, done fully."""
    before, after = served(world, version), served(world, version, swap)
    consumers = consumers_of(swap.model)
    n = sum(len(before["decisions"][c]) for c in consumers)
    return Ripple(differing_decisions(before, after, consumers), n, differing_reasons(before, after))


@dataclass(frozen=True)
class Miss:
    """What the glued version does when a developer misses one file of a swap."""

    file: str
    error: str | None  # the error it raises, if it raises
    wrong: int  # decisions that differ from the full swap's, if it runs
    wrong_reasons: tuple[str, ...]

    @property
    def silent(self) -> bool:
        return self.error is None and (self.wrong > 0 or bool(self.wrong_reasons))

    @property
    def outcome(self) -> str:
        if self.error:
            return "crashes: " + self.error.split(":")[0]
        if self.silent:
            what = [f"{self.wrong} wrong decisions"] if self.wrong else []
            what += [f"wrong {r}" for r in self.wrong_reasons]
            return "silent: " + ", ".join(what)
        return "no difference"


def missed(world, swap: Swap, file: str) -> Miss:
    """Run the glued swap with ``file`` left as it was; compare with the full swap."""
    full = served(world, "glued", swap)
    out = served(world, "glued", swap, (file,))
    if isinstance(out, str):
        return Miss(file, out, 0, ())
    return Miss(file, None, differing_decisions(full, out), differing_reasons(full, out))


# --- how much of each version is ML code ---------------------------------------------------------


def code_shares(version: str) -> dict[str, CodeShare]:
    """Each file's ML-package and other lines of code, counted by parsing (lesson 00's counter)."""
    return {name: count_source(text, filename=name) for name, text in source_files(version).items()}


def ml_files(version: str) -> tuple[str, ...]:
    """The files of ``version`` with at least one line that uses scikit-learn."""
    return tuple(name for name, share in code_shares(version).items() if share.ml_lines)


def call_sites(version: str, model: str) -> tuple[str, ...]:
    """The files of ``version`` whose code touches ``model``'s estimator (builds, scores or explains it)."""
    var = VARIABLE[model]
    found = []
    for name, text in source_files(version).items():
        if version == "api":
            if "sklearn" in text:
                found.append(name)
        elif any(line.strip().startswith((f"{var} = ", f"{var}_weights = ")) for line in text.splitlines()):
            found.append(name)
    return tuple(found)


# What a fitted scikit-learn estimator offers, which code that holds one can call or read directly.
ESTIMATOR_API = frozenset({"fit", "predict", "predict_proba", "decision_function", "coef_", "intercept_",
                           "feature_importances_", "classes_", "steps", "named_steps"})


def estimator_api_lines(source: str) -> tuple[int, ...]:
    """The lines of ``source`` that call or read an estimator's own API (``.predict_proba``, ``.coef_``...),
    found by parsing. Calls on a module of the same package (``mlapi.fit``) do not count."""
    import ast
    tree = ast.parse(source)
    local_modules = {alias.asname or alias.name for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.level > 0 for alias in node.names}
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ESTIMATOR_API:
            if not (isinstance(node.value, ast.Name) and node.value.id in local_modules):
                lines.add(node.lineno)
    return tuple(sorted(lines))


@dataclass(frozen=True)
class CodeCount:
    """How one version's code is spread: scikit-learn lines (lesson 00's count), other lines, and the
    files that depend on scikit-learn (import it, or call a fitted estimator's own API)."""

    version: str
    ml_lines: int
    other_lines: int
    api_lines: int  # lines that call or read a fitted estimator's own API
    package_files: tuple[str, ...]
    files: int


def code_count(version: str) -> CodeCount:
    """Count one version's code by parsing it, never by running it."""
    shares = code_shares(version)
    api = {name: estimator_api_lines(text) for name, text in source_files(version).items()}
    package_files = tuple(name for name in shares if shares[name].ml_lines or api[name])
    return CodeCount(version, sum(s.ml_lines for s in shares.values()), sum(s.other_lines for s in shares.values()),
                     sum(len(v) for v in api.values()), package_files, len(shares))
