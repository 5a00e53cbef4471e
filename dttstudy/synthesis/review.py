"""The review around the pooling: which records were considered and why studies were left out (the PRISMA 2020
flow), and each study's risk of bias (the JBI checklist for case series).

**Selection** (``data/published/selection.csv``): one row per record considered — its citation, the study it
became (``study_id``, for included studies), how it was identified (``database_or_register``: the study's own
record on PubMed, PMC, a publisher, repository or preprint server; ``other_methods``: seen in a review,
meta-analysis or news report), what was read (``report``), the last stage it reached and the reason it stopped
there. Stages, in order: ``screened`` (excluded on its record: a review, the index cohort), ``sought`` (report
not retrieved), ``assessed`` (report read, excluded with a reason), ``included``. :func:`selection_flow` counts
the boxes of the PRISMA 2020 flow diagram from it; which included studies enter a main pool is derived from the
literature table by :func:`dttstudy.synthesis.literature.select`, never stored. The search was targeted (study
records, reviews' tables and reference lists), not a database query with recorded hits: the numbers of records
a query returned and of duplicates removed are not known, and the flow says so.

**Risk of bias** (``data/published/risk_of_bias.csv``): the ten items of the JBI Critical Appraisal Checklist for
Case Series (Munn Z et al., JBI Evid Synth 2020;18:2127-33), one row per study and item, answered ``yes``,
``no``, ``unclear`` or ``not_applicable`` from the source that was seen (often the abstract only), with a
one-sentence rationale. A trial's combination arm is appraised as a case series. Overall risk
(:func:`risk_of_bias_summary`): the share of applicable items answered ``yes`` — **low** at 70 % or more,
**moderate** from 50 % to under 70 %, **high** below 50 % (``low`` and ``moderate`` are parameters). "Unclear"
counts against a study: an item the report does not show met is not met for the reader.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..intake.cohort import PUBLISHED_DIR
from .appraisal import JBI_ITEMS
from .literature import LITERATURE_OUTCOMES, select

__all__ = ["JBI_ITEMS", "STAGES", "ROUTES", "ANSWERS", "load_selection", "load_risk_of_bias", "selection_flow",
           "risk_of_bias_summary", "high_risk_studies", "RISK_LEVELS"]


ANSWERS = ("yes", "no", "unclear", "not_applicable")
STAGES = ("screened", "sought", "assessed", "included")
ROUTES = ("database_or_register", "other_methods")
RISK_LEVELS = ("low", "moderate", "high")
_SELECTION_COLUMNS = ("record_id", "citation", "study_id", "identified_via", "report", "stage", "reason")
_ROB_COLUMNS = ("study_id", "item", "answer", "rationale")


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: column(s) {', '.join(missing)} missing")
    return df


def _refuse(path: Path, problems: list[str]) -> None:
    if problems:
        raise ValueError(f"{path.name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))


def load_selection(path: str | Path | None = None, lit: pd.DataFrame | None = None) -> pd.DataFrame:
    """The records considered (see the module docstring), checked: every stage, route and record id valid, a
    reason for every record not included, and — given the literature table ``lit`` — one included record per
    study with rows, and no included record without rows. Every problem is reported at once (row = CSV line)."""
    path = Path(path) if path is not None else PUBLISHED_DIR / "selection.csv"
    df = _read(path, _SELECTION_COLUMNS)
    problems = []
    for i, r in df.iterrows():
        where = f"row {i + 2}"
        if r["stage"] not in STAGES:
            problems.append(f"{where}, column stage: {r['stage']!r} not one of {', '.join(STAGES)}")
        if r["identified_via"] not in ROUTES:
            problems.append(f"{where}, column identified_via: {r['identified_via']!r} not one of {', '.join(ROUTES)}")
        if r["stage"] != "included" and not r["reason"].strip():
            problems.append(f"{where}, column reason: a record not included needs its reason")
        if r["stage"] == "included" and not r["study_id"]:
            problems.append(f"{where}, column study_id: an included record names its study")
    dup = df["record_id"][df["record_id"].duplicated()]
    problems += [f"column record_id: {v!r} appears more than once" for v in dup]
    if lit is not None:
        studies = set(lit["study_id"])
        included = df.loc[df["stage"] == "included", "study_id"]
        problems += [f"study {s!r} has rows in literature.csv and no included record" for s in
                     sorted(studies - set(included))]
        named = included[included != ""]  # a blank study_id is reported above, once
        problems += [f"row {i + 2}, column study_id: {s!r} is included but has no rows in literature.csv"
                     for i, s in named.items() if s not in studies]
        problems += [f"column study_id: {s!r} has more than one included record" for s in
                     sorted(set(named[named.duplicated()]))]
    _refuse(path, problems)
    return df


def load_risk_of_bias(path: str | Path | None = None, lit: pd.DataFrame | None = None) -> pd.DataFrame:
    """The JBI appraisal (see the module docstring), checked: every study has the ten items once, every answer is
    one of :data:`ANSWERS`, every answer has its rationale; given ``lit``, every study with rows is appraised."""
    path = Path(path) if path is not None else PUBLISHED_DIR / "risk_of_bias.csv"
    df = _read(path, _ROB_COLUMNS)
    problems = []
    numbers = {str(it.number) for it in JBI_ITEMS}
    for i, r in df.iterrows():
        where = f"row {i + 2}"
        if r["item"] not in numbers:
            problems.append(f"{where}, column item: {r['item']!r} not an item number 1–{len(JBI_ITEMS)}")
        if r["answer"] not in ANSWERS:
            problems.append(f"{where}, column answer: {r['answer']!r} not one of {', '.join(ANSWERS)}")
        if not r["rationale"].strip():
            problems.append(f"{where}, column rationale: every answer needs its rationale")
    for sid, g in df.groupby("study_id", sort=False):
        if sorted(g["item"]) != sorted(numbers):
            problems.append(f"study {sid!r}: items {', '.join(sorted(g['item'], key=lambda v: (len(v), v)))} "
                            f"(needs each of 1–{len(JBI_ITEMS)} once)")
    if lit is not None:
        problems += [f"study {s!r} has rows in literature.csv and is not appraised" for s in
                     sorted(set(lit["study_id"]) - set(df["study_id"]))]
    _refuse(path, problems)
    out = df.copy()
    out["item"] = out["item"].astype(int)
    return out


def _main_pool_studies(lit: pd.DataFrame, include: str = "main") -> set[str]:
    return {s for o in LITERATURE_OUTCOMES for s in select(lit, o, include)["study_id"]}


def selection_flow(selection: pd.DataFrame, lit: pd.DataFrame, include: str = "main") -> pd.DataFrame:
    """The boxes of the PRISMA 2020 flow diagram, counted from the records: one row per box and route
    (``database_or_register``, ``other_methods``; the included boxes are ``both``), with ``n`` and ``detail``
    (the reasons, counted). Boxes: ``identified``, ``excluded_at_screening``, ``sought``, ``not_retrieved``,
    ``assessed``, ``excluded_after_assessment``, ``included`` (studies in the review), ``included_own_report``
    (figures read in the study's own record), ``included_secondary`` (figures from a review only: sensitivity
    analyses), ``in_main_pool`` (in the main pool of at least one outcome under ``include``)."""
    rows = []
    order = {s: i for i, s in enumerate(STAGES)}
    for route in ROUTES:
        r = selection[selection["identified_via"] == route]
        rank = r["stage"].map(order)

        def reasons(stage: str) -> str:
            counts = r.loc[r["stage"] == stage, "reason"].value_counts(sort=False)
            return "; ".join(f"{why} ({n})" for why, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

        rows += [
            (route, "identified", len(r), "records considered; records returned by a database query and "
                                          "duplicates removed: not recorded"),
            (route, "excluded_at_screening", int((r["stage"] == "screened").sum()), reasons("screened")),
            (route, "sought", int((rank >= order["sought"]).sum()), "reports sought for retrieval"),
            (route, "not_retrieved", int((r["stage"] == "sought").sum()), reasons("sought")),
            (route, "assessed", int((rank >= order["assessed"]).sum()), "reports assessed for eligibility"),
            (route, "excluded_after_assessment", int((r["stage"] == "assessed").sum()), reasons("assessed")),
        ]
    inc = selection[selection["stage"] == "included"]
    own = inc["identified_via"] == "database_or_register"
    pooled = _main_pool_studies(lit, include) & set(inc["study_id"])
    rows += [
        ("both", "included", len(inc), "studies in the review (one record each)"),
        ("both", "included_own_report", int(own.sum()), "figures read in the study's own abstract or full text"),
        ("both", "included_secondary", int((~own).sum()), "figures seen only in a review, meta-analysis or news "
                                                         "report: sensitivity analyses only"),
        ("both", "in_main_pool", len(pooled), f"in the main pool of at least one outcome ({include} rule): "
                                              + ", ".join(sorted(pooled))),
    ]
    return pd.DataFrame(rows, columns=["route", "box", "n", "detail"])


def risk_of_bias_summary(rob: pd.DataFrame, low: float = 0.7, moderate: float = 0.5) -> pd.DataFrame:
    """One row per study: its answer to each item (columns ``item_1`` … ``item_10``), ``yes`` (items answered
    yes), ``applicable`` (items not ``not_applicable``), ``share_yes`` and ``overall`` — ``low`` when the share
    is at least ``low``, ``moderate`` when at least ``moderate``, else ``high``. Studies keep the file's order."""
    if not 0 < moderate < low <= 1:
        raise ValueError(f"need 0 < moderate < low <= 1 (got moderate={moderate}, low={low})")
    rows = []
    for sid, g in rob.groupby("study_id", sort=False):
        answers = dict(zip(g["item"].astype(int), g["answer"]))
        applicable = sum(a != "not_applicable" for a in answers.values())
        yes = sum(a == "yes" for a in answers.values())
        share = yes / applicable if applicable else float("nan")
        overall = "low" if share >= low else "moderate" if share >= moderate else "high"
        rows.append({"study_id": sid, **{f"item_{it.number}": answers.get(it.number, "") for it in JBI_ITEMS},
                     "yes": yes, "applicable": applicable, "share_yes": share, "overall": overall})
    return pd.DataFrame(rows)


def high_risk_studies(summary: pd.DataFrame) -> list[str]:
    """Study ids whose overall risk of bias is high (from :func:`risk_of_bias_summary`)."""
    return list(summary.loc[summary["overall"] == "high", "study_id"])
