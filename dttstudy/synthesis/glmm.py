"""Binomial–normal random-intercept model for single proportions (the "GLMM" of R's meta and metafor).

Model (Stijnen, Hamza & Özdemir 2010)::

    x_i | u_i ~ Binomial(n_i, expit(mu + tau * u_i)),   u_i ~ N(0, 1)

``mu`` is the pooled logit, ``tau^2`` the between-study variance on the logit scale. The likelihood is the exact
binomial one: studies with 0 events or with all events enter as they are, without a continuity correction.

Fit: maximum likelihood. Each study's integral over ``u_i`` is computed with *adaptive* Gauss–Hermite
quadrature (``n_agq`` nodes, default 7 as ``rma.glmm``/``glmer(nAGQ = 7)``): the nodes are centred on the mode of
the study's integrand and scaled by its curvature there. ``tau`` is found by maximising the profile
likelihood over ``[0, inf)`` (grid search, then Brent's method); the boundary ``tau = 0`` is taken when it is the
maximum (the likelihood is even in ``tau``, so its slope there is always 0). For each ``tau`` the pooled logit is
found by Newton's method (the likelihood is log-concave in ``mu``).

Standard error of ``mu``: from the observed information of the (tau, mu) likelihood, ``[H^-1]_{mu mu}``, as
lme4's ``vcov`` (which metafor uses); at ``tau = 0`` this is ``1 / H_{mu mu}``. The Hessian is taken by central
differences.

Not estimable: when every study has 0 events (or every study has all events) the likelihood increases without
bound as ``mu -> -inf`` (``+inf``); :func:`fit_glmm` then raises :class:`NoFiniteMaximum` and the caller
decides (see :func:`dttstudy.synthesis.meta.pool_proportions`).

Reference: Stijnen T, Hamza TH, Özdemir P. Random effects meta-analysis of event outcome in the framework of the
generalized linear mixed model with applications in sparse data. Stat Med 2010;29:3046-67.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import expit, gammaln, log_expit

__all__ = ["GLMMFit", "NoFiniteMaximum", "fit_glmm", "glmm_loglik"]


class NoFiniteMaximum(ValueError):
    """The binomial–normal likelihood has no finite maximum (all studies 0 events, or all with all events)."""


@dataclass(frozen=True)
class GLMMFit:
    """Maximum-likelihood fit of the binomial–normal model.

    ``mu``/``se``: pooled logit and its standard error; ``tau2``: between-study variance (logit scale);
    ``loglik``: maximised log-likelihood (with binomial coefficients); ``n_agq``: quadrature nodes;
    ``boundary``: True when ``tau2 = 0`` is the maximum.
    """

    mu: float
    se: float
    tau2: float
    loglik: float
    n_agq: int
    boundary: bool


def _nodes(n_agq: int) -> tuple[np.ndarray, np.ndarray]:
    # probabilists' Gauss–Hermite: integrates g(t) exp(-t^2/2); weights sum to sqrt(2 pi)
    t, w = np.polynomial.hermite_e.hermegauss(n_agq)
    return t, w


def _log_integrand(u: np.ndarray, mu: float, tau: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    eta = mu + tau * u
    return x * log_expit(eta) + (n - x) * log_expit(-eta) - 0.5 * u * u


def _modes(mu: float, tau: float, x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mode of each study's integrand in u and the curvature -f''(mode) (>= 1: the integrand is log-concave).

    The score ``tau (x - n p) - u`` is decreasing in u and changes sign in ``[tau (x - n), tau x]``:
    Newton steps safeguarded by bisection inside that bracket.
    """
    if tau == 0.0:
        return np.zeros(x.size), np.ones(x.size)
    lo = tau * (x - n)
    hi = tau * x
    u = np.clip(np.zeros(x.size), lo, hi)
    for _ in range(200):
        p = expit(mu + tau * u)
        grad = tau * (x - n * p) - u
        hess = tau * tau * n * p * (1.0 - p) + 1.0
        lo = np.where(grad > 0, u, lo)
        hi = np.where(grad < 0, u, hi)
        new = u + grad / hess
        outside = (new <= lo) | (new >= hi)
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = np.abs(new - u) <= 1e-13 * (1.0 + np.abs(u))
        u = new
        if done.all():
            break
    p = expit(mu + tau * u)
    return u, tau * tau * n * p * (1.0 - p) + 1.0


def glmm_loglik(mu: float, tau: float, x: np.ndarray, n: np.ndarray, n_agq: int = 7) -> float:
    """Log-likelihood of the binomial–normal model at (mu, tau) by adaptive Gauss–Hermite quadrature."""
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    tau = abs(float(tau))
    const = float(np.sum(gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)))
    u0, h = _modes(mu, tau, x, n)
    s = 1.0 / np.sqrt(h)
    t, w = _nodes(n_agq)
    uu = u0[:, None] + s[:, None] * t[None, :]
    f = _log_integrand(uu, mu, tau, x[:, None], n[:, None]) + 0.5 * t[None, :] ** 2
    m = f.max(axis=1)
    li = m + np.log(np.exp(f - m[:, None]) @ w) + np.log(s) - 0.5 * math.log(2.0 * math.pi)
    return float(li.sum() + const)


def _best_mu(tau: float, x: np.ndarray, n: np.ndarray, n_agq: int, start: float) -> tuple[float, float]:
    """Maximiser over mu of the log-likelihood at fixed tau (Newton on central differences, Brent fallback).

    Newton stops when the step is below 1e-9 on the logit scale: the profile likelihood is then exact to
    ~1e-18 (it is flat in mu at the maximum).
    """
    def ll(m: float) -> float:
        return glmm_loglik(m, tau, x, n, n_agq)

    m = start
    cur = ll(m)
    h = 1e-4
    for _ in range(50):
        lp, lm = ll(m + h), ll(m - h)
        c = (lp - 2 * cur + lm) / (h * h)
        if not c < 0:
            break
        step = max(-2.0, min(2.0, -(lp - lm) / (2 * h) / c))
        if abs(step) < 1e-9:
            return m, cur
        new, val = m + step, ll(m + step)
        while val < cur and abs(step) > 1e-9:
            step /= 2.0
            new, val = m + step, ll(m + step)
        if val < cur:
            return m, cur
        m, cur = new, val
    res = optimize.minimize_scalar(lambda t: -ll(t), bracket=(m - 1.0, m + 1.0), method="brent",
                                   options={"xtol": 1e-12})
    return float(res.x), float(-res.fun)


def fit_glmm(x, n, n_agq: int = 7) -> GLMMFit:
    """Maximum-likelihood fit of the binomial–normal random-intercept model (see the module docstring).

    Requires k >= 2 studies; raises :class:`NoFiniteMaximum` when all studies have 0 events or all have all
    events.
    """
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    if x.size < 2:
        raise ValueError("the binomial–normal model needs at least 2 studies")
    if np.all(x == 0) or np.all(x == n):
        raise NoFiniteMaximum("every study has 0 events (or every study has all events): the binomial–normal "
                              "likelihood has no finite maximum")
    pooled = float(np.log((x.sum() + 0.5) / (n.sum() - x.sum() + 0.5)))

    cache: dict[float, tuple[float, float]] = {}

    def profile(tau: float) -> float:
        tau = float(tau)
        if tau not in cache:
            near = min(cache, key=lambda t: abs(t - tau)) if cache else None
            start = cache[near][0] if near is not None else pooled
            cache[tau] = _best_mu(tau, x, n, n_agq, start)
        return cache[tau][1]

    grid = [0.0] + list(np.geomspace(0.02, 5.0, 12))
    vals = [profile(t) for t in grid]
    while int(np.argmax(vals)) == len(grid) - 1:
        if grid[-1] > 1e3:
            raise NoFiniteMaximum("the between-study variance of the binomial–normal model diverges "
                                  "(studies at 0 % and at 100 % only)")
        grid.append(grid[-1] * 1.5)
        vals.append(profile(grid[-1]))
    j = int(np.argmax(vals))
    lo = grid[j - 1] if j > 0 else 0.0
    hi = grid[j + 1]
    res = optimize.minimize_scalar(lambda t: -profile(t), bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-9})
    tau = float(res.x)
    if profile(0.0) >= profile(tau) - 1e-12 or tau < 1e-7:
        tau = 0.0
    profile(tau)
    mu, ll = cache[tau]
    se = _se_mu(mu, tau, x, n, n_agq)
    return GLMMFit(mu=mu, se=se, tau2=tau * tau, loglik=ll, n_agq=n_agq, boundary=tau == 0.0)


def _se_mu(mu: float, tau: float, x: np.ndarray, n: np.ndarray, n_agq: int) -> float:
    """SE of mu from the observed information of (tau, mu), central differences (lme4's convention)."""
    def nll(t: float, m: float) -> float:
        return -glmm_loglik(m, t, x, n, n_agq)

    hm = 1e-4
    f0 = nll(tau, mu)
    hmm = (nll(tau, mu + hm) - 2 * f0 + nll(tau, mu - hm)) / hm**2
    if tau == 0.0:
        return 1.0 / math.sqrt(hmm)
    ht = 1e-4 * max(1.0, tau)
    htt = (nll(tau + ht, mu) - 2 * f0 + nll(tau - ht, mu)) / ht**2
    htm = (nll(tau + ht, mu + hm) - nll(tau + ht, mu - hm) - nll(tau - ht, mu + hm) + nll(tau - ht, mu - hm)) \
        / (4 * ht * hm)
    det = htt * hmm - htm * htm
    if not (htt > 0 and det > 0):
        return 1.0 / math.sqrt(hmm)
    return math.sqrt(htt / det)
