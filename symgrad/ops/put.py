"""``put``: writes at flat indices, as PyTorch has it (``torch.put``, ``Tensor.put``,
``Tensor.put_``): ``source``'s ``k``-th element goes to the element ``index[k]`` of ``input``
read as 1-D (negative indices count from the end); with ``accumulate`` it is added there, the
repeated indices adding up.

Its node (``PutBackward0``) sends ``g`` to ``input`` where nothing was written over (all of it
when accumulating: PyTorch's ``grad.put(index, zeros_like(source))``) and ``g`` read at the
indices to ``source`` (``grad.take(index)``, so each of repeated indices gets it, as in
PyTorch, whichever write won), both written in ops so gradients of gradients work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops import inplace as _inplace
from symgrad.ops.registry import ALL, apply, defop, expose
from symgrad.ops.shape_more import TAKE, _need
from symgrad.tensor import Tensor

__all__ = ["put"]


def _put(self: np.ndarray, source: np.ndarray, *, index: np.ndarray,
         accumulate: bool) -> np.ndarray:
    out = self.copy()
    flat = out.reshape(-1)
    values = source.reshape(-1).astype(out.dtype)
    if accumulate:
        np.add.at(flat, index.reshape(-1), values)
    else:
        flat[index.reshape(-1)] = values
    return out


def _put_vjp(g: Tensor, *, index: np.ndarray, accumulate: bool,
             source_shape: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    kept = g if accumulate else apply(PUT, g, Tensor._make(
        np.zeros(source_shape, g._data.dtype), False, None), index=index, accumulate=False)
    return kept, apply(TAKE, g, index=index).reshape(source_shape)


PUT = defop("put", "PutBackward0", _put, vjp=_put_vjp, saves_attrs=("index",),
            dtype_rule="same", dtypes=ALL, kind="index")


def _indices(input: Tensor, index: Tensor, source: Tensor) -> np.ndarray:
    """``index`` checked as PyTorch checks it, in its order, and wrapped into range."""
    if index.dtype is not _dtypes.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got "
                           f"{_dtypes._TORCH_NAMES[index.dtype.name]}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_dtypes._TORCH_NAMES[input.dtype.name]} and "
                           f"source.dtype = {_dtypes._TORCH_NAMES[source.dtype.name]}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    size = input.numel()
    if not size and index.numel():
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    idx = index._data.reshape(-1)
    bad = idx[(idx < -size) | (idx >= size)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of "
                         f"{size} elements.")
    return (idx % max(size, 1)).astype(np.int64)


@expose()
def put(input: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source``'s elements written (or, with ``accumulate``, added)
    at the flat positions ``index``.

    Args:
        input: The tensor, read as 1-D (not changed).
        index: An int64 tensor of flat positions (negative ones count from the end), one per
            element of ``source``.
        source: A tensor of ``input``'s dtype with as many elements as ``index``.
        accumulate: Add ``source`` to the elements instead of replacing them (repeated
            positions add up). Defaults to False.

    >>> import symgrad
    >>> symgrad.put(symgrad.zeros(2, 3), symgrad.tensor([0, -1]), symgrad.tensor([1.0, 2.0]))
    tensor([[1., 0., 0.],
            [0., 0., 2.]])
    """
    _need("put", index=(2, index), source=(3, source))
    idx = _indices(input, index, source)
    return apply(PUT, input, source, index=idx, accumulate=bool(accumulate))


def _same_elements(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``b`` is the elements of ``a`` in its layout (PyTorch's Full overlap)."""
    return bool(a.size) and a.shape == b.shape and a.strides == b.strides and (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``put``, written into this tensor.

    Args:
        index: An int64 tensor of flat positions, one per element of ``source``.
        source: A tensor of this tensor's dtype with as many elements as ``index``.
        accumulate: Add instead of replacing. Defaults to False.

    >>> import symgrad
    >>> symgrad.zeros(3).put_(symgrad.tensor([1, 1]), symgrad.tensor([2.0, 3.0]), True)
    tensor([0., 5., 0.])
    """
    _need("put_", index=(1, index), source=(2, source))
    if _same_elements(self._data, source._data):
        # PyTorch's assert_no_overlap refuses a full overlap too (rewrite's check, a partial one)
        raise RuntimeError("unsupported operation: some elements of the input tensor and the "
                           "written-to tensor refer to a single memory location. Please clone() "
                           "the tensor before performing the operation.")
    return _inplace.rewrite(self, lambda old: put(old, index, source, accumulate),
                            reads=(index, source))


Tensor.put_ = _put_  # type: ignore[attr-defined]
