"""Words that follow the parameters: a footnote names the definition the table was computed with."""
from __future__ import annotations

import pytest

import dttstudy
from dttstudy.reporting.display import build_display


@pytest.mark.parametrize("definition, words", [("paper", "response by the paper's definition"),
                                               ("simple", "response by the simple definition")])
@pytest.mark.parametrize("name, table", [("table3_maintained", dttstudy.table3),
                                         ("table4_discontinued", dttstudy.table4)])
def test_follow_up_tables_name_their_definition(definition, words, name, table):
    tidy = table(dttstudy.load_cohort(), (3, 6, 9), definition=definition)
    notes = " ".join(text for _, text in build_display(name, tidy).footnotes)
    assert words in notes
    other = "simple definition" if definition == "paper" else "paper's definition"
    assert other not in notes


def test_the_paper_is_a_check_only_for_its_own_population_and_reading():
    from dttstudy.parameters import params
    from dttstudy.reporting.report import graded

    ref = dttstudy.load_cohort()
    assert graded(ref, params())
    assert not graded(ref.filter(disease="CD"), params(disease="CD"))   # 10 of the 18 patients: compared
    assert not graded(ref, params(definition="simple")) and not graded(ref, params(crp_uln=10))
    assert graded(ref, params(timepoints="6", window=1))                # the check has its own months


def test_method_columns_are_said_in_words():
    import pandas as pd

    cif = pd.DataFrame({"time": [1.0, 2.0], "cif_event": [0.1, 0.2], "ci_type": ["log", "log"], "level": [0.95, 0.95]})
    notes = " ".join(t for _, t in build_display("some_cif", cif).footnotes)
    assert "95% confidence intervals by the log transformation" in notes and "CI type" not in notes
    lr = pd.DataFrame({"endpoint": ["a", "b"], "by": ["disease", "disease"], "test": ["log-rank test"] * 2,
                       "chi2": [1.0, 2.0]})
    notes = " ".join(t for _, t in build_display("some_tests", lr).footnotes)
    assert "Groups compared by disease: log-rank test" in notes and "Subgroup by" not in notes


def test_reconstruction_rows_speak_of_studies_and_outcomes_not_codes():
    from dttstudy.synthesis.literature import load_literature
    from dttstudy.synthesis.reconstruction import reconstruction_table

    t = reconstruction_table(load_literature())
    text = " ".join(t["target"].astype(str)) + " " + " ".join(t["variant"]) + " " + " ".join(t["circular_rows"])
    assert "serious ae" not in text and "sin^2" not in text and "sands2007" not in text
    assert "Ahmed 2022: serious adverse event" in text and "Sands 2007" in text


@pytest.mark.parametrize("x, n, says, not_says", [(7, 7, "all 7 of 7", "or fewer"), (5, 7, "5 or more of 7", ""),
                                                  (0, 7, "none of 7 with the outcome with probability 0.90", "or more")])
def test_the_predictive_check_says_only_what_is_not_certain(x, n, says, not_says):
    import pandas as pd

    from dttstudy.reporting.literature_forests import predictive_words

    class Pooled:
        pi_method = "t(k-1)"

    text = predictive_words(pd.DataFrame({"events": [x], "total": [n]}), {"p_at_least": 0.31, "p_at_most": 0.9},
                            Pooled())
    assert says in text and (not not_says or not_says not in text)


def test_lab_figure_counts_only_under_analysed_months():
    """Months 3 and 12 analysed (window 2): the grid's other months (6, 9) carry no count, the analysed ones the
    number of patients with a value, as a bare number (never 'n = 0', never two labels run together)."""
    from dttstudy.analysis.labs import lab_changes
    from dttstudy.reporting.figures import paired_lab_plot

    ch = lab_changes(dttstudy.load_cohort(), months=(3, 9), windows={3: 0.5, 9: 1.0})
    fig = paired_lab_plot(ch, "crp", by=None)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    n3 = ch[(ch["lab"] == "crp") & (ch["month"] == 3)]["patient_id"].nunique()
    assert f"3\n{n3}" in labels and "6" in labels and not any("n = " in s for s in labels)


def test_every_key_number_with_an_interval_names_it():
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "reports" / "index.html").read_text(encoding="utf-8")
    cells = re.findall(r"<tr><th>[^<]*</th><td>([^<]*)</td></tr>", page)
    with_interval = [c for c in cells if re.search(r"\d–\d", c)]
    assert len(with_interval) >= 5 and all("95% CI" in c for c in with_interval), with_interval
