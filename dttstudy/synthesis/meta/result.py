"""The pooled result: :class:`PooledProportion`, what every model of :mod:`dttstudy.synthesis.meta.models` returns
(pooled proportion with its CI, tau^2 and I^2, the heterogeneity test, the prediction interval, the study weights).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd


# --------------------------------------------------------------------------
# Result container
# --------------------------------------------------------------------------
def _fmt_pct(p: float | None) -> str:
    return "n/a" if p is None else f"{100.0 * p:.1f}%"


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
        95% (``level``) prediction interval for the proportion in a new study, ``mu +/- c sqrt(tau2 + SE^2)``;
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
    proportion_marginal : float
        GLMM only: the population-averaged (marginal) proportion ``E[expit(mu + tau u)]`` beside the
        conditional ``proportion = expit(mu)`` (the median study's proportion); NaN for the other models.
    marginal_ci_lower, marginal_ci_upper : float
        GLMM only: its interval, the pooled logit's CI carried through the averaging at the estimated tau^2
        (the average is increasing in mu; tau^2 is held at its estimate).
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
    proportion_marginal: float = _NAN
    marginal_ci_lower: float = _NAN
    marginal_ci_upper: float = _NAN

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
            if self.ci_method == "Clopper-Pearson":
                return "no model fitted: summed count, Clopper-Pearson exact CI"
            return f"binomial-normal GLMM (ML), {self.ci_method} CI"
        tr = "logit" if self.transform == "logit" else "Freeman-Tukey"
        return f"inverse-variance {tr}, {self.method}" + (" + Hartung-Knapp" if self.hartung_knapp else "")

    def summary(self) -> pd.DataFrame:
        """The result as a one-row tidy DataFrame (:meth:`to_frame`); the words are :meth:`print_summary`."""
        return self.to_frame()

    def print_summary(self) -> None:
        """Print the methods paragraph and results (``str(result)``)."""
        print(self.summary_text())

    def _repr_html_(self) -> str:  # JupyterLab: the paragraph, escaped, above the tidy row
        import html

        return f"<pre>{html.escape(self.summary_text())}</pre>" + self.to_frame().to_html(index=False)

    def summary_text(self) -> str:
        """Methods paragraph and results, in the manner of R metafor's print method."""
        lvl = f"{100 * self.level:g}%"
        k = self.k
        if self.method == "GLMM":
            model = (
                "Random-effects model: binomial-normal generalised linear mixed model (random-intercept "
                "logistic regression; Stijnen et al. 2010), fitted by maximum likelihood with adaptive "
                f"Gauss-Hermite quadrature ({self.n_agq} nodes per study, as metafor rma.glmm / lme4 "
                "nAGQ = 7). Exact binomial likelihood: no continuity correction."
            )
            ci = {"z": "Wald CI on the logit scale (normal quantile), metafor's default",
                  "t(k-1)": f"CI on the logit scale with the t quantile, {k - 1} df (metafor test = \"t\")"}.get(
                self.ci_method, "Clopper-Pearson exact CI")
            if self.ci_method != "Clopper-Pearson":
                model += (" Estimand: the conditional pooled proportion expit(mu), i.e. the proportion of the "
                          f"median study; population-averaged proportion {_fmt_pct(self.proportion_marginal)}.")
            het = (f"Heterogeneity: tau^2 (logit scale, ML) = {self.tau2:.4g} (tau = {self.tau:.4g})"
                   + (f", profile-likelihood {lvl} CI {self.tau2_ci_lower:.4g} to {self.tau2_ci_upper:.4g}"
                      if math.isfinite(self.tau2_ci_lower) else "") + "; "
                   f"I^2 = {self.i2:.1f}% (from tau^2 and the typical within-study variance of the logits, "
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
            het += f"; I^2 = {self.i2:.1f}% (from tau^2 and the typical within-study variance, as metafor)"
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
            q = {"z": "normal quantile", "t(k-1)": f"t quantile with {k - 1} df, "
                 "metafor's default with Hartung-Knapp or test = \"t\"", "t(k-2)": f"t quantile with {k - 2} df, Higgins "
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
        return self.summary_text()
