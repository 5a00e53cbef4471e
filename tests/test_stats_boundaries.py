"""The statistics helpers at the edges of their rules, each expectation from a closed formula or a count by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dttstudy.analysis.stats import (EXACT_RANK_MAX_N, _count_vectors, binomial_ci, contingency_test,
                                     fisher_exact_rxc, mann_whitney, poisson_rate_ci, wilcoxon_signed_rank)

from enumeration import fisher_by_enumeration


@pytest.mark.parametrize("k,n", [(-1, 5), (6, 5), (0, -1)])
def test_binomial_ci_refuses_counts_outside_0_to_n(k, n):
    with pytest.raises(ValueError, match=rf"^need 0 <= k <= n, got k={k}, n={n}$"):
        binomial_ci(k, n)


def test_binomial_ci_names_the_methods_it_knows():
    with pytest.raises(ValueError, match=r"^unknown CI method 'exactish'; use one of \['clopper-pearson', 'wilson'\]$"):
        binomial_ci(1, 2, "exactish")


def test_poisson_rate_ci_without_exposure_is_not_computable():
    assert all(math.isnan(v) for v in poisson_rate_ci(0, 0.0))
    assert all(math.isnan(v) for v in poisson_rate_ci(2, 0.0))


def test_wilcoxon_with_one_pair_is_an_exact_test_of_p_1():
    # one non-zero difference: W+ is 0 or 1 with probability 1/2 each; two-sided p = 1
    assert wilcoxon_signed_rank([1.0], [2.0]) == (0.0, 1.0, "Wilcoxon signed-rank, exact")


def test_wilcoxon_exact_below_50_pairs_normal_from_50():
    # differences 1..n, all positive: W- = 0. Exact two-sided p = 2 / 2^n; at n = 50 the normal approximation
    # with continuity correction: z = (0 - n(n+1)/4 + 1/2) / sqrt(n(n+1)(2n+1)/24)
    n = EXACT_RANK_MAX_N - 1
    stat, p, name = wilcoxon_signed_rank(np.zeros(n), np.arange(1.0, n + 1))
    assert (stat, name) == (0.0, "Wilcoxon signed-rank, exact") and p == pytest.approx(2 / 2 ** n, rel=1e-9)
    n = EXACT_RANK_MAX_N
    stat, p, name = wilcoxon_signed_rank(np.zeros(n), np.arange(1.0, n + 1))
    z = (0 - n * (n + 1) / 4 + 0.5) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert name == "Wilcoxon signed-rank, normal approximation with continuity correction"
    assert p == pytest.approx(math.erfc(-z / math.sqrt(2)) if z > 0 else math.erfc(abs(z) / math.sqrt(2)),
                              rel=1e-9)


def test_mann_whitney_groups_of_one_and_empty():
    assert mann_whitney([], [1.0, 2.0])[2] == "no test: a group without values"
    assert mann_whitney([1.0, 2.0], [])[2] == "no test: a group without values"
    # one value against two larger ones: U = 0, exact two-sided p = 2 x 1/3
    assert mann_whitney([1.0], [2.0, 3.0]) == (0.0, pytest.approx(2 / 3), "Mann–Whitney U, exact")
    assert mann_whitney([1.0, 2.0], [3.0]) == (0.0, pytest.approx(2 / 3), "Mann–Whitney U, exact")


def test_mann_whitney_two_distinct_values_are_tested():
    stat, p, name = mann_whitney([1.0, 1.0], [2.0, 2.0])
    assert name == "Mann–Whitney U, normal approximation with continuity correction" and stat == 0.0
    assert mann_whitney([3.0, 3.0], [3.0])[2] == "no test: all values equal"


def test_mann_whitney_exact_for_groups_larger_than_eight():
    # complete separation of 9 and 9 values: U = 0, exact two-sided p = 2 / C(18, 9)
    stat, p, name = mann_whitney(np.arange(1.0, 10), np.arange(10.0, 19))
    assert (stat, name) == (0.0, "Mann–Whitney U, exact") and p == pytest.approx(2 / math.comb(18, 9), rel=1e-9)


@pytest.mark.parametrize("big", ["x", "y"])
def test_mann_whitney_a_group_of_50_takes_the_normal_approximation(big):
    a, b = np.arange(1.0, 51), np.arange(51.0, 56)
    x, y = (a, b) if big == "x" else (b, a)
    assert mann_whitney(x, y)[2] == "Mann–Whitney U, normal approximation with continuity correction"


@pytest.mark.parametrize("total,caps,expected", [
    (2, [2, 2], 3),          # (0,2) (1,1) (2,0)
    (2, [1, 3], 2),          # (0,2) (1,1)
    (2, [3, 1, 1], 4),       # (2,0,0) (1,1,0) (1,0,1) (0,1,1)
    (3, [1, 1], 0),
    (0, [4, 4], 1),
    (4, [2, 2, 2], 6),       # (2,2,0) x3 arrangements + (2,1,1) x3
])
def test_count_vectors_by_enumeration(total, caps, expected):
    assert _count_vectors(total, caps) == expected


def test_fisher_rxc_bound_is_the_number_of_tables():
    # 2 columns: the tables are the first column's vectors under the row totals (rows 1, 3; column 2 -> 2 tables)
    assert fisher_exact_rxc([[1, 0], [1, 2]], max_tables=2) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="up to 2 tables"):
        fisher_exact_rxc([[1, 0], [1, 2]], max_tables=1)
    # 2 x 3 is taken as 3 x 2: vectors of sum 3 under caps 2, 2, 2 -> 10 compositions less the 3 with a part 3
    fisher_exact_rxc([[1, 1, 1], [1, 1, 1]], max_tables=7)
    with pytest.raises(ValueError, match="up to 7 tables"):
        fisher_exact_rxc([[1, 1, 1], [1, 1, 1]], max_tables=6)
    # more than two columns: the product over all but the last column of C(column + rows - 1, rows - 1) = 10^2
    ones = [[1, 1, 1]] * 3
    fisher_exact_rxc(ones, max_tables=100)
    with pytest.raises(ValueError, match="up to 100 tables"):
        fisher_exact_rxc(ones, max_tables=99)


def test_fisher_rxc_hand_values():
    # rows 4, 1; columns 4, 1: the tables [[4,0],[0,1]] (p 1/5) and [[3,1],[1,0]] (p 4/5)
    assert fisher_exact_rxc([[4, 0], [0, 1]]) == pytest.approx(0.2)
    # a column of total 1 is a column: [[2,0,1],[0,2,0]] has rows 3, 2 and columns 2, 2, 1. Tables: the first
    # row takes (a, b, c) with a + b + c = 3, a, b <= 2, c <= 1; probability C(2,a)C(2,b)C(1,c)/C(5,3)
    probs = {(a, b, c): math.comb(2, a) * math.comb(2, b) * math.comb(1, c) / math.comb(5, 3)
             for a in range(3) for b in range(3) for c in range(2) if a + b + c == 3}
    obs = probs[(2, 0, 1)]
    expected = sum(p for p in probs.values() if p <= obs * (1 + 1e-7))
    assert fisher_exact_rxc([[2, 0, 1], [0, 2, 0]]) == pytest.approx(expected)
    assert fisher_exact_rxc([[1, 1], [1, 1]]) <= 1.0


def test_fisher_rxc_refuses_negative_counts_and_gives_1_for_one_row():
    with pytest.raises(ValueError, match="non-negative"):
        fisher_exact_rxc([[1, -1], [2, 3]])
    assert fisher_exact_rxc([[1, 2, 3]]) == 1.0
    assert fisher_exact_rxc([[1], [2], [3]]) == 1.0


def test_contingency_expected_counts_use_both_margins():
    # rows 30, 30; columns 2, 28, 30: expected counts 1, 14, 15 in each row -> the exact test
    assert contingency_test([[1, 14, 15], [1, 14, 15]])[1] == "Fisher's exact test (Freeman–Halton)"
    # fewer than two non-empty rows or columns: no test, no name
    assert contingency_test([[0, 0, 0], [1, 2, 3]])[1] == ""
    assert contingency_test([[1, 0], [2, 0], [3, 0]])[1] == ""
    assert math.isnan(contingency_test([[5, 5, 5]])[0])


def test_contingency_chi_square_by_hand():
    # 2 x 3 with margins 20/20 and 10/10/20: expected 5, 5, 10; observed [[7,3,10],[3,7,10]]:
    # X2 = 4 x (2^2 / 5) = 3.2 on 2 df; p = exp(-X2 / 2)
    p, name = contingency_test([[7, 3, 10], [3, 7, 10]])
    assert name == "Pearson's chi-square test" and p == pytest.approx(math.exp(-1.6), rel=1e-9)


@pytest.mark.parametrize("table", [[[2, 0], [0, 2], [1, 0]], [[2, 0, 1], [0, 2, 0]], [[1, 0, 2], [0, 3, 1], [2, 1, 0]]])
def test_contingency_keeps_rows_and_columns_of_total_one(table):
    p, name = contingency_test(table)
    assert name.startswith("Fisher's exact test") and p == pytest.approx(fisher_by_enumeration(table), rel=1e-9)


def test_fisher_monte_carlo_keeps_a_row_of_total_one():
    from dttstudy.analysis.stats import fisher_monte_carlo
    table = [[1, 0, 0], [0, 3, 1], [0, 1, 3]]
    exact = fisher_by_enumeration(table)
    # 10,000 tables: the estimate lies within 4 binomial standard errors of the exact p
    est = fisher_monte_carlo(table, 10_000, 1)
    assert abs(est - exact) < 4 * math.sqrt(exact * (1 - exact) / 10_000) + 1e-4
    # the same table without its row and column of total 1 has a different p
    assert abs(fisher_by_enumeration([[3, 1], [1, 3]]) - exact) > 0.1


def test_rank_tests_read_lists_with_missing_values():
    # a pair or a value given as None is missing, as NaN is: the pairs (1, 2) and (4, 7) remain; both differences
    # are positive, W- = 0, exact two-sided p = 2 x 1/4
    assert wilcoxon_signed_rank([1, None, 3, 4], [2, 5, None, 7]) == (0.0, 0.5, "Wilcoxon signed-rank, exact")
    # 1 and 2 against 3: U = 0, exact two-sided p = 2 x 1/3
    assert mann_whitney([1, None, 2], [None, 3]) == (0.0, pytest.approx(2 / 3), "Mann–Whitney U, exact")


def test_counts_given_as_floats_are_counts():
    from dttstudy.analysis.stats import fisher_monte_carlo
    table = [[2.0, 0.0, 1.0], [0.0, 2.0, 0.0]]
    exact = fisher_by_enumeration([[2, 0, 1], [0, 2, 0]])
    assert fisher_exact_rxc(table) == pytest.approx(exact, rel=1e-9)
    assert contingency_test(table)[0] == pytest.approx(exact, rel=1e-9)
    assert abs(fisher_monte_carlo(table, 10_000, 1) - exact) < 4 * math.sqrt(exact * (1 - exact) / 10_000) + 1e-4
