"""Tables of the laboratory markers (:data:`dttstudy.concepts.LABS`: the paper's, and the optional markers a cohort
records): change from baseline by month (summary with paired tests) and per patient.
"""
from __future__ import annotations

import pandas as pd

from ...concepts import LAB_BY_NAME, labs_title
from ..labels import NA, abbreviation_note, fmt, fmt_p, interval, label, level
from .core import (_DECIMALS_OF, MARKS, MIN_N_TEST, Column, DisplayTable, Row, _is_num, _month_label, _nan, _text,
                   builder)


@builder("lab_change_summary")
def lab_summary_display(name: str, tidy: pd.DataFrame, min_n_test: int = MIN_N_TEST) -> DisplayTable:
    """Change from baseline of each marker in ``tidy``: laboratory values as row groups, months as label rows with the
    subgroups indented; no test (blank p) for a group with fewer than ``min_n_test`` paired values."""
    cols = [Column(label("group")), Column(label("n"), align="right"),
            Column(label("baseline_median_iqr"), align="center"),
            Column(label("value_median_iqr"), align="center"),
            Column(label("change_mean_sd"), align="center"), Column(label("change_median_iqr"), align="center"),
            Column(label("p_value"), align="center")]
    test_marks: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    marks = iter(MARKS)
    rows: list[Row] = []

    def mq(a, b, c, st):
        return NA if _nan(a) else f"{fmt(a, st)} ({interval(b, c, st)})"

    for lab in dict.fromkeys(tidy["lab"]):
        sub = tidy[tidy["lab"] == lab]
        st, st_change = _statistics(lab)
        gname = level(lab)
        for m in dict.fromkeys(sub["month"]):
            rows.append(Row([_month_label(m)] + [""] * 6, [None] * 7, [None] * 7, group=gname))
            for _, r in sub[sub["month"] == m].iterrows():
                tested = _is_num(r["n"]) and r["n"] >= min_n_test and not _nan(r.get("p_value"))
                p = fmt_p(r["p_value"]) if tested else ""
                rmarks = {}
                if tested and r.get("test"):
                    t = str(r["test"])
                    if t not in test_marks:
                        test_marks[t] = next(marks)
                        notes.append((test_marks[t], t + "."))
                    rmarks[6] = test_marks[t]
                rows.append(Row([level(r["group"]) if r["by"] == "All" else str(r["group"]), fmt(r["n"], "n"),
                                 mq(r["baseline_median"], r["baseline_q1"], r["baseline_q3"], st),
                                 mq(r["value_median"], r["value_q1"], r["value_q3"], st),
                                 NA if _nan(r["change_mean"]) else
                                 f"{fmt(r['change_mean'], st_change)} ({fmt(r['change_sd'], st_change)})",
                                 mq(r["change_median"], r["change_q1"], r["change_q3"], st_change), p],
                                [None, r["n"], None, None, None, None, None], [None, 0] + [None] * 5,
                                group=gname, indent=1, marks=rmarks))
    notes.append(("", f"Paired values: patients with both a baseline and a follow-up value; no test for fewer than "
                      f"{min_n_test} pairs."))
    labs = list(dict.fromkeys(tidy["lab"]))
    notes.append(("", abbreviation_note([*_lab_abbreviations(labs), "SD", "Q1–Q3", "UC", "CD"]) + "."))
    return DisplayTable(name, f"{labs_title(labs)}: change from baseline", cols, rows, notes)


def _statistics(lab: str) -> tuple[str, str]:
    """The number formats of a marker's values and of its changes: a marker declared to whole units (calprotectin
    µg/g, haemoglobin g/L) shows whole values and changes to one decimal; the others one decimal and two."""
    decl = LAB_BY_NAME.get(lab)
    return ("n", "lab") if decl is not None and decl.decimals == 0 else ("lab", "change")


def _lab_abbreviations(labs) -> list[str]:
    """The markers' abbreviations a footnote spells out (those written in capitals)."""
    return [LAB_BY_NAME[x].label for x in labs if x in LAB_BY_NAME and LAB_BY_NAME[x].label.isupper()]


# --- per-patient tables ---------------------------------------------------------------------------------------
@builder("lab_change_per_patient")
def lab_per_patient_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Each marker per patient, wide: laboratory values as row groups, one row per patient, baseline then
    value and change from baseline under one spanner per month; "–" where the month has no paired value."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("patient_id")), Column(label("disease")), Column(label("regimen")),
            Column(label("baseline"), align="right")]
    for m in months:
        cols += [Column(label("value"), spanner=_month_label(m), align="right"),
                 Column(label("change_short"), spanner=_month_label(m), align="right")]
    rows = []
    shifted = False
    for lab in dict.fromkeys(tidy["lab"]):
        sub = tidy[tidy["lab"] == lab]
        st = _statistics(lab)[0]
        for pid in sorted(dict.fromkeys(sub["patient_id"])):
            pr = sub[sub["patient_id"] == pid]
            first = pr.iloc[0]
            cells = [str(pid), _text(first["disease"]), _text(first["regimen"]), fmt(first["baseline"], st)]
            vals = [None, None, None, first["baseline"]]
            decs = [None, None, None, _DECIMALS_OF[st]]
            for m in months:
                hit = pr[pr["month"] == m]
                if hit.empty:
                    cells += [NA, NA]
                    vals += [None, None]
                    decs += [None, None]
                    continue
                r = hit.iloc[0]
                shifted = shifted or ("visit_month" in r and _is_num(r["visit_month"])
                                      and float(r["visit_month"]) != float(m))
                cells += [fmt(r["value"], st), fmt(r["change"], st)]
                vals += [r["value"], r["change"]]
                decs += [_DECIMALS_OF[st]] * 2
            rows.append(Row(cells, vals, decs, group=level(lab)))
    notes = [("", "Change: value minus baseline, for patients with both values; – no paired value at that month.")]
    if shifted:
        notes.append(("", "Some values come from a visit inside the month's window rather than at the month itself "
                          "(visit_month in the tidy table)."))
    labs = list(dict.fromkeys(tidy["lab"]))
    notes.append(("", abbreviation_note([*_lab_abbreviations(labs), "UC", "CD", *tidy["regimen"].astype(str)])
                  + "."))
    return DisplayTable(name, f"{labs_title(labs)} per patient", cols, rows, notes, stub=False)
