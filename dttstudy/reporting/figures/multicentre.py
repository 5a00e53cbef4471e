"""Figures of a pooled multicentre analysis: the by-centre forest plot and the pooled life-table survival curve.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...synthesis.forest import forest_data
from .forest import forest_plot
from .theme import OKABE_ITO, month_grid, set_month_axis, theme


def forest_by_centre(rows: pd.DataFrame, het: dict, title: str):
    """By-centre forest plot in the study's forest layout (centre | n/N | % (95% CI) | weight): each centre's
    proportion with its exact CI and the random-effects pooled estimate (diamond, with its prediction interval
    where defined; none for one centre, nor where ``het`` fitted no model over all centres); the summed-count
    estimate with its exact CI is stated in the footnote."""
    r = rows[rows["N"] > 0].reset_index(drop=True)  # a centre with nobody evaluable has no proportion
    units = pd.DataFrame({"study_id": [str(c) for c in r["centre"]], "arm": "",
                          "label": [f"Centre {c}" for c in r["centre"]],
                          "events": r["n"].astype(int), "total": r["N"].astype(int)})
    method: str | None = str(het.get("method") or "GLMM")
    if method not in ("GLMM", "REML", "DL", "PM"):
        method = "GLMM"
    if len(units) < 2 or not het.get("method"):  # one centre, or no model over all centres: none is drawn
        method = None
    per, pooled = forest_data(units, method=method)
    p = het["pooled"]
    if p.get("N") is None or pd.isna(p["N"]):  # some centre withheld the cell: no figure over all centres
        foot = (f"Summed counts of all centres: withheld by {p.get('withheld_centres') or 'a centre'}; "
                + ("the diamond pools only the centres shown." if pooled is not None else
                   "no pooled estimate over all centres is drawn."))
    else:
        foot = (f"Summed counts of all centres: {int(p['n'])}/{int(p['N'])} = {p['pct']:.1f}% (exact 95% CI "
                f"{p['ci_low']:.1f}–{p['ci_high']:.1f}).")
    return forest_plot(per, pooled, title, xlabel="Patients with the outcome (%)", footnote=foot, unit_label="Centre")


def km_life_table_plot(km: pd.DataFrame, title: str, ylabel: str, time: str, withheld: str = ""):
    """Pooled Kaplan–Meier step curve with its log-log CI band, on the study's month grid, up to the last
    interval with a patient at risk. With nothing to pool (a centre withheld its life table, or no patient), the
    figure says why instead of drawing empty axes; a curve over part of the centres (``partial="show"``) says
    which were left out."""
    km = km[km["at_risk"] > 0] if "at_risk" in km else km
    if not len(km):
        with theme():
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(7, 1.6))
            why = (f"withheld by {withheld}: a curve over all centres needs every centre's life table"
                   if withheld else "no patient at risk")
            fig.text(0.5, 0.5, f"No pooled curve: {why}.", ha="center", va="center", fontsize=9, wrap=True)
        return fig
    x = km[time].to_numpy(float) + (1.0 if time == "start" else 0.0)  # grid: the value at the interval's end
    x = np.concatenate([[0.0], x])
    s = np.concatenate([[1.0], km["survival"].to_numpy(float)])
    lo = np.concatenate([[1.0], km["ci_lower"].to_numpy(float)])
    hi = np.concatenate([[1.0], km["ci_upper"].to_numpy(float)])
    colour = OKABE_ITO[5]  # blue
    with theme():
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.2))
        ax.step(x, s, where="post", color=colour, lw=1.8, label="pooled")
        ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.18, lw=0, label="95% CI")
        ax.set_ylim(0, 1.05)
        set_month_axis(ax, month_grid(float(x.max()) if len(x) else 0.0))
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower left", frameon=False)
        n0 = int(km["at_risk"].iloc[0]) if len(km) else 0
        part = f"; {withheld} withheld theirs, so this is not a curve over all centres" if withheld else ""
        fig.text(0.01, 0.005, f"n = {n0}; pooled from the centres' life tables{part}; CI: log-log (exponential "
                              "Greenwood)", fontsize=7)
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
