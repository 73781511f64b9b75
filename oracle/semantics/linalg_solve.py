"""Determinants, inverses, solves and cross products, written from their definitions: the
determinant as Leibniz's sum over permutations, the inverse as the adjugate over the determinant
(each cofactor a signed minor's determinant), a solve as the inverse times the right-hand side,
the cross product component by component."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning
from oracle.semantics.linalg import matmul

__all__ = ["det", "inverse", "cross"]


def _parity(perm: tuple[int, ...]) -> int:
    inversions = sum(1 for i in range(len(perm)) for j in range(i + 1, len(perm))
                     if perm[i] > perm[j])
    return -1 if inversions % 2 else 1


def _leibniz(m: np.ndarray) -> Any:
    n = m.shape[0]
    return sympy.Add(*[_parity(p) * sympy.Mul(*[m[i, p[i]] for i in range(n)])
                       for p in itertools.permutations(range(n))])


def _batched(fn: Any, a: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
    """``fn`` applied to each matrix of ``a`` (..., n, n), its results of shape ``tail``."""
    a = np.asarray(a, dtype=object)
    out = np.empty(a.shape[:-2] + tail, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = fn(a[idx])
    return out


def det(self: np.ndarray) -> np.ndarray:
    """The determinant of each matrix: ``sum over permutations p of sign(p) prod_i a[i, p(i)]``.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> det(np.array([[a, b], [c, d]], dtype=object)).item()
    a*d - b*c
    """
    return _batched(lambda m: _leibniz(m), self, ())


def _adjugate_over_det(m: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    whole = _leibniz(m)
    out = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(m, i, axis=0), j, axis=1)
            # the (i, j) cofactor is the (j, i) element of the adjugate
            out[j, i] = (-1) ** (i + j) * _leibniz(minor) / whole
    return out


def inverse(self: np.ndarray) -> np.ndarray:
    """The inverse of each matrix: its adjugate (transposed cofactors) over its determinant.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> inverse(np.array([[a, b], [c, d]], dtype=object))[0, 1]
    -b/(a*d - b*c)
    """
    n = np.shape(self)[-1]
    return _batched(_adjugate_over_det, self, (n, n))


def _solve(A: Any, B: Any, *, left: bool, vector: bool) -> np.ndarray:
    inv = inverse(A)
    B = np.asarray(B, dtype=object)
    if vector:
        return matmul(inv, B[..., None])[..., 0]
    return matmul(inv, B) if left else matmul(B, inv)


defmeaning("det", "structural", det)
defmeaning("inverse", "structural", inverse)
defmeaning("solve", "structural", _solve)
defmeaning("slogdet", "structural",
           lambda self: _batched(lambda m: sympy.log(sympy.Abs(_leibniz(m))), self, ()))
defmeaning("slogdet_sign", "structural",
           lambda self: _batched(lambda m: sympy.sign(_leibniz(m)), self, ()))



def cross(self: Any, other: Any, *, dim: int) -> np.ndarray:
    """``self x other`` along ``dim``: ``(a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)``.

    >>> import sympy
    >>> a = np.array(sympy.symbols("a0:3", real=True), dtype=object)
    >>> b = np.array(sympy.symbols("b0:3", real=True), dtype=object)
    >>> cross(a, b, dim=0)[2]
    a0*b1 - a1*b0
    """
    a, b = np.broadcast_arrays(np.asarray(self, dtype=object), np.asarray(other, dtype=object))
    a, b = np.moveaxis(a, dim, -1), np.moveaxis(b, dim, -1)
    out = np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                    a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                    a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)
    return np.moveaxis(out, -1, dim)


defmeaning("cross", "structural", cross)
