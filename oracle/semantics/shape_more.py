"""Meanings of the ops of ``symgrad/ops/shape_more.py``: ``diagonal`` and its scatter,
``diag_embed``, ``unfold`` and its backward, ``take``, ``index_copy``, ``index_fill``,
``masked_scatter``, ``select_scatter`` and ``slice_scatter``.

Each output element is one input element moved, a constant, or (``unfold_backward``) a sum of
distinct input elements: written from what the functions do to positions, element by element
(loops over ``np.ndindex``), never from the engine's forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import defmeaning, num


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _diagonal_positions(shape: tuple[int, ...], offset: int, dim1: int, dim2: int
                        ) -> dict[tuple[int, ...], tuple[int, ...]]:
    """For each element of the diagonal (other dims in order, then the diagonal's index), the
    position in ``shape`` it is: ``(.., i, .., i + offset, ..)`` (rows ``i - offset`` below)."""
    rest = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    out = {}
    for pos in np.ndindex(*[shape[d] for d in rest]):
        k = 0
        for r in range(shape[dim1]):
            c = r + offset
            if 0 <= c < shape[dim2]:
                full = [0] * len(shape)
                for d, p in zip(rest, pos, strict=True):
                    full[d] = p
                full[dim1], full[dim2] = r, c
                out[tuple(pos) + (k,)] = tuple(full)
                k += 1
    return out


def _diagonal_shape(shape: tuple[int, ...], offset: int, dim1: int, dim2: int
                    ) -> tuple[int, ...]:
    rows, cols = shape[dim1], shape[dim2]
    n = sum(1 for r in range(rows) if 0 <= r + offset < cols)
    return tuple(s for d, s in enumerate(shape) if d not in (dim1, dim2)) + (n,)


def _diagonal(self: Any, *, offset: int, dim1: int, dim2: int, **_: Any) -> np.ndarray:
    x = _o(self)
    out = np.empty(_diagonal_shape(x.shape, offset, dim1, dim2), dtype=object)
    for at, src in _diagonal_positions(x.shape, offset, dim1, dim2).items():
        out[at] = x[src]
    return out


def _diagonal_scatter(self: Any, src: Any, *, offset: int, dim1: int, dim2: int, **_: Any
                      ) -> np.ndarray:
    out = _o(self).copy()
    s = _o(src)
    shape = _diagonal_shape(out.shape, offset, dim1, dim2)
    s = np.broadcast_to(s, shape)
    for at, dst in _diagonal_positions(out.shape, offset, dim1, dim2).items():
        out[dst] = s[at]
    return out


def _diag_embed(self: Any, *, offset: int, dim1: int, dim2: int, **_: Any) -> np.ndarray:
    x = _o(self)
    n = x.shape[-1] + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, n)
    out = np.full(shape, sympy.S.Zero, dtype=object)
    return _diagonal_scatter(out, x, offset=offset, dim1=dim1, dim2=dim2)


def _unfold(self: Any, *, dim: int, size: int, step: int, **_: Any) -> np.ndarray:
    """Window ``w`` holds elements ``w * step .. w * step + size - 1`` along ``dim``."""
    x = _o(self)
    if x.ndim == 0:
        return x.reshape(1)
    count = (x.shape[dim] - size) // step + 1
    shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
    out = np.empty(shape, dtype=object)
    for pos in np.ndindex(shape):
        src = list(pos[:-1])
        src[dim] = pos[dim] * step + pos[-1]
        out[pos] = x[tuple(src)]
    return out


def _unfold_backward(grad: Any, *, input_sizes: Any, dim: int, size: int, step: int,
                     **_: Any) -> np.ndarray:
    """Each window element added to the input element it was read from."""
    g = _o(grad)
    out = np.full(tuple(input_sizes), sympy.S.Zero, dtype=object)
    if not input_sizes:
        return _o(g.reshape(-1)[0])
    for pos in np.ndindex(g.shape):
        dst = list(pos[:-1])
        dst[dim] = pos[dim] * step + pos[-1]
        out[tuple(dst)] = out[tuple(dst)] + g[pos]
    return out


def _take(self: Any, *, index: Any, **_: Any) -> np.ndarray:
    flat = _o(self).reshape(-1)
    index = np.asarray(index, dtype=np.int64)
    out = np.empty(index.shape, dtype=object)
    for pos in np.ndindex(index.shape):
        out[pos] = flat[index[pos] % flat.size]
    return out


def _slices(x: np.ndarray, dim: int, index: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """``(k, key)``: slice ``index[k]`` of ``x`` along ``dim``."""
    out = []
    for k, i in enumerate(np.asarray(index, dtype=np.int64).reshape(-1)):
        key = [slice(None)] * x.ndim
        key[dim] = int(i)
        out.append((k, tuple(key)))
    return out


def _index_copy(self: Any, source: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    src = _o(source)
    if out.ndim == 0:
        return _o(src.reshape(-1)[-1]) if np.size(index) else out
    for k, key in _slices(out, dim, index):
        part = [slice(None)] * src.ndim
        part[dim] = k
        out[key] = src[tuple(part)]
    return out


def _index_fill(self: Any, *, dim: int, index: Any, value: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    if out.ndim == 0:
        return _o(num(value)) if np.size(index) else out
    for _k, key in _slices(out, dim, index):
        out[key] = num(value)
    return out


def _index_fill_tensor(self: Any, value: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    v = _o(value).reshape(-1)[0]
    if out.ndim == 0:
        return _o(v) if np.size(index) else out
    for _k, key in _slices(out, dim, index):
        out[key] = v
    return out


def _masked_scatter(self: Any, source: Any, *, mask: Any, **_: Any) -> np.ndarray:
    """The ``k``-th True of the mask (row-major) takes ``source``'s ``k``-th element."""
    out = _o(self).copy()
    src = _o(source).reshape(-1)
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), out.shape)
    k = 0
    for pos in np.ndindex(out.shape):
        if mask[pos]:
            out[pos] = src[k]
            k += 1
    return out


def _select_scatter(self: Any, src: Any, *, dim: int, index: int, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    s = _o(src)
    for pos in np.ndindex(out.shape):
        if pos[dim] == index:
            out[pos] = s[pos[:dim] + pos[dim + 1:]]
    return out


def _slice_scatter(self: Any, src: Any, *, dim: int, start: int, end: int, step: int,
                   **_: Any) -> np.ndarray:
    out = _o(self).copy()
    s = _o(src)
    for pos in np.ndindex(out.shape):
        i = pos[dim]
        if start <= i < end and (i - start) % step == 0:
            out[pos] = s[pos[:dim] + ((i - start) // step,) + pos[dim + 1:]]
    return out


def _rot90(self: Any, *, k: int, dims: Any, **_: Any) -> np.ndarray:
    """``k`` quarter turns from dim ``d0`` towards ``d1``: one turn puts at ``(i, j)`` (in
    ``d0, d1``) the element at ``(j, n - 1 - i)``, ``n`` the size along ``d1``."""
    x = _o(self)
    d0, d1 = dims
    for _turn in range(k % 4):
        shape = list(x.shape)
        shape[d0], shape[d1] = shape[d1], shape[d0]
        out = np.empty(shape, dtype=object)
        for pos in np.ndindex(*shape):
            src = list(pos)
            src[d0], src[d1] = pos[d1], x.shape[d1] - 1 - pos[d0]
            out[pos] = x[tuple(src)]
        x = out
    return x.copy()


defmeaning("rot90", "index", _rot90)
defmeaning("diagonal", "index", _diagonal)
defmeaning("diagonal_scatter", "index", _diagonal_scatter)
defmeaning("diag_embed_dims", "index", _diag_embed)
defmeaning("unfold", "index", _unfold)
defmeaning("unfold_backward", "structural", _unfold_backward)
defmeaning("take", "index", _take)
defmeaning("index_copy", "index", _index_copy)
defmeaning("index_fill", "index", _index_fill)
defmeaning("index_fill_tensor", "index", _index_fill_tensor)
defmeaning("masked_scatter", "index", _masked_scatter)
defmeaning("select_scatter", "index", _select_scatter)
defmeaning("slice_scatter", "index", _slice_scatter)


def _block_diag(*tensors: Any, **_: Any) -> np.ndarray:
    """Block ``k`` (a 0-d or 1-D tensor as one row) starts where block ``k - 1`` ends, in rows
    and in columns; zeros elsewhere."""
    blocks = [_o(t).reshape(1, -1) if _o(t).ndim < 2 else _o(t) for t in tensors]
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.full((rows, cols), sympy.S.Zero, dtype=object)
    r = c = 0
    for b in blocks:
        for i, j in np.ndindex(b.shape):
            out[r + i, c + j] = b[i, j]
        r, c = r + b.shape[0], c + b.shape[1]
    return out


defmeaning("block_diag", "index", _block_diag)
