"""Run mutants against a set of tests the way mutmut does: one pytest run without a mutant imports everything, then
each mutant runs in a child forked from that process, switched on by ``MUTANT_UNDER_TEST``, with ``pytest -x``.

Used by ``benchmarks/mutation.py --module`` and run in the scope's working copy (the current directory), so that
its mutated package is the one imported. Usage::

    python mutant_runner.py LIMIT JOBS NAMES_FILE PYTEST_ARGS...

It prints one line per mutant, ``name exit-code`` (``timeout`` past LIMIT seconds), after two set-up lines: the
exit code without a mutant and with every mutated function failing (``fail``). A mutant that breaks pytest itself
ends with 99; with ``MUTANT_RUNNER_TRACE=FILE`` its traceback is written to FILE.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path


def _child(name: str, args: list[str]) -> None:
    os.setpgid(0, 0)  # its own process group, so that a timeout also ends the programs a test started
    os.environ["MUTANT_UNDER_TEST"] = name
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    for stream in (sys.stdout, sys.stderr):  # a test id may hold any character; the output is thrown away
        stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
    import pytest

    # a folder of its own for tmp_path: children running side by side would otherwise clean up each other's
    basetemp = Path(tempfile.gettempdir()) / f"dttstudy-mutant-{os.getpid()}"
    try:
        code = int(pytest.main([*args, f"--basetemp={basetemp}"]))
    except BaseException:  # noqa: BLE001 - a mutant may break pytest itself; the exit code says so
        code = 99
        if os.environ.get("MUTANT_RUNNER_TRACE"):
            import traceback

            Path(os.environ["MUTANT_RUNNER_TRACE"]).write_text(traceback.format_exc(), encoding="utf-8")
    shutil.rmtree(basetemp, ignore_errors=True)
    os._exit(code)


def run(names: list[str], args: list[str], limit: float, jobs: int):
    """Yield (name, exit code or None past ``limit``) as the children end."""
    queue = list(names)
    running: dict[int, tuple[str, float]] = {}
    late: set[int] = set()
    while queue or running:
        while queue and len(running) < jobs:
            name = queue.pop(0)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(name, args)
            running[pid] = (name, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for p, (_, start) in running.items():
                if p not in late and now - start > limit:
                    late.add(p)
                    try:
                        os.killpg(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.01)
            continue
        name, _ = running.pop(pid)
        yield name, (None if pid in late else os.waitstatus_to_exitcode(status))
        late.discard(pid)


def main() -> None:
    limit, jobs, names_file, *args = sys.argv[1:]
    here = os.getcwd()
    sys.path.insert(0, here)
    os.environ["MUTANT_UNDER_TEST"] = ""
    import pytest

    import dttstudy

    if not str(Path(dttstudy.__file__).resolve()).startswith(here):
        raise SystemExit(f"dttstudy was imported from {dttstudy.__file__}, not from the working copy {here}")
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    clean = int(pytest.main(list(args)))
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    print(f" {clean}", flush=True)
    for name, code in run(["fail"], list(args), float(limit), 1):
        print(f"{name} {'timeout' if code is None else code}", flush=True)
    names = Path(names_file).read_text(encoding="utf-8").split()
    for name, code in run(names, list(args), float(limit), int(jobs)):
        print(f"{name} {'timeout' if code is None else code}", flush=True)


if __name__ == "__main__":
    main()
