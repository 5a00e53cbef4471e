"""The reconstruction of a published pooled figure from candidate primary studies, and the pooled-vs-cohort row
with its predictive check. Expected values: R metafor (hard-coded with the call) and hand calculation."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import expit

from dttstudy.synthesis.literature import load_literature
from dttstudy.synthesis.literature_summary import pooled_summary_row, predictive_check
from dttstudy.synthesis.meta import pool_proportions
from dttstudy.synthesis.reconstruction import candidate_rows, load_targets, reconstruction_table


@pytest.fixture(scope="module")
def table():
    # the candidate sets as listed (metafor's values below are for these counts); the meta-analysis's rules are
    # tested on their own below
    return reconstruction_table(load_literature(), rules=False)


def _one(table, target, variant, cset="all candidate studies"):
    r = table[(table["target"] == target) & (table["variant"] == variant) & (table["candidate_set"] == cset)]
    assert len(r) == 1
    return r.iloc[0]


def test_freeman_tukey_and_logit_variants_match_metafor(table):
    # R metafor 3.8-1: x <- c(6, 8, 5); n <- c(23, 23, 10)   (Yang 2020, Alayo 2020, Buer 2018 endoscopic remission)
    #   predict(rma(measure = "PFT", xi = x, ni = n, method = "DL"), transf = transf.ipft.hm, targs = list(ni = n))
    #   -> 0.3352984107 (0.2121224228, 0.4695664697)
    #   predict(rma(measure = "PLO", xi = x, ni = n, method = "DL"), transf = transf.ilogit)
    #   -> 0.3430005554 (0.2293137352, 0.4780860647)
    r = _one(table, "Ahmed 2022: endoscopic remission", "Freeman-Tukey, DL, Miller (harmonic mean n)")
    assert r["studies_in_set"] == "Yang 2020 6/23; Alayo 2020 8/23; Buer 2018 5/10"
    assert [r["reconstructed_pct"], r["ci_low"], r["ci_high"]] == pytest.approx([33.52984107, 21.21224228,
                                                                                 46.95664697], abs=1e-5)
    r = _one(table, "Ahmed 2022: endoscopic remission", "logit + 0.5, DL")
    assert [r["reconstructed_pct"], r["ci_low"], r["ci_high"]] == pytest.approx([34.30005554, 22.93137352,
                                                                                 47.80860647], abs=1e-5)
    # x <- c(2, 0, 0, 1); n <- c(24, 10, 16, 16)  (serious AE; Sands 2007 is circular and left out)
    #   PFT, DL, transf.ipft.hm -> 0.0317216322 (0, 0.1006968969)
    r = _one(table, "Ahmed 2022: serious adverse event", "Freeman-Tukey, DL, Miller (harmonic mean n)")
    assert [r["reconstructed_pct"], r["ci_low"], r["ci_high"]] == pytest.approx([3.17216322, 0.0, 10.06969969],
                                                                                abs=1e-5)
    assert r["circular_rows"] == "Sands 2007" and "Sands 2007" not in r["studies_in_set"].lower()


def test_sine_square_back_transform_by_hand(table):
    x, n = [2, 0, 0, 1], [24, 10, 16, 16]
    res = pool_proportions(x, n, method="DL", transform="freeman_tukey")
    r = _one(table, "Ahmed 2022: serious adverse event", "Freeman-Tukey, DL, back-transformed as sin²(t/2)")
    assert r["reconstructed_pct"] == pytest.approx(100 * math.sin(res.estimate / 2) ** 2, rel=1e-12)


def test_reconstruction_is_labelled_and_never_agreement(table):
    assert not any("agree" in c for c in table.columns)
    assert table["close"].isin([True, False]).all()
    # distance in printed-CI widths, by hand: endoscopic remission printed 34 (23-46), width 23
    r = _one(table, "Ahmed 2022: endoscopic remission", "logit + 0.5, DL")
    assert r["distance"] == pytest.approx(abs(34.30005554 - 34) / 23, abs=1e-6) and r["close"]
    # the basis column says which counts are assumed, secondary or in trial units
    crem = table[table["outcome"] == "clinical_remission"]
    assert crem["basis"].str.contains("assumed").all() and crem["basis"].str.contains("secondary").all()


def test_circular_rows_never_enter_a_candidate_set():
    lit = load_literature()
    rows = candidate_rows(lit, "serious_ae", ["sands2007", "yang2020"])
    assert list(rows["study_id"]) == ["yang2020"]


def test_targets_file_names_bad_cells(tmp_path):
    t = load_targets()
    t.loc[0, "printed_pct"] = "fifty-nine"
    f = tmp_path / "t.csv"
    t.to_csv(f, index=False)
    with pytest.raises(ValueError, match="row 2, column 'printed_pct'"):
        load_targets(f)


def test_pooled_summary_row_and_predictive_check_by_integration():
    x, n = [12, 25, 8, 30], [40, 50, 30, 45]
    pooled = pool_proportions(x, n, method="GLMM")
    own = pd.DataFrame({"events": [9], "total": [10], "label": ["Cohort"]})
    row = pooled_summary_row("clinical_response", pooled, own)
    s = math.sqrt(pooled.tau2 + pooled.se ** 2)
    ref = integrate.quad(lambda t: stats.binom.sf(8, 10, expit(pooled.estimate + s * t)) * stats.t.pdf(t, 3),
                         -80, 80, limit=400)[0]
    assert row["p_at_least"] == pytest.approx(ref, abs=3e-4)
    assert row["this_cohort"] == "9/10" and row["ci_method"] == "t(k-1)"
    assert row["marginal_pct"] == pytest.approx(100 * pooled.proportion_marginal)
    # no fitted model (all zero events): no predictive check
    assert all(math.isnan(v) for v in predictive_check(pool_proportions([0, 0], [5, 6], method="GLMM"), 1, 5))


def test_the_meta_analysis_rules_leave_out_small_studies_mixed_arms_and_other_timepoints():
    """Ahmed 2022 pooled studies with more than 10 patients: Mao 2018 (4) and Buer 2018 (10) go; Olbjørn 2020's
    IFX+UST arm (started for a drug side effect) goes, leaving its IFX+VDZ arm alone (3/8), not 8/13."""
    t = reconstruction_table(load_literature())
    first = t.drop_duplicates(["target", "candidate_set"]).set_index(["target", "candidate_set"])
    crem = first.loc[("Ahmed 2022: clinical remission", "adult and paediatric studies")]
    assert "Mao 2018" not in crem["studies_in_set"] and "Buer 2018" not in crem["studies_in_set"]
    assert "Olbjørn 2020 3/8" in crem["studies_in_set"] and crem["k"] == 5
    assert crem["left_out"] == ("Buer 2018: 10 patients; Mao 2018: 4 patients; Olbjørn 2020 IFX+UST arm: mixed "
                                "indication")
    sae = first.loc[("Ahmed 2022: serious adverse event", "all candidate studies")]
    assert sae["studies_in_set"] == "Yang 2020 2/24; Privitera 2020 0/16; Dolinger 2021 1/16"  # safety: all arms
    # the rule can fail: the adult set lies more than one printed-CI width from 59% (42-74)
    adult = t[(t["candidate_set"] == "adult studies")]
    assert (adult["distance"] > 1).all() and not adult["close"].any()
    with pytest.raises(ValueError):
        reconstruction_table(load_literature(), close=0)
