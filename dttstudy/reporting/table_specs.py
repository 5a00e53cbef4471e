"""The report's tables, declared once: name, the notebook that makes it, its default title, what one row is, the
paper's table number where it is one of the paper's tables, whether it is in the report, and the columns its tidy
table promises.

The notebooks save a table by name (``report.table(df, "table1_baseline", out)``): the title comes from here unless
the notebook words it from the data (the labs table names the markers), a tidy table without a promised column
is refused, and the journal table of a summary (one row per group, month or statistic) is never cut, while a
listing (one row per patient, event, time or cell) shows its first rows (:func:`dttstudy.reporting.display.
build_display`). A test checks that every table a notebook saves is declared here and that each declared table
of the reference report has its promised columns.
"""
from __future__ import annotations

from dataclasses import dataclass

#: What one row of a table is; every unit but "summary" makes a listing that grows with the cohort.
UNITS = ("summary", "patient", "event", "time", "cell")


@dataclass(frozen=True)
class TableSpec:
    name: str
    notebook: str
    title: str
    unit: str = "summary"
    paper: int | None = None
    in_report: bool = True
    columns: tuple[str, ...] = ()

    @property
    def listing(self) -> bool:
        """One row per patient, event, time or cell: cut to its first rows in a journal table."""
        return self.unit != "summary"


TABLES: tuple[TableSpec, ...] = (
    TableSpec('centre_summary', '01_cohort', 'Patients, regimens and observed clinical response by centre', columns=('center', 'patients')),
    TableSpec('completeness', '01_cohort', 'Completeness of the visit data: values present of values expected', columns=('variable', 'applies_to', 'month')),
    TableSpec('patient_flow', '01_cohort', 'Patient flow by month', in_report=False, columns=('month', 'status', 'n')),
    TableSpec('table1_baseline', '01_cohort', 'Baseline characteristics', paper=1, columns=('variable', 'level', 'statistic')),
    TableSpec('table2_baseline_per_patient', '01_cohort', 'Clinical data at baseline, per patient', unit='patient', paper=2, columns=('patient_id', 'center', 'sex')),
    TableSpec('agents', '02_treatment', 'Agents used (each patient counts for both agents of the combination)', columns=('agent', 'patients')),
    TableSpec('regimens', '02_treatment', 'Regimens by disease', columns=('regimen',)),
    TableSpec('table3_maintained', '02_treatment', 'Follow-up of patients maintained on DTT', unit='patient', paper=3, columns=('patient_id', 'disease', 'regimen')),
    TableSpec('table4_discontinued', '02_treatment', 'Patients who discontinued DTT', unit='patient', paper=4, columns=('patient_id', 'disease', 'regimen')),
    TableSpec('clinical_remission_rates', '03_response', 'Clinical remission by month', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('clinical_response_rates', '03_response', 'Clinical response by month', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('clinical_response_simple', '03_response', 'Clinical response, simple definition (sensitivity)', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('endoscopic_response_rates', '03_response', 'Endoscopic response within the follow-up', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('lab_change_per_patient', '04_labs', 'CRP and albumin per patient', unit='patient', in_report=False, columns=('patient_id', 'disease', 'regimen')),
    TableSpec('lab_change_summary', '04_labs', 'CRP and albumin: paired change from baseline', columns=('lab', 'unit', 'month')),
    TableSpec('ae_exposure_adjusted', '05_safety', 'Exposure-adjusted adverse-event rates per 100 patient-years', columns=('by', 'group', 'patients')),
    TableSpec('ae_incidence', '05_safety', 'Patients with at least one treatment-emergent adverse event', columns=('by', 'group', 'n/N (%; 95% CI)')),
    TableSpec('ae_listing', '05_safety', 'Adverse events', unit='event', columns=('patient_id', 'disease', 'regimen')),
    TableSpec('cif_first_ae', '05_safety', 'Cumulative incidence of a first adverse event (Aalen–Johansen)', unit='time', columns=('time', 'at_risk', 'events')),
    TableSpec('km_first_ae', '05_safety', 'Kaplan–Meier: time to first AE', unit='time', in_report=False, columns=('time', 'at_risk', 'events')),
    TableSpec('km_first_ae_risk_table', '05_safety', 'Time to first AE: at risk, events, censored', in_report=False, columns=('time', 'at_risk', 'events')),
    TableSpec('km_time_on_dtt', '05_safety', 'Kaplan–Meier: time on DTT', unit='time', in_report=False, columns=('time', 'at_risk', 'events')),
    TableSpec('logrank_by_disease', '05_safety', 'Log-rank tests by disease', columns=('endpoint', 'by', 'groups')),
    TableSpec('tte_first_ae', '05_safety', 'Time to first adverse event per patient', unit='patient', in_report=False, columns=('patient_id', 'disease', 'regimen')),
    TableSpec('beside_wang2025', '06_reproduction', 'This cohort beside the numbers of Wang et al. 2025'),
    TableSpec('paper_check', '06_reproduction', 'Published numbers of Wang et al. 2025 reproduced', columns=('key', 'section', 'where')),
    TableSpec('literature_coding_rules', '07_literature', 'Coding rules of the literature table', in_report=False, columns=('rule', 'input', 'input_value')),
    TableSpec('literature_pooled_vs_cohort', '07_literature', 'Pooled published cohorts (conditional and population-averaged proportion, t-based intervals) and this cohort placed by a predictive check', columns=('outcome', 'k', 'patients')),
    TableSpec('literature_regimen_classes', '07_literature', 'Pooled proportions by regimen class (model named per row)', columns=('outcome', 'regimen_class', 'k')),
    TableSpec('literature_subgroups', '07_literature', 'Clinical response by regimen class (arms as units)', in_report=False, columns=('outcome', 'regimen_class', 'k')),
    TableSpec('literature_sensitivity', '07_literature', 'Clinical response: sensitivity analyses of the pooled proportion', columns=('analysis', 'detail', 'k')),
    TableSpec('literature_this_cohort', '07_literature', 'This cohort in the literature format (computed from the data)', in_report=False, columns=('outcome', 'label', 'timepoint')),
    TableSpec('review_selection', '07_literature', 'Records considered and why they were left out (the boxes of the PRISMA 2020 flow diagram)', columns=('route', 'box', 'n', 'detail')),
    TableSpec('risk_of_bias', '07_literature', 'Risk of bias of the included studies (JBI checklist for case series)', columns=('study', 'overall')),
    TableSpec('risk_of_bias_rationale', '07_literature', 'Risk of bias: the answer to each JBI item with its rationale', unit='cell', in_report=False, columns=('study_id', 'item', 'answer', 'rationale')),
    TableSpec('certainty_of_evidence', '07_literature', 'Summary of findings: certainty of the pooled evidence (GRADE)', columns=('outcome', 'studies', 'patients', 'per_100', 'certainty', 'meaning', 'statement')),
    TableSpec('published_meta_check', '07_literature', 'Published meta-analyses (Anderson 2026, Ahmed 2022, Alayo 2022): subgroup percentages printed and recomputed (circular rows marked)', columns=('meta_analysis', 'subgroup', 'outcome')),
    TableSpec('published_meta_reconstruction', '07_literature', 'Ahmed et al. 2022: printed pooled figures beside a reconstruction from candidate primary studies (not a reproduction)', columns=('target', 'outcome', 'printed_pct')),
    TableSpec('multicentre_clinical_response', '08_multicentre', 'Pooled clinical response, K = 5', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('multicentre_demo_clinical_response', '08_multicentre', 'Pooled clinical response, K = 0 (demonstration only: no disclosure control)', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('multicentre_demo_heterogeneity', '08_multicentre', 'Between-centre heterogeneity, K = 0 (demonstration only)', columns=('endpoint', 'definition', 'analysis_set')),
    TableSpec('multicentre_withheld_cells', '08_multicentre', 'Values withheld by the centres (K = 5), by name', unit='cell', in_report=False, columns=('centre', 'table', 'cell')),
    TableSpec('multicentre_withheld_summary', '08_multicentre', 'Values withheld by each centre (K = 5), by summary table; every one is listed in multicentre_withheld_cells.csv', columns=('table',)),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}
#: Families of tables named by a pattern (one per outcome): the prefix, and the spec they share.
FAMILIES = {"forest_": TableSpec("forest_", "07_literature", "Studies, timepoints and outcome definitions",
                                 in_report=False, columns=("label", "events", "total"))}


def spec(name: str) -> TableSpec | None:
    """The declaration of the table ``name`` (a family's for ``forest_clinical_response``), or None."""
    if name in TABLE_BY_NAME:
        return TABLE_BY_NAME[name]
    return next((s for prefix, s in FAMILIES.items() if name.startswith(prefix)), None)


def check_columns(name: str, columns) -> None:
    """Refuse a tidy table that lacks a column its declaration promises (ValueError naming them)."""
    s = spec(name)
    missing = [c for c in (s.columns if s else ()) if c not in set(columns)]
    if missing:
        raise ValueError(f"table {name}: the tidy table lacks the promised column(s) {', '.join(missing)}")
