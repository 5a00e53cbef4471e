"""Patient flow (CONSORT-style): why the number of patients assessed changes from month to month.

Every treated patient gets exactly one status at each assessment month, derived from the same per-patient
result as :func:`dttstudy.analysis.outcomes.clinical_response` (its ``evaluable`` flag and ``not_evaluable_reason``),
so the "evaluable" count is the denominator N of the observed-case response rate. Statuses, checked in this
order for a patient who is not evaluable:

* ``stopped_adverse_event`` / ``stopped_no_response`` / ``stopped_de_escalation`` / ``stopped_other`` — DTT
  discontinued (for that reason) at or before the month (``dtt_months`` ≤ month);
* ``not_yet_reached`` — still on DTT but followed up for less than the month (``last_followup`` < month:
  the later of the last visit and the end of the DTT course);
* ``no_visit_in_window`` — followed up past the month but no visit in its window;
* ``not_evaluable_other`` — a visit in the window without the scores the definition needs.

A patient assessed at the month is ``evaluable`` whatever happened later (or earlier: a patient assessed after
stopping DTT counts as evaluable unless ``on_dtt_only=True`` is passed through to the response function).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..concepts import ENDPOINTS
from ..intake.cohort import Cohort
from .outcomes import ENDPOINT_RULES

#: Status order for a flow diagram (month 0 has only "treated").
FLOW_STATUSES = ("evaluable", "not_yet_reached", "stopped_adverse_event", "stopped_no_response",
                 "stopped_de_escalation", "stopped_other", "no_visit_in_window", "not_evaluable_other")

_STOP_REASONS = {"adverse_event": "stopped_adverse_event", "no_response": "stopped_no_response",
                 "de_escalation": "stopped_de_escalation"}
#: The endpoints a flow diagram can follow (declared with ``flow=True`` in :data:`dttstudy.concepts.ENDPOINTS`).
_ENDPOINTS = {e.name: ENDPOINT_RULES[e.name] for e in ENDPOINTS if e.flow}


def flow_status(cohort: Cohort, months=(3, 6, 9), *, endpoint: str = "clinical_response",
                **response_kwargs) -> pd.DataFrame:
    """Per patient × month flow status (see the module docstring for the rules, in order).

    Columns: month, patient_id, disease, regimen, status (one of :data:`FLOW_STATUSES`),
    not_evaluable_reason (as given by the response function, '' when evaluable), dtt_months, last_followup,
    visit_month. ``endpoint``: ``clinical_response`` (default) or ``clinical_remission``; extra keyword
    arguments go to that function (``definition``, ``crp_uln``, ``windows``, ``on_dtt_only`` …).
    """
    if endpoint not in _ENDPOINTS:
        raise ValueError(f"endpoint must be one of {sorted(_ENDPOINTS)}")
    subj = cohort.subjects().set_index("patient_id")
    parts = []
    for m in months:
        r = _ENDPOINTS[endpoint](cohort, m, **response_kwargs)
        pid = r["patient_id"]
        stopped = (r["status"] == "discontinued").to_numpy() & (r["dtt_months"] <= m).to_numpy()
        stop_status = r["stop_reason"].map(_STOP_REASONS).fillna("stopped_other").to_numpy()
        last = pid.map(subj["last_followup"]).to_numpy(float)
        no_visit = r["visit_month"].isna().to_numpy()
        status = np.select(
            [r["evaluable"].to_numpy(bool), stopped, last < m, no_visit],
            ["evaluable", stop_status, "not_yet_reached", "no_visit_in_window"], default="not_evaluable_other")
        parts.append(pd.DataFrame({
            "month": m, "patient_id": pid, "disease": r["disease"], "regimen": r["regimen"], "status": status,
            "not_evaluable_reason": r["not_evaluable_reason"], "dtt_months": r["dtt_months"],
            "last_followup": last, "visit_month": r["visit_month"]}))
    cols = ["month", "patient_id", "disease", "regimen", "status", "not_evaluable_reason", "dtt_months",
            "last_followup", "visit_month"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def patient_flow(cohort: Cohort, months=(3, 6, 9), *, endpoint: str = "clinical_response",
                 **response_kwargs) -> pd.DataFrame:
    """Counts for a CONSORT-style flow diagram, long format.

    Columns: ``month`` (0 for the first row, then each of ``months``), ``status`` ("treated" at month 0 —
    all patients who started DTT; then every status of :data:`FLOW_STATUSES`, zeros included, in that
    order) and ``n`` (patients). For every month the statuses sum to the treated count, and "evaluable"
    equals the N of :func:`dttstudy.analysis.outcomes.response_rates` (observed cases, group "All") with the same
    keyword arguments. Rules: module docstring; per-patient detail: :func:`flow_status`.
    """
    st = flow_status(cohort, months, endpoint=endpoint, **response_kwargs)
    rows = [{"month": 0, "status": "treated", "n": int(len(cohort.subjects()))}]
    counts = st.groupby(["month", "status"]).size()
    for m in months:
        rows += [{"month": m, "status": s, "n": int(counts.get((m, s), 0))} for s in FLOW_STATUSES]
    return pd.DataFrame(rows, columns=["month", "status", "n"])
