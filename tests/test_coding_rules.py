"""The coding rules of the literature table (dttstudy.synthesis.coding_rules) and every row of the table against
them. The expected flags are read from the rules table, not from the code that pools."""
from __future__ import annotations

import pandas as pd
import pytest

from dttstudy.synthesis.coding_rules import (RULES, INPUT_VALUES, itt_rows, rule_violations, rules_table,
                                              study_sizes)
from dttstudy.synthesis.literature import LITERATURE_FILE, load_literature, select


@pytest.fixture(scope="module")
def lit():
    return load_literature()


def test_rules_table_covers_every_input_value():
    t = rules_table()
    for rule, r in RULES.items():
        assert set(t.loc[t["rule"] == rule, "input_value"]) == set(INPUT_VALUES[r["input"]])


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_row_follows_the_rule(lit, rule):
    r = RULES[rule]
    raw = pd.read_csv(LITERATURE_FILE, dtype=str, keep_default_na=False)
    for i, row in raw.iterrows():
        want = r["map"][row[r["input"]]]
        have = row[r["flag"]] if isinstance(want, str) else row[r["flag"]] == "true"
        assert have == want, f"row {i + 2} ({row['study_id']} {row['outcome']}): rule {rule}"


def test_denominator_rule_by_hand(lit):
    rows = lit.set_index(["study_id", "arm", "outcome", "timepoint"]).sort_index()
    get = lambda s, o, a="": rows.xs((s, a, o), level=[0, 1, 2]).iloc[0]  # noqa: E731
    assert get("he2025", "clinical_response", "UST+ADA")["denominator_basis"] == "completers"  # 20 of 23 enrolled
    assert get("yin2025", "endoscopic_response", "dual biologic")["denominator_basis"] == "evaluable"  # 21 of 22
    assert get("yin2025", "clinical_response", "dual biologic")["denominator_basis"] == "enrolled"
    assert get("ye2026", "clinical_response")["denominator_basis"] == "evaluable"  # 24 of 26
    assert get("privitera2020", "clinical_remission")["denominator_basis"] == "indication_subset"
    assert rule_violations(lit) == []


def test_a_broken_row_is_named(lit):
    bad = lit.copy()
    i = bad.index[(bad["study_id"] == "lee2022") & (bad["outcome"] == "any_ae")][0]
    bad.loc[i, "indication_mixed"] = False
    j = bad.index[(bad["study_id"] == "ye2026") & (bad["outcome"] == "clinical_response")][0]
    bad.loc[j, "denominator_basis"] = "enrolled"
    msgs = rule_violations(bad)
    assert any(f"row {i + 2} (lee2022 any_ae): rule M" in m for m in msgs)
    assert any(f"row {j + 2} (ye2026 clinical_response): rule D" in m for m in msgs)


def test_bad_input_value_is_refused(tmp_path):
    raw = pd.read_csv(LITERATURE_FILE, dtype=str, keep_default_na=False)
    raw.loc[3, "count_basis"] = "guessed"
    f = tmp_path / "lit.csv"
    raw.to_csv(f, index=False)
    with pytest.raises(ValueError, match="row 5, column 'count_basis'"):
        load_literature(f)


def test_assumed_and_circular_counts_stay_out_of_the_main_pool(lit):
    for outcome in ("clinical_response", "clinical_remission", "endoscopic_response", "endoscopic_remission",
                    "any_ae", "serious_ae"):
        for kw in ({}, {"unverified": True, "mixed_indication": True, "overlapping": True}):
            d = select(lit, outcome, "all", **kw)
            assert not d["count_basis"].isin(["assumed", "circular"]).any(), outcome
        assert set(select(lit, outcome, printed_only=True)["count_basis"]) <= {"printed"}


def test_itt_uses_everyone_who_started(lit):
    d = itt_rows(select(lit, "endoscopic_response")).set_index("study_id")
    # Yin 2025: 14/21 + 11/16 evaluable of 22 + 21 enrolled -> 25/43; He 2025: 12/20 completers of 23 -> 12/23
    assert d.loc["yin2025", ["events", "total"]].tolist() == [25, 43]
    assert d.loc["he2025", ["events", "total"]].tolist() == [12, 23]
    assert d["itt_changed"].all()


def test_rules_table_columns_and_rows_in_full():
    # Written out from RULES and the Rule D row of rules_table: 7 R values + 5 M values + 5 C values + the D row.
    t = rules_table()
    assert t.columns.tolist() == ["rule", "input", "input_value", "flag", "flag_value", "rule_text"]
    assert t["rule"].tolist() == ["R"] * 7 + ["M"] * 5 + ["C"] * 5 + ["D"]
    assert t.iloc[0].to_dict() == {"rule": "R", "input": "prior_advanced_failed", "input_value": "0",
                                   "flag": "refractory", "flag_value": "no", "rule_text": RULES["R"]["text"]}
    assert t.iloc[-1].to_dict() == {
        "rule": "D", "input": "n_enrolled, n_patients, total", "input_value": "", "flag": "denominator_basis",
        "flag_value": "enrolled / evaluable / completers / indication_subset",
        "rule_text": "enrolled when the total is everyone who started in the arm (study); completers when the arm "
                     "sizes are completers; evaluable otherwise; safety always everyone who started (enrolled)"}


def _lit(*rows: dict, index=None) -> pd.DataFrame:
    """A small literature table whose rows follow every rule unless a row overrides a field."""
    base = {"study_id": "s1", "arm": "", "outcome": "clinical_response", "prior_advanced_failed": "1",
            "refractory": "yes", "non_ibd_indication": "none", "indication_mixed": False, "count_basis": "printed",
            "derived_from_percent": False, "n_enrolled": 10, "n_patients": 10, "total": 10,
            "denominator_basis": "enrolled", "trial_units": False, "verified": True}
    return pd.DataFrame([{**base, **r} for r in rows], index=index)


def test_a_safety_row_not_over_everyone_enrolled_is_named():
    # 8 of 10 enrolled: Rule D's basis is "evaluable" (so the basis check passes), but safety rows must be enrolled.
    lit = _lit({"study_id": "s1", "outcome": "clinical_response", "total": 8, "denominator_basis": "evaluable"},
               {"study_id": "s2", "outcome": "any_ae", "total": 8, "denominator_basis": "evaluable"},
               {"study_id": "s3", "outcome": "serious_ae", "total": 8, "denominator_basis": "evaluable"},
               {"study_id": "s4", "outcome": "serious_ae"})
    assert rule_violations(lit) == [
        "row 3 (s2 any_ae): rule D: a safety outcome counts everyone who started, not evaluable patients",
        "row 4 (s3 serious_ae): rule D: a safety outcome counts everyone who started, not evaluable patients"]


def test_a_verified_circular_count_is_named():
    # Rule C: a count back-calculated from a meta-analysis cannot be verified in the study's own text.
    circ = {"count_basis": "circular", "derived_from_percent": True}
    lit = _lit({"study_id": "s1", **circ, "verified": True}, {"study_id": "s2", **circ, "verified": False})
    assert rule_violations(lit) == [
        "row 2 (s1 clinical_response): rule C: a circular count cannot be verified against the study's own text"]


def test_trial_unit_arm_row_is_measured_against_n_enrolled():
    # An arm counted in therapeutic trials: 12 trials in 9 patients, total 12 = n_enrolled, so Rule D says
    # "enrolled" (the arm's patient count 9 < 12 must not make it "completers").
    ok = {"arm": "A", "trial_units": True, "n_enrolled": 12, "n_patients": 9, "total": 12}
    assert rule_violations(_lit(ok)) == []
    bad = _lit({**ok, "denominator_basis": "completers"})
    assert rule_violations(bad) == [
        "row 2 (s1 A clinical_response): rule D gives denominator_basis = enrolled, the table has 'completers'"]


def test_study_sizes_sum_arms_once_and_skip_study_level_rows():
    # sA: arms A (16, on two outcome rows) and B (4) -> 20; its study-level safety row (23) is not added.
    # sB: single arm, n_patients 26 on two rows -> 26.
    lit = _lit({"study_id": "sA", "arm": "A", "n_patients": 16},
               {"study_id": "sA", "arm": "A", "n_patients": 16, "outcome": "clinical_remission"},
               {"study_id": "sA", "arm": "B", "n_patients": 4},
               {"study_id": "sA", "arm": "", "n_patients": 23, "outcome": "any_ae"},
               {"study_id": "sB", "n_patients": 26},
               {"study_id": "sB", "n_patients": 26, "outcome": "any_ae"})
    want = pd.Series([20, 26], index=pd.Index(["sA", "sB"], name="study_id"), name="n_patients")
    pd.testing.assert_series_equal(study_sizes(lit), want)


def test_itt_changes_only_efficacy_rows_of_complete_studies_with_fewer_evaluated():
    # By the docstring: evaluable/completers efficacy rows, no arm missing, n_enrolled > total -> total = n_enrolled.
    rows = pd.DataFrame([
        ("s1", "clinical_response", "evaluable", None, 10, 8),         # changed (missing arms read as none)
        ("s2", "clinical_response", "completers", "", 23, 20),         # changed
        ("s3", "clinical_remission", "indication_subset", "", 16, 7),  # subset keeps its denominator
        ("s4", "clinical_response", "evaluable", "B", 43, 21),         # an arm missing: kept
        ("s5", "any_ae", "evaluable", "", 10, 9),                      # safety: kept
        ("s6", "serious_ae", "completers", "", 10, 9),                 # safety: kept
        ("s7", "clinical_remission", "evaluable", "", 24, 24),         # nobody left out: not changed
        ("s8", "clinical_response", "enrolled", "", 43, 22),           # an arm row over its own enrolled
    ], columns=["study_id", "outcome", "denominator_basis", "arms_missing", "n_enrolled", "total"])
    d = itt_rows(rows)
    assert d["itt_changed"].tolist() == [True, True, False, False, False, False, False, False]
    assert d["total"].tolist() == [10, 23, 7, 21, 9, 9, 24, 22]
    assert rows["total"].tolist() == [8, 20, 7, 21, 9, 9, 24, 22]  # the input is not modified


def test_itt_without_arms_missing_column_reads_no_arm_missing():
    # Rows not from select() carry no arms_missing column: every eligible row changes.
    rows = pd.DataFrame({"study_id": ["s1", "s2"], "outcome": ["clinical_response", "endoscopic_response"],
                         "denominator_basis": ["evaluable", "completers"], "n_enrolled": [10, 23], "total": [8, 16]})
    d = itt_rows(rows)
    assert d["itt_changed"].tolist() == [True, True]
    assert d["total"].tolist() == [10, 23]
