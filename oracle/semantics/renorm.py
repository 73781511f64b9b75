"""Meaning of ``renorm`` (``symgrad/ops/renorm.py``): each slice along ``dim`` whose
``p``-norm (the judge's own, ``oracle/semantics/reductions.py``) exceeds ``maxnorm`` is
multiplied by ``maxnorm / (norm + 1e-7)``, PyTorch's documented scale; the others are kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sympy import Piecewise

from oracle.semantics import defmeaning, kink, num
from oracle.semantics.reductions import _norm

_EPS = num(1e-7)
_ZERO = ("self == 0 in a scaled slice, p <= 1 (the norm's kink; p < 1 takes 0 for an infinite "
         "slope)")


def _slices(self: Any, dim: int) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    x = np.asarray(self, dtype=object)
    keys = []
    for i in range(x.shape[dim]):
        key = [slice(None)] * x.ndim
        key[dim] = i
        keys.append(tuple(key))
    return x, keys


def _renorm(self: Any, *, p: Any, dim: int, maxnorm: Any, **_: Any) -> np.ndarray:
    x, keys = _slices(self, dim)
    out = np.empty(x.shape, dtype=object)
    bound = num(maxnorm)
    for key in keys:
        part = x[key]
        n = _norm(list(part.reshape(-1)), p)
        scaled = Piecewise((bound / (n + _EPS), n > bound), (1, True))
        out[key] = np.vectorize(lambda v, s=scaled: v * s, otypes=[object])(part)
    return out


def _renorm_kinks(self: Any, *, p: Any, dim: int, **_: Any) -> list[Any]:
    # |x| kinks at 0 for p <= 1 (for p > 1 only the zero norm does, never a scaled slice's).
    if p > 1:
        return []
    return [kink("self", v, _ZERO) for v in np.asarray(self, dtype=object).reshape(-1)]


defmeaning("renorm", "structural", _renorm, kinks=_renorm_kinks)
