"""The cohort template workbook: the four sheets a centre fills in, and an example sheet.

Each header cell carries a note with the column's meaning, unit and allowed values; coded and true/false columns
have drop-down lists. The ``example`` sheet shows two invented patients (not patient data) filled in correctly;
loading reads only the sheets ``patients``, ``treatments``, ``visits`` and ``adverse_events`` and ignores it.
"""
from __future__ import annotations

from pathlib import Path

from . import schema as S

#: Rows that carry the drop-down lists (Excel applies them to these rows only).
TEMPLATE_ROWS = 2000

#: Two invented patients (one UC, one CD) — the example sheet; valid against the schema (a test checks it).
EXAMPLE = {
    "patients": [
        ["P01", "A", "F", "UC", 24, 6, 40, "E3", "none", "false", "", 2, 1, "refractory"],
        ["P02", "B", "M", "CD", 19, 11.5, 120, "L3 B2 p", "ileal", "true", "psoriasis", 1, 2, "eim"],
    ],
    "treatments": [
        ["P01", "VDZ", "TOF", 9, "maintained", "", "", "true", 3],
        ["P02", "UST", "UPA", 5, "discontinued", "adverse_event", "IFX", "false", ""],
    ],
    "visits": [
        ["P01", 0, "true", "", 7, 2, 3, "", "", 18.5, 33, 36],
        ["P01", 3, "true", "", 3, 1, "", "", "", 6.1, 38, 39],
        ["P01", 6, "true", "", 1, 0, 1, "", "", 2.4, 41, 41],
        ["P02", 0, "true", 11, "", "", "", 14, 3, 32, 31, ""],
        ["P02", 3, "true", 6, "", "", "", "", 2, 9.8, 35, ""],
    ],
    "adverse_events": [
        ["P02", "herpes zoster", 4.5, "UPA", "false", "dtt_stopped", "resolved", "moderate"],
    ],
}


def _note(col: S.Column) -> str:
    lines = [col.description]
    if col.unit:
        lines.append(f"Unit: {col.unit}")
    if col.codes:
        lines.append("Allowed: " + ", ".join(col.codes))
    elif col.kind == "bool":
        lines.append("Allowed: true, false")
    elif col.min is not None:
        lines.append(f"Allowed: {col.min:g} to {col.max:g}" + (" (whole numbers)" if col.kind == "int" else ""))
    elif col.name == "montreal":
        lines.append("Allowed: UC E1-E3; CD e.g. L3 B2 p (L1-L4, B1-B3, p)")
    elif col.name == "suspected_agent":
        lines.append("Allowed: one of the patient's two agents, both, unknown")
    lines.append(("Required" if col.required else "Optional column") + ("; may be empty" if col.nullable else
                                                                         "; never empty"))
    return "\n".join(lines)


def _choices(col: S.Column) -> tuple[str, ...] | None:
    if col.codes:
        return col.codes
    if col.kind == "bool":
        return ("true", "false")
    if col.name == "suspected_agent":
        return S.AGENTS + ("both", "unknown")
    return None


def template_workbook(path: str | Path) -> Path:
    """Write the template workbook (byte-identical on every run) and return its path."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..reporting.render import save_workbook

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for t in S.TABLES.values():
        ws = wb.create_sheet(t.name)
        for j, col in enumerate(t.columns, start=1):
            cell = ws.cell(row=1, column=j, value=col.name)
            cell.font = bold
            cell.comment = Comment(_note(col), "dttstudy", width=320, height=140)
            ws.column_dimensions[get_column_letter(j)].width = max(10, len(col.name) + 2)
            choices = _choices(col)
            if choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=col.nullable,
                                    showErrorMessage=True, errorTitle=col.name,
                                    error="Choose one of: " + ", ".join(choices))
                dv.add(f"{get_column_letter(j)}2:{get_column_letter(j)}{TEMPLATE_ROWS}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    ex = wb.create_sheet("example")
    ex.cell(row=1, column=1, value="Example: two invented patients, filled in correctly. Not patient data. "
            "Loading reads only the sheets patients, treatments, visits and adverse_events; this sheet is ignored.")
    r = 3
    for t in S.TABLES.values():
        ex.cell(row=r, column=1, value=f"sheet {t.name}").font = bold
        r += 1
        for j, name in enumerate(t.column_names, start=1):
            ex.cell(row=r, column=j, value=name).font = bold
        for values in EXAMPLE[t.name]:
            r += 1
            for j, v in enumerate(values, start=1):
                ex.cell(row=r, column=j, value=None if v == "" else v)
        r += 2
    return save_workbook(wb, path)
