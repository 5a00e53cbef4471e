"""Journal tables of the review around the pooling: the PRISMA flow's boxes with their reasons, the JBI
risk-of-bias appraisal, and the GRADE summary of findings."""
from __future__ import annotations

import pandas as pd

from ...synthesis.appraisal import JBI_ITEMS, GradeRules
from ..labels import label
from .core import MARKS, Column, DisplayTable, Row, builder

_ROUTES = {"database_or_register": "The studies' own records", "other_methods": "Other methods (reviews, "
           "meta-analyses, news reports)", "both": "Included"}
_BOXES = {"identified": "Records identified", "excluded_at_screening": "Records excluded at screening",
          "sought": "Reports sought for retrieval", "not_retrieved": "Reports not retrieved",
          "assessed": "Reports assessed for eligibility", "excluded_after_assessment": "Reports excluded",
          "included": "Studies included in the review",
          "included_own_report": "with figures from the study's own record",
          "included_secondary": "with figures from a review only (sensitivity analyses)",
          "in_main_pool": "in the main pool of at least one outcome"}
_SYMBOL = {"yes": "+", "no": "−", "unclear": "?", "not_applicable": "n/a"}


@builder("review_selection")
def selection_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """The flow diagram's boxes as a table: one row group per identification route, a row per box with its count
    and the reasons for exclusion, counted."""
    cols = [Column(label("box")), Column(label("n"), align="right"), Column(label("reasons"), wrap=True)]
    rows = []
    for r in tidy.itertuples():
        indent = 1 if r.box.startswith("included_") or r.box == "in_main_pool" else 0
        rows.append(Row([_BOXES.get(r.box, r.box), str(int(r.n)), str(r.detail)], [None, int(r.n), None],
                        [None, 0, None], group=_ROUTES.get(r.route, r.route), indent=indent))
    notes = [("", "The search was targeted (study records, and the tables and reference lists of reviews and "
                  "meta-analyses), not a database query: the records a query returned and the duplicates removed "
                  "were not recorded. Every record is in data/published/selection.csv.")]
    return DisplayTable(name, "Records considered and why they were left out (PRISMA 2020 flow)", cols, rows, notes)


@builder("risk_of_bias")
def risk_of_bias_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """The JBI appraisal: one row per study, the answer to each item as a symbol, items met and overall risk."""
    cols = [Column(label("study"))] + [Column(label(f"q{it.number}"), spanner=label("jbi_item"), align="center")
                                       for it in JBI_ITEMS] + [Column(label("items_met"), align="right"),
                                                               Column(label("overall_risk"))]
    rows = []
    for r in tidy.to_dict("records"):
        cells = [str(r.get("study") or r["study_id"])] + [_SYMBOL.get(r[f"item_{it.number}"], "")
                                                           for it in JBI_ITEMS]
        cells += [f"{int(r['yes'])}/{int(r['applicable'])}", str(r["overall"])]
        rows.append(Row(cells))
    items = "; ".join(f"Q{it.number} {it.label.lower()}" for it in JBI_ITEMS)
    notes = [("", f"Items: {items}."),
             ("", "+ yes; − no; ? unclear (the source seen, often the abstract only, does not say); n/a not "
                  "applicable. A trial's combination arm is appraised as a case series."),
             ("", "Overall risk: low when 70% or more of the applicable items are met, moderate from 50%, high "
                  "below 50%. The rationale for every answer is in risk_of_bias_rationale.csv.")]
    return DisplayTable(name, "Risk of bias of the included studies (JBI checklist for case series)", cols, rows,
                        notes)


@builder("certainty_of_evidence")
def certainty_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """GRADE summary of findings as a journal prints it: outcome, studies and patients, the pooled proportion per
    100, each domain's rating with a lettered footnote giving its reason, the certainty and what it means."""
    domains = ("risk_of_bias", "inconsistency", "indirectness", "imprecision")
    cols = [Column(label("outcome")), Column(label("studies_patients"), align="right"),
            Column(label("per_100"), wrap=True)] + [
        Column(label(d), spanner=label("rated_down"), align="center") for d in domains] + [
        Column(label("certainty")), Column(label("meaning"), wrap=True)]
    rows, notes = [], []
    letters = iter(MARKS)
    for r in tidy.to_dict("records"):
        cells = [str(r["outcome"]), f"{int(r['studies'])} ({int(r['patients'])})",
                 str(r["per_100"]).replace("(95% CI ", "(")]
        marks = {}
        for j, d in enumerate(domains):
            rating, _, reason = str(r[d]).partition(": ")
            rating = rating.replace(" (−1)", "").replace(" (−2)", "")
            cells.append(rating)
            if reason:
                m = next(letters, "")
                if m:
                    marks[3 + j] = m
                    notes.append((m, f"{r['outcome']}, {d.replace('_', ' ')}: {reason}."))
        cells += [str(r["certainty"]).capitalize(), str(r.get("meaning") or r["statement"])]
        rows.append(Row(cells, marks=marks))
    g = GradeRules()
    notes = [("", "GRADE: evidence from case series starts at low certainty and is rated down one level for each "
                  "serious concern, two for a very serious one, to no lower than very low."),
             ("", f"Rules: risk of bias — studies at high risk (JBI) hold more than {100 * g.rob_share:.0f}% of the "
                  f"patients (very serious: every study); inconsistency — 95% of the studies' true proportions "
                  f"spread over more than {g.spread_width:.0f} percentage points; indirectness — timepoints more "
                  f"than {g.timepoint_span:g} months apart, a study without a single timepoint, or more than one "
                  f"outcome definition; imprecision — 95% CI wider than {g.ci_width:.0f} percentage points or "
                  f"fewer than {g.min_patients} patients (very serious: both)."),
             ("", "Publication bias: not assessable with fewer than 10 studies; reporting bias is likely (small "
                  "retrospective series from referral centres), so the pooled proportions are an upper range."),
             ("", "Outcomes without a fitted pool (a single study, or no event in any study) are not rated.")] + notes
    return DisplayTable(name, "Summary of findings: certainty of the pooled evidence (GRADE)", cols, rows, notes)
