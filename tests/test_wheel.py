"""The package as others install it: a wheel (a non-editable install) carries every module and the data files the
package reads, and its command line validates the reference cohort.

The wheel is built from a copy of the sources (the working tree is left as it was) and installed, without its
dependencies, into a new virtual environment; the dependencies are those of this environment, reached through a
path entry, so the test needs no package index.
"""
from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd, **kw):
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def test_wheel_carries_modules_and_data_and_validates(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "dttstudy", src / "dttstudy", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
          "--disable-pip-version-check", "-w", tmp_path / "dist", src])
    (wheel,) = (tmp_path / "dist").glob("dttstudy-*.whl")

    # every module and every data file of the package is in the wheel
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    wanted = {p.relative_to(ROOT).as_posix() for p in (ROOT / "dttstudy").rglob("*.py")}
    wanted |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "dttstudy" / "intake" / "data").glob("*.csv")}
    assert any(w.endswith(".csv") for w in wanted)
    missing = sorted(wanted - in_wheel)
    assert not missing, f"not in the wheel: {missing}"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    purelib = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    (purelib / "dependencies.pth").write_text("\n".join(sorted(here)) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", "--quiet",
          "--disable-pip-version-check", wheel])

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = _run([py, "-c", "import dttstudy, dttstudy.intake.normalise as n; "
                          "print(dttstudy.__file__); print(n.SYNONYMS_CSV.is_file())"], cwd=tmp_path, env=env)
    where, has_data = out.stdout.split()
    assert Path(where).is_relative_to(purelib), f"dttstudy imported from {where}, not from the installed wheel"
    assert has_data == "True"

    res = subprocess.run([venv / "bin" / "dttstudy", "validate", "--data", ROOT / "data" / "reference"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.splitlines()[0].endswith(": valid"), res.stdout
