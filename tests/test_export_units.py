"""A centre's summary (``dttstudy.synthesis.multicentre.export``) of a cohort small enough to read by hand: five
patients, every table of the summary written out from the patients below, then the same cohort with small cells
withheld (every count below K withheld and listed by its cell id, none recoverable from the margins a reader can
form), the parameters a summary records, and the file."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from builders import cohort
from test_multicentre import _check_file

from dttstudy import __version__
from dttstudy.synthesis.disclosure import SUPPRESSED
from dttstudy.synthesis.multicentre.check import check_summaries
from dttstudy.synthesis.multicentre.contract import FORMAT, FORMAT_VERSION, OTHER_TERM
from dttstudy.synthesis.multicentre import export as export_module
from dttstudy.synthesis.multicentre.export import (_fmt, _input_hash, _num, analysis_parameters, export_summary,
                                                   summary_json, write_summary)

VOCABULARY = ["rash", "Infection", "herpes  zoster", "nausea"]

# Montreal: UC E3; D1 L3 B2 with perianal disease (and perianal surgery), D2 and D3 L3 B1.
# U1: UC, IFX+VDZ, psoriasis, on a corticosteroid at the start; responds (partial Mayo 6 → 1, bleeding 2 → 0; Mayo
# endoscopic 3 → 1); TEAEs at 2 and 5.
# U2: UC, UST+VDZ, stops for no response at 3 (7 → 7).
# D1: CD, UST+VDZ, responds (HBI 10 → 3; SES-CD 12 → 4); a headache at 13, after DTT: not treatment-emergent.
# D2: CD, UST+TOF, stops for an adverse event at 6 (HBI 9 → 8); TEAEs at 4 (TOF) and 5.5 (unknown).
# D3: CD, UST+TOF, a visit at 3.8 months only (outside the window: not evaluable at 3); a TEAE at 1 suspected of
# both agents, a term outside the list. Albumin is recorded for U1 only.
PATIENTS = [
    {"patient_id": "U1", "disease": "UC", "sex": "F", "agent_1": "VDZ", "agent_2": "IFX", "dtt_months": 12,
     "age_at_diagnosis": 18.0, "autoimmune_disease": "psoriasis", "steroid_at_start": True},
    {"patient_id": "U2", "disease": "UC", "sex": "M", "agent_1": "UST", "agent_2": "VDZ", "dtt_months": 3,
     "status": "discontinued", "stop_reason": "no_response", "age_at_diagnosis": 22.0},
    {"patient_id": "D1", "disease": "CD", "sex": "F", "agent_1": "UST", "agent_2": "VDZ", "dtt_months": 12,
     "age_at_diagnosis": 30.0, "montreal": "L3 B2 p", "perianal_surgery": True},
    {"patient_id": "D2", "disease": "CD", "sex": "M", "agent_1": "TOF", "agent_2": "UST", "dtt_months": 6,
     "status": "discontinued", "stop_reason": "adverse_event", "age_at_diagnosis": 25.0},
    {"patient_id": "D3", "disease": "CD", "sex": "F", "agent_1": "UST", "agent_2": "TOF", "dtt_months": 12,
     "age_at_diagnosis": None},
]
VISITS = [
    {"patient_id": "U1", "month": 0, "partial_mayo": 6, "rectal_bleeding": 2, "mes": 3, "crp": 20, "albumin": 30},
    {"patient_id": "U1", "month": 3, "partial_mayo": 1, "rectal_bleeding": 0, "mes": 1, "crp": 4, "albumin": 36},
    {"patient_id": "U2", "month": 0, "partial_mayo": 7, "rectal_bleeding": 2, "mes": 3, "crp": 10},
    {"patient_id": "U2", "month": 3, "partial_mayo": 7, "rectal_bleeding": 2, "mes": 3, "crp": 12},
    {"patient_id": "D1", "month": 0, "hbi": 10, "ses_cd": 12, "crp": 30},
    {"patient_id": "D1", "month": 3, "hbi": 3, "ses_cd": 4, "crp": 10},
    {"patient_id": "D2", "month": 0, "hbi": 9, "ses_cd": 10, "crp": 8},
    {"patient_id": "D2", "month": 3, "hbi": 8, "ses_cd": 10, "crp": 9},
    {"patient_id": "D3", "month": 0, "hbi": 8, "crp": 12},
    {"patient_id": "D3", "month": 3.8, "hbi": 2, "crp": 6},  # outside the paper's window of 3 ± 0.5 months
]
AES = [
    {"patient_id": "U1", "term": "Infection", "onset_month": 2.0, "suspected_agent": "IFX"},
    {"patient_id": "U1", "term": "rash", "onset_month": 5.0, "suspected_agent": "VDZ"},
    {"patient_id": "D1", "term": "headache", "onset_month": 13.0, "suspected_agent": "UST"},
    {"patient_id": "D2", "term": "Herpes zoster", "onset_month": 4.0, "suspected_agent": "TOF"},
    {"patient_id": "D2", "term": "nausea", "onset_month": 5.5, "suspected_agent": "unknown"},
    {"patient_id": "D3", "term": "odd feeling", "onset_month": 1.0, "suspected_agent": "both"},
]


def five():
    aes = [{"serious": False, "action": "none", "outcome": "resolved", "severity": "mild", **a} for a in AES]
    return cohort(PATIENTS, VISITS, aes)


def export(c=None, **kw):
    kw = {"min_cell": 0, "centre": "H1", "timepoints": (3,), "horizon": 2, "ae_vocabulary": VOCABULARY} | kw
    return export_summary(five() if c is None else c, **kw)


@pytest.fixture(scope="module")
def summary():
    return export()


def rows(s, table, **where):
    return [r for r in s["tables"][table] if all(r.get(k) == v for k, v in where.items())]


def values(rs, *cols):
    return [tuple(r[c] for c in cols) for r in rs]


# ---- the tables, by hand -------------------------------------------------------------------------------------
def test_the_envelope_and_the_parameters(summary):
    s = summary
    assert (s["format"], s["format_version"], s["package_version"], s["centre"]) == (
        FORMAT, FORMAT_VERSION, __version__, "H1")
    assert check_summaries([s], min_cell=0).problems == []  # the checker finds the summary consistent
    p = s["parameters"]
    assert (p["timepoints"], p["endoscopy_horizon"], p["life_table_horizon"], p["event_times"]) == ([3], 3, 2, False)
    assert p["ae_vocabulary"] == ["herpes zoster", "Infection", "nausea", "rash"]  # sorted, spaces collapsed
    assert p["labs"] == ["crp", "albumin"] and p["level"] == 0.95 and p["windows"] == {"3": 0.5}
    assert (p["crp_uln"], p["ci_method"], p["definition"], p["disease"]) == (5.0, "clopper-pearson", "paper", "all")
    assert s["disclosure"]["min_cell"] == 0 and s["disclosure"]["withheld"] == []
    assert s["disclosure"]["rule"] == ("counts 1..K-1 withheld, with complementary suppression over declared margins "
                                       "(dttstudy.synthesis.disclosure); sums only over groups of at least K")
    other = export(ci_method="wilson", crp_uln=3.0, definition="simple")["parameters"]
    assert (other["ci_method"], other["crp_uln"], other["definition"]) == ("wilson", 3.0, "simple")
    assert len(s["input_sha256"]) == 64 and set(s["tables"]) == {
        "baseline_counts", "baseline_continuous", "response", "ae_incidence", "ae_terms", "life_tables", "labs"}


def test_table_1_counts(summary):
    bc = summary["tables"]["baseline_counts"]
    assert bc[0] == {"variable": "Patients", "level": "", "UC": 2, "CD": 3, "Total": 5}
    assert values(rows(summary, "baseline_counts", variable="Sex"), "level", "UC", "CD", "Total") == [
        ("F", 1, 2, 3), ("M", 1, 1, 2), ("missing", 0, 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Montreal extent (UC)"), "level", "UC", "CD", "Total") == [
        ("E1", 0, 0, 0), ("E2", 0, 0, 0), ("E3", 2, 0, 2), ("missing", 0, 0, 0)]
    cd = rows(summary, "baseline_counts", variable="Montreal location (CD)")
    assert [r["level"] for r in cd] == ["L1", "L2", "L3", "L4", "L1+L4", "L2+L4", "L3+L4", "missing"]
    assert values(cd, "UC", "CD", "Total")[2] == (0, 3, 3) and values(cd, "UC", "CD", "Total")[-1] == (0, 0, 0)
    assert values(rows(summary, "baseline_counts", variable="Montreal behaviour (CD)"), "level", "UC", "CD") == [
        ("B1", 0, 2), ("B2", 0, 1), ("B3", 0, 0), ("missing", 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Perianal disease (CD)"), "level", "CD") == [
        ("yes", 1), ("no", 2), ("missing", 0)]
    assert values(rows(summary, "baseline_counts", variable="Perianal surgery"), "level", "UC", "CD", "Total") == [
        ("yes", 0, 1, 1), ("no", 2, 2, 4), ("missing", 0, 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Regimen"), "level", "UC", "CD", "Total") == [
        ("IFX+VDZ", 1, 0, 1), ("UST+TOF", 0, 2, 2), ("UST+VDZ", 1, 1, 2), ("missing", 0, 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Corticosteroid at DTT start"), "level", "UC",
                  "Total") == [("yes", 1, 1), ("no", 1, 4), ("missing", 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Immune-mediated comorbidity"), "level", "UC",
                  "Total") == [("yes", 1, 1), ("no", 1, 4), ("missing", 0, 0)]
    assert values(rows(summary, "baseline_counts", variable="Prior therapy", level="two or more agents"),
                  "Total") == [(5,)]
    variables = list(dict.fromkeys(r["variable"] for r in bc))
    assert variables == ["Patients", "Sex", "Montreal extent (UC)", "Montreal location (CD)",
                         "Montreal behaviour (CD)", "Perianal disease (CD)", "Abdominal surgery", "Perianal surgery",
                         "Immune-mediated comorbidity", "Prior therapy", "Indication",
                         "Corticosteroid at DTT start", "Regimen"]
    for r in bc:
        assert r["Total"] == r["UC"] + r["CD"] and all(type(r[c]) is int for c in ("UC", "CD", "Total"))


def test_table_1_continuous_values_are_n_sum_and_sum_of_squares(summary):
    age = rows(summary, "baseline_continuous", variable="Age at diagnosis, years")
    # D3's age is missing
    assert age == [
        {"variable": "Age at diagnosis, years", "group": "UC", "n": 2, "sum": 40, "sum_squares": 18 ** 2 + 22 ** 2},
        {"variable": "Age at diagnosis, years", "group": "CD", "n": 2, "sum": 55, "sum_squares": 30 ** 2 + 25 ** 2},
        {"variable": "Age at diagnosis, years", "group": "Total", "n": 4, "sum": 95,
         "sum_squares": 18 ** 2 + 22 ** 2 + 30 ** 2 + 25 ** 2}]
    dur = rows(summary, "baseline_continuous", variable="Disease duration, years", group="Total")
    assert values(dur, "n", "sum", "sum_squares") == [(5, 25, 125)]
    assert [r["variable"] for r in rows(summary, "baseline_continuous", group="UC")] == [
        "Age at diagnosis, years", "Disease duration, years", "Follow-up before DTT, months", "Failed biologics, n",
        "Failed immunosuppressants / small molecules, n"]


def test_response_at_month_3_observed_cases(summary):
    r = rows(summary, "response", endpoint="clinical_response", analysis_set="observed", month=3)
    # evaluable at 3: U1, U2, D1, D2 (D3 had no visit); responders U1 and D1
    assert values(r, "definition", "by", "group", "n", "N") == [
        ("paper", "All", "All", 2, 4), ("paper", "disease", "CD", 1, 2), ("paper", "disease", "UC", 1, 2),
        ("paper", "regimen", "IFX+VDZ", 1, 1), ("paper", "regimen", "UST+TOF", 0, 1),
        ("paper", "regimen", "UST+VDZ", 1, 2)]
    rem = rows(summary, "response", endpoint="clinical_remission", analysis_set="observed", by="All")
    assert values(rem, "month", "n", "N") == [(3, 2, 4)]  # U1: partial Mayo 1, bleeding 0; D1: HBI 3
    endo = rows(summary, "response", endpoint="endoscopic_response", analysis_set="observed", by="All")
    assert values(endo, "month", "n", "N") == [(3, 2, 4)]  # Mayo endoscopic 3 → 1; SES-CD 12 → 4 (−67 %)
    assert {r["endpoint"] for r in summary["tables"]["response"]} == {
        "clinical_response", "clinical_remission", "endoscopic_response"}
    assert all(type(r["n"]) is int and type(r["month"]) is int for r in summary["tables"]["response"])


def test_adverse_events_by_group(summary):
    inc = summary["tables"]["ae_incidence"]
    # time at risk of a first TEAE: U1 2, U2 3, D1 12, D2 4, D3 1 months; on DTT: 12, 3, 12, 6, 12
    assert values(inc, "by", "group", "patients_with_event", "events") == [
        ("All", "All", 3, 5), ("disease", "CD", 2, 3), ("disease", "UC", 1, 2), ("regimen", "IFX+VDZ", 1, 2),
        ("regimen", "UST+TOF", 2, 3), ("regimen", "UST+VDZ", 0, 0),
        ("suspected_agent", "IFX", 1, 1), ("suspected_agent", "UST", 1, 1), ("suspected_agent", "VDZ", 1, 1),
        ("suspected_agent", "TOF", 2, 2), ("suspected_agent", "unknown", 1, 1)]
    assert [r["patient_years_at_risk"] for r in inc[:6]] == pytest.approx(
        [22 / 12, 17 / 12, 5 / 12, 2 / 12, 5 / 12, 15 / 12], rel=1e-12)
    assert [r["patient_years_exposure"] for r in inc[:6]] == pytest.approx(
        [45 / 12, 30 / 12, 15 / 12, 1.0, 18 / 12, 15 / 12], rel=1e-12)
    assert all(set(r) == {"by", "group", "patients_with_event", "events"} for r in inc[6:])


def test_adverse_event_terms_of_the_shared_vocabulary(summary):
    assert summary["tables"]["ae_terms"] == [
        {"term": "herpes zoster", "patients_with_event": 1, "events": 1},
        {"term": "Infection", "patients_with_event": 1, "events": 1},
        {"term": "nausea", "patients_with_event": 1, "events": 1},
        {"term": "rash", "patients_with_event": 1, "events": 1},
        {"term": OTHER_TERM, "patients_with_event": 1, "events": 1}]
    s = export(ae_vocabulary=["infection", "pneumonia"])
    assert values(s["tables"]["ae_terms"], "term", "patients_with_event", "events") == [
        ("infection", 1, 1), (OTHER_TERM, 3, 4)]  # pneumonia: nobody, not listed


def test_life_tables_on_the_monthly_grid(summary):
    lt = summary["tables"]["life_tables"]
    assert values(lt, "parameter", "start", "end", "at_risk", "events", "censored") == [
        ("time to first TEAE", 0, 1, 5, 0, 0), ("time to first TEAE", 1, 2, 5, 1, 0),
        ("time to first TEAE", 2, None, 4, 2, 2),
        ("time on DTT", 0, 1, 5, 0, 0), ("time on DTT", 1, 2, 5, 0, 0), ("time on DTT", 2, None, 5, 2, 3)]


def test_life_tables_with_every_distinct_time():
    lt = export(event_times=True)["tables"]["life_tables"]
    assert values(lt, "parameter", "time", "at_risk", "events", "censored") == [
        ("time to first TEAE", 1, 5, 1, 0), ("time to first TEAE", 2, 4, 1, 0), ("time to first TEAE", 3, 3, 0, 1),
        ("time to first TEAE", 4, 2, 1, 0), ("time to first TEAE", 12, 1, 0, 1),
        ("time on DTT", 3, 5, 1, 0), ("time on DTT", 6, 4, 1, 0), ("time on DTT", 12, 3, 0, 3)]
    assert all("start" not in r for r in lt)


def test_labs_are_sums_and_sums_of_squares_with_quartiles(summary):
    crp = rows(summary, "labs", lab="crp", month=3)
    # baseline → month 3: U1 20 → 4, U2 10 → 12, D1 30 → 10, D2 8 → 9; D3 has no follow-up
    assert values(crp, "group", "n", "sum_baseline", "sum_squares_baseline", "sum_value", "sum_squares_value",
                  "sum_change", "sum_squares_change") == [
        ("All", 4, 68, 1464, 35, 341, -33, 661), ("UC", 2, 30, 500, 16, 160, -14, 260),
        ("CD", 2, 38, 964, 19, 181, -19, 401)]
    # quartiles by linear interpolation: changes −20, −16, 1, 2
    assert values(crp, "change_median", "change_q1", "change_q3") == [
        (-7.5, -17, 1.25), (-7, -11.5, -2.5), (-9.5, -14.75, -4.25)]
    alb = rows(summary, "labs", lab="albumin", month=3)
    assert values(alb, "group", "n", "sum_baseline", "sum_squares_baseline", "sum_value", "sum_squares_value",
                  "sum_change", "sum_squares_change", "change_median", "change_q1", "change_q3") == [
        ("All", 1, 30, 900, 36, 1296, 6, 36, 6, 6, 6), ("UC", 1, 30, 900, 36, 1296, 6, 36, 6, 6, 6),
        ("CD", 0, 0, 0, 0, 0, 0, 0, None, None, None)]
    # below K the quartiles of one patient are withheld; a group of none has none to withhold
    assert values(rows(export(min_cell=2), "labs", lab="albumin"), "change_median", "change_q3") == [
        (SUPPRESSED, SUPPRESSED), (SUPPRESSED, SUPPRESSED), (None, None)]


def test_the_visit_window_is_the_one_the_centres_chose():
    s = export(window=1.0)  # D3's visit at 3.8 months now counts as month 3: HBI 8 → 2, a response
    assert s["parameters"]["windows"] == {"3": 1.0}
    assert values(rows(s, "response", endpoint="clinical_response", analysis_set="observed", by="All"), "n",
                  "N") == [(3, 5)]
    assert values(rows(s, "labs", lab="crp", group="CD"), "n", "sum_change") == [(3, -19 - 6)]  # and CRP 12 → 6


def test_months_in_order_and_the_endoscopy_at_the_horizon():
    s = export(timepoints=(3, 4.5), window=1.0)
    assert s["parameters"]["windows"] == {"3": 1.0, "4.5": 1.0} and s["parameters"]["endoscopy_horizon"] == 4.5
    # D3's visit at 3.8 is nearer 4.5 than 3: at 4.5 it is the only visit (HBI 8 → 2, a response); under
    # non-responder imputation U2, who stopped for no response at 3, is a non-responder at 4.5. Endoscopy is
    # read once, at the horizon (the last endoscopy up to 4.5): U1 and D1 respond, U2 and D2 do not.
    assert values(rows(s, "response", by="All"), "endpoint", "analysis_set", "month", "n", "N") == [
        ("clinical_response", "observed", 3, 2, 4), ("clinical_response", "nri", 3, 2, 4),
        ("clinical_response", "observed", 4.5, 1, 1), ("clinical_response", "nri", 4.5, 1, 2),
        ("clinical_remission", "observed", 3, 2, 4), ("clinical_remission", "nri", 3, 2, 4),
        ("clinical_remission", "observed", 4.5, 1, 1), ("clinical_remission", "nri", 4.5, 1, 2),
        ("endoscopic_response", "observed", 4.5, 2, 4), ("endoscopic_response", "nri", 4.5, 2, 4)]


def test_a_one_disease_summary_has_one_group_beside_all():
    s = export(disease="CD")
    assert s["parameters"]["disease"] == "CD"
    assert s["tables"]["baseline_counts"][0] == {"variable": "Patients", "level": "", "UC": 0, "CD": 3, "Total": 3}
    assert values(rows(s, "labs", lab="crp"), "group", "n", "sum_change") == [("All", 2, -19), ("CD", 2, -19)]
    assert values(rows(s, "response", endpoint="clinical_response", analysis_set="observed"), "by", "group", "n",
                  "N") == [("All", "All", 1, 2), ("disease", "CD", 1, 2), ("regimen", "UST+TOF", 0, 1),
                           ("regimen", "UST+VDZ", 1, 1)]
    k = export(disease="CD", min_cell=3)  # the CD group is All: both are withheld, with their quartiles
    assert values(rows(k, "labs", lab="crp"), "n", "sum_change", "change_median") == [(SUPPRESSED,) * 3] * 2


# ---- small cells ---------------------------------------------------------------------------------------------
def _cell_id(table, row, col):
    keys = {"baseline_counts": ("variable", "level"), "baseline_continuous": ("variable", "group"),
            "response": ("endpoint", "definition", "analysis_set", "month", "by", "group"),
            "ae_incidence": ("by", "group"), "ae_terms": ("term",), "labs": ("lab", "month", "group")}.get(table)
    if keys is None:
        keys = ("parameter", "time") if "time" in row else ("parameter", "start", "end")
    return "/".join([table] + [f"{k}={'None' if row[k] is None else row[k]}" for k in keys] + [col])


@pytest.mark.parametrize("k", [2, 3])
def test_every_count_below_k_is_withheld_listed_and_not_recoverable(summary, k):
    s = export(min_cell=k)
    marked, listed = [], list(s["disclosure"]["withheld"])
    for table, rs in s["tables"].items():
        for r, t in zip(rs, summary["tables"][table]):
            assert {c: v for c, v in r.items() if v != SUPPRESSED} == {c: v for c, v in t.items()
                                                                       if r[c] != SUPPRESSED}
            for col, v in r.items():
                if v == SUPPRESSED:
                    marked.append(_cell_id(table, r, col))
                elif isinstance(v, int) and col in ("UC", "CD", "Total", "n", "N", "patients_with_event", "events",
                                                    "at_risk", "censored"):
                    assert not 0 < v < k, (table, r, col)
                if col in ("change_median", "change_q1", "change_q3"):
                    assert (v == SUPPRESSED) == (0 < t["n"] < k), (table, r, col)
    assert sorted(marked) == sorted(listed) and len(marked) == len(set(marked)) > 0
    leaked, sensitive, _ = _check_file(s, summary, k)
    assert sensitive and not leaked
    assert s["disclosure"]["min_cell"] == k and s["disclosure"]["marker"] == SUPPRESSED


@pytest.fixture
def cell_sets(monkeypatch):
    """The cell set each export in the test hands to the disclosure control, in order."""
    seen = []
    real = export_module.suppress

    def keep(cs, k):
        seen.append(cs)
        return real(cs, k)
    monkeypatch.setattr(export_module, "suppress", keep)
    return seen


def test_every_margin_given_to_the_disclosure_control_is_true_of_the_data(cell_sets):
    """A margin that does not hold would let the control protect the wrong cells: each declared equation
    Σ coefficient × value = 0 is checked on the true values, and the margins a reader can form from the file
    (``test_multicentre._Equations``) are all among them or follow from them."""
    for kw in ({}, {"event_times": True}, {"disease": "CD"}):
        export(min_cell=3, **kw)
        cs = cell_sets.pop()
        assert len(cs.equations) > 100
        for eq in cs.equations:
            assert abs(sum(c * cs.cells[v].value for v, c in eq.items())) < 1e-9, eq


def test_the_lab_margins_a_reader_sees_are_given_to_the_disclosure_control(cell_sets):
    """All = UC + CD for the patients and every sum of a lab at a month (All = the disease in a one-disease
    summary): a margin left out would let the control publish a cell the reader can work out."""
    for disease, parts in (("all", ("UC", "CD")), ("CD", ("CD",))):
        s = export(min_cell=3, disease=disease)
        declared = [dict(eq) for eq in cell_sets.pop().equations]
        for r in rows(s, "labs", group="All"):
            for col in [c for c in r if c == "n" or c.startswith("sum")]:
                cell = f"labs/lab={r['lab']}/month={r['month']}/group={{}}/{col}"
                margin = {cell.format("All"): 1.0, **{cell.format(g): -1.0 for g in parts}}
                assert margin in declared, margin


def test_the_margins_of_response_and_safety_are_given_to_the_disclosure_control(cell_sets):
    """Responders and evaluable patients add up over the disease groups and over the regimens; the first-TEAE life
    table's events are the patients with a TEAE; the patient-years of a group are guarded by its patients."""
    s = export(min_cell=3)
    cs = cell_sets.pop()
    declared = [dict(eq) for eq in cs.equations]
    groups = {"disease": ["CD", "UC"], "regimen": ["IFX+VDZ", "UST+TOF", "UST+VDZ"]}
    for r in rows(s, "response", by="All"):
        for col in ("n", "N"):
            cell = (f"response/endpoint={r['endpoint']}/definition=paper/analysis_set={r['analysis_set']}/"
                    f"month={r['month']}/by={{}}/group={{}}/{col}")
            for by, names in groups.items():
                margin = {cell.format("All", "All"): 1.0, **{cell.format(by, g): -1.0 for g in names}}
                assert margin in declared, margin
    first = {f"life_tables/parameter=time to first TEAE/start={j}/end={j + 1 if j < 2 else None}/events": -1.0
             for j in range(3)}
    assert {"ae_incidence/by=All/group=All/patients_with_event": 1.0, **first} in declared
    patients = {"All": "baseline_counts/variable=Patients/level=/Total",
                "UC": "baseline_counts/variable=Patients/level=/UC", "CD": "baseline_counts/variable=Patients/level=/CD",
                **{g: f"baseline_counts/variable=Regimen/level={g}/Total" for g in groups["regimen"]}}
    for r in rows(s, "ae_incidence"):
        if r["by"] != "suspected_agent":
            for col in ("patient_years_at_risk", "patient_years_exposure"):
                cell = cs.cells[f"ae_incidence/by={r['by']}/group={r['group']}/{col}"]
                assert cell.guard == patients[r["group"]] and not cell.count


def test_a_sum_over_fewer_than_k_patients_is_withheld(summary):
    s = export(min_cell=3)
    small = 0
    for table in ("baseline_continuous", "labs"):
        for r, t in zip(s["tables"][table], summary["tables"][table]):
            if 0 < t["n"] < 3:  # the true number of patients, withheld or not
                sums = [v for c, v in r.items() if c.startswith("sum")]
                assert sums and set(sums) == {SUPPRESSED}, r
                small += 1
    assert small > 0
    n = {r["level"]: r["Total"] for r in rows(summary, "baseline_counts", variable="Regimen")}
    for r in rows(s, "ae_incidence", by="regimen"):
        if n[r["group"]] < 3:  # patient-years over fewer than K patients
            assert r["patient_years_at_risk"] == r["patient_years_exposure"] == SUPPRESSED, r


def test_k_of_one_withholds_nothing_and_k_is_a_whole_number(summary):
    assert export(min_cell=1)["tables"] == summary["tables"]
    assert export(min_cell=2.0)["disclosure"]["min_cell"] == 2
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match=r"^min_cell must be a whole number >= 0$"):
            export(min_cell=bad)


# ---- parameters and the file ---------------------------------------------------------------------------------
@pytest.mark.parametrize("centre", ["", "a b", "x" * 41, "C/1"])
def test_a_centre_code_is_short_and_plain(centre):
    with pytest.raises(ValueError, match="^centre must be a short code: letters, digits, '_', '.', '-' "):
        export(centre=centre)


def test_what_the_analysis_parameters_accept():
    p = analysis_parameters()
    assert (p["timepoints"], p["ci_method"], p["definition"], p["disease"], p["nri_reasons"], p["grace_months"]) == (
        [3, 6, 9], "clopper-pearson", "paper", "all", ["no_response", "adverse_event"], 0)
    assert p["windows"] == {"3": 0.5, "6": 1.0, "9": 1.0} and p["endoscopy_horizon"] == 9
    assert p["labs"] == ["crp", "albumin"] and p["event_times"] is False and p["level"] == 0.95
    assert p["crp_uln"] == 5.0 and analysis_parameters(definition="simple")["definition"] == "simple"
    assert analysis_parameters(ci_method="wilson", crp_uln=3.0)["ci_method"] == "wilson"
    assert analysis_parameters(ci_method="wilson", crp_uln=3.0)["crp_uln"] == 3.0
    assert "pneumonia" in p["ae_vocabulary"] and len(p["ae_vocabulary"]) == 24
    assert analysis_parameters(timepoints=(3, 6, 12), horizon="4")["endoscopy_horizon"] == 12
    assert analysis_parameters(horizon="4")["life_table_horizon"] == 4
    assert analysis_parameters(labs=("haemoglobin", "crp"))["labs"] == ["crp", "haemoglobin"]
    assert analysis_parameters(ae_vocabulary=["c", " a  z ", "b", "a z"])["ae_vocabulary"] == ["a z", "b", "c"]
    assert analysis_parameters(ae_vocabulary=["ab", "a z"])["ae_vocabulary"] == ["a z", "ab"]  # a space first
    with pytest.raises(ValueError, match=r"^ae_vocabulary spells one term twice \('A' and 'a'; 'X y' and 'x Y'\): "
                                         "terms are matched ignoring case and spacing, so give each once$"):
        analysis_parameters(ae_vocabulary=["a", "b", "x Y", " A", "X  y"])
    with pytest.raises(ValueError, match="^ae_vocabulary must be a list of terms"):
        analysis_parameters(ae_vocabulary="rash")
    with pytest.raises(ValueError, match="^ae_vocabulary must be a list of terms"):
        analysis_parameters(ae_vocabulary=["rash", 3])
    with pytest.raises(ValueError, match=r"^labs: esr, ldh not declared; markers: crp, albumin, calprotectin, "
                                         r"haemoglobin$"):
        analysis_parameters(labs=("crp", "esr", "ldh"))


def test_numbers_are_written_as_json_numbers():
    assert [_num(x) for x in (None, np.int64(3), 2.0, np.float64(2.5), float("nan"), 2.0 ** 53, "x")] == [
        None, 3, 2, 2.5, None, 2.0 ** 53, "x"]
    assert type(_num(1000.0)) is int and type(_num(2.0 ** 53 - 1)) is int
    assert type(_num(np.int64(3))) is int and type(_num(2.0)) is int and type(_num(2.0 ** 53)) is float
    assert [_fmt(x) for x in (3.0, 2.5, 3, None, "UC")] == ["3", "2.5", "3", "None", "UC"]


def test_the_input_hash_follows_the_data_not_the_object():
    a, b = five(), five()
    assert _input_hash(a) == _input_hash(b)
    b.visits.index = b.visits.index + 100  # the row labels are not data
    assert _input_hash(a) == _input_hash(b)
    b.visits.loc[100, "crp"] = 20 * (1 + 1e-14)  # nor is a difference beyond twelve significant digits
    assert _input_hash(a) == _input_hash(b)
    b.visits.loc[100, "crp"] = 21.0
    assert _input_hash(a) != _input_hash(b)
    assert len(_input_hash(a)) == 64 and int(_input_hash(a), 16) >= 0


def test_an_implied_cell_is_never_written():
    b = export_module._Builder()
    assert b.cs.cells[b.implied("response/x/non_responders", 3)].written is False


def test_the_summary_file_is_deterministic_json_written_whole(summary, tmp_path):
    text = summary_json(summary)
    assert text.startswith('{\n "format": "dttstudy-centre-summary",\n "format_version": ')  # one space a level
    with pytest.raises(ValueError, match="not JSON compliant"):
        summary_json({"x": float("nan")})
    french = export(ae_vocabulary=["fièvre", "rash"])
    assert '"fièvre"' in summary_json(french)  # written as it is, not escaped
    for _ in range(2):  # into folders that do not exist yet, then over the file it wrote
        write_summary(french, tmp_path / "a" / "b" / "H1.json")
    assert (tmp_path / "a" / "b" / "H1.json").read_bytes() == summary_json(french).encode("utf-8")
    assert text.endswith("}\n") and json.loads(text) == json.loads(summary_json(json.loads(text)))
    assert summary_json(export()) == text
    path = write_summary(summary, tmp_path / "out" / "H1.json")
    assert path.read_text(encoding="utf-8") == text and os.listdir(tmp_path / "out") == ["H1.json"]
    assert '"Infection"' in text and "NaN" not in text
