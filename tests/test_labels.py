"""Label dictionary and number formats: expected strings written by hand from the rules in the docstrings."""
from __future__ import annotations

import math

import pytest

from dttstudy.reporting.labels import (MINUS, NA, UnknownLabel, abbreviation_note, est_ci, fmt, fmt_p, interval, is_labelled,
                             label, level, n_of_n_ci, n_pct)


@pytest.mark.parametrize("p, text", [
    (0.02664655606, "0.027"),     # Table 1 disease duration
    (0.119583789, "0.120"),       # the old tidy frame's 0.119583789 / "0.120"
    (0.0002913323105, "<0.001"),
    (0.001, "0.001"),             # at the threshold: printed, not "<0.001"
    (0.000999, "<0.001"),
    (0.0625, "0.063"),            # half up, not banker's: 0.0625 -> 0.063
    (0.99, "0.990"),
    (0.995, ">0.99"),
    (1.0, ">0.99"),               # Fisher's exact test on identical proportions
    (0.0, "<0.001"),
])
def test_p_values_in_journal_style(p, text):
    assert fmt_p(p) == text
    assert fmt(p, "p") == text


def test_p_value_missing_and_impossible():
    assert fmt_p(float("nan")) == ""
    assert fmt_p(None) == ""
    with pytest.raises(ValueError):
        fmt_p(1.2)
    with pytest.raises(ValueError):
        fmt_p(-0.1)


def test_one_rule_per_statistic():
    # mean (SD) to one decimal, as medians and quartiles (gtsummary's default); half up: round(2.25, 1) is 2.2
    assert fmt(2.25, "mean") == "2.3" and fmt(2.345, "mean") == "2.3"
    assert fmt(6.35, "sd") == "6.4"                # binary 6.35 is 6.3499..., still half up as printed
    assert fmt(0.85, "lab") == "0.9" and fmt(3, "lab") == "3.0"  # CRP as albumin: one decimal, never "3.00"
    assert fmt(88.23529412, "pct") == "88.2"
    assert fmt(12.12, "change") == "12.12" and fmt(4, "change") == "4.00" and fmt(2.49, "change") == "2.49"
    assert fmt(4, "n") == "4" and fmt(17.0, "n") == "17"
    assert fmt(7.875, "py") == "7.88"
    assert fmt(0.8854166667, "prob") == "0.885"
    assert fmt(-1.55, "pct") == MINUS + "1.6"     # typographic minus
    assert fmt(-0.04, "pct") == "0.0"             # no "-0.0"
    assert fmt(float("nan"), "mean") == NA and fmt(None, "pct") == NA and fmt(math.inf, "pct") == NA
    with pytest.raises(KeyError):
        fmt(1, "no-such-statistic")


def test_composites():
    assert n_pct(5, 8) == "5 (62.5%)"
    assert n_pct(0, 0) == NA
    # R: binom.test(15, 17)$conf.int -> 0.6355908 0.9854207
    assert n_of_n_ci(15, 17, 100 * 15 / 17, 63.55908, 98.54207) == "15/17 (88.2%; 63.6–98.5)"
    assert n_of_n_ci(0, 0, float("nan"), float("nan"), float("nan")) == NA
    assert interval(-11.92, -2.6, "change") == f"{MINUS}11.92 to {MINUS}2.60"
    assert interval(0.9, 2.1, "change") == "0.90–2.10"
    assert est_ci(0.8854166667, 0.6138868899, 0.9701038976, "prob") == "0.885 (0.614–0.970)"
    assert est_ci(0.0, float("nan"), float("nan"), "prob") == "0.000"
    assert interval(float("nan"), 0.5, "prob") == NA


def test_labels_come_from_the_dictionary_or_fail():
    assert label("age_at_diagnosis") == "Age at diagnosis, years"
    assert label("crp") == "CRP, mg/L"
    assert label("score_3m") == "Score, month 3" and label("crp_9m") == "CRP, mg/L, month 9"
    with pytest.raises(UnknownLabel):
        label("some_new_column")
    assert not is_labelled("some_new_column")
    assert label("some_new_column", strict=False) == "Some new column"


def test_levels_as_words():
    assert level(True) == "Yes" and level(False) == "No"
    assert level("adverse_event") == "Adverse event"
    assert level("E3") == "E3, extensive colitis"
    assert level("nri") == "Non-responder imputation"
    assert level(float("nan")) == "" and level(None) == ""
    assert level("P07") == "P07"                  # not a code: unchanged


def test_abbreviation_note_names_each_code_once():
    assert abbreviation_note(["UST+TOF", "ADA+UST", float("nan")]) == \
        "ADA, adalimumab; TOF, tofacitinib; UST, ustekinumab"
