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
from dttstudy.synthesis.multicentre.check import check_summaries
from dttstudy.synthesis.multicentre.contract import TABLES, IncompatibleSummaries, content_hash, seal

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
