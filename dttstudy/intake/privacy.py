"""Privacy at the door: what a cohort file may not contain.

A cohort identifies patients by study ids and measures time in months since DTT start. Three things are refused
when a file is read, each reported with file, row and column (the offending text is never echoed):

* a column whose name looks like a direct identifier — a name, initials, contact details, an address, a record,
  admission or ID-card number, or a calendar date — in any of the languages of the one table of header words,
  :data:`dttstudy.intake.identifiers.HEADER_WORDS`. ``allow_identifiers=True`` loads anyway; such columns are
  then dropped with a warning;
* an identifier inside a text cell — a calendar date in any of the formats and scripts centres use, an e-mail
  address, a phone number, a national ID or a record number (:data:`dttstudy.intake.identifiers.VALUE_PATTERNS`);
* free text longer than :data:`MAX_TEXT_LENGTH` characters (a term or a centre code is short; a long cell is
  most likely a pasted clinical note).
"""
from __future__ import annotations

import re

from .identifiers import DATE_PATTERNS, has_date, header_identifier_kind, value_identifier_kind  # noqa: F401

#: Longest accepted text cell (centre code, Montreal class, AE term, autoimmune disease, next therapy, codes, ids).
MAX_TEXT_LENGTH = 200


def column_key(name: str) -> str:
    """A column name compared as a person reads it: lower case, outer spaces dropped, spaces/hyphens as '_'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).casefold()


def identifier_kind(name: str) -> str | None:
    """What a column name looks like (``'a name'``, ``'a calendar date'``, …) in any language of
    :data:`dttstudy.intake.identifiers.HEADER_WORDS`, or None if nothing identifying."""
    return header_identifier_kind(name)


def has_calendar_date(text: str) -> bool:
    """Whether a text holds something that reads as a calendar date (see :data:`DATE_PATTERNS`)."""
    return has_date(str(text))


def calendar_dates(texts) -> list[bool]:
    """:func:`has_calendar_date` for many texts."""
    texts = [str(t) for t in texts]
    found = {t: has_calendar_date(t) for t in dict.fromkeys(texts)}  # each value once
    return [found[t] for t in texts]


def identifiers_in_texts(texts, *, id_column: bool = False) -> list[str | None]:
    """For each text the kind of identifier it holds (a calendar date, an e-mail address, a national ID number,
    a phone number, a record number; :data:`dttstudy.intake.identifiers.VALUE_PATTERNS`) or None. In a study-id
    column a record-number shape is allowed (a study id may be a letter and digits)."""
    texts = [str(t) for t in texts]
    kinds = {t: value_identifier_kind(t, id_column=id_column) for t in dict.fromkeys(texts)}  # each value once
    return [kinds[t] for t in texts]
