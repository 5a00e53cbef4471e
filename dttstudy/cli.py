"""Command line: ``dttstudy validate | summary | check | reproduce``.

Exit codes: 0 success, 1 invalid data or a failed check/run, 2 usage error. Bad data never produce a
Python traceback: the validation report is printed instead.
"""
from __future__ import annotations

import argparse
import sys


def _cmd_validate(args) -> int:
    from .cohort import validate

    report = validate(args.path, allow_identifiers=args.allow_identifiers)
    print(report)
    return 0 if report.ok else 1


def _load(args):
    """The cohort, or None after printing the validation report (unknown-column warnings are left to
    ``dttstudy validate``)."""
    import warnings

    from .cohort import load_cohort
    from .validation import CohortValidationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return load_cohort(args.path, allow_identifiers=getattr(args, "allow_identifiers", False))
    except CohortValidationError as err:
        print(err.report, file=sys.stderr)
        return None


def _cmd_summary(args) -> int:
    from .summary import cohort_summary

    cohort = _load(args)
    if cohort is None:
        return 1
    print(cohort_summary(cohort))
    return 0


def _cmd_check(args) -> int:
    import pandas as pd

    from .check import check_summary, paper_check

    cohort = _load(args)
    if cohort is None:
        return 1
    res = paper_check(cohort)
    cols = ["key", "published", "published_n", "computed", "computed_n", "status"]
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(cohort.label)
        print(res[cols].to_string(index=False))
    print(check_summary(res))
    bad = res[res["status"] == "mismatch"]
    if len(bad):
        print("MISMATCH: " + ", ".join(bad["key"]), file=sys.stderr)
        return 1
    return 0


def _parse_parameters(items: list[str]) -> dict:
    import json

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"-p expects NAME=VALUE, got {item!r}")
        try:
            out[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[name.strip()] = value
    return out


def _cmd_reproduce(args) -> int:
    from .pipeline import reproduce

    try:
        params = _parse_parameters(args.parameter)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    return reproduce(args.data, args.out, args.jobs, params, force=args.force, echo=lambda m: print(m, flush=True))


def _cmd_template(args) -> int:
    from .schema import write_templates

    for f in write_templates(args.folder):
        print(f)
    return 0


def _cmd_execute_notebooks(args) -> int:
    from .pipeline import execute_in_place

    return execute_in_place(args.jobs)


def _cmd_synth(args) -> int:
    from .synth import synth_cohort, write_cohort

    if args.patients < 1:
        print("--patients must be at least 1", file=sys.stderr)
        return 2
    out = write_cohort(synth_cohort(args.patients, args.seed), args.out)
    print(f"synthetic cohort of {args.patients:,} patients (seed {args.seed}) written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dttstudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add_path(p):
        p.add_argument("path", nargs="?", default=None,
                       help="cohort folder (four CSV files) or .xlsx workbook; default: the bundled reference cohort")
        p.add_argument("--allow-identifiers", action="store_true",
                       help="accept columns that look like direct identifiers (they are dropped)")

    p = sub.add_parser("validate", help="validate a cohort and print every problem found")
    add_path(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("summary", help="validate a cohort and print its summary")
    add_path(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("check", help="compare every published number of the paper with the computed one")
    add_path(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("reproduce", help="validate the data and regenerate every table and figure")
    p.add_argument("--data", default=None, help="cohort folder or .xlsx (default: the reference cohort)")
    p.add_argument("--out", default="reports", help="report folder (default: reports)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default: 2)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                   help="notebook parameter, e.g. -p disease=CD -p crp_uln=10 -p timepoints=3,6")
    p.add_argument("--force", action="store_true", help="re-execute every notebook even if nothing changed")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("synth", help="write a synthetic, schema-valid cohort (no patient data)")
    p.add_argument("--patients", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("template", help="write empty cohort files (CSV and .xlsx) to fill in")
    p.add_argument("folder")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("execute-notebooks", help="re-run the committed notebooks in place on the reference cohort")
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(func=_cmd_execute_notebooks)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
