"""Confidence intervals, rank tests and exact contingency tests against closed forms, hand counts and R."""
from __future__ import annotations

import itertools
import math
import shutil
import subprocess

import numpy as np
import pytest
from scipy import stats

from dttstudy.analysis.stats import (binomial_ci, contingency_test, fisher_exact_rxc, fisher_monte_carlo, format_p,
                            mann_whitney, poisson_rate_ci, round_half_up, wilcoxon_signed_rank)

from enumeration import fisher_by_enumeration

needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")


def rscript(code: str) -> list[float]:
    """Run R code that cat()s numbers separated by spaces; return them."""
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True, timeout=120)
    return [float(x) for x in out.stdout.split()]


def test_clopper_pearson_zero_and_all_events_closed_form():
    # k = 0: upper bound solves (1 - p)^n = alpha/2; k = n: lower bound solves p^n = alpha/2
    assert binomial_ci(0, 18) == (0.0, pytest.approx(1 - 0.025 ** (1 / 18), abs=1e-12))
    lo, hi = binomial_ci(18, 18)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 18), abs=1e-12)


def test_clopper_pearson_15_of_17_by_its_defining_tail_probabilities():
    lo, hi = binomial_ci(15, 17)
    # P(X >= 15 | lo) = 0.025 and P(X <= 15 | hi) = 0.025
    assert stats.binom.sf(14, 17, lo) == pytest.approx(0.025, abs=1e-10)
    assert stats.binom.cdf(15, 17, hi) == pytest.approx(0.025, abs=1e-10)
    assert (round(100 * lo, 1), round(100 * hi, 1)) == (63.6, 98.5)


def test_wilson_by_hand():
    k, n, z = 15, 17, stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert binomial_ci(k, n, "wilson") == (pytest.approx(centre - half), pytest.approx(centre + half))


def test_ci_edge_cases():
    assert all(math.isnan(x) for x in binomial_ci(0, 0))
    with pytest.raises(ValueError):
        binomial_ci(3, 2)
    with pytest.raises(ValueError):
        binomial_ci(1, 2, "wald")


def test_poisson_zero_events_closed_form():
    lo, hi = poisson_rate_ci(0, 10.0)
    assert lo == 0.0 and hi == pytest.approx(-math.log(0.025) / 10.0, rel=1e-9)


def test_poisson_by_chi_square_relation():
    lo, hi = poisson_rate_ci(4, 2.0)
    # Garwood: the Poisson tail at the bounds is 0.025
    assert stats.poisson.sf(3, lo * 2.0) == pytest.approx(0.025, abs=1e-9)
    assert stats.poisson.cdf(4, hi * 2.0) == pytest.approx(0.025, abs=1e-9)


def test_wilcoxon_exact_hand_counted():
    # differences 1, 2, -3, 4, 5: W- = 3; subsets of {1..5} with rank sum <= 3: {}, {1}, {2}, {3}, {1,2}
    # -> P(W <= 3) = 5/32, two-sided p = 10/32
    before = [10, 10, 10, 10, 10]
    after = [11, 12, 7, 14, 15]
    stat, p, name = wilcoxon_signed_rank(before, after)
    assert stat == 3 and p == pytest.approx(10 / 32) and name.endswith("exact")


def test_wilcoxon_all_one_direction_n4():
    stat, p, _ = wilcoxon_signed_rank([5, 6, 7, 8], [1, 1, 1, 1])
    assert stat == 0 and p == pytest.approx(2 / 16)


def test_wilcoxon_ties_use_the_normal_approximation():
    _, p, name = wilcoxon_signed_rank([1, 1, 1, 1, 1], [2, 2, 0, 3, 4])
    assert "normal approximation" in name and 0 < p < 1


def test_wilcoxon_ties_and_zero_normal_approximation_by_hand_and_r():
    # differences 1, 1, -1, 2, 3, 0: zero dropped -> n = 5; |d| ranks 2, 2, 2, 4, 5; V = W+ = 13, W- = 2
    # mean n(n+1)/4 = 7.5; var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48 = 13.75 - 24/48 = 13.25
    # continuity-corrected z = (13 - 7.5 - 0.5)/sqrt(13.25)
    # R: wilcox.test(c(2,2,0,3,4,1), rep(1,6), paired=TRUE)$p.value -> 0.1695641452
    stat, p, name = wilcoxon_signed_rank([1] * 6, [2, 2, 0, 3, 4, 1])
    z = (13 - 7.5 - 0.5) / math.sqrt(13.25)
    assert p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    assert p == pytest.approx(0.1695641452, abs=1e-9)
    assert stat == 2 and name == "Wilcoxon signed-rank, normal approximation with continuity correction"


def test_wilcoxon_exact_below_50_like_r():
    # n = 10, no ties: exact. R: wilcox.test(c(0.5,-1.2,2.3,3.1,-0.4,4.4,5.6,6.1,7.7,-8.2), rep(0,10),
    #   paired=TRUE)$p.value -> 0.1933593750 (= 198/1024)
    d = [0.5, -1.2, 2.3, 3.1, -0.4, 4.4, 5.6, 6.1, 7.7, -8.2]
    _, p, name = wilcoxon_signed_rank(np.zeros(10), d)
    assert p == pytest.approx(198 / 1024, abs=1e-12) and name == "Wilcoxon signed-rank, exact"


def test_wilcoxon_n50_and_above_uses_the_approximation_like_r():
    # 60 distinct differences 1..60, every third negative: W- = 3 * (1 + ... + 20) = 630, W+ = 1830 - 630 = 1200
    # R: d <- (1:60) * ifelse((1:60) %% 3 == 0, -1, 1); wilcox.test(d, rep(0, 60), paired=TRUE)$p.value
    #   -> 0.0362264942
    d = np.array([i * (-1 if i % 3 == 0 else 1) for i in range(1, 61)], float)
    stat, p, name = wilcoxon_signed_rank(np.zeros(60), d)
    z = (abs(1200 - 60 * 61 / 4) - 0.5) / math.sqrt(60 * 61 * 121 / 24)
    assert stat == 630 and p == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)
    assert p == pytest.approx(0.0362264942, abs=1e-9) and "normal approximation" in name


def test_mann_whitney_exact_without_ties_by_enumeration():
    # x ranks among the 11 values: 1, 2, 4, 6, 7 -> rank sum 20, U_x = 20 - 15 = 5. Exact two-sided p =
    # 2 P(U <= 5) over the C(11, 5) = 462 equally likely rank sets.
    # R: wilcox.test(c(1.1,2.2,3.3,4.4,5.5), c(6.1,2.5,7.2,8.3,9.4,3.9))$p.value -> 0.0822510823
    x, y = [1.1, 2.2, 3.3, 4.4, 5.5], [6.1, 2.5, 7.2, 8.3, 9.4, 3.9]
    u, p, name = mann_whitney(x, y)
    le = sum(1 for c in itertools.combinations(range(1, 12), 5) if sum(c) - 15 <= 5)
    assert u == 5 and p == pytest.approx(2 * le / math.comb(11, 5), abs=1e-12)
    assert p == pytest.approx(0.0822510823, abs=1e-9) and name == "Mann–Whitney U, exact"


def test_mann_whitney_ties_use_the_corrected_normal_approximation():
    # R: wilcox.test(c(1,2,2,3,5), c(3,4,4,6,7,8))$p.value -> 0.0431607793 (with a ties warning)
    u, p, name = mann_whitney([1, 2, 2, 3, 5], [3, 4, 4, 6, 7, 8])
    # by hand: U_x = 3.5; ties (2,2), (3,3), (4,4): sum(t^3 - t) = 18; n = 11
    sigma = math.sqrt(30 / 12 * (12 - 18 / 110))
    assert u == 3.5 and p == pytest.approx(2 * stats.norm.sf((15 - 3.5 - 0.5) / sigma), rel=1e-12)
    assert p == pytest.approx(0.0431607793, abs=1e-9)
    assert name == "Mann–Whitney U, normal approximation with continuity correction"


def test_fisher_rxc_by_hand():
    # margins rows (3, 3), columns (2, 2, 2): a first row (a, b, c) has probability C(2,a)C(2,b)C(2,c)/C(6,3).
    # The six permutations of (2, 1, 0) have 2/20 each, (1, 1, 1) has 8/20; the observed (2, 0, 1) has 2/20,
    # so p = 6 * 2/20 = 0.6. R: fisher.test(matrix(c(2,0,1, 0,2,1), nrow=2, byrow=TRUE))$p.value -> 0.6
    assert fisher_exact_rxc([[2, 0, 1], [0, 2, 1]]) == pytest.approx(0.6, abs=1e-12)


@pytest.mark.parametrize("table,r_value", [
    # R: fisher.test(matrix(c(3,1,0, 1,2,4), nrow=2, byrow=TRUE))$p.value -> 0.103030303
    ([[3, 1, 0], [1, 2, 4]], 0.103030303),
    # the reference cohort's regimen × disease table (Table 1): R fisher.test -> 0.0007312948489;
    # chisq.test(correct=FALSE) on the same table gives 0.009154525471
    ([[0, 1], [0, 2], [2, 1], [5, 0], [0, 6], [1, 0]], 0.0007312948489),
    # abdominal surgery none/ileal/ileocolonic × UC/CD: R fisher.test -> 0.007792860734
    ([[8, 3], [0, 3], [0, 4]], 0.007792860734),
    # prior-therapy groups: R fisher.test -> 0.7647058824
    ([[6, 8], [1, 2], [1, 0]], 0.7647058824),
])
def test_fisher_rxc_against_enumeration_and_r(table, r_value):
    p = fisher_exact_rxc(table)
    assert p == pytest.approx(fisher_by_enumeration(table), rel=1e-9)
    assert p == pytest.approx(r_value, rel=1e-8)


def test_fisher_rxc_zero_margins_and_degenerate_tables():
    assert fisher_exact_rxc([[2, 0, 1], [0, 0, 0], [0, 2, 1]]) == pytest.approx(0.6, abs=1e-12)
    assert fisher_exact_rxc([[3, 4]]) == 1.0
    with pytest.raises(ValueError, match="max_tables"):
        fisher_exact_rxc([[3, 1, 0], [1, 2, 4]], max_tables=3)


def test_contingency_test_rule():
    # 2 x 2: always Fisher; r x c with an expected count < 5: exact; all expected >= 5: Pearson chi-square
    assert contingency_test([[3, 1], [1, 3]])[1] == "Fisher's exact test"
    assert contingency_test([[2, 0, 1], [0, 2, 1]]) == (pytest.approx(0.6), "Fisher's exact test (Freeman–Halton)")
    big = [[20, 10], [10, 20], [15, 15]]
    p, name = contingency_test(big)
    assert name == "Pearson's chi-square test"
    # closed form: expected 15 in every cell -> X2 = 4 * 25 / 15 = 20/3 on 2 df, p = exp(-X2 / 2)
    assert p == pytest.approx(math.exp(-(20 / 3) / 2), rel=1e-12)
    assert contingency_test(big, rule="fisher")[1] == "Fisher's exact test (Freeman–Halton)"
    assert math.isnan(contingency_test([[3, 0], [4, 0]])[0])


def test_contingency_test_monte_carlo_fallback_is_named_and_repeatable():
    t = [[3, 1, 0], [1, 2, 4]]
    a = contingency_test(t, max_tables=3, monte_carlo_tables=20_000)
    assert a == contingency_test(t, max_tables=3, monte_carlo_tables=20_000)
    assert "Monte Carlo, 20,000 tables" in a[1] and a[0] == pytest.approx(0.10303, abs=0.01)


def test_fisher_monte_carlo_close_to_the_exact_value_and_fine_for_large_cohorts():
    # exact p 0.103030303 (R fisher.test); with 20,000 tables the Monte Carlo SE is about 0.0022
    assert fisher_monte_carlo([[3, 1, 0], [1, 2, 4]], 20_000, seed=7) == pytest.approx(0.10303, abs=0.009)
    # a million patients with two rare categories: too many tables to enumerate; strong association -> the
    # smallest possible Monte Carlo p, 1 / (B + 1)
    big = [[300000, 200000], [200000, 299990], [2, 1], [3, 4]]
    p, name = contingency_test(big, monte_carlo_tables=2_000)
    assert p == pytest.approx(1 / 2001) and name.endswith("Monte Carlo, 2,000 tables)")


@needs_r
def test_rank_and_exact_tests_against_live_r():
    r = rscript("x <- c(1.1,2.2,3.3,4.4,5.5); y <- c(6.1,2.5,7.2,8.3,9.4,3.9); "
                "cat(sprintf('%.15g', c(wilcox.test(x, y)$p.value, suppressWarnings(wilcox.test(c(1,2,2,3,5), c(3,4,4,6,7,8)))$p.value,"
                " suppressWarnings(wilcox.test(c(2,2,0,3,4,1), rep(1,6), paired=TRUE))$p.value,"
                " fisher.test(matrix(c(0,1,0,2,2,1,5,0,0,6,1,0), ncol=2, byrow=TRUE))$p.value)))")
    assert mann_whitney([1.1, 2.2, 3.3, 4.4, 5.5], [6.1, 2.5, 7.2, 8.3, 9.4, 3.9])[1] == pytest.approx(r[0], rel=1e-9)
    assert mann_whitney([1, 2, 2, 3, 5], [3, 4, 4, 6, 7, 8])[1] == pytest.approx(r[1], rel=1e-9)
    assert wilcoxon_signed_rank([1] * 6, [2, 2, 0, 3, 4, 1])[1] == pytest.approx(r[2], rel=1e-9)
    assert fisher_exact_rxc([[0, 1], [0, 2], [2, 1], [5, 0], [0, 6], [1, 0]]) == pytest.approx(r[3], rel=1e-9)


def test_wilcoxon_no_change():
    stat, p, _ = wilcoxon_signed_rank([1, 2], [1, 2])
    assert math.isnan(p)


@pytest.mark.parametrize("x,places,expected", [(2.345, 2, 2.35), (88.235294, 2, 88.24), (0.5, 0, 1.0),
                                               (1.435, 3, 1.435), (2.5, 0, 3.0), (0.0125, 3, 0.013)])
def test_round_half_up(x, places, expected):
    assert round_half_up(x, places) == expected


def test_round_half_up_of_nothing_is_nan():
    assert math.isnan(round_half_up(float("nan"), 2)) and math.isnan(round_half_up(None, 2))


@pytest.mark.parametrize("p,text", [(0.0004, "<0.001"), (0.0123, "0.012"), (1.0, "1.000"), (float("nan"), "—"),
                                    (None, "—"), (0.001, "0.001"), (0.000999, "<0.001"), (0.0125, "0.013"),
                                    (0.0445, "0.045")])
def test_format_p(p, text):
    assert format_p(p) == text
