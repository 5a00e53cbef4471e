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

The meta-analysis's own rules are applied to every candidate set (``rules=True``, the default): a study enters
only with at least ``min_patients`` patients (the target file's column; Ahmed 2022 pooled studies with more than
10 patients), and for efficacy an arm whose patients started the combination for a non-IBD indication is left
out (Rule M of :mod:`dttstudy.synthesis.coding_rules`), as are arms whose timepoint differs from the study's
other arms (arms are summed only at one timepoint). What a rule leaves out is named in ``left_out``.
``rules=False`` pools the candidate sets as listed.

Reading the result: ``distance`` is how far the reconstructed value lies from the printed one, in widths of the
printed 95% CI (``|reconstructed - printed| / (upper - lower)``); ``close`` is a distance of at most ``close``
(default 0.25: within a quarter of the printed interval's width). Unlike "inside the printed CI", which a
reconstruction with a wide interval of its own meets almost always, this can fail. A close value is still never
called agreement: the candidate sets are guesses (which studies the meta-analysis included is not known), several
counts are assumed or taken from secondary sources (``basis`` says which), and counts back-calculated from a
meta-analysis's own printed percentages (``count_basis == "circular"``) are left out of every set and listed in
``circular_rows``.
"""
from __future__ import annotations

from typing import Any

import math

import pandas as pd
from scipy import stats

from ..intake.cohort import PUBLISHED_DIR
from .coding_rules import study_sizes
from .literature import OUTCOME_LABELS, study_label, study_names
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


def candidate_rows(lit: pd.DataFrame, outcome: str, study_ids: list[str], rules: bool = False,
                   left_out: list[str] | None = None) -> pd.DataFrame:
    """One row per candidate study: its arms summed at each arm's latest timepoint; patient units and trial
    units as the study reports them; circular counts never included. With ``rules``, efficacy arms with a non-IBD
    indication are left out and arms are summed only at the study's latest timepoint shared by its arms (an arm
    without a stated timepoint counts as unknown and is left out when another arm states one); each arm left out
    is appended to ``left_out`` ("Olbjørn 2020 IFX+UST arm: mixed indication")."""
    d = lit[(lit["outcome"] == outcome) & lit["study_id"].isin(study_ids) & ~lit["event_based"]
            & (lit["count_basis"] != "circular")]
    t = d["timepoint_months"].fillna(-math.inf)
    d = d[t == t.groupby([d["study_id"], d["arm"]]).transform("max")].drop_duplicates(["study_id", "arm"])
    if rules:
        names = study_names(lit)

        def arm(r) -> str:
            return f"{names[r.study_id]}{' ' + r.arm + ' arm' if r.arm else ''}"

        gone = []
        if not outcome.endswith("_ae"):
            mixed = d["indication_mixed"].astype(bool)
            gone += [f"{arm(r)}: mixed indication" for r in d[mixed].itertuples()]
            d = d[~mixed]
        t = d["timepoint_months"].fillna(-math.inf)
        latest = t.groupby(d["study_id"]).transform("max")
        gone += [f"{arm(r)}: another timepoint" for r in d[t != latest].itertuples()]
        d = d[t == latest]
        if left_out is not None:
            left_out += gone
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


def reconstruction_table(lit: pd.DataFrame, targets: pd.DataFrame | None = None, level: float = 0.95,
                         rules: bool = True, close: float = 0.25) -> pd.DataFrame:
    """Printed figure beside the reconstruction under each method variant (see the module docstring)."""
    if not close > 0:
        raise ValueError(f"close must be positive (got {close})")
    targets = load_targets() if targets is None else targets
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    out = []
    labels = study_names(lit)  # ids are data; a reader sees "Sands 2007"
    sizes = study_sizes(lit)
    for tg in targets.itertuples(index=False):
        ids = [s for s in tg.study_ids.split(";") if s]
        left_out: list[str] = []
        minimum = int(getattr(tg, "min_patients", "") or 0)
        if rules and minimum:
            small = [s for s in ids if int(sizes.get(s, 0)) < minimum]
            left_out += [f"{labels.get(s, s)}: {int(sizes.get(s, 0))} patients" for s in small]
            ids = [s for s in ids if s not in small]
        rows = candidate_rows(lit, tg.outcome, ids, rules=rules, left_out=left_out)
        base = {"target": f"{tg.meta_analysis}: {OUTCOME_LABELS.get(tg.outcome, tg.outcome).lower()}",
                "outcome": tg.outcome,
                "printed_pct": float(tg.printed_pct),
                "printed_ci": f"{float(tg.printed_ci_low):g}–{float(tg.printed_ci_high):g}",
                "candidate_set": tg.candidate_set,
                "studies_in_set": "; ".join(f"{r.label} {r.events}/{r.total}" for r in rows.itertuples()),
                "k": len(rows), "events": int(rows["events"].sum()) if len(rows) else 0,
                "n": int(rows["total"].sum()) if len(rows) else 0, "basis": _basis(rows) if len(rows) else "",
                "circular_rows": ", ".join(labels.get(s, s) for s in tg.excluded_circular.split(";") if s),
                "rule": (f"at least {minimum} {'patient' if minimum == 1 else 'patients'} per study; "
                         if rules and minimum else "")
                + ("IBD indication, one timepoint per study" if rules else "candidate set as listed"),
                "left_out": "; ".join(left_out)}
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
            width = float(tg.printed_ci_high) - float(tg.printed_ci_low)
            row["distance"] = abs(v - float(tg.printed_pct)) / width if math.isfinite(v) and width > 0 else math.nan
            row["close"] = bool(row["distance"] <= close) if math.isfinite(row["distance"]) else None
            out.append(row)
    return pd.DataFrame(out)
