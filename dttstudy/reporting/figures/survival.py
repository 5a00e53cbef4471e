"""Time-to-event figures: Kaplan–Meier curves (one or several groups) and cumulative incidence with a competing
event, each with a table of numbers at risk under the plot on the same month grid."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .theme import (FULL_WIDTH, GROUP_COLOURS, GROUP_LINESTYLES, month_grid, plain, plt, set_caption,
                            set_month_axis, themed)
from ...analysis.stats import format_p

_RISK_ROWS = {"at_risk": "At risk", "events": "Events", "censored": "Censored"}
_ROW_HEIGHT = 0.2  # inches per risk-table row
#: Opacity of a single group's confidence band, the same in the plot and in the legend swatch.
BAND_ALPHA = 0.18


def _p_text(p: float) -> str:
    f = format_p(p)
    return f"p {f[0]} {f[1:]}" if f.startswith("<") else f"p = {f}"


def _as_list(km, labels):
    if isinstance(km, dict):
        kms, names = list(km.values()), list(km.keys())
    elif isinstance(km, (list, tuple)):
        kms, names = list(km), [k.label for k in km]
    else:
        kms, names = [km], [km.label]
    if labels is not None:
        names = list(labels)
        if len(names) != len(kms):
            raise ValueError(f"{len(kms)} curves but {len(names)} labels")
    return kms, [str(n) for n in names]


def _layout(n_rows: int, main_height: float = 3.4, width: float = FULL_WIDTH):
    """Figure with the plot on top and a risk table of ``n_rows`` rows under it, sharing the month axis."""
    table_h = _ROW_HEIGHT * n_rows + 0.55
    fig, (ax, tab) = plt().subplots(2, 1, figsize=(width, main_height + table_h + 0.5), sharex=True,
                                    gridspec_kw={"height_ratios": [main_height, table_h], "hspace": 0.08},
                                    layout="constrained")
    return fig, ax, tab


def _risk_table(tab, ticks, rows, title: str) -> None:
    """rows: (label, values at the ticks, colour). Numbers centred under the ticks, labels left of the axis."""
    tab.set_axis_off()
    n = len(rows)
    tab.set_ylim(n + 0.9, -0.9)  # the row below the table holds the footnote
    tab.text(0, -0.55, title, transform=tab.get_yaxis_transform(), ha="left", va="center", fontsize=8,
             fontweight="bold", in_layout=False)
    for j, (label, values, colour) in enumerate(rows):
        tab.text(-0.015, j + 0.2, plain(label), transform=tab.get_yaxis_transform(), ha="right", va="center",
                 fontsize=8, color=colour)
        for t, v in zip(ticks, values):
            tab.text(t, j + 0.2, f"{int(v)}", ha="center", va="center", fontsize=8, color=colour)


@themed
def km_plot(km, times=None, title: str = "", xlabel: str = "Months since DTT start", ylabel: str = "Probability",
            *, labels=None, logrank_p: float | None = None, test_name: str = "log-rank", risk_rows=None,
            logrank: pd.DataFrame | None = None, ci_band: bool | None = None, legend_loc: str | None = None):
    """KMunicate-style Kaplan–Meier plot of one or several groups.

    Parameters
    ----------
    km : a fitted :class:`dttstudy.analysis.safety.KaplanMeier`, a list of them, or a dict ``{label: km}``.
    times : month ticks, also the times of the risk table (default: the month grid up to the longest follow-up).
    labels : group labels (default: each estimator's ``label``).
    logrank_p : p-value of a test comparing the groups, printed in the plot when given (``test_name`` names it).
    logrank : instead, the one-row result of :func:`dttstudy.analysis.safety.logrank_test`: its p-value, or "not tested"
        with the reason (in the caption) when the test was declined.
    risk_rows : rows of the risk table per group, from ``"at_risk"``, ``"events"``, ``"censored"`` (default all
        three for up to two groups, at risk only for more).
    ci_band : draw the pointwise CI bands (default: for up to two groups; more bands hide each other).
    legend_loc : legend position inside the plot (default lower left; outside on the right for > 2 groups).

    Draws each group's step curve (colour *and* line style per group), its pointwise CI band, censor marks
    (vertical ticks) and, under the plot, the number at risk (time ≥ t) and the cumulative events and censored
    up to t, at each tick. The legend gives n and the median (NR = not reached); the footnote the CI type.
    """
    kms, names = _as_list(km, labels)
    no_test = ""
    if logrank is not None and len(logrank):
        r = logrank.iloc[0]
        if r.get("test"):
            logrank_p, test_name = float(r["p_value"]), str(r["test"]).removesuffix(" test")
        else:
            no_test = str(r.get("no_test_reason", "")) or "no test"
    tmax = max(float(k.data_["time"].max()) for k in kms if len(k.data_)) if any(len(k.data_) for k in kms) else 0
    ticks = list(times) if times is not None else month_grid(tmax)
    if risk_rows is None:
        risk_rows = tuple(_RISK_ROWS) if len(kms) <= 2 else ("at_risk",)
    multi = len(kms) > 1
    if ci_band is None:
        ci_band = len(kms) <= 2
    fig, ax, tab = _layout(len(kms) * len(risk_rows))
    handles = []
    table = []
    band_lines = []
    for g, (k, name) in enumerate(zip(kms, names)):
        colour = GROUP_COLOURS[g % len(GROUP_COLOURS)] if multi else "#0072B2"
        ls = GROUP_LINESTYLES[g % len(GROUP_LINESTYLES)]
        e = k.estimates_
        label = f"{name} (n = {len(k.data_)}; median {k.median_label})" if multi else name
        line, = ax.step(e["time"], e["survival"], where="post", color=colour, ls=ls, lw=1.8, label=plain(label),
                        zorder=3)
        handles.append(line)
        if ci_band and multi:  # bounds as thin dotted steps: filled bands of two groups mix into a third colour
            for bound in ("ci_lower", "ci_upper"):
                band_lines.append(ax.step(e["time"], e[bound], where="post", color=colour, ls=":", lw=0.9,
                                          alpha=0.9, zorder=2)[0])
        elif ci_band:
            ax.fill_between(e["time"], e["ci_lower"], e["ci_upper"], step="post", color=colour, alpha=BAND_ALPHA,
                            lw=0, zorder=1)
        cens = k.data_[k.data_["event"] == 0]
        if len(cens):
            ct = np.sort(cens["time"].unique())
            ax.plot(ct, k.at(ct)["survival"].to_numpy(), marker="|", ms=9, mew=1.4, ls="none", color=colour,
                    zorder=4)
        rt = k.risk_table(ticks)
        for row in risk_rows:
            table.append((f"{name}: {_RISK_ROWS[row].lower()}" if multi else _RISK_ROWS[row], rt[row],
                          colour if multi else "#111111"))
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    level = int(round(kms[0].level * 100))
    handler_map = {}
    if ci_band and multi:  # the swatch is what is drawn: one dotted line per group colour
        band = tuple(Line2D([], [], color=ln.get_color(), ls=":", lw=0.9) for ln in band_lines[::2])
        handles.append(band)
        handler_map[band] = HandlerTuple(ndivide=None, pad=0.3)
    elif ci_band:
        handles.append(Patch(facecolor="#0072B2", alpha=BAND_ALPHA, lw=0, label=f"{level}% CI"))
    handles.append(Line2D([], [], marker="|", ms=9, mew=1.4, ls="none", color="#333333", label="censored"))
    leg_title = f"{test_name} {_p_text(logrank_p)}" if logrank_p is not None else \
        (f"{test_name}: not tested" if no_test else None)
    labels_ = [h.get_label() if not isinstance(h, tuple) else f"{level}% CI (pointwise)" for h in handles]
    if legend_loc is None and len(kms) > 2:
        ax.legend(handles, labels_, loc="upper left", bbox_to_anchor=(1.01, 1), title=leg_title, alignment="left",
                  handler_map=handler_map)
    else:
        ax.legend(handles, labels_, loc=legend_loc or "lower left", title=leg_title, alignment="left",
                  handler_map=handler_map)
    ax.set_ylim(0, 1.03)
    ax.set_ylabel(ylabel)
    set_month_axis(ax, ticks, xlabel)
    ax.tick_params(labelbottom=True)
    _risk_table(tab, ticks, table, "Number at risk (time ≥ t)" + ("; events and censored up to t (cumulative)"
                                                                  if len(risk_rows) > 1 else ""))
    n_note = f"n = {len(kms[0].data_)}; median {kms[0].median_label}; " if not multi else ""
    band_note = (f"{'dotted' if multi else 'shaded'}: {level}% CI, {kms[0].ci_type}; " if ci_band else "")
    fig.text(0.005, 0.003, f"{n_note}{band_note}ticks on the curves: censored",
             fontsize=7, ha="left", va="bottom")
    groups = f" Groups: {', '.join(names)}." if multi else ""
    test = f" The groups are compared with the {test_name} test ({_p_text(logrank_p)})." \
        if logrank_p is not None else (f" Log-rank test not done ({no_test.removeprefix('no test: ')})." if no_test
                                       else "")
    ci_type = kms[0].ci_type.replace(" (", ", ").replace(")", "")  # 'log-log, exponential Greenwood'
    limits = "limits (dotted, in the colour of the group)" if multi else "band"
    band_text = f" with pointwise {level}% confidence {limits} ({ci_type})" if ci_band else ""
    rows_text = ("number at risk at each time and cumulative events and censorings up to it"
                 if len(risk_rows) > 1 else "number at risk at each time")
    nr = " NR: median not reached." if any(k.median_label == "NR" for k in kms) else ""
    nr = (" Median: the earliest time at which the estimate is 0.5 or below (the midpoint of the interval where it"
          " equals 0.5)." + nr)
    set_caption(fig, f"{title or 'Kaplan–Meier estimate'}. Kaplan–Meier estimate{band_text}; vertical ticks mark "
                f"censored patients.{groups} Under the plot: {rows_text}.{nr}{test}")
    return fig


def _at_risk_from_cif(ci: pd.DataFrame, ticks) -> np.ndarray:
    """At risk at t = at risk at the first distinct time ≥ t (no one leaves between distinct times); 0 after."""
    times = ci["time"].to_numpy(float)
    n = ci["at_risk"].to_numpy(int)
    idx = np.searchsorted(times, np.asarray(ticks, float), side="left")
    return np.where(idx < len(times), n[np.minimum(idx, len(times) - 1)], 0)


def _cumulative(ci: pd.DataFrame, col: str, ticks) -> np.ndarray:
    times = ci["time"].to_numpy(float)
    c = np.concatenate([[0], np.cumsum(ci[col].to_numpy(int))])
    return c[np.searchsorted(times, np.asarray(ticks, float), side="right")]


def _band_columns(ci: pd.DataFrame, name: str) -> tuple[str, str] | None:
    """The confidence-limit columns of ``cif_event``/``cif_competing`` (``<name>_ci_lower``/``_ci_upper``;
    for the event also plain ``ci_lower``/``ci_upper``), or None when the table has none."""
    for lo, hi in ((f"{name}_ci_lower", f"{name}_ci_upper"),) + ((("ci_lower", "ci_upper"),)
                                                                   if name == "cif_event" else ()):
        if {lo, hi} <= set(ci.columns):
            return lo, hi
    return None


@themed
def cumulative_incidence_plot(ci: pd.DataFrame, title: str, event_label="first adverse event",
                              competing_label="DTT stopped first", *, times=None, level: float | None = None,
                              competing_band: bool = False, ylabel: str = "Cumulative incidence"):
    """Aalen–Johansen cumulative incidence of the event and of the competing event, numbers at risk under it.

    ``ci`` is the table of :func:`dttstudy.analysis.safety.cumulative_incidence` (``time``, ``at_risk``, ``events``,
    ``competing``, ``cif_event``, ``cif_competing``). When it carries pointwise confidence limits
    (``cif_event_ci_lower``/``cif_event_ci_upper`` and the same for ``cif_competing``; plain ``ci_lower``/
    ``ci_upper`` are read as the event's) the bands are drawn; a limit that is missing (the estimate is 0) is
    drawn as the estimate. The competing event's band only with ``competing_band=True`` (two overlapping bands
    hide each other). ``level`` defaults to the table's ``level`` column (else 0.95). ``times``: month
    ticks and risk-table times (default: the month grid up to the last time, the same grid as :func:`km_plot`).
    """
    t_all = ci["time"].to_numpy(float)
    ticks = list(times) if times is not None else month_grid(float(t_all.max()) if len(t_all) else 0)
    if level is None:
        level = float(ci["level"].iloc[0]) if "level" in ci and len(ci) else 0.95
    pct = f"{level * 100:g}%"
    ci_type = f"{ci['ci_type'].iloc[0]} transformation" if "ci_type" in ci and len(ci) else ""
    fig, ax, tab = _layout(3)
    t = np.concatenate([[0.0], t_all])
    drawn = []
    for name, label, colour, ls, alpha in (("cif_event", event_label, "#D55E00", "-", 0.18),
                                           ("cif_competing", competing_label, "#555555", "--", 0.12)):
        est = np.concatenate([[0.0], ci[name].to_numpy(float)])
        ax.step(t, est, where="post", color=colour, lw=1.8 if ls == "-" else 1.5, ls=ls, label=plain(label),
                zorder=3)
        cols = _band_columns(ci, name) if name == "cif_event" or competing_band else None
        if cols is not None:
            lo = np.concatenate([[0.0], ci[cols[0]].to_numpy(float)])
            hi = np.concatenate([[0.0], ci[cols[1]].to_numpy(float)])
            lo, hi = np.where(np.isnan(lo), est, lo), np.where(np.isnan(hi), est, hi)
            ax.fill_between(t, lo, hi, step="post", color=colour, alpha=alpha, lw=0, zorder=1,
                            hatch=None if ls == "-" else "////", edgecolor=colour if ls != "-" else None,
                            label=f"{pct} CI, {plain(label)}")
            drawn.append(label)
    ax.set_ylim(0, 1.03)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left")
    set_month_axis(ax, ticks)
    ax.tick_params(labelbottom=True)
    rows = [("At risk", _at_risk_from_cif(ci, ticks), "#111111"),
            ("Events", _cumulative(ci, "events", ticks), "#D55E00"),
            ("Competing", _cumulative(ci, "competing", ticks), "#555555")]
    _risk_table(tab, ticks, rows, "Number at risk (time ≥ t); events and competing events up to t (cumulative)")
    how = f" ({ci_type})" if ci_type else ""
    band_text = (f" Shaded: pointwise {pct} confidence band{'s' if len(drawn) > 1 else ''}{how} of the "
                 f"{' and of the '.join(drawn)}." if drawn else "")
    fig.text(0.005, 0.003, "Aalen–Johansen estimator; the competing event ends follow-up for the event"
             + (f"; shaded: pointwise {pct} CI{how}" if drawn else ""), fontsize=7, ha="left", va="bottom")
    set_caption(fig, f"{title}. Aalen–Johansen cumulative incidence of the {event_label} (solid) with "
                f"{competing_label} as a competing event (dashed).{band_text} Under the plot: number at risk at "
                "each time and cumulative numbers of each event up to it.")
    return fig
