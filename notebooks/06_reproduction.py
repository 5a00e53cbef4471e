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
# # Reproduction: every published number beside the computed one
#
# Each number the paper's text reports (kept as data in `data/published/wang2025_facts.csv`) is recomputed
# from the cohort with the package's functions. Status: **match** (equal after rounding to the printed
# decimals), **rounding** (the paper truncated instead of rounding), **conflict** (a documented contradiction
# of the paper — see `data/reference/README.md`), **mismatch** (anything else). Verdicts are given for the
# bundled reference cohort only: on a centre's own data the published numbers stand beside that cohort's, as a
# comparison of two different groups of patients, not as a check.

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

# %%
from dttstudy.analysis.check import check_summary, paper_check

check = paper_check(cohort, crp_uln=p.crp_uln, definition=p.definition)
if report.graded(cohort, p):  # the paper's population and reading: a check; otherwise a comparison
    report.table(check, "paper_check", p.output_dir)
else:
    beside = check.drop(columns=["status", "rule", "note"])
    report.table(beside, "beside_wang2025", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
if report.graded(cohort, p):
    print(check_summary(check))
    for r in check[check["status"] != "match"].itertuples():
        print(f"{r.status}: {r.key} published {r.published} computed {r.computed} {r.computed_n}")
else:
    print(f"{len(check)} published numbers beside this cohort's (no verdicts: different patients)")
