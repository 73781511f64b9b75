"""Ops that treat NaN (and infinities) specially: ``nan_to_num`` replaces them, ``nansum``
and ``nanmean`` leave NaN out. Each differentiable one is an op of its own, as in PyTorch
(NanToNumBackward0, NansumBackward0); ``nanmean`` is PyTorch's composition, a ``nansum``
divided by the count of numbers (DivBackward0)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symgrad import _dtypes
from symgrad.ops.discrete import isfinite, isnan
from symgrad.ops.elementwise import logical_not
from symgrad.ops.inplace import rewrite
from symgrad.ops.reductions import (
    _as_asked,
    _sum_forward,
    cast_inside,
    dims_or_all,
    expand_reduced,
    read_as,
    torch_kind,
)
from symgrad.ops.registry import _FLOAT_NP, ALL, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["nan_to_num", "nan_to_num_", "nanmean", "nansum"]


def _nan_to_num_forward(self: np.ndarray, *, nan: float, posinf: float | None,
                        neginf: float | None) -> np.ndarray:
    if self.dtype not in _FLOAT_NP:  # integers and bools hold no NaN: a copy, as PyTorch's
        return self.copy()
    info = np.finfo(self.dtype)
    with np.errstate(over="ignore"):  # a replacement beyond the dtype's range rounds to inf
        values = [np.asarray(v, dtype=self.dtype) for v in
                  (nan, info.max if posinf is None else posinf,
                   info.min if neginf is None else neginf)]
    # Chosen on the input: a replacement that is itself infinite (7e4 in float16) stays.
    return np.select([np.isnan(self), self == np.inf, self == -np.inf], values, self)


# The gradient passes where the input is a number and is 0 where it was replaced (PyTorch's
# ``grad * isfinite(self)``: an infinite ``grad`` there gives NaN, as in PyTorch).
NAN_TO_NUM = defop("nan_to_num", "NanToNumBackward0", _nan_to_num_forward,
                   vjp=lambda g, self, *, nan, posinf, neginf: g * isfinite(self),
                   dtype_rule="same", dtypes=ALL)


def _nansum_forward(self: np.ndarray, *, dim: tuple[int, ...] | None, keepdim: bool,
                    dtype: str | None = None) -> np.ndarray:
    self = read_as(self, dtype)
    if self.dtype in _FLOAT_NP:
        self = np.where(np.isnan(self), np.zeros((), self.dtype), self)
    return _sum_forward(self, dim=dim, keepdim=keepdim)


NANSUM = defop("nansum", "NansumBackward0", _nansum_forward,
               vjp=lambda g, self, *, dim, keepdim, self_shape: expand_reduced(
                   g, self_shape, dim, keepdim) * logical_not(isnan(self)),
               dtype_rule="same", dtypes=ALL, kind="reduction")


@expose()
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """``input`` with NaN replaced by ``nan`` and infinities by ``posinf`` and ``neginf``
    (the dtype's largest and lowest numbers when None); other dtypes are copied unchanged.

    Args:
        input: The tensor.
        nan: What replaces NaN. Defaults to 0.
        posinf: What replaces +inf. Defaults to None: the dtype's largest number.
        neginf: What replaces -inf. Defaults to None: the dtype's lowest number.

    >>> import math, symgrad
    >>> symgrad.nan_to_num(symgrad.tensor([math.nan, math.inf, 1.0]), posinf=9.0)
    tensor([0., 9., 1.])
    """
    return apply(NAN_TO_NUM, input, nan=float(nan), posinf=posinf, neginf=neginf)


@expose(function=False)
def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> Tensor:
    """``nan_to_num`` in place: ``input`` holds the result and is returned.

    Args:
        input: The tensor written into.
        nan: What replaces NaN. Defaults to 0.
        posinf: What replaces +inf. Defaults to None: the dtype's largest number.
        neginf: What replaces -inf. Defaults to None: the dtype's lowest number.

    >>> import math, symgrad
    >>> x = symgrad.tensor([-math.inf, 2.0])
    >>> x.nan_to_num_(neginf=-1.0) is x, x
    (True, tensor([-1.,  2.]))
    """
    return rewrite(input, lambda old: nan_to_num(old, nan, posinf, neginf))


@expose()
def nansum(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
           dtype: _dtypes.dtype | None = None) -> Tensor:
    """The sum over ``dim`` (all elements when None) leaving NaN out; bool and integer sums
    give int64.

    Args:
        input: The tensor.
        dim: The dim or dims to reduce. Defaults to None: all dims.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The dtype the input is cast to before the sum, and of the result. Defaults to
            None: the input's dtype (int64 for bool and integer inputs).

    >>> import math, symgrad
    >>> symgrad.nansum(symgrad.tensor([[1.0, math.nan], [2.0, 3.0]]), dim=1)
    tensor([1., 5.])
    """
    dims = dims_or_all(dim, input.ndim)  # () is every dim, as in PyTorch; before dtype's checks
    input, cast = cast_inside(input, dtype)
    return _as_asked(apply(NANSUM, input, dim=dims, keepdim=keepdim, **cast), dtype)


@expose()
def nanmean(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, *,
            dtype: _dtypes.dtype | None = None) -> Tensor:
    """The mean over ``dim`` (all elements when None) of the numbers that are not NaN: their
    ``nansum`` divided by their count (NaN where there are none).

    Args:
        input: A floating tensor.
        dim: The dim or dims to reduce. Defaults to None: all dims.
        keepdim: Whether the reduced dims stay in the result with size one. Defaults to False.
        dtype: The dtype the input is cast to first, and of the result. Defaults to None.

    >>> import math, symgrad
    >>> symgrad.nanmean(symgrad.tensor([[1.0, math.nan], [2.0, 4.0]]), dim=1)
    tensor([1., 3.])
    """
    if not input.is_floating_point():
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dtypes._TORCH_NAMES[input.dtype.name]}")
    if dtype is not None and not dtype.is_floating_point:  # before the dims are checked
        raise RuntimeError("nanmean(): could not infer output dtype. Optional dtype must be "
                           f"either a floating point or complex dtype. Got: {torch_kind(dtype)}")
    dim = dims_or_all(dim, input.ndim)
    counted = logical_not(isnan(input)).sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / counted


