"""Published DTT cohorts beside this cohort: selection, this cohort's own rows, pooling, forest plots.

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


def forest_data(rows: pd.DataFrame, method: str = "REML", hartung_knapp: bool = False) -> tuple[pd.DataFrame, object]:
    """Per-study proportions with Clopper–Pearson CIs plus the random-effects pooled estimate of ``rows``."""
    from .meta import pool_proportions, study_proportions

    labels = list(study_label(rows))
    per = study_proportions(rows["events"], rows["total"], labels=labels)
    per.insert(0, "study_id", list(rows["study_id"]))
    pooled = pool_proportions(rows["events"], rows["total"], method=method, hartung_knapp=hartung_knapp,
                              labels=labels) if len(rows) else None
    return per, pooled


def forest_plot(per: pd.DataFrame, pooled, title: str, highlight: pd.DataFrame | None = None,
                xlabel: str = "Proportion of patients (%)"):
    """Forest plot: studies with exact CIs, marker size by N, the pooled diamond, this cohort highlighted."""
    from .figures import _plt

    plt = _plt()
    rows = per.copy()
    extra = 1 if highlight is not None and len(highlight) else 0
    n = len(rows) + extra + 1
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * n + 1.6))
    ys = list(range(n - 1, 0, -1))
    for y, r in zip(ys, rows.itertuples()):
        ax.plot([100 * r.ci_lower, 100 * r.ci_upper], [y, y], color="black", lw=1)
        ax.plot(100 * r.proportion, y, "s", color="black", ms=3 + 6 * np.sqrt(r.total / rows["total"].max()))
        ax.text(101.5, y, f"{r.events}/{r.total}  {100 * r.proportion:.1f} ({100 * r.ci_lower:.1f}–"
                f"{100 * r.ci_upper:.1f})", va="center", fontsize=7)
    labels = list(rows["label"])
    if extra:
        h = highlight.iloc[0]
        y = ys[len(rows)] if len(rows) < len(ys) else 1.5
        ax.plot([100 * h["ci_lower"], 100 * h["ci_upper"]], [y, y], color="crimson", lw=1.6)
        ax.plot(100 * h["proportion"], y, "D", color="crimson", ms=7)
        ax.text(101.5, y, f"{h['events']}/{h['total']}  {100 * h['proportion']:.1f} ({100 * h['ci_lower']:.1f}–"
                f"{100 * h['ci_upper']:.1f})", va="center", fontsize=7, color="crimson")
        labels.append(str(h["label"]))
    if pooled is not None:
        lo, mid, hi = 100 * pooled.ci_lower, 100 * pooled.proportion, 100 * pooled.ci_upper
        ax.fill([lo, mid, hi, mid], [0, 0.3, 0, -0.3], color="navy")
        if pooled.pi_lower is not None and not np.isnan(pooled.pi_lower):
            ax.plot([100 * pooled.pi_lower, 100 * pooled.pi_upper], [0, 0], color="navy", lw=0.8, ls=":")
        ax.text(101.5, 0, f"{pooled.events}/{pooled.total}  {mid:.1f} ({lo:.1f}–{hi:.1f})", va="center",
                fontsize=7, color="navy")
        labels.append(f"Pooled, other studies ({pooled.method}, {pooled.transform}; I² {pooled.i2:.0f}%)")
    ticks = ys[:len(rows)] + ([ys[len(rows)] if len(rows) < len(ys) else 1.5] if extra else []) + \
        ([0] if pooled is not None else [])
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=8)
    for t in ax.get_yticklabels():
        if extra and t.get_text() == str(highlight.iloc[0]["label"]):
            t.set_color("crimson")
    ax.set_xlim(-1, 101)
    ax.set_ylim(-0.8, n - 0.3)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.text(0.01, 0.005, "Study CIs: Clopper–Pearson exact; pooled: random effects on the logit scale "
             "(dotted: 95% prediction interval)", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 0.8, 1))
    return fig


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
