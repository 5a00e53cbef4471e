"""The centre-summary contract: `dttstudy pool` refuses every broken summary of the corpus (tests/bad_summaries,
written by make_summaries.py) with exit 2, a line naming file, table, row and field, nothing written and the
files left as they were; valid summaries pool; a centre below the coordinator's minimum cell count is pooled
only when the coordinator says so, and the report then states it."""
from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dttstudy.cli import main
from dttstudy.synthesis.multicentre import check
from dttstudy.synthesis.multicentre.check import _patient_hint, check_summaries, read_summary_file
from dttstudy.synthesis.multicentre.contract import (TABLES, ContractReport, IncompatibleSummaries, Problem,
                                                     centre_code, content_hash, parameter_differences, seal)

CORPUS = Path(__file__).resolve().parent / "bad_summaries"
VALID = CORPUS / "valid"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and p.name != "valid")


def expected(case: Path) -> dict:
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))


def files_of(case: Path) -> list[str]:
    e = expected(case)
    return [str(VALID / f"{c}.json") for c in e["with"]] + sorted(
        str(p) for p in case.glob("*.json") if p.name != "expected.json")


def hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_corpus_is_large_enough_and_the_valid_centres_pool(tmp_path, capsys):
    assert len(CASES) >= 30
    code = main(["pool", *sorted(str(p) for p in VALID.glob("*.json")), "--out", str(tmp_path / "out")])
    out = capsys.readouterr()
    assert code == 0, out.err + "\n(corpus stale? run tests/bad_summaries/make_summaries.py)"
    assert (tmp_path / "out" / "index.html").is_file()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_pool_refuses_the_broken_summary(case, tmp_path, capsys):
    e = expected(case)
    before = hashes(case), hashes(VALID)
    out = tmp_path / "pooled"
    code = main(["pool", *files_of(case), *e["options"], "--out", str(out)])
    err = capsys.readouterr().err
    assert code == e["exit"] == 2, err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing written
    assert (hashes(case), hashes(VALID)) == before  # nothing changed
    assert "Traceback" not in err
    rest = ", ".join(x for x in ([f"table {e['table']}"] if e["table"] else []) +
                     ([f"row {e['row']}"] if e["row"] else []) +
                     ([f"field '{e['field']}'"] if e["field"] else []))
    lines = [ln for ln in err.splitlines() if ln.strip().startswith(e["file"]) and rest in ln and e["words"] in ln]
    assert lines, f"expected a line with {e['file']!r}, {rest!r} and {e['words']!r}:\n{err}"


@pytest.mark.parametrize("name", ["events_above_n", "count_nan", "not_json", "missing_disclosure_block",
                                  "patient_level_table"])
def test_no_traceback_from_the_command_line(name, tmp_path):
    case = CORPUS / name
    res = subprocess.run([sys.executable, "-m", "dttstudy.cli", "pool", *files_of(case), "--out",
                          str(tmp_path / "o")], capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stdout + res.stderr, res.stderr
    assert not (tmp_path / "o").exists()


def test_a_centre_without_disclosure_control_is_pooled_only_when_accepted_and_the_report_says_so(tmp_path,
                                                                                                 capsys):
    case = CORPUS / "no_disclosure_control"
    out = tmp_path / "pooled"
    assert main(["pool", *files_of(case), "--out", str(out)]) == 2
    assert "--accept-below-min-cell" in capsys.readouterr().err and not out.exists()
    assert main(["pool", *files_of(case), "--accept-below-min-cell", "--out", str(out)]) == 0
    said = "Accepted by the coordinator below its minimum cell count of 5: centre C1 (no disclosure control)"
    assert said in capsys.readouterr().out
    assert said in (out / "index.html").read_text(encoding="utf-8")
    assert said in (out / "report.html").read_text(encoding="utf-8")


def test_a_stricter_coordinator_refuses_and_a_laxer_one_accepts(tmp_path, capsys):
    files = sorted(str(p) for p in VALID.glob("*.json"))
    assert main(["pool", *files, "--min-cell", "10", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert sum("below the coordinator's minimum cell count 10" in ln for ln in err.splitlines()) == 3
    assert main(["pool", *files, "--min-cell", "3", "--out", str(tmp_path / "b")]) == 0


# ---- the contract itself ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def c1():
    return json.loads((VALID / "C1.json").read_text(encoding="utf-8"))


def test_every_problem_is_reported_at_once(c1):
    s = copy.deepcopy(c1)
    r = s["tables"]["response"]
    r[0]["N"], r[1]["N"], r[2]["N"] = -1, "7", 1.5
    s["disclosure"]["marker"] = "<5"
    s.pop("input_sha256")
    report = check_summaries([seal(s)])
    got = {(p.table, p.row, p.field) for p in report.problems}
    assert {("response", 1, "N"), ("response", 2, "N"), ("response", 3, "N"), ("disclosure", None, "marker"),
            (None, None, "input_sha256")} <= got


def test_pool_raises_with_every_problem(c1):
    bad = copy.deepcopy(c1)
    bad["tables"]["response"][0]["N"] = -1
    with pytest.raises(IncompatibleSummaries) as err:
        from dttstudy.synthesis.multicentre import pool

        pool([seal(bad), dict(bad, centre="C9")])
    text = str(err.value)
    assert "whole number ≥ 0" in text and "content_sha256" in text and len(err.value.problems) >= 3


def test_the_content_hash_is_the_documented_one(c1):
    body = {k: v for k, v in c1.items() if k != "content_sha256"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    assert c1["content_sha256"] == hashlib.sha256(text.encode()).hexdigest() == content_hash(c1)
    # order of fields and whitespace do not matter; any value does
    shuffled = dict(reversed(list(c1.items())))
    assert content_hash(shuffled) == c1["content_sha256"]
    changed = copy.deepcopy(c1)
    changed["tables"]["labs"][0]["n"] = 99
    assert content_hash(changed) != c1["content_sha256"]


def test_the_content_hash_of_text_beyond_ascii_is_over_its_escaped_json(c1):
    # a centre's own words (an adverse-event term in German, a label in French) are hashed as JSON escapes
    s = copy.deepcopy(c1)
    s["centre_label"] = "Hôpital Saint-Éloi"
    s["tables"]["ae_terms"] = [{"term": "Übelkeit", "group": "overall", "n": 0}]
    body = {k: v for k, v in s.items() if k != "content_sha256"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    assert "\\u00dcbelkeit" in text
    assert content_hash(s) == hashlib.sha256(text.encode("ascii")).hexdigest()


def test_sealing_replaces_a_stale_hash_and_writes_it_last(c1):
    # the hash goes last in the file, whatever position a stale one had; sealing twice changes nothing
    stale = {"content_sha256": "0" * 64, **{k: v for k, v in c1.items() if k != "content_sha256"}}
    sealed = seal(stale)
    assert list(sealed)[-1] == "content_sha256" and list(sealed)[:-1] == list(stale)[1:]
    assert sealed["content_sha256"] == c1["content_sha256"]
    assert seal(sealed) == sealed and list(seal(sealed)) == list(sealed)


def test_parameters_differ_when_one_summary_lacks_one():
    # a parameter one summary records and the other does not is a difference; the labs recorded are not compared
    a = {"disease": "CD", "level": 0.95, "labs": ["crp"], "crp_uln": 5}
    b = {"disease": "CD", "level": 0.9, "labs": ["crp", "albumin"], "window": 1}
    assert parameter_differences(a, b) == ["crp_uln", "level", "window"]
    assert parameter_differences(b, a) == ["crp_uln", "level", "window"]
    assert parameter_differences(a, dict(a)) == []


def test_the_contract_declares_every_field_the_export_writes(tmp_path):
    """Export and contract cannot drift apart: every table and field written is declared, on a synthetic cohort
    with non-default parameters and with every distinct time."""
    import dttstudy
    from dttstudy.intake.synth import synth_cohort, write_cohort
    from dttstudy.synthesis.multicentre import export_summary

    folder = write_cohort(synth_cohort(120, seed=11), tmp_path / "c")
    cohort = dttstudy.load_cohort(folder)
    for kw in ({}, {"event_times": True, "disease": "CD", "timepoints": (6, 12), "window": 2.0, "min_cell": 3}):
        s = export_summary(cohort, centre="S", **({"min_cell": 0} | kw))
        assert set(s["tables"]) <= set(TABLES)
        for name, rows in s["tables"].items():
            spec = TABLES[name]
            declared = set(spec.keys) | set(spec.counts) | set(spec.amounts) | set(spec.numbers) | (
                {"start", "end", "time"} if name == "life_tables" else set())
            assert {f for r in rows for f in r} <= declared, name
        report = check_summaries([s], min_cell=kw.get("min_cell", 0))
        assert report.ok, [str(p) for p in report.problems]


def test_a_summary_dict_is_never_changed_by_checking(c1):
    s = copy.deepcopy(c1)
    s["tables"]["response"][0]["group"] = ["not", "text"]
    before = json.dumps(s, sort_keys=True)
    check_summaries([s])
    assert json.dumps(s, sort_keys=True) == before


def test_group_counts_above_the_overall_are_refused():
    """A centre summary whose disease group counts more evaluable patients than its own overall row (CD N raised
    above All N, then resealed as a centre's program would) is refused, naming the table, row and field."""
    import copy

    from dttstudy.intake.cohort import load_cohort
    from dttstudy.synthesis.multicentre import export_summary, pool
    from dttstudy.synthesis.multicentre.contract import IncompatibleSummaries, seal

    cohort = load_cohort()
    s = copy.deepcopy(export_summary(cohort, centre="C1", min_cell=0))
    rows = s["tables"]["response"]
    overall = next(r for r in rows if r["by"] == "All" and r["analysis_set"] == "observed" and r["month"] == 3
                   and r["endpoint"] == "clinical_response")
    cd = next(r for r in rows if r["by"] == "disease" and r["group"] == "CD" and r["analysis_set"] == "observed"
              and r["month"] == 3 and r["endpoint"] == "clinical_response")
    uc = next(r for r in rows if r["by"] == "disease" and r["group"] == "UC" and r["analysis_set"] == "observed"
              and r["month"] == 3 and r["endpoint"] == "clinical_response")
    cd["N"] = overall["N"] + 5  # and UC withheld, so that only this check can see it
    uc["N"] = uc["n"] = s["disclosure"]["marker"]
    s.pop("content_sha256", None)
    with pytest.raises(IncompatibleSummaries, match="more than the overall"):
        pool([seal(s)], min_cell=0, accept_below_min_cell=True)


# --- the reader's messages, word for word (each built by hand from the rule it states) ---------------------------
def test_a_field_twice_in_one_object_is_named(tmp_path):
    f = tmp_path / "c1.json"
    f.write_text('{"format": "a", "centre": "C1", "centre": "C2"}', encoding="utf-8")
    s, problems = read_summary_file(f)
    assert s is None
    assert [p.rule for p in problems] == ["field 'centre' appears twice in one object: the file was edited "
                                          "(a summary is written by dttstudy export-summary)"]


def test_an_unreadable_summary_names_the_error_and_cuts_its_text_at_120_characters(tmp_path):
    f = tmp_path / "c1.json"
    f.write_text("{not json", encoding="utf-8")
    assert [p.rule for p in read_summary_file(f)[1]] == [
        "not a readable centre summary (JSONDecodeError: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))"]
    # a folder where a file is expected: the OS error names the path, longer than 120 characters here
    d = tmp_path / ("x" * 150)
    d.mkdir()
    err = f"[Errno 21] Is a directory: '{d}'"
    assert [p.rule for p in read_summary_file(d)[1]] == [
        f"not a readable centre summary (IsADirectoryError: {err[:120]})"]


def test_a_summary_of_exactly_the_size_limit_is_read(tmp_path, monkeypatch):
    f = tmp_path / "c1.json"
    f.write_text('{"format": "x"}', encoding="utf-8")  # 15 bytes
    monkeypatch.setattr(check, "MAX_FILE_BYTES", 15)
    assert check.read_summary_file(f)[1] == []
    monkeypatch.setattr(check, "MAX_FILE_BYTES", 14)
    assert check.read_summary_file(f) == (None, [Problem("c1.json", rule="15 bytes: larger than any centre summary "
                                                                        "(14 at most)")])


@pytest.mark.parametrize("name,rows,hint", [
    ("x", None, ""),
    ("patient_id", None, ": 'patient_id' looks like patient-level data"),
    ("PATIENT", None, ": 'PATIENT' looks like patient-level data"),
    ("Subject", None, ": 'Subject' looks like patient-level data"),
    ("ID", None, ": 'ID' looks like patient-level data"),
    ("MRN", None, ": 'MRN' looks like patient-level data (a record or ID number)"),
    ("date_of_birth", None, ": 'date_of_birth' looks like patient-level data (a calendar date)"),
    ("rows", [{"a": 1, "Patient": 2}, {"mrn": 3}], ": 'Patient' looks like patient-level data"),
    ("rows", [{"a": 1}, {"Patient": 2}], ""),       # only the first row's fields are read
    ("patient_id", [{"a": 1}], ": 'patient_id' looks like patient-level data"),  # the name, then the fields
    ("rows", [5, {"mrn": 3}], ": 'mrn' looks like patient-level data (a record or ID number)"),  # rows are dicts
])
def test_the_patient_level_hint(name, rows, hint):
    assert _patient_hint(name, rows) == hint


def test_the_refusal_counts_its_problems():
    one = ContractReport([Problem("c1.json", "rates", 2, "n", "must be a number")])
    assert str(one) == ("1 problem in the centre summaries; nothing was pooled or written:\n"
                        "  c1.json, table rates, row 2, field 'n': must be a number")
    two = ContractReport([Problem("c1.json", rule="a"), Problem("c2.json", field="k", rule="b")])
    assert str(two) == ("2 problems in the centre summaries; nothing was pooled or written:\n"
                        "  c1.json: a\n  c2.json, field 'k': b")
    assert str(ContractReport([Problem("p", rule=str(i)) for i in range(3)])).startswith("3 problems in")


def _parameter_problems(summary: dict, name: str, value) -> list[Problem]:
    """The problems the checker names for one analysis parameter of a copy of the summary set to ``value``."""
    s = copy.deepcopy(summary)
    s["parameters"][name] = value
    return [p for p in check_summaries([seal(s)]).problems if p.field == name]


@pytest.mark.parametrize("value,ok", [(5, True), (0, True), (100, True), (2.5, True), (True, False),
                                      ("5", False), (101, False), (-1, False), (float("nan"), False)])
def test_the_crp_limit_of_a_summary_is_a_number_in_the_declared_range(c1, value, ok):
    # the declared range of crp_uln is 0 to 100 mg/L; true is not the number 1 (1.0 == True in Python)
    problems = _parameter_problems(c1, "crp_uln", value)
    assert problems == ([] if ok else [problems[0]])
    if not ok:
        shown = {True: "true", "5": "'5'"}.get(value, "NaN" if value != value else str(value))
        assert problems[0].table == "parameters"
        assert problems[0].rule == f"must be a number from 0 to 100 (value: {shown})"


@pytest.mark.parametrize("value,ok", [([3, 6, 9], True), ([600], True), ([0.5, 12], True), ([3, 3, 6], False),
                                      ([], False), ([0, 3], False), ([601], False), ([3, True], False),
                                      ("3,6", False), (6, False)])
def test_the_months_of_a_summary_are_a_list_of_distinct_months_in_range(c1, value, ok):
    # timepoints: a non-empty list of distinct months, 0 < month <= 600; a month twice is refused
    problems = _parameter_problems(c1, "timepoints", value)
    assert (problems == []) == ok
    if not ok:
        assert problems[0].table == "parameters" and "a list of distinct months, 0 < month ≤ 600" in problems[0].rule


@pytest.mark.parametrize("summary,code", [({"centre": "C3"}, "C3"), ({"centre": "Site-2.b_x"}, "Site-2.b_x"),
                                          ({"centre": "bad code!"}, None), ({"centre": 7}, None),
                                          ({"centre": "x" * 41}, None), ({"_source": "/in/C4.json"}, "C4"),
                                          ({"_source": "/in/centre four.json"}, None), ({}, None)])
def test_a_centre_code_is_the_centre_field_else_the_file_name_when_it_is_a_code(summary, code):
    # a code: a letter or digit, then letters, digits, '_', '.', '-', at most 40 characters in all
    assert centre_code(summary) == code
