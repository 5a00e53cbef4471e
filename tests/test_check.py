"""The paper check: statuses, tolerance rules, exit codes."""
from __future__ import annotations

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
