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
# with means where the paper reports means. UC-vs-CD p-values use Fisher's exact test for 2 × 2 tables,
# Pearson's chi-square for larger tables and the Mann–Whitney U test for continuous variables; with 18
# patients they describe, they do not test a hypothesis.

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
from dttstudy import report

p = report.params(data_path, output_dir, disease, timepoints, definition, ci_method, crp_uln, window)
cohort = report.load(p)

# %% [markdown]
# ## Table 1 — baseline characteristics

# %%
from dttstudy.tables import table1, table2

t1 = table1(cohort)
notes1 = ["n (%) of the column total; median (Q1–Q3); mean (SD) where the paper reports means.",
          "p: Fisher's exact test (2 × 2), Pearson's chi-square (larger tables), Mann–Whitney U (continuous)."]
report.show(t1.drop(columns=["p_value"]), "Table 1. Baseline characteristics", notes1)
report.save_table(t1, "table1_baseline", p.output_dir, "Table 1. Baseline characteristics", notes1)

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
report.show(t2, "Table 2. Clinical data at baseline")
report.save_table(t2, "table2_baseline_per_patient", p.output_dir, "Table 2. Clinical data at baseline")
