"""Tables of safety: AE incidence, exposure-adjusted rates, time to first AE per patient, Kaplan–Meier and
cumulative incidence estimates.
"""
from __future__ import annotations

import re

import pandas as pd

from ..labels import NA, abbreviation_note, est_ci, fmt, label, level, n_of_n_ci
from .core import Column, DisplayTable, Row, _is_num, _nan, builder, pooled_centres, withheld_by
from .generic import _per_patient, generic


def _group_label(r, by, value) -> str:
    """The group's name; a pooled sum over some centres only (``partial="show"``: ``value`` given) says which."""
    text = level(r["group"]) if by == "All" else str(r["group"])
    withheld, summed = pooled_centres(r)
    return f"{text} (only {summed})" if withheld and summed and _is_num(value) else text


@builder("ae_incidence")
def ae_incidence_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Patients with ≥ 1 TEAE overall and by subgroup: one label row per grouping, indented groups."""
    cell_col = "n/N (%; 95% CI)"
    cols = [Column(label("group")), Column(label("teae_patients"), align="center"),
            Column(label("events"), align="right")]
    rows: list[Row] = []
    for by in dict.fromkeys(tidy["by"]):
        sub = tidy[tidy["by"] == by]
        indent = 0
        if by != "All":
            rows.append(Row([level(by), "", ""], [None] * 3, [None] * 3))
            indent = 1
        for _, r in sub.iterrows():
            if cell_col in r:
                cell = str(r[cell_col])
                cell = NA if cell.startswith("0/0") else cell
            else:
                cell = n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"])
            cell = withheld_by(r, r.get("n")) or cell
            ev = r.get("events")
            rows.append(Row([_group_label(r, by, r.get("n")), cell,
                             fmt(ev, "n") if _is_num(ev) else ""],
                            [None, None, ev if _is_num(ev) else None], [None, None, 0], indent=indent))
    method = ", ".join(dict.fromkeys(tidy["ci_method"].astype(str))) if "ci_method" in tidy else ""
    notes = [("", f"n/N: patients with at least one treatment-emergent adverse event / patients; 95% CI "
                  f"{method}; events: number of treatment-emergent adverse events.")]
    ab = abbreviation_note(list(tidy["group"].astype(str)) + ["TEAE", "CI"])
    notes.append(("", ab + "."))
    return DisplayTable(name, "Patients with at least one treatment-emergent adverse event", cols, rows, notes)


@builder("ae_exposure_adjusted")
def ae_exposure_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """EAIR and EAER per 100 patient-years with exact Poisson CIs."""
    cols = [Column(label("group")), Column(label("patients"), align="right"),
            Column(label("patients_with_event"), spanner=label("first_teae"), align="right"),
            Column(label("patient_years_at_risk"), spanner=label("first_teae"), align="right"),
            Column(label("eair_ci"), spanner=label("first_teae"), align="center"),
            Column(label("events"), spanner=label("all_teae"), align="right"),
            Column(label("patient_years_exposure"), spanner=label("all_teae"), align="right"),
            Column(label("eaer_ci"), spanner=label("all_teae"), align="center")]
    rows = []
    for by in dict.fromkeys(tidy["by"]):
        sub = tidy[tidy["by"] == by]
        indent = 0
        if by != "All":
            rows.append(Row([level(by)] + [""] * 7, [None] * 8, [None] * 8))
            indent = 1
        for _, r in sub.iterrows():
            withheld = withheld_by(r, r["patients"])
            if withheld:
                rows.append(Row([_group_label(r, by, r["patients"]), withheld] + [""] * 6, [None] * 8, [None] * 8,
                                indent=indent))
                continue
            vals = [None, r["patients"], r["patients_with_event"], r["patient_years_at_risk"], None, r["events"],
                    r["patient_years_exposure"], None]
            rows.append(Row([_group_label(r, by, r["patients"]), fmt(r["patients"], "n"),
                             fmt(r["patients_with_event"], "n"), fmt(r["patient_years_at_risk"], "py"),
                             est_ci(r["eair_per_100py"], r["eair_ci_low"], r["eair_ci_high"], "rate"),
                             fmt(r["events"], "n"), fmt(r["patient_years_exposure"], "py"),
                             est_ci(r["eaer_per_100py"], r["eaer_ci_low"], r["eaer_ci_high"], "rate")],
                            vals, [None, 0, 0, 2, None, 0, 2, None], indent=indent))
    method = ", ".join(dict.fromkeys(tidy["ci_method"].astype(str))) if "ci_method" in tidy else ""
    notes = [("", "EAIR: patients with a first TEAE per 100 patient-years at risk (time to the first TEAE or "
                  "censoring); EAER: TEAEs per 100 patient-years of DTT" + (f"; 95% CI {method}." if method else ".")),
             ("", abbreviation_note(["TEAE", "PY", "EAIR", "EAER", "UC", "CD", "CI", "DTT"]) + ".")]
    return DisplayTable(name, "Exposure-adjusted adverse event rates", cols, rows, notes)


def _codes_in_text(v) -> str:
    """Free text with coded values in parentheses made readable: "DTT stopped (de_escalation)" ->
    "DTT stopped (de-escalation)"."""
    if _nan(v):
        return ""
    return re.sub(r"\(([a-z_]+)\)", lambda m: f"({level(m.group(1)).lower()})", str(v))


@builder("tte_first_ae")
def tte_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Time to first AE per patient, patient first: time, event or censoring with its reason, first event."""
    spec = [("patient_id", label("patient_id"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None), ("time", label("time"), None, "months"),
            (lambda r: "Event" if r.get("event") == 1 else "Censored", label("event"), None, None),
            ("first_event", label("first_event"), None, None),
            (lambda r: _codes_in_text(r.get("censor_reason")), label("censor_reason"), None, None),
            ("dtt_months", label("dtt_months"), None, "months"), ("status", label("status"), None, None)]
    spec = [s for s in spec if callable(s[0]) or s[0] in tidy.columns]
    param = ", ".join(dict.fromkeys(tidy["parameter"].astype(str))) if "parameter" in tidy else ""
    notes = [("", (f"Parameter: {param}. " if param else "") + "Patients without a treatment-emergent adverse "
                  "event are censored at the end of DTT: the stop month when DTT was discontinued, the last month on "
                  "DTT when it was maintained.")]
    notes.append(("", abbreviation_note(["UC", "CD", "DTT", *tidy.get("regimen", pd.Series(dtype=str))
                                         .astype(str)]) + "."))
    return _per_patient(name, tidy, spec, "Time to first treatment-emergent adverse event per patient", notes)


@builder("cif_first_ae")
def cif_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Aalen–Johansen cumulative incidence: estimates with their 95% CI (standard errors stay in the tidy
    table)."""
    t = generic(name, tidy.drop(columns=[c for c in ("cif_event_se", "cif_competing_se") if c in tidy.columns]))
    t.title = "Cumulative incidence of a first adverse event"
    return t


@builder("km_first_ae", "km_time_on_dtt")
def km_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Kaplan–Meier estimates: time, at risk, events, censored, survival (95% CI); CI type as a footnote."""
    cols = [Column(label("time"), align="right"), Column(label("at_risk"), align="right"),
            Column(label("events"), align="right"), Column(label("censored"), align="right"),
            Column(label("survival_ci"), align="center")]
    rows = [Row([fmt(r["time"], "months"), fmt(r["at_risk"], "n"), fmt(r["events"], "n"), fmt(r["censored"], "n"),
                 est_ci(r["survival"], r["ci_lower"], r["ci_upper"], "prob")],
                [r["time"], r["at_risk"], r["events"], r["censored"], None], [1, 0, 0, 0, None])
            for _, r in tidy.iterrows()]
    ci = ", ".join(dict.fromkeys(tidy["ci_type"].astype(str))) if "ci_type" in tidy else ""
    notes = [("", "At risk just before each time; events and censorings at that time"
                  + (f"; 95% CI {ci}." if ci else "."))]
    title = "Kaplan–Meier: time to first adverse event" if name == "km_first_ae" else "Kaplan–Meier: time on DTT"
    return DisplayTable(name, title, cols, rows, notes, stub=False)
