"""Privacy at the door: what a cohort file may not contain.

A cohort identifies patients by study ids and measures time in months since DTT start. Three things are refused
when a file is read, each reported with file, row and column (the offending text is never echoed):

* a column whose name looks like a direct identifier — a name, initials, contact details, an address, a record,
  admission or ID-card number, or a calendar date — in English or Chinese (and a few other languages centres
  use). ``allow_identifiers=True`` loads anyway; such columns are then dropped with a warning;
* a calendar date inside a free-text cell (``2023-03-14``, ``14/03/2023``, ``2023年3月14日``, ``March 2023``,
  ``14 Mar 2023``, ``2023-03``);
* free text longer than :data:`MAX_TEXT_LENGTH` characters (a term or a centre code is short; a long cell is
  most likely a pasted clinical note).
"""
from __future__ import annotations

import re

#: Longest accepted text cell (centre code, Montreal class, AE term, autoimmune disease, next therapy, codes, ids).
MAX_TEXT_LENGTH = 200

# Column names are compared in lower case with spaces and hyphens read as underscores.
_TOKEN = r"(?:^|_){}(?:_|$)"
IDENTIFIER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a name", r"name|surname|姓名|名字|拼音|nombre|apellido|" + _TOKEN.format("nom") + "|" + _TOKEN.format("nome")),
    ("initials", r"initials|^initial$|缩写|首字母"),
    ("contact details", r"phone|mobile|" + _TOKEN.format(r"tel(?:ephone|efon|efono)?(?:_?(?:no|number))?")
     + r"|e_?mail|邮箱|邮件|电话|手机|联系|微信|wechat|" + _TOKEN.format("fax")),
    ("an address", r"address|adresse|direcci[oó]n|street|" + _TOKEN.format("zip") + r"|post_?code|postal|住址|地址"),
    ("a record or ID number",
     r"mrn|" + _TOKEN.format("ssn") + r"|passport|national_?id|id_?card|identity|身份证|证件|"
     r"insurance_?(?:no|number|id)|医保|record_?(?:no|nr|number|num|id)|medical_?record|"
     r"(?:hospital|admission|inpatient|outpatient|case|chart|visit)_?(?:no|nr|number|num|id)\b|"
     r"住院号|病案号|门诊号|病历号|就诊号|登记号|床号"),
    ("a calendar date", r"date|birth|" + _TOKEN.format("dob") + "|" + _TOKEN.format("dt") + r"|datetime|timestamp|"
     r"[a-z]ed_on$|admitted|discharged|出生|生日|日期|年月日|入院|出院|fecha|datum|geburt"),
)
_IDENTIFIER_RE = tuple((what, re.compile(p)) for what, p in IDENTIFIER_PATTERNS)


def column_key(name: str) -> str:
    """A column name compared as a person reads it: lower case, outer spaces dropped, spaces/hyphens as '_'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).casefold()


def identifier_kind(name: str) -> str | None:
    """What a column name looks like (``'a name'``, ``'a calendar date'``, …) or None if nothing identifying."""
    key = column_key(name)
    for what, rx in _IDENTIFIER_RE:
        if rx.search(key):
            return what
    return None


_YEAR = r"(?:19|20)\d\d"
_MONTH_NAME = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
               r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MM, _DD = r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
DATE_PATTERNS = (
    rf"(?<!\d){_YEAR}[-/.]{_MM}[-/.]{_DD}(?!\d)",                      # 2023-03-14, 2023/3/14
    rf"(?<!\d){_DD}[-/.]{_DD}[-/.]{_YEAR}(?!\d)",                       # 14/03/2023, 3.14.2023
    rf"(?<![0-9A-Za-z]){_YEAR}[-/.](?:0[1-9]|1[0-2])(?![\d/.-])",       # 2023-03 (not inside a code: P2023-01)
    rf"{_YEAR}\s*年\s*\d{{1,2}}\s*月",                                   # 2023年3月(14日)
    r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号]",                          # 3月14日
    rf"\b{_MONTH_NAME}\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?{_YEAR}\b",  # March 2023, Mar 14, 2023
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?[\s-]+{_MONTH_NAME}\.?,?[\s-]+{_YEAR}\b",  # 14 March 2023, 14-Mar-2023
    rf"\b{_YEAR}[\s-]+{_MONTH_NAME}\b",                                 # 2023 March
)
DATE_RE = re.compile("|".join(f"(?:{p})" for p in DATE_PATTERNS), flags=re.IGNORECASE)


# every pattern above holds a year or 月: a cheap first look that rules out most texts (ids, codes, terms)
_DATE_HINT = re.compile(r"(?:19|20)\d\d|月")


def has_calendar_date(text: str) -> bool:
    """Whether a text holds something that reads as a calendar date (see :data:`DATE_PATTERNS`)."""
    text = str(text)
    return bool(_DATE_HINT.search(text)) and bool(DATE_RE.search(text))


def calendar_dates(texts) -> list[bool]:
    """:func:`has_calendar_date` for many texts."""
    hint, full = _DATE_HINT.search, DATE_RE.search
    return [bool(hint(t)) and bool(full(t)) for t in map(str, texts)]
