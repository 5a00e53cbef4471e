"""Journal tables from the tidy tables: one :class:`DisplayTable`, rendered to HTML, LaTeX, Markdown and JSON.

The tidy tables (CSV/JSON) stay the machine-readable output. :func:`build_display` turns one of them, by the
name the notebooks save it under, into a display table: human labels from :mod:`dttstudy.reporting.labels`, one number
format per statistic, row groups and indented level rows, footnotes with letter marks. Word and Excel output
of a list of display tables is in :mod:`dttstudy.reporting.documents`.

Every text a user or a data file could have typed is escaped in every output format: HTML and Markdown escape
``< > &``, LaTeX escapes its special characters, and the spreadsheet writer neutralises formulas.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..labels import (NA, UnknownLabel, abbreviation_note, est_ci, fmt, fmt_p, interval, label, level, n_of_n_ci)

#: A group (analysis set, subgroup) with fewer evaluable patients than this gets no test (p shown as blank).
MIN_N_TEST = 2

#: Tables with more columns than this are set in landscape in Word.
LANDSCAPE_COLUMNS = 9

MARKS = "abcdefghijklmnopqrstuvwxyz"
_SUPERSCRIPT = dict(zip("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"))


@dataclass
class Column:
    """One column: its header text (from the label dictionary), an optional spanner above it, alignment."""

    label: str
    spanner: str | None = None
    align: str = "left"
    mark: str = ""
    wrap: bool = False


@dataclass
class Row:
    """One body row: display text per column; ``values`` holds the number behind a cell that is a single
    number (``None`` otherwise) and ``decimals`` its display decimals, for the spreadsheet; ``marks`` maps a
    column index to a footnote mark; ``indent`` is the level under a label row; ``group`` the row group."""

    cells: list[str]
    values: list[float | int | None] | None = None
    decimals: list[int | None] | None = None
    group: str | None = None
    indent: int = 0
    marks: dict[int, str] = field(default_factory=dict)

    def __post_init__(self):
        self.cells = [_clean(c) for c in self.cells]
        if self.values is not None:
            self.values = [_plain_number(v) for v in self.values]
        if self.decimals is not None:
            self.decimals = [None if d is None else int(d) for d in self.decimals]


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text) -> str:
    """Text without control characters (XML, and so Word and Excel files, cannot hold them; tab and newline
    are kept)."""
    return _CONTROL.sub("", str(text))


def _plain_number(v):
    """A Python int/float for the spreadsheet and JSON (numpy scalars unwrapped); None for anything else or
    for a non-finite value."""
    if v is None or isinstance(v, bool) or type(v).__name__ == "bool_":
        return None
    if hasattr(v, "item") and not isinstance(v, (int, float)):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return int(v) if isinstance(v, int) else float(v)


@dataclass
class DisplayTable:
    """A journal table: caption, column headers (with spanners), rows (grouped, indented), footnotes.

    ``number`` is set when tables are assembled into a document ("Table 1."); ``footnotes`` is a list of
    ``(mark, text)`` with ``mark`` "" for a general note; ``unlabelled`` lists column names that had no entry in
    the label dictionary (empty for every registered builder).
    """

    name: str
    title: str
    columns: list[Column]
    rows: list[Row]
    footnotes: list[tuple[str, str]] = field(default_factory=list)
    source_note: str | None = None
    number: int | None = None
    stub: bool = True  # the first column labels the rows (levels are indented in it)
    unlabelled: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.title = _clean(self.title)
        self.footnotes = [(_clean(m), _clean(t)) for m, t in self.footnotes]
        for c in self.columns:
            c.label = _clean(c.label)
            c.spanner = None if c.spanner is None else _clean(c.spanner)

    # --- helpers -------------------------------------------------------------------------------------------
    @property
    def caption(self) -> str:
        return f"Table {self.number}. {self.title}" if self.number is not None else self.title

    @property
    def headers(self) -> list[str]:
        return [c.label for c in self.columns]

    @property
    def landscape(self) -> bool:
        return len(self.columns) > LANDSCAPE_COLUMNS

    def _groups(self):
        """Consecutive rows by group: [(group or None, [rows])]."""
        out: list[tuple[str | None, list[Row]]] = []
        for r in self.rows:
            if not out or out[-1][0] != r.group:
                out.append((r.group, []))
            out[-1][1].append(r)
        return out

    def _spanner_runs(self):
        """[(spanner or None, first column index, number of columns)] in column order."""
        runs: list[list] = []
        for i, c in enumerate(self.columns):
            if runs and runs[-1][0] == c.spanner and c.spanner is not None:
                runs[-1][2] += 1
            else:
                runs.append([c.spanner, i, 1])
        return [tuple(r) for r in runs]

    def to_frame(self) -> pd.DataFrame:
        """The display cells as a DataFrame (group rows become a column ``Group`` when there are groups)."""
        data = [[("\u2003" * r.indent + r.cells[0]) if self.stub else r.cells[0], *r.cells[1:]] for r in self.rows]
        df = pd.DataFrame(data, columns=_unique(self.headers))
        if any(r.group for r in self.rows):
            df.insert(0, "Group", [r.group or "" for r in self.rows])
        return df

    # --- HTML ----------------------------------------------------------------------------------------------
    def gt(self):
        """The table as a great_tables ``GT`` object with a fixed id (so HTML output is stable)."""
        import great_tables as gt

        ncol = len(self.columns)
        keys = [f"c{i}" for i in range(ncol)]
        table_id = "dtt-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

        # every body cell escaped here, its mark and indentation added as markup (great_tables leaves
        # formatter output as it is); layout by table-scoped CSS classes rather than per-cell styles, which
        # great_tables resolves cell by cell
        def cell_html(r: Row, j: int, text: str) -> str:
            out = html.escape(text)
            if r.marks.get(j):
                out += f'<sup class="dtt-mark">{html.escape(r.marks[j])}</sup>'
            if j == 0 and r.indent and self.stub:
                out = f'<span class="dtt-indent-{int(r.indent)}">{out}</span>'
            return out

        df = pd.DataFrame([[cell_html(r, j, t) for j, t in enumerate(r.cells)] for r in self.rows],
                          columns=keys, dtype=object)
        has_groups = any(r.group for r in self.rows)
        if has_groups:
            df["_group"] = [r.group or "" for r in self.rows]
        g = gt.GT(df, groupname_col="_group" if has_groups else None, id=table_id, auto_align=False)
        g = g.fmt(lambda v: v, columns=keys)
        labels = {}
        for k, c in zip(keys, self.columns):  # header text escaped here, marks added as markup
            text = html.escape(c.label)
            if c.mark:
                text += f'<sup class="dtt-mark">{html.escape(c.mark)}</sup>'
            labels[k] = gt.html(text)
        g = g.cols_label(**labels)
        for spanner, first, n in self._spanner_runs():
            if spanner:
                g = g.tab_spanner(label=spanner, columns=keys[first:first + n],
                                  id=f"sp{first}")
        for k, c in zip(keys, self.columns):
            g = g.cols_align(align=c.align if c.align in ("left", "right", "center") else "left", columns=k)
        if self.stub:
            g = g.cols_align(align="left", columns=keys[0])
        g = g.tab_header(title=self.caption)
        for m, text in self.footnotes:
            g = g.tab_source_note(gt.html((f"<sup class=\"dtt-mark\">{html.escape(m)}</sup>&nbsp;" if m else "")
                                          + html.escape(text)))
        if self.source_note:
            g = g.tab_source_note(self.source_note)
        g = g.tab_options(
            table_font_size="14px", heading_align="left", heading_title_font_size="15px",
            heading_border_bottom_color="black", heading_border_bottom_width="2px",
            table_border_top_style="hidden", table_border_bottom_style="hidden",
            column_labels_border_top_color="black", column_labels_border_top_width="2px",
            column_labels_border_bottom_style="solid", column_labels_border_bottom_color="black",
            column_labels_border_bottom_width="1px", column_labels_vlines_style="none",
            column_labels_font_weight="bold", table_body_hlines_style="none", table_body_border_bottom_color="black",
            table_body_border_bottom_width="2px", table_body_border_bottom_style="solid",
            row_group_font_weight="bold", row_group_border_top_style="none",
            row_group_border_bottom_style="none", row_group_padding="6px", data_row_padding="3px",
            source_notes_font_size="12px", source_notes_padding="1px", table_font_color="#111111",
            column_labels_padding="5px",
        )
        # table-scoped CSS, so the table looks the same embedded in a notebook or report as on its own page
        g = g.opt_css(f"#{table_id} .gt_table{{margin-left:0!important}}"
                      f"#{table_id} .gt_title{{font-weight:bold!important}}"
                      f"#{table_id} .gt_col_heading,#{table_id} .gt_column_spanner{{white-space:normal}}"
                      f"#{table_id} .dtt-mark{{font-size:75%;line-height:0;font-style:italic}}"
                      f"#{table_id} .gt_sourcenote{{max-width:70em;white-space:normal}}"
                      f"#{table_id} td.gt_row{{white-space:nowrap}}" + "".join(
                          f"#{table_id} td.gt_row:nth-child({j + 1}){{white-space:normal;min-width:12em;"
                          f"max-width:24em}}" for j, c in enumerate(self.columns) if c.wrap) + "".join(
                          f"#{table_id} .dtt-indent-{d}{{padding-left:{1.2 * d:.1f}em}}"
                          for d in sorted({r.indent for r in self.rows if r.indent})))
        return g

    def to_html(self, standalone: bool = True) -> str:
        """Styled HTML through great_tables; ``standalone`` gives a whole page (no external resources)."""
        body = self.gt().as_raw_html()
        if not standalone:
            return body
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{html.escape(self.caption)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
                f"{body}\n</body>\n</html>\n")

    def _repr_html_(self):  # Jupyter
        return self.to_html(standalone=False)

    # --- LaTeX ---------------------------------------------------------------------------------------------
    def to_latex(self) -> str:
        """A booktabs table (``\\usepackage{booktabs}``): caption, spanners with ``\\cmidrule``, row groups in
        italics, indented levels, marks as superscripts and footnotes under the table."""
        ncol = len(self.columns)
        spec = "".join("r" if c.align == "right" else "c" if c.align == "center" else "l" for c in self.columns)
        lines = [r"\begin{table}[ht]", r"\centering", r"\small", r"\caption{" + _tex(self.caption) + "}",
                 r"\begin{tabular}{" + spec + "}", r"\toprule"]
        runs = self._spanner_runs()
        if any(s for s, _, _ in runs):
            cells, rules = [], []
            for s, first, n in runs:
                if s:
                    cells.append(rf"\multicolumn{{{n}}}{{c}}{{{_tex(s)}}}")
                    rules.append(rf"\cmidrule(lr){{{first + 1}-{first + n}}}")
                else:
                    cells += [""] * n
            lines.append(" & ".join(cells) + r" \\")
            lines.append(" ".join(rules))
        lines.append(" & ".join(_tex(c.label) + (rf"\textsuperscript{{{_tex(c.mark)}}}" if c.mark else "")
                                for c in self.columns) + r" \\")
        lines.append(r"\midrule")
        for gname, rows in self._groups():
            if gname:
                lines.append(rf"\multicolumn{{{ncol}}}{{l}}{{\textit{{{_tex(gname)}}}}} \\")
            for r in rows:
                cells = []
                for j, text in enumerate(r.cells):
                    t = _tex(text)
                    if j in r.marks:
                        t += rf"\textsuperscript{{{_tex(r.marks[j])}}}"
                    if j == 0 and r.indent:
                        t = rf"\hspace*{{{r.indent}em}}" + t
                    cells.append(t)
                lines.append(" & ".join(cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        for m, text in self.footnotes:
            lines.append(r"\par\footnotesize " + (rf"\textsuperscript{{{_tex(m)}}}" if m else "") + _tex(text))
        if self.source_note:
            lines.append(r"\par\footnotesize " + _tex(self.source_note))
        lines.append(r"\end{table}")
        return "\n".join(lines) + "\n"

    # --- Markdown ------------------------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: ``< > &`` escaped, pipes escaped, groups as bold rows, levels indented with
        em spaces, footnote marks as superscript letters."""
        def esc(s: str) -> str:
            return html.escape(str(s), quote=False).replace("|", "\\|").replace("\n", " ")

        def sup(m: str) -> str:
            return "".join(_SUPERSCRIPT.get(ch, ch) for ch in m)

        ncol = len(self.columns)
        lines = [f"**{esc(self.caption)}**", ""]
        if any(c.spanner for c in self.columns):
            lines.append("| " + " | ".join(esc(c.spanner + " – " + c.label) if c.spanner else esc(c.label)
                                            for c in self.columns) + " |")
        else:
            lines.append("| " + " | ".join(esc(c.label) + sup(c.mark) for c in self.columns) + " |")
        lines.append("|" + "|".join("---:" if c.align == "right" else "---" for c in self.columns) + "|")
        for gname, rows in self._groups():
            if gname:
                lines.append("| " + " | ".join([f"**{esc(gname)}**"] + [""] * (ncol - 1)) + " |")
            for r in rows:
                cells = []
                for j, text in enumerate(r.cells):
                    t = esc(text) + sup(r.marks.get(j, ""))
                    if j == 0 and r.indent:
                        t = "\u2003" * r.indent + t
                    cells.append(t)
                lines.append("| " + " | ".join(cells) + " |")
        for m, text in self.footnotes:
            lines += ["", (sup(m) + " " if m else "") + esc(text)]
        if self.source_note:
            lines += ["", "_" + esc(self.source_note) + "_"]
        return "\n".join(lines) + "\n"

    # --- JSON ----------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """The whole table as JSON (stable key order), so tables built in separate processes can be assembled."""
        d = asdict(self)
        for r in d["rows"]:
            r["marks"] = {str(k): v for k, v in sorted(r["marks"].items())}
        return json.dumps(d, ensure_ascii=False, indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DisplayTable:
        d = json.loads(text)
        d["columns"] = [Column(**c) for c in d["columns"]]
        d["rows"] = [Row(**{**r, "marks": {int(k): v for k, v in r["marks"].items()}}) for r in d["rows"]]
        d["footnotes"] = [tuple(f) for f in d["footnotes"]]
        return cls(**d)


_PAGE_CSS = ("body{margin:24px;background:#fff;font-family:-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
             "sans-serif}")

_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
                  "–": "--", "—": "---", "\u2212": "$-$", "≥": r"$\geq$", "≤": r"$\leq$", "×": r"$\times$",
                  "τ": r"$\tau$",
                  "²": r"\textsuperscript{2}", "\u2003": r"\quad{}", "’": "'"}


def _tex(s) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(s))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


# ============================================================================================================
# builders
# ============================================================================================================

_BUILDERS: dict = {}


def builder(*names):
    def deco(f):
        for n in names:
            _BUILDERS[n] = f
        return f
    return deco


_TABLE_PREFIX = re.compile(r"^\s*Table\s+\d+[.:]\s*")


#: A display table shows at most this many rows of a listing (one row per patient, event or time); the rest
#: are in the tidy CSV. A journal table longer than this is a data file, and Word, HTML and the workbook all
#: slow down row by row.
MAX_ROWS = 1000

#: Tables that summarise (their size does not grow with the cohort): never cut.
_SUMMARIES = {"table1_baseline", "clinical_response_rates", "endoscopic_response_rates", "clinical_response_simple",
              "clinical_remission_rates", "lab_change_summary", "ae_incidence", "ae_exposure_adjusted",
              "patient_flow", "regimens", "agents", "paper_check", "km_first_ae_risk_table"}


def build_display(name: str, tidy: pd.DataFrame, title: str | None = None,
                  notes: list[str] | None = None, max_rows: int | None = MAX_ROWS) -> DisplayTable:
    """The journal table for the tidy table saved as ``name`` (see :data:`BUILDERS`); names without a builder get
    the generic one (labels from the dictionary, one decimal rule per column). A leading "Table N." in ``title``
    is dropped: numbers are given when tables are assembled. ``notes`` are added as general footnotes.

    A listing longer than ``max_rows`` tidy rows (default :data:`MAX_ROWS`; ``None`` for no limit) shows its
    first ``max_rows`` rows and says so in a footnote; summary tables are never cut."""
    f = _BUILDERS.get(name)
    if f is None:
        f = _builder_for_prefix(name)
    cut = max_rows is not None and name not in _SUMMARIES and len(tidy) > max_rows
    t = f(name, tidy.head(max_rows) if cut else tidy)
    if title:
        t.title = _TABLE_PREFIX.sub("", title)
    if cut:
        t.footnotes.insert(0, ("", f"The first {max_rows:,} of {len(tidy):,} rows; every row is in the tidy "
                                   f"table {name}.csv."))
    for n in notes or []:
        t.footnotes.append(("", n))
    return t


def _builder_for_prefix(name: str):
    if name.startswith("forest_"):
        return _BUILDERS["forest_"]
    return generic


# --- generic -------------------------------------------------------------------------------------------------

#: Column name -> statistic of :func:`dttstudy.reporting.labels.fmt` (the decimal rule of that column).
COLUMN_STATS: dict[str, str] = {
    "pct": "pct", "ci_low": "ci", "ci_high": "ci", "pooled_pct": "pct", "this_cohort_pct": "pct",
    "pct_change": "pct", "i2": "i2",
    "p_value": "p", "q_pvalue": "p", "subgroup_p": "p",
    "proportion": "proportion", "ci_lower": "proportion", "ci_upper": "proportion", "pi_lower": "proportion",
    "pi_upper": "proportion", "survival": "prob", "cif_event": "prob", "cif_competing": "prob",
    "event_free": "prob", "cif_event_se": "prob", "cif_competing_se": "prob", "time": "months", "onset_month": "months", "dtt_months": "months", "month": "months",
    "visit_month": "months", "timepoint_months": "months", "followup_before_dtt": "months",
    "age_at_diagnosis": "stat", "disease_duration": "stat",
    "patient_years_at_risk": "py", "patient_years_exposure": "py", "eair_per_100py": "rate",
    "eair_ci_low": "rate", "eair_ci_high": "rate", "eaer_per_100py": "rate", "eaer_ci_low": "rate",
    "eaer_ci_high": "rate", "tau2": "tau2", "tau": "tau2", "estimate": "estimate", "se": "estimate",
    "q": "stat", "wilcoxon_statistic": "stat", "crp": "change", "albumin": "lab", "hematocrit": "lab",
    "baseline": "change", "value": "change", "change": "change",
}

_DECIMALS_OF = {"pct": 1, "ci": 1, "i2": 1, "proportion": 3, "prob": 3, "months": 1, "stat": 1, "py": 2,
                "rate": 1, "tau2": 3, "estimate": 3, "change": 2, "lab": 1, "n": 0, "age": 0}


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float)
                                                                            and not math.isfinite(v))


def _column_stat(name: str, s: pd.Series) -> str | None:
    """The format rule of a numeric column: by name, else "n" for whole numbers, else "change" (2 decimals)."""
    if name in COLUMN_STATS:
        return COLUMN_STATS[name]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    v = s.dropna()
    if v.empty or (v == v.round()).all():
        return "n"
    return "change"


#: Free-text columns: allowed to wrap in HTML (every other column stays on one line).
_FREE_TEXT = {"adverse_events", "next_therapy", "where", "note", "notes", "rule", "term", "censor_reason",
              "first_event", "doi_or_url", "journal", "label", "omitted", "autoimmune_disease"}


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, str) and v in ("—", "-"):
        return NA
    return level(v)


def _label_or_record(name: str, unlabelled: list[str]) -> str:
    try:
        return label(name)
    except UnknownLabel:
        unlabelled.append(name)
        return label(name, strict=False)


#: Method columns: when constant over a table of several rows they become one footnote instead of a column.
METHOD_COLUMNS = ("endpoint", "definition", "ci_method", "ci_type", "method", "transform", "hartung_knapp",
                  "level", "continuity", "unit", "parameter", "test", "pi_method")

#: (estimate, lower, upper, label key, statistic): an estimate and its interval shown in one column.
INTERVAL_COLUMNS = (("proportion", "ci_lower", "ci_upper", "proportion_ci", "proportion"),
                    ("pooled_pct", "ci_low", "ci_high", "pooled_ci", "pct"),
                    ("pct", "ci_low", "ci_high", "pct_ci", "pct"),
                    ("survival", "ci_lower", "ci_upper", "survival_ci", "prob"),
                    ("cif_event", "cif_event_ci_lower", "cif_event_ci_upper", "cif_event_ci", "prob"),
                    ("cif_competing", "cif_competing_ci_lower", "cif_competing_ci_upper", "cif_competing_ci", "prob"))


#: Text columns shown even when every row has the same value (identifiers, the row's own label).
_KEEP_CONSTANT = {"patient_id", "study_id", "label", "group", "term", "regimen", "agent", "outcome", "omitted"}


def _merge_intervals(tidy: pd.DataFrame) -> pd.DataFrame:
    t = tidy.copy()
    for est, lo, hi, key, st in INTERVAL_COLUMNS:
        if {est, lo, hi} <= set(t.columns):
            t[est] = [est_ci(a, b, c, st) if _is_num(a) else "" for a, b, c in zip(t[est], t[lo], t[hi])]
            t = t.drop(columns=[lo, hi]).rename(columns={est: key})
    for lo, hi, key, st in (("pi_lower", "pi_upper", "pi", "proportion"), ("pi_low", "pi_high", "pi_pct", "pct")):
        if {lo, hi} <= set(t.columns):
            t[lo] = [interval(a, b, st) if _is_num(a) else "" for a, b in zip(t[lo], t[hi])]
            t = t.drop(columns=[hi]).rename(columns={lo: key})
    return t


def generic(name: str, tidy: pd.DataFrame, title: str | None = None) -> DisplayTable:
    """Any tidy table: headers from the label dictionary, coded values as words, one decimal rule per column
    (see :data:`COLUMN_STATS`), an estimate and its interval in one column (:data:`INTERVAL_COLUMNS`), method
    columns that are constant moved to a footnote (:data:`METHOD_COLUMNS`), numbers right-aligned and kept as
    numbers for the spreadsheet."""
    unlabelled: list[str] = []
    method_notes = []
    if len(tidy) > 1:
        for c in list(tidy.columns):
            constant_text = (tidy[c].dtype == object or pd.api.types.is_bool_dtype(tidy[c])) and \
                tidy[c].nunique(dropna=False) == 1 and c not in _KEEP_CONSTANT
            if (c in METHOD_COLUMNS and tidy[c].nunique(dropna=False) == 1) or constant_text:
                v = tidy[c].iloc[0]
                if not _nan(v) and str(v) != "":
                    shown = f"{100 * float(v):g}%" if c == "level" and _is_num(v) else level(v)
                    method_notes.append(f"{_label_or_record(c, unlabelled)}: {shown}")
                tidy = tidy.drop(columns=[c])
    empty = [c for c in tidy.columns if len(tidy) and tidy[c].isna().all()]
    if empty:
        method_notes.append("no values: " + ", ".join(_label_or_record(c, unlabelled) for c in empty))
        tidy = tidy.drop(columns=empty)
    tidy = _merge_intervals(tidy)
    cols, stats = [], []
    for c in tidy.columns:
        st = _column_stat(c, tidy[c]) if pd.api.types.is_numeric_dtype(tidy[c]) else None
        stats.append(st)
        long_text = tidy[c].dtype == object and tidy[c].astype(str).str.len().max() > 30
        cols.append(Column(_label_or_record(str(c), unlabelled), align="right" if st else "left",
                           wrap=bool(c in _FREE_TEXT or long_text)))
    rows = []
    for rec in tidy.itertuples(index=False):
        cells, values, decs = [], [], []
        for v, st in zip(rec, stats):
            if st and _is_num(v):
                cells.append(fmt(v, st))
                values.append(None if st == "p" else v)
                decs.append(None if st == "p" else _DECIMALS_OF.get(st, 0))
            elif st:
                cells.append(NA)
                values.append(None)
                decs.append(None)
            else:
                cells.append(_text(v))
                values.append(None)
                decs.append(None)
        rows.append(Row(cells, values, decs))
    notes = [("", _sentence("; ".join(method_notes)) + ".")] if method_notes else []
    codes = [v for c in ("regimen", "agent", "suspected_agent", "group") if c in tidy.columns for v in tidy[c]]
    if codes and abbreviation_note(codes):
        notes.append(("", abbreviation_note(codes) + "."))
    return DisplayTable(name, title or label(name, strict=False), cols, rows, notes, stub=False,
                        unlabelled=unlabelled)


# --- Table 1 -------------------------------------------------------------------------------------------------

_DISEASE_ONLY = re.compile(r"\s*\((UC|CD)\)\s*$")


def _sentence(s: str) -> str:
    s = level(s)
    return s[:1].upper() + s[1:] if s[:1].islower() else s


def _p_of(block: pd.DataFrame) -> tuple[float, str]:
    """The p-value and test of a Table 1 variable (numeric ``p_value`` preferred; the older string ``p``
    column is read when ``p_value`` is absent)."""
    tests = block["test"].fillna("").astype(str) if "test" in block else pd.Series([""] * len(block))
    for i in range(len(block)):
        t = tests.iloc[i]
        pv = block["p_value"].iloc[i] if "p_value" in block else float("nan")
        if (pv is None or (isinstance(pv, float) and math.isnan(pv))) and "p" in block:
            raw = str(block["p"].iloc[i] or "")
            pv = 0.0 if raw.startswith("<") else float(raw) if re.fullmatch(r"\d*\.?\d+", raw) else float("nan")
        if t and not (isinstance(pv, float) and math.isnan(pv)):
            return float(pv), t
    return float("nan"), ""


@builder("table1_baseline")
def table1_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Table 1 in gtsummary's shape: ``UC, N = 8 | CD, N = 10 | Total, N = 18 | p-value``; one label row per
    variable with indented levels (or one row for a yes/no variable); "Unknown" rows only where values are
    missing; p-values formatted with the test as a lettered footnote; disease-specific rows footnoted with their
    denominator (the other disease's cell and the total are "–").

    N per column comes from the ``Patients`` row of the tidy table; a column with N = 0 (a cohort filtered to one
    disease) is left out, with the rows that describe only that disease."""
    groups = [c for c in ("UC", "CD", "Total") if c in tidy.columns]
    pat = tidy[tidy["variable"] == "Patients"]
    if pat.empty:
        raise ValueError("Table 1 needs its 'Patients' row (the N of each column)")
    ns = {g: int(float(pat[g].iloc[0])) for g in groups}
    groups = [g for g in groups if ns[g] > 0]  # a cohort of one disease: no empty column
    has_p = bool("test" in tidy.columns and tidy["test"].fillna("").astype(str).str.len().gt(0).any())
    cols = [Column(label("variable"))]
    cols += [Column(f"{label(g)}, N = {ns[g]}", align="center") for g in groups]
    if has_p:
        cols.append(Column(label("p_value"), align="center"))
    test_marks: dict[str, str] = {}
    disease_marks: dict[str, str] = {}
    footnotes: list[tuple[str, str]] = []
    next_mark = iter(MARKS)
    rows: list[Row] = []
    body = tidy[tidy["variable"] != "Patients"]
    order = list(dict.fromkeys(body["variable"]))
    width = len(cols)

    def cells_of(rec, only: str | None) -> list[str]:
        out = []
        for g in groups:
            v = rec[g]
            s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            if only and g != only:
                s = NA
            out.append(s.replace("—", NA))
        return out

    for var in order:
        block = body[body["variable"] == var]
        m = _DISEASE_ONLY.search(var)
        only = m.group(1) if m else None
        if only and only not in groups:
            continue  # describes a disease this cohort does not have
        base = _DISEASE_ONLY.sub("", var)
        base = _sentence(label(base, strict=False) if base in _T1_VARIABLES else base)
        stats = [s for s in block["statistic"].fillna("") if s != "n"]
        levels = block[block["level"].fillna("") != "Missing"]
        missing = block[block["level"].fillna("") == "Missing"]
        pv, test = _p_of(block)
        label_marks: dict[int, str] = {}
        if only:
            if only not in disease_marks:
                disease_marks[only] = next(next_mark)
                other = [g for g in groups if g != only]
                footnotes.append((disease_marks[only],
                                  f"{only} only: percentages of the {ns[only]} patients with {only}; "
                                  f"{' and '.join(other)} not applicable (–)."))
            label_marks[0] = disease_marks[only]
        p_cells = []
        p_mark = ""
        reason = ""
        if "no_test_reason" in block:
            reason = next((str(x) for x in block["no_test_reason"] if isinstance(x, str) and x), "")
        if has_p:
            if test and not only:
                if test not in test_marks:
                    test_marks[test] = next(next_mark)
                    footnotes.append((test_marks[test], test + "."))
                p_mark = test_marks[test]
                p_cells = [fmt_p(pv)]
            elif reason and not only and "within one disease" not in reason:
                # not tested: the p cell says so, the footnote says why
                key = reason[:1].upper() + reason[1:] + "."
                if key not in test_marks:
                    test_marks[key] = next(next_mark)
                    footnotes.append((test_marks[key], key))
                p_mark = test_marks[key]
                p_cells = [NA]
            else:
                p_cells = [""]
        lv = [str(x) if isinstance(x, str) else "" for x in levels["level"]]
        categorical = "n (%)" in stats
        if categorical and len(levels) == 1 and lv[0].lower() in ("yes", "true"):
            # a yes/no variable on one row
            rec = levels.iloc[0]
            r = Row([f"{base}, n (%)", *cells_of(rec, only), *p_cells], marks=dict(label_marks))
            if p_mark:
                r.marks[width - 1] = p_mark
            rows.append(r)
        elif categorical:
            r = Row([f"{base}, n (%)"] + [""] * len(groups) + p_cells, marks=dict(label_marks))
            if p_mark:
                r.marks[width - 1] = p_mark
            rows.append(r)
            for _, rec in levels.iterrows():
                rows.append(Row([_sentence(str(rec["level"])), *cells_of(rec, only)] + [""] * has_p, indent=1))
        else:
            if len(levels) == 1:
                rec = levels.iloc[0]
                r = Row([f"{base}, {rec['statistic']}", *cells_of(rec, only), *p_cells], marks=dict(label_marks))
                if p_mark:
                    r.marks[width - 1] = p_mark
                rows.append(r)
            else:
                r = Row([base] + [""] * len(groups) + p_cells, marks=dict(label_marks))
                if p_mark:
                    r.marks[width - 1] = p_mark
                rows.append(r)
                for _, rec in levels.iterrows():
                    rows.append(Row([_sentence(str(rec["statistic"])), *cells_of(rec, only)] + [""] * has_p,
                                    indent=1))
        for _, rec in missing.iterrows():
            rows.append(Row([level("Missing"), *cells_of(rec, only)] + [""] * has_p, indent=1))
    for r in rows:
        r.values = [None] * width
        r.decimals = [None] * width
    codes = [c for c in body["level"].dropna().astype(str) if "+" in c]
    abbrev = abbreviation_note(["UC", "CD", "SD", "Q1–Q3", "DTT", "EIM", "IMID", *codes])
    footnotes.append(("", "n (%) of the column N unless footnoted; mean (SD); median (Q1–Q3)."))
    footnotes.append(("", abbrev + "."))
    return DisplayTable(name, "Baseline characteristics", cols, rows, footnotes)


# Table 1 variable names that may arrive as data-dictionary names instead of words
_T1_VARIABLES = {"sex", "age_at_diagnosis", "disease_duration", "followup_before_dtt", "abdominal_surgery",
                 "perianal_surgery", "autoimmune_disease", "failed_biologics", "failed_immunomodulators",
                 "indication", "regimen", "steroid_at_start"}


# --- response rates ------------------------------------------------------------------------------------------

def _month_label(m) -> str:
    try:
        f = float(m)
    except (TypeError, ValueError):
        return f"{label('month')} {m}"
    return f"{label('month')} {f:g}"


@builder("clinical_response_rates", "endoscopic_response_rates", "clinical_response_simple",
         "clinical_remission_rates")
def response_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Response rates wide: months as columns, analysis sets (observed cases / non-responder imputation) as row
    groups, subgroups as indented rows under their label; cells ``n/N (%; 95% CI)``; "–" where N = 0."""
    t = tidy.copy()
    months = list(dict.fromkeys(t["month"]))
    keys = [c for c in ("endpoint", "definition", "analysis_set") if c in t.columns]
    multi = {k: t[k].nunique() > 1 for k in keys}
    cols = [Column(label("group"))] + [Column(_month_label(m), spanner=label("n/N (%; 95% CI)"), align="center")
                                       for m in months]
    rows: list[Row] = []
    for gkey, g in t.groupby(keys, sort=False) if keys else [((), t)]:
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        parts = [level(v) for k, v in zip(keys, gkey) if k == "analysis_set" or multi[k]]
        gname = " — ".join(parts) if parts else None
        for by in dict.fromkeys(g["by"]):
            sub = g[g["by"] == by]
            indent = 0
            if by != "All":
                rows.append(Row([level(by)] + [""] * len(months), group=gname))
                indent = 1
            for grp in dict.fromkeys(sub["group"]):
                cells = []
                for m in months:
                    hit = sub[(sub["group"] == grp) & (sub["month"] == m)]
                    if hit.empty:
                        cells.append("")
                        continue
                    r = hit.iloc[0]
                    if "N" in r and "pct" in r:
                        cells.append(n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"]))
                    else:
                        c = str(r["n/N (%; 95% CI)"])
                        cells.append(NA if c.startswith("0/0") else c)
                rows.append(Row([level(grp) if by == "All" else str(grp), *cells], group=gname, indent=indent))
    for r in rows:
        r.values = [None] * len(cols)
        r.decimals = [None] * len(cols)
    notes = []
    method = ", ".join(dict.fromkeys(t["ci_method"].astype(str))) if "ci_method" in t else ""
    notes.append(("", "n/N: patients with the outcome / evaluable patients; % with its 95% CI"
                      + (f" ({method})" if method else "") + "; – no evaluable patient."))
    if "analysis_set" in t and "nri" in set(t["analysis_set"]):
        notes.append(("", "Observed cases: patients evaluable at the month. Non-responder imputation: in addition, "
                          "patients who stopped DTT for no response or an adverse event at or before the month "
                          "count as non-responders."))
    if "definition" in t and not multi.get("definition"):
        notes.append(("", f"Outcome definition: {level(t['definition'].iloc[0]).lower()}."))
    ab = abbreviation_note(t["group"].astype(str))
    if ab:
        notes.append(("", ab + "."))
    endpoint = level(t["endpoint"].iloc[0]) if "endpoint" in t and not multi.get("endpoint") else "Response"
    return DisplayTable(name, endpoint, cols, rows, notes)


# --- AE incidence (formatted n/N strings) ---------------------------------------------------------------------

@builder("ae_incidence")
def ae_incidence_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Patients with ≥ 1 TEAE overall and by subgroup: one label row per grouping, indented groups."""
    cell_col = "n/N (%; 95% CI)"
    cols = [Column(label("group")), Column(label("teae_patients"), align="center"),
            Column(label("events"), align="right")]
    rows: list[Row] = []
    for by in dict.fromkeys(tidy["by"]):
        sub = tidy[tidy["by"] == by]
        indent = 0
        if by != "All":
            rows.append(Row([level(by), "", ""], [None] * 3, [None] * 3))
            indent = 1
        for _, r in sub.iterrows():
            if cell_col in r:
                cell = str(r[cell_col])
                cell = NA if cell.startswith("0/0") else cell
            else:
                cell = n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"])
            ev = r.get("events")
            rows.append(Row([level(r["group"]) if by == "All" else str(r["group"]), cell,
                             fmt(ev, "n") if _is_num(ev) else ""],
                            [None, None, ev if _is_num(ev) else None], [None, None, 0], indent=indent))
    method = ", ".join(dict.fromkeys(tidy["ci_method"].astype(str))) if "ci_method" in tidy else ""
    notes = [("", f"n/N: patients with at least one treatment-emergent adverse event / patients; 95% CI "
                  f"{method}; events: number of treatment-emergent adverse events.")]
    ab = abbreviation_note(list(tidy["group"].astype(str)) + ["TEAE", "CI"])
    notes.append(("", ab + "."))
    return DisplayTable(name, "Patients with at least one treatment-emergent adverse event", cols, rows, notes)


@builder("ae_exposure_adjusted")
def ae_exposure_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """EAIR and EAER per 100 patient-years with exact Poisson CIs."""
    cols = [Column(label("group")), Column(label("patients"), align="right"),
            Column(label("patients_with_event"), spanner=label("first_teae"), align="right"),
            Column(label("patient_years_at_risk"), spanner=label("first_teae"), align="right"),
            Column(label("eair_ci"), spanner=label("first_teae"), align="center"),
            Column(label("events"), spanner=label("all_teae"), align="right"),
            Column(label("patient_years_exposure"), spanner=label("all_teae"), align="right"),
            Column(label("eaer_ci"), spanner=label("all_teae"), align="center")]
    rows = []
    for by in dict.fromkeys(tidy["by"]):
        sub = tidy[tidy["by"] == by]
        indent = 0
        if by != "All":
            rows.append(Row([level(by)] + [""] * 7, [None] * 8, [None] * 8))
            indent = 1
        for _, r in sub.iterrows():
            vals = [None, r["patients"], r["patients_with_event"], r["patient_years_at_risk"], None, r["events"],
                    r["patient_years_exposure"], None]
            rows.append(Row([level(r["group"]) if by == "All" else str(r["group"]), fmt(r["patients"], "n"),
                             fmt(r["patients_with_event"], "n"), fmt(r["patient_years_at_risk"], "py"),
                             est_ci(r["eair_per_100py"], r["eair_ci_low"], r["eair_ci_high"], "rate"),
                             fmt(r["events"], "n"), fmt(r["patient_years_exposure"], "py"),
                             est_ci(r["eaer_per_100py"], r["eaer_ci_low"], r["eaer_ci_high"], "rate")],
                            vals, [None, 0, 0, 2, None, 0, 2, None], indent=indent))
    method = ", ".join(dict.fromkeys(tidy["ci_method"].astype(str))) if "ci_method" in tidy else ""
    notes = [("", "EAIR: patients with a first TEAE per 100 patient-years at risk (time to the first TEAE or "
                  "censoring); EAER: TEAEs per 100 patient-years of DTT" + (f"; 95% CI {method}." if method else ".")),
             ("", abbreviation_note(["TEAE", "PY", "EAIR", "EAER", "UC", "CD", "CI", "DTT"]) + ".")]
    return DisplayTable(name, "Exposure-adjusted adverse event rates", cols, rows, notes)


# --- labs ----------------------------------------------------------------------------------------------------

@builder("lab_change_summary")
def lab_summary_display(name: str, tidy: pd.DataFrame, min_n_test: int = MIN_N_TEST) -> DisplayTable:
    """CRP and albumin change from baseline: laboratory values as row groups, months as label rows with the
    subgroups indented; no test (blank p) for a group with fewer than ``min_n_test`` paired values."""
    cols = [Column(label("group")), Column(label("n"), align="right"),
            Column(label("baseline_median_iqr"), align="center"),
            Column(label("value_median_iqr"), align="center"),
            Column(label("change_mean_sd"), align="center"), Column(label("change_median_iqr"), align="center"),
            Column(label("p_value"), align="center")]
    test_marks: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    marks = iter(MARKS)
    rows: list[Row] = []

    def mq(a, b, c, st):
        return NA if _nan(a) else f"{fmt(a, st)} ({interval(b, c, st)})"

    for lab in dict.fromkeys(tidy["lab"]):
        sub = tidy[tidy["lab"] == lab]
        st = "change" if lab == "crp" else "lab"
        gname = level(lab)
        for m in dict.fromkeys(sub["month"]):
            rows.append(Row([_month_label(m)] + [""] * 6, [None] * 7, [None] * 7, group=gname))
            for _, r in sub[sub["month"] == m].iterrows():
                tested = _is_num(r["n"]) and r["n"] >= min_n_test and not _nan(r.get("p_value"))
                p = fmt_p(r["p_value"]) if tested else ""
                rmarks = {}
                if tested and r.get("test"):
                    t = str(r["test"])
                    if t not in test_marks:
                        test_marks[t] = next(marks)
                        notes.append((test_marks[t], t + "."))
                    rmarks[6] = test_marks[t]
                rows.append(Row([level(r["group"]) if r["by"] == "All" else str(r["group"]), fmt(r["n"], "n"),
                                 mq(r["baseline_median"], r["baseline_q1"], r["baseline_q3"], st),
                                 mq(r["value_median"], r["value_q1"], r["value_q3"], st),
                                 NA if _nan(r["change_mean"]) else
                                 f"{fmt(r['change_mean'], 'change')} ({fmt(r['change_sd'], 'change')})",
                                 mq(r["change_median"], r["change_q1"], r["change_q3"], "change"), p],
                                [None, r["n"], None, None, None, None, None], [None, 0] + [None] * 5,
                                group=gname, indent=1, marks=rmarks))
    notes.append(("", f"Paired values: patients with both a baseline and a follow-up value; no test for fewer than "
                      f"{min_n_test} pairs."))
    notes.append(("", abbreviation_note(["CRP", "SD", "Q1–Q3", "UC", "CD"]) + "."))
    return DisplayTable(name, "CRP and albumin: change from baseline", cols, rows, notes)


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


# --- per-patient tables ---------------------------------------------------------------------------------------
@builder("lab_change_per_patient")
def lab_per_patient_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """CRP and albumin per patient, wide: laboratory values as row groups, one row per patient, baseline then
    value and change from baseline under one spanner per month; "–" where the month has no paired value."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("patient_id")), Column(label("disease")), Column(label("regimen")),
            Column(label("baseline"), align="right")]
    for m in months:
        cols += [Column(label("value"), spanner=_month_label(m), align="right"),
                 Column(label("change_short"), spanner=_month_label(m), align="right")]
    rows = []
    shifted = False
    for lab in dict.fromkeys(tidy["lab"]):
        sub = tidy[tidy["lab"] == lab]
        st = "change" if lab == "crp" else "lab"
        for pid in sorted(dict.fromkeys(sub["patient_id"])):
            pr = sub[sub["patient_id"] == pid]
            first = pr.iloc[0]
            cells = [str(pid), _text(first["disease"]), _text(first["regimen"]), fmt(first["baseline"], st)]
            vals = [None, None, None, first["baseline"]]
            decs = [None, None, None, _DECIMALS_OF[st]]
            for m in months:
                hit = pr[pr["month"] == m]
                if hit.empty:
                    cells += [NA, NA]
                    vals += [None, None]
                    decs += [None, None]
                    continue
                r = hit.iloc[0]
                shifted = shifted or ("visit_month" in r and _is_num(r["visit_month"])
                                      and float(r["visit_month"]) != float(m))
                cells += [fmt(r["value"], st), fmt(r["change"], st)]
                vals += [r["value"], r["change"]]
                decs += [_DECIMALS_OF[st]] * 2
            rows.append(Row(cells, vals, decs, group=level(lab)))
    notes = [("", "Change: value minus baseline, for patients with both values; – no paired value at that month.")]
    if shifted:
        notes.append(("", "Some values come from a visit inside the month's window rather than at the month itself "
                          "(visit_month in the tidy table)."))
    notes.append(("", abbreviation_note(["CRP", "UC", "CD", *tidy["regimen"].astype(str)]) + "."))
    return DisplayTable(name, "CRP and albumin per patient", cols, rows, notes, stub=False)


def _codes_in_text(v) -> str:
    """Free text with coded values in parentheses made readable: "DTT stopped (de_escalation)" ->
    "DTT stopped (de-escalation)"."""
    if _nan(v):
        return ""
    return re.sub(r"\(([a-z_]+)\)", lambda m: f"({level(m.group(1)).lower()})", str(v))


@builder("tte_first_ae")
def tte_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Time to first AE per patient, patient first: time, event or censoring with its reason, first event."""
    spec = [("patient_id", label("patient_id"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None), ("time", label("time"), None, "months"),
            (lambda r: "Event" if r.get("event") == 1 else "Censored", label("event"), None, None),
            ("first_event", label("first_event"), None, None),
            (lambda r: _codes_in_text(r.get("censor_reason")), label("censor_reason"), None, None),
            ("dtt_months", label("dtt_months"), None, "months"), ("status", label("status"), None, None)]
    spec = [s for s in spec if callable(s[0]) or s[0] in tidy.columns]
    param = ", ".join(dict.fromkeys(tidy["parameter"].astype(str))) if "parameter" in tidy else ""
    notes = [("", (f"Parameter: {param}. " if param else "") + "Patients without a treatment-emergent adverse "
                  "event are censored at the end of DTT: the stop month when DTT was discontinued, the last month on "
                  "DTT when it was maintained.")]
    notes.append(("", abbreviation_note(["UC", "CD", "DTT", *tidy.get("regimen", pd.Series(dtype=str))
                                         .astype(str)]) + "."))
    return _per_patient(name, tidy, spec, "Time to first treatment-emergent adverse event per patient", notes)



def _num_cell(v, st):
    return (fmt(v, st), v, _DECIMALS_OF.get(st, 0)) if _is_num(v) else ("" if _nan(v) else _text(v), None, None)


def _per_patient(name, tidy, spec, title, notes) -> DisplayTable:
    """Build a patient-per-row table from ``spec``: [(column name or callable, label, spanner, stat or None)]."""
    cols, rows = [], []
    for src, lab, span, st in spec:
        cols.append(Column(lab, spanner=span, align="right" if st else "left", wrap=src in _FREE_TEXT))
    for _, rec in tidy.iterrows():
        cells, vals, decs = [], [], []
        for src, _lab, _span, st in spec:
            v = src(rec) if callable(src) else rec.get(src)
            if st:
                c, val, d = _num_cell(v, st)
            elif callable(src):
                c, val, d = ("" if _nan(v) else str(v)), None, None
            else:
                c, val, d = ("" if _nan(v) else _text(v)), None, None
            cells.append(c)
            vals.append(val)
            decs.append(d)
        rows.append(Row(cells, vals, decs))
    return DisplayTable(name, title, cols, rows, notes)


def _month_cols(tidy) -> list[str]:
    return sorted({m.group(1) for c in tidy.columns for m in [re.fullmatch(r"score_(\d+(?:\.\d+)?)m", c)] if m
                   and m.group(1) != "0"}, key=float)


def _score_name(rec) -> str:
    return "pMayo" if rec.get("disease") == "UC" else "HBI"


@builder("table3_maintained", "table4_discontinued")
def followup_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Tables 3-4, patient first: disease, regimen, time on DTT, (reason and next therapy), baseline score, then
    score / response / CRP under one spanner per month, endoscopic response and adverse events."""
    spec = [("patient_id", label("patient_id"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None), ("dtt_months", label("dtt_months"), None, "months")]
    if "stop_reason" in tidy:
        spec.append(("stop_reason", label("stop_reason"), None, None))
    if "next_therapy" in tidy:
        spec.append(("next_therapy", label("next_therapy"), None, None))
    spec.append(("score_0m", label("score_0m"), None, "n"))
    for m in _month_cols(tidy):
        sp = _month_label(m)
        spec += [(f"score_{m}m", label("score_m"), sp, "n"), (f"response_{m}m", label("response_m"), sp, None),
                 (f"crp_{m}m", label("crp"), sp, "change")]
    spec += [("endoscopic_response", label("endoscopic_response"), None, None),
             ("adverse_events", label("adverse_events"), None, None)]
    spec = [s for s in spec if s[0] in tidy.columns]
    title = ("Follow-up of patients maintained on DTT" if name == "table3_maintained"
             else "Patients who discontinued DTT")
    codes = list(tidy.get("regimen", [])) + list(tidy.get("next_therapy", pd.Series(dtype=str)).fillna(""))
    notes = [("", "Score: partial Mayo score for UC, Harvey–Bradshaw Index for CD; response by the paper's "
                  "definition; – not evaluable (no assessment at that month)."),
             ("", abbreviation_note(["UC", "CD", "CRP", "DTT", *codes]) + ".")]
    t = _per_patient(name, tidy, spec, title, notes)
    for r in t.rows:
        r.cells = [NA if c == "" and i > 0 and t.columns[i].spanner else c for i, c in enumerate(r.cells)]
    return t


@builder("table2_baseline_per_patient")
def table2_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Table 2, patient first: characteristics, then the month-0 scores with the score named in the cell
    (partial Mayo or HBI; Mayo endoscopic subscore or SES-CD) so UC and CD share columns."""
    def activity(r):
        return (f"pMayo {fmt(r['partial_mayo'], 'n')}" if _is_num(r.get("partial_mayo")) and not _nan(
            r.get("partial_mayo")) else f"HBI {fmt(r['hbi'], 'n')}" if not _nan(r.get("hbi")) else "")

    def endo(r):
        if not _nan(r.get("mes")):
            return f"MES {fmt(r['mes'], 'n')}"
        if not _nan(r.get("ses_cd")):
            return f"SES-CD {fmt(r['ses_cd'], 'n')}"
        return ""

    spec = [("patient_id", label("patient_id"), None, None), ("center", label("center"), None, None),
            ("sex", label("sex"), None, None), ("disease", label("disease"), None, None),
            ("regimen", label("regimen"), None, None),
            ("steroid_at_start", label("steroid_at_start_short"), None, None),
            ("age_at_diagnosis", label("age_short"), None, "age"),
            ("disease_duration", label("duration_short"), None, "stat"),
            (lambda r: r.get("montreal"), label("montreal_short"), None, None),
            ("abdominal_surgery", label("abdominal_surgery"), None, None),
            ("perianal_surgery", label("perianal_surgery"), None, None),
            ("failed_biologics", label("failed_biologics_short"), label("failed_n"), "n"),
            ("failed_immunomodulators", label("failed_immunomodulators_short"), label("failed_n"), "n"),
            (activity, label("activity"), _month_label(0), None), (endo, label("endoscopy"), _month_label(0), None),
            ("limberg", label("limberg"), _month_label(0), "n"), ("crp", label("crp"), _month_label(0), "change"),
            ("albumin", label("albumin"), _month_label(0), "lab"),
            ("hematocrit", label("hematocrit"), _month_label(0), "lab")]
    spec = [s for s in spec if callable(s[0]) or (s[0] in tidy.columns and tidy[s[0]].notna().any())]
    notes = [("", "Activity: partial Mayo score (pMayo, UC) or Harvey–Bradshaw Index (HBI, CD); endoscopy: Mayo "
                  "endoscopic subscore (MES, UC) or SES-CD (CD). IS / SM: immunosuppressants, thalidomide or oral "
                  "small molecules. Columns with no recorded value are omitted."),
             ("", abbreviation_note(["UC", "CD", "CRP", "SES-CD", *tidy.get("regimen", [])]) + ".")]
    return _per_patient(name, tidy, spec, "Clinical data at baseline", notes)


# --- small tables --------------------------------------------------------------------------------------------

@builder("regimens")
def regimens_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    t = generic(name, tidy)
    t.title = "Regimens by disease"
    return t


@builder("agents")
def agents_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    t = generic(name, tidy)
    t.title = "Agents used"
    return t


@builder("patient_flow")
def patient_flow_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Patient flow wide: one row per status (started DTT, evaluable, why not), months as columns."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("status_flow"))] + [Column(_month_label(m), align="right") for m in months]
    rows = []
    for status in dict.fromkeys(tidy["status"]):
        sub = tidy[tidy["status"] == status]
        cells, vals = [level(status)], [None]
        for m in months:
            hit = sub[sub["month"] == m]
            v = hit["n"].iloc[0] if len(hit) else None
            cells.append(fmt(v, "n") if v is not None else "")
            vals.append(v)
        rows.append(Row(cells, vals, [None] + [0] * len(months), indent=0 if status in ("treated", "evaluable")
                        else 1))
    notes = [("", "Indented rows: patients not evaluable at the month, by reason.")]
    return DisplayTable(name, "Patient flow by month", cols, rows, notes)


@builder("completeness")
def completeness_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Completeness wide: one row per visit variable, months as columns, cells "present/expected (%)"; a CD score
    is expected of CD patients only, a UC score of UC patients only ("Expected of")."""
    months = sorted(dict.fromkeys(tidy["month"]), key=float)
    cols = [Column(label("visit_variable")), Column(label("applies_to"))] + [
        Column(_month_label(m) if float(m) else label("baseline_visit"), align="right",
               spanner=label("completeness_cell"))
        for m in months]
    rows = []
    for var in dict.fromkeys(tidy["variable"]):
        sub = tidy[tidy["variable"] == var]
        who = sub["applies_to"].iloc[0]
        cells = [label(var), {"all": "All patients", "CD": "CD patients", "UC": "UC patients"}.get(who, str(who))]
        for m in months:
            hit = sub[sub["month"] == m]
            if not len(hit) or int(hit["n_expected"].iloc[0]) == 0:
                cells.append(NA)
                continue
            r = hit.iloc[0]
            cells.append(f"{int(r['n_present'])}/{int(r['n_expected'])} ({fmt(r['pct_present'], 'pct')}%)")
        rows.append(Row(cells))
    basis = str(tidy["denominator"].iloc[0]) if "denominator" in tidy and len(tidy) else "followed"
    notes = [("", "Expected: patients of the disease the variable belongs to" + (
        " whose follow-up reached the month or who were seen in its window." if basis == "followed" else
        ", all of them, at every month.")), ("", f"{NA}: no patient expected.")]
    return DisplayTable(name, "Completeness of the visit data", cols, rows, notes)


@builder("centre_summary")
def centre_summary_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """One row per centre (and all patients): patients, UC, CD, regimens, observed clinical response by month."""
    months = sorted({float(c.split("_")[1].rstrip("m")) for c in tidy.columns if re.fullmatch(r"response_[\d.]+m_n", c)})
    cols = [Column(label("center")), Column(label("patients"), align="right"), Column("UC", align="right"),
            Column("CD", align="right"), Column(label("regimens"), wrap=True)] + [
        Column(_month_label(m), align="right", spanner=label("centre_response")) for m in months]
    rows = []
    for r in tidy.to_dict("records"):
        centre = "All centres" if r["center"] == "All" else str(r["center"])
        cells = [centre, fmt(r["patients"], "n"), fmt(r["UC"], "n"), fmt(r["CD"], "n"), str(r["regimens"])]
        vals = [None, r["patients"], r["UC"], r["CD"], None]
        for m in months:
            key = f"response_{m:g}m"
            n, N = r.get(f"{key}_n"), r.get(f"{key}_N")
            cells.append(NA if N is None or _nan(N) or int(N) == 0 else f"{int(n)}/{int(N)} ({fmt(100 * n / N, 'pct')}%)")
            vals.append(None)
        rows.append(Row(cells, vals, [None, 0, 0, 0, None] + [None] * len(months)))
    notes = [("", "Clinical response: observed cases, patients evaluable at the month; – none evaluable.")]
    codes = sorted(set(re.findall(r"\b[A-Z]{2,3}\b", " ".join(str(x) for x in tidy["regimens"]))))
    if codes and abbreviation_note(codes):
        notes.append(("", abbreviation_note(codes) + "."))
    return DisplayTable(name, "Patients, regimens and clinical response by centre", cols, rows, notes)


#: The multicentre summary's tables, as a reader names them.
SUMMARY_TABLES = {"response": "Response and remission counts", "ae_incidence": "Adverse-event incidence",
                  "ae_terms": "Adverse-event terms", "life_tables": "Life tables (time to first AE, time on DTT)",
                  "labs": "CRP and albumin sums and quartiles", "baseline_counts": "Baseline counts (Table 1)",
                  "baseline_continuous": "Baseline means (Table 1)"}


@builder("multicentre_demo_clinical_response", "multicentre_clinical_response")
def pooled_response_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Pooled response rates from the centres' summaries: the single-centre layout, plus how many centres
    contributed to each cell and a note when some withheld theirs."""
    d = tidy.copy()
    if "withheld_centres" in d and "centres" in d:
        withheld = d["withheld_centres"].fillna("").astype(str).str.len().gt(0) & (d["centres"] == 0)
        d["n/N (%; 95% CI)"] = [
            "withheld" if w else n_of_n_ci(r["n"], r["N"], r["pct"], r["ci_low"], r["ci_high"]) if r["N"] else "0/0"
            for w, r in zip(withheld, d.to_dict("records"))]
        d = d.drop(columns=["N", "pct"])
    t = response_display(name, d)
    if "withheld_centres" in tidy and tidy["withheld_centres"].fillna("").astype(str).str.len().gt(0).any():
        t.footnotes.append(("", "Pooled over the centres that published the cell; withheld: no centre published it. A "
                                "centre withholds a count below the minimum cell count or one that published totals "
                                "would reveal (every withheld cell is listed in multicentre_withheld_cells.csv)."))
    return t


@builder("multicentre_demo_heterogeneity")
def centre_heterogeneity_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Between-centre heterogeneity per endpoint, analysis set and month: centres, pooled n/N, random-effects
    pooled % (95% CI), τ², I² and the heterogeneity test."""
    cols = [Column(label("analysis_set")), Column(label("month"), align="right"),
            Column(label("centres_k"), align="right"), Column(label("pooled_n_of_n"), align="right"),
            Column(label("re_pooled"), align="center"), Column(label("tau2"), align="right"),
            Column(label("i2"), align="right"), Column(label("q_pvalue"), align="right")]
    rows = []
    for r in tidy.to_dict("records"):
        rows.append(Row([level(r["analysis_set"]), fmt(r["month"], "months").removesuffix(".0"), fmt(r["k"], "n"),
                         f"{int(r['n'])}/{int(r['N'])}",
                         f"{fmt(r['re_pct'], 'pct')} ({interval(r['re_ci_low'], r['re_ci_high'], 'ci')})",
                         fmt(r["tau2"], "tau2"), fmt(r["i2"], "i2"), fmt_p(r["q_pvalue"])],
                        [None, r["month"], r["k"], None, None, r["tau2"], r["i2"], r["q_pvalue"]],
                        [None, 0, 0, None, None, 3, 1, 3], group=level(r["endpoint"])))
    methods = ", ".join(dict.fromkeys(str(m) for m in tidy["method"])) if "method" in tidy else ""
    notes = [("", f"Random-effects model across centres ({methods}); τ² between-centre variance on the logit scale; "
                  "I² from τ²; Q p-value: test of equal proportions across centres.")]
    extra = [str(x) for x in tidy.get("note", pd.Series(dtype=str)).dropna().unique() if str(x)]
    notes += [("", x) for x in extra]
    return DisplayTable(name, "Between-centre heterogeneity", cols, rows, notes)


@builder("multicentre_withheld_summary")
def withheld_summary_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Values each centre withheld, per summary table (one column per centre, named by its code)."""
    centres = [c for c in tidy.columns if c != "table"]
    cols = [Column(label("summary_table"))] + [Column(str(c), align="right", spanner=label("centre"))
                                                for c in centres]
    rows = [Row([SUMMARY_TABLES.get(r["table"], str(r["table"]))] + [fmt(r[c], "n") for c in centres],
                [None] + [r[c] for c in centres], [None] + [0] * len(centres)) for r in tidy.to_dict("records")]
    notes = [("", "Withheld: below the minimum cell count, or recoverable from published totals "
                  "(complementary suppression).")]
    return DisplayTable(name, "Values withheld by each centre", cols, rows, notes)


@builder("cif_first_ae")
def cif_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Aalen–Johansen cumulative incidence: estimates with their 95% CI (standard errors stay in the tidy
    table)."""
    t = generic(name, tidy.drop(columns=[c for c in ("cif_event_se", "cif_competing_se") if c in tidy.columns]))
    t.title = "Cumulative incidence of a first adverse event"
    return t


@builder("km_first_ae", "km_time_on_dtt")
def km_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Kaplan–Meier estimates: time, at risk, events, censored, survival (95% CI); CI type as a footnote."""
    cols = [Column(label("time"), align="right"), Column(label("at_risk"), align="right"),
            Column(label("events"), align="right"), Column(label("censored"), align="right"),
            Column(label("survival_ci"), align="center")]
    rows = [Row([fmt(r["time"], "months"), fmt(r["at_risk"], "n"), fmt(r["events"], "n"), fmt(r["censored"], "n"),
                 est_ci(r["survival"], r["ci_lower"], r["ci_upper"], "prob")],
                [r["time"], r["at_risk"], r["events"], r["censored"], None], [1, 0, 0, 0, None])
            for _, r in tidy.iterrows()]
    ci = ", ".join(dict.fromkeys(tidy["ci_type"].astype(str))) if "ci_type" in tidy else ""
    notes = [("", "At risk just before each time; events and censorings at that time"
                  + (f"; 95% CI {ci}." if ci else "."))]
    title = "Kaplan–Meier: time to first adverse event" if name == "km_first_ae" else "Kaplan–Meier: time on DTT"
    return DisplayTable(name, title, cols, rows, notes, stub=False)


@builder("forest_")
def forest_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Per-study proportions of a literature outcome: study (arms indented under their study when the tidy table
    has ``level``), events / total, proportion (95% CI) and the pooling weight."""
    has_w = "weight" in tidy.columns
    cols = [Column(label("label")), Column(label("events"), align="right"), Column(label("total"), align="right"),
            Column(label("proportion_ci"), align="center")] + ([Column(label("weight"), align="right")]
                                                               if has_w else [])
    rows = []
    for _, r in tidy.iterrows():
        w = r.get("weight") if has_w else None
        cells = [str(r["label"]), fmt(r["events"], "n"), fmt(r["total"], "n"),
                 est_ci(r["proportion"], r["ci_lower"], r["ci_upper"], "proportion")]
        vals, decs = [None, r["events"], r["total"], None], [None, 0, 0, None]
        if has_w:
            cells.append(fmt(w, "pct") if _is_num(w) and not _nan(w) else "")
            vals.append(w)
            decs.append(1)
        indent = int(r["level"]) if "level" in tidy.columns and _is_num(r["level"]) else 0
        rows.append(Row(cells, vals, decs, indent=indent))
    notes = [("", "95% CI: Clopper–Pearson exact.")]
    if "pooled" in tidy.columns and not tidy["pooled"].astype(bool).all():
        notes.append(("", "Indented rows are the arms of the study above: shown, not pooled separately."))
    return DisplayTable(name, level(name.removeprefix("forest_")), cols, rows, notes)


@builder("paper_check")
def paper_check_display(name: str, tidy: pd.DataFrame) -> DisplayTable:
    """Published numbers beside the computed ones: each row printed with the decimals the paper used (taken
    from the comparison rule, else from the published value), status in words."""
    cols = [Column(label("where"), wrap=True), Column(label("section")), Column(label("published"), align="right"),
            Column(label("computed"), align="right"), Column(label("published_n"), align="right"),
            Column(label("computed_n"), align="right"), Column(label("status_check")), Column(label("rule"), wrap=True)]
    rows = []
    for _, r in tidy.iterrows():
        m = re.search(r"to (\d+) decimals", str(r.get("rule", "")))
        places = int(m.group(1)) if m else _places(r.get("published"))
        cells = [str(r.get("where", "")), str(r.get("section", "")), _fixed(r.get("published"), places),
                 _fixed(r.get("computed"), places), _text(r.get("published_n")), _text(r.get("computed_n")),
                 level(r.get("status")), _text(r.get("rule"))]
        vals = [None, None, r.get("published") if _is_num(r.get("published")) else None,
                r.get("computed") if _is_num(r.get("computed")) else None, None, None, None, None]
        rows.append(Row(cells, vals, [None, None, places, places, None, None, None, None]))
    notes = [("", "Match: equal after rounding as the paper printed; rounding: differs only by the paper's rounding "
                  "or truncation; conflict: the paper contradicts itself (data/reference/README.md).")]
    return DisplayTable(name, "Published numbers and the numbers computed from the cohort", cols, rows, notes,
                        stub=False)


def _places(v) -> int:
    if not _is_num(v):
        return 0
    s = repr(float(v))
    return 0 if s.endswith(".0") else min(len(s.split(".")[1]), 4)


def _fixed(v, places: int) -> str:
    from ...analysis.stats import round_half_up

    if not _is_num(v):
        return "" if _nan(v) else str(v)
    out = f"{round_half_up(float(v), places):.{places}f}"
    return out.replace("-", "\u2212") if float(out) != 0 else out.lstrip("-")


#: Tidy table names with a dedicated builder (others use :func:`generic`; ``forest_*`` share one builder).
BUILDERS = _BUILDERS
