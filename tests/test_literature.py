"""Literature data: every row sourced and consistent; this cohort's row computed, not typed."""
from __future__ import annotations

import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.literature import (OUTCOMES, THIS_STUDY, cohort_rows, forest_data, load_literature,
                                 regimen_class_table, select)

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
    for outcome in OUTCOMES:
        d = select(lit, outcome, "all")
        assert d["study_id"].is_unique
        assert not d["event_based"].any() and not d["trial_units"].any()
        for sid, g in lit[(lit["outcome"] == outcome) & ~lit["event_based"] & ~lit["trial_units"]].groupby("study_id"):
            t = g["timepoint_months"].dropna()
            if len(t):
                assert d.set_index("study_id").loc[sid, "timepoint_months"] == t.max()
    main = select(lit, "clinical_response", "main")
    assert main["include_main"].all()


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
    rows = select(lit, "any_ae", "main")
    per, pooled = forest_data(rows)
    assert len(per) == len(rows) and pooled.k == len(rows)
    assert ((per["ci_lower"] <= per["proportion"]) & (per["proportion"] <= per["ci_upper"])).all()
    t = regimen_class_table(lit)
    assert (t["tau2"] >= 0).all() and t["pooled_pct"].between(0, 100).all()
    overall = t[(t["outcome"] == "any_ae") & (t["regimen_class"] == "Overall")].iloc[0]
    assert overall["k"] == pooled.k and overall["pooled_pct"] == pytest.approx(100 * pooled.proportion)
