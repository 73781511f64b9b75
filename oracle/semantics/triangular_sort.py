"""Triangular parts (``tril``, ``triu``) and order statistics (``sort``, ``topk``).

``tril``/``triu`` only move values: each output element is its input element or the number 0,
chosen by its position (``col - row`` against the diagonal), an ``index`` meaning.
``sort``/``topk`` are order statistics, written with ``Max`` and ``Min`` (below).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.reductions import along


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _triangle(self: Any, keep: Any) -> np.ndarray:
    """``self`` where ``keep(col - row)`` holds over the last two dims, the number 0 elsewhere."""
    x = _o(self)
    rows, cols = x.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    zero = np.full(x.shape, sympy.S.Zero, dtype=object)
    return np.where(keep(offset), x, zero)


defmeaning("tril", "index", lambda self, *, diagonal, **_: _triangle(
    self, lambda offset: offset <= diagonal))
defmeaning("triu", "index", lambda self, *, diagonal, **_: _triangle(
    self, lambda offset: offset >= diagonal))


# -- order statistics: sort and topk --------------------------------------------------------------
# The k-th smallest of n numbers (from 0) is the largest, over the subsets of n - k of them, of
# the subset's smallest: a subset of the n - k largest has it as its minimum, and every other
# subset of that size holds a smaller element. A definition from the order alone, with no
# permutation: where two elements tie, Max/Min have a kink, which the judge finds.
_TIE = "two elements of a line of self tie"


def _order_statistics(xs: list[Any], descending: bool) -> list[Any]:
    n = len(xs)
    out = [sympy.Max(*[sympy.Min(*c) for c in itertools.combinations(xs, n - k)])
           for k in range(n)]
    return out[::-1] if descending else out


def _lines(self: Any, dim: int) -> list[list[Any]]:
    x = _o(self)
    if x.ndim == 0:
        return [[x.item()]]
    moved = np.moveaxis(x, dim, -1)
    return [list(moved[idx]) for idx in np.ndindex(moved.shape[:-1])]


def _ties(self: Any, *, dim: int, **_: Any) -> list[Kink]:
    return [kink("self", a - b, _TIE) for xs in _lines(self, dim)
            for n, a in enumerate(xs) for b in xs[n + 1:]]


def _sort(self: Any, *, dim: int, descending: bool, **_: Any) -> np.ndarray:
    return along(self, dim, lambda xs: _order_statistics(xs, descending))


def _topk(self: Any, *, k: int, dim: int, largest: bool, **_: Any) -> np.ndarray:
    out = _sort(self, dim=dim, descending=largest)
    return out if out.ndim == 0 else np.take(out, np.arange(k), axis=dim)


def _positions(self: Any, dim: int, descending: bool) -> np.ndarray:
    """Each element's position along ``dim``, negated for a descending order: the direction
    that breaks a tie into the order a stable sort lists tied elements in (the first first)."""
    shape = np.shape(self)
    if not shape:
        return np.zeros(())
    along_dim = np.arange(shape[dim], dtype=float).reshape(
        (-1,) + (1,) * (len(shape) - 1 - dim % len(shape)))
    return np.broadcast_to(-along_dim if descending else along_dim, shape)


defmeaning("sort", "structural", _sort, kinks=_ties,
           tie_order=lambda self, *, dim, descending, **_: _positions(self, dim, descending))
defmeaning("topk", "structural", _topk, kinks=_ties,
           tie_order=lambda self, *, dim, largest, **_: _positions(self, dim, largest))
