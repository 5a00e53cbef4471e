"""The same result on every machine: the report and the numeric core under other CPUs' code paths.

A child process with numpy's SIMD dispatch narrowed (``NPY_DISABLE_CPU_FEATURES``) and another OpenBLAS kernel
(``OPENBLAS_CORETYPE``) computes as an older or different processor would (see ``cpu_variants``). Two checks:

* the numeric core — GLMM, tau^2 estimators, Q-profile intervals, pooling, Kaplan–Meier, cumulative incidence —
  gives the same bits under every SIMD setting this CPU offers (cheap; one small script per setting);
* the whole report, regenerated with the SIMD dispatch at its baseline *and* another OpenBLAS kernel, equals the
  default run byte for byte (one extra ``reproduce``; the default run is shared with the other report tests).

If the CPU offers neither another SIMD level nor another OpenBLAS kernel there is nothing to compare, and the
tests say so (skip) rather than pass.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import _digest, run_reproduce
from cpu_variants import openblas_core, other_openblas_core, probe, simd_settings

HERE = Path(__file__).parent
VOLATILE = {".dttstudy-cache.json"}  # the incremental-run cache is not part of the report (git-ignored)


def _numeric_core(env: dict) -> dict:
    res = subprocess.run([sys.executable, str(HERE / "numeric_core.py")], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=600)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def default_core():
    return _numeric_core({})


@pytest.mark.parametrize("setting", ["baseline", "one-level-down"])
def test_numeric_core_is_the_same_under_other_simd_kernels(setting, default_core):
    settings = simd_settings()
    if setting not in settings:
        pytest.skip(f"this CPU offers no '{setting}' numpy SIMD setting (dispatch targets: {settings or 'none'})")
    env = {"NPY_DISABLE_CPU_FEATURES": settings[setting]}
    assert probe(env)["simd"] != probe({})["simd"], "the SIMD setting did not take effect in the child process"
    other = _numeric_core(env)
    for part in default_core:
        assert other[part] == default_core[part], f"{part} differs under NPY_DISABLE_CPU_FEATURES={settings[setting]!r}"


def test_numeric_core_is_the_same_under_another_openblas_kernel(default_core):
    core = other_openblas_core()
    if core is None:
        pytest.skip("no other OpenBLAS kernel known for this architecture")
    env = {"OPENBLAS_CORETYPE": core}
    assert probe(env)["blas"] != openblas_core(), "OPENBLAS_CORETYPE did not take effect in the child process"
    assert _numeric_core(env) == default_core


@pytest.fixture(scope="module")
def other_cpu_report(tmp_path_factory):
    env = {}
    settings = simd_settings()
    if "baseline" in settings:
        env["NPY_DISABLE_CPU_FEATURES"] = settings["baseline"]
    core = other_openblas_core()
    if core is not None:
        env["OPENBLAS_CORETYPE"] = core
    if not env:
        pytest.skip("this CPU offers no other numpy SIMD kernel and no other OpenBLAS kernel to compare with")
    seen, here = probe(env), probe({})
    assert seen != here, f"the settings {env} did not change the child's code paths ({seen})"
    out = tmp_path_factory.mktemp("other_cpu") / "reports"
    res = run_reproduce(out, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    return out, env


def test_report_bytes_do_not_depend_on_the_cpu(fresh_report, other_cpu_report):
    other, env = other_cpu_report
    a = {k: v for k, v in _digest(fresh_report).items() if k not in VOLATILE}
    b = {k: v for k, v in _digest(other).items() if k not in VOLATILE}
    assert sorted(a) == sorted(b)
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"{len(differ)} files differ under {env}: {differ[:8]}"
