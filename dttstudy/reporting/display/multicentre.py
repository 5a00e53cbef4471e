"""Tables of a multicentre study: patients and response by centre, pooled response rates, between-centre
heterogeneity, and the values each centre withheld.
"""
from __future__ import annotations

import re

import pandas as pd

from ...concepts import PAPER_LABS, labs_title
from ..labels import NA, abbreviation_note, fmt, fmt_p, interval, label, level, n_of_n_ci
from .core import MARKS, Column, DisplayTable, Row, _month_label, _nan, builder, withheld_by
from .response import response_display


@builder("centre_summary")
def centre_summary_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """One row per centre (and all patients): patients, UC, CD, regimens, observed clinical response by month."""
    months = sorted({float(c.split("_")[1].rstrip("m")) for c in tidy.columns if re.fullmatch(r"response_[\d.]+m_n", c)})
    cols = [Column(label("center")), Column(label("patients"), align="right"), Column("UC", align="right"),
            Column("CD", align="right"), Column(label("regimens"), wrap=True)] + [
        Column(_month_label(m), align="right", spanner=label("centre_response")) for m in months]
    rows = []
    for r in tidy.to_dict("records"):
        centre = "All centres" if r["center"] == "All" else str(r["center"])
        cells = [centre, fmt(r["patients"], "n"), fmt(r["UC"], "n"), fmt(r["CD"], "n"), str(r["regimens"])]
        vals = [None, r["patients"], r["UC"], r["CD"], None]
        for m in months:
            key = f"response_{m:g}m"
            n, N = r.get(f"{key}_n"), r.get(f"{key}_N")
            cells.append(NA if N is None or _nan(N) or int(N) == 0 else f"{int(n)}/{int(N)} ({fmt(100 * n / N, 'pct')}%)")
            vals.append(None)
        rows.append(Row(cells, vals, [None, 0, 0, 0, None] + [None] * len(months)))
    notes = [("", "Clinical response: observed cases, patients evaluable at the month; – none evaluable.")]
    codes = sorted(set(re.findall(r"\b[A-Z]{2,3}\b", " ".join(str(x) for x in tidy["regimens"]))))
    if codes and abbreviation_note(codes):
        notes.append(("", abbreviation_note(codes) + "."))
    return DisplayTable(name, "Patients, regimens and clinical response by centre", cols, rows, notes)


#: The multicentre summary's tables, as a reader names them.
SUMMARY_TABLES = {"response": "Response and remission counts", "ae_incidence": "Adverse-event incidence",
                  "ae_terms": "Adverse-event terms", "life_tables": "Life tables (time to first AE, time on DTT)",
                  "labs": f"{labs_title(PAPER_LABS)} sums and quartiles", "baseline_counts": "Baseline counts (Table 1)",
                  "baseline_continuous": "Baseline means (Table 1)"}


@builder("multicentre_demo_clinical_response", "multicentre_clinical_response")
def pooled_response_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Pooled response rates from the centres' summaries, in the single-centre layout. A cell that some centre
    withheld reads "withheld by C1, C3" (no figure over all centres exists); when the pool was asked to show
    such cells (``partial="show"``) the sum over the other centres carries a lettered mark whose footnote names
    the centres summed and those left out."""
    d = tidy.copy()
    notes: list[tuple[str, str]] = []
    if "withheld_centres" in d:
        wh = d["withheld_centres"].fillna("").astype(str)
        contrib = d.get("contributing_centres", pd.Series("", index=d.index)).fillna("").astype(str)
        letters, texts, marks = {}, [], []
        for w, c, r in zip(wh, contrib, d.to_dict("records")):
            if w and (r["N"] is None or _nan(r["N"]) or not r["N"]):
                # withheld by some centre, and no sum over the others to show (partial="withhold", or none
                # evaluable there)
                texts.append(f"withheld by {w}")
                marks.append("")
                continue
            texts.append(n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"]))  # "–" where N is 0
            marks.append(letters.setdefault((c, w), MARKS[len(letters) % len(MARKS)]) if w else "")
        d["n/N (%; 95% CI)"], d["mark"] = texts, marks
        d = d.drop(columns=["N", "pct", "withheld_centres", "contributing_centres"], errors="ignore")
        everyone = sorted({x for v in (*wh, *contrib) for x in v.split(", ") if x})
        if everyone:
            notes.append(("", f"Each figure sums every centre with patients in the cell ({', '.join(everyone)})."))
        if any(x.startswith("withheld by") for x in texts):
            notes.append(("", "withheld by …: the centres named withheld their count for the cell (below the "
                              "minimum cell count, or recoverable from published totals), so no figure over all "
                              "centres can be given; every withheld value is listed in "
                              "multicentre_withheld_cells.csv."))
        for (c, w), letter in letters.items():
            notes.append((letter, f"Only {c}: {w} withheld the cell, so this is not a figure over all centres."))
    t = response_display(name, d)
    t.footnotes += notes
    return t


@builder("multicentre_demo_heterogeneity")
def centre_heterogeneity_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Between-centre heterogeneity per endpoint, analysis set and month: centres, pooled n/N, random-effects
    pooled % (95% CI), τ², I² and the heterogeneity test."""
    cols = [Column(label("analysis_set")), Column(label("month"), align="right"),
            Column(label("centres_k"), align="right"), Column(label("pooled_n_of_n"), align="right"),
            Column(label("re_pooled"), align="center"), Column(label("tau2"), align="right"),
            Column(label("i2"), align="right"), Column(label("q_pvalue"), align="right")]
    rows = []
    withheld_any = False
    letters: dict[str, str] = {}  # a row's own note (no model fitted, another model) -> its footnote letter
    for r in tidy.to_dict("records"):
        withheld = "" if r.get("method") else withheld_by(r, None)
        own = "" if withheld else str(r.get("note") or "")
        if own:
            letters.setdefault(own, MARKS[len(letters) % len(MARKS)])
        if withheld:  # the pooled-cell rule: no model over part of the centres
            withheld_any = True
            rows.append(Row([level(r["analysis_set"]), fmt(r["month"], "months").removesuffix(".0"),
                             fmt(r["k"], "n"), withheld, "", "", "", ""],
                            [None, r["month"], r["k"], None, None, None, None, None],
                            [None, 0, 0, None, None, None, None, None], group=level(r["endpoint"])))
            continue
        rows.append(Row([level(r["analysis_set"]), fmt(r["month"], "months").removesuffix(".0"), fmt(r["k"], "n"),
                         f"{int(r['n'])}/{int(r['N'])}",
                         f"{fmt(r['re_pct'], 'pct')} ({interval(r['re_ci_low'], r['re_ci_high'], 'ci')})",
                         fmt(r["tau2"], "tau2"), fmt(r["i2"], "i2"), fmt_p(r["q_pvalue"])],
                        [None, r["month"], r["k"], None, None, r["tau2"], r["i2"], r["q_pvalue"]],
                        [None, 0, 0, None, None, 3, 1, 3], group=level(r["endpoint"]),
                        marks={4: letters[own]} if own in letters else {}))
    methods = ", ".join(dict.fromkeys(str(m) for m in tidy["method"] if isinstance(m, str) and m)) \
        if "method" in tidy else ""
    notes = [("", f"Random-effects model across centres ({methods}); τ² between-centre variance on the logit scale; "
                  "I² from τ²; Q p-value: test of equal proportions across centres.")]
    notes += [(letter, text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
              for text, letter in letters.items()]
    if withheld_any:
        notes.append(("", "withheld by …: those centres withheld the cell, so no model over all centres is fitted "
                          "(a fit over the others would be a figure over part of the centres)."))
    return DisplayTable(name, "Between-centre heterogeneity", cols, rows, notes)


@builder("multicentre_withheld_summary")
def withheld_summary_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Values each centre withheld, per summary table (one column per centre, named by its code)."""
    centres = [c for c in tidy.columns if c != "table"]
    cols = [Column(label("summary_table"))] + [Column(str(c), align="right", spanner=label("centre"))
                                                for c in centres]
    rows = [Row([SUMMARY_TABLES.get(r["table"], str(r["table"]))] + [fmt(r[c], "n") for c in centres],
                [None] + [r[c] for c in centres], [None] + [0] * len(centres)) for r in tidy.to_dict("records")]
    notes = [("", "Withheld: below the minimum cell count, or recoverable from published totals "
                  "(complementary suppression).")]
    return DisplayTable(name, "Values withheld by each centre", cols, rows, notes)


#: Key names of a summary cell whose dictionary label belongs to another column of the same name.
_KEY_WORDS = {"level": "Level", "variable": "Variable", "by": "By", "group": "Group"}


def cell_in_words(cell: str) -> str:
    """A withheld cell's key ("response/endpoint=clinical_response/month=3/by=disease/group=CD/n") in words
    ("Endpoint Clinical response; Month 3; By Disease; Group CD; n"): the key stays in the CSV, the reader gets
    words."""
    out = []
    for part in str(cell).split("/")[1:]:
        if "=" in part:
            k, v = part.split("=", 1)
            if v:  # an empty value (a variable without levels) says nothing
                out.append(f"{_KEY_WORDS.get(k) or label(k, strict=False)} {level(v)}".strip())
        else:
            out.append(label(part, strict=False))
    return "; ".join(out)


@builder("multicentre_withheld_cells")
def withheld_cells_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Every value a centre withheld: centre, summary table and the cell in words."""
    cols = [Column(label("centre")), Column(label("table")), Column(label("cell"), wrap=True)]
    rows = [Row([str(r["centre"]), label(str(r["table"]), strict=False), cell_in_words(r["cell"])])
            for r in tidy.to_dict("records")]
    notes = [("", "The cell's key, as the centre's summary names it, is in multicentre_withheld_cells.csv.")]
    return DisplayTable(name, "Values withheld by the centres, by name", cols, rows, notes)
