"""Patient flow: every status on a built cohort, and the reference cohort counted by hand from the data files."""
from __future__ import annotations

import pytest

from dttstudy import load_cohort
from dttstudy.analysis.flow import FLOW_STATUSES, flow_status, patient_flow
from dttstudy.analysis.outcomes import response_rates

from builders import cd, combine, uc


def _built():
    h = uc("H", 9, 3, 3, 0, status="discontinued", stop_reason="de_escalation", dtt_months=2)
    h[1][1]["on_dtt"] = False  # assessed at month 3 after stopping DTT at month 2
    return combine(
        uc("A", 9, 3, 3, 0),                                                        # evaluable
        uc("B", 9, 3, 8, 3, fu_month=1, status="discontinued", stop_reason="adverse_event", dtt_months=2),
        cd("C", 9, 8, month=1, status="discontinued", stop_reason="other", dtt_months=2),
        cd("D", 9, 5, month=2, dtt_months=2),                                       # followed up 2 months
        cd("E", 9, 5, month=6),                                                     # no 3-month visit
        cd("F", 9, None, month=3),                                                  # visit without HBI
        uc("G", 9, 3, 8, 3, status="discontinued", stop_reason="no_response", dtt_months=3),  # assessed at 3
        h,
    )


def test_each_status_on_a_built_cohort():
    st = flow_status(_built(), (3,)).set_index("patient_id")["status"]
    assert st.to_dict() == {"A": "evaluable", "B": "stopped_adverse_event", "C": "stopped_other",
                            "D": "not_yet_reached", "E": "no_visit_in_window", "F": "not_evaluable_other",
                            "G": "evaluable", "H": "evaluable"}
    # counting only assessments on DTT, H's month-3 visit no longer counts
    st = flow_status(_built(), (3,), on_dtt_only=True).set_index("patient_id")["status"]
    assert st["H"] == "stopped_de_escalation"


@pytest.mark.parametrize("kwargs", [{}, {"on_dtt_only": True}])
def test_flow_sums_to_treated_and_evaluable_is_the_response_denominator(kwargs):
    c = _built()
    f = patient_flow(c, (3, 6), **kwargs)
    assert f.iloc[0].to_dict() == {"month": 0, "status": "treated", "n": 8}
    rates = response_rates(c, (3, 6), analysis_sets=("observed",), **kwargs)
    for m in (3, 6):
        fm = f[f["month"] == m]
        assert list(fm["status"]) == list(FLOW_STATUSES) and fm["n"].sum() == 8
        assert fm.loc[fm["status"] == "evaluable", "n"].item() == rates.loc[rates["month"] == m, "N"].item()


def test_reference_cohort_flow_counted_by_hand():
    # From data/reference/treatments.csv and visits.csv (windows 3 ± 0.5, 6 ± 1, 9 ± 1 months):
    # month 3: P08 (maintained, followed 2 months, visit at 2) has not reached it; the 17 others have a visit.
    # month 6: P07, P08, P18 (followed 3, 2, 3 months) not reached; P03, P04 stopped for an AE at 4; P10
    #   stopped for no response at 5 without a visit; P09 stopped at 5 but was assessed at 5 -> 12 evaluable.
    # month 9: not reached P06, P07, P08, P16, P17, P18; AE P03, P04; no response P09, P10; de-escalation P01
    #   (P02, de-escalated at 6, has a 9-month visit and counts) -> 7 evaluable.
    f = patient_flow(load_cohort()).set_index(["month", "status"])["n"]
    expected = {
        (0, "treated"): 18,
        (3, "evaluable"): 17, (3, "not_yet_reached"): 1,
        (6, "evaluable"): 12, (6, "not_yet_reached"): 3, (6, "stopped_adverse_event"): 2,
        (6, "stopped_no_response"): 1,
        (9, "evaluable"): 7, (9, "not_yet_reached"): 6, (9, "stopped_adverse_event"): 2,
        (9, "stopped_no_response"): 2, (9, "stopped_de_escalation"): 1,
    }
    assert f[f > 0].to_dict() == expected


def test_unknown_endpoint():
    with pytest.raises(ValueError):
        patient_flow(_built(), endpoint="endoscopic_response")


def test_flow_at_a_month_outside_the_defaults():
    # month 4 with a window of 4 +- 1: A, F, G and H's month-3 visits count there (F's without an HBI); E was seen at
    # 6, outside; B and C stopped before any visit in the window; D was followed to 2 months only
    t = patient_flow(_built(), months=(4,), windows={4: 1})
    assert list(t.columns) == ["month", "status", "n"]
    assert t.iloc[0].tolist() == [0, "treated", 8] and t["month"].tolist()[1:] == [4] * len(FLOW_STATUSES)
    n = dict(zip(t["status"][1:], t["n"][1:]))
    assert sum(n.values()) == 8
    assert (n["evaluable"], n["not_evaluable_other"], n["no_visit_in_window"]) == (3, 1, 1)


def test_flow_status_columns_and_follow_up_ending_at_the_month():
    # F2 was followed to exactly 3 months (DTT 3) with no visit in the 3-month window: missed, not "not yet reached"
    c = combine(uc("A", 9, 3, 3, 0), uc("F2", 9, 3, 3, 0, fu_month=1, dtt_months=3))
    st = flow_status(c, (3,))
    assert list(st.columns) == ["month", "patient_id", "disease", "regimen", "status", "not_evaluable_reason",
                                "dtt_months", "last_followup", "visit_month"]
    assert list(st.index) == [0, 1]
    assert st.set_index("patient_id")["status"].to_dict() == {"A": "evaluable", "F2": "no_visit_in_window"}
    assert list(flow_status(c, ()).columns) == list(st.columns) and flow_status(c, ()).empty
    with pytest.raises(ValueError, match=r"^endpoint must be one of \["):
        flow_status(c, (3,), endpoint="steroid_free")
    assert list(flow_status(c, (3, 6), windows={3: 0.5, 6: 1}).index) == [0, 1, 2, 3]


def test_a_stop_at_exactly_the_month_is_a_stop():
    c = combine(uc("S", 9, 3, 3, 0, fu_month=1, dtt_months=3, status="discontinued", stop_reason="adverse_event"))
    assert flow_status(c, (3,))["status"].tolist() == ["stopped_adverse_event"]
