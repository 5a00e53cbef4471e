"""The analysis parameters, declared once.

Every parameter a notebook accepts is declared here with its type, default and meaning. The command line
(``dttstudy reproduce -p NAME=VALUE``), :func:`params` (the notebooks' typed parameters, also reached as
:func:`dttstudy.reporting.report.params`) and the notebooks' ``parameters`` cells all follow this list; a test
checks that each notebook declares exactly its parameters with these defaults. Names are checked against the list
and values are parsed into their declared type before anything runs: nothing a user types is ever pasted into
code. No heavy imports here: the command line uses this module before pandas loads.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field, make_dataclass
from typing import Any

from .concepts import LITERATURE_OUTCOMES

#: The paper's visit windows (months either side of the target month); :data:`dttstudy.analysis.outcomes.DEFAULT_WINDOWS`
#: is this table. It lives here, with no heavy imports, so the command line can check months before pandas loads.
PAPER_WINDOWS = {3: 0.5, 6: 1.0, 9: 1.0, 12: 1.0}

#: Length in months of the life-table grid a centre summary shares (``dttstudy export-summary --horizon``).
DEFAULT_HORIZON = 24


class ParameterError(ValueError):
    """A parameter name that is not declared, or a value that cannot be read as the declared type."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "choice", "number", "whole", "month", "months", "window", "path"
    default: object
    help: str
    choices: tuple = ()
    #: the declared range: numbers ``minimum <= x <= maximum``; months and windows ``0 < x <= maximum``
    minimum: float | None = None
    maximum: float | None = None
    #: notebooks that declare it (empty: every notebook)
    notebooks: tuple[str, ...] = ()
    #: settable with ``-p`` (``data_path`` and ``output_dir`` are set by ``--data`` / ``--out``)
    cli: bool = True
    #: the commands that take it: ``reproduce`` (the notebooks' parameters) and ``export-summary`` (a centre's
    #: summary, as ``-p NAME=VALUE`` or ``--name``)
    commands: tuple[str, ...] = ("reproduce",)

    @property
    def option(self) -> str:
        """The long command-line option (``--crp-uln``)."""
        return "--" + self.name.replace("_", "-")

    def range_text(self) -> str:
        """'; 0 to 100' — the declared range, as help and the Methods give it ('' for choices and paths)."""
        if self.maximum is None:
            return ""
        low = f"{self.minimum:g}" if self.minimum is not None else "above 0"
        return f"; {low} to {self.maximum:g}"

    def default_text(self) -> str:
        d = self.default
        if d is None:
            return "none"
        if isinstance(d, (list, tuple)):
            return ",".join(f"{x:g}" for x in d)
        if isinstance(d, float):
            return f"{d:g}"
        return str(d)

    def parse(self, value):
        """The value in its declared type; accepts the strings of the command line and Papermill's typed values."""
        name = self.name
        if self.kind == "path":
            if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
                return None
            if not isinstance(value, str):
                raise ParameterError(f"{name} must be a path, not {value!r}")
            return value
        if self.kind == "choice":
            text = str(value).strip() if isinstance(value, str) else value
            if text in self.choices:
                return text
            hint = _did_you_mean(str(value), self.choices)
            raise ParameterError(f"{name} must be one of {', '.join(map(str, self.choices))}, not {value!r}{hint}")
        if self.kind in ("number", "whole"):
            x = _number(value, name)
            if self.kind == "whole":
                if not x.is_integer():
                    raise ParameterError(f"{name} must be a whole number, not {value!r}")
                x = int(x)
            if self.minimum is not None and x < self.minimum:
                raise ParameterError(f"{name} must be at least {self.minimum:g}, not {x:g}")
            if self.maximum is not None and x > self.maximum:
                raise ParameterError(f"{name} must be at most {self.maximum:g}, not {x:g}")
            return x
        if self.kind == "month":
            if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
                return None
            x = _number(value, name)
            if not 0 < x <= self.maximum:
                raise ParameterError(f"{name} must be a month after DTT start, above 0 and at most "
                                     f"{self.maximum:g}, not {x:g}")
            return x
        if self.kind == "window":
            if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null", "paper")):
                return None
            x = _number(value, name)
            if not 0 < x <= self.maximum:
                raise ParameterError(f"{name} must be a half-width in months, above 0 and at most "
                                     f"{self.maximum:g}, not {x:g}")
            return x
        if self.kind == "months":
            items = value
            if isinstance(value, str):
                items = [x for x in value.replace("[", "").replace("]", "").replace(";", ",").split(",")
                         if x.strip()]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                items = [value]
            if not isinstance(items, (list, tuple)) or not items:
                raise ParameterError(f"{name} must be months since DTT start, e.g. 3,6,9 (got {value!r})")
            out = []
            for x in items:
                m = _number(x, name)
                if not 0 < m <= self.maximum:
                    raise ParameterError(f"{name}: {m:g} is not a month after DTT start (0 < month ≤ "
                                         f"{self.maximum:g})")
                out.append(int(m) if m.is_integer() else m)
            if len(set(out)) != len(out):
                raise ParameterError(f"{name}: a month is listed twice ({value!r})")
            return tuple(sorted(out))
        raise AssertionError(self.kind)  # pragma: no cover


def _number(value, name: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a number, not {value!r}")
    try:
        x = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(x):
        raise ParameterError(f"{name} must be a finite number, not {value!r}")
    return x


def _did_you_mean(text: str, options) -> str:
    close = difflib.get_close_matches(text.strip(), [str(o) for o in options], n=1, cutoff=0.6)
    if not close:
        low = {str(o).lower(): str(o) for o in options}
        close = [low[text.strip().lower()]] if text.strip().lower() in low else []
    return f" (did you mean '{close[0]}'?)" if close else ""


LITERATURE = ("07_literature",)
#: The furthest month a parameter may name (50 years of follow-up).
MAX_MONTH = 600
ANALYSIS = ("reproduce", "export-summary")
EXPORT = ("export-summary",)

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("data_path", "path", None, "cohort folder or .xlsx workbook (none: the bundled reference cohort)",
              cli=False),
    Parameter("output_dir", "path", None, "folder for tables/ and figures/ (none: display only)", cli=False),
    Parameter("disease", "choice", "all", "patients analysed: all, UC or CD", choices=("all", "UC", "CD"),
              commands=ANALYSIS),
    Parameter("timepoints", "months", (3, 6, 9), "months since DTT start at which response is assessed",
              maximum=MAX_MONTH, commands=ANALYSIS),
    Parameter("window", "window", None,
              "visit-window half-width in months for every timepoint (none: the paper's windows, 3 ± 0.5 and "
              "6/9/12 ± 1 months; other months need a window)", maximum=12, commands=ANALYSIS),
    Parameter("definition", "choice", "paper", "clinical response definition: paper, or simple (sensitivity)",
              choices=("paper", "simple"), commands=ANALYSIS),
    Parameter("ci_method", "choice", "clopper-pearson", "binomial confidence interval",
              choices=("clopper-pearson", "wilson"), commands=ANALYSIS),
    Parameter("crp_uln", "number", 5.0, "CRP upper limit of normal, mg/L (CRP normalisation)", minimum=0,
              maximum=100, commands=ANALYSIS),
    Parameter("outcome", "choice", "clinical_response", "literature: outcome for subgroup and leave-one-out",
              choices=tuple(LITERATURE_OUTCOMES), notebooks=LITERATURE),
    Parameter("subgroup", "choice", "regimen_class", "literature: subgroup variable",
              choices=("regimen_class", "disease", "population"), notebooks=LITERATURE),
    Parameter("method", "choice", "GLMM", "literature: pooling model (GLMM, or inverse-variance REML, DL, PM)",
              choices=("GLMM", "REML", "DL", "PM"), notebooks=LITERATURE),
    Parameter("include", "choice", "main", "literature: studies pooled: main (the written inclusion rule) or all (adds paediatric, non-refractory and perianal-only studies)",
              choices=("main", "all"), notebooks=LITERATURE),
    Parameter("cohort_month", "month", None, "literature: month at which this cohort's response is taken "
              "(none: the last month of timepoints; a month without one of the paper's windows needs -p window)",
              maximum=MAX_MONTH, notebooks=LITERATURE),
    Parameter("horizon", "whole", DEFAULT_HORIZON, "length in months of the life-table grid a centre summary "
              "shares", minimum=1, maximum=MAX_MONTH, commands=EXPORT),
)

BY_NAME = {p.name: p for p in PARAMETERS}


def for_notebook(stem: str) -> list[Parameter]:
    """The parameters a notebook declares, in order."""
    return [p for p in PARAMETERS if "reproduce" in p.commands and (not p.notebooks or stem in p.notebooks)]


def for_command(command: str) -> list[Parameter]:
    """The parameters a command takes (``-p NAME=VALUE``), in order.

    >>> [p.name for p in for_command("export-summary")]
    ['disease', 'timepoints', 'window', 'definition', 'ci_method', 'crp_uln', 'horizon']
    """
    return [p for p in PARAMETERS if command in p.commands and p.cli]


def check(values: dict, *, allow_paths: bool = True, command: str = "reproduce") -> dict:
    """Parse and check ``{name: value}`` for ``command``; every problem is collected and raised at once as one
    ParameterError."""
    out, problems = {}, []
    for name, value in values.items():
        spec = BY_NAME.get(name)
        if spec is not None and command not in spec.commands:
            problems.append(f"{name} is not a parameter of dttstudy {command}")
            continue
        if spec is None or (not allow_paths and not spec.cli):
            if spec is not None:
                problems.append(f"-p {name} is set by dttstudy reproduce itself (use --data / --out)")
                continue
            names = [p.name for p in for_command(command)]
            problems.append(f"unknown parameter {name!r}{_did_you_mean(str(name), names)}; parameters: "
                            + ", ".join(names))
            continue
        try:
            out[name] = spec.parse(value)
        except ParameterError as err:
            problems.append(str(err))
    merged = {p.name: p.default for p in PARAMETERS} | out
    if not problems:
        # every month analysed needs a visit window: the timepoints and the literature notebook's cohort month
        month = literature_month(merged["timepoints"], merged["cohort_month"])
        checks: list[tuple[Any, str | None]] = [(merged["timepoints"], None)]
        if out.get("cohort_month") is not None:  # a month the user set; otherwise it is a timepoint, checked above
            checks.append(((month,), "cohort_month"))
        for months, name in checks:
            try:
                windows(months, merged["window"])
            except ParameterError as err:
                problems.append(str(err).replace("timepoints:", f"{name}:") if name else str(err))
    if problems:
        raise ParameterError("; ".join(problems))
    return out


def literature_month(timepoints, cohort_month: float | None) -> float:
    """The month at which this cohort is set beside the published cohorts: ``cohort_month`` when given, else the
    last analysed month (so the comparison follows ``timepoints``)."""
    return float(cohort_month) if cohort_month is not None else float(max(timepoints))


def windows(timepoints, window: float | None) -> dict:
    """Visit-window half-widths for ``timepoints``: ``window`` for every month when given, else the paper's."""
    if window is not None:
        return {m: float(window) for m in timepoints}
    missing = [m for m in timepoints if m not in PAPER_WINDOWS]
    if missing:
        months = ", ".join(f"{m:g}" for m in missing)
        raise ParameterError(f"timepoints: the paper defines no visit window for month {months}; add "
                             f"-p window=HALF_WIDTH (months either side, e.g. -p window=1.5)")
    return {m: PAPER_WINDOWS[m] for m in timepoints}


def parse_cli(items: list[str], command: str = "reproduce") -> dict:
    """``-p NAME=VALUE`` items → checked, typed values (raises ParameterError)."""
    raw: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"-p expects NAME=VALUE, got {item!r}")
        if name.strip() in raw:
            raise ParameterError(f"-p {name.strip()} is given twice ({raw[name.strip()]!r} and {value!r}): give "
                                 "each parameter once")
        raw[name.strip()] = value
    return check(raw, allow_paths=False, command=command)


def help_text(command: str = "reproduce") -> str:
    """Every parameter of ``command`` with its default and range, for ``dttstudy COMMAND --help``."""
    import textwrap

    lines = ["parameters (-p NAME=VALUE):"]
    for p in for_command(command):
        where = f" [{', '.join(p.notebooks)} only]" if p.notebooks else ""
        choice = f" ({' | '.join(p.choices)})" if p.choices else ""
        text = f"{p.help}{choice}{where}; default {p.default_text()}{p.range_text()}"
        lines += textwrap.wrap(text, 96, initial_indent=f"  {p.name:<14}", subsequent_indent=" " * 16)
    return "\n".join(lines)


class _ParamsMethods:
    """What every set of notebook parameters derives from its values (the fields come from :data:`PARAMETERS`)."""

    timepoints: tuple
    window: float | None
    definition: str
    crp_uln: float
    extra: dict

    @property
    def windows(self) -> dict:
        """Visit-window half-widths for the timepoints: ``window`` everywhere when set, else the paper's."""
        return windows(self.timepoints, self.window)

    @property
    def response_kwargs(self) -> dict:
        return {"definition": self.definition, "crp_uln": self.crp_uln, "windows": self.windows}

    @property
    def cohort_month(self) -> float:
        """The literature comparison's month (:func:`literature_month`)."""
        return literature_month(self.timepoints, self.extra.get("cohort_month"))

    @property
    def literature_kwargs(self) -> dict:
        """:attr:`response_kwargs` with a visit window for :attr:`cohort_month` too."""
        months = tuple(sorted(set(self.timepoints) | {self.cohort_month}))
        return self.response_kwargs | {"windows": windows(months, self.window)}

    def as_dict(self) -> dict:
        d = asdict(self)  # type: ignore[call-overload]
        d["timepoints"] = list(self.timepoints)
        extra = d.pop("extra")
        return d | dict(sorted(extra.items()))


_TYPES = {"path": "str | None", "choice": "str", "number": "float", "whole": "int", "month": "float | None",
          "months": "tuple[float, ...]", "window": "float | None"}
#: The parameters every notebook declares (the others are one notebook's, kept in ``Params.extra``).
COMMON = tuple(p for p in PARAMETERS if "reproduce" in p.commands and not p.notebooks)

#: The notebooks' parameters, typed and checked: one field per parameter every notebook declares, with its declared
#: default, and ``extra`` for one notebook's own (the literature notebook's). Built from :data:`PARAMETERS`.
Params = make_dataclass(
    "Params", [(p.name, _TYPES[p.kind], field(default=p.default)) for p in COMMON]
    + [("extra", dict, field(default_factory=dict))], bases=(_ParamsMethods,), frozen=True,
    namespace={"__doc__": "The notebooks' parameters, typed and checked against :mod:`dttstudy.parameters`."})
Params.__module__ = __name__


def params(**values) -> Any:
    """Typed, checked notebook parameters (a :data:`Params`), by name.

    Accepts the strings of ``dttstudy reproduce -p`` and Papermill's typed values alike (``-p timepoints 6`` gives
    an int, ``-p timepoints 3,6`` a string). Unknown names and unreadable values raise
    :class:`~dttstudy.parameters.ParameterError` with every problem listed; a timepoint without a visit window
    fails here, before any analysis runs.

    >>> params(timepoints="3,6", crp_uln="10").windows
    {3: 0.5, 6: 1.0}
    >>> params(horizon=10 ** 9)
    Traceback (most recent call last):
    ...
    dttstudy.parameters.ParameterError: horizon is not a parameter of dttstudy reproduce
    """
    checked = check(values)
    common = {p.name for p in COMMON}
    return Params(**{k: v for k, v in checked.items() if k in common},
                  extra={k: v for k, v in checked.items() if k not in common})
