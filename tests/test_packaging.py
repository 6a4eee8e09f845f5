"""Tests that the ways of installing and running the course agree with each other."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")


def normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def split_requirement(requirement: str) -> tuple[str, str]:
    """'scikit_learn >= 1.3' -> ('scikit-learn', '>=1.3'); constraints sorted so order does not matter."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)", requirement)
    name, spec = match.group(1), match.group(3).split(";")[0].replace(" ", "")
    return normalise(name), ",".join(sorted(p for p in spec.split(",") if p))


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in ("lab", "test"):
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    return dict(split_requirement(r) for r in requirements)


def environment_items(text: str) -> list[str]:
    """The list items under `dependencies:` in environment.yml, pip's nested ones included."""
    items, inside = [], False
    for line in text.splitlines():
        content = line.split("#", 1)[0].rstrip()
        if not content.strip():
            continue
        if not line.startswith(" ") and not line.startswith("-"):
            inside = content.startswith("dependencies:")
            continue
        if inside and content.strip().startswith("- "):
            items.append(content.strip()[2:].strip())
    return items


def environment_requirements(text: str) -> dict[str, str]:
    out = {}
    for item in environment_items(text):
        if item in ("pip", "pip:") or item.startswith("-"):  # pip itself, and "-e ." (the course)
            continue
        name, spec = split_requirement(item)
        if name == "python":
            continue
        out[name] = spec
    return out


# --- the parsers themselves --------------------------------------------------------------------

def test_the_environment_parser_reads_conda_items_and_pip_items_and_skips_the_rest():
    text = ("name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python>=3.10\n  - pip\n"
            "  - Scikit_Learn >=1.3  # comment\n  - numpy\n  - pip:\n      - -e .\n      - nbval>=0.11\n")
    assert environment_requirements(text) == {"scikit-learn": ">=1.3", "numpy": "", "nbval": ">=0.11"}


def test_split_requirement_normalises_names_and_orders_constraints():
    assert split_requirement("IPyWidgets <9, >=8") == split_requirement("ipywidgets>=8,<9")
    assert split_requirement("scikit_learn>=1.3") == ("scikit-learn", ">=1.3")


# --- pyproject.toml and environment.yml ----------------------------------------------------------

def test_environment_yml_and_pyproject_name_the_same_packages():
    env = environment_requirements((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = pyproject_requirements()
    assert set(env) == set(pip), {"only in environment.yml": set(env) - set(pip),
                                  "only in pyproject.toml": set(pip) - set(env)}
    assert {"numpy", "scikit-learn", "networkx", "ipywidgets", "pytest", "nbval"} <= set(pip)


def test_environment_yml_and_pyproject_pin_the_same_versions():
    env = environment_requirements((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = pyproject_requirements()
    assert {n: env.get(n) for n in pip} == pip


def test_environment_yml_installs_the_course_itself_and_a_new_enough_python():
    items = environment_items((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "-e ." in items
    python = next(i for i in items if i.startswith("python"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert python.replace(" ", "") == "python" + project["requires-python"].replace(" ", "")


# --- CI and the Makefile -------------------------------------------------------------------------

def test_ci_runs_make_test_like_a_contributor():
    script = ROOT / ".ci" / "run"
    commands = [l.strip() for l in script.read_text(encoding="utf-8").splitlines()
                if l.strip() and not l.strip().startswith("#")]
    assert "make test" in commands
    assert os.access(script, os.X_OK), ".ci/run must be executable"


def makefile_targets() -> dict[str, list[str]]:
    targets, current = {}, None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z_.][\w.\-]*)\s*:(?!=)(.*)$", line)
        if match:
            current = match.group(1)
            targets[current] = []
        elif line.startswith("\t") and current:
            targets[current].append(line.strip())
        elif line.strip() and not line.startswith("#"):
            current = None
    return targets


def test_the_makefile_has_the_documented_targets_and_declares_them_phony():
    targets = makefile_targets()
    for name in ("setup", "lab", "test", "notebooks", "bench"):
        assert name in targets, name
    phony = set(" ".join(targets.get(".PHONY", []) + [
        l.split(":", 1)[1] for l in (ROOT / "Makefile").read_text().splitlines() if l.startswith(".PHONY")]).split())
    assert {"setup", "lab", "test", "notebooks", "bench"} <= phony


def test_make_test_runs_pytest_in_the_course_environment():
    recipe = makefile_targets()["test"]
    assert any("pytest" in line for line in recipe)


def test_recipes_are_indented_with_tabs():
    for number, line in enumerate((ROOT / "Makefile").read_text(encoding="utf-8").splitlines(), 1):
        assert not re.match(r"^ +\S", line), f"Makefile line {number} is indented with spaces"


def test_files_the_makefile_runs_exist():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    paths = set(re.findall(r"((?:benchmarks|notebooks)/[\w\-]+\.(?:py|ipynb))", text))
    assert paths
    for path in paths:
        assert (ROOT / path).is_file(), path


# --- README ---------------------------------------------------------------------------------------

def readme_section(title_start: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)
    matches = [p for p in parts if p.startswith(title_start)]
    assert matches, f"README.md has no '## {title_start}...' section"
    return matches[0]


def test_readme_lists_every_dependency_with_a_reason():
    section = readme_section("Dependencies")
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and "`" in cells[0]:
            rows[normalise(re.search(r"`([^`]+)`", cells[0]).group(1))] = cells[1]
    for name in pyproject_requirements():
        assert name in rows, f"README.md does not list {name}"
        assert len(rows[name]) > 10, f"README.md gives no reason for {name}"


def test_readme_library_table_names_modules_and_functions_that_exist():
    import importlib
    section = readme_section("The library")
    missing = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or ".py" not in cells[0]:
            continue
        modules = []
        for name in re.findall(r"`([\w/]+?)(?:\.py)?/?`", cells[0]):
            path = ROOT / "mldebt_lessons" / name
            if not (path.with_suffix(".py").is_file() or path.is_dir()):
                missing.append(f"module {name}")
            else:
                modules.append(importlib.import_module(f"mldebt_lessons.{name}"))
        for function in re.findall(r"`([a-z_]\w*)(?:\([^`]*\))?`", cells[1]):
            if modules and not any(hasattr(m, function) for m in modules):
                missing.append(f"function {function}")
    assert not missing, f"README.md names what does not exist: {missing}"


# --- installing anywhere: the runtime dependencies are what the course imports -----------------------

NOT_AT_RUN_TIME = ("jupyterlab", "jupyter_server", "notebook", "tornado", "zmq", "ipykernel", "jupyter_client",
                   "nbformat", "nbconvert", "nbclient", "pytest", "nbval", "xdist", "hypothesis", "playwright")

IMPORT_EVERYTHING = """
import importlib, importlib.abc, pkgutil, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not a runtime dependency")
sys.meta_path.insert(0, Refuse())
import mldebt_lessons
names = [m.name for m in pkgutil.walk_packages(mldebt_lessons.__path__, "mldebt_lessons.")]
for name in names:
    importlib.import_module(name)
from mldebt_lessons.lessons.entanglement_cace.widget import CaceExplorer
CaceExplorer()  # a widget can be built with no kernel and no JupyterLab
print(len(names))
"""


def test_every_module_imports_with_the_runtime_dependencies_alone():
    import subprocess
    import sys
    code = f"BLOCKED = {set(NOT_AT_RUN_TIME)!r}\n" + IMPORT_EVERYTHING
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 100


def test_jupyterlab_is_an_extra_that_make_setup_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {split_requirement(r)[0] for r in project["dependencies"]}
    assert not runtime & {normalise(n) for n in NOT_AT_RUN_TIME}
    assert "jupyterlab" in {split_requirement(r)[0] for r in project["optional-dependencies"]["lab"]}
    assert '".[lab,test]"' in (ROOT / "Makefile").read_text(encoding="utf-8")


# --- Binder: a pinned, runtime-only environment that repo2docker reads ----------------------------

BINDER = ROOT / "binder"


def binder_items() -> list[str]:
    return environment_items((BINDER / "environment.yml").read_text(encoding="utf-8"))


def runtime_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(split_requirement(r) for r in project["dependencies"])


def test_binder_names_one_python_as_x_y_which_is_all_repo2docker_reads_and_the_course_supports_it():
    from packaging.specifiers import SpecifierSet
    pythons = [item.replace(" ", "") for item in binder_items() if re.match(r"python\b", item)]
    assert len(pythons) == 1 and re.fullmatch(r"python=3\.\d+", pythons[0]), (
        f"binder/environment.yml must name Python as python=X.Y, got {pythons}")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert SpecifierSet(project["requires-python"]).contains(pythons[0].split("=")[1] + ".0")


def test_binder_pins_exactly_the_runtime_dependencies_within_what_pyproject_allows():
    from packaging.specifiers import SpecifierSet
    binder, runtime = environment_requirements((BINDER / "environment.yml").read_text(encoding="utf-8")), \
        runtime_requirements()
    assert set(binder) == set(runtime), {"only in binder/": set(binder) - set(runtime),
                                         "missing from binder/": set(runtime) - set(binder)}
    for name, spec in binder.items():
        assert re.fullmatch(r"==\d[\w.]*", spec), f"binder/environment.yml: pin {name} with ==, not {spec!r}"
        assert SpecifierSet(runtime[name]).contains(spec[2:]), f"{name}{spec} is outside pyproject's {runtime[name]}"


def test_binder_leaves_out_the_test_tools():
    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]["test"]
    names = {split_requirement(r)[0] for r in test_extra}
    assert not names & set(environment_requirements((BINDER / "environment.yml").read_text(encoding="utf-8")))


def test_binder_installs_the_course_itself_without_dependencies_so_the_pins_hold():
    script = BINDER / "postBuild"
    commands = [l.strip() for l in script.read_text(encoding="utf-8").splitlines()
                if l.strip() and not l.strip().startswith("#")]
    assert any(re.fullmatch(r"python -m pip install --no-deps( --no-cache-dir)? \.", c) for c in commands), commands
    assert os.access(script, os.X_OK), "binder/postBuild must be executable"


def test_readme_has_a_binder_badge_and_the_launch_link_that_opens_the_first_notebook():
    section = readme_section("Workshops with nothing to install")
    assert "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org" in section
    assert "?labpath=notebooks%2F00_start_here.ipynb" in section
    assert (ROOT / "notebooks" / "00_start_here.ipynb").is_file()
