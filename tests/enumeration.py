"""Exact tests by brute force, as independent references for the package's statistics."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction


def fisher_by_enumeration(table) -> float:
    """Fisher–Freeman–Halton p-value: every table of non-negative counts with the same margins, its probability
    from factorials as an exact fraction, summed over the tables no more probable than the observed one."""
    t = [list(r) for r in table]
    rows, cols = [sum(r) for r in t], [sum(c) for c in zip(*t)]
    n = sum(rows)

    def prob(tab):
        num = math.prod(math.factorial(v) for v in rows + cols)
        den = math.factorial(n) * math.prod(math.factorial(v) for r in tab for v in r)
        return Fraction(num, den)

    p_obs = prob(t)
    total = Fraction(0)
    cells = [range(min(r, c) + 1) for r in rows for c in cols]
    for flat in itertools.product(*cells):
        tab = [flat[i * len(cols):(i + 1) * len(cols)] for i in range(len(rows))]
        if [sum(r) for r in tab] == rows and [sum(c) for c in zip(*tab)] == cols and prob(tab) <= p_obs:
            total += prob(tab)
    return float(total)
