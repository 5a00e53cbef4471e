"""Synthetic cohorts are schema-valid, reproducible from their seed and follow their documented mix."""
from __future__ import annotations

import hashlib

import pytest

from dttstudy import validate
from dttstudy.cli import main
from dttstudy.intake.synth import synth_cohort, write_cohort


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_cohorts_validate(tmp_path, seed):
    folder = write_cohort(synth_cohort(400, seed), tmp_path / "c")
    report = validate(folder)
    assert report.ok, str(report)
    assert report.warnings == []


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
    assert main(["synth", "--patients", "300", "--seed", "5", "--out", str(tmp_path / "a")]) == 0
    assert main(["synth", "--patients", "300", "--seed", "5", "--out", str(tmp_path / "b")]) == 0
    assert main(["synth", "--patients", "300", "--seed", "6", "--out", str(tmp_path / "c")]) == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_documented_mix_within_sampling_error():
    t = synth_cohort(20_000, seed=11)
    p, tr, v, ae = t["patients"], t["treatments"], t["visits"], t["adverse_events"]
    n = len(p)
    se = (0.25 / n) ** 0.5  # largest binomial standard error
    assert abs((p["disease"] == "CD").mean() - 0.55) < 4 * se
    assert abs((p["sex"] == "F").mean() - 0.55) < 4 * se
    assert abs(tr["steroid_at_start"].mean() - 0.35) < 4 * se
    assert abs(((tr["agent_1"] == "UST") & (tr["agent_2"] == "VDZ")).mean() - 0.30) < 4 * se
    assert abs((ae.groupby("patient_id").size().reindex(p["patient_id"], fill_value=0) == 0).mean() - 0.75) < 4 * se
    assert (v.groupby("patient_id")["month"].min() == 0).all()
    assert not synth_cohort(50, 0)["patients"]["patient_id"].isin(["P01", "P02"]).any()  # not the reference ids


def test_synthetic_data_are_known_as_synthetic_after_loading(tmp_path):
    """A folder or workbook from dttstudy synth loads as synthetic (every report page then says so); the same
    tables copied without the marker, or the reference cohort, do not."""
    import shutil

    from dttstudy.intake.cohort import load_cohort
    from dttstudy.reporting.report import cohort_banner

    assert main(["synth", "--patients", "30", "--seed", "2", "--out", str(tmp_path / "s")]) == 0
    assert main(["synth", "--patients", "30", "--seed", "2", "--out", str(tmp_path / "s.xlsx")]) == 0
    for src in (tmp_path / "s", tmp_path / "s.xlsx"):
        c = load_cohort(src)
        assert c.provenance["synthetic"] is True
        assert "SYNTHETIC" in cohort_banner(c) and cohort_banner(c).endswith("; 30 patients")
    plain = tmp_path / "plain"
    shutil.copytree(tmp_path / "s", plain)
    (plain / "SYNTHETIC.json").unlink()
    assert load_cohort(plain).provenance["synthetic"] is False
    assert load_cohort().provenance["synthetic"] is False
    cd = load_cohort(tmp_path / "s").filter(disease="CD")
    n_cd = len(cd.patients)
    assert cohort_banner(cd).endswith(f"; {n_cd} patients with Crohn's disease (of 30 in the data)")
