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
    from dttstudy.schema import TABLES, write_templates

    from conftest import ROOT

    for name, table in TABLES.items():
        header = (ROOT / "data" / "templates" / f"{name}.csv").read_text().strip().split(",")
        assert header == table.column_names
    written = write_templates(tmp_path / "t")
    for f in written:
        committed = ROOT / "data" / "templates" / f.name
        assert committed.read_bytes() == f.read_bytes(), f"data/templates/{f.name} is stale"
    wb = pd.read_excel(ROOT / "data" / "templates" / "cohort_template.xlsx", sheet_name=None)
    assert {n: list(df.columns) for n, df in wb.items()} == {n: t.column_names for n, t in TABLES.items()}


def test_vectorised_regimen_labels_agree_with_the_rule():
    from dttstudy.schema import AGENTS, regimen_label, regimen_labels

    pairs = [(a, b) for a in AGENTS for b in AGENTS if a != b]
    got = regimen_labels([a for a, _ in pairs], [b for _, b in pairs])
    assert list(got) == [regimen_label(a, b) for a, b in pairs]
    assert regimen_label("TOF", "UST") == "UST+TOF" and regimen_label("VDZ", "ADA") == "ADA+VDZ"


def test_cli_template(tmp_path, capsys):
    from dttstudy.cli import main

    assert main(["template", str(tmp_path / "t")]) == 0
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "adverse_events.csv", "cohort_template.xlsx", "patients.csv", "treatments.csv", "visits.csv"]
    assert "patients.csv" in capsys.readouterr().out
