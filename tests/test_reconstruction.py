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


# --- small hand-made literature frames: every expectation below is worked out by hand or with scipy directly ---

def _lit_row(sid, author, year, events, total, arm="", outcome="clinical_remission", months=12.0, basis="printed",
             verified=True, trial=False, mixed=False, n_patients=None):
    """One row of a literature frame with the typed columns :func:`load_literature` gives."""
    return {"study_id": sid, "arm": arm, "first_author": author, "year": year, "outcome": outcome,
            "events": events, "total": total, "n_patients": total if n_patients is None else n_patients,
            "timepoint_months": months, "count_basis": basis, "verified": verified, "trial_units": trial,
            "indication_mixed": mixed, "event_based": False}


def _worked_lit():
    # Alpha 2020: two arms, 2/8 + 3/12 = 5/20 (20 patients); Beta 2021 5/20; Delta 2022 4/19 (19 patients);
    # Gamma 2019 only a circular safety row
    return pd.DataFrame([_lit_row("alpha2020", "Alpha A", 2020, 2, 8, arm="IFX+VDZ"),
                         _lit_row("alpha2020", "Alpha A", 2020, 3, 12, arm="UST+VDZ"),
                         _lit_row("beta2021", "Beta B", 2021, 5, 20),
                         _lit_row("delta2022", "Delta D", 2022, 4, 19),
                         _lit_row("gamma2019", "Gamma G", 2019, 1, 10, outcome="serious_ae", basis="circular")])


def _target(ids, printed=("30", "22", "38"), minimum="", cset="both", circular="", outcome="clinical_remission"):
    return {"meta_analysis": "Meta 2023", "outcome": outcome, "printed_pct": printed[0],
            "printed_ci_low": printed[1], "printed_ci_high": printed[2], "min_patients": minimum,
            "candidate_set": cset, "study_ids": ids, "excluded_circular": circular}


_COLUMNS = ["target", "outcome", "printed_pct", "printed_ci", "candidate_set", "studies_in_set", "k", "events", "n",
            "basis", "circular_rows", "rule", "left_out", "variant", "reconstructed_pct", "ci_low", "ci_high",
            "distance", "close"]
_VARIANT_NAMES = ["Freeman-Tukey, DL, Miller (harmonic mean n)", "Freeman-Tukey, DL, back-transformed as sin²(t/2)",
                  "Freeman-Tukey, REML, Miller (harmonic mean n)",
                  "Freeman-Tukey, REML, back-transformed as sin²(t/2)", "logit + 0.5, DL", "logit + 0.5, REML",
                  "binomial-normal GLMM (ML), t(k-1) CI"]


def _by_hand(level):
    """Two studies of 5/20 each: Q = 0, so tau^2 = 0 under DL, REML and the GLMM (ML), and every model pools at
    the common value. Logit: mu = logit(1/4), SE^2 = 1 / sum(1/(1/5 + 1/15)) = 1/7.5 (the GLMM's SE at
    tau^2 = 0 is the binomial one, the same); Freeman-Tukey: y = asin(sqrt(5/21)) + asin(sqrt(6/21)),
    SE^2 = 1 / (2 * 20.5); sin^2(t/2) back-transform with t clipped to [0, pi]."""
    z = stats.norm.ppf(0.5 + level / 2)
    tq = stats.t.ppf(0.5 + level / 2, 1)
    mu, se = math.log(1 / 3), math.sqrt(1 / 7.5)
    y, se_ft = math.asin(math.sqrt(5 / 21)) + math.asin(math.sqrt(6 / 21)), math.sqrt(1 / 41)

    def sin2(t):
        return 100 * math.sin(min(max(t, 0.0), math.pi) / 2) ** 2
    return {"sin2": [sin2(y), sin2(y - z * se_ft), sin2(y + z * se_ft)],
            "logit": [25.0, 100 * expit(mu - z * se), 100 * expit(mu + z * se)],
            "glmm": [25.0, 100 * expit(mu - tq * se), 100 * expit(mu + tq * se)]}


def test_reconstruction_worked_example_columns_values_and_closeness():
    t = reconstruction_table(_worked_lit(), pd.DataFrame([_target("alpha2020;beta2021",
                                                                  circular="gamma2019;ghost2018")]))
    assert list(t.columns) == _COLUMNS
    assert list(t["variant"]) == _VARIANT_NAMES
    base = t[_COLUMNS[:13]].drop_duplicates()
    assert len(base) == 1
    # Alpha 2020's two arms are summed (2/8 + 3/12); an id not in the literature keeps its id in circular_rows
    assert base.iloc[0].to_dict() == {
        "target": "Meta 2023: clinical remission", "outcome": "clinical_remission", "printed_pct": 30.0,
        "printed_ci": "22–38", "candidate_set": "both", "studies_in_set": "Alpha 2020 5/20; Beta 2021 5/20",
        "k": 2, "events": 10, "n": 40, "basis": "all printed in the studies' own text",
        "circular_rows": "Gamma 2019, ghost2018", "rule": "IBD indication, one timepoint per study",
        "left_out": ""}
    hand = _by_hand(0.95)
    rows = t.set_index("variant")
    for name, key in [(_VARIANT_NAMES[1], "sin2"), (_VARIANT_NAMES[3], "sin2"), (_VARIANT_NAMES[4], "logit"),
                      (_VARIANT_NAMES[5], "logit"), (_VARIANT_NAMES[6], "glmm")]:
        r = rows.loc[name]
        assert [r["reconstructed_pct"], r["ci_low"], r["ci_high"]] == pytest.approx(hand[key], abs=1e-4), name
        # distance in printed-CI widths: |v - 30| / (38 - 22); close when at most 0.25
        assert r["distance"] == pytest.approx(abs(hand[key][0] - 30) / 16, abs=1e-5)
        assert r["close"] == (abs(hand[key][0] - 30) / 16 <= 0.25)
    # 25% lies 5/16 = 0.3125 widths away (not close); sin^2(t/2) gives 26.16%, 0.24 widths away (close)
    assert list(t["close"]) == [False, True, False, True, False, False, False]


def test_reconstruction_passes_the_level_to_every_variant():
    # at level 0.90 the Wald variants use z = 1.645 and the GLMM t(1) at 0.95 (formulas in _by_hand)
    t = reconstruction_table(_worked_lit(), pd.DataFrame([_target("alpha2020;beta2021")]), level=0.90)
    rows = t.set_index("variant")
    hand = _by_hand(0.90)
    for name, key in [(_VARIANT_NAMES[1], "sin2"), (_VARIANT_NAMES[4], "logit"), (_VARIANT_NAMES[6], "glmm")]:
        r = rows.loc[name]
        assert [r["reconstructed_pct"], r["ci_low"], r["ci_high"]] == pytest.approx(hand[key], abs=1e-4), name


def test_reconstruction_distance_equal_to_close_is_close():
    # "close is a distance of at most close": a row exactly at the threshold is close
    lit, tg = _worked_lit(), pd.DataFrame([_target("alpha2020;beta2021")])
    d = reconstruction_table(lit, tg)["distance"].iloc[1]
    t = reconstruction_table(lit, tg, close=d)
    assert t["distance"].iloc[1] == d and t["close"].iloc[1] == True  # noqa: E712


def test_reconstruction_minimum_size_rule_and_its_wording():
    lit = _worked_lit()
    tg = pd.DataFrame([_target("alpha2020;beta2021;delta2022;ghost2018", minimum="20", cset="at least 20"),
                       _target("beta2021;ghost2018", minimum="1", cset="at least 1")])
    t = reconstruction_table(lit, tg).drop_duplicates("candidate_set").set_index("candidate_set")
    # Alpha 2020 (8 + 12 = 20 patients) meets a minimum of 20; Delta 2022 (19) does not; a study id the
    # literature does not hold counts 0 patients and keeps its id
    r = t.loc["at least 20"]
    assert r["studies_in_set"] == "Alpha 2020 5/20; Beta 2021 5/20" and r["k"] == 2
    assert r["left_out"] == "Delta 2022: 19 patients; ghost2018: 0 patients"
    assert r["rule"] == "at least 20 patients per study; IBD indication, one timepoint per study"
    r = t.loc["at least 1"]
    assert r["left_out"] == "ghost2018: 0 patients" and r["studies_in_set"] == "Beta 2021 5/20"
    assert r["rule"] == "at least 1 patient per study; IBD indication, one timepoint per study"
    # rules=False: the set as listed, nothing left out
    t = reconstruction_table(lit, tg, rules=False).drop_duplicates("candidate_set").set_index("candidate_set")
    r = t.loc["at least 20"]
    assert r["studies_in_set"] == "Alpha 2020 5/20; Beta 2021 5/20; Delta 2022 4/19" and r["k"] == 3
    assert r["rule"] == "candidate set as listed" and r["left_out"] == ""
    assert (r["events"], r["n"]) == (14, 59)


def test_reconstruction_with_fewer_than_two_studies_pools_nothing():
    # one study (Beta 2021) and no study at all: no variant is fitted, every value is NaN and close is None
    tg = pd.DataFrame([_target("beta2021", cset="one"), _target("ghost2018", cset="none")])
    t = reconstruction_table(_worked_lit(), tg)
    assert list(t.columns) == _COLUMNS and len(t) == 14
    for col in ("reconstructed_pct", "ci_low", "ci_high", "distance"):
        assert t[col].dtype == "float64" and t[col].isna().all(), col
    assert list(t["close"]) == [None] * 14
    one, none = t.iloc[0], t.iloc[7]
    assert (one["k"], one["events"], one["n"], one["basis"], one["studies_in_set"]) == (
        1, 5, 20, "all printed in the studies' own text", "Beta 2021 5/20")
    assert (none["k"], none["events"], none["n"], none["basis"], none["studies_in_set"]) == (0, 0, 0, "", "")


def test_reconstruction_distance_needs_a_printed_interval_of_positive_width():
    # width 0: no distance; width 0.6 (< 1): |26.16 - 25| / 0.6 by hand (sin^2(t/2) value from _by_hand)
    tg = pd.DataFrame([_target("alpha2020;beta2021", printed=("25", "25", "25"), cset="zero width"),
                       _target("alpha2020;beta2021", printed=("25", "24.8", "25.4"), cset="narrow")])
    t = reconstruction_table(_worked_lit(), tg)
    zero, narrow = t[t["candidate_set"] == "zero width"], t[t["candidate_set"] == "narrow"]
    assert zero["distance"].isna().all() and list(zero["close"]) == [None] * 7
    assert zero["printed_ci"].iloc[0] == "25–25" and narrow["printed_ci"].iloc[0] == "24.8–25.4"
    v = _by_hand(0.95)["sin2"][0]
    assert narrow["distance"].iloc[1] == pytest.approx((v - 25) / 0.6, abs=1e-4)
    assert narrow["close"].iloc[1] == False  # noqa: E712


def test_reconstruction_uses_the_targets_given_without_min_patients_and_unknown_outcomes():
    # a targets frame without the min_patients column means no minimum; an outcome without a label keeps its code
    tg = pd.DataFrame([_target("alpha2020;beta2021", outcome="week8_remission")]).drop(columns="min_patients")
    t = reconstruction_table(_worked_lit(), tg)
    assert len(t) == 7 and set(t["target"]) == {"Meta 2023: week8_remission"}
    assert set(t["rule"]) == {"IBD indication, one timepoint per study"} and set(t["k"]) == {0}


def test_reconstruction_close_must_be_positive_message():
    lit, tg = _worked_lit(), pd.DataFrame([_target("alpha2020;beta2021")])
    for close, text in [(0, "0"), (-0.5, "-0.5")]:
        with pytest.raises(ValueError) as e:
            reconstruction_table(lit, tg, close=close)
        assert str(e.value) == f"close must be positive (got {text})"


def test_reconstruction_basis_counts_assumed_fixed_secondary_and_trial_units():
    # 2 assumed denominators (plural), 1 fixed (singular), 1 unverified, 2 in trial units: counted by hand
    lit = pd.DataFrame([_lit_row("a2020", "Aa A", 2020, 3, 10, basis="assumed"),
                        _lit_row("b2020", "Bb B", 2020, 4, 10, basis="assumed", trial=True),
                        _lit_row("c2020", "Cc C", 2020, 5, 10, basis="fixed", verified=False, trial=True)])
    t = reconstruction_table(lit, pd.DataFrame([_target("a2020;b2020;c2020")]))
    assert set(t["basis"]) == {"2 assumed denominators; 1 fixed denominator; 1 from secondary sources only; "
                               "2 in therapeutic-trial units"}
    lit = pd.DataFrame([_lit_row("a2020", "Aa A", 2020, 3, 10, basis="fixed"),
                        _lit_row("b2020", "Bb B", 2020, 4, 10, basis="fixed")])
    t = reconstruction_table(lit, pd.DataFrame([_target("a2020;b2020")]))
    assert set(t["basis"]) == {"2 fixed denominators"}


def _candidate_lit():
    return pd.DataFrame([
        _lit_row("eps2019", "Eps E", 2019, 4, 10, months=6.0),           # stated timepoint
        _lit_row("eps2019", "Eps E", 2019, 7, 10, months=math.nan),      # same arm, no timepoint: not kept
        _lit_row("zeta2020", "Zeta Z", 2020, 3, 9, arm="A"),
        _lit_row("zeta2020", "Zeta Z", 2020, 2, 5, arm="B", months=math.nan),
        _lit_row("eta2021", "Eta E", 2021, 5, 11, mixed=True),
        _lit_row("theta2018", "Theta T", 2018, 3, 10),
        _lit_row("theta2018", "Theta T", 2018, 6, 10),                   # second row of the same arm and time
        _lit_row("iota2022", "Iota I", 2022, 2, 8, arm="X"),
        _lit_row("iota2022", "Iota I", 2022, 3, 12, arm="Y", basis="assumed", verified=False)])


def test_candidate_rows_one_row_per_study_with_its_arms_summed():
    lit = _candidate_lit()
    left: list[str] = []
    rows = candidate_rows(lit, "clinical_remission", ["eps2019", "zeta2020", "eta2021", "theta2018", "iota2022"],
                          rules=True, left_out=left)
    # Eps: the 6-month row (an unstated timepoint counts as unknown); Zeta: arm B (no timepoint) left out;
    # Eta: mixed indication; Theta: the first row of its arm; Iota: 2/8 + 3/12, assumed + printed, not all verified
    assert left == ["Eta 2021: mixed indication", "Zeta 2020 B arm: another timepoint"]
    got = rows[["study_id", "arm", "events", "total", "count_basis", "verified", "label"]]
    assert got.to_dict("list") == {
        "study_id": ["eps2019", "zeta2020", "theta2018", "iota2022"], "arm": ["", "", "", ""],
        "events": [4, 3, 3, 5], "total": [10, 9, 10, 20],
        "count_basis": ["printed", "printed", "printed", "assumed, printed"],
        "verified": [True, True, True, False], "label": ["Eps 2019", "Zeta 2020", "Theta 2018", "Iota 2022"]}


def test_candidate_rows_apply_no_rules_by_default():
    # without rules the mixed-indication study stays and Zeta's arms are summed at their own latest rows: 3/9 + 2/5
    rows = candidate_rows(_candidate_lit(), "clinical_remission", ["eta2021", "zeta2020"])
    assert rows[["study_id", "events", "total"]].to_dict("list") == {
        "study_id": ["eta2021", "zeta2020"], "events": [5, 5], "total": [11, 14]}


def test_targets_file_error_names_the_file_and_every_bad_cell(tmp_path):
    t = load_targets()
    t.loc[0, "printed_pct"] = "fifty-nine"
    t.loc[1, "printed_ci_low"] = ""
    f = tmp_path / "t.csv"
    t.to_csv(f, index=False)
    with pytest.raises(ValueError) as e:
        load_targets(f)
    # problems listed column by column, each on its own indented line; file rows count the header as row 1
    assert str(e.value) == (f"{f}:\n  row 2, column 'printed_pct': 'fifty-nine' is not a number\n"
                            "  row 3, column 'printed_ci_low': '' is not a number")


def _quad_tail(pooled, x, n, upper, df):
    """P(X >= x) (upper) or P(X <= x), X ~ Binomial(n, expit(mu + s T)), T ~ t(df) or N(0, 1), by quadrature."""
    s = math.sqrt(pooled.tau2 + pooled.se ** 2)
    dens = (lambda u: stats.t.pdf(u, df)) if df else stats.norm.pdf

    def tail(u):
        p = expit(pooled.estimate + s * u)
        return stats.binom.sf(x - 1, n, p) if upper else stats.binom.cdf(x, n, p)
    return integrate.quad(lambda u: tail(u) * dens(u), -80, 80, limit=400)[0]


def test_pooled_summary_row_keys_values_and_both_tails():
    x, n = [12, 25, 8, 30], [40, 50, 30, 45]
    pooled = pool_proportions(x, n, method="GLMM")
    own = pd.DataFrame({"events": [5], "total": [10], "label": ["Cohort (NRI)"]})
    row = pooled_summary_row("clinical_response", pooled, own)
    assert list(row) == ["outcome", "k", "patients", "pooled_pct", "ci_low", "ci_high", "marginal_pct",
                         "marginal_ci_low", "marginal_ci_high", "pi_low", "pi_high", "tau2", "tau2_ci_low",
                         "tau2_ci_high", "i2", "method", "ci_method", "pi_method", "this_cohort", "this_cohort_label",
                         "this_cohort_pct", "p_at_least", "p_at_most", "this_cohort_observed",
                         "p_at_least_observed", "p_at_most_observed"]
    # the pooled columns are the result's proportions in percent (the docstring's definitions)
    assert row["outcome"] == "clinical_response" and row["k"] == 4 and row["patients"] == 165
    pct = {"pooled_pct": pooled.proportion, "ci_low": pooled.ci_lower, "ci_high": pooled.ci_upper,
           "marginal_pct": pooled.proportion_marginal, "marginal_ci_low": pooled.marginal_ci_lower,
           "marginal_ci_high": pooled.marginal_ci_upper, "pi_low": pooled.pi_lower, "pi_high": pooled.pi_upper}
    for key, v in pct.items():
        assert math.isfinite(v) and row[key] == pytest.approx(100 * v, rel=1e-12), key
    assert (row["tau2"], row["tau2_ci_low"], row["tau2_ci_high"], row["i2"]) == (
        pooled.tau2, pooled.tau2_ci_lower, pooled.tau2_ci_upper, pooled.i2)
    assert (row["method"], row["ci_method"], row["pi_method"]) == (pooled.model_description, "t(k-1)", "t(k-1)")
    # this cohort 5/10 = 50%; both tails by quadrature with t(3) (k - 1 = 3); midpoint-rule error <= 1/4000
    assert (row["this_cohort"], row["this_cohort_label"], row["this_cohort_pct"]) == ("5/10", "Cohort (NRI)", 50.0)
    assert row["p_at_least"] == pytest.approx(_quad_tail(pooled, 5, 10, True, 3), abs=3e-4)
    assert row["p_at_most"] == pytest.approx(_quad_tail(pooled, 5, 10, False, 3), abs=3e-4)
    # no observed-cases row given
    assert row["this_cohort_observed"] == "—"
    assert math.isnan(row["p_at_least_observed"]) and math.isnan(row["p_at_most_observed"])


def test_pooled_summary_row_without_a_prediction_interval_or_a_pool():
    # k = 1 (inverse variance): no prediction interval, no population-averaged proportion -> NaN
    row = pooled_summary_row("any_ae", pool_proportions([3], [10], method="DL"), pd.DataFrame())
    assert all(math.isnan(row[k]) for k in ("marginal_pct", "marginal_ci_low", "marginal_ci_high", "pi_low",
                                            "pi_high", "this_cohort_pct", "p_at_least", "p_at_most"))
    assert (row["this_cohort"], row["this_cohort_label"], row["this_cohort_observed"]) == ("—", "", "—")
    # no pool at all: only the outcome and this cohort's count, with no predictive check
    own = pd.DataFrame({"events": [2], "total": [8], "label": ["Cohort"]})
    row = pooled_summary_row("serious_ae", None, own)
    assert list(row)[:5] == ["outcome", "this_cohort", "this_cohort_label", "this_cohort_pct", "p_at_least"]
    assert row["this_cohort"] == "2/8" and row["this_cohort_pct"] == 25.0
    assert math.isnan(row["p_at_least"]) and math.isnan(row["p_at_most"])
    assert all(math.isnan(v) for v in predictive_check(None, 1, 5))


def test_predictive_check_for_one_patient_and_for_the_normal_interval():
    x, n = [12, 25, 8, 30], [40, 50, 30, 45]
    pooled = pool_proportions(x, n, method="GLMM")
    # one patient: P(1 event) is E[expit(mu + s T)], T ~ t(3); P(at most 1 of 1) = 1
    up, low = predictive_check(pooled, 1, 1)
    assert up == pytest.approx(_quad_tail(pooled, 1, 1, True, 3), abs=3e-4) and low == pytest.approx(1.0)
    # the z-based GLMM: prediction interval with z, so T ~ N(0, 1)
    pooled = pool_proportions(x, n, method="GLMM", test="z")
    assert pooled.pi_method == "z"
    up, low = predictive_check(pooled, 5, 10)
    assert up == pytest.approx(_quad_tail(pooled, 5, 10, True, None), abs=3e-4)
    assert low == pytest.approx(_quad_tail(pooled, 5, 10, False, None), abs=3e-4)
