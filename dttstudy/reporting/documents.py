"""Display tables assembled into documents: one Word file (``tables.docx``) and one Excel workbook.

Both are zip containers that normally carry the time of saving; here every timestamp and core property is fixed
and every zip member is written in order with a fixed date, so the same tables give byte-identical files.
"""
from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from ..containers import normalise_zip, save_workbook
from .display import DisplayTable
from ..precision import written
from .render import inert

FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)


def numbered(tables: list[DisplayTable], start: int = 1) -> list[DisplayTable]:
    """Give the tables consecutive numbers (in list order) and return them."""
    for i, t in enumerate(tables, start):
        t.number = i
    return tables


def _set_cell_borders(cell, **edges):
    """Borders of one table cell, e.g. ``top=12`` (eighths of a point); 0 removes the edge."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, size in edges.items():
        el = borders.find(qn(f"w:{edge}"))
        if el is None:
            el = OxmlElement(f"w:{edge}")
            borders.append(el)
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")


def _no_table_borders(table):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _table_text_style(doc, size: float):
    """A paragraph style for table cells at ``size`` points (tight spacing), created once per document."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    name = f"Table text {size:g}"
    if name not in [s.name for s in doc.styles]:
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = doc.styles["Normal"]
        st.font.size = Pt(size)
        st.paragraph_format.space_before = Pt(1)
        st.paragraph_format.space_after = Pt(1)
    return doc.styles[name]


def _write_cell(cell, text: str, mark: str = "", *, style: str, bold=False, align="left", indent: int = 0):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = cell.paragraphs[0]
    p._p.style = style  # the style id, set on the XML directly: python-docx's lookup by name is slow per cell
    if align in ("right", "center"):
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        p.paragraph_format.left_indent = Pt(9 * indent)
    run = p.add_run(text)  # python-docx writes text as XML text: nothing in it is interpreted
    if bold:
        run.bold = True
    if mark:
        p.add_run(mark).font.superscript = True


#: Left + right cell margin plus a little slack, in cm (the margins are set to 0.08 cm a side).
_PAD_CM = 0.25


def _cell_margins(table, cm: float = 0.08):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(cm / 2.54 * 1440)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


_NARROW = set("iljtfr.,:;'|! ()[]-")
_WIDEST = set("mwMW%")


def _em(text: str) -> float:
    """Approximate width of ``text`` in Arial, in em (m, w and % widest, capitals and digits wide, i/l/t and
    punctuation narrow)."""
    return sum(0.28 if ch in _NARROW else 0.86 if ch in _WIDEST else 0.68 if (ch.isupper() or ch.isdigit())
               else 0.52 for ch in text)


def _column_widths(t: DisplayTable, avail_cm: float, size_pt: float = 8.5) -> list[float]:
    """Column widths in cm from the widest cell (a header may wrap at its words). A table wider than the page
    narrows its widest columns to one common width, never below a column's longest word; only when even that
    does not fit is every column scaled down."""
    em_cm = size_pt * 2.54 / 72
    widths, least = [], []
    for j, c in enumerate(t.columns):
        body = [_em(r.cells[j] + r.marks.get(j, "")) + (1.5 * r.indent if j == 0 else 0)
                for r in t.rows if j < len(r.cells)]
        word = max((_em(w) * 1.2 for w in c.label.split()), default=1.0)  # bold header, wraps at spaces
        widths.append(max([word, 1.5] + body) * em_cm + _PAD_CM)
        # the narrowest a column may get: its longest word (header or cell), so no word is broken
        longest = max([word, 1.5] + [_em(w) for r in t.rows if j < len(r.cells) for w in r.cells[j].split()])
        least.append(min(widths[-1], longest * em_cm + _PAD_CM))
    if sum(widths) <= avail_cm:
        return widths
    if sum(least) < avail_cm:
        # the widest columns give way first, to one common width (long text wraps in several columns alike,
        # not in one column squeezed to a few words per line): the largest cap at which the table fits
        lo, hi = 0.0, max(widths)
        for _ in range(60):
            cap = (lo + hi) / 2
            if sum(max(m, min(w, cap)) for w, m in zip(widths, least)) > avail_cm:
                hi = cap
            else:
                lo = cap
        return [max(m, min(w, lo)) for w, m in zip(widths, least)]
    scale = avail_cm / sum(least)
    return [x * scale for x in least]


def _set_widths(table, t: DisplayTable, avail_cm: float, size_pt: float):
    from docx.shared import Cm

    _cell_margins(table)
    widths = _column_widths(t, avail_cm, size_pt)
    table.autofit = False
    for j, col in enumerate(table.columns):
        col.width = Cm(widths[j])
    for tr in table._tbl.tr_lst:
        j = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths[j:j + span]))
            j += span


def _add_table(doc, t: DisplayTable, avail_cm: float = 17.0):
    from docx.shared import Pt, RGBColor

    ncol = len(t.columns)
    size = 7.5 if t.landscape else 8.5  # wide tables a little smaller
    style = _table_text_style(doc, size).style_id
    cap = doc.add_paragraph(style="Caption") if "Caption" in [s.name for s in doc.styles] else doc.add_paragraph()
    r = cap.add_run(f"Table {t.number}." if t.number is not None else "")
    r.bold = True
    cap.add_run((" " if t.number is not None else "") + t.title)
    for run in cap.runs:
        run.font.size = Pt(10)
        run.font.italic = False
        run.font.color.rgb = RGBColor(0, 0, 0)
    cap.paragraph_format.keep_with_next = True
    cap.paragraph_format.space_before = Pt(14)
    cap.paragraph_format.space_after = Pt(4)

    runs = t._spanner_runs()
    has_spanners = any(s for s, _, _ in runs)
    header_rows = 2 if has_spanners else 1
    table = doc.add_table(rows=header_rows, cols=ncol)
    table.autofit = True
    _no_table_borders(table)
    if has_spanners:
        for s, first, n in runs:
            cell = table.cell(0, first)
            if n > 1:
                cell = cell.merge(table.cell(0, first + n - 1))
            if s:
                _write_cell(cell, s, bold=True, align="center", style=style)
                for j in range(first, first + n):
                    _set_cell_borders(table.cell(1, j), top=4)
    for j, c in enumerate(t.columns):
        _write_cell(table.cell(header_rows - 1, j), c.label, c.mark, bold=True,
                    align=c.align if j else "left", style=style)
    for i in range(header_rows):
        for j in range(ncol):
            if i == 0:
                _set_cell_borders(table.cell(0, j), top=12)
            if i == header_rows - 1:
                _set_cell_borders(table.cell(i, j), bottom=6)
    for gname, rows in t._groups():
        if gname:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1]) if ncol > 1 else cells[0]
            _write_cell(merged, gname, bold=True, style=style)
        for row in rows:
            cells = table.add_row().cells
            for j, text in enumerate(row.cells):
                _write_cell(cells[j], text, row.marks.get(j, ""), align=t.columns[j].align if j else "left",
                            indent=row.indent if j == 0 else 0, style=style)
    for cell in table.rows[-1].cells:
        _set_cell_borders(cell, bottom=12)
    _set_widths(table, t, avail_cm, size)
    notes = t.footnotes + ([("", t.source_note)] if t.source_note else [])
    _keep_together(table, header_rows, footnotes=bool(notes))
    p = None
    for k, (m, text) in enumerate(notes):
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = True if k < len(notes) - 1 else None  # the notes stay together
        p.paragraph_format.widow_control = True
        if m:
            sup = p.add_run(m)
            sup.font.superscript = True
            sup.font.size = Pt(8)
            p.add_run(" ").font.size = Pt(8)
        p.add_run(text).font.size = Pt(8)
    return p


#: A table with at most this many rows is kept on one page with its caption and notes (a longer one may break
#: between rows, its header repeated, its first and last rows kept with the caption and the notes).
KEEP_WHOLE_ROWS = 15
#: Rows kept with the caption at the start, and with the notes at the end, of a table that breaks.
KEEP_EDGE_ROWS = 3


def _keep_together(table, header_rows: int, footnotes: bool) -> None:
    """Pagination of one Word table: no row split across pages (``cantSplit``), header rows repeated on each
    page (``tblHeader``), and ``keep_with_next`` on the paragraphs of the rows that must stay on the caption's
    page and of the last rows before the footnotes, so that neither a caption nor footnotes stand alone."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rows = table.rows
    n = len(rows)
    whole = n <= KEEP_WHOLE_ROWS
    for i, row in enumerate(rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i < header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))
        last = i == n - 1
        keep = (whole and not last) or i < header_rows + KEEP_EDGE_ROWS or (n - 1 - KEEP_EDGE_ROWS <= i < n - 1)
        if last:
            keep = footnotes
        if keep:
            for cell in row.cells:
                for par in cell.paragraphs:
                    par.paragraph_format.keep_with_next = True
    # the order of trPr children is fixed by the schema: cantSplit before tblHeader, both before jc
    for row in rows:
        tr_pr = row._tr.trPr
        kids = sorted(tr_pr, key=lambda el: {qn("w:cantSplit"): 0, qn("w:tblHeader"): 1}.get(el.tag, 2))
        for el in kids:
            tr_pr.append(el)


def _break_in_last_paragraph(doc) -> None:
    """Move the section break python-docx just added in an empty paragraph of its own into the paragraph before
    it (the last footnote), so the break cannot spill onto a page of its own and leave it blank."""
    from docx.oxml.ns import qn

    brk = doc.element.body.findall(qn("w:p"))[-1]
    prev = brk.getprevious()
    if prev is None or prev.tag != qn("w:p") or brk.find(qn("w:r")) is not None:
        return
    sect = brk.find(qn("w:pPr")).find(qn("w:sectPr"))
    prev.get_or_add_pPr().append(sect)
    brk.getparent().remove(brk)


def write_docx(tables: list[DisplayTable], path, title: str = "Tables", number: bool = True, stamp: str = ""
               ) -> Path:
    """One Word document with every table: a numbered caption ("Table 1. …") above, footnotes below; a wide table
    (more than :data:`dttstudy.reporting.display.LANDSCAPE_COLUMNS` columns) gets a landscape section of its own.
    ``number=True`` numbers the tables in list order. ``stamp`` says what the data are ("Reconstructed reference
    cohort — not patient data"): in the page header of every section, under the title and in the document's
    subject. The file is byte-identical for identical tables."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm, Pt

    if number:
        numbered(tables)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by = title, "dttstudy", "dttstudy"
    cp.created = cp.modified = cp.last_printed = FIXED_TIME
    cp.revision = 1
    cp.comments = ""
    cp.subject = stamp
    sec = doc.sections[0]
    landscape = bool(tables) and tables[0].landscape  # a first wide table: no page with the heading alone
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2))
    doc.add_heading(title, level=1)
    if stamp:
        doc.add_paragraph().add_run(stamp).bold = True
    _stamp_header(sec, stamp)
    for t in tables:
        if t.landscape != landscape:
            sec = doc.add_section(WD_SECTION.NEW_PAGE)
            _stamp_header(sec, stamp)
            _break_in_last_paragraph(doc)
            landscape = t.landscape
            sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
            w, h = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
            sec.page_width, sec.page_height = w, h
        _add_table(doc, t, avail_cm=25.7 if landscape else 17.0)
    buf = io.BytesIO()
    doc.save(buf)
    path = Path(path)
    path.write_bytes(normalise_zip(buf.getvalue()))
    return path


# --- Excel -----------------------------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_PLAIN_NUMBER = re.compile("[\u2212-]?(?!0\\d)\\d+(?:\\.\\d+)?")  # not "007": an identifier keeps its zeros


def _sheet_names(tables: list[DisplayTable]) -> list[str]:
    """One readable sheet name per table: "T9 Clinical response by month" — the table number and its title, cut
    at a word within Excel's 31 characters (never mid-word), characters Excel refuses replaced by spaces;
    unique (case-insensitively) with "~2", "~3" when two would coincide."""
    names, seen = [], set()
    for t in tables:
        prefix = f"T{t.number} " if t.number is not None else ""
        title = " ".join(_SHEET_BAD.sub(" ", t.title or t.name).replace("'", "").split())
        base = prefix + _cut_at_word(title, 31 - len(prefix))
        name, k = base, 2
        while name.lower() in seen:
            suffix = f"~{k}"
            name, k = prefix + _cut_at_word(title, 31 - len(prefix) - len(suffix)) + suffix, k + 1
        seen.add(name.lower())
        names.append(name)
    return names


def _cut_at_word(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its longest run of whole words that does (trailing
    punctuation and an opening bracket dropped); a single over-long word is cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1]
    cut = cut[:cut.rfind(" ")] if " " in cut else text[:limit]
    words = cut.rstrip(" ,;.-–(").split(" ")
    while len(words) > 1 and (words[-1].lower() in _DANGLING or len(words[-1]) == 1):
        words.pop()  # "… incidence of a" -> "… incidence"; "… response, K" -> "… response"
    return " ".join(words).rstrip(" ,;.-–(") or text[:limit]


_DANGLING = {"a", "an", "and", "or", "of", "the", "by", "for", "in", "on", "per", "with", "at", "to", "vs", "from"}


#: A number as the display writes it (typographic minus allowed).
_NUM = "[\u2212-]?" + r"\d+(?:\.\d+)?"
_TO = "(?:–| to )"
#: Compound display cells -> the slots their numbers fill, in order. Slots: value (a count, mean, median or
#: estimate), N (denominator), pct, sd, low and high (a confidence interval, quartiles or a range).
_COMPOUND = [
    (re.compile(f"({_NUM})/({_NUM}) \\(({_NUM})%; ({_NUM}){_TO}({_NUM})\\)"), ("value", "N", "pct", "low", "high")),
    (re.compile(f"({_NUM})/({_NUM}) \\(({_NUM})%\\)"), ("value", "N", "pct")),
    (re.compile(f"({_NUM}) \\(({_NUM})%\\)"), ("value", "pct")),
    (re.compile(f"({_NUM}) \\(({_NUM}){_TO}({_NUM})\\)"), ("value", "low", "high")),
    (re.compile(f"({_NUM}) \\(({_NUM})\\)"), ("value", "sd")),
    (re.compile(f"({_NUM})/({_NUM})"), ("value", "N")),
    (re.compile(f"({_NUM}){_TO}({_NUM})"), ("low", "high")),
]
_SLOTS = ("value", "N", "pct", "sd", "low", "high")


def compound_parts(text: str) -> dict[str, tuple[float | int, int]] | None:
    """The numbers of a compound display cell by slot, each with its displayed decimals:
    "15/17 (88.2%; 63.6–98.5)" -> value 15, N 17, pct 88.2, low 63.6, high 98.5; "25.5 (21.3–29.5)" -> value,
    low, high; "6.35 (3.21)" -> value, sd; "22–125" -> low, high. ``None`` for any other text."""
    for rx, slots in _COMPOUND:
        m = rx.fullmatch(text)
        if m:
            out = {}
            for slot, tok in zip(slots, m.groups()):
                d = len(tok.split(".")[1]) if "." in tok else 0
                v = float(tok.replace("\u2212", "-"))
                out[slot] = (int(v) if d == 0 else v, d)
            return out
    return None


def _numeric_columns(t: DisplayTable) -> dict[int, list[tuple[str, str]]]:
    """Per display column with compound cells: the numeric columns set beside it, [(slot, header)]."""
    out = {}
    for j, c in enumerate(t.columns):
        if j == 0 and t.stub:
            continue
        kinds = set()
        for r in t.rows:
            parts = compound_parts(r.cells[j]) if j < len(r.cells) else None
            if parts:
                kinds.add(tuple(s for s in _SLOTS if s in parts))
        if not kinds:
            continue
        used = [s for s in _SLOTS if any(s in k for k in kinds)]
        counts = all("N" in k or "pct" in k for k in kinds)  # n/N, n (%): the value is a count
        ci = "CI" in c.label or "CI" in (c.spanner or "") or any("; " in r.cells[j] for r in t.rows
                                                                   if j < len(r.cells))
        quart = "Q1" in c.label
        names = {"value": "n" if counts else "value", "N": "N", "pct": "%", "sd": "SD",
                 "low": "95% CI lower" if ci and not quart else "Q1" if quart else "lower",
                 "high": "95% CI upper" if ci and not quart else "Q3" if quart else "upper"}
        out[j] = [(s, f"{c.label}: {names[s]}") for s in used]
    return out


def _stamp_header(section, stamp: str) -> None:
    """The data's kind in a section's page header (every printed page of that section)."""
    if stamp:
        section.header.is_linked_to_previous = False
        section.header.paragraphs[0].text = stamp


def write_xlsx(tables: list[DisplayTable], path, stamp: str = "") -> Path:
    """One workbook, one sheet per table (named by :func:`_sheet_names`): the caption in the first row, spanners
    and headers, the body, footnotes below. Numbers are stored as numbers with the display's decimals as the
    number format. A compound cell ("15/17 (88.2%; 63.6–98.5)", "25.5 (21.3–29.5)", "5 (62.5%)") keeps its
    display text and gets its numbers in numeric columns beside it ("Month 3: n", "Month 3: N", "Month 3: %",
    "Month 3: 95% CI lower", …; :func:`compound_parts`), as displayed. Every text cell is neutralised with
    :func:`dttstudy.reporting.render.inert` and stored as a string, never a formula. ``stamp`` (what the data are)
    is each sheet's printed header and the workbook's subject. Byte-identical for identical tables."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    wb.remove(wb.active)
    thin, thick = Side(style="thin", color="000000"), Side(style="medium", color="000000")

    def put(ws, r, c, v, bold=False, italic=False, indent=0, num_format=None, border=None, wrap=False):
        cell = ws.cell(row=r, column=c)
        if isinstance(v, str):
            cell.value = inert(v)
            cell.data_type = "s"  # a string cell even if it starts like a formula
        else:
            cell.value = written(v)
            if num_format:
                cell.number_format = num_format
        if bold or italic:
            cell.font = Font(bold=bold, italic=italic)
        if indent or wrap:
            cell.alignment = Alignment(indent=indent, wrap_text=wrap, vertical="bottom" if wrap else None)
        if border:
            cell.border = border
        return cell

    def number(ws, r, c, v, d):
        put(ws, r, c, float(v) if isinstance(v, float) else int(v), num_format="0" if not d else "0." + "0" * int(d))

    for t, sheet in zip(tables, _sheet_names(tables)):
        ws = wb.create_sheet(sheet)
        extra = _numeric_columns(t)
        pos, c = [], 1  # the sheet column of each display column; its numeric columns follow it
        for j in range(len(t.columns)):
            pos.append(c)
            c += 1 + len(extra.get(j, []))
        last = c - 1
        put(ws, 1, 1, t.caption, bold=True)
        r = 3
        runs = t._spanner_runs()
        if any(s for s, _, _ in runs):
            for s, first, n in runs:
                if s:
                    end = pos[first + n - 1] + len(extra.get(first + n - 1, []))
                    put(ws, r, pos[first], s, bold=True)
                    if end > pos[first]:
                        ws.merge_cells(start_row=r, start_column=pos[first], end_row=r, end_column=end)
            r += 1
        head = Border(top=thick, bottom=thin)
        for j, col in enumerate(t.columns):
            put(ws, r, pos[j], col.label + (f" ({col.mark})" if col.mark else ""), bold=True, border=head)
            for k, (_, name) in enumerate(extra.get(j, []), 1):
                put(ws, r, pos[j] + k, name, bold=True, border=head, wrap=True)
        r += 1
        for gname, rows in t._groups():
            if gname:
                put(ws, r, 1, gname, bold=True)
                r += 1
            for row in rows:
                for j, text in enumerate(row.cells):
                    v = row.values[j] if row.values and j < len(row.values) else None
                    d = row.decimals[j] if row.decimals and j < len(row.decimals) else None
                    mark = row.marks.get(j, "")
                    if v is None and not mark and j > 0 and _PLAIN_NUMBER.fullmatch(text):
                        # a number the builder passed as text (e.g. a count): stored as the number it shows
                        v = float(text.replace("\u2212", "-"))
                        d = len(text.split(".")[1]) if "." in text else 0
                        v = int(v) if d == 0 else v
                    if v is not None and not isinstance(v, bool) and isinstance(v, (int, float)) and not mark:
                        number(ws, r, pos[j], v, d)
                    elif text != "" or mark:
                        put(ws, r, pos[j], text + (f" ({mark})" if mark else ""),
                            indent=row.indent if j == 0 else 0)
                    if j in extra:
                        parts = compound_parts(text) or {}
                        for k, (slot, _) in enumerate(extra[j], 1):
                            if slot in parts:
                                number(ws, r, pos[j] + k, *parts[slot])
                r += 1
        for col in range(1, last + 1):
            ws.cell(row=r - 1, column=col).border = Border(bottom=thick)
        r += 1
        for m, text in t.footnotes + ([("", t.source_note)] if t.source_note else []):
            put(ws, r, 1, (f"({m}) " if m else "") + text, italic=False)
            r += 1
        for j, col in enumerate(t.columns):
            width = max([len(col.label)] + [len(x.cells[j]) + 2 * x.indent for x in t.rows if j < len(x.cells)])
            letter = ws.cell(row=1, column=pos[j]).column_letter
            ws.column_dimensions[letter].width = min(max(8, width + 2), 60)
            for k in range(1, len(extra.get(j, [])) + 1):
                ws.column_dimensions[ws.cell(row=1, column=pos[j] + k).column_letter].width = 11
    if stamp:
        wb.properties.subject = stamp
        for ws in wb.worksheets:
            ws.oddHeader.center.text = stamp.replace("&", "&&")  # '&' starts a header code in Excel
    return save_workbook(wb, path)


def write_tables(tables: list[DisplayTable], outdir, stem: str = "tables", title: str = "Tables") -> list[Path]:
    """Every display table as ``<name>.html``, ``.tex``, ``.md`` and ``.display.json`` in ``outdir``, plus one
    ``<stem>.docx`` and ``<stem>.xlsx``; tables are numbered in list order. Returns the files written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    numbered(tables)
    files = []
    for t in tables:
        for ext, text in (("html", t.to_html()), ("tex", t.to_latex()), ("md", t.to_markdown()),
                          ("display.json", t.to_json())):
            f = outdir / f"{t.name}.{ext}"
            f.write_text(text, encoding="utf-8")
            files.append(f)
    files.append(write_docx(tables, outdir / f"{stem}.docx", title=title, number=False))
    files.append(write_xlsx(tables, outdir / f"{stem}.xlsx"))
    return files
