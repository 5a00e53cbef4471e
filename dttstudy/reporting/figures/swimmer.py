"""Swimmer plot: the course of DTT per patient — time on DTT, clinical response at each visit, adverse events,
why DTT stopped and what came next. A compact view (one thin line per patient, no labels, fixed height) takes
over for large cohorts so that the image stays a readable size."""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ...intake.cohort import Cohort
from .theme import (GROUP_COLOURS, agent_codes_text, codes_in, month_grid, plain, plt, set_caption,
                            set_month_axis, themed)
from ...analysis.outcomes import clinical_response

#: Marker and legend text per stop reason (black with a white edge, below the end of the bar).
STOP_MARKERS = {"adverse_event": ("X", "stopped: adverse event"), "no_response": ("s", "stopped: no response"),
                "de_escalation": ("D", "stopped: de-escalation"), "other": ("P", "stopped: other reason")}
DISEASE_COLOURS = {"UC": "#0072B2", "CD": "#E69F00"}

ROW_PITCH = 0.3          # inches per patient in the detailed view
BAR_HALF = 0.22          # half bar height, in rows
MARK_OFFSET = 0.32       # AE markers this far above the bar centre, stop markers this far below (rows)
AE_SPACING_PT = 8.5      # horizontal distance between AE markers of one cluster (points): more than a marker
GROUP_GAP = 0.6          # extra space between the disease groups (rows), the separator in its middle
NEXT_WIDTH = 16          # characters per line of the next-therapy column
COMPACT_HEIGHT = 6.5     # inches: the height of the compact view, whatever the number of patients
WIDTH = 7.5
NOTE_WIDTH = 125         # characters per line of the notes under the legend


def _order(s: pd.DataFrame) -> pd.DataFrame:
    """UC first, then CD (other labels after, alphabetically); within a disease the longest course on top."""
    rank = {"UC": 0, "CD": 1}
    s = s.assign(_d=s["disease"].map(lambda d: (rank.get(d, 2), str(d))))
    s = s.sort_values(["_d", "dtt_months", "patient_id"], ascending=[True, False, True], kind="mergesort")
    return s.drop(columns="_d").reset_index(drop=True)


def _colours(s: pd.DataFrame, colour_by: str) -> tuple[str, dict]:
    if colour_by not in ("regimen", "disease"):
        raise ValueError("colour_by must be 'regimen' or 'disease'")
    groups = sorted(s[colour_by].dropna().unique(), key=str)
    if colour_by == "regimen" and len(groups) > len(GROUP_COLOURS):
        colour_by = "disease"
    if colour_by == "disease":
        groups = list(dict.fromkeys(s["disease"]))  # in plot order: UC, CD
    if colour_by == "disease":
        extra = [c for c in GROUP_COLOURS if c not in DISEASE_COLOURS.values()]
        return colour_by, {g: DISEASE_COLOURS.get(g, extra[i % len(extra)]) for i, g in enumerate(groups)}
    return colour_by, {g: GROUP_COLOURS[i] for i, g in enumerate(groups)}


def _ae_offsets(onsets: np.ndarray, tol: float) -> np.ndarray:
    """Horizontal offsets (points) that spread AEs of one patient lying within ``tol`` months of each other."""
    order = np.argsort(onsets, kind="mergesort")
    out = np.zeros(len(onsets))
    cluster = [order[0]] if len(order) else []
    for a, b in zip(order[:-1], order[1:]):
        if onsets[b] - onsets[a] < tol:
            cluster.append(b)
            continue
        out[cluster] = (np.arange(len(cluster)) - (len(cluster) - 1) / 2) * AE_SPACING_PT
        cluster = [b]
    if cluster:
        out[cluster] = (np.arange(len(cluster)) - (len(cluster) - 1) / 2) * AE_SPACING_PT
    return out


def _responses(cohort: Cohort, months, response_kwargs) -> pd.DataFrame:
    parts = []
    for m in months:
        cr = clinical_response(cohort, m, **response_kwargs)
        cr = cr[cr["evaluable"].astype(bool)]
        parts.append(cr[["patient_id", "visit_month", "responder"]].assign(month=m))
    cols = ["patient_id", "visit_month", "responder", "month"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def _lines(text: str) -> int:
    return sum(len(textwrap.wrap(par, NOTE_WIDTH)) for par in text.split("\n")) if text else 0


def _legend_area(fig, ax_leg, handles, note: str, ncol: int = 3) -> None:
    ax_leg.set_axis_off()
    ax_leg.legend(handles=handles, loc="upper left", ncol=ncol, bbox_to_anchor=(0, 1), borderaxespad=0,
                  handlelength=1.6, columnspacing=1.4)
    note = "\n".join(textwrap.fill(par, NOTE_WIDTH) for par in note.split("\n"))
    ax_leg.text(0, 0, note, transform=ax_leg.transAxes, ha="left", va="bottom", fontsize=7, linespacing=1.3,
                in_layout=False)


@themed
def swimmer_plot(cohort: Cohort, months=(3, 6, 9), *, colour_by: str = "regimen", compact_above: int = 60,
                 compact_height: float = COMPACT_HEIGHT, **response_kwargs):
    """One bar per patient: months on DTT, with clinical response at each assessment, adverse events, why DTT
    stopped and the next therapy.

    Parameters
    ----------
    months : timepoints at which clinical response is shown (the visit that counts as that month).
    colour_by : ``"regimen"`` (default) or ``"disease"``; with more regimens than the palette has colours
        (7), the bars are coloured by disease. Each row's label repeats disease and regimen, so colour is
        never the only carrier.
    compact_above : above this many patients the compact view is drawn (one thin line per patient, sorted,
        without labels, responses and next therapy; figure height fixed at ``compact_height`` inches).
    response_kwargs : passed to :func:`dttstudy.analysis.outcomes.clinical_response` (``definition``, ``crp_uln``, …).

    Detailed view: bar = months on DTT (sorted by disease, longest first); dotted line = follow-up after DTT
    stopped; circle on the bar = clinical response (filled) or none (open) at the visit's month; triangle above
    the bar = adverse event onset (several at nearly the same time are set side by side); marker below the end
    of the bar = reason DTT stopped; right column = next therapy. The x axis ends at the last observation
    rounded up to the month grid.
    """
    s = _order(cohort.subjects())
    n = len(s)
    if n == 0:
        raise ValueError("the cohort has no patients")
    colour_by, colour = _colours(s, colour_by)
    ae = cohort.adverse_events[cohort.adverse_events["patient_id"].isin(s["patient_id"])]
    compact = n > compact_above
    resp = _responses(cohort, months, response_kwargs) if not compact else None
    last = [s["dtt_months"].max(), s["last_followup"].max(), ae["onset_month"].max() if len(ae) else 0]
    if resp is not None and len(resp):
        last.append(resp["visit_month"].max())
    ticks = month_grid(float(np.nanmax(np.asarray(last, float))))
    # codes shown: regimens (row labels, or the legend when coloured by regimen) and next therapies
    shown = [] if compact and colour_by != "regimen" else list(s["regimen"])
    codes = codes_in(shown + ([] if compact else list(s["next_therapy"])))
    code_note = "Drug codes: " + agent_codes_text(codes, None) if codes else ""
    if compact:
        fig = _compact(s, ae, ticks, colour, colour_by, compact_height, code_note)
    else:
        fig = _detailed(s, ae, resp, ticks, colour, colour_by, code_note, months, response_kwargs)
    stops = ", ".join(lab.split(": ")[1] for r, (_, lab) in STOP_MARKERS.items() if (s["stop_reason"] == r).any())
    after = ((s["status"] == "discontinued") & (s["last_followup"] > s["dtt_months"])).any()
    has_next = s["next_therapy"].fillna("").astype(str).str.strip().ne("").any()
    what = ("Compact view (one line per patient, sorted by disease and time on DTT; clinical responses and next "
            "therapy not shown). " if compact else
            f"Circles: clinical response (filled) or no response (open) at the visit counted as month "
            f"{', '.join(f'{m:g}' for m in months)}"
            + ("; dotted line: follow-up after DTT stopped" if after else "")
            + ("; right column: therapy after DTT" if has_next else "") + ". ")
    set_caption(fig, f"Course of dual-targeted therapy per patient (n = {n}). Bars: months on DTT, coloured by "
                f"{colour_by}. {what}Triangles: onset of an adverse event; markers under the end of a bar: reason DTT "
                f"stopped{f' ({stops})' if stops else ''}. {code_note + '.' if code_note else ''}")
    return fig


def _detailed(s, ae, resp, ticks, colour, colour_by, code_note, months, response_kwargs):
    from matplotlib import transforms
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = len(s)
    definition = response_kwargs.get("definition", "paper")
    note = (f"Bars: months on DTT, coloured by {colour_by}. Clinical response ({definition} definition) at the "
            f"visit counted as month {', '.join(f'{m:g}' for m in months)}.")
    note += "\n" + code_note if code_note else ""
    legend_h = 0.95 + 0.14 * _lines(note)
    # rows from the top; each change of disease adds a gap, so that no marker sits on the separator
    breaks = [k for k in range(1, n) if s["disease"].iloc[k] != s["disease"].iloc[k - 1]]
    rows = np.arange(n) + GROUP_GAP * np.searchsorted(breaks, np.arange(n), side="right")
    span = float(rows[-1]) + 1
    fig = plt().figure(figsize=(WIDTH, span * ROW_PITCH + 0.6 + legend_h), layout="constrained")
    fig.get_layout_engine().set(w_pad=0.12)
    gs = fig.add_gridspec(2, 1, height_ratios=[span * ROW_PITCH + 0.2, legend_h])
    ax = fig.add_subplot(gs[0])
    ax_leg = fig.add_subplot(gs[1])
    y = {pid: float(rows[i]) for i, pid in enumerate(s["patient_id"])}
    artists = {"bar": [], "response": [], "adverse_event": [], "stop": [], "followup_after_stop": []}
    white_edge = {"markeredgecolor": "white", "markeredgewidth": 0.7}
    for k, r in s.iterrows():
        i = float(rows[k])
        artists["bar"].append(ax.barh(i, r["dtt_months"], height=2 * BAR_HALF, color=colour[r[colour_by]],
                                      edgecolor="none", zorder=2)[0])
        lf = r["last_followup"]
        if r["status"] == "discontinued" and pd.notna(lf) and lf > r["dtt_months"]:
            artists["followup_after_stop"].append(
                ax.plot([r["dtt_months"], lf], [i, i], color="#555555", ls=":", lw=1.2, zorder=2)[0])
        if r["status"] == "discontinued":
            mk = STOP_MARKERS.get(r["stop_reason"], STOP_MARKERS["other"])[0]
            artists["stop"].append(ax.plot(r["dtt_months"], i + MARK_OFFSET, marker=mk, ms=7 if mk == "X" else 6,
                                           color="black", ls="none", zorder=5, **white_edge)[0])
        nt = r["next_therapy"]
        if isinstance(nt, str) and nt.strip():
            ax.text(1.01, i, "\n".join(textwrap.wrap("→ " + plain(nt), NEXT_WIDTH)),
                    transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=7, linespacing=1.0)
    for r in resp.itertuples():
        filled = bool(r.responder)
        artists["response"].append(ax.plot(r.visit_month, y[r.patient_id], marker="o", ms=5.5, ls="none",
                                           markerfacecolor="black" if filled else "white",
                                           markeredgecolor="white" if filled else "black",
                                           markeredgewidth=0.7 if filled else 1.0, zorder=4)[0])
    tol = ticks[-1] / 40
    for pid, g in ae.groupby("patient_id", sort=True):
        on = g["onset_month"].to_numpy(float)
        for x, dx in zip(on, _ae_offsets(on, tol)):
            tr = transforms.offset_copy(ax.transData, fig=fig, x=dx, y=0, units="points")
            artists["adverse_event"].append(ax.plot(x, y[pid] - MARK_OFFSET, marker="v", ms=6, color="#D55E00",
                                                    markeredgecolor="black", markeredgewidth=0.6, ls="none",
                                                    zorder=6, transform=tr)[0])
    ax.set_yticks(rows)
    ax.set_yticklabels([plain(f"{p} · {d} · {rg}") for p, d, rg in zip(s["patient_id"], s["disease"],
                                                                         s["regimen"])], fontsize=7.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(span - 0.5, -1.1)
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    for k in breaks:
        ax.axhline((rows[k - 1] + rows[k]) / 2, color="#999999", lw=0.6, ls="--", zorder=1)
    if s["next_therapy"].fillna("").astype(str).str.strip().ne("").any():
        ax.text(1.01, -0.75, "After DTT", transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=7.5, fontweight="bold")
    set_month_axis(ax, ticks)
    handles = [Patch(color=colour[g], label=plain(f"{g} (n = {(s[colour_by] == g).sum()})")) for g in colour]
    handles += [Line2D([], [], marker="o", ms=5.5, ls="none", markerfacecolor="black", markeredgecolor="black",
                       label="clinical response"),
                Line2D([], [], marker="o", ms=5.5, ls="none", markerfacecolor="white", markeredgecolor="black",
                       label="no clinical response"),
                Line2D([], [], marker="v", ms=6, ls="none", color="#D55E00", markeredgecolor="black",
                       markeredgewidth=0.6, label="adverse event (onset)")]
    handles += [Line2D([], [], marker=mk, ms=6, ls="none", color="black", label=lab)
                for reason, (mk, lab) in STOP_MARKERS.items() if (s["stop_reason"] == reason).any()]
    if artists["followup_after_stop"]:
        handles.append(Line2D([], [], color="#555555", ls=":", lw=1.2, label="follow-up after DTT stopped"))
    _legend_area(fig, ax_leg, handles, note)
    fig._dttstudy_artists = artists
    return fig


def _compact(s, ae, ticks, colour, colour_by, height, code_note):
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n = len(s)
    note = (f"One line per patient (months on DTT), coloured by {colour_by}, sorted by disease and time on DTT. "
            "Clinical responses and next therapy are not shown in the compact view.")
    note += "\n" + code_note if code_note else ""
    legend_h = 0.75 + 0.14 * _lines(note)
    fig = plt().figure(figsize=(WIDTH, height), layout="constrained")
    gs = fig.add_gridspec(2, 1, height_ratios=[height - legend_h, legend_h])
    ax = fig.add_subplot(gs[0])
    ax_leg = fig.add_subplot(gs[1])
    y = {pid: i for i, pid in enumerate(s["patient_id"])}
    plot_pts = (height - legend_h - 0.9) * 72
    lw = max(0.3, min(3.0, 0.8 * plot_pts / n))
    segs = [[(0, i), (d, i)] for i, d in enumerate(s["dtt_months"])]
    bars = LineCollection(segs, colors=[colour[g] for g in s[colour_by]], linewidths=lw, zorder=2,
                          capstyle="butt")
    ax.add_collection(bars)
    artists = {"bar": [bars], "adverse_event": [], "stop": []}
    ms = max(1.5, min(4.0, 1.2 * plot_pts / n))
    if len(ae):
        artists["adverse_event"].append(ax.scatter(ae["onset_month"].to_numpy(float),
                                                   ae["patient_id"].map(y).to_numpy(float), s=ms ** 2,
                                                   marker="v", color="#D55E00", edgecolors="none", zorder=4,
                                                   label="_ae"))
    disc = s[s["status"] == "discontinued"]
    for reason, (mk, _) in STOP_MARKERS.items():
        d = disc[disc["stop_reason"].fillna("other").replace("", "other") == reason]
        if len(d):
            artists["stop"].append(ax.scatter(d["dtt_months"].to_numpy(float), d.index.to_numpy(float),
                                              s=ms ** 2, marker=mk, color="black", edgecolors="none", zorder=3))
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    start = 0
    for k in range(1, n + 1):
        if k == n or s["disease"].iloc[k] != s["disease"].iloc[start]:
            ax.text(-0.01, (start + k - 1) / 2, f"{s['disease'].iloc[start]}\n(n = {k - start})",
                    transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=8)
            if k < n:
                ax.axhline(k - 0.5, color="#999999", lw=0.6, ls="--", zorder=1)
            start = k
    set_month_axis(ax, ticks)
    handles = [Patch(color=colour[g], label=plain(f"{g} (n = {(s[colour_by] == g).sum()})")) for g in colour]
    handles.append(Line2D([], [], marker="v", ms=5, ls="none", color="#D55E00", label="adverse event (onset)"))
    handles += [Line2D([], [], marker=mk, ms=5, ls="none", color="black", label=lab)
                for reason, (mk, lab) in STOP_MARKERS.items() if (s["stop_reason"] == reason).any()]
    _legend_area(fig, ax_leg, handles, note)
    fig._dttstudy_artists = artists
    return fig
