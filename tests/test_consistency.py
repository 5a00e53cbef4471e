"""A report that never contradicts itself, for every parameter and every cohort.

Cohorts (the reference; synthetic small, 60 and large from ``dttstudy synth``; one disease only; no adverse
events; one centre; a workbook) × parameters (``disease``, ``timepoints`` with one month and a month past 12 with
a window, ``definition=simple``, ``ci_method=wilson``). Each cell runs ``dttstudy reproduce`` and checks the report
with :func:`consistency.check_report`: every notebook ran, the summary and banner count what the tables count,
subgroup comparisons only where there are groups, Kaplan–Meier axes to the last follow-up, the methods' months,
no raw code in reader-facing text, synthetic data said to be synthetic on every page.

``make test`` runs the reference report (shared with the other report tests) and three synthetic cells; ``make
consistency`` (``DTTSTUDY_MATRIX=all``) runs the whole matrix (17 cells, about 11 minutes on 2 cores).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_reproduce
from consistency import check_report

TABLES = ("patients", "treatments", "visits", "adverse_events")


def _synth(folder: Path, patients: int, seed: int) -> Path:
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "synth", "--patients", str(patients), "--seed",
                          str(seed), "--out", str(folder)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return folder


def _edit(folder: Path, edit) -> Path:
    """Rewrite a synthetic cohort folder's tables through ``edit(tables) -> tables`` (the marker file stays)."""
    tables = {n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False) for n in TABLES}
    for n, df in edit(tables).items():
        df.to_csv(folder / f"{n}.csv", index=False, lineterminator="\n")
    return folder


def _uc_only(t):
    uc = set(t["patients"].loc[t["patients"]["disease"] == "UC", "patient_id"])
    return {n: df[df["patient_id"].isin(uc)] for n, df in t.items()}


COHORTS = {
    "reference": lambda d: None,
    "synth60": lambda d: _synth(d / "syn60", 60, 3),
    "small": lambda d: _synth(d / "small", 12, 1),
    "large": lambda d: _synth(d / "large", 400, 5),
    "uc_only": lambda d: _edit(_synth(d / "uc_only", 40, 2), _uc_only),
    "no_aes": lambda d: _edit(_synth(d / "no_aes", 40, 4), lambda t: t | {"adverse_events": t["adverse_events"][:0]}),
    "one_centre": lambda d: _edit(_synth(d / "one_centre", 40, 6),
                                  lambda t: t | {"patients": t["patients"].assign(center="A")}),
    "workbook": lambda d: _synth(d / "centre.xlsx", 40, 8),
}

#: (cohort, parameters): the cells of the matrix; FAST ones also run in ``make test``.
FAST = [("synth60", {"disease": "CD", "timepoints": "6"}),
        ("synth60", {"timepoints": "3,12,18", "window": "2"}),  # months past 12: every notebook, one window
        # overlapping windows (1–5, 4–8, 7–11) and a month past every visit, on the optional labs
        ("synth60", {"timepoints": "3,6,9,120", "window": "2", "definition": "simple"})]
MATRIX = FAST + [
    ("reference", {"disease": "UC"}),
    ("synth60", {"disease": "CD"}),
    ("synth60", {"timepoints": "6"}),
    ("small", {"definition": "simple", "ci_method": "wilson"}),
    ("large", {"timepoints": "3,6,9,12,18", "window": "2"}),
    ("uc_only", {"timepoints": "3"}),
    ("no_aes", {}),
    ("one_centre", {}),
    ("workbook", {"disease": "UC"}),
    # the enlarged matrix: each rule of a subset or the calendar as a cell of its own
    ("reference", {"definition": "simple"}),
    ("reference", {"timepoints": "3,6,9,60", "window": "1"}),  # a far month on the paper's cohort
    ("synth60", {"window": "7"}),  # every window overlapping its neighbours (−4–10, −1–13, 2–16)
    ("large", {"disease": "UC", "definition": "simple", "ci_method": "wilson", "timepoints": "3,6,9,36",
               "window": "2"}),
]
CELLS = MATRIX if os.environ.get("DTTSTUDY_MATRIX") == "all" else FAST


def test_the_reference_report_never_contradicts_itself(fresh_report):
    assert check_report(fresh_report) == []


@pytest.mark.parametrize("cohort,params", CELLS, ids=[f"{c}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'defaults'}"
                                                     for c, p in CELLS])
def test_a_report_never_contradicts_itself(cohort, params, tmp_path):
    data = COHORTS[cohort](tmp_path)
    args = ["--data", str(data)] if data is not None else []
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    out = tmp_path / "report"
    res = run_reproduce(out, *args)
    assert res.returncode == 0, res.stdout + res.stderr
    assert check_report(out, data, params) == []
    shutil.rmtree(out)
