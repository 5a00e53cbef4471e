"""Every table the notebooks save is declared once (dttstudy.reporting.table_specs), and each declared table of
the committed reference report keeps its promise: it exists (or its notebook makes it only for another cohort),
it carries its promised columns, its title is the declared one unless its notebook words it from the data, and
it is in the report exactly when declared so."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dttstudy.reporting import report
from dttstudy.reporting.table_specs import TABLES, UNITS, spec

ROOT = Path(__file__).resolve().parent.parent
TABLES_DIR = ROOT / "reports" / "tables"
#: Made only for a cohort other than the reference one, or titled from the data or the parameters.
CONDITIONAL = {"beside_wang2025"}
WORDED = {"lab_change_summary", "lab_change_per_patient", "literature_sensitivity", "multicentre_clinical_response",
          "multicentre_withheld_cells", "multicentre_withheld_summary", "multicentre_demo_clinical_response",
          "literature_subgroups"}


def _saved_names() -> set[str]:
    names = set()
    for nb in (ROOT / "notebooks").glob("0*.py"):
        text = nb.read_text()
        for call in re.finditer(r"report\.(?:save_)?table\(", text):
            head = text[call.end():text.index("p.output_dir", call.end())]
            names |= set(re.findall(r'"([a-z0-9_]+)",\s*$', head)) | ({"forest_"} if "f.name" in head else set())
    return names


def test_every_saved_table_is_declared():
    names = _saved_names()
    assert len(names) > 30
    assert not [n for n in names if spec(n) is None]
    assert all(t.unit in UNITS for t in TABLES)


@pytest.mark.parametrize("t", [t for t in TABLES if t.name not in CONDITIONAL], ids=lambda t: t.name)
def test_the_reference_report_keeps_each_promise(t):
    with open(TABLES_DIR / f"{t.name}.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert set(t.columns) <= set(header)
    meta = json.loads((TABLES_DIR / f"{t.name}.json").read_text(encoding="utf-8"))
    assert meta["in_report"] is t.in_report
    if t.name not in WORDED:
        assert meta["title"] == t.title


def test_a_table_without_a_promised_column_is_refused(tmp_path):
    with pytest.raises(ValueError, match="table1_baseline: the tidy table lacks the promised column.s. statistic"):
        report.save_table(pd.DataFrame({"variable": [], "level": []}), "table1_baseline", tmp_path)
    assert not (tmp_path / "tables" / "table1_baseline.csv").exists()


def test_listings_are_cut_and_summaries_never():
    from dttstudy.reporting.display import build_display

    long = pd.DataFrame({"patient_id": [f"P{i}" for i in range(30)], "disease": "UC", "regimen": "UST+VDZ"})
    assert len(build_display("tte_first_ae", long, max_rows=10).rows) <= 10     # a patient listing
    rules = pd.DataFrame({"rule": [f"R{i}" for i in range(30)], "input": "x", "input_value": "y"})
    assert len(build_display("literature_coding_rules", rules, max_rows=10).rows) >= 30  # a summary
