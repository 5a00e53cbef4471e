"""Loading: folder or workbook, provenance, sub-cohorts."""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from dttstudy import load_cohort, validate

from conftest import REFERENCE


def _workbook(path, rename=None):
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name in ("patients", "treatments", "visits", "adverse_events"):
            sheet = (rename or {}).get(name, name)
            pd.read_csv(REFERENCE / f"{name}.csv", dtype=str, keep_default_na=False).to_excel(
                xw, sheet_name=sheet, index=False)
    return path


def test_no_path_loads_the_reference_cohort():
    c = load_cohort()
    assert len(c.patients) == 18 and c.reconstructed
    assert set(c.tables()) == {"patients", "treatments", "visits", "adverse_events"}


def test_provenance_hashes_every_file():
    c = load_cohort(REFERENCE)
    for name in ("patients", "treatments", "visits", "adverse_events"):
        f = REFERENCE / f"{name}.csv"
        assert c.provenance["sha256"][f.name] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert c.provenance["format"] == "csv"


def test_workbook_loads_the_same_data_as_the_folder(tmp_path):
    wb = _workbook(tmp_path / "cohort.xlsx")
    a, b = load_cohort(REFERENCE), load_cohort(wb)
    assert b.provenance["format"] == "xlsx"
    assert not b.reconstructed
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], check_dtype=False)


def test_workbook_failures_name_the_sheet(tmp_path):
    wb = _workbook(tmp_path / "cohort.xlsx", rename={"visits": "Visits 2023"})
    report = validate(wb)
    assert any(f.file == "cohort.xlsx [sheet visits]" and "sheet 'visits' missing" in f.rule
               and "Visits 2023" in f.rule for f in report.failures)


def test_types_after_loading():
    c = load_cohort()
    assert c.patients["failed_biologics"].dtype == "int64"
    assert c.treatments["steroid_at_start"].dtype == bool
    assert c.visits["month"].dtype == "float64"


@pytest.mark.parametrize("disease,n", [("UC", 8), ("CD", 10), ("all", 18), (None, 18)])
def test_filter_by_disease(disease, n):
    sub = load_cohort().filter(disease=disease)
    assert len(sub.patients) == n
    assert set(sub.visits["patient_id"]) <= set(sub.patients["patient_id"])
    assert set(sub.adverse_events["patient_id"]) <= set(sub.patients["patient_id"])


def test_filter_rejects_unknown_disease():
    with pytest.raises(ValueError, match="disease"):
        load_cohort().filter(disease="IBD-U")


def test_loaded_tables_are_independent_of_later_edits():
    c = load_cohort()
    sub = c.filter(disease="UC")
    sub.visits.loc[0, "crp"] = -1
    assert (load_cohort().visits["crp"].dropna() >= 0).all()
    assert (c.visits["crp"].dropna() >= 0).all()


def test_templates_match_the_schema(tmp_path):
    from dttstudy.intake.schema import TABLES
    from dttstudy.intake.templates import write_templates

    from conftest import ROOT

    for name, table in TABLES.items():
        header = (ROOT / "data" / "templates" / f"{name}.csv").read_text().strip().split(",")
        assert header == table.column_names
    written = write_templates(tmp_path / "t")
    for f in written:
        committed = ROOT / "data" / "templates" / f.name
        assert committed.read_bytes() == f.read_bytes(), f"data/templates/{f.name} is stale"
    wb = pd.read_excel(ROOT / "data" / "templates" / "cohort_template.xlsx", sheet_name=None)
    assert list(wb) == list(TABLES) + ["example"]
    assert {n: list(df.columns) for n, df in wb.items() if n in TABLES} == {
        n: t.column_names for n, t in TABLES.items()}


def test_template_workbook_has_drop_downs_and_header_notes():
    from openpyxl import load_workbook

    from conftest import ROOT

    wb = load_workbook(ROOT / "data" / "templates" / "cohort_template.xlsx")
    ws = wb["treatments"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["B2"] == '"IFX,ADA,GOL,CZP,VDZ,NTZ,UST,RZB,MIR,GUS,TOF,UPA,FIL,OZA,ETR"'  # agent_1
    assert lists["E2"] == '"maintained,discontinued"'  # status
    assert lists["H2"] == '"true,false"'  # steroid_at_start
    assert "Unit: months" in ws["D1"].comment.text and "0.01 to 600" in ws["D1"].comment.text
    assert "Allowed: F, M" in wb["patients"]["C1"].comment.text
    assert "Unit: mg/L" in wb["visits"]["J1"].comment.text


def test_template_example_is_valid_and_loading_ignores_the_example_sheet(tmp_path):
    """The example rows, typed into the template's four sheets, load as the same rows written as CSV; the
    filled example sheet beside them is not read."""
    import csv

    from openpyxl import load_workbook

    from conftest import ROOT
    from dttstudy.intake.templates import EXAMPLE

    folder = tmp_path / "csv"
    folder.mkdir()
    for name, rows in EXAMPLE.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(pd.read_csv(ROOT / "data" / "templates" / f"{name}.csv").columns)
            w.writerows(rows)
    assert validate(folder).ok, str(validate(folder))
    wb = load_workbook(ROOT / "data" / "templates" / "cohort_template.xlsx")
    for name, rows in EXAMPLE.items():
        for r in rows:
            wb[name].append([None if v == "" else v for v in r])
    wb.save(tmp_path / "filled.xlsx")
    a, b = load_cohort(folder), load_cohort(tmp_path / "filled.xlsx")
    for name, df in a.tables().items():
        pd.testing.assert_frame_equal(df, b.tables()[name], check_dtype=False)
    assert b.provenance["readings"] == []


def _messy_reference(folder):
    """The reference cohort as a centre might send it: brand names, spelled-out sex and disease, compact Montreal
    classes, missing-value markers, header case, stray spaces, GB18030, tabs, a sep= line, trailing commas."""
    import numpy as np

    from dttstudy.intake.normalise import synonyms

    folder.mkdir()
    read = {n: pd.read_csv(REFERENCE / f"{n}.csv", dtype=str, keep_default_na=False)
            for n in ("patients", "treatments", "visits", "adverse_events")}
    syn = synonyms()
    brand = {code: syn[(syn["reads_as"] == code) & (syn["note"] == "brand")]["spelling"].iloc[0]
             for code in ("IFX", "ADA", "VDZ", "UST", "TOF", "UPA", "GUS", "RZB")}
    p = read["patients"]
    p["sex"] = p["sex"].map({"F": "女", "M": "男"})
    p["disease"] = p["disease"].map({"UC": "ulcerative colitis", "CD": "Crohn's disease"})
    p["montreal"] = p["montreal"].str.replace(" ", "", regex=False).str.lower()
    p["autoimmune_disease"] = p["autoimmune_disease"].replace("", "N/A")
    p = p.rename(columns={"patient_id": "Patient_ID", "sex": " Sex "})
    p.to_csv(folder / "patients.csv", index=False, encoding="gb18030")
    t = read["treatments"]
    for c in ("agent_1", "agent_2"):
        t[c] = t[c].map(lambda a: brand.get(a, a.lower()))
    t["stop_reason"] = t["stop_reason"].replace("", "NA").str.replace("_", " ")
    t["next_therapy"] = t["next_therapy"].replace("", "-")
    t["steroid_stop_month"] = t["steroid_stop_month"].replace("", "n.a.")
    (folder / "treatments.csv").write_text("sep=\t\n" + t.to_csv(index=False, sep="\t"), encoding="utf-8")
    v = read["visits"]
    v["patient_id"] = v["patient_id"] + np.where(np.arange(len(v)) % 2 == 0, " ", "")
    v["crp"] = v["crp"].replace("", "NA")
    lines = v.to_csv(index=False).splitlines()
    (folder / "visits.csv").write_text("".join(line + ",\n" for line in lines), encoding="utf-8")
    a = read["adverse_events"]
    a["suspected_agent"] = a["suspected_agent"].map(lambda x: x.title() if x in ("both", "unknown") else
                                                    brand.get(x, x.lower()))
    a["outcome"] = a["outcome"].str.upper()
    a.to_csv(folder / "adverse_events.csv", index=False)
    return folder


def test_reference_cohort_spelled_as_centres_do_gives_the_same_analysis(tmp_path):
    import dttstudy

    clean = load_cohort(REFERENCE)
    messy = load_cohort(_messy_reference(tmp_path / "messy"))
    for name, df in clean.tables().items():
        pd.testing.assert_frame_equal(messy.tables()[name], df, obj=name)
    for by in (None, "disease"):
        pd.testing.assert_frame_equal(dttstudy.response_rates(messy, (3, 6, 9), by=by),
                                      dttstudy.response_rates(clean, (3, 6, 9), by=by))
    pd.testing.assert_frame_equal(dttstudy.table1(messy), dttstudy.table1(clean))
    pd.testing.assert_frame_equal(dttstudy.lab_summary(dttstudy.lab_changes(messy)),
                                  dttstudy.lab_summary(dttstudy.lab_changes(clean)))
    pd.testing.assert_frame_equal(dttstudy.ae_incidence(messy), dttstudy.ae_incidence(clean))


def test_readings_are_noted_counted_and_kept_in_provenance(tmp_path):
    import json

    from dttstudy.intake.validation import NOTES_SHOWN

    folder = _messy_reference(tmp_path / "messy")
    report = validate(folder)
    assert report.ok, str(report)
    ref = pd.read_csv(REFERENCE / "patients.csv", dtype=str, keep_default_na=False)
    n_f = int((ref["sex"] == "F").sum())
    text = str(report)
    # every female patient is noted by row while there are few; many are summarised with a count
    rows_f = [i + 2 for i in ref.index[ref["sex"] == "F"]]
    sex_notes = [n for n in report.notes if n.column == "sex" and n.kind == "synonym"]
    if n_f + int((ref["sex"] == "M").sum()) > 10:
        assert len([n for n in sex_notes if n.row is not None]) == NOTES_SHOWN
        assert any(n.row is None and "more 'synonym' readings" in n.rule for n in sex_notes)
    assert f"NOTE    patients.csv, row {rows_f[0]}, column 'sex': read '女' as 'F'" in text
    assert "NOTE    patients.csv: read as GB18030/GBK text" in text
    assert "NOTE    treatments.csv, row 1: first line 'sep=\t'" in text
    prov = load_cohort(folder).provenance
    json.dumps(prov)
    assert prov["encoding"] == {"patients.csv": "gb18030"}
    female = [r for r in prov["readings"] if r["column"] == "sex" and r["to"] == "F"]
    assert [(r["from"], r["count"], r["rows"]) for r in female] == [("女", n_f, rows_f[:5])]
    ust = sum(r["count"] for r in prov["readings"] if r["to"] == "UST" and r["column"] in ("agent_1", "agent_2"))
    ref_t = pd.read_csv(REFERENCE / "treatments.csv", dtype=str)
    assert ust == int((ref_t[["agent_1", "agent_2"]] == "UST").sum().sum())


def test_vectorised_regimen_labels_agree_with_the_rule():
    from dttstudy.intake.schema import AGENTS, regimen_label, regimen_labels

    pairs = [(a, b) for a in AGENTS for b in AGENTS if a != b]
    got = regimen_labels([a for a, _ in pairs], [b for _, b in pairs])
    assert list(got) == [regimen_label(a, b) for a, b in pairs]
    assert regimen_label("TOF", "UST") == "UST+TOF" and regimen_label("VDZ", "ADA") == "ADA+VDZ"


def test_the_agents_of_a_regimen_label_are_the_two_it_was_made_of():
    from dttstudy.intake.schema import AGENTS, regimen_agents, regimen_label

    assert regimen_agents("UST+TOF") == ("UST", "TOF")
    assert all(sorted(regimen_agents(regimen_label(a, b))) == sorted((a, b)) for a in AGENTS for b in AGENTS if a != b)


def test_cli_template(tmp_path, capsys):
    from dttstudy.cli import main

    assert main(["template", str(tmp_path / "t")]) == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "adverse_events.csv", "cohort_template.xlsx", "patients.csv", "treatments.csv", "visits.csv"]
    assert "patients.csv" in capsys.readouterr().out
