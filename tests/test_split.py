"""`dttstudy split`: one cohort folder per centre, each a valid cohort; pooling their summaries gives the whole
cohort's counts (the sum over centres is the cohort), and an existing folder is never touched."""
from __future__ import annotations

from pathlib import Path

import pytest

import dttstudy
from dttstudy.cli import main
from dttstudy.intake.split import centre_folders
from dttstudy.synthesis.multicentre import export_summary, pool


def test_split_gives_valid_centres_whose_pool_is_the_cohort(tmp_path, capsys):
    out = tmp_path / "centres"
    assert main(["split", "--out", str(out)]) == 0
    folders = sorted(p.name for p in out.iterdir())
    assert folders == ["C1", "C2", "C3"]
    centres = [dttstudy.load_cohort(out / f) for f in folders]
    assert sum(len(c.patients) for c in centres) == 18
    summaries = [export_summary(c, centre=f, min_cell=0) for c, f in zip(centres, folders)]
    pooled = pool(summaries, min_cell=0, accept_below_min_cell=True).rates_
    whole = dttstudy.response_rates(dttstudy.load_cohort(), (3, 6, 9), analysis_sets=("observed",))
    for r in whole[whole["group"] == "All"].itertuples():
        p = pooled[(pooled["endpoint"] == "clinical_response") & (pooled["analysis_set"] == "observed")
                   & (pooled["month"] == r.month) & (pooled["group"] == "All")].iloc[0]
        assert (int(p["n"]), int(p["N"])) == (r.n, r.N)
    assert main(["split", "--out", str(out)]) == 2  # never over an existing folder
    assert sorted(p.name for p in out.iterdir()) == folders
    assert not any(Path(tmp_path).glob(".centres.split-tmp"))


def test_centre_codes_that_would_share_a_folder_are_refused():
    c = dttstudy.load_cohort()
    patients = c.patients.copy()
    patients.loc[patients["center"] == "C2", "center"] = "C/1"
    patients.loc[patients["center"] == "C1", "center"] = "C_1"
    from dataclasses import replace

    with pytest.raises(ValueError, match="would share the folder name"):
        centre_folders(replace(c, patients=patients))
