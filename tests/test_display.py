"""Display tables: shape of Table 1 and the response tables, labels from the dictionary, escaping in every
output format, Word and Excel documents read back, byte-identical files."""
from __future__ import annotations

import csv
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import dttstudy
from dttstudy.reporting.display import BUILDERS, DisplayTable, build_display, generic
from dttstudy.reporting.documents import write_docx, write_tables, write_xlsx
from dttstudy.reporting.labels import LABELS, NA, is_reader_header

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "data" / "reference"
TIDY = ROOT / "reports" / "tables"

PAYLOADS = ["<script>alert(1)</script>", '=HYPERLINK("http://example.invalid","x")', "a & b | c", "@SUM(A1)",
            "bell\x07 and nul\x00"]


@pytest.fixture(scope="module")
def cohort():
    return dttstudy.load_cohort()


@pytest.fixture(scope="module")
def t1(cohort):
    return build_display("table1_baseline", dttstudy.table1(cohort), "Table 1. Baseline characteristics")


def _ns_from_file():
    with open(REFERENCE / "patients.csv", newline="", encoding="utf-8") as f:
        counts = Counter(r["disease"] for r in csv.DictReader(f))
    return counts["UC"], counts["CD"], counts["UC"] + counts["CD"]


# --- Table 1 -------------------------------------------------------------------------------------------------

def test_table1_headers_carry_n_per_column(t1):
    uc, cd, total = _ns_from_file()
    assert t1.headers == ["Characteristic", f"UC, N = {uc}", f"CD, N = {cd}", f"Total, N = {total}", "p-value"]
    assert t1.title == "Baseline characteristics"      # "Table 1." is given when documents are assembled


def _row(t: DisplayTable, first: str):
    hits = [r for r in t.rows if r.cells[0] == first]
    assert len(hits) == 1, (first, [r.cells[0] for r in t.rows])
    return hits[0]


def test_table1_one_label_row_per_variable_with_indented_levels(t1):
    sex = _row(t1, "Sex, n (%)")
    assert sex.indent == 0 and sex.cells[1:4] == ["", "", ""]
    i = t1.rows.index(sex)
    assert [(r.cells[0], r.indent) for r in t1.rows[i + 1:i + 3]] == [("Female", 1), ("Male", 1)]
    # yes/no variables on one row; no True/False or snake_case anywhere in the body
    assert _row(t1, "Perianal surgery, n (%)").indent == 0
    text = " ".join(c for r in t1.rows for c in r.cells)
    assert "True" not in text and "False" not in text and "_" not in text
    assert not any(r.cells[0] == "Patients" for r in t1.rows)   # N is in the headers


def test_table1_p_values_formatted_with_test_footnote(t1):
    p = pd.read_csv(REFERENCE / "patients.csv")
    # Mann–Whitney U on disease duration, UC vs CD, computed here from the data file (exact, no ties)
    uc = p.loc[p["disease"] == "UC", "disease_duration"]
    cd = p.loc[p["disease"] == "CD", "disease_duration"]
    expected = st.mannwhitneyu(uc, cd, alternative="two-sided", method="exact").pvalue
    row = _row(t1, "Disease duration, years")
    assert row.cells[-1] == f"{expected:.3f}" == "0.027"
    mark = row.marks[len(t1.columns) - 1]
    note = dict(t1.footnotes)[mark]
    assert note.startswith("Mann–Whitney U test")
    # Fisher's exact test on sex (5/8 vs 6/10 female) gives p = 1: printed ">0.99"
    assert st.fisher_exact([[5, 6], [3, 4]])[1] == pytest.approx(1.0)
    assert _row(t1, "Sex, n (%)").cells[-1] == ">0.99"
    assert all(not re.fullmatch(r"\d\.\d{4,}", r.cells[-1]) for r in t1.rows)


def test_table1_disease_specific_rows_name_their_denominator(t1):
    uc, cd, _ = _ns_from_file()
    row = _row(t1, "Montreal extent, n (%)")
    note = dict(t1.footnotes)[row.marks[0]]
    assert f"{uc} patients with UC" in note
    e3 = _row(t1, "E3, extensive colitis")
    assert e3.cells[2] == NA and e3.cells[3] == NA      # CD and Total not applicable
    row = _row(t1, "Montreal behaviour, n (%)")
    assert f"{cd} patients with CD" in dict(t1.footnotes)[row.marks[0]]


def _tiny_table1(with_numeric_p: bool) -> pd.DataFrame:
    rows = [("Patients", "", "n", "2", "3", "5", np.nan, ""),
            ("Sex", "female", "n (%)", "1 (50.0%)", "2 (66.7%)", "3 (60.0%)", 0.0004, "Fisher's exact test"),
            ("Sex", "male", "n (%)", "1 (50.0%)", "0 (0.0%)", "1 (20.0%)", np.nan, ""),
            ("Sex", "Missing", "n", "0", "1", "1", np.nan, ""),
            ("Perianal surgery", "yes", "n (%)", "0 (0.0%)", "1 (33.3%)", "1 (20.0%)", 0.4, "Fisher's exact test")]
    df = pd.DataFrame(rows, columns=["variable", "level", "statistic", "UC", "CD", "Total", "p_value", "test"])
    if not with_numeric_p:   # the older shape: a string p column beside p_value
        df["p"] = ["", "<0.001", "", "", "0.400"]
        df["p_value"] = np.nan
    return df


@pytest.mark.parametrize("numeric", [True, False])
def test_table1_both_tidy_shapes_and_unknown_only_where_missing(numeric):
    t = build_display("table1_baseline", _tiny_table1(numeric))
    assert t.headers == ["Characteristic", "UC, N = 2", "CD, N = 3", "Total, N = 5", "p-value"]
    assert [(r.cells[0], r.indent) for r in t.rows] == [
        ("Sex, n (%)", 0), ("Female", 1), ("Male", 1), ("Unknown", 1), ("Perianal surgery, n (%)", 0)]
    assert _row(t, "Unknown").cells[1:4] == ["0", "1", "1"]
    assert _row(t, "Sex, n (%)").cells[-1] == "<0.001"
    assert _row(t, "Perianal surgery, n (%)").cells[-1] == "0.400"


def test_table1_reference_has_no_unknown_rows(t1, cohort):
    assert cohort.patients.notna().drop(columns=["autoimmune_disease"]).all().all()
    assert not any(r.cells[0] == "Unknown" for r in t1.rows)


# --- response tables ------------------------------------------------------------------------------------------

def test_response_table_is_wide(cohort):
    rates = dttstudy.response_rates(cohort, (3, 6, 9), by=["disease", "regimen"])
    t = build_display("clinical_response_rates", rates)
    assert t.headers == ["Group", "Month 3", "Month 6", "Month 9"]
    assert {c.spanner for c in t.columns[1:]} == {"n/N (%; 95% CI)"}
    assert list(dict.fromkeys(r.group for r in t.rows)) == ["Observed cases", "Non-responder imputation"]
    obs = [r for r in t.rows if r.group == "Observed cases"]
    # rows: all patients, "Disease" label + its groups, "Regimen" label + its groups (no repeated constants)
    n_groups = rates.loc[rates["by"] != "All", ["by", "group"]].drop_duplicates().shape[0]
    assert len(obs) == 1 + 2 + n_groups
    first = obs[0]
    assert first.cells[0] == "All patients" and first.indent == 0
    # R: binom.test(15, 17)$conf.int -> 0.6355908 0.9854207 (month 3, observed: 15 of 17 evaluable)
    r3 = rates[(rates["analysis_set"] == "observed") & (rates["by"] == "All") & (rates["month"] == 3)].iloc[0]
    if (r3["n"], r3["N"]) == (15, 17):
        assert first.cells[1] == "15/17 (88.2%; 63.6–98.5)"
    # no evaluable patient -> "–", never "0/0"
    empty = rates[rates["N"] == 0]
    assert not empty.empty
    assert all("0/0" not in c for r in t.rows for c in r.cells)
    assert sum(c == NA for r in t.rows for c in r.cells) == len(empty)


def test_response_table_synthetic_zero_denominator():
    rates = pd.DataFrame({
        "endpoint": "clinical_response", "definition": "paper", "analysis_set": ["observed", "observed"],
        "month": [3, 6], "by": "All", "group": "All", "n": [2, 0], "N": [4, 0], "pct": [50.0, np.nan],
        "ci_low": [6.758598649, np.nan], "ci_high": [93.24140135, np.nan], "ci_method": "Clopper–Pearson exact",
        "level": 0.95})
    t = build_display("clinical_response_rates", rates)
    # R: binom.test(2, 4)$conf.int -> 0.06758599 0.93241401
    assert t.rows[0].cells == ["All patients", "2/4 (50.0%; 6.8–93.2)", NA]


def test_lab_summary_no_test_below_two_pairs():
    tidy = pd.DataFrame({
        "lab": "crp", "unit": "mg/L", "month": 9, "by": ["All", "disease"], "group": ["All", "UC"], "n": [5, 1],
        "baseline_mean": 1.0, "value_mean": 1.0, "change_mean": [-1.0, -27.0], "change_sd": [1.0, np.nan],
        "baseline_median": 9.3, "baseline_q1": 8.3, "baseline_q3": 12.5, "value_median": 6.4, "value_q1": 5.2,
        "value_q3": 8.6, "change_median": -1.6, "change_q1": -6.1, "change_q3": -0.7, "wilcoxon_statistic": 0,
        "p_value": [0.1875, 1.0], "test": "Wilcoxon signed-rank, exact"})
    t = build_display("lab_change_summary", tidy)
    uc = [r for r in t.rows if r.cells[0] == "UC"][0]
    assert uc.cells[-1] == "" and uc.cells[1] == "1"
    assert [r for r in t.rows if r.cells[0] == "All patients"][0].cells[-1] == "0.188"


# --- labels -----------------------------------------------------------------------------------------------------

def _all_tidy(cohort):
    """The tidy tables the notebooks save, built here with the same package calls; any other table in the
    committed reports/tables (literature tables) is added from its CSV."""
    from dttstudy.analysis.completeness import completeness
    from dttstudy.analysis.flow import patient_flow
    from dttstudy.synthesis.literature import published_meta_check
    from dttstudy.analysis.safety import (competing_first_ae, cumulative_incidence, exposure_adjusted_incidence,
                                 logrank_test, time_on_dtt)

    s = cohort.subjects()
    km = dttstudy.KaplanMeier().fit(dttstudy.time_to_first_ae(cohort))
    tables = {
        "table1_baseline": dttstudy.table1(cohort), "table2_baseline_per_patient": dttstudy.table2(cohort),
        "table3_maintained": dttstudy.table3(cohort), "table4_discontinued": dttstudy.table4(cohort),
        "regimens": s.groupby(["regimen", "disease"]).size().unstack(fill_value=0).reset_index(),
        "agents": pd.concat([s["agent_1"], s["agent_2"]]).value_counts().rename_axis("agent")
        .reset_index(name="patients"),
        "clinical_response_rates": dttstudy.response_rates(cohort, (3, 6, 9), by=["disease", "regimen"]),
        "endoscopic_response_rates": dttstudy.response_rates(cohort, [None], endpoint="endoscopic_response",
                                                             by="disease", horizon=9),
        "clinical_response_simple": dttstudy.response_rates(cohort, (3, 6, 9), definition="simple",
                                                            analysis_sets=("observed",)),
        "clinical_remission_rates": dttstudy.response_rates(cohort, (3, 6, 9), endpoint="clinical_remission"),
        "lab_change_summary": dttstudy.lab_summary(dttstudy.lab_changes(cohort), by="disease"),
        "lab_change_per_patient": dttstudy.lab_changes(cohort),
        "ae_listing": dttstudy.ae_listing(cohort), "ae_incidence": dttstudy.ae_table(cohort),
        "ae_exposure_adjusted": exposure_adjusted_incidence(cohort, by="disease"),
        "tte_first_ae": dttstudy.time_to_first_ae(cohort), "km_first_ae": km.estimates_,
        "km_first_ae_risk_table": km.risk_table([0, 3, 6, 9]),
        "km_time_on_dtt": dttstudy.KaplanMeier().fit(time_on_dtt(cohort)).estimates_,
        "cif_first_ae": cumulative_incidence(competing_first_ae(cohort)),
        "logrank_by_disease": logrank_test(time_on_dtt(cohort), "disease").assign(endpoint="Time on DTT"),
        "patient_flow": patient_flow(cohort, (3, 6, 9)), "paper_check": dttstudy.paper_check(cohort),
        "beside_wang2025": dttstudy.paper_check(cohort).drop(columns=["status", "rule", "note"]),
        "published_meta_check": published_meta_check(),
        "completeness": completeness(cohort, (0, 3, 6, 9)),
        "centre_summary": dttstudy.centre_summary(cohort, (3, 6, 9)),
    }
    if TIDY.is_dir():
        for f in sorted(TIDY.glob("*.csv")):
            tables.setdefault(f.stem, pd.read_csv(f))
    return tables


def test_every_display_header_comes_from_the_label_dictionary(cohort):
    tables = _all_tidy(cohort)
    for name, tidy in tables.items():
        t = build_display(name, tidy)
        assert t.unlabelled == [], (name, t.unlabelled)
        for c in t.columns:
            if c.spanner == LABELS["centre"]:
                continue  # one column per centre, headed by the centre's code (a data value)
            assert is_reader_header(c.label), (name, c.label)
            assert c.spanner is None or is_reader_header(c.spanner), (name, c.spanner)
    assert set(BUILDERS) - {"forest_"} <= set(tables)


def test_generic_flags_unknown_columns():
    t = generic("x", pd.DataFrame({"patient_id": ["P1"], "mystery_col": [1.5]}))
    assert t.unlabelled == ["mystery_col"]
    assert t.headers == ["Patient", "Mystery col"]


def test_generic_one_decimal_rule_per_column():
    t = generic("x", pd.DataFrame({"crp": [12.12, 4.0, 2.49]}))
    assert [r.cells[0] for r in t.rows] == ["12.12", "4.00", "2.49"]
    assert [r.values[0] for r in t.rows] == [12.12, 4.0, 2.49]


# --- escaping -----------------------------------------------------------------------------------------------------

def _hostile() -> DisplayTable:
    tidy = pd.DataFrame({"patient_id": PAYLOADS, "term": PAYLOADS[::-1], "crp": [1.0, 2.0, 3.0, 4.0, 5.0]})
    return build_display("ae_listing", tidy, title="<b>title</b> & more", notes=["<img src=x onerror=alert(1)>"])


def test_payloads_inert_in_html_markdown_latex():
    t = _hostile()
    h = t.to_html()
    assert "<script>" not in h and "&lt;script&gt;alert(1)&lt;/script&gt;" in h
    assert "<b>title" not in h and "<img" not in h
    md = t.to_markdown()
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md and "a &amp; b \\| c" in md
    tex = t.to_latex()
    assert "<script" not in tex and r"\textless{}script\textgreater{}" in tex and r"a \& b" in tex


def test_payloads_inert_in_docx_and_xlsx(tmp_path):
    import docx
    import openpyxl

    t = _hostile()
    write_docx([t], tmp_path / "t.docx")
    xml = zipfile.ZipFile(tmp_path / "t.docx").read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "&lt;script&gt;" in xml
    cells = [c.text for c in docx.Document(tmp_path / "t.docx").tables[0].column_cells(0)]
    assert PAYLOADS[0] in cells                          # shown as text, exactly
    write_xlsx([t], tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").worksheets[0]
    values = [c for row in ws.iter_rows() for c in row if c.value is not None]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert "'" + PAYLOADS[1] in texts and "'" + PAYLOADS[3] in texts
    assert "bell and nul" in texts                        # control characters dropped: XML cannot hold them
    assert not any(isinstance(v, str) and v.startswith(("=", "@", "+", "-")) for v in texts)
    assert all(c.data_type in ("s", "n") for c in values)
    sheet_xml = zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


# --- documents ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def some_tables(cohort, t1):
    km = dttstudy.KaplanMeier().fit(dttstudy.time_to_first_ae(cohort))
    rates = dttstudy.response_rates(cohort, (3, 6, 9), by="disease")
    return [t1,
            build_display("table3_maintained", dttstudy.table3(cohort)),
            build_display("clinical_response_rates", rates, "Clinical response by month"),
            build_display("km_first_ae", km.estimates_, "Kaplan–Meier: time to first AE")]


def test_docx_holds_every_table_with_caption(tmp_path, some_tables):
    import docx

    write_docx(some_tables, tmp_path / "tables.docx", title="Tables")
    d = docx.Document(tmp_path / "tables.docx")
    paras = [p.text for p in d.paragraphs]
    for i, t in enumerate(some_tables, 1):
        assert f"Table {i}. {t.title}" in paras
        for mark, note in t.footnotes:
            assert any(p.endswith(note) for p in paras), note
    assert len(d.tables) == len(some_tables)
    t1_doc = d.tables[0]
    assert [c.text for c in t1_doc.rows[0].cells] == some_tables[0].headers
    # the wide Table 3 sits in a landscape section
    assert some_tables[1].landscape
    assert any(s.page_width > s.page_height for s in d.sections)


def test_xlsx_numbers_are_numbers(tmp_path, some_tables, cohort):
    import openpyxl

    write_xlsx(some_tables, tmp_path / "tables.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert len(wb.worksheets) == len(some_tables)
    for ws, t in zip(wb.worksheets, some_tables):
        assert ws["A1"].value == t.caption
    ws = wb.worksheets[3]                                  # Kaplan–Meier
    header_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Time, months")
    body = list(ws.iter_rows(min_row=header_row[0].row + 1, max_row=header_row[0].row + 3))
    km = dttstudy.KaplanMeier().fit(dttstudy.time_to_first_ae(cohort)).estimates_
    assert [r[1].value for r in body] == list(km["at_risk"][:3])
    assert all(r[1].data_type == "n" and isinstance(r[1].value, int) for r in body)
    assert all(isinstance(r[0].value, float | int) and r[0].number_format == "0.0" for r in body)


def test_documents_are_byte_identical_between_runs(tmp_path, some_tables):
    a, b = tmp_path / "a", tmp_path / "b"
    fa, fb = write_tables(some_tables, a), write_tables(some_tables, b)
    for x, y in zip(fa, fb):
        assert x.read_bytes() == y.read_bytes(), x.name
    info = zipfile.ZipFile(a / "tables.docx").infolist()
    assert {i.date_time for i in info} == {(2000, 1, 1, 0, 0, 0)}


def test_json_round_trip(some_tables):
    for t in some_tables:
        back = DisplayTable.from_json(t.to_json())
        assert back == t
        assert back.to_html() == t.to_html()
    json.loads(some_tables[0].to_json())


def test_numpy_numbers_stay_numbers(tmp_path):
    import openpyxl

    from dttstudy.reporting.display import Column, Row

    t = DisplayTable("x", "Counts", [Column("Patient"), Column("Patients", align="right")],
                     [Row(["A", "3"], [None, np.int64(3)], [None, 0]), Row(["B", "–"], [None, np.float64("nan")])])
    assert t.rows[0].values == [None, 3] and type(t.rows[0].values[1]) is int
    assert t.rows[1].values == [None, None]
    assert DisplayTable.from_json(t.to_json()) == t
    write_xlsx([t], tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert cells[3].data_type == "n" and cells["–"].data_type == "s"


def test_table1_of_one_disease_has_no_empty_column(cohort):
    uc, _, _ = _ns_from_file()
    t = build_display("table1_baseline", dttstudy.table1(cohort.filter(disease="UC")))
    assert t.headers[:2] == ["Characteristic", f"UC, N = {uc}"]
    assert not any(h.startswith(("CD", "Total")) for h in t.headers)  # no empty CD, no Total repeating UC
    assert not any("behaviour" in r.cells[0] or "location" in r.cells[0] for r in t.rows)


def test_forest_arms_indented_under_their_study():
    tidy = pd.DataFrame({"study_id": ["s1", "s1", "s2"], "arm": ["", "A", ""], "label": ["S 2020", "S 2020 — A arm",
                         "T 2021"], "level": [0, 1, 0], "pooled": [True, False, True], "events": [3, 1, 5],
                         "total": [10, 4, 5], "proportion": [0.3, 0.25, 1.0], "ci_lower": [0.06673951, 0.0063, 0.4782],
                         "ci_upper": [0.65245995, 0.8059, 1.0], "weight": [60.0, np.nan, 40.0]})
    t = build_display("forest_clinical_response", tidy)
    assert [r.indent for r in t.rows] == [0, 1, 0]
    # R: binom.test(3, 10)$conf.int -> 0.06673951 0.65245995
    assert t.rows[0].cells == ["S 2020", "3", "10", "0.300 (0.067–0.652)", "60.0"]
    assert t.rows[1].cells[-1] == ""
    assert any("not pooled" in n for _, n in t.footnotes)


def test_long_listings_are_cut_with_a_note_summaries_never():
    tidy = pd.DataFrame({"patient_id": [f"P{i:04d}" for i in range(30)], "crp": np.arange(30) / 3})
    t = build_display("some_listing", tidy, max_rows=10)
    assert len(t.rows) == 10 and t.rows[-1].cells[0] == "P0009"
    assert t.footnotes[0][1] == "The first 10 of 30 rows; every row is in the tidy table some_listing.csv."
    assert len(build_display("some_listing", tidy, max_rows=None).rows) == 30
    flow = pd.DataFrame({"month": [0] + [3] * 12, "status": ["treated"] + [f"s{i}" for i in range(12)],
                         "n": range(13)})
    assert len(build_display("patient_flow", flow, max_rows=5).rows) == 13


def test_xlsx_numbers_shown_as_text_are_stored_as_numbers(tmp_path, t1):
    import openpyxl

    from dttstudy.reporting.display import Column, Row

    t = DisplayTable("x", "Counts", [Column("Patient"), Column("Patients"), Column("Centre")],
                     [Row(["A", "12", "007"]), Row(["B", "−3.5", "C1"])])
    write_xlsx([t, t1], tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.value is not None]
    assert [(c.value, c.data_type) for c in cells[:6]] == [("A", "s"), (12, "n"), ("007", "s"), ("B", "s"),
                                                            (-3.5, "n"), ("C1", "s")]
    for ws in openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets:     # no number left as text anywhere
        assert not any(isinstance(c.value, str) and re.fullmatch(r"-?(?!0\d)\d+(\.\d+)?", c.value)
                       for row in ws.iter_rows() for c in row), ws.title


def test_published_numbers_are_named_by_the_papers_words_never_by_machine_keys(cohort):
    """The key (``n_agent_vdz``) stays in the CSV; readers see the paper's statement and the section in words."""
    import dttstudy

    for name, tidy in (("paper_check", dttstudy.paper_check(cohort)),
                       ("beside_wang2025", dttstudy.paper_check(cohort).drop(columns=["status", "rule", "note"]))):
        md = build_display(name, tidy).to_markdown()
        assert "n_agent_vdz" not in md and "pct_endoscopic_response_at_9m" not in md, name
        assert "R-pop" not in md and "ABS;" not in md and "Abstract; Methods; Results, patients" in md, name
    assert "Status" not in build_display("beside_wang2025", tidy).to_markdown()  # no verdicts on other data


def test_the_workbook_number_of_a_cell_is_the_number_it_shows(cohort):
    """A cell's numeric value and decimals (what tables.xlsx stores and formats) print as the cell's own text:
    the value rounded half up to those decimals appears in the cell (p-values "<0.001", ">0.99" aside)."""
    from dttstudy.analysis.stats import round_half_up

    wrong = []
    for name, tidy in _all_tidy(cohort).items():
        for r in build_display(name, tidy).rows:
            for j, (v, d) in enumerate(zip(r.values or [], r.decimals or [])):
                if d is None or not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool) \
                        or np.isnan(float(v)):
                    continue
                cell = r.cells[j].replace("\u2212", "-")
                if f"{round_half_up(float(v), d):.{d}f}" not in cell and not cell.startswith(("<", ">")):
                    wrong.append((name, r.cells[0], cell, v, d))
    assert not wrong, wrong[:10]


def test_a_withheld_cell_reaches_the_reader_in_words():
    from dttstudy.reporting.display.multicentre import cell_in_words

    key = "response/endpoint=clinical_response/definition=paper/analysis_set=nri/month=6/by=disease/group=UC/N"
    words = cell_in_words(key)
    assert "=" not in words and "/" not in words and "_" not in words
    assert words.startswith("Endpoint Clinical response;") and "Month 6" in words and words.endswith("; N")
    assert cell_in_words("baseline_counts/variable=Patients/level=/UC") == "Variable Patients; UC"


def test_the_table_writer_refuses_a_header_no_reader_should_see(tmp_path):
    """The one writer of tables (report.save_table) refuses a display whose header is not in the label dictionary,
    whatever builder made it: a code such as 'sum_sq_change' never reaches a reader."""
    from dttstudy.reporting import report
    from dttstudy.reporting.display import Column, Row

    bad = DisplayTable("probe", "Probe", [Column("Outcome"), Column("sum_sq_change")], [Row(["a", "1"])])
    with pytest.raises(ValueError, match=r"'probe'.*sum_sq_change"):
        report.save_table(pd.DataFrame({"outcome": ["a"]}), "probe", tmp_path, "Probe", display=bad)
    assert not (tmp_path / "tables" / "probe.md").exists()
    good = DisplayTable("probe", "Probe", [Column("Outcome"), Column("Month 12")], [Row(["a", "1"])])
    report.save_table(pd.DataFrame({"outcome": ["a"]}), "probe", tmp_path, "Probe", display=good)
    assert (tmp_path / "tables" / "probe.md").exists()
