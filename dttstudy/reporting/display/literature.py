"""Tables of published numbers: per-study proportions of the literature (``forest_*``) and the published numbers
of Wang et al. 2025 beside the computed ones.
"""
from __future__ import annotations

import re

import pandas as pd

from ...analysis.stats import round_half_up
from ..labels import est_ci, fmt, label, level
from .core import Column, DisplayTable, Row, _is_num, _nan, _text, builder


@builder("forest_")
def forest_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Per-study proportions of a literature outcome: study (arms indented under their study when the tidy table
    has ``level``), events / total, proportion (95% CI) and the pooling weight."""
    has_w = "weight" in tidy.columns
    has_t = "timepoint" in tidy.columns
    cols = [Column(label("label")), Column(label("events"), align="right"), Column(label("total"), align="right"),
            Column(label("proportion_ci"), align="center")] + ([Column(label("weight"), align="right")]
                                                               if has_w else [])
    if has_t:
        cols += [Column(label("timepoint"), wrap=True), Column(label("outcome_definition"), wrap=True)]
    rows = []
    for _, r in tidy.iterrows():
        w = r.get("weight") if has_w else None
        cells = [str(r["label"]), fmt(r["events"], "n"), fmt(r["total"], "n"),
                 est_ci(r["proportion"], r["ci_lower"], r["ci_upper"], "proportion")]
        vals, decs = [None, r["events"], r["total"], None], [None, 0, 0, None]
        if has_w:
            cells.append(fmt(w, "pct") if _is_num(w) and not _nan(w) else "")
            vals.append(w)
            decs.append(1)
        if has_t:
            cells += [_text(r.get("timepoint")), _text(r.get("outcome_definition"))]
            vals += [None, None]
            decs += [None, None]
        indent = int(r["level"]) if "level" in tidy.columns and _is_num(r["level"]) else 0
        rows.append(Row(cells, vals, decs, indent=indent))
    notes = [("", "95% CI: Clopper–Pearson exact.")]
    if has_t:
        notes.append(("", "Timepoints and outcome definitions as each study reports them: they differ between "
                          "studies, so the pooled value mixes them."))
    if "pooled" in tidy.columns and not tidy["pooled"].astype(bool).all():
        notes.append(("", "Indented rows are the arms of the study above: shown, not pooled separately."))
    return DisplayTable(name, level(name.removeprefix("forest_")), cols, rows, notes)


#: Where in Wang et al. 2025 a number is printed (the ``section`` codes of ``data/published/wang2025_facts.csv``).
PAPER_SECTIONS = {"ABS": "Abstract", "M": "Methods", "R-pop": "Results, patients", "R-impl": "Results, treatment",
                  "R-resp": "Results, response", "R-AE": "Results, adverse events", "DISC": "Discussion"}


def _sections(codes) -> str:
    return "; ".join(PAPER_SECTIONS.get(c.strip(), c.strip()) for c in str(codes or "").split(";") if c.strip())


@builder("paper_check", "beside_wang2025")
def paper_check_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Published numbers beside the computed ones: each row named by the paper's own words and the section that
    prints it, printed with the decimals the paper used (taken from the comparison rule, else from the published
    value), status in words when the numbers are checked (the reference cohort) — never the machine key."""
    checked = "status" in tidy.columns
    cols = [Column(label("where"), wrap=True), Column(label("section")), Column(label("published"), align="right"),
            Column(label("computed"), align="right"), Column(label("published_n"), align="right"),
            Column(label("computed_n"), align="right")]
    if checked:
        cols += [Column(label("status_check")), Column(label("rule"), wrap=True)]
    rows = []
    for _, r in tidy.iterrows():
        m = re.search(r"to (\d+) decimals", str(r.get("rule", "")))
        places = int(m.group(1)) if m else _places(r.get("published"))
        cells = [str(r.get("where", "")), _sections(r.get("section")), _fixed(r.get("published"), places),
                 _fixed(r.get("computed"), places), _text(r.get("published_n")), _text(r.get("computed_n"))]
        vals = [None, None, r.get("published") if _is_num(r.get("published")) else None,
                r.get("computed") if _is_num(r.get("computed")) else None, None, None]
        decs = [None, None, places, places, None, None]
        if checked:
            cells += [level(r.get("status")), _text(r.get("rule"))]
            vals += [None, None]
            decs += [None, None]
        rows.append(Row(cells, vals, decs))
    notes = [("", "Section: where Wang et al. 2025 print the number (Abstract, Methods, Results or Discussion).")]
    if checked:
        notes.append(("", "Match: equal after rounding as the paper printed; rounding: differs only by the paper's "
                          "rounding or truncation; conflict: the paper contradicts itself (data/reference/README.md)."))
    title = ("Published numbers and the numbers computed from the cohort" if checked else
             "The numbers of Wang et al. 2025 beside the same quantities computed from these data")
    return DisplayTable(name, title, cols, rows, notes, stub=False)


def _places(v) -> int:
    if not _is_num(v):
        return 0
    s = repr(float(v))
    return 0 if s.endswith(".0") else min(len(s.split(".")[1]), 4)


def _fixed(v, places: int) -> str:
    if not _is_num(v):
        return "" if _nan(v) else str(v)
    out = f"{round_half_up(float(v), places):.{places}f}"
    return out.replace("-", "\u2212") if float(out) != 0 else out.lstrip("-")
