"""The pooling's building blocks (``dttstudy.synthesis.multicentre.pooling``) on inputs small enough to work by hand:
which summaries may be pooled, the sum of one cell over centres with the centres that withheld it, the pooled-cell
rule, and survival from a life table (Kaplan–Meier and actuarial, Greenwood's log-log interval by its formula)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dttstudy.synthesis.multicentre.contract import IncompatibleSummaries
from dttstudy.synthesis.multicentre.pooling import (PooledAnalysis, _frame, _pooled_sum, _src, centre_label,
                                                    check_compatible, life_table_km)

S = "suppressed"


def _summary(centre, source=None, **envelope):
    s = {"format_version": 2, "package_version": "0.1.0", "parameters": {"level": 0.95, "labs": ["crp"]},
         "centre": centre}
    if source is not None:
        s["_source"] = source
    s.update(envelope)
    return s


# ---- which summaries may be pooled ---------------------------------------------------------------------------
def test_summaries_of_one_version_and_one_analysis_may_be_pooled():
    check_compatible([_summary("A"), _summary("B", parameters={"level": 0.95, "labs": ["crp", "albumin"]})])
    with pytest.raises(IncompatibleSummaries, match="^no centre summaries given$"):
        check_compatible([])


@pytest.mark.parametrize("key, value, said", [
    ("format_version", 3, "b.json has format_version 3 but a.json has 2: every centre must run the same version"),
    ("package_version", "0.2", "b.json has package_version '0.2' but a.json has '0.1.0': every centre must run the "
                               "same version"),
    ("parameters", {"level": 0.9}, "b.json differs from a.json in parameter(s) level: every centre must run the same "
                                   "analysis"),
    ("parameters", None, "b.json differs from a.json in parameter(s) level: every centre must run the same "
                         "analysis"),
])
def test_another_version_or_analysis_is_refused_naming_both_files(key, value, said):
    a, b = _summary("A", "a.json"), _summary("B", "b.json", **{key: value})
    with pytest.raises(IncompatibleSummaries) as err:
        check_compatible([a, _summary("C", "c.json"), b])
    assert str(err.value) == said


def test_the_second_summary_is_compared_too_and_every_differing_parameter_is_named():
    a, b = _summary("A", "a.json"), _summary("B", "b.json", parameters={"level": 0.9, "labs": ["crp"], "k": 1})
    with pytest.raises(IncompatibleSummaries, match=r"^b\.json differs from a\.json in parameter\(s\) k, level: "):
        check_compatible([a, b])


def test_a_centre_label_given_twice_is_refused():
    with pytest.raises(IncompatibleSummaries, match=r"^centre label\(s\) given twice: A, B$"):
        check_compatible([_summary("B"), _summary("A"), _summary("A"), _summary("C"), _summary("B")])
    check_compatible([_summary(None, "A.json"), _summary(None, "dir/B.json")])
    with pytest.raises(IncompatibleSummaries, match="given twice: A$"):
        check_compatible([_summary(None, "A.json"), _summary("A")])


@pytest.mark.parametrize("s, src, label", [({"_source": "a.json", "centre": "A"}, "a.json", "A"),
                                           ({"centre": "A"}, "A", "A"), ({"_source": "in/b.json"}, "in/b.json", "b"),
                                           ({}, "summary", "centre"), ({"_source": "", "centre": ""}, "summary", "")])
def test_a_summary_is_named_by_its_file_and_labelled_by_its_centre(s, src, label):
    assert _src(s) == src and centre_label(s) == label


# ---- one cell summed over centres ----------------------------------------------------------------------------
def test_a_table_no_centre_sent_is_an_empty_frame_with_the_centre_and_the_keys():
    out = _frame([{"tables": {}}, {"tables": {"t": []}}], "t", ["k", "j"])
    assert out.empty and list(out.columns) == ["centre", "k", "j"]
    two = _frame([{"centre": "A", "tables": {"t": [{"k": 1}]}}, {"centre": "B", "tables": {"t": [{"k": 2}]}}], "t",
                 ["k"])
    assert two.to_dict("records") == [{"centre": "A", "k": 1}, {"centre": "B", "k": 2}]
    assert two.index.tolist() == [0, 1]


def test_a_cell_withheld_by_two_centres_names_both():
    df = pd.DataFrame([{"centre": "A", "k": "x", "v": S}, {"centre": "B", "k": "x", "v": 2},
                       {"centre": "C", "k": "x", "v": S}])
    assert _pooled_sum(df, ["k"], ["v"]).to_dict("records") == [
        {"k": "x", "v": 2.0, "centres": 1, "contributing_centres": "B", "withheld_centres": "A, C"}]


def test_a_cell_is_summed_over_the_centres_that_published_it():
    df = pd.DataFrame([
        {"centre": "A", "m": 3, "g": "UC", "n": 2, "N": 5},
        {"centre": "B", "m": 3, "g": "UC", "n": 4, "N": 6},
        {"centre": "C", "m": 3, "g": "UC", "n": S, "N": 7},  # withheld: its row is left out of both sums
        {"centre": "A", "m": None, "g": "CD", "n": 1, "N": 1},
        {"centre": "B", "m": None, "g": "CD", "n": "3", "N": "8"},  # numbers as text are read as numbers
        {"centre": "C", "m": 6, "g": "UC", "n": S, "N": S},
    ])
    out = _pooled_sum(df, ["m", "g"], ["n", "N"])
    assert out.to_dict("records") == [
        {"m": 3, "g": "UC", "n": 6.0, "N": 11.0, "centres": 2, "contributing_centres": "A, B",
         "withheld_centres": "C"},
        {"m": None, "g": "CD", "n": 4.0, "N": 9.0, "centres": 2, "contributing_centres": "A, B",
         "withheld_centres": ""},
        {"m": 6, "g": "UC", "n": 0.0, "N": 0.0, "centres": 0, "contributing_centres": "", "withheld_centres": "C"},
    ]
    assert out["centres"].dtype == np.int64 and out["n"].dtype == float


def test_a_cell_nobody_withheld_and_a_table_everybody_withheld():
    df = pd.DataFrame([{"centre": "A", "k": "x", "v": 1.5}, {"centre": "B", "k": "x", "v": 2.0}])
    assert _pooled_sum(df, ["k"], ["v"]).to_dict("records") == [
        {"k": "x", "v": 3.5, "centres": 2, "contributing_centres": "A, B", "withheld_centres": ""}]
    df = pd.DataFrame([{"centre": "A", "k": "x", "v": S}, {"centre": "B", "k": "y", "v": S}])
    assert _pooled_sum(df, ["k"], ["v"]).to_dict("records") == [
        {"k": "x", "v": 0.0, "centres": 0, "contributing_centres": "", "withheld_centres": "A"},
        {"k": "y", "v": 0.0, "centres": 0, "contributing_centres": "", "withheld_centres": "B"}]


def test_the_pooled_cell_rule_withholds_a_sum_over_part_of_the_centres_or_shows_it_marked():
    df = pd.DataFrame({"n": [6, 4, 0], "N": [11, 9, 0], "contributing_centres": ["A, B", "A, B", ""],
                       "withheld_centres": ["C", None, "C"]})
    out = PooledAnalysis()._withhold(df, ["n", "N"])
    assert out["complete"].tolist() == [False, True, False]
    assert out[["n", "N"]].to_numpy().tolist()[1] == [4.0, 9.0]
    assert out[["n", "N"]].isna().to_numpy().tolist() == [[True, True], [False, False], [True, True]]
    shown = PooledAnalysis(partial="show")._withhold(df, ["n", "N"])
    assert shown["complete"].tolist() == [False, True, False]
    assert shown["n"].tolist()[:2] == [6, 4] and math.isnan(shown["n"].tolist()[2])  # over no centre: nothing
    assert df["n"].tolist() == [6, 4, 0] and "complete" not in df  # the frame given is left as it was
    whole = PooledAnalysis()._withhold(df.assign(withheld_centres=""), ["n", "N"])
    assert whole["n"].tolist() == [6, 4, 0] and whole["complete"].all()
    with pytest.raises(ValueError, match=r"^partial must be one of withhold, show, not 'hide'$"):
        PooledAnalysis(partial="hide")


# ---- survival from a life table ------------------------------------------------------------------------------
def _greenwood_loglog(s, v, z):
    """S^exp(±z √V / |log S|): Greenwood's V = Σ d / (n (n − d)) on the log-log scale."""
    se = math.sqrt(v) / abs(math.log(s))
    return s ** math.exp(z * se), s ** math.exp(-z * se)


def test_kaplan_meier_from_one_row_per_time():
    # 5 patients: an event at 1; an event and a censoring at 2; two censorings at 3
    tab = pd.DataFrame({"time": [3.0, 1.0, 2.0], "events": [0, 1, 1], "censored": [2, 0, 1]})  # any order
    out = life_table_km(tab, 5)
    z = 1.959963984540054
    assert out["time"].tolist() == [1.0, 2.0, 3.0]
    assert out["at_risk"].tolist() == [5, 4, 2] and out["events"].tolist() == [1, 1, 0]
    assert out["censored"].tolist() == [0, 1, 2]
    assert out["survival"].tolist() == pytest.approx([4 / 5, 4 / 5 * 3 / 4, 3 / 5], rel=1e-12)
    v1, v2 = 1 / (5 * 4), 1 / (5 * 4) + 1 / (4 * 3)
    for i, (s, v) in enumerate([(0.8, v1), (0.6, v2), (0.6, v2)]):
        lo, hi = _greenwood_loglog(s, v, z)
        assert (out["ci_lower"][i], out["ci_upper"][i]) == pytest.approx((lo, hi), rel=1e-12)
    assert set(out["ci_type"]) == {"log-log (exponential Greenwood)"}
    lo90 = _greenwood_loglog(0.8, v1, 1.6448536269514722)[0]
    assert life_table_km(tab, 5, level=0.9)["ci_lower"][0] == pytest.approx(lo90, rel=1e-12)


def test_an_actuarial_table_counts_a_censored_patient_at_risk_for_half_the_interval():
    tab = pd.DataFrame({"start": [0, 1, 2], "events": [1, 1, 0], "censored": [0, 1, 2]})
    out = life_table_km(tab, 5, time="start", actuarial=True)
    # n' = 5, 4 − 1/2, 2 − 2/2: S = 4/5, then × (1 − 1/3.5); the last interval has no event
    s2 = 0.8 * (1 - 1 / 3.5)
    assert out["at_risk"].tolist() == [5, 4, 2]
    assert out["survival"].tolist() == pytest.approx([0.8, s2, s2], rel=1e-12)
    v2 = 1 / (5 * 4) + 1 / (3.5 * 2.5)
    assert (out["ci_lower"][1], out["ci_upper"][1]) == pytest.approx(_greenwood_loglog(s2, v2, 1.959963984540054),
                                                                     rel=1e-12)
    assert list(out.columns) == ["start", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper",
                                 "ci_type"]


def test_survival_at_one_and_at_zero_and_an_empty_table():
    tab = pd.DataFrame({"time": [1.0, 2.0, 3.0], "events": [0, 2, 0], "censored": [1, 0, 0]})
    out = life_table_km(tab, 3)
    # no event at 1: S = 1 with the interval (1, 1); both remaining patients have an event at 2: S = 0, (0, 0);
    # nobody is left at 3
    assert out["survival"].tolist() == [1.0, 0.0, 0.0]
    assert out["ci_lower"].tolist() == [1.0, 0.0, 0.0] and out["ci_upper"].tolist() == [1.0, 0.0, 0.0]
    assert out["at_risk"].tolist() == [3, 2, 0]
    assert out[["at_risk", "events", "censored"]].dtypes.tolist() == [np.dtype(int)] * 3
    empty = life_table_km(pd.DataFrame({"time": [], "events": [], "censored": []}), 4)
    assert empty.empty and list(empty.columns) == ["time", "at_risk", "events", "censored", "survival", "ci_lower",
                                                   "ci_upper", "ci_type"]


def test_a_last_patient_with_an_event_and_rows_after_everyone_left():
    # 3 patients: an event at 1 (3 at risk), two censored at 2, nobody at risk at 3: S stays at 2/3 with the
    # interval of time 1; then one patient, who has an event: S = 0
    tab = pd.DataFrame({"time": [1.0, 2.0, 3.0], "events": [1, 0, 0], "censored": [0, 2, 0]})
    out = life_table_km(tab, 3)
    lo, hi = _greenwood_loglog(2 / 3, 1 / (3 * 2), 1.959963984540054)
    assert out["survival"].tolist() == pytest.approx([2 / 3] * 3, rel=1e-12)
    assert out["ci_lower"].tolist() == pytest.approx([lo] * 3, rel=1e-12)
    assert out["ci_upper"].tolist() == pytest.approx([hi] * 3, rel=1e-12)
    one = life_table_km(pd.DataFrame({"time": [1.0, 2.0], "events": [0, 1], "censored": [1, 0]}), 2)
    assert one["at_risk"].tolist() == [2, 1] and one["survival"].tolist() == [1.0, 0.0]


def test_a_response_cell_without_a_month_is_refused_before_pooling():
    """Every response cell is of a month (export-summary writes the endoscopy horizon as the month of the last
    endoscopy): a null month is named by the checker, not met by the pool."""
    from test_summary_checker import edited, summary

    from dttstudy.synthesis.multicentre import pool

    def edit(s):
        s["tables"]["response"][0]["month"] = None
    with pytest.raises(IncompatibleSummaries) as err:
        pool([edited(summary("C1"), edit), edited(summary("C2", input_hash="cd" * 32), edit)], min_cell=0)
    assert [(p.source, p.table, p.row, p.field, p.rule) for p in err.value.problems] == [
        (f"summary {j} (centre C{j})", "response", 1, "month", "must be a number (value: null)") for j in (1, 2)]
