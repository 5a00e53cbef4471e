"""`dttstudy reproduce`: validation first, atomic output, deterministic tables, other cohorts."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import pandas as pd
import pytest

from dttstudy.reporting.report_folder import NotebooksFailed

from conftest import REFERENCE, ROOT, write_cohort


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dttstudy.cli", "reproduce", *args], capture_output=True,
                          text=True, cwd=cwd)


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(fresh_report):
    return fresh_report


def test_report_layout(fresh):
    for part in ("index.html", "provenance.json", "tables/tables.xlsx", "tables/table1_baseline.csv",
                 "tables/table1_baseline.tex", "tables/table1_baseline.md", "figures/swimmer.png",
                 "figures/swimmer.svg", "figures/km_time_to_first_ae.png", "html/05_safety.html",
                 "notebooks/06_reproduction.ipynb"):
        assert (fresh / part).is_file(), part
    index = (fresh / "index.html").read_text()
    assert "RECONSTRUCTED" in index and "15/17" in index
    html = (fresh / "html" / "01_cohort.html").read_text()
    assert "report.params(" not in html  # code cells left out


def test_committed_report_matches_a_fresh_run(fresh):
    """Every file of the committed report, provenance and pages included, equals a fresh run's: `make reproduce`
    on a fresh clone leaves `git status` clean (the cache file is ignored by git).

    This checks that the committed report is *current*, not that it is right (correctness comes from the
    independent tests). It holds on any CPU because every byte is CPU-independent (README, "The same bytes on
    every machine"; tests/test_same_bytes.py runs the report under other SIMD and OpenBLAS kernels)."""
    committed = ROOT / "reports"
    skip = {".dttstudy-cache.json"}
    a = {k: v for k, v in digest(committed).items() if k not in skip}
    b = {k: v for k, v in digest(fresh).items() if k not in skip}
    assert sorted(a) == sorted(b), "reports/ has other files than a fresh run: run `make reproduce` and commit"
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"{differ[:5]} differ from a fresh run: run `make reproduce` and commit"


def test_provenance(fresh):
    import json

    prov = json.loads((fresh / "provenance.json").read_text())
    for f in ("patients.csv", "visits.csv"):
        assert prov["data"]["sha256"][f] == hashlib.sha256((REFERENCE / f).read_bytes()).hexdigest()
    assert prov["versions"]["pandas"] == pd.__version__
    assert prov["parameters"]["crp_uln"] == 5.0
    from dttstudy.reporting.pipeline import package_sha256

    assert prov["package"]["source_sha256"] == package_sha256()
    assert "git" not in prov  # identified by content: a fresh clone regenerates the committed file


def test_invalid_data_runs_nothing(tmp_path, minimal_tables):
    minimal_tables["visits"][0]["partial_mayo"] = "12"
    data = write_cohort(tmp_path / "bad", minimal_tables)
    out = tmp_path / "out"
    res = run("--data", str(data), "--out", str(out))
    assert res.returncode == 1
    assert "visits.csv, row 2, column 'partial_mayo'" in res.stdout
    assert not out.exists()
    assert "Traceback" not in res.stdout + res.stderr


def test_failing_notebook_keeps_the_previous_report(tmp_path, monkeypatch):
    import json
    import shutil

    from dttstudy.reporting import pipeline
    from dttstudy.reporting.outputs import MANIFEST

    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = json.loads((ROOT / "notebooks" / "06_reproduction.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "id": "boom", "metadata": {}, "execution_count": None, "outputs": [],
                        "source": "raise RuntimeError('deliberate failure')"})
    (nbdir / "06_reproduction.ipynb").write_text(json.dumps(nb))
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", nbdir)
    out = tmp_path / "reports"
    out.mkdir()
    (out / "marker.txt").write_text("previous report")
    (out / MANIFEST).write_text(json.dumps({"written_by": "dttstudy", "files": ["marker.txt"]}))
    said = []
    with pytest.raises(NotebooksFailed) as failure:
        pipeline.reproduce(None, out, 1, echo=said.append)
    assert failure.value.exit_code == 1
    text = "\n".join(said) + "\n" + str(failure.value)
    assert "failed at cell" in text and "deliberate failure" in text and "06_reproduction.ipynb" in text
    assert (out / "marker.txt").read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "reports"]  # no temporary folder left
    shutil.rmtree(nbdir)


def test_bad_parameter_is_a_usage_error(tmp_path):
    res = run("--out", str(tmp_path / "o"), "-p", "disease=IBD")
    assert res.returncode == 2 and "disease must be one of all, UC, CD" in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_uc_only_cohort_in_a_workbook(tmp_path):
    tables = {n: pd.read_csv(REFERENCE / f"{n}.csv", dtype=str, keep_default_na=False)
              for n in ("patients", "treatments", "visits", "adverse_events")}
    uc = set(tables["patients"].loc[tables["patients"]["disease"] == "UC", "patient_id"])
    wb = tmp_path / "uc_centre.xlsx"
    tables["patients"]["remarks"] = "SECRET-FREE-TEXT-42"   # an unknown free-text column
    with pd.ExcelWriter(wb) as xw:
        for n, df in tables.items():
            df[df["patient_id"].isin(uc)].to_excel(xw, sheet_name=n, index=False)
    out = tmp_path / "uc_report"
    res = run("--data", str(wb), "--out", str(out), "--jobs", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    rates = pd.read_csv(out / "tables" / "clinical_response_rates.csv")
    first = rates[(rates["group"] == "All") & (rates["analysis_set"] == "observed")].iloc[0]
    assert (first["n"], first["N"]) == (7, 7)
    assert "RECONSTRUCTED" not in (out / "index.html").read_text()
    assert "unknown column" in res.stdout and "remarks" in res.stdout
    for f in out.rglob("*"):
        if f.is_file() and f.suffix != ".xlsx":
            assert "SECRET-FREE-TEXT-42" not in f.read_text(errors="ignore"), f"free text leaked into {f}"
    import zipfile

    with zipfile.ZipFile(out / "tables" / "tables.xlsx") as z:
        assert not any(b"SECRET-FREE-TEXT-42" in z.read(n) for n in z.namelist())


def test_incremental_rerun(tmp_path, monkeypatch):
    """Unchanged inputs: nothing runs. A changed notebook: only it runs, the rest is carried over unchanged."""
    import shutil

    from dttstudy.reporting import pipeline

    nbdir = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", nbdir)
    keep = {"01_cohort", "04_labs"}
    for f in nbdir.glob("*.ipynb"):
        if f.stem not in keep:
            f.unlink()
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", nbdir)
    out, said = tmp_path / "rep", []
    assert pipeline.reproduce(None, out, 2, echo=said.append) == out
    before = digest(out)
    said.clear()
    assert pipeline.reproduce(None, out, 2, echo=said.append) == out
    assert any("up to date" in s for s in said) and digest(out) == before
    # the up-to-date path in a fresh interpreter loads none of the analysis and drawing libraries
    script = ("import sys; from pathlib import Path; from dttstudy.reporting import pipeline; "
              f"pipeline.NOTEBOOK_DIR = Path({str(nbdir)!r}); said = []; "
              f"pipeline.reproduce(None, Path({str(out)!r}), 2, echo=said.append); "
              "assert any('up to date' in s for s in said), said; "
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'matplotlib', 'statsmodels', "
              "'lifelines', 'great_tables', 'docx', 'openpyxl', 'pandera', 'papermill'}))")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"

    nb = nbdir / "04_labs.ipynb"
    nb.write_text(nb.read_text().replace("Laboratory response", "Laboratory response (edited)"))
    said.clear()
    assert pipeline.reproduce(None, out, 2, echo=said.append) == out
    assert any("Running 1 of 2 notebooks" in s for s in said)
    after = digest(out)
    assert after["notebooks/01_cohort.ipynb"] == before["notebooks/01_cohort.ipynb"]
    assert after["notebooks/04_labs.ipynb"] != before["notebooks/04_labs.ipynb"]
    assert {k: v for k, v in after.items() if k.startswith(("tables/", "figures/"))} == \
        {k: v for k, v in before.items() if k.startswith(("tables/", "figures/"))}

    said.clear()
    assert pipeline.reproduce(None, out, 2, parameters={"crp_uln": 10}, echo=said.append) == out
    assert any("Running 2 of 2" in s for s in said)
    said.clear()
    assert pipeline.reproduce(None, out, 2, parameters={"crp_uln": 10}, force=True, echo=said.append) == out
    assert any("Running 2 of 2" in s for s in said)


def test_stream_chunks_are_joined_so_executed_notebooks_are_deterministic():
    import nbformat

    from dttstudy.reporting.pipeline import strip_volatile

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('a'); print('b')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="b\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="w\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="c\n")]
    nb.cells = [cell]
    strip_volatile(nb)
    assert [(o["name"], o["text"]) for o in nb.cells[0].outputs] == [("stdout", "a\nb\n"), ("stderr", "w\n"),
                                                                     ("stdout", "c\n")]
