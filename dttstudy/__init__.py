"""dttstudy — reproducible analysis of dual-targeted therapy (DTT) in refractory IBD.

Heavy libraries are imported on first use, so ``import dttstudy`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Cohort": "cohort", "load_cohort": "cohort", "validate": "cohort",
    "CohortValidationError": "validation", "ValidationReport": "validation",
    "data_dictionary": "schema",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'dttstudy' has no attribute {name!r}")


def __dir__():
    return __all__
