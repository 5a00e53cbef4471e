"""Disclosure control, cell by cell: the rules of ``dttstudy.synthesis.disclosure`` on tables small enough to
work by hand, and on random tables against an independent exact solver (Gauss–Jordan over the rationals)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from dttstudy.synthesis.disclosure import CellSet, _chain_candidates, _subtractions, recoverable, suppress


def determined(cs: CellSet, unpublished: set[str]) -> set[str]:
    """The unpublished cells that the published ones and the equations fix, by exact elimination: a cell is
    fixed when its pivot row of the reduced row echelon form has no other unknown."""
    unknown = [c for c in cs.cells if c in unpublished]
    rows = [[Fraction(eq.get(c, 0.0)) for c in unknown] for eq in cs.equations]
    pivots: dict[int, int] = {}
    r = 0
    for j in range(len(unknown)):
        k = next((i for i in range(r, len(rows)) if rows[i][j] != 0), None)
        if k is None:
            continue
        rows[r], rows[k] = rows[k], rows[r]
        rows[r] = [x / rows[r][j] for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][j] != 0:
                f = rows[i][j]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r])]
        pivots[j] = r
        r += 1
    return {unknown[j] for j, i in pivots.items() if sum(x != 0 for x in rows[i]) == 1}


def _cells(cs: CellSet, **values) -> None:
    for name, value in values.items():
        cs.add(name, value)


# ---- the cell set --------------------------------------------------------------------------------------------
def test_a_cell_keeps_its_value_as_a_float_and_its_flags():
    cs = CellSet()
    assert cs.add("n", 3) == "n"
    assert cs.add("py", "2.5", count=False, guard="n") == "py"
    assert cs.add("non", 7, written=False) == "non"
    n, py, non = cs.cells["n"], cs.cells["py"], cs.cells["non"]
    assert (n.value, n.written, n.count, n.guard) == (3.0, True, True, None)
    assert type(n.value) is float
    assert (py.value, py.written, py.count, py.guard) == (2.5, True, False, "n")
    assert (non.value, non.written, non.count, non.guard) == (7.0, False, True, None)


def test_a_cell_id_is_used_once():
    cs = CellSet()
    cs.add("a", 1)
    with pytest.raises(ValueError, match=r"^duplicate cell 'a'$"):
        cs.add("a", 2)
    assert cs.cells["a"].value == 1.0


def test_an_equation_names_known_cells_and_drops_zero_coefficients():
    cs = CellSet()
    _cells(cs, t=5, a=2, b=3)
    cs.equation({"t": 1, "a": -1, "b": 0})
    assert cs.equations == [{"t": 1.0, "a": -1.0}]
    assert all(type(v) is float for v in cs.equations[0].values())
    with pytest.raises(KeyError, match=r"equation names unknown cells: \['x', 'y'\]"):
        cs.equation({"t": 1, "x": -1, "a": -1, "y": -1})
    assert len(cs.equations) == 1


def test_a_total_is_the_equation_total_minus_its_parts():
    cs = CellSet()
    _cells(cs, t=5, a=2, b=3)
    cs.total("t", ["a", "b"])
    assert cs.equations == [{"t": 1.0, "a": -1.0, "b": -1.0}]


# ---- primary suppression -------------------------------------------------------------------------------------
def test_primary_suppression_withholds_counts_strictly_between_zero_and_k():
    cs = CellSet()
    _cells(cs, zero=0, one=1, four=4, five=5, six=6)
    assert suppress(cs, 5) == {"one", "four"}
    assert suppress(cs, 2) == {"one"}
    assert suppress(cs, 1) == set()
    assert suppress(cs, 0) == set()
    assert suppress(cs, 5.0) == {"one", "four"}


def test_a_negative_minimum_cell_is_refused():
    cs = CellSet()
    _cells(cs, a=1)
    with pytest.raises(ValueError, match=r"^min_cell must be >= 0$"):
        suppress(cs, -1)


def test_a_guarded_cell_follows_its_guard_and_an_unguarded_non_count_is_never_small():
    """Patient-years or a sum of lab values is withheld when the patients it describes are fewer than K,
    whatever its own value; a non-count without a guard is not a count of anybody."""
    cs = CellSet()
    _cells(cs, few=3, many=12)
    cs.add("sum_few", 250.0, count=False, guard="few")
    cs.add("sum_many", 2.0, count=False, guard="many")
    cs.add("ratio", 2.0, count=False)
    cs.add("count_few", 40, guard="few")  # a count that describes the same 3 patients
    assert suppress(cs, 5) == {"few", "sum_few", "count_few"}
    assert suppress(cs, 3) == set()
    # a sum over one patient is withheld; a sum over nobody (the guard is a published zero) is not
    cs = CellSet()
    _cells(cs, one=1, none=0)
    cs.add("sum_one", 7.5, count=False, guard="one")
    cs.add("sum_none", 0.0, count=False, guard="none")
    assert suppress(cs, 5) == {"one", "sum_one"}


def test_an_implied_cell_is_protected_by_withholding_a_written_one():
    """10 patients, 8 responders: the 2 non-responders are never written, but 10 − 8 gives them away; the
    smaller of the two written cells (8) is withheld. With K = 2 nobody is at risk."""
    cs = CellSet()
    _cells(cs, N=10, n=8)
    cs.add("non", 2, written=False)
    cs.total("N", ["n", "non"])
    assert suppress(cs, 5) == {"n"}
    assert suppress(cs, 3) == {"n"}
    assert suppress(cs, 2) == set()


# ---- complementary suppression, worked by hand -------------------------------------------------------------
def test_two_by_two_with_margins_hand_worked():
    """A 2 × 2 table with row, column and grand totals: the small cell a = 3 forces its row partner, its
    column partner and the opposite cell (the only pattern that hides a); the margins stay published."""
    cs = CellSet()
    a, b, c, d = (cs.add(k, v) for k, v in (("a", 3), ("b", 10), ("c", 7), ("d", 8)))
    r1, r2, c1, c2, t = (cs.add(k, v) for k, v in (("r1", 13), ("r2", 15), ("c1", 10), ("c2", 18), ("t", 28)))
    for tot, parts in ((r1, [a, b]), (r2, [c, d]), (c1, [a, c]), (c2, [b, d]), (t, [r1, r2]), (t, [c1, c2])):
        cs.total(tot, parts)
    assert suppress(cs, 5) == {"a", "b", "c", "d"}
    assert determined(cs, {"a", "b", "c", "d"}) == set()
    assert suppress(cs, 3) == set()  # 3 is not below 3
    assert suppress(cs, 0) == set()


def _chain() -> CellSet:
    # T1 = s + q + p (25 = 3 + 2 + 20); T2 = q + r (12 = 2 + 10)
    cs = CellSet()
    _cells(cs, T1=25, s=3, q=2, p=20, T2=12, r=10)
    cs.total("T1", ["s", "q", "p"])
    cs.total("T2", ["q", "r"])
    return cs


def test_a_chain_of_subtractions_is_cut_at_its_smallest_published_cell():
    """s = 3 and q = 2 are withheld. T2 − r gives q, and then T1 − q − p gives s: the chain that reveals s
    runs through both equations, whose published cells are 25, 20, 12 and 10, so r = 10 is withheld. That
    complement also sits in the equation that reveals q, so q waits for the next round — where neither s nor
    q can be recovered any more (s = −q + 5, r = −q + 12, q free)."""
    cs = _chain()
    assert suppress(cs, 5) == {"s", "q", "r"}
    assert determined(cs, {"s", "q", "r"}) == set()
    # without the complement, both small cells come back
    assert determined(cs, {"s", "q"}) == {"s", "q"}


def _members(cs: CellSet) -> dict[str, list[int]]:
    member: dict[str, list[int]] = {}
    for i, eq in enumerate(cs.equations):
        for c in eq:
            member.setdefault(c, []).append(i)
    return member


def test_subtractions_follow_the_chain_and_name_the_equation_that_gives_each_cell_away():
    cs = _chain()
    member, eqs = _members(cs), [0, 1]
    # T2 − r gives q (equation 1); then T1 − q − p gives s (equation 0)
    assert _subtractions(cs, {"s", "q"}, list(cs.cells), eqs, member) == {"q": 1, "s": 0}
    # with r withheld too, each equation keeps two unknowns
    assert _subtractions(cs, {"s", "q", "r"}, list(cs.cells), eqs, member) == {}
    # a hidden cell outside the block is not an unknown of it
    assert _subtractions(cs, {"s", "q"}, ["T1", "s", "p"], [0], member) == {"s": 0}
    # the chain's published cells, in the order a reader meets them
    assert _chain_candidates(cs, "s", {"s", "q"}, {"q": 1, "s": 0}) == ["T1", "p", "T2", "r"]
    assert _chain_candidates(cs, "q", {"s", "q"}, {"q": 1, "s": 0}) == ["T2", "r"]


def test_an_equation_already_solved_does_not_end_the_subtractions():
    """x sits in two margins (X1 = x + A, X2 = x + B), y in a third (Y = y + P). Solving x from the last
    margin leaves the other one of x's margins with nothing to give; it is passed over, and Y − P still
    gives y."""
    cs = CellSet()
    _cells(cs, y=2, P=6, Y=8, x=3, A=5, X1=8, B=7, X2=10)
    cs.total("Y", ["y", "P"])
    cs.total("X1", ["x", "A"])
    cs.total("X2", ["x", "B"])
    assert _subtractions(cs, {"x", "y"}, list(cs.cells), [0, 1, 2], _members(cs)) == {"x": 2, "y": 0}


def test_an_implied_cell_is_no_complement():
    """An implied cell is never written, so it cannot be withheld to protect another."""
    cs = _chain()
    cs.cells["p"].written = False
    assert _chain_candidates(cs, "s", {"s", "q"}, {"q": 1, "s": 0}) == ["T1", "T2", "r"]


def test_a_cell_fixed_only_by_a_combination_of_margins_is_found():
    """Three small cells, each margin holding two of them (P = u1 + u2 + L1, Q = u2 + u3 + L2,
    R = u1 + u3 + L3): no margin gives a cell away by a subtraction, but (P − L1) − (Q − L2) + (R − L3) = 2 u1.
    Every margin takes part in that combination, so the smallest published cell of all three, L2 = 10, is
    withheld; u2 and u3 are revealed by the same margins and wait for the next round, which finds them safe."""
    cs = CellSet()
    _cells(cs, u1=2, u2=1, u3=3, L1=12, L2=10, L3=11, P=15, Q=14, R=16)
    cs.total("P", ["u1", "u2", "L1"])
    cs.total("Q", ["u2", "u3", "L2"])
    cs.total("R", ["u1", "u3", "L3"])
    assert determined(cs, {"u1", "u2", "u3"}) == {"u1", "u2", "u3"}
    assert recoverable(cs, {"u1", "u2", "u3"}) == {"u1", "u2", "u3"}
    assert suppress(cs, 5) == {"u1", "u2", "u3", "L2"}
    assert determined(cs, {"u1", "u2", "u3", "L2"}) == set()
    assert recoverable(cs, {"u1", "u2", "u3", "L2"}) == set()


def test_equal_candidates_are_taken_in_file_order():
    cs = CellSet()
    _cells(cs, u1=2, u2=1, u3=3, L1=10, L2=10, L3=10, P=13, Q=14, R=15)
    cs.total("P", ["u1", "u2", "L1"])
    cs.total("Q", ["u2", "u3", "L2"])
    cs.total("R", ["u1", "u3", "L3"])
    assert suppress(cs, 5) == {"u1", "u2", "u3", "L1"}


def test_a_published_zero_is_not_taken_while_a_non_zero_cell_is_left():
    """y = 2 in a margin 0 + 2 + 6 = 8: a published zero is a poor complement (a zero is often given back by the
    other margins it sits in), so the 6 is taken although 0 is smaller."""
    cs = CellSet()
    _cells(cs, x=0, y=2, w=6, t=8)
    cs.total("t", ["x", "y", "w"])
    assert suppress(cs, 5) == {"y", "w"}
    # with a larger cell beside them (0 + 2 + 9 + 6 = 17) the 6 is still the one taken
    cs = CellSet()
    _cells(cs, x=0, y=2, z=9, w=6, total=17)
    cs.total("total", ["x", "y", "z", "w"])
    assert suppress(cs, 5) == {"y", "w"}


def test_a_cell_waits_when_a_complement_of_the_round_already_sits_in_its_margin():
    """A = 2, B = 1, C = 3 in T0 = A + X, T1 = B + Y, T2 = C + X + Z (G = T0 + T1 ties the margins into one
    table). Each is given away by its own margin. A gets the smaller published cell of its margin, X = 6;
    B gets Y = 7. X also sits in C's margin, so C waits — and in the next round C = T2 − X − Z has two
    unknowns, so nothing more is withheld. Without the wait, C would have taken Z = 5 as well."""
    cs = CellSet()
    _cells(cs, A=2, B=1, C=3, X=6, Y=7, Z=5, T0=8, T1=8, T2=14, G=16)
    cs.total("T0", ["A", "X"])
    cs.total("T1", ["B", "Y"])
    cs.total("T2", ["C", "X", "Z"])
    cs.total("G", ["T0", "T1"])
    assert suppress(cs, 5) == {"A", "B", "C", "X", "Y"}
    assert determined(cs, {"A", "B", "C", "X", "Y"}) == set()


def test_a_cell_given_away_by_a_subtraction_is_protected_within_that_margin():
    """a = 2 sits in P = a + z + w (17 = 2 + 9 + 6) and in Q = a + z (11 = 2 + 9). A reader gets a from the
    last margin, Q − z: the complement is the smaller published cell of that margin, z = 9, and then both
    margins hold two unknowns. (Taking the smallest cell of every margin that holds a, w = 6, would leave
    Q − z open and cost a third cell.)"""
    cs = CellSet()
    _cells(cs, a=2, z=9, w=6, P=17, Q=11)
    cs.total("P", ["a", "z", "w"])
    cs.total("Q", ["a", "z"])
    assert suppress(cs, 5) == {"a", "z"}
    assert determined(cs, {"a", "z"}) == set()


def test_cells_given_away_by_subtraction_are_protected_before_those_fixed_only_by_a_combination():
    """The three-margin triangle of u1, u2, u3 (P = u1 + u2 + L1, Q = u2 + u3 + L2, R = u1 + u3 + L3, with
    L1 = 9, L2 = 10, L3 = 11), and a = 2 in S = a + L2. S − L2 gives a away by a subtraction; the triangle
    only by a combination. Round 1 protects a with L2 (12 > 10). That also closes the triangle (L2 is one of
    its cells), so round 2 finds nothing more. Had the triangle been handled in the same round, it would have
    taken L1 = 9 as well."""
    cs = CellSet()
    _cells(cs, u1=2, u2=1, u3=3, a=2, L1=9, L2=10, L3=11, P=12, Q=14, R=16, S=12)
    cs.total("P", ["u1", "u2", "L1"])
    cs.total("Q", ["u2", "u3", "L2"])
    cs.total("R", ["u1", "u3", "L3"])
    cs.total("S", ["a", "L2"])
    assert suppress(cs, 5) == {"u1", "u2", "u3", "a", "L2"}
    assert determined(cs, {"u1", "u2", "u3", "a", "L2"}) == set()


def test_a_cell_that_waits_does_not_hold_back_the_cells_after_it():
    """A = 2, C = 3, D = 1 in T0 = A + X, T3 = C + Z, T2 = C + X + V, T4 = D + Z + W (X = 6, Z = 12, V = 20,
    W = 8). Round 1: A takes X (6 < T0 = 8); C, given away by T2 which holds X, waits; D, after it, still takes
    W (8, the smallest of T4 = 21, Z = 12, W = 8). Round 2: T3 − Z gives C, then T2 gives X and T0 gives A:
    A's chain now offers T0 = 8, T2 = 29, V = 20, T3 = 15, Z = 12 and takes T0; C takes Z. Round 3 finds
    every margin with two unknowns or more and nothing fixed."""
    cs = CellSet()
    _cells(cs, A=2, C=3, D=1, X=6, Z=12, V=20, W=8, T0=8, T3=15, T2=29, T4=21)
    cs.total("T0", ["A", "X"])
    cs.total("T3", ["C", "Z"])
    cs.total("T2", ["C", "X", "V"])
    cs.total("T4", ["D", "Z", "W"])
    withheld = {"A", "C", "D", "X", "W", "T0", "Z"}
    assert suppress(cs, 5) == withheld
    assert determined(cs, withheld) == set()


def test_with_k_two_a_one_is_protected_like_any_small_cell():
    cs = CellSet()
    _cells(cs, x=0, y=1, w=6, t=7)
    cs.total("t", ["x", "y", "w"])
    assert suppress(cs, 2) == {"y", "w"}


def test_blocks_without_a_small_cell_are_left_alone():
    """Two tables linked by no margin: the first has nothing to protect and keeps every cell, the second loses
    its small cell and the complement; a cell in no margin is judged on its own."""
    cs = CellSet()
    _cells(cs, a=6, b=7, ab=13, c=3, d=9, cd=12, lone=4, big=40)
    cs.total("ab", ["a", "b"])
    cs.total("cd", ["c", "d"])
    assert suppress(cs, 5) == {"c", "d", "lone"}
    assert determined(cs, {"c", "d", "lone"}) == set()


# ---- against the exact solver on random tables -------------------------------------------------------------
def _random_table(rng: np.random.Generator) -> CellSet:
    """An r × c table of counts with row, column and grand totals, some cells small, some zero, and for each
    row its complement to a denominator (an implied cell, as the non-responders of a response rate)."""
    r, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    x = rng.choice([0, 1, 2, 3, 4, 6, 9, 15], size=(r, c), p=[.1, .1, .1, .1, .1, .2, .15, .15])
    cs = CellSet()
    for i in range(r):
        for j in range(c):
            cs.add(f"x{i}{j}", x[i, j])
    for i in range(r):
        cs.total(cs.add(f"row{i}", x[i].sum()), [f"x{i}{j}" for j in range(c)])
        den = cs.add(f"den{i}", x[i].sum() + int(rng.integers(0, 8)))
        cs.total(den, [f"row{i}", cs.add(f"non{i}", cs.cells[den].value - x[i].sum(), written=False)])
    for j in range(c):
        cs.total(cs.add(f"col{j}", x[:, j].sum()), [f"x{i}{j}" for i in range(r)])
    cs.total(cs.add("all", x.sum()), [f"row{i}" for i in range(r)])
    return cs


@pytest.mark.parametrize("k", [3, 5])
def test_no_withheld_small_cell_can_be_recovered_from_a_random_table(k):
    rng = np.random.default_rng(20261207)
    protected = 0
    for _ in range(150):
        cs = _random_table(rng)
        withheld = suppress(cs, k)
        hidden = withheld | {c for c, cell in cs.cells.items() if not cell.written}
        small = {c for c, cell in cs.cells.items() if 0 < cell.value < k}
        assert {c for c in small if cs.cells[c].written} <= withheld
        assert not determined(cs, hidden) & small, sorted(determined(cs, hidden) & small)
        assert all(cs.cells[c].written for c in withheld)
        protected += bool(withheld - small)
    assert protected > 50  # the tables exercise complementary suppression, not only primary
