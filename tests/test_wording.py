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
