"""Mutation testing of the analysis core: how many deliberate one-line bugs the unit tests catch.

Runs mutmut (configuration in pyproject.toml, ``[tool.mutmut]``) on the given modules (default: the analysis
core — outcomes, safety, statistics, labs) and writes ``benchmarks/mutation.md``: per module the mutants killed
(a test failed), timed out (counted as caught: the mutant made a test hang), survived, and the score
(killed + timed out) / checked. Every surviving mutant is listed with its explanation from
``benchmarks/mutation_explained.csv`` (mutant name, verdict, why), or marked "not yet examined".

Usage: ``make mutation`` (or ``.venv-mutation/bin/python benchmarks/mutation.py [MODULE ...] [--jobs N]``).
Slow — minutes per module on two cores — and therefore not part of ``make test``.
"""
from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "mutation.md"
EXPLAINED = ROOT / "benchmarks" / "mutation_explained.csv"
CORE = ["dttstudy.analysis.outcomes", "dttstudy.analysis.safety", "dttstudy.analysis.stats",
        "dttstudy.analysis.labs"]
LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


def mutmut(*args: str) -> str:
    exe = Path(sys.executable).parent / "mutmut"
    res = subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(res.stdout[-2000:] + res.stderr[-2000:])
    return res.stdout


def module_of(name: str) -> str:
    return name.split(".x")[0] if ".x" in name else name.rsplit(".", 1)[0]


def results(modules: list[str]) -> dict[str, Counter]:
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for line in mutmut("results", "--all", "true").splitlines():
        m = LINE.match(line)
        if not m:
            continue
        mod = module_of(m["name"])
        if mod not in modules:
            continue
        by_module[mod][m["status"]] += 1
        if m["status"] == "survived":
            survivors[mod].append(m["name"])
    return by_module, survivors


def explanations() -> dict[str, tuple[str, str]]:
    if not EXPLAINED.is_file():
        return {}
    with EXPLAINED.open(encoding="utf-8") as f:
        return {r["mutant"]: (r["verdict"], r["why"]) for r in csv.DictReader(f)}


def write(modules: list[str], by_module, survivors) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import machine

    why = explanations()
    lines = ["# Mutation testing", "", f"Machine: {machine()}.  ",
             "Rerun: `make mutation` (mutmut 3.8.1, configuration in `pyproject.toml`). A mutant is one deliberate "
             "small change of the code (an operator, a constant, an argument); the unit tests should fail for it.",
             "", "| module | mutants checked | killed | timed out | survived | not checked | score |",
             "|---|---|---|---|---|---|---|"]
    for mod in modules:
        c = by_module.get(mod, Counter())
        checked = c["killed"] + c["timeout"] + c["survived"]
        score = f"{100 * (c['killed'] + c['timeout']) / checked:.1f} %" if checked else "–"
        lines.append(f"| `{mod}` | {checked} | {c['killed']} | {c['timeout']} | {c['survived']} | "
                     f"{c['not checked']} | {score} |")
    lines += ["", "Score = (killed + timed out) / checked. Surviving mutants, each with its explanation "
              "(`benchmarks/mutation_explained.csv`):", ""]
    for mod in modules:
        names = survivors.get(mod, [])
        if not names:
            continue
        lines += [f"### `{mod}`", "", "| mutant | verdict | why |", "|---|---|---|"]
        for n in names:
            verdict, text = why.get(n, ("not yet examined", ""))
            lines.append(f"| `{n.split('.', 3)[-1]}` | {verdict} | {text} |")
        lines.append("")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=CORE)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--report-only", action="store_true", help="summarise the last run without running mutmut")
    args = ap.parse_args()
    if not args.report_only:
        mutmut("run", "--max-children", str(args.jobs), *[f"{m}*" for m in args.modules])
    write(args.modules, *results(args.modules))


if __name__ == "__main__":
    main()
