"""Binomial–normal GLMM pooling (dttstudy.synthesis.glmm.fit, pool_proportions(method="GLMM")).

References: R metafor::rma.glmm numbers hard-coded below (with the R call), the same comparison run live when
Rscript with metafor is installed (skipped otherwise), and the likelihood integrated independently with
scipy.integrate.quad.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats
from scipy.special import comb, expit

from dttstudy.synthesis.glmm import fit as glmm_fit
from dttstudy.synthesis.glmm.fit import NoFiniteMaximum, fit_glmm, glmm_loglik
from dttstudy.synthesis.meta import pool_proportions

pytestmark = pytest.mark.filterwarnings("error")

DATA = {
    "X4": ([12, 25, 8, 30], [40, 50, 30, 45]),
    "XH": ([10, 20, 5, 3, 30], [30, 40, 20, 15, 33]),
    "ZA": ([0, 5, 12, 20], [15, 20, 25, 20]),       # a zero-event and an all-event study
    "Z0": ([0, 1, 0, 2], [10, 12, 30, 25]),         # two zero-event studies, tau2 on the boundary
    "AL": ([8, 9, 15, 20], [8, 9, 17, 22]),         # two all-event studies, tau2 on the boundary
    "HO": ([10, 22, 29], [50, 100, 150]),           # homogeneous
    "K2": ([10, 20], [30, 40]),                     # two studies
    "ZH": ([0, 3, 10, 1, 7], [20, 25, 30, 15, 18]),  # zero-event study, heterogeneous
    "AH": ([10, 12, 18, 5], [10, 20, 19, 9]),       # all-event studies, heterogeneous
}

# R 4.x, metafor 3.8-1, lme4 1.1-31:
#   library(metafor)
#   g <- rma.glmm(measure = "PLO", xi = x, ni = n)   # defaults: model "UM.FS", method "ML", nAGQ = 7, test "z"
#   p <- predict(g)
#   c(g$b, g$se, g$ci.lb, g$ci.ub, g$tau2, g$I2, p$pi.lb, p$pi.ub, g$QE.LRT)
# (logit scale; x and n as in DATA). lme4's optimiser stops ~1e-5 (relative) short of the maximum, so the
# comparison is to 1e-4 relative (or 1e-4 absolute for values near 0).
METAFOR_GLMM = {
    "X4": (-0.2660953048, 0.3457920611, -0.9438352907, 0.4116446811, 0.3648476267, 76.6166653080,
           -1.6302355550, 1.0980449454, 17.1080010453),
    "XH": (-0.1876227267, 0.5901156504, -1.3442281483, 0.9689826948, 1.5080882852, 87.6486900627,
           -2.8580150475, 2.4827695940, 40.0255498541),
    "ZA": (-0.2944160103, 2.1924020016, -4.5914449731, 4.0026129524, 16.4945925859, 97.0976306945,
           -9.3402855700, 8.7514535493, 53.3423719227),
    "Z0": (-3.2054528045, 0.5889370191, -4.3597481510, -2.0511574579, 0.0, 0.0,
           -4.3597481510, -2.0511574579, 4.5301952570),
    "AL": (2.5649493575, 0.5188745267, 1.5479739726, 3.5819247423, 0.0, 0.0,
           1.5479739726, 3.5819247423, 3.1005405145),
    "HO": (-1.3655896878, 0.1434487504, -1.6467440721, -1.0844353034, 0.0, 0.0,
           -1.6467440721, -1.0844353034, 0.2653428460),
    "K2": (-0.2876820725, 0.2415229335, -0.7610583236, 0.1856941787, 0.0, 0.0,
           -0.7610583236, 0.1856941787, 1.9645101156),
    "ZH": (-1.8115803021, 0.6153077319, -3.0175612960, -0.6055993082, 1.1684510021, 75.0295333716,
           -4.2493962440, 0.6262356397, 18.4604443672),
    "AH": (1.6625870104, 0.8375943889, 0.0209321745, 3.3042418462, 1.7188034550, 74.1298599541,
           -1.3866331020, 4.7118071227, 14.6020088666),
}
FIELDS = ("b", "se", "ci.lb", "ci.ub", "tau2", "I2", "pi.lb", "pi.ub", "QE.LRT")


def logit(p):
    return math.log(p / (1 - p))


def ours(name):
    r = pool_proportions(*DATA[name], method="GLMM", test="z")  # metafor's default; test = "t": test_glmm_small_k
    return r, (r.estimate, r.se, logit(r.ci_lower), logit(r.ci_upper), r.tau2, r.i2, logit(r.pi_lower),
               logit(r.pi_upper), r.q)


def assert_matches(mine, ref):
    for field, a, b in zip(FIELDS, mine, ref):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-4), field


@pytest.mark.parametrize("name", sorted(METAFOR_GLMM))
def test_glmm_matches_metafor_hard_coded(name):
    r, mine = ours(name)
    assert_matches(mine, METAFOR_GLMM[name])
    assert r.method == "GLMM" and r.ci_method == "z" and r.pi_method == "z" and r.n_agq == 7


def _r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    ok = subprocess.run(["Rscript", "-e", "library(metafor); library(lme4)"], capture_output=True)
    return ok.returncode == 0


def metafor_glmm_live(data: dict, options: str, values: str) -> dict:
    """``rma.glmm(measure = "PLO", xi, ni<options>)`` run in R for every data set; ``values`` is the R vector of
    results (e.g. ``"g$b, g$se"``, with ``p <- predict(g)`` available). Returns {name: [values]}."""
    script = ["suppressMessages(library(metafor)); options(digits = 15)", "out <- list()"]
    for name, (x, n) in data.items():
        script.append(
            f'g <- rma.glmm(measure = "PLO", xi = c({",".join(map(str, x))}), ni = c({",".join(map(str, n))})'
            f'{options}); p <- predict(g); out[["{name}"]] <- c({values})')
    script.append('cat("{", paste(sprintf("\\"%s\\": [%s]", names(out), sapply(out, function(v) '
                  'paste(sprintf("%.12g", v), collapse = ", "))), collapse = ", "), "}")')
    res = subprocess.run(["Rscript", "-e", "\n".join(script)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.skipif(not _r_available(), reason="Rscript with metafor and lme4 not installed")
def test_glmm_matches_metafor_live():
    live = metafor_glmm_live(DATA, "", "g$b, g$se, g$ci.lb, g$ci.ub, g$tau2, g$I2, p$pi.lb, p$pi.ub, g$QE.LRT")
    for name in DATA:
        assert_matches(ours(name)[1], live[name])


# --------------------------------------------------------------------------
# Independent checks of the likelihood and its maximum
# --------------------------------------------------------------------------
def loglik_by_quad(mu, tau, x, n):
    """Marginal log-likelihood integrated numerically over the normal random effect (scipy.integrate.quad)."""
    total = 0.0
    for xi, ni in zip(x, n):
        f = lambda u: comb(ni, xi) * expit(mu + tau * u) ** xi * expit(-(mu + tau * u)) ** (ni - xi) \
            * stats.norm.pdf(u)  # noqa: E731
        val, _ = integrate.quad(f, -12, 12, epsabs=0, epsrel=1e-12, limit=200)
        total += math.log(val)
    return total


@pytest.mark.parametrize("name", ["X4", "ZA", "ZH"])
def test_adaptive_quadrature_equals_direct_integration(name):
    x, n = DATA[name]
    for mu, tau in ((-0.3, 0.6), (0.5, 2.0), (-1.8, 1.1), (0.2, 1.0)):  # tau = 1 exactly: no special case
        assert glmm_loglik(mu, tau, x, n, n_agq=7) == pytest.approx(loglik_by_quad(mu, tau, x, n), abs=1e-3)
        assert glmm_loglik(mu, tau, x, n, n_agq=30) == pytest.approx(loglik_by_quad(mu, tau, x, n), abs=1e-8)


@pytest.mark.parametrize("name", ["X4", "XH", "AH"])
def test_fit_is_a_maximum_of_the_likelihood(name):
    x, n = DATA[name]
    f = fit_glmm(x, n)
    tau = math.sqrt(f.tau2)
    best = glmm_loglik(f.mu, tau, x, n)
    for dm, dt in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (1e-3, 1e-3), (-1e-3, -1e-3)):
        assert glmm_loglik(f.mu + dm, tau + dt, x, n) < best


def _score_root(mu: float, tau: float, x: float, n: float, lo: float, hi: float) -> float:
    """The mode of one study's integrand: the root of its score tau (x - n p) - u in [lo, hi], by Brent."""
    return optimize.brentq(lambda v: tau * (x - n * expit(mu + tau * v)) - v, lo, hi, xtol=1e-14)


@pytest.mark.parametrize("mu,x", [(-3.3, 3.0), (3.3, 0.0)])
def test_the_mode_is_found_where_newton_steps_cycle(mu, x):
    # One study of 3 patients, all responders (or, mirrored, none), at mu = -3.3 (+3.3) and tau = 2.5. At the ends
    # of the bracket p is near 0 or 1, the integrand's curvature near 1, and Newton's step overshoots each way:
    # the steps cycled between the two ends and stopped after 200 at u = 0.091, far from the mode 1.785, which put
    # the 7-node likelihood 0.008 off (3e-6 with 30 nodes). The mode is the root of the score, found here by Brent.
    tau, n = 2.5, 3.0
    root = _score_root(mu, tau, x, n, tau * (x - n), tau * x)
    u, curvature = glmm_fit._mode(mu, tau, x, n)
    p = expit(mu + tau * u)
    assert u == pytest.approx(root, abs=1e-12)
    assert curvature == pytest.approx(tau * tau * n * p * (1 - p) + 1, rel=1e-12)
    assert glmm_loglik(mu, tau, [x], [n]) == pytest.approx(loglik_by_quad(mu, tau, [x], [n]), abs=1e-3)
    assert glmm_loglik(mu, tau, [x], [n], n_agq=30) == pytest.approx(loglik_by_quad(mu, tau, [x], [n]), abs=1e-8)


@pytest.mark.parametrize("lo,hi", [(0.0, 7.5), (1.0, 7.5), (0.09, 6.3), (1.7, 1.9), (-4.0, 2.0)])
def test_bisection_of_the_score_finds_the_mode_in_any_bracket_that_holds_it(lo, hi):
    # the fallback after 200 Newton steps: halving [lo, hi] on the sign of the decreasing score, to the last bit
    mu, tau, x, n = -3.3, 2.5, 3.0, 3.0
    root = _score_root(mu, tau, x, n, lo, hi)
    assert glmm_fit._bisect_score(mu, tau, x, n, lo, hi) == pytest.approx(root, abs=1e-12)


def test_bisection_stops_at_a_midpoint_where_the_score_is_exactly_zero():
    # mu = 0, 3 events in 6: at u = 0 (the midpoint of [-1, 1]) p = expit(0) = 1/2 exactly and the score is 0
    assert glmm_fit._bisect_score(0.0, 1.3, 3.0, 6.0, -1.0, 1.0) == 0.0


def _five_point(f, z: float, h: float = 1e-3) -> float:
    """First derivative by the five-point stencil (error O(h^4)), independent of the fit's own differences."""
    return (-f(z + 2 * h) + 8 * f(z + h) - 8 * f(z - h) + f(z - 2 * h)) / (12 * h)


@pytest.mark.parametrize("name", ["X4", "XH", "ZA", "ZH", "AH"])
def test_fit_solves_both_score_equations(name):
    # At an interior maximum both partial derivatives of the log-likelihood are 0. The fit's tau is Brent's
    # estimate (to ~1e-7) polished as the root of the profile's slope: unpolished, the tau score is 1e-8 to 5e-7
    # on these data; polished, both scores are below 1e-10 (stencil rounding ~1e-12).
    x, n = DATA[name]
    f = fit_glmm(x, n)
    tau = math.sqrt(f.tau2)
    assert tau > 0.1
    assert abs(_five_point(lambda m: glmm_loglik(m, tau, x, n), f.mu)) < 1e-9
    assert abs(_five_point(lambda t: glmm_loglik(f.mu, t, x, n), tau)) < 1e-9


def test_newton_step_that_lowers_the_likelihood_is_halved(monkeypatch):
    # At tau = 0 with rare events (1 in 10^6, twice) the log-likelihood in mu is, to within 1e-6,
    # 2 [(mu - m) - exp(mu - m)] + const with m = logit(2 / (2e6 - 2)): Newton's step from m - a is e^a - 1.
    # From a = 1.13 that is 2.096, cut to 2; the landing at m + 0.87 is lower than the start
    # (2 - e^0.87 + e^-1.13 = -0.064 < 0, times 2), so the step is halved to 1 (m - 0.13, higher: accepted).
    # The window where this happens, ln 3 < a < ln((e^2 - 1) / 2) = 1.161, is wide against rounding noise.
    x, n = (1.0, 1.0), (1e6, 1e6)
    m = math.log(2 / (2e6 - 2))
    start = m - 1.13
    seen: list[float] = []
    loglik = glmm_fit._loglik

    def counted(mu, tau, xs, ns, n_agq):
        seen.append(mu)
        if len(seen) > 1000:
            raise RuntimeError("the Newton solve did not end")
        return loglik(mu, tau, xs, ns, n_agq)

    monkeypatch.setattr(glmm_fit, "_loglik", counted)
    mu, value = glmm_fit._best_mu(0.0, x, n, 7, start)
    assert any(abs(v - (start + 2.0)) < 1e-12 for v in seen)  # the step cut to 2 was tried ...
    assert any(abs(v - (start + 1.0)) < 1e-12 for v in seen)  # ... and halved
    assert mu == pytest.approx(m, abs=1e-9)
    assert value == pytest.approx(loglik(m, 0.0, x, n, 7), abs=1e-9)


def _observed_information(mu: float, tau: float, x, n, h: float = 1e-3) -> tuple[float, float, float]:
    """-d2l/dmu2, -d2l/dtau2 and -d2l/dmu dtau by five-point and four-point stencils (not the fit's own steps)."""
    def f(dm: float, dt: float) -> float:
        return -glmm_loglik(mu + dm, tau + dt, x, n)

    def d2(g) -> float:
        return (-g(2 * h) + 16 * g(h) - 30 * g(0.0) + 16 * g(-h) - g(-2 * h)) / (12 * h * h)

    mix = (f(h, h) - f(-h, h) - f(h, -h) + f(-h, -h)) / (4 * h * h)
    return d2(lambda d: f(d, 0.0)), d2(lambda d: f(0.0, d)), mix


SE_DATA = ((3.0, 5.0, 12.0, 1.0), (10.0, 12.0, 20.0, 15.0))


@pytest.mark.parametrize("mu", [-1.0, -0.4, 0.3])
def test_se_of_mu_at_tau_zero_is_the_binomial_information(mu):
    # At tau = 0 every study has the same p = expit(mu): -d2l/dmu2 = N p (1 - p) exactly, whatever the events, so
    # SE = 1/sqrt(N p (1 - p)). The Richardson-extrapolated second difference is exact to O(h^4) (~1e-11 here);
    # a wrong extrapolation (h/3 in place of h/2) is off by 1e-7.
    x, n = SE_DATA
    p = expit(mu)
    assert glmm_fit._se_mu(mu, 0.0, x, n, 7) == pytest.approx(1 / math.sqrt(sum(n) * p * (1 - p)), rel=1e-9)


@pytest.mark.parametrize("x,n,mu,tau", [(*SE_DATA, -0.8, 1.0), (*SE_DATA, -0.3, 1.0), (*SE_DATA, -0.8, 0.7),
                                        ((1.0, 3.0), (5.0, 6.0), -1.0, 1.0)])
def test_se_of_mu_is_from_the_joint_information_of_mu_and_tau(x, n, mu, tau):
    # SE(mu)^2 is the (mu, mu) element of the inverse observed information of (mu, tau): I_tt / (I_tt I_mm - I_tm^2),
    # larger than 1/I_mm when mu and tau are correlated (by 3 % to 85 % here). tau = 1 exactly is not a special
    # case, and neither is an information below 1 (two small studies: I_tt = 0.37, determinant 0.11).
    imm, itt, itm = _observed_information(mu, tau, x, n)
    assert itt > 0 and itt * imm - itm**2 > 0 and itm**2 > 1e-3 * itt * imm
    expected = math.sqrt(itt / (itt * imm - itm**2))
    assert glmm_fit._se_mu(mu, tau, x, n, 7) == pytest.approx(expected, rel=1e-5)


def test_se_of_mu_falls_back_to_the_mu_curvature_where_the_information_is_not_positive_definite():
    # At (0.5, 1) the curvature in tau is positive but the determinant is not (I_tm^2 > I_tt I_mm): the joint
    # inverse has no meaning there and the SE is 1/sqrt(I_mm).
    x, n = SE_DATA
    imm, itt, itm = _observed_information(0.5, 1.0, x, n)
    assert itt > 0 and itt * imm - itm**2 < -1.0
    assert glmm_fit._se_mu(0.5, 1.0, x, n, 7) == pytest.approx(1 / math.sqrt(imm), rel=1e-6)


def test_tau_zero_is_the_fixed_effect_binomial_model():
    # at tau2 = 0 the GLMM is one binomial proportion: mu = logit(sum x / sum n), SE^2 = 1/(N p (1 - p))
    x, n = DATA["HO"]
    r = pool_proportions(x, n, method="GLMM")
    p = sum(x) / sum(n)
    assert r.tau2 == 0.0
    assert r.estimate == pytest.approx(logit(p), abs=1e-8)
    assert r.se == pytest.approx(1 / math.sqrt(sum(n) * p * (1 - p)), rel=1e-6)


@pytest.mark.parametrize("x,n", [([10, 20, 30], [50, 100, 150]), ([3, 3, 3, 3], [12, 12, 12, 12]),
                                 ([0, 0, 0, 5], [10, 10, 10, 50])])
def test_identical_or_homogeneous_studies_give_tau2_zero(x, n):
    r = pool_proportions(x, n, method="GLMM")
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.proportion == pytest.approx(sum(x) / sum(n), abs=1e-8)
    # with tau2 = 0 the prediction interval is the confidence interval
    assert r.pi_lower == pytest.approx(r.ci_lower, abs=1e-12)


def test_lrt_heterogeneity_statistic_by_hand():
    x, n = (np.array(v, float) for v in DATA["X4"])
    p = x.sum() / n.sum()
    sat = np.sum(x * np.log(x / n) + (n - x) * np.log(1 - x / n))
    fe = np.sum(x * np.log(p) + (n - x) * np.log(1 - p))
    r = pool_proportions(*DATA["X4"], method="GLMM")
    assert r.q == pytest.approx(2 * (sat - fe), rel=1e-12)
    assert r.q_pvalue == pytest.approx(stats.chi2.sf(2 * (sat - fe), 3), rel=1e-10)


def test_i2_uses_typical_within_study_variance_of_the_logits():
    # metafor rma.glmm: vi from escalc("PLO", add = 1/2, to = "only0"); s2 = (k-1)/(sum w - sum w^2/sum w)
    x, n = DATA["ZA"]
    xa = np.array([0.5, 5, 12, 20.5])
    na = np.array([16, 20, 25, 21])
    v = 1 / xa + 1 / (na - xa)
    w = 1 / v
    s2 = 3 / (w.sum() - (w**2).sum() / w.sum())
    r = pool_proportions(x, n, method="GLMM")
    assert r.i2 == pytest.approx(100 * r.tau2 / (r.tau2 + s2), rel=1e-12)


def test_mirror_symmetry():
    # events <-> non-events flips the logit: same tau2, opposite mu
    x, n = DATA["ZH"]
    a = pool_proportions(x, n, method="GLMM")
    b = pool_proportions([ni - xi for xi, ni in zip(x, n)], n, method="GLMM")
    assert b.estimate == pytest.approx(-a.estimate, abs=1e-7)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-6)


# --------------------------------------------------------------------------
# Special cases
# --------------------------------------------------------------------------
@pytest.mark.parametrize("x,n", [(45, 71), (0, 20), (20, 20)])
def test_single_study_is_the_observed_proportion_with_exact_ci(x, n):
    r = pool_proportions([x], [n], method="GLMM")
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    assert r.proportion == x / n
    assert r.ci_lower == pytest.approx(ci.low, abs=1e-12) and r.ci_upper == pytest.approx(ci.high, abs=1e-12)
    assert r.ci_method == "Clopper-Pearson" and r.tau2 == 0.0 and r.pi_lower is None
    assert "k = 1" in r.summary_text() and "not estimable" in r.summary_text()


def test_all_zero_event_studies_have_no_finite_maximum():
    with pytest.raises(NoFiniteMaximum):
        fit_glmm([0, 0, 0], [10, 20, 30])
    r = pool_proportions([0, 0, 0], [10, 20, 30], method="GLMM")
    assert r.proportion == 0.0 and r.ci_lower == 0.0
    assert r.ci_upper == pytest.approx(1 - 0.025 ** (1 / 60), abs=1e-12)  # Clopper-Pearson 0/60
    assert "no finite maximum" in r.summary_text()


def test_glmm_options_refused():
    with pytest.raises(ValueError) as err:
        pool_proportions([1, 2], [5, 6], method="GLMM", hartung_knapp=True)
    assert str(err.value) == "Hartung-Knapp is defined for the inverse-variance models only, not for the GLMM"
    with pytest.raises(ValueError) as err:
        pool_proportions([1, 2], [5, 6], method="GLMM", transform="freeman_tukey")
    assert str(err.value) == "the GLMM is a logistic model: transform must be 'logit'"
    with pytest.raises(ValueError) as err:
        pool_proportions([1, 2], [5, 6], method="GLMM", n_agq=0)
    assert str(err.value) == "n_agq must be a positive number of quadrature nodes"


def test_summary_reads_like_a_methods_paragraph():
    text = pool_proportions(*DATA["X4"], method="GLMM", test="z").summary_text()
    for phrase in ("binomial-normal", "maximum likelihood", "adaptive Gauss-Hermite quadrature (7 nodes",
                   "no continuity correction", "Wald CI on the logit scale", "normal quantile",
                   "I^2", "typical within-study variance", "Prediction interval"):
        assert phrase in text


@st.composite
def studies(draw):
    k = draw(st.integers(min_value=1, max_value=6))
    n = draw(st.lists(st.integers(min_value=1, max_value=200), min_size=k, max_size=k))
    x = [draw(st.integers(min_value=0, max_value=ni)) for ni in n]
    return x, n


@settings(max_examples=12, derandomize=True, database=None, deadline=None)
@given(data=studies())
def test_glmm_properties(data):
    x, n = data
    r = pool_proportions(x, n, method="GLMM")
    assert math.isfinite(r.tau2) and r.tau2 >= 0.0 and 0.0 <= r.i2 < 100.0
    assert 0.0 <= r.ci_lower <= r.proportion <= r.ci_upper <= 1.0
    if r.pi_lower is not None:
        assert r.pi_lower <= r.ci_lower + 1e-12 and r.ci_upper <= r.pi_upper + 1e-12


def test_single_study_se_is_the_binomial_logit_se_for_subgroup_tests():
    r = pool_proportions([45], [71], method="GLMM")
    assert r.estimate == pytest.approx(math.log(45 / 26), abs=1e-12)
    assert r.se == pytest.approx(math.sqrt(1 / 45 + 1 / 26), abs=1e-12)  # 1/sqrt(n p (1-p))


def test_one_quadrature_node_is_the_laplace_approximation():
    # n_agq = 1 is allowed (adaptive quadrature with one node is the Laplace approximation, lme4's nAGQ = 1);
    # on moderate counts it lands close to the 7-node fit
    one = pool_proportions(*DATA["X4"], method="GLMM", n_agq=1)
    seven = pool_proportions(*DATA["X4"], method="GLMM")
    assert one.n_agq == 1
    assert abs(one.estimate - seven.estimate) < 0.05
