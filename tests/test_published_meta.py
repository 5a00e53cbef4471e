"""A published DTT meta-analysis reproduced: Anderson et al., Inflamm Bowel Dis 2026;32(1):39-52.

The paper states a "random-effects inverse variance model" (abstract). Its per-subgroup counts are in
``data/published/anderson2026_subgroups.csv`` with their sources; expected values below are hand
calculations from the printed percentages and therapeutic-trial (TT) counts, never the code's output.
Subgroups whose per-study counts no source gives (multi-study estimates, Ahmed 2022, Alayo 2022) cannot be
reproduced; the data file says why, and the last tests check that the printed figures are indeed not raw
proportions.
"""
from __future__ import annotations

import pandas as pd
import pytest

from dttstudy.synthesis.literature import PUBLISHED_META_FILE, published_meta_check
from dttstudy.synthesis.meta import pool_proportions


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(PUBLISHED_META_FILE, dtype=str, keep_default_na=False)


def _pct(res):
    return 100 * res.proportion


# printed %, events, TTs; 45/71 = 63.380 %, 48/52 = 92.308 % (hand division)
SINGLE_STUDY = [("aTNF + guselkumab", "any_ae", 63.4, 45, 71), ("natalizumab + aTNF", "any_ae", 92.3, 48, 52)]
# printed 0 % or 100 % with the TT count printed beside it
BOUNDARY = [("natalizumab + aTNF", "serious_ae", 0, 0, 52), ("tofacitinib + ustekinumab", "serious_ae", 0, 0, 23),
            ("upadacitinib + vedolizumab", "serious_ae", 0, 0, 2), ("upadacitinib + vedolizumab", "any_ae", 0, 0, 2),
            ("upadacitinib + vedolizumab", "clinical_response", 100, 2, 2),
            ("upadacitinib + vedolizumab", "clinical_remission", 100, 2, 2)]


def test_data_file_holds_the_printed_figures(data):
    d = data.set_index(["subgroup", "outcome"])
    for sub, outcome, printed, x, n in SINGLE_STUDY + BOUNDARY:
        row = d.loc[(sub, outcome)]
        assert float(row["printed_pct"]) == printed
        assert (int(row["events"]), int(row["therapeutic_trials"])) == (x, n)
        assert row["reproducible"] == "true" and row["source_location"].startswith("abstract")
    assert (data.loc[data["reproducible"] == "false", "events"] == "").all()  # no count where no source gives one


@pytest.mark.parametrize("sub,outcome,printed,x,n", SINGLE_STUDY)
@pytest.mark.parametrize("method,transform", [("REML", "logit"), ("DL", "freeman_tukey")])
def test_single_study_subgroups_reproduce_within_rounding(sub, outcome, printed, x, n, method, transform):
    res = pool_proportions([x], [n], method=method, transform=transform)
    assert _pct(res) == pytest.approx(100 * x / n, abs=1e-9)  # one study: the pooled value is its proportion
    assert abs(_pct(res) - printed) <= 0.05


@pytest.mark.parametrize("sub,outcome,printed,x,n", BOUNDARY)
def test_zero_and_all_event_subgroups_need_freeman_tukey(sub, outcome, printed, x, n):
    ft = pool_proportions([x], [n], method="DL", transform="freeman_tukey")
    assert _pct(ft) == pytest.approx(printed, abs=1e-9)
    # logit with 0.5 added to both cells: (x + 0.5) / (n + 1), e.g. 0.5/53 = 0.943 % for 0/52 -- not the printed 0 %
    lg = pool_proportions([x], [n], method="REML")
    assert _pct(lg) == pytest.approx(100 * (x + 0.5) / (n + 1), rel=1e-9)
    assert abs(_pct(lg) - printed) > 0.5


@pytest.mark.parametrize("split", [[10, 13], [1] * 23, [2, 5, 16]])
def test_zero_event_result_does_not_depend_on_the_unknown_number_of_studies(split):
    # the abstract gives 0 SAEs in 23 TOF + UST trials but not how many studies they come from
    assert sum(split) == 23
    res = pool_proportions([0] * len(split), split, method="DL", transform="freeman_tukey")
    assert _pct(res) == 0.0


def _glmm(x, n):
    return pool_proportions(x, n, method="GLMM")


@pytest.mark.parametrize("sub,outcome,printed,x,n", SINGLE_STUDY)
def test_single_study_subgroups_under_the_glmm(sub, outcome, printed, x, n):
    # one study, binomial likelihood: the maximum-likelihood proportion is x/n
    assert abs(_pct(_glmm([x], [n])) - printed) <= 0.05


def test_zero_event_subgroup_under_the_glmm():
    assert _pct(_glmm([0], [52])) <= 0.5  # printed 0 %: any value that rounds to 0 %


def test_multi_study_figures_are_not_raw_proportions():
    # TOF + aTNF AE 9.2 % of 33 TTs: no k/33 rounds to 9.2 % (3/33 = 9.09 %, 4/33 = 12.12 %)
    assert not any(round(100 * k / 33, 1) == 9.2 for k in range(34))
    # UPA + UST SAE 23 % of 17 TTs: 4/17 = 23.53 % rounds to 24 %, 3/17 = 17.6 %
    assert not any(round(100 * k / 17) == 23 for k in range(18))


def test_published_vs_reproduced_table(data):
    t = published_meta_check()
    assert len(t) == len(data)
    rep = t[t["ft_pct"].notna()]
    assert len(rep) == len(SINGLE_STUDY) + len(BOUNDARY)
    # counts back-calculated from the printed percentage agree by construction: never counted as agreement
    circ = rep["circular"]
    assert circ.sum() == 2 and rep.loc[circ, ["agrees_ft", "agrees_logit", "agrees_glmm"]].isna().all().all()
    assert rep.loc[~circ, "agrees_ft"].astype(bool).all()
    boundary = rep["printed_pct"].isin([0.0, 100.0])
    assert not rep.loc[boundary, "agrees_logit"].astype(bool).any()
    assert rep.loc[~boundary & ~circ, "agrees_logit"].astype(bool).all()
    assert t.loc[t["ft_pct"].isna(), "events_basis"].str.contains("not derivable|not in the abstract").all()


def test_no_rate_from_zero_events_and_no_model_where_none_was_fitted():
    """A logit needs 0.5 added to 0 or all events: 0/52 would read 0.9% (0.5/53), made up, so no logit is given
    there; the GLMM of one count is its Clopper–Pearson count, not a model, so no GLMM column value at all."""
    import math

    from dttstudy.synthesis.literature import published_meta_check

    t = published_meta_check()
    done = t[t["ft_pct"].notna()]
    edge = done[(done["events"].astype(int) == 0) | (done["events"].astype(int) == done["units"].astype(int))]
    assert len(edge) >= 3 and edge["logit_pct"].isna().all()
    inner = done[~done.index.isin(edge.index)]
    assert inner["logit_pct"].notna().all()
    assert all(math.isnan(v) for v in t["glmm_pct"])
