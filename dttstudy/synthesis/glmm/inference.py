"""What the binomial–normal GLMM fit (:mod:`dttstudy.synthesis.glmm.fit`) says beyond its pooled logit.

* :func:`tau2_profile_ci` — profile-likelihood confidence interval for the between-study variance tau^2:
  the values of tau^2 whose profile log-likelihood (maximised over the pooled logit) lies within
  ``chi2_1(level) / 2`` of the maximum (lower limit 0 when tau^2 = 0 is inside).
* :func:`population_averaged` — the *population-averaged* (marginal) proportion ``E[expit(mu + tau u)]``,
  ``u ~ N(0, 1)``: the mean proportion over the distribution of studies. The GLMM's pooled proportion
  ``expit(mu)`` is the *conditional* estimand, the proportion of the median study; with tau^2 > 0 the two
  differ, and the marginal one is pulled towards 50% (Lin L, Chu H. Meta-analysis of proportions using
  generalized linear mixed models. Epidemiology 2020;31:713-717).
* :func:`predictive_tail` — predictive check of one cohort against the pool: the probability that a *new*
  study of ``n`` patients shows ``x`` or more events (or ``x`` or fewer), when its true logit is drawn from
  the pooled predictive distribution ``mu + sqrt(tau^2 + SE^2) T`` (T standard normal, or t with k - 1 df,
  as the prediction interval) and its count is binomial given that proportion.

Numerical precision (the same result on every CPU): scalar, fixed-order arithmetic — Python floats,
``math`` and ``math.fsum``; the Gauss–Hermite nodes are those of :mod:`dttstudy.synthesis.glmm.fit` (computed in
50-digit decimal arithmetic); the t and normal quantiles are scalar calls; Brent's root finder works on scalars.
"""
from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

from scipy import optimize, special

from .fit import GLMMFit, _as_counts, _best_mu, _expit, _fit, _loglik, _log_binomial_coefficients, _nodes

__all__ = ["tau2_profile_ci", "population_averaged", "predictive_tail", "binomial_tail"]

_MARGINAL_NODES = 80
_PREDICTIVE_POINTS = 4000


def _profile(tau: float, xs, ns, n_agq: int, start: float) -> float:
    return _best_mu(tau, xs, ns, n_agq, start)[1]


def tau2_profile_ci(x, n, fit: GLMMFit, level: float = 0.95) -> tuple[float, float]:
    """Profile-likelihood ``level`` CI for tau^2 of a binomial–normal fit ``fit`` of the counts ``x``/``n``.

    Limits solve ``2 (l_max - l_p(tau)) = chi2_1(level)``, ``l_p(tau) = max_mu l(mu, tau)``; the lower limit
    is 0 when ``l_p(0)`` is within the cut-off; the upper limit is ``inf`` when the profile stays above it up
    to tau = 1000 (the data do not bound tau^2). The profile is integrated with :data:`PROFILE_NODES` adaptive
    Gauss–Hermite nodes, maximised at that accuracy (its own l_max): far in the tail, where the interval's upper
    limit lies, seven nodes (``fit.n_agq``, as rma.glmm for the estimate) miss the exact integral (31.15 where
    the exact profile gives 32.03 on the clinical-response pool); 81 nodes agree with adaptive integration to
    about 1e-4. The estimate itself keeps ``fit.n_agq``. Computed once per process for the same counts, fit and
    level."""
    return _tau2_profile_ci(*_as_counts(x, n), fit, float(level))


#: Adaptive Gauss–Hermite nodes of the profile likelihood behind the tau^2 interval.
PROFILE_NODES = 81


@lru_cache(maxsize=512)
def _tau2_profile_ci(xs: tuple[float, ...], ns: tuple[float, ...], fit: GLMMFit, level: float
                     ) -> tuple[float, float]:
    crit = float(special.chdtri(1.0, 1.0 - level))  # chi-square quantile, scalar
    nodes = max(PROFILE_NODES, fit.n_agq)
    accurate = _fit(xs, ns, nodes) if nodes != fit.n_agq else fit  # the same model, integrated more exactly
    lmax = accurate.loglik - _log_binomial_coefficients(xs, ns)
    target = lmax - crit / 2.0
    tau_hat = math.sqrt(accurate.tau2)

    def g(tau: float) -> float:
        return _profile(tau, xs, ns, nodes, accurate.mu) - target

    lower = 0.0
    if g(0.0) < 0.0:
        lower = float(optimize.brentq(g, 0.0, tau_hat, xtol=1e-12, rtol=1e-12, maxiter=200))
    hi = max(2.0 * tau_hat, 0.5)
    while g(hi) >= 0.0:
        if hi > 1e3:
            return lower * lower, math.inf
        hi *= 2.0
    upper = float(optimize.brentq(g, tau_hat, hi, xtol=1e-12, rtol=1e-12, maxiter=200))
    return lower * lower, upper * upper


def population_averaged(mu: float, tau2: float, nodes: int = _MARGINAL_NODES) -> float:
    """Population-averaged proportion ``E[expit(mu + tau u)]``, u ~ N(0, 1), by Gauss–Hermite quadrature
    (``nodes`` nodes; 80 integrate it to about 1e-8 for tau <= 3). Equals ``expit(mu)`` at tau^2 = 0."""
    if tau2 == 0.0:
        return _expit(mu)
    t, w = _nodes(nodes)
    tau = math.sqrt(tau2)
    return math.fsum(wk * _expit(mu + tau * tk) for tk, wk in zip(t, w)) / math.sqrt(2.0 * math.pi)


def binomial_tail(x: int, n: int, p: float, upper: bool = True) -> float:
    """P(X >= x) (``upper``) or P(X <= x) for X ~ Binomial(n, p), summed term by term (scalar, exact order)."""
    ks = range(x, n + 1) if upper else range(0, x + 1)
    if p <= 0.0:
        return 1.0 if 0 in ks else 0.0
    if p >= 1.0:
        return 1.0 if n in ks else 0.0
    lp, lq = math.log(p), math.log1p(-p)
    return min(1.0, math.fsum(math.exp(math.log(math.comb(n, k)) + k * lp + (n - k) * lq) for k in ks))


def predictive_tail(x: int, n: int, mu: float, se: float, tau2: float, df: int | None = None,
                    upper: bool = True, points: int = _PREDICTIVE_POINTS) -> float:
    """Probability that a new study of ``n`` patients has ``x`` or more events (``upper``; else ``x`` or fewer).

    The new study's logit is ``mu + sqrt(tau2 + se^2) T`` with T ~ N(0, 1) (``df=None``) or t with ``df``
    degrees of freedom — the distribution behind the prediction interval — and its count is
    Binomial(n, expit(logit)). The integral over T is taken on the probability scale with the midpoint rule
    (``points`` equal steps of the CDF; the integrand is bounded by 0 and 1 and monotone, so the error is at most
    ``1 / points``)."""
    if not (0 <= x <= n) or n < 1:
        raise ValueError(f"need 0 <= x <= n and n >= 1 (got x = {x}, n = {n})")
    s = math.sqrt(tau2 + se * se)
    norm = NormalDist()
    vals = []
    for i in range(points):
        u = (i + 0.5) / points
        q = norm.inv_cdf(u) if df is None else float(special.stdtrit(float(df), u))
        vals.append(binomial_tail(x, n, _expit(mu + s * q), upper))
    return math.fsum(vals) / points


def profile_loglik(tau: float, x, n, n_agq: int = 7, start: float = 0.0) -> float:
    """Profile log-likelihood ``max_mu l(mu, tau)`` without the binomial coefficients (for checks)."""
    xs, ns = _as_counts(x, n)
    m, _ = _best_mu(abs(float(tau)), xs, ns, n_agq, start)
    return _loglik(m, abs(float(tau)), xs, ns, n_agq)
