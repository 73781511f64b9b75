"""How a ``select`` meaning's output picks one of its candidates: the largest, the smallest, the
k-th smallest, the element of a given rank, the lower median, the most frequent; or weighs two
ranks (a quantile between two order statistics).

A ``select`` meaning gives, for each output element, the tuple of input elements it is one of
(a line, a window, a prefix); its ``select`` names the ``Pick`` here. The pick decides only the
*value*: every candidate equal to it is tied for the output, and the engine's declared
convention says how the output's partial is shared among them (``oracle.exact``: split evenly,
first, last, whole to any one, or to the one a stable order lists there). Written on exact
numbers (the judge's values), with a SymPy expression of the same function for the
whole-expression mode. An output whose pick has parameters of its own (a sort's position: its
rank) gives its candidates as ``Candidates``, which carry them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

__all__ = ["Candidates", "Pick", "PICKS", "pick_attrs", "picked", "terms"]


class Candidates(tuple):
    """One output's candidates (a tuple of input elements), with the parameters of its pick
    for this output alone: each position of a sorted line picks among the same line, by its
    own rank.

    >>> c = Candidates(("a", "b", "c"), rank=2)
    >>> tuple(c), c.attrs
    (('a', 'b', 'c'), {'rank': 2})
    """

    attrs: dict[str, Any]

    def __new__(cls, items: Sequence[Any], **attrs: Any) -> Candidates:
        c = super().__new__(cls, items)
        c.attrs = attrs
        return c

    def __reduce__(self) -> tuple[Any, ...]:
        return (_candidates, (tuple(self), self.attrs))


def _candidates(items: tuple[Any, ...], attrs: dict[str, Any]) -> Candidates:
    return Candidates(items, **attrs)


def pick_attrs(candidates: Sequence[Any], attrs: dict[str, Any]) -> dict[str, Any]:
    """The pick's parameters for one output: the op's ``attrs`` and the output's own (a
    ``Candidates``' ``attrs``, which win).

    >>> pick_attrs(Candidates((1, 2), rank=0), {"dim": 0, "rank": 5})
    {'dim': 0, 'rank': 0}
    """
    return {**attrs, **getattr(candidates, "attrs", {})}


@dataclass(frozen=True)
class Pick:
    """One rule of selection.

    Attributes:
        value: The picked value of the candidates' exact values (and the meaning's attrs).
        expr: The same function as one SymPy expression of the candidates (whole-expression
            mode differentiates it).
        distinct: Whether the pick is only certain when every candidate is apart from every
            other (a most frequent value), not only from the picked one (an order statistic).
    """

    value: Callable[..., Any]
    expr: Callable[..., Any]
    distinct: bool = False


def _kth(xs: Sequence[Any], k: int) -> Any:
    """The k-th smallest (from 0) as a Max of Mins: the order statistic written from the
    order alone (``triangular_sort``'s)."""
    n = len(xs)
    return sympy.Max(*[sympy.Min(*c) for c in itertools.combinations(xs, n - k)])


def _weighed(xs: Sequence[Any], *, ranks: Sequence[tuple[int, Any]], **_: Any) -> Any:
    """The order statistics of ``ranks`` (from 0), each times its weight, summed: a
    quantile between two of them."""
    ordered = sorted(xs)
    return sum((w * ordered[r] for r, w in ranks[1:]), ranks[0][1] * ordered[ranks[0][0]])


def _most_frequent(xs: Sequence[Any], **_: Any) -> Any:
    """The smallest of the most frequent values, as PyTorch's ``mode`` (of distinct values,
    the smallest)."""
    counts: dict[Any, int] = {}
    for x in xs:
        counts[x] = counts.get(x, 0) + 1
    most = max(counts.values())
    return min(x for x, c in counts.items() if c == most)


PICKS: dict[str, Pick] = {
    "max": Pick(lambda xs, **_: max(xs), lambda xs, **_: sympy.Max(*xs)),
    "min": Pick(lambda xs, **_: min(xs), lambda xs, **_: sympy.Min(*xs)),
    # kthvalue's k counts from 1
    "kth": Pick(lambda xs, *, k, **_: sorted(xs)[k - 1],
                lambda xs, *, k, **_: _kth(xs, k - 1)),
    # the element of rank ``rank`` (from 0, the smallest first): a position of a sorted line
    "rank": Pick(lambda xs, *, rank, **_: sorted(xs)[rank],
                 lambda xs, *, rank, **_: _kth(xs, rank)),
    # sum of weight times the element of rank r over ``ranks``, pairs (r, weight): a quantile
    "interpolated": Pick(_weighed, lambda xs, *, ranks, **_: sympy.Add(
        *[w * _kth(xs, r) for r, w in ranks])),
    "lower median": Pick(lambda xs, **_: sorted(xs)[(len(xs) - 1) // 2],
                         lambda xs, **_: _kth(xs, (len(xs) - 1) // 2)),
    # Min is the mode only of distinct values; where values repeat, whole-expression mode is
    # on a kink of it (two equal arguments of the Min) and says so.
    "mode": Pick(_most_frequent, lambda xs, **_: sympy.Min(*xs), distinct=True),
}


def picked(select: str, values: Sequence[Any], attrs: dict[str, Any]) -> Any:
    """The value the output takes among its candidates' ``values``.

    Args:
        select: The meaning's ``select`` (a key of ``PICKS``).
        values: The candidates' exact values.
        attrs: The op's attributes (kthvalue's ``k``).

    >>> picked("kth", [3, 1, 3, 2], {"k": 3}), picked("mode", [2, 1, 2, 1, 0], {})
    (3, 1)
    """
    return PICKS[select].value(list(values), **attrs)


def terms(select: str, attrs: dict[str, Any]) -> list[tuple[Any, str, dict[str, Any]]]:
    """The selections an output is a weighted sum of, as ``(weight, select, attrs)``: itself
    with weight 1, but for an ``"interpolated"`` pick, each of its ranks with its weight.
    Each term picks one candidate, among which its ties are shared (``oracle.exact``).

    >>> terms("interpolated", {"ranks": ((1, 0.75), (2, 0.25))})
    [(0.75, 'rank', {'rank': 1}), (0.25, 'rank', {'rank': 2})]
    >>> terms("max", {"dim": 0})
    [(1, 'max', {'dim': 0})]
    """
    if select == "interpolated":
        rest = {k: v for k, v in attrs.items() if k != "ranks"}
        return [(w, "rank", {**rest, "rank": r}) for r, w in attrs["ranks"]]
    return [(1, select, attrs)]
