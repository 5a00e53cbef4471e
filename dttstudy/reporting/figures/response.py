"""Response rates by month with their exact confidence intervals, and the n/N behind each rate in a table row
under the axis (one row per series, so labels never collide)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .theme import FULL_WIDTH, GROUP_COLOURS, GROUP_MARKERS, plain, plt, set_caption, themed
from ...analysis.stats import CI_METHODS
from ...concepts import ENDPOINTS

ANALYSIS_SETS = {"observed": "observed cases", "nri": "non-responder imputation"}
_ENDPOINT_LABELS = {e.name: e.lower for e in ENDPOINTS}
_OVERALL = "#000000"


def span(k: int) -> float:
    """Width (in months-category units) over which the k series of a month are set side by side."""
    return min(0.7, 0.18 * k)


def _series(d: pd.DataFrame, by, include_overall: bool):
    """[(label, rows by month)] for one panel: the analysis sets (no ``by``) or the groups of ``by``."""
    out = []
    if by is None:
        d = d[d["group"] == "All"]
        for aset, g in d.groupby("analysis_set", sort=False):
            out.append((ANALYSIS_SETS.get(aset, str(aset)), g))
        return out
    if include_overall:
        out.append(("All patients", d[d["group"] == "All"]))
    g = d[d["by"] == by]
    if g.empty:
        raise ValueError(f"the rates have no rows with by == {by!r}; compute them with by={by!r}")
    for val, gg in g.groupby("group", sort=True):
        out.append((str(val), gg))
    return out


@themed
def response_plot(rates: pd.DataFrame, title: str, *, by: str | None = None, include_overall: bool = True,
                  ylabel: str | None = None):
    """Rate (%) with CI whiskers at each month; n/N under the axis.

    Parameters
    ----------
    rates : the table of :func:`dttstudy.analysis.outcomes.response_rates` (columns ``analysis_set``, ``month``, ``by``,
        ``group``, ``n``, ``N``, ``pct``, ``ci_low``, ``ci_high``, ``ci_method``, ``level``).
    by : ``None`` — overall rates, one series per analysis set (observed cases; non-responder imputation).
        A column the rates were computed by (``"disease"``, ``"regimen"``) — one panel per analysis set, one
        series per group (plus all patients when ``include_overall``).

    Each series has its own colour *and* marker, side by side within a month. Under the axis, one row per
    series gives n/N (responders / patients in the denominator) at each month. Months are evenly spaced
    categories (the visits the rates were computed for).
    """
    if rates.empty:
        raise ValueError("no rates to plot")
    sets = list(dict.fromkeys(rates["analysis_set"]))
    panels = [(None, rates)] if by is None else [(a, rates[rates["analysis_set"] == a]) for a in sets]
    months = sorted(pd.unique(rates["month"].astype(float)))
    xi = {m: i for i, m in enumerate(months)}
    per_panel = [_series(d, by, include_overall) for _, d in panels]
    n_rows = max(len(s) for s in per_panel)
    width = FULL_WIDTH if len(panels) == 1 else FULL_WIDTH + 1.0
    table_h = 0.2 * n_rows + 0.5
    fig, axes = plt().subplots(2, len(panels), figsize=(width, 3.3 + table_h + 0.6), sharex=True, sharey="row",
                               squeeze=False, layout="constrained",
                               gridspec_kw={"height_ratios": [3.3, table_h], "hspace": 0.05})
    level = float(rates["level"].iloc[0]) if "level" in rates else 0.95
    method = str(rates["ci_method"].iloc[0]) if "ci_method" in rates else CI_METHODS["clopper-pearson"]
    labels_out = []
    for p, ((aset, _), series) in enumerate(zip(panels, per_panel)):
        ax, tab = axes[0][p], axes[1][p]
        k = len(series)
        style = {}
        for j, (label, _) in enumerate(series):
            overall = label == "All patients"
            colour = _OVERALL if overall else GROUP_COLOURS[(j - (1 if include_overall and by else 0))
                                                            % len(GROUP_COLOURS)]
            style[label] = (colour, "o" if overall else GROUP_MARKERS[j % len(GROUP_MARKERS)])
        offsets = np.linspace(-span(k) / 2, span(k) / 2, k) if k > 1 else np.zeros(1)
        for j, (label, g) in enumerate(series):
            colour, marker = style[label]
            g = g.sort_values("month")
            x = np.array([xi[float(m)] for m in g["month"]]) + offsets[j]
            ok = g["N"].to_numpy() > 0
            pct, lo, hi = (g[c].to_numpy(float) for c in ("pct", "ci_low", "ci_high"))
            bars = ax.errorbar(x[ok], pct[ok], yerr=[pct[ok] - lo[ok], hi[ok] - pct[ok]], fmt=marker,
                               color=colour, ms=6, capsize=3 if k <= 3 else 2, elinewidth=1.3,
                               markeredgecolor="white", markeredgewidth=0.6, label=plain(label), zorder=3)
            bars.lines[0].set_zorder(4)  # the point over its own whisker and the neighbours'
        for j, (label, g) in enumerate(series):
            colour, marker = style[label]
            for m, n, N in zip(g["month"], g["n"], g["N"]):
                labels_out.append(tab.text(xi[float(m)], j, f"{int(n)}/{int(N)}", ha="center", va="center",
                                           fontsize=7.5, color=colour))
            if p == 0:  # the row labels, with the series' marker, are the legend
                tab.text(-0.035, j, plain(label), transform=tab.get_yaxis_transform(), ha="right", va="center",
                         fontsize=7.5, color=colour)
                tab.plot([-0.018], [j], marker=marker, ms=5.5, color=colour, markeredgecolor="white",
                         markeredgewidth=0.6, transform=tab.get_yaxis_transform(), clip_on=False, ls="none")
        tab.set_axis_off()
        tab.set_ylim(n_rows + 0.3, -1.2)  # the row below the table holds the footnote
        tab.text(-0.035 if p == 0 else 0, -0.85, "n/N", transform=tab.get_yaxis_transform(),
                 ha="right" if p == 0 else "left", va="center", fontsize=7.5, fontweight="bold")
        ax.set_ylim(-4, 104)
        ax.set_yticks(range(0, 101, 20))
        ax.set_xlim(-0.6, len(months) - 0.4)
        ax.set_xticks(range(len(months)))
        ax.set_xticklabels([f"{m:g}" for m in months])
        ax.set_ylabel("")
        ax.tick_params(labelbottom=True)
        ax.set_xlabel("Months since DTT start")
        ax.grid(axis="x", visible=False)
        if aset is not None:
            ax.set_title(ANALYSIS_SETS.get(aset, str(aset)).capitalize(), fontsize=9)
    endpoint = _ENDPOINT_LABELS.get(str(rates["endpoint"].iloc[0]), "response") if "endpoint" in rates else \
        "response"
    axes[0][0].set_ylabel(ylabel or f"Patients with {endpoint} (%)")
    ci_text = f"{level * 100:g}% CI ({method})"
    fig.text(0.005, 0.003, f"Error bars: {ci_text}. n/N: patients with {endpoint} / patients in the denominator.",
             fontsize=7, ha="left", va="bottom")
    sets_text = {"observed": "observed cases (denominator: patients evaluable at that month)",
                 "nri": "non-responder imputation (patients who stopped DTT for no response or an adverse "
                        "event by that month count as non-responders)"}
    which = "; ".join(sets_text.get(a, a) for a in sets)
    grp = f", overall and by {by}" if by else ""
    set_caption(fig, f"{title}. Percentage of patients with {endpoint} at each month{grp}, with {ci_text}: "
                f"{which}. Under the plot: n/N, patients with {endpoint} over the denominator.")
    fig._dttstudy_artists = {"n_over_N": labels_out}
    return fig
