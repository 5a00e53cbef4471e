"""Rules at their boundaries, each expectation worked by hand on a cohort of one or two patients: a deliberate
one-character change to any of these rules fails a test here.

* non-responder imputation takes a patient who stopped DTT for failure *at or before* the month (stopping at
  exactly month 6 counts at month 6), and an assessment made while still on DTT stands as observed;
* clinical remission needs a visit in the window *and* the score at that visit;
* Fisher's exact test when any expected count is below 5 (exactly 5 is Pearson's chi-square);
* the validator gives follow-up before DTT one month of slack over the disease duration;
* a centre summary's CRP limit and months keep the declared ranges (a negative limit, month 0 refused);
* identifiers: a birth date of the 1900s is a date like one of the 2000s.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from builders import cd, combine
from dttstudy.analysis.outcomes import clinical_remission, response_rates
from dttstudy.analysis.stats import contingency_test
from dttstudy.intake.identifiers import has_date
from dttstudy.intake.validation import check_patients


def _nri(c, month):
    r = response_rates(c, (month,), analysis_sets=("nri",), windows={month: 1.0})
    row = r[r["group"] == "All"].iloc[0]
    return int(row["n"]), int(row["N"])


def _followed():
    """A patient on DTT to month 12 with no visit near month 6: the month is reached, and P9 adds no count."""
    return cd("P9", 10, 10, month=1, dtt_months=12)


def _stopped(pid, dtt_months, visits):
    p, v = cd(pid, 10, 4, month=3)
    p.update(status="discontinued", stop_reason="no_response", dtt_months=dtt_months)
    return p, v[:1] + visits


def test_nri_takes_a_stop_at_exactly_the_month():
    # stopped for no response at month 6.0, last visit at month 3: at month 6 a non-responder (0/1)
    c = combine(_stopped("P1", 6.0, [{"patient_id": "P1", "month": 3, "hbi": 4}]), _followed())
    assert _nri(c, 6) == (0, 1)
    # stopped at 6.5: not yet stopped at month 6, and no visit in 5-7: not in the month's denominator
    c = combine(_stopped("P1", 6.5, [{"patient_id": "P1", "month": 3, "hbi": 4}]), _followed())
    assert _nri(c, 6) == (0, 0)


def test_nri_keeps_an_assessment_made_on_dtt_and_imputes_one_made_after_stopping():
    # assessed at 5.5 while still on DTT (HBI 10 -> 4: a responder), stopped at 5.5: the responder stands (1/1)
    on = combine(_stopped("P1", 5.5, [{"patient_id": "P1", "month": 5.5, "hbi": 4, "on_dtt": True}]), _followed())
    assert _nri(on, 6) == (1, 1)
    # the same scores at 6.5, after stopping (off DTT): imputed as a non-responder (0/1)
    off = combine(_stopped("P1", 5.5, [{"patient_id": "P1", "month": 6.5, "hbi": 4, "on_dtt": False}]),
                  _followed())
    assert _nri(off, 6) == (0, 1)


def test_remission_needs_the_visit_and_the_score():
    # P1 seen at month 6 without an HBI; P2 seen with HBI 3 (in remission): only P2 is evaluable
    c = combine(cd("P1", 10, np.nan, month=6), cd("P2", 10, 3, month=6))
    r = clinical_remission(c, 6).set_index("patient_id")
    assert not r.loc["P1", "evaluable"] and r.loc["P2", "evaluable"]
    assert bool(r.loc["P2", "responder"])


def test_fisher_below_an_expected_count_of_five_and_chi_square_at_five():
    # 2 x 3, margins 20/20 and 10/10/20: expected counts 5, 5, 10 in each row (the smallest exactly 5)
    assert contingency_test([[5, 5, 10], [5, 5, 10]])[1].startswith("Pearson")
    # margins 19/21 and 10/10/20: the smallest expected count 10 × 19 / 40 = 4.75 < 5
    assert contingency_test([[4, 5, 10], [6, 5, 10]])[1].startswith("Fisher")


def _patients(followup, duration):
    return pd.DataFrame({"patient_id": ["P1"], "disease": ["UC"], "montreal": ["E3"],
                         "followup_before_dtt": [followup], "disease_duration": [duration]})


def test_follow_up_before_dtt_has_one_month_of_slack():
    # disease duration 1.0 year = 12 months: 13 months of prior follow-up is within the slack, 13.1 is not
    assert not [f for f in check_patients(_patients(13.0, 1.0), "patients.csv") if f.column == "followup_before_dtt"]
    bad = [f for f in check_patients(_patients(13.1, 1.0), "patients.csv") if f.column == "followup_before_dtt"]
    assert len(bad) == 1 and bad[0].row == 2


def test_summary_parameters_keep_the_declared_ranges():
    from dttstudy.synthesis.multicentre.contract import PARAMETER_RULES

    crp, _ = PARAMETER_RULES["crp_uln"]
    assert crp(0.0) and crp(5.0) and crp(100.0)
    assert not crp(-1.0) and not crp(100.5) and not crp(float("nan"))
    months, _ = PARAMETER_RULES["timepoints"]
    assert months([3, 6, 9]) and months([600])
    assert not months([0, 6]) and not months([601]) and not months([3, 3])


@pytest.mark.parametrize("text", ["12.05.1965", "1965-05-12", "born 12/05/1965", "12.05.2003"])
def test_dates_of_either_century_are_dates(text):
    assert has_date(text)


def test_valid_utf8_is_read_as_utf8_with_a_note(tmp_path):
    """A centre named in UTF-8 with a letter whose bytes are also GB18030 Chinese ('Ů' is C5 AE, GB18030 '女')
    is read as written; a NOTE says the other reading was possible."""
    import copy

    from conftest import MINIMAL, write_cohort
    from dttstudy.intake.cohort import load_cohort

    tables = copy.deepcopy(MINIMAL)
    tables["patients"][0]["center"] = "Ů"
    cohort = load_cohort(write_cohort(tmp_path / "c", tables))
    assert cohort.patients.loc[0, "center"] == "Ů"
    notes = [r for r in cohort.provenance["readings"] if r["rule"] == "encoding"]
    assert len(notes) == 1 and "read as UTF-8" in notes[0]["message"] and "GB18030" in notes[0]["message"]
    assert "encoding" not in cohort.provenance  # the file is UTF-8: no other encoding recorded


def test_no_rate_for_a_month_nobody_reached():
    """P1 stopped for no response at month 4; P2 on DTT until the data cut-off at 6.5. At month 12 (window 2) no
    patient but P1 was followed into 10-14: no rate in either set (0/0), not P1's 0/1. At month 6 P2 was seen:
    P2 evaluable (HBI 10 -> 4, a responder) and P1 imputed: 1/2."""
    p1, v1 = _stopped("P1", 4.0, [{"patient_id": "P1", "month": 3, "hbi": 4}])
    p2, v2 = cd("P2", 10, 4, month=6, dtt_months=6.5)
    c = combine((p1, v1), (p2, v2))
    r = response_rates(c, (6, 12), windows={6: 1.0, 12: 2.0})
    got = {(row.analysis_set, row.month): (int(row.n), int(row.N)) for row in r[r["group"] == "All"].itertuples()}
    assert got[("nri", 6)] == (1, 2) and got[("observed", 6)] == (1, 1)
    assert got[("nri", 12)] == (0, 0) and got[("observed", 12)] == (0, 0)
    # P2 followed to exactly month 10, the window's start, reaches month 12: P1 imputed, P2 seen at 10 responds
    p2b, v2b = cd("P2", 10, 4, month=10, dtt_months=10.0)
    r = response_rates(combine((p1, v1), (p2b, v2b)), (12,), windows={12: 2.0}, analysis_sets=("nri",))
    assert (int(r.iloc[0]["n"]), int(r.iloc[0]["N"])) == (1, 2)


@pytest.mark.parametrize("visit, at3, at6", [(4.4, True, False), (4.5, True, False), (4.6, False, True),
                                              (2.0, True, False), (7.9, False, True)])
def test_overlapping_windows_count_a_visit_at_its_nearest_month(visit, at3, at6):
    """Windows 3 ± 2 (1–5) and 6 ± 2 (4–8) overlap on 4–5: a visit there counts at the month it is closer to,
    the earlier on a tie (4.5 is 1.5 from both), never at both."""
    from dttstudy.analysis.outcomes import overlapping_windows, visit_at

    c = combine(cd("P1", 10, 4, month=visit))
    windows = {3: 2.0, 6: 2.0}
    assert overlapping_windows(windows) == [(3, 6)] and overlapping_windows({3: 0.5, 6: 1.0, 9: 1.0}) == []
    assert (len(visit_at(c, 3, windows)) == 1) is at3
    assert (len(visit_at(c, 6, windows)) == 1) is at6


def test_a_string_where_a_list_of_terms_is_expected_is_refused():
    from dttstudy.intake.cohort import load_cohort
    from dttstudy.synthesis.multicentre import export_summary

    with pytest.raises(ValueError, match="ae_vocabulary must be a list of terms"):
        export_summary(load_cohort(), ae_vocabulary="rash")
    with pytest.raises(ValueError, match="ae_vocabulary must be a list of terms"):
        export_summary(load_cohort(), ae_vocabulary=["rash", 3])
    assert "rash" in export_summary(load_cohort(), ae_vocabulary=["rash"], min_cell=0)["parameters"]["ae_vocabulary"]
