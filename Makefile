# Two commands do everything: `make lab` opens the course, `make test` runs every test.
# Both create .venv in this folder first (once; again only when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup lab test test-browser claims notebooks bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mldebt-lessons needs Python 3.10 or newer; $(PYTHON) is " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[lab,test]"
	@touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Two processes (-n 2), each taking whole groups of tests: a test file, a notebook, or one notebook's
# browser tests (see conftest.py).
test: setup
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

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
