"""Rendering is escaped correctly and byte-for-byte deterministic."""
from __future__ import annotations

import hashlib

import pandas as pd

from dttstudy.reporting.render import to_html, to_latex, to_markdown, write_tables

DF = pd.DataFrame({"a|b": ["x|y", "50%"], "n": [1.5, float("nan")]})


def test_markdown_escapes_pipes_and_blanks_missing():
    md = to_markdown(DF, "T")
    assert "| a\\|b | n |" in md and "| x\\|y | 1.5 |" in md and "| 50% |  |" in md


def test_latex_escapes_specials():
    tex = to_latex(DF)
    assert r"50\%" in tex and r"a|b" in tex and r"\toprule" in tex


def test_html_has_a_fixed_id_and_escapes():
    h = to_html(pd.DataFrame({"x": ["<b>"]}), table_id="t1")
    assert 'id="t1"' in h and "&lt;b&gt;" in h


def test_written_files_are_identical_across_runs(tmp_path):
    tables = {"one": DF, "two": pd.DataFrame({"v": [1, 2, 3]})}
    a = write_tables(tables, tmp_path / "a")
    b = write_tables(tables, tmp_path / "b")
    digest = lambda fs: [hashlib.sha256(f.read_bytes()).hexdigest() for f in fs]  # noqa: E731
    assert [f.name for f in a] == [f.name for f in b]
    assert digest(a) == digest(b)
    back = pd.read_excel(tmp_path / "a" / "tables.xlsx", sheet_name=None)
    assert set(back) == {"one", "two"}
