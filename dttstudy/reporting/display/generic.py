"""The table any tidy table gets without a builder of its own (:func:`generic`), and the patient-per-row
layout the listing builders share (:func:`_per_patient`).
"""
from __future__ import annotations

import pandas as pd

from ..labels import NA, abbreviation_note, est_ci, fmt, interval, label, level
from .core import (_DECIMALS_OF, _FREE_TEXT, Column, DisplayTable, Row, _column_stat, _is_num, _label_or_record, _nan,
                   _sentence, _text)


#: Method columns: when constant over a table of several rows they become one footnote instead of a column.
METHOD_COLUMNS = ("endpoint", "definition", "ci_method", "ci_type", "method", "transform", "hartung_knapp",
                  "level", "continuity", "unit", "parameter", "test", "pi_method")

#: (estimate, lower, upper, label key, statistic): an estimate and its interval shown in one column.
INTERVAL_COLUMNS = (("proportion", "ci_lower", "ci_upper", "proportion_ci", "proportion"),
                    ("pooled_pct", "ci_low", "ci_high", "pooled_ci", "pct"),
                    ("pct", "ci_low", "ci_high", "pct_ci", "pct"),
                    ("survival", "ci_lower", "ci_upper", "survival_ci", "prob"),
                    ("cif_event", "cif_event_ci_lower", "cif_event_ci_upper", "cif_event_ci", "prob"),
                    ("cif_competing", "cif_competing_ci_lower", "cif_competing_ci_upper", "cif_competing_ci", "prob"))


#: Text columns shown even when every row has the same value (identifiers, the row's own label).
_KEEP_CONSTANT = {"patient_id", "study_id", "label", "group", "term", "regimen", "agent", "outcome", "omitted"}


def _merge_intervals(tidy: pd.DataFrame) -> pd.DataFrame:
    t = tidy.copy()
    for est, lo, hi, key, st in INTERVAL_COLUMNS:
        if {est, lo, hi} <= set(t.columns):
            t[est] = [est_ci(a, b, c, st) if _is_num(a) else "" for a, b, c in zip(t[est], t[lo], t[hi])]
            t = t.drop(columns=[lo, hi]).rename(columns={est: key})
    for lo, hi, key, st in (("pi_lower", "pi_upper", "pi", "proportion"), ("pi_low", "pi_high", "pi_pct", "pct")):
        if {lo, hi} <= set(t.columns):
            t[lo] = [interval(a, b, st) if _is_num(a) else "" for a, b in zip(t[lo], t[hi])]
            t = t.drop(columns=[hi]).rename(columns={lo: key})
    return t


def generic(name: str, tidy: pd.DataFrame, title: str | None = None) -> DisplayTable:
    """Any tidy table: headers from the label dictionary, coded values as words, one decimal rule per column
    (see :data:`COLUMN_STATS`), an estimate and its interval in one column (:data:`INTERVAL_COLUMNS`), method
    columns that are constant moved to a footnote (:data:`METHOD_COLUMNS`), numbers right-aligned and kept as
    numbers for the spreadsheet."""
    unlabelled: list[str] = []
    method_notes = []
    constant: dict[str, str] = {}  # method columns said in words together (interval and level; groups and test)
    if len(tidy) > 1:
        for c in list(tidy.columns):
            constant_text = (tidy[c].dtype == object or pd.api.types.is_bool_dtype(tidy[c])) and \
                tidy[c].nunique(dropna=False) == 1 and c not in _KEEP_CONSTANT
            if (c in METHOD_COLUMNS and tidy[c].nunique(dropna=False) == 1) or constant_text:
                v = tidy[c].iloc[0]
                if not _nan(v) and str(v) != "":
                    shown = f"{100 * float(v):g}%" if c == "level" and _is_num(v) else level(v)
                    if c in ("level", "ci_type", "by", "test"):
                        constant[c] = str(shown)
                    else:
                        method_notes.append(f"{_label_or_record(c, unlabelled)}: {shown}")
                tidy = tidy.drop(columns=[c])
    method_notes = _in_words(constant) + method_notes
    empty = [c for c in tidy.columns if len(tidy) and tidy[c].isna().all()]
    if empty:
        method_notes.append("no values: " + ", ".join(_label_or_record(c, unlabelled) for c in empty))
        tidy = tidy.drop(columns=empty)
    tidy = _merge_intervals(tidy)
    cols, stats = [], []
    for c in tidy.columns:
        st = _column_stat(c, tidy[c]) if pd.api.types.is_numeric_dtype(tidy[c]) else None
        stats.append(st)
        long_text = tidy[c].dtype == object and tidy[c].astype(str).str.len().max() > 30
        cols.append(Column(_label_or_record(str(c), unlabelled), align="right" if st else "left",
                           wrap=bool(c in _FREE_TEXT or long_text)))
    rows = []
    for rec in tidy.itertuples(index=False):
        cells, values, decs = [], [], []
        for v, st in zip(rec, stats):
            if st and _is_num(v):
                cells.append(fmt(v, st))
                values.append(None if st == "p" else v)
                decs.append(None if st == "p" else _DECIMALS_OF.get(st, 0))
            elif st:
                cells.append(NA)
                values.append(None)
                decs.append(None)
            else:
                cells.append(_text(v))
                values.append(None)
                decs.append(None)
        rows.append(Row(cells, values, decs))
    notes = [("", _sentence("; ".join(method_notes)) + ".")] if method_notes else []
    codes = [v for c in ("regimen", "agent", "suspected_agent", "group") if c in tidy.columns for v in tidy[c]]
    if codes and abbreviation_note(codes):
        notes.append(("", abbreviation_note(codes) + "."))
    return DisplayTable(name, title or label(name, strict=False), cols, rows, notes, stub=False,
                        unlabelled=unlabelled)


def _num_cell(v, st):
    return (fmt(v, st), v, _DECIMALS_OF.get(st, 0)) if _is_num(v) else ("" if _nan(v) else _text(v), None, None)


def _in_words(constant: dict[str, str]) -> list[str]:
    """Constant method columns as a reader says them: "95% confidence intervals by the log transformation",
    "groups compared by disease: log-rank test" (not "CI type: …; Confidence level: …")."""
    out = []
    if "ci_type" in constant or "level" in constant:
        lvl = constant.get("level")
        out.append(f"{lvl + ' ' if lvl else ''}confidence intervals"
                   + (f" by the {constant['ci_type']}" if "ci_type" in constant else ""))
    if "by" in constant:
        out.append(f"groups compared by {constant['by'].lower()}"
                   + (f": {constant['test']}" if "test" in constant else ""))
    elif "test" in constant:
        out.append(f"test: {constant['test']}")
    return out


def _per_patient(name, tidy, spec, title, notes) -> DisplayTable:
    """Build a patient-per-row table from ``spec``: [(column name or callable, label, spanner, stat or None)]."""
    cols, rows = [], []
    for src, lab, span, st in spec:
        cols.append(Column(lab, spanner=span, align="right" if st else "left", wrap=src in _FREE_TEXT))
    for _, rec in tidy.iterrows():
        cells, vals, decs = [], [], []
        for src, _lab, _span, st in spec:
            v = src(rec) if callable(src) else rec.get(src)
            if st:
                c, val, d = _num_cell(v, st)
            elif callable(src):
                c, val, d = ("" if _nan(v) else str(v)), None, None
            else:
                c, val, d = ("" if _nan(v) else _text(v)), None, None
            cells.append(c)
            vals.append(val)
            decs.append(d)
        rows.append(Row(cells, vals, decs))
    return DisplayTable(name, title, cols, rows, notes)
