"""Shape and indexing ops: each output element is one input element, moved.

These meanings are NumPy indexing on object arrays, so the same function moves SymPy
expressions (whole-expression mode) and element numbers (the oracle's local mode, where the
derivative of a moved element is 1 at its source).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oracle.semantics import defmeaning

__all__ = ["normalise_index"]


def _index(name: str, fn: Any, index_args: tuple[str, ...] = ()) -> None:
    defmeaning(name, "index", fn, index_args=index_args)


def _o(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=object)


def _flatten(self: Any, *, start_dim: int = 0, end_dim: int = -1, **_: Any) -> np.ndarray:
    x = _o(self)
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])


def _squeeze(self: Any, *, dim: Any = None, **_: Any) -> np.ndarray:
    x = _o(self)
    if dim is None:
        return x.reshape([s for s in x.shape if s != 1])
    dims = {d % max(x.ndim, 1) for d in ((dim,) if isinstance(dim, int) else dim)}
    return x.reshape([s for i, s in enumerate(x.shape) if not (i in dims and s == 1)])


def _unsqueeze(self: Any, *, dim: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return np.expand_dims(x, dim % (x.ndim + 1))


def _slice(self: Any, *, dim: int = 0, start: Any = None, end: Any = None, step: int = 1,
           **_: Any) -> np.ndarray:
    x = _o(self)
    key = [slice(None)] * x.ndim
    key[dim % x.ndim] = slice(start, end, step)
    return x[tuple(key)]


def _select(self: Any, *, dim: int, index: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return _o(np.take(x, index, axis=dim % x.ndim))


def normalise_index(key: Any) -> Any:
    """An indexing key as NumPy reads it (lists of ints become integer arrays)."""
    if isinstance(key, tuple):
        return tuple(normalise_index(k) for k in key)
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _getitem(self: Any, *indices: Any, key: Any = None, index: Any = None, **_: Any) -> np.ndarray:
    x = _o(self)
    k = key if key is not None else index
    if indices:
        k = tuple(np.asarray(i) for i in indices) if k is None else k
    return _o(x[normalise_index(k)])


def _setitem(self: Any, value: Any, *rest: Any, key: Any = None, index: Any = None,
             **_: Any) -> np.ndarray:
    out = _o(self).copy()
    k = key if key is not None else index
    if rest:
        k = tuple(np.asarray(i) for i in rest) if k is None else k
    out[normalise_index(k)] = _o(value)
    return out


def _gather(self: Any, index: Any, *, dim: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return _o(np.take_along_axis(x, np.asarray(index, dtype=np.int64), axis=dim % x.ndim))


def _index_select(self: Any, index: Any, *, dim: int, **_: Any) -> np.ndarray:
    x = _o(self)
    return _o(np.take(x, np.asarray(index, dtype=np.int64).reshape(-1), axis=dim % max(x.ndim, 1))
              if x.ndim else x)


def _repeat(self: Any, *, repeats: Any = None, sizes: Any = None, **_: Any) -> np.ndarray:
    reps = tuple(repeats if repeats is not None else sizes)
    x = _o(self)
    x = x.reshape((1,) * (len(reps) - x.ndim) + x.shape)
    return np.tile(x, reps)


def _split_part(self: Any, *, dim: int = 0, start: int | None = None, end: int | None = None,
                slices: Any = None, index: int | None = None, **kw: Any) -> np.ndarray:
    x = _o(self)
    if slices is not None and index is not None:
        start, end = slices[index]
    elif slices is not None:
        start, end = slices
    key = [slice(None)] * x.ndim
    key[dim % x.ndim] = slice(start, end)
    return x[tuple(key)]


_index("reshape", lambda self, *, shape, **_: _o(self).reshape(shape))
_index("view", lambda self, *, shape, **_: _o(self).reshape(shape))
_index("expand", lambda self, *, shape, **_: np.broadcast_to(_o(self), shape).copy())
_index("to_copy", lambda self, **_: _o(self).copy())
_index("clone", lambda self, **_: _o(self).copy())
_index("contiguous", lambda self, **_: _o(self).copy())
_index("alias", lambda self, **_: _o(self).copy())
_index("flatten", _flatten)
_index("squeeze", _squeeze)
_index("unsqueeze", _unsqueeze)
_index("transpose", lambda self, *, dim0, dim1, **_: np.swapaxes(_o(self), dim0, dim1)
       if _o(self).ndim > 1 else _o(self).copy())
_index("t", lambda self, **_: _o(self).T.copy())
_index("permute", lambda self, *, dims, **_: np.transpose(_o(self), dims))
_index("flip", lambda self, *, dims, **_: np.flip(_o(self), dims) if _o(self).ndim
       else _o(self).copy())
_index("repeat", _repeat)
_index("cat", lambda *tensors, dim=0, **_: np.concatenate(
    [_o(t) for t in tensors if _o(t).size or _o(t).ndim != 1], axis=dim))
_index("stack", lambda *tensors, dim=0, **_: np.stack([_o(t) for t in tensors], axis=dim))
_index("split", _split_part)
_index("chunk", _split_part)
_index("unbind", lambda self, *, dim=0, index, **_: _o(np.take(_o(self), index, axis=dim)))
_index("narrow", lambda self, *, dim, start, length, **_: _slice(
    self, dim=dim, start=start, end=start + length))
_index("slice", _slice)
_index("select", _select)
_index("index", _getitem, index_args=("indices", "index", "mask", "indices0", "indices1"))
_index("getitem", _getitem, index_args=("indices", "index", "mask"))
_index("setitem", _setitem, index_args=("indices", "index", "mask"))
_index("gather", _gather, index_args=("index",))
_index("index_select", _index_select, index_args=("index",))
_index("diagonal", lambda self, *, offset=0, dim1=0, dim2=1, **_: np.diagonal(
    _o(self), offset, dim1, dim2).copy())
_index("tril", lambda self, *, diagonal=0, **_: _o(np.where(
    np.tri(*_o(self).shape[-2:], k=diagonal, dtype=bool), _o(self), 0)))
_index("triu", lambda self, *, diagonal=0, **_: _o(np.where(
    ~np.tri(*_o(self).shape[-2:], k=diagonal - 1, dtype=bool), _o(self), 0)))
