"""Small statistical building blocks: binomial and Poisson CIs, rank tests and exact contingency tests (with
R's defaults), formatting."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def _stats():
    """scipy.stats, imported on first use: the report's text and tables need only this module's rounding, and
    an up-to-date ``dttstudy reproduce`` returns without loading scipy."""
    from scipy import stats

    return stats


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
        lo = 0.0 if k == 0 else float(_stats().beta.ppf(alpha / 2, k, n - k + 1))
        hi = 1.0 if k == n else float(_stats().beta.ppf(1 - alpha / 2, k + 1, n - k))
        return lo, hi
    if method == "wilson":
        z = float(_stats().norm.ppf(1 - alpha / 2))
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
    lo = 0.0 if events == 0 else float(_stats().chi2.ppf(alpha / 2, 2 * events)) / 2
    hi = float(_stats().chi2.ppf(1 - alpha / 2, 2 * events + 2)) / 2
    return lo / exposure, hi / exposure


#: Below this many (non-zero, paired) observations R's ``wilcox.test`` computes exact p-values by default.
EXACT_RANK_MAX_N = 50


def wilcoxon_signed_rank(before, after) -> tuple[float, float, str]:
    """Paired Wilcoxon signed-rank test of after − before; returns (statistic, two-sided p, method name).

    Follows R's ``wilcox.test(after, before, paired = TRUE)`` default: zero differences are dropped (Wilcoxon's
    convention); with n < 50 remaining differences and neither zeros nor tied absolute differences the exact
    null distribution is used; otherwise the normal approximation with tie correction and continuity
    correction. The statistic is the smaller of the positive and negative rank sums (R reports V, the positive
    rank sum; the p-value is the same). Pairs with a missing value are dropped. No test is possible without a
    pair, or when every difference is zero: (nan, nan, "no test: …") with the reason.
    """
    x = np.asarray(before, dtype=float)
    y = np.asarray(after, dtype=float)
    d = y - x
    d = d[~np.isnan(d)]
    nz = d[d != 0]
    if len(d) == 0:
        return (math.nan, math.nan, "no test: no pair with both values")
    if len(nz) == 0:
        return (math.nan, math.nan, "no test: every difference is zero")
    ties = len(np.unique(np.abs(nz))) < len(nz)
    if len(nz) == len(d) and not ties and len(d) < EXACT_RANK_MAX_N:
        res = _stats().wilcoxon(d, method="exact")
        return float(res.statistic), float(res.pvalue), "Wilcoxon signed-rank, exact"
    res = _stats().wilcoxon(nz, correction=True, method="approx")
    return (float(res.statistic), float(res.pvalue),
            "Wilcoxon signed-rank, normal approximation with continuity correction")


def mann_whitney(x, y) -> tuple[float, float, str]:
    """Two-sided Mann–Whitney U (Wilcoxon rank-sum) test; returns (U of ``x``, p, method name).

    Follows R's ``wilcox.test(x, y)`` default: exact when both groups have fewer than 50 values and there are
    no ties; otherwise the normal approximation with tie correction and continuity correction. Missing values
    are dropped. No test is possible with an empty group or when every value is the same (R's ``wilcox.test``
    gives p = NaN there): (nan, nan, "no test: …") with the reason.
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return (math.nan, math.nan, "no test: a group without values")
    both = np.concatenate([a, b])
    if np.unique(both).size == 1:
        return (math.nan, math.nan, "no test: all values equal")
    ties = len(np.unique(both)) < len(both)
    if not ties and len(a) < EXACT_RANK_MAX_N and len(b) < EXACT_RANK_MAX_N:
        res = _stats().mannwhitneyu(a, b, alternative="two-sided", method="exact")
        return float(res.statistic), float(res.pvalue), "Mann–Whitney U, exact"
    res = _stats().mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
    return (float(res.statistic), float(res.pvalue),
            "Mann–Whitney U, normal approximation with continuity correction")


#: Relative tolerance for "as or less probable than the observed table" (R's ``fisher.test`` uses 1e-7).
FISHER_REL_TOL = 1e-7


def _log_factorial(k) -> float:
    return math.lgamma(k + 1)


def _count_vectors(total: int, caps: list[int]) -> int:
    """Number of integer vectors v with sum ``total`` and 0 <= v[k] <= caps[k] (= tables of an r × 2 table)."""
    ways = [1] + [0] * total
    for cap in caps:
        nxt = [0] * (total + 1)
        run = 0
        for s in range(total + 1):  # nxt[s] = sum of ways[s - cap .. s]
            run += ways[s]
            if s - cap - 1 >= 0:
                run -= ways[s - cap - 1]
            nxt[s] = run
        ways = nxt
    return ways[total]


def fisher_exact_rxc(table, max_tables: int = 2_000_000) -> float:
    """Fisher–Freeman–Halton exact test of independence for an r × c table; returns the two-sided p-value.

    Every table with the observed row and column totals is enumerated; the p-value is the total
    hypergeometric probability of the tables as probable as the observed one or less (relative tolerance
    :data:`FISHER_REL_TOL`, as R's ``fisher.test``). Deterministic (scipy's r × c ``fisher_exact`` samples
    tables at random). Rows or columns with a zero total are dropped; fewer than two rows or columns left
    gives p = 1. Raises ``ValueError`` when more than ``max_tables`` tables would have to be enumerated
    (an upper bound is checked before starting).
    """
    t = np.asarray(table, dtype=np.int64)
    if t.ndim != 2 or (t < 0).any():
        raise ValueError("table must be a two-dimensional table of non-negative counts")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    if t.shape[1] > t.shape[0]:
        t = t.T  # enumerate the shorter dimension's vectors
    t = t[:, np.argsort(t.sum(axis=0), kind="stable")]  # the largest column is the one implied by the others
    rows = [int(v) for v in t.sum(axis=1)]
    cols = [int(v) for v in t.sum(axis=0)]
    bound = _count_vectors(cols[0], rows) if len(cols) == 2 else math.prod(
        math.comb(c + len(rows) - 1, len(rows) - 1) for c in cols[:-1])
    if bound > max_tables:
        raise ValueError(f"exact test would enumerate up to {bound:,} tables (max_tables={max_tables:,})")
    n = sum(rows)
    const = sum(_log_factorial(v) for v in rows) + sum(_log_factorial(v) for v in cols) - _log_factorial(n)
    obs = const - sum(_log_factorial(int(v)) for v in t.ravel())
    threshold = obs + math.log1p(FISHER_REL_TOL)
    lf = [_log_factorial(k) for k in range(n + 1)]
    total = 0.0

    def compositions(total_, caps, i=0):
        """All vectors v with sum total_ and 0 <= v[k] <= caps[k] (from index i on)."""
        if i == len(caps) - 1:
            if total_ <= caps[i]:
                yield (total_,)
            return
        rest = sum(caps[i + 1:])
        for v in range(max(0, total_ - rest), min(caps[i], total_) + 1):
            for tail in compositions(total_ - v, caps, i + 1):
                yield (v,) + tail

    def walk(j, remaining, logp):
        nonlocal total
        if j == len(cols) - 1:  # last column = what is left of each row
            lp = logp - sum(lf[v] for v in remaining)
            if lp <= threshold:
                total += math.exp(lp)
            return
        for vec in compositions(cols[j], remaining):
            walk(j + 1, [a - b for a, b in zip(remaining, vec)], logp - sum(lf[v] for v in vec))

    walk(0, rows, const)
    return min(1.0, total)


def fisher_monte_carlo(table, tables: int = 10_000, seed: int = 20250101) -> float:
    """Monte Carlo p-value of the Fisher–Freeman–Halton test, as R's ``fisher.test(simulate.p.value = TRUE,
    B = tables)``: random tables with the observed margins (Patefield's algorithm, ``scipy.stats.random_table``,
    generator seeded with ``seed``), p = (1 + number as probable as the observed or less) / (tables + 1)."""
    from scipy.special import gammaln

    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 1.0
    dist = _stats().random_table(t.sum(axis=1), t.sum(axis=0), seed=np.random.default_rng(seed))
    obs = -gammaln(t + 1.0).sum()  # log-probability up to the margins' constant
    hits, done = 0, 0
    while done < tables:
        k = min(10_000, tables - done)
        sims = dist.rvs(size=k)
        hits += int((-gammaln(sims + 1.0).sum(axis=(1, 2)) <= obs + math.log1p(FISHER_REL_TOL)).sum())
        done += k
    return (1 + hits) / (tables + 1)


def contingency_test(table, rule: str = "auto", *, max_tables: int = 2_000_000, monte_carlo_tables: int = 10_000,
                     seed: int = 20250101) -> tuple[float, str]:
    """Test of independence for a table of counts; returns (p, test name).

    ``rule="auto"`` (default, gtsummary's rule): Fisher's exact test (Fisher–Freeman–Halton for tables larger
    than 2 × 2) when any expected count is below 5 or the table is 2 × 2; otherwise Pearson's chi-square test
    without continuity correction. ``rule="fisher"``: always the exact test. Rows and columns with a zero
    total are dropped first; fewer than two of either gives (nan, ''). When the exact test would have to
    enumerate more than ``max_tables`` tables (large cohorts with a rare category), its p-value is estimated
    from ``monte_carlo_tables`` random tables with a fixed ``seed`` (so reruns agree) and the name says so.
    """
    if rule not in ("auto", "fisher"):
        raise ValueError("rule must be 'auto' or 'fisher'")
    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        return math.nan, ""
    expected = np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()
    if t.shape == (2, 2):
        return float(_stats().fisher_exact(t)[1]), "Fisher's exact test"
    if rule == "fisher" or (expected < 5).any():
        try:
            return fisher_exact_rxc(t, max_tables), "Fisher's exact test (Freeman–Halton)"
        except ValueError:  # too many tables to enumerate: R's simulate.p.value analogue, fixed seed
            return (fisher_monte_carlo(t, monte_carlo_tables, seed),
                    f"Fisher's exact test (Freeman–Halton, Monte Carlo, {monte_carlo_tables:,} tables)")
    return float(_stats().chi2_contingency(t, correction=False)[1]), "Pearson's chi-square test"


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
