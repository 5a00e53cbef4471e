"""Between-study heterogeneity for inverse-variance meta-analysis: tau^2 estimators, I^2, Q-profile CI.

All functions take transformed study estimates ``y`` and their within-study variances ``v`` (for single
proportions: logits with the continuity rule of :mod:`dttstudy.synthesis.meta`).

* tau^2 estimators, always truncated at 0: ``"REML"`` (global maximiser of the restricted likelihood),
  ``"DL"`` (DerSimonian–Laird), ``"PM"`` (Paule–Mandel, root of the generalised Q equation).
* I^2 is computed from tau^2 as R metafor does for every model,
  ``I^2 = 100 * tau^2 / (tau^2 + s^2)`` with the *typical within-study variance*
  ``s^2 = (k - 1) / (sum w - sum w^2 / sum w)``, ``w = 1 / v`` (Higgins & Thompson 2002). For DL this equals
  the familiar ``max(0, (Q - df) / Q)``; for REML and PM it is consistent with the tau^2 actually used, so a
  REML tau^2 of 0 always comes with I^2 = 0.
* The Q-profile confidence interval for tau^2 (Viechtbauer 2007), as ``confint(rma(...))`` in metafor: the
  limits solve ``Q(tau^2) = chi^2_{k-1}`` quantiles ``1 - a/2`` (lower limit) and ``a/2`` (upper limit), with the
  generalised ``Q(tau^2) = sum (y - mu(tau^2))^2 / (v + tau^2)``; a limit is 0 when ``Q(0)`` is already below
  its quantile. Unlike metafor no upper search limit (metafor's ``tau2.max = 100``) is imposed.

Arithmetic: every sum is ``math.fsum`` over Python floats (exactly rounded, independent of order and of the
CPU's SIMD kernels), so the estimates are the same bits on every machine (see :mod:`dttstudy.precision`).

References: Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med 2002;21:1539-58.
Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med 2007;26:37-52.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

__all__ = ["TAU2_METHODS", "q_statistic", "tau2_estimate", "typical_within_variance", "i2_from_tau2",
           "q_profile_ci"]

#: Supported tau^2 estimators for the inverse-variance model.
TAU2_METHODS = ("REML", "DL", "PM")


def _floats(a) -> list[float]:
    return [float(t) for t in np.asarray(a, float).ravel()]


def _weighted_mean(w: list[float], y: list[float]) -> float:
    return math.fsum(a * b for a, b in zip(w, y)) / math.fsum(w)


def _sample_variance(y: list[float]) -> float:
    m = math.fsum(y) / len(y)
    return math.fsum((t - m) ** 2 for t in y) / (len(y) - 1)


def q_statistic(y, v, tau2: float = 0.0) -> float:
    """Generalised Cochran's Q: ``sum w (y - mu)^2`` with ``w = 1/(v + tau2)``; tau2 = 0 gives Cochran's Q."""
    y, v = _floats(y), _floats(v)
    w = [1.0 / (t + tau2) for t in v]
    mu = _weighted_mean(w, y)
    return math.fsum(a * (b - mu) ** 2 for a, b in zip(w, y))


def _tau2_dl(y: list[float], v: list[float]) -> float:
    w = [1.0 / t for t in v]
    q = q_statistic(y, v)
    sw = math.fsum(w)
    c = sw - math.fsum(t * t for t in w) / sw
    if c <= 0:
        return 0.0
    return max(0.0, (q - (len(y) - 1)) / c)


def _upper_bracket(f, y: list[float], v: list[float]) -> float:
    hi = max(_sample_variance(y), max(v), 1e-8)
    while f(hi) > 0:
        hi *= 2.0
    return hi


def _solve_q(y: list[float], v: list[float], target: float) -> float:
    """tau2 >= 0 with generalised Q(tau2) = target (Q is strictly decreasing); 0 if Q(0) <= target."""
    def f(t2: float) -> float:
        return q_statistic(y, v, t2) - target

    if f(0.0) <= 0:
        return 0.0
    return float(optimize.brentq(f, 0.0, _upper_bracket(f, y, v), xtol=1e-15, rtol=1e-14, maxiter=500))


def _tau2_pm(y: list[float], v: list[float]) -> float:
    return _solve_q(y, v, len(y) - 1)


def _reml_loglik(tau2: float, y: list[float], v: list[float]) -> float:
    """Restricted log-likelihood (up to a constant)."""
    w = [1.0 / (t + tau2) for t in v]
    sw = math.fsum(w)
    mu = _weighted_mean(w, y)
    return -0.5 * math.fsum([math.fsum(math.log(t + tau2) for t in v), math.log(sw),
                             math.fsum(a * (b - mu) ** 2 for a, b in zip(w, y))])


def _reml_score(tau2: float, y: list[float], v: list[float]) -> float:
    """Derivative of the restricted log-likelihood with respect to tau2."""
    w = [1.0 / (t + tau2) for t in v]
    sw = math.fsum(w)
    mu = _weighted_mean(w, y)
    w2 = [t * t for t in w]
    return 0.5 * math.fsum([math.fsum(a * (b - mu) ** 2 for a, b in zip(w2, y)), -sw, math.fsum(w2) / sw])


def _tau2_reml(y: list[float], v: list[float]) -> float:
    """REML estimate of tau2: global maximiser of the restricted likelihood on [0, inf).

    Every local maximum is bracketed by a sign change (+ to -) of the score on a grid and refined with
    Brent's method; the boundary tau2 = 0 is a candidate when the score there is <= 0.
    """
    if len(y) < 2:
        return 0.0
    hi = max(_sample_variance(y), max(v), 1e-8) * 4.0
    while _reml_score(hi, y, v) >= 0 or _reml_score(2.0 * hi, y, v) >= 0:
        hi *= 2.0
    hi *= 2.0
    grid = [0.0] + [hi * 1e-10 * 10.0 ** (10.0 * i / 399) for i in range(400)]  # geometric, 1e-10 hi .. hi
    scores = [_reml_score(t, y, v) for t in grid]
    candidates: list[float] = []
    if scores[0] <= 0:
        candidates.append(0.0)
    for j in range(len(grid) - 1):
        if scores[j] > 0 and scores[j + 1] <= 0:
            if scores[j + 1] == 0:
                candidates.append(grid[j + 1])
            else:
                candidates.append(float(optimize.brentq(_reml_score, grid[j], grid[j + 1], args=(y, v),
                                                        xtol=1e-15, rtol=1e-14, maxiter=500)))
    if not candidates:
        candidates.append(0.0)
    return max(0.0, max(candidates, key=lambda t: _reml_loglik(t, y, v)))


_TAU2 = {"REML": _tau2_reml, "DL": _tau2_dl, "PM": _tau2_pm}


def tau2_estimate(y, v, method: str = "REML") -> float:
    """Between-study variance by ``method`` (``"REML"``, ``"DL"`` or ``"PM"``), truncated at 0; 0 for k = 1."""
    y, v = _floats(y), _floats(v)
    if len(y) < 2:
        return 0.0
    return float(max(0.0, _TAU2[method](y, v)))


def typical_within_variance(v) -> float:
    """Higgins–Thompson typical within-study variance ``(k-1) / (sum w - sum w^2 / sum w)``, ``w = 1/v``.

    NaN for k = 1 (not defined).
    """
    w = [1.0 / t for t in _floats(v)]
    if len(w) < 2:
        return float("nan")
    sw = math.fsum(w)
    return (len(w) - 1) / (sw - math.fsum(t * t for t in w) / sw)


def i2_from_tau2(tau2: float, v) -> float:
    """I^2 in percent from tau^2 and the typical within-study variance (metafor's definition); 0 for k = 1."""
    s2 = typical_within_variance(v)
    if not math.isfinite(s2) or tau2 <= 0:
        return 0.0
    return float(100.0 * tau2 / (tau2 + s2))


def q_profile_ci(y, v, level: float = 0.95) -> tuple[float, float]:
    """Q-profile confidence interval ``(lower, upper)`` for tau^2 (see the module docstring); NaNs for k = 1."""
    y, v = _floats(y), _floats(v)
    k = len(y)
    if k < 2:
        return float("nan"), float("nan")
    alpha = 1.0 - level
    lower = _solve_q(y, v, float(stats.chi2.ppf(1.0 - alpha / 2.0, k - 1)))
    upper = _solve_q(y, v, float(stats.chi2.ppf(alpha / 2.0, k - 1)))
    return lower, upper
