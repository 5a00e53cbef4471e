"""What a centre is given to fill in: empty cohort files, the template workbook and the data dictionary.

:func:`write_templates` writes the four CSV files (header rows only) and the workbook; :func:`data_dictionary_markdown`
is the contract of :mod:`dttstudy.intake.schema` as Markdown. In the workbook each header cell carries a note with the column's meaning, unit and allowed values; coded and true/false columns
have drop-down lists. The ``example`` sheet shows two invented patients (not patient data) filled in correctly;
loading reads only the sheets ``patients``, ``treatments``, ``visits`` and ``adverse_events`` and ignores it.
"""
from __future__ import annotations

from pathlib import Path

from ..containers import save_workbook
from . import schema as S
from .normalise import table_markdown
from .privacy import MAX_TEXT_LENGTH
from .schema import AGENT_GLOSSARY, TABLES, data_dictionary

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


def data_dictionary_markdown() -> str:
    """The contract as Markdown tables (embedded in ``data/reference/README.md``; a test keeps them in sync):
    the four tables, the glossary of agent codes, the spellings read as codes, and the privacy rules."""
    d = data_dictionary()
    out = []
    for name, g in d.groupby("table", sort=False):
        out.append(f"### `{name}` — {TABLES[name].description}\n")
        out.append("| column | type | unit | required | may be empty | allowed | description |")
        out.append("|---|---|---|---|---|---|---|")
        for r in g.itertuples():
            out.append(f"| `{r.column}` | {r.type} | {r.unit} | {'yes' if r.required else 'no'} | "
                       f"{'yes' if r.may_be_empty else 'no'} | {r.allowed} | {r.description} |")
        out.append("")
    out += ["### Agent codes\n", "| code | agent | class |", "|---|---|---|"]
    out += [f"| `{code}` | {name} | {cls} |" for code, (name, cls) in AGENT_GLOSSARY.items()]
    out += ["", "### Spellings read as codes\n",
            "Loading reads these spellings as the code beside them and says so in a NOTE line (file, row, column, "
            "`read 'Stelara' as 'UST'`), also recorded in the report's provenance. Matching ignores case, spaces, "
            "hyphens, underscores, dots and apostrophes. Any code is also read in another case or with spaces "
            "for underscores (`ust` as `UST`, `no response` as `no_response`); spaces around codes and study ids "
            "are dropped; a Montreal class written compactly or with commas is read in the canonical form "
            "(`L3B1p`, `L3, B1 p`, `l3 b1 p` as `L3 B1 p`). Anything else is not guessed: it stays an error, with "
            "a suggestion when one spelling is close. The table is `dttstudy/intake/data/synonyms.csv`.\n",
            table_markdown(), "",
            "Files: UTF-8 (with or without byte-order mark); Windows-1252 and GB18030/GBK are recognised and "
            "noted; comma- or tab-delimited; a first line `sep=,`, a delimiter at the end of every line, and "
            "a title row above the header are accepted and noted. Header and sheet names may differ in case or "
            "surrounding spaces. Semicolon-delimited files are refused (their decimal commas are ambiguous).", "",
            "### Privacy at the door\n",
            "Refused, with file, row and column: a column whose name looks like a direct identifier (a name, "
            "initials, contact details, an address, a record, admission or ID-card number, or a calendar date — "
            "in English, Chinese and a few other languages: e.g. `name`/`姓名`, `住院号`, `病案号`, `门诊号`, "
            "`身份证号`, `tel`/`电话`, `e_mail`, `initials`, `address`/`住址`, `admitted_on`, `visit_date`); a "
            "calendar date inside a text cell (`2023-03-14`, `14/03/2023`, `2023年3月14日`, `March 2023`); "
            f"text longer than {MAX_TEXT_LENGTH} characters; spreadsheet error values (`#DIV/0!`, `#N/A`, "
            "`#VALUE!`, `#REF!`, `#NAME?`, …); a column with values but an empty header. "
            "`allow_identifiers=True` (`--allow-identifiers`) loads a cohort with identifier-like columns, "
            "dropping them with a warning.", ""]
    return "\n".join(out)


def write_templates(folder) -> list:
    """Empty cohort files for a centre's own data: four CSV files (header rows only) and one workbook with the
    four sheets (drop-down lists for coded columns, unit and allowed values as a note on each header) and a
    filled ``example`` sheet that loading ignores. See :func:`dttstudy.intake.templates.template_workbook`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for t in TABLES.values():
        f = folder / f"{t.name}.csv"
        f.write_text(",".join(t.column_names) + "\n", encoding="utf-8")
        files.append(f)
    files.append(template_workbook(folder / "cohort_template.xlsx"))
    return files
