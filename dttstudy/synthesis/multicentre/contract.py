"""The centre-summary contract, declared once: what a coordinator accepts from a centre before pooling.

A centre summary (written by ``dttstudy export-summary``) is a JSON object. ``check_summaries``
(:mod:`dttstudy.synthesis.multicentre.check`) checks a set of them against the declaration below and reports
*every* problem at once, each named by file (and centre), table, row (counted from 1 in that table) and field;
``checked_summaries`` reads the files and raises :class:`IncompatibleSummaries` carrying the full list.
``dttstudy pool`` calls it before anything is computed or written, and exits 2 on any problem.

What is checked
---------------
* **The envelope.** Exactly the fields of :data:`ENVELOPE`; ``format`` is :data:`FORMAT` and ``format_version`` is
  :data:`FORMAT_VERSION` (a file of another format version is refused: its fields may mean something else);
  ``package_version`` is the coordinator's own dttstudy version (refused otherwise: the version is the only record
  of which outcome definitions and which disclosure rule a centre applied, and the project makes no promise that
  two versions compute the same thing); ``centre`` is a short code (or absent, when the file name is one);
  ``input_sha256`` is 64 hexadecimal digits; ``content_sha256`` matches the file's content (see *The two
  hashes*); the analysis parameters have the declared names, types and ranges (:data:`PARAMETER_RULES`) and are
  identical across centres.
* **The tables.** Only the tables of :data:`TABLES` (no other table, so no table of patient rows; a field that is
  not declared is refused, and named as patient-level when it looks like an identifier or a patient column);
  every key field of its declared type, no key twice; every count a whole number ≥ 0 (not text, not a fraction,
  not NaN or infinite, not empty) or the withheld marker; every amount (patient-years, sums of squares) a finite
  number ≥ 0; every other sum a finite number; AE terms only from the shared vocabulary (typed text never
  leaves a centre).
* **Internal consistency.** Responders ≤ evaluable; patients with an AE ≤ events and ≤ the group's patients;
  each Table 1 row's total = UC + CD and each variable's levels add up to the patients; the overall group =
  the sum of the disease groups = the sum of the regimen groups (response, AE incidence); AE term events add up
  to all events; lab and Table 1 ``n`` ≤ the group's patients, all = UC + CD, a sum of squares at least the
  square of the sum over ``n``; life tables on the declared grid, starting with every patient at risk, each
  row's at-risk = the previous row's at-risk − its events − its censorings, events + censorings = the patients,
  first-TEAE events = the patients with a TEAE. Checks involving a withheld value are skipped.
* **Disclosure.** The block has exactly ``min_cell`` (K, a whole number ≥ 0), ``marker`` (:data:`SUPPRESSED`),
  ``rule`` and ``withheld`` (the names of the withheld cells, each once), and the tables mark exactly as many
  values withheld as it lists. No published count lies in 1 … K − 1; no published sum, patient-years or
  quartile describes 1 … K − 1 patients; no published pair gives a difference in 1 … K − 1 (non-responders
  N − n, patients without an event, patients without a value). A centre whose K is below the coordinator's
  minimum (``--min-cell``, default :data:`dttstudy.synthesis.disclosure.DEFAULT_MIN_CELL`) — K = 0 or 1 is no
  disclosure control at all — is refused unless the coordinator accepts it explicitly
  (``--accept-below-min-cell``); the pooled report then says so, naming the centre and its K.
* **The set.** No centre code twice, and no input hash under two codes (the same data sent twice).

The two hashes
--------------
``input_sha256`` is the sha256 of the centre's loaded tables. The coordinator never sees those tables, so it
cannot check it: it proves nothing about the numbers. It *identifies* the data: the same data exported twice
(under two centre codes, say) carry the same hash, and a centre that keeps its data can later show which data
a summary came from by exporting again. ``content_sha256`` is the sha256 of the file's own content (every field
but itself, numbers at the written precision, as canonical JSON: keys sorted, no spaces, ASCII). It detects a
file changed after export — a count edited by hand, a hash replaced, a truncated copy — but not a deliberate
forgery: anyone can recompute it, as it involves no secret. That the file really comes from the centre is a matter for the channel the network agreed
(signed e-mail, a federated platform).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...concepts import ANALYSED_LABS, PAPER_LABS
from ...parameters import BY_NAME
from ...precision import written_json

FORMAT = "dttstudy-centre-summary"
#: Version 2 added ``content_sha256``.
FORMAT_VERSION = 2
#: Bucket for AE terms outside the shared vocabulary.
OTHER_TERM = "other (term not in the shared vocabulary)"
#: A centre code: letters, digits, '_', '.', '-', at most 40 characters.
CENTRE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: Largest summary file read (a summary with every distinct time of a large cohort stays far below).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: At most this many problems of one kind (file, table, field, rule) are listed; the rest are counted.
MAX_LISTED = 20

ENVELOPE = ("format", "format_version", "package_version", "centre", "parameters", "input_sha256", "disclosure",
            "tables", "content_sha256")
DISCLOSURE_FIELDS = ("min_cell", "marker", "rule", "withheld")


@dataclass(frozen=True)
class SummaryTable:
    """One table of a centre summary: key fields (name → kind), counts, amounts ≥ 0, other numbers."""

    name: str
    keys: dict
    counts: tuple = ()
    amounts: tuple = ()       # finite numbers >= 0 (patient-years, sums of squares)
    numbers: tuple = ()       # finite numbers of any sign (sums of values and changes, quartiles)
    optional: tuple = ()      # fields a row may leave out (patient-years of the suspected-agent rows)
    nullable: tuple = ()      # fields that may be null (quartiles of a group without patients)
    required: bool = True


# kinds of key fields: "text", "number", "number|null"
TABLES: dict[str, SummaryTable] = {t.name: t for t in (
    SummaryTable("baseline_counts", {"variable": "text", "level": "text"}, counts=("UC", "CD", "Total")),
    SummaryTable("baseline_continuous", {"variable": "text", "group": "text"}, counts=("n",),
                 amounts=("sum_squares",), numbers=("sum",)),
    SummaryTable("response", {"endpoint": "text", "definition": "text", "analysis_set": "text",
                              "month": "number", "by": "text", "group": "text"}, counts=("n", "N")),
    SummaryTable("ae_incidence", {"by": "text", "group": "text"}, counts=("patients_with_event", "events"),
                 amounts=("patient_years_at_risk", "patient_years_exposure"),
                 optional=("patient_years_at_risk", "patient_years_exposure")),
    SummaryTable("ae_terms", {"term": "text"}, counts=("patients_with_event", "events"), required=False),
    # keys: "parameter" and either "start"/"end" (monthly grid) or "time" (every distinct time), by parameters
    SummaryTable("life_tables", {"parameter": "text"}, counts=("at_risk", "events", "censored")),
    SummaryTable("labs", {"lab": "text", "month": "number", "group": "text"}, counts=("n",),
                 amounts=("sum_squares_baseline", "sum_squares_value", "sum_squares_change"),
                 numbers=("sum_baseline", "sum_value", "sum_change", "change_median", "change_q1", "change_q3"),
                 nullable=("change_median", "change_q1", "change_q3")),
)}
LIFE_TABLE_PARAMETERS = ("time to first TEAE", "time on DTT")
GROUPS = ("UC", "CD", "Total")


def _choice(name):
    return lambda v: BY_NAME[name].parse(v) == v


def _within(name):
    """A number inside the parameter's declared range (dttstudy.parameters): the contract and the command line
    read the same declaration."""
    def rule(v) -> bool:
        try:
            return _num(v) and BY_NAME[name].parse(v) == v
        except ValueError:
            return False

    return rule


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _months(v) -> bool:
    return isinstance(v, list) and bool(v) and all(_num(x) and 0 < x <= 600 for x in v) and len(set(v)) == len(v)


#: Parameters that say what a centre records, not how it analysed: not compared across centres (a marker one
#: centre does not record adds none of its patients to that marker's cells).
NOT_COMPARED = ("labs",)


def parameter_differences(a: dict, b: dict) -> list[str]:
    """The analysis parameters in which two summaries differ (every centre must run the same analysis)."""
    return sorted(k for k in set(a) | set(b) if k not in NOT_COMPARED and a.get(k) != b.get(k))


#: The analysis parameters a summary records: name → (rule, what it must be).
PARAMETER_RULES = {
    "disease": (_choice("disease"), "one of " + ", ".join(BY_NAME["disease"].choices)),
    "timepoints": (_months, "a list of distinct months, 0 < month ≤ 600"),
    "definition": (_choice("definition"), "one of " + ", ".join(BY_NAME["definition"].choices)),
    "ci_method": (_choice("ci_method"), "one of " + ", ".join(BY_NAME["ci_method"].choices)),
    "crp_uln": (_within("crp_uln"), f"a number from {BY_NAME['crp_uln'].minimum:g} to {BY_NAME['crp_uln'].maximum:g}"),
    "level": (lambda v: _num(v) and 0 < v < 1, "a confidence level between 0 and 1"),
    "windows": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and _num(x) and 0 < x <= 12
                                                     for k, x in v.items()),
                "month → visit-window half-width (0 < width ≤ 12)"),
    "nri_reasons": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of codes"),
    "grace_months": (lambda v: _num(v) and v >= 0, "a number ≥ 0"),
    "endoscopy_horizon": (lambda v: _num(v) and 0 < v <= 600, "a month, 0 < month ≤ 600"),
    "labs": (lambda v: isinstance(v, list) and set(PAPER_LABS) <= set(v) <= set(ANALYSED_LABS)
             and len(set(v)) == len(v), "a list of markers with " + ", ".join(PAPER_LABS) + " and any of "
             + ", ".join(x for x in ANALYSED_LABS if x not in PAPER_LABS)),
    "life_table_horizon": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 600,
                           "a whole number of months, 1 to 600"),
    "event_times": (lambda v: isinstance(v, bool), "true or false"),
    "ae_vocabulary": (lambda v: isinstance(v, list) and all(isinstance(x, str) and 0 < len(x) <= 200 for x in v),
                      "a list of terms (at most 200 characters each)"),
}


class IncompatibleSummaries(ValueError):
    """Centre summaries that may not be pooled; ``problems`` lists every one (see :func:`check_summaries`)."""

    def __init__(self, message: str, problems: list | None = None):
        self.problems = list(problems or [])
        super().__init__(message)


@dataclass(frozen=True)
class Problem:
    """One broken rule at one place of one summary."""

    source: str
    table: str | None = None
    row: int | None = None
    field: str | None = None
    rule: str = ""

    def __str__(self) -> str:
        where = self.source
        if self.table:
            where += f", table {self.table}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.rule}"


@dataclass
class ContractReport:
    """Problems (refusals) and notes (what the coordinator accepted, stated in the pooled report)."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the centre summaries; nothing was pooled or written:"
        return "\n".join([head] + [f"  {p}" for p in self.problems])


# ------------------------------------------------------------------------------------------------------------
# Reading and sealing
# ------------------------------------------------------------------------------------------------------------
def content_hash(summary: dict) -> str:
    """sha256 of every field but ``content_sha256`` (and the reader's private ``_source``) as written — floats at
    the written precision (:func:`dttstudy.precision.written_json`) — as canonical JSON. A summary in memory
    and the file written from it have the same hash."""
    body = {k: v for k, v in summary.items() if k != "content_sha256" and not k.startswith("_")}
    text = json.dumps(written_json(body), sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def seal(summary: dict) -> dict:
    """The summary with its ``content_sha256`` (written last)."""
    out = {k: v for k, v in summary.items() if k != "content_sha256"}
    out["content_sha256"] = content_hash(out)
    return out


def centre_code(s: dict) -> str | None:
    """The centre's code: ``centre``, else the file name without extension when it is a code."""
    c = s.get("centre")
    if c is None:
        c = Path(s.get("_source") or "").stem
    return c if isinstance(c, str) and CENTRE_CODE.match(c) else None
