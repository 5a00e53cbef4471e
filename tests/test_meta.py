"""Tests for dttstudy.synthesis.meta.

Expected values are computed independently inside the tests (closed forms
written out step by step with numpy, scipy/statsmodels closed-form routines,
bracketing root-finders, numerical optimisation of the likelihood, or R
metafor numbers with the R call in a comment) rather than taken from the
module. Tolerances are those of the reference method, never a particular
iteration's landing spot.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from dttstudy.synthesis.meta import (
    PooledProportion,
    leave_one_out,
    pool_by_subgroup,
    pool_proportions,
    study_proportions,
    study_weights,
    transform_proportions,
)
from dttstudy.synthesis.meta.models import _ft_inverse

pytestmark = pytest.mark.filterwarnings("error")

Z975 = stats.norm.ppf(0.975)

# Four studies, all with 0 < x < n (no continuity correction involved).
X4 = [12, 25, 8, 30]
N4 = [40, 50, 30, 45]
# Heterogeneous example for REML / PM.
XH = [10, 20, 5, 3, 30]
NH = [30, 40, 20, 15, 33]


def expit(t):
    return 1.0 / (1.0 + np.exp(-t))


def logit_yv(x, n):
    """Logit and variance for studies with 0 < x < n (no correction)."""
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    assert np.all((x > 0) & (x < n))
    return np.log(x / (n - x)), 1 / x + 1 / (n - x)


def dl_by_hand(y, v):
    """DerSimonian-Laird random-effects analysis written out step by step."""
    y = np.asarray(y, float)
    v = np.asarray(v, float)
    k = y.size
    w = 1 / v
    y_fe = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - y_fe) ** 2)
    df = k - 1
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - df) / c)
    ws = 1 / (v + tau2)
    mu = np.sum(ws * y) / np.sum(ws)
    se = math.sqrt(1 / np.sum(ws))
    i2 = 100 * max(0.0, (q - df) / q)
    return dict(k=k, w=w, q=q, df=df, tau2=tau2, ws=ws, mu=mu, se=se, i2=i2)


def reml_loglik_matrix(tau2, y, v):
    """Restricted log-likelihood in matrix form (independent of the module)."""
    y = np.asarray(y, float)
    V = np.diag(np.asarray(v, float) + tau2)
    X = np.ones((y.size, 1))
    Vi = np.linalg.inv(V)
    XtViX = X.T @ Vi @ X
    P = Vi - Vi @ X @ np.linalg.inv(XtViX) @ X.T @ Vi
    return -0.5 * (
        np.linalg.slogdet(V)[1] + np.linalg.slogdet(XtViX)[1] + float(y @ P @ y)
    )


# --------------------------------------------------------------------------
# DerSimonian-Laird
# --------------------------------------------------------------------------
def test_dl_matches_hand_computation():
    y, v = logit_yv(X4, N4)
    h = dl_by_hand(y, v)
    assert h["tau2"] > 0  # the example is genuinely heterogeneous
    r = pool_proportions(X4, N4, method="DL")
    assert r.k == 4
    assert r.q == pytest.approx(h["q"], abs=1e-8)
    assert r.df == 3
    assert r.q_pvalue == pytest.approx(stats.chi2.sf(h["q"], 3), abs=1e-8)
    assert r.tau2 == pytest.approx(h["tau2"], abs=1e-8)
    assert r.tau == pytest.approx(math.sqrt(h["tau2"]), abs=1e-8)
    assert r.i2 == pytest.approx(h["i2"], abs=1e-8)
    assert r.estimate == pytest.approx(h["mu"], abs=1e-8)
    assert r.se == pytest.approx(h["se"], abs=1e-8)
    assert r.proportion == pytest.approx(expit(h["mu"]), abs=1e-8)
    assert r.ci_lower == pytest.approx(expit(h["mu"] - Z975 * h["se"]), abs=1e-8)
    assert r.ci_upper == pytest.approx(expit(h["mu"] + Z975 * h["se"]), abs=1e-8)
    assert r.method == "DL" and r.transform == "logit" and r.hartung_knapp is False
    weights = np.array(r.weights)
    assert weights == pytest.approx(100 * h["ws"] / h["ws"].sum(), abs=1e-8)


def test_dl_matches_statsmodels():
    y, v = logit_yv(XH, NH)
    sm = combine_effects(y, v, method_re="dl")
    assert sm.tau2 > 0
    r = pool_proportions(XH, NH, method="DL")
    assert r.tau2 == pytest.approx(sm.tau2, abs=1e-8)
    assert r.estimate == pytest.approx(sm.mean_effect_re, abs=1e-8)
    assert r.se == pytest.approx(sm.sd_eff_w_re, abs=1e-8)


def test_dl_other_level():
    y, v = logit_yv(X4, N4)
    h = dl_by_hand(y, v)
    z = stats.norm.ppf(0.95)
    r = pool_proportions(X4, N4, method="DL", level=0.90)
    assert r.ci_lower == pytest.approx(expit(h["mu"] - z * h["se"]), abs=1e-10)
    assert r.ci_upper == pytest.approx(expit(h["mu"] + z * h["se"]), abs=1e-10)


# --------------------------------------------------------------------------
# REML and Paule-Mandel
# --------------------------------------------------------------------------
def test_reml_score_is_zero_and_likelihood_is_maximal():
    y, v = logit_yv(XH, NH)
    r = pool_proportions(XH, NH, method="REML")
    assert r.method == "REML"
    assert r.tau2 > 0
    # numerical derivative of the (matrix-form) restricted likelihood
    h = 1e-6 * max(r.tau2, 1e-3)
    score = (reml_loglik_matrix(r.tau2 + h, y, v) - reml_loglik_matrix(r.tau2 - h, y, v)) / (2 * h)
    assert abs(score) < 1e-6
    # analytic score written out independently
    w = 1 / (v + r.tau2)
    mu = np.sum(w * y) / np.sum(w)
    analytic = 0.5 * (np.sum(w**2 * (y - mu) ** 2) - np.sum(w) + np.sum(w**2) / np.sum(w))
    assert abs(analytic) < 1e-10
    # independent maximisation of the restricted likelihood
    opt = optimize.minimize_scalar(
        lambda t: -reml_loglik_matrix(t, y, v),
        bounds=(0.0, 50.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert r.tau2 == pytest.approx(opt.x, abs=1e-6)
    # pooled estimate uses the REML weights
    assert r.estimate == pytest.approx(mu, abs=1e-10)
    assert r.se == pytest.approx(math.sqrt(1 / np.sum(w)), abs=1e-10)


def test_reml_second_example_against_bounded_optimiser():
    y, v = logit_yv(X4, N4)
    r = pool_proportions(X4, N4, method="reml")
    opt = optimize.minimize_scalar(
        lambda t: -reml_loglik_matrix(t, y, v),
        bounds=(0.0, 20.0),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert r.tau2 == pytest.approx(opt.x, abs=1e-6)


def pm_root_by_brentq(y, v):
    """Paule-Mandel tau2 as the root of the generalised Q equation Q(tau2) = k - 1, found by bracketing."""
    y = np.asarray(y, float)
    v = np.asarray(v, float)

    def f(t2):
        w = 1 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        return np.sum(w * (y - mu) ** 2) - (len(y) - 1)

    if f(0.0) <= 0:
        return 0.0
    hi = 1.0
    while f(hi) > 0:
        hi *= 2
    return optimize.brentq(f, 0.0, hi, xtol=1e-14, rtol=1e-14)


@pytest.mark.parametrize("x,n", [(X4, N4), (XH, NH)])
def test_pm_is_the_root_of_the_generalised_q_equation(x, n):
    y, v = logit_yv(x, n)
    ref = pm_root_by_brentq(y, v)
    assert ref > 0  # both examples are heterogeneous: Q(0) > k - 1
    r = pool_proportions(x, n, method="PM")
    assert r.tau2 == pytest.approx(ref, rel=1e-9)
    w = 1 / (v + ref)
    assert r.estimate == pytest.approx(np.sum(w * y) / np.sum(w), abs=1e-9)
    # defining equation: generalised Q equals k - 1
    w = 1 / (v + r.tau2)
    mu = np.sum(w * y) / np.sum(w)
    assert np.sum(w * (y - mu) ** 2) == pytest.approx(len(y) - 1, abs=1e-8)


# R 4.x, metafor 3.8-1 (uniroot/Fisher-scoring tolerances of ~1e-5 relative, hence rel=1e-4):
#   library(metafor)
#   r <- rma(measure = "PLO", xi = x, ni = n, method = m)      # m = "REML", "PM", "DL"
#   c(r$b, r$se, r$tau2, r$I2); predict(r)[c("pi.lb", "pi.ub")]
#   confint(r, control = list(tol = 1e-12))$random[c(1, 3), 2:3]  # Q-profile CI of tau2 and I2
#   rk <- rma(..., test = "knha"); c(rk$se, rk$ci.lb, rk$ci.ub); predict(rk)[c("pi.lb", "pi.ub")]
#   ra <- rma(..., test = "adhoc"); c(ra$se, ra$ci.lb, ra$ci.ub)
# with X4 (x = c(12, 25, 8, 30), n = c(40, 50, 30, 45)), XH (x = c(10, 20, 5, 3, 30), n = c(30, 40, 20, 15, 33)),
# Z0 (x = c(0, 1, 0, 2), n = c(10, 12, 30, 25)); logit-scale values.
METAFOR_IV = {
    # name, method: b, se, tau2, I2, pi.lb, pi.ub
    ("X4", "REML"): (-0.2651413301, 0.3929162508, 0.5019263013, 81.8432662449, -1.8529655794, 1.3226829193),
    ("X4", "PM"): (-0.2653181577, 0.3942913651, 0.5062443998, 81.9702143169, -1.8596619177, 1.3290256022),
    ("X4", "DL"): (-0.2640194480, 0.3844996500, 0.4758290281, 81.0362886676, -1.8118562661, 1.2838173702),
    ("XH", "REML"): (-0.1849837449, 0.6293059084, 1.7275724590, 89.0460053152, -3.0411552645, 2.6711877746),
    ("XH", "PM"): (-0.1844840110, 0.6459116869, 1.8330752364, 89.6109647701, -3.1246110461, 2.7556430241),
    ("XH", "DL"): (-0.1891131506, 0.5274745355, 1.1417280631, 84.3073247045, -2.5246447959, 2.1464184947),
    ("Z0", "REML"): (-2.7288467262, 0.5180669254, 0.0, 0.0, -3.7442392416, -1.7134542107),
}
METAFOR_QPROFILE = {  # tau2 lower, tau2 upper, I2 lower, I2 upper (identical for every estimator)
    "X4": (0.0813699559, 8.5994407586, 42.2216100537, 98.7216873505),
    "XH": (0.4323817889, 17.7214657094, 67.0464223681, 98.8150020430),
    "Z0": (0.0, 7.2465820674, 0.0, 85.6232968677),
}
METAFOR_HK = {  # knha: se, ci.lb, ci.ub, pi.lb, pi.ub; adhoc: se, ci.lb, ci.ub
    ("X4", "REML"): ((0.3942826060, -1.5199245528, 0.9896418927, -2.8454460970, 2.3151634368),
                     (0.3942826060, -1.5199245528, 0.9896418927)),
    ("XH", "DL"): ((0.6378135847, -1.9599675559, 1.5817412547, -3.6441246434, 3.2658983422),
                   (0.6378135847, -1.9599675559, 1.5817412547)),
    ("Z0", "REML"): ((0.3328809508, -3.7882224782, -1.6694709741, -3.7882224782, -1.6694709741),
                     (0.5180669254, -4.3775668989, -1.0801265534)),
}
DATA = {"X4": (X4, N4), "XH": (XH, NH), "Z0": ([0, 1, 0, 2], [10, 12, 30, 25])}


def logit(p):
    return math.log(p / (1 - p))


def close(a, b):
    return a == pytest.approx(b, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("key", sorted(METAFOR_IV))
def test_inverse_variance_matches_metafor(key):
    name, method = key
    b, se, tau2, i2, pil, piu = METAFOR_IV[key]
    r = pool_proportions(*DATA[name], method=method)
    assert close(r.estimate, b) and close(r.se, se) and close(r.tau2, tau2) and close(r.i2, i2)
    assert r.pi_method == "z"  # metafor's predict() default with a Wald CI
    assert close(logit(r.pi_lower), pil) and close(logit(r.pi_upper), piu)
    t2lo, t2hi, i2lo, i2hi = METAFOR_QPROFILE[name]
    assert close(r.tau2_ci_lower, t2lo) and close(r.tau2_ci_upper, t2hi)
    assert close(r.i2_ci_lower, i2lo) and close(r.i2_ci_upper, i2hi)


@pytest.mark.parametrize("key", sorted(METAFOR_HK))
def test_hartung_knapp_and_adhoc_match_metafor(key):
    name, method = key
    (se, cil, ciu, pil, piu), (a_se, a_cil, a_ciu) = METAFOR_HK[key]
    r = pool_proportions(*DATA[name], method=method, hartung_knapp=True)
    assert r.pi_method == "t(k-1)"
    assert close(r.se, se) and close(logit(r.ci_lower), cil) and close(logit(r.ci_upper), ciu)
    assert close(logit(r.pi_lower), pil) and close(logit(r.pi_upper), piu)
    a = pool_proportions(*DATA[name], method=method, hartung_knapp=True, hk_adhoc=True)
    assert close(a.se, a_se) and close(logit(a.ci_lower), a_cil) and close(logit(a.ci_upper), a_ciu)
    wald = pool_proportions(*DATA[name], method=method)
    assert a.ci_lower <= wald.ci_lower and a.ci_upper >= wald.ci_upper  # never narrower than Wald


def test_q_profile_ci_solves_the_chi2_equations_by_hand():
    y, v = logit_yv(XH, NH)
    k = len(y)

    def q_gen(t2):
        w = 1 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        return np.sum(w * (y - mu) ** 2)

    lo = optimize.brentq(lambda t: q_gen(t) - stats.chi2.ppf(0.975, k - 1), 0, 1000, xtol=1e-14)
    hi = optimize.brentq(lambda t: q_gen(t) - stats.chi2.ppf(0.025, k - 1), 0, 1000, xtol=1e-14)
    r = pool_proportions(XH, NH, method="DL")
    assert r.tau2_ci_lower == pytest.approx(lo, rel=1e-9)
    assert r.tau2_ci_upper == pytest.approx(hi, rel=1e-9)
    w = 1 / v
    s2 = (k - 1) / (w.sum() - (w**2).sum() / w.sum())
    assert r.i2_ci_lower == pytest.approx(100 * lo / (lo + s2), rel=1e-9)


def test_i2_follows_tau2_for_every_estimator():
    y, v = logit_yv(XH, NH)
    w = 1 / v
    s2 = (len(y) - 1) / (w.sum() - (w**2).sum() / w.sum())
    for method in ("REML", "DL", "PM"):
        r = pool_proportions(XH, NH, method=method)
        assert r.i2 == pytest.approx(100 * r.tau2 / (r.tau2 + s2), abs=1e-10)


# --------------------------------------------------------------------------
# Homogeneity, continuity correction, k = 1
# --------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_homogeneous_studies_give_tau2_zero(method):
    x, n = [10, 22, 29], [50, 100, 150]
    y, v = logit_yv(x, n)
    h = dl_by_hand(y, v)
    assert h["q"] < h["df"]  # precondition: Q below its expectation
    r = pool_proportions(x, n, method=method)
    assert r.tau2 == 0.0 and r.tau == 0.0
    assert r.i2 == 0.0
    # with tau2 = 0 the random-effects estimate is the fixed-effect estimate
    assert r.estimate == pytest.approx(np.sum(h["w"] * y) / np.sum(h["w"]), abs=1e-10)
    values = r.to_frame().select_dtypes("number").to_numpy(dtype=float)
    assert np.all(np.isfinite(values))


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_identical_studies(method):
    r = pool_proportions([10, 20, 30], [50, 100, 150], method=method, hartung_knapp=True)
    assert r.tau2 == 0.0 and r.q == pytest.approx(0.0, abs=1e-12) and r.i2 == 0.0
    assert r.proportion == pytest.approx(0.2, abs=1e-12)


def test_continuity_rule_only_zero_or_all_event_studies():
    x, n = [0, 5, 12, 20], [15, 20, 25, 20]
    tbl = study_weights(x, n, method="DL")
    expected_y = [
        math.log(0.5 / 15.5),  # 0/15 corrected
        math.log(5 / 15),  # 5/20 uncorrected
        math.log(12 / 13),  # 12/25 uncorrected
        math.log(20.5 / 0.5),  # 20/20 corrected
    ]
    expected_v = [1 / 0.5 + 1 / 15.5, 1 / 5 + 1 / 15, 1 / 12 + 1 / 13, 1 / 20.5 + 1 / 0.5]
    assert tbl["yi"].to_numpy() == pytest.approx(expected_y, abs=1e-12)
    assert tbl["vi"].to_numpy() == pytest.approx(expected_v, abs=1e-12)
    assert tbl["weight"].sum() == pytest.approx(100.0)
    # the pooled result is the hand DL on these corrected values
    h = dl_by_hand(expected_y, expected_v)
    r = pool_proportions(x, n, method="DL")
    assert r.estimate == pytest.approx(h["mu"], abs=1e-10)
    assert r.tau2 == pytest.approx(h["tau2"], abs=1e-10)


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
@pytest.mark.parametrize("transform", ["logit", "freeman_tukey"])
@pytest.mark.parametrize(
    "x,n",
    [([0, 5, 12, 20], [15, 20, 25, 20]), ([0, 0, 0], [10, 12, 30]), ([8, 9], [8, 9])],
)
def test_zero_and_all_event_studies_are_finite(method, transform, x, n):
    r = pool_proportions(x, n, method=method, transform=transform, hartung_knapp=True)
    values = r.to_frame().select_dtypes("number").drop(columns=["pi_lower", "pi_upper"])
    assert np.all(np.isfinite(values.to_numpy(dtype=float)))
    assert 0.0 <= r.ci_lower <= r.proportion <= r.ci_upper <= 1.0
    if transform == "logit":
        assert 0.0 < r.proportion < 1.0
    assert r.tau2 >= 0.0


def test_continuity_zero_with_zero_events_raises():
    with pytest.raises(ValueError, match="position 1"):
        pool_proportions([3, 0], [10, 10], continuity=0, method="REML")


@pytest.mark.parametrize("bad", [-0.5, math.inf, math.nan])
def test_continuity_must_be_finite_and_not_negative(bad):
    with pytest.raises(ValueError, match=r"continuity must be a finite number >= 0 \(got "):
        transform_proportions([0, 3], [10, 10], continuity=bad)


def test_glmm_needs_no_continuity_correction():
    # The GLMM uses the exact binomial likelihood: continuity = 0 is allowed with a 0-event study, and only the
    # study-level logits shown beside it (and the typical variance behind I^2) take the usual 0.5.
    r0 = pool_proportions([0, 3, 5], [10, 10, 10], method="GLMM", continuity=0)
    r5 = pool_proportions([0, 3, 5], [10, 10, 10], method="GLMM", continuity=0.5)
    assert (r0.estimate, r0.tau2, r0.i2, r0.ci_lower, r0.ci_upper) == (r5.estimate, r5.tau2, r5.i2, r5.ci_lower,
                                                                      r5.ci_upper)
    assert r0.yi[0] == pytest.approx(math.log(0.5 / 10.5), rel=1e-14)
    # a correction the user gives is used for those logits
    r25 = pool_proportions([0, 3, 5], [10, 10, 10], method="GLMM", continuity=0.25)
    assert r25.yi[0] == pytest.approx(math.log(0.25 / 10.25), rel=1e-14)


def test_single_study_reproduces_published_subgroup():
    # aTNF + guselkumab subgroup of the 2026 Anderson meta-analysis: one study,
    # 45/71, reported pooled estimate 63.4 %.
    r = pool_proportions([45], [71], labels=["aTNF+guselkumab"], method="REML")
    assert r.k == 1
    assert r.proportion == 45 / 71
    assert round(100 * r.proportion, 1) == 63.4
    assert r.tau2 == 0.0 and r.i2 == 0.0 and r.q == 0.0 and r.df == 0
    assert r.q_pvalue is None
    assert r.pi_lower is None and r.pi_upper is None
    # CI is the study's own logit Wald interval
    y = math.log(45 / 26)
    se = math.sqrt(1 / 45 + 1 / 26)
    assert r.ci_lower == pytest.approx(expit(y - Z975 * se), abs=1e-12)
    assert r.ci_upper == pytest.approx(expit(y + Z975 * se), abs=1e-12)
    # Hartung-Knapp is not defined for one study: Wald CI, flag reported False
    hk = pool_proportions([45], [71], hartung_knapp=True, method="REML")
    assert hk.hartung_knapp is False
    assert hk.ci_lower == pytest.approx(r.ci_lower, abs=1e-15)
    # the rest of the result: a z interval, no between-study spread, the one study holding all the weight; the
    # prediction interval, not defined, is labelled by the rule asked for ('ci' means the z rule here)
    assert (r.ci_method, r.tau, r.weights, r.pi_method) == ("z", 0.0, (100.0,), "z")
    assert pool_proportions([45], [71], method="REML", pi_method="t(k-2)").pi_method == "t(k-2)"
    # every tau2 estimator gives the same answer
    for method in ("DL", "PM"):
        assert pool_proportions([45], [71], method=method).proportion == 45 / 71


def test_single_study_freeman_tukey_inverts_to_x_over_n():
    # Miller's inverse at the study's own n recovers x/n
    r = pool_proportions([45], [71], transform="freeman_tukey", method="REML")
    assert r.proportion == pytest.approx(45 / 71, abs=1e-12)


def test_single_zero_event_study():
    r = pool_proportions([0], [20], method="REML")
    assert r.proportion == pytest.approx(0.5 / 21, abs=1e-15)
    assert 0 < r.ci_lower < r.proportion < r.ci_upper < 1


# --------------------------------------------------------------------------
# Hartung-Knapp and prediction interval
# --------------------------------------------------------------------------
def test_hartung_knapp_uses_t_with_k_minus_1_df():
    y, v = logit_yv(X4, N4)
    h = dl_by_hand(y, v)
    k = len(y)
    q_hk = np.sum(h["ws"] * (y - h["mu"]) ** 2) / (k - 1)
    se_hk = math.sqrt(q_hk / np.sum(h["ws"]))
    t = stats.t.ppf(0.975, k - 1)
    r = pool_proportions(X4, N4, method="DL", hartung_knapp=True)
    assert r.hartung_knapp is True
    assert r.ci_method == "t(k-1)"
    assert r.estimate == pytest.approx(h["mu"], abs=1e-10)
    assert r.se == pytest.approx(se_hk, abs=1e-10)
    assert r.ci_lower == pytest.approx(expit(h["mu"] - t * se_hk), abs=1e-10)
    assert r.ci_upper == pytest.approx(expit(h["mu"] + t * se_hk), abs=1e-10)


def test_hartung_knapp_not_truncated_by_default():
    # Homogeneous studies: q_hk < 1, so HK SE is smaller than the standard SE.
    x, n = [10, 22, 29], [50, 100, 150]
    y, v = logit_yv(x, n)
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q_hk = np.sum(w * (y - mu) ** 2) / 2
    assert q_hk < 1
    r = pool_proportions(x, n, method="DL", hartung_knapp=True)
    assert r.se == pytest.approx(math.sqrt(q_hk / np.sum(w)), abs=1e-12)
    adhoc = pool_proportions(x, n, method="DL", hartung_knapp=True, hk_adhoc=True)
    assert adhoc.se == pytest.approx(math.sqrt(1 / np.sum(w)), abs=1e-12)
    # the result records the ad hoc rule only where it applies: with Hartung-Knapp
    assert (r.hk_adhoc, adhoc.hk_adhoc) == (False, True)
    assert pool_proportions(x, n, method="DL", hk_adhoc=True).hk_adhoc is False


def test_prediction_interval_formula():
    y, v = logit_yv(XH, NH)
    h = dl_by_hand(y, v)
    k = len(y)
    half = stats.t.ppf(0.975, k - 2) * math.sqrt(h["tau2"] + h["se"] ** 2)
    for hk in (False, True):
        r = pool_proportions(XH, NH, method="DL", hartung_knapp=hk, pi_method="t(k-2)")
        assert r.pi_method == "t(k-2)"
        assert r.pi_lower == pytest.approx(expit(h["mu"] - half), abs=1e-10)
        assert r.pi_upper == pytest.approx(expit(h["mu"] + half), abs=1e-10)
        assert r.pi_lower <= r.ci_lower and r.ci_upper <= r.pi_upper


def test_prediction_interval_t_k_minus_2_undefined_for_two_studies():
    r = pool_proportions([10, 20], [30, 40], pi_method="t(k-2)")
    assert r.pi_lower is None and r.pi_upper is None
    frame = r.to_frame()
    assert frame["pi_lower"].isna().all() and frame["pi_upper"].isna().all()
    assert "not defined (k < 3" in r.summary_text()
    # metafor's default (z) is defined for k = 2: mu +/- z sqrt(tau2 + SE^2)
    d = pool_proportions([10, 20], [30, 40], method="DL")
    h = dl_by_hand(*logit_yv([10, 20], [30, 40]))
    half = Z975 * math.sqrt(h["tau2"] + h["se"] ** 2)
    assert d.pi_lower == pytest.approx(expit(h["mu"] - half), abs=1e-12)
    assert d.pi_upper == pytest.approx(expit(h["mu"] + half), abs=1e-12)


# --------------------------------------------------------------------------
# Freeman-Tukey sensitivity analysis
# --------------------------------------------------------------------------
def miller_inverse(t, n):
    s = math.sin(t)
    return 0.5 * (1 - math.copysign(1, math.cos(t)) * math.sqrt(1 - (s + (s - 1 / s) / n) ** 2))


def test_freeman_tukey_hand_computation():
    x = np.array(X4, float)
    n = np.array(N4, float)
    y = np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))
    v = 1 / (n + 0.5)
    h = dl_by_hand(y, v)
    n_harm = len(n) / np.sum(1 / n)
    r = pool_proportions(X4, N4, method="DL", transform="freeman_tukey")
    assert r.transform == "freeman_tukey"
    assert r.estimate == pytest.approx(h["mu"], abs=1e-10)
    assert r.tau2 == pytest.approx(h["tau2"], abs=1e-10)
    assert r.n_harmonic == pytest.approx(n_harm, abs=1e-10)
    assert r.proportion == pytest.approx(miller_inverse(h["mu"], n_harm), abs=1e-10)
    assert r.ci_lower == pytest.approx(miller_inverse(h["mu"] - Z975 * h["se"], n_harm), abs=1e-10)
    assert r.ci_upper == pytest.approx(miller_inverse(h["mu"] + Z975 * h["se"], n_harm), abs=1e-10)


# --------------------------------------------------------------------------
# Per-study Clopper-Pearson intervals
# --------------------------------------------------------------------------
def test_clopper_pearson_known_values():
    df = study_proportions([0, 18, 15], [18, 18, 17], labels=["a", "b", "c"])
    assert list(df.columns) == ["label", "events", "total", "proportion", "ci_lower", "ci_upper"]
    assert list(df["label"]) == ["a", "b", "c"]
    assert df.loc[0, "ci_lower"] == 0.0
    assert df.loc[0, "ci_upper"] == pytest.approx(1 - 0.025 ** (1 / 18), abs=1e-12)
    assert df.loc[1, "ci_lower"] == pytest.approx(0.025 ** (1 / 18), abs=1e-12)
    assert df.loc[1, "ci_upper"] == 1.0
    ref = stats.binomtest(15, 17).proportion_ci(confidence_level=0.95, method="exact")
    assert df.loc[2, "ci_lower"] == pytest.approx(ref.low, abs=1e-12)
    assert df.loc[2, "ci_upper"] == pytest.approx(ref.high, abs=1e-12)
    assert df.loc[2, "proportion"] == 15 / 17


def test_clopper_pearson_other_level():
    df = study_proportions([3], [25], level=0.90)
    ref = stats.binomtest(3, 25).proportion_ci(confidence_level=0.90, method="exact")
    assert df.loc[0, "ci_lower"] == pytest.approx(ref.low, abs=1e-12)
    assert df.loc[0, "ci_upper"] == pytest.approx(ref.high, abs=1e-12)


# --------------------------------------------------------------------------
# Subgroups and leave-one-out
# --------------------------------------------------------------------------
def test_subgroup_test_hand_computation():
    data = pd.DataFrame(
        {
            "combo": ["A", "A", "A", "B", "B"],
            "study": ["s1", "s2", "s3", "s4", "s5"],
            "events": [12, 25, 8, 30, 40],
            "total": [40, 50, 30, 45, 52],
        }
    )
    res = pool_by_subgroup(data, "combo", label="study", method="DL")
    ga = dl_by_hand(*logit_yv([12, 25, 8], [40, 50, 30]))
    gb = dl_by_hand(*logit_yv([30, 40], [45, 52]))
    est = np.array([ga["mu"], gb["mu"]])
    w = 1 / np.array([ga["se"], gb["se"]]) ** 2
    mu_bar = np.sum(w * est) / np.sum(w)
    q_b = np.sum(w * (est - mu_bar) ** 2)
    assert res.test.loc[0, "q_between"] == pytest.approx(q_b, abs=1e-8)
    assert res.test.loc[0, "df"] == 1
    assert res.test.loc[0, "p_value"] == pytest.approx(stats.chi2.sf(q_b, 1), abs=1e-8)
    assert res.test.loc[0, "n_subgroups"] == 2

    pooled = res.pooled
    assert list(pooled["subgroup"]) == ["A", "B", "Overall"]
    assert list(pooled["row_type"]) == ["subgroup", "subgroup", "overall"]
    assert pooled.loc[0, "estimate"] == pytest.approx(ga["mu"], abs=1e-10)
    assert pooled.loc[1, "estimate"] == pytest.approx(gb["mu"], abs=1e-10)
    overall = dl_by_hand(*logit_yv(data["events"], data["total"]))
    assert pooled.loc[2, "estimate"] == pytest.approx(overall["mu"], abs=1e-10)
    assert pooled.loc[2, "k"] == 5
    assert isinstance(res.overall, PooledProportion)
    assert set(res.results) == {"A", "B"}


def test_subgroup_with_single_study_group():
    data = pd.DataFrame(
        {"g": ["x", "x", "y"], "events": [12, 25, 45], "total": [40, 50, 71]}
    )
    res = pool_by_subgroup(data, "g")
    assert res.results["y"].proportion == 45 / 71
    ga = pool_proportions([12, 25], [40, 50])
    est = np.array([ga.estimate, math.log(45 / 26)])
    w = 1 / np.array([ga.se, math.sqrt(1 / 45 + 1 / 26)]) ** 2
    q_b = np.sum(w * (est - np.sum(w * est) / np.sum(w)) ** 2)
    assert res.test.loc[0, "q_between"] == pytest.approx(q_b, abs=1e-8)


def test_subgroup_missing_group_raises():
    data = pd.DataFrame({"g": ["x", None], "events": [1, 2], "total": [5, 5]})
    with pytest.raises(ValueError, match="position 1"):
        pool_by_subgroup(data, "g")


def test_leave_one_out_rows_equal_pooling_of_remaining():
    labels = ["s1", "s2", "s3", "s4", "s5"]
    loo = leave_one_out(XH, NH, labels, method="REML")
    assert list(loo["omitted"]) == labels
    for i, lab in enumerate(labels):
        keep = [j for j in range(len(labels)) if j != i]
        ref = pool_proportions([XH[j] for j in keep], [NH[j] for j in keep], method="REML")
        row = loo.iloc[i]
        assert row["k"] == 4
        assert row["proportion"] == pytest.approx(ref.proportion, abs=1e-12)
        assert row["tau2"] == pytest.approx(ref.tau2, abs=1e-12)
        assert row["ci_lower"] == pytest.approx(ref.ci_lower, abs=1e-12)
    # one row checked against the hand DL computation as well
    loo_dl = leave_one_out(X4, N4, None, method="DL")
    h = dl_by_hand(*logit_yv(X4[1:], N4[1:]))
    assert loo_dl.loc[0, "estimate"] == pytest.approx(h["mu"], abs=1e-10)
    assert loo_dl.loc[0, "omitted"] == "Study 1"


def test_leave_one_out_needs_two_studies():
    with pytest.raises(ValueError):
        leave_one_out([3], [10], ["only"])


# --------------------------------------------------------------------------
# Input validation and output shape
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "events,totals,pattern",
    [
        ([1, 2, 7], [5, 5, 5], r"events\[2\].*position 2"),
        ([1, -1, 2], [5, 5, 5], r"position 1"),
        ([1, 2.5, 2], [5, 5, 5], r"events\[1\]"),
        ([1, 2, 2], [5, 0, 5], r"position 1"),
        ([1, 2, 2], [5, 5, 5.5], r"totals\[2\]"),
        ([1, float("nan")], [5, 5], r"events\[1\]"),
        ([1, "a"], [5, 5], r"events\[1\]"),
        ([1, 2], [5, 5, 5], r"equal lengths"),
        ([], [], r"at least one"),
    ],
)
def test_bad_input_raises(events, totals, pattern):
    with pytest.raises(ValueError, match=pattern):
        pool_proportions(events, totals)


def test_bad_input_message_names_label():
    with pytest.raises(ValueError, match="'Trial B'"):
        pool_proportions([1, 9], [5, 5], labels=["Trial A", "Trial B"])
    with pytest.raises(ValueError, match="position 0"):
        study_proportions([6], [5])


def test_bad_options_raise():
    with pytest.raises(ValueError):
        pool_proportions(X4, N4, method="ML")
    with pytest.raises(ValueError):
        pool_proportions(X4, N4, transform="arcsine")
    with pytest.raises(ValueError):
        pool_proportions(X4, N4, level=95)


def test_integer_valued_floats_accepted():
    a = pool_proportions([12.0, 25.0, 8.0, 30.0], np.array(N4, dtype=float), method="DL")
    b = pool_proportions(np.array(X4), N4, method="DL")
    assert a.estimate == b.estimate


def test_to_frame_and_summary():
    r = pool_proportions(X4, N4, labels=["a", "b", "c", "d"], method="REML")
    frame = r.to_frame()
    assert frame.shape[0] == 1
    for col in ("k", "proportion", "ci_lower", "ci_upper", "estimate", "se", "tau2",
                "tau", "i2", "q", "df", "q_pvalue", "pi_lower", "pi_upper", "method",
                "transform", "hartung_knapp"):
        assert col in frame.columns
    assert frame.loc[0, "events"] == sum(X4) and frame.loc[0, "total"] == sum(N4)
    text = r.summary_text()
    assert "REML" in text and "I^2" in text and f"{100 * r.proportion:.1f}%" in text
    assert list(r.study_table()["label"]) == ["a", "b", "c", "d"]


# --------------------------------------------------------------------------
# Properties over random valid inputs
# --------------------------------------------------------------------------
@st.composite
def studies(draw):
    k = draw(st.integers(min_value=1, max_value=7))
    n = draw(st.lists(st.integers(min_value=1, max_value=300), min_size=k, max_size=k))
    x = [draw(st.integers(min_value=0, max_value=ni)) for ni in n]
    return x, n


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(data=studies(), method=st.sampled_from(["REML", "DL", "PM"]),
       transform=st.sampled_from(["logit", "freeman_tukey"]), hk=st.booleans())
def test_properties(data, method, transform, hk):
    x, n = data
    r = pool_proportions(x, n, method=method, transform=transform, hartung_knapp=hk)
    assert math.isfinite(r.tau2) and r.tau2 >= 0.0
    assert 0.0 <= r.i2 < 100.0
    assert math.isfinite(r.estimate) and math.isfinite(r.se)
    assert 0.0 <= r.ci_lower <= r.proportion <= r.ci_upper <= 1.0
    if r.k >= 2:
        assert r.pi_lower is not None and 0.0 <= r.pi_lower <= r.pi_upper <= 1.0
    else:
        assert r.pi_lower is None
    if method == "REML" and r.k >= 2:
        # REML tau2 is at least as likely as the DL and PM estimates
        y = np.array(r.yi)
        v = np.array(r.vi)
        ll = reml_loglik_matrix(r.tau2, y, v)
        for other in ("DL", "PM"):
            t2 = pool_proportions(x, n, method=other, transform=transform).tau2
            assert ll >= reml_loglik_matrix(t2, y, v) - 1e-9


# --------------------------------------------------------------------------
# Sensitivity table
# --------------------------------------------------------------------------
def _rows(x, n, ids=None):
    ids = ids or [f"s{i}" for i in range(len(x))]
    return pd.DataFrame({"study_id": ids, "arm": [""] * len(x), "label": [f"Study {i}" for i in ids],
                         "events": x, "total": n, "verified": [True] * len(x)})


def test_sensitivity_table_rows_and_main_against_metafor():
    from dttstudy.synthesis.sensitivity import SENSITIVITY_COLUMNS, sensitivity_from_rows

    main = _rows(X4, N4)
    arms = _rows([12, 25, 8, 10, 20], [40, 50, 30, 15, 30], ["s0", "s1", "s2", "s3", "s3"])
    t = sensitivity_from_rows(main, {"arms as separate units": ("each arm", arms),
                                     "with overlapping studies": ("added back", main.copy()),
                                     "without unverified rows": ("removed", None)})
    assert tuple(t.columns) == SENSITIVITY_COLUMNS
    assert list(t["analysis"][:4]) == ["main", "arms as separate units", "with overlapping studies",
                                       "without unverified rows"]
    # main row: GLMM, R metafor rma.glmm(measure = "PLO", xi = c(12, 25, 8, 30), ni = c(40, 50, 30, 45))
    # b = -0.2660953048, tau2 = 0.3648476267, I2 = 76.6166653080
    m = t.iloc[0]
    assert m["pooled_pct"] == pytest.approx(100 * expit(-0.2660953048), rel=1e-4)
    assert m["tau2"] == pytest.approx(0.3648476267, rel=1e-4) and m["i2"] == pytest.approx(76.6166653080, rel=1e-4)
    assert m["k"] == 4 and m["n"] == sum(N4) and m["events"] == sum(X4)
    assert "GLMM" in m["method"] and m["pi_method"] == "t(k-1)" and m["ci_method"] == "t(k-1)"
    # rma.glmm(measure = "PLO", xi = c(12, 25, 8, 30), ni = c(40, 50, 30, 45), test = "t"): ci.lb = -1.3665599720
    assert m["ci_low"] == pytest.approx(100 * expit(-1.3665599720), rel=1e-4)
    # same-as-main rows say so and repeat the main numbers
    for name in ("with overlapping studies", "without unverified rows"):
        r = t[t["analysis"] == name].iloc[0]
        assert r["same_as_main"] and "same as main" in r["detail"] and r["pooled_pct"] == m["pooled_pct"]
    assert t.iloc[1]["k"] == 5 and t.iloc[1]["same_as_main"] is False
    assert m["same_as_main"] is None  # the main row is the reference, not a comparison with itself
    from dttstudy.reporting.display import build_display

    shown = build_display("literature_sensitivity", t, "Sensitivity")
    assert shown.rows[0].cells[0] == "Main analysis" and "No" not in [c for r in shown.rows for c in r.cells]
    assert [c.label for c in shown.columns].count("Same as main analysis") == 0
    # leave-one-out: one row per study, each the GLMM of the other three
    loo = t[t["analysis"] == "leave-one-out"]
    assert list(loo["detail"]) == [f"without Study s{i}" for i in range(4)]
    ref = pool_proportions(X4[1:], N4[1:], method="GLMM")
    assert loo.iloc[0]["pooled_pct"] == pytest.approx(100 * ref.proportion, rel=1e-9)
    # inverse-variance logit REML: R metafor rma(measure = "PLO", ..., method = "REML"): b = -0.2651413301
    iv = t[t["analysis"] == "inverse-variance logit (REML)"].iloc[0]
    assert iv["pooled_pct"] == pytest.approx(100 * expit(-0.2651413301), rel=1e-4)
    ft = t[t["analysis"] == "Freeman-Tukey (REML)"].iloc[0]
    assert "Freeman-Tukey" in ft["method"]


def test_sensitivity_table_hartung_knapp_option_for_iv_rows():
    from dttstudy.synthesis.sensitivity import sensitivity_from_rows

    t = sensitivity_from_rows(_rows(X4, N4), hartung_knapp=True, hk_adhoc=True, leave_one_out=False)
    iv = t[t["analysis"] == "inverse-variance logit (REML)"].iloc[0]
    # R: rma(measure = "PLO", xi = X4, ni = N4, method = "REML", test = "adhoc") -> ci.lb = -1.5199245528
    assert iv["ci_low"] == pytest.approx(100 * expit(-1.5199245528), rel=1e-4)
    assert iv["ci_method"] == "t(k-1)" and iv["pi_method"] == "t(k-1)"
    assert t.iloc[0]["ci_method"] == "t(k-1)"  # the GLMM main row keeps its own t(k-1) CI


def test_sensitivity_table_from_the_literature():
    from dttstudy.synthesis.literature import load_literature, select
    from dttstudy.synthesis.sensitivity import sensitivity_table

    lit = load_literature()
    t = sensitivity_table(lit, "clinical_response")
    main = select(lit, "clinical_response")
    assert t.iloc[0]["k"] == len(main) and t.iloc[0]["n"] == main["total"].sum()
    assert (t["analysis"] == "leave-one-out").sum() == len(main)
    assert t[t["analysis"] == "without unverified rows"].iloc[0]["same_as_main"]
    assert {"arms as separate units", "with overlapping studies", "with mixed-indication studies",
            "inverse-variance logit (REML)", "Freeman-Tukey (REML)"} <= set(t["analysis"])


def _r_available() -> bool:
    import shutil
    import subprocess

    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _r_available(), reason="Rscript with metafor not installed")
def test_inverse_variance_q_profile_and_hartung_knapp_match_metafor_live():
    import json
    import subprocess

    script = ["suppressMessages(library(metafor)); out <- list()"]
    for name, (x, n) in DATA.items():
        for m in ("REML", "PM", "DL"):
            script.append(
                f'r <- rma(measure = "PLO", xi = c({",".join(map(str, x))}), ni = c({",".join(map(str, n))}),'
                f' method = "{m}"); p <- predict(r); ci <- confint(r, control = list(tol = 1e-12));'
                f' rk <- update(r, test = "knha"); pk <- predict(rk); ra <- update(r, test = "adhoc");'
                f' out[["{name}_{m}"]] <- c(r$b, r$se, r$tau2, r$I2, p$pi.lb, p$pi.ub, ci$random[1, 2:3],'
                " ci$random[3, 2:3], rk$se, rk$ci.lb, rk$ci.ub, pk$pi.lb, pk$pi.ub, ra$ci.lb, ra$ci.ub)")
    script.append('cat("{", paste(sprintf("\\"%s\\": [%s]", names(out), sapply(out, function(v) '
                  'paste(sprintf("%.12g", v), collapse = ", "))), collapse = ", "), "}")')
    res = subprocess.run(["Rscript", "-e", "\n".join(script)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    live = json.loads(res.stdout)
    for key, ref in live.items():
        name, method = key.split("_")
        r = pool_proportions(*DATA[name], method=method)
        hk = pool_proportions(*DATA[name], method=method, hartung_knapp=True)
        ad = pool_proportions(*DATA[name], method=method, hartung_knapp=True, hk_adhoc=True)
        mine = [r.estimate, r.se, r.tau2, r.i2, logit(r.pi_lower), logit(r.pi_upper), r.tau2_ci_lower,
                r.tau2_ci_upper, r.i2_ci_lower, r.i2_ci_upper, hk.se, logit(hk.ci_lower), logit(hk.ci_upper),
                logit(hk.pi_lower), logit(hk.pi_upper), logit(ad.ci_lower), logit(ad.ci_upper)]
        for i, (a, b) in enumerate(zip(mine, ref)):
            assert close(a, b), (key, i)


# --------------------------------------------------------------------------
# The printed result: methods paragraph and tidy row of hand-made results
# --------------------------------------------------------------------------
def _hand_result(**kw):
    """A PooledProportion with round hand-chosen numbers (no fitting), so every printed figure is known."""
    base = dict(
        k=3, events=30, total=100, proportion=0.3, ci_lower=0.2, ci_upper=0.4, estimate=-0.85, se=0.2,
        ci_method="z", tau2=0.1234, tau=0.3513, i2=45.67, q=3.5, df=2, q_pvalue=0.1738, pi_lower=0.1,
        pi_upper=0.6, method="REML", transform="logit", hartung_knapp=False, level=0.95, continuity=0.5,
        n_harmonic=33.3, labels=("a", "b", "c"), yi=(0.0, 0.0, 0.0), vi=(0.1, 0.1, 0.1),
        weights=(100 / 3, 100 / 3, 100 / 3),
    )
    base.update(kw)
    return PooledProportion(**base)


# Expected paragraphs are the wording of PooledProportion.summary_text written out by hand, with the
# numbers of _hand_result formatted as the method states (percent to 1 decimal, tau^2 to 4 significant
# digits, Q to 3 decimals, p to 3 significant digits; the level 0.9 prints as "90%").
def test_summary_text_inverse_variance_logit_wald():
    r = _hand_result(level=0.9, tau2_ci_lower=0.01, tau2_ci_upper=0.9)
    assert r.summary_text() == "\n".join([
        "Random-effects model: inverse-variance, logit (continuity correction 0.5 added only to studies with 0 "
        "or all events); tau^2 estimator REML.",
        "  Studies: k = 3 (30 events / 100 patients)",
        "  Pooled proportion: 30.0% (90% CI 20.0% to 40.0%; Wald CI (normal quantile))",
        "  Prediction interval (90%): 10.0% to 60.0% (normal quantile)",
        "  Heterogeneity: tau^2 = 0.1234 (tau = 0.3513), Q-profile 90% CI 0.01 to 0.9; I^2 = 45.7% (from tau^2 "
        "and the typical within-study variance, as metafor); Cochran's Q = 3.500 on 2 df (p = 0.174)",
    ])
    assert str(r) == r.summary_text()


def test_summary_text_freeman_tukey_hartung_knapp_two_studies():
    r = _hand_result(k=2, df=1, method="DL", transform="freeman_tukey", hartung_knapp=True, hk_adhoc=True,
                     ci_method="t(k-1)", pi_method="t(k-1)", q=1.25, q_pvalue=0.2636, i2=20.0)
    assert r.summary_text() == "\n".join([
        "Random-effects model: inverse-variance, Freeman-Tukey double arcsine (sensitivity analysis; "
        "back-transformed at harmonic mean n = 33.3); tau^2 estimator DL.",
        "  Studies: k = 2 (30 events / 100 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; Hartung-Knapp CI (t with 1 df, ad hoc "
        "modification: never narrower than the Wald CI))",
        "  Prediction interval (95%): 10.0% to 60.0% (t quantile with 1 df, metafor's default with "
        "Hartung-Knapp or test = \"t\")",
        "  Heterogeneity: tau^2 = 0.1234 (tau = 0.3513); I^2 = 20.0% (from tau^2 and the typical within-study "
        "variance, as metafor); Cochran's Q = 1.250 on 1 df (p = 0.264)",
    ])


def test_summary_text_t_k_minus_2_prediction_interval():
    r = _hand_result(k=4, df=3, method="PM", hartung_knapp=True, ci_method="t(k-1)", pi_method="t(k-2)",
                     continuity=0.25)
    assert r.summary_text() == "\n".join([
        "Random-effects model: inverse-variance, logit (continuity correction 0.25 added only to studies with 0 "
        "or all events); tau^2 estimator PM.",
        "  Studies: k = 4 (30 events / 100 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; Hartung-Knapp CI (t with 3 df))",
        "  Prediction interval (95%): 10.0% to 60.0% (t quantile with 2 df, Higgins et al. 2009)",
        "  Heterogeneity: tau^2 = 0.1234 (tau = 0.3513); I^2 = 45.7% (from tau^2 and the typical within-study "
        "variance, as metafor); Cochran's Q = 3.500 on 3 df (p = 0.174)",
    ])


def test_summary_text_single_study_has_no_test_and_a_note():
    r = _hand_result(k=1, df=0, q=0.0, q_pvalue=None, pi_lower=None, pi_upper=None, tau2=0.0, tau=0.0,
                     i2=0.0, events=12, total=40, note="k = 1: the study's own estimate.")
    assert r.summary_text() == "\n".join([
        "Random-effects model: inverse-variance, logit (continuity correction 0.5 added only to studies with 0 "
        "or all events); tau^2 estimator REML.",
        "  Studies: k = 1 (12 events / 40 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; Wald CI (normal quantile))",
        "  Prediction interval: not defined (k = 1)",
        "  Heterogeneity: tau^2 = 0 (tau = 0); I^2 = 0.0% (from tau^2 and the typical within-study variance, "
        "as metafor)",
        "  Note: k = 1: the study's own estimate.",
    ])


_GLMM_MODEL = (
    "Random-effects model: binomial-normal generalised linear mixed model (random-intercept logistic "
    "regression; Stijnen et al. 2010), fitted by maximum likelihood with adaptive Gauss-Hermite quadrature "
    "(7 nodes per study, as metafor rma.glmm / lme4 nAGQ = 7). Exact binomial likelihood: no continuity "
    "correction."
)


def test_summary_text_glmm_wald():
    r = _hand_result(method="GLMM", n_agq=7, tau2_ci_lower=0.01, tau2_ci_upper=0.9, proportion_marginal=0.31)
    assert r.summary_text() == "\n".join([
        _GLMM_MODEL + " Estimand: the conditional pooled proportion expit(mu), i.e. the proportion of the median "
        "study; population-averaged proportion 31.0%.",
        "  Studies: k = 3 (30 events / 100 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; Wald CI on the logit scale (normal quantile), "
        "metafor's default)",
        "  Prediction interval (95%): 10.0% to 60.0% (normal quantile)",
        "  Heterogeneity: tau^2 (logit scale, ML) = 0.1234 (tau = 0.3513), profile-likelihood 95% CI 0.01 to "
        "0.9; I^2 = 45.7% (from tau^2 and the typical within-study variance of the logits, 0.5 added to "
        "0/all-event studies, as metafor); likelihood-ratio test of heterogeneity LRT = 3.500 on 2 df "
        "(p = 0.174)",
    ])


def test_summary_text_glmm_t_two_studies_without_tau2_interval():
    r = _hand_result(method="GLMM", n_agq=7, k=2, df=1, ci_method="t(k-1)", pi_method="t(k-2)", pi_lower=None,
                     pi_upper=None, q=1.25, q_pvalue=0.2636, proportion_marginal=0.305)
    assert r.summary_text() == "\n".join([
        _GLMM_MODEL + " Estimand: the conditional pooled proportion expit(mu), i.e. the proportion of the median "
        "study; population-averaged proportion 30.5%.",
        "  Studies: k = 2 (30 events / 100 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; CI on the logit scale with the t quantile, 1 df "
        "(metafor test = \"t\"))",
        "  Prediction interval: not defined (k < 3 with the t(k-2) quantile)",
        "  Heterogeneity: tau^2 (logit scale, ML) = 0.1234 (tau = 0.3513); I^2 = 45.7% (from tau^2 and the "
        "typical within-study variance of the logits, 0.5 added to 0/all-event studies, as metafor); "
        "likelihood-ratio test of heterogeneity LRT = 1.250 on 1 df (p = 0.264)",
    ])


def test_summary_text_glmm_single_study_clopper_pearson():
    r = _hand_result(method="GLMM", n_agq=7, k=1, df=0, ci_method="Clopper-Pearson", q=0.0, q_pvalue=None,
                     pi_lower=None, pi_upper=None, tau2=0.0, tau=0.0, i2=0.0, events=12, total=40,
                     proportion_marginal=0.3, note="k = 1: no model is fitted.")
    assert r.summary_text() == "\n".join([
        _GLMM_MODEL,
        "  Studies: k = 1 (12 events / 40 patients)",
        "  Pooled proportion: 30.0% (95% CI 20.0% to 40.0%; Clopper-Pearson exact CI)",
        "  Prediction interval: not defined (k = 1)",
        "  Heterogeneity: tau^2 (logit scale, ML) = 0 (tau = 0); I^2 = 0.0% (from tau^2 and the typical "
        "within-study variance of the logits, 0.5 added to 0/all-event studies, as metafor)",
        "  Note: k = 1: no model is fitted.",
    ])


def test_to_frame_columns_and_values_of_a_hand_made_result():
    # the row is the attributes in the order to_frame lists them; None (no PI, no Q test) becomes NaN
    r = _hand_result(k=1, df=0, q=0.0, q_pvalue=None, pi_lower=None, pi_upper=None, level=0.9,
                     continuity=0.25, tau2_ci_lower=0.01, tau2_ci_upper=0.9, i2_ci_lower=5.0, i2_ci_upper=80.0)
    expected = pd.DataFrame([{
        "k": 1, "events": 30, "total": 100, "proportion": 0.3, "ci_lower": 0.2, "ci_upper": 0.4,
        "pi_lower": np.nan, "pi_upper": np.nan, "estimate": -0.85, "se": 0.2, "ci_method": "z",
        "pi_method": "z", "tau2": 0.1234, "tau2_ci_lower": 0.01, "tau2_ci_upper": 0.9, "tau": 0.3513,
        "i2": 45.67, "i2_ci_lower": 5.0, "i2_ci_upper": 80.0, "q": 0.0, "df": 0, "q_pvalue": np.nan,
        "method": "REML", "transform": "logit", "hartung_knapp": False, "level": 0.9, "continuity": 0.25,
    }])
    pd.testing.assert_frame_equal(r.to_frame(), expected)
    pd.testing.assert_frame_equal(r.summary(), expected)


# --------------------------------------------------------------------------
# Study weights, subgroups and leave-one-out: labels, options and edge cases
# --------------------------------------------------------------------------
def test_study_weights_default_reml_labels_and_options():
    # identical proportions 1/5: logit log(1/4) each, v = 1/x + 1/(n-x) = 1/8, 1/16, 1/24; REML tau^2 = 0,
    # so the weights are 1/v normalised: 8:16:24 = 1/6, 2/6, 3/6
    tab = study_weights([10, 20, 30], [50, 100, 150], labels=["a", "b", "c"])
    assert list(tab.columns) == ["label", "yi", "vi", "weight"]
    assert list(tab["label"]) == ["a", "b", "c"]
    np.testing.assert_allclose(tab["yi"], [math.log(0.25)] * 3, atol=1e-12)
    np.testing.assert_allclose(tab["vi"], [1 / 8, 1 / 16, 1 / 24], atol=1e-12)
    np.testing.assert_allclose(tab["weight"], [100 / 6, 200 / 6, 300 / 6], atol=1e-9)
    # other options reach pool_proportions: Freeman-Tukey y, v = 1/(n + 0.5) and DL weights by hand
    x, n = np.array(XH, float), np.array(NH, float)
    y = np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))
    v = 1 / (n + 0.5)
    h = dl_by_hand(y, v)
    tab = study_weights(XH, NH, method="DL", transform="freeman_tukey")
    assert list(tab["label"]) == [f"Study {i}" for i in range(1, 6)]
    np.testing.assert_allclose(tab["yi"], y, atol=1e-12)
    np.testing.assert_allclose(tab["weight"], 100 * h["ws"] / h["ws"].sum(), atol=1e-9)


def test_subgroups_keep_first_appearance_order_and_labels():
    data = pd.DataFrame({
        "g": ["b", "b", "a", "a", "a"],
        "study": ["s1", "s2", "s3", "s4", "s5"],
        "events": XH,
        "total": NH,
    })
    # a stray labels= keyword is ignored: the labels come from the label column
    res = pool_by_subgroup(data, "g", label="study", labels=["x"] * 5, method="DL")
    assert list(res.pooled["subgroup"]) == ["b", "a", "Overall"]
    assert list(res.results) == ["b", "a"]
    assert res.results["b"].labels == ("s1", "s2")
    assert res.results["a"].labels == ("s3", "s4", "s5")
    assert res.overall.labels == ("s1", "s2", "s3", "s4", "s5")
    assert list(res.overall.study_table()["label"]) == ["s1", "s2", "s3", "s4", "s5"]
    # the label column names the offending study in error messages
    bad = data.assign(events=[10, 20, 5, 16, 30])
    # s4 is row 3 of the frame (row 1 of its subgroup): 16 events of 15 patients, named by its row in the frame
    with pytest.raises(ValueError, match=r"^events must not exceed totals: events\[3\] = 16 > totals\[3\] = 15 "
                                         r"at position 3 \(study 's4'\)$"):
        pool_by_subgroup(bad, "g", label="study", method="DL")
    with pytest.raises(ValueError, match=r"^column 'name' not found in the data frame$"):
        pool_by_subgroup(data, "g", label="name", method="DL")


def test_subgroup_single_row_and_single_subgroup():
    # one study, one subgroup: no between-subgroup test (Q = 0 on 0 df, p undefined = NaN)
    one = pd.DataFrame({"g": ["x"], "events": [12], "total": [40]})
    res = pool_by_subgroup(one, "g", method="DL")
    assert res.results["x"].proportion == 12 / 40
    expected = pd.DataFrame([{"q_between": 0.0, "df": 0, "p_value": float("nan"), "n_subgroups": 1}])
    pd.testing.assert_frame_equal(res.test, expected)
    with pytest.raises(ValueError, match=r"^at least one study \(k >= 1\) is required$"):
        pool_by_subgroup(one.iloc[:0], "g", method="DL")


def test_leave_one_out_two_studies_and_message():
    # k = 2: each row is the other study alone; a single logit study back-transforms to x/n
    loo = leave_one_out([12, 25], [40, 50], ["a", "b"], method="DL")
    assert list(loo["omitted"]) == ["a", "b"]
    assert list(loo["k"]) == [1, 1]
    assert list(loo["proportion"]) == [25 / 50, 12 / 40]
    with pytest.raises(ValueError, match=r"^leave-one-out needs at least 2 studies$"):
        leave_one_out([3], [10], ["only"])


def test_clopper_pearson_one_event_and_one_non_event_closed_form():
    from dttstudy.synthesis.meta.ci import clopper_pearson
    # 1 of 10: the lower limit solves P(X >= 1) = 1 - (1 - p)^10 = 0.025, p = 1 - 0.975^(1/10);
    # 9 of 10: the upper limit solves P(X <= 9) = 1 - p^10 = 0.025, p = 0.975^(1/10)
    lo, hi = clopper_pearson(np.array([1, 9]), np.array([10, 10]), 0.95)
    assert lo[0] == pytest.approx(1 - 0.975 ** 0.1, rel=1e-9)
    assert hi[1] == pytest.approx(0.975 ** 0.1, rel=1e-9)


def test_prediction_limits_with_t_k_minus_2_need_three_studies():
    from dttstudy.synthesis.meta.ci import pi_limits
    # t with 1 df is the Cauchy distribution: its 97.5 % quantile is tan(0.475 pi) = 12.7062;
    # sqrt(tau2 + se^2) = sqrt(0.16 + 0.09) = 0.5
    lo, hi, name = pi_limits(0.0, 0.3, 0.16, 3, "t(k-2)", 0.05, lambda v: v)
    half = math.tan(0.475 * math.pi) * 0.5
    assert (lo, hi, name) == (pytest.approx(-half, rel=1e-9), pytest.approx(half, rel=1e-9), "t(k-2)")
    assert pi_limits(0.0, 0.3, 0.16, 2, "t(k-2)", 0.05, lambda v: v) == (None, None, "t(k-2)")
    # t(k-1) and z need only two studies; z uses the normal quantile 1.959964
    assert pi_limits(0.0, 0.3, 0.16, 2, "z", 0.05, lambda v: v)[1] == pytest.approx(1.959963984540054 * 0.5)


def test_transform_proportions_by_hand():
    # logit: the default correction 0.5 is added only to the 0-event and the all-event study
    y, v = transform_proportions([0, 3, 10], [10, 10, 10])
    assert list(y) == pytest.approx([math.log(0.5 / 10.5), math.log(3 / 7), math.log(10.5 / 0.5)], rel=1e-14)
    assert list(v) == pytest.approx([1 / 0.5 + 1 / 10.5, 1 / 3 + 1 / 7, 1 / 10.5 + 1 / 0.5], rel=1e-14)
    y, v = transform_proportions([0, 3], [10, 10], continuity=1.0)
    assert list(y) == pytest.approx([math.log(1 / 11), math.log(3 / 7)], rel=1e-14)
    # Freeman-Tukey double arcsine: asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))), variance 1/(n + 0.5)
    y, v = transform_proportions([3], [10], transform="freeman_tukey")
    assert y[0] == pytest.approx(math.asin(math.sqrt(3 / 11)) + math.asin(math.sqrt(4 / 11)), rel=1e-14)
    assert v[0] == pytest.approx(1 / 10.5, rel=1e-14)


def test_freeman_tukey_inverse_between_its_limits():
    # Miller's inverse at n = 10 is 0 up to t(0) = asin(sqrt(1/11)) = 0.3063 and 1 from t(10) = pi - 0.3063.
    # Just inside, at t = 0.35, by hand: s = sin t = 0.34290, s + (s - 1/s)/n = 0.085556,
    # p = (1 - sqrt(1 - 0.085556^2)) / 2 = 0.001833 -- small, but not 0. Since t(n - x) = pi - t(x), the
    # inverse at pi - t is 1 - p.
    assert _ft_inverse(0.35, 10) == pytest.approx(0.001833, rel=1e-3)
    assert _ft_inverse(math.pi - 0.35, 10) == pytest.approx(1 - 0.001833, rel=1e-6)
    assert _ft_inverse(0.30, 10) == 0.0 and _ft_inverse(math.pi - 0.30, 10) == 1.0


def test_tau2_interval_follows_the_level():
    # Two studies with equal variance (10/50 and 40/50: v = 1/10 + 1/40 on the logit scale, d = log 16): the
    # Q-profile limits are d^2/(2q) - v at the chi-square(1) quantiles q of (1 -/+ level)/2 -- at level 0.90 the
    # 95 % and 5 % quantiles.
    r = pool_proportions([10, 40], [50, 50], method="REML", level=0.90)
    d2, v = math.log(16) ** 2, 1 / 10 + 1 / 40
    assert r.tau2_ci_lower == pytest.approx(d2 / (2 * stats.chi2.ppf(0.95, 1)) - v, rel=1e-9)
    assert r.tau2_ci_upper == pytest.approx(d2 / (2 * stats.chi2.ppf(0.05, 1)) - v, rel=1e-9)


def test_method_and_transform_names():
    # names are read case-blind and with '-' for '_'; an unknown name is refused naming the choices
    a = pool_proportions(X4, N4, method="reml", transform="Freeman-Tukey")
    b = pool_proportions(X4, N4, method="REML", transform="freeman_tukey")
    assert (a.method, a.transform, a.estimate) == ("REML", "freeman_tukey", b.estimate)
    with pytest.raises(ValueError) as err:
        pool_proportions(X4, N4, method="fixed")
    assert str(err.value) == "method must be one of ('GLMM', 'REML', 'DL', 'PM') (got 'fixed')"
    with pytest.raises(ValueError) as err:
        pool_proportions(X4, N4, method="REML", transform="arcsine")
    assert str(err.value) == "transform must be one of ('logit', 'freeman_tukey') (got 'arcsine')"


@pytest.mark.parametrize("events,totals,level,message", [
    (5, [10], 0.95, "events must be a one-dimensional sequence of counts"),
    ([], [], 0.95, "at least one study (k >= 1) is required"),
    ([0, 1], [5, 0], 0.95, "totals must be > 0: totals[1] = 0 at position 1 (study 'Study 2')"),
    ([1], [5], 0.0, "level must lie strictly between 0 and 1 (got 0.0)"),
    ([1], [5], 1.0, "level must lie strictly between 0 and 1 (got 1.0)"),
    ([1], [5], 1.5, "level must lie strictly between 0 and 1 (got 1.5)"),
])
def test_counts_and_level_refused_word_for_word(events, totals, level, message):
    with pytest.raises(ValueError) as err:
        pool_proportions(events, totals, method="REML", level=level)
    assert str(err.value) == message
