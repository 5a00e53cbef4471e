"""The bad-input corpus (tests/bad_inputs, written by make_corpus.py): every malformed cohort is rejected by
`dttstudy validate` and `dttstudy reproduce` with exit 1, a message naming file, row and column, no traceback,
no output written and the input left as it was; every unambiguous spelling is read (exit 0) with a NOTE naming
file, row and column, and gives exactly the analysis of its clean twin."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dttstudy.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def expected(case: Path) -> dict:
    return json.loads((case / "expected.json").read_text())


def data_path(case: Path) -> Path:
    e = expected(case)
    return case / e["path"] if "path" in e else case


def hashes(case: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in case.iterdir()}


def test_corpus_is_large_enough():
    assert len(CASES) >= 120
    assert sum(expected(c)["exit"] == 1 for c in CASES) >= 60
    assert sum("clean" in expected(c) for c in CASES) >= 40


FORGIVING = [c for c in CASES if "clean" in expected(c)]


@pytest.mark.parametrize("case", FORGIVING, ids=[c.name for c in FORGIVING])
def test_forgiving_case_gives_the_analysis_of_its_clean_twin(case, tmp_path):
    """The normalised file and the clean file give identical tables, response rates and Table 1."""
    import copy

    import pandas as pd

    import dttstudy
    from conftest import MINIMAL, write_cohort

    e = expected(case)
    tables = copy.deepcopy(MINIMAL)
    for table, row, column, value in e["clean"]:
        tables[table][row][column] = value
    clean = dttstudy.load_cohort(write_cohort(tmp_path / "clean", tables))
    before = hashes(case)
    messy = dttstudy.load_cohort(data_path(case))
    assert hashes(case) == before
    for name, df in clean.tables().items():
        pd.testing.assert_frame_equal(messy.tables()[name], df, check_dtype=not e.get("path"), obj=name)
    pd.testing.assert_frame_equal(dttstudy.response_rates(messy, (3,), by="disease"),
                                  dttstudy.response_rates(clean, (3,), by="disease"))
    pd.testing.assert_frame_equal(dttstudy.table1(messy), dttstudy.table1(clean))
    if e["words"] != "valid":
        assert messy.provenance["readings"], "a forgiving case must record what it read"
    json.dumps(messy.provenance)  # provenance stays JSON-serialisable


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate(case, capsys):
    e = expected(case)
    before = hashes(case)
    code = main(["validate", str(data_path(case))])
    out = capsys.readouterr().out
    assert code == e["exit"], out
    if e["file"]:
        where = e["file"] + (f", row {e['row']}" if e["row"] else "") + (
            f", column '{e['column']}'" if e["column"] else "")
        lines = [line for line in out.splitlines() if where in line and e["words"] in line]
        assert lines, f"expected a line with {where!r} and {e['words']!r}:\n{out}"
    else:
        assert e["words"] in out
    assert hashes(case) == before


@pytest.mark.parametrize("case", [c for c in CASES if expected(c)["exit"] == 1], ids=lambda c: c.name)
def test_reproduce_runs_nothing_and_keeps_the_previous_report(case, tmp_path, capsys):
    from dttstudy.reporting.outputs import write_manifest

    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("previous")
    write_manifest(out, "previous")  # a report the package wrote earlier
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code = main(["reproduce", "--data", str(data_path(case)), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1, captured.out + captured.err
    assert e_file(case) in captured.out + captured.err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def e_file(case):
    return expected(case)["file"]


@pytest.mark.parametrize("name", ["text_in_score", "csv_that_is_an_excel_file", "missing_file", "binary_file",
                                  "excel_not_a_workbook", "identifier_zhuyuanhao"])
def test_no_traceback_from_the_command_line(name, tmp_path):
    case = CORPUS / name
    for args in (["validate", str(data_path(case))],
                 ["reproduce", "--data", str(data_path(case)), "--out", str(tmp_path / "o")]):
        res = subprocess.run([sys.executable, "-m", "dttstudy.cli", *args], capture_output=True, text=True)
        assert res.returncode == 1
        assert "Traceback" not in res.stdout + res.stderr
    assert not (tmp_path / "o").exists()


def test_a_million_rows_of_junk_fail_fast_in_bounded_memory(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    for f in ("patients", "treatments", "adverse_events"):
        (folder / f"{f}.csv").write_text((CASES[0] / f"{f}.csv").read_text())
    header = (CASES[0] / "visits.csv").read_text().splitlines()[0]
    with open(folder / "visits.csv", "w") as fh:
        fh.write(header + "\n")
        row = "junk," * 11 + "junk\n"
        fh.write(row * 1_000_000)
    code = (
        "import resource, sys\n"
        "from dttstudy.cli import main\n"
        f"rc = main(['validate', {str(folder)!r}])\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "print('PEAK_MB', peak)\n"
        "sys.exit(rc)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    out = res.stdout
    assert "visits.csv, row 2, column 'month': must be a number" in out
    assert "more rows not listed" in out or "too many unreadable cells" in out
    assert len(out.splitlines()) < 2000  # the report stays readable
    peak = int(out.split("PEAK_MB")[1].split()[0])
    assert peak < 2000, f"peak memory {peak} MB"
