"""Property-based tests of the outcome rules and estimators."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dttstudy.analysis.outcomes import clinical_response, rate_table
from dttstudy.analysis.safety import KaplanMeier
from dttstudy.analysis.stats import binomial_ci

from builders import cd, combine, uc
from conftest import EXAMPLES

SETTINGS = settings(max_examples=EXAMPLES, deadline=None)
score = st.integers(0, 9)
bleed = st.integers(0, 3)


def responder(c, month=3, **kw):
    r = clinical_response(c, month, **kw).iloc[0]
    return bool(r["responder"]) if r["evaluable"] else None


@SETTINGS
@given(score, bleed, score, bleed)
def test_uc_drop_below_three_is_never_a_response(pm0, rb0, pm, rb):
    if pm0 - pm >= 3:
        pm = pm0 - 2
    assert responder(combine(uc("U", pm0, rb0, pm, rb))) is False


@SETTINGS
@given(score, bleed, score, bleed, st.integers(0, 9), st.integers(0, 3))
def test_uc_improving_every_score_keeps_a_response(pm0, rb0, pm, rb, dpm, drb):
    assume(responder(combine(uc("U", pm0, rb0, pm, rb))))  # hypothesis fails the test if this is never met
    better = combine(uc("U", pm0, rb0, max(0, pm - dpm), max(0, rb - drb)))
    assert responder(better) is True


@SETTINGS
@given(st.integers(0, 20), st.integers(0, 20), st.floats(0, 50), st.floats(0, 50), st.integers(0, 4),
       st.integers(0, 4), st.integers(0, 5), st.floats(0, 30), st.integers(0, 4))
def test_cd_improving_every_score_keeps_a_response(h0, h, c0, c, l0, lim, dh, dc, dl):
    base = {"crp": c0, "limberg": l0}
    assume(responder(combine(cd("C", h0, h, base=base, fu={"crp": c, "limberg": lim}))))
    better = combine(cd("C", h0, max(0, h - dh), base=base,
                        fu={"crp": max(0.0, c - dc), "limberg": max(0, lim - dl)}))
    assert responder(better) is True


@SETTINGS
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(["UC", "CD"])), min_size=1, max_size=40),
       st.sampled_from(["clopper-pearson", "wilson"]))
def test_rates_lie_within_their_ci_and_0_to_100(flags, method):
    df = pd.DataFrame({"evaluable": [f[0] for f in flags], "responder": [f[1] for f in flags],
                       "disease": [f[2] for f in flags]})
    t = rate_table(df, "disease", ci_method=method)
    t = t[t["N"] > 0]
    assert ((0 <= t["ci_low"]) & (t["ci_low"] <= t["pct"] + 1e-9) & (t["pct"] <= t["ci_high"] + 1e-9)
            & (t["ci_high"] <= 100)).all()


@SETTINGS
@given(st.integers(0, 60), st.integers(1, 60))
def test_binomial_ci_contains_the_estimate(k, n):
    k = min(k, n)
    lo, hi = binomial_ci(k, n)
    assert 0 <= lo <= k / n <= hi <= 1


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 24).map(lambda x: x / 2), st.booleans()), min_size=1, max_size=40))
def test_kaplan_meier_is_non_increasing_within_0_1(data):
    tte = pd.DataFrame({"time": [d[0] for d in data], "event": [int(d[1]) for d in data]})
    e = KaplanMeier().fit(tte).estimates_
    s = e["survival"].to_numpy()
    assert np.all(np.diff(s) <= 1e-12) and s.min() >= 0 and s.max() <= 1
    assert ((e["ci_lower"].fillna(0) >= -1e-12) & (e["ci_upper"].fillna(1) <= 1 + 1e-12)).all()
