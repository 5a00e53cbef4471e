"""Analyses derived from the pooled models: per-study proportions with exact (Clopper-Pearson) CIs and
the weight of each study, subgroup pooling with a test for subgroup differences, and leave-one-out sensitivity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .models import _check_level, _clopper_pearson, _fdot, _validate, pool_proportions
from .result import PooledProportion


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
    :func:`pool_proportions` called with ``pool_kwargs`` (inverse-variance weights: REML unless another
    inverse-variance ``method`` is given).

    Returns
    -------
    pandas.DataFrame
        Columns ``label, yi, vi, weight``.
    """
    return pool_proportions(events, totals, labels=labels, **{"method": "REML", **pool_kwargs}).study_table()


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
    mu = _fdot(w, est) / math.fsum(w.tolist())
    q_b = _fdot(w, (est - mu) ** 2)
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
    # checked over the whole frame first, so that a bad count is named by its row in ``df``
    _validate(df[events].tolist(), df[total].tolist(), labs)

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
