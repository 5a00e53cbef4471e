"""The study's concepts, declared once: the laboratory markers and the timepoint endpoints.

Every list, unit, label, reference limit and vocabulary that names a lab or an endpoint is read from here: the data
contract (:mod:`dttstudy.intake.schema`), the analyses, the centre summary and its contract, the pooled result,
the label dictionary, the tables, the figures and the notebooks' loops. Adding a marker is one :class:`Lab` entry
in :data:`LABS` (and, for synthetic cohorts, its distribution in :mod:`dttstudy.intake.synth`); nothing else
changes. No heavy imports here: the command line and the data contract read this module before pandas loads.

>>> lab("calprotectin").header
'Faecal calprotectin, µg/g'
>>> [x.name for x in LABS if x.paper]
['crp', 'albumin']
>>> endpoint("clinical_remission").label
'Clinical remission'
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Lab:
    """A laboratory marker recorded at visits (a column of the ``visits`` table).

    ``limit`` is the reference limit drawn in figures (``limit_kind`` "upper": upper limit of normal, values above
    it are abnormal; "lower": lower limit of normal). ``improves`` is the direction of improvement ("down" for
    inflammatory markers, "up" for albumin and haemoglobin). ``decimals`` is the precision of a single value in
    per-patient tables. ``paper``: reported by Wang et al. 2025 (always analysed, column required in the data);
    ``optional``: the column may be absent, and the marker is analysed only where a centre records it.
    ``analysed``: shown in the labs tables, figures and centre summaries (haematocrit is recorded, not analysed).
    """

    name: str
    label: str
    long_name: str
    unit: str
    minimum: float
    maximum: float
    decimals: int = 1
    limit: float | None = None
    limit_kind: str = ""  # "upper" or "lower"
    improves: str = "down"  # "down" or "up"
    paper: bool = False
    optional: bool = False
    analysed: bool = True
    #: the analysis parameter that overrides ``limit`` (CRP's ``crp_uln``), if any
    limit_parameter: str = ""

    @property
    def header(self) -> str:
        """Column header with unit, as tables print it ("CRP, mg/L")."""
        return f"{self.label}, {self.unit}"

    @property
    def limit_text(self) -> str:
        """'upper limit of normal' / 'lower limit of normal' ('' without a limit)."""
        return {"upper": "upper limit of normal", "lower": "lower limit of normal"}.get(self.limit_kind, "")

    @property
    def limit_short(self) -> str:
        return {"upper": "ULN", "lower": "LLN"}.get(self.limit_kind, "")

    @property
    def description(self) -> str:
        """The data dictionary's description."""
        return self.long_name + "." + (" Optional column: analysed when recorded." if self.optional else "")


#: The laboratory markers, in the order tables show them. The paper's two first.
LABS: tuple[Lab, ...] = (
    Lab("crp", "CRP", "C-reactive protein", "mg/L", 0, 1000, decimals=2, limit=5.0, limit_kind="upper",
        paper=True, limit_parameter="crp_uln"),
    Lab("albumin", "Albumin", "Serum albumin", "g/L", 10, 60, limit=35.0, limit_kind="lower", improves="up",
        paper=True),
    Lab("hematocrit", "Haematocrit", "Hematocrit", "%", 10, 70, improves="up", analysed=False),
    Lab("calprotectin", "Faecal calprotectin", "Faecal calprotectin", "µg/g", 0, 6000, decimals=0, limit=250.0,
        limit_kind="upper", optional=True),
    Lab("haemoglobin", "Haemoglobin", "Haemoglobin", "g/L", 30, 220, decimals=0, limit=120.0, limit_kind="lower",
        improves="up", optional=True),
)
LAB_BY_NAME = {x.name: x for x in LABS}
#: Each marker's place in the declaration: tables and titles list markers in this order.
LAB_ORDER = {x.name: i for i, x in enumerate(LABS)}
#: Markers reported by the paper (analysed for every cohort).
PAPER_LABS = tuple(x.name for x in LABS if x.paper)
#: Markers the labs tables, figures and centre summaries can show.
ANALYSED_LABS = tuple(x.name for x in LABS if x.analysed)


def lab(name: str) -> Lab:
    """The declared marker ``name`` (KeyError naming the declared ones otherwise)."""
    try:
        return LAB_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown laboratory marker {name!r}; declared: {', '.join(LAB_BY_NAME)}") from None


def labs_recorded(columns: Iterable[str], has_values=None) -> tuple[str, ...]:
    """The analysed markers of a cohort: the paper's, and each optional marker whose column is present and (when
    ``has_values`` is given, a callable ``name -> bool``) holds at least one value.

    >>> labs_recorded(["crp", "albumin", "haemoglobin"])
    ('crp', 'albumin', 'haemoglobin')
    >>> labs_recorded(["crp", "albumin", "haemoglobin"], has_values=lambda name: False)
    ('crp', 'albumin')
    """
    cols = set(columns)
    return tuple(x.name for x in LABS if x.analysed and (
        x.paper or (x.name in cols and (has_values is None or has_values(x.name)))))


def labs_title(names: Iterable[str]) -> str:
    """'CRP and albumin', 'CRP, albumin and haemoglobin': the markers as a title names them, in their declared
    order ('Laboratory values' for none).

    >>> labs_title(["albumin", "calprotectin", "crp"])
    'CRP, albumin and faecal calprotectin'
    """
    names = sorted(dict.fromkeys(names), key=lambda n: LAB_ORDER.get(n, len(LAB_ORDER)))
    words = [lab(n).label if lab(n).label.isupper() else lab(n).label.lower() for n in names]
    if not words:
        return "Laboratory values"
    words[0] = words[0][0].upper() + words[0][1:]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Endpoint:
    """An efficacy endpoint assessed at a timepoint (or, with ``kind="horizon"``, over a follow-up horizon).

    ``rule`` names the function of :mod:`dttstudy.analysis.outcomes` that derives it from raw scores;
    ``parameters`` the analysis parameters that function takes (``definition``, ``crp_uln``); ``windows`` says
    whether the visit windows of the timepoints apply (``"visit"``) or the last endoscopy up to the horizon
    (``"horizon"``); ``flow``: a patient-flow diagram can follow it; ``paper``: reported by Wang et al. 2025.
    """

    name: str
    label: str
    definition: str
    rule: str
    kind: str = "timepoint"  # "timepoint" or "horizon"
    windows: str = "visit"  # "visit" or "horizon"
    parameters: tuple[str, ...] = ()
    flow: bool = False
    paper: bool = True

    @property
    def lower(self) -> str:
        """The label inside a sentence ('clinical response')."""
        return self.label[0].lower() + self.label[1:]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("clinical_response", "Clinical response",
             "CD: HBI drop >= 3 (HBI <= 4: CRP normalised or Limberg drop >= 2); UC: partial Mayo drop >= 3 and "
             ">= 30% with rectal bleeding drop >= 1 or <= 1", "clinical_response",
             parameters=("definition", "crp_uln"), flow=True),
    Endpoint("clinical_remission", "Clinical remission",
             "CD: HBI <= 4; UC: partial Mayo <= 2 (not a published outcome of Wang 2025)", "clinical_remission",
             flow=True, paper=False),
    Endpoint("endoscopic_response", "Endoscopic response",
             "CD: SES-CD drop > 50%; UC: Mayo endoscopic subscore drop >= 1", "endoscopic_response",
             kind="horizon", windows="horizon"),
)
ENDPOINT_BY_NAME = {e.name: e for e in ENDPOINTS}
#: The outcomes the literature comparison pools, with their labels: every endpoint, and the outcomes only the
#: published cohorts report (this cohort's adverse events come from its events, not from an endpoint rule).
LITERATURE_OUTCOMES = {**{e.name: e.label for e in ENDPOINTS}, "endoscopic_remission": "Endoscopic remission",
                       "any_ae": "Any adverse event", "serious_ae": "Serious adverse event"}
ENDPOINT_NAMES = tuple(ENDPOINT_BY_NAME)


def endpoint(name: str) -> Endpoint:
    """The declared endpoint ``name`` (KeyError naming the declared ones otherwise)."""
    try:
        return ENDPOINT_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown endpoint {name!r}; declared: {', '.join(ENDPOINT_BY_NAME)}") from None
