"""Meanings of the reducing scatters (``symgrad/ops/scatter_reduce.py``): each position of the
result is its group's sum, product, mean, max or min, the group being the ``src`` elements
``index`` sends there and, with ``include_self``, ``input``'s own element; a position no index
reaches is ``input``'s element. ``index_reduce`` is the same with ``index`` naming slices.

The max and min are SymPy's ``Max`` and ``Min`` of the group; where two members tie, a kink
(labelled as the engine declares it) the judge settles from the one-sided derivatives.

>>> import numpy as np, sympy
>>> a, b, c = sympy.symbols("a b c", real=True)
>>> out = MEANINGS["scatter_reduce"].fn(np.array([a, b], dtype=object), np.array([c],
...     dtype=object), dim=0, index=np.array([1]), reduce="prod", include_self=True)
>>> out.tolist()
[a, b*c]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import MEANINGS, Kink, defmeaning, kink

__all__ = ["MEANINGS"]

_TIE = "two members of a group tie for the extremum"


def _groups(self: Any, src: Any, dim: int, index: Any, include_self: bool
            ) -> tuple[np.ndarray, dict[tuple[int, ...], list[tuple[str, Any]]]]:
    """``self`` as an object array, and per position reached its members (named by input)."""
    x = np.asarray(self, dtype=object)
    s = np.asarray(src, dtype=object)
    index = np.asarray(index, dtype=np.int64)
    groups: dict[tuple[int, ...], list[tuple[str, Any]]] = {}
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        if x.ndim:
            target[dim % x.ndim] = int(index[pos])
        members = groups.setdefault(tuple(target), [("self", x[tuple(target)])]
                                    if include_self else [])
        members.append(("src", s[pos]))
    return x, groups


def _combine(reduce: str, values: list[Any]) -> Any:
    if reduce == "sum":
        return sympy.Add(*values)
    if reduce == "prod":
        return sympy.Mul(*values)
    if reduce == "mean":
        return sympy.Add(*values) / len(values)
    return (sympy.Max if reduce == "amax" else sympy.Min)(*values)


def _scatter_reduce(self: Any, src: Any, *, dim: int, index: Any, reduce: str,
                    include_self: bool, **_: Any) -> np.ndarray:
    x, groups = _groups(self, src, dim, index, include_self)
    out = x.copy()
    for target, members in groups.items():
        out[target] = _combine(reduce, [v for _, v in members])
    return out


def _ties(self: Any, src: Any, *, dim: int, index: Any, reduce: str, include_self: bool,
          **_: Any) -> list[Kink]:
    if reduce not in ("amax", "amin"):
        return []
    pick = sympy.Max if reduce == "amax" else sympy.Min
    _, groups = _groups(self, src, dim, index, include_self)
    out = []
    for members in groups.values():
        top = pick(*[v for _, v in members])
        for n, (arg_a, a) in enumerate(members):
            for arg_b, b in members[n + 1:]:
                tie = sympy.Abs(top - a) + sympy.Abs(top - b)
                out += [kink(arg_a, tie, _TIE), kink(arg_b, tie, _TIE)]
    return out


def _slices(index: Any, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    index = np.asarray(index, dtype=np.int64)
    if not shape:
        return index.reshape(())
    along = [1] * len(shape)
    along[dim] = -1
    return np.broadcast_to(index.reshape(along), shape)


def _index_reduce(self: Any, source: Any, *, dim: int, index: Any, **kw: Any) -> np.ndarray:
    return _scatter_reduce(self, source, dim=dim,
                           index=_slices(index, dim, np.shape(source)), **kw)


def _index_ties(self: Any, source: Any, *, dim: int, index: Any, **kw: Any) -> list[Kink]:
    ties = _ties(self, source, dim=dim, index=_slices(index, dim, np.shape(source)), **kw)
    return [kink("source" if arg == "src" else arg, e, k.where) for k in ties
            for arg, e in (tuple(k),)]


defmeaning("scatter_reduce", "structural", _scatter_reduce, kinks=_ties)
defmeaning("index_reduce", "structural", _index_reduce, kinks=_index_ties)
# scatter(..., reduce="add"|"multiply"): the sum or product with ``input`` (no derivative in
# PyTorch or the engine; the meaning says what the value is).
defmeaning("scatter_reduce_legacy", "structural", lambda self, src, *, reduce, **kw: (
    _scatter_reduce(self, src, reduce="sum" if reduce == "add" else "prod", include_self=True,
                    **kw)))
