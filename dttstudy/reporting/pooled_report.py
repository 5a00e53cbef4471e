"""The pooled multicentre report folder: tables (CSV, Markdown, HTML, LaTeX, Word, Excel), figures, report.html,
index.html, provenance and the manifest, written from a :class:`dttstudy.synthesis.multicentre.pooling.PooledAnalysis`.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from html import escape
from pathlib import Path

import numpy as np

from ..concepts import ENDPOINTS
from .. import __version__
from ..synthesis.multicentre.export import _fmt
from ..synthesis.multicentre.pooling import PooledAnalysis
from . import report
from .display import build_display
from .documents import write_docx, write_xlsx
from .figures.multicentre import forest_by_centre, km_life_table_plot
from .outputs import MANIFEST, TargetError, check_target, resolve, swap_in, write_manifest
from .report import save_figure, save_table
from .report_html import write_pooled_report as _document


#: Display names where a tidy column's name means something else in the label dictionary.
_SHOWN_AS = {"table1_counts": {"level": "category"}}


def write_pooled_report(res: PooledAnalysis, out) -> list[Path]:
    """Write the pooled tables (CSV, MD, HTML, LaTeX; the report's tables in ``tables.docx``, all of them in
    ``tables.xlsx``), figures (PNG, SVG), ``report.html`` (the same document form as a single cohort's),
    ``index.html``, ``provenance.json`` and the manifest to
    ``out``. ``out`` follows the rules of a single cohort's report folder
    (:func:`dttstudy.reporting.outputs.check_target`): an existing folder is replaced only when the package wrote
    it and it holds nothing else; the report is built in a sibling folder and swapped in when complete."""
    try:
        out = resolve(out, "--out")
        check_target(out, None, reference=False)
    except TargetError as err:
        raise FileExistsError(f"not written by dttstudy as it stands: {err}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pooling-", dir=out.parent))
    try:
        report._SEQ[0] = 0  # the order numbers saved with each table restart, so the report is byte-identical
        entries = []  # (kind, name, title)

        displays = []

        def table(df, name, title, notes=None, like=None):
            shown = df
            if like is None and "complete" in df:  # the pooled-cell rule said once under each table it touches
                hidden = ["complete"] + (["contributing_centres"] if res.partial == "withhold" else [])
                shown = df.drop(columns=hidden, errors="ignore").rename(
                    columns=_SHOWN_AS.get(name, {}))
                notes = list(notes or []) + _pooled_cell_notes(df, res.partial)
            disp = build_display(name, shown, title, notes, like=like)
            save_table(df, name, tmp, title, notes, display=disp, declared=False)
            displays.append(disp)
            entries.append(("table", name, title))

        def figure(fig, name, title):
            import matplotlib.pyplot as plt

            save_figure(fig, name, tmp, title)
            plt.close(fig)
            entries.append(("figure", name, title))

        note = [res.summary_text()]
        r = res.rates_
        for e in ENDPOINTS:
            table(r[r["endpoint"] == e.name].reset_index(drop=True), f"{e.name}_rates", f"Pooled {e.lower}", note,
                  like="multicentre_clinical_response")
        table(res.heterogeneity_, "response_heterogeneity", "Between-centre heterogeneity (all patients)",
              like="multicentre_demo_heterogeneity")
        table(res.centre_rates_, "centre_response_rates", "Response by centre (all patients)")
        table(res.ae_incidence_, "ae_incidence", "Patients with at least one treatment-emergent AE (pooled)")
        table(res.ae_terms_, "ae_terms", "Treatment-emergent AEs by term (pooled)")
        table(res.exposure_, "ae_exposure_adjusted", "Exposure-adjusted AE rates per 100 patient-years (pooled)")
        for pname, fname, ylabel in (("time to first TEAE", "km_first_ae_pooled", "Probability free of AE"),
                                     ("time on DTT", "km_time_on_dtt_pooled", "Probability still on DTT")):
            km = res.km_[pname]
            exact = res.parameters["event_times"]
            title = f"Pooled {'Kaplan–Meier' if exact else 'actuarial life table (monthly)'}: {pname}"
            table(km, fname, title)
            figure(km_life_table_plot(km, title, ylabel, "time" if exact else "start",
                                      res.km_withheld_[pname]), fname, title)
        table(res.labs_, "lab_changes", "Lab change from baseline (pooled)")
        table(res.table1_, "table1_counts", "Baseline characteristics: counts (pooled)")
        table(res.table1_continuous_, "table1_continuous", "Baseline characteristics: mean (SD) (pooled)")
        table(res.centres_, "centres", "Centres")
        table(res.withheld_, "withheld_cells", "Values withheld by the centres' disclosure control")
        cr = res.centre_rates_
        for h in res.heterogeneity_.itertuples():
            if h.analysis_set != "observed":
                continue
            sel = cr[(cr["endpoint"] == h.endpoint) & (cr["analysis_set"] == h.analysis_set) &
                     (cr["month"] == h.month) & (cr["N"] > 0)]
            if not len(sel):
                continue
            pr = r[(r["endpoint"] == h.endpoint) & (r["analysis_set"] == h.analysis_set) & (r["month"] == h.month)
                   & (r["group"] == "All")].iloc[0]
            het = dict(h._asdict())
            het["pooled"] = {k: pr[k] for k in ("n", "N", "pct", "ci_low", "ci_high", "withheld_centres")}
            het.setdefault("re_pct", np.nan)
            name = f"forest_{h.endpoint}_m{_fmt(h.month)}"
            title = f"{h.endpoint.replace('_', ' ').capitalize()}, month {_fmt(h.month)} (observed cases)"
            figure(forest_by_centre(sel, het, title), name, title)
        file_only = {"withheld_cells", "km_first_ae_pooled", "km_time_on_dtt_pooled", "lab_changes"}
        in_report = {n for k, n, _ in entries if k == "table" and n not in file_only}
        stamp = f"Pooled from the aggregate summaries of {len(res.centres_)} centre(s) — no patient-level data"
        write_docx([d for d in displays if d.name in in_report], tmp / "tables" / "tables.docx",
                   title="Pooled multicentre tables", stamp=stamp)
        write_xlsx(displays, tmp / "tables" / "tables.xlsx", stamp=stamp)
        _document(tmp, res, entries, in_report)
        entries += [("document", "report.html", "The pooled report (report.html)"),
                    ("document", "tables/tables.docx", "All tables (Word)"),
                    ("document", "tables/tables.xlsx", "All tables (Excel, one sheet per table)")]
        (tmp / "index.html").write_text(_index_html(res, entries), encoding="utf-8")
        prov = {"package_version": res.package_version, "parameters": res.parameters,
                "centres": res.centres_.to_dict(orient="records")}
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=1, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        write_manifest(tmp, __version__)
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != MANIFEST)
        swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return [out / f for f in files] + [out / MANIFEST]


def _index_html(res: PooledAnalysis, entries) -> str:
    prm = json.dumps(res.parameters, ensure_ascii=False, sort_keys=True)
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Pooled multicentre report</title></head><body>", "<h1>Pooled multicentre report</h1>",
             f"<p>{escape(res.summary_text())}</p>", "<h2>Centres</h2><ul>"]
    for c in res.centres_.itertuples():
        lines.append(f"<li>{escape(str(c.centre))}: minimum cell count {int(c.min_cell)}, "
                     f"{int(c.cells_withheld)} cell(s) withheld</li>")
    lines += ["</ul>", "<h2>Tables</h2><ul>"]
    for kind, name, title in entries:
        if kind == "table":
            n = escape(name)
            lines.append(f'<li><a href="tables/{n}.html">{escape(title)}</a> (<a href="tables/{n}.csv">CSV</a>)</li>')
    lines += ["</ul>", "<h2>Figures</h2><ul>"]
    for kind, name, title in entries:
        if kind == "figure":
            n = escape(name)
            lines.append(f'<li><a href="figures/{n}.svg">{escape(title)}</a> (<a href="figures/{n}.png">PNG</a>)</li>')
    lines += ["</ul>", "<h2>Documents</h2><ul>"]
    for kind, name, title in entries:
        if kind == "document":
            lines.append(f'<li><a href="{escape(name)}">{escape(title)}</a></li>')
    lines += ["</ul>", f"<h2>Parameters</h2><pre>{escape(prm)}</pre>", "</body></html>", ""]
    return "\n".join(lines)


def _pooled_cell_notes(df, partial: str) -> list[str]:
    """What the pooled-cell rule did in this table, in words (nothing when every cell is over all centres)."""
    if df["complete"].all():
        return []
    grouped = "by" in df and df["by"].ne("All").any()
    if partial == "withhold":
        out = ["A cell reading \"withheld by …\", or a row naming centres withholding, has no figure: those "
               "centres withheld the cell (below the minimum cell count, or recoverable from published totals), so "
               "no figure over all centres exists."]
        if grouped:
            out.append("The groups given therefore need not add up to All.")
    else:
        out = ["A row marked \"only …\", or naming centres withholding, is the sum over the centres named only, "
               "not a figure over all centres (pool --partial show)."]
        if grouped:
            out.append("Such group rows need not add up to All.")
    return [" ".join(out)]
