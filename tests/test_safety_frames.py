"""Safety tables of a four-patient cohort, every cell worked out by hand.

D  UC  UST+VDZ  stopped for no response at 9;    headache at 1 (suspected agent unknown)
B  CD  UST+TOF  stopped for an adverse event at 6; zoster at 5 (both agents, serious)
A  UC  UST+VDZ  maintained, 12 months;            rash at 2 (UST), infection at 2 (VDZ, serious),
                                                  nausea at 14 (after DTT: not treatment-emergent)
C  CD  VDZ+UPA  de-escalated at 4;                no adverse event
The patients are given out of order on purpose: every table sorts them itself.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from dttstudy.analysis.safety import (KaplanMeier, ae_incidence, ae_listing, exposure_adjusted_incidence,
                                      km_quantile, logrank_test, time_on_dtt, time_to_first_ae)

from builders import cohort


def _cohort():
    pats = [
        {"patient_id": "D", "disease": "UC", "status": "discontinued", "stop_reason": "no_response", "dtt_months": 9},
        {"patient_id": "B", "disease": "CD", "agent_2": "TOF", "status": "discontinued",
         "stop_reason": "adverse_event", "dtt_months": 6},
        {"patient_id": "A", "disease": "UC", "dtt_months": 12},
        {"patient_id": "C", "disease": "CD", "agent_1": "VDZ", "agent_2": "UPA", "status": "discontinued",
         "stop_reason": "de_escalation", "dtt_months": 4},
    ]
    aes = [
        {"patient_id": "D", "term": "headache", "onset_month": 1, "suspected_agent": "unknown", "serious": False},
        {"patient_id": "A", "term": "rash", "onset_month": 2, "suspected_agent": "UST", "serious": False},
        {"patient_id": "B", "term": "zoster", "onset_month": 5, "suspected_agent": "both", "serious": True},
        {"patient_id": "A", "term": "nausea", "onset_month": 14, "suspected_agent": "VDZ", "serious": False},
        {"patient_id": "A", "term": "infection", "onset_month": 2, "suspected_agent": "VDZ", "serious": True},
    ]
    return cohort(pats, [{"patient_id": p["patient_id"], "month": 0} for p in pats], aes)


def test_ae_listing_sorted_with_the_teae_flag_and_grace():
    got = ae_listing(_cohort())
    assert list(got.columns) == ["patient_id", "disease", "regimen", "term", "onset_month", "suspected_agent",
                                 "serious", "action", "outcome", "severity", "dtt_months", "status",
                                 "stop_reason", "treatment_emergent"]
    assert list(zip(got["patient_id"], got["term"], got["treatment_emergent"])) == [
        ("A", "infection", True), ("A", "rash", True), ("A", "nausea", False), ("B", "zoster", True),
        ("D", "headache", True)]
    assert got["regimen"].tolist() == ["UST+VDZ", "UST+VDZ", "UST+VDZ", "UST+TOF", "UST+VDZ"]
    assert got["dtt_months"].tolist() == [12, 12, 12, 6, 9]
    # 14 <= 12 + 2 months of grace
    assert ae_listing(_cohort(), grace_months=2)["treatment_emergent"].tolist() == [True] * 5
    # a file without the optional severity column gives a listing without it
    c = _cohort()
    assert "severity" not in ae_listing(replace(c, adverse_events=c.adverse_events.drop(columns="severity")))


def test_time_on_dtt_whole_frame():
    got = time_on_dtt(_cohort()).set_index("patient_id").loc[list("ABCD")]
    assert got["time"].tolist() == [12, 6, 4, 9]
    assert got["event"].tolist() == [0, 1, 1, 1] and got["event"].dtype.kind == "i"
    assert got["cnsr"].tolist() == [1, 0, 0, 0]
    assert got["censor_reason"].tolist() == ["on DTT at last follow-up", "", "", ""]
    assert set(got["parameter"]) == {"time on DTT"}
    ae_only = time_on_dtt(_cohort(), events=("adverse_event",)).set_index("patient_id").loc[list("ABCD")]
    assert ae_only["event"].tolist() == [0, 1, 0, 0]
    assert ae_only["censor_reason"].tolist() == [
        "on DTT at last follow-up", "", "stopped for a reason not counted as an event",
        "stopped for a reason not counted as an event"]


def test_time_to_first_ae_whole_frame():
    got = time_to_first_ae(_cohort()).set_index("patient_id").loc[list("ABCD")]
    assert list(got.columns) == ["disease", "regimen", "parameter", "time", "event", "cnsr", "censor_reason",
                                 "first_event", "dtt_months", "status", "stop_reason"]
    # A: rash and infection both at 2, the first alphabetically is named
    assert got["time"].tolist() == [2, 5, 4, 1]
    assert got["event"].tolist() == [1, 1, 0, 1] and got["event"].dtype.kind == "i"
    assert got["cnsr"].tolist() == [0, 0, 1, 0]
    assert got["first_event"].fillna("-").tolist() == ["infection", "zoster", "-", "headache"]
    assert got["censor_reason"].tolist() == ["", "", "DTT stopped (de_escalation)", ""]
    assert set(got["parameter"]) == {"time to first TEAE"}
    serious = time_to_first_ae(_cohort(), serious_only=True).set_index("patient_id").loc[list("ABCD")]
    assert serious["time"].tolist() == [2, 5, 4, 9] and serious["event"].tolist() == [1, 1, 0, 0]
    assert serious["censor_reason"].tolist() == ["", "", "DTT stopped (de_escalation)", "DTT stopped (no_response)"]
    assert set(serious["parameter"]) == {"time to first serious TEAE"}
    grace = time_to_first_ae(_cohort(), grace_months=1).set_index("patient_id")
    assert grace.loc["A", "time"] == 2     # the grace period adds events after DTT, not before
    c = _cohort()
    no_ae_for_a = replace(c, adverse_events=c.adverse_events[c.adverse_events["patient_id"] != "A"])
    maintained = time_to_first_ae(no_ae_for_a).set_index("patient_id").loc["A"]
    assert (maintained["time"], maintained["censor_reason"]) == (12, "on DTT at last follow-up")


def _rows(df):
    return {(r["by"], r["group"]): (r["n"], r["N"], r["events"]) for _, r in df.iterrows()}


def test_ae_incidence_by_group_and_agent():
    assert _rows(ae_incidence(_cohort())) == {("All", "All"): (3, 4, 4)}
    by_dis = ae_incidence(_cohort(), "disease")
    assert list(zip(by_dis["by"], by_dis["group"])) == [("All", "All"), ("disease", "CD"), ("disease", "UC")]
    assert _rows(by_dis) == {("All", "All"): (3, 4, 4), ("disease", "CD"): (1, 2, 1), ("disease", "UC"): (2, 2, 3)}
    by_reg = ae_incidence(_cohort(), "regimen")
    assert list(by_reg["group"]) == ["All", "UST+TOF", "UST+VDZ", "VDZ+UPA"]
    by_agent = ae_incidence(_cohort(), "suspected_agent")
    # biologics first, then small molecules; "both" counts for each agent; unknown over everyone
    assert list(by_agent["group"]) == ["All", "UST", "VDZ", "TOF", "UPA", "unknown"]
    assert _rows(by_agent) == {("All", "All"): (3, 4, 4), ("suspected_agent", "UST"): (2, 3, 2),
                               ("suspected_agent", "VDZ"): (1, 3, 1), ("suspected_agent", "TOF"): (1, 1, 1),
                               ("suspected_agent", "UPA"): (0, 1, 0), ("suspected_agent", "unknown"): (1, 4, 1)}
    serious = ae_incidence(_cohort(), "disease", serious_only=True)
    assert _rows(serious) == {("All", "All"): (2, 4, 2), ("disease", "CD"): (1, 2, 1), ("disease", "UC"): (1, 2, 1)}
    assert _rows(ae_incidence(_cohort(), grace_months=2)) == {("All", "All"): (3, 4, 5)}
    pct = ae_incidence(_cohort(), "suspected_agent").set_index("group")["pct"]
    assert pct["All"] == 75.0 and pct["UPA"] == 0.0


def _garwood(k, py, level=0.95):
    a = 1 - level
    lo = 0.0 if k == 0 else chi2.ppf(a / 2, 2 * k) / 2
    return 100 * lo / py, 100 * chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / py


def test_exposure_adjusted_incidence_by_hand():
    got = exposure_adjusted_incidence(_cohort(), "disease").set_index("group")
    assert list(got.index) == ["All", "CD", "UC"] and list(got["by"]) == ["All", "disease", "disease"]
    # at risk to the first TEAE or censoring: 2 + 5 + 4 + 1 = 12 months = 1 patient-year, 3 patients with one;
    # exposure 12 + 6 + 4 + 9 = 31 months, 4 TEAEs
    a = got.loc["All"]
    assert (a["patients"], a["patients_with_event"], a["events"]) == (4, 3, 4)
    assert a["patient_years_at_risk"] == pytest.approx(1.0) and a["patient_years_exposure"] == pytest.approx(31 / 12)
    assert a["eair_per_100py"] == pytest.approx(300.0) and a["eaer_per_100py"] == pytest.approx(400 / (31 / 12))
    assert (a["eair_ci_low"], a["eair_ci_high"]) == pytest.approx(_garwood(3, 1.0))
    assert (a["eaer_ci_low"], a["eaer_ci_high"]) == pytest.approx(_garwood(4, 31 / 12))
    assert a["ci_method"] == "exact Poisson (Garwood)"
    cd = got.loc["CD"]   # B: event at 5; C: censored at 4 -> 9 months at risk; exposure 10 months, 1 TEAE
    assert (cd["patients"], cd["patients_with_event"], cd["events"]) == (2, 1, 1)
    assert cd["eair_per_100py"] == pytest.approx(100 / 0.75) and cd["eaer_per_100py"] == pytest.approx(120.0)
    by_reg = exposure_adjusted_incidence(_cohort(), "regimen")
    assert list(by_reg["group"]) == ["All", "UST+TOF", "UST+VDZ", "VDZ+UPA"]
    ninety = exposure_adjusted_incidence(_cohort(), level=0.9).iloc[0]
    assert (ninety["eair_ci_low"], ninety["eair_ci_high"]) == pytest.approx(_garwood(3, 1.0, 0.9))


def test_logrank_row_when_no_test_is_possible():
    tte = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0], "g": ["x", "x"]})
    row = logrank_test(tte, "g").iloc[0]
    assert (row["by"], row["groups"], row["n"], row["events"], row["observed"], row["expected"]) == (
        "g", 1, 2, 1, "", "")
    assert np.isnan(row["chi2"]) and np.isnan(row["df"]) and np.isnan(row["p_value"]) and row["test"] == ""
    assert row["no_test_reason"] != ""


def test_logrank_leaves_out_rows_without_a_group_and_lists_groups_sorted():
    tte = pd.DataFrame({"time": [5.0, 1.0, 3.0, 2.0, 4.0, 6.0], "event": [1, 1, 0, 1, 1, 1],
                        "g": ["y", "x", "y", "x", None, "y"]})
    row = logrank_test(tte, "g").iloc[0]
    assert (row["groups"], row["n"], row["events"]) == (2, 5, 4)
    assert row["observed"].startswith("x") and "y" in row["observed"]


def test_kaplan_meier_before_the_first_time_and_at_risk_counts_are_integers():
    km = KaplanMeier().fit(pd.DataFrame({"time": [2.0, 4.0, 4.0, 6.0], "event": [1, 1, 0, 0]}))
    at = km.at([0, 1, 2, 5]).reset_index(drop=True)
    assert at["survival"].tolist() == pytest.approx([1.0, 1.0, 0.75, 0.5])
    assert at.loc[0, "ci_lower"] == 1.0 and at.loc[0, "ci_upper"] == 1.0
    # between times the interval of the last time before holds (a step function)
    e = km.estimates_.set_index("time")
    assert (at.loc[2, "ci_lower"], at.loc[2, "ci_upper"]) == (e.loc[2.0, "ci_lower"], e.loc[2.0, "ci_upper"])
    assert (at.loc[3, "ci_lower"], at.loc[3, "ci_upper"]) == (e.loc[4.0, "ci_lower"], e.loc[4.0, "ci_upper"])
    assert at.loc[3, "ci_lower"] < 0.5 < at.loc[3, "ci_upper"] < 1.0
    rt = km.risk_table([0, 2, 4, 6])
    assert rt["at_risk"].tolist() == [4, 4, 3, 1] and rt["at_risk"].dtype.kind == "i"


@pytest.mark.parametrize("times,surv,p,kw,expected", [
    ([], [], 0.5, {}, math.inf),                         # no curve
    ([1.0, 3.0], [0.8, 0.6], 0.5, {}, math.inf),         # never reaches 0.5
    ([0.0, 1.0, 3.0], [1.0, 0.8, 0.4], 0.5, {}, 3.0),    # a curve given from time 0
    ([1.0, 3.0], [0.8, 0.4], 0.5, {}, 3.0),              # first time at or below 0.5
    ([1.0, 3.0, 5.0], [0.75, 0.5, 0.25], 0.5, {}, 4.0),  # exactly 0.5 on a flat stretch: its midpoint (R)
    ([1.0, 3.0], [0.75, 0.5], 0.5, {}, 3.0),             # exactly 0.5 at the last time: flat to the end = 3
    ([1.0, 3.0], [0.75, 0.5], 0.5, {"last_time": 7.0}, 5.0),  # ... to the last follow-up at 7
])
def test_km_quantile_by_hand(times, surv, p, kw, expected):
    assert km_quantile(times, surv, p, **kw) == expected


def test_kaplan_meier_table_by_hand():
    # events at 2 and 4, censored at 4 and 6: S = 3/4 at 2, 3/4 x 2/3 = 1/2 at 4; log-log interval from
    # Greenwood's G = 1/(4 x 3) at 2 and G + 1/(3 x 2) at 4
    km = KaplanMeier().fit(pd.DataFrame({"t": [4.0, 2.0, 6.0, 4.0], "e": [0, 1, 0, 1]}), time="t", event="e")
    assert list(km.data_.columns) == ["time", "event"] and km.data_["event"].dtype.kind == "i"
    e = km.estimates_
    assert e["time"].tolist() == [0.0, 2.0, 4.0, 6.0]
    assert e["at_risk"].tolist() == [4, 4, 3, 1] and e["events"].tolist() == [0, 1, 1, 0]
    assert e["censored"].tolist() == [0, 0, 1, 1]
    assert e["survival"].tolist() == pytest.approx([1.0, 0.75, 0.5, 0.5])
    z = 1.959963984540054
    for i, (s, g) in enumerate([(0.75, 1 / 12), (0.5, 1 / 12 + 1 / 6)], start=1):
        half = z * math.sqrt(g) / abs(math.log(s))
        assert e.loc[i, "ci_lower"] == pytest.approx(s ** math.exp(half), rel=1e-12)
        assert e.loc[i, "ci_upper"] == pytest.approx(s ** math.exp(-half), rel=1e-12)
    assert (e.loc[0, "ci_lower"], e.loc[0, "ci_upper"]) == (1.0, 1.0)
    # the median: S sits at exactly 1/2 from 4 to the last follow-up at 6 -> the midpoint, 5 (R's rule)
    assert km.median_ == 5.0
    # before time 0 nothing has happened
    before = km.at([-1.0]).iloc[0]
    assert (before["survival"], before["ci_lower"], before["ci_upper"]) == (1.0, 1.0, 1.0)


def test_km_by_group_takes_the_column_names_it_is_given():
    from dttstudy.analysis.safety import km_by_group
    tte = pd.DataFrame({"months": [1.0, 2.0, 3.0, 4.0], "first_ae": [1, 0, 1, 1], "arm": ["b", "a", "b", "a"]})
    kms = km_by_group(tte, "arm", time="months", event="first_ae")
    assert list(kms) == ["a", "b"]
    assert kms["a"].estimates_["events"].sum() == 1 and kms["b"].estimates_["events"].sum() == 2


def test_logrank_expected_counts_by_hand():
    # x: events at 1 and 2; y: events at 2 and 3. Expected for x: at 1, 1 x 2/4; at 2, 2 x 1/3; at 3, 1 x 0/1
    tte = pd.DataFrame({"time": [1.0, 2.0, 2.0, 3.0], "event": [1, 1, 1, 1], "g": ["x", "x", "y", "y"]})
    row = logrank_test(tte, "g").iloc[0]
    assert row["observed"] == "x: 2; y: 2"
    assert row["expected"] == f"x: {0.5 + 2 / 3:.3f}; y: {0.5 + 4 / 3 + 1:.3f}"


def _weighted_aj(times, status, w):
    """Aalen-Johansen cumulative incidences at each distinct time, with case weights (a plain loop)."""
    out1, out2, s, c1, c2 = [], [], 1.0, 0.0, 0.0
    for t in sorted(set(times)):
        n = sum(wi for ti, wi in zip(times, w) if ti >= t)
        d1 = sum(wi for ti, si, wi in zip(times, status, w) if ti == t and si == 1)
        d2 = sum(wi for ti, si, wi in zip(times, status, w) if ti == t and si == 2)
        c1, c2 = c1 + s * d1 / n, c2 + s * d2 / n
        s *= 1 - (d1 + d2) / n
        out1.append(c1)
        out2.append(c2)
    return np.array(out1), np.array(out2)


@pytest.mark.parametrize("times,status", [
    ([0.5, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0], [0, 1, 1, 2, 0, 2, 1, 0, 1]),
    ([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 2, 0, 0]),            # exactly two event times
])
def test_cumulative_incidence_se_is_the_infinitesimal_jackknife(times, status):
    # the IJ standard error is the root of the summed squared derivatives with respect to each patient's case
    # weight: here by central differences of a case-weighted Aalen-Johansen estimate written out above
    from dttstudy.analysis.safety import cumulative_incidence
    got = cumulative_incidence(pd.DataFrame({"time": times, "status": status}))
    h = 1e-6
    grads1, grads2 = [], []
    for i in range(len(times)):
        up, down = [1.0] * len(times), [1.0] * len(times)
        up[i] += h
        down[i] -= h
        (a1, a2), (b1, b2) = _weighted_aj(times, status, up), _weighted_aj(times, status, down)
        grads1.append((a1 - b1) / (2 * h))
        grads2.append((a2 - b2) / (2 * h))
    se1, se2 = np.sqrt((np.array(grads1) ** 2).sum(axis=0)), np.sqrt((np.array(grads2) ** 2).sum(axis=0))
    cif1, cif2 = _weighted_aj(times, status, [1.0] * len(times))
    assert got["time"].tolist() == sorted(set(times))
    assert got["cif_event"].to_numpy() == pytest.approx(cif1, abs=1e-12)
    assert got["cif_event_se"].to_numpy() == pytest.approx(se1, abs=1e-6)
    assert got["cif_competing_se"].to_numpy() == pytest.approx(se2, abs=1e-6)
    if status[0] != 0:
        return
    assert got.loc[0, "cif_event_se"] == 0.0 and got.loc[0, "cif_competing_se"] == 0.0   # before any event
    assert got["at_risk"].tolist() == [9, 8, 7, 4, 3, 1]
    assert got["events"].tolist() == [0, 1, 1, 0, 1, 1] and got["competing"].tolist() == [0, 0, 1, 1, 0, 0]
    assert got["censored"].tolist() == [1, 0, 1, 0, 1, 0]
    assert all(got[c].dtype.kind == "i" for c in ("at_risk", "events", "competing", "censored"))


def test_cumulative_incidence_with_one_event_time_and_with_none():
    from dttstudy.analysis.safety import cumulative_incidence
    # one event among four at the first time: CIF 1/4 with the binomial standard error sqrt(p (1 - p) / n)
    one = cumulative_incidence(pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "status": [1, 0, 0, 0]}))
    assert one["cif_event_se"].tolist() == pytest.approx([math.sqrt(0.25 * 0.75 / 4)] * 4)
    none = cumulative_incidence(pd.DataFrame({"time": [1.0, 2.0], "status": [0, 0]}))
    assert none["cif_event"].tolist() == [0.0, 0.0] and none["cif_event_se"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"^ci_type must be one of \['log', 'plain'\]$"):
        cumulative_incidence(pd.DataFrame({"time": [1.0], "status": [1]}), ci_type="logit")


def test_cif_intervals_are_clipped_and_capped():
    from dttstudy.analysis.safety import _cif_ci
    lo, hi = _cif_ci(np.array([0.1, 0.9]), np.array([0.2, 0.2]), 2.0, "plain")
    assert lo.tolist() == pytest.approx([0.0, 0.5]) and hi.tolist() == pytest.approx([0.5, 1.0])
    lo, hi = _cif_ci(np.array([0.9, 0.0]), np.array([0.2, 0.0]), 2.0, "log")
    assert lo[0] == pytest.approx(0.9 * math.exp(-2 * 0.2 / 0.9)) and hi[0] == 1.0
    assert math.isnan(lo[1]) and math.isnan(hi[1])


def test_rates_over_no_patient_time_are_missing_not_errors():
    # one patient whose only AE came at month 0: no time at risk before the first AE
    c = cohort([{"patient_id": "A", "disease": "UC", "dtt_months": 6}], [{"patient_id": "A", "month": 0}],
               [{"patient_id": "A", "term": "rash", "onset_month": 0, "suspected_agent": "UST", "serious": False}])
    r = exposure_adjusted_incidence(c).iloc[0]
    assert (r["patient_years_at_risk"], r["patients_with_event"]) == (0.0, 1) and math.isnan(r["eair_per_100py"])
    assert r["eaer_per_100py"] == pytest.approx(100 / 0.5)


def test_defaults_of_the_survival_helpers():
    from dttstudy.analysis.safety import km_by_group, km_estimates
    tte = pd.DataFrame({"time": [2.0, 4.0, 4.0, 6.0], "event": [1, 1, 0, 0], "g": ["a", "a", "a", "a"]})
    km = KaplanMeier().fit(tte)
    assert km.label == "KM"
    # the median by default (p = 0.5): S = 1/2 from 4 to 6
    assert km_quantile([0.0, 2.0, 4.0, 6.0], [1.0, 0.75, 0.5, 0.5], last_time=6.0) == 5.0
    # a 95 % interval by default
    e = km_by_group(tte, "g")["a"].estimates_
    half = 1.959963984540054 * math.sqrt(1 / 12) / abs(math.log(0.75))
    assert e.loc[1, "ci_lower"] == pytest.approx(0.75 ** math.exp(half), rel=1e-12)
    assert set(km_estimates({"a": km})["by"]) == {""}
