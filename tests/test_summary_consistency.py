"""The consistency and small-cell rules of one centre summary (``dttstudy.synthesis.multicentre.consistency``), rule by
rule on a summary small enough to add up by hand: the summary below is consistent, and each test breaks one thing
and expects exactly the problems that break names, with their table, row, field and words."""
from __future__ import annotations

import copy

import pytest

from dttstudy.synthesis.multicentre.consistency import (_close, _consistency, _life_tables, _margins, _moments,
                                                        _published_small, _show, _within_all)
from dttstudy.synthesis.multicentre.contract import OTHER_TERM

W = "<5"  # a withheld cell: not a number, so every rule that needs it is skipped


class Checker:
    """Collects problems as the checker of ``check.py`` does: (table, row, field, words)."""

    def __init__(self, parameters=None):
        self.s = {} if parameters is None else {"parameters": parameters}
        self.problems: list[tuple] = []

    def bad(self, rule, table=None, row=None, field=None):
        self.problems.append((table, row, field, rule))


PARAMETERS = {"ae_vocabulary": ["Infection", "Skin  rash"], "life_table_horizon": 2}


def _resp(by, group, n, N, month=3):
    return {"endpoint": "clinical_response", "definition": "paper", "analysis_set": "observed", "month": month,
            "by": by, "group": group, "n": n, "N": N}


def _lab(group, n, b, ssb, v, ssv, c, ssc):
    return {"lab": "CRP", "month": 3, "group": group, "n": n, "sum_baseline": b, "sum_squares_baseline": ssb,
            "sum_value": v, "sum_squares_value": ssv, "sum_change": c, "sum_squares_change": ssc,
            "change_median": -5, "change_q1": -8, "change_q3": -2}


def _life(name, rows, horizon=True):
    out = []
    for j, (at, ev, ce) in enumerate(rows):
        r = {"parameter": name, "at_risk": at, "events": ev, "censored": ce}
        r |= {"start": j, "end": j + 1 if j < len(rows) - 1 else None} if horizon else {"time": 0.5 * (j + 1)}
        out.append(r)
    return out


# 10 patients (4 UC, 6 CD); 9 evaluable at month 3, 6 responders; 4 patients with 7 TEAEs; CRP in 8 patients.
TABLES = {
    "baseline_counts": [
        {"variable": "Patients", "level": "", "UC": 4, "CD": 6, "Total": 10},
        {"variable": "Sex", "level": "female", "UC": 2, "CD": 3, "Total": 5},
        {"variable": "Sex", "level": "male", "UC": 2, "CD": 3, "Total": 5},
        {"variable": "Regimen", "level": "IFX+VDZ", "UC": 1, "CD": 5, "Total": 6},
        {"variable": "Regimen", "level": "VDZ+TOF", "UC": 3, "CD": 1, "Total": 4},
    ],
    "baseline_continuous": [  # ages; sum of squares ≥ sum² / n: 2600 ≥ 2500, 5600 ≥ 5400, 8200 ≥ 7840
        {"variable": "Age", "group": "UC", "n": 4, "sum": 100, "sum_squares": 2600},
        {"variable": "Age", "group": "CD", "n": 6, "sum": 180, "sum_squares": 5600},
        {"variable": "Age", "group": "Total", "n": 10, "sum": 280, "sum_squares": 8200},
    ],
    "response": [
        _resp("All", "All", 6, 9),
        _resp("disease", "UC", 2, 4), _resp("disease", "CD", 4, 5),
        _resp("regimen", "IFX+VDZ", 4, 5), _resp("regimen", "VDZ+TOF", 2, 4),
    ],
    "ae_incidence": [
        {"by": "All", "group": "All", "patients_with_event": 4, "events": 7, "patient_years_at_risk": 8.5,
         "patient_years_exposure": 9.0},
        {"by": "disease", "group": "UC", "patients_with_event": 1, "events": 2, "patient_years_at_risk": 3.0,
         "patient_years_exposure": 3.5},
        {"by": "disease", "group": "CD", "patients_with_event": 3, "events": 5, "patient_years_at_risk": 5.5,
         "patient_years_exposure": 5.5},
        {"by": "regimen", "group": "IFX+VDZ", "patients_with_event": 3, "events": 4, "patient_years_at_risk": 5.0,
         "patient_years_exposure": 5.5},
        {"by": "regimen", "group": "VDZ+TOF", "patients_with_event": 1, "events": 3, "patient_years_at_risk": 3.5,
         "patient_years_exposure": 3.5},
        {"by": "suspected_agent", "group": "VDZ", "patients_with_event": 2, "events": 2},
    ],
    "ae_terms": [
        {"term": "infection", "patients_with_event": 2, "events": 3},
        {"term": "Skin rash", "patients_with_event": 1, "events": 1},
        {"term": OTHER_TERM, "patients_with_event": 2, "events": 3},
    ],
    "life_tables": (  # 10 at risk; events + censored = 10 in each; 4 first TEAEs, 5 stops of DTT
        _life("time to first TEAE", [(10, 2, 1), (7, 1, 0), (6, 1, 5)])
        + _life("time on DTT", [(10, 0, 1), (9, 2, 1), (6, 3, 3)])),
    "labs": [  # All = UC + CD in every sum; each sum of squares ≥ sum² / n
        _lab("All", 8, 80, 1000, 40, 300, -40, 400),
        _lab("UC", 3, 30, 400, 15, 100, -15, 150),
        _lab("CD", 5, 50, 600, 25, 200, -25, 250),
    ],
}


def problems(tables=None, k=None, parameters=PARAMETERS):
    c = Checker(parameters)
    _consistency(c, TABLES if tables is None else tables, k)
    return c.problems


def changed(table, row, **values):
    t = copy.deepcopy(TABLES)
    t[table][row - 1].update(values)
    return t


def test_the_summary_built_by_hand_is_consistent_and_has_no_small_cell_at_k_1():
    assert problems() == []
    assert problems(k=1) == []


def test_a_summary_without_tables_or_parameters_gives_no_problem_of_consistency():
    assert problems({}, k=5) == []
    assert problems({"baseline_counts": TABLES["baseline_counts"]}, k=None, parameters=None) == []
    t = copy.deepcopy(TABLES)
    del t["ae_incidence"][0]  # no row over all patients: neither the terms' sum nor the first TEAEs are compared
    t["ae_terms"][0]["events"] = 30
    assert problems(t) == []
    outside = "a term outside the shared vocabulary of the parameters (typed text never leaves a centre)"
    assert problems(parameters=[1]) == [("ae_terms", 1, "term", outside), ("ae_terms", 2, "term", outside)]


# ---- baseline counts -----------------------------------------------------------------------------------------
def test_a_table_1_without_its_patients_row_is_named():
    t = copy.deepcopy(TABLES)
    del t["baseline_counts"][0]
    assert problems(t, parameters={"ae_vocabulary": PARAMETERS["ae_vocabulary"]}) == [
        ("baseline_counts", None, None, "has no 'Patients' row (the denominators of every table)")]
    del t["baseline_counts"]
    assert ("baseline_counts", None, None, "has no 'Patients' row (the denominators of every table)") \
        not in problems(t)


def test_a_total_that_is_not_uc_plus_cd():
    assert problems(changed("baseline_counts", 2, Total=6)) == [
        ("baseline_counts", 2, "Total", "Total 6 is not UC + CD (2 + 3)")]  # the levels add up by disease only


def test_a_group_above_its_total_when_the_other_group_is_withheld():
    # and the levels of Sex then add up to more than the patients of that group: 7 + 2 UC, 6 + 3 CD, 5 + 2 UC
    assert problems(changed("baseline_counts", 2, UC=7, CD=W)) == [
        ("baseline_counts", 2, "UC", "7 is more than the row's Total (5)"),
        ("baseline_counts", None, "UC", "the levels of 'Sex' add up to 9 UC patients, not 4 (row 'Patients')")]
    assert problems(changed("baseline_counts", 2, UC=W, CD=6)) == [
        ("baseline_counts", 2, "CD", "6 is more than the row's Total (5)"),
        ("baseline_counts", None, "CD", "the levels of 'Sex' add up to 9 CD patients, not 6 (row 'Patients')")]
    assert problems(changed("baseline_counts", 2, UC=5, CD=W)) == [  # equal to the Total is possible
        ("baseline_counts", None, "UC", "the levels of 'Sex' add up to 7 UC patients, not 4 (row 'Patients')")]


def test_the_patients_row_gives_the_denominators_and_is_not_a_variable_of_levels():
    t = copy.deepcopy(TABLES)
    t["baseline_counts"].insert(1, {"variable": "Patients", "level": "again", "UC": 4, "CD": 6, "Total": 10})
    assert problems(t) == []  # a second 'Patients' row is not summed with the first as levels of a variable
    t["baseline_counts"][1].update(UC=3, CD=5, Total=8)
    assert problems(t) == []  # nor does it replace the first as the denominators


def test_the_levels_of_a_variable_add_up_to_the_patients_or_to_nothing():
    assert problems(changed("baseline_counts", 2, UC=3, Total=6)) == [
        ("baseline_counts", None, "UC", "the levels of 'Sex' add up to 5 UC patients, not 4 (row 'Patients')")]
    t = changed("baseline_counts", 2, UC=0, CD=0, Total=0)
    t["baseline_counts"][2].update(UC=0, CD=0, Total=0)
    assert problems(t) == []  # a variable nobody has a level of
    assert problems(changed("baseline_counts", 2, UC=W, Total=W)) == []


# ---- continuous baseline values ------------------------------------------------------------------------------
def test_more_patients_with_a_value_than_patients():
    assert problems(changed("baseline_continuous", 1, n=5, sum_squares=2600)) == [
        ("baseline_continuous", 1, "n", "5 is more than the UC patients (4)")]


def test_sums_over_no_patient_and_an_impossible_sum_of_squares():
    assert problems(changed("baseline_continuous", 2, n=0, sum=0, sum_squares=0)) == []
    assert problems(changed("baseline_continuous", 2, n=0, sum=3, sum_squares=-1.5)) == [
        ("baseline_continuous", 2, "sum", "3 over no patient (n = 0)"),
        ("baseline_continuous", 2, "sum_squares", "-1.5 over no patient (n = 0)")]
    # 6 patients summing to 180 have a sum of squares of at least 180² / 6 = 5400
    assert problems(changed("baseline_continuous", 2, sum_squares=5399)) == [
        ("baseline_continuous", 2, "sum_squares", "a sum of squares (5399) below (sum)² / n (5400) is impossible")]
    assert problems(changed("baseline_continuous", 2, sum_squares=5400)) == []  # all six of age 30


def test_a_continuous_value_of_fewer_than_k_patients_or_missing_in_fewer_than_k():
    # K = 3: 4 UC patients with an age, 6 CD, 10 in all: nothing small; with 2 UC ages, 2 UC patients lack one
    assert [p for p in problems(k=3) if p[0] == "baseline_continuous"] == []
    t = changed("baseline_continuous", 1, n=2, sum=50, sum_squares=1300)
    t["baseline_continuous"][2].update(n=8, sum=230, sum_squares=6900)
    assert [p for p in problems(t, k=3) if p[0] == "baseline_continuous"] == [
        ("baseline_continuous", 1, "n", "published with its total, it gives 2 patients without a value, below the "
                                        "declared minimum cell count K = 3: one of them should have been withheld"),
        ("baseline_continuous", 1, "sum", "published for 2 patient(s), below the declared minimum cell count K = 3"),
        ("baseline_continuous", 1, "sum_squares", "published for 2 patient(s), below the declared minimum cell "
                                                  "count K = 3"),
        ("baseline_continuous", 3, "n", "published with its total, it gives 2 patients without a value, below the "
                                        "declared minimum cell count K = 3: one of them should have been withheld")]


def test_the_sum_of_squares_bound_allows_rounding_to_eight_digits_only():
    def moments(n, s, ss):
        c = Checker()
        _moments(c, {"n": n, "s": s, "ss": ss}, "n", "s", "ss", "t", 1)
        return c.problems
    # (sum)² / n = 1e8 exactly; the bound is 1e8 · (1 − 1e-7) − 1e-7 = 99999990 − 1e-7
    assert moments(1, 10_000, 99_999_990) == []
    assert moments(1, 10_000, 99_999_989.9) != []
    # near zero the 1e-7 allowance is absolute: sum 0.001 over 1 patient needs 1e-6 · (1 − 1e-7) − 1e-7
    assert moments(1, 0.001, 0.0000009) == []
    assert moments(1, 0.001, 0.0000008) != []
    # on the bound itself: 1 · (−1e-7) = 0² · (1 − 1e-7) − 1e-7 is possible, a little below is not
    assert moments(1, 0, -1e-7) == []
    assert moments(1, 0, -2e-7) != []
    assert moments(W, 1, 0) == [] and moments(2, W, 0) == [] and moments(2, 4, W) == []
    assert moments(0, W, W) == []


# ---- response -------------------------------------------------------------------------------------------------
def test_responders_above_the_evaluable_and_evaluable_above_the_patients():
    assert problems(changed("response", 2, n=5, N=4)) == [
        ("response", 2, "n", "5 is more than the evaluable patients N (4)"),
        ("response", 1, "n", "the overall value 6 is not the sum over the disease groups (9)")]
    t = changed("response", 1, N=11)
    assert ("response", 1, "N", "11 is more than the patients (baseline_counts, Patients) (10)") in problems(t)
    # only the row over all patients is held to the patients of Table 1
    t = copy.deepcopy(TABLES)
    t["response"] = [_resp("disease", "UC", 2, 11)]
    assert problems(t) == []


def test_the_groups_of_a_response_cell_add_up_to_its_overall_row():
    t = changed("response", 4, n=3)
    assert problems(t) == [("response", 1, "n", "the overall value 6 is not the sum over the regimen groups (5)")]
    # with a group withheld the groups shown may not exceed the overall value, and the first one shown is named
    t = changed("response", 2, n=W, N=W)
    t["response"][2].update(n=7, N=7)
    assert problems(t) == [  # N: 7 of 9 is possible
        ("response", 3, "n", "the disease groups count 7, more than the overall 6"),
        ("response", 3, "n", "7 is more than all patients' n in the same cell (6)")]


def test_the_evaluable_patients_add_up_as_the_responders_do():
    t = changed("response", 3, N=6)  # CD: 4 of 6; UC 4 + CD 6 = 10 evaluable, but 9 over all patients
    assert problems(t) == [("response", 1, "N", "the overall value 9 is not the sum over the disease groups (10)")]
    # with UC withheld, CD's 7 of 10 is more than all patients' 6 of 9: both fields are named
    t = changed("response", 2, n=W, N=W)
    t["response"][2].update(n=7, N=10)
    assert problems(t) == [
        ("response", 3, "n", "the disease groups count 7, more than the overall 6"),
        ("response", 3, "N", "the disease groups count 10, more than the overall 9"),
        ("response", 3, "n", "7 is more than all patients' n in the same cell (6)"),
        ("response", 3, "N", "10 is more than all patients' N in the same cell (9)")]


def test_response_cells_of_another_endpoint_definition_or_set_are_added_up_apart():
    t = copy.deepcopy(TABLES)
    for key, value in (("endpoint", "clinical_remission"), ("definition", "simple"), ("analysis_set", "nri")):
        for by, group, n, N in (("All", "All", 3, 10), ("disease", "UC", 1, 4), ("disease", "CD", 2, 6),
                                ("regimen", "IFX+VDZ", 2, 6), ("regimen", "VDZ+TOF", 1, 4)):
            t["response"].append(_resp(by, group, n, N) | {key: value})
    assert problems(t) == []


def test_response_cells_of_another_month_or_set_are_added_up_apart():
    t = copy.deepcopy(TABLES)
    t["response"] += [_resp("All", "All", 5, 8, month=6), _resp("disease", "UC", 2, 3, month=6),
                      _resp("disease", "CD", 3, 5, month=6)]
    assert problems(t) == []
    t["response"][-1]["month"] = 3
    assert problems(t) != []


def test_non_responders_below_k_are_a_small_cell():
    # K = 3: UC 4 − 2 = 2 non-responders; CD 5 − 4 = 1; VDZ+TOF 4 − 2 = 2; All 9 − 6 = 3 and IFX+VDZ 1 are not
    # the only ones: IFX+VDZ 5 − 4 = 1
    def msg(d):
        return (f"published with its total, it gives {d} non-responders N − n, below the declared minimum cell count "
                "K = 3: one of them should have been withheld")
    got = [p for p in problems(k=3) if p[0] == "response"]
    assert got == [("response", 2, "n", msg(2)), ("response", 3, "n", msg(1)), ("response", 4, "n", msg(1)),
                   ("response", 5, "n", msg(2))]


# ---- adverse events ------------------------------------------------------------------------------------------
def test_patients_with_an_event_above_the_events_or_the_group():
    t = changed("ae_incidence", 2, patients_with_event=3, events=2)
    assert problems(t) == [
        ("ae_incidence", 2, "patients_with_event", "3 is more than the events (2)"),
        ("ae_incidence", 1, "patients_with_event", "the overall value 4 is not the sum over the disease groups (6)")]
    t = changed("ae_incidence", 2, patients_with_event=5, events=9)
    assert ("ae_incidence", 2, "patients_with_event",
            "5 is more than the group's patients (baseline_counts) (4)") in problems(t)
    t = changed("ae_incidence", 4, patients_with_event=7, events=9)  # IFX+VDZ has 6 patients
    assert ("ae_incidence", 4, "patients_with_event",
            "7 is more than the group's patients (baseline_counts) (6)") in problems(t)


def test_an_adverse_event_group_without_patients_in_table_1():
    t = changed("ae_incidence", 5, group="IFX+MTX")
    assert ("ae_incidence", 5, "group", "group 'IFX+MTX' of 'regimen' has no row in baseline_counts") \
        in problems(t)
    t = changed("ae_incidence", 2, by="sex", group="female")
    assert ("ae_incidence", 2, "group", "group 'female' of 'sex' has no row in baseline_counts") in problems(t)
    # the suspected agents have no denominator in Table 1 and are not part of the margins
    t = changed("ae_incidence", 6, patients_with_event=4, events=4)
    assert problems(t) == []


def test_patients_with_an_event_of_an_agent_are_patients_on_a_regimen_with_it():
    # VDZ is in both regimens (6 + 4 patients); TOF in one (4); ADA in none; 'unknown' is over all 10 patients
    # (above the 4 patients with an event over all, a row is also named by the rule of the same cell, left out here)
    def agent(group, p):
        t = copy.deepcopy(TABLES)
        t["ae_incidence"][5].update(group=group, patients_with_event=p, events=p)
        return [x for x in problems(t) if x[1] == 6 and "in the same cell" not in x[3]]
    assert agent("VDZ", 10) == [] and agent("TOF", 4) == [] and agent("unknown", 10) == []
    assert agent("TOF", 5) == [("ae_incidence", 6, "patients_with_event",
                                "5 is more than the patients on a regimen with TOF (4)")]
    assert agent("ADA", 1) == [("ae_incidence", 6, "patients_with_event",
                                "1 is more than the patients on a regimen with ADA (0)")]
    assert agent("ADA", 0) == []
    assert agent("unknown", 11) == [("ae_incidence", 6, "patients_with_event", "11 is more than the patients (10)")]
    t = copy.deepcopy(TABLES)
    t["baseline_counts"][4]["Total"] = W  # a regimen with the agent withheld: its patients are not known
    t["ae_incidence"][5].update(group="TOF", patients_with_event=9, events=9)
    assert [x for x in problems(t) if x[1] == 6 and "in the same cell" not in x[3]] == []


def test_adverse_event_margins_and_small_cells():
    t = changed("ae_incidence", 5, patient_years_at_risk=4.5)
    assert problems(t) == [("ae_incidence", 1, "patient_years_at_risk",
                            "the overall value 8.5 is not the sum over the regimen groups (9.5)")]
    t = changed("ae_incidence", 5, events=4, patient_years_exposure=4.0)
    assert problems(t) == [
        ("ae_incidence", 1, "events", "the overall value 7 is not the sum over the regimen groups (8)"),
        ("ae_incidence", 1, "patient_years_exposure", "the overall value 9 is not the sum over the regimen groups "
                                                      "(9.5)")]
    t = changed("ae_incidence", 6, patients_with_event=5, events=8)
    assert problems(t) == [
        ("ae_incidence", 6, "patients_with_event", "5 is more than all patients' patients_with_event in the same cell "
                                                   "(4)"),
        ("ae_incidence", 6, "events", "8 is more than all patients' events in the same cell (7)")]
    # K = 4: 3 patients without an event in UC (4 − 1), CD (6 − 3), IFX+VDZ (6 − 3) and VDZ+TOF (4 − 1);
    # 10 − 4 = 6 over all patients
    got = [p for p in problems(k=4) if p[0] == "ae_incidence"]
    without = ("published with its total, it gives {} patients without an event, below the declared minimum cell "
               "count K = 4: one of them should have been withheld")
    guard = "published for {} patient(s), below the declared minimum cell count K = 4"
    assert got == [("ae_incidence", i, "patients_with_event", without.format(3)) for i in (2, 3, 4, 5)]
    # 3 UC patients (K = 4): their patient-years are withheld with them; CD 7 − 3 = 4 is not small
    t = copy.deepcopy(TABLES)
    t["baseline_counts"][0].update(UC=3, CD=7)
    t["baseline_counts"][1].update(UC=1, CD=4)
    t["baseline_counts"][2].update(UC=2, CD=3)
    t["baseline_counts"][3].update(UC=1, CD=5)
    t["baseline_counts"][4].update(UC=2, CD=2)
    t["ae_incidence"][1].update(patients_with_event=W)
    got = [p for p in problems(t, k=4) if p[0] == "ae_incidence"]
    assert got == [("ae_incidence", 2, "patient_years_at_risk", guard.format(3)),
                   ("ae_incidence", 2, "patient_years_exposure", guard.format(3)),
                   ("ae_incidence", 4, "patients_with_event", without.format(3)),
                   ("ae_incidence", 5, "patients_with_event", without.format(3))]


def test_terms_above_their_events_or_the_patients_and_outside_the_vocabulary():
    t = changed("ae_terms", 1, patients_with_event=4)
    assert problems(t) == [("ae_terms", 1, "patients_with_event", "4 is more than the events (3)")]
    t = changed("ae_terms", 1, patients_with_event=11, events=11)
    assert problems(t) == [
        ("ae_terms", 1, "patients_with_event", "11 is more than the patients (10)"),
        ("ae_terms", None, "events", "the terms' events add up to 15, not to all events (7, ae_incidence)")]
    vocabulary = "a term outside the shared vocabulary of the parameters (typed text never leaves a centre)"
    assert problems(changed("ae_terms", 2, term="skin rash ")) == []  # spaces and case as in the vocabulary
    assert problems(changed("ae_terms", 2, term="Skin rush")) == [("ae_terms", 2, "term", vocabulary)]
    assert problems(changed("ae_terms", 2, term="Skin rash"), parameters={"life_table_horizon": 2}) == [
        ("ae_terms", 1, "term", vocabulary), ("ae_terms", 2, "term", vocabulary)]
    assert problems(parameters={"ae_vocabulary": "Infection", "life_table_horizon": 2}) == [
        ("ae_terms", 1, "term", vocabulary), ("ae_terms", 2, "term", vocabulary)]
    assert problems(parameters={"ae_vocabulary": ["Infection", 3, "Skin rash"], "life_table_horizon": 2}) == []
    t = changed("ae_terms", 2, term=7)
    assert problems(t) == []  # a term that is not text is the checker's to name


def test_the_terms_events_add_up_to_all_events_only_when_all_are_published():
    t = changed("ae_terms", 3, events=W)
    assert problems(t) == []
    t = changed("ae_terms", 3, events=2)
    assert problems(t) == [("ae_terms", None, "events",
                            "the terms' events add up to 6, not to all events (7, ae_incidence)")]
    t["ae_terms"] = []
    assert problems(t) == []
    t = changed("ae_terms", 3, events=2)
    t["ae_incidence"][0]["events"] = W
    assert problems(t) == []


def test_small_terms():
    got = [p for p in problems(k=3) if p[0] == "ae_terms"]
    assert got == []  # 8, 9 and 8 of 10 patients without the term
    t = changed("ae_terms", 2, patients_with_event=9, events=9)
    got = [p for p in problems(t, k=3) if p[0] == "ae_terms" and p[1] == 2]
    assert got == [("ae_terms", 2, "patients_with_event",
                    "published with its total, it gives 1 patients without the term, below the declared minimum "
                    "cell count K = 3: one of them should have been withheld")]


# ---- labs -----------------------------------------------------------------------------------------------------
def test_lab_groups_add_up_to_all_patients():
    t = changed("labs", 2, sum_change=-14)
    assert problems(t) == [("labs", 1, "sum_change", "group All (-40) is not UC + CD (-14 + -25)")]
    t = changed("labs", 3, n=6, sum_squares_value=200)
    assert problems(t) == [("labs", 1, "n", "group All (8) is not UC + CD (3 + 6)")]
    t = changed("labs", 2, sum_squares_baseline=400 + 1e-5)  # 1000 ± 1e-4 is equal to eight digits
    assert problems(t) == []
    t = changed("labs", 2, sum_squares_baseline=400.001)
    assert problems(t) == [("labs", 1, "sum_squares_baseline", "group All (1000) is not UC + CD (400.001 + 600)")]
    t = changed("labs", 2, change_median=99)  # quartiles are not sums
    assert problems(t) == []
    t = changed("labs", 3, sum_value=W)
    t["labs"][1]["sum_value"] = 16  # 16² / 3 ≤ 100
    assert problems(t) == []


def test_a_lab_group_above_its_patients_or_above_all_patients():
    t = copy.deepcopy(TABLES)
    t["labs"] = [_lab("UC", 5, 30, 400, 15, 100, -15, 150)]
    assert problems(t) == [("labs", 1, "n", "5 is more than the group's patients (4)")]
    t["labs"] = [_lab("All", 11, 30, 400, 15, 100, -15, 150)]
    assert problems(t) == [("labs", 1, "n", "11 is more than the group's patients (10)")]
    t["labs"] = [_lab("All", 2, 30, 450, 15, 150, -15, 150), _lab("CD", 3, 30, 400, 15, 100, -15, 150)]
    assert problems(t) == [("labs", 2, "n", "3 is more than all patients' n in the same cell (2)")]
    t["labs"][1]["month"] = 6
    assert problems(t) == []


def test_lab_groups_of_another_lab_are_added_up_apart_whatever_the_order_of_the_rows():
    t = copy.deepcopy(TABLES)
    t["labs"] += [_lab("CD", 5, 150, 4600, 160, 5200, 10, 50) | {"lab": "albumin"},
                  _lab("UC", 3, 90, 2800, 95, 3100, 5, 25) | {"lab": "albumin"},
                  _lab("All", 8, 240, 7400, 255, 8300, 15, 75) | {"lab": "albumin"}]
    assert problems(t) == []
    crp = copy.deepcopy(t)
    crp["labs"][1]["sum_change"] = -14  # CRP's groups are still added up with albumin's rows after them
    assert problems(crp) == [("labs", 1, "sum_change", "group All (-40) is not UC + CD (-14 + -25)")]
    t["labs"][3]["n"] = 9  # CD above all patients (8), named where it stands, though All comes after it
    assert problems(t) == [("labs", 4, "n", "9 is more than the group's patients (6)"),
                           ("labs", 4, "n", "9 is more than all patients' n in the same cell (8)"),
                           ("labs", 6, "n", "group All (8) is not UC + CD (3 + 9)")]


def test_lab_moments_and_small_cells():
    t = changed("labs", 2, sum_squares_baseline=299, sum_squares_value=74)  # 30² / 3 = 300, 15² / 3 = 75
    assert problems(t) == [
        ("labs", 2, "sum_squares_baseline", "a sum of squares (299) below (sum)² / n (300) is impossible"),
        ("labs", 2, "sum_squares_value", "a sum of squares (74) below (sum)² / n (75) is impossible"),
        ("labs", 1, "sum_squares_baseline", "group All (1000) is not UC + CD (299 + 600)"),
        ("labs", 1, "sum_squares_value", "group All (300) is not UC + CD (74 + 200)")]
    t = changed("labs", 2, sum_squares_change=74)  # 15² / 3 = 75
    assert problems(t) == [
        ("labs", 2, "sum_squares_change", "a sum of squares (74) below (sum)² / n (75) is impossible"),
        ("labs", 1, "sum_squares_change", "group All (400) is not UC + CD (74 + 250)")]
    guard = "published for 3 patient(s), below the declared minimum cell count K = 4"
    got = [p for p in problems(k=4) if p[0] == "labs"]
    fields = ["sum_squares_baseline", "sum_squares_value", "sum_squares_change", "sum_baseline", "sum_value",
              "sum_change", "change_median", "change_q1", "change_q3"]
    assert got == [("labs", 2, f, guard) for f in fields]


# ---- life tables ----------------------------------------------------------------------------------------------
def life(rows, parameters=PARAMETERS, total=10, with_teae=4):
    c = Checker()
    _life_tables(c, rows, parameters, total, with_teae)
    return c.problems


def test_the_life_tables_built_by_hand_are_consistent():
    assert life(TABLES["life_tables"]) == []
    assert life([], PARAMETERS) == []
    exact = _life("time to first TEAE", [(10, 2, 1), (7, 1, 0), (6, 1, 5)], horizon=False) + _life(
        "time on DTT", [(10, 0, 1), (9, 2, 1), (6, 3, 3)], horizon=False)
    assert life(exact, {"event_times": True}) == []


def test_a_life_table_of_an_unknown_parameter_or_without_one_of_them():
    rows = copy.deepcopy(TABLES["life_tables"])
    for r in rows[3:]:
        r["parameter"] = "time on dtt"
    assert life(rows) == [
        ("life_tables", 4, "parameter", "must be one of time to first TEAE, time on DTT (value: 'time on dtt')"),
        ("life_tables", 5, "parameter", "must be one of time to first TEAE, time on DTT (value: 'time on dtt')"),
        ("life_tables", 6, "parameter", "must be one of time to first TEAE, time on DTT (value: 'time on dtt')"),
        ("life_tables", None, "parameter", "no rows for 'time on DTT'")]
    # the other parameter is still checked (its first row: 9 at risk of the 10 patients)
    rows = copy.deepcopy(TABLES["life_tables"][3:])
    rows[0]["at_risk"] = 9
    assert life(rows) == [("life_tables", None, "parameter", "no rows for 'time to first TEAE'"),
                          ("life_tables", 1, "at_risk", "9 at risk at the start, but 10 patients (baseline_counts)"),
                          ("life_tables", 2, "at_risk", "9 at risk, but the previous row leaves 8 (9 − 0 events − 1 "
                                                        "censored)")]


def test_a_life_table_follows_the_monthly_grid_of_its_horizon():
    grid = ("the rows of 'time on DTT' are not the monthly grid 0, 1, …, 2 of the parameters "
            "(life_table_horizon)")
    rows = copy.deepcopy(TABLES["life_tables"])
    rows[5]["end"] = 3
    assert life(rows) == [("life_tables", 4, "start", grid)]
    assert life(rows, {"life_table_horizon": "2"}) == []  # no declared horizon: no grid to follow
    assert life(TABLES["life_tables"], {"life_table_horizon": 3}) == [
        ("life_tables", 1, "start", grid.replace("'time on DTT'", "'time to first TEAE'").replace("2 of", "3 of")),
        ("life_tables", 4, "start", grid.replace("2 of", "3 of"))]


def test_exact_event_times_are_distinct_and_increasing():
    rows = _life("time to first TEAE", [(10, 2, 1), (7, 1, 0), (6, 1, 5)], horizon=False) + _life(
        "time on DTT", [(10, 0, 1), (9, 2, 1), (6, 3, 3)], horizon=False)
    rows[2]["time"] = 1.0  # 0.5, 1.0, 1.0
    order = "the times of 'time to first TEAE' are not distinct and in increasing order"
    assert life(rows, {"event_times": True}) == [("life_tables", 1, "time", order)]
    rows[2]["time"] = 0.75  # 0.5, 1.0, 0.75
    assert life(rows, {"event_times": True}) == [("life_tables", 1, "time", order)]
    rows[2]["time"] = W
    assert life(rows, {"event_times": True}) == []
    assert life(rows, {"event_times": 1, "life_table_horizon": 2}) == [
        ("life_tables", 1, "start", "the rows of 'time to first TEAE' are not the monthly grid 0, 1, …, 2 of the "
                                    "parameters (life_table_horizon)"),
        ("life_tables", 4, "start", "the rows of 'time on DTT' are not the monthly grid 0, 1, …, 2 of the "
                                    "parameters (life_table_horizon)")]


def test_the_patients_at_risk_follow_from_the_row_before():
    rows = copy.deepcopy(TABLES["life_tables"])
    rows[0]["at_risk"] = 9
    rows[4]["at_risk"] = 8
    assert life(rows) == [
        ("life_tables", 1, "at_risk", "9 at risk at the start, but 10 patients (baseline_counts)"),
        ("life_tables", 2, "at_risk", "7 at risk, but the previous row leaves 6 (9 − 2 events − 1 censored)"),
        ("life_tables", 5, "at_risk", "8 at risk, but the previous row leaves 9 (10 − 0 events − 1 censored)"),
        ("life_tables", 6, "at_risk", "6 at risk, but the previous row leaves 5 (8 − 2 events − 1 censored)")]
    assert life(TABLES["life_tables"], total=W, with_teae=4) == []
    rows = copy.deepcopy(TABLES["life_tables"])
    rows[1]["censored"] = W
    assert life(rows) == []


def test_events_and_censored_within_the_patients_at_risk_and_adding_up_to_all():
    rows = copy.deepcopy(TABLES["life_tables"])
    rows[2]["censored"] = 6
    assert life(rows) == [
        ("life_tables", 3, "events", "1 events + 6 censored exceed the 6 at risk"),
        ("life_tables", None, "events", "events + censored of 'time to first TEAE' add up to 11, not to the 10 "
                                        "patients")]
    rows[2]["censored"] = 4
    assert life(rows) == [
        ("life_tables", None, "events", "events + censored of 'time to first TEAE' add up to 9, not to the 10 "
                                        "patients")]
    rows[2]["censored"] = W
    assert life(rows) == []


def test_first_teaes_equal_the_patients_with_a_teae():
    assert life(TABLES["life_tables"], with_teae=5) == [
        ("life_tables", None, "events", "4 first TEAEs, but 5 patients with a TEAE (ae_incidence)")]
    assert life(TABLES["life_tables"], with_teae=W) == []
    t = changed("ae_incidence", 1, patients_with_event=5)  # the checker passes the All row of ae_incidence
    assert ("life_tables", None, "events", "4 first TEAEs, but 5 patients with a TEAE (ae_incidence)") \
        in problems(t)
    t = changed("baseline_counts", 1, UC=5, CD=6, Total=11)
    assert ("life_tables", 1, "at_risk", "10 at risk at the start, but 11 patients (baseline_counts)") \
        in problems(t)


# ---- the helpers ----------------------------------------------------------------------------------------------
def test_within_all_skips_a_cell_without_its_all_row_and_the_all_row_itself():
    c = Checker()
    _within_all(c, [(1, {"by": "disease", "n": 9}), (2, {"by": "disease", "n": 1})], ("n",), "t")
    assert c.problems == []
    _within_all(c, [(1, {"by": "All", "n": 3}), (2, {"by": "disease", "n": 3}), (3, {"by": "x", "n": 4})],
                ("n",), "t")
    assert c.problems == [("t", 3, "n", "4 is more than all patients' n in the same cell (3)")]


def test_margins_name_the_first_published_group_and_the_overall_row():
    c = Checker()
    rows = [(1, {"by": "disease", "n": 2}), (2, {"by": "All", "n": 3}), (3, {"by": "disease", "n": W}),
            (4, {"by": "disease", "n": 2}), (5, {"by": "All", "n": 99})]
    _margins(c, rows, ("n",), "t")
    assert c.problems == [("t", 1, "n", "the disease groups count 4, more than the overall 3")]
    c = Checker()
    _margins(c, [(1, {"by": "disease", "n": 2}), (2, {"by": "All", "n": 3}), (3, {"by": "disease", "n": 2})],
             ("n",), "t")
    assert c.problems == [("t", 2, "n", "the overall value 3 is not the sum over the disease groups (4)")]
    c = Checker()
    _margins(c, [(1, {"by": "disease", "n": 2}), (3, {"by": "disease", "n": 2})], ("n",), "t")
    _margins(c, [(2, {"by": "All", "n": 3}), (3, {"by": "disease", "n": W}), (4, {"by": "disease", "n": 3})],
             ("n",), "t")
    _margins(c, [(2, {"by": "All", "n": 0.3}), (3, {"by": "regimen", "n": 0.1}), (4, {"by": "regimen", "n": 0.2})],
             ("n",), "t")
    assert c.problems == []  # 0.1 + 0.2 is 0.3 to eight digits
    _margins(c, [(1, {"by": "All", "n": 3}), (2, {"by": "regimen", "n": 1}), (3, {"by": "regimen", "n": 1})],
             ("n",), "t")  # no disease rows: the regimen rows are still added up
    assert c.problems == [("t", 1, "n", "the overall value 3 is not the sum over the regimen groups (2)")]


@pytest.mark.parametrize("a, b, close", [(1.0, 1.0 + 1e-7, True), (1.0, 1.0 + 1.01e-7, False),
                                         (0.0, 1e-7, True), (0.0, 1.01e-7, False),
                                         (1e8, 1e8 + 10, True), (1e8, 1e8 + 10.1, False),
                                         (-1e8, -1e8 - 10, True), (-1e8 - 10.1, -1e8, False)])
def test_close_means_equal_to_eight_digits(a, b, close):
    assert _close(a, b) is close and _close(b, a) is close


def test_published_small_names_every_count_in_1_to_k_minus_1():
    t = {"response": [_resp("All", "All", 2, 9), _resp("disease", "UC", 0, W)],
         "ae_terms": [{"term": "x", "patients_with_event": 3, "events": 2.5}]}
    c = Checker()
    _published_small(c, t, 3)
    said = "below the declared minimum cell count K = 3, was published (it must be withheld as 'suppressed')"
    assert c.problems == [("response", 1, "n", f"a count of 2, {said}"),
                          ("ae_terms", 1, "events", f"a count of 2.5, {said}")]
    t1 = copy.deepcopy(t)
    t1["response"][0]["n"] = 0.5  # K = 1 is no disclosure control: not even a fraction of a patient is small
    for k in (None, 0, 1):
        c = Checker()
        _published_small(c, t1, k)
        assert c.problems == []
    c = Checker()
    _published_small(c, {"labs": [_lab("All", 1, 1, 1, 1, 1, 1, 1)]}, 2)
    assert c.problems == [("labs", 1, "n", "a count of 1, below the declared minimum cell count K = 2, was published "
                                          "(it must be withheld as 'suppressed')")]


@pytest.mark.parametrize("value,shown", [
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (0.5, "0.5"), (0.0, "0.0"),
    ("é", "'é'"), (["é"], '["é"]'), ([1, "é"], '[1, "é"]'), (True, "true"), (None, "null"),
    ("a" * 58, "'" + "a" * 58 + "'"),                   # 60 characters with the quotes: shown whole
    ("a" * 59, "'" + "a" * 56 + "…"),                   # 61: cut to 57 and an ellipsis
    (["a" * 60], '["' + "a" * 55 + "…"),                # JSON text is cut the same way
])
def test_a_value_in_a_message_is_shown_as_written(value, shown):
    assert _show(value) == shown
