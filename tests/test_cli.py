"""The command line never shows a traceback: broken pipes, Ctrl-C, usage errors; help in plain text."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import REFERENCE, ROOT

DTT = [sys.executable, "-m", "dttstudy.cli"]


def test_help_lists_every_command_in_plain_text():
    res = subprocess.run(DTT + ["--help"], capture_output=True, text=True)
    assert res.returncode == 0
    for cmd in ("validate", "summary", "check", "reproduce", "synth", "template", "execute-notebooks"):
        assert cmd in res.stdout
    assert "``" not in res.stdout and ":func:" not in res.stdout  # no reStructuredText markup


def test_every_option_has_help():
    from dttstudy.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        for a in p._actions:
            assert a.help, f"{name}: option {a.option_strings or a.dest} has no help"


def test_version():
    from dttstudy import __version__

    res = subprocess.run(DTT + ["--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == f"dttstudy {__version__}"


def test_data_option_on_every_cohort_command():
    for cmd in ("validate", "summary", "check"):
        a = subprocess.run(DTT + [cmd, "--data", str(REFERENCE)], capture_output=True, text=True)
        b = subprocess.run(DTT + [cmd, str(REFERENCE)], capture_output=True, text=True)
        assert a.returncode == b.returncode == 0 and a.stdout == b.stdout, cmd


def test_broken_pipe_is_quiet():
    res = subprocess.run(f"{sys.executable} -m dttstudy.cli check | head -1", shell=True, capture_output=True,
                         text=True, cwd=ROOT)
    assert "Traceback" not in res.stderr and "BrokenPipeError" not in res.stderr
    assert res.stdout.strip()


def test_ctrl_c_is_one_line_and_exit_130(tmp_path):
    # a shell without job control starts background commands with SIGINT ignored, and Python then keeps it
    # ignored: the child gets the default disposition back, as a command typed at a terminal has it
    proc = subprocess.Popen(DTT + ["reproduce", "--out", str(tmp_path / "o"), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # wait until notebooks are running, then interrupt
    line = proc.stdout.readline()
    deadline = time.time() + 120
    while "Running" not in line and time.time() < deadline:
        line = proc.stdout.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in out + err and "interrupted" in err
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # the temporary build folder is gone too


def test_synth_writes_a_workbook(tmp_path):
    res = subprocess.run(DTT + ["synth", "--patients", "12", "--seed", "3", "--out", str(tmp_path / "s.xlsx")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    res = subprocess.run(DTT + ["validate", str(tmp_path / "s.xlsx")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


def _wait_for_temporary(proc, folder, name="o", timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(p.name.startswith(f".{name}.tmp-") for p in folder.iterdir()):
            return
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("no temporary folder appeared")


def test_sigterm_removes_the_temporary_folder_and_exits_143(tmp_path):
    proc = subprocess.Popen(DTT + ["reproduce", "--out", str(tmp_path / "o"), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_temporary(proc, tmp_path)
    time.sleep(2.0)  # a notebook is running
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, out + err
    assert "Traceback" not in out + err and "terminated" in err
    time.sleep(1.5)  # a worker's kernel ends within a second of its worker
    assert [p.name for p in tmp_path.iterdir()] == []  # no report, no temporary folder


def test_a_rerun_removes_what_a_killed_run_left_and_only_that(tmp_path, monkeypatch):
    """SIGKILL cannot be caught: the folder stays, with its marker; the next run into the same target removes
    it (process gone, marker inside), but not a folder of that name it cannot prove is its own, nor a live run's."""
    import shutil

    from conftest import ROOT
    from dttstudy.reporting import pipeline
    from dttstudy.reporting.interrupts import MARKER

    proc = subprocess.Popen(DTT + ["reproduce", "--out", str(tmp_path / "o"), "--jobs", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_temporary(proc, tmp_path)
    time.sleep(2.0)
    proc.kill()
    proc.wait(timeout=60)
    time.sleep(1.5)
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".o.tmp-")]
    assert len(left) == 1 and (left[0] / MARKER).is_file()
    foreign = tmp_path / ".o.tmp-999999999"  # same name pattern, no marker: not provably ours
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    live = tmp_path / f".o.tmp-{os.getpid()}x"  # not the pattern at all
    live.mkdir()
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_reproduction.ipynb", nbdir)
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", nbdir)
    said = []
    assert pipeline.reproduce(None, tmp_path / "o", 1, echo=said.append) == tmp_path / "o"
    assert not left[0].exists() and any("interrupted run" in s for s in said)
    assert (foreign / "notes.txt").read_text() == "mine" and live.is_dir()
    assert not (tmp_path / "o" / MARKER).exists()  # the marker never reaches a report
