"""Table builders: each returns a tidy DataFrame of display cells; rendering is in :mod:`dttstudy.reporting.render`.

* :func:`table1` — baseline characteristics by UC / CD / total with UC-vs-CD tests.
* :func:`table2` — baseline clinical data, one row per patient.
* :func:`table3` — follow-up of patients maintained on DTT.
* :func:`table4` — patients who discontinued DTT.
* :func:`response_table`, :func:`lab_table`, :func:`ae_table` — outcomes in display form.

Conventions: n (%) with the column's N as denominator; continuous variables as median (Q1–Q3) and, where the
paper reports means, mean (SD); a "Missing" row whenever a variable has missing values. Table 1 carries the
numeric p-value and names the test on every row that has one (Fisher's exact test for 2 × 2 tables and for
sparse larger ones — any expected count below 5 — Pearson's chi-square otherwise; Mann–Whitney U, exact or
normal approximation as R's ``wilcox.test`` decides, for continuous variables); a comparison with fewer than
two patients in a disease is not tested and the row says why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..concepts import LABS
from ..intake.cohort import Cohort
from .labs import lab_changes, lab_summary
from .outcomes import clinical_response, endoscopic_response
from .safety import ae_incidence, ae_listing
from .stats import contingency_test, format_p, mann_whitney, round_half_up

def _pct(k: int, n: int) -> str:
    return f"{k} ({round_half_up(100 * k / n, 1):.1f}%)" if n else "0"


def _num(x: float, places: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{round_half_up(x, places):.{places}f}"


def _median_iqr(s: pd.Series, places: int = 1) -> str:
    s = s.dropna()
    if s.empty:
        return "—"
    return f"{_num(s.median(), places)} ({_num(s.quantile(0.25), places)}–{_num(s.quantile(0.75), places)})"


def _with_spread(centre: float, *spread: float, places: int = 2) -> str:
    """'centre (spread)' or 'centre (low–high)' of statistics already computed; '—' when there is no centre."""
    return "—" if pd.isna(centre) else f"{_num(centre, places)} ({'–'.join(_num(x, places) for x in spread)})"


def _mean_sd(s: pd.Series, places: int = 1) -> str:
    s = s.dropna()
    if s.empty:
        return "—"
    sd = s.std(ddof=1) if len(s) > 1 else np.nan
    return f"{_num(s.mean(), places)} ({_num(sd, places)})"


def _range(s: pd.Series, places: int = 0) -> str:
    s = s.dropna()
    return "—" if s.empty else f"{_num(s.min(), places)}–{_num(s.max(), places)}"


#: A UC-vs-CD comparison is tested only when each disease has at least this many patients with a value.
MIN_GROUP_N = 2


def _too_small(p: pd.DataFrame, col: str) -> str:
    n = {d: int(p.loc[p["disease"] == d, col].notna().sum()) for d in ("UC", "CD")}
    small = [f"{d} n = {k}" for d, k in n.items() if k < MIN_GROUP_N]
    return f"no test: fewer than {MIN_GROUP_N} patients with a value ({', '.join(small)})" if small else ""


def _cat_test(p: pd.DataFrame, col: str, levels, rule: str = "auto") -> tuple[float, str, str]:
    """(p, test name, reason when not tested) for a categorical variable, UC vs CD."""
    reason = _too_small(p, col)
    if reason:
        return np.nan, "", reason
    sub = p[p[col].notna()]
    tab = pd.crosstab(sub[col], sub["disease"]).reindex(index=levels, columns=["UC", "CD"], fill_value=0)
    tab = tab[(tab.sum(axis=1) > 0)]
    if tab.shape[0] < 2:
        return np.nan, "", "no test: one category only"
    pv, name = contingency_test(tab.to_numpy(), rule)
    return pv, name, ""


def _cont_test(p: pd.DataFrame, col: str) -> tuple[float, str, str]:
    """(p, test name, reason when not tested) for a continuous variable, UC vs CD."""
    reason = _too_small(p, col)
    if reason:
        return np.nan, "", reason
    a = p.loc[p["disease"] == "UC", col].dropna()
    b = p.loc[p["disease"] == "CD", col].dropna()
    if pd.concat([a, b]).nunique() < 2:
        return np.nan, "", "no test: all values equal"
    _, pv, name = mann_whitney(a, b)
    return pv, name.replace("Mann–Whitney U", "Mann–Whitney U test"), ""


def _groups(p: pd.DataFrame, col: str) -> dict[str, pd.Series]:
    """One column split by disease (only the column is copied, not the frame)."""
    s = p[col]
    return {"UC": s[(p["disease"] == "UC").to_numpy()], "CD": s[(p["disease"] == "CD").to_numpy()], "Total": s}


def _row(variable, level, statistic, cells, p=np.nan, test="", reason=""):
    return {"variable": variable, "level": level, "statistic": statistic, **cells, "p_value": p, "test": test,
            "no_test_reason": reason}


_WITHIN = (np.nan, "", "no test: described within one disease")


def _categorical(p, variable, col, levels, labels=None, test=True, rule="auto"):
    g = _groups(p, col)
    pv, tname, why = _cat_test(p, col, levels, rule) if test else _WITHIN
    counts = {k: d.value_counts() for k, d in g.items()}
    rows = []
    for i, lev in enumerate(levels):
        cells = {k: _pct(int(counts[k].get(lev, 0)), len(d)) for k, d in g.items()}
        rows.append(_row(variable, (labels or {}).get(lev, str(lev)), "n (%)", cells,
                         *((pv, tname, why) if i == 0 else (np.nan, "", ""))))
    miss = {k: int(d.isna().sum()) for k, d in g.items()}
    if miss["Total"]:
        rows.append(_row(variable, "Missing", "n", {k: str(v) for k, v in miss.items()}))
    return rows


def _binary(p, variable, mask_col, label="yes", test=True, rule="auto"):
    g = _groups(p, mask_col)
    flag = p[mask_col].map({True: "yes", False: "no"})
    pv, tname, why = (_cat_test(pd.DataFrame({"disease": p["disease"], "_flag": flag}), "_flag", ["yes", "no"],
                                rule) if test else _WITHIN)
    cells = {k: _pct(int((d == True).sum()), len(d)) for k, d in g.items()}  # noqa: E712
    rows = [_row(variable, label, "n (%)", cells, pv, tname, why)]
    miss = {k: int(d.isna().sum()) for k, d in g.items()}
    if miss["Total"]:
        rows.append(_row(variable, "Missing", "n", {k: str(v) for k, v in miss.items()}))
    return rows


def _continuous(p, variable, col, unit, means=False, show_range=False, places=1):
    g = _groups(p, col)
    pv, tname, why = _cont_test(p, col)
    label = f"{variable}, {unit}" if unit else variable
    rows = []
    if means:
        rows.append(_row(label, "", "mean (SD)", {k: _mean_sd(d, places) for k, d in g.items()}, pv, tname, why))
    rows.append(_row(label, "", "median (Q1–Q3)", {k: _median_iqr(d, places) for k, d in g.items()},
                     *((np.nan, "", "") if means else (pv, tname, why))))
    if show_range:
        rows.append(_row(label, "", "range", {k: _range(d) for k, d in g.items()}))
    miss = {k: int(d.isna().sum()) for k, d in g.items()}
    if miss["Total"]:
        rows.append(_row(label, "Missing", "n", {k: str(v) for k, v in miss.items()}))
    return rows


def prior_therapy_group(patients: pd.DataFrame) -> pd.Series:
    """Prior-therapy group as the paper describes it: ≥ 2 failed agents of either class; a single biologic
    only; a single immunosuppressant only; none."""
    fb, fi = patients["failed_biologics"], patients["failed_immunomodulators"]
    return pd.Series(np.select([fb + fi >= 2, (fb == 1) & (fi == 0), (fb == 0) & (fi == 1)],
                               ["two or more agents", "single biologic only", "single immunosuppressant only"],
                               default="none"), index=patients.index)


def table1(cohort: Cohort, *, categorical_test: str = "auto") -> pd.DataFrame:
    """Baseline characteristics by UC, CD and total (Table 1 of the paper, rebuilt from its text).

    Tidy frame, one row per displayed line. Columns: ``variable``, ``level``, ``statistic`` (what the cells
    hold: "n", "n (%)", "mean (SD)", "median (Q1–Q3)", "range"), the display cells ``UC``, ``CD``, ``Total``
    (strings), ``p_value`` (UC vs CD, numeric, on the first line of a tested variable, NaN elsewhere),
    ``test`` (the test behind ``p_value``, '' when none) and ``no_test_reason`` (on the first line of a
    variable that was not tested: why — fewer than :data:`MIN_GROUP_N` patients with a value in a disease,
    one category only, all values equal, or a variable described within one disease). Formatting the
    p-value is left to the display layer.

    ``categorical_test``: ``"auto"`` (default) — Fisher's exact test for 2 × 2 tables and for larger tables
    with any expected count below 5 (Fisher–Freeman–Halton), Pearson's chi-square otherwise (gtsummary's
    rule); ``"fisher"`` — always exact. Continuous variables: Mann–Whitney U, exact or normal approximation
    by R's ``wilcox.test`` default (named per row).

    Means, SDs, medians and quartiles are printed to one decimal (follow-up before DTT, in months, to whole
    months), so a row never sets two precisions side by side; the paper's two-decimal means (22.78 years,
    9.18 years) are compared at the paper's precision in the reproduction table, not here.
    """
    p = cohort.patients.merge(cohort.treatments[["patient_id", "steroid_at_start", "agent_1", "agent_2"]],
                              on="patient_id", how="left")
    p = p.merge(cohort.subjects()[["patient_id", "regimen"]], on="patient_id")
    p["prior_group"] = prior_therapy_group(p)
    p["has_autoimmune"] = p["autoimmune_disease"].notna()
    cd = p["disease"] == "CD"
    m = p["montreal"].astype("string")
    p["uc_extent"] = m.where(~cd)
    p["cd_location"] = m.str.extract(r"^(L[1-4](?:\+L4)?)")[0].where(cd)
    p["cd_behaviour"] = m.str.extract(r"(B[1-3])")[0].where(cd)
    p["cd_perianal"] = m.str.contains(r" p$", regex=True).where(cd)
    g = _groups(p, "patient_id")
    rows = [_row("Patients", "", "n", {k: str(len(d)) for k, d in g.items()})]
    rows += _categorical(p, "Sex", "sex", ["F", "M"], {"F": "female", "M": "male"},
                         rule=categorical_test)
    rows += _continuous(p, "Age at diagnosis", "age_at_diagnosis", "years", means=True)
    rows += _continuous(p, "Disease duration", "disease_duration", "years", means=True)
    rows += _continuous(p, "Follow-up before DTT", "followup_before_dtt", "months", show_range=True, places=0)
    rows += _categorical(p[~cd].assign(disease="UC"), "Montreal extent (UC)", "uc_extent", ["E1", "E2", "E3"],
                         test=False)
    rows += _categorical(p[cd].assign(disease="CD"), "Montreal location (CD)", "cd_location",
                         sorted(p.loc[cd, "cd_location"].dropna().unique()), test=False)
    rows += _categorical(p[cd].assign(disease="CD"), "Montreal behaviour (CD)", "cd_behaviour",
                         ["B1", "B2", "B3"], test=False)
    rows += _binary(p[cd].assign(cd_perianal=p.loc[cd, "cd_perianal"].astype(bool)), "Perianal disease (CD)",
                    "cd_perianal", test=False)
    rows += _categorical(p, "Abdominal surgery", "abdominal_surgery", ["none", "ileal", "ileocolonic", "colonic"],
                         rule=categorical_test)
    rows += _binary(p, "Perianal surgery", "perianal_surgery", rule=categorical_test)
    rows += _binary(p, "Immune-mediated comorbidity", "has_autoimmune", rule=categorical_test)
    rows += _categorical(p, "Prior therapy", "prior_group",
                         ["two or more agents", "single biologic only", "single immunosuppressant only", "none"],
                         rule=categorical_test)
    rows += _continuous(p, "Failed biologics", "failed_biologics", "n", means=True)
    rows += _continuous(p, "Failed immunosuppressants / small molecules", "failed_immunomodulators", "n",
                        means=True)
    rows += _categorical(p, "Indication", "indication", ["refractory", "eim", "imid"],
                         {"refractory": "refractory IBD", "eim": "active EIM", "imid": "active IMID"},
                         rule=categorical_test)
    rows += _binary(p, "Corticosteroid at DTT start", "steroid_at_start", rule=categorical_test)
    rows += _categorical(p, "Regimen", "regimen", sorted(p["regimen"].unique()),
                         rule=categorical_test)
    out = pd.DataFrame(rows)
    # per-disease rows cannot compare UC with CD: blank the other disease's cell
    out.loc[out["variable"].str.endswith("(UC)"), "CD"] = ""
    out.loc[out["variable"].str.endswith("(CD)"), "UC"] = ""
    return out


def table2(cohort: Cohort) -> pd.DataFrame:
    """Baseline clinical data, one row per patient (Table 2): characteristics, regimen and month-0 scores."""
    s = cohort.subjects()
    p = cohort.patients[["patient_id", "age_at_diagnosis", "disease_duration", "montreal", "abdominal_surgery",
                         "perianal_surgery", "failed_biologics", "failed_immunomodulators"]]
    # optional marker columns this cohort holds but left empty
    unrecorded = [x.name for x in LABS if x.optional and x.name not in cohort.labs and x.name in cohort.visits]
    b = cohort.visits[cohort.visits["month"] == 0].drop(columns=["month", "on_dtt", *unrecorded])
    out = s[["patient_id", "center", "sex", "disease", "regimen", "steroid_at_start"]].merge(p, on="patient_id")
    out = out.merge(b, on="patient_id", how="left")
    return out.sort_values("patient_id", kind="mergesort").reset_index(drop=True)


def _follow_up(cohort: Cohort, months, **response_kwargs) -> pd.DataFrame:
    """Per-patient follow-up listing of every patient of ``cohort`` (rows in patient order)."""
    out = cohort.subjects()[["patient_id", "disease", "regimen", "dtt_months", "status", "stop_reason",
                             "next_therapy"]]
    uc = (out["disease"] == "UC").to_numpy()
    for m in months:
        r = clinical_response(cohort, m, **response_kwargs)  # same patient order as subjects()
        out[f"score_{m}m"] = np.where(uc, r["partial_mayo"], r["hbi"])
        out[f"response_{m}m"] = np.where(r["evaluable"], np.where(r["responder"].fillna(False), "yes", "no"), "—")
        out[f"crp_{m}m"] = r["crp"].to_numpy()
    out.insert(3, "score", np.where(uc, "partial Mayo", "HBI"))
    base = cohort.visits[cohort.visits["month"] == 0].set_index("patient_id")
    out.insert(4, "score_0m", np.where(uc, out["patient_id"].map(base["partial_mayo"]),
                                       out["patient_id"].map(base["hbi"])))
    endo = endoscopic_response(cohort)
    out["endoscopic_response"] = np.where(endo["evaluable"],
                                          np.where(endo["responder"].fillna(False), "yes", "no"), "—")
    ae = ae_listing(cohort)
    terms = ae.groupby("patient_id")["term"].agg("; ".join)
    out["adverse_events"] = out["patient_id"].map(terms).fillna("")
    out.attrs["definition"] = response_kwargs.get("definition", "paper")  # the display's footnote names it
    return out


def table3(cohort: Cohort, months=(3, 6, 9), **response_kwargs) -> pd.DataFrame:
    """Follow-up of patients maintained on DTT (Table 3): activity score, clinical response and CRP by month,
    endoscopic response within the follow-up, and adverse events."""
    s = cohort.subjects()
    sub = cohort.filter(patients=list(s.loc[s["status"] == "maintained", "patient_id"]))
    return _follow_up(sub, months, **response_kwargs).drop(columns=["status", "stop_reason", "next_therapy"])


def table4(cohort: Cohort, months=(3, 6, 9), **response_kwargs) -> pd.DataFrame:
    """Patients who discontinued DTT (Table 4): reason, time on DTT, next therapy, responses before stopping."""
    s = cohort.subjects()
    sub = cohort.filter(patients=list(s.loc[s["status"] == "discontinued", "patient_id"]))
    return _follow_up(sub, months, **response_kwargs).drop(columns=["status"])


def _ci_cell(r) -> str:
    if r["N"] == 0:
        return "0/0"
    return (f"{int(r['n'])}/{int(r['N'])} ({_num(r['pct'], 1)}%; {_num(r['ci_low'], 1)}–{_num(r['ci_high'], 1)})")


def response_table(rates: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`dttstudy.analysis.outcomes.response_rates`: 'n/N (%; CI)' per month × analysis set."""
    out = rates.copy()
    out["n/N (%; 95% CI)"] = out.apply(_ci_cell, axis=1)
    return out[["endpoint", "definition", "analysis_set", "month", "by", "group", "n/N (%; 95% CI)", "ci_method"]]


def lab_table(cohort: Cohort, labs: tuple[str, ...] | None = None, months=(3, 6, 9), by="disease", **kwargs
              ) -> pd.DataFrame:
    """Lab change from baseline: n, baseline and follow-up mean, mean change (SD), medians (Q1–Q3), p.
    ``labs`` defaults to the cohort's analysed markers (:attr:`dttstudy.intake.cohort.Cohort.labs`); a marker and
    month without a paired value gets a row with n = 0 and '—' cells."""
    labs = tuple(cohort.labs if labs is None else labs)
    summ = lab_summary(lab_changes(cohort, labs, months, **kwargs), by=by, labs=labs, months=tuple(months))
    out = pd.DataFrame({
        "lab": summ["lab"], "unit": summ["unit"], "month": summ["month"], "group": summ["group"], "n": summ["n"],
        "baseline mean": summ["baseline_mean"].map(lambda x: _num(x, 2)),
        "follow-up mean": summ["value_mean"].map(lambda x: _num(x, 2)),
        "change mean (SD)": list(map(_with_spread, summ["change_mean"], summ["change_sd"])),
        "baseline median (Q1–Q3)": list(map(_with_spread, summ["baseline_median"], summ["baseline_q1"],
                                            summ["baseline_q3"])),
        "follow-up median (Q1–Q3)": list(map(_with_spread, summ["value_median"], summ["value_q1"],
                                             summ["value_q3"])),
        "p": summ["p_value"].map(format_p), "test": summ["test"],
    })
    return out


def ae_table(cohort: Cohort, by=("disease", "regimen", "suspected_agent"), ci_method="clopper-pearson"
             ) -> pd.DataFrame:
    """Patients with ≥ 1 treatment-emergent AE, overall and by each grouping, with exact CIs."""
    parts = [ae_incidence(cohort, None, ci_method=ci_method)]
    parts += [ae_incidence(cohort, b, ci_method=ci_method).iloc[1:] for b in by]
    t = pd.concat(parts, ignore_index=True)
    t["n/N (%; 95% CI)"] = t.apply(_ci_cell, axis=1)
    return t[["by", "group", "n/N (%; 95% CI)", "events", "ci_method"]]
