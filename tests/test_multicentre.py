"""Multicentre pooling: correct by construction against the patient-level analysis of the concatenated cohort,
and disclosure control checked by an independent exact solver over the file's own margins."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.synthesis.disclosure import SUPPRESSED
from dttstudy.analysis.labs import lab_changes, lab_summary
from dttstudy.cli import cli_export_summary, cli_pool
from dttstudy.reporting.outputs import MANIFEST
from dttstudy.reporting.pooled_report import write_pooled_report
from dttstudy.synthesis.multicentre.export import OTHER_TERM, export_summary, summary_json, write_summary
from dttstudy.synthesis.multicentre.pooling import IncompatibleSummaries, life_table_km, pool
from dttstudy.analysis.outcomes import response_rates
from dttstudy.analysis.safety import KaplanMeier, ae_incidence, exposure_adjusted_incidence, time_on_dtt, time_to_first_ae
from dttstudy.intake.synth import synth_cohort, write_cohort


def _by_centre(cohort):
    return {c: cohort.filter(patients=list(g["patient_id"]))
            for c, g in cohort.patients.groupby("center", sort=True)}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = write_cohort(synth_cohort(400, seed=3), tmp_path_factory.mktemp("synth") / "cohort")
    return load_cohort(folder)


@pytest.fixture(scope="module")
def pooled_k0(synthetic):
    return pool([export_summary(c, min_cell=0, centre=name) for name, c in _by_centre(synthetic).items()],
                accept_below_min_cell=True)


@pytest.fixture(scope="module")
def reference():
    return load_cohort()


# ---- correct by construction ---------------------------------------------------------------------------------
def test_pooled_response_counts_equal_concatenated_cohort(synthetic, pooled_k0):
    assert synthetic.patients["center"].nunique() == 4
    full = pd.concat([
        response_rates(synthetic, (3, 6, 9), by=["disease", "regimen"]),
        response_rates(synthetic, (3, 6, 9), endpoint="clinical_remission", by=["disease", "regimen"]),
        response_rates(synthetic, [None], endpoint="endoscopic_response", by=["disease", "regimen"], horizon=9),
    ], ignore_index=True)
    keys = ["endpoint", "analysis_set", "month", "by", "group"]
    got = pooled_k0.rates_.set_index(keys)
    assert len(got) == len(full)
    for r in full.itertuples():
        g = got.loc[(r.endpoint, r.analysis_set, r.month, r.by, r.group)]
        assert (g["n"], g["N"]) == (r.n, r.N), (r.endpoint, r.analysis_set, r.month, r.by, r.group)
        if r.N:
            assert (g["pct"], g["ci_low"], g["ci_high"]) == (r.pct, r.ci_low, r.ci_high)
    assert (got["withheld_centres"] == "").all() and (got["centres"] == 4).all()


def test_pooled_safety_equals_concatenated_cohort(synthetic, pooled_k0):
    inc = pooled_k0.ae_incidence_.set_index(["by", "group"])
    for by in (None, "disease", "regimen", "suspected_agent"):
        for r in ae_incidence(synthetic, by).itertuples():
            g = inc.loc[(r.by, r.group)]
            assert (g["n"], g["N"], g["events"]) == (r.n, r.N, r.events), (r.by, r.group)
    ex = pooled_k0.exposure_.set_index(["by", "group"])
    for by in ("disease", "regimen"):
        for r in exposure_adjusted_incidence(synthetic, by).itertuples():
            g = ex.loc[(r.by, r.group)]
            assert (g["patients"], g["patients_with_event"], g["events"]) == (r.patients, r.patients_with_event,
                                                                              r.events)
            assert g["patient_years_at_risk"] == pytest.approx(r.patient_years_at_risk, rel=1e-12)
            assert g["patient_years_exposure"] == pytest.approx(r.patient_years_exposure, rel=1e-12)
            assert g["eair_ci_high"] == pytest.approx(r.eair_ci_high, rel=1e-9)
    # AE terms: every synthetic term is in the default vocabulary, so the pooled counts are the cohort's
    ae = synthetic.adverse_events.merge(time_to_first_ae(synthetic)[["patient_id", "dtt_months"]])
    ae = ae[ae["onset_month"] <= ae["dtt_months"]]
    terms = pooled_k0.ae_terms_.set_index("term")
    assert (terms["N"] == len(synthetic.patients)).all()
    for term, g in ae.groupby("term"):
        assert (terms.loc[term, "patients_with_event"], terms.loc[term, "events"]) == (g["patient_id"].nunique(),
                                                                                        len(g))


def test_pooled_labs_and_table1_equal_concatenated_cohort(synthetic, pooled_k0):
    summ = lab_summary(lab_changes(synthetic), by="disease").set_index(["lab", "month", "group"])
    labs = pooled_k0.labs_.set_index(["lab", "month", "group"])
    for key, r in summ.iterrows():
        g = labs.loc[key]
        assert g["n"] == r["n"]
        for col in ("baseline_mean", "value_mean", "change_mean", "change_sd"):
            assert g[col] == pytest.approx(r[col], rel=1e-9, abs=1e-9)
    t1 = pooled_k0.table1_.set_index(["variable", "level"])
    p = synthetic.patients
    assert t1.loc[("Patients", ""), "Total"] == len(p)
    for sex, n in p.groupby(["sex", "disease"]).size().items():
        assert t1.loc[("Sex", sex[0]), sex[1]] == n
    subj = synthetic.subjects()
    for reg, n in subj["regimen"].value_counts().items():
        assert t1.loc[("Regimen", reg), "Total"] == n
    cont = pooled_k0.table1_continuous_.set_index(["variable", "group"])
    x = p["age_at_diagnosis"]
    assert cont.loc[("Age at diagnosis, years", "Total"), "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert cont.loc[("Age at diagnosis, years", "Total"), "sd"] == pytest.approx(x.std(ddof=1), rel=1e-9)


@pytest.mark.parametrize("parameter,tte_func", [("time to first TEAE", time_to_first_ae),
                                                ("time on DTT", time_on_dtt)])
def test_pooled_km_with_every_distinct_time_equals_patient_level(synthetic, parameter, tte_func):
    parts = [export_summary(c, min_cell=0, centre=n, event_times=True) for n, c in _by_centre(synthetic).items()]
    got = pool(parts, accept_below_min_cell=True).km_[parameter].set_index("time")
    km = KaplanMeier().fit(tte_func(synthetic)).estimates_.set_index("time")
    km = km[km.index > 0]  # lifelines adds time 0 (S = 1) unless something happens there
    got = got[got.index > 0]
    assert list(got.index) == list(km.index)
    assert np.abs(got["survival"] - km["survival"]).max() < 1e-12
    assert (got["at_risk"] == km["at_risk"]).all() and (got["events"] == km["events"]).all()
    inner = (km["survival"] > 0) & (km["survival"] < 1)
    assert np.abs(got.loc[inner, "ci_lower"] - km.loc[inner, "ci_lower"]).max() < 1e-9
    assert np.abs(got.loc[inner, "ci_upper"] - km.loc[inner, "ci_upper"]).max() < 1e-9


def test_pooled_km_on_month_grid_close_to_patient_level(synthetic, pooled_k0):
    """On the monthly grid the pooled curve is an actuarial life table (censored inside a month = at risk for
    half of it). Largest difference from the patient-level Kaplan–Meier at the month ends for this cohort
    (400 patients, seed 3): 0.0014 for time to first TEAE, 0.0070 for time on DTT (counting censorings after
    the month's events instead would give 0.0118 and 0.0070); the test allows 0.01."""
    for parameter, f in (("time to first TEAE", time_to_first_ae), ("time on DTT", time_on_dtt)):
        grid = pooled_k0.km_[parameter]
        km = KaplanMeier().fit(f(synthetic))
        exact = km.at(grid["end"].dropna() - 1e-9)["survival"].to_numpy()  # S just before the month end
        diff = np.abs(grid["survival"].to_numpy()[:len(exact)] - exact).max()
        assert diff < 0.01, (parameter, diff)


def test_life_table_km_hand_worked():
    # 7 patients: events at 1, 2, 2, 4; censored at 2, 3, 5 (S(1) = 6/7, S(2) = 4/7, S(4) = 2/7)
    tab = pd.DataFrame({"time": [1, 2, 3, 4, 5], "events": [1, 2, 0, 1, 0], "censored": [0, 1, 1, 0, 1]})
    km = life_table_km(tab, 7).set_index("time")
    assert km["survival"].tolist() == pytest.approx([6 / 7, 4 / 7, 4 / 7, 2 / 7, 2 / 7], abs=1e-15)
    assert km["at_risk"].tolist() == [7, 6, 3, 2, 1]


# ---- disclosure control --------------------------------------------------------------------------------------
_KEYS = {"baseline_counts": ("variable", "level"), "baseline_continuous": ("variable", "group"),
         "response": ("endpoint", "analysis_set", "month", "by", "group"), "ae_incidence": ("by", "group"),
         "ae_terms": ("term",), "life_tables": ("parameter", "start", "time"), "labs": ("lab", "month", "group")}
_COUNTS = {"baseline_counts": ("UC", "CD", "Total"), "baseline_continuous": ("n",), "response": ("n", "N"),
           "ae_incidence": ("patients_with_event", "events"), "ae_terms": ("patients_with_event", "events"),
           "life_tables": ("at_risk", "events", "censored"), "labs": ("n",)}


def _key(table, r):
    return tuple(r.get(k) for k in _KEYS[table])


class _Equations:
    """The margins a reader can read off a centre file, written from the file's documented meaning (not from
    the package's cell set). Variables are (table, key, column); implied ones use the column name they
    describe (e.g. ('response', key, 'non_responders'))."""

    def __init__(self, s: dict):
        self.eqs: list[dict] = []
        T = {name: {_key(name, r): r for r in rows} for name, rows in s["tables"].items()}
        self.tables = T
        bc = T["baseline_counts"]
        P = {c: ("baseline_counts", ("Patients", ""), c) for c in ("UC", "CD", "Total")}
        self.add({P["Total"]: 1, P["UC"]: -1, P["CD"]: -1})
        by_var: dict[str, list] = {}
        for (var, lev) in bc:
            if var != "Patients":
                by_var.setdefault(var, []).append(lev)
                v = {c: ("baseline_counts", (var, lev), c) for c in ("UC", "CD", "Total")}
                self.add({v["Total"]: 1, v["UC"]: -1, v["CD"]: -1})
        for var, levs in by_var.items():
            only = "UC" if var.endswith("(UC)") else "CD" if var.endswith("(CD)") else None
            for c in [only, "Total"] if only else ["UC", "CD", "Total"]:
                # a variable of one disease counts that disease's patients, in its column and in the total
                self.add({P[only or c]: 1, **{("baseline_counts", (var, lev), c): -1 for lev in levs}})
        for (var, grp), r in T["baseline_continuous"].items():
            self.add({P[grp]: 1, ("baseline_continuous", (var, grp), "n"): -1,
                      ("baseline_continuous", (var, grp), "missing"): -1})
            if grp == "Total":
                for col in ("n", "sum", "sum_squares"):
                    self.add({("baseline_continuous", (var, g), col): s_ for g, s_ in
                              (("Total", 1), ("UC", -1), ("CD", -1))})
        groups: dict[tuple, dict] = {}
        for key in T["response"]:
            ep, aset, month, by, grp = key
            self.add({("response", key, "N"): 1, ("response", key, "n"): -1, ("response", key, "non"): -1})
            groups.setdefault((ep, aset, month), {}).setdefault(by, []).append(key)
        for g in groups.values():
            for col in ("n", "N"):
                for by in ("disease", "regimen"):
                    if by in g:
                        self.add({("response", g["All"][0], col): 1, **{("response", k, col): -1 for k in g[by]}})
        ai = T["ae_incidence"]
        den = {("All", "All"): P["Total"], ("disease", "UC"): P["UC"], ("disease", "CD"): P["CD"]}
        regs = [lev for (var, lev) in bc if var == "Regimen" and lev != "missing"]
        for reg in regs:
            den[("regimen", reg)] = ("baseline_counts", ("Regimen", reg), "Total")
        self.den = den
        for key in ai:
            by, grp = key
            if by == "suspected_agent":
                n_exp = ("ae_incidence", key, "patients")
                if grp == "unknown":
                    self.add({n_exp: 1, P["Total"]: -1})
                else:
                    self.add({n_exp: 1, **{den[("regimen", r)]: -1 for r in regs if grp in r.split("+")}})
                self.add({n_exp: 1, ("ae_incidence", key, "patients_with_event"): -1,
                          ("ae_incidence", key, "free"): -1})
            else:
                self.add({den[key]: 1, ("ae_incidence", key, "patients_with_event"): -1,
                          ("ae_incidence", key, "free"): -1})
        for col in ("patients_with_event", "events", "patient_years_at_risk", "patient_years_exposure"):
            for by in ("disease", "regimen"):
                parts = [k for k in ai if k[0] == by]
                if parts:
                    self.add({("ae_incidence", ("All", "All"), col): 1,
                              **{("ae_incidence", k, col): -1 for k in parts}})
        for key in T.get("ae_terms", {}):
            self.add({P["Total"]: 1, ("ae_terms", key, "patients_with_event"): -1, ("ae_terms", key, "free"): -1})
        if T.get("ae_terms"):
            self.add({("ae_incidence", ("All", "All"), "events"): 1,
                      **{("ae_terms", k, "events"): -1 for k in T["ae_terms"]}})
        for par in ("time to first TEAE", "time on DTT"):
            rows = [k for k in T["life_tables"] if k[0] == par]
            self.add({P["Total"]: 1, **{("life_tables", k, c): -1 for k in rows for c in ("events", "censored")}})
            for i, k in enumerate(rows):  # at risk: everyone at the first row, then minus events and censored
                if i == 0:
                    self.add({P["Total"]: 1, ("life_tables", k, "at_risk"): -1})
                else:
                    j = rows[i - 1]
                    self.add({("life_tables", j, "at_risk"): 1, ("life_tables", k, "at_risk"): -1,
                              ("life_tables", j, "events"): -1, ("life_tables", j, "censored"): -1})
            if par == "time to first TEAE":  # patients with a first TEAE = the table's events
                self.add({("ae_incidence", ("All", "All"), "patients_with_event"): 1,
                          **{("life_tables", k, "events"): -1 for k in rows}})
        for (lab, month, grp) in T["labs"]:
            if grp == "All" and (lab, month, "UC") in T["labs"] and (lab, month, "CD") in T["labs"]:
                for col in T["labs"][(lab, month, grp)]:
                    if col == "n" or col.startswith("sum"):
                        self.add({("labs", (lab, month, g), col): s_ for g, s_ in
                                  (("All", 1), ("UC", -1), ("CD", -1))})

    def add(self, eq):
        self.eqs.append(eq)

    def published(self, var):
        table, key, col = var
        row = self.tables.get(table, {}).get(key)
        return row is not None and col in row and row[col] != SUPPRESSED

    def determined(self, unknown: list) -> set:
        """Unknowns the equations fix, by exact Gauss–Jordan elimination modulo the prime 2^31 − 1 (the
        coefficients are ±1, so ranks agree with the rationals except for astronomically unlikely primes)."""
        p = 2_147_483_647
        pos = {v: j for j, v in enumerate(unknown)}
        rows = [eq for eq in self.eqs if any(v in pos for v in eq)]
        a = np.zeros((len(rows), len(unknown)), dtype=np.int64)
        for i, eq in enumerate(rows):
            for v, c in eq.items():
                if v in pos:
                    a[i, pos[v]] = c % p
        piv_rows, r = {}, 0
        for j in range(a.shape[1]):
            nz = np.flatnonzero(a[r:, j]) if r < a.shape[0] else []
            if not len(nz):
                continue
            k = r + nz[0]
            a[[r, k]] = a[[k, r]]
            a[r] = (a[r] * pow(int(a[r, j]), p - 2, p)) % p
            f = a[:, j].copy()
            f[r] = 0
            a = (a - (f[:, None] * a[r][None, :]) % p) % p
            piv_rows[j] = r
            r += 1
        return {unknown[j] for j, i in piv_rows.items() if np.count_nonzero(a[i]) == 1}


def _check_file(s: dict, true: dict, k: int):
    eqs = _Equations(s)
    truth = _Equations(true)
    values = {}
    for table, rows in truth.tables.items():
        for key, r in rows.items():
            for col, v in r.items():
                values[(table, key, col)] = v
    variables = {v for eq in eqs.eqs for v in eq}
    unknown = sorted((v for v in variables if not eqs.published(v)), key=str)
    # implied values (non-responders, patients without an event, …) from the true file's equations
    todo = [v for v in unknown if v not in values]
    while todo:
        for v in list(todo):
            eq = next((e for e in truth.eqs if v in e and all(x == v or x in values for x in e)), None)
            if eq is not None:
                values[v] = -sum(c * values[x] for x, c in eq.items() if x != v) / eq[v]
                todo.remove(v)

    def small(v):
        table, key, col = v
        if col in _COUNTS.get(table, ()) or col in ("non", "free", "missing", "patients"):
            return 0 < values[v] < k
        guard = {"baseline_continuous": "n", "labs": "n"}.get(table)
        if guard:
            return 0 < values[(table, key, guard)] < k
        if table == "ae_incidence":  # patient-years: guarded by the group's patients
            return 0 < values[eqs.den[key]] < k
        return False

    sensitive = [v for v in unknown if small(v)]
    leaked = eqs.determined(unknown) & set(sensitive)
    return leaked, sensitive, eqs


@pytest.mark.parametrize("k", [3, 5])
def test_no_withheld_cell_recoverable_reference_centres(reference, k):
    for name, c in _by_centre(reference).items():
        s = export_summary(c, min_cell=k, centre=name)
        true = export_summary(c, min_cell=0, centre=name)
        leaked, sensitive, eqs = _check_file(s, true, k)
        assert sensitive, "the reference centres are small: there must be something to protect"
        assert not leaked, (name, sorted(leaked, key=str)[:5])


def test_no_withheld_cell_recoverable_synthetic_centre(synthetic):
    c = next(iter(_by_centre(synthetic).values()))
    s = export_summary(c, min_cell=5, centre="A")
    true = export_summary(c, min_cell=0, centre="A")
    leaked, sensitive, _ = _check_file(s, true, 5)
    assert sensitive and not leaked


def test_every_small_count_is_withheld_and_listed(reference):
    c = _by_centre(reference)["C2"]
    s = export_summary(c, min_cell=5, centre="C2")
    true = export_summary(c, min_cell=0, centre="C2")
    listed = set(s["disclosure"]["withheld"])
    marked = 0
    for table, rows in s["tables"].items():
        for r, t in zip(rows, true["tables"][table]):
            for col, v in r.items():
                if v == SUPPRESSED:
                    marked += 1
                elif col in _COUNTS.get(table, ()):
                    assert v == t[col] and not (0 < v < 5), (table, r, col)
    assert marked == len(listed) > 0


def test_export_carries_no_identifiers_or_free_text(reference):
    ae = reference.adverse_events.copy()
    ae.loc[0, "term"] = "rash seen by Dr Miller on ward 5"
    ae.loc[1, "term"] = "  Alopecia "  # vocabulary match ignores case and spacing
    c = replace(reference, adverse_events=ae)
    s = export_summary(c, min_cell=0, centre="C1")
    text = summary_json(s)
    assert "Miller" not in text
    for pid in reference.patients["patient_id"]:
        assert f'"{pid}"' not in text
    terms = {r["term"] for r in s["tables"]["ae_terms"]}
    assert OTHER_TERM in terms and "alopecia" in terms
    assert terms <= set(s["parameters"]["ae_vocabulary"]) | {OTHER_TERM}
    assert s["input_sha256"] != export_summary(reference, min_cell=0, centre="C1")["input_sha256"]
    assert {"package_version", "parameters", "disclosure", "input_sha256"} <= set(s)


def test_export_is_deterministic(reference):
    a = summary_json(export_summary(reference, min_cell=5, centre="X"))
    b = summary_json(export_summary(load_cohort(), min_cell=5, centre="X"))
    assert a == b


# ---- pooling rules and the report ----------------------------------------------------------------------------
def test_pool_refuses_other_version_or_parameters(reference):
    a = export_summary(reference, min_cell=0, centre="A")
    b = export_summary(reference, min_cell=0, centre="B", crp_uln=10)
    with pytest.raises(IncompatibleSummaries, match="crp_uln"):
        pool([a, b], accept_below_min_cell=True)
    c = dict(export_summary(reference, min_cell=0, centre="C"), package_version="0.0.9")
    with pytest.raises(IncompatibleSummaries, match="package_version"):
        pool([a, c], accept_below_min_cell=True)
    with pytest.raises(IncompatibleSummaries, match="given twice"):
        pool([a, a], accept_below_min_cell=True)


def test_cli_round_trip_and_report_folder_rules(tmp_path, reference, capsys):
    folder = Path(__file__).resolve().parent.parent / "data" / "reference"
    files = []
    for name, c in _by_centre(reference).items():
        f = write_summary(export_summary(c, min_cell=0, centre=name), tmp_path / f"{name}.json")
        files.append(str(f))
    assert cli_export_summary(["--data", str(folder), "--out", str(tmp_path / "all.json"), "--min-cell", "5"]) == 0
    out = tmp_path / "pooled"
    assert cli_pool(files + ["--accept-below-min-cell", "--out", str(out)]) == 0
    csv = pd.read_csv(out / "tables" / "clinical_response_rates.csv")
    single = response_rates(reference, (3, 6, 9), by=["disease", "regimen"])
    assert list(csv.columns[:len(single.columns)]) == list(single.columns)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["written_by"] == "dttstudy" and "index.html" in manifest["files"]
    assert any(f.startswith("figures/forest_clinical_response") for f in manifest["files"])
    # the pooled report is a document of the same form as a single cohort's: numbered tables and figures
    doc = (out / "report.html").read_text(encoding="utf-8")
    assert "no patient records left the centres" in doc and "Centres: C1, C2, C3" in doc
    assert "Table 1. Pooled clinical response" in doc and "<b>Figure 1.</b>" in doc
    assert "<script" not in doc.lower()
    def files_of(folder):
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first = files_of(out)
    assert cli_pool(files + ["--accept-below-min-cell", "--out", str(out)]) == 0  # a folder the package wrote is replaced, byte-identical
    assert files_of(out) == first
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    capsys.readouterr()
    assert cli_pool(files + ["--accept-below-min-cell", "--out", str(other)]) == 2
    assert "not written by dttstudy" in capsys.readouterr().err
    assert (other / "notes.txt").read_text() == "keep"
    (out / "my_notes.txt").write_text("added by hand")  # a report folder holding a file the package did not write
    before = files_of(out)
    assert cli_pool(files + ["--accept-below-min-cell", "--out", str(out)]) == 2
    assert "my_notes.txt" in capsys.readouterr().err and files_of(out) == before
    (out / "my_notes.txt").unlink()
    bad = json.loads((tmp_path / "C1.json").read_text())
    bad["parameters"]["definition"] = "simple"
    (tmp_path / "C1.json").write_text(json.dumps(bad))
    assert cli_pool(files + ["--accept-below-min-cell", "--out", str(tmp_path / "p2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "nothing was pooled or written" in err[0] and not (tmp_path / "p2").exists()
    assert all("C1.json" in line for line in err[1:])  # every problem names the edited file
    assert any("definition" in line for line in err) and any("content_sha256" in line for line in err)


def test_index_html_escapes_declared_terms(tmp_path, reference):
    vocab = ["<script>alert(1)</script>", "alopecia"]
    parts = [export_summary(c, min_cell=0, centre=n, ae_vocabulary=vocab) for n, c in _by_centre(reference).items()]
    write_pooled_report(pool(parts, accept_below_min_cell=True), tmp_path / "p")
    html = (tmp_path / "p" / "index.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_suppressed_cells_named_in_pooled_output(reference):
    parts = [export_summary(c, min_cell=5, centre=n) for n, c in _by_centre(reference).items()]
    res = pool(parts)
    assert len(res.withheld_) == sum(len(p["disclosure"]["withheld"]) for p in parts) > 0
    r = res.rates_
    assert (r["withheld_centres"] != "").any()
    k = res.heterogeneity_["k"]
    assert len(k) > 0 and k.notna().all() and (k >= 1).all() and (k <= len(parts)).all()


def test_add_commands_wires_both_subcommands(tmp_path):
    import argparse

    from dttstudy.cli import add_commands

    parser = argparse.ArgumentParser(prog="dttstudy")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export-summary", "--out", str(tmp_path / "c.json"), "--min-cell", "0",
                              "--centre", "ALL"])
    assert args.func(args) == 0
    s = json.loads((tmp_path / "c.json").read_text())
    assert s["centre"] == "ALL" and s["disclosure"]["withheld"] == []
    args = parser.parse_args(["pool", str(tmp_path / "c.json"), "--out", str(tmp_path / "p")])
    assert args.func(args) == 2 and not (tmp_path / "p").exists()  # K = 0: no disclosure control
    args = parser.parse_args(["pool", str(tmp_path / "c.json"), "--out", str(tmp_path / "p"),
                              "--accept-below-min-cell"])
    assert args.func(args) == 0 and (tmp_path / "p" / "index.html").is_file()
    assert "centre ALL (no disclosure control)" in (tmp_path / "p" / "index.html").read_text()
    args = parser.parse_args(["export-summary", "--out", str(tmp_path / "d.json"), "--centre", "<b>"])
    assert args.func(args) == 2 and not (tmp_path / "d.json").exists()


def test_pooling_when_centres_withheld_everything(reference, tmp_path):
    """Three tiny CD-only centres with K = 5 publish almost nothing: pooling still works and says so."""
    parts = [export_summary(c, min_cell=5, centre=n, disease="CD") for n, c in _by_centre(reference).items()]
    res = pool(parts)
    assert (res.rates_["centres"] < 3).all()
    assert "withheld" in res.summary_text()
    write_pooled_report(res, tmp_path / "p")
    assert (tmp_path / "p" / "tables" / "withheld_cells.csv").is_file()


def test_a_pooled_response_cell_is_over_all_centres_or_withheld(reference):
    """K = 5 on the reference cohort's three centres. The patient-level analysis of each centre (an independent
    route: no summary, no suppression) gives the true figures. A cell any centre withheld is withheld in the pool
    (by default) or, with partial="show", is exactly the sum over the centres that published it, named as such;
    a complete cell equals the patient-level analysis of all patients."""
    from dttstudy.reporting.display import build_display

    keys = ["analysis_set", "month", "by", "group"]
    centres = _by_centre(reference)
    truth = {n: response_rates(c, (3, 6, 9), by=["disease", "regimen"]).set_index(keys)
             for n, c in centres.items()}
    everyone = response_rates(reference, (3, 6, 9), by=["disease", "regimen"]).set_index(keys)
    assert tuple(everyone.loc[("observed", 6.0, "All", "All"), ["n", "N"]]) == (11, 12)  # the paper's 11/12
    parts = [export_summary(c, min_cell=5, centre=n) for n, c in centres.items()]
    for partial in ("withhold", "show"):
        r = pool(parts, partial=partial).rates_
        r = r[r["endpoint"] == "clinical_response"].set_index(keys)
        assert len(r) == len(everyone)
        for key, row in r.iterrows():
            withheld = [c for c in row["withheld_centres"].split(", ") if c]
            contributing = [c for c in row["contributing_centres"].split(", ") if c]
            assert row["complete"] == (not withheld)
            assert not set(withheld) & set(contributing)
            if not withheld:
                assert (row["n"], row["N"]) == tuple(everyone.loc[key, ["n", "N"]])
            elif partial == "withhold":
                assert pd.isna(row["n"]) and pd.isna(row["N"]) and pd.isna(row["pct"]) and pd.isna(row["ci_low"])
            elif not contributing:  # a sum over no centre at all is no figure either
                assert pd.isna(row["n"]) and pd.isna(row["N"])
            else:
                assert row["n"] == sum(truth[c].loc[key, "n"] for c in contributing)
                assert row["N"] == sum(truth[c].loc[key, "N"] for c in contributing)
        cell = r.loc[("observed", 6.0, "All", "All")]
        assert cell["withheld_centres"] == "C2, C3" and cell["contributing_centres"] == "C1"
        t = build_display("multicentre_clinical_response", r.reset_index().assign(endpoint="clinical_response"),
                          "Pooled clinical response")
        row = next(x for x in t.rows if x.cells[0] == "All patients" and x.group == "Observed cases")
        notes = " ".join(text for _, text in t.footnotes)
        assert "Each figure sums every centre with patients in the cell (C1, C2, C3)." in notes
        if partial == "withhold":
            assert row.cells[2] == "withheld by C2, C3" and not row.marks
            assert "6/6" not in " ".join(c for x in t.rows for c in x.cells)
        else:
            assert row.cells[2].startswith("6/6 (100.0%") and row.marks.get(2)
            assert (row.marks[2], "Only C1: C2, C3 withheld the cell, so this is not a figure over all centres.") \
                in t.footnotes
        assert "no evaluable patient" in notes  # "–" keeps its meaning: nobody evaluable at any centre
        assert all(x.cells[j] != "–" for x in t.rows for j in range(1, 4)
                   if x.group == "Observed cases" and x.cells[0] == "All patients")


def test_pooled_report_shows_a_withheld_cell_as_withheld(reference, tmp_path):
    """dttstudy pool's own report: a cell some centre withheld reads "withheld by …", never "–" (which means
    nobody evaluable) and never a one-centre figure."""
    parts = [export_summary(c, min_cell=5, centre=n) for n, c in _by_centre(reference).items()]
    write_pooled_report(pool(parts), tmp_path / "p")
    md = (tmp_path / "p" / "tables" / "clinical_response_rates.md").read_text(encoding="utf-8")
    all_obs = next(line for line in md.splitlines() if line.startswith("| All patients |"))
    assert all_obs.split(" | ")[2] == "withheld by C2, C3" and "6/6" not in md
    assert "so no figure over all centres can be given" in md


def test_heterogeneity_without_a_fitted_model_says_so():
    """Centres at 0% and at 100% only: the GLMM's between-centre variance diverges, so the pooled row is the summed
    count 4/8 and its note says that no model was fitted; every centre at 100% likewise; centres in between get a
    fitted model and no note."""
    from dttstudy.synthesis.multicentre.pooling import PooledAnalysis

    pa = PooledAnalysis()
    h = pa._heterogeneity(pd.DataFrame({"centre": ["C1", "C2"], "n": [0, 4], "N": [4, 4]}))
    assert (h["method"], h["tau2"], h["re_pct"]) == ("GLMM", 0.0, 50.0)
    assert h["note"] == ("no GLMM fitted: every centre had 0 events or all events (0% and 100% only); the pooled "
                         "figure is the summed count with its exact (Clopper–Pearson) 95% CI, and τ² is not "
                         "estimable (shown as 0)")
    full = pa._heterogeneity(pd.DataFrame({"centre": ["C1", "C2"], "n": [3, 4], "N": [3, 4]}))
    assert full["note"].startswith("no GLMM fitted: every centre had all events;") and full["re_pct"] == 100
    none = pa._heterogeneity(pd.DataFrame({"centre": ["C1", "C2"], "n": [0, 0], "N": [3, 4]}))
    assert none["note"].startswith("no GLMM fitted: every centre had 0 events;") and none["re_pct"] == 0
    fitted = pa._heterogeneity(pd.DataFrame({"centre": ["C1", "C2", "C3"], "n": [1, 3, 2], "N": [4, 4, 4]}))
    assert fitted["note"] == "" and fitted["method"] == "GLMM"


def test_heterogeneity_display_marks_the_rows_without_a_fitted_model():
    from dttstudy.reporting.display import build_display

    tidy = pd.DataFrame([
        {"endpoint": "clinical_response", "definition": "paper", "analysis_set": "observed", "month": 3, "k": 2,
         "n": 3, "N": 7, "method": "GLMM", "tau2": 0.2, "i2": 10.0, "q": 1.0, "q_pvalue": 0.3, "re_pct": 40.0,
         "re_ci_low": 10.0, "re_ci_high": 80.0, "note": "", "withheld_centres": ""},
        {"endpoint": "clinical_response", "definition": "paper", "analysis_set": "observed", "month": 6, "k": 2,
         "n": 7, "N": 7, "method": "GLMM", "tau2": 0.0, "i2": 0.0, "q": 0.0, "q_pvalue": 1.0, "re_pct": 100.0,
         "re_ci_low": 59.0, "re_ci_high": 100.0, "note": "no GLMM fitted: every centre had all events; the pooled "
         "figure is the summed count with its exact (Clopper–Pearson) 95% CI, and τ² is not estimable (shown as 0)",
         "withheld_centres": ""}])
    d = build_display("multicentre_demo_heterogeneity", tidy, None, None)
    assert [r.marks for r in d.rows] == [{}, {4: "a"}]
    assert ("a", "No GLMM fitted: every centre had all events; the pooled figure is the summed count with its exact "
            "(Clopper–Pearson) 95% CI, and τ² is not estimable (shown as 0).") in d.footnotes
