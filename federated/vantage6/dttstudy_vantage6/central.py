"""The central function: ask every centre's node for its summary, check the replies, pool as ``dttstudy pool``.

What it checks, in order, and refuses — naming every organisation concerned, in its *result*, so that the
researcher reads why whatever the nodes share of their logs (``share_algorithm_logs: false``):

0. the task's own arguments: each typed and bounded, by name; positional arguments and the engine's reserved
   names are refused;
1. a node that gave no reply (its run failed, or it did not finish within ``time_limit`` seconds: named), a reply
   that is not this algorithm's, or a node that gave no summary (invalid data: the places of the problems; a
   setting; a parameter; a release its record refuses);
2. a summary whose disclosure control is weaker than the coordinator's minimum cell count ``min_cell`` (default
   dttstudy's, 5): a centre's minimum K below it is refused, as a coordinator refuses such a file;
3. whatever ``dttstudy pool`` refuses — the summaries are written as the files ``export-summary`` writes
   (``<centre>.json``) and pooled from those files by :func:`dttstudy.pool`, so another package version, other
   analysis parameters, a centre code given twice or a file that is not a centre summary are refused there, with
   pool's own message.

Then :func:`dttstudy.write_pooled_report` writes the pooled report into a private temporary folder, and the
result carries its text files: every pooled table as CSV (``tables/<name>.csv``), ``report.html`` (figures
embedded), ``provenance.json``, and the centres' summary files (``summaries/<centre>.json``, byte for byte what
``dttstudy export-summary`` writes). ``dttstudy pool`` on those summary files, in the order of
``result["centres"]``, writes the complete report folder (Word, Excel, figure files) with the same tables.
"""
from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import dttstudy
from dttstudy.cli import MAX_MIN_CELL
from vantage6.algorithm.tools.decorators import algorithm_client
from vantage6.common.task_status import has_task_finished

from .node import PARAMETERS, REPLY_FORMAT, task_entry

#: ``format`` of what :func:`central` returns.
RESULT_FORMAT = "dttstudy-vantage6-pooled"
RESULT_FORMAT_VERSION = 2
#: Bounds of the central function's own arguments.
TIME_LIMIT = {"default": 3600, "min": 1, "max": 86400}  # seconds the central function waits for the nodes
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")  # a centre code, as export-summary accepts it


class Refused(ValueError):
    """The study cannot be pooled as asked; ``reasons`` gives each one (organisation, centre, reason, problem
    places), and the message names them all."""

    def __init__(self, message: str, reasons: list[dict] | None = None):
        super().__init__(message)
        self.reasons = reasons if reasons is not None else [_reason(None, message)]


def _reason(org, text: str, centre=None, problems=None) -> dict:
    return {"organization_id": org, "centre": centre, "reason": text, "problems": list(problems or [])}


def refusal(message: str, reasons: list[dict] | None = None) -> dict:
    """What :func:`central` returns when the study is not pooled: the reasons, never a value."""
    return {"format": RESULT_FORMAT, "format_version": RESULT_FORMAT_VERSION, "refused": True,
            "message": message, "reasons": reasons if reasons is not None else [_reason(None, message)]}


def _who(org, centre=None) -> str:
    return f"organization {org}" + (f" (centre {centre})" if centre else "")


def _replies(results: list, organizations: list, silent: list | None = None,
             time_limit: float | None = None) -> list[tuple[int, dict]]:
    """(organisation, summary) in the order of ``organizations``, or :class:`Refused` listing every node that did
    not give one (``silent``: those that had not finished when the time limit ended)."""
    reasons, got = [], {}
    for r in results:
        if r is None and silent:
            continue  # an unfinished run's empty result
        if not isinstance(r, dict) or r.get("format") != REPLY_FORMAT or r.get("organization_id") not in organizations:
            reasons.append(_reason(None, "a reply that is not a dttstudy node reply for the organisations asked"))
            continue
        org = r["organization_id"]
        if org in got:
            reasons.append(_reason(org, f"{_who(org)}: replied twice"))
        elif "error" in r:
            problems = r.get("problems") if isinstance(r.get("problems"), list) else []
            reasons.append(_reason(org, f"{_who(org)}: {r['error']}", problems=problems))
            got[org] = None
        elif not isinstance(r.get("summary"), dict):
            reasons.append(_reason(org, f"{_who(org)}: the reply holds no summary"))
            got[org] = None
        else:
            got[org] = r["summary"]
    for org in organizations:
        if org in got:
            continue
        if silent and org in silent:
            reasons.append(_reason(org, f"{_who(org)}: no reply within the time limit of {time_limit:g} s (its node "
                                        "did not finish the run)"))
        else:
            reasons.append(_reason(org, f"{_who(org)}: no reply (its run failed or did not finish; that node's log "
                                        "says why)"))
    if reasons:
        raise Refused(f"not pooled: {len(reasons)} problem(s) with the centres' replies:\n- "
                      + "\n- ".join(x["reason"] for x in reasons), reasons)
    return [(org, got[org]) for org in organizations]


def _collect(client, task_id: int, organizations: list, time_limit: float, interval: float = 1.0):
    """The nodes' results, waiting at most ``time_limit`` seconds; (results, organisations whose run had not
    finished when the limit ended)."""
    deadline = time.monotonic() + time_limit
    while True:
        finished = set()
        for run in client.run.from_task(task_id):
            org = (run.get("organization") or {}).get("id") if isinstance(run, dict) else None
            if org is not None and has_task_finished(run.get("status")):
                finished.add(org)
        pending = [o for o in organizations if o not in finished]
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        time.sleep(min(interval, left))
        interval = min(interval * 1.5, 30.0)
    return client.result.from_task(task_id), pending


def _check_min_cell(pairs: list[tuple[int, dict]], min_cell: int) -> None:
    reasons = []
    for org, s in pairs:
        disclosure = s.get("disclosure")
        k = disclosure.get("min_cell") if isinstance(disclosure, dict) else None
        if not isinstance(k, int) or isinstance(k, bool):
            reasons.append(_reason(org, f"{_who(org, s.get('centre'))}: the summary states no minimum cell count"))
        elif k < min_cell:
            reasons.append(_reason(org, f"{_who(org, s.get('centre'))}: minimum cell count K = {k} is below the "
                                        f"coordinator's minimum {min_cell}", centre=s.get("centre")))
    if reasons:
        raise Refused("not pooled: a centre's disclosure control is weaker than the study's minimum (set by the "
                      "node's 'min_cell'; the coordinator's is this task's min_cell):\n- "
                      + "\n- ".join(x["reason"] for x in reasons), reasons)


def _write_summaries(pairs: list[tuple[int, dict]], folder: Path) -> list[Path]:
    """Each summary as the file ``export-summary`` writes, named ``<centre>.json``."""
    folder.mkdir()
    paths, reasons, owner = [], [], {}
    for org, s in pairs:
        code = s.get("centre")
        if not isinstance(code, str) or not _CODE.match(code):
            reasons.append(_reason(org, f"{_who(org)}: the summary has no valid centre code"))
            continue
        if code in owner:
            reasons.append(_reason(org, f"{_who(org)}: centre code {code} is also {_who(owner[code])}'s", code))
            continue
        owner[code] = org
        try:
            paths.append(dttstudy.write_summary(s, folder / f"{code}.json"))
        except (TypeError, ValueError) as err:  # not JSON: NaN, objects
            reasons.append(_reason(org, f"{_who(org, code)}: the summary cannot be written as a summary file "
                                        f"({err})", code))
    if reasons:
        raise Refused("not pooled:\n- " + "\n- ".join(x["reason"] for x in reasons), reasons)
    return paths


def _arguments(organizations, min_cell, time_limit, parameters) -> tuple:
    """The task's arguments checked by name: (organizations, min_cell, time_limit), or :class:`Refused`."""
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise Refused(f"unknown parameter(s) {', '.join(unknown)}; the parameters are {', '.join(PARAMETERS)}, "
                      "organizations, min_cell and time_limit (a centre's own K and code are its node's settings)")
    if min_cell is None:
        min_cell = dttstudy.DEFAULT_MIN_CELL
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or not 0 <= min_cell <= MAX_MIN_CELL:
        raise Refused(f"min_cell (the coordinator's minimum cell count) must be a whole number from 0 to "
                      f"{MAX_MIN_CELL}")
    if time_limit is None:
        time_limit = TIME_LIMIT["default"]
    if (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
            or not TIME_LIMIT["min"] <= time_limit <= TIME_LIMIT["max"]):
        raise Refused(f"time_limit must be a number of seconds from {TIME_LIMIT['min']} to {TIME_LIMIT['max']}")
    if organizations is not None and (
            not isinstance(organizations, list) or not organizations
            or any(isinstance(o, bool) or not isinstance(o, int) for o in organizations)
            or len(set(organizations)) != len(organizations)):
        raise Refused("organizations must be a list naming each organisation once by its id (whole numbers)")
    return organizations, min_cell, time_limit


@task_entry(refusal)
@algorithm_client
def central(client, *, organizations: list[int] | None = None, min_cell: int | None = None,
            time_limit: float | None = None, **parameters) -> dict:
    """Pool the centre summaries of ``organizations`` (default: every organisation of the collaboration, in the
    order the server lists them; the centres appear in the pooled tables in this order).

    ``min_cell`` is the coordinator's minimum cell count (default dttstudy's, 5): a centre whose own K is lower is
    refused. ``time_limit`` is how long the nodes are waited for (seconds; default 3600): a node that has not
    finished by then is named. ``parameters`` are the analysis parameters every centre uses (those of ``dttstudy
    export-summary``: ``disease``, ``timepoints``, ``definition``, ``ci_method``, ``crp_uln``, ``window``,
    ``horizon``, ``event_times``, ``ae_vocabulary``; dttstudy's defaults for any not given).

    Returns a dict with ``format``, ``format_version`` and ``refused``. A study that cannot be pooled (see the
    module docstring) gives ``refused: true``, ``message`` and ``reasons`` (each: ``organization_id``,
    ``centre``, ``reason``, ``problems`` — table, row and column, never a value). A pooled study gives
    ``refused: false``, ``package_version``, ``parameters`` (as the summaries record them), ``min_cell``,
    ``centres`` (organisation, centre code, K, file), ``summary`` (the methods paragraph) and ``files`` (relative
    path → text).
    """
    try:
        return _central(client, organizations, min_cell, time_limit, parameters)
    except Refused as err:
        return refusal(str(err), err.reasons)


def _central(client, organizations, min_cell, time_limit, parameters) -> dict:
    organizations, min_cell, time_limit = _arguments(organizations, min_cell, time_limit, parameters)
    if organizations is None:
        organizations = [o["id"] for o in client.organization.list()]
    task = client.task.create(input_={"method": "partial", "kwargs": parameters}, organizations=organizations,
                              name="dttstudy centre summaries",
                              description="each centre's aggregate summary (dttstudy export-summary)")
    results, silent = _collect(client, task.get("id"), organizations, time_limit)
    pairs = _replies(results, organizations, silent, time_limit)
    _check_min_cell(pairs, min_cell)
    with tempfile.TemporaryDirectory(prefix="dttstudy-central-") as tmp:
        paths = _write_summaries(pairs, Path(tmp) / "summaries")
        try:
            pooled = dttstudy.pool(paths, min_cell=min_cell)  # each centre was checked against it above
        except dttstudy.IncompatibleSummaries as err:
            raise Refused(f"not pooled, as 'dttstudy pool' refuses: {err}") from None
        out = Path(tmp) / "pooled"
        dttstudy.write_pooled_report(pooled, out)
        files = {f"summaries/{p.name}": p.read_text(encoding="utf-8") for p in paths}
        files.update({f"tables/{p.name}": p.read_text(encoding="utf-8")
                      for p in sorted((out / "tables").glob("*.csv"))})
        for name in ("report.html", "provenance.json"):
            files[name] = (out / name).read_text(encoding="utf-8")
    return {
        "format": RESULT_FORMAT, "format_version": RESULT_FORMAT_VERSION, "refused": False,
        "package_version": pooled.package_version, "parameters": pooled.parameters, "min_cell": min_cell,
        "centres": [{"organization_id": org, "centre": s["centre"], "min_cell": s["disclosure"]["min_cell"],
                     "file": f"summaries/{s['centre']}.json"} for org, s in pairs],
        "summary": pooled.summary_text(),
        "files": files,
    }
