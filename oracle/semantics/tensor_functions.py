"""Meanings of the tensor functions of ``symgrad/ops/tensor_functions.py`` that PyTorch
records as nodes of their own: ``scatter`` (a tensor or a number written at an index),
``masked_select``, ``roll``, ``diag`` (``diag_embed``, ``diagonal_copy``) and ``index_add``;
and the elementwise ``addcmul``, ``addcdiv`` and ``lerp``.

Each output element is one input element moved, or a constant (``index_add``'s: a sum of
them): written here from what the functions do to positions (NumPy indexing on object arrays),
never from the engine's forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning, num
from oracle.semantics.elementwise import elementwise


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _scatter_positions(index: Any, dim: int) -> tuple[np.ndarray, ...]:
    """Where ``index[i][j]`` writes for ``dim=0``: ``(index[i][j], j)``; alike for other dims."""
    index = np.asarray(index, dtype=np.int64)
    key = list(np.indices(index.shape))
    key[dim] = index
    return tuple(key)


def _scatter(self: Any, src: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    if out.ndim == 0:
        return _o(src).reshape(()).copy() if np.size(index) else out
    index = np.asarray(index, dtype=np.int64)
    src = _o(src)
    for pos in np.ndindex(index.shape):
        target = list(pos)
        target[dim] = index[pos]
        out[tuple(target)] = src[pos]
    return out


def _scatter_value(self: Any, *, dim: int, index: Any, value: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    if out.ndim == 0:
        return _o(num(value)) if np.size(index) else out
    out[_scatter_positions(index, dim)] = num(value)
    return out


def _roll(self: Any, *, shifts: Any, dims: Any, **_: Any) -> np.ndarray:
    """Element ``i`` moves to ``(i + shift) mod n`` along each rolled dim (along the
    flattened tensor when no dim is given)."""
    x = _o(self)
    out = np.empty_like(x)
    if not dims:
        flat = x.reshape(-1)
        n = flat.size
        moved = np.empty_like(flat)
        for i in range(n):
            moved[(i + shifts[0]) % n] = flat[i]
        return moved.reshape(x.shape)
    for pos in np.ndindex(x.shape):
        target = list(pos)
        for s, d in zip(shifts, dims, strict=True):
            target[d] = (pos[d] + s) % x.shape[d]
        out[tuple(target)] = x[pos]
    return out


def _diag_embed(self: Any, *, offset: int, **_: Any) -> np.ndarray:
    """The square matrix whose element ``(i, i + offset)`` (``(i - offset, i)`` below the main
    diagonal) is ``self[i]``, zeros elsewhere."""
    x = _o(self)
    n = x.shape[0] + abs(offset)
    out = np.full((n, n), sympy.S.Zero, dtype=object)
    for i in range(x.shape[0]):
        out[(i, i + offset) if offset >= 0 else (i - offset, i)] = x[i]
    return out


def _diagonal(self: Any, *, offset: int, **_: Any) -> np.ndarray:
    """The elements ``(r, r + offset)`` of a matrix that exist, in order of ``r``."""
    x = _o(self)
    rows, cols = x.shape
    picked = [x[r, r + offset] for r in range(rows) if 0 <= r + offset < cols]
    return _o(picked).reshape(len(picked))


def _masked_select(self: Any, *, mask: Any, **_: Any) -> np.ndarray:
    # self and mask broadcast against each other: an element of self is read at each of the
    # positions it is broadcast to
    mask = np.asarray(mask, dtype=bool)
    shape = np.broadcast_shapes(np.shape(self), mask.shape)
    x = np.broadcast_to(_o(self), shape)
    mask = np.broadcast_to(mask, shape)
    return _o([x[pos] for pos in np.ndindex(shape) if mask[pos]]).reshape(-1)


def _index_add(self: Any, source: Any, *, dim: int, index: Any, alpha: Any, **_: Any
               ) -> np.ndarray:
    """Slice ``k`` of ``source`` along ``dim``, times ``alpha``, added to slice ``index[k]``."""
    out = _o(self).copy()
    src = _o(source)
    index = np.asarray(index, dtype=np.int64).reshape(-1)
    if out.ndim == 0:
        for _k in range(index.size):
            out = _o(out[()] + num(alpha) * src.reshape(-1)[0])
        return out
    src = src.reshape(src.shape or (1,))
    for k, place in enumerate(index):
        key = [slice(None)] * out.ndim
        key[dim] = place
        part = [slice(None)] * src.ndim
        part[dim] = k
        out[tuple(key)] = out[tuple(key)] + num(alpha) * src[tuple(part)]
    return out


defmeaning("scatter", "index", _scatter)
defmeaning("scatter_value", "index", _scatter_value)
defmeaning("roll", "index", _roll)
defmeaning("diag_embed", "index", _diag_embed)
defmeaning("diagonal_copy", "index", _diagonal)
defmeaning("masked_select", "index", _masked_select)
defmeaning("index_add", "structural", _index_add)

# Elementwise: addcmul, addcdiv and lerp (a number weight, or a tensor).
elementwise("addcmul", lambda self, tensor1, tensor2, *, value=1: self
            + num(value) * tensor1 * tensor2)
elementwise("addcdiv", lambda self, tensor1, tensor2, *, value=1: self
            + num(value) * tensor1 / tensor2)
elementwise("lerp", lambda self, end, *, weight: self + num(weight) * (end - self))
elementwise("lerp_tensor", lambda self, end, weight: self + weight * (end - self))
