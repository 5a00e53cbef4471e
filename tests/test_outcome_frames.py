"""Whole per-patient frames of the outcome rules, written out by hand: every column a reader or a later step uses
(visit month, criterion, not-evaluable reason, the month and window it is about), not only the flag."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dttstudy.analysis.outcomes import (_nri, _reached, clinical_remission, clinical_response, endoscopic_response,
                                        rate_table, response_rates)

from builders import cohort

NA = pd.NA
ENDO_COLUMNS = ["patient_id", "disease", "regimen", "month", "status", "stop_reason", "dtt_months",
                "baseline_endo", "visit_month", "endo", "window", "evaluable", "not_evaluable_reason", "responder",
                "criterion", "score"]


def _endo_cohort():
    pats = [{"patient_id": p, "disease": d} for p, d in
            [("C1", "CD"), ("C2", "CD"), ("C3", "CD"), ("C4", "CD"), ("C5", "CD"),
             ("U1", "UC"), ("U2", "UC"), ("U3", "UC"), ("U4", "UC")]]
    v = [
        # SES-CD 10 -> 4: a 60 % drop
        {"patient_id": "C1", "month": 0, "ses_cd": 10}, {"patient_id": "C1", "month": 6, "ses_cd": 4},
        # 51 -> 25: a drop of 26/51 = 50.98 %, above 50 % (the score's range aside, the rule's boundary)
        {"patient_id": "C2", "month": 0, "ses_cd": 51}, {"patient_id": "C2", "month": 6, "ses_cd": 25},
        # baseline 0: no percentage drop exists
        {"patient_id": "C3", "month": 0, "ses_cd": 0}, {"patient_id": "C3", "month": 6, "ses_cd": 0},
        # 1 -> 0: a 100 % drop from the smallest positive baseline
        {"patient_id": "C4", "month": 0, "ses_cd": 1}, {"patient_id": "C4", "month": 6, "ses_cd": 0},
        # no baseline endoscopy (a baseline visit without one)
        {"patient_id": "C5", "month": 0, "hbi": 8}, {"patient_id": "C5", "month": 6, "ses_cd": 3},
        # MES 2 -> 1, assessed after DTT stopped: counts unless on_dtt_only
        {"patient_id": "U1", "month": 0, "mes": 2}, {"patient_id": "U1", "month": 3, "mes": 1, "on_dtt": False},
        # a later visit without an endoscopy: no follow-up endoscopy
        {"patient_id": "U2", "month": 0, "mes": 3}, {"patient_id": "U2", "month": 6, "partial_mayo": 3},
        # the last endoscopy (month 3) counts, not the later visit without one (month 6)
        {"patient_id": "U3", "month": 0, "mes": 3}, {"patient_id": "U3", "month": 3, "mes": 1},
        {"patient_id": "U3", "month": 6, "partial_mayo": 2},
        # an endoscopy at month 1 is a follow-up endoscopy
        {"patient_id": "U4", "month": 0, "mes": 2}, {"patient_id": "U4", "month": 1, "mes": 2},
    ]
    return cohort(pats, v)


def _expected_endo(rows, month, window):
    df = pd.DataFrame(rows, columns=["patient_id", "disease", "baseline_endo", "visit_month", "endo", "evaluable",
                                     "not_evaluable_reason", "responder", "criterion"])
    df.insert(2, "regimen", "UST+VDZ")
    df.insert(3, "month", month)
    df.insert(4, "status", "maintained")
    df.insert(5, "stop_reason", None)
    df.insert(6, "dtt_months", 12.0)
    df.insert(10, "window", window)
    df["score"] = np.where(df["disease"] == "UC", "MES", "SES-CD")
    df["responder"] = pd.array(df["responder"], dtype="boolean")
    return df[ENDO_COLUMNS]


def test_endoscopic_response_whole_frame_within_the_horizon():
    got = endoscopic_response(_endo_cohort())
    nan = np.nan
    exp = _expected_endo([
        ("C1", "CD", 10.0, 6.0, 4.0, True, "", True, "SES-CD drop > 50%"),
        ("C2", "CD", 51.0, 6.0, 25.0, True, "", True, "SES-CD drop > 50%"),
        ("C3", "CD", 0.0, 6.0, 0.0, False, "baseline SES-CD is 0", NA, ""),
        ("C4", "CD", 1.0, 6.0, 0.0, True, "", True, "SES-CD drop > 50%"),
        ("C5", "CD", nan, 6.0, 3.0, False, "no baseline endoscopy", NA, ""),
        ("U1", "UC", 2.0, 3.0, 1.0, True, "", True, "MES drop >= 1"),
        ("U2", "UC", 3.0, nan, nan, False, "no follow-up endoscopy", NA, ""),
        ("U3", "UC", 3.0, 3.0, 1.0, True, "", True, "MES drop >= 1"),
        ("U4", "UC", 2.0, 1.0, 2.0, True, "", False, "MES drop < 1"),
    ], 9, "within 9 months")
    assert list(got.columns) == ENDO_COLUMNS
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)


def test_endoscopic_response_criteria_are_named_parameters():
    # with a 51 % threshold C2's 50.98 % drop no longer counts; with an MES drop of 2 U1's drop of 1 does not
    got = endoscopic_response(_endo_cohort(), ses_cd_min_drop_pct=51, mes_min_drop=2).set_index("patient_id")
    assert not bool(got.loc["C2", "responder"]) and got.loc["C2", "criterion"] == "SES-CD drop <= 51%"
    assert bool(got.loc["C1", "responder"]) and got.loc["C1", "criterion"] == "SES-CD drop > 51%"
    assert not bool(got.loc["U1", "responder"]) and got.loc["U1", "criterion"] == "MES drop < 2"


def test_endoscopic_response_on_dtt_only_drops_the_off_dtt_endoscopy():
    got = endoscopic_response(_endo_cohort(), on_dtt_only=True).set_index("patient_id").loc["U1"]
    assert not got["evaluable"] and got["not_evaluable_reason"] == "no follow-up endoscopy"


def test_endoscopic_response_at_a_month_whole_frame():
    pats = [{"patient_id": p, "disease": "UC"} for p in ("A", "B", "C", "D")]
    v = [{"patient_id": p, "month": 0, "mes": 3} for p in "ABCD"] + [
        {"patient_id": "A", "month": 7.0, "mes": 1},    # exactly at the window's edge (6 +- 1): in
        {"patient_id": "B", "month": 5.2, "mes": 3},    # two in the window: the closer one (6.1) counts
        {"patient_id": "B", "month": 6.1, "mes": 2},
        {"patient_id": "C", "month": 7.5, "mes": 1},    # outside 6 +- 1
        {"patient_id": "D", "month": 4.9, "mes": 3},    # outside 6 +- 1 by 0.1
    ]
    got = endoscopic_response(cohort(pats, v), month=6)
    nan = np.nan
    exp = _expected_endo([
        ("A", "UC", 3.0, 7.0, 1.0, True, "", True, "MES drop >= 1"),
        ("B", "UC", 3.0, 6.1, 2.0, True, "", True, "MES drop >= 1"),
        ("C", "UC", 3.0, nan, nan, False, "no follow-up endoscopy", NA, ""),
        ("D", "UC", 3.0, nan, nan, False, "no follow-up endoscopy", NA, ""),
    ], 6, "at month")
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)
    # the windows are a parameter: 6 +- 2 takes C's visit at 7.5 (and D's at 4.9, further than B's own)
    wide = endoscopic_response(cohort(pats, v), month=6, windows={6: 2}).set_index("patient_id")
    assert wide.loc["C", "visit_month"] == 7.5 and wide.loc["D", "visit_month"] == 4.9


def test_endoscopic_response_a_visit_counts_at_the_nearer_of_two_overlapping_windows():
    pats = [{"patient_id": "A", "disease": "UC"}]
    v = [{"patient_id": "A", "month": 0, "mes": 3}, {"patient_id": "A", "month": 4.4, "mes": 1}]
    windows = {3: 2, 6: 2}   # 4.4 lies in both windows, nearer to 3
    at3 = endoscopic_response(cohort(pats, v), month=3, windows=windows).iloc[0]
    at6 = endoscopic_response(cohort(pats, v), month=6, windows=windows).iloc[0]
    assert at3["visit_month"] == 4.4 and bool(at3["responder"])
    assert not at6["evaluable"] and at6["not_evaluable_reason"] == "no follow-up endoscopy"


REMISSION_COLUMNS = ["patient_id", "disease", "regimen", "month", "status", "stop_reason", "dtt_months",
                     "baseline_hbi", "baseline_partial_mayo", "baseline_rectal_bleeding", "visit_month", "on_dtt",
                     "hbi", "partial_mayo", "rectal_bleeding", "evaluable", "not_evaluable_reason", "responder",
                     "criterion"]


def _remission_cohort():
    pats = [{"patient_id": p, "disease": d} for p, d in
            [("C1", "CD"), ("C2", "CD"), ("C3", "CD"), ("U1", "UC"), ("U2", "UC"), ("U3", "UC"), ("U4", "UC")]]
    v = [{"patient_id": "C1", "month": 0, "hbi": 9}, {"patient_id": "C1", "month": 3, "hbi": 4},
         {"patient_id": "C2", "month": 0, "hbi": 9}, {"patient_id": "C2", "month": 3, "crp": 3},
         {"patient_id": "C3", "month": 0, "hbi": 9},
         {"patient_id": "U1", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U1", "month": 3, "partial_mayo": 2, "rectal_bleeding": 0},
         # a visit with the partial Mayo score but no bleeding subscore: score missing
         {"patient_id": "U2", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U2", "month": 3, "partial_mayo": 1},
         {"patient_id": "U3", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U3", "month": 3, "partial_mayo": 3, "rectal_bleeding": 0},
         # a visit with the bleeding subscore but no partial Mayo score: score missing
         {"patient_id": "U4", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U4", "month": 3, "rectal_bleeding": 0}]
    return cohort(pats, v)


def test_clinical_remission_whole_frame():
    got = clinical_remission(_remission_cohort(), 3)
    nan = np.nan
    rows = [
        ("C1", "CD", 9.0, nan, nan, 3.0, True, 4.0, nan, nan, True, "", True, "in remission"),
        ("C2", "CD", 9.0, nan, nan, 3.0, True, nan, nan, nan, False, "score missing", NA, ""),
        ("C3", "CD", 9.0, nan, nan, nan, nan, nan, nan, nan, False, "no visit in window", NA, ""),
        ("U1", "UC", nan, 7.0, 2.0, 3.0, True, nan, 2.0, 0.0, True, "", True, "in remission"),
        ("U2", "UC", nan, 7.0, 2.0, 3.0, True, nan, 1.0, nan, False, "score missing", NA, ""),
        ("U3", "UC", nan, 7.0, 2.0, 3.0, True, nan, 3.0, 0.0, True, "", False, "not in remission"),
        ("U4", "UC", nan, 7.0, 2.0, 3.0, True, nan, nan, 0.0, False, "score missing", NA, ""),
    ]
    exp = pd.DataFrame(rows, columns=["patient_id", "disease", "baseline_hbi", "baseline_partial_mayo",
                                      "baseline_rectal_bleeding", "visit_month", "on_dtt", "hbi", "partial_mayo",
                                      "rectal_bleeding", "evaluable", "not_evaluable_reason", "responder",
                                      "criterion"])
    exp.insert(2, "regimen", "UST+VDZ")
    exp.insert(3, "month", 3)
    exp.insert(4, "status", "maintained")
    exp.insert(5, "stop_reason", None)
    exp.insert(6, "dtt_months", 12.0)
    exp["responder"] = pd.array(exp["responder"], dtype="boolean")
    assert list(got.columns) == REMISSION_COLUMNS
    pd.testing.assert_frame_equal(got, exp[REMISSION_COLUMNS], check_dtype=False)


@pytest.mark.parametrize("kwargs,expected", [
    ({"hbi_below": 4}, {"C1": False, "U1": True, "U3": False}),
    ({"partial_mayo_max": 3}, {"C1": True, "U1": True, "U3": True}),
    ({"bleeding_max": 1}, {"C1": True, "U1": True, "U3": False}),
])
def test_clinical_remission_thresholds_are_parameters(kwargs, expected):
    got = clinical_remission(_remission_cohort(), 3, **kwargs).set_index("patient_id")
    assert {p: bool(got.loc[p, "responder"]) for p in expected} == expected


def test_clinical_remission_windows_and_on_dtt_only_reach_the_visit():
    c = cohort([{"patient_id": "C", "disease": "CD"}],
               [{"patient_id": "C", "month": 0, "hbi": 9}, {"patient_id": "C", "month": 4.5, "hbi": 3,
                                                            "on_dtt": False}])
    assert not clinical_remission(c, 3).iloc[0]["evaluable"]                       # 3 +- 0.5 misses 4.5
    assert bool(clinical_remission(c, 3, windows={3: 2}).iloc[0]["responder"])     # 3 +- 2 holds it
    off = clinical_remission(c, 3, windows={3: 2}, on_dtt_only=True).iloc[0]
    assert not off["evaluable"] and off["not_evaluable_reason"] == "no visit in window"


def test_clinical_response_reasons_and_criteria_in_full():
    pats = [{"patient_id": p, "disease": d} for p, d in
            [("U1", "UC"), ("U2", "UC"), ("U3", "UC"), ("U4", "UC"),
             ("C1", "CD"), ("C2", "CD"), ("C3", "CD"), ("C4", "CD"), ("C5", "CD"), ("C6", "CD"), ("C7", "CD")]]
    v = [{"patient_id": "U1", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U1", "month": 3, "partial_mayo": 2, "rectal_bleeding": 0},       # met
         {"patient_id": "U2", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U2", "month": 3, "partial_mayo": 6, "rectal_bleeding": 2},       # not met
         {"patient_id": "U3", "month": 0, "partial_mayo": 7},                              # no bleeding at baseline
         {"patient_id": "U3", "month": 3, "partial_mayo": 2, "rectal_bleeding": 0},
         {"patient_id": "U4", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
         {"patient_id": "U4", "month": 3, "partial_mayo": 2},                              # no bleeding at 3
         {"patient_id": "C1", "month": 0, "hbi": 9}, {"patient_id": "C1", "month": 3, "hbi": 5},    # drop 4
         {"patient_id": "C2", "month": 0, "hbi": 9}, {"patient_id": "C2", "month": 3, "hbi": 7},    # drop 2
         {"patient_id": "C3", "month": 0, "hbi": 3, "crp": 20}, {"patient_id": "C3", "month": 3, "crp": 4},
         {"patient_id": "C4", "month": 0, "hbi": 3, "limberg": 3}, {"patient_id": "C4", "month": 3, "limberg": 1},
         {"patient_id": "C5", "month": 0, "hbi": 3, "crp": 20}, {"patient_id": "C5", "month": 3, "crp": 12},
         {"patient_id": "C6", "month": 0, "crp": 20}, {"patient_id": "C6", "month": 3, "hbi": 3},   # no HBI at 0
         {"patient_id": "C7", "month": 0, "hbi": 9}, {"patient_id": "C7", "month": 3, "crp": 2}]    # no HBI at 3
    got = clinical_response(cohort(pats, v), 3).set_index("patient_id")
    expected = {
        "U1": (True, "", True, "partial Mayo criteria met"),
        "U2": (True, "", False, "partial Mayo criteria not met"),
        "U3": (False, "baseline partial Mayo/bleeding missing", None, ""),
        "U4": (False, "follow-up partial Mayo/bleeding missing", None, ""),
        "C1": (True, "", True, "HBI drop >= 3"),
        "C2": (True, "", False, "HBI drop < 3"),
        "C3": (True, "", True, "low baseline HBI: CRP normalised"),
        "C4": (True, "", True, "low baseline HBI: Limberg drop >= 2"),
        "C5": (True, "", False, "low baseline HBI: no objective criterion"),
        "C6": (False, "baseline HBI missing", None, ""),
        "C7": (False, "follow-up HBI missing", None, ""),
    }
    for pid, (ev, reason, resp, crit) in expected.items():
        r = got.loc[pid]
        assert (bool(r["evaluable"]), r["not_evaluable_reason"], None if pd.isna(r["responder"]) else
                bool(r["responder"]), r["criterion"]) == (ev, reason, resp, crit), pid
    assert set(got["definition"]) == {"paper"} and set(got["month"]) == {3}


def _stopped(pid, reason, months, status="discontinued"):
    return {"patient_id": pid, "disease": "UC", "status": status, "stop_reason": reason, "dtt_months": months}


def test_nri_imputes_only_failures_stopped_by_the_month_and_keeps_an_on_dtt_assessment():
    per = pd.DataFrame({
        "patient_id": ["A", "B", "C", "D", "E", "F"],
        "status": ["discontinued", "discontinued", "discontinued", "discontinued", "maintained", "discontinued"],
        "stop_reason": ["no_response", "adverse_event", "no_response", "de_escalation", None, "no_response"],
        "dtt_months": [6.0, 2.0, 7.0, 3.0, 12.0, 5.0],
        "evaluable": [False, True, False, False, True, True],
        "responder": pd.array([NA, True, NA, NA, True, True], dtype="boolean"),
        "on_dtt": [NA, False, NA, NA, True, True],
    })
    got = _nri(per, 6, ("no_response", "adverse_event")).set_index("patient_id")
    # A stopped at exactly 6 (at or before the month), B's assessment came after stopping: both imputed;
    # C stopped after 6, D for another reason, E is on DTT: none imputed; F's assessment on DTT stands
    assert got["imputed"].to_dict() == {"A": True, "B": True, "C": False, "D": False, "E": False, "F": False}
    assert got.loc[["A", "B"], "responder"].tolist() == [False, False]
    assert got.loc[["A", "B"], "evaluable"].tolist() == [True, True]
    assert got.loc["F", "responder"] == True  # noqa: E712
    assert pd.isna(got.loc["C", "responder"]) and not got.loc["C", "evaluable"]
    # the caller's frame is left as it was
    assert per["evaluable"].tolist() == [False, True, False, False, True, True] and "imputed" not in per


def test_nri_without_an_on_dtt_column_imputes_every_failure_by_the_month():
    per = pd.DataFrame({"status": ["discontinued", "discontinued"], "stop_reason": ["no_response"] * 2,
                        "dtt_months": [2.0, 9.0], "evaluable": [True, True],
                        "responder": pd.array([True, True], dtype="boolean")})
    got = _nri(per, 6, ("no_response",))
    assert got["imputed"].tolist() == [True, False] and got["responder"].tolist() == [False, True]


@pytest.mark.parametrize("last_followup,expected", [(5.0, True), (4.99, False)])
def test_reached_is_follow_up_into_the_window_by_anyone_but_the_failures(last_followup, expected):
    # month 6 with a window of +- 1: reached when someone other than a failure was followed to 5 months
    subj = pd.DataFrame({"status": ["maintained", "discontinued", "discontinued"],
                         "stop_reason": [None, "no_response", "de_escalation"],
                         "last_followup": [last_followup, 12.0, 1.0]})
    assert _reached(subj, 6, None, ("no_response",)) is expected
    # a failure followed far beyond the month does not make it reached; another reason does
    assert _reached(subj.assign(last_followup=[1.0, 12.0, 1.0]), 6, None, ("no_response",)) is False
    assert _reached(subj.assign(last_followup=[1.0, 1.0, 12.0]), 6, None, ("no_response",)) is True
    # the window is a parameter: with 6 +- 2, 4.5 is inside
    assert _reached(subj.assign(last_followup=[4.5, 1.0, 1.0]), 6, {6: 2}, ("no_response",)) is True


def test_a_month_nobody_reached_gives_no_rate_in_either_set():
    pats = [_stopped("F", "no_response", 2), {"patient_id": "R", "disease": "UC", "dtt_months": 5}]
    v = [{"patient_id": p, "month": 0, "partial_mayo": 7, "rectal_bleeding": 2} for p in "FR"]
    v.append({"patient_id": "R", "month": 3, "partial_mayo": 2, "rectal_bleeding": 0})
    rates = response_rates(cohort(pats, v), (3, 12)).set_index(["analysis_set", "month"])
    assert tuple(rates.loc[("nri", 3), ["n", "N"]]) == (1, 2)
    assert tuple(rates.loc[("nri", 12), ["n", "N"]]) == (0, 0)
    assert tuple(rates.loc[("observed", 12), ["n", "N"]]) == (0, 0)


RATE_COLUMNS = ["endpoint", "definition", "analysis_set", "month", "by", "group", "n", "N", "pct", "ci_low",
                "ci_high", "ci_method", "level"]


def _clopper_pearson(k, n, level):
    from scipy.stats import beta
    a = 1 - level
    lo = 0.0 if k == 0 else beta.ppf(a / 2, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(1 - a / 2, k + 1, n - k)
    return 100 * lo, 100 * hi


def test_response_rates_frame_level_and_definition():
    got = response_rates(_remission_cohort(), (3,), endpoint="clinical_response", definition="simple", level=0.9,
                         analysis_sets=("observed",))
    assert list(got.columns) == RATE_COLUMNS and list(got.index) == [0]
    r = got.iloc[0]
    assert (r["endpoint"], r["definition"], r["analysis_set"], r["month"], r["by"], r["group"]) == (
        "clinical_response", "simple", "observed", 3, "All", "All")
    # simple definition: UC partial Mayo drop >= 50 %: U1 7 -> 2 and U2 7 -> 1 respond, U3 7 -> 3 does too;
    # U4 has no partial Mayo at 3; CD HBI drop >= 3: C1 9 -> 4 responds, C2 has no HBI at 3, C3 no visit
    assert (r["n"], r["N"]) == (4, 4)
    assert r["level"] == 0.9 and (r["ci_low"], r["ci_high"]) == pytest.approx(_clopper_pearson(4, 4, 0.9))
    rem = response_rates(_remission_cohort(), (3, 6), endpoint="clinical_remission")
    assert set(rem["definition"]) == {"paper"} and list(rem.index) == list(range(len(rem)))
    assert list(zip(rem["analysis_set"], rem["month"])) == [("observed", 3), ("nri", 3), ("observed", 6),
                                                            ("nri", 6)]


def test_response_rates_name_the_horizon_of_the_endoscopic_endpoint():
    got = response_rates(_endo_cohort(), (None,), endpoint="endoscopic_response", analysis_sets=("observed",))
    assert got["month"].tolist() == [9]
    got = response_rates(_endo_cohort(), (None, 6), endpoint="endoscopic_response", horizon=12,
                         analysis_sets=("observed",))
    assert got["month"].tolist() == [12, 6]


def test_rate_table_groups_sorted_with_empty_groups_kept():
    per = pd.DataFrame({"disease": ["UC", "CD", "UC", "IBDU"], "evaluable": [True, True, True, False],
                        "responder": pd.array([True, False, False, NA], dtype="boolean")})
    got = rate_table(per, "disease")
    assert list(zip(got["group"], got["n"], got["N"])) == [("All", 1, 3), ("CD", 0, 1), ("UC", 1, 2), ("IBDU", 0, 0)]
    assert got["ci_method"].iloc[0] == "Clopper–Pearson exact" and set(got["level"]) == {0.95}
    assert np.isnan(got["pct"].iloc[3])
    with pytest.raises(ValueError, match=r"^ci_method must be one of \['clopper-pearson', 'wilson'\]$"):
        rate_table(per, ci_method="exactish")


def test_clinical_response_refuses_an_unknown_definition():
    with pytest.raises(ValueError, match="^definition must be 'paper' or 'simple'$"):
        clinical_response(_remission_cohort(), 3, definition="strict")


def test_visit_at_baseline_columns_and_an_undeclared_month():
    from dttstudy.analysis.outcomes import visit_at
    c = _endo_cohort()
    base = visit_at(c, 0)
    assert base["month"].tolist() == [0.0] * 9 and "index" not in base
    assert list(base.index) == list(range(9))
    # an assessment made after DTT stopped counts unless on_dtt_only
    assert "U1" in set(visit_at(c, 3, {3: 0.5})["patient_id"])
    with pytest.raises(ValueError, match=r"^no visit window defined for month 1; pass windows=\{1: half_width\}$"):
        visit_at(c, 1)


def test_a_visit_at_the_edge_of_two_windows_counts_at_the_nearer():
    from dttstudy.analysis.outcomes import overlapping_windows, visit_at
    c = cohort([{"patient_id": "A", "disease": "UC"}],
               [{"patient_id": "A", "month": 0, "partial_mayo": 6}, {"patient_id": "A", "month": 4.0, "partial_mayo": 2}])
    # 4.0 is exactly at the edge of 3 +- 1 and of 6 +- 2, nearer to 3
    w = {3: 1, 6: 2}
    assert visit_at(c, 3, w)["month"].tolist() == [4.0] and visit_at(c, 6, w).empty
    # with three windows every other one is checked, not only the last: 4.4 is nearest to 3
    c2 = cohort([{"patient_id": "A", "disease": "UC"}],
                [{"patient_id": "A", "month": 0, "partial_mayo": 6}, {"patient_id": "A", "month": 4.4}])
    w3 = {3: 2, 6: 2, 9: 2}
    assert visit_at(c2, 3, w3)["month"].tolist() == [4.4] and visit_at(c2, 6, w3).empty
    # windows that touch share a visit at the shared edge: they overlap
    assert overlapping_windows({3: 1, 5: 1}) == [(3, 5)] and overlapping_windows({3: 1, 6: 1}) == []


def _one(disease, base, fu, **kw):
    c = cohort([{"patient_id": "X", "disease": disease}],
               [{"patient_id": "X", "month": 0, **base}, {"patient_id": "X", "month": 3, **fu}])
    return clinical_response(c, 3, **kw).iloc[0]


def _state(r):
    return bool(r["evaluable"]), (None if pd.isna(r["responder"]) else bool(r["responder"])), r["not_evaluable_reason"]


@pytest.mark.parametrize("disease,base,fu,kw,expected", [
    # simple definition: a 50 % drop needs a baseline above 0; 1 -> 0 is a 100 % drop
    ("UC", {"partial_mayo": 0}, {"partial_mayo": 0}, {"definition": "simple"}, (True, False, "")),
    ("UC", {"partial_mayo": 1}, {"partial_mayo": 0}, {"definition": "simple"}, (True, True, "")),
    # the simple definition needs no bleeding subscore: its missing follow-up score is named as such
    ("UC", {"partial_mayo": 6}, {"rectal_bleeding": 1}, {"definition": "simple"},
     (False, None, "follow-up partial Mayo/bleeding missing")),
    # the paper's definition needs the partial Mayo score as well as the bleeding subscore
    ("UC", {"partial_mayo": 6, "rectal_bleeding": 2}, {"rectal_bleeding": 0}, {},
     (False, None, "follow-up partial Mayo/bleeding missing")),
    # CRP normalisation needs a baseline above the limit: 5 -> 3 is not one
    ("CD", {"hbi": 3, "crp": 5}, {"crp": 3}, {}, (True, False, "")),
    ("CD", {"hbi": 3, "crp": 5.5}, {"crp": 3}, {}, (True, True, "")),
    # low baseline HBI with a CRP or Limberg value at one visit only: no pair
    ("CD", {"hbi": 3, "crp": 20}, {"hbi": 1}, {}, (False, None, "low baseline HBI: no CRP or Limberg pair")),
    ("CD", {"hbi": 3}, {"limberg": 1}, {}, (False, None, "low baseline HBI: no CRP or Limberg pair")),
    # low_hbi_rule="additional": above the low threshold the HBI drop alone decides
    ("CD", {"hbi": 9}, {"hbi": 6}, {"low_hbi_rule": "additional"}, (True, True, "")),
    # ... at or below it the HBI pair is needed as well as a CRP or Limberg pair
    ("CD", {"hbi": 4, "crp": 20}, {"hbi": 1}, {"low_hbi_rule": "additional"},
     (False, None, "low baseline HBI: no CRP or Limberg pair")),
    ("CD", {"hbi": 4, "crp": 20}, {"crp": 2}, {"low_hbi_rule": "additional"},
     (False, None, "low baseline HBI: no CRP or Limberg pair")),
    ("CD", {"hbi": 4, "crp": 20}, {"hbi": 1, "crp": 2}, {"low_hbi_rule": "additional"}, (True, True, "")),
])
def test_clinical_response_rules_at_their_edges(disease, base, fu, kw, expected):
    assert _state(_one(disease, base, fu, **kw)) == expected


def test_responder_is_a_nullable_boolean():
    r = clinical_response(_remission_cohort(), 3)
    assert str(r["responder"].dtype) == "boolean"


def test_steroid_free_frame_and_a_stop_at_the_month():
    from dttstudy.analysis.outcomes import steroid_free
    c = cohort([{"patient_id": "A", "disease": "UC", "steroid_at_start": True, "steroid_stop_month": 3.0}],
               [{"patient_id": "A", "month": 0}])
    t = steroid_free(c, 3)
    assert t["month"].tolist() == [3] and t["steroid_free"].tolist() == [True]
    assert steroid_free(c, 2.9)["steroid_free"].tolist() == [False]


def test_response_rates_defaults_for_one_patient():
    c = cohort([{"patient_id": "X", "disease": "UC"}],
               [{"patient_id": "X", "month": 0, "mes": 2}, {"patient_id": "X", "month": 6, "mes": 1}])
    assert response_rates(c, (None,), endpoint="endoscopic_response")["month"].tolist() == [9, 9]
    assert set(response_rates(c, (3,))["definition"]) == {"paper"}
