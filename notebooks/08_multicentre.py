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
# # Multicentre analysis without moving patient records
#
# Each centre runs the same analysis on its own records and shares only aggregate results
# (`dttstudy export-summary`): counts per endpoint, month, analysis set and group; AE counts and patient-years;
# life tables; sums and sums of squares of lab changes; Table 1 counts. Cells below the minimum cell count K
# (default 5) are withheld, together with the cells that would let a reader recover them from the margins. The
# coordinating centre pools the summaries (`dttstudy pool`): summed counts with exact CIs, between-centre
# heterogeneity, Kaplan–Meier from the life tables, exposure-adjusted AE rates.
#
# Worked example: the three centres (C1, C2, C3) of the reconstructed reference cohort, 9, 5 and 4 patients.
# With centres this small almost every cell is below 5, so the notebook pools twice: with **K = 0 (no
# disclosure control — a demonstration of the arithmetic only, never for real data)**, and with the default
# K = 5, listing the withheld cells.

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
# ## At each centre: export the summary
#
# Here the centres are simulated by splitting the cohort on its `center` column; in a real study each centre
# runs `dttstudy export-summary --data its_cohort --out centre.json --centre C1` on its own machine.

# %%
from dttstudy.synthesis.disclosure import DEFAULT_MIN_CELL
from dttstudy.synthesis.multicentre import export_summary

settings = dict(disease=p.disease, timepoints=p.timepoints, definition=p.definition, ci_method=p.ci_method,
                crp_uln=p.crp_uln, window=p.window)
import re

# a centre is named by its code in the summaries; a centre value that is not a short code (free text) is
# replaced by its position, so that nothing typed into the data leaves a centre
centres = {}
for k, (c, g) in enumerate(cohort.patients.groupby("center"), 1):
    name = c if re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", str(c)) else f"centre_{k}"
    centres[name] = cohort.filter(patients=list(g["patient_id"]))
demo = [export_summary(c, min_cell=0, centre=name, **settings) for name, c in centres.items()]
shared = [export_summary(c, min_cell=DEFAULT_MIN_CELL, centre=name, **settings) for name, c in centres.items()]

# %%
# NBVAL_CHECK_OUTPUT
for name, c, s in zip(centres, centres.values(), shared):
    print(f"{name}: {len(c.patients)} patients; K = {s['disclosure']['min_cell']}: "
          f"{len(s['disclosure']['withheld'])} values withheld")

# %% [markdown]
# ## At the coordinating centre: pool — K = 0, demonstration only
#
# Without disclosure control the pooled counts are exactly those of the patient-level analysis of all
# centres together (checked below); the monthly life tables give an actuarial survival curve close to the
# patient-level Kaplan–Meier. A coordinator pools summaries without disclosure control only when it says so
# (`accept_below_min_cell=True`, `dttstudy pool --accept-below-min-cell`), and the pooled summary then states it.

# %%
from dttstudy.synthesis.multicentre import pool

demo_pool = pool(demo, accept_below_min_cell=True)
demo_pool.print_summary()
rates = demo_pool.rates_
report.table(rates[rates["endpoint"] == "clinical_response"], "multicentre_demo_clinical_response",
             p.output_dir, "Pooled clinical response, K = 0 (demonstration only: no disclosure control)")
report.table(demo_pool.heterogeneity_, "multicentre_demo_heterogeneity", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
from dttstudy.analysis.outcomes import response_rates

full = response_rates(cohort, p.timepoints, by=["disease", "regimen"], ci_method=p.ci_method,
                      **p.response_kwargs)
key = ["analysis_set", "month", "by", "group"]
both = full.merge(rates[rates["endpoint"] == "clinical_response"], on=key, suffixes=("", "_pooled"))
same = len(both) == len(full) and (both["n"] == both["n_pooled"]).all() and (both["N"] == both["N_pooled"]).all()
print("pooled counts equal the patient-level analysis:", bool(same))
print(report.rates_text(rates[(rates["group"] == "All") & (rates["endpoint"] == "clinical_response")]))
for h in demo_pool.heterogeneity_.itertuples():
    if h.analysis_set == "observed":
        print(f"{h.endpoint} month {h.month:g}: k = {h.k}, tau2 = {h.tau2:.3f}, I2 = {h.i2:.0f}% ({h.method})")

# %%
import matplotlib.pyplot as plt

from dttstudy.reporting.figures.multicentre import forest_by_centre, km_life_table_plot

cr, het = demo_pool.centre_rates_, demo_pool.heterogeneity_
m = max(p.timepoints)
sel = cr[(cr["endpoint"] == "clinical_response") & (cr["analysis_set"] == "observed") & (cr["month"] == m)]
h = het[(het["endpoint"] == "clinical_response") & (het["analysis_set"] == "observed") & (het["month"] == m)]
h = h.iloc[0].to_dict()
pr = rates[(rates["endpoint"] == "clinical_response") & (rates["analysis_set"] == "observed") &
           (rates["month"] == m) & (rates["group"] == "All")].iloc[0]
h["pooled"] = {k: pr[k] for k in ("n", "N", "pct", "ci_low", "ci_high")}
fig = forest_by_centre(sel, h, f"Clinical response at month {m:g} by centre (K = 0, demonstration)")
report.figure(fig, "multicentre_demo_forest", p.output_dir,
              f"Clinical response at month {m:g} by centre, observed cases; K = 0, demonstration only.")
plt.close(fig)
km = demo_pool.km_["time to first TEAE"]
fig = km_life_table_plot(km, "Time to first TEAE, pooled from monthly life tables (K = 0)",
                         "Probability free of AE", "start")
report.figure(fig, "multicentre_demo_km_first_ae", p.output_dir,
              "Actuarial survival free of a treatment-emergent AE from the centres' monthly life tables; "
              "K = 0, demonstration only.")
plt.close(fig)

# %% [markdown]
# ## At the coordinating centre: pool — K = 5, what would really be shared
#
# A pooled response cell is a figure over every centre with patients in it, or none: a cell that any centre
# withheld reads "withheld by C1, C3", because the other centres' sum is a different population's rate.
# `pool(..., partial="show")` gives that sum instead, marked with the centres it covers. Every withheld value is
# listed by name.

# %%
real = pool(shared)
real.print_summary()
r5 = real.rates_
report.table(r5[r5["endpoint"] == "clinical_response"], "multicentre_clinical_response", p.output_dir,
             f"Pooled clinical response, K = {DEFAULT_MIN_CELL}")
report.save_table(real.withheld_, "multicentre_withheld_cells", p.output_dir,
                  f"Values withheld by the centres (K = {DEFAULT_MIN_CELL}), by name", in_report=False)
withheld = (real.withheld_.groupby(["centre", "table"]).size().unstack("centre", fill_value=0)
            .rename_axis(None, axis=1).reset_index())
report.table(withheld, "multicentre_withheld_summary", p.output_dir,
             f"Values withheld by each centre (K = {DEFAULT_MIN_CELL}), by summary table; every one is listed in "
             "multicentre_withheld_cells.csv")
print(real.withheld_.head(12).to_string(index=False))
print(f"... {len(real.withheld_)} in all: every one is in multicentre_withheld_cells.csv")

# %%
# NBVAL_CHECK_OUTPUT
print(real.withheld_.groupby(["centre", "table"]).size().to_string())
print(report.rates_text(r5[(r5["group"] == "All") & (r5["endpoint"] == "clinical_response")]))
