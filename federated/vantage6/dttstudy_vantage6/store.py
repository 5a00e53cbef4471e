"""The algorithm's description for a vantage6 algorithm store (``algorithm_store.json`` beside the Dockerfile),
derived from the code: the functions, their arguments with the types of the store's vocabulary, and the
defaults and bounds dttstudy declares. ``python -m dttstudy_vantage6.store`` prints it; a test holds the
committed file equal to it.
"""
from __future__ import annotations

import json

from dttstudy.cli import MAX_MIN_CELL
from dttstudy.parameters import for_command

from .central import TIME_LIMIT
from .node import PARAMETERS

#: The store's argument type of each kind of dttstudy parameter.
_KIND_TYPE = {"choice": "string", "number": "float", "whole": "integer", "months": "float_list",
              "window": "float"}
#: The two summary settings that are not declared analysis parameters.
_SETTINGS = {
    "event_times": ("boolean", False, "life tables at every distinct time (only nodes whose setting "
                                      "'event_times' is 'true' give them)"),
    "ae_vocabulary": ("string_list", None, "the network's adverse-event terms (default dttstudy's shared "
                                           "vocabulary; any other term is counted as 'other')"),
}
DATABASE = {"name": "DTT cohort", "description": "the cohort: one folder of the four CSV files (or one .xlsx "
            "workbook) of 'dttstudy template', or four CSV databases labelled patients, treatments, visits, "
            "adverse_events"}


def _default(value):
    return list(value) if isinstance(value, tuple) else value


def _argument(name: str, type_: str, default, description: str) -> dict:
    out = {"name": name, "display_name": name.replace("_", " ").capitalize(), "description": description,
           "type": type_, "has_default_value": True}
    if default is not None:
        out["default_value"] = json.dumps(default) if isinstance(default, (list, dict)) else str(default)
    return out


def analysis_arguments() -> list[dict]:
    """The analysis parameters every centre uses, as store arguments (:data:`dttstudy_vantage6.PARAMETERS`)."""
    declared = {p.name: p for p in for_command("export-summary")}
    out = []
    for name in PARAMETERS:
        if name in declared:
            p = declared[name]
            bounds = "" if p.maximum is None else f"; at most {p.maximum:g}"
            choices = f" ({', '.join(p.choices)})" if p.choices else ""
            out.append(_argument(name, _KIND_TYPE[p.kind], _default(p.default), f"{p.help}{choices}{bounds}"))
        else:
            type_, default, text = _SETTINGS[name]
            out.append(_argument(name, type_, default, text))
    return out


def store_metadata(image: str = "registry.example.org/dttstudy/dttstudy-vantage6:0.1.0") -> dict:
    """The store's record of the algorithm (``image``: where the consortium pushed it, pinned by digest in the
    nodes' policies)."""
    central_args = [
        {"name": "organizations", "display_name": "Organizations", "type": "organization_list",
         "description": "the centres, in the order of the pooled tables (default: every organisation)",
         "has_default_value": True},
        _argument("min_cell", "integer", 5, f"the coordinator's minimum cell count K: a centre with a lower K is "
                                            f"refused (0 to {MAX_MIN_CELL}; a node's own K has a floor the task "
                                            "cannot lower)"),
        _argument("time_limit", "float", TIME_LIMIT["default"],
                  f"seconds the nodes are waited for; a node that has not finished is named "
                  f"({TIME_LIMIT['min']} to {TIME_LIMIT['max']})"),
    ]
    return {
        "name": "dttstudy multicentre summary",
        "description": "Dual-targeted therapy in refractory IBD: each centre's aggregate summary under its own "
                       "disclosure control (dttstudy export-summary), pooled as dttstudy pool",
        "image": image,
        "vantage6_version": "4.15",
        "code_url": "https://example.org/dttstudy",
        "documentation_url": "https://example.org/dttstudy#running-on-vantage6",
        "partitioning": "horizontal",
        "functions": [
            {"name": "central", "display_name": "Pool the centres", "type": "central",
             "description": "asks every centre's node for its summary, checks each reply and pools them; a study "
                            "that cannot be pooled is returned as its reasons",
             "databases": [DATABASE], "arguments": central_args + analysis_arguments(), "ui_visualizations": []},
            {"name": "partial", "display_name": "A centre's summary", "type": "federated",
             "description": "the node's centre summary, released under the node's K and release record",
             "databases": [DATABASE], "arguments": analysis_arguments(), "ui_visualizations": []},
        ],
    }


def store_json() -> str:
    return json.dumps(store_metadata(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(store_json(), end="")
