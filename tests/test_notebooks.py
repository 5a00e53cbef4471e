"""Notebooks: paired scripts in sync, clean metadata, Papermill runs from anywhere, nbval catches changes."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BIN = Path(sys.executable).parent


def cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_paired_script_is_in_sync(path):
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired py:percent script"
    assert cells(jupytext.read(path)) == cells(jupytext.read(script)), (
        f"{path.name} and {script.name} differ: run `jupytext --sync {script.relative_to(ROOT)}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_shape(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("data_path", "output_dir", "disease", "timepoints", "definition", "ci_method", "crp_uln"):
        assert f"{name} = " in tagged[0].source
    assert "report.params(" in nb.cells[nb.cells.index(tagged[0]) + 1].source
    assert any("NBVAL_CHECK_OUTPUT" in c.source for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_have_outputs_and_no_volatile_metadata(path):
    raw = json.loads(path.read_text())
    assert "papermill" not in raw["metadata"]
    for c in raw["cells"]:
        assert "papermill" not in c.get("metadata", {}) and "execution" not in c.get("metadata", {})
        if c["cell_type"] == "code":
            assert not any(o.get("name") == "stderr" for o in c.get("outputs", [])), f"stderr in {path.name}"
    assert any(c.get("outputs") for c in raw["cells"] if c["cell_type"] == "code")


def test_papermill_runs_a_notebook_from_any_directory(tmp_path):
    out = tmp_path / "out.ipynb"
    res = subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / "03_response.ipynb"), str(out),
                          "-p", "disease", "CD", "--log-level", "ERROR"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    text = out.read_text()
    assert "Clinical response, observed cases, month 3, all patients: 8/10" in text
    assert not (tmp_path / "tables").exists()  # output_dir None: display only


def _nbval(path: Path, cwd: Path):
    return subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
                           str(path)], cwd=cwd, capture_output=True, text=True)


def test_nbval_fails_when_a_response_threshold_changes(tmp_path):
    src = ROOT / "notebooks" / "03_response.ipynb"
    ok = tmp_path / "same.ipynb"
    shutil.copyfile(src, ok)
    assert _nbval(ok, tmp_path).returncode == 0
    nb = nbformat.read(src, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "crp_uln = 5.0" in params.source
    # CRP normalisation now needs CRP <= 1 mg/L: the baseline-HBI-4 patient stops responding (14/17 at month 3)
    params.source = params.source.replace("crp_uln = 5.0", "crp_uln = 1.0")
    changed = tmp_path / "changed.ipynb"
    nbformat.write(nb, changed)
    res = _nbval(changed, tmp_path)
    assert res.returncode != 0
    assert "14/17" in res.stdout
