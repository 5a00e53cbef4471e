"""The package states compatible ranges (pyproject.toml); the exact environment is pinned in requirements.lock and
environment.yml. The three agree: the lock satisfies every range, environment.yml carries the lock's versions."""
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"requirements.lock: not an exact pin: {line!r}"
        pins[_norm(name)] = version
    return pins


def pyproject_requirements() -> dict[str, Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + [r for group in meta["optional-dependencies"].values() for r in group]
    return {_norm(r.name): r for r in map(Requirement, reqs)}


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)=([^=\s]+)\s*$", line)
        if m and m.group(1) != "python":
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_pyproject_states_ranges_the_lock_satisfies():
    """Every dependency has a lower and an upper bound (no exact pin, no open end), and the locked version lies in
    the range."""
    lock = lock_pins()
    for name, req in pyproject_requirements().items():
        ops = {s.operator for s in req.specifier}
        assert ">=" in ops and "<" in ops and "==" not in ops, f"pyproject.toml: {req} is not a compatible range"
        assert name in lock, f"{name}: in pyproject.toml, not in requirements.lock"
        assert req.specifier.contains(Version(lock[name])), f"{name}: lock {lock[name]} outside {req.specifier}"


def test_a_range_check_can_fail():
    req = Requirement("pandas>=2.2,<3")
    assert req.specifier.contains(Version("2.3.3")) and not req.specifier.contains(Version("3.0.0"))


def test_environment_yml_matches_pip_pins():
    lock, env, direct = lock_pins(), environment_pins(), pyproject_requirements()
    assert env, "no pinned packages found in environment.yml"
    for name, version in env.items():
        assert lock.get(name) == version, f"{name}: environment.yml {version}, requirements.lock {lock.get(name)}"
    missing = sorted(set(direct) - set(env))
    assert not missing, f"direct dependencies missing from environment.yml: {missing}"


def test_environment_yml_installs_the_package():
    assert re.search(r"^\s*-\s+-e \.\s*$", (ROOT / "environment.yml").read_text(), flags=re.M)
