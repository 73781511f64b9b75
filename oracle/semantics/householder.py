"""Products of Householder reflectors (symgrad.ops.householder), written from their definition:
``H_i = I - tau_i v_i v_i^T`` with ``v_i`` 1 at row ``i``, 0 above it and the input's column
``i`` below it; ``householder_product`` is the first ``n`` columns of ``H_0 H_1 ... H_(k-1)``,
and ``ormqr`` multiplies ``other`` by that product (m x m) or its transpose, from the left or
the right. Polynomials in the inputs: every derivative is exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning
from oracle.semantics.linalg import matmul

__all__ = ["householder_product", "ormqr"]


def _product(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``H_0 ... H_(k-1)`` (m x m) of one matrix's reflectors."""
    m = a.shape[0]
    q = np.array([[int(i == j) for j in range(m)] for i in range(m)], dtype=object)
    for i in range(tau.shape[0]):
        v = np.array([a[r, i] if r > i else int(r == i) for r in range(m)], dtype=object)
        h = np.array([[int(r == c) - tau[i] * v[r] * v[c] for c in range(m)]
                      for r in range(m)], dtype=object)
        q = matmul(q, h)
    return q


def householder_product(input: Any, tau: Any) -> np.ndarray:
    """The first ``n`` columns of the product of the reflectors of each matrix.

    >>> householder_product(np.array([[0], [1]], dtype=object),
    ...                     np.array([1], dtype=object)).tolist()
    [[0], [-1]]
    """
    a, t = np.asarray(input, dtype=object), np.asarray(tau, dtype=object)
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        out[idx] = _product(a[idx], t[idx])[:, :n]
    return out


def ormqr(input: Any, tau: Any, other: Any, *, left: bool, transpose: bool) -> np.ndarray:
    """``Q other`` (``Q^T other`` for ``transpose``; ``other Q`` when not ``left``), ``Q`` the
    product of the reflectors of each matrix.

    >>> ormqr(np.array([[0], [1]], dtype=object), np.array([2], dtype=object),
    ...       np.array([[1], [1]], dtype=object), left=True, transpose=False).tolist()
    [[-3], [-3]]
    """
    a, t = np.asarray(input, dtype=object), np.asarray(tau, dtype=object)
    c = np.asarray(other, dtype=object)
    q = np.empty(a.shape[:-2] + (a.shape[-2],) * 2, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        q[idx] = _product(a[idx], t[idx])
    if transpose:
        q = np.swapaxes(q, -2, -1)
    return matmul(q, c) if left else matmul(c, q)


defmeaning("householder_product", "structural", householder_product)
defmeaning("ormqr", "structural", ormqr)
