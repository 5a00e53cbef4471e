"""Every boundary of the outcome, censoring and visit-window rules, with a hand-made case on each side.

The expected values follow from the rules as the docstrings state them (inclusive or strict), worked by hand.
Floating-point edges are included on purpose: 0.7 + 0.1 is 0.7999999999999999 and 4.1 − 4 is
0.09999999999999964, so a rule that compares the raw float arithmetic would move a patient across a boundary.
"""
from __future__ import annotations


import pandas as pd
import pytest

from dttstudy.analysis.outcomes import clinical_response, endoscopic_response, visit_at
from dttstudy.analysis.safety import ae_incidence, ae_listing, time_on_dtt, time_to_first_ae

from builders import cohort


def _ae_cohort(dtt_months, onsets, status="maintained", stop_reason=None):
    patients = [{"patient_id": f"P{i}", "disease": "CD", "dtt_months": dtt_months, "status": status,
                 "stop_reason": stop_reason} for i in range(len(onsets))]
    visits = [{"patient_id": f"P{i}", "month": 0, "hbi": 8} for i in range(len(onsets))]
    aes = [{"patient_id": f"P{i}", "term": "arthralgia", "onset_month": t, "suspected_agent": "both",
            "serious": False, "action": "none", "outcome": "resolved"} for i, t in enumerate(onsets)]
    return cohort(patients, visits, aes)


# --- treatment-emergent window: onset in [0, dtt_months + grace_months], both ends inclusive -------------------
@pytest.mark.parametrize("onset,emergent", [(-0.1, False), (0.0, True), (5.9, True), (6.0, True), (6.1, False)])
def test_treatment_emergent_window_without_grace(onset, emergent):
    c = _ae_cohort(6.0, [onset])
    assert bool(ae_listing(c)["treatment_emergent"].iloc[0]) is emergent
    assert ae_incidence(c).iloc[0]["n"] == int(emergent)


@pytest.mark.parametrize("onset,emergent", [(6.0, True), (6.5, True), (6.6, False)])
def test_treatment_emergent_window_with_a_grace_period(onset, emergent):
    c = _ae_cohort(6.0, [onset])
    assert bool(ae_listing(c, grace_months=0.5)["treatment_emergent"].iloc[0]) is emergent
    assert ae_incidence(c, grace_months=0.5).iloc[0]["n"] == int(emergent)


def test_grace_period_edge_is_not_lost_to_float_arithmetic():
    # 0.7 + 0.1 == 0.7999999999999999 < 0.8: the AE at month 0.8 is inside a 0.1-month grace period
    assert 0.7 + 0.1 < 0.8
    c = _ae_cohort(0.7, [0.8])
    assert bool(ae_listing(c, grace_months=0.1)["treatment_emergent"].iloc[0]) is True
    assert bool(ae_listing(c)["treatment_emergent"].iloc[0]) is False


def test_time_to_first_ae_event_at_the_stop_month_and_censoring_otherwise():
    c = _ae_cohort(6.0, [6.0, 6.1], status="discontinued", stop_reason="no_response")
    t = time_to_first_ae(c).set_index("patient_id")
    assert (t.loc["P0", "time"], t.loc["P0", "event"], t.loc["P0", "cnsr"]) == (6.0, 1, 0)
    # the AE after the stop month is not treatment-emergent: censored at the stop month
    assert (t.loc["P1", "time"], t.loc["P1", "event"], t.loc["P1", "cnsr"]) == (6.0, 0, 1)
    assert t.loc["P1", "censor_reason"] == "DTT stopped (no_response)"
    g = time_to_first_ae(c, grace_months=0.1).set_index("patient_id")
    assert (g.loc["P1", "time"], g.loc["P1", "event"]) == (6.1, 1)


@pytest.mark.parametrize("status,reason,event", [("discontinued", "adverse_event", 1),
                                                  ("discontinued", "no_response", 1),
                                                  ("maintained", None, 0)])
def test_time_on_dtt_event_or_censoring(status, reason, event):
    c = cohort(
        [{"patient_id": "P0", "disease": "UC", "dtt_months": 4.5, "status": status, "stop_reason": reason}],
        [{"patient_id": "P0", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2}])
    t = time_on_dtt(c).iloc[0]
    assert (t["time"], t["event"], t["cnsr"]) == (4.5, event, 1 - event)
    only_ae = time_on_dtt(c, events=("adverse_event",)).iloc[0]
    assert only_ae["event"] == int(reason == "adverse_event")


# --- visit windows: |visit − target| <= half-width, inclusive; closest visit, the earlier on a tie ------------
def _visits(months, target_pm=2):
    visits = [{"patient_id": "U", "month": 0, "partial_mayo": 8, "rectal_bleeding": 2}]
    visits += [{"patient_id": "U", "month": m, "partial_mayo": target_pm, "rectal_bleeding": 0} for m in months]
    return cohort([{"patient_id": "U", "disease": "UC"}], visits)


@pytest.mark.parametrize("month,inside", [(2.4, False), (2.5, True), (3.5, True), (3.6, False)])
def test_paper_window_at_three_months_is_half_a_month_inclusive(month, inside):
    v = visit_at(_visits([month]), 3)
    assert (len(v) == 1) is inside
    r = clinical_response(_visits([month]), 3).iloc[0]
    assert bool(r["evaluable"]) is inside


@pytest.mark.parametrize("month,inside", [(4.9, False), (5.0, True), (7.0, True), (7.1, False)])
def test_paper_window_at_six_months_is_one_month_inclusive(month, inside):
    assert (len(visit_at(_visits([month]), 6)) == 1) is inside


def test_window_edge_is_not_lost_to_float_arithmetic():
    # 1.1 - 1 == 0.10000000000000009 > 0.1: the visit at 1.1 is on the edge of a 0.1-month window
    assert 1.1 - 1 > 0.1
    assert len(visit_at(_visits([1.1]), 1, windows={1: 0.1})) == 1
    assert len(visit_at(_visits([1.2]), 1, windows={1: 0.1})) == 0


def test_equally_distant_visits_take_the_earlier_one():
    # 4.1 - 4 == 0.09999999999999964 < 4 - 3.9 == 0.10000000000000009, yet both are 0.1 months away
    c = _visits([3.9, 4.1])
    assert visit_at(c, 4, windows={4: 0.5})["month"].tolist() == [3.9]


def test_closest_visit_wins_inside_the_window():
    c = _visits([2.6, 3.2])
    assert visit_at(c, 3)["month"].tolist() == [3.2]


# --- endoscopic response: CD SES-CD drop > 50 % strictly; UC MES drop >= 1 -------------------------------------
@pytest.mark.parametrize("follow_up,responder", [(5, True), (6, False), (7, False)])
def test_ses_cd_drop_of_exactly_half_is_not_a_response(follow_up, responder):
    c = cohort([{"patient_id": "C", "disease": "CD"}],
               [{"patient_id": "C", "month": 0, "hbi": 8, "ses_cd": 12},
                {"patient_id": "C", "month": 6, "hbi": 4, "ses_cd": follow_up}])
    r = endoscopic_response(c, 6).iloc[0]
    assert bool(r["responder"]) is responder


@pytest.mark.parametrize("follow_up,responder", [(1, True), (2, True), (3, False)])
def test_mes_drop_of_one_is_a_response(follow_up, responder):
    c = cohort([{"patient_id": "U", "disease": "UC"}],
               [{"patient_id": "U", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2, "mes": 3},
                {"patient_id": "U", "month": 6, "partial_mayo": 2, "rectal_bleeding": 0, "mes": follow_up}])
    assert bool(endoscopic_response(c, 6).iloc[0]["responder"]) is responder


def test_treatment_emergent_tolerance_is_inclusive_and_no_wider():
    # the rule's end is dtt_months + grace_months, compared with MONTH_TOLERANCE: inclusive at the tolerance,
    # outside beyond it
    from dttstudy.precision import MONTH_TOLERANCE

    inside, outside = 6.0 + MONTH_TOLERANCE, 6.0 + 3 * MONTH_TOLERANCE
    flags = ae_listing(_ae_cohort(6.0, [inside, outside]))["treatment_emergent"].tolist()
    assert flags == [True, False]


# --- options passed through (each changes the result on a hand-made case) -------------------------------------
def _two_aes():
    # P0: a non-serious AE at 2 and a serious one at 4; P1: a serious AE at 6.5 (after its 6-month course)
    patients = [{"patient_id": "P0", "disease": "CD", "dtt_months": 6.0},
                {"patient_id": "P1", "disease": "UC", "dtt_months": 6.0, "status": "discontinued",
                 "stop_reason": "adverse_event"}]
    visits = [{"patient_id": "P0", "month": 0, "hbi": 8}, {"patient_id": "P1", "month": 0, "partial_mayo": 6}]
    ae = [("P0", 2.0, False), ("P0", 4.0, True), ("P1", 6.5, True)]
    aes = [{"patient_id": p, "term": "pneumonia", "onset_month": t, "suspected_agent": "both", "serious": s,
            "action": "none", "outcome": "resolved"} for p, t, s in ae]
    return cohort(patients, visits, aes)


def test_exposure_adjusted_rates_follow_serious_only_and_grace():
    from dttstudy.analysis.safety import exposure_adjusted_incidence

    c = _two_aes()
    allae = exposure_adjusted_incidence(c).iloc[0]
    # any TEAE: P0 first at 2 (event), P1 censored at 6: 8 months = 2/3 patient-years at risk
    assert (allae["patients_with_event"], allae["patient_years_at_risk"]) == (1, 8 / 12)
    serious = exposure_adjusted_incidence(c, serious_only=True).iloc[0]
    # serious only: P0's first serious TEAE at 4; P1 censored at 6: 10 months at risk
    assert (serious["patients_with_event"], serious["patient_years_at_risk"], serious["events"]) == (1, 10 / 12, 1)
    grace = exposure_adjusted_incidence(c, serious_only=True, grace_months=1).iloc[0]
    assert (grace["patients_with_event"], grace["patient_years_at_risk"]) == (2, 10.5 / 12)


def test_competing_risks_status_follows_grace():
    from dttstudy.analysis.safety import competing_first_ae

    c = _two_aes()
    s = competing_first_ae(c).set_index("patient_id")
    assert (s.loc["P0", "status"], s.loc["P0", "time"]) == (1, 2.0)
    assert (s.loc["P1", "status"], s.loc["P1", "time"]) == (2, 6.0)  # stopped before any TEAE: competing
    g = competing_first_ae(c, grace_months=1).set_index("patient_id")
    assert (g.loc["P1", "status"], g.loc["P1", "time"]) == (1, 6.5)
    maintained = competing_first_ae(_ae_cohort(6.0, [7.0])).iloc[0]
    assert (maintained["status"], maintained["time"]) == (0, 6.0)  # censored, not competing


def test_km_at_and_by_group_are_labelled():
    from dttstudy.analysis.safety import KaplanMeier, km_by_group, km_estimates

    tte = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 0, 1, 1], "g": ["a", "a", "b", "b"]})
    at = KaplanMeier().fit(tte).at([0, 1, 2.5])
    assert list(at.columns) == ["time", "survival", "ci_lower", "ci_upper", "ci_type"]
    assert at["survival"].tolist() == [1.0, 0.75, 0.75] and at["ci_lower"].iloc[0] == 1.0
    kms = km_by_group(tte, "g")
    assert [k.label for k in kms.values()] == ["a", "b"]
    est = km_estimates(kms, by="g")
    assert est.index.tolist() == list(range(len(est))) and set(est["by"]) == {"g"}
    rt = KaplanMeier().fit(tte).risk_table([1, 3])
    assert rt["at_risk"].tolist() == [4, 2] and rt["time"].tolist() == [1, 3]
