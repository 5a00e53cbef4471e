"""Every pooled table of ``dttstudy.synthesis.multicentre.pooling`` on two centre summaries small enough to add up by
hand: response rates and their exact intervals, the centres' rates and the random-effects model (DerSimonian–Laird
written out), AE incidence by group and by suspected agent with its denominators, exposure-adjusted rates (Garwood's
interval written out), AE terms, the pooled life tables, labs and Table 1 (means and SDs from the sums), the
summary paragraph; then the same tables when a centre withheld cells, in both modes of the pooled-cell rule."""
from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dttstudy import __version__
from dttstudy.synthesis.multicentre import pooling
from dttstudy.synthesis.multicentre.check import check_summaries
from dttstudy.synthesis.multicentre.contract import FORMAT, FORMAT_VERSION, OTHER_TERM, IncompatibleSummaries, seal
from dttstudy.synthesis.multicentre.export import summary_json
from dttstudy.synthesis.multicentre.pooling import PooledAnalysis, pool, read_summary

S = "suppressed"
Z = float(stats.norm.ppf(0.975))
PARAMETERS = {"disease": "all", "timepoints": [3, 6], "definition": "paper", "ci_method": "clopper-pearson",
              "crp_uln": 5.0, "level": 0.95, "windows": {"3": 0.5, "6": 1.0}, "nri_reasons": ["no_response"],
              "grace_months": 0, "endoscopy_horizon": 3, "labs": ["crp", "albumin"], "life_table_horizon": 2,
              "event_times": False, "ae_vocabulary": ["infection", "rash"]}


def _counts(variable, level, uc, cd, total):
    return {"variable": variable, "level": level, "UC": uc, "CD": cd, "Total": total}


def _resp(by, group, n, N, endpoint="clinical_response", month=3):
    return {"endpoint": endpoint, "definition": "paper", "analysis_set": "observed", "month": month,
            "by": by, "group": group, "n": n, "N": N}


def _cells(endpoint, month, *rows):
    """The five response cells of one endpoint and month: all, UC, CD and the two regimens."""
    groups = [("All", "All"), ("disease", "UC"), ("disease", "CD"), ("regimen", None), ("regimen", None)]
    return [_resp(by, group or reg, n, N, endpoint, month) for (by, group), (reg, n, N) in zip(groups, rows)]


def _inc(by, group, n, events, pyr=None, pye=None):
    r = {"by": by, "group": group, "patients_with_event": n, "events": events}
    return r | ({} if pyr is None else {"patient_years_at_risk": pyr, "patient_years_exposure": pye})


def _life(name, rows):
    return [{"parameter": name, "start": j, "end": j + 1 if j < 2 else None, "at_risk": at, "events": ev,
             "censored": ce} for j, (at, ev, ce) in enumerate(rows)]


def _lab(lab, group, n, b, ssb, v, ssv, c, ssc):
    return {"lab": lab, "month": 3, "group": group, "n": n, "sum_baseline": b, "sum_squares_baseline": ssb,
            "sum_value": v, "sum_squares_value": ssv, "sum_change": c, "sum_squares_change": ssc,
            "change_median": -5, "change_q1": -8, "change_q3": -2}


# C1: 10 patients (4 UC, 6 CD) on IFX+VDZ (6) or VDZ+TOF (4); C2: 6 patients (2 UC, 4 CD) on IFX+VDZ (2) or
# UST+TOF (4). Each is a consistent summary (the checker passes both: see the first test).
C1 = {
    "baseline_counts": [_counts("Patients", "", 4, 6, 10), _counts("Sex", "F", 2, 3, 5), _counts("Sex", "M", 2, 3, 5),
                        _counts("Regimen", "IFX+VDZ", 1, 5, 6), _counts("Regimen", "VDZ+TOF", 3, 1, 4)],
    "baseline_continuous": [{"variable": "Age", "group": "UC", "n": 4, "sum": 100, "sum_squares": 2600},
                            {"variable": "Age", "group": "CD", "n": 6, "sum": 180, "sum_squares": 5600},
                            {"variable": "Age", "group": "Total", "n": 10, "sum": 280, "sum_squares": 8200},
                            # failed biologics 1, 1 (UC) and 1, 2 (CD); one disease duration of 5 years (UC)
                            {"variable": "Failed biologics", "group": "UC", "n": 2, "sum": 2, "sum_squares": 2},
                            {"variable": "Failed biologics", "group": "CD", "n": 2, "sum": 3, "sum_squares": 5},
                            {"variable": "Failed biologics", "group": "Total", "n": 4, "sum": 5, "sum_squares": 7},
                            {"variable": "Duration", "group": "UC", "n": 1, "sum": 5, "sum_squares": 25},
                            {"variable": "Duration", "group": "CD", "n": 0, "sum": 0, "sum_squares": 0},
                            {"variable": "Duration", "group": "Total", "n": 1, "sum": 5, "sum_squares": 25},
                            {"variable": "Follow-up", "group": "UC", "n": 0, "sum": 0, "sum_squares": 0},
                            {"variable": "Follow-up", "group": "CD", "n": 0, "sum": 0, "sum_squares": 0},
                            {"variable": "Follow-up", "group": "Total", "n": 0, "sum": 0, "sum_squares": 0}],
    "response": [_resp("All", "All", 6, 9), _resp("disease", "UC", 2, 4), _resp("disease", "CD", 4, 5),
                 _resp("regimen", "IFX+VDZ", 4, 5), _resp("regimen", "VDZ+TOF", 2, 4),
                 # remission at 3: 1 of 9; response at 6: one patient evaluable, a responder
                 *_cells("clinical_remission", 3, (0, 1, 9), (0, 0, 4), (0, 1, 5), ("IFX+VDZ", 1, 5),
                         ("VDZ+TOF", 0, 4)),
                 *_cells("clinical_response", 6, (0, 1, 1), (0, 0, 0), (0, 1, 1), ("IFX+VDZ", 1, 1),
                         ("VDZ+TOF", 0, 0))],
    "ae_incidence": [_inc("All", "All", 4, 7, 8.5, 9.0), _inc("disease", "UC", 1, 2, 3.0, 3.5),
                     _inc("disease", "CD", 3, 5, 5.5, 5.5), _inc("regimen", "IFX+VDZ", 3, 4, 5.0, 5.5),
                     _inc("regimen", "VDZ+TOF", 1, 3, 3.5, 3.5), _inc("suspected_agent", "IFX", 1, 1),
                     _inc("suspected_agent", "VDZ", 2, 2), _inc("suspected_agent", "TOF", 1, 2),
                     _inc("suspected_agent", "unknown", 1, 1)],
    "ae_terms": [{"term": "infection", "patients_with_event": 2, "events": 3},
                 {"term": "rash", "patients_with_event": 1, "events": 1},
                 {"term": OTHER_TERM, "patients_with_event": 2, "events": 3}],
    "life_tables": (_life("time to first TEAE", [(10, 2, 1), (7, 1, 0), (6, 1, 5)])
                    + _life("time on DTT", [(10, 0, 1), (9, 2, 1), (6, 3, 3)])),
    "labs": [_lab("crp", "All", 8, 80, 1000, 40, 300, -40, 400), _lab("crp", "UC", 3, 30, 400, 15, 100, -15, 150),
             _lab("crp", "CD", 5, 50, 600, 25, 200, -25, 250)],
}
C2 = {
    "baseline_counts": [_counts("Patients", "", 2, 4, 6), _counts("Sex", "F", 1, 2, 3), _counts("Sex", "M", 1, 2, 3),
                        _counts("Regimen", "IFX+VDZ", 0, 2, 2), _counts("Regimen", "UST+TOF", 2, 2, 4)],
    "baseline_continuous": [{"variable": "Age", "group": "UC", "n": 2, "sum": 60, "sum_squares": 1850},
                            {"variable": "Age", "group": "CD", "n": 4, "sum": 120, "sum_squares": 3700},
                            {"variable": "Age", "group": "Total", "n": 6, "sum": 180, "sum_squares": 5550},
                            # failed biologics 2 (UC) and 1 (CD)
                            {"variable": "Failed biologics", "group": "UC", "n": 1, "sum": 2, "sum_squares": 4},
                            {"variable": "Failed biologics", "group": "CD", "n": 1, "sum": 1, "sum_squares": 1},
                            {"variable": "Failed biologics", "group": "Total", "n": 2, "sum": 3, "sum_squares": 5},
                            # disease durations 1 and 3 years (CD)
                            {"variable": "Duration", "group": "UC", "n": 0, "sum": 0, "sum_squares": 0},
                            {"variable": "Duration", "group": "CD", "n": 2, "sum": 4, "sum_squares": 10},
                            {"variable": "Duration", "group": "Total", "n": 2, "sum": 4, "sum_squares": 10}],
    "response": [_resp("All", "All", 3, 6), _resp("disease", "UC", 1, 2), _resp("disease", "CD", 2, 4),
                 _resp("regimen", "IFX+VDZ", 1, 2), _resp("regimen", "UST+TOF", 2, 4),
                 # no remission at 3; nobody evaluable at 6
                 *_cells("clinical_remission", 3, (0, 0, 6), (0, 0, 2), (0, 0, 4), ("IFX+VDZ", 0, 2),
                         ("UST+TOF", 0, 4)),
                 *_cells("clinical_response", 6, (0, 0, 0), (0, 0, 0), (0, 0, 0), ("IFX+VDZ", 0, 0),
                         ("UST+TOF", 0, 0))],
    "ae_incidence": [_inc("All", "All", 2, 3, 4.0, 4.5), _inc("disease", "UC", 1, 1, 1.5, 1.5),
                     _inc("disease", "CD", 1, 2, 2.5, 3.0), _inc("regimen", "IFX+VDZ", 1, 2, 1.5, 2.0),
                     _inc("regimen", "UST+TOF", 1, 1, 2.5, 2.5), _inc("suspected_agent", "IFX", 0, 0),
                     _inc("suspected_agent", "VDZ", 1, 1), _inc("suspected_agent", "UST", 0, 0),
                     _inc("suspected_agent", "TOF", 1, 1), _inc("suspected_agent", "unknown", 0, 0)],
    "ae_terms": [{"term": "infection", "patients_with_event": 1, "events": 2},
                 {"term": OTHER_TERM, "patients_with_event": 1, "events": 1}],
    "life_tables": (_life("time to first TEAE", [(6, 1, 0), (5, 1, 1), (3, 0, 3)])
                    + _life("time on DTT", [(6, 1, 0), (5, 0, 0), (5, 1, 4)])),
    "labs": [_lab("crp", "All", 4, 40, 500, 20, 120, -20, 140), _lab("crp", "UC", 2, 20, 250, 10, 60, -10, 70),
             _lab("crp", "CD", 2, 20, 250, 10, 60, -10, 70),
             _lab("albumin", "All", 4, 140, 4950, 152, 5800, 12, 50)],
}


def summary(centre, tables, *, k=0, labs=("crp", "albumin"), withheld=(), input_hash=None, **parameters) -> dict:
    return seal({"format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
                 "centre": centre, "parameters": PARAMETERS | {"labs": list(labs)} | parameters,
                 "input_sha256": input_hash or (centre.encode().hex() * 32)[:64],
                 "disclosure": {"min_cell": k, "marker": S, "rule": "counts 1..K-1 withheld",
                                "withheld": list(withheld)},
                 "tables": copy.deepcopy(tables)})


def pair():
    return [summary("C1", C1), summary("C2", C2, labs=("crp", "albumin", "haemoglobin"))]


def fit(summaries, method="DL", partial="withhold"):
    return PooledAnalysis(method, partial).fit(summaries)


def records(df, cols):
    return [tuple(r) for r in df[cols].itertuples(index=False)]


def exact(k, n):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return 100 * ci.low, 100 * ci.high


def garwood(k, t):
    lo = 0.0 if k == 0 else stats.chi2.ppf(0.025, 2 * k) / 2
    return 100 * lo / t, 100 * stats.chi2.ppf(0.975, 2 * k + 2) / 2 / t


@pytest.fixture(scope="module")
def pooled():
    return fit(pair())


@pytest.fixture(scope="module")
def withheld():
    return fit(withheld_pair())


# ---- response ------------------------------------------------------------------------------------------------
def test_pooled_response_rates_are_summed_counts_with_exact_intervals(pooled):
    res = pooled
    r = response_at_3(res.rates_)
    assert records(r, ["by", "group", "n", "N", "centres", "contributing_centres", "withheld_centres"]) == [
        ("All", "All", 9, 15, 2, "C1, C2", ""), ("disease", "UC", 3, 6, 2, "C1, C2", ""),
        ("disease", "CD", 6, 9, 2, "C1, C2", ""), ("regimen", "IFX+VDZ", 5, 7, 2, "C1, C2", ""),
        ("regimen", "VDZ+TOF", 2, 4, 1, "C1", ""), ("regimen", "UST+TOF", 2, 4, 1, "C2", "")]
    assert r["pct"].tolist() == pytest.approx([60, 50, 600 / 9, 500 / 7, 50, 50], rel=1e-12)
    for row in r.itertuples():
        assert (row.ci_low, row.ci_high) == pytest.approx(exact(int(row.n), int(row.N)), rel=1e-9)
    assert set(r["ci_method"]) == {"Clopper–Pearson exact"} and set(r["level"]) == {0.95}
    assert r["complete"].all() and r["n"].dtype == np.int64 and r["N"].dtype == np.int64
    assert list(r.columns) == ["endpoint", "definition", "analysis_set", "month", "by", "group", "n", "N", "pct",
                               "ci_low", "ci_high", "ci_method", "level", "complete", "centres",
                               "contributing_centres", "withheld_centres"]
    rem = res.rates_[res.rates_["endpoint"] == "clinical_remission"]
    # 0 of 6 UC patients: 0 %, not missing; at 6 one patient evaluable (100 %), and none with UC (no figure)
    assert records(rem, ["group", "n", "N"]) == [("All", 1, 15), ("UC", 0, 6), ("CD", 1, 9), ("IFX+VDZ", 1, 7),
                                                 ("VDZ+TOF", 0, 4), ("UST+TOF", 0, 4)]
    assert rem["pct"].tolist() == pytest.approx([100 / 15, 0, 100 / 9, 100 / 7, 0, 0], rel=1e-12)
    six = res.rates_[res.rates_["month"] == 6]
    assert records(six, ["group", "n", "N"]) == [("All", 1, 1), ("UC", 0, 0), ("CD", 1, 1), ("IFX+VDZ", 1, 1),
                                                 ("VDZ+TOF", 0, 0), ("UST+TOF", 0, 0)]
    assert six["pct"].tolist()[0] == 100 and six[["pct", "ci_low", "ci_high"]].iloc[1].isna().all()
    c = res.centre_rates_
    assert records(c, ["centre", "endpoint", "month", "n", "N"]) == [
        ("C1", "clinical_response", 3, 6, 9), ("C1", "clinical_remission", 3, 1, 9), ("C1", "clinical_response", 6, 1, 1),
        ("C2", "clinical_response", 3, 3, 6), ("C2", "clinical_remission", 3, 0, 6), ("C2", "clinical_response", 6, 0, 0)]
    assert c["pct"].tolist()[:5] == pytest.approx([600 / 9, 100 / 9, 100, 50, 0], rel=1e-12)
    assert math.isnan(c["pct"].tolist()[5]) and c["n"].dtype == np.int64 and c["N"].dtype == np.int64
    assert (c["ci_low"][3], c["ci_high"][3]) == pytest.approx(exact(3, 6), rel=1e-9)
    assert list(c.columns) == ["centre", "endpoint", "definition", "analysis_set", "month", "by", "group", "n", "N",
                               "pct", "ci_low", "ci_high"]


def response_at_3(df):
    return df[(df["endpoint"] == "clinical_response") & (df["month"] == 3)]


def test_wilson_intervals_when_the_centres_chose_them():
    res = fit([summary("C1", C1, ci_method="wilson"), summary("C2", C2, ci_method="wilson")])
    p, n = 0.6, 15
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    mid = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    assert (res.rates_["ci_low"][0], res.rates_["ci_high"][0]) == pytest.approx((100 * (mid - half),
                                                                                   100 * (mid + half)), rel=1e-9)
    assert set(res.rates_["ci_method"]) == {"Wilson score"}


def test_between_centre_heterogeneity_is_dersimonian_laird_written_out(pooled):
    het = pooled.heterogeneity_
    # one model per endpoint and month, in the order of the summaries
    assert records(het, ["endpoint", "month", "k", "n", "N"]) == [("clinical_response", 3, 2, 9, 15),
                                                                  ("clinical_remission", 3, 2, 1, 15),
                                                                  ("clinical_response", 6, 1, 1, 1)]
    assert het["note"].tolist()[1:] == ["", "one centre: no heterogeneity"]  # C2 had nobody evaluable at 6
    h = het.iloc[0]
    # logits and variances: 6/9 → log 2, 1/6 + 1/3; 3/6 → 0, 1/3 + 1/3; Q < k − 1, so τ² = 0 and I² = 0
    w = np.array([1 / 0.5, 1 / (2 / 3)])
    y = np.array([math.log(2), 0.0])
    mu = (w * y).sum() / w.sum()
    q = (w * (y - mu) ** 2).sum()
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert (h["k"], h["n"], h["N"], h["method"], h["note"], h["withheld_centres"]) == (2, 9, 15, "DL", "", "")
    assert (h["tau2"], h["i2"]) == (0.0, 0.0)
    assert h["q"] == pytest.approx(q, rel=1e-10) and h["q_pvalue"] == pytest.approx(stats.chi2.sf(q, 1), rel=1e-9)
    se = 1 / math.sqrt(w.sum())
    assert (h["re_pct"], h["re_ci_low"], h["re_ci_high"]) == pytest.approx(
        (100 * expit(mu), 100 * expit(mu - Z * se), 100 * expit(mu + Z * se)), rel=1e-9)
    assert list(het.columns) == ["endpoint", "definition", "analysis_set", "month", "k", "n", "N", "method", "tau2",
                                 "i2", "q", "q_pvalue", "re_pct", "re_ci_low", "re_ci_high", "note",
                                 "withheld_centres"]


def _without_glmm(monkeypatch, events=None):
    """pool_proportions as it is, except that the GLMM cannot be fitted (to these ``events`` only, if given)."""
    real = pooling.pool_proportions

    def no_glmm(events_, totals, method, labels):
        if method == "GLMM" and events in (None, events_):
            raise RuntimeError("did not converge")
        return real(events_, totals, method=method, labels=labels)
    monkeypatch.setattr(pooling, "pool_proportions", no_glmm)
    return real


def test_a_model_that_cannot_be_fitted_falls_back_to_reml_and_says_why(monkeypatch):
    real = _without_glmm(monkeypatch)
    h = fit(pair(), "GLMM").heterogeneity_.iloc[0]
    assert h["method"] == "REML"
    assert h["note"] == ("GLMM not fitted (RuntimeError: did not converge); inverse-variance REML on the logit "
                         "scale instead")
    assert h["re_pct"] == pytest.approx(100 * real([6, 3], [9, 6], method="REML").proportion, rel=1e-12)
    h = fit([summary("C1", C1)], "GLMM").heterogeneity_.iloc[0]
    assert h["note"] == ("GLMM not fitted (RuntimeError: did not converge); inverse-variance REML on the logit "
                         "scale instead; one centre: no heterogeneity")


@pytest.mark.parametrize("n1, n2, case", [(0, 0, "0 events"), (9, 6, "all events"),
                                          (0, 6, "0 events or all events (0% and 100% only)")])
def test_no_model_when_every_centre_is_at_0_or_100_percent(n1, n2, case):
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    a["response"][0]["n"], b["response"][0]["n"] = n1, n2
    h = fit([summary("C1", a), summary("C2", b)], "GLMM").heterogeneity_.iloc[0]
    assert h["note"] == (f"no GLMM fitted: every centre had {case}; the pooled figure is the summed count with its "
                         "exact (Clopper–Pearson) 95% CI, and τ² is not estimable (shown as 0)")
    assert (h["k"], h["n"], h["N"]) == (2, n1 + n2, 15)


def test_one_centre_has_no_heterogeneity_and_a_centre_without_evaluable_patients_is_left_out():
    h = fit([summary("C1", C1)]).heterogeneity_.iloc[0]
    assert (h["k"], h["n"], h["N"], h["note"]) == (1, 6, 9, "one centre: no heterogeneity")
    assert h["re_pct"] == pytest.approx(600 / 9, rel=1e-12)
    b = copy.deepcopy(C2)
    b["response"][0].update(n=0, N=0)
    h = fit([summary("C1", C1), summary("C2", b)]).heterogeneity_.iloc[0]
    assert (h["k"], h["n"], h["N"], h["note"]) == (1, 6, 9, "one centre: no heterogeneity")
    a = copy.deepcopy(C1)
    a["response"][0].update(n=0, N=0)
    h = fit([summary("C1", a), summary("C2", b)]).heterogeneity_.iloc[0]
    assert (h["k"], h["n"], h["N"], h["method"], h["note"]) == (0, 0, 0, "", "no centre with evaluable patients")
    assert math.isnan(fit([summary("C1", a), summary("C2", b)]).rates_["pct"][0])


# ---- safety --------------------------------------------------------------------------------------------------
def test_pooled_ae_incidence_with_the_denominator_of_each_group_and_agent(pooled):
    inc = pooled.ae_incidence_
    # an agent's patients are those on a regimen with it: VDZ 6 + 4 (C1) + 2 (C2); unknown: all 16
    assert records(inc, ["by", "group", "n", "N", "events", "centres"]) == [
        ("All", "All", 6, 16, 10, 2), ("disease", "UC", 2, 6, 3, 2), ("disease", "CD", 4, 10, 7, 2),
        ("regimen", "IFX+VDZ", 4, 8, 6, 2), ("regimen", "VDZ+TOF", 1, 4, 3, 1),
        ("suspected_agent", "IFX", 1, 8, 1, 2), ("suspected_agent", "VDZ", 3, 12, 3, 2),
        ("suspected_agent", "TOF", 2, 8, 3, 2), ("suspected_agent", "unknown", 1, 16, 1, 2),
        ("regimen", "UST+TOF", 1, 4, 1, 1), ("suspected_agent", "UST", 0, 4, 0, 1)]
    assert inc["pct"].tolist() == pytest.approx([37.5, 100 / 3, 40, 50, 25, 12.5, 25, 25, 6.25, 25, 0], rel=1e-12)
    for row in inc.itertuples():
        assert (row.ci_low, row.ci_high) == pytest.approx(exact(int(row.n), int(row.N)), rel=1e-9, abs=1e-12)
    assert inc["complete"].all() and set(inc["ci_method"]) == {"Clopper–Pearson exact"}
    assert [inc[c].dtype for c in ("n", "N", "events")] == [np.dtype(np.int64)] * 3
    assert inc["withheld_centres"].eq("").all()


def test_exposure_adjusted_rates_are_summed_events_over_summed_patient_years(pooled):
    ex = pooled.exposure_
    assert records(ex, ["by", "group", "patients", "patients_with_event", "events"]) == [
        ("All", "All", 16, 6, 10), ("disease", "UC", 6, 2, 3), ("disease", "CD", 10, 4, 7),
        ("regimen", "IFX+VDZ", 8, 4, 6), ("regimen", "VDZ+TOF", 4, 1, 3), ("regimen", "UST+TOF", 4, 1, 1)]
    pyr = [12.5, 4.5, 8.0, 6.5, 3.5, 2.5]
    pye = [13.5, 5.0, 8.5, 7.5, 3.5, 2.5]
    assert ex["patient_years_at_risk"].tolist() == pytest.approx(pyr, rel=1e-12)
    assert ex["patient_years_exposure"].tolist() == pytest.approx(pye, rel=1e-12)
    assert ex["eair_per_100py"].tolist() == pytest.approx([100 * n / t for n, t in zip([6, 2, 4, 4, 1, 1], pyr)])
    assert ex["eaer_per_100py"].tolist() == pytest.approx([100 * n / t for n, t in zip([10, 3, 7, 6, 3, 1], pye)])
    for row in ex.itertuples():
        assert (row.eair_ci_low, row.eair_ci_high) == pytest.approx(garwood(row.patients_with_event,
                                                                            row.patient_years_at_risk), rel=1e-9)
        assert (row.eaer_ci_low, row.eaer_ci_high) == pytest.approx(garwood(row.events, row.patient_years_exposure),
                                                                    rel=1e-9)
    assert set(ex["ci_method"]) == {"exact Poisson (Garwood)"} and ex["complete"].all()
    assert ex["centres"].tolist() == [2, 2, 2, 2, 1, 1] and ex["contributing_centres"].tolist()[4:] == ["C1", "C2"]


def test_a_group_of_one_patient():
    a = copy.deepcopy(C1)
    a["baseline_counts"][4].update(UC=1, CD=0, Total=1)
    inc = fit([summary("C1", a)]).ae_incidence_.set_index("group")
    assert (inc.loc["VDZ+TOF", "n"], inc.loc["VDZ+TOF", "N"], inc.loc["VDZ+TOF", "pct"]) == (1, 1, 100)


def test_a_group_without_patient_years_has_no_rate():
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    a["ae_incidence"][4].update(patients_with_event=0, events=0, patient_years_at_risk=0, patient_years_exposure=0)
    row = fit([summary("C1", a), summary("C2", b)]).exposure_.iloc[4]
    assert row["group"] == "VDZ+TOF" and math.isnan(row["eair_per_100py"]) and math.isnan(row["eaer_per_100py"])


def test_ae_terms_count_every_patient_of_a_centre_that_listed_no_such_term(pooled):
    t = pooled.ae_terms_
    assert records(t, ["term", "patients_with_event", "events", "N", "centres", "contributing_centres"]) == [
        ("infection", 3, 5, 16, 2, "C1, C2"), ("rash", 1, 1, 16, 1, "C1"), (OTHER_TERM, 3, 4, 16, 2, "C1, C2")]
    assert t["complete"].all() and [t[c].dtype for c in ("patients_with_event", "events", "N")] == [
        np.dtype(np.int64)] * 3
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    a["ae_terms"], b["ae_terms"] = [], []
    t = fit([summary("C1", a), summary("C2", b)]).ae_terms_
    assert t.empty and list(t.columns) == ["term", "patients_with_event", "events", "N", "centres",
                                           "contributing_centres", "withheld_centres", "complete"]


# ---- survival ------------------------------------------------------------------------------------------------
def test_the_pooled_life_tables_are_the_summed_rows_as_an_actuarial_table(pooled):
    km = pooled.km_
    teae = km["time to first TEAE"]
    # 16 at risk; per month (events, censored): (3, 1), (2, 1), (1, 8); n' = n − c/2
    assert teae["start"].tolist() == [0, 1, 2] and teae["at_risk"].tolist() == [16, 12, 9]
    assert teae["events"].tolist() == [3, 2, 1] and teae["censored"].tolist() == [1, 1, 8]
    s = np.cumprod([1 - 3 / 15.5, 1 - 2 / 11.5, 1 - 1 / 5])
    assert teae["survival"].tolist() == pytest.approx(s.tolist(), rel=1e-12)
    assert teae["end"].tolist()[:2] == [1, 2] and math.isnan(teae["end"].tolist()[2])
    assert (teae["centres"].tolist(), teae["withheld_centres"].tolist(), teae["complete"].tolist()) == (
        [2] * 3, [""] * 3, [True] * 3)
    dtt = km["time on DTT"]
    assert dtt["events"].tolist() == [1, 2, 4] and dtt["censored"].tolist() == [1, 1, 7]
    assert dtt["survival"].tolist() == pytest.approx(np.cumprod([1 - 1 / 15.5, 1 - 2 / 13.5, 1 - 4 / 7.5]).tolist(),
                                                     rel=1e-12)
    assert list(teae.columns) == ["start", "end", "at_risk", "events", "censored", "survival", "ci_lower",
                                  "ci_upper", "ci_type", "centres", "withheld_centres", "complete"]


def test_with_distinct_times_the_pooled_curve_is_kaplan_meier():
    def times(rows):
        return [{"parameter": p, "time": t, "at_risk": 0, "events": e, "censored": c} for p, t, e, c in rows]
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    a["life_tables"] = times([("time to first TEAE", 1.5, 1, 0), ("time to first TEAE", 4.0, 0, 1),
                              ("time on DTT", 2.0, 1, 1)])
    b["life_tables"] = times([("time to first TEAE", 1.5, 1, 1), ("time to first TEAE", 3.0, 1, 0),
                              ("time on DTT", 6.0, 0, 2)])
    res = fit([summary("C1", a, event_times=True), summary("C2", b, event_times=True)])
    km = res.km_["time to first TEAE"]
    assert km["time"].tolist() == [1.5, 3.0, 4.0] and km["at_risk"].tolist() == [16, 13, 12]
    assert km["events"].tolist() == [2, 1, 0] and km["censored"].tolist() == [1, 0, 1]
    assert km["survival"].tolist() == pytest.approx([14 / 16, 14 / 16 * 12 / 13, 14 / 16 * 12 / 13], rel=1e-12)
    assert "end" not in km
    assert res.km_["time on DTT"]["time"].tolist() == [2.0, 6.0]


# ---- labs and Table 1 ----------------------------------------------------------------------------------------
def test_pooled_labs_are_means_and_sds_from_the_summed_moments(pooled):
    res = pooled
    assert res.parameters["labs"] == ["crp", "albumin", "haemoglobin"]  # every marker any centre records, in the declared order
    lab = res.labs_
    assert records(lab, ["lab", "unit", "month", "by", "group", "n", "centres", "contributing_centres"]) == [
        ("crp", "mg/L", 3, "All", "All", 12, 2, "C1, C2"), ("crp", "mg/L", 3, "disease", "UC", 5, 2, "C1, C2"),
        ("crp", "mg/L", 3, "disease", "CD", 7, 2, "C1, C2"), ("albumin", "g/L", 3, "All", "All", 4, 1, "C2")]
    assert lab["baseline_mean"].tolist() == pytest.approx([10, 10, 10, 35], rel=1e-12)
    assert lab["value_mean"].tolist() == pytest.approx([5, 5, 5, 38], rel=1e-12)
    assert lab["change_mean"].tolist() == pytest.approx([-5, -5, -5, 3], rel=1e-12)
    # SD of the change: √((Σx² − (Σx)²/n) / (n − 1))
    assert lab["change_sd"].tolist() == pytest.approx(
        [math.sqrt((540 - 60 ** 2 / 12) / 11), math.sqrt((220 - 25 ** 2 / 5) / 4),
         math.sqrt((320 - 35 ** 2 / 7) / 6), math.sqrt((50 - 12 ** 2 / 4) / 3)], rel=1e-12)
    assert lab["complete"].all() and lab["n"].dtype == np.int64
    assert list(lab.columns) == ["lab", "unit", "month", "by", "group", "n", "baseline_mean", "value_mean",
                                 "change_mean", "change_sd", "centres", "contributing_centres", "withheld_centres",
                                 "complete"]


def test_a_lab_of_one_patient_has_no_sd_and_a_lab_of_none_no_mean():
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    a["labs"] = [_lab("crp", "All", 1, 10, 100, 4, 16, -6, 36), _lab("crp", "UC", 0, 0, 0, 0, 0, 0, 0),
                 _lab("crp", "CD", 1, 10, 100, 5, 25, -5, 25)]
    b["labs"] = [_lab("crp", "CD", 1, 10, 100, 4, 16, -6, 36)]
    lab = fit([summary("C1", a), summary("C2", b)]).labs_
    assert lab["n"].tolist() == [1, 0, 2] and lab["change_mean"].tolist()[0] == -6
    assert math.isnan(lab["change_sd"][0]) and lab[["baseline_mean", "change_sd"]].iloc[1].isna().all()
    # two patients with changes −5 and −6: SD √((61 − 121/2) / 1) = √0.5
    assert lab["change_sd"][2] == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert lab["change_mean"][2] == -5.5 and lab["baseline_mean"].dtype == float
    a["labs"] = b["labs"] = []
    empty = fit([summary("C1", a), summary("C2", b)]).labs_
    assert empty.empty and list(empty.columns) == ["lab", "month", "group", "n"]


def test_pooled_table_1_counts_and_continuous_values(pooled):
    res = pooled
    t = res.table1_
    assert records(t, ["variable", "level", "UC", "CD", "Total", "centres", "contributing_centres"]) == [
        ("Patients", "", 6, 10, 16, 2, "C1, C2"), ("Sex", "F", 3, 5, 8, 2, "C1, C2"),
        ("Sex", "M", 3, 5, 8, 2, "C1, C2"), ("Regimen", "IFX+VDZ", 1, 7, 8, 2, "C1, C2"),
        ("Regimen", "VDZ+TOF", 3, 1, 4, 1, "C1"), ("Regimen", "UST+TOF", 2, 2, 4, 1, "C2")]
    assert t["complete"].all() and t["withheld_centres"].eq("").all() and t["Total"].dtype == np.int64
    c = res.table1_continuous_
    assert records(c, ["variable", "group", "n", "centres"]) == [
        ("Age", "UC", 6, 2), ("Age", "CD", 10, 2), ("Age", "Total", 16, 2), ("Failed biologics", "UC", 3, 2),
        ("Failed biologics", "CD", 3, 2), ("Failed biologics", "Total", 6, 2), ("Duration", "UC", 1, 2),
        ("Duration", "CD", 2, 2), ("Duration", "Total", 3, 2), ("Follow-up", "UC", 0, 1), ("Follow-up", "CD", 0, 1),
        ("Follow-up", "Total", 0, 1)]
    assert c["n"].dtype == np.int64 and c["mean"].dtype == float and c["sd"].dtype == float and c["complete"].all()
    assert c["mean"].tolist()[:9] == pytest.approx([160 / 6, 30, 28.75, 4 / 3, 4 / 3, 8 / 6, 5, 2, 3], rel=1e-12)
    # SD = √((Σx² − (Σx)²/n) / (n − 1)); below 1 for the failed biologics; none for one patient or none
    assert c["sd"].tolist()[:6] == pytest.approx([
        math.sqrt((4450 - 160 ** 2 / 6) / 5), math.sqrt((9300 - 300 ** 2 / 10) / 9),
        math.sqrt((13750 - 460 ** 2 / 16) / 15), math.sqrt((6 - 4 ** 2 / 3) / 2), math.sqrt((6 - 4 ** 2 / 3) / 2),
        math.sqrt((12 - 8 ** 2 / 6) / 5)], rel=1e-12)
    assert math.isnan(c["sd"][6]) and c["sd"].tolist()[7:9] == pytest.approx([math.sqrt(2), 2], rel=1e-12)
    assert c[["mean", "sd"]].iloc[9:].isna().all().all()


# ---- the whole analysis --------------------------------------------------------------------------------------
def test_the_centres_and_the_summary_paragraph():
    a = summary("C1", C1, k=5, withheld=["labs/lab=crp/month=3/group=UC/n", "response/x/n"])
    b = summary("C2", C2, k=3, input_hash="cd" * 32)
    res = fit([a, b])
    assert records(res.centres_, ["centre", "file", "min_cell", "cells_withheld", "input_sha256"]) == [
        ("C1", "", 5, 2, a["input_sha256"]), ("C2", "", 3, 0, "cd" * 32)]
    assert records(res.withheld_, ["centre", "table", "cell"]) == [
        ("C1", "labs", "labs/lab=crp/month=3/group=UC/n"), ("C1", "response", "response/x/n")]
    assert res.summary().to_dict("records") == [{"centres": 2, "patients": 16, "withheld": 2, "min_cell": "3, 5",
                                                 "heterogeneity_model": "DL", "package_version": __version__}]
    text = ("2 centres (C1, C2) shared aggregate results only (dttstudy {v}; minimum cell count 3, 5); 16 patients in "
            "the cells that were published. Response rates are summed counts with Clopper–Pearson exact 95% CIs; "
            "between-centre heterogeneity by random-effects pooling of the centres' proportions (DL; τ², I²). "
            "Survival is pooled from the centres' life tables (actuarial, monthly grid); exposure-adjusted rates "
            "from summed events and patient-years (exact Poisson CIs). 2 value(s) were withheld by the centres' "
            "disclosure control.").format(v=__version__)
    assert res.summary_text() == text == str(res)
    assert res._repr_html_().startswith("<p>2 centres (C1, C2) shared aggregate results only")
    assert "centres&#x27; proportions" in res._repr_html_()
    times = copy.deepcopy(C1)
    times["life_tables"] = [{"parameter": p, "time": 1.0, "at_risk": 10, "events": 4, "censored": 6}
                            for p in ("time to first TEAE", "time on DTT")]
    one = fit([summary("C1", times, event_times=True)])
    assert one.summary_text().startswith(f"1 centre (C1) shared aggregate results only (dttstudy {__version__}; "
                                         "minimum cell count 0); 10 patients in the cells")
    assert "(Kaplan–Meier at every distinct time)" in one.summary_text()


def test_the_model_by_default_is_the_glmm_and_the_mode_is_passed_on():
    assert (PooledAnalysis().heterogeneity_method, PooledAnalysis().partial) == ("GLMM", "withhold")
    res = pool(pair(), min_cell=0)
    assert res.heterogeneity_["method"].tolist()[0] == "GLMM" and res.partial == "withhold"
    assert pool(pair(), "DL", min_cell=0, partial="show").partial == "show"


def test_every_interval_follows_the_level_of_the_summaries():
    res = fit([summary("C1", C1, level=0.9), summary("C2", C2, level=0.9)])
    ci = stats.binomtest(9, 15).proportion_ci(confidence_level=0.9, method="exact")
    assert (res.rates_["ci_low"][0], res.rates_["ci_high"][0]) == pytest.approx((100 * ci.low, 100 * ci.high),
                                                                                 rel=1e-9)
    assert set(res.rates_["level"]) == {0.9}
    ci = stats.binomtest(6, 9).proportion_ci(confidence_level=0.9, method="exact")
    assert res.centre_rates_["ci_low"][0] == pytest.approx(100 * ci.low, rel=1e-9)
    ci = stats.binomtest(6, 16).proportion_ci(confidence_level=0.9, method="exact")
    assert res.ae_incidence_["ci_low"][0] == pytest.approx(100 * ci.low, rel=1e-9)
    lo = stats.chi2.ppf(0.05, 12) / 2 / 12.5
    assert res.exposure_["eair_ci_low"][0] == pytest.approx(100 * lo, rel=1e-9)
    hi = stats.chi2.ppf(0.95, 22) / 2 / 13.5
    assert res.exposure_["eaer_ci_high"][0] == pytest.approx(100 * hi, rel=1e-9)
    km = res.km_["time to first TEAE"]
    s0, v0 = 1 - 3 / 15.5, 3 / (15.5 * 12.5)
    se = math.sqrt(v0) / abs(math.log(s0))
    assert km["ci_lower"][0] == pytest.approx(s0 ** math.exp(stats.norm.ppf(0.95) * se), rel=1e-9)


@pytest.mark.parametrize("total, words", [(0, "no patient"), (1, "1 patient in the cells that were published"),
                                          (2, "2 patients in the cells that were published")])
def test_the_paragraph_counts_the_patients_in_words(total, words):
    res = fit([summary("C1", C1)])
    res.table1_.loc[res.table1_["variable"] == "Patients", "Total"] = total  # the paragraph reads Table 1
    assert f"(dttstudy {__version__}; minimum cell count 0); {words}. Response rates" in res.summary_text()
    res.contract_notes_ = ["First note.", "Second note."]
    assert res.summary_text().endswith("disclosure control. First note. Second note.")


def test_pool_reads_files_checks_them_and_carries_the_contract_notes(tmp_path, capsys):
    paths = []
    for s in pair():
        p = tmp_path / f"{s['centre']}.json"
        p.write_text(summary_json(s), encoding="utf-8")
        paths.append(p)
    assert read_summary(paths[0])["centre"] == "C1"
    res = pool(paths, "DL", min_cell=0)
    assert res.centres_["file"].tolist() == ["C1.json", "C2.json"]  # the file name, not where it was
    assert res.withheld_.empty and list(res.withheld_.columns) == ["centre", "table", "cell"]
    assert res.rates_["n"].tolist()[0] == 9 and res.contract_notes_ == []
    res.print_summary()
    assert capsys.readouterr().out == res.summary_text() + "\n"
    low = [summary("C1", C1, k=1), summary("C2", C2, k=1)]
    with pytest.raises(IncompatibleSummaries):
        pool(low, "DL", min_cell=2)
    res = pool(low, "DL", min_cell=2, accept_below_min_cell=True)
    assert len(res.contract_notes_) == 1 and res.summary_text().endswith(" " + res.contract_notes_[0])
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(IncompatibleSummaries) as err:
        read_summary(bad)
    assert "bad.json" in str(err.value)


# ---- cells a centre withheld ---------------------------------------------------------------------------------
def withheld_pair(more=()):
    """C2 withheld its UC and CD patients, its responders by disease, its UC AE row, the infection term, a
    first-TEAE life-table row and its UC CRP sums."""
    b = copy.deepcopy(C2)
    b["baseline_counts"][0].update(UC=S, CD=S)
    b["response"][1]["n"] = b["response"][2]["n"] = S
    b["ae_incidence"][1].update(patients_with_event=S, patient_years_at_risk=S)
    b["ae_terms"][0]["patients_with_event"] = S
    b["life_tables"][1]["events"] = S
    b["labs"][1].update(n=S, sum_change=S)
    b["baseline_continuous"][0].update(n=S, sum=S, sum_squares=S)
    for table, row, values in more:
        b[table][row].update(values)
    return [summary("C1", C1), summary("C2", b)]


def test_a_cell_a_centre_withheld_is_withheld_in_the_pool(withheld):
    res = withheld
    r = response_at_3(res.rates_).set_index("group")
    assert r.loc[["UC", "CD"], ["n", "N", "pct", "ci_low", "ci_high"]].isna().all().all()
    assert r.loc["UC", "withheld_centres"] == "C2" and r.loc["UC", "contributing_centres"] == "C1"
    assert not r.loc["UC", "complete"] and r.loc["All", "complete"] and r.loc["All", "n"] == 9
    # the centres' own rates are read from a column that also holds the marker: counts again
    assert res.centre_rates_["n"].tolist()[:4] == [6, 1, 1, 3] and res.centre_rates_["n"].dtype == np.int64
    assert res.centre_rates_["N"].dtype == np.int64
    inc = res.ae_incidence_.set_index(["by", "group"])
    # C2's UC patients are withheld, so its UC denominator is too; its CD denominator likewise
    assert inc.loc[("disease", "UC"), ["n", "N", "events"]].isna().all()
    assert inc.loc[("disease", "CD"), "withheld_centres"] == "C2"
    assert inc.loc[("All", "All"), "N"] == 16
    ex = res.exposure_.set_index("group")
    assert ex.loc["UC", ["patients", "patient_years_at_risk", "eair_per_100py"]].isna().all()
    assert ex.loc["All", "patient_years_at_risk"] == 12.5
    t = res.ae_terms_.set_index("term")
    assert t.loc["infection", ["patients_with_event", "events", "N"]].isna().all()
    assert t.loc["infection", "withheld_centres"] == "C2" and t.loc["rash", "N"] == 16
    assert res.km_["time to first TEAE"].empty and res.km_withheld_["time to first TEAE"] == "C2"
    assert res.km_["time on DTT"]["at_risk"].tolist()[0] == 16
    lab = res.labs_.set_index(["lab", "group"])
    assert lab.loc[("crp", "UC"), ["n", "change_mean", "change_sd"]].isna().all()
    assert lab.loc[("crp", "CD"), "n"] == 7
    t1 = res.table1_.set_index(["variable", "level"])
    patients = t1.loc[("Patients", "")]
    assert math.isnan(patients["UC"]) and math.isnan(patients["CD"]) and patients["Total"] == 16
    assert (patients["centres"], patients["contributing_centres"], patients["withheld_centres"],
            patients["complete"]) == (1, "C1, C2", "C2", False)
    assert t1.loc[("Sex", "F"), "UC"] == 3 and t1.loc[("Sex", "F"), "complete"]
    cont = res.table1_continuous_.set_index(["variable", "group"])
    assert cont.loc[("Age", "UC"), ["n", "mean", "sd"]].isna().all() and not cont.loc[("Age", "UC"), "complete"]
    assert cont.loc[("Age", "CD"), "n"] == 10 and cont.loc[("Age", "UC"), "withheld_centres"] == "C2"
    assert "; 16 patients in the cells that were published." in res.summary_text()


def test_with_partial_show_a_cell_is_the_sum_over_the_centres_that_published_it():
    res = fit(withheld_pair(), partial="show")
    r = response_at_3(res.rates_).set_index("group")
    assert (r.loc["UC", "n"], r.loc["UC", "N"], r.loc["UC", "complete"]) == (2, 4, False)
    assert (r.loc["UC", "ci_low"], r.loc["UC", "ci_high"]) == pytest.approx(exact(2, 4), rel=1e-9)
    t = res.ae_terms_.set_index("term")
    assert (t.loc["infection", "patients_with_event"], t.loc["infection", "events"], t.loc["infection", "N"]) == (
        2, 3, 10)
    km = res.km_["time to first TEAE"]
    assert km["at_risk"].tolist() == [10, 7, 6] and km["withheld_centres"].tolist() == ["C2"] * 3
    assert not km["complete"].any() and km["centres"].tolist() == [1] * 3
    lab = res.labs_.set_index(["lab", "group"])
    assert lab.loc[("crp", "UC"), "n"] == 3 and lab.loc[("crp", "UC"), "change_mean"] == -5


def test_no_model_over_part_of_the_centres():
    pairs = withheld_pair(more=[("response", 0, {"n": S})])
    het = fit(pairs).heterogeneity_
    h = het.iloc[0]
    assert (h["k"], h["method"], h["note"], h["withheld_centres"]) == (
        1, "", "withheld by C2: no model over all centres", "C2")
    assert math.isnan(h["n"]) and math.isnan(h["N"])
    assert het["withheld_centres"].tolist()[1:] == ["", ""] and het["note"].tolist()[1] == ""  # the others are fitted
    h = fit(pairs, partial="show").heterogeneity_.iloc[0]
    assert (h["k"], h["n"], h["N"], h["note"], h["withheld_centres"]) == (1, 6, 9, "one centre: no heterogeneity",
                                                                           "C2")
    # a response withheld by two centres, whether it is its responders or its evaluable patients
    third = withheld_pair(more=[("response", 0, {"N": S})])[1]["tables"]
    res = fit(pairs + [summary("C3", third)])
    h = res.heterogeneity_.iloc[0]
    assert (h["k"], h["note"], h["withheld_centres"]) == (1, "withheld by C2, C3: no model over all centres",
                                                          "C2, C3")
    assert list(res.heterogeneity_.columns) == [
        "endpoint", "definition", "analysis_set", "month", "k", "n", "N", "method", "tau2", "i2", "q", "q_pvalue",
        "re_pct", "re_ci_low", "re_ci_high", "note", "withheld_centres"]  # as declared, whatever the first row
    assert res.centre_rates_["N"].dtype == np.int64  # read from a column that also held the marker
    assert "(DL; τ², I²)" in fit(pairs).summary_text()
    every = withheld_pair(more=[("response", i, {"n": S}) for i in (0, 5, 10)])
    text = fit(every).summary_text()
    assert "(none fitted: no rate was published by every centre with patients; τ², I²)" in text


def test_the_methods_paragraph_names_every_model_fitted_or_why_none_was(monkeypatch):
    _without_glmm(monkeypatch, events=[1, 0])  # the GLMM of the remission rates cannot be fitted
    res = fit(pair(), "GLMM")
    assert res.heterogeneity_["method"].tolist() == ["GLMM", "REML", "GLMM"]
    assert "(GLMM, REML; τ², I²)" in res.summary_text()
    assert res.summary()["heterogeneity_model"].tolist() == ["GLMM, REML"]
    a, b = copy.deepcopy(C1), copy.deepcopy(C2)
    for r in a["response"] + b["response"]:
        r.update(n=0, N=0)
    text = fit([summary("C1", a), summary("C2", b)]).summary_text()
    assert "(none fitted: no centre published a rate; τ², I²)" in text


def test_a_curve_withheld_by_two_centres_names_both():
    pairs = withheld_pair()
    third = copy.deepcopy(pairs[1]["tables"])
    res = fit(pairs + [summary("C3", third)])
    assert res.km_withheld_["time to first TEAE"] == "C2, C3" and res.km_withheld_["time on DTT"] == ""
    shown = fit(pairs + [summary("C3", third)], partial="show")
    km = shown.km_["time to first TEAE"]
    assert km["withheld_centres"].tolist() == ["C2, C3"] * 3 and km["at_risk"].tolist() == [10, 7, 6]
    # a term both withheld: its denominator is C1's patients only
    infection = shown.ae_terms_.set_index("term").loc["infection"]
    assert (infection["withheld_centres"], infection["N"], infection["patients_with_event"]) == ("C2, C3", 10, 2)


def test_a_centre_that_withheld_its_patients_withholds_its_terms_and_curves():
    pairs = withheld_pair(more=[("baseline_counts", 0, {"Total": S})])
    res = fit(pairs)
    assert res.ae_terms_.set_index("term")["withheld_centres"].tolist() == ["C2", "", "C2"]
    assert res.km_withheld_["time on DTT"] == "C2" and res.km_["time on DTT"].empty
    assert res.ae_incidence_.set_index("group").loc["unknown", "withheld_centres"] == "C2"
    assert "the number of patients over all centres is withheld (C2 withheld its count)" in res.summary_text()
    shown = fit(pairs, partial="show")
    assert shown.km_["time on DTT"]["at_risk"].tolist()[0] == 10
    assert shown.ae_terms_.set_index("term").loc["rash", "N"] == 10
    both = [summary(s["centre"], pairs[1]["tables"]) for s in pairs]
    assert "); no patient count was published (every centre withheld it). Response" in fit(both).summary_text()
    third = fit(pairs + [summary("C3", pairs[1]["tables"])]).summary_text()
    assert "); the number of patients over all centres is withheld (C2, C3 withheld their count). Response" in third
    assert pd.isna(fit(both).table1_["Total"][0])


def test_a_centre_that_withheld_an_agents_regimen_withholds_the_agent():
    b = copy.deepcopy(C2)
    b["baseline_counts"][4].update(UC=S, Total=S)
    inc = fit([summary("C1", C1), summary("C2", b)]).ae_incidence_.set_index(["by", "group"])
    assert inc.loc[("suspected_agent", "TOF"), "withheld_centres"] == "C2"
    assert inc.loc[("suspected_agent", "VDZ"), "N"] == 12


def test_the_two_summaries_built_by_hand_pass_the_checker():
    report = check_summaries(pair(), min_cell=0)
    assert report.problems == [] and report.ok
