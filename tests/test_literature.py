"""Literature data: every row sourced and consistent; this cohort's row computed, not typed."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.synthesis.forest import forest_data
from dttstudy.synthesis.literature import (OUTCOMES, THIS_STUDY, cohort_rows, load_literature, overlap_sets,
                                 regimen_class_table, select, study_label)

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

def _row(study_id, arm="", outcome="clinical_response", events=1, total=10, n=10, t=3.0, year=2020, **kw):
    r = {"study_id": study_id, "arm": arm, "first_author": kw.pop("author", study_id.title() + " A"),
         "year": year, "journal": "J", "doi_or_url": "x", "country": "X", "design": "retro",
         "population": "adult", "refractory": "yes", "disease": "CD", "regimen_class": "dual_biologic",
         "regimens": "", "n_patients": n, "timepoint": f"{t} mo", "timepoint_months": t, "outcome": outcome,
         "events": events, "total": total, "derived_from_percent": False, "event_based": False,
         "trial_units": False, "indication_mixed": False, "perianal_only": False, "overlaps_with": "",
         "source_location": "abstract", "verified": True, "prior_advanced_failed": "1",
         "non_ibd_indication": "none", "n_enrolled": n, "denominator_basis": "enrolled", "count_basis": "printed",
         "outcome_definition": "", "notes": ""}
    r.update(kw)
    return r


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
