"""Meanings of ``logaddexp``, ``logaddexp2``, ``hypot``, ``prelu`` and ``glu``, from their
definitions: ``log(e^a + e^b)``, ``log2(2^a + 2^b)``, ``sqrt(a^2 + b^2)``, ``x`` or
``w x`` by the sign of ``x`` (``w`` the slope of ``x``'s channel, dim 1), and ``a * sigmoid(b)``
for the halves of the input along ``dim``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy
from sympy import Piecewise

from oracle.semantics import Kink, defmeaning, kink
from oracle.semantics.elementwise import elementwise

__all__: list[str] = []

elementwise("logaddexp", lambda self, other: sympy.log(sympy.exp(self) + sympy.exp(other)))
elementwise("logaddexp2", lambda self, other: sympy.log(2 ** self + 2 ** other) / sympy.log(2))
elementwise("hypot", lambda self, other: sympy.sqrt(self ** 2 + other ** 2))


def _slopes(self: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The slope of each element of ``self``: the weight of its channel (dim 1), or the one."""
    w = np.asarray(weight, dtype=object).reshape(-1)
    if w.size == 1 or self.ndim < 2:
        return np.full(self.shape, w[0], dtype=object)
    return np.broadcast_to(w.reshape((-1,) + (1,) * (self.ndim - 2)), self.shape)


def _prelu(self: Any, weight: Any) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    slopes = _slopes(x, weight)
    out = np.empty(x.shape, dtype=object)
    for idx in np.ndindex(*x.shape):
        out[idx] = Piecewise((x[idx], x[idx] > 0), (slopes[idx] * x[idx], True))
    return out


def _prelu_kinks(self: Any, weight: Any) -> list[Kink]:
    return [kink("self", v, "self == 0") for v in np.asarray(self, dtype=object).flat]


def _glu(self: Any, *, dim: int) -> np.ndarray:
    x = np.asarray(self, dtype=object)
    n = x.shape[dim] // 2
    a, b = np.take(x, range(n), axis=dim), np.take(x, range(n, 2 * n), axis=dim)
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape):
        out[idx] = a[idx] / (1 + sympy.exp(-b[idx]))
    return out


defmeaning("prelu", "structural", _prelu, kinks=_prelu_kinks)
defmeaning("glu", "structural", _glu)
