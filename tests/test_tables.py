"""Table builders: counts against plain pandas, tests against independent computations."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dttstudy import load_cohort
from dttstudy.analysis.tables import ae_table, lab_table, response_table, table1, table2, table3, table4
from dttstudy.analysis.outcomes import response_rates

from builders import cohort
from conftest import REFERENCE


@pytest.fixture(scope="module")
def t1():
    return table1(load_cohort())


def cell(t, variable, level, col, statistic=None):
    m = (t["variable"] == variable) & (t["level"] == level)
    if statistic:
        m &= t["statistic"] == statistic
    return t.loc[m, col].iloc[0]


def test_table1_sex_counts_and_fisher(t1):
    p = pd.read_csv(REFERENCE / "patients.csv")
    uc_f = int(((p.disease == "UC") & (p.sex == "F")).sum())
    assert cell(t1, "Sex", "female", "UC").startswith(f"{uc_f} (")
    assert cell(t1, "Sex", "female", "Total") == "11 (61.1%)"
    # Fisher's exact p from the hypergeometric distribution: sum of tables as or less likely than observed
    tab = pd.crosstab(p.sex, p.disease).loc[["F", "M"], ["UC", "CD"]].to_numpy()
    a, row1, col1, n = tab[0, 0], tab[0].sum(), tab[:, 0].sum(), tab.sum()
    hg = stats.hypergeom(n, row1, col1)
    support = range(max(0, row1 + col1 - n), min(row1, col1) + 1)
    p_obs = hg.pmf(a)
    p_fisher = sum(hg.pmf(x) for x in support if hg.pmf(x) <= p_obs * (1 + 1e-7))
    row = t1[(t1.variable == "Sex") & (t1.level == "female")].iloc[0]
    assert row["p_value"] == pytest.approx(p_fisher) and row["test"] == "Fisher's exact test"


def test_table1_means_where_the_paper_reports_means(t1):
    # the paper's 22.78 and 9.18 years (checked at two decimals in the reproduction table), printed here to one
    # decimal like the medians beside them: 22.78 -> 22.8, SD 5.48 -> 5.5; 9.18 -> 9.2, SD 4.93 -> 4.9
    age = load_cohort().patients["age_at_diagnosis"]
    assert round(age.mean(), 2) == 22.78
    assert cell(t1, "Age at diagnosis, years", "", "Total", "mean (SD)") == "22.8 (5.5)"
    assert cell(t1, "Disease duration, years", "", "Total", "mean (SD)") == "9.2 (4.9)"
    assert cell(t1, "Age at diagnosis, years", "", "Total", "median (Q1–Q3)") == "22.5 (19.0–25.8)"
    assert cell(t1, "Follow-up before DTT, months", "", "Total", "range") == "22–230"


def test_table1_missing_rows_are_explicit():
    c = load_cohort()
    p = c.patients.copy()
    p.loc[0, "sex"] = None
    from dataclasses import replace

    t = table1(replace(c, patients=p))
    miss = t[(t.variable == "Sex") & (t.level == "Missing")].iloc[0]
    assert (miss["UC"], miss["Total"]) == ("1", "1")


def test_table2_one_row_per_patient_with_baseline_scores():
    t = table2(load_cohort())
    assert len(t) == 18 and t["patient_id"].is_unique
    v = pd.read_csv(REFERENCE / "visits.csv")
    base = v[v.month == 0].set_index("patient_id")
    assert (t.set_index("patient_id")["crp"] == base["crp"]).all()


def test_tables_3_and_4_split_by_status():
    c = load_cohort()
    t3, t4 = table3(c), table4(c)
    tr = pd.read_csv(REFERENCE / "treatments.csv")
    assert sorted(t3["patient_id"]) == sorted(tr.loc[tr.status == "maintained", "patient_id"])
    assert sorted(t4["patient_id"]) == sorted(tr.loc[tr.status == "discontinued", "patient_id"])
    assert set(t4.columns) >= {"stop_reason", "next_therapy", "dtt_months"}


def test_display_tables():
    c = load_cohort()
    rt = response_table(response_rates(c))
    assert rt.iloc[0]["n/N (%; 95% CI)"] == "15/17 (88.2%; 63.6–98.5)"
    lt = lab_table(c).set_index(["lab", "month", "group"])
    assert lt.loc[("crp", 6, "UC"), "baseline mean"] == "19.43"
    at = ae_table(c)
    assert at.iloc[0]["n/N (%; 95% CI)"].startswith("4/18 (22.2%")


def test_table1_has_one_numeric_p_column_and_names_the_test(t1):
    assert "p" not in t1.columns and {"p_value", "test", "no_test_reason"} <= set(t1.columns)
    assert t1["p_value"].dtype == float
    # a p-value and a test name go together; an untested first line says why
    tested = t1["p_value"].notna()
    assert (t1.loc[tested, "test"] != "").all() and (t1.loc[~tested, "test"] == "").all()
    assert (t1.loc[tested, "no_test_reason"] == "").all()


def test_table1_regimen_uses_the_exact_test_for_sparse_tables(t1):
    # every expected count of the 6 x 2 regimen x disease table is below 5 -> Fisher–Freeman–Halton.
    # R: fisher.test(matrix(c(0,1, 0,2, 2,1, 5,0, 0,6, 1,0), ncol=2, byrow=TRUE))$p.value -> 0.0007312948489
    # (Pearson's chisq.test(correct=FALSE) on the same table: 0.009154525471)
    row = t1[(t1.variable == "Regimen")].iloc[0]
    assert row["p_value"] == pytest.approx(0.0007312948489, rel=1e-8)
    assert row["test"] == "Fisher's exact test (Freeman–Halton)"
    # abdominal surgery (the empty 'colonic' level dropped): R fisher.test(matrix(c(8,3,0,3,0,4), ncol=2,
    # byrow=TRUE))$p.value -> 0.007792860734
    row = t1[(t1.variable == "Abdominal surgery")].iloc[0]
    assert row["p_value"] == pytest.approx(0.007792860734, rel=1e-8)


def test_table1_mann_whitney_named_exact_or_approximate_like_r(t1):
    # R wilcox.test(UC, CD): age at diagnosis has ties -> "Wilcoxon rank sum test with continuity correction",
    # p 0.1195837890; disease duration has none -> "Wilcoxon rank sum exact test", p 0.0266465561
    age = t1[(t1.variable == "Age at diagnosis, years") & (t1.statistic == "mean (SD)")].iloc[0]
    dur = t1[(t1.variable == "Disease duration, years") & (t1.statistic == "mean (SD)")].iloc[0]
    assert age["p_value"] == pytest.approx(0.1195837890, abs=1e-9)
    assert age["test"] == "Mann–Whitney U test, normal approximation with continuity correction"
    assert dur["p_value"] == pytest.approx(0.0266465561, abs=1e-9) and dur["test"] == "Mann–Whitney U test, exact"


def test_table1_no_test_when_a_disease_has_fewer_than_two_patients():
    from builders import cd, combine, uc

    c = combine(uc("U1", 9, 3, 3, 0), cd("C1", 9, 4), cd("C2", 10, 5), cd("C3", 8, 8))
    t = table1(c)
    for variable in ("Sex", "Age at diagnosis, years", "Regimen", "Perianal surgery"):
        row = t[t.variable == variable].iloc[0]
        assert pd.isna(row["p_value"]) and row["test"] == ""
        assert row["no_test_reason"] == "no test: fewer than 2 patients with a value (UC n = 1)"


# The paper's per-patient listings (Tables 3 and 4) and the lab table on a hand-made cohort, cell by cell:
# M1  UC  maintained      partial Mayo 7 -> 2 at 3 (bleeding 2 -> 0), CRP 12 -> 3; MES 3 -> 1 at 6; rash at 2
# M2  CD  maintained      HBI 9 -> 8 at 3, CRP 20 -> 18; no follow-up endoscopy; zoster at 1 and acne at 4
# D1  CD  stopped at 4 for no response; HBI 10 -> 4 at 3 (drop 6), CRP 30 -> 25; no adverse event


def _listing_cohort():
    pats = [{"patient_id": "M1", "disease": "UC"}, {"patient_id": "M2", "disease": "CD"},
            {"patient_id": "D1", "disease": "CD", "status": "discontinued", "stop_reason": "no_response",
             "dtt_months": 4}]
    v = [{"patient_id": "M1", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2, "crp": 12, "mes": 3},
         {"patient_id": "M1", "month": 3, "partial_mayo": 2, "rectal_bleeding": 0, "crp": 3},
         {"patient_id": "M1", "month": 6, "mes": 1},
         {"patient_id": "M2", "month": 0, "hbi": 9, "crp": 20},
         {"patient_id": "M2", "month": 3, "hbi": 8, "crp": 18},
         {"patient_id": "D1", "month": 0, "hbi": 10, "crp": 30},
         {"patient_id": "D1", "month": 3, "hbi": 4, "crp": 25}]
    aes = [{"patient_id": "M1", "term": "rash", "onset_month": 2, "suspected_agent": "UST", "serious": False},
           {"patient_id": "M2", "term": "zoster", "onset_month": 1, "suspected_agent": "VDZ", "serious": True},
           {"patient_id": "M2", "term": "acne", "onset_month": 4, "suspected_agent": "UST", "serious": False}]
    return cohort(pats, v, aes)


def test_table3_lists_the_maintained_patients_cell_by_cell():
    t = table3(_listing_cohort(), months=(3,))
    assert list(t.columns) == ["patient_id", "disease", "regimen", "score", "score_0m", "dtt_months", "score_3m",
                               "response_3m", "crp_3m", "endoscopic_response", "adverse_events"]
    assert t["patient_id"].tolist() == ["M1", "M2"]
    assert t["score"].tolist() == ["partial Mayo", "HBI"] and t["score_0m"].tolist() == [7.0, 9.0]
    assert t["score_3m"].tolist() == [2.0, 8.0] and t["response_3m"].tolist() == ["yes", "no"]
    assert t["crp_3m"].tolist() == [3.0, 18.0]
    assert t["endoscopic_response"].tolist() == ["yes", "—"]
    # a patient's adverse events in order of onset, joined by "; "
    assert t["adverse_events"].tolist() == ["rash", "zoster; acne"]
    assert t.attrs["definition"] == "paper"


def test_table4_lists_the_patients_who_stopped():
    t = table4(_listing_cohort(), months=(3, 6))
    assert t["patient_id"].tolist() == ["D1"]
    r = t.iloc[0]
    assert (r["stop_reason"], r["dtt_months"], r["score_0m"], r["score_3m"], r["response_3m"]) == (
        "no_response", 4.0, 10.0, 4.0, "yes")
    # no visit at 6: no score and no response ("—"); no adverse event: an empty cell
    assert np.isnan(r["score_6m"]) and r["response_6m"] == "—" and r["adverse_events"] == ""
    assert "status" not in t and "next_therapy" in t


def test_listings_follow_the_response_parameters():
    # the simple definition (HBI drop >= 3 alone; partial Mayo drop >= 50 %) leaves M1 a responder and M2 not (HBI
    # drop 1); the definition is carried for the footnote
    t = table3(_listing_cohort(), months=(3,), definition="simple")
    assert t.attrs["definition"] == "simple" and t["response_3m"].tolist() == ["yes", "no"]
    # with a month 4 of window 4 +- 1 the month-3 visits count at month 4
    t4 = table3(_listing_cohort(), months=(4,), windows={4: 1})
    assert t4["score_4m"].tolist() == [2.0, 8.0] and t4["response_4m"].tolist() == ["yes", "no"]


def test_lab_table_by_hand():
    t = lab_table(_listing_cohort(), labs=("crp",), months=(3,))
    assert list(t.columns) == ["lab", "unit", "month", "group", "n", "baseline mean", "follow-up mean",
                               "change mean (SD)", "baseline median (Q1–Q3)", "follow-up median (Q1–Q3)", "p",
                               "test"]
    assert list(zip(t["group"], t["n"])) == [("All", 3), ("CD", 2), ("UC", 1)]
    a = t.iloc[0]
    # CRP baseline 12, 20, 30 -> 3, 18, 25; changes -9, -2, -5: mean -16/3, SD sqrt(((-11/3)^2 + (10/3)^2 +
    # (1/3)^2) / 2) = sqrt(37/3)
    assert (a["unit"], a["month"], a["baseline mean"], a["follow-up mean"]) == ("mg/L", 3, "20.67", "15.33")
    assert a["change mean (SD)"] == f"-5.33 ({np.sqrt(37 / 3):.2f})"
    # medians with quartiles by linear interpolation: 12, 20, 30 -> 20 (16.00–25.00); 3, 18, 25 -> 18 (10.50–21.50)
    assert a["baseline median (Q1–Q3)"] == "20.00 (16.00–25.00)"
    assert a["follow-up median (Q1–Q3)"] == "18.00 (10.50–21.50)"
    # three negative changes: exact two-sided p = 2 / 2^3
    assert (a["p"], a["test"]) == ("0.250", "Wilcoxon signed-rank, exact")
    uc = t.iloc[2]
    assert (uc["change mean (SD)"], uc["p"], uc["test"]) == ("-9.00 (—)", "—", "")


def test_lab_table_parameters_reach_the_changes():
    whole = lab_table(_listing_cohort(), labs=("crp",), months=(3,), by=None)
    assert whole["group"].tolist() == ["All"]
    # a window that misses the month-3 visits leaves no pair
    narrow = lab_table(_listing_cohort(), labs=("crp",), months=(4,), windows={4: 0.5}, by=None)
    assert narrow["n"].tolist() == [0] and narrow["baseline mean"].tolist() == ["—"]
    both = lab_table(_listing_cohort(), months=(3,), by=None)
    assert both["lab"].tolist() == ["crp", "albumin"]   # albumin is not recorded here: a row without pairs
    assert both["n"].tolist() == [3, 0]
    assert both.iloc[1][["baseline mean", "change mean (SD)", "follow-up median (Q1–Q3)", "p"]].tolist() == [
        "—", "—", "—", "—"]
    default_months = lab_table(_listing_cohort(), labs=("crp",), by=None)
    assert default_months["month"].tolist() == [3, 6, 9] and default_months["n"].tolist() == [3, 0, 0]


def _baseline_cohort():
    rows = [("U1", "UC", "F", 20, 2.0, 6, 1, True), ("U2", "UC", "F", 21, 3.0, 9, 1, True),
            ("U3", "UC", "M", 23, None, 12, 2, True), ("U4", "UC", "M", 25, 4.0, 15, 2, False),
            ("C1", "CD", "F", 30, 5.0, 10, 1, False), ("C2", "CD", "M", 32, 6.0, 20, 2, False),
            ("C3", "CD", "M", 34, 7.0, 30, 2, False), ("C4", "CD", "M", 36, 8.0, 40, 2, False)]
    pats = [{"patient_id": i, "disease": d, "sex": s, "age_at_diagnosis": a, "disease_duration": dur,
             "followup_before_dtt": fu, "failed_biologics": fb, "steroid_at_start": st}
            for i, d, s, a, dur, fu, fb, st in rows]
    return cohort(pats, [{"patient_id": r[0], "month": 0} for r in rows])


def _t1_rows(t, variable):
    return t[t["variable"] == variable].reset_index(drop=True)


def test_table1_rows_by_hand():
    t = table1(_baseline_cohort())
    assert list(t.columns) == ["variable", "level", "statistic", "UC", "CD", "Total", "p_value", "test",
                               "no_test_reason"]
    assert t.iloc[0][["variable", "statistic", "UC", "CD", "Total"]].tolist() == ["Patients", "n", "4", "4", "8"]
    sex = _t1_rows(t, "Sex")
    assert sex[["level", "statistic", "UC", "CD", "Total"]].values.tolist() == [
        ["female", "n (%)", "2 (50.0%)", "1 (25.0%)", "3 (37.5%)"],
        ["male", "n (%)", "2 (50.0%)", "3 (75.0%)", "5 (62.5%)"]]
    # 2 x 2, females per disease 2 of 4 and 1 of 4: every table is at least as probable as ... p = 1
    assert (sex.loc[0, "p_value"], sex.loc[0, "test"], sex.loc[0, "no_test_reason"]) == (
        pytest.approx(1.0), "Fisher's exact test", "")
    assert np.isnan(sex.loc[1, "p_value"]) and sex.loc[1, "test"] == "" and sex.loc[1, "no_test_reason"] == ""
    age = _t1_rows(t, "Age at diagnosis, years")
    # UC 20, 21, 23, 25: mean 22.25, SD sqrt(14.75/3); CD 30..36 by 2: mean 33, SD sqrt(20/3); all eight: mean
    # 27.625, SD sqrt(265.875/7); medians with quartiles by linear interpolation
    assert age[["statistic", "UC", "CD", "Total"]].values.tolist() == [
        ["mean (SD)", "22.3 (2.2)", "33.0 (2.6)", "27.6 (6.2)"],
        ["median (Q1–Q3)", "22.0 (20.8–23.5)", "33.0 (31.5–34.5)", "27.5 (22.5–32.5)"]]
    # complete separation of 4 and 4: U = 0, exact two-sided p = 2 / C(8, 4)
    assert age.loc[0, "p_value"] == pytest.approx(2 / 70) and age.loc[0, "test"] == "Mann–Whitney U test, exact"
    assert np.isnan(age.loc[1, "p_value"]) and age.loc[1, "test"] == "" and age.loc[1, "no_test_reason"] == ""
    dur = _t1_rows(t, "Disease duration, years")
    assert dur[["level", "statistic", "UC", "CD", "Total"]].values.tolist()[0] == [
        "", "mean (SD)", "3.0 (1.0)", "6.5 (1.3)", "5.0 (2.2)"]
    assert dur[["level", "statistic", "UC", "CD", "Total"]].values.tolist()[2] == ["Missing", "n", "1", "0", "1"]
    assert dur.loc[0, "p_value"] == pytest.approx(2 / 35)       # 3 against 4, separated: 2 / C(7, 3)
    fu = _t1_rows(t, "Follow-up before DTT, months")
    # whole months: UC 6, 9, 12, 15 -> median 10.5 -> 11, Q1 8.25 -> 8, Q3 12.75 -> 13
    assert fu[["statistic", "UC", "CD"]].values.tolist() == [["median (Q1–Q3)", "11 (8–13)", "25 (18–33)"],
                                                             ["range", "6–15", "10–40"]]
    # UC ranks 1, 2, 4, 5 among the eight: U = 2; P(U <= 2) = 4 / 70, two-sided 8 / 70
    assert fu.loc[0, "p_value"] == pytest.approx(8 / 70) and fu.loc[0, "test"] == "Mann–Whitney U test, exact"
    # two distinct values (1 and 2 failed biologics) are enough for a test; with ties, the normal approximation
    fb = _t1_rows(t, "Failed biologics, n")
    assert (fb.loc[0, "test"], fb.loc[0, "no_test_reason"]) == (
        "Mann–Whitney U test, normal approximation with continuity correction", "")
    # nobody failed an immunosuppressant twice: every value equal
    fi = _t1_rows(t, "Failed immunosuppressants / small molecules, n")
    assert (fi.loc[0, "test"], fi.loc[0, "no_test_reason"]) == ("", "no test: all values equal")
    # corticosteroid at start: 3 of 4 UC, 0 of 4 CD; Fisher 2 x 2: P(table) = C(4,3) C(4,0) / C(8,3) = 4/56,
    # and the opposite table as extreme: p = 8/56
    st = _t1_rows(t, "Corticosteroid at DTT start")
    assert st.loc[0, ["UC", "CD", "Total"]].tolist() == ["3 (75.0%)", "0 (0.0%)", "3 (37.5%)"]
    assert (st.loc[0, "p_value"], st.loc[0, "test"]) == (pytest.approx(8 / 56), "Fisher's exact test")
    # nobody had perianal surgery: one category only; a disease-specific variable is described, not tested
    assert _t1_rows(t, "Perianal surgery").loc[0, ["test", "no_test_reason"]].tolist() == [
        "", "no test: one category only"]
    for v in ("Montreal extent (UC)", "Montreal location (CD)", "Montreal behaviour (CD)", "Perianal disease (CD)"):
        assert _t1_rows(t, v).loc[0, "no_test_reason"] == "no test: described within one disease", v
    assert t.iloc[0][["p_value", "test", "no_test_reason"]].fillna(-1).tolist() == [-1, "", ""]


def _surgery_cohort():
    spec = ([("UC", "M", "none")] * 8 + [("UC", "M", "ileal")] * 3 + [("UC", "M", "colonic")] * 13
            + [("CD", "F", "none")] + [("CD", "M", "none")] * 5 + [("CD", "M", "ileal")] * 10)
    pats = [{"patient_id": f"P{i:02d}", "disease": d, "sex": s, "abdominal_surgery": a}
            for i, (d, s, a) in enumerate(spec)]
    return cohort(pats, [{"patient_id": p["patient_id"], "month": 0} for p in pats])


def test_table1_chi_square_where_every_expected_count_is_five_or_more_unless_fisher_is_asked():
    # UC (24): none 8, ileal 3, colonic 13; CD (16): none 6, ileal 10, colonic 0. Expected counts 8.4, 7.8, 7.8
    # and 5.6, 5.2, 5.2: Pearson's chi-square on 2 df, p = exp(-X2 / 2)
    obs = [[8, 6], [3, 10], [13, 0]]
    exp = [[8.4, 5.6], [7.8, 5.2], [7.8, 5.2]]
    x2 = sum((o - e) ** 2 / e for ro, re in zip(obs, exp) for o, e in zip(ro, re))
    auto = _t1_rows(table1(_surgery_cohort()), "Abdominal surgery")
    assert (auto.loc[0, "test"], auto.loc[0, "p_value"]) == ("Pearson's chi-square test",
                                                             pytest.approx(np.exp(-x2 / 2), rel=1e-9))
    exact = _t1_rows(table1(_surgery_cohort(), categorical_test="fisher"), "Abdominal surgery")
    assert exact.loc[0, "test"] == "Fisher's exact test (Freeman–Halton)"
    assert exact.loc[0, "p_value"] != pytest.approx(auto.loc[0, "p_value"])
    # one female among 16 CD patients: 6.25 % printed to one decimal, rounded half up
    sex = _t1_rows(table1(_surgery_cohort()), "Sex")
    assert sex.loc[0, ["UC", "CD", "Total"]].tolist() == ["0 (0.0%)", "1 (6.3%)", "1 (2.5%)"]


def test_table1_one_disease_and_groups_of_two():
    t = table1(cohort([{"patient_id": "A", "disease": "CD", "age_at_diagnosis": 20},
                       {"patient_id": "B", "disease": "CD", "age_at_diagnosis": 30}],
                      [{"patient_id": x, "month": 0} for x in "AB"]))
    assert t.iloc[0][["UC", "CD", "Total"]].tolist() == ["0", "2", "2"]
    # a disease without patients has no statistic: '—' throughout
    age = _t1_rows(t, "Age at diagnosis, years")
    assert age["UC"].tolist() == ["—", "—"] and age["CD"].tolist()[0] == "25.0 (7.1)"
    assert _t1_rows(t, "Follow-up before DTT, months")["UC"].tolist() == ["—", "—"]
    assert _t1_rows(t, "Sex").loc[0, ["UC", "CD"]].tolist() == ["0", "2 (100.0%)"]
    reason = _t1_rows(t, "Age at diagnosis, years").loc[0, "no_test_reason"]
    assert reason == "no test: fewer than 2 patients with a value (UC n = 0)"
    one_each = table1(cohort([{"patient_id": "A", "disease": "UC"}, {"patient_id": "B", "disease": "CD"}],
                             [{"patient_id": x, "month": 0} for x in "AB"]))
    assert _t1_rows(one_each, "Sex").loc[0, "no_test_reason"] == (
        "no test: fewer than 2 patients with a value (UC n = 1, CD n = 1)")
    # two patients with a value in each disease are enough for a test
    two = table1(cohort([{"patient_id": p, "disease": d, "age_at_diagnosis": a} for p, d, a in
                         [("A", "UC", 20), ("B", "UC", 21), ("C", "CD", 30), ("D", "CD", 31)]],
                        [{"patient_id": x, "month": 0} for x in "ABCD"]))
    row = _t1_rows(two, "Age at diagnosis, years").loc[0]
    assert row["no_test_reason"] == "" and row["p_value"] == pytest.approx(2 / 6)
    # two values have a standard deviation: 20 and 21 -> sqrt(1/2)
    assert row["UC"] == "20.5 (0.7)"
    # a missing value of a categorical variable is counted on its own row
    miss = table1(cohort([{"patient_id": "A", "disease": "UC", "sex": None}, {"patient_id": "B", "disease": "UC"},
                          {"patient_id": "C", "disease": "CD"}, {"patient_id": "D", "disease": "CD"}],
                         [{"patient_id": x, "month": 0} for x in "ABCD"]))
    sex = _t1_rows(miss, "Sex")
    assert sex.loc[2, ["level", "statistic", "UC", "CD", "Total"]].tolist() == ["Missing", "n", "1", "0", "1"]


#: Table 1's rows as the paper lays them out (variable, level, statistic), for the reference cohort.
TABLE1_LAYOUT = (
    [("Patients", "", "n"), ("Sex", "female", "n (%)"), ("Sex", "male", "n (%)")]
    + [(v, "", s) for v in ("Age at diagnosis, years", "Disease duration, years")
       for s in ("mean (SD)", "median (Q1–Q3)")]
    + [("Follow-up before DTT, months", "", "median (Q1–Q3)"), ("Follow-up before DTT, months", "", "range")]
    + [("Montreal extent (UC)", e, "n (%)") for e in ("E1", "E2", "E3")]
    + [("Montreal location (CD)", x, "n (%)") for x in ("L1", "L2", "L3")]
    + [("Montreal behaviour (CD)", b, "n (%)") for b in ("B1", "B2", "B3")]
    + [("Perianal disease (CD)", "yes", "n (%)")]
    + [("Abdominal surgery", a, "n (%)") for a in ("none", "ileal", "ileocolonic", "colonic")]
    + [("Perianal surgery", "yes", "n (%)"), ("Immune-mediated comorbidity", "yes", "n (%)")]
    + [("Prior therapy", x, "n (%)") for x in ("two or more agents", "single biologic only",
                                              "single immunosuppressant only", "none")]
    + [(v, "", s) for v in ("Failed biologics, n", "Failed immunosuppressants / small molecules, n")
       for s in ("mean (SD)", "median (Q1–Q3)")]
    + [("Indication", x, "n (%)") for x in ("refractory IBD", "active EIM", "active IMID")]
    + [("Corticosteroid at DTT start", "yes", "n (%)")]
    + [("Regimen", r, "n (%)") for r in ("ADA+UST", "ADA+VDZ", "IFX+UST", "UST+TOF", "UST+VDZ", "VDZ+TOF")]
)


def _n_pct(k, n):
    from decimal import ROUND_HALF_UP, Decimal
    return f"{k} ({Decimal(repr(100 * k / n)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%)"


def test_table1_layout_and_every_count_against_the_raw_files():
    t = table1(load_cohort())
    assert list(zip(t["variable"], t["level"], t["statistic"])) == TABLE1_LAYOUT
    p = pd.read_csv(REFERENCE / "patients.csv").merge(pd.read_csv(REFERENCE / "treatments.csv"), on="patient_id")
    # a regimen is named biologics first (alphabetically), the small molecule last
    small = {"TOF", "UPA", "FIL", "OZA", "ETR"}
    p["regimen"] = [("+".join(sorted((a, b), key=lambda x: (x in small, x)))) for a, b in zip(p["agent_1"],
                                                                                          p["agent_2"])]
    cd_ = p["disease"] == "CD"
    fb, fi = p["failed_biologics"], p["failed_immunomodulators"]
    flags = {
        ("Sex", "female"): p["sex"] == "F", ("Sex", "male"): p["sex"] == "M",
        **{("Montreal extent (UC)", e): ~cd_ & (p["montreal"] == e) for e in ("E1", "E2", "E3")},
        **{("Montreal location (CD)", x): cd_ & p["montreal"].str.startswith(x) for x in ("L1", "L2", "L3")},
        **{("Montreal behaviour (CD)", b): cd_ & p["montreal"].str.contains(b) for b in ("B1", "B2", "B3")},
        ("Perianal disease (CD)", "yes"): cd_ & p["montreal"].str.endswith(" p"),
        **{("Abdominal surgery", a): p["abdominal_surgery"] == a
           for a in ("none", "ileal", "ileocolonic", "colonic")},
        ("Perianal surgery", "yes"): p["perianal_surgery"].astype(bool),
        ("Immune-mediated comorbidity", "yes"): p["autoimmune_disease"].notna(),
        ("Prior therapy", "two or more agents"): fb + fi >= 2,
        ("Prior therapy", "single biologic only"): (fb == 1) & (fi == 0),
        ("Prior therapy", "single immunosuppressant only"): (fb == 0) & (fi == 1),
        ("Prior therapy", "none"): (fb == 0) & (fi == 0),
        ("Indication", "refractory IBD"): p["indication"] == "refractory",
        ("Indication", "active EIM"): p["indication"] == "eim",
        ("Indication", "active IMID"): p["indication"] == "imid",
        ("Corticosteroid at DTT start", "yes"): p["steroid_at_start"].astype(bool),
        **{("Regimen", r): p["regimen"] == r for r in p["regimen"].unique()},
    }
    within = {"Montreal extent (UC)": ("UC",), "Montreal location (CD)": ("CD",),
              "Montreal behaviour (CD)": ("CD",), "Perianal disease (CD)": ("CD",)}
    for (variable, level), f in flags.items():
        row = t[(t["variable"] == variable) & (t["level"] == level)].iloc[0]
        groups = within.get(variable, ("UC", "CD"))
        for g in ("UC", "CD"):
            expected = _n_pct(int((f & (p["disease"] == g)).sum()), int((p["disease"] == g).sum())) \
                if g in groups else ""
            assert row[g] == expected, (variable, level, g)
        members = p["disease"].isin(groups)
        assert row["Total"] == _n_pct(int((f & members).sum()), int(members.sum())), (variable, level)


def test_table2_keeps_recorded_optional_markers_only_and_sorts_by_patient():
    from dataclasses import replace
    ref = load_cohort()
    plain = table2(ref)
    assert "calprotectin" not in plain and "haemoglobin" not in plain and "crp" in plain
    assert list(plain.index) == list(range(len(plain))) and "index" not in plain
    assert plain["patient_id"].tolist() == sorted(plain["patient_id"])
    v = ref.visits.assign(calprotectin=np.where(ref.visits["month"] == 0, 300.0, np.nan))
    with_calpro = table2(replace(ref, visits=v))
    assert "calprotectin" in with_calpro and "haemoglobin" not in with_calpro
    assert set(with_calpro["calprotectin"]) == {300.0}
    # patients given out of order come out sorted
    shuffled = cohort([{"patient_id": x, "disease": "UC"} for x in ("Z", "A", "M")],
                      [{"patient_id": x, "month": 0} for x in ("Z", "A", "M")])
    assert table2(shuffled)["patient_id"].tolist() == ["A", "M", "Z"]


def test_listings_pass_the_response_definition_on():
    # partial Mayo 6 -> 3 with bleeding 2 -> 2: the paper's definition needs the bleeding criterion (not met), the
    # simple one a 50 % drop (met)
    c = cohort([{"patient_id": "U", "disease": "UC"},
                {"patient_id": "S", "disease": "UC", "status": "discontinued", "stop_reason": "other",
                 "dtt_months": 5}],
               [{"patient_id": x, "month": m, "partial_mayo": pm, "rectal_bleeding": 2}
                for x in "US" for m, pm in ((0, 6), (3, 3))])
    assert table3(c, months=(3,))["response_3m"].tolist() == ["no"]
    assert table3(c, months=(3,), definition="simple")["response_3m"].tolist() == ["yes"]
    assert table4(c, months=(3,))["response_3m"].tolist() == ["no"]
    assert table4(c, months=(3,), definition="simple")["response_3m"].tolist() == ["yes"]


def test_response_table_cells():
    rates = pd.DataFrame({"endpoint": "x", "definition": "paper", "analysis_set": "observed", "month": 3,
                          "by": "All", "group": ["a", "b", "c"], "n": [0, 2, 0], "N": [5, 4, 0],
                          "pct": [0.0, 50.0, np.nan], "ci_low": [0.0, 6.76, np.nan], "ci_high": [52.18, 93.24, np.nan],
                          "ci_method": "Clopper–Pearson exact", "level": 0.95})
    assert response_table(rates)["n/N (%; 95% CI)"].tolist() == ["0/5 (0.0%; 0.0–52.2)", "2/4 (50.0%; 6.8–93.2)",
                                                                 "0/0"]


def test_ae_table_groups_and_ci_method():
    c = cohort([{"patient_id": "A", "disease": "UC"}, {"patient_id": "B", "disease": "CD"},
                {"patient_id": "C", "disease": "CD", "agent_2": "TOF"}],
               [{"patient_id": x, "month": 0} for x in "ABC"],
               [{"patient_id": "B", "term": "rash", "onset_month": 1, "suspected_agent": "UST", "serious": False}])
    t = ae_table(c)
    assert list(t.index) == list(range(len(t)))
    assert list(zip(t["by"], t["group"])) == [
        ("All", "All"), ("disease", "CD"), ("disease", "UC"), ("regimen", "UST+TOF"), ("regimen", "UST+VDZ"),
        ("suspected_agent", "UST"), ("suspected_agent", "VDZ"), ("suspected_agent", "TOF")]
    assert t["n/N (%; 95% CI)"].iloc[0].startswith("1/3 (33.3%; ")
    assert set(t["ci_method"]) == {"Clopper–Pearson exact"}
    wilson = ae_table(c, by=("disease",), ci_method="wilson")
    assert list(wilson["group"]) == ["All", "CD", "UC"] and set(wilson["ci_method"]) == {"Wilson score"}


def test_table1_a_category_of_one_patient_is_a_category():
    # regimens: UC UST+VDZ and IFX+UST, CD twice UST+VDZ. Fisher 2 x 2 with the IFX+UST row of total 1: both
    # tables have probability 1/2, so p = 1
    t = table1(cohort([{"patient_id": "U1", "disease": "UC"},
                       {"patient_id": "U2", "disease": "UC", "agent_1": "IFX", "agent_2": "UST"},
                       {"patient_id": "C1", "disease": "CD"}, {"patient_id": "C2", "disease": "CD"}],
                      [{"patient_id": x, "month": 0} for x in ("U1", "U2", "C1", "C2")]))
    reg = _t1_rows(t, "Regimen")
    assert reg["level"].tolist() == ["IFX+UST", "UST+VDZ"]
    assert (reg.loc[0, "p_value"], reg.loc[0, "test"], reg.loc[0, "no_test_reason"]) == (
        pytest.approx(1.0), "Fisher's exact test", "")


def test_prior_therapy_groups_by_hand():
    from dttstudy.analysis.tables import prior_therapy_group
    p = pd.DataFrame({"failed_biologics": [0, 1, 0, 2, 1], "failed_immunomodulators": [0, 0, 1, 0, 1]},
                     index=[10, 11, 12, 13, 14])
    got = prior_therapy_group(p)
    assert got.index.tolist() == [10, 11, 12, 13, 14]
    assert got.tolist() == ["none", "single biologic only", "single immunosuppressant only", "two or more agents",
                            "two or more agents"]


def test_listing_names_an_endoscopic_non_responder_and_table2_drops_visit_bookkeeping():
    c = cohort([{"patient_id": "A", "disease": "UC"}],
               [{"patient_id": "A", "month": 0, "mes": 2}, {"patient_id": "A", "month": 6, "mes": 2}])
    assert table3(c, months=(3,))["endoscopic_response"].tolist() == ["no"]
    t2 = table2(c)
    assert "month" not in t2 and "on_dtt" not in t2 and t2["mes"].tolist() == [2.0]


def test_lab_table_only_the_markers_asked_for():
    t = lab_table(load_cohort(), labs=("crp",), months=(9,), by=None)
    assert t["lab"].tolist() == ["crp"]
    empty = lab_table(_listing_cohort(), months=(3,), by=None)
    assert empty.iloc[1]["baseline median (Q1–Q3)"] == "—"


def _rule_cohort():
    """40 patients in three groups of 14, 13 and 13 for every many-category variable of Table 1, split between
    UC (24) and CD (16) so that every expected count is 5 or more."""
    spec = [("UC", 0)] * 8 + [("UC", 1)] * 3 + [("UC", 2)] * 13 + [("CD", 0)] * 6 + [("CD", 1)] * 10
    surgery, prior, indication = ("none", "ileal", "colonic"), ((2, 0), (1, 0), (0, 1)), ("refractory", "eim",
                                                                                         "imid")
    regimen = (("UST", "VDZ"), ("IFX", "UST"), ("ADA", "VDZ"))
    pats = [{"patient_id": f"P{i:02d}", "disease": d, "abdominal_surgery": surgery[g],
             "failed_biologics": prior[g][0], "failed_immunomodulators": prior[g][1], "indication": indication[g],
             "agent_1": regimen[g][0], "agent_2": regimen[g][1]} for i, (d, g) in enumerate(spec)]
    return cohort(pats, [{"patient_id": p["patient_id"], "month": 0} for p in pats])


@pytest.mark.parametrize("variable", ["Abdominal surgery", "Prior therapy", "Indication", "Regimen"])
def test_table1_every_many_category_variable_follows_the_rule(variable):
    auto = _t1_rows(table1(_rule_cohort()), variable).loc[0]
    exact = _t1_rows(table1(_rule_cohort(), categorical_test="fisher"), variable).loc[0]
    assert (auto["test"], exact["test"]) == ("Pearson's chi-square test", "Fisher's exact test (Freeman–Halton)")
