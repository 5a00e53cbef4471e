"""Paired lab change on a hand-made cohort."""
from __future__ import annotations

import pytest

from dttstudy.analysis.labs import lab_changes, lab_summary

from builders import cohort


def _labs():
    pats = [{"patient_id": x, "disease": "CD"} for x in "ABCD"]
    v = [{"patient_id": "A", "month": 0, "crp": 10.0}, {"patient_id": "A", "month": 6, "crp": 4.0},
         {"patient_id": "B", "month": 0, "crp": 20.0}, {"patient_id": "B", "month": 5.5, "crp": 5.0},
         {"patient_id": "C", "month": 0, "crp": 8.0}, {"patient_id": "C", "month": 6, "crp": None},
         {"patient_id": "D", "month": 0, "crp": 0.0}, {"patient_id": "D", "month": 7, "crp": 2.0}]
    return cohort(pats, v)


def test_paired_changes_by_hand():
    ch = lab_changes(_labs(), ("crp",), (6,)).set_index("patient_id")
    assert list(ch.index) == ["A", "B", "D"]          # C has no follow-up value
    assert ch.loc["A", "change"] == -6.0 and ch.loc["A", "pct_change"] == pytest.approx(-60.0)
    assert ch.loc["B", "visit_month"] == 5.5 and ch.loc["B", "pct_change"] == pytest.approx(-75.0)
    assert ch.loc["D", "change"] == 2.0 and ch.loc["D", "pct_change"] != ch.loc["D", "pct_change"]  # NaN


def test_summary_by_hand():
    s = lab_summary(lab_changes(_labs(), ("crp",), (6,)), by=None).iloc[0]
    # changes -6, -15, +2: mean -19/3; baseline mean 10; follow-up mean 11/3
    assert s["n"] == 3
    assert s["change_mean"] == pytest.approx(-19 / 3)
    assert s["baseline_mean"] == pytest.approx(10.0) and s["value_mean"] == pytest.approx(11 / 3)
    dev = [-6 + 19 / 3, -15 + 19 / 3, 2 + 19 / 3]
    assert s["change_sd"] == pytest.approx((sum(d * d for d in dev) / 2) ** 0.5)
    # ranks of |d|: 2 -> 1, 6 -> 2, 15 -> 3; W+ = 1; exact two-sided p = 2 * P(W <= 1) = 2 * 2/8
    assert s["wilcoxon_statistic"] == 1 and s["p_value"] == pytest.approx(0.5)
    assert s["test"] == "Wilcoxon signed-rank, exact"


def test_summary_no_test_for_a_single_pair_or_no_change():
    pats = [{"patient_id": x, "disease": d} for x, d in (("A", "CD"), ("B", "CD"), ("U", "UC"))]
    v = [{"patient_id": "A", "month": 0, "crp": 10.0}, {"patient_id": "A", "month": 6, "crp": 10.0},
         {"patient_id": "B", "month": 0, "crp": 8.0}, {"patient_id": "B", "month": 6, "crp": 8.0},
         {"patient_id": "U", "month": 0, "crp": 9.0}, {"patient_id": "U", "month": 6, "crp": 1.0}]
    s = lab_summary(lab_changes(cohort(pats, v), ("crp",), (6,))).set_index("group")
    # UC: one pair -> not tested (a signed-rank test of one pair would print p = 1)
    assert s.loc["UC", "n"] == 1 and s.loc["UC", "p_value"] != s.loc["UC", "p_value"]
    assert s.loc["UC", "test"] == "" and s.loc["UC", "no_test_reason"] == "no test: fewer than 2 pairs"
    # CD: two pairs, both unchanged -> no non-zero difference to rank
    assert s.loc["CD", "test"] == "" and s.loc["CD", "no_test_reason"] == "no test: every difference is zero"
    # All: changes -8, 0, 0 -> zeros dropped, normal approximation as R ("cannot compute exact p-value with
    # zeroes"): z = (|0 - 1/2| - 1/2) / sigma = 0, p = 1. R: wilcox.test(c(1,10,8), c(9,10,8), paired=TRUE) -> 1
    assert s.loc["All", "p_value"] == pytest.approx(1.0)
    assert s.loc["All", "test"] == "Wilcoxon signed-rank, normal approximation with continuity correction"


def test_a_month_past_every_visit_gives_rows_of_no_pairs():
    """Month 60 (window 2) is past every visit of the reference cohort: each analysed marker has an 'All' row with
    n = 0 and no statistic, so the table shows '–' instead of failing or leaving the month out."""
    import math

    from dttstudy.analysis.labs import lab_changes, lab_summary
    from dttstudy.intake.cohort import load_cohort
    from dttstudy.reporting.display import build_display

    cohort = load_cohort()
    ch = lab_changes(cohort, months=(6, 60), windows={6: 1.0, 60: 2.0})
    s = lab_summary(ch, labs=cohort.labs, months=(6, 60))
    far = s[s["month"] == 60]
    assert list(far["lab"]) == ["crp", "albumin"] and list(far["n"]) == [0, 0]  # in their declared order
    assert all(math.isnan(v) for v in far["change_mean"]) and set(far["no_test_reason"]) == {"no paired values"}
    assert (s[s["month"] == 6]["n"] > 0).all()
    rows = build_display("lab_change_summary", s).rows
    assert any(r.cells[1] == "0" and r.cells[2] == "–" for r in rows)
