"""Meanings of the products of ``symgrad/ops/products.py``: ``addmv``, ``addr``, ``baddbmm``,
``addbmm`` (``beta * self + alpha * product``; ``beta = 0`` drops ``self``, NaN and inf
included, PyTorch's documented rule) and ``vdot``: sums of products written with the judge's
own ``matmul`` (``oracle/semantics/linalg.py``), never from the engine's forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning, num
from oracle.semantics.linalg import matmul


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _plus(self: Any, product: np.ndarray, beta: Any, alpha: Any) -> np.ndarray:
    scaled = product * num(alpha)
    if beta == 0:
        return np.broadcast_to(scaled, np.broadcast_shapes(scaled.shape, _o(self).shape)).copy()
    return _o(self) * num(beta) + scaled


def _outer(a: Any, b: Any) -> np.ndarray:
    a, b = _o(a), _o(b)
    out = np.empty((a.shape[0], b.shape[0]), dtype=object)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i, j] = a[i] * b[j]
    return out


def _addbmm(self: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1,
            **_: Any) -> np.ndarray:
    products = matmul(_o(batch1), _o(batch2))
    total = products[0]
    for k in range(1, products.shape[0]):
        total = total + products[k]
    return _plus(self, _o(total), beta, alpha)


defmeaning("addmv", "structural", lambda self, mat, vec, *, beta=1, alpha=1, **_: _plus(
    self, matmul(_o(mat), _o(vec)), beta, alpha))
defmeaning("addr", "structural", lambda self, vec1, vec2, *, beta=1, alpha=1, **_: _plus(
    self, _outer(vec1, vec2), beta, alpha))
defmeaning("baddbmm", "structural", lambda self, batch1, batch2, *, beta=1, alpha=1, **_: _plus(
    self, matmul(_o(batch1), _o(batch2)), beta, alpha))
defmeaning("addbmm", "structural", _addbmm)
defmeaning("vdot", "structural", lambda self, other, **_: matmul(_o(self), _o(other)))
