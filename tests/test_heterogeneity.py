"""Between-study heterogeneity: each estimator, I², the typical within-study variance and the Q-profile interval
against closed forms of two studies, the restricted likelihood against its matrix form, and its score against a
numerical derivative of the likelihood.

Two studies with equal within-study variance v and estimates 0 and d: the weighted mean is d/2, Cochran's
Q(tau²) = d² / (2 (v + tau²)), the DerSimonian–Laird constant c = sum w - sum w² / sum w = 1/v, and
* DL: tau² = max(0, (Q(0) - 1) / c) = max(0, d²/2 - v);
* PM: Q(tau²) = k - 1 = 1 gives tau² = max(0, d²/2 - v) as well;
* REML: the restricted likelihood of two studies is maximised at tau² = max(0, d²/2 - v) too (its score,
  0.5 [d²/(2 (v+t)²) - 1/(v+t)], vanishes there);
* the typical within-study variance is (k - 1) / c = v, and I² = 100 tau² / (tau² + v).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dttstudy.synthesis import heterogeneity as H


@pytest.mark.parametrize("method", H.TAU2_METHODS)
@pytest.mark.parametrize("d2, v", [(3.0, 1.0), (2.5, 0.5), (0.2, 1.0), (2.0, 1.0)])
def test_two_studies_closed_form(method, d2, v):
    """Q(0) = d²/(2v): with d² = 3, v = 1 it is 1.5, just above its expectation 1 (tau² = 0.5); with d² = 0.2 it
    is below (tau² = 0); with d² = 2 exactly at it (tau² = 0)."""
    y, vs = [0.0, math.sqrt(d2)], [v, v]
    expected = max(0.0, d2 / 2.0 - v)
    assert H.tau2_estimate(y, vs, method) == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_default_estimator_is_reml():
    """Three studies where the estimators differ: the default is REML's value, not DL's or PM's."""
    y, v = [0.1, 1.2, -0.9], [0.05, 0.4, 0.2]
    values = {m: H.tau2_estimate(y, v, m) for m in H.TAU2_METHODS}
    assert len({round(x, 12) for x in values.values()}) == 3
    assert H.tau2_estimate(y, v) == values["REML"]


def test_sample_variance_by_hand():
    """1, 2, 4: mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, divided by k - 1 = 2: 7/3."""
    assert H._sample_variance([1.0, 2.0, 4.0]) == pytest.approx(7.0 / 3.0, rel=1e-15)
    assert H._sample_variance([5.0, 5.0]) == 0.0


def _reml_loglik_matrix(tau2, y, v):
    """-1/2 [log |V| + log |X' V^-1 X| + r' V^-1 r], V = diag(v + tau²), X a column of ones, r = y - X mu."""
    y, v = np.asarray(y, float), np.asarray(v, float)
    V = np.diag(v + tau2)
    X = np.ones((len(y), 1))
    Vi = np.linalg.inv(V)
    xtvx = X.T @ Vi @ X
    mu = np.linalg.solve(xtvx, X.T @ Vi @ y)
    r = y - (X @ mu)
    return -0.5 * (np.linalg.slogdet(V)[1] + np.linalg.slogdet(xtvx)[1] + float(r @ Vi @ r))


@pytest.mark.parametrize("tau2", [0.0, 0.03, 0.4, 2.5])
def test_restricted_likelihood_and_its_score(tau2):
    y, v = [0.1, 1.2, -0.9, 0.4], [0.05, 0.4, 0.2, 0.1]
    assert H._reml_loglik(tau2, y, v) == pytest.approx(_reml_loglik_matrix(tau2, y, v), rel=1e-12)
    h = 1e-5 * max(tau2, 1e-2)
    numeric = (_reml_loglik_matrix(tau2 + h, y, v) - _reml_loglik_matrix(tau2 - h, y, v)) / (2 * h) \
        if tau2 > 0 else (_reml_loglik_matrix(h, y, v) - _reml_loglik_matrix(0.0, y, v)) / h
    assert H._reml_score(tau2, y, v) == pytest.approx(numeric, rel=1e-5 if tau2 > 0 else 1e-3)


def test_reml_maximises_the_restricted_likelihood():
    """The estimate is a maximum of the likelihood on [0, inf): no grid value does better, and the score vanishes
    there (or is negative at 0)."""
    y, v = [0.1, 1.2, -0.9, 0.4, 2.0], [0.05, 0.4, 0.2, 0.1, 0.3]
    t = H.tau2_estimate(y, v, "REML")
    grid = np.linspace(0.0, 5.0, 2001)
    assert H._reml_loglik(t, y, v) >= max(_reml_loglik_matrix(g, y, v) for g in grid) - 1e-12
    assert t > 0 and abs(H._reml_score(t, y, v)) < 1e-10


def test_reml_at_the_boundary_when_the_score_at_zero_is_negative():
    y, v = [0.0, 0.1, -0.05], [0.5, 0.6, 0.4]
    assert H._reml_score(0.0, y, v) < 0
    assert H.tau2_estimate(y, v, "REML") == 0.0


def test_typical_within_variance_by_hand():
    """Two studies, v = 1 and 3 (w = 1, 1/3): sum w = 4/3, sum w² = 10/9, c = 4/3 - (10/9)/(4/3) = 1/2, s² = 1 / c
    = 2; equal variances give the variance itself; one study has none."""
    assert H.typical_within_variance([1.0, 3.0]) == pytest.approx(2.0, rel=1e-15)
    assert H.typical_within_variance([0.7, 0.7, 0.7]) == pytest.approx(0.7, rel=1e-15)
    assert math.isnan(H.typical_within_variance([0.7]))


def test_i2_from_tau2_by_hand():
    assert H.i2_from_tau2(2.0, [1.0, 3.0]) == pytest.approx(50.0, rel=1e-15)  # 100 * 2 / (2 + 2)
    assert H.i2_from_tau2(0.5, [1.0, 1.0]) == pytest.approx(100.0 / 3.0, rel=1e-15)
    assert H.i2_from_tau2(0.0, [1.0, 3.0]) == 0.0
    assert H.i2_from_tau2(-1e-9, [1.0, 3.0]) == 0.0
    assert H.i2_from_tau2(0.5, [1.0]) == 0.0  # one study: no typical within-study variance


def test_q_profile_two_studies_closed_form():
    """Q(tau²) = d²/(2 (v + tau²)) with k - 1 = 1 degree of freedom: the limits are d²/(2 q) - v for the
    chi-square quantiles q at 97.5% (lower) and 2.5% (upper), floored at 0; the default level is 95%."""
    d2, v = 9.0, 0.5
    y, vs = [0.0, 3.0], [v, v]
    lo_q, hi_q = stats.chi2.ppf(0.975, 1), stats.chi2.ppf(0.025, 1)
    lower, upper = H.q_profile_ci(y, vs)
    assert lower == pytest.approx(max(0.0, d2 / (2 * lo_q) - v), rel=1e-12)
    assert upper == pytest.approx(d2 / (2 * hi_q) - v, rel=1e-12)
    l90, u90 = H.q_profile_ci(y, vs, level=0.90)
    assert l90 == pytest.approx(d2 / (2 * stats.chi2.ppf(0.95, 1)) - v, rel=1e-12)
    assert u90 == pytest.approx(d2 / (2 * stats.chi2.ppf(0.05, 1)) - v, rel=1e-12)
    assert all(math.isnan(x) for x in H.q_profile_ci([0.3], [0.1]))


def test_q_profile_lower_limit_zero_when_q0_is_below_its_quantile():
    """Q(0) = 9/(2·2) = 2.25 < chi²_1(0.975) = 5.02: the lower limit is 0; the upper limit still solves its
    equation, 9/(2 q_0.025) - 2."""
    y, vs = [0.0, 3.0], [2.0, 2.0]
    lower, upper = H.q_profile_ci(y, vs)
    assert lower == 0.0
    assert upper == pytest.approx(9.0 / (2 * stats.chi2.ppf(0.025, 1)) - 2.0, rel=1e-12)


def test_floats_reads_integers_and_nested_values():
    assert H._floats([1, 2]) == [1.0, 2.0]
    assert H._floats(np.array([[1.5], [2.5]])) == [1.5, 2.5]


def test_reml_root_exactly_on_a_grid_point():
    """The maximiser can fall exactly on a point of the search grid, where the score is exactly 0: two studies at 0
    and 2 with v = 2 - g (the weights are then exactly 1/2 and every term of the score a power of two), for g the
    grid point 16·1e-10·10^(10·339/399) of the search on [0, 16] (4 × the sample variance 2, doubled). The estimate
    is that point, d²/2 - v = g, and not 0."""
    g = 16.0 * 1e-10 * 10.0 ** (10.0 * 339 / 399)
    v = 2.0 - g
    assert H._reml_score(g, [0.0, 2.0], [v, v]) == 0.0
    assert H.tau2_estimate([0.0, 2.0], [v, v], "REML") == pytest.approx(2.0 - v, rel=1e-15)


def test_reml_takes_the_global_maximum_of_a_bimodal_likelihood():
    """Six studies whose restricted likelihood has two local maxima on [0, inf): the boundary 0 and an interior
    one near 0.8 (the score falls through 0 there). REML is the global maximiser, here 0: the matrix-form
    likelihood at 0 is above its value everywhere on a fine grid of (0, 5]."""
    y = [0.25, 6.09, 2.66, 1.73, -1.12, 1.55]
    v = [0.791, 2.672, 0.532, 0.082, 4.427, 0.015]
    assert H._reml_score(0.0, y, v) < 0 and H._reml_score(0.7, y, v) > 0 > H._reml_score(0.9, y, v)
    grid = np.linspace(1e-3, 5.0, 5000)
    assert _reml_loglik_matrix(0.0, y, v) > max(_reml_loglik_matrix(t, y, v) for t in grid)
    assert H.tau2_estimate(y, v, "REML") == 0.0


def test_reml_takes_the_higher_of_two_interior_maxima():
    """Six studies whose restricted likelihood rises from 0 to a first maximum near 0.0003, dips, and rises to a
    higher one near 1.27: REML is the higher one, checked against the matrix-form likelihood on a fine grid (a
    single root search over a wide bracket would stop at the first)."""
    y = [-5.87, -2.73, -5.74, -1.4, -2.98, 1.08]
    v = [2.56, 0.029, 1.735, 1.193, 0.157, 22.261]
    t = H.tau2_estimate(y, v, "REML")
    grid = np.concatenate([np.linspace(0.0, 0.002, 401), np.linspace(0.002, 6.0, 6000)])
    best = grid[int(np.argmax([_reml_loglik_matrix(g, y, v) for g in grid]))]
    assert abs(t - best) < 2e-3 and t > 1.0
    assert _reml_loglik_matrix(t, y, v) > _reml_loglik_matrix(3.5e-4, y, v)
    assert abs(H._reml_score(t, y, v)) < 1e-10


def test_reml_takes_the_lower_of_two_interior_maxima_when_it_is_higher():
    """Five studies with interior maxima near 0.012 and 0.38, the first the higher: REML is near 0.012, checked
    against the matrix-form likelihood on a fine grid (a root search over [0, hi] would land on 0.38)."""
    y = [-0.2, 1.81, -0.34, 1.0, -0.4]
    v = [0.007, 0.717, 4.153, 9.415, 0.015]
    t = H.tau2_estimate(y, v, "REML")
    grid = np.concatenate([np.linspace(0.0, 0.05, 2001), np.linspace(0.05, 3.0, 3000)])
    best = grid[int(np.argmax([_reml_loglik_matrix(g, y, v) for g in grid]))]
    assert abs(t - best) < 1e-4 and t < 0.05
    assert _reml_loglik_matrix(t, y, v) > _reml_loglik_matrix(0.3806, y, v)
    assert abs(H._reml_score(t, y, v)) < 1e-9
