"""Run as a script: the package's iterative and reduction-heavy estimates on fixed inputs, printed as JSON with
every float as its exact ``repr`` — so two runs under different CPU settings can be compared bit for bit."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from dttstudy.analysis.safety import KaplanMeier, cumulative_incidence
from dttstudy.synthesis.glmm.fit import fit_glmm
from dttstudy.synthesis.glmm.inference import population_averaged, predictive_tail, tau2_profile_ci
from dttstudy.synthesis.heterogeneity import q_profile_ci, tau2_estimate
from dttstudy.synthesis.literature import load_literature, select
from dttstudy.synthesis.meta import pool_proportions

DATA = [([12, 25, 8, 30], [40, 50, 30, 45]), ([0, 5, 12, 20], [15, 20, 25, 20]), ([0, 1, 0, 2], [10, 12, 30, 25]),
        ([10, 12, 18, 5], [10, 20, 19, 9]), ([0, 3, 10, 1, 7], [20, 25, 30, 15, 18])]


def _r(v):
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    return v


def results() -> dict:
    out: dict = {"glmm": [], "glmm_small_k": [], "tau2": [], "pool": [], "literature": [], "km": [], "cif": []}
    for x, n in DATA:
        f = fit_glmm(x, n)
        out["glmm"].append([f.mu, f.se, f.tau2, f.loglik])
        # t(k-1) intervals, profile-likelihood CI of tau^2, population-averaged proportion, predictive check
        t = pool_proportions(x, n, method="GLMM", test="t")
        out["glmm_small_k"].append([t.ci_lower, t.ci_upper, t.pi_lower, t.pi_upper, *tau2_profile_ci(x, n, f),
                                    population_averaged(f.mu, f.tau2),
                                    predictive_tail(7, 7, f.mu, f.se, f.tau2, df=len(x) - 1),
                                    predictive_tail(2, 9, f.mu, f.se, f.tau2, upper=False)])
        y = [math.log((a + 0.5) / (b - a + 0.5)) for a, b in zip(x, n)]
        v = [1 / (a + 0.5) + 1 / (b - a + 0.5) for a, b in zip(x, n)]
        out["tau2"].append([tau2_estimate(y, v, m) for m in ("REML", "DL", "PM")] + list(q_profile_ci(y, v)))
        for method in ("GLMM", "REML", "DL"):
            r = pool_proportions(x, n, method=method)
            out["pool"].append([r.proportion, r.ci_lower, r.ci_upper, r.tau2, r.i2, r.pi_lower, r.pi_upper,
                                *r.weights])
    lit = load_literature()
    for outcome in ("clinical_response", "clinical_remission", "endoscopic_response", "any_ae"):
        rows = select(lit, outcome)
        if len(rows) >= 2:
            r = pool_proportions(rows["events"], rows["total"], method="GLMM")
            out["literature"].append([outcome, r.proportion, r.ci_lower, r.ci_upper, r.tau2, *r.weights])
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(8, 60) * 2) / 2 + 0.5
    e = (rng.random(60) < 0.6).astype(int)
    km = KaplanMeier().fit(pd.DataFrame({"time": t, "event": e}))
    out["km"] = km.estimates_[["survival", "ci_lower", "ci_upper"]].to_numpy().tolist() + [km.median_]
    status = np.where(e == 1, rng.integers(1, 3, 60), 0)
    ci = cumulative_incidence(pd.DataFrame({"time": t, "status": status}))
    out["cif"] = ci[["cif_event", "cif_event_se", "cif_event_ci_lower", "cif_competing"]].to_numpy().tolist()
    return _walk(out)


def _walk(o):
    if isinstance(o, dict):
        return {k: _walk(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_walk(v) for v in o]
    if isinstance(o, (np.floating,)):
        o = float(o)
    return _r(o)


if __name__ == "__main__":
    print(json.dumps(results()))
