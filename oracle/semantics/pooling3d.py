"""Pooling over windows of the last three dims: the maximum (a selection among the window's
elements) and the average (the window's sum over its divisor), the 2-d rules
(``oracle.semantics.pooling``) along each of the three dims, written from PyTorch's documented
rules and not from the engine.

A window is the product of one window per dim; padding takes no part in a maximum and adds
zeros to a sum, whose divisor is ``divisor_override``, else the product of the window's lengths
within the padded input (``count_include_pad``) or within the input.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.pooling import TIE, _adaptive_windows, windows

__all__ = ["volume_windows"]


def volume_windows(shape: tuple[int, ...], kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, ceil_mode: bool) -> list[list[list[int]]]:
    """Per dim, per output along it, the positions its window reads (some in the padding).

    >>> volume_windows((3, 2, 2), (2, 2, 2), (1, 2, 2), (0, 0, 0), (1, 1, 1), False)
    [[[0, 1], [1, 2]], [[0, 1]], [[0, 1]]]
    """
    return [windows(shape[d], kernel_size[d], stride[d], padding[d], dilation[d], ceil_mode)
            for d in range(3)]


def _volumes(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``fn`` applied to each (d, h, w) volume of ``x``, the results stacked in its leading
    dims."""
    x = np.asarray(x, dtype=object)
    lead = x.shape[:-3]
    outs = [fn(x[idx]) for idx in np.ndindex(*lead)]
    return np.array(outs, dtype=object).reshape(lead + outs[0].shape) if outs else np.empty(
        lead + (0, 0, 0), dtype=object)


def _by_window(x: Any, per_dim: list[list[Any]], cell: Callable[..., Any]) -> np.ndarray:
    """Per volume of ``x``, ``cell(volume, window per dim)`` for every output place."""
    def volume(v: np.ndarray) -> np.ndarray:
        out = np.empty(tuple(len(p) for p in per_dim), dtype=object)
        for place in itertools.product(*(range(len(p)) for p in per_dim)):
            out[place] = cell(v, *(per_dim[d][place[d]] for d in range(3)))
        return out

    return _volumes(x, volume)


def _inside(v: np.ndarray, ts: Any, hs: Any, ws: Any) -> list[Any]:
    """The elements of volume ``v`` a window reads, in window order (padding left out)."""
    t, h, w = v.shape
    return [v[a, b, c] for a in ts for b in hs for c in ws
            if 0 <= a < t and 0 <= b < h and 0 <= c < w]


def _candidates(self: Any, *, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, **_: Any) -> np.ndarray:
    """Per output element, the tuple of input elements in its window, in window order."""
    per_dim = volume_windows(np.shape(self)[-3:], kernel_size, stride, padding, dilation,
                             ceil_mode)
    return _by_window(self, per_dim, lambda v, *win: tuple(_inside(v, *win)))


def _ties_of(candidates: Callable[..., np.ndarray]) -> Callable[..., list[Kink]]:
    """Two candidates of a window (``candidates``') tie for its maximum: both equal it."""
    def ties(self: Any, **attrs: Any) -> list[Kink]:
        found = []
        for cands in np.asarray(candidates(self, **attrs), dtype=object).flat:
            top = sympy.Max(*cands)
            found += [kink("self", sympy.Abs(top - a) + sympy.Abs(top - b), TIE)
                      for n, a in enumerate(cands) for b in cands[n + 1:]]
        return found

    return ties


_ties = _ties_of(_candidates)


def _adaptive_candidates(self: Any, *, output_size: Any, **_: Any) -> np.ndarray:
    """Per output element, the tuple of its adaptive window's elements, in window order:
    along each dim ``floor(o n / out)`` to ``ceil((o + 1) n / out)``."""
    shape = np.shape(self)[-3:]
    per_dim = [_adaptive_windows(shape[d], output_size[d]) for d in range(3)]
    return _by_window(self, per_dim, lambda v, *win: tuple(_inside(v, *win)))


def _avg(self: Any, *, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
         count_include_pad: bool, divisor_override: Any = None, **_: Any) -> np.ndarray:
    """Each window's sum (padding adds zeros) over its divisor."""
    shape = np.shape(self)[-3:]
    per_dim = volume_windows(shape, kernel_size, stride, padding, (1, 1, 1), ceil_mode)

    def length(ps: list[int], d: int) -> int:
        if count_include_pad:
            return sum(1 for q in ps if q < shape[d] + padding[d])
        return sum(1 for q in ps if 0 <= q < shape[d])

    def cell(v: np.ndarray, *win: list[int]) -> Any:
        divisor = divisor_override if divisor_override is not None else (
            length(win[0], 0) * length(win[1], 1) * length(win[2], 2))
        return sympy.Add(*_inside(v, *win)) / sympy.Integer(divisor)

    return _by_window(self, per_dim, cell)


def _adaptive_avg(self: Any, *, output_size: Any, **_: Any) -> np.ndarray:
    """Each adaptive window's mean."""
    shape = np.shape(self)[-3:]
    per_dim = [_adaptive_windows(shape[d], output_size[d]) for d in range(3)]
    return _by_window(self, per_dim, lambda v, *win: sympy.Add(*_inside(v, *win))
                      / (len(win[0]) * len(win[1]) * len(win[2])))


defmeaning("max_pool3d", "select", _candidates, select="max", labels=_ties)
defmeaning("avg_pool3d", "structural", _avg)
defmeaning("adaptive_avg_pool3d", "structural", _adaptive_avg)
defmeaning("adaptive_max_pool3d", "select", _adaptive_candidates, select="max",
           labels=_ties_of(_adaptive_candidates))
