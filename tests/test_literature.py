"""Literature data: every row sourced and consistent; this cohort's row computed, not typed."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.synthesis.forest import forest_data
from dttstudy.synthesis.literature import (OUTCOMES, THIS_STUDY, cohort_rows, load_literature, overlap_sets,
                                 published_meta_check, regimen_class_table, select, study_label)

from builders import literature_row
from conftest import ROOT

LIT = ROOT / "data" / "published" / "literature.csv"


@pytest.fixture(scope="module")
def lit():
    return load_literature()


def test_every_row_names_its_source(lit):
    assert (lit["doi_or_url"].str.strip() != "").all()
    assert (lit["source_location"].str.strip() != "").all()
    assert lit["outcome"].isin(OUTCOMES).all()
    assert (lit["events"] <= lit["total"]).all() and (lit["total"] > 0).all()


def test_at_least_twelve_verified_studies(lit):
    assert lit.loc[lit["verified"], "study_id"].nunique() >= 12


def test_derived_counts_say_so_in_the_notes(lit):
    derived = lit[lit["derived_from_percent"]]
    assert derived["notes"].str.contains("%|printed").all()  # the printed figure the count came from


def test_the_reproduced_study_is_not_typed_in(lit):
    assert not lit["doi_or_url"].str.contains("1566828").any()
    assert THIS_STUDY not in set(lit["study_id"])


def test_overlaps_point_to_studies_in_the_file(lit):
    ref = set(lit["overlaps_with"]) - {""}
    assert ref <= set(lit["study_id"])


def test_this_cohort_rows_follow_the_published_facts():
    facts = pd.read_csv(ROOT / "data" / "published" / "wang2025_facts.csv", dtype=str).set_index("key")
    rows = cohort_rows(load_cohort(), 9).set_index("outcome")
    for outcome, key in (("clinical_response", "pct_clinical_response_9m"),
                         ("endoscopic_response", "pct_endoscopic_response_within_9m"),
                         ("any_ae", "pct_ae_patients")):
        assert (rows.loc[outcome, "events"], rows.loc[outcome, "total"]) == (
            int(facts.loc[key, "numerator"]), int(facts.loc[key, "denominator"]))


def test_select_one_row_per_study_latest_and_never_event_based(lit):
    flags = dict(overlapping=True, mixed_indication=True, unverified=True)
    for outcome in OUTCOMES:
        d = select(lit, outcome, "all", **flags)
        assert d["study_id"].is_unique
        assert not d["event_based"].any() and not d["trial_units"].any()
        pool = lit[(lit["outcome"] == outcome) & ~lit["event_based"] & ~lit["trial_units"]
                   & lit["count_basis"].isin(["printed", "exact", "fixed"])]  # assumed/circular: not pooled
        for sid, g in pool.groupby("study_id"):
            t = g["timepoint_months"].dropna()
            if len(t):
                assert d.set_index("study_id").loc[sid, "timepoint_months"] == t.max()
    for outcome in OUTCOMES:
        main = select(lit, outcome, "main")
        assert (main["population"] == "adult").all() and (main["refractory"] == "yes").all()
        assert main["verified"].all() and not main["indication_mixed"].any() and not main["perianal_only"].any()
        assert not main["label"].str.contains("_").any()  # human labels, no internal keys


def test_bad_literature_file_names_row_and_column(tmp_path):
    df = pd.read_csv(LIT, dtype=str, keep_default_na=False)
    df.loc[2, "events"] = "abc"
    df.loc[4, "verified"] = "yes"
    bad = tmp_path / "lit.csv"
    df.to_csv(bad, index=False)
    with pytest.raises(ValueError) as err:
        load_literature(bad)
    assert "row 4, column 'events'" in str(err.value) and "row 6, column 'verified'" in str(err.value)


def test_forest_data_and_regimen_table(lit):
    rows = select(lit, "any_ae", "main", units="arm")  # the regimen table's unit
    per, pooled = forest_data(rows, method="GLMM")
    assert len(per) == len(rows) and pooled.k == len(rows)
    assert ((per["ci_lower"] <= per["proportion"]) & (per["proportion"] <= per["ci_upper"])).all()
    t = regimen_class_table(lit)
    assert (t["tau2"] >= 0).all() and t["pooled_pct"].between(0, 100).all()
    overall = t[(t["outcome"] == "any_ae") & (t["regimen_class"] == "Overall")].iloc[0]
    assert overall["k"] == pooled.k and overall["pooled_pct"] == pytest.approx(100 * pooled.proportion)


# --- selection rules on a small hand-made table ------------------------------------------------------------

_row = literature_row


@pytest.fixture
def toy():
    return pd.DataFrame([
        # two-arm study: arm A 3/10 and 5/10 (3 and 6 mo), arm B 2/5 (6 mo only); AE only in arm A
        _row("duo", "A", events=3, total=10, n=10, t=3.0, author="Duo X"),
        _row("duo", "A", events=5, total=10, n=10, t=6.0, author="Duo X"),
        _row("duo", "B", events=2, total=5, n=5, t=6.0, author="Duo X", regimen_class="biologic_small_molecule"),
        _row("duo", "A", outcome="any_ae", events=4, total=10, n=10, t=6.0, author="Duo X"),
        # overlapping pair: small earlier report (20 pts) inside a later, larger one (40 pts)
        _row("early", events=4, total=20, n=20, year=2019, overlaps_with="late", author="Same B"),
        _row("late", events=10, total=40, n=40, year=2022, author="Same B"),
        _row("mixedind", events=7, total=7, n=7, indication_mixed=True),
        _row("secondary", events=1, total=2, n=2, verified=False),
        _row("kids", events=3, total=3, n=3, population="paediatric"),
        _row("trials", events=1, total=4, n=3, trial_units=True),
        _row("episodes", outcome="any_ae", events=9, total=5, n=5, event_based=True),
    ])


def test_select_sums_arms_at_the_shared_latest_timepoint(toy):
    d = select(toy, "clinical_response").set_index("study_id")
    # latest timepoint of duo is 6 mo: arm A 5/10 + arm B 2/5 = 7/15, patients 10 + 5
    assert (d.loc["duo", "events"], d.loc["duo", "total"], d.loc["duo", "n_patients"]) == (7, 15, 15)
    assert d.loc["duo", "arm"] == "" and d.loc["duo", "label"] == "Duo 2020"
    assert d.loc["duo", "regimen_class"] == "mixed"
    # earliest: only arm A reports 3 mo -> 3/10, kept as a partial study and labelled so
    e = select(toy, "clinical_response", one_per_study="earliest").set_index("study_id")
    assert (e.loc["duo", "events"], e.loc["duo", "total"]) == (3, 10)
    assert e.loc["duo", "arms_missing"] == "B" and e.loc["duo", "label"] == "Duo 2020 — A arm only"
    assert "duo" not in set(select(toy, "clinical_response", one_per_study="earliest", partial_arms="drop")["study_id"])


def test_select_arm_units_keep_each_arm(toy):
    d = select(toy, "clinical_response", units="arm")
    duo = d[d["study_id"] == "duo"]
    assert list(zip(duo["arm"], duo["events"], duo["total"])) == [("A", 5, 10), ("B", 2, 5)]
    assert list(duo["label"]) == ["Duo 2020 — A arm", "Duo 2020 — B arm"]


def test_select_main_rule_and_the_flags_that_add_rows_back(toy):
    main = set(select(toy, "clinical_response")["study_id"])
    assert main == {"duo", "late"}  # overlap: the larger (40 > 20) study is kept
    assert set(select(toy, "clinical_response", overlapping=True)["study_id"]) == {"duo", "late", "early"}
    assert set(select(toy, "clinical_response", mixed_indication=True)["study_id"]) == main | {"mixedind"}
    assert set(select(toy, "clinical_response", unverified=True)["study_id"]) == main | {"secondary"}
    assert set(select(toy, "clinical_response", trial_units=True)["study_id"]) == main | {"trials"}
    assert set(select(toy, "clinical_response", "all")["study_id"]) == main | {"kids"}
    # event-based counts are never returned
    assert set(select(toy, "any_ae", "all", overlapping=True, mixed_indication=True, unverified=True,
                      trial_units=True)["study_id"]) == {"duo"}


def test_overlap_rule_falls_back_to_the_study_that_reports_the_outcome(toy):
    # the larger study does not report remission: the smaller one is the only member present and is kept
    t = pd.concat([toy, pd.DataFrame([_row("early", outcome="clinical_remission", events=2, total=20, n=20,
                                           year=2019, overlaps_with="late", author="Same B")])])
    d = select(t, "clinical_remission")
    assert list(d["study_id"]) == ["early"]
    # equal size: the later publication is kept
    t2 = toy.copy()
    t2.loc[t2["study_id"] == "late", "n_patients"] = 20
    assert "late" in set(select(t2, "clinical_response")["study_id"])
    assert overlap_sets(toy) == [["early", "late"]]


def test_study_label_separates_same_author_same_year():
    df = pd.DataFrame({"study_id": ["x1", "x2", "y"], "first_author": ["Lee SD", "Lee SD", "Yerushalmy-Feler A"],
                       "year": [2022, 2022, 2024], "arm": ["", "", ""]})
    assert list(study_label(df)) == ["Lee 2022a", "Lee 2022b", "Yerushalmy-Feler 2024"]


def test_arms_of_a_study_share_their_study_id(lit):
    arms = lit[lit["arm"] != ""]
    assert set(arms["study_id"]) >= {"he2025", "yin2025"}
    for sid, g in arms.groupby("study_id"):
        assert g["arm"].nunique() >= 2, sid  # a study with arms has at least two
        # a study-level row beside the arms only for an outcome no arm reports (He 2025: no serious AE among
        # all 23 who started), over everyone enrolled
        for outcome, rows in lit[lit["study_id"] == sid].groupby("outcome"):
            whole = rows[rows["arm"] == ""]
            assert whole.empty or len(whole) == len(rows) == 1, (sid, outcome)
            assert (whole["total"] == whole["n_enrolled"]).all(), (sid, outcome)


def test_reconstructed_remission_is_labelled_as_not_published():
    rows = cohort_rows(load_cohort(), 9).set_index("outcome")
    assert not rows.loc["clinical_remission", "published"]
    assert "not published" in rows.loc["clinical_remission", "label"]
    assert "reconstructed" in rows.loc["clinical_remission", "notes"]
    assert rows.loc["clinical_response", "published"]


def test_definition_decisions_hold_in_the_data(lit):
    rows = lit.set_index(["study_id", "outcome"]).sort_index()
    # Glassner 2020: printed 50 %/34 % fit several denominators -> no efficacy rows; mixed indication
    assert set(lit.loc[lit["study_id"] == "glassner2020", "outcome"]) == {"serious_ae"}
    assert lit.loc[lit["study_id"] == "glassner2020", "indication_mixed"].all()
    # Jin 2025: any-AE patients are 17 or 18 -> no row; 10 of 47 treated for EIM/IMID
    assert ("jin2025", "any_ae") not in rows.index
    assert lit.loc[lit["study_id"] == "jin2025", "indication_mixed"].all()
    # Eronen 2022: 7 (32 %) and 9 (41 %) are per trial: 7/22 = 31.8 %, 9/22 = 40.9 %
    er = rows.loc["eronen2022"]
    assert er.loc["clinical_remission", ["events", "total"]].tolist() == [7, 22]
    assert er.loc["clinical_response", ["events", "total"]].tolist() == [9, 22]
    assert er["trial_units"].all()
    # Sands 2007: active CD despite ongoing infliximab = inadequate response to one advanced therapy (Rule R, as
    # Ye 2026); its counts are circular (from Anderson 2026's printed percentages) and never pooled
    sands = lit[lit["study_id"] == "sands2007"]
    assert (sands["refractory"] == "yes").all() and (sands["count_basis"] == "circular").all()
    assert "sands2007" not in set(select(lit, "any_ae", unverified=True)["study_id"])
    vega_ae = lit[(lit["study_id"] == "vega2023") & (lit["outcome"] == "any_ae")]
    assert vega_ae["timepoint_months"].tolist() == [pytest.approx(50 / 4.345, abs=0.05)]


def test_main_pool_by_hand(lit):
    # clinical response, main rule: Alayo 13/35, He 12/16 + 2/4, Ye 24/24, Yin 15/22 + 15/21; Lee 2022 is mixed
    # indication (3 of 19 started tofacitinib for pyoderma gangrenosum, not shown to be outside the denominator)
    d = select(lit, "clinical_response").set_index("label")
    assert d[["events", "total"]].to_dict("index") == {
        "Alayo 2020": {"events": 13, "total": 35}, "He 2025": {"events": 14, "total": 20},
        "Ye 2026": {"events": 24, "total": 24}, "Yin 2025": {"events": 30, "total": 43}}
    # flags add back Jin 2025 and Lee 2022 (mixed indication) and Yang 2020 (trial units); Eronen 2022 (trial
    # units) does not state refractoriness (Rule R: unclear), so only include="all" adds it
    more = select(lit, "clinical_response", mixed_indication=True, trial_units=True)
    assert set(more["study_id"]) - set(d["study_id"]) == {"jin2025", "lee2022", "yang2020"}
    assert "eronen2022" in set(select(lit, "clinical_response", "all", trial_units=True)["study_id"])
    # Ye 2026's endoscopic response 24/24 rests on an assumed denominator: out of the main pool, back with the flag
    assert "ye2026" not in set(select(lit, "endoscopic_response")["study_id"])
    assert "ye2026" in set(select(lit, "endoscopic_response", assumed=True)["study_id"])


def test_regimen_classes_never_pool_a_rate_from_zero_events(lit):
    t = regimen_class_table(lit)
    zero = t[t["events"] == 0]
    assert len(zero) and (zero["pooled_pct"] == 0).all() and zero["model"].str.contains("no model fitted").all()
    # 0/N with the Clopper-Pearson upper limit 1 - (alpha/2)^(1/N)
    for r in zero.itertuples():
        assert r.ci_high == pytest.approx(100 * (1 - 0.025 ** (1 / r.patients)), rel=1e-9)
    # no subgroup test when a class has no fitted model; every row names its model
    for outcome, g in t.groupby("outcome"):
        overall = g[g["regimen_class"] == "Overall"].iloc[0]
        if (g.loc[g["regimen_class"] != "Overall", "ci_method"] == "Clopper-Pearson").any():
            assert math.isnan(overall["subgroup_p"]) and overall["subgroup_test"].startswith(("not done", "one"))
    assert t["model"].ne("").all()


def test_this_cohort_rows_use_one_visit_window_for_every_outcome():
    """-p timepoints=...,18 -p window=2: the cohort's remission and endoscopic response at month 18 use the
    ±2-month window, as its response does (by hand: visits at 16.5 months fall inside 18 ± 2, outside 18 ± 1).
    CD C1: HBI 10 -> 3 (drop 7 ≥ 3: response; 3 < 5: remission); SES-CD 10 -> 4 (drop 60% > 50%: endoscopic
    response). CD C2: HBI 8 -> 6 (drop 2: no response; 6 ≥ 5: no remission); SES-CD 10 -> 6 (40%: none)."""
    from builders import cd, combine

    c = combine(cd("C1", 10, 3, month=16.5, base={"ses_cd": 10}, fu={"ses_cd": 4}),
                cd("C2", 8, 6, month=16.5, base={"ses_cd": 10}, fu={"ses_cd": 6}))
    rows = cohort_rows(c, 18, windows={18: 2.0}).set_index("outcome")
    assert tuple(rows.loc["clinical_response", ["events", "total"]]) == (1, 2)
    assert tuple(rows.loc["clinical_remission", ["events", "total"]]) == (1, 2)
    assert tuple(rows.loc["endoscopic_response", ["events", "total"]]) == (1, 2)
    with pytest.raises(ValueError, match="month 18"):  # no window for month 18 at all: refused, not guessed
        cohort_rows(c, 18)


def test_class_difference_is_an_f_test_like_the_t_intervals():
    """With the t-based GLMM the class-difference test is F = Q / (m − 1) on (m − 1, units − m) df. For two
    classes F(1, d) is the square of t(d): p = 2 P(T_d > sqrt(F)) — an independent identity."""
    import re

    from scipy import stats

    from dttstudy.synthesis.literature import load_literature, regimen_class_table

    t = regimen_class_table(load_literature(), outcomes=("clinical_response",))
    overall = t[t["regimen_class"] == "Overall"].iloc[0]
    m = re.search(r"F = ([\d.]+) on (\d+) and (\d+) df", overall["subgroup_test"])
    assert m, overall["subgroup_test"]
    f_stat, d1, d2 = float(m.group(1)), int(m.group(2)), int(m.group(3))
    classes = t[(t["outcome"] == "clinical_response") & (t["regimen_class"] != "Overall")]
    assert d1 == len(classes) - 1 and d2 == int(classes["k"].sum()) - len(classes)
    if d1 == 1:
        assert overall["subgroup_p"] == pytest.approx(2 * stats.t.sf(f_stat ** 0.5, d2), abs=5e-3)


@pytest.mark.parametrize("outcome", ["clinical_response", "clinical_remission", "endoscopic_response", "any_ae"])
def test_unverified_rows_change_no_pool(outcome):
    """Notebook 07 says the review-table-only cohorts (unverified rows) change no pool: each is also left out by
    another rule. Held for every outcome the notebook pools."""
    from dttstudy.synthesis.literature import load_literature
    from dttstudy.synthesis.sensitivity import sensitivity_table

    t = sensitivity_table(load_literature(), outcome, "main")
    row = t[t["analysis"] == "with unverified rows"]
    assert len(row) == 1 and bool(row["same_as_main"].iloc[0])


# --- this cohort's rows on a hand-made three-patient cohort ------------------------------------------------

def _three_patients():
    """CD P1: HBI 10 -> 3 at 9 mo (drop 7 >= 3: response; 3 <= 4: remission), SES-CD 10 -> 4 (60% > 50%:
    endoscopic response), one serious AE. CD P2: HBI 8 -> 6 (drop 2: neither), SES-CD 10 -> 6 (40%: none), one
    non-serious AE. CD P3: stopped DTT for no response at 4 mo, never assessed at 9 mo or by endoscopy."""
    from builders import cohort

    pats = [{"patient_id": "P1", "disease": "CD"}, {"patient_id": "P2", "disease": "CD"},
            {"patient_id": "P3", "disease": "CD", "status": "discontinued", "stop_reason": "no_response",
             "dtt_months": 4}]
    visits = [{"patient_id": "P1", "month": 0, "hbi": 10, "ses_cd": 10},
              {"patient_id": "P1", "month": 9, "hbi": 3, "ses_cd": 4},
              {"patient_id": "P2", "month": 0, "hbi": 8, "ses_cd": 10},
              {"patient_id": "P2", "month": 9, "hbi": 6, "ses_cd": 6},
              {"patient_id": "P3", "month": 0, "hbi": 9, "ses_cd": 10}, {"patient_id": "P3", "month": 3, "hbi": 9}]
    ae = {"suspected_agent": "both", "action": "none", "outcome": "recovered"}
    aes = [{"patient_id": "P1", "term": "pneumonia", "onset_month": 2.0, "serious": True, "severity": "severe", **ae},
           {"patient_id": "P2", "term": "rash", "onset_month": 1.0, "serious": False, "severity": "mild", **ae}]
    return cohort(pats, visits, aes)


COHORT_ROW_COLUMNS = [
    "study_id", "arm", "first_author", "year", "journal", "doi_or_url", "population", "refractory", "disease",
    "regimen_class", "n_patients", "timepoint", "timepoint_months", "outcome", "events", "total",
    "derived_from_percent", "event_based", "trial_units", "indication_mixed", "perianal_only", "overlaps_with",
    "verified", "prior_advanced_failed", "non_ibd_indication", "n_enrolled", "denominator_basis", "count_basis",
    "outcome_definition", "reconstructed", "published", "label", "notes", "analysis_set"]


def test_cohort_rows_of_a_hand_made_cohort_in_full():
    """By hand (see _three_patients): observed cases at 9 mo 1/2 for response, remission and endoscopic response
    (P3 not evaluable); non-responder imputation adds P3 as a non-responder: 1/3; any AE 2/3 and serious AE 1/3
    among all three who started, in both sets. A denominator of all 3 enrolled is 'enrolled', 2 'evaluable'."""
    from dttstudy.concepts import ENDPOINTS

    rows = cohort_rows(_three_patients(), 9, analysis_sets=("observed", "nri"))
    assert list(rows.columns) == COHORT_ROW_COLUMNS
    defs = {e.name: e.definition for e in ENDPOINTS}
    defs.update(any_ae="treatment-emergent adverse events over the DTT course",
                serious_ae="serious treatment-emergent adverse events over the DTT course")
    common = {"study_id": "this_cohort", "arm": "", "first_author": "this cohort", "journal": "", "doi_or_url": "",
              "population": "adult", "refractory": "yes", "disease": "CD", "regimen_class": "mixed",
              "n_patients": 3, "timepoint_months": 9, "derived_from_percent": False, "event_based": False,
              "trial_units": False, "indication_mixed": False, "perianal_only": False, "overlaps_with": "",
              "verified": True, "prior_advanced_failed": "1", "non_ibd_indication": "none", "n_enrolled": 3,
              "count_basis": "printed", "reconstructed": False, "published": False, "notes": "test"}
    nri = "This cohort, non-responder imputation"
    want = [  # outcome, set, events, total, timepoint, denominator basis, label
        ("clinical_response", "observed", 1, 2, "9 mo", "evaluable", "This cohort"),
        ("clinical_remission", "observed", 1, 2, "9 mo", "evaluable", "This cohort"),
        ("endoscopic_response", "observed", 1, 2, "9 mo", "evaluable", "This cohort"),
        ("any_ae", "observed", 2, 3, "DTT course", "enrolled", "This cohort"),
        ("serious_ae", "observed", 1, 3, "DTT course", "enrolled", "This cohort"),
        ("clinical_response", "nri", 1, 3, "9 mo", "enrolled", nri),
        ("clinical_remission", "nri", 1, 3, "9 mo", "enrolled", nri),
        ("endoscopic_response", "nri", 1, 3, "9 mo", "enrolled", nri),
        ("any_ae", "nri", 2, 3, "DTT course", "enrolled", "This cohort"),
        ("serious_ae", "nri", 1, 3, "DTT course", "enrolled", "This cohort")]
    got = rows.drop(columns="year").to_dict("records")
    assert got == [{**common, "outcome": o, "analysis_set": s, "events": k, "total": n, "timepoint": tp,
                    "denominator_basis": basis, "label": lab, "outcome_definition": defs[o]}
                   for o, s, k, n, tp, basis, lab in want]
    assert rows["year"].isna().all()


def test_cohort_rows_of_reconstructed_data_say_what_is_published():
    """The same cohort marked as reconstructed data, at the default month (9): the outcomes Wang 2025 publishes
    (response, endoscopic response, any and serious AE) are 'published' for observed cases; remission and every
    non-responder-imputation efficacy row are not (notes: 'outcome' it does not report, or 'analysis' for a
    published outcome); safety rows are the same in both sets, so they keep the published wording."""
    c = _three_patients()
    c.provenance.update(reconstructed=True, label="toy")
    rows = cohort_rows(c, analysis_sets=("observed", "nri"))
    pub = ("This cohort (reconstructed data)",
           "toy: computed from the reconstructed records, which reproduce the published figure", True)

    def unpub(what, itt=""):
        return (f"This cohort (reconstructed data{itt}; not published)",
                f"toy: computed from the reconstructed records; Wang 2025 does not report this {what}, so the "
                "figure is not a published result", False)

    nri = "; non-responder imputation"
    assert list(zip(rows["label"], rows["notes"], rows["published"])) == [
        pub, unpub("outcome"), pub, pub, pub,
        unpub("analysis", nri), unpub("outcome", nri), unpub("analysis", nri), pub, pub]
    assert rows["reconstructed"].all() and (rows["timepoint_months"] == 9).all()
    assert list(rows["timepoint"]) == ["9 mo"] * 3 + ["DTT course"] * 2 + ["9 mo"] * 3 + ["DTT course"] * 2


def test_cohort_rows_of_one_patient_and_of_a_mixed_cohort():
    """One CD patient, HBI 10 -> 3 at 9 mo, no endoscopy, no AE: response 1/1, remission 1/1, any/serious AE
    0/1; endoscopic response has no evaluable patient (0/0) and gets no row. Disease: 'CD'. With a UC patient
    added the disease is 'mixed'."""
    from builders import cd, combine, uc

    one = cohort_rows(combine(cd("P1", 10, 3, month=9)))
    assert list(zip(one["outcome"], one["events"], one["total"])) == [
        ("clinical_response", 1, 1), ("clinical_remission", 1, 1), ("any_ae", 0, 1), ("serious_ae", 0, 1)]
    assert list(one["disease"]) == ["CD"] * 4
    assert list(one["denominator_basis"]) == ["enrolled"] * 4
    mixed = cohort_rows(combine(cd("P1", 10, 3, month=9), uc("P2", 6, 2, 1, 0, month=9)))
    assert set(mixed["disease"]) == {"mixed"}


def test_cohort_rows_refuse_unknown_or_no_analysis_sets():
    c = _three_patients()
    with pytest.raises(ValueError) as err:
        cohort_rows(c, analysis_sets=("itt",))
    assert str(err.value) == "analysis_sets: choose from ['nri', 'observed'] (got ['itt'])"
    with pytest.raises(ValueError) as err:
        cohort_rows(c, analysis_sets=())
    assert str(err.value) == "analysis_sets: choose from ['nri', 'observed'] (got [])"


# --- regimen-class table on hand-made arms -----------------------------------------------------------------

def _class_arms(*arms):
    """Clinical-response arms (study_id, regimen_class, events, total), one study each."""
    return pd.DataFrame([_row(sid, regimen_class=cls, events=x, total=n, n=n) for sid, cls, x, n in arms])


REGIMEN_TABLE_COLUMNS = ["outcome", "grouped_by", "regimen_class", "k", "patients", "events", "pooled_pct", "ci_low",
                         "ci_high", "i2", "tau2", "model", "ci_method", "subgroup_p", "subgroup_test"]


def test_regimen_table_names_the_classes_without_a_model():
    """Dual biologic: two arms 3/10 and 5/12 (a model is fitted); biologic + small molecule 6/10 and other_combo
    1/5: one arm each, so each shows its count with the Clopper-Pearson interval (beta quantiles by scipy) and
    no class-difference test is done. Classes in alphabetical order, Overall last."""
    from scipy import stats

    arms = _class_arms(("a1", "dual_biologic", 3, 10), ("a2", "dual_biologic", 5, 12),
                       ("b1", "other_combo", 1, 5), ("c1", "biologic_small_molecule", 6, 10))
    t = regimen_class_table(arms, outcomes=("clinical_response",))
    assert list(t.columns) == REGIMEN_TABLE_COLUMNS
    assert list(t["regimen_class"]) == ["biologic_small_molecule", "dual_biologic", "other_combo", "Overall"]
    assert list(t["k"]) == [1, 2, 1, 4] and list(t["events"]) == [6, 8, 1, 15]
    assert list(t["patients"]) == [10, 22, 5, 37] and set(t["grouped_by"]) == {"regimen_class"}
    assert list(t["ci_method"]) == ["Clopper-Pearson", "t(k-1)", "Clopper-Pearson", "t(k-1)"]
    for cls, x, n in (("biologic_small_molecule", 6, 10), ("other_combo", 1, 5)):
        r = t[t["regimen_class"] == cls].iloc[0]
        assert r["pooled_pct"] == pytest.approx(100 * x / n)
        assert r["ci_low"] == pytest.approx(100 * stats.beta.ppf(0.025, x, n - x + 1), rel=1e-9)
        assert r["ci_high"] == pytest.approx(100 * stats.beta.ppf(0.975, x + 1, n - x), rel=1e-9)
        assert r["i2"] == 0 and r["tau2"] == 0
        assert r["model"] == "no model fitted: summed count, Clopper-Pearson exact CI"
    assert list(t["subgroup_test"]) == ["", "", "", "not done: biologic + small molecule, other combo without a "
                                        "fitted model (one unit, or no/all events)"]
    assert t["subgroup_p"].isna().all()


def _three_fitted_classes():
    return _class_arms(("a1", "dual_biologic", 3, 10), ("a2", "dual_biologic", 5, 12),
                       ("b1", "biologic_small_molecule", 6, 10), ("b2", "biologic_small_molecule", 7, 9),
                       ("c1", "other_combo", 1, 8), ("c2", "other_combo", 2, 7))


def _between(fits):
    """Q = sum w (logit_i - weighted mean)^2 with w = 1/se^2 over the class fits, by hand."""
    w = [1 / f.se ** 2 for f in fits]
    mu = sum(wi * f.estimate for wi, f in zip(w, fits)) / sum(w)
    return sum(wi * (f.estimate - mu) ** 2 for wi, f in zip(w, fits))


def test_regimen_table_f_test_for_three_classes():
    """Three classes of two arms each, all fitted: F = Q / 2 on 2 and 6 - 3 = 3 df (t-based GLMM, the default),
    p from scipy's F distribution; the test is written on the Overall row only."""
    from scipy import stats

    from dttstudy.synthesis.meta import pool_proportions

    arms = _three_fitted_classes()
    t = regimen_class_table(arms, outcomes=("clinical_response",))
    fits = [pool_proportions(g["events"], g["total"], method="GLMM") for _, g in arms.groupby("regimen_class")]
    f_stat = _between(fits) / 2
    overall = t.iloc[-1]
    assert overall["regimen_class"] == "Overall"
    assert overall["subgroup_test"] == f"F test of the class logits, F = {f_stat:.2f} on 2 and 3 df"
    assert overall["subgroup_p"] == pytest.approx(stats.f.sf(f_stat, 2, 3), rel=1e-6)
    assert t["subgroup_p"].iloc[:-1].isna().all() and list(t["subgroup_test"].iloc[:-1]) == ["", "", ""]
    assert list(t["model"]) == ["binomial-normal GLMM (ML), t(k-1) CI"] * 4


def test_regimen_table_wald_test_with_z_or_inverse_variance():
    """test="z": Wald intervals expit(mu -/+ 1.96 SE) and the Wald chi-square test Q on 2 df; an inverse-variance
    model (REML) also gets the Wald test, and the GLMM's t/z choice is not looked at there."""
    from scipy import stats

    from dttstudy.synthesis.meta import pool_proportions

    arms = _three_fitted_classes()
    t = regimen_class_table(arms, outcomes=("clinical_response",), test="z")
    groups = [g for _, g in arms.groupby("regimen_class")]
    fits = [pool_proportions(g["events"], g["total"], method="GLMM") for g in groups]
    q = _between(fits)
    z = stats.norm.ppf(0.975)
    for (_, r), f in zip(t.iloc[:-1].iterrows(), fits):
        assert r["ci_low"] == pytest.approx(100 / (1 + math.exp(-(f.estimate - z * f.se))), rel=1e-6)
        assert r["ci_high"] == pytest.approx(100 / (1 + math.exp(-(f.estimate + z * f.se))), rel=1e-6)
    assert list(t["model"]) == ["binomial-normal GLMM (ML), z CI"] * 4
    assert t.iloc[-1]["subgroup_test"] == f"Wald test of the class logits, Q = {q:.2f} on 2 df"
    assert t.iloc[-1]["subgroup_p"] == pytest.approx(stats.chi2.sf(q, 2), rel=1e-6)
    iv = regimen_class_table(arms, outcomes=("clinical_response",), method="REML")
    iv_fits = [pool_proportions(g["events"], g["total"], method="REML") for g in groups]
    assert list(iv["model"]) == ["inverse-variance logit, REML"] * 4
    assert iv.iloc[-1]["subgroup_test"] == f"Wald test of the class logits, Q = {_between(iv_fits):.2f} on 2 df"
    pd.testing.assert_frame_equal(regimen_class_table(arms, outcomes=("clinical_response",), method="REML",
                                                      test="not used"), iv)


def test_regimen_table_passes_include_and_selection_flags_on():
    """include='all' admits a paediatric arm, and population='paediatric' (a select() flag) keeps only it: 2/4."""
    arms = pd.concat([_three_fitted_classes(), pd.DataFrame([_row("kid", regimen_class="dual_biologic", events=2,
                                                                  total=4, n=4, population="paediatric")])])
    t = regimen_class_table(arms, outcomes=("clinical_response",), include="all", population="paediatric")
    assert list(zip(t["regimen_class"], t["events"], t["patients"])) == [("dual_biologic", 2, 4), ("Overall", 2, 4)]
    assert list(t["subgroup_test"]) == ["", "one class only"]


def test_regimen_table_error_names_the_study():
    arms = _class_arms(("a1", "dual_biologic", 12, 10), ("a2", "dual_biologic", 5, 12))
    with pytest.raises(ValueError, match="study 'A1 2020'"):
        regimen_class_table(arms, outcomes=("clinical_response",))


def test_study_names_come_from_the_first_row_of_each_study():
    """One name per study from its first row ('Smith 2020', not the later row's 'Smyth 2021'), never an arm."""
    from dttstudy.synthesis.literature import study_names

    df = pd.DataFrame([_row("s1", author="Smith AB", year=2020), _row("s1", outcome="any_ae", author="Smyth AB",
                                                                      year=2021),
                       _row("s2", arm="X", author="Lee SD", year=2022)])
    assert study_names(df) == {"s1": "Smith 2020", "s2": "Lee 2022"}


# --- the published meta-analysis check on a hand-made file ---------------------------------------------------

def test_half_unit_of_the_last_printed_decimal():
    from dttstudy.synthesis.literature import _half_unit

    assert _half_unit("12") == 0.5
    assert _half_unit("63.4") == pytest.approx(0.05, rel=1e-12)
    assert _half_unit("9.25") == pytest.approx(0.005, rel=1e-12)


PUBLISHED_CHECK_COLUMNS = ["meta_analysis", "subgroup", "outcome", "printed_pct", "units", "unit_of_analysis", "events",
                           "studies", "events_basis", "logit_pct", "ft_pct", "ft_split_pct", "glmm_pct", "circular",
                           "agrees_logit", "agrees_ft", "agrees_glmm"]


def test_published_meta_check_on_hand_made_subgroups(tmp_path):
    """Each reproducible subgroup is one count x/n. By hand: the logit (0 < x < n) and Freeman-Tukey values of one
    count are 100 x/n (1/16 = 6.25 %, 1/8 = 12.5 %, 1/4 = 25 %; 0 and all events give 0 and 100 % on the
    Freeman-Tukey scale, no logit). 'Agrees' = within half a unit of the printed figure's last decimal:
    6.25 vs 6.3 (0.05 <= 0.05) and 12.5 vs 12 (0.5 <= 0.5) agree, 12.5 vs 12.6 (0.1 > 0.05) and 11.9 (0.6) do
    not. The per-trial split (every trial its own study, 0 or 1 event) is done only when the number of studies is
    not 1 and there is more than one trial: 2/2 -> 100 %, 0/3 -> 0 %. The GLMM of one count is no model: no
    value. A circular count (events basis 'derived') gets None. A subgroup without counts keeps its empty cells."""
    head = ("meta_analysis,subgroup,outcome,printed_pct,units,therapeutic_trials,events,events_basis,studies,"
            "reproducible")
    lines = ["M,one in 16,any_ae,6.3,patients,16,1,printed,1,true",
             "M,one in 8,any_ae,12,patients,8,1,printed,1,true",
             "M,one in 8 b,any_ae,12.6,patients,8,1,printed,1,true",
             "M,one in 8 c,any_ae,11.9,patients,8,1,printed,1,true",
             "M,none of 1,serious_ae,0,therapeutic trials,1,0,printed,not reported,true",
             "M,all of 2,clinical_response,100,therapeutic trials,2,2,printed,not reported,true",
             "M,none of 3,serious_ae,0,therapeutic trials,3,0,printed,2,true",
             "M,derived,any_ae,25,patients,4,1,derived: 0.25 x 4 = 1,1,true",
             "M,pooled,any_ae,9.2,therapeutic trials,33,,not derivable,not reported,false"]
    f = tmp_path / "subgroups.csv"
    f.write_text("\n".join([head] + lines) + "\n", encoding="utf-8")
    t = published_meta_check(f)
    assert list(t.columns) == PUBLISHED_CHECK_COLUMNS
    assert list(t["meta_analysis"]) == ["M"] * 9 and t["subgroup"].iloc[0] == "one in 16"
    assert list(t["outcome"].iloc[4:6]) == ["serious_ae", "clinical_response"]
    assert list(t["printed_pct"]) == [6.3, 12, 12.6, 11.9, 0, 100, 0, 25, 9.2]
    assert list(t["units"]) == ["16", "8", "8", "8", "1", "2", "3", "4", "33"]
    assert list(t["unit_of_analysis"].iloc[[0, 4]]) == ["patients", "therapeutic trials"]
    assert list(t["events"]) == ["1", "1", "1", "1", "0", "2", "0", "1", ""]
    assert list(t["studies"]) == ["1", "1", "1", "1", "not reported", "not reported", "2", "1", "not reported"]
    assert list(t["events_basis"].iloc[7:]) == ["derived: 0.25 x 4 = 1", "not derivable"]
    nan = float("nan")
    want = {"logit_pct": [6.25, 12.5, 12.5, 12.5, nan, nan, nan, 25, nan],
            "ft_pct": [6.25, 12.5, 12.5, 12.5, 0, 100, 0, 25, nan],
            "ft_split_pct": [nan, nan, nan, nan, nan, 100, 0, nan, nan],
            "glmm_pct": [nan] * 9}
    for col, values in want.items():
        got = t[col].astype(float).tolist()
        assert [math.isnan(v) for v in got] == [math.isnan(v) for v in values], col
        assert [v for v in got if not math.isnan(v)] == pytest.approx([v for v in values if not math.isnan(v)],
                                                                      abs=1e-9), col
    assert list(t["circular"]) == [False] * 7 + [True, False]
    assert list(t["agrees_logit"]) == [True, True, False, False, None, None, None, None, None]
    assert list(t["agrees_ft"]) == [True, True, False, False, True, True, True, None, None]
    assert list(t["agrees_glmm"]) == [None] * 9


# --- loading the literature file: types and the problems it names ---------------------------------------------

def _lit_file(tmp_path, rows):
    """Write rows (dicts of _row) as a literature CSV, booleans spelled true/false as in the real file."""
    df = pd.DataFrame(rows)
    for col in ("derived_from_percent", "event_based", "trial_units", "indication_mixed", "perianal_only",
                "verified"):
        df[col] = df[col].map(lambda v: {True: "true", False: "false"}.get(v, v))
    f = tmp_path / "lit.csv"
    df.to_csv(f, index=False)
    return f, list(df.columns)


def test_load_literature_types_the_columns(tmp_path):
    """Counts become integers, flags booleans, and a timepoint_months that is not a number ('not stated')
    becomes NaN; no column is added."""
    f, cols = _lit_file(tmp_path, [_row("s1", events=3, total=10, n=12, n_enrolled=14),
                                   _row("s2", timepoint_months="not stated", perianal_only=True)])
    lit = load_literature(f)
    assert list(lit.columns) == cols
    for col in ("events", "total", "n_patients", "n_enrolled"):
        assert lit[col].dtype == "int64", col
    assert lit["events"].tolist() == [3, 1] and lit["total"].tolist() == [10, 10]
    assert lit["n_patients"].tolist() == [12, 10] and lit["n_enrolled"].tolist() == [14, 10]
    assert lit["timepoint_months"].dtype == "float64"
    assert lit["timepoint_months"].iloc[0] == 3.0 and math.isnan(lit["timepoint_months"].iloc[1])
    assert lit["perianal_only"].tolist() == [False, True] and lit["verified"].dtype == bool


def test_load_literature_names_every_problem_by_row_and_column(tmp_path):
    """One problem per row (file row = index + 2 for the header); every one is listed, in the order the checks
    run (flags, coded inputs, counts, outcome, events/total, total/n_enrolled, overlaps, duplicates)."""
    rows = [_row("s1", derived_from_percent="yes"),
            _row("s2", count_basis="guessed"),
            _row("s3", events="2.5"),
            _row("s4", outcome="cure"),
            _row("s5", events=11, total=10),
            _row("s6", events=1, total=12, n=10),
            _row("s7", overlaps_with="s1; nobody; none"),
            _row("s8", notes="first report"),
            _row("s8", notes="second report")]  # same study, arm, outcome and timepoint
    f, _ = _lit_file(tmp_path, rows)
    with pytest.raises(ValueError) as err:
        load_literature(f)
    assert str(err.value) == f"{f}:\n  " + "\n  ".join([
        "row 2, column 'derived_from_percent': 'yes' is not true/false",
        "row 3, column 'count_basis': 'guessed' not one of printed, exact, fixed, assumed, circular",
        "row 4, column 'events': '2.5' is not a whole number",
        "row 5, column 'outcome': 'cure' unknown",
        "row 6, column 'events': more events than total",
        "row 7, column 'total': more than n_enrolled",
        "row 8, column 'overlaps_with': nobody, none not a study_id of the file",
        "row 9: duplicate study, arm, outcome and timepoint",
        "row 10: duplicate study, arm, outcome and timepoint"])


def test_every_row_of_a_study_cites_the_same_source(tmp_path):
    """A study's rows (arms, outcomes, timepoints) carry its first author and year: a row that differs from the
    study's first row is named with both values; other studies are untouched."""
    rows = [_row("s1", outcome="clinical_response"), _row("s1", outcome="clinical_remission", author="Other B"),
            _row("s1", outcome="any_ae", year=2021), _row("s2", year=2019), _row("s2", outcome="any_ae", year=2019)]
    f, _ = _lit_file(tmp_path, rows)
    with pytest.raises(ValueError) as err:
        load_literature(f)
    assert str(err.value) == f"{f}:\n  " + "\n  ".join([
        "row 3, column 'first_author': 'Other B' differs from the study's first row ('S1 A')",
        "row 4, column 'year': '2021' differs from the study's first row ('2020')"])


def test_named_centres_compare_case_insensitively_in_any_script():
    """The centre named in a single-centre design is compared case-folded: 'STRASSE' and 'Straße' are one."""
    from dttstudy.synthesis.literature import _centre

    assert _centre("retrospective, single centre (Klinik STRASSE)") == _centre("single center (Klinik Straße)")
    assert _centre("retrospective, multicentre") == ""


def test_possible_overlaps_two_years_apart_but_not_three():
    """Single-centre studies of one country and population: 2020 and 2022 (two years apart) are flagged, 2020 and
    2023 are not."""
    from dttstudy.synthesis.literature import possible_overlaps

    design = "retrospective single centre"
    lit = pd.DataFrame([_row("a", year=2020, design=design), _row("b", year=2022, design=design),
                        _row("c", year=2023, design=design)])
    assert possible_overlaps(lit) == [("a", "b"), ("b", "c")]


def test_centre_named_in_a_design():
    """The centre is the bracketed name after 'single centre' (or 'center'), trimmed and lower-cased so that two
    spellings of one name compare equal; '' when no centre is named."""
    from dttstudy.synthesis.literature import _centre

    assert _centre("retrospective single centre ( Xijing IBD Center )") == "xijing ibd center"
    assert _centre("retrospective single center (MOUNT SINAI)") == "mount sinai"
    assert _centre("retrospective single centre") == ""


def test_summed_arms_join_their_texts():
    """A study's arms summed into one row: distinct non-empty texts joined with '; ' in arm order, repeats once,
    blanks left out (arm B states no outcome definition)."""
    lit = pd.DataFrame([
        _row("duo", "A", regimens="UST+ADA", source_location="table 2", outcome_definition="CDAI drop >= 100"),
        _row("duo", "B", regimens="VDZ+TOF", source_location="table 2", outcome_definition="")])
    d = select(lit, "clinical_response").iloc[0]
    assert d["regimens"] == "UST+ADA; VDZ+TOF"
    assert d["source_location"] == "table 2"
    assert d["outcome_definition"] == "CDAI drop >= 100"
    assert d["timepoint"] == "3.0 mo"


# --- arms summed into a study, selection flags, overlap sets, labels -----------------------------------------

def test_three_arms_summed_into_one_study_row():
    """Arms A, B (reporting at 3 mo), C and D (reporting only at 1 mo) of one study: at the latest timepoint
    (3 mo) A and B are summed (2 + 3 = 5 of 10 + 8 = 18), C and D are named as missing. Disease CD + UC -> 'mixed'; class the
    same in both -> kept; derived if any arm is, verified only if every arm is; count basis the latest in the
    order printed < exact < fixed < assumed < circular ('fixed'); an evaluable denominator in any arm ->
    'evaluable'; texts joined with '; '; notes 'arm: note' joined with ' | '."""
    lit = pd.DataFrame([
        _row("tri", "A", events=2, total=10, n=10, disease="CD", timepoint="12 wk", regimens="UST+ADA",
             source_location="table 2", outcome_definition="CDAI drop >= 100", notes="first arm"),
        _row("tri", "B", events=3, total=8, n=8, disease="UC", timepoint="3 mo", regimens="VDZ+TOF",
             source_location="table 3", outcome_definition="CDAI drop >= 70", derived_from_percent=True, verified=False,
             count_basis="fixed", denominator_basis="evaluable", notes="second arm"),
        _row("tri", "C", events=1, total=5, n=5, t=1.0, timepoint="1 mo"),
        _row("tri", "D", events=1, total=6, n=6, t=1.0, timepoint="1 mo")])
    d = select(lit, "clinical_response", unverified=True)
    assert len(d) == 1
    r = d.iloc[0]
    assert (r["arm"], r["arms_missing"], r["label"]) == ("A & B", "C & D", "Tri 2020 — A & B arm only")
    assert (r["events"], r["total"], r["n_patients"]) == (5, 18, 18)
    assert (r["disease"], r["regimen_class"]) == ("mixed", "dual_biologic")
    assert bool(r["derived_from_percent"]) is True and bool(r["verified"]) is False
    assert (r["count_basis"], r["denominator_basis"]) == ("fixed", "evaluable")
    assert (r["regimens"], r["source_location"]) == ("UST+ADA; VDZ+TOF", "table 2; table 3")
    assert (r["outcome_definition"], r["timepoint"]) == ("CDAI drop >= 100; CDAI drop >= 70", "12 wk; 3 mo")
    assert r["notes"] == "A: first arm | B: second arm"
    # same disease in both arms: kept; a printed and an enrolled arm beside an exact and a completers arm
    two = pd.DataFrame([_row("two", "A", count_basis="exact", denominator_basis="completers"),
                        _row("two", "B", denominator_basis="enrolled")])
    r = select(two, "clinical_response").iloc[0]
    assert (r["disease"], r["count_basis"], r["denominator_basis"]) == ("CD", "exact", "completers")
    assert (r["arm"], r["arms_missing"]) == ("", "")


def test_select_result_columns_and_types(toy):
    """The literature columns, then arms_missing and label; counts are integers; a single-arm study keeps its
    own notes and an empty arms_missing; arm units carry an empty arms_missing too; no outcome row -> empty
    frame with a text label column."""
    for units in ("study", "arm"):
        d = select(toy, "clinical_response", units=units)
        assert list(d.columns) == list(toy.columns) + ["arms_missing", "label"]
        assert list(d.index) == list(range(len(d)))
        for col in ("events", "total", "n_patients"):
            assert d[col].dtype == "int64"
        assert d["arms_missing"].tolist() == [""] * len(d)
    late = select(toy.assign(notes="see table 1"), "clinical_response").set_index("study_id").loc["late"]
    assert late["notes"] == "see table 1"
    empty = select(toy, "endoscopic_remission")
    assert len(empty) == 0 and empty["label"].dtype == object


def test_select_count_basis_flags():
    """printed / exact / assumed / circular rows: the main pool keeps printed and exact; printed_only keeps the
    printed row; circular=True adds the circular row; count_bases names the bases kept and refuses unknown ones."""
    lit = pd.DataFrame([_row("p", count_basis="printed"), _row("e", count_basis="exact"),
                        _row("a", count_basis="assumed"), _row("c", count_basis="circular")])
    assert list(select(lit, "clinical_response")["study_id"]) == ["e", "p"]
    assert list(select(lit, "clinical_response", printed_only=True)["study_id"]) == ["p"]
    assert list(select(lit, "clinical_response", circular=True)["study_id"]) == ["c", "e", "p"]
    assert list(select(lit, "clinical_response", count_bases=("assumed",))["study_id"]) == ["a"]
    with pytest.raises(ValueError) as err:
        select(lit, "clinical_response", count_bases=("printed", "guessed"))
    assert str(err.value) == "count_bases: unknown ['guessed']"


def test_select_earliest_puts_a_row_without_timepoint_last():
    lit = pd.DataFrame([_row("s", events=1, t=3.0), _row("s", events=2, t=6.0, timepoint="6 mo"),
                        _row("s", events=3, t=float("nan"), timepoint="end of study")])
    assert select(lit, "clinical_response", one_per_study="earliest")["events"].tolist() == [1]
    assert select(lit, "clinical_response")["events"].tolist() == [2]


def test_select_keeps_one_row_per_arm_and_timepoint():
    """Two rows of one arm at the same month (12 wk and 3 mo, both 3.0): the first row of the file is kept."""
    lit = pd.DataFrame([_row("s", "A", events=1, timepoint="12 wk"), _row("s", "A", events=2, timepoint="3 mo"),
                        _row("s", "B", events=4)])
    d = select(lit, "clinical_response", units="arm")
    assert list(zip(d["arm"], d["events"])) == [("A", 1), ("B", 4)]


def test_select_resolves_every_overlap_set():
    """Two separate overlapping pairs (a1 20 < a2 40 patients; b1 50 > b2 30): the larger of each is kept."""
    lit = pd.DataFrame([_row("a1", n=20, total=20, overlaps_with="a2"), _row("a2", n=40, total=40),
                        _row("b1", n=50, total=50), _row("b2", n=30, total=30, overlaps_with="b1")])
    assert list(select(lit, "clinical_response")["study_id"]) == ["a2", "b1"]


def test_partial_arms_drop_leaves_out_only_the_partial_study(toy):
    """At the earliest timepoint duo reports arm A only: 'drop' removes duo and keeps the studies after it."""
    d = select(toy, "clinical_response", one_per_study="earliest", partial_arms="drop")
    assert list(d["study_id"]) == ["late"]


def test_overlap_sets_are_the_declared_ones_unless_possible_is_asked():
    """Declared pairs a-b and c-d are two sets; a study naming itself makes no set; the single-centre studies
    e (2020) and f (2021) form a set only with possible=True."""
    design = "retrospective single centre"
    lit = pd.DataFrame([_row("a", overlaps_with="b"), _row("b"), _row("c"), _row("d", overlaps_with="c"),
                        _row("z", overlaps_with="z"),
                        _row("e", year=2020, design=design, country="Y"),
                        _row("f", year=2021, design=design, country="Y")])
    assert overlap_sets(lit) == [["a", "b"], ["c", "d"]]
    assert overlap_sets(lit, possible=True) == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_study_label_edge_cases():
    """Initials dropped from a several-word surname ('De Vries AC' -> 'De Vries'); a one-word group author kept
    ('AGA'); no year -> no year; a missing arm or arms_missing cell reads as none; without arm columns no
    suffix; this cohort is 'This cohort' unless its row carries its own label."""
    df = pd.DataFrame({"study_id": ["dv", "aga", "ny", "nn", THIS_STUDY],
                       "first_author": ["De Vries AC", "AGA", "Smith J", "Jones", "this cohort"],
                       "year": [2021, 2019, float("nan"), "", float("nan")]})
    assert list(study_label(df)) == ["De Vries 2021", "AGA 2019", "Smith", "Jones", "This cohort"]
    arms = df.assign(arm=["A", None, "", "", ""])
    assert list(study_label(arms)) == ["De Vries 2021 — A arm", "AGA 2019", "Smith", "Jones", "This cohort"]
    partial = arms.assign(arms_missing=[None, "", "", "", ""])
    assert study_label(partial).iloc[0] == "De Vries 2021 — A arm"
    own = arms.assign(label=["", "", "", "", "This cohort (reconstructed data)"])
    assert study_label(own).iloc[-1] == "This cohort (reconstructed data)"
    # a label column whose cell for this cohort is empty or missing gives the default name, not an empty one
    both = pd.concat([arms, arms.iloc[[-1]]], ignore_index=True).assign(label=["x", "", "", "", "", None])
    assert list(study_label(both))[-2:] == ["This cohort", "This cohort"]
