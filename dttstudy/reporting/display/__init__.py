"""Journal tables from the tidy tables (see :mod:`dttstudy.reporting.display.core`)."""
from .core import (BUILDERS, COLUMN_STATS, INTERVAL_COLUMNS, LANDSCAPE_COLUMNS, MARKS, MAX_ROWS,  # noqa: F401
                   METHOD_COLUMNS, MIN_N_TEST, SUMMARY_TABLES, Column, DisplayTable, Row, build_display, builder,
                   generic)
