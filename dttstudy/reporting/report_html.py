"""``report.html``: one self-contained document a clinician reads top to bottom, and ``index.html``, the front page.

The document has a title, a data banner, a table of contents, Methods written from the parameters actually used,
Results (every table and figure the notebooks saved, numbered and captioned, in the notebooks' order) and, for the
bundled reference cohort only, the reproduction of the published numbers with a verdict per number; for any other
cohort the published numbers stand beside this cohort's without verdicts. Every count in the text is computed
from the data or from the tables of this run. Every typed text is escaped; figures are embedded as images
(``<img>`` with SVG data), so nothing inside them can run. A print stylesheet makes Print → PDF a clean document.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from ..analysis.outcomes import overlapping_windows
from ..analysis.stats import CI_METHODS
from ..concepts import labs_title
from .display import DisplayTable
from .documents import numbered
from .report import data_stamp, population_text

E = html.escape

#: Section heading of each notebook's tables and figures in the report (others use the notebook name).
SECTIONS = {
    "01_cohort": "Patients",
    "02_treatment": "Treatment",
    "03_response": "Clinical and endoscopic response",
    "05_safety": "Adverse events",
    "06_reproduction": "Published numbers",
    "07_literature": "This cohort beside published DTT cohorts",
    "08_multicentre": "Centres pooled from aggregate results",
}

CSS = """
:root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--accent:#0b5394}
*{box-sizing:border-box}
body{font-family:Georgia,'Times New Roman',serif;color:var(--ink);max-width:1260px;margin:0 auto;padding:24px 28px 60px;
 line-height:1.5;font-size:16px;background:#fff}
h1{font-size:1.7em;line-height:1.25;margin:.2em 0 .3em}
h2{font-size:1.3em;margin:2em 0 .5em;padding-top:.4em;border-top:2px solid var(--ink)}
h3{font-size:1.05em;margin:1.6em 0 .4em}
p,li{max-width:46em}
.sub{color:var(--muted);margin:0 0 1em}
.banner{border-left:5px solid #b45f06;background:#fdf3e7;padding:10px 14px;margin:1em 0}
.banner.own{border-left-color:var(--accent);background:#eef4fa}
nav.toc{border:1px solid var(--rule);padding:10px 18px;margin:1.2em 0;max-width:46em;font-family:Arial,Helvetica,sans-serif;
 font-size:.92em}
nav.toc ol{margin:.3em 0;padding-left:1.4em} nav.toc a{color:var(--accent);text-decoration:none}
figure{margin:1.4em 0 2em;page-break-inside:avoid}
figure img{max-width:min(100%,940px);height:auto;display:block;border:1px solid #eee}
figcaption,.tcap{font-family:Arial,Helvetica,sans-serif;font-size:.9em;color:#222;margin-top:.4em;max-width:56em}
.tablewrap{overflow-x:auto;margin:1em 0 2em;font-family:Arial,Helvetica,sans-serif}
.tablewrap .gt_table{margin-left:0!important}
dl.keys{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1.2em;font-family:Arial,Helvetica,sans-serif;
 font-size:.95em} dl.keys dt{font-weight:bold} dl.keys dd{margin:0}
.files{font-family:Arial,Helvetica,sans-serif;font-size:.9em;columns:2}
footer{margin-top:3em;border-top:1px solid var(--rule);padding-top:.6em;color:var(--muted);font-size:.85em}
@media print{
 body{max-width:none;padding:0;font-size:10.5pt}
 nav.toc{page-break-after:always;border:none}
 h2{page-break-before:always;border-top:none} h2.first{page-break-before:avoid}
 h2,h3,h4{break-after:avoid;page-break-after:avoid;break-inside:avoid}
 figure,.tablewrap{page-break-inside:avoid;overflow:visible}
 a{color:inherit;text-decoration:none}
 .noprint{display:none}
 @page{size:A4;margin:18mm 16mm}
}
"""


# --------------------------------------------------------------------------------------------------------------
# what the notebooks saved
# --------------------------------------------------------------------------------------------------------------

def section_title(notebook: str, cohort) -> str:
    """A notebook's section heading; the labs section names the markers the cohort records."""
    if notebook == "04_labs":
        return labs_title(cohort.labs)
    return SECTIONS.get(notebook, notebook)


def saved_items(out: Path, outputs: dict[str, list[str]], order: list[str]) -> list[tuple[str, list[dict]]]:
    """[(notebook, [item, …])] in notebook order; within a notebook in the order it saved them. An item is
    ``{"kind": "table"|"figure", "name", "meta"}``."""
    sections = []
    for nb in order:
        items = []
        for f in outputs.get(nb, []):
            path = out / f
            if path.suffix != ".json":
                continue
            meta = json.loads(path.read_text(encoding="utf-8"))
            if f.startswith("tables/") and "display" in meta:
                items.append({"kind": "table", "name": path.stem, "meta": meta})
            elif f.startswith("figures/"):
                items.append({"kind": "figure", "name": path.stem, "meta": meta})
        items.sort(key=lambda it: it["meta"].get("seq", 0))
        if items:
            sections.append((nb, items))
    return sections


def numbered_tables(sections) -> list[DisplayTable]:
    """The report's tables in report order, numbered 1, 2, … (the same numbers in report.html and tables.docx)."""
    return numbered([DisplayTable.from_json(json.dumps(it["meta"]["display"])) for _, items in sections
                     for it in items if it["kind"] == "table" and it["meta"].get("in_report", True)])


# --------------------------------------------------------------------------------------------------------------
# text from the data
# --------------------------------------------------------------------------------------------------------------

def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "not evaluable"


def _read(out: Path, name: str) -> pd.DataFrame | None:
    f = out / "tables" / f"{name}.csv"
    return pd.read_csv(f, keep_default_na=False, na_values=[""]) if f.is_file() else None


def _months(ms) -> str:
    ms = [f"{m:g}" for m in ms]
    return ms[0] if len(ms) == 1 else ", ".join(ms[:-1]) + " and " + ms[-1]


def cohort_paragraph(cohort, out: Path) -> str:
    """Who was treated, for how long, and the headline results, every count from the data of this run."""
    s = cohort.subjects()
    n = len(s)
    dis = s["disease"].value_counts()
    centres = s["center"].nunique()
    regimens = s["regimen"].value_counts()
    stopped = int((s["status"] == "discontinued").sum())
    if len(dis) == 1:
        who = E(population_text(cohort))
    else:
        who = (f"{n} patients ({int(dis.get('UC', 0))} with ulcerative colitis, {int(dis.get('CD', 0))} with "
               f"Crohn's disease)")
    if not n:
        return "No patient is analysed."
    parts = [f"{who} from {centres} centre{'s' if centres != 1 else ''} received dual-targeted "
             f"therapy with {len(regimens)} different combination{'s' if len(regimens) != 1 else ''}; the most "
             f"frequent was {E(regimens.index[0])} ({int(regimens.iloc[0])} patients). DTT lasted a median of "
             f"{s['dtt_months'].median():g} months (range {s['dtt_months'].min():g}–{s['dtt_months'].max():g}); "
             f"{stopped} patient{'s' if stopped != 1 else ''} stopped it during follow-up."]
    r = _read(out, "clinical_response_rates")
    if r is not None:
        obs = r[(r["group"] == "All") & (r["analysis_set"] == "observed")]
        if len(obs):
            txt = "; ".join(f"{_pct(int(x.n), int(x.N))} at {x.month:g} months" for x in obs.itertuples())
            parts.append(f"Clinical response among evaluable patients (observed cases): {txt}.")
        nri = r[(r["group"] == "All") & (r["analysis_set"] == "nri")]
        if len(nri):
            txt = "; ".join(f"{_pct(int(x.n), int(x.N))} at {x.month:g} months" for x in nri.itertuples())
            parts.append(f"Counting patients who stopped DTT for no response or an adverse event as non-responders: "
                         f"{txt}.")
    e = _read(out, "endoscopic_response_rates")
    if e is not None:
        eo = e[(e["group"] == "All") & (e["analysis_set"] == "observed")]
        if len(eo):
            x = eo.iloc[0]
            parts.append(f"Endoscopic response: {_pct(int(x['n']), int(x['N']))} of patients with a baseline and a "
                         f"follow-up endoscopy.")
    ae = cohort.adverse_events
    parts.append(f"{len(ae)} adverse event{'s' if len(ae) != 1 else ''} were recorded in "
                 f"{ae['patient_id'].nunique()} patient{'s' if ae['patient_id'].nunique() != 1 else ''}, "
                 f"{int(ae['serious'].astype(bool).sum())} of them serious.")
    return " ".join(parts)


def _window_source(p) -> str:
    """Where the visit windows come from; the paper's silence on month 9 is named only when month 9 is analysed;
    overlapping windows are named with the rule that assigns a visit to one month."""
    if p.window:
        overlap = overlapping_windows(p.windows)
        rule = ("; the windows of months " + ", ".join(f"{a:g} and {b:g}" for a, b in overlap) + " overlap: a "
                "visit in both counts at the month it is closer to (the earlier one on a tie), never at two"
                if overlap else "")
        return "; one half-width for every month, set with -p window" + rule
    return ", the windows of the paper" + ("; 9 months ± 1 is an assumption, the paper gives none"
                                           if 9 in p.timepoints else "")


def methods(p, cohort) -> list[tuple[str, str]]:
    """Methods paragraphs written from the parameters actually used: [(heading, html paragraph)]."""
    win = p.windows
    windows = "; ".join(f"month {m:g} ± {w:g}" for m, w in win.items())
    uln = f"{p.crp_uln:g} mg/L"
    definition = (
        "Clinical response followed the paper's definitions. Ulcerative colitis: a fall in the partial Mayo score "
        "of at least 3 points and at least 30% from baseline, with a fall in the rectal-bleeding subscore of at "
        "least 1 or a bleeding subscore of at most 1. Crohn's disease: a fall in the Harvey–Bradshaw Index (HBI) "
        f"of at least 3 points; for a baseline HBI of 4 or less, normalisation of CRP (from above to at or below "
        f"{uln}) or a fall of at least 2 Limberg grades." if p.definition == "paper" else
        "Clinical response used the simpler definition (sensitivity analysis): Crohn's disease, a fall in HBI of at "
        "least 3 points; ulcerative colitis, a fall in the partial Mayo score of at least 50%.")
    out = [
        ("Patients", f"Analysis of {E(cohort.label)}: {E(population_text(cohort))}"
         + ". Time is counted in months since the start of DTT; patients are identified by study number only."),
        ("Outcomes", definition + " Endoscopic response: a fall in SES-CD of more than 50% (Crohn's disease) or in "
         "the Mayo endoscopic subscore of at least 1 (ulcerative colitis), last endoscopy within "
         f"{max(p.timepoints):g} months against baseline. Clinical remission (additional endpoint): HBI below 5; "
         "partial Mayo score of 2 or less with a bleeding subscore of 0. All flags are derived from the recorded "
         "scores, never entered."),
        ("Visits", f"Assessments at month {_months(p.timepoints)}; the visit closest to the target month within "
         f"its window counts ({windows} months{_window_source(p)}). "
         "A patient without a visit in the window, or without the scores at baseline and follow-up, is not "
         "evaluable at that month."),
        ("Analysis sets", "Observed cases: evaluable patients at each month (as the paper reports). Non-responder "
         "imputation: in addition, patients who stopped DTT for no response or an adverse event count as "
         "non-responders at later months."),
        ("Statistics", f"Proportions with {CI_METHODS.get(p.ci_method, p.ci_method)} 95% confidence intervals. "
         "Baseline comparisons between diseases: Fisher's exact test for 2 × 2 tables and the "
         "Fisher–Freeman–Halton exact test for larger tables when any expected count is below 5 (otherwise "
         "Pearson's chi-square); Mann–Whitney U test for continuous variables (exact below 50 observations "
         "without ties, as R's wilcox.test). "
         f"Paired change in {labs_title(cohort.labs)}: Wilcoxon signed-rank test "
         "with the same rule. Groups with fewer than 2 patients are not tested. Each table names its test in a footnote."),
        ("Safety", "Treatment-emergent adverse events: onset from DTT start to the end of the DTT course. Incidence: "
         "patients with at least one event over all patients. Exposure-adjusted incidence and event rates per 100 "
         "patient-years with exact (Garwood) Poisson intervals. Time to the first event: Kaplan–Meier estimate "
         "with log-log confidence intervals, censored at the end of DTT; groups compared with the log-rank test. "
         "Cumulative incidence with stopping DTT for another reason as a competing event (Aalen–Johansen) with "
         "pointwise intervals as R's survfit."),
    ]
    method = (p.extra or {}).get("method", "GLMM")
    model = ("a binomial–normal random-effects model (generalised linear mixed model, maximum likelihood with "
             "adaptive Gauss–Hermite quadrature; no continuity correction), with confidence and prediction "
             "intervals from the t distribution with k − 1 degrees of freedom, as recommended for few studies, and "
             "a profile-likelihood interval for τ². The pooled proportion is the conditional one (the median "
             "study's); the population-averaged proportion is given beside it" if method == "GLMM" else
             f"an inverse-variance random-effects model on the logit scale ({E(method)} estimate of τ²)")
    out.append(("Published cohorts", f"Proportions reported by published DTT cohorts were pooled with {model}. "
                "Where no event occurred, or a pool has a single study, no model is fitted and the count is given "
                "with its exact interval. Arms of one study enter as one study; coding rules written once "
                "(refractory disease, mixed indication, denominators, how each count was obtained) decide which "
                "rows enter the main pool, overlapping cohorts are kept out by a written rule, and a sensitivity "
                "table reports the alternatives, including enrolled denominators and printed counts only. This "
                "cohort is not compared with the pooled percentage but placed by a predictive check: the "
                "probability that a new study of its size would show its result or more under the pooled "
                "predictive distribution. Timepoints (weeks to years) and outcome definitions differ between "
                "studies and are listed per study. No published multi-study pooled figure could be reproduced "
                "(no available source prints its per-study counts); a reconstruction from candidate primary studies "
                "is shown beside one, labelled as such."))
    out.append(("Reporting bias", "The published cohorts are mostly retrospective single-centre case series, "
                "several known only from abstracts, letters or a review table. Series in which a combination "
                "worked are more likely to be published, and small series report their most favourable outcomes; "
                "with 2–6 small studies per outcome, funnel-plot tests are uninformative and were not done. The "
                "pooled proportions are read as the range of what is reported, not as the expected effect; the "
                "prediction intervals describe what a new cohort may show."))
    return out


# --------------------------------------------------------------------------------------------------------------
# the document
# --------------------------------------------------------------------------------------------------------------

def _figure_html(out: Path, name: str, caption: str, number: int) -> str:
    svg = out / "figures" / f"{name}.svg"
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.read_bytes()).decode("ascii")
    return (f'<figure id="fig-{E(name)}"><img src="{src}" alt="{E(caption or name)}">'
            f"<figcaption><b>Figure {number}.</b> {E(caption)}</figcaption></figure>")


def _banner(cohort) -> str:
    n = len(cohort.patients)
    sub = (cohort.provenance.get("subset") or {})
    if cohort.reconstructed and sub.get("disease", "all") != "all":
        return ('<p class="banner"><b>Reconstructed reference cohort — not patient data.</b> Analysed here: '
                f"{E(population_text(cohort))}. The {sub.get('of', n)} records were built so that the definitions "
                "of Wang et al., Front Med 2025, reproduce the numbers the paper prints for all of them; this "
                "subset is compared with those numbers, not checked against them.</p>")
    if cohort.reconstructed:
        return ('<p class="banner"><b>Reconstructed reference cohort — not patient data.</b> The '
                f"{n} records were built so that the definitions of Wang et al., Front Med 2025, applied to raw "
                "scores and events, reproduce the numbers the paper prints. Where the paper contradicts itself the "
                "reconstruction gives a number up; the reproduction section lists each.</p>")
    if cohort.provenance.get("synthetic"):
        return ('<p class="banner"><b>Synthetic cohort — not patient data.</b> '
                f"{E(cohort.label)}: {E(population_text(cohort))}, made up by dttstudy synth from fixed "
                "distributions to try the pipeline; no number here describes a patient.</p>")
    readings = cohort.provenance.get("readings") or []
    read = ""
    if readings:
        cells = sum(int(r.get("count") or 1) for r in readings)
        rules = sorted({str(r.get("rule")) for r in readings})
        read = (f" Loading read {cells} value{'s' if cells != 1 else ''} written in another unambiguous spelling "
                f"({E(', '.join(rules))}); each reading is listed in provenance.json.")
    return (f'<p class="banner own"><b>Data: {E(cohort.label)}</b> — {E(population_text(cohort))}, validated '
            f"against the dttstudy data contract. Results describe these data only.{read}</p>")


def _reproduction(out: Path, cohort) -> tuple[str, str]:
    """(heading, html) of the published-numbers section: verdicts for the reference cohort only."""
    d = _read(out, "paper_check")
    if d is None:
        d = _read(out, "beside_wang2025")
    if d is None:
        return "", ""
    if "status" in d.columns:
        counts = d["status"].value_counts()
        summary = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in ("match", "rounding", "conflict", "mismatch"))
        return ("Reproduction of the published numbers",
                f"<p>Each number printed in Wang et al. 2025 beside the number computed from the reconstructed "
                f"cohort ({len(d)} numbers: {E(summary)}). <i>Rounding</i>: equal after the paper's rounding; "
                f"<i>conflict</i>: the paper contradicts itself and the cohort keeps the other reading (see "
                f"data/reference/README.md).</p>")
    if cohort.reconstructed:
        return ("The reference cohort's analysis beside Wang et al. 2025",
                f"<p>The numbers printed by Wang et al. 2025 beside the same quantities computed in this analysis "
                f"({len(d)} numbers): {E(population_text(cohort))}, with the parameters given under Methods. The "
                f"paper's numbers describe all its patients with its own definitions: the table compares, it does "
                f"not check.</p>")
    return ("This cohort beside Wang et al. 2025",
            f"<p>The numbers printed by Wang et al. 2025 beside the same quantities computed from these data "
            f"({len(d)} numbers). They describe different patients: the table compares, it does not check.</p>")


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal: only letters, digits and plain punctuation pass; anything else is a CSS
    escape, so no typed text can close the string or the style block."""
    return '"' + "".join(c if c.isalnum() or c in " ,.;:()'-" else f"\\{ord(c):x} " for c in text) + '"'


def print_stamp_css(stamp: str) -> str:
    """A printed page's header naming the data (every page, in browsers with page-margin boxes)."""
    return ("@page{@top-center{content:" + _css_string(stamp) + ";font:8pt sans-serif;color:#444}}"
            if stamp else "")


def _write_page(path: Path, title: str, parts: list[str], footer: str, stamp: str = "") -> Path:
    """One self-contained report page: head (title, the report stylesheet), ``parts``, the footer; ``stamp``
    (what the data are) heads every printed page."""
    page = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{E(title)}</title>", f"<style>{CSS}{print_stamp_css(stamp)}</style>\n</head>\n<body>", *parts,
            f"<footer>{footer}</footer>", "</body>\n</html>\n"]
    path.write_text("\n".join(page), encoding="utf-8")
    return path


def write_report(out: Path, cohort, p, outputs: dict[str, list[str]], order: list[str], provenance: dict) -> Path:
    """Write ``out/report.html`` from the tables and figures of this run."""
    sections = saved_items(out, outputs, order)
    tables = {t.name: t for t in numbered_tables(sections)}
    parts = ["<h1>Dual-targeted therapy in refractory inflammatory bowel disease</h1>",
             f'<p class="sub">Study report generated by dttstudy {E(provenance["package"]["version"])} '
             f"from {E(cohort.label)}</p>", _banner(cohort)]
    toc = ['<nav class="toc"><b>Contents</b><ol><li><a href="#summary">Summary</a></li>',
           '<li><a href="#methods">Methods</a></li><li><a href="#results">Results</a><ol>']
    body = [f'<h2 id="summary" class="first">Summary</h2><p>{cohort_paragraph(cohort, out)}</p>',
            '<h2 id="methods">Methods</h2>']
    for head, text in methods(p, cohort):
        body.append(f"<h3>{E(head)}</h3><p>{text}</p>")
    body.append('<h2 id="results">Results</h2>')
    fig_no = 0
    other_files = []
    repro_head, repro_html = _reproduction(out, cohort)
    for nb, items in sections:
        title = section_title(nb, cohort)
        if nb == "06_reproduction" and repro_head:
            title = repro_head
        sid = f"sec-{nb}"
        toc.append(f'<li><a href="#{sid}">{E(title)}</a></li>')
        body.append(f'<h3 id="{sid}" style="font-size:1.15em">{E(title)}</h3>')
        if nb == "06_reproduction" and repro_html:
            body.append(repro_html)
        for it in items:
            if it["kind"] == "figure":
                fig_no += 1
                body.append(_figure_html(out, it["name"], it["meta"].get("caption", ""), fig_no))
            elif it["name"] in tables:
                t = tables[it["name"]]
                quoted = it["name"] == "beside_wang2025"  # the paper's own statements, quoted
                body.append(("<!-- quoted -->" if quoted else "")
                            + f'<div class="tablewrap" id="tab-{E(t.name)}">{t.to_html(standalone=False)}</div>'
                            + ("<!-- /quoted -->" if quoted else ""))
            else:
                other_files.append(it)
    toc.append('</ol></li><li><a href="#files">Files and provenance</a></li></ol></nav>')
    body.append('<h2 id="files">Files and provenance</h2>')
    body.append("<p>Every table is also in <a href=\"tables/tables.docx\">tables.docx</a> (Word, numbered as "
                "here) and <a href=\"tables/tables.xlsx\">tables.xlsx</a>; the machine-readable tidy tables are the "
                "CSV files in <code>tables/</code>; figures are in <code>figures/</code> as PNG (300 dpi) and "
                "SVG.</p>")
    if other_files:
        body.append("<p>Listings kept as files only:</p><ul class=\"files\">" + "".join(
            f'<li><a href="tables/{E(it["name"])}.html">{E(it["meta"].get("title") or it["name"])}</a></li>'
            for it in other_files) + "</ul>")
    data = provenance["data"]
    body.append(f"<p>Input data: <code>{E(str(data.get('source')))}</code> ({E(str(data.get('format')))}); "
                f"package source sha256 <code>{E(provenance['package']['source_sha256'][:16])}…</code>; full "
                f'record in <a href="provenance.json">provenance.json</a>.</p>')
    return _write_page(out / "report.html", "Dual-targeted therapy in refractory IBD — study report",
                       parts + toc + body, 'dttstudy — reproducible analysis of dual-targeted therapy. '
                       '<a class="noprint" href="index.html">Front page</a>', stamp=data_stamp(cohort))


def write_pooled_report(out: Path, res, entries: list[tuple[str, str, str]], report_tables: set[str]) -> Path:
    """``out/report.html`` of a pooled multicentre analysis: the same document form as a single cohort's — title,
    banner, contents, methods, numbered tables and figures — from the tables and figures in ``out`` listed in
    ``entries`` (kind, name, title); tables not in ``report_tables`` are linked as files only."""
    centres = res.centres_
    k = len(centres)
    withheld = int(centres["cells_withheld"].sum()) if "cells_withheld" in centres else 0
    thresholds = sorted({int(x) for x in centres["min_cell"]}) if "min_cell" in centres else []
    parts = ["<h1>Dual-targeted therapy in refractory inflammatory bowel disease — pooled multicentre analysis</h1>",
             f'<p class="sub">Pooled by dttstudy {E(str(res.package_version))} from the aggregate summaries of '
             f"{k} centre{'s' if k != 1 else ''}</p>",
             f'<p class="banner own"><b>Pooled from aggregate summaries — no patient records left the centres.</b> '
             f"Centres: {E(', '.join(str(c) for c in centres['centre']))}; minimum cell count "
             f"{E(', '.join(str(t) for t in thresholds) or 'not recorded')}; {withheld} value"
             f"{'s' if withheld != 1 else ''} withheld by the centres' disclosure control (listed in "
             f'<a href="tables/withheld_cells.csv">withheld_cells.csv</a>).</p>']
    toc = ['<nav class="toc"><b>Contents</b><ol><li><a href="#summary">Summary</a></li>',
           '<li><a href="#methods">Methods</a></li><li><a href="#results">Results</a></li>',
           '<li><a href="#files">Files</a></li></ol></nav>']
    body = [f'<h2 id="summary" class="first">Summary</h2><p>{E(res.summary_text())}</p>',
            '<h2 id="methods">Methods</h2>',
            "<p>Each centre ran the same analysis on its own records with the same parameters and package version "
            "and sent only aggregate counts (dttstudy export-summary). Response rates are summed counts with exact "
            "(Clopper–Pearson) 95% confidence intervals; between-centre heterogeneity comes from a binomial–normal "
            "random-effects model across centres (GLMM; τ², I²). Survival is pooled from the centres' life tables; "
            "exposure-adjusted rates from summed events and patient-years with exact Poisson intervals. A cell a "
            "centre withheld (below its minimum cell count, or one that its published totals would reveal) is left "
            "out of the sum, and the tables say which centres contributed.</p>",
            '<h2 id="results">Results</h2>']
    number, fig_no, files = 0, 0, []
    for kind, name, title in entries:
        if kind == "figure":
            meta = json.loads((out / "figures" / f"{name}.json").read_text(encoding="utf-8"))
            fig_no += 1
            body.append(_figure_html(out, name, meta.get("caption") or title, fig_no))
        elif kind == "table" and name in report_tables:
            meta = json.loads((out / "tables" / f"{name}.json").read_text(encoding="utf-8"))
            t = DisplayTable.from_json(json.dumps(meta["display"]))
            number += 1
            t.number = number
            body.append(f'<div class="tablewrap" id="tab-{E(name)}">{t.to_html(standalone=False)}</div>')
        elif kind == "table":
            files.append((name, title))
    body.append('<h2 id="files">Files</h2><p>All tables: <a href="tables/tables.docx">tables.docx</a> (Word) and '
                '<a href="tables/tables.xlsx">tables.xlsx</a>; the tidy CSV files are in <code>tables/</code>; '
                'parameters and centres in <a href="provenance.json">provenance.json</a>.</p>')
    if files:
        body.append('<p>Tables kept as files only:</p><ul class="files">' + "".join(
            f'<li><a href="tables/{E(n)}.html">{E(t)}</a></li>' for n, t in files) + "</ul>")
    return _write_page(out / "report.html", "Dual-targeted therapy in refractory IBD — pooled multicentre report",
                       parts + toc + body, 'dttstudy — pooled multicentre analysis. <a class="noprint" '
                       'href="index.html">Front page</a>')
