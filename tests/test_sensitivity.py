"""Sensitivity analyses of a pooled literature proportion (:mod:`dttstudy.synthesis.sensitivity`).

Checks, on small hand-made literature tables, which studies each analysis of :func:`sensitivity_table` pools
(its units, k, events and patients), the wording of every row, which rows are "same as main", that the
selection options given by the caller reach every analysis, and that every pooled figure is the model of
:func:`dttstudy.synthesis.meta.pool_proportions` fitted to exactly the subset the analysis names. The subsets
and the expected rows are written out by hand from the selection rules of
:mod:`dttstudy.synthesis.literature` (never taken from the function under test).
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from builders import literature_row
from dttstudy.synthesis.meta import pool_proportions
from dttstudy.synthesis.sensitivity import SENSITIVITY_COLUMNS, sensitivity_from_rows, sensitivity_table

NAN = float("nan")


def _row(study_id, events, total, arm="", n=None, t=6.0, **kw):
    """One literature row of a multicentre study at 6 months, its count over everyone enrolled, unless told."""
    kw.setdefault("design", "retrospective multicentre")
    return literature_row(study_id, arm=arm, events=events, total=total, n=total if n is None else n, t=t, **kw)


def _toy() -> pd.DataFrame:
    """Every analysis of the table selects a different, known set of studies (see the comments)."""
    single = "retrospective, single centre"
    return pd.DataFrame([
        _row("alpha", 4, 10, arm="A"),                      # two arms: 10/22 as a study
        _row("alpha", 6, 12, arm="B"),
        _row("beta", 5, 20, t=3.0, n=25, denominator_basis="evaluable"),  # earliest 5/20, latest 8/20
        _row("beta", 8, 20, t=6.0, n=25, denominator_basis="evaluable"),  # 25 enrolled: ITT 8/25
        _row("gamma", 9, 30, n_enrolled=33, denominator_basis="completers"),  # ITT 9/33
        _row("early", 3, 15, overlaps_with="gamma", year=2019),  # inside gamma, smaller: out of the main pool
        _row("pcone", 12, 40, country="Y", design=single, year=2021, author="Pcone B"),  # possible overlap pair:
        _row("pctwo", 4, 16, country="Y", design=single, year=2022, author="Pctwo C"),   # pctwo is the smaller
        _row("mixedind", 5, 9, indication_mixed=True),
        _row("secondary", 2, 6, verified=False),
        _row("assumedst", 7, 14, count_basis="assumed"),
        _row("fixedst", 6, 18, count_basis="fixed"),
        _row("exactst", 5, 11, count_basis="exact"),
        _row("kids", 3, 7, population="paediatric"),        # only with include="all"
        _row("gamma", 2, 30, outcome="serious_ae"),
        _row("pcone", 3, 40, outcome="serious_ae", country="Y", design=single, year=2021, author="Pcone B"),
    ])


def _pool(counts, **kw):
    x, n = zip(*counts)
    return pool_proportions(list(x), list(n), **kw)


def _check(row, counts, **kw):
    """A table row equals pool_proportions on ``counts`` (the units written out by hand), every column."""
    res = _pool(counts, **kw)
    assert row["k"] == len(counts)
    assert row["events"] == sum(x for x, _ in counts) and row["n"] == sum(n for _, n in counts)
    assert row["pooled_pct"] == pytest.approx(100 * res.proportion, rel=1e-9)
    assert row["ci_low"] == pytest.approx(100 * res.ci_lower, rel=1e-9)
    assert row["ci_high"] == pytest.approx(100 * res.ci_upper, rel=1e-9)
    for col, v in (("pi_low", res.pi_lower), ("pi_high", res.pi_upper)):
        assert math.isnan(row[col]) if v is None else row[col] == pytest.approx(100 * v, rel=1e-9)
    assert row["tau2"] == pytest.approx(res.tau2, rel=1e-9, abs=1e-12)
    assert row["i2"] == pytest.approx(res.i2, rel=1e-9, abs=1e-12)
    assert (row["method"], row["ci_method"], row["pi_method"]) == (res.model_description, res.ci_method,
                                                                    res.pi_method or "")
    assert row["note"] == res.note


# main units of _toy() for clinical response (latest timepoint), in study order
ALPHA, BETA, EXACT, FIXED, GAMMA, PC1, PC2 = (10, 22), (8, 20), (5, 11), (6, 18), (9, 30), (12, 40), (4, 16)
MAIN = [ALPHA, BETA, EXACT, FIXED, GAMMA, PC1, PC2]
MAIN_LABELS = ["Alpha 2020", "Beta 2020", "Exactst 2020", "Fixedst 2020", "Gamma 2020", "Pcone 2021", "Pctwo 2022"]


def test_each_analysis_pools_the_studies_its_rule_names():
    # inverse-variance REML as the main model keeps the test fast; the GLMM main model is checked below
    t = sensitivity_table(_toy(), "clinical_response", method="REML", high_risk=["gamma", "beta", "kids"])
    assert tuple(t.columns) == SENSITIVITY_COLUMNS
    # analysis, detail, same_as_main and the units (events, total) each row pools, worked from the rules
    expected = [
        ("main", "studies as units; main inclusion rule", None, MAIN),
        ("arms as separate units", "each arm its own unit", False, [(4, 10), (6, 12)] + MAIN[1:]),
        ("with overlapping studies", "studies sharing patients added back", False,
         [ALPHA, BETA, (3, 15), EXACT, FIXED, GAMMA, PC1, PC2]),
        ("possible overlaps resolved", "studies that may share patients (same country, single centre, within two "
         "years) treated as overlapping: the larger kept", False, MAIN[:-1]),
        ("with mixed-indication studies", "studies treating some patients for non-IBD indications added back",
         False, [ALPHA, BETA, EXACT, FIXED, GAMMA, (5, 9), PC1, PC2]),
        ("without unverified rows", "rows not seen in the source removed — same as main", True, MAIN),
        ("with unverified rows", "rows not seen in the source added back", False, MAIN + [(2, 6)]),
        ("printed denominators only", "without denominators fixed by arithmetic or assumed (Rule C)", False,
         [ALPHA, BETA, EXACT, GAMMA, PC1, PC2]),
        ("printed counts only", "without any derived count: events and denominator both printed", False,
         [ALPHA, BETA, GAMMA, PC1, PC2]),
        ("with assumed denominators", "rows whose denominator was assumed added back", False,
         [ALPHA, (7, 14), BETA, EXACT, FIXED, GAMMA, PC1, PC2]),
        ("enrolled denominators (ITT)", "events over everyone who started (not evaluated = non-responder); "
         "changed: Beta 2020, Gamma 2020", False, [ALPHA, (8, 25), EXACT, FIXED, (9, 33), PC1, PC2]),
        ("without studies at high risk of bias", "JBI checklist; left out: Beta 2020, Gamma 2020", False,
         [ALPHA, EXACT, FIXED, PC1, PC2]),
    ]
    expected += [("leave-one-out", f"without {lab}", False, MAIN[:i] + MAIN[i + 1:])
                 for i, lab in enumerate(MAIN_LABELS)]
    assert list(t["analysis"]) == [e[0] for e in expected] + ["inverse-variance logit (REML)", "Freeman-Tukey (REML)"]
    assert list(t["detail"][:len(expected)]) == [e[1] for e in expected]
    assert list(t["same_as_main"][:len(expected)]) == [e[2] for e in expected]
    for (_, _, _, counts), (_, row) in zip(expected, t.iterrows()):
        _check(row, counts, method="REML")
    iv, ft = t.iloc[-2], t.iloc[-1]
    assert iv["detail"] == "main units; 0.5 added to 0/all-event studies"
    assert ft["detail"] == "main units; double arcsine, Miller back-transform"
    assert not iv["same_as_main"] and not ft["same_as_main"]
    _check(iv, MAIN, method="REML")
    _check(ft, MAIN, method="REML", transform="freeman_tukey")


def test_include_and_selection_options_reach_every_analysis_and_flags_are_the_analyses_own():
    # include="all" adds the paediatric study (3/7) everywhere, one_per_study="earliest" takes beta at 3 months
    # (5/20; ITT 5/25) everywhere; the flags that define the analyses themselves are ignored when passed in
    flags = dict(units="arm", overlapping=True, possible_overlaps=True, mixed_indication=True, unverified=True,
                 assumed=True, printed_only=True)
    t = sensitivity_table(_toy(), "clinical_response", "all", method="REML", level=0.9, leave_one_out=False,
                          one_per_study="earliest", **flags)
    beta, kids = (5, 20), (3, 7)
    main = [ALPHA, beta, EXACT, FIXED, GAMMA, kids, PC1, PC2]
    expected = [
        ("main", main),
        ("arms as separate units", [(4, 10), (6, 12)] + main[1:]),
        ("with overlapping studies", [ALPHA, beta, (3, 15), EXACT, FIXED, GAMMA, kids, PC1, PC2]),
        ("possible overlaps resolved", main[:-1]),
        ("with mixed-indication studies", [ALPHA, beta, EXACT, FIXED, GAMMA, kids, (5, 9), PC1, PC2]),
        ("without unverified rows", main),
        ("with unverified rows", main + [(2, 6)]),
        ("printed denominators only", [ALPHA, beta, EXACT, GAMMA, kids, PC1, PC2]),
        ("printed counts only", [ALPHA, beta, GAMMA, kids, PC1, PC2]),
        ("with assumed denominators", [ALPHA, (7, 14), beta, EXACT, FIXED, GAMMA, kids, PC1, PC2]),
        ("enrolled denominators (ITT)", [ALPHA, (5, 25), EXACT, FIXED, (9, 33), kids, PC1, PC2]),
        ("inverse-variance logit (REML)", main),
        ("Freeman-Tukey (REML)", main),
    ]
    assert list(t["analysis"]) == [a for a, _ in expected]  # no high-risk row without high_risk, no leave-one-out
    assert t.loc[10, "detail"] == ("events over everyone who started (not evaluated = non-responder); "
                                   "changed: Beta 2020, Gamma 2020")
    for (name, counts), (_, row) in zip(expected[:-1], t.iloc[:-1].iterrows()):
        _check(row, counts, method="REML", level=0.9)
    _check(t.iloc[-1], main, method="REML", transform="freeman_tukey", level=0.9)


def _clean() -> pd.DataFrame:
    """Two single-arm studies that pass every rule with enrolled denominators: every variant is the main pool."""
    return pd.DataFrame([_row("one", 6, 20, year=2018), _row("two", 9, 15, year=2021),
                         _row("one", 1, 20, outcome="any_ae", year=2018), _row("two", 4, 15, outcome="any_ae",
                                                                                year=2021)])


SAME = ["arms as separate units", "each arm its own unit"], \
    ["with overlapping studies", "studies sharing patients added back"], \
    ["possible overlaps resolved", "studies that may share patients (same country, single centre, within two "
     "years) treated as overlapping: the larger kept"], \
    ["with mixed-indication studies", "studies treating some patients for non-IBD indications added back"], \
    ["without unverified rows", "rows not seen in the source removed"], \
    ["with unverified rows", "rows not seen in the source added back"], \
    ["printed denominators only", "without denominators fixed by arithmetic or assumed (Rule C)"], \
    ["printed counts only", "without any derived count: events and denominator both printed"], \
    ["with assumed denominators", "rows whose denominator was assumed added back"]


def test_default_glmm_main_and_variants_that_change_nothing_say_same_as_main():
    t = sensitivity_table(_clean(), "clinical_response", high_risk=["nobody"])
    names = ["main"] + [a for a, _ in SAME] + ["enrolled denominators (ITT)", "without studies at high risk of bias",
                                               "leave-one-out", "leave-one-out", "inverse-variance logit (REML)",
                                               "Freeman-Tukey (REML)"]
    assert list(t["analysis"]) == names
    assert list(t["detail"]) == (
        ["studies as units; main inclusion rule"] + [f"{d} — same as main" for _, d in SAME]
        + ["events over everyone who started (not evaluated = non-responder) — same as main",
           "JBI checklist; none in the main pool — same as main", "without One 2018", "without Two 2021",
           "main units; 0.5 added to 0/all-event studies", "main units; double arcsine, Miller back-transform"])
    assert list(t["same_as_main"]) == [None] + [True] * 11 + [False] * 4
    # main: the binomial-normal GLMM with t(k-1) intervals; the same-as-main rows repeat it
    for i in range(12):
        _check(t.iloc[i], [(6, 20), (9, 15)], method="GLMM", test="t")
    # leave-one-out of two studies: each study alone (its own proportion, Clopper-Pearson CI)
    _check(t.iloc[12], [(9, 15)])
    _check(t.iloc[13], [(6, 20)])
    _check(t.iloc[14], [(6, 20), (9, 15)], method="REML")
    _check(t.iloc[15], [(6, 20), (9, 15)], method="REML", transform="freeman_tukey")


def test_glmm_main_takes_the_z_test_when_asked():
    t = sensitivity_table(_clean(), "clinical_response", test="z", leave_one_out=False)
    _check(t.iloc[0], [(6, 20), (9, 15)], method="GLMM", test="z")
    assert (t.iloc[0]["ci_method"], t.iloc[0]["method"]) == ("z", "binomial-normal GLMM (ML), z CI")


def test_safety_outcomes_have_no_intention_to_treat_row():
    # adverse events are always over everyone who started: no ITT analysis; pctwo reports no serious AE,
    # so the possible-overlap rule has nothing to resolve
    t = sensitivity_table(_toy(), "serious_ae", method="REML")
    assert list(t["analysis"]) == ["main"] + [a for a, _ in SAME] + ["leave-one-out", "leave-one-out",
                                                                    "inverse-variance logit (REML)",
                                                                    "Freeman-Tukey (REML)"]
    assert list(t["same_as_main"][1:10]) == [True] * 9
    assert list(t["detail"][1:10]) == [f"{d} — same as main" for _, d in SAME]
    _check(t.iloc[0], [(2, 30), (3, 40)], method="REML")


def test_hartung_knapp_on_request_ad_hoc_by_default():
    counts = [ALPHA, BETA, EXACT, FIXED, GAMMA, PC1, PC2]
    t = sensitivity_table(_toy(), "clinical_response", method="REML", hartung_knapp=True, leave_one_out=False)
    hk = " with Hartung-Knapp CI (ad hoc: never narrower than Wald)"
    assert list(t["detail"][-2:]) == ["main units; 0.5 added to 0/all-event studies" + hk,
                                      "main units; double arcsine, Miller back-transform" + hk]
    # an inverse-variance main model takes the Hartung-Knapp CI too
    _check(t.iloc[0], counts, method="REML", hartung_knapp=True, hk_adhoc=True)
    _check(t.iloc[-2], counts, method="REML", hartung_knapp=True, hk_adhoc=True)
    _check(t.iloc[-1], counts, method="REML", transform="freeman_tukey", hartung_knapp=True, hk_adhoc=True)
    t = sensitivity_table(_toy(), "clinical_response", method="REML", hartung_knapp=True, hk_adhoc=False,
                          leave_one_out=False)
    assert list(t["detail"][-2:]) == ["main units; 0.5 added to 0/all-event studies with Hartung-Knapp CI",
                                      "main units; double arcsine, Miller back-transform with Hartung-Knapp CI"]
    _check(t.iloc[0], counts, method="REML", hartung_knapp=True, hk_adhoc=False)
    _check(t.iloc[-1], counts, method="REML", transform="freeman_tukey", hartung_knapp=True, hk_adhoc=False)


def test_an_analysis_no_study_qualifies_for_is_an_empty_row():
    # both studies rest on a derived count (fixed, exact denominators): "printed counts only" pools nothing
    lit = pd.DataFrame([_row("one", 6, 20, count_basis="fixed"), _row("two", 9, 15, count_basis="exact")])
    t = sensitivity_table(lit, "clinical_response", method="REML", leave_one_out=False).set_index("analysis")
    empty = {"detail": "without any derived count: events and denominator both printed — no study qualifies",
             "k": 0, "events": 0, "n": 0, "pooled_pct": NAN, "ci_low": NAN, "ci_high": NAN, "pi_low": NAN,
             "pi_high": NAN, "tau2": NAN, "i2": NAN, "method": "", "ci_method": "", "pi_method": "",
             "same_as_main": False, "note": "no studies"}
    pd.testing.assert_series_equal(t.loc["printed counts only"], pd.Series(empty, name="printed counts only"),
                                   check_dtype=False)
    # printed or exact denominators keep "two" only: a pool of one study, with the note the model gives it
    _check(t.loc["printed denominators only"], [(9, 15)], method="REML")
    assert t.loc["printed denominators only", "note"] == ("k = 1: the study's own estimate; tau^2 is not "
                                                          "estimable and is shown as 0.")


def _units(x, n, ids, label=True):
    d = pd.DataFrame({"study_id": ids, "arm": [""] * len(x), "events": x, "total": n})
    return d.assign(label=[f"Study {i}" for i in ids]) if label else d


def test_rows_given_directly_name_units_by_label_or_study_id():
    main = _units([6, 9, 4], [20, 15, 12], ["a", "b", "c"], label=False)
    variants = {"fewer events": ("b with 8 events", _units([6, 8, 4], [20, 15, 12], ["a", "b", "c"], label=False)),
                "larger total": ("b over 16", _units([6, 9, 4], [20, 16, 12], ["a", "b", "c"], label=False)),
                "other arm": ("b as arm X", main.assign(arm=["", "X", ""])),
                "other study": ("c replaced by d", main.assign(study_id=["a", "b", "d"])),
                "unchanged": ("the same rows", main.copy()),
                "not given": ("rows None", None),
                "nothing": ("no rows", main.iloc[:0])}
    t = sensitivity_from_rows(main, variants, method="PM", hartung_knapp=True, hk_adhoc=False, level=0.8,
                              iv_models=False)
    # a variant is "same as main" only when study, arm, events and total of every unit are the same
    assert list(t["analysis"]) == ["main", "fewer events", "larger total", "other arm", "other study", "unchanged",
                                   "not given", "nothing", "leave-one-out", "leave-one-out", "leave-one-out"]
    # no label column: the study id names the unit left out
    assert list(t["detail"]) == ["studies as units; main inclusion rule", "b with 8 events", "b over 16",
                                 "b as arm X", "c replaced by d", "the same rows — same as main",
                                 "rows None — same as main", "no rows — no study qualifies", "without a",
                                 "without b", "without c"]
    assert list(t["same_as_main"]) == [None, False, False, False, False, True, True, False, False, False, False]
    kw = dict(method="PM", hartung_knapp=True, hk_adhoc=False, level=0.8)
    abc = [(6, 20), (9, 15), (4, 12)]
    expected = [abc, [(6, 20), (8, 15), (4, 12)], [(6, 20), (9, 16), (4, 12)], abc, abc, abc, abc, None,
                [(9, 15), (4, 12)], [(6, 20), (4, 12)], [(6, 20), (9, 15)]]
    for counts, (_, row) in zip(expected, t.iterrows()):
        if counts is None:
            assert (row["k"], row["n"], row["note"]) == (0, 0, "no studies") and math.isnan(row["pooled_pct"])
        else:
            _check(row, counts, **kw)


def test_rows_given_directly_leave_one_out_needs_two_units_and_labels_name_them():
    two = _units([6, 9], [20, 15], ["a", "b"])
    t = sensitivity_from_rows(two, method="REML", level=0.9)
    assert list(t["analysis"]) == ["main", "leave-one-out", "leave-one-out", "inverse-variance logit (REML)",
                                   "Freeman-Tukey (REML)"]
    assert list(t["detail"][1:]) == ["without Study a", "without Study b",
                                     "main units; 0.5 added to 0/all-event studies",
                                     "main units; double arcsine, Miller back-transform"]
    _check(t.iloc[1], [(9, 15)], method="REML", level=0.9)
    _check(t.iloc[2], [(6, 20)], method="REML", level=0.9)
    _check(t.iloc[4], [(6, 20), (9, 15)], method="REML", transform="freeman_tukey", level=0.9)
    # one unit: no leave-one-out; the inverse-variance rows are the study's own estimate, with the model's note
    one = sensitivity_from_rows(two.iloc[:1], method="REML", leave_one_out=True)
    assert list(one["analysis"]) == ["main", "inverse-variance logit (REML)", "Freeman-Tukey (REML)"]
    _check(one.iloc[1], [(6, 20)], method="REML")
    _check(one.iloc[2], [(6, 20)], method="REML", transform="freeman_tukey")
    assert one.iloc[1]["note"].startswith("k = 1: the study's own estimate")
    # no unit at all: the main row only, empty (NaN figures, no model, no note)
    none = sensitivity_from_rows(two.iloc[:0])
    assert list(none["analysis"]) == ["main"] and none.iloc[0]["k"] == 0 and none.iloc[0]["note"] == ""
    assert none.iloc[0]["same_as_main"] is None and none.iloc[0]["method"] == ""
    assert all(math.isnan(none.iloc[0][c]) for c in ("pooled_pct", "ci_low", "ci_high", "tau2", "i2"))


def test_rows_given_directly_hartung_knapp_is_ad_hoc_unless_told():
    two = _units([6, 9], [20, 15], ["a", "b"])
    t = sensitivity_from_rows(two, method="REML", hartung_knapp=True, leave_one_out=False)
    hk = " with Hartung-Knapp CI (ad hoc: never narrower than Wald)"
    assert list(t["detail"]) == ["studies as units; main inclusion rule",
                                 "main units; 0.5 added to 0/all-event studies" + hk,
                                 "main units; double arcsine, Miller back-transform" + hk]
    for row in (t.iloc[0], t.iloc[1]):
        _check(row, [(6, 20), (9, 15)], method="REML", hartung_knapp=True, hk_adhoc=True)


def test_a_bad_count_is_reported_with_the_label_of_its_study():
    bad = _units([6, 19], [20, 15], ["a", "b"])
    with pytest.raises(ValueError, match=r"events\[1\] = 19 > totals\[1\] = 15 at position 1 \(study 'Study b'\)"):
        sensitivity_from_rows(bad, method="REML")
