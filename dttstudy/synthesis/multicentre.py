"""Multicentre analysis without moving patient records: each centre exports aggregates, a coordinator pools.

A centre runs :func:`export_summary` (``dttstudy export-summary``) on its own cohort. The file it writes holds
only counts and sums — no patient ids, no dates, no free text — and is protected by small-cell and
complementary suppression (:mod:`dttstudy.synthesis.disclosure`). The coordinating centre runs :func:`pool`
(``dttstudy pool``), which refuses files from another package version or other analysis parameters, and
:func:`write_pooled_report` writes the pooled tables and figures. What a centre sends:

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
* **labs** — paired change from baseline of CRP and albumin by month and disease: n, sums and sums of squares
  of baseline, follow-up and change; median and quartiles of the change only for groups of at least K.

Pooled response rates are summed counts with exact (or Wilson, as chosen) CIs — identical to the analysis of
the concatenated cohorts when nothing is suppressed; between-centre heterogeneity is estimated with a
random-effects model of the centres' proportions (τ², I²). A cell a centre withheld leaves that centre out of
that pooled cell; the ``withheld_centres`` column names it.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from ..reporting.outputs import MANIFEST
from ..precision import written_json
from .disclosure import DEFAULT_MIN_CELL, SUPPRESSED, CellSet, suppress

FORMAT = "dttstudy-centre-summary"
FORMAT_VERSION = 1
#: Bucket for AE terms outside the shared vocabulary.
OTHER_TERM = "other (term not in the shared vocabulary)"
#: Default shared AE vocabulary (MedDRA-like preferred terms as centres commonly write them).
AE_VOCABULARY = (
    "abdominal pain", "acne", "allergic purpura", "alopecia", "anaemia", "arthralgia",
    "bacterial intestinal infection", "Clostridioides difficile infection", "cytomegalovirus infection",
    "elevated liver enzymes", "fatigue", "fever", "headache", "herpes zoster", "hyperlipidaemia",
    "infusion reaction", "injection site reaction", "nausea", "pneumonia", "psoriasiform rash", "rash",
    "upper respiratory infection", "urinary tract infection", "venous thromboembolism",
)
ENDPOINTS = ("clinical_response", "clinical_remission", "endoscopic_response")
LABS = ("crp", "albumin")
DEFAULT_HORIZON = 24
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
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


class IncompatibleSummaries(ValueError):
    """Centre files that cannot be pooled (other package version, other parameters, unreadable)."""


# --------------------------------------------------------------------------------------------------------------
# Export (at each centre)
# --------------------------------------------------------------------------------------------------------------
def _norm_term(t) -> str:
    return " ".join(str(t).split()).casefold()


def analysis_parameters(*, disease="all", timepoints=(3, 6, 9), definition="paper", ci_method="clopper-pearson",
                        crp_uln=5.0, window=None, horizon=DEFAULT_HORIZON, event_times=False, ae_vocabulary=None,
                        level=0.95) -> dict:
    """The analysis parameters a summary records; pooling requires them to be identical across centres.
    The common ones are checked as the notebooks check them (:func:`dttstudy.reporting.report.params`)."""
    from ..analysis.outcomes import NRI_REASONS
    from ..reporting.report import params as _params

    p = _params(disease=disease, timepoints=timepoints, definition=definition, ci_method=ci_method,
                crp_uln=crp_uln, window=window)
    vocab = sorted({" ".join(str(t).split()) for t in (AE_VOCABULARY if ae_vocabulary is None else ae_vocabulary)},
                   key=_norm_term)
    if int(horizon) != horizon or horizon < 1:
        raise ValueError("horizon must be a whole number of months >= 1")
    return {"disease": p.disease, "timepoints": list(p.timepoints), "definition": p.definition,
            "ci_method": p.ci_method, "crp_uln": p.crp_uln, "level": float(level),
            "windows": {f"{k:g}": float(v) for k, v in sorted(p.windows.items())}, "nri_reasons": list(NRI_REASONS),
            "grace_months": 0, "endoscopy_horizon": max(p.timepoints), "labs": list(LABS),
            "life_table_horizon": int(horizon), "event_times": bool(event_times), "ae_vocabulary": vocab}


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
    from ..analysis.tables import prior_therapy_group

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
        cols = [only, "Total"] if only else list(_COLS)
        for c in cols:
            b.cs.total(N[c], [r[c] for r in rows.values()])
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
    from ..analysis.outcomes import response_rates

    common = dict(by=["disease", "regimen"], ci_method=prm["ci_method"], level=prm["level"], windows=_windows(prm))
    runs = [("clinical_response", prm["timepoints"], {"definition": prm["definition"], "crp_uln": prm["crp_uln"]}),
            ("clinical_remission", prm["timepoints"], {}),
            ("endoscopic_response", [None], {"horizon": prm["endoscopy_horizon"]})]
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
    from ..intake import schema as S
    from ..analysis.safety import _teae, time_to_first_ae

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
        b.cs.equation({n_exp: 1, **{denominators[f"regimen={r}"]: -1 for r in regimens if a in r.split("+")}})
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
    from ..analysis.safety import time_on_dtt, time_to_first_ae

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
    from ..analysis.labs import lab_changes

    ch = lab_changes(cohort, tuple(prm["labs"]), tuple(prm["timepoints"]), windows=_windows(prm))
    for lab in prm["labs"]:
        for month in prm["timepoints"]:
            g = ch[(ch["lab"] == lab) & (ch["month"] == month)]
            cells = {}
            for grp, gg in [("All", g), ("UC", g[g["disease"] == "UC"]), ("CD", g[g["disease"] == "CD"])]:
                if prm["disease"] not in ("all", grp) and grp != "All":
                    continue
                vals = {"n": len(gg)}
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
    """
    from .. import __version__

    if centre is not None and not _LABEL.match(str(centre)):
        raise ValueError("centre must be a short code: letters, digits, '_', '.', '-' (at most 40 characters)")
    if int(min_cell) != min_cell or min_cell < 0:
        raise ValueError("min_cell must be a whole number >= 0")
    min_cell = int(min_cell)
    prm = analysis_parameters(disease=disease, timepoints=timepoints, definition=definition, ci_method=ci_method,
                              crp_uln=crp_uln, window=window, horizon=horizon, event_times=event_times,
                              ae_vocabulary=ae_vocabulary)
    cohort = cohort.filter(disease=prm["disease"])
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
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "package_version": __version__,
        "centre": centre, "parameters": prm, "input_sha256": _input_hash(cohort),
        "disclosure": {"min_cell": min_cell, "marker": SUPPRESSED,
                       "rule": "counts 1..K-1 withheld, with complementary suppression over declared margins "
                               "(dttstudy.synthesis.disclosure); sums only over groups of at least K",
                       "withheld": [cid for _, _, _, cid in b.refs if cid in withheld] + b.withheld_plain},
        "tables": tables,
    }


def summary_json(summary: dict) -> str:
    """The summary as deterministic JSON text."""
    return json.dumps(written_json(summary), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_summary(summary: dict, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary_json(summary), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------------
# Pooling (at the coordinating centre)
# --------------------------------------------------------------------------------------------------------------
def read_summary(path) -> dict:
    path = Path(path)
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise IncompatibleSummaries(f"{path}: not a readable centre summary ({err})") from None
    if not isinstance(s, dict) or s.get("format") != FORMAT:
        raise IncompatibleSummaries(f"{path}: not a dttstudy centre summary")
    s.setdefault("_source", path.name)
    return s


def check_compatible(summaries: list[dict]) -> None:
    """Raise :class:`IncompatibleSummaries` unless every summary has the same format, package version and
    analysis parameters (the message names the first difference)."""
    if not summaries:
        raise IncompatibleSummaries("no centre summaries given")
    ref = summaries[0]
    for s in summaries[1:]:
        for key in ("format_version", "package_version"):
            if s.get(key) != ref.get(key):
                raise IncompatibleSummaries(f"{_src(s)} has {key} {s.get(key)!r} but {_src(ref)} has "
                                            f"{ref.get(key)!r}: every centre must run the same version")
        if s.get("parameters") != ref.get("parameters"):
            diff = sorted(k for k in set(s["parameters"]) | set(ref["parameters"])
                          if s["parameters"].get(k) != ref["parameters"].get(k))
            raise IncompatibleSummaries(f"{_src(s)} differs from {_src(ref)} in parameter(s) {', '.join(diff)}: "
                                        "every centre must run the same analysis")
    labels = [centre_label(s) for s in summaries]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise IncompatibleSummaries(f"centre label(s) given twice: {', '.join(dup)}")


def _src(s) -> str:
    return s.get("_source") or s.get("centre") or "summary"


def centre_label(s: dict) -> str:
    return s.get("centre") or Path(s.get("_source", "centre")).stem


def _frame(summaries, table: str, keys: list[str]) -> pd.DataFrame:
    parts = []
    for s in summaries:
        df = pd.DataFrame(s["tables"].get(table, []))
        if len(df):
            df.insert(0, "centre", centre_label(s))
            parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["centre", *keys])


def _pooled_sum(df: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    """Sum ``cols`` over centres per key, leaving out a centre's row when any of ``cols`` is withheld."""
    ok = ~df[cols].eq(SUPPRESSED).any(axis=1)
    num = df[ok].copy()
    for c in cols:
        num[c] = pd.to_numeric(num[c])
    key_df = df[keys].astype(object).where(df[keys].notna(), None)
    order = key_df.drop_duplicates()
    summed = num.groupby(keys, sort=False, dropna=False)[cols].sum().reset_index() if len(num) else \
        pd.DataFrame(columns=keys + cols)
    cnt = num.groupby(keys, sort=False, dropna=False).size().rename("centres").reset_index() if len(num) else \
        pd.DataFrame(columns=keys + ["centres"])
    wh = df[~ok].groupby(keys, sort=False, dropna=False)["centre"].agg(", ".join).rename(
        "withheld_centres").reset_index() if (~ok).any() else pd.DataFrame(columns=keys + ["withheld_centres"])
    out = order.merge(summed, on=keys, how="left").merge(cnt, on=keys, how="left").merge(wh, on=keys, how="left")
    for c in cols:
        out[c] = pd.to_numeric(out[c]).astype(float).fillna(0)
    out["centres"] = pd.to_numeric(out["centres"]).astype(float).fillna(0).astype(int)
    out["withheld_centres"] = out["withheld_centres"].fillna("")
    return out


class PooledAnalysis:
    """Pooled results of several centre summaries (tables as DataFrames, figures on demand).

    ``fit(summaries)`` checks compatibility (:func:`check_compatible`) and returns self. Attributes:
    ``rates_`` (response rates, the single-centre columns plus ``centres`` and ``withheld_centres``),
    ``centre_rates_``, ``heterogeneity_``, ``ae_incidence_``, ``ae_terms_``, ``exposure_``, ``km_`` (dict by
    parameter), ``labs_``, ``table1_``, ``table1_continuous_``, ``withheld_`` and ``centres_``.
    """

    def __init__(self, heterogeneity_method: str = "GLMM"):
        self.heterogeneity_method = heterogeneity_method

    def fit(self, summaries: list[dict]) -> "PooledAnalysis":
        check_compatible(summaries)
        self.summaries = summaries
        self.parameters = summaries[0]["parameters"]
        self.package_version = summaries[0]["package_version"]
        self.centres_ = pd.DataFrame([{"centre": centre_label(s), "file": s.get("_source", ""),
                                       "min_cell": s["disclosure"]["min_cell"],
                                       "cells_withheld": len(s["disclosure"]["withheld"]),
                                       "input_sha256": s["input_sha256"]} for s in summaries])
        self.withheld_ = pd.DataFrame([{"centre": centre_label(s), "table": w.split("/", 1)[0], "cell": w}
                                       for s in summaries for w in s["disclosure"]["withheld"]],
                                      columns=["centre", "table", "cell"])
        self._rates()
        self._safety()
        self._km()
        self._labs()
        self._table1()
        return self

    # response ----------------------------------------------------------------------------------------------
    def _rates(self):
        from ..analysis.stats import CI_METHODS, binomial_ci

        prm = self.parameters
        keys = ["endpoint", "definition", "analysis_set", "month", "by", "group"]
        df = _frame(self.summaries, "response", keys)
        out = _pooled_sum(df, keys, ["n", "N"])
        out[["n", "N"]] = out[["n", "N"]].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(out["n"], out["N"])]
        out["pct"] = np.where(out["N"] > 0, 100 * out["n"] / out["N"].where(out["N"] > 0, 1), np.nan)
        out["ci_low"] = [100 * c[0] for c in ci]
        out["ci_high"] = [100 * c[1] for c in ci]
        out["ci_method"] = CI_METHODS[prm["ci_method"]]
        out["level"] = prm["level"]
        self.rates_ = out[keys + ["n", "N", "pct", "ci_low", "ci_high", "ci_method", "level", "centres",
                                  "withheld_centres"]]
        allg = df[df["group"] == "All"].copy()
        ok = ~allg[["n", "N"]].eq(SUPPRESSED).any(axis=1)
        cr = allg[ok].copy()
        cr[["n", "N"]] = cr[["n", "N"]].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(cr["n"], cr["N"])]
        cr["pct"] = np.where(cr["N"] > 0, 100 * cr["n"] / cr["N"].where(cr["N"] > 0, 1), np.nan)
        cr["ci_low"] = [100 * c[0] for c in ci]
        cr["ci_high"] = [100 * c[1] for c in ci]
        self.centre_rates_ = cr[["centre"] + keys + ["n", "N", "pct", "ci_low", "ci_high"]].reset_index(drop=True)
        rows = []
        for k, g in self.centre_rates_.groupby(keys[:4], sort=False, dropna=False):
            g = g[g["N"] > 0]
            rows.append({**dict(zip(keys[:4], k)), **self._heterogeneity(g)})
        cols = keys[:4] + ["k", "n", "N", "method", "tau2", "i2", "q", "q_pvalue", "re_pct", "re_ci_low",
                           "re_ci_high", "note"]
        self.heterogeneity_ = pd.DataFrame(rows, columns=cols)

    def _heterogeneity(self, g: pd.DataFrame) -> dict:
        from .meta import pool_proportions

        base = {"k": len(g), "n": int(g["n"].sum()), "N": int(g["N"].sum())}
        if len(g) == 0:
            return {**base, "method": "", "note": "no centre with evaluable patients"}
        method, note = self.heterogeneity_method, ""
        try:
            res = pool_proportions(g["n"].tolist(), g["N"].tolist(), method=method, labels=g["centre"].tolist())
        except (ValueError, RuntimeError, ArithmeticError) as err:
            # an estimator this version lacks, or a GLMM that cannot be fitted: say so and use REML
            method = "REML"
            note = (f"{self.heterogeneity_method} not fitted ({type(err).__name__}: {err}); inverse-variance "
                    "REML on the logit scale instead")
            res = pool_proportions(g["n"].tolist(), g["N"].tolist(), method=method, labels=g["centre"].tolist())
        return {**base, "method": method, "tau2": res.tau2, "i2": res.i2, "q": res.q, "q_pvalue": res.q_pvalue,
                "re_pct": 100 * res.proportion, "re_ci_low": 100 * res.ci_lower, "re_ci_high": 100 * res.ci_upper,
                "note": note if len(g) > 1 else (note + "; " if note else "") + "one centre: no heterogeneity"}

    # safety ------------------------------------------------------------------------------------------------
    def _safety(self):
        from ..analysis.stats import CI_METHODS, binomial_ci, poisson_rate_ci

        prm = self.parameters
        # denominators: patients per group; a centre that withheld them is left out of the group below
        den = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        dens = {}
        for r in den.itertuples():
            if r.variable == "Patients":
                for grp, col in (("All", "Total"), ("UC", "UC"), ("CD", "CD")):
                    dens[(r.centre, "All" if grp == "All" else "disease", grp)] = getattr(r, col)
            elif r.variable == "Regimen":
                dens[(r.centre, "regimen", r.level)] = r.Total
        inc = _frame(self.summaries, "ae_incidence", ["by", "group"])
        reg = {k: v for k, v in dens.items() if k[1] == "regimen"}
        ns = []
        for r in inc.itertuples():
            if r.by == "suspected_agent":
                if r.group == "unknown":
                    ns.append(dens.get((r.centre, "All", "All"), SUPPRESSED))
                else:
                    vals = [v for (c, _, lev), v in reg.items() if c == r.centre and r.group in lev.split("+")]
                    ns.append(SUPPRESSED if SUPPRESSED in vals else int(sum(vals)))
            else:
                ns.append(dens.get((r.centre, r.by, r.group), 0))
        inc["N"] = ns
        keys = ["by", "group"]
        out = _pooled_sum(inc, keys, ["patients_with_event", "events", "N"])
        for c in ("patients_with_event", "events", "N"):
            out[c] = out[c].astype(int)
        ci = [binomial_ci(k, n, prm["ci_method"], prm["level"]) for k, n in zip(out["patients_with_event"],
                                                                                out["N"])]
        self.ae_incidence_ = pd.DataFrame({
            "by": out["by"], "group": out["group"], "n": out["patients_with_event"], "N": out["N"],
            "events": out["events"],
            "pct": np.where(out["N"] > 0, 100 * out["patients_with_event"] / out["N"].where(out["N"] > 0, 1), np.nan),
            "ci_low": [100 * c[0] for c in ci], "ci_high": [100 * c[1] for c in ci],
            "ci_method": CI_METHODS[prm["ci_method"]], "centres": out["centres"],
            "withheld_centres": out["withheld_centres"]})
        ex = inc[inc["by"] != "suspected_agent"]
        cols = ["patients_with_event", "events", "patient_years_at_risk", "patient_years_exposure", "N"]
        e = _pooled_sum(ex, keys, cols)
        rows = []
        for r in e.itertuples():
            n, pyr, ne, pye = int(r.patients_with_event), float(r.patient_years_at_risk), int(r.events), \
                float(r.patient_years_exposure)
            lo, hi = poisson_rate_ci(n, pyr, prm["level"])
            elo, ehi = poisson_rate_ci(ne, pye, prm["level"])
            rows.append({"by": r.by, "group": r.group, "patients": int(r.N), "patients_with_event": n,
                         "patient_years_at_risk": pyr, "eair_per_100py": 100 * n / pyr if pyr else np.nan,
                         "eair_ci_low": 100 * lo, "eair_ci_high": 100 * hi, "events": ne,
                         "patient_years_exposure": pye, "eaer_per_100py": 100 * ne / pye if pye else np.nan,
                         "eaer_ci_low": 100 * elo, "eaer_ci_high": 100 * ehi,
                         "ci_method": "exact Poisson (Garwood)", "centres": r.centres,
                         "withheld_centres": r.withheld_centres})
        self.exposure_ = pd.DataFrame(rows)
        # denominator of a term: the patients of every centre that published its total and the term's counts
        # (a centre with no such event lists no row: it adds 0 events and all its patients)
        totals = {r.centre: r.Total for r in den.itertuples() if r.variable == "Patients"}
        terms = _frame(self.summaries, "ae_terms", ["term"])
        if len(terms):
            hidden_total = terms["centre"].map(lambda c: totals.get(c) == SUPPRESSED)
            terms = terms.astype({"patients_with_event": object, "events": object})
            terms.loc[hidden_total, ["patients_with_event", "events"]] = SUPPRESSED
            t = _pooled_sum(terms, ["term"], ["patients_with_event", "events"])
        else:
            t = pd.DataFrame(columns=["term", "patients_with_event", "events", "centres", "withheld_centres"])
        published = {c: v for c, v in totals.items() if v != SUPPRESSED}
        t["N"] = [int(sum(v for c, v in published.items() if c not in str(w).split(", ")))
                  for w in t["withheld_centres"]]
        for c in ("patients_with_event", "events"):
            t[c] = t[c].astype(int)
        self.ae_terms_ = t[["term", "patients_with_event", "events", "N", "centres", "withheld_centres"]]

    # Kaplan–Meier ------------------------------------------------------------------------------------------
    def _km(self):
        prm = self.parameters
        lt = _frame(self.summaries, "life_tables", ["parameter"])
        pat = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        pat = pat[pat["variable"] == "Patients"].set_index("centre")["Total"]
        self.km_ = {}
        for name in ("time to first TEAE", "time on DTT"):
            g = lt[lt["parameter"] == name] if len(lt) else lt
            bad = sorted(set(g.loc[g[["events", "censored"]].eq(SUPPRESSED).any(axis=1), "centre"]) |
                         set(pat[pat.eq(SUPPRESSED)].index))
            g = g[~g["centre"].isin(bad)]
            n_total = int(pd.to_numeric(pat.drop(index=bad, errors="ignore")).sum())
            key = "time" if prm["event_times"] else "start"
            tab = (g.assign(events=pd.to_numeric(g["events"]), censored=pd.to_numeric(g["censored"]))
                   .groupby(key, sort=True)[["events", "censored"]].sum().reset_index()) if len(g) else \
                pd.DataFrame(columns=[key, "events", "censored"])
            km = life_table_km(tab, n_total, time=key, level=prm["level"], actuarial=not prm["event_times"])
            if not prm["event_times"]:
                h = prm["life_table_horizon"]
                km.insert(1, "end", [s + 1 if s < h else np.nan for s in km["start"]])
            km["centres"] = len(pat) - len(bad)
            km["withheld_centres"] = ", ".join(bad)
            self.km_[name] = km

    # labs --------------------------------------------------------------------------------------------------
    def _labs(self):
        df = _frame(self.summaries, "labs", ["lab", "month", "group"])
        cols = ["n"] + [f"{a}_{b}" for b in ("baseline", "value", "change") for a in ("sum", "sum_squares")]
        if not len(df):
            self.labs_ = pd.DataFrame(columns=["lab", "month", "group", "n"])
            return
        from ..analysis.labs import LABS as _UNITS

        s = _pooled_sum(df, ["lab", "month", "group"], cols)
        out = s[["lab", "month", "group"]].copy()
        out.insert(1, "unit", out["lab"].map(_UNITS).fillna(""))
        out.insert(3, "by", np.where(out["group"] == "All", "All", "disease"))
        out["n"] = s["n"].astype(int)
        n = s["n"].astype(float)
        for v in ("baseline", "value", "change"):
            out[f"{v}_mean"] = np.where(n > 0, s[f"sum_{v}"] / n.where(n > 0, 1), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (s["sum_squares_change"] - s["sum_change"] ** 2 / n) / (n - 1)
        out["change_sd"] = np.where(n > 1, np.sqrt(np.maximum(var, 0)), np.nan)
        out["centres"] = s["centres"]
        out["withheld_centres"] = s["withheld_centres"]
        self.labs_ = out

    # Table 1 -----------------------------------------------------------------------------------------------
    def _table1(self):
        df = _frame(self.summaries, "baseline_counts", ["variable", "level"])
        t = _pooled_sum(df, ["variable", "level"], list(_COLS))
        for c in _COLS:
            t[c] = t[c].astype(int)
        self.table1_ = t
        cont = _frame(self.summaries, "baseline_continuous", ["variable", "group"])
        s = _pooled_sum(cont, ["variable", "group"], ["n", "sum", "sum_squares"])
        n = s["n"].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.sqrt(np.maximum((s["sum_squares"] - s["sum"] ** 2 / n) / (n - 1), 0))
        self.table1_continuous_ = pd.DataFrame({
            "variable": s["variable"], "group": s["group"], "n": s["n"].astype(int),
            "mean": np.where(n > 0, s["sum"] / n.where(n > 0, 1), np.nan), "sd": np.where(n > 1, sd, np.nan),
            "centres": s["centres"], "withheld_centres": s["withheld_centres"]})

    def summary(self) -> str:
        """A methods-style paragraph."""
        k = len(self.centres_)
        n = int(self.table1_.loc[self.table1_["variable"] == "Patients", "Total"].sum())
        het = self.heterogeneity_
        meth = ", ".join(sorted(set(het["method"].dropna()) - {""})) or "none fitted: no centre published a rate"
        wh = len(self.withheld_)
        ks = sorted(set(self.centres_["min_cell"]))
        surv = "Kaplan–Meier at every distinct time" if self.parameters["event_times"] else "actuarial, monthly grid"
        return (f"{k} centres ({', '.join(self.centres_['centre'])}) shared aggregate results only "
                f"(dttstudy {self.package_version}; minimum cell count {', '.join(map(str, ks))}); "
                f"{n} patients in the cells that were published. Response rates are summed counts with "
                f"{self.rates_['ci_method'].iloc[0] if len(self.rates_) else ''} 95% CIs; between-centre "
                f"heterogeneity by random-effects pooling of the centres' proportions ({meth}; τ², I²). "
                f"Survival is pooled from the centres' life tables "
                f"({surv}); "
                f"exposure-adjusted rates from summed events and patient-years (exact Poisson CIs). "
                f"{wh} value(s) were withheld by the centres' disclosure control.")

    def __str__(self) -> str:
        return self.summary()


def life_table_km(tab: pd.DataFrame, n_total: int, *, time: str = "time", level: float = 0.95,
                  actuarial: bool = False) -> pd.DataFrame:
    """Survival from a life table (``events`` and ``censored`` per row, rows in time order).

    At risk at a row = ``n_total`` minus everyone who had an event or was censored in earlier rows.
    S = Π (1 − d/n); log-log CI from Greenwood's Σ d / (n (n − d)) (as lifelines and
    :class:`dttstudy.analysis.safety.KaplanMeier`). With one row per distinct time this *is* the Kaplan–Meier
    estimate (censored at a time = at risk at that time). With ``actuarial=True`` (used for the month grid)
    a patient censored inside an interval counts as at risk for half of it, n' = n − c/2 (the standard
    actuarial life table), and ``survival`` is the value at the end of the interval.
    """
    from scipy import stats as _st

    t = tab.sort_values(time).reset_index(drop=True)
    if not len(t):
        return pd.DataFrame(columns=[time, "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper",
                                     "ci_type"])
    d = t["events"].to_numpy(float)
    c = t["censored"].to_numpy(float)
    removed = np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
    at_risk = n_total - removed
    n = at_risk - c / 2 if actuarial else at_risk
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(n > 0, 1 - d / np.where(n > 0, n, 1), 1.0))
        gw = np.cumsum(np.where((n > d) & (n > 0), d / (n * (n - d)), 0.0))
        z = float(_st.norm.ppf(1 - (1 - level) / 2))
        logs = np.log(surv)
        se = np.sqrt(gw) / np.abs(logs)
        lo = np.where((surv < 1) & (surv > 0), surv ** np.exp(z * se), np.where(surv >= 1, 1.0, 0.0))
        hi = np.where((surv < 1) & (surv > 0), surv ** np.exp(-z * se), np.where(surv >= 1, 1.0, 0.0))
    return pd.DataFrame({time: t[time].to_numpy(), "at_risk": at_risk.astype(int), "events": d.astype(int),
                         "censored": c.astype(int), "survival": surv, "ci_lower": lo, "ci_upper": hi,
                         "ci_type": "log-log (exponential Greenwood)"})


def pool(paths_or_summaries, heterogeneity_method: str = "GLMM") -> PooledAnalysis:
    """Read (paths) or take (dicts) centre summaries and pool them."""
    summaries = [s if isinstance(s, dict) else read_summary(s) for s in paths_or_summaries]
    return PooledAnalysis(heterogeneity_method).fit(summaries)


# --------------------------------------------------------------------------------------------------------------
# Pooled report
# --------------------------------------------------------------------------------------------------------------
def forest_by_centre(rows: pd.DataFrame, het: dict, title: str):
    """By-centre forest plot in the study's forest layout (centre | n/N | % (95 % CI) | weight): each centre's
    proportion with its exact CI and the random-effects pooled estimate (diamond, with its prediction interval
    where defined); the summed-count estimate with its exact CI is stated in the footnote."""
    from .forest import forest_data, forest_plot

    r = rows[rows["N"] > 0].reset_index(drop=True)  # a centre with nobody evaluable has no proportion
    units = pd.DataFrame({"study_id": [str(c) for c in r["centre"]], "arm": "",
                          "label": [f"Centre {c}" for c in r["centre"]],
                          "events": r["n"].astype(int), "total": r["N"].astype(int)})
    method = str(het.get("method") or "GLMM")
    if method not in ("GLMM", "REML", "DL", "PM"):
        method = "GLMM"
    per, pooled = forest_data(units, method=method)
    p = het["pooled"]
    foot = (f"Summed counts of all centres: {int(p['n'])}/{int(p['N'])} = {p['pct']:.1f} % (exact 95 % CI "
            f"{p['ci_low']:.1f}–{p['ci_high']:.1f}).")
    return forest_plot(per, pooled, title, xlabel="Patients with the outcome (%)", footnote=foot, unit_label="Centre")


def km_life_table_plot(km: pd.DataFrame, title: str, ylabel: str, time: str):
    """Pooled Kaplan–Meier step curve with its log-log CI band, on the study's month grid, up to the last
    interval with a patient at risk."""
    from ..reporting.figures_theme import OKABE_ITO, month_grid, set_month_axis, theme

    km = km[km["at_risk"] > 0] if "at_risk" in km else km
    x = km[time].to_numpy(float) + (1.0 if time == "start" else 0.0)  # grid: the value at the interval's end
    x = np.concatenate([[0.0], x])
    s = np.concatenate([[1.0], km["survival"].to_numpy(float)])
    lo = np.concatenate([[1.0], km["ci_lower"].to_numpy(float)])
    hi = np.concatenate([[1.0], km["ci_upper"].to_numpy(float)])
    colour = OKABE_ITO[5]  # blue
    with theme():
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.2))
        ax.step(x, s, where="post", color=colour, lw=1.8, label="pooled")
        ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.18, lw=0, label="95% CI")
        ax.set_ylim(0, 1.05)
        set_month_axis(ax, month_grid(float(x.max()) if len(x) else 0.0))
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="lower left", frameon=False)
        n0 = int(km["at_risk"].iloc[0]) if len(km) else 0
        fig.text(0.01, 0.005, f"n = {n0}; pooled from the centres' life tables; CI: log-log (exponential "
                              "Greenwood)", fontsize=7)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def write_pooled_report(res: PooledAnalysis, out) -> list[Path]:
    """Write the pooled tables (CSV, MD, HTML, LaTeX; the report's tables in ``tables.docx``, all of them in
    ``tables.xlsx``), figures (PNG, SVG), ``report.html`` (the same document form as a single cohort's),
    ``index.html``, ``provenance.json`` and the manifest to
    ``out``. ``out`` follows the rules of a single cohort's report folder
    (:func:`dttstudy.reporting.outputs.check_target`): an existing folder is replaced only when the package wrote
    it and it holds nothing else; the report is built in a sibling folder and swapped in when complete."""
    import tempfile

    from .. import __version__
    from ..reporting import report
    from ..reporting.display import build_display
    from ..reporting.documents import write_docx, write_xlsx
    from ..reporting.outputs import TargetError, check_target, resolve, swap_in, write_manifest
    from ..reporting.report import save_figure, save_table

    try:
        out = resolve(out, "--out")
        check_target(out, None, reference=False)
    except TargetError as err:
        raise FileExistsError(f"not written by dttstudy as it stands: {err}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pooling-", dir=out.parent))
    try:
        report._SEQ[0] = 0  # the order numbers saved with each table restart, so the report is byte-identical
        entries = []  # (kind, name, title)

        displays = []

        def table(df, name, title, notes=None):
            disp = build_display(name, df, title, notes)
            save_table(df, name, tmp, title, notes, display=disp)
            displays.append(disp)
            entries.append(("table", name, title))

        def figure(fig, name, title):
            import matplotlib.pyplot as plt

            save_figure(fig, name, tmp, title)
            plt.close(fig)
            entries.append(("figure", name, title))

        note = [res.summary()]
        r = res.rates_
        for ep, name in (("clinical_response", "clinical_response_rates"),
                         ("clinical_remission", "clinical_remission_rates"),
                         ("endoscopic_response", "endoscopic_response_rates")):
            table(r[r["endpoint"] == ep].reset_index(drop=True), name, f"Pooled {ep.replace('_', ' ')}", note)
        table(res.heterogeneity_, "response_heterogeneity", "Between-centre heterogeneity (all patients)")
        table(res.centre_rates_, "centre_response_rates", "Response by centre (all patients)")
        table(res.ae_incidence_, "ae_incidence", "Patients with at least one treatment-emergent AE (pooled)")
        table(res.ae_terms_, "ae_terms", "Treatment-emergent AEs by term (pooled)")
        table(res.exposure_, "ae_exposure_adjusted", "Exposure-adjusted AE rates per 100 patient-years (pooled)")
        for pname, fname, ylabel in (("time to first TEAE", "km_first_ae_pooled", "Probability free of AE"),
                                     ("time on DTT", "km_time_on_dtt_pooled", "Probability still on DTT")):
            km = res.km_[pname]
            exact = res.parameters["event_times"]
            title = f"Pooled {'Kaplan–Meier' if exact else 'actuarial life table (monthly)'}: {pname}"
            table(km, fname, title)
            figure(km_life_table_plot(km, title, ylabel, "time" if exact else "start"), fname, title)
        table(res.labs_, "lab_changes", "Lab change from baseline (pooled)")
        table(res.table1_, "table1_counts", "Baseline characteristics: counts (pooled)")
        table(res.table1_continuous_, "table1_continuous", "Baseline characteristics: mean (SD) (pooled)")
        table(res.centres_, "centres", "Centres")
        table(res.withheld_, "withheld_cells", "Values withheld by the centres' disclosure control")
        cr = res.centre_rates_
        for h in res.heterogeneity_.itertuples():
            if h.analysis_set != "observed":
                continue
            sel = cr[(cr["endpoint"] == h.endpoint) & (cr["analysis_set"] == h.analysis_set) &
                     (cr["month"] == h.month) & (cr["N"] > 0)]
            if not len(sel):
                continue
            pr = r[(r["endpoint"] == h.endpoint) & (r["analysis_set"] == h.analysis_set) & (r["month"] == h.month)
                   & (r["group"] == "All")].iloc[0]
            het = dict(h._asdict())
            het["pooled"] = {"n": int(pr["n"]), "N": int(pr["N"]), "pct": pr["pct"], "ci_low": pr["ci_low"],
                             "ci_high": pr["ci_high"]}
            het.setdefault("re_pct", np.nan)
            name = f"forest_{h.endpoint}_m{_fmt(h.month)}"
            title = f"{h.endpoint.replace('_', ' ').capitalize()}, month {_fmt(h.month)} (observed cases)"
            figure(forest_by_centre(sel, het, title), name, title)
        file_only = {"withheld_cells", "km_first_ae_pooled", "km_time_on_dtt_pooled", "lab_changes"}
        in_report = {n for k, n, _ in entries if k == "table" and n not in file_only}
        write_docx([d for d in displays if d.name in in_report], tmp / "tables" / "tables.docx",
                   title="Pooled multicentre tables")
        write_xlsx(displays, tmp / "tables" / "tables.xlsx")
        from ..reporting.report_html import write_pooled_report as _document

        _document(tmp, res, entries, in_report)
        entries += [("document", "report.html", "The pooled report (report.html)"),
                    ("document", "tables/tables.docx", "All tables (Word)"),
                    ("document", "tables/tables.xlsx", "All tables (Excel, one sheet per table)")]
        (tmp / "index.html").write_text(_index_html(res, entries), encoding="utf-8")
        prov = {"package_version": res.package_version, "parameters": res.parameters,
                "centres": res.centres_.to_dict(orient="records")}
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        write_manifest(tmp, __version__)
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != MANIFEST)
        swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return [out / f for f in files] + [out / MANIFEST]


def _index_html(res: PooledAnalysis, entries) -> str:
    from html import escape

    prm = json.dumps(res.parameters, ensure_ascii=False, sort_keys=True)
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Pooled multicentre report</title></head><body>", "<h1>Pooled multicentre report</h1>",
             f"<p>{escape(res.summary())}</p>", "<h2>Centres</h2><ul>"]
    for c in res.centres_.itertuples():
        lines.append(f"<li>{escape(str(c.centre))}: minimum cell count {int(c.min_cell)}, "
                     f"{int(c.cells_withheld)} cell(s) withheld</li>")
    lines += ["</ul>", "<h2>Tables</h2><ul>"]
    for kind, name, title in entries:
        if kind == "table":
            n = escape(name)
            lines.append(f'<li><a href="tables/{n}.html">{escape(title)}</a> (<a href="tables/{n}.csv">CSV</a>)</li>')
    lines += ["</ul>", "<h2>Figures</h2><ul>"]
    for kind, name, title in entries:
        if kind == "figure":
            n = escape(name)
            lines.append(f'<li><a href="figures/{n}.svg">{escape(title)}</a> (<a href="figures/{n}.png">PNG</a>)</li>')
    lines += ["</ul>", "<h2>Documents</h2><ul>"]
    for kind, name, title in entries:
        if kind == "document":
            lines.append(f'<li><a href="{escape(name)}">{escape(title)}</a></li>')
    lines += ["</ul>", f"<h2>Parameters</h2><pre>{escape(prm)}</pre>", "</body></html>", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------------------
def add_commands(subparsers) -> None:
    """Add ``export-summary`` and ``pool`` to the ``dttstudy`` command line."""
    p = subparsers.add_parser("export-summary", help="write a centre's aggregate, disclosure-controlled summary")
    _export_args(p)
    p.set_defaults(func=_cmd_export)
    p = subparsers.add_parser("pool", help="pool centre summaries into a report")
    _pool_args(p)
    p.set_defaults(func=_cmd_pool)


def _export_args(p) -> None:
    p.add_argument("--data", default=None, help="cohort folder or .xlsx (default: the reference cohort)")
    p.add_argument("--out", required=True, help="summary file to write (e.g. centre.json)")
    p.add_argument("--min-cell", type=int, default=DEFAULT_MIN_CELL,
                   help=f"minimum cell count K (default {DEFAULT_MIN_CELL}; 0 turns suppression off, for testing)")
    p.add_argument("--centre", default=None, help="centre code written into the file (letters, digits, _ . -)")
    from ..parameters import BY_NAME

    p.add_argument("--disease", default="all", help=BY_NAME["disease"].help + " (default all)")
    p.add_argument("--timepoints", default="3,6,9", help=BY_NAME["timepoints"].help + " (default 3,6,9)")
    p.add_argument("--definition", default="paper", help=BY_NAME["definition"].help + " (default paper)")
    p.add_argument("--ci-method", default="clopper-pearson",
                   help=BY_NAME["ci_method"].help + ": clopper-pearson (default) or wilson")
    p.add_argument("--crp-uln", type=float, default=5.0, help=BY_NAME["crp_uln"].help + " (default 5)")
    p.add_argument("--force", action="store_true", help="overwrite an existing summary file")
    p.add_argument("--window", type=float, default=None,
                   help="visit-window half-width in months for every timepoint (default: the paper's windows)")
    p.add_argument("--horizon", type=int, default=DEFAULT_HORIZON, help="life-table grid length in months")
    p.add_argument("--event-times", action="store_true",
                   help="life tables at every distinct time (exact pooled Kaplan–Meier; shares the times)")


def _pool_args(p) -> None:
    p.add_argument("summaries", nargs="+", help="centre summary files")
    p.add_argument("--out", required=True, help="folder for the pooled report")


def _cmd_export(args) -> int:
    import sys
    import warnings

    from ..intake.cohort import load_cohort
    from ..intake.validation import CohortValidationError

    from pathlib import Path

    if Path(args.out).exists() and not args.force:
        print(f"export-summary: {args.out} already exists: nothing was written; choose another name or pass "
              f"--force", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cohort = load_cohort(args.data)
    except CohortValidationError as err:
        print(err.report, file=sys.stderr)
        return 1
    try:
        s = export_summary(cohort, min_cell=args.min_cell, centre=args.centre, disease=args.disease,
                           timepoints=args.timepoints, definition=args.definition, ci_method=args.ci_method,
                           crp_uln=args.crp_uln, window=args.window, horizon=args.horizon,
                           event_times=args.event_times)
    except ValueError as err:
        print(f"export-summary: {err}", file=sys.stderr)
        return 2
    write_summary(s, args.out)
    print(f"{args.out}: {sum(len(v) for v in s['tables'].values())} rows, "
          f"{len(s['disclosure']['withheld'])} cell(s) withheld (minimum cell count {s['disclosure']['min_cell']})")
    return 0


def _cmd_pool(args) -> int:
    import sys

    try:
        res = pool(args.summaries)
    except IncompatibleSummaries as err:
        print(f"pool: {err}", file=sys.stderr)
        return 2
    try:
        write_pooled_report(res, args.out)
    except FileExistsError as err:
        print(f"pool: {err}", file=sys.stderr)
        return 2
    print(res.summary())
    print(f"pooled report written to {args.out}")
    return 0


def cli_export_summary(argv=None) -> int:
    """``dttstudy export-summary`` as a function (argv without the command name)."""
    import argparse

    p = argparse.ArgumentParser(prog="dttstudy export-summary")
    _export_args(p)
    return _cmd_export(p.parse_args(argv))


def cli_pool(argv=None) -> int:
    """``dttstudy pool`` as a function (argv without the command name)."""
    import argparse

    p = argparse.ArgumentParser(prog="dttstudy pool")
    _pool_args(p)
    return _cmd_pool(p.parse_args(argv))
