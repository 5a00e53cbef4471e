"""Checking centre summaries against the contract declared in :mod:`dttstudy.synthesis.multicentre.contract`.

:func:`check_summaries` reports every problem of a set of summaries at once (named by file and centre, table,
row and field) and notes what the coordinator accepted; :func:`checked_summaries` reads the files, checks them
and raises :class:`~dttstudy.synthesis.multicentre.contract.IncompatibleSummaries` with the full list. The rules are
those listed in the contract's docstring, one function per family: the envelope and the disclosure block
(:class:`_Checker`), the cells of each table (:meth:`_Checker.tables`), internal consistency
(:func:`_consistency`, :func:`_life_tables`) and small cells (:func:`_published_small`, :func:`_difference`,
:func:`_guarded`).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ... import __version__
from ...intake.privacy import identifier_kind
from ..disclosure import DEFAULT_MIN_CELL, SUPPRESSED
from .contract import (CENTRE_CODE, DISCLOSURE_FIELDS, ENVELOPE, FORMAT, FORMAT_VERSION, MAX_FILE_BYTES,
                               MAX_LISTED, PARAMETER_RULES, TABLES, ContractReport, IncompatibleSummaries, Problem,
                               _num, centre_code, content_hash, parameter_differences)
from .consistency import _consistency, _hashable, _published_small, _show


# ------------------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------------------
class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise _DuplicateKey(k)
        seen[k] = v
    return seen


def read_summary_file(path) -> tuple[dict | None, list[Problem]]:
    """The summary in ``path`` (its file name kept under ``_source``), or None and why it cannot be read."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(name, rule=f"{size:,} bytes: larger than any centre summary "
                                             f"({MAX_FILE_BYTES:,} at most)")]
        text = path.read_bytes().decode("utf-8")
        s = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as err:
        return None, [Problem(name, rule=f"field '{err}' appears twice in one object: the file was edited "
                                         "(a summary is written by dttstudy export-summary)")]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        return None, [Problem(name, rule=f"not a readable centre summary ({type(err).__name__}: "
                                         f"{str(err)[:120]})")]
    if not isinstance(s, dict):
        return None, [Problem(name, rule="not a centre summary (not a JSON object)")]
    s["_source"] = name
    return s, []


def is_summary_file(path) -> bool:
    """Whether ``path`` holds a dttstudy centre summary (the only file ``export-summary --force`` replaces)."""
    s, problems = read_summary_file(path)
    return not problems and s is not None and s.get("format") == FORMAT


def _source(s: dict, k: int) -> str:
    src = s.get("_source") or f"summary {k + 1}"
    c = s.get("centre")
    return f"{src} (centre {c})" if isinstance(c, str) and CENTRE_CODE.match(c) and c not in src else src



# ------------------------------------------------------------------------------------------------------------
# One summary
# ------------------------------------------------------------------------------------------------------------
class _Checker:
    def __init__(self, s: dict, src: str):
        self.s, self.src = s, src
        self.problems: list[Problem] = []
        #: tables with a row whose key is missing or malformed (see :meth:`tables`)
        self.unkeyed: set[str] = set()

    def bad(self, rule, table=None, row=None, field=None):
        self.problems.append(Problem(self.src, table, row, field, rule))

    # -- envelope -------------------------------------------------------------------------------------------
    def envelope(self, package_version: str) -> bool:
        s = self.s
        if s.get("format") != FORMAT:
            self.bad(f"not a dttstudy centre summary (format {_show(s.get('format'))}, expected '{FORMAT}')",
                     field="format")
            return False
        for k in s:
            if k != "_source" and k not in ENVELOPE:
                self.bad("not a field of a centre summary" + _patient_hint(k), field=k)
        for k in ENVELOPE:
            if k not in s:
                self.bad("missing" + (" (a summary without its disclosure block is refused)"
                                      if k == "disclosure" else ""), field=k)
        fv = s.get("format_version")
        if "format_version" in s and (fv != FORMAT_VERSION or isinstance(fv, bool)):
            self.bad(f"format version {_show(fv)} is not one this dttstudy ({package_version}) reads (it reads "
                     f"{FORMAT_VERSION}): export again with dttstudy {package_version}", field="format_version")
            return False
        pv = s.get("package_version")
        if "package_version" in s and pv != package_version:
            self.bad(f"made with dttstudy {_show(pv)}, but pooling runs dttstudy {package_version}: every centre "
                     f"and the coordinator run the same version (install dttstudy {package_version} and export "
                     "again, or pool with the centres' version)", field="package_version")
        c = s.get("centre")
        if c is not None and not (isinstance(c, str) and CENTRE_CODE.match(c)):
            self.bad("must be a short code: letters, digits, '_', '.', '-' (at most 40 characters)", field="centre")
        elif c is None and "centre" in s and centre_code(s) is None:
            self.bad("no centre code, and the file name is not one: export again with --centre CODE",
                     field="centre")
        h = s.get("input_sha256")
        if "input_sha256" in s and not (isinstance(h, str) and re.fullmatch(r"[0-9a-f]{64}", h)):
            self.bad("must be a sha256 (64 hexadecimal digits): the hash was changed", field="input_sha256")
        try:
            actual = content_hash(s)
        except (TypeError, ValueError) as err:
            self.bad(f"not JSON data ({err})")
            return False
        if "content_sha256" in s and s.get("content_sha256") != actual:
            self.bad("does not match the file's content: the summary was changed after export (edited by hand or "
                     "damaged in transit); ask the centre for the file dttstudy wrote", field="content_sha256")
        self.parameters()
        return True

    def parameters(self):
        p = self.s.get("parameters")
        if "parameters" not in self.s:
            return
        if not isinstance(p, dict):
            self.bad("must be an object of analysis parameters", field="parameters")
            return
        for k, v in p.items():
            if k not in PARAMETER_RULES:
                self.bad("not an analysis parameter of a centre summary", table="parameters", field=k)
                continue
            rule, what = PARAMETER_RULES[k]
            try:
                ok = rule(v)
            except (ValueError, TypeError):
                ok = False
            if not ok:
                self.bad(f"must be {what} (value: {_show(v)})", table="parameters", field=k)
        for k in PARAMETER_RULES:
            if k not in p:
                self.bad("missing", table="parameters", field=k)

    # -- disclosure block -----------------------------------------------------------------------------------
    def disclosure(self) -> int | None:
        d = self.s.get("disclosure")
        if "disclosure" not in self.s:
            return None
        if not isinstance(d, dict):
            self.bad("must be an object (min_cell, marker, rule, withheld)", field="disclosure")
            return None
        for k in d:
            if k not in DISCLOSURE_FIELDS:
                self.bad("not a field of the disclosure block", table="disclosure", field=k)
        for k in DISCLOSURE_FIELDS:
            if k not in d:
                self.bad("missing", table="disclosure", field=k)
        k = d.get("min_cell")
        if not (isinstance(k, int) and not isinstance(k, bool) and k >= 0):
            if "min_cell" in d:
                self.bad(f"must be a whole number ≥ 0 (value: {_show(k)})", table="disclosure", field="min_cell")
            k = None
        if "marker" in d and d.get("marker") != SUPPRESSED:
            self.bad(f"must be '{SUPPRESSED}' (value: {_show(d.get('marker'))})", table="disclosure",
                     field="marker")
        if "rule" in d and not isinstance(d.get("rule"), str):
            self.bad("must be text", table="disclosure", field="rule")
        w = d.get("withheld")
        if "withheld" in d:
            if not (isinstance(w, list) and all(isinstance(x, str) for x in w)):
                self.bad("must be a list of cell names", table="disclosure", field="withheld")
            else:
                dup = sorted({x for x in w if w.count(x) > 1}) if len(set(w)) != len(w) else []
                if dup:
                    self.bad(f"lists a cell twice ({dup[0][:80]})", table="disclosure", field="withheld")
                unknown = [x for x in w if x.split("/", 1)[0] not in TABLES]
                if unknown:
                    self.bad(f"names a cell of no summary table ({unknown[0][:80]})", table="disclosure",
                             field="withheld")
                marked = sum(v == SUPPRESSED for rows in _tables(self.s).values() for r in _rows(rows)
                             for v in r.values())
                if marked != len(w):
                    self.bad(f"lists {len(w)} withheld value(s) but the tables mark {marked} as "
                             f"'{SUPPRESSED}'", table="disclosure", field="withheld")
        return k

    # -- tables ---------------------------------------------------------------------------------------------
    def tables(self, k: int | None) -> dict:
        """Type and range of every cell; returns the declared tables that are lists of rows (name → rows).

        A table with a row that cannot be identified (a key missing or of the wrong kind) is named in
        ``unkeyed``: its cross-row consistency is not checked, since without that row its groups would not add up
        and the problems named would be ones the centre did not make. Its small cells are still checked."""
        s = self.s
        t = s.get("tables")
        if "tables" not in s:
            return {}
        if not isinstance(t, dict):
            self.bad("must be an object of tables", field="tables")
            return {}
        given = s.get("parameters")
        prm = given if isinstance(given, dict) else {}
        exact = prm.get("event_times") is True
        out = {}
        for name, rows in t.items():
            spec = TABLES.get(name)
            if spec is None:
                self.bad("not a table of a centre summary: a summary holds only the declared aggregate tables "
                         "(never patient-level rows)" + _patient_hint(name, rows), table=name)
                continue
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                self.bad("must be a list of rows (objects)", table=name)
                continue
            keys = dict(spec.keys)
            if name == "life_tables":
                keys |= {"time": "number"} if exact else {"start": "number", "end": "number|null"}
            fields = set(keys) | set(spec.counts) | set(spec.amounts) | set(spec.numbers)
            seen: dict = {}
            for i, r in enumerate(rows, 1):
                for f in r:
                    if f not in fields:
                        self.bad("not a field of this table" + _patient_hint(f), name, i, f)
                for f, kind in keys.items():
                    v = r.get(f, _ABSENT)
                    if v is _ABSENT:
                        self.bad("missing", name, i, f)
                    elif not _key_ok(v, kind):
                        self.bad(f"must be {_KIND[kind]} (value: {_show(v)})", name, i, f)
                if all(_key_ok(r.get(f, _ABSENT), kind) for f, kind in keys.items()):
                    key = tuple(_hashable(r.get(f)) for f in keys)
                    if key in seen:
                        self.bad(f"the same row as row {seen[key]} (" + ", ".join(
                            f"{f}={_show(r.get(f))}" for f in keys) + ")", name, i)
                    seen.setdefault(key, i)
                else:
                    self.unkeyed.add(name)
                for f in spec.counts:
                    self._cell(r, f, name, i, "count", f in spec.optional)
                for f in spec.amounts:
                    self._cell(r, f, name, i, "amount", f in spec.optional)
                for f in spec.numbers:
                    self._cell(r, f, name, i, "number", f in spec.optional, f in spec.nullable)
            out[name] = rows
        for name, spec in TABLES.items():
            if spec.required and name not in t:
                self.bad("missing", table=name)
        return out

    def _cell(self, r, f, table, i, kind, optional=False, nullable=False):
        v = r.get(f, _ABSENT)
        if v is _ABSENT:
            if not optional:
                self.bad("missing (a withheld value is written "
                         f"'{SUPPRESSED}')", table, i, f)
            return
        if v == SUPPRESSED:
            return
        if v is None:
            if not nullable:
                self.bad(f"empty (null): a count or sum is a number, or '{SUPPRESSED}'", table, i, f)
            return
        if isinstance(v, str):
            self.bad(f"given as text {_show(v)}: must be a number (or '{SUPPRESSED}')", table, i, f)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            self.bad(f"must be a number (value: {_show(v)})", table, i, f)
        elif not math.isfinite(v):
            self.bad(f"{_show(v)} is not a number a centre can report", table, i, f)
        elif kind == "count" and (v < 0 or v != int(v)):
            self.bad(f"a count must be a whole number ≥ 0 (value: {_show(v)})", table, i, f)
        elif kind == "amount" and v < 0:
            self.bad(f"must be ≥ 0 (value: {_show(v)})", table, i, f)


_ABSENT = object()
_KIND = {"text": "text", "number": "a number", "number|null": "a number or null"}


def _key_ok(v, kind):
    if kind == "text":
        return isinstance(v, str) and len(v) <= 200
    if kind == "number|null" and v is None:
        return True
    return _num(v)


def _tables(s):
    t = s.get("tables")
    return t if isinstance(t, dict) else {}


def _rows(rows):
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _patient_hint(name, rows=None) -> str:
    """' (patient-level data?)' when a name (or a row's field) looks like an identifier or a patient column."""
    names = [str(name)]
    for r in _rows(rows)[:1]:
        names += list(r)
    for n in names:
        kind = identifier_kind(n)
        if kind or re.search(r"patient|subject|^id$|_id$", n, flags=re.I):
            return f": '{n}' looks like patient-level data" + (f" ({kind})" if kind else "")
    return ""


# ------------------------------------------------------------------------------------------------------------
# The set of summaries
# ------------------------------------------------------------------------------------------------------------
def check_summaries(summaries: list[dict], *, min_cell: int = DEFAULT_MIN_CELL,
                    accept_below_min_cell: bool = False, package_version: str = __version__) -> ContractReport:
    """Every problem of every summary (see the module docstring), and the notes of what was accepted.

    ``min_cell`` is the coordinator's minimum cell count: a centre declaring a smaller K (or none: K ≤ 1) is a
    problem unless ``accept_below_min_cell``, which turns it into a note for the pooled report.
    """
    report = ContractReport()
    if not summaries:
        report.problems.append(Problem("pool", rule="no centre summaries given"))
        return report
    labels: dict = {}
    hashes: dict = {}
    params = []
    below: list[str] = []
    for j, s in enumerate(summaries):
        src = _source(s, j)
        c = _Checker(s, src)
        if c.envelope(package_version):
            k = c.disclosure()
            t = c.tables(k)
            _published_small(c, t, k)
            _consistency(c, {name: rows for name, rows in t.items() if name not in c.unkeyed}, k)
            if k is not None and k < min_cell:
                what = "no disclosure control" if k <= 1 else f"minimum cell count K = {k}"
                if accept_below_min_cell:
                    below.append(f"{centre_code(s) or src} ({what})")
                else:
                    c.bad(f"exported with {what}, below the coordinator's minimum cell count {min_cell}: ask "
                          f"the centre to export with --min-cell {min_cell}, or accept it explicitly with "
                          f"--accept-below-min-cell (the pooled report then says so)", "disclosure", None,
                          "min_cell")
            code = centre_code(s)
            if code is not None:
                labels.setdefault(code, []).append(src)
            h = s.get("input_sha256")
            if isinstance(h, str):
                hashes.setdefault(h, []).append((code, src))
            if isinstance(s.get("parameters"), dict):
                params.append((src, s["parameters"]))
        report.problems += c.problems
    for code, srcs in labels.items():
        if len(srcs) > 1:
            report.problems.append(Problem(srcs[1], field="centre", rule=f"centre {code} given twice (also "
                                                                        f"{srcs[0]}): each centre once"))
    for h, who in hashes.items():
        codes = {code for code, _ in who}
        if len(who) > 1 and len(codes) > 1:
            report.problems.append(Problem(who[1][1], field="input_sha256", rule=(
                f"the same data as {who[0][1]} (same input hash) under another centre code: each centre's "
                "data once")))
    if params:
        src0, p0 = params[0]
        for src, p in params[1:]:
            diff = parameter_differences(p, p0)
            if diff:
                report.problems.append(Problem(src, table="parameters", rule=(
                    f"differs from {src0} in parameter(s) {', '.join(diff)}: every centre must run the same "
                    "analysis")))
    if below:
        report.notes.append(f"Accepted by the coordinator below its minimum cell count of {min_cell}: centre"
                            f"{'s' if len(below) > 1 else ''} {', '.join(below)}; small cells of "
                            f"{'these centres' if len(below) > 1 else 'this centre'} may appear in this report.")
    report.problems = _cap(report.problems)
    return report


def _cap(problems: list[Problem]) -> list[Problem]:
    kept: list = []
    count: dict = {}
    for p in problems:
        key = (p.source, p.table, p.field, re.sub(r"[-\d.,]+", "#", p.rule)[:60])
        count[key] = count.get(key, 0) + 1
        if count[key] <= MAX_LISTED:
            kept.append(p)
    for (src, table, fld, _), n in count.items():
        if n > MAX_LISTED:
            kept.append(Problem(src, table, None, fld, f"{n - MAX_LISTED:,} more problems of this kind not listed"))
    return kept


def checked_summaries(items, *, min_cell: int = DEFAULT_MIN_CELL, accept_below_min_cell: bool = False
                      ) -> tuple[list[dict], ContractReport]:
    """Read (paths) or take (dicts) centre summaries and check them; raise :class:`IncompatibleSummaries` with
    every problem, or return the summaries and the report (its notes go into the pooled report)."""
    summaries, unreadable = [], []
    for x in items:
        if isinstance(x, dict):
            summaries.append(x)
            continue
        s, problems = read_summary_file(x)
        unreadable += problems
        if s is not None:
            summaries.append(s)
    report = check_summaries(summaries, min_cell=min_cell, accept_below_min_cell=accept_below_min_cell) \
        if summaries or not unreadable else ContractReport()
    report.problems = unreadable + report.problems
    if report.problems:
        raise IncompatibleSummaries(str(report), report.problems)
    return summaries, report
