"""Property-based fuzzing of the data boundary: random bytes, random edits of the CSV text, random cells and
random damage in a workbook. Whatever arrives, `dttstudy validate` ends with exit 0 or 1, never a traceback
(and, with warnings as errors, never a stray warning); the report prints and the input is left unchanged."""
from __future__ import annotations

import contextlib
import copy
import datetime
import hashlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dttstudy.cli import main
from dttstudy.intake.validation import EXCEL_ERRORS, ValidationReport

from conftest import EXAMPLES, MINIMAL, write_cohort

SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FILES = ("patients.csv", "treatments.csv", "visits.csv", "adverse_events.csv")
# text that exercises the readers: delimiters, quotes, line ends, markers, dates, non-Latin scripts, spreadsheet errors
ALPHABET = st.sampled_from(list(",;\t\"'\n\r =+-@#.0123456789aAzZ/年月日女男é—\x00\ufeff") + list(EXCEL_ERRORS))
NASTY = st.lists(ALPHABET, max_size=12).map("".join) | st.text(max_size=30)


def _validate(path: Path) -> int:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["validate", str(path)])
    assert code in (0, 1), out.getvalue()
    assert "Traceback" not in out.getvalue()
    return code


def _hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@SETTINGS
@given(st.sampled_from(FILES), st.binary(max_size=3000))
def test_random_bytes_in_any_file(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cohort(Path(tmp) / "c")
        (folder / name).write_bytes(data)
        before = _hashes(folder)
        _validate(folder)
        assert _hashes(folder) == before


@SETTINGS
@given(st.sampled_from(FILES),
       st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace", "duplicate_line"]),
                          st.floats(0, 1), st.integers(0, 40), NASTY), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "gb18030", "utf-16"]))
def test_random_edits_of_the_csv_text(name, edits, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cohort(Path(tmp) / "c")
        text = (folder / name).read_text(encoding="utf-8")
        for op, where, length, piece in edits:
            i = int(where * len(text))
            if op == "insert":
                text = text[:i] + piece + text[i:]
            elif op == "delete":
                text = text[:i] + text[i + length:]
            elif op == "replace":
                text = text[:i] + piece + text[i + len(piece):]
            else:
                lines = text.splitlines(keepends=True)
                if lines:
                    k = min(int(where * len(lines)), len(lines) - 1)
                    lines.insert(k, lines[k])
                text = "".join(lines)
        (folder / name).write_bytes(text.encode(encoding, errors="replace"))
        _validate(folder)


CELL = (NASTY | st.integers(-10**12, 10**12) | st.floats(allow_nan=True, allow_infinity=True)
        | st.booleans() | st.none() | st.sampled_from(EXCEL_ERRORS)
        | st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(2100, 1, 1)))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(list(MINIMAL)), st.integers(1, 8), st.integers(1, 16), CELL),
                min_size=1, max_size=8),
       st.sampled_from(["patients", "treatments", "visits", "adverse_events", "Visits", "notes", " patients "]),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=3))
def test_random_cells_and_damage_in_a_workbook(cells, rename, damage):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.xlsx"
        wb = Workbook()
        wb.remove(wb.active)
        tables = copy.deepcopy(MINIMAL)
        for name, rows in tables.items():
            ws = wb.create_sheet(name)
            ws.append(list(rows[0]))
            for r in rows:
                ws.append(list(r.values()))
        for table, row, col, value in cells:
            try:
                wb[table].cell(row=row, column=col, value=value)
            except (IllegalCharacterError, ValueError, TypeError):
                pass  # a value a workbook cannot hold is not a workbook a centre can send
        if rename not in wb.sheetnames:
            wb["patients"].title = rename
        wb.save(path)
        data = bytearray(path.read_bytes())
        for pos, byte in damage:
            data[pos % len(data)] = byte
        path.write_bytes(bytes(data))
        before = path.read_bytes()
        _validate(path)
        assert path.read_bytes() == before


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(list(MINIMAL)), st.integers(0, 3), NASTY), min_size=1, max_size=6))
def test_random_text_in_any_cell_gives_a_report(cells):
    from dttstudy import validate

    with tempfile.TemporaryDirectory() as tmp:
        tables = copy.deepcopy(MINIMAL)
        for table, row, text in cells:
            rows = tables[table]
            r = rows[row % len(rows)]
            column = list(r)[(row * 7 + len(text)) % len(r)]
            r[column] = text
        report = validate(write_cohort(Path(tmp) / "c", tables))
        assert isinstance(report, ValidationReport)
        assert str(report)
        for f in report.failures:
            assert f.file in FILES and (f.row is None or f.row >= 1)


def _header_offsets(data: bytes) -> list[int]:
    """Every byte of every fixed-size zip header (local file headers, central directory records, end record)."""
    import struct

    out = []
    end = data.rfind(b"PK\x05\x06")
    out += range(end, end + 22)
    count, size, start = struct.unpack("<HII", data[end + 10:end + 20])
    pos = start
    for _ in range(count):
        out += range(pos, pos + 46)
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28:pos + 34])
        local = struct.unpack("<I", data[pos + 42:pos + 46])[0]
        out += range(local, local + 30)
        pos += 46 + name_len + extra_len + comment_len
    return sorted(set(out))


def test_every_zip_header_byte_damaged_gives_a_report(tmp_path):
    """Closed enumeration, not sampling: each byte of each zip header of a valid workbook replaced by its bitwise
    complement, one at a time (a version of 19.7, a compression method nobody implements, an offset past the
    end, …); `validate` ends with exit 0 or 1 every time and never changes the file."""
    from openpyxl import Workbook

    path = tmp_path / "cohort.xlsx"
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in copy.deepcopy(MINIMAL).items():
        ws = wb.create_sheet(name)
        ws.append(list(rows[0]))
        for r in rows:
            ws.append(list(r.values()))
    wb.save(path)
    good = path.read_bytes()
    offsets = _header_offsets(good)
    assert len(offsets) > 20 * 9  # nine parts or more in an openpyxl workbook
    codes = set()
    for pos in offsets:
        damaged = bytearray(good)
        damaged[pos] ^= 0xFF
        path.write_bytes(bytes(damaged))
        codes.add(_validate(path))
        assert path.read_bytes() == bytes(damaged)
    assert codes == {0, 1}  # some damage is harmless (a time stamp), some is refused
