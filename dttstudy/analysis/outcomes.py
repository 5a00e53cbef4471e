"""Efficacy outcomes, derived from raw scores (never from stored flags).

Definitions follow Wang et al., Front Med 2025 (Methods, "Outcome definitions"):

* **UC clinical response** — partial Mayo score drop ≥ 3 points *and* ≥ 30% from baseline, *and* a rectal
  bleeding subscore drop ≥ 1 or a bleeding subscore ≤ 1.
* **CD clinical response** — HBI drop ≥ 3 points. For patients with baseline HBI ≤ 4: CRP normalisation or a
  Limberg grade drop ≥ 2 (by default *instead of* the HBI drop, see ``low_hbi_rule``).
* **Endoscopic response** — CD: SES-CD drop > 50%; UC: Mayo endoscopic subscore drop ≥ 1.
* **Clinical remission** (extra endpoint) — CD: HBI < 5; UC: partial Mayo ≤ 2 with bleeding subscore 0.

Which visit counts as "month m": the visit closest to m within the window ``windows[m]`` (months either side;
the Methods give 3 mo ± 2 weeks and 6/12 mo ± 1 month; 9 mo is taken as ± 1 month). On a tie the earlier visit
is used. The baseline is the month-0 visit. A patient with no visit in the window, or without the scores the
definition needs at baseline and follow-up, is *not evaluable* and is left out of the denominator in the
observed-case analysis (as in the paper).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..concepts import ENDPOINT_NAMES
from ..concepts import ENDPOINTS as ENDPOINT_DECLARATIONS
from ..intake.cohort import Cohort
from ..parameters import PAPER_WINDOWS
from ..precision import MONTH_TOLERANCE
from .stats import CI_METHODS, binomial_ci

#: Half-widths of the visit windows, in months, keyed by the target month (the paper's; declared with the
#: parameters, :data:`dttstudy.parameters.PAPER_WINDOWS`).
DEFAULT_WINDOWS = PAPER_WINDOWS
#: Upper limit of normal for CRP (mg/L) used for "CRP normalisation".
DEFAULT_CRP_ULN = 5.0
#: DTT stop reasons that make a patient a non-responder at later timepoints under non-responder imputation.
NRI_REASONS = ("no_response", "adverse_event")

#: The declared endpoints (:data:`dttstudy.concepts.ENDPOINTS`), by name.
ENDPOINTS = ENDPOINT_NAMES


def _window(month: float, windows: dict | None) -> float:
    w: dict = DEFAULT_WINDOWS if windows is None else windows
    if month in w:
        return float(w[month])
    if month == 0:
        return 0.0
    raise ValueError(f"no visit window defined for month {month:g}; pass windows={{{month:g}: half_width}}")


def _nearest_target(visit_months: pd.Series, month: float, windows: dict | None) -> pd.Series:
    """True where ``month`` is, among the target months of ``windows`` whose window holds the visit, the closest
    (the earlier on a tie): with overlapping windows a visit counts at one month only."""
    keep = pd.Series(True, index=visit_months.index)
    d_this = (visit_months - month).abs().round(9)
    for other, half in (windows or {}).items():
        if other == month:
            continue
        d_other = (visit_months - other).abs().round(9)
        inside = d_other <= float(half) + MONTH_TOLERANCE
        keep &= ~(inside & ((d_other < d_this) | ((d_other == d_this) & (other < month))))
    return keep


def overlapping_windows(windows: dict) -> list[tuple[float, float]]:
    """Pairs of consecutive target months whose visit windows overlap."""
    ms = sorted(windows)
    return [(a, b) for a, b in zip(ms, ms[1:]) if a + float(windows[a]) >= b - float(windows[b])]


def visit_at(cohort: Cohort, month: float, windows: dict | None = None, on_dtt_only: bool = False) -> pd.DataFrame:
    """The visit that counts as ``month`` for each patient who has one (closest in the window, earlier on ties).

    Where windows overlap, a visit counts at the target month it is closest to (the earlier on a tie), never at
    two months (:func:`overlapping_windows`; the Methods state it)."""
    v = cohort.visits
    if on_dtt_only:
        v = v[v["on_dtt"]]
    half = _window(month, windows)
    d = (v["month"] - month).abs()
    # distance rounded far below the recording precision, so that two visits equally far from the target are a tie
    # (3 - 2.7 and 3.3 - 3 need not be the same float) and the earlier one wins
    cand = v.assign(_d=d.round(9))[(d <= half + MONTH_TOLERANCE) & _nearest_target(v["month"], month, windows)]
    # closest first, then earlier; the first row per patient wins (numeric sort, no sort on the ids)
    cand = cand.sort_values(["_d", "month"], kind="mergesort").drop_duplicates("patient_id")
    return cand.sort_index().drop(columns="_d").reset_index(drop=True)


def _frame(cohort: Cohort, month, windows, on_dtt_only, cols) -> pd.DataFrame:
    """Patients × (baseline, follow-up) values of the given score columns."""
    subj = cohort.subjects()[["patient_id", "disease", "regimen", "status", "stop_reason", "dtt_months"]]
    base = cohort.visits.loc[cohort.visits["month"] == 0, ["patient_id"] + cols]
    fu = visit_at(cohort, month, windows, on_dtt_only)[["patient_id", "month", "on_dtt"] + cols]
    out = subj.merge(base.rename(columns={c: f"baseline_{c}" for c in cols}), on="patient_id", how="left")
    out = out.merge(fu.rename(columns={"month": "visit_month"}), on="patient_id", how="left")
    out.insert(3, "month", month)
    return out


def _finish(df: pd.DataFrame, evaluable, reason, responder, criterion, name: str) -> pd.DataFrame:
    df = df.copy()
    df["evaluable"] = np.asarray(evaluable, dtype=bool)
    df["not_evaluable_reason"] = np.where(df["evaluable"], "", reason)
    df[name] = pd.array(np.where(df["evaluable"], np.asarray(responder, dtype=bool), False), dtype="boolean")
    df.loc[~df["evaluable"], name] = pd.NA
    df["criterion"] = np.where(df["evaluable"], criterion, "")
    return df


def _reason(conditions: list[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """First matching reason per row (conditions are checked in order)."""
    out = np.full(n, "", dtype=object)
    for cond, text in reversed(conditions):
        out = np.where(cond, text, out)
    return out


def clinical_response(cohort: Cohort, month: float, *, definition: str = "paper",
                      crp_uln: float = DEFAULT_CRP_ULN, low_hbi_rule: str = "replace", low_hbi_max: float = 4,
                      windows: dict | None = None, on_dtt_only: bool = False) -> pd.DataFrame:
    """Clinical response at ``month`` for every patient of the cohort.

    Parameters
    ----------
    definition : ``"paper"`` (the study's composite definitions, see the module docstring) or ``"simple"``
        (sensitivity analysis approximating the criteria of the Asian cohort the paper compares with:
        CD HBI drop ≥ 3 alone; UC partial Mayo drop ≥ 50%).
    crp_uln : CRP upper limit of normal, mg/L (default 5). "CRP normalisation" = baseline CRP above it and
        follow-up CRP at or below it.
    low_hbi_rule : for CD patients with baseline HBI ≤ ``low_hbi_max``: ``"replace"`` (default) — response is
        CRP normalisation or Limberg drop ≥ 2; ``"additional"`` — HBI drop ≥ 3 *and* one of those.
    windows : visit-window half-widths by target month (default :data:`DEFAULT_WINDOWS`).
    on_dtt_only : count only assessments made while still on DTT (default False, as the paper's 9-month
        7/7 includes one patient assessed after de-escalation).

    Returns
    -------
    One row per patient: identifiers, ``visit_month``, baseline and follow-up scores used, ``evaluable`` and
    ``not_evaluable_reason``, ``responder`` (nullable boolean, missing when not evaluable) and ``criterion``.
    Denominator for a rate = evaluable patients.
    """
    if definition not in ("paper", "simple"):
        raise ValueError("definition must be 'paper' or 'simple'")
    if low_hbi_rule not in ("replace", "additional"):
        raise ValueError("low_hbi_rule must be 'replace' or 'additional'")
    cols = ["hbi", "partial_mayo", "rectal_bleeding", "crp", "limberg"]
    df = _frame(cohort, month, windows, on_dtt_only, cols)
    n = len(df)
    uc = (df["disease"] == "UC").to_numpy()
    has_visit = df["visit_month"].notna().to_numpy()

    # UC
    pm0, pm = df["baseline_partial_mayo"].to_numpy(float), df["partial_mayo"].to_numpy(float)
    rb0, rb = df["baseline_rectal_bleeding"].to_numpy(float), df["rectal_bleeding"].to_numpy(float)
    pm_drop = pm0 - pm
    with np.errstate(invalid="ignore"):
        if definition == "paper":
            bleed_ok = ((rb0 - rb) >= 1) | (rb <= 1)
            uc_resp = (pm_drop >= 3) & (pm_drop * 100 >= 30 * pm0) & bleed_ok
            uc_needs_rb = True
        else:
            uc_resp = (pm0 > 0) & (pm_drop * 100 >= 50 * pm0)
            uc_needs_rb = False
    uc_eval = ~np.isnan(pm0) & ~np.isnan(pm)
    if uc_needs_rb:
        uc_eval &= ~np.isnan(rb0) & ~np.isnan(rb)
    uc_crit = np.where(uc_resp, "partial Mayo criteria met", "partial Mayo criteria not met")

    # CD
    h0, h = df["baseline_hbi"].to_numpy(float), df["hbi"].to_numpy(float)
    c0, c = df["baseline_crp"].to_numpy(float), df["crp"].to_numpy(float)
    l0, lim = df["baseline_limberg"].to_numpy(float), df["limberg"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        hbi_ok = (h0 - h) >= 3
        crp_norm = (c0 > crp_uln) & (c <= crp_uln)
        lim_ok = (l0 - lim) >= 2
    crp_pair = ~np.isnan(c0) & ~np.isnan(c)
    lim_pair = ~np.isnan(l0) & ~np.isnan(lim)
    low = (h0 <= low_hbi_max) & (definition == "paper")
    hbi_pair = ~np.isnan(h0) & ~np.isnan(h)
    objective = crp_norm | lim_ok
    if low_hbi_rule == "replace":
        cd_resp = np.where(low, objective, hbi_ok)
        cd_eval = np.where(low, crp_pair | lim_pair, hbi_pair)
    else:
        cd_resp = np.where(low, hbi_ok & objective, hbi_ok)
        cd_eval = np.where(low, hbi_pair & (crp_pair | lim_pair), hbi_pair)
    cd_crit = np.where(
        low,
        np.where(crp_norm, "low baseline HBI: CRP normalised",
                 np.where(lim_ok, "low baseline HBI: Limberg drop >= 2", "low baseline HBI: no objective criterion")),
        np.where(hbi_ok, "HBI drop >= 3", "HBI drop < 3"))

    evaluable = has_visit & np.where(uc, uc_eval, cd_eval)
    reason = _reason([
        (~has_visit, "no visit in window"),
        (uc & (np.isnan(pm0) | np.isnan(rb0 if uc_needs_rb else pm0)), "baseline partial Mayo/bleeding missing"),
        (uc, "follow-up partial Mayo/bleeding missing"),
        (~uc & np.isnan(h0), "baseline HBI missing"),
        (~uc & low, "low baseline HBI: no CRP or Limberg pair"),
        (~uc, "follow-up HBI missing"),
    ], n)
    out = _finish(df, evaluable, reason, np.where(uc, uc_resp, cd_resp), np.where(uc, uc_crit, cd_crit),
                  "responder")
    out["definition"] = definition
    return out


def clinical_remission(cohort: Cohort, month: float, *, hbi_below: float = 5, partial_mayo_max: float = 2,
                       bleeding_max: float = 0, windows: dict | None = None, on_dtt_only: bool = False
                       ) -> pd.DataFrame:
    """Clinical remission at ``month``: CD HBI < 5; UC partial Mayo ≤ 2 with bleeding subscore 0.

    Status at the visit (baseline not needed). Not evaluable without a visit in the window or the score.
    ``responder`` holds the remission flag so that :func:`response_rates` treats all endpoints alike.
    """
    df = _frame(cohort, month, windows, on_dtt_only, ["hbi", "partial_mayo", "rectal_bleeding"])
    uc = (df["disease"] == "UC").to_numpy()
    h = df["hbi"].to_numpy(float)
    pm, rb = df["partial_mayo"].to_numpy(float), df["rectal_bleeding"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        rem = np.where(uc, (pm <= partial_mayo_max) & (rb <= bleeding_max), h < hbi_below)
    evaluable = np.where(uc, ~np.isnan(pm) & ~np.isnan(rb), ~np.isnan(h))
    has_visit = df["visit_month"].notna().to_numpy()
    reason = np.where(~has_visit, "no visit in window", "score missing")
    crit = np.where(rem, "in remission", "not in remission")
    return _finish(df, has_visit & evaluable, reason, rem, crit, "responder")


def endoscopic_response(cohort: Cohort, month: float | None = None, *, horizon: float = 9,
                        ses_cd_min_drop_pct: float = 50, mes_min_drop: float = 1,
                        windows: dict | None = None, on_dtt_only: bool = False) -> pd.DataFrame:
    """Endoscopic response: CD SES-CD drop > 50% (strictly); UC MES drop ≥ 1 from baseline.

    With ``month=None`` (default) the last endoscopy after baseline up to ``horizon`` months is compared with
    the baseline endoscopy ("within the 9-month follow-up period", as the paper reports it). With a ``month``,
    the endoscopy at that visit (in its window) is used. Patients without a baseline endoscopy, or without a
    later one, are not evaluable. A CD patient with baseline SES-CD 0 is not evaluable (no % drop).
    """
    v = cohort.visits
    if on_dtt_only:
        v = v[v["on_dtt"]]
    subj = cohort.subjects()[["patient_id", "disease", "regimen", "status", "stop_reason", "dtt_months"]]
    dis = subj.set_index("patient_id")["disease"]
    score = np.where(v["patient_id"].map(dis) == "UC", v["mes"], v["ses_cd"])
    ev = v.assign(endo=score)[["patient_id", "month", "endo"]]
    base = ev[(ev["month"] == 0)][["patient_id", "endo"]].rename(columns={"endo": "baseline_endo"})
    later = ev[(ev["month"] > 0) & ev["endo"].notna()]
    if month is None:
        later = later[later["month"] <= horizon].sort_values(["patient_id", "month"]).drop_duplicates(
            "patient_id", keep="last")
    else:
        half = _window(month, windows)
        dist = (later["month"] - month).abs()
        own = _nearest_target(later["month"], month, windows)
        later = later[(dist <= half + MONTH_TOLERANCE) & own].assign(_d=dist.round(9))
        later = later.sort_values(["patient_id", "_d", "month"]).drop_duplicates("patient_id").drop(columns="_d")
    df = subj.merge(base, on="patient_id", how="left").merge(
        later.rename(columns={"month": "visit_month"}), on="patient_id", how="left")
    df.insert(3, "month", month if month is not None else horizon)
    df["window"] = "at month" if month is not None else f"within {horizon:g} months"
    uc = (df["disease"] == "UC").to_numpy()
    b, f = df["baseline_endo"].to_numpy(float), df["endo"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        resp = np.where(uc, (b - f) >= mes_min_drop, (b > 0) & ((b - f) * 100 > ses_cd_min_drop_pct * b))
    evaluable = ~np.isnan(b) & ~np.isnan(f) & (uc | (b > 0))
    reason = _reason([(np.isnan(b), "no baseline endoscopy"), (np.isnan(f), "no follow-up endoscopy"),
                      (~uc & (b == 0), "baseline SES-CD is 0")], len(df))
    crit = np.where(uc, np.where(resp, f"MES drop >= {mes_min_drop:g}", f"MES drop < {mes_min_drop:g}"),
                    np.where(resp, f"SES-CD drop > {ses_cd_min_drop_pct:g}%", f"SES-CD drop <= {ses_cd_min_drop_pct:g}%"))
    out = _finish(df, evaluable, reason, resp, crit, "responder")
    out["score"] = np.where(uc, "MES", "SES-CD")
    return out


def steroid_free(cohort: Cohort, month: float) -> pd.DataFrame:
    """Steroid-free at ``month``: no corticosteroid at DTT start, or stopped at or before ``month``.

    A patient on steroids at start with no stop month recorded is counted as still on steroids.
    """
    t = cohort.subjects()[["patient_id", "disease", "regimen", "steroid_at_start", "steroid_stop_month"]].copy()
    t["month"] = month
    stopped = t["steroid_stop_month"].notna() & (t["steroid_stop_month"] <= month)
    t["steroid_free"] = ~t["steroid_at_start"].astype(bool) | stopped
    return t


#: Each declared endpoint's rule: the function of this module its declaration names.
ENDPOINT_RULES = {e.name: globals()[e.rule] for e in ENDPOINT_DECLARATIONS}


def _nri(per_patient: pd.DataFrame, month: float, reasons) -> pd.DataFrame:
    """Non-responder imputation: stopped DTT for ``reasons`` at or before ``month`` → non-responder."""
    df = per_patient.copy()
    stopped = (df["status"] == "discontinued") & df["stop_reason"].isin(reasons) & (df["dtt_months"] <= month)
    on = df["on_dtt"].eq(True) if "on_dtt" in df else pd.Series(False, index=df.index)
    imputed = stopped & ~(df["evaluable"] & on)  # an assessment made on DTT stands as observed
    df["imputed"] = imputed
    df.loc[imputed, "evaluable"] = True
    df.loc[imputed, "responder"] = False
    return df


def _reached(subj: pd.DataFrame, month: float, windows: dict | None, reasons) -> bool:
    """Whether any patient other than those who stopped DTT for ``reasons`` was followed into the month's window."""
    failed = (subj["status"] == "discontinued") & subj["stop_reason"].isin(reasons)
    return bool((subj.loc[~failed, "last_followup"] >= month - _window(month, windows) - MONTH_TOLERANCE).any())


def rate_table(per_patient: pd.DataFrame, by: str | list[str] | None = None, *, flag: str = "responder",
               ci_method: str = "clopper-pearson", level: float = 0.95) -> pd.DataFrame:
    """n/N, % and CI of a boolean flag among evaluable rows, overall (group 'All') and by ``by``.

    Percentages and CI bounds are in percent. The CI method is named in the ``ci_method`` column.
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {sorted(CI_METHODS)}")
    ev = per_patient[per_patient["evaluable"].astype(bool)]
    groups = [("All", "All", ev)]
    for col in [by] if isinstance(by, str) else (by or []):
        for val, g in ev.groupby(col, sort=True):
            groups.append((col, val, g))
        for val in sorted(set(per_patient[col].dropna()) - set(ev[col].dropna())):
            groups.append((col, val, ev.iloc[0:0]))
    rows = []
    for var, val, g in groups:
        k, n = int(g[flag].astype(bool).sum()), len(g)
        lo, hi = binomial_ci(k, n, ci_method, level)
        rows.append({"by": var, "group": val, "n": k, "N": n, "pct": 100 * k / n if n else np.nan,
                     "ci_low": 100 * lo, "ci_high": 100 * hi, "ci_method": CI_METHODS[ci_method],
                     "level": level})
    return pd.DataFrame(rows)


def response_rates(cohort: Cohort, months=(3, 6, 9), *, endpoint: str = "clinical_response", by=None,
                   analysis_sets=("observed", "nri"), nri_reasons=NRI_REASONS, ci_method: str = "clopper-pearson",
                   level: float = 0.95, **endpoint_kwargs) -> pd.DataFrame:
    """Response (or remission) rates by month with exact CIs, for each analysis set.

    Analysis sets
    -------------
    ``observed`` — observed cases: evaluable patients at that month (what the paper reports).
    ``nri`` — non-responder imputation: in addition, patients who stopped DTT for no response or an adverse
    event (``nri_reasons``) at or before the month count as non-responders (denominator grows), including any
    assessment they had after stopping. The difference shows how much the observed-case rates depend on
    who remained under follow-up (the selection the paper itself names at 9 months).

    A month that no patient reached gives no rate in either set: when no patient other than those who stopped for
    ``nri_reasons`` was followed into the month's window (``last_followup`` ≥ month − half-width), the imputed
    denominator would hold only the patients who stopped early, which estimates nothing about response at that
    month; its rows then have N = 0 (shown as '–').

    ``endpoint``: ``clinical_response``, ``clinical_remission`` or ``endoscopic_response`` (for the latter,
    ``month=None`` in ``months`` means "within the horizon"). Extra keyword arguments go to the endpoint
    function (e.g. ``definition="simple"``, ``crp_uln=10``).
    """
    if endpoint not in ENDPOINT_RULES:
        raise ValueError(f"endpoint must be one of {ENDPOINTS}")
    func = ENDPOINT_RULES[endpoint]
    subj = cohort.subjects()
    out = []
    for m in months:
        per = func(cohort, m, **endpoint_kwargs)
        month_label = m if m is not None else per["month"].iloc[0] if len(per) else np.nan
        for aset in analysis_sets:
            if aset == "observed":
                d = per
            elif aset == "nri":
                reached = m is None or _reached(subj, m, endpoint_kwargs.get("windows"), nri_reasons)
                d = _nri(per, month_label, nri_reasons) if reached else per.assign(evaluable=False)
            else:
                raise ValueError("analysis_sets may contain 'observed' and 'nri'")
            t = rate_table(d, by, ci_method=ci_method, level=level)
            t.insert(0, "month", month_label)
            t.insert(0, "analysis_set", aset)
            t.insert(0, "endpoint", endpoint)
            out.append(t)
    res = pd.concat(out, ignore_index=True)
    defn = endpoint_kwargs.get("definition", "paper") if endpoint == "clinical_response" else "paper"
    res.insert(1, "definition", defn)
    return res
