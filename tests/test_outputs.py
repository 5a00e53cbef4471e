"""Never delete or overwrite what the package did not write: every refused target leaves the user's files
byte-for-byte intact, exits 2 with one line, and leaves no temporary folder behind."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REFERENCE, ROOT


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dttstudy.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def snapshot(folder):
    """Every file and folder under ``folder`` (names, bytes, and the folder list), to compare after a run."""
    files = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(folder.rglob("*")) if p.is_file()}
    dirs = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir())
    return files, dirs


def user_folder(tmp_path, name="my_folder"):
    d = tmp_path / name
    (d / "sub").mkdir(parents=True)
    (d / "thesis.docx").write_bytes(b"PK\x03\x04 my thesis")
    (d / "sub" / "notes.txt").write_text("do not lose me\n")
    return d


def copy_reference(tmp_path, name="centre"):
    dst = tmp_path / name
    shutil.copytree(REFERENCE, dst)
    for f in ("README.md", "conflicts.csv"):
        (dst / f).unlink(missing_ok=True)
    return dst


def refused(res, fragment):
    assert res.returncode == 2, res.stdout + res.stderr
    text = res.stdout + res.stderr
    assert fragment in text, text
    assert "Traceback" not in text
    assert len([ln for ln in text.splitlines() if ln.strip()]) == 1, text  # one line saying what to do


def test_a_user_folder_is_refused_untouched(tmp_path):
    d = user_folder(tmp_path)
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--out", str(d)), "did not write")
    assert snapshot(tmp_path) == before


def test_the_data_folder_is_refused_untouched(tmp_path):
    data = copy_reference(tmp_path)
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--data", str(data), "--out", str(data)), "is or contains the data")
    assert snapshot(tmp_path) == before


def test_a_folder_containing_the_data_is_refused_untouched(tmp_path):
    data = copy_reference(tmp_path / "project", "centre")
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--data", str(data), "--out", str(tmp_path / "project")), "is or contains the data")
    assert snapshot(tmp_path) == before


def test_a_workbook_parent_folder_is_refused_untouched(tmp_path):
    wb = tmp_path / "centre.xlsx"
    wb.write_bytes(b"PK\x03\x04 not really a workbook")
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--data", str(wb), "--out", str(tmp_path)), "is or contains the data")
    assert snapshot(tmp_path) == before


def test_a_folder_containing_the_project_is_refused():
    before = snapshot(ROOT / "data")
    refused(cli("reproduce", "--out", str(ROOT.parent)), "contains the dttstudy project")
    refused(cli("reproduce", "--out", str(ROOT)), "contains the dttstudy project")
    assert snapshot(ROOT / "data") == before


def test_a_file_is_refused_untouched(tmp_path):
    f = tmp_path / "results.txt"
    f.write_text("my results\n")
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--out", str(f)), "is a file")
    assert snapshot(tmp_path) == before


def test_the_reference_report_is_not_the_target_of_other_data(tmp_path):
    data = copy_reference(tmp_path)
    before = snapshot(ROOT / "reports")
    refused(cli("reproduce", "--data", str(data), "--out", str(ROOT / "reports")), "reference report")
    assert snapshot(ROOT / "reports") == before


def test_a_report_folder_with_a_foreign_file_is_refused(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "index.html").write_text("old report\n")
    (out / "my_notes.txt").write_text("added by hand\n")
    (out / ".dttstudy-manifest.json").write_text(json.dumps({"written_by": "dttstudy", "files": ["index.html"]}))
    before = snapshot(tmp_path)
    refused(cli("reproduce", "--out", str(out)), "my_notes.txt")
    assert snapshot(tmp_path) == before


def test_a_symlink_loop_is_a_clear_error(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    os.symlink(b, a)
    os.symlink(a, b)
    res = cli("reproduce", "--out", str(a / "x"))
    assert res.returncode == 2 and "Traceback" not in res.stdout + res.stderr
    res = cli("validate", str(a))
    assert res.returncode in (1, 2) and "Traceback" not in res.stdout + res.stderr


def test_default_out_for_other_data_is_named_after_the_data(tmp_path):
    from dttstudy.reporting.outputs import REFERENCE_REPORT, default_out

    assert default_out(None) == REFERENCE_REPORT
    assert default_out(REFERENCE) == REFERENCE_REPORT
    assert default_out(tmp_path / "centre") == (tmp_path / "centre_report").resolve()
    assert default_out(tmp_path / "Centre B.xlsx") == (tmp_path / "Centre B_report").resolve()


def test_template_refuses_to_overwrite_without_force(tmp_path):
    d = tmp_path / "mine"
    assert cli("template", str(d)).returncode == 0
    (d / "patients.csv").write_text("patient_id,center\nP01,C1\n")  # filled in by the user
    before = snapshot(tmp_path)
    refused(cli("template", str(d)), "already exists")
    assert snapshot(tmp_path) == before
    assert cli("template", str(d), "--force").returncode == 0
    assert "P01" not in (d / "patients.csv").read_text()


def test_synth_refuses_to_overwrite_without_force(tmp_path):
    d = user_folder(tmp_path)
    before = snapshot(tmp_path)
    refused(cli("synth", "--patients", "5", "--out", str(d)), "already exists")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["report", "nested/deeper/report"])
def test_an_owned_report_is_replaced_and_a_new_one_created(tmp_path, name, monkeypatch):
    """A folder the package wrote (manifest lists every file) is replaced; the manifest lists what is there."""
    from dttstudy.reporting import pipeline
    from dttstudy.reporting.outputs import MANIFEST, read_manifest

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_reproduction.ipynb", nbdir)
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", nbdir)
    out = tmp_path / name
    assert pipeline.reproduce(None, out, 1, echo=lambda m: None) == out
    m = read_manifest(out)
    present = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != MANIFEST)
    assert m is not None and sorted(m["files"]) == present
    assert pipeline.reproduce(None, out, 1, force=True, echo=lambda m: None) == out
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []  # no temp/old folders


# ---- one output-path rule for every command: never on, inside or around the data, never in the project ---------
def run(capsys, *args):
    from dttstudy.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def refused_in_process(capsys, fragment, *args):
    code, text = run(capsys, *args)
    assert code == 2, text
    assert fragment in text and "Traceback" not in text, text


@pytest.mark.parametrize("target", ["patients.csv", "visits.csv", "summary.json", "sub/summary.json"])
def test_export_summary_never_writes_on_or_into_the_data(tmp_path, capsys, target):
    data = copy_reference(tmp_path)
    before = snapshot(tmp_path)
    for force in ([], ["--force"]):
        refused_in_process(capsys, "data", "export-summary", "--data", str(data), "--out", str(data / target),
                           *force)
    assert snapshot(tmp_path) == before


def test_export_summary_through_a_link_to_a_data_file_is_refused(tmp_path, capsys):
    data = copy_reference(tmp_path)
    os.symlink(data / "patients.csv", tmp_path / "soft.json")
    os.link(data / "patients.csv", tmp_path / "hard.json")
    before = snapshot(tmp_path)
    refused_in_process(capsys, "inside the data folder", "export-summary", "--data", str(data), "--out",
                       str(tmp_path / "soft.json"), "--force")
    refused_in_process(capsys, "under another name", "export-summary", "--data", str(data), "--out",
                       str(tmp_path / "hard.json"), "--force")
    assert snapshot(tmp_path) == before


def test_export_summary_force_replaces_only_a_summary(tmp_path, capsys):
    data = copy_reference(tmp_path / "in")
    thesis = tmp_path / "thesis.json"
    thesis.write_text('{"chapter": 1}\n')
    refused_in_process(capsys, "is not a centre summary", "export-summary", "--data", str(data), "--out",
                       str(thesis), "--force")
    assert thesis.read_text() == '{"chapter": 1}\n'
    out = tmp_path / "c1.json"
    assert run(capsys, "export-summary", "--data", str(data), "--out", str(out), "--centre", "C1")[0] == 0
    refused_in_process(capsys, "already exists", "export-summary", "--data", str(data), "--out", str(out))
    assert run(capsys, "export-summary", "--data", str(data), "--out", str(out), "--centre", "C2", "--force")[0] == 0
    assert json.loads(out.read_text())["centre"] == "C2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c1.json", "in", "thesis.json"]  # no temporary file


def test_export_summary_of_the_reference_cohort_never_writes_into_the_project(capsys):
    before = snapshot(ROOT / "data")
    refused_in_process(capsys, "inside the data folder", "export-summary", "--out",
                       str(ROOT / "data" / "reference" / "summary.json"))
    refused_in_process(capsys, "own files", "export-summary", "--out", str(ROOT / "dttstudy" / "summary.json"))
    assert snapshot(ROOT / "data") == before


def test_a_report_inside_the_data_folder_is_refused_untouched(tmp_path, capsys):
    data = copy_reference(tmp_path)
    before = snapshot(tmp_path)
    refused_in_process(capsys, "inside the data folder", "reproduce", "--data", str(data), "--out",
                       str(data / "report"))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["data/reference", "data/templates", "dttstudy/x", "notebooks/x", "tests/x", "."])
def test_template_and_synth_never_write_into_the_project(where, capsys):
    before = snapshot(ROOT / "data"), snapshot(ROOT / "tests" / "bad_inputs")
    target = str(ROOT / where)
    refused_in_process(capsys, "dttstudy project", "template", target, "--force")
    refused_in_process(capsys, "dttstudy project", "synth", "--patients", "3", "--out", target, "--force")
    assert (snapshot(ROOT / "data"), snapshot(ROOT / "tests" / "bad_inputs")) == before


def test_pool_never_writes_on_a_summary_or_into_the_project(tmp_path, capsys):
    valid = ROOT / "tests" / "bad_summaries" / "valid"
    files = sorted(str(p) for p in valid.glob("*.json"))
    before = snapshot(valid)
    refused_in_process(capsys, "is or contains the data", "pool", *files, "--out", files[0])
    refused_in_process(capsys, "is or contains the data", "pool", *files, "--out", str(valid.parent))
    refused_in_process(capsys, "dttstudy project", "pool", *files, "--out", str(ROOT / "data" / "pooled"))
    assert snapshot(valid) == before


def test_check_output_rule_directly(tmp_path):
    from dttstudy.targets import TargetError, check_output

    data = copy_reference(tmp_path)
    wb = tmp_path / "centre.xlsx"
    wb.write_bytes(b"PK")
    assert check_output(tmp_path / "report", [data, wb]) == (tmp_path / "report").resolve()
    assert check_output(tmp_path / "centre_C1.json", [wb]) == (tmp_path / "centre_C1.json").resolve()  # beside
    for bad in (data, data / "x", tmp_path, wb, ROOT, ROOT / "data" / "new", ROOT.parent):
        with pytest.raises(TargetError):
            check_output(bad, [data, wb])
