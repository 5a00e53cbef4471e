"""A short plain-text overview of a loaded cohort (what ``dttstudy summary`` prints)."""
from __future__ import annotations

from ..intake.cohort import Cohort
from .outcomes import DEFAULT_WINDOWS, visit_at


def cohort_summary(cohort: Cohort) -> str:
    """Counts by disease, regimen and DTT status, visits per month and adverse events."""
    s = cohort.subjects()
    v = cohort.visits
    lines = [cohort.label]
    if cohort.reconstructed:
        lines.append("  NOTE: reconstructed to reproduce the published text; not real patient data.")
    by_dis = s["disease"].value_counts().reindex(["UC", "CD"], fill_value=0)
    lines.append(f"  patients: {len(s)} (UC {by_dis['UC']}, CD {by_dis['CD']})")
    reg = s["regimen"].value_counts().sort_index()
    lines.append("  regimens: " + ", ".join(f"{k} {n}" for k, n in reg.items()))
    st = s["status"].value_counts()
    lines.append("  DTT status: " + ", ".join(f"{k} {n}" for k, n in st.sort_index().items()))
    lines.append(f"  DTT months: median {s['dtt_months'].median():g} (range {s['dtt_months'].min():g}–"
                 f"{s['dtt_months'].max():g}); total {s['dtt_months'].sum():g} patient-months")
    per = v.groupby("patient_id").size()
    lines.append(f"  visits: {len(v)} (median {per.median():g} per patient); patients with a visit in the "
                 "window of month " + ", ".join(f"{m}: {len(visit_at(cohort, m))}" for m in DEFAULT_WINDOWS))
    ae = cohort.adverse_events
    lines.append(f"  adverse events: {len(ae)} events in {ae['patient_id'].nunique()} patients")
    return "\n".join(lines)
