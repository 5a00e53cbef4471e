"""Shared fixtures: a minimal valid two-patient cohort written as CSV text, easy to break one cell at a time."""
from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"

# The test run writes nothing into the checkout: hypothesis keeps its example database and caches in a
# temporary folder, removed when the run ends.
_RUN_DIR = tempfile.mkdtemp(prefix="dttstudy-tests-")
atexit.register(shutil.rmtree, _RUN_DIR, ignore_errors=True)
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(Path(_RUN_DIR) / "hypothesis")

# `make test` draws the same examples on every machine and every run (a red CI is the code's, never the dice's);
# `make fuzz` explores: fresh random examples, many more of them, and prints the seed of any failure.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
_hypothesis_settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
_hypothesis_settings.load_profile(os.environ.get("DTTSTUDY_HYPOTHESIS", "ci"))
#: Examples per property: 60 in `make test`, 2,000 in `make fuzz`.
EXAMPLES = 2000 if os.environ.get("DTTSTUDY_HYPOTHESIS") == "explore" else 60

MINIMAL = {
    "patients": [
        {"patient_id": "U1", "center": "A", "sex": "F", "disease": "UC", "age_at_diagnosis": "20",
         "disease_duration": "5", "followup_before_dtt": "30", "montreal": "E3", "abdominal_surgery": "none",
         "perianal_surgery": "false", "autoimmune_disease": "", "failed_biologics": "2",
         "failed_immunomodulators": "1", "indication": "refractory"},
        {"patient_id": "C1", "center": "B", "sex": "M", "disease": "CD", "age_at_diagnosis": "18",
         "disease_duration": "10.5", "followup_before_dtt": "100", "montreal": "L3 B2 p",
         "abdominal_surgery": "ileal", "perianal_surgery": "true", "autoimmune_disease": "psoriasis",
         "failed_biologics": "1", "failed_immunomodulators": "2", "indication": "eim"},
    ],
    "treatments": [
        {"patient_id": "U1", "agent_1": "UST", "agent_2": "TOF", "dtt_months": "6", "status": "maintained",
         "stop_reason": "", "next_therapy": "", "steroid_at_start": "true", "steroid_stop_month": "2"},
        {"patient_id": "C1", "agent_1": "VDZ", "agent_2": "ADA", "dtt_months": "4", "status": "discontinued",
         "stop_reason": "no_response", "next_therapy": "UST", "steroid_at_start": "false",
         "steroid_stop_month": ""},
    ],
    "visits": [
        {"patient_id": "U1", "month": "0", "on_dtt": "true", "hbi": "", "partial_mayo": "7",
         "rectal_bleeding": "2", "mes": "3", "ses_cd": "", "limberg": "", "crp": "12.5", "albumin": "38",
         "hematocrit": ""},
        {"patient_id": "U1", "month": "3", "on_dtt": "true", "hbi": "", "partial_mayo": "3",
         "rectal_bleeding": "1", "mes": "", "ses_cd": "", "limberg": "", "crp": "3.1", "albumin": "41",
         "hematocrit": "38"},
        {"patient_id": "C1", "month": "0", "on_dtt": "true", "hbi": "9", "partial_mayo": "",
         "rectal_bleeding": "", "mes": "", "ses_cd": "12", "limberg": "3", "crp": "20", "albumin": "35",
         "hematocrit": ""},
        {"patient_id": "C1", "month": "3", "on_dtt": "true", "hbi": "8", "partial_mayo": "",
         "rectal_bleeding": "", "mes": "", "ses_cd": "", "limberg": "", "crp": "18", "albumin": "36",
         "hematocrit": ""},
    ],
    "adverse_events": [
        {"patient_id": "C1", "term": "herpes zoster", "onset_month": "2.5", "suspected_agent": "ADA",
         "serious": "false", "action": "none", "outcome": "resolved"},
    ],
}


def write_cohort(folder: Path, tables: dict | None = None) -> Path:
    """Write tables (lists of dicts of text cells) as the four CSV files; return the folder."""
    tables = tables if tables is not None else MINIMAL
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        header = list(rows[0]) if rows else list(MINIMAL[name][0])
        lines = [",".join(header)] + [",".join(_cell(r.get(h, "")) for h in header) for r in rows]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# Mutations of the MINIMAL tables, each breaking one thing (used by the rule tests and the bad-input corpus).

def setcell(table, row, column, value):
    def f(t):
        t[table][row][column] = value
    return f


def add_row(table, **cells):
    """Append a copy of the table's first row with ``cells`` changed."""
    def f(t):
        base = dict(t[table][0])
        base.update(cells)
        t[table].append(base)
    return f


def drop_column(table, column):
    def f(t):
        for r in t[table]:
            r.pop(column)
    return f


def add_column(table, column, value):
    def f(t):
        for r in t[table]:
            r[column] = value
    return f


def chain(*fs):
    def f(t):
        for g in fs:
            g(t)
    return f


def _cell(v: str) -> str:
    v = str(v)
    return f'"{v}"' if ("," in v or '"' in v) else v


@pytest.fixture
def minimal_tables():
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def minimal_cohort(tmp_path):
    return write_cohort(tmp_path / "cohort")


def _digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_reproduce(out: Path, *args: str, env: dict | None = None):
    """``dttstudy reproduce --out OUT`` in a subprocess (``env`` added to this process's environment)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "dttstudy.cli", "reproduce", "--out", str(out), "--jobs", "2",
                           *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=1800)


@pytest.fixture(scope="session")
def fresh_report(tmp_path_factory):
    """One fresh report of the reference cohort for the whole run (checked not to touch its input)."""
    out = tmp_path_factory.mktemp("fresh") / "reports"
    before = _digest(REFERENCE)
    res = run_reproduce(out)
    assert res.returncode == 0, res.stdout + res.stderr
    assert _digest(REFERENCE) == before, "reproduce modified its input files"
    return out


@pytest.fixture(autouse=True)
def _own_release_record(tmp_path_factory, monkeypatch):
    """Every test keeps its own record of released centre summaries: nothing is written to the user's home."""
    monkeypatch.setenv("DTTSTUDY_RELEASE_RECORD", str(tmp_path_factory.mktemp("record") / "release-record.json"))


def _clear_package_caches() -> None:
    import sys

    for name, module in list(sys.modules.items()):
        if name == "dttstudy" or name.startswith("dttstudy."):
            for obj in list(vars(module).values()):
                clear = getattr(obj, "cache_clear", None)
                if callable(clear):
                    clear()


@pytest.fixture(autouse=True)
def _no_cached_results_under_mutation_testing():
    """Under ``make mutation`` every test starts without the package's cached results (GLMM fits and their τ²
    intervals, cached by their counts): a fit cached by an earlier test would hide a mutant from a later one and
    from the record of which tests call which function. Outside mutation testing the caches stand."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        _clear_package_caches()
    yield
