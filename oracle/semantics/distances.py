"""Meanings of the distances of ``symgrad/ops/distances.py``: ``cdist`` (and its matrix-product
form ``euclidean_dist``), ``pdist``, and the backward operators ``cdist_backward`` and
``pdist_backward`` that PyTorch gives them.

A distance is the judge's own ``p``-norm (``oracle/semantics/reductions.py``) of the
differences of two rows. The backward operators take the distance they are given (PyTorch's
``_cdist_backward(grad, x1, x2, p, cdist)``): each sends ``grad`` times the derivative of
``|d|_p`` in ``d``, written in ``cdist``, and PyTorch's choices where that derivative is not
defined (0 at a zero distance or a zero difference for ``p <= 1``; at ``p = inf`` the whole
gradient to every difference as large as the distance).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import defmeaning, kink, num
from oracle.semantics.reductions import _norm

_ZERO = ("x1 row == x2 row (p > 1: a zero distance; p <= 1: each zero difference, where p < 1 "
         "takes 0 for an infinite slope)")
_ROWS_ZERO = _ZERO.replace("x1 row == x2 row", "two rows equal")


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _pairs(x1: Any, x2: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x1`` and ``x2`` broadcast to ``(*batch, P, R, M)``: the rows of each pair."""
    a, b = _o(x1)[..., :, None, :], _o(x2)[..., None, :, :]
    return np.broadcast_arrays(a, b)


def _distances(a: np.ndarray, b: np.ndarray, p: Any) -> np.ndarray:
    out = np.empty(a.shape[:-1], dtype=object)
    for pos in np.ndindex(out.shape):
        out[pos] = _norm([u - v for u, v in zip(a[pos], b[pos], strict=True)], p)
    return out


def _cdist(x1: Any, x2: Any, *, p: Any = 2.0, **_: Any) -> np.ndarray:
    return _distances(*_pairs(x1, x2), p)


def _zero_kinks(args: tuple[str, ...], a: np.ndarray, b: np.ndarray, p: Any,
                where: str) -> list[Any]:
    out = []
    for pos in np.ndindex(a.shape[:-1]):
        diffs = [u - v for u, v in zip(a[pos], b[pos], strict=True)]
        exprs = diffs if p <= 1 else [sympy.Add(*[d**2 for d in diffs])]
        out += [kink(arg, e, where) for e in exprs for arg in args]
    return out


def _cdist_kinks(x1: Any, x2: Any, *, p: Any = 2.0, **_: Any) -> list[Any]:
    return _zero_kinks(("x1", "x2"), *_pairs(x1, x2), p, _ZERO)


def _pdist_rows(self: Any) -> tuple[np.ndarray, np.ndarray]:
    x = _o(self)
    i, j = np.triu_indices(x.shape[0], 1)
    return x[i].reshape(len(i), x.shape[1]), x[j].reshape(len(j), x.shape[1])


def _pdist(self: Any, *, p: Any = 2.0, **_: Any) -> np.ndarray:
    return _distances(*_pdist_rows(self), p)


def _slope(d: Any, dist: Any, p: Any) -> Any:
    """d|d|_p / dd written in the distance ``dist``, with PyTorch's choices (module docstring)."""
    sign = sympy.sign(d)
    if p == 0:
        return sympy.Integer(0)
    if p == 1:
        return sign
    if math.isinf(p):
        return Piecewise((sign, sympy.Eq(sympy.Abs(d), dist)), (0, True))
    q = num(p)
    if p < 1:
        return Piecewise((0, sympy.Eq(dist, 0) | sympy.Eq(d, 0)),
                         (sign * sympy.Abs(d) ** (q - 1) / dist ** (q - 1), True))
    return Piecewise((0, sympy.Eq(dist, 0)), (sign * sympy.Abs(d) ** (q - 1) / dist ** (q - 1),
                                              True))


def _cdist_backward(grad: Any, x1: Any, x2: Any, cdist: Any, *, p: Any = 2.0,
                    **_: Any) -> np.ndarray:
    a, b = _pairs(x1, x2)
    g = np.broadcast_to(_o(grad), a.shape[:-1])
    dist = np.broadcast_to(_o(cdist), a.shape[:-1])
    out = np.empty(a.shape[:-3] + a.shape[-3:-2] + a.shape[-1:], dtype=object)
    for pos in np.ndindex(out.shape):
        *batch, i, k = pos
        out[pos] = sympy.Add(*[g[(*batch, i, j)] * _slope(
            a[(*batch, i, j, k)] - b[(*batch, i, j, k)], dist[(*batch, i, j)], p)
            for j in range(a.shape[-2])])
    return out


def _pdist_backward(grad: Any, self: Any, pdist: Any, *, p: Any = 2.0, **_: Any) -> np.ndarray:
    x, g, dist = _o(self), _o(grad), _o(pdist)
    out = np.full(x.shape, sympy.Integer(0), dtype=object)
    for n, (i, j) in enumerate(zip(*np.triu_indices(x.shape[0], 1), strict=True)):
        for k in range(x.shape[1]):
            term = g[n] * _slope(x[i, k] - x[j, k], dist[n], p)
            out[i, k] = out[i, k] + term
            out[j, k] = out[j, k] - term
    return out


defmeaning("cdist", "structural", _cdist, kinks=_cdist_kinks)
defmeaning("euclidean_dist", "structural", lambda x1, x2, **_: _cdist(x1, x2, p=2),
           kinks=lambda x1, x2, **_: _cdist_kinks(x1, x2, p=2))
defmeaning("pdist", "structural", _pdist, kinks=lambda self, *, p=2.0, **_: _zero_kinks(
    ("self",), *_pdist_rows(self), p, _ROWS_ZERO))
defmeaning("cdist_backward", "structural", _cdist_backward)
defmeaning("pdist_backward", "structural", _pdist_backward)
