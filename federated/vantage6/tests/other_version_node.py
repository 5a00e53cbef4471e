"""A stand-in algorithm module for MockAlgorithmClient: dttstudy_vantage6's functions, except that organisation
1's node reports another dttstudy version, as a node running another image would."""
from functools import wraps

from dttstudy_vantage6 import central  # noqa: F401 - called by name by the mock client
from dttstudy_vantage6 import partial as _partial

OTHER_VERSION = "0.0.9"


@wraps(_partial)  # keeps vantage6's decorator marks, so the mock client passes the node's data and client
def partial(*args, **kwargs):
    reply = _partial(*args, **kwargs)
    if reply.get("organization_id") == 1 and "summary" in reply:
        reply["summary"]["package_version"] = OTHER_VERSION
    return reply
