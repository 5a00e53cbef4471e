"""Differencing: two summaries of one centre whose patients differ by fewer than K reveal those patients, although
each respects K. The worked example of the README is checked here, and export-summary refuses such a release."""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import REFERENCE
from dttstudy.cli import main
from dttstudy.intake.cohort import load_cohort
from dttstudy.synthesis.multicentre.release_record import (Difference, ReleaseRecordError, ReleaseRefused,
                                                           add_release, check_release, fingerprints, read_record,
                                                           release_summary)


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


def test_the_library_call_refuses_by_default_as_the_command_line_does(tmp_path):
    """The vantage6 node and a notebook call ``release_summary`` without ``accept_small_difference``: by default a
    release one patient away from an earlier one is refused, nothing is written and nothing is recorded. A release
    without ``out`` writes no file; the result names the file written and the record."""
    record = tmp_path / "record.json"
    short = {"centre": "C1", "timepoints": [3], "horizon": 3, "min_cell": 5}
    before = load_cohort(centre_folder(tmp_path / "before", C1))
    after = load_cohort(centre_folder(tmp_path / "after", C1 + ["P02"]))
    first = release_summary(before, record=record, **short)
    assert (first.path, first.record, first.accepted) == (None, record, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after", "before", "record.json"]
    kept = record.read_text(encoding="utf-8")
    with pytest.raises(ReleaseRefused) as refused:
        release_summary(after, record=record, out=tmp_path / "b.json", **short)
    assert [(d.release, d.patients) for d in refused.value.differences] == [(1, 1)]
    assert not (tmp_path / "b.json").exists() and record.read_text(encoding="utf-8") == kept
    accepted = release_summary(after, record=str(record), out=tmp_path / "b.json", accept_small_difference=True,
                               **short)
    assert (accepted.path, accepted.record) == (tmp_path / "b.json", record)
    assert [(d.release, d.patients) for d in accepted.accepted] == [(1, 1)]
    written = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    releases = read_record(record)["releases"]
    assert len(releases) == 2
    assert written["content_sha256"] == accepted.summary["content_sha256"] == releases[1]["content_sha256"]


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


# --- the record's pieces, by hand ------------------------------------------------------------------------------
class _Tables:
    """The one method of a cohort the record reads: its tables."""

    def __init__(self, tables):
        self._tables = tables

    def tables(self):
        return self._tables


def _sha16(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def test_fingerprints_are_salted_hashes_of_the_id_and_of_every_row():
    cohort = _Tables({"patients": pd.DataFrame({"patient_id": ["A", "B"], "age": [30, 41]}),
                      "visits": pd.DataFrame({"patient_id": ["A", "A"], "month": [3, 6]}),
                      "adverse_events": pd.DataFrame({"patient_id": pd.Series([], dtype=str)})})
    rows_a = sorted(["patients\x1eA\x1f30", "visits\x1eA\x1f3", "visits\x1eA\x1f6"])
    assert fingerprints(cohort, "s1") == {_sha16("s1", "A"): _sha16("s1", "A", *rows_a),
                                          _sha16("s1", "B"): _sha16("s1", "B", "patients\x1eB\x1f41")}
    # another salt, other keys: two records cannot be matched patient by patient
    assert not set(fingerprints(cohort, "s1")) & set(fingerprints(cohort, "s2"))


def test_a_release_is_recorded_with_its_k_hashes_and_patients_in_a_file_that_diffs_line_by_line(tmp_path):
    """Each release adds the centre, K, the summary's content and input hashes, the number of patients and their
    fingerprints. The file has sorted keys and one value per line, so a centre can compare two versions of it
    line by line; the record passed in is left as it was, and no temporary file is left behind. The folders are
    made as needed (on a new account, ``~/.local/state`` may not exist yet)."""
    path = tmp_path / "state" / "dttstudy" / "record.json"
    record = {"written_by": "dttstudy", "salt": "s", "releases": []}
    summary = {"centre": "C1", "disclosure": {"min_cell": 5}, "content_sha256": "c0ffee", "input_sha256": "beef"}
    add_release(path, record, {"h1": "v1", "h2": "v2"}, summary)
    assert record == {"written_by": "dttstudy", "salt": "s", "releases": []}
    assert path.read_text(encoding="utf-8") == (
        '{\n"releases": [\n{\n"centre": "C1",\n"content_sha256": "c0ffee",\n"input_sha256": "beef",\n'
        '"min_cell": 5,\n"n_patients": 2,\n"patients": {\n"h1": "v1",\n"h2": "v2"\n}\n}\n],\n'
        '"salt": "s",\n"written_by": "dttstudy"\n}\n')
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]
    # a second release of another centre, without hashes, is appended after the first
    add_release(path, read_record(path), {"h3": "v3"}, {"centre": "C2", "disclosure": {"min_cell": 3}})
    releases = read_record(path)["releases"]
    assert [(r["centre"], r["min_cell"], r["content_sha256"], r["input_sha256"], r["n_patients"], r["patients"])
            for r in releases] == [("C1", 5, "c0ffee", "beef", 2, {"h1": "v1", "h2": "v2"}),
                                   ("C2", 3, None, None, 1, {"h3": "v3"})]


def test_a_record_that_is_not_dttstudys_is_refused(tmp_path):
    good = {"written_by": "dttstudy", "releases": [], "salt": "ab"}
    f = tmp_path / "r.json"
    f.write_text(json.dumps(good), encoding="utf-8")
    assert read_record(f) == good
    for bad in ({**good, "written_by": "someone"}, {**good, "salt": 5}, {**good, "releases": {}}, [good]):
        f.write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(ReleaseRecordError) as err:
            read_record(f)
        assert str(err.value) == f"{f} is not a dttstudy release record"
    f.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReleaseRecordError) as err:
        read_record(f)
    assert str(err.value) == (f"release record {f} cannot be read (Expecting property name enclosed in double "
                              "quotes: line 1 column 2 (char 1)): move it away only if you know that no summary "
                              "of this centre was released before")


def test_the_refusal_says_which_release_and_how_many_patients():
    one, two = Difference(1, 1, "C1", 5), Difference(3, 2, None, 5)
    assert str(one) == ("this cohort differs from release 1 of centre C1 in the release record by 1 patient(s), "
                        "fewer than K = 5: the two summaries together would reveal that patient")
    assert str(two) == ("this cohort differs from release 3 of centre (no code) in the release record by "
                        "2 patient(s), fewer than K = 5: the two summaries together would reveal those patients")
    refused = ReleaseRefused([one, two])
    assert str(refused) == f"{one}; {two}" and refused.differences == [one, two]


def test_every_earlier_release_of_the_centre_is_compared_whatever_comes_before_it(tmp_path):
    cohort = _Tables({"patients": pd.DataFrame({"patient_id": ["A", "B", "C"], "age": [30, 41, 52]})})
    fewer = _Tables({"patients": pd.DataFrame({"patient_id": ["A", "B"], "age": [30, 41]})})
    releases = [{"centre": "C2", "patients": {}},                                  # another centre first
                {"centre": "C1", "patients": fingerprints(fewer, "s")},           # C differs: 1 patient
                {"centre": "C1"},                                                 # no patients kept: all 3 differ
                {"centre": "C1", "patients": fingerprints(cohort, "s")}]          # the same patients: 0
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"written_by": "dttstudy", "salt": "s", "releases": releases}), encoding="utf-8")
    record, fp, problems = check_release(f, cohort, "C1", 5)
    assert fp == fingerprints(cohort, "s") and record["releases"] == releases
    assert problems == [Difference(2, 1, "C1", 5), Difference(3, 3, "C1", 5)]
