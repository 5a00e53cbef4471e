"""Writes the bad-input corpus: one folder per malformed cohort, each a few lines, with ``expected.json``
(exit code and the file / row / column / words the report must contain). Run from the project root:

    .venv/bin/python tests/bad_inputs/make_corpus.py
"""
from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import MINIMAL, add_column, add_row, drop_column, setcell, write_cohort  # noqa: E402

# name: (mutation of the minimal tables, expected exit code, file, row, column, words in the message)
CASES = {
    "missing_required_column": (drop_column("visits", "on_dtt"), 1, "visits.csv", 1, "on_dtt", "required column"),
    "unknown_column_warns": (add_column("patients", "smoking", "yes"), 0, "patients.csv", 1, "smoking",
                             "unknown column"),
    "text_in_score": (setcell("visits", 0, "partial_mayo", "seven"), 1, "visits.csv", 2, "partial_mayo",
                      "must be a number"),
    "text_in_crp": (setcell("visits", 2, "crp", "<5"), 1, "visits.csv", 4, "crp", "must be a number"),
    "negative_hbi": (setcell("visits", 2, "hbi", "-2"), 1, "visits.csv", 4, "hbi", "between 0"),
    "partial_mayo_out_of_range": (setcell("visits", 1, "partial_mayo", "11"), 1, "visits.csv", 3, "partial_mayo",
                                  "between 0 and 9"),
    "mes_out_of_range": (setcell("visits", 0, "mes", "5"), 1, "visits.csv", 2, "mes", "between 0 and 3"),
    "negative_crp": (setcell("visits", 1, "crp", "-1"), 1, "visits.csv", 3, "crp", "between 0"),
    "albumin_in_g_per_dl": (setcell("visits", 0, "albumin", "3.8"), 1, "visits.csv", 2, "albumin",
                            "between 10 and 60"),
    "disease_lower_case_with_space": (setcell("patients", 0, "disease", "uc "), 1, "patients.csv", 2, "disease",
                                      "did you mean 'UC'"),
    "agent_mixed_case": (setcell("treatments", 0, "agent_1", "Ust"), 1, "treatments.csv", 2, "agent_1",
                         "did you mean 'UST'"),
    "sex_spelled_out": (setcell("patients", 1, "sex", "male"), 1, "patients.csv", 3, "sex", "must be one of"),
    "boolean_spelled_oddly": (setcell("treatments", 0, "steroid_at_start", "perhaps"), 1, "treatments.csv", 2,
                              "steroid_at_start", "true or false"),
    "duplicate_patient_id": (add_row("patients"), 1, "patients.csv", 4, "patient_id", "duplicate"),
    "duplicate_patient_month": (add_row("visits"), 1, "visits.csv", 6, "patient_id+month", "duplicate"),
    "orphan_visit": (add_row("visits", patient_id="Z9"), 1, "visits.csv", 6, "patient_id", "unknown patient"),
    "orphan_adverse_event": (add_row("adverse_events", patient_id="Z9"), 1, "adverse_events.csv", 3, "patient_id",
                             "unknown patient"),
    "patient_without_treatment": (lambda t: t["treatments"].pop(0), 1, "patients.csv", 2, "patient_id",
                                  "no row in treatments"),
    "patient_without_baseline": (setcell("visits", 0, "month", "0.25"), 1, "patients.csv", 2, "patient_id",
                                 "no month-0"),
    "hbi_for_uc_patient": (setcell("visits", 1, "hbi", "4"), 1, "visits.csv", 3, "hbi", "CD score"),
    "mayo_for_cd_patient": (setcell("visits", 3, "partial_mayo", "2"), 1, "visits.csv", 5, "partial_mayo",
                            "UC score"),
    "ae_onset_before_start": (setcell("adverse_events", 0, "onset_month", "-1"), 1, "adverse_events.csv", 2,
                              "onset_month", "between 0"),
    "ae_onset_after_follow_up": (setcell("adverse_events", 0, "onset_month", "30"), 1, "adverse_events.csv", 2,
                                 "onset_month", "after the last follow-up"),
    "discontinued_without_reason": (setcell("treatments", 1, "stop_reason", ""), 1, "treatments.csv", 3,
                                    "stop_reason", "needs a stop_reason"),
    "maintained_with_reason": (setcell("treatments", 0, "stop_reason", "no_response"), 1, "treatments.csv", 2,
                               "stop_reason", "must be empty"),
    "same_agent_twice": (setcell("treatments", 1, "agent_2", "VDZ"), 1, "treatments.csv", 3, "agent_2",
                         "must differ"),
    "visit_before_month_0": (setcell("visits", 3, "month", "-3"), 1, "visits.csv", 5, "month", "between 0"),
    "name_column": (add_column("patients", "full_name", "x"), 1, "patients.csv", 1, "full_name",
                    "direct identifier"),
    "date_of_birth_column": (add_column("patients", "date_of_birth", "1990-01-01"), 1, "patients.csv", 1,
                             "date_of_birth", "direct identifier"),
    "medical_record_number_column": (add_column("treatments", "MRN", "123"), 1, "treatments.csv", 1, "MRN",
                                     "direct identifier"),
    "wrong_montreal": (setcell("patients", 1, "montreal", "E2"), 1, "patients.csv", 3, "montreal", "Montreal"),
}


def main():
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    for name, (mutate, code, file, row, column, words) in CASES.items():
        t = copy.deepcopy(MINIMAL)
        mutate(t)
        folder = write_cohort(HERE / name, t)
        expected = {"exit": code, "file": file, "row": row, "column": column, "words": words}
        (folder / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    def special(name, code, file, row, column, words, edit):
        folder = write_cohort(HERE / name, copy.deepcopy(MINIMAL))
        edit(folder)
        (folder / "expected.json").write_text(json.dumps(
            {"exit": code, "file": file, "row": row, "column": column, "words": words}, indent=1) + "\n")

    special("missing_file", 1, "visits.csv", None, None, "file missing", lambda f: (f / "visits.csv").unlink())
    special("empty_file", 1, "treatments.csv", None, None, "empty", lambda f: (f / "treatments.csv").write_text(""))
    special("header_only_adverse_events_is_fine", 0, None, None, None, "valid",
            lambda f: (f / "adverse_events.csv").write_text(
                (f / "adverse_events.csv").read_text().splitlines()[0] + "\n"))

    def semicolon(f):
        text = (f / "visits.csv").read_text()
        rows = [line.split(",") for line in text.splitlines()]
        (f / "visits.csv").write_text("\n".join(";".join(c.replace(".", ",") for c in r) for r in rows) + "\n")
    special("semicolon_decimal_comma", 1, "visits.csv", 1, None, "semicolon-delimited", semicolon)

    def bom(f):
        p = f / "patients.csv"
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    special("utf8_bom_is_read", 0, None, None, None, "valid", bom)

    def csv_is_xlsx(f):
        import pandas as pd

        df = pd.read_csv(f / "patients.csv", dtype=str, keep_default_na=False)
        tmp = f / "_p.xlsx"
        df.to_excel(tmp, index=False)
        tmp.replace(f / "patients.csv")
    special("csv_that_is_an_excel_file", 1, "patients.csv", None, None, "Excel workbook", csv_is_xlsx)

    def latin1(f):
        p = f / "adverse_events.csv"
        p.write_bytes(p.read_text().replace("herpes zoster", "zona (\u00e9ruption)").encode("latin-1"))
    special("not_utf8", 1, "adverse_events.csv", None, None, "not UTF-8", latin1)

    # workbooks
    import pandas as pd

    def workbook(name, code, file, row, column, words, rename=None, edit=None):
        folder = HERE / name
        folder.mkdir()
        tables = copy.deepcopy(MINIMAL)
        if edit:
            edit(tables)
        with pd.ExcelWriter(folder / "cohort.xlsx") as xw:
            for t, rows in tables.items():
                pd.DataFrame(rows).to_excel(xw, sheet_name=(rename or {}).get(t, t), index=False)
        (folder / "expected.json").write_text(json.dumps(
            {"exit": code, "file": file, "row": row, "column": column, "words": words, "path": "cohort.xlsx"},
            indent=1) + "\n")
    workbook("excel_renamed_sheet", 1, "cohort.xlsx [sheet visits]", None, None, "sheet 'visits' missing",
             rename={"visits": "Visits"})
    workbook("excel_bad_cell", 1, "cohort.xlsx [sheet visits]", 3, "rectal_bleeding", "between 0 and 3",
             edit=setcell("visits", 1, "rectal_bleeding", "7"))


if __name__ == "__main__":
    main()
