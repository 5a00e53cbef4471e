"""The house stays tidy: ruff finds nothing, the type checker passes on the files pyproject.toml names, and the
runnable examples in the docstrings of the main public names give what they show."""
from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: Modules whose docstring examples are run: the package's front door, the declarations, the parameters, the
#: generator, the labs, pooling and a centre's summary.
DOCTEST_MODULES = ("dttstudy", "dttstudy.concepts", "dttstudy.parameters", "dttstudy.intake.synth",
                   "dttstudy.analysis.labs", "dttstudy.synthesis.meta.models", "dttstudy.synthesis.multicentre.export")


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(f"{tool} is not installed in {BIN}: run make env (it is pinned in requirements.lock)")
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    res = _run("ruff", "check", "--no-cache")
    assert res.returncode == 0, res.stdout + res.stderr


def test_type_checker_passes():
    res = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module} has no examples"
    assert result.failed == 0
