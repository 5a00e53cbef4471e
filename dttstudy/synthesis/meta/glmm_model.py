"""The binomial–normal GLMM as a :class:`~dttstudy.synthesis.meta.result.PooledProportion` (``method="GLMM"``).

Inference for few studies (the default, ``test="t"``): the CI of the pooled logit is ``mu +/- t(k-1) SE`` and
the prediction interval ``mu +/- t(k-1) sqrt(tau^2 + SE^2)`` — metafor ``rma.glmm(..., test = "t")`` and its
``predict()``, in line with current guidance for meta-analyses of few studies (IntHout et al. 2014; Röver et
al. 2015; Veroniki et al. 2019; Cochrane Handbook chapter 10). ``test="z"`` gives the Wald (normal-quantile)
intervals, metafor's default. tau^2 has a profile-likelihood CI (:func:`dttstudy.synthesis.glmm.inference.
tau2_profile_ci`). The pooled proportion ``expit(mu)`` is the **conditional** estimand (the proportion of the
median study); ``proportion_marginal`` is the **population-averaged** proportion beside it (Lin & Chu 2020).

Zero-event or all-event data: with k = 1, when every study has 0 events (or all events) and the likelihood
has no finite maximum, or when every study is at 0% or at 100% and the between-study variance diverges (the
likelihood keeps rising as tau grows), no model is fitted: the result is the summed count with its
Clopper–Pearson interval (0/N with its exact interval when no event occurred), and ``note`` says so.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .. import heterogeneity
from ..glmm import fit as glmm
from ..glmm import inference as glmm_inference
from .ci import clopper_pearson, logit_or_nan, percent_weights, pi_limits
from .result import _NAN, PooledProportion

TESTS = ("t", "z")


def binom_loglik(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    """Binomial log-likelihood without the binomial coefficients (0 log 0 = 0)."""
    terms = []
    for xi, ni, pi in zip(x.astype(float).tolist(), n.astype(float).tolist(), np.asarray(p, float).tolist()):
        if xi > 0:
            terms.append(xi * math.log(pi))
        if ni - xi > 0:
            terms.append((ni - xi) * math.log(1.0 - pi))
    return math.fsum(terms)


def pool_glmm(x: np.ndarray, n: np.ndarray, common: dict, level: float, pi_method: str, n_agq: int,
              v: np.ndarray, test: str = "t") -> PooledProportion:
    """GLMM pooled proportion; ``pi_method="ci"`` takes the CI's quantile (t(k-1) or z)."""
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS} (got {test!r})")
    k = int(x.size)
    alpha = 1.0 - level
    if pi_method == "ci":
        pi_method = "t(k-1)" if test == "t" else "z"
    special = None
    if k == 1:
        special = ("k = 1: the observed proportion with its Clopper-Pearson exact CI; no model is fitted and "
                   "tau^2 is not estimable (shown as 0).")
    elif np.all(x == 0) or np.all(x == n):
        special = ("every study has {} events: no model is fitted (the likelihood has no finite maximum). "
                   "Shown: the summed count {}/{} with its Clopper-Pearson exact CI; tau^2 is not estimable "
                   "(shown as 0).").format("0" if x[0] == 0 else "all", int(x.sum()), int(n.sum()))
    elif np.all((x == 0) | (x == n)):
        special = ("every study has 0 events or all events: no model is fitted (the between-study variance has no "
                   "finite estimate). Shown: the summed count {}/{} with its Clopper-Pearson exact CI, which "
                   "ignores the studies' disagreement; tau^2 is not estimable (shown as 0).").format(
                       int(x.sum()), int(n.sum()))
    if special is not None:
        xs, ns = int(x.sum()), int(n.sum())
        lo, hi = clopper_pearson(np.array([xs]), np.array([ns]), level)
        p = xs / ns
        q = max(0.0, 2.0 * (binom_loglik(x, n, x / n) - binom_loglik(x, n, np.full(k, p))))
        # ML standard error of a single binomial logit (defined when 0 < p < 1); used by subgroup tests
        se1 = 1.0 / math.sqrt(ns * p * (1.0 - p)) if k == 1 and 0 < xs < ns else _NAN
        return PooledProportion(
            proportion=p, ci_lower=float(lo[0]), ci_upper=float(hi[0]), estimate=logit_or_nan(p), se=se1,
            ci_method="Clopper-Pearson", tau2=0.0, tau=0.0, i2=0.0, q=q, df=k - 1,
            q_pvalue=float(stats.chi2.sf(q, k - 1)) if k > 1 else None, pi_lower=None, pi_upper=None,
            hartung_knapp=False, weights=percent_weights([1.0 / t for t in v.tolist()]),
            pi_method=pi_method, n_agq=n_agq, note=special, proportion_marginal=p, **common)

    fit = glmm.fit_glmm(x, n, n_agq=n_agq)
    mu, se, tau2 = fit.mu, fit.se, fit.tau2
    crit = float(stats.t.ppf(1.0 - alpha / 2.0, k - 1)) if test == "t" else float(stats.norm.ppf(1.0 - alpha / 2))
    p_pool = x.sum() / n.sum()
    q = max(0.0, 2.0 * (binom_loglik(x, n, x / n) - binom_loglik(x, n, np.full(k, p_pool))))
    pi_lo, pi_hi, pim = pi_limits(mu, se, tau2, k, pi_method, alpha, glmm._expit)
    t2_lo, t2_hi = glmm_inference.tau2_profile_ci(x, n, fit, level)
    w = 1.0 / (v + tau2)
    return PooledProportion(
        proportion=glmm._expit(mu), ci_lower=glmm._expit(mu - crit * se), ci_upper=glmm._expit(mu + crit * se),
        estimate=mu, se=se, ci_method="t(k-1)" if test == "t" else "z", tau2=tau2, tau=math.sqrt(tau2),
        i2=heterogeneity.i2_from_tau2(tau2, v), q=q, df=k - 1, q_pvalue=float(stats.chi2.sf(q, k - 1)),
        pi_lower=pi_lo, pi_upper=pi_hi, hartung_knapp=False, weights=percent_weights(w.tolist()), pi_method=pim,
        tau2_ci_lower=t2_lo, tau2_ci_upper=t2_hi, i2_ci_lower=heterogeneity.i2_from_tau2(t2_lo, v),
        i2_ci_upper=100.0 if math.isinf(t2_hi) else heterogeneity.i2_from_tau2(t2_hi, v),
        n_agq=n_agq, proportion_marginal=glmm_inference.population_averaged(mu, tau2),
        marginal_ci_lower=glmm_inference.population_averaged(mu - crit * se, tau2),
        marginal_ci_upper=glmm_inference.population_averaged(mu + crit * se, tau2), **common)
