# dttstudy — everything runs from the pinned environment in .venv, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: reproduce test lab bench env clean-env

reproduce: $(STAMP)  ## validate the data and regenerate every table and figure into reports/
	$(BIN)/dttstudy reproduce

test: $(STAMP)  ## unit tests and notebook validation
	$(BIN)/python -m pytest

lab: $(STAMP)  ## JupyterLab on the notebooks, with dttstudy importable
	$(BIN)/jupyter lab --notebook-dir=notebooks

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

clean-env:
	rm -rf $(VENV)
