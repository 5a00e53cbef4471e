"""Published DTT cohorts beside this cohort: selection, this cohort's own rows, pooling (forest plots: :mod:`.forest`).

The published rows are data (``data/published/literature.csv``, documented in ``literature.md``). This
cohort's row is never typed in: :func:`cohort_rows` computes it with the package's outcome functions.
Selection rules (:func:`select`):

* ``include="main"`` keeps rows flagged ``include_main`` (adult, refractory, patient-based, no overlap);
  ``"all"`` keeps every row except event-based and trial-unit counts, which are never pooled with patients.
* One row per study and outcome: the latest timepoint reported (``one_per_study="latest"``) or the earliest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import PUBLISHED_DIR, Cohort

LITERATURE_FILE = PUBLISHED_DIR / "literature.csv"
OUTCOMES = ("clinical_response", "clinical_remission", "endoscopic_response", "endoscopic_remission", "any_ae",
            "serious_ae")
OUTCOME_LABELS = {"clinical_response": "Clinical response", "clinical_remission": "Clinical remission",
                  "endoscopic_response": "Endoscopic response", "endoscopic_remission": "Endoscopic remission",
                  "any_ae": "Any adverse event", "serious_ae": "Serious adverse event"}
_BOOL = ("derived_from_percent", "event_based", "trial_units", "include_main", "verified")
THIS_STUDY = "this_cohort"


def load_literature(path=None) -> pd.DataFrame:
    """The literature table with typed columns; raises ValueError naming row and column on bad cells."""
    df = pd.read_csv(path or LITERATURE_FILE, dtype=str, keep_default_na=False)
    problems = []
    for col in _BOOL:
        bad = ~df[col].isin(["true", "false"])
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} is not true/false" for i in df.index[bad]]
        df[col] = df[col] == "true"
    for col in ("events", "total", "n_patients"):
        num = pd.to_numeric(df[col], errors="coerce")
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} is not a whole number"
                     for i in df.index[num.isna() | (num % 1 != 0)]]
        df[col] = num
    df["timepoint_months"] = pd.to_numeric(df["timepoint_months"], errors="coerce")
    bad = ~df["outcome"].isin(OUTCOMES)
    problems += [f"row {i + 2}, column 'outcome': {df.at[i, 'outcome']!r} unknown" for i in df.index[bad]]
    bad = df["events"] > df["total"]
    problems += [f"row {i + 2}, column 'events': more events than total" for i in df.index[bad]]
    if problems:
        raise ValueError(f"{path or LITERATURE_FILE}:\n  " + "\n  ".join(problems))
    df["events"] = df["events"].astype(int)
    df["total"] = df["total"].astype(int)
    return df


def cohort_rows(cohort: Cohort, month: float = 9, **response_kwargs) -> pd.DataFrame:
    """This cohort's rows in the literature format, computed from raw data (observed cases, as published).

    Clinical response and remission at ``month``; endoscopic response/remission within ``month``; any and
    serious treatment-emergent AE over the whole DTT course.
    """
    from .outcomes import clinical_remission, clinical_response, endoscopic_response
    from .safety import ae_incidence

    def count(per):
        ev = per[per["evaluable"]]
        return int(ev["responder"].astype(bool).sum()), len(ev)

    out = {
        "clinical_response": count(clinical_response(cohort, month, **response_kwargs)),
        "clinical_remission": count(clinical_remission(cohort, month)),
        "endoscopic_response": count(endoscopic_response(cohort, horizon=month)),
    }
    inc = ae_incidence(cohort).iloc[0]
    ser = ae_incidence(cohort, serious_only=True).iloc[0]
    out["any_ae"] = (int(inc["n"]), int(inc["N"]))
    out["serious_ae"] = (int(ser["n"]), int(ser["N"]))
    d = cohort.patients["disease"]
    disease = d.iloc[0] if d.nunique() == 1 else "mixed"
    rows = []
    for outcome, (k, n) in out.items():
        if n == 0:
            continue
        rows.append({"study_id": THIS_STUDY, "first_author": "this cohort", "year": np.nan, "journal": "",
                     "doi_or_url": "", "population": "adult", "refractory": "yes", "disease": disease,
                     "regimen_class": "mixed", "n_patients": len(cohort.patients),
                     "timepoint": f"{month:g} mo" if not outcome.endswith("ae") else "DTT course",
                     "timepoint_months": month, "outcome": outcome, "events": k, "total": n,
                     "derived_from_percent": False, "event_based": False, "trial_units": False,
                     "include_main": True, "verified": True, "overlaps_with": "",
                     "notes": cohort.label})
    return pd.DataFrame(rows)


def select(lit: pd.DataFrame, outcome: str, include: str = "main", one_per_study: str = "latest",
           regimen_class: str | None = None, population: str | None = None) -> pd.DataFrame:
    """Rows for one outcome under the inclusion rules of the module docstring."""
    if include not in ("main", "all"):
        raise ValueError("include must be 'main' or 'all'")
    d = lit[(lit["outcome"] == outcome) & ~lit["event_based"] & ~lit["trial_units"]]
    if include == "main":
        d = d[d["include_main"]]
    if regimen_class:
        d = d[d["regimen_class"] == regimen_class]
    if population:
        d = d[d["population"] == population]
    asc = one_per_study != "latest"
    d = d.assign(_t=d["timepoint_months"].fillna(-1 if not asc else 1e9))
    d = d.sort_values(["study_id", "_t"], ascending=[True, asc], kind="mergesort")
    return d.drop_duplicates("study_id").drop(columns="_t").reset_index(drop=True)


def study_label(df: pd.DataFrame) -> pd.Series:
    year = df["year"].map(lambda y: "" if pd.isna(y) or y == "" else f" {int(float(y))}")
    base = df["first_author"].astype(str) + year
    arm = np.where(base.duplicated(keep=False), " [" + df["study_id"].astype(str) + "]", "")
    return base + arm + " (" + df["regimen_class"].astype(str).str.replace("_", " ") + ")"


def regimen_class_table(lit: pd.DataFrame, outcomes=("clinical_response", "clinical_remission",
                                                     "endoscopic_response", "any_ae", "serious_ae"),
                        include: str = "main", method: str = "REML") -> pd.DataFrame:
    """Pooled proportion by regimen class for each outcome (k studies, patients, %, CI, I²), with the
    subgroup-difference test — in the spirit of the 2026 regimen-level meta-analysis."""
    from .meta import pool_by_subgroup

    out = []
    for outcome in outcomes:
        d = select(lit, outcome, include)
        if d.empty:
            continue
        res = pool_by_subgroup(d, "regimen_class", method=method)
        pooled = res.pooled
        p = res.test["p_value"].iloc[0] if len(res.test) else np.nan
        for r in pooled.itertuples():
            out.append({"outcome": outcome, "regimen_class": r.subgroup, "k": r.k, "patients": r.total,
                        "events": r.events, "pooled_pct": 100 * r.proportion, "ci_low": 100 * r.ci_lower,
                        "ci_high": 100 * r.ci_upper, "i2": r.i2, "tau2": r.tau2, "method": r.method,
                        "subgroup_p": p if r.row_type != "subgroup" else np.nan})
    return pd.DataFrame(out)
