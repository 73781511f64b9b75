"""Shape and indexing ops: each output element is one input element, moved.

These meanings are NumPy indexing on object arrays, so the same function moves SymPy
expressions (whole-expression mode) and element numbers (the oracle's local mode, where the
derivative of a moved element is 1 at its source).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from oracle.semantics import MEANINGS, defmeaning, num

__all__ = ["advanced"]


def _index(name: str, fn: Any, index_args: tuple[str, ...] = ()) -> None:
    defmeaning(name, "index", fn, index_args=index_args)


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _squeeze(self: Any, *, dim: Any = None, **_: Any) -> np.ndarray:
    x = _o(self)
    if dim is None:
        return x.reshape([s for s in x.shape if s != 1])
    dims = {d % max(x.ndim, 1) for d in ((dim,) if isinstance(dim, int) else dim)}
    return x.reshape([s for i, s in enumerate(x.shape) if not (i in dims and s == 1)])


def _unsqueeze(self: Any, *, dim: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return np.expand_dims(x, dim % (x.ndim + 1))


def _slice(self: Any, *, dim: int = 0, start: Any = None, stop: Any = None, step: int = 1,
           **_: Any) -> np.ndarray:
    x = _o(self)
    key = [slice(None)] * x.ndim
    key[dim % x.ndim] = slice(start, stop, step)
    return x[tuple(key)]


def _select(self: Any, *, dim: int, index: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return _o(np.take(x, index, axis=dim % x.ndim))


def advanced(indices: Any) -> tuple[Any, ...]:
    """An ``index`` op's indices as a NumPy key: ``None`` keeps a whole dim.

    >>> x = np.arange(6).reshape(2, 3)
    >>> x[advanced([None, [2, 0]])]
    array([[2, 0],
           [5, 3]])
    >>> x[advanced([[1, 0], [2, 2]])]
    array([5, 2])
    """
    return tuple(slice(None) if i is None else np.asarray(i) for i in indices)


def _gather(self: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    x = _o(self)
    if x.ndim == 0:
        return x.copy()
    return _o(np.take_along_axis(x, np.asarray(index, dtype=np.int64), axis=dim % x.ndim))


def _index_select(self: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    x = _o(self)
    idx = np.asarray(index, dtype=np.int64).reshape(-1)
    return _o(np.take(x, idx, axis=dim % x.ndim)) if x.ndim else x.copy()


def _repeat(self: Any, *, repeats: Any, **_: Any) -> np.ndarray:
    reps = tuple(repeats)
    x = _o(self)
    return np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)


def _part(self: Any, dim: int, sizes: Any, index: int) -> np.ndarray:
    x = _o(self)
    start = int(sum(sizes[:index]))
    key = [slice(None)] * x.ndim
    key[dim % x.ndim] = slice(start, start + sizes[index])
    return x[tuple(key)]


def _even(length: int, size: int) -> list[int]:
    return [min(size, length - i) for i in range(0, length, size)] if size else [length]


def _write(self: Any, src: Any, *, key: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    out[key if isinstance(key, tuple) else (key,)] = _o(src)
    return out


def _index_put(self: Any, values: Any, *, indices: Any, accumulate: bool, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    if accumulate:
        np.add.at(out, advanced(indices), _o(values))
    else:
        out[advanced(indices)] = _o(values)
    return out


def _scatter_add(self: Any, src: Any, *, dim: int, index: Any, **_: Any) -> np.ndarray:
    out = _o(self).copy()
    index = np.asarray(index, dtype=np.int64)
    key = list(np.indices(index.shape, sparse=True))
    key[dim % out.ndim] = index
    np.add.at(out, tuple(key), _o(src)[tuple(slice(0, n) for n in index.shape)])
    return out


def _view_scatter(self: Any, src: Any, *, chain: Any, **_: Any) -> np.ndarray:
    """Write ``src`` through a chain of views of ``self``: the chain, replayed on element
    positions, says where each written element lands."""
    flat = _o(self).reshape(-1).copy()
    pos = _o(np.arange(flat.size).reshape(np.shape(self)))
    for name, attrs in chain:
        pos = _o(MEANINGS[name].fn(pos, **attrs))
    for p, v in zip(pos.flat, np.broadcast_to(_o(src), pos.shape).flat, strict=True):
        flat[p] = v
    return flat.reshape(np.shape(self))


_index("reshape", lambda self, *, shape, **_: _o(self).reshape(shape))
_index("unsafe_view", lambda self, *, shape, **_: _o(self).reshape(shape))
_index("expand", lambda self, *, shape, **_: np.broadcast_to(_o(self), shape).copy())
_index("to_copy", lambda self, **_: _o(self).copy())
_index("clone", lambda self, **_: _o(self).copy())
_index("alias", lambda self, **_: _o(self).copy())
_index("squeeze", _squeeze)
_index("squeeze_dim", _squeeze)
_index("squeeze_dims", _squeeze)
_index("unsqueeze", _unsqueeze)
_index("transpose", lambda self, *, dim0, dim1, **_: np.swapaxes(_o(self), dim0, dim1)
       if _o(self).ndim > 1 else _o(self).copy())
_index("t", lambda self, **_: _o(self).T.copy())
_index("permute", lambda self, *, dims, **_: np.transpose(_o(self), dims))
_index("flip", lambda self, *, dims, **_: np.flip(_o(self), dims) if _o(self).ndim
       else _o(self).copy())
_index("repeat", _repeat)
# ``legacy``: positions of 1-D empty tensors joined beside tensors of more dims, which add nothing
_index("cat", lambda *tensors, dim=0, legacy=(), **_: np.concatenate(
    [_o(t) for i, t in enumerate(tensors) if i not in legacy], axis=dim))
_index("stack", lambda *tensors, dim=0, **_: np.stack([_o(t) for t in tensors], axis=dim))
_index("split", lambda self, *, dim, split_size, index, **_: _part(
    self, dim, _even(_o(self).shape[dim], split_size), index))
_index("split_with_sizes", lambda self, *, dim, split_sizes, index, **_: _part(
    self, dim, split_sizes, index))
_index("slice", _slice)
_index("select", _select)
_index("unbind", _select)
_index("index", lambda self, *, indices, **_: _o(_o(self)[advanced(indices)]))
_index("gather", _gather)
_index("index_select", _index_select)
_index("copy_slices", _write)
_index("view_scatter", _view_scatter)
_index("masked_fill", lambda self, *, mask, value, **_: _o(np.where(mask, num(value), _o(self))))
_index("masked_fill_tensor", lambda self, value, *, mask, **_: _o(np.where(
    mask, np.broadcast_to(_o(value), _o(self).shape), _o(self))))
_index("zero", lambda self, **_: np.full(_o(self).shape, sympy.S.Zero, dtype=object))
_index("fill", lambda self, *, value, **_: np.full(_o(self).shape, num(value), dtype=object))
_index("fill_tensor", lambda self, value, **_: np.broadcast_to(_o(value), _o(self).shape).copy())
_index("copy", lambda self, src, **_: np.broadcast_to(_o(src), _o(self).shape).copy())
defmeaning("index_put", "structural", _index_put)
defmeaning("scatter_add", "structural", _scatter_add)
