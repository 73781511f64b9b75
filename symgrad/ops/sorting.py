"""Sorting: ``sort``, ``argsort``, ``msort`` and ``topk``, values with the indices they came from.

The order is PyTorch's: NaN sorts as larger than +inf, ``-0.0`` and ``0.0`` tie, and tied
elements keep their order in the input (a stable sort, ascending or descending), which is what
PyTorch's CPU sort gives with ``stable=True`` and, for lines of up to 16 elements, with
``stable=False`` too (longer lines it sorts with an unstable algorithm, whose order among
ties is its own: 60 of 600 random tied cases of 17 to 5,000 elements differed). The gradient of each
value goes back to the position it came from (the returned index), as PyTorch's
``SortBackward0`` and ``TopkBackward0`` scatter it; the VJPs are symgrad ops (``gather``,
``scatter_add``), so every order works.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from symgrad import _dtypes, return_types
from symgrad.autograd.graph import keep_inputs_as_recorded, save_outputs
from symgrad.ops.indexing import GATHER, SCATTER_ADD
from symgrad.ops.registry import ALL, Kink, apply, defop, expose, refuse, wrap_dim
from symgrad.ops.triangular import as_method, int_arg
from symgrad.tensor import Tensor


def sort_indices(x: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Where each element of the sorted ``x`` comes from along ``dim`` (int64), in a stable
    order with NaN largest.

    NumPy's stable sort puts NaN last and keeps ties in input order; a descending stable sort
    is the ascending one of the reversed line, read backwards (ties still in input order).

    Args:
        x: The array (at least 1-d).
        dim: The non-negative dim sorted along.
        descending: Largest first.

    >>> sort_indices(np.array([2.0, np.nan, 1.0, 2.0]), 0, True).tolist()
    [1, 0, 3, 2]
    """
    if x.dtype in (_dtypes.float16.np, _dtypes.bfloat16.np):
        x = x.astype(np.float32)  # exact; NumPy sorts bfloat16 as an opaque type
    if not descending:
        return np.argsort(x, axis=dim, kind="stable").astype(np.int64)
    n = x.shape[dim]
    backwards = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return (n - 1 - np.flip(backwards, dim)).astype(np.int64)


def _sorted(self: np.ndarray, dim: int, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    if self.ndim == 0:
        return self.copy(), np.zeros((), np.int64)
    index = sort_indices(self, dim, descending)
    return np.take_along_axis(self, index, axis=dim), index


def _first(index: np.ndarray, dim: int, k: int) -> np.ndarray:
    return index[(slice(None),) * dim + (slice(0, k),)] if index.ndim else index


def _sort_vjp(g: Tensor, self: Tensor, *, dim: int, descending: bool) -> Tensor:
    # out[j] = self[index[j]], so grad[i] = g[inverse[i]] with inverse the inverse permutation.
    if g.ndim == 0:
        return g
    index = sort_indices(self._data, dim, descending)
    inverse = np.argsort(index, axis=dim).astype(np.int64)
    return apply(GATHER, g, dim=dim, index=inverse)


def _topk_vjp(g: Tensor, self: Tensor, *, k: int, dim: int, largest: bool, sorted: bool,
              self_shape: tuple[int, ...]) -> Tensor:
    if g.ndim == 0:
        return g
    index = _first(sort_indices(self._data, dim, largest), dim, k)
    zeros = Tensor._make(np.zeros(self_shape, dtype=g._data.dtype), False, None)
    return apply(SCATTER_ADD, zeros, g, dim=dim, index=index)


def _tie_points(self: np.ndarray, *, dim: int, **_: Any) -> np.ndarray:
    """Elements equal to another of their line along ``dim``: neighbours once sorted."""
    x = np.asarray(self)
    if x.ndim == 0 or x.shape[dim] == 0:
        return np.zeros(x.shape, bool)
    index = sort_indices(x, dim, False)
    ordered = np.moveaxis(np.take_along_axis(x, index, axis=dim), dim, -1)
    equal = ordered[..., 1:] == ordered[..., :-1]
    edge = np.zeros(equal.shape[:-1] + (1,), bool)
    tied = np.concatenate([equal, edge], -1) | np.concatenate([edge, equal], -1)
    out = np.zeros(x.shape, bool)
    np.put_along_axis(out, index, np.moveaxis(tied, -1, dim), axis=dim)
    return out


# Ties: the engine gives each tied position the element the stable order puts there, the
# first of them to the first position, as PyTorch does: the "stable" convention, the
# Jacobian's limit at x + eps * position (- eps * position for a descending order).
_TIES = (Kink("self", "two elements of a line of self tie", _tie_points, "stable"),)

SORT = defop("sort", "SortBackward0",
             lambda self, *, dim, descending: _sorted(self, dim, descending)[0],
             vjp=_sort_vjp, dtype_rule="same", dtypes=ALL, kind="index", kinks=_TIES)
TOPK = defop("topk", "TopkBackward0",
             lambda self, *, k, dim, largest, sorted: _first(
                 _sorted(self, dim, largest)[0], dim, k),
             vjp=_topk_vjp, dtype_rule="same", dtypes=ALL - {_dtypes.bool}, kind="index",
             kinks=_TIES,
             refuses=refuse({_dtypes.bool}, "topk does not support bool dtypes on CPU"))


def _indices(index: np.ndarray) -> Tensor:
    return Tensor._make(np.array(index, dtype=np.int64), False, None)


@expose(method=False)
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
         ) -> Any:
    """``(values, indices)``: ``input`` sorted along ``dim``, and where each value came from.

    NaN sorts as larger than +inf; tied elements keep their input order (see the module
    docstring: PyTorch guarantees that only with ``stable=True``). The gradient of each value
    goes back to the position it came from.

    Args:
        input: The tensor; any dtype.
        dim: The dim to sort along. Defaults to -1, the last.
        descending: Largest first. Defaults to False.
        stable: Keep tied elements in input order; symgrad always does. Defaults to False.
            (PyTorch takes ``dim`` and ``descending`` by keyword only when ``stable`` is
            given; symgrad takes them either way.)

    >>> import math
    >>> import symgrad
    >>> x = symgrad.tensor([3.0, math.nan, 1.0, 3.0], requires_grad=True)
    >>> values, indices = symgrad.sort(x, descending=True)
    >>> values, indices
    (tensor([nan, 3., 3., 1.], grad_fn=<SortBackward0>), tensor([1, 0, 3, 2]))
    >>> (values * symgrad.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward(); x.grad
    tensor([2., 1., 4., 3.])
    """
    d = wrap_dim(int_arg("sort", "dim", 2, dim), input.ndim)
    values = apply(SORT, input, dim=d, descending=bool(descending))
    keep_inputs_as_recorded(values)
    index = _sorted(input._data, d, bool(descending))[1]
    indices = _indices(index)
    save_outputs(values, indices)
    return return_types.sort(values, indices)


@expose(method=False)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
            ) -> Tensor:
    """The indices that sort ``input`` along ``dim``: ``sort(...).indices``.

    Args:
        input: The tensor; any dtype.
        dim: The dim to sort along. Defaults to -1, the last.
        descending: Largest first. Defaults to False.
        stable: Keep tied elements in input order; symgrad always does. Defaults to False.

    >>> import symgrad
    >>> symgrad.tensor([[2, 0, 1], [5, 5, 4]]).argsort(dim=1)
    tensor([[1, 2, 0],
            [2, 0, 1]])
    """
    d = wrap_dim(int_arg("argsort", "dim", 2, dim), input.ndim)
    return _indices(_sorted(input._data, d, bool(descending))[1])


@expose(method=False)
def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim, ascending: ``sort(input, dim=0).values``.

    Args:
        input: The tensor; any dtype.

    >>> import symgrad
    >>> symgrad.msort(symgrad.tensor([[3.0, 1.0], [2.0, 4.0]]))
    tensor([[2., 1.],
            [3., 4.]])
    """
    values = apply(SORT, input, dim=0, descending=False)
    keep_inputs_as_recorded(values)
    return values


@expose(method=False)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> Any:
    """``(values, indices)``: the ``k`` largest (or smallest) elements along ``dim``, and where
    they came from.

    NaN counts as larger than +inf. Among tied elements the earlier in ``input`` comes first,
    where PyTorch's order among ties is that of its selection algorithm; with ``sorted=False``
    the values still come sorted (PyTorch's order is then unspecified). The gradient of each
    value goes back to the position it came from. bool inputs raise, as in PyTorch.

    Args:
        input: The tensor; any dtype but bool.
        k: How many elements, ``0 <= k <= input.shape[dim]``.
        dim: The dim to select along. Defaults to -1, the last.
        largest: The largest elements (else the smallest). Defaults to True.
        sorted: Return them in sorted order. Defaults to True.

    >>> import symgrad
    >>> symgrad.tensor([1.0, 5.0, 2.0, 4.0]).topk(2)
    symgrad.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    k = int_arg("topk", "k", 2, k)
    d = wrap_dim(int_arg("topk", "dim", 3, dim), input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values = apply(TOPK, input, k=k, dim=d, largest=bool(largest), sorted=bool(sorted))
    keep_inputs_as_recorded(values)
    index = _first(_sorted(input._data, d, bool(largest))[1], d, k)
    indices = _indices(index)
    save_outputs(values, indices)
    return return_types.topk(values, indices)


for _fn in (sort, argsort, msort, topk):
    setattr(Tensor, _fn.__name__, as_method(_fn))
