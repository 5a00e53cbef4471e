"""Tables of response and remission rates by month (n/N, %, 95% CI per analysis set and subgroup).
"""
from __future__ import annotations

import pandas as pd

from ..labels import NA, abbreviation_note, label, level, n_of_n_ci
from .core import Column, DisplayTable, Row, _month_label, builder


@builder("clinical_response_rates", "endoscopic_response_rates", "clinical_response_simple",
         "clinical_remission_rates")
def response_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Response rates wide: months as columns, analysis sets (observed cases / non-responder imputation) as row
    groups, subgroups as indented rows under their label; cells ``n/N (%; 95% CI)``; "–" where N = 0. An
    optional ``mark`` column puts a footnote mark on its cell."""
    t = tidy.copy()
    months = list(dict.fromkeys(t["month"]))
    keys = [c for c in ("endpoint", "definition", "analysis_set") if c in t.columns]
    multi = {k: t[k].nunique() > 1 for k in keys}
    cols = [Column(label("group"))] + [Column(_month_label(m), spanner=label("n/N (%; 95% CI)"), align="center")
                                       for m in months]
    rows: list[Row] = []
    for gkey, g in t.groupby(keys, sort=False) if keys else [((), t)]:
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        parts = [level(v) for k, v in zip(keys, gkey) if k == "analysis_set" or multi[k]]
        gname = " — ".join(parts) if parts else None
        for by in dict.fromkeys(g["by"]):
            sub = g[g["by"] == by]
            indent = 0
            if by != "All":
                rows.append(Row([level(by)] + [""] * len(months), group=gname))
                indent = 1
            for grp in dict.fromkeys(sub["group"]):
                cells, marks = [], {}
                for j, m in enumerate(months, 1):
                    hit = sub[(sub["group"] == grp) & (sub["month"] == m)]
                    if hit.empty:
                        cells.append("")
                        continue
                    r = hit.iloc[0]
                    if "N" in r and "pct" in r:
                        cells.append(n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"]))
                    else:
                        c = str(r["n/N (%; 95% CI)"])
                        cells.append(NA if c.startswith("0/0") else c)
                    if r.get("mark"):
                        marks[j] = str(r["mark"])
                rows.append(Row([level(grp) if by == "All" else str(grp), *cells], group=gname, indent=indent,
                                marks=marks))
    for r in rows:
        r.values = [None] * len(cols)
        r.decimals = [None] * len(cols)
    notes = []
    method = ", ".join(dict.fromkeys(t["ci_method"].astype(str))) if "ci_method" in t else ""
    notes.append(("", "n/N: patients with the outcome / evaluable patients; % with its 95% CI"
                      + (f" ({method})" if method else "") + "; – no evaluable patient."))
    if "analysis_set" in t and "nri" in set(t["analysis_set"]):
        notes.append(("", "Observed cases: patients evaluable at the month. Non-responder imputation: in addition, "
                          "patients who stopped DTT for no response or an adverse event at or before the month "
                          "count as non-responders."))
        nri = t[t["analysis_set"] == "nri"]
        if "N" in t and len(nri) and (nri.groupby("month")["N"].max() == 0).any():
            notes.append(("", "A month that no patient reached (none was followed into its window but those who "
                              "stopped DTT early) has no rate in either analysis set."))
    if "definition" in t and not multi.get("definition"):
        notes.append(("", f"Outcome definition: {level(t['definition'].iloc[0]).lower()}."))
    ab = abbreviation_note(t["group"].astype(str))
    if ab:
        notes.append(("", ab + "."))
    endpoint = level(t["endpoint"].iloc[0]) if "endpoint" in t and not multi.get("endpoint") else "Response"
    return DisplayTable(name, endpoint, cols, rows, notes)
