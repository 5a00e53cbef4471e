"""Tables of the cohort: Table 1 (baseline by disease), Table 2 (baseline per patient), patient flow and data
completeness.
"""
from __future__ import annotations

import math
import re

import pandas as pd

from ...concepts import LABS
from ..labels import NA, abbreviation_note, fmt, fmt_p, label, level
from .core import MARKS, Column, DisplayTable, Row, _is_num, _month_label, _nan, _sentence, builder
from .generic import _per_patient


_DISEASE_ONLY = re.compile(r"\s*\((UC|CD)\)\s*$")


def _p_of(block: pd.DataFrame) -> tuple[float, str]:
    """The p-value and test of a Table 1 variable (numeric ``p_value`` preferred; the older string ``p``
    column is read when ``p_value`` is absent)."""
    tests = block["test"].fillna("").astype(str) if "test" in block else pd.Series([""] * len(block))
    for i in range(len(block)):
        t = tests.iloc[i]
        pv = block["p_value"].iloc[i] if "p_value" in block else float("nan")
        if (pv is None or (isinstance(pv, float) and math.isnan(pv))) and "p" in block:
            raw = str(block["p"].iloc[i] or "")
            pv = 0.0 if raw.startswith("<") else float(raw) if re.fullmatch(r"\d*\.?\d+", raw) else float("nan")
        if t and not (isinstance(pv, float) and math.isnan(pv)):
            return float(pv), t
    return float("nan"), ""


@builder("table1_baseline")
def table1_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Table 1 in gtsummary's shape: ``UC, N = 8 | CD, N = 10 | Total, N = 18 | p-value``; one label row per
    variable with indented levels (or one row for a yes/no variable); "Unknown" rows only where values are
    missing; p-values formatted with the test as a lettered footnote; disease-specific rows footnoted with their
    denominator (the other disease's cell and the total are "–").

    N per column comes from the ``Patients`` row of the tidy table; a column with N = 0 (a cohort filtered to one
    disease) is left out, with the rows that describe only that disease, and so is Total beside a single
    disease column (it would repeat it)."""
    groups = [c for c in ("UC", "CD", "Total") if c in tidy.columns]
    pat = tidy[tidy["variable"] == "Patients"]
    if pat.empty:
        raise ValueError("Table 1 needs its 'Patients' row (the N of each column)")
    ns = {g: int(float(pat[g].iloc[0])) for g in groups}
    groups = [g for g in groups if ns[g] > 0]  # a cohort of one disease: no empty column
    if len([g for g in groups if g != "Total"]) == 1:  # ... and no Total repeating that disease's column
        groups = [g for g in groups if g != "Total"]
    has_p = bool("test" in tidy.columns and tidy["test"].fillna("").astype(str).str.len().gt(0).any())
    cols = [Column(label("variable"))]
    cols += [Column(f"{label(g)}, N = {ns[g]}", align="center") for g in groups]
    if has_p:
        cols.append(Column(label("p_value"), align="center"))
    test_marks: dict[str, str] = {}
    disease_marks: dict[str, str] = {}
    footnotes: list[tuple[str, str]] = []
    next_mark = iter(MARKS)
    rows: list[Row] = []
    body = tidy[tidy["variable"] != "Patients"]
    order = list(dict.fromkeys(body["variable"]))
    width = len(cols)

    def cells_of(rec, only: str | None) -> list[str]:
        out = []
        for g in groups:
            v = rec[g]
            s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            if only and g != only:
                s = NA
            out.append(s.replace("—", NA))
        return out

    for var in order:
        block = body[body["variable"] == var]
        m = _DISEASE_ONLY.search(var)
        only = m.group(1) if m else None
        if only and only not in groups:
            continue  # describes a disease this cohort does not have
        base = _DISEASE_ONLY.sub("", var)
        base = _sentence(label(base, strict=False) if base in _T1_VARIABLES else base)
        stats = [s for s in block["statistic"].fillna("") if s != "n"]
        levels = block[block["level"].fillna("") != "Missing"]
        missing = block[block["level"].fillna("") == "Missing"]
        pv, test = _p_of(block)
        label_marks: dict[int, str] = {}
        if only:
            if only not in disease_marks:
                disease_marks[only] = next(next_mark)
                other = [g for g in groups if g != only]
                footnotes.append((disease_marks[only],
                                  f"{only} only: percentages of the {ns[only]} patients with {only}; "
                                  f"{' and '.join(other)} not applicable (–)."))
            label_marks[0] = disease_marks[only]
        p_cells = []
        p_mark = ""
        reason = ""
        if "no_test_reason" in block:
            reason = next((str(x) for x in block["no_test_reason"] if isinstance(x, str) and x), "")
        if has_p:
            if test and not only:
                if test not in test_marks:
                    test_marks[test] = next(next_mark)
                    footnotes.append((test_marks[test], test + "."))
                p_mark = test_marks[test]
                p_cells = [fmt_p(pv)]
            elif reason and not only and "within one disease" not in reason:
                # not tested: the p cell says so, the footnote says why
                key = reason[:1].upper() + reason[1:] + "."
                if key not in test_marks:
                    test_marks[key] = next(next_mark)
                    footnotes.append((test_marks[key], key))
                p_mark = test_marks[key]
                p_cells = [NA]
            else:
                p_cells = [""]
        lv = [str(x) if isinstance(x, str) else "" for x in levels["level"]]
        categorical = "n (%)" in stats
        if categorical and len(levels) == 1 and lv[0].lower() in ("yes", "true"):
            # a yes/no variable on one row
            rec = levels.iloc[0]
            r = Row([f"{base}, n (%)", *cells_of(rec, only), *p_cells], marks=dict(label_marks))
            if p_mark:
                r.marks[width - 1] = p_mark
            rows.append(r)
        elif categorical:
            r = Row([f"{base}, n (%)"] + [""] * len(groups) + p_cells, marks=dict(label_marks))
            if p_mark:
                r.marks[width - 1] = p_mark
            rows.append(r)
            for _, rec in levels.iterrows():
                rows.append(Row([_sentence(str(rec["level"])), *cells_of(rec, only)] + [""] * has_p, indent=1))
        else:
            if len(levels) == 1:
                rec = levels.iloc[0]
                r = Row([f"{base}, {rec['statistic']}", *cells_of(rec, only), *p_cells], marks=dict(label_marks))
                if p_mark:
                    r.marks[width - 1] = p_mark
                rows.append(r)
            else:
                r = Row([base] + [""] * len(groups) + p_cells, marks=dict(label_marks))
                if p_mark:
                    r.marks[width - 1] = p_mark
                rows.append(r)
                for _, rec in levels.iterrows():
                    rows.append(Row([_sentence(str(rec["statistic"])), *cells_of(rec, only)] + [""] * has_p,
                                    indent=1))
        for _, rec in missing.iterrows():
            rows.append(Row([level("Missing"), *cells_of(rec, only)] + [""] * has_p, indent=1))
    for r in rows:
        r.values = [None] * width
        r.decimals = [None] * width
    codes = [c for c in body["level"].dropna().astype(str) if "+" in c]
    abbrev = abbreviation_note(["UC", "CD", "SD", "Q1–Q3", "DTT", "EIM", "IMID", *codes])
    footnotes.append(("", "n (%) of the column N unless footnoted; mean (SD); median (Q1–Q3)."))
    footnotes.append(("", abbrev + "."))
    return DisplayTable(name, "Baseline characteristics", cols, rows, footnotes)


# Table 1 variable names that may arrive as data-dictionary names instead of words
_T1_VARIABLES = {"sex", "age_at_diagnosis", "disease_duration", "followup_before_dtt", "abdominal_surgery",
                 "perianal_surgery", "autoimmune_disease", "failed_biologics", "failed_immunomodulators",
                 "indication", "regimen", "steroid_at_start"}


@builder("table2_baseline_per_patient")
def table2_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Table 2, patient first: characteristics, then the month-0 scores with the score named in the cell
    (partial Mayo or HBI; Mayo endoscopic subscore or SES-CD) so UC and CD share columns."""
    def activity(r):
        return (f"pMayo {fmt(r['partial_mayo'], 'n')}" if _is_num(r.get("partial_mayo")) and not _nan(
            r.get("partial_mayo")) else f"HBI {fmt(r['hbi'], 'n')}" if not _nan(r.get("hbi")) else "")

    def endo(r):
        if not _nan(r.get("mes")):
            return f"MES {fmt(r['mes'], 'n')}"
        if not _nan(r.get("ses_cd")):
            return f"SES-CD {fmt(r['ses_cd'], 'n')}"
        return ""

    spec = [("patient_id", label("patient_id"), None, None), ("center", label("center"), None, None),
            ("sex", label("sex"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None),
            ("steroid_at_start", label("steroid_at_start_short"), None, None),
            ("age_at_diagnosis", label("age_short"), None, "age"),
            ("disease_duration", label("duration_short"), None, "stat"),
            (lambda r: r.get("montreal"), label("montreal_short"), None, None),
            ("abdominal_surgery", label("abdominal_surgery"), None, None),
            ("perianal_surgery", label("perianal_surgery"), None, None),
            ("failed_biologics", label("failed_biologics_short"), label("failed_n"), "n"),
            ("failed_immunomodulators", label("failed_immunomodulators_short"), label("failed_n"), "n"),
            (activity, label("activity"), _month_label(0), None), (endo, label("endoscopy"), _month_label(0), None),
            ("limberg", label("limberg"), _month_label(0), "n"),
            *((x.name, label(x.name), _month_label(0), "lab") for x in LABS)]
    spec = [s for s in spec if callable(s[0]) or (s[0] in tidy.columns and tidy[s[0]].notna().any())]
    notes = [("", "Activity: partial Mayo score (pMayo, UC) or Harvey–Bradshaw Index (HBI, CD); endoscopy: Mayo "
                  "endoscopic subscore (MES, UC) or SES-CD (CD). IS / SM: immunosuppressants, thalidomide or oral "
                  "small molecules. Columns with no recorded value are omitted."),
             ("", abbreviation_note(["UC", "CD", "CRP", "SES-CD", *tidy.get("regimen", [])]) + ".")]
    return _per_patient(name, tidy, spec, "Clinical data at baseline", notes)


@builder("patient_flow")
def patient_flow_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Patient flow wide: one row per status (started DTT, evaluable, why not), months as columns."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("status_flow"))] + [Column(_month_label(m), align="right") for m in months]
    rows = []
    for status in dict.fromkeys(tidy["status"]):
        sub = tidy[tidy["status"] == status]
        cells, vals = [level(status)], [None]
        for m in months:
            hit = sub[sub["month"] == m]
            v = hit["n"].iloc[0] if len(hit) else None
            cells.append(fmt(v, "n") if v is not None else "")
            vals.append(v)
        rows.append(Row(cells, vals, [None] + [0] * len(months), indent=0 if status in ("treated", "evaluable")
                        else 1))
    notes = [("", "Indented rows: patients not evaluable at the month, by reason.")]
    return DisplayTable(name, "Patient flow by month", cols, rows, notes)


@builder("completeness")
def completeness_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Completeness wide: one row per visit variable, months as columns, cells "present/expected (%)"; a CD score
    is expected of CD patients only, a UC score of UC patients only ("Expected of")."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("visit_variable")), Column(label("applies_to"))] + [
        Column(_month_label(m) if float(m) else label("baseline_visit"), align="right",
               spanner=label("completeness_cell"))
        for m in months]
    rows = []
    for var in dict.fromkeys(tidy["variable"]):
        sub = tidy[tidy["variable"] == var]
        who = sub["applies_to"].iloc[0]
        cells = [label(var), {"all": "All patients", "CD": "CD patients", "UC": "UC patients"}.get(who, str(who))]
        for m in months:
            hit = sub[sub["month"] == m]
            if not len(hit) or int(hit["n_expected"].iloc[0]) == 0:
                cells.append(NA)
                continue
            r = hit.iloc[0]
            cells.append(f"{int(r['n_present'])}/{int(r['n_expected'])} ({fmt(r['pct_present'], 'pct')}%)")
        rows.append(Row(cells))
    basis = str(tidy["denominator"].iloc[0]) if "denominator" in tidy and len(tidy) else "followed"
    notes = [("", "Expected: patients of the disease the variable belongs to" + (
        " whose follow-up reached the month or who were seen in its window." if basis == "followed" else
        ", all of them, at every month.")), ("", f"{NA}: no patient expected.")]
    return DisplayTable(name, "Completeness of the visit data", cols, rows, notes)
