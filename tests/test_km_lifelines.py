"""The Kaplan–Meier estimate is computed by hand (fixed-order scalar arithmetic, the same bits on every CPU, R's
median rule); lifelines computes the same estimate. On random cohorts — ties, censoring at event times, all
censored, all events — both give the same survival and log-log interval at every time."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dttstudy.analysis.safety import KaplanMeier


@pytest.mark.parametrize("seed", range(12))
def test_estimate_and_interval_equal_lifelines(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    time = np.round(rng.exponential(8, n), int(rng.integers(0, 2)))  # rounding makes ties
    time = np.where(time == 0, 0.5, time)
    p_event = [0.0, 1.0, rng.uniform(0.2, 0.9)][seed % 3]
    event = (rng.random(n) < p_event).astype(int)
    km = KaplanMeier(level=0.9 if seed % 2 else 0.95).fit(pd.DataFrame({"time": time, "event": event}))
    ll = km.to_lifelines()
    sf = ll.survival_function_.iloc[:, 0]
    ci = ll.confidence_interval_survival_function_
    ours = km.estimates_.set_index("time")
    assert np.allclose(ours["survival"].to_numpy(), sf.reindex(ours.index).to_numpy(), rtol=0, atol=1e-12)
    for t, row in ours.iterrows():
        if math.isnan(row["ci_lower"]):  # S = 0: the log-log interval is not defined (left missing, as R)
            assert row["survival"] == 0
            continue
        assert row["ci_lower"] == pytest.approx(ci.loc[t].iloc[0], abs=1e-9)
        assert row["ci_upper"] == pytest.approx(ci.loc[t].iloc[1], abs=1e-9)
