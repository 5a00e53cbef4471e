"""Forest plots of single proportions: published studies, this cohort, the pooled estimate."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .literature import study_label


def forest_data(rows: pd.DataFrame, method: str = "REML", hartung_knapp: bool = False) -> tuple[pd.DataFrame, object]:
    """Per-study proportions with Clopper–Pearson CIs plus the random-effects pooled estimate of ``rows``."""
    from .meta import pool_proportions, study_proportions

    labels = list(study_label(rows))
    per = study_proportions(rows["events"], rows["total"], labels=labels)
    per.insert(0, "study_id", list(rows["study_id"]))
    pooled = pool_proportions(rows["events"], rows["total"], method=method, hartung_knapp=hartung_knapp,
                              labels=labels) if len(rows) else None
    return per, pooled


def forest_plot(per: pd.DataFrame, pooled, title: str, highlight: pd.DataFrame | None = None,
                xlabel: str = "Proportion of patients (%)"):
    """Forest plot: studies with exact CIs, marker size by N, the pooled diamond, this cohort highlighted."""
    from .figures import _plt

    plt = _plt()
    rows = per.copy()
    extra = 1 if highlight is not None and len(highlight) else 0
    n = len(rows) + extra + 1
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * n + 1.6))
    ys = list(range(n - 1, 0, -1))
    for y, r in zip(ys, rows.itertuples()):
        ax.plot([100 * r.ci_lower, 100 * r.ci_upper], [y, y], color="black", lw=1)
        ax.plot(100 * r.proportion, y, "s", color="black", ms=3 + 6 * np.sqrt(r.total / rows["total"].max()))
        ax.text(101.5, y, f"{r.events}/{r.total}  {100 * r.proportion:.1f} ({100 * r.ci_lower:.1f}–"
                f"{100 * r.ci_upper:.1f})", va="center", fontsize=7)
    labels = list(rows["label"])
    if extra:
        h = highlight.iloc[0]
        y = ys[len(rows)] if len(rows) < len(ys) else 1.5
        ax.plot([100 * h["ci_lower"], 100 * h["ci_upper"]], [y, y], color="crimson", lw=1.6)
        ax.plot(100 * h["proportion"], y, "D", color="crimson", ms=7)
        ax.text(101.5, y, f"{h['events']}/{h['total']}  {100 * h['proportion']:.1f} ({100 * h['ci_lower']:.1f}–"
                f"{100 * h['ci_upper']:.1f})", va="center", fontsize=7, color="crimson")
        labels.append(str(h["label"]))
    if pooled is not None:
        lo, mid, hi = 100 * pooled.ci_lower, 100 * pooled.proportion, 100 * pooled.ci_upper
        ax.fill([lo, mid, hi, mid], [0, 0.3, 0, -0.3], color="navy")
        if pooled.pi_lower is not None and not np.isnan(pooled.pi_lower):
            ax.plot([100 * pooled.pi_lower, 100 * pooled.pi_upper], [0, 0], color="navy", lw=0.8, ls=":")
        ax.text(101.5, 0, f"{pooled.events}/{pooled.total}  {mid:.1f} ({lo:.1f}–{hi:.1f})", va="center",
                fontsize=7, color="navy")
        labels.append(f"Pooled, other studies ({pooled.method}, {pooled.transform}; I² {pooled.i2:.0f}%)")
    ticks = ys[:len(rows)] + ([ys[len(rows)] if len(rows) < len(ys) else 1.5] if extra else []) + \
        ([0] if pooled is not None else [])
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=8)
    for t in ax.get_yticklabels():
        if extra and t.get_text() == str(highlight.iloc[0]["label"]):
            t.set_color("crimson")
    ax.set_xlim(-1, 101)
    ax.set_ylim(-0.8, n - 0.3)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.text(0.01, 0.005, "Study CIs: Clopper–Pearson exact; pooled: random effects on the logit scale "
             "(dotted: 95% prediction interval)", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 0.8, 1))
    return fig
