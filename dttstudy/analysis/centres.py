"""By-centre summary: who was treated where, with what, and the observed clinical response at each centre."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..intake.cohort import Cohort
from .outcomes import clinical_response


def centre_summary(cohort: Cohort, months=(3, 6, 9), **response_kwargs) -> pd.DataFrame:
    """One row per centre (sorted by code) and a last row ``center = "All"``.

    Columns: ``center``, ``patients``, ``UC``, ``CD`` (patients by disease), ``regimens`` (text
    "REGIMEN n; …", most frequent first, ties by name), then for each month m: ``response_{m}m_n``
    (responders), ``response_{m}m_N`` (evaluable patients — observed cases, the denominator of
    :func:`dttstudy.analysis.outcomes.response_rates`) and ``response_{m}m_pct`` (100 n/N; NaN when N = 0). Extra
    keyword arguments go to :func:`dttstudy.analysis.outcomes.clinical_response` (``definition``, ``crp_uln`` …).
    No confidence intervals: centres hold a handful of patients each; see ``response_rates(..., by=...)``.
    """
    subj = cohort.subjects()[["patient_id", "center", "disease", "regimen"]]
    per_month = {m: clinical_response(cohort, m, **response_kwargs).merge(subj[["patient_id", "center"]],
                                                                         on="patient_id") for m in months}
    groups = [(str(c), g) for c, g in subj.groupby("center", sort=True)] + [("All", subj)]
    rows = []
    for centre, g in groups:
        reg = g["regimen"].value_counts()
        reg = sorted(reg.items(), key=lambda kv: (-kv[1], kv[0]))
        row = {"center": centre, "patients": len(g), "UC": int((g["disease"] == "UC").sum()),
               "CD": int((g["disease"] == "CD").sum()), "regimens": "; ".join(f"{r} {k}" for r, k in reg)}
        for m, r in per_month.items():
            ev = r[r["patient_id"].isin(g["patient_id"]) & r["evaluable"].astype(bool)]
            n, big_n = int(ev["responder"].astype(bool).sum()), len(ev)
            row[f"response_{m:g}m_n"] = n
            row[f"response_{m:g}m_N"] = big_n
            row[f"response_{m:g}m_pct"] = 100 * n / big_n if big_n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
