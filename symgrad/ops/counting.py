"""Counting and searching: ``unique``, ``unique_consecutive``, ``bincount``, ``histc``,
``searchsorted`` and ``bucketize``, with PyTorch's values, dtypes and errors.

None of them has a gradient. The values ``unique`` and ``unique_consecutive`` return of an
input that requires grad require grad too, through the node PyTorch records
(``Unique2Backward0``, ``UniqueDimBackward0``, ``UniqueConsecutiveBackward0``), whose backward
raises PyTorch's NotImplementedError; the other functions' results never require grad. A NaN
is unequal to every element, itself included, as in PyTorch: each NaN is its own unique value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.autograd import grad_mode
from symgrad.autograd.graph import Node
from symgrad.ops.registry import _TORCH_NAMES, _edge, expose, wrap_dim
from symgrad.ops.triangular import as_method
from symgrad.tensor import Tensor


def _int64(a: Any) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=np.int64), False, None)


def _like(a: np.ndarray, input: Tensor) -> Tensor:
    return Tensor._make(np.asarray(a, dtype=input._data.dtype), False, None)


def _comparable(a: np.ndarray) -> np.ndarray:
    # exact; NumPy sorts bfloat16 as an opaque type
    return a.astype(np.float32) if a.dtype == _dtypes.bfloat16.np else a


class NoDerivativeNode(Node):
    """The node PyTorch records for the values of an op it has no derivative for; backward
    through it raises PyTorch's NotImplementedError, naming the ATen op (``aten``).

    >>> import symgrad
    >>> y = symgrad.unique(symgrad.tensor([2.0, 1.0, 2.0], requires_grad=True))
    >>> y
    tensor([1., 2.], grad_fn=<Unique2Backward0>)
    >>> y.sum().backward()
    Traceback (most recent call last):
    ...
    NotImplementedError: the derivative for '_unique2' is not implemented.
    """

    __slots__ = ()
    aten = ""
    # Run by an undefined gradient too (``graph._run_undefined``): PyTorch's node raises then.
    refuses_undefined = True

    def name(self) -> str:
        """PyTorch's name for the node (its class's name)."""
        return type(self).__name__

    def apply(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """Refuse, as PyTorch does (see the class's example), where a gradient would go: an
        input no gradient reaches (a view that requires grad through its base) is skipped."""
        if not isinstance(self.inputs[0], Node):
            return (None,)
        raise NotImplementedError(f"the derivative for '{self.aten}' is not implemented.")


def _no_derivative(grad_fn: str, aten: str) -> type[NoDerivativeNode]:
    return type(grad_fn, (NoDerivativeNode,), {"__slots__": (), "aten": aten,
                                               "__module__": __name__, "__qualname__": grad_fn})


_UNIQUE2 = _no_derivative("Unique2Backward0", "_unique2")
_UNIQUE_DIM = _no_derivative("UniqueDimBackward0", "unique_dim")
_UNIQUE_CONSECUTIVE = _no_derivative("UniqueConsecutiveBackward0", "unique_consecutive")


def _recorded(output: Tensor, input: Tensor, node: type[NoDerivativeNode]) -> Tensor:
    """``output``, made by a ``node`` of ``input`` when that requires grad (and grad mode is
    on), as PyTorch records it."""
    if input._rg and grad_mode._state.enabled:
        output._rg = True
        output._fn = node(None, {}, (_edge(input),), ((input._data.shape, input._data.dtype),))
    return output


def _results(output: Tensor, inverse: Any, counts: Any, return_inverse: bool,
             return_counts: bool) -> Any:
    if not (return_inverse or return_counts):
        return output
    return (output,) + ((_int64(inverse),) if return_inverse else ()) + \
        ((_int64(counts),) if return_counts else ())


@expose(method=False)
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements of ``input`` (or slices along ``dim``), sorted; with the index of
    each input element's value among them and how often each occurs.

    Args:
        input: The tensor; any dtype.
        sorted: Sort the result; symgrad always does, as PyTorch's CPU kernel. Defaults to True.
        return_inverse: Also return, for each element (slice), the index of its value in the
            result (shaped as ``input``, or ``input.shape[dim]``). Defaults to False.
        return_counts: Also return how many times each value occurs. Defaults to False.
        dim: The dim whose slices are compared. Defaults to None: the flattened elements.

    >>> import symgrad
    >>> symgrad.unique(symgrad.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 0, 2, 1]), tensor([1, 1, 2]))
    """
    a = input._data
    if dim is None:
        flat = _comparable(a.reshape(-1))
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True,
                                            equal_nan=False)
        output = _recorded(_like(values, input), input, _UNIQUE2)
        return _results(output, inverse.reshape(a.shape), counts, return_inverse, return_counts)
    d = _dim(dim, input)
    moved = np.moveaxis(_comparable(a), d, 0)
    rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    _selectable(rows)
    if not rows.shape[0]:
        values, inverse, counts = moved, np.zeros(0, np.int64), np.zeros(0, np.int64)
    else:
        _, first, inverse, counts = np.unique(rows, axis=0, return_index=True,
                                              return_inverse=True, return_counts=True)
        values = moved[first]
    output = _recorded(_like(np.moveaxis(values, 0, d), input), input, _UNIQUE_DIM)
    return _results(output, inverse.reshape(-1), counts, return_inverse, return_counts)


def _selectable(rows: np.ndarray) -> None:
    """PyTorch's error for slices (``rows``) that are empty while there are some."""
    if rows.shape[0] and not rows.shape[1]:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")


def _dim(dim: int, input: Tensor) -> int:
    """``dim`` wrapped, or PyTorch's error for a zero-dim input (it reads the dim's size)."""
    if not input.ndim:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, input.ndim)


@expose(method=False)
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept
    once; with the run each element belongs to and the runs' lengths.

    Args:
        input: The tensor; any dtype.
        return_inverse: Also return, for each element (slice), the index of its run. Defaults
            to False.
        return_counts: Also return each run's length. Defaults to False.
        dim: The dim whose slices are compared. Defaults to None: the flattened elements.

    >>> import symgrad
    >>> symgrad.unique_consecutive(symgrad.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
    (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    a = input._data
    d = None if dim is None else _dim(dim, input)
    moved = a.reshape(-1) if d is None else np.moveaxis(a, d, 0)
    rows = _comparable(moved).reshape(moved.shape[0], math.prod(moved.shape[1:]))
    if d is not None:
        _selectable(rows)
    n = rows.shape[0]
    if n == 0:
        starts = np.zeros(0, bool)
    else:
        changed = np.any(rows[1:] != rows[:-1], axis=1) if rows.shape[1] else np.zeros(n - 1,
                                                                                     bool)
        starts = np.concatenate([[True], changed])
    run = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, n))
    values = moved[first]
    output = _recorded(_like(values if d is None else np.moveaxis(values, 0, d), input), input,
                       _UNIQUE_CONSECUTIVE)
    inverse = run.reshape(a.shape) if d is None else run
    return _results(output, inverse, counts, return_inverse, return_counts)


_INTEGRAL = frozenset(np.dtype(t) for t in (np.uint8, np.int8, np.int16, np.int32, np.int64))


@expose(method=False)
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How many times each non-negative int occurs in the 1-d ``input`` (or the sum of its
    ``weights``), for ``0 .. max(max(input) + 1, minlength) - 1``.

    Args:
        input: A 1-d tensor of non-negative ints.
        weights: A weight per element, of ``input``'s length. Defaults to None: counts (int64).
            float32 weights give float32 sums, any other dtype float64, as PyTorch's.
        minlength: The least length of the result. Defaults to 0.

    >>> import symgrad
    >>> symgrad.bincount(symgrad.tensor([0, 1, 1, 3]))
    tensor([1, 2, 0, 1])
    >>> symgrad.tensor([0, 1, 1]).bincount(symgrad.tensor([0.5, 1.0, 2.0]), minlength=3)
    tensor([0.5000, 3.0000, 0.0000])
    """
    a = input._data
    if a.dtype not in _INTEGRAL:
        raise NotImplementedError(
            f'"bincount_cpu" not implemented for \'{_TORCH_NAMES[input.dtype.name]}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != a.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    size = max(int(a.max()) + 1 if a.size else 0, int(minlength))
    if weights is None or not a.size:  # PyTorch's counts of nothing are int64, weighted or not
        return _int64(np.bincount(a.astype(np.int64), minlength=size))
    out = np.float32 if weights.dtype is _dtypes.float32 else np.float64
    w = weights._data.astype(np.float64)
    # float32 sums in float32 as PyTorch's, one add at a time (np.add.at, unbuffered)
    total = np.zeros(size, dtype=out)
    np.add.at(total, a.astype(np.int64), w.astype(out))
    return Tensor._make(total, False, None)


def _printed(x: float) -> str:
    """A float as C++'s ``<<`` prints it in PyTorch's messages (``1``, ``inf``, ``-nan``)."""
    if math.isnan(x):
        return "-nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


@expose(method=False)
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``input``'s elements: ``bins`` equal bins over ``[min, max]`` (the
    elements' own range when both are 0, widened by 1 each way when that is a point); elements
    outside the range (and NaN) are not counted, ``max`` itself goes into the last bin.

    Args:
        input: The tensor; a floating dtype. The counts come in its dtype.
        bins: How many bins. Defaults to 100.
        min: The lower end of the range. Defaults to 0.
        max: The upper end of the range. Defaults to 0.

    >>> import symgrad
    >>> symgrad.histc(symgrad.tensor([1.0, 2.0, 1.0, 4.0, 2.5]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 1.])
    """
    a = input._data
    if bins <= 0:  # checked before the dtype, as PyTorch does
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    if not input.is_floating_point():
        raise NotImplementedError(
            f'"histogram_cpu" not implemented for \'{_TORCH_NAMES[input.dtype.name]}\'')
    x = a.astype(np.float64) if a.dtype in (_dtypes.float16.np, _dtypes.bfloat16.np) else a
    lo, hi = x.dtype.type(min), x.dtype.type(max)
    if lo == hi and x.size:
        lo, hi = np.min(x), np.max(x)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_printed(float(lo))}, "
                           f"{_printed(float(hi))}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    inside = x[(x >= lo) & (x <= hi)]
    with np.errstate(over="ignore", invalid="ignore"):
        pos = ((inside - lo) * x.dtype.type(bins) / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)  # max itself goes into the last bin
    return _like(np.bincount(pos, minlength=bins)[:bins], input)


def _bounds(boundaries: np.ndarray, values: np.ndarray, right: bool,
            sorter: np.ndarray | None) -> np.ndarray:
    """PyTorch's binary search, for every value at once (the last axis of ``boundaries`` is
    searched, its leading axes matching ``values``'): the first position whose boundary is
    ``>= value`` (``> value`` with ``right``), read as PyTorch's loop reads it, so that a NaN
    anywhere lands where PyTorch's lands (``!(mid >= value)`` moves right past a NaN)."""
    n = boundaries.shape[-1]
    rows = boundaries.reshape(math.prod(boundaries.shape[:-1]), n)
    if rows.shape[0] == 1:
        row_of = np.zeros(values.shape, np.int64)
    else:
        row_of = np.broadcast_to(np.arange(rows.shape[0]).reshape(
            boundaries.shape[:-1] + (1,)), values.shape)
    order = None if sorter is None else sorter.reshape(rows.shape)
    start = np.zeros(values.shape, np.int64)
    end = np.full(values.shape, n, np.int64)
    with np.errstate(invalid="ignore"):
        while True:
            live = start < end
            if not live.any():
                return start
            mid = start + ((end - start) >> 1)
            at = np.minimum(mid, n - 1)
            if order is not None:
                at = order[row_of, at]
            mid_value = rows[row_of, at]
            go_right = ~(mid_value > values) if right else ~(mid_value >= values)
            start = np.where(live & go_right, mid + 1, start)
            end = np.where(live & ~go_right, mid, end)


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Compared in a dtype holding both exactly, as PyTorch's promotion to their common dtype.
    if a.dtype.kind == "f" or b.dtype.kind == "f" or _dtypes.bfloat16.np in (a.dtype, b.dtype):
        return a.astype(np.float64), b.astype(np.float64)
    return a.astype(np.int64), b.astype(np.int64)


@expose(method=False)
def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | None = None
                 ) -> Tensor:
    """Where each element of ``input`` would go in ``sorted_sequence`` (searched along its
    last dim) to keep it sorted: the first position whose element is ``>=`` it, or ``>`` it
    with ``right`` (``side="right"``).

    Args:
        sorted_sequence: The sorted boundaries: 1-d, or with leading dims matching ``input``'s.
        input: The values: a tensor or a Python number (a 0-d result).
        out_int32: int32 results (else int64). Defaults to False.
        right: Search for the first element greater than the value. Defaults to False.
        side: ``"left"`` or ``"right"``, the same choice as ``right``. Defaults to None.
        sorter: Indices that sort an unsorted ``sorted_sequence`` along its last dim.
            Defaults to None.

    >>> import symgrad
    >>> seq = symgrad.tensor([1.0, 3.0, 5.0, 7.0])
    >>> symgrad.searchsorted(seq, symgrad.tensor([3.0, 6.0])), symgrad.searchsorted(seq, 3.0,
    ...     right=True)
    (tensor([1, 3]), tensor(2))
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    boundaries = sorted_sequence._data
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if values.ndim == 0 and boundaries.ndim != 1:  # a number, or a 0-d tensor: checked first
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({boundaries.ndim}) and input "
            "value's dim(0) numel(1)")
    if boundaries.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if boundaries.ndim > 1 and (values.ndim != boundaries.ndim
                                or values.shape[:-1] != boundaries.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}")
    if values.size and boundaries.dtype == values.dtype == np.bool_:
        # PyTorch's kernel dispatches on the common dtype, once there are values to place.
        raise NotImplementedError('"searchsorted_out_cpu" not implemented for \'Bool\'')
    b, v = _common(boundaries, values)
    found = _bounds(b, v, bool(right), None if sorter is None else sorter._data)
    return Tensor._make(found.astype(np.int32 if out_int32 else np.int64), False, None)


@expose(method=False)
def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
              ) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-d ``boundaries``:
    ``searchsorted(boundaries, input, right=right)``.

    Args:
        input: The values: a tensor or a Python number.
        boundaries: The sorted 1-d boundaries.
        out_int32: int32 results (else int64). Defaults to False.
        right: A value equal to a boundary goes into the bucket after it. Defaults to False.

    >>> import symgrad
    >>> symgrad.bucketize(symgrad.tensor([[3.0, 6.0], [9.0, 0.0]]),
    ...                   symgrad.tensor([1.0, 3.0, 5.0, 7.0, 9.0]))
    tensor([[1, 3],
            [4, 0]])
    """
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


for _fn in (unique, unique_consecutive, bincount, histc):
    setattr(Tensor, _fn.__name__, as_method(_fn))
