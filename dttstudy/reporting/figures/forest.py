"""Forest plots of single proportions: published studies, this cohort, the pooled estimate.

:func:`forest_plot` draws the table of :func:`dttstudy.synthesis.forest.forest_data` for publication:

* columns *Study* | *n/N* | *% (95% CI)* | *Weight*, with a header row naming the outcome and timepoint;
* the x axis runs from 0 to 100% with a margin, so a study at 100% is drawn whole; number columns sit in their
  own panels, clear of the axis;
* the pooled estimate as a diamond (its CI) with the prediction interval as a line through it;
* this cohort, when given, below the pooled rows in a separate colour, labelled as its row says (e.g.
  "This cohort (reconstructed data)"): it is not part of the pool;
* colours from the Okabe–Ito palette (colour-blind safe); no timestamps or random state.

Weights: for the inverse-variance models the random-effects weights ``1/(v_i + tau^2)`` in percent. The GLMM
has no study weights; the column then shows the *approximate* inverse-variance weight with the GLMM's tau^2
(logit variances, 0.5 added to 0/all-event studies), and the footnote says so.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .theme import plt as _plt
from .theme import set_caption


#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
             "grey": "#999999"}


def _pct(p: float) -> str:
    return f"{100 * p:.1f}"


def forest_plot(per: pd.DataFrame, pooled, title: str, highlight: pd.DataFrame | None = None,
                xlabel: str = "Patients with the outcome (%)", timepoint: str | None = None,
                footnote: str | None = None, unit_label: str = "Study"):
    """Forest plot of :func:`dttstudy.synthesis.forest.forest_data` output (see the module docstring); returns a
    matplotlib Figure.

    ``title`` names the outcome, ``timepoint`` the timepoint rule (header row); ``highlight`` is this cohort's
    row(s) (columns ``label, events, total, proportion, ci_lower, ci_upper``), drawn below the pooled estimate
    and not pooled. ``footnote`` is added under the standard footnote; ``unit_label`` heads the first column (e.g.
    "Centre" when the units are centres).
    """
    plt = _plt()
    c_study, c_arm = OKABE_ITO["black"], OKABE_ITO["grey"]
    c_pool, c_own = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    hl = highlight if highlight is not None and len(highlight) else None

    # y positions, top to bottom: header, studies/arms, gap, pooled, PI, gap, this cohort
    lines: list[tuple] = []
    for r in per.itertuples(index=False):
        lines.append(("arm" if r.level else "study", r))
    n_rows = len(lines) + (2 if pooled is not None else 0) + (len(hl) + 1 if hl is not None else 0) + 1
    unit = unit_label.lower()
    arms_shown = "level" in per and (per["level"] > 0).any()
    notes = [f"Squares: each {unit} with its Clopper–Pearson exact 95% CI (size by patients)"
             + ("; grey circles: arms of a multi-arm study, shown, not pooled separately." if arms_shown else ".")]
    if pooled is not None:
        if pooled.method == "GLMM" and pooled.ci_method == "Clopper-Pearson":
            notes.append("Diamond: " + pooled.note.replace("tau^2", "τ²") + " Weight: inverse-variance weight "
                         "of the study logits (0.5 added to 0/all-event studies).")
        elif pooled.method == "GLMM":
            q = (f"t quantile, {pooled.k - 1} df" if pooled.ci_method == "t(k-1)" else "normal quantile")
            marg = (f" Population-averaged proportion {100 * pooled.proportion_marginal:.1f}%."
                    if pooled.tau2 > 0 else "")
            notes.append("Diamond: binomial–normal GLMM (ML, adaptive Gauss–Hermite quadrature, 7 nodes), the "
                         f"conditional pooled proportion (the median study's) with its CI ({q}); line: prediction "
                         f"interval ({q}).{marg} Weight: approximate inverse-variance weight with the GLMM τ² (the "
                         "GLMM has no exact study weights).")
        else:
            pi = {"z": "normal quantile", "t(k-1)": "t, k−1 df", "t(k-2)": "t, k−2 df"}.get(pooled.pi_method, "")
            notes.append(f"Diamond: {pooled.model_description} ({'Hartung–Knapp' if pooled.hartung_knapp else 'Wald'}"
                         f" CI); line: prediction interval ({pi}). Weight: random-effects inverse-variance weight.")
    if hl is not None:
        notes.append("This cohort is shown beside the pooled estimate, not inside it.")
    if timepoint:
        notes.append(f"Timepoint: {timepoint}.")
    if footnote:
        notes.append(footnote)
    text = "\n".join(textwrap.fill(t, 150) for t in notes)
    # room under the axis for the footnote: about 0.11 inch per line of 6.5 pt text beyond the first four
    extra = 0.11 * max(0, text.count("\n") + 1 - 4)
    height = 0.30 * n_rows + 1.5 + extra
    fig = plt.figure(figsize=(10.0, height))
    gs = fig.add_gridspec(1, 4, width_ratios=[3.4, 1.0, 4.0, 2.1], wspace=0.02,
                          left=0.01, right=0.99, top=1 - 0.2 / height, bottom=(1.15 + extra) / height)
    ax_lab, ax_n, ax, ax_num = (fig.add_subplot(gs[0, i]) for i in range(4))
    y_top = n_rows - 1
    for a in (ax_lab, ax_n, ax_num):
        a.set_xlim(0, 1)
        a.axis("off")
    for a in (ax_lab, ax_n, ax, ax_num):
        a.set_ylim(-0.7, y_top + 0.7)

    fs = 8
    # header row
    hdr_y = y_top
    ax_lab.text(0.0, hdr_y, unit_label, fontsize=fs, fontweight="bold", va="center")
    ax_n.text(0.5, hdr_y, "n/N", fontsize=fs, fontweight="bold", va="center", ha="center")
    ax_num.text(0.08, hdr_y, f"% ({100 * (pooled.level if pooled is not None else 0.95):g}% CI)", fontsize=fs,
                fontweight="bold", va="center")
    if pooled is not None or any(np.isfinite(float(r.weight)) for kind, r in lines if kind == "study"):
        ax_num.text(0.98, hdr_y, "Weight", fontsize=fs, fontweight="bold", va="center", ha="right")
    ax.text(50, hdr_y, "Proportion (%)", fontsize=fs, fontweight="bold", va="center", ha="center")
    for a in (ax_lab, ax_n, ax_num):
        a.axhline(hdr_y - 0.5, color=c_study, lw=0.6)
    ax.axhline(hdr_y - 0.5, color=c_study, lw=0.6)

    max_n = max([float(r.total) for _, r in lines] + [1.0])
    y = hdr_y - 1
    for kind, r in lines:
        colour = c_arm if kind == "arm" else c_study
        indent = 0.06 if kind == "arm" else 0.0
        ax_lab.text(indent, y, str(r.label), fontsize=fs if kind == "study" else fs - 0.5, va="center",
                    color=colour, style="italic" if kind == "arm" else "normal")
        ax_n.text(0.5, y, f"{int(r.events)}/{int(r.total)}", fontsize=fs, va="center", ha="center", color=colour)
        ax_num.text(0.08, y, f"{_pct(r.proportion)} ({_pct(r.ci_lower)}–{_pct(r.ci_upper)})", fontsize=fs,
                    va="center", color=colour)
        if kind == "study" and np.isfinite(r.weight):
            ax_num.text(0.98, y, f"{r.weight:.1f}%", fontsize=fs, va="center", ha="right", color=colour)
        ax.plot([100 * r.ci_lower, 100 * r.ci_upper], [y, y], color=colour, lw=1.0, solid_capstyle="butt")
        size = 3.0 + 6.0 * np.sqrt(float(r.total) / max_n)
        ax.plot(100 * r.proportion, y, "s" if kind == "study" else "o", color=colour,
                ms=size if kind == "study" else 3.5, zorder=3)
        y -= 1

    if pooled is not None:
        y -= 0.3
        lo, mid, hi = 100 * pooled.ci_lower, 100 * pooled.proportion, 100 * pooled.ci_upper
        model = "GLMM" if pooled.method == "GLMM" else pooled.method
        ax_lab.text(0.0, y, f"Pooled, random effects ({model})", fontsize=fs, fontweight="bold", va="center",
                    color=c_pool)
        ax_n.text(0.5, y, f"{pooled.events}/{pooled.total}", fontsize=fs, va="center", ha="center", color=c_pool)
        ax_num.text(0.08, y, f"{mid:.1f} ({lo:.1f}–{hi:.1f})", fontsize=fs, va="center", color=c_pool,
                    fontweight="bold")
        ax_num.text(0.98, y, "100%", fontsize=fs, va="center", ha="right", color=c_pool)
        ax.fill([lo, mid, hi, mid], [y, y + 0.32, y, y - 0.32], color=c_pool, zorder=3)
        if min(mid - lo, hi - mid) < 0.05 and (mid > 99.95 or mid < 0.05):
            # an estimate on the boundary of the scale: the diamond's far half is not cut off, it does not exist
            right = mid > 50
            far = lo if right else hi  # the free side of the pooled row, beyond the diamond's other tip
            ax.annotate(f"half diamond: estimate\non the boundary ({mid:.0f}%)", (far, y),
                        xytext=(-5 if right else 5, 0),
                        textcoords="offset points", fontsize=fs - 1.5, ha="right" if right else "left", va="center",
                        color=c_pool)
        y -= 1
        het = f"k = {pooled.k}; τ² = {pooled.tau2:.2f}; I² = {pooled.i2:.0f}%"
        if pooled.pi_lower is not None:
            plo, phi = 100 * pooled.pi_lower, 100 * pooled.pi_upper
            ax.plot([plo, phi], [y, y], color=c_pool, lw=1.2)
            ax.plot([plo, plo], [y - 0.15, y + 0.15], color=c_pool, lw=1.2)
            ax.plot([phi, phi], [y - 0.15, y + 0.15], color=c_pool, lw=1.2)
            ax_lab.text(0.04, y, f"Prediction interval ({het})", fontsize=fs - 0.5, va="center", color=c_pool)
            ax_num.text(0.08, y, f"({plo:.1f}–{phi:.1f})", fontsize=fs, va="center", color=c_pool)
        else:
            ax_lab.text(0.04, y, f"Prediction interval: not defined ({het})", fontsize=fs - 0.5, va="center",
                        color=c_pool)  # k = 1, no finite GLMM maximum, or t(k-2) with k < 3
        y -= 1

    if hl is not None:
        y -= 0.3
        for _, h in hl.iterrows():
            ax_lab.text(0.0, y, str(h["label"]), fontsize=fs, va="center", color=c_own, fontweight="bold")
            ax_n.text(0.5, y, f"{int(h['events'])}/{int(h['total'])}", fontsize=fs, va="center", ha="center",
                      color=c_own)
            ax_num.text(0.08, y, f"{_pct(h['proportion'])} ({_pct(h['ci_lower'])}–{_pct(h['ci_upper'])})",
                        fontsize=fs, va="center", color=c_own)
            ax_num.text(0.98, y, "not pooled", fontsize=fs - 1, va="center", ha="right", color=c_own)
            ax.plot([100 * h["ci_lower"], 100 * h["ci_upper"]], [y, y], color=c_own, lw=1.4)
            ax.plot(100 * h["proportion"], y, "D", color=c_own, ms=6, zorder=3)
            y -= 1

    ax.set_xlim(-4, 104)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(0, 100)
    ax.grid(axis="x", color=OKABE_ITO["grey"], alpha=0.25, lw=0.6)
    if pooled is not None:
        ax.axvline(100 * pooled.proportion, color=c_pool, lw=0.6, ls=(0, (3, 3)), alpha=0.7,
                   ymax=(hdr_y - 0.5 + 0.7) / (y_top + 1.4))
    ax.set_xlabel(xlabel, fontsize=fs)
    ax.tick_params(axis="x", labelsize=fs)

    fig.text(0.01, 0.01, text, fontsize=6.5, va="bottom", ha="left")
    # no title in the image: the caption under the figure names it (proposed here for callers without one)
    set_caption(fig, f"{title}{f' — {timepoint}' if timepoint else ''}.")
    return fig
