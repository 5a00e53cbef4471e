"""Multicentre analysis without moving patient records: each centre exports aggregates, a coordinator pools.

The work is done in three rooms, one per step:

* at each centre, :func:`export_summary` (:mod:`dttstudy.synthesis.export`) writes counts and sums only, protected
  by the small-cell and complementary suppression of :mod:`dttstudy.synthesis.disclosure`;
* at the coordinating centre, :func:`pool` (:mod:`dttstudy.synthesis.pooling`) checks and pools the summaries into
  a :class:`PooledAnalysis` (tables as DataFrames);
* the pooled report — tables, figures, report.html, Word and Excel — is written by
  :func:`dttstudy.reporting.pooled_report.write_pooled_report` (figures in
  :mod:`dttstudy.reporting.figures_multicentre`); the commands ``dttstudy export-summary`` and ``dttstudy pool``
  are in :mod:`dttstudy.cli`.

This module keeps the names at their long-standing address (``from dttstudy.synthesis.multicentre import
export_summary, pool``). The figures and the report writer, which live in :mod:`dttstudy.reporting`, are found here
only when asked for (:mod:`dttstudy.moved`): importing this module loads no reporting code.
"""
from __future__ import annotations

from ..moved import forward
from .disclosure import DEFAULT_MIN_CELL, SUPPRESSED
from .export import (AE_VOCABULARY, DEFAULT_HORIZON, ENDPOINTS, FORMAT, FORMAT_VERSION, LABS, OTHER_TERM,
                     analysis_parameters, export_summary, summary_json, write_summary)
from .pooling import (IncompatibleSummaries, PooledAnalysis, centre_label, check_compatible, life_table_km, pool,
                      read_summary)

__all__ = ["AE_VOCABULARY", "DEFAULT_HORIZON", "DEFAULT_MIN_CELL", "ENDPOINTS", "FORMAT", "FORMAT_VERSION", "LABS",
           "OTHER_TERM", "SUPPRESSED", "IncompatibleSummaries", "PooledAnalysis", "analysis_parameters",
           "centre_label", "check_compatible", "export_summary", "life_table_km", "pool", "read_summary",
           "summary_json", "write_summary"]

#: Moved to reporting; still found here for the notebooks' calls (see :mod:`dttstudy.moved`).
__getattr__ = forward(__name__, {"forest_by_centre": "dttstudy.reporting.figures_multicentre",
                                 "km_life_table_plot": "dttstudy.reporting.figures_multicentre",
                                 "write_pooled_report": "dttstudy.reporting.pooled_report"})
