"""Pooling over windows of the last two dims: the maximum (a selection among the window's
elements) and the average (the window's sum over its divisor), from PyTorch's documented rules,
written here from them and not from the engine.

Along one dim of size ``n``, with kernel ``k``, stride ``s``, padding ``p`` and dilation ``d``,
output ``o`` reads positions ``o * s - p + j * d`` (``j < k``); there are
``floor((n + 2p - d(k - 1) - 1) / s) + 1`` outputs, rounded up instead with ``ceil_mode`` but
never one whose window starts past the input and its left padding. Padding takes no part in a
maximum; it adds zeros to a sum. An adaptive window of output ``o`` of ``m`` is
``floor(o * n / m)`` to ``ceil((o + 1) * n / m)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink

__all__ = ["windows"]

TIE = "two elements of a window of self tie for its maximum"


def _count(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def windows(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> list[list[int]]:
    """Per output along one dim, the positions its window reads (some in the padding).

    >>> windows(5, 2, 2, 1, 1, False)
    [[-1, 0], [1, 2], [3, 4]]
    >>> windows(4, 2, 3, 0, 1, True)
    [[0, 1], [3, 4]]
    """
    return [[o * s - p + j * d for j in range(k)] for o in range(_count(n, k, s, p, d, ceil_mode))]


def _planes(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``fn`` applied to each (h, w) plane of ``x``, the results stacked in its leading dims."""
    x = np.asarray(x, dtype=object)
    lead = x.shape[:-2]
    outs = [fn(x[idx]) for idx in np.ndindex(*lead)]
    return np.array(outs, dtype=object).reshape(lead + outs[0].shape) if outs else np.empty(
        lead + (0, 0), dtype=object)


def _candidates(self: Any, *, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, **_: Any) -> np.ndarray:
    """Per output element, the tuple of input elements in its window, in window order."""
    h, w = np.shape(self)[-2:]
    rows = windows(h, kernel_size[0], stride[0], padding[0], dilation[0], ceil_mode)
    cols = windows(w, kernel_size[1], stride[1], padding[1], dilation[1], ceil_mode)

    def plane(p: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(cols)), dtype=object)
        for i, rs in enumerate(rows):
            for j, cs in enumerate(cols):
                out[i, j] = tuple(p[r, c] for r in rs for c in cs if 0 <= r < h and 0 <= c < w)
        return out

    return _planes(self, plane)


def _ties(self: Any, **attrs: Any) -> list[Kink]:
    """Two candidates of a window tie for its maximum: both equal it."""
    found = []
    for cands in np.asarray(_candidates(self, **attrs), dtype=object).flat:
        top = sympy.Max(*cands)
        found += [kink("self", sympy.Abs(top - a) + sympy.Abs(top - b), TIE)
                  for n, a in enumerate(cands) for b in cands[n + 1:]]
    return found


def _avg(self: Any, *, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
         count_include_pad: bool, divisor_override: Any = None, **_: Any) -> np.ndarray:
    """Each window's sum (padding adds zeros) over its divisor: ``divisor_override``, else the
    window's size within the padded input (``count_include_pad``) or within the input."""
    h, w = np.shape(self)[-2:]
    rows = windows(h, kernel_size[0], stride[0], padding[0], 1, ceil_mode)
    cols = windows(w, kernel_size[1], stride[1], padding[1], 1, ceil_mode)

    def size(ps: list[int], n: int, p: int) -> int:
        if count_include_pad:
            return sum(1 for q in ps if q < n + p)
        return sum(1 for q in ps if 0 <= q < n)

    def plane(x: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(cols)), dtype=object)
        for i, rs in enumerate(rows):
            for j, cs in enumerate(cols):
                inside = [x[r, c] for r in rs for c in cs if 0 <= r < h and 0 <= c < w]
                divisor = divisor_override if divisor_override is not None else (
                    size(rs, h, padding[0]) * size(cs, w, padding[1]))
                out[i, j] = sympy.Add(*inside) / sympy.Integer(divisor)
        return out

    return _planes(self, plane)


def _adaptive_windows(n: int, m: int) -> list[range]:
    return [range(o * n // m, math.ceil((o + 1) * n / m)) for o in range(m)]


def _adaptive_avg(self: Any, *, output_size: Any, **_: Any) -> np.ndarray:
    """Each adaptive window's mean."""
    h, w = np.shape(self)[-2:]
    rows, cols = _adaptive_windows(h, output_size[0]), _adaptive_windows(w, output_size[1])

    def plane(x: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), len(cols)), dtype=object)
        for i, rs in enumerate(rows):
            for j, cs in enumerate(cols):
                out[i, j] = sympy.Add(*[x[r, c] for r in rs for c in cs]) / (len(rs) * len(cs))
        return out

    return _planes(self, plane)


defmeaning("max_pool2d", "select", _candidates, select="max", labels=_ties)
defmeaning("avg_pool2d", "structural", _avg)
defmeaning("adaptive_avg_pool2d", "structural", _adaptive_avg)
