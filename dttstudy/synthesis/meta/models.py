"""Random-effects pooling of single proportions.

This module pools one proportion per study (for example the proportion of
patients in clinical remission on a dual-targeted therapy combination) with a
random-effects model, and provides the tables usually reported alongside a
pooled estimate: per-study exact confidence intervals, study weights,
subgroup analyses with a test for subgroup differences, and leave-one-out
sensitivity analyses. :func:`pool_proportions` is the entry point; the model
fits live in :mod:`dttstudy.synthesis.glmm` (binomial-normal GLMM) and
:mod:`dttstudy.synthesis.heterogeneity` (tau^2 estimators, I^2, Q-profile CI); the
sensitivity table in :mod:`dttstudy.synthesis.sensitivity`, forest plots in
:mod:`dttstudy.synthesis.forest`.

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
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .. import glmm, heterogeneity

__all__ = [
    "PooledProportion",
    "SubgroupResult",
    "pool_proportions",
    "study_proportions",
    "study_weights",
    "pool_by_subgroup",
    "leave_one_out",
    "transform_proportions",
    "METHODS",
    "TRANSFORMS",
]

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
        return np.log(a / b), 1.0 / a + 1.0 / b
    y = np.arcsin(np.sqrt(xf / (nf + 1.0))) + np.arcsin(np.sqrt((xf + 1.0) / (nf + 1.0)))
    return y, 1.0 / (nf + 0.5)


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
# Result container
# --------------------------------------------------------------------------
def _fmt_pct(p: float | None) -> str:
    return "n/a" if p is None else f"{100.0 * p:.1f} %"


_NAN = float("nan")


@dataclass(frozen=True)
class PooledProportion:
    """Random-effects pooled proportion (inverse-variance model or binomial–normal GLMM).

    Attributes
    ----------
    k : int
        Number of studies.
    events, total : int
        Summed events and patients (descriptive only; not used for pooling).
    proportion : float
        Pooled proportion, back-transformed from ``estimate``.
    ci_lower, ci_upper : float
        Confidence interval for the pooled proportion (back-transformed).
    estimate, se : float
        Pooled estimate and its standard error on the transformed scale (logit for GLMM).
        With Hartung-Knapp, ``se`` is the Hartung-Knapp standard error. NaN where not defined (GLMM with
        k = 1 or without a finite maximum; see ``note``).
    ci_method : str
        ``"z"`` (Wald, normal quantile), ``"t(k-1)"`` (Hartung-Knapp) or ``"Clopper-Pearson"`` (GLMM, k = 1
        or no finite maximum).
    tau2, tau : float
        Between-study variance (truncated at 0) and its square root, on the transformed scale.
    i2 : float
        I^2 in percent from ``tau2`` as R metafor computes it for every model (``rma.uni`` and ``rma.glmm``):
        ``100 * tau2 / (tau2 + s^2)``, ``s^2`` the typical within-study variance of the (logit or double
        arcsine) study estimates; 0 for k = 1.
    q, df : float, int
        Heterogeneity statistic and ``k - 1``: Cochran's Q (inverse-variance fixed-effect weights) for the
        inverse-variance models; for the GLMM the likelihood-ratio statistic of the saturated against the
        fixed-effect binomial model (metafor's ``QE.LRT``).
    q_pvalue : float or None
        Chi-square p-value for ``q`` with ``df`` degrees of freedom; None for k = 1.
    pi_lower, pi_upper : float or None
        95 % (``level``) prediction interval for the proportion in a new study, ``mu +/- c sqrt(tau2 + SE^2)``;
        ``pi_method`` names ``c``. None where not defined (k = 1; ``"t(k-2)"`` with k < 3).
    pi_method : str
        ``"z"`` or ``"t(k-1)"`` (metafor's ``predict()`` default: the CI's quantile and SE) or ``"t(k-2)"``
        (Higgins et al. 2009, with the standard random-effects SE).
    tau2_ci_lower, tau2_ci_upper, i2_ci_lower, i2_ci_upper : float
        Q-profile confidence interval for tau^2 and the I^2 interval it implies (inverse-variance models,
        k >= 2; NaN otherwise).
    method, transform : str
        Model / tau^2 estimator (``"GLMM"``, ``"REML"``, ``"DL"``, ``"PM"``) and transformation.
    hartung_knapp, hk_adhoc : bool
        Whether the Hartung-Knapp adjustment (and its ad hoc "never narrower than Wald" modification) was
        applied.
    level : float
        Confidence level.
    continuity : float
        Continuity correction used for 0-event / all-event studies in the logit study estimates (for the GLMM
        only in ``weights`` and ``i2``; its likelihood needs none).
    n_harmonic : float
        Harmonic mean study size (used for the Freeman-Tukey back-transform).
    n_agq : int
        Quadrature nodes of the GLMM fit (0 for the inverse-variance models).
    note : str
        Special cases stated in words (k = 1; no finite maximum).
    labels, yi, vi, weights : tuple
        Per-study labels, transformed proportions, within-study variances and weights in percent (GLMM:
        approximate inverse-variance weights ``1/(v_i + tau2)`` with the GLMM tau2; the GLMM itself has no
        study weights).
    """

    k: int
    events: int
    total: int
    proportion: float
    ci_lower: float
    ci_upper: float
    estimate: float
    se: float
    ci_method: str
    tau2: float
    tau: float
    i2: float
    q: float
    df: int
    q_pvalue: float | None
    pi_lower: float | None
    pi_upper: float | None
    method: str
    transform: str
    hartung_knapp: bool
    level: float
    continuity: float
    n_harmonic: float
    labels: tuple[str, ...] = field(repr=False)
    yi: tuple[float, ...] = field(repr=False)
    vi: tuple[float, ...] = field(repr=False)
    weights: tuple[float, ...] = field(repr=False)
    pi_method: str = "z"
    tau2_ci_lower: float = _NAN
    tau2_ci_upper: float = _NAN
    i2_ci_lower: float = _NAN
    i2_ci_upper: float = _NAN
    hk_adhoc: bool = False
    n_agq: int = 0
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy DataFrame of the pooled result (undefined values as NaN)."""
        row = {
            "k": self.k,
            "events": self.events,
            "total": self.total,
            "proportion": self.proportion,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "pi_lower": _NAN if self.pi_lower is None else self.pi_lower,
            "pi_upper": _NAN if self.pi_upper is None else self.pi_upper,
            "estimate": self.estimate,
            "se": self.se,
            "ci_method": self.ci_method,
            "pi_method": self.pi_method,
            "tau2": self.tau2,
            "tau2_ci_lower": self.tau2_ci_lower,
            "tau2_ci_upper": self.tau2_ci_upper,
            "tau": self.tau,
            "i2": self.i2,
            "i2_ci_lower": self.i2_ci_lower,
            "i2_ci_upper": self.i2_ci_upper,
            "q": self.q,
            "df": self.df,
            "q_pvalue": _NAN if self.q_pvalue is None else self.q_pvalue,
            "method": self.method,
            "transform": self.transform,
            "hartung_knapp": self.hartung_knapp,
            "level": self.level,
            "continuity": self.continuity,
        }
        return pd.DataFrame([row])

    def study_table(self) -> pd.DataFrame:
        """Per-study transformed values, variances and weights (percent)."""
        return pd.DataFrame(
            {
                "label": list(self.labels),
                "yi": list(self.yi),
                "vi": list(self.vi),
                "weight": list(self.weights),
            }
        )

    @property
    def model_description(self) -> str:
        """Short name of the model, e.g. for table columns and figure footnotes."""
        if self.method == "GLMM":
            return "binomial-normal GLMM (ML)"
        tr = "logit" if self.transform == "logit" else "Freeman-Tukey"
        return f"inverse-variance {tr}, {self.method}" + (" + Hartung-Knapp" if self.hartung_knapp else "")

    def summary(self) -> str:
        """Methods paragraph and results, in the manner of R metafor's print method."""
        lvl = f"{100 * self.level:g} %"
        k = self.k
        if self.method == "GLMM":
            model = (
                "Random-effects model: binomial-normal generalised linear mixed model (random-intercept "
                "logistic regression; Stijnen et al. 2010), fitted by maximum likelihood with adaptive "
                f"Gauss-Hermite quadrature ({self.n_agq} nodes per study, as metafor rma.glmm / lme4 "
                "nAGQ = 7). Exact binomial likelihood: no continuity correction."
            )
            ci = ("Wald CI on the logit scale (normal quantile), as metafor"
                  if self.ci_method == "z" else "Clopper-Pearson exact CI")
            het = (f"Heterogeneity: tau^2 (logit scale, ML) = {self.tau2:.4g} (tau = {self.tau:.4g}); "
                   f"I^2 = {self.i2:.1f} % (from tau^2 and the typical within-study variance of the logits, "
                   f"{self.continuity:g} added to 0/all-event studies, as metafor)")
            if self.df > 0:
                het += (f"; likelihood-ratio test of heterogeneity LRT = {self.q:.3f} on {self.df} df "
                        f"(p = {self.q_pvalue:.3g})")
        else:
            if self.transform == "logit":
                tr = (f"logit (continuity correction {self.continuity:g} added only to studies with 0 or "
                      "all events)")
            else:
                tr = ("Freeman-Tukey double arcsine (sensitivity analysis; back-transformed at harmonic "
                      f"mean n = {self.n_harmonic:.1f})")
            model = (f"Random-effects model: inverse-variance, {tr}; tau^2 estimator {self.method}.")
            if self.hartung_knapp:
                ci = f"Hartung-Knapp CI (t with {k - 1} df"
                ci += ", ad hoc modification: never narrower than the Wald CI)" if self.hk_adhoc else ")"
            else:
                ci = "Wald CI (normal quantile)"
            het = f"Heterogeneity: tau^2 = {self.tau2:.4g} (tau = {self.tau:.4g})"
            if math.isfinite(self.tau2_ci_lower):
                het += f", Q-profile {lvl} CI {self.tau2_ci_lower:.4g} to {self.tau2_ci_upper:.4g}"
            het += f"; I^2 = {self.i2:.1f} % (from tau^2 and the typical within-study variance, as metafor)"
            if self.df > 0:
                het += f"; Cochran's Q = {self.q:.3f} on {self.df} df (p = {self.q_pvalue:.3g})"
        lines = [
            f"{model}",
            f"  Studies: k = {k} ({self.events} events / {self.total} patients)",
            (
                f"  Pooled proportion: {_fmt_pct(self.proportion)} "
                f"({lvl} CI {_fmt_pct(self.ci_lower)} to {_fmt_pct(self.ci_upper)}; {ci})"
            ),
        ]
        if self.pi_lower is None:
            why = "k = 1" if k == 1 else "k < 3 with the t(k-2) quantile"
            lines.append(f"  Prediction interval: not defined ({why})")
        else:
            q = {"z": "normal quantile, metafor's default", "t(k-1)": f"t quantile with {k - 1} df, "
                 "metafor's default with Hartung-Knapp", "t(k-2)": f"t quantile with {k - 2} df, Higgins "
                 "et al. 2009"}[self.pi_method]
            lines.append(
                f"  Prediction interval ({lvl}): {_fmt_pct(self.pi_lower)} to "
                f"{_fmt_pct(self.pi_upper)} ({q})"
            )
        lines.append("  " + het)
        if self.note:
            lines.append("  Note: " + self.note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------
def _logit_or_nan(p: float) -> float:
    return math.log(p / (1.0 - p)) if 0.0 < p < 1.0 else _NAN


def _pi(mu: float, se: float, tau2: float, k: int, pi_method: str, alpha: float,
        back) -> tuple[float | None, float | None, str]:
    """Prediction interval limits and the name of the quantile used."""
    if k < 2 or (pi_method == "t(k-2)" and k < 3):
        return None, None, pi_method
    crit = float(stats.norm.ppf(1.0 - alpha / 2.0)) if pi_method == "z" else \
        float(stats.t.ppf(1.0 - alpha / 2.0, k - 1 if pi_method == "t(k-1)" else k - 2))
    half = crit * math.sqrt(tau2 + se**2)
    return back(mu - half), back(mu + half), pi_method


def _pool_glmm(x: np.ndarray, n: np.ndarray, common: dict, level: float, pi_method: str,
               n_agq: int, y: np.ndarray, v: np.ndarray) -> PooledProportion:
    k = int(x.size)
    alpha = 1.0 - level
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    special = None
    if k == 1:
        special = ("k = 1: the observed proportion with its Clopper-Pearson exact CI; tau^2 is not "
                   "estimable from one study and is shown as 0.")
    elif np.all(x == 0) or np.all(x == n):
        special = ("every study has {} events: the likelihood has no finite maximum. The pooled proportion is "
                   "the boundary value {}, tau^2 is shown as 0 and the CI is the Clopper-Pearson exact interval "
                   "of the summed counts (the fixed-effect binomial model).").format(
                       "0" if x[0] == 0 else "all", "0 %" if x[0] == 0 else "100 %")
    if special is not None:
        xs, ns = int(x.sum()), int(n.sum())
        lo, hi = _clopper_pearson(np.array([xs]), np.array([ns]), level)
        p = xs / ns
        ll_sat = _binom_loglik(x, n, x / n)
        ll_fe = _binom_loglik(x, n, np.full(k, p))
        q = max(0.0, 2.0 * (ll_sat - ll_fe))
        # ML standard error of a single binomial logit (defined when 0 < p < 1); used by subgroup tests
        se1 = 1.0 / math.sqrt(ns * p * (1.0 - p)) if k == 1 and 0 < xs < ns else _NAN
        return PooledProportion(
            proportion=p, ci_lower=float(lo[0]), ci_upper=float(hi[0]), estimate=_logit_or_nan(p), se=se1,
            ci_method="Clopper-Pearson", tau2=0.0, tau=0.0, i2=0.0, q=q, df=k - 1,
            q_pvalue=float(stats.chi2.sf(q, k - 1)) if k > 1 else None, pi_lower=None, pi_upper=None,
            hartung_knapp=False, weights=tuple(float(t) for t in 100.0 * (1 / v) / np.sum(1 / v)),
            pi_method=pi_method, n_agq=n_agq, note=special, **common)

    fit = glmm.fit_glmm(x, n, n_agq=n_agq)
    mu, se, tau2 = fit.mu, fit.se, fit.tau2
    p_pool = x.sum() / n.sum()
    q = max(0.0, 2.0 * (_binom_loglik(x, n, x / n) - _binom_loglik(x, n, np.full(k, p_pool))))
    pi_lo, pi_hi, pim = _pi(mu, se, tau2, k, pi_method, alpha, _expit)
    w = 1.0 / (v + tau2)
    return PooledProportion(
        proportion=_expit(mu), ci_lower=_expit(mu - z * se), ci_upper=_expit(mu + z * se), estimate=mu,
        se=se, ci_method="z", tau2=tau2, tau=math.sqrt(tau2), i2=heterogeneity.i2_from_tau2(tau2, v), q=q,
        df=k - 1, q_pvalue=float(stats.chi2.sf(q, k - 1)), pi_lower=pi_lo, pi_upper=pi_hi,
        hartung_knapp=False, weights=tuple(float(t) for t in 100.0 * w / w.sum()), pi_method=pim,
        n_agq=n_agq, **common)


def _binom_loglik(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    """Binomial log-likelihood without the binomial coefficients (0 log 0 = 0)."""
    xf = x.astype(float)
    nf = n.astype(float)
    with np.errstate(divide="ignore"):
        a = np.where(xf > 0, xf * np.log(np.where(xf > 0, p, 1.0)), 0.0)
        b = np.where(nf - xf > 0, (nf - xf) * np.log(np.where(nf - xf > 0, 1.0 - p, 1.0)), 0.0)
    return float(np.sum(a + b))


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
) -> PooledProportion:
    k = int(x.size)
    y, v = _transform(x, n, transform, continuity if continuity > 0 or method != "GLMM" else 0.5)
    n_harm = float(k / np.sum(1.0 / n.astype(float)))
    alpha = 1.0 - level
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    common = dict(
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
        return _pool_glmm(x, n, common, level, "z" if pi_method == "ci" else pi_method, n_agq, y, v)

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
    sw = float(w.sum())
    mu = float(np.dot(w, y) / sw)
    se_re = math.sqrt(1.0 / sw)

    if hartung_knapp:
        q_hk = float(np.dot(w, (y - mu) ** 2)) / df
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
        weights=tuple(float(t) for t in 100.0 * w / sw),
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
    method: str = "REML",
    transform: str = "logit",
    hartung_knapp: bool = False,
    continuity: float = 0.5,
    level: float = 0.95,
    labels: Sequence[Any] | None = None,
    hk_adhoc: bool = False,
    pi_method: str = "ci",
    n_agq: int = 7,
) -> PooledProportion:
    """Random-effects pooled proportion.

    Parameters
    ----------
    events, totals : sequence of int
        Events and patients per study; integer-valued with
        ``0 <= events <= totals`` and ``totals > 0``.
    method : {"REML", "DL", "PM", "GLMM"}
        ``"GLMM"``: binomial-normal random-intercept logistic model fitted by
        maximum likelihood with adaptive Gauss-Hermite quadrature
        (:mod:`dttstudy.synthesis.glmm`; as R ``metafor::rma.glmm(measure = "PLO")`` and
        the default of R ``meta::metaprop``). Exact binomial likelihood: no
        continuity correction; Wald CI on the logit scale; tau^2 by ML.
        With k = 1 the result is the observed proportion with its
        Clopper-Pearson CI; when every study has 0 events (or all events)
        the likelihood has no finite maximum and the boundary value with the
        Clopper-Pearson CI of the summed counts is returned (``note`` says
        so). The GLMM is the recommended model for the small, often
        zero-event cohorts of this field.
        The others are inverse-variance models on the ``transform`` scale with
        the tau^2 estimator named, always truncated at 0:
        ``"REML"`` restricted maximum likelihood (default, kept for
        compatibility; global maximiser on ``[0, inf)``), ``"DL"``
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
        quantile and SE, i.e. the normal quantile z with the Wald CI (and for
        the GLMM) and t with k - 1 df and the Hartung-Knapp SE with
        Hartung-Knapp. ``"t(k-2)"``: Higgins et al. (2009) with the standard
        random-effects SE, not defined for k < 3.
    n_agq : int
        Quadrature nodes per study for the GLMM (default 7, as metafor).

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
    return _pool(x, n, labs, m, tr, bool(hartung_knapp), float(continuity), _check_level(level),
                 bool(hk_adhoc), pi_method, n_agq)


# --------------------------------------------------------------------------
# Per-study tables
# --------------------------------------------------------------------------
def _clopper_pearson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - level
    lo = np.zeros(x.size)
    hi = np.ones(x.size)
    pos = x > 0
    notall = x < n
    lo[pos] = stats.beta.ppf(alpha / 2.0, x[pos], n[pos] - x[pos] + 1)
    hi[notall] = stats.beta.ppf(1.0 - alpha / 2.0, x[notall] + 1, n[notall] - x[notall])
    return lo, hi


def study_proportions(
    events: Sequence[int],
    totals: Sequence[int],
    labels: Sequence[Any] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-study proportions with Clopper-Pearson exact confidence intervals.

    The exact (Clopper-Pearson) interval is
    ``[Beta(a/2; x, n-x+1), Beta(1-a/2; x+1, n-x)]`` with ``a = 1 - level``;
    the lower limit is 0 when x = 0 and the upper limit 1 when x = n.  These
    are the intervals to show per study in a forest plot; they do not depend
    on the pooling model.  Use :func:`study_weights` for model weights.

    Returns
    -------
    pandas.DataFrame
        Columns ``label, events, total, proportion, ci_lower, ci_upper``.
    """
    x, n, labs = _validate(events, totals, labels)
    lo, hi = _clopper_pearson(x, n, _check_level(level))
    return pd.DataFrame(
        {
            "label": labs,
            "events": x,
            "total": n,
            "proportion": x / n,
            "ci_lower": lo,
            "ci_upper": hi,
        }
    )


def study_weights(
    events: Sequence[int],
    totals: Sequence[int],
    labels: Sequence[Any] | None = None,
    **pool_kwargs: Any,
) -> pd.DataFrame:
    """Per-study transformed values and random-effects weights (percent).

    Weights are ``100 * w_i* / sum w*`` with ``w_i* = 1/(v_i + tau^2)`` from
    :func:`pool_proportions` called with ``pool_kwargs``.

    Returns
    -------
    pandas.DataFrame
        Columns ``label, yi, vi, weight``.
    """
    return pool_proportions(events, totals, labels=labels, **pool_kwargs).study_table()


# --------------------------------------------------------------------------
# Subgroups and sensitivity analyses
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class SubgroupResult:
    """Subgroup meta-analysis.

    Attributes
    ----------
    pooled : pandas.DataFrame
        One row per subgroup (``row_type == "subgroup"``, in order of first
        appearance) followed by the overall pooled row
        (``row_type == "overall"``, ``subgroup == "Overall"``).
    test : pandas.DataFrame
        One row: ``q_between``, ``df`` (G - 1), ``p_value`` (chi-square;
        NaN when there is a single subgroup), ``n_subgroups``.
    results : dict
        ``PooledProportion`` per subgroup, keyed by subgroup value.
    overall : PooledProportion
        Pooled result over all studies.
    """

    pooled: pd.DataFrame
    test: pd.DataFrame
    results: dict[Any, PooledProportion]
    overall: PooledProportion


def _between_test(
    estimates: Sequence[float], ses: Sequence[float]
) -> tuple[float, int, float | None]:
    est = np.asarray(estimates, dtype=float)
    w = 1.0 / np.asarray(ses, dtype=float) ** 2
    g = est.size
    if g < 2:
        return 0.0, 0, None
    mu = float(np.dot(w, est) / w.sum())
    q_b = float(np.dot(w, (est - mu) ** 2))
    return q_b, g - 1, float(stats.chi2.sf(q_b, g - 1))


def pool_by_subgroup(
    df: pd.DataFrame,
    by: str,
    events: str = "events",
    total: str = "total",
    label: str | None = None,
    **pool_kwargs: Any,
) -> SubgroupResult:
    """Pool within each subgroup, overall, and test for subgroup differences.

    Each subgroup is pooled separately (its own tau^2) with
    :func:`pool_proportions`; the overall row pools all studies ignoring the
    subgroups.  The test for subgroup differences is

    ``Q_between = sum_g (mu_g - mu_bar)^2 / SE_g^2``,
    ``mu_bar = sum_g (mu_g / SE_g^2) / sum_g (1 / SE_g^2)``,

    computed on the transformed scale from the subgroup pooled estimates
    ``mu_g`` and the standard errors they report (Hartung-Knapp SE when
    ``hartung_knapp=True``; a single-study subgroup uses its within-study SE),
    referred to a chi-square distribution with G - 1 df.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per study.
    by : str
        Column defining the subgroups (missing values are not allowed).
    events, total : str
        Column names of the counts.
    label : str, optional
        Column with study labels (used in error messages).
    **pool_kwargs
        Passed to :func:`pool_proportions` (method, transform, ...).

    Returns
    -------
    SubgroupResult
        ``.pooled`` and ``.test`` DataFrames, ``.results`` dict of subgroup
        results and ``.overall``.
    """
    for col in (by, events, total) + ((label,) if label else ()):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not found in the data frame")
    if df[by].isna().any():
        pos = int(np.flatnonzero(df[by].isna().to_numpy())[0])
        raise ValueError(f"missing subgroup in column {by!r} at position {pos}")
    if len(df) == 0:
        raise ValueError("at least one study (k >= 1) is required")
    pool_kwargs.pop("labels", None)
    labs = df[label].tolist() if label else None

    results: dict[Any, PooledProportion] = {}
    rows = []
    for key, sub in df.groupby(by, sort=False):
        sub_labels = sub[label].tolist() if label else None
        res = pool_proportions(
            sub[events].tolist(), sub[total].tolist(), labels=sub_labels, **pool_kwargs
        )
        results[key] = res
        rows.append(res.to_frame().assign(subgroup=key, row_type="subgroup"))
    overall = pool_proportions(df[events].tolist(), df[total].tolist(), labels=labs, **pool_kwargs)
    rows.append(overall.to_frame().assign(subgroup="Overall", row_type="overall"))

    pooled = pd.concat(rows, ignore_index=True)
    front = ["subgroup", "row_type"]
    pooled = pooled[front + [c for c in pooled.columns if c not in front]]

    sub_res = list(results.values())
    q_b, dfb, p_b = _between_test([r.estimate for r in sub_res], [r.se for r in sub_res])
    test = pd.DataFrame(
        [
            {
                "q_between": q_b,
                "df": dfb,
                "p_value": float("nan") if p_b is None else p_b,
                "n_subgroups": len(sub_res),
            }
        ]
    )
    return SubgroupResult(pooled=pooled, test=test, results=results, overall=overall)


def leave_one_out(
    events: Sequence[int],
    totals: Sequence[int],
    labels: Sequence[Any] | None = None,
    **pool_kwargs: Any,
) -> pd.DataFrame:
    """Leave-one-out sensitivity analysis.

    Row ``i`` is :func:`pool_proportions` (with ``pool_kwargs``) applied to all
    studies except study ``i``; column ``omitted`` names the omitted study.
    Requires k >= 2.

    Returns
    -------
    pandas.DataFrame
        ``omitted`` followed by the columns of :meth:`PooledProportion.to_frame`.
    """
    x, n, labs = _validate(events, totals, labels)
    if x.size < 2:
        raise ValueError("leave-one-out needs at least 2 studies")
    frames = []
    for i in range(x.size):
        keep = np.arange(x.size) != i
        res = pool_proportions(
            x[keep], n[keep], labels=[labs[j] for j in np.flatnonzero(keep)], **pool_kwargs
        )
        frames.append(res.to_frame().assign(omitted=labs[i]))
    out = pd.concat(frames, ignore_index=True)
    return out[["omitted"] + [c for c in out.columns if c != "omitted"]]
