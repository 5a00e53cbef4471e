"""Nothing a user typed becomes live in a report: markup and spreadsheet formulas typed into free-text cells reach
every output as inert text (one full report run on a cohort carrying every payload)."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile

import pandas as pd
import pytest

from conftest import REFERENCE

MARKUP = ["<script>alert('x1')</script>", "<img src=x onerror=alert('x2')>", "<svg onload=alert('x3')>",
          "<b onmouseover=alert('x4')>bold</b>"]
FORMULAS = ['=HYPERLINK("http://example.invalid","x5")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "=2+5", "-2+3+cmd|' /C calc'!A0"]
LATEX = ["\\input{/etc/passwd} \\write18{id}"]
#: what must never appear raw in a rendered page
LIVE = re.compile(r"<script>alert|<img src=x onerror|<svg onload|<b onmouseover", re.I)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text.replace("−", "-"))
        return True
    except ValueError:
        return False


def live_formula(text: str) -> bool:
    return isinstance(text, str) and text.startswith(TRIGGERS) and not _is_number(text)


@pytest.fixture(scope="module")
def payload_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inj")
    t = {n: pd.read_csv(REFERENCE / f"{n}.csv", dtype=str, keep_default_na=False)
         for n in ("patients", "treatments", "visits", "adverse_events")}
    payloads = MARKUP + FORMULAS + LATEX
    # centre codes, comorbidities, next therapy and AE terms are free text that reaches the tables
    t["patients"]["center"] = [payloads[i % len(payloads)] for i in range(len(t["patients"]))]
    t["patients"]["autoimmune_disease"] = [payloads[(i + 3) % len(payloads)] for i in range(len(t["patients"]))]
    stopped = t["treatments"]["status"] == "discontinued"
    t["treatments"].loc[stopped, "next_therapy"] = [payloads[(i + 5) % len(payloads)] for i in range(stopped.sum())]
    t["adverse_events"]["term"] = [payloads[(i + 1) % len(payloads)] for i in range(len(t["adverse_events"]))]
    data = tmp / "hostile"
    data.mkdir()
    for n, df in t.items():
        df.to_csv(data / f"{n}.csv", index=False)
    out = tmp / "report"
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "reproduce", "--data", str(data), "--out", str(out)],
                         capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def test_the_payloads_reach_the_report_as_text(payload_report):
    listing = (payload_report / "tables" / "ae_listing.csv").read_text()
    assert "alert('x1')" in listing or "alert('x2')" in listing  # shown, as text


def test_no_live_markup_in_pages_tables_or_figures(payload_report):
    for f in payload_report.rglob("*"):
        if f.suffix in (".html", ".md", ".svg"):
            text = f.read_text(encoding="utf-8")
            m = LIVE.search(text)
            assert m is None, f"live markup in {f.relative_to(payload_report)}: {text[max(0, m.start()-80):m.end()+40]}"


def test_no_live_command_in_latex(payload_report):
    texs = list(payload_report.rglob("*.tex"))
    assert texs
    for f in texs:
        text = f.read_text(encoding="utf-8")
        assert "\\input{" not in text and "\\write18" not in text, f"{f.name}: a LaTeX command from a cell"


def test_no_live_markup_in_notebook_html_outputs(payload_report):
    for f in (payload_report / "notebooks").glob("*.ipynb"):
        nb = json.loads(f.read_text())
        for cell in nb["cells"]:
            for o in cell.get("outputs", []):
                html = "".join(o.get("data", {}).get("text/html", ""))
                assert not LIVE.search(html), f"{f.name}: live markup in an HTML output"
                md = "".join(o.get("data", {}).get("text/markdown", ""))
                assert not LIVE.search(md), f"{f.name}: raw markup in a Markdown output"


def test_no_formula_in_csv(payload_report):
    for f in payload_report.rglob("*.csv"):
        for row in csv.reader(io.StringIO(f.read_text(encoding="utf-8"))):
            for cell in row:
                assert not live_formula(cell), f"{f.name}: formula-like cell {cell!r}"


def test_no_formula_in_workbooks(payload_report):
    import openpyxl

    books = list(payload_report.rglob("*.xlsx"))
    assert books
    for f in books:
        wb = openpyxl.load_workbook(f)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", f"{f.name}[{ws.title}]!{c.coordinate}: formula {c.value!r}"
                    assert not live_formula(c.value) or c.data_type == "n", \
                        f"{f.name}[{ws.title}]!{c.coordinate}: formula-like text {c.value!r}"


def test_no_live_markup_or_formula_in_word(payload_report):
    for f in payload_report.rglob("*.docx"):
        with zipfile.ZipFile(f) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert not LIVE.search(xml), f"{f.name}: raw markup in the document XML"
