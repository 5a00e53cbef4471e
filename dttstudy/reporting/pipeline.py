"""``dttstudy reproduce``: validate the data, execute every notebook with Papermill, assemble the report.

The report folder gets the executed notebooks, an HTML rendering of each without code, ``index.html`` with
the key numbers, ``tables/`` (CSV, Markdown, HTML, LaTeX and one ``tables.xlsx``), ``figures/`` (PNG, SVG) and
``provenance.json``. Everything is built in a temporary folder beside the target and swapped in only when all
notebooks succeed, so a failed run leaves the previous report untouched. Nothing in the output carries a
timestamp: the same inputs give the same tables and figures, byte for byte.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import re
import shutil
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..intake.cohort import load_cohort
from ..intake.validation import CohortValidationError, reading_lines
from ..parameters import ParameterError, check, for_notebook
from ..parameters import params as typed_params
from ..paths import NOTEBOOK_DIR, PACKAGE_DIR, PUBLISHED_DIR, REFERENCE_DIR, TABLE_NAMES
from .documents import write_docx, write_xlsx
from .interrupts import worker_pool
from .outputs import TargetError, default_out, resolve
from .report import cohort_banner, data_kind, data_stamp
from .report_folder import InvalidData, NotebooksFailed, ReportFolder, UsageError
from .report_html import numbered_tables, saved_items, section_title, write_report

KERNEL = "python3"
CACHE_FILE = ".dttstudy-cache.json"
_VOLATILE_NB_METADATA = ("papermill", "execution", "widgets")
_PACKAGES = ("dttstudy", "pandas", "numpy", "scipy", "statsmodels", "lifelines", "pandera", "matplotlib",
             "seaborn", "papermill", "nbconvert", "ipykernel", "openpyxl")


def notebooks() -> list[Path]:
    """The study notebooks, in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


@dataclass
class NotebookResult:
    name: str
    ok: bool
    seconds: float
    error: str = ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strip_volatile(nb) -> None:
    """Remove execution timestamps and durations (notebook and cell metadata) and join stream chunks, in place."""
    for key in _VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in _VOLATILE_NB_METADATA:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # Papermill gives this cell a random id
        if cell.get("outputs"):
            cell.outputs = _merge_streams(cell.outputs)


def _merge_streams(outputs):
    """Adjacent stream outputs of the same stream joined into one: how the kernel's output is chunked depends on
    timing, the text does not."""
    merged = []
    for o in outputs:
        if (merged and o.get("output_type") == "stream" and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == o.get("name")):
            prev = merged[-1]
            prev["text"] = "".join(prev["text"]) + "".join(o["text"])
            continue
        merged.append(o)
    return merged


def execute_notebook(src: str, dst: str, parameters: dict, cwd: str, retries: int = 2,
                     html: str | None = None) -> NotebookResult:
    """Run one notebook with Papermill (in a worker process) and, if asked, render it to HTML without code.
    Kernel port races are retried."""
    import nbformat
    import papermill as pm

    name = Path(src).stem
    # kernel start-up chatter goes to this worker's stderr; failures are reported from the exception instead
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    start = time.perf_counter()
    for attempt in range(retries + 1):
        try:
            pm.execute_notebook(src, dst, parameters=parameters, kernel_name=KERNEL, cwd=cwd, progress_bar=False,
                                log_output=False, report_mode=False)
            break
        except pm.PapermillExecutionError as err:
            return NotebookResult(name, False, time.perf_counter() - start,
                                  f"cell {err.cell_index} (execution count {err.exec_count}): "
                                  f"{err.ename}: {err.evalue}")
        except Exception as err:  # kernel start-up failures, e.g. a port race ("Address already in use")
            if attempt < retries:
                time.sleep(0.5 * (attempt + 1))
                continue
            return NotebookResult(name, False, time.perf_counter() - start, f"{type(err).__name__}: {err}")
    nb = nbformat.read(dst, as_version=4)
    strip_volatile(nb)
    nbformat.write(nb, dst)
    if html:
        Path(html).write_text(render_page(nb), encoding="utf-8")
    return NotebookResult(name, True, time.perf_counter() - start)


def render_page(nb) -> str:
    """A notebook as a reader's page: no code, no cells that only print check text for nbval (marked
    ``# NBVAL_CHECK_OUTPUT``), no stderr, the notebook's heading as the page title and a link back to the front
    page."""
    import copy
    import re

    import nbformat

    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            if "NBVAL_CHECK_OUTPUT" in cell.source or "injected-parameters" in cell.metadata.get("tags", []):
                continue
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream"
                                                                        and o.get("name") == "stderr")]
        cells.append(cell)
    title = next((m.group(1).strip() for c in cells if c.cell_type == "markdown"
                  for m in [re.search(r"^#\s+(.+)$", c.source, flags=re.M)] if m), "dttstudy notebook")
    back = nbformat.v4.new_markdown_cell("[← Report front page](../index.html) · [Full report](../report.html)")
    back.id = "back-link"
    nb.cells = [back] + cells
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


_EXPORTER = None


def _exporter():
    """One HTML exporter per process (building one loads its templates, which is slow)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True)
    return _EXPORTER


def _versions() -> dict:
    """Library versions (Python as major.minor: the environment is pinned for it, patch releases do not change
    results, and a report regenerated on another patch release stays byte-identical)."""
    from importlib import metadata

    out = {"python": ".".join(platform.python_version_tuple()[:2])}
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def package_sha256() -> str:
    """One hash of the package's source (file names and contents), identifying the code that made a report."""
    pkg = hashlib.sha256()
    for f in sorted(PACKAGE_DIR.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".csv", ".json") and "__pycache__" not in f.parts:
            pkg.update(f.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + f.read_bytes())
    return pkg.hexdigest()


def provenance(parameters: dict, cohort_prov: dict) -> dict:
    """What made the report, identified by content: the data files, the parameters, the notebooks, the published
    data, the package source and the library versions (hashes, so the same inputs give the same record)."""
    inputs = {}
    for nb in notebooks():
        inputs[f"notebooks/{nb.name}"] = _sha256(nb)
    for f in sorted(PUBLISHED_DIR.glob("*.csv")):
        inputs[f"data/published/{f.name}"] = _sha256(f)
    data = {"source": cohort_prov.get("source"), "format": cohort_prov.get("format"),
            "reconstructed": cohort_prov.get("reconstructed"), "sha256": cohort_prov.get("sha256")}
    for key in ("encoding", "readings"):
        if cohort_prov.get(key):
            data[key] = cohort_prov[key]
    return {
        "data": data,
        "parameters": parameters,
        "inputs_sha256": inputs,
        "package": {"name": "dttstudy", "version": __version__, "source_sha256": package_sha256()},
        "versions": _versions(),
        "command": "dttstudy reproduce",
    }


def _documents(out: Path, outputs: dict, order: list[str], cohort, typed, prov: dict) -> None:
    """``report.html``, ``tables/tables.docx`` and ``tables/tables.xlsx``: every report table, numbered in
    report order (the same numbers in all three)."""
    tables = numbered_tables(saved_items(out, outputs, order))
    if tables:
        title = "Dual-targeted therapy in refractory IBD — tables"
        write_docx(tables, out / "tables" / "tables.docx", title=title, number=False, stamp=data_stamp(cohort))
        write_xlsx(tables, out / "tables" / "tables.xlsx", stamp=data_stamp(cohort))
    write_report(out, cohort, typed, outputs, order, prov)


def _key_numbers(tables_dir: Path, reconstructed: bool) -> list[tuple[str, str]]:
    """The front page's key numbers, from the tables of this run (the paper check only for the reference cohort:
    on other data the published numbers are compared, not checked)."""
    import pandas as pd

    rows = []

    def fmt(r):
        return (f"{int(r['n'])}/{int(r['N'])} ({float(r['pct']):.1f}%; 95% CI {float(r['ci_low']):.1f}–"
                f"{float(r['ci_high']):.1f})") if int(r["N"]) else "not evaluable"
    f = tables_dir / "clinical_response_rates.csv"
    if f.is_file():
        d = pd.read_csv(f)
        for r in d[d["group"] == "All"].to_dict("records"):
            label = "observed cases" if r["analysis_set"] == "observed" else "non-responder imputation"
            rows.append((f"Clinical response, month {r['month']:g} ({label})", fmt(r)))
    f = tables_dir / "endoscopic_response_rates.csv"
    if f.is_file():
        d = pd.read_csv(f)
        for r in d[(d["group"] == "All") & (d["analysis_set"] == "observed")].to_dict("records"):
            rows.append((f"Endoscopic response within {r['month']:g} months", fmt(r)))
    f = tables_dir / "ae_incidence.csv"
    if f.is_file():
        d = pd.read_csv(f, keep_default_na=False)
        r = d[d["group"] == "All"].iloc[0]
        rows.append(("Patients with a treatment-emergent adverse event",
                     fmt(r) if "N" in d.columns else re.sub(r"; (?=[\d.]+–)", "; 95% CI ", str(r["n/N (%; 95% CI)"]))))
    f = tables_dir / "paper_check.csv"
    if reconstructed and f.is_file():
        d = pd.read_csv(f, keep_default_na=False)
        counts = d["status"].value_counts()
        rows.append(("Published numbers reproduced", ", ".join(
            f"{s} {int(counts.get(s, 0))}" for s in ("match", "rounding", "conflict", "mismatch"))))
    return rows


def _index(out: Path, names: list[str], cohort, outputs: dict | None = None) -> None:
    """The front page: data banner, key numbers, figures (in report order, with the first sentence of their
    caption), links to the report and every file."""
    tdir, fdir = out / "tables", out / "figures"
    e = html.escape
    warn = "warn" if data_kind(cohort) else "own"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Dual-targeted therapy in refractory IBD — report front page</title>",
             "<style>body{font-family:Arial,Helvetica,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 24px;"
             "line-height:1.45;color:#1a1a1a}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;"
             "border-bottom:1px solid #ccc;padding-bottom:.2em}table{border-collapse:collapse}"
             "td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}"
             ".warn{background:#fdf3e7;border-left:5px solid #b45f06;padding:8px 12px}"
             ".own{background:#eef4fa;border-left:5px solid #0b5394;padding:8px 12px}"
             ".lead a{font-size:1.1em;font-weight:bold}"
             ".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:18px}"
             "figure{margin:0}figure img{width:100%;height:auto;border:1px solid #eee}"
             "figcaption{font-size:.85em;color:#333}ul.tables li{margin:.2em 0}"
             "@media(max-width:600px){body{padding:0 12px}.figs{grid-template-columns:1fr}"
             "th,td{display:block;padding:2px 4px}td{padding-bottom:8px}}"
             "a,td,li{overflow-wrap:anywhere}</style></head><body>",
             "<h1>Dual-targeted therapy in refractory IBD — study report</h1>",
             f'<p class="{warn}">{e(cohort_banner(cohort))}</p>',
             '<p class="lead"><a href="report.html">Read the full report (report.html)</a> · '
             '<a href="tables/tables.docx">all tables in Word</a> · <a href="tables/tables.xlsx">in Excel</a></p>',
             "<h2>Key numbers</h2>", "<table>"]
    for k, v in _key_numbers(tdir, cohort.reconstructed):
        parts.append(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>")
    parts += ["</table>", "<h2>Figures</h2>", '<div class="figs">']
    ordered = [it["name"] for _, items in saved_items(out, outputs or {}, names) for it in items
               if it["kind"] == "figure"]
    ordered += sorted(f.stem for f in fdir.glob("*.png") if f.stem not in ordered)
    for stem in ordered:
        f = fdir / f"{stem}.png"
        if not f.is_file():
            continue
        meta = fdir / f"{f.stem}.json"
        caption = json.loads(meta.read_text(encoding="utf-8")).get("caption", "") if meta.is_file() else ""
        caption = caption.split(". ")[0].rstrip(".") + "." if caption else ""
        parts.append(f'<figure><a href="figures/{e(f.stem)}.svg"><img src="figures/{e(f.name)}" '
                     f'alt="{e(caption or f.stem)}"></a><figcaption>{e(caption or f.stem)}</figcaption></figure>')
    parts += ["</div>", "<h2>Notebooks</h2>", "<ul>"]
    for name in names:
        parts.append(f'<li><a href="html/{e(name)}.html">{e(section_title(name, cohort))}</a> '
                     f'(<a href="notebooks/{e(name)}.ipynb">{e(name)}.ipynb</a>)</li>')
    def links(stem):
        return " · ".join(f'<a href="tables/{e(stem)}.{x}">{x}</a>' for x in ("html", "csv", "md", "tex"))
    # the report's tables by number and title, as in report.html and tables.docx; then the files-only listings
    report_tables = numbered_tables(saved_items(out, outputs or {}, names))
    parts += ["</ul>", "<h2>Tables</h2>", "<ul class=\"tables\">"]
    for t in report_tables:
        parts.append(f"<li><b>Table {t.number}.</b> {e(t.title)} — {links(t.name)}</li>")
    shown = {t.name for t in report_tables}
    rest = [f for f in sorted(tdir.glob("*.csv")) if f.stem not in shown]
    if rest:
        parts += ["</ul>", "<h3>Listings and other tables (files only)</h3>", "<ul class=\"tables\">"]
    for f in rest:
        meta = tdir / f"{f.stem}.json"
        title = json.loads(meta.read_text(encoding="utf-8")).get("title") if meta.is_file() else None
        parts.append(f"<li>{e(title or f.stem)} — {links(f.stem)}</li>")
    parts += ["</ul>", '<h2>Provenance</h2><p><a href="provenance.json">provenance.json</a>: parameters, hashes '
              "of the data, notebooks and package source, and library versions.</p>", "</body></html>"]
    (out / "index.html").write_text("\n".join(parts) + "\n", encoding="utf-8")


def _data_files(data) -> list[Path]:
    src = Path(data) if data is not None else REFERENCE_DIR
    if src.is_dir():
        return [src / f"{n}.csv" for n in TABLE_NAMES if (src / f"{n}.csv").is_file()]
    return [src] if src.is_file() else []


def notebook_keys(data, parameters: dict) -> dict[str, str]:
    """What each notebook's output depends on, hashed: the notebook file, the parameters, the data files, the
    published data, the package (version and source) and the versions of the libraries it uses."""
    from importlib import metadata

    libs = {}
    for name in _PACKAGES[1:]:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = None
    common = json.dumps({
        "parameters": parameters, "version": __version__, "package": package_sha256(), "libraries": libs,
        "data": {f.name: _sha256(f) for f in _data_files(data)},
        "published": {f.name: _sha256(f) for f in sorted(PUBLISHED_DIR.glob("*.csv"))},
    }, sort_keys=True, default=str)
    return {nb.stem: hashlib.sha256(common.encode() + nb.read_bytes()).hexdigest() for nb in notebooks()}


def _read_cache(out: Path) -> dict:
    try:
        cache = json.loads((out / CACHE_FILE).read_text())
        return cache if isinstance(cache, dict) and (out / "index.html").is_file() else {}
    except (OSError, ValueError):
        return {}


def _reusable(out: Path, cache: dict, name: str, key: str) -> bool:
    files = cache.get("outputs", {}).get(name)
    return (cache.get("keys", {}).get(name) == key and files is not None
            and all((out / f).is_file() for f in files + [f"notebooks/{name}.ipynb", f"html/{name}.html"]))


def reproduce(data: str | None = None, out: str | Path | None = None, jobs: int = 2, parameters: dict | None = None,
              force: bool = False, echo=print) -> Path:
    """Validate, execute the notebooks into a fresh report and swap it in; returns the report folder.

    Raises :class:`~dttstudy.reporting.report_folder.UsageError` (an unknown parameter, a refused folder: nothing
    touched), :class:`~dttstudy.reporting.report_folder.InvalidData` (the validation report) or
    :class:`~dttstudy.reporting.report_folder.NotebooksFailed` (the notebook and cell; the previous report is
    unchanged); ``dttstudy reproduce`` turns each into its exit code.

    ``out`` defaults to the tracked ``reports/`` for the bundled reference cohort and to a folder named after the
    data, beside it, for any other cohort (:func:`dttstudy.reporting.outputs.default_out`). An existing ``out`` is replaced
    only when the package wrote it (:func:`dttstudy.reporting.outputs.check_target`).

    A notebook whose inputs (:func:`notebook_keys`) are unchanged since the last successful run into ``out`` is
    not executed again: its outputs are carried over. With nothing changed the command returns at once.
    ``force`` re-executes everything.
    """
    try:
        parameters = check(dict(parameters or {}), allow_paths=False)
        data_abs_path = resolve(data, "--data") if data is not None else None
        if data_abs_path is not None and not data_abs_path.exists():
            raise TargetError(f"--data {data}: no such file or folder")
        reference = data_abs_path is None or data_abs_path == REFERENCE_DIR.resolve()
        out = resolve(default_out(data) if out is None else out, "--out")
        folder = ReportFolder(out, data_abs_path, reference=reference, echo=echo)
        folder.check()
    except (ParameterError, TargetError) as err:
        raise UsageError(str(err)) from None
    keys = notebook_keys(data, parameters)
    cache = {} if force else _read_cache(out)
    if cache.get("keys") == keys and all(_reusable(out, cache, n, k) for n, k in keys.items()):
        echo(f"{out}: up to date (data, notebooks, parameters and package unchanged); --force reruns")
        return out
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            cohort = load_cohort(data)
    except CohortValidationError as err:
        raise InvalidData(f"{err.report}\nNothing was run: fix the data and try again.") from None
    for w in caught:
        echo(f"WARNING {w.message}")
    for line in reading_lines(cohort):
        echo(line)
    typed = typed_params(data_path=None, output_dir=None, **parameters)
    data_abs = None if reference else str(data_abs_path)
    # the population the notebooks analyse: the banner, summary and front page describe it, never the whole file
    analysed = cohort.filter(disease=typed.disease)
    nbs = notebooks()
    todo = [nb for nb in nbs if not _reusable(out, cache, nb.stem, keys[nb.stem])]
    try:
        with folder as tmp:
            outputs: dict[str, list[str]] = {}
            status = {}
            for nb in nbs:
                if nb not in todo:
                    outputs[nb.stem] = cache["outputs"][nb.stem]
                    status[nb.stem] = "reused"
                    folder.reuse(outputs[nb.stem] + [f"notebooks/{nb.stem}.ipynb", f"html/{nb.stem}.html"])
            echo(f"{cohort_banner(analysed)}\nRunning {len(todo)} of {len(nbs)} notebooks with {jobs} worker(s)"
                 + (f" ({len(nbs) - len(todo)} unchanged, reused)" if len(todo) < len(nbs) else "") + "…")
            results = _execute(todo, tmp, jobs, lambda nb: notebook_parameters(
                nb.stem, parameters, data_abs, folder.part(nb.stem)), echo)
            failed = [r for r in results if not r.ok]
            if failed:
                raise NotebooksFailed("\n".join(f"notebook {r.name}.ipynb failed at {r.error}" for r in failed)
                                      + f"\nThe previous contents of {out} are unchanged.")
            for r in results:
                outputs[r.name] = folder.assemble(r.name)
                status[r.name] = "executed"
            prov = provenance(typed.as_dict() | {"data_path": data_abs if data_abs is None else Path(data_abs).name,
                                                 "output_dir": None}, cohort.provenance)
            (tmp / "provenance.json").write_text(json.dumps(prov, indent=2, sort_keys=True, ensure_ascii=False)
                                                 + "\n", encoding="utf-8")
            _documents(tmp, outputs, [nb.stem for nb in nbs], analysed, typed, prov)
            _index(tmp, [nb.stem for nb in nbs], analysed, outputs)
            (tmp / CACHE_FILE).write_text(json.dumps({"keys": keys, "outputs": outputs, "notebooks": status},
                                                     indent=1, sort_keys=True) + "\n")
            folder.swap_in(__version__)
    except TargetError as err:
        raise UsageError(str(err)) from None
    echo(f"Report written to {out} (open index.html)")
    return out


def _execute(todo: list[Path], tmp: Path, jobs: int, injected, echo) -> list[NotebookResult]:
    """Run the notebooks into the temporary report folder, ``jobs`` at a time, longest first; Ctrl-C stops the
    queued ones and waits for the running ones."""
    results: list[NotebookResult] = []
    with worker_pool(max(1, jobs)) as pool:  # interrupted: workers stopped, not awaited
        # longest first (file size as a proxy), so that two workers finish close together
        todo = sorted(todo, key=lambda nb: nb.stat().st_size, reverse=True)
        futs = {pool.submit(execute_notebook, str(nb), str(tmp / "notebooks" / nb.name), injected(nb), str(tmp), 2,
                            str(tmp / "html" / f"{nb.stem}.html")): nb for nb in todo}
        try:
            for k, fut in enumerate(as_completed(futs), 1):
                r = fut.result()
                results.append(r)
                echo(f"  [{k}/{len(todo)}] {r.name}: {'done' if r.ok else 'FAILED'} ({r.seconds:.1f} s)"
                     + (f" — {r.error}" if r.error else ""))
        except BaseException:  # Ctrl-C: queued notebooks are not started, only the running ones finish
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def notebook_parameters(stem: str, parameters: dict, data_path: str | None, output_dir: str) -> dict:
    """What Papermill injects into one notebook: the declared parameters that notebook has, as typed values."""
    names = {p.name for p in for_notebook(stem)}
    typed = {k: (list(v) if isinstance(v, tuple) else v) for k, v in parameters.items() if k in names}
    return {**typed, "data_path": data_path, "output_dir": output_dir}


def execute_in_place(jobs: int = 2, echo=print) -> None:
    """Re-execute the committed notebooks with their default parameters (the reference cohort) in place, so
    they carry current outputs for nbval; volatile metadata is stripped. A failed notebook raises
    :class:`~dttstudy.reporting.report_folder.NotebooksFailed` and leaves every committed notebook as it was."""
    import tempfile

    nbs = notebooks()
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = {pool.submit(execute_notebook, str(nb), str(Path(tmp) / nb.name), {}, str(NOTEBOOK_DIR)): nb
                for nb in nbs}
        failed = []
        for fut in as_completed(futs):
            r = fut.result()
            echo(f"  {r.name}: {'done' if r.ok else 'FAILED ' + r.error}")
            if not r.ok:
                failed.append(f"notebook {r.name}.ipynb failed at {r.error}")
        if failed:
            raise NotebooksFailed("\n".join(failed) + "\nThe committed notebooks are unchanged.")
        for nb in nbs:
            shutil.copyfile(Path(tmp) / nb.name, nb)


if __name__ == "__main__":  # pragma: no cover
    reproduce()
