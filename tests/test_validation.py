"""One test per validation rule, each on a minimal file broken in exactly one place.

Expected file / row / column are read off the broken fixture by hand (header = row 1).
"""
from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from dttstudy import load_cohort, validate
from dttstudy.intake.validation import CohortValidationError

from conftest import add_row, chain, drop_column, setcell, write_cohort


CASES = [
    # (id, mutation, file, row, column, words in the rule)
    ("missing column", drop_column("patients", "sex"), "patients.csv", 1, "sex", "required column missing"),
    ("text in a score", setcell("visits", 1, "partial_mayo", "three"), "visits.csv", 3, "partial_mayo",
     "must be a number"),
    ("decimal comma", setcell("visits", 0, "crp", "12,5"), "visits.csv", 2, "crp", "decimal point"),
    ("bad boolean", setcell("patients", 0, "perianal_surgery", "maybe"), "patients.csv", 2, "perianal_surgery",
     "true or false"),
    ("sex code", setcell("patients", 0, "sex", "W"), "patients.csv", 2, "sex", "must be one of"),
    ("disease near miss", setcell("patients", 0, "disease", "UCC"), "patients.csv", 2, "disease",
     "did you mean UC"),
    ("agent misspelt", setcell("treatments", 0, "agent_1", "Stelarra"), "treatments.csv", 2, "agent_1",
     "did you mean UST (ustekinumab)"),
    ("agent class is ambiguous", setcell("treatments", 0, "agent_1", "anti-TNF"), "treatments.csv", 2,
     "agent_1", "must be one of"),
    ("unknown agent", setcell("treatments", 0, "agent_1", "XYZ"), "treatments.csv", 2, "agent_1", "must be one of"),
    ("surgery code", setcell("patients", 1, "abdominal_surgery", "yes"), "patients.csv", 3, "abdominal_surgery",
     "must be one of"),
    ("indication code", setcell("patients", 1, "indication", "other"), "patients.csv", 3, "indication",
     "must be one of"),
    ("status code", setcell("treatments", 0, "status", "ongoing"), "treatments.csv", 2, "status", "must be one of"),
    ("stop reason code", setcell("treatments", 1, "stop_reason", "cost"), "treatments.csv", 3, "stop_reason",
     "must be one of"),
    ("AE action code", setcell("adverse_events", 0, "action", "stopped"), "adverse_events.csv", 2, "action",
     "must be one of"),
    ("AE outcome code", setcell("adverse_events", 0, "outcome", "fine"), "adverse_events.csv", 2, "outcome",
     "must be one of"),
    ("HBI negative", setcell("visits", 3, "hbi", "-1"), "visits.csv", 5, "hbi", "between 0 and"),
    ("partial Mayo above 9", setcell("visits", 0, "partial_mayo", "10"), "visits.csv", 2, "partial_mayo",
     "between 0 and 9"),
    ("bleeding above 3", setcell("visits", 0, "rectal_bleeding", "4"), "visits.csv", 2, "rectal_bleeding",
     "between 0 and 3"),
    ("MES above 3", setcell("visits", 0, "mes", "4"), "visits.csv", 2, "mes", "between 0 and 3"),
    ("SES-CD above 56", setcell("visits", 2, "ses_cd", "57"), "visits.csv", 4, "ses_cd", "between 0 and 56"),
    ("Limberg above 4", setcell("visits", 2, "limberg", "5"), "visits.csv", 4, "limberg", "between 0 and 4"),
    ("CRP negative", setcell("visits", 2, "crp", "-0.5"), "visits.csv", 4, "crp", "between 0 and"),
    ("albumin in g/dL", setcell("visits", 2, "albumin", "3.5"), "visits.csv", 4, "albumin", "between 10 and 60"),
    ("score not whole", setcell("visits", 3, "hbi", "4.5"), "visits.csv", 5, "hbi", "whole number"),
    ("failed biologics not whole", setcell("patients", 0, "failed_biologics", "1.5"), "patients.csv", 2,
     "failed_biologics", "whole number"),
    ("empty required cell", setcell("patients", 1, "center", ""), "patients.csv", 3, "center", "must not be empty"),
    ("dtt months zero", setcell("treatments", 0, "dtt_months", "0"), "treatments.csv", 2, "dtt_months", "between"),
    ("id with space", setcell("patients", 0, "patient_id", "U 1"), "patients.csv", 2, "patient_id", "study id"),
    ("duplicate patient", add_row("patients"), "patients.csv", 4, "patient_id", "duplicate"),
    ("duplicate treatment", add_row("treatments"), "treatments.csv", 4, "patient_id", "duplicate"),
    ("duplicate patient x month", add_row("visits", crp="9"), "visits.csv", 6, "patient_id+month", "duplicate"),
    ("orphan visit", add_row("visits", patient_id="X9"), "visits.csv", 6, "patient_id", "unknown patient"),
    ("orphan treatment", add_row("treatments", patient_id="X9"), "treatments.csv", 4, "patient_id",
     "unknown patient"),
    ("orphan AE", add_row("adverse_events", patient_id="X9"), "adverse_events.csv", 3, "patient_id",
     "unknown patient"),
    ("patient without treatment", lambda t: t["treatments"].pop(1), "patients.csv", 3, "patient_id",
     "no row in treatments"),
    ("patient without baseline", setcell("visits", 2, "month", "0.5"), "patients.csv", 3, "patient_id",
     "no month-0"),
    ("HBI for UC", setcell("visits", 0, "hbi", "5"), "visits.csv", 2, "hbi", "CD score"),
    ("SES-CD for UC", setcell("visits", 0, "ses_cd", "5"), "visits.csv", 2, "ses_cd", "CD score"),
    ("partial Mayo for CD", setcell("visits", 2, "partial_mayo", "5"), "visits.csv", 4, "partial_mayo", "UC score"),
    ("bleeding for CD", setcell("visits", 2, "rectal_bleeding", "1"), "visits.csv", 4, "rectal_bleeding",
     "UC score"),
    ("MES for CD", setcell("visits", 2, "mes", "1"), "visits.csv", 4, "mes", "UC score"),
    ("bleeding above partial Mayo", chain(setcell("visits", 1, "partial_mayo", "1"),
                                          setcell("visits", 1, "rectal_bleeding", "2")),
     "visits.csv", 3, "rectal_bleeding", "cannot exceed"),
    ("visit before month 0", setcell("visits", 1, "month", "-1"), "visits.csv", 3, "month", "between 0"),
    ("AE onset before month 0", setcell("adverse_events", 0, "onset_month", "-0.5"), "adverse_events.csv", 2,
     "onset_month", "between 0"),
    ("AE onset after follow-up", setcell("adverse_events", 0, "onset_month", "4.5"), "adverse_events.csv", 2,
     "onset_month", "after the last follow-up"),
    ("steroid stop negative", setcell("treatments", 0, "steroid_stop_month", "-1"), "treatments.csv", 2,
     "steroid_stop_month", "between 0"),
    ("steroid stop without steroid", setcell("treatments", 1, "steroid_stop_month", "1"), "treatments.csv", 3,
     "steroid_stop_month", "steroid_at_start is false"),
    ("maintained with reason", setcell("treatments", 0, "stop_reason", "other"), "treatments.csv", 2,
     "stop_reason", "must be empty"),
    ("discontinued without reason", setcell("treatments", 1, "stop_reason", ""), "treatments.csv", 3,
     "stop_reason", "needs a stop_reason"),
    ("same agent twice", setcell("treatments", 0, "agent_2", "UST"), "treatments.csv", 2, "agent_2",
     "must differ"),
    ("on DTT after the course", setcell("treatments", 1, "dtt_months", "2"), "visits.csv", 5, "on_dtt",
     "marked on DTT"),
    ("Montreal of the other disease", setcell("patients", 0, "montreal", "L3 B1"), "patients.csv", 2, "montreal",
     "Montreal"),
    ("bad CD Montreal", setcell("patients", 1, "montreal", "L5 B2"), "patients.csv", 3, "montreal", "Montreal"),
    ("follow-up longer than disease", setcell("patients", 0, "followup_before_dtt", "100"), "patients.csv", 2,
     "followup_before_dtt", "longer than the disease duration"),
    ("suspected agent not in regimen", setcell("adverse_events", 0, "suspected_agent", "UST"), "adverse_events.csv",
     2, "suspected_agent", "'both' or 'unknown'"),
    ("next therapy while maintained", setcell("treatments", 0, "next_therapy", "VDZ"), "treatments.csv", 2,
     "next_therapy", "must be empty when status is 'maintained'"),
    ("spreadsheet error in a number", setcell("visits", 1, "crp", "#DIV/0!"), "visits.csv", 3, "crp",
     "spreadsheet error value #DIV/0!"),
    ("spreadsheet error in a code", setcell("patients", 1, "sex", "#N/A"), "patients.csv", 3, "sex",
     "spreadsheet error value #N/A"),
    ("free text too long", setcell("adverse_events", 0, "term", "x" * 201), "adverse_events.csv", 2, "term",
     "longer than 200 characters"),
    ("date in free text", setcell("patients", 1, "autoimmune_disease", "psoriasis since 2019-05-02"),
     "patients.csv", 3, "autoimmune_disease", "calendar date"),
    ("Chinese record number column", chain(*[setcell("patients", i, "住院号", "123") for i in (0, 1)]),
     "patients.csv", 1, "住院号", "direct identifier"),
    ("identifier column", chain(*[setcell("patients", i, "patient_name", "x") for i in (0, 1)]), "patients.csv", 1,
     "patient_name", "direct identifier"),
    ("calendar date column", chain(*[setcell("visits", i, "visit_date", "2023-01-01") for i in range(4)]),
     "visits.csv", 1, "visit_date", "direct identifier"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_rule_reports_file_row_column(case, minimal_tables, tmp_path):
    _, mutate, file, row, column, words = case
    mutate(minimal_tables)
    folder = write_cohort(tmp_path / "c", minimal_tables)
    report = validate(folder)
    assert not report.ok
    hits = [f for f in report.failures if f.file == file and f.row == row and f.column == column and words in f.rule]
    assert hits, "expected failure not reported; got:\n" + str(report)


def test_minimal_cohort_is_valid(minimal_cohort):
    report = validate(minimal_cohort)
    assert report.ok, str(report)
    assert report.warnings == []


def test_every_failure_is_reported_at_once(minimal_tables, tmp_path):
    setcell("visits", 0, "partial_mayo", "12")(minimal_tables)
    setcell("patients", 1, "sex", "X")(minimal_tables)
    add_row("adverse_events", patient_id="Z1")(minimal_tables)
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    found = {(f.file, f.row, f.column) for f in report.failures}
    assert {("visits.csv", 2, "partial_mayo"), ("patients.csv", 3, "sex"),
            ("adverse_events.csv", 3, "patient_id")} <= found


def test_unknown_column_is_a_warning_and_is_dropped(minimal_tables, tmp_path):
    for r in minimal_tables["patients"]:
        r["smoker"] = "yes"
    folder = write_cohort(tmp_path / "c", minimal_tables)
    report = validate(folder)
    assert report.ok
    assert [(w.file, w.column) for w in report.warnings] == [("patients.csv", "smoker")]
    with pytest.warns(UserWarning, match="smoker"):
        cohort = load_cohort(folder)
    assert "smoker" not in cohort.patients.columns


def test_identifier_override_loads_but_drops_the_column(minimal_tables, tmp_path):
    for r in minimal_tables["patients"]:
        r["patient_name"] = "somebody"
    folder = write_cohort(tmp_path / "c", minimal_tables)
    assert not validate(folder).ok
    with pytest.warns(UserWarning):
        cohort = load_cohort(folder, allow_identifiers=True)
    assert "patient_name" not in cohort.patients.columns


def test_missing_file(minimal_cohort):
    (minimal_cohort / "visits.csv").unlink()
    report = validate(minimal_cohort)
    assert any(f.file == "visits.csv" and "file missing" in f.rule for f in report.failures)


def test_empty_file(minimal_cohort):
    (minimal_cohort / "adverse_events.csv").write_text("")
    report = validate(minimal_cohort)
    assert any(f.file == "adverse_events.csv" and "empty" in f.rule for f in report.failures)


def test_load_raises_with_the_full_report(minimal_tables, tmp_path):
    setcell("visits", 0, "mes", "9")(minimal_tables)
    with pytest.raises(CohortValidationError) as err:
        load_cohort(write_cohort(tmp_path / "c", minimal_tables))
    assert "visits.csv, row 2, column 'mes'" in str(err.value)
    assert not err.value.report.ok


def test_inputs_are_not_modified(minimal_tables, tmp_path):
    setcell("visits", 0, "mes", "9")(minimal_tables)
    folder = write_cohort(tmp_path / "c", minimal_tables)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    validate(folder)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after


@pytest.mark.parametrize("valid", [True, False])
def test_cli_validate_exit_code_and_no_traceback(minimal_tables, tmp_path, valid):
    if not valid:
        setcell("visits", 0, "partial_mayo", "abc")(minimal_tables)
    folder = write_cohort(tmp_path / "c", minimal_tables)
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "validate", str(folder)],
                         capture_output=True, text=True)
    assert res.returncode == (0 if valid else 1)
    assert "Traceback" not in res.stdout + res.stderr
    if not valid:
        assert "visits.csv, row 2, column 'partial_mayo'" in res.stdout


def test_cli_validate_missing_folder(tmp_path):
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "validate", str(tmp_path / "nope")],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "no such file or folder" in res.stdout
    assert "Traceback" not in res.stderr


# --- privacy at the door ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,kind", [
    ("姓名", "a name"), ("patient_name", "a name"), ("Surname", "a name"), ("initials", "initials"),
    ("住院号", "a record or ID number"), ("病案号", "a record or ID number"), ("门诊号", "a record or ID number"),
    ("身份证号", "a record or ID number"), ("ID card", "a record or ID number"), ("MRN", "a record or ID number"),
    ("record number", "a record or ID number"), ("admission no", "a record or ID number"),
    ("tel", "contact details"), ("Tel No", "contact details"), ("电话", "contact details"),
    ("e_mail", "contact details"), ("E-mail", "contact details"), ("mobile", "contact details"),
    ("address", "an address"), ("住址", "an address"), ("postcode", "an address"),
    ("admitted_on", "a calendar date"), ("visit_date", "a calendar date"), ("出生日期", "a calendar date"),
    ("dob", "a calendar date"), ("discharged", "a calendar date"),
])
def test_identifier_like_column_names(name, kind):
    from dttstudy.intake.privacy import identifier_kind

    assert identifier_kind(name) == kind


@pytest.mark.parametrize("name", ["smoking", "remarks", "bmi", "weight_kg", "hotel", "telomere", "initial_dose",
                                  "zipper", "comment", "dosing_interval"])
def test_harmless_column_names_are_not_identifiers(name):
    from dttstudy.intake.privacy import identifier_kind

    assert identifier_kind(name) is None


def test_no_declared_column_looks_like_an_identifier():
    from dttstudy.intake.privacy import identifier_kind
    from dttstudy.intake.schema import TABLES

    assert [c for t in TABLES.values() for c in t.column_names if identifier_kind(c)] == []


@pytest.mark.parametrize("text", ["2023-03-14", "on 2023/3/14", "14/03/2023", "14.03.2023", "3/14/2023", "2023-03",
                                  "2023年3月14日", "2023年3月", "3月14日", "March 2023", "Mar 14, 2023",
                                  "14 March 2023", "14-Mar-2023", "sept. 2021", "2021 June"])
def test_calendar_dates_in_text_are_recognised(text):
    from dttstudy.intake.privacy import has_calendar_date

    assert has_calendar_date(text)


@pytest.mark.parametrize("text", ["herpes zoster", "L3 B2 p", "COVID-19", "IL-23", "UST 90 mg q8w", "E3", "2019",
                                  "1/2/3", "HLA-B27", "may recur", "3 months", "P2023-01"])
def test_other_text_is_not_a_date(text):
    from dttstudy.intake.privacy import has_calendar_date

    assert not has_calendar_date(text)


def test_identifier_columns_in_chinese_are_refused_unless_allowed_then_dropped(minimal_tables, tmp_path):
    for r in minimal_tables["patients"]:
        r["姓名"] = "某某"
        r["住院号"] = "0012345"
    folder = write_cohort(tmp_path / "c", minimal_tables)
    report = validate(folder)
    assert {(f.file, f.row, f.column) for f in report.failures} == {("patients.csv", 1, "姓名"),
                                                                     ("patients.csv", 1, "住院号")}
    with pytest.warns(UserWarning, match="direct identifier"):
        cohort = load_cohort(folder, allow_identifiers=True)
    assert not {"姓名", "住院号"} & set(cohort.patients.columns)


def test_an_empty_header_is_called_an_empty_header(minimal_tables, tmp_path):
    folder = write_cohort(tmp_path / "c", minimal_tables)
    p = folder / "patients.csv"
    lines = p.read_text().splitlines()
    p.write_text("\n".join([lines[0] + ","] + [line + ",x" for line in lines[1:]]) + "\n")
    report = validate(folder)
    [f] = report.failures
    assert (f.file, f.row, f.column) == ("patients.csv", 1, "15") and "empty column header" in f.rule
    assert "identifier" not in str(report)


# --- readings (normalisation) --------------------------------------------------------------------------------

def test_synonyms_table_reads_every_spelling_as_one_code_only():
    from dttstudy.intake.normalise import ambiguous_keys, synonyms
    from dttstudy.intake.schema import AGENTS, AGENT_GLOSSARY

    assert ambiguous_keys() == []
    s = synonyms()
    assert set(s.loc[s["field"] == "agent", "reads_as"]) <= set(AGENTS)
    assert set(AGENT_GLOSSARY) == set(AGENTS)
    # every agent is reachable by its generic name
    generic = s[(s["field"] == "agent") & (s["note"] == "generic name")]
    assert {AGENT_GLOSSARY[c][0] for c in AGENTS} <= set(generic["spelling"])


@pytest.mark.parametrize("written,read", [("L3B1", "L3 B1"), ("L3B1p", "L3 B1 p"), ("L3, B2", "L3 B2"),
                                          ("l3 b1", "L3 B1"), ("L1+L4B3", "L1+L4 B3"), ("L1L4 B3", "L1+L4 B3"),
                                          ("L4B2P", "L4 B2 p"), ("e2", "E2"), ("L3 B2 p", "L3 B2 p")])
def test_montreal_spellings(written, read):
    from dttstudy.intake.normalise import read_montreal

    assert read_montreal(written) == read


@pytest.mark.parametrize("written", ["L3", "B1", "L5 B1", "L3 B4", "E4", "L3 B1 q", "pancolitis"])
def test_montreal_spellings_that_are_not_read(written):
    from dttstudy.intake.normalise import read_montreal

    assert read_montreal(written) is None


def test_many_readings_of_one_rule_are_summarised(minimal_tables, tmp_path):
    # 14 patients written 'female': rows 2-15; 5 listed, the other 9 counted (hand count)
    base = minimal_tables["patients"][0]
    minimal_tables["patients"] = [dict(base, patient_id=f"U{k}", sex="female") for k in range(1, 15)]
    minimal_tables["treatments"] = [dict(minimal_tables["treatments"][0], patient_id=f"U{k}") for k in range(1, 15)]
    minimal_tables["visits"] = [dict(minimal_tables["visits"][0], patient_id=f"U{k}") for k in range(1, 15)]
    minimal_tables["adverse_events"] = []
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    assert report.ok, str(report)
    notes = [n for n in report.notes if n.column == "sex"]
    assert [n.row for n in notes] == [2, 3, 4, 5, 6, None]
    assert notes[-1].rule == "and 9 more 'synonym' readings in this column (read 'female' as 'F' ×14)"
    assert "  NOTE    patients.csv, row 2, column 'sex': read 'female' as 'F'" in str(report)


def test_a_few_readings_are_listed_one_by_one(minimal_tables, tmp_path):
    setcell("treatments", 0, "agent_1", "Stelara")(minimal_tables)
    setcell("treatments", 1, "agent_2", "humira")(minimal_tables)
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    assert [str(n) for n in report.notes] == ["treatments.csv, row 2, column 'agent_1': read 'Stelara' as 'UST'",
                                              "treatments.csv, row 3, column 'agent_2': read 'humira' as 'ADA'"]
    assert report.to_frame()["level"].tolist() == ["note", "note"]


def test_readings_are_in_the_provenance(minimal_tables, tmp_path):
    setcell("treatments", 0, "agent_1", "Stelara")(minimal_tables)
    cohort = load_cohort(write_cohort(tmp_path / "c", minimal_tables))
    assert cohort.provenance["readings"] == [
        {"rule": "synonym", "file": "treatments.csv", "column": "agent_1", "from": "Stelara", "to": "UST",
         "count": 1, "rows": [2], "message": "read 'Stelara' as 'UST'"}]
    assert "encoding" not in cohort.provenance
    assert cohort.treatments.loc[0, "agent_1"] == "UST"


def test_a_long_cell_is_shown_shortened(minimal_tables, tmp_path):
    setcell("visits", 0, "crp", "9" * 500 + "x")(minimal_tables)
    report = validate(write_cohort(tmp_path / "c", minimal_tables))
    line = next(line for line in str(report).splitlines() if "column 'crp'" in line)
    assert len(line) < 200 and "…" in line


def test_a_folder_holding_only_a_workbook_points_to_it(tmp_path):
    import pandas as pd

    (tmp_path / "c").mkdir()
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "c" / "cohort.xlsx", index=False)
    report = validate(tmp_path / "c")
    assert any(f.file == "c" and "cohort.xlsx: to load a workbook, give its path" in f.rule for f in report.failures)
