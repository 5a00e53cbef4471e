"""The package's layout, read from its own import statements: layers one way, no import cycle, every module
importable on its own, imports of the package's modules at the top (the command line's deferrals excepted).

Layers: intake -> analysis -> synthesis -> reporting -> cli. The base modules (paths, parameters, concepts,
containers and the package itself) sit below every layer and import no layer.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dttstudy"

LAYERS = {"intake": 1, "analysis": 2, "synthesis": 3, "reporting": 4, "cli": 5}
BASE = 0  # dttstudy, dttstudy.paths, dttstudy.parameters, dttstudy.concepts, dttstudy.containers, …
DRAWING = ("matplotlib", "seaborn")
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], BASE) if len(parts) > 1 else BASE


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[tuple[str, str | None]]:
    """(imported module, top-level name of a third-party import or None) for one import statement."""
    path = MODULES[module]
    if isinstance(node, ast.Import):
        return [(a.name, None) if a.name.split(".")[0] == "dttstudy" else ("", a.name.split(".")[0])
                for a in node.names]
    if node.level == 0:
        if node.module.split(".")[0] != "dttstudy":
            return [("", node.module.split(".")[0])]
        base = node.module
    else:
        pkg = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        pkg = pkg[:len(pkg) - node.level + 1]
        base = ".".join(pkg + ([node.module] if node.module else []))
    # ``from package import submodule`` imports the submodule
    return [(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base, None) for a in node.names]


def _imports():
    """Every import statement of the package: (module, target, third-party name, inside a function, line,
    the source line above it)."""
    out = []
    for module, path in MODULES.items():
        src = path.read_text(encoding="utf-8")
        lines = src.splitlines()
        tree = ast.parse(src)
        local = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local |= {id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    continue
                above = lines[node.lineno - 2] if node.lineno > 1 else ""
                for target, third in _resolve(module, node):
                    out.append((module, target, third, id(node) in local, node.lineno,
                                above + "\n" + lines[node.lineno - 1]))
    return out


IMPORTS = _imports()


def test_the_graph_is_read():
    """The parser sees the package: the edges every layer is known to have are found."""
    edges = {(m, t) for m, t, _, _, _, _ in IMPORTS if t}
    assert ("dttstudy.analysis.outcomes", "dttstudy.intake.cohort") in edges
    assert ("dttstudy.synthesis.meta.derived", "dttstudy.synthesis.meta.models") in edges
    assert ("dttstudy.reporting.pooled_report", "dttstudy.synthesis.multicentre.pooling") in edges
    assert ("dttstudy.synthesis.meta.glmm_model", "dttstudy.synthesis.glmm.fit") in edges  # from .. import glmm
    assert any(third == "matplotlib" for _, _, third, _, _, _ in IMPORTS)
    assert len(MODULES) > 50


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(edges):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    """Counting function-local imports too: a cycle hidden inside a function is still a cycle."""
    edges: dict[str, set[str]] = {}
    for module, target, _, _, _, _ in IMPORTS:
        if target and target != module:
            edges.setdefault(module, set()).add(target)
    assert _cycle(edges) is None, f"import cycle: {' -> '.join(_cycle(edges))}"


def test_layers_run_one_way():
    """No module imports a layer above its own: intake -> analysis -> synthesis -> reporting -> cli."""
    wrong = [f"{m}:{line} imports {t}" for m, t, _, _, line, _ in IMPORTS
             if t and _layer(t) > _layer(m)]
    assert not wrong, "imports up the layers:\n" + "\n".join(wrong)


def test_drawing_only_in_reporting():
    wrong = [f"{m}:{line} imports {third}" for m, _, third, _, line, _ in IMPORTS
             if third in DRAWING and _layer(m) != LAYERS["reporting"]]
    assert not wrong, "matplotlib outside reporting:\n" + "\n".join(wrong)


def test_package_imports_at_the_top_except_documented_deferrals():
    """A function-local import of the package's own modules is a start-up deferral of the command line, and says
    so in a comment on it or just above it."""
    local = [(m, line, text) for m, t, _, is_local, line, text in IMPORTS if t and is_local]
    wrong = [f"{m}:{line}" for m, line, _ in local if m != "dttstudy.cli"]
    assert not wrong, "function-local imports of the package's modules:\n" + "\n".join(wrong)
    undocumented = []
    for m, line, text in local:
        src = MODULES[m].read_text(encoding="utf-8").splitlines()
        # the comment is on the line, or above the block of imports the line belongs to
        i = line - 1
        while i > 0 and src[i - 1].strip().startswith(("from .", "import ")):
            i -= 1
        if "deferred" not in src[line - 1] and "deferred" not in src[i - 1]:
            undocumented.append(f"{m}:{line}")
    assert not undocumented, "deferred imports without their reason:\n" + "\n".join(undocumented)


def test_no_module_above_the_size_limit():
    big = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


_CHECK = """
import importlib, sys
name = sys.argv[1]
importlib.import_module(name)
lower = name.split(".")[1] in ("intake", "analysis", "synthesis") if name.count(".") else False
if lower:
    up = sorted(m for m in sys.modules if m.startswith("dttstudy.reporting") or m == "dttstudy.cli"
                or m.split(".")[0] in ("matplotlib", "seaborn"))
    assert not up, f"importing {name} loaded {up}"
"""


def _import_alone(name: str) -> tuple[str, int, str]:
    res = subprocess.run([sys.executable, "-c", _CHECK, name], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    return name, res.returncode, res.stderr[-2000:]


@pytest.mark.parametrize("chunk", range(2))
def test_every_module_imports_on_its_own(chunk):
    """Each module in a fresh interpreter: it imports without help from another module imported first, and a
    module of intake, analysis or synthesis loads neither reporting nor matplotlib (moved names included: they
    are looked up only when asked for)."""
    names = sorted(MODULES)[chunk::2]
    with ThreadPoolExecutor(max_workers=2) as ex:
        results = list(ex.map(_import_alone, names))
    failed = [f"{n}: {err.strip().splitlines()[-1] if err.strip() else rc}" for n, rc, err in results if rc]
    assert not failed, "\n".join(failed)
