"""LU factorization with partial pivoting and its solves (symgrad.ops.lu), written from
Gaussian elimination: at column j the row of the largest ``|element|`` from j down (the first
of equals) is swapped up, the multipliers below the pivot are the column over the pivot, and
the rest of the rows lose the multiple of the pivot row. The choice of rows makes the factors
piecewise: the meaning is a ``Piecewise`` over every order of pivot rows, each under the
inequalities of ``|elements|`` that choose it (exclusive: a tie goes to the first row), so the
judge differentiates the branch the point is in. ``lu_solve`` solves with ``A = P L U`` formed
from the packed factors and the pivots, by the inverse as the adjugate over the determinant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning
from oracle.semantics.linalg import matmul
from oracle.semantics.linalg_solve import inverse

__all__ = ["lu_factor", "lu_l", "lu_u", "lu_solve"]


def _branches(a: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """``(condition, packed factors)`` of one matrix for each order of pivot rows."""
    m, n = a.shape
    k = min(m, n)
    found: list[tuple[Any, np.ndarray]] = []

    def eliminate(u: np.ndarray, j: int, conditions: list[Any]) -> None:
        if j == k:
            found.append((sympy.And(*conditions), u))
            return
        for r in range(j, m):
            pick = sympy.Abs(u[r, j])
            chosen = ([pick > sympy.Abs(u[i, j]) for i in range(j, r)]
                      + [pick >= sympy.Abs(u[i, j]) for i in range(r + 1, m)])
            if sympy.And(*chosen) is sympy.false:
                continue
            v = u.copy()
            v[[j, r]] = v[[r, j]]
            if v[j, j] != 0:
                v[j + 1:, j] = v[j + 1:, j] / v[j, j]
                v[j + 1:, j + 1:] = v[j + 1:, j + 1:] - np.outer(v[j + 1:, j], v[j, j + 1:])
            eliminate(v, j + 1, conditions + chosen)

    start = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape):
        start[idx] = sympy.sympify(a[idx])
    eliminate(start, 0, [])
    return found


def _packed(a: np.ndarray) -> np.ndarray:
    """The packed factors of one matrix, each element a Piecewise over the pivot orders."""
    branches = _branches(a)
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape):
        pieces = [(u[idx], c) for c, u in branches[:-1]] + [(branches[-1][1][idx], True)]
        out[idx] = sympy.Piecewise(*pieces)
    return out


def _each(self: Any, fn: Any, shape: Any) -> np.ndarray:
    a = np.asarray(self, dtype=object)
    out = np.empty(a.shape[:-2] + shape(*a.shape[-2:]), dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = fn(a[idx])
    return out


def lu_factor(self: Any) -> np.ndarray:
    """The packed LU factors of each matrix: ``L`` below the diagonal, ``U`` on and above.

    >>> lu_factor(np.array([[1, 2], [3, 4]], dtype=object)).tolist()
    [[3, 4], [1/3, 2/3]]
    """
    return _each(self, _packed, lambda m, n: (m, n))


def lu_l(self: Any) -> np.ndarray:
    """``L`` (m x k) of each matrix: unit lower triangular.

    >>> lu_l(np.array([[1, 2], [3, 4]], dtype=object)).tolist()
    [[1, 0], [1/3, 1]]
    """
    def one(a: np.ndarray) -> np.ndarray:
        m, n = a.shape
        k = min(m, n)
        packed = _packed(a)
        return np.array([[packed[i, j] if i > j else int(i == j) for j in range(k)]
                         for i in range(m)], dtype=object)

    return _each(self, one, lambda m, n: (m, min(m, n)))


def lu_u(self: Any) -> np.ndarray:
    """``U`` (k x n) of each matrix: upper triangular.

    >>> lu_u(np.array([[1, 2], [3, 4]], dtype=object)).tolist()
    [[3, 4], [0, 2/3]]
    """
    def one(a: np.ndarray) -> np.ndarray:
        m, n = a.shape
        packed = _packed(a)
        return np.array([[packed[i, j] if i <= j else 0 for j in range(n)]
                         for i in range(min(m, n))], dtype=object)

    return _each(self, one, lambda m, n: (min(m, n), n))


def _permutation(pivots: np.ndarray, n: int) -> np.ndarray:
    """``P`` of the row swaps ``pivots`` (1-based, in order): ``A = P L U``."""
    order = list(range(n))
    for i, p in enumerate(np.asarray(pivots).reshape(-1)):
        order[i], order[int(p) - 1] = order[int(p) - 1], order[i]
    out = np.zeros((n, n), dtype=object)
    for i, row in enumerate(order):
        out[row, i] = 1
    return out


def lu_solve(LU: Any, B: Any, *, pivots: Any, left: bool, adjoint: bool) -> np.ndarray:
    """``X`` with ``op(A) X = B`` (``X op(A) = B`` when not ``left``), ``op(A)`` being
    ``A = P L U`` or, for ``adjoint``, its transpose.

    >>> lu_solve(np.array([[2, 1], [1, 3]], dtype=object), np.array([[4], [5]], dtype=object),
    ...          pivots=np.array([1, 2]), left=True, adjoint=False).tolist()
    [[11/6], [1/3]]
    """
    lu = np.asarray(LU, dtype=object)
    b = np.asarray(B, dtype=object)
    n = lu.shape[-1]
    piv = np.asarray(pivots)
    a = np.empty(lu.shape, dtype=object)
    for idx in np.ndindex(*lu.shape[:-2]):
        m = lu[idx]
        low = np.array([[m[i, j] if i > j else int(i == j) for j in range(n)]
                        for i in range(n)], dtype=object)
        up = np.array([[m[i, j] if i <= j else 0 for j in range(n)] for i in range(n)],
                      dtype=object)
        a[idx] = matmul(matmul(_permutation(piv[idx], n), low), up)
    if adjoint:
        a = np.swapaxes(a, -2, -1)
    inv = inverse(a)
    return matmul(inv, b) if left else matmul(b, inv)


defmeaning("lu_factor", "structural", lu_factor)
defmeaning("lu_l", "structural", lu_l)
defmeaning("lu_u", "structural", lu_u)
defmeaning("lu_solve", "structural", lu_solve)
