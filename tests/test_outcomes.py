"""Response, remission and endoscopic rules at their boundaries; expected flags worked out by hand."""
from __future__ import annotations

import pytest

from dttstudy.analysis.outcomes import (clinical_remission, clinical_response, endoscopic_response, response_rates,
                               steroid_free, visit_at)

from builders import cd, cohort, combine, uc


def flag(df, pid):
    r = df.set_index("patient_id").loc[pid]
    return None if not r["evaluable"] else bool(r["responder"])


@pytest.mark.parametrize("base_pm,base_rb,fu_pm,fu_rb,expected", [
    (6, 2, 3, 1, True),     # drop exactly 3 (50 %), bleeding drop 1
    (5, 2, 3, 1, False),    # drop 2
    (10, 2, 7, 1, True),    # drop 3 = exactly 30 % (baseline 10 lies outside the score range; rule check only)
    (11, 2, 8, 1, False),   # drop 3 = 27 %
    (7, 2, 4, 2, False),    # bleeding unchanged at 2: neither drop >= 1 nor <= 1
    (7, 1, 4, 1, True),     # bleeding unchanged but <= 1
    (7, 3, 4, 2, True),     # bleeding drop exactly 1
    (9, 3, 2, 3, False),    # big drop but bleeding 3 -> 3
])
def test_uc_paper_definition(base_pm, base_rb, fu_pm, fu_rb, expected):
    c = combine(uc("U", base_pm, base_rb, fu_pm, fu_rb))
    assert flag(clinical_response(c, 3), "U") is expected


@pytest.mark.parametrize("base_pm,fu_pm,expected", [(6, 3, True), (7, 4, False), (2, 1, True), (8, 4, True)])
def test_uc_simple_definition_is_50_percent(base_pm, fu_pm, expected):
    c = combine(uc("U", base_pm, 3, fu_pm, 3))
    assert flag(clinical_response(c, 3, definition="simple"), "U") is expected


@pytest.mark.parametrize("base,fu,expected", [(8, 5, True), (8, 6, False), (12, 9, True), (5, 3, False)])
def test_cd_hbi_drop_of_three(base, fu, expected):
    c = combine(cd("C", base, fu))
    assert flag(clinical_response(c, 3), "C") is expected


@pytest.mark.parametrize("base_crp,fu_crp,uln,expected", [
    (6.0, 5.0, 5.0, True),    # normalised to exactly the ULN
    (6.0, 5.1, 5.0, False),
    (4.0, 1.0, 5.0, False),   # normal at baseline: nothing to normalise
    (12.0, 9.0, 10.0, True),  # other ULN
])
def test_cd_low_hbi_crp_normalisation(base_crp, fu_crp, uln, expected):
    c = combine(cd("C", 4, 4, base={"crp": base_crp}, fu={"crp": fu_crp}))
    r = clinical_response(c, 3, crp_uln=uln)
    assert flag(r, "C") is expected


@pytest.mark.parametrize("base_l,fu_l,expected", [(3, 1, True), (3, 2, False), (4, 2, True)])
def test_cd_low_hbi_limberg(base_l, fu_l, expected):
    c = combine(cd("C", 3, 3, base={"limberg": base_l}, fu={"limberg": fu_l}))
    assert flag(clinical_response(c, 3), "C") is expected


def test_cd_low_hbi_rule_variants():
    # baseline HBI 4 -> 1 (drop 3) without CRP normalisation or Limberg change
    c = combine(cd("A", 4, 1, base={"crp": 3.0}, fu={"crp": 2.0}),
                cd("B", 4, 3, base={"crp": 20.0}, fu={"crp": 2.0}),
                cd("D", 4, 1, base={"crp": 20.0}, fu={"crp": 2.0}))
    rep = clinical_response(c, 3)                         # replace: objective criterion only
    add = clinical_response(c, 3, low_hbi_rule="additional")  # HBI drop >= 3 and objective criterion
    simple = clinical_response(c, 3, definition="simple")  # HBI drop >= 3 alone
    assert [flag(rep, x) for x in "ABD"] == [False, True, True]
    assert [flag(add, x) for x in "ABD"] == [False, False, True]
    assert [flag(simple, x) for x in "ABD"] == [True, False, True]


def test_cd_above_low_threshold_ignores_crp():
    c = combine(cd("C", 5, 3, base={"crp": 20.0}, fu={"crp": 1.0}))
    assert flag(clinical_response(c, 3), "C") is False


def test_low_hbi_without_crp_or_limberg_is_not_evaluable():
    r = clinical_response(combine(cd("C", 3, 1)), 3).set_index("patient_id").loc["C"]
    assert not r["evaluable"] and "no CRP or Limberg" in r["not_evaluable_reason"]


@pytest.mark.parametrize("fu_month,evaluable", [(3.5, True), (2.5, True), (3.6, False), (2.4, False)])
def test_three_month_window_is_two_weeks(fu_month, evaluable):
    c = combine(uc("U", 6, 2, 2, 0, fu_month=fu_month))
    r = clinical_response(c, 3).set_index("patient_id").loc["U"]
    assert bool(r["evaluable"]) is evaluable
    if not evaluable:
        assert r["not_evaluable_reason"] == "no visit in window"


def test_closest_visit_wins_and_earlier_on_ties():
    p = {"patient_id": "U", "disease": "UC"}
    c = cohort([p], [{"patient_id": "U", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2},
                     {"patient_id": "U", "month": 5, "partial_mayo": 5, "rectal_bleeding": 2},
                     {"patient_id": "U", "month": 7, "partial_mayo": 1, "rectal_bleeding": 0},
                     {"patient_id": "U", "month": 6.5, "partial_mayo": 2, "rectal_bleeding": 0}])
    assert visit_at(c, 6)["month"].tolist() == [6.5]
    c2 = cohort([p], [{"patient_id": "U", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2},
                      {"patient_id": "U", "month": 5, "partial_mayo": 5, "rectal_bleeding": 2},
                      {"patient_id": "U", "month": 7, "partial_mayo": 1, "rectal_bleeding": 0}])
    assert visit_at(c2, 6)["month"].tolist() == [5.0]


def test_off_dtt_assessments_can_be_excluded():
    p, v = uc("U", 6, 2, 2, 0)
    v[1]["on_dtt"] = False
    c = cohort([p], v)
    assert flag(clinical_response(c, 3), "U") is True
    assert flag(clinical_response(c, 3, on_dtt_only=True), "U") is None


@pytest.mark.parametrize("score,base,fu,expected", [
    ("ses_cd", 10, 5, False),  # exactly 50 % is not > 50 %
    ("ses_cd", 10, 4, True),
    ("ses_cd", 0, 0, None),    # no % drop from 0: not evaluable
    ("mes", 2, 1, True),
    ("mes", 2, 2, False),
])
def test_endoscopic_response(score, base, fu, expected):
    dis = "CD" if score == "ses_cd" else "UC"
    c = cohort([{"patient_id": "X", "disease": dis}],
               [{"patient_id": "X", "month": 0, score: base}, {"patient_id": "X", "month": 6, score: fu}])
    assert flag(endoscopic_response(c), "X") is expected


def test_endoscopic_response_uses_last_endoscopy_within_horizon():
    c = cohort([{"patient_id": "X", "disease": "UC"}],
               [{"patient_id": "X", "month": 0, "mes": 3}, {"patient_id": "X", "month": 6, "mes": 2},
                {"patient_id": "X", "month": 12, "mes": 3}])
    assert flag(endoscopic_response(c, horizon=9), "X") is True
    assert flag(endoscopic_response(c, horizon=12), "X") is False
    assert flag(endoscopic_response(c, month=6), "X") is True
    assert flag(endoscopic_response(c, month=9), "X") is None


@pytest.mark.parametrize("dis,cells,expected", [
    ("CD", {"hbi": 4}, True), ("CD", {"hbi": 5}, False),
    ("UC", {"partial_mayo": 2, "rectal_bleeding": 0}, True),
    ("UC", {"partial_mayo": 2, "rectal_bleeding": 1}, False),
    ("UC", {"partial_mayo": 3, "rectal_bleeding": 0}, False),
])
def test_clinical_remission(dis, cells, expected):
    c = cohort([{"patient_id": "X", "disease": dis}],
               [{"patient_id": "X", "month": 0, "hbi": 9} if dis == "CD" else
                {"patient_id": "X", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2},
                {"patient_id": "X", "month": 3, **cells}])
    assert flag(clinical_remission(c, 3), "X") is expected


def test_steroid_free():
    c = cohort([{"patient_id": "A", "disease": "UC", "steroid_at_start": True, "steroid_stop_month": 2.0},
                {"patient_id": "B", "disease": "UC", "steroid_at_start": True},
                {"patient_id": "C", "disease": "UC"}],
               [{"patient_id": x, "month": 0} for x in "ABC"])
    at1 = steroid_free(c, 1).set_index("patient_id")["steroid_free"]
    at3 = steroid_free(c, 3).set_index("patient_id")["steroid_free"]
    assert at1.to_dict() == {"A": False, "B": False, "C": True}
    assert at3.to_dict() == {"A": True, "B": False, "C": True}


def _nri_cohort():
    # R responds at 3 and 6; N responds at 3, stops for no response at 4; E stops for an AE at 2 (no visit at 3);
    # D is de-escalated at 4 (missing at 6, not imputed)
    pats = [{"patient_id": "R", "disease": "UC"},
            {"patient_id": "N", "disease": "UC", "status": "discontinued", "stop_reason": "no_response",
             "dtt_months": 4},
            {"patient_id": "E", "disease": "UC", "status": "discontinued", "stop_reason": "adverse_event",
             "dtt_months": 2},
            {"patient_id": "D", "disease": "UC", "status": "discontinued", "stop_reason": "de_escalation",
             "dtt_months": 4}]
    v = []
    for pid in "RNED":
        v.append({"patient_id": pid, "month": 0, "partial_mayo": 7, "rectal_bleeding": 2})
    for pid in "RND":
        v.append({"patient_id": pid, "month": 3, "partial_mayo": 2, "rectal_bleeding": 0})
    v.append({"patient_id": "R", "month": 6, "partial_mayo": 1, "rectal_bleeding": 0})
    return cohort(pats, v)


def test_observed_and_nri_rates_by_hand():
    rates = response_rates(_nri_cohort(), (3, 6)).set_index(["analysis_set", "month"])
    # observed: 3 mo R, N, D respond (3/3); 6 mo only R assessed (1/1)
    assert tuple(rates.loc[("observed", 3), ["n", "N"]]) == (3, 3)
    assert tuple(rates.loc[("observed", 6), ["n", "N"]]) == (1, 1)
    # NRI: 3 mo adds E (stopped for an AE at 2) -> 3/4; 6 mo adds N and E -> 1/3; D stays missing
    assert tuple(rates.loc[("nri", 3), ["n", "N"]]) == (3, 4)
    assert tuple(rates.loc[("nri", 6), ["n", "N"]]) == (1, 3)


def test_rates_name_the_ci_method_and_stay_in_range():
    rates = response_rates(_nri_cohort(), (3, 6), ci_method="wilson")
    assert set(rates["ci_method"]) == {"Wilson score"}
    assert ((rates["ci_low"] <= rates["pct"]) & (rates["pct"] <= rates["ci_high"])).all()
    assert ((rates["ci_low"] >= 0) & (rates["ci_high"] <= 100)).all()


def test_rates_by_group_add_up_to_the_total():
    from dttstudy import load_cohort

    r = response_rates(load_cohort(), (3, 6, 9), by="disease", analysis_sets=("observed",))
    for m, g in r.groupby("month"):
        total = g[g["group"] == "All"].iloc[0]
        parts = g[g["by"] == "disease"]
        assert parts["n"].sum() == total["n"] and parts["N"].sum() == total["N"]


def test_unknown_arguments_are_rejected():
    c = _nri_cohort()
    with pytest.raises(ValueError):
        clinical_response(c, 3, definition="strict")
    with pytest.raises(ValueError, match="window"):
        clinical_response(c, 4)
    with pytest.raises(ValueError):
        response_rates(c, (3,), ci_method="wald")
