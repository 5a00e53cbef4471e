"""Sensitivity analyses of a pooled proportion: other study units, other inclusion rules, other models.

:func:`sensitivity_table` runs, for one outcome of the literature table, the main analysis (binomial–normal GLMM
on studies, :func:`dttstudy.synthesis.literature.select` with its defaults) and each named departure from it, and returns
one row per analysis:

* **main** — the main rule, one row per study (arms of a study summed);
* **arms as separate units** — every arm its own row (arms share a centre and a protocol: not independent);
* **with overlapping studies** — studies sharing patients with a study already in the pool added back;
* **possible overlaps resolved** — pairs that may share patients although no source says so
  (:func:`dttstudy.synthesis.literature.possible_overlaps`) treated as overlapping: the larger study kept;
* **with mixed-indication studies** — studies where some patients started the combination for a non-IBD
  indication added back;
* **without unverified rows** — "same as main" when the main rule already excludes them (it does);
  **with unverified rows** — rows whose figure was not seen in the source added back;
* **printed denominators only** — without denominators fixed by arithmetic or assumed; **printed counts only**
  — without any count derived from a percentage (Rule C of :mod:`dttstudy.synthesis.coding_rules`);
  **with assumed denominators** — rows whose denominator had to be
  assumed added back;
* **enrolled denominators (ITT)** — efficacy events over everyone who started the combination (Rule D;
  non-evaluable patients and non-completers count as non-responders);
* **without studies at high risk of bias** — the main units less the studies whose JBI appraisal is high risk
  (``high_risk``: their study ids, from :func:`dttstudy.synthesis.review.high_risk_studies`; the row is left out
  when ``high_risk`` is None);
* **leave-one-out** — one row per omitted study (main units and model);
* **inverse-variance logit, REML** and **Freeman–Tukey, REML** — the older inverse-variance models on the main
  units (Freeman–Tukey only as a sensitivity analysis: Schwarzer et al. 2019), optionally with the
  Hartung–Knapp CI (ad hoc modification: never narrower than the Wald CI).

Columns: ``analysis``, ``detail``, ``k`` (units pooled), ``events``, ``n`` (patients, the summed denominators),
``pooled_pct``, ``ci_low``, ``ci_high`` (``level`` CI, %), ``pi_low``, ``pi_high`` (prediction interval, %,
quantile in ``pi_method``), ``tau2`` (logit scale; double-arcsine scale for Freeman–Tukey), ``i2`` (%, from
tau^2 as metafor), ``method`` (model description), ``ci_method``, ``pi_method``, ``same_as_main`` (whether a
variant selects exactly the main analysis's units; empty on the main row itself), ``note``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .coding_rules import itt_rows
from .literature import select
from .meta import PooledProportion, pool_proportions

__all__ = ["sensitivity_table", "sensitivity_from_rows", "SENSITIVITY_COLUMNS"]

SENSITIVITY_COLUMNS = ("analysis", "detail", "k", "events", "n", "pooled_pct", "ci_low", "ci_high", "pi_low",
                       "pi_high", "tau2", "i2", "method", "ci_method", "pi_method", "same_as_main", "note")


def _row(analysis: str, detail: str, res: PooledProportion | None, same: bool | None = False,
         note: str = "") -> dict[str, Any]:
    nan = float("nan")
    if res is None:
        return {"analysis": analysis, "detail": detail, "k": 0, "events": 0, "n": 0, "pooled_pct": nan,
                "ci_low": nan, "ci_high": nan, "pi_low": nan, "pi_high": nan, "tau2": nan, "i2": nan,
                "method": "", "ci_method": "", "pi_method": "", "same_as_main": same, "note": note}
    return {"analysis": analysis, "detail": detail, "k": res.k, "events": res.events, "n": res.total,
            "pooled_pct": 100 * res.proportion, "ci_low": 100 * res.ci_lower, "ci_high": 100 * res.ci_upper,
            "pi_low": nan if res.pi_lower is None else 100 * res.pi_lower,
            "pi_high": nan if res.pi_upper is None else 100 * res.pi_upper,
            "tau2": res.tau2, "i2": res.i2, "method": res.model_description, "ci_method": res.ci_method,
            "pi_method": res.pi_method or "", "same_as_main": same, "note": note or res.note}


def _key(rows: pd.DataFrame) -> tuple:
    cols = [c for c in ("study_id", "arm", "events", "total") if c in rows]
    return tuple(map(tuple, rows[cols].astype(str).to_numpy())) if len(rows) else ()


def _labels(rows: pd.DataFrame) -> list[str]:
    if "label" in rows:
        return [str(s) for s in rows["label"]]
    return [str(s) for s in rows["study_id"]]


def sensitivity_from_rows(main: pd.DataFrame, variants: dict[str, tuple[str, pd.DataFrame | None]] | None = None,
                          method: str = "GLMM", hartung_knapp: bool = False, hk_adhoc: bool = True,
                          level: float = 0.95, leave_one_out: bool = True,
                          iv_models: bool = True, test: str = "t") -> pd.DataFrame:
    """Sensitivity table from already selected rows (one row per pooled unit, columns ``events``, ``total``,
    ``label`` or ``study_id``).

    ``variants`` maps an analysis name to ``(detail, rows)``; rows equal to ``main`` (same units and counts)
    are reported with ``same_as_main=True`` and the detail "same as main" (``rows=None`` means the same).
    ``method`` is the main model (``test``: its CI quantile, t(k-1) or z, for the GLMM);
    ``hartung_knapp``/``hk_adhoc`` apply to the inverse-variance rows only.
    """
    def pool(rows, **kw):
        if rows is None or not len(rows):
            return None
        return pool_proportions(rows["events"], rows["total"], labels=_labels(rows), level=level, **kw)

    main_kw: dict[str, Any] = {"method": method}
    if method == "GLMM":
        main_kw["test"] = test
    if method != "GLMM" and hartung_knapp:
        main_kw.update(hartung_knapp=True, hk_adhoc=hk_adhoc)
    main_res = pool(main, **main_kw)
    out = [_row("main", "studies as units; main inclusion rule", main_res, same=None)]  # the reference itself
    for name, (detail, rows) in (variants or {}).items():
        if rows is None or _key(rows) == _key(main):
            out.append(_row(name, f"{detail} — same as main", main_res, same=True))
        elif not len(rows):
            out.append(_row(name, f"{detail} — no study qualifies", None, note="no studies"))
        else:
            out.append(_row(name, detail, pool(rows, **main_kw)))
    if leave_one_out and main is not None and len(main) >= 2:
        labels = _labels(main)
        for i, lab in enumerate(labels):
            rest = main.drop(index=main.index[i])
            out.append(_row("leave-one-out", f"without {lab}", pool(rest, **main_kw)))
    if iv_models and main is not None and len(main):
        iv_kw = {"hartung_knapp": hartung_knapp, "hk_adhoc": hk_adhoc}
        hk = " with Hartung-Knapp CI" + (" (ad hoc: never narrower than Wald)" if hk_adhoc else "") \
            if hartung_knapp else ""
        out.append(_row("inverse-variance logit (REML)", "main units; 0.5 added to 0/all-event studies" + hk,
                        pool(main, method="REML", **iv_kw)))
        out.append(_row("Freeman-Tukey (REML)", "main units; double arcsine, Miller back-transform" + hk,
                        pool(main, method="REML", transform="freeman_tukey", **iv_kw)))
    return pd.DataFrame(out, columns=list(SENSITIVITY_COLUMNS))


def sensitivity_table(lit: pd.DataFrame, outcome: str, include: str = "main", method: str = "GLMM",
                      hartung_knapp: bool = False, hk_adhoc: bool = True, level: float = 0.95,
                      leave_one_out: bool = True, test: str = "t", high_risk: list[str] | None = None,
                      **select_kwargs: Any) -> pd.DataFrame:
    """Sensitivity analyses for ``outcome`` of the literature table ``lit`` (see the module docstring).

    ``include`` and ``select_kwargs`` (e.g. ``one_per_study``, ``regimen_class``, ``population``) define the
    main selection with :func:`dttstudy.synthesis.literature.select` at ``units="study"``; each variant changes one
    argument of that call. The first column names the analysis; ``n`` is the number of patients pooled.
    """
    base = dict(select_kwargs)
    for flag in ("units", "overlapping", "possible_overlaps", "mixed_indication", "unverified", "assumed",
                 "printed_only"):
        base.pop(flag, None)
    main = select(lit, outcome, include, units="study", **base)
    variants = {
        "arms as separate units": ("each arm its own unit", select(lit, outcome, include, units="arm", **base)),
        "with overlapping studies": ("studies sharing patients added back",
                                     select(lit, outcome, include, overlapping=True, **base)),
        "possible overlaps resolved": ("studies that may share patients (same country, single centre, within two "
                                       "years) treated as overlapping: the larger kept",
                                       select(lit, outcome, include, possible_overlaps=True, **base)),
        "with mixed-indication studies": ("studies treating some patients for non-IBD indications added back",
                                          select(lit, outcome, include, mixed_indication=True, **base)),
        # the main rule already excludes unverified rows: reported as "same as main" unless it did not
        "without unverified rows": ("rows not seen in the source removed", None),
        "with unverified rows": ("rows not seen in the source added back",
                                 select(lit, outcome, include, unverified=True, **base)),
        "printed denominators only": ("without denominators fixed by arithmetic or assumed (Rule C)",
                                      select(lit, outcome, include, count_bases=("printed", "exact"), **base)),
        "printed counts only": ("without any derived count: events and denominator both printed",
                                select(lit, outcome, include, printed_only=True, **base)),
        "with assumed denominators": ("rows whose denominator was assumed added back",
                                      select(lit, outcome, include, assumed=True, **base)),
    }
    if not outcome.endswith("_ae"):
        itt = itt_rows(main)
        variants["enrolled denominators (ITT)"] = ("events over everyone who started (not evaluated = "
                                                   "non-responder)" + ("; changed: " + ", ".join(
                                                       itt.loc[itt["itt_changed"], "label"]) if
                                                       itt["itt_changed"].any() else ""), itt)
    if high_risk is not None:
        left = sorted(set(main["study_id"]) & set(high_risk))
        variants["without studies at high risk of bias"] = (
            "JBI checklist; " + ("left out: " + ", ".join(main.loc[main["study_id"].isin(left), "label"])
                                 if left else "none in the main pool"), main[~main["study_id"].isin(left)])
    if "verified" in main and not bool(np.all(main["verified"])):
        variants["without unverified rows"] = ("rows not seen in the source removed",
                                               main[main["verified"].astype(bool)])
    return sensitivity_from_rows(main, variants, method=method, hartung_knapp=hartung_knapp, hk_adhoc=hk_adhoc,
                                 level=level, leave_one_out=leave_one_out, test=test)
