"""Journal tables from the tidy tables: one :class:`DisplayTable`, rendered to HTML, LaTeX, Markdown and JSON.

The tidy tables (CSV/JSON) stay the machine-readable output. :func:`build_display` turns one of them, by the
name the notebooks save it under, into a display table: human labels from :mod:`dttstudy.reporting.labels`, one number
format per statistic, row groups and indented level rows, footnotes with letter marks. Word and Excel output
of a list of display tables is in :mod:`dttstudy.reporting.documents`.

The rooms:

* :mod:`~dttstudy.reporting.display.core` — the table object, number formats, rendering to each format, the
  registry of builders;
* :mod:`~dttstudy.reporting.display.generic` — the table every tidy table without a builder of its own gets;
* one module per family of tables: :mod:`~dttstudy.reporting.display.cohort` (Tables 1–2, flow, completeness),
  :mod:`~dttstudy.reporting.display.treatment` (regimens, agents, Tables 3–4),
  :mod:`~dttstudy.reporting.display.response`, :mod:`~dttstudy.reporting.display.labs`,
  :mod:`~dttstudy.reporting.display.safety`, :mod:`~dttstudy.reporting.display.literature` and
  :mod:`~dttstudy.reporting.display.multicentre`;
* :mod:`~dttstudy.reporting.display.build` — :func:`build_display`, from a tidy table's name to its builder.

Every text a user or a data file could have typed is escaped in every output format: HTML and Markdown escape
``< > &``, LaTeX escapes its special characters, and the spreadsheet writer neutralises formulas.
"""
from .build import BUILDERS, MAX_ROWS, build_display
from .core import COLUMN_STATS, LANDSCAPE_COLUMNS, MARKS, MIN_N_TEST, Column, DisplayTable, Row, builder
from .generic import INTERVAL_COLUMNS, METHOD_COLUMNS, generic
from .multicentre import SUMMARY_TABLES

__all__ = ["BUILDERS", "COLUMN_STATS", "INTERVAL_COLUMNS", "LANDSCAPE_COLUMNS", "MARKS", "MAX_ROWS", "METHOD_COLUMNS",
           "MIN_N_TEST", "SUMMARY_TABLES", "Column", "DisplayTable", "Row", "build_display", "builder", "generic"]
