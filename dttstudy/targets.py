"""Where a command may write: one rule for the output path of every command.

``export-summary``, ``reproduce``, ``template``, ``synth`` and ``pool`` call :func:`check_output` before they
read or write anything. It refuses, with one line saying why (the command exits 2 and changes nothing):

* an output that *is* an input — the same path, or the same file under another name (a symbolic or hard link,
  another spelling of the name on a case-insensitive disk);
* an output *inside* an input folder (a cohort folder: writing there adds to the data) or an output folder
  that *contains* an input;
* the project itself, a folder containing it, or a path inside the project's own files (:data:`PROTECTED`:
  the package, ``data/``, ``notebooks/``, ``tests/``, ``.git``). The tracked ``reports/`` may be written by
  ``reproduce`` for the bundled reference cohort only (:func:`dttstudy.reporting.outputs.check_target`).

Whether an existing output may be replaced (only what the package wrote, or with ``--force``) is each command's
own rule; this module only says where nothing may be written at all. No heavy imports: the command line uses
it before pandas loads.
"""
from __future__ import annotations

import os
from pathlib import Path

from .paths import DATA_DIR, NOTEBOOK_DIR, PACKAGE_DIR, ROOT

#: The project's own files: nothing is ever written inside them.
PROTECTED = (PACKAGE_DIR, DATA_DIR, NOTEBOOK_DIR, ROOT / "tests", ROOT / ".git")


class TargetError(ValueError):
    """An output path the package refuses to write (the message says what to do)."""


def resolve(path: str | Path, what: str) -> Path:
    """``path`` made absolute with symlinks resolved; a symlink loop or unreadable path is a TargetError."""
    try:
        return Path(path).expanduser().resolve(strict=False)
    except (OSError, RuntimeError) as err:  # RuntimeError: symlink loop on Python < 3.13
        raise TargetError(f"{what} {str(path)!r} cannot be resolved ({err})") from None


def _files(path: Path) -> list[Path]:
    """The files an input consists of (a cohort folder: the files directly inside it)."""
    try:
        if path.is_dir():
            return [p for p in path.iterdir() if p.is_file()]
        return [path] if path.is_file() else []
    except OSError:
        return []


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(out: str | Path, inputs=(), *, option: str = "--out") -> Path:
    """``out`` resolved, or a :class:`TargetError` when writing there could change an input or the project (see
    the module docstring). ``inputs`` are the files and folders the command reads."""
    shown = str(out)
    out = resolve(out, option)
    for raw in inputs:
        if raw is None:
            continue
        data = resolve(raw, "input")
        if out == data or data.is_relative_to(out):
            raise TargetError(f"{option} {shown} is or contains the data ({data}): choose a path outside the data")
        if data.is_dir() and out.is_relative_to(data):
            raise TargetError(f"{option} {shown} lies inside the data folder {data}: the data are never added to "
                              "or overwritten; choose a path outside it")
        if out.exists():
            twin = next((f for f in _files(data) if _same_file(out, f)), None)
            if twin is not None:
                raise TargetError(f"{option} {shown} is the data file {twin} under another name (a link): choose "
                                  "a path outside the data")
    if ROOT.is_relative_to(out):
        raise TargetError(f"{option} {shown} contains the dttstudy project: choose a folder of its own")
    for p in PROTECTED:
        if out.is_relative_to(p.resolve()):
            raise TargetError(f"{option} {shown} lies inside the dttstudy project's own files ({p.name}/): choose a "
                              "folder outside them")
    return out
