"""Figures for print: labelled axes with units, n per group, censor marks, risk tables.

Every function returns a matplotlib Figure; saving (PNG + SVG, deterministic) is
:func:`dttstudy.report.save_figure`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import Cohort
from .outcomes import clinical_response

REGIMEN_PALETTE = "tab10"
_STOP_MARK = {"adverse_event": ("X", "adverse event"), "no_response": ("s", "no response"),
              "de_escalation": ("D", "de-escalation"), "other": ("P", "other")}


def _plt():
    import matplotlib.pyplot as plt

    return plt


def swimmer_plot(cohort: Cohort, months=(3, 6, 9), **response_kwargs):
    """One bar per patient: DTT duration coloured by regimen; clinical response at each visit (filled circle
    responder, open circle non-responder); AEs (red triangle at onset); discontinuation marker and reason;
    next therapy as text."""
    plt = _plt()
    s = cohort.subjects().sort_values(["disease", "dtt_months", "patient_id"], ascending=[False, True, True])
    s = s.reset_index(drop=True)
    regimens = sorted(s["regimen"].unique())
    cmap = plt.get_cmap(REGIMEN_PALETTE)
    colour = {r: cmap(i % 10) for i, r in enumerate(regimens)}
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(s) + 1.8))
    y = {pid: i for i, pid in enumerate(s["patient_id"])}
    for i, r in s.iterrows():
        ax.barh(i, r["dtt_months"], color=colour[r["regimen"]], height=0.6, edgecolor="none")
        if r["status"] == "discontinued":
            mk, _ = _STOP_MARK.get(r["stop_reason"], ("P", "other"))
            ax.plot(r["dtt_months"], i, marker=mk, color="black", ms=7, ls="none")
            if isinstance(r["next_therapy"], str) and r["next_therapy"]:
                ax.text(r["dtt_months"] + 0.35, i, "→ " + r["next_therapy"], va="center", fontsize=7)
    for m in months:
        cr = clinical_response(cohort, m, **response_kwargs)
        cr = cr[cr["evaluable"]]
        for _, r in cr.iterrows():
            filled = bool(r["responder"])
            ax.plot(r["visit_month"], y[r["patient_id"]], marker="o", ms=6, ls="none",
                    markerfacecolor="white" if not filled else "black", markeredgecolor="black")
    ae = cohort.adverse_events
    for _, r in ae.iterrows():
        if r["patient_id"] in y:
            ax.plot(r["onset_month"], y[r["patient_id"]] + 0.28, marker="v", color="crimson", ms=7, ls="none")
    ax.set_yticks(range(len(s)))
    ax.set_yticklabels([f"{p} ({d})" for p, d in zip(s["patient_id"], s["disease"])], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Months since DTT start")
    ax.set_title(f"Course of dual-targeted therapy per patient (n = {len(s)})")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=colour[r], label=f"{r} (n = {(s['regimen'] == r).sum()})") for r in regimens]
    handles += [Line2D([], [], marker="o", color="black", ls="none", label="clinical response"),
                Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="black", ls="none",
                       label="no clinical response"),
                Line2D([], [], marker="v", color="crimson", ls="none", label="adverse event (onset)")]
    handles += [Line2D([], [], marker=mk, color="black", ls="none", label=f"stopped: {lab}")
                for reason, (mk, lab) in _STOP_MARK.items() if (s["stop_reason"] == reason).any()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    xmax = float(s["dtt_months"].max()) if len(s) else 1
    ax.set_xlim(0, xmax + 4)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def km_plot(km, times, title: str, xlabel: str = "Months since DTT start", ylabel: str = "Probability"):
    """KMunicate-style: step curve with CI band and censor marks, and a risk table (at risk / events /
    censored) under the plot; CI type and median in the footnote."""
    plt = _plt()
    e = km.estimates_
    fig, (ax, tab) = plt.subplots(2, 1, figsize=(7.5, 5.6), gridspec_kw={"height_ratios": [3.2, 1]},
                                  sharex=True)
    ax.step(e["time"], e["survival"], where="post", color="navy", lw=1.8, label=km.label)
    ax.fill_between(e["time"], e["ci_lower"], e["ci_upper"], step="post", color="navy", alpha=0.15,
                    label=f"{int(km.level * 100)}% CI")
    cens = km.data_[km.data_["event"] == 0]
    if len(cens):
        sv = km.at(cens["time"])["survival"].to_numpy()
        ax.plot(cens["time"], sv, marker="|", ms=10, mew=1.5, ls="none", color="navy", label="censored")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    rt = km.risk_table(times)
    tab.set_axis_off()
    rows = [("At risk", rt["at_risk"]), ("Events", rt["events"]), ("Censored", rt["censored"])]
    for j, (name, vals) in enumerate(rows):
        tab.text(-0.02, 0.8 - j * 0.3, name, ha="right", va="center", fontsize=8, transform=tab.get_yaxis_transform())
        for t, v in zip(rt["time"], vals):
            tab.text(t, 0.8 - j * 0.3, str(int(v)), ha="center", va="center", fontsize=8)
    tab.set_ylim(0, 1)
    ax.set_xticks(list(times))
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel)
    ax.set_xlim(min(times) - 0.3, max(times) + 0.3)
    fig.text(0.01, 0.005, f"n = {len(km.data_)}; median {km.median_label}; CI: {km.ci_type}; events and censored "
             "are cumulative", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def cumulative_incidence_plot(ci: pd.DataFrame, title: str, event_label="first adverse event",
                              competing_label="DTT stopped first"):
    """Aalen–Johansen cumulative incidence of the event and of the competing event."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    t = np.concatenate([[0.0], ci["time"].to_numpy(float)])
    ax.step(t, np.concatenate([[0.0], ci["cif_event"]]), where="post", color="crimson", label=event_label)
    ax.step(t, np.concatenate([[0.0], ci["cif_competing"]]), where="post", color="grey", ls="--",
            label=competing_label)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Months since DTT start")
    ax.set_ylabel("Cumulative incidence")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def paired_lab_plot(changes: pd.DataFrame, lab: str, unit: str, months=None):
    """One line per patient from baseline to each follow-up month, one panel per disease, group means in bold."""
    plt = _plt()
    d = changes[changes["lab"] == lab]
    if months is not None:
        d = d[d["month"].isin(months)]
    diseases = [x for x in ("UC", "CD") if x in set(d["disease"])] or ["UC"]
    fig, axes = plt.subplots(1, len(diseases), figsize=(4.2 * len(diseases), 4), sharey=True, squeeze=False)
    for ax, dis in zip(axes[0], diseases):
        g = d[d["disease"] == dis]
        for m, gm in g.groupby("month"):
            for _, r in gm.iterrows():
                ax.plot([0, m], [r["baseline"], r["value"]], color="grey", alpha=0.5, lw=0.8, marker="o", ms=3)
            ax.plot([0, m], [gm["baseline"].mean(), gm["value"].mean()], color="black", lw=2, marker="o",
                    label=f"mean, {m:g} mo (n = {len(gm)})")
        ax.set_title(f"{dis}")
        ax.set_xlabel("Months since DTT start")
        ax.set_xticks([0] + sorted(g["month"].unique().tolist()))
        ax.grid(alpha=0.3)
        if len(g):
            ax.legend(fontsize=7, frameon=False)
    axes[0][0].set_ylabel(f"{lab.upper() if lab == 'crp' else lab.capitalize()} ({unit})")
    fig.suptitle(f"{'CRP' if lab == 'crp' else lab.capitalize()}: paired change from baseline")
    fig.tight_layout()
    return fig


def response_plot(rates: pd.DataFrame, title: str):
    """Rate with CI by month, observed cases vs non-responder imputation, n/N annotated."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    d = rates[rates["group"] == "All"]
    offsets = {"observed": -0.15, "nri": 0.15}
    labels = {"observed": "observed cases", "nri": "non-responder imputation"}
    for aset, g in d.groupby("analysis_set", sort=False):
        x = g["month"].astype(float) + offsets.get(aset, 0)
        ax.errorbar(x, g["pct"], yerr=[g["pct"] - g["ci_low"], g["ci_high"] - g["pct"]], fmt="o", capsize=3,
                    label=labels.get(aset, aset))
        for xi, (_, r) in zip(x, g.iterrows()):
            ax.annotate(f"{int(r['n'])}/{int(r['N'])}", (xi, r["ci_low"]), textcoords="offset points",
                        xytext=(0, -11), ha="center", fontsize=7)
    ax.set_ylim(-8, 105)
    ax.set_xticks(sorted(d["month"].astype(float).unique()))
    ax.set_xlabel("Months since DTT start")
    ax.set_ylabel("Patients (%)")
    ci = d["ci_method"].iloc[0] if len(d) else ""
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.005, f"Error bars: 95% CI ({ci})", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
