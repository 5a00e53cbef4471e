"""Internal consistency and small cells of one centre summary (rules of
:mod:`dttstudy.synthesis.multicentre.contract`, applied by :mod:`dttstudy.synthesis.multicentre.check`).

Every rule compares published values only: a check involving a withheld value is skipped. Problems are added to
the checker passed in (its ``bad(rule, table, row, field)``), so that every problem is reported at once.
"""
from __future__ import annotations

import json
import math

from ...intake.schema import regimen_agents
from ..disclosure import SUPPRESSED
from .contract import GROUPS, LIFE_TABLE_PARAMETERS, OTHER_TERM, TABLES, _num


def _hashable(v):
    return json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v


def _show(v) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 60 else text[:57] + "…"


def _pub(v) -> bool:
    """A published, well-formed number (withheld values and malformed cells are left to other checks)."""
    return _num(v)


# ------------------------------------------------------------------------------------------------------------
# Consistency and disclosure within one summary
# ------------------------------------------------------------------------------------------------------------
def _consistency(c, t: dict, k: int | None) -> None:
    prm = c.s.get("parameters") if isinstance(c.s.get("parameters"), dict) else {}
    bc = t.get("baseline_counts", [])
    patients = next((r for r in bc if r.get("variable") == "Patients"), None)
    if patients is None and "baseline_counts" in t:
        c.bad("has no 'Patients' row (the denominators of every table)", "baseline_counts")
    P = {g: (patients or {}).get(g) for g in GROUPS}
    regimen = {r.get("level"): r.get("Total") for r in bc if r.get("variable") == "Regimen"}
    den = {("All", "All"): P["Total"], ("disease", "UC"): P["UC"], ("disease", "CD"): P["CD"]}
    den |= {("regimen", g): v for g, v in regimen.items()}

    def at_most(v, limit, what, table, i, f):
        if _pub(v) and _pub(limit) and v > limit:
            c.bad(f"{v:g} is more than {what} ({limit:g})", table, i, f)

    # Table 1
    sums: dict = {}
    for i, r in enumerate(bc, 1):
        uc, cd, tot = (r.get(g) for g in GROUPS)
        if all(_pub(x) for x in (uc, cd, tot)) and uc + cd != tot:
            c.bad(f"Total {tot:g} is not UC + CD ({uc:g} + {cd:g})", "baseline_counts", i, "Total")
        for g, v in (("UC", uc), ("CD", cd)):  # where a group is withheld, the other still cannot exceed Total
            at_most(v, tot, "the row's Total", "baseline_counts", i, g)
        if r.get("variable") != "Patients":
            for g in GROUPS:
                sums.setdefault((r.get("variable"), g), []).append(r.get(g))
    for (var, g), vals in sums.items():
        if g != "Total" and all(_pub(v) for v in vals) and _pub(P[g]) and sum(vals) not in (0, P[g]):
            c.bad(f"the levels of '{var}' add up to {sum(vals):g} {g} patients, not {P[g]:g} (row 'Patients')",
                  "baseline_counts", None, g)
    for i, r in enumerate(t.get("baseline_continuous", []), 1):
        g = r.get("group")
        at_most(r.get("n"), P.get(g), f"the {g} patients", "baseline_continuous", i, "n")
        _moments(c, r, "n", "sum", "sum_squares", "baseline_continuous", i)
        _difference(c, k, P.get(g), r.get("n"), "patients without a value", "baseline_continuous", i, "n")
        _guarded(c, k, r.get("n"), r, ("sum", "sum_squares"), "baseline_continuous", i)

    # response
    groups: dict = {}
    for i, r in enumerate(t.get("response", []), 1):
        n, N = r.get("n"), r.get("N")
        at_most(n, N, "the evaluable patients N", "response", i, "n")
        if r.get("by") == "All":
            at_most(N, P["Total"], "the patients (baseline_counts, Patients)", "response", i, "N")
        _difference(c, k, N, n, "non-responders N − n", "response", i, "n")
        key = (r.get("endpoint"), r.get("definition"), r.get("analysis_set"), _hashable(r.get("month")))
        groups.setdefault(key, []).append((i, r))
    for rows in groups.values():
        _margins(c, rows, ("n", "N"), "response")
        _within_all(c, rows, ("n", "N"), "response")

    # AE incidence and terms
    inc = t.get("ae_incidence", [])
    for i, r in enumerate(inc, 1):
        p, e = r.get("patients_with_event"), r.get("events")
        at_most(p, e, "the events", "ae_incidence", i, "patients_with_event")
        by_group = (r.get("by"), r.get("group"))
        if by_group in den:
            at_most(p, den[by_group], "the group's patients (baseline_counts)", "ae_incidence", i,
                    "patients_with_event")
            _difference(c, k, den[by_group], p, "patients without an event", "ae_incidence", i, "patients_with_event")
            _guarded(c, k, den[by_group], r, ("patient_years_at_risk", "patient_years_exposure"), "ae_incidence", i)
        elif r.get("by") == "suspected_agent":  # its patients: those on a regimen with the agent (all, if unknown)
            g = r.get("group")
            on = [P["Total"]] if g == "unknown" else [v for lev, v in regimen.items()
                                                      if isinstance(lev, str) and g in regimen_agents(lev)]
            if all(_pub(v) for v in on):
                at_most(p, sum(on), "the patients" if g == "unknown" else f"the patients on a regimen with {g}",
                        "ae_incidence", i, "patients_with_event")
        else:
            c.bad(f"group {_show(r.get('group'))} of {_show(r.get('by'))} has no row in baseline_counts",
                  "ae_incidence", i, "group")
    _margins(c, [(i, r) for i, r in enumerate(inc, 1) if r.get("by") != "suspected_agent"],
             ("patients_with_event", "events", "patient_years_at_risk", "patient_years_exposure"), "ae_incidence")
    _within_all(c, list(enumerate(inc, 1)), ("patients_with_event", "events"), "ae_incidence")
    vocabulary = prm.get("ae_vocabulary")
    words = vocabulary if isinstance(vocabulary, list) else []
    vocab = {" ".join(x.split()).casefold() for x in words if isinstance(x, str)}
    terms = t.get("ae_terms", [])
    for i, r in enumerate(terms, 1):
        p, e = r.get("patients_with_event"), r.get("events")
        at_most(p, e, "the events", "ae_terms", i, "patients_with_event")
        at_most(p, P["Total"], "the patients", "ae_terms", i, "patients_with_event")
        _difference(c, k, P["Total"], p, "patients without the term", "ae_terms", i, "patients_with_event")
        term = r.get("term")
        if isinstance(term, str) and term != OTHER_TERM and " ".join(term.split()).casefold() not in vocab:
            c.bad("a term outside the shared vocabulary of the parameters (typed text never leaves a centre)",
                  "ae_terms", i, "term")
    all_events = next((r.get("events") for r in inc if r.get("by") == "All"), None)
    ev = [r.get("events") for r in terms]
    if terms and all(_pub(x) for x in ev) and _pub(all_events) and sum(ev) != all_events:
        c.bad(f"the terms' events add up to {sum(ev):g}, not to all events ({all_events:g}, ae_incidence)",
              "ae_terms", None, "events")

    _life_tables(c, t.get("life_tables", []), prm, P["Total"],
                 next((r.get("patients_with_event") for r in inc if r.get("by") == "All"), None))

    # labs
    labs: dict = {}
    for i, r in enumerate(t.get("labs", []), 1):
        g = r.get("group")
        at_most(r.get("n"), P.get("Total" if g == "All" else g), "the group's patients", "labs", i, "n")
        for v in ("baseline", "value", "change"):
            _moments(c, r, "n", f"sum_{v}", f"sum_squares_{v}", "labs", i)
        _guarded(c, k, r.get("n"), r, [f for f in TABLES["labs"].amounts + TABLES["labs"].numbers], "labs", i)
        labs.setdefault((r.get("lab"), _hashable(r.get("month"))), {})[g] = (i, r)
    for rows in labs.values():
        _within_all(c, [(i, dict(r, by="All" if g == "All" else "disease")) for g, (i, r) in rows.items()], ("n",),
                    "labs")
        if {"All", "UC", "CD"} <= set(rows):
            (i, a), (_, u), (_, d) = rows["All"], rows["UC"], rows["CD"]
            for f in ("n",) + tuple(x for x in TABLES["labs"].amounts + TABLES["labs"].numbers
                                    if x.startswith("sum")):
                if all(_pub(x.get(f)) for x in (a, u, d)) and not _close(a[f], u[f] + d[f]):
                    c.bad(f"group All ({a[f]:g}) is not UC + CD ({u[f]:g} + {d[f]:g})", "labs", i, f)


def _within_all(c, rows, fields, table) -> None:
    """No group's count above the same cell's count over all patients (rows: (row number, row) of one cell, the
    row with ``by == "All"`` among them): a summary whose groups exceed its own All is refused, not pooled."""
    every = next((r for _, r in rows if r.get("by") == "All"), None)
    if every is None:
        return
    for i, r in rows:
        if r is every:
            continue
        for f in fields:
            v, limit = r.get(f), every.get(f)
            if _pub(v) and _pub(limit) and v > limit:
                c.bad(f"{v:g} is more than all patients' {f} in the same cell ({limit:g})", table, i, f)


def _close(a, b) -> bool:
    """Equal up to the written precision (:data:`dttstudy.precision.SIGNIFICANT_DIGITS`, 8 digits)."""
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))


def _margins(c, rows, fields, table) -> None:
    """The overall row equals the sum of the disease rows and the sum of the regimen rows; where some group is
    withheld, the groups published still cannot add up to more than the overall value, nor can one group."""
    allr = [(i, r) for i, r in rows if r.get("by") == "All"]
    if not allr:
        return
    i0, a = allr[0]
    for by in ("disease", "regimen"):
        part = [r for _, r in rows if r.get("by") == by]
        if not part:
            continue
        for f in fields:
            vals = [r.get(f) for r in part]
            shown = [v for v in vals if _pub(v)]
            if (_pub(a.get(f)) and shown and len(shown) < len(vals) and sum(shown) > a[f]
                    and not _close(a[f], sum(shown))):
                i_big = next(i for i, r in rows if r.get("by") == by and _pub(r.get(f)))
                c.bad(f"the {by} groups count {sum(shown):g}, more than the overall {a[f]:g}", table, i_big, f)
                continue
            if _pub(a.get(f)) and all(_pub(v) for v in vals) and not _close(a[f], sum(vals)):
                c.bad(f"the overall value {a[f]:g} is not the sum over the {by} groups ({sum(vals):g})", table,
                      i0, f)


def _moments(c, r, n_f, s_f, ss_f, table, i) -> None:
    n, s, ss = r.get(n_f), r.get(s_f), r.get(ss_f)
    if _pub(n) and n == 0:
        for f, v in ((s_f, s), (ss_f, ss)):
            if _pub(v) and v != 0:
                c.bad(f"{v:g} over no patient (n = 0)", table, i, f)
    elif _pub(n) and _pub(s) and _pub(ss) and n > 0 and ss * n < s * s * (1 - 1e-7) - 1e-7:
        c.bad(f"a sum of squares ({ss:g}) below (sum)² / n ({s * s / n:g}) is impossible", table, i, ss_f)


def _small(k, v) -> bool:
    return k is not None and _pub(v) and 0 < v < k


def _difference(c, k, total, part, what, table, i, f) -> None:
    if _small(k, (total - part) if _pub(total) and _pub(part) else None):
        c.bad(f"published with its total, it gives {total - part:g} {what}, below the declared minimum cell "
              f"count K = {k}: one of them should have been withheld", table, i, f)


def _guarded(c, k, n, r, fields, table, i) -> None:
    if _small(k, n):
        for f in fields:
            if _pub(r.get(f)):
                c.bad(f"published for {n:g} patient(s), below the declared minimum cell count K = {k}", table, i,
                      f)


def _life_tables(c, rows, prm, total, with_teae) -> None:
    exact = prm.get("event_times") is True
    h = prm.get("life_table_horizon")
    by: dict = {}
    for i, r in enumerate(rows, 1):
        if r.get("parameter") not in LIFE_TABLE_PARAMETERS:
            c.bad(f"must be one of {', '.join(LIFE_TABLE_PARAMETERS)} (value: {_show(r.get('parameter'))})",
                  "life_tables", i, "parameter")
            continue
        by.setdefault(r["parameter"], []).append((i, r))
    for name in LIFE_TABLE_PARAMETERS:
        part = by.get(name, [])
        if not part:
            if rows:
                c.bad(f"no rows for '{name}'", "life_tables", None, "parameter")
            continue
        if exact:
            times = [r.get("time") for _, r in part]
            if all(_pub(x) for x in times) and any(b <= a for a, b in zip(times, times[1:])):
                c.bad(f"the times of '{name}' are not distinct and in increasing order", "life_tables", part[0][0],
                      "time")
        elif isinstance(h, int):
            grid = [(j, j + 1 if j < h else None) for j in range(h + 1)]
            got = [(r.get("start"), r.get("end")) for _, r in part]
            if got != grid:
                c.bad(f"the rows of '{name}' are not the monthly grid 0, 1, …, {h} of the parameters "
                      "(life_table_horizon)", "life_tables", part[0][0], "start")
        prev = None
        ends = []
        for i, r in part:
            at, ev, ce = r.get("at_risk"), r.get("events"), r.get("censored")
            if prev is None:
                if _pub(at) and _pub(total) and at != total:
                    c.bad(f"{at:g} at risk at the start, but {total:g} patients (baseline_counts)", "life_tables",
                          i, "at_risk")
            else:
                pa, pe, pc = (prev.get(f) for f in ("at_risk", "events", "censored"))
                if all(_pub(x) for x in (at, pa, pe, pc)) and at != pa - pe - pc:
                    c.bad(f"{at:g} at risk, but the previous row leaves {pa - pe - pc:g} ({pa:g} − {pe:g} events − "
                          f"{pc:g} censored)", "life_tables", i, "at_risk")
            if all(_pub(x) for x in (at, ev, ce)) and ev + ce > at:
                c.bad(f"{ev:g} events + {ce:g} censored exceed the {at:g} at risk", "life_tables", i, "events")
            ends += [ev, ce]
            prev = r
        if all(_pub(x) for x in ends) and _pub(total) and sum(ends) != total:
            c.bad(f"events + censored of '{name}' add up to {sum(ends):g}, not to the {total:g} patients",
                  "life_tables", None, "events")
        first = [r.get("events") for _, r in part]
        if name == LIFE_TABLE_PARAMETERS[0] and all(_pub(x) for x in first) and _pub(with_teae) \
                and sum(first) != with_teae:
            c.bad(f"{sum(first):g} first TEAEs, but {with_teae:g} patients with a TEAE (ae_incidence)",
                  "life_tables", None, "events")


def _published_small(c, t: dict, k: int | None) -> None:
    """No published count in 1 … K − 1."""
    if not k or k <= 1:
        return
    for name, rows in t.items():
        for i, r in enumerate(rows, 1):
            for f in TABLES[name].counts:
                v = r.get(f)
                if _small(k, v):
                    c.bad(f"a count of {v:g}, below the declared minimum cell count K = {k}, was published (it "
                          f"must be withheld as '{SUPPRESSED}')", name, i, f)
