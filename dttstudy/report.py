"""Notebook helpers: typed parameters, deterministic saving of tables and figures, stable text for checks.

Notebooks stay thin: a ``parameters`` cell, :func:`params` in the next cell (Papermill's command-line values
arrive as strings), calls into the package, a display, and :func:`save_table` / :func:`save_figure`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .render import to_csv, to_html, to_latex, to_markdown


@dataclass(frozen=True)
class Params:
    data_path: str | None = None
    output_dir: str | None = None
    disease: str = "all"
    timepoints: tuple[float, ...] = (3, 6, 9)
    definition: str = "paper"
    ci_method: str = "clopper-pearson"
    crp_uln: float = 5.0
    extra: dict = field(default_factory=dict)

    @property
    def response_kwargs(self) -> dict:
        return {"definition": self.definition, "crp_uln": self.crp_uln}

    def as_dict(self) -> dict:
        d = asdict(self)
        d["timepoints"] = list(self.timepoints)
        return d


def _none(v):
    return None if v in (None, "", "None", "none", "null") else v


def _timepoints(v) -> tuple[float, ...]:
    if isinstance(v, str):
        v = [x for x in v.replace("[", "").replace("]", "").replace(";", ",").split(",") if x.strip()]
    out = []
    for x in v:
        f = float(x)
        out.append(int(f) if f.is_integer() else f)
    return tuple(out)


def params(data_path=None, output_dir=None, disease="all", timepoints=(3, 6, 9), definition="paper",
           ci_method="clopper-pearson", crp_uln=5.0, **extra) -> Params:
    """Typed, checked notebook parameters (accepts the strings Papermill passes from the command line)."""
    disease = str(disease)
    if disease not in ("all", "UC", "CD"):
        raise ValueError(f"disease must be 'all', 'UC' or 'CD', not {disease!r}")
    if definition not in ("paper", "simple"):
        raise ValueError(f"definition must be 'paper' or 'simple', not {definition!r}")
    if ci_method not in ("clopper-pearson", "wilson"):
        raise ValueError(f"ci_method must be 'clopper-pearson' or 'wilson', not {ci_method!r}")
    return Params(_none(data_path), _none(output_dir), disease, _timepoints(timepoints), definition, ci_method,
                  float(crp_uln), extra)


def _dirs(output_dir) -> tuple[Path, Path] | None:
    if output_dir is None:
        return None
    base = Path(output_dir)
    (base / "tables").mkdir(parents=True, exist_ok=True)
    (base / "figures").mkdir(parents=True, exist_ok=True)
    return base / "tables", base / "figures"


def save_table(df: pd.DataFrame, name: str, output_dir, title: str | None = None,
               notes: list[str] | None = None) -> list[Path]:
    """Write ``tables/<name>.{csv,md,html,tex}`` under ``output_dir`` (nothing when ``output_dir`` is None)."""
    dirs = _dirs(output_dir)
    if dirs is None:
        return []
    tdir = dirs[0]
    files = []
    for ext, text in (("csv", to_csv(df)), ("md", to_markdown(df, title, notes)),
                      ("html", to_html(df, title, notes, table_id=name)), ("tex", to_latex(df, title, notes))):
        f = tdir / f"{name}.{ext}"
        f.write_text(text, encoding="utf-8")
        files.append(f)
    meta = tdir / f"{name}.json"
    meta.write_text(json.dumps({"title": title, "notes": notes or []}, indent=1, ensure_ascii=False) + "\n")
    return files


def save_figure(fig, name: str, output_dir) -> list[Path]:
    """Write ``figures/<name>.png`` and ``.svg`` with no timestamps and a fixed SVG hash salt."""
    dirs = _dirs(output_dir)
    if dirs is None:
        return []
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "dttstudy"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: editable, smaller, faster to write
    fdir = dirs[1]
    png, svg = fdir / f"{name}.png", fdir / f"{name}.svg"
    # the figure functions lay themselves out (tight_layout), so no second "tight" rendering pass is needed
    fig.savefig(png, dpi=150, metadata={"Software": None})
    fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def cohort_banner(cohort) -> str:
    """One line naming the data; the reference cohort is always flagged as reconstructed."""
    note = " — RECONSTRUCTED reference data, not patient records" if cohort.reconstructed else ""
    return f"Data: {cohort.label}{note}; {len(cohort.patients)} patients"


def rates_text(rates: pd.DataFrame) -> str:
    """Stable plain text of a rate table (for output-checked notebook cells)."""
    lines = []
    for r in rates.itertuples():
        month = f"{r.month:g}" if isinstance(r.month, (int, float)) else str(r.month)
        pct = "—" if r.N == 0 else f"{r.pct:.2f}%"
        lines.append(f"{r.endpoint} [{r.analysis_set}] month {month} {r.by}={r.group}: {r.n}/{r.N} {pct} "
                     f"(95% CI {r.ci_low:.1f}–{r.ci_high:.1f}, {r.ci_method})")
    return "\n".join(lines)


def show(df: pd.DataFrame, title: str | None = None, notes: list[str] | None = None):
    """Display a table as Markdown (stable across pandas versions, readable in JupyterLab and HTML)."""
    from IPython.display import Markdown, display

    display(Markdown(to_markdown(df, title, notes)))


def load(p: Params):
    """The notebooks' cohort: loaded (unknown-column warnings left to `dttstudy validate`), filtered to
    ``p.disease``, announced with :func:`cohort_banner`."""
    import warnings

    from .cohort import load_cohort

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cohort = load_cohort(p.data_path).filter(disease=p.disease)
    print(cohort_banner(cohort))
    return cohort
