"""Centres' files for the algorithm's tests, and the file exchange run with the dttstudy command line.

Each centre's cohort is cut out of a whole cohort by its ``center`` column, row by row as text (the csv module,
no parsing), so the node and the file exchange read the very same files.
"""
from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "data" / "reference"
TABLES = ("patients", "treatments", "visits", "adverse_events")


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def split_by_centre(source: Path, dest: Path) -> dict[str, Path]:
    """One folder of the four CSV files per value of ``center`` in ``source``'s patients (sorted)."""
    header, rows = read_rows(source / "patients.csv")
    pid, centre = header.index("patient_id"), header.index("center")
    members: dict[str, set[str]] = {}
    for r in rows:
        members.setdefault(r[centre], set()).add(r[pid])
    out = {}
    for c in sorted(members):
        for t in TABLES:
            h, rs = read_rows(source / f"{t}.csv")
            k = h.index("patient_id")
            write_rows(dest / c / f"{t}.csv", h, [r for r in rs if r[k] in members[c]])
        out[c] = dest / c
    return out


def dttstudy_cli(*args) -> None:
    """``dttstudy ARGS`` as a centre or coordinator types it (the command line's entry point, in this process);
    fails the test with what it printed if it fails."""
    from dttstudy.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    assert code == 0, f"dttstudy {' '.join(map(str, args))} exited {code}:\n{err.getvalue()}"


def file_exchange(centres: dict[str, Path], folder: Path, export_args=(), min_cells=None) -> Path:
    """Each centre runs ``dttstudy export-summary`` (into ``folder/<centre>.json``), the coordinator runs
    ``dttstudy pool`` on the files in the order of ``centres``; returns the pooled report folder."""
    files = []
    for code, data in centres.items():
        k = () if min_cells is None or min_cells.get(code) is None else ("--min-cell", min_cells[code])
        out = folder / f"{code}.json"
        dttstudy_cli("export-summary", "--data", data, "--out", out, "--centre", code, *k, *export_args)
        files.append(out)
    # the coordinator's minimum cell count is the smallest K it was asked to accept (as the central function's)
    ks = [k for k in (min_cells or {}).values() if k is not None]
    dttstudy_cli("pool", *files, *(("--min-cell", min(ks)) if ks else ()), "--out", folder / "pooled")
    return folder / "pooled"


@pytest.fixture(autouse=True)
def node_environment(tmp_path_factory, monkeypatch):
    """Each test's nodes keep their own release record (DTTSTUDY_RELEASE_RECORD, one file for the mock nodes of
    one process: the record is kept per centre code) and the floor of K is 0, as on a test network; the tests of
    the floor and the record set their own. The file exchange's command line records in the same file: the same
    data, no difference."""
    record = tmp_path_factory.mktemp("node_record") / "release-record.json"
    monkeypatch.setenv("DTTSTUDY_RELEASE_RECORD", str(record))
    monkeypatch.setenv("DTTSTUDY_MIN_CELL_FLOOR", "0")
    return record


@pytest.fixture(scope="session")
def reference_centres(tmp_path_factory) -> dict[str, Path]:
    """The reference cohort's three centres, C1 (9 patients), C2 (5) and C3 (4), as three folders."""
    return split_by_centre(REFERENCE, tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="session")
def reference_exchange(reference_centres, tmp_path_factory) -> Path:
    """The file exchange on the reference centres with every default (K = 5)."""
    return file_exchange(reference_centres, tmp_path_factory.mktemp("reference_exchange"))
