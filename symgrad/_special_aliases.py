"""``torch.special``'s aliases of top-level functions (helper red): ``expm1``, ``exp2``,
``log1p``, ``round``, ``softmax``, ``log_softmax``, ``logsumexp``, and ``ndtr``, the
standard normal distribution function as PyTorch composes it, ``(1 + erf(x / sqrt 2)) / 2``
(its ``grad_fn`` the final ``MulBackward1``). Each records the same nodes as the function it
stands for; ``symgrad.special`` publishes them.

>>> import symgrad
>>> symgrad.special.ndtr(symgrad.tensor([0.0]))
tensor([0.5000])
"""

from __future__ import annotations

import dataclasses
import math

from symgrad import _dtypes
from symgrad.ops.elementwise import erf as _erf
from symgrad.ops.elementwise import exp2 as _exp2
from symgrad.ops.elementwise import expm1 as _expm1
from symgrad.ops.elementwise import log1p as _log1p
from symgrad.ops.registry import REGISTRY, apply
from symgrad.tensor import Tensor

# ``mul`` with a number as ATen's ``mul.Scalar`` records it (MulBackward1, whose one input is
# the tensor): the same op for the judge.
_MUL_SCALAR = dataclasses.replace(REGISTRY["mul"], grad_fn="MulBackward1", node_inputs=("self",))

__all__ = ["expm1", "exp2", "log1p", "round", "softmax", "log_softmax", "logsumexp", "ndtr"]


def _check(name: str, input: object) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def expm1(input: Tensor) -> Tensor:
    """``exp(input) - 1``, accurate near 0.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> expm1(symgrad.tensor([0.0]))
    tensor([0.])
    """
    _check("expm1", input)
    return _expm1(input)


def exp2(input: Tensor) -> Tensor:
    """``2 ** input``.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> exp2(symgrad.tensor([3.0]))
    tensor([8.])
    """
    _check("exp2", input)
    return _exp2(input)


def log1p(input: Tensor) -> Tensor:
    """``log(1 + input)``, accurate near 0.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> log1p(symgrad.tensor([0.0]))
    tensor([0.])
    """
    _check("log1p", input)
    return _log1p(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """``input`` rounded half to even, to ``decimals`` decimal places.

    Args:
        input: The tensor.
        decimals: The decimal places kept. Defaults to 0.

    >>> import symgrad
    >>> round(symgrad.tensor([0.5, 1.5, 2.25]), decimals=1)
    tensor([0.5000, 1.5000, 2.2000])
    """
    _check("round", input)
    return input.round(decimals=decimals)


def softmax(input: Tensor, dim: int, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The softmax along ``dim``.

    Args:
        input: The tensor.
        dim: The dim normalized.
        dtype: Cast ``input`` to it first. Defaults to None.

    >>> import symgrad
    >>> softmax(symgrad.tensor([0.0, 0.0]), 0)
    tensor([0.5000, 0.5000])
    """
    _check("softmax", input)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The log of the softmax along ``dim``.

    Args:
        input: The tensor.
        dim: The dim normalized.
        dtype: Cast ``input`` to it first. Defaults to None.

    >>> import symgrad
    >>> log_softmax(symgrad.tensor([0.0, 0.0]), 0)
    tensor([-0.6931, -0.6931])
    """
    _check("log_softmax", input)
    return input.log_softmax(dim, dtype=dtype)


def logsumexp(input: Tensor, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, without overflow.

    Args:
        input: The tensor.
        dim: The dim or dims reduced.
        keepdim: Keep the reduced dims, of length 1. Defaults to False.

    >>> import symgrad
    >>> logsumexp(symgrad.tensor([0.0, 0.0]), 0)
    tensor(0.6931)
    """
    _check("logsumexp", input)
    return input.logsumexp(dim, keepdim)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal distribution function, ``(1 + erf(input / sqrt 2)) / 2``, composed as
    PyTorch composes it (its left tail is ``erf``'s cancellation, as PyTorch's).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> ndtr(symgrad.tensor([0.0, 1.0]))
    tensor([0.5000, 0.8413])
    """
    _check("ndtr", input)
    if not input.is_floating_point():
        input = input.to(_dtypes.get_default_dtype())
    return apply(_MUL_SCALAR, 1 + _erf(input * math.sqrt(0.5)), 0.5)
