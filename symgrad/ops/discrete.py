"""Results that are an index or a truth value: the reductions ``argmax``, ``argmin``, ``all``,
``any``, the tests of each element ``isnan``, ``isinf``, ``isfinite``, and the comparisons
``isclose`` and ``allclose``. They have no gradient, so they are plain functions, not registry
ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import _TORCH_NAMES, broadcast_shapes, expose, wrap_dim
from symgrad.ops.triangular import as_method, int_arg
from symgrad.tensor import Tensor


def _arg(fn: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if dim is not None:  # PyTorch's argument parser checks it first, before the dtype
        dim = int_arg(fn, "dim", 2, dim)
    a = input._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{fn}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{fn}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        out = np.asarray(getattr(np, fn)(a.reshape(-1)))
        return Tensor._make(out.reshape((1,) * a.ndim) if keepdim else out, False, None)
    axis = wrap_dim(dim, a.ndim)
    if a.ndim and a.shape[axis] == 0:
        raise IndexError(f"{fn}(): Expected reduction dim {axis} to have non-zero size.")
    # An empty tensor reduced along a dim of non-zero size: an empty result, as in PyTorch.
    out = getattr(np, fn)(a, axis=axis, keepdims=keepdim) if a.ndim else np.asarray(0)
    return Tensor._make(np.asarray(out, dtype=np.int64), False, None)


@expose(method=False)
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (the first of ties; NaN counts as largest), over all
    elements flattened or along ``dim``.

    Parameters:
        input: the tensor.
        dim: the dim to reduce; None for the index into the flattened tensor.
        keepdim: keep the reduced dim, with length 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    >>> x.argmax(), x.argmax(1), x.argmax(0, keepdim=True)
    (tensor(3), tensor([1, 0]), tensor([[1, 0, 0]]))
    """
    return _arg("argmax", input, dim, keepdim)


@expose(method=False)
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (the first of ties), as ``argmax`` finds the largest.

    Parameters:
        input: the tensor.
        dim: the dim to reduce; None for the index into the flattened tensor.
        keepdim: keep the reduced dim, with length 1.

    >>> import symgrad
    >>> symgrad.tensor([[1.0, 5.0], [-7.0, 0.0]]).argmin(1)
    tensor([0, 0])
    """
    return _arg("argmin", input, dim, keepdim)


# Methods whose int-argument errors count positions from after the tensor, as PyTorch's.
Tensor.argmax, Tensor.argmin = as_method(argmax), as_method(argmin)


def _truth(fn: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    from symgrad.ops.reductions import normalize_dims  # which imports this module

    a = input._data
    # A tuple of dims as PyTorch's (``()`` reduces none); None is every dim, which ``keepdim``
    # keeps; a zero-dim tensor takes dims 0 and -1 only (checked), and is its own reduction.
    axis = normalize_dims(dim, a.ndim)
    if not a.ndim:
        axis = None
    out = getattr(np, fn)(a, axis=axis, keepdims=keepdim)
    # PyTorch keeps uint8 for uint8 inputs; every other dtype gives bool.
    dtype = np.uint8 if a.dtype == np.uint8 else np.bool_
    return Tensor._make(np.asarray(out, dtype=dtype), False, None)


@expose()
def all(input: Tensor, dim: int | Sequence[int] | None = None,  # noqa: A001
        keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``) is nonzero.

    Parameters:
        input: the tensor.
        dim: the dim or dims to reduce (``()``: none); None for all elements.
        keepdim: keep the reduced dim, with length 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 0.0], [2.0, 3.0]])
    >>> x.all(), x.all(1), (x >= 0).all()
    (tensor(False), tensor([False,  True]), tensor(True))
    """
    return _truth("all", input, dim, keepdim)


@expose()
def any(input: Tensor, dim: int | Sequence[int] | None = None,  # noqa: A001
        keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``) is nonzero.

    Parameters:
        input: the tensor.
        dim: the dim or dims to reduce (``()``: none); None for all elements.
        keepdim: keep the reduced dim, with length 1.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 0.0], [0.0, 0.0]])
    >>> x.any(), x.any(1)
    (tensor(True), tensor([ True, False]))
    """
    return _truth("any", input, dim, keepdim)


def _test(fn: np.ufunc, input: Tensor) -> Tensor:
    # Integer and bool elements are never NaN or infinite; NumPy's ufuncs say so too.
    return Tensor._make(np.asarray(fn(input._data), dtype=np.bool_), False, None)


@expose()
def isnan(input: Tensor) -> Tensor:
    """Whether each element is NaN, as a bool tensor of ``input``'s shape.

    Parameters:
        input: the tensor (integer and bool elements are never NaN).

    >>> import math, symgrad
    >>> symgrad.tensor([1.0, math.nan, math.inf]).isnan()
    tensor([False,  True, False])
    """
    return _test(np.isnan, input)


@expose()
def isinf(input: Tensor) -> Tensor:
    """Whether each element is infinite (of either sign), as a bool tensor.

    Parameters:
        input: the tensor (integer and bool elements are never infinite).

    >>> import math, symgrad
    >>> symgrad.isinf(symgrad.tensor([1.0, math.nan, -math.inf]))
    tensor([False, False,  True])
    """
    return _test(np.isinf, input)


@expose()
def isfinite(input: Tensor) -> Tensor:
    """Whether each element is finite (neither infinite nor NaN), as a bool tensor.

    Parameters:
        input: the tensor (integer and bool elements are always finite).

    >>> import math, symgrad
    >>> symgrad.isfinite(symgrad.tensor([1.0, math.nan, -math.inf]))
    tensor([ True, False, False])
    """
    return _test(np.isfinite, input)




@expose()
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Whether each element of ``input`` is close to ``other``'s (broadcast): equal, or
    ``|input - other| <= atol + rtol * |other|`` computed in their dtype (integers in the
    default float), as PyTorch computes it; infinities are close only to themselves, NaN only
    to NaN with ``equal_nan``.

    Parameters:
        input: the tensor.
        other: a tensor of the same dtype.
        rtol: the tolerance relative to ``|other|``; not negative.
        atol: the absolute tolerance; not negative.
        equal_nan: count two NaNs as close.

    >>> import math, symgrad
    >>> a, b = symgrad.tensor([1.0, 1.1, math.nan]), symgrad.tensor([1.0 + 1e-6, 1.0, math.nan])
    >>> symgrad.isclose(a, b), symgrad.isclose(a, b, equal_nan=True)
    (tensor([ True, False, False]), tensor([ True, False,  True]))
    """
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_TORCH_NAMES[a.dtype.name]} did not match "
                           f"{_TORCH_NAMES[b.dtype.name]}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value:g}")
    broadcast_shapes(a.shape, b.shape)
    close = a == b
    integral = a.dtype.kind in "biu"
    if equal_nan and not integral:
        close |= np.isnan(a) & np.isnan(b)
    if rtol or atol:
        if integral:
            a, b = (x.astype(_dtypes.get_default_dtype().np) for x in (a, b))
        close |= _within(a, b, rtol, atol)
    return Tensor._make(np.asarray(close, dtype=np.bool_), False, None)


_HALF = frozenset({np.dtype(np.float16), _dtypes.bfloat16.np})


def _within(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """``|a - b| <= atol + |rtol * b|``, finite, each step as PyTorch's kernels take it: in the
    dtype, the tolerances rounded to it; float16 and bfloat16 in float32 (their opmath), each
    result rounded back to the dtype."""
    dtype = a.dtype
    wide = np.dtype(np.float32) if dtype in _HALF else dtype

    def rounded(x: np.ndarray) -> np.ndarray:
        return x.astype(dtype).astype(wide) if wide is not dtype else x

    a, b, t = a.astype(wide), b.astype(wide), wide.type
    with np.errstate(invalid="ignore", over="ignore"):
        allowed = rounded(t(atol) + np.abs(rounded(t(rtol) * b)))
        error = rounded(np.abs(a - b))
    return np.isfinite(error) & (error <= allowed)


@expose()
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other``'s (``isclose``), as a Python
    bool.

    Parameters:
        input: the tensor.
        other: a tensor of the same dtype.
        rtol: the tolerance relative to ``|other|``; not negative.
        atol: the absolute tolerance; not negative.
        equal_nan: count two NaNs as close.

    >>> import symgrad
    >>> symgrad.allclose(symgrad.tensor([1.0, 2.0]), symgrad.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@expose()
def equal(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape and equal elements (compared after
    promotion: ``-0.0`` equals ``0.0``, a NaN equals nothing), as a Python bool.

    Parameters:
        input: the tensor.
        other: the tensor compared with it.

    >>> import symgrad
    >>> symgrad.equal(symgrad.tensor([1, 2]), symgrad.tensor([1.0, 2.0]))
    True
    >>> symgrad.tensor([1.0]).equal(symgrad.tensor([1.0, 1.0]))
    False
    """
    for position, name, t in ((1, "input", input), (2, "other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"equal(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(t).__name__}")
    return input.shape == other.shape and bool(np.all(input._data == other._data))


@expose(method=False)
def numel(input: Tensor) -> int:
    """The number of elements of ``input`` (``Tensor.numel``).

    Parameters:
        input: the tensor.

    >>> import symgrad
    >>> symgrad.numel(symgrad.zeros(2, 3))
    6
    """
    return int(input._data.size)
