"""The checker of centre summaries (``dttstudy.synthesis.multicentre.check``), rule by rule on a summary built by
hand in memory: the envelope, the parameters, the disclosure block, the type of every cell, the set of summaries,
and the cap on repeated problems. Each message is the rule's own words, with the values the test put in."""
from __future__ import annotations

import copy
import json

import pytest
from test_summary_consistency import TABLES

from dttstudy import __version__
from dttstudy.synthesis.multicentre.check import (_cap, _Checker, _source, check_summaries, checked_summaries,
                                                  is_summary_file, read_summary_file)
from dttstudy.synthesis.multicentre.contract import IncompatibleSummaries, Problem, seal

V = __version__
PARAMETERS = {"disease": "all", "timepoints": [3], "definition": "paper", "ci_method": "clopper-pearson",
              "crp_uln": 5.0, "level": 0.95, "windows": {"3": 0.5}, "nri_reasons": ["no_response"],
              "grace_months": 0, "endoscopy_horizon": 3, "labs": ["crp", "albumin"], "life_table_horizon": 2,
              "event_times": False, "ae_vocabulary": ["Infection", "Skin  rash"]}
SRC = "summary 1 (centre C1)"


def summary(centre="C1", k=0, input_hash="ab" * 32, **changes) -> dict:
    """A sealed summary of the hand-built tables (no cell withheld), with ``changes`` to its envelope."""
    s = {"format": "dttstudy-centre-summary", "format_version": 2, "package_version": V, "centre": centre,
         "parameters": copy.deepcopy(PARAMETERS), "input_sha256": input_hash,
         "disclosure": {"min_cell": k, "marker": "suppressed", "rule": "cells below K withheld", "withheld": []},
         "tables": copy.deepcopy(TABLES)}
    s.update(changes)
    return seal(s)


def edited(s: dict, edit) -> dict:
    """The summary changed by ``edit`` and sealed again, as a program that rewrites the hash would."""
    s = copy.deepcopy(s)
    edit(s)
    return seal(s)


def problems(*summaries, min_cell=0, **kw) -> list[tuple]:
    report = check_summaries(list(summaries), min_cell=min_cell, **kw)
    return [(p.source, p.table, p.row, p.field, p.rule) for p in report.problems]


def at(s: dict, table, row, field) -> list[str]:
    """What the checker says about one cell."""
    return [rule for _, t, r, f, rule in problems(s) if (t, r, f) == (table, row, field)]


def test_the_summary_built_by_hand_passes():
    assert problems(summary()) == []
    assert problems(summary(), summary("C2", input_hash="cd" * 32)) == []
    report = check_summaries([summary()], min_cell=0)
    assert report.ok and report.notes == []


@pytest.mark.parametrize("s, j, src", [({"_source": "c1.json", "centre": "X1"}, 0, "c1.json (centre X1)"),
                                       ({"_source": "X1.json", "centre": "X1"}, 0, "X1.json"),
                                       ({}, 2, "summary 3"), ({"centre": "bad code"}, 0, "summary 1"),
                                       ({"_source": "", "centre": 5}, 1, "summary 2")])
def test_a_summary_is_named_by_its_file_and_its_centre(s, j, src):
    assert _source(s, j) == src


# ---- the envelope --------------------------------------------------------------------------------------------
def test_another_format_is_refused_before_anything_else_is_read():
    def edit(s):
        s.update(format="other", extra=1, format_version=9)
        s["disclosure"]["marker"] = "<5"
        s["tables"]["labs"][0]["n"] = -1
    s = edited(summary(), edit)
    assert problems(s) == [(SRC, None, None, "format",
                            "not a dttstudy centre summary (format 'other', expected 'dttstudy-centre-summary')")]
    s = edited(summary(), lambda s: s.pop("format"))
    assert problems(s)[0][3:] == ("format", "not a dttstudy centre summary (format null, expected "
                                            "'dttstudy-centre-summary')")


def test_fields_outside_the_envelope_and_missing_fields():
    def edit(s):
        s.update(notes=1, patient_id=2)
        del s["input_sha256"], s["disclosure"]
    assert problems(edited(summary(), edit)) == [
        (SRC, None, None, "notes", "not a field of a centre summary"),
        (SRC, None, None, "patient_id", "not a field of a centre summary: 'patient_id' looks like patient-level data"),
        (SRC, None, None, "input_sha256", "missing"),
        (SRC, None, None, "disclosure", "missing (a summary without its disclosure block is refused)")]
    s = summary()
    s["_source"] = "C1.json"  # the reader's own field
    del s["content_sha256"]
    assert problems(s) == [("C1.json", None, None, "content_sha256", "missing")]


@pytest.mark.parametrize("version, shown", [(1, "1"), (True, "true"), ("2", "'2'"), (None, "null")])
def test_another_format_version_is_refused_and_its_tables_are_not_read(version, shown):
    def edit(s):
        s.update(format_version=version, extra=1, input_sha256="x")
        s["tables"]["labs"][0]["n"] = -1
    assert problems(edited(summary(), edit)) == [
        (SRC, None, None, "extra", "not a field of a centre summary"),
        (SRC, None, None, "format_version",
                            f"format version {shown} is not one this dttstudy ({V}) reads (it reads 2): export again "
                            f"with dttstudy {V}")]


def test_another_package_version_is_refused_and_the_rest_still_checked():
    s = edited(summary(), lambda s: s.update(package_version="0.0.9", input_sha256="x"))
    assert problems(s) == [
        (SRC, None, None, "package_version",
         f"made with dttstudy '0.0.9', but pooling runs dttstudy {V}: every centre and the coordinator run the same "
         f"version (install dttstudy {V} and export again, or pool with the centres' version)"),
        (SRC, None, None, "input_sha256", "must be a sha256 (64 hexadecimal digits): the hash was changed")]
    assert problems(summary(), package_version="0.2")[0][3:] == (
        "package_version", "made with dttstudy '0.1.0', but pooling runs dttstudy 0.2: every centre and the "
                           "coordinator run the same version (install dttstudy 0.2 and export again, or pool with "
                           "the centres' version)")


def test_the_centre_is_a_code_or_the_file_name_is_one():
    code = "must be a short code: letters, digits, '_', '.', '-' (at most 40 characters)"
    assert problems(summary("bad code!")) == [("summary 1", None, None, "centre", code)]
    assert problems(summary(7)) == [("summary 1", None, None, "centre", code)]
    s = summary(None)
    s["_source"] = "centre one.json"
    assert problems(s) == [("centre one.json", None, None, "centre",
                            "no centre code, and the file name is not one: export again with --centre CODE")]
    s["_source"] = "C9.json"
    assert problems(s) == []
    s = edited(summary(), lambda s: s.pop("centre"))
    s["_source"] = "centre one.json"
    assert problems(s) == [("centre one.json", None, None, "centre", "missing")]


@pytest.mark.parametrize("h, ok", [("ab" * 32, True), ("0123456789" * 6 + "abcd", True), ("AB" * 32, False),
                                   ("ab" * 31 + "a", False), ("ab" * 32 + "a", False), ("gh" * 32, False),
                                   (5, False), (None, False)])
def test_the_input_hash_is_64_hexadecimal_digits(h, ok):
    said = [] if ok else ["must be a sha256 (64 hexadecimal digits): the hash was changed"]
    assert at(summary(input_hash=h), None, None, "input_sha256") == said


def test_a_summary_changed_after_export_or_holding_what_json_cannot_write():
    s = summary()
    s["tables"]["labs"][0]["n"] = 9
    changed = ("does not match the file's content: the summary was changed after export (edited by hand or damaged "
               "in transit); ask the centre for the file dttstudy wrote")
    assert (SRC, None, None, "content_sha256", changed) in problems(s)
    s = summary()
    s["tables"]["labs"][0]["lab"] = {"CRP"}
    assert problems(s) == [(SRC, None, None, None, "not JSON data (Object of type set is not JSON serializable)")]


# ---- the parameters ------------------------------------------------------------------------------------------
def test_the_parameters_are_an_object_of_declared_names_and_values():
    s = edited(summary(), lambda s: s.update(parameters=[1]))
    assert problems(s)[0] == (SRC, None, None, "parameters", "must be an object of analysis parameters")

    def edit(s):
        p = s["parameters"]
        p.update(seed=1, level=1.5, disease=["x"], crp_uln="5")
        del p["grace_months"], p["windows"]
    assert problems(edited(summary(), edit)) == [
        (SRC, "parameters", None, "disease", "must be one of all, UC, CD (value: [\"x\"])"),
        (SRC, "parameters", None, "crp_uln", "must be a number from 0 to 100 (value: '5')"),
        (SRC, "parameters", None, "level", "must be a confidence level between 0 and 1 (value: 1.5)"),
        (SRC, "parameters", None, "seed", "not an analysis parameter of a centre summary"),
        (SRC, "parameters", None, "windows", "missing"),
        (SRC, "parameters", None, "grace_months", "missing")]
    # without parameters there is no shared vocabulary: every typed term is outside it
    outside = "a term outside the shared vocabulary of the parameters (typed text never leaves a centre)"
    s = edited(summary(), lambda s: s.pop("parameters"))
    assert problems(s) == [(SRC, None, None, "parameters", "missing"),
                           (SRC, "ae_terms", 1, "term", outside), (SRC, "ae_terms", 2, "term", outside)]


# ---- the disclosure block ------------------------------------------------------------------------------------
def test_the_disclosure_block_is_an_object_of_its_four_fields():
    s = edited(summary(), lambda s: s.update(disclosure=[0]))
    assert problems(s) == [(SRC, None, None, "disclosure", "must be an object (min_cell, marker, rule, withheld)")]

    def edit(s):
        d = s["disclosure"]
        d.update(note="x", marker="<5", rule=5)
        del d["withheld"]
    assert problems(edited(summary(), edit)) == [
        (SRC, "disclosure", None, "note", "not a field of the disclosure block"),
        (SRC, "disclosure", None, "withheld", "missing"),
        (SRC, "disclosure", None, "marker", "must be 'suppressed' (value: '<5')"),
        (SRC, "disclosure", None, "rule", "must be text")]
    s = edited(summary(), lambda s: [s["disclosure"].pop(f) for f in ("min_cell", "marker", "rule")])
    assert problems(s) == [(SRC, "disclosure", None, f, "missing") for f in ("min_cell", "marker", "rule")]


@pytest.mark.parametrize("k, shown", [(-1, "-1"), (True, "true"), (2.0, "2.0"), ("5", "'5'"), (None, "null")])
def test_k_is_a_whole_number_of_at_least_0_and_a_bad_k_is_not_compared_with_the_coordinators(k, shown):
    assert problems(summary(k=k), min_cell=5) == [
        (SRC, "disclosure", None, "min_cell", f"must be a whole number ≥ 0 (value: {shown})")]


def test_the_withheld_cells_are_listed_once_each_and_match_the_marked_values():
    def listed(w, marks=0):
        def edit(s):
            s["disclosure"]["withheld"] = w
            for f in ("change_median", "change_q1", "change_q3")[:marks]:
                s["tables"]["labs"][0][f] = "suppressed"
        return at(edited(summary(), edit), "disclosure", None, "withheld")
    assert listed("labs/x") == listed([1]) == listed(["labs/x", None]) == ["must be a list of cell names"]
    assert listed(["labs/a", "labs/b"], marks=2) == []
    assert listed(["labs/b", "labs/a", "labs/b", "labs/a"], marks=4 - 1) == [
        "lists a cell twice (labs/a)", "lists 4 withheld value(s) but the tables mark 3 as 'suppressed'"]
    assert listed(["nope/x", "labs/y", "none"], marks=3) == ["names a cell of no summary table (nope/x)"]
    # a cell's name is its table, then its keys and field, each after a '/'
    assert listed(["baseline_counts/variable=Patients/level=/UC", "labs/lab=CRP/month=3/group=UC/n"], marks=2) == []
    long = "labs/" + "x" * 100
    assert listed(["labs/a", long, long], marks=3) == [f"lists a cell twice ({long[:80]})"]
    assert listed(["naming/" + "y" * 100], marks=1) == [f"names a cell of no summary table ({('naming/' + 'y' * 100)[:80]})"]
    assert listed(["labs/x"]) == ["lists 1 withheld value(s) but the tables mark 0 as 'suppressed'"]
    assert listed([], marks=1) == ["lists 0 withheld value(s) but the tables mark 1 as 'suppressed'"]


def test_marked_values_are_counted_in_every_field_and_every_table():
    def edit(s):
        s["disclosure"]["withheld"] = ["labs/a", "response/b"]
        s["tables"]["labs"][0]["change_q1"] = "suppressed"
        s["tables"]["response"][0]["group"] = "suppressed"  # a key, but marked all the same
    assert at(edited(summary(), edit), "disclosure", None, "withheld") == []

    def other(s):
        edit(s)
        s["tables"]["other"] = [{"n": "suppressed"}, "suppressed"]  # a table of no summary; a row that is no row
    assert at(edited(summary(), other), "disclosure", None, "withheld") == [
        "lists 2 withheld value(s) but the tables mark 3 as 'suppressed'"]


# ---- the tables ----------------------------------------------------------------------------------------------
def test_the_tables_are_an_object_of_the_declared_tables_of_rows():
    s = edited(summary(), lambda s: s.update(tables=[]))
    assert problems(s) == [(SRC, None, None, "tables", "must be an object of tables")]
    s = edited(summary(), lambda s: s.pop("tables"))
    assert problems(s) == [(SRC, None, None, "tables", "missing")]

    def edit(s):
        t = s["tables"]
        t["patients"] = [{"age": 40}]
        t["visits"] = [{"mrn": 1}]
        t["labs"] = {"n": 1}
        t["life_tables"] = [1]
        del t["baseline_continuous"], t["ae_terms"]  # the AE terms are not required
    assert problems(edited(summary(), edit)) == [
        (SRC, "life_tables", None, None, "must be a list of rows (objects)"),
        (SRC, "labs", None, None, "must be a list of rows (objects)"),
        (SRC, "patients", None, None, "not a table of a centre summary: a summary holds only the declared aggregate "
                                      "tables (never patient-level rows): 'patients' looks like patient-level data"),
        (SRC, "visits", None, None, "not a table of a centre summary: a summary holds only the declared aggregate "
                                    "tables (never patient-level rows): 'mrn' looks like patient-level data (a record "
                                    "or ID number)"),
        (SRC, "baseline_continuous", None, None, "missing")]


def test_a_row_holds_only_its_fields_and_every_key_of_its_kind():
    def edit(s):
        s["tables"]["labs"][0]["mrn"] = 5
        s["tables"]["labs"][0]["note"] = 1
        del s["tables"]["response"][0]["month"]
        s["tables"]["response"][1]["month"] = "3"
        s["tables"]["response"][2]["month"] = None  # every response cell is of a month
        s["tables"]["labs"][1]["month"] = None
        s["tables"]["labs"][2]["group"] = 5
        s["tables"]["ae_terms"][0]["term"] = "x" * 201
        s["tables"]["ae_terms"][1]["term"] = "Skin rash" + " " * 191  # 200 characters
    got = problems(edited(summary(), edit))
    # the three tables are left out of the consistency checks: nothing else is said
    assert got == [
        (SRC, "response", 1, "month", "missing"),
        (SRC, "response", 2, "month", "must be a number (value: '3')"),
        (SRC, "response", 3, "month", "must be a number (value: null)"),
        (SRC, "ae_terms", 1, "term", "must be text (value: '" + "x" * 56 + "…)"),
        (SRC, "labs", 1, "mrn", "not a field of this table: 'mrn' looks like patient-level data (a record or ID "
                                "number)"),
        (SRC, "labs", 1, "note", "not a field of this table"),
        (SRC, "labs", 2, "month", "must be a number (value: null)"),
        (SRC, "labs", 3, "group", "must be text (value: 5)")]


def test_a_row_with_a_bad_key_is_left_out_of_the_consistency_checks():
    # row 2 (UC) claims 5 responders of 4: with its month broken, that rule is not applied to it
    def edit(s):
        s["tables"]["response"][1].update(n=5, N=4, month="3")
    got = problems(edited(summary(), edit))
    assert got == [(SRC, "response", 2, "month", "must be a number (value: '3')")]
    # its small cells are still found (at K = 6: its 5 and 4), its consistency is not (5 responders of 4)
    got = problems(edited(summary(k=6), edit))
    small = "below the declared minimum cell count K = 6, was published (it must be withheld as 'suppressed')"
    assert [p for p in got if p[1:3] == ("response", 2)] == [
        (SRC, "response", 2, "month", "must be a number (value: '3')"),
        (SRC, "response", 2, "n", f"a count of 5, {small}"), (SRC, "response", 2, "N", f"a count of 4, {small}")]


def test_a_row_without_a_key_that_may_be_null_is_still_unidentified():
    # the end of the last life-table interval is null (open), but a row without an end is unidentified: row 2,
    # with one patient too many at risk, is then named for its end only
    def edit(s):
        del s["tables"]["life_tables"][1]["end"]
        s["tables"]["life_tables"][1]["at_risk"] = 8
    assert problems(edited(summary(), edit)) == [(SRC, "life_tables", 2, "end", "missing")]


def test_the_same_row_twice():
    s = edited(summary(), lambda s: s["tables"]["ae_terms"][1].update(term="infection"))
    assert problems(s) == [(SRC, "ae_terms", 2, None, "the same row as row 1 (term='infection')")]

    def edit(s):
        rows = s["tables"]["response"]
        rows.append(dict(rows[1]))
        rows.append(dict(rows[1]))
    said = ("the same row as row 2 (endpoint='clinical_response', definition='paper', analysis_set='observed', "
            "month=3, by='disease', group='UC')")
    assert [p for p in problems(edited(summary(), edit)) if p[3] is None] == [
        (SRC, "response", 6, None, said), (SRC, "response", 7, None, said)]


def test_life_table_keys_follow_the_event_times_parameter():
    s = edited(summary(), lambda s: s["parameters"].update(event_times=True))
    assert [p for p in problems(s) if p[2] == 1] == [
        (SRC, "life_tables", 1, "start", "not a field of this table"),
        (SRC, "life_tables", 1, "end", "not a field of this table"),
        (SRC, "life_tables", 1, "time", "missing")]
    s = edited(summary(), lambda s: s["tables"]["life_tables"][0].update(end="1"))
    assert problems(s)[0] == (SRC, "life_tables", 1, "end", "must be a number or null (value: '1')")
    s = edited(summary(), lambda s: s["tables"]["life_tables"][1].update(start=None))
    assert problems(s) == [(SRC, "life_tables", 2, "start", "must be a number (value: null)")]

    def exact(s):
        s["parameters"]["event_times"] = True
        for j, r in enumerate(s["tables"]["life_tables"]):
            del r["start"], r["end"]
            r["time"] = 0.5 * (j % 3 + 1)
        s["tables"]["life_tables"][4]["time"] = "1"
    assert problems(edited(summary(), exact)) == [(SRC, "life_tables", 5, "time", "must be a number (value: '1')")]


@pytest.mark.parametrize("value, said", [
    (3.0, None), (0, None), ("suppressed", None),
    (None, "empty (null): a count or sum is a number, or 'suppressed'"),
    ("3", "given as text '3': must be a number (or 'suppressed')"),
    (True, "must be a number (value: true)"), ([3], "must be a number (value: [3])"),
    (float("inf"), "Infinity is not a number a centre can report"),
    (float("nan"), "NaN is not a number a centre can report"),
    (-1, "a count must be a whole number ≥ 0 (value: -1)"), (2.5, "a count must be a whole number ≥ 0 (value: 2.5)"),
    ("absent", "missing (a withheld value is written 'suppressed')")])
def test_a_count_is_a_whole_number_of_at_least_0_or_withheld(value, said):
    c = _Checker({}, "c1.json")
    c._cell({} if value == "absent" else {"N": value}, "N", "response", 2, "count")
    assert c.problems == ([] if said is None else [Problem("c1.json", "response", 2, "N", said)])


@pytest.mark.parametrize("kind, value, said", [
    ("amount", -1, "must be ≥ 0 (value: -1)"), ("amount", -0.5, "must be ≥ 0 (value: -0.5)"),
    ("amount", 0, None), ("amount", 300.5, None),
    ("amount", None, "empty (null): a count or sum is a number, or 'suppressed'"),
    ("number", -40.5, None), ("number", None, "empty (null): a count or sum is a number, or 'suppressed'"),
    ("number", "x", "given as text 'x': must be a number (or 'suppressed')"),
    ("number", float("-inf"), "-Infinity is not a number a centre can report")])
def test_amounts_are_at_least_0_and_other_numbers_of_any_sign(kind, value, said):
    c = _Checker({}, "c1.json")
    c._cell({"x": value}, "x", "labs", 1, kind)
    assert c.problems == ([] if said is None else [Problem("c1.json", "labs", 1, "x", said)])


def test_each_cell_is_checked_as_its_table_declares_it():
    def edit(s):
        s["tables"]["labs"][0].update(n=2.5, sum_squares_value=-1, sum_change=-41.5, sum_value=None, change_q1=None)
    got = [p for p in problems(edited(summary(), edit)) if p[1:3] == ("labs", 1)]
    assert got[:3] == [(SRC, "labs", 1, "n", "a count must be a whole number ≥ 0 (value: 2.5)"),
                       (SRC, "labs", 1, "sum_squares_value", "must be ≥ 0 (value: -1)"),
                       (SRC, "labs", 1, "sum_value", "empty (null): a count or sum is a number, or 'suppressed'")]
    assert all(p[3] != "change_q1" for p in got)  # a quartile may be empty


def test_patient_years_may_be_left_out_other_cells_may_not():
    def edit(s):
        for f in ("patient_years_at_risk", "patient_years_exposure"):
            del s["tables"]["ae_incidence"][0][f]
        del s["tables"]["labs"][0]["change_q1"]
        del s["tables"]["ae_incidence"][1]["events"]
    got = problems(edited(summary(), edit))
    assert got == [(SRC, "ae_incidence", 2, "events", "missing (a withheld value is written 'suppressed')"),
                   (SRC, "labs", 1, "change_q1", "missing (a withheld value is written 'suppressed')")]


# ---- the set of summaries ------------------------------------------------------------------------------------
def test_no_summary():
    assert problems() == [("pool", None, None, None, "no centre summaries given")]


def test_a_centre_twice_and_the_same_data_under_two_codes():
    assert problems(summary(), summary(input_hash="cd" * 32), summary(input_hash="ef" * 32)) == [
        ("summary 2 (centre C1)", None, None, "centre",
         "centre C1 given twice (also summary 1 (centre C1)): each centre once")]
    assert problems(summary(), summary()) == [  # the same file twice: one problem, not two
        ("summary 2 (centre C1)", None, None, "centre",
         "centre C1 given twice (also summary 1 (centre C1)): each centre once")]
    assert problems(summary(), summary("C2"), summary("C3", input_hash="cd" * 32)) == [
        ("summary 2 (centre C2)", None, "input_sha256" and None, "input_sha256",
         "the same data as summary 1 (centre C1) (same input hash) under another centre code: each centre's data "
         "once")]
    nameless = summary(None)
    nameless["_source"] = "my centre.json"  # no code: its data are compared all the same
    assert [p[3] for p in problems(summary(), nameless)] == ["centre", "input_sha256"]


def test_every_centre_runs_the_analysis_of_the_first():
    c2 = edited(summary("C2", input_hash="cd" * 32), lambda s: s["parameters"].update(level=0.9, labs=["crp"]))
    c3 = edited(summary("C3", input_hash="ef" * 32),
                lambda s: s["parameters"].update(timepoints=[3, 6], disease="UC"))
    assert [p for p in problems(summary(), c2, c3) if p[1] == "parameters" and p[3] is None] == [
        ("summary 2 (centre C2)", "parameters", None, None,
         "differs from summary 1 (centre C1) in parameter(s) level: every centre must run the same analysis"),
        ("summary 3 (centre C3)", "parameters", None, None,
         "differs from summary 1 (centre C1) in parameter(s) disease, timepoints: every centre must run the same "
         "analysis")]
    broken = edited(summary("C2", input_hash="cd" * 32), lambda s: s.update(parameters="all"))
    assert [p for p in problems(summary(), broken) if p[1] == "parameters"] == []  # its own problem is named


def test_a_k_below_the_coordinators_is_refused_unless_accepted():
    def refusal(what, k=5):
        return (SRC, "disclosure", None, "min_cell",
                f"exported with {what}, below the coordinator's minimum cell count {k}: ask the centre to export "
                f"with --min-cell {k}, or accept it explicitly with --accept-below-min-cell (the pooled report then "
                "says so)")
    assert problems(summary(k=0), min_cell=5) == [refusal("no disclosure control")]
    assert problems(summary(k=1), min_cell=2) == [refusal("no disclosure control", 2)]
    assert [p for p in problems(summary(k=2), min_cell=3) if p[1] == "disclosure"] == [
        refusal("minimum cell count K = 2", 3)]
    assert [p for p in problems(summary(k=2), min_cell=2) if p[3] == "min_cell"] == []
    report = check_summaries([summary(k=0)], min_cell=5, accept_below_min_cell=True)
    assert report.ok and report.notes == [
        "Accepted by the coordinator below its minimum cell count of 5: centre C1 (no disclosure control); small "
        "cells of this centre may appear in this report."]
    nameless = summary(None, k=2, input_hash="cd" * 32)
    nameless["_source"] = "my centre.json"
    report = check_summaries([summary(k=1), nameless], min_cell=3, accept_below_min_cell=True)
    assert report.notes == [
        "Accepted by the coordinator below its minimum cell count of 3: centres C1 (no disclosure control), my "
        "centre.json (minimum cell count K = 2); small cells of these centres may appear in this report."]
    assert check_summaries([summary(k=None)], min_cell=5, accept_below_min_cell=True).notes == []


def test_problems_of_every_summary_and_the_consistency_at_its_own_k():
    def edit(s):
        s["disclosure"]["rule"] = 1
    both = problems(edited(summary(), edit), edited(summary("C2", input_hash="cd" * 32), edit))
    assert [(p[0], p[3]) for p in both] == [(SRC, "rule"), ("summary 2 (centre C2)", "rule")]
    # at K = 3 the rule on differences applies: CD's 5 − 4 = 1 non-responder (row 3)
    assert (SRC, "response", 3, "n", "published with its total, it gives 1 non-responders N − n, below the declared "
                                     "minimum cell count K = 3: one of them should have been withheld") \
        in problems(summary(k=3))


def test_repeated_problems_of_one_kind_are_counted_after_the_first_20():
    many = [Problem("c1", "labs", i, "n", f"a count of {i}.5 at {i:,} patients") for i in range(1, 1024)]
    other = [Problem("c1", "labs", 1, "N", "a count of 1.5 at 1 patients"), Problem("c2", "labs", 1, "n", "x 1")]
    kept = _cap(many[:5] + other + many[5:])
    assert kept == many[:5] + other + many[5:20] + [
        Problem("c1", "labs", None, "n", "1,003 more problems of this kind not listed")]
    assert _cap(many[:20]) == many[:20]
    assert _cap(many[:21]) == many[:20] + [Problem("c1", "labs", None, "n", "1 more problems of this kind not listed")]
    # the words after the 60th character are not compared
    long = [Problem("c", None, None, "f", "y" * 60 + str(i)) for i in range(21)]
    assert len(_cap(long)) == 21 and _cap(long)[-1].rule == "1 more problems of this kind not listed"
    differ = [Problem("c", None, None, "f", "y" * 59 + chr(97 + i % 26) + "z") for i in range(21)]
    assert _cap(differ) == differ
    same = [Problem("c", None, None, "f", "y" * 60 + chr(97 + i % 26)) for i in range(21)]  # the 61st differs
    assert _cap(same)[-1].rule == "1 more problems of this kind not listed"
    # a number counts as one character: '#' and 57 letters, then the letter that differs, within the 60
    numbered = [Problem("c", None, None, "f", "12.5" + "y" * 57 + chr(97 + i % 26)) for i in range(21)]
    assert _cap(numbered) == numbered


def test_the_checker_caps_what_it_reports():
    def edit(s):
        for r in s["tables"]["life_tables"]:
            r["note"] = 1
        s["tables"]["life_tables"] *= 4  # 24 rows with a field the table does not have
    got = [p for p in problems(edited(summary(), edit)) if p[3] == "note"]
    assert len(got) == 21 and got[-1] == (SRC, "life_tables", None, "note", "4 more problems of this kind not listed")


# ---- reading files -------------------------------------------------------------------------------------------
def _write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_file_that_is_not_an_object_and_what_counts_as_a_summary_file(tmp_path):
    f = _write(tmp_path / "c1.json", [summary()])
    assert read_summary_file(f) == (None, [Problem("c1.json", rule="not a centre summary (not a JSON object)")])
    assert not is_summary_file(f)
    assert is_summary_file(_write(tmp_path / "c2.json", summary()))
    assert not is_summary_file(_write(tmp_path / "c3.json", {"format": "dttstudy-report"}))
    (tmp_path / "c4.json").write_bytes(b"\xff{}")
    assert not is_summary_file(tmp_path / "c4.json")
    assert not is_summary_file(tmp_path / "absent.json")


def test_checked_summaries_reads_files_takes_dicts_and_raises_with_every_problem(tmp_path):
    c1 = _write(tmp_path / "C1.json", summary())
    c2 = summary("C2", input_hash="cd" * 32)
    got, report = checked_summaries([c1, c2], min_cell=0)
    assert [s.get("_source") for s in got] == ["C1.json", None] and got[1] is c2 and report.ok
    got, report = checked_summaries([c2, c1], min_cell=0)  # a summary given in memory, then a file
    assert [s.get("_source") for s in got] == [None, "C1.json"]
    got, report = checked_summaries([summary(k=1)], min_cell=2, accept_below_min_cell=True)
    assert report.notes and report.ok
    with pytest.raises(IncompatibleSummaries, match="below the coordinator's minimum cell count 2"):
        checked_summaries([summary(k=1)], min_cell=2)  # refused unless accepted
    (tmp_path / "C3.json").write_text("{", encoding="utf-8")
    bad = edited(summary("C4", input_hash="ef" * 32), lambda s: s["disclosure"].update(rule=1))
    with pytest.raises(IncompatibleSummaries) as err:
        checked_summaries([tmp_path / "C3.json", c1, bad], min_cell=0)
    assert [(p.source, p.field) for p in err.value.problems] == [("C3.json", None), ("summary 2 (centre C4)", "rule")]
    assert err.value.problems[0].rule.startswith("not a readable centre summary (JSONDecodeError: ")
    assert str(err.value).splitlines()[0] == "2 problems in the centre summaries; nothing was pooled or written:"
    with pytest.raises(IncompatibleSummaries) as err:
        checked_summaries([tmp_path / "C3.json"])
    assert [p.source for p in err.value.problems] == ["C3.json"]  # and not "no centre summaries given"
    with pytest.raises(IncompatibleSummaries) as err:
        checked_summaries([])
    assert str(err.value) == ("1 problem in the centre summaries; nothing was pooled or written:\n"
                              "  pool: no centre summaries given")
