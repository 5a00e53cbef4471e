"""Tables of published numbers: per-study proportions of the literature (``forest_*``) and the published numbers
of Wang et al. 2025 beside the computed ones.
"""
from __future__ import annotations

import re

import pandas as pd

from ...analysis.stats import round_half_up
from ..labels import NA, abbreviation_note, est_ci, fmt, fmt_p, interval, label, level
from .core import Column, DisplayTable, Row, _is_num, _nan, _text, builder


@builder("forest_")
def forest_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Per-study proportions of a literature outcome: study (arms indented under their study when the tidy table
    has ``level``), events / total, proportion (95% CI) and the pooling weight."""
    has_w = "weight" in tidy.columns
    has_t = "timepoint" in tidy.columns
    cols = [Column(label("label")), Column(label("events"), align="right"), Column(label("total"), align="right"),
            Column(label("proportion_ci"), align="center")] + ([Column(label("weight"), align="right")]
                                                               if has_w else [])
    if has_t:
        cols += [Column(label("timepoint"), wrap=True), Column(label("outcome_definition"), wrap=True)]
    rows = []
    for _, r in tidy.iterrows():
        w = r.get("weight") if has_w else None
        cells = [str(r["label"]), fmt(r["events"], "n"), fmt(r["total"], "n"),
                 est_ci(r["proportion"], r["ci_lower"], r["ci_upper"], "proportion")]
        vals, decs = [None, r["events"], r["total"], None], [None, 0, 0, None]
        if has_w:
            cells.append(fmt(w, "pct") if _is_num(w) and not _nan(w) else "")
            vals.append(w)
            decs.append(1)
        if has_t:
            cells += [_text(r.get("timepoint")), _text(r.get("outcome_definition"))]
            vals += [None, None]
            decs += [None, None]
        indent = int(r["level"]) if "level" in tidy.columns and _is_num(r["level"]) else 0
        rows.append(Row(cells, vals, decs, indent=indent))
    notes = [("", "95% CI: Clopper–Pearson exact.")]
    if has_t:
        notes.append(("", "Timepoints and outcome definitions as each study reports them: they differ between "
                          "studies, so the pooled value mixes them."))
    if "pooled" in tidy.columns and not tidy["pooled"].astype(bool).all():
        notes.append(("", "Indented rows are the arms of the study above: shown, not pooled separately."))
    return DisplayTable(name, level(name.removeprefix("forest_")), cols, rows, notes)


#: Where in Wang et al. 2025 a number is printed (the ``section`` codes of ``data/published/wang2025_facts.csv``).
PAPER_SECTIONS = {"ABS": "Abstract", "M": "Methods", "R-pop": "Results, patients", "R-impl": "Results, treatment",
                  "R-resp": "Results, response", "R-AE": "Results, adverse events", "DISC": "Discussion"}


def _sections(codes) -> str:
    return "; ".join(PAPER_SECTIONS.get(c.strip(), c.strip()) for c in str(codes or "").split(";") if c.strip())


@builder("paper_check", "beside_wang2025")
def paper_check_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Published numbers beside the computed ones: each row named by the paper's own words and the section that
    prints it, printed with the decimals the paper used (taken from the comparison rule, else from the published
    value), status in words when the numbers are checked (the reference cohort) — never the machine key."""
    checked = "status" in tidy.columns
    cols = [Column(label("where"), wrap=True), Column(label("section")), Column(label("published"), align="right"),
            Column(label("computed"), align="right"), Column(label("published_n"), align="right"),
            Column(label("computed_n"), align="right")]
    if checked:
        cols += [Column(label("status_check")), Column(label("rule"), wrap=True)]
    rows = []
    for _, r in tidy.iterrows():
        m = re.search(r"to (\d+) decimals", str(r.get("rule", "")))
        places = int(m.group(1)) if m else _places(r.get("published"))
        cells = [str(r.get("where", "")), _sections(r.get("section")), _fixed(r.get("published"), places),
                 _fixed(r.get("computed"), places), _text(r.get("published_n")), _text(r.get("computed_n"))]
        vals = [None, None, r.get("published") if _is_num(r.get("published")) else None,
                r.get("computed") if _is_num(r.get("computed")) else None, None, None]
        decs = [None, None, places, places, None, None]
        if checked:
            cells += [level(r.get("status")), _text(r.get("rule"))]
            vals += [None, None]
            decs += [None, None]
        rows.append(Row(cells, vals, decs))
    notes = [("", "Section: where Wang et al. 2025 print the number (Abstract, Methods, Results or Discussion).")]
    if checked:
        notes.append(("", "Match: equal after rounding as the paper printed; rounding: differs only by the paper's "
                          "rounding or truncation; conflict: the paper contradicts itself (data/reference/README.md)."))
    title = ("Published numbers and the numbers computed from the cohort" if checked else
             "The numbers of Wang et al. 2025 beside the same quantities computed from these data")
    return DisplayTable(name, title, cols, rows, notes, stub=False)


def _places(v) -> int:
    if not _is_num(v):
        return 0
    s = repr(float(v))
    return 0 if s.endswith(".0") else min(len(s.split(".")[1]), 4)


def _fixed(v, places: int) -> str:
    if not _is_num(v):
        return "" if _nan(v) else str(v)
    out = f"{round_half_up(float(v), places):.{places}f}"
    return out.replace("-", "\u2212") if float(out) != 0 else out.lstrip("-")


@builder("literature_sensitivity")
def sensitivity_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Sensitivity analyses of a pooled literature proportion: one row per analysis (the main analysis first),
    units pooled, events/patients, pooled % (95% CI), 95% prediction interval, τ², I² and the model. A variant
    that selects the same units as the main analysis says so in its detail and repeats the main figures; the
    main row itself is the reference, not a comparison."""

    cols = [Column(label("analysis")), Column(label("detail"), wrap=True), Column(label("k_units"), align="right"),
            Column(label("events_of_n"), align="right"), Column(label("pooled_pct_ci"), align="center"),
            Column(label("pi_pct"), align="center"), Column(label("tau2"), align="right"),
            Column(label("i2"), align="right"), Column(label("model"), wrap=True)]
    rows = []
    for r in tidy.to_dict("records"):
        ok = int(r["k"]) > 0
        model = _short_model(str(r.get("method") or ""))
        analysis = str(r["analysis"])
        cells = ["Main analysis" if analysis == "main" else analysis[:1].upper() + analysis[1:], str(r["detail"]),
                 fmt(r["k"], "n"),
                 f"{int(r['events'])}/{int(r['n'])}" if ok else NA,
                 est_ci(r["pooled_pct"], r["ci_low"], r["ci_high"], "pct") if ok else NA,
                 interval(r["pi_low"], r["pi_high"], "pct") if ok else NA,
                 fmt(r["tau2"], "tau2"), fmt(r["i2"], "i2"), model if ok else str(r.get("note") or NA)]
        rows.append(Row(cells, [None, None, r["k"], None, None, None, r["tau2"], r["i2"], None],
                        [None, None, 0, None, None, None, 3, 1, None]))
    notes = [("", "The first row is the main analysis, reported in the text; every other row changes one choice. "
                  "“— same as main” marks a variant that selects exactly the main analysis's studies and counts, "
                  "so its figures repeat the main row's."),
             ("", "GLMM: binomial–normal generalised linear mixed model (maximum likelihood), CI and prediction "
                  "interval from the t distribution with k − 1 degrees of freedom (normal distribution where "
                  "marked z). Logit and Freeman–Tukey: inverse-variance random-effects models on the logit and "
                  "double-arcsine scales, τ² by the estimator named (REML, DL or PM), CI and prediction interval "
                  "from the normal distribution (t with Hartung–Knapp)."),
             ("", "τ² on the logit scale (double-arcsine scale for Freeman–Tukey); I² from τ² and the typical "
                  "within-study variance, as in metafor.")]
    return DisplayTable(name, "Sensitivity analyses of the pooled proportion", cols, rows, notes)


def _short_model(description: str) -> str:
    """The model of a sensitivity row in a word or two (the table's footnote spells each out)."""
    d = description.lower()
    if d.startswith("no model"):
        return _model_words(description)
    if "glmm" in d:
        return "GLMM" + (" (z)" if "t(k-1)" not in d else "")
    m = re.fullmatch(r"inverse-variance (logit|freeman-tukey|[\w -]+), (\w+)( \+ hartung-knapp)?", d)
    if m:
        scale = {"logit": "Logit", "freeman-tukey": "Freeman–Tukey"}.get(m.group(1), m.group(1))
        return f"{scale}, {m.group(2).upper()}" + (" with Hartung–Knapp" if m.group(3) else "")
    return description


#: Abbreviations of the quoted abstract text of a published meta-analysis that the shared glossary
#: (:data:`dttstudy.reporting.labels.DRUGS`, ``ABBREVIATIONS``) does not have.
_QUOTED_ABBREVIATIONS = {"TTs": "therapeutic trials (one patient's course on one combination, the meta-analysis's "
                                "unit)", "SAEs": "serious adverse events", "NAT": "natalizumab",
                         "Tofa": "tofacitinib", "aTNF": "anti-TNF"}


_UNIT_WORDS = {"therapeutic trials": "trials", "patients": "patients"}


def _events_basis(text: str) -> str:
    """Where a subgroup's event count comes from, in words: a back-calculation spelt out, the abstract's own
    words in quotation marks."""
    s = str(text or "")
    m = re.fullmatch(r"derived: ([\d.]+) x (\d+) = ([\d.]+) -> (\d+) \((\d+)/(\d+) = ([\d.]+)%\)", s)
    if m:
        p, n, x, k, _, _, back = m.groups()
        return (f"back-calculated from the printed percentage: {float(p) * 100:g}% of {n} = {x}, "
                f"rounded to {k} ({k}/{n} = {back}%)")
    if s.startswith("printed: "):
        return f"printed in the abstract: “{s.removeprefix('printed: ')}”"
    return s.replace(" -> ", " → ")


@builder("published_meta_check")
def published_meta_check_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Published subgroup percentages beside the same figure recomputed from the counts the sources give: printed
    %, events/units with the unit, number of studies, where the events come from, the recomputed % by model, and
    whether each lies within the printed figure's rounding. Circular rows (events back-calculated from the printed
    %) are marked and are never counted as agreement."""
    models = [("logit_pct", "agrees_logit", label("model_logit")), ("ft_pct", "agrees_ft", label("model_ft")),
              ("ft_split_pct", None, label("model_ft_split")), ("glmm_pct", "agrees_glmm", label("model_glmm"))]
    # a model column only where the model gave a number (the GLMM of one count is no model: never shown)
    models = [m for m in models if m[0] in tidy and tidy[m[0]].notna().any()]
    cols = [Column(label("meta_analysis")), Column(label("subgroup")), Column(label("outcome")),
            Column(label("printed_pct"), align="right"), Column(label("events_of_units"), align="right"),
            Column(label("studies"), align="right"), Column(label("events_basis"), wrap=True)]
    cols += [Column(t, align="right", spanner=label("recomputed_pct")) for _, _, t in models]
    cols += [Column(label("within_rounding"), wrap=True)]
    rows = []
    for r in tidy.to_dict("records"):
        events = "" if _nan(r.get("events")) or str(r.get("events")) == "" else str(int(float(r["events"])))
        verdicts = []
        if bool(r.get("circular")):
            verdict = "not a check: circular"
        else:
            for _, agree, t in models:
                v = r.get(agree) if agree else None
                if v is not None and not _nan(v) and str(v) != "":
                    verdicts.append(f"{t} {'yes' if str(v) in ('True', 'true', '1') or v is True else 'no'}")
            verdict = "; ".join(verdicts) or NA
        cells = [str(r["meta_analysis"]), str(r["subgroup"]), level(str(r["outcome"])),
                 fmt(r["printed_pct"], "pct"),
                 f"{events or NA}/{r['units']} {_UNIT_WORDS.get(str(r.get('unit_of_analysis') or ''), '')}".strip(),
                 str(r["studies"]), _events_basis(r["events_basis"])]
        cells += [fmt(r[c], "pct") if not _nan(r[c]) else NA for c, _, _ in models] + [verdict]
        rows.append(Row(cells, [None, None, None, r["printed_pct"], None, None, None]
                        + [r[c] for c, _, _ in models] + [None],
                        [None, None, None, 1, None, None, None] + [1] * len(models) + [None]))
    abbr = abbreviation_note(tidy["events_basis"], extra=_QUOTED_ABBREVIATIONS)
    notes = [("", "Events/units: what the meta-analysis counts, patients or therapeutic trials (one patient's "
                  "course on one combination). Recomputed with random-effects pooling on the logit scale (REML; "
                  "not for 0 or all events, where a continuity correction would make up a rate) and the "
                  "Freeman–Tukey double arcsine (DerSimonian–Laird); where the number of studies is not printed, "
                  "also with every trial as its own study"
                  + ("; GLMM: binomial–normal model." if any(m[0] == "glmm_pct" for m in models) else ".")),
             ("", "Within rounding: the recomputed % lies within half a unit of the printed figure's last decimal. "
                  "Circular: the events were back-calculated from the printed percentage, so the two agree by "
                  "construction; such a row is not a check and is never counted as agreement."),
             ("", "– not derivable from what the sources print; the reason is given.")]
    if abbr:
        notes.append(("", f"In the quoted text: {abbr}."))
    return DisplayTable(name, "Published subgroup percentages beside recomputed ones", cols, rows, notes)


def _model_words(model: str) -> str:
    """A model description as a reader's words (the tidy table keeps the package's wording)."""
    return (str(model or "").replace("binomial-normal GLMM (ML)", "binomial–normal GLMM")
            .replace(", t(k-1) CI", "").replace("Clopper-Pearson", "Clopper–Pearson"))


@builder("literature_regimen_classes", "literature_subgroups")
def regimen_class_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Pooled proportions by regimen class, outcomes as row groups: arms pooled, patients, events, pooled %
    (95% CI), I², τ², the model of the row, and the test for a difference between classes on the row that pools
    all classes."""
    by = str(tidy["grouped_by"].iloc[0]) if "grouped_by" in tidy and len(tidy) else "regimen_class"
    cols = [Column(label(by)), Column(label("arms_k"), align="right"),
            Column(label("patients"), align="right"), Column(label("events"), align="right"),
            Column(label("pooled_pct_ci"), align="center"), Column(label("i2"), align="right"),
            Column(label("tau2"), align="right"), Column(label("model"), wrap=True),
            Column(label("class_difference"), wrap=True)]
    rows = []
    for r in tidy.to_dict("records"):
        overall = r["regimen_class"] == "Overall"
        test = ""
        if overall:
            p = r.get("subgroup_p")
            why = str(r.get("subgroup_test") or "")
            if p is not None and not _nan(p):
                q = re.search(r"Q = ([\d.]+) on (\d+) df", why)
                f = re.search(r"F = ([\d.]+) on (\d+) and (\d+) df", why)
                test = f"p = {fmt_p(p)}" + (f" (F = {f.group(1)} on {f.group(2)} and {f.group(3)} df)" if f else
                                            f" (Wald χ² = {q.group(1)}, {q.group(2)} df)" if q else "")
            else:
                m = re.fullmatch(r"not done: (.+) without a fitted model(.*)", why)
                test = (f"not tested: {m.group(1)} {'have' if ',' in m.group(1) else 'has'} no fitted model"
                        f"{m.group(2)}" if m else why)
        fitted = not str(r["model"]).startswith("no model")  # a summed count estimates no heterogeneity
        cells = ["All classes" if overall else level(r["regimen_class"]), fmt(r["k"], "n"), fmt(r["patients"], "n"),
                 fmt(r["events"], "n"), est_ci(r["pooled_pct"], r["ci_low"], r["ci_high"], "pct"),
                 fmt(r["i2"], "i2") if fitted else NA, fmt(r["tau2"], "tau2") if fitted else NA,
                 _model_words(r["model"]), test]
        rows.append(Row(cells, [None, r["k"], r["patients"], r["events"], None, r["i2"] if fitted else None,
                                r["tau2"] if fitted else None, None, None],
                        [None, 0, 0, 0, None, 1, 3, None, None],
                        group=level(str(r["outcome"]))))
    notes = [("", "Arms are the units here: the arms of one study can belong to different regimen classes. "
                  "“All classes” therefore pools arms, as the sensitivity analysis “arms as separate units” "
                  "does, and differs from the main pooled estimate, which counts each study once."),
             ("", "CIs of fitted models from the t distribution with k − 1 degrees of freedom. A class with one "
                  "arm, or with no (or every) event, has no fitted model: its summed count is shown with the "
                  "Clopper–Pearson exact CI. The test for a difference between classes (F test of the class logits, "
                  "t-based as the CIs) is reported only when every class has a fitted model."),
             ("", "τ² on the logit scale; I² from τ² and the typical within-study variance, as in metafor.")]
    return DisplayTable(name, "Pooled proportions by regimen class", cols, rows, notes)


@builder("literature_pooled_vs_cohort")
def pooled_vs_cohort_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """The pooled published cohorts per outcome (studies, patients, conditional pooled % with 95% CI,
    population-averaged %, 95% prediction interval, τ² with its profile-likelihood CI, I²) beside this cohort
    and the predictive probability that a new study does at least as well."""
    cols = [Column(label("outcome")), Column(label("studies"), align="right"), Column(label("patients"), align="right"),
            Column(label("pooled_pct_ci"), align="center"), Column(label("marginal_pct_ci"), align="center"),
            Column(label("pi_pct"), align="center"), Column(label("tau2_ci"), align="center"),
            Column(label("i2"), align="right"), Column(label("this_cohort_pct"), align="center"),
            Column(label("p_new_at_least"), align="right")]
    rows = []
    unpublished = False
    sensitivity = False
    for r in tidy.to_dict("records"):
        own = str(r.get("this_cohort") or "")
        cohort = f"{own} ({fmt(r['this_cohort_pct'], 'pct')}%)" if own and not _nan(r.get("this_cohort_pct")) else NA
        observed = str(r.get("this_cohort_observed") or "—")
        p_cell = fmt(r["p_at_least"], "prob") if not _nan(r["p_at_least"]) else NA
        if observed != "—" and cohort != NA:
            sensitivity = True
            cohort += f"; observed cases {observed}"
            if not _nan(r.get("p_at_least_observed")):
                p_cell += f" (observed: {fmt(r['p_at_least_observed'], 'prob')})"
        marks = {}
        if "not published" in str(r.get("this_cohort_label") or ""):
            marks[8] = "a"
            unpublished = True
        rows.append(Row([level(str(r["outcome"])), fmt(r["k"], "n"),
                         fmt(r["patients"], "n"), est_ci(r["pooled_pct"], r["ci_low"], r["ci_high"], "pct"),
                         est_ci(r["marginal_pct"], r.get("marginal_ci_low"), r.get("marginal_ci_high"), "pct")
                         if not _nan(r.get("marginal_ci_low")) else fmt(r["marginal_pct"], "pct"),
                         interval(r["pi_low"], r["pi_high"], "pct"),
                         est_ci(r["tau2"], r["tau2_ci_low"], r["tau2_ci_high"], "tau2"), fmt(r["i2"], "i2"),
                         cohort, p_cell],
                        [None, r["k"], r["patients"], r["pooled_pct"], r["marginal_pct"], None, r["tau2"], r["i2"],
                         None, r["p_at_least"]], [None, 0, 0, 1, 1, None, 3, 1, None, 3], marks=marks))
    model = _model_words(str(tidy["method"].iloc[0])) if len(tidy) and "method" in tidy else ""
    notes = [("", f"Studies are the units (each study once). Model: {model}; pooled %: the conditional estimate, "
                  "the proportion of the median study; population-averaged %: the mean proportion over studies, its CI "
                  "the pooled logit's CI carried through the averaging at the estimated τ². "
                  "CI and prediction interval from the t distribution with k − 1 degrees of freedom; τ² (logit "
                  "scale) with its profile-likelihood CI."),
             ("", "P(new study ≥ this cohort): the probability that a new study of this cohort's size has at least "
                  "as many patients with the outcome, under the pooled predictive distribution.")]
    if sensitivity:
        notes.append(("", "This cohort's efficacy rows: non-responder imputation (patients who stopped DTT for no "
                          "response or an adverse event count as non-responders: the intention-to-treat reading, "
                          "as the studies' enrolled denominators) is the main comparison; observed cases (as the "
                          "paper reports) the sensitivity analysis."))
    if "study_timepoints" in tidy:
        differ = [f"{level(str(r['outcome']))}: {r['study_timepoints']}, {int(r['definitions'])} outcome "
                  f"definition{'s' if int(r['definitions']) != 1 else ''} (this cohort: {r['this_cohort_window']})"
                  for r in tidy.to_dict("records") if str(r.get("study_timepoints") or "")]
        if differ:
            notes.append(("", "The pooled studies differ in timepoint and definition, and so does this cohort: "
                              + "; ".join(differ) + ". Adverse events: this cohort over the whole DTT course, each "
                              "study over its own follow-up."))
    pairs = sorted({p for v in tidy.get("possible_overlaps", pd.Series(dtype=str)).fillna("") for p in
                    str(v).split("; ") if p})
    if pairs:
        notes.append(("", "Possible patient overlap, not confirmed by any source (same country, single centre, "
                          "published within two years): " + "; ".join(pairs) + ". Both are pooled; the sensitivity "
                          "analysis “possible overlaps resolved” keeps the larger."))
    if unpublished:
        notes.append(("a", "Computed from the reconstructed cohort; Wang et al. 2025 do not print it"
                           + (" (the non-responder-imputation count; clinical remission not at all)."
                              if sensitivity else ".")))
    return DisplayTable(name, "Pooled published cohorts and this cohort", cols, rows, notes)


@builder("published_meta_reconstruction")
def reconstruction_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """The reconstruction of a published pooled figure, one block per figure and set of candidate studies: the
    printed figure, the studies with their counts and where the counts come from said once as the block's label
    rows, then one row per method variant with its reconstructed % (95% CI) and whether it lies inside the
    printed CI (instead of the studies repeated on every variant's row)."""
    cols = [Column(label("variant")), Column(label("reconstructed_pct_ci"), align="center"),
            Column(label("distance"), align="right"), Column(label("close"), align="center")]
    rows: list[Row] = []
    keys = ["target", "candidate_set"]
    for (target, cset), g in tidy.groupby(keys, sort=False):
        first = g.iloc[0]
        group = f"{target}, printed {fmt(first['printed_pct'], 'pct')}% ({first['printed_ci']}): {cset}"
        studies = (f"{int(first['k'])} studies, {int(first['events'])}/{int(first['n'])}: {first['studies_in_set']}"
                   if int(first["k"]) else "no candidate study")
        rows.append(Row([studies, "", "", ""], [None] * 4, [None] * 4, group=group))
        gone = "" if _nan(first.get("left_out")) else str(first.get("left_out") or "")
        if gone:
            rows.append(Row([f"Left out by the meta-analysis's rules: {gone}", "", "", ""], [None] * 4, [None] * 4,
                            group=group))
        circular = "" if _nan(first.get("circular_rows")) else str(first.get("circular_rows") or "")
        basis = "" if _nan(first.get("basis")) else str(first.get("basis") or "")
        extra = "; ".join(x for x in (basis, f"left out as circular: {circular}" if circular else "") if x)
        if extra:
            rows.append(Row([extra[0].upper() + extra[1:], "", "", ""], [None] * 4, [None] * 4, group=group))
        for r in g.to_dict("records"):
            close = r.get("close")
            dist = r.get("distance")
            rows.append(Row([_model_words(str(r["variant"])).replace("Freeman-Tukey", "Freeman–Tukey"),
                             est_ci(r["reconstructed_pct"], r["ci_low"], r["ci_high"], "pct"),
                             NA if dist is None or _nan(dist) else f"{dist:.2f}",
                             NA if close is None or _nan(close) else ("yes" if str(close) in ("True", "true")
                                                                      or close is True else "no")],
                            [None, r["reconstructed_pct"], None if dist is None or _nan(dist) else dist, None],
                            [None, 1, 2, None], group=group, indent=1))
    notes = [("", "Each block: a pooled figure printed by the meta-analysis, and the candidate primary studies it may "
                  "have pooled, with their counts and where the counts come from; below, the figure reconstructed "
                  "under each method variant. A reconstruction, not a reproduction: the meta-analysis does not "
                  "list its studies per figure."),
             ("", "Distance: |reconstructed − printed| in widths of the printed 95% CI; close: a distance of at "
                  "most 0.25. Unlike “inside the printed CI”, which wide reconstructed intervals meet almost "
                  "always, this can fail; a close value is consistency, not agreement."),
             ("", "The meta-analysis's rules are applied: studies with more than 10 patients, efficacy arms "
                  "treated for IBD, arms summed only at one timepoint; what a rule leaves out is named.")]
    return DisplayTable(name, "Published pooled figures beside their reconstruction", cols, rows, notes)
