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
from dataclasses import asdict, dataclass, field

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
    kind: str  # "choice", "number", "month", "months", "window", "path"
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
        if self.kind == "number":
            x = _number(value, name)
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

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("data_path", "path", None, "cohort folder or .xlsx workbook (none: the bundled reference cohort)",
              cli=False),
    Parameter("output_dir", "path", None, "folder for tables/ and figures/ (none: display only)", cli=False),
    Parameter("disease", "choice", "all", "patients analysed: all, UC or CD", choices=("all", "UC", "CD")),
    Parameter("timepoints", "months", (3, 6, 9), "months since DTT start at which response is assessed",
              maximum=MAX_MONTH),
    Parameter("window", "window", None,
              "visit-window half-width in months for every timepoint (none: the paper's windows, 3 ± 0.5 and "
              "6/9/12 ± 1 months; other months need a window)", maximum=12),
    Parameter("definition", "choice", "paper", "clinical response definition: paper, or simple (sensitivity)",
              choices=("paper", "simple")),
    Parameter("ci_method", "choice", "clopper-pearson", "binomial confidence interval",
              choices=("clopper-pearson", "wilson")),
    Parameter("crp_uln", "number", 5.0, "CRP upper limit of normal, mg/L (CRP normalisation)", minimum=0,
              maximum=100),
    Parameter("outcome", "choice", "clinical_response", "literature: outcome for subgroup and leave-one-out",
              choices=("clinical_response", "clinical_remission", "endoscopic_response", "endoscopic_remission",
                       "any_ae", "serious_ae"), notebooks=LITERATURE),
    Parameter("subgroup", "choice", "regimen_class", "literature: subgroup variable",
              choices=("regimen_class", "disease", "population"), notebooks=LITERATURE),
    Parameter("method", "choice", "GLMM", "literature: pooling model (GLMM, or inverse-variance REML, DL, PM)",
              choices=("GLMM", "REML", "DL", "PM"), notebooks=LITERATURE),
    Parameter("include", "choice", "main", "literature: studies pooled: main (the written inclusion rule) or all (adds paediatric, non-refractory and perianal-only studies)",
              choices=("main", "all"), notebooks=LITERATURE),
    Parameter("cohort_month", "month", None, "literature: month at which this cohort's response is taken "
              "(none: the last month of timepoints; a month without one of the paper's windows needs -p window)",
              maximum=MAX_MONTH, notebooks=LITERATURE),
)

BY_NAME = {p.name: p for p in PARAMETERS}


def for_notebook(stem: str) -> list[Parameter]:
    """The parameters a notebook declares, in order."""
    return [p for p in PARAMETERS if not p.notebooks or stem in p.notebooks]


def check(values: dict, *, allow_paths: bool = True) -> dict:
    """Parse and check ``{name: value}``; every problem is collected and raised at once as one ParameterError."""
    out, problems = {}, []
    for name, value in values.items():
        spec = BY_NAME.get(name)
        if spec is None or (not allow_paths and not spec.cli):
            if spec is not None:
                problems.append(f"-p {name} is set by dttstudy reproduce itself (use --data / --out)")
                continue
            names = [p.name for p in PARAMETERS if p.cli]
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
        for months, name in ((merged["timepoints"], None), ((month,), "cohort_month")):
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


def parse_cli(items: list[str]) -> dict:
    """``-p NAME=VALUE`` items → checked, typed values (raises ParameterError)."""
    raw = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"-p expects NAME=VALUE, got {item!r}")
        if name.strip() in raw:
            raise ParameterError(f"-p {name.strip()} is given twice ({raw[name.strip()]!r} and {value!r}): give "
                                 "each parameter once")
        raw[name.strip()] = value
    return check(raw, allow_paths=False)


def help_text() -> str:
    """Every parameter with its default, for ``dttstudy reproduce --help``."""
    import textwrap

    lines = ["parameters (-p NAME=VALUE):"]
    for p in PARAMETERS:
        if not p.cli:
            continue
        where = f" [{', '.join(p.notebooks)} only]" if p.notebooks else ""
        choice = f" ({' | '.join(p.choices)})" if p.choices else ""
        text = f"{p.help}{choice}{where}; default {p.default_text()}"
        lines += textwrap.wrap(text, 96, initial_indent=f"  {p.name:<14}", subsequent_indent=" " * 16)
    return "\n".join(lines)


@dataclass(frozen=True)
class Params:
    """The notebooks' parameters, typed and checked against :mod:`dttstudy.parameters`."""

    data_path: str | None = None
    output_dir: str | None = None
    disease: str = "all"
    timepoints: tuple[float, ...] = (3, 6, 9)
    definition: str = "paper"
    ci_method: str = "clopper-pearson"
    crp_uln: float = 5.0
    window: float | None = None
    #: notebook-specific parameters (e.g. the literature notebook's), checked like the others
    extra: dict = field(default_factory=dict)

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
        d = asdict(self)
        d["timepoints"] = list(self.timepoints)
        extra = d.pop("extra")
        return d | dict(sorted(extra.items()))


_DEFAULT = object()


def params(data_path=_DEFAULT, output_dir=_DEFAULT, disease=_DEFAULT, timepoints=_DEFAULT, definition=_DEFAULT,
           ci_method=_DEFAULT, crp_uln=_DEFAULT, window=_DEFAULT, **extra) -> Params:
    """Typed, checked notebook parameters.

    Accepts the strings of ``dttstudy reproduce -p`` and Papermill's typed values alike (``-p timepoints 6`` gives
    an int, ``-p timepoints 3,6`` a string). Unknown names and unreadable values raise
    :class:`~dttstudy.parameters.ParameterError` with every problem listed; a timepoint without a visit window
    fails here, before any analysis runs.
    """
    given = {k: v for k, v in dict(data_path=data_path, output_dir=output_dir, disease=disease,
                                    timepoints=timepoints, definition=definition, ci_method=ci_method,
                                    crp_uln=crp_uln, window=window).items() if v is not _DEFAULT}
    checked = check(given | extra)
    values = {p.name: p.default for p in PARAMETERS if not p.notebooks} | {
        k: v for k, v in checked.items() if k in given}
    return Params(**values, extra={k: checked[k] for k in extra})
