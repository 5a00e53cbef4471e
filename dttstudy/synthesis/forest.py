"""The table behind a forest plot of single proportions: published studies, this cohort, the pooled estimate.

:func:`forest_data` (DataFrame out): one row per pooled study with its Clopper–Pearson exact CI and weight, the
arms of multi-arm studies indented under their study (shown, not pooled), and the pooled model. The plot is drawn
by :func:`dttstudy.reporting.figures.forest.forest_plot`.

Weights: for the inverse-variance models the random-effects weights ``1/(v_i + tau^2)`` in percent. The GLMM
has no study weights; the column then shows the *approximate* inverse-variance weight with the GLMM's tau^2
(logit variances, 0.5 added to 0/all-event studies), and the plot's footnote says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .literature import study_label
from .meta import pool_proportions, study_proportions


def _labels(rows: pd.DataFrame) -> list[str]:
    if "label" in rows and rows["label"].astype(str).ne("").all():
        return [str(s) for s in rows["label"]]
    return list(study_label(rows))


def forest_data(rows: pd.DataFrame, method: str | None = "GLMM", hartung_knapp: bool = False,
                arms: pd.DataFrame | None = None, level: float = 0.95, **pool_kwargs):
    """Per-study proportions with Clopper–Pearson CIs and the random-effects pooled estimate of ``rows``.

    ``rows`` are the pooled units (e.g. ``literature.select(..., units="study")``). ``arms`` (optional,
    ``units="arm"``) adds, under each multi-arm study, its arms as indented display rows (``level`` 1,
    ``pooled=False``, no weight). Returns ``(per, pooled)``: ``per`` has columns ``study_id, arm, label, level,
    pooled, events, total, proportion, ci_lower, ci_upper, weight, timepoint, outcome_definition`` (weight in %,
    see the module docstring; timepoint and definition as the source reports them);
    ``pooled`` is a :class:`dttstudy.synthesis.meta.PooledProportion` (None without rows, or with
    ``method=None``: the studies only, no model fitted and no weights).
    """
    if not len(rows):
        cols = ["study_id", "arm", "label", "level", "pooled", "events", "total", "proportion", "ci_lower",
                "ci_upper", "weight", "timepoint", "outcome_definition"]
        return pd.DataFrame(columns=cols), None
    labels = _labels(rows)
    kw = dict(pool_kwargs)
    if method == "GLMM":
        kw.setdefault("test", "t")
    else:
        kw["hartung_knapp"] = hartung_knapp
    pooled = None if method is None else pool_proportions(rows["events"], rows["total"], method=method,
                                                           labels=labels, level=level, **kw)
    per = study_proportions(rows["events"], rows["total"], labels=labels, level=level)
    per.insert(0, "arm", list(rows["arm"]) if "arm" in rows else [""] * len(rows))
    per.insert(0, "study_id", list(rows["study_id"]))
    per.insert(3, "level", 0)
    per.insert(4, "pooled", True)
    per["weight"] = list(pooled.weights) if pooled is not None else np.nan
    for col in ("timepoint", "outcome_definition"):
        per[col] = list(rows[col].astype(str)) if col in rows else ""
    if arms is None or not len(arms):
        return per, pooled
    arm_rows = arms[arms["arm"].astype(str) != ""]
    arm_per = study_proportions(arm_rows["events"], arm_rows["total"], labels=_labels(arm_rows), level=level)
    arm_per.insert(0, "arm", list(arm_rows["arm"]))
    arm_per.insert(0, "study_id", list(arm_rows["study_id"]))
    arm_per.insert(3, "level", 1)
    arm_per.insert(4, "pooled", False)
    arm_per["weight"] = np.nan
    for col in ("timepoint", "outcome_definition"):
        arm_per[col] = list(arm_rows[col].astype(str)) if col in arm_rows else ""
    out = []
    for i in range(len(per)):
        out.append(per.iloc[[i]])
        sub = arm_per[arm_per["study_id"] == per["study_id"].iloc[i]]
        if len(sub) > 1 or (len(sub) == 1 and sub["arm"].iloc[0] != per["arm"].iloc[i]):
            out.append(sub)
    return pd.concat(out, ignore_index=True), pooled
