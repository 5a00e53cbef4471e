"""Kaplan–Meier, Aalen–Johansen, time-to-first-AE and incidence on hand-worked examples."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dttstudy import load_cohort
from dttstudy.safety import (KaplanMeier, ae_incidence, cumulative_incidence, exposure_adjusted_incidence,
                             time_on_dtt, time_to_first_ae)

from builders import cohort

# times with ties and censoring: events at 1, 2, 2, 4; censored at 2, 3, 5
TTE = pd.DataFrame({"time": [1, 2, 2, 2, 3, 4, 5], "event": [1, 1, 1, 0, 0, 1, 0]})


def test_km_hand_worked():
    km = KaplanMeier().fit(TTE)
    e = km.estimates_.set_index("time")
    # S(1) = 6/7; S(2) = 6/7 * (1 - 2/6) = 4/7; S(4) = 4/7 * (1 - 1/2) = 2/7
    assert e.loc[1, "survival"] == pytest.approx(6 / 7)
    assert e.loc[2, "survival"] == pytest.approx(4 / 7)
    assert e.loc[3, "survival"] == pytest.approx(4 / 7)
    assert e.loc[4, "survival"] == pytest.approx(2 / 7)
    assert (e.loc[2, "at_risk"], e.loc[2, "events"], e.loc[2, "censored"]) == (6, 2, 1)
    assert km.median_ == 4 and km.median_label == "4"


def test_km_log_log_ci_by_greenwood_formula():
    km = KaplanMeier().fit(TTE)
    s = 4 / 7
    v = 1 / (7 * 6) + 2 / (6 * 4)  # Greenwood sum d / (n (n - d)) up to t = 2
    z = stats.norm.ppf(0.975)
    se = math.sqrt(v) / abs(math.log(s))
    lo, hi = s ** math.exp(z * se), s ** math.exp(-z * se)
    row = km.estimates_.set_index("time").loc[2]
    assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(lo, abs=1e-9), pytest.approx(hi, abs=1e-9))
    assert "log-log" in row["ci_type"]


def test_km_risk_table_by_hand():
    rt = KaplanMeier().fit(TTE).risk_table([0, 2, 4, 6]).set_index("time")
    assert rt.loc[0].tolist() == [7, 0, 0]
    assert rt.loc[2].tolist() == [6, 3, 1]
    assert rt.loc[4].tolist() == [2, 4, 2]
    assert rt.loc[6].tolist() == [0, 4, 3]


def test_km_median_not_reached():
    km = KaplanMeier().fit(pd.DataFrame({"time": [1, 2, 3], "event": [1, 0, 0]}))
    assert math.isinf(km.median_) and km.median_label == "NR"


def test_km_step_function_at():
    km = KaplanMeier().fit(TTE)
    got = km.at([0.5, 1, 3.9]).set_index("time")["survival"]
    assert got.tolist() == [pytest.approx(1.0), pytest.approx(6 / 7), pytest.approx(4 / 7)]


def test_aalen_johansen_hand_worked_with_a_tie():
    d = pd.DataFrame({"time": [1, 1, 2, 3], "status": [1, 2, 1, 0]})
    ci = cumulative_incidence(d).set_index("time")
    # t=1: n=4, one event, one competing: CIF1 = 1/4, CIF2 = 1/4, S = 1/2
    # t=2: n=2, one event: CIF1 = 1/4 + 1/2 * 1/2 = 1/2, S = 1/4
    assert ci.loc[1, "cif_event"] == pytest.approx(0.25) and ci.loc[1, "cif_competing"] == pytest.approx(0.25)
    assert ci.loc[2, "cif_event"] == pytest.approx(0.5) and ci.loc[2, "event_free"] == pytest.approx(0.25)
    assert ci.loc[3, "cif_event"] == pytest.approx(0.5) and ci.loc[3, "censored"] == 1


def test_aalen_johansen_without_competing_events_is_one_minus_km():
    d = TTE.rename(columns={"event": "status"})
    ci = cumulative_incidence(d).set_index("time")
    km = KaplanMeier().fit(TTE).estimates_.set_index("time")
    for t in (1, 2, 4, 5):
        assert ci.loc[t, "cif_event"] == pytest.approx(1 - km.loc[t, "survival"])


def _ae_cohort():
    pats = [{"patient_id": "A", "disease": "CD", "dtt_months": 6, "agent_1": "UST", "agent_2": "VDZ"},
            {"patient_id": "B", "disease": "CD", "dtt_months": 4, "status": "discontinued",
             "stop_reason": "no_response", "agent_1": "ADA", "agent_2": "VDZ"},
            {"patient_id": "C", "disease": "UC", "dtt_months": 12, "agent_1": "UST", "agent_2": "TOF"}]
    visits = [{"patient_id": x, "month": 0} for x in "ABC"]
    aes = [{"patient_id": "A", "term": "rash", "onset_month": 2.0, "suspected_agent": "UST", "serious": False,
            "action": "none", "outcome": "resolved"},
           {"patient_id": "A", "term": "infection", "onset_month": 5.0, "suspected_agent": "both", "serious": True,
            "action": "none", "outcome": "resolved"},
           {"patient_id": "C", "term": "headache", "onset_month": 13.0, "suspected_agent": "TOF",
            "serious": False, "action": "none", "outcome": "resolved"}]   # after DTT: not treatment-emergent
    return cohort(pats, visits, aes)


def test_time_to_first_ae_rules():
    t = time_to_first_ae(_ae_cohort()).set_index("patient_id")
    assert (t.loc["A", "time"], t.loc["A", "event"], t.loc["A", "cnsr"]) == (2.0, 1, 0)
    assert (t.loc["B", "time"], t.loc["B", "event"]) == (4.0, 0)
    assert t.loc["B", "censor_reason"] == "DTT stopped (no_response)"
    assert (t.loc["C", "time"], t.loc["C", "event"]) == (12.0, 0)   # AE after DTT ignored
    assert t.loc["C", "censor_reason"] == "on DTT at last follow-up"
    s = time_to_first_ae(_ae_cohort(), serious_only=True).set_index("patient_id")
    assert s.loc["A", "time"] == 5.0


def test_incidence_and_exposure_by_hand():
    c = _ae_cohort()
    inc = ae_incidence(c).iloc[0]
    assert (inc["n"], inc["N"], inc["events"]) == (1, 3, 2)
    agent = ae_incidence(c, "suspected_agent").set_index("group")
    assert (agent.loc["UST", "n"], agent.loc["UST", "N"], agent.loc["UST", "events"]) == (1, 2, 2)
    assert (agent.loc["VDZ", "n"], agent.loc["VDZ", "N"]) == (1, 2)   # "both" counts for VDZ too
    assert (agent.loc["TOF", "n"], agent.loc["TOF", "N"]) == (0, 1)
    e = exposure_adjusted_incidence(c).iloc[0]
    # at risk: A 2 + B 4 + C 12 = 18 months = 1.5 years -> 1 / 1.5 * 100; exposure 22 months, 2 events
    assert e["patient_years_at_risk"] == pytest.approx(1.5)
    assert e["eair_per_100py"] == pytest.approx(100 / 1.5)
    assert e["eaer_per_100py"] == pytest.approx(2 / (22 / 12) * 100)


def test_time_on_dtt():
    t = time_on_dtt(_ae_cohort()).set_index("patient_id")
    assert t["event"].to_dict() == {"A": 0, "B": 1, "C": 0}
    t2 = time_on_dtt(_ae_cohort(), events=("adverse_event",)).set_index("patient_id")
    assert t2.loc["B", "event"] == 0


def test_reference_cohort_km_is_monotone_and_bounded():
    km = KaplanMeier().fit(time_to_first_ae(load_cohort()))
    s = km.estimates_["survival"].to_numpy()
    assert np.all(np.diff(s) <= 0) and s.min() >= 0 and s.max() <= 1
    assert int(km.estimates_["events"].sum()) == 4
