"""Every output says what its data are, in its format's own way — swept over the committed reference report:
each page header of the Word file and its subject, each sheet's printed header and the workbook's subject, each
figure's PNG and SVG metadata and caption record, and every printed page of report.html."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports"
STAMP = "Reconstructed reference cohort (Wang et al. 2025) — not patient data"
FIGURES = sorted((REPORT / "figures").glob("*.png"))


def test_word_every_section_header_and_subject():
    with zipfile.ZipFile(REPORT / "tables" / "tables.docx") as z:
        doc = z.read("word/document.xml").decode()
        sections = doc.count("<w:sectPr")
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
        core = z.read("docProps/core.xml").decode()
    assert sections >= 2 and len(headers) >= sections
    assert all(STAMP in h for h in headers)
    assert doc.count('<w:headerReference w:type="default"') == sections  # every section has its own header
    assert f"<dc:subject>{STAMP}</dc:subject>" in core


def test_workbook_every_sheet_header_and_subject():
    with zipfile.ZipFile(REPORT / "tables" / "tables.xlsx") as z:
        sheets = [z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        core = z.read("docProps/core.xml").decode()
    assert len(sheets) > 20
    assert all("<oddHeader>&amp;CReconstructed reference cohort" in s for s in sheets)
    assert STAMP.replace("—", "&#8212;") in core or STAMP in core


@pytest.mark.parametrize("png", FIGURES, ids=[p.stem for p in FIGURES])
def test_figures_carry_the_stamp(png):
    from PIL import Image

    with Image.open(png) as im:
        assert im.info.get("Description") == STAMP
    assert f"<dc:description>{STAMP}</dc:description>" in png.with_suffix(".svg").read_text(encoding="utf-8")
    assert json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))["data"] == STAMP


def test_every_printed_page_of_the_report_is_headed():
    html = (REPORT / "report.html").read_text(encoding="utf-8")
    assert "@page{@top-center{content:\"Reconstructed reference cohort (Wang et al. 2025) \\2014  not patient" \
           " data\"" in html


def test_typed_text_cannot_leave_the_css_string():
    from dttstudy.reporting.report_html import print_stamp_css

    css = print_stamp_css('Data: </style><script>alert(1)</script>"}')
    assert "<" not in css and '"}' not in css[:-3] and css.count('"') == 2


def test_printed_headings_stay_with_what_follows():
    """A heading is never left alone at the foot of a printed page (checked in Chromium's PDF of the reference
    report when this rule was added: four such headings before it, none after)."""
    html = (REPORT / "report.html").read_text(encoding="utf-8")
    printed = html[html.index("@media print{"):]
    assert "h2,h3,h4{break-after:avoid;page-break-after:avoid" in printed


def test_every_per_table_file_but_the_csv_says_what_the_data_are(tmp_path):
    """Markdown, HTML and LaTeX of each table carry the data stamp (escaped); the CSV stays plain data."""
    import pandas as pd

    from dttstudy.reporting import report

    report._STAMP[0] = "Synthetic cohort (a_b <c>) — not patient data"
    try:
        report.save_table(pd.DataFrame({"variable": ["x"], "n": [1]}), "stamp_probe", tmp_path, "Probe")
    finally:
        report._STAMP[0] = ""
    t = tmp_path / "tables"
    assert (t / "stamp_probe.md").read_text(encoding="utf-8").endswith(
        "Data: Synthetic cohort (a\\_b \\<c\\>) — not patient data\n")
    assert '<p class="dtt-stamp">Data: Synthetic cohort (a_b &lt;c&gt;) — not patient data</p>' in \
        (t / "stamp_probe.html").read_text(encoding="utf-8")
    assert (t / "stamp_probe.tex").read_text(encoding="utf-8").startswith(
        "% Data: Synthetic cohort (a_b <c>) — not patient data\n")
    assert "Synthetic" not in (t / "stamp_probe.csv").read_text(encoding="utf-8")
