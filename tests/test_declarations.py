"""One declaration per concept: a laboratory marker declared in dttstudy.concepts reaches the data contract, the
analyses, the tables, the centre summary and the pooled result with no other change; optional markers
(calprotectin, haemoglobin) are analysed where a centre records them and leave a centre without them unaffected.

Expected values come from a closed relation built into the data: the test marker is written as 2 × CRP + 1 at every
visit, so each of its paired changes is exactly twice the CRP change of the same patient and month, and its pairs
are exactly the CRP pairs.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dttstudy.concepts as C
from dttstudy.analysis.labs import lab_changes, lab_summary
from dttstudy.intake import schema as S
from dttstudy.intake.cohort import load_cohort
from dttstudy.intake.synth import synth_cohort, write_cohort
from dttstudy.parameters import BY_NAME, PARAMETERS, ParameterError, params
from dttstudy.synthesis.multicentre.export import export_summary
from dttstudy.synthesis.multicentre.pooling import pool

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"


def _reference_with(tmp_path: Path, extra: dict) -> Path:
    """The reference cohort's files with extra visit columns (name -> function of the visits table)."""
    out = tmp_path / "cohort"
    out.mkdir()
    for name in ("patients", "treatments", "adverse_events"):
        (out / f"{name}.csv").write_bytes((REFERENCE / f"{name}.csv").read_bytes())
    v = pd.read_csv(REFERENCE / "visits.csv", dtype=str, keep_default_na=False)
    crp = pd.to_numeric(v["crp"], errors="coerce")
    for col, f in extra.items():
        v[col] = [("" if pd.isna(x) else f"{x:g}") for x in f(crp)]
    v.to_csv(out / "visits.csv", index=False, lineterminator="\n")
    return out


def test_every_marker_is_a_column_of_the_contract_with_its_unit_and_range():
    visits = S.TABLES["visits"]
    for lab in C.LABS:
        col = visits.column(lab.name)
        assert (col.unit, col.min, col.max, col.required) == (lab.unit, lab.minimum, lab.maximum, not lab.optional)
    assert visits.column("calprotectin").unit == "µg/g" and visits.column("haemoglobin").unit == "g/L"


def test_a_cohort_without_optional_markers_analyses_the_papers_two():
    cohort = load_cohort()
    assert cohort.labs == ("crp", "albumin")
    assert set(lab_changes(cohort)["lab"]) == {"crp", "albumin"}


def test_an_optional_marker_is_analysed_where_recorded(tmp_path):
    folder = _reference_with(tmp_path, {"calprotectin": lambda crp: 2 * crp + 1,
                                        "haemoglobin": lambda crp: crp * np.nan})
    cohort = load_cohort(folder)
    assert cohort.labs == ("crp", "albumin", "calprotectin")  # haemoglobin: a column with no value
    ch = lab_changes(cohort, months=(3, 6, 9))
    crp = ch[ch["lab"] == "crp"].set_index(["patient_id", "month"])
    fc = ch[ch["lab"] == "calprotectin"].set_index(["patient_id", "month"])
    assert list(fc.index) == list(crp.index)
    assert np.allclose(fc["change"], 2 * crp["change"])
    assert set(fc["unit"]) == {"µg/g"}
    summ = lab_summary(ch).query("lab == 'calprotectin' and group == 'All'")
    assert list(summ["n"]) == list(lab_summary(ch).query("lab == 'crp' and group == 'All'")["n"])


def test_optional_markers_reach_the_display_export_and_pool(tmp_path):
    from dttstudy.reporting.display import build_display

    folder = _reference_with(tmp_path, {"calprotectin": lambda crp: 2 * crp + 1})
    cohort = load_cohort(folder)
    ch = lab_changes(cohort, months=(3, 6, 9))
    table = build_display("lab_change_summary", lab_summary(ch))
    assert table.title == "CRP, albumin and faecal calprotectin: change from baseline"
    assert "Faecal calprotectin, µg/g" in {r.group for r in table.rows}
    # two centres: A records calprotectin, B (the reference files as they are) does not
    ids = sorted(cohort.patients["patient_id"])
    with_fc = export_summary(cohort.filter(patients=ids[:9]), centre="A", min_cell=0)
    without = export_summary(load_cohort().filter(patients=ids[9:]), centre="B", min_cell=0)
    assert with_fc["parameters"]["labs"] == ["crp", "albumin", "calprotectin"]
    assert without["parameters"]["labs"] == ["crp", "albumin"]
    res = pool([with_fc, without], min_cell=0, accept_below_min_cell=True)
    labs = res.labs_.set_index(["lab", "month", "group"])
    crp_a = {(r["lab"], r["month"], r["group"]): r["n"] for r in with_fc["tables"]["labs"]}
    # calprotectin pairs are A's CRP pairs (2 × CRP + 1 wherever CRP is recorded), and B adds none
    for month in (3, 6, 9):
        assert labs.loc[("calprotectin", month, "All"), "n"] == crp_a[("crp", month, "All")]
    assert res.parameters["labs"] == ["crp", "albumin", "calprotectin"]


def test_synthetic_cohorts_record_the_optional_markers_unevenly(tmp_path):
    t = synth_cohort(400, seed=5)
    v, p = t["visits"], t["patients"]
    recorded = v.groupby("patient_id")["calprotectin"].apply(lambda s: s.notna().any())
    by_centre = recorded.groupby(p.set_index("patient_id")["center"]).mean()
    assert by_centre["A"] == 1.0 and by_centre["B"] == 1.0 and by_centre[["C", "D"]].max() < 0.7
    assert 0.6 < v.groupby("patient_id")["haemoglobin"].apply(lambda s: s.notna().any()).mean() < 0.95
    assert v["calprotectin"].dropna().between(10, 6000).all() and v["haemoglobin"].dropna().between(60, 180).all()
    assert load_cohort(write_cohort(t, tmp_path / "s")).labs == ("crp", "albumin", "calprotectin", "haemoglobin")
    plain = synth_cohort(400, seed=5, optional_labs=False)["visits"]
    assert plain.equals(v.drop(columns=["calprotectin", "haemoglobin"]))  # the other columns do not move


def test_a_made_up_marker_declared_once_appears_everywhere(tmp_path):
    """Declared in a fresh interpreter before the rest of the package loads: nothing else is edited."""
    folder = _reference_with(tmp_path, {"ferritin": lambda crp: 2 * crp + 1})
    script = textwrap.dedent(f"""
        import json
        import dttstudy.concepts as C
        C.LABS = C.LABS + (C.Lab("ferritin", "Ferritin", "Serum ferritin", "µg/L", 0, 5000, limit=300.0,
                                 limit_kind="upper", optional=True),)
        C.LAB_BY_NAME = {{x.name: x for x in C.LABS}}
        C.ANALYSED_LABS = tuple(x.name for x in C.LABS if x.analysed)
        from dttstudy.intake.cohort import load_cohort
        from dttstudy.analysis.labs import lab_changes, lab_summary
        from dttstudy.reporting.display import build_display
        from dttstudy.reporting.labels import label
        from dttstudy.synthesis.multicentre.export import export_summary
        from dttstudy.synthesis.multicentre.pooling import pool
        cohort = load_cohort({str(folder)!r})
        ch = lab_changes(cohort, months=(6,))
        table = build_display("lab_change_summary", lab_summary(ch))
        ids = sorted(cohort.patients["patient_id"])
        s = export_summary(cohort.filter(patients=ids[:9]), centre="A", min_cell=0)
        s2 = export_summary(cohort.filter(patients=ids[9:]), centre="B", min_cell=0)
        res = pool([s, s2], min_cell=0, accept_below_min_cell=True)
        fer = ch[ch["lab"] == "ferritin"]["change"].tolist()
        crp = ch[ch["lab"] == "crp"]["change"].tolist()
        print(json.dumps({{"labs": cohort.labs, "title": table.title, "label": label("ferritin"),
                          "export": sorted({{r["lab"] for r in s["tables"]["labs"]}}),
                          "pooled": sorted(set(res.labs_["lab"])), "twice": fer == [2 * x for x in crp]}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["labs"] == ["crp", "albumin", "ferritin"]
    assert got["title"] == "CRP, albumin and ferritin: change from baseline"
    assert got["label"] == "Ferritin, µg/L"
    assert got["export"] == got["pooled"] == ["albumin", "crp", "ferritin"]
    assert got["twice"]


def test_every_parameter_has_a_range_with_an_upper_bound_checked_before_use():
    for p in PARAMETERS:
        if p.kind in ("number", "whole", "month", "months", "window"):
            assert p.maximum is not None, p.name
            with pytest.raises(ParameterError):
                p.parse(p.maximum * 2 + 1)
    with pytest.raises(ValueError, match="horizon must be at most 600"):
        export_summary(load_cohort(), horizon=10 ** 9)
    assert BY_NAME["horizon"].parse("24") == 24


def test_params_type_is_the_declaration():
    p = params()
    common = [x.name for x in PARAMETERS if "reproduce" in x.commands and not x.notebooks]
    assert list(p.as_dict())[:len(common)] == common
    assert all(getattr(p, x.name) == x.default for x in PARAMETERS if x.name in common)


def test_pool_proportions_defaults_to_the_reports_model():
    from dttstudy.synthesis.meta import pool_proportions

    assert pool_proportions([3, 5, 8], [10, 12, 15]).method == "GLMM"
