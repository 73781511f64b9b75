"""Triangular parts of matrices: ``tril`` and ``triu`` (and their in-place forms).

Each keeps the elements on one side of a diagonal of the last two dims and zeroes the rest,
any dtype (bool and integer inputs too, as in PyTorch); the gradient is the incoming one
masked the same way, written with the op itself so that every order works.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from symgrad.ops.inplace import rewrite
from symgrad.ops.memory_order import row_major
from symgrad.ops.registry import ALL, apply, defop, expose
from symgrad.tensor import Tensor


def _tril(self: np.ndarray, *, diagonal: int) -> np.ndarray:
    """The lower triangle of the last two dims: elements with ``col - row <= diagonal``,
    row-major as PyTorch's result is whatever the input's layout."""
    return row_major(np.tril(self, diagonal))


def _triu(self: np.ndarray, *, diagonal: int) -> np.ndarray:
    """The upper triangle of the last two dims: elements with ``col - row >= diagonal``,
    row-major as PyTorch's result is whatever the input's layout."""
    return row_major(np.triu(self, diagonal))


TRIL = defop("tril", "TrilBackward0", _tril,
             vjp=lambda g, *, diagonal: apply(TRIL, g, diagonal=diagonal),
             dtype_rule="same", dtypes=ALL, kind="index")
TRIU = defop("triu", "TriuBackward0", _triu,
             vjp=lambda g, *, diagonal: apply(TRIU, g, diagonal=diagonal),
             dtype_rule="same", dtypes=ALL, kind="index")


def int_arg(fn: str, name: str, position: int, value: Any) -> int:
    """``value`` as an int, or PyTorch's TypeError naming the argument at ``position`` of the
    function (the tensor is position 1).

    Args:
        fn: The function's name.
        name: The argument's name.
        position: Its position in the function's signature, from 1.
        value: The value given.

    >>> int_arg("topk", "k", 2, 2.0)
    Traceback (most recent call last):
    ...
    TypeError: topk(): argument 'k' (position 2) must be int, not float
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    return operator.index(value)


# ``int_arg``'s message, whose position a method's message counts from after the tensor.
_POSITION = re.compile(r"^(\w+\(\): argument '\w+' \(position )(\d+)(\) must be [\w ]+, not \w+)$")


def as_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` as a ``Tensor`` method: its int-argument errors count positions as PyTorch's
    method messages do, from the first argument after the tensor.

    Args:
        fn: The function, taking the tensor first.

    >>> import symgrad
    >>> symgrad.ones(2, 2).tril(0.5)
    Traceback (most recent call last):
    ...
    TypeError: tril(): argument 'diagonal' (position 1) must be int, not float
    """

    @functools.wraps(fn)
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except TypeError as e:
            if hasattr(e, "for_method"):  # arguments.parser_error's
                raise e.for_method() from None
            found = _POSITION.match(str(e))
            if found is None:
                raise
            head, position, tail = found.groups()
            raise TypeError(f"{head}{int(position) - 1}{tail}") from None

    return method


def _checked(name: str, input: Tensor, diagonal: object) -> int:
    """``diagonal`` as an int, with PyTorch's errors for a non-int one and a < 2-d input."""
    diagonal = int_arg(name, "diagonal", 2, diagonal)
    if input.ndim < 2:
        raise RuntimeError(f"{name.rstrip('_')}: input tensor must have at least 2 dimensions")
    return diagonal


@expose(method=False)
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangular part of the matrix (or batch of matrices) ``input``; the other
    elements are 0.

    The kept elements are those on and below the ``diagonal``-th diagonal of the last two dims:
    ``col - row <= diagonal``. The gradient flows to the kept elements only.

    Args:
        input: A tensor of at least 2 dims (leading dims are a batch); any dtype.
        diagonal: Which diagonal bounds the part: 0 the main one, positive ones above it,
            negative ones below. Defaults to 0.

    >>> import symgrad
    >>> x = symgrad.ones(3, 3, requires_grad=True)
    >>> y = symgrad.tril(x, -1)
    >>> y
    tensor([[0., 0., 0.],
            [1., 0., 0.],
            [1., 1., 0.]], grad_fn=<TrilBackward0>)
    >>> y.sum().backward(); x.grad.sum()
    tensor(3.)
    """
    return apply(TRIL, input, diagonal=_checked("tril", input, diagonal))


@expose(method=False)
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangular part of the matrix (or batch of matrices) ``input``; the other
    elements are 0.

    The kept elements are those on and above the ``diagonal``-th diagonal of the last two dims:
    ``col - row >= diagonal``. The gradient flows to the kept elements only.

    Args:
        input: A tensor of at least 2 dims (leading dims are a batch); any dtype.
        diagonal: Which diagonal bounds the part: 0 the main one, positive ones above it,
            negative ones below. Defaults to 0.

    >>> import symgrad
    >>> symgrad.ones(2, 3, dtype=symgrad.int64).triu(1)
    tensor([[0, 1, 1],
            [0, 0, 1]])
    """
    return apply(TRIU, input, diagonal=_checked("triu", input, diagonal))


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """``tril`` in place: ``self`` keeps its lower triangular part, the rest becomes 0.

    Args:
        diagonal: Which diagonal bounds the part (see ``tril``). Defaults to 0.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x * 1
    >>> y.tril_()
    tensor([[1., 0.],
            [3., 4.]], grad_fn=<TrilBackward0>)
    """
    d = _checked("tril", self, diagonal)
    return rewrite(self, lambda old: apply(TRIL, old, diagonal=d))


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """``triu`` in place: ``self`` keeps its upper triangular part, the rest becomes 0.

    Args:
        diagonal: Which diagonal bounds the part (see ``triu``). Defaults to 0.

    >>> import symgrad
    >>> x = symgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.triu_(1) is x, x
    (True, tensor([[0., 2.],
            [0., 0.]]))
    """
    d = _checked("triu", self, diagonal)
    return rewrite(self, lambda old: apply(TRIU, old, diagonal=d))


Tensor.tril = as_method(tril)  # type: ignore[attr-defined]
Tensor.triu = as_method(triu)  # type: ignore[attr-defined]
Tensor.tril_ = as_method(tril_)  # type: ignore[attr-defined]
Tensor.triu_ = as_method(triu_)  # type: ignore[attr-defined]
