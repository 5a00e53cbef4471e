"""The GLMM's pooled result field by field: the special cases without a fitted model (one study, no event in any
study, every patient with the event) and a fitted pool, each against figures worked by hand or computed by an
independent method (scipy's binomial log-likelihood, numerical integration, the closed-form I²)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from dttstudy.synthesis.heterogeneity import typical_within_variance
from dttstudy.synthesis.meta import pool_proportions
from dttstudy.synthesis.meta.glmm_model import binom_loglik, pool_glmm


def _expit(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def _percent(w):
    return tuple(100.0 * t / sum(w) for t in w)


def test_no_event_in_any_study_is_the_summed_count_with_its_exact_interval():
    r = pool_proportions([0, 0], [10, 20], method="GLMM")
    assert r.note == ("every study has 0 events: no model is fitted (the likelihood has no finite maximum). "
                      "Shown: the summed count 0/30 with its Clopper-Pearson exact CI; tau^2 is not estimable "
                      "(shown as 0).")
    assert r.proportion == 0.0 and r.ci_lower == 0.0
    assert r.ci_upper == pytest.approx(1.0 - 0.025 ** (1.0 / 30.0), rel=1e-12)  # exact upper limit of 0/30
    assert (r.tau2, r.tau, r.i2, r.q, r.df, r.q_pvalue) == (0.0, 0.0, 0.0, 0.0, 1, 1.0)
    assert r.hartung_knapp is False and r.ci_method == "Clopper-Pearson"
    assert r.weights == pytest.approx(_percent([1.0 / t for t in r.vi]), rel=1e-14)
    assert r.pi_lower is None and r.pi_upper is None
    assert r.n_agq == 7 and r.pi_method == "t(k-1)" and r.proportion_marginal == 0.0


def test_every_patient_with_the_event_and_a_non_default_setting():
    r = pool_proportions([10, 20, 5], [10, 20, 5], method="GLMM", n_agq=9, pi_method="z")
    assert r.note.startswith("every study has all events: no model is fitted")
    assert "the summed count 35/35 " in r.note
    assert r.proportion == 1.0 and r.ci_upper == 1.0
    assert r.ci_lower == pytest.approx(0.025 ** (1.0 / 35.0), rel=1e-12)
    assert (r.q, r.df, r.q_pvalue, r.n_agq, r.pi_method) == (0.0, 2, 1.0, 9, "z")


def test_one_study_without_a_model():
    """3/10: the observed proportion, its exact CI, the ML standard error of its logit 1/sqrt(n p (1-p)), no Q
    test; with 1/10 the standard error is still defined (0 < x < n)."""
    r = pool_proportions([3], [10], method="GLMM")
    assert r.note == ("k = 1: the observed proportion with its Clopper-Pearson exact CI; no model is fitted and "
                      "tau^2 is not estimable (shown as 0).")
    assert r.proportion == pytest.approx(0.3, rel=1e-15)
    assert r.ci_lower == pytest.approx(stats.beta.ppf(0.025, 3, 8), rel=1e-10)
    assert r.ci_upper == pytest.approx(stats.beta.ppf(0.975, 4, 7), rel=1e-10)
    assert r.se == pytest.approx(1.0 / math.sqrt(10 * 0.3 * 0.7), rel=1e-14)
    assert (r.q, r.df, r.q_pvalue, r.weights) == (0.0, 0, None, (100.0,))
    one = pool_proportions([1], [10], method="GLMM")
    assert one.se == pytest.approx(1.0 / math.sqrt(10 * 0.1 * 0.9), rel=1e-14)
    assert math.isnan(pool_proportions([0], [10], method="GLMM").se)


def test_likelihood_ratio_q_by_an_independent_binomial_likelihood():
    x, n = np.array([2, 9, 4]), np.array([20, 25, 30])
    p = x.sum() / n.sum()
    lr = 2.0 * (stats.binom.logpmf(x, n, x / n).sum() - stats.binom.logpmf(x, n, p).sum())
    r = pool_proportions(x, n, method="GLMM")
    assert r.q == pytest.approx(lr, rel=1e-10)
    assert r.df == 2 and r.q_pvalue == pytest.approx(stats.chi2.sf(lr, 2), rel=1e-10)
    assert binom_loglik(np.array([0, 3]), np.array([4, 3]), np.array([0.5, 1.0])) == pytest.approx(
        4 * math.log(0.5), rel=1e-15)  # 0 log 0 = 0 on both sides


def test_fitted_pool_field_by_field():
    """Every field of a fitted pool from the fit, the τ² interval and the within-study variances: I² and its
    interval from the typical within-study variance, the weights 1/(v + τ²), the population-averaged proportion
    and its interval by numerical integration of expit(mu + tau z) over the standard normal."""
    x, n = np.array([2, 9, 4, 12]), np.array([20, 25, 30, 28])
    r = pool_proportions(x, n, method="GLMM", level=0.9)
    assert r.tau2 > 0 and r.hartung_knapp is False and r.ci_method == "t(k-1)" and r.df == 3
    crit = stats.t.ppf(0.95, 3)
    assert r.ci_lower == pytest.approx(_expit(r.estimate - crit * r.se), rel=1e-13)
    assert r.ci_upper == pytest.approx(_expit(r.estimate + crit * r.se), rel=1e-13)
    assert r.tau == pytest.approx(math.sqrt(r.tau2), rel=1e-15)
    s2 = typical_within_variance(r.vi)
    assert r.i2 == pytest.approx(100.0 * r.tau2 / (r.tau2 + s2), rel=1e-13)
    lo, hi = r.tau2_ci_lower, r.tau2_ci_upper
    assert r.i2_ci_lower == pytest.approx(100.0 * lo / (lo + s2) if lo > 0 else 0.0, abs=1e-12)
    assert r.i2_ci_upper == pytest.approx(100.0 * hi / (hi + s2), rel=1e-13)
    assert r.weights == pytest.approx(_percent([1.0 / (t + r.tau2) for t in r.vi]), rel=1e-13)

    def marginal(mu):
        return integrate.quad(lambda z: _expit(mu + r.tau * z) * stats.norm.pdf(z), -12, 12, epsabs=1e-13)[0]

    assert r.proportion_marginal == pytest.approx(marginal(r.estimate), abs=1e-8)
    assert r.marginal_ci_lower == pytest.approx(marginal(r.estimate - crit * r.se), abs=1e-8)
    assert r.marginal_ci_upper == pytest.approx(marginal(r.estimate + crit * r.se), abs=1e-8)
    assert r.n_agq == 7 and r.pi_method == "t(k-1)" and r.note == ""


def test_an_unbounded_tau2_interval_gives_an_i2_interval_up_to_100(monkeypatch):
    """When the profile never falls below its cut-off the τ² interval is open above and I²'s upper limit is
    100%; its lower limit still follows the τ² limit."""
    from dttstudy.synthesis.meta import glmm_model

    monkeypatch.setattr(glmm_model.glmm_inference, "tau2_profile_ci", lambda x, n, fit, level: (0.5, math.inf))
    r = pool_proportions([2, 9, 4], [20, 25, 30], method="GLMM")
    s2 = typical_within_variance(r.vi)
    assert (r.tau2_ci_lower, r.tau2_ci_upper, r.i2_ci_upper) == (0.5, math.inf, 100.0)
    assert r.i2_ci_lower == pytest.approx(100.0 * 0.5 / (0.5 + s2), rel=1e-13)


def test_studies_only_at_0_and_100_percent_fit_no_model():
    """0/20 and 20/20: the likelihood keeps rising as tau grows (it tends to 1/4, each study's chance of its
    extreme), so no model is fitted; the summed count 20/40 is shown with its exact interval and the note says
    it ignores the studies' disagreement. One study in between bounds tau again and the model is fitted."""
    r = pool_proportions([0, 20], [20, 20], method="GLMM")
    assert r.note == ("every study has 0 events or all events: no model is fitted (the between-study variance has "
                      "no finite estimate). Shown: the summed count 20/40 with its Clopper-Pearson exact CI, which "
                      "ignores the studies' disagreement; tau^2 is not estimable (shown as 0).")
    assert r.proportion == 0.5 and r.tau2 == 0.0
    assert r.ci_lower == pytest.approx(stats.beta.ppf(0.025, 20, 21), rel=1e-10)
    assert r.q == pytest.approx(2.0 * 40 * math.log(2.0), rel=1e-13)  # 2 (0 - 40 log 1/2)
    assert r.df == 1 and r.q_pvalue == pytest.approx(stats.chi2.sf(80 * math.log(2.0), 1), rel=1e-10)
    mixed = pool_proportions([0, 20, 10], [20, 20, 20], method="GLMM")
    assert mixed.note == "" and math.isfinite(mixed.tau2) and mixed.tau2 > 1.0


def test_the_default_test_is_t_and_n_agq_reaches_the_fit():
    x, n = np.array([2, 9, 4]), np.array([20, 25, 30])
    v = 1.0 / (x + 0.5) + 1.0 / (n - x + 0.5)
    common = dict(k=3, events=15, total=75, method="GLMM", transform="logit", level=0.95, continuity=0.5,
                  n_harmonic=3 / (1 / 20 + 1 / 25 + 1 / 30), labels=("a", "b", "c"), yi=(0.0, 0.0, 0.0),
                  vi=tuple(v.tolist()))
    default = pool_glmm(x, n, common, 0.95, "ci", 7, v)
    assert default.ci_method == "t(k-1)" and default.pi_method == "t(k-1)"
    eleven = pool_glmm(x, n, common, 0.95, "ci", 11, v)
    assert eleven.n_agq == 11
    assert eleven.estimate != default.estimate  # more nodes integrate the likelihood differently
    assert abs(eleven.estimate - default.estimate) < 1e-3
    with pytest.raises(ValueError, match="test must be one of"):
        pool_glmm(x, n, common, 0.95, "ci", 7, v, "T")


def test_binomial_tail_by_hand_and_at_the_boundaries():
    from dttstudy.synthesis.glmm.inference import binomial_tail

    # X ~ Binomial(3, 0.25): P(X >= 2) = 3 (1/4)² (3/4) + (1/4)³ = 10/64; P(X <= 1) = 54/64
    assert binomial_tail(2, 3, 0.25) == pytest.approx(10 / 64, rel=1e-14)
    assert binomial_tail(1, 3, 0.25, upper=False) == pytest.approx(54 / 64, rel=1e-14)
    # the whole range sums to 1 + 2e-16 in floating point here: a probability is never above 1
    assert binomial_tail(0, 3, 0.25) == 1.0
    # p = 0: all mass at 0; p = 1: all mass at n
    assert (binomial_tail(0, 5, 0.0, upper=False), binomial_tail(2, 5, 0.0), binomial_tail(0, 5, 0.0)) == (1.0, 0.0,
                                                                                                          1.0)
    assert (binomial_tail(5, 5, 1.0), binomial_tail(4, 5, 1.0, upper=False), binomial_tail(5, 5, 1.0, False)) == (
        1.0, 0.0, 1.0)


def test_predictive_tail_edges():
    """x = 0 and n = 1 are valid; x outside 0..n is refused; without spread (tau² = SE = 0) the predictive tail is
    the binomial tail at expit(mu), in either direction; one patient at mu = 0 has probability 1/2 by symmetry."""
    from dttstudy.synthesis.glmm.inference import binomial_tail, predictive_tail

    assert predictive_tail(0, 5, 0.3, 0.2, 0.1) == 1.0
    assert predictive_tail(1, 1, 0.0, 0.3, 0.2) == pytest.approx(0.5, abs=1e-12)
    p = _expit(0.4)
    assert predictive_tail(2, 6, 0.4, 0.0, 0.0, upper=False) == pytest.approx(binomial_tail(2, 6, p, False),
                                                                               rel=1e-14)
    assert predictive_tail(2, 6, 0.4, 0.0, 0.0) == pytest.approx(binomial_tail(2, 6, p), rel=1e-14)
    for bad in ((6, 5), (-1, 5), (0, 0)):
        with pytest.raises(ValueError, match="need 0 <= x <= n and n >= 1"):
            predictive_tail(*bad, 0.0, 0.1, 0.1)


def test_profile_likelihood_defaults():
    """At tau = 0 the profile is the binomial likelihood at the pooled proportion (quadrature is exact there); at
    tau > 0 the default integrates with 7 nodes, as rma.glmm; the τ² interval's default level is 95%."""
    from dttstudy.synthesis.glmm import inference
    from dttstudy.synthesis.glmm.fit import fit_glmm

    x, n = np.array([2, 9, 4]), np.array([20, 25, 30])
    assert inference.profile_loglik(0.0, x, n) == pytest.approx(binom_loglik(x, n, np.full(3, 15 / 75)), rel=1e-12)
    seven = inference.profile_loglik(0.8, x, n)
    assert seven == pytest.approx(inference.profile_loglik(0.8, x, n, n_agq=7), rel=1e-13)
    assert abs(seven - inference.profile_loglik(0.8, x, n, n_agq=8)) > 1e-13
    fit = fit_glmm(x, n)
    assert inference.tau2_profile_ci(x, n, fit) == inference.tau2_profile_ci(x, n, fit, 0.95)
    assert inference.tau2_profile_ci(x, n, fit, 0.8) != inference.tau2_profile_ci(x, n, fit, 0.95)
