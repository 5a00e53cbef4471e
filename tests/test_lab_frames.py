"""Paired lab changes and their summary on a five-patient cohort, every number worked out by hand.

CRP (mg/L), baseline -> month 3:  P1 UC 20 -> 10;  P2 CD 8 -> 2;  P3 CD 0 -> 4 (no % change from 0);
P4 UC no baseline -> 5 (not paired);  P5 CD 30 -> 10, assessed after DTT stopped.
Albumin (g/L): P1 35 -> 40;  P2 30 -> 33.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dttstudy.analysis.labs import SUMMARY_COLUMNS, lab_changes, lab_summary

from builders import cohort

CHANGE_COLUMNS = ["patient_id", "disease", "regimen", "lab", "unit", "month", "baseline", "visit_month", "value",
                  "change", "pct_change"]


def _cohort():
    pats = [{"patient_id": p, "disease": d} for p, d in
            [("P1", "UC"), ("P2", "CD"), ("P3", "CD"), ("P4", "UC"), ("P5", "CD")]]
    v = [{"patient_id": "P1", "month": 0, "crp": 20, "albumin": 35},
         {"patient_id": "P1", "month": 3, "crp": 10, "albumin": 40},
         {"patient_id": "P2", "month": 0, "crp": 8, "albumin": 30},
         {"patient_id": "P2", "month": 3, "crp": 2, "albumin": 33},
         {"patient_id": "P3", "month": 0, "crp": 0}, {"patient_id": "P3", "month": 3, "crp": 4},
         {"patient_id": "P4", "month": 0}, {"patient_id": "P4", "month": 3, "crp": 5},
         {"patient_id": "P5", "month": 0, "crp": 30}, {"patient_id": "P5", "month": 3, "crp": 10, "on_dtt": False}]
    return cohort(pats, v)


def test_lab_changes_whole_frame():
    got = lab_changes(_cohort(), labs=("albumin", "crp"), months=(3,))
    rows = [("P1", "UC", "crp", "mg/L", 20.0, 10.0, -10.0, -50.0),
            ("P2", "CD", "crp", "mg/L", 8.0, 2.0, -6.0, -75.0),
            ("P3", "CD", "crp", "mg/L", 0.0, 4.0, 4.0, np.nan),
            ("P5", "CD", "crp", "mg/L", 30.0, 10.0, -20.0, -200 / 3),
            ("P1", "UC", "albumin", "g/L", 35.0, 40.0, 5.0, 100 * 5 / 35),
            ("P2", "CD", "albumin", "g/L", 30.0, 33.0, 3.0, 10.0)]
    exp = pd.DataFrame(rows, columns=["patient_id", "disease", "lab", "unit", "baseline", "value", "change",
                                      "pct_change"])
    exp.insert(2, "regimen", "UST+VDZ")
    exp.insert(5, "month", 3)
    exp.insert(6, "visit_month", 3.0)
    assert list(got.columns) == CHANGE_COLUMNS
    pd.testing.assert_frame_equal(got, exp[CHANGE_COLUMNS], check_dtype=False)


def test_lab_changes_default_labs_months_and_on_dtt_only():
    c = _cohort()
    # default markers: those the cohort records (the paper's two here); default months 3, 6, 9 (only 3 has visits)
    assert set(lab_changes(c)["lab"]) == {"crp", "albumin"} and set(lab_changes(c)["month"]) == {3}
    assert set(lab_changes(c, labs=("albumin",))["lab"]) == {"albumin"}
    on = lab_changes(c, labs=("crp",), months=(3,), on_dtt_only=True)
    assert on["patient_id"].tolist() == ["P1", "P2", "P3"]
    wide = lab_changes(c, labs=("crp",), months=(4,), windows={4: 1})
    assert wide["patient_id"].tolist() == ["P1", "P2", "P3", "P5"] and set(wide["visit_month"]) == {3.0}


def _row(summary, lab, group):
    r = summary[(summary["lab"] == lab) & (summary["group"] == group)]
    assert len(r) == 1, (lab, group)
    return r.iloc[0]


def test_lab_summary_by_hand():
    s = lab_summary(lab_changes(_cohort(), labs=("crp", "albumin"), months=(3,)), by="disease")
    assert list(s.columns) == SUMMARY_COLUMNS
    assert list(zip(s["lab"], s["by"], s["group"])) == [
        ("crp", "All", "All"), ("crp", "disease", "CD"), ("crp", "disease", "UC"),
        ("albumin", "All", "All"), ("albumin", "disease", "CD"), ("albumin", "disease", "UC")]
    exact = "Wilcoxon signed-rank, exact"
    crp = _row(s, "crp", "All")
    # baseline 0, 8, 20, 30; value 2, 4, 10, 10; change -20, -10, -6, 4 (quartiles by linear interpolation)
    expected = {"unit": "mg/L", "month": 3, "n": 4, "baseline_mean": 14.5, "value_mean": 6.5, "change_mean": -8.0,
                "change_sd": math.sqrt(296 / 3), "baseline_median": 14.0, "baseline_q1": 6.0, "baseline_q3": 22.5,
                "value_median": 7.0, "value_q1": 3.5, "value_q3": 10.0, "change_median": -8.0,
                "change_q1": -12.5, "change_q3": -3.5,
                # after - before: ranks of |d| 1 (4, positive), 2, 3, 4: W+ = 1, W- = 9; exact two-sided
                # p = 2 P(W+ <= 1) = 2 x 2/16
                "wilcoxon_statistic": 1.0, "p_value": 0.25, "test": exact, "no_test_reason": ""}
    for k, v in expected.items():
        assert crp[k] == (pytest.approx(v) if isinstance(v, float) else v), k
    cd = _row(s, "crp", "CD")
    # changes -6, 4, -20: W+ = 1, W- = 5; p = 2 x 2/8
    assert (cd["n"], cd["change_mean"], cd["change_sd"], cd["wilcoxon_statistic"], cd["p_value"]) == (
        3, pytest.approx(-22 / 3), pytest.approx(math.sqrt(2616 / 9 / 2)), 1.0, pytest.approx(0.5))
    uc = _row(s, "crp", "UC")
    assert (uc["n"], uc["change_mean"], uc["change_median"], uc["change_q1"], uc["change_q3"]) == (1, -10, -10, -10,
                                                                                                   -10)
    assert math.isnan(uc["change_sd"]) and math.isnan(uc["p_value"]) and uc["test"] == ""
    assert uc["no_test_reason"] == "no test: fewer than 2 pairs"
    alb = _row(s, "albumin", "All")
    # changes 5, 3: W+ = 3, W- = 0; p = 2 x 1/4
    assert (alb["unit"], alb["n"], alb["change_mean"], alb["change_sd"], alb["wilcoxon_statistic"],
            alb["p_value"], alb["test"]) == ("g/L", 2, 4.0, pytest.approx(math.sqrt(2)), 0.0, 0.5, exact)


def test_lab_summary_every_difference_zero_and_no_grouping():
    changes = pd.DataFrame({"patient_id": ["A", "B"], "disease": ["UC", "UC"], "regimen": ["X", "X"],
                            "lab": ["crp", "crp"], "unit": ["mg/L", "mg/L"], "month": [3, 3],
                            "visit_month": [3.0, 3.0], "baseline": [4.0, 6.0], "value": [4.0, 6.0],
                            "change": [0.0, 0.0], "pct_change": [0.0, 0.0]})
    s = lab_summary(changes, by=None)
    assert len(s) == 1 and s.iloc[0]["by"] == "All" and s.iloc[0]["n"] == 2
    assert s.iloc[0]["test"] == "" and s.iloc[0]["no_test_reason"] == "no test: every difference is zero"


def test_lab_summary_names_cells_without_a_pair():
    s = lab_summary(lab_changes(_cohort(), labs=("crp",), months=(3, 12)), by="disease",
                    labs=("crp", "calprotectin"), months=(3, 12))
    empty = s[s["n"] == 0]
    assert list(zip(empty["lab"], empty["unit"], empty["month"], empty["group"], empty["no_test_reason"])) == [
        ("crp", "mg/L", 12, "All", "no paired values"),
        ("calprotectin", "µg/g", 3, "All", "no paired values"),
        ("calprotectin", "µg/g", 12, "All", "no paired values")]
    assert empty["test"].tolist() == ["", "", ""] and empty["baseline_mean"].isna().all()
    # the markers keep their declared order (CRP before calprotectin), months ascending within each
    assert list(zip(s["lab"], s["month"]))[0] == ("crp", 3)
    assert lab_summary(lab_changes(_cohort(), labs=("crp",), months=(3,)).iloc[0:0]).empty
    # no pair at all, in the frame's own columns
    assert list(lab_changes(_cohort(), labs=("crp",), months=()).columns) == CHANGE_COLUMNS


def test_undeclared_markers_sort_after_the_declared_by_name_with_no_unit():
    from dataclasses import replace
    c = _cohort()
    v = c.visits.assign(zinc=np.where(c.visits["month"] == 0, 10.0, 12.0),
                        ferritin=np.where(c.visits["patient_id"] == "P1", 50.0, np.nan))
    c = replace(c, visits=v)
    ch = lab_changes(c, labs=("zinc", "ferritin", "crp"), months=(3,))
    assert ch.groupby("lab", sort=False).size().to_dict() == {"crp": 4, "ferritin": 1, "zinc": 5}
    assert set(ch.loc[ch["lab"] != "crp", "unit"]) == {""}
    s = lab_summary(ch, by=None, labs=("zinc", "ferritin", "crp"), months=(3, 6))
    assert list(zip(s["lab"], s["month"])) == [("crp", 3), ("crp", 6), ("ferritin", 3), ("ferritin", 6),
                                              ("zinc", 3), ("zinc", 6)]
    empty = s[s["n"] == 0]
    assert list(empty["unit"]) == ["mg/L", "", ""] and set(empty["by"]) == {"All"}
    # the months of one undeclared marker and the other: ordered by marker name first
    only = lab_summary(ch[((ch["lab"] == "zinc") & (ch["month"] == 3))], by=None, labs=("ferritin",), months=(6,))
    assert list(zip(only["lab"], only["month"])) == [("ferritin", 6), ("zinc", 3)]


def test_lab_summary_columns_when_the_first_cell_has_no_pair():
    ch = lab_changes(_cohort(), labs=("albumin",), months=(3,))
    s = lab_summary(ch, labs=("crp", "albumin"), months=(3,))
    assert s.iloc[0]["lab"] == "crp" and s.iloc[0]["n"] == 0 and list(s.columns) == SUMMARY_COLUMNS
