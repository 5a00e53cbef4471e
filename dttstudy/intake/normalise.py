"""Reading a centre's spellings: what is unambiguous is read as the canonical code, and said.

Every normalisation is a *reading*: rule, file, column, the text as written, the code it was read as, how many
cells and the first rows. Readings are printed as NOTE lines by ``dttstudy validate`` and recorded in the
cohort's provenance. Nothing is guessed: a value that is not covered by a rule below stays an error (with a
"did you mean" suggestion when one spelling is close).

Rules (the name is the ``rule`` of a reading):

``spaces``   spaces around a code, study id or Montreal class are dropped (``' UST'`` → ``'UST'``);
``case``     a code written in another case, or with spaces for underscores (``'ust'`` → ``'UST'``,
             ``'no response'`` → ``'no_response'``);
``synonym``  a spelling listed in the synonyms table (``dttstudy/intake/data/synonyms.csv``): drugs by generic, brand
             or biosimilar name in any case (``'Stelara'`` → ``'UST'``), sex (``'Female'``, ``'女'`` → ``'F'``),
             disease (``'Crohn's disease'`` → ``'CD'``);
``montreal`` a Montreal class written compactly or with other separators (``'L3B1p'``, ``'L3, B2'``, ``'l3 b1'``
             → ``'L3 B1 p'``, ``'L3 B2'``, ``'L3 B1'``);
``missing``  a missing-value marker in an optional column (``NA``, ``N/A``, ``n.a.``, ``-``, ``NULL``, ``NaN``,
             listed in the synonyms table) is read as empty.

File-level readings (encoding, delimiter, ``sep=`` line, trailing delimiter, title rows, header and sheet names
in another case) are made while reading the files (:mod:`dttstudy.intake.cohort`) and reported the same way.

Matching of drug, sex and disease spellings ignores case, spaces, hyphens, underscores, dots, apostrophes and
®/™ (``'CT-P13'`` = ``'ct p13'``); the table is checked to map every such key to one code only.
"""
from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import schema as S

SYNONYMS_CSV = Path(__file__).resolve().parent / "data" / "synonyms.csv"
#: Which synonym field applies to which column.
FIELD_OF_COLUMN = {"agent_1": "agent", "agent_2": "agent", "suspected_agent": "agent", "sex": "sex",
                   "disease": "disease"}
#: Allowed values of text columns that are code-like without a fixed code list in the schema.
EXTRA_CODES = {"suspected_agent": S.AGENTS + ("both", "unknown")}
#: Rows listed per reading (the rest are counted).
FIRST_ROWS = 5


@dataclass
class Reading:
    """One normalisation: ``count`` cells of ``column`` in ``file`` written ``from_`` and read as ``to``."""

    rule: str
    file: str
    column: str | None
    from_: str | None
    to: str | None
    count: int = 1
    rows: list[int] = field(default_factory=list)
    text: str | None = None  # message for file-level readings

    @property
    def message(self) -> str:
        if self.text:
            return self.text
        return f"read {_quote(self.from_)} as {_quote(self.to) if self.to is not None else 'empty'}"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "file": self.file, "column": self.column, "from": self.from_, "to": self.to,
                "count": int(self.count), "rows": [int(r) for r in self.rows], "message": self.message}


def _quote(v) -> str:
    return "'" + str(v).replace("'", "\\'") + "'"


def key(text: str) -> str:
    """Matching key of a spelling: case, spaces, hyphens, underscores, dots, apostrophes and ®/™ ignored."""
    return re.sub(r"[\s\-_.'’®™]+", "", str(text).casefold())


@lru_cache(maxsize=1)
def synonyms() -> pd.DataFrame:
    """The synonyms table: ``field``, ``spelling``, ``reads_as``, ``note`` (one row per accepted spelling)."""
    with open(SYNONYMS_CSV, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return pd.DataFrame(rows, columns=["field", "spelling", "reads_as", "note"]).fillna("")


@lru_cache(maxsize=1)
def missing_markers() -> frozenset[str]:
    s = synonyms()
    return frozenset(s.loc[s["field"] == "missing", "spelling"].str.strip().str.casefold())


@lru_cache(maxsize=None)
def lookup(column: str) -> dict[str, str]:
    """Key → canonical code for one column: the codes themselves plus the synonyms of its field."""
    codes = _codes(column)
    out = {key(c): c for c in codes}
    fld = FIELD_OF_COLUMN.get(column)
    if fld:
        s = synonyms()
        for sp, to in s.loc[s["field"] == fld, ["spelling", "reads_as"]].itertuples(index=False):
            if to in codes:
                out.setdefault(key(sp), to)
    return out


def ambiguous_keys() -> list[tuple[str, str, list[str]]]:
    """(field, key, codes) for every key of the synonyms table that would read as more than one code."""
    s = synonyms()
    s = s[s["field"] != "missing"].assign(k=lambda d: d["spelling"].map(key))
    out = []
    for (fld, k), g in s.groupby(["field", "k"]):
        codes = sorted(set(g["reads_as"]))
        if len(codes) > 1:
            out.append((fld, k, codes))
    return out


def _codes(column: str) -> tuple[str, ...]:
    if column in EXTRA_CODES:
        return EXTRA_CODES[column]
    for t in S.TABLES.values():
        if column in t.column_names:
            return t.column(column).codes or ()
    return ()


def suggest(column: str, value) -> str | None:
    """A close spelling for a value that was not read (for "did you mean"), or None."""
    table = lookup(column)
    if not table or not isinstance(value, str) or not value.strip():
        return None
    k = key(value)
    hit = difflib.get_close_matches(k, list(table), n=1, cutoff=0.8)
    # short spellings are suggested only as a prefix ('UCC' → 'UC'), never by chance ('NA' is not 'man')
    if not hit or (len(k) < 5 and not (k.startswith(hit[0]) or hit[0].startswith(k))):
        return None
    code = table[hit[0]]
    s = synonyms()
    names = s.loc[(s["reads_as"] == code) & (s["note"] == "generic name"), "spelling"]
    return f"{code} ({names.iloc[0]})" if len(names) else code


_COMPACT_CD = re.compile(r"(L[1-3])(?:\+?(L4))?(B[1-3])(P)?|(L4)(B[1-3])(P)?")


def read_montreal(text: str) -> str | None:
    """The canonical Montreal class for a spelling, or None if it is not one (disease is checked later)."""
    c = re.sub(r"[\s,;/]+", "", text.upper())
    if re.fullmatch(r"E[1-3]", c):
        return c
    m = _COMPACT_CD.fullmatch(c)
    if not m:
        return None
    if m.group(1):
        loc = m.group(1) + ("+L4" if m.group(2) else "")
        beh, p = m.group(3), m.group(4)
    else:
        loc, beh, p = m.group(5), m.group(6), m.group(7)
    return f"{loc} {beh}" + (" p" if p else "")


def read_value(value, column: S.Column) -> tuple[object, str | None]:
    """How one distinct cell text is read: (value, rule) — rule None when it is kept as written."""
    if not isinstance(value, str):
        return value, None
    t = value.strip()
    if column.nullable and t.casefold() in missing_markers():
        return None, "missing"
    if not t:
        return value, None
    if column.kind == "id":
        return (t, "spaces") if t != value else (value, None)
    if column.name == "montreal":
        m = read_montreal(t)
        if m is None:
            return value, None
        if m == t:
            return (t, "spaces") if t != value else (value, None)
        return m, "montreal"
    codes = _codes(column.name)
    if not codes:
        return value, None
    if t in codes:
        return (t, "spaces") if t != value else (value, None)
    hit = lookup(column.name).get(key(t))
    if hit is None:
        return value, None
    return hit, ("case" if key(hit) == key(t) else "synonym")


def normalise_column(s: pd.Series, column: S.Column, file: str) -> tuple[pd.Series, list[Reading]]:
    """Read one column's spellings; each distinct text is looked at once (fast on a million rows)."""
    if s.dtype != object:
        return s, []
    uniq = s.dropna().unique()
    codes = set(_codes(column.name))
    if column.kind == "id" or codes:  # most cells are already as declared: look only at the others
        missing = missing_markers() if column.nullable else frozenset()
        uniq = [u for u in uniq if u not in codes and (not isinstance(u, str) or codes or u != u.strip()
                                                       or u.strip().casefold() in missing)]
    elif column.name != "montreal" and not column.nullable:
        return s, []
    mapping: dict = {}
    rules: dict = {}
    for u in uniq:
        new, rule = read_value(u, column)
        if rule is not None:
            mapping[u], rules[u] = new, rule
    if not mapping:
        return s, []
    mask = s.isin(list(mapping)).to_numpy()
    sub = s[mask]
    out = s.copy()
    out[mask] = sub.map(mapping).to_numpy()
    counts = sub.value_counts(sort=False)
    firsts = sub.groupby(sub, sort=False).head(FIRST_ROWS)
    rows: dict = {}
    for i, v in zip(firsts.index, firsts.to_numpy()):
        rows.setdefault(v, []).append(int(i) + 2)
    readings = [Reading(rules[u], file, column.name, u, mapping[u], int(counts[u]), rows.get(u, []))
                for u in mapping]
    readings.sort(key=lambda r: r.rows[0] if r.rows else 0)
    return out, readings


def normalise_table(raw: pd.DataFrame, table: S.Table, file: str) -> tuple[pd.DataFrame, list[Reading]]:
    """Read every declared column of one table (see the rules in the module docstring)."""
    out, readings = raw, []
    for col in table.columns:
        if col.name not in raw.columns or col.kind == "bool":
            continue
        if col.kind in ("int", "float") and not col.nullable:
            continue
        new, r = normalise_column(raw[col.name], col, file)
        if r:
            if out is raw:
                out = raw.copy()
            out[col.name] = new
            readings += r
    return out, readings


def table_markdown() -> str:
    """The synonyms table as Markdown: one line per code, every accepted spelling (for the data dictionary)."""
    s = synonyms()
    out = ["| column | code | also read as |", "|---|---|---|"]
    for fld, cols in (("agent", "`agent_1`, `agent_2`, `suspected_agent`"), ("sex", "`sex`"),
                      ("disease", "`disease`")):
        g = s[s["field"] == fld]
        for code, h in g.groupby("reads_as", sort=False):
            out.append(f"| {cols} | `{code}` | " + ", ".join(h["spelling"]) + " |")
    miss = s.loc[s["field"] == "missing", "spelling"]
    out.append("| any optional column | empty | " + ", ".join(f"`{m}`" for m in miss) + " |")
    return "\n".join(out)
