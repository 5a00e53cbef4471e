"""Small-k inference of the binomial–normal GLMM: t(k-1) CI and prediction interval (the default), the profile-
likelihood CI of tau^2, the population-averaged proportion and the predictive check of a cohort against the pool.

References: R metafor::rma.glmm(test = "t") hard-coded below (with the R call) and run live when Rscript with
metafor is installed; the profile limits and the integrals checked by independent numerical integration
(scipy.integrate.quad) and optimisation (scipy.optimize.minimize_scalar).
"""
from __future__ import annotations

import math

import pytest
from scipy import integrate, optimize, stats
from scipy.special import expit

from dttstudy.synthesis.glmm.inference import binomial_tail, population_averaged, predictive_tail
from dttstudy.synthesis.meta import pool_proportions

from test_glmm import _r_available, loglik_by_quad, metafor_glmm_live

DATA = {
    "X4": ([12, 25, 8, 30], [40, 50, 30, 45]),
    "XH": ([10, 20, 5, 3, 30], [30, 40, 20, 15, 33]),
    "ZA": ([0, 5, 12, 20], [15, 20, 25, 20]),
    "Z0": ([0, 1, 0, 2], [10, 12, 30, 25]),
    "AL": ([8, 9, 15, 20], [8, 9, 17, 22]),
    "HO": ([10, 22, 29], [50, 100, 150]),
    "K2": ([10, 20], [30, 40]),
    "ZH": ([0, 3, 10, 1, 7], [20, 25, 30, 15, 18]),
    "AH": ([10, 12, 18, 5], [10, 20, 19, 9]),
}

# R 4.2.2, metafor 3.8-1, lme4 1.1-31:
#   g <- rma.glmm(measure = "PLO", xi = x, ni = n, test = "t"); p <- predict(g)
#   c(g$b, g$se, g$ci.lb, g$ci.ub, g$tau2, p$pi.lb, p$pi.ub)          (logit scale)
METAFOR_T = {
    "X4": (-0.2660953048, 0.3457920611, -1.3665599720, 0.8343693624, 0.3648476267, -2.4810865666, 1.9488959570),
    "XH": (-0.1876227267, 0.5901156504, -1.8260464359, 1.4508009824, 1.5080882852, -3.9704461594, 3.5952007060),
    "ZA": (-0.2944160103, 2.1924020016, -7.2716176600, 6.6827856393, 16.4945925859, -14.9824380277,
           14.3936060070),
    "Z0": (-3.2054528045, 0.5889370191, -5.0797132449, -1.3311923641, 0.0, -5.0797132449, -1.3311923641),
    "AL": (2.5649493575, 0.5188745267, 0.9136590370, 4.2162396779, 0.0, 0.9136590370, 4.2162396779),
    "HO": (-1.3655896878, 0.1434487504, -1.9827998451, -0.7483795305, 0.0, -1.9827998451, -0.7483795305),
    "K2": (-0.2876820725, 0.2415229335, -3.3565219146, 2.7811577697, 0.0, -3.3565219146, 2.7811577697),
    "ZH": (-1.8115803021, 0.6153077319, -3.5199484425, -0.1032121617, 1.1684510021, -5.2649407682, 1.6417801639),
    "AH": (1.6625870104, 0.8375943889, -1.0030121578, 4.3281861786, 1.7188034550, -3.2885138043, 6.6136878250),
}
FIELDS = ("b", "se", "ci.lb", "ci.ub", "tau2", "pi.lb", "pi.ub")


def logit(p):
    return math.log(p / (1 - p))


def ours(name, **kw):
    r = pool_proportions(*DATA[name], method="GLMM", **kw)
    return r, (r.estimate, r.se, logit(r.ci_lower), logit(r.ci_upper), r.tau2, logit(r.pi_lower), logit(r.pi_upper))


def assert_matches(mine, ref):
    for field, a, b in zip(FIELDS, mine, ref):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-4), field


@pytest.mark.parametrize("name", sorted(METAFOR_T))
def test_t_intervals_are_the_default_and_match_metafor(name):
    r, mine = ours(name)
    assert r.ci_method == "t(k-1)" and r.pi_method == "t(k-1)"
    assert_matches(mine, METAFOR_T[name])


def test_z_is_a_named_alternative():
    r, mine = ours("X4", test="z")
    assert r.ci_method == "z" and r.pi_method == "z"
    # rma.glmm(measure = "PLO", xi = c(12, 25, 8, 30), ni = c(40, 50, 30, 45)): ci.lb -0.9438352907
    assert mine[2] == pytest.approx(-0.9438352907, abs=1e-4)
    with pytest.raises(ValueError, match="test"):
        pool_proportions(*DATA["X4"], method="GLMM", test="wald")


def test_t_interval_by_hand():
    r = pool_proportions(*DATA["ZH"], method="GLMM")
    q = stats.t.ppf(0.975, 4)
    assert logit(r.ci_upper) == pytest.approx(r.estimate + q * r.se, abs=1e-12)
    assert logit(r.pi_lower) == pytest.approx(r.estimate - q * math.sqrt(r.tau2 + r.se ** 2), abs=1e-12)


@pytest.mark.skipif(not _r_available(), reason="Rscript with metafor and lme4 not installed")
def test_t_intervals_match_metafor_live():
    live = metafor_glmm_live(DATA, ', test = "t"', "g$b, g$se, g$ci.lb, g$ci.ub, g$tau2, p$pi.lb, p$pi.ub")
    for name in DATA:
        assert_matches(ours(name)[1], live[name])


# --- profile-likelihood CI of tau^2 ------------------------------------------------------------------------
loglik_quad = loglik_by_quad  # the likelihood integrated independently (scipy.integrate.quad)


def profile_quad(tau, x, n, start):
    res = optimize.minimize_scalar(lambda m: -loglik_quad(m, tau, x, n), bracket=(start - 1, start + 1),
                                   method="brent", options={"xtol": 1e-10})
    return -res.fun


@pytest.mark.parametrize("name", ["X4", "ZH", "XH"])
def test_tau2_profile_limits_solve_the_chi_square_equation(name):
    x, n = DATA[name]
    r = pool_proportions(x, n, method="GLMM")
    lmax = profile_quad(r.tau, x, n, r.estimate)
    crit = stats.chi2.ppf(0.95, 1)
    assert 0 < r.tau2_ci_lower < r.tau2 < r.tau2_ci_upper
    # the fit integrates with 7 adaptive quadrature nodes, the check with quad: they agree to ~1e-4 per study
    # near the estimate, ~1e-2 at ZH's upper limit (tau^2 = 11, a zero-event study)
    tol = 0.02 if name == "ZH" else 1e-3
    for lim in (r.tau2_ci_lower, r.tau2_ci_upper):
        assert 2 * (lmax - profile_quad(math.sqrt(lim), x, n, r.estimate)) == pytest.approx(crit, abs=tol)


def test_tau2_profile_lower_limit_zero_on_the_boundary():
    r = pool_proportions(*DATA["HO"], method="GLMM")
    assert r.tau2 == 0 and r.tau2_ci_lower == 0 and r.tau2_ci_upper > 0
    x, n = DATA["HO"]
    lmax = profile_quad(0.0, x, n, r.estimate)
    assert 2 * (lmax - profile_quad(math.sqrt(r.tau2_ci_upper), x, n, r.estimate)) == pytest.approx(
        stats.chi2.ppf(0.95, 1), abs=2e-4)
    # a wider level gives a wider interval
    assert pool_proportions(x, n, method="GLMM", level=0.99).tau2_ci_upper > r.tau2_ci_upper


# --- population-averaged proportion ------------------------------------------------------------------------
@pytest.mark.parametrize("mu,tau2", [(-0.3, 0.36), (1.2, 2.8), (-3.0, 1.0), (0.5, 0.0), (2.0, 9.0)])
def test_population_averaged_equals_direct_integration(mu, tau2):
    ref = integrate.quad(lambda u: expit(mu + math.sqrt(tau2) * u) * stats.norm.pdf(u), -14, 14,
                         epsabs=1e-13, epsrel=1e-12)[0]
    assert population_averaged(mu, tau2) == pytest.approx(ref, abs=2e-8)


def test_marginal_is_reported_beside_the_conditional_and_pulled_to_one_half():
    r = pool_proportions(*DATA["AH"], method="GLMM")
    assert r.proportion > 0.5 and 0.5 < r.proportion_marginal < r.proportion
    assert "median study" in r.summary_text() and "population-averaged" in r.summary_text()
    h = pool_proportions(*DATA["HO"], method="GLMM")
    assert h.proportion_marginal == pytest.approx(h.proportion, abs=1e-15)


# --- predictive check ---------------------------------------------------------------------------------------
def test_binomial_tail_by_hand():
    assert binomial_tail(7, 7, 0.77) == pytest.approx(0.77 ** 7, rel=1e-14)
    assert binomial_tail(0, 5, 0.3, upper=False) == pytest.approx(0.7 ** 5, rel=1e-14)
    assert binomial_tail(3, 10, 0.4) == pytest.approx(stats.binom.sf(2, 10, 0.4), rel=1e-12)


@pytest.mark.parametrize("df", [None, 4])
def test_predictive_tail_equals_direct_integration(df):
    mu, se, tau2 = 1.2, 0.6, 1.5
    s = math.sqrt(tau2 + se ** 2)
    dens = (lambda t: stats.norm.pdf(t)) if df is None else (lambda t: stats.t.pdf(t, df))
    ref = integrate.quad(lambda t: stats.binom.sf(6, 7, expit(mu + s * t)) * dens(t), -60, 60, limit=400)[0]
    assert predictive_tail(7, 7, mu, se, tau2, df=df) == pytest.approx(ref, abs=3e-4)
    # tau2 = se = 0: the plain binomial tail
    assert predictive_tail(5, 9, 0.4, 0.0, 0.0) == pytest.approx(stats.binom.sf(4, 9, expit(0.4)), abs=1e-12)


def test_population_averaged_interval_by_independent_integration():
    """The population-averaged proportion's CI: the conditional logit's t-based CI limits averaged over the
    random effect at the estimated τ², each checked against scipy's adaptive quadrature of
    ∫ expit(m + τ z) φ(z) dz (an independent integration)."""
    import math

    from scipy import integrate, stats

    r = pool_proportions([13, 14, 24, 30], [35, 20, 24, 43], method="GLMM")
    crit = stats.t.ppf(0.975, r.k - 1)

    def average(m):
        return integrate.quad(lambda z: stats.norm.pdf(z) / (1 + math.exp(-(m + math.sqrt(r.tau2) * z))),
                              -12, 12, epsabs=1e-12)[0]

    assert r.marginal_ci_lower == pytest.approx(average(r.estimate - crit * r.se), abs=1e-6)
    assert r.marginal_ci_upper == pytest.approx(average(r.estimate + crit * r.se), abs=1e-6)
    assert r.marginal_ci_lower < r.proportion_marginal < r.marginal_ci_upper


def test_tau2_interval_by_exact_integration():
    """The τ² profile interval against a profile computed independently: each study's integral over the random
    effect by 3000-point Gauss–Legendre quadrature on [−12, 12] (no Hermite nodes, no adaptation), maximised over
    μ by Brent's method (He, Ye, Yin, Alayo clinical-response counts)."""
    import numpy as np
    from scipy import optimize, special, stats

    x, n = np.array([13, 14, 24, 30.0]), np.array([35, 20, 24, 43.0])
    z, w = np.polynomial.legendre.leggauss(3000)
    z, w = 12 * z, 12 * w * stats.norm.pdf(12 * z)

    def loglik(mu, tau):
        eta = mu + tau * z[None, :]
        terms = x[:, None] * special.log_expit(eta) + (n - x)[:, None] * special.log_expit(-eta)
        return float(np.log(np.exp(terms) @ w).sum())

    def profile(tau):
        return -optimize.minimize_scalar(lambda m: -loglik(m, tau), bracket=(0.5, 1.5), tol=1e-10).fun

    best = optimize.minimize_scalar(lambda t: -profile(t), bounds=(1.3, 1.8), method="bounded",
                                    options={"xatol": 1e-8})
    cut = -best.fun - float(special.chdtri(1.0, 0.05)) / 2
    # brackets around the limits (tau from 0.5 to 0.7 and from 5 to 6.5), each holding one sign change
    upper = optimize.brentq(lambda t: profile(t) - cut, 5.0, 6.5, xtol=1e-9) ** 2
    lower = optimize.brentq(lambda t: profile(t) - cut, 0.5, 0.7, xtol=1e-9) ** 2
    r = pool_proportions(x.astype(int).tolist(), n.astype(int).tolist(), method="GLMM")
    assert r.tau2_ci_upper == pytest.approx(upper, rel=1e-4)   # 32.03, not the 7-node 31.15
    assert r.tau2_ci_lower == pytest.approx(lower, rel=1e-4)
