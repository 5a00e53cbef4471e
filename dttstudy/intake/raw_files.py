"""What a file must be before it is parsed: checks on the bytes, each with a message that says what to do.

Called by :mod:`dttstudy.intake.cohort` before a parser sees the file, so that a hostile or damaged file is
refused quickly and a careless one is refused *with the reason*:

* a workbook larger than :data:`MAX_WORKBOOK_BYTES`, one whose parts would unpack to more than
  :data:`MAX_UNPACKED_BYTES`, or with a part compressed more than :data:`MAX_RATIO` times (a "zip bomb") — all
  read from the archive's directory, before anything is decompressed (Python's zip reader never returns more
  than a part's declared size, so the declared sizes bound what is read);
* a password-protected (encrypted) workbook, and an old binary ``.xls`` workbook (both are OLE2 files, not zip
  archives);
* formula cells without a saved value (a workbook written by a program and never calculated and saved in a
  spreadsheet program): listed with their sheet, row and column;
* a CSV file in UTF-16 without a byte-order mark (every other byte zero);
* a NUL character inside a CSV cell (a parser would cut the text there): listed with row and column;
* the text encoding of a CSV file (:func:`decode`): UTF-8 when the bytes are valid UTF-8, UTF-16 with its
  byte-order mark, else Windows-1252 or GB18030 as a detector finds them.
"""
from __future__ import annotations

import codecs
import csv
import re
import zipfile
import zlib
from pathlib import Path

#: Largest workbook read (bytes on disk).
MAX_WORKBOOK_BYTES = 200 * 1024 * 1024
#: Largest total size of a workbook's parts once unpacked.
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
#: Largest compression ratio of one part (spreadsheet XML compresses some 5–30 times; a bomb thousands of times).
MAX_RATIO = 200
#: Parts smaller than this are never refused for their ratio (a tiny part of zeros compresses a lot).
_RATIO_FLOOR = 1024 * 1024
_MAX_PARTS = 10_000
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Marker put in place of a formula cell without a saved value (never typed by a user: a private-use character).
UNSAVED_FORMULA = "\ue000formula without a saved value"
#: What Python's zip reader raises on a damaged archive: a bad directory, an unsupported version or compression
#: method (NotImplementedError), an encrypted part (RuntimeError), a cut or corrupt stream (EOFError, zlib.error).
DAMAGED_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError, NotImplementedError,
               RuntimeError, EOFError, zlib.error)


def workbook_problem(path: Path) -> str | None:
    """Why a workbook cannot be read safely (size, compression, encryption, format), or None."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as err:
        return f"cannot be read ({err})"
    if size > MAX_WORKBOOK_BYTES:
        return (f"{size / 2**20:,.0f} MB: larger than a cohort workbook may be ({MAX_WORKBOOK_BYTES / 2**20:,.0f} MB); "
                "export the four tables as CSV files instead")
    if head == _OLE2:
        with open(path, "rb") as f:
            data = f.read(min(size, 4 * 2**20))
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            return ("a password-protected (encrypted) workbook: open it, remove the password (File > Info > "
                    "Protect Workbook > Encrypt with Password, empty) and save it as .xlsx")
        return "an old binary Excel workbook (.xls, Excel 97–2003): save it as .xlsx (Excel Workbook)"
    if not zipfile.is_zipfile(path):
        return None  # the reader says it is not a readable .xlsx workbook
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except DAMAGED_ZIP as err:
        return f"not a readable .xlsx workbook ({err})"
    if len(infos) > _MAX_PARTS:
        return f"{len(infos):,} parts: not a cohort workbook (a damaged or hostile file)"
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        return (f"would unpack to {total / 2**30:,.1f} GB: larger than a cohort workbook may be "
                f"({MAX_UNPACKED_BYTES / 2**30:,.0f} GB); a damaged or hostile file (a 'zip bomb')")
    for i in infos:
        if i.file_size > _RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            return (f"part {i.filename!r} is compressed {i.file_size / max(i.compress_size, 1):,.0f} times: no "
                    "spreadsheet compresses like that; a damaged or hostile file (a 'zip bomb')")
    return None


_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"|'
                    rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"|'
                  rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding its cells."""
    from html import unescape

    book = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    target = {}
    for m in _REL.finditer(rels):
        t, i = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        t = t.decode()
        target[i.decode()] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for m in _SHEET.finditer(book):
        name, rid = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        if rid.decode() in target:
            out[unescape(name.decode("utf-8"))] = target[rid.decode()]
    return out


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def unsaved_formulas(path: Path, sheets) -> dict[str, list[tuple[int, int]]]:
    """For each of ``sheets``, the (row, column) numbers (from 1) of formula cells without a saved value."""
    from xml.etree.ElementTree import iterparse

    out: dict[str, list[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            parts = _sheet_parts(z)
            for sheet in sheets:
                part = parts.get(sheet)
                if part is None:
                    continue
                with z.open(part) as f:  # a cheap look first: most sheets hold no formula
                    if not any(b"<f" in chunk or b":f" in chunk for chunk in iter(lambda: f.read(1 << 20), b"")):
                        continue
                cells = []
                with z.open(part) as f:
                    for _, el in iterparse(f, events=("end",)):
                        if el.tag.endswith("}c") or el.tag == "c":
                            kids = {c.tag.rsplit("}", 1)[-1]: c for c in el}
                            if "f" in kids and ("v" not in kids or not (kids["v"].text or "").strip()):
                                m = re.fullmatch(r"([A-Z]+)(\d+)", el.get("r") or "")
                                if m:
                                    cells.append((int(m.group(2)), _col_number(m.group(1))))
                            el.clear()
                if cells:
                    out[sheet] = cells
    except (*DAMAGED_ZIP, SyntaxError):
        return out  # the reader reports a damaged workbook
    return out


def utf16_without_bom(data: bytes) -> bool:
    """Whether bytes look like UTF-16 text without a byte-order mark: zero bytes at every other position."""
    sample = data[:4096]
    if len(sample) < 4 or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    for zeros, other in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
        text = [b for b in other if b]
        printable = sum(b in (9, 10, 13) or 32 <= b < 127 for b in text)
        if zeros.count(0) >= len(zeros) / 2 and len(text) >= 0.9 * len(other) and printable >= len(text) / 2:
            return True
    return False


def nul_cells(text: str, sep: str, header_line: int, names: list[str], limit: int = 50
              ) -> list[tuple[int, str | None]]:
    """(row, column name) of the cells holding a NUL character; rows as a person counts the file's lines."""
    out = []
    lines = text.splitlines()
    for k, line in enumerate(lines):
        if "\x00" not in line:
            continue
        try:
            cells = next(csv.reader([line.replace("\x00", "\ue001")], delimiter=sep))
        except (csv.Error, StopIteration):
            cells = []
        j = next((j for j, c in enumerate(cells) if "\ue001" in c), None)
        # a data row names the column by its header; the header row (or a title above it) by its position
        column = names[j] if j is not None and k > header_line and j < len(names) else (
            str(j + 1) if j is not None else None)
        out.append((k + 1, column))
        if len(out) >= limit:
            break
    return out


#: Encodings tried, in this order of preference, when a CSV file is not UTF-8 (a detector picks among them).
FALLBACK_ENCODINGS = ("cp1252", "gb18030")
ENCODING_LABELS = {"cp1252": "Windows-1252", "gb18030": "GB18030/GBK", "utf_16": "UTF-16", "utf-16": "UTF-16"}


# Short GB18030 texts can be valid UTF-8 too ('女' is C5 AE, which UTF-8 reads as 'Ů'). Valid UTF-8 is read as
# UTF-8, as every tool reads it; when UTF-8 gives rare Latin letters and GB18030 would give only Chinese, a NOTE
# says so, and the cells' own checks name any code that then reads wrong.
_LATIN_EXTENDED = re.compile("[\u0100-\u024f]")
_NOT_CHINESE = re.compile("[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _reads_as_chinese(data: bytes) -> bool:
    try:
        return not _NOT_CHINESE.search(data.decode("gb18030"))
    except UnicodeDecodeError:
        return False


def decode(data: bytes) -> tuple[str | None, str]:
    """Text of a CSV file and the encoding it was read with; None if it is no plausible text encoding.

    UTF-8 (with or without byte-order mark) and UTF-16 with a byte-order mark are read as such; otherwise
    charset-normalizer chooses among :data:`FALLBACK_ENCODINGS` only, and the choice must decode the whole
    file without error.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None, ""
    try:
        text = data.decode("utf-8-sig")
        if not text.isascii() and _LATIN_EXTENDED.search(text) and _reads_as_chinese(data):
            return text, "utf-8, also GB18030"
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        return None, ""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    if best is None:
        return None, ""
    enc = best.encoding
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        return None, ""
