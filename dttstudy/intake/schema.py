"""The cohort data contract, declared once.

Four tidy tables describe a DTT cohort; time is always *months since DTT start* (decimals allowed).
Every column is declared here with its type, allowed codes or range, and meaning. The loader, the
validator, the data dictionary in ``data/reference/README.md`` and the template files all follow this
declaration; nothing else in the package restates it.
"""
from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..concepts import LABS

if TYPE_CHECKING:  # pandas loads on first use
    import pandas as pd

#: Biologic agents (codes as used in the ``agent_1`` / ``agent_2`` / ``suspected_agent`` columns).
BIOLOGICS = ("IFX", "ADA", "GOL", "CZP", "VDZ", "NTZ", "UST", "RZB", "MIR", "GUS")
#: Oral small molecules.
SMALL_MOLECULES = ("TOF", "UPA", "FIL", "OZA", "ETR")
AGENTS = BIOLOGICS + SMALL_MOLECULES
#: Glossary of the agent codes: generic name and class (mechanism). Brand and other spellings that are read as
#: these codes are in ``dttstudy/intake/data/synonyms.csv``.
AGENT_GLOSSARY = {
    "IFX": ("infliximab", "biologic: anti-TNF monoclonal antibody"),
    "ADA": ("adalimumab", "biologic: anti-TNF monoclonal antibody"),
    "GOL": ("golimumab", "biologic: anti-TNF monoclonal antibody"),
    "CZP": ("certolizumab pegol", "biologic: anti-TNF (PEGylated Fab' fragment)"),
    "VDZ": ("vedolizumab", "biologic: anti-α4β7 integrin (gut-selective)"),
    "NTZ": ("natalizumab", "biologic: anti-α4 integrin"),
    "UST": ("ustekinumab", "biologic: anti-IL-12/23 (p40)"),
    "RZB": ("risankizumab", "biologic: anti-IL-23 (p19)"),
    "MIR": ("mirikizumab", "biologic: anti-IL-23 (p19)"),
    "GUS": ("guselkumab", "biologic: anti-IL-23 (p19)"),
    "TOF": ("tofacitinib", "oral small molecule: JAK inhibitor (pan-JAK)"),
    "UPA": ("upadacitinib", "oral small molecule: JAK1-selective inhibitor"),
    "FIL": ("filgotinib", "oral small molecule: JAK1-selective inhibitor"),
    "OZA": ("ozanimod", "oral small molecule: S1P receptor modulator"),
    "ETR": ("etrasimod", "oral small molecule: S1P receptor modulator"),
}

DISEASES = ("UC", "CD")
#: Scores that belong to one disease only; a value in the other disease's rows is an error.
DISEASE_SCORES = {"CD": ("hbi", "ses_cd"), "UC": ("partial_mayo", "rectal_bleeding", "mes")}

#: Montreal classification: UC extent E1–E3; CD location L1–L3 (optionally +L4, or L4 alone),
#: behaviour B1–B3 and the perianal modifier p, written e.g. ``L3 B2 p`` or ``L1+L4 B1``.
MONTREAL_PATTERN = {"UC": r"E[1-3]", "CD": r"(?:L[1-3](?:\+L4)?|L4) B[1-3](?: p)?"}


@dataclass(frozen=True)
class Column:
    """One column of one cohort table."""

    name: str
    kind: str  # "id", "text", "code", "int", "float", "bool"
    description: str
    unit: str = ""
    required: bool = True  # the column must be present
    nullable: bool = False  # cells may be empty
    codes: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    unique_together: tuple[str, ...] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_names(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


PATIENTS = Table(
    "patients",
    "One row per patient: baseline characteristics before DTT start.",
    (
        Column("patient_id", "id", "Study identifier (never a name or record number).", unique=True),
        Column("center", "text", "Centre code."),
        Column("sex", "code", "Sex.", codes=("F", "M")),
        Column("disease", "code", "Ulcerative colitis or Crohn's disease.", codes=DISEASES),
        Column("age_at_diagnosis", "float", "Age at IBD diagnosis.", "years", min=0, max=100),
        Column("disease_duration", "float", "IBD duration at DTT start.", "years", min=0, max=100),
        Column("followup_before_dtt", "float", "Follow-up at the centre before DTT start.", "months", min=0, max=1200),
        Column("montreal", "text", "Montreal classification (UC: E1–E3; CD: e.g. 'L3 B2 p')."),
        Column("abdominal_surgery", "code", "Prior IBD-related abdominal surgery.",
               codes=("none", "ileal", "ileocolonic", "colonic")),
        Column("perianal_surgery", "bool", "Prior perianal surgery."),
        Column("autoimmune_disease", "text", "Concomitant immune-mediated disease; empty if none.", nullable=True),
        Column("failed_biologics", "int", "Number of biologic agents failed before DTT.", min=0, max=20),
        Column("failed_immunomodulators", "int",
               "Number of immunosuppressants, thalidomide or oral small molecules failed before DTT.", min=0, max=20),
        Column("indication", "code",
               "DTT indication: refractory IBD, active extra-intestinal manifestation, or concurrent "
               "immune-mediated inflammatory disease.", codes=("refractory", "eim", "imid")),
    ),
)

TREATMENTS = Table(
    "treatments",
    "One row per patient: the DTT course.",
    (
        Column("patient_id", "id", "Study identifier.", unique=True),
        Column("agent_1", "code", "First agent of the combination.", codes=AGENTS),
        Column("agent_2", "code", "Second agent of the combination (different from agent_1).", codes=AGENTS),
        Column("dtt_months", "float", "Time on DTT up to stop or data cut-off.", "months", min=0.01, max=600),
        Column("status", "code", "DTT status at data cut-off.", codes=("maintained", "discontinued")),
        Column("stop_reason", "code", "Why DTT stopped; empty when maintained.", nullable=True,
               codes=("adverse_event", "no_response", "de_escalation", "other")),
        Column("next_therapy", "text", "Therapy after DTT (free text); empty when maintained.", nullable=True),
        Column("steroid_at_start", "bool", "Systemic corticosteroid at DTT start."),
        Column("steroid_stop_month", "float", "Month the corticosteroid was stopped; empty when none at start "
               "(or not yet stopped).", "months", nullable=True, min=0, max=600),
    ),
)

VISITS = Table(
    "visits",
    "One row per patient and assessment; month 0 is the baseline.",
    (
        Column("patient_id", "id", "Study identifier."),
        Column("month", "float", "Time of the assessment since DTT start.", "months", min=0, max=600),
        Column("on_dtt", "bool", "Whether the patient was still on DTT at this assessment."),
        Column("hbi", "int", "Harvey–Bradshaw Index (CD only).", "points", nullable=True, min=0, max=100),
        Column("partial_mayo", "int", "Partial Mayo score (UC only).", "points", nullable=True, min=0, max=9),
        Column("rectal_bleeding", "int", "Mayo rectal-bleeding subscore (UC only).", "points",
               nullable=True, min=0, max=3),
        Column("mes", "int", "Mayo endoscopic subscore (UC only).", "points", nullable=True, min=0, max=3),
        Column("ses_cd", "int", "Simple Endoscopic Score for CD (CD only).", "points", nullable=True, min=0, max=56),
        Column("limberg", "int", "Limberg bowel-ultrasound grade.", "grade", nullable=True, min=0, max=4),
        # one column per declared laboratory marker (dttstudy.concepts.LABS); optional markers may be absent
        *(Column(x.name, "float", x.description, x.unit, required=not x.optional, nullable=True, min=x.minimum,
                 max=x.maximum) for x in LABS),
    ),
    unique_together=("patient_id", "month"),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    "One row per adverse event (a patient may have several).",
    (
        Column("patient_id", "id", "Study identifier."),
        Column("term", "text", "Adverse event term."),
        Column("onset_month", "float", "Onset since DTT start.", "months", min=0, max=600),
        Column("suspected_agent", "text", "Agent suspected: one of the patient's two DTT agents, 'both' or "
               "'unknown'."),
        Column("serious", "bool", "Serious AE (hospitalisation, surgery, life-threatening, death)."),
        Column("action", "code", "Action taken with DTT.", codes=("none", "agent_withdrawn", "dtt_stopped")),
        Column("outcome", "code", "Outcome of the event.",
               codes=("resolved", "improved", "ongoing", "resolved_with_sequelae", "fatal", "unknown")),
        Column("severity", "code", "Severity grade (optional column).", required=False, nullable=True,
               codes=("mild", "moderate", "severe")),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (PATIENTS, TREATMENTS, VISITS, ADVERSE_EVENTS)}

#: Column names that suggest direct identifiers; loading refuses them unless explicitly allowed.
IDENTIFIER_PATTERNS = (
    r"name", r"phone", r"mobile", r"e-?mail", r"address", r"street", r"zip", r"postcode", r"postal",
    r"national[_ ]?id", r"\bid[_ ]?card", r"ssn", r"passport", r"insurance[_ ]?(no|number)",
    r"mrn", r"record[_ ]?(no|number|id)", r"medical[_ ]?record", r"hospital[_ ]?(no|number|id)",
    r"birth", r"dob", r"date", r"\bdt\b",
)


def regimen_label(agent_1: str, agent_2: str) -> str:
    """Canonical regimen label: biologics first, then small molecules, alphabetical within class."""
    order = sorted((agent_1, agent_2), key=lambda a: (a in SMALL_MOLECULES, a))
    return "+".join(order)


def regimen_agents(label: str) -> tuple[str, ...]:
    """The agent codes of a regimen label (the inverse of :func:`regimen_label`)."""
    return tuple(label.split("+"))


def regimen_labels(agent_1, agent_2):
    """Vectorised :func:`regimen_label` for two columns of agent codes."""
    import numpy as np

    a1, a2 = np.asarray(agent_1).astype(str), np.asarray(agent_2).astype(str)
    sm1, sm2 = np.isin(a1, SMALL_MOLECULES), np.isin(a2, SMALL_MOLECULES)
    a1_first = (~sm1 & sm2) | ((sm1 == sm2) & (a1 <= a2))
    first, second = np.where(a1_first, a1, a2), np.where(a1_first, a2, a1)
    return np.char.add(np.char.add(first, "+"), second).astype(object)


def data_dictionary() -> "pd.DataFrame":
    """The contract as a tidy table (one row per table × column)."""
    import pandas as pd

    rows = []
    for t in TABLES.values():
        for c in t.columns:
            if c.codes:
                allowed = " / ".join(c.codes)
            elif c.min is not None or c.max is not None:
                allowed = f"{c.min:g} – {c.max:g}"
            elif c.name == "montreal":
                allowed = "UC: E1–E3; CD: L1–L4, B1–B3, p"
            else:
                allowed = ""
            rows.append({
                "table": t.name, "column": c.name, "type": c.kind, "unit": c.unit,
                "required": c.required, "may_be_empty": c.nullable, "allowed": allowed,
                "description": c.description,
            })
    return pd.DataFrame(rows)
