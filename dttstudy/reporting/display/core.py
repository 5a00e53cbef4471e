"""The journal table: :class:`DisplayTable` (caption, columns with spanners, grouped and indented rows,
lettered footnotes), its rendering to HTML, LaTeX, Markdown and JSON, the number format of each statistic, and the
registry that names a builder per tidy table (:func:`builder`).

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

from ...concepts import LABS
from ...precision import written_json
from ..labels import NA, UnknownLabel, label, level


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
        table_id = self.table_id

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
        g = g.opt_css(table_css(table_id, wrap=[j for j, c in enumerate(self.columns) if c.wrap],
                                indents=sorted({r.indent for r in self.rows if r.indent}), wide=self.landscape))
        return g

    @property
    def table_id(self) -> str:
        """The table's fixed HTML id (its CSS is scoped under it; stable, so the HTML is the same on every run)."""
        return "dtt-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

    def to_html(self, standalone: bool = True) -> str:
        """Styled HTML through great_tables; ``standalone`` gives a whole page (no external resources)."""
        body = scope_gt_css(self.gt().as_raw_html(), self.table_id)
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
        return json.dumps(written_json(d), ensure_ascii=False, indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DisplayTable:
        d = json.loads(text)
        d["columns"] = [Column(**c) for c in d["columns"]]
        d["rows"] = [Row(**{**r, "marks": {int(k): v for k, v in r["marks"].items()}}) for r in d["rows"]]
        d["footnotes"] = [tuple(f) for f in d["footnotes"]]
        return cls(**d)


def table_css(table_id: str, wrap=(), indents=(), wide: bool = False) -> str:
    """The CSS a display table carries with it, every rule under ``#table_id`` (one id and a class or element:
    more specific than a host page's element rules, so JupyterLab's right-aligned, zebra-striped output tables,
    a report's or a notebook viewer's styles leave the journal layout alone).

    * host resets: automatic table layout, no row background or hover stripes, left-aligned cells unless the
      column says otherwise, middle vertical alignment;
    * on screen, a ``wide`` table (more than :data:`LANDSCAPE_COLUMNS` columns) is set a little smaller and its
      cells may wrap at spaces, so it fits a 1366-pixel laptop screen without a scrollbar;
    * in print, no scroll container (nothing is cut at the page edge), a smaller type, every cell allowed to wrap
      at spaces, rows kept whole; a wide table prints on a landscape A4 page of its own (the ``dtt-wide`` page,
      as the Word file sets it).
    """
    t = f"#{table_id}"
    rules = [
        f"{t} .gt_table{{margin-left:0!important;margin-right:auto!important;table-layout:auto!important}}",
        f"{t} thead,{t} tbody,{t} tfoot{{border-bottom-style:none}}",
        f"{t} tr,{t} tbody tr:nth-child(odd),{t} tbody tr:nth-child(even),{t} tbody tr:hover"
        "{background:transparent!important}",
        f"{t} td,{t} th{{text-align:left;vertical-align:middle;line-height:normal;max-width:none}}",
        f"{t} .gt_right{{text-align:right!important}}{t} .gt_center{{text-align:center!important}}",
        f"{t} .gt_title{{font-weight:bold!important}}",
        f"{t} .gt_col_heading,{t} .gt_column_spanner{{white-space:normal}}",
        f"{t} .dtt-mark{{font-size:75%;line-height:0;font-style:italic}}",
        f"{t} .gt_sourcenote{{max-width:70em;white-space:normal;text-align:left}}",
        f"{t} td.gt_row{{white-space:nowrap}}",
    ]
    rules += [f"{t} td.gt_row:nth-child({j + 1}){{white-space:normal;min-width:12em;max-width:24em}}" for j in wrap]
    rules += [f"{t} .dtt-indent-{d}{{padding-left:{1.2 * d:.1f}em}}" for d in indents]
    if wide:
        rules.append(f"{t} .gt_table{{font-size:12.5px!important}}"
                     f"{t} td.gt_row{{white-space:normal;padding-left:4px;padding-right:4px}}"
                     f"{t} .gt_col_heading{{padding-left:4px;padding-right:4px}}")
    rules.append("@media print{"
                 f"{t}{{overflow:visible!important;height:auto!important}}"
                 f"{t} .gt_table{{font-size:8pt!important;width:100%!important}}"
                 f"{t} td.gt_row{{white-space:normal!important;min-width:0!important;padding:1.5pt 3pt!important}}"
                 f"{t} .gt_col_heading{{padding:2pt 3pt!important}}"
                 f"{t} .gt_sourcenote{{font-size:7pt!important;max-width:none}}"
                 f"{t} tr{{break-inside:avoid}}{t} thead{{display:table-header-group}}"
                 + (f"{t}{{page:dtt-wide}}{t} .gt_table{{font-size:7.5pt!important}}"
                    # a heading right before the table goes with it, not alone on the page before
                    f"h2:has(+ div > {t}),h3:has(+ div > {t}){{page:dtt-wide}}" if wide else "")
                 + "}")
    if wide:
        rules.append(WIDE_PAGE_CSS)
    return "".join(rules)


def scope_gt_css(html_text: str, table_id: str) -> str:
    """great_tables writes two of its reset rules for the whole page (``#id thead, tbody, tfoot, tr, td, th`` and a
    bare ``tr``): scoped here to the table, so a table shown in a notebook or a report restyles nothing else."""
    t = f"#{table_id}"
    return (html_text.replace(f"{t} thead, tbody, tfoot, tr, td, th {{",
                              f"{t} thead, {t} tbody, {t} tfoot, {t} tr, {t} td, {t} th {{", 1)
            .replace("\n tr { background-color: transparent; }", f"\n{t} tr {{ background-color: transparent; }}", 1))


#: The named landscape page wide tables print on.
WIDE_PAGE_CSS = "@page dtt-wide{size:A4 landscape;margin:14mm 14mm}"


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
# the registry of builders (one per tidy table name; the families register theirs)
# ============================================================================================================

_BUILDERS: dict = {}


def builder(*names):
    def deco(f):
        for n in names:
            _BUILDERS[n] = f
        return f
    return deco


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
    "q": "stat", "wilcoxon_statistic": "stat",
    # a single laboratory value, to its marker's declared decimals (dttstudy.concepts.LABS)
    **{x.name: {0: "n", 1: "lab", 2: "change"}[x.decimals] for x in LABS},
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


def _sentence(s: str) -> str:
    s = level(s)
    return s[:1].upper() + s[1:] if s[:1].islower() else s


def _month_label(m) -> str:
    try:
        f = float(m)
    except (TypeError, ValueError):
        return f"{label('month')} {m}"
    return f"{label('month')} {f:g}"


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def pooled_centres(r) -> tuple[str, str]:
    """(centres that withheld the cell, centres summed) of a pooled row; ("", "") for a single cohort's row."""
    w, c = r.get("withheld_centres"), r.get("contributing_centres")
    return ("" if _nan(w) else str(w)), ("" if _nan(c) else str(c))


def withheld_by(r, value) -> str:
    """'withheld by C2, C3' for a pooled row some centre withheld and that has no figure (``value`` missing: the
    pooled-cell rule of :class:`dttstudy.synthesis.multicentre.pooling.PooledAnalysis`); '' otherwise."""
    withheld, _ = pooled_centres(r)
    return f"withheld by {withheld}" if withheld and not _is_num(value) else ""
