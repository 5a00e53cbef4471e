"""Safety: adverse-event listing, incidence, exposure-adjusted rates and time to first AE.

Rules (stated once, used everywhere):

* **Treatment-emergent AE (TEAE)** — onset from month 0 up to the end of the DTT course
  (``dtt_months``) plus ``grace_months`` (default 0). Only TEAEs count below.
* **Incidence** — patients with ≥ 1 TEAE / all patients in the group (a patient counts once however many
  events). For a suspected agent, the denominator is the patients whose regimen contains that agent and an
  event suspected on ``both`` agents counts for each of them.
* **Time to first AE** — from DTT start to the onset of the first TEAE. Patients without one are censored at
  the end of DTT: the stop month when DTT was discontinued, the last month on DTT when it was maintained.
  ``cnsr`` follows CDISC ADaM (0 = event, 1 = censored), the reverse of ``event``.
* **Exposure-adjusted incidence rate (EAIR)** — patients with a first TEAE per 100 patient-years at risk (time to
  first TEAE or censoring); **event rate (EAER)** — all TEAEs per 100 patient-years of DTT exposure. Both with
  exact Poisson (Garwood) CIs.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..intake import schema as S
from ..precision import MONTH_TOLERANCE
from ..intake.cohort import Cohort
from .stats import CI_METHODS, binomial_ci, poisson_rate_ci


def ae_listing(cohort: Cohort, *, grace_months: float = 0) -> pd.DataFrame:
    """One row per adverse event with the patient's disease, regimen and DTT course, and the TEAE flag."""
    subj = cohort.subjects()[["patient_id", "disease", "regimen", "dtt_months", "status", "stop_reason"]]
    ae = cohort.adverse_events.merge(subj, on="patient_id", how="left")
    ae["treatment_emergent"] = ((ae["onset_month"] >= 0)
                                & (ae["onset_month"] <= ae["dtt_months"] + grace_months + MONTH_TOLERANCE))
    cols = ["patient_id", "disease", "regimen", "term", "onset_month", "suspected_agent", "serious", "action",
            "outcome"] + (["severity"] if "severity" in ae else []) + ["dtt_months", "status", "stop_reason",
                                                                       "treatment_emergent"]
    return ae[cols].sort_values(["patient_id", "onset_month", "term"], kind="mergesort").reset_index(drop=True)


def _teae(cohort: Cohort, serious_only: bool, grace_months: float) -> pd.DataFrame:
    ae = ae_listing(cohort, grace_months=grace_months)
    ae = ae[ae["treatment_emergent"]]
    return ae[ae["serious"].astype(bool)] if serious_only else ae


def ae_incidence(cohort: Cohort, by: str | None = None, *, serious_only: bool = False, grace_months: float = 0,
                 ci_method: str = "clopper-pearson", level: float = 0.95) -> pd.DataFrame:
    """Patients with ≥ 1 TEAE, n/N with exact CI, overall and by ``disease``, ``regimen`` or ``suspected_agent``.

    Columns: by, group, n (patients with an event), N (patients at risk), events (number of TEAEs), pct,
    ci_low, ci_high (percent), ci_method.
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {sorted(CI_METHODS)}")
    subj = cohort.subjects()
    ae = _teae(cohort, serious_only, grace_months)
    groups = [("All", "All", subj["patient_id"], ae)]
    if by in ("disease", "regimen"):
        for val, g in subj.groupby(by, sort=True):
            groups.append((by, val, g["patient_id"], ae[ae["patient_id"].isin(g["patient_id"])]))
    elif by == "suspected_agent":
        agents = sorted(set(subj["agent_1"]) | set(subj["agent_2"]), key=lambda a: (a in S.SMALL_MOLECULES, a))
        for a in agents:
            exposed = subj.loc[(subj["agent_1"] == a) | (subj["agent_2"] == a), "patient_id"]
            hit = ae[ae["patient_id"].isin(exposed) & ae["suspected_agent"].isin([a, "both"])]
            groups.append((by, a, exposed, hit))
        unk = ae[ae["suspected_agent"] == "unknown"]
        if len(unk):
            groups.append((by, "unknown", subj["patient_id"], unk))
    elif by is not None:
        raise ValueError("by must be None, 'disease', 'regimen' or 'suspected_agent'")
    rows = []
    for var, val, ids, events in groups:
        n, N = events["patient_id"].nunique(), len(ids)
        lo, hi = binomial_ci(n, N, ci_method, level)
        rows.append({"by": var, "group": val, "n": n, "N": N, "events": len(events),
                     "pct": 100 * n / N if N else np.nan, "ci_low": 100 * lo, "ci_high": 100 * hi,
                     "ci_method": CI_METHODS[ci_method]})
    return pd.DataFrame(rows)


def time_to_first_ae(cohort: Cohort, *, serious_only: bool = False, grace_months: float = 0) -> pd.DataFrame:
    """One row per patient: ``time`` (months), ``event`` (1 = first TEAE), ``cnsr`` (ADaM: 0 = event),
    ``censor_reason`` and the first event's term. Censoring: see the module docstring."""
    subj = cohort.subjects()[["patient_id", "disease", "regimen", "dtt_months", "status", "stop_reason"]]
    ae = _teae(cohort, serious_only, grace_months)
    first = ae.sort_values(["patient_id", "onset_month", "term"], kind="mergesort").drop_duplicates("patient_id")
    out = subj.merge(first[["patient_id", "onset_month", "term"]], on="patient_id", how="left")
    out["event"] = out["onset_month"].notna().astype(int)
    out["time"] = np.where(out["event"] == 1, out["onset_month"], out["dtt_months"])
    out["cnsr"] = 1 - out["event"]
    reason = np.where(out["status"] == "discontinued",
                      "DTT stopped (" + out["stop_reason"].fillna("").astype(str) + ")", "on DTT at last follow-up")
    out["censor_reason"] = np.where(out["event"] == 1, "", reason)
    out = out.rename(columns={"term": "first_event"})
    out["parameter"] = "time to first serious TEAE" if serious_only else "time to first TEAE"
    return out[["patient_id", "disease", "regimen", "parameter", "time", "event", "cnsr", "censor_reason",
                "first_event", "dtt_months", "status", "stop_reason"]]


def time_on_dtt(cohort: Cohort, *, events=("adverse_event", "no_response", "de_escalation", "other")
                ) -> pd.DataFrame:
    """Time on DTT: ``time`` = DTT months; ``event`` = discontinued for one of ``events`` (default any reason,
    de-escalation included); otherwise censored at the last month on DTT."""
    s = cohort.subjects()[["patient_id", "disease", "regimen", "dtt_months", "status", "stop_reason"]].copy()
    s["time"] = s["dtt_months"]
    s["event"] = ((s["status"] == "discontinued") & s["stop_reason"].isin(events)).astype(int)
    s["cnsr"] = 1 - s["event"]
    s["censor_reason"] = np.where(s["event"] == 1, "",
                                  np.where(s["status"] == "maintained", "on DTT at last follow-up",
                                           "stopped for a reason not counted as an event"))
    s["parameter"] = "time on DTT"
    return s


def exposure_adjusted_incidence(cohort: Cohort, by: str | None = None, *, serious_only: bool = False,
                                grace_months: float = 0, level: float = 0.95) -> pd.DataFrame:
    """EAIR (patients with a first TEAE per 100 patient-years at risk) and EAER (TEAEs per 100 patient-years
    of DTT), with exact Poisson CIs, overall and by ``disease`` or ``regimen``."""
    tte = time_to_first_ae(cohort, serious_only=serious_only, grace_months=grace_months)
    ae = _teae(cohort, serious_only, grace_months)
    groups = [("All", "All", tte)]
    if by in ("disease", "regimen"):
        groups += [(by, val, g) for val, g in tte.groupby(by, sort=True)]
    elif by is not None:
        raise ValueError("by must be None, 'disease' or 'regimen'")
    rows = []
    for var, val, g in groups:
        n, py_risk = int(g["event"].sum()), g["time"].sum() / 12
        n_events, py_exp = int(ae["patient_id"].isin(g["patient_id"]).sum()), g["dtt_months"].sum() / 12
        lo, hi = poisson_rate_ci(n, py_risk, level)
        elo, ehi = poisson_rate_ci(n_events, py_exp, level)
        rows.append({"by": var, "group": val, "patients": len(g), "patients_with_event": n,
                     "patient_years_at_risk": py_risk, "eair_per_100py": 100 * n / py_risk if py_risk else np.nan,
                     "eair_ci_low": 100 * lo, "eair_ci_high": 100 * hi, "events": n_events,
                     "patient_years_exposure": py_exp,
                     "eaer_per_100py": 100 * n_events / py_exp if py_exp else np.nan,
                     "eaer_ci_low": 100 * elo, "eaer_ci_high": 100 * ehi, "ci_method": "exact Poisson (Garwood)"})
    return pd.DataFrame(rows)


class KaplanMeier:
    """Kaplan–Meier estimator with the tables a clinical report needs.

    ``fit(tte)`` takes a frame with ``time`` and ``event`` columns (as returned by :func:`time_to_first_ae` or
    :func:`time_on_dtt`) and returns self. Confidence intervals are exponential Greenwood ("log-log")
    intervals, as lifelines and R ``survfit(conf.type = "log-log")``; ``ci_type`` says so in every table; where the estimate is 0 the log-log interval is
    not defined and is left missing (as R's ``survfit``).

    Median (``median_``): R's rule (``survival::quantile.survfit``) — the smallest time at which the estimate
    is at or below 0.5, compared with a tolerance of sqrt(machine epsilon) so that a product that should be
    exactly 0.5 counts as 0.5; where the estimate equals 0.5 over an interval, the midpoint of that interval
    (to the last follow-up time when it stays at 0.5 to the end). ``inf`` when the curve never reaches 0.5,
    shown as "NR" (not reached).
    """

    ci_type = "log-log (exponential Greenwood)"

    def __init__(self, level: float = 0.95):
        self.level = level

    def fit(self, tte: pd.DataFrame, time: str = "time", event: str = "event", label: str = "KM") -> "KaplanMeier":
        self.label = label
        if len(tte) == 0:
            raise ValueError(f"Kaplan–Meier estimate '{label}': no patients (the data frame is empty)")
        self.data_ = tte[[time, event]].rename(columns={time: "time", event: "event"}).astype(
            {"time": float, "event": int}).reset_index(drop=True)
        times = np.unique(np.concatenate([[0.0], self.data_["time"].to_numpy(float)]))
        counts = _counts(self.data_, times)
        surv, lower, upper = _product_limit(counts["at_risk"], counts["events"], self.level)
        self.estimates_ = pd.DataFrame({
            "time": times, "at_risk": counts["at_risk"], "events": counts["events"],
            "censored": counts["censored"], "survival": surv, "ci_lower": lower, "ci_upper": upper,
        })
        self.estimates_["ci_type"] = self.ci_type
        self.median_ = km_quantile(times, surv, 0.5, last_time=float(self.data_["time"].max()))
        return self

    def to_lifelines(self):
        """The same data fitted by lifelines' ``KaplanMeierFitter`` (same level), for its plotting in JupyterLab
        (``km.to_lifelines().plot_survival_function()``). Its estimate and interval equal this one's; its median
        does not follow R's rule (see the class docstring)."""
        from lifelines import KaplanMeierFitter

        return KaplanMeierFitter(alpha=1 - self.level).fit(self.data_["time"], self.data_["event"], label=self.label)

    @property
    def median_label(self) -> str:
        return "NR" if math.isinf(self.median_) else f"{self.median_:g}"

    def at(self, times) -> pd.DataFrame:
        """Survival and CI at the given times (right-continuous step function)."""
        e = self.estimates_
        rows = []
        for x in times:
            k = e[e["time"] <= x]
            last = k.iloc[-1] if len(k) else None
            rows.append({"time": x, "survival": 1.0 if last is None else last["survival"],
                         "ci_lower": 1.0 if last is None else last["ci_lower"],
                         "ci_upper": 1.0 if last is None else last["ci_upper"], "ci_type": self.ci_type})
        return pd.DataFrame(rows)

    def risk_table(self, times) -> pd.DataFrame:
        """Number at risk at each time (still under observation: time ≥ t) and cumulative events and censored
        up to and including t — the table printed under a KMunicate-style plot."""
        t = self.data_
        x = np.asarray(list(times), dtype=float)
        ev = np.sort(t.loc[t["event"] == 1, "time"].to_numpy(float))
        ce = np.sort(t.loc[t["event"] == 0, "time"].to_numpy(float))
        return pd.DataFrame({
            "time": list(times),
            "at_risk": _at_risk(t["time"].to_numpy(float), x),
            "events": np.searchsorted(ev, x, side="right"),
            "censored": np.searchsorted(ce, x, side="right"),
        })

    def print_summary(self) -> None:
        """Print the estimate in words (``str(fitter)``)."""
        print(str(self))

    def __str__(self) -> str:
        s = self.summary().iloc[0]
        return (f"Kaplan–Meier estimate, {s['label']}: {s['n']} patients, {s['events']} events, {s['censored']} "
                f"censored; median {s['median']} ({s['ci_type']} {100 * s['level']:g}% CI).")

    def _repr_html_(self) -> str:  # JupyterLab: the sentence and the tidy row
        import html

        return f"<p>{html.escape(str(self))}</p>" + self.summary().to_html(index=False)

    def summary(self) -> pd.DataFrame:
        """One row: label, n, events, censored, median (with its CI, 'NR' when not reached), CI type, level."""
        t = self.data_
        return pd.DataFrame([{"label": self.label, "n": len(t), "events": int(t["event"].sum()),
                              "censored": int((t["event"] == 0).sum()), "median": self.median_label,
                              "ci_type": self.ci_type, "level": self.level}])


def _product_limit(at_risk, events, level: float) -> tuple[list[float], list[float], list[float]]:
    """Kaplan–Meier estimate and log-log ("exponential Greenwood") pointwise interval at each time.

    S(t) = Π (1 − d/n) over event times up to t; Greenwood's G(t) = Σ d / (n (n − d)); interval
    S^exp(±z sqrt(G) / |log S|) — R ``survfit(conf.type = "log-log")``. (1, 1) where S = 1; missing where S = 0
    (the log-log interval is not defined there). Scalar arithmetic in time order, so the values are the same
    bits on every CPU.
    """
    z = float(_st_norm_ppf(1 - (1 - level) / 2))
    s, g = 1.0, 0.0
    surv, lower, upper = [], [], []
    for n, d in zip((int(v) for v in at_risk), (int(v) for v in events)):
        if d > 0 and n > 0:
            s *= 1.0 - d / n
            g = g + d / (n * (n - d)) if n > d else math.inf
        surv.append(s)
        if s >= 1.0:
            lower.append(1.0)
            upper.append(1.0)
        elif s <= 0.0 or not math.isfinite(g):
            lower.append(math.nan)
            upper.append(math.nan)
        else:
            half = z * math.sqrt(g) / abs(math.log(s))
            lower.append(s ** math.exp(half))
            upper.append(s ** math.exp(-half))
    return surv, lower, upper


#: Tolerance of the survival quantiles' comparisons with the probability (R's ``quantile.survfit`` default).
KM_QUANTILE_TOLERANCE = math.sqrt(np.finfo(float).eps)


def km_quantile(times, survival, p: float = 0.5, *, last_time: float | None = None,
                tol: float = KM_QUANTILE_TOLERANCE) -> float:
    """Time at which a step survival curve reaches ``p`` (0.5: the median), by R's rule
    (``survival:::findq``): with F = 1 − S, the smallest time with F ≥ p − tol, averaged with the smallest time
    with F ≥ p + tol — the same time when the curve jumps past ``p``, the midpoint of the flat stretch when it
    sits at ``p`` over an interval (to ``last_time``, the last follow-up, when it stays there to the end).
    ``inf`` when the curve never reaches ``p``. ``times`` ascending, starting at 0 with S = 1."""
    t = [float(v) for v in times]
    f = [1.0 - float(v) for v in survival]
    if not t or t[0] > 0:
        t, f = [0.0] + t, [0.0] + f
    last = t[-1] if last_time is None else max(float(last_time), t[-1])
    if max(f) + tol < p:
        return math.inf
    # one point per level of F: the first time the curve reaches it
    xs: list = []
    ys: list = []
    for ti, fi in zip(t, f):
        if not ys or fi != ys[-1]:
            xs.append(ti)
            ys.append(fi)
    lower = next((x for x, y in zip(xs, ys) if y >= p - tol), None)
    upper = next((x for x, y in zip(xs, ys) if y >= p + tol), None)
    if lower is None:
        return math.inf
    if upper is None:  # at p (within tol) to the end of follow-up
        return (lower + last) / 2 if abs(ys[-1] - p) < tol else lower
    return (lower + upper) / 2


def km_by_group(tte: pd.DataFrame, by: str, *, level: float = 0.95, time: str = "time", event: str = "event"
                ) -> dict[str, KaplanMeier]:
    """One fitted :class:`KaplanMeier` per value of ``by`` (e.g. ``"disease"``, ``"regimen"``), keyed and
    labelled by that value, in sorted order. Rows with a missing ``by`` are left out. Same censoring rule and
    CI type as the overall curve; stack the results with :func:`km_estimates`."""
    return {str(val): KaplanMeier(level).fit(g, time=time, event=event, label=str(val))
            for val, g in tte.groupby(by, sort=True)}


def km_estimates(kms: dict[str, KaplanMeier], by: str = "") -> pd.DataFrame:
    """Long frame of the curves of :func:`km_by_group`, for plotting: one row per group × event or censoring
    time, columns ``by`` (the grouping variable's name), ``group``, then those of
    :attr:`KaplanMeier.estimates_` — ``time``, ``at_risk``, ``events``, ``censored``, ``survival`` (step
    function, right-continuous: the value holds from ``time`` until the next row's time), ``ci_lower``,
    ``ci_upper`` and ``ci_type``. Every curve starts at 1 from time 0 (a time-0 row)."""
    parts = [km.estimates_.assign(group=g) for g, km in kms.items()]
    cols = ["by", "group", "time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper", "ci_type"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True).assign(by=by)[cols]


#: Groups smaller than this make :func:`logrank_test` decline to test (as Table 1 does for UC vs CD).
LOGRANK_MIN_GROUP_N = 2


def logrank_test(tte: pd.DataFrame, by: str, *, time: str = "time", event: str = "event",
                 min_group_n: int = LOGRANK_MIN_GROUP_N) -> pd.DataFrame:
    """Log-rank test of equal survival across the groups of ``by`` (k groups, chi-square on k − 1 df; the
    Mantel–Haenszel form with the hypergeometric variance, as R's ``survdiff`` with ``rho = 0``).

    Returns one row: ``by``, ``groups`` (k), ``n``, ``events``, ``observed`` and ``expected`` (events per group
    as "group=count" text, in group order), ``chi2``, ``df``, ``p_value``, ``test`` ('log-rank test', '' when
    not tested) and ``no_test_reason``: fewer than two groups, no events, or a group with fewer than
    ``min_group_n`` patients (default 2; pass 1 to test regardless).
    """
    from lifelines.statistics import multivariate_logrank_test

    d = tte[[time, event, by]].dropna(subset=[by])
    sizes = d.groupby(by, sort=True).size()
    row = {"by": by, "groups": len(sizes), "n": len(d), "events": int(d[event].sum()), "observed": "",
           "expected": "", "chi2": np.nan, "df": np.nan, "p_value": np.nan, "test": "", "no_test_reason": ""}
    small = sizes[sizes < min_group_n]
    if len(sizes) < 2:
        row["no_test_reason"] = "no test: fewer than two groups"
    elif row["events"] == 0:
        row["no_test_reason"] = "no test: no events"
    elif len(small):
        row["no_test_reason"] = (f"no test: fewer than {min_group_n} patients in "
                                 + ", ".join(f"{g} (n = {k})" for g, k in small.items()))
    else:
        res = multivariate_logrank_test(d[time].astype(float), d[by].astype(str), d[event].astype(int))
        obs, exp = _observed_expected(d, by, time, event)
        row.update({"observed": "; ".join(f"{g}: {v:g}" for g, v in obs.items()),
                    "expected": "; ".join(f"{g}: {v:.3f}" for g, v in exp.items()),
                    "chi2": float(res.test_statistic), "df": int(res.degrees_of_freedom),
                    "p_value": float(res.p_value), "test": "log-rank test"})
    return pd.DataFrame([row])


def _observed_expected(d: pd.DataFrame, by: str, time: str, event: str) -> tuple[pd.Series, pd.Series]:
    """Observed and expected (under equal hazards) events per group."""
    times = np.sort(d.loc[d[event] == 1, time].unique())
    t_all = d[time].to_numpy(float)
    n_all = _at_risk(t_all, times)
    d_all = d.loc[d[event] == 1, time].value_counts().reindex(times, fill_value=0).to_numpy(float)
    obs, exp = {}, {}
    for g, gg in d.groupby(by, sort=True):
        n_g = _at_risk(gg[time].to_numpy(float), times)
        obs[str(g)] = float(gg[event].sum())
        exp[str(g)] = float((d_all * n_g / n_all).sum())
    return pd.Series(obs), pd.Series(exp)


def _at_risk(all_times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Number with time >= x, for each x."""
    srt = np.sort(all_times)
    return len(srt) - np.searchsorted(srt, x, side="left")


def _counts(t: pd.DataFrame, times: np.ndarray) -> dict[str, np.ndarray]:
    """At risk, events and censorings at exactly each of ``times``."""
    ev = t.loc[t["event"] == 1, "time"].value_counts()
    ce = t.loc[t["event"] == 0, "time"].value_counts()
    return {"at_risk": _at_risk(t["time"].to_numpy(float), times),
            "events": ev.reindex(times, fill_value=0).to_numpy(int),
            "censored": ce.reindex(times, fill_value=0).to_numpy(int)}


def competing_first_ae(cohort: Cohort, *, grace_months: float = 0) -> pd.DataFrame:
    """Status for the competing-risks analysis of a first TEAE: 1 = first TEAE (at onset); 2 = DTT stopped
    for any reason before an AE (competing, at the stop month); 0 = censored (maintained, at the last month)."""
    tte = time_to_first_ae(cohort, grace_months=grace_months)
    status = np.where(tte["event"] == 1, 1, np.where(tte["status"] == "discontinued", 2, 0))
    return tte.assign(status=status)[["patient_id", "disease", "regimen", "time", "status", "censor_reason"]]


#: Confidence-interval transformations for the cumulative incidence (names as R's ``conf.type``).
CIF_CI_TYPES = {"log": "log", "plain": "plain (linear)"}


def cumulative_incidence(data: pd.DataFrame, time: str = "time", status: str = "status", *, level: float = 0.95,
                         ci_type: str = "log") -> pd.DataFrame:
    """Aalen–Johansen cumulative incidence with one competing event, with pointwise confidence intervals.

    ``status``: 1 = event of interest, 2 = competing event, 0 = censored. At each distinct time t_j with n_j at
    risk (time ≥ t_j), d1_j events and d2_j competing events: S(t_j) = S(t_{j-1}) (1 − (d1_j + d2_j)/n_j) and
    CIF1(t_j) = CIF1(t_{j-1}) + S(t_{j-1}) d1_j/n_j (likewise CIF2). Ties are handled exactly, with no jitter;
    a patient censored at t_j is still at risk at t_j.

    Standard errors are infinitesimal-jackknife (IJ) ones: the square root of the sum over patients of the
    squared derivative of the estimate with respect to that patient's case weight — what R's
    ``survfit(Surv(time, factor(status)) ~ 1)`` (survival ≥ 3) reports for a multi-state model. Pointwise
    intervals, as R's default ``conf.type = "log"``: exp(log p ± z·SE/p), upper bound capped at 1, missing
    where p = 0; ``ci_type="plain"``: p ± z·SE clipped to [0, 1].

    Columns: time, at_risk, events, competing, censored (counts at exactly that time), cif_event,
    cif_event_se, cif_event_ci_lower, cif_event_ci_upper, cif_competing (with the same three companions),
    event_free (probability of neither event yet), ci_type and level.
    """
    if ci_type not in CIF_CI_TYPES:
        raise ValueError(f"ci_type must be one of {sorted(CIF_CI_TYPES)}")
    d = data[[time, status]].astype(float)
    t_all = d[time].to_numpy(float)
    st = d[status].to_numpy()
    times = np.sort(np.unique(t_all))
    per = {k: d.loc[st == k, time].value_counts().reindex(times, fill_value=0).to_numpy(float) for k in (0, 1, 2)}
    n = _at_risk(t_all, times).astype(float)
    h1, h2 = per[1] / n, per[2] / n
    surv = np.cumprod(1 - (h1 + h2))
    surv_before = np.concatenate([[1.0], surv[:-1]])
    cif1, cif2 = np.cumsum(surv_before * h1), np.cumsum(surv_before * h2)
    se1, se2 = _aj_ij_se(t_all, st, times, n, h1, h2, surv_before)
    z = float(_st_norm_ppf(1 - (1 - level) / 2))
    out = pd.DataFrame({"time": times, "at_risk": n.astype(int), "events": per[1].astype(int),
                        "competing": per[2].astype(int), "censored": per[0].astype(int)})
    for name, p, se in (("cif_event", cif1, se1), ("cif_competing", cif2, se2)):
        lo, hi = _cif_ci(p, se, z, ci_type)
        out[name], out[f"{name}_se"], out[f"{name}_ci_lower"], out[f"{name}_ci_upper"] = p, se, lo, hi
    out["event_free"] = surv
    out["ci_type"] = CIF_CI_TYPES[ci_type]
    out["level"] = level
    return out


def _st_norm_ppf(q: float) -> float:
    from scipy import stats

    return stats.norm.ppf(q)


def _aj_ij_se(t_all, st, times, n, h1, h2, surv_before, cells: int = 4_000_000
              ) -> tuple[np.ndarray, np.ndarray]:
    """Infinitesimal-jackknife standard errors of both cumulative incidences.

    The derivative of each estimate with respect to patient i's case weight, by the chain rule through
    n_j, d_kj and the product-limit S(t_{j-1}) = Π_{l<j} (1 − h_l), whose derivative is
    S(t_{j-1}) Σ_{l<j} −h'_l / (1 − h_l) (h_l < 1 for every l before the last time). Only event times change the
    estimates, so the work is done on them and carried forward; patients are processed in blocks of about
    ``cells`` patient × time cells to bound memory on large cohorts.
    """
    ev = (h1 + h2) > 0
    et = times[ev]
    se1, se2 = np.zeros(len(times)), np.zeros(len(times))
    if len(et) == 0:
        return se1, se2
    n_e, h1e, h2e, sb = n[ev], h1[ev], h2[ev], surv_before[ev]
    he = h1e + h2e
    ss1, ss2 = np.zeros(len(et)), np.zeros(len(et))
    block = max(1, cells // len(et))
    for a in range(0, len(t_all), block):
        ti, si = t_all[a:a + block, None], st[a:a + block, None]
        at_risk = ti >= et[None, :]
        at_time = ti == et[None, :]
        dh1 = ((at_time & (si == 1)) - at_risk * h1e) / n_e
        dh2 = ((at_time & (si == 2)) - at_risk * h2e) / n_e
        ds_before = np.zeros_like(dh1)
        if len(et) > 1:
            ds_before[:, 1:] = sb[1:] * np.cumsum(-(dh1 + dh2)[:, :-1] / (1 - he[:-1]), axis=1)
        ss1 += (np.cumsum(ds_before * h1e + sb * dh1, axis=1) ** 2).sum(axis=0)
        ss2 += (np.cumsum(ds_before * h2e + sb * dh2, axis=1) ** 2).sum(axis=0)
    # carry each event time's value forward to the censoring-only times after it (0 before the first event)
    idx = np.cumsum(ev) - 1
    se1 = np.where(idx >= 0, np.sqrt(ss1)[np.maximum(idx, 0)], 0.0)
    se2 = np.where(idx >= 0, np.sqrt(ss2)[np.maximum(idx, 0)], 0.0)
    return se1, se2


def _cif_ci(p: np.ndarray, se: np.ndarray, z: float, ci_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval (scalar ``math`` exp/log, so the bits do not depend on numpy's SIMD kernels)."""
    if ci_type == "plain":
        return np.clip(p - z * se, 0, 1), np.clip(p + z * se, 0, 1)
    lo, hi = [], []
    for pv, sv in zip(p.tolist(), se.tolist()):
        if pv > 0:
            half = z * sv / pv
            lo.append(math.exp(math.log(pv) - half))
            hi.append(min(1.0, math.exp(math.log(pv) + half)))
        else:
            lo.append(math.nan)
            hi.append(math.nan)
    return np.array(lo, float), np.array(hi, float)
