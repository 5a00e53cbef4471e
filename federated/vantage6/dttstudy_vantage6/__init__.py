"""dttstudy's multicentre analysis as a vantage6 algorithm.

Two functions, called by name through vantage6's task input (``{"method": "central", "kwargs": {...}}``):

* :func:`central` — run by the researcher's task at one organisation: asks every organisation's node for its
  centre summary (waiting at most ``time_limit`` seconds), checks each one, pools them exactly as ``dttstudy
  pool`` does and returns the pooled tables, the pooled report and the centres' summary files — or, when the
  study cannot be pooled, the reasons as its result (``refused: true``), which the researcher reads whatever the
  nodes share of their logs;
* :func:`partial` — run at each centre's node by the central function: reads the node's cohort (one database
  holding the cohort folder or workbook, or four databases holding the four tables), validates it with
  dttstudy's data contract and releases the centre summary of ``dttstudy export-summary`` under the node's own
  disclosure settings, K's floor and release record (:func:`dttstudy.release_summary`). Patient rows never
  leave the node; invalid data are answered with the places (table, row, column) of the problems, never their
  values, file names or paths.

Both are ordinary dttstudy calls (``dttstudy.load_cohort``, ``dttstudy.release_summary``, ``dttstudy.pool``,
``dttstudy.write_pooled_report``): the federated result is the file exchange's, byte for byte.
"""
from .central import REPLY_FORMAT, RESULT_FORMAT, Refused, central
from .node import NODE_SETTINGS, PARAMETERS, NodeDatabase, mock_database, partial

__version__ = "0.1.0"

__all__ = ["central", "partial", "Refused", "NodeDatabase", "mock_database", "NODE_SETTINGS", "PARAMETERS",
           "REPLY_FORMAT", "RESULT_FORMAT", "__version__"]
