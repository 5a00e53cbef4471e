"""Rendering tidy tables: CSV, Markdown, HTML, LaTeX and one Excel workbook (a sheet per table).

Output is deterministic: the same table gives the same bytes (no timestamps, fixed float format, fixed
workbook metadata), so regenerated reports can be compared with committed ones.
"""
from __future__ import annotations

import html
import io
import math
from pathlib import Path

import pandas as pd

from ..containers import normalise_zip
from ..precision import FLOAT_FORMAT, written, written_frame

#: A text cell starting with one of these is run as a formula by Excel/LibreOffice (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(v):
    """Text that a spreadsheet will not execute: a text cell starting with ``= + - @``, tab or carriage return gets
    a leading apostrophe (OWASP's rule). Numbers, missing values and other text are returned unchanged — a
    negative *number* is not text and stays a number."""
    if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS):
        return "'" + v
    return v


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float):
        return FLOAT_FORMAT % written(v)
    return str(v)


def _inert_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and header) made inert for spreadsheets; numeric columns untouched."""
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if not text and not any(isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) for c in df.columns):
        return df
    out = df.copy()
    for c in text:
        out[c] = out[c].map(inert)
    return out.rename(columns=inert)


def to_csv(df: pd.DataFrame) -> str:
    """CSV text; text cells that a spreadsheet would run as a formula are written inert (see :func:`inert`)."""
    return _inert_frame(written_frame(df)).to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def to_markdown(df: pd.DataFrame, title: str | None = None, notes: list[str] | None = None) -> str:
    """GitHub-flavoured Markdown table. Cell text is HTML-escaped (Markdown renderers pass raw HTML through) and
    pipes are escaped, so text typed into a cell is shown, never run."""
    def esc(v):
        return html.escape(_cell(v), quote=False).replace("|", "\\|").replace("\n", " ")

    lines = [f"**{esc(title)}**", ""] if title else []
    lines.append("| " + " | ".join(esc(c) for c in df.columns) + " |")
    lines.append("|" + "|".join("---" for _ in df.columns) + "|")
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(esc(v) for v in row) + " |")
    for n in notes or []:
        lines += ["", f"_{esc(n)}_"]
    return "\n".join(lines) + "\n"


def to_html(df: pd.DataFrame, title: str | None = None, notes: list[str] | None = None,
            table_id: str = "table") -> str:
    """A plain HTML table with a fixed id (no random ids, so output is stable)."""
    out = [f'<table id="{html.escape(table_id)}" class="dtt-table">']
    if title:
        out.append(f"<caption>{html.escape(title)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in df.itertuples(index=False):
        out.append("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>")
    out.append("</tbody>")
    if notes:
        out.append("<tfoot>" + "".join(f'<tr><td colspan="{len(df.columns)}">{html.escape(n)}</td></tr>'
                                       for n in notes) + "</tfoot>")
    out.append("</table>")
    return "\n".join(out) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "–": "--", "—": "---", "≥": r"$\geq$", "≤": r"$\leq$", "×": r"$\times$"}


def _tex(s) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in _cell(s))


def to_latex(df: pd.DataFrame, title: str | None = None, notes: list[str] | None = None) -> str:
    """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``)."""
    lines = [r"\begin{table}[ht]", r"\centering"]
    if title:
        lines.append(r"\caption{" + _tex(title) + "}")
    lines.append(r"\begin{tabular}{" + "l" * len(df.columns) + "}")
    lines.append(r"\toprule")
    lines.append(" & ".join(_tex(c) for c in df.columns) + r" \\")
    lines.append(r"\midrule")
    for row in df.itertuples(index=False):
        lines.append(" & ".join(_tex(v) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    for n in notes or []:
        lines.append(r"\par\footnotesize " + _tex(n))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def to_excel(tables: dict[str, pd.DataFrame], path: str | Path, title: str | None = None) -> Path:
    """One workbook, one sheet per table (sheet names cut to Excel's 31 characters), with fixed metadata
    (``title``: the document title, when given)."""
    path = Path(path)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in tables.items():
            _inert_frame(written_frame(df)).to_excel(xw, sheet_name=name[:31], index=False)
        props = xw.book.properties
        from datetime import datetime

        fixed = datetime(2000, 1, 1)
        props.created = props.modified = fixed
        props.creator = props.lastModifiedBy = "dttstudy"
        if title:
            props.title = title
    path.write_bytes(normalise_zip(buf.getvalue()))
    return path


def write_tables(tables: dict[str, pd.DataFrame], outdir: str | Path, titles: dict[str, str] | None = None,
                 notes: dict[str, list[str]] | None = None, workbook: str = "tables.xlsx") -> list[Path]:
    """Write every table as CSV, Markdown, HTML and LaTeX, plus one workbook; return the files written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    titles, notes = titles or {}, notes or {}
    written = []
    for name, df in tables.items():
        t, n = titles.get(name), notes.get(name)
        for ext, text in (("csv", to_csv(df)), ("md", to_markdown(df, t, n)),
                          ("html", to_html(df, t, n, table_id=name)), ("tex", to_latex(df, t, n))):
            f = outdir / f"{name}.{ext}"
            f.write_text(text, encoding="utf-8")
            written.append(f)
    written.append(to_excel(tables, outdir / workbook))
    return written
