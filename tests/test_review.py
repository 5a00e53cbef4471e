"""The review around the pooling: selection flow, risk of bias, certainty of evidence, and this cohort placed on
its intention-to-treat count. Expected values are counted by hand from the data files or set up by hand."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.synthesis import review
from dttstudy.synthesis.certainty import GradeRules, summary_of_findings
from dttstudy.synthesis.literature import cohort_rows, load_literature, select
from dttstudy.synthesis.meta import pool_proportions
from dttstudy.synthesis.sensitivity import sensitivity_table

from conftest import ROOT, REFERENCE

PUBLISHED = ROOT / "data" / "published"
LIT = load_literature()


def _csv(name):
    with open(PUBLISHED / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_flow_counts_are_the_records_counted_by_hand():
    records = _csv("selection.csv")
    flow = review.selection_flow(review.load_selection(lit=LIT), LIT)
    n = {(r.route, r.box): r.n for r in flow.itertuples()}
    for route in review.ROUTES:
        mine = [r for r in records if r["identified_via"] == route]
        assert n[route, "identified"] == len(mine)
        assert n[route, "excluded_at_screening"] == sum(r["stage"] == "screened" for r in mine)
        assert n[route, "not_retrieved"] == sum(r["stage"] == "sought" for r in mine)
        assert n[route, "sought"] == len(mine) - n[route, "excluded_at_screening"]
        assert n[route, "assessed"] == n[route, "sought"] - n[route, "not_retrieved"]
        assert n[route, "assessed"] - n[route, "excluded_after_assessment"] == sum(r["stage"] == "included"
                                                                                 for r in mine)
    assert n["both", "included"] == LIT["study_id"].nunique() == 24
    assert n["both", "included_secondary"] == LIT.groupby("study_id")["verified"].all().eq(False).sum()
    # the main pool is derived, not stored: the studies select() keeps for any outcome
    pooled = {s for o in ("clinical_response", "clinical_remission", "endoscopic_response",
                          "endoscopic_remission", "any_ae", "serious_ae") for s in select(LIT, o)["study_id"]}
    assert n["both", "in_main_pool"] == len(pooled) == 4


def test_a_broken_selection_file_names_every_problem(tmp_path):
    rows = _csv("selection.csv")
    rows[0]["stage"] = "include"
    rows[30]["reason"] = ""
    rows.append(dict(rows[1]))  # a second included record for He 2025
    path = tmp_path / "selection.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ValueError) as err:
        review.load_selection(path, lit=LIT)
    text = str(err.value)
    assert "selection.csv" in text and "row 2, column stage" in text and "row 32, column reason" in text
    assert "'jin2025' has rows in literature.csv and no included record" in text
    assert "'R02' appears more than once" in text


def _rob(answers: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([{"study_id": s, "item": i + 1, "answer": a, "rationale": "x"}
                         for s, ans in answers.items() for i, a in enumerate(ans)])


def test_overall_risk_by_share_of_items_met():
    rob = _rob({"seven": ["yes"] * 7 + ["no"] * 3, "five": ["yes"] * 5 + ["unclear"] * 5,
                "four": ["yes"] * 4 + ["unclear"] * 6,
                "na": ["yes"] * 6 + ["not_applicable"] * 2 + ["no"] * 2})
    s = review.risk_of_bias_summary(rob).set_index("study_id")
    assert s["overall"].to_dict() == {"seven": "low", "five": "moderate", "four": "high", "na": "low"}  # 6/8
    assert s.loc["na", "applicable"] == 8 and s.loc["na", "share_yes"] == pytest.approx(0.75)
    strict = review.risk_of_bias_summary(rob, low=0.8, moderate=0.6).set_index("study_id")["overall"]
    assert strict.to_dict() == {"seven": "moderate", "five": "high", "four": "high", "na": "moderate"}
    with pytest.raises(ValueError):
        review.risk_of_bias_summary(rob, low=0.5, moderate=0.6)


def test_every_included_study_is_appraised_on_ten_items_with_reasons():
    rob = review.load_risk_of_bias(lit=LIT)
    assert set(rob["study_id"]) == set(LIT["study_id"])
    assert (rob.groupby("study_id")["item"].apply(sorted) == pd.Series([list(range(1, 11))] * 24,
            index=sorted(set(rob["study_id"])))).all()
    assert rob["rationale"].str.len().min() > 20


def test_sensitivity_without_high_risk_studies_pools_the_rest():
    main = select(LIT, "clinical_response")
    high = ["yin2025", "alayo2020", "goessens2021"]  # the last is not in the main pool
    sens = sensitivity_table(LIT, "clinical_response", high_risk=high, leave_one_out=False)
    row = sens[sens["analysis"] == "without studies at high risk of bias"].iloc[0]
    rest = main[~main["study_id"].isin(high)]
    ref = pool_proportions(rest["events"], rest["total"], method="GLMM")
    assert row["k"] == len(rest) == 2 and row["n"] == rest["total"].sum()
    assert row["pooled_pct"] == pytest.approx(100 * ref.proportion)
    assert "Alayo 2020" in row["detail"] and "Yin 2025" in row["detail"] and "Goessens" not in row["detail"]
    assert "without studies at high risk of bias" not in set(sensitivity_table(LIT, "clinical_response",
                                                                                leave_one_out=False)["analysis"])


def _pool(months, definitions, totals, ids):
    return pd.DataFrame({"study_id": ids, "label": ids, "total": totals, "timepoint_months": months,
                         "outcome_definition": definitions})


def test_grade_rates_down_by_each_rule():
    summary = pd.DataFrame([
        {"outcome": "clinical_response", "k": 3, "patients": 60, "pooled_pct": 50.0, "ci_low": 20.0,
         "ci_high": 80.0, "pi_low": 5.0, "pi_high": 95.0, "tau2": 1.5},
        {"outcome": "clinical_remission", "k": 5, "patients": 300, "pooled_pct": 50.0, "ci_low": 45.0,
         "ci_high": 55.0, "pi_low": 40.0, "pi_high": 60.0, "tau2": 0.01}])
    pools = {"clinical_response": _pool([3, 12, 6], ["a", "b", "a"], [20, 20, 20], ["s1", "s2", "s3"]),
             "clinical_remission": _pool([6] * 5, ["a"] * 5, [60] * 5, ["t1", "t2", "t3", "t4", "t5"])}
    risk = {"s1": "high", "s2": "high", "s3": "high", "t1": "high", "t2": "high", "t3": "low", "t4": "low",
            "t5": "moderate"}
    sof = summary_of_findings(summary, pools, risk).set_index("outcome")
    bad, good = sof.loc["Clinical response"], sof.loc["Clinical remission"]
    # every study high risk (2) + tau^2 1.5 around 50%: true proportions 8% to 92% (1) + 3 to 12 months,
    # 2 definitions (1) + CI 60 points and 60 patients (2): 6 levels below 'low', floored at very low
    assert bad["downgrades"] == 6 and bad["certainty"] == "very low"
    assert bad["risk_of_bias"].startswith("very serious") and bad["imprecision"].startswith("very serious")
    assert "3 to 12 months" in bad["indirectness"] and "2 outcome definitions" in bad["indirectness"]
    assert bad["statement"].startswith("The evidence is very uncertain")
    # 2 of 5 equal studies at high risk: 40% of patients, not more than half
    assert good["downgrades"] == 0 and good["certainty"] == "low" and " may describe " in good["statement"]
    assert good["risk_of_bias"] == "not serious: 40% of patients from studies at high risk (t1, t2)"
    assert good["per_100"] == "50 in 100 (95% CI 45 to 55)"
    # expit(±1.96 × 0.1) = 45.1% to 54.9%; expit(±1.96 × 1.2247) = 8.3% to 91.7% (by hand)
    assert "between 45% and 55%" in good["inconsistency"] and good["inconsistency"].startswith("not serious")
    assert "between 8% and 92%" in bad["inconsistency"] and bad["inconsistency"].startswith("serious")
    strict = summary_of_findings(summary, pools, risk, GradeRules(ci_width=5, rob_share=0.3)).set_index("outcome")
    assert strict.loc["Clinical remission", "downgrades"] == 2
    assert strict.loc["Clinical remission", "certainty"] == "very low"


def test_the_predictive_check_takes_the_intention_to_treat_count():
    cohort = load_cohort()
    rows = cohort_rows(cohort, 9, analysis_sets=("nri", "observed"))
    crr = rows[rows["outcome"] == "clinical_response"].set_index("analysis_set")
    t = pd.read_csv(REFERENCE / "treatments.csv")
    failed = ((t["status"] == "discontinued") & t["stop_reason"].isin(["no_response", "adverse_event"])
              & (t["dtt_months"] <= 9)).sum()
    assert (crr.loc["observed", "events"], crr.loc["observed", "total"]) == (7, 7)  # the paper's 7/7
    assert crr.loc["nri", "total"] == crr.loc["observed", "total"] + failed == 11
    assert crr.loc["nri", "events"] == 7 and not crr.loc["nri", "published"]
    ae = rows[rows["outcome"] == "any_ae"].set_index("analysis_set")
    assert ae.loc["nri", "total"] == ae.loc["observed", "total"] == len(cohort.patients)
    with pytest.raises(ValueError):
        cohort_rows(cohort, 9, analysis_sets=("itt",))


def _study(sid, design, country="China", population="adult", year=2025, overlaps=""):
    return {"study_id": sid, "design": design, "country": country, "population": population, "year": year,
            "overlaps_with": overlaps}


def test_possible_overlaps_follow_the_written_rule():
    from dttstudy.synthesis.literature import possible_overlaps

    lit = pd.DataFrame([
        _study("a", "retrospective single centre (Xijing IBD Center)"),
        _study("b", "retrospective single centre, two arms"),                   # unnamed: may be Xijing
        _study("c", "retrospective single centre (Yancheng hospital)"),          # named elsewhere than a
        _study("d", "retrospective multicentre (3 hospitals)"),                 # not single centre
        _study("e", "retrospective single centre", population="paediatric"),    # other population
        _study("f", "retrospective single centre", year=2021),                  # 4 years apart
        _study("g", "retrospective single centre", country="USA"),              # other country
        _study("h", "retrospective single centre", overlaps="a")])              # already known to overlap a
    # by hand: a-b, b-c, b-h (h unnamed, not flagged with b); a-h is a known overlap, not a possible one
    assert possible_overlaps(lit) == [("a", "b"), ("b", "c"), ("b", "h"), ("c", "h")]


def test_the_possible_overlap_sensitivity_keeps_the_larger_study():
    sens = sensitivity_table(LIT, "clinical_response", leave_one_out=False).set_index("analysis")
    row = sens.loc["possible overlaps resolved"]
    kept = select(LIT, "clinical_response", possible_overlaps=True)
    assert set(kept["study_id"]) == {"alayo2020", "yin2025"}  # He 2025 (20) and Ye 2026 (26) give way to Yin (43)
    assert row["k"] == 2 and row["n"] == kept["total"].sum()


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


_SEL = ["record_id", "citation", "study_id", "identified_via", "report", "stage", "reason"]


def test_a_selection_file_without_a_column_is_refused_by_name(tmp_path):
    path = _write(tmp_path / "selection.csv", ["record_id", "citation", "identified_via", "report", "stage"],
                  [["R01", "A et al. 2020", "database_or_register", "abstract", "screened"]])
    with pytest.raises(ValueError) as err:
        review.load_selection(path)
    # the columns of the file's definition that are absent, in the definition's order
    assert str(err.value) == "selection.csv: column(s) study_id, reason missing"


def test_every_selection_problem_is_listed_with_its_csv_line(tmp_path):
    path = _write(tmp_path / "selection.csv", _SEL, [
        ["R01", "A 2020", "", "database_or_register", "abstract", "include", ""],      # line 2
        ["R02", "B 2021", "", "other_methods", "review", "included", ""],              # line 3
        ["R03", "C 2022", "nosuch2022", "database_or_register", "abstract", "included", ""],  # line 4
        ["R04", "D 2023", "known2023", "database_or_register", "abstract", "included", ""],   # line 5
    ])
    lit = pd.DataFrame({"study_id": ["known2023", "known2023", "other2024"]})
    with pytest.raises(ValueError) as err:
        review.load_selection(path, lit=lit)
    # row problems in file order, then the literature cross-checks (the unnamed included record of line 3 is
    # reported once, as unnamed); line = index + 2 (header is line 1)
    assert str(err.value) == (
        "selection.csv: 5 problem(s):\n"
        "  row 2, column stage: 'include' not one of screened, sought, assessed, included\n"
        "  row 2, column reason: a record not included needs its reason\n"
        "  row 3, column study_id: an included record names its study\n"
        "  study 'other2024' has rows in literature.csv and no included record\n"
        "  row 4, column study_id: 'nosuch2022' is included but has no rows in literature.csv")


def _rob_rows(study, items, answers=None, rationale=None):
    answers = answers or {}
    rationale = rationale or {}
    return [[study, str(i), answers.get(k, "yes"), rationale.get(k, "stated in the abstract")]
            for k, i in enumerate(items)]


def test_every_risk_of_bias_problem_is_listed_with_its_csv_line(tmp_path):
    # 'zeta' comes first in the file: lines 2-11, item 10 typed as 11 (line 11);
    # 'alpha' lines 12-21: item 1 twice and no item 10, a bad answer on line 13, a blank rationale on line 14
    rows = (_rob_rows("zeta", list(range(1, 10)) + [11])
            + _rob_rows("alpha", [1] + list(range(1, 10)), answers={1: "maybe"}, rationale={2: "  "}))
    path = _write(tmp_path / "risk_of_bias.csv", ["study_id", "item", "answer", "rationale"], rows)
    lit = pd.DataFrame({"study_id": ["zeta", "alpha", "omega", "omega"]})
    with pytest.raises(ValueError) as err:
        review.load_risk_of_bias(path, lit=lit)
    # studies are reported in the file's order (zeta before alpha), item numbers sorted as numbers
    assert str(err.value) == (
        "risk_of_bias.csv: 6 problem(s):\n"
        "  row 11, column item: '11' not an item number 1–10\n"
        "  row 13, column answer: 'maybe' not one of yes, no, unclear, not_applicable\n"
        "  row 14, column rationale: every answer needs its rationale\n"
        "  study 'zeta': items 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 (needs each of 1–10 once)\n"
        "  study 'alpha': items 1, 1, 2, 3, 4, 5, 6, 7, 8, 9 (needs each of 1–10 once)\n"
        "  study 'omega' has rows in literature.csv and is not appraised")


def test_a_valid_risk_of_bias_file_is_read_from_the_path_given(tmp_path):
    path = _write(tmp_path / "rob.csv", ["study_id", "item", "answer", "rationale"],
                  _rob_rows("only2020", range(1, 11), answers={3: "unclear"}))
    rob = review.load_risk_of_bias(path)
    # the file's own ten rows, item numbers as integers
    assert list(rob["study_id"]) == ["only2020"] * 10
    assert rob["item"].tolist() == list(range(1, 11)) and pd.api.types.is_integer_dtype(rob["item"])
    assert rob["answer"].tolist() == ["yes"] * 3 + ["unclear"] + ["yes"] * 6


def test_the_flow_boxes_of_a_small_worked_selection():
    d, o = "database_or_register", "other_methods"
    sel = pd.DataFrame([
        ["R01", "", d, "screened", "review article"], ["R02", "", d, "screened", "index cohort"],
        ["R03", "", d, "screened", "review article"], ["R04", "", d, "sought", "no full text available"],
        ["R05", "", d, "assessed", "wrong population"], ["R06", "", d, "assessed", "duplicate cohort"],
        ["R07", "alayo2020", d, "included", ""], ["R08", "dolinger2021", d, "included", ""],
        ["R09", "", o, "screened", "review article"], ["R10", "", o, "assessed", "wrong population"],
        ["R11", "goessens2021", o, "included", ""],
    ], columns=["record_id", "study_id", "identified_via", "stage", "reason"])
    ident = "records considered; records returned by a database query and duplicates removed: not recorded"
    # counted by hand: a box 'sought' holds every record that got past screening, 'assessed' every record past
    # 'sought'; reasons by count (most first), ties alphabetical. Alayo 2020 is in the main pool (adult,
    # refractory, verified); Dolinger 2021 is paediatric (only under include='all'); Goessens 2021 in none.
    expected = pd.DataFrame([
        [d, "identified", 8, ident],
        [d, "excluded_at_screening", 3, "review article (2); index cohort (1)"],
        [d, "sought", 5, "reports sought for retrieval"],
        [d, "not_retrieved", 1, "no full text available (1)"],
        [d, "assessed", 4, "reports assessed for eligibility"],
        [d, "excluded_after_assessment", 2, "duplicate cohort (1); wrong population (1)"],
        [o, "identified", 3, ident],
        [o, "excluded_at_screening", 1, "review article (1)"],
        [o, "sought", 2, "reports sought for retrieval"],
        [o, "not_retrieved", 0, ""],
        [o, "assessed", 2, "reports assessed for eligibility"],
        [o, "excluded_after_assessment", 1, "wrong population (1)"],
        ["both", "included", 3, "studies in the review (one record each)"],
        ["both", "included_own_report", 2, "figures read in the study's own abstract or full text"],
        ["both", "included_secondary", 1, "figures seen only in a review, meta-analysis or news report: "
                                          "sensitivity analyses only"],
        ["both", "in_main_pool", 1, "in the main pool of at least one outcome (main rule): alayo2020"],
    ], columns=["route", "box", "n", "detail"])
    pd.testing.assert_frame_equal(review.selection_flow(sel, LIT), expected)
    wide = review.selection_flow(sel, LIT, include="all")
    assert wide.iloc[-1].tolist() == ["both", "in_main_pool", 2, "in the main pool of at least one outcome "
                                                                 "(all rule): alayo2020, dolinger2021"]


def test_risk_of_bias_summary_of_a_small_worked_table():
    # 'zeta' (first in the file) has no item 10: 6 yes, 2 no, 1 not applicable -> 6/8 = 0.75, low;
    # 'alpha' answers every item not applicable: nothing applicable, no share, and so not low or moderate
    rob = pd.DataFrame(
        [{"study_id": "zeta", "item": i, "answer": a, "rationale": "x"}
         for i, a in enumerate(["yes"] * 6 + ["no"] * 2 + ["not_applicable"], start=1)]
        + [{"study_id": "alpha", "item": i, "answer": "not_applicable", "rationale": "x"} for i in range(1, 11)])
    s = review.risk_of_bias_summary(rob)
    items = [f"item_{i}" for i in range(1, 11)]
    assert list(s.columns) == ["study_id", *items, "yes", "applicable", "share_yes", "overall"]
    assert list(s["study_id"]) == ["zeta", "alpha"]
    assert s.loc[0, items].tolist() == ["yes"] * 6 + ["no"] * 2 + ["not_applicable", ""]
    assert s.loc[1, items].tolist() == ["not_applicable"] * 10
    assert s[["yes", "applicable", "overall"]].values.tolist() == [[6, 8, "low"], [0, 0, "high"]]
    assert s.loc[0, "share_yes"] == 0.75 and pd.isna(s.loc[1, "share_yes"])


def test_risk_of_bias_thresholds_are_checked_at_their_bounds():
    rob = _rob({"all_yes": ["yes"] * 10, "half": ["yes"] * 5 + ["no"] * 5})
    # low = 1 is allowed: only a study meeting every applicable item is at low risk
    top = review.risk_of_bias_summary(rob, low=1, moderate=0.5)
    assert top["overall"].tolist() == ["low", "moderate"]
    for moderate, low in ((0, 0.7), (0.6, 0.6), (0.5, 1.5)):
        with pytest.raises(ValueError) as err:
            review.risk_of_bias_summary(rob, low=low, moderate=moderate)
        assert str(err.value) == f"need 0 < moderate < low <= 1 (got moderate={moderate}, low={low})"
