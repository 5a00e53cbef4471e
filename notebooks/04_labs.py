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
# # Laboratory response: CRP and albumin
#
# The paper's CRP and albumin, and faecal calprotectin and haemoglobin where the centre records them
# (`cohort.labs`; every marker is declared once in `dttstudy.concepts.LABS`). Paired change from the month-0 value to each follow-up month (the visit closest to the month within its
# window). Only patients with both values are included, so baseline and follow-up means describe the same
# patients. Tests: Wilcoxon signed-rank, as R's `wilcox.test` by default (exact below 50 pairs without ties or zero
# changes, otherwise the normal approximation with continuity correction); groups under 2 pairs are not tested.

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
from dttstudy.analysis.labs import lab_changes, lab_summary
from dttstudy.concepts import labs_title

changes = lab_changes(cohort, cohort.labs, p.timepoints, windows=p.windows)
summary = lab_summary(changes, by=report.compared(cohort, "disease") or None, labs=cohort.labs, months=p.timepoints)
title = labs_title(cohort.labs)
report.table(summary, "lab_change_summary", p.output_dir, f"{title}: paired change from baseline")
report.table(changes, "lab_change_per_patient", p.output_dir, f"{title} per patient", in_report=False)

# %%
# NBVAL_CHECK_OUTPUT
for r in summary.itertuples():
    test = f"p={r.p_value:.4f}, {r.test}" if r.test else f"no test: {r.no_test_reason}"
    print(f"{r.lab} month {r.month:g} {r.group}: n={r.n} baseline mean {r.baseline_mean:.3f} -> "
          f"{r.value_mean:.3f} {r.unit} ({test})")

# %%
from dttstudy.reporting.figures import figure_caption, paired_lab_plot

for lab in cohort.labs:
    if not (changes["lab"] == lab).any():  # no paired value at any analysed month: a table row says so, no figure
        print(f"{lab}: no patient has a baseline and a follow-up value at month(s) "
              f"{', '.join(f'{m:g}' for m in p.timepoints)}; no figure")
        continue
    fig = paired_lab_plot(changes, lab, crp_uln=p.crp_uln)
    report.figure(fig, f"paired_{lab}", p.output_dir, figure_caption(fig))
