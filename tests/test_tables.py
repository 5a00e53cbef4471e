"""Table builders: counts against plain pandas, tests against independent computations."""
from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from dttstudy import load_cohort
from dttstudy.tables import ae_table, lab_table, response_table, table1, table2, table3, table4
from dttstudy.outcomes import response_rates

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
    assert cell(t1, "Age at diagnosis, years", "", "Total", "mean (SD)").startswith("22.78 ")
    assert cell(t1, "Disease duration, years", "", "Total", "mean (SD)").startswith("9.18 ")
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
