"""At each centre's node: the node's cohort, its disclosure settings, and the partial function.

Where the cohort is
-------------------
A vantage6 node lists its data sources under ``databases`` in its configuration; the researcher's task names the
labels to use, and the node hands each one to the algorithm as ``<LABEL>_DATABASE_URI`` and
``<LABEL>_DATABASE_TYPE`` (variables listed in ``USER_REQUESTED_DATABASE_LABELS``). The cohort is either

* **one database**: a folder holding the four CSV files (``type: folder``; vantage6 mounts it at
  ``/mnt/<label>``) or one ``.xlsx`` workbook with the four sheets (``type: excel`` or ``other``); or
* **four databases**, one CSV file per table (``type: csv``): labelled ``patients``, ``treatments``, ``visits``
  and ``adverse_events``, or requested in that order.

The files are read by dttstudy itself (:func:`dttstudy.load_cohort`: its encodings, spellings and row numbers),
not by vantage6's data-frame wrapper, so a node validates exactly as ``dttstudy validate`` does at the centre.

The node's disclosure settings
------------------------------
A centre decides what leaves it, not the researcher: the settings are the ``env`` of the cohort's database in the
node configuration (``<LABEL>_DB_PARAM_<NAME>`` in the algorithm's environment), see :data:`NODE_SETTINGS`. A task
asking for ``min_cell`` or ``centre`` is refused.

Two protections do not depend on which database label a task names:

* **K's floor.** ``DTTSTUDY_MIN_CELL_FLOOR`` in the algorithm's environment (the image sets dttstudy's default,
  5): a database whose ``min_cell`` is below it is refused, so a second label with a lower K is no way around the
  node's K. Only who builds or runs the image sets the floor; neither the researcher nor the coordinator can.
* **The release record.** Every summary a node gives goes through :func:`dttstudy.release_summary`, as
  ``dttstudy export-summary`` does: a summary whose patients differ from an earlier release of the same centre —
  of the same or another population selection (``disease``) — by 1 … K − 1 is refused. The record is the file
  named by the database's ``release_record`` setting, else by ``DTTSTUDY_RELEASE_RECORD``; it must lie on storage
  that outlives a task (the administrator mounts it writable, see the README). A node without a record gives no
  summary.

Nothing of the node's own leaves it in a reply: no value of the data, and no file name or path (a workbook named
after a patient); problems are named by table, row and column.

Under vantage6's ``MockAlgorithmClient`` each mock organisation's dataset is the node's database entry itself
(:func:`mock_database`: label, uri, type and settings), read by the same code.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

import dttstudy
from dttstudy.parameters import for_command
from dttstudy.synthesis.multicentre.release_record import RECORD_ENV, ReleaseRecordError, ReleaseRefused
from vantage6.algorithm.tools.decorators import algorithm_client
from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

#: The four tables of a cohort, in the order of four requested databases.
TABLES = ("patients", "treatments", "visits", "adverse_events")
#: Settings a node gives in its database's ``env`` (node configuration) and what they mean.
NODE_SETTINGS = {
    "min_cell": "minimum cell count K of the disclosure control (default: dttstudy's, 5; 0 = none, testing only)",
    "centre": "centre code written into the summary (letters, digits, '_', '.', '-'; default: org<organisation id>)",
    "event_times": "'true' lets a task ask for life tables at every distinct time (shares the times; default "
                   "'false')",
    "release_record": "the file, on storage that outlives a task, where the node records what it released "
                      "(default: $DTTSTUDY_RELEASE_RECORD; without either the node gives no summary)",
}
#: The environment variable of K's floor (set in the image; dttstudy's default cell count when absent).
FLOOR_ENV = "DTTSTUDY_MIN_CELL_FLOOR"
#: Argument names the engine's decorators reserve: a task that sets one is refused.
RESERVED = ("mock_client", "mock_data")
#: Analysis parameters a task may set: those dttstudy declares for ``export-summary`` (with their ranges, checked
#: by dttstudy), and the two settings of the summary itself (every centre gets the same).
PARAMETERS = (*(p.name for p in for_command("export-summary")), "event_times", "ae_vocabulary")
#: ``format`` of what :func:`partial` returns.
REPLY_FORMAT = "dttstudy-vantage6-node-reply"
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}
_SHOWN = 20  # problem places listed in one node's reply; the rest are counted


class NodeError(Exception):
    """A node cannot give its summary; the message names places and settings, never data values."""

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class NodeDatabase:
    """One database of the node's configuration, as the algorithm sees it."""

    label: str
    uri: str
    type: str = ""
    env: dict = field(default_factory=dict)


def mock_database(uri, *, label: str = "cohort", type: str | None = None, **settings) -> dict:
    """A dataset for vantage6's ``MockAlgorithmClient`` standing for one database of a node's configuration:
    ``uri`` (a cohort folder, a workbook or one table's CSV file), its ``label`` and ``type``, and the node's
    settings (:data:`NODE_SETTINGS`, as in the database's ``env``).

    >>> MockAlgorithmClient(datasets=[[mock_database("centre_a/", centre="A", min_cell=5)], ...],
    ...                     module="dttstudy_vantage6")
    """
    import pandas as pd

    path = Path(uri)
    kind = type or ("folder" if path.is_dir() else "excel" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    env = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in settings.items()}
    return {"database": pd.DataFrame({"label": [label], "uri": [str(uri)], "type": [kind],
                                      "env": [json.dumps(env, sort_keys=True)]})}


def databases_from_environment() -> list[NodeDatabase]:
    """The databases the task requested, as the node passes them (the vantage6 wrapper has already decoded the
    variables)."""
    labels = [x for x in os.environ.get("USER_REQUESTED_DATABASE_LABELS", "").split(",") if x]
    out = []
    for label in labels:
        up = label.upper()
        prefix = f"{up}_DB_PARAM_"
        env = {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix)}
        out.append(NodeDatabase(label, os.environ.get(f"{up}_DATABASE_URI", ""),
                                os.environ.get(f"{up}_DATABASE_TYPE", ""), env))
    return out


def _from_mock(frame) -> NodeDatabase:
    row = frame.iloc[0]
    return NodeDatabase(str(row["label"]), str(row["uri"]), str(row["type"]), json.loads(row["env"]))


def node_databases(func):
    """Give ``func`` the node's databases (a list of :class:`NodeDatabase`) as its first argument — from the
    node's environment, or from ``MockAlgorithmClient``'s datasets (made with :func:`mock_database`), which it
    passes as ``mock_data`` exactly as to vantage6's own ``@data``."""

    @wraps(func)
    def wrapper(*args, mock_data=None, **kwargs):
        dbs = [_from_mock(f) for f in mock_data] if mock_data is not None else databases_from_environment()
        return func(dbs, *args, **kwargs)

    wrapper.wrapped_in_data_decorator = True
    return wrapper


# ---------------------------------------------------------------------------------------------------------------
# settings and cohort
# ---------------------------------------------------------------------------------------------------------------
def node_settings(databases: list[NodeDatabase]) -> dict:
    """The node's settings from its databases' ``env`` (the same setting on two databases must agree)."""
    found: dict[str, tuple[str, str]] = {}
    for db in databases:
        for name, value in db.env.items():
            if name not in NODE_SETTINGS:
                continue
            value = str(value).strip()
            if name in found and found[name][1] != value:
                raise NodeError(f"the node's setting '{name}' differs between its databases '{found[name][0]}' and "
                                f"'{db.label}': give it once")
            found[name] = (db.label, value)
    out = {"min_cell": None, "centre": None, "event_times": False, "release_record": None}
    if "min_cell" in found:
        text = found["min_cell"][1]
        if not re.fullmatch(r"\d{1,6}", text):
            raise NodeError("the node's setting 'min_cell' must be a whole number >= 0")
        out["min_cell"] = int(text)
    if "centre" in found and found["centre"][1]:
        out["centre"] = found["centre"][1]
    if "event_times" in found:
        text = found["event_times"][1].lower()
        if text not in _TRUE | _FALSE:
            raise NodeError("the node's setting 'event_times' must be 'true' or 'false'")
        out["event_times"] = text in _TRUE
    if "release_record" in found and found["release_record"][1]:
        out["release_record"] = found["release_record"][1]
    return out


def min_cell_floor() -> int:
    """K's floor on this node: :data:`FLOOR_ENV` from the algorithm's environment, else dttstudy's default."""
    text = os.environ.get(FLOOR_ENV, "").strip()
    if not text:
        return dttstudy.DEFAULT_MIN_CELL
    if not re.fullmatch(r"\d{1,6}", text):
        raise NodeError(f"the node's {FLOOR_ENV} must be a whole number >= 0")
    return int(text)


def effective_min_cell(settings: dict) -> int:
    """The node's K: its database's ``min_cell`` (dttstudy's default when not set), never below the floor."""
    floor = min_cell_floor()
    k = settings["min_cell"] if settings["min_cell"] is not None else max(dttstudy.DEFAULT_MIN_CELL, floor)
    if k < floor:
        raise NodeError(f"the database's setting 'min_cell' ({k}) is below this node's floor K = {floor}: no "
                        "summary is given under it, whichever database a task names")
    return k


def record_path(settings: dict) -> Path:
    """Where the node records its releases, or :class:`NodeError` when it keeps none."""
    where = settings["release_record"] or os.environ.get(RECORD_ENV, "").strip()
    if not where:
        raise NodeError("this node keeps no release record, so it gives no summary: its administrator sets the "
                        "database's 'release_record' (or DTTSTUDY_RELEASE_RECORD) to a file on storage that "
                        "outlives a task")
    path = Path(where)
    if not path.parent.is_dir():  # an unmounted volume: the record would vanish with the container
        raise NodeError("this node's release record is on no storage the algorithm sees (its folder does not "
                        "exist): its administrator mounts the persistent folder named by 'release_record'")
    return path


def scrub(text: str, databases: list[NodeDatabase]) -> str:
    """``text`` without the node's file names and paths (each database's uri, its folder and its name)."""
    names = set()
    for db in databases:
        if db.uri:
            p = Path(db.uri)
            names |= {str(p), str(p.parent) if str(p.parent) not in ("", ".", "/") else "", p.name, p.stem}
    for name in sorted((n for n in names if len(n) >= 2), key=len, reverse=True):
        text = text.replace(name, "<a path at the node>")
    return text


def load_node_cohort(databases: list[NodeDatabase], workdir: Path):
    """Load and validate the node's cohort with :func:`dttstudy.load_cohort`. Four CSV databases are copied,
    byte for byte, under the tables' file names into ``workdir`` (a private temporary folder) first."""
    if len(databases) == 1:
        db = databases[0]
        if not db.uri or not Path(db.uri).exists():
            raise NodeError(f"database '{db.label}': its uri is no file or folder the algorithm can read (check the "
                            "database in the node configuration)")
        return dttstudy.load_cohort(db.uri)
    if len(databases) == 4:
        names = [db.label.lower() for db in databases]
        if sorted(names) == sorted(TABLES):
            pairs = [(t, databases[names.index(t)]) for t in TABLES]
        else:
            pairs = list(zip(TABLES, databases))
        for table, db in pairs:
            if not Path(db.uri).is_file():
                raise NodeError(f"database '{db.label}' (the {table} table) is not a file: give each table's CSV "
                                "file as one database")
            shutil.copyfile(db.uri, workdir / f"{table}.csv")
        return dttstudy.load_cohort(workdir)
    raise NodeError(f"{len(databases)} database(s) requested: the cohort is one database (a folder of the four CSV "
                    "files, or one .xlsx workbook) or four (patients, treatments, visits, adverse_events)")


def _table_of(file: str) -> str:
    for t in TABLES:
        if file == f"{t}.csv" or file.endswith(f"[sheet {t}]"):
            return t
    return "cohort"


def validation_problems(report) -> list[dict]:
    """Where the cohort breaks dttstudy's contract: table, row and column of each problem (as ``dttstudy
    validate`` counts rows: the header is row 1) — never the value, nor a rule that may quote other cells. Only a
    problem of a whole file (no row, no column: missing, empty, unreadable, a sheet missing) keeps its reason."""
    out, seen = [], set()
    for f in report.failures:
        place = {"table": _table_of(f.file), "row": f.row, "column": f.column}
        if f.row is None and f.column is None:
            place["problem"] = f.rule
        key = tuple(place.values())
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out


def _place(p: dict) -> str:
    where = p["table"]
    if p["row"] is not None:
        where += f", row {p['row']}"
    if p["column"]:
        where += f", column '{p['column']}'"
    return where + (f": {p['problem']}" if "problem" in p else "")


def _invalid(report, databases: list[NodeDatabase]) -> NodeError:
    problems = [{k: scrub(v, databases) if k == "problem" else v for k, v in p.items()}
                for p in validation_problems(report)]
    shown = "; ".join(_place(p) for p in problems[:_SHOWN])
    more = f"; and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    return NodeError(f"the cohort breaks dttstudy's data contract at {len(problems)} place(s): {shown}{more}. The "
                     "reasons and values stay at the centre: run 'dttstudy validate' on the same files there.",
                     problems)


# ---------------------------------------------------------------------------------------------------------------
# the partial function
# ---------------------------------------------------------------------------------------------------------------
def _check_parameters(parameters: dict) -> None:
    for name in parameters:
        if name in ("min_cell", "centre", "release_record"):
            raise NodeError(f"'{name}' is the node's own setting (its database's env in the node configuration); a "
                            "task cannot set it")
        if name not in PARAMETERS:
            raise NodeError(f"unknown parameter '{name}' (parameters: {', '.join(PARAMETERS)})")
    if "event_times" in parameters and not isinstance(parameters["event_times"], bool):
        raise NodeError("event_times must be true or false")


def task_entry(refusal):
    """Guard a function the engine calls by name with a task's arguments: positional arguments and the
    engine's reserved names (:data:`RESERVED`) are refused unless the engine's own mock supplies them — a task's
    JSON can hold neither a client nor data frames — and the refusal is returned by ``refusal(message)`` as the
    function's result, so that the researcher reads it whatever the node shares of its logs."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            import pandas as pd

            if args:
                return refusal("positional arguments are not accepted: give every argument by name")
            client = kwargs.get("mock_client")
            if "mock_client" in kwargs and not isinstance(client, MockAlgorithmClient):
                return refusal("'mock_client' is a name the engine reserves; a task cannot set it")
            data = kwargs.get("mock_data")
            if "mock_data" in kwargs and not (isinstance(client, MockAlgorithmClient) and isinstance(data, list)
                                              and all(isinstance(d, pd.DataFrame) for d in data)):
                return refusal("'mock_data' is a name the engine reserves; a task cannot set it")
            return func(**kwargs)

        return wrapper

    return decorate


def _node_refusal(message: str) -> dict:
    return {"format": REPLY_FORMAT, "organization_id": None, "error": message, "problems": []}


@task_entry(_node_refusal)
@node_databases
@algorithm_client
def partial(client, databases: list[NodeDatabase], **parameters) -> dict:
    """This node's centre summary, released (:func:`dttstudy.release_summary`) under the node's disclosure settings
    and its release record.

    ``parameters`` are the analysis parameters of ``dttstudy export-summary`` (:data:`PARAMETERS`; dttstudy's
    defaults for any not given). Returns ``{"format", "organization_id", "summary"}``, or, when the node gives no
    summary, ``{"format", "organization_id", "error", "problems"}``: the error names the places (table, row,
    column) and settings concerned, never a value of the data, a file name or a path.
    """
    org = getattr(client, "organization_id", None)
    reply = {"format": REPLY_FORMAT, "organization_id": org}
    try:
        _check_parameters(parameters)
        settings = node_settings(databases)
        if parameters.get("event_times") and not settings["event_times"]:
            raise NodeError("the task asks for life tables at every distinct time (event_times), which this node "
                            "does not share (its setting 'event_times' is not 'true')")
        if not databases:
            raise NodeError("no database requested: the task must name the cohort's database label(s)")
        kwargs = dict(parameters, min_cell=effective_min_cell(settings), centre=settings["centre"] or f"org{org}")
        record = record_path(settings)
        with tempfile.TemporaryDirectory(prefix="dttstudy-node-") as tmp, warnings.catch_warnings():
            # as 'dttstudy export-summary': ignored columns are a note for the centre, not for the researcher
            warnings.simplefilter("ignore", UserWarning)
            try:
                cohort = load_node_cohort(databases, Path(tmp))
            except dttstudy.CohortValidationError as err:
                raise _invalid(err.report, databases) from None
            try:
                summary = dttstudy.release_summary(cohort, record=record, **kwargs).summary
            except ReleaseRefused as err:
                # how many patients differ, and which release, stay at the node
                raise NodeError(f"this summary's patients differ from an earlier release of centre "
                                f"{kwargs['centre']} (in this node's release record) by fewer than K = "
                                f"{kwargs['min_cell']} patients — of the same population or another selection of "
                                f"it: the two together would reveal those patients, so it is not released "
                                f"({len(err.differences)} earlier release(s) concerned)") from None
            except (ReleaseRecordError, OSError):
                raise NodeError("this node's release record cannot be read or written: its administrator checks "
                                "the file named by 'release_record' and that its storage is writable") from None
            except ValueError as err:
                # its refusal of a parameter or setting value, as 'dttstudy export-summary' prints it
                raise NodeError(scrub(str(err), databases)) from None
        return {**reply, "summary": summary}
    except NodeError as err:  # its words are the node's own, or scrubbed of the node's names where they are not
        return {**reply, "error": str(err), "problems": err.problems}
    except Exception as err:  # noqa: BLE001 - anything else: its type only, its message may quote the data
        return {**reply, "error": f"the summary could not be computed ({type(err).__name__}); run 'dttstudy "
                                  "export-summary' on the same files at the centre to see why", "problems": []}
