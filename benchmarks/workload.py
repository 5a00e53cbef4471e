"""The analysis workload measured by the scaling benchmark: load + validate + every response, lab and safety
computation + table building, as `dttstudy reproduce` does it (without the notebooks)."""
from __future__ import annotations

import time


def run(path) -> dict[str, float]:
    import dttstudy
    from dttstudy.analysis import labs, outcomes, safety, tables

    t = {}
    t0 = time.perf_counter()
    cohort = dttstudy.load_cohort(path)
    t["load_validate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    outcomes.response_rates(cohort, (3, 6, 9), by=["disease", "regimen"])
    outcomes.response_rates(cohort, (3, 6, 9), definition="simple", analysis_sets=("observed",))
    outcomes.response_rates(cohort, (3, 6, 9), endpoint="clinical_remission")
    outcomes.response_rates(cohort, [None], endpoint="endoscopic_response", by="disease")
    t["response"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    labs.lab_summary(labs.lab_changes(cohort, ("crp", "albumin"), (3, 6, 9)), by="disease")
    t["labs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    safety.ae_listing(cohort)
    for by in (None, "disease", "regimen", "suspected_agent"):
        safety.ae_incidence(cohort, by)
    safety.exposure_adjusted_incidence(cohort, "disease")
    km = safety.KaplanMeier().fit(safety.time_to_first_ae(cohort))
    km.risk_table([0, 3, 6, 9])
    safety.KaplanMeier().fit(safety.time_on_dtt(cohort)).risk_table([0, 3, 6, 9])
    safety.cumulative_incidence(safety.competing_first_ae(cohort))
    t["safety"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tables.table1(cohort)
    tables.table2(cohort)
    tables.table3(cohort)
    tables.table4(cohort)
    tables.lab_table(cohort)
    tables.ae_table(cohort)
    t["tables"] = time.perf_counter() - t0
    t["total"] = sum(t.values())
    return t
