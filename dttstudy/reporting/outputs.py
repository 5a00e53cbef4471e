"""Report folders the package owns, and only those.

A report folder carries a manifest (:data:`MANIFEST`) listing every file the package wrote into it. An existing
folder is replaced only when it carries the manifest and holds nothing else; a folder, file or path the package
did not write is never deleted or overwritten. :func:`check_target` says, in one line, why a target is refused.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..paths import REFERENCE_DIR, ROOT
from ..targets import TargetError, check_output, resolve  # noqa: F401  (the one output-path rule)

MANIFEST = ".dttstudy-manifest.json"
#: The tracked report of the bundled reference cohort.
REFERENCE_REPORT = ROOT / "reports"


def default_out(data: str | Path | None) -> Path:
    """Where a report goes without ``--out``: the tracked ``reports/`` for the bundled reference cohort; for any
    other data a folder named after the data, beside it (``my_cohort/`` → ``my_cohort_report/``,
    ``centre.xlsx`` → ``centre_report/``), so a centre's patient-level tables stay next to its data."""
    if data is None or resolve(data, "--data") == REFERENCE_DIR.resolve():
        return REFERENCE_REPORT
    src = resolve(data, "--data")
    stem = src.stem if src.suffix.lower() in (".xlsx", ".xlsm") else src.name
    return src.with_name(f"{stem}_report")


def read_manifest(folder: Path) -> dict | None:
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(m, dict) or m.get("written_by") != "dttstudy" or not isinstance(m.get("files"), list):
        return None
    return m


def _contents(folder: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        rel = Path(dirpath).relative_to(folder)
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            out.append((rel / name).as_posix())
    return sorted(out)


def check_target(out: Path, data: Path | None, *, reference: bool) -> None:
    """Raise TargetError unless ``out`` (absolute) may be (re)written with a report of ``data`` (absolute).

    Refused: a file; what :func:`dttstudy.targets.check_output` refuses (the data, a path inside the data folder or
    containing the data, the project or its own files); the tracked reference report for any data but the reference cohort; a non-empty folder without the package's
    manifest, or with files its manifest does not list.
    """
    shown = str(out)
    if out.is_symlink():
        raise TargetError(f"--out {shown} is a symbolic link: give the real folder")
    if out.exists() and not out.is_dir():
        raise TargetError(f"--out {shown} is a file, not a folder: choose a new folder name for the report")
    check_output(out, [data])  # not the data, inside or around it, nor the project (dttstudy.targets)
    if out == REFERENCE_REPORT.resolve() and not reference:
        raise TargetError(f"--out {shown} is the bundled reference report: give your own data their own folder "
                          f"(the default is a folder named after the data)")
    if not out.is_dir():
        return
    present = _contents(out)
    if not present:
        return
    manifest = read_manifest(out)
    if manifest is None:
        raise TargetError(f"--out {shown} is a folder dttstudy did not write (no {MANIFEST}): choose a new or "
                          f"empty folder, nothing was changed")
    foreign = [f for f in present if f != MANIFEST and f not in set(manifest["files"])]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise TargetError(f"--out {shown} holds {foreign[0]}{more}, which dttstudy did not write: move it away or "
                          f"choose another folder, nothing was changed")


def write_manifest(folder: Path, version: str) -> None:
    files = [f for f in _contents(folder) if f != MANIFEST]
    text = json.dumps({"written_by": "dttstudy", "version": version, "files": files}, indent=1) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``tmp`` with two renames; the old report (checked by :func:`check_target`
    to hold only files the package wrote) survives until the new one is in place, then is removed."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old)
