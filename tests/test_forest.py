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


FOREST_COLUMNS = ["study_id", "arm", "label", "level", "pooled", "events", "total", "proportion", "ci_lower",
                  "ci_upper", "weight", "timepoint", "outcome_definition"]


def _exact_ci(x, n, level=0.95):
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=level, method="exact")
    return ci.low, ci.high


def test_forest_data_empty_has_the_documented_columns():
    # the column list is the one the docstring names
    per, pooled = forest_data(STUDIES.iloc[0:0])
    assert pooled is None
    assert list(per.columns) == FOREST_COLUMNS and len(per) == 0


def test_forest_data_studies_only_without_optional_columns():
    # no label/arm/timepoint/definition columns: labels from first author and year ("Smith AB" -> "Smith"),
    # arm, timepoint and definition empty; method=None: no model, no weights. CIs from scipy's exact binomtest.
    rows = pd.DataFrame({"study_id": ["s1", "s2"], "first_author": ["Smith AB", "Jones"], "year": [2019, 2020],
                         "events": [3, 0], "total": [10, 8]})
    per, pooled = forest_data(rows, method=None)
    assert pooled is None
    (lo1, hi1), (lo2, hi2) = _exact_ci(3, 10), _exact_ci(0, 8)
    assert lo2 == 0.0 and hi2 == pytest.approx(1 - 0.025 ** (1 / 8), abs=1e-12)
    expected = pd.DataFrame({"study_id": ["s1", "s2"], "arm": ["", ""], "label": ["Smith 2019", "Jones 2020"],
                             "level": [0, 0], "pooled": [True, True], "events": [3, 0], "total": [10, 8],
                             "proportion": [0.3, 0.0], "ci_lower": [lo1, lo2], "ci_upper": [hi1, hi2],
                             "weight": [np.nan, np.nan], "timepoint": ["", ""], "outcome_definition": ["", ""]})
    pd.testing.assert_frame_equal(per, expected, check_dtype=False, atol=1e-12, rtol=0)
    # a label column with an empty cell is not used: every label then comes from author and year
    per, _ = forest_data(rows.assign(label=["Named study", ""]), method=None)
    assert list(per["label"]) == ["Smith 2019", "Jones 2020"]


def test_forest_data_glmm_ignores_hartung_knapp():
    # Hartung-Knapp belongs to the inverse-variance models: with the default GLMM the flag is ignored
    per, pooled = forest_data(STUDIES, hartung_knapp=True)
    _, plain = forest_data(STUDIES)
    assert pooled.method == "GLMM" and not pooled.hartung_knapp
    assert pooled.proportion == plain.proportion and pooled.ci_lower == plain.ci_lower
    assert list(per["weight"]) == pytest.approx(list(plain.weights))


# pooled units: a single-arm study, a two-arm study (arms summed), a study pooled by one arm only, and a study
# pooled whole of which one arm alone is also reported
UNITS = pd.DataFrame({"study_id": ["a", "b", "d", "e"], "arm": ["", "", "X", ""],
                      "label": ["A 2018", "B 2019", "D 2020 — X arm", "E 2021"],
                      "events": [4, 9, 5, 7], "total": [10, 30, 12, 14],
                      "timepoint": ["week 8", "week 12", "week 10", "week 14"],
                      "outcome_definition": ["CDAI < 150", "Mayo <= 2", "HBI <= 4", "CDAI < 150"]})
# arm rows: rows without an arm (a; the whole of b) are not arms; d's only arm is its pooled unit already
UNIT_ARMS = pd.DataFrame({"study_id": ["a", "b", "b", "b", "d", "e"], "arm": ["", "", "X", "Y", "X", "Y"],
                          "label": ["A 2018", "B 2019", "B 2019 — X arm", "B 2019 — Y arm", "D 2020 — X arm",
                                    "E 2021 — Y arm"],
                          "events": [4, 9, 6, 3, 5, 2], "total": [10, 30, 15, 15, 12, 6],
                          "timepoint": ["week 8", "week 12", "week 12", "week 12", "week 10", "week 14"],
                          "outcome_definition": ["CDAI < 150", "Mayo <= 2", "Mayo <= 2", "Mayo <= 2", "HBI <= 4",
                                                 "CDAI < 150"]})


def test_forest_data_arm_rows_level_and_inverse_variance_default():
    # expected rows written out by hand: each pooled unit, then the arms of its study unless the only arm is
    # the unit itself; CIs at the 90% level from scipy's exact binomtest; REML weights 1/(v_i + tau2) with the
    # logit variances 1/x + 1/(n - x), in percent; arm rows carry no weight.
    per, pooled = forest_data(UNITS, method="REML", arms=UNIT_ARMS, level=0.90)
    assert pooled.method == "REML" and not pooled.hartung_knapp  # Hartung-Knapp is off unless asked for
    assert pooled.level == 0.90 and pooled.k == 4
    assert pooled.labels == ("A 2018", "B 2019", "D 2020 — X arm", "E 2021")
    x = np.array([4, 9, 5, 7])
    n = np.array([10, 30, 12, 14])
    w = 1 / (1 / x + 1 / (n - x) + pooled.tau2)
    w = list(100 * w / w.sum())
    ev = [4, 9, 6, 3, 5, 7, 2]
    tot = [10, 30, 15, 15, 12, 14, 6]
    cis = [_exact_ci(e, t, 0.90) for e, t in zip(ev, tot)]
    nan = np.nan
    expected = pd.DataFrame({
        "study_id": ["a", "b", "b", "b", "d", "e", "e"],
        "arm": ["", "", "X", "Y", "X", "", "Y"],
        "label": ["A 2018", "B 2019", "B 2019 — X arm", "B 2019 — Y arm", "D 2020 — X arm", "E 2021",
                  "E 2021 — Y arm"],
        "level": [0, 0, 1, 1, 0, 0, 1],
        "pooled": [True, True, False, False, True, True, False],
        "events": ev, "total": tot, "proportion": [e / t for e, t in zip(ev, tot)],
        "ci_lower": [c[0] for c in cis], "ci_upper": [c[1] for c in cis],
        "weight": [w[0], w[1], nan, nan, w[2], w[3], nan],
        "timepoint": ["week 8", "week 12", "week 12", "week 12", "week 10", "week 14", "week 14"],
        "outcome_definition": ["CDAI < 150", "Mayo <= 2", "Mayo <= 2", "Mayo <= 2", "HBI <= 4", "CDAI < 150",
                               "CDAI < 150"]})
    pd.testing.assert_frame_equal(per, expected, check_dtype=False, atol=1e-9, rtol=0)
    # arms without timepoint/definition columns: those cells are empty on the arm rows
    per, _ = forest_data(UNITS, method="REML", arms=UNIT_ARMS.drop(columns=["timepoint", "outcome_definition"]))
    assert list(per.columns) == FOREST_COLUMNS
    assert list(per["timepoint"]) == ["week 8", "week 12", "", "", "week 10", "week 14", ""]
    assert list(per["outcome_definition"]) == ["CDAI < 150", "Mayo <= 2", "", "", "HBI <= 4", "CDAI < 150", ""]
