"""The paper check: every published number beside the value the package computes from the cohort.

The published numbers are data (``data/published/wang2025_facts.csv``); each fact's key names a computation
below, done with the package's own functions. Status rules (explicit tolerance):

* ``match`` — the computed value, rounded half-up to as many decimals as the paper printed, equals the printed
  value; for a percentage with a printed n/N, the computed n/N must also be equal.
* ``rounding`` — the same, except that the printed value is only reached by *truncating* (e.g. 15/17 =
  88.235 % printed as 88.23).
* ``conflict`` — a documented contradiction of the paper: the key is listed in the cohort's ``conflicts.csv``
  (the reference cohort's README explains each one) and the computed value is the one documented there.
* ``mismatch`` — anything else. ``dttstudy check`` exits 1 if any fact is a mismatch.
"""
from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from ..concepts import PAPER_LABS
from ..intake.cohort import PUBLISHED_DIR, REFERENCE_DIR, Cohort
from .labs import lab_changes, lab_summary
from .outcomes import endoscopic_response, response_rates
from .safety import ae_incidence, ae_listing
from .tables import prior_therapy_group

FACTS_FILE = PUBLISHED_DIR / "wang2025_facts.csv"
STATUSES = ("match", "rounding", "conflict", "mismatch")


def _pct(k, n):
    return (100 * k / n if n else math.nan, int(k), int(n))


def study_facts(cohort: Cohort, **response_kwargs) -> dict[str, float | tuple]:
    """Every fact of the paper computed from ``cohort``: value, or (percent, numerator, denominator)."""
    p = cohort.patients
    s = cohort.subjects()
    cd = p[p["disease"] == "CD"]
    maint = s[s["status"] == "maintained"]
    disc = s[s["status"] == "discontinued"]
    agents = pd.concat([s["agent_1"], s["agent_2"]]).value_counts()
    reg = s["regimen"].value_counts()
    prior = prior_therapy_group(p)
    n = len(p)
    f: dict[str, float | tuple] = {
        "n_total": n, "n_uc": int((p["disease"] == "UC").sum()), "n_cd": len(cd),
        "mean_age_at_diagnosis": p["age_at_diagnosis"].mean(),
        "mean_disease_duration": p["disease_duration"].mean(),
        "median_followup_before_dtt": p["followup_before_dtt"].median(),
        "min_followup_before_dtt": p["followup_before_dtt"].min(),
        "max_followup_before_dtt": p["followup_before_dtt"].max(),
        "pct_female": _pct((p["sex"] == "F").sum(), n), "pct_male": _pct((p["sex"] == "M").sum(), n),
        "pct_cd_abdominal_surgery": _pct((cd["abdominal_surgery"] != "none").sum(), len(cd)),
        "n_cd_ileal_surgery": int((cd["abdominal_surgery"] == "ileal").sum()),
        "n_cd_ileocolonic_surgery": int((cd["abdominal_surgery"] == "ileocolonic").sum()),
        "pct_perianal_surgery": _pct(cd["perianal_surgery"].sum(), len(cd)),
        "pct_autoimmune": _pct(p["autoimmune_disease"].notna().sum(), n),
        "n_prior_two_or_more_agents": int((prior == "two or more agents").sum()),
        "n_prior_single_biologic": int((prior == "single biologic only").sum()),
        "n_prior_single_immunomodulator": int((prior == "single immunosuppressant only").sum()),
        "mean_failed_biologics": p["failed_biologics"].mean(),
        "mean_failed_immunomodulators": p["failed_immunomodulators"].mean(),
        "n_maintained": len(maint), "n_discontinued": len(disc),
        "n_steroid_at_start": int(s["steroid_at_start"].sum()),
        "n_steroid_at_start_uc": int(s.loc[s["disease"] == "UC", "steroid_at_start"].sum()),
        "n_steroid_at_start_cd": int(s.loc[s["disease"] == "CD", "steroid_at_start"].sum()),
        "n_steroid_stopped_by_month_3": int((s["steroid_at_start"] & (s["steroid_stop_month"] <= 3)).sum()),
        "min_dtt_months": s["dtt_months"].min(), "max_dtt_months": s["dtt_months"].max(),
        "min_dtt_months_discontinued": disc["dtt_months"].min(),
        "max_dtt_months_discontinued": disc["dtt_months"].max(),
        "n_discontinued_uc": int((disc["disease"] == "UC").sum()),
        "n_discontinued_cd": int((disc["disease"] == "CD").sum()),
    }
    for code in ("UST", "VDZ", "TOF", "IFX", "ADA"):
        f[f"n_agent_{code.lower()}"] = int(agents.get(code, 0))
    for label, key in (("UST+VDZ", "ust_vdz"), ("UST+TOF", "ust_tof"), ("ADA+VDZ", "ada_vdz")):
        f[f"pct_regimen_{key}"] = _pct(reg.get(label, 0), n)
    f["n_regimen_ada_vdz_cd"] = int(((s["regimen"] == "ADA+VDZ") & (s["disease"] == "CD")).sum())
    for months in (2, 3, 6, 9):
        f[f"n_maintained_{months}_months"] = int((maint["dtt_months"] == months).sum())
    for reason, dis in (("de_escalation", "UC"), ("adverse_event", "UC"), ("no_response", "CD")):
        f[f"n_discontinued_{reason}_{dis.lower()}"] = int(((disc["disease"] == dis) &
                                                          (disc["stop_reason"] == reason)).sum())

    rates = response_rates(cohort, (3, 6, 9), analysis_sets=("observed",), **response_kwargs)
    for r in rates.itertuples():
        f[f"pct_clinical_response_{r.month}m"] = (r.pct, r.n, r.N)
    for key, month in (("pct_endoscopic_response_within_9m", None), ("pct_endoscopic_response_at_9m", 9)):
        e = endoscopic_response(cohort, month)
        ev = e[e["evaluable"]]
        f[key] = _pct(ev["responder"].astype(bool).sum(), len(ev))

    summ = lab_summary(lab_changes(cohort, PAPER_LABS, (6, 9)), by="disease").set_index(
        ["lab", "month", "group"])
    for tag, month, group in (("uc_6m", 6, "UC"), ("cd_6m", 6, "CD"), ("9m", 9, "All")):
        for lab in PAPER_LABS:
            row = summ.loc[(lab, month, group)] if (lab, month, group) in summ.index else None
            f[f"mean_{lab}_{tag}_baseline"] = row["baseline_mean"] if row is not None else math.nan
            f[f"mean_{lab}_{tag}"] = row["value_mean"] if row is not None else math.nan
            if lab == PAPER_LABS[0]:  # the paper gives one n per group, for both markers
                f[f"n_labs_{tag}"] = int(row["n"]) if row is not None else 0

    inc = ae_incidence(cohort, "disease").set_index("group")
    f["pct_ae_patients"] = _pct(inc.loc["All", "n"], inc.loc["All", "N"])
    f["n_ae_patients_uc"] = int(inc["n"].get("UC", 0))
    f["n_ae_patients_cd"] = int(inc["n"].get("CD", 0))
    f["n_serious_ae_patients"] = int(ae_incidence(cohort, serious_only=True).loc[0, "n"])
    ae = ae_listing(cohort)
    cd_onsets = ae.loc[ae["treatment_emergent"] & (ae["disease"] == "CD"), "onset_month"]
    # "in the third month" = onset in (2, 3]; reported as the month ordinal
    f["month_cd_infections"] = float(np.ceil(cd_onsets).max()) if len(cd_onsets) else math.nan
    f["n_ae_leading_to_withdrawal"] = int(ae.loc[ae["treatment_emergent"] & (ae["action"] != "none"),
                                                 "patient_id"].nunique())
    return f


def _decimals(printed: str) -> int:
    return len(printed.split(".")[1]) if "." in printed else 0


def _as_printed(value: float, places: int, mode) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(float(value))).quantize(q, rounding=mode))


def load_facts(path: str | Path | None = None) -> pd.DataFrame:
    return pd.read_csv(path or FACTS_FILE, dtype={"value": str, "key": str}, keep_default_na=False)


def load_conflicts(cohort: Cohort) -> pd.DataFrame:
    """Documented conflicts for this cohort: ``conflicts.csv`` beside its files (the reference cohort has one)."""
    src = REFERENCE_DIR if cohort.reconstructed else Path(cohort.provenance.get("source", ""))
    f = (src if src.is_dir() else src.parent) / "conflicts.csv"
    if cohort.reconstructed or f.is_file():
        return pd.read_csv(f).set_index("key")
    return pd.DataFrame(columns=["audit_id", "computed", "reading"]).rename_axis("key")


def paper_check(cohort: Cohort, facts: pd.DataFrame | None = None, conflicts: pd.DataFrame | None = None,
                **response_kwargs) -> pd.DataFrame:
    """One row per published fact: published value, computed value (and n/N), status and the rule applied."""
    facts = load_facts() if facts is None else facts
    conflicts = load_conflicts(cohort) if conflicts is None else conflicts
    computed = study_facts(cohort, **response_kwargs)
    rows = []
    for fact in facts.itertuples(index=False):
        printed = fact.value
        places = _decimals(printed)
        got = computed.get(fact.key)
        num = den = None
        if isinstance(got, tuple):
            got, num, den = got
        if got is None:
            rows.append({"key": fact.key, "section": fact.section, "where": fact.where, "published": printed,
                         "computed": "", "computed_n": "", "status": "mismatch",
                         "rule": "no computation for this key", "note": ""})
            continue
        half_up = _as_printed(got, places, ROUND_HALF_UP)
        trunc = _as_printed(got, places, ROUND_DOWN)
        pub_n = f"{fact.numerator}/{fact.denominator}" if str(fact.numerator) != "" else ""
        got_n = f"{num}/{den}" if num is not None else ""
        counts_ok = not pub_n or pub_n == got_n
        note = ""
        if counts_ok and half_up == printed:
            status, rule = "match", f"half-up rounding to {places} decimals"
        elif counts_ok and trunc == printed:
            status, rule = "rounding", f"printed value is the computed one truncated to {places} decimals"
        elif fact.key in conflicts.index and math.isclose(float(got), float(conflicts.loc[fact.key, "computed"]),
                                                           rel_tol=1e-9, abs_tol=1e-9):
            c = conflicts.loc[fact.key]
            status, rule = "conflict", f"documented conflict {c['audit_id']} (data/reference/README.md)"
            note = c["reading"]
        else:
            status, rule = "mismatch", f"differs after rounding to {places} decimals" + (
                "" if counts_ok else f" / n/N {got_n} vs {pub_n}")
        rows.append({"key": fact.key, "section": fact.section, "where": fact.where, "published": printed,
                     "computed": half_up, "computed_exact": f"{float(got):.6g}", "computed_n": got_n, "published_n": pub_n, "status": status, "rule": rule, "note": note})
    return pd.DataFrame(rows)


def check_summary(result: pd.DataFrame) -> str:
    counts = result["status"].value_counts()
    return ", ".join(f"{s} {int(counts.get(s, 0))}" for s in STATUSES) + f" (of {len(result)} published facts)"
