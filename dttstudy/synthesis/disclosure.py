"""Disclosure control for aggregate results that leave a centre: small-cell and complementary suppression.

What is protected
-----------------
Every *count of patients or events* in a shared file is a cell. A cell with ``0 < value < K`` (K =
``min_cell``, default 5) is **primarily suppressed**. As in DataSHIELD's ``nfilter.tab`` (its default is 3;
5 is the common rule of data releasers), zero cells are published: a zero identifies nobody. Cells that are
not counts (patient-years, sums and sums of squares of lab values) carry a *guard*, the patient count they
describe; they are suppressed whenever their guard is below K, so that no sum over fewer than K patients
leaves the centre.

Some counts are never written but follow from written ones — the non-responders ``N − n`` of a response
rate, the patients without an event of an incidence. They are *implied cells* and are protected like the
written ones: if ``N − n`` is below K, ``n`` or ``N`` is withheld.

Complementary suppression
-------------------------
The file also publishes margins (the overall group is the sum of the disease groups and of the regimen
groups; each life table sums to the patients; …). These are declared as linear equations between cells.
A withheld cell is *recoverable* when the published cells and the equations determine its value — by a
subtraction from one margin or by any chain of them. The algorithm:

1. Primary suppression: withhold every sensitive cell (a count with ``0 < value < K``, a guarded cell whose
   guard is below K).
2. For each sensitive withheld or implied cell, in file order, test whether it is recoverable — first by
   chains of subtractions (an equation with a single unpublished cell gives it away, which may leave another
   equation with a single one, …), and once no such chain is left, exactly: with the unpublished cells as
   unknowns ``u`` the equations read ``A_u u = b``; the cell is determined when every vector of the null
   space of ``A_u`` is zero in its position.
3. If it is recoverable, also withhold the smallest published non-zero cell (zeros only when there is
   no other; ties: file order) of the equations that give it away (for a chain: every equation of the chain;
   for the exact test: the equations of the combination that reveals it, found
   from the pseudo-inverse). In one round each recoverable cell gets one such complement, except a cell
   whose revealing equations already received one in the same round: it waits for the next round, which
   may find it protected.
4. Repeat 2–3 until no sensitive cell is recoverable (a fixed point: every round withholds at least one
   more cell, so it ends).

All withheld cells are written with one marker, :data:`SUPPRESSED`: marking only the small ones "<K" would
tell a reader that the others are ≥ K, and that bound alone can pin a small cell (a "<5" cell and a
withheld cell adding up to a published 6 would make the small one 1). The file states K, and lists every
withheld cell by name.

What is not covered: differencing between overlapping populations that the file does not declare as
margins (e.g. the observed-case and non-responder-imputation sets of the same month, or two months), and
repeated releases of the same cohort at different times. Both are governance questions for the network.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Marker written in place of every withheld value.
SUPPRESSED = "suppressed"
#: Default minimum cell count.
DEFAULT_MIN_CELL = 5


@dataclass
class Cell:
    """One quantity of the shared file.

    ``written`` False marks an implied cell (derivable, never written). ``guard`` names the count that decides
    whether a non-count cell is sensitive; a count is its own guard (``guard=None``).
    """

    id: str
    value: float
    written: bool = True
    count: bool = True
    guard: str | None = None


@dataclass
class CellSet:
    """Cells and the linear equations (``sum(coef * value) == 0``) a reader can use to combine them."""

    cells: dict[str, Cell] = field(default_factory=dict)
    equations: list[dict[str, float]] = field(default_factory=list)

    def add(self, id: str, value, *, written: bool = True, count: bool = True, guard: str | None = None) -> str:
        if id in self.cells:
            raise ValueError(f"duplicate cell {id!r}")
        self.cells[id] = Cell(id, float(value), written, count, guard)
        return id

    def equation(self, terms: dict[str, float]) -> None:
        """Declare ``sum(coef * cell) == 0`` (e.g. ``{total: 1, part_a: -1, part_b: -1}``)."""
        missing = [k for k in terms if k not in self.cells]
        if missing:
            raise KeyError(f"equation names unknown cells: {missing}")
        self.equations.append({k: float(v) for k, v in terms.items() if v != 0})

    def total(self, total: str, parts: list[str]) -> None:
        self.equation({total: 1.0, **{p: -1.0 for p in parts}})


def _sensitive(cell: Cell, cells: dict[str, Cell], k: int) -> bool:
    if cell.count and cell.guard is None:
        return 0 < cell.value < k
    g = cells[cell.guard] if cell.guard is not None else None
    return g is not None and 0 < g.value < k


def _blocks(cs: CellSet) -> list[list[str]]:
    """Connected components of cells linked by equations (cells in no equation form their own block)."""
    parent = {c: c for c in cs.cells}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for eq in cs.equations:
        ids = list(eq)
        for other in ids[1:]:
            a, b = find(ids[0]), find(other)
            if a != b:
                parent[b] = a
    comp: dict[str, list[str]] = {}
    for c in cs.cells:  # insertion order = file order
        comp.setdefault(find(c), []).append(c)
    return list(comp.values())


def _leaks(cs: CellSet, unpublished: set[str], block: list[str] | None = None) -> dict[str, list[int]]:
    """Unpublished cells whose value the published cells and the equations determine exactly, each with the
    equations of one combination that gives it away.

    With the unpublished cells as unknowns the equations read ``A u = b``; ``u_s`` is determined exactly when
    the unit vector ``e_s`` lies in the row space of ``A`` (every null-space vector is zero at ``s``); then
    ``y = pinv(A)[s]`` solves ``yᵀA = e_s`` and the equations with ``y ≠ 0`` are a combination revealing it.
    """
    ids = block if block is not None else list(cs.cells)
    unknown = [c for c in ids if c in unpublished]
    if not unknown:
        return {}
    pos = {c: j for j, c in enumerate(unknown)}
    eq_idx = [i for i, eq in enumerate(cs.equations) if any(c in pos for c in eq)]
    if not eq_idx:
        return {}
    a = np.zeros((len(eq_idx), len(unknown)))
    for r, i in enumerate(eq_idx):
        for c, coef in cs.equations[i].items():
            if c in pos:
                a[r, pos[c]] = coef
    u, sv, vt = np.linalg.svd(a, full_matrices=True)
    tol = max(a.shape) * np.finfo(float).eps * sv[0] * 10 if len(sv) else 0.0
    rank = int((sv > tol).sum())
    free = np.abs(vt[rank:]).max(axis=0) > 1e-9 if rank < len(unknown) else np.zeros(len(unknown), bool)
    # pinv(A) = V_r S_r^-1 U_rᵀ; row s gives the combination of equations
    pinv = (vt[:rank].T / sv[:rank]) @ u[:, :rank].T
    out = {}
    for c in unknown:
        j = pos[c]
        if not free[j]:
            y = pinv[j]
            out[c] = [eq_idx[r] for r in np.flatnonzero(np.abs(y) > 1e-9)]
    return out


def recoverable(cs: CellSet, unpublished: set[str], block: list[str] | None = None) -> set[str]:
    """The unpublished cells whose value the published cells and the equations determine exactly."""
    return set(_leaks(cs, unpublished, block))


def suppress(cs: CellSet, min_cell: int = DEFAULT_MIN_CELL) -> set[str]:
    """The written cells to withhold (primary and complementary), per the module docstring."""
    k = int(min_cell)
    if k < 0:
        raise ValueError("min_cell must be >= 0")
    cells = cs.cells
    withheld = {c.id for c in cells.values() if c.written and _sensitive(c, cells, k)}
    if k <= 1:
        return withheld
    implied = {c.id for c in cells.values() if not c.written}
    order = {c: i for i, c in enumerate(cells)}
    member: dict[str, list[int]] = {}
    for i, eq in enumerate(cs.equations):
        for c in eq:
            member.setdefault(c, []).append(i)
    for block in _blocks(cs):
        sensitive = [c for c in block if _sensitive(cells[c], cells, k)]
        if not sensitive:
            continue
        eqs = sorted({i for c in block for i in member.get(c, [])})
        while True:
            hidden = withheld | implied
            # fast pass: recovery by a chain of subtractions from single margins
            revealed = _subtractions(cs, hidden, block, eqs, member)
            exposed = [c for c in sensitive if c in revealed]
            leaks = {}
            if not exposed:
                # exact pass: any linear combination of the margins
                leaks = _leaks(cs, hidden, block)
                exposed = [c for c in sensitive if c in leaks]
            if not exposed:
                break
            # one complementary cell per exposed cell and round; a cell whose revealing equations already got a
            # complement in this round waits for the next round (that complement may protect it)
            touched: set[int] = set()
            for target in exposed:
                via = {revealed[target]} if target in revealed else set(leaks[target])
                if via & touched:
                    continue
                if target in revealed:
                    cands = _chain_candidates(cs, target, hidden, revealed)
                else:
                    cands = [d for i in sorted(via) for d in cs.equations[i] if d not in hidden and cs.cells[d].written]
                if not cands:  # cannot happen while the block has published cells; guard against a loop
                    raise RuntimeError(f"no complementary cell can protect {target!r}")
                # a published zero is a poor complement (its own margins give it back): non-zero cells first
                pick = min(cands, key=lambda c: (cells[c].value == 0, cells[c].value, order[c]))
                withheld.add(pick)
                touched |= set(member.get(pick, []))
    return withheld


def _subtractions(cs: CellSet, hidden: set[str], block: list[str], eqs: list[int],
                  member: dict[str, list[int]]) -> dict[str, int]:
    """Unpublished cells a reader gets by repeated subtraction (an equation with one unknown left gives it
    away); maps each to the equation that reveals it."""
    unknown = {c for c in block if c in hidden}
    left = {i: sum(1 for c in cs.equations[i] if c in unknown) for i in eqs}
    queue = [i for i in eqs if left[i] == 1]
    revealed: dict[str, int] = {}
    while queue:
        i = queue.pop()
        rest = [c for c in cs.equations[i] if c in unknown]
        if len(rest) != 1:
            continue
        c = rest[0]
        unknown.discard(c)
        revealed[c] = i
        for j in member.get(c, []):
            left[j] -= 1
            if left[j] == 1:
                queue.append(j)
    return revealed


def _chain_candidates(cs: CellSet, target: str, hidden: set[str], revealed: dict[str, int]) -> list[str]:
    """Published cells of the equations in the subtraction chain that reveals ``target``."""
    seen, frontier, out = {target}, [target], []
    while frontier:
        nxt = []
        for c in frontier:
            for d in cs.equations[revealed[c]]:
                if d in seen:
                    continue
                seen.add(d)
                if d not in hidden and cs.cells[d].written:
                    out.append(d)
                elif d in revealed:
                    nxt.append(d)
        frontier = nxt
    return out
