"""Files refused before a parser sees them, each with its reason (dttstudy/intake/raw_files.py): workbook size
and compression limits checked before anything is decompressed, encrypted and old binary workbooks, formula
cells without a saved value, UTF-16 without a byte-order mark, NUL characters named by row and column."""
from __future__ import annotations

import copy
import io
import re
import time
import zipfile

import pandas as pd

from conftest import MINIMAL, write_cohort
from dttstudy.intake import raw_files
from dttstudy.intake.cohort import validate


def workbook(path, tables=None):
    with pd.ExcelWriter(path) as xw:
        for t, rows in (tables or MINIMAL).items():
            pd.DataFrame(rows).to_excel(xw, sheet_name=t, index=False)
    return path


def test_a_zip_bomb_is_refused_quickly_without_decompressing(tmp_path):
    wb = workbook(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(wb, "a", zipfile.ZIP_DEFLATED) as z:  # 256 MB of zeros: some 250 kB on disk
        z.writestr("xl/worksheets/sheet9.xml", bytes(256 * 2**20))
    start = time.perf_counter()
    report = validate(wb)
    assert time.perf_counter() - start < 10
    [f] = report.failures
    assert f.file == "bomb.xlsx" and "zip bomb" in f.rule and "sheet9.xml" in f.rule


def test_declared_sizes_are_checked_before_decompression(tmp_path, monkeypatch):
    wb = workbook(tmp_path / "c.xlsx")
    total = sum(i.file_size for i in zipfile.ZipFile(wb).infolist())
    monkeypatch.setattr(raw_files, "MAX_UNPACKED_BYTES", total - 1)
    assert "would unpack to" in validate(wb).failures[0].rule
    monkeypatch.setattr(raw_files, "MAX_UNPACKED_BYTES", total)
    monkeypatch.setattr(raw_files, "MAX_WORKBOOK_BYTES", wb.stat().st_size - 1)
    assert "larger than a cohort workbook may be" in validate(wb).failures[0].rule
    monkeypatch.setattr(raw_files, "MAX_WORKBOOK_BYTES", wb.stat().st_size)
    assert validate(wb).ok


def test_a_real_spreadsheet_ratio_is_far_below_the_limit(tmp_path):
    """A large, repetitive sheet (5,000 identical visit rows) stays well under the ratio limit."""
    tables = copy.deepcopy(MINIMAL)
    tables["visits"] = [dict(tables["visits"][0], month=str(k)) for k in range(5000)]
    wb = workbook(tmp_path / "big.xlsx", tables)
    ratios = [i.file_size / i.compress_size for i in zipfile.ZipFile(wb).infolist() if i.compress_size]
    assert max(ratios) < raw_files.MAX_RATIO / 4
    assert raw_files.workbook_problem(wb) is None


def _with_sheet_xml(src, dst, edit):
    """Copy a workbook, editing the XML of its visits sheet."""
    zin = zipfile.ZipFile(src)
    part = raw_files._sheet_parts(zin)["visits"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, edit(data) if info.filename == part else data)
    dst.write_bytes(out.getvalue())
    return dst


def _formula_in_j3(value: bytes):
    def edit(xml: bytes) -> bytes:
        return re.sub(rb'<c r="J3"[^>]*>.*?</c>', b'<c r="J3"><f>2+1.1</f>' + value + b"</c>", xml, count=1)
    return edit


def test_a_formula_with_a_saved_value_is_read_and_one_without_is_refused(tmp_path):
    wb = workbook(tmp_path / "c.xlsx")
    saved = _with_sheet_xml(wb, tmp_path / "saved.xlsx", _formula_in_j3(b"<v>3.1</v>"))
    assert validate(saved).ok
    unsaved = _with_sheet_xml(wb, tmp_path / "unsaved.xlsx", _formula_in_j3(b""))
    [f] = validate(unsaved).failures
    assert (f.file, f.row, f.column) == ("unsaved.xlsx [sheet visits]", 3, "crp")
    assert "formula without a saved value" in f.rule
    assert raw_files.unsaved_formulas(unsaved, ["visits", "patients"]) == {"visits": [(3, 10)]}


def test_utf16_without_a_byte_order_mark_is_named(tmp_path):
    text = (write_cohort(tmp_path / "c") / "visits.csv").read_text()
    for enc in ("utf-16-le", "utf-16-be"):
        assert raw_files.utf16_without_bom(text.encode(enc))
        assert not raw_files.utf16_without_bom(text.encode("utf-16"))  # with a mark it is read
    assert not raw_files.utf16_without_bom(text.encode("utf-8"))
    assert not raw_files.utf16_without_bom(b"\x00\x01\x02\xff" * 64)  # binary, not text
    assert not raw_files.utf16_without_bom("患者,中心\n".encode("gb18030") * 20)


def test_every_nul_is_named_by_row_and_column(minimal_tables, tmp_path):
    folder = write_cohort(tmp_path / "c", minimal_tables)
    p = folder / "visits.csv"
    lines = p.read_text().splitlines()
    lines[2] = lines[2].replace(",3.1,", ",3.\x001,")        # row 3, column crp
    lines[4] = lines[4].replace("C1,3,", "C1,3\x00,")       # row 5, column month
    p.write_text("\n".join(lines) + "\n")
    report = validate(folder)
    got = {(f.file, f.row, f.column) for f in report.failures}
    assert got == {("visits.csv", 3, "crp"), ("visits.csv", 5, "month")}
    assert all("NUL character" in f.rule for f in report.failures)
