"""Read a Python code base for debt, by parsing it with :mod:`ast`: nothing is imported or run.

What it finds, as plain facts for the detectors:

* the share of lines that call an ML library, against glue (counted by
  :func:`mldebt_lessons.course.codecount.count_source`);
* hard-coded thresholds: a number compared with something score-like, however it is named or
  indexed (``predict_proba(X)[:, 1] > 0.7``, ``df["score"] > 0.63``, ``p > 0.63``, ``row.risk <
  0.2``, ``0.63 < p``), where a name counts as a score if its words say so (score, prob, p, pred,
  risk, confidence, logit ...) or it was assigned from ``predict``, ``predict_proba``,
  ``decision_function`` ... (counts, sizes and metrics of scores, ``len(p) > 3``, are not scores);
  the number may be a module constant (``p > T`` with ``T = 0.7``); also a ``threshold=0.7``
  argument and ``CUTOFF = 0.7``. Comparisons in asserts and test files are checks, not decisions;
* other magic numbers in decisions: a number other than 0, 1, -1 and 2 that a ``<``, ``<=``,
  ``>`` or ``>=`` compares with something that is not a score (``if amount > 1000``). 0, 1, -1
  and 2 are left out: they test emptiness, sign, an index or a pair (``len(argv) == 2``,
  ``x % 2``), not a cut-off someone picked; so are float tolerances (``abs(a - b) < 1e-9``) and
  ``==``, which matches a category (a status code, a number of dimensions), not a cut-off;
* hyper-parameters typed into calls of the ML library (``Ridge(alpha=30.0)``);
* dead experimental codepaths: a module-level flag (``USE_NEW_RANKER = False``) that is tested
  in an ``if`` but never assigned anywhere else, config keys and command-line options that are
  defined but never read (a config used as a whole, passed on or dumped, is not counted);
* datasets read and written (``pd.read_csv("orders.csv")``, ``open(...)``, ``np.save``,
  ``joblib.dump``, ``FROM table`` in SQL text; a path may be a module constant or ``Path(a) / b``),
  to compare with what the manifest declares, and intermediate files (written by one step, read by
  another); an artifact path written in one module and read (or named) in another is a *shared
  artifact*: file coupling between modules, listed with the writer's and the reader's line;
* imports from prototypes (modules named prototype, scratch, sandbox, notebook ...);
* the languages of the code base, by file extension.

Files are decoded as Python decodes them (a UTF-8 BOM or a PEP 263 coding cookie names the
encoding). Files that cannot be read, decoded or parsed are skipped and listed with why (``syntax
error at line 3: ...``); nothing in them is run.

Example
-------
>>> facts = scan_sources([("score.py", '''
... from sklearn.linear_model import LogisticRegression
... USE_NEW_RANKER = False
... model = LogisticRegression(C=0.3)
... def decide(x):
...     if USE_NEW_RANKER:
...         return None
...     return model.predict_proba(x)[:, 1] >= 0.72
... ''')])
>>> [(t["line"], t["value"]) for t in facts["thresholds"]]
[(8, 0.72)]
>>> [(f["name"], f["value"]) for f in facts["dead_flags"]], facts["hyperparameters"][0]["name"]
([('USE_NEW_RANKER', False)], 'C')
>>> facts = scan_sources([("prep.py", "df.to_csv('work/x.csv')\\nif len(df) < 500:\\n    pass\\n"),
...                       ("train.py", "p = model.predict(pd.read_csv('work/x.csv'))\\nok = p > 0.6\\n")])
>>> [(a["name"], a["writer"]["file"], a["reader"]["file"]) for a in facts["shared_artifacts"]]
[('work/x.csv', 'prep.py', 'train.py')]
>>> [(d["line"], d["value"]) for d in facts["decisions"]], [t["how"] for t in facts["thresholds"]]
([(2, 500)], ['p > 0.6'])
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from pathlib import Path

from mldebt_lessons.course.codecount import count_source, ml_imports, resolve_ml_name

from ..errors import CourseInputError

ML_PACKAGES = ("sklearn", "torch", "tensorflow", "keras", "xgboost", "lightgbm", "catboost", "transformers",
               "sentence_transformers", "statsmodels", "jax", "openai", "anthropic", "langchain", "llama_index")
LANGUAGES = {".py": "python", ".ipynb": "python notebooks", ".sql": "sql", ".r": "r", ".scala": "scala",
             ".java": "java", ".js": "javascript", ".ts": "typescript", ".go": "go", ".jl": "julia",
             ".cpp": "c++", ".cc": "c++", ".c": "c", ".rs": "rust", ".sh": "shell", ".kt": "kotlin"}
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__", "site-packages",
             "build", "dist", ".tox", ".mypy_cache", ".pytest_cache", ".ipynb_checkpoints"}
MAX_FILES = 20_000
MAX_FILE_BYTES = 2 * 1024 * 1024

# The words of a name (split at _, digits and camelCase) that say it holds a score.
SCORE_WORDS = {"p", "pr", "prob", "probs", "proba", "probas", "pred", "preds", "yhat", "risk", "risks", "odds",
               "conf", "sim", "sims", "dist", "dists"}
SCORE_PREFIXES = ("score", "probab", "predict", "similar", "confiden", "logit", "likelih", "distance", "relevan")
SCORE_CALLS = {"predict_proba", "predict", "decision_function", "predict_score", "predict_log_proba",
               "cosine_similarity", "similarity", "score_samples"}
# Calls and attributes that turn anything, scores included, into a count, a size, a time or a quality
# metric of the model (a gate on a metric is evaluation, not a decision on a prediction): not a score.
NOT_SCORE = {"len", "range", "enumerate", "zip", "count", "nunique", "shape", "size", "ndim", "index", "columns",
             "isna", "isnull", "notna", "time", "perf_counter", "monotonic", "argmax", "argmin", "argsort",
             "roc_auc_score", "accuracy_score", "f1_score", "fbeta_score", "r2_score", "precision_score",
             "recall_score", "average_precision_score", "balanced_accuracy_score", "explained_variance_score",
             "jaccard_score", "silhouette_score", "brier_score_loss", "log_loss", "cross_val_score"}
TOLERANCE = 1e-3  # |number| below this is a float tolerance (abs(a - b) < 1e-9), not a cut-off
ORDERING = (ast.Gt, ast.GtE, ast.Lt, ast.LtE)
NEUTRAL_NUMBERS = (0, 1, -1, 2)  # emptiness, sign, an index, a pair: not a cut-off anyone picked
THRESHOLD_NAMES = re.compile(r"thresh|cutoff|cut_off", re.I)
CONFIG_NAMES = re.compile(r"config|settings|params|flags|options|conf$", re.I)
PROTOTYPE = re.compile(r"(^|[._])(prototypes?|scratch|sandbox|playground|notebooks|experiments)([._]|$)")
READ_CALLS = {"read_csv", "read_parquet", "read_json", "read_table", "read_excel", "read_feather",
              "read_pickle", "read_sql_table", "load_dataset", "loadtxt", "genfromtxt", "read_orc", "read_hdf",
              "load", "read_text", "read_bytes"}
WRITE_CALLS = {"to_csv", "to_parquet", "to_json", "to_pickle", "to_feather", "to_excel", "to_sql",
               "savetxt", "to_orc", "to_hdf", "save", "savez", "savez_compressed", "dump", "write_text",
               "write_bytes"}
PATH_KEYWORDS = ("path", "path_or_buf", "fname", "file", "filename", "filepath", "f")
ARTIFACT_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".pkl", ".pickle", ".joblib", ".json", ".jsonl", ".feather",
                     ".npy", ".npz", ".h5", ".hdf5", ".arrow", ".orc", ".avro", ".xlsx", ".pt", ".pth", ".onnx",
                     ".safetensors", ".ckpt")
TEST_FILE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")
KEY_READERS = ("get", "getboolean", "getint", "getfloat", "pop", "setdefault")
SQL_TABLES = re.compile(r"\b(?:from|join)\s+([A-Za-z_][\w.]*)", re.I)


def code_files(folder: str | Path) -> tuple[list[Path], dict[str, int]]:
    """The Python files under ``folder`` (no symlinks followed) and a count of files by language."""
    root = Path(folder)
    if not root.exists():
        raise CourseInputError(f"{root}: no such folder; expected a folder of Python code for --code")
    if not root.is_dir():
        raise CourseInputError(f"{root}: is a file; expected a folder of Python code for --code")
    python, languages, seen = [], {}, 0
    for here, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for f in sorted(files):
            seen += 1
            if seen > MAX_FILES:
                raise CourseInputError(f"{root}: more than {MAX_FILES:,} files; expected the code of one "
                                       "system (point --code at its folder)")
            language = LANGUAGES.get(Path(f).suffix.lower())
            if language:
                languages[language] = languages.get(language, 0) + 1
            path = Path(here) / f
            if f.endswith(".py") and not path.is_symlink():
                python.append(path)
    return python, languages


def scan_directory(folder: str | Path, system=None, ml_packages=ML_PACKAGES) -> dict:
    """Scan every Python file under ``folder``; read as text, parsed, never run."""
    paths, languages = code_files(folder)
    files, skipped = [], []
    root = Path(folder)
    for p in paths:
        shown = str(p.relative_to(root))
        try:
            if p.stat().st_size > MAX_FILE_BYTES:
                skipped.append({"file": shown, "reason": f"larger than {MAX_FILE_BYTES:,} bytes"})
                continue
            files.append((shown, decode_source(p.read_bytes())))
        except UnicodeError as err:
            skipped.append({"file": shown, "reason": str(err)})
        except OSError as err:
            skipped.append({"file": shown, "reason": f"cannot read it ({err.strerror or err})"})
    facts = scan_sources(files, system, ml_packages, where=str(folder))
    facts["skipped"] = sorted(skipped + facts["skipped"], key=lambda s: s["file"])  # by name
    facts["languages"] = languages
    return facts


def decode_source(data: bytes) -> str:
    """The text of a Python file's bytes, decoded as Python decodes it: a UTF-8 BOM or a PEP 263
    coding cookie names the encoding (UTF-8 otherwise). Raises UnicodeError saying why it cannot.

    >>> decode_source(b"# -*- coding: latin-1 -*-\\nname = 'Ren\\xe9'\\n").splitlines()[1]
    "name = 'René'"
    >>> decode_source(b"\\xef\\xbb\\xbfx = 1\\n")
    'x = 1\\n'
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as err:  # an unknown encoding in the cookie, a BOM that contradicts it, or bad UTF-8
        encoding = "utf-8"  # no cookie it could read: say where UTF-8 fails, if it does
        if "unknown encoding" in str(err) or "encoding problem" in str(err):
            raise UnicodeError(f"not decodable: {' '.join(str(err).split())[:120]}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        shown = "UTF-8" if encoding.startswith("utf-8") else encoding
        raise UnicodeError(f"not decodable as {shown} (byte 0x{data[err.start]:02x} at offset {err.start:,})") \
            from None
    except LookupError:
        raise UnicodeError(f"not decodable: unknown encoding {encoding!r}") from None


def describe_skipped(skipped: list[dict], limit: int = 5) -> str:
    """The skipped files, named with why, for a report line.

    >>> describe_skipped([{"file": "a.py", "reason": "syntax error at line 3: invalid syntax"}])
    'a.py (syntax error at line 3: invalid syntax)'
    """
    shown = "; ".join(f"{s['file']} ({s['reason']})" for s in skipped[:limit])
    return shown + (f"; and {len(skipped) - limit:,} more" if len(skipped) > limit else "")


def describe_code_input(folder, facts: dict) -> str:
    """The report's line for one ``--code`` folder: how many files were parsed, and each skipped file
    named with why.

    >>> describe_code_input("src", {"files": 3, "skipped": [{"file": "a.py", "reason": "syntax error at line 2: x"}]})
    'code in src (3 Python files parsed, never run; 1 skipped: a.py (syntax error at line 2: x))'
    """
    skipped = facts["skipped"]
    return (f"code in {folder} ({facts['files']:,} Python files parsed, never run"
            f"{f'; {len(skipped):,} skipped: ' + describe_skipped(skipped) if skipped else ''})")


def merge_code_facts(total: dict | None, facts: dict, folder: str) -> dict:
    """The facts of one more ``--code`` folder added to those of the folders before it.

    Counts add up, lists join, languages add up; shared artifacts are found again over all the
    folders, so a file written in one folder and read in another counts.

    >>> a = scan_sources([("prep.py", "df.to_csv('x.csv')\\n")], where="a")
    >>> b = scan_sources([("train.py", "import pandas as pd\\npd.read_csv('x.csv')\\n")], where="b")
    >>> both = merge_code_facts(merge_code_facts(None, a, "a"), b, "b")
    >>> both["where"], both["files"], [s["name"] for s in both["shared_artifacts"]]
    ('a, b', 2, ['x.csv'])
    """
    if not total:
        return facts
    merged = dict(total)
    for key, value in facts.items():
        before = total.get(key)
        if key == "where":
            merged[key] = f"{before}, {folder}" if before else folder
        elif key == "ml_calls":
            merged[key] = sorted(set(before or ()) | set(value))
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            merged[key] = before if before is not None else value
        elif isinstance(value, (int, float)):
            merged[key] = (before or 0) + value
        elif isinstance(value, list):
            merged[key] = list(before or []) + value
        elif isinstance(value, dict):
            merged[key] = dict(before or {})
            for k, n in value.items():
                merged[key][k] = merged[key].get(k, 0) + n
    _mark_intermediate(merged["datasets"])
    merged["shared_artifacts"] = shared_artifacts(merged["datasets"])
    return merged


def scan_sources(files: list[tuple[str, str | bytes]], system=None, ml_packages=ML_PACKAGES,
                 where: str = "the code") -> dict:
    """Scan (name, source text or bytes) pairs; see the module docstring for what is found."""
    ml_packages = tuple(ml_packages)
    facts = {"where": where, "files": 0, "languages": {"python": len(files)} if files else {},
             "ml_lines": 0, "other_lines": 0, "ml_calls": [], "thresholds": [], "decisions": [],
             "hyperparameters": [], "dead_flags": [], "unread_config_keys": [], "unread_options": [],
             "datasets": [], "shared_artifacts": [], "prototype_imports": [], "skipped": []}
    trees = []
    for name, text in files:
        try:
            if isinstance(text, bytes):
                text = decode_source(text)
            text = text.removeprefix("\ufeff")  # a BOM left by a plain UTF-8 decode: Python ignores it
            tree = ast.parse(text, filename=name)
            share = count_source(text, ml_packages, filename=name)
        except UnicodeError as err:
            facts["skipped"].append({"file": name, "reason": str(err)})
            continue
        except SyntaxError as err:
            facts["skipped"].append({"file": name, "reason": _syntax_reason(err)})
            continue
        except (ValueError, CourseInputError) as err:
            facts["skipped"].append({"file": name, "reason": "cannot be parsed: " + " ".join(str(err).split())[:120]})
            continue
        except (RecursionError, MemoryError):
            facts["skipped"].append({"file": name, "reason": "nested too deeply to parse"})
            continue
        facts["files"] += 1
        facts["ml_lines"] += share.ml_lines
        facts["other_lines"] += share.other_lines
        facts["ml_calls"] = sorted(set(facts["ml_calls"]) | set(share.ml_calls))
        trees.append((name, tree))
    ids = set(system.nodes) if system is not None else set()
    uses = _all_uses(trees)
    for name, tree in trees:
        try:
            _scan_tree(name, tree, ids, ml_packages, uses, facts)
        except RecursionError:
            facts["skipped"].append({"file": name, "reason": "nested too deeply to scan"})
    _mark_undeclared(facts, system)
    order = {name: i for i, (name, _) in enumerate(trees)}
    for key in ("thresholds", "decisions", "hyperparameters", "datasets"):  # walk order is breadth first
        facts[key].sort(key=lambda item: (order.get(item["file"], 0), item["line"]))
    facts["shared_artifacts"] = shared_artifacts(facts["datasets"])
    return facts


def _syntax_reason(err: SyntaxError) -> str:
    """Why a file that does not parse was skipped, with the line.

    >>> _syntax_reason(SyntaxError("invalid syntax", ("f.py", 3, 1, "def (:")))
    'syntax error at line 3: invalid syntax'
    """
    message = " ".join(str(err.msg or "invalid syntax").split())[:120]
    return f"syntax error at line {err.lineno}: {message}" if err.lineno else f"syntax error: {message}"


def shared_artifacts(datasets: list[dict]) -> list[dict]:
    """Artifact files written in one module and read, or named, in another: file coupling.

    One entry per file: its name, the first writer and the first reader in another module (file
    and line), and how many modules read it.

    >>> shared_artifacts([{"file": "a.py", "line": 3, "name": "x.csv", "op": "write"},
    ...                   {"file": "b.py", "line": 5, "name": "./x.csv", "op": "read"}])
    [{'name': 'x.csv', 'writer': {'file': 'a.py', 'line': 3}, 'reader': {'file': 'b.py', 'line': 5}, 'readers': 1}]
    """
    writers: dict[str, dict] = {}
    for d in datasets:
        if d["op"] == "write":
            writers.setdefault(_path_key(d["name"]), d)
    found: dict[str, dict] = {}
    for d in datasets:
        key = _path_key(d["name"])
        writer = writers.get(key)
        if d["op"] == "write" or writer is None or writer["file"] == d["file"]:
            continue
        entry = found.setdefault(key, {"name": writer["name"],
                                       "writer": {"file": writer["file"], "line": writer["line"]},
                                       "reader": {"file": d["file"], "line": d["line"]}, "modules": set()})
        entry["modules"].add(d["file"])
    return [{**{k: v for k, v in e.items() if k != "modules"}, "readers": len(e["modules"])} for e in found.values()]


def _path_key(name: str) -> str:
    return os.path.normpath(name.replace("\\", "/")) if name else name


def _parents(tree) -> tuple[dict, list]:
    """Each node's parent, and every node in :func:`ast.walk` order (walked once, used twice)."""
    parent, nodes = {}, []
    for node in ast.walk(tree):
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    return parent, nodes


def _number(node) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return -value if value is not None else None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _called(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def score_word(name: str) -> bool:
    """Whether a name or key says it holds a score: one of its words is score, prob, p, pred, risk ...

    >>> [n for n in ("p", "churn_score", "yProba", "risk2", "confidence", "i", "epoch", "n_rows", "problem")
    ...  if score_word(n)]
    ['p', 'churn_score', 'yProba', 'risk2', 'confidence']
    """
    words = re.split(r"[_\W\d]+|(?<=[a-z])(?=[A-Z])", name)
    return any(w.lower() in SCORE_WORDS or w.lower().startswith(SCORE_PREFIXES) for w in words if w)


def _score_like(node, names=frozenset(), keys=frozenset(), depth: int = 0, through_calls: bool = True) -> bool:
    """Whether ``node`` holds a score: a score call, or a name, key or attribute that is one (by its
    words, or because it was assigned from a score: ``names`` and ``keys``). Counts, sizes and times
    made from scores (``len(scores)``) and quality metrics (``roc_auc_score``) are not scores.
    ``through_calls``: whether any other call of a score (``np.mean(p)``) is a score too."""
    if depth > 50:
        return False
    again = lambda part: _score_like(part, names, keys, depth + 1, through_calls)  # noqa: E731
    if isinstance(node, ast.Call):
        called = _called(node.func)
        if called in SCORE_CALLS:
            return True
        if called in NOT_SCORE:
            return False
        if called and score_word(called):
            return True
        if not through_calls:
            return False
        parts = list(node.args) + [k.value for k in node.keywords]
        if isinstance(node.func, ast.Attribute):
            parts.append(node.func.value)  # scores.mean()
        return any(again(part) for part in parts)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                and (key.value in keys or score_word(key.value)):
            return True
        return again(node.value)
    if isinstance(node, ast.Attribute):
        if node.attr in NOT_SCORE:
            return False
        return node.attr in keys or score_word(node.attr) or again(node.value)
    if isinstance(node, ast.Name):
        return node.id in names or score_word(node.id)
    if isinstance(node, ast.BinOp):
        return again(node.left) or again(node.right)
    if isinstance(node, ast.UnaryOp):
        return again(node.operand)
    return False


def _scores_assigned(nodes) -> tuple[set[str], set[str]]:
    """Names, and string keys or attributes, assigned from a score anywhere in a module (a cheap
    data flow: ``p = model.predict_proba(X)[:, 1]``, ``df["churn"] = model.predict(X)``, ``for s in p``)."""
    steps = []  # (targets, value) of every assignment and for loop
    for n in nodes:
        if isinstance(n, ast.Assign):
            steps.append((n.targets, n.value))
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign)) and n.value is not None:
            steps.append(([n.target], n.value))
        elif isinstance(n, (ast.For, ast.comprehension)):
            steps.append(([n.target], n.iter))
    names: set[str] = set()
    keys: set[str] = set()
    for _ in range(3):  # a score passed on through two more names is still found
        size = len(names) + len(keys)
        for targets, value in steps:
            if not _score_like(value, names, keys, through_calls=False):  # f(p) need not be a score
                continue
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Name):
                        names.add(part.id)
                    elif isinstance(part, ast.Subscript) and isinstance(part.slice, ast.Constant) \
                            and isinstance(part.slice.value, str):
                        keys.add(part.slice.value)
                    elif isinstance(part, ast.Attribute):
                        keys.add(part.attr)
        if len(names) + len(keys) == size:
            break
    return names, keys


def _nodes_named(node, parent, ids) -> list[str]:
    """Node ids named by string constants in the nearest enclosing call (or statement)."""
    if not ids:
        return []
    here = node
    while here in parent and not isinstance(here, (ast.Call, ast.stmt)):
        here = parent[here]
    if isinstance(here, ast.Call):
        values = list(here.args) + [k.value for k in here.keywords]
    else:
        values = [n for n in ast.walk(here)]
    return sorted({v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                   and v.value in ids})


def _all_uses(trees) -> dict:
    """Across every file: names assigned, names tested, string keys read, attributes read."""
    assigned, keys_read, attrs, whole = {}, set(), set(), set()
    for _, tree in trees:
        for parent in ast.walk(tree):  # names used as a whole (passed on, dumped, unpacked): keys read elsewhere
            for child in ast.iter_child_nodes(parent):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) \
                        and not (isinstance(parent, ast.Subscript) and parent.value is child) \
                        and not (isinstance(parent, ast.Attribute) and parent.value is child
                                 and parent.attr in KEY_READERS):
                    whole.add(child.id)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            assigned[n.id] = assigned.get(n.id, 0) + 1
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                    and isinstance(node.slice.value, str):
                keys_read.add(node.slice.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in KEY_READERS and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                keys_read.add(node.args[0].value)
            elif isinstance(node, ast.Attribute):
                attrs.add(node.attr)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                attrs.add(str(node.args[1].value))
    return {"assigned": assigned, "keys_read": keys_read, "attrs": attrs, "whole": whole}


def _scan_tree(name, tree, ids, ml_packages, uses, facts) -> None:
    parent, nodes = _parents(tree)
    ml_names = ml_imports(tree, ml_packages)
    consts = _path_constants(tree)
    numbers = _number_constants(tree)
    flow = _scores_assigned(nodes)
    paths_named = []  # string constants that look like artifact paths
    in_tests = bool(TEST_FILE.search(name.replace("\\", "/")))
    paths_used: set[str] = set()
    module_flags = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target, value = stmt.targets[0].id, stmt.value
            if isinstance(value, ast.Constant) and isinstance(value.value, bool) and target.isupper():
                module_flags[target] = (value.value, stmt.lineno)
            number = _number(value)
            if number is not None and THRESHOLD_NAMES.search(target):
                facts["thresholds"].append({"file": name, "line": stmt.lineno, "value": number,
                                            "how": f"{target} = {number:g}",
                                            "nodes": sorted(i for i in ids if i.lower() in target.lower())})
            if isinstance(value, ast.Dict) and CONFIG_NAMES.search(target) and target not in uses["whole"]:
                for k in value.keys:
                    if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value not in uses["keys_read"] \
                            and k.value not in uses["attrs"]:
                        facts["unread_config_keys"].append({"file": name, "line": k.lineno, "key": k.value,
                                                            "config": target})
    tested = {}
    for node in nodes:
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            for n in ast.walk(node.test):
                if isinstance(n, ast.Name) and n.id in module_flags:
                    tested.setdefault(n.id, node.lineno)
        elif isinstance(node, ast.Compare):
            if not in_tests and not _in_assert(node, parent):
                _comparison(name, node, parent, ids, flow, numbers, facts)
        elif isinstance(node, ast.Call):
            resolved = resolve_ml_name(node.func, ml_names) if ml_names else None
            for kw in node.keywords:
                value = _number(kw.value)
                if value is None or kw.arg is None:
                    continue
                if THRESHOLD_NAMES.search(kw.arg):
                    facts["thresholds"].append({"file": name, "line": kw.value.lineno, "value": value,
                                                "how": f"{kw.arg}={value:g}", "nodes": _nodes_named(kw, parent, ids)})
                elif resolved and kw.arg not in ("random_state", "seed", "n_jobs", "verbose"):
                    facts["hyperparameters"].append({"file": name, "line": kw.value.lineno, "call": resolved,
                                                     "name": kw.arg, "value": value})
            paths_used |= _dataset_call(name, node, facts, consts)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("--"):
                    dest = first.value[2:].replace("-", "_")
                    if dest not in uses["attrs"] and dest not in uses["keys_read"]:
                        facts["unread_options"].append({"file": name, "line": node.lineno, "option": first.value})
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _looks_like_artifact(node.value):
                paths_named.append(node)
            elif re.match(r"\s*(select|with)\b", node.value, re.I) and re.search(r"\bfrom\b", node.value, re.I):
                for table in SQL_TABLES.findall(node.value)[:50]:
                    facts["datasets"].append({"file": name, "line": node.lineno, "name": table, "op": "read"})
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for m in modules:
                if PROTOTYPE.search(m.lower()):
                    facts["prototype_imports"].append({"file": name, "line": node.lineno, "module": m})
    _artifact_mentions(name, paths_named, paths_used, facts)
    for flag, (value, line) in module_flags.items():
        if flag in tested and uses["assigned"].get(flag, 0) == 1:
            facts["dead_flags"].append({"file": name, "line": line, "name": flag, "value": value,
                                        "tested_at": tested[flag]})


def _comparison(name, node, parent, ids, flow, numbers, facts) -> None:
    """A number compared with a score is a threshold; with anything else, a magic number in a decision.

    ``numbers``: the module's constants that hold a number (``T = 0.7``); compared with a score,
    each is a threshold too (compared with anything else, a named number is not magic).
    """
    operands = [node.left, *node.comparators]
    for op, a, b in zip(node.ops, operands, operands[1:]):
        if not isinstance(op, ORDERING):
            continue
        for number_side, other in ((b, a), (a, b)):
            value, named = _number(number_side), False
            if value is None and isinstance(number_side, ast.Name) and number_side.id in numbers:
                value, named = numbers[number_side.id], True
            if value is None or _number(other) is not None or (isinstance(other, ast.Name) and other.id in numbers):
                continue
            if 0 < abs(value) < TOLERANCE:
                break
            if _score_like(other, *flow):
                if value not in (0, 1):
                    how = _snippet(node) + (f" ({number_side.id} = {value:g})" if named else "")
                    facts["thresholds"].append({"file": name, "line": node.lineno, "value": value,
                                                "how": how, "nodes": _nodes_named(node, parent, ids)})
            elif value not in NEUTRAL_NUMBERS and not named:
                facts["decisions"].append({"file": name, "line": node.lineno, "value": value, "how": _snippet(node)})
            break


def _in_assert(node, parent) -> bool:
    while node in parent and not isinstance(node, ast.stmt):
        node = parent[node]
    return isinstance(node, ast.Assert)


def _number_constants(tree) -> dict[str, float]:
    """Module-level names bound to a number once (``T_CONST = 0.7``), except those named as thresholds,
    which are reported where they are set."""
    found: dict[str, float] = {}
    bound: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target = stmt.targets[0].id
            bound[target] = bound.get(target, 0) + 1
            value = _number(stmt.value)
            if value is not None and not THRESHOLD_NAMES.search(target):
                found[target] = value
    return {k: v for k, v in found.items() if bound[k] == 1}


def _path_constants(tree) -> dict[str, str]:
    """Module-level names bound to a path: ``OUT = "work/x.csv"``, ``DATA = Path("data") / "y.parquet"``."""
    consts: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            text = _path_text(stmt.value, consts)
            if text is not None and len(targets) == 1 and isinstance(targets[0], ast.Name):
                consts[targets[0].id] = text
    return consts


def _path_text(node, consts, depth: int = 0) -> str | None:
    """The text of a path: a string, a module constant, ``Path(a, b)``, ``a / b``, ``os.path.join(a, b)``."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if len(node.value) <= 500 else None
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        parts = [_path_text(node.left, consts, depth + 1), _path_text(node.right, consts, depth + 1)]
    elif isinstance(node, ast.Call) and _called(node.func) in ("Path", "PurePath", "join") and node.args \
            and not node.keywords:
        parts = [_path_text(a, consts, depth + 1) for a in node.args]
    else:
        return None
    return "/".join(parts) if None not in parts else None


def _looks_like_artifact(text: str) -> bool:
    """Whether a string is a path to a data or model file, by its suffix.

    >>> _looks_like_artifact("work/x.parquet"), _looks_like_artifact("en_core_web_sm")
    (True, False)
    """
    return 0 < len(text) <= 300 and not any(c.isspace() for c in text) and text.lower().endswith(ARTIFACT_SUFFIXES)


def _dataset_call(name, node, facts, consts) -> set[str]:
    """Record a read or a write of a named file or table by this call; return the path it names."""
    func = node.func
    called = _called(func)
    candidates = list(node.args[:2]) + [k.value for k in node.keywords if k.arg in PATH_KEYWORDS]
    if called in ("read_text", "read_bytes", "write_text", "write_bytes") and isinstance(func, ast.Attribute):
        candidates = [func.value]  # Path("x.json").write_text(...)
    elif called in ("open", "table") or called in READ_CALLS or called in WRITE_CALLS:
        candidates = candidates[:1] if called in ("open", "table") else candidates
    else:
        return set()
    text = next((t for t in (_path_text(c, consts) for c in candidates) if t is not None), None)
    if text is None:
        return set()
    generic = called in ("load", "save", "dump", "savez", "savez_compressed", "read_text", "read_bytes",
                         "write_text", "write_bytes")
    if generic and not (_looks_like_artifact(text) or "/" in text):
        return set()  # spacy.load("en_core_web_sm"), yaml.dump("a: 1"): not a file
    if called == "open":
        mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
        mode = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        op = "write" if any(c in mode for c in "wax") else "read"
    elif called == "table":
        if not isinstance(func, ast.Attribute):
            return set()
        op = "read"
    else:
        op = "read" if called in READ_CALLS else "write"
    facts["datasets"].append({"file": name, "line": node.lineno, "name": text, "op": op})
    return {_path_key(text)}


def _artifact_mentions(name, paths_named, paths_used, facts) -> None:
    """Artifact paths named in a module but not read or written by a call it understands
    (``load_table("work/x.csv")``): a file another module may write, so still a coupling."""
    seen = set(paths_used)
    for node in paths_named:
        key = _path_key(node.value)
        if key not in seen:
            seen.add(key)
            facts["datasets"].append({"file": name, "line": node.lineno, "name": node.value, "op": "mention"})


def _mark_intermediate(datasets) -> None:
    written = {_path_key(d["name"]) for d in datasets if d["op"] == "write"}
    for d in datasets:
        d["intermediate"] = d["op"] != "write" and _path_key(d["name"]) in written


def _mark_undeclared(facts, system) -> None:
    from .system import resolve
    _mark_intermediate(facts["datasets"])
    for d in facts["datasets"]:
        d["node"] = resolve(system, d["name"]) if system is not None and system.nodes else None


def _snippet(node) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # unparse of odd trees: the line number is enough
        return "a comparison"
    return text if len(text) <= 80 else text[:77] + "..."
