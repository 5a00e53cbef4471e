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
# summed into one row and shown indented under it. Each study's proportion has a Clopper–Pearson exact CI. The
# studies are pooled with a **binomial–normal generalised linear mixed model** (random-intercept logistic
# regression, maximum likelihood, adaptive Gauss–Hermite quadrature with 7 nodes; exact binomial likelihood, so
# zero-event and all-event studies need no continuity correction), as `metafor::rma.glmm`. With 2–5 studies per
# pool the **CI and the prediction interval use the t quantile with k − 1 degrees of freedom**
# (`rma.glmm(..., test = "t")`), as current guidance for few studies recommends; the normal-quantile version is a
# named alternative (`pool_proportions(..., test="z")`). τ² has a profile-likelihood CI. **Estimand:** the pooled
# proportion is the *conditional* one — the proportion of the median study; the *population-averaged* proportion
# (mean over the distribution of studies) is shown beside it. Where no event occurred, or a pool has one study,
# no model is fitted: the summed count is shown with its exact interval.
#
# Which rows enter the pool is decided by **coding rules written once** (`dttstudy.synthesis.coding_rules`:
# refractory, mixed indication, denominators, count basis), applied to every row and checked by a test. This
# cohort's own row is computed from its data, never typed in, and is placed against the pool by a **predictive
# check** — the probability that a new study of its size would show its result or more — not by setting two
# percentages side by side. Definitions of response and remission and the timepoints differ between studies, and
# most cohorts are small and retrospective: the pooled values are context, not a benchmark.

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
# efficacy: non-responder imputation (intention to treat) is the main comparison, observed cases its sensitivity
mine = lit_.cohort_rows(cohort, cm, analysis_sets=("nri", "observed"), **p.literature_kwargs)
print(f"{lit['study_id'].nunique()} published studies, {len(lit)} rows; "
      f"{int(lit['verified'].sum())} rows verified against their source")
# adverse events count everyone who started DTT, whatever the efficacy analysis set: listed once
listing = mine[["outcome", "analysis_set", "label", "timepoint", "events", "total"]].copy()
listing.loc[listing["outcome"].str.endswith("_ae"), "analysis_set"] = "Everyone who started DTT"
listing = listing.drop_duplicates().reset_index(drop=True)
report.table(listing, "literature_this_cohort", p.output_dir,
             "This cohort in the literature format (computed from the data)", in_report=False)

# %% [markdown]
# ## Search, selection and risk of bias
#
# **Search.** Targeted, not a database query with recorded hits: PubMed, PMC, publisher, repository and
# preprint records of dual-targeted therapy cohorts in IBD, and the tables and reference lists of the published
# meta-analyses (Ahmed 2022, Alayo 2022, Anderson 2026) and reviews (World J Gastroenterol 2023 and 2024, World J
# Clin Pediatr 2025, Ma 2026). **Eligibility.** Patients with IBD given two biologics, or a biologic and a small
# molecule, together (one triple-therapy trial arm); clinical or endoscopic response or remission, or adverse
# events, as a count over a stated or derivable denominator; cohorts, case series and the combination arms of
# trials. Not eligible: reviews and meta-analyses (searched, compared), Kaplan–Meier rates without counts,
# reports without the number of patients, and this study's own cohort (compared, never pooled). The main pool's
# further rules (adult, refractory, verified, patient units, luminal indication, no double counting) are the
# coding rules below. Every record considered is in `data/published/selection.csv`, with the stage it reached and
# its reason; the flow diagram is counted from it.
#
# **Risk of bias.** Each included study is appraised with the JBI checklist for case series (ten items; a
# trial's combination arm as a case series) from the source that was seen — often the abstract only, so many
# items are "unclear" (`data/published/risk_of_bias.csv`, one rationale per item). Overall: low when at least
# 70% of items are met, moderate from 50%, high below 50%; an item the report does not show met counts as not
# met.

# %%
from dttstudy.reporting.figures.review import prisma_flow_plot, risk_of_bias_plot
from dttstudy.synthesis import review

selection = review.load_selection(lit=lit)
flow = review.selection_flow(selection, lit, include=p.extra["include"])
report.figure(prisma_flow_plot(flow), "review_prisma_flow", p.output_dir,
              "PRISMA 2020 flow diagram of the records considered. The search was targeted (study records, and the "
              "tables and reference lists of reviews and meta-analyses): records a database query returned and "
              "duplicates removed were not recorded. Reasons for exclusion are counted in the table below.")
report.table(flow, "review_selection", p.output_dir)

rob_items = review.load_risk_of_bias(lit=lit)
rob = review.risk_of_bias_summary(rob_items)
labels = lit_.study_names(lit)
report.figure(risk_of_bias_plot(rob, labels, [it.label for it in review.JBI_ITEMS]), "review_risk_of_bias",
              p.output_dir, "Risk of bias of each included study: the ten items of the JBI checklist for case series "
              "(+ yes, − no, ? unclear) and the overall judgement (L low: 70% of items or more met; M moderate: "
              "50% to 69%; H high: under 50%).")
report.table(rob.assign(study=rob["study_id"].map(labels)), "risk_of_bias", p.output_dir)
report.save_table(rob_items, "risk_of_bias_rationale", p.output_dir)
high_risk = review.high_risk_studies(rob)

# %%
# NBVAL_CHECK_OUTPUT
print(f"{int(flow.loc[flow['box'] == 'included', 'n'].iloc[0])} studies included "
      f"({int(flow.loc[flow['box'] == 'included_secondary', 'n'].iloc[0])} from a review only), "
      f"{int(flow.loc[flow['box'] == 'in_main_pool', 'n'].iloc[0])} in a main pool")
print("overall risk of bias:", rob["overall"].value_counts().reindex(list(review.RISK_LEVELS), fill_value=0)
      .to_dict())

# %% [markdown]
# ## Forest plots
#
# Rows are studies (arms indented, shown but not pooled separately); the diamond is the pooled estimate with
# its 95% CI (t quantile, k − 1 df), the line under it the 95% prediction interval (t, k − 1 df). The weight
# column of the GLMM is the approximate inverse-variance weight with the GLMM's τ² (the GLMM itself has no study
# weights). The per-study tables give each study's timepoint and outcome definition.

# %%
import pandas as pd

from dttstudy.reporting.literature_forests import literature_forests

pool_method = p.extra["method"]
summary, forests = literature_forests(lit, mine, method=pool_method, include=p.extra["include"], cohort_month=cm)
for f in forests:
    report.figure(f.figure, f.name, p.output_dir, f.caption)
    report.save_table(f.studies, f.name, p.output_dir, f.title, in_report=False)
report.table(summary, "literature_pooled_vs_cohort", p.output_dir,
             "Pooled published cohorts (conditional and population-averaged proportion, t-based intervals) and "
             "this cohort placed by a predictive check")

# %%
# NBVAL_CHECK_OUTPUT
for r in summary.itertuples():
    print(f"{lit_.OUTCOME_LABELS[r.outcome]}: pooled {r.pooled_pct:.1f}% (95% CI {r.ci_low:.1f}–{r.ci_high:.1f}, {r.ci_method}; "
          f"population-averaged {r.marginal_pct:.1f}%; PI {r.pi_low:.1f}–{r.pi_high:.1f}; k={r.k}, "
          f"tau2={r.tau2:.2f} ({r.tau2_ci_low:.2f}–{r.tau2_ci_high:.2f}), {r.method}) | {r.this_cohort_label} "
          f"{r.this_cohort}: P(new study >= cohort) = {r.p_at_least:.2f}"
          + (f" (observed cases {r.this_cohort_observed}: {r.p_at_least_observed:.2f})"
             if r.this_cohort_observed != "—" else ""))

# %% [markdown]
# ## The main model in words

# %%
main_rows = lit_.select(lit, p.extra["outcome"], p.extra["include"], units="study")
from dttstudy.synthesis.meta import pool_proportions

main_fit = pool_proportions(main_rows["events"], main_rows["total"], method=pool_method,
                            labels=list(main_rows["label"]))
print(f"{lit_.OUTCOME_LABELS[p.extra['outcome']]}:")
main_fit.print_summary()

# %% [markdown]
# ## Coding rules
#
# Every flag that decides whether a row is pooled follows from a column recording what the source states
# (Rule R: refractory — active disease despite at least one advanced therapy; Rule M: mixed indication, per row;
# Rule D: denominators — enrolled, evaluable, completers; Rule C: count basis — printed, exact, fixed by
# arithmetic, assumed, circular). The table below is the rules table; a test checks every row against it.

# %%
from dttstudy.synthesis.coding_rules import rule_violations, rules_table

report.table(rules_table(), "literature_coding_rules", p.output_dir,
             in_report=False)
print(f"rows breaking a coding rule: {len(rule_violations(lit))}")

# %% [markdown]
# ## Sensitivity analyses
#
# One row per analysis: the main analysis; arms as separate units; overlapping studies added back;
# mixed-indication studies added back; unverified rows removed ("same as main": the main rule already leaves
# them out) or added back; only printed denominators, only printed counts, assumed denominators added back; the
# enrolled-denominator (intention-to-treat) analysis; leave-one-out; and the inverse-variance logit (REML) and
# Freeman–Tukey models on the main units. n is the number of patients pooled; I² is computed from τ² as metafor
# does.

# %%
from dttstudy.synthesis.sensitivity import sensitivity_table

sens = sensitivity_table(lit, p.extra["outcome"], p.extra["include"], method=pool_method, high_risk=high_risk)
report.table(sens, "literature_sensitivity", p.output_dir,
             f"{lit_.OUTCOME_LABELS[p.extra['outcome']]}: sensitivity analyses of the pooled proportion")

# %%
# NBVAL_CHECK_OUTPUT
for r in sens.itertuples():
    print(f"{r.analysis} ({r.detail}): " + (f"k={r.k}, n={r.n}, {r.pooled_pct:.1f}% ({r.ci_low:.1f}–{r.ci_high:.1f}), "
                                            f"tau2={r.tau2:.2f}, I2={r.i2:.0f}%" if r.k else "no study"))

# %% [markdown]
# ## Certainty of the evidence (GRADE)
#
# Case series start at low certainty and are rated down for risk of bias (studies at high risk hold more than half
# of the pooled patients), inconsistency (95% prediction interval wider than 40 percentage points), indirectness
# (timepoints more than 6 months apart, or more than one outcome definition) and imprecision (95% CI wider than 30
# points, or fewer than 100 patients); publication bias cannot be assessed with fewer than ten studies.

# %%
from dttstudy.synthesis.certainty import summary_of_findings

pools = {o: lit_.select(lit, o, p.extra["include"], units="study") for o in summary["outcome"]}
sof = summary_of_findings(summary, pools, dict(zip(rob["study_id"], rob["overall"])))
report.table(sof, "certainty_of_evidence", p.output_dir)

# %%
# NBVAL_CHECK_OUTPUT
for r in sof.itertuples():
    print(f"{r.outcome}: {r.per_100}, k={r.studies}, {r.patients} patients — {r.certainty} certainty "
          f"({r.downgrades} level(s) down)")

# %% [markdown]
# ## Regimen classes
#
# Regimen classes are pooled with arms as units (the arms of one study can belong to different classes), each
# with the binomial–normal GLMM. A class with one arm, or in which no event (or every event) occurred, has no
# fitted model: it shows its count with the exact interval (0/N where nothing happened), never a rate from a
# continuity-corrected model. The test for subgroup differences is reported only when every class has a fitted
# model; the model column says which model each row comes from.

# %%
from dttstudy.reporting.labels import label

classes = lit_.regimen_class_table(lit, include=p.extra["include"], method=pool_method)
report.table(classes, "literature_regimen_classes", p.output_dir)
sub = lit_.regimen_class_table(lit, outcomes=(p.extra["outcome"],), include=p.extra["include"],
                               method=pool_method, by=p.extra["subgroup"])
report.table(sub, "literature_subgroups", p.output_dir,
             f"{lit_.OUTCOME_LABELS[p.extra['outcome']]} by {label(p.extra['subgroup']).lower()} (arms as units)")

# %%
# NBVAL_CHECK_OUTPUT
t = sub[sub["regimen_class"] == "Overall"].iloc[0]
print(f"{lit_.OUTCOME_LABELS[p.extra['outcome']]} by {label(p.extra['subgroup']).lower()} (arms as units): "
      f"p {t['subgroup_p']:.4f} — {t['subgroup_test']}")
loo = sens[sens["analysis"] == "leave-one-out"]
print(f"leave-one-out range ({pool_method}): {loo['pooled_pct'].min():.1f}–{loo['pooled_pct'].max():.1f}%")

# %% [markdown]
# ## Published meta-analyses: what can be recomputed, and a reconstruction
#
# **Single-study, all-zero and all-event subgroups of Anderson et al. 2026** are recomputed with the logit model
# with a continuity correction, Freeman–Tukey and the GLMM. Two of them are **circular**: their counts were
# back-calculated from the printed percentage, so they agree by construction and are not counted as agreement.
# Zero-event subgroups show why the continuity correction cannot give a printed 0%.
#
# **No multi-study pooled figure is reproduced.** No source available here prints the per-study counts behind a
# pooled figure of Ahmed 2022, Alayo 2022 or Anderson 2026 (sources searched: `literature.md`). Instead, the
# primary studies in this file that Ahmed 2022 *could* have included (published before its search date,
# 9 November 2020; two biologics or a biologic with tofacitinib; IBD) are pooled under the method variants it may
# have used and set beside its printed figures, under Ahmed's own rules (studies with more than 10 patients;
# efficacy arms treated for IBD; arms summed at one timepoint — what a rule leaves out is named). The comparison
# is the **distance** of each reconstructed value from the printed one in widths of the printed 95% CI ("close":
# at most a quarter of that width), which can fail where "inside the printed CI" almost never does. This is a
# **reconstruction, not a reproduction**: the included studies are not known, several counts are assumed or from
# secondary sources (column "Basis"), and circular rows are left out.

# %%
from dttstudy.synthesis.literature import published_meta_check
from dttstudy.synthesis.reconstruction import reconstruction_table

pub = published_meta_check()
report.table(pub, "published_meta_check", p.output_dir,
             "Published meta-analyses (Anderson 2026, Ahmed 2022, Alayo 2022): subgroup percentages printed and "
             "recomputed (circular rows marked)")
recon = reconstruction_table(lit)
report.table(recon, "published_meta_reconstruction", p.output_dir,
             "Ahmed et al. 2022: printed pooled figures beside a reconstruction from candidate primary studies "
             "(not a reproduction)")

# %%
# NBVAL_CHECK_OUTPUT
for r in pub.itertuples():
    shown = " | ".join(f"{name} {v:.1f}%" for name, v in (("logit", r.logit_pct), ("Freeman–Tukey", r.ft_pct),
                                                            ("GLMM", r.glmm_pct)) if v == v)  # computed ones only
    print(f"{r.subgroup}, {lit_.OUTCOME_LABELS[r.outcome].lower()}: printed {r.printed_pct:g}%"
          + (f" | {shown}" if shown else " | not recomputable") + (" | circular" if r.circular else ""))
for (tg, cs), g in recon.groupby(["target", "candidate_set"], sort=False):
    print(f"{tg} (printed {g['printed_pct'].iloc[0]:g}%, CI {g['printed_ci'].iloc[0]}), {cs}, k={g['k'].iloc[0]}: "
          f"reconstructed {g['reconstructed_pct'].min():.1f}–{g['reconstructed_pct'].max():.1f}% across "
          f"{len(g)} method variants, {int(g['close'].sum())} close (distance "
          f"{g['distance'].min():.2f}–{g['distance'].max():.2f} printed-CI widths)")

# %% [markdown]
# ## Other evidence and reporting bias
#
# **Not pooled.** A Canadian multicentre cohort (Solitano et al., Am J Gastroenterol 2025; 105 patients, about
# one-third treated for an immune-mediated disease or extra-intestinal manifestation rather than refractory IBD)
# reported Kaplan–Meier cumulative 12-month rates (clinical response 60.0%, clinical remission 29.5%,
# endoscopic response 32.4%, endoscopic remission 28.6%); these are not proportions of the cohort and are not
# pooled. Four cohorts are known only from a review table (Buer 2018, Kwapisz 2021, Privitera 2020, Olbjørn 2020;
# World J Gastroenterol 2023;29:1539, Table 2): they are entered as unverified. Each is also left out of the
# main pool by another written rule (refractoriness not stated in what was seen; Olbjørn 2020 is paediatric),
# so adding unverified rows back changes no pool: that sensitivity row reads "same as main".
#
# **Reporting bias.** Almost every cohort here is a retrospective case series from a referral centre, many
# published as abstracts or letters. Series in which a combination worked are more likely to be written up and
# published than those in which it did not, small series report the outcomes that looked best, and successive
# reports from one centre overlap. Funnel-plot asymmetry tests are not informative with 2–6 studies of 4–47
# patients and are not done. The pooled proportions should therefore be read as an upper range of what is
# reported, not as the expected effect of dual-targeted therapy; the prediction intervals, not the CIs, describe
# what a new cohort may show.
