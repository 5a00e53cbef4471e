"""Laboratory change from baseline of the declared markers (:data:`dttstudy.concepts.LABS`: the paper's two, and
each optional marker where a centre records it).

Baseline is the month-0 value. The follow-up value at month m is taken from the visit that counts as month m
(closest visit within the window, see :func:`dttstudy.analysis.outcomes.visit_at`). Only patients with both values are
paired; nothing is imputed. Summaries are of the paired set, so baseline and follow-up means describe the same
patients (as the paper's "n = 4", "n = 7" and "n = 5" groups do).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..concepts import LAB_BY_NAME, LAB_ORDER
from ..intake.cohort import Cohort
from .outcomes import visit_at
from .stats import wilcoxon_signed_rank

#: Unit of each declared marker (from :data:`dttstudy.concepts.LABS`).
LABS = {x.name: x.unit for x in LAB_BY_NAME.values()}
#: Groups with fewer paired values than this get no signed-rank test (p-value missing, reason given).
MIN_PAIRS = 2


def lab_changes(cohort: Cohort, labs: tuple[str, ...] | None = None, months=(3, 6, 9), *,
                windows: dict | None = None, on_dtt_only: bool = False) -> pd.DataFrame:
    """Paired change from baseline, one row per patient × lab × month with both values present.

    ``labs``: marker names (default :attr:`Cohort.labs <dttstudy.intake.cohort.Cohort.labs>`: the paper's two and
    every optional marker the cohort records).

    >>> from dttstudy.intake.cohort import load_cohort
    >>> ch = lab_changes(load_cohort(), months=(9,))
    >>> ch.groupby("lab").size().to_dict()              # the paper's "n = 5" at 9 months, for both markers
    {'albumin': 5, 'crp': 5}

    Columns: patient_id, disease, regimen, lab, unit, month, baseline, visit_month, value, change
    (value − baseline) and pct_change (100 × change / baseline; missing when the baseline is 0).
    """
    labs = tuple(cohort.labs if labs is None else labs)
    subj = cohort.subjects()[["patient_id", "disease", "regimen"]]
    base = cohort.visits.loc[cohort.visits["month"] == 0, ["patient_id", *labs]]
    parts = []
    for m in months:
        fu = visit_at(cohort, m, windows, on_dtt_only)[["patient_id", "month", *labs]]
        for lab in labs:
            d = subj.merge(base[["patient_id", lab]].rename(columns={lab: "baseline"}), on="patient_id")
            d = d.merge(fu[["patient_id", "month", lab]].rename(columns={lab: "value", "month": "visit_month"}),
                        on="patient_id")
            d = d.dropna(subset=["baseline", "value"])
            d.insert(3, "lab", lab)
            d.insert(4, "unit", LABS.get(lab, ""))
            d.insert(5, "month", m)
            parts.append(d)
    cols = ["patient_id", "disease", "regimen", "lab", "unit", "month", "baseline", "visit_month", "value"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out["change"] = out["value"] - out["baseline"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_change"] = np.where(out["baseline"] != 0, 100 * out["change"] / out["baseline"], np.nan)
    order = out["lab"].map(LAB_ORDER).fillna(len(LAB_ORDER))  # markers in their declared order (CRP first)
    return (out.assign(_o=order).sort_values(["_o", "lab", "month", "patient_id"], kind="mergesort")
            .drop(columns="_o").reset_index(drop=True))


def _q(s: pd.Series, q: float) -> float:
    return float(s.quantile(q)) if len(s) else np.nan


SUMMARY_COLUMNS = ["lab", "unit", "month", "by", "group", "n", "baseline_mean", "value_mean", "change_mean",
                   "change_sd", "baseline_median", "baseline_q1", "baseline_q3", "value_median", "value_q1",
                   "value_q3", "change_median", "change_q1", "change_q3", "wilcoxon_statistic", "p_value", "test",
                   "no_test_reason"]


def lab_summary(changes: pd.DataFrame, by: str | list[str] | None = "disease", *, labs=None, months=None
                ) -> pd.DataFrame:
    """Summary of paired changes by lab × month (and ``by``; overall rows have group 'All').

    Columns: lab, unit, month, by, group, n (patients with both values), baseline_mean, value_mean,
    change_mean, change_sd, baseline/value/change median with Q1–Q3 (quantiles by linear interpolation,
    pandas' default), wilcoxon_statistic, p_value (paired Wilcoxon signed-rank, R's ``wilcox.test`` default:
    exact below 50 pairs without ties or zero changes, otherwise the normal approximation with continuity
    correction), ``test`` (which of the two; '' when not tested) and ``no_test_reason`` (groups with fewer
    than :data:`MIN_PAIRS` pairs are not tested).

    ``labs`` and ``months``: the markers and months analysed; one with no paired value at all gets an 'All' row with
    n = 0 and no statistics ("no paired values"), so a month past every visit shows as such rather than missing.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    rows = []
    cells = dict(iter(changes.groupby(["lab", "month"], sort=True))) if len(changes) else {}
    wanted = {(lab, m) for lab in (labs or ()) for m in (months or ())}
    for lab, month in sorted(set(cells) | wanted,
                             key=lambda k: (LAB_ORDER.get(k[0], len(LAB_ORDER)), k[0], k[1])):
        if (lab, month) not in cells:
            rows.append({"lab": lab, "unit": LABS.get(lab, ""), "month": month, "by": "All", "group": "All", "n": 0,
                         "test": "", "no_test_reason": "no paired values"})
            continue
        g = cells[(lab, month)]
        groups = [("All", "All", g)]
        for col in by_cols:
            groups += [(col, val, gg) for val, gg in g.groupby(col, sort=True)]
        for var, val, gg in groups:
            if len(gg) < MIN_PAIRS:
                stat, p, test = np.nan, np.nan, ""
                why = f"no test: fewer than {MIN_PAIRS} pairs"
            else:
                stat, p, test = wilcoxon_signed_rank(gg["baseline"], gg["value"])
                why = test if test.startswith("no test") else ""
                test = test if not why else ""
            row = {"lab": lab, "unit": gg["unit"].iloc[0] if len(gg) else "", "month": month, "by": var,
                   "group": val, "n": len(gg), "baseline_mean": gg["baseline"].mean(),
                   "value_mean": gg["value"].mean(), "change_mean": gg["change"].mean(),
                   "change_sd": gg["change"].std(ddof=1) if len(gg) > 1 else np.nan}
            for name in ("baseline", "value", "change"):
                row[f"{name}_median"] = gg[name].median()
                row[f"{name}_q1"] = _q(gg[name], 0.25)
                row[f"{name}_q3"] = _q(gg[name], 0.75)
            row.update({"wilcoxon_statistic": stat, "p_value": p, "test": test, "no_test_reason": why})
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
