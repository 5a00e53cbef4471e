"""From a tidy table's name to its journal table: :func:`build_display` picks the builder registered for the name
(every family module is imported here so that its builders are registered), else the generic one.
"""
from __future__ import annotations

import re

import pandas as pd

# the families register their builders when imported
from . import cohort, labs, literature, multicentre, response, review, safety, treatment  # noqa: F401
from .core import _BUILDERS, DisplayTable
from .generic import generic
from ..table_specs import spec


_TABLE_PREFIX = re.compile(r"^\s*Table\s+\d+[.:]\s*")


#: A display table shows at most this many rows of a listing (one row per patient, event or time); the rest
#: are in the tidy CSV. A journal table longer than this is a data file, and Word, HTML and the workbook all
#: slow down row by row.
MAX_ROWS = 1000


def _listing(name: str) -> bool:
    """A table that grows with the cohort (one row per patient, event, time or cell; any undeclared table):
    cut in its journal form. Summaries (:mod:`dttstudy.reporting.table_specs`) are never cut."""
    s = spec(name)
    return s is None or s.listing


def build_display(name: str, tidy: pd.DataFrame, title: str | None = None,
                  notes: list[str] | None = None, max_rows: int | None = MAX_ROWS,
                  like: str | None = None) -> DisplayTable:
    """The journal table for the tidy table saved as ``name`` (see :data:`BUILDERS`); names without a builder get
    the generic one (labels from the dictionary, one decimal rule per column). A leading "Table N." in ``title``
    is dropped: numbers are given when tables are assembled. ``notes`` are added as general footnotes.

    A listing longer than ``max_rows`` tidy rows (default :data:`MAX_ROWS`; ``None`` for no limit) shows its
    first ``max_rows`` rows and says so in a footnote; summary tables are never cut. ``like`` names another
    table whose builder to use (the pooled report's ``clinical_response_rates`` is shown like
    ``multicentre_clinical_response``)."""
    f = _BUILDERS.get(like or name)
    if f is None:
        f = _builder_for_prefix(name)
    cut = max_rows is not None and _listing(name) and len(tidy) > max_rows
    t = f(name, tidy.head(max_rows) if cut else tidy)
    if title:
        t.title = _TABLE_PREFIX.sub("", title)
    if cut:
        t.footnotes.insert(0, ("", f"The first {max_rows:,} of {len(tidy):,} rows; every row is in the tidy "
                                   f"table {name}.csv."))
    for n in notes or []:
        t.footnotes.append(("", n))
    return t


def _builder_for_prefix(name: str):
    if name.startswith("forest_"):
        return _BUILDERS["forest_"]
    return generic


#: Tidy table names with a dedicated builder (others use :func:`generic`; ``forest_*`` share one builder).
BUILDERS = _BUILDERS
