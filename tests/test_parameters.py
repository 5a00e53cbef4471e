"""Parameters are declared once, checked and typed before anything runs, and never pasted into code."""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from dttstudy import parameters as P
from dttstudy.reporting import report


def cli(*args):
    return subprocess.run([sys.executable, "-m", "dttstudy.cli", *args], capture_output=True, text=True, timeout=600)


def parameters_cell(nb_path):
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    src = "".join(cell["source"])
    out = {}
    for node in ast.parse(src).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, src
        out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_each_notebook_declares_exactly_its_parameters_with_the_declared_defaults(nb):
    declared = {p.name: p.default for p in P.for_notebook(nb.stem)}
    cell = parameters_cell(nb)
    assert list(cell) == list(declared), f"{nb.name}: parameters cell differs from dttstudy.parameters"
    for name, value in cell.items():
        want = declared[name]
        if isinstance(want, tuple):
            assert tuple(value) == want, name
        else:
            assert value == want, name


def test_unknown_names_are_refused_with_did_you_mean():
    with pytest.raises(P.ParameterError, match=r"'diseas' \(did you mean 'disease'\?\)"):
        P.parse_cli(["diseas=CD"])
    with pytest.raises(P.ParameterError, match=r"did you mean 'crp_uln'"):
        P.parse_cli(["crp_ulm=10"])


def test_a_crafted_name_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    name = f"x=1;open({str(marker)!r},'w').write('x');y"
    res = cli("reproduce", "--out", str(tmp_path / "out"), "-p", f"{name}=1")
    assert res.returncode == 2 and "unknown parameter" in res.stderr
    assert not marker.exists() and not (tmp_path / "out").exists()


def test_values_are_typed_and_checked():
    assert P.parse_cli(["crp_uln=10", "timepoints=3,6", "disease=CD"]) == {
        "crp_uln": 10.0, "timepoints": (3, 6), "disease": "CD"}
    for bad, msg in [("crp_uln=ten", "must be a number"), ("disease=IBD", "must be one of"),
                     ("timepoints=3,3", "listed twice"), ("timepoints=0", "not a month"),
                     ("window=-1", "half-width"), ("crp_uln=nan", "finite"), ("ci_method=wald", "must be one of")]:
        with pytest.raises(P.ParameterError, match=msg):
            P.parse_cli([bad])
    with pytest.raises(P.ParameterError, match="set by dttstudy reproduce itself"):
        P.parse_cli(["data_path=/tmp"])


def test_one_month_works_from_the_command_line_and_from_papermill_values():
    # `-p timepoints=24` (CLI, a string) and `-p timepoints 6` (Papermill, an int)
    assert P.parse_cli(["timepoints=24", "window=2"])["timepoints"] == (24,)
    p = report.params(timepoints=6)
    assert p.timepoints == (6,) and p.windows == {6: 1.0}
    p = report.params(timepoints="3,6,9")
    assert p.response_kwargs["windows"] == {3: 0.5, 6: 1.0, 9: 1.0}


def test_a_month_without_a_window_fails_before_anything_runs(tmp_path):
    with pytest.raises(P.ParameterError, match="no visit window for month 24.*-p window="):
        P.parse_cli(["timepoints=24"])
    res = cli("reproduce", "--out", str(tmp_path / "o"), "-p", "timepoints=24")
    assert res.returncode == 2 and "-p window=" in res.stderr and not (tmp_path / "o").exists()
    p = report.params(timepoints=24, window=1.5)
    assert p.windows == {24: 1.5}


def test_report_params_refuses_unknown_notebook_parameters():
    with pytest.raises(P.ParameterError, match="unknown parameter 'outcom'"):
        report.params(outcom="any_ae")
    assert report.params(outcome="any_ae").extra == {"outcome": "any_ae"}


@pytest.mark.parametrize("command", ["reproduce", "export-summary"])
def test_help_lists_every_parameter_with_its_default(command):
    res = cli(command, "--help")
    assert res.returncode == 0
    for p in P.PARAMETERS:
        if p.cli and command in p.commands:
            assert p.name in res.stdout
            assert f"default {p.default_text()}{p.range_text()}" in " ".join(res.stdout.split())


def test_notebook_injection_gets_only_declared_typed_values():
    from dttstudy.reporting.pipeline import notebook_parameters

    typed = P.check({"timepoints": "3,6", "outcome": "any_ae"})
    got = notebook_parameters("03_response", typed, None, ".parts/03_response")
    assert got == {"timepoints": [3, 6], "data_path": None, "output_dir": ".parts/03_response"}
    got = notebook_parameters("07_literature", typed, None, "x")
    assert got["outcome"] == "any_ae"


def test_a_parameter_given_twice_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(P.ParameterError, match="disease is given twice .'UC' and 'CD'."):
        P.parse_cli(["disease=UC", "disease=CD"])
    with pytest.raises(P.ParameterError, match="given twice"):
        P.parse_cli(["crp_uln=5", " crp_uln =5"])  # the same value twice is still a typing slip
    res = cli("reproduce", "--out", str(tmp_path / "o"), "-p", "disease=UC", "-p", "disease=CD")
    assert res.returncode == 2 and "given twice" in res.stderr and not (tmp_path / "o").exists()


@pytest.mark.parametrize("item,msg", [("crp_uln=1e300", "at most 100"), ("crp_uln=-1", "at least 0"),
                                      ("cohort_month=1e9", "at most 600"), ("timepoints=601", "0 < month ≤ 600"),
                                      ("window=13", "at most 12"), ("window=0", "above 0"),
                                      ("cohort_month=24", "cohort_month: the paper defines no visit window for month 24")])
def test_declared_ranges_are_checked_up_front(item, msg):
    with pytest.raises(P.ParameterError, match=msg):
        P.parse_cli([item])


def test_ranges_are_declared_once_on_the_parameters():
    """Every number, month and window parameter declares its range; the edges themselves are accepted."""
    for p in P.PARAMETERS:
        if p.kind in ("number", "month", "months", "window"):
            assert p.maximum is not None, p.name
    assert P.parse_cli(["crp_uln=100", "timepoints=600", "window=12"]) == {
        "crp_uln": 100.0, "timepoints": (600,), "window": 12.0}
    assert P.parse_cli(["cohort_month=24", "window=2"])["cohort_month"] == 24.0  # a far month with a window


def test_a_far_month_fails_before_anything_runs(tmp_path):
    res = cli("reproduce", "--out", str(tmp_path / "o"), "-p", "cohort_month=24")
    assert res.returncode == 2 and "cohort_month" in res.stderr and "-p window=" in res.stderr
    assert not (tmp_path / "o").exists()


def test_the_literature_month_follows_the_analysed_months():
    """-p timepoints=6 alone runs every notebook: the literature comparison takes month 6 (the last analysed
    month) with month 6's window, not a fixed month 9 the analysis has no window for."""
    assert P.parse_cli(["timepoints=6"]) == {"timepoints": (6,)}
    p = P.params(timepoints="6", cohort_month=None)
    assert p.cohort_month == 6.0 and p.literature_kwargs["windows"] == {6: 1.0}
    p = P.params(timepoints="3,6,9,12", cohort_month=None)
    assert p.cohort_month == 12.0
    # a month given explicitly gets its window too (the paper's for month 9), beside the analysed months'
    p = P.params(timepoints="6", cohort_month="9")
    assert p.cohort_month == 9.0 and p.literature_kwargs["windows"] == {6: 1.0, 9: 1.0}
    # a month past 12 runs with a window, and is refused in one line naming the parameter to add without one
    assert P.params(timepoints="18", window="2", cohort_month=None).literature_kwargs["windows"] == {18: 2.0}
    with pytest.raises(P.ParameterError, match=r"^timepoints: .*month 18; add -p window=HALF_WIDTH"):
        P.parse_cli(["timepoints=18"])


def test_advice_once_for_the_parameter_the_user_set():
    """-p timepoints=24 alone: one problem, for timepoints; cohort_month (never set, it follows the timepoints)
    is not named."""
    with pytest.raises(P.ParameterError) as err:
        P.parse_cli(["timepoints=24"])
    assert str(err.value).count("add -p window") == 1 and "cohort_month" not in str(err.value)
