"""Matrix decompositions, written from their definitions (symgrad.ops.decompositions): the
Cholesky factor by its column recursion, triangular solves by substitution, solves and inverses
from a Cholesky factor as the adjugate of ``L L^T`` over its determinant.

Where PyTorch's gradient is that of a symmetric matrix (``cholesky`` reads one triangle of ``A``
but gives the symmetric gradient), the meaning reads the symmetric part ``(A + A^T) / 2``: at
the symmetric matrices the op is defined for, its value is the factorization's and its
derivative is PyTorch's symmetric gradient. Where PyTorch's gradient is not masked to the
triangle it reads (``cholesky_solve``, ``cholesky_inverse``), the meaning reads the whole factor,
as the formula ``(L L^T)^-1`` does; the judge's samples of those are triangular.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning
from oracle.semantics.linalg import matmul
from oracle.semantics.linalg_solve import inverse

__all__ = ["cholesky", "solve_triangular"]


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -2, -1)


def _cholesky_of(s: np.ndarray) -> np.ndarray:
    """The lower factor of one symmetric matrix: ``L[j, j] = sqrt(S[j, j] - sum_k<j L[j, k]^2)``,
    ``L[i, j] = (S[i, j] - sum_k<j L[i, k] L[j, k]) / L[j, j]`` below the diagonal."""
    n = s.shape[0]
    low = np.full((n, n), sympy.Integer(0), dtype=object)
    for j in range(n):
        low[j, j] = sympy.sqrt(s[j, j] - sum((low[j, k] ** 2 for k in range(j)),
                                             sympy.Integer(0)))
        for i in range(j + 1, n):
            low[i, j] = (s[i, j] - sum((low[i, k] * low[j, k] for k in range(j)),
                                       sympy.Integer(0))) / low[j, j]
    return low


def cholesky(self: Any, *, upper: bool) -> np.ndarray:
    """The Cholesky factor of each matrix's symmetric part: ``L`` with ``S = L L^T``, or ``L^T``
    for ``upper``.

    >>> import sympy
    >>> a, b, d = sympy.symbols("a b d", positive=True)
    >>> cholesky(np.array([[a, b], [b, d]], dtype=object), upper=False)[1, 1]
    sqrt(d - b**2/a)
    """
    a = np.asarray(self, dtype=object)
    s = (a + _mT(a)) / 2
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        low = _cholesky_of(s[idx])
        out[idx] = low.T if upper else low
    return out


def _substitution(t: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """``X`` with ``T X = B`` for one triangular ``T``: row by row from the end ``T`` starts
    from (the last row for upper)."""
    n = t.shape[0]
    x = np.empty(b.shape, dtype=object)
    for i in (range(n - 1, -1, -1) if upper else range(n)):
        done = range(i + 1, n) if upper else range(i)
        for c in range(b.shape[1]):
            rest = b[i, c] - sum((t[i, k] * x[k, c] for k in done), sympy.Integer(0))
            x[i, c] = rest if unit else rest / t[i, i]
    return x


def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool, unitriangular: bool
                     ) -> np.ndarray:
    """``X`` with ``T X = B`` (``X T = B`` when not ``left``), ``T`` the triangle of ``A`` (its
    diagonal ones for ``unitriangular``), the batch dims broadcast.

    >>> import sympy
    >>> a, c, d, p, q = sympy.symbols("a c d p q", real=True)
    >>> A = np.array([[a, 0], [c, d]], dtype=object)
    >>> solve_triangular(A, np.array([[p], [q]], dtype=object), upper=False, left=True,
    ...                  unitriangular=False)[1, 0]
    (q - c*p/a)/d
    """
    a, b = np.asarray(A, dtype=object), np.asarray(B, dtype=object)
    if not left:  # X T = B  <=>  T^T X^T = B^T, T^T the other triangle
        a, b, upper = _mT(a), _mT(b), not upper
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(b.shape, dtype=object)
    for idx in np.ndindex(*batch):
        out[idx] = _substitution(a[idx], b[idx], upper, unitriangular)
    return _mT(out) if not left else out


def _gram(factor: Any, upper: bool) -> np.ndarray:
    """``L L^T`` (``U^T U`` for ``upper``) of the whole factor."""
    f = np.asarray(factor, dtype=object)
    return matmul(_mT(f), f) if upper else matmul(f, _mT(f))


def cholesky_solve(self: Any, input2: Any, *, upper: bool) -> np.ndarray:
    """``(L L^T)^-1 B`` (``(U^T U)^-1 B`` for ``upper``), ``B`` being ``self``.

    >>> import sympy
    >>> l, p = sympy.symbols("l p", positive=True)
    >>> cholesky_solve(np.array([[p]], dtype=object), np.array([[l]], dtype=object),
    ...                upper=False)[0, 0]
    p/l**2
    """
    return matmul(inverse(_gram(input2, upper)), np.asarray(self, dtype=object))


defmeaning("cholesky", "structural", cholesky)
defmeaning("solve_triangular", "structural", solve_triangular)
defmeaning("cholesky_solve", "structural", cholesky_solve)
defmeaning("cholesky_inverse", "structural",
           lambda self, *, upper: inverse(_gram(self, upper)))
