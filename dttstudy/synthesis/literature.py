"""Published DTT cohorts beside this cohort: selection, this cohort's own rows, pooling.

The published rows are data (``data/published/literature.csv``, documented in ``literature.md``). This
cohort's row is never typed in: :func:`cohort_rows` computes it with the package's outcome functions.

Units. A *study* (``study_id``) is one publication's patient population; a study that reports separate
regimen groups has one row per *arm* (``arm`` names it; ``''`` for single-arm studies). Arms of one study are
not independent units, so the default analysis unit is the study: :func:`select` with ``units="study"`` sums
the arms of a study into one row. It does so only from arms reporting the outcome at the study's chosen
timepoint; when an arm does not (``partial_arms``), the default ``"keep"`` sums the arms that do and says so
(``arms_missing``, label "… arm only"), ``"drop"`` leaves the study out of that outcome.

Main rule (``include="main"`` with every flag at its default). A row enters the main pool only if

1. the population is adult and the cohort is defined by refractoriness to prior advanced therapy;
2. the outcome is a luminal/overall IBD outcome (``perianal_only`` false);
3. the unit is the patient (``event_based`` and ``trial_units`` false);
4. the figure was seen in the study's own text (``verified``);
5. every patient was treated for IBD activity (``indication_mixed`` false: no patients started on the
   combination for an extra-intestinal or immune-mediated indication);
6. the count rests on a printed, exact or arithmetically fixed denominator (``count_basis``, Rule C of
   :mod:`dttstudy.synthesis.coding_rules`): ``assumed`` denominators are left out, ``circular`` counts
   (back-calculated from a meta-analysis's own percentage) are never pooled;
7. the study does not share patients with another study of the same pool: of each set of overlapping
   studies (``overlaps_with``, followed transitively), the one kept for an outcome is the one with the most
   patients (``n_patients``, arms summed) among those that report the outcome and pass rules 1–5; ties go to
   the later publication year, then to the ``study_id`` in alphabetical order.

Possible overlaps (:func:`possible_overlaps`: single-centre studies of one country and population, published
within two years, not placed at two different named centres) are flagged, not merged; ``possible_overlaps=True``
treats them as overlapping under rule 7 (a sensitivity analysis).

The flags add back what a rule removes: ``overlapping=True`` (rule 7), ``assumed=True`` (assumed denominators,
rule 6), ``mixed_indication=True`` (rule 5),
``unverified=True`` (rule 4), ``trial_units=True`` (therapeutic-trial units of rule 3); ``include="all"``
drops rule 1 and 2 (paediatric, non-refractory and perianal cohorts); ``printed_only=True`` keeps only counts
whose events and denominator are both printed (no derived, fixed or assumed counts). How every flag is coded
is written once in :mod:`dttstudy.synthesis.coding_rules`. Event-based counts are never pooled
with patient counts. One row per study and outcome: the latest timepoint reported (``one_per_study="latest"``)
or the earliest (``"earliest"``); a row without a numeric timepoint comes last either way.
"""
from __future__ import annotations

from typing import Any

import math
import re

import numpy as np
import pandas as pd

from ..analysis.outcomes import response_rates
from ..concepts import ENDPOINTS, LITERATURE_OUTCOMES
from ..analysis.safety import ae_incidence
from ..intake.cohort import PUBLISHED_DIR, Cohort
from .coding_rules import INPUT_VALUES, MAIN_COUNT_BASES, study_sizes
from .meta import pool_proportions
from .meta.derived import _between_test as between_test

LITERATURE_FILE = PUBLISHED_DIR / "literature.csv"
OUTCOMES = tuple(LITERATURE_OUTCOMES)
OUTCOME_LABELS = LITERATURE_OUTCOMES
_BOOL = ("derived_from_percent", "event_based", "trial_units", "indication_mixed", "perianal_only", "verified")
THIS_STUDY = "this_cohort"


def load_literature(path=None) -> pd.DataFrame:
    """The literature table with typed columns; raises ValueError naming row and column on bad cells.

    ``overlaps_with`` holds ``study_id`` values separated by ``;``; every one must be a study of the file.
    """
    df = pd.read_csv(path or LITERATURE_FILE, dtype=str, keep_default_na=False)
    problems = []
    for col in _BOOL:
        bad = ~df[col].isin(["true", "false"])
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} is not true/false" for i in df.index[bad]]
        df[col] = df[col] == "true"
    for col, allowed in INPUT_VALUES.items():
        bad = ~df[col].isin(allowed)
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} not one of {', '.join(allowed)}"
                     for i in df.index[bad]]
    for col in ("events", "total", "n_patients", "n_enrolled"):
        num = pd.to_numeric(df[col], errors="coerce")
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} is not a whole number"
                     for i in df.index[num.isna() | (num % 1 != 0)]]
        df[col] = num
    df["timepoint_months"] = pd.to_numeric(df["timepoint_months"], errors="coerce")
    bad = ~df["outcome"].isin(OUTCOMES)
    problems += [f"row {i + 2}, column 'outcome': {df.at[i, 'outcome']!r} unknown" for i in df.index[bad]]
    bad = df["events"] > df["total"]
    problems += [f"row {i + 2}, column 'events': more events than total" for i in df.index[bad]]
    bad = df["total"] > df["n_enrolled"]
    problems += [f"row {i + 2}, column 'total': more than n_enrolled" for i in df.index[bad]]
    studies = set(df["study_id"])
    for i, cell in df["overlaps_with"].items():
        unknown = [s for s in _split(cell) if s not in studies]
        if unknown:
            problems.append(f"row {i + 2}, column 'overlaps_with': {', '.join(unknown)} not a study_id of the file")
    dup = df.duplicated(["study_id", "arm", "outcome", "timepoint"], keep=False)
    problems += [f"row {i + 2}: duplicate study, arm, outcome and timepoint" for i in df.index[dup]]
    for col in ("first_author", "year"):  # a study is cited one way: every row of it names the same source
        first = df.groupby("study_id", sort=False)[col].transform("first")
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} differs from the study's first row "
                     f"({first[i]!r})" for i in df.index[df[col] != first]]
    if problems:
        raise ValueError(f"{path or LITERATURE_FILE}:\n  " + "\n  ".join(problems))
    df["events"] = df["events"].astype(int)
    df["total"] = df["total"].astype(int)
    df["n_patients"] = df["n_patients"].astype(int)
    df["n_enrolled"] = df["n_enrolled"].astype(int)
    return df


def _split(cell) -> list[str]:
    return [s.strip() for s in str(cell).split(";") if s.strip()]


# Published figures of Wang 2025 that the reference cohort reproduces; clinical remission is not published.
_PUBLISHED_OUTCOMES = {"clinical_response", "endoscopic_response", "any_ae", "serious_ae"}


_COHORT_DEFINITIONS = {
    **{e.name: e.definition for e in ENDPOINTS},
    "endoscopic_remission": "not analysed",
    "any_ae": "treatment-emergent adverse events over the DTT course",
    "serious_ae": "serious treatment-emergent adverse events over the DTT course"}


#: This cohort's analysis sets in the literature format: observed cases (as the paper and most studies report)
#: and non-responder imputation (the intention-to-treat reading: stopping DTT for failure is failure).
COHORT_ANALYSIS_SETS = {"observed": "observed cases", "nri": "non-responder imputation (intention to treat)"}


def _efficacy_counts(cohort: Cohort, month: float, analysis_sets: tuple[str, ...], response_kwargs: dict
                     ) -> dict[str, dict[str, tuple[int, int]]]:
    """(events, denominator) per analysis set and efficacy outcome: each outcome evaluated once for every set."""
    windows = response_kwargs.get("windows")  # the same visit windows for every outcome
    kwargs: dict[str, dict[str, Any]] = {"clinical_response": dict(response_kwargs),
                                         "clinical_remission": {"windows": windows},
                                         "endoscopic_response": {"windows": windows, "horizon": month}}
    out: dict[str, dict[str, tuple[int, int]]] = {aset: {} for aset in analysis_sets}
    for endpoint, kw in kwargs.items():
        m = None if endpoint == "endoscopic_response" else month  # endoscopic: within the horizon
        t = response_rates(cohort, months=[m], endpoint=endpoint, analysis_sets=analysis_sets, **kw)
        for r in t[t["by"] == "All"].itertuples():
            out[r.analysis_set][endpoint] = (int(r.n), int(r.N))
    return out


def cohort_rows(cohort: Cohort, month: float = 9, analysis_sets: tuple[str, ...] = ("observed",),
                **response_kwargs) -> pd.DataFrame:
    """This cohort's rows in the literature format, computed from raw data.

    Clinical response and remission at ``month``; endoscopic response within ``month``; any and serious
    treatment-emergent AE over the whole DTT course, among everyone who started. ``analysis_sets``: for the
    efficacy outcomes, ``"observed"`` (evaluable patients at the month, as published) and/or ``"nri"``
    (non-responder imputation: patients who stopped DTT for no response or an adverse event by the month count
    as non-responders — the intention-to-treat reading, on the same footing as the studies' enrolled
    denominators); one row per outcome and set, the set named in ``analysis_set`` (safety rows belong to every
    set: their denominator is everyone who started). ``response_kwargs`` go to the clinical response; its
    ``windows`` (visit windows) apply to remission and endoscopic response as well. For the bundled
    reconstructed cohort the label says "reconstructed data", and rows the paper does not report (clinical
    remission, and every non-responder-imputation row) are marked ``published=False`` with "not published" in
    label and notes: they come from the invented records only.
    """
    unknown = set(analysis_sets) - set(COHORT_ANALYSIS_SETS)
    if unknown or not analysis_sets:
        raise ValueError(f"analysis_sets: choose from {sorted(COHORT_ANALYSIS_SETS)} (got {sorted(unknown)})")
    inc = ae_incidence(cohort).iloc[0]
    ser = ae_incidence(cohort, serious_only=True).iloc[0]
    d = cohort.patients["disease"]
    disease = d.iloc[0] if d.nunique() == 1 else "mixed"
    safety = {"any_ae": (int(inc["n"]), int(inc["N"])), "serious_ae": (int(ser["n"]), int(ser["N"]))}
    rows = []
    for aset, efficacy in _efficacy_counts(cohort, month, tuple(analysis_sets), response_kwargs).items():
        rows += _rows(cohort, month, aset, {**efficacy, **safety}, disease)
    return pd.DataFrame(rows)


def _rows(cohort: Cohort, month: float, aset: str, out: dict, disease: str) -> list[dict]:
    rec = cohort.reconstructed
    rows = []
    for outcome, (k, n) in out.items():
        if n == 0:
            continue
        safety = outcome.endswith("_ae")
        published = rec and outcome in _PUBLISHED_OUTCOMES and (aset == "observed" or safety)
        itt = "" if aset == "observed" or safety else "; non-responder imputation"
        if rec:
            label = f"This cohort (reconstructed data{itt})" if published else \
                f"This cohort (reconstructed data{itt}; not published)"
            notes = (f"{cohort.label}: computed from the reconstructed records, which reproduce the published "
                     "figure" if published else
                     f"{cohort.label}: computed from the reconstructed records; Wang 2025 does not report this "
                     f"{'analysis' if itt and outcome in _PUBLISHED_OUTCOMES else 'outcome'}, so the figure is not a "
                     "published result")
        else:
            label, notes = f"This cohort{itt.replace(';', ',')}", cohort.label
        rows.append({"study_id": THIS_STUDY, "arm": "", "first_author": "this cohort", "year": np.nan,
                     "journal": "", "doi_or_url": "", "population": "adult", "refractory": "yes",
                     "disease": disease, "regimen_class": "mixed", "n_patients": len(cohort.patients),
                     "timepoint": f"{month:g} mo" if not outcome.endswith("ae") else "DTT course",
                     "timepoint_months": month, "outcome": outcome, "events": k, "total": n,
                     "derived_from_percent": False, "event_based": False, "trial_units": False,
                     "indication_mixed": False, "perianal_only": False, "overlaps_with": "",
                     "verified": True, "prior_advanced_failed": "1", "non_ibd_indication": "none",
                     "n_enrolled": len(cohort.patients),
                     "denominator_basis": "enrolled" if n == len(cohort.patients) else "evaluable",
                     "count_basis": "printed", "outcome_definition": _COHORT_DEFINITIONS[outcome],
                     "reconstructed": rec, "published": published, "label": label, "notes": notes,
                     "analysis_set": aset})
    return rows


def _centre(design: str) -> str:
    """The centre a single-centre study names in its design ("… single centre (Xijing IBD Center)"), or ''."""
    m = re.search(r"single cent(?:re|er)\s*\(([^)]*)\)", str(design))
    return m.group(1).strip().casefold() if m else ""


def possible_overlaps(lit: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of studies that may share patients although no source says so (the written rule): both
    single-centre, from the same country and population (adult / paediatric), published at most two years apart,
    not already flagged in ``overlaps_with``, and the sources seen do not place them at two different named
    centres. Such a pair is flagged, not merged: the main analysis keeps both, and the sensitivity analysis
    ``possible_overlaps=True`` of :func:`select` treats the pair as overlapping (the larger study kept)."""
    one = lit.drop_duplicates("study_id").set_index("study_id")
    single = [s for s in one.index if re.search(r"single cent(?:re|er)", str(one.at[s, "design"]))]
    known = {frozenset((a, b)) for g in overlap_sets(lit, possible=False) for a in g for b in g if a != b}
    out = []
    for i, a in enumerate(single):
        for b in single[i + 1:]:
            ca, cb = _centre(one.at[a, "design"]), _centre(one.at[b, "design"])
            if (one.at[a, "country"] == one.at[b, "country"] and one.at[a, "population"] == one.at[b, "population"]
                    and abs(int(one.at[a, "year"]) - int(one.at[b, "year"])) <= 2
                    and not (ca and cb and ca != cb) and frozenset((a, b)) not in known):
                out.append((a, b))
    return out


def overlap_sets(lit: pd.DataFrame, possible: bool = False) -> list[list[str]]:
    """Sets of studies sharing patients: connected components of ``overlaps_with`` (read both ways), and with
    ``possible`` of the pairs :func:`possible_overlaps` flags."""
    parent: dict[str, str] = {}

    def find(s):
        while parent.setdefault(s, s) != s:
            s = parent[s]
        return s

    for sid, cell in zip(lit["study_id"], lit["overlaps_with"]):
        for other in _split(cell):
            parent[find(sid)] = find(other)
    for a, b in possible_overlaps(lit) if possible else ():
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for s in sorted(parent):
        groups.setdefault(find(s), []).append(s)
    return [g for g in groups.values() if len(g) > 1]


def _join(values) -> str:
    return "; ".join(dict.fromkeys(str(v) for v in values if str(v) != ""))


_BASIS_ORDER = list(INPUT_VALUES["count_basis"])


def _sum_arms(g: pd.DataFrame, arms_all: list[str]) -> dict:
    first = g.iloc[0].to_dict()
    reported = list(g["arm"])
    missing = [a for a in arms_all if a not in reported]
    first.update({
        "arm": "" if not missing else " & ".join(reported),
        "arms_missing": " & ".join(missing),
        "events": int(g["events"].sum()), "total": int(g["total"].sum()),
        "n_patients": int(g["n_patients"].sum()),
        "regimen_class": g["regimen_class"].iloc[0] if g["regimen_class"].nunique() == 1 else "mixed",
        "disease": g["disease"].iloc[0] if g["disease"].nunique() == 1 else "mixed",
        "regimens": _join(g["regimens"]), "source_location": _join(g["source_location"]),
        "derived_from_percent": bool(g["derived_from_percent"].any()), "verified": bool(g["verified"].all()),
        "count_basis": max(g["count_basis"], key=_BASIS_ORDER.index),
        "denominator_basis": g["denominator_basis"].iloc[0] if g["denominator_basis"].nunique() == 1 else
        "evaluable" if (g["denominator_basis"] == "evaluable").any() else g["denominator_basis"].iloc[0],
        "outcome_definition": _join(g["outcome_definition"]), "timepoint": _join(g["timepoint"]),
        "notes": " | ".join(f"{a}: {n}" for a, n in zip(g["arm"], g["notes"])),
    })
    return first


def select(lit: pd.DataFrame, outcome: str, include: str = "main", units: str = "study",
           overlapping: bool = False, possible_overlaps: bool = False, mixed_indication: bool = False,
           unverified: bool = False,
           one_per_study: str = "latest", regimen_class: str | None = None, population: str | None = None,
           trial_units: bool = False, partial_arms: str = "keep", assumed: bool = False,
           printed_only: bool = False, circular: bool = False,
           count_bases: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Rows for one outcome under the rules of the module docstring, one per study (or per arm).

    Returns the literature columns plus ``label`` (see :func:`study_label`) and ``arms_missing`` (arms of
    the study that do not report the outcome at the chosen timepoint; ``''`` when none), sorted by study.
    With ``units="study"`` a multi-arm study is one row with ``arm=''`` and the arms' events, totals and
    patients summed; with ``units="arm"`` every arm is its own row. ``regimen_class`` and ``population``
    filter rows (arms) before the arms are summed. ``assumed=True`` adds rows with assumed denominators back,
    ``printed_only=True`` keeps only printed counts, ``count_bases`` names the bases kept (overrides the three
    flags); ``circular=True`` (for displays only, never for a pool that
    is compared with the meta-analysis the count came from) admits circular counts.
    """
    if include not in ("main", "all"):
        raise ValueError("include must be 'main' or 'all'")
    if units not in ("study", "arm"):
        raise ValueError("units must be 'study' or 'arm'")
    if one_per_study not in ("latest", "earliest"):
        raise ValueError("one_per_study must be 'latest' or 'earliest'")
    if partial_arms not in ("keep", "drop"):
        raise ValueError("partial_arms must be 'keep' or 'drop'")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    d = lit[(lit["outcome"] == outcome) & ~lit["event_based"]]
    if not trial_units:
        d = d[~d["trial_units"]]
    if include == "main":
        d = d[(d["population"] == "adult") & (d["refractory"] == "yes") & ~d["perianal_only"]]
    if not unverified:
        d = d[d["verified"]]
    if not mixed_indication:
        d = d[~d["indication_mixed"]]
    bases = set(MAIN_COUNT_BASES) | ({"assumed"} if assumed else set()) | ({"circular"} if circular else set())
    if printed_only:
        bases = {"printed"}
    if count_bases is not None:
        unknown = set(count_bases) - set(INPUT_VALUES["count_basis"])
        if unknown:
            raise ValueError(f"count_bases: unknown {sorted(unknown)}")
        bases = set(count_bases)
    d = d[d["count_basis"].isin(bases)]
    if regimen_class:
        d = d[d["regimen_class"] == regimen_class]
    if population:
        d = d[d["population"] == population]

    # one timepoint per study, shared by its arms
    latest = one_per_study == "latest"
    t = d["timepoint_months"].fillna(-np.inf if latest else np.inf)
    chosen = t.groupby(d["study_id"]).transform("max" if latest else "min")
    d = d[t == chosen]
    d = d.sort_values(["study_id", "arm"], kind="mergesort").drop_duplicates(["study_id", "arm"])

    if not overlapping and len(d):
        size = study_sizes(lit)
        year = lit.groupby("study_id")["year"].first().astype(float)
        drop = set()
        for group in overlap_sets(lit, possible=possible_overlaps):
            present = [s for s in group if s in set(d["study_id"])]
            if len(present) > 1:
                keep = sorted(present, key=lambda s: (-size[s], -year[s], s))[0]
                drop |= set(present) - {keep}
        d = d[~d["study_id"].isin(drop)]

    arms_of = lit.groupby("study_id")["arm"].agg(lambda a: sorted(set(a) - {""}))
    if units == "study":
        rows = []
        for sid, g in d.groupby("study_id", sort=True):
            if (g["arm"] == "").all():
                rows.append({**g.iloc[0].to_dict(), "arms_missing": ""})
                continue
            row = _sum_arms(g, arms_of[sid])
            if row["arms_missing"] and partial_arms == "drop":
                continue
            rows.append(row)
        out = pd.DataFrame(rows, columns=list(d.columns) + ["arms_missing"])
    else:
        out = d.assign(arms_missing="")
    out = out.reset_index(drop=True)
    for col in ("events", "total", "n_patients"):
        out[col] = out[col].astype(int)
    out["label"] = study_label(out) if len(out) else pd.Series(dtype=str)
    return out


def _surname(author: str) -> str:
    parts = str(author).split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,3}", parts[-1]):
        parts = parts[:-1]
    return " ".join(parts)


def study_label(df: pd.DataFrame) -> pd.Series:
    """Human labels: "He 2025", an arm "He 2025 — UST+ADA arm", a partly reported study
    "He 2025 — UST+ADA arm only"; two different studies with the same author and year get "a"/"b".
    Rows of this cohort keep the ``label`` they carry (see :func:`cohort_rows`)."""
    if not len(df):
        return pd.Series([], dtype=str, index=df.index)
    year = df["year"].map(lambda y: "" if pd.isna(y) or y == "" else f" {int(float(y))}")
    base = df["first_author"].map(_surname) + year
    studies = pd.DataFrame({"base": base, "sid": df["study_id"]}).drop_duplicates()
    studies = studies.sort_values(["base", "sid"])
    letter = {}
    for b, g in studies.groupby("base"):
        if len(g) > 1:
            letter.update({(b, s): "abcdefghijklmnopqrstuvwxyz"[i] for i, s in enumerate(g["sid"])})
    base = pd.Series([b + letter.get((b, s), "") for b, s in zip(base, df["study_id"])], index=df.index)
    arm = df["arm"].fillna("") if "arm" in df else pd.Series("", index=df.index)
    missing = df["arms_missing"].fillna("") if "arms_missing" in df else pd.Series("", index=df.index)
    suffix = [("" if a == "" else f" — {a} arm" + (" only" if m else "")) for a, m in zip(arm, missing)]
    out = base + pd.Series(suffix, index=df.index)
    if "label" in df:
        own = (df["study_id"] == THIS_STUDY) & df["label"].fillna("").astype(str).ne("")
        out[own] = df.loc[own, "label"]
    out[(df["study_id"] == THIS_STUDY) & (out == base)] = "This cohort"
    return out


def study_names(lit: pd.DataFrame) -> dict[str, str]:
    """Each study's name as a reader sees it ("Sands 2007", "Lee 2022a"), by ``study_id``: :func:`study_label`
    of the study, without an arm."""
    first = lit.drop_duplicates("study_id").assign(arm="")
    return dict(zip(first["study_id"], study_label(first)))


#: Regimen classes as a reader names them, for sentences written here (tables label the codes themselves).
_CLASS_WORDS = {"dual_biologic": "dual biologic", "biologic_small_molecule": "biologic + small molecule"}


def regimen_class_table(lit: pd.DataFrame, outcomes=("clinical_response", "clinical_remission",
                                                     "endoscopic_response", "any_ae", "serious_ae"),
                        include: str = "main", method: str = "GLMM", units: str = "arm", test: str = "t",
                        by: str = "regimen_class", **select_kwargs) -> pd.DataFrame:
    """Pooled proportion by regimen class for each outcome, with the model named on every row.

    Each class is pooled with the binomial–normal GLMM (``method``; an inverse-variance model only on request).
    No model is fitted where it has nothing to estimate: a class of one unit, or a class in which no event (or
    every event) occurred, shows its summed count with the Clopper–Pearson exact interval — 0/N with its exact
    interval, never a pooled rate from a continuity-corrected model. The subgroup-difference test is reported
    only when every class has a fitted model with a finite logit: with the t-based GLMM (the default) the F test
    of the class logits, F = Q / (m − 1) on m − 1 and (units − m) degrees of freedom for m classes, as the
    intervals use t; otherwise the Wald χ² test;
    ``subgroup_test`` says why not otherwise. The unit defaults to the arm: arms of one study can belong to
    different regimen classes (Yin 2025). ``by`` names another grouping column (``disease``, ``population``);
    the group column of the result keeps the name ``regimen_class``. ``select_kwargs`` go to :func:`select`."""
    out = []
    for outcome in outcomes:
        d = select(lit, outcome, include, units=units, **select_kwargs)
        if d.empty:
            continue
        fits = {}
        for cls, g in list(d.groupby(by, sort=True)) + [("Overall", d)]:
            kw: dict[str, Any] = {"test": test} if method == "GLMM" else {}
            fits[cls] = pool_proportions(g["events"], g["total"], method=method, labels=list(g["label"]), **kw)
        classes = [c for c in fits if c != "Overall"]
        fitted = [c for c in classes if fits[c].ci_method != "Clopper-Pearson" and math.isfinite(fits[c].se)]
        p: float | None = float("nan")
        why = ""
        if len(classes) < 2:
            why = "one class only"
        elif len(fitted) < len(classes):
            why = ("not done: " + ", ".join(_CLASS_WORDS.get(c, str(c).replace("_", " ")) for c in classes
                                            if c not in fitted)
                   + " without a fitted model (one unit, or no/all events)")
        else:
            q, df, pv = between_test([fits[c].estimate for c in fitted], [fits[c].se for c in fitted])
            p, why = pv, f"Wald test of the class logits, Q = {q:.2f} on {df} df"
            df2 = sum(fits[c].k for c in fitted) - len(fitted)
            if method == "GLMM" and test == "t" and df2 >= 1:
                # t-based like every interval here: F = Q / df on (df, units - classes) df
                from scipy import stats  # deferred: loaded only where a test is computed

                f_stat = q / df
                p = float(stats.f.sf(f_stat, df, df2))
                why = f"F test of the class logits, F = {f_stat:.2f} on {df} and {df2} df"
        for cls, r in fits.items():
            out.append({"outcome": outcome, "grouped_by": by, "regimen_class": cls, "k": r.k, "patients": r.total,
                        "events": r.events, "pooled_pct": 100 * r.proportion, "ci_low": 100 * r.ci_lower,
                        "ci_high": 100 * r.ci_upper, "i2": r.i2, "tau2": r.tau2, "model": r.model_description,
                        "ci_method": r.ci_method, "subgroup_p": p if cls == "Overall" else float("nan"),
                        "subgroup_test": why if cls == "Overall" else ""})
    return pd.DataFrame(out)


PUBLISHED_META_FILE = PUBLISHED_DIR / "anderson2026_subgroups.csv"


def _half_unit(printed: str) -> float:
    """Half a unit of the last printed decimal: the rounding tolerance of a printed percentage."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10 ** -decimals


def published_meta_check(path=None, glmm: bool = True) -> pd.DataFrame:
    """Published pooled percentages of DTT meta-analyses beside the same numbers recomputed here (where possible).

    Reads ``data/published/anderson2026_subgroups.csv`` (per-subgroup counts with their sources; see
    ``literature.md``). For every subgroup whose counts the sources give, the percentage is recomputed with
    random-effects inverse-variance pooling on two scales: logit (REML; not for 0 or all events, where its
    continuity correction would make up a rate) and Freeman–Tukey double arcsine (DL). When the number of studies in a subgroup is not reported, the
    Freeman–Tukey value is also computed with every therapeutic trial as its own study (``ft_split_pct``):
    for 0 or all events the answer does not depend on the split. ``glmm_pct`` uses
    ``pool_proportions(..., method="GLMM")`` only where a model is fitted (never for one count: the GLMM of one
    study is its Clopper–Pearson count, which is not a pooled estimate). ``agrees_*`` is True
    when the recomputed value lies within the printed figure's rounding (half a unit of its last decimal) —
    for single-study, all-zero and all-event subgroups only, which is all the sources allow; ``circular`` rows
    (counts back-calculated from the printed percentage itself) agree by construction and get ``None``, never
    True. Subgroups the sources do not give counts for keep their reason in ``events_basis`` and NaN results.
    No multi-study pooled figure is recomputed here: see :mod:`dttstudy.synthesis.reconstruction`.
    """
    df = pd.read_csv(path or PUBLISHED_META_FILE, dtype=str, keep_default_na=False)
    out = []
    for r in df.itertuples(index=False):
        row = {"meta_analysis": r.meta_analysis, "subgroup": r.subgroup, "outcome": r.outcome,
               "printed_pct": float(r.printed_pct), "units": r.therapeutic_trials, "unit_of_analysis": r.units,
               "events": r.events, "studies": r.studies, "events_basis": r.events_basis,
               "logit_pct": np.nan, "ft_pct": np.nan, "ft_split_pct": np.nan, "glmm_pct": np.nan}
        if r.reproducible == "true":
            x, n = int(r.events), int(r.therapeutic_trials)
            if 0 < x < n:  # at 0 or all events the logit needs a continuity correction, which makes up a rate
                row["logit_pct"] = 100 * pool_proportions([x], [n], method="REML").proportion
            row["ft_pct"] = 100 * pool_proportions([x], [n], method="DL", transform="freeman_tukey").proportion
            if r.studies != "1" and n > 1:
                xs = [1] * x + [0] * (n - x)
                row["ft_split_pct"] = 100 * pool_proportions(xs, [1] * n, method="DL",
                                                             transform="freeman_tukey").proportion
            if glmm:
                try:
                    fit = pool_proportions([x], [n], method="GLMM")
                except ValueError:
                    fit = None
                if fit is not None and fit.ci_method != "Clopper-Pearson":  # a model was fitted, not a count
                    row["glmm_pct"] = 100 * fit.proportion
        tol = _half_unit(r.printed_pct)
        # counts back-calculated from this meta-analysis's own printed percentage: equal by construction
        row["circular"] = r.events_basis.startswith("derived")
        for m in ("logit", "ft", "glmm"):
            v = row[f"{m}_pct"]
            row[f"agrees_{m}"] = (bool(abs(v - row["printed_pct"]) <= tol + 1e-9)
                                  if not np.isnan(v) and not row["circular"] else None)
        out.append(row)
    return pd.DataFrame(out)
