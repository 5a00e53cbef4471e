"""The study as a vantage6 algorithm (federated/vantage6), checked from its own environment.

vantage6-algorithm-tools pins its own dependencies (click, python-dateutil, sqlalchemy, ...), so the algorithm
cannot share the study's .venv: it gets .venv-vantage6, created on first use from
federated/vantage6/requirements.lock (plus the test runner), with dttstudy and the algorithm installed into it as
the image installs them (from a copy of their sources, not editable, no dependencies). It is re-created only when a
lock file changes (from scratch), and the two packages are reinstalled only when their sources change. The algorithm's tests
(federated/vantage6/tests: MockAlgorithmClient end to end against 'dttstudy export-summary' + 'dttstudy pool', the
refusals, the node started through vantage6's wrapper) then run with that environment's Python. The test is
skipped, saying why, only when the environment cannot be created (no Python 3.11, no package index).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
ALGORITHM = ROOT / "federated" / "vantage6"
LOCK = ALGORITHM / "requirements.lock"
TEST_LOCK = ALGORITHM / "requirements-test.lock"
VENV = ROOT / ".venv-vantage6"
STAMP = VENV / ".dttstudy-installed.json"
#: Pins of the algorithm's environment that vantage6-common 4.15 fixes and that therefore differ from the study's.
VANTAGE6_PINS = {"click", "python-dateutil"}


def _name(n: str) -> str:
    return re.sub(r"[-_.]+", "-", n).lower()


def _pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"{path.name}: not an exact pin: {line!r}"
            out[_name(name)] = version.strip()
    return out


def _digest(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _sources() -> list[Path]:
    """What the two packages are built from (as the Dockerfile copies them)."""
    files = [ROOT / "pyproject.toml", ROOT / "README.md", ALGORITHM / "pyproject.toml"]
    for folder in (ROOT / "dttstudy", ALGORITHM / "dttstudy_vantage6"):
        files += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return files


def _run(cmd, timeout) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)


def _interpreter() -> str | None:
    """Python 3.11, the image's: this one if it is 3.11, else python3.11 on the PATH."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    return shutil.which("python3.11")


def _write_stamp(stamp: dict) -> None:
    tmp = STAMP.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp, indent=1) + "\n")
    tmp.replace(STAMP)


@pytest.fixture(scope="session")
def algorithm_python() -> Path:
    """The Python of .venv-vantage6, created or brought up to date."""
    python = VENV / "bin" / "python"
    environment = _digest([LOCK, TEST_LOCK])
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("environment") != environment or not python.exists():
        base = _interpreter()
        if base is None:
            pytest.skip("cannot create .venv-vantage6: the algorithm image runs Python 3.11 and no python3.11 is "
                        "installed here")
        if stamp:  # a lock changed: start again from an empty environment (one this test made: it has the stamp)
            shutil.rmtree(VENV)
        steps = [([base, "-m", "venv", VENV], 300),
                 ([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r", LOCK, "-r",
                   TEST_LOCK], 1800)]
        for cmd, timeout in steps:
            try:
                done = _run(cmd, timeout)
            except (OSError, subprocess.TimeoutExpired) as err:
                pytest.skip(f"cannot create .venv-vantage6 ({' '.join(map(str, cmd[:4]))} ...): {err}")
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                pytest.skip(f"cannot create .venv-vantage6: {' '.join(map(str, cmd[:4]))} ... failed: {last}")
        stamp = {"environment": environment}
        _write_stamp(stamp)
    source = _digest(_sources())
    if stamp.get("source") != source:
        # installed as the image installs them: built from a copy of the sources, no dependencies
        with tempfile.TemporaryDirectory(prefix="dttstudy-build-") as tmp:
            study, algorithm = Path(tmp) / "dttstudy", Path(tmp) / "dttstudy-vantage6"
            skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
            shutil.copytree(ROOT / "dttstudy", study / "dttstudy", ignore=skip)
            shutil.copy2(ROOT / "pyproject.toml", study)
            shutil.copy2(ROOT / "README.md", study)
            shutil.copytree(ALGORITHM / "dttstudy_vantage6", algorithm / "dttstudy_vantage6", ignore=skip)
            shutil.copy2(ALGORITHM / "pyproject.toml", algorithm)
            done = _run([python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps",
                         "--no-build-isolation", "--force-reinstall", study, algorithm], 900)
        assert done.returncode == 0, f"installing dttstudy and the algorithm into .venv-vantage6 failed:\n{done.stderr}"
        _write_stamp({**stamp, "source": source})
    return python


def test_algorithm_end_to_end_in_its_own_environment(algorithm_python, tmp_path):
    """federated/vantage6/tests with the algorithm's Python, from outside the source tree (so the installed
    packages are the ones imported)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MPLCONFIGDIR"] = str(VENV / "matplotlib")  # its font cache, built once
    done = subprocess.run([str(algorithm_python), "-m", "pytest", "-q", "--durations=5", "-c", str(ALGORITHM / "pyproject.toml"),
                           "--rootdir", str(ALGORITHM), "--basetemp", str(tmp_path / "runs"), str(ALGORITHM / "tests")],
                          capture_output=True, text=True, timeout=1800, cwd=tmp_path, env=env)
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    assert re.search(r"\b\d+ passed\b", tail) and not re.search(r"skipped|xfail|deselected", tail), tail


def test_algorithm_environment_computes_with_the_studys_libraries():
    """Every package both environments hold has the study's version, except the pins vantage6 fixes; dttstudy's
    declared dependencies are met by the algorithm's lock; vantage6-algorithm-tools is 4.15.x."""
    algorithm, study = _pins(LOCK), _pins(ROOT / "requirements.lock")
    differ = {n for n in algorithm.keys() & study.keys() if algorithm[n] != study[n]}
    assert differ == VANTAGE6_PINS, (f"versions differing from requirements.lock: "
                                     f"{ {n: (algorithm[n], study[n]) for n in differ} } — regenerate "
                                     "federated/vantage6/requirements.lock as its header says")
    assert "dttstudy" not in algorithm  # installed from the repository
    assert algorithm["vantage6-algorithm-tools"].startswith("4.15.")
    for req in map(Requirement, tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]):
        name = _name(req.name)
        assert name in algorithm and req.specifier.contains(algorithm[name], prereleases=True), (
            f"dttstudy needs {req}, the algorithm's lock has {algorithm.get(name)}")
    for name, version in _pins(TEST_LOCK).items():
        assert study.get(name) == version, f"{name}: requirements-test.lock {version}, requirements.lock {study.get(name)}"


def test_algorithm_image_is_lean():
    """The algorithm runs no notebook: its lock holds none of dttstudy's 'notebooks' extra (JupyterLab, Papermill,
    nbconvert, the kernel, jupytext) nor what only they need (a Jupyter server, a notebook format), and the study's
    own environment holds them all."""
    algorithm, study = _pins(LOCK), _pins(ROOT / "requirements.lock")
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["notebooks"]
    names = {_name(Requirement(r).name) for r in extra}
    assert names == {"papermill", "nbconvert", "ipykernel", "jupytext", "jupyterlab"}
    assert names <= study.keys() and not names & algorithm.keys()
    assert not {"jupyter-server", "nbformat", "nbclient", "ipython", "pyzmq", "tornado"} & algorithm.keys()
    assert "RUN pip install -r /build/requirements.lock" in (ALGORITHM / "Dockerfile").read_text()
