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
# `literature.md`) beside this cohort. The unit of analysis is the **study**: the arms of a multi-arm study are
# summed into one row (they share centre, protocol and often patients' histories) and shown indented under it.
# Each study's proportion has a Clopper–Pearson exact CI. The other studies are pooled with a **binomial–normal
# generalised linear mixed model** (random-intercept logistic regression, maximum likelihood, adaptive
# Gauss–Hermite quadrature with 7 nodes; exact binomial likelihood, so zero-event and all-event studies need no
# continuity correction) — the model R's `meta` package uses by default and `metafor::rma.glmm` fits. The
# inverse-variance logit (REML) and Freeman–Tukey models are kept as named sensitivity analyses. This cohort's
# own row is computed from its data, never typed in, and is shown beside the pooled estimate, not inside it;
# with the bundled cohort it comes from **reconstructed** records (and clinical remission is not a published
# figure at all). Definitions of response and remission differ between studies (see `literature.md`), and most
# cohorts are small and retrospective: the pooled values are context, not a benchmark.

# %% tags=["parameters"]
data_path = None  # cohort folder or .xlsx workbook (None: the bundled reconstructed reference cohort)
output_dir = None  # folder for tables/ and figures/ (None: display only)
disease = "all"  # "all", "UC" or "CD"
timepoints = [3, 6, 9]  # months since DTT start
window = None  # visit-window half-width in months for every timepoint (None: the paper's windows)
definition = "paper"  # clinical response definition: "paper" or "simple" (sensitivity analysis)
ci_method = "clopper-pearson"  # or "wilson"
crp_uln = 5.0  # CRP upper limit of normal, mg/L
outcome = "clinical_response"  # main outcome for the sensitivity, subgroup and leave-one-out analyses
subgroup = "regimen_class"  # or "disease", "population"
method = "GLMM"  # pooling model: "GLMM", or inverse-variance logit with tau^2 by "REML", "DL" or "PM"
include = "main"  # "main" (the written inclusion rule) or "all" (adds paediatric, non-refractory, perianal)
cohort_month = None  # month at which this cohort's response and remission are taken (None: last timepoint)

# %%
from dttstudy.reporting import report

p = report.params(data_path=data_path, output_dir=output_dir, disease=disease, timepoints=timepoints,
                  definition=definition, ci_method=ci_method, crp_uln=crp_uln, window=window, outcome=outcome,
                  subgroup=subgroup, method=method, include=include, cohort_month=cohort_month)
cohort = report.load(p)

# %%
from dttstudy.synthesis import literature as lit_

lit = lit_.load_literature()
cm = p.cohort_month
mine = lit_.cohort_rows(cohort, cm, **p.literature_kwargs)
print(f"{lit['study_id'].nunique()} published studies, {len(lit)} rows; "
      f"{int(lit['verified'].sum())} rows verified against their source")
report.table(mine[["outcome", "label", "timepoint", "events", "total"]], "literature_this_cohort", p.output_dir,
             "This cohort in the literature format (computed from the data)", in_report=False)

# %% [markdown]
# ## Forest plots
#
# Rows are studies (arms indented, shown but not pooled separately); the diamond is the pooled estimate with
# its 95 % CI, the line under it the 95 % prediction interval (normal quantile, as metafor for the GLMM). The
# weight column of the GLMM is the approximate inverse-variance weight with the GLMM's τ² (the GLMM itself has
# no study weights).

# %%
import pandas as pd

from dttstudy.synthesis import forest
from dttstudy.synthesis.meta import study_proportions

pool_method = p.extra["method"]
summary = []
for outcome_ in ("clinical_response", "clinical_remission", "endoscopic_response", "any_ae"):
    rows = lit_.select(lit, outcome_, p.extra["include"], units="study")
    arms = lit_.select(lit, outcome_, p.extra["include"], units="arm")
    per, pooled = forest.forest_data(rows, method=pool_method, arms=arms)
    own = mine[mine["outcome"] == outcome_]
    hl = None
    if len(own):
        hl = study_proportions(own["events"], own["total"], labels=list(own["label"]))
    fig = forest.forest_plot(per, pooled, lit_.OUTCOME_LABELS[outcome_], highlight=hl,
                             timepoint=("whole follow-up reported per study (this cohort: DTT course)"
                                        if outcome_.endswith("_ae") else
                                        f"latest timepoint reported per study (this cohort: {cm:g} months)"))
    mine_label = own["label"].iloc[0].lower() if len(own) else "this cohort"
    model = "binomial–normal GLMM" if pool_method == "GLMM" else f"inverse-variance logit model ({pool_method})"
    report.figure(fig, f"forest_{outcome_}", p.output_dir,
                  f"{lit_.OUTCOME_LABELS[outcome_]} in published DTT cohorts: proportion with its exact 95 % CI per "
                  f"study (arms indented, not pooled separately), pooled with a {model} (diamond: 95 % CI; line: "
                  f"95 % prediction interval). Shown beside the pool, not in it: {mine_label}.")
    report.save_table(per, f"forest_{outcome_}", p.output_dir, f"{lit_.OUTCOME_LABELS[outcome_]}: studies",
                      in_report=False)
    if pooled is not None:
        summary.append({"outcome": outcome_, "k": pooled.k, "patients": pooled.total,
                        "pooled_pct": 100 * pooled.proportion, "ci_low": 100 * pooled.ci_lower,
                        "ci_high": 100 * pooled.ci_upper,
                        "pi_low": 100 * pooled.pi_lower if pooled.pi_lower is not None else float("nan"),
                        "pi_high": 100 * pooled.pi_upper if pooled.pi_upper is not None else float("nan"),
                        "tau2": pooled.tau2, "i2": pooled.i2, "method": pooled.model_description,
                        "this_cohort": (f"{int(own['events'].iloc[0])}/{int(own['total'].iloc[0])}"
                                        if len(own) else "—"),
                        "this_cohort_label": own["label"].iloc[0] if len(own) else "",
                        "this_cohort_pct": 100 * hl["proportion"].iloc[0] if hl is not None else float("nan")})

summary = pd.DataFrame(summary)
report.table(summary, "literature_pooled_vs_cohort", p.output_dir, "Pooled published cohorts beside this cohort")

# %%
# NBVAL_CHECK_OUTPUT
for r in summary.itertuples():
    print(f"{r.outcome}: pooled {r.pooled_pct:.1f}% (95% CI {r.ci_low:.1f}–{r.ci_high:.1f}; k={r.k}, "
          f"tau2={r.tau2:.2f}, I2={r.i2:.0f}%, {r.method}) vs {r.this_cohort_label} {r.this_cohort} "
          f"({r.this_cohort_pct:.1f}%)")

# %% [markdown]
# ## The main model in words

# %%
main_rows = lit_.select(lit, p.extra["outcome"], p.extra["include"], units="study")
from dttstudy.synthesis.meta import pool_proportions

main_fit = pool_proportions(main_rows["events"], main_rows["total"], method=pool_method,
                            labels=list(main_rows["label"]))
print(f"{lit_.OUTCOME_LABELS[p.extra['outcome']]}:")
print(main_fit.summary())

# %% [markdown]
# ## Sensitivity analyses
#
# One row per analysis: the main analysis; arms as separate units; overlapping studies added back;
# mixed-indication studies added back; unverified rows removed ("same as main": the main rule already leaves
# them out) or added back; leave-one-out; and the inverse-variance logit (REML) and Freeman–Tukey models on the
# main units. n is the number of patients pooled; I² is computed from τ² as metafor does.

# %%
from dttstudy.synthesis.sensitivity import sensitivity_table

sens = sensitivity_table(lit, p.extra["outcome"], p.extra["include"], method=pool_method)
report.table(sens, "literature_sensitivity", p.output_dir,
             f"{lit_.OUTCOME_LABELS[p.extra['outcome']]}: sensitivity analyses of the pooled proportion")

# %%
# NBVAL_CHECK_OUTPUT
for r in sens.itertuples():
    print(f"{r.analysis} ({r.detail}): k={r.k}, n={r.n}, {r.pooled_pct:.1f}% ({r.ci_low:.1f}–{r.ci_high:.1f}), "
          f"tau2={r.tau2:.2f}, I2={r.i2:.0f}%")

# %% [markdown]
# ## Regimen classes and subgroup test
#
# Regimen classes are compared with arms as units (the arms of one study can belong to different classes), with
# the inverse-variance logit model of the published regimen-level meta-analysis.

# %%
from dttstudy.synthesis.meta import pool_by_subgroup

iv_method = pool_method if pool_method != "GLMM" else "REML"
classes = lit_.regimen_class_table(lit, include=p.extra["include"], method=iv_method)
report.table(classes, "literature_regimen_classes", p.output_dir, "Pooled proportions by regimen class")

sub_rows = lit_.select(lit, p.extra["outcome"], p.extra["include"], units="arm")
sub = pool_by_subgroup(sub_rows, p.extra["subgroup"], method=iv_method)
report.show(sub.pooled.round(3), f"{lit_.OUTCOME_LABELS[p.extra['outcome']]} by {p.extra['subgroup']}")
report.show(sub.test.round(4), "Test for subgroup differences")

# %%
# NBVAL_CHECK_OUTPUT
t = sub.test.iloc[0]
print(f"{p.extra['outcome']} by {p.extra['subgroup']} ({iv_method}, arms as units): Q_between {t['q_between']:.3f}, "
      f"df {int(t['df'])}, p {t['p_value']:.4f}")
loo = sens[sens["analysis"] == "leave-one-out"]
print(f"leave-one-out range ({pool_method}): {loo['pooled_pct'].min():.1f}–{loo['pooled_pct'].max():.1f}%")

# %% [markdown]
# ## A published pooled result reproduced
#
# The subgroups of Anderson et al. 2026 whose per-study counts the sources fix, recomputed with the logit model
# with a continuity correction, Freeman–Tukey and the GLMM. Zero-event subgroups show why the continuity
# correction cannot reproduce a printed 0 %; `data/published/literature.md` says why the other printed numbers
# cannot be recomputed.

# %%
from dttstudy.synthesis.literature import published_meta_check

pub = published_meta_check()
report.table(pub, "published_meta_check", p.output_dir, "Anderson et al. 2026: printed vs recomputed pooled percentages")

# %%
# NBVAL_CHECK_OUTPUT
for r in pub.itertuples():
    print(f"{r.subgroup} {r.outcome}: printed {r.printed_pct:g}% | logit {r.logit_pct:.1f}% | FT {r.ft_pct:.1f}% | "
          f"GLMM {r.glmm_pct:.1f}%")
