"""Command line: dttstudy validate | summary | check | reproduce | synth | template | export-summary | pool |
execute-notebooks.

Exit codes: 0 success; 1 invalid data or a failed check or run; 2 a usage error (unknown parameter, refused
output folder, unreadable path), with nothing changed; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM), after
removing what the run had written. Bad data never produce a Python
traceback: the validation report is printed instead.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .parameters import ParameterError, for_command, help_text, parse_cli
from .paths import REFERENCE_DIR, TABLE_NAMES
from .reporting.interrupts import Terminated, sigterm_raises
from .synthesis.disclosure import DEFAULT_MIN_CELL
from .targets import TargetError, check_output

DESCRIPTION = """\
dttstudy: reproducible analysis of dual-targeted therapy (DTT) in refractory IBD.

commands:
  validate           check a cohort and list every problem by file, row and column
  summary            validate a cohort and print an overview
  check              compare every published number of Wang et al. 2025 with the computed one
  reproduce          validate the data and regenerate every table, figure and the report
  synth              write a synthetic, schema-valid cohort (no patient data)
  template           write empty cohort files (CSV and .xlsx) to fill in
  export-summary     write a centre's aggregate summary (no patient-level data) for a multicentre study
  pool               pool centres' summaries into one report
  execute-notebooks  re-run the committed notebooks in place on the reference cohort

Cohort data are a folder of four CSV files (patients, treatments, visits, adverse_events) or one .xlsx
workbook with four sheets of those names; without --data the bundled reconstructed reference cohort is used.
Run 'dttstudy COMMAND --help' for a command's options.

exit codes: 0 success; 1 invalid data or failed check/run; 2 usage error (nothing changed); 130 interrupted.
"""


class _Usage(Exception):
    """A usage error: one line on stderr, exit 2."""


#: The largest minimum cell count a command accepts (a K above any centre's size withholds everything).
MAX_MIN_CELL = 1000


def bounded(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``, refused with the range otherwise."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}–{high:,}")
        return value

    parse.__name__ = "whole number"
    return parse


def _analysis_parameters(args, command: str) -> dict:
    """The ``-p NAME=VALUE`` items and ``--name VALUE`` options of ``command``, checked as one set (raises
    ParameterError naming every problem); an option and ``-p`` for the same name is refused."""
    items = list(args.parameter)
    given = {item.partition("=")[0].strip() for item in items}
    for spec in for_command(command):
        value = getattr(args, f"opt_{spec.name}", None)
        if value is not None:
            if spec.name in given:
                raise ParameterError(f"{spec.name} is given twice ({spec.option} and -p {spec.name})")
            items.append(f"{spec.name}={value}")
    return parse_cli(items, command=command)


def _data(args):
    """The cohort given by ``--data`` or the positional path (not both)."""
    pos, opt = getattr(args, "path", None), getattr(args, "data", None)
    if pos is not None and opt is not None and pos != opt:
        raise _Usage(f"give the cohort once: either --data {opt} or {pos}")
    return opt if opt is not None else pos


def _outside_inputs(out, option="--out", inputs=()) -> None:
    """The one output-path rule (:mod:`dttstudy.targets`): a refused path is a usage error."""
    try:
        check_output(out, inputs, option=option)
    except TargetError as err:
        raise _Usage(f"{err}; nothing was written") from None


def _cmd_validate(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .intake.cohort import validate

    report = validate(_data(args), allow_identifiers=args.allow_identifiers)
    print(report)
    return 0 if report.ok else 1


def _load(args):
    """The cohort, or None after printing the validation report (warnings and notes are left to
    ``dttstudy validate``)."""
    import warnings

    # deferred: `dttstudy --help` stays fast
    from .intake.cohort import load_cohort
    from .intake.validation import CohortValidationError, reading_lines

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cohort = load_cohort(_data(args), allow_identifiers=getattr(args, "allow_identifiers", False))
    except CohortValidationError as err:
        print(err.report, file=sys.stderr)
        return None
    for line in reading_lines(cohort):
        print(line, file=sys.stderr)
    return cohort



def _cmd_summary(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .analysis.summary import cohort_summary

    cohort = _load(args)
    if cohort is None:
        return 1
    print(cohort_summary(cohort))
    return 0


def _cmd_check(args) -> int:
    import pandas as pd

    # deferred: `dttstudy --help` stays fast
    from .analysis.check import check_summary, paper_check

    cohort = _load(args)
    if cohort is None:
        return 1
    res = paper_check(cohort)
    # the paper's own words name each number; the machine key stays in the CSV (dttstudy reproduce, paper_check)
    shown = res.assign(statement=res["where"]).rename(columns={
        "statement": "Published statement", "published": "Published", "published_n": "n (paper)",
        "computed": "Computed", "computed_n": "n (computed)", "status": "Status"})
    cols = ["Published statement", "Published", "n (paper)", "Computed", "n (computed)", "Status"]
    with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_colwidth", 60):
        print(cohort.label)
        print(_aligned(shown[cols], left=("Published statement", "Status")))
    print(check_summary(res))
    bad = res[res["status"] == "mismatch"]
    if len(bad):
        print("MISMATCH: " + "; ".join(bad["where"]), file=sys.stderr)
        return 1
    return 0


def _aligned(df, left=()) -> str:
    """A plain-text table: the columns in ``left`` (words) left-aligned, the others (numbers) right-aligned."""
    text = {c: ["" if v is None or v != v else str(v) for v in df[c]] for c in df.columns}
    width = {c: max([len(c)] + [len(v) for v in text[c]]) for c in df.columns}

    def cell(c, v):
        return v.ljust(width[c]) if c in left else v.rjust(width[c])

    lines = ["  ".join(cell(c, c) for c in df.columns).rstrip()]
    lines += ["  ".join(cell(c, text[c][i]) for c in df.columns).rstrip() for i in range(len(df))]
    return "\n".join(lines)


def _cmd_reproduce(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .reporting.pipeline import reproduce
    from .reporting.report_folder import ReportError

    try:
        params = parse_cli(args.parameter)
    except ParameterError as err:
        raise _Usage(str(err)) from None
    try:
        reproduce(_data(args), args.out, args.jobs, params, force=args.force, echo=lambda m: print(m, flush=True))
    except ReportError as err:  # the library raises; the exit code is the command line's
        print(err, flush=True)
        return err.exit_code
    return 0


def _cmd_template(args) -> int:
    from pathlib import Path

    # deferred: `dttstudy --help` stays fast
    from .intake.templates import write_templates

    folder = Path(args.folder)
    _outside_inputs(folder, "FOLDER")
    if folder.exists() and not folder.is_dir():
        raise _Usage(f"{folder} is a file: give a folder for the templates")
    names = [f"{n}.csv" for n in TABLE_NAMES] + ["cohort_template.xlsx"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not args.force:
        raise _Usage(f"{folder / existing[0]} already exists (filled-in data?): nothing was written; choose "
                     f"another folder or pass --force to overwrite the templates")
    for f in write_templates(folder):
        print(f)
    return 0


def _cmd_execute_notebooks(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .reporting.pipeline import execute_in_place
    from .reporting.report_folder import ReportError

    try:
        execute_in_place(args.jobs)
    except ReportError as err:
        print(err, file=sys.stderr)
        return err.exit_code
    return 0


def _cmd_split(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .intake.cohort import load_cohort
    from .intake.split import split_by_centre
    from .intake.validation import CohortValidationError

    try:
        out = check_output(args.out, [args.data or REFERENCE_DIR])
    except TargetError as err:
        raise _Usage(str(err)) from None
    try:
        cohort = load_cohort(args.data)
    except CohortValidationError as err:
        print(err.report, file=sys.stderr)
        return 1
    try:
        counts = split_by_centre(cohort, out)
    except (FileExistsError, ValueError) as err:
        raise _Usage(str(err)) from None
    for name, n in counts.items():
        print(f"{out / name}: {n} patient{'s' if n != 1 else ''}")
    return 0


def _cmd_synth(args) -> int:
    from pathlib import Path

    # deferred: `dttstudy --help` stays fast
    from .intake.synth import SYNTHETIC_TITLE, synth_cohort, text_booleans, write_cohort

    if args.patients < 1:
        raise _Usage("--patients must be at least 1")
    out = Path(args.out)
    _outside_inputs(out)
    if out.exists() and not args.force and (out.is_file() or any(out.iterdir())):
        raise _Usage(f"{out} already exists: nothing was written; choose another name or pass --force")
    tables = synth_cohort(args.patients, args.seed, optional_labs=not args.paper_labs_only)
    if out.suffix.lower() == ".xlsx":
        from .reporting.render import to_excel  # deferred: `dttstudy --help` stays fast

        out.parent.mkdir(parents=True, exist_ok=True)
        written = to_excel({n: text_booleans(df) for n, df in tables.items()}, out, title=SYNTHETIC_TITLE)
    else:
        written = write_cohort(tables, out, about={"patients": args.patients, "seed": args.seed})
    print(f"synthetic cohort of {args.patients:,} patients (seed {args.seed}) written to {written}")
    return 0


def add_commands(subparsers) -> None:
    """Add ``export-summary`` and ``pool`` to the ``dttstudy`` command line."""
    p = subparsers.add_parser("export-summary", help="write a centre's aggregate, disclosure-controlled summary",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              epilog=help_text("export-summary"))
    _export_args(p)
    p.set_defaults(func=_cmd_export)
    p = subparsers.add_parser("pool", help="pool centre summaries into a report")
    _pool_args(p)
    p.set_defaults(func=_cmd_pool)


def _export_args(p) -> None:
    p.add_argument("--data", default=None, help="cohort folder or .xlsx (default: the reference cohort)")
    p.add_argument("--out", required=True, help="summary file to write (e.g. centre.json)")
    p.add_argument("--min-cell", type=bounded(0, MAX_MIN_CELL), default=DEFAULT_MIN_CELL,
                   help=f"minimum cell count K (default {DEFAULT_MIN_CELL}; 0 turns suppression off, for testing; "
                        f"at most {MAX_MIN_CELL})")
    p.add_argument("--centre", default=None, help="centre code written into the file (letters, digits, _ . -)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                   help="an analysis parameter, as for dttstudy reproduce (see below)")
    # each declared parameter of export-summary also as its own option (--crp-uln 10), checked as -p is
    for spec in for_command("export-summary"):
        p.add_argument(spec.option, dest=f"opt_{spec.name}", default=None, metavar="VALUE",
                       help=f"same as -p {spec.name}=VALUE")
    p.add_argument("--force", action="store_true", help="overwrite an existing summary file")
    p.add_argument("--event-times", action="store_true",
                   help="life tables at every distinct time (exact pooled Kaplan–Meier; shares the times)")
    p.add_argument("--release-record", default=None, metavar="FILE",
                   help="this centre's record of released summaries (default: $DTTSTUDY_RELEASE_RECORD, else "
                        "~/.local/state/dttstudy/release-record.json)")
    p.add_argument("--accept-small-difference", action="store_true",
                   help="release although the patients differ from an earlier release by fewer than K")


def _pool_args(p) -> None:
    p.add_argument("summaries", nargs="+", help="centre summary files")
    p.add_argument("--out", required=True, help="folder for the pooled report")
    p.add_argument("--min-cell", type=bounded(0, MAX_MIN_CELL), default=DEFAULT_MIN_CELL, metavar="K",
                   help=f"smallest minimum cell count accepted from a centre (default {DEFAULT_MIN_CELL})")
    p.add_argument("--accept-below-min-cell", action="store_true",
                   help="pool centres exported with a smaller K (or none) too; the report names them")
    p.add_argument("--partial", choices=["withhold", "show"], default="withhold",
                   help="a response cell some centres withheld: withheld in the pool too (default), or the sum "
                        "over the other centres, marked with the centres it covers")


def _cmd_export(args) -> int:
    import warnings

    # deferred: `dttstudy --help` stays fast
    from .intake.cohort import load_cohort
    from .intake.validation import CohortValidationError
    from .synthesis.multicentre.check import is_summary_file
    from .synthesis.multicentre.release_record import (ReleaseRecordError, ReleaseRefused, default_record_path,
                                                       release_summary)

    try:
        args.analysis = _analysis_parameters(args, "export-summary")
    except ParameterError as err:
        print(f"export-summary: {err}; nothing was written", file=sys.stderr)
        return 2
    try:  # never the data, inside the data folder or the project; replace only a summary, and only with --force
        out = check_output(args.out, [args.data or REFERENCE_DIR])
        if out.exists() and (out.is_dir() or not args.force or not is_summary_file(out)):
            raise TargetError(f"{args.out} already exists" + (
                ": choose another name or pass --force" if not args.force or out.is_dir() else
                " and is not a centre summary: --force replaces only a summary dttstudy wrote"))
    except TargetError as err:
        print(f"export-summary: {err}; nothing was written", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cohort = load_cohort(args.data)
    except CohortValidationError as err:
        print(err.report, file=sys.stderr)
        return 1
    try:  # never inside the data folder or the project
        record_path = check_output(args.release_record or default_record_path(), [args.data or REFERENCE_DIR],
                                   option="--release-record")
    except TargetError as err:
        print(f"export-summary: {err}; nothing was written", file=sys.stderr)
        return 2
    try:  # differencing: the release path refuses patients differing from an earlier release's by 1 … K − 1
        done = release_summary(cohort, record=record_path, out=args.out,
                               accept_small_difference=args.accept_small_difference, min_cell=args.min_cell,
                               centre=args.centre, event_times=args.event_times, **args.analysis)
    except ReleaseRefused as err:
        for d in err.differences:
            print(f"export-summary: {d} (record {record_path}). Release when at least {d.min_cell} patients were "
                  "added, removed or changed, or pass --accept-small-difference", file=sys.stderr)
        print("export-summary: nothing was written", file=sys.stderr)
        return 2
    except ReleaseRecordError as err:
        print(f"export-summary: {err}; nothing was written", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"export-summary: {err}", file=sys.stderr)
        return 2
    for d in done.accepted:
        print(f"export-summary: WARNING {d} (record {record_path}); released as --accept-small-difference asks",
              file=sys.stderr)
    s = done.summary
    print(f"{args.out}: {sum(len(v) for v in s['tables'].values())} rows, "
          f"{len(s['disclosure']['withheld'])} cell(s) withheld (minimum cell count {s['disclosure']['min_cell']})")
    return 0


def _cmd_pool(args) -> int:
    # deferred: `dttstudy --help` stays fast
    from .reporting.pooled_report import write_pooled_report
    from .synthesis.multicentre.pooling import IncompatibleSummaries, pool

    try:
        check_output(args.out, args.summaries)  # never a summary file, nor the project
        res = pool(args.summaries, min_cell=args.min_cell, accept_below_min_cell=args.accept_below_min_cell,
                   partial=args.partial)
    except (IncompatibleSummaries, TargetError) as err:
        print(f"pool: {err}", file=sys.stderr)
        return 2
    try:
        write_pooled_report(res, args.out)
    except FileExistsError as err:
        print(f"pool: {err}", file=sys.stderr)
        return 2
    res.print_summary()
    print(f"pooled report written to {args.out}")
    return 0


def cli_export_summary(argv=None) -> int:
    """``dttstudy export-summary`` as a function (argv without the command name)."""
    p = argparse.ArgumentParser(prog="dttstudy export-summary")
    _export_args(p)
    return _cmd_export(p.parse_args(argv))


def cli_pool(argv=None) -> int:
    """``dttstudy pool`` as a function (argv without the command name)."""
    p = argparse.ArgumentParser(prog="dttstudy pool")
    _pool_args(p)
    return _cmd_pool(p.parse_args(argv))


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="dttstudy", description=DESCRIPTION, formatter_class=raw)
    parser.add_argument("--version", action="version", version=f"dttstudy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_data(p, positional=True):
        if positional:
            p.add_argument("path", nargs="?", default=None, metavar="PATH",
                           help="cohort folder or .xlsx workbook (same as --data)")
        p.add_argument("--data", default=None, metavar="PATH",
                       help="cohort folder (four CSV files) or .xlsx workbook; default: the bundled reconstructed "
                            "reference cohort")

    def add_identifiers(p):
        p.add_argument("--allow-identifiers", action="store_true",
                       help="load although columns look like direct identifiers (they are dropped)")

    p = sub.add_parser("validate", help="check a cohort and list every problem", formatter_class=raw,
                       description="Check a cohort against the data contract and list every problem by file, row "
                                   "and column (exit 0 valid, 1 invalid).")
    add_data(p)
    add_identifiers(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("summary", help="validate a cohort and print an overview",
                       description="Validate a cohort and print counts by disease, regimen, status, visits and AEs.")
    add_data(p)
    add_identifiers(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("check", help="published numbers vs computed",
                       description="Compare every number Wang et al. 2025 print with the number computed from the "
                                   "cohort (exit 1 on any mismatch).")
    add_data(p)
    add_identifiers(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("reproduce", help="regenerate every table, figure and the report", formatter_class=raw,
                       description="Validate the data, run every notebook with Papermill and write the report "
                                   "folder (report.html, index.html, tables, figures, provenance).",
                       epilog=help_text() + "\n\nThe report folder is replaced only if dttstudy wrote it; without "
                              "--out the reference cohort goes to reports/ and any other cohort to a folder named "
                              "after the data, beside it (my_cohort/ -> my_cohort_report/).")
    add_data(p, positional=False)
    p.add_argument("--out", default=None, metavar="FOLDER",
                   help="report folder (default: reports/ for the reference cohort, DATA_report/ for other data)")
    p.add_argument("--jobs", type=bounded(1, 64), default=2, metavar="N",
                   help="notebooks run in parallel (default: 2)")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                   help="analysis parameter (listed below), e.g. -p disease=CD -p timepoints=3,6 -p window=1.5")
    p.add_argument("--force", action="store_true", help="re-execute every notebook even if nothing changed")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("split", help="split a cohort into one cohort folder per centre (a trial of the multicentre "
                                     "path)")
    p.add_argument("--data", default=None, metavar="PATH", help="cohort folder or .xlsx (default: the reference "
                   "cohort)")
    p.add_argument("--out", required=True, metavar="FOLDER", help="new folder for one cohort folder per centre")
    p.set_defaults(func=_cmd_split)

    p = sub.add_parser("synth", help="write a synthetic cohort (no patient data)",
                       description="Write a schema-valid synthetic cohort: a folder of four CSV files, or one "
                                   "workbook when --out ends in .xlsx.")
    p.add_argument("--patients", type=bounded(1, 5_000_000), required=True, metavar="N",
                   help="number of patients (1 to 5,000,000)")
    p.add_argument("--seed", type=bounded(0, 2**32 - 1), default=0,
                   help="random seed (same seed, same bytes; default 0)")
    p.add_argument("--paper-labs-only", action="store_true",
                   help="record only the paper's laboratory markers (no optional columns)")
    p.add_argument("--out", required=True, metavar="PATH", help="folder for four CSV files, or a .xlsx file")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("template", help="write empty cohort files to fill in",
                       description="Write the four empty CSV files and cohort_template.xlsx into FOLDER. Existing "
                                   "files are never overwritten unless --force is given.")
    p.add_argument("folder", metavar="FOLDER", help="where to write the templates")
    p.add_argument("--force", action="store_true", help="overwrite existing template files")
    p.set_defaults(func=_cmd_template)

    add_commands(sub)  # export-summary, pool

    p = sub.add_parser("execute-notebooks", help="re-run the committed notebooks in place",
                       description="Re-execute the committed notebooks on the reference cohort so that their "
                                   "checked outputs are current.")
    p.add_argument("--jobs", type=bounded(1, 64), default=2, metavar="N",
                   help="notebooks run in parallel (default: 2)")
    p.set_defaults(func=_cmd_execute_notebooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        with sigterm_raises():  # a SIGTERM runs the same cleanups as Ctrl-C
            return args.func(args)
    except Terminated:
        print("dttstudy: terminated", file=sys.stderr)
        return 143
    except _Usage as err:
        print(f"dttstudy: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dttstudy: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `dttstudy check | head`): stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return 141
    except (OSError, RuntimeError) as err:  # unreadable paths, symlink loops, full disks
        print(f"dttstudy: {type(err).__name__}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
