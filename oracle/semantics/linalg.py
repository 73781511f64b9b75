"""Products of vectors and matrices, written as sums of products of elements."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning, num

__all__ = ["matmul"]


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty((a.shape[0], b.shape[1]), dtype=object)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = sympy.Add(*[a[i, k] * b[k, j] for k in range(a.shape[1])])
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NumPy's ``matmul`` on object arrays: 1-d operands promoted, batch dims broadcast.

    >>> import sympy
    >>> a, b, c, d = sympy.symbols("a b c d", real=True)
    >>> m = np.array([[a, b], [c, d]], dtype=object)
    >>> matmul(m, np.array([1, 2], dtype=object))
    array([a + 2*b, c + 2*d], dtype=object)
    >>> matmul(np.array([a, b], dtype=object), np.array([c, d], dtype=object)).item()
    a*c + b*d
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    va, vb = a.ndim == 1, b.ndim == 1
    if va:
        a = a.reshape(1, -1)
    if vb:
        b = b.reshape(-1, 1)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-2], b.shape[-1]), dtype=object)
    for idx in np.ndindex(batch):
        out[idx] = _mm(a[idx], b[idx])
    if va:
        out = out[..., 0, :]
    if vb:
        out = out[..., 0]
    return out


for _name in ("dot", "mv", "mm", "bmm", "matmul", "matmul_clone", "matmul_vm"):
    defmeaning(_name, "structural", matmul)
def _addmm(self: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> np.ndarray:
    product = matmul(mat1, mat2) * num(alpha)
    # beta = 0 drops self, nan and inf included (PyTorch's documented rule).
    return product if beta == 0 else product + np.asarray(self, dtype=object) * num(beta)


defmeaning("addmm", "structural", _addmm)


def _trace(self: Any) -> np.ndarray:
    n = min(self.shape)
    return np.array(sympy.Add(*[self[i, i] for i in range(n)]), dtype=object)


defmeaning("trace", "structural", _trace)
