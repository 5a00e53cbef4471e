"""Completeness of visit variables: disease-specific denominators, counted by hand."""
from __future__ import annotations

import math

import pytest

from dttstudy import load_cohort
from dttstudy.analysis.completeness import completeness

from builders import cd, combine, uc


def _get(t, variable, month, col):
    return t.loc[(t["variable"] == variable) & (t["month"] == month), col].item()


def test_reference_cohort_counted_by_hand():
    t = completeness(load_cohort())
    # month 0: 10 CD, 8 UC; SES-CD at baseline in P09, P11, P12, P13, P14; MES in P01, P02, P05, P06
    assert (_get(t, "hbi", 0, "n_expected"), _get(t, "hbi", 0, "n_present")) == (10, 10)
    assert (_get(t, "ses_cd", 0, "n_expected"), _get(t, "ses_cd", 0, "n_present")) == (10, 5)
    assert (_get(t, "mes", 0, "n_expected"), _get(t, "mes", 0, "n_present")) == (8, 4)
    assert _get(t, "hematocrit", 0, "pct_present") == 0
    # month 6 (window 5–7): CD followed to 6 or seen in the window: P09 (visit at 5), P11–P17 -> 8;
    # SES-CD at that visit: P09 (at 5), P14 -> 2
    assert (_get(t, "ses_cd", 6, "n_expected"), _get(t, "ses_cd", 6, "n_present")) == (8, 2)
    assert _get(t, "ses_cd", 6, "pct_present") == pytest.approx(25.0)
    # month 9: followed P02 (visit at 9), P05, P11–P15 -> 7; CRP missing at P02's and P15's 9-month visits
    assert (_get(t, "crp", 9, "n_expected"), _get(t, "crp", 9, "n_with_visit"), _get(t, "crp", 9, "n_present")) \
        == (7, 7, 5)
    assert (_get(t, "mes", 9, "n_expected"), _get(t, "mes", 9, "n_present")) == (2, 1)


def test_denominators_on_a_built_cohort():
    c = combine(uc("U1", 9, 3, 3, 0), uc("U2", 9, 3, None, 1, fu_month=5, dtt_months=5,
                                         status="discontinued", stop_reason="adverse_event"),
                cd("C1", 9, 5, month=3, fu={"crp": 4.0}, dtt_months=3))
    t = completeness(c, months=(0, 3, 6))
    # partial Mayo at 3: U1 present; U2 followed (to 5) but its visit at 5 is outside the 3 ± 0.5 window
    assert (_get(t, "partial_mayo", 3, "n_expected"), _get(t, "partial_mayo", 3, "n_with_visit"),
            _get(t, "partial_mayo", 3, "n_present")) == (2, 1, 1)
    # HBI is expected only of the CD patient
    assert (_get(t, "hbi", 3, "n_expected"), _get(t, "hbi", 3, "n_present")) == (1, 1)
    # month 6: U1 followed 12 months (no visit: missing); U2 seen at 5 (window 5–7) without partial Mayo;
    # C1 followed 3 months -> not expected, and nothing is expected of CD
    assert (_get(t, "partial_mayo", 6, "n_expected"), _get(t, "partial_mayo", 6, "n_present")) == (2, 0)
    assert _get(t, "hbi", 6, "n_expected") == 0 and math.isnan(_get(t, "hbi", 6, "pct_present"))
    # crp: C1 has it at 3, the UC patients have no lab values
    assert (_get(t, "crp", 3, "n_expected"), _get(t, "crp", 3, "n_present")) == (3, 1)
    every = completeness(c, months=(6,), denominator="all")
    assert _get(every, "hbi", 6, "n_expected") == 1 and _get(every, "crp", 6, "n_expected") == 3
    with pytest.raises(ValueError):
        completeness(c, denominator="visits")


def test_columns_windows_on_dtt_only_and_optional_markers():
    from dataclasses import replace
    # U1 followed to exactly 6 months (DTT 6) without a visit at 6; U2 seen at 4.4, after DTT stopped
    c = combine(uc("U1", 9, 3, 3, 0, dtt_months=6), uc("U2", 9, 3, 4, 1, fu_month=4.4, dtt_months=4, status="discontinued",
                                                       stop_reason="no_response"))
    t = completeness(c, months=(3, 6))
    assert list(t.columns) == ["variable", "applies_to", "month", "n_expected", "n_with_visit", "n_present",
                               "pct_present", "denominator"]
    assert set(t["denominator"]) == {"followed"} and _get(t, "partial_mayo", 3, "applies_to") == "UC"
    # month 6: U1 was followed to 6 (last follow-up >= 6 counts), U2 only to 4.4
    assert _get(t, "partial_mayo", 6, "n_expected") == 1
    # the window is a parameter: 3 +- 2 takes U2's visit at 4.4, and on_dtt_only leaves it out again
    v = c.visits.copy()
    v.loc[(v["patient_id"] == "U2") & (v["month"] > 0), "on_dtt"] = False
    c2 = replace(c, visits=v)
    wide = completeness(c2, months=(3,), windows={3: 2})
    assert _get(wide, "partial_mayo", 3, "n_with_visit") == 2
    assert _get(completeness(c2, months=(3,), windows={3: 2}, on_dtt_only=True), "partial_mayo", 3,
                "n_with_visit") == 1
    # an optional marker the cohort records is expected of everyone
    v3 = c.visits.assign(calprotectin=[250.0 if m == 0 else None for m in c.visits["month"]])
    t3 = completeness(replace(c, visits=v3), months=(0,))
    assert (_get(t3, "calprotectin", 0, "applies_to"), _get(t3, "calprotectin", 0, "n_present")) == ("all", 2)
    with pytest.raises(ValueError, match=r"^denominator must be one of \('followed', 'all'\)$"):
        completeness(c, denominator="visits")
    # a patient followed half a month is not expected at month 1
    short = combine(uc("S", 9, 3, 3, 0, fu_month=0.5, dtt_months=0.5, status="discontinued",
                       stop_reason="adverse_event"), uc("L", 9, 3, 3, 0, fu_month=1))
    assert _get(completeness(short, months=(1,), windows={1: 0.25}), "partial_mayo", 1, "n_expected") == 1
    assert list(completeness(short, months=())) == ["variable", "applies_to", "month", "n_expected", "n_with_visit",
                                                    "n_present", "pct_present", "denominator"]
