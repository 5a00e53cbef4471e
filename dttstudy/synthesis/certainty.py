"""Certainty of the pooled evidence: a GRADE summary of findings, one row per pooled outcome.

Evidence from case series starts at **low** certainty (GRADE: non-randomised evidence) and is rated down one
level for each serious concern, two for a very serious one, to no lower than **very low**. The rules, each a
named parameter of :class:`GradeRules` with its default:

* **Risk of bias** — serious when studies at high risk (JBI checklist, :mod:`dttstudy.synthesis.review`) hold more
  than ``rob_share`` (default half) of the pooled patients; very serious when every pooled study is at high risk.
* **Inconsistency** — serious when the studies' true proportions spread widely: the range ``expit(mu ± 1.96 tau)``
  that holds 95% of them under the model is wider than ``spread_width`` percentage points (default 40). This is
  heterogeneity alone (tau^2 = 0 gives no spread); the prediction interval, which adds the pooled estimate's own
  uncertainty and the t quantile of few studies, is quoted beside it.
* **Indirectness** — serious when the pooled studies' timepoints span more than ``timepoint_span`` months
  (default 6; a study reporting a range counts by its stated value, one without a timepoint as unknown) or they
  use more than one outcome definition; the pooled proportion then mixes different questions.
* **Imprecision** — serious when the 95% CI is wider than ``ci_width`` percentage points (default 30) or fewer than
  ``min_patients`` patients are pooled (default 100); very serious when both. A pool without a CI (a model that
  did not converge) counts as wide.
* **Publication bias** — not assessable with fewer than 10 studies (no funnel-plot test); not rated down, and the
  report says why reporting bias is likely.

The statement follows GRADE's wording for each level: moderate "probably", low "may", very low "the evidence is
very uncertain".
"""
from __future__ import annotations

import math

import pandas as pd

from .appraisal import GradeRules
from .literature import OUTCOME_LABELS
from .literature_summary import stated_months

__all__ = ["GradeRules", "LEVELS", "MEANING", "summary_of_findings"]

#: GRADE certainty levels, highest first.
LEVELS = ("high", "moderate", "low", "very low")
_START = "low"


def _concern(level: int, reason: str) -> tuple[int, str]:
    word = {0: "not serious", 1: "serious (−1)", 2: "very serious (−2)"}[level]
    return level, f"{word}: {reason}"


def _risk_of_bias(rows: pd.DataFrame, overall: dict[str, str], rules: GradeRules) -> tuple[int, str]:
    n = rows["total"].astype(int)
    risk = rows["study_id"].map(overall).fillna("not appraised")
    high = n[risk == "high"].sum()
    share = high / n.sum() if n.sum() else 0.0
    named = ", ".join(rows.loc[risk == "high", "label"])
    text = f"{100 * share:.0f}% of patients from studies at high risk" + (f" ({named})" if named else "")
    if len(rows) and (risk == "high").all():
        return _concern(2, f"every study at high risk ({named})")
    return _concern(1 if share > rules.rob_share else 0, text)


def _inconsistency(row: dict, rules: GradeRules) -> tuple[int, str]:
    pct, tau2 = row.get("pooled_pct", math.nan), row.get("tau2", math.nan)
    if not (isinstance(tau2, float) and math.isfinite(tau2) and 0 < pct < 100):
        return _concern(0, "not assessable: one study or no fitted model")
    if tau2 == 0:
        return _concern(0, "τ² = 0: no spread between the studies beyond chance")
    mu, tau = math.log(pct / (100 - pct)), math.sqrt(tau2)
    lo, hi = (100 / (1 + math.exp(-(mu + z * tau))) for z in (-1.959963984540054, 1.959963984540054))
    text = f"τ² = {tau2:.2f}: 95% of the studies' true proportions between {lo:.0f}% and {hi:.0f}%"
    pi_lo, pi_hi = row.get("pi_low", math.nan), row.get("pi_high", math.nan)
    if isinstance(pi_lo, float) and math.isfinite(pi_lo) and math.isfinite(pi_hi):
        text += f" (prediction interval {pi_lo:.0f}% to {pi_hi:.0f}%)"
    return _concern(1 if hi - lo > rules.spread_width else 0, text)


def _indirectness(rows: pd.DataFrame, rules: GradeRules) -> tuple[int, str]:
    known, missing = stated_months(rows)
    span = float(known.max() - known.min()) if len(known) else 0.0
    defs = sorted(set(rows["outcome_definition"].astype(str)))
    reasons = []
    if missing:
        reasons.append(f"{missing} {'study' if missing == 1 else 'studies'} without a single timepoint")
    if span > rules.timepoint_span:
        reasons.append(f"timepoints from {known.min():g} to {known.max():g} months")
    if len(defs) > 1:
        reasons.append(f"{len(defs)} outcome definitions")
    if reasons:
        return _concern(1, "; ".join(reasons))
    return _concern(0, "one timepoint window and one definition")


def _imprecision(row: dict, rules: GradeRules) -> tuple[int, str]:
    lo, hi, n = row.get("ci_low", math.nan), row.get("ci_high", math.nan), int(row.get("patients", 0) or 0)
    if math.isfinite(lo) and math.isfinite(hi):
        width = hi - lo
        ci = f"95% CI {width:.0f} percentage points wide"
    else:  # no interval (a model that did not converge): as imprecise as a wide one
        width, ci = math.inf, "95% CI not estimable"
    wide, few = width > rules.ci_width, n < rules.min_patients
    text = f"{ci}; {n} patients"
    return _concern(int(wide) + int(few), text)


#: What each level means (GRADE's definitions, said of a proportion).
MEANING = {"high": "The true proportion lies close to the pooled one.",
           "moderate": "The true proportion is probably close to the pooled one.",
           "low": "The true proportion may be substantially different.",
           "very low": "The true proportion is likely to be substantially different."}


def _statement(level: str, label: str) -> str:
    what = f"the proportion of patients with {label.lower()} on dual-targeted therapy"
    return {"very low": f"The evidence is very uncertain about {what}.",
            "low": f"The pooled value may describe {what}; the true proportion may be substantially different.",
            "moderate": f"The pooled value probably describes {what}.",
            "high": f"The pooled value describes {what}."}[level]


def _per_100(row: dict) -> str:
    lo, hi = row.get("ci_low", math.nan), row.get("ci_high", math.nan)
    ci = f"95% CI {lo:.0f} to {hi:.0f}" if math.isfinite(lo) and math.isfinite(hi) else "95% CI not estimable"
    return f"{row['pooled_pct']:.0f} in 100 ({ci})"


def summary_of_findings(summary: pd.DataFrame, pools: dict[str, pd.DataFrame], overall_risk: dict[str, str],
                        rules: GradeRules = GradeRules()) -> pd.DataFrame:
    """GRADE summary of findings, one row per outcome of ``summary`` (the pooled table of the literature
    comparison: ``outcome``, ``k``, ``patients``, ``pooled_pct``, ``ci_low``, ``ci_high``, ``pi_low``, ``pi_high``,
    ``tau2``) that has a pool. ``pools`` maps each outcome to its pooled study rows (``study_id``, ``label``,
    ``total``, ``timepoint_months``, ``outcome_definition``); ``overall_risk`` maps study ids to their JBI overall
    risk. Columns: outcome, studies, patients, per_100 (the pooled proportion as patients in 100, with its CI),
    one column per domain (its rating and reason),
    downgrades, certainty, what the level means and the statement."""
    out = []
    for row in summary.to_dict("records"):
        k = row.get("k")
        if k is None or (isinstance(k, float) and not math.isfinite(k)) or int(k) < 1:
            continue
        rows = pools[row["outcome"]]
        label = OUTCOME_LABELS[row["outcome"]]
        domains = {"risk_of_bias": _risk_of_bias(rows, overall_risk, rules),
                   "inconsistency": _inconsistency(row, rules),
                   "indirectness": _indirectness(rows, rules),
                   "imprecision": _imprecision(row, rules)}
        down = sum(d[0] for d in domains.values())
        level = LEVELS[min(LEVELS.index(_START) + down, len(LEVELS) - 1)]
        out.append({
            "outcome": label, "studies": int(k), "patients": int(row["patients"]),
            "per_100": _per_100(row),
            **{name: d[1] for name, d in domains.items()},
            "publication_bias": "not assessable: fewer than 10 studies (reporting bias likely; see text)"
            if int(k) < 10 else "not assessed",
            "downgrades": down, "certainty": level, "meaning": MEANING[level],
            "statement": _statement(level, label)})
    return pd.DataFrame(out)
