"""Small shared pieces of the pooling models: exact binomial intervals, percent weights, prediction limits."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .result import _NAN


def percent_weights(w: list[float]) -> tuple[float, ...]:
    """Weights as percentages of their (exactly rounded) sum."""
    total = math.fsum(w)
    return tuple(100.0 * t / total for t in w)


def logit_or_nan(p: float) -> float:
    return math.log(p / (1.0 - p)) if 0.0 < p < 1.0 else _NAN


def pi_limits(mu: float, se: float, tau2: float, k: int, pi_method: str, alpha: float,
              back) -> tuple[float | None, float | None, str]:
    """Prediction interval limits and the name of the quantile used."""
    if k < 2 or (pi_method == "t(k-2)" and k < 3):
        return None, None, pi_method
    crit = float(stats.norm.ppf(1.0 - alpha / 2.0)) if pi_method == "z" else \
        float(stats.t.ppf(1.0 - alpha / 2.0, k - 1 if pi_method == "t(k-1)" else k - 2))
    half = crit * math.sqrt(tau2 + se**2)
    return back(mu - half), back(mu + half), pi_method


def clopper_pearson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - level
    lo = np.zeros(x.size)
    hi = np.ones(x.size)
    pos = x > 0
    notall = x < n
    lo[pos] = stats.beta.ppf(alpha / 2.0, x[pos], n[pos] - x[pos] + 1)
    hi[notall] = stats.beta.ppf(1.0 - alpha / 2.0, x[notall] + 1, n[notall] - x[notall])
    return lo, hi
