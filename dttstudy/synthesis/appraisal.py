"""The appraisal rules of the review, declared once: the ten items of the JBI checklist for case series (answered
per study in ``data/published/risk_of_bias.csv``, summarised by :mod:`dttstudy.synthesis.review`) and the
thresholds of GRADE's rating-down rules (applied by :mod:`dttstudy.synthesis.certainty`, which explains each).

Declarations only: the journal tables read them without loading the pooling models.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Item", "JBI_ITEMS", "GradeRules"]


@dataclass(frozen=True)
class Item:
    number: int
    label: str
    question: str


#: The JBI Critical Appraisal Checklist for Case Series, its ten items.
JBI_ITEMS: tuple[Item, ...] = (
    Item(1, "Inclusion criteria", "Were there clear criteria for inclusion in the case series?"),
    Item(2, "Condition measured", "Was the condition measured in a standard, reliable way for all participants "
                                  "included?"),
    Item(3, "Condition identified", "Were valid methods used for identification of the condition for all "
                                    "participants included?"),
    Item(4, "Consecutive inclusion", "Did the case series have consecutive inclusion of participants?"),
    Item(5, "Complete inclusion", "Did the case series have complete inclusion of participants?"),
    Item(6, "Demographics", "Was there clear reporting of the demographics of the participants in the study?"),
    Item(7, "Clinical information", "Was there clear reporting of clinical information of the participants?"),
    Item(8, "Outcomes reported", "Were the outcomes or follow-up results of cases clearly reported?"),
    Item(9, "Site information", "Was there clear reporting of the presenting site(s)/clinic(s) demographic "
                                "information?"),
    Item(10, "Statistics", "Was statistical analysis appropriate?"),
)


@dataclass(frozen=True)
class GradeRules:
    """Thresholds of the rating-down rules (see the module docstring)."""

    rob_share: float = 0.5
    spread_width: float = 40.0
    timepoint_span: float = 6.0
    ci_width: float = 30.0
    min_patients: int = 100
