"""Read a Python code base for debt, by parsing it with :mod:`ast`: nothing is imported or run.

What it finds, as plain facts for the detectors:

* the share of lines that call an ML library, against glue (counted by
  :func:`mldebt_lessons.course.codecount.count_source`);
* hard-coded thresholds: a number compared with something score-like (``predict_proba(...)``,
  a name with score, prob, similarity ...), a ``threshold=0.7`` argument, ``CUTOFF = 0.7``;
* hyper-parameters typed into calls of the ML library (``Ridge(alpha=30.0)``);
* dead experimental codepaths: a module-level flag (``USE_NEW_RANKER = False``) that is tested
  in an ``if`` but never assigned anywhere else, config keys and command-line options that are
  defined but never read (a config used as a whole, passed on or dumped, is not counted);
* datasets read and written (``pd.read_csv("orders.csv")``, ``open(...)``, ``FROM table`` in
  SQL text), to compare with what the manifest declares, and intermediate files (written by one
  step, read by another);
* imports from prototypes (modules named prototype, scratch, sandbox, notebook ...);
* the languages of the code base, by file extension.

Files that cannot be parsed are skipped and listed; nothing in them is run.

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
"""

from __future__ import annotations

import ast
import os
import re
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

SCORE_WORDS = re.compile(r"score|prob|proba|similarit|confidence|logit|likelihood|distance|relevance",
                         re.I)
SCORE_CALLS = {"predict_proba", "predict", "decision_function", "predict_score", "predict_log_proba",
               "cosine_similarity", "similarity", "score_samples"}
THRESHOLD_NAMES = re.compile(r"thresh|cutoff|cut_off", re.I)
CONFIG_NAMES = re.compile(r"config|settings|params|flags|options|conf$", re.I)
PROTOTYPE = re.compile(r"(^|[._])(prototypes?|scratch|sandbox|playground|notebooks|experiments)([._]|$)")
READ_CALLS = {"read_csv", "read_parquet", "read_json", "read_table", "read_excel", "read_feather",
              "read_pickle", "read_sql_table", "load_dataset", "loadtxt", "genfromtxt", "read_orc"}
WRITE_CALLS = {"to_csv", "to_parquet", "to_json", "to_pickle", "to_feather", "to_excel", "to_sql",
               "savetxt", "to_orc"}
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
            files.append((shown, p.read_bytes().decode("utf-8")))
        except UnicodeDecodeError:
            skipped.append({"file": shown, "reason": "not UTF-8 text"})
        except OSError as err:
            skipped.append({"file": shown, "reason": f"cannot read it ({err.strerror or err})"})
    facts = scan_sources(files, system, ml_packages, where=str(folder))
    facts["skipped"] = skipped + facts["skipped"]
    facts["languages"] = languages
    return facts


def scan_sources(files: list[tuple[str, str]], system=None, ml_packages=ML_PACKAGES,
                 where: str = "the code") -> dict:
    """Scan (name, source text) pairs; see the module docstring for what is found."""
    ml_packages = tuple(ml_packages)
    facts = {"where": where, "files": 0, "languages": {"python": len(files)} if files else {},
             "ml_lines": 0, "other_lines": 0, "ml_calls": [], "thresholds": [], "hyperparameters": [],
             "dead_flags": [], "unread_config_keys": [], "unread_options": [], "datasets": [],
             "prototype_imports": [], "skipped": []}
    trees = []
    for name, text in files:
        try:
            tree = ast.parse(text, filename=name)
            share = count_source(text, ml_packages, filename=name)
        except (SyntaxError, ValueError, CourseInputError) as err:
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
    return facts


def _parents(tree) -> dict:
    parent = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    return parent


def _number(node) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return -value if value is not None else None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _identifiers(node) -> list[str]:
    out = []
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            out.append(part.id)
        elif isinstance(part, ast.Attribute):
            out.append(part.attr)
    return out


def _score_like(node) -> bool:
    for part in ast.walk(node):
        if isinstance(part, ast.Call):
            func = part.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in SCORE_CALLS:
                return True
    return any(SCORE_WORDS.search(i) for i in _identifiers(node))


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
    parent = _parents(tree)
    ml_names = ml_imports(tree, ml_packages)
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
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.IfExp, ast.While)):
            for n in ast.walk(node.test):
                if isinstance(n, ast.Name) and n.id in module_flags:
                    tested.setdefault(n.id, node.lineno)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 \
                and isinstance(node.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE)):
            left, right = node.left, node.comparators[0]
            for number_side, other in ((right, left), (left, right)):
                value = _number(number_side)
                if value is not None and value not in (0, 1) and _score_like(other):
                    facts["thresholds"].append({"file": name, "line": node.lineno, "value": value,
                                                "how": _snippet(node), "nodes": _nodes_named(node, parent, ids)})
                    break
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
            _dataset_call(name, node, facts)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("--"):
                    dest = first.value[2:].replace("-", "_")
                    if dest not in uses["attrs"] and dest not in uses["keys_read"]:
                        facts["unread_options"].append({"file": name, "line": node.lineno, "option": first.value})
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.match(r"\s*(select|with)\b", node.value, re.I) and re.search(r"\bfrom\b", node.value, re.I):
            for table in SQL_TABLES.findall(node.value)[:50]:
                facts["datasets"].append({"file": name, "line": node.lineno, "name": table, "op": "read"})
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for m in modules:
                if PROTOTYPE.search(m.lower()):
                    facts["prototype_imports"].append({"file": name, "line": node.lineno, "module": m})
    for flag, (value, line) in module_flags.items():
        if flag in tested and uses["assigned"].get(flag, 0) == 1:
            facts["dead_flags"].append({"file": name, "line": line, "name": flag, "value": value,
                                        "tested_at": tested[flag]})


def _dataset_call(name, node, facts) -> None:
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    first = node.args[0] if node.args else None
    text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if text is None or len(text) > 500:
        return
    op = None
    if called in READ_CALLS:
        op = "read"
    elif called in WRITE_CALLS:
        op = "write"
    elif called == "open":
        mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
        mode = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
        op = "write" if any(c in mode for c in "wax") else "read"
    elif called == "table" and isinstance(func, ast.Attribute):
        op = "read"
    if op:
        facts["datasets"].append({"file": name, "line": node.lineno, "name": text, "op": op})


def _mark_undeclared(facts, system) -> None:
    from .system import resolve
    written = {d["name"] for d in facts["datasets"] if d["op"] == "write"}
    for d in facts["datasets"]:
        d["intermediate"] = d["op"] == "read" and d["name"] in written
        d["node"] = resolve(system, d["name"]) if system is not None and system.nodes else None


def _snippet(node) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # unparse of odd trees: the line number is enough
        return "a comparison"
    return text if len(text) <= 80 else text[:77] + "..."
