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
# # Literature comparison: published DTT cohorts and random-effects pooling
#
# Published cohorts of dual-targeted therapy (`data/published/literature.csv`, sources and derivations in
# `literature.md`) beside this cohort. Each study's proportion has a Clopper–Pearson exact CI; the other
# studies are pooled with a random-effects model on the logit scale (REML by default; 0.5 added to both cells
# only for studies with 0 or all events). This cohort's own row is computed from its data, never typed in, and
# is shown beside the pooled estimate, not inside it. Definitions of response and remission differ between
# studies (see `literature.md`), and most cohorts are small and retrospective: the pooled values are context,
# not a benchmark.

# %% tags=["parameters"]
data_path = None  # cohort folder or .xlsx workbook (None: the bundled reconstructed reference cohort)
output_dir = None  # folder for tables/ and figures/ (None: display only)
disease = "all"  # "all", "UC" or "CD"
timepoints = [3, 6, 9]  # months since DTT start
definition = "paper"  # clinical response definition: "paper" or "simple" (sensitivity analysis)
ci_method = "clopper-pearson"  # or "wilson"
crp_uln = 5.0  # CRP upper limit of normal, mg/L
outcome = "clinical_response"  # main outcome for the subgroup and leave-one-out analyses
subgroup = "regimen_class"  # or "disease", "population"
method = "REML"  # "REML", "DL" or "PM"
include = "main"  # "main" (adult, refractory, patient-based, no overlap) or "all"
cohort_month = 9  # month at which this cohort's response and remission are taken

# %%
from dttstudy import report

p = report.params(data_path, output_dir, disease, timepoints, definition, ci_method, crp_uln, outcome=outcome,
                  subgroup=subgroup, method=method, include=include, cohort_month=cohort_month)
cohort = report.load(p)

# %%
from dttstudy import literature as lit_

lit = lit_.load_literature()
cm = float(p.extra["cohort_month"])
mine = lit_.cohort_rows(cohort, cm, **p.response_kwargs)
mine["label"] = f"This cohort ({'reconstructed' if cohort.reconstructed else 'own data'})"
print(f"{lit['study_id'].nunique()} published studies, {len(lit)} rows; "
      f"{int(lit['verified'].sum())} rows verified against their source")
report.show(mine[["outcome", "timepoint", "events", "total"]], "This cohort (computed from the data)")
report.save_table(mine, "literature_this_cohort", p.output_dir, "This cohort in the literature format")

# %% [markdown]
# ## Forest plots

# %%
from dttstudy import forest
from dttstudy.meta import study_proportions

summary = []
for outcome_ in ("clinical_response", "clinical_remission", "endoscopic_response", "any_ae"):
    rows = lit_.select(lit, outcome_, p.extra["include"])
    per, pooled = forest.forest_data(rows, method=p.extra["method"])
    own = mine[mine["outcome"] == outcome_]
    hl = None
    if len(own):
        hl = study_proportions(own["events"], own["total"], labels=list(own["label"]))
    fig = forest.forest_plot(per, pooled, lit_.OUTCOME_LABELS[outcome_], highlight=hl)
    report.save_figure(fig, f"forest_{outcome_}", p.output_dir)
    report.save_table(per, f"forest_{outcome_}", p.output_dir, f"{lit_.OUTCOME_LABELS[outcome_]}: studies")
    if pooled is not None:
        summary.append({"outcome": outcome_, "k": pooled.k, "patients": pooled.total,
                        "pooled_pct": 100 * pooled.proportion, "ci_low": 100 * pooled.ci_lower,
                        "ci_high": 100 * pooled.ci_upper, "i2": pooled.i2, "tau2": pooled.tau2,
                        "method": pooled.method,
                        "this_cohort": (f"{int(own['events'].iloc[0])}/{int(own['total'].iloc[0])}"
                                        if len(own) else "—"),
                        "this_cohort_pct": 100 * hl["proportion"].iloc[0] if hl is not None else float("nan")})

import pandas as pd

summary = pd.DataFrame(summary)
report.show(summary.round(2), "Pooled estimate of the other studies beside this cohort")
report.save_table(summary, "literature_pooled_vs_cohort", p.output_dir, "Pooled other studies vs this cohort")

# %%
# NBVAL_CHECK_OUTPUT
for r in summary.itertuples():
    print(f"{r.outcome}: pooled {r.pooled_pct:.1f}% (95% CI {r.ci_low:.1f}–{r.ci_high:.1f}; k={r.k}, "
          f"I2={r.i2:.0f}%, {r.method}) vs this cohort {r.this_cohort} ({r.this_cohort_pct:.1f}%)")

# %% [markdown]
# ## Regimen classes, subgroup test and leave-one-out

# %%
from dttstudy.meta import leave_one_out, pool_by_subgroup

classes = lit_.regimen_class_table(lit, include=p.extra["include"], method=p.extra["method"])
report.show(classes.round(2), "Pooled proportions by regimen class")
report.save_table(classes, "literature_regimen_classes", p.output_dir, "Pooled proportions by regimen class")

rows = lit_.select(lit, p.extra["outcome"], p.extra["include"])
sub = pool_by_subgroup(rows, p.extra["subgroup"], method=p.extra["method"])
report.show(sub.pooled.round(3), f"{lit_.OUTCOME_LABELS[p.extra['outcome']]} by {p.extra['subgroup']}")
report.show(sub.test.round(4), "Test for subgroup differences")
loo = leave_one_out(rows["events"], rows["total"], labels=list(lit_.study_label(rows)), method=p.extra["method"])
report.show(loo[["omitted", "k", "proportion", "ci_lower", "ci_upper", "i2"]].round(3), "Leave-one-out")
report.save_table(loo, "literature_leave_one_out", p.output_dir, "Leave-one-out")

# %%
# NBVAL_CHECK_OUTPUT
t = sub.test.iloc[0]
print(f"{p.extra['outcome']} by {p.extra['subgroup']}: Q_between {t['q_between']:.3f}, df {int(t['df'])}, "
      f"p {t['p_value']:.4f}")
print(f"leave-one-out range: {100 * loo['proportion'].min():.1f}–{100 * loo['proportion'].max():.1f}%")
