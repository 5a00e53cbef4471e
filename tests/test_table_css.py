"""Every table's CSS is scoped to its table: no rule of a table page or of report.html restyles another output
(a JupyterLab notebook shows many tables and outputs on one page). Swept over every table the report wrote."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "reports" / "tables").glob("*.html"))


def _selectors(css: str):
    """Top-level selectors of a stylesheet (inside @media too; @page and @font-face skipped)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@(?:page|font-face|import)[^{;]*(?:\{[^{}]*\}|;)", "", css)  # page and font rules
    css = re.sub(r"@media[^{]*\{", "", css)  # the rules inside @media are checked like the others
    for m in re.finditer(r"([^{}@;]+)\{[^{}]*\}", css):
        for sel in m.group(1).split(","):
            if sel.strip():
                yield sel.strip()


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_table_css_touches_only_its_table(page):
    text = page.read_text(encoding="utf-8")
    table_id = re.search(r'<div id="(dtt-[^"]+)"', text).group(1)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S)[1:] or
                  re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S))
    loose = [s for s in _selectors(css) if f"#{table_id}" not in s and not s.startswith(("body", "from", "to"))
             and "%" not in s]
    assert not loose, f"{page.name}: unscoped selector(s) {loose[:5]}"


def test_the_scoping_can_fail():
    css = "#dtt-x thead, tbody { border: 0 } tr { color: red }"
    assert [s for s in _selectors(css) if "#dtt-x" not in s] == ["tbody", "tr"]
