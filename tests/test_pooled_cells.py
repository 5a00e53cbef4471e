"""The pooled-cell rule on every pooled table: a pooled number is the figure over every centre with patients in
the cell, or there is none (``partial="withhold"``), or it is marked as a sum over some centres (``"show"``).

The truth is the pool at K = 0, which tests/test_multicentre.py holds equal to the patient-level analysis of the
concatenated cohort: at K = 5 every number the pool gives must be that figure."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dttstudy import load_cohort
from dttstudy.intake.synth import synth_cohort, write_cohort
from dttstudy.synthesis.multicentre.export import export_summary
from dttstudy.synthesis.multicentre.pooling import IncompatibleSummaries, pool

#: Per pooled table: its key columns and the values the rule governs.
TABLES = {
    "rates_": (["endpoint", "definition", "analysis_set", "month", "by", "group"], ["n", "N", "pct"]),
    "ae_incidence_": (["by", "group"], ["n", "N", "events", "pct"]),
    "exposure_": (["by", "group"], ["patients", "patients_with_event", "events", "patient_years_at_risk",
                                    "patient_years_exposure"]),
    "ae_terms_": (["term"], ["patients_with_event", "events", "N"]),
    "labs_": (["lab", "month", "group"], ["n", "baseline_mean", "change_mean"]),
    "table1_": (["variable", "level"], ["UC", "CD", "Total"]),
    "table1_continuous_": (["variable", "group"], ["n", "mean"]),
}


@pytest.fixture(scope="module")
def centres(tmp_path_factory):
    """Four centres of a 200-patient synthetic cohort (small enough that many cells are withheld at K = 5)."""
    cohort = load_cohort(write_cohort(synth_cohort(200, seed=11), tmp_path_factory.mktemp("four") / "cohort"))
    parts = {c: cohort.filter(patients=list(g["patient_id"])) for c, g in cohort.patients.groupby("center")}
    assert len(parts) == 4
    return parts


@pytest.fixture(scope="module")
def summaries(centres):
    return {k: [export_summary(c, min_cell=k, centre=name) for name, c in centres.items()] for k in (0, 5)}


def _frame(res, attr):
    keys, _ = TABLES[attr]
    return getattr(res, attr).set_index(keys)


@pytest.mark.parametrize("attr", list(TABLES))
def test_no_pooled_number_from_part_of_the_centres(summaries, attr):
    truth = pool(summaries[0], accept_below_min_cell=True)
    got = pool(summaries[5])
    _, cols = TABLES[attr]
    t, g = _frame(truth, attr), _frame(got, attr)
    incomplete = ~g["complete"].astype(bool)
    assert incomplete.any() or attr == "table1_continuous_", "the cohort should give withheld cells"
    assert (~incomplete).any() or attr == "ae_terms_"  # every term has a centre with 1 to 4 patients here
    assert (g["withheld_centres"].astype(str).ne("") == incomplete).all()
    if attr == "table1_":  # pooled column by column: a centre withholding UC still gives its Total
        assert g.loc[incomplete, cols].isna().any(axis=1).all()
    else:
        assert g.loc[incomplete, cols].isna().all().all()  # withheld: no number at all
    for key, row in g[cols].iterrows():  # every number given is the figure over all centres
        for c in cols:
            a, b = row[c], t.loc[key, c]
            assert pd.isna(a) or np.isclose(float(a), float(b), rtol=1e-9), (attr, key, c, a, b)


@pytest.mark.parametrize("attr", list(TABLES))
def test_partial_show_marks_every_sum_over_some_centres(summaries, attr):
    got = pool(summaries[5], partial="show")
    g = getattr(got, attr)
    incomplete = ~g["complete"].astype(bool)
    assert incomplete.any() or attr == "table1_continuous_"  # every mean of Table 1 is published here
    assert g.loc[incomplete, "contributing_centres"].notna().all()
    assert (g.loc[incomplete, "withheld_centres"].astype(str) != "").all()
    _, cols = TABLES[attr]
    nobody = incomplete & g["contributing_centres"].fillna("").eq("")
    assert g.loc[nobody, cols].isna().all().all()  # a sum over no centre is no figure
    if attr != "table1_":  # (Table 1 is pooled column by column: a column may have no centre at all)
        assert g.loc[incomplete & ~nobody, cols[0]].notna().all()  # a sum over some, marked by the columns above


def test_pooled_survival_is_over_every_centre_or_none(summaries):
    got = pool(summaries[5])
    for name, km in got.km_.items():
        if got.km_withheld_[name]:
            assert km.empty or km["at_risk"].eq(0).all()
        else:
            truth = pool(summaries[0], accept_below_min_cell=True).km_[name]
            assert km["at_risk"].iloc[0] == truth["at_risk"].iloc[0] == 200


def test_a_group_above_its_own_all_is_refused(summaries):
    import copy

    s = copy.deepcopy(summaries[0][0])
    for r in s["tables"]["response"]:
        if r["by"] == "disease" and r["month"] == 3 and r["analysis_set"] == "observed" and \
                r["endpoint"] == "clinical_response" and r["definition"] == "paper":
            r["N"] = 10_000
            break
    with pytest.raises(IncompatibleSummaries, match="is more than all patients' N in the same cell"):
        pool([s] + summaries[0][1:], accept_below_min_cell=True)


def test_figures_say_why_instead_of_empty_axes_and_draw_no_model_for_one_centre():
    import matplotlib.pyplot as plt

    from dttstudy.reporting.figures.multicentre import forest_by_centre, km_life_table_plot

    empty = pd.DataFrame(columns=["start", "at_risk", "survival", "ci_lower", "ci_upper"])
    fig = km_life_table_plot(empty, "t", "y", "start", withheld="B, C")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "No pooled curve: withheld by B, C" in texts and not fig.axes
    plt.close(fig)
    one = pd.DataFrame({"centre": ["C1"], "n": [6], "N": [6]})
    het = {"method": "GLMM", "pooled": {"n": np.nan, "N": np.nan, "withheld_centres": "C2, C3"}}
    fig = forest_by_centre(one, het, "one centre")
    words = " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " ".join(t.get_text() for t in fig.texts)
    assert "Centre C1" in words and "random effects" not in words.lower() and "Pooled" not in words
    plt.close(fig)


def test_no_between_centre_model_over_part_of_the_centres(summaries):
    """A cell some centre withheld gets no random-effects fit (a fit over the others is a figure over part of the
    centres); with partial="show" it is fitted over the centres shown and says which withheld."""
    got = pool(summaries[5]).heterogeneity_
    w = got["withheld_centres"].ne("")
    assert w.any() and (~w).any()
    assert got.loc[w, "method"].eq("").all() and got.loc[w, "re_pct"].isna().all() and got.loc[w, "n"].isna().all()
    assert got.loc[~w, "re_pct"].notna().all()
    shown = pool(summaries[5], partial="show").heterogeneity_
    assert shown.loc[w.to_numpy(), "method"].ne("").any()


def test_the_written_report_prints_no_partial_sum(summaries, tmp_path):
    """The pooled report of the four centres at K = 5, as a reader sees it (every table's Markdown file): a row
    some centre withheld prints no number but the count of centres, whatever the table."""
    from dttstudy.reporting.pooled_report import write_pooled_report

    out = tmp_path / "pooled"
    write_pooled_report(pool(summaries[5]), out)
    checked = 0
    for md in sorted((out / "tables").glob("*.md")):
        lines = [x for x in md.read_text(encoding="utf-8").splitlines() if x.startswith("|")]
        if len(lines) < 3:
            continue
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        for line in lines[2:]:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if "Centres withholding" in header:
                withheld = cells[header.index("Centres withholding")]
                numbers = [c for h, c in zip(header, cells) if h not in ("Centres withholding", "Centres, n",
                           "Centres contributing") and any(ch.isdigit() for ch in c) and h not in (
                           "Month", "Laboratory value", "Characteristic", "Category", "Adverse event", "Unit",
                           "Group", "Subgroup by")]
                if withheld and md.stem != "table1_counts":  # Table 1 is pooled column by column
                    assert numbers == [], (md.name, line)
                    checked += 1
            # (response tables give one month per column: a neighbouring month is its own cell)
            if any(c.startswith("withheld by") for c in cells) and not md.stem.endswith("_rates"):
                i = next(i for i, c in enumerate(cells) if c.startswith("withheld by"))
                rest = cells[i + 1:]
                assert all(c in ("", "–") for c in rest), (md.name, line)
                checked += 1
    assert checked > 20
    assert (out / "figures" / "km_first_ae_pooled.png").exists()
