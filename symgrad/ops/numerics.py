"""Numerical routines PyTorch composes from other ops (helper red): ``trapezoid`` (``trapz``),
``cumulative_trapezoid``, ``cov``, ``corrcoef`` and ``vander``.

Each is written as ATen writes it, so the graph holds the same nodes and the result's
``grad_fn`` is PyTorch's: ``trapezoid`` ends in ``MulBackward1`` (a number ``dx``) or
``DivBackward1`` (sample points ``x``), ``cumulative_trapezoid`` in ``CumsumBackward0`` or
``DivBackward1``, ``cov`` in ``SqueezeBackward0``, ``corrcoef`` in ``ClampBackward1`` and
``vander`` in ``FlipBackward0`` (``CopySlices`` when increasing). Their gradients are those of
the ops they are made of, which the judge knows one by one.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.arguments import caller_level, invalid_combination
from symgrad.ops.arithmetic import DIV_NUMBER, MUL_NUMBER
from symgrad.ops.registry import apply, expose, wrap_dim
from symgrad.tensor import Tensor

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid", "cov", "corrcoef", "vander"]



def _times(t: Tensor, number: float) -> Tensor:
    return apply(MUL_NUMBER, t, number)


def _over(t: Tensor, number: float) -> Tensor:
    return apply(DIV_NUMBER, t, number)


# -- trapezoid -------------------------------------------------------------------------------------
def _empty_along(y: Tensor, dim: int) -> Tensor:
    shape = tuple(s for i, s in enumerate(y.shape) if i != dim)
    return Tensor._make(np.zeros(shape, dtype=y._data.dtype), False, None)


def _ends(y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    n = y.shape[dim]
    if n == 0:  # ATen's slices [1:] and [:-1] of an empty dim: both empty
        return y.narrow(dim, 0, 0), y.narrow(dim, 0, 0)
    return y.narrow(dim, 1, n - 1), y.narrow(dim, 0, n - 1)


def _spacing(y: Tensor, x: Tensor, dim: int, name: str = "trapezoid") -> Tensor:
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.view(*shape)
    elif x.ndim < y.ndim:
        x = x.view(*([1] * (y.ndim - x.ndim)), *x.shape)
    right, left = _ends(x, dim)
    return right - left


def _check_x(name: str, y: Tensor, x: Any, dx: Any, dim: int) -> None:
    """PyTorch's parser error for sample points that are not a tensor, or given with ``dx``
    (its two signatures take one or the other)."""
    if (x is not None and not isinstance(x, Tensor)) or (x is not None and dx is not None):
        raise invalid_combination(name, y, x, dx=dx, dim=dim)


def _check_y(y: Tensor, name: str, x: Tensor | None = None) -> None:
    if x is not None and (y.dtype is _dtypes.bool or x.dtype is _dtypes.bool):
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    if y.dtype is _dtypes.bool:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")


@expose(method=False)
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: the integral of the samples ``y`` at points ``x``
    (or spaced ``dx`` apart; 1 when neither is given).

    Args:
        y: The sampled values.
        x: The sample points: 1-d along ``dim``, or broadcast against ``y``. Defaults to None.
        dx: The spacing of the points when ``x`` is not given. Defaults to None: 1.
        dim: The dim integrated along. Defaults to -1.

    Raises:
        RuntimeError: Both ``x`` and ``dx``, a bool ``y``, or ``x`` of another length.

    >>> import symgrad
    >>> symgrad.trapezoid(symgrad.tensor([1.0, 2.0, 4.0]))
    tensor(4.5000)
    >>> symgrad.trapezoid(symgrad.tensor([1.0, 2.0, 4.0]), symgrad.tensor([0.0, 1.0, 3.0]))
    tensor(7.5000)
    """
    _check_x("trapezoid", y, x, dx, dim)
    if y.ndim == 0:
        # ATen reads y's size along dim first: wrapped only when x is given.
        shown = dim if x is None else wrap_dim(dim, 0)
        raise IndexError(f"Dimension specified as {shown} but tensor has no dimensions")
    d = wrap_dim(dim, y.ndim)
    if y.shape[d] == 0:  # before the dtype checks, as ATen's
        return _empty_along(y, d)
    _check_y(y, "trapezoid", x)
    if x is not None:
        right, left = _ends(y, d)
        return _over(((left + right) * _spacing(y, x, d)).sum(d), 2.0)
    step = 1.0 if dx is None else float(dx)
    first = y.select(d, 0)
    last = y.select(d, -1)
    return _times(y.sum(d) - _times(first + last, 0.5), step)


@expose(method=False)
def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
          dim: int = -1) -> Tensor:
    """``trapezoid``, under NumPy's old name.

    Args:
        y: The sampled values.
        x: The sample points. Defaults to None.
        dx: The spacing when ``x`` is not given. Defaults to None: 1.
        dim: The dim integrated along. Defaults to -1.

    >>> import symgrad
    >>> symgrad.trapz(symgrad.tensor([1.0, 3.0]), dx=2.0)
    tensor(4.)
    """
    _check_x("trapz", y, x, dx, dim)
    return trapezoid(y, x, dx=dx, dim=dim)


@expose(method=False)
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal rule along ``dim``: one fewer element than ``y`` there.

    Args:
        y: The sampled values.
        x: The sample points, as ``trapezoid`` takes them. Defaults to None.
        dx: The spacing when ``x`` is not given. Defaults to None: 1.
        dim: The dim integrated along. Defaults to -1.

    >>> import symgrad
    >>> symgrad.cumulative_trapezoid(symgrad.tensor([1.0, 2.0, 4.0]))
    tensor([1.5000, 4.5000])
    """
    _check_x("cumulative_trapezoid", y, x, dx, dim)
    if y.ndim == 0:
        # ATen slices y (and a 0-d x) along dim: IndexError, unless 1-d points are first
        # checked against y's size there.
        if x is not None:
            wrap_dim(dim, 0)
            _check_y(y, "cumulative_trapezoid", x)
            if x.ndim == 1:
                raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        else:
            _check_y(y, "cumulative_trapezoid")
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, y.ndim)
    _check_y(y, "cumulative_trapezoid", x)
    # ATen's slices of an empty dim are empty (no special case); its sum is ``left + right``,
    # multiplied by the spacing after it, so a broadcasting error names them in that order.
    right, left = _ends(y, d)
    if x is not None:
        return _over(((left + right) * _spacing(y, x, d, "cumulative_trapezoid")).cumsum(d),
                     2.0)
    step = 1.0 if dx is None else float(dx)
    return _times(left + right, step / 2.0).cumsum(d)


# -- cov, corrcoef -------------------------------------------------------------------------------
def _weights(name: str, w: Any, n: int, integral: bool) -> Tensor:
    if not isinstance(w, Tensor):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    torch_name = _dtypes._TORCH_NAMES[w.dtype.name]
    if integral and w.is_floating_point():
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights "
                           f"with {torch_name} dtype")
    if not integral and not w.is_floating_point():
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                           f"aweights with {torch_name} dtype")
    return w


@expose()
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance of the variables in ``input``'s rows, observed in its columns.

    Args:
        input: A 2-d tensor (variables, observations), or a 1-d one (one variable).
        correction: Subtracted from the number of observations (1: Bessel's). Defaults to 1.
        fweights: Integer frequency weights of the observations. Defaults to None.
        aweights: Floating importance weights of the observations. Defaults to None.

    Raises:
        RuntimeError: More than two dims, a bool ``input``, or weights PyTorch refuses.

    >>> import symgrad
    >>> symgrad.cov(symgrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is _dtypes.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        fw = _weights("fweights", fweights, n, True)
        if bool((fw._data < 0).any()):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fw
    if aweights is not None:
        aw = _weights("aweights", aweights, n, False)
        if bool((aw._data < 0).any()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aw if w is None else w * aw
    if w is None:
        w_sum: Any = Tensor._make(np.asarray(n, dtype=np.int64), False, None)
    else:
        w_sum = w.sum()
        if not bool(w_sum._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=caller_level())
        norm = norm * 0
    centred = x - avg.unsqueeze(1)
    c = centred.mm((centred if w is None else centred * w).t())
    return (c / norm).squeeze()


@expose()
def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the variables in ``input``'s rows, clipped to
    ``[-1, 1]``.

    Args:
        input: A 2-d tensor (variables, observations), or a 1-d one.

    >>> import symgrad
    >>> symgrad.corrcoef(symgrad.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    return c.clamp(-1, 1)


# -- vander -------------------------------------------------------------------------------------
@expose(method=False)
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of ``x``: its columns the powers of ``x``, highest first (or
    lowest first when ``increasing``). Integer inputs give int64, as PyTorch's.

    Args:
        x: A 1-d tensor.
        N: The number of columns. Defaults to None: ``len(x)``.
        increasing: Powers increasing from 0 along the columns. Defaults to False.

    Raises:
        RuntimeError: ``x`` is not 1-d, or ``N`` is negative.

    >>> import symgrad
    >>> symgrad.vander(symgrad.tensor([1.0, 2.0, 3.0]))
    tensor([[1., 1., 1.],
            [4., 2., 1.],
            [9., 3., 1.]])
    """
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = _dtypes.promote_types(x.dtype, _dtypes.int64)
    result = Tensor._make(np.ones((x.shape[0], n), dtype=dtype.np), False, None)
    if n > 1:
        result[:, 1:] = x.unsqueeze(1)
        result[:, 1:] = result[:, 1:].cumprod(1)
    if not increasing:
        return result.flip(1)
    return result
