"""Notebook helpers: typed parameters, deterministic saving of tables and figures, stable text for checks.

Notebooks stay thin: a ``parameters`` cell, :func:`params` in the next cell (Papermill's command-line values
arrive as strings), calls into the package, a display, and :func:`save_table` / :func:`save_figure`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .table_specs import check_columns, spec
from ..intake.cohort import load_cohort
from ..parameters import Params, params  # noqa: F401  (the notebooks call report.params; declared in parameters)
from .display import build_display
from .labels import label, level, unreadable_headers
from .render import to_csv, to_html, to_markdown


def _dirs(output_dir) -> tuple[Path, Path] | None:
    if output_dir is None:
        return None
    base = Path(output_dir)
    (base / "tables").mkdir(parents=True, exist_ok=True)
    (base / "figures").mkdir(parents=True, exist_ok=True)
    return base / "tables", base / "figures"


_SEQ = [0]


def _next_seq() -> int:
    """Order of saving within a notebook: the report lists a notebook's tables and figures in this order."""
    _SEQ[0] += 1
    return _SEQ[0]


def _declared(df: pd.DataFrame, name: str, title: str | None, in_report: bool | None, declared: bool = True
              ) -> tuple[str | None, bool]:
    """The title and report placement of a declared table (:mod:`dttstudy.reporting.table_specs`) unless given;
    a tidy table without a promised column is refused. ``declared=False``: a table of another report (the pooled
    multicentre report names its tables in its own way)."""
    if not declared:
        return title, True if in_report is None else in_report
    check_columns(name, df.columns)
    s = spec(name)
    return (title if title is not None else s.title if s else None,
            in_report if in_report is not None else s.in_report if s else True)


def save_table(df: pd.DataFrame, name: str, output_dir, title: str | None = None,
               notes: list[str] | None = None, *, in_report: bool | None = None, display=None,
               declared: bool = True) -> None:
    """Write one table under ``output_dir/tables`` (nothing when ``output_dir`` is None):

    * ``<name>.csv`` — the tidy table, the machine-readable output (spreadsheet formulas neutralised);
    * ``<name>.html``, ``.md``, ``.tex`` — the journal table of :func:`dttstudy.reporting.display.build_display`
      (labels, formats, footnotes; every typed text escaped);
    * ``<name>.json`` — title, notes, its place in the report (``in_report=False`` lists it only as a file) and the
      display table, from which ``report.html``, ``tables.docx`` and ``tables.xlsx`` are assembled.

    ``title`` and ``in_report`` default to the table's declaration (:mod:`dttstudy.reporting.table_specs`).
    Returns nothing, so a notebook cell ending with it displays nothing.
    """
    title, in_report = _declared(df, name, title, in_report, declared)
    dirs = _dirs(output_dir)
    if dirs is None:
        return
    tdir = dirs[0]
    disp = display if display is not None else build_display(name, df, title, notes)
    unreadable = disp.unlabelled + unreadable_headers(disp.columns)
    if unreadable:  # no code reaches a reader: every header comes from the label dictionary
        raise ValueError(f"table {name!r}: header(s) {unreadable} are not in the label dictionary "
                         "(dttstudy.reporting.labels.LABELS)")
    for ext, text in (("csv", to_csv(df)), ("md", disp.to_markdown()), ("html", disp.to_html(standalone=True)),
                      ("tex", disp.to_latex())):
        (tdir / f"{name}.{ext}").write_text(stamped(ext, text, _STAMP[0]), encoding="utf-8")
    meta = {"title": disp.title, "notes": notes or [], "seq": _next_seq(), "in_report": in_report,
            "display": json.loads(disp.to_json())}
    (tdir / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def table(df: pd.DataFrame, name: str, output_dir, title: str | None = None, notes: list[str] | None = None, *,
          in_report: bool | None = None) -> None:
    """Show the journal table of ``df`` in the notebook and save it (:func:`save_table`); ``title`` and
    ``in_report`` default to the table's declaration (:mod:`dttstudy.reporting.table_specs`)."""
    title, in_report = _declared(df, name, title, in_report)
    disp = build_display(name, df, title, notes)
    _display_table(disp)
    save_table(df, name, output_dir, title, notes, in_report=in_report, display=disp)


def _display_table(disp) -> None:
    from IPython.display import display

    display({"text/html": disp.to_html(standalone=False), "text/plain": disp.to_markdown()}, raw=True)


def save_figure(fig, name: str, output_dir, caption: str | None = None) -> None:
    """Write ``figures/<name>.png`` (300 dpi), ``.svg`` (no timestamps, fixed hash salt) and ``.json`` (the
    caption the report prints under the figure). Returns nothing, so a notebook cell ending with it displays
    nothing."""
    dirs = _dirs(output_dir)
    if dirs is None:
        return
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "dttstudy"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: editable, smaller, faster to write
    fdir = dirs[1]
    png, svg = fdir / f"{name}.png", fdir / f"{name}.svg"
    # the figure functions lay themselves out (tight_layout), so no second "tight" rendering pass is needed
    described = {"Description": _STAMP[0]} if _STAMP[0] else {}
    fig.savefig(png, dpi=300, metadata={"Software": None, **described})
    fig.savefig(svg, metadata={"Date": None, "Creator": None, **described})
    meta = {"caption": caption or "", "seq": _next_seq(), **({"data": _STAMP[0]} if _STAMP[0] else {})}
    (fdir / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def figure(fig, name: str, output_dir, caption: str) -> None:
    """Save a figure with its caption; show the figure, then its caption, in the notebook."""
    import html as _html

    import matplotlib.pyplot as plt
    from IPython.display import display

    save_figure(fig, name, output_dir, caption)
    display(fig)
    plt.close(fig)  # shown once, here, not again by the inline backend at the end of the cell
    display({"text/html": f'<p class="dtt-caption"><i>{_html.escape(caption)}</i></p>', "text/plain": caption},
            raw=True)


#: Footnote of every Kaplan–Meier risk table: why at risk + events + censored may exceed the patients left.
RISK_TABLE_NOTES = ["At risk: patients still followed at the month (time ≥ t), including those with an event or "
                    "censored at that very month; events and censored are counted up to and including it."]

DISEASE_NAMES = {"UC": "ulcerative colitis", "CD": "Crohn's disease"}


def population_text(cohort) -> str:
    """The analysed population in words: ``60 patients``, or ``31 patients with Crohn's disease (of 60 in the
    data)`` when the analysis is restricted (the count is always the analysed one)."""
    n = len(cohort.patients)
    sub = cohort.provenance.get("subset") or {}
    disease = sub.get("disease", "all")
    text = f"{n} patient{'s' if n != 1 else ''}"
    if disease in DISEASE_NAMES:
        text += f" with {DISEASE_NAMES[disease]} (of {sub.get('of', n)} in the data)"
    return text


def data_kind(cohort) -> str:
    """What the data are, said on every page: reconstructed reference records, a synthetic cohort, or ''."""
    if cohort.reconstructed:
        return "RECONSTRUCTED reference data, not patient records"
    if cohort.provenance.get("synthetic"):
        return "SYNTHETIC data made by dttstudy synth, not patient records"
    return ""


def data_stamp(cohort) -> str:
    """What the data are, as every output file says it: the reconstructed reference cohort, a synthetic cohort, or
    the centre's own data by name."""
    if cohort.reconstructed:
        return "Reconstructed reference cohort (Wang et al. 2025) — not patient data"
    if cohort.provenance.get("synthetic"):
        return f"Synthetic cohort ({cohort.label}) — not patient data"
    return f"Data: {cohort.label}"


#: What the data of this notebook's outputs are (set by :func:`load`; written into every figure's metadata and
#: every per-table file but the CSV, which stays a plain data file).
_STAMP = [""]


def stamped(ext: str, text: str, stamp: str) -> str:
    """``text`` of a per-table file with what the data are said in the format's own way: a last paragraph in
    Markdown and HTML (escaped), a comment line heading the LaTeX source; CSV and an empty stamp unchanged."""
    import html as _html

    if not stamp or ext == "csv":
        return text
    stamp = stamp.removeprefix("Data: ")
    if ext == "md":
        safe = "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in stamp)
        return text.rstrip("\n") + f"\n\nData: {safe}\n"
    if ext == "html":
        return text.replace("\n</body>", f'\n<p class="dtt-stamp">Data: {_html.escape(stamp)}</p>\n</body>', 1)
    if ext == "tex":
        return f"% Data: {' '.join(stamp.split())}\n" + text
    return text


def graded(cohort, p) -> bool:
    """Whether the published numbers are a check of this analysis: the reconstructed reference cohort, all of its
    patients, with the paper's outcome definition and CRP limit. Any other population or reading is compared with
    the paper, not graded against it (a subset describes other patients than the paper's)."""
    subset = (cohort.provenance.get("subset") or {}).get("disease", "all")
    return bool(cohort.reconstructed and subset == "all" and p.definition == "paper" and p.crp_uln == 5.0)


def cohort_banner(cohort) -> str:
    """One line naming the data and the analysed population; reconstructed and synthetic data are always
    flagged."""
    kind = data_kind(cohort)
    note = f" — {kind}" if kind else ""
    return f"Data: {cohort.label}{note}; {population_text(cohort)}"


def compared(cohort, *variables: str) -> list[str]:
    """The patient variables (``disease``, ``regimen``) that split the analysed patients into two or more
    groups: a subgroup row or column is shown only where there is something to compare (``-p disease=CD``
    leaves no disease subgroup beside "All patients")."""
    subjects = cohort.subjects()
    return [v for v in variables if subjects[v].dropna().nunique() >= 2]


def rates_text(rates: pd.DataFrame) -> str:
    """Stable plain text of a rate table (for output-checked notebook cells), one line per row in words:
    "Clinical response, observed cases, month 3, all patients: 15/17 (88.2%; 95% CI 63.6–98.5, Clopper–Pearson
    exact)"; a subgroup is named by its variable and level ("disease UC"); a pooled cell some centre withheld
    reads "withheld by C1, C2"."""
    lines = []
    for r in rates.itertuples():
        month = f"{r.month:g}" if isinstance(r.month, (int, float)) else str(r.month)
        group = "all patients" if r.by == r.group == "All" else f"{label(r.by, strict=False).lower()} {level(r.group)}"
        head = f"{label(r.endpoint, strict=False)}, {level(r.analysis_set).lower()}, month {month}, {group}: "
        if pd.isna(r.N):  # a pooled cell that some centre withheld
            lines.append(head + f"withheld by {r.withheld_centres}")
            continue
        pct = "not evaluable" if r.N == 0 else f"{r.pct:.1f}%; 95% CI {r.ci_low:.1f}–{r.ci_high:.1f}"
        lines.append(head + f"{int(r.n)}/{int(r.N)} ({pct}, {r.ci_method})")
    return "\n".join(lines)


def show(df: pd.DataFrame, title: str | None = None, notes: list[str] | None = None) -> None:
    """Display a table: escaped HTML for JupyterLab and the rendered pages (text typed into a cell is shown, never
    run), Markdown as the plain-text fallback."""
    from IPython.display import display

    display({"text/html": to_html(df, title, notes, table_id="shown"),
             "text/plain": to_markdown(df, title, notes)}, raw=True)


def load(p: Params):
    """The notebooks' cohort: loaded (unknown-column warnings left to `dttstudy validate`), filtered to
    ``p.disease``, announced with :func:`cohort_banner`."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cohort = load_cohort(p.data_path).filter(disease=p.disease)
    _STAMP[0] = data_stamp(cohort)
    print(cohort_banner(cohort))
    return cohort
