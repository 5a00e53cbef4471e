"""Figures: each runs on the reference cohort, a two-patient cohort and a 500-patient synthetic cohort; sizes stay
bounded; what the reader must see is there (every AE marker, visible and unhidden; labels that do not collide;
months on the 0/3/6/9 grid); the same data give the same bytes."""
from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pandas as pd
import pytest

import dttstudy as d
from dttstudy.reporting import figures as F
from dttstudy.reporting import report
from dttstudy.reporting.figures.flow import FLOW_REASONS, flow_counts
from dttstudy.reporting.figures.labs import LIMIT_COLOUR, MEAN_COLOUR
from dttstudy.reporting.figures.swimmer import COMPACT_HEIGHT
from dttstudy.analysis.safety import KaplanMeier, competing_first_ae, cumulative_incidence, time_on_dtt, time_to_first_ae
from dttstudy.intake.synth import synth_cohort, write_cohort

from conftest import MINIMAL, write_cohort as write_minimal

DPI = 300
MAX_PIXELS = 24 * DPI  # no figure taller or wider than 24 inches at print resolution


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def reference():
    return d.load_cohort()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return d.load_cohort(write_minimal(tmp_path_factory.mktemp("tiny") / "cohort"))


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return d.load_cohort(write_cohort(synth_cohort(500, 3), tmp_path_factory.mktemp("synth") / "c500"))


COHORTS = ["reference", "tiny", "large"]


def _pixels(fig) -> tuple[float, float]:
    w, h = fig.get_size_inches()
    return w * DPI, h * DPI


def _renderer(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _assert_month_grid(ax, data_max: float, step: int = 3):
    ticks = [float(t) for t in ax.get_xticks()]
    assert ticks[0] == 0 and all(b - a == step for a, b in zip(ticks, ticks[1:])), ticks
    assert data_max <= ticks[-1] < data_max + step  # the axis ends at the data rounded up to the grid
    lo, hi = ax.get_xlim()
    assert hi <= ticks[-1] + 0.05 * ticks[-1] and lo < 0 <= lo + 0.05 * ticks[-1]


# --- theme and shared helpers ---------------------------------------------------------------------------------

def test_month_grid_by_hand():
    assert F.month_grid(9) == [0, 3, 6, 9]
    assert F.month_grid(9.1) == [0, 3, 6, 9, 12]
    assert F.month_grid(2) == [0, 3]
    assert F.month_grid(0) == [0, 3]
    assert F.month_grid(40) == [0, 6, 12, 18, 24, 30, 36, 42]
    assert F.month_grid(100)[:3] == [0, 12, 24]


def test_okabe_ito_palette_and_theme_does_not_leak():
    import matplotlib as mpl

    assert F.OKABE_ITO[1:4] == ("#E69F00", "#56B4E9", "#009E73")  # Okabe & Ito 2008
    before = dict(mpl.rcParams)
    with F.theme():
        assert mpl.rcParams["font.size"] == 9 and mpl.rcParams["savefig.dpi"] == 300
    assert dict(mpl.rcParams) == before


def test_mean_ci_matches_t_test():
    # R: t.test(c(1, 2, 3, 4))$conf.int -> 0.4457397 4.5542603
    lo, hi = F.mean_ci([1, 2, 3, 4])
    assert lo == pytest.approx(0.4457397, abs=1e-6) and hi == pytest.approx(4.5542603, abs=1e-6)
    assert np.isnan(F.mean_ci([5.0])).all()


def test_agent_codes_explained():
    text = F.agent_codes_text(["VDZ", "IFX", "UST", "VDZ", "XYZ"], width=None)
    assert text == "IFX infliximab; UST ustekinumab; VDZ vedolizumab"
    assert {"IFX", "ADA", "UST", "VDZ", "TOF", "UPA", "GOL", "CZP", "NTZ", "RZB", "MIR", "GUS", "FIL", "OZA",
            "ETR"} <= set(F.AGENT_NAMES)


# --- swimmer --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", COHORTS)
def test_swimmer_runs_bounded_with_every_ae(name, request):
    cohort = request.getfixturevalue(name)
    fig = F.swimmer_plot(cohort, (3, 6, 9))
    w, h = _pixels(fig)
    assert w <= MAX_PIXELS and h <= MAX_PIXELS
    art = fig._dttstudy_artists
    n_ae = len(cohort.adverse_events)
    if len(cohort.patients) > 60:
        assert fig.get_figheight() == COMPACT_HEIGHT
        assert sum(len(c.get_offsets()) for c in art["adverse_event"]) == n_ae
    else:
        assert len(art["adverse_event"]) == n_ae
        assert len(art["bar"]) == len(cohort.patients)
    s = cohort.subjects()
    _assert_month_grid(fig.axes[0], max(s["dtt_months"].max(), s["last_followup"].max()))
    assert F.figure_caption(fig).startswith("Course of dual-targeted therapy per patient")


def test_swimmer_height_bounded_for_any_cohort_size(tmp_path):
    heights = []
    for n in (59, 60, 61, 2000):
        c = d.load_cohort(write_cohort(synth_cohort(n, 5), tmp_path / f"c{n}"))
        heights.append(F.swimmer_plot(c).get_figheight())
    assert max(heights) <= 60 * 0.3 + 4  # the detailed view up to the threshold
    assert heights[2] == heights[3] == COMPACT_HEIGHT  # above it, fixed whatever the size


def test_swimmer_both_aes_of_p03_visible_above_the_bars(reference):
    fig = F.swimmer_plot(reference)
    _renderer(fig)
    art = fig._dttstudy_artists
    bar_z = max(b.get_zorder() for b in art["bar"])
    assert all(a.get_zorder() > bar_z for a in art["adverse_event"])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    row = ax.get_yticks()[next(i for i, t in enumerate(labels) if t.startswith("P03"))]
    p03 = [a for a in art["adverse_event"] if abs(a.get_ydata()[0] - row) < 0.5]
    assert len(p03) == 2  # P03 has two AEs, both at month 2
    xy = [a.get_transform().transform(np.column_stack([a.get_xdata(), a.get_ydata()]))[0] for a in p03]
    ms_px = p03[0].get_markersize() * fig.dpi / 72
    assert abs(xy[0][0] - xy[1][0]) >= 0.95 * ms_px  # side by side, not on top of each other
    # the pair stays centred on the onset month
    onset_px = ax.transData.transform((2.0, row))[0]
    assert (xy[0][0] + xy[1][0]) / 2 == pytest.approx(onset_px, abs=1)


def _centres(fig, lines):
    return [(ln, ln.get_transform().transform(np.column_stack([ln.get_xdata(), ln.get_ydata()]))[0]) for ln in lines]


def test_swimmer_markers_do_not_overlap(reference):
    fig = F.swimmer_plot(reference)
    _renderer(fig)
    art = fig._dttstudy_artists
    groups = [_centres(fig, art[k]) for k in ("response", "stop", "adverse_event")]
    for (ga, gb) in itertools.combinations(groups, 2):
        for (la, pa), (lb, pb) in itertools.product(ga, gb):
            # markers drawn in boxes of their size: overlap only if both distances are under the half-sizes
            half = (la.get_markersize() + lb.get_markersize()) / 2 * fig.dpi / 72
            assert abs(pa[0] - pb[0]) >= 0.9 * half or abs(pa[1] - pb[1]) >= 0.9 * half


def test_swimmer_explains_drug_codes_and_keeps_typed_text_literal(tmp_path):
    tables = {k: [dict(r) for r in v] for k, v in MINIMAL.items()}
    tables["treatments"][1]["next_therapy"] = "$x^2$ trial"
    c = d.load_cohort(write_minimal(tmp_path / "c", tables))
    fig = F.swimmer_plot(c)
    caption = F.figure_caption(fig)
    for code, name in (("UST", "ustekinumab"), ("TOF", "tofacitinib"), ("VDZ", "vedolizumab"),
                       ("ADA", "adalimumab")):
        assert f"{code} {name}" in caption
    report.save_figure(fig, "swimmer", tmp_path / "out")
    svg = (tmp_path / "out" / "figures" / "swimmer.svg").read_text()
    assert "→ $x^2$ trial" in svg  # drawn as typed, not as mathematics


def test_swimmer_colour_by_disease_and_compact_threshold(reference):
    fig = F.swimmer_plot(reference, colour_by="disease", compact_above=10)
    assert fig.get_figheight() == COMPACT_HEIGHT
    with pytest.raises(ValueError, match="colour_by"):
        F.swimmer_plot(reference, colour_by="centre")


# --- response rates -------------------------------------------------------------------------------------------

def _no_overlaps(fig, texts):
    r = _renderer(fig)
    boxes = [t.get_window_extent(r) for t in texts if t.get_text()]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)


@pytest.mark.parametrize("name", COHORTS)
@pytest.mark.parametrize("by", [None, "disease", "regimen"])
def test_response_plot_labels_never_overlap(name, by, request):
    cohort = request.getfixturevalue(name)
    rates = d.response_rates(cohort, (3, 6, 9), by=["disease", "regimen"])
    fig = F.response_plot(rates, "Clinical response", by=by)
    w, h = _pixels(fig)
    assert w <= MAX_PIXELS and h <= MAX_PIXELS
    labels = fig._dttstudy_artists["n_over_N"]
    n_series = 2 if by is None else 1 + rates.loc[rates["by"] == by, "group"].nunique()
    assert len(labels) == (1 if by is None else 2) * n_series * 3
    tables = [ax for ax in fig.axes if not ax.axison]
    _no_overlaps(fig, [t for ax in tables for t in ax.texts])
    # the 15/17 of the paper's month 3 (reference cohort) is printed once per analysis set
    if name == "reference" and by is None:
        assert [t.get_text() for t in labels].count("15/17") == 2


def _whiskers(container):
    segs = container.lines[2][0].get_segments()
    return [s[0][1] for s in segs], [s[1][1] for s in segs]


@pytest.mark.parametrize("ci_method", ["clopper-pearson", "wilson"])
def test_response_plot_points_and_whiskers_are_the_rates(reference, ci_method):
    rates = d.response_rates(reference, (3, 6, 9), ci_method=ci_method)
    fig = F.response_plot(rates, "Clinical response")
    ax = fig.axes[0]
    for container, aset in zip(ax.containers, ("observed", "nri")):
        want = rates[(rates["analysis_set"] == aset) & (rates["group"] == "All")].sort_values("month")
        assert np.allclose(container.lines[0].get_ydata(), want["pct"])
        assert container.lines[0].get_zorder() > container.lines[2][0].get_zorder()  # point over whisker
        lo, hi = _whiskers(container)
        assert np.allclose(lo, want["ci_low"]) and np.allclose(hi, want["ci_high"])
    assert ("Wilson score" if ci_method == "wilson" else "Clopper–Pearson exact") in F.figure_caption(fig)


def test_response_plot_whisker_for_a_single_patient(tiny):
    # C1 stopped DTT for no response at month 4: under NRI 0/1 at month 6, which U1 reached (on DTT to month 6,
    # window 5-7). Clopper–Pearson for 0/1: upper limit 1 − 0.025^(1/1) = 97.5 % (R: binom.test(0, 1)$conf.int
    # -> 0.000 0.975). Nobody but C1 reached month 9 (window 8-10; U1 followed to 6): no rate there.
    rates = d.response_rates(tiny, (3, 6, 9))
    nri9 = rates[(rates["analysis_set"] == "nri") & (rates["month"] == 9) & (rates["group"] == "All")].iloc[0]
    assert (int(nri9["n"]), int(nri9["N"])) == (0, 0)
    fig = F.response_plot(rates, "tiny")
    nri = fig.axes[0].containers[1]
    lo, hi = _whiskers(nri)
    assert lo[1] == pytest.approx(0) and hi[1] == pytest.approx(97.5)
    assert len(fig.axes[0].containers[0].lines[0].get_ydata()) == 1  # observed: N = 0 at 6 and 9, no point


def test_response_plot_by_needs_matching_rates(reference):
    with pytest.raises(ValueError, match="by='disease'"):
        F.response_plot(d.response_rates(reference, (3,)), "x", by="disease")


# --- labs -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", COHORTS)
def test_paired_lab_plot_runs_with_trajectories_mean_and_limit(name, request):
    cohort = request.getfixturevalue(name)
    changes = d.lab_changes(cohort, ("crp", "albumin"), (3, 6, 9))
    for lab, unit, limit in (("crp", "mg/L", 5.0), ("albumin", "g/L", 35.0)):
        fig = F.paired_lab_plot(changes, lab, unit)
        w, h = _pixels(fig)
        assert w <= MAX_PIXELS and h <= MAX_PIXELS
        for ax in fig.axes:
            refs = [ln for ln in ax.lines if ln.get_color() == LIMIT_COLOUR]
            assert [ln.get_ydata()[0] for ln in refs] == [limit]
            _assert_month_grid(ax, changes["month"].max())


def test_paired_lab_plot_by_hand(tiny):
    # U1 (UC) CRP 12.5 -> 3.1 at month 3; C1 (CD) CRP 20 -> 18. One panel: mean 16.25 at 0, 10.55 at 3.
    changes = d.lab_changes(tiny, ("crp",), (3,))
    fig = F.paired_lab_plot(changes, "crp", "mg/L", by=None, crp_uln=10)
    ax = fig.axes[0]
    grey = [ln for ln in ax.lines if ln.get_color() == "#8c8c8c"]
    assert len(grey) == 2  # one line per patient (seaborn units=)
    mean = [ln for ln in ax.lines if ln.get_color() == MEAN_COLOUR and ln.get_marker() == "D"]
    assert len(mean) == 1
    assert np.allclose(mean[0].get_xdata(), [0, 3]) and np.allclose(mean[0].get_ydata(), [16.25, 10.55])
    assert [ln.get_ydata()[0] for ln in ax.lines if ln.get_color() == LIMIT_COLOUR] == [10]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0\n2", "3\n2"]


@pytest.mark.parametrize("name", COHORTS)
def test_lab_change_plot_dots_and_medians(name, request):
    cohort = request.getfixturevalue(name)
    changes = d.lab_changes(cohort, ("crp",), (3, 6, 9))
    fig = F.lab_change_plot(changes, "crp", "mg/L")
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(changes)  # one dot per patient and month
    w, h = _pixels(fig)
    assert w <= MAX_PIXELS and h <= MAX_PIXELS


def test_lab_change_plot_by_hand(tiny):
    from matplotlib.colors import to_hex

    # month 3: U1 (UC) 3.1 − 12.5 = −9.4; C1 (CD) 18 − 20 = −2
    fig = F.lab_change_plot(d.lab_changes(tiny, ("crp",), (3,)), "crp", "mg/L")
    ax = fig.axes[0]
    medians = {to_hex(ln.get_color()): ln.get_ydata()[0] for ln in ax.lines if ln.get_linestyle() == "None"}
    assert medians == pytest.approx({"#0072b2": -9.4, "#e69f00": -2.0})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3\nUC 1 · CD 1"]
    with pytest.raises(ValueError, match="value"):
        F.lab_change_plot(d.lab_changes(tiny, ("crp",), (3,)), "crp", "mg/L", value="ratio")


# --- Kaplan–Meier and cumulative incidence --------------------------------------------------------------------

def _table_numbers(fig):
    tab = fig.axes[1]
    return [t.get_text() for t in tab.texts]


@pytest.mark.parametrize("name", COHORTS)
def test_km_plot_risk_table_counts_independently(name, request):
    cohort = request.getfixturevalue(name)
    tte = time_to_first_ae(cohort)
    km = KaplanMeier().fit(tte, label="free of AE")
    fig = F.km_plot(km, None, "Time to first AE")
    ticks = F.month_grid(tte["time"].max())
    _assert_month_grid(fig.axes[0], tte["time"].max())
    texts = _table_numbers(fig)
    at_risk = [str(int((tte["time"] >= t).sum())) for t in ticks]
    events = [str(int(((tte["time"] <= t) & (tte["event"] == 1)).sum())) for t in ticks]
    i = texts.index("At risk")
    assert texts[i + 1:i + 1 + len(ticks)] == at_risk
    j = texts.index("Events")
    assert texts[j + 1:j + 1 + len(ticks)] == events
    w, h = _pixels(fig)
    assert w <= MAX_PIXELS and h <= MAX_PIXELS


def test_km_plot_reference_numbers_by_hand(reference):
    # time to first AE: 18 patients; AEs at 2, 2.5, 3, 3 (P03, P04, P11, P12)
    km = KaplanMeier().fit(time_to_first_ae(reference), label="free of AE")
    texts = _table_numbers(F.km_plot(km, [0, 3, 6, 9], "x"))
    i = texts.index("At risk")
    assert texts[i + 1:i + 5] == ["18", "15", "9", "4"]


def test_km_plot_by_group_with_logrank_p(reference):
    tte = time_to_first_ae(reference)
    kms = {g: KaplanMeier().fit(t, label=g) for g, t in tte.groupby("disease")}
    fig = F.km_plot(kms, [0, 3, 6, 9], "By disease", logrank_p=0.0004)
    ax = fig.axes[0]
    curves = [ln for ln in ax.lines if ln.get_drawstyle() == "steps-post" and ln.get_linestyle() != ":"]
    assert len(curves) == 2 and curves[0].get_linestyle() != curves[1].get_linestyle()
    assert ax.get_legend().get_title().get_text() == "log-rank p < 0.001"
    texts = _table_numbers(fig)
    assert "CD: at risk" in texts and "UC: at risk" in texts
    i = texts.index("UC: at risk")
    assert texts[i + 1:i + 5] == ["8", "5", "4", "1"]  # UC times: 2, 2, 2.5, 3, 4, 6, 6, 9
    assert "log-rank test (p < 0.001)" in F.figure_caption(fig)


@pytest.mark.parametrize("name", COHORTS)
def test_cumulative_incidence_plot_numbers_at_risk_and_band(name, request):
    cohort = request.getfixturevalue(name)
    data = competing_first_ae(cohort)
    cif = cumulative_incidence(data)
    ticks = F.month_grid(data["time"].max())
    fig = F.cumulative_incidence_plot(cif, "CIF")
    _assert_month_grid(fig.axes[0], data["time"].max())
    texts = _table_numbers(fig)
    i = texts.index("At risk")
    assert texts[i + 1:i + 1 + len(ticks)] == [str(int((data["time"] >= t).sum())) for t in ticks]
    k = texts.index("Competing")
    assert texts[k + 1:k + 1 + len(ticks)] == [str(int(((data["time"] <= t) & (data["status"] == 2)).sum()))
                                               for t in ticks]
    assert len(fig.axes[0].collections) == 1  # the event's band (the table carries its limits)
    bare = cif.drop(columns=[c for c in cif.columns if "_ci_" in c])
    assert not F.cumulative_incidence_plot(bare, "CIF").axes[0].collections
    both = F.cumulative_incidence_plot(cif, "CIF", competing_band=True)
    assert len(both.axes[0].collections) == 2
    assert "confidence bands (log transformation) of the first adverse event and of the DTT stopped first" in \
        F.figure_caption(both)


def test_cumulative_incidence_band_follows_the_limits(reference):
    cif = cumulative_incidence(competing_first_ae(reference))
    fig = F.cumulative_incidence_plot(cif, "CIF", times=[0, 3, 6, 9])
    band = fig.axes[0].collections[0]
    ys = band.get_paths()[0].vertices[:, 1]
    upper = cif["cif_event_ci_upper"].dropna()
    assert ys.max() == pytest.approx(upper.max())
    # where the estimate is 0 the limits are missing: the band is drawn at 0, not left open
    assert np.isfinite(ys).all() and ys.min() == 0
    legacy = cif.drop(columns=[c for c in cif.columns if "_ci_" in c]).assign(
        ci_lower=cif["cif_event"] * 0.5, ci_upper=np.minimum(cif["cif_event"] * 1.5, 1))
    ys = F.cumulative_incidence_plot(legacy, "CIF").axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert ys.max() == pytest.approx(min(cif["cif_event"].max() * 1.5, 1))


def test_km_plot_reads_a_logrank_result(reference):
    from dttstudy.analysis.safety import km_by_group, logrank_test

    tte = time_on_dtt(reference)
    lr = logrank_test(tte, "disease")
    fig = F.km_plot(km_by_group(tte, "disease"), [0, 3, 6, 9], "x", logrank=lr)
    p = lr["p_value"].iloc[0]
    expected = "log-rank p < 0.001" if p < 0.001 else f"log-rank p = {p:.3f}"
    assert fig.axes[0].get_legend().get_title().get_text() == expected
    declined = logrank_test(tte, "regimen")  # regimens with a single patient: the test is declined
    assert declined["test"].iloc[0] == ""
    fig = F.km_plot(km_by_group(tte, "regimen"), [0, 3, 6, 9], "y", logrank=declined)
    assert fig.axes[0].get_legend().get_title().get_text() == "log-rank: not tested"
    assert "Log-rank test not done (fewer than 2 patients in" in F.figure_caption(fig)


def test_km_and_cif_share_the_month_grid(reference):
    km = KaplanMeier().fit(time_on_dtt(reference), label="on DTT")
    a = F.km_plot(km, None, "x").axes[0].get_xticks()
    b = F.cumulative_incidence_plot(cumulative_incidence(competing_first_ae(reference)), "y").axes[0].get_xticks()
    assert list(a) == list(b) == [0, 3, 6, 9]


# --- patient flow ---------------------------------------------------------------------------------------------

def _flow(rows):
    return pd.DataFrame(rows, columns=["month", "status", "n"])


FLOW = _flow([(0, "treated", 18), (3, "evaluable", 17), (3, "not_yet_reached", 1),
              (6, "evaluable", 12), (6, "not_yet_reached", 2), (6, "stopped_adverse_event", 2),
              (6, "stopped_no_response", 2), (9, "evaluable", 7), (9, "not_yet_reached", 5),
              (9, "stopped_adverse_event", 2), (9, "stopped_no_response", 2), (9, "stopped_de_escalation", 1),
              (9, "no_visit_in_window", 0), (9, "not_evaluable_other", 1)])


def test_patient_flow_boxes():
    fig = F.patient_flow_plot(FLOW)
    boxes = fig._dttstudy_artists["boxes"]
    assert boxes["treated"].get_text() == "Treated with DTT\nn = 18"
    assert boxes["evaluable_9"].get_text() == "Evaluable at month 9\nn = 7"
    ex = boxes["excluded_9"].get_text().split("\n")
    assert ex[0] == "Not evaluable: n = 11"
    assert "  stopped DTT: de-escalation: 1" in ex and not any("no visit" in t for t in ex)  # zeros omitted
    assert not any("unaccounted" in t for b in boxes.values() for t in [b.get_text()])
    r = _renderer(fig)
    ext = [b.get_bbox_patch().get_window_extent(r) for b in boxes.values()]
    for a, b in itertools.combinations(ext, 2):
        assert not a.overlaps(b)
    w, h = _pixels(fig)
    assert w <= MAX_PIXELS and h <= MAX_PIXELS


def test_patient_flow_shows_what_does_not_add_up_and_rejects_unknown_status():
    short = FLOW[~((FLOW["month"] == 6) & (FLOW["status"] == "stopped_no_response"))]
    assert flow_counts(short, 6) == (12, [("follow-up not yet at month 6", 2), ("stopped DTT: adverse event", 2)], 2)
    fig = F.patient_flow_plot(short)
    assert "  unaccounted: 2" in fig._dttstudy_artists["boxes"]["excluded_6"].get_text()
    with pytest.raises(ValueError, match="unknown status 'lost'"):
        F.patient_flow_plot(pd.concat([FLOW, _flow([(3, "lost", 1)])]))
    with pytest.raises(ValueError, match="treated"):
        F.patient_flow_plot(FLOW[FLOW["status"] != "treated"])
    assert set(FLOW_REASONS) == {"not_yet_reached", "stopped_adverse_event", "stopped_no_response",
                                 "stopped_de_escalation", "stopped_other", "no_visit_in_window",
                                 "not_evaluable_other"}


@pytest.mark.parametrize("name", COHORTS)
def test_patient_flow_of_each_cohort_matches_the_response_denominators(name, request):
    from dttstudy.analysis.flow import patient_flow

    cohort = request.getfixturevalue(name)
    fig = F.patient_flow_plot(patient_flow(cohort, (3, 6, 9)))
    boxes = fig._dttstudy_artists["boxes"]
    rates = d.response_rates(cohort, (3, 6, 9), analysis_sets=("observed",))
    for m in (3, 6, 9):
        big_n = int(rates.loc[(rates["month"] == m) & (rates["group"] == "All"), "N"].iloc[0])
        assert boxes[f"evaluable_{m}"].get_text().endswith(f"n = {big_n}")
        assert boxes[f"excluded_{m}"].get_text().startswith(f"Not evaluable: n = {len(cohort.patients) - big_n}")
    assert boxes["treated"].get_text().endswith(f"n = {len(cohort.patients)}")
    assert not any("unaccounted" in b.get_text() for b in boxes.values())


def test_patient_flow_tiny_and_many_months():
    fig = F.patient_flow_plot(_flow([(0, "treated", 2), (3, "evaluable", 2)]))
    assert fig._dttstudy_artists["boxes"]["evaluable_3"].get_text().endswith("n = 2")
    rows = [(0, "treated", 500)] + [(m, s, n) for m in (3, 6, 9, 12, 18, 24)
                                    for s, n in (("evaluable", 300), ("not_yet_reached", 200))]
    w, h = _pixels(F.patient_flow_plot(_flow(rows)))
    assert w <= MAX_PIXELS and h <= MAX_PIXELS


# --- determinism ----------------------------------------------------------------------------------------------

def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.suffix in (".png", ".svg")}


def test_same_data_same_bytes(reference, tmp_path):
    def draw(out):
        report.save_figure(F.swimmer_plot(reference), "swimmer", out)
        report.save_figure(F.response_plot(d.response_rates(reference, (3, 6, 9)), "R"), "response", out)
        changes = d.lab_changes(reference, ("crp",), (3, 6, 9))
        report.save_figure(F.paired_lab_plot(changes, "crp", "mg/L"), "crp", out)
        km = KaplanMeier().fit(time_to_first_ae(reference), label="free of AE")
        report.save_figure(F.km_plot(km, [0, 3, 6, 9], "KM"), "km", out)
        report.save_figure(F.patient_flow_plot(FLOW), "flow", out)
        report.save_figure(F.lab_change_plot(changes, "crp", "mg/L"), "crp_change", out)
        return _digest(out / "figures")
    first, second = draw(tmp_path / "a"), draw(tmp_path / "b")
    assert first == second and len(first) == 12


def test_risk_of_bias_plot_one_marker_per_answer_by_hand():
    """Two studies, three items: every answer is a circle of its colour at (item, row), every overall judgement a
    square right of the items, each with its symbol; nothing else is drawn as a marker."""
    from matplotlib.colors import to_hex

    from dttstudy.reporting.figures.review import risk_of_bias_plot

    summary = pd.DataFrame({"study_id": ["s1", "s2"], "item_1": ["yes", "no"], "item_2": ["unclear", "yes"],
                            "item_3": ["not_applicable", "no"], "overall": ["low", "high"]})
    fig = risk_of_bias_plot(summary, {"s1": "First 2020", "s2": "Second 2021"}, ["a", "b", "c"])
    ax = fig.axes[0]
    marks = [(float(x), float(y), to_hex(line.get_markerfacecolor()), line.get_marker())
             for line in ax.lines for x, y in zip(line.get_xdata(), line.get_ydata())]
    green, red, yellow, grey = "#009e73", "#d55e00", "#f0e442", "#dddddd"
    assert sorted(marks) == sorted([
        (0.0, 1.0, green, "o"), (1.0, 1.0, yellow, "o"), (2.0, 1.0, grey, "o"), (3.6, 1.0, green, "s"),
        (0.0, 0.0, red, "o"), (1.0, 0.0, green, "o"), (2.0, 0.0, red, "o"), (3.6, 0.0, red, "s")])
    assert {line.get_markersize() ** 2 for line in ax.lines} == {150.0, 190.0}  # marker areas, pt²
    symbols = sorted((t.get_position(), t.get_text()) for t in ax.texts)
    assert symbols == sorted([((0, 1), "+"), ((1, 1), "?"), ((2, 1), "n/a"), ((3.6, 1), "L"),
                              ((0, 0), "−"), ((1, 0), "+"), ((2, 0), "−"), ((3.6, 0), "H")])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Second 2021", "First 2020"]
