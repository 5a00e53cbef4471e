"""The reconstructed reference cohort validates and reproduces the published text.

Every aggregate here is computed with plain pandas straight from the CSV files, independently of the
package's analysis code; the response rules are re-implemented from the paper's Methods.
"""
from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from dttstudy import load_cohort, validate

from conftest import REFERENCE, ROOT

FACTS = pd.read_csv(ROOT / "data" / "published" / "wang2025_facts.csv", dtype={"value": str})
CONFLICTS = pd.read_csv(REFERENCE / "conflicts.csv").set_index("key")
WINDOWS = {3: 0.5, 6: 1.0, 9: 1.0}  # Methods: 3 mo ± 2 weeks, 6 mo ± 1 month; 9 mo taken as ± 1 month


@pytest.fixture(scope="module")
def raw():
    return {n: pd.read_csv(REFERENCE / f"{n}.csv") for n in ("patients", "treatments", "visits", "adverse_events")}


def visit_at(v, month):
    w = v[(v["month"] - month).abs() <= WINDOWS[month]].copy()
    w["d"] = (w["month"] - month).abs()
    return w.sort_values(["patient_id", "d"]).drop_duplicates("patient_id").set_index("patient_id")


def responders(raw, month):
    p = raw["patients"].set_index("patient_id")
    v = raw["visits"]
    base = v[v["month"] == 0].set_index("patient_id")
    fu = visit_at(v, month)
    n, k = 0, 0
    for pid, row in fu.iterrows():
        b = base.loc[pid]
        if p.loc[pid, "disease"] == "UC":
            if pd.isna(row["partial_mayo"]) or pd.isna(b["partial_mayo"]):
                continue
            drop = b["partial_mayo"] - row["partial_mayo"]
            ok = drop >= 3 and drop >= 0.3 * b["partial_mayo"] and (
                b["rectal_bleeding"] - row["rectal_bleeding"] >= 1 or row["rectal_bleeding"] <= 1)
        else:
            if pd.isna(row["hbi"]) or pd.isna(b["hbi"]):
                continue
            if b["hbi"] <= 4:
                crp_norm = b["crp"] > 5 and row["crp"] <= 5
                lim = (b["limberg"] - row["limberg"] >= 2) if not pd.isna(row["limberg"]) else False
                ok = bool(crp_norm or lim)
            else:
                ok = b["hbi"] - row["hbi"] >= 3
        n += 1
        k += bool(ok)
    return k, n


def endoscopy(raw, horizon=9, exact_month=None):
    p = raw["patients"].set_index("patient_id")
    v = raw["visits"]
    k = n = 0
    for pid, g in v.groupby("patient_id"):
        col = "mes" if p.loc[pid, "disease"] == "UC" else "ses_cd"
        b = g.loc[g["month"] == 0, col]
        if b.isna().all():
            continue
        later = g[(g["month"] > 0) & g[col].notna()]
        later = later[later["month"] == exact_month] if exact_month else later[later["month"] <= horizon]
        if later.empty:
            continue
        last = later.sort_values("month")[col].iloc[-1]
        b = b.iloc[0]
        ok = (b - last >= 1) if col == "mes" else (b > 0 and (b - last) / b > 0.5)
        n += 1
        k += bool(ok)
    return k, n


def lab_means(raw, ids_disease, month):
    p = raw["patients"].set_index("patient_id")
    v = raw["visits"]
    fu = visit_at(v, month)
    base = v[v["month"] == 0].set_index("patient_id")
    out = {}
    for lab in ("crp", "albumin"):
        ids = [pid for pid in fu.index if not pd.isna(fu.loc[pid, lab]) and not pd.isna(base.loc[pid, lab])
               and (ids_disease is None or p.loc[pid, "disease"] == ids_disease)]
        out[lab] = (len(ids), base.loc[ids, lab].mean(), fu.loc[ids, lab].mean())
    return out


def computed(raw):
    p, t, a = raw["patients"], raw["treatments"], raw["adverse_events"]
    pt = p.merge(t, on="patient_id")
    cd = p[p["disease"] == "CD"]
    total = p["failed_biologics"] + p["failed_immunomodulators"]
    agents = pd.concat([t["agent_1"], t["agent_2"]]).value_counts()
    reg = t.apply(lambda r: frozenset((r["agent_1"], r["agent_2"])), axis=1).value_counts()
    maint = t[t["status"] == "maintained"]
    disc = pt[pt["status"] == "discontinued"]
    pct = lambda k, n: 100 * k / n  # noqa: E731
    c = {
        "n_total": len(p), "n_uc": (p["disease"] == "UC").sum(), "n_cd": len(cd),
        "mean_age_at_diagnosis": p["age_at_diagnosis"].mean(),
        "mean_disease_duration": p["disease_duration"].mean(),
        "median_followup_before_dtt": p["followup_before_dtt"].median(),
        "min_followup_before_dtt": p["followup_before_dtt"].min(),
        "max_followup_before_dtt": p["followup_before_dtt"].max(),
        "pct_female": pct((p["sex"] == "F").sum(), len(p)), "pct_male": pct((p["sex"] == "M").sum(), len(p)),
        "pct_cd_abdominal_surgery": pct((cd["abdominal_surgery"] != "none").sum(), len(cd)),
        "n_cd_ileal_surgery": (cd["abdominal_surgery"] == "ileal").sum(),
        "n_cd_ileocolonic_surgery": (cd["abdominal_surgery"] == "ileocolonic").sum(),
        "pct_perianal_surgery": pct(cd["perianal_surgery"].sum(), len(cd)),
        "pct_autoimmune": pct(p["autoimmune_disease"].notna().sum(), len(p)),
        "n_prior_two_or_more_agents": (total >= 2).sum(),
        "n_prior_single_biologic": ((p["failed_biologics"] == 1) & (p["failed_immunomodulators"] == 0)).sum(),
        "n_prior_single_immunomodulator": ((p["failed_biologics"] == 0) & (p["failed_immunomodulators"] == 1)).sum(),
        "mean_failed_biologics": p["failed_biologics"].mean(),
        "mean_failed_immunomodulators": p["failed_immunomodulators"].mean(),
        "n_maintained": len(maint), "n_discontinued": len(disc),
        "n_steroid_at_start": t["steroid_at_start"].sum(),
        "n_steroid_at_start_uc": pt.loc[pt["disease"] == "UC", "steroid_at_start"].sum(),
        "n_steroid_at_start_cd": pt.loc[pt["disease"] == "CD", "steroid_at_start"].sum(),
        "n_steroid_stopped_by_month_3": (t["steroid_at_start"] & (t["steroid_stop_month"] <= 3)).sum(),
        "n_agent_ust": agents["UST"], "n_agent_vdz": agents["VDZ"], "n_agent_tof": agents["TOF"],
        "n_agent_ifx": agents["IFX"], "n_agent_ada": agents["ADA"],
        "pct_regimen_ust_vdz": pct(reg[frozenset({"UST", "VDZ"})], len(t)),
        "pct_regimen_ust_tof": pct(reg[frozenset({"UST", "TOF"})], len(t)),
        "pct_regimen_ada_vdz": pct(reg[frozenset({"ADA", "VDZ"})], len(t)),
        "n_regimen_ada_vdz_cd": (pt[pt.apply(lambda r: {r["agent_1"], r["agent_2"]} == {"ADA", "VDZ"}, axis=1)]
                                 ["disease"] == "CD").sum(),
        "min_dtt_months": t["dtt_months"].min(), "max_dtt_months": t["dtt_months"].max(),
        "n_maintained_2_months": (maint["dtt_months"] == 2).sum(),
        "n_maintained_3_months": (maint["dtt_months"] == 3).sum(),
        "n_maintained_6_months": (maint["dtt_months"] == 6).sum(),
        "n_maintained_9_months": (maint["dtt_months"] == 9).sum(),
        "min_dtt_months_discontinued": disc["dtt_months"].min(),
        "max_dtt_months_discontinued": disc["dtt_months"].max(),
        "n_discontinued_uc": (disc["disease"] == "UC").sum(), "n_discontinued_cd": (disc["disease"] == "CD").sum(),
        "n_discontinued_de_escalation_uc": ((disc["disease"] == "UC") & (disc["stop_reason"] == "de_escalation")).sum(),
        "n_discontinued_adverse_event_uc": ((disc["disease"] == "UC") & (disc["stop_reason"] == "adverse_event")).sum(),
        "n_discontinued_no_response_cd": ((disc["disease"] == "CD") & (disc["stop_reason"] == "no_response")).sum(),
    }
    for m in (3, 6, 9):
        k, n = responders(raw, m)
        c[f"pct_clinical_response_{m}m"] = (pct(k, n), k, n)
    k, n = endoscopy(raw)
    c["pct_endoscopic_response_within_9m"] = (pct(k, n), k, n)
    k, n = endoscopy(raw, exact_month=9)
    c["pct_endoscopic_response_at_9m"] = (pct(k, n), k, n)
    for dis, m, tag in (("UC", 6, "uc_6m"), ("CD", 6, "cd_6m"), (None, 9, "9m")):
        labs = lab_means(raw, dis, m)
        c[f"n_labs_{tag}"] = labs["crp"][0]
        assert labs["albumin"][0] == labs["crp"][0]
        for lab in ("crp", "albumin"):
            c[f"mean_{lab}_{tag}_baseline"] = labs[lab][1]
            c[f"mean_{lab}_{tag}"] = labs[lab][2]
    ae_p = a["patient_id"].unique()
    c["pct_ae_patients"] = (pct(len(ae_p), len(p)), len(ae_p), len(p))
    dis = p.set_index("patient_id")["disease"]
    c["n_ae_patients_uc"] = sum(dis[x] == "UC" for x in ae_p)
    c["n_ae_patients_cd"] = sum(dis[x] == "CD" for x in ae_p)
    c["n_serious_ae_patients"] = a.loc[a["serious"], "patient_id"].nunique()
    c["month_cd_infections"] = max(math.ceil(x) for x in a.loc[a["patient_id"].map(dis) == "CD", "onset_month"])
    c["n_ae_leading_to_withdrawal"] = a.loc[a["action"] != "none", "patient_id"].nunique()
    return c


def printed(value: float, like: str, mode) -> str:
    places = len(like.split(".")[1]) if "." in like else 0
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(float(value))).quantize(q, rounding=mode))


def test_reference_cohort_validates():
    report = validate(REFERENCE)
    assert report.ok, str(report)
    assert report.warnings == []


def test_reference_cohort_is_labelled_reconstructed():
    cohort = load_cohort()
    assert cohort.reconstructed
    assert "reconstructed" in cohort.label
    assert "RECONSTRUCTED" in (REFERENCE / "README.md").read_text()


@pytest.mark.parametrize("key", list(FACTS["key"]))
def test_published_fact(raw, key):
    fact = FACTS.set_index("key").loc[key]
    value = computed(raw)[key]
    if isinstance(value, tuple):
        value, k, n = value
        assert (k, n) == (int(fact["numerator"]), int(fact["denominator"])) or key in CONFLICTS.index
    if key in CONFLICTS.index:
        assert float(value) == pytest.approx(CONFLICTS.loc[key, "computed"])
        assert printed(value, fact["value"], ROUND_HALF_UP) != fact["value"]
        return
    half_up = printed(value, fact["value"], ROUND_HALF_UP)
    trunc = printed(value, fact["value"], ROUND_DOWN)
    assert fact["value"] in (half_up, trunc), f"{key}: published {fact['value']}, computed {value}"


def test_only_the_documented_facts_need_truncation(raw):
    c = computed(raw)
    need = []
    for key, like in zip(FACTS["key"], FACTS["value"]):
        v = c[key][0] if isinstance(c[key], tuple) else c[key]
        if key not in CONFLICTS.index and printed(v, like, ROUND_HALF_UP) != like:
            need.append(key)
    assert sorted(need) == ["mean_failed_biologics", "pct_clinical_response_3m"]


def test_every_conflict_is_documented_in_the_readme():
    text = (REFERENCE / "README.md").read_text()
    for key in CONFLICTS.index:
        assert f"`{key}`" in text


def test_readme_data_dictionary_is_in_sync_with_the_schema():
    from dttstudy.intake.templates import data_dictionary_markdown

    text = (REFERENCE / "README.md").read_text()
    block = text.split("<!-- dictionary:start -->\n")[1].split("<!-- dictionary:end -->")[0]
    assert block.strip() == data_dictionary_markdown().strip()


def test_no_direct_identifiers_or_dates_in_the_reference_data():
    import re

    for f in REFERENCE.glob("*.csv"):
        text = f.read_text()
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", text), f"calendar date in {f.name}"
    ids = pd.read_csv(REFERENCE / "patients.csv")["patient_id"]
    assert ids.str.fullmatch(r"P\d\d").all()
