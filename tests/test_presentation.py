"""Presentation: the workbook holds numbers as numbers and readable sheet names, Word keeps captions and footnotes
with their tables, display tables keep their layout in JupyterLab and in print, notebook lines in words, and the
figures keep their marks, legends and text inside the picture."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import dttstudy as d
from dttstudy.reporting import figures as F
from dttstudy.reporting.display import Column, DisplayTable, Row, build_display
from dttstudy.reporting.figures.labs import MEAN_COLOUR
from dttstudy.reporting.documents import _sheet_names, compound_parts, write_docx, write_xlsx
from dttstudy.reporting.report import rates_text

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
TABLES = ROOT / "reports" / "tables"


@pytest.fixture(scope="module")
def cohort():
    return d.load_cohort()


def _report_tables() -> list[DisplayTable]:
    """The display tables of the committed report, in report order (as numbered there)."""
    out = []
    for f in sorted(TABLES.glob("*.json")):
        meta = json.loads(f.read_text(encoding="utf-8"))
        if "display" in meta and meta.get("in_report", True):
            out.append((meta.get("seq", 0), DisplayTable.from_json(json.dumps(meta["display"]))))
    return [t for _, t in sorted(out, key=lambda x: x[0])]


# --- notebook text ---------------------------------------------------------------------------------------------

def test_rate_lines_name_the_group_in_words():
    df = pd.DataFrame([
        dict(endpoint="clinical_response", analysis_set="observed", month=3.0, by="All", group="All", n=15, N=17,
             pct=100 * 15 / 17, ci_low=63.56, ci_high=98.54, ci_method="Clopper–Pearson exact"),
        dict(endpoint="clinical_response", analysis_set="nri", month=6.0, by="disease", group="UC", n=0, N=0,
             pct=np.nan, ci_low=np.nan, ci_high=np.nan, ci_method="Clopper–Pearson exact")])
    assert rates_text(df).split("\n") == [
        "Clinical response, observed cases, month 3, all patients: 15/17 (88.2%; 95% CI 63.6–98.5, "
        "Clopper–Pearson exact)",
        "Clinical response, non-responder imputation, month 6, disease UC: 0/0 (not evaluable, Clopper–Pearson exact)"]


def test_no_notebook_prints_all_equals_all():
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert "All=All" not in nb.read_text(encoding="utf-8"), nb.name


# --- workbook ----------------------------------------------------------------------------------------------------

def test_compound_cells_parsed_by_hand():
    assert compound_parts("15/17 (88.2%; 63.6–98.5)") == {"value": (15, 0), "N": (17, 0), "pct": (88.2, 1),
                                                          "low": (63.6, 1), "high": (98.5, 1)}
    assert compound_parts("5 (62.5%)") == {"value": (5, 0), "pct": (62.5, 1)}
    assert compound_parts("25.38 (6.35)") == {"value": (25.38, 2), "sd": (6.35, 2)}
    assert compound_parts("−11.92 (−20.10 to −2.60)") == {"value": (-11.92, 2), "low": (-20.1, 2),
                                                          "high": (-2.6, 2)}
    assert compound_parts("22–125") == {"low": (22, 0), "high": (125, 0)}
    assert compound_parts("10/10 (100.0%)") == {"value": (10, 0), "N": (10, 0), "pct": (100.0, 1)}
    for text in ("withheld", "P01", "UST+TOF", "2.5", "Anderson 2026", "<0.001", "CD=2; UC=2"):
        assert compound_parts(text) is None, text


def _sheet_rows(ws):
    return [[c for c in row] for row in ws.iter_rows()]


def test_compound_cells_get_numeric_columns_beside_the_text(tmp_path):
    import openpyxl

    t = DisplayTable("x", "Response", [Column("Group"), Column("Month 3", spanner="n/N (%; 95% CI)"),
                                       Column("Note", wrap=True)],
                     [Row(["All patients", "15/17 (88.2%; 63.6–98.5)", "first"]), Row(["UC", "–", "second"])])
    t.number = 9
    write_xlsx([t], tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r[0] == "Group")
    assert header == ["Group", "Month 3", "Month 3: n", "Month 3: N", "Month 3: %", "Month 3: 95% CI lower",
                      "Month 3: 95% CI upper", "Note"]
    body = next(r for r in ws.iter_rows() if r[0].value == "All patients")
    assert [c.value for c in body] == ["All patients", "15/17 (88.2%; 63.6–98.5)", 15, 17, 88.2, 63.6, 98.5,
                                       "first"]
    assert [c.data_type for c in body[2:7]] == ["n"] * 5
    assert [c.number_format for c in body[2:7]] == ["0", "0", "0.0", "0.0", "0.0"]
    empty = next(r for r in ws.iter_rows() if r[0].value == "UC")
    assert [c.value for c in empty[1:7]] == ["–", None, None, None, None, None]
    assert "T9 Response" in openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames
    # the spanner covers the display column and its numbers
    assert [str(m) for m in ws.merged_cells.ranges] == ["B3:G3"]


def test_response_sheet_numbers_by_hand(tmp_path, cohort):
    import openpyxl

    rates = d.response_rates(cohort, (3, 6, 9), by="disease")
    t = build_display("clinical_response_rates", rates, "Clinical response by month")
    t.number = 1
    write_xlsx([t], tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    header = next(r for r in ws.iter_rows() if r[0].value == "Group")
    col = {c.value: c.column - 1 for c in header}
    row = next(r for r in ws.iter_rows() if r[0].value == "All patients")  # observed cases come first
    obs = rates[(rates["group"] == "All") & (rates["analysis_set"] == "observed") & (rates["month"] == 3)].iloc[0]
    n, N = int(obs["n"]), int(obs["N"])
    ci = stats.binomtest(n, N).proportion_ci(method="exact")  # Clopper–Pearson, independently
    assert row[col["Month 3: n"]].value == n and row[col["Month 3: N"]].value == N
    assert row[col["Month 3: %"]].value == pytest.approx(round(100 * n / N, 1))
    assert row[col["Month 3: 95% CI lower"]].value == pytest.approx(100 * ci.low, abs=0.05 + 1e-9)
    assert row[col["Month 3: 95% CI upper"]].value == pytest.approx(100 * ci.high, abs=0.05 + 1e-9)


def test_every_report_sheet_holds_numbers(tmp_path):
    import openpyxl

    tables = _report_tables()
    for i, t in enumerate(tables, 1):
        t.number = i
    write_xlsx(tables, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    for ws, t in zip(wb.worksheets, tables):
        shown = [c for r in t.rows for c in r.cells[1:]]
        has_numbers = any(compound_parts(c) or re.fullmatch(r"[−-]?\d+(\.\d+)?", c) for c in shown)
        numeric = sum(isinstance(c.value, (int, float)) for row in ws.iter_rows(min_row=3) for c in row)
        assert numeric > 0 or not has_numbers, ws.title


@pytest.mark.parametrize("number,title,expected", [
    (24, "Pooled clinical response, K = 0 (demonstration only: no disclosure control)",
     "T24 Pooled clinical response"),
    (18, "Cumulative incidence of a first adverse event (Aalen–Johansen)", "T18 Cumulative incidence"),
    (1, "Baseline characteristics", "T1 Baseline characteristics"),
    (23, "Anderson et al. 2026: printed vs recomputed pooled percentages", "T23 Anderson et al. 2026"),
    (7, "Supercalifragilisticexpialidociouslyextraordinarywords", "T7 Supercalifragilisticexpialid"),
])
def test_sheet_names_by_hand(number, title, expected):
    t = DisplayTable("x_y_z", title, [Column("A")], [Row(["1"])], number=number)
    assert _sheet_names([t]) == [expected]


def test_report_sheet_names_whole_words_unique_and_short():
    tables = _report_tables()
    for i, t in enumerate(tables, 1):
        t.number = i
    names = _sheet_names(tables)
    assert len({n.lower() for n in names}) == len(names)
    for n, t in zip(names, tables):
        assert len(n) <= 31 and "_" not in n, n
        words = n.split(" ", 1)[1]
        clean = " ".join(re.sub(r"[\[\]:*?/\\']", " ", t.title).split())
        assert clean.startswith(words), (n, t.title)
        assert len(clean) == len(words) or clean[len(words)] in " ,;(", (n, t.title)  # never cut mid-word


# --- Word ----------------------------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _body(path):
    from lxml import etree

    return etree.fromstring(zipfile.ZipFile(path).read("word/document.xml")).find(f"{W}body")


def test_word_keeps_captions_rows_and_footnotes_together(tmp_path, cohort):
    t1 = build_display("table1_baseline", d.table1(cohort), "Baseline characteristics")
    small = DisplayTable("s", "Small", [Column("A"), Column("B")], [Row(["x", "1"]), Row(["y", "2"]),
                                                                     Row(["z", "3"])],
                         footnotes=[("a", "first note"), ("", "second note")])
    write_docx([t1, small], tmp_path / "t.docx")
    body = _body(tmp_path / "t.docx")
    kids = list(body)
    tables = [k for k in kids if k.tag == f"{W}tbl"]
    assert len(tables) == 2
    for tbl in tables:
        cap = kids[kids.index(tbl) - 1]
        assert cap.find(f"{W}pPr/{W}keepNext") is not None  # the caption stays with its table
        rows = tbl.findall(f"{W}tr")
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    rows = tables[1].findall(f"{W}tr")
    keeps = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in r.iter(f"{W}p")) for r in rows]
    assert keeps == [True] * len(rows)  # short table: whole, and its last row kept with the notes
    notes = kids[kids.index(tables[1]) + 1:kids.index(tables[1]) + 3]
    assert ["".join(notes[0].itertext()), "".join(notes[1].itertext())] == ["a first note", "second note"]
    assert notes[0].find(f"{W}pPr/{W}keepNext") is not None and notes[1].find(f"{W}pPr/{W}keepNext") is None
    # the long Table 1 breaks between rows, its first and last rows kept with caption and notes
    long_rows = tables[0].findall(f"{W}tr")
    keep_long = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in r.iter(f"{W}p")) for r in long_rows]
    assert len(long_rows) > 30 and keep_long[:3] == [True] * 3 and keep_long[-1] and not all(keep_long)


def test_word_has_no_empty_paragraph_holding_a_section_break(tmp_path, cohort):
    narrow = build_display("clinical_response_rates", d.response_rates(cohort, (3, 6, 9)), "Clinical response")
    wide = build_display("table3_maintained", d.table3(cohort))
    assert wide.landscape and not narrow.landscape
    write_docx([narrow, wide, narrow], tmp_path / "t.docx")
    body = _body(tmp_path / "t.docx")
    for p in body.findall(f"{W}p"):
        if p.find(f"{W}pPr/{W}sectPr") is not None:
            assert "".join(p.itertext()).strip(), "a section break alone in an empty paragraph"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are needed to lay the Word file out")
def test_word_pages_through_libreoffice(tmp_path):
    tables = _report_tables()
    write_docx(tables, tmp_path / "tables.docx", title="Tables")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "tables.docx")], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "tables.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    for i in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                              capture_output=True, text=True).stdout
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        assert lines, f"page {i} is blank"
        assert not re.match(r"Table \d+\. ", lines[-1]), f"page {i} ends with a caption: {lines[-1]}"
        # a page is not footnotes only: it holds a caption or table rows (several cells on one line)
        assert any(re.match(r"Table \d+\. ", ln) or len(re.split(r"\s{2,}", ln)) >= 2 for ln in lines), \
            f"page {i} holds only notes"


# --- HTML: JupyterLab and print ---------------------------------------------------------------------------------------

def _rules(html: str, table_id: str) -> str:
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S))
    return re.sub(r"\s+", " ", css)


def test_display_table_overrides_jupyterlab_table_rules():
    t = DisplayTable("tab_x", "T", [Column("Group"), Column("n", align="right")], [Row(["a", "1"])])
    css = _rules(t._repr_html_(), "dtt-tab_x")
    # JupyterLab: .jp-RenderedHTMLCommon tbody tr:nth-child(odd|even), tr:hover {background}; td, th, tr
    # {text-align: right}; table {table-layout: fixed}. Each is met by a rule scoped to the table's id.
    for sel in ("tbody tr:nth-child(odd)", "tbody tr:nth-child(even)", "tbody tr:hover"):
        assert re.search(rf"#dtt-tab_x {re.escape(sel)}[^{{]*{{background:transparent!important}}", css), sel
    assert re.search(r"#dtt-tab_x td,#dtt-tab_x th\{text-align:left", css)
    assert "#dtt-tab_x .gt_right{text-align:right!important}" in css
    assert re.search(r"#dtt-tab_x \.gt_table\{[^}]*table-layout:auto!important", css)


def test_print_rules_no_scroll_container_and_landscape_for_wide_tables():
    narrow = DisplayTable("n1", "T", [Column(f"c{i}") for i in range(4)], [Row([str(i) for i in range(4)])])
    wide = DisplayTable("w1", "T", [Column(f"c{i}") for i in range(12)], [Row([str(i) for i in range(12)])])
    cn, cw = _rules(narrow.to_html(), "dtt-n1"), _rules(wide.to_html(), "dtt-w1")
    for css, tid in ((cn, "dtt-n1"), (cw, "dtt-w1")):
        media = css[css.index("@media print"):]
        assert f"#{tid}{{overflow:visible!important" in media
        assert f"#{tid} td.gt_row{{white-space:normal!important" in media
    assert "page:dtt-wide" in cw and "@page dtt-wide{size:A4 landscape" in cw
    assert "page:dtt-wide" not in cn
    # the heading right before a wide table prints on its landscape page, not alone on the page before
    assert "h2:has(+ div > #dtt-w1),h3:has(+ div > #dtt-w1){page:dtt-wide}" in cw
    # on screen a wide table's cells may wrap (no horizontal scrolling at laptop width)
    assert re.search(r"#dtt-w1 td\.gt_row\{white-space:normal", cw)


def test_report_stylesheet_prints_on_a4():
    from dttstudy.reporting.report_html import CSS

    media = CSS[CSS.index("@media print"):]
    assert "size:A4" in media and "overflow:visible" in media


# --- figures -----------------------------------------------------------------------------------------------------

def _inside_figure(fig, artists, pad_px=1.0):
    r = fig.canvas.get_renderer()
    W_, H_ = fig.bbox.width, fig.bbox.height
    for a in artists:
        bb = a.get_window_extent(r)
        assert bb.x0 >= -0.5 and bb.y0 >= -0.5, a
        assert bb.x1 <= W_ - pad_px and bb.y1 <= H_ - pad_px, (getattr(a, "get_text", lambda: a)(), bb, W_, H_)


def test_swimmer_ae_marks_clear_of_the_separator_and_text_inside(cohort):
    fig = F.swimmer_plot(cohort)
    fig.canvas.draw()
    ax = fig.axes[0]
    art = fig._dttstudy_artists
    seps = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(seps) == 1  # UC | CD
    y_sep = ax.transData.transform((0, seps[0].get_ydata()[0]))[1]
    for a in art["adverse_event"]:
        yc = a.get_transform().transform(np.column_stack([a.get_xdata(), a.get_ydata()]))[0][1]
        half = a.get_markersize() / 2 * fig.dpi / 72
        assert abs(yc - y_sep) > half + 1, "an adverse-event mark on the separator"
    # two marks of one patient never touch (P03: two AEs at month 2)
    by_row = {}
    for a in art["adverse_event"]:
        xy = a.get_transform().transform(np.column_stack([a.get_xdata(), a.get_ydata()]))[0]
        by_row.setdefault(round(a.get_ydata()[0], 3), []).append((xy[0], a.get_markersize() * fig.dpi / 72))
    assert max(len(v) for v in by_row.values()) >= 2
    for v in by_row.values():
        v.sort()
        for (x0, s0), (x1, s1) in zip(v, v[1:]):
            assert x1 - x0 > (s0 + s1) / 2 + 1
    _inside_figure(fig, [t for t in ax.texts] + fig.axes[1].texts + [fig.axes[1].get_legend()], pad_px=2)
    assert fig._suptitle is None and ax.get_title() == ""


def test_forest_boundary_diamond_inside_the_axis_and_said_so():
    from dttstudy.reporting.figures.forest import forest_plot
    from dttstudy.synthesis.forest import forest_data

    units = pd.DataFrame({"study_id": ["c1", "c2", "c3"], "arm": [""] * 3, "label": ["C1", "C2", "C3"],
                          "events": [4, 2, 1], "total": [4, 2, 1]})
    per, pooled = forest_data(units)
    fig = forest_plot(per, pooled, "Clinical response", unit_label="Centre")
    fig.canvas.draw()
    ax = fig.axes[2]
    lo, hi = ax.get_xlim()
    diamond = [p for p in ax.patches] + [c for c in ax.collections]
    xs = np.concatenate([np.asarray(p.get_path().transformed(p.get_transform()).vertices)[:, 0] for p in ax.patches])
    assert diamond and xs.max() <= ax.transData.transform((hi, 0))[0]
    assert any("estimate" in t.get_text() and "boundary" in t.get_text() for t in ax.texts)
    _inside_figure(fig, ax.texts)


def _two_group_km(cohort):
    return {g: d.KaplanMeier().fit(d.time_on_dtt(cohort.filter(disease=g))) for g in ("UC", "CD")}


def test_km_two_groups_bands_do_not_mix_and_the_swatch_is_what_is_drawn(cohort):
    from matplotlib.collections import PolyCollection

    fig = F.km_plot(_two_group_km(cohort), None, "Time on DTT")
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no overlapping filled bands
    curves = [ln for ln in ax.lines if ln.get_linestyle() in ("-", "--") and len(ln.get_xdata()) > 2]
    dotted = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert len(dotted) == 4  # lower and upper limit per group
    assert {ln.get_color() for ln in dotted} == {ln.get_color() for ln in curves}
    leg = ax.get_legend()
    texts = [t.get_text() for t in leg.get_texts()]
    assert "95% CI (pointwise)" in texts
    assert fig._suptitle is None and ax.get_title() == ""


def test_km_single_group_swatch_matches_band(cohort):
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    fig = F.km_plot(d.KaplanMeier().fit(d.time_on_dtt(cohort)), None, "Time on DTT")
    ax = fig.axes[0]
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(band) == 1
    patch = next(h for h in ax.get_legend().get_patches())
    assert np.allclose(band[0].get_facecolor()[0], to_rgba(patch.get_facecolor()))


def test_paired_lab_plot_medians_and_quartiles_by_hand():
    # three patients; baseline 10, 20, 60 -> median 20, quartiles (linear) 15 and 40;
    # month 3: 1, 2, 9 -> median 2, quartiles 1.5 and 5.5
    changes = pd.DataFrame({"patient_id": ["A", "B", "C"], "disease": ["UC"] * 3, "regimen": ["X"] * 3,
                            "lab": ["crp"] * 3, "unit": ["mg/L"] * 3, "month": [3.0] * 3,
                            "baseline": [10.0, 20.0, 60.0], "visit_month": [3.0] * 3, "value": [1.0, 2.0, 9.0],
                            "change": [-9.0, -18.0, -51.0], "pct_change": [-90.0, -90.0, -85.0]})
    fig = F.paired_lab_plot(changes, "crp", "mg/L", by=None)
    ax = fig.axes[0]
    med = [ln for ln in ax.lines if ln.get_color() == MEAN_COLOUR and ln.get_marker() == "D"]
    assert len(med) == 1 and np.allclose(med[0].get_ydata(), [20, 2])
    bars = sorted((tuple(np.round(seg[:, 1], 6)) for c in ax.collections for seg in c.get_segments()
                   if len(seg) == 2 and seg[0, 0] == seg[1, 0]), key=lambda s: -max(s))
    assert [sorted(b) for b in bars[:2]] == [[15.0, 40.0], [1.5, 5.5]]
    fig.canvas.draw()
    _inside_figure(fig, [fig.legends[0]])  # the single-panel legend is not clipped
    assert fig._suptitle is None
    assert "median and interquartile range" in F.figure_caption(fig)
