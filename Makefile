# Two commands do everything: `make lab` opens the course, `make test` runs every test.
# Both create .venv in this folder first (once; again only when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The JupyterLite site's build tools and the wheels it serves (lite/requirements.txt, lite/wheels.txt): an
# instructor's tools, with a stamp of their own, so that a learner's `make lab` neither installs nor downloads them.
LITE_TOOLS  := $(VENV)/lite-tools
LITE_WHEELS := $(VENV)/lite-wheels
LITE_STAMP  := $(VENV)/.lite-installed

.PHONY: setup lab test test-browser claims notebooks bench handouts lite clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mldebt-lessons needs Python 3.10 or newer; $(PYTHON) is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[lab,test]"
	@touch $(STAMP)

# Only `make lite` and `make test` (tests/test_lite.py builds the site) need these.
$(LITE_STAMP): $(STAMP) lite/requirements.txt lite/wheels.txt
	rm -rf $(LITE_TOOLS) $(LITE_WHEELS)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --target $(LITE_TOOLS) -r lite/requirements.txt
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest $(LITE_WHEELS) -r lite/wheels.txt
	@touch $(LITE_STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Two processes (-n 2), each taking whole groups of tests: a test file, a notebook, or one notebook's
# browser tests (see conftest.py).
test: setup $(LITE_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Only the tests that drive every notebook in real JupyterLab in headless Chromium.
test-browser: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile tests/browser

# Re-measure every lesson's claims in the course's 20 worlds and save them beside each lesson
# (lessons/<slug>/claims.json), where its notebook reads them. Fails if a headline claim fails.
claims: setup
	$(BIN)/python -m mldebt_lessons claims --seeds 20 --save

# Re-execute every notebook in place, top to bottom, as strict nbval will compare them; the claims
# they show are re-measured first.
notebooks: setup claims
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.store_widget_state=False \
		--ExecutePreprocessor.record_timing=False \
		notebooks/*.ipynb

bench: setup
	$(BIN)/python benchmarks/bench_widgets.py
	$(BIN)/python benchmarks/bench_audit.py
	$(BIN)/python benchmarks/bench_lineage.py --events 200000

# One printable HTML page per lesson (graph, key points, tutor prompts) in build/handouts; open index.html.
handouts: setup
	$(BIN)/python -m mldebt_lessons handouts build/handouts

# The whole course as a static JupyterLite site in build/lite (Python runs in the browser; serve the
# folder with any web server). Built offline from what its set-up ($(LITE_STAMP)) fetched. At run time the browser
# loads Pyodide and its packages (numpy, scikit-learn...) from Pyodide's CDN, or from a downloaded
# Pyodide release: make lite PYODIDE=path/to/pyodide-314.0.6.tar.bz2 (see README).
# Every path is quoted (the checkout may sit in a folder with spaces). The build runs in $(LITE_WORK) (it
# keeps its task state, .jupyterlite.doit.db, in the folder it runs in), so the paths from the repository
# are given from its root ($$root, not make's $(abspath), which splits a path at its spaces).
from_root = $(if $(filter /%,$(1)),"$(1)","$$root/$(1)")
LITE_OUT ?= build/lite
LITE_WORK = $(LITE_OUT)-work
PYODIDE  ?=
lite: $(LITE_STAMP)
	rm -rf "$(LITE_WORK)" "$(LITE_OUT)"
	mkdir -p "$(LITE_WORK)"
	cp lite/jupyter-lite.json "$(LITE_WORK)/"
	"$(BIN)/python" lite/join_lines.py notebooks "$(LITE_WORK)/notebooks"
	PYTHONPATH="$(LITE_TOOLS)" "$(BIN)/python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation --no-index --wheel-dir "$(LITE_WORK)/wheels" .
	root="$$PWD" && set -- "$$root/$(LITE_WHEELS)"/jupyterlab_widgets-*.whl && cd "$(LITE_WORK)" && \
	PYTHONPATH="$$root/$(LITE_TOOLS)" "$$root/$(BIN)/python" -m jupyterlite_core build \
		--lite-dir . --output-dir $(call from_root,$(LITE_OUT)) --contents notebooks --apps lab \
		--no-sourcemaps --ignore-sys-prefix \
		--FederatedExtensionAddon.extra_labextensions_path="$$root/$(LITE_TOOLS)/share/jupyter/labextensions" \
		--LiteBuildConfig.federated_extensions="$$1" --piplite-wheels "$$root/$(LITE_WHEELS)" \
		--piplite-wheels wheels $(if $(PYODIDE),--pyodide $(call from_root,$(PYODIDE)))
	@du -sh "$(LITE_OUT)"

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
