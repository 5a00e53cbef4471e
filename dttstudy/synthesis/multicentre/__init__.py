"""Multicentre analysis without moving patient records: each centre exports aggregates, a coordinator pools.
One room, one module per step:

* at each centre, :func:`export_summary` (:mod:`.export`) writes counts and sums only, protected by the
  small-cell and complementary suppression of :mod:`dttstudy.synthesis.disclosure`; :mod:`.release_record`
  remembers what a centre released, so that two releases cannot be subtracted to reveal a patient;
* the summary's contract (:mod:`.contract`: format, tables, parameters), read and checked as a whole
  (:mod:`.check`, every problem at once) with its internal arithmetic (:mod:`.consistency`);
* at the coordinating centre, :func:`pool` (:mod:`.pooling`) checks and pools the summaries into a
  :class:`PooledAnalysis` (tables as DataFrames).

The pooled report — tables, figures, report.html, Word and Excel — is drawn and written by
:func:`dttstudy.reporting.pooled_report.write_pooled_report` (figures in :mod:`dttstudy.reporting.figures.multicentre`);
the commands ``dttstudy export-summary`` and ``dttstudy pool`` are in :mod:`dttstudy.cli`.
"""
from __future__ import annotations

from ..disclosure import DEFAULT_MIN_CELL, SUPPRESSED
from .export import (AE_VOCABULARY, DEFAULT_HORIZON, ENDPOINTS, FORMAT, FORMAT_VERSION, LABS, OTHER_TERM,
                     analysis_parameters, export_summary, summary_json, write_summary)
from .pooling import (IncompatibleSummaries, PooledAnalysis, centre_label, check_compatible, life_table_km, pool,
                      read_summary)

__all__ = ["AE_VOCABULARY", "DEFAULT_HORIZON", "DEFAULT_MIN_CELL", "ENDPOINTS", "FORMAT", "FORMAT_VERSION", "LABS",
           "OTHER_TERM", "SUPPRESSED", "IncompatibleSummaries", "PooledAnalysis", "analysis_parameters",
           "centre_label", "check_compatible", "export_summary", "life_table_km", "pool", "read_summary",
           "summary_json", "write_summary"]
