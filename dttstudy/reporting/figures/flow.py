"""Patient flow (CONSORT-style): why the response denominators change from month to month — of the patients
treated, how many are evaluable at each month and why the others are not."""
from __future__ import annotations

import pandas as pd

from .theme import plain, plt, set_caption, themed

#: Exclusion reasons, in the order they are listed, with their wording in the diagram.
FLOW_REASONS = {
    "not_yet_reached": "follow-up not yet at month {m}",
    "stopped_adverse_event": "stopped DTT: adverse event",
    "stopped_no_response": "stopped DTT: no response",
    "stopped_de_escalation": "stopped DTT: de-escalation",
    "stopped_other": "stopped DTT: other reason",
    "no_visit_in_window": "no visit in the window",
    "not_evaluable_other": "visit without the needed scores",
}
FLOW_STATUSES = ("treated", "evaluable", *FLOW_REASONS)
_BOX = {"boxstyle": "round,pad=0.45", "facecolor": "white", "edgecolor": "#333333", "linewidth": 0.9}
_EVAL_BOX = {**_BOX, "facecolor": "#E8F1F8", "edgecolor": "#0072B2"}
_EXCL_BOX = {**_BOX, "facecolor": "#F7F7F7", "edgecolor": "#777777", "linestyle": "--"}
COLUMN_WIDTH = 2.45  # inches per month


def _check(flow: pd.DataFrame) -> tuple[int, list[float]]:
    missing = {"month", "status", "n"} - set(flow.columns)
    if missing:
        raise ValueError(f"flow needs the columns month, status, n (missing: {', '.join(sorted(missing))})")
    bad = sorted(set(flow["status"]) - set(FLOW_STATUSES))
    if bad:
        raise ValueError(f"unknown status {', '.join(map(repr, bad))}; allowed: {', '.join(FLOW_STATUSES)}")
    treated = flow.loc[flow["status"] == "treated", "n"]
    if len(treated) != 1:
        raise ValueError("flow needs exactly one 'treated' row (month 0)")
    months = sorted(float(m) for m in flow.loc[flow["status"] != "treated", "month"].unique())
    return int(treated.iloc[0]), months


def flow_counts(flow: pd.DataFrame, month: float) -> tuple[int, list[tuple[str, int]], int]:
    """(evaluable, [(reason wording, n) for reasons with n > 0], unaccounted) at ``month``; unaccounted =
    treated − evaluable − all reasons (0 when the flow table is complete)."""
    treated, _ = _check(flow)
    d = flow[flow["month"].astype(float) == float(month)]
    counts = d.groupby("status")["n"].sum()
    evaluable = int(counts.get("evaluable", 0))
    reasons = [(text.format(m=f"{month:g}"), int(counts[s])) for s, text in FLOW_REASONS.items()
               if int(counts.get(s, 0)) > 0]
    return evaluable, reasons, treated - evaluable - sum(n for _, n in reasons)


@themed
def patient_flow_plot(flow: pd.DataFrame, title: str = "Patient flow: treated and evaluable at each month",
                      *, endpoint: str = "clinical response"):
    """CONSORT-style diagram from a long table with columns ``month``, ``status``, ``n``.

    ``status``: ``"treated"`` (one row, month 0), then per month ``"evaluable"`` and the reasons a treated
    patient is not evaluable: ``not_yet_reached``, ``stopped_adverse_event``, ``stopped_no_response``,
    ``stopped_de_escalation``, ``stopped_other``, ``no_visit_in_window``, ``not_evaluable_other``.

    Treated box on top; one column per month with a side box listing the patients not evaluable (reasons with
    their counts, zeros omitted) and the box of patients evaluable for ``endpoint`` (the denominator of the
    observed-case rate). When the counts of a month do not add up to the treated, the difference is shown as
    "unaccounted" rather than hidden.
    """
    treated, months = _check(flow)
    k = max(len(months), 1)
    width = max(4.5, COLUMN_WIDTH * k + 0.3)
    fig, ax = plt().subplots(figsize=(width, 3.9), layout="constrained")
    ax.set_axis_off()
    ax.set_xlim(0, k + 0.03)
    ax.set_ylim(0, 1)
    boxes = {"treated": ax.text(k / 2, 0.93, f"Treated with DTT\nn = {treated}", ha="center", va="center",
                                fontsize=9, fontweight="bold", bbox=_BOX)}
    line = {"color": "#333333", "lw": 0.9}
    arrow = {"arrowstyle": "-|>", "color": "#333333", "lw": 0.9, "shrinkA": 0, "shrinkB": 0}
    bus_y = 0.82
    xs = [i + 0.14 for i in range(len(months))]
    if xs:
        ax.plot([k / 2, k / 2], [0.885, bus_y], **line)
        ax.plot([min(xs + [k / 2]), max(xs + [k / 2])], [bus_y, bus_y], **line)
    for i, (m, x) in enumerate(zip(months, xs)):
        evaluable, reasons, unaccounted = flow_counts(flow, m)
        ax.text(x + 0.03, 0.765, f"Month {m:g}", ha="left", va="center", fontsize=9, fontweight="bold")
        ax.plot([x, x], [bus_y, 0.2], **line)
        n_out = sum(n for _, n in reasons)
        lines = [f"Not evaluable: n = {n_out + max(unaccounted, 0)}"] + [f"  {plain(r)}: {n}" for r, n in reasons]
        if unaccounted:
            lines.append(f"  unaccounted: {unaccounted}")
        y_ex = 0.47
        boxes[f"excluded_{m:g}"] = ax.text(x + 0.12, y_ex, "\n".join(lines), ha="left", va="center", fontsize=7.5,
                                           linespacing=1.35, bbox=_EXCL_BOX)
        ax.annotate("", xy=(x + 0.1, y_ex), xytext=(x, y_ex), arrowprops=arrow)
        boxes[f"evaluable_{m:g}"] = ax.text(x, 0.1, f"Evaluable at month {m:g}\nn = {evaluable}", ha="left",
                                            va="center", fontsize=8.5, bbox=_EVAL_BOX, fontweight="bold")
        ax.annotate("", xy=(x, 0.15), xytext=(x, 0.2), arrowprops=arrow)
    fig._dttstudy_artists = {"boxes": boxes}
    set_caption(fig, f"{title}. Of the patients treated with DTT, those evaluable for {endpoint} at each month "
                "(the denominator of the observed-case rate) and, beside them, why the others were not: follow-up "
                "not yet at that month, DTT stopped before it (adverse event, no response, de-escalation, other "
                "reason), no visit in the visit window, or a visit without the scores the definition needs.")
    return fig
