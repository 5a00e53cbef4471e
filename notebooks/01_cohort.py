# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Cohort: baseline characteristics (Tables 1 and 2)
#
# Baseline characteristics of the patients who started dual-targeted therapy (DTT), by ulcerative colitis
# (UC), Crohn's disease (CD) and in total. Categorical variables are n (%), continuous ones median (Q1–Q3),
# with means where the paper reports means. UC-vs-CD p-values use Fisher's exact test (the Fisher–Freeman–Halton
# test for tables larger than 2 × 2 with an expected count below 5, Pearson's chi-square otherwise) and the
# Mann–Whitney U test for continuous variables; each table names its test per row. In a small case series they
# describe the groups, they do not test a hypothesis.

# %% tags=["parameters"]
data_path = None  # cohort folder or .xlsx workbook (None: the bundled reconstructed reference cohort)
output_dir = None  # folder for tables/ and figures/ (None: display only)
disease = "all"  # "all", "UC" or "CD"
timepoints = [3, 6, 9]  # months since DTT start
window = None  # visit-window half-width in months for every timepoint (None: the paper's windows)
definition = "paper"  # clinical response definition: "paper" or "simple" (sensitivity analysis)
ci_method = "clopper-pearson"  # or "wilson"
crp_uln = 5.0  # CRP upper limit of normal, mg/L

# %%
from dttstudy.reporting import report

p = report.params(data_path=data_path, output_dir=output_dir, disease=disease, timepoints=timepoints,
                  window=window, definition=definition, ci_method=ci_method, crp_uln=crp_uln)
cohort = report.load(p)

# %% [markdown]
# ## Table 1 — baseline characteristics

# %%
from dttstudy.analysis.tables import table1, table2

t1 = table1(cohort)
report.table(t1, "table1_baseline", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
n = cohort.patients["disease"].value_counts()
print(f"patients: {len(cohort.patients)} (UC {n.get('UC', 0)}, CD {n.get('CD', 0)})")
for col, label in (("age_at_diagnosis", "mean age at diagnosis, years"),
                   ("disease_duration", "mean disease duration, years"),
                   ("failed_biologics", "mean failed biologics"),
                   ("failed_immunomodulators", "mean failed immunosuppressants")):
    print(f"{label}: {cohort.patients[col].mean():.4f}")
print(f"median follow-up before DTT, months: {cohort.patients['followup_before_dtt'].median():g}")

# %% [markdown]
# ## Table 2 — clinical data at baseline, per patient
#
# Scores and laboratory values of the month-0 visit. Empty cells are not applicable or not measured
# (HBI and SES-CD are CD scores; partial Mayo, rectal bleeding and MES are UC scores).

# %%
t2 = table2(cohort)
report.table(t2, "table2_baseline_per_patient", p.output_dir)

# %% [markdown]
# ## Patient flow
#
# Why the response denominators change from month to month: every treated patient is, at each month, either
# evaluable or not — with the reason (not yet reached, stopped DTT and why, no visit in the window).

# %%
from dttstudy.reporting.figures import patient_flow_plot
from dttstudy.analysis.flow import patient_flow

flow = patient_flow(cohort, p.timepoints, **p.response_kwargs)
report.figure(patient_flow_plot(flow), "patient_flow", p.output_dir,
              f"Patient flow: the {len(cohort.patients)} treated patients and the number evaluable for clinical "
              f"response at month {', '.join(f'{m:g}' for m in p.timepoints)}, with the reason each other "
              "patient is not evaluable.")
report.save_table(flow, "patient_flow", p.output_dir, in_report=False)

# %%
# NBVAL_CHECK_OUTPUT
for m, g in flow[flow["month"] > 0].groupby("month"):
    print(f"month {m:g}: " + ", ".join(f"{s} {n}" for s, n in zip(g["status"], g["n"]) if n))

# %% [markdown]
# ## Completeness and centres
#
# Values present per variable and visit (a Crohn's disease score is expected of CD patients only, a UC score of
# UC patients only), and the patients, regimens and observed response of each centre.

# %%
from dttstudy.analysis.centres import centre_summary
from dttstudy.analysis.completeness import completeness, never_recorded
from dttstudy.reporting.labels import level

comp = completeness(cohort, (0, *p.timepoints), windows=p.windows)
missing = never_recorded(comp)  # not collected at all: named once in a footnote, not shown as rows of 0 present
report.table(comp[~comp["variable"].isin(missing)], "completeness", p.output_dir,
             "Completeness of the visit data: values present of values expected",
             [f"Not recorded at any visit, so left out: {', '.join(level(v) for v in missing)}."] if missing else None)
report.table(centre_summary(cohort, p.timepoints, **p.response_kwargs), "centre_summary", p.output_dir)
