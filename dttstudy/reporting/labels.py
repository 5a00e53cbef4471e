"""Human labels and number formats for display tables: one dictionary, one formatting rule per statistic.

Every column header of a display table comes from :data:`LABELS` through :func:`label`; an unknown name raises
:class:`UnknownLabel`, so a test can show that no raw ``snake_case`` name reaches a journal table. Coded cell
values (``True``, ``adverse_event``, ``E3``, ``UST``) become words through :func:`level`. Numbers become text
through :func:`fmt`, which holds the one rule per statistic (decimals, rounding half up as people do, the
p-value style), so decimals never vary within a column.
"""
from __future__ import annotations

import math
import re

from ..analysis.stats import round_half_up
from ..concepts import ENDPOINTS, LABS, LITERATURE_OUTCOMES

#: Dash shown for "not applicable / not computable" (an en dash, as journals print it).
NA = "–"
#: The minus sign of negative numbers in display text (U+2212, not a hyphen).
MINUS = "\u2212"


class UnknownLabel(KeyError):
    """A column or variable name that has no entry in :data:`LABELS`."""


#: Column / variable name -> human label with unit (the single label dictionary of the package).
LABELS: dict[str, str] = {
    # patients, treatments, visits (data dictionary names)
    "patient_id": "Patient", "center": "Centre", "sex": "Sex", "disease": "Disease",
    "age_at_diagnosis": "Age at diagnosis, years", "disease_duration": "Disease duration, years",
    "followup_before_dtt": "Follow-up before DTT, months", "montreal": "Montreal classification",
    "abdominal_surgery": "Abdominal surgery", "perianal_surgery": "Perianal surgery",
    "autoimmune_disease": "Immune-mediated comorbidity", "failed_biologics": "Failed biologics, n",
    "failed_immunomodulators": "Failed immunosuppressants / small molecules, n", "indication": "Indication",
    "agent_1": "Agent 1", "agent_2": "Agent 2", "agent": "Agent", "regimen": "Regimen",
    "dtt_months": "Time on DTT, months", "status": "DTT status", "stop_reason": "Reason for stopping",
    "next_therapy": "Next therapy", "steroid_at_start": "Corticosteroid at start",
    "steroid_stop_month": "Corticosteroid stopped, month", "month": "Month", "on_dtt": "On DTT",
    "hbi": "HBI", "partial_mayo": "Partial Mayo", "rectal_bleeding": "Rectal bleeding subscore",
    "mes": "Mayo endoscopic subscore", "ses_cd": "SES-CD", "limberg": "Limberg grade",
    **{x.name: x.header for x in LABS},
    "term": "Adverse event", "onset_month": "Onset, month", "suspected_agent": "Suspected agent",
    "serious": "Serious", "action": "Action taken", "outcome": "Outcome", "severity": "Severity",
    "treatment_emergent": "Treatment-emergent",
    # Table 1
    "variable": "Characteristic", "level": "Confidence level", "statistic": "Statistic", "UC": "UC", "CD": "CD",
    "Total": "Total", "total": "Total", "p_value": "p-value", "p": "p-value", "test": "Test",
    # Tables 3-4
    "score": "Activity score", "score_0m": "Score, month 0", "adverse_events": "Adverse events",
    **{e.name: e.label for e in ENDPOINTS},
    # rates
    "endpoint": "Endpoint", "definition": "Definition", "analysis_set": "Analysis set", "by": "Subgroup by",
    "group": "Group", "n": "n", "N": "N", "pct": "%", "ci_low": "95% CI lower, %", "ci_high": "95% CI upper, %",
    "ci_method": "CI method", "n/N (%; 95% CI)": "n/N (%; 95% CI)",
    "events": "Events", "patients": "Patients", "patients_with_event": "Patients with an event",
    "patient_years_at_risk": "Patient-years at risk", "patient_years_exposure": "Patient-years of exposure",
    "eair_per_100py": "EAIR per 100 PY", "eair_ci_low": "EAIR 95% CI lower", "eair_ci_high": "EAIR 95% CI upper",
    "eaer_per_100py": "EAER per 100 PY", "eaer_ci_low": "EAER 95% CI lower", "eaer_ci_high": "EAER 95% CI upper",
    "eair": "Patients with AE / PY at risk; EAIR per 100 PY (95% CI)",
    "eaer": "Events / PY of exposure; EAER per 100 PY (95% CI)",
    # labs
    "lab": "Laboratory value", "unit": "Unit", "baseline": "Baseline", "visit_month": "Visit month",
    "value": "Value", "change": "Change from baseline", "pct_change": "Change from baseline, %",
    "baseline_mean": "Baseline, mean", "value_mean": "Follow-up, mean", "change_mean": "Change, mean",
    "change_sd": "Change, SD", "baseline_median": "Baseline, median", "baseline_q1": "Baseline, Q1",
    "baseline_q3": "Baseline, Q3", "value_median": "Follow-up, median", "value_q1": "Follow-up, Q1",
    "value_q3": "Follow-up, Q3", "change_median": "Change, median", "change_q1": "Change, Q1",
    "change_q3": "Change, Q3", "wilcoxon_statistic": "Wilcoxon V",
    "baseline_mean_sd": "Baseline, mean (SD)", "value_mean_sd": "Follow-up, mean (SD)",
    "change_mean_sd": "Change, mean (SD)", "change_median_iqr": "Change, median (Q1–Q3)",
    # time to event
    "parameter": "Parameter", "time": "Time, months", "event": "Event", "cnsr": "Censored (1 = yes)",
    "censor_reason": "Reason for censoring", "first_event": "First event", "at_risk": "At risk",
    "censored": "Censored", "survival": "Survival probability", "ci_lower": "95% CI lower",
    "ci_upper": "95% CI upper", "ci_type": "CI type", "competing": "Competing events",
    "cif_event": "Cumulative incidence of AE", "cif_competing": "Cumulative incidence of competing event",
    "event_free": "Free of either event", "survival_ci": "Survival (95% CI)",
    # paper check
    "key": "Fact", "section": "Section", "where": "Statement in the paper", "published": "Published",
    "computed": "Computed", "computed_exact": "Computed (unrounded)", "computed_n": "Computed n/N",
    "published_n": "Published n/N", "rule": "Comparison rule", "note": "Note",
    # literature and meta-analysis
    "study_id": "Study ID", "label": "Study", "first_author": "First author", "year": "Year", "journal": "Journal",
    "doi_or_url": "DOI or URL", "population": "Population", "refractory": "Refractory", "regimen_class":
    "Regimen class", "n_patients": "Patients", "timepoint": "Time point", "timepoint_months": "Time point, months",
    "derived_from_percent": "Derived from a percentage", "event_based": "Event-based", "trial_units": "Trial units",
    "include_main": "In main analysis", "verified": "Verified", "overlaps_with": "Overlaps with", "notes": "Notes",
    "proportion": "Proportion", "proportion_ci": "Proportion (95% CI)", "omitted": "Study omitted",
    "k": "Studies", "pi_lower": "95% PI lower", "pi_upper": "95% PI upper", "estimate": "Estimate (logit)",
    "se": "SE (logit)", "tau2": "τ²", "tau": "τ", "i2": "I², %", "q": "Q", "df": "df", "q_pvalue": "Q p-value",
    "method": "Method", "transform": "Transform", "hartung_knapp": "Hartung–Knapp", "continuity": "Continuity",
    "pooled_pct": "Pooled, %", "pooled_ci": "Pooled, % (95% CI)", "pi": "95% PI", "pct_ci": "% (95% CI)",
    "pi_pct": "95% PI, %", "this_cohort": "This cohort, n/N", "this_cohort_label": "This cohort",
    "subgroup_p": "Subgroup p-value", "pooled_events": "Events",
    # composite and short headers of the display tables (dttstudy.reporting.display)
    "status_check": "Status", "eair_ci": "EAIR per 100 PY (95% CI)", "eaer_ci": "EAER per 100 PY (95% CI)",
    "teae_patients": "Patients with ≥ 1 TEAE, n/N (%; 95% CI)", "first_teae": "First TEAE", "all_teae": "All TEAEs",
    "baseline_median_iqr": "Baseline, median (Q1–Q3)", "value_median_iqr": "Follow-up, median (Q1–Q3)",
    "steroid_at_start_short": "Steroid at start", "age_short": "Age at diagnosis, y", "duration_short":
    "Duration, y", "montreal_short": "Montreal", "failed_n": "Failed, n", "failed_biologics_short": "Biologics",
    "failed_immunomodulators_short": "IS / SM", "activity": "Activity", "endoscopy": "Endoscopy",
    "score_m": "Score", "response_m": "Response", "change_short": "Change",
    # sensitivity analyses and forest tables
    "analysis": "Analysis", "detail": "Detail", "pi_method": "PI method", "same_as_main": "Same as main analysis",
    "k_units": "Units", "events_of_n": "Events/n", "events_of_units": "Events/units",
    "recomputed_pct": "Recomputed, %", "within_rounding": "Within the printed rounding",
    "unit_of_analysis": "Unit", "model_logit": "Logit", "model_ft": "Freeman–Tukey",
    "model_ft_split": "Freeman–Tukey, each trial a study", "model_glmm": "GLMM", "arms_k": "Arms", "class_difference": "Difference between classes",
    "tau2_ci": "τ² (95% CI)", "this_cohort_pct": "This cohort, n/N (%)", "p_new_at_least": "P(new study ≥ this cohort)", "pooled_pct_ci": "Pooled, % (95% CI)",
    "arm": "Arm", "pooled": "Pooled", "weight": "Weight, %",
    # log-rank tests, cumulative incidence, patient flow
    "groups": "Groups", "observed": "Observed events", "expected": "Expected events", "chi2": "χ²",
    "no_test_reason": "Not tested because", "cif_event_ci": "Cumulative incidence of AE (95% CI)",
    "cif_competing_ci": "Cumulative incidence of competing event (95% CI)", "cif_event_se": "SE, AE incidence",
    "cif_competing_se": "SE, competing incidence", "cif_event_ci_lower": "AE incidence, 95% CI lower",
    "cif_event_ci_upper": "AE incidence, 95% CI upper", "cif_competing_ci_lower": "Competing incidence, 95% CI lower",
    "cif_competing_ci_upper": "Competing incidence, 95% CI upper", "status_flow": "Patients at the month",
    "visit_variable": "Variable", "applies_to": "Expected of", "completeness_cell": "Present / expected (%)",
    "regimens": "Regimens (patients)", "centre_response": "Clinical response, n/N (%)",
    "baseline_visit": "Baseline", "summary_table": "Summary table", "centre": "Centre",
    "centres_k": "Centres", "centres": "Centres, n", "start": "From month", "end": "To month",
    "contributing_centres": "Centres contributing", "withheld_centres": "Centres withholding", "mean": "Mean",
    "sd": "SD", "file": "Summary file", "min_cell": "Minimum cell count", "cells_withheld": "Values withheld",
    "input_sha256": "Data files (SHA-256)", "re_pooled": "Pooled, % (95% CI)", "pooled_n_of_n": "n/N", "table": "Summary table", "cell": "Withheld value",
    # published meta-analysis check
    "meta_analysis": "Meta-analysis", "subgroup": "Subgroup", "category": "Category", "printed_pct": "Printed, %", "units": "Units",
    "studies": "Studies", "events_basis": "Where the events come from", "logit_pct": "Logit, %", "ft_pct": "Freeman–Tukey, %",
    "ft_split_pct": "Freeman–Tukey by study, %", "glmm_pct": "GLMM, %", "agrees_logit": "Agrees (logit)",
    "agrees_ft": "Agrees (Freeman–Tukey)", "agrees_glmm": "Agrees (GLMM)",
    # evidence synthesis: estimands, small-k inference, coding rules, reconstruction
    "outcome_definition": "Outcome definition", "model": "Model", "subgroup_test": "Subgroup test",
    "marginal_pct": "Population-averaged, %", "marginal_pct_ci": "Population-averaged, % (95% CI)",
    "marginal_ci_low": "Population-averaged, CI lower", "marginal_ci_high": "Population-averaged, CI upper", "tau2_ci_low": "τ² CI, lower", "tau2_ci_high": "τ² CI, upper",
    "p_at_least": "P(new study ≥ cohort)", "p_at_most": "P(new study ≤ cohort)", "count_basis": "Count basis",
    "denominator_basis": "Denominator basis", "n_enrolled": "Enrolled, n", "itt_changed": "Denominator changed (ITT)",
    "target": "Published figure", "candidate_set": "Studies reconstructed", "variant": "Method variant",
    "printed_ci": "Printed 95% CI", "distance": "Distance (printed CI widths)", "close": "Close", "circular_rows": "Circular rows",
    "studies_in_set": "Studies", "reconstructed_pct": "Reconstructed, %", "basis": "Basis",
    "reconstructed_pct_ci": "Reconstructed, % (95% CI)",
    "circular": "Circular (counts from the printed %)", "input": "Input column", "input_value": "Input value",
    "flag": "Flag", "flag_value": "Flag value", "rule_text": "Rule",
    # the review: selection flow, risk of bias, certainty of evidence
    "box": "Box", "reasons": "Reasons and notes", "route": "Identified via", "study": "Study",
    "jbi_item": "JBI checklist item", "items_met": "Items met", "overall_risk": "Overall risk",
    "item": "Item", "answer": "Answer", "rationale": "Rationale",
    "studies_patients": "Studies (patients)", "per_100": "Pooled, per 100 patients (95% CI)",
    "rated_down": "Rated down for", "risk_of_bias": "Risk of bias", "inconsistency": "Inconsistency",
    "indirectness": "Indirectness", "imprecision": "Imprecision", "certainty": "Certainty",
    "meaning": "What it means", "statement": "Statement", "downgrades": "Levels rated down",
    "grouped_by": "Grouped by",
    **{f"q{i}": f"Q{i}" for i in range(1, 11)},  # the JBI items, numbered as the checklist numbers them
}

# Columns that are a score/response/CRP at a month (Tables 3-4): score_3m -> "Score, month 3".
_MONTH_COLS = {"score": "Score", "response": "Response", **{x.name: x.header for x in LABS}}


def label(name: str, strict: bool = True) -> str:
    """The human label of a column or variable name, from :data:`LABELS`.

    Month-indexed columns of the follow-up tables (``score_3m``, ``response_6m``, ``crp_9m``) are labelled by rule
    ("Score, month 3"). ``strict=True`` (the default) raises :class:`UnknownLabel` for a name not in the
    dictionary; ``strict=False`` returns the name with underscores as spaces and the first letter capitalised.
    """
    if name in LABELS:
        return LABELS[name]
    m = re.fullmatch(r"(score|response|crp)_(\d+(?:\.\d+)?)m", str(name))
    if m:
        return f"{_MONTH_COLS[m.group(1)]}, month {m.group(2)}"
    if strict:
        raise UnknownLabel(f"no label for {name!r}: add it to dttstudy.reporting.labels.LABELS")
    s = str(name).replace("_", " ").strip()
    return s[:1].upper() + s[1:]


def is_reader_header(text: str) -> bool:
    """Whether a table header is reader text from the dictionary: a label of :data:`LABELS`, "Month 3", a label
    with its month ("Score, month 3") or with its group size ("CD, N = 10")."""
    values = set(LABELS.values())
    if text in values:
        return True
    if re.fullmatch(re.escape(LABELS["month"]) + r" \d+(?:\.\d+)?", text):
        return True
    m = re.fullmatch(r"(.+), month \d+(?:\.\d+)?", text)
    if m and m.group(1) in values:
        return True
    m = re.fullmatch(r"(.+), N = \d+", text)
    return bool(m and m.group(1) in values)


def unreadable_headers(columns) -> list[str]:
    """Headers and spanners of display ``columns`` that are not reader text (:func:`is_reader_header`); the
    columns under the "Centre" spanner are headed by a centre's code, a data value, and pass."""
    out = []
    for c in columns:
        if c.spanner is not None and c.spanner != LABELS["centre"] and not is_reader_header(c.spanner):
            out.append(c.spanner)
        if c.spanner != LABELS["centre"] and not is_reader_header(c.label):
            out.append(c.label)
    return list(dict.fromkeys(out))


def is_labelled(name: str) -> bool:
    """Whether :func:`label` knows ``name``."""
    try:
        label(name)
        return True
    except UnknownLabel:
        return False


#: Drug codes -> international non-proprietary names (for abbreviation footnotes and glossaries).
DRUGS: dict[str, str] = {
    "IFX": "infliximab", "ADA": "adalimumab", "GOL": "golimumab", "CZP": "certolizumab pegol",
    "VDZ": "vedolizumab", "NTZ": "natalizumab", "UST": "ustekinumab", "RZB": "risankizumab",
    "MIR": "mirikizumab", "GUS": "guselkumab", "TOF": "tofacitinib", "UPA": "upadacitinib", "FIL": "filgotinib",
    "OZA": "ozanimod", "ETR": "etrasimod", "AZA": "azathioprine",
}

#: Other abbreviations a table may use, for the same footnotes.
ABBREVIATIONS: dict[str, str] = {
    "UC": "ulcerative colitis", "CD": "Crohn's disease", "DTT": "dual-targeted therapy",
    "HBI": "Harvey–Bradshaw Index", **{x.label: x.long_name for x in LABS if x.label.isupper()},
    "CI": "confidence interval",
    "SD": "standard deviation", "Q1–Q3": "first to third quartile", "AE": "adverse event",
    "TEAE": "treatment-emergent adverse event", "EIM": "extra-intestinal manifestation",
    "IMID": "immune-mediated inflammatory disease", "SES-CD": "Simple Endoscopic Score for Crohn's disease",
    "EAIR": "exposure-adjusted incidence rate", "EAER": "exposure-adjusted event rate", "PY": "patient-years",
    "NRI": "non-responder imputation", "PI": "prediction interval",
}

#: Coded cell values -> words. Keys are matched exactly (codes are case-sensitive in the data contract).
LEVELS: dict[str, str] = {
    "True": "Yes", "False": "No", "yes": "Yes", "no": "No", "F": "Female", "M": "Male",
    "female": "Female", "male": "Male",
    # Montreal classification
    "E1": "E1, proctitis", "E2": "E2, left-sided colitis", "E3": "E3, extensive colitis",
    "L1": "L1, ileal", "L2": "L2, colonic", "L3": "L3, ileocolonic", "L4": "L4, upper GI",
    "B1": "B1, non-stricturing, non-penetrating", "B2": "B2, stricturing", "B3": "B3, penetrating",
    # codes of the data contract
    "none": "None", "ileal": "Ileal", "ileocolonic": "Ileocolonic", "colonic": "Colonic",
    "refractory": "Refractory IBD", "eim": "Active EIM", "imid": "Active IMID",
    "maintained": "Maintained", "discontinued": "Discontinued", "adverse_event": "Adverse event",
    "no_response": "No response", "de_escalation": "De-escalation", "other": "Other",
    "agent_withdrawn": "Agent withdrawn", "dtt_stopped": "DTT stopped", "resolved": "Resolved",
    "improved": "Improved", "ongoing": "Ongoing", "resolved_with_sequelae": "Resolved with sequelae",
    "fatal": "Fatal", "unknown": "Unknown", "mild": "Mild", "moderate": "Moderate", "severe": "Severe",
    "both": "Both agents", "Missing": "Unknown",
    # analysis sets, endpoints, subgroups
    "observed": "Observed cases", "nri": "Non-responder imputation", "paper": "Paper definition",
    "simple": "Simple definition", **LITERATURE_OUTCOMES,
    # interval methods (a method column constant over a table becomes a footnote "CI type: log-log transformation")
    "log": "log transformation", "log-log": "log–log transformation", "z": "normal quantile (z)",
    "All": "All patients",
    "disease": "Disease", "regimen": "Regimen", "suspected_agent": "Suspected agent",
    **{x.name: x.header for x in LABS},
    "match": "Match", "rounding": "Rounding", "conflict": "Conflict",
    "biologic_small_molecule": "Biologic + small molecule", "dual_biologic": "Dual biologic",
    "mixed": "Mixed", "Overall": "Overall",
    # patient flow
    "treated": "Started DTT", "evaluable": "Evaluable", "not_yet_reached": "Follow-up not yet at the month",
    "stopped_adverse_event": "Stopped DTT: adverse event", "stopped_no_response": "Stopped DTT: no response",
    "stopped_de_escalation": "Stopped DTT: de-escalation", "stopped_other": "Stopped DTT: other reason",
    "no_visit_in_window": "No visit in the month's window", "not_evaluable_other": "Not evaluable, other reason",
}


def level(value) -> str:
    """A coded cell value as words: ``True`` -> "Yes", ``adverse_event`` -> "Adverse event", ``E3`` ->
    "E3, extensive colitis"; missing -> ""; anything not coded is returned as text unchanged."""
    if value is None or _isnan(value):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "Yes" if value else "No"
    s = str(value)
    return LEVELS.get(s, s)


def _isnan(v) -> bool:
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(v, float) and math.isnan(v)


def abbreviation_note(codes, extra: dict[str, str] | None = None) -> str:
    """"ADA, adalimumab; UST, ustekinumab" for the drug codes (and other abbreviations) found in ``codes``
    (strings such as "UST+TOF" are split on + / , and spaces), in alphabetical order regardless of case;
    ``extra`` adds abbreviations that only one table uses (quoted wording); "" if none."""
    found = set()
    for c in codes:
        if c is None or _isnan(c):
            continue
        found.update(t for t in re.split(r"[+/,;() ]+", str(c)) if t)
    glossary = {**DRUGS, **ABBREVIATIONS, **(extra or {})}
    parts = [f"{k}, {glossary[k]}" for k in sorted(found, key=str.lower) if k in glossary]
    return "; ".join(parts)


# --- numbers -------------------------------------------------------------------------------------------------

#: Decimals per statistic: the one rule. Percentages and their CIs 1; means and SDs 1, as medians and
#: quartiles; months 1; rates per 100 PY 1; probabilities 3; lab values 1.
DECIMALS: dict[str, int] = {
    "n": 0, "count": 0, "pct": 1, "ci": 1, "mean": 1, "sd": 1, "median": 1, "q": 1, "range": 0,
    "months": 1, "rate": 1, "prob": 3, "lab": 1, "change": 2, "score": 0, "py": 2, "i2": 1, "tau2": 3,
    "estimate": 3, "stat": 1, "proportion": 3, "age": 0,
}

#: Statistics that :func:`fmt` knows (``p`` has its own rule).
STATS = tuple(DECIMALS) + ("p",)


def fmt_p(p, small: float = 0.001, large: float = 0.99) -> str:
    """p-value in journal style: ``<0.001`` below ``small``, ``>0.99`` above ``large``, otherwise three
    decimals rounded half up (``0.027``); "" when not computed. A value outside [0, 1] is an error."""
    if p is None or _isnan(p):
        return ""
    p = float(p)
    if p < 0 or p > 1:
        raise ValueError(f"a p-value must lie in [0, 1], not {p!r}")
    if p < small:
        return f"<{small:g}"
    if p > large:
        return f">{large:g}"
    return f"{round_half_up(p, 3):.3f}"


def fmt(value, stat: str) -> str:
    """``value`` as text by the rule for ``stat`` (see :data:`DECIMALS`; ``"p"`` -> :func:`fmt_p`).

    Missing or non-finite values give :data:`NA`. Rounding is half up (2.345 -> 2.35, as people round), so a
    printed number matches a hand calculation. ``stat="ci"`` also accepts a (low, high) pair -> "63.6–98.5".
    """
    if stat == "p":
        return fmt_p(value)
    if stat not in DECIMALS:
        raise KeyError(f"unknown statistic {stat!r}; one of {', '.join(STATS)}")
    if isinstance(value, (tuple, list)):
        return interval(*value, stat)
    if value is None or isinstance(value, bool) or _isnan(value):
        return NA
    x = float(value)
    if math.isinf(x):
        return NA
    places = DECIMALS[stat]
    out = f"{round_half_up(x, places):.{places}f}"
    if out.startswith("-"):  # a typographic minus; "-0.0" is zero
        out = out[1:] if float(out) == 0 else MINUS + out[1:]
    return out


def interval(lo, hi, stat: str) -> str:
    """"63.6–98.5", or "−11.92 to −2.60" when a bound is negative (a dash between negatives misreads)."""
    a, b = fmt(lo, stat), fmt(hi, stat)
    if NA in (a, b):  # an interval with a missing bound is not shown
        return NA
    return f"{a} to {b}" if (a + b).count(MINUS) else f"{a}–{b}"


def n_pct(k, n, stat: str = "pct") -> str:
    """"5 (62.5%)": count and percentage of ``n``; :data:`NA` when ``n`` is 0."""
    if n is None or _isnan(n) or int(n) == 0:
        return NA
    return f"{int(k)} ({fmt(100 * k / n, stat)}%)"


def n_of_n_ci(n, N, pct, lo, hi) -> str:
    """"15/17 (88.2%; 63.6–98.5)": responders / evaluable, percentage and 95% CI; :data:`NA` when N is 0."""
    if N is None or _isnan(N) or int(N) == 0:
        return NA
    return f"{int(n)}/{int(N)} ({fmt(pct, 'pct')}%; {interval(lo, hi, 'ci')})"


def est_ci(est, lo, hi, stat: str) -> str:
    """"0.885 (0.614–0.970)": an estimate with its interval, all by the rule for ``stat`` (the estimate alone
    when a bound is missing, e.g. a cumulative incidence of 0 with no interval)."""
    if est is None or _isnan(est):
        return NA
    ci = interval(lo, hi, stat)
    return fmt(est, stat) if ci == NA else f"{fmt(est, stat)} ({ci})"
