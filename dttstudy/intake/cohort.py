"""Loading a cohort: the four tables, validated, with provenance.

A cohort is either a folder holding ``patients.csv``, ``treatments.csv``, ``visits.csv`` and
``adverse_events.csv``, or one ``.xlsx`` workbook with sheets of those names. With no path the bundled
*reconstructed* reference cohort (``data/reference/``) is loaded.

Reading forgives what is unambiguous and says what it read (a NOTE line per reading, and ``readings`` in the
provenance): CSV files in UTF-8, UTF-16 with byte-order mark, Windows-1252 or GB18030/GBK (chosen by
charset-normalizer among these only); comma- or tab-delimited; a ``sep=,`` first line; a delimiter at the end of
every line; a title row above the header (CSV or sheet); header and sheet names in another case or with spaces;
spellings of codes (:mod:`dttstudy.intake.normalise`). It refuses, with file, row and column, what it cannot read
safely: identifier-like columns, dates in text and overlong text (:mod:`dttstudy.intake.privacy`), spreadsheet error
values, duplicated columns, unnamed columns holding values, and a cohort without patients.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import html
import io
import re
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import schema as S
from ..concepts import labs_recorded
from .normalise import Reading, normalise_table
from .privacy import column_key, identifier_kind
from .raw_files import (ENCODING_LABELS, UNSAVED_FORMULA, decode, nul_cells, unsaved_formulas, utf16_without_bom,
                        workbook_problem)
from .synth import is_synthetic
from .validation import (MAX_LISTED, CohortValidationError, Failure, ValidationReport, cap, check_columns,
                         check_links, check_patients, check_treatments, last_followup, notes_from_readings,
                         parse_table, screen_cells)

from ..paths import DATA_DIR, PUBLISHED_DIR, REFERENCE_DIR, ROOT  # noqa: E402,F401

#: Bytes that open a zip container (xlsx) — a "CSV" starting with them is really a workbook.
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_ROWS = 5_000_000


@dataclass(frozen=True)
class Cohort:
    """The four tables of one cohort plus where they came from.

    Attributes
    ----------
    patients, treatments, visits, adverse_events : DataFrame
        Typed tables as declared in :mod:`dttstudy.intake.schema` (documented extra columns kept, others dropped).
    provenance : dict
        ``source`` (path), ``format`` (``csv`` or ``xlsx``), ``sha256`` (per file or workbook),
        ``reconstructed`` (True for the bundled reference cohort), ``label``, ``readings`` (every spelling read as
        a code: rule, file, column, from, to, count, first rows, message) and, for files not in UTF-8,
        ``encoding`` (file name → encoding used).
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

    @property
    def labs(self) -> tuple[str, ...]:
        """The markers analysed for this cohort: the paper's and each optional one with a recorded value."""
        return labs_recorded(self.visits.columns, lambda name: bool(self.visits[name].notna().any()))

    def __repr__(self) -> str:
        n = {d: int((self.patients["disease"] == d).sum()) for d in S.DISEASES}
        return (f"<Cohort {self.label!r}: {len(self.patients)} patients ({n['UC']} UC, {n['CD']} CD), "
                f"{len(self.visits)} visits, {len(self.adverse_events)} AEs; labs {', '.join(self.labs)}>")

    def _repr_html_(self) -> str:  # JupyterLab's view: the same text, escaped
        return f"<p><code>{html.escape(repr(self))}</code></p>"

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
        total = self.provenance.get("subset", {}).get("of", len(self.patients))
        prov = dict(self.provenance, subset={"disease": disease or "all", "n_patients": len(ids), "of": total})
        return replace(self, provenance=prov, **sub)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


#: A title above the header is looked for in this many rows; the header is the first row naming two columns.
_HEADER_SEARCH = 10
_EMPTY = "\0empty-header-"


def _layout(rows: list[list], table: S.Table, file: str, report: ValidationReport, readings: list,
            line_offset: int = 0) -> tuple[int, list[str]] | None:
    """Find the header among the first rows and read its names.

    Returns (index of the header row, column names) — names as declared when a header differs only in case or
    spaces, a placeholder for an empty header cell — or None after reporting why the table cannot be read.
    """
    canon = {column_key(c): c for c in table.column_names}
    header_at = 0
    for k, r in enumerate(rows[:_HEADER_SEARCH]):
        if sum(isinstance(c, str) and column_key(c) in canon for c in r) >= 2:
            header_at = k
            break
    header_row = line_offset + header_at + 1
    if header_at:
        if any(sum(c is not None and str(c).strip() != "" for c in r) > 2 for r in rows[:header_at]):
            report.failures.append(Failure(file, header_row, None, None,
                                           f"the header is on row {header_row} but the rows above it hold "
                                           "several values: delete those rows"))
            return None
        readings.append(Reading("title_rows", file, None, None, None, rows=[line_offset + 1],
                                text=f"header found on row {header_row}: the {header_at} row"
                                f"{'s' if header_at > 1 else ''} above it (a title) ignored"))
    names: list[str] = []
    for j, h in enumerate(rows[header_at] if rows else []):
        h0 = "" if h is None else str(h).strip()
        if not h0 or re.fullmatch(r"Unnamed: \d+(?:_level_\d+)?", h0):  # empty, or pandas' name for empty
            names.append(f"{_EMPTY}{j + 1}")
            continue
        c = canon.get(column_key(h0))
        if c is not None and c != h:
            readings.append(Reading("header", file, c, str(h), c, rows=[header_row]))
        names.append(c or h0)
    seen: dict[str, list[int]] = {}
    for j, n in enumerate(names):
        seen.setdefault(n, []).append(j + 1)
    dup = {n: pos for n, pos in seen.items() if len(pos) > 1 and not n.startswith(_EMPTY)}
    for n, pos in dup.items():
        report.failures.append(Failure(file, header_row, n, None, "column appears twice (columns "
                                       + ", ".join(map(str, pos)) + "): keep one"))
    if dup:
        return None
    return header_at, names


def _empty_headers(df: pd.DataFrame, file: str, header_row: int, report: ValidationReport, readings: list,
                   allow_identifiers: bool) -> pd.DataFrame:
    """Columns without a header: dropped when empty (a trailing delimiter), an error when they hold values."""
    drop = []
    for c in [c for c in df.columns if str(c).startswith(_EMPTY)]:
        pos = c[len(_EMPTY):]
        drop.append(c)
        if df[c].isna().all() or (df[c].astype(str).str.strip() == "").all():
            last = all(str(d).startswith(_EMPTY) for d in df.columns[list(df.columns).index(c):])
            readings.append(Reading("trailing_delimiter" if last else "empty_column", file, None, None, None,
                                    rows=[header_row], text=f"empty column {pos} without a header ignored"
                                    + (" (a delimiter at the end of each line)" if last else "")))
        elif allow_identifiers:
            report.warnings.append(Failure(file, header_row, pos, None, "empty column header: column dropped"))
        else:
            report.failures.append(Failure(file, header_row, pos, None,
                                           "empty column header, but the column holds values: name it as in the "
                                           "data dictionary, or delete it"))
    return df.drop(columns=drop)


def _read_csv(path: Path, report: ValidationReport, table: S.Table, readings: list, encodings: dict,
              allow_identifiers: bool = False) -> pd.DataFrame | None:
    name = path.name
    if not path.is_file():
        report.failures.append(Failure(name, None, None, None, f"file missing (expected {path})"))
        return None
    data = path.read_bytes()
    if data.startswith(_ZIP_MAGIC):
        report.failures.append(Failure(name, None, None, None,
                                       "this is an Excel workbook saved with a .csv name: export it as CSV "
                                       "(comma-separated, UTF-8) or load the .xlsx file itself"))
        return None
    if not data.strip():
        report.failures.append(Failure(name, None, None, None, "file is empty"))
        return None
    if utf16_without_bom(data):
        report.failures.append(Failure(name, None, None, None, "UTF-16 text without a byte-order mark (every other "
                                       "byte is zero): save the file as CSV UTF-8"))
        return None
    text, enc = decode(data)
    del data
    if text is None:
        report.failures.append(Failure(name, None, None, None,
                                       "not UTF-8 text (nor Windows-1252 or GB18030): save the file as CSV UTF-8"))
        return None
    if enc == "utf-8, also GB18030":
        readings.append(Reading("encoding", name, None, None, "utf-8", text=(
            "read as UTF-8, as it is valid UTF-8; its bytes would also read as GB18030 (GBK) Chinese text, where "
            "UTF-8 gives rare Latin letters: if the file was saved as GBK, save it again as CSV UTF-8")))
    elif enc != "utf-8":
        encodings[name] = enc
        readings.append(Reading("encoding", name, None, None, enc, text=f"read as {ENCODING_LABELS.get(enc, enc)} "
                                "text, not UTF-8 (save as CSV UTF-8 to avoid this)"))
    text = text.lstrip("\ufeff")
    head = text[:65536]
    lines = head.splitlines()
    if len(text) > len(head) and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    has_nul = "\x00" in text
    if enc == "utf-8" and not has_nul:
        text = ""  # pandas reads the file itself; only other encodings are parsed from the decoded text
    if not any(line.strip() for line in lines):
        report.failures.append(Failure(name, None, None, None, "file is empty"))
        return None
    skip, sep = 0, ","
    m = re.fullmatch(r'\s*"?sep=(.)"?[,;\t]*\s*', lines[0], flags=re.I)
    if m:
        sep, skip = m.group(1), 1
        readings.append(Reading("sep_line", name, None, None, None, rows=[1],
                                text=f"first line 'sep={sep}' (a spreadsheet hint) skipped"))
    sample = [line for line in lines[skip:skip + _HEADER_SEARCH + 20] if line.strip()]
    if sep == ",":
        # the delimiter used most in the first lines (a title row may hold a comma or none)
        counts = {d: sum(line.count(d) for line in sample) for d in (",", "\t", ";")}
        sep = max(counts, key=lambda d: (counts[d], d == ","))
        if sep == "\t":
            readings.append(Reading("delimiter", name, None, None, None, rows=[skip + 1],
                                    text="tab-delimited file: read with tabs as the delimiter"))
    if sep == ";":
        first = next((k for k, line in enumerate(lines[skip:], start=skip) if ";" in line), skip)
        report.failures.append(Failure(name, first + 1, None, lines[first][:60],
                                       "semicolon-delimited file: save as comma-separated CSV with decimal "
                                       "points (in Excel: 'CSV UTF-8 (Comma delimited)')"))
        return None
    rows = list(csv.reader(lines[skip:skip + _HEADER_SEARCH + 20], delimiter=sep))
    layout = _layout(rows, table, name, report, readings, line_offset=skip)
    if layout is None:
        return None
    header_at, names = layout
    if has_nul:  # a parser would cut the text at the NUL: refuse, naming each cell
        for row, column in nul_cells(text, sep, skip + header_at, names):
            report.failures.append(Failure(name, row, column, None, "a NUL character (\\0) inside the cell: the "
                                           "file is damaged or mixes encodings; export it again as CSV UTF-8"))
        return None
    body = [r for r in rows[header_at + 1:] if r]
    if body and all(len(r) == len(names) + 1 and not r[-1].strip() for r in body):
        names = names + [f"{_EMPTY}{len(names) + 1}"]
    text_cols = {c.name: str for c in table.columns if c.kind not in ("int", "float")}
    dtype = {n: text_cols.get(n, str if n.startswith(_EMPTY) or n not in table.column_names else None)
             for n in names}
    dtype = {n: t for n, t in dtype.items() if t is not None}
    src = path if enc == "utf-8" else io.StringIO(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(src, sep=sep, header=None, names=names, skiprows=skip + header_at + 1, dtype=dtype,
                             keep_default_na=False, na_values=[""], encoding="utf-8-sig", nrows=_MAX_ROWS + 1,
                             low_memory=False, index_col=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as err:
        report.failures.append(Failure(name, None, None, None, f"not a readable CSV file ({err})"))
        return None
    if len(df) > _MAX_ROWS:
        report.failures.append(Failure(name, None, None, None, f"more than {_MAX_ROWS:,} rows"))
        return None
    df.index = pd.RangeIndex(skip + header_at, skip + header_at + len(df))
    blank = df.isna().all(axis=1)
    if blank.any():
        df = df[~blank]
    df = _empty_headers(df, name, skip + header_at + 1, report, readings, allow_identifiers)
    df.attrs["header_row"] = skip + header_at + 1
    return df


def _cell_text(v) -> str | None:
    """A workbook cell as the text a CSV export would hold (dates as ISO dates, so they are recognised)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v if v != "" else None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time(0) else v.isoformat(sep=" ")
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return str(v)


def _read_workbook(path: Path, report: ValidationReport, readings: list, allow_identifiers: bool = False
                   ) -> dict[str, pd.DataFrame | None]:
    from openpyxl import load_workbook

    problem = workbook_problem(path)  # size, zip-bomb ratio, encryption: before anything is decompressed
    if problem:
        report.failures.append(Failure(path.name, None, None, None, problem))
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions, data validation, …
            wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as err:  # a corrupt or non-xlsx file: report, never a traceback
        report.failures.append(Failure(path.name, None, None, None, f"not a readable .xlsx workbook ({err})"))
        return {}
    out: dict[str, pd.DataFrame | None] = {}
    try:
        sheets = list(wb.sheetnames)
        unsaved = unsaved_formulas(path, sheets)
        by_key: dict = {}
        for sh in sheets:
            by_key.setdefault(column_key(sh), []).append(sh)
        for name, table in S.TABLES.items():
            file = f"{path.name} [sheet {name}]"
            sheet = name if name in sheets else None
            if sheet is None and len(by_key.get(name, [])) == 1:
                sheet = by_key[name][0]
                readings.append(Reading("sheet", file, None, sheet, name, text=f"sheet '{sheet}' read as '{name}'"))
            if sheet is None:
                have = ", ".join(repr(s) for s in sheets)
                report.failures.append(Failure(file, None, None, None, f"sheet '{name}' missing (workbook has {have})"))
                out[name] = None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = [[_cell_text(v) for v in r] for r in wb[sheet].iter_rows(min_row=1, values_only=True)]
            for r, c in unsaved.get(sheet, ()):  # reported by screen_cells with its row and column
                if r <= len(rows) and c <= len(rows[r - 1]) and rows[r - 1][c - 1] is None:
                    rows[r - 1][c - 1] = UNSAVED_FORMULA
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            out[name] = _sheet_frame(rows, table, file, report, readings, allow_identifiers)
    except Exception as err:  # noqa: BLE001 — a damaged sheet: report, never a traceback
        report.failures.append(Failure(path.name, None, None, None, f"not a readable .xlsx workbook ({err})"))
        return {}
    finally:
        wb.close()
    return out


def _sheet_frame(rows: list[list], table: S.Table, file: str, report: ValidationReport, readings: list,
                 allow_identifiers: bool) -> pd.DataFrame | None:
    if not rows:
        report.failures.append(Failure(file, None, None, None, "sheet is empty"))
        return None
    layout = _layout(rows, table, file, report, readings)
    if layout is None:
        return None
    header_at, names = layout
    body = rows[header_at + 1:]
    width = max([len(names)] + [len(r) for r in body])
    names = names + [f"{_EMPTY}{j + 1}" for j in range(len(names), width)]
    body = [r + [None] * (width - len(r)) for r in body]
    df = pd.DataFrame(body, columns=names, dtype=object, index=pd.RangeIndex(header_at, header_at + len(body)))
    blank = df.isna().all(axis=1)
    if blank.any():
        df = df[~blank]
    df = _empty_headers(df, file, header_at + 1, report, readings, allow_identifiers)
    df.attrs["header_row"] = header_at + 1
    return df


def _display(path: Path) -> str:
    """Paths inside the project are shown relative to it, so reports do not depend on where it is checked out."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def read_cohort(path: str | Path | None = None, *, allow_identifiers: bool = False
                ) -> tuple[dict[str, pd.DataFrame], ValidationReport, dict]:
    """Read and validate; return typed tables, the report and provenance. Never raises on bad data.

    Provenance gains ``readings`` (every normalisation of an unambiguous spelling, see
    :mod:`dttstudy.intake.normalise`) and, for files not in UTF-8, ``encoding`` (file → encoding used).
    """
    src = Path(path) if path is not None else REFERENCE_DIR
    report = ValidationReport(_display(src))
    prov: dict = {"source": _display(src), "sha256": {}}
    raws: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    readings: list[Reading] = []
    encodings: dict[str, str] = {}
    if src.is_dir():
        prov["format"] = "csv"
        for name in S.TABLES:
            f = src / f"{name}.csv"
            files[name] = f.name
            raws[name] = _read_csv(f, report, S.TABLES[name], readings, encodings, allow_identifiers)
            if f.is_file():
                prov["sha256"][f.name] = _sha256(f)
        books = sorted(p.name for p in src.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
        if books and not prov["sha256"]:
            report.failures.append(Failure(src.name, None, None, None, "no cohort CSV files here, but "
                                           + ", ".join(books) + ": to load a workbook, give its path"))
    elif src.is_file() and src.suffix.lower() in (".xlsx", ".xlsm"):
        prov["format"] = "xlsx"
        prov["sha256"][src.name] = _sha256(src)
        files = {name: f"{src.name} [sheet {name}]" for name in S.TABLES}
        raws = _read_workbook(src, report, readings, allow_identifiers)
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
        header_row = raw.attrs.get("header_row", 1)
        extra = [c for c in raw.columns if c not in table.column_names]
        ids = {c: identifier_kind(c) for c in extra}
        ids = {c: k for c, k in ids.items() if k}
        for c, kind in ids.items():
            if allow_identifiers:
                report.warnings.append(Failure(file, header_row, c, None,
                                               f"looks like a direct identifier ({kind}): dropped"))
            else:
                report.failures.append(Failure(file, header_row, c, None,
                                               f"looks like a direct identifier ({kind}): remove the column; "
                                               "identify patients by study id and time by months since DTT "
                                               "start (or pass allow_identifiers=True to load anyway: the column "
                                               "is then dropped)"))
        for c in table.required_names:
            if c not in raw.columns:
                report.failures.append(Failure(file, header_row, c, None, "required column missing"))
        for c in extra:
            if c not in ids:
                report.warnings.append(Failure(file, header_row, c, None, "unknown column: ignored"))
        if extra:
            raw = raw.drop(columns=extra)  # their content is never looked at again
        raw, cell_failures, reported = screen_cells(raw, table, file)
        report.failures += cell_failures
        raw, found = normalise_table(raw, table, file)
        readings += found
        typed, type_failures = parse_table(raw, table, file)
        report.failures += type_failures
        if len(type_failures) > MAX_LISTED:
            # a file this broken is not worth checking further: report what is wrong with its cells and stop
            report.failures.append(Failure(file, None, None, None, "too many unreadable cells: other checks "
                                           "skipped for this file"))
            continue
        already = {(int(f.row or 0) - 2, f.column or "") for f in type_failures} | reported
        report.failures += check_columns(typed, table, file, already)
        if name == "patients" and typed.empty:
            report.failures.append(Failure(file, header_row + 1, "patient_id", None,
                                           "no patients: the file has a header but no rows (a cohort needs at "
                                           "least one patient)"))
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
    report.notes = notes_from_readings(sorted(readings, key=lambda r: order.get(r.file, -1)))
    prov["readings"] = [r.as_dict() for r in sorted(readings, key=lambda r: order.get(r.file, -1))]
    if encodings:
        prov["encoding"] = encodings
    return tables, report, prov


def validate(path: str | Path | None = None, *, allow_identifiers: bool = False) -> ValidationReport:
    """Validate a cohort folder or workbook and return the full report (never raises on bad data)."""
    return read_cohort(path, allow_identifiers=allow_identifiers)[1]


def _finalise(df: pd.DataFrame, table: S.Table) -> pd.DataFrame:
    df = df.copy()
    for c in table.columns:
        if c.name not in df.columns:
            df[c.name] = float("nan") if c.kind == "float" else None
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
    prov["synthetic"] = not reconstructed and is_synthetic(src)
    prov["label"] = ("reference cohort (reconstructed from Wang et al., Front Med 2025; not patient data)"
                     if reconstructed else f"cohort from {src.name}")
    typed = {n: _finalise(tables[n], S.TABLES[n]) for n in S.TABLES}
    return Cohort(provenance=prov, **typed)
