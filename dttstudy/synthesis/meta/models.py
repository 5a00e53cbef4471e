"""Random-effects pooling of single proportions: the models.

This module pools one proportion per study (for example the proportion of
patients in clinical remission on a dual-targeted therapy combination) with a
random-effects model. :func:`pool_proportions` is the entry point; it returns a
:class:`~dttstudy.synthesis.meta.result.PooledProportion`. The model fits live in
:mod:`dttstudy.synthesis.glmm.fit` (binomial-normal GLMM) and
:mod:`dttstudy.synthesis.heterogeneity` (tau^2 estimators, I^2, Q-profile CI). The
tables usually reported alongside a pooled estimate (per-study exact confidence
intervals, study weights, subgroup analyses with a test for subgroup
differences, leave-one-out) are in :mod:`dttstudy.synthesis.meta.derived`; the
sensitivity table in :mod:`dttstudy.synthesis.sensitivity`, the forest data in
:mod:`dttstudy.synthesis.forest` and the forest plots in
:mod:`dttstudy.reporting.figures.forest`.

Models
------
Each study ``i`` contributes ``x_i`` events out of ``n_i`` patients.

``method="GLMM"`` (recommended for small and zero-event studies; the default
of R's *meta* package): binomial-normal random-intercept logistic model,
``x_i ~ Bin(n_i, expit(mu + u_i))``, ``u_i ~ N(0, tau^2)``, fitted by maximum
likelihood with adaptive Gauss-Hermite quadrature; no continuity correction.

``method="REML" | "DL" | "PM"`` (inverse-variance): the proportion is
transformed to ``y_i`` with approximate within-study variance ``v_i`` and the
normal-normal random-effects model is fitted::

    y_i ~ N(mu, v_i + tau^2)

``mu`` is estimated by inverse-variance weighting with weights
``w_i* = 1 / (v_i + tau^2)`` and back-transformed to the proportion scale.

Transformations
---------------
``"logit"`` (default)
    ``y = log((x + c) / (n - x + c))``, ``v = 1/(x + c) + 1/(n - x + c)``.
    The continuity correction ``c`` (default 0.5) is added **only to studies
    with 0 events or with n events**; all other studies are used with
    ``c = 0``.  This is the usual "only-zero-cells" rule (R package *meta*:
    ``incr = 0.5, method.incr = "only0"`` applied per study).  The
    back-transformation is the inverse logit.
``"freeman_tukey"``
    Freeman-Tukey double arcsine,
    ``y = asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))``,
    ``v = 1/(n + 0.5)``; no continuity correction is needed or applied.
    Back-transformation by Miller's (1978) inversion formula evaluated at the
    harmonic mean of the study sizes.  Offered as a sensitivity analysis
    only: Schwarzer et al. (2019) showed that the back-transformation can
    give seriously misleading pooled proportions, in particular when study
    sizes differ.

References
----------
DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-188.
Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 2005;30:261-293.
Paule RC, Mandel J. Consensus values and weighting factors. J Res Natl Bur
Stand 1982;87:377-385.
Hartung J, Knapp G. A refined method for the meta-analysis of controlled
clinical trials with binary outcome. Stat Med 2001;20:3875-3889.
Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects
meta-analysis. J R Stat Soc A 2009;172:137-159.
Miller JJ. The inverse of the Freeman-Tukey double arcsine transformation.
Am Stat 1978;32:138.
Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G. Seriously misleading
results using inverse of Freeman-Tukey double arcsine transformation in
meta-analysis of single proportions. Res Synth Methods 2019;10:476-483.
Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in
the case of the binomial. Biometrika 1934;26:404-413.
Stijnen T, Hamza TH, Özdemir P. Random effects meta-analysis of event outcome
in the framework of the generalized linear mixed model with applications in
sparse data. Stat Med 2010;29:3046-3067.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np
from scipy import stats

from .. import heterogeneity
from .ci import clopper_pearson as _clopper_pearson  # noqa: F401  (derived.py takes it from here)
from .ci import percent_weights as _percent_weights
from .ci import pi_limits as _pi
from .glmm_model import pool_glmm
from .result import PooledProportion


#: Supported models: binomial-normal GLMM, or the inverse-variance model with a tau^2 estimator.
METHODS = ("GLMM", "REML", "DL", "PM")


#: Supported transformations of the proportion.
TRANSFORMS = ("logit", "freeman_tukey")


# --------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------
def _as_labels(labels: Iterable[Any] | None, k: int) -> list[str]:
    if labels is None:
        return [f"Study {i + 1}" for i in range(k)]
    out = [str(lab) for lab in labels]
    if len(out) != k:
        raise ValueError(f"labels has length {len(out)} but there are {k} studies")
    return out


def _as_count_vector(values: Any, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        raise ValueError(f"{name} must be a one-dimensional sequence of counts")
    raw = list(values)
    out = np.empty(len(raw), dtype=np.int64)
    for i, val in enumerate(raw):
        try:
            fval = float(val)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}] = {val!r} is not a number") from None
        if not math.isfinite(fval) or fval != math.floor(fval):
            raise ValueError(f"{name}[{i}] = {val!r} is not an integer count")
        out[i] = int(fval)
    return out


def _validate(
    events: Any, totals: Any, labels: Iterable[Any] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Check counts; return integer arrays and string labels."""
    x = _as_count_vector(events, "events")
    n = _as_count_vector(totals, "totals")
    if x.size != n.size:
        raise ValueError(
            f"events and totals must have equal lengths (got {x.size} and {n.size})"
        )
    if x.size < 1:
        raise ValueError("at least one study (k >= 1) is required")
    labs = _as_labels(labels, x.size)
    for i in range(x.size):
        where = f"position {i} (study {labs[i]!r})"
        if n[i] <= 0:
            raise ValueError(f"totals must be > 0: totals[{i}] = {n[i]} at {where}")
        if x[i] < 0:
            raise ValueError(f"events must be >= 0: events[{i}] = {x[i]} at {where}")
        if x[i] > n[i]:
            raise ValueError(
                f"events must not exceed totals: events[{i}] = {x[i]} > "
                f"totals[{i}] = {n[i]} at {where}"
            )
    return x, n, labs


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1 (got {level})")
    return level


def _norm_method(method: str) -> str:
    m = str(method).upper()
    if m not in METHODS:
        raise ValueError(f"method must be one of {METHODS} (got {method!r})")
    return m


def _norm_transform(transform: str) -> str:
    t = str(transform).lower().replace("-", "_")
    if t not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS} (got {transform!r})")
    return t


# --------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------
def transform_proportions(
    events: Any,
    totals: Any,
    transform: str = "logit",
    continuity: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Transformed study proportions ``y`` and their within-study variances ``v``.

    Parameters
    ----------
    events, totals : sequence of int
        Number of events and number of patients per study.
    transform : {"logit", "freeman_tukey"}
        ``"logit"``: ``y = log((x+c)/(n-x+c))``, ``v = 1/(x+c) + 1/(n-x+c)``
        where ``c = continuity`` for studies with ``x = 0`` or ``x = n`` and
        ``c = 0`` otherwise.  ``"freeman_tukey"``: double arcsine
        ``y = asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1)))``,
        ``v = 1/(n+0.5)`` (``continuity`` is ignored).
    continuity : float
        Continuity correction for 0-event and all-event studies (logit only).

    Returns
    -------
    y, v : numpy.ndarray
    """
    x, n, _ = _validate(events, totals)
    return _transform(x, n, _norm_transform(transform), float(continuity))


def _transform(
    x: np.ndarray, n: np.ndarray, transform: str, continuity: float
) -> tuple[np.ndarray, np.ndarray]:
    xf = x.astype(float)
    nf = n.astype(float)
    if transform == "logit":
        if not (math.isfinite(continuity) and continuity >= 0):
            raise ValueError(f"continuity must be a finite number >= 0 (got {continuity})")
        extreme = (x == 0) | (x == n)
        if continuity == 0 and extreme.any():
            i = int(np.flatnonzero(extreme)[0])
            raise ValueError(
                f"study at position {i} has {x[i]}/{n[i]} events; the logit needs a "
                "continuity correction > 0 for 0-event or all-event studies"
            )
        c = np.where(extreme, continuity, 0.0)
        a = xf + c
        b = nf - xf + c
        return np.array([math.log(t) for t in (a / b).tolist()]), 1.0 / a + 1.0 / b
    y = np.array([math.asin(math.sqrt(a / (b + 1.0))) + math.asin(math.sqrt((a + 1.0) / (b + 1.0)))
                  for a, b in zip(xf.tolist(), nf.tolist())])
    return y, 1.0 / (nf + 0.5)


def _fdot(a, b) -> float:
    """Sum of products, exactly rounded (``math.fsum``): the same bits on every CPU, unlike a BLAS dot."""
    return math.fsum(float(s) * float(t) for s, t in zip(a, b))


def _expit(t: float) -> float:
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def _ft_inverse(t: float, n: float) -> float:
    """Miller (1978) inverse of the Freeman-Tukey double arcsine, at size ``n``."""
    lo = math.asin(0.0) + math.asin(math.sqrt(1.0 / (n + 1.0)))
    hi = math.asin(math.sqrt(n / (n + 1.0))) + math.asin(1.0)
    if t <= lo:
        return 0.0
    if t >= hi:
        return 1.0
    s = math.sin(t)
    inner = 1.0 - (s + (s - 1.0 / s) / n) ** 2
    p = 0.5 * (1.0 - math.copysign(1.0, math.cos(t)) * math.sqrt(max(inner, 0.0)))
    return min(max(p, 0.0), 1.0)


def _back(t: float | None, transform: str, n_harm: float) -> float | None:
    if t is None:
        return None
    if transform == "logit":
        return _expit(t)
    return _ft_inverse(t, n_harm)


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------
def _pool(
    x: np.ndarray,
    n: np.ndarray,
    labels: list[str],
    method: str,
    transform: str,
    hartung_knapp: bool,
    continuity: float,
    level: float,
    hk_adhoc: bool,
    pi_method: str = "ci",
    n_agq: int = 7,
    test: str = "t",
) -> PooledProportion:
    k = int(x.size)
    y, v = _transform(x, n, transform, continuity if continuity > 0 or method != "GLMM" else 0.5)
    n_harm = k / math.fsum(1.0 / t for t in n.astype(float).tolist())
    alpha = 1.0 - level
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    common: dict[str, Any] = dict(
        k=k,
        events=int(x.sum()),
        total=int(n.sum()),
        method=method,
        transform=transform,
        level=level,
        continuity=float(continuity),
        n_harmonic=n_harm,
        labels=tuple(labels),
        yi=tuple(float(t) for t in y),
        vi=tuple(float(t) for t in v),
    )
    if method == "GLMM":
        if hartung_knapp:
            raise ValueError("Hartung-Knapp is defined for the inverse-variance models only, not for the GLMM")
        return pool_glmm(x, n, common, level, pi_method, n_agq, v, test)

    def back(t):
        return _back(t, transform, n_harm)

    if k == 1:
        est = float(y[0])
        se = math.sqrt(float(v[0]))
        if transform == "logit":
            c = continuity if x[0] in (0, n[0]) else 0.0
            # exact back-transform: expit(log(a/b)) = a/(a+b); equals x/n when 0<x<n
            prop = (float(x[0]) + c) / (float(n[0]) + 2.0 * c)
        else:
            prop = _ft_inverse(est, n_harm)
        return PooledProportion(
            proportion=prop,
            ci_lower=back(est - z * se),
            ci_upper=back(est + z * se),
            estimate=est,
            se=se,
            ci_method="z",
            tau2=0.0,
            tau=0.0,
            i2=0.0,
            q=0.0,
            df=0,
            q_pvalue=None,
            pi_lower=None,
            pi_upper=None,
            hartung_knapp=False,
            weights=(100.0,),
            pi_method="z" if pi_method == "ci" else pi_method,
            note="k = 1: the study's own estimate; tau^2 is not estimable and is shown as 0.",
            **common,
        )

    df = k - 1
    q = heterogeneity.q_statistic(y, v)
    q_p = float(stats.chi2.sf(q, df))
    tau2 = heterogeneity.tau2_estimate(y, v, method)
    i2 = heterogeneity.i2_from_tau2(tau2, v)
    t2_lo, t2_hi = heterogeneity.q_profile_ci(y, v, level)
    w = 1.0 / (v + tau2)
    sw = math.fsum(w.tolist())
    mu = _fdot(w, y) / sw
    se_re = math.sqrt(1.0 / sw)

    if hartung_knapp:
        q_hk = _fdot(w, (y - mu) ** 2) / df
        if hk_adhoc:
            q_hk = max(1.0, q_hk)
        se = math.sqrt(q_hk / sw)
        crit = float(stats.t.ppf(1.0 - alpha / 2.0, df))
        ci_method = "t(k-1)"
    else:
        se = se_re
        crit = z
        ci_method = "z"

    if pi_method == "ci":
        pi_lo, pi_hi, pim = _pi(mu, se, tau2, k, ci_method, alpha, back)
    else:
        pi_lo, pi_hi, pim = _pi(mu, se_re, tau2, k, pi_method, alpha, back)

    return PooledProportion(
        proportion=back(mu),
        ci_lower=back(mu - crit * se),
        ci_upper=back(mu + crit * se),
        estimate=mu,
        se=se,
        ci_method=ci_method,
        tau2=tau2,
        tau=math.sqrt(tau2),
        i2=i2,
        q=q,
        df=df,
        q_pvalue=q_p,
        pi_lower=pi_lo,
        pi_upper=pi_hi,
        hartung_knapp=bool(hartung_knapp),
        weights=_percent_weights(w.tolist()),
        pi_method=pim,
        tau2_ci_lower=t2_lo,
        tau2_ci_upper=t2_hi,
        i2_ci_lower=heterogeneity.i2_from_tau2(t2_lo, v),
        i2_ci_upper=heterogeneity.i2_from_tau2(t2_hi, v),
        hk_adhoc=bool(hk_adhoc and hartung_knapp),
        **common,
    )


PI_METHODS = ("ci", "z", "t(k-1)", "t(k-2)")


def pool_proportions(
    events: Sequence[int],
    totals: Sequence[int],
    method: str = "GLMM",
    transform: str = "logit",
    hartung_knapp: bool = False,
    continuity: float = 0.5,
    level: float = 0.95,
    labels: Sequence[Any] | None = None,
    hk_adhoc: bool = False,
    pi_method: str = "ci",
    n_agq: int = 7,
    test: str = "t",
) -> PooledProportion:
    """Random-effects pooled proportion.

    >>> r = pool_proportions([45], [71])                 # one study: its own proportion, Clopper-Pearson CI
    >>> round(r.proportion, 4), round(45 / 71, 4), r.ci_method
    (0.6338, 0.6338, 'Clopper-Pearson')
    >>> pool_proportions([3, 5, 8], [10, 12, 15]).method  # the model the report uses
    'GLMM'

    Parameters
    ----------
    events, totals : sequence of int
        Events and patients per study; integer-valued with
        ``0 <= events <= totals`` and ``totals > 0``.
    method : {"REML", "DL", "PM", "GLMM"}
        ``"GLMM"``: binomial-normal random-intercept logistic model fitted by
        maximum likelihood with adaptive Gauss-Hermite quadrature
        (:mod:`dttstudy.synthesis.glmm.fit`; as R ``metafor::rma.glmm(measure = "PLO")`` and
        the default of R ``meta::metaprop``). Exact binomial likelihood: no
        continuity correction; tau^2 by ML with a profile-likelihood CI; CI
        and prediction interval with the ``test`` quantile; the pooled
        proportion is the conditional (median-study) one, the
        population-averaged proportion is ``proportion_marginal``
        (:mod:`dttstudy.synthesis.meta.glmm_model`).
        With k = 1 the result is the observed proportion with its
        Clopper-Pearson CI; when every study has 0 events (or all events)
        the likelihood has no finite maximum and the boundary value with the
        Clopper-Pearson CI of the summed counts is returned (``note`` says
        so); so is the summed count when every study is at 0% or 100%
        (tau^2 diverges). The GLMM is the recommended model for the small, often
        zero-event cohorts of this field, and the default (what the report uses).
        The others are inverse-variance models on the ``transform`` scale with
        the tau^2 estimator named, always truncated at 0:
        ``"REML"`` restricted maximum likelihood (global maximiser on
        ``[0, inf)``), ``"DL"``
        DerSimonian-Laird, ``"PM"`` Paule-Mandel (generalised
        ``Q(tau^2) = k - 1``). See :mod:`dttstudy.synthesis.heterogeneity`.
    transform : {"logit", "freeman_tukey"}
        Scale of the inverse-variance models (the GLMM is always logit).
        ``"freeman_tukey"`` (double arcsine, ``v = 1/(n + 0.5)``,
        back-transformed with Miller's formula at the harmonic mean n) is for
        sensitivity analyses only: its back-transformation can be seriously
        misleading (Schwarzer et al. 2019).
    hartung_knapp : bool
        Inverse-variance models only. If True the CI uses the Hartung-Knapp
        variance ``sum w*(y - mu)^2 / ((k - 1) sum w*)`` and a t quantile with
        k - 1 df. Not applicable to k = 1 (then the Wald CI is returned and
        ``hartung_knapp`` is False).
    continuity : float
        Continuity correction for the logit, default 0.5, **added to both
        cells only of studies with 0 events or with all events**. Ignored by
        the Freeman-Tukey transformation; for the GLMM used only for the
        approximate weights and the typical within-study variance of I^2 (as
        metafor).
    level : float
        Confidence level for CI, prediction interval and the tau^2 CI.
    labels : sequence, optional
        Study labels (used in error messages and study tables).
    hk_adhoc : bool
        With ``hartung_knapp=True``: apply the Knapp-Hartung ad hoc
        modification ``max(1, q)`` of the scale factor, so the interval is
        never narrower than the Wald interval (metafor ``test = "adhoc"``).
    pi_method : {"ci", "z", "t(k-1)", "t(k-2)"}
        Quantile of the prediction interval ``mu +/- c sqrt(tau^2 + SE^2)``.
        Default ``"ci"``, R metafor's ``predict()`` default: the CI's own
        quantile and SE, i.e. the normal quantile z with the Wald CI (and the
        GLMM with ``test="z"``) and t with k - 1 df with Hartung-Knapp or the
        GLMM with ``test="t"``. ``"t(k-2)"``: Higgins et al. (2009) with the standard
        random-effects SE, not defined for k < 3.
    n_agq : int
        Quadrature nodes per study for the GLMM (default 7, as metafor).
    test : {"t", "z"}
        GLMM only. ``"t"`` (default): CI ``mu +/- t(k-1) SE`` and, with
        ``pi_method="ci"``, prediction interval with t(k-1), as metafor
        ``rma.glmm(..., test = "t")`` — recommended for few studies. ``"z"``:
        Wald CI and normal-quantile prediction interval (metafor's default).
        The inverse-variance models use ``hartung_knapp`` instead.

    Returns
    -------
    PooledProportion
        Pooled proportion with its CI back-transformed to the proportion
        scale, tau^2 (with its Q-profile CI for the inverse-variance models),
        I^2 from tau^2 (metafor's definition), the heterogeneity test and the
        prediction interval. ``print(result)`` gives a methods paragraph.

    Notes
    -----
    * Q uses inverse-variance fixed-effect weights ``1/v`` (GLMM:
      likelihood-ratio statistic).
    * Inverse-variance models with k = 1: the study's own estimate, tau^2 = 0,
      I^2 = 0, Q = 0 (df = 0, p-value None) and the study's logit (or double
      arcsine) Wald CI. With the logit and 0 < x < n the pooled proportion is
      exactly x / n.

    Raises
    ------
    ValueError
        Invalid counts (message names the position and label), unequal
        lengths, k = 0, unknown method/transform/pi_method, level outside
        (0, 1), Hartung-Knapp or Freeman-Tukey with the GLMM.
    """
    x, n, labs = _validate(events, totals, labels)
    m = _norm_method(method)
    tr = _norm_transform(transform)
    if m == "GLMM" and tr != "logit":
        raise ValueError("the GLMM is a logistic model: transform must be 'logit'")
    if pi_method not in PI_METHODS:
        raise ValueError(f"pi_method must be one of {PI_METHODS} (got {pi_method!r})")
    n_agq = int(n_agq)
    if n_agq < 1:
        raise ValueError("n_agq must be a positive number of quadrature nodes")
    if test not in ("t", "z"):
        raise ValueError(f"test must be 't' or 'z' (got {test!r})")
    return _pool(x, n, labs, m, tr, bool(hartung_knapp), float(continuity), _check_level(level),
                 bool(hk_adhoc), pi_method, n_agq, test)


