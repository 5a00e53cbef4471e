"""Multicentre analysis, at each centre: the aggregate summary a centre exports instead of patient records.

A centre runs :func:`export_summary` (``dttstudy export-summary``) on its own cohort. The file it writes holds
only counts and sums — no patient ids, no dates, no free text — and is protected by small-cell and
complementary suppression (:mod:`dttstudy.synthesis.disclosure`). The coordinating centre pools the files
(:mod:`dttstudy.synthesis.multicentre.pooling`). What a centre sends:

* **response** — per endpoint (clinical response, clinical remission, endoscopic response) × month ×
  analysis set (observed cases, non-responder imputation) × group (all; disease; regimen): responders ``n``
  and evaluable patients ``N`` (definitions as in :mod:`dttstudy.analysis.outcomes`);
* **baseline_counts** — Table 1 counts by UC / CD / total (the ``Patients`` row gives every denominator);
  **baseline_continuous** — n, sum and sum of squares of the continuous Table 1 variables;
* **ae_incidence** — per group (all; disease; regimen): patients with ≥ 1 treatment-emergent AE, TEAEs,
  patient-years at risk of a first TEAE and patient-years on DTT; per suspected agent: patients and events;
* **ae_terms** — per AE term of the shared vocabulary: patients with the term and events. Terms are typed by
  centres, so a term leaves the centre only when it matches :data:`AE_VOCABULARY` (or the vocabulary the
  network declares with ``ae_vocabulary=``; case and spacing ignored); every other term is counted under
  :data:`OTHER_TERM`. The vocabulary is part of the parameters, so all centres must use the same list;
* **life_tables** — time to first TEAE and time on DTT: at risk, events and censorings per month of the grid
  ``[0, 1), [1, 2), …, [horizon, ∞)``, pooled as an actuarial life table; with ``event_times=True`` (off by
  default: the times themselves are then shared) per distinct time instead, which makes the pooled
  Kaplan–Meier equal the patient-level one;
* **labs** — paired change from baseline of each marker the centre records (the paper's markers, and
  any optional marker of :data:`dttstudy.concepts.LABS`) by month and disease: n, sums and sums of squares
  of baseline, follow-up and change; median and quartiles of the change only for groups of at least K.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np

from ... import __version__
from ...analysis.labs import lab_changes
from ...analysis.outcomes import NRI_REASONS, response_rates
from ...analysis.safety import _teae, time_on_dtt, time_to_first_ae
from ...analysis.tables import prior_therapy_group
from ...intake import schema as S
from ...concepts import ANALYSED_LABS, ENDPOINT_NAMES, PAPER_LABS
from ...concepts import ENDPOINTS as ENDPOINT_DECLARATIONS
from ...parameters import BY_NAME, DEFAULT_HORIZON
from ...parameters import params as _params
from ...precision import written_json
from ..disclosure import DEFAULT_MIN_CELL, SUPPRESSED, CellSet, suppress
from .contract import CENTRE_CODE as _LABEL
from .contract import FORMAT, FORMAT_VERSION, OTHER_TERM, seal

#: Default shared AE vocabulary (MedDRA-like preferred terms as centres commonly write them).
AE_VOCABULARY = (
    "abdominal pain", "acne", "allergic purpura", "alopecia", "anaemia", "arthralgia",
    "bacterial intestinal infection", "Clostridioides difficile infection", "cytomegalovirus infection",
    "elevated liver enzymes", "fatigue", "fever", "headache", "herpes zoster", "hyperlipidaemia",
    "infusion reaction", "injection site reaction", "nausea", "pneumonia", "psoriasiform rash", "rash",
    "upper respiratory infection", "urinary tract infection", "venous thromboembolism",
)
#: The endpoints a summary shares (every declared endpoint, :data:`dttstudy.concepts.ENDPOINTS`).
ENDPOINTS = ENDPOINT_NAMES
#: The markers a summary can share: the paper's always, an optional one when the centre records it.
LABS = ANALYSED_LABS
_CATEGORICAL = [
    # (variable, column, levels, disease the variable applies to)
    ("Sex", "sex", ["F", "M"], None),
    ("Montreal extent (UC)", "uc_extent", ["E1", "E2", "E3"], "UC"),
    ("Montreal location (CD)", "cd_location", ["L1", "L2", "L3", "L4", "L1+L4", "L2+L4", "L3+L4"], "CD"),
    ("Montreal behaviour (CD)", "cd_behaviour", ["B1", "B2", "B3"], "CD"),
    ("Perianal disease (CD)", "cd_perianal", ["yes", "no"], "CD"),
    ("Abdominal surgery", "abdominal_surgery", ["none", "ileal", "ileocolonic", "colonic"], None),
    ("Perianal surgery", "perianal_surgery", ["yes", "no"], None),
    ("Immune-mediated comorbidity", "has_autoimmune", ["yes", "no"], None),
    ("Prior therapy", "prior_group", ["two or more agents", "single biologic only",
                                      "single immunosuppressant only", "none"], None),
    ("Indication", "indication", ["refractory", "eim", "imid"], None),
    ("Corticosteroid at DTT start", "steroid_at_start", ["yes", "no"], None),
]
_CONTINUOUS = [("Age at diagnosis, years", "age_at_diagnosis"), ("Disease duration, years", "disease_duration"),
               ("Follow-up before DTT, months", "followup_before_dtt"), ("Failed biologics, n", "failed_biologics"),
               ("Failed immunosuppressants / small molecules, n", "failed_immunomodulators")]
_COLS = ("UC", "CD", "Total")


def _norm_term(t) -> str:
    return " ".join(str(t).split()).casefold()


def analysis_parameters(*, disease="all", timepoints=(3, 6, 9), definition="paper", ci_method="clopper-pearson",
                        crp_uln=5.0, window=None, horizon=DEFAULT_HORIZON, event_times=False, ae_vocabulary=None,
                        level=0.95, labs=PAPER_LABS) -> dict:
    """The analysis parameters a summary records; pooling requires them to be identical across centres, except
    ``labs`` (the markers this centre records: the paper's, and any optional marker with a value). The common
    ones are checked as the notebooks check them (:func:`dttstudy.parameters.params`), ``horizon`` against its
    declared range."""
    p = _params(disease=disease, timepoints=timepoints, definition=definition, ci_method=ci_method,
                crp_uln=crp_uln, window=window)
    horizon = BY_NAME["horizon"].parse(horizon)
    if isinstance(ae_vocabulary, (str, bytes)) or (ae_vocabulary is not None and not all(
            isinstance(t, str) for t in ae_vocabulary)):
        # a string is not split into its characters: every caller (command line, vantage6 task) gets this reason
        raise ValueError("ae_vocabulary must be a list of terms (text), not a single string or other values")
    vocab = _vocabulary(AE_VOCABULARY if ae_vocabulary is None else ae_vocabulary)
    unknown = [x for x in labs if x not in LABS]
    if unknown:
        raise ValueError(f"labs: {', '.join(map(str, unknown))} not declared; markers: {', '.join(LABS)}")
    return {"disease": p.disease, "timepoints": list(p.timepoints), "definition": p.definition,
            "ci_method": p.ci_method, "crp_uln": p.crp_uln, "level": float(level),
            "windows": {f"{k:g}": float(v) for k, v in sorted(p.windows.items())}, "nri_reasons": list(NRI_REASONS),
            "grace_months": 0, "endoscopy_horizon": max(p.timepoints),
            "labs": [x for x in LABS if x in labs],
            "life_table_horizon": int(horizon), "event_times": bool(event_times), "ae_vocabulary": vocab}


def _vocabulary(terms) -> list[str]:
    """The shared AE terms with their spaces collapsed, in case-blind alphabetical order. Two spellings of one term
    (they differ only in case or spacing, which matching ignores) are refused: which to show is not guessed."""
    spelt: dict[str, set[str]] = {}
    for t in terms:
        spelt.setdefault(_norm_term(t), set()).add(" ".join(t.split()))
    twice = [" and ".join(repr(x) for x in sorted(v)) for v in spelt.values() if len(v) > 1]
    if twice:
        raise ValueError(f"ae_vocabulary spells one term twice ({'; '.join(twice)}): terms are matched ignoring case "
                         "and spacing, so give each once")
    return [next(iter(spelt[k])) for k in sorted(spelt)]


def _windows(prm: dict) -> dict:
    return {float(k) if "." in k else int(k): v for k, v in prm["windows"].items()}


def _input_hash(cohort) -> str:
    """sha256 of the loaded tables as canonical CSV (independent of the input file format)."""
    h = hashlib.sha256()
    for name, df in cohort.tables().items():
        h.update(name.encode())
        h.update(df.to_csv(index=False, lineterminator="\n", float_format="%.12g").encode())
    return h.hexdigest()


class _Builder:
    """Rows of each shared table plus the cell set the disclosure control works on."""

    def __init__(self):
        self.cs = CellSet()
        self.tables: dict[str, list[dict]] = {}
        self.refs: list[tuple[str, int, str, str]] = []  # (table, row, column, cell id)
        self.withheld_plain: list[str] = []  # withheld values outside the cell set (quantiles of small groups)

    def row(self, table: str, keys: dict, values: dict, *, guard: dict | None = None, plain: dict | None = None
            ) -> dict[str, str]:
        """Add a row; ``values`` are counts (or, with ``guard[col]``, guarded non-counts). Returns cell ids."""
        rows = self.tables.setdefault(table, [])
        ident = "/".join([table] + [f"{k}={_fmt(v)}" for k, v in keys.items()])
        r = dict(keys)
        ids = {}
        for col, v in values.items():
            g = (guard or {}).get(col)
            cid = self.cs.add(f"{ident}/{col}", v, count=g is None, guard=g)
            ids[col] = cid
            r[col] = v
            self.refs.append((table, len(rows), col, cid))
        r.update(plain or {})
        self.withheld_plain += [f"{ident}/{k}" for k, v in (plain or {}).items() if v == SUPPRESSED]
        rows.append(r)
        return ids

    def implied(self, ident: str, value) -> str:
        return self.cs.add(ident, value, written=False)


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return f"{v:g}"
    return str(v)


def _num(v):
    """JSON-friendly number: ints stay ints, NaN becomes None."""
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return None if math.isnan(v) else (int(v) if v.is_integer() and abs(v) < 2**53 else v)
    return v


def _baseline(b: _Builder, cohort) -> dict[str, str]:
    """Table 1 counts; returns the Patients cell id per column and per regimen (denominators elsewhere)."""
    p = cohort.patients.merge(cohort.treatments[["patient_id", "steroid_at_start"]], on="patient_id", how="left")
    p = p.merge(cohort.subjects()[["patient_id", "regimen"]], on="patient_id")
    cd = p["disease"] == "CD"
    m = p["montreal"].astype("string")
    p["uc_extent"] = m.where(~cd)
    p["cd_location"] = m.str.extract(r"^(L[1-4](?:\+L4)?)")[0].where(cd)
    p["cd_behaviour"] = m.str.extract(r"(B[1-3])")[0].where(cd)
    yn = {True: "yes", False: "no"}
    p["cd_perianal"] = m.str.contains(r" p$", regex=True).map(yn).where(cd)
    p["perianal_surgery"] = p["perianal_surgery"].map(yn)
    p["has_autoimmune"] = p["autoimmune_disease"].notna().map(yn)
    p["steroid_at_start"] = p["steroid_at_start"].map(yn)
    p["prior_group"] = prior_therapy_group(p)
    masks = {"UC": (p["disease"] == "UC").to_numpy(), "CD": cd.to_numpy(), "Total": np.ones(len(p), bool)}
    N = b.row("baseline_counts", {"variable": "Patients", "level": ""},
              {c: int(masks[c].sum()) for c in _COLS})
    b.cs.total(N["Total"], [N["UC"], N["CD"]])
    regimens = sorted(p["regimen"].unique())
    spec = _CATEGORICAL + [("Regimen", "regimen", regimens, None)]
    denominators = {"All": N["Total"], "UC": N["UC"], "CD": N["CD"]}
    for variable, col, levels, only in spec:
        vals = p[col]
        extra = sorted(set(vals.dropna()) - set(levels))  # e.g. a Montreal code outside the list
        rows = {}
        for lev in list(levels) + extra + ["missing"]:
            hit = vals.isna().to_numpy() if lev == "missing" else (vals == lev).to_numpy()
            if only is not None:
                hit = hit & masks[only]
            rows[lev] = b.row("baseline_counts", {"variable": variable, "level": lev},
                              {c: int((hit & masks[c]).sum()) for c in _COLS})
            b.cs.total(rows[lev]["Total"], [rows[lev]["UC"], rows[lev]["CD"]])
        # a variable of one disease counts only that disease's patients, in its own column and in the total
        for c in ([only, "Total"] if only else _COLS):
            b.cs.total(N[only or c], [r[c] for r in rows.values()])
        if variable == "Regimen":
            denominators.update({f"regimen={r}": rows[r]["Total"] for r in regimens})
    for variable, col in _CONTINUOUS:
        ids = {}
        for c in _COLS:
            x = p.loc[masks[c], col].dropna().astype(float)
            n = b.cs.cells[N[c]].value
            row = b.row("baseline_continuous", {"variable": variable, "group": c},
                        {"n": len(x), "sum": float(x.sum()), "sum_squares": float((x * x).sum())})
            b.cs.cells[row["sum"]].guard = b.cs.cells[row["sum_squares"]].guard = row["n"]
            b.cs.cells[row["sum"]].count = b.cs.cells[row["sum_squares"]].count = False
            miss = b.implied(f"baseline_continuous/variable={variable}/group={c}/missing", n - len(x))
            b.cs.equation({N[c]: 1, row["n"]: -1, miss: -1})
            ids[c] = row
        for k in ("n", "sum", "sum_squares"):
            b.cs.total(ids["Total"][k], [ids["UC"][k], ids["CD"][k]])
    return denominators


def _margins(b: _Builder, cells: dict[tuple, dict[str, str]], cols) -> None:
    """All = sum over disease groups and = sum over regimen groups, for each of ``cols``."""
    for col in cols:
        total = cells[("All", "All")][col]
        for by in ("disease", "regimen"):
            parts = [v[col] for (bb, _), v in cells.items() if bb == by]
            if parts:
                b.cs.total(total, parts)


def _response(b: _Builder, cohort, prm: dict) -> None:
    common = dict(by=["disease", "regimen"], ci_method=prm["ci_method"], level=prm["level"], windows=_windows(prm))
    runs = [(e.name, [None] if e.kind == "horizon" else prm["timepoints"],
             {k: prm[k] for k in e.parameters} | ({"horizon": prm["endoscopy_horizon"]} if e.kind == "horizon"
                                                  else {}))
            for e in ENDPOINT_DECLARATIONS]
    for endpoint, months, kw in runs:
        rates = response_rates(cohort, months, endpoint=endpoint, **common, **kw)
        for (aset, month), g in rates.groupby(["analysis_set", "month"], sort=False):
            cells = {}
            for r in g.itertuples():
                keys = {"endpoint": endpoint, "definition": r.definition, "analysis_set": aset,
                        "month": _num(month), "by": r.by, "group": r.group}
                ids = b.row("response", keys, {"n": int(r.n), "N": int(r.N)})
                non = b.implied(f"{'/'.join(f'{k}={_fmt(v)}' for k, v in keys.items())}/non_responders",
                                int(r.N) - int(r.n))
                b.cs.equation({ids["N"]: 1, ids["n"]: -1, non: -1})
                cells[(r.by, r.group)] = ids
            _margins(b, cells, ("n", "N"))


def _safety(b: _Builder, cohort, prm: dict, denominators: dict[str, str]) -> dict[str, str]:
    tte = time_to_first_ae(cohort)
    ae = _teae(cohort, False, prm["grace_months"])
    groups = [("All", "All", tte)]
    groups += [("disease", v, g) for v, g in tte.groupby("disease", sort=True)]
    groups += [("regimen", v, g) for v, g in tte.groupby("regimen", sort=True)]
    cells = {}
    for by, val, g in groups:
        den = denominators[val if by != "regimen" else f"regimen={val}"]
        n = int(g["event"].sum())
        ids = b.row("ae_incidence", {"by": by, "group": val},
                    {"patients_with_event": n, "events": int(ae["patient_id"].isin(g["patient_id"]).sum()),
                     "patient_years_at_risk": float(g["time"].sum() / 12),
                     "patient_years_exposure": float(g["dtt_months"].sum() / 12)},
                    guard={"patient_years_at_risk": den, "patient_years_exposure": den})
        free = b.implied(f"ae_incidence/by={by}/group={val}/patients_without_event", len(g) - n)
        b.cs.equation({den: 1, ids["patients_with_event"]: -1, free: -1})
        cells[(by, val)] = ids
    _margins(b, cells, ("patients_with_event", "events", "patient_years_at_risk", "patient_years_exposure"))

    subj = cohort.subjects()
    agents = sorted(set(subj["agent_1"]) | set(subj["agent_2"]), key=lambda a: (a in S.SMALL_MOLECULES, a))
    regimens = sorted(subj["regimen"].unique())
    for a in agents:
        exposed = subj.loc[(subj["agent_1"] == a) | (subj["agent_2"] == a), "patient_id"]
        hit = ae[ae["patient_id"].isin(exposed) & ae["suspected_agent"].isin([a, "both"])]
        ids = b.row("ae_incidence", {"by": "suspected_agent", "group": a},
                    {"patients_with_event": int(hit["patient_id"].nunique()), "events": len(hit)})
        n_exp = b.implied(f"ae_incidence/by=suspected_agent/group={a}/patients", len(exposed))
        b.cs.equation({n_exp: 1, **{denominators[f"regimen={r}"]: -1 for r in regimens if a in S.regimen_agents(r)}})
        free = b.implied(f"ae_incidence/by=suspected_agent/group={a}/patients_without_event",
                         len(exposed) - int(hit["patient_id"].nunique()))
        b.cs.equation({n_exp: 1, ids["patients_with_event"]: -1, free: -1})
    unk = ae[ae["suspected_agent"] == "unknown"]
    ids = b.row("ae_incidence", {"by": "suspected_agent", "group": "unknown"},
                {"patients_with_event": int(unk["patient_id"].nunique()), "events": len(unk)})
    free = b.implied("ae_incidence/by=suspected_agent/group=unknown/patients_without_event",
                     len(subj) - int(unk["patient_id"].nunique()))
    b.cs.equation({denominators["All"]: 1, ids["patients_with_event"]: -1, free: -1})

    vocab = {_norm_term(t): t for t in prm["ae_vocabulary"]}
    mapped = ae.assign(term=ae["term"].map(lambda t: vocab.get(_norm_term(t), OTHER_TERM)))
    term_events = []
    for t in list(prm["ae_vocabulary"]) + [OTHER_TERM]:
        g = mapped[mapped["term"] == t]
        if not len(g):
            continue  # a term nobody had is not listed; the pooled table lists terms any centre reports
        ids = b.row("ae_terms", {"term": t}, {"patients_with_event": int(g["patient_id"].nunique()),
                                              "events": len(g)})
        free = b.implied(f"ae_terms/term={t}/patients_without_event", len(subj) - int(g["patient_id"].nunique()))
        b.cs.equation({denominators["All"]: 1, ids["patients_with_event"]: -1, free: -1})
        term_events.append(ids["events"])
    if term_events:
        b.cs.total(cells[("All", "All")]["events"], term_events)
    return cells[("All", "All")]


def _life_tables(b: _Builder, cohort, prm: dict, n_all: str, ae_all: dict[str, str]) -> None:
    """Life tables, with the identities a reader can check against other tables declared as margins: the
    first-TEAE table's events are the patients with a TEAE; with distinct times, Σ time × (events + censored)
    is 12 × the patient-years at risk (first TEAE) or on DTT (time on DTT)."""
    for name, tte, py in (("time to first TEAE", time_to_first_ae(cohort), "patient_years_at_risk"),
                          ("time on DTT", time_on_dtt(cohort), "patient_years_exposure")):
        t = tte["time"].to_numpy(float)
        e = tte["event"].to_numpy(int) == 1
        parts, events, person_time, prev = [], [], {}, None
        if prm["event_times"]:
            rows = [(x, t == x) for x in np.unique(t)]
            keys = [{"parameter": name, "time": _num(x)} for x, _ in rows]
        else:
            h = prm["life_table_horizon"]
            rows = [(k, (t >= k) & ((t < k + 1) if k < h else True)) for k in range(h + 1)]
            keys = [{"parameter": name, "start": k, "end": k + 1 if k < h else None} for k, _ in rows]
        for (x, inside), key in zip(rows, keys):
            ids = b.row("life_tables", key, {"at_risk": int((t >= x).sum()), "events": int((inside & e).sum()),
                                             "censored": int((inside & ~e).sum())})
            # at risk = at risk at the previous row minus its events and censorings (the first: everyone)
            if prev is None:
                b.cs.total(n_all, [ids["at_risk"]])
            else:
                b.cs.total(prev["at_risk"], [ids["at_risk"], prev["events"], prev["censored"]])
            prev = ids
            parts += [ids["events"], ids["censored"]]
            events.append(ids["events"])
            person_time.update({ids["events"]: -x / 12, ids["censored"]: -x / 12})
        if prm["event_times"]:
            b.cs.equation({ae_all[py]: 1.0, **person_time})
        b.cs.total(n_all, parts)
        if name == "time to first TEAE":
            b.cs.total(ae_all["patients_with_event"], events)


def _labs(b: _Builder, cohort, prm: dict, min_cell: int) -> None:
    ch = lab_changes(cohort, tuple(prm["labs"]), tuple(prm["timepoints"]), windows=_windows(prm))
    for lab in prm["labs"]:
        for month in prm["timepoints"]:
            g = ch[(ch["lab"] == lab) & (ch["month"] == month)]
            cells = {}
            for grp, gg in [("All", g), ("UC", g[g["disease"] == "UC"]), ("CD", g[g["disease"] == "CD"])]:
                if prm["disease"] not in ("all", grp) and grp != "All":
                    continue
                vals: dict[str, float] = {"n": len(gg)}
                for col, name in (("baseline", "baseline"), ("value", "value"), ("change", "change")):
                    x = gg[col].astype(float)
                    vals[f"sum_{name}"] = float(x.sum())
                    vals[f"sum_squares_{name}"] = float((x * x).sum())
                keys = {"lab": lab, "month": _num(month), "group": grp}
                ident = "/".join(["labs"] + [f"{k}={_fmt(v)}" for k, v in keys.items()])
                guard = {k: f"{ident}/n" for k in vals if k != "n"}
                small = 0 < len(gg) < min_cell
                q = {} if len(gg) == 0 else {"change_median": float(gg["change"].median()),
                                             "change_q1": float(gg["change"].quantile(0.25)),
                                             "change_q3": float(gg["change"].quantile(0.75))}
                plain = {k: (SUPPRESSED if small else _num(q.get(k))) for k in ("change_median", "change_q1",
                                                                                  "change_q3")}
                cells[grp] = b.row("labs", keys, vals, guard=guard, plain=plain)
            if "UC" in cells and "CD" in cells:
                for col in cells["All"]:
                    b.cs.total(cells["All"][col], [cells["UC"][col], cells["CD"][col]])
            elif len(cells) == 2:  # a one-disease analysis: the disease group equals All
                other = next(k for k in cells if k != "All")
                for col in cells["All"]:
                    b.cs.total(cells["All"][col], [cells[other][col]])


def export_summary(cohort, *, min_cell: int = DEFAULT_MIN_CELL, centre: str | None = None, disease="all",
                   timepoints=(3, 6, 9), definition="paper", ci_method="clopper-pearson", crp_uln=5.0,
                   window=None, horizon: int = DEFAULT_HORIZON, event_times: bool = False,
                   ae_vocabulary=None) -> dict:
    """Everything a pooled analysis needs from one centre, and nothing patient-level (see the module docstring).

    Cells with ``0 < count < min_cell`` and the cells that would let a reader recover them are written as
    :data:`dttstudy.synthesis.disclosure.SUPPRESSED` and listed under ``disclosure.withheld``; ``min_cell=0`` turns
    suppression off (for testing only). Returns the summary as a dict (see :func:`write_summary`).

    >>> from dttstudy.intake.cohort import load_cohort
    >>> s = export_summary(load_cohort(), centre="C1")
    >>> s["parameters"]["labs"], s["disclosure"]["min_cell"]
    (['crp', 'albumin'], 5)
    """
    if centre is not None and not _LABEL.match(str(centre)):
        raise ValueError("centre must be a short code: letters, digits, '_', '.', '-' (at most 40 characters)")
    if int(min_cell) != min_cell or min_cell < 0:
        raise ValueError("min_cell must be a whole number >= 0")
    min_cell = int(min_cell)
    prm = analysis_parameters(disease=disease, timepoints=timepoints, definition=definition, ci_method=ci_method,
                              crp_uln=crp_uln, window=window, horizon=horizon, event_times=event_times,
                              ae_vocabulary=ae_vocabulary)
    cohort = cohort.filter(disease=prm["disease"])
    prm["labs"] = list(cohort.labs)
    b = _Builder()
    den = _baseline(b, cohort)
    _response(b, cohort, prm)
    ae_all = _safety(b, cohort, prm, den)
    _life_tables(b, cohort, prm, den["All"], ae_all)
    _labs(b, cohort, prm, min_cell)
    withheld = suppress(b.cs, min_cell)
    tables = {name: [dict(r) for r in rows] for name, rows in b.tables.items()}
    for table, i, col, cid in b.refs:
        tables[table][i][col] = SUPPRESSED if cid in withheld else _num(tables[table][i][col])
    for rows in tables.values():
        for r in rows:
            for k, v in r.items():
                r[k] = _num(v)
    return seal({
        "format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
        "centre": centre, "parameters": prm, "input_sha256": _input_hash(cohort),
        "disclosure": {"min_cell": min_cell, "marker": SUPPRESSED,
                       "rule": "counts 1..K-1 withheld, with complementary suppression over declared margins "
                               "(dttstudy.synthesis.disclosure); sums only over groups of at least K",
                       "withheld": [cid for _, _, _, cid in b.refs if cid in withheld] + b.withheld_plain},
        "tables": tables,
    })


def summary_json(summary: dict) -> str:
    """The summary as deterministic JSON text."""
    return json.dumps(written_json(summary), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_summary(summary: dict, path) -> Path:
    """Write the summary atomically (a complete file or none)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(summary_json(summary), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
