"""Laboratory values over the months: per-patient trajectories, the median with its quartiles and the reference
limit each marker declares in :data:`dttstudy.concepts.LABS` (an upper or a lower limit of normal)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .theme import (FULL_WIDTH, GROUP_COLOURS, GROUP_MARKERS, month_grid, plt, set_caption, set_month_axis,
                            themed)
from ...concepts import LAB_BY_NAME, Lab

MEAN_COLOUR = "#0072B2"
LIMIT_COLOUR = "#D55E00"


def _declared(lab: str) -> Lab:
    """The declared marker, or an undeclared one described by its name alone (no limit)."""
    return LAB_BY_NAME.get(lab) or Lab(lab, lab.capitalize(), lab.capitalize(), "", 0, 0)


def mean_ci(values, level: float = 0.95) -> tuple[float, float]:
    """Two-sided t interval of the mean: mean ± t(1 − α/2, n − 1) · sd / √n; (nan, nan) for fewer than 2 values."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (np.nan, np.nan)
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return (float(x.mean() - half), float(x.mean() + half))


def trajectories(changes: pd.DataFrame, lab: str, months=None) -> pd.DataFrame:
    """Long table (patient_id, disease, month, value): each patient's baseline at month 0 and the value at each
    follow-up month, from :func:`dttstudy.analysis.labs.lab_changes` (patients with at least one paired value)."""
    d = changes[changes["lab"] == lab]
    if months is not None:
        d = d[d["month"].isin(list(months))]
    base = d.drop_duplicates("patient_id")[["patient_id", "disease", "baseline"]].rename(
        columns={"baseline": "value"}).assign(month=0.0)
    fu = d[["patient_id", "disease", "month", "value"]].assign(month=lambda x: x["month"].astype(float))
    out = pd.concat([base[["patient_id", "disease", "month", "value"]], fu], ignore_index=True)
    return out.sort_values(["patient_id", "month"], kind="mergesort").reset_index(drop=True)


@themed
def paired_lab_plot(changes: pd.DataFrame, lab: str, unit: str | None = None, months=None, *,
                    by: str | None = "disease", limit: float | None = None, level: float = 0.95,
                    **parameters):
    """Per-patient trajectories (thin grey lines, seaborn ``units=``) from baseline over the follow-up months,
    the median with the interquartile range at each month (blue diamonds with bars: 25th–75th percentile, as
    the paired-change table reports medians and quartiles) and the marker's declared reference limit (dashed),
    or ``limit``; an analysis parameter that sets a limit is passed by name (``crp_uln=10``). ``unit`` defaults
    to the declared unit.

    One panel per ``by`` group (default disease; ``None`` for one panel). The median at a month is over the
    patients with a value at that month (n under the month), so it can move because patients leave follow-up
    as well as because values change; the per-patient lines show which. ``level`` is kept for callers of the
    former mean plot and is not used.
    """
    import seaborn as sns

    decl = _declared(lab)
    unit = decl.unit if unit is None else unit
    unknown = set(parameters) - {x.limit_parameter for x in LAB_BY_NAME.values() if x.limit_parameter}
    if unknown:
        raise TypeError(f"paired_lab_plot() got unexpected keyword argument(s) {', '.join(sorted(unknown))}")
    value = limit if limit is not None else parameters.get(decl.limit_parameter, decl.limit)
    long = trajectories(changes, lab, months)
    if by is not None and by not in long:
        long = long.merge(changes[["patient_id", by]].drop_duplicates("patient_id"), on="patient_id", how="left")
    groups = [None] if by is None else [g for g in ("UC", "CD") if g in set(long[by])] + sorted(
        set(long[by].dropna()) - {"UC", "CD"}, key=str)
    groups = groups or [None]
    ticks = month_grid(long["month"].max() if len(long) else 0)
    fig, axes = plt().subplots(1, len(groups), figsize=(min(FULL_WIDTH, 3.6 * len(groups) + 0.6), 3.9),
                               sharey=True, squeeze=False, layout="constrained")
    name = decl.label
    shown = (decl.limit_text, value) if value is not None and decl.limit_kind else None
    for ax, g in zip(axes[0], groups):
        d = long if g is None else long[long[by] == g]
        n_pat = d["patient_id"].nunique()
        alpha = float(np.clip(6 / np.sqrt(max(n_pat, 1)), 0.12, 0.6))
        if len(d):
            sns.lineplot(data=d, x="month", y="value", units="patient_id", estimator=None, color="#8c8c8c",
                         lw=0.7, alpha=alpha, marker="o", ms=2.5, markeredgewidth=0, legend=False, ax=ax,
                         sort=True)
            sns.lineplot(data=d, x="month", y="value", estimator="median", errorbar=("pi", 50),
                         err_style="bars", color=MEAN_COLOUR, lw=2, marker="D", ms=6, markeredgecolor="white",
                         markeredgewidth=0.7, legend=False, ax=ax, sort=True,
                         err_kws={"capsize": 4, "elinewidth": 1.6, "capthick": 1.6, "zorder": 5})
        if shown is not None:
            ax.axhline(shown[1], color=LIMIT_COLOUR, ls="--", lw=1.1, zorder=1)
            ax.annotate(f"{decl.limit_short} {shown[1]:g}", (1, shown[1]), xycoords=ax.get_yaxis_transform(),
                        xytext=(3, 0), textcoords="offset points", ha="left", va="center", fontsize=7.5,
                        color=LIMIT_COLOUR)
        counts = d.groupby("month")["patient_id"].nunique()
        set_month_axis(ax, ticks)
        # the number of patients under each analysed month only (a grid month nobody was analysed at has none),
        # as a bare number so that neighbouring labels never run into each other
        ax.set_xticklabels([f"{t:g}\n{int(counts[float(t)])}" if float(t) in counts.index else f"{t:g}"
                            for t in ticks])
        ax.set_title(f"{g} (n = {n_pat})" if g is not None else f"All patients (n = {n_pat})")
        ax.set_ylabel(f"{name} ({unit})")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#8c8c8c", lw=0.8, marker="o", ms=2.5, label="individual patients"),
               Line2D([], [], color=MEAN_COLOUR, lw=2, marker="D", ms=6, markeredgecolor="white",
                      label="median (IQR)")]
    if shown is not None:
        handles.append(Line2D([], [], color=LIMIT_COLOUR, ls="--", lw=1.1,
                              label=f"{shown[0]} ({shown[1]:g} {unit})"))
    # one column per entry when the panels are wide enough, else one entry per line (never clipped)
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles) if len(groups) > 1 else 1)
    fig.get_layout_engine().set(w_pad=0.08, wspace=0.06)
    lim_text = f" Dashed line: {shown[0]} ({shown[1]:g} {unit})." if shown is not None else ""
    panels = f", by {by}" if by is not None and groups != [None] else ""
    set_caption(fig, f"{name} ({unit}) at baseline (month 0) and at each follow-up month{panels}. Thin grey lines: "
                "individual patients (value at the visit counted as that month; patients with a baseline and at "
                "least one paired follow-up value). Diamonds with bars: median and interquartile range of the "
                "patients with a value at that month (their number under each month; it falls as patients leave follow-up), "
                f"as in the table of paired changes, which gives the Wilcoxon signed-rank test.{lim_text}")
    return fig


@themed
def lab_change_plot(changes: pd.DataFrame, lab: str, unit: str | None = None, months=None, *,
                    by: str = "disease", value: str = "change"):
    """Distribution of the paired change from baseline at each month, by group (seaborn strip and point plots).

    ``value``: ``"change"`` (follow-up − baseline, in ``unit``) or ``"pct_change"`` (percent of baseline).
    One dot per patient (not jittered, so the figure is the same on every run), and per group the median with
    the interquartile range (25th–75th percentile of the patients' values), each group with its own colour and
    marker; a dashed line at no change. The x labels give n per group.
    """
    import seaborn as sns

    if value not in ("change", "pct_change"):
        raise ValueError("value must be 'change' or 'pct_change'")
    decl = _declared(lab)
    unit = decl.unit if unit is None else unit
    d = changes[changes["lab"] == lab].dropna(subset=[value])
    if months is not None:
        d = d[d["month"].isin(list(months))]
    d = d.assign(month=d["month"].astype(float))
    order = sorted(d["month"].unique())
    groups = [g for g in ("UC", "CD") if g in set(d[by])] + sorted(set(d[by].dropna()) - {"UC", "CD"}, key=str)
    palette = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    markers = [GROUP_MARKERS[i % len(GROUP_MARKERS)] for i in range(len(groups))]
    fig, ax = plt().subplots(figsize=(FULL_WIDTH, 3.9), layout="constrained")
    zero = ax.axhline(0, color="#555555", ls="--", lw=1, zorder=1)
    if len(d):
        sns.stripplot(data=d, x="month", y=value, hue=by, order=order, hue_order=groups, palette=palette,
                      dodge=True, jitter=False, size=3.5, alpha=0.55, linewidth=0, legend=False, ax=ax, zorder=2)
        k = len(groups)
        sns.pointplot(data=d, x="month", y=value, hue=by, order=order, hue_order=groups, palette=palette,
                      markers=markers, linestyles="none", dodge=0.8 - 0.8 / k if k > 1 else False,
                      estimator="median", errorbar=("pi", 50), capsize=0.08, err_kws={"linewidth": 1.6},
                      markersize=7, markeredgecolor="white", markeredgewidth=0.7, legend=False, ax=ax)
        # dots to the left, summary to the right of each group's slot, so that neither hides the other
        shift = 0.18 / max(k, 1)
        for coll in ax.collections:
            offsets = np.asarray(coll.get_offsets(), float)
            if len(offsets):
                coll.set_offsets(offsets - [shift, 0])
        for ln in (ln for ln in ax.lines if ln is not zero):
            ln.set_xdata(np.asarray(ln.get_xdata(), float) + shift)
            if ln.get_linestyle() == "None":
                ln.set_zorder(4)
    counts = d.groupby(["month", by])["patient_id"].nunique()
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([f"{m:g}\n" + " · ".join(f"{g} {int(counts.get((m, g), 0))}" for g in groups)
                        for m in order])
    ax.set_xlabel("Months since DTT start (n per group)")
    name = decl.label
    ax.set_ylabel(f"Change in {name} from baseline ({unit})" if value == "change"
                  else f"Change in {name} from baseline (%)")
    ax.grid(axis="x", visible=False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=palette[g], marker=m, ls="none", ms=7, markeredgecolor="white", label=str(g))
               for g, m in zip(groups, markers)]
    handles.append(Line2D([], [], color="#555555", marker="o", ls="none", ms=3.5, alpha=0.55,
                          label="one patient"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), title="median (IQR)")
    what = "change from baseline" if value == "change" else "percent change from baseline"
    set_caption(fig, f"{name} {what} ({unit if value == 'change' else '%'}) at each month, by {by}: one dot per "
                "patient with a baseline and a value at that month (paired; nothing imputed), and the median with "
                "the interquartile range per group. Dashed line: no change.")
    return fig
