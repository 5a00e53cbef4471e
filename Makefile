# dttstudy — everything runs from the pinned environment in .venv, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

export JUPYTER_PLATFORM_DIRS := 1

.PHONY: reproduce test consistency fuzz lab notebooks bench mutation env clean-env

reproduce: $(STAMP)  ## validate the data and regenerate every table and figure into reports/
	$(BIN)/dttstudy reproduce

test: $(STAMP)  ## unit tests and notebook validation
	$(BIN)/python -m pytest

consistency: $(STAMP)  ## every cohort x parameter cell of the report-consistency matrix (about 11 min)
	DTTSTUDY_MATRIX=all $(BIN)/python -m pytest tests/test_consistency.py -v

fuzz: $(STAMP)  ## the property-based tests with fresh random examples, 2,000 per property (slow; not in make test)
	DTTSTUDY_HYPOTHESIS=explore $(BIN)/python -m pytest tests/test_fuzz.py tests/test_properties.py

lab: $(STAMP)  ## JupyterLab on the notebooks, with dttstudy importable and the .venv kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks

notebooks: $(STAMP)  ## re-execute the committed notebooks on the reference cohort (outputs checked by nbval)
	$(BIN)/dttstudy execute-notebooks

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

bench: $(STAMP)  ## benchmarks (report overhead, scaling to 1M patients, import time) -> benchmarks/results.md
	$(BIN)/python benchmarks/run.py

MUTATION := .venv-mutation

mutation: ## mutation testing, scope by scope (benchmarks/mutation.py; hours; not in make test) -> benchmarks/mutation.md
	@test -x $(MUTATION)/bin/python || $(PYTHON) -m venv $(MUTATION)
	$(MUTATION)/bin/python -m pip --disable-pip-version-check --quiet install -r requirements.lock -r benchmarks/requirements-mutation.lock
	$(MUTATION)/bin/python -m pip --disable-pip-version-check --quiet install --no-deps --no-build-isolation -e .
	$(MUTATION)/bin/python benchmarks/mutation.py

clean-env:
	rm -rf $(VENV) $(MUTATION) .venv-vantage6 build/mutation
