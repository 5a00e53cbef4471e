"""dttstudy — reproducible analysis of dual-targeted therapy (DTT) in refractory IBD.

The modules follow the study's flow, and the imports run the same way (each room uses only the rooms before it):

* ``dttstudy.intake`` — data in: the cohort contract (schema), reading and validating a centre's files, templates,
  synthetic cohorts;
* ``dttstudy.analysis`` — one cohort: outcomes, labs, safety, statistics, tables, patient flow, completeness;
* ``dttstudy.synthesis`` — computation across cohorts, returning data: pooling published cohorts (GLMM,
  inverse-variance), the data behind forest plots, sensitivity analyses, and centres pooled from aggregate
  summaries (export, disclosure control, pooling);
* ``dttstudy.reporting`` — what a reader sees: journal tables, figures (forest plots included), the notebooks'
  helpers, report.html, Word/Excel, the pooled multicentre report, the pipeline;
* ``dttstudy.cli`` — the command line; below every room: ``dttstudy.parameters`` (the declared analysis
  parameters), ``dttstudy.paths``, ``dttstudy.containers`` (deterministic zip files), ``dttstudy.concepts`` (the laboratory markers and
  endpoints, declared once).

The names most used are importable from ``dttstudy`` itself (``dttstudy.load_cohort``, ``dttstudy.table1``, …).
Heavy libraries are imported on first use, so ``import dttstudy`` stays fast.

>>> import dttstudy
>>> cohort = dttstudy.load_cohort()   # the bundled reconstructed reference cohort
>>> cohort
<Cohort 'reference cohort (reconstructed ...)': 18 patients (8 UC, 10 CD), 55 visits, 5 AEs; labs crp, albumin>
>>> rates = dttstudy.response_rates(cohort, (3, 6, 9), analysis_sets=("observed",))
>>> [f"{r.n}/{r.N}" for r in rates.itertuples()]        # the paper's 15/17, 11/12 and 7/7
['15/17', '11/12', '7/7']
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # intake
    "Cohort": "intake.cohort", "load_cohort": "intake.cohort", "validate": "intake.cohort",
    "data_dictionary": "intake.schema",
    "CohortValidationError": "intake.validation", "ValidationReport": "intake.validation",
    # analysis
    "centre_summary": "analysis.centres",
    "paper_check": "analysis.check", "study_facts": "analysis.check",
    "completeness": "analysis.completeness",
    "patient_flow": "analysis.flow", "flow_status": "analysis.flow",
    "lab_changes": "analysis.labs", "lab_summary": "analysis.labs",
    "clinical_response": "analysis.outcomes", "clinical_remission": "analysis.outcomes",
    "endoscopic_response": "analysis.outcomes", "steroid_free": "analysis.outcomes",
    "response_rates": "analysis.outcomes", "visit_at": "analysis.outcomes",
    "ae_listing": "analysis.safety", "ae_incidence": "analysis.safety",
    "exposure_adjusted_incidence": "analysis.safety", "time_to_first_ae": "analysis.safety",
    "time_on_dtt": "analysis.safety", "KaplanMeier": "analysis.safety", "competing_first_ae": "analysis.safety",
    "cumulative_incidence": "analysis.safety", "km_by_group": "analysis.safety", "km_estimates": "analysis.safety",
    "logrank_test": "analysis.safety",
    "fisher_exact_rxc": "analysis.stats", "contingency_test": "analysis.stats", "mann_whitney": "analysis.stats",
    "wilcoxon_signed_rank": "analysis.stats",
    "table1": "analysis.tables", "table2": "analysis.tables", "table3": "analysis.tables",
    "table4": "analysis.tables", "response_table": "analysis.tables", "lab_table": "analysis.tables",
    "ae_table": "analysis.tables",
    # synthesis
    "forest_data": "synthesis.forest", "forest_plot": "reporting.figures.forest",
    "fit_glmm": "synthesis.glmm.fit",
    "q_profile_ci": "synthesis.heterogeneity", "i2_from_tau2": "synthesis.heterogeneity",
    "pool_proportions": "synthesis.meta", "study_proportions": "synthesis.meta",
    "pool_by_subgroup": "synthesis.meta", "leave_one_out": "synthesis.meta",
    "export_summary": "synthesis.multicentre.export", "PooledAnalysis": "synthesis.multicentre.pooling",
    # multicentre: what `dttstudy export-summary` and `dttstudy pool` run, for callers such as an engine's
    # algorithm (federated/vantage6)
    "write_summary": "synthesis.multicentre.export", "summary_json": "synthesis.multicentre.export",
    "pool": "synthesis.multicentre.pooling",
    "release_summary": "synthesis.multicentre.release_record", "ReleaseRefused": "synthesis.multicentre.release_record",
    "ReleaseRecordError": "synthesis.multicentre.release_record",
    "IncompatibleSummaries": "synthesis.multicentre.pooling", "write_pooled_report": "reporting.pooled_report",
    "DEFAULT_MIN_CELL": "synthesis.disclosure",
    "sensitivity_table": "synthesis.sensitivity",
    # reporting
    "DisplayTable": "reporting.display", "build_display": "reporting.display",
    "write_docx": "reporting.documents", "write_xlsx": "reporting.documents",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'dttstudy' has no attribute {name!r}")


def __dir__():
    return __all__
