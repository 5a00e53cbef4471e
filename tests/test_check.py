"""The paper check: statuses, tolerance rules, exit codes."""
from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.analysis.check import paper_check

from conftest import REFERENCE


@pytest.fixture(scope="module")
def result():
    return paper_check(load_cohort()).set_index("key")


def test_reference_cohort_has_no_mismatch(result):
    assert (result["status"] != "mismatch").all(), result[result["status"] == "mismatch"]


def test_documented_conflicts_are_conflicts(result):
    conflicts = pd.read_csv(REFERENCE / "conflicts.csv")["key"]
    assert set(result.index[result["status"] == "conflict"]) == set(conflicts)


def test_truncated_values_are_rounding(result):
    assert result.loc["pct_clinical_response_3m", "status"] == "rounding"
    assert result.loc["pct_clinical_response_3m", "computed_n"] == "15/17"
    assert result.loc["mean_failed_biologics", "status"] == "rounding"


def test_tolerance_rules_on_synthetic_facts():
    c = load_cohort()
    facts = pd.DataFrame([
        {"key": "n_total", "value": "18", "numerator": "", "denominator": "", "section": "", "where": ""},
        {"key": "n_total", "value": "19", "numerator": "", "denominator": "", "section": "", "where": ""},
        {"key": "pct_female", "value": "61.1", "numerator": "11", "denominator": "18", "section": "", "where": ""},
        # right percentage, wrong denominator -> mismatch
        {"key": "pct_female", "value": "61.11", "numerator": "22", "denominator": "36", "section": "",
         "where": ""},
        {"key": "mean_crp_uc_6m", "value": "1.44", "numerator": "", "denominator": "", "section": "",
         "where": ""},
        {"key": "mean_crp_uc_6m", "value": "1.43", "numerator": "", "denominator": "", "section": "",
         "where": ""},
        {"key": "not_a_fact", "value": "1", "numerator": "", "denominator": "", "section": "", "where": ""},
    ])
    res = paper_check(c, facts=facts, conflicts=pd.DataFrame(columns=["audit_id", "computed", "reading"]))
    assert res["status"].tolist() == ["match", "mismatch", "match", "mismatch", "match", "rounding", "mismatch"]


def test_a_changed_score_becomes_a_mismatch():
    c = load_cohort()
    v = c.visits.copy()
    # P05's 3-month partial Mayo 5 -> 7: drop 2, no longer a responder (14/17 = 82.35 %)
    v.loc[(v.patient_id == "P05") & (v.month == 3), "partial_mayo"] = 7
    res = paper_check(replace(c, visits=v)).set_index("key")
    assert res.loc["pct_clinical_response_3m", "status"] == "mismatch"
    assert res.loc["pct_clinical_response_3m", "computed_n"] == "14/17"


def test_conflicts_only_apply_to_the_documented_value():
    c = load_cohort()
    t = c.treatments.copy()
    t.loc[t.patient_id == "P05", "dtt_months"] = 10   # max DTT now 10, not the documented 9
    v = c.visits
    res = paper_check(replace(c, treatments=t, visits=v)).set_index("key")
    assert res.loc["max_dtt_months", "status"] == "mismatch"


def _run(*args):
    return subprocess.run([sys.executable, "-m", "dttstudy.cli", *args], capture_output=True, text=True)


def test_cli_check_exit_codes(tmp_path):
    ok = _run("check")
    assert ok.returncode == 0 and "mismatch 0" in ok.stdout
    folder = tmp_path / "c"
    folder.mkdir()
    for f in REFERENCE.glob("*.csv"):
        (folder / f.name).write_text(f.read_text())
    vis = (folder / "visits.csv").read_text().replace("P05,3,true,,5,1", "P05,3,true,,7,1")
    (folder / "visits.csv").write_text(vis)
    bad = _run("check", str(folder))
    # the mismatch is named by the paper's own words, not by the machine key
    assert bad.returncode == 1 and "MISMATCH: clinical response at 3 months" in bad.stderr
    assert "pct_clinical_response_3m" not in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr


def _facts_cohort(**extra):
    """UC only. A: UST+TOF, steroids stopped at 3.5, rash at 2 (no action), CRP and albumin 9-month pair;
    B: UST+VDZ, steroids stopped at 3, an AE at 14 after DTT (withdrawn), CRP pair only, endoscopy at 6 only;
    D: UST+VDZ, nausea at 1 (no action); E: UST+VDZ, stopped DTT at 2 for an AE that led to withdrawal."""
    from builders import cohort as build
    pats = [{"patient_id": "A", "disease": "UC", "agent_2": "TOF", "steroid_at_start": True,
             "steroid_stop_month": 3.5},
            {"patient_id": "B", "disease": "UC", "steroid_at_start": True, "steroid_stop_month": 3.0},
            {"patient_id": "D", "disease": "UC"},
            {"patient_id": "E", "disease": "UC", "status": "discontinued", "stop_reason": "adverse_event",
             "dtt_months": 2}]
    v = [{"patient_id": "A", "month": 0, "crp": 10, "albumin": 30, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "A", "month": 9, "crp": 5, "albumin": 36},
         {"patient_id": "B", "month": 0, "crp": 20, "mes": 3, "partial_mayo": 6, "rectal_bleeding": 2},
         {"patient_id": "B", "month": 6, "mes": 1},
         {"patient_id": "B", "month": 9, "crp": 8},
         {"patient_id": "D", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2},
         {"patient_id": "D", "month": 3, "partial_mayo": 3, "rectal_bleeding": 2},
         {"patient_id": "E", "month": 0}]
    aes = [{"patient_id": "A", "term": "rash", "onset_month": 2, "suspected_agent": "UST", "serious": False,
            "action": "none"},
           {"patient_id": "B", "term": "zoster", "onset_month": 14, "suspected_agent": "VDZ", "serious": False,
            "action": "withdrawn"},
           {"patient_id": "D", "term": "nausea", "onset_month": 1, "suspected_agent": "UST", "serious": False,
            "action": "none"},
           {"patient_id": "E", "term": "infusion reaction", "onset_month": 1.5, "suspected_agent": "VDZ",
            "serious": False, "action": "withdrawn"}]
    return build(pats, v, aes)


def test_study_facts_by_hand_on_a_cohort_without_cd():
    from dttstudy.analysis.check import study_facts
    f = study_facts(_facts_cohort())
    assert f["n_steroid_stopped_by_month_3"] == 1                   # B at 3; A at 3.5 is later
    assert (f["n_agent_ust"], f["n_agent_vdz"], f["n_agent_tof"], f["n_agent_ada"], f["n_agent_ifx"]) == (
        4, 3, 1, 0, 0)
    assert f["pct_regimen_ada_vdz"] == (0.0, 0, 4) and f["pct_regimen_ust_vdz"] == (75.0, 3, 4)
    assert (f["n_ae_patients_uc"], f["n_ae_patients_cd"]) == (3, 0)
    assert math.isnan(f["month_cd_infections"])
    assert f["n_ae_leading_to_withdrawal"] == 1                     # E; B's AE came after DTT
    # endoscopy at 6 only: within 9 months evaluable (1/1), at the 9-month visit not (0/0)
    assert f["pct_endoscopic_response_within_9m"][1:] == (1, 1)
    assert f["pct_endoscopic_response_at_9m"][1:] == (0, 0)
    # 9-month labs: CRP pairs for A and B, albumin for A only: the n is the CRP one
    assert f["n_labs_9m"] == 2 and f["mean_crp_9m_baseline"] == 15.0 and f["mean_albumin_9m"] == 36.0
    # no pair at 6 months in either disease
    assert f["n_labs_uc_6m"] == 0 and f["n_labs_cd_6m"] == 0 and math.isnan(f["mean_crp_cd_6m"])
    assert math.isnan(f["mean_albumin_uc_6m_baseline"])
    # D: partial Mayo 6 -> 3 with bleeding 2 -> 2 responds only under the simple definition
    assert f["pct_clinical_response_3m"][1:] == (0, 1)
    assert study_facts(_facts_cohort(), definition="simple")["pct_clinical_response_3m"][1:] == (1, 1)


def test_study_facts_month_of_the_cd_infections():
    from dttstudy.analysis.check import study_facts
    c = _facts_cohort()
    p = c.patients.copy()
    p.loc[p["patient_id"] == "D", "disease"] = "CD"
    p.loc[p["patient_id"] == "D", "montreal"] = "L3 B1"
    f = study_facts(replace(c, patients=p))
    # D's nausea at month 1 is the only CD adverse event: month ceil(1) = 1
    assert f["month_cd_infections"] == 1.0 and f["n_ae_patients_cd"] == 1
    # a cohort without UC
    only_cd = study_facts(replace(c, patients=p.assign(disease="CD", montreal="L3 B1")))
    assert only_cd["n_ae_patients_uc"] == 0 and only_cd["n_ae_patients_cd"] == 3


def test_a_centres_own_conflicts_file_is_read(tmp_path):
    from dttstudy.analysis.check import load_conflicts
    c = _facts_cohort()
    assert load_conflicts(replace(c, provenance={"source": str(tmp_path)})).empty
    (tmp_path / "conflicts.csv").write_text("key,audit_id,computed,reading\nn_agent_ust,X1,4,kept as recorded\n",
                                            encoding="utf-8")
    for source in (tmp_path, tmp_path / "patients.csv"):
        got = load_conflicts(replace(c, provenance={"source": str(source)}))
        assert got.index.tolist() == ["n_agent_ust"] and got.loc["n_agent_ust", "audit_id"] == "X1"
    # the reference cohort's own file, wherever its provenance points
    ref = load_conflicts(replace(c, provenance={"reconstructed": True, "source": str(tmp_path)}))
    assert "n_agent_vdz" in ref.index


def _facts(*rows):
    return pd.DataFrame([{"key": k, "value": v, "numerator": n, "denominator": d, "unit": "", "section": "S",
                          "where": "w"} for k, v, n, d in rows])


def test_paper_check_rows_by_hand():
    from dttstudy.analysis.check import load_conflicts, paper_check
    c = _facts_cohort()
    conflicts = pd.DataFrame({"audit_id": ["X9"], "computed": [4], "reading": ["kept as recorded"]},
                             index=pd.Index(["n_agent_ust"], name="key"))
    facts = _facts(("no_such_fact", "1", "", ""),                    # not computed: listed, and the rest go on
                   ("n_agent_vdz", "3", "", ""),                     # 3: a match
                   ("pct_regimen_ust_vdz", "75.0", "3", "4"),        # 75.0 with 3/4: a match
                   ("pct_regimen_ust_vdz", "75.0", "2", "4"),        # 75.0 but 2/4 published: counts differ
                   ("n_agent_ust", "5", "", ""),                     # computed 4: the documented conflict
                   ("mean_crp_9m_baseline", "15.04", "", ""),        # computed 15: differs at 2 decimals
                   ("mean_crp_cd_6m", "1.0", "", ""),                # no value: "nan"
                   ("mean_crp_9m", "7", "", ""))                     # 6.5 printed half up: 7
    got = paper_check(c, facts=facts, conflicts=conflicts)
    assert list(got.columns) == ["key", "section", "where", "published", "computed", "computed_n", "status", "rule",
                                 "note", "computed_exact", "published_n"]
    rows = got.set_index(got.index)
    assert rows.loc[0, ["key", "computed", "computed_n", "status", "rule", "note"]].tolist() == [
        "no_such_fact", "", "", "mismatch", "no computation for this key", ""]
    assert rows.loc[1, ["computed", "computed_n", "status", "rule", "note"]].tolist() == [
        "3", "", "match", "half-up rounding to 0 decimals", ""]
    assert rows.loc[2, ["computed", "computed_n", "published_n", "status"]].tolist() == ["75.0", "3/4", "3/4",
                                                                                         "match"]
    assert rows.loc[3, ["status", "rule"]].tolist() == ["mismatch",
                                                        "differs after rounding to 1 decimals / n/N 3/4 vs 2/4"]
    assert rows.loc[4, ["status", "rule", "note"]].tolist() == [
        "conflict", "documented conflict X9 (data/reference/README.md)", "kept as recorded"]
    assert rows.loc[5, ["computed", "computed_exact", "status", "rule"]].tolist() == [
        "15.00", "15", "mismatch", "differs after rounding to 2 decimals"]
    assert rows.loc[6, ["computed", "status"]].tolist() == ["nan", "mismatch"]
    assert rows.loc[7, ["computed", "status"]].tolist() == ["7", "match"]
    # a cohort whose provenance names no folder has no conflicts file
    assert load_conflicts(c).empty
    # the response definition reaches the facts
    simple = paper_check(c, facts=_facts(("pct_clinical_response_3m", "100", "1", "1")), conflicts=conflicts,
                         definition="simple")
    assert simple.loc[0, "status"] == "match"
