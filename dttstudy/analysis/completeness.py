"""Data completeness: how many of the expected visit values are present, per variable and month.

A value counts as present when the visit that counts as that month (:func:`dttstudy.analysis.outcomes.visit_at`: the
closest visit in the month's window, the earlier one on ties; month 0 = the baseline visit) holds it — the
same visit every analysis uses, so a value recorded only at another visit in the window is not counted.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..concepts import LABS
from ..intake.cohort import Cohort
from .outcomes import visit_at

#: Who is expected to have each visit variable: disease-specific scores only for that disease (Limberg
#: ultrasound grade for CD, as the CD response definition uses it), laboratory values for everyone.
VISIT_VARIABLES = {"hbi": "CD", "partial_mayo": "UC", "rectal_bleeding": "UC", "mes": "UC", "ses_cd": "CD",
                   "limberg": "CD", **{x.name: "all" for x in LABS if not x.optional}}

DENOMINATORS = ("followed", "all")


def completeness(cohort: Cohort, months=(0, 3, 6, 9), *, variables: dict | None = None,
                 denominator: str = "followed", windows: dict | None = None,
                 on_dtt_only: bool = False) -> pd.DataFrame:
    """Values present / values expected, per visit variable × month.

    Parameters
    ----------
    months : assessment months (0 = baseline).
    variables : ``{variable: "UC" | "CD" | "all"}`` — who is expected to have it (default
        :data:`VISIT_VARIABLES` and the optional laboratory markers the cohort records).
    denominator : ``"followed"`` (default) — patients of that disease whose follow-up reached the month
        (``last_followup`` ≥ month: the later of the last visit and the end of DTT) or who were seen in its
        window; everyone at month 0. Patients who stopped DTT and left follow-up, or who have not got that
        far, are not counted as missing. ``"all"`` — every patient of that disease.
    windows, on_dtt_only : as in :func:`dttstudy.analysis.outcomes.visit_at`.

    Returns
    -------
    One row per variable × month: ``variable``, ``applies_to`` (UC, CD or all), ``month``, ``n_expected``,
    ``n_with_visit`` (expected patients with a visit in the window), ``n_present`` (expected patients with the
    value at that visit), ``pct_present`` (100 × n_present / n_expected; NaN when nothing is expected) and
    ``denominator``.
    """
    if denominator not in DENOMINATORS:
        raise ValueError(f"denominator must be one of {DENOMINATORS}")
    if variables is None:  # the optional markers this cohort records are expected of everyone, as the others
        variables = VISIT_VARIABLES | {name: "all" for name in cohort.labs if name not in VISIT_VARIABLES}
    subj = cohort.subjects()[["patient_id", "disease", "last_followup"]]
    rows = []
    for m in months:
        v = visit_at(cohort, m, windows, on_dtt_only).set_index("patient_id")
        reached = (subj["last_followup"] >= m) | subj["patient_id"].isin(v.index)
        followed = subj if denominator == "all" or m == 0 else subj[reached]
        for var, who in variables.items():
            if who not in ("UC", "CD", "all"):
                raise ValueError(f"variables[{var!r}] must be 'UC', 'CD' or 'all', not {who!r}")
            ids = followed.loc[followed["disease"] == who, "patient_id"] if who != "all" else followed["patient_id"]
            has_visit = ids.isin(v.index)
            present = ids[has_visit].map(v[var]).notna()
            n_exp, n_pres = len(ids), int(present.sum())
            rows.append({"variable": var, "applies_to": who, "month": m, "n_expected": n_exp,
                         "n_with_visit": int(has_visit.sum()), "n_present": n_pres,
                         "pct_present": 100 * n_pres / n_exp if n_exp else np.nan, "denominator": denominator})
    return pd.DataFrame(rows, columns=["variable", "applies_to", "month", "n_expected", "n_with_visit", "n_present",
                                       "pct_present", "denominator"])


def never_recorded(table: pd.DataFrame) -> list[str]:
    """Variables of a :func:`completeness` table expected of someone yet present at no month (not collected
    by this centre): a report leaves their rows out and names them once, instead of rows of 0 present."""
    t = table.groupby("variable", sort=False)[["n_expected", "n_present"]].sum()
    return [v for v, r in t.iterrows() if r["n_expected"] > 0 and r["n_present"] == 0]
