"""Binomial–normal random-intercept model for single proportions (the "GLMM" of R's meta and metafor).

Model (Stijnen, Hamza & Özdemir 2010)::

    x_i | u_i ~ Binomial(n_i, expit(mu + tau * u_i)),   u_i ~ N(0, 1)

``mu`` is the pooled logit, ``tau^2`` the between-study variance on the logit scale. The likelihood is the exact
binomial one: studies with 0 events or with all events enter as they are, without a continuity correction.

Fit: maximum likelihood. Each study's integral over ``u_i`` is computed with *adaptive* Gauss–Hermite
quadrature (``n_agq`` nodes, default 7 as ``rma.glmm``/``glmer(nAGQ = 7)``): the nodes are centred on the mode of
the study's integrand and scaled by its curvature there. ``tau`` maximises the profile likelihood over
``[0, inf)``: a grid brackets the maximum, Brent's method locates it, and the root of the profile's derivative
polishes it; the boundary ``tau = 0`` is taken when it is the maximum (the likelihood is even in ``tau``, so its
slope there is always 0). For each ``tau`` the pooled logit solves the score equation (the likelihood is
log-concave in ``mu``).

Standard error of ``mu``: from the observed information of the (tau, mu) likelihood, ``[H^-1]_{mu mu}``, as
lme4's ``vcov`` (which metafor uses); at ``tau = 0`` this is ``1 / H_{mu mu}``.

Numerical precision (the same result on every CPU): the whole fit is scalar, fixed-order arithmetic — Python
floats, the ``math`` module and ``math.fsum`` — with no numpy reduction, SIMD kernel or BLAS call whose last bits
depend on the processor; the quadrature nodes are computed in 50-digit decimal arithmetic. Derivatives are
central differences with Richardson extrapolation (error O(h^4), h = 1e-3 for the scores, 1e-2 for the
information), so the score equations are solved to about 1e-11 on the logit scale and the standard error is
accurate to about 1e-9 (relative) — beyond the digits the report writes (:mod:`dttstudy.precision`).

Not estimable: when every study has 0 events (or every study has all events) the likelihood increases without
bound as ``mu -> -inf`` (``+inf``); :func:`fit_glmm` then raises :class:`NoFiniteMaximum` and the caller
decides (see :func:`dttstudy.synthesis.meta.pool_proportions`).

Reference: Stijnen T, Hamza TH, Özdemir P. Random effects meta-analysis of event outcome in the framework of the
generalized linear mixed model with applications in sparse data. Stat Med 2010;29:3046-67.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache

import numpy as np
from scipy import optimize

__all__ = ["GLMMFit", "NoFiniteMaximum", "fit_glmm", "glmm_loglik"]

_HALF_LN_2PI = 0.5 * math.log(2.0 * math.pi)
_PI_50 = "3.14159265358979323846264338327950288419716939937510"


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


@lru_cache(maxsize=None)
def _nodes(n_agq: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Probabilists' Gauss–Hermite nodes and weights (integrate g(t) exp(-t^2/2); weights sum to sqrt(2 pi)).

    numpy's eigenvalue-based nodes are only the starting points: each is refined by Newton's method on the
    Hermite polynomial in 50-digit decimal arithmetic and then rounded once, so the nodes are the same bits on
    every machine. Weight_k = n! sqrt(2 pi) / (n He_{n-1}(t_k))^2.
    """
    if n_agq < 1:
        raise ValueError("n_agq must be at least 1")
    start, _ = np.polynomial.hermite_e.hermegauss(n_agq)
    with localcontext() as ctx:
        ctx.prec = 50

        def he(n: int, t: Decimal) -> tuple[Decimal, Decimal]:  # He_n(t), He_{n-1}(t)
            prev, cur = Decimal(1), t
            if n == 0:
                return prev, Decimal(0)
            for k in range(1, n):
                prev, cur = cur, t * cur - k * prev
            return cur, prev

        nodes, weights = [], []
        fact = Decimal(math.factorial(n_agq))
        root2pi = (2 * Decimal(_PI_50)).sqrt()
        for s in start:
            t = Decimal(repr(round(float(s), 12)))
            for _ in range(100):
                p, q = he(n_agq, t)
                step = p / (n_agq * q)
                t -= step
                if abs(step) < Decimal("1e-45"):
                    break
            _, q = he(n_agq, t)
            nodes.append(float(t))
            weights.append(float(fact * root2pi / (n_agq * q) ** 2))
    return tuple(nodes), tuple(weights)


def _expit(e: float) -> float:
    if e >= 0:
        return 1.0 / (1.0 + math.exp(-e))
    z = math.exp(e)
    return z / (1.0 + z)


def _log_expit(e: float) -> float:
    return -math.log1p(math.exp(-e)) if e >= 0 else e - math.log1p(math.exp(e))


def _mode(mu: float, tau: float, x: float, n: float) -> tuple[float, float]:
    """Mode of one study's integrand in u and the curvature -f''(mode) (>= 1: the integrand is log-concave).

    The score ``tau (x - n p) - u`` is decreasing in u and changes sign in ``[tau (x - n), tau x]``:
    Newton steps safeguarded by bisection inside that bracket. Newton's method can fall into a cycle between the
    two ends of the bracket, where p is near 0 or 1 and the step overshoots each way (all events in a small
    study at a low pooled logit, say); if it has not converged after 200 steps, bisection alone finishes in the
    bracket it reached, which still holds the mode.
    """
    if tau == 0.0:
        return 0.0, 1.0
    lo, hi = tau * (x - n), tau * x
    u = min(max(0.0, lo), hi)
    for _ in range(200):
        p = _expit(mu + tau * u)
        grad = tau * (x - n * p) - u
        if grad == 0.0:
            break
        if grad > 0:
            lo = u
        else:
            hi = u
        new = u + grad / (tau * tau * n * p * (1.0 - p) + 1.0)
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        done = abs(new - u) <= 1e-15 * (1.0 + abs(u))
        u = new
        if done:
            break
    else:
        u = _bisect_score(mu, tau, x, n, lo, hi)
    p = _expit(mu + tau * u)
    return u, tau * tau * n * p * (1.0 - p) + 1.0


def _bisect_score(mu: float, tau: float, x: float, n: float, lo: float, hi: float) -> float:
    """The root of the decreasing score ``tau (x - n p) - u`` in ``[lo, hi]`` by bisection, to the last bit: it
    stops when the midpoint is an end of the bracket (at most about 2,100 halvings of a float interval)."""
    u = 0.5 * (lo + hi)
    while lo < u < hi:
        grad = tau * (x - n * _expit(mu + tau * u)) - u
        if grad == 0.0:
            break
        if grad > 0:
            lo = u
        else:
            hi = u
        u = 0.5 * (lo + hi)
    return u


def _loglik(mu: float, tau: float, x: tuple[float, ...], n: tuple[float, ...], n_agq: int) -> float:
    """Log-likelihood without the binomial coefficients (scalar, fixed order).

    The hot loop of every fit: each study's mode (:func:`_mode`), then the log of the integrand at
    ``u = u0 + s t_k`` plus ``t_k^2 / 2`` at every node, each ``log1p(exp(-|eta|))`` computed once."""
    t, w = _nodes(n_agq)
    tau = abs(tau)
    parts = []
    log1p, exp, log, sqrt, fsum = math.log1p, math.exp, math.log, math.sqrt, math.fsum
    for xi, ni in zip(x, n):
        nx = ni - xi
        u0, h = _mode(mu, tau, xi, ni)
        s = 1.0 / sqrt(h)
        f = []
        for tk in t:
            u = u0 + s * tk
            eta = mu + tau * u
            if eta >= 0:
                a = log1p(exp(-eta))
                f.append(xi * -a + nx * (-eta - a) - 0.5 * u * u + 0.5 * tk * tk)
            else:
                a = log1p(exp(eta))
                f.append(xi * (eta - a) + nx * -a - 0.5 * u * u + 0.5 * tk * tk)
        m = max(f)
        parts.append(m + log(fsum([wk * exp(fk - m) for wk, fk in zip(w, f)])) + log(s) - _HALF_LN_2PI)
    return fsum(parts)


def _log_binomial_coefficients(x, n) -> float:
    return math.fsum(math.lgamma(ni + 1) - math.lgamma(xi + 1) - math.lgamma(ni - xi + 1) for xi, ni in zip(x, n))


def _as_counts(x, n) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return tuple(float(v) for v in np.asarray(x, float).ravel()), tuple(float(v) for v in np.asarray(n, float).ravel())


def glmm_loglik(mu: float, tau: float, x, n, n_agq: int = 7) -> float:
    """Log-likelihood of the binomial–normal model at (mu, tau) by adaptive Gauss–Hermite quadrature."""
    xs, ns = _as_counts(x, n)
    return _loglik(float(mu), float(tau), xs, ns, n_agq) + _log_binomial_coefficients(xs, ns)


def _derivative(f, z: float, h: float) -> float:
    """First derivative by central differences with Richardson extrapolation (error O(h^4))."""
    d1 = (f(z + h) - f(z - h)) / (2.0 * h)
    d2 = (f(z + h / 2) - f(z - h / 2)) / h
    return (4.0 * d2 - d1) / 3.0


def _best_mu(tau: float, x, n, n_agq: int, start: float) -> tuple[float, float]:
    """Maximiser over mu of the log-likelihood at fixed tau: Newton's method on the score (Richardson
    differences, step 1e-3), safeguarded by step halving; the likelihood is log-concave in mu."""
    def ll(m: float) -> float:
        return _loglik(m, tau, x, n, n_agq)

    m, cur = start, ll(start)
    h = 1e-3
    for _ in range(60):
        # the score (Richardson, as _derivative) and the curvature share ll(m ± h): each is evaluated once
        fp, fm = ll(m + h), ll(m - h)
        g = (4.0 * ((ll(m + h / 2) - ll(m - h / 2)) / h) - (fp - fm) / (2.0 * h)) / 3.0
        c = (fp - 2.0 * cur + fm) / (h * h)
        if not c < 0:
            break
        step = max(-2.0, min(2.0, -g / c))
        if abs(step) <= 1e-9 * (1.0 + abs(m)):
            m += step  # one more Newton step: the error is now of the order of the score's rounding noise
            return m, ll(m)
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
    events. A fit is determined by its counts: the same counts (in the same order) return the same fit object,
    computed once per process (the literature analyses pool the same studies under several headings).
    """
    return _fit(*_as_counts(x, n), n_agq)


@lru_cache(maxsize=512)
def _fit(xs: tuple[float, ...], ns: tuple[float, ...], n_agq: int) -> GLMMFit:
    if len(xs) < 2:
        raise ValueError("the binomial–normal model needs at least 2 studies")
    if all(a == 0 for a in xs) or all(a == b for a, b in zip(xs, ns)):
        raise NoFiniteMaximum("every study has 0 events (or every study has all events): the binomial–normal "
                              "likelihood has no finite maximum")
    sx, sn = math.fsum(xs), math.fsum(ns)
    pooled = math.log((sx + 0.5) / (sn - sx + 0.5))

    cache: dict[float, tuple[float, float]] = {}

    def best(tau: float) -> tuple[float, float]:
        tau = abs(float(tau))
        if tau not in cache:
            near = min(cache, key=lambda t: (abs(t - tau), t)) if cache else None
            start = cache[near][0] if near is not None else pooled
            cache[tau] = _best_mu(tau, xs, ns, n_agq, start)
        return cache[tau]

    def profile(tau: float) -> float:
        return best(tau)[1]

    grid = [0.0] + [0.02 * (250.0 ** (i / 11)) for i in range(12)]  # 0, then 0.02 ... 5 geometrically
    vals = [profile(t) for t in grid]
    while max(range(len(vals)), key=lambda i: (vals[i], -i)) == len(grid) - 1:
        if grid[-1] > 1e3:
            raise NoFiniteMaximum("the between-study variance of the binomial–normal model diverges "
                                  "(studies at 0% and at 100% only)")
        grid.append(grid[-1] * 1.5)
        vals.append(profile(grid[-1]))
    j = max(range(len(vals)), key=lambda i: (vals[i], -i))
    lo = grid[j - 1] if j > 0 else 0.0
    hi = grid[j + 1]
    res = optimize.minimize_scalar(lambda t: -profile(t), bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-7})
    tau = float(res.x)
    if profile(0.0) >= profile(tau) - 1e-12 or tau < 1e-7:
        tau = 0.0
    else:
        tau = _polish_tau(profile, tau, lo, hi)
    mu, ll = best(tau)
    se = _se_mu(mu, tau, xs, ns, n_agq)
    return GLMMFit(mu=mu, se=se, tau2=tau * tau, loglik=ll + _log_binomial_coefficients(xs, ns), n_agq=n_agq,
                   boundary=tau == 0.0)


def _polish_tau(profile, tau: float, lo: float, hi: float) -> float:
    """Refine the maximiser of the profile likelihood as the root of its derivative (Richardson differences),
    bracketed around Brent's estimate; keeps ``tau`` when no sign change is found (a flat profile)."""
    h = min(1e-3, tau / 4.0)

    def slope(t: float) -> float:
        return _derivative(profile, t, h)

    width = 1e-6 * max(1.0, tau)
    while width < tau:
        a, b = max(tau - width, lo, 2 * h), min(tau + width, hi) if hi > tau else tau + width
        sa, sb = slope(a), slope(b)
        if sa > 0 > sb:
            return float(optimize.brentq(slope, a, b, xtol=1e-15, rtol=1e-14, maxiter=200))
        width *= 10.0
    return tau


def _se_mu(mu: float, tau: float, x, n, n_agq: int) -> float:
    """SE of mu from the observed information of (tau, mu): second differences with Richardson
    extrapolation (steps 1e-2 and 5e-3; lme4 takes the same information numerically)."""
    def nll(t: float, m: float) -> float:
        return -_loglik(m, t, x, n, n_agq)

    f0 = nll(tau, mu)

    def d2_mu(h: float) -> float:
        return (nll(tau, mu + h) - 2 * f0 + nll(tau, mu - h)) / (h * h)

    def d2_tau(h: float) -> float:
        return (nll(tau + h, mu) - 2 * f0 + nll(tau - h, mu)) / (h * h)

    def d2_mix(h: float) -> float:
        return (nll(tau + h, mu + h) - nll(tau + h, mu - h) - nll(tau - h, mu + h) + nll(tau - h, mu - h)) \
            / (4 * h * h)

    def richardson(d, h: float = 1e-2) -> float:
        return (4.0 * d(h / 2) - d(h)) / 3.0

    hmm = richardson(d2_mu)
    if tau == 0.0:
        return 1.0 / math.sqrt(hmm)
    htt = richardson(d2_tau)
    htm = richardson(d2_mix)
    det = htt * hmm - htm * htm
    if not (htt > 0 and det > 0):
        return 1.0 / math.sqrt(hmm)
    return math.sqrt(htt / det)
