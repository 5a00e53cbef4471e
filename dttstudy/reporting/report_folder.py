"""One object owns a report folder's life: the check that the package may write there, the temporary folder the
new report is built in, the outputs reused from the last run, the notebooks' parts assembled, and the swap that
puts the new report in place — or, on any error, the removal of the temporary folder, leaving the old report as
it was. The errors a run can end with are exceptions carrying the exit code the command line gives them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .interrupts import mark_temporary, remove_stale, unmark_temporary
from .outputs import check_target, swap_in, write_manifest

#: The sub-folders of every report folder.
SUBFOLDERS = ("notebooks", "html", "tables", "figures")


class ReportError(Exception):
    """A run that ended without a new report; ``exit_code`` is what ``dttstudy`` returns for it."""

    exit_code = 1


class UsageError(ReportError):
    """A parameter or folder the command refuses before anything runs (nothing was touched)."""

    exit_code = 2


class InvalidData(ReportError):
    """The data did not validate: the message is the validation report."""


class NotebooksFailed(ReportError):
    """A notebook failed: the message names it and its cell; the previous report is unchanged."""


class ReportFolder:
    """The report folder ``out`` for the data at ``data`` (``reference``: the bundled cohort).

    Use as a context manager around the build::

        folder = ReportFolder(out, data, reference=True)
        folder.check()                    # may the package write there? (raises TargetError)
        with folder as tmp:               # a fresh temporary folder beside out
            folder.reuse(files)           # carry unchanged outputs over from out
            folder.assemble("01_cohort")  # a notebook's tables and figures into place
            folder.swap_in(version)       # checked again, then swapped in atomically

    Leaving the ``with`` block without :meth:`swap_in` (an error, Ctrl-C) removes the temporary folder.
    """

    def __init__(self, out: Path, data: Path | None, *, reference: bool, echo=print):
        self.out, self.data, self.reference, self.echo = Path(out), data, reference, echo
        self.tmp: Path | None = None

    def check(self) -> None:
        """Refuse a folder the package did not write, the data folder itself, or the project (TargetError)."""
        check_target(self.out, self.data, reference=self.reference)

    def __enter__(self) -> Path:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.out, self.echo)  # temporary folders of interrupted earlier runs into out
        tmp = self.out.with_name(f".{self.out.name}.tmp-{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        mark_temporary(tmp, self.out)
        for sub in (*SUBFOLDERS, ".parts"):
            (tmp / sub).mkdir(parents=True)
        self.tmp = tmp
        return tmp

    def __exit__(self, *exc) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def part(self, name: str) -> str:
        """Where a notebook writes its outputs, relative to the temporary folder."""
        return f".parts/{name}"

    def reuse(self, files: list[str]) -> None:
        """Copy files of the current report (unchanged notebooks' outputs) into the new one."""
        assert self.tmp is not None
        for f in files:
            shutil.copy2(self.out / f, self.tmp / f)

    def assemble(self, name: str) -> list[str]:
        """Move one notebook's tables and figures from its part into the report; returns them, relative."""
        assert self.tmp is not None
        part, files = self.tmp / ".parts" / name, []
        for sub in ("tables", "figures"):
            for f in sorted((part / sub).glob("*")) if (part / sub).is_dir() else []:
                f.replace(self.tmp / sub / f.name)
                files.append(f"{sub}/{f.name}")
        return files

    def swap_in(self, version: str) -> None:
        """Finish the new report (manifest of what the package wrote), check ``out`` is still the package's, and
        put the new report in its place."""
        assert self.tmp is not None
        shutil.rmtree(self.tmp / ".parts", ignore_errors=True)
        unmark_temporary(self.tmp)
        write_manifest(self.tmp, version)
        self.check()  # still ours after the run
        swap_in(self.tmp, self.out)
        self.tmp = None
