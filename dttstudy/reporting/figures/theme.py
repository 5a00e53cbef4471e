"""The look shared by every figure: one theme, a colour-blind-safe palette, the month grid, drug names, captions.

* **Palette** — Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies. Colour is never
  the only carrier of meaning: every colour in a figure is paired with a marker, a line style or a text label.
* **Theme** — seaborn's ``ticks`` style and ``paper`` context, with font sizes readable at print width
  (figures are drawn 6.5–7.5 inches wide, a journal's full page width, and saved at 300 dpi).
* **Month grid** — time axes are in months since DTT start, ticked every 3 months (6 or 12 for long follow-up),
  and end at the data maximum rounded up to the grid, the same for Kaplan–Meier and cumulative incidence plots.
"""
from __future__ import annotations

import contextlib
import functools
import math
import textwrap

#: Okabe–Ito palette: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Colours for groups (Okabe–Ito without black, which is kept for markers and reference lines), in order.
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: Line styles and markers paired with GROUP_COLOURS, so that groups differ in more than colour.
GROUP_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (3, 1, 1, 1, 1, 1)))
GROUP_MARKERS = ("o", "s", "D", "^", "v", "P", "X")

#: Agent codes used in the data and what they stand for (explained in every figure that shows codes).
AGENT_NAMES = {
    "IFX": "infliximab", "ADA": "adalimumab", "GOL": "golimumab", "CZP": "certolizumab pegol",
    "VDZ": "vedolizumab", "NTZ": "natalizumab", "UST": "ustekinumab", "RZB": "risankizumab",
    "MIR": "mirikizumab", "GUS": "guselkumab", "TOF": "tofacitinib", "UPA": "upadacitinib",
    "FIL": "filgotinib", "OZA": "ozanimod", "ETR": "etrasimod", "AZA": "azathioprine",
}

#: Print width (inches) of a full-width figure.
FULL_WIDTH = 7.0

_RC = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5,
    "legend.fontsize": 8, "legend.title_fontsize": 8.5, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "axes.axisbelow": True,
    "grid.color": "#dddddd", "grid.linewidth": 0.6, "axes.edgecolor": "#333333", "axes.linewidth": 0.8,
    "xtick.color": "#333333", "ytick.color": "#333333", "text.color": "#111111", "axes.labelcolor": "#111111",
    "figure.dpi": 100, "savefig.dpi": 300, "svg.hashsalt": "dttstudy", "svg.fonttype": "none",
    "lines.solid_capstyle": "butt", "errorbar.capsize": 3, "figure.facecolor": "white",
    "axes.facecolor": "white", "savefig.facecolor": "white",
}


def theme_rc() -> dict:
    """The matplotlib rc settings of the study's theme (seaborn ``ticks`` + ``paper`` and the overrides above)."""
    import seaborn as sns
    from cycler import cycler

    rc = {**sns.axes_style("ticks"), **sns.plotting_context("paper"), **_RC}
    rc["axes.prop_cycle"] = cycler(color=list(GROUP_COLOURS))
    return rc


def set_theme() -> None:
    """Apply the theme globally (for interactive work; the figure functions apply it themselves)."""
    import matplotlib as mpl

    mpl.rcParams.update(theme_rc())


@contextlib.contextmanager
def theme():
    """Context manager: draw with the study's theme without changing global settings."""
    import matplotlib as mpl

    with mpl.rc_context(theme_rc()):
        yield


def themed(func):
    """Decorator for figure functions: the figure is built inside :func:`theme`."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with theme():
            return func(*args, **kwargs)
    return wrapper


def plt():
    """matplotlib.pyplot, imported on first use (``import dttstudy`` stays fast)."""
    import matplotlib.pyplot as pyplot

    return pyplot


def month_step(max_month: float) -> int:
    """Tick spacing of the month grid: 3 months up to 3 years, 6 up to 6 years, 12 beyond."""
    return 3 if max_month <= 36 else 6 if max_month <= 72 else 12


def month_grid(max_month: float, step: int | None = None) -> list[int]:
    """Ticks 0, step, 2·step, … up to ``max_month`` rounded up to the grid (at least one step)."""
    step = step or month_step(max_month)
    top = max(step, step * math.ceil(max(float(max_month), 0) / step - 1e-9))
    return list(range(0, top + 1, step))


def set_month_axis(ax, ticks, label: str = "Months since DTT start", pad: float = 0.02) -> None:
    """Month ticks, the axis ending at the last tick (a small pad either side so markers are not cut)."""
    ticks = list(ticks)
    span = (ticks[-1] - ticks[0]) or 1
    ax.set_xticks(ticks)
    ax.set_xlim(ticks[0] - pad * span, ticks[-1] + pad * span)
    ax.set_xlabel(label)


def agent_codes_text(codes, width: int | None = 110) -> str:
    """'ADA adalimumab; IFX infliximab; …' for the known agent codes among ``codes`` (sorted, once each)."""
    known = sorted({c for c in codes if c in AGENT_NAMES})
    text = "; ".join(f"{c} {AGENT_NAMES[c]}" for c in known)
    return textwrap.fill(text, width) if width and text else text


def codes_in(texts) -> set[str]:
    """Agent codes appearing as words in free texts (regimen labels such as 'UST+TOF', 'TOF, then UPA')."""
    import re

    out = set()
    for t in texts:
        if isinstance(t, str):
            out.update(w for w in re.split(r"[^A-Za-z]+", t) if w in AGENT_NAMES)
    return out


def set_caption(fig, text: str) -> None:
    """Attach the proposed report caption to a figure (read back with :func:`figure_caption`)."""
    fig._dttstudy_caption = " ".join(text.split())


def figure_caption(fig) -> str:
    """The caption a figure function proposes for the report ('' for figures drawn elsewhere)."""
    return getattr(fig, "_dttstudy_caption", "")


def plain(text) -> str:
    """Free text drawn as typed: '$' would otherwise switch matplotlib to maths mode."""
    return str(text).replace("$", r"\$")
