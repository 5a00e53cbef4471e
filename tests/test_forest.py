"""Forest plot data (dttstudy.synthesis.forest) and figure (dttstudy.reporting.figures.forest)."""
from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dttstudy.reporting.figures.forest import OKABE_ITO, forest_plot
from dttstudy.reporting.figures.theme import figure_caption
from dttstudy.synthesis.forest import forest_data
from dttstudy.synthesis.meta import study_proportions

matplotlib.use("Agg")
pytestmark = pytest.mark.filterwarnings("error")

# two single-arm studies and one two-arm study (arms summed for the pooled unit)
STUDIES = pd.DataFrame({"study_id": ["a2020", "b2021", "c2022"], "arm": ["", "", ""],
                        "label": ["Alpha 2020", "Beta 2021", "Gamma 2022"],
                        "events": [12, 25, 24], "total": [40, 50, 24]})
ARMS = pd.DataFrame({"study_id": ["a2020", "b2021", "b2021", "c2022"], "arm": ["", "X", "Y", ""],
                     "label": ["Alpha 2020", "Beta 2021 — X arm", "Beta 2021 — Y arm", "Gamma 2022"],
                     "events": [12, 20, 5, 24], "total": [40, 30, 20, 24]})


def test_forest_data_rows_arms_indented_and_exact_cis():
    per, pooled = forest_data(STUDIES, arms=ARMS)
    assert list(per["label"]) == ["Alpha 2020", "Beta 2021", "Beta 2021 — X arm", "Beta 2021 — Y arm",
                                  "Gamma 2022"]
    assert list(per["level"]) == [0, 0, 1, 1, 0]
    assert list(per["pooled"]) == [True, True, False, False, True]
    ci = stats.binomtest(20, 30).proportion_ci(method="exact")
    arm = per.iloc[2]
    assert arm["ci_lower"] == pytest.approx(ci.low, abs=1e-12) and arm["ci_upper"] == pytest.approx(ci.high, abs=1e-12)
    assert math.isnan(arm["weight"])
    # 24/24: upper limit 1, lower limit (alpha/2)^(1/n)
    full = per.iloc[4]
    assert full["ci_upper"] == 1.0 and full["ci_lower"] == pytest.approx(0.025 ** (1 / 24), abs=1e-12)
    assert pooled.method == "GLMM" and pooled.k == 3  # arms are not pooled units
    assert per.loc[per["pooled"], "weight"].sum() == pytest.approx(100.0)
    # GLMM weight column: 1/(v_i + tau2) with the logit variances (0.5 added to the all-event study)
    v = np.array([1 / 12 + 1 / 28, 1 / 25 + 1 / 25, 1 / 24.5 + 1 / 0.5])
    w = 1 / (v + pooled.tau2)
    assert per.loc[per["pooled"], "weight"].to_numpy() == pytest.approx(100 * w / w.sum(), abs=1e-9)


def test_forest_data_inverse_variance_option():
    per, pooled = forest_data(STUDIES, method="REML", hartung_knapp=True)
    assert pooled.method == "REML" and pooled.hartung_knapp
    assert len(per) == 3


def test_forest_data_empty():
    per, pooled = forest_data(STUDIES.iloc[0:0])
    assert pooled is None and per.empty


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_forest_plot_content():
    per, pooled = forest_data(STUDIES, arms=ARMS)
    own = study_proportions([7], [7], labels=["This cohort (reconstructed data)"])
    fig = forest_plot(per, pooled, "Clinical response", highlight=own, timepoint="latest timepoint")
    texts = _texts(fig)
    joined = "\n".join(texts)
    for header in ("Study", "n/N", "Weight"):
        assert header in texts
    assert fig._suptitle is None  # no title in the image: the caption names the figure
    assert figure_caption(fig) == "Clinical response — latest timepoint."
    assert "Timepoint: latest timepoint." in joined
    assert "This cohort (reconstructed data)" in texts and "not pooled" in texts
    assert "[" not in " ".join(t for t in texts if "20" in t and "—" in t)  # no internal keys like [b2021_x]
    assert "Beta 2021 — X arm" in texts
    assert "approximate inverse-variance weight" in joined and "Clopper–Pearson" in joined
    plot = fig.axes[2]
    lo, hi = plot.get_xlim()
    assert lo < 0 and hi > 100  # a study at 100 % is not clipped
    colours = {matplotlib.colors.to_hex(line.get_color()).upper() for line in plot.lines}
    assert OKABE_ITO["vermillion"] in colours and OKABE_ITO["black"] in colours
    matplotlib.pyplot.close(fig)


def test_forest_plot_is_deterministic():
    per, pooled = forest_data(STUDIES, arms=ARMS)

    def render():
        fig = forest_plot(per, pooled, "Clinical response")
        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "test"}):  # as report.save_figure
            fig.savefig(buf, format="svg", metadata={"Date": None})
        matplotlib.pyplot.close(fig)
        return buf.getvalue()

    assert render() == render()
