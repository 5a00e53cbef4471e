"""Coding rules of the literature table, written once: how every row's flags follow from what its source says.

Each rule reads one *input* column, which records what the source states, and fixes one *flag* the pooling
uses. :data:`RULES` is the rules table (rule, input column, allowed input values, flag, value of the flag per
input, wording); :func:`rule_violations` checks a literature table against it, row by row, and
:func:`itt_rows` is the enrolled-denominator (intention-to-treat) version of selected rows.

**Rule R — refractory** (input ``prior_advanced_failed``, flag ``refractory``). ``yes`` when the source states,
as the cohort's entry criterion, active luminal IBD despite (inadequate response, loss of response or
intolerance to) **at least one** prior or ongoing advanced therapy (biologic or JAK/S1P small molecule), or the
authors call the cohort refractory / difficult-to-treat to advanced therapy (input ``refractory``: threshold
not given; ``1``, ``2``, ...: the stated minimum). ``no`` when the cohort was advanced-therapy naive or entry did
not require advanced-therapy failure (``0``). ``unclear`` when the source seen does not say (``not_stated``).
The threshold is one failure because it is the criterion the reference cohort itself meets (three of its
patients had one prior biologic); ``prior_advanced_failed`` keeps the stated threshold for a stricter rule.

**Rule M — mixed indication** (input ``non_ibd_indication``, flag ``indication_mixed``), per row.
``true`` when at least one patient in **that row's denominator** started the combination for a reason other
than active luminal IBD (EIM, IMID, a drug side effect) — ``in_denominator`` — or the source reports such
patients in the cohort and does not show they are excluded from the row's denominator (``not_excluded``).
``false`` when the source states every patient started for luminal activity (``none``), the row's denominator
is explicitly the luminal-indication subset (``subset_excluded``), or the source names no other indication
(``not_stated``).

**Rule D — denominators** (inputs ``n_enrolled``, ``n_patients``, ``total``; recorded as
``denominator_basis``). ``total`` is the denominator the source uses for that outcome (as published; this
cohort is analysed the same way, observed cases). ``n_enrolled`` is the number of patients (or therapeutic
trials, for trial units) who started the combination in the study. ``denominator_basis``: ``enrolled`` when
the row's total is everyone who started in its arm (or study); ``completers`` when the arms' sizes are the
patients who completed follow-up (they sum to fewer than ``n_enrolled`` and the arm of the others is unknown);
``evaluable`` when the total is a smaller, evaluable subset; ``indication_subset`` for a denominator restricted
to the luminal-indication patients. Safety outcomes count everyone who started (``enrolled``): a statement
about the whole cohort ("no serious adverse event") is one study-level row over ``n_enrolled``, not one row per
completer arm. Intention-to-treat sensitivity: efficacy events over
``n_enrolled`` at study level (non-evaluable = non-responder).

**Rule C — count basis** (input ``count_basis``, flag ``derived_from_percent``). ``printed`` (events and
denominator printed) · ``exact`` (events = printed percentage x printed denominator, unique) · ``fixed``
(denominator not printed but forced by arithmetic: a printed exact CI, or the only n reproducing every printed
percentage) · ``assumed`` (denominator not printed and not unique; e.g. taken as the cohort size) ·
``circular`` (count back-calculated from a meta-analysis's own pooled or subgroup percentage).
``derived_from_percent`` is true for every basis except ``printed``. Main pool: printed, exact and fixed;
``assumed`` rows are kept out (a flag adds them back); ``circular`` rows are never pooled and never count as
agreement with the meta-analysis they came from.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["RULES", "INPUT_VALUES", "rules_table", "rule_violations", "itt_rows", "MAIN_COUNT_BASES",
           "study_sizes"]

#: Input values allowed in each rule's input column.
INPUT_VALUES = {
    "prior_advanced_failed": ("0", "1", "2", "3", "4", "refractory", "not_stated"),
    "non_ibd_indication": ("none", "in_denominator", "not_excluded", "subset_excluded", "not_stated"),
    "denominator_basis": ("enrolled", "evaluable", "completers", "indication_subset"),
    "count_basis": ("printed", "exact", "fixed", "assumed", "circular"),
}

#: Count bases of the main pool (Rule C).
MAIN_COUNT_BASES = ("printed", "exact", "fixed")

#: The rules table: rule, input column, flag column, flag value for each input value.
RULES: dict[str, dict[str, Any]] = {
    "R": {"input": "prior_advanced_failed", "flag": "refractory",
          "map": {"0": "no", "1": "yes", "2": "yes", "3": "yes", "4": "yes", "refractory": "yes",
                  "not_stated": "unclear"},
          "text": "refractory = yes when entry required active luminal IBD despite >= 1 advanced therapy (or the "
                  "authors call the cohort refractory); no when advanced-therapy naive; unclear when not stated"},
    "M": {"input": "non_ibd_indication", "flag": "indication_mixed",
          "map": {"none": False, "in_denominator": True, "not_excluded": True, "subset_excluded": False,
                  "not_stated": False},
          "text": "indication_mixed = true when a patient in the row's denominator started the combination for a "
                  "non-IBD indication, or such patients are not shown to be excluded from it"},
    "C": {"input": "count_basis", "flag": "derived_from_percent",
          "map": {"printed": False, "exact": True, "fixed": True, "assumed": True, "circular": True},
          "text": "derived_from_percent = true unless events and denominator are both printed; assumed rows out "
                  "of the main pool, circular rows never pooled"},
}


def study_sizes(lit: pd.DataFrame) -> pd.Series:
    """Patients per study: its arms' ``n_patients`` summed (a study-level row beside arm rows, such as a safety
    row over everyone enrolled, is not added to them); a single-arm study's ``n_patients``."""
    per_arm = lit.drop_duplicates(["study_id", "arm"])
    has_arms = per_arm.groupby("study_id")["arm"].transform(lambda a: (a != "").any())
    keep = per_arm[(per_arm["arm"] != "") | ~has_arms]
    return keep.groupby("study_id")["n_patients"].sum()


def rules_table() -> pd.DataFrame:
    """The rules as a table: one row per rule and input value, with the flag value it fixes."""
    rows = []
    for rule, r in RULES.items():
        for value, flag in r["map"].items():
            rows.append({"rule": rule, "input": r["input"], "input_value": value, "flag": r["flag"],
                         "flag_value": flag, "rule_text": r["text"]})
    rows.append({"rule": "D", "input": "n_enrolled, n_patients, total", "input_value": "",
                 "flag": "denominator_basis", "flag_value": "enrolled / evaluable / completers / indication_subset",
                 "rule_text": "enrolled when the total is everyone who started in the arm (study); completers when "
                              "the arm sizes are completers; evaluable otherwise; safety always everyone who "
                              "started (enrolled)"})
    return pd.DataFrame(rows)


def _expected_basis(row, arm_sum: dict) -> str:
    if row["non_ibd_indication"] == "subset_excluded":
        return "indication_subset"
    single = row["arm"] == "" or bool(row["trial_units"])
    size = int(row["n_enrolled"]) if single else int(row["n_patients"])
    if not single and arm_sum[row["study_id"]] < int(row["n_enrolled"]):
        return "completers"
    return "enrolled" if int(row["total"]) == size else "evaluable"


def rule_violations(lit: pd.DataFrame) -> list[str]:
    """Every row whose flags do not follow :data:`RULES` (and Rule D), as "row N (study, outcome): ..." lines.

    Row numbers are those of the CSV file (header = row 1) when ``lit`` has its original index."""
    out = []
    arm_sum = study_sizes(lit).to_dict()
    for i, row in lit.iterrows():
        where = f"row {i + 2} ({row['study_id']} {row['arm']} {row['outcome']})".replace("  ", " ")
        for col, allowed in INPUT_VALUES.items():
            if str(row[col]) not in allowed:
                out.append(f"{where}: {col} = {row[col]!r} not one of {allowed}")
        for rule, r in RULES.items():
            want = r["map"].get(str(row[r["input"]]))
            if want is not None and row[r["flag"]] != want:
                out.append(f"{where}: rule {rule} gives {r['flag']} = {want} from {r['input']} = "
                           f"{row[r['input']]!r}, the table has {row[r['flag']]!r}")
        if int(row["total"]) > int(row["n_enrolled"]):
            out.append(f"{where}: total {row['total']} exceeds n_enrolled {row['n_enrolled']}")
        basis = _expected_basis(row, arm_sum)
        if row["denominator_basis"] != basis:
            out.append(f"{where}: rule D gives denominator_basis = {basis}, the table has "
                       f"{row['denominator_basis']!r}")
        if row["outcome"] in ("any_ae", "serious_ae") and row["denominator_basis"] != "enrolled":
            out.append(f"{where}: rule D: a safety outcome counts everyone who started, not "
                       f"{row['denominator_basis']} patients")
        if row["count_basis"] == "circular" and bool(row["verified"]):
            out.append(f"{where}: rule C: a circular count cannot be verified against the study's own text")
    return out


def itt_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Selected study-level rows with efficacy denominators replaced by ``n_enrolled`` (intention to treat:
    patients who started but were not evaluated count as non-responders). Rows whose denominator is a
    luminal-indication subset, and studies with arms missing, keep their denominator; ``itt_changed`` says
    which rows changed."""
    out = rows.copy()
    change = (out["denominator_basis"].isin(["evaluable", "completers"])
              & (out.get("arms_missing", pd.Series("", index=out.index)).fillna("") == "")
              & ~out["outcome"].isin(["any_ae", "serious_ae"]))
    out["itt_changed"] = change & (out["n_enrolled"] > out["total"])
    out.loc[out["itt_changed"], "total"] = out.loc[out["itt_changed"], "n_enrolled"]
    return out
