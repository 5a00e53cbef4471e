"""The central function: ask every centre's node for its summary, check the replies, pool as ``dttstudy pool``.

What it checks, in order, and refuses (raises :class:`Refused`, naming every organisation concerned):

1. a node that gave no reply (its run failed), a reply that is not this algorithm's, or a node that could not
   give a summary (invalid data: the places of the problems; a setting; a parameter);
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
from pathlib import Path

import dttstudy
from vantage6.algorithm.tools.decorators import algorithm_client

from .node import PARAMETERS, REPLY_FORMAT

#: ``format`` of what :func:`central` returns.
RESULT_FORMAT = "dttstudy-vantage6-pooled"
RESULT_FORMAT_VERSION = 1
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")  # a centre code, as export-summary accepts it


class Refused(ValueError):
    """The study cannot be pooled as asked; the message names every organisation and reason."""


def _who(org, centre=None) -> str:
    return f"organization {org}" + (f" (centre {centre})" if centre else "")


def _replies(results: list, organizations: list) -> list[tuple[int, dict]]:
    """(organisation, summary) in the order of ``organizations``, or :class:`Refused` listing every node that did
    not give one."""
    problems, got = [], {}
    for r in results:
        if not isinstance(r, dict) or r.get("format") != REPLY_FORMAT or r.get("organization_id") not in organizations:
            problems.append("a reply that is not a dttstudy node reply for the organisations asked")
            continue
        org = r["organization_id"]
        if org in got:
            problems.append(f"{_who(org)}: replied twice")
        elif "error" in r:
            problems.append(f"{_who(org)}: {r['error']}")
            got[org] = None
        elif not isinstance(r.get("summary"), dict):
            problems.append(f"{_who(org)}: the reply holds no summary")
            got[org] = None
        else:
            got[org] = r["summary"]
    for org in organizations:
        if org not in got:
            problems.append(f"{_who(org)}: no reply (its run failed or did not finish; that node's log says why)")
    if problems:
        raise Refused(f"not pooled: {len(problems)} problem(s) with the centres' replies:\n- " + "\n- ".join(problems))
    return [(org, got[org]) for org in organizations]


def _check_min_cell(pairs: list[tuple[int, dict]], min_cell: int) -> None:
    problems = []
    for org, s in pairs:
        disclosure = s.get("disclosure")
        k = disclosure.get("min_cell") if isinstance(disclosure, dict) else None
        if not isinstance(k, int) or isinstance(k, bool):
            problems.append(f"{_who(org, s.get('centre'))}: the summary states no minimum cell count")
        elif k < min_cell:
            problems.append(f"{_who(org, s.get('centre'))}: minimum cell count K = {k} is below the coordinator's "
                            f"minimum {min_cell}")
    if problems:
        raise Refused("not pooled: a centre's disclosure control is weaker than the study's minimum (set by the "
                      "node's 'min_cell'; the coordinator's is this task's min_cell):\n- " + "\n- ".join(problems))


def _write_summaries(pairs: list[tuple[int, dict]], folder: Path) -> list[Path]:
    """Each summary as the file ``export-summary`` writes, named ``<centre>.json``."""
    folder.mkdir()
    paths, problems, owner = [], [], {}
    for org, s in pairs:
        code = s.get("centre")
        if not isinstance(code, str) or not _CODE.match(code):
            problems.append(f"{_who(org)}: the summary has no valid centre code")
            continue
        if code in owner:
            problems.append(f"{_who(org)}: centre code {code} is also {_who(owner[code])}'s")
            continue
        owner[code] = org
        try:
            paths.append(dttstudy.write_summary(s, folder / f"{code}.json"))
        except (TypeError, ValueError) as err:  # not JSON: NaN, objects
            problems.append(f"{_who(org, code)}: the summary cannot be written as a summary file ({err})")
    if problems:
        raise Refused("not pooled:\n- " + "\n- ".join(problems))
    return paths


@algorithm_client
def central(client, *, organizations: list[int] | None = None, min_cell: int | None = None, **parameters) -> dict:
    """Pool the centre summaries of ``organizations`` (default: every organisation of the collaboration, in the
    order the server lists them; the centres appear in the pooled tables in this order).

    ``min_cell`` is the coordinator's minimum cell count (default dttstudy's, 5): a centre whose own K is lower is
    refused. ``parameters`` are the analysis parameters every centre uses (those of ``dttstudy export-summary``:
    ``disease``, ``timepoints``, ``definition``, ``ci_method``, ``crp_uln``, ``window``, ``horizon``,
    ``event_times``, ``ae_vocabulary``; dttstudy's defaults for any not given). Raises :class:`Refused` when the
    study cannot be pooled (see the module docstring). Returns a dict: ``format``, ``format_version``,
    ``package_version``, ``parameters`` (as the summaries record them), ``min_cell``, ``centres`` (organisation,
    centre code, K, file), ``summary`` (the methods paragraph) and ``files`` (relative path → text).
    """
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise Refused(f"unknown parameter(s) {', '.join(unknown)}; the parameters are {', '.join(PARAMETERS)}, "
                      "organizations and min_cell (a centre's own K and code are its node's settings)")
    if min_cell is None:
        min_cell = dttstudy.DEFAULT_MIN_CELL
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 0:
        raise Refused("min_cell (the coordinator's minimum cell count) must be a whole number >= 0")
    if organizations is None:
        organizations = [o["id"] for o in client.organization.list()]
    if not organizations or len(set(organizations)) != len(organizations):
        raise Refused("organizations must name each organisation once")

    task = client.task.create(input_={"method": "partial", "kwargs": parameters}, organizations=organizations,
                              name="dttstudy centre summaries",
                              description="each centre's aggregate summary (dttstudy export-summary)")
    pairs = _replies(client.wait_for_results(task_id=task.get("id")), organizations)
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
        "format": RESULT_FORMAT, "format_version": RESULT_FORMAT_VERSION,
        "package_version": pooled.package_version, "parameters": pooled.parameters, "min_cell": min_cell,
        "centres": [{"organization_id": org, "centre": s["centre"], "min_cell": s["disclosure"]["min_cell"],
                     "file": f"summaries/{s['centre']}.json"} for org, s in pairs],
        "summary": pooled.summary_text(),
        "files": files,
    }
