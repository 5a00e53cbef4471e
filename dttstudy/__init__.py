"""dttstudy — reproducible analysis of dual-targeted therapy (DTT) in refractory IBD.

Heavy libraries are imported on first use, so ``import dttstudy`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Cohort": "cohort", "load_cohort": "cohort", "validate": "cohort",
    "CohortValidationError": "validation", "ValidationReport": "validation",
    "data_dictionary": "schema",
    "clinical_response": "outcomes", "clinical_remission": "outcomes", "endoscopic_response": "outcomes",
    "steroid_free": "outcomes", "response_rates": "outcomes", "visit_at": "outcomes",
    "lab_changes": "labs", "lab_summary": "labs",
    "ae_listing": "safety", "ae_incidence": "safety", "exposure_adjusted_incidence": "safety",
    "time_to_first_ae": "safety", "time_on_dtt": "safety", "KaplanMeier": "safety",
    "competing_first_ae": "safety", "cumulative_incidence": "safety",
    "km_by_group": "safety", "km_estimates": "safety", "logrank_test": "safety",
    "patient_flow": "flow", "flow_status": "flow", "completeness": "completeness",
    "centre_summary": "centres",
    "fisher_exact_rxc": "stats", "contingency_test": "stats", "mann_whitney": "stats",
    "wilcoxon_signed_rank": "stats",
    "table1": "tables", "table2": "tables", "table3": "tables", "table4": "tables",
    "response_table": "tables", "lab_table": "tables", "ae_table": "tables",
    "paper_check": "check", "study_facts": "check",
    "DisplayTable": "display", "build_display": "display", "write_docx": "documents", "write_xlsx": "documents",
    "pool_proportions": "meta", "study_proportions": "meta", "pool_by_subgroup": "meta", "leave_one_out": "meta",
    "fit_glmm": "glmm", "q_profile_ci": "heterogeneity", "i2_from_tau2": "heterogeneity",
    "sensitivity_table": "sensitivity", "forest_data": "forest", "forest_plot": "forest",
    "export_summary": "multicentre", "PooledAnalysis": "multicentre",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'dttstudy' has no attribute {name!r}")


def __dir__():
    return __all__
