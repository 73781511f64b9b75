"""The matrix exponential (symgrad.ops.matrix_exp), written from its closed form for the matrices
that have one here: ``exp([[a]]) = [[e^a]]``, and for 2 x 2 matrices, with ``m = (a + d) / 2``
and ``N = A - m I`` (so ``N^2 = q I``, ``q = ((a - d) / 2)^2 + b c``), the series
``exp(A) = e^m (C(q) I + S(q) N)`` with ``C(q) = sum q^k / (2k)!`` and ``S(q) = sum q^k /
(2k + 1)!``: ``cosh(r)`` and ``sinh(r) / r`` for ``q = r^2 > 0``, ``cos(r)`` and ``sin(r) / r``
for ``q = -r^2 < 0``, and 1, 1 at ``q = 0``. Larger matrices have no closed form here: their
meaning raises, and the judge leaves such a check unjudged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning

__all__ = ["matrix_exp"]


def _exp_2x2(m: np.ndarray) -> np.ndarray:
    a, b, c, d = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    half = sympy.Rational(1, 2)
    mid = half * (a + d)
    q = (half * (a - d)) ** 2 + b * c
    r_pos, r_neg = sympy.sqrt(q), sympy.sqrt(-q)
    cosine = sympy.Piecewise((sympy.cosh(r_pos), q > 0), (sympy.cos(r_neg), q < 0), (1, True))
    sine = sympy.Piecewise((sympy.sinh(r_pos) / r_pos, q > 0), (sympy.sin(r_neg) / r_neg, q < 0),
                           (1, True))
    scale = sympy.exp(mid)
    out = np.empty((2, 2), dtype=object)
    out[0, 0] = scale * (cosine + sine * (a - mid))
    out[0, 1] = scale * sine * b
    out[1, 0] = scale * sine * c
    out[1, 1] = scale * (cosine + sine * (d - mid))
    return out


def _exp_of(m: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    if n == 1:
        return np.array([[sympy.exp(m[0, 0])]], dtype=object)
    if n == 2:
        return _exp_2x2(m)
    raise NotImplementedError(f"the exponential of a {n} x {n} matrix has no closed form here")


def matrix_exp(self: Any) -> np.ndarray:
    """``exp`` of each matrix (1 x 1 or 2 x 2).

    >>> matrix_exp(np.array([[0, 1], [-1, 0]], dtype=object)).tolist()
    [[cos(1), sin(1)], [-sin(1), cos(1)]]
    """
    a = np.asarray(self, dtype=object)
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = _exp_of(a[idx])
    return out


defmeaning("matrix_exp", "structural", matrix_exp)
