"""Validation of a cohort against the contract in :mod:`dttstudy.intake.schema`.

Every problem is collected (nothing stops at the first one) and reported as *file (or sheet), row as a
person counts it in that file (the header is row 1), column, offending value, rule broken*.
Column-level rules (types, codes, ranges, unique keys) are pandera schemas generated from the contract;
rules that need more than one column or table are written out below, one function each.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import schema as S
from .normalise import suggest
from .privacy import MAX_TEXT_LENGTH, identifiers_in_texts
from .raw_files import UNSAVED_FORMULA

#: At most this many failures are listed per file, column and rule; the rest are counted in one line.
MAX_LISTED = 50
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


@dataclass(frozen=True)
class Failure:
    """One broken rule at one place."""

    file: str
    row: int | None
    column: str | None
    value: object
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        value = "" if _is_missing(self.value) else f" (value: {_fmt(self.value)})"
        return f"{where}: {self.rule}{value}"


@dataclass(frozen=True)
class Note(Failure):
    """One reading of an unambiguous spelling (or a file-level fix), reported so the user sees what was read."""

    kind: str = ""


#: More than this many notes of one rule in one column are summarised: the first :data:`NOTES_SHOWN` listed,
#: the rest counted.
NOTES_LISTED = 10
NOTES_SHOWN = 5


@dataclass
class ValidationReport:
    """All failures, warnings and notes (readings of unambiguous spellings) found while loading one cohort."""

    source: str
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_frame(self) -> pd.DataFrame:
        cols = ["level", "file", "row", "column", "value", "rule"]
        rows = [("error", f.file, f.row, f.column, f.value, f.rule) for f in self.failures]
        rows += [("warning", f.file, f.row, f.column, f.value, f.rule) for f in self.warnings]
        rows += [("note", f.file, f.row, f.column, f.value, f.rule) for f in self.notes]
        return pd.DataFrame(rows, columns=cols)

    def __str__(self) -> str:
        lines = []
        if self.ok:
            lines.append(f"{self.source}: valid")
        else:
            n = len(self.failures)
            lines.append(f"{self.source}: INVALID — {n} problem{'s' if n != 1 else ''}")
            lines += [f"  ERROR   {f}" for f in self.failures]
        lines += [f"  WARNING {w}" for w in self.warnings]
        lines += [f"  NOTE    {n}" for n in self.notes]
        return "\n".join(lines)


def notes_from_readings(readings) -> list[Note]:
    """NOTE lines for readings (:class:`dttstudy.intake.normalise.Reading`): one per cell, or — when one rule read more
    than :data:`NOTES_LISTED` cells of one column — the first :data:`NOTES_SHOWN` and a count of the rest."""
    groups: dict = {}
    for r in readings:
        groups.setdefault((r.file, r.column, r.rule), []).append(r)
    out = []
    for (file, column, rule), rs in groups.items():
        if rs[0].text is not None:
            out += [Note(r.file, r.rows[0] if r.rows else None, r.column, None, r.message, r.rule) for r in rs]
            continue
        cells = sorted((row, r) for r in rs for row in r.rows)
        total = sum(r.count for r in rs)
        shown = cells if total <= NOTES_LISTED else cells[:NOTES_SHOWN]
        out += [Note(file, row, column, None, r.message, rule) for row, r in shown]
        if total > len(shown):
            kinds = "; ".join(f"{r.message} ×{r.count:,}" for r in rs[:5]) + (" …" if len(rs) > 5 else "")
            out.append(Note(file, None, column, None, f"and {total - len(shown):,} more '{rule}' readings in this "
                            f"column ({kinds})", rule))
    return out


def reading_lines(cohort) -> list[str]:
    """One NOTE line per rule and column of what loading read (e.g. "read 'Stelara' as 'UST'"), so a user sees
    every normalisation; ``dttstudy validate`` lists them cell by cell."""
    out = []
    for r in cohort.provenance.get("readings") or []:
        where = r.get("file", "")
        if r.get("column"):
            where += f", column '{r['column']}'"
        rows = r.get("rows") or []
        if rows:
            where += f", row{'s' if len(rows) > 1 else ''} " + ", ".join(str(x) for x in rows[:5]) + (
                " …" if len(rows) > 5 else "")
        count = f" ({r['count']:,} cells)" if (r.get("count") or 0) > 1 else ""
        out.append(f"NOTE {where}: {r.get('message', '')}{count}")
    return out


class CohortValidationError(ValueError):
    """Raised by :func:`dttstudy.load_cohort` when the data break the contract; carries the full report."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(str(report))


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    if isinstance(v, (int, float, np.integer, np.floating)):
        return f"{float(v):g}"
    text = str(v)
    if len(text) > 60:
        text = text[:57] + "…"
    return repr(text)


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def _row(index) -> int:
    """Row number as a person counts it in the file: the header is row 1, the first record row 2."""
    return int(index) + 2


# --------------------------------------------------------------------------------------------------
# Parsing raw text cells into typed columns (type failures are reported here, per cell)
# --------------------------------------------------------------------------------------------------

#: Values a spreadsheet shows for a formula that failed; a cell holding one is an error, never "missing".
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
_EXCEL_ERRORS = frozenset(e.casefold() for e in EXCEL_ERRORS)
#: What a text cell holding an identifier is told (:mod:`dttstudy.intake.identifiers`); the text is never echoed.
IDENTIFIER_RULE = {
    "a calendar date": "looks like a calendar date: remove it (no dates in the data; time is months since DTT "
                       "start)",
    None: "looks like {kind}: remove it (identify patients by study id only: no names, numbers, contact details or "
          "dates in any cell)",
}


def screen_cells(raw: pd.DataFrame, table: S.Table, file: str
                 ) -> tuple[pd.DataFrame, list[Failure], set[tuple[int, str]]]:
    """Cell rules checked on the text as written, before any reading: spreadsheet error values (every column),
    text longer than :data:`dttstudy.intake.privacy.MAX_TEXT_LENGTH` and identifiers — dates, e-mail addresses,
    phone, national-ID and record numbers (text and code columns, and study ids where they are unique).

    Returns the table with those cells emptied (so they are not reported twice), the failures, and the
    (index, column) of every cell reported. Each distinct text is examined once.
    """
    failures: list[Failure] = []
    reported: set[tuple[int, str]] = set()
    out = raw
    for col in table.columns:
        if col.name not in raw.columns or raw[col.name].dtype != object:
            continue
        s = raw[col.name]
        uniq = s.dropna().unique()
        if not len(uniq):
            continue
        text = [u if isinstance(u, str) else str(u) for u in uniq]
        rules: dict[str, tuple[str, str | None]] = {}
        for u, t in zip(uniq, text):
            if (t[:1] == "#" or t[:1].isspace()) and t.strip().casefold() in _EXCEL_ERRORS:
                rules[u] = (f"spreadsheet error value {t.strip()}: correct the formula or enter the value itself",
                            t.strip())
            elif t == UNSAVED_FORMULA:
                rules[u] = ("a formula without a saved value (the workbook was written by a program and never "
                            "calculated): open it in Excel or LibreOffice, save it and load it again, or type the "
                            "value", None)
        if col.kind in ("text", "code", "id"):
            lengths = np.fromiter(map(len, text), dtype=np.int64, count=len(text))
            for k in np.flatnonzero(lengths > MAX_TEXT_LENGTH):
                if uniq[k] not in rules:
                    rules[uniq[k]] = (f"text longer than {MAX_TEXT_LENGTH} characters ({lengths[k]:,}): enter a "
                                      "short term or code, not a note", None)
            # ids are looked at where they are unique (patients, treatments); elsewhere they must match those
            if col.kind != "id" or col.unique:
                for u, kind in zip(uniq, identifiers_in_texts(text, id_column=col.kind == "id")):
                    if kind and u not in rules:
                        rules[u] = (IDENTIFIER_RULE.get(kind, IDENTIFIER_RULE[None]).format(kind=kind), None)
        if not rules:
            continue
        bad = s.isin(list(rules)).to_numpy()
        idx = raw.index[bad]
        vals = s[bad]
        for i, v in zip(idx[:MAX_LISTED], vals.iloc[:MAX_LISTED]):
            rule, shown = rules[v]
            failures.append(Failure(file, _row(i), col.name, shown, rule))
        if len(idx) > MAX_LISTED:
            failures.append(Failure(file, None, col.name, None, f"{len(idx) - MAX_LISTED:,} more cells with error "
                                    "values, long text or identifiers not listed"))
        reported |= {(int(i), col.name) for i in idx}
        if out is raw:
            out = raw.copy()
        out.loc[bad, col.name] = None
    return out, failures, reported


def parse_table(raw: pd.DataFrame, table: S.Table, file: str) -> tuple[pd.DataFrame, list[Failure]]:
    """Turn raw cells into typed columns. Unparseable cells become missing and are reported.

    Numeric columns may arrive already parsed (CSV) or as text (Excel, or a column with a bad cell); a cell
    holding only spaces counts as empty. Booleans accept true/false, yes/no, 1/0 in any case.
    """
    out = pd.DataFrame(index=raw.index)
    failures: list[Failure] = []
    for col in table.columns:
        if col.name not in raw.columns:
            continue
        s = raw[col.name]
        if col.kind in ("int", "float"):
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                out[col.name] = s.astype("float64")
                continue
            num = pd.to_numeric(s, errors="coerce")
            bad = s.notna() & num.isna()
            if bad.any():
                blank = s[bad].astype(str).str.strip() == ""
                bad[blank[blank].index] = False
            for i in raw.index[bad][:MAX_LISTED + 1]:
                hint = " (use a decimal point, not a comma)" if "," in str(s[i]) else ""
                failures.append(Failure(file, _row(i), col.name, s[i], f"must be a number{hint}"))
            out[col.name] = num.astype("float64")
        elif col.kind == "bool":
            if pd.api.types.is_bool_dtype(s):
                out[col.name] = s.astype(object)
                continue
            # map each distinct spelling once, not each cell
            lookup, blanks = {}, []
            for u in s.dropna().unique():
                low = str(u).strip().lower()
                lookup[u] = True if low in _TRUE else False if low in _FALSE else None
                if not low:
                    blanks.append(u)
            val = s.map(lookup).astype(object)
            bad = s.notna() & val.isna() & ~s.isin(blanks)
            for i in raw.index[bad][:MAX_LISTED + 1]:
                failures.append(Failure(file, _row(i), col.name, s[i], "must be true or false"))
            out[col.name] = val.where(val.notna(), None)
        else:
            if col.kind == "text":
                blank = s.notna() & (s.astype(str).str.strip() == "")
                s = s.where(~blank)
            out[col.name] = s.where(s.notna(), None).astype("object")
    return out, failures


def _check_error(col: S.Column) -> list:
    import pandera.pandas as pa

    checks = []
    if col.codes is not None:
        checks.append(pa.Check.isin(list(col.codes), error="must be one of: " + ", ".join(col.codes)))
    if col.min is not None and col.max is not None:
        checks.append(pa.Check.in_range(col.min, col.max, error=f"must be between {col.min:g} and {col.max:g}"))
    if col.kind == "int":
        checks.append(pa.Check(lambda s: s == np.round(s), error="must be a whole number"))
    if col.kind == "id":
        checks.append(pa.Check.str_matches(r"^[A-Za-z0-9_.\-]+$",
                                           error="must be a study id of letters, digits, '-', '_' or '.'"))
    return checks


def pandera_schema(table: S.Table, present: list[str]):
    """The pandera schema of one table, restricted to the columns present in the data."""
    import pandera.pandas as pa

    cols = {
        c.name: pa.Column(checks=_check_error(c), nullable=c.nullable, unique=c.unique, required=False)
        for c in table.columns if c.name in present
    }
    unique = list(table.unique_together) if table.unique_together and set(table.unique_together) <= set(present) \
        else None
    return pa.DataFrameSchema(cols, unique=unique, name=table.name)


def check_columns(typed: pd.DataFrame, table: S.Table, file: str,
                  already: set[tuple[int, str]]) -> list[Failure]:
    """Column-level rules via pandera, collected lazily (every failure at once)."""
    import pandera.pandas as pa

    present = list(typed.columns)
    try:
        with warnings.catch_warnings():
            # pandera's own use of pd.concat on all-empty failure cases raises a pandas FutureWarning
            warnings.simplefilter("ignore", FutureWarning)
            pandera_schema(table, present).validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
    failures = []
    # list at most MAX_LISTED cases of each column × check, count the rest
    key = fc["column"].astype(str) + "\0" + fc["check"].astype(str)
    rank = key.groupby(key).cumcount()
    more = key[rank >= MAX_LISTED].value_counts()
    fc = fc[(rank < MAX_LISTED).to_numpy()]
    for k, n in more.items():
        column, check = k.split("\0")
        failures.append(Failure(file, None, column, None, f"{check}: {n:,} more rows not listed"))
    seen = set()
    for rec in fc.itertuples(index=False):
        idx = rec.index
        if idx is None or _is_missing(idx):
            continue
        column, check = rec.column, str(rec.check)
        if check == "multiple_fields_uniqueness":
            together = table.unique_together or ()
            key = (int(idx), "+".join(together))
            if key in seen:
                continue
            seen.add(key)
            vals = ", ".join(f"{c}={_fmt(typed.at[idx, c])}" for c in together)
            failures.append(Failure(file, _row(idx), "+".join(together), vals, "duplicate " + " × ".join(together)))
            continue
        if (int(idx), column) in already:
            continue  # already reported as a type failure
        if check == "not_nullable":
            rule = "must not be empty"
        elif check == "field_uniqueness":
            rule = f"duplicate {column}: must be unique"
        else:
            rule = check
        value = rec.failure_case
        col = table.column(column)
        if col.codes and isinstance(value, str) and value not in col.codes:
            hint = suggest(column, value)
            if hint:
                rule += f" (did you mean {hint}? spellings are read only when unambiguous; see the synonyms " \
                        "table in the data dictionary)"
        failures.append(Failure(file, _row(idx), column, value, rule))
    return failures


# --------------------------------------------------------------------------------------------------
# Rules that need several columns or tables
# --------------------------------------------------------------------------------------------------

def _rows(df: pd.DataFrame, mask: pd.Series) -> pd.Index:
    return df.index[mask.fillna(False).astype(bool)][:MAX_LISTED + 1]


def cap(failures: list[Failure]) -> list[Failure]:
    """Keep the first :data:`MAX_LISTED` failures of each (file, column, rule); count the rest in one line."""
    kept: list = []
    seen: dict = {}
    extra: dict = {}
    for f in failures:
        key = (f.file, f.column, f.rule.split(" (")[0])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= MAX_LISTED:
            kept.append(f)
        else:
            extra[key] = extra.get(key, 0) + 1
    for (file, column, rule), n in extra.items():
        kept.append(Failure(file, None, column, None, f"{rule}: {n:,} more rows not listed"))
    return kept


def check_patients(p: pd.DataFrame, file: str) -> list[Failure]:
    out = []
    if {"montreal", "disease"} <= set(p.columns):
        for d, pattern in S.MONTREAL_PATTERN.items():
            m = p["montreal"].astype("string")
            bad = (p["disease"] == d) & m.notna() & ~m.str.fullmatch(pattern).fillna(False).astype(bool)
            expect = "E1, E2 or E3" if d == "UC" else "'L1'–'L4' and 'B1'–'B3' (+ ' p'), e.g. 'L3 B2 p'"
            for i in _rows(p, bad):
                out.append(Failure(file, _row(i), "montreal", p.at[i, "montreal"],
                                   f"not a Montreal class for {d}: expected {expect}"))
    if {"followup_before_dtt", "disease_duration"} <= set(p.columns):
        # one month of slack for durations recorded to 0.1 year
        bad = p["followup_before_dtt"] > p["disease_duration"] * 12 + 1
        for i in _rows(p, bad):
            out.append(Failure(file, _row(i), "followup_before_dtt", p.at[i, "followup_before_dtt"],
                               "follow-up before DTT is longer than the disease duration"))
    return out


def check_treatments(t: pd.DataFrame, file: str) -> list[Failure]:
    out = []
    cols = set(t.columns)
    if {"agent_1", "agent_2"} <= cols:
        for i in _rows(t, t["agent_1"].notna() & (t["agent_1"] == t["agent_2"])):
            out.append(Failure(file, _row(i), "agent_2", t.at[i, "agent_2"], "must differ from agent_1"))
    if {"status", "stop_reason"} <= cols:
        for i in _rows(t, (t["status"] == "maintained") & t["stop_reason"].notna()):
            out.append(Failure(file, _row(i), "stop_reason", t.at[i, "stop_reason"],
                               "must be empty when status is 'maintained'"))
        if "next_therapy" in cols:
            for i in _rows(t, (t["status"] == "maintained") & t["next_therapy"].notna()):
                out.append(Failure(file, _row(i), "next_therapy", t.at[i, "next_therapy"],
                                   "must be empty when status is 'maintained' (a maintained DTT has no next "
                                   "therapy yet)"))
        for i in _rows(t, (t["status"] == "discontinued") & t["stop_reason"].isna()):
            out.append(Failure(file, _row(i), "stop_reason", None,
                               "a discontinued DTT needs a stop_reason"))
    if {"steroid_at_start", "steroid_stop_month"} <= cols:
        for i in _rows(t, (t["steroid_at_start"] == False) & t["steroid_stop_month"].notna()):  # noqa: E712
            out.append(Failure(file, _row(i), "steroid_stop_month", t.at[i, "steroid_stop_month"],
                               "must be empty when steroid_at_start is false"))
    return out


def check_links(tables: dict[str, pd.DataFrame], files: dict[str, str]) -> list[Failure]:
    """Keys and chronology across the four tables."""
    out: list[Failure] = []
    p, t, v, a = (tables.get(n) for n in ("patients", "treatments", "visits", "adverse_events"))
    if p is None or "patient_id" not in p.columns:
        return out
    known = set(p["patient_id"].dropna())
    for name in ("treatments", "visits", "adverse_events"):
        df = tables.get(name)
        if df is None or "patient_id" not in df.columns:
            continue
        orphan = df["patient_id"].notna() & ~df["patient_id"].isin(known)
        for i in _rows(df, orphan):
            out.append(Failure(files[name], _row(i), "patient_id", df.at[i, "patient_id"],
                               "unknown patient (not in patients)"))

    if t is not None and "patient_id" in t.columns:
        has_t = set(t["patient_id"].dropna())
        for i in _rows(p, p["patient_id"].notna() & ~p["patient_id"].isin(has_t)):
            out.append(Failure(files["patients"], _row(i), "patient_id", p.at[i, "patient_id"],
                               "patient has no row in treatments"))
    if v is not None and {"patient_id", "month"} <= set(v.columns):
        base = set(v.loc[v["month"] == 0, "patient_id"].dropna())
        for i in _rows(p, p["patient_id"].notna() & ~p["patient_id"].isin(base)):
            out.append(Failure(files["patients"], _row(i), "patient_id", p.at[i, "patient_id"],
                               "patient has no month-0 (baseline) visit"))

    disease = p.dropna(subset=["patient_id"]).drop_duplicates("patient_id").set_index("patient_id").get("disease")
    if v is not None and disease is not None and "patient_id" in v.columns:
        vd = v["patient_id"].map(disease)
        for dis, cols in S.DISEASE_SCORES.items():
            for col in cols:
                if col not in v.columns:
                    continue
                for i in _rows(v, vd.isin(S.DISEASES) & (vd != dis) & v[col].notna()):
                    out.append(Failure(files["visits"], _row(i), col, v.at[i, col],
                                       f"{col} is a {dis} score but {v.at[i, 'patient_id']} has {vd[i]}"))
        if {"rectal_bleeding", "partial_mayo"} <= set(v.columns):
            for i in _rows(v, v["rectal_bleeding"] > v["partial_mayo"]):
                out.append(Failure(files["visits"], _row(i), "rectal_bleeding", v.at[i, "rectal_bleeding"],
                                   "bleeding subscore cannot exceed the partial Mayo score it belongs to"))

    course = None
    if t is not None and {"patient_id", "dtt_months"} <= set(t.columns):
        course = t.dropna(subset=["patient_id"]).drop_duplicates("patient_id").set_index("patient_id")
    if v is not None and course is not None and {"patient_id", "month", "on_dtt"} <= set(v.columns):
        stop = v["patient_id"].map(course["dtt_months"])
        for i in _rows(v, (v["on_dtt"] == True) & (v["month"] > stop)):  # noqa: E712
            out.append(Failure(files["visits"], _row(i), "on_dtt", v.at[i, "on_dtt"],
                               f"visit at month {v.at[i, 'month']:g} is marked on DTT but DTT lasted "
                               f"{stop[i]:g} months"))
    if a is not None and {"patient_id", "onset_month"} <= set(a.columns):
        last = last_followup(v, t)
        end = a["patient_id"].map(last)
        for i in _rows(a, end.notna() & (a["onset_month"] > end)):
            out.append(Failure(files["adverse_events"], _row(i), "onset_month", a.at[i, "onset_month"],
                               f"onset after the last follow-up (month {end[i]:g})"))
        if course is not None and "suspected_agent" in a.columns and {"agent_1", "agent_2"} <= set(course.columns):
            ag1 = a["patient_id"].map(course["agent_1"])
            ag2 = a["patient_id"].map(course["agent_2"])
            ok = a["suspected_agent"].isin(["both", "unknown"]) | (a["suspected_agent"] == ag1) | \
                (a["suspected_agent"] == ag2) | ag1.isna() | a["suspected_agent"].isna()
            for i in _rows(a, ~ok):
                out.append(Failure(files["adverse_events"], _row(i), "suspected_agent", a.at[i, "suspected_agent"],
                                   f"must be {ag1[i]}, {ag2[i]}, 'both' or 'unknown'"))
    return out


def last_followup(visits: pd.DataFrame | None, treatments: pd.DataFrame | None) -> pd.Series:
    """Last follow-up per patient (months): the later of the last visit and the end of the DTT course."""
    parts = []
    if visits is not None and {"patient_id", "month"} <= set(visits.columns):
        parts.append(visits.groupby("patient_id")["month"].max())
    if treatments is not None and {"patient_id", "dtt_months"} <= set(treatments.columns):
        parts.append(treatments.groupby("patient_id")["dtt_months"].max())
    if not parts:
        return pd.Series(dtype="float64")
    return pd.concat(parts, axis=1).max(axis=1)
