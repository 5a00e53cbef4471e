"""The algorithm end to end under vantage6's MockAlgorithmClient (central and partial functions over mock
organisations' databases, in one process), against the file exchange run with the dttstudy command line."""
from __future__ import annotations

import base64
import csv
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

import dttstudy
from dttstudy_vantage6 import Refused, mock_database

from conftest import TABLES, dttstudy_cli, file_exchange, read_rows, split_by_centre, write_rows

MODULE = "dttstudy_vantage6"


def run_central(datasets: list[list[dict]], **kwargs) -> dict:
    """The researcher's task: ``central`` at the first organisation, over every mock organisation."""
    client = MockAlgorithmClient(datasets=datasets, module=MODULE)
    task = client.task.create(input_={"method": "central", "kwargs": kwargs}, organizations=[0])
    (result,) = client.result.from_task(task["id"])
    return result


def refused(result: dict) -> str:
    """The message of a refusal the central function returned (and a check that it is one, holding no file)."""
    assert result["format"] == "dttstudy-vantage6-pooled" and result["refused"] is True, result.get("summary")
    assert "files" not in result and all(set(r) == {"organization_id", "centre", "reason", "problems"}
                                         for r in result["reasons"])
    return result["message"]


def run_partial(datasets: list[list[dict]], organization: int, **kwargs) -> dict:
    """One node's reply, as the central function receives it."""
    client = MockAlgorithmClient(datasets=datasets, module=MODULE)
    task = client.task.create(input_={"method": "partial", "kwargs": kwargs}, organizations=[organization])
    (reply,) = client.result.from_task(task["id"])
    return reply


def assert_same_as_exchange(result: dict, pooled: Path, order: list[str]) -> None:
    """Every pooled table, the report and the provenance are the bytes ``dttstudy pool`` wrote, and every summary
    the bytes ``dttstudy export-summary`` wrote."""
    tables = sorted(p.name for p in (pooled / "tables").glob("*.csv"))
    assert sorted(k[len("tables/"):] for k in result["files"] if k.startswith("tables/")) == tables
    assert len(tables) >= 15
    for name in tables:
        assert result["files"][f"tables/{name}"].encode("utf-8") == (pooled / "tables" / name).read_bytes(), name
    for name in ("report.html", "provenance.json"):
        assert result["files"][name].encode("utf-8") == (pooled / name).read_bytes(), name
    assert [c["centre"] for c in result["centres"]] == order
    for code in order:
        sent = pooled.parent / f"{code}.json"
        assert result["files"][f"summaries/{code}.json"].encode("utf-8") == sent.read_bytes(), code


# ---- environment ---------------------------------------------------------------------------------------------
def test_environment_is_consistent():
    """dttstudy's own requirements are met beside vantage6's pins (it is installed with --no-deps)."""
    assert importlib.metadata.version("vantage6-algorithm-tools").startswith("4.15.")
    done = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ---- the same numbers both ways ------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [5, 0])
def test_reference_centres_pool_as_the_file_exchange(reference_centres, reference_exchange, tmp_path, k):
    """K = 5 (the default: with 9, 5 and 4 patients nearly every cell is withheld) and K = 0 at every node and
    as the coordinator's minimum (no disclosure control: a demonstration, every count published)."""
    if k == 5:  # C1 leaves K to dttstudy's default, the others state it; the coordinator's minimum is the default
        datasets = [[mock_database(reference_centres["C1"], centre="C1")],
                    [mock_database(reference_centres["C2"], centre="C2", min_cell=5)],
                    [mock_database(reference_centres["C3"], centre="C3", min_cell="5")]]
        result, pooled = run_central(datasets), reference_exchange
    else:
        datasets = [[mock_database(reference_centres[c], centre=c, min_cell=0)] for c in ("C1", "C2", "C3")]
        result = run_central(datasets, min_cell=0)
        pooled = file_exchange(reference_centres, tmp_path, (), dict.fromkeys(reference_centres, 0))
    assert_same_as_exchange(result, pooled, ["C1", "C2", "C3"])
    assert result["min_cell"] == k and [c["min_cell"] for c in result["centres"]] == [k, k, k]
    assert [c["organization_id"] for c in result["centres"]] == [0, 1, 2]
    (patients,) = [r for r in csv.DictReader(result["files"]["tables/table1_counts.csv"].splitlines())
                   if r["variable"] == "Patients"]
    if k == 0:  # the paper's 18 patients, 8 UC and 10 CD, from all three centres
        assert (patients["Total"], patients["UC"], patients["CD"], patients["centres"]) == ("18", "8", "10", "3")
    else:  # C3's 4 patients are fewer than K: its count is withheld
        assert "C3" in patients["withheld_centres"].split(", ")


def test_synthetic_centres_with_other_parameters_pool_as_the_file_exchange(tmp_path):
    """Four centres of a synthetic cohort and a fifth as a workbook, every node layout (a folder; four CSV
    databases named as the tables, in another order; four CSV databases with other labels, in the tables'
    order; one workbook), non-default parameters, K = 3 at the nodes and as the coordinator's minimum."""
    dttstudy_cli("synth", "--patients", 240, "--seed", 5, "--out", tmp_path / "whole")
    dttstudy_cli("synth", "--patients", 40, "--seed", 6, "--out", tmp_path / "E.xlsx")
    centres = split_by_centre(tmp_path / "whole", tmp_path / "centres")
    assert len(centres) >= 3
    codes = sorted(centres)
    centres["E"] = tmp_path / "E.xlsx"
    params = {"disease": "CD", "timepoints": [3, 6, 12], "window": 1.5, "definition": "simple",
              "ci_method": "wilson", "crp_uln": 10.0, "horizon": 12, "event_times": True}
    cli = ["--disease", "CD", "--timepoints", "3,6,12", "--window", "1.5", "--definition", "simple",
           "--ci-method", "wilson", "--crp-uln", "10", "--horizon", "12", "--event-times"]
    pooled = file_exchange(centres, tmp_path / "exchange", cli, {c: 3 for c in centres})

    settings = {"min_cell": 3, "event_times": True}
    datasets = []
    for k, code in enumerate(codes):
        folder = centres[code]
        if k == 1:  # labelled as the tables, listed in another order
            datasets.append([mock_database(folder / f"{t}.csv", label=t, centre=code, **settings)
                             for t in reversed(TABLES)])
        elif k == 2:  # other labels, in the tables' order; the settings given on one database only
            datasets.append([mock_database(folder / f"{t}.csv", label=f"db{i}", **(
                {"centre": code, **settings} if i == 0 else {})) for i, t in enumerate(TABLES)])
        else:
            datasets.append([mock_database(folder, centre=code, **settings)])
    datasets.append([mock_database(centres["E"], centre="E", **settings)])
    result = run_central(datasets, min_cell=3, **params)
    assert_same_as_exchange(result, pooled, codes + ["E"])
    assert result["parameters"]["event_times"] is True and result["parameters"]["disease"] == "CD"
    assert result["parameters"]["timepoints"] == [3, 6, 12]


# ---- refusals by name ----------------------------------------------------------------------------------------
def _break(folder: Path) -> dict:
    """Two invalid cells in a copy of a centre: patients' first record (file row 2) gets a Montreal class that does
    not exist, visits' third record (file row 4) a CRP with a decimal comma."""
    header, rows = read_rows(folder / "patients.csv")
    rows[0][header.index("montreal")] = "Q9x"
    write_rows(folder / "patients.csv", header, rows)
    header, rows = read_rows(folder / "visits.csv")
    rows[2][header.index("crp")] = "12,75"
    write_rows(folder / "visits.csv", header, rows)
    return {"bad": ["Q9x", "12,75"]}


def _values(folder: Path) -> set[str]:
    """Every cell of a centre's four files that could identify its data in a message: patient ids, and every
    value of three or more characters that is not just a number (numbers would match row numbers)."""
    out = set()
    for t in TABLES:
        header, rows = read_rows(folder / f"{t}.csv")
        for r in rows:
            out.add(r[0])  # patient_id
            out |= {v for v in r if len(v) >= 3 and not v.replace(".", "").isdigit() and v not in header}
    return out


def test_invalid_node_is_refused_naming_places_not_data(reference_centres, tmp_path):
    import shutil

    bad = shutil.copytree(reference_centres["C2"], tmp_path / "C2")
    planted = _break(bad)
    datasets = [[mock_database(reference_centres["C1"], centre="C1")], [mock_database(bad, centre="C2")],
                [mock_database(reference_centres["C3"], centre="C3")]]

    reply = run_partial(datasets, 1)
    assert reply["organization_id"] == 1 and "summary" not in reply
    assert reply["problems"] == [{"table": "patients", "row": 2, "column": "montreal"},
                                 {"table": "visits", "row": 4, "column": "crp"}]
    text = json.dumps(reply, ensure_ascii=False)
    leaked = sorted(v for v in _values(bad) | set(planted["bad"]) if v in text)
    assert leaked == []

    result = run_central(datasets)
    msg = refused(result)
    assert [r["problems"] for r in result["reasons"]] == [reply["problems"]]
    assert "organization 1: the cohort breaks dttstudy's data contract at 2 place(s)" in msg
    assert "patients, row 2, column 'montreal'" in msg and "visits, row 4, column 'crp'" in msg
    assert "organization 0" not in msg and "organization 2" not in msg  # the valid centres are not named
    assert sorted(v for v in _values(bad) | set(planted["bad"]) if v in msg) == []


def test_node_below_the_coordinators_minimum_is_refused(reference_centres):
    datasets = [[mock_database(reference_centres["C1"], centre="C1")],
                [mock_database(reference_centres["C2"], centre="C2")],
                [mock_database(reference_centres["C3"], centre="C3", min_cell=3)]]
    msg = refused(run_central(datasets))
    assert "organization 2 (centre C3): minimum cell count K = 3 is below the coordinator's minimum 5" in msg
    assert "C1" not in msg and "C2" not in msg
    # a coordinator who accepts K = 3 says so with its own minimum; the pooled result states each centre's K
    result = run_central(datasets, min_cell=3)
    assert [c["min_cell"] for c in result["centres"]] == [5, 5, 3]
    centres = list(csv.DictReader(result["files"]["tables/centres.csv"].splitlines()))
    assert [(r["centre"], r["min_cell"]) for r in centres] == [("C1", "5"), ("C2", "5"), ("C3", "3")]


def test_settings_and_requests_refused_by_name(reference_centres):
    one = [[mock_database(reference_centres["C1"], centre="C1")],
           [mock_database(reference_centres["C2"], centre="C2", event_times=True)]]
    # event times leave a node only if the node allows it
    msg = refused(run_central(one, event_times=True))
    assert "organization 0: the task asks for life tables at every distinct time (event_times)" in msg
    assert "organization 1" not in msg
    # K and the centre code are the node's; parameters are checked against the declared list
    assert "'min_cell' is the node's own setting" in run_partial(one, 0, min_cell=0)["error"]
    assert "unknown parameter 'horizn'" in run_partial(one, 0, horizn=12)["error"]
    assert "unknown parameter(s) centre" in refused(run_central(one, centre="X"))
    bad_k = [[mock_database(reference_centres["C1"], min_cell="five")]]
    assert run_partial(bad_k, 0)["error"] == "the node's setting 'min_cell' must be a whole number >= 0"
    clash = [[mock_database(reference_centres["C1"] / f"{t}.csv", label=t, centre="C1" if t == "visits" else "X")
              for t in TABLES]]
    assert "setting 'centre' differs between its databases" in run_partial(clash, 0)["error"]
    # a parameter value export-summary refuses is refused in its words, at every node
    assert refused(run_central(one, horizon=0)).count("horizon must be at least 1, not 0") == 2
    # the declared upper bound holds at the node too: no unbounded grid
    assert refused(run_central(one, horizon=10 ** 9)).count("horizon must be at most 600") == 2
    # two nodes giving the same centre code
    twice = [[mock_database(reference_centres["C1"], centre="C1")],
             [mock_database(reference_centres["C2"], centre="C1")]]
    assert "organization 1: centre code C1 is also organization 0's" in refused(run_central(twice))


# ---- as the engine runs the node -----------------------------------------------------------------------------
def _encoded(value: str) -> str:
    """An environment value as a vantage6 node encodes it for the algorithm container."""
    return base64.b32encode(value.encode("utf-8")).decode("utf-8").replace("=", "!")


def test_node_run_through_the_engines_wrapper(reference_centres, reference_exchange, tmp_path):
    """The partial function started as the image starts it (vantage6's wrap_algorithm with the node's encoded
    environment: four CSV databases, the settings in one database's env, a container token) returns, for C1, the
    summary file that 'dttstudy export-summary' writes."""
    import jwt

    token = jwt.encode({"sub": {"organization_id": 7, "node_id": 3, "collaboration_id": 1, "task_id": 11,
                                "image": "dttstudy-vantage6", "databases": list(TABLES)}}, "a key for a test token, at least 32 bytes long",
                       algorithm="HS256")
    (tmp_path / "token").write_text(token)
    (tmp_path / "state").mkdir()
    (tmp_path / "input.json").write_text(json.dumps({"method": "partial", "kwargs": {}}))
    env = {"USER_REQUESTED_DATABASE_LABELS": ",".join(TABLES), "PATIENTS_DB_PARAM_CENTRE": "C1",
           "PATIENTS_DB_PARAM_MIN_CELL": "5",
           "PATIENTS_DB_PARAM_RELEASE_RECORD": str(tmp_path / "state" / "release-record.json")}
    for t in TABLES:
        env[f"{t.upper()}_DATABASE_URI"] = str(reference_centres["C1"] / f"{t}.csv")
        env[f"{t.upper()}_DATABASE_TYPE"] = "csv"
    env = {k: _encoded(v) for k, v in env.items()}
    env.update({"PKG_NAME": "dttstudy_vantage6", "INPUT_FILE": str(tmp_path / "input.json"),
                "OUTPUT_FILE": str(tmp_path / "output.json"), "TOKEN_FILE": str(tmp_path / "token"),
                "HOST": "http://proxy", "PORT": "80", "API_PATH": "", "TEMPORARY_FOLDER": str(tmp_path),
                "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)})
    done = subprocess.run([sys.executable, "-c", "from vantage6.algorithm.tools.wrap import wrap_algorithm; "
                           "wrap_algorithm(log_traceback=False)"], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    reply = json.loads((tmp_path / "output.json").read_text())
    assert reply["organization_id"] == 7 and "error" not in reply
    assert dttstudy.summary_json(reply["summary"]).encode("utf-8") == (reference_exchange.parent / "C1.json").read_bytes()
    ids = {r[0] for r in read_rows(reference_centres["C1"] / "patients.csv")[1]}
    assert sorted(i for i in ids if i in done.stdout + done.stderr) == []  # the node's log names no patient


# ---- the documented node configuration -----------------------------------------------------------------------
def test_example_node_configuration_is_read_as_documented():
    """The example's database entry gives the settings the node code reads, under names it knows."""
    import yaml
    from vantage6.common.globals import DATABASE_TYPES

    from dttstudy_vantage6 import NODE_SETTINGS, NodeDatabase
    from dttstudy_vantage6.node import node_settings

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "node-config.example.yaml").read_text())
    (db,) = config["databases"]
    assert db["type"] in set(DATABASE_TYPES) | {"folder"}
    assert set(db["env"]) <= set(NODE_SETTINGS) and all(isinstance(v, str) for v in db["env"].values())
    got = node_settings([NodeDatabase(db["label"], db["uri"], db["type"], db["env"])])
    assert got == {"min_cell": 5, "centre": "C1", "event_times": False,
                   "release_record": "/mnt/dttstudy-state/release-record.json"}


def test_what_pool_refuses_is_refused_in_pools_words(reference_centres):
    """A node whose summary comes from another dttstudy version: refused by dttstudy pool's own check."""
    datasets = [[mock_database(reference_centres[c], centre=c)] for c in ("C1", "C2", "C3")]
    client = MockAlgorithmClient(datasets=datasets, module="other_version_node")
    task = client.task.create(input_={"method": "central", "kwargs": {}}, organizations=[0])
    (result,) = client.result.from_task(task["id"])
    msg = refused(result)
    assert msg.startswith("not pooled, as 'dttstudy pool' refuses: ") and "C2.json" in msg and "0.0.9" in msg


def test_a_node_without_reply_is_named():
    """In the engine a failed run gives no result at all: the central function names the organisation."""
    from dttstudy_vantage6.central import _replies
    from dttstudy_vantage6.node import REPLY_FORMAT

    ok = {"format": REPLY_FORMAT, "summary": {"centre": "A"}}
    with pytest.raises(Refused) as info:
        _replies([{**ok, "organization_id": 4}, {**ok, "organization_id": 9}, ["not", "a", "reply"]], [4, 6, 9])
    msg = str(info.value)
    assert "2 problem(s)" in msg and "organization 6: no reply" in msg
    assert "a reply that is not a dttstudy node reply" in msg and "organization 4" not in msg
    assert _replies([{**ok, "organization_id": 9}, {**ok, "organization_id": 4}], [4, 9]) == [
        (4, {"centre": "A"}), (9, {"centre": "A"})]


# ---- the node as safe as the command line ----------------------------------------------------------------------
def _centre_of(folder: Path, ids: set[str], dest: Path) -> Path:
    """The rows of ``ids`` from the cohort ``folder``, as text, into ``dest``."""
    for t in TABLES:
        header, rows = read_rows(folder / f"{t}.csv")
        write_rows(dest / f"{t}.csv", header, [r for r in rows if r[header.index("patient_id")] in ids])
    return dest


def _ids(folder: Path) -> set[str]:
    return {r[0] for r in read_rows(folder / "patients.csv")[1]}


def test_the_readmes_differencing_example_is_refused_through_the_node(reference_centres, tmp_path):
    """README, 'What this does not protect: differencing': C1 (9 patients) released, then C1 with P02 added.
    Through the node the second release is refused, and so is a second population selection (disease=CD after
    all: C1's 4 UC patients would follow); the reason reaches the researcher in the task's result."""
    from conftest import REFERENCE

    c1 = reference_centres["C1"]
    plus = _centre_of(REFERENCE, _ids(c1) | {"P02"}, tmp_path / "C1_plus_P02")
    first = run_central([[mock_database(c1, centre="C1", min_cell=5)]])
    assert first["refused"] is False and first["centres"][0]["centre"] == "C1"
    again = run_central([[mock_database(plus, centre="C1", min_cell=5)]])
    msg = refused(again)
    assert again["reasons"][0]["organization_id"] == 0
    assert "differ from an earlier release of centre C1" in msg and "fewer than K = 5" in msg
    assert "P02" not in msg and "by 1" not in msg  # how many and who stay at the node
    selection = refused(run_central([[mock_database(c1, centre="C1", min_cell=5)]], disease="CD"))
    assert "differ from an earlier release of centre C1" in selection
    # the same data with other parameters, and the same selection again, are released (no patient differs)
    assert run_central([[mock_database(c1, centre="C1", min_cell=5)]], crp_uln=10.0)["refused"] is False
    # the command line and the node keep one rule: export-summary refuses the same release with the same record
    from dttstudy.cli import main

    assert main(["export-summary", "--data", str(plus), "--out", str(tmp_path / "plus.json"), "--centre", "C1"]) == 2
    assert not (tmp_path / "plus.json").exists()


def test_a_node_without_a_record_gives_no_summary(reference_centres, tmp_path, monkeypatch):
    monkeypatch.delenv("DTTSTUDY_RELEASE_RECORD")
    one = [[mock_database(reference_centres["C1"], centre="C1")]]
    assert "this node keeps no release record" in run_partial(one, 0)["error"]
    unmounted = [[mock_database(reference_centres["C1"], centre="C1",
                                release_record=tmp_path / "not-mounted" / "release-record.json")]]
    assert "its folder does not exist" in run_partial(unmounted, 0)["error"]
    assert not (tmp_path / "not-mounted").exists()
    # a task cannot name the record
    assert "'release_record' is the node's own setting" in run_partial(one, 0, release_record="x")["error"]


def test_k_has_a_floor_no_database_label_and_no_coordinator_lowers(reference_centres, monkeypatch):
    """The floor is the algorithm environment's (the image's): a second database label with a lower K is no way
    around it, and a coordinator's min_cell=0 does not lower a node's K."""
    monkeypatch.setenv("DTTSTUDY_MIN_CELL_FLOOR", "5")
    low = [[mock_database(reference_centres["C1"], label="dtt_test", centre="C1", min_cell=0)]]
    reply = run_partial(low, 0)
    assert "below this node's floor K = 5" in reply["error"] and "summary" not in reply
    assert "below this node's floor K = 5" in refused(run_central(low, min_cell=0))
    unset = [[mock_database(reference_centres["C1"], centre="C1")]]
    assert run_partial(unset, 0)["summary"]["disclosure"]["min_cell"] == 5
    monkeypatch.setenv("DTTSTUDY_MIN_CELL_FLOOR", "7")  # a floor above dttstudy's default is the default K
    assert run_partial(unset, 0)["summary"]["disclosure"]["min_cell"] == 7
    monkeypatch.setenv("DTTSTUDY_MIN_CELL_FLOOR", "five")
    assert "DTTSTUDY_MIN_CELL_FLOOR must be a whole number" in run_partial(unset, 0)["error"]


def test_hostile_task_arguments_are_refused_by_name(reference_centres):
    """As vantage6's wrapper calls a function: method(*args, **kwargs) with the task's JSON. A client or data
    frames cannot come from JSON, so the engine's reserved names are refused; so are positional arguments and
    arguments of the wrong type, each by name, as a result (never an exception)."""
    from dttstudy_vantage6 import central, partial

    for kwargs in ({"mock_client": {"organization_id": 3}}, {"mock_data": [{"label": "x", "uri": "/etc"}]}):
        (name,) = kwargs
        reply = partial(**kwargs)
        assert reply["error"] == f"'{name}' is a name the engine reserves; a task cannot set it", reply
        assert "summary" not in reply
    assert "positional arguments are not accepted" in partial(1, 2)["error"]
    assert "'mock_client' is a name the engine reserves" in refused(central(mock_client="x"))
    client = MockAlgorithmClient(datasets=[[mock_database(reference_centres["C1"], centre="C1")]], module=MODULE)
    for kwargs, words in (({"organizations": "0"}, "organizations must be a list"),
                          ({"organizations": [True]}, "organizations must be a list"),
                          ({"organizations": [0, 0]}, "organizations must be a list"),
                          ({"min_cell": "5"}, "min_cell (the coordinator's minimum cell count) must be"),
                          ({"min_cell": 10 ** 6}, "from 0 to 1000"),
                          ({"time_limit": 0}, "time_limit must be a number of seconds from 1 to 86400"),
                          ({"time_limit": "1h"}, "time_limit must be"),
                          ({"mock_data": []}, "unknown parameter(s) mock_data")):
        assert words in refused(central(mock_client=client, **kwargs)), kwargs
    assert "event_times must be true or false" in run_partial(
        [[mock_database(reference_centres["C1"], event_times=True)]], 0, event_times="false")["error"]


class SilentNodeClient(MockAlgorithmClient):
    """A network where the nodes of ``silent`` never finish: their runs stay active and give no result."""

    silent: tuple = ()

    class Run(MockAlgorithmClient.Run):
        def from_task(self, task_id):
            return [dict(r, status="active") if r["organization"]["id"] in self.parent.silent else r
                    for r in super().from_task(task_id)]

    class Result(MockAlgorithmClient.Result):
        def from_task(self, task_id):
            return [r for r in super().from_task(task_id) if r.get("organization_id") not in self.parent.silent]


def test_a_silent_node_ends_the_task_with_its_name(reference_centres):
    import time

    datasets = [[mock_database(reference_centres[c], centre=c)] for c in ("C1", "C2", "C3")]
    client = SilentNodeClient(datasets=datasets, module=MODULE)
    client.silent = (2,)
    start = time.monotonic()
    task = client.task.create(input_={"method": "central", "kwargs": {"time_limit": 1}}, organizations=[0])
    (result,) = client.result.from_task(task["id"])
    assert 1 <= time.monotonic() - start < 60
    msg = refused(result)
    assert "organization 2: no reply within the time limit of 1 s" in msg
    assert [r["organization_id"] for r in result["reasons"]] == [2]


def test_a_refusal_reaches_the_researcher_through_the_engines_wrapper(tmp_path):
    """vantage6's wrap_algorithm writes what the function returns as the task's result — what the researcher
    receives whatever the node shares of its logs (share_algorithm_logs: false). A refusal is that result, and the
    run ends normally; an exception would only reach the node's log."""
    import jwt

    token = jwt.encode({"sub": {"organization_id": 7, "node_id": 3, "collaboration_id": 1, "task_id": 11,
                                "image": "dttstudy-vantage6", "databases": []}},
                       "a key for a test token, at least 32 bytes long", algorithm="HS256")
    (tmp_path / "token").write_text(token)
    (tmp_path / "input.json").write_text(json.dumps({"method": "central", "kwargs": {"horizn": 12}}))
    env = {"PKG_NAME": "dttstudy_vantage6", "INPUT_FILE": str(tmp_path / "input.json"),
           "OUTPUT_FILE": str(tmp_path / "output.json"), "TOKEN_FILE": str(tmp_path / "token"),
           "HOST": "http://proxy", "PORT": "80", "API_PATH": "", "TEMPORARY_FOLDER": str(tmp_path),
           "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", "from vantage6.algorithm.tools.wrap import wrap_algorithm; "
                           "wrap_algorithm(log_traceback=False)"], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "output.json").read_text())
    assert "unknown parameter(s) horizn" in refused(result)


def test_no_file_name_or_path_leaves_the_node(reference_centres, tmp_path):
    """A workbook named after a patient, in a folder named after one: neither the name nor the path appears in
    the reply, whatever the problem."""
    import shutil

    folder = tmp_path / "Jane Doe 1965"
    folder.mkdir()
    book = folder / "Jane_Doe_MRN4471.xlsx"
    book.write_bytes(b"not a workbook")
    reply = run_partial([[mock_database(book, centre="C1")]], 0)
    text = json.dumps(reply)
    assert "error" in reply and "Jane" not in text and "MRN4471" not in text and str(tmp_path) not in text
    # a folder database with a file missing
    bad = shutil.copytree(reference_centres["C1"], tmp_path / "Jane_Doe_cohort")
    (bad / "visits.csv").unlink()
    reply = run_partial([[mock_database(bad, centre="C1")]], 0)
    text = json.dumps(reply)
    assert "error" in reply and "Jane" not in text and str(tmp_path) not in text
