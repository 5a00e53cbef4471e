"""Multicentre analysis, at the coordinating centre: pooling the centres' aggregate summaries.

:func:`pool` (``dttstudy pool``) reads the files written by :func:`dttstudy.synthesis.multicentre.export.export_summary`,
refuses files from another package version or other analysis parameters (:func:`check_compatible`), and returns a
:class:`PooledAnalysis` whose tables are DataFrames; the pooled report (tables, figures, report.html) is written by
:func:`dttstudy.reporting.pooled_report.write_pooled_report`.

Pooled response rates are summed counts with exact (or Wilson, as chosen) CIs — identical to the analysis of
the concatenated cohorts when nothing is suppressed; between-centre heterogeneity is estimated with a
random-effects model of the centres' proportions (τ², I²). A response cell that a centre withheld is withheld
in the pool as well (or, with ``partial="show"``, summed over the other centres and marked); so is every other
pooled cell — AE incidence by disease, regimen and agent, exposure-adjusted rates, AE terms, labs, Table 1 and the
life tables (:meth:`PooledAnalysis._withhold`, one rule): ``complete`` says whether every centre with patients in
the cell contributed, and ``withheld_centres`` names those that did not.
Survival is pooled from the centres' life tables (:func:`life_table_km`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...analysis.labs import LABS as _UNITS
from ...concepts import ANALYSED_LABS
from ...intake.schema import regimen_agents
from ...analysis.stats import CI_METHODS, binomial_ci, poisson_rate_ci
from ..disclosure import DEFAULT_MIN_CELL, SUPPRESSED
from .export import _COLS
from ..meta import pool_proportions
from .check import checked_summaries, read_summary_file
from .contract import IncompatibleSummaries, parameter_differences

#: What a pooled response cell shows when some centres withheld it: nothing ("withhold", the default) or the
#: sum over the centres that published it, marked ("show").
PARTIAL_CELLS = ("withhold", "show")


def read_summary(path) -> dict:
    """One summary file as a dict (checked only when pooled: :mod:`dttstudy.synthesis.multicentre.contract`)."""
    s, problems = read_summary_file(path)
    if problems:
        raise IncompatibleSummaries("; ".join(map(str, problems)), problems)
    assert s is not None  # no problems: a summary was read
    return s


def check_compatible(summaries: list[dict]) -> None:
    """Raise :class:`IncompatibleSummaries` unless every summary has the same format, package version and
    analysis parameters (the message names the first difference)."""
    if not summaries:
        raise IncompatibleSummaries("no centre summaries given")
    ref = summaries[0]
    for s in summaries[1:]:
        for key in ("format_version", "package_version"):
            if s.get(key) != ref.get(key):
                raise IncompatibleSummaries(f"{_src(s)} has {key} {s.get(key)!r} but {_src(ref)} has "
                                            f"{ref.get(key)!r}: every centre must run the same version")
        diff = parameter_differences(s.get("parameters") or {}, ref.get("parameters") or {})
        if diff:
            raise IncompatibleSummaries(f"{_src(s)} differs from {_src(ref)} in parameter(s) {', '.join(diff)}: "
                                        "every centre must run the same analysis")
    labels = [centre_label(s) for s in summaries]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise IncompatibleSummaries(f"centre label(s) given twice: {', '.join(dup)}")


def _src(s) -> str:
    return s.get("_source") or s.get("centre") or "summary"


def centre_label(s: dict) -> str:
    return s.get("centre") or Path(s.get("_source", "centre")).stem


def _frame(summaries, table: str, keys: list[str]) -> pd.DataFrame:
    parts = []
    for s in summaries:
        df = pd.DataFrame(s["tables"].get(table, []))
        if len(df):
            df.insert(0, "centre", centre_label(s))
            parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["centre", *keys])


def _pooled_sum(df: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """Sum ``cols`` over centres per key, leaving out a centre's row when any of ``cols`` is withheld;
    ``centres``/``contributing_centres`` count and name the centres summed, ``withheld_centres`` those left out."""
    key_df = df[keys].astype(object).where(df[keys].notna(), None)
    # one id per cell, so that a key null in some rows and a number in others groups and joins as given (grouped
    # and joined on the keys themselves, pandas gives such a column two types in the two frames and stops)
    df = df.assign(_cell=[repr(tuple(r)) for r in key_df.itertuples(index=False)])
    ok = ~df[cols].eq(SUPPRESSED).any(axis=1)
    num = df[ok].copy()
    for c in cols:
        num[c] = pd.to_numeric(num[c])
    order = key_df.assign(_cell=df["_cell"]).drop_duplicates("_cell")
    summed = num.groupby("_cell", sort=False)[cols].sum().reset_index() if len(num) else \
        pd.DataFrame(columns=["_cell"] + cols)
    cnt = num.groupby("_cell", sort=False).agg(
        centres=("centre", "size"), contributing_centres=("centre", ", ".join)).reset_index() if len(num) else \
        pd.DataFrame(columns=["_cell", "centres", "contributing_centres"])
    wh = df[~ok].groupby("_cell", sort=False)["centre"].agg(", ".join).rename(
        "withheld_centres").reset_index() if (~ok).any() else pd.DataFrame(columns=["_cell", "withheld_centres"])
    out = order.merge(summed, on="_cell", how="left").merge(cnt, on="_cell", how="left").merge(
        wh, on="_cell", how="left").drop(columns="_cell")
    for c in cols:
        out[c] = pd.to_numeric(out[c]).astype(float).fillna(0)
    out["centres"] = pd.to_numeric(out["centres"]).astype(float).fillna(0).astype(int)
    out["withheld_centres"] = out["withheld_centres"].fillna("")
    out["contributing_centres"] = out["contributing_centres"].fillna("")
    return out


class PooledAnalysis:
    """Pooled results of several centre summaries (tables as DataFrames, figures on demand).

    ``fit(summaries)`` checks compatibility (:func:`check_compatible`) and returns self. Attributes:
    ``rates_`` (response rates, the single-centre columns plus ``centres`` and ``withheld_centres``),
    ``centre_rates_``, ``heterogeneity_``, ``ae_incidence_``, ``ae_terms_``, ``exposure_``, ``km_`` (dict by
    parameter), ``labs_``, ``table1_``, ``table1_continuous_``, ``withheld_`` and ``centres_``.
    """

    #: notes of the summary contract (set by :func:`pool`)
    contract_notes_: list[str]

    def __init__(self, heterogeneity_method: str = "GLMM", partial: str = "withhold"):
        if partial not in PARTIAL_CELLS:
            raise ValueError(f"partial must be one of {', '.join(PARTIAL_CELLS)}, not {partial!r}")
        self.heterogeneity_method = heterogeneity_method
        self.partial = partial

    def fit(self, summaries: list[dict]) -> "PooledAnalysis":
        check_compatible(summaries)
        self.summaries = summaries
        recorded = {x for s in summaries for x in s["parameters"].get("labs", ())}
        self.parameters = dict(summaries[0]["parameters"], labs=[x for x in ANALYSED_LABS if x in recorded])
        self.package_version = summaries[0]["package_version"]
        self.centres_ = pd.DataFrame([{"centre": centre_label(s), "file": s.get("_source", ""),
                                       "min_cell": s["disclosure"]["min_cell"],
                                       "cells_withheld": len(s["disclosure"]["withheld"]),
                                       "input_sha256": s["input_sha256"]} for s in summaries])
        self.withheld_ = pd.DataFrame([{"centre": centre_label(s), "table": w.split("/", 1)[0], "cell": w}
                                       for s in summaries for w in s["disclosure"]["withheld"]],
                                      columns=["centre", "table", "cell"])
        self._rates()
        self._safety()
        self._km()
        self._labs()
        self._table1()
        return self

    def _withhold(self, df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        """The pooled-cell rule, one place for every pooled table: a pooled value is a sum over every centre
        with patients in the cell, or there is none. ``complete`` says which; with ``partial="withhold"`` (the
        default) the ``cols`` of an incomplete cell are missing, with ``"show"`` they are the sum over the
        ``contributing_centres`` and the display marks them."""
        df = df.copy()
        df["complete"] = df["withheld_centres"].fillna("").astype(str).eq("")
        blank = ~df["complete"]
        if self.partial == "show":  # a sum over no centre at all is no figure either
            blank &= df["contributing_centres"].fillna("").astype(str).eq("")
        if blank.any():
            for c in cols:
                df[c] = pd.to_numeric(df[c]).astype(float)
            df.loc[blank, cols] = np.nan
        return df

    # response ----------------------------------------------------------------------------------------------
    def _rates(self):
        prm = self.parameters
        keys = ["endpoint", "definition", "analysis_set", "month", "by", "group"]
        df = _frame(self.summaries, "response", keys)
        out = _pooled_sum(df, keys, ["n", "N"])
        out[["n", "N"]] = out[["n", "N"]].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(out["n"], out["N"])]
        out["pct"] = np.where(out["N"] > 0, 100 * out["n"] / out["N"].where(out["N"] > 0, 1), np.nan)
        out["ci_low"] = [100 * c[0] for c in ci]
        out["ci_high"] = [100 * c[1] for c in ci]
        out["ci_method"] = CI_METHODS[prm["ci_method"]]
        out["level"] = prm["level"]
        out = self._withhold(out, ["n", "N", "pct", "ci_low", "ci_high"])
        self.rates_ = out[keys + ["n", "N", "pct", "ci_low", "ci_high", "ci_method", "level", "complete",
                                  "centres", "contributing_centres", "withheld_centres"]]
        allg = df[df["group"] == "All"].copy()
        ok = ~allg[["n", "N"]].eq(SUPPRESSED).any(axis=1)
        cr = allg[ok].copy()
        cr[["n", "N"]] = cr[["n", "N"]].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(cr["n"], cr["N"])]
        cr["pct"] = np.where(cr["N"] > 0, 100 * cr["n"] / cr["N"].where(cr["N"] > 0, 1), np.nan)
        cr["ci_low"] = [100 * c[0] for c in ci]
        cr["ci_high"] = [100 * c[1] for c in ci]
        self.centre_rates_ = cr[["centre"] + keys + ["n", "N", "pct", "ci_low", "ci_high"]].reset_index(drop=True)
        # the pooled-cell rule for the model too: no random-effects fit over part of the centres
        hidden = allg[~ok].groupby(keys[:4], sort=False, dropna=False)["centre"].agg(", ".join)
        rows = []
        for k, g in self.centre_rates_.groupby(keys[:4], sort=False, dropna=False):
            g = g[g["N"] > 0]
            w = str(hidden.get(k, "")) if len(hidden) else ""
            if w and self.partial == "withhold":
                fit = {"k": len(g), "n": np.nan, "N": np.nan, "method": "",
                       "note": f"withheld by {w}: no model over all centres"}
            else:
                fit = self._heterogeneity(g)
            rows.append({**dict(zip(keys[:4], k)), **fit, "withheld_centres": w})
        cols = keys[:4] + ["k", "n", "N", "method", "tau2", "i2", "q", "q_pvalue", "re_pct", "re_ci_low",
                           "re_ci_high", "note", "withheld_centres"]
        self.heterogeneity_ = pd.DataFrame(rows, columns=cols)

    def _heterogeneity(self, g: pd.DataFrame) -> dict:
        base = {"k": len(g), "n": int(g["n"].sum()), "N": int(g["N"].sum())}
        if len(g) == 0:
            return {**base, "method": "", "note": "no centre with evaluable patients"}
        method, note = self.heterogeneity_method, ""
        try:
            res = pool_proportions(g["n"].tolist(), g["N"].tolist(), method=method, labels=g["centre"].tolist())
        except (ValueError, RuntimeError, ArithmeticError) as err:
            # an estimator this version lacks, or a GLMM that cannot be fitted: say so and use REML
            method = "REML"
            note = (f"{self.heterogeneity_method} not fitted ({type(err).__name__}: {err}); inverse-variance "
                    "REML on the logit scale instead")
            res = pool_proportions(g["n"].tolist(), g["N"].tolist(), method=method, labels=g["centre"].tolist())
        if res.note and len(g) > 1:  # the model was not fitted (every centre at 0% or at 100%): say so
            case = "0 events" if res.events == 0 else "all events" if res.events == res.total else \
                "0 events or all events (0% and 100% only)"
            note = (note + "; " if note else "") + (
                f"no {method} fitted: every centre had {case}; the pooled figure is the summed count with its exact "
                "(Clopper–Pearson) 95% CI, and τ² is not estimable (shown as 0)")
        return {**base, "method": method, "tau2": res.tau2, "i2": res.i2, "q": res.q, "q_pvalue": res.q_pvalue,
                "re_pct": 100 * res.proportion, "re_ci_low": 100 * res.ci_lower, "re_ci_high": 100 * res.ci_upper,
                "note": note if len(g) > 1 else (note + "; " if note else "") + "one centre: no heterogeneity"}

    # safety ------------------------------------------------------------------------------------------------
    def _safety(self):
        prm = self.parameters
        # denominators: patients per group; a centre that withheld them is left out of the group below
        den = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        dens = {}
        for r in den.itertuples():
            if r.variable == "Patients":
                for grp, col in (("All", "Total"), ("UC", "UC"), ("CD", "CD")):
                    dens[(r.centre, "All" if grp == "All" else "disease", grp)] = getattr(r, col)
            elif r.variable == "Regimen":
                dens[(r.centre, "regimen", r.level)] = r.Total
        inc = _frame(self.summaries, "ae_incidence", ["by", "group"])
        reg = {k: v for k, v in dens.items() if k[1] == "regimen"}
        ns = []
        for r in inc.itertuples():
            if r.by == "suspected_agent":
                if r.group == "unknown":
                    ns.append(dens.get((r.centre, "All", "All"), SUPPRESSED))
                else:
                    vals = [v for (c, _, lev), v in reg.items() if c == r.centre and r.group in regimen_agents(lev)]
                    ns.append(SUPPRESSED if SUPPRESSED in vals else int(sum(vals)))
            else:
                ns.append(dens.get((r.centre, r.by, r.group), 0))
        inc["N"] = ns
        keys = ["by", "group"]
        out = _pooled_sum(inc, keys, ["patients_with_event", "events", "N"])
        for c in ("patients_with_event", "events", "N"):
            out[c] = out[c].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(out["patients_with_event"],
                                                                                out["N"])]
        self.ae_incidence_ = pd.DataFrame({
            "by": out["by"], "group": out["group"], "n": out["patients_with_event"], "N": out["N"],
            "events": out["events"],
            "pct": np.where(out["N"] > 0, 100 * out["patients_with_event"] / out["N"].where(out["N"] > 0, 1), np.nan),
            "ci_low": [100 * c[0] for c in ci], "ci_high": [100 * c[1] for c in ci],
            "ci_method": CI_METHODS[prm["ci_method"]], "centres": out["centres"],
            "contributing_centres": out["contributing_centres"], "withheld_centres": out["withheld_centres"]})
        self.ae_incidence_ = self._withhold(self.ae_incidence_, ["n", "N", "events", "pct", "ci_low", "ci_high"])
        ex = inc[inc["by"] != "suspected_agent"]
        cols = ["patients_with_event", "events", "patient_years_at_risk", "patient_years_exposure", "N"]
        e = _pooled_sum(ex, keys, cols)
        rows = []
        for r in e.itertuples():
            n, pyr, ne, pye = int(r.patients_with_event), float(r.patient_years_at_risk), int(r.events), \
                float(r.patient_years_exposure)
            lo, hi = poisson_rate_ci(n, pyr, prm["level"])
            elo, ehi = poisson_rate_ci(ne, pye, prm["level"])
            rows.append({"by": r.by, "group": r.group, "patients": int(r.N), "patients_with_event": n,
                         "patient_years_at_risk": pyr, "eair_per_100py": 100 * n / pyr if pyr else np.nan,
                         "eair_ci_low": 100 * lo, "eair_ci_high": 100 * hi, "events": ne,
                         "patient_years_exposure": pye, "eaer_per_100py": 100 * ne / pye if pye else np.nan,
                         "eaer_ci_low": 100 * elo, "eaer_ci_high": 100 * ehi,
                         "ci_method": "exact Poisson (Garwood)", "centres": r.centres,
                         "contributing_centres": r.contributing_centres, "withheld_centres": r.withheld_centres})
        self.exposure_ = self._withhold(pd.DataFrame(rows), [
            "patients", "patients_with_event", "patient_years_at_risk", "eair_per_100py", "eair_ci_low",
            "eair_ci_high", "events", "patient_years_exposure", "eaer_per_100py", "eaer_ci_low", "eaer_ci_high"])
        # denominator of a term: the patients of every centre that published its total and the term's counts
        # (a centre with no such event lists no row: it adds 0 events and all its patients)
        totals = {r.centre: r.Total for r in den.itertuples() if r.variable == "Patients"}
        terms = _frame(self.summaries, "ae_terms", ["term"])
        if len(terms):
            hidden_total = terms["centre"].map(lambda c: totals.get(c) == SUPPRESSED)
            terms = terms.astype({"patients_with_event": object, "events": object})
            terms.loc[hidden_total, ["patients_with_event", "events"]] = SUPPRESSED
            t = _pooled_sum(terms, ["term"], ["patients_with_event", "events"])
        else:
            t = pd.DataFrame(columns=["term", "patients_with_event", "events", "centres", "contributing_centres",
                                      "withheld_centres"])
        published = {c: v for c, v in totals.items() if v != SUPPRESSED}
        t["N"] = [int(sum(v for c, v in published.items() if c not in str(w).split(", ")))
                  for w in t["withheld_centres"]]
        for c in ("patients_with_event", "events"):
            t[c] = t[c].astype(int)
        self.ae_terms_ = self._withhold(t[["term", "patients_with_event", "events", "N", "centres",
                                           "contributing_centres", "withheld_centres"]],
                                        ["patients_with_event", "events", "N"])

    # Kaplan–Meier ------------------------------------------------------------------------------------------
    def _km(self):
        prm = self.parameters
        lt = _frame(self.summaries, "life_tables", ["parameter"])
        pat = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        pat = pat[pat["variable"] == "Patients"].set_index("centre")["Total"]
        self.km_, self.km_withheld_ = {}, {}
        for name in ("time to first TEAE", "time on DTT"):
            g = lt[lt["parameter"] == name] if len(lt) else lt
            bad = sorted(set(g.loc[g[["events", "censored"]].eq(SUPPRESSED).any(axis=1), "centre"]) |
                         set(pat[pat.eq(SUPPRESSED)].index))
            if bad and self.partial == "withhold":  # no curve from part of the centres
                g = g.iloc[0:0]
            g = g[~g["centre"].isin(bad)]
            n_total = 0 if bad and self.partial == "withhold" else \
                int(pd.to_numeric(pat.drop(index=bad, errors="ignore")).sum())
            key = "time" if prm["event_times"] else "start"
            tab = (g.assign(events=pd.to_numeric(g["events"]), censored=pd.to_numeric(g["censored"]))
                   .groupby(key, sort=True)[["events", "censored"]].sum().reset_index()) if len(g) else \
                pd.DataFrame(columns=[key, "events", "censored"])
            km = life_table_km(tab, n_total, time=key, level=prm["level"], actuarial=not prm["event_times"])
            if not prm["event_times"]:
                h = prm["life_table_horizon"]
                km.insert(1, "end", [s + 1 if s < h else np.nan for s in km["start"]])
            km["centres"] = len(pat) - len(bad)
            km["withheld_centres"] = ", ".join(bad)
            km["complete"] = not bad
            self.km_[name] = km
            self.km_withheld_[name] = ", ".join(bad)

    # labs --------------------------------------------------------------------------------------------------
    def _labs(self):
        df = _frame(self.summaries, "labs", ["lab", "month", "group"])
        cols = ["n"] + [f"{a}_{b}" for b in ("baseline", "value", "change") for a in ("sum", "sum_squares")]
        if not len(df):
            self.labs_ = pd.DataFrame(columns=["lab", "month", "group", "n"])
            return
        s = _pooled_sum(df, ["lab", "month", "group"], cols)
        out = s[["lab", "month", "group"]].copy()
        out.insert(1, "unit", out["lab"].map(_UNITS).fillna(""))
        out.insert(3, "by", np.where(out["group"] == "All", "All", "disease"))
        out["n"] = s["n"].astype(int)
        n = s["n"].astype(float)
        for v in ("baseline", "value", "change"):
            out[f"{v}_mean"] = np.where(n > 0, s[f"sum_{v}"] / n.where(n > 0, 1), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (s["sum_squares_change"] - s["sum_change"] ** 2 / n) / (n - 1)
        out["change_sd"] = np.where(n > 1, np.sqrt(np.maximum(var, 0)), np.nan)
        out["centres"] = s["centres"]
        out["contributing_centres"] = s["contributing_centres"]
        out["withheld_centres"] = s["withheld_centres"]
        self.labs_ = self._withhold(out, ["n", "baseline_mean", "value_mean", "change_mean", "change_sd"])

    # Table 1 -----------------------------------------------------------------------------------------------
    def _table1(self):
        df = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        # column by column: a centre that withheld its UC count still gives its Total
        parts = [self._withhold(_pooled_sum(df, ["variable", "level"], [c]), [c]) for c in _COLS]
        t = parts[0][["variable", "level"]].copy()
        for c, part in zip(_COLS, parts):
            t[c] = part[c] if part[c].isna().any() else part[c].astype(int)
        t["centres"] = pd.concat([p["centres"] for p in parts], axis=1).min(axis=1)
        for col in ("contributing_centres", "withheld_centres"):
            t[col] = [", ".join(sorted({x for p in parts for x in str(p[col].iloc[i]).split(", ") if x}))
                      for i in range(len(t))]
        t["complete"] = pd.concat([p["complete"] for p in parts], axis=1).all(axis=1)
        self.table1_ = t
        cont = _frame(self.summaries, "baseline_continuous", ["variable", "group"])
        s = _pooled_sum(cont, ["variable", "group"], ["n", "sum", "sum_squares"])
        n = s["n"].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.maximum((s["sum_squares"] - s["sum"] ** 2 / n) / (n - 1), 0))
        self.table1_continuous_ = pd.DataFrame({
            "variable": s["variable"], "group": s["group"], "n": s["n"].astype(int),
            "mean": np.where(n > 0, s["sum"] / n.where(n > 0, 1), np.nan), "sd": np.where(n > 1, sd, np.nan),
            "centres": s["centres"], "contributing_centres": s["contributing_centres"],
            "withheld_centres": s["withheld_centres"]})
        self.table1_continuous_ = self._withhold(self.table1_continuous_, ["n", "mean", "sd"])

    def summary(self) -> pd.DataFrame:
        """The pooled analysis in one row: centres, patients, values withheld, minimum cell counts, heterogeneity
        models; the words are :meth:`print_summary` (``str(result)``)."""
        het = self.heterogeneity_
        return pd.DataFrame([{
            "centres": len(self.centres_), "patients": int(self.table1_.loc[self.table1_["variable"] == "Patients",
                                                                             "Total"].sum()),
            "withheld": len(self.withheld_), "min_cell": ", ".join(map(str, sorted(set(self.centres_["min_cell"])))),
            "heterogeneity_model": ", ".join(sorted(set(het["method"].dropna()) - {""})),
            "package_version": self.package_version}])

    def print_summary(self) -> None:
        print(self.summary_text())

    def _repr_html_(self) -> str:  # JupyterLab: the paragraph, escaped, above the tidy row
        import html

        return f"<p>{html.escape(self.summary_text())}</p>" + self.summary().to_html(index=False)

    def summary_text(self) -> str:
        """A methods-style paragraph."""
        k = len(self.centres_)
        n = int(self.table1_.loc[self.table1_["variable"] == "Patients", "Total"].sum())
        het = self.heterogeneity_
        meth = ", ".join(sorted(set(het["method"].dropna()) - {""})) or (
            "none fitted: no rate was published by every centre with patients"
            if het.get("withheld_centres", pd.Series(dtype=str)).ne("").any() else
            "none fitted: no centre published a rate")
        wh = len(self.withheld_)
        ks = sorted(set(self.centres_["min_cell"]))
        surv = "Kaplan–Meier at every distinct time" if self.parameters["event_times"] else "actuarial, monthly grid"
        hid = [centre_label(s) for s in self.summaries
               if any(r.get("variable") == "Patients" and r.get("Total") == SUPPRESSED
                      for r in s["tables"].get("baseline_counts", []))]
        patients = (f"{n} patient{'s' if n != 1 else ''} in the cells that were published" if n else
                    "no patient count was published (every centre withheld it)" if len(hid) == k else
                    f"the number of patients over all centres is withheld ({', '.join(hid)} withheld "
                    f"{'its' if len(hid) == 1 else 'their'} count)" if hid else "no patient")
        return (f"{k} centre{'s' if k != 1 else ''} ({', '.join(self.centres_['centre'])}) shared aggregate results "
                f"only (dttstudy {self.package_version}; minimum cell count {', '.join(map(str, ks))}); "
                f"{patients}. Response rates are summed counts with "
                f"{self.rates_['ci_method'].iloc[0] if len(self.rates_) else ''} 95% CIs; between-centre "
                f"heterogeneity by random-effects pooling of the centres' proportions ({meth}; τ², I²). "
                f"Survival is pooled from the centres' life tables "
                f"({surv}); "
                f"exposure-adjusted rates from summed events and patient-years (exact Poisson CIs). "
                f"{wh} value(s) were withheld by the centres' disclosure control."
                + "".join(" " + n for n in getattr(self, "contract_notes_", ())))

    def __str__(self) -> str:
        return self.summary_text()


def life_table_km(tab: pd.DataFrame, n_total: int, *, time: str = "time", level: float = 0.95,
                  actuarial: bool = False) -> pd.DataFrame:
    """Survival from a life table (``events`` and ``censored`` per row, rows in time order).

    At risk at a row = ``n_total`` minus everyone who had an event or was censored in earlier rows.
    S = Π (1 − d/n); log-log CI from Greenwood's Σ d / (n (n − d)) (as lifelines and
    :class:`dttstudy.analysis.safety.KaplanMeier`). With one row per distinct time this *is* the Kaplan–Meier
    estimate (censored at a time = at risk at that time). With ``actuarial=True`` (used for the month grid)
    a patient censored inside an interval counts as at risk for half of it, n' = n − c/2 (the standard
    actuarial life table), and ``survival`` is the value at the end of the interval.
    """
    from scipy import stats as _st

    t = tab.sort_values(time).reset_index(drop=True)
    if not len(t):
        return pd.DataFrame(columns=[time, "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper",
                                     "ci_type"])
    d = t["events"].to_numpy(float)
    c = t["censored"].to_numpy(float)
    removed = np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
    at_risk = n_total - removed
    n = at_risk - c / 2 if actuarial else at_risk
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(n > 0, 1 - d / np.where(n > 0, n, 1), 1.0))
        gw = np.cumsum(np.where((n > d) & (n > 0), d / (n * (n - d)), 0.0))
        z = float(_st.norm.ppf(1 - (1 - level) / 2))
        logs = np.log(surv)
        se = np.sqrt(gw) / np.abs(logs)
        lo = np.where((surv < 1) & (surv > 0), surv ** np.exp(z * se), np.where(surv >= 1, 1.0, 0.0))
        hi = np.where((surv < 1) & (surv > 0), surv ** np.exp(-z * se), np.where(surv >= 1, 1.0, 0.0))
    return pd.DataFrame({time: t[time].to_numpy(), "at_risk": at_risk.astype(int), "events": d.astype(int),
                         "censored": c.astype(int), "survival": surv, "ci_lower": lo, "ci_upper": hi,
                         "ci_type": "log-log (exponential Greenwood)"})


def pool(paths_or_summaries, heterogeneity_method: str = "GLMM", *, min_cell: int = DEFAULT_MIN_CELL,
         accept_below_min_cell: bool = False, partial: str = "withhold") -> PooledAnalysis:
    """Read (paths) or take (dicts) centre summaries, check them against the summary contract
    (:mod:`dttstudy.synthesis.multicentre.contract`: every problem raised at once as :class:`IncompatibleSummaries`)
    and pool them. A centre exported with a minimum cell count below ``min_cell`` is refused unless
    ``accept_below_min_cell``; the pooled summary then says so. ``partial``: what a response cell that some
    centres withheld shows (:class:`PooledAnalysis`)."""
    summaries, contract = checked_summaries(paths_or_summaries, min_cell=min_cell,
                                            accept_below_min_cell=accept_below_min_cell)
    res = PooledAnalysis(heterogeneity_method, partial).fit(summaries)
    res.contract_notes_ = list(contract.notes)
    return res
