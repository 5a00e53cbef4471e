"""By-centre summary counted by hand from the reference data files."""
from __future__ import annotations

import math

from dttstudy import load_cohort
from dttstudy.analysis.centres import centre_summary
from dttstudy.analysis.outcomes import response_rates

from builders import cd, combine, uc


def test_reference_cohort_by_hand():
    t = centre_summary(load_cohort()).set_index("center")
    assert list(t.index) == ["C1", "C2", "C3", "All"]
    # patients.csv: C1 = P01 P03 P05 P07 (UC) + P10 P11 P13 P15 P17 (CD); C2 = P02 P06 + P09 P12 P16;
    # C3 = P04 P08 + P14 P18
    assert t.loc["C1", ["patients", "UC", "CD"]].tolist() == [9, 4, 5]
    assert t.loc["C2", ["patients", "UC", "CD"]].tolist() == [5, 2, 3]
    assert t.loc["C3", ["patients", "UC", "CD"]].tolist() == [4, 2, 2]
    assert t.loc["C1", "regimens"] == "UST+TOF 3; UST+VDZ 3; IFX+UST 2; ADA+VDZ 1"
    # month 3: C1 all 9 assessed, P10 (HBI 9 -> 8) the non-responder; C2 P09 (12 -> 11) the non-responder;
    # C3 P08 has no visit in the window
    assert t.loc["C1", ["response_3m_n", "response_3m_N"]].tolist() == [8, 9]
    assert t.loc["C2", ["response_3m_n", "response_3m_N"]].tolist() == [4, 5]
    assert t.loc["C3", ["response_3m_n", "response_3m_N"]].tolist() == [3, 3]
    # month 6 in C1: P01 P05 P11 P13 P15 P17 assessed, all responders
    assert t.loc["C1", ["response_6m_n", "response_6m_N", "response_6m_pct"]].tolist() == [6, 6, 100.0]


def test_all_row_matches_response_rates():
    c = load_cohort()
    t = centre_summary(c, (3, 6, 9), definition="simple").set_index("center")
    rates = response_rates(c, (3, 6, 9), analysis_sets=("observed",), definition="simple")
    for m in (3, 6, 9):
        r = rates[rates["month"] == m].iloc[0]
        assert (t.loc["All", f"response_{m}m_n"], t.loc["All", f"response_{m}m_N"]) == (r["n"], r["N"])
    # centres add up to the total
    for col in ("patients", "UC", "CD", "response_3m_n", "response_3m_N", "response_9m_N"):
        assert t.drop(index="All")[col].sum() == t.loc["All", col]


def test_centre_without_evaluable_patients():
    c = combine(uc("U1", 9, 3, 3, 0), cd("C1", 9, 5, month=6))
    t = centre_summary(c, (3,)).set_index("center")
    # builders put everyone in centre A: U1 responds at 3 (9 -> 3, bleeding 3 -> 0); C1 has no 3-month visit
    assert t.loc["A", ["response_3m_n", "response_3m_N"]].tolist() == [1, 1]
    t = centre_summary(c.filter(patients=["C1"]), (3,)).set_index("center")
    assert t.loc["A", "response_3m_N"] == 0 and math.isnan(t.loc["A", "response_3m_pct"])


def test_centres_sorted_and_regimen_ties_by_name():
    from builders import cohort as build
    from dttstudy.analysis.centres import centre_summary
    pats = [{"patient_id": "P1", "disease": "UC", "center": "B"},
            {"patient_id": "P2", "disease": "CD", "center": "B", "agent_1": "IFX", "agent_2": "UST"},
            {"patient_id": "P3", "disease": "CD", "center": "A"}]
    s = centre_summary(build(pats, [{"patient_id": p["patient_id"], "month": 0} for p in pats]), months=(3,))
    assert s["center"].tolist() == ["A", "B", "All"]
    assert s["regimens"].tolist() == ["UST+VDZ 1", "IFX+UST 1; UST+VDZ 1", "UST+VDZ 2; IFX+UST 1"]
    assert (s["patients"].tolist(), s["UC"].tolist(), s["CD"].tolist()) == ([1, 2, 3], [0, 1, 1], [1, 1, 2])
