"""Interrupted runs leave nothing behind.

A report is built in a temporary folder beside its target, ``.<name>.tmp-<pid>``, holding patient-level
copies of tables until it is swapped in. Three things make sure no such folder outlives its run:

* :func:`sigterm_raises` turns a SIGTERM (a scheduler's or a container's stop, ``kill``) into the exception
  :class:`Terminated`, so the ``except``/``finally`` clauses that remove the temporary folder run, as they do for
  Ctrl-C; the command line installs it for every command and exits with code 143;
* :func:`worker_pool` stops the notebook workers at once when the run is interrupted (their kernels end with
  them), instead of waiting for the running notebooks to finish;
* a SIGKILL or a power cut cannot be caught: a temporary folder carries a marker (:data:`MARKER`: who wrote it,
  the process id, the target) from its first moment, and the next run into the same target removes every
  ``.<name>.tmp-<pid>`` (and ``.<name>.old-<pid>``, once the target exists) folder it can prove is its own —
  the marker or the package's manifest inside, the same target — and whose process is gone
  (:func:`remove_stale`). A folder of that name without the proof, or of a run still going on, is left alone.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from .outputs import read_manifest

#: File written first into a temporary report folder, removed just before the folder is swapped in.
MARKER = ".dttstudy-temporary.json"


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM (a BaseException, like KeyboardInterrupt: cleanups run, nothing
    catches it by accident)."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextmanager
def sigterm_raises():
    """Within the block, SIGTERM raises :class:`Terminated` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _default_sigterm():
    """Runs in each worker: a terminated worker ends at once, and (on Linux) a worker whose parent dies — even by
    SIGKILL — is killed too, so that nothing goes on writing into a temporary folder nobody will remove."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass


@contextmanager
def worker_pool(max_workers: int):
    """A process pool whose workers are terminated (not awaited) when the block is left by an exception."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=max_workers, initializer=_default_sigterm)
    try:
        yield pool
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            try:
                p.terminate()
            except (OSError, AttributeError):
                pass
        for p in processes:
            p.join(timeout=5)
        raise
    else:
        pool.shutdown(wait=True)


def mark_temporary(tmp: Path, out: Path) -> None:
    """Write the marker that proves ``tmp`` is this run's temporary folder for ``out``."""
    (tmp / MARKER).write_text(json.dumps({"written_by": "dttstudy", "pid": os.getpid(), "out": str(out)}) + "\n",
                              encoding="utf-8")


def unmark_temporary(tmp: Path) -> None:
    (tmp / MARKER).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _proven(folder: Path, pid: int, out: Path) -> bool:
    try:
        m = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if isinstance(m, dict) and m.get("written_by") == "dttstudy" and m.get("pid") == pid \
                and m.get("out") == str(out):
            return True
    except (OSError, ValueError):
        pass
    return read_manifest(folder) is not None


def remove_stale(out: Path, echo=print) -> list[Path]:
    """Remove the temporary folders of earlier runs into ``out`` that ended without cleaning up (see the
    module docstring); returns what was removed."""
    removed = []
    if not out.parent.is_dir():
        return removed
    pattern = re.compile(r"\." + re.escape(out.name) + r"\.(?:tmp|old)-(\d+)")
    for folder in sorted(out.parent.iterdir()):
        m = pattern.fullmatch(folder.name)
        if not m or folder.is_symlink() or not folder.is_dir():
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid) or not _proven(folder, pid, out):
            continue
        if ".old-" in folder.name and not out.exists():
            continue  # a swap cut short: this is the previous report, and the target is missing
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
        echo(f"removed {folder.name}, left by an interrupted run (process {pid} no longer exists)")
    return removed
