"""Mutation testing: how many deliberate one-line bugs the unit tests catch, scope by scope.

A scope is a set of modules and the unit tests that exercise them in-process (report and notebook tests run the
package in subprocesses, which do not see a mutant). Each scope runs mutmut (base configuration in
pyproject.toml, ``[tool.mutmut]``; the scope's ``only_mutate`` and test files from :data:`SCOPES`) in its own
working copy under ``build/mutation/<scope>/``, so a scope's results survive a run of another and an
interrupted run resumes where it stopped. ``benchmarks/mutation.md`` gets, per module, the mutants killed (a test
failed), timed out (counted as caught: the mutant made a test hang), survived and not checked, the score
(killed + timed out) / checked, and every surviving mutant with its diff and its explanation from
``benchmarks/mutation_explained.csv`` (mutant, verdict, why), or "not yet examined". A scope without a working copy
here (a fresh clone, or a scope not run this time) keeps what the record already says for it, and so does a module
whose mutants the working copy has not checked at all.

Usage: ``make mutation`` (or ``.venv-mutation/bin/python benchmarks/mutation.py [SCOPE ...] [--jobs N]
[--report-only] [--recheck-survivors]``). Slow — tens of minutes per scope on two cores — and therefore not part of ``make test``.

A module with unit tests of its own can be run against those alone (:func:`run_against`: ``benchmarks/mutation.py
SCOPE --module dttstudy.x.y --tests tests/test_y.py [...] [--limit SECONDS]``): each mutant is switched on as
mutmut does it and the verdicts go into mutmut's record of the working copy. A survivor is then explained or killed
like any other; the scope's slower tests are not run against it.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "mutation.md"
EXPLAINED = ROOT / "benchmarks" / "mutation_explained.csv"
WORK = ROOT / "build" / "mutation"

#: scope -> (modules mutated, test files run against them)
SCOPES: dict[str, tuple[list[str], list[str]]] = {
    # the rules: outcome definitions, safety, statistics, labs
    "analysis-core": (
        ["dttstudy/analysis/outcomes.py", "dttstudy/analysis/safety.py", "dttstudy/analysis/stats.py",
         "dttstudy/analysis/labs.py"],
        ["tests/test_outcomes.py", "tests/test_boundaries.py", "tests/test_safety.py", "tests/test_km_median.py",
         "tests/test_stats.py", "tests/test_labs.py", "tests/test_tables.py", "tests/test_properties.py",
         "tests/test_rule_boundaries.py", "tests/test_km_lifelines.py", "tests/test_outcome_frames.py",
         "tests/test_lab_frames.py", "tests/test_safety_frames.py", "tests/test_stats_boundaries.py"]),
    # the tables built on the rules, the patient flow, completeness, centres and the check against the paper
    "analysis-tables": (
        ["dttstudy/analysis/tables.py", "dttstudy/analysis/flow.py", "dttstudy/analysis/completeness.py",
         "dttstudy/analysis/centres.py", "dttstudy/analysis/summary.py", "dttstudy/analysis/check.py"],
        ["tests/test_tables.py", "tests/test_check.py", "tests/test_flow.py", "tests/test_completeness.py",
         "tests/test_centres.py", "tests/test_reference_cohort.py"]),
    # the literature synthesis: pooling models, the GLMM, heterogeneity, the review around them
    "synthesis": (
        ["dttstudy/synthesis/meta/*", "dttstudy/synthesis/glmm/*", "dttstudy/synthesis/heterogeneity.py",
         "dttstudy/synthesis/certainty.py", "dttstudy/synthesis/review.py", "dttstudy/synthesis/appraisal.py",
         "dttstudy/synthesis/coding_rules.py",
         "dttstudy/synthesis/forest.py", "dttstudy/synthesis/sensitivity.py",
         "dttstudy/synthesis/literature_summary.py", "dttstudy/synthesis/reconstruction.py",
         "dttstudy/synthesis/literature.py"],
        ["tests/test_meta.py", "tests/test_published_meta.py", "tests/test_forest.py", "tests/test_literature.py",
         "tests/test_literature_md.py", "tests/test_review.py", "tests/test_coding_rules.py",
         "tests/test_reconstruction.py", "tests/test_glmm.py", "tests/test_glmm_small_k.py",
         "tests/test_certainty_rules.py", "tests/test_sensitivity.py", "tests/test_heterogeneity.py",
         "tests/test_glmm_pool.py"]),
    # several centres: disclosure control, the summary export and contract, pooling, the release record
    "multicentre": (
        ["dttstudy/synthesis/disclosure.py", "dttstudy/synthesis/multicentre/*"],
        ["tests/test_disclosure.py", "tests/test_summary_consistency.py", "tests/test_summary_checker.py",
         "tests/test_pooling_units.py", "tests/test_pooled_tables.py", "tests/test_export_units.py",
         "tests/test_multicentre.py", "tests/test_summary_contract.py",
         "tests/test_pooled_cells.py", "tests/test_release_record.py", "tests/test_split.py"]),
}
LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


def module_of(name: str) -> str:
    return name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]


def _module_file(module: str) -> str:
    """The source file of a dotted module, relative to the project root."""
    return module.replace(".", "/") + ".py"


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _files(scope: str) -> list[Path]:
    """The files the scope mutates, its globs expanded, in the declared order."""
    return [p for pattern in SCOPES[scope][0] for p in sorted(ROOT.glob(pattern))]


def modules(scope: str) -> list[str]:
    """The scope's modules as reported, dotted (package ``__init__`` files aside)."""
    return [dotted(p.relative_to(ROOT).as_posix()) for p in _files(scope)
            if p.suffix == ".py" and p.name != "__init__.py"]


def mutmut(where: Path, *args: str) -> str:
    exe = Path(sys.executable).parent / "mutmut"
    res = subprocess.run([str(exe), *args], cwd=where, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(res.stdout[-2000:] + res.stderr[-2000:])
    return res.stdout


def _mutmut_section(modules: list[str], tests: list[str]) -> str:
    """The scope's ``[tool.mutmut]``: the project's base settings with the scope's modules and tests."""
    import tomllib

    base = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    base.update({"only_mutate": modules, "pytest_add_cli_args_test_selection": tests})

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "[tool.mutmut]\n" + "".join(f"{k} = {value(v)}\n" for k, v in base.items())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(scope: str) -> Path:
    """The scope's working copy, brought up to date with the sources.

    mutmut keeps its copy of the package (``mutants/``) and never refreshes a file it already holds, so this does:
    a module that is not mutated is copied again when it changed; a mutated module that changed since its mutants
    were made loses them and their results (mutmut makes them anew from the current source), and the record of
    which tests call which function is made again. When the scope's test files change, that record is made again
    too and the verdicts stand (added tests only catch more; ``rm -r build/mutation/<scope>`` starts a scope from
    scratch). The hashes of the mutated modules' sources and the test files are kept in ``sources.json`` beside
    the copy.
    """
    patterns, tests = SCOPES[scope]
    where = WORK / scope
    where.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for d in ("dttstudy", "tests", "data"):
        if (where / d).exists():
            shutil.rmtree(where / d)
        shutil.copytree(ROOT / d, where / d, ignore=skip)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", lambda _: _mutmut_section(patterns, tests) + "\n", text)
    (where / "pyproject.toml").write_text(text, encoding="utf-8")
    record = where / "sources.json"
    known = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    if known.get("tests") != tests:
        # mutmut would throw every verdict away when its test files change; tests added only catch more, so the
        # verdicts stand and the record of which tests call which function is made again
        (where / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        known["tests"] = tests
    mutated = {p.relative_to(ROOT).as_posix() for p in _files(scope)}
    for src in sorted((ROOT / "dttstudy").rglob("*.py")):
        rel, digest = src.relative_to(ROOT).as_posix(), _digest(src)
        copy = where / "mutants" / rel
        if rel in mutated:
            if known.get(rel) != digest:
                copy.unlink(missing_ok=True)
                copy.with_name(copy.name + ".meta").unlink(missing_ok=True)
                # which tests call which function was recorded on the old module: record it again
                (where / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
                known[rel] = digest
        elif copy.is_file() and _digest(copy) != digest:
            shutil.copy2(src, copy)
    record.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return where


def results(scope: str) -> tuple[dict[str, Counter], dict[str, dict[str, list[str]]]]:
    """Counts by module and status, and the mutants by status and module (one ``mutmut results`` call)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    where = WORK / scope
    if not (where / "mutants").is_dir():
        return counts, names
    wanted = set(modules(scope))
    for line in mutmut(where, "results", "--all", "true").splitlines():
        m = LINE.match(line)
        if not m or module_of(m["name"]) not in wanted:
            continue
        counts[module_of(m["name"])][m["status"]] += 1
        names[m["status"]][module_of(m["name"])].append(m["name"])
    return counts, names


def diff(scope: str, name: str) -> str:
    """The changed lines of a mutant, '−old / +new' on one line (mutmut's own diff, read in this process)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = os.getcwd()
    os.chdir(WORK / scope)
    try:
        out = get_diff_for_mutant(name, path=Path(_module_file(module_of(name))))
    finally:
        os.chdir(here)
    lines = [x for x in out.splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))]
    return " ".join(" ".join(x.split()) for x in lines)


def explanations() -> dict[str, tuple[str, str]]:
    if not EXPLAINED.is_file():
        return {}
    with EXPLAINED.open(encoding="utf-8") as f:
        return {r["mutant"]: (r["verdict"], r["why"]) for r in csv.DictReader(f)}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


NOT_CAUGHT = ("survived", "no tests")
TABLE_HEAD = ["| scope | module | mutants checked | killed | timed out | survived | no test | not checked | score |",
              "|---|---|---|---|---|---|---|---|---|"]


def _natural(name: str) -> list:
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", name)]


def _previous() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The table rows (by scope) and survivor sections (by module) of the record as it stands, so that a scope
    without a working copy here keeps what an earlier run recorded for it."""
    rows: dict[str, list[str]] = defaultdict(list)
    sections: dict[str, list[str]] = {}
    if not OUT.is_file():
        return rows, sections
    current = None
    for line in OUT.read_text(encoding="utf-8").splitlines():
        row = re.match(r"^\| (\S+) \| ", line)
        if row and row[1] in SCOPES:
            rows[row[1]].append(line)
        head = re.match(r"^### `(.+)`$", line)
        if head:
            current = head[1]
            sections[current] = []
        if current is not None:
            sections[current].append(line)
    return rows, {k: [x for x in v if x.strip()] for k, v in sections.items()}


def _cells(row: str) -> list[str]:
    """The cells of a table row, stripped."""
    return [c.strip() for c in row.split("|")[1:-1]]


def _row_module(row: str) -> str:
    """The dotted module of a table row ('' for a scope's "not run yet" row)."""
    cell = _cells(row)[1]
    return cell.strip("`") if cell.startswith("`") else ""


def _scope_rows(s: str) -> tuple[list[str], dict[str, list[str]]]:
    """Table rows and survivor sections of a scope from its working copy."""
    why = explanations()
    by_module, names = results(s)
    rows = []
    for mod in modules(s):
        c = by_module.get(mod, Counter())
        checked = c["killed"] + c["timeout"] + c["survived"] + c["no tests"]
        score = f"{100 * (c['killed'] + c['timeout']) / checked:.1f} %" if checked else "–"
        rows.append(f"| {s} | `{mod}` | {checked} | {c['killed']} | {c['timeout']} | {c['survived']} | "
                    f"{c['no tests']} | {c['not checked']} | {score} |")
    uncaught = [(mod, status, n) for status in NOT_CAUGHT for mod, ns in names[status].items() for n in ns]
    sections: dict[str, list[str]] = {}
    for mod, status, n in sorted(uncaught, key=lambda u: (u[0], _natural(u[2]))):
        if mod not in sections:
            sections[mod] = [f"### `{mod}`", "| mutant | status | change | verdict | why |", "|---|---|---|---|---|"]
        verdict, text = why.get(n, ("not yet examined", ""))
        sections[mod].append(f"| `{n[len(mod) + 1:]}` | {status} | `{_cell(diff(s, n))[:300]}` | {verdict} | "
                             f"{_cell(text)} |")
    return rows, sections


def write(scopes: list[str]) -> None:
    """Rewrite the record: the given scopes from their working copies; every other scope as recorded before."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import machine

    prev_rows, prev_sections = _previous()
    table: list[str] = []
    sections: dict[str, list[str]] = {}
    for s in SCOPES:
        if s in scopes and (WORK / s / "mutants").is_dir():
            rows, secs = _scope_rows(s)
            recorded = {_row_module(r): r for r in prev_rows.get(s, [])}
            for row in rows:
                mod = _row_module(row)
                if _cells(row)[2] == "0" and mod in recorded and _mutants(recorded[mod]) == _mutants(row):
                    # a module this working copy has not checked at all keeps what an earlier run found for it,
                    # unless its source has changed since (its mutants are then others)
                    table.append(recorded[mod])
                    if mod in prev_sections:
                        sections[mod] = prev_sections[mod]
                else:
                    table.append(row)
                    if mod in secs:
                        sections[mod] = secs[mod]
            continue
        table += prev_rows.get(s) or [f"| {s} | {len(modules(s))} modules: not run yet | | | | | | | |"]
        sections.update({m: prev_sections[m] for m in modules(s) if m in prev_sections})
    totals = [0] * 6
    for row in table:
        cells = _cells(row)
        if cells[1].startswith("`"):
            totals = [t + int(v) for t, v in zip(totals, cells[2:8])]
    if totals[0]:
        table.append(f"| all | | {' | '.join(str(t) for t in totals)} | "
                     f"{100 * (totals[1] + totals[2]) / totals[0]:.1f} % |")
    lines = ["# Mutation testing", "", f"Machine: {machine()}.  ",
             "Rerun: `make mutation` (mutmut 3.8.1; base configuration in `pyproject.toml`, scopes in "
             "`benchmarks/mutation.py`). A mutant is one deliberate small change of the code (an operator, a "
             "constant, an argument); the unit tests should fail for it.", "", *TABLE_HEAD, *table, "",
             "Score = (killed + timed out) / checked; a mutant no test runs counts as not caught. Every mutant "
             "not caught, with its change and why (`benchmarks/mutation_explained.csv`):"]
    for s in SCOPES:
        for mod in modules(s):
            if mod in sections:
                head, *body = sections[mod]
                lines += ["", head, "", *body]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


def _mutants(row: str) -> int:
    """The number of mutants of a row of the record: checked and not checked."""
    cells = _cells(row)
    return int(cells[2]) + int(cells[7])


#: exit codes written into mutmut's record: a test failed, all passed, the time limit was reached
KILLED, SURVIVED, TIMED_OUT = 1, 0, 36


def _meta(where: Path, module: str) -> Path:
    return where / "mutants" / (_module_file(module) + ".meta")


def run_against(scope: str, module: str, tests: list[str], *, limit: float = 20.0, jobs: int = 2,
                recheck: bool = False) -> Counter:
    """Run ``module``'s unchecked mutants (with ``recheck``, its survivors too) against ``tests`` only, as mutmut
    runs a mutant: in the scope's working copy, in a child forked from one pytest process that has imported
    everything (``benchmarks/mutant_runner.py``), switched on by ``MUTANT_UNDER_TEST``, ``pytest -x``. A mutant whose
    tests take longer than ``limit`` seconds counts as timed out. Each verdict is written into mutmut's record at
    once, so an interrupted run resumes. The working copy must hold the module's mutants (one ``mutmut run`` of the
    scope makes them)."""
    where = prepare(scope)
    meta = _meta(where, module)
    if not meta.is_file():
        raise SystemExit(f"no mutants of {module} in {where}: run the scope once (make mutation) to make them")
    shutil.copytree(ROOT / "tests", where / "mutants" / "tests", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    record = json.loads(meta.read_text(encoding="utf-8"))
    todo = [k for k, v in sorted(record["exit_code_by_key"].items(), key=lambda kv: _natural(kv[0]))
            if v is None or (recheck and v == SURVIVED)]
    # the notebook plugin and its options are left out (the tests named are Python files), and so is the
    # traceback: pytest parses the whole mutated module to show one, which takes longer than the tests
    args = ["-x", "-q", "--tb=no", "-o", "addopts=", "-p", "no:nbval", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    names = where / "mutants" / f".mutants-to-run.{module}"  # one file per module: runs may overlap
    names.write_text("\n".join(todo) + "\n", encoding="utf-8")
    # compiled mutated modules are kept: compiling them again for every mutant takes longer than most tests
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runner = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "mutant_runner.py"), str(limit), str(jobs),
                               str(names), *args], cwd=where / "mutants", env=env, stdout=subprocess.PIPE, text=True)
    assert runner.stdout is not None
    # as mutmut checks its set-up: the tests pass without a mutant, and fail when every mutated function fails
    clean, fail = (runner.stdout.readline().split() for _ in range(2))
    if clean != ["0"] or fail in (["fail", "0"], ["fail", "timeout"]):
        runner.kill()
        raise SystemExit(f"{' '.join(tests)}: the tests do not pass on the unmutated code, or never reach it")
    seen: Counter = Counter()
    for line in runner.stdout:
        name, code = line.split()
        if code not in ("timeout", "0", "1", "2", "3"):  # 2 and 3: the mutant broke collection or pytest itself
            runner.kill()
            raise SystemExit(f"{name}: pytest ended with exit code {code}")
        verdict = TIMED_OUT if code == "timeout" else SURVIVED if code == "0" else KILLED
        record["exit_code_by_key"][name] = verdict
        tmp = meta.with_name(meta.name + ".tmp")
        tmp.write_text(json.dumps(record, indent=4), encoding="utf-8")
        os.replace(tmp, meta)
        seen[verdict] += 1
    if runner.wait() != 0:
        raise SystemExit(f"the mutant runner ended with exit code {runner.returncode}")
    names.unlink()
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scopes", nargs="*", metavar="SCOPE", help=f"one of {', '.join(SCOPES)} (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--report-only", action="store_true", help="summarise the last runs without running mutmut")
    ap.add_argument("--recheck-survivors", action="store_true",
                    help="run the surviving and the untested mutants again (after tests were added), then the "
                         "unchecked ones")
    ap.add_argument("--module", help="run this module's mutants against --tests only (one SCOPE)")
    ap.add_argument("--tests", nargs="+", default=[], help="the test files or test ids for --module")
    ap.add_argument("--limit", type=float, default=20.0, help="seconds a mutant's tests may take (--module)")
    args = ap.parse_args()
    scopes = args.scopes or list(SCOPES)
    if unknown := [s for s in scopes if s not in SCOPES]:
        ap.error(f"unknown scope {', '.join(unknown)}; the scopes are {', '.join(SCOPES)}")
    if args.module:
        if len(scopes) != 1 or args.module not in modules(scopes[0]) or not args.tests:
            ap.error("--module needs one SCOPE that holds the module, and --tests")
        seen = run_against(scopes[0], args.module, args.tests, limit=args.limit, jobs=args.jobs,
                           recheck=args.recheck_survivors)
        print(f"{args.module}: {seen[KILLED]} killed, {seen[TIMED_OUT]} timed out, {seen[SURVIVED]} survived")
        write(scopes)
        return
    if not args.report_only:
        for s in scopes:
            where = prepare(s)
            names = results(s)[1] if args.recheck_survivors else {}
            survivors = [n for status in NOT_CAUGHT for ns in names.get(status, {}).values() for n in ns]
            if survivors:
                mutmut(where, "run", "--max-children", str(args.jobs), *survivors)
            mutmut(where, "run", "--max-children", str(args.jobs))
    write(scopes)


if __name__ == "__main__":
    main()
