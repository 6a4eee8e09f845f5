"""The package's layout: one folder per lesson, the shop and the course machinery apart, no import circles.

Imports are read with ``ast``, lazy ones (inside functions) included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import mldebt_lessons

PACKAGE = Path(mldebt_lessons.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in the file (by name in a string too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)  # a module named in a string: imported with importlib, as the registry does
    return {m for m in found if m in known and m != name}


def import_graph() -> nx.DiGraph:
    known = modules()
    g = nx.DiGraph()
    for name, path in known.items():
        g.add_node(name)
        g.add_edges_from((name, other) for other in imported(path, known))
    return g


def test_no_import_circles_even_lazy_ones():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import circles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def test_the_shop_and_the_course_never_import_a_lesson():
    g = import_graph()
    for name in g:
        if name.startswith(("mldebt_lessons.shop", "mldebt_lessons.course", "mldebt_lessons.audit")):
            bad = [m for m in g.successors(name) if m.startswith("mldebt_lessons.lessons")]
            assert not bad, f"{name} imports {bad}: lessons import the shop and the course, not the other way"


def test_the_shop_imports_only_the_shop():
    g = import_graph()
    for name in g:
        if name.startswith("mldebt_lessons.shop"):
            bad = [m for m in g.successors(name)
                   if not m.startswith("mldebt_lessons.shop") and m != "mldebt_lessons.errors"]
            assert not bad, f"{name} imports {bad}"


def test_one_folder_per_lesson_and_no_flat_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py"], top
    from mldebt_lessons.lessons import LESSONS
    for lesson in LESSONS.values():
        folder = PACKAGE / "lessons" / lesson.slug
        assert (folder / "lesson.py").exists(), folder
        assert (folder / "claims.py").exists(), f"lesson {lesson.id} declares no claims in {folder}"
