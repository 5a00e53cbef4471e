"""The GRADE rating-down rules at their edges, each expectation worked out by hand from the rule's definition."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dttstudy.synthesis.certainty import (MEANING, GradeRules, _imprecision, _inconsistency, _indirectness,
                                          _per_100, _risk_of_bias, _statement, summary_of_findings)

RULES = GradeRules()


@pytest.mark.parametrize("row", [{}, {"pooled_pct": 50.0}, {"pooled_pct": 0.0, "tau2": 1.0},
                                 {"pooled_pct": 100.0, "tau2": 1.0}, {"pooled_pct": 50.0, "tau2": math.inf}])
def test_inconsistency_not_assessable_without_a_model_or_at_0_or_100(row):
    assert _inconsistency(row, RULES) == (0, "not serious: not assessable: one study or no fitted model")


def test_inconsistency_by_hand():
    assert _inconsistency({"pooled_pct": 50.0, "tau2": 0.0}, RULES) == (
        0, "not serious: τ² = 0: no spread between the studies beyond chance")
    # mu = logit(0.5) = 0, tau = 1: 95 % of the true proportions between expit(-1.96) = 12.3 % and 87.7 %,
    # 75 points apart, wider than 40
    level, text = _inconsistency({"pooled_pct": 50.0, "tau2": 1.0, "pi_low": 5.0, "pi_high": 95.0}, RULES)
    assert (level, text) == (1, "serious (−1): τ² = 1.00: 95% of the studies' true proportions between 12% and 88% "
                                "(prediction interval 5% to 95%)")
    # without a prediction interval nothing is quoted; a spread narrower than the limit is not serious
    assert _inconsistency({"pooled_pct": 50.0, "tau2": 1.0}, RULES)[1].endswith("between 12% and 88%")
    assert _inconsistency({"pooled_pct": 50.0, "tau2": 1.0}, GradeRules(spread_width=80.0))[0] == 0
    # the limit itself is not "wider than": a spread exactly at it is not serious
    width = 100 / (1 + math.exp(-1.959963984540054)) - 100 / (1 + math.exp(1.959963984540054))
    assert _inconsistency({"pooled_pct": 50.0, "tau2": 1.0}, GradeRules(spread_width=width))[0] == 0


@pytest.mark.parametrize("row,rules,expected", [
    ({"ci_low": 40.0, "ci_high": 80.0, "patients": 50}, RULES,
     (2, "very serious (−2): 95% CI 40 percentage points wide; 50 patients")),
    ({"ci_low": 40.0, "ci_high": 70.0, "patients": 100}, RULES,            # exactly at both limits
     (0, "not serious: 95% CI 30 percentage points wide; 100 patients")),
    ({"ci_low": 40.0, "ci_high": 70.5, "patients": 100}, RULES, (1, None)),
    ({"ci_low": 40.0, "ci_high": 60.0, "patients": 99}, RULES, (1, None)),
    ({"ci_low": 40.0, "patients": 500}, RULES,               # no upper limit: not estimable, as wide as can be
     (1, "serious (−1): 95% CI not estimable; 500 patients")),
    ({"ci_low": math.nan, "ci_high": math.nan, "patients": 20}, RULES,
     (2, "very serious (−2): 95% CI not estimable; 20 patients")),
    ({"ci_low": 40.0, "ci_high": 60.0, "patients": None}, RULES, (1, None)),
    ({"ci_low": 40.0, "ci_high": 60.0, "patients": 60}, GradeRules(min_patients=50), (0, None)),
    ({"ci_low": 40.0, "ci_high": 60.0, "patients": 500}, GradeRules(ci_width=15), (1, None)),
])
def test_imprecision_by_hand(row, rules, expected):
    level, text = _imprecision(row, rules)
    assert level == expected[0] and (expected[1] is None or text == expected[1])


def _studies(totals, risks, months=None, definitions=None):
    ids = [f"S{i}" for i in range(len(totals))]
    rows = pd.DataFrame({"study_id": ids, "label": [f"Study {i}" for i in range(len(totals))], "total": totals,
                         "timepoint_months": months or [6] * len(totals),
                         "outcome_definition": definitions or ["d"] * len(totals)})
    return rows, dict(zip(ids, risks))


def test_risk_of_bias_by_hand():
    rows, overall = _studies([10, 10], ["high", "low"])
    # exactly half the patients at high risk is not more than half
    assert _risk_of_bias(rows, overall, RULES) == (0, "not serious: 50% of patients from studies at high risk "
                                                      "(Study 0)")
    rows, overall = _studies([11, 10], ["high", "low"])
    assert _risk_of_bias(rows, overall, RULES)[0] == 1
    rows, overall = _studies([5, 7], ["high", "high"])
    assert _risk_of_bias(rows, overall, RULES) == (2, "very serious (−2): every study at high risk "
                                                      "(Study 0, Study 1)")
    # a study without an appraisal is not at high risk; none named
    rows, overall = _studies([5, 7], ["low", None])
    assert _risk_of_bias(rows, {"S0": "low"}, RULES) == (0, "not serious: 0% of patients from studies at high risk")
    assert _risk_of_bias(rows, overall, GradeRules(rob_share=0.0))[0] == 0


def test_indirectness_by_hand():
    rows, _ = _studies([5, 5], ["low", "low"], months=[3, 9])
    # a span of exactly 6 months is not more than 6
    assert _indirectness(rows, RULES) == (0, "not serious: one timepoint window and one definition")
    rows, _ = _studies([5, 5, 5], ["low"] * 3, months=[3, 9.5, "6-12"], definitions=["a", "b", "a"])
    assert _indirectness(rows, RULES) == (
        1, "serious (−1): 1 study without a single timepoint; timepoints from 3 to 9.5 months; 2 outcome definitions")
    rows, _ = _studies([5, 5, 5], ["low"] * 3, months=["6-12", None, 3])
    assert _indirectness(rows, RULES)[1] == "serious (−1): 2 studies without a single timepoint"
    rows, _ = _studies([5, 5], ["low", "low"], months=[3, 9.5])
    assert _indirectness(rows, GradeRules(timepoint_span=7))[0] == 0


def test_statements_follow_grades_wording():
    assert _statement("very low", "Clinical response") == (
        "The evidence is very uncertain about the proportion of patients with clinical response on dual-targeted "
        "therapy.")
    assert _statement("moderate", "Clinical response").startswith("The pooled value probably describes")
    assert "may be substantially different" in _statement("low", "Clinical remission")


def test_per_100_by_hand():
    assert _per_100({"pooled_pct": 41.6, "ci_low": 30.4, "ci_high": 53.5}) == "42 in 100 (95% CI 30 to 54)"
    assert _per_100({"pooled_pct": 41.6, "ci_low": math.nan, "ci_high": 53.5}) == "42 in 100 (95% CI not estimable)"
    assert _per_100({"pooled_pct": 41.6}) == "42 in 100 (95% CI not estimable)"
    assert _per_100({"pooled_pct": 41.6, "ci_low": 30.4}) == "42 in 100 (95% CI not estimable)"


def test_inconsistency_edges_of_the_row():
    # a pooled proportion under 1 % is assessable: mu = logit(0.005) = -5.293, tau = 1 gives
    # expit(-7.253) = 0.07 % to expit(-3.333) = 1 / (1 + 28.0) = 3.4 %, 3 points apart
    level, text = _inconsistency({"pooled_pct": 0.5, "tau2": 1.0}, RULES)
    assert (level, text) == (0, "not serious: τ² = 1.00: 95% of the studies' true proportions between 0% and 3%")
    # a row with tau2 but without a pooled proportion has no model to assess
    assert _inconsistency({"tau2": 1.0}, RULES)[0] == 0
    assert _inconsistency({"tau2": 1.0}, RULES)[1].endswith("not assessable: one study or no fitted model")
    # a prediction interval is quoted only when both of its limits are there
    base = {"pooled_pct": 50.0, "tau2": 1.0}
    assert _inconsistency({**base, "pi_low": 5.0}, RULES)[1].endswith("between 12% and 88%")
    assert _inconsistency({**base, "pi_low": math.nan, "pi_high": 95.0}, RULES)[1].endswith("between 12% and 88%")


def test_risk_of_bias_share_and_no_patients():
    # 11 of 21 patients at high risk: 52.4 %, printed 52 %
    rows, overall = _studies([11, 10], ["high", "low"])
    assert _risk_of_bias(rows, overall, RULES) == (
        1, "serious (−1): 52% of patients from studies at high risk (Study 0)")
    # no pooled patients: a share of 0, not a division by zero
    rows, overall = _studies([], [])
    assert _risk_of_bias(rows, overall, RULES) == (0, "not serious: 0% of patients from studies at high risk")


def test_indirectness_without_any_stated_timepoint_has_no_span():
    # no study states a single timepoint: there is no span, whatever the limit
    rows, _ = _studies([5, 5], ["low", "low"], months=["6-12", None])
    assert _indirectness(rows, GradeRules(timepoint_span=0.5)) == (
        1, "serious (−1): 2 studies without a single timepoint")


def test_imprecision_missing_fields():
    # no lower limit: not estimable; no patient count: 0 patients
    assert _imprecision({"ci_high": 60.0, "patients": 500}, RULES) == (
        1, "serious (−1): 95% CI not estimable; 500 patients")
    assert _imprecision({"ci_low": 40.0, "ci_high": 60.0}, RULES) == (
        1, "serious (−1): 95% CI 20 percentage points wide; 0 patients")
    assert _imprecision({"ci_low": 40.0, "ci_high": 60.0, "patients": None}, RULES) == (
        1, "serious (−1): 95% CI 20 percentage points wide; 0 patients")


def test_statement_for_every_level():
    what = "the proportion of patients with clinical remission on dual-targeted therapy"
    assert _statement("high", "Clinical remission") == f"The pooled value describes {what}."
    assert _statement("moderate", "Clinical remission") == f"The pooled value probably describes {what}."
    assert _statement("low", "Clinical remission") == (
        f"The pooled value may describe {what}; the true proportion may be substantially different.")
    assert _statement("very low", "Clinical remission") == f"The evidence is very uncertain about {what}."


def test_summary_of_findings_by_hand():
    """Three outcomes: one without a pool (k = 0), one without a fitted k (NaN), one pooled from two studies."""
    summary = pd.DataFrame({
        "outcome": ["clinical_response", "clinical_remission", "serious_ae"], "k": [0, 2, math.nan],
        "patients": [0, 30, 0], "pooled_pct": [math.nan, 40.0, math.nan], "ci_low": [math.nan, 20.0, math.nan],
        "ci_high": [math.nan, 60.0, math.nan], "pi_low": [math.nan] * 3, "pi_high": [math.nan] * 3,
        "tau2": [math.nan, 0.0, math.nan]})
    rows, overall = _studies([10, 20], ["high", "low"])
    out = summary_of_findings(summary, {"clinical_remission": rows}, overall)
    # risk of bias: 10 of 30 at high risk (33 %), not serious; inconsistency: tau2 = 0; indirectness: one timepoint,
    # one definition; imprecision: 40 points wide and 30 patients, very serious (-2): low - 2 = very low
    assert out.to_dict("records") == [{
        "outcome": "Clinical remission", "studies": 2, "patients": 30, "per_100": "40 in 100 (95% CI 20 to 60)",
        "risk_of_bias": "not serious: 33% of patients from studies at high risk (Study 0)",
        "inconsistency": "not serious: τ² = 0: no spread between the studies beyond chance",
        "indirectness": "not serious: one timepoint window and one definition",
        "imprecision": "very serious (−2): 95% CI 40 percentage points wide; 30 patients",
        "publication_bias": "not assessable: fewer than 10 studies (reporting bias likely; see text)",
        "downgrades": 2, "certainty": "very low", "meaning": MEANING["very low"],
        "statement": "The evidence is very uncertain about the proportion of patients with clinical remission on "
                     "dual-targeted therapy."}]


@pytest.mark.parametrize("k,expected", [(1, "not assessable: fewer than 10 studies (reporting bias likely; see text)"),
                                        (9, "not assessable: fewer than 10 studies (reporting bias likely; see text)"),
                                        (10, "not assessed")])
def test_publication_bias_needs_ten_studies(k, expected):
    rows, overall = _studies([10] * k, ["low"] * k)
    summary = pd.DataFrame({"outcome": ["clinical_remission"], "k": [k], "patients": [10 * k],
                            "pooled_pct": [40.0], "ci_low": [35.0], "ci_high": [45.0], "tau2": [0.0]})
    out = summary_of_findings(summary, {"clinical_remission": rows}, overall)
    assert out["publication_bias"].tolist() == [expected]
