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
# # Treatment course: Tables 3 and 4, regimens and a swimmer plot
#
# How long each patient stayed on DTT, with which regimen, how they responded at each visit, which adverse
# events occurred, and why and to what therapy those who stopped DTT moved.

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
# ## Regimens and DTT status

# %%
import pandas as pd

subjects = cohort.subjects()
# one column per analysed disease, and the total only beside two
regimens = (subjects.groupby(["regimen", "disease"]).size().unstack(fill_value=0)
            .reindex(columns=[d for d in ("UC", "CD") if d in set(subjects["disease"])], fill_value=0))
if report.compared(cohort, "disease"):
    regimens["total"] = regimens.sum(axis=1)
regimens = regimens.reset_index()
agents = pd.concat([subjects["agent_1"], subjects["agent_2"]]).value_counts().rename_axis("agent")
agents = agents.reset_index(name="patients")
report.table(regimens, "regimens", p.output_dir)
report.table(agents, "agents", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
print("regimens:", ", ".join(f"{r} {n}" for r, n in subjects["regimen"].value_counts().sort_index().items()))
print("status:", ", ".join(f"{k} {v}" for k, v in subjects["status"].value_counts().sort_index().items()))
stops = subjects.loc[subjects["status"] == "discontinued", "stop_reason"].value_counts().sort_index()
print("stop reasons:", ", ".join(f"{k} {v}" for k, v in stops.items()))
print(f"DTT months: {subjects['dtt_months'].min():g}–{subjects['dtt_months'].max():g}")

# %% [markdown]
# ## Swimmer plot

# %%
from dttstudy.reporting.figures import figure_caption, swimmer_plot

fig = swimmer_plot(cohort, p.timepoints, **p.response_kwargs)
report.figure(fig, "swimmer", p.output_dir, figure_caption(fig))

# %% [markdown]
# ## Table 3 — patients maintained on DTT
#
# Activity score (partial Mayo for UC, HBI for CD), clinical response and CRP (mg/L) at each visit;
# endoscopic response within the follow-up; adverse events. "—" = no evaluable assessment.

# %%
from dttstudy.analysis.tables import table3, table4

t3 = table3(cohort, p.timepoints, **p.response_kwargs)
report.table(t3, "table3_maintained", p.output_dir)

# %% [markdown]
# ## Table 4 — patients who discontinued DTT

# %%
t4 = table4(cohort, p.timepoints, **p.response_kwargs)
report.table(t4, "table4_discontinued", p.output_dir)
