"""Other CPUs seen from this one: settings that make numpy and OpenBLAS take other code paths in a child process.

numpy picks SIMD kernels at run time (``NPY_DISABLE_CPU_FEATURES`` narrows the choice to older instruction
sets); OpenBLAS picks a kernel per CPU (``OPENBLAS_CORETYPE`` forces another). A child process started with these
variables computes as an older or different processor would.
"""
from __future__ import annotations

import ctypes
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
from numpy._core import _multiarray_umath as _mu


def simd_settings() -> dict[str, str]:
    """``NPY_DISABLE_CPU_FEATURES`` values available on this CPU, by name: ``baseline`` (every run-time dispatch
    target disabled) and, when the CPU offers more than one target, ``one-level-down`` (all but the lowest)."""
    enabled = [f for f in _mu.__cpu_dispatch__ if _mu.__cpu_features__.get(f)]
    out = {}
    if enabled:
        out["baseline"] = " ".join(enabled)
    if len(enabled) > 1:
        out["one-level-down"] = " ".join(enabled[1:])
    return out


def openblas_core() -> str | None:
    """The kernel OpenBLAS (as bundled with numpy) chose for this CPU, or None when it cannot be asked."""
    libs = sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("*openblas*"))
    for lib in libs:
        handle = ctypes.CDLL(str(lib))
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                     "openblas_get_corename"):
            fn = getattr(handle, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return None


def other_openblas_core() -> str | None:
    """An OpenBLAS kernel other than this CPU's that this CPU can run (None on an unknown architecture)."""
    current = (openblas_core() or "").lower()
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "Sandybridge" if current == "haswell" else "Haswell"
    if machine in ("aarch64", "arm64"):
        return "NEOVERSEN1" if current == "armv8" else "ARMV8"
    return None


PROBE = """
import json
from numpy._core import _multiarray_umath as m
import sys; sys.path.insert(0, {tests!r})
from cpu_variants import openblas_core
print(json.dumps({{"simd": [f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)], "blas": openblas_core()}}))
"""


def probe(env: dict) -> dict:
    """What a child process with ``env`` actually uses: enabled SIMD dispatch targets and the OpenBLAS kernel."""
    import os

    res = subprocess.run([sys.executable, "-c", PROBE.format(tests=str(Path(__file__).parent))],
                         capture_output=True, text=True, env={**os.environ, **env}, check=True)
    return json.loads(res.stdout)
