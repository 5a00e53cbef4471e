"""The literature notebook's forest plots, each with its caption in words: one per outcome, pooled published
cohorts beside this cohort, the pooled model and the predictive check described as the Methods would."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..concepts import ENDPOINTS
from ..synthesis import forest
from ..synthesis import literature as lit_
from ..synthesis.literature_summary import pool_differences, pooled_summary_row, timepoint_span
from ..synthesis.meta import study_proportions
from .figures.forest import forest_plot

#: The outcomes drawn: every declared endpoint and any adverse event.
FOREST_OUTCOMES = (*(e.name for e in ENDPOINTS), "any_ae")


@dataclass
class LiteratureForest:
    """One outcome's forest plot: its file name, the figure, its caption, and the per-study table with its title."""

    name: str
    figure: object
    caption: str
    studies: pd.DataFrame
    title: str


def model_words(method: str, pooled) -> str:
    """The pooled model in a phrase ('binomial–normal GLMM, t(k−1) CI' / 'inverse-variance logit model (REML)')."""
    if method == "GLMM" and pooled is not None:
        return f"binomial–normal GLMM, {pooled.ci_method} CI"
    return f"inverse-variance logit model ({method})"


def predictive_words(own: pd.DataFrame, row: dict, pooled) -> str:
    """The predictive check in a sentence ('' when this cohort has no count or no predictive probability)."""
    if not len(own) or row.get("p_at_least") != row.get("p_at_least") or "p_at_least" not in row:
        return ""
    x, n = int(own["events"].iloc[0]), int(own["total"].iloc[0])
    # "x or fewer of n" is certain when x = n, and "x or more" when x = 0: only the informative side is said
    if x == n:
        said = f"all {n} of {n} with the outcome with probability {row['p_at_least']:.2f}"
    elif x == 0:
        said = f"none of {n} with the outcome with probability {row['p_at_most']:.2f}"
    else:
        said = (f"{x} or more of {n} with the outcome with probability {row['p_at_least']:.2f} (and {x} or fewer "
                f"with probability {row['p_at_most']:.2f})")
    return f" Predictive check: a new study of {n} patients would have {said} under the pooled predictive " \
           f"distribution ({pooled.pi_method})."


def literature_forests(lit: pd.DataFrame, mine: pd.DataFrame, *, method: str, include: str, cohort_month: float,
                       outcomes=FOREST_OUTCOMES) -> tuple[pd.DataFrame, list[LiteratureForest]]:
    """Pool each outcome's published cohorts (``method``, studies selected by ``include``) and draw its forest plot
    with this cohort's rows (``mine``, from :func:`dttstudy.synthesis.literature.cohort_rows`) beside the pool.
    When ``mine`` holds two analysis sets, the first (non-responder imputation) is the main comparison and the
    second (observed cases) its sensitivity: both are drawn, and both are placed by the predictive check.

    Returns the summary table (one row per outcome, :func:`pooled_summary_row`) and the figures with captions.
    """
    summary, figures = [], []
    sets = list(dict.fromkeys(mine["analysis_set"])) if "analysis_set" in mine else []
    possible = lit_.possible_overlaps(lit)
    for outcome in outcomes:
        rows = lit_.select(lit, outcome, include, units="study")
        arms = lit_.select(lit, outcome, include, units="arm")
        per, pooled = forest.forest_data(rows, method=method, arms=arms)
        both = mine[mine["outcome"] == outcome]
        own = both[both["analysis_set"] == sets[0]] if sets else both
        other = both[both["analysis_set"] == sets[1]] if len(sets) > 1 else None
        if other is not None and len(own) and (other[["events", "total"]].values == own[["events", "total"]].values).all():
            other = None  # safety rows: one denominator (everyone who started) in every set
        shown = pd.concat([own, other]) if other is not None else own
        highlight = study_proportions(shown["events"], shown["total"], labels=list(shown["label"])) if len(own) \
            else None
        row = pooled_summary_row(outcome, pooled, own, other)
        row.update(pool_differences(rows))
        names = dict(zip(rows["study_id"], rows["label"]))
        row["possible_overlaps"] = "; ".join(f"{names[a]} and {names[b]}" for a, b in possible
                                             if a in names and b in names)
        row["this_cohort_window"] = "DTT course" if outcome.endswith("_ae") else f"{cohort_month:g} months"
        summary.append(row)
        mine_label = own["label"].iloc[0].lower() if len(own) else "this cohort"
        check = predictive_words(own, row, pooled)
        if other is not None and check:
            check += predictive_words(other, {"p_at_least": row["p_at_least_observed"],
                                              "p_at_most": row["p_at_most_observed"]}, pooled).replace(
                " Predictive check:", " Observed cases (sensitivity):")
        label = lit_.OUTCOME_LABELS[outcome]
        timepoint = ("whole follow-up reported per study (this cohort: DTT course)" if outcome.endswith("_ae") else
                     f"latest timepoint reported per study (this cohort: {cohort_month:g} months)")
        fig = forest_plot(per, pooled, label, highlight=highlight, timepoint=timepoint,
                          footnote=check.strip() or None)
        caption = (f"{label} in published DTT cohorts: proportion with its exact 95% CI per study (arms indented, "
                   f"not pooled separately), pooled with a {model_words(method, pooled)} (diamond: conditional "
                   f"pooled proportion, the median study's, with its 95% CI; line: 95% prediction interval). Shown "
                   f"beside the pool, not in it: {mine_label}.{check} Timepoints differ — {timepoint_span(rows)} — "
                   f"and so do the outcome definitions (table).")
        figures.append(LiteratureForest(f"forest_{outcome}", fig, caption, per,
                                        f"{label}: studies, timepoints and outcome definitions"))
    return pd.DataFrame(summary), figures
