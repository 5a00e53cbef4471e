"""Names that moved up a layer and are still found at their old address, so that existing calls keep working.

A drawing function that once lived in :mod:`dttstudy.synthesis` now lives in :mod:`dttstudy.reporting`; the notebooks
(and anyone's own code) may still write ``from dttstudy.synthesis.multicentre import forest_by_centre``. The old
module declares such names with :func:`forward`; the name is looked up in its new module only when it is asked
for, so importing the old module never loads the layer above it (a test checks both: no import statement points
up a layer, and importing a synthesis module loads neither :mod:`dttstudy.reporting` nor matplotlib).
"""
from __future__ import annotations

import importlib


def forward(module: str, moved: dict[str, str]):
    """A module ``__getattr__`` (PEP 562) that finds each name of ``moved`` in the module given for it."""
    def __getattr__(name: str):
        if name in moved:
            return getattr(importlib.import_module(moved[name]), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
