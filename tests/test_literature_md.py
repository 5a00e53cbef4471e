"""`literature.md` says what the data say: every coding it states for a study (`column=value`) is the value the
study's rows carry, and no study it calls "not added" has rows."""
from __future__ import annotations

import re
import unicodedata

import pytest

from dttstudy.synthesis.literature import load_literature

from conftest import ROOT

MD = (ROOT / "data" / "published" / "literature.md").read_text(encoding="utf-8")
LIT = load_literature()
TOKEN = re.compile(r"`([a-z_]+)=([A-Za-z0-9_]+)`")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _study_of(name_year: str) -> str | None:
    """'Sands 2007' -> 'sands2007' when the file holds that study."""
    m = re.fullmatch(r"\s*([A-Za-zÀ-ž' -]+?)\s+(\d{4})\s*", name_year)
    if not m:
        return None
    sid = _plain(m.group(1)).replace(" ", "").replace("-", "").replace("'", "") + m.group(2)
    return sid if sid in set(LIT["study_id"]) else None


def _claims():
    """(study ids, column, value, where) for every `column=value` the file states about named studies."""
    out = []
    for sec in re.split(r"\n(?=### )", MD):
        head = sec.splitlines()[0]
        if not head.startswith("### "):
            continue
        ids = [s for s in re.findall(r"[a-z]+\d{4}", head.split("—")[0]) if s in set(LIT["study_id"])]
        for col, val in TOKEN.findall(sec):
            if ids and col in LIT.columns:
                out.append((tuple(ids), col, val, head[:60]))
    for line in MD.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and " vs " not in cells[1]:
            sid = _study_of(cells[1])
            if sid:
                for col, val in TOKEN.findall(line):
                    if col in LIT.columns:
                        out.append(((sid,), col, val, cells[1]))
    return out


CLAIMS = _claims()


def test_the_file_states_codings():
    assert len(CLAIMS) >= 12  # the sweep sees the sections and the decision table


@pytest.mark.parametrize("ids,col,val,where", CLAIMS, ids=[f"{c[3]}:{c[1]}={c[2]}" for c in CLAIMS])
def test_every_stated_coding_is_the_data(ids, col, val, where):
    for sid in ids:
        have = {str(v).lower() for v in LIT.loc[LIT["study_id"] == sid, col]}
        assert val.lower() in have, f"literature.md ({where}) says {col}={val} for {sid}; the rows have {have}"


def test_no_study_with_rows_is_called_not_added():
    for m in re.finditer(r"Not added[^.]*\.", MD):
        for name, year in re.findall(r"([A-Z][a-zø\-]+) (\d{4})", m.group(0)):
            assert _study_of(f"{name} {year}") is None, f"'{m.group(0)[:80]}…' names {name} {year}, which has rows"
