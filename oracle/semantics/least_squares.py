"""Least squares (symgrad.ops.least_squares), written from the normal equations for matrices of
full rank: the ``X`` minimizing ``|A X - B|`` of a tall ``A`` (m >= n) solves
``A^T A X = A^T B``, so ``X = (A^T A)^-1 A^T B``; of a wide one the solution of least norm is
``X = A^T (A A^T)^-1 B``; the residuals are the squared norms of the columns of ``A X - B``.
(``rcond`` only drops singular values of a matrix of lower rank, where the solution is not
differentiable.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning
from oracle.semantics.linalg import matmul
from oracle.semantics.linalg_solve import inverse

__all__ = ["lstsq", "lstsq_residuals"]


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -2, -1)


def _solve(A: Any, B: Any, vector: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``A``, ``B`` as matrices (a ``vector`` B as one column) and ``X``."""
    a, b = np.asarray(A, dtype=object), np.asarray(B, dtype=object)
    if vector:
        b = b[..., None]
    at = _mT(a)
    if a.shape[-2] >= a.shape[-1]:
        return a, b, matmul(inverse(matmul(at, a)), matmul(at, b))
    return a, b, matmul(at, matmul(inverse(matmul(a, at)), b))


def lstsq(A: Any, B: Any, *, rcond: Any, vector: bool) -> np.ndarray:
    """The least-squares solution of each ``A X = B`` (of least norm for a wide ``A``).

    >>> import sympy
    >>> a, b, p, q = sympy.symbols("a b p q", real=True)
    >>> lstsq(np.array([[a], [b]], dtype=object), np.array([p, q], dtype=object), rcond=None,
    ...       vector=True)[0]
    (a*p + b*q)/(a**2 + b**2)
    """
    x = _solve(A, B, vector)[2]
    return x[..., 0] if vector else x


def lstsq_residuals(A: Any, B: Any, *, rcond: Any, vector: bool, empty: bool) -> np.ndarray:
    """``sum_i (A X - B)[i, j]^2`` for each column ``j`` (none where ``empty``).

    >>> lstsq_residuals(np.array([[1], [1]], dtype=object), np.array([0, 2], dtype=object),
    ...                 rcond=None, vector=True, empty=False).tolist()
    [2]
    """
    if empty:
        return np.zeros((0,), dtype=object)
    a, b, x = _solve(A, B, vector)
    r = matmul(a, x) - b
    return np.sum(r * r, axis=-2)


defmeaning("lstsq", "structural", lstsq)
defmeaning("lstsq_residuals", "structural", lstsq_residuals)
