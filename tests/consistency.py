"""What a report must never do, checked on a finished report folder against its input data.

:func:`check_report` returns every contradiction it finds (an empty list: none). Expected counts come from the
input files read here with pandas (patients per disease, the analysed population) or from the tidy CSV the same
report wrote for the table a sentence quotes: the summary and the banner must say what the tables say.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

#: Technical words with an underscore a reader may meet: none. File names (``x_y.csv``) are allowed — they are
#: links to files, not words.
ALLOWED_SNAKE: set[str] = set()
_FILE = r"\.(?:csv|json|html|md|tex|xlsx|docx|svg|png|ipynb)\b"
_SNAKE = re.compile(r"(?<![\w./-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w])(?!" + _FILE + ")")
#: Developer speech that is not snake_case: "CD=2", a bare "log" or "z" as a method.
_CODES = [re.compile(r"\b(?:UC|CD|All)=\d"), re.compile(r"CI type: log(?:[;.]|$)"), re.compile(r"method: z(?:[;.]|$)"),
          re.compile(r"\d %"),  # one percent style, "88.2%", on every page
          re.compile(r"Same as main analysis"), re.compile(r"\bTTs\b(?![^“]*”)(?!, therapeutic trials)"),
          re.compile(r"derived: \d")]


def input_patients(data) -> pd.DataFrame:
    """The patients table of a cohort folder or workbook, read directly."""
    data = Path(data)
    if data.suffix.lower() == ".xlsx":
        return pd.read_excel(data, sheet_name="patients", dtype=str)
    return pd.read_csv(data / "patients.csv", dtype=str, keep_default_na=False)


def is_synthetic(data) -> bool:
    data = Path(data)
    if data.is_dir():
        return (data / "SYNTHETIC.json").is_file()
    import zipfile

    with zipfile.ZipFile(data) as z:
        return b"synthetic" in z.read("docProps/core.xml")


def visible_text(page: Path) -> str:
    """The text a reader sees: no style, script, images, code spans or tags."""
    s = page.read_text(encoding="utf-8")
    s = re.sub(r"<(style|script|code)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"<img\b[^>]*>", " ", s)
    s = re.sub(r"<[^>]+>", " ", s)
    return " ".join(html.unescape(s).split())


def _summary(report: Path) -> str:
    s = report.read_text(encoding="utf-8")
    m = re.search(r'<h2 id="summary"[^>]*>Summary</h2><p>(.*?)</p>', s, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) if m else ""


def _xticks(svg: Path) -> list[float]:
    s = svg.read_text(encoding="utf-8")
    ticks = re.findall(r'<g id="xtick_\d+">.*?<text[^>]*>([^<]*)</text>', s, flags=re.S)
    return [float(t.replace("\u2212", "-")) for t in ticks if re.fullmatch(r"[\u2212-]?\d+(\.\d+)?", t.strip())]


def check_report(out, data=None, parameters: dict | None = None) -> list[str]:
    """Every contradiction in the report folder ``out`` made from ``data`` (None: the reference cohort) with
    ``parameters`` (``-p`` values as strings)."""
    from conftest import REFERENCE

    out, params = Path(out), dict(parameters or {})
    data = Path(data) if data is not None else REFERENCE
    problems: list[str] = []
    pats = input_patients(data)
    disease = params.get("disease", "all")
    analysed = pats if disease == "all" else pats[pats["disease"] == disease]
    n = len(analysed)
    diseases = sorted(analysed["disease"].unique())
    tables, figures = out / "tables", out / "figures"

    # every notebook ran and has its page
    for nb in sorted(Path(__file__).resolve().parents[1].joinpath("notebooks").glob("[0-9][0-9]_*.ipynb")):
        if not (out / "html" / f"{nb.stem}.html").is_file():
            problems.append(f"{nb.stem}: no page")

    # the banner, Table 1 and the summary count the analysed patients
    index = visible_text(out / "index.html")
    if not re.search(rf"; {n} patients?\b", index):
        problems.append(f"index.html banner does not say {n} patients")
    t1 = (tables / "table1_baseline.html").read_text(encoding="utf-8")
    only = {"UC": "UC", "CD": "CD"}.get(next(iter(diseases))) if len(diseases) == 1 else None
    if f"{only or 'Total'}, N = {n}" not in t1:
        problems.append(f"Table 1's analysed column is not {only or 'Total'}, N = {n}")
    if only and "Total, N" in t1:
        problems.append("one disease analysed, yet Table 1 repeats it as Total")
    summary = _summary(out / "report.html")
    if not summary.startswith(f"{n} patient"):
        problems.append(f"summary does not start with the {n} analysed patients: {summary[:80]!r}")
    counts = analysed["disease"].value_counts()
    if len(diseases) == 2 and f"({counts['UC']} with ulcerative colitis, {counts['CD']} with Crohn" not in summary:
        problems.append("summary's patients per disease differ from the data")

    # every response count in the summary equals its table cell
    rates = pd.read_csv(tables / "clinical_response_rates.csv")
    for aset, lead in (("observed", "observed cases): "), ("nri", "as non-responders: ")):
        m = re.search(re.escape(lead) + r"(.*?)\.(?: |$)", summary)
        said = re.findall(r"(\d+)/(\d+) \([\d.]+%\) at ([\d.]+) months", m.group(1)) if m else []
        rows = rates[(rates["group"] == "All") & (rates["analysis_set"] == aset)]
        want = [(str(int(r.n)), str(int(r.N)), f"{r.month:g}") for r in rows.itertuples() if int(r.N)]
        if said != want:
            problems.append(f"summary {aset} response {said} != table {want}")
    ae = pd.read_csv(tables / "ae_listing.csv", keep_default_na=False)
    serious = int(ae["serious"].astype(str).str.lower().eq("true").sum()) if len(ae) else 0
    m = re.search(r"(\d+) adverse events? (?:was|were) recorded in (\d+) patients?, (\d+) of them serious", summary)
    if not m or tuple(map(int, m.groups())) != (len(ae), ae["patient_id"].nunique() if len(ae) else 0, serious):
        problems.append(f"summary's adverse events differ from the listing ({len(ae)} events, {serious} serious)")

    # groups are compared only where there are groups
    by_disease = [f.name for f in figures.glob("*_by_disease.svg")] + [f.name for f in tables.glob("logrank_by_*.csv")]
    if len(diseases) < 2 and by_disease:
        problems.append(f"one disease analysed, yet {by_disease}")
    if len(diseases) == 2 and not by_disease:
        problems.append("both diseases analysed, but no by-disease comparison")
    if len(diseases) < 2:  # no disease subgroup or column that repeats "All patients"
        for name in ("clinical_response_rates", "endoscopic_response_rates", "ae_incidence", "ae_exposure_adjusted",
                     "lab_change_summary"):
            t = pd.read_csv(tables / f"{name}.csv")
            if "by" in t and t["by"].eq("disease").any():
                problems.append(f"{name}: a disease subgroup with one disease analysed")
        if {"UC", "CD"} <= set(pd.read_csv(tables / "regimens.csv").columns):
            problems.append("regimens: a column for the disease not analysed")

    # Kaplan–Meier axes reach the last follow-up they estimate
    for fig, est in (("km_time_on_dtt", "km_time_on_dtt"), ("km_time_to_first_ae", "km_first_ae")):
        t = pd.read_csv(tables / f"{est}.csv")["time"].max()
        ticks = _xticks(figures / f"{fig}.svg")
        if not ticks or max(ticks) < t:
            problems.append(f"{fig}: axis ends at {max(ticks) if ticks else None}, data reach {t:g} months")

    # methods speak of the analysed months only
    months = [float(x) for x in str(params.get("timepoints", "3,6,9")).split(",")]
    text = visible_text(out / "report.html")
    m = re.search(r"Assessments at month ([\d., and]+?);", text)
    said = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", m.group(1))] if m else None
    if said != months:
        problems.append(f"methods assess months {said}, analysed {months}")
    if 9 not in months and "9 months ± 1" in text:
        problems.append("methods discuss month 9, which is not analysed")

    # no raw code or snake_case reaches reader-facing text
    for page in (out / "report.html", out / "index.html"):
        words = visible_text(page)
        # the user's own name for the data (its folder or workbook) is theirs to choose, not a code
        own = {Path(data).stem} if data is not None else set()
        raw = sorted(set(_SNAKE.findall(words)) - ALLOWED_SNAKE - own)
        if raw:
            problems.append(f"{page.name}: raw codes {raw[:8]}")
        for pat in _CODES:
            if pat.search(words):
                problems.append(f"{page.name}: developer notation {pat.pattern!r}")

    # synthetic data say so on every page
    if is_synthetic(data):
        for page in [out / "report.html", out / "index.html", *sorted((out / "html").glob("*.html"))]:
            if "synthetic" not in page.read_text(encoding="utf-8").lower():
                problems.append(f"{page.name}: synthetic data not said")
    problems += _every_file(out, data, params)
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    if prov["parameters"].get("disease") != disease:
        problems.append("provenance names another disease")
    return problems


_PARAM_SYNTAX = re.compile(r"(?:^|\s)-p\s|\b(?:disease|timepoints|window|definition|ci_method|crp_uln|horizon)=")


def _docx_text(path: Path) -> tuple[str, str]:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in doc.sections for p in s.header.paragraphs]
    return "\n".join(parts), str(doc.core_properties.subject or "")


def _xlsx_text(path: Path) -> tuple[str, str]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    heads = [str(ws.oddHeader.center.text or "") for ws in wb.worksheets]
    return "\n".join(cells + heads), str(wb.properties.subject or "")


def _every_file(out: Path, data: Path, params: dict) -> list[str]:
    """The sweep of every output file, not only the HTML report: the data's kind is said in the Word and Excel
    files, every figure's metadata and every per-table Markdown file; no parameter syntax in any table or caption;
    no rate at a month nobody reached; every response count of the tidy table is in the Word and Excel tables."""
    problems = []
    tables, figures = out / "tables", out / "figures"
    docx, docx_subject = _docx_text(tables / "tables.docx")
    xlsx, xlsx_subject = _xlsx_text(tables / "tables.xlsx")
    kind = "synthetic" if is_synthetic(data) else "reconstructed" if data == _reference() else None
    if kind:
        for where, text in (("tables.docx properties", docx_subject), ("tables.xlsx properties", xlsx_subject),
                            ("tables.docx header", docx), ("tables.xlsx header", xlsx)):
            if kind not in text.lower():
                problems.append(f"{where}: the data's kind ({kind}) not said")
        for f in sorted(figures.glob("*.json")):
            if kind not in json.loads(f.read_text(encoding="utf-8")).get("data", "").lower():
                problems.append(f"{f.name}: the data's kind not in the figure's metadata")
        for f in sorted(tables.glob("*.md")):
            if kind not in f.read_text(encoding="utf-8").lower().rsplit("\n", 2)[-2]:
                problems.append(f"{f.name}: the data's kind not said")
    for f in [*sorted(tables.glob("*.md")), *sorted(figures.glob("*.json"))]:
        text = f.read_text(encoding="utf-8")
        if _PARAM_SYNTAX.search(text):
            problems.append(f"{f.name}: parameter syntax in reader text")
    for name in ("clinical_response_rates", "clinical_remission_rates"):
        t = pd.read_csv(tables / f"{name}.csv")
        t = t[t["group"] == "All"]
        for month, g in t.groupby("month"):
            n_obs = g.loc[g["analysis_set"] == "observed", "N"]
            if len(n_obs) and int(n_obs.iloc[0]) == 0 and (g["N"] > 0).any():
                problems.append(f"{name}: a rate at month {month:g}, which nobody reached")
    rates = pd.read_csv(tables / "clinical_response_rates.csv")
    for r in rates[(rates["group"] == "All") & (rates["N"] > 0)].itertuples():
        count = f"{int(r.n)}/{int(r.N)}"
        for where, text in (("tables.docx", docx), ("tables.xlsx", xlsx)):
            if count not in text:
                problems.append(f"{where}: clinical response {count} at month {r.month:g} not found")
    return problems


def _reference() -> Path:
    from conftest import REFERENCE

    return Path(REFERENCE)
