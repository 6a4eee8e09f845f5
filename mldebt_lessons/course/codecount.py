"""How much of a system is ML code? Count it by parsing the source, never by running it.

The paper's headline figure: in a real ML system only a small fraction of the code is
machine learning; the rest is glue, plumbing and configuration. This module measures that
on Python source. A line of code is an *ML line* when its statement uses a name imported
from an ML library (scikit-learn by default); every other line of code is *other*.

Example
-------
>>> share = count_source('''
... from sklearn.linear_model import Ridge
... rows = [[1.0], [2.0], [3.0]]
... targets = [1.0, 2.0, 3.0]
... model = Ridge().fit(rows, targets)
... ''')
>>> share.ml_lines, share.other_lines, share.ml_calls
(2, 2, ('Ridge',))
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mldebt_lessons.errors import CourseInputError

# Larkspur's own system: the feature layer, the models, the pipeline that assembles them and the
# dependency metadata. Left out: data.py (the simulator that stands in for the shop's databases)
# and the course's experiment harnesses (cace.py, cascade.py, ...), which a real shop would not run.
TOY_WORLD_MODULES = ("mldebt_lessons.shop.features", "mldebt_lessons.shop.models", "mldebt_lessons.shop.world",
                     "mldebt_lessons.shop.graph")

# Fields of a compound statement that hold its inner statements, not its header.
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


@dataclass(frozen=True)
class CodeShare:
    """Lines of code that use the ML library, lines that do not, and the ML callables used.

    >>> share = CodeShare(ml_lines=3, other_lines=9, ml_calls=("Ridge",))
    >>> share.total_lines, share.ml_share
    (12, 0.25)
    """

    ml_lines: int
    other_lines: int
    ml_calls: tuple[str, ...]

    @property
    def total_lines(self) -> int:
        return self.ml_lines + self.other_lines

    @property
    def ml_share(self) -> float:
        """The ML lines as a fraction of all lines of code; 0 when there are none."""
        return self.ml_lines / self.total_lines if self.total_lines else 0.0


def count_source(source: str, ml_packages: Iterable[str] = ("sklearn",),
                 filename: str = "<source>") -> CodeShare:
    """Count the ML and other lines of code in ``source``, which is parsed, not run.

    Blank lines, comments and docstrings are not code. Each remaining line goes with the
    innermost statement it belongs to (for ``def``, ``for``, ``if`` ... only the header line);
    it is an ML line if that statement uses a name imported from one of ``ml_packages``.

    >>> count_source("import sklearn\\n\\n# a comment\\nx = 1\\nm = sklearn.svm.SVC()\\n")
    CodeShare(ml_lines=2, other_lines=1, ml_calls=('sklearn.svm.SVC',))
    """
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError) as err:  # ValueError: a null byte in the source
        where = f"{filename} line {err.lineno}" if getattr(err, "lineno", None) else filename
        message = " ".join(str(getattr(err, "msg", err)).split())
        raise CourseInputError(f"cannot parse {where}: {message}") from None

    ml_packages = tuple(ml_packages)
    ml_names = ml_imports(tree, ml_packages)
    text_lines = source.splitlines()
    code_lines = set()
    for stmt in tree.body:
        code_lines |= {n for n in _span(stmt) if _is_code(text_lines[n - 1])}
    code_lines -= _docstring_lines(tree)

    ml_lines = set()
    for part in ast.walk(tree):
        if isinstance(part, (ast.stmt, ast.excepthandler, ast.match_case)):
            if _imports_ml(part, ml_packages) or any(
                    resolve_ml_name(node, ml_names) for node in _header_nodes(part)):
                ml_lines |= set(_header_span(part))
    ml_lines &= code_lines

    ml_calls = {resolve_ml_name(node.func, ml_names) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    ml_calls.discard(None)
    return CodeShare(len(ml_lines), len(code_lines - ml_lines), tuple(sorted(ml_calls)))


def count_files(paths: Iterable[str | Path], ml_packages: Iterable[str] = ("sklearn",)) -> CodeShare:
    """Count every file in ``paths`` (read as UTF-8) and add the counts up.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "train.py"
    ...     _ = path.write_text("from sklearn.svm import SVC\\nmodel = SVC()\\nprint(model)\\n")
    ...     count_files([path, path])
    CodeShare(ml_lines=4, other_lines=2, ml_calls=('SVC',))
    """
    ml_packages = tuple(ml_packages)
    shares = [count_source(Path(p).read_text(encoding="utf-8"), ml_packages, filename=str(p))
              for p in paths]
    return CodeShare(ml_lines=sum(s.ml_lines for s in shares),
                     other_lines=sum(s.other_lines for s in shares),
                     ml_calls=tuple(sorted({call for s in shares for call in s.ml_calls})))


def count_package_modules(module_names: Iterable[str],
                          ml_packages: Iterable[str] = ("sklearn",)) -> CodeShare:
    """Count the source files of importable modules, found without running them.

    >>> count_package_modules(["mldebt_lessons.errors"]).ml_lines
    0
    """
    paths = []
    for name in module_names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            raise CourseInputError(f"cannot find the Python source of module '{name}'")
        paths.append(spec.origin)
    return count_files(paths, ml_packages)


def toy_world_code_share() -> CodeShare:
    """How much of the toy world's own system code is ML code.

    >>> share = toy_world_code_share()
    >>> 0 < share.ml_lines < share.other_lines
    True
    """
    return count_package_modules(TOY_WORLD_MODULES)


def code_share_text(share: CodeShare, where: str = "Larkspur's system",
                    library: str = "scikit-learn") -> str:
    """Say what ``share`` means, in a sentence for a notebook.

    >>> code_share_text(CodeShare(ml_lines=3, other_lines=37, ml_calls=("Ridge",)))
    "Of 40 lines of code in Larkspur's system, 3 (7.5%) use the ML library (scikit-learn: Ridge); \
the other 37 (92.5%) are feature plumbing, pipeline assembly, glue and configuration."
    """
    if share.total_lines == 0:
        return f"There are no lines of code in {where}."
    ml_percent = round(100 * share.ml_share, 1)
    shown = share.ml_calls if len(share.ml_calls) <= 6 else share.ml_calls[:5] + ("...",)
    calls = f" ({library}: {', '.join(shown)})" if shown else ""
    return (f"Of {share.total_lines} lines of code in {where}, {share.ml_lines} ({ml_percent:.1f}%) "
            f"use the ML library{calls}; the other {share.other_lines} ({100 - ml_percent:.1f}%) "
            "are feature plumbing, pipeline assembly, glue and configuration.")


# --- helpers: what a statement imports, spans and uses -------------------------------------


def ml_imports(tree: ast.AST, ml_packages: tuple[str, ...]) -> dict[str, str]:
    """Each local name bound by an import from an ML package, and the dotted name it stands for.

    ``import sklearn.svm as s`` gives ``{'s': 'sklearn.svm'}``; ``from sklearn.svm import SVC
    as C`` gives ``{'C': 'SVC'}``, so calls are reported the way the library spells them.
    """
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _in_packages(alias.name, ml_packages):
                    local = alias.asname or alias.name.split(".")[0]
                    names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and _imports_ml(node, ml_packages):
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = alias.name
    return names


def _in_packages(module: str, packages: tuple[str, ...]) -> bool:
    """Whether ``module`` is one of ``packages`` or inside one of them."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _imports_ml(statement: ast.AST, ml_packages: tuple[str, ...]) -> bool:
    """Whether ``statement`` imports from an ML package (relative imports never do)."""
    if isinstance(statement, ast.Import):
        return any(_in_packages(alias.name, ml_packages) for alias in statement.names)
    if isinstance(statement, ast.ImportFrom):
        return statement.level == 0 and _in_packages(statement.module or "", ml_packages)
    return False


def resolve_ml_name(node: ast.AST, ml_names: dict[str, str]) -> str | None:
    """The ML dotted name that ``node`` (a name or an attribute chain) refers to, else None."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in ml_names:
        return ".".join([ml_names[node.id], *attributes])
    return None


def _header_nodes(part: ast.AST) -> Iterable[ast.AST]:
    """Every node of ``part`` outside its inner statements: a whole simple statement, or a header."""
    for field, value in ast.iter_fields(part):
        if field not in _BODY_FIELDS:
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    yield from ast.walk(child)


def _first_line(node: ast.AST) -> int:
    """The first line of a statement, its decorators included."""
    if isinstance(node, ast.match_case):  # a case clause has no line number of its own
        return node.pattern.lineno
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _span(node: ast.AST) -> range:
    """All physical lines of a statement."""
    return range(_first_line(node), node.end_lineno + 1)


def _header_span(part: ast.AST) -> range:
    """The lines a statement owns itself: all of a simple one, the header of a compound one."""
    body = getattr(part, "body", None) or getattr(part, "cases", None)  # `match` has cases
    if not isinstance(body, list):
        return _span(part)
    return range(_first_line(part), max(_first_line(part), _first_line(body[0]) - 1) + 1)


def _is_code(line: str) -> bool:
    """Whether a physical line holds code: it is neither blank nor only a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _docstring_lines(tree: ast.Module) -> set[int]:
    """The lines of module, class and function docstrings."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                lines |= set(_span(first))
    return lines
