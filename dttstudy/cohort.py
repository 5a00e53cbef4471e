"""Loading a cohort: the four tables, validated, with provenance.

A cohort is either a folder holding ``patients.csv``, ``treatments.csv``, ``visits.csv`` and
``adverse_events.csv``, or one ``.xlsx`` workbook with sheets of those names. With no path the bundled
*reconstructed* reference cohort (``data/reference/``) is loaded.
"""
from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import schema as S
from .validation import (MAX_LISTED, CohortValidationError, Failure, ValidationReport, cap, check_columns,
                         check_links, check_patients, check_treatments, last_followup, parse_table)

from .paths import DATA_DIR, PUBLISHED_DIR, REFERENCE_DIR, ROOT  # noqa: E402,F401

#: Bytes that open a zip container (xlsx) — a "CSV" starting with them is really a workbook.
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_ROWS = 5_000_000


@dataclass(frozen=True)
class Cohort:
    """The four tables of one cohort plus where they came from.

    Attributes
    ----------
    patients, treatments, visits, adverse_events : DataFrame
        Typed tables as declared in :mod:`dttstudy.schema` (documented extra columns kept, others dropped).
    provenance : dict
        ``source`` (path), ``format`` (``csv`` or ``xlsx``), ``sha256`` (per file or workbook),
        ``reconstructed`` (True for the bundled reference cohort) and ``label``.
    """

    patients: pd.DataFrame
    treatments: pd.DataFrame
    visits: pd.DataFrame
    adverse_events: pd.DataFrame
    provenance: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.provenance.get("label", "cohort")

    @property
    def reconstructed(self) -> bool:
        return bool(self.provenance.get("reconstructed", False))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"patients": self.patients, "treatments": self.treatments, "visits": self.visits,
                "adverse_events": self.adverse_events}

    def subjects(self) -> pd.DataFrame:
        """One row per patient (ADSL-like): disease, regimen, DTT course and follow-up.

        ``last_followup`` is the later of the last visit and the end of the DTT course (months). Built once per
        cohort (the tables of a Cohort are treated as read-only; derive a new one with ``dataclasses.replace``)
        and returned as a copy.
        """
        return self._subjects.copy()

    @cached_property
    def _subjects(self) -> pd.DataFrame:
        t = self.treatments
        out = self.patients[["patient_id", "center", "sex", "disease"]].merge(
            t[["patient_id", "agent_1", "agent_2", "dtt_months", "status", "stop_reason", "next_therapy",
               "steroid_at_start", "steroid_stop_month"]], on="patient_id", how="left")
        out.insert(4, "regimen", S.regimen_labels(out["agent_1"], out["agent_2"]))
        lf = last_followup(self.visits, self.treatments)
        out["last_followup"] = out["patient_id"].map(lf)
        return out

    def filter(self, disease: str | None = None, patients: list[str] | None = None) -> "Cohort":
        """A sub-cohort: one disease (``"UC"``/``"CD"``; ``None`` or ``"all"`` keeps both) and/or given ids."""
        keep = self.patients["patient_id"]
        if disease not in (None, "all", "ALL", "All"):
            if disease not in S.DISEASES:
                raise ValueError(f"disease must be 'all', 'UC' or 'CD', not {disease!r}")
            keep = keep[self.patients["disease"] == disease]
        if patients is not None:
            keep = keep[keep.isin(patients)]
        ids = set(keep)
        sub = {n: df[df["patient_id"].isin(ids)].reset_index(drop=True) for n, df in self.tables().items()}
        prov = dict(self.provenance, subset={"disease": disease or "all", "n_patients": len(ids)})
        return replace(self, provenance=prov, **sub)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(path: Path, report: ValidationReport, table: S.Table) -> pd.DataFrame | None:
    name = path.name
    if not path.is_file():
        report.failures.append(Failure(name, None, None, None, f"file missing (expected {path})"))
        return None
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(_ZIP_MAGIC):
        report.failures.append(Failure(name, None, None, None,
                                       "this is an Excel workbook saved with a .csv name: export it as CSV "
                                       "(comma-separated, UTF-8) or load the .xlsx file itself"))
        return None
    if not head.strip():
        report.failures.append(Failure(name, None, None, None, "file is empty"))
        return None
    try:
        # numbers are parsed by the CSV reader (a column with a bad cell stays text and is checked cell by cell)
        text_cols = {c.name: str for c in table.columns if c.kind not in ("int", "float")}
        df = pd.read_csv(path, dtype=text_cols, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                         nrows=_MAX_ROWS + 1, low_memory=False)
    except UnicodeDecodeError:
        report.failures.append(Failure(name, None, None, None, "not UTF-8 text: save the file as CSV UTF-8"))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        report.failures.append(Failure(name, None, None, None, f"not a readable CSV file ({err})"))
        return None
    if len(df) > _MAX_ROWS:
        report.failures.append(Failure(name, None, None, None, f"more than {_MAX_ROWS:,} rows"))
        return None
    if len(df.columns) == 1 and ";" in df.columns[0]:
        report.failures.append(Failure(name, 1, None, df.columns[0][:60],
                                       "semicolon-delimited file: save as comma-separated CSV with decimal "
                                       "points (in Excel: 'CSV UTF-8 (Comma delimited)')"))
        return None
    return df


def _read_workbook(path: Path, report: ValidationReport) -> dict[str, pd.DataFrame | None]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_values=[""],
                               engine="openpyxl")
    except Exception as err:  # a corrupt or non-xlsx file: report, never a traceback
        report.failures.append(Failure(path.name, None, None, None, f"not a readable .xlsx workbook ({err})"))
        return {}
    out = {}
    for name in S.TABLES:
        if name not in sheets:
            have = ", ".join(repr(s) for s in sheets)
            report.failures.append(Failure(f"{path.name} [sheet {name}]", None, None, None,
                                           f"sheet '{name}' missing (workbook has {have})"))
            out[name] = None
        else:
            out[name] = sheets[name]
    return out


def _display(path: Path) -> str:
    """Paths inside the project are shown relative to it, so reports do not depend on where it is checked out."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _identifier_columns(columns) -> list[str]:
    return [c for c in columns if any(re.search(p, str(c), flags=re.I) for p in S.IDENTIFIER_PATTERNS)]


def read_cohort(path: str | Path | None = None, *, allow_identifiers: bool = False
                ) -> tuple[dict[str, pd.DataFrame], ValidationReport, dict]:
    """Read and validate; return typed tables, the report and provenance. Never raises on bad data."""
    src = Path(path) if path is not None else REFERENCE_DIR
    report = ValidationReport(_display(src))
    prov: dict = {"source": _display(src), "sha256": {}}
    raws: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    if src.is_dir():
        prov["format"] = "csv"
        for name in S.TABLES:
            f = src / f"{name}.csv"
            files[name] = f.name
            raws[name] = _read_csv(f, report, S.TABLES[name])
            if f.is_file():
                prov["sha256"][f.name] = _sha256(f)
    elif src.is_file() and src.suffix.lower() in (".xlsx", ".xlsm"):
        prov["format"] = "xlsx"
        prov["sha256"][src.name] = _sha256(src)
        files = {name: f"{src.name} [sheet {name}]" for name in S.TABLES}
        raws = _read_workbook(src, report)
    elif not src.exists():
        report.failures.append(Failure(str(src), None, None, None, "no such file or folder"))
        return {}, report, prov
    else:
        report.failures.append(Failure(src.name, None, None, None,
                                       "a cohort is a folder of four CSV files or one .xlsx workbook"))
        return {}, report, prov

    tables: dict[str, pd.DataFrame] = {}
    for name, table in S.TABLES.items():
        raw = raws.get(name)
        file = files.get(name, name)
        if raw is None:
            continue
        raw = raw.rename(columns=lambda c: str(c))
        ids = _identifier_columns(raw.columns)
        for c in ids if allow_identifiers else []:
            report.warnings.append(Failure(file, 1, c, None, "looks like a direct identifier: dropped"))
        if ids and not allow_identifiers:
            for c in ids:
                report.failures.append(Failure(file, 1, c, None,
                                               "looks like a direct identifier (name, contact, record number or "
                                               "calendar date): remove it, use study ids and months since DTT "
                                               "start (or pass allow_identifiers=True to load anyway)"))
        missing = [c for c in table.required_names if c not in raw.columns]
        for c in missing:
            report.failures.append(Failure(file, 1, c, None, "required column missing"))
        dup = raw.columns[raw.columns.duplicated()]
        for c in dup:
            report.failures.append(Failure(file, 1, c, None, "column appears twice"))
        unknown = [c for c in raw.columns if c not in table.column_names]
        for c in unknown:
            if c not in ids:
                report.warnings.append(Failure(file, 1, c, None, "unknown column: ignored"))
        if len(dup):
            continue
        typed, type_failures = parse_table(raw, table, file)
        report.failures += type_failures
        if len(type_failures) > MAX_LISTED:
            # a file this broken is not worth checking further: report what is wrong with its cells and stop
            report.failures.append(Failure(file, None, None, None, "too many unreadable cells: other checks "
                                           "skipped for this file"))
            continue
        already = {(f.row - 2, f.column) for f in type_failures}
        report.failures += check_columns(typed, table, file, already)
        tables[name] = typed

    if "patients" in tables:
        report.failures += check_patients(tables["patients"], files["patients"])
    if "treatments" in tables:
        report.failures += check_treatments(tables["treatments"], files["treatments"])
    if "patients" in tables:
        report.failures += check_links(tables, files)
    order = {f: k for k, f in enumerate(files.values())}
    report.failures = cap(report.failures)
    report.failures.sort(key=lambda f: (order.get(f.file, -1), f.row is None, f.row or 0))
    return tables, report, prov


def validate(path: str | Path | None = None, *, allow_identifiers: bool = False) -> ValidationReport:
    """Validate a cohort folder or workbook and return the full report (never raises on bad data)."""
    return read_cohort(path, allow_identifiers=allow_identifiers)[1]


def _finalise(df: pd.DataFrame, table: S.Table) -> pd.DataFrame:
    df = df.copy()
    for c in table.columns:
        if c.name not in df.columns:
            df[c.name] = None
        if c.kind == "bool":
            df[c.name] = df[c.name].astype(bool) if not c.nullable else df[c.name]
        elif c.kind == "int" and not c.nullable:
            df[c.name] = df[c.name].astype("int64")
    return df[table.column_names].reset_index(drop=True)


def load_cohort(path: str | Path | None = None, *, allow_identifiers: bool = False) -> Cohort:
    """Load and validate a cohort.

    Parameters
    ----------
    path : folder of four CSV files, or one ``.xlsx`` workbook with sheets ``patients``, ``treatments``,
        ``visits`` and ``adverse_events``. ``None`` loads the bundled reconstructed reference cohort.
    allow_identifiers : accept columns that look like direct identifiers (they are still dropped).

    Raises
    ------
    CohortValidationError
        With the full report (every failure: file, row, column, value, rule) if the data break the contract.
    """
    tables, report, prov = read_cohort(path, allow_identifiers=allow_identifiers)
    if not report.ok:
        raise CohortValidationError(report)
    for w in report.warnings:
        warnings.warn(str(w), UserWarning, stacklevel=2)
    src = (Path(path) if path is not None else REFERENCE_DIR).resolve()
    reconstructed = src == REFERENCE_DIR.resolve()
    prov["reconstructed"] = reconstructed
    prov["label"] = ("reference cohort (reconstructed from Wang et al., Front Med 2025; not patient data)"
                     if reconstructed else f"cohort from {src.name}")
    typed = {n: _finalise(tables[n], S.TABLES[n]) for n in S.TABLES}
    return Cohort(provenance=prov, **typed)
