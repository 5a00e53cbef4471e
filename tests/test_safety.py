"""Kaplan–Meier, Aalen–Johansen, time-to-first-AE and incidence on hand-worked examples."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dttstudy import load_cohort
import shutil
import subprocess

from dttstudy.analysis.safety import (KaplanMeier, ae_incidence, competing_first_ae, cumulative_incidence,
                             exposure_adjusted_incidence, km_by_group, km_estimates, logrank_test, time_on_dtt,
                             time_to_first_ae)

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


# --- pointwise CIs of the Aalen–Johansen estimate -------------------------------------------------------------

# ties within and across event types, censoring tied with events, last patient has the event
CR = pd.DataFrame({"time": [1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 10],
                   "status": [1, 2, 1, 0, 2, 1, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]})
# R 4.2.2, survival 3.5-3:
#   fit <- survfit(Surv(t, factor(s, 0:2)) ~ 1); x <- summary(fit)
#   cbind(x$time, x$pstate[,2], x$std.err[,2], x$lower[,2], x$upper[,2], x$pstate[,3], x$std.err[,3])
R_CR = {  # time: (cif_event, se, lower, upper, cif_competing, se_competing)
    1: (0.0625, 0.0605153647845, 0.00936931126163, 0.416919652995, 0.0625, 0.0605153647845),
    2: (0.125, 0.0826797284708, 0.03418952863314, 0.457011272886, 0.125, 0.0826797284708),
    3: (0.193181818182, 0.1004668677701, 0.06970872701183, 0.535359293962, 0.125, 0.0826797284708),
    4: (0.261363636364, 0.1126930110307, 0.11226123610333, 0.608499895283, 0.193181818182, 0.1004668677701),
    6: (0.339285714286, 0.1246230469365, 0.16516221818082, 0.696980200353, 0.271103896104, 0.1169161547655),
    8: (0.436688311688, 0.1378090817900, 0.23526177236018, 0.810572323978, 0.368506493506, 0.1343896749476),
    10: (0.631493506494, 0.1343896749476, 0.41612385243200, 0.958330185623, 0.368506493506, 0.1343896749476),
}


def test_aalen_johansen_ci_against_r_survfit():
    r = cumulative_incidence(CR).set_index("time")
    for t, (p1, se1, lo1, hi1, p2, se2) in R_CR.items():
        row = r.loc[t]
        assert row["cif_event"] == pytest.approx(p1, abs=1e-11)
        assert row["cif_event_se"] == pytest.approx(se1, abs=1e-11)
        assert (row["cif_event_ci_lower"], row["cif_event_ci_upper"]) == (pytest.approx(lo1, abs=1e-11),
                                                                          pytest.approx(hi1, abs=1e-11))
        assert row["cif_competing"] == pytest.approx(p2, abs=1e-11)
        assert row["cif_competing_se"] == pytest.approx(se2, abs=1e-11)
    assert (r["ci_type"] == "log").all() and (r["level"] == 0.95).all()


def test_aalen_johansen_ci_reference_cohort_against_r():
    # R: survfit(Surv(time, factor(status, 0:2)) ~ 1) on competing_first_ae(load_cohort()) ->
    #   first TEAE: t=2 0.05555555556 (se 0.05399029532, 0.008270052877–0.3732043554); t=3 0.23263888889
    #   (se 0.10206494373, 0.098454887811–0.5497020395); DTT stopped first: t=6 0.279040404
    #   (se 0.11732378470, 0.12239836030–0.6361486126)
    r = cumulative_incidence(competing_first_ae(load_cohort())).set_index("time")
    assert r.loc[2, ["cif_event_se", "cif_event_ci_lower", "cif_event_ci_upper"]].tolist() == pytest.approx(
        [0.05399029532, 0.008270052877, 0.3732043554], abs=1e-9)
    assert r.loc[3, ["cif_event", "cif_event_se", "cif_event_ci_lower", "cif_event_ci_upper"]].tolist() == \
        pytest.approx([0.23263888889, 0.10206494373, 0.098454887811, 0.5497020395], abs=1e-9)
    assert r.loc[6, ["cif_competing", "cif_competing_se", "cif_competing_ci_lower",
                     "cif_competing_ci_upper"]].tolist() == pytest.approx(
        [0.279040404, 0.11732378470, 0.12239836030, 0.6361486126], abs=1e-9)
    # no competing event yet: the log interval is undefined (R: NA)
    assert math.isnan(r.loc[2, "cif_competing_ci_lower"]) and r.loc[2, "cif_competing_se"] == 0


def test_aalen_johansen_se_closed_form_without_censoring():
    # no censoring: the cumulative incidence is the plain proportion F = k/N and its IJ variance F(1 - F)/N
    d = pd.DataFrame({"time": [1, 2, 2, 3, 4, 5, 6, 7], "status": [1, 2, 1, 1, 2, 1, 2, 2]})
    r = cumulative_incidence(d).set_index("time")
    z = stats.norm.ppf(0.975)
    for t, k in ((1, 1), (2, 2), (3, 3), (5, 4), (7, 4)):
        f = k / 8
        se = math.sqrt(f * (1 - f) / 8)
        assert r.loc[t, "cif_event"] == pytest.approx(f) and r.loc[t, "cif_event_se"] == pytest.approx(se)
        assert r.loc[t, "cif_event_ci_lower"] == pytest.approx(f * math.exp(-z * se / f))
        assert r.loc[t, "cif_event_ci_upper"] == pytest.approx(min(1, f * math.exp(z * se / f)))
    plain = cumulative_incidence(d, ci_type="plain", level=0.9).set_index("time")
    se = math.sqrt(0.5 * 0.5 / 8)
    z90 = stats.norm.ppf(0.95)
    assert plain.loc[5, "cif_event_ci_lower"] == pytest.approx(0.5 - z90 * se)
    assert plain.loc[1, "cif_competing_ci_lower"] == 0 and plain.loc[1, "ci_type"] == "plain (linear)"
    with pytest.raises(ValueError):
        cumulative_incidence(d, ci_type="log-log")


needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")


def _rscript(code: str) -> list[float]:
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True, timeout=120)
    return [float(x) for x in out.stdout.split()]


@needs_r
def test_aalen_johansen_and_logrank_against_live_r():
    t = ",".join(str(x) for x in CR["time"])
    st = ",".join(str(x) for x in CR["status"])
    try:
        r = _rscript(f"suppressMessages(library(survival)); x <- summary(survfit(Surv(c({t}), "
                     f"factor(c({st}), 0:2)) ~ 1)); cat(sprintf('%.15g', c(x$pstate[,2], x$std.err[,2], x$lower[,2], x$upper[,2])))")
    except subprocess.CalledProcessError as e:
        if "no package called" in e.stderr:
            pytest.skip("R package survival is not installed")
        raise
    k = len(R_CR)
    ours = cumulative_incidence(CR).set_index("time").loc[list(R_CR)]
    for i, col in enumerate(["cif_event", "cif_event_se", "cif_event_ci_lower", "cif_event_ci_upper"]):
        assert ours[col].tolist() == pytest.approx(r[i * k:(i + 1) * k], abs=1e-9)
    g = ",".join(f'"{x}"' for x in LR["group"])
    r = _rscript(f"suppressMessages(library(survival)); s <- survdiff(Surv(c({','.join(map(str, LR['time']))}), "
                 f"c({','.join(map(str, LR['event']))})) ~ c({g})); cat(sprintf('%.15g', s$chisq))")
    assert logrank_test(LR, "group").loc[0, "chi2"] == pytest.approx(r[0], rel=1e-9)


# --- Kaplan–Meier by group and the log-rank test ---------------------------------------------------------------

LR = pd.DataFrame({"time": [1, 3, 4, 2, 5, 6], "event": [1, 1, 0, 1, 1, 0], "group": list("AAABBB")})


def test_logrank_hand_worked():
    # event times 1, 2, 3, 5 with (n, n_A, d): (6, 3, 1), (5, 2, 1), (4, 2, 1), (2, 0, 1)
    # E_A = 3/6 + 2/5 + 2/4 + 0 = 1.4; O_A = 2
    # V = sum n_A n_B d (n - d) / (n^2 (n - 1)) = 0.25 + 0.24 + 0.25 + 0 = 0.74 -> chi2 = 0.6^2 / 0.74
    row = logrank_test(LR, "group").iloc[0]
    assert row["chi2"] == pytest.approx(0.36 / 0.74) and row["df"] == 1
    assert row["p_value"] == pytest.approx(stats.chi2.sf(0.36 / 0.74, 1))
    assert row["observed"] == "A: 2; B: 2" and row["expected"] == "A: 1.400; B: 2.600"
    assert (row["test"], row["no_test_reason"], row["n"], row["events"], row["groups"]) == \
        ("log-rank test", "", 6, 4, 2)


def test_logrank_reference_cohort_against_r_survdiff():
    c = load_cohort()
    # R: survdiff(Surv(time, event) ~ disease) on time_to_first_ae -> chisq 0.295397799081, p 0.58678207701
    row = logrank_test(time_to_first_ae(c), "disease").iloc[0]
    assert row["chi2"] == pytest.approx(0.295397799081, rel=1e-9)
    assert row["p_value"] == pytest.approx(0.58678207701, rel=1e-9)
    # R: survdiff(Surv(time, event) ~ regimen) on time_on_dtt -> chisq 14.1545741057 on 5 df, p 0.014656787505
    # (expected for ADA+VDZ 0.574358974359)
    row = logrank_test(time_on_dtt(c), "regimen", min_group_n=1).iloc[0]
    assert row["chi2"] == pytest.approx(14.1545741057, rel=1e-9) and row["df"] == 5
    assert row["p_value"] == pytest.approx(0.014656787505, rel=1e-9)
    assert "ADA+VDZ: 0.574" in row["expected"]


def test_logrank_declines_small_groups_and_degenerate_data():
    c = load_cohort()
    row = logrank_test(time_to_first_ae(c), "regimen").iloc[0]  # ADA+UST and VDZ+TOF have one patient each
    assert math.isnan(row["p_value"]) and row["test"] == ""
    assert row["no_test_reason"] == "no test: fewer than 2 patients in ADA+UST (n = 1), VDZ+TOF (n = 1)"
    assert logrank_test(LR.assign(event=0), "group").loc[0, "no_test_reason"] == "no test: no events"
    assert logrank_test(LR.assign(group="A"), "group").loc[0, "no_test_reason"] == "no test: fewer than two groups"


def test_km_by_group_is_the_km_of_each_subset():
    kms = km_by_group(LR, "group")
    assert list(kms) == ["A", "B"]
    a = kms["A"].estimates_.set_index("time")["survival"]
    # group A: events at 1 and 3, censored at 4 -> S = 2/3, then 2/3 * 1/2
    assert a.loc[1] == pytest.approx(2 / 3) and a.loc[3] == pytest.approx(1 / 3) and a.loc[4] == pytest.approx(1 / 3)
    long = km_estimates(kms, "group")
    assert list(long.columns[:3]) == ["by", "group", "time"] and (long["by"] == "group").all()
    assert len(long) == len(kms["A"].estimates_) + len(kms["B"].estimates_)
    b = long[long["group"] == "B"].set_index("time")["survival"]
    assert b.loc[2] == pytest.approx(2 / 3) and b.loc[5] == pytest.approx(1 / 3)


def test_aalen_johansen_se_same_when_computed_in_patient_blocks():
    from dttstudy.analysis import safety

    rng = np.random.default_rng(3)
    d = pd.DataFrame({"time": rng.integers(1, 30, 300).astype(float), "status": rng.integers(0, 3, 300)})
    whole = cumulative_incidence(d)
    original = safety._aj_ij_se.__defaults__
    try:
        safety._aj_ij_se.__defaults__ = (7,)  # blocks of a single patient
        blocks = cumulative_incidence(d)
    finally:
        safety._aj_ij_se.__defaults__ = original
    assert blocks["cif_event_se"].to_numpy() == pytest.approx(whole["cif_event_se"].to_numpy(), rel=1e-12)
    assert blocks["cif_competing_se"].to_numpy() == pytest.approx(whole["cif_competing_se"].to_numpy(), rel=1e-12)
