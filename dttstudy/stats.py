"""Small statistical building blocks: binomial and Poisson CIs, the Wilcoxon signed-rank test, formatting."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import stats as _st

CI_METHODS = {"clopper-pearson": "Clopper–Pearson exact", "wilson": "Wilson score"}


def binomial_ci(k: int, n: int, method: str = "clopper-pearson", level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for a proportion k/n (as fractions, 0–1).

    ``clopper-pearson`` (default): exact, from beta quantiles; lower bound 0 when k = 0 and upper bound 1 when
    k = n. ``wilson``: Wilson score interval. Never the Wald interval. ``n = 0`` gives (nan, nan).
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    alpha = 1 - level
    if method == "clopper-pearson":
        lo = 0.0 if k == 0 else float(_st.beta.ppf(alpha / 2, k, n - k + 1))
        hi = 1.0 if k == n else float(_st.beta.ppf(1 - alpha / 2, k + 1, n - k))
        return lo, hi
    if method == "wilson":
        z = float(_st.norm.ppf(1 - alpha / 2))
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        return max(0.0, centre - half), min(1.0, centre + half)
    raise ValueError(f"unknown CI method {method!r}; use one of {sorted(CI_METHODS)}")


def poisson_rate_ci(events: int, exposure: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood, chi-square based) CI for a Poisson rate events/exposure."""
    if exposure <= 0:
        return (math.nan, math.nan)
    alpha = 1 - level
    lo = 0.0 if events == 0 else float(_st.chi2.ppf(alpha / 2, 2 * events)) / 2
    hi = float(_st.chi2.ppf(1 - alpha / 2, 2 * events + 2)) / 2
    return lo / exposure, hi / exposure


def wilcoxon_signed_rank(before, after) -> tuple[float, float, str]:
    """Paired Wilcoxon signed-rank test of after − before; returns (statistic, two-sided p, method name).

    The exact null distribution is used when there are no zero differences and no tied absolute differences
    and n ≤ 25; otherwise the normal approximation (with zeros dropped, Wilcoxon's convention, and a tie
    correction). Fewer than one non-zero difference gives p = nan.
    """
    x = np.asarray(before, dtype=float)
    y = np.asarray(after, dtype=float)
    d = y - x
    d = d[~np.isnan(d)]
    nz = d[d != 0]
    if len(nz) == 0:
        return (math.nan, math.nan, "Wilcoxon signed-rank")
    ties = len(np.unique(np.abs(nz))) < len(nz)
    if len(nz) == len(d) and not ties and len(d) <= 25:
        res = _st.wilcoxon(d, method="exact")
        return float(res.statistic), float(res.pvalue), "Wilcoxon signed-rank, exact"
    res = _st.wilcoxon(d, zero_method="wilcox", correction=False, method="approx")
    return float(res.statistic), float(res.pvalue), "Wilcoxon signed-rank, normal approximation"


def round_half_up(x: float, places: int) -> float:
    """Round as people do (2.345 -> 2.35), not banker's rounding."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return math.nan
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


def format_p(p: float) -> str:
    """Journal style: '<0.001', otherwise three decimals; '—' when not computable."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "<0.001" if p < 0.001 else f"{round_half_up(p, 3):.3f}"
