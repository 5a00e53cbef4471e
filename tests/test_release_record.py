"""Differencing: two summaries of one centre whose patients differ by fewer than K reveal those patients, although
each respects K. The worked example of the README is checked here, and export-summary refuses such a release."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import REFERENCE
from dttstudy.cli import main


def centre_folder(folder: Path, ids: list[str], edit=None) -> Path:
    """The reference cohort's rows of ``ids`` as one centre 'C1' (``edit(table, row)`` may change a row)."""
    folder.mkdir(parents=True)
    for name in ("patients", "treatments", "visits", "adverse_events"):
        with open(REFERENCE / f"{name}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
            header = list(rows[0]) if rows else []
        keep = [dict(r, center="C1") if name == "patients" else dict(r) for r in rows if r["patient_id"] in ids]
        if edit:
            for r in keep:
                edit(name, r)
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
            w.writeheader()
            w.writerows(keep)
    return folder


C1 = ["P01", "P03", "P05", "P07", "P10", "P11", "P13", "P15", "P17"]  # the reference cohort's centre C1


SHORT = ("--timepoints", "3", "--horizon", "3", "--min-cell", "5")  # a quicker export: the rule is the same


def export(capsys, data, out, *extra, short=True):
    code = main(["export-summary", "--data", str(data), "--out", str(out), "--centre", "C1",
                 *(SHORT if short else ()), *extra])
    return code, capsys.readouterr().err


def test_the_worked_example_two_releases_reveal_the_added_patient(tmp_path, capsys):
    """README, 'Running a multicentre study': centre C1 (9 patients) releases at K = 5, then again after P02 was
    added. Every cell of each file respects K; their differences give P02's values."""
    before = centre_folder(tmp_path / "before", C1)
    after = centre_folder(tmp_path / "after", C1 + ["P02"])
    assert export(capsys, before, tmp_path / "c1_before.json", short=False)[0] == 0
    code, err = export(capsys, after, tmp_path / "c1_after.json", "--accept-small-difference", short=False)
    assert code == 0 and "WARNING" in err and "by 1 patient(s)" in err
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("c1_before.json", "c1_after.json"))

    def cell(s, table, field, **keys):
        return next(r[field] for r in s["tables"][table] if all(r.get(k) == v for k, v in keys.items()))

    def diff(table, field, **keys):
        return cell(b, table, field, **keys) - cell(a, table, field, **keys)

    with open(REFERENCE / "patients.csv", encoding="utf-8") as f:
        p02 = next(r for r in csv.DictReader(f) if r["patient_id"] == "P02")
    with open(REFERENCE / "visits.csv", encoding="utf-8") as f:
        p02_base = next(r for r in csv.DictReader(f) if r["patient_id"] == "P02" and r["month"] == "0")
    total = dict(group="Total")
    assert diff("baseline_continuous", "n", variable="Age at diagnosis, years", **total) == 1
    assert diff("baseline_continuous", "sum", variable="Age at diagnosis, years", **total) == float(
        p02["age_at_diagnosis"]) == 19
    assert diff("baseline_continuous", "sum", variable="Disease duration, years", **total) == pytest.approx(
        float(p02["disease_duration"]))
    assert diff("baseline_continuous", "sum", variable="Follow-up before DTT, months", **total) == float(
        p02["followup_before_dtt"])
    assert diff("baseline_continuous", "sum", variable="Failed biologics, n", **total) == float(
        p02["failed_biologics"])
    month6 = dict(endpoint="clinical_response", analysis_set="observed", month=6, by="All", group="All")
    assert (diff("response", "n", **month6), diff("response", "N", **month6)) == (1, 1)  # a responder at month 6
    assert diff("labs", "sum_baseline", lab="crp", month=3, group="All") == pytest.approx(float(p02_base["crp"]))
    # ... and every one of those cells respects K = 5 in both files
    for s in (a, b):
        assert s["disclosure"]["min_cell"] == 5
        assert cell(s, "baseline_continuous", "n", variable="Age at diagnosis, years", **total) >= 5


def test_a_release_differing_by_fewer_than_k_patients_is_refused(tmp_path, capsys):
    before = centre_folder(tmp_path / "before", C1)
    after = centre_folder(tmp_path / "after", C1 + ["P02"])
    assert export(capsys, before, tmp_path / "a.json")[0] == 0
    code, err = export(capsys, after, tmp_path / "b.json")
    assert code == 2 and "differs from release 1 of centre C1" in err and "by 1 patient(s)" in err
    assert "nothing was written" in err and not (tmp_path / "b.json").exists()
    # the same data again (other parameters) differ by no patient: released
    assert export(capsys, before, tmp_path / "c.json", "--crp-uln", "10")[0] == 0
    # five patients more: released
    more = centre_folder(tmp_path / "more", C1 + ["P02", "P04", "P06", "P08", "P09"])
    assert export(capsys, more, tmp_path / "d.json")[0] == 0


def test_a_changed_patient_counts_as_a_difference(tmp_path, capsys):
    before = centre_folder(tmp_path / "before", C1)

    def one_more_month(table, row):
        if table == "treatments" and row["patient_id"] == "P03":
            row["dtt_months"] = str(float(row["dtt_months"]) + 1)
    changed = centre_folder(tmp_path / "changed", C1, one_more_month)
    assert export(capsys, before, tmp_path / "a.json")[0] == 0
    code, err = export(capsys, changed, tmp_path / "b.json")
    assert code == 2 and "by 1 patient(s)" in err


def test_a_subset_release_is_a_difference_too(tmp_path, capsys):
    """All patients, then CD only: the 4 UC patients of C1 would follow from the two files."""
    folder = centre_folder(tmp_path / "c1", C1)
    assert export(capsys, folder, tmp_path / "all.json")[0] == 0
    code, err = export(capsys, folder, tmp_path / "cd.json", "--disease", "CD")
    assert code == 2 and "by 4 patient(s)" in err


def test_the_record_holds_no_identifier_and_other_centres_are_separate(tmp_path, capsys, monkeypatch):
    record = tmp_path / "record.json"
    folder = centre_folder(tmp_path / "c1", C1)
    assert export(capsys, folder, tmp_path / "a.json", "--release-record", str(record))[0] == 0
    text = record.read_text()
    assert not any(pid in text for pid in C1) and "P0" not in text
    r = json.loads(text)
    assert len(r["releases"]) == 1 and r["releases"][0]["n_patients"] == 9 and len(r["salt"]) == 32
    # another centre code is another centre
    code = main(["export-summary", "--data", str(centre_folder(tmp_path / "c2", C1[:-1])), "--out",
                 str(tmp_path / "b.json"), "--centre", "C2", "--release-record", str(record)])
    assert code == 0
    record.write_text("{not json")
    code, err = export(capsys, folder, tmp_path / "c.json", "--release-record", str(record))
    assert code == 2 and "cannot be read" in err and not (tmp_path / "c.json").exists()
