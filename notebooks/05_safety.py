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
# # Safety: adverse events, exposure-adjusted rates, time to first AE
#
# Treatment-emergent AEs (onset from DTT start to the end of the DTT course). Incidence = patients with at least
# one AE / patients; exposure-adjusted incidence per 100 patient-years. Time to first AE: patients without an
# AE are censored at DTT stop or at their last month on DTT. Kaplan–Meier confidence intervals are log-log
# (exponential Greenwood). The cumulative incidence treats stopping DTT before any AE as a competing event
# (Aalen–Johansen).

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
from dttstudy.analysis.safety import ae_listing, exposure_adjusted_incidence
from dttstudy.analysis.tables import ae_table
from dttstudy.reporting.labels import label, level

listing = ae_listing(cohort)
inc = ae_table(cohort, by=report.compared(cohort, "disease", "regimen") + ["suspected_agent"], ci_method=p.ci_method)
rates = exposure_adjusted_incidence(cohort, by=(report.compared(cohort, "disease") or [None])[0])
report.table(listing, "ae_listing", p.output_dir)
report.table(inc, "ae_incidence", p.output_dir)
report.table(rates, "ae_exposure_adjusted", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
for by, group, cell, events in zip(inc["by"], inc["group"], inc["n/N (%; 95% CI)"], inc["events"]):
    who = "all patients" if by == group == "All" else f"{label(by, strict=False).lower()} {level(group)}"
    print(f"Patients with an adverse event, {who}: {cell}; {events} event{'s' if events != 1 else ''}")
a = rates.iloc[0]
print(f"EAIR {a.eair_per_100py:.2f} per 100 PY ({a.patients_with_event} patients / {a.patient_years_at_risk:.3f} PY)")
print(f"serious AEs: {int(listing['serious'].sum())}")

# %% [markdown]
# ## Time to first adverse event (Kaplan–Meier)

# %%
from dttstudy.reporting.figures import cumulative_incidence_plot, figure_caption, km_plot, month_grid
from dttstudy.analysis.safety import (KaplanMeier, competing_first_ae, cumulative_incidence, km_by_group,
                                      logrank_test, time_on_dtt, time_to_first_ae)

# the month axis and the risk tables run to the last follow-up on DTT, whatever months are analysed
grid = month_grid(time_on_dtt(cohort)["time"].max())
tte = time_to_first_ae(cohort)
km = KaplanMeier().fit(tte, label="free of adverse events")
fig = km_plot(km, grid, "Time to first treatment-emergent adverse event", ylabel="Probability free of AE")
report.figure(fig, "km_time_to_first_ae", p.output_dir, figure_caption(fig))
risk = km.risk_table(grid)
report.table(risk, "km_first_ae_risk_table", p.output_dir, "Time to first AE: at risk, events, censored",
             report.RISK_TABLE_NOTES, in_report=False)
report.save_table(tte, "tte_first_ae", p.output_dir,
                  in_report=False)
report.save_table(km.estimates_, "km_first_ae", p.output_dir, in_report=False)

# %%
# NBVAL_CHECK_OUTPUT
print(km.summary().to_string(index=False))
print(km.at(grid).round(4).to_string(index=False))

# %% [markdown]
# ## By disease, with the log-rank test
#
# Kaplan–Meier curves of the time to the first AE and of the time on DTT for UC and CD, compared with the
# log-rank test (not computed when a group has fewer than 2 patients; neither curves nor tests when only one
# disease is analysed).

# %%
import pandas as pd

tests = []
by_disease = bool(report.compared(cohort, "disease"))  # one disease analysed: nothing to compare
curves = (("Time to first adverse event", tte, "Probability free of AE", "km_first_ae_by_disease"),
          ("Time on DTT", time_on_dtt(cohort), "Probability still on DTT", "km_time_on_dtt_by_disease"))
for what, data, ylabel, name in curves if by_disease else ():
    kms = km_by_group(data, "disease")
    lr = logrank_test(data, "disease")
    tests.append(lr.assign(endpoint=what))
    fig = km_plot(kms, grid, f"{what} by disease", ylabel=ylabel, logrank=lr)
    report.figure(fig, name, p.output_dir, figure_caption(fig))
if by_disease:
    logrank = pd.concat(tests, ignore_index=True)
    report.table(logrank[["endpoint", *[c for c in logrank.columns if c != "endpoint"]]], "logrank_by_disease",
                 p.output_dir, "Log-rank tests by disease")
else:
    logrank = pd.DataFrame(columns=["endpoint", "by", "test"])
    print(f"Only {cohort.patients['disease'].iloc[0] if len(cohort.patients) else 'no'} patients are analysed: "
          "no curves or tests by disease.")

# %%
# NBVAL_CHECK_OUTPUT
for r in logrank.itertuples():
    print(f"{r.endpoint} by {r.by}: chi2 {r.chi2:.4f} on {r.df} df, p {r.p_value:.4f}" if r.test else
          f"{r.endpoint} by {r.by}: no test ({r.no_test_reason})")

# %% [markdown]
# ## Time on DTT and cumulative incidence with a competing event

# %%
kd = KaplanMeier().fit(time_on_dtt(cohort), label="on DTT")
fig = km_plot(kd, grid, "Time on DTT (any discontinuation is the event)", ylabel="Probability still on DTT")
report.figure(fig, "km_time_on_dtt", p.output_dir, figure_caption(fig))
report.save_table(kd.estimates_, "km_time_on_dtt", p.output_dir, in_report=False)
cif = cumulative_incidence(competing_first_ae(cohort))
fig = cumulative_incidence_plot(cif, "Cumulative incidence of a first AE (stopping DTT first competes)",
                                times=grid)
report.figure(fig, "cif_first_ae", p.output_dir, figure_caption(fig))
report.table(cif, "cif_first_ae", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
print(kd.summary().to_string(index=False))
print(cif[["time", "cif_event", "cif_competing"]].round(4).to_string(index=False))
