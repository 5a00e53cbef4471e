"""Tables of the treatment: regimens, agents, and Tables 3–4 (follow-up of patients maintained on DTT and of
those who stopped).
"""
from __future__ import annotations

import re

import pandas as pd

from ..labels import NA, abbreviation_note, label
from .core import DisplayTable, _month_label, builder
from .generic import _per_patient, generic


def _month_cols(tidy) -> list[str]:
    return sorted({m.group(1) for c in tidy.columns for m in [re.fullmatch(r"score_(\d+(?:\.\d+)?)m", c)] if m
                   and m.group(1) != "0"}, key=float)


@builder("table3_maintained", "table4_discontinued")
def followup_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Tables 3-4, patient first: disease, regimen, time on DTT, (reason and next therapy), baseline score, then
    score / response / CRP under one spanner per month, endoscopic response and adverse events."""
    spec = [("patient_id", label("patient_id"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None), ("dtt_months", label("dtt_months"), None, "months")]
    if "stop_reason" in tidy:
        spec.append(("stop_reason", label("stop_reason"), None, None))
    if "next_therapy" in tidy:
        spec.append(("next_therapy", label("next_therapy"), None, None))
    spec.append(("score_0m", label("score_0m"), None, "n"))
    for m in _month_cols(tidy):
        sp = _month_label(m)
        spec += [(f"score_{m}m", label("score_m"), sp, "n"), (f"response_{m}m", label("response_m"), sp, None),
                 (f"crp_{m}m", label("crp"), sp, "lab")]
    spec += [("endoscopic_response", label("endoscopic_response"), None, None),
             ("adverse_events", label("adverse_events"), None, None)]
    spec = [s for s in spec if s[0] in tidy.columns]
    title = ("Follow-up of patients maintained on DTT" if name == "table3_maintained"
             else "Patients who discontinued DTT")
    codes = list(tidy.get("regimen", [])) + list(tidy.get("next_therapy", pd.Series(dtype=str)).fillna(""))
    definition = ("the paper's definition" if tidy.attrs.get("definition", "paper") == "paper" else
                  "the simple definition (sensitivity analysis: HBI drop ≥ 3 for CD, partial Mayo drop ≥ 50% for UC)")
    notes = [("", "Score: partial Mayo score for UC, Harvey–Bradshaw Index for CD; response by "
                  f"{definition}; – not evaluable (no assessment at that month)."),
             ("", abbreviation_note(["UC", "CD", "CRP", "DTT", *codes]) + ".")]
    t = _per_patient(name, tidy, spec, title, notes)
    for r in t.rows:
        r.cells = [NA if c == "" and i > 0 and t.columns[i].spanner else c for i, c in enumerate(r.cells)]
    return t


@builder("regimens")
def regimens_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    t = generic(name, tidy)
    t.title = "Regimens by disease"
    return t


@builder("agents")
def agents_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    t = generic(name, tidy)
    t.title = "Agents used"
    return t
