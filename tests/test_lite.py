"""Tests of `make lite`: the course as a static JupyterLite site, built with the network cut.

The site's Python (Pyodide) loads numpy, scikit-learn and the rest of its packages from Pyodide's CDN
at run time, and no registry we can reach ships those wheels, so no browser runs a lesson here. These
tests check everything up to that point: the build needs no network, the site holds every notebook,
its kernel, the widgets extension and the wheels piplite installs from the site alone, every runtime
dependency is either in Pyodide or served by the site, the course's wheel imports with no JupyterLab,
the notebooks install the course only in the browser, and an instructor's downloaded Pyodide replaces
the CDN.
"""

import ast
import asyncio
import builtins
import contextlib
import io
import json
import re
import subprocess
import sys
import tarfile
import types
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

# The Pyodide the kernel loads by default (its CDN URL is in the kernel's code; a test checks it), and
# the course's runtime dependencies that this Pyodide ships, read from its pyodide-lock.json. When the
# kernel moves to another Pyodide, the test fails: check its lock file again and update both.
PYODIDE_VERSION = "314.0.6"
IN_PYODIDE = {"numpy", "scipy", "scikit-learn", "matplotlib", "networkx", "pyyaml", "ipython", "traitlets"}

# The first code cell of every notebook starts with this block.
INSTALL_BLOCK = '''\
# In JupyterLite (Python in the browser), install the course first; elsewhere this does nothing.
import sys
if sys.platform == "emscripten":
    import piplite
    await piplite.install("mldebt-lessons")
'''

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(path: Path) -> dict[str, str]:
    """{'jupyterlite-core': '0.8.6', ...} from a requirements file of exact pins."""
    lines = [l.split("#", 1)[0].strip() for l in path.read_text(encoding="utf-8").splitlines()]
    return {normalise(l.split("==")[0]): l.split("==")[1] for l in lines if l}


# --- building with the network cut -----------------------------------------------------------------

def network_cut_works() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def make_lite_offline(out: Path, *variables: str) -> subprocess.CompletedProcess:
    """`make lite` in a network namespace of its own (no interface but loopback), set-up taken as done."""
    if not (VENV / ".lite-installed").is_file():
        pytest.skip("the site's build tools are not installed: `make test` installs them (or `make lite`)")
    if not network_cut_works():
        pytest.skip("`unshare -rn` cannot cut the network here, so the build cannot be shown to be offline")
    command = ["unshare", "-rn", "make", "--no-print-directory", "-o", ".venv/.installed",
               "-o", ".venv/.lite-installed", "lite", f"LITE_OUT={out}", *variables]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite") / "site"
    done = make_lite_offline(out)
    (out.parent / "build.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return out


def config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))["jupyter-config-data"]


def makefile_rules() -> dict[str, tuple[str, list[str]]]:
    """Each rule of the Makefile: target -> (its prerequisites, its recipe lines)."""
    rules, current = {}, None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([$(A-Za-z_.][\w.$()\-]*)\s*:(?!=)(.*)$", line)
        if match:
            current = match.group(1)
            rules[current] = (match.group(2).strip(), [])
        elif line.startswith("\t") and current:
            rules[current][1].append(line.strip())
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def test_a_learners_set_up_installs_no_lite_tools():
    """The site's build tools are an instructor's: `make lab` and `make setup` neither install nor download them;
    `make lite` and `make test` (whose tests build the site) do, once, under a stamp of their own."""
    rules = makefile_rules()
    setup_recipe = " ".join(rules["$(STAMP)"][1])
    assert "lite" not in setup_recipe and "lite" not in rules["$(STAMP)"][0]
    assert "LITE" not in rules["setup"][0] + rules["lab"][0]
    lite_recipe = " ".join(rules["$(LITE_STAMP)"][1])
    assert "lite/requirements.txt" in lite_recipe and "lite/wheels.txt" in lite_recipe
    assert "$(LITE_STAMP)" in rules["lite"][0].split() and "$(LITE_STAMP)" in rules["test"][0].split()
    assert "$(STAMP)" in rules["$(LITE_STAMP)"][0].split()  # and the course's own set-up comes first
    assert "setup" in rules["test"][0].split()


def test_the_build_sandbox_has_no_network():
    if not network_cut_works():
        pytest.skip("`unshare -rn` is not available here")
    code = "import socket; print(sorted(name for _, name in socket.if_nameindex()))"
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['lo']", done.stdout + done.stderr


def test_the_build_fetched_nothing(site):
    log = (site.parent / "build.log").read_text(encoding="utf-8")
    assert "fetch:" not in log, "the build tried to download something"
    assert re.search(r"^\S+\s+\S*site$", log, flags=re.M), "make lite reports the site's size (du -sh)"


def lists_of_lines(notebook: dict) -> list[str]:
    """Where a notebook stores a text as a list of lines (JupyterLite shows such outputs joined by commas)."""
    places = [f"cell {n} source" for n, c in enumerate(notebook["cells"]) if isinstance(c["source"], list)]
    for n, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            texts = [output.get("text"), *output.get("data", {}).values()]
            places += [f"cell {n} output" for text in texts if isinstance(text, list)]
    return places


def test_the_site_holds_every_notebook_with_each_text_as_one_string(site):
    nbformat = pytest.importorskip("nbformat")
    served = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (site / "files").glob("*.ipynb")}
    assert sorted(served) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        assert nbformat.from_dict(served[path.name]) == nbformat.read(path, as_version=4), path.name
        assert not lists_of_lines(served[path.name]), (path.name, lists_of_lines(served[path.name])[:3])
    assert lists_of_lines(json.loads(NOTEBOOKS[1].read_text(encoding="utf-8"))), "the check can see lists"
    listed = json.loads((site / "api" / "contents" / "all.json").read_text(encoding="utf-8"))["content"]
    assert sorted(item["name"] for item in listed if item["type"] == "notebook") == [p.name for p in NOTEBOOKS]


def test_the_site_has_the_pyodide_kernel_and_the_widgets_extension_at_the_pinned_versions(site):
    data = config(site)
    assert data["defaultKernelName"] == "python"
    loaded = {ext["name"] for ext in data["federated_extensions"]}
    assert loaded == {"@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"}
    tools, wheels = pinned(ROOT / "lite" / "requirements.txt"), pinned(ROOT / "lite" / "wheels.txt")
    versions = {name: json.loads((site / "extensions" / name / "package.json").read_text())["version"]
                for name in loaded}
    assert versions["@jupyterlite/pyodide-kernel-extension"] == tools["jupyterlite-pyodide-kernel"]
    assert tools["jupyterlite-core"] == tools["jupyterlite-pyodide-kernel"], "core and kernel move together"
    # The browser's widget manager is the one in the jupyterlab_widgets wheel the kernel installs.
    (widgets_wheel,) = (site / "pypi").glob(f"jupyterlab_widgets-{wheels['jupyterlab-widgets']}-*.whl")
    with zipfile.ZipFile(widgets_wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/jupyterlab-manager/package.json"))
        assert versions["@jupyter-widgets/jupyterlab-manager"] == json.loads(archive.read(name))["version"]
    assert data["appVersion"] == tools["jupyterlite-core"]


def test_the_site_has_no_source_maps(site):
    maps = [p for p in site.rglob("*.map")]
    assert not maps, maps[:5]


def test_piplite_installs_only_from_the_site(site):
    settings = config(site)["litePluginSettings"][KERNEL_PLUGIN]
    assert settings["disablePyPIFallback"] is True
    assert settings["pipliteUrls"] and all(url.startswith("./") for url in settings["pipliteUrls"])
    index = json.loads((site / "pypi" / "all.json").read_text(encoding="utf-8"))
    wheels = pinned(ROOT / "lite" / "wheels.txt")
    assert set(index) == {"mldebt-lessons", *wheels}
    for name, version in wheels.items():
        assert list(index[name]["releases"]) == [version]
    for releases in index.values():
        for files in releases["releases"].values():
            for file in files:
                assert (site / "pypi" / file["url"]).is_file(), file["url"]


def test_the_kernel_loads_pyodide_from_its_cdn_unless_told_otherwise(site):
    assert "pyodideUrl" not in config(site)["litePluginSettings"][KERNEL_PLUGIN]
    kernel_code = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                            for p in (site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static")
                            .glob("*.js"))
    assert f"/pyodide/v{PYODIDE_VERSION}/full/" in kernel_code, "the kernel now loads another Pyodide"


def course_wheel(site: Path) -> Path:
    (wheel,) = (site / "pypi").glob("mldebt_lessons-*.whl")
    return wheel


def wheel_requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]


def test_every_runtime_dependency_is_in_pyodide_or_served_by_the_site(site):
    served = {normalise(p.name.split("-")[0]): p for p in (site / "pypi").glob("*.whl")}
    served_by_kernel = json.loads((site / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static"
                                   / "pypi" / "all.json").read_text(encoding="utf-8"))
    available = IN_PYODIDE | set(served) | {normalise(n) for n in served_by_kernel}
    missing = []
    for wheel in served.values():  # the course and the wheels it brings, one level deep each
        for requirement in wheel_requirements(wheel):
            name = normalise(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))
            if name not in available:
                missing.append(f"{wheel.name} needs {name}")
    assert not missing, missing
    assert {normalise(re.match(r"[A-Za-z0-9_.\-]+", r).group(0)) for r in wheel_requirements(course_wheel(site))} \
        >= {"numpy", "scikit-learn", "ipywidgets"}


NOT_AT_RUN_TIME = ("jupyterlab", "jupyter_server", "notebook", "ipykernel", "jupyter_client", "nbformat",
                   "nbconvert", "nbclient", "pytest", "nbval", "hypothesis", "playwright")

IMPORT_FROM_THE_WHEEL = """
import importlib, importlib.abc, pkgutil, sys
sys.path.insert(0, WHEEL_DIR)  # ahead of the editable install
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not a runtime dependency")
sys.meta_path.insert(0, Refuse())
import mldebt_lessons
assert mldebt_lessons.__file__.startswith(WHEEL_DIR), mldebt_lessons.__file__
names = [m.name for m in pkgutil.walk_packages(mldebt_lessons.__path__, "mldebt_lessons.")]
for name in names:
    importlib.import_module(name)
from mldebt_lessons.lessons import get_lesson
from mldebt_lessons.lessons.entanglement_cace.claims import CLAIMS  # reads data shipped in the wheel
print(len(names), get_lesson("01").id, len(CLAIMS))
"""


def test_the_course_wheel_imports_every_module_with_no_jupyterlab(site, tmp_path):
    with zipfile.ZipFile(course_wheel(site)) as archive:
        archive.extractall(tmp_path)
    code = f"WHEEL_DIR = {str(tmp_path)!r}\nBLOCKED = {set(NOT_AT_RUN_TIME)!r}\n" + IMPORT_FROM_THE_WHEEL
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    modules, lesson, claims = done.stdout.split()
    assert int(modules) > 100 and lesson == "01" and int(claims) > 0


def test_the_course_wheel_ships_the_data_the_lessons_read(site):
    with zipfile.ZipFile(course_wheel(site)) as archive:
        names = archive.namelist()
    shipped = {Path(n).relative_to("mldebt_lessons").as_posix() for n in names if n.startswith("mldebt_lessons/")
               and not n.endswith(".py")}
    in_repo = {p.relative_to(ROOT / "mldebt_lessons").as_posix()
               for pattern in ("audit/*.json", "shop/config/*.yaml", "lessons/*/claims.json")
               for p in (ROOT / "mldebt_lessons").glob(pattern)}
    assert in_repo and in_repo <= shipped, sorted(in_repo - shipped)


def test_a_downloaded_pyodide_replaces_the_cdn(tmp_path):
    """What an instructor does for a room without internet: make lite PYODIDE=pyodide-X.tar.bz2."""
    release = tmp_path / "release" / "pyodide"
    release.mkdir(parents=True)
    (release / "pyodide.mjs").write_text("export const loadPyodide = () => null;\n")
    (release / "pyodide-lock.json").write_text(json.dumps({"info": {"version": PYODIDE_VERSION}, "packages": {}}))
    tarball = tmp_path / f"pyodide-{PYODIDE_VERSION}.tar.bz2"
    with tarfile.open(tarball, "w:bz2") as archive:
        archive.add(release, arcname="pyodide")
    site = tmp_path / "site"
    make_lite_offline(site, f"PYODIDE={tarball}")
    assert config(site)["litePluginSettings"][KERNEL_PLUGIN]["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert (site / "static" / "pyodide" / "pyodide-lock.json").is_file()


# --- the notebooks install the course in the browser, and only there ---------------------------------

def first_code_cell(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_starts_by_installing_the_course_in_the_browser(notebook):
    assert first_code_cell(notebook).startswith(INSTALL_BLOCK + "\n"), (
        f"{notebook.name}: its first code cell must start with the block in tests/test_lite.py (INSTALL_BLOCK)")


def run_install_block(platform: str) -> tuple[list[str], str]:
    """Run INSTALL_BLOCK as a notebook would (top-level await) on `platform`; return installs and output."""
    installs = []

    async def install(name):
        installs.append(name)

    fake_sys = types.SimpleNamespace(platform=platform)
    fake_piplite = types.SimpleNamespace(install=install)
    code = compile(INSTALL_BLOCK, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    modules = {"sys": fake_sys, "piplite": fake_piplite}

    def fake_import(name, *args, **kwargs):
        return modules[name]

    namespace = {"__builtins__": {**vars(builtins), "__import__": fake_import}}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = eval(code, namespace)
        if result is not None:
            asyncio.run(result)
    return installs, printed.getvalue()


def test_the_install_block_installs_the_course_under_pyodide_only_and_prints_nothing():
    assert run_install_block("emscripten") == (["mldebt-lessons"], "")
    assert run_install_block("linux") == ([], "")
    assert run_install_block("win32") == ([], "")


# --- copying the notebooks for the site ------------------------------------------------------------------

def run_join_lines(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "lite" / "join_lines.py"), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [(), ("only-one",), ("a", "b", "c")])
def test_join_lines_with_wrong_arguments_says_how_to_call_it(args):
    done = run_join_lines(*args)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "usage:" in done.stderr
    assert "Traceback" not in done.stderr


def test_join_lines_without_its_source_folder_says_so_in_one_line(tmp_path):
    done = run_join_lines(str(tmp_path / "missing"), str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no such folder" in done.stderr
    assert not (tmp_path / "out").exists()


def test_join_lines_stores_each_text_as_one_string(tmp_path):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a\nb"), nbformat.v4.new_code_cell("x = 1\ny")])
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in" / "x.ipynb")
    assert run_join_lines(str(tmp_path / "in"), str(tmp_path / "out")).returncode == 0
    cells = json.loads((tmp_path / "out" / "x.ipynb").read_text(encoding="utf-8"))["cells"]
    assert [c["source"] for c in cells] == ["a\nb", "x = 1\ny"]
