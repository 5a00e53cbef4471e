"""Tiny hand-made cohorts built directly as DataFrames (no files), for testing the outcome rules at their
boundaries — including values outside the validated score ranges where a rule can only bind there."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dttstudy.intake.cohort import Cohort

VISIT_COLS = ["patient_id", "month", "on_dtt", "hbi", "partial_mayo", "rectal_bleeding", "mes", "ses_cd",
              "limberg", "crp", "albumin", "hematocrit"]


def cohort(patients: list[dict], visits: list[dict], aes: list[dict] | None = None) -> Cohort:
    """patients: dicts with patient_id, disease and optional treatment fields; visits: dicts of visit cells."""
    p_rows, t_rows = [], []
    for p in patients:
        p_rows.append({"patient_id": p["patient_id"], "center": "A", "sex": p.get("sex", "F"),
                       "disease": p["disease"], "age_at_diagnosis": 20.0, "disease_duration": 5.0,
                       "followup_before_dtt": 12.0, "montreal": "E3" if p["disease"] == "UC" else "L3 B1",
                       "abdominal_surgery": "none", "perianal_surgery": False, "autoimmune_disease": None,
                       "failed_biologics": 1, "failed_immunomodulators": 1, "indication": "refractory"})
        p_rows[-1].update({k: v for k, v in p.items() if k in p_rows[-1]})  # any patient field given
        t_rows.append({"patient_id": p["patient_id"], "agent_1": p.get("agent_1", "UST"),
                       "agent_2": p.get("agent_2", "VDZ"), "dtt_months": float(p.get("dtt_months", 12)),
                       "status": p.get("status", "maintained"), "stop_reason": p.get("stop_reason"),
                       "next_therapy": None, "steroid_at_start": p.get("steroid_at_start", False),
                       "steroid_stop_month": p.get("steroid_stop_month", np.nan)})
    v = pd.DataFrame([{c: r.get(c, np.nan) for c in VISIT_COLS} for r in visits])
    v["on_dtt"] = [r.get("on_dtt", True) for r in visits]
    for c in VISIT_COLS[3:]:
        v[c] = v[c].astype(float)
    v["month"] = v["month"].astype(float)
    ae = pd.DataFrame(aes or [], columns=["patient_id", "term", "onset_month", "suspected_agent", "serious",
                                          "action", "outcome", "severity"])
    ae["onset_month"] = ae["onset_month"].astype(float)
    ae["serious"] = ae["serious"].astype(bool)
    return Cohort(pd.DataFrame(p_rows), pd.DataFrame(t_rows), v, ae, {"label": "test"})


def uc(pid, base_pm, base_rb, fu_pm, fu_rb, month=3, fu_month=None, **kw):
    """One UC patient with a baseline and one follow-up visit."""
    return ({"patient_id": pid, "disease": "UC", **kw},
            [{"patient_id": pid, "month": 0, "partial_mayo": base_pm, "rectal_bleeding": base_rb},
             {"patient_id": pid, "month": fu_month if fu_month is not None else month, "partial_mayo": fu_pm,
              "rectal_bleeding": fu_rb}])


def cd(pid, base_hbi, fu_hbi, month=3, base=None, fu=None, **kw):
    """One CD patient; ``base``/``fu`` add other baseline/follow-up cells (crp, limberg, ses_cd)."""
    return ({"patient_id": pid, "disease": "CD", **kw},
            [{"patient_id": pid, "month": 0, "hbi": base_hbi, **(base or {})},
             {"patient_id": pid, "month": month, "hbi": fu_hbi, **(fu or {})}])


def combine(*patients):
    ps, vs = [], []
    for p, v in patients:
        ps.append(p)
        vs += v
    return cohort(ps, vs)


def literature_row(study_id, arm="", outcome="clinical_response", events=1, total=10, n=10, t=3.0, year=2020,
                   **kw) -> dict:
    """One row of a literature table: adult, refractory, verified, a printed count over everyone enrolled, unless a
    keyword overrides a field (``author`` gives the first author)."""
    r = {"study_id": study_id, "arm": arm, "first_author": kw.pop("author", study_id.title() + " A"),
         "year": year, "journal": "J", "doi_or_url": "x", "country": "X", "design": "retro",
         "population": "adult", "refractory": "yes", "disease": "CD", "regimen_class": "dual_biologic",
         "regimens": "", "n_patients": n, "timepoint": f"{t} mo", "timepoint_months": t, "outcome": outcome,
         "events": events, "total": total, "derived_from_percent": False, "event_based": False,
         "trial_units": False, "indication_mixed": False, "perianal_only": False, "overlaps_with": "",
         "source_location": "abstract", "verified": True, "prior_advanced_failed": "1",
         "non_ibd_indication": "none", "n_enrolled": n, "denominator_basis": "enrolled", "count_basis": "printed",
         "outcome_definition": "", "notes": ""}
    r.update(kw)
    return r
