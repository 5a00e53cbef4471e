"""The three places that pin the environment agree on every package and version."""
import re
import tomllib
from pathlib import Path

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


def pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + [r for group in meta["optional-dependencies"].values() for r in group]
    pins = {}
    for r in reqs:
        name, _, version = r.partition("==")
        assert version, f"pyproject.toml: not an exact pin: {r!r}"
        pins[_norm(name)] = version
    return pins


def environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)=([^=\s]+)\s*$", line)
        if m and m.group(1) != "python":
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_pyproject_pins_are_in_the_lock():
    lock = lock_pins()
    for name, version in pyproject_pins().items():
        assert lock.get(name) == version, f"{name}: pyproject {version}, lock {lock.get(name)}"


def test_environment_yml_matches_pip_pins():
    lock, env, direct = lock_pins(), environment_pins(), pyproject_pins()
    assert env, "no pinned packages found in environment.yml"
    for name, version in env.items():
        assert lock.get(name) == version, f"{name}: environment.yml {version}, requirements.lock {lock.get(name)}"
    missing = sorted(set(direct) - set(env))
    assert not missing, f"direct dependencies missing from environment.yml: {missing}"


def test_environment_yml_installs_the_package():
    assert re.search(r"^\s*-\s+-e \.\s*$", (ROOT / "environment.yml").read_text(), flags=re.M)
