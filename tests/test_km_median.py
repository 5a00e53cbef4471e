"""Kaplan–Meier medians against R's survival package, overall and by group: ties, censoring, a curve that sits
at exactly 0.5 over an interval (R takes the midpoint), one that stays at 0.5 to the end, one that never reaches it.

Hard-coded values from R 4.2, survival 3.5 (Debian r-cran-survival), for each case below:
    t <- c(...); e <- c(...); g <- c(...)
    quantile(survfit(Surv(t, e) ~ 1), 0.5, conf.int = FALSE)
    quantile(survfit(Surv(t, e) ~ g), 0.5, conf.int = FALSE)
The random cases were drawn once (exponential times rounded to half months, about 70 % events) and written here
as literals. The same comparison runs live when Rscript with survival is installed.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess

import pandas as pd
import pytest

from dttstudy.analysis.safety import KaplanMeier, km_by_group, km_quantile

# name: (times, events as 0/1 digits, groups as U/C letters, R overall median, R medians by group or None)
CASES = {
    "exact_half_to_end": ([1, 2, 3, 4, 5, 6],
        "111000", "CCCCCC",
        4.5, None),
    "exact_half_then_drop": ([1, 2, 3, 4, 5, 6],
        "111011", "CCCCCC",
        4, None),
    "events_1_to_6": ([1, 2, 3, 4, 5, 6],
        "111111", "CCCCCC",
        3.5, None),
    "never_half": ([1, 2, 3, 4, 5, 6],
        "100001", "CCCCCC",
        6, None),
    "ties_at_half": ([2, 2, 2, 2, 5, 7, 7, 9],
        "11011010", "CCCCCCCC",
        5, None),
    "random_0": ([5, 18.5, 2, 3, 11.5, 19, 9.5, 14.5, 9.5, 2, 5, 4.5, 22, 12.5, 13, 5.5, 2.5, 5.5, 19.5, 1.5, 4.5, 3.5, 3, 17.5, 2.5, 12.5, 3, 4, 22.5, 13, 2, 12.5],
        "11111101111101010101001111111011", "CUUUUCCCUCCCCUCUUCUCUUCCUCUUCCUU",
        9.5, {'CD': 12.5, 'UC': 9.5}),
    "random_1": ([14, 1.5, 3, 2.5, 5, 12, 6, 3.5, 12.5, 13.5, 7, 6.5, 2, 0.5, 3, 1, 1.5, 5, 6, 5.5, 1, 3.5, 11.5, 3.5, 2.5, 30, 16.5, 4.5, 11.5, 24, 12.5, 1, 31, 11],
        "1111001001111000110111111111111111", "CCUUUUUCUCCUUUUUUCUCCUUUUCUUCCUUCC",
        7, {'CD': 11.5, 'UC': 6}),
    "random_2": ([3.5, 12, 1, 11, 1.5, 5, 1, 7.5, 6.5, 11.5, 3.5, 1.5, 7.5, 3.5, 2.5, 7, 3.5, 34.5, 3, 2.5, 8, 12.5, 17, 8, 4.5, 24, 2.5, 2, 11, 5.5],
        "111110000111011111100111101001", "UCUUCUCUUUUUCCUUCUUUUUCUCUUUUU",
        8, {'CD': 4.5, 'UC': 8}),
    "random_3": ([5.5, 1.5, 8, 24.5, 0.5, 28, 19, 5.5, 6, 0.5, 48.5, 11, 12, 6.5, 4, 2.5, 3.5, 18, 8, 3, 7.5, 1, 5, 5],
        "110111110111010111111000", "UCUCUCCCUCCCUCUCUUUCCUCU",
        8, {'CD': 7.5, 'UC': 18}),
    "random_4": ([1.5, 4.5, 17, 0.5, 7, 15.5, 5, 3, 0.5, 7, 6, 18.5, 6, 13.5, 12, 9.5, 9.5, 6, 3.5, 3, 14, 1, 5.5, 2, 10, 7, 5.5, 33.5, 4.5, 10, 14.5, 1.5, 1, 29.5, 1, 2.5, 7.5, 13],
        "11110010010111110110110111001011111101", "CCCCUCCCCUUCCCUUCCUCUCUCUUCCCUUCCUUCCU",
        9.5, {'CD': 6, 'UC': 12}),
    "random_5": ([27, 0.5, 6.5, 26.5, 1, 10, 18.5, 2.5, 13.5, 1, 13, 11, 2, 15, 1, 16, 18, 11.5],
        "111101111111001101", "CCUCCUCUCUUUUUCCCU",
        13, {'CD': 18.5, 'UC': 11}),
    "random_6": ([3.5, 16, 4.5, 8, 4, 26.5],
        "110011", "UUUUCC",
        16, {'CD': 15.25, 'UC': 16}),
    "random_7": ([1, 8, 18.5, 34.5, 37.5, 10, 3.5, 2, 3.5, 7.5, 4, 11.5, 9.5, 5, 11, 2.5, 8.5, 6, 20, 12.5, 6, 7, 6, 6, 12.5],
        "1100011101011101110101011", "UUCUCCCCUUCUCCCUCUUUCCCCC",
        9.5, {'CD': 9.5, 'UC': 8}),
    "random_8": ([6.5, 11.5, 3, 13, 2, 6, 18.5, 4, 12, 5, 6.5, 4, 6, 1.5, 11.5, 2.5, 1.5, 5.5, 13, 8, 2, 25, 3, 5, 4.5, 7, 20.5, 3, 7, 7.5, 3, 4, 8, 4.5],
        "1110101011011100010111101101111100", "UCCUCUCUUCCCCCCCUCUCCCCUCCCCCCUUCU",
        7, {'CD': 7, 'UC': 12}),
    "random_9": ([10, 10.5, 8.5, 25, 12.5, 2.5, 9],
        "1111111", "CUUUCCU",
        10, {'CD': 10, 'UC': 9.75}),
    "random_10": ([4.5, 5.5, 1, 3.5, 10, 3.5, 10, 1],
        "11110101", "CUCCCCCC",
        4, {'CD': 3.5, 'UC': 5.5}),
    "random_11": ([8, 1, 2, 8.5, 11.5],
        "11111", "CCUCU",
        8, {'CD': 8, 'UC': 6.75}),
}


def _frame(name):
    t, e, g, _, _ = CASES[name]
    return pd.DataFrame({"time": t, "event": [int(c) for c in e], "group": ["UC" if c == "U" else "CD" for c in g]})


def _same(ours, r):
    return (r is None and math.isinf(ours)) or ours == pytest.approx(r, abs=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_median_equals_r_survfit(name):
    assert _same(KaplanMeier().fit(_frame(name)).median_, CASES[name][3])


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][4]))
def test_median_by_group_equals_r_survfit(name):
    kms = km_by_group(_frame(name), "group")
    for group, r in CASES[name][4].items():
        assert _same(kms[group].median_, r), group


def test_exact_half_is_found_although_the_product_is_not_exactly_half():
    # a curve computed as 0.5000000000000001 where the exact value is 1/2 still reaches the median: at 3 when it
    # then drops (the next event at 5: midpoint of [3, 5] = 4, as R's "exact_half_then_drop"), the midpoint of
    # [3, 6] when it stays at 0.5 to the last follow-up at 6 (R's "exact_half_to_end": 4.5)
    near_half = 0.5000000000000001
    assert km_quantile([0, 1, 2, 3, 5], [1.0, 5 / 6, 4 / 6, near_half, 0.25], 0.5) == 4.0
    assert km_quantile([0, 1, 2, 3], [1.0, 5 / 6, 4 / 6, near_half], 0.5, last_time=6) == 4.5
    # a jump past 0.5 (no flat stretch at 0.5) is the jump's time
    assert km_quantile([0, 1, 2, 3], [1.0, 0.8, 0.55, 0.3], 0.5) == 3.0


def test_never_reaching_half_is_not_reached():
    km = KaplanMeier().fit(pd.DataFrame({"time": [1, 2, 3], "event": [1, 0, 0]}))
    assert math.isinf(km.median_) and km.median_label == "NR"


def test_empty_input_says_it_is_empty():
    with pytest.raises(ValueError, match="no patients"):
        KaplanMeier().fit(pd.DataFrame({"time": [], "event": []}))


def test_no_log_log_interval_where_the_estimate_is_zero():
    e = KaplanMeier().fit(pd.DataFrame({"time": [1, 2], "event": [1, 1]})).estimates_.set_index("time")
    assert e.loc[2, "survival"] == 0.0
    assert math.isnan(e.loc[2, "ci_lower"]) and math.isnan(e.loc[2, "ci_upper"])
    assert 0 < e.loc[1, "ci_lower"] < 0.5 < e.loc[1, "ci_upper"] < 1


def _r_survival() -> bool:
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "library(survival)"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _r_survival(), reason="Rscript with the survival package not installed")
def test_medians_equal_r_live():
    lines = ["suppressMessages(library(survival)); out <- list()"]
    for name, (t, e, g, _, _) in CASES.items():
        tt = ",".join(f"{v:g}" for v in t)
        ee = ",".join(e)
        gg = ",".join(f'"{c}"' for c in g)
        lines.append(f't <- c({tt}); e <- c({ee}); g <- c({gg}); '
                     f'm <- quantile(survfit(Surv(t, e) ~ 1), 0.5, conf.int = FALSE); '
                     f'out[["{name}"]] <- unname(m)')
    lines.append('cat("{", paste(sprintf("\\"%s\\": %s", names(out), '
                 'sapply(out, function(v) if (is.na(v)) "null" else sprintf("%.15g", v))), collapse = ", "), "}")')
    res = subprocess.run(["Rscript", "-e", "\n".join(lines)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    live = json.loads(res.stdout)
    for name in CASES:
        assert _same(KaplanMeier().fit(_frame(name)).median_, live[name]), name
