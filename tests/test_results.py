"""One convention for results: ``summary()`` is a tidy DataFrame, the words come from ``print_summary()`` and
``str()``, and results and a cohort render in JupyterLab with every text escaped."""
from __future__ import annotations

import pandas as pd

from dttstudy.analysis.safety import KaplanMeier
from dttstudy.intake.cohort import load_cohort
from dttstudy.synthesis.meta import pool_proportions
from dttstudy.synthesis.multicentre import export_summary, pool


def _check(result, words: str, capsys):
    assert isinstance(result.summary(), pd.DataFrame) and len(result.summary()) == 1
    assert words in str(result)
    result.print_summary()
    assert capsys.readouterr().out.strip() == str(result).strip()
    assert result._repr_html_().count("<table") == 1


def test_pooled_proportion(capsys):
    r = pool_proportions([3, 5, 8], [10, 12, 15], labels=["a", "b", "c"])
    _check(r, "binomial-normal generalised linear mixed model", capsys)
    assert r.summary().loc[0, "k"] == 3 and r.summary().loc[0, "events"] == 16


def test_kaplan_meier_by_hand(capsys):
    # times 1, 2+, 3, 4: S = 3/4 after t=1, then 3/4 × 1/2 = 3/8 after t=3 (2 at risk): median 3
    km = KaplanMeier().fit(pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 0, 1, 0]}), label="<b>arm</b>")
    _check(km, "4 patients, 2 events, 2 censored", capsys)
    assert km.summary().loc[0, "median"].startswith("3")
    assert "<b>arm</b>" not in km._repr_html_() and "&lt;b&gt;arm&lt;/b&gt;" in km._repr_html_()


def test_pooled_analysis(capsys):
    cohort = load_cohort()
    ids = sorted(cohort.patients["patient_id"])
    s1 = export_summary(cohort.filter(patients=ids[:9]), centre="A", min_cell=0)
    s2 = export_summary(cohort.filter(patients=ids[9:]), centre="B", min_cell=0)
    res = pool([s1, s2], min_cell=0, accept_below_min_cell=True)
    _check(res, "2 centres (A, B)", capsys)
    assert res.summary().loc[0, "patients"] == 18


def test_cohort_shows_itself_escaped():
    cohort = load_cohort()
    assert repr(cohort).startswith("<Cohort ") and "18 patients (8 UC, 10 CD)" in repr(cohort)
    assert cohort._repr_html_().startswith("<p><code>&lt;Cohort ")


def test_pooled_words_count_centres_and_patients_as_written():
    cohort = load_cohort()
    ids = sorted(cohort.patients["patient_id"])
    one = pool([export_summary(cohort.filter(patients=ids[:9]), centre="A", min_cell=0)], min_cell=0,
               accept_below_min_cell=True)
    assert str(one).startswith("1 centre (A) shared") and "9 patients in the cells that were published" in str(one)
    # K = 20 at a centre of 9 patients: every count withheld, and the words say so instead of "0 patients"
    hidden = pool([export_summary(cohort.filter(patients=ids[:9]), centre="A", min_cell=20)], min_cell=5)
    assert "no patient count was published" in str(hidden) and "0 patients" not in str(hidden)
