"""How a ``select`` meaning's output picks one of its candidates: the largest, the smallest, the
k-th smallest, the lower median, the most frequent.

A ``select`` meaning gives, for each output element, the tuple of input elements it is one of
(a line, a window, a prefix); its ``select`` names the ``Pick`` here. The pick decides only the
*value*: every candidate equal to it is tied for the output, and the engine's declared
convention says how the output's partial is shared among them (``oracle.exact``: split evenly,
first, last, or whole to any one). Written on exact numbers (the judge's values), with a SymPy
expression of the same function for the whole-expression mode.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

__all__ = ["Pick", "PICKS", "picked"]


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
