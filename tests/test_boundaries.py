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


# --- output contracts and pass-through of level, order and blocks (each assertion changes under a one-line bug) --
def test_safety_tables_have_their_documented_columns():
    from dttstudy.analysis.safety import (KaplanMeier, cumulative_incidence, exposure_adjusted_incidence,
                                          km_by_group, km_estimates)

    c = _two_aes()
    assert list(ae_incidence(c).columns) == ["by", "group", "n", "N", "events", "pct", "ci_low", "ci_high",
                                             "ci_method"]
    assert list(exposure_adjusted_incidence(c).columns) == [
        "by", "group", "patients", "patients_with_event", "patient_years_at_risk", "eair_per_100py", "eair_ci_low",
        "eair_ci_high", "events", "patient_years_exposure", "eaer_per_100py", "eaer_ci_low", "eaer_ci_high",
        "ci_method"]
    assert exposure_adjusted_incidence(c)["ci_method"].iloc[0] == "exact Poisson (Garwood)"
    tte = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 0, 1, 1], "g": ["b", "a", "b", "a"]})
    assert list(KaplanMeier().fit(tte).risk_table([1]).columns) == ["time", "at_risk", "events", "censored"]
    assert list(km_by_group(tte, "g")) == ["a", "b"]  # sorted, whatever the order in the data
    assert list(km_estimates(km_by_group(tte, "g"), "g").columns) == [
        "by", "group", "time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper", "ci_type"]
    ci = cumulative_incidence(pd.DataFrame({"time": [1, 2, 2, 3], "status": [1, 2, 0, 1]}))
    assert ci[["time", "at_risk", "events", "competing", "censored"]].values.tolist() == [
        [1, 4, 1, 0, 0], [2, 3, 0, 1, 1], [3, 1, 1, 0, 0]]


def test_incidence_in_percent_with_its_exact_interval():
    # 1 of 2 patients: 50 %, Clopper-Pearson 95 % 1.26-98.74 %; at level 0.80 narrower: 5.13-94.87 %
    c = _two_aes()
    r = ae_incidence(c).iloc[0]
    assert (r["n"], r["N"], r["pct"]) == (1, 2, 50.0)
    assert r["ci_low"] == pytest.approx(1.2579117, abs=1e-6) and r["ci_high"] == pytest.approx(98.742088, abs=1e-5)
    r80 = ae_incidence(c, level=0.8).iloc[0]
    assert r80["ci_low"] == pytest.approx(100 * (1 - 0.9 ** 0.5), abs=1e-9)  # 1 - sqrt(0.9): exact for 1/2


def test_exposure_adjusted_interval_by_hand():
    from scipy import stats

    from dttstudy.analysis.safety import exposure_adjusted_incidence

    c = _two_aes()
    e = exposure_adjusted_incidence(c, level=0.9).iloc[0]
    # EAER: 2 TEAEs over 12 patient-months = 1 patient-year; Garwood 90 %: chi2(0.05, 4)/2, chi2(0.95, 6)/2
    assert (e["events"], e["patient_years_exposure"]) == (2, 1.0)
    assert e["eaer_ci_low"] == pytest.approx(100 * stats.chi2.ppf(0.05, 4) / 2, rel=1e-12)
    assert e["eaer_ci_high"] == pytest.approx(100 * stats.chi2.ppf(0.95, 6) / 2, rel=1e-12)
    # EAIR: 1 patient with a first TEAE over 8/12 patient-years at risk
    assert e["eair_per_100py"] == pytest.approx(150.0)
    assert e["eair_ci_low"] == pytest.approx(100 * stats.chi2.ppf(0.05, 2) / 2 / (8 / 12), rel=1e-12)
    by = exposure_adjusted_incidence(c, by="disease")
    assert by["group"].tolist() == ["All", "CD", "UC"]


def test_suspected_agent_rows_biologics_first_and_unknown_last():
    patients = [{"patient_id": "P0", "disease": "CD", "agent_1": "UST", "agent_2": "TOF"},
                {"patient_id": "P1", "disease": "CD", "agent_1": "ADA", "agent_2": "VDZ"}]
    visits = [{"patient_id": p["patient_id"], "month": 0, "hbi": 8} for p in patients]
    aes = [{"patient_id": "P0", "term": "acne", "onset_month": 1, "suspected_agent": "TOF", "serious": False,
            "action": "none", "outcome": "resolved"},
           {"patient_id": "P1", "term": "rash", "onset_month": 1, "suspected_agent": "unknown", "serious": False,
            "action": "none", "outcome": "resolved"}]
    t = ae_incidence(cohort(patients, visits, aes), by="suspected_agent")
    assert t["group"].tolist() == ["All", "ADA", "UST", "VDZ", "TOF", "unknown"]
    assert t.set_index("group").loc["TOF", ["n", "N"]].tolist() == [1, 1]
    assert t.set_index("group").loc["unknown", ["n", "N"]].tolist() == [1, 2]


def test_cumulative_incidence_standard_errors_do_not_depend_on_blocks():
    import numpy as np

    from dttstudy.analysis import safety

    rng = np.random.default_rng(11)
    t = np.round(rng.exponential(5, 40) * 2) / 2 + 0.5
    s = rng.integers(0, 3, 40)
    t[0], s[0] = 0.25, 0  # a censoring before the first event: SE 0 there
    whole = safety.cumulative_incidence(pd.DataFrame({"time": t, "status": s}))
    d = pd.DataFrame({"time": t, "status": s}).astype(float)
    times = np.sort(np.unique(t))
    per = {k: d.loc[s == k, "time"].value_counts().reindex(times, fill_value=0).to_numpy(float) for k in (1, 2)}
    n = safety._at_risk(t, times).astype(float)
    h1, h2 = per[1] / n, per[2] / n
    sb = np.concatenate([[1.0], np.cumprod(1 - (h1 + h2))[:-1]])
    for cells in (7, 50, 10_000):  # several patients per block, one block
        se1, se2 = safety._aj_ij_se(t, s, times, n, h1, h2, sb, cells=cells)
        assert np.allclose(se1, whole["cif_event_se"], rtol=1e-12, atol=0)
        assert np.allclose(se2, whole["cif_competing_se"], rtol=1e-12, atol=0)
    assert whole["cif_event_se"].iloc[0] == 0.0 and whole["cif_event_se"].iloc[-1] > 0
    plain = safety.cumulative_incidence(pd.DataFrame({"time": t, "status": s}), ci_type="plain")
    assert (plain["cif_event_ci_lower"] >= 0).all() and (plain["cif_event_ci_upper"] <= 1).all()
    assert (plain["cif_event_ci_lower"] == 0).any()  # early, small incidences: the lower limit is clipped at 0
