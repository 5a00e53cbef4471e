"""The coding rules of the literature table (dttstudy.synthesis.coding_rules) and every row of the table against
them. The expected flags are read from the rules table, not from the code that pools."""
from __future__ import annotations

import pandas as pd
import pytest

from dttstudy.synthesis.coding_rules import RULES, INPUT_VALUES, itt_rows, rule_violations, rules_table
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
