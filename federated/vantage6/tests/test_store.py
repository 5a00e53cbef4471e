"""algorithm_store.json, what an administrator and the store read, against the code."""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import dttstudy_vantage6
from dttstudy.parameters import for_command
from dttstudy_vantage6 import PARAMETERS
from dttstudy_vantage6.central import TIME_LIMIT
from dttstudy_vantage6.store import store_json

STORE = Path(__file__).resolve().parents[1] / "algorithm_store.json"
#: The argument types of vantage6's algorithm store (4.x).
TYPES = {"string", "string_list", "integer", "integer_list", "float", "float_list", "column", "column_list",
         "organization", "organization_list", "json", "boolean"}


def test_the_committed_file_is_the_codes():
    assert STORE.read_text(encoding="utf-8") == store_json(), (
        "regenerate: .venv-vantage6/bin/python -m dttstudy_vantage6.store > federated/vantage6/algorithm_store.json")


def test_functions_and_arguments_match_the_code():
    meta = json.loads(STORE.read_text(encoding="utf-8"))
    assert meta["partitioning"] == "horizontal" and meta["vantage6_version"] == "4.15"
    functions = {f["name"]: f for f in meta["functions"]}
    assert set(functions) == {"central", "partial"}
    assert {n: f["type"] for n, f in functions.items()} == {"central": "central", "partial": "federated"}
    for name, f in functions.items():
        func = getattr(dttstudy_vantage6, name)
        assert callable(func) and getattr(func, "wrapped_in_algorithm_client_decorator", False)
        for a in f["arguments"]:
            assert a["type"] in TYPES and a["description"] and a["has_default_value"] is True, a
    central_names = [a["name"] for a in functions["central"]["arguments"]]
    assert central_names == ["organizations", "min_cell", "time_limit", *PARAMETERS]
    assert [a["name"] for a in functions["partial"]["arguments"]] == list(PARAMETERS)
    # the central function's own arguments are its keyword parameters, with the code's defaults
    inner = inspect.signature(dttstudy_vantage6.central.__wrapped__.__wrapped__)
    assert [n for n, p in inner.parameters.items() if p.kind is p.KEYWORD_ONLY] == central_names[:3]
    args = {a["name"]: a for a in functions["central"]["arguments"]}
    assert args["time_limit"]["default_value"] == str(TIME_LIMIT["default"])
    assert args["min_cell"]["default_value"] == "5"
    # analysis parameters: dttstudy's declared defaults, bounds in the words
    for p in for_command("export-summary"):
        a = args[p.name]
        default = list(p.default) if isinstance(p.default, tuple) else p.default
        assert a.get("default_value") == (None if default is None else json.dumps(default) if isinstance(
            default, list) else str(default)), p.name
        if p.maximum is not None:
            assert f"at most {p.maximum:g}" in a["description"], p.name
    assert args["event_times"]["type"] == "boolean" and args["ae_vocabulary"]["type"] == "string_list"
    assert args["timepoints"]["type"] == "float_list" and args["horizon"]["type"] == "integer"


def test_the_dockerfile_names_the_registry_and_floor_of_this_vantage6():
    from vantage6.common.globals import DEFAULT_DOCKER_REGISTRY

    text = (STORE.parent / "Dockerfile").read_text(encoding="utf-8")
    assert f"{DEFAULT_DOCKER_REGISTRY}/infrastructure/algorithm-base" in text
    assert "DTTSTUDY_MIN_CELL_FLOOR=5" in text and "PKG_NAME=dttstudy_vantage6" in text
