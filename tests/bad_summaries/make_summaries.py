"""Writes the bad-summary corpus: centre summaries a careless or hostile collaborator could send, each refused
by ``dttstudy pool`` (exit 2, nothing written) with a line naming file, table, row and field.

``valid/`` holds the three centres of the reference cohort exported as a centre would (K = 5; a short
parameter set keeps the files small). Each case folder holds the file(s) a centre sent and ``expected.json``:
``with`` (the valid centres pooled beside it), ``options`` (extra ``pool`` options), ``exit`` and one line's
``file`` / ``table`` / ``row`` / ``field`` / ``words``. Most cases edit C1's summary and seal it again (as a
hostile sender would), so that the rule under test — not the seal — refuses it; ``edited_after_export`` keeps
the old seal. Run from the project root after a change of the summary format or the package version:

    .venv/bin/python tests/bad_summaries/make_summaries.py
"""
from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from dttstudy import load_cohort  # noqa: E402
from dttstudy.synthesis.multicentre import export_summary, summary_json  # noqa: E402
from dttstudy.synthesis.multicentre.contract import seal  # noqa: E402

SETTINGS = dict(timepoints=(3,), horizon=3, ae_vocabulary=["herpes zoster", "rash", "arthralgia", "alopecia"])


def centres(k=5, **kw):
    c = load_cohort()
    out = {}
    for name, g in c.patients.groupby("center", sort=True):
        out[name] = export_summary(c.filter(patients=list(g["patient_id"])), min_cell=k, centre=name,
                                   **(SETTINGS | kw))
    return out


def row_of(s, table, **keys):
    """Index (from 0) of the first row of ``table`` with these key values."""
    return next(i for i, r in enumerate(s["tables"][table]) if all(r.get(k) == v for k, v in keys.items()))


def first_published(s, table, field, at_least=0):
    return next(i for i, r in enumerate(s["tables"][table])
                if isinstance(r.get(field), int) and r[field] >= at_least)


def main():
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    valid = centres()
    (HERE / "valid").mkdir()
    for name, s in valid.items():
        (HERE / "valid" / f"{name}.json").write_text(summary_json(s), encoding="utf-8")
    c1 = valid["C1"]

    def case(name, files, file, table, row, field, words, with_=("C2", "C3"), options=(), exit=2):
        folder = HERE / name
        folder.mkdir()
        for fname, content in files.items():
            data = content if isinstance(content, str) else summary_json(content) if _finite(content) else \
                json.dumps(content, indent=1, ensure_ascii=False) + "\n"
            (folder / fname).write_text(data, encoding="utf-8")
        e = {"with": list(with_), "options": list(options), "exit": exit, "file": file, "table": table,
             "row": row, "field": field, "words": words}
        (folder / "expected.json").write_text(json.dumps(e, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def edit(fn, reseal=True, base=c1):
        s = copy.deepcopy(base)
        fn(s)
        return seal(s) if reseal else s

    # C1 without disclosure control, pooled with --accept-below-min-cell: every cell is published, so the
    # consistency rules have something to check
    c1_open = centres(k=0)["C1"]
    accept = ("--accept-below-min-cell",)

    def setcell(table, i, field, value):
        return lambda s: s["tables"][table][i].__setitem__(field, value)

    # response row with a published N of at least K (its n is withheld or published)
    i = first_published(c1, "response", "N", 5)
    for name, value, words in (("negative_count", -1, "whole number ≥ 0"),
                               ("fractional_count", 2.5, "whole number ≥ 0"),
                               ("count_as_text", "12", "given as text"),
                               ("count_nan", float("nan"), "NaN"),
                               ("count_infinite", float("inf"), "Infinity"),
                               ("count_empty", None, "empty (null)"),
                               ("count_as_list", [1, 2], "must be a number")):
        case(name, {"C1.json": edit(setcell("response", i, "N", value))}, "C1.json", "response", i + 1, "N",
             words)
    # events above the number of patients: the traceback "need 0 <= k <= n, got k=999, n=0"
    j = first_published(c1, "response", "N", 0)
    case("events_above_n", {"C1.json": edit(lambda s: s["tables"]["response"][j].update(n=999, N=0))},
         "C1.json", "response", j + 1, "n", "more than the evaluable patients N")
    b = row_of(c1, "baseline_counts", variable="Sex", level="M")
    case("total_not_uc_plus_cd", {"C1.json": edit(lambda s: s["tables"]["baseline_counts"][b].update(
        UC=0, CD=0, Total=7))}, "C1.json", "baseline_counts", b + 1, "Total", "is not UC + CD")
    lt = row_of(c1_open, "life_tables", parameter="time on DTT", start=3)
    case("life_table_does_not_add_up", {"C1.json": edit(setcell("life_tables", lt, "at_risk", 40), base=c1_open)},
         "C1.json", "life_tables", lt + 1, "at_risk", "the previous row leaves", options=accept)
    case("terms_do_not_add_up_to_all_events", {"C1.json": edit(lambda s: s["tables"]["ae_terms"].append(
        {"term": "rash", "patients_with_event": 0, "events": 6}), base=c1_open)}, "C1.json", "ae_terms", None,
        "events", "not to all events", options=accept)
    r = row_of(c1_open, "response", endpoint="clinical_response", analysis_set="observed", month=3, by="disease")
    r_all = row_of(c1_open, "response", endpoint="clinical_response", analysis_set="observed", month=3, by="All")
    case("overall_is_not_the_sum_of_the_groups", {"C1.json": edit(lambda s: s["tables"]["response"][r].update(
        N=s["tables"]["response"][r]["N"] + 1), base=c1_open)}, "C1.json", "response", r_all + 1, "N",
        "not the sum over the disease groups", options=accept)
    case("more_patients_with_an_ae_than_in_the_group", {"C1.json": edit(lambda s: s["tables"]["ae_incidence"][0]
                                                                       .update(patients_with_event=40, events=40),
                                                                       base=c1_open)},
         "C1.json", "ae_incidence", 1, "patients_with_event", "more than the group's patients", options=accept)
    case("unknown_format_version", {"C1.json": edit(lambda s: s.update(format_version=99))}, "C1.json", None, None,
         "format_version", "format version 99")
    case("other_package_version", {"C1.json": edit(lambda s: s.update(package_version="0.0.9"))}, "C1.json", None,
         None, "package_version", "made with dttstudy '0.0.9'")
    case("malformed_input_hash", {"C1.json": edit(lambda s: s.update(input_sha256="0" * 63 + "g"))}, "C1.json",
         None, None, "input_sha256", "must be a sha256")
    case("edited_after_export", {"C1.json": edit(setcell("response", i, "N", c1["tables"]["response"][i]["N"] + 1),
                                                 reseal=False)}, "C1.json", None, None, "content_sha256",
         "changed after export")
    case("hash_replaced_after_export", {"C1.json": edit(lambda s: s.update(input_sha256="ab" * 32), reseal=False)},
         "C1.json", None, None, "content_sha256", "changed after export")
    case("missing_disclosure_block", {"C1.json": edit(lambda s: s.pop("disclosure"))}, "C1.json", None, None,
         "disclosure", "without its disclosure block")
    case("disclosure_marker_changed", {"C1.json": edit(lambda s: s["disclosure"].update(marker="<5"))}, "C1.json",
         "disclosure", None, "marker", "must be 'suppressed'")
    case("same_centre_twice", {"C1.json": c1, "C1_again.json": c1}, "C1_again.json", None, None, "centre",
         "given twice")
    case("same_data_under_two_ids", {"C1.json": c1, "C9.json": edit(lambda s: s.update(centre="C9"))}, "C9.json",
         None, None, "input_sha256", "same data as C1.json")
    patients = [{"patient_id": "U1", "age_at_diagnosis": 20, "disease": "UC"},
                {"patient_id": "C1", "age_at_diagnosis": 18, "disease": "CD"}]
    case("patient_level_table", {"C1.json": edit(lambda s: s["tables"].update(patients=patients))}, "C1.json",
         "patients", None, None, "patient-level")
    case("patient_level_rows_in_a_table", {"C1.json": edit(lambda s: s["tables"]["response"][i].update(
        patient_id="U1"))}, "C1.json", "response", i + 1, "patient_id", "patient-level data")
    case("unknown_top_level_field", {"C1.json": edit(lambda s: s.update(notes="from Dr Miller's clinic"))},
         "C1.json", None, None, "notes", "not a field of a centre summary")

    # a withheld count published again (and taken off the withheld list, so the counts agree)
    def unsuppress(s):
        w = s["disclosure"]["withheld"]
        k = next(k for k, r in enumerate(s["tables"]["ae_terms"]) if r["patients_with_event"] == "suppressed")
        s["tables"]["ae_terms"][k]["patients_with_event"] = 2
        w.remove(f"ae_terms/term={s['tables']['ae_terms'][k]['term']}/patients_with_event")
    t = next(k for k, r in enumerate(c1["tables"]["ae_terms"]) if r["patients_with_event"] == "suppressed")
    case("small_cell_left_unsuppressed", {"C1.json": edit(unsuppress)}, "C1.json", "ae_terms", t + 1,
         "patients_with_event", "below the declared minimum cell count K = 5")
    case("withheld_list_does_not_match", {"C1.json": edit(lambda s: s["disclosure"]["withheld"].pop())}, "C1.json",
         "disclosure", None, "withheld", "the tables mark")
    g = row_of(c1, "response", endpoint="clinical_response", analysis_set="observed", month=3, by="All")
    case("difference_reveals_a_small_cell", {"C1.json": edit(lambda s: s["tables"]["response"][g].update(
        n=7, N=9))}, "C1.json", "response", g + 1, "n", "non-responders N − n")
    lab = next(k for k, r in enumerate(c1["tables"]["labs"]) if r["n"] == "suppressed")
    case("sum_over_no_patient", {"C1.json": edit(lambda s: s["tables"]["labs"][lab].update(
        n=0, sum_change=-3.5))}, "C1.json", "labs", lab + 1, "sum_change", "over no patient")
    case("sum_over_a_small_group", {"C1.json": edit(lambda s: s["tables"]["labs"][lab].update(
        n=2, sum_change=-3.5))}, "C1.json", "labs", lab + 1, "sum_change", "published for 2 patient(s)")
    case("impossible_sum_of_squares", {"C1.json": edit(lambda s: s["tables"]["labs"][0].update(
        n=6, sum_baseline=60.0, sum_squares_baseline=10.0), base=c1_open)}, "C1.json", "labs", 1,
        "sum_squares_baseline", "is impossible", options=accept)
    case("term_outside_the_vocabulary", {"C1.json": edit(lambda s: s["tables"]["ae_terms"].append(
        {"term": "rash seen by Dr Miller", "patients_with_event": 0, "events": 0}))}, "C1.json", "ae_terms",
        len(c1["tables"]["ae_terms"]) + 1, "term", "outside the shared vocabulary")
    case("duplicate_row", {"C1.json": edit(lambda s: s["tables"]["response"].append(
        dict(s["tables"]["response"][0])))}, "C1.json", "response", len(c1["tables"]["response"]) + 1, None,
        "the same row as row 1")
    case("parameter_out_of_range", {"C1.json": edit(lambda s: s["parameters"].update(level=7))}, "C1.json",
         "parameters", None, "level", "confidence level")
    case("parameters_differ", {"C2.json": seal(dict(valid["C2"], parameters=dict(valid["C2"]["parameters"],
                                                                                crp_uln=10.0)))},
         "C2.json", "parameters", None, None, "crp_uln", with_=("C1", "C3"))
    case("no_disclosure_control", {"C1.json": centres(k=0)["C1"]}, "C1.json", "disclosure", None, "min_cell",
         "no disclosure control")
    case("k_below_the_coordinators_minimum", {"C1.json": centres(k=3)["C1"]}, "C1.json", "disclosure", None,
         "min_cell", "minimum cell count K = 3, below the coordinator's minimum cell count 5")
    case("k_above_a_stricter_coordinator", {"C1.json": c1}, "C1.json", "disclosure", None, "min_cell",
         "below the coordinator's minimum cell count 10", options=("--min-cell", "10"))
    case("not_json", {"C1.json": summary_json(c1)[:500]}, "C1.json", None, None, None,
         "not a readable centre summary")
    case("duplicate_key", {"C1.json": summary_json(c1).replace('"centre": "C1",', '"centre": "C1",\n "centre": "C4",')},
         "C1.json", None, None, None, "appears twice")
    case("not_a_summary", {"C1.json": {"hello": "world"}}, "C1.json", None, None, "format",
         "not a dttstudy centre summary")


def _finite(s) -> bool:
    try:
        json.dumps(s, allow_nan=False)
        return True
    except ValueError:
        return False


if __name__ == "__main__":
    main()
