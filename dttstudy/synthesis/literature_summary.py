"""The pool of published cohorts beside this cohort: one summary row per outcome, with a predictive check.

The cohort is not compared with the pooled proportion (a mean of studies, not a study): it is placed in the
distribution a *new* study of its size would have under the pool. For the cohort's ``x`` events in ``n``
patients, ``p_at_least`` is the probability that a new study of ``n`` patients shows ``x`` or more events and
``p_at_most`` that it shows ``x`` or fewer, when the new study's logit is drawn from the pooled predictive
distribution (binomial–normal GLMM: ``mu + sqrt(tau^2 + SE^2) T``, T with the prediction interval's quantile,
t(k-1) or normal) and its count is binomial (:func:`dttstudy.synthesis.glmm.inference.predictive_tail`). A small
probability says the cohort's result would be unusual for a study like those pooled; a large one, that it is
within what such studies show. Only for the GLMM; NaN otherwise and where no model was fitted.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .glmm.inference import predictive_tail
from .meta import PooledProportion

__all__ = ["pool_differences", "pooled_summary_row", "predictive_check", "stated_months", "timepoint_span"]


def predictive_check(pooled: PooledProportion | None, x: int, n: int) -> tuple[float, float]:
    """``(p_at_least, p_at_most)`` for ``x`` events in ``n`` patients under the pooled predictive distribution
    (see the module docstring); NaN when the pool is not a fitted GLMM."""
    if pooled is None or pooled.method != "GLMM" or pooled.ci_method == "Clopper-Pearson" or n < 1:
        return math.nan, math.nan
    df = pooled.k - 1 if pooled.pi_method == "t(k-1)" else None
    if pooled.pi_method not in ("t(k-1)", "z"):
        raise ValueError(f"predictive check defined for the t(k-1) or z prediction interval, not {pooled.pi_method}")
    up = predictive_tail(x, n, pooled.estimate, pooled.se, pooled.tau2, df=df, upper=True)
    low = predictive_tail(x, n, pooled.estimate, pooled.se, pooled.tau2, df=df, upper=False)
    return up, low


def _pct(v) -> float:
    return math.nan if v is None else 100.0 * v


def pooled_summary_row(outcome: str, pooled: PooledProportion | None, own: pd.DataFrame,
                       sensitivity: pd.DataFrame | None = None) -> dict:
    """One row of the pooled-vs-cohort table: pooled proportion (conditional: the median study's) with its CI,
    population-averaged proportion, prediction interval, tau^2 with its CI, the model, this cohort's count and
    the predictive check. ``own``: this cohort's row for the outcome in the main analysis set (0 or 1 row; for
    efficacy, non-responder imputation); ``sensitivity``: its row in the other set (observed cases), whose count
    and predictive check are added as ``this_cohort_observed``, ``p_at_least_observed`` and
    ``p_at_most_observed`` (NaN / '—' when absent)."""
    row: dict[str, object] = {"outcome": outcome}
    if pooled is not None:
        row.update({"k": pooled.k, "patients": pooled.total, "pooled_pct": 100 * pooled.proportion,
                    "ci_low": 100 * pooled.ci_lower, "ci_high": 100 * pooled.ci_upper,
                    "marginal_pct": _pct(pooled.proportion_marginal)
                    if math.isfinite(pooled.proportion_marginal) else math.nan,
                    "marginal_ci_low": _pct(pooled.marginal_ci_lower),
                    "marginal_ci_high": _pct(pooled.marginal_ci_upper),
                    "pi_low": _pct(pooled.pi_lower), "pi_high": _pct(pooled.pi_upper),
                    "tau2": pooled.tau2, "tau2_ci_low": pooled.tau2_ci_lower, "tau2_ci_high": pooled.tau2_ci_upper,
                    "i2": pooled.i2, "method": pooled.model_description, "ci_method": pooled.ci_method,
                    "pi_method": pooled.pi_method})
    if len(own):
        x, n = int(own["events"].iloc[0]), int(own["total"].iloc[0])
        up, low = predictive_check(pooled, x, n)
        row.update({"this_cohort": f"{x}/{n}", "this_cohort_label": str(own["label"].iloc[0]),
                    "this_cohort_pct": 100.0 * x / n, "p_at_least": up, "p_at_most": low})
    else:
        row.update({"this_cohort": "—", "this_cohort_label": "", "this_cohort_pct": np.nan,
                    "p_at_least": np.nan, "p_at_most": np.nan})
    if sensitivity is not None and len(sensitivity):
        x, n = int(sensitivity["events"].iloc[0]), int(sensitivity["total"].iloc[0])
        up, low = predictive_check(pooled, x, n)
        row.update({"this_cohort_observed": f"{x}/{n}", "p_at_least_observed": up, "p_at_most_observed": low})
    else:
        row.update({"this_cohort_observed": "—", "p_at_least_observed": np.nan, "p_at_most_observed": np.nan})
    return row


def timepoint_span(rows: pd.DataFrame) -> str:
    """Each pooled study's timepoint in words ("He 2025: 4-27 mo FU; Ye 2026: ..."), for a figure caption."""
    if not len(rows):
        return ""
    labels = rows["label"] if "label" in rows else rows["study_id"]
    return "; ".join(f"{lab}: {tp or 'not stated'}" for lab, tp in zip(labels, rows["timepoint"].astype(str)))


def stated_months(rows: pd.DataFrame) -> tuple[pd.Series, int]:
    """The pooled studies' timepoints stated as one number of months, and how many studies state none (a range
    of follow-up, or no timepoint)."""
    known = pd.to_numeric(rows["timepoint_months"], errors="coerce").dropna()
    return known, len(rows) - len(known)


def pool_differences(rows: pd.DataFrame) -> dict:
    """How the pooled studies differ, for the caveats beside a pooled proportion: ``study_timepoints`` (the range
    of the timepoints stated as one number of months, and how many studies state none, e.g. "1.8–27 months; 2
    without a single timepoint") and ``definitions`` (distinct outcome definitions)."""
    if not len(rows):
        return {"study_timepoints": "", "definitions": 0}
    known, missing = stated_months(rows)
    span = (f"{known.min():g} months" if known.min() == known.max() else
            f"{known.min():g}–{known.max():g} months") if len(known) else ""
    if missing:
        span += ("; " if span else "") + f"{missing} without a single timepoint"
    return {"study_timepoints": span, "definitions": int(rows["outcome_definition"].astype(str).nunique())}
