"""The report a clinician reads: report.html, tables.docx, tables.xlsx and clean notebook pages, on the reference
cohort and on a synthetic cohort (whose counts the report must state, without verdicts on published numbers)."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from conftest import ROOT


def reproduce(data, out):
    args = [sys.executable, "-m", "dttstudy.cli", "reproduce", "--out", str(out), "--jobs", "2"]
    if data is not None:
        args += ["--data", str(data)]
    res = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synth")
    data = tmp / "centre_x"
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "synth", "--patients", "40", "--seed", "7",
                          "--out", str(data)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return data, reproduce(data, tmp / "report")


@pytest.fixture(scope="module")
def reference(fresh_report):
    """A fresh report of the reference cohort (not the committed one: what the code makes now)."""
    return fresh_report


def pages(out):
    return [out / "report.html", out / "index.html", *sorted((out / "html").glob("*.html"))]


@pytest.mark.parametrize("which", ["reference", "synthetic"])
def test_no_developer_output_in_pages(which, request):
    out = request.getfixturevalue(which)
    out = out[1] if isinstance(out, tuple) else out
    for page in pages(out):
        text = page.read_text(encoding="utf-8")
        assert "PosixPath" not in text, page.name
        assert not re.search(r"<pre>\s*\[\s*\]\s*</pre>", text), f"{page.name}: a bare [] output"
        assert "<title>Notebook</title>" not in text, page.name
        assert "Traceback" not in text and "DEBUG" not in text, page.name
        assert "IPKernelApp" not in text, page.name
        assert "{'text/html'" not in text and "&#x27;text/html&#x27;" not in text, page.name  # no raw bundle repr


def test_notebook_pages_have_titles_and_a_way_back(reference):
    for page in sorted((reference / "html").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>([^<]*)</title>", text).group(1)
        assert title and title != "Notebook", page.name
        assert 'href="../index.html"' in text, page.name
        assert "NBVAL" not in text, page.name


def test_reference_report_has_the_parts_a_reader_needs(reference):
    text = (reference / "report.html").read_text(encoding="utf-8")
    for part in ("Summary", "Methods", "Results", "Reproduction of the published numbers", "Contents",
                 "@media print", "Reconstructed reference cohort"):
        assert part in text, part
    p = pd.read_csv(ROOT / "data" / "reference" / "patients.csv")
    n, uc, cd = len(p), int((p["disease"] == "UC").sum()), int((p["disease"] == "CD").sum())
    assert f"{n} patients ({uc} with ulcerative colitis, {cd} with Crohn's disease)" in text
    # tables and figures numbered from 1, in order
    tnums = [int(x) for x in re.findall(r"Table (\d+)\. ", text)]
    fnums = [int(x) for x in re.findall(r"<b>Figure (\d+)\.</b>", text)]
    assert tnums[:3] == [1, 2, 3] and fnums[:3] == [1, 2, 3]
    assert sorted(set(fnums)) == list(range(1, max(fnums) + 1))
    assert "<script" not in text.lower()


def test_table1_headers_carry_n_per_column(reference):
    p = pd.read_csv(ROOT / "data" / "reference" / "patients.csv")
    text = (reference / "tables" / "table1_baseline.html").read_text(encoding="utf-8")
    for d in ("UC", "CD"):
        assert f"{d}, N = {int((p['disease'] == d).sum())}" in text
    assert f"Total, N = {len(p)}" in text


def test_synthetic_report_states_its_own_counts_without_verdicts(synthetic):
    data, out = synthetic
    p = pd.read_csv(data / "patients.csv")
    text = (out / "report.html").read_text(encoding="utf-8")
    n, uc, cd = len(p), int((p["disease"] == "UC").sum()), int((p["disease"] == "CD").sum())
    assert f"{n} patients ({uc} with ulcerative colitis, {cd} with Crohn's disease)" in text
    assert "This cohort beside Wang et al. 2025" in text
    for page in pages(out):
        body = page.read_text(encoding="utf-8")
        # the published statements ("18 patients received DTT") are quoted, as Wang 2025's, in one table only
        body = re.sub(r"<!-- quoted -->.*?<!-- /quoted -->", "", body, flags=re.S).lower()
        if page.name == "06_reproduction.html":
            continue
        assert "mismatch" not in body, page.name
        assert "18 patients" not in body or n == 18, page.name
        assert "reconstructed reference cohort — not patient data" not in body, page.name


def test_docx_holds_every_report_table_with_its_caption(reference):
    import json

    from docx import Document

    doc = Document(str(reference / "tables" / "tables.docx"))
    captions = [p.text for p in doc.paragraphs if re.match(r"Table \d+\. ", p.text)]
    report_tables = []
    for f in sorted((reference / "tables").glob("*.json")):
        meta = json.loads(f.read_text(encoding="utf-8"))
        if "display" in meta and meta.get("in_report", True):
            report_tables.append(meta["display"]["title"])
    assert len(doc.tables) == len(report_tables) == len(captions)
    assert sorted(c.split(". ", 1)[1] for c in captions) == sorted(report_tables)


def test_xlsx_numbers_are_numbers_and_sheets_have_captions(reference):
    import openpyxl

    wb = openpyxl.load_workbook(reference / "tables" / "tables.xlsx")
    assert wb.sheetnames
    numeric = 0
    for ws in wb.worksheets:
        assert str(ws["A1"].value).startswith("Table "), ws.title
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "n" and c.value is not None:
                    numeric += 1
                if isinstance(c.value, str):
                    assert not re.fullmatch(r"-?\d+(\.\d+)?", c.value), f"{ws.title}!{c.coordinate}: {c.value!r}"
    assert numeric > 100


def test_docx_and_xlsx_are_byte_identical_between_runs(synthetic, tmp_path):
    data, out = synthetic
    again = reproduce(data, tmp_path / "again")
    for f in ("tables/tables.docx", "tables/tables.xlsx", "report.html", "index.html", "provenance.json"):
        assert (out / f).read_bytes() == (again / f).read_bytes(), f
    with zipfile.ZipFile(out / "tables" / "tables.docx") as z:
        assert all(i.date_time == (2000, 1, 1, 0, 0, 0) for i in z.infolist())
