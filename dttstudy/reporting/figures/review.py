"""The review's figures: the PRISMA 2020 flow diagram of the records considered, and the risk-of-bias
traffic-light plot of the JBI appraisal (answers as symbols as well as colours)."""
from __future__ import annotations

import math
import textwrap

import pandas as pd

from .theme import OKABE_ITO, themed

# answer -> (fill colour, symbol); colour is never the only carrier: each answer has its own symbol
_ANSWER_STYLE = {"yes": ("#009E73", "+"), "no": ("#D55E00", "−"), "unclear": ("#F0E442", "?"),
                 "not_applicable": ("#dddddd", "n/a")}
_RISK_STYLE = {"low": ("#009E73", "L"), "moderate": ("#F0E442", "M"), "high": ("#D55E00", "H")}


def _box(ax, x: float, y: float, w: float, h: float, text: str, width: int, bold: bool = False) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="square,pad=0", fc="white", ec="#333333", lw=0.8))
    # "n = 12" never breaks across lines
    wrapped = "\n".join(textwrap.fill(line.replace("n = ", "n\u00a0=\u00a0"), width) for line in text.split("\n"))
    ax.text(x + w / 2, y + h / 2, wrapped, ha="center", va="center", fontsize=7.5,
            fontweight="bold" if bold else "normal")


def _arrow(ax, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "-|>", "lw": 0.8, "color": "#333333"})


@themed
def prisma_flow_plot(flow: pd.DataFrame):
    """PRISMA 2020 flow diagram (new review; databases and registers on the left, other methods on the right)
    from :func:`dttstudy.synthesis.review.selection_flow`. Excluded records carry their reasons, counted."""
    import matplotlib.pyplot as plt

    n = {(r.route, r.box): int(r.n) for r in flow.itertuples()}
    fig, ax = plt.subplots(figsize=(7.0, 8.6))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.axis("off")
    cols = {"database_or_register": 2.0, "other_methods": 52.0}
    heads = {"database_or_register": "Identification via the studies' own records (PubMed, PMC, publishers, "
                                     "repositories, preprint servers)",
             "other_methods": "Identification via other methods (reviews' and meta-analyses' tables and "
                              "reference lists, news reports)"}
    w, h = 22.0, 9.0
    rows_y = {"identified": 84.0, "screened": 70.0, "sought": 56.0, "assessed": 42.0}
    for route, x in cols.items():
        ax.text(x + 23, 97.5, textwrap.fill(heads[route], 52), ha="center", va="top", fontsize=7.5,
                fontweight="bold", color=OKABE_ITO[5])
        screened = n[route, "identified"]
        sought, assessed = n[route, "sought"], n[route, "assessed"]
        _box(ax, x, rows_y["identified"], w, h, f"Records identified (n = {screened})\nquery hits and "
                                                f"duplicates: not recorded", 26)
        _box(ax, x, rows_y["screened"], w, h, f"Records screened (n = {screened})", 26)
        _box(ax, x, rows_y["sought"], w, h, f"Reports sought for retrieval (n = {sought})", 26)
        _box(ax, x, rows_y["assessed"], w, h, f"Reports assessed for eligibility (n = {assessed})", 26)
        side = x + w + 2
        _box(ax, side, rows_y["screened"] - 1, w, h + 2,
             f"Records excluded (n = {n[route, 'excluded_at_screening']})", 26)
        _box(ax, side, rows_y["sought"], w, h, f"Reports not retrieved (n = {n[route, 'not_retrieved']})", 26)
        _box(ax, side, rows_y["assessed"] - 1, w, h + 2,
             f"Reports excluded (n = {n[route, 'excluded_after_assessment']})", 26)
        for a, b in (("identified", "screened"), ("screened", "sought"), ("sought", "assessed")):
            _arrow(ax, x + w / 2, rows_y[a], x + w / 2, rows_y[b] + h)
        for stage in ("screened", "sought", "assessed"):
            _arrow(ax, x + w, rows_y[stage] + h / 2, side, rows_y[stage] + h / 2)
        _arrow(ax, x + w / 2, rows_y["assessed"], 50, 30.5)
    _box(ax, 26, 19.0, 48, 11.5,
         f"Studies included in the review (n = {n['both', 'included']}):\nfigures from the study's own record "
         f"{n['both', 'included_own_report']}; from a review only {n['both', 'included_secondary']} "
         "(sensitivity analyses)", 50, bold=True)
    _box(ax, 26, 5.0, 48, 9.5, f"In the main pool of at least one outcome (n = {n['both', 'in_main_pool']})", 50)
    _arrow(ax, 50, 19.0, 50, 14.5)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig


@themed
def risk_of_bias_plot(summary: pd.DataFrame, labels: dict[str, str] | None = None,
                      item_labels: list[str] | None = None):
    """Traffic-light plot: one row per study, one column per JBI item and the overall judgement; each cell a
    coloured circle with its symbol (+ yes, − no, ? unclear; L/M/H overall). ``summary`` from
    :func:`dttstudy.synthesis.review.risk_of_bias_summary`; ``labels`` maps study ids to display names."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    items = [c for c in summary.columns if c.startswith("item_")]
    names = [(labels or {}).get(s, s) for s in summary["study_id"]]
    n_rows = len(summary)
    fig, ax = plt.subplots(figsize=(7.0, 1.6 + 0.27 * n_rows))
    # one line of markers per marker and colour (not one artist per cell: hundreds are slow to lay out)
    marks: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for i, r in enumerate(summary.itertuples(index=False)):
        y = n_rows - 1 - i
        cells = [(j, "o", _ANSWER_STYLE[getattr(r, col)]) for j, col in enumerate(items)]
        cells.append((len(items) + 0.6, "s", _RISK_STYLE[r.overall]))
        for x, marker, (fc, sym) in cells:
            xs, ys = marks.setdefault((marker, fc), ([], []))
            xs.append(x)
            ys.append(y)
            ax.text(x, y, sym, ha="center", va="center", fontsize=7, fontweight="bold", zorder=4)
    for (marker, fc), (xs, ys) in marks.items():
        ax.plot(xs, ys, ls="", marker=marker, markersize=math.sqrt(150 if marker == "o" else 190), markerfacecolor=fc,
                markeredgecolor="#333333", markeredgewidth=0.5, zorder=3)
    ax.set_yticks(range(n_rows), list(reversed(names)))
    ticks = [f"Q{i + 1}" for i in range(len(items))] + ["Overall"]
    ax.set_xticks([*range(len(items)), len(items) + 0.6], ticks)
    ax.xaxis.tick_top()
    ax.set_xlim(-0.6, len(items) + 1.3)
    ax.set_ylim(-0.7, n_rows - 0.3)
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    handles = [Line2D([], [], marker="o", ls="", markerfacecolor=c, markeredgecolor="#333333", markersize=8,
                      label=f"{s}  {k.replace('_', ' ')}") for k, (c, s) in _ANSWER_STYLE.items() if k != "not_applicable"]
    handles += [Line2D([], [], marker="s", ls="", markerfacecolor=c, markeredgecolor="#333333", markersize=8,
                       label=f"{s}  {k} risk") for k, (c, s) in _RISK_STYLE.items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=6, fontsize=7,
              handletextpad=0.3, columnspacing=0.9)
    if item_labels:
        key = "; ".join(f"Q{i + 1} {t.lower()}" for i, t in enumerate(item_labels))
        fig.text(0.01, 0.005, textwrap.fill("JBI items: " + key, 150), fontsize=6.5, va="bottom")
    fig.tight_layout(rect=(0, 0.05 if item_labels else 0, 1, 1))
    return fig
