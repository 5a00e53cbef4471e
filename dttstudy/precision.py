"""How many digits a number carries in a machine-readable output: one rule, used by every writer.

Every floating-point number that dttstudy writes to a machine-readable file — the tidy CSV tables, the JSON of
each table and of a centre summary, the numeric cells of the Excel workbooks — is written rounded to
:data:`SIGNIFICANT_DIGITS` significant digits (Python's correctly rounded decimal formatting, ``%.8g``).

Why eight: the numbers are determined well beyond that. Closed-form results (proportions, exact binomial and
Poisson intervals, rank tests) are exact to about 15 digits. Iterative estimates — the binomial–normal GLMM, the
tau^2 estimators, Q-profile intervals — are converged to a relative tolerance of 1e-10 or tighter and computed in
fixed-order scalar arithmetic (``math.fsum``, the ``math`` module) rather than numpy's SIMD kernels or BLAS, whose
last bits depend on the processor. Eight digits leaves at least two digits of margin, so the written bytes are the
same on every CPU; the report itself shows one decimal of a percentage.

What a reader sees (display tables, report pages, Word) is formatted separately, per statistic, by
:func:`dttstudy.reporting.labels.fmt`.
"""
from __future__ import annotations

import math
import numbers

import pandas as pd

#: Significant digits of every float in a machine-readable output.
SIGNIFICANT_DIGITS = 8

#: printf-style format of the rule (pandas ``float_format``).
FLOAT_FORMAT = f"%.{SIGNIFICANT_DIGITS}g"


def written(value):
    """``value`` as it is written: a finite float rounded to :data:`SIGNIFICANT_DIGITS` significant digits;
    integers, booleans, text, missing and infinite values unchanged."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, numbers.Integral):
        return value
    v = float(value)
    if not math.isfinite(v):
        return v
    return float(FLOAT_FORMAT % v)


def written_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every float (in float columns and in mixed object columns) as :func:`written`."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            out[c] = s.map(written).astype(s.dtype)
        elif s.dtype == object:
            out[c] = s.map(written)
    return out


def written_json(obj):
    """``obj`` (dicts, lists, tuples, scalars) with every float as :func:`written`, for ``json.dumps``."""
    if isinstance(obj, dict):
        return {k: written_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [written_json(v) for v in obj]
    return written(obj)


#: Two times (in months) closer than this are the same time. Months are recorded to a tenth or a hundredth, but
#: a rule that adds or subtracts (a visit window, stop month + grace period) meets results such as
#: 1.1 − 1 = 0.10000000000000009; every such comparison allows this much, so a visit on the edge of its
#: window, or an AE in the stop month, is counted as the rule says.
MONTH_TOLERANCE = 1e-9
