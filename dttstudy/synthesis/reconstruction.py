"""A published multi-study pooled figure set beside a *reconstruction* from the primary studies in this package.

No source available to this package prints the per-study counts behind a multi-study pooled figure of a
published DTT meta-analysis (Ahmed 2022, Alayo 2022 and Anderson 2026 were seen as abstracts only; see
``data/published/literature.md`` for the sources searched). A pooled figure therefore cannot be *reproduced*
here. What can be done, and what :func:`reconstruction_table` does, is a consistency check: take the primary
studies in ``literature.csv`` that the meta-analysis *could* include (its search date, combinations and
population; ``data/published/reconstruction_targets.csv`` names each candidate set), pool them under the method
variants the meta-analysis may have used, and set the results beside the printed figure.

Method variants: Freeman–Tukey double arcsine with DerSimonian–Laird and REML tau^2, each back-transformed with
Miller's formula at the harmonic mean study size and with the simple ``sin^2(t / 2)``; logit with 0.5 added
to zero/all-event studies (DL and REML); the binomial–normal GLMM (ML; t(k-1) CI). All CIs Wald-type except
the GLMM's.

Reading the result. A reconstructed value inside the printed CI is *consistent with* the published figure; it is
never called agreement: the candidate sets are guesses (which studies the meta-analysis included is not known),
several counts are assumed or taken from secondary sources (``basis`` says which), and counts back-calculated
from a meta-analysis's own printed percentages (``count_basis == "circular"``) are left out of every set and
listed in ``circular_rows``.
"""
from __future__ import annotations

from typing import Any

import math

import pandas as pd
from scipy import stats

from ..intake.cohort import PUBLISHED_DIR
from .literature import OUTCOME_LABELS, study_label
from .meta import pool_proportions
from .meta.models import _ft_inverse

__all__ = ["RECONSTRUCTION_FILE", "load_targets", "candidate_rows", "reconstruction_table", "VARIANTS"]

RECONSTRUCTION_FILE = PUBLISHED_DIR / "reconstruction_targets.csv"

#: (name, pool_proportions arguments, back-transform) of each method variant.
VARIANTS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("Freeman-Tukey, DL, Miller (harmonic mean n)", {"method": "DL", "transform": "freeman_tukey"}, "miller"),
    ("Freeman-Tukey, DL, back-transformed as sin²(t/2)", {"method": "DL", "transform": "freeman_tukey"}, "sin2"),
    ("Freeman-Tukey, REML, Miller (harmonic mean n)", {"method": "REML", "transform": "freeman_tukey"}, "miller"),
    ("Freeman-Tukey, REML, back-transformed as sin²(t/2)", {"method": "REML", "transform": "freeman_tukey"},
     "sin2"),
    ("logit + 0.5, DL", {"method": "DL"}, "expit"),
    ("logit + 0.5, REML", {"method": "REML"}, "expit"),
    ("binomial-normal GLMM (ML), t(k-1) CI", {"method": "GLMM", "test": "t"}, "expit"),
)


def load_targets(path=None) -> pd.DataFrame:
    """The printed figures and candidate sets; raises ValueError naming row and column on bad cells."""
    df = pd.read_csv(path or RECONSTRUCTION_FILE, dtype=str, keep_default_na=False)
    problems = []
    for col in ("printed_pct", "printed_ci_low", "printed_ci_high"):
        num = pd.to_numeric(df[col], errors="coerce")
        problems += [f"row {i + 2}, column '{col}': {df.at[i, col]!r} is not a number" for i in df.index[num.isna()]]
    if problems:
        raise ValueError(f"{path or RECONSTRUCTION_FILE}:\n  " + "\n  ".join(problems))
    return df


def candidate_rows(lit: pd.DataFrame, outcome: str, study_ids: list[str]) -> pd.DataFrame:
    """One row per candidate study: its arms summed at each arm's latest timepoint; patient units and trial
    units as the study reports them; circular counts never included."""
    d = lit[(lit["outcome"] == outcome) & lit["study_id"].isin(study_ids) & ~lit["event_based"]
            & (lit["count_basis"] != "circular")]
    t = d["timepoint_months"].fillna(-math.inf)
    d = d[t == t.groupby([d["study_id"], d["arm"]]).transform("max")].drop_duplicates(["study_id", "arm"])
    rows = []
    for sid in study_ids:
        g = d[d["study_id"] == sid]
        if not len(g):
            continue
        first = g.iloc[0].to_dict()
        first.update(events=int(g["events"].sum()), total=int(g["total"].sum()), arm="",
                     count_basis=", ".join(sorted(set(g["count_basis"]))), verified=bool(g["verified"].all()))
        rows.append(first)
    out = pd.DataFrame(rows)
    if len(out):
        out["label"] = study_label(out)
    return out


def _back(t: float, how: str, n_harm: float) -> float:
    if how == "miller":
        return _ft_inverse(t, n_harm)
    if how == "sin2":
        return math.sin(min(max(t, 0.0), math.pi) / 2.0) ** 2
    return 1.0 / (1.0 + math.exp(-t))


def _basis(rows: pd.DataFrame) -> str:
    parts = []
    for name in ("assumed", "fixed"):
        n = int(rows["count_basis"].str.contains(name).sum())
        if n:
            parts.append(f"{n} {name} denominator{'s' if n > 1 else ''}")
    n = int((~rows["verified"].astype(bool)).sum())
    if n:
        parts.append(f"{n} from secondary sources only")
    n = int(rows["trial_units"].astype(bool).sum())
    if n:
        parts.append(f"{n} in therapeutic-trial units")
    return "; ".join(parts) or "all printed in the studies' own text"


def reconstruction_table(lit: pd.DataFrame, targets: pd.DataFrame | None = None, level: float = 0.95) -> pd.DataFrame:
    """Printed figure beside the reconstruction under each method variant (see the module docstring)."""
    targets = load_targets() if targets is None else targets
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    out = []
    labels = dict(zip(lit["study_id"], study_label(lit)))  # ids are data; a reader sees "Sands 2007"
    for tg in targets.itertuples(index=False):
        ids = [s for s in tg.study_ids.split(";") if s]
        rows = candidate_rows(lit, tg.outcome, ids)
        base = {"target": f"{tg.meta_analysis}: {OUTCOME_LABELS.get(tg.outcome, tg.outcome).lower()}",
                "outcome": tg.outcome,
                "printed_pct": float(tg.printed_pct),
                "printed_ci": f"{float(tg.printed_ci_low):g}–{float(tg.printed_ci_high):g}",
                "candidate_set": tg.candidate_set,
                "studies_in_set": "; ".join(f"{r.label} {r.events}/{r.total}" for r in rows.itertuples()),
                "k": len(rows), "events": int(rows["events"].sum()) if len(rows) else 0,
                "n": int(rows["total"].sum()) if len(rows) else 0, "basis": _basis(rows) if len(rows) else "",
                "circular_rows": ", ".join(labels.get(s, s).split(" — ")[0]
                                           for s in tg.excluded_circular.split(";") if s)}
        for name, kw, how in VARIANTS:
            row = dict(base, variant=name, reconstructed_pct=math.nan, ci_low=math.nan, ci_high=math.nan)
            if len(rows) >= 2:
                r = pool_proportions(rows["events"], rows["total"], level=level, **kw)
                if kw["method"] == "GLMM":
                    row.update(reconstructed_pct=100 * r.proportion, ci_low=100 * r.ci_lower,
                               ci_high=100 * r.ci_upper)
                else:
                    row.update(reconstructed_pct=100 * _back(r.estimate, how, r.n_harmonic),
                               ci_low=100 * _back(r.estimate - z * r.se, how, r.n_harmonic),
                               ci_high=100 * _back(r.estimate + z * r.se, how, r.n_harmonic))
            v = row["reconstructed_pct"]
            row["within_printed_ci"] = (float(tg.printed_ci_low) <= v <= float(tg.printed_ci_high)
                                        if math.isfinite(v) else None)
            out.append(row)
    return pd.DataFrame(out)
