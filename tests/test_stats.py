"""Confidence intervals and the Wilcoxon test against closed forms and hand counts."""
from __future__ import annotations

import math

import pytest
from scipy import stats

from dttstudy.stats import binomial_ci, format_p, poisson_rate_ci, round_half_up, wilcoxon_signed_rank


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


def test_wilcoxon_no_change():
    stat, p, _ = wilcoxon_signed_rank([1, 2], [1, 2])
    assert math.isnan(p)


@pytest.mark.parametrize("x,places,expected", [(2.345, 2, 2.35), (88.235294, 2, 88.24), (0.5, 0, 1.0),
                                               (1.435, 3, 1.435)])
def test_round_half_up(x, places, expected):
    assert round_half_up(x, places) == expected


@pytest.mark.parametrize("p,text", [(0.0004, "<0.001"), (0.0123, "0.012"), (1.0, "1.000"),
                                    (float("nan"), "—")])
def test_format_p(p, text):
    assert format_p(p) == text
