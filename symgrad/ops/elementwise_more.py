"""More elementwise ops PyTorch programs use: ``logaddexp``, ``logaddexp2``, ``hypot``, and the
gates ``prelu`` (a learned slope per channel) and ``glu`` (one half times the sigmoid of the
other).

Values are computed in float64 and rounded once (NumPy's ``logaddexp``, ``logaddexp2`` and
``hypot``: ``max + log1p(exp(-|a - b|))``, which neither overflows at 1e300 nor loses the
``log 2`` of equal arguments, and a ``hypot`` that does not square its arguments). The VJPs
are PyTorch's formulas written in symgrad ops, so ``create_graph=True`` works to any order:

- ``logaddexp``: ``g / (1 + exp(other - self))`` and ``g / (1 + exp(self - other))`` (each the
  sigmoid of the difference: 1/2 for equal arguments however large, 0 for a far smaller one);
- ``logaddexp2``: the same with ``2 **`` for ``exp``;
- ``hypot``: ``g * self / hypot`` and ``g * other / hypot`` (never squaring: 1e200 gives
  ``1 / sqrt(2)``; 0/0, NaN, at the origin, as PyTorch's);
- ``prelu``: ``g`` where ``self > 0``, else ``weight * g`` (so ``weight * g`` at 0, the left
  derivative, as PyTorch); the weight's, ``self * g`` where ``self <= 0`` summed over all
  but the channel dim;
- ``glu``: for ``a * sigmoid(b)``, ``g * sigmoid(b)`` and ``g * a * sigmoid(b) *
  sigmoid(-b)`` (PyTorch writes ``1 - sigmoid(b)``, which cancels to 0 for b past 17 in
  float64; ``sigmoid(-b)`` keeps its bits).

Narrow dtypes form the VJPs in float64 and round once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.elementwise import _in_f64, _wide, exp, exp2, sigmoid, where
from symgrad.ops.registry import _TORCH_NAMES, Kink, apply, defop, expose, not_implemented, wrap_dim
from symgrad.tensor import Tensor

__all__ = ["logaddexp", "logaddexp2", "hypot", "prelu", "glu"]


def _const(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


# -- logaddexp, logaddexp2 ----------------------------------------------------------------------
def _no_bools(self: Tensor, other: Tensor) -> None:
    if self._data.dtype == np.bool_ or other._data.dtype == np.bool_:
        # PyTorch's backward subtracts the inputs, which it refuses for a bool.
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def _logaddexp_vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, bool]
                   ) -> tuple[Tensor | None, Tensor | None]:
    return _pair_vjp(exp, g, self, other, needs)


def _logaddexp2_vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, bool]
                    ) -> tuple[Tensor | None, Tensor | None]:
    return _pair_vjp(exp2, g, self, other, needs)


def _pair_vjp(power: Callable[[Tensor], Tensor], g: Tensor, self: Tensor, other: Tensor,
              needs: tuple[bool, bool]) -> tuple[Tensor | None, Tensor | None]:
    """``g / (1 + power(other - self))`` and ``g / (1 + power(self - other))``, each only for
    an input that takes a gradient (``needs``), as PyTorch forms them: its formulas subtract
    the inputs, which it refuses for a bool, but not where no gradient is asked (a bool mask
    beside a view made under no_grad, which has no edge: fuzzer seed 2420 #915)."""
    if not any(needs):
        return None, None
    _no_bools(self, other)
    g, a, b = _in_f64(g), _in_f64(self), _in_f64(other)
    return (g / (1 + power(b - a)) if needs[0] else None,
            g / (1 + power(a - b)) if needs[1] else None)


LOGADDEXP = defop(
    "logaddexp", "LogaddexpBackward0", lambda self, other: _wide(np.logaddexp, self, other),
    vjp=_logaddexp_vjp, dtype_rule="promote",
    refuses=not_implemented("logaddexp_cpu", NOT_FLOATING))
LOGADDEXP2 = defop(
    "logaddexp2", "Logaddexp2Backward0", lambda self, other: _wide(np.logaddexp2, self, other),
    vjp=_logaddexp2_vjp, dtype_rule="promote",
    refuses=not_implemented("logaddexp2_cpu", NOT_FLOATING))


# -- hypot ---------------------------------------------------------------------------------------
def _hypot_vjp(g: Tensor, self: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
    # hypot recomputed in float64 rather than the saved result: the second derivative,
    # 1/h - a (a/h) / h^2, cancels to b^2 / h^3, and the float32 result's rounding left it 24
    # ULP off (float32, sample 0 of the sweep); float64's leaves it within the tolerance.
    g, a, b = _in_f64(g), _in_f64(self), _in_f64(other)
    h = apply(HYPOT, a, b)
    return g * a / h, g * b / h


HYPOT = defop(
    "hypot", "HypotBackward0", lambda self, other: _wide(np.hypot, self, other),
    vjp=_hypot_vjp, dtype_rule="promote", checks_out=True,
    refuses=not_implemented("hypot_cpu", NOT_FLOATING))


@expose()
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """``log(exp(input) + exp(other))``, without overflow or loss for large arguments.

    Args:
        input: The first exponent.
        other: The second, broadcast against ``input``.

    >>> import symgrad
    >>> x = symgrad.tensor([1e300, 0.0], dtype=symgrad.float64)
    >>> symgrad.logaddexp(x, x)
    tensor([1.0000e+300,  6.9315e-01], dtype=symgrad.float64)
    """
    return apply(LOGADDEXP, input, other)


@expose()
def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """``log2(2 ** input + 2 ** other)``, without overflow or loss for large arguments.

    Args:
        input: The first exponent.
        other: The second, broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.logaddexp2(symgrad.tensor([3.0]), symgrad.tensor([3.0]))
    tensor([4.])
    """
    return apply(LOGADDEXP2, input, other)


@expose()
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input ** 2 + other ** 2)``, without squaring (no overflow at 1e200).

    Args:
        input: The first leg.
        other: The second, broadcast against ``input``.

    >>> import symgrad
    >>> x = symgrad.tensor([3.0, 1e200], dtype=symgrad.float64)
    >>> symgrad.hypot(x, symgrad.tensor([4.0, 1e200], dtype=symgrad.float64))
    tensor([ 5.0000e+00, 1.4142e+200], dtype=symgrad.float64)
    """
    return apply(HYPOT, input, other)


# -- prelu ---------------------------------------------------------------------------------------
def _channel_shape(ndim: int) -> tuple[int, ...]:
    """The shape that lays the weight along dim 1 of an input of ``ndim`` dims (a 0-dim
    input's single weight as a 0-dim one: PyTorch's result keeps the input's shape)."""
    return (-1,) + (1,) * (ndim - 2) if ndim >= 2 else (-1,) * ndim


def _prelu(self: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``self`` where positive, else ``weight * self``, the weight laid along dim 1."""
    w = weight.reshape(_channel_shape(self.ndim))
    return np.where(self > 0, self, w * self).astype(self.dtype, copy=False)


def _prelu_vjp(g: Tensor, self: Tensor, weight: Tensor) -> tuple[Tensor, Tensor]:
    g, x, weight64 = _in_f64(g), _in_f64(self), _in_f64(weight)
    w = weight64.reshape(_channel_shape(x.ndim))
    positive = _const(x._data > 0)
    d_self = where(positive, g, w * g)
    d_w = where(positive, 0.0, x * g)
    if weight.numel() == 1:
        d_w = d_w.sum()
    elif x.ndim >= 2:
        d_w = d_w.sum(dim=(0, *range(2, x.ndim)))
    return d_self, d_w.reshape(*weight.shape)


def _at_zero(self: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return self == 0


PRELU = defop(
    "prelu", "PreluKernelBackward0", _prelu, vjp=_prelu_vjp, dtype_rule="promote",
    kind="structural", kinks=(Kink("self", "self == 0", _at_zero, "left"),),
    refuses=not_implemented("prelu_cpu", NOT_FLOATING))


@expose(autocast="lower")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, else ``weight * input``: one slope, or one per channel (dim 1).

    Args:
        input: The tensor.
        weight: The slopes: one element, or one per channel of ``input``.

    >>> import symgrad
    >>> symgrad.prelu(symgrad.tensor([[-2.0, 3.0]]), symgrad.tensor([0.25]))
    tensor([[-0.5000,  3.0000]])
    """
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{_TORCH_NAMES[input.dtype.name]} and "
                           f"{_TORCH_NAMES[weight.dtype.name]}")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {weight.numel()} and channel size = {channels}.")
    return apply(PRELU, input, weight)


# -- glu -----------------------------------------------------------------------------------------
def _halves(x: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[dim] // 2
    return np.take(x, range(n), axis=dim), np.take(x, range(n, 2 * n), axis=dim)


def _glu(self: np.ndarray, *, dim: int) -> np.ndarray:
    """The first half along ``dim`` times the sigmoid of the second; float64, rounded once."""
    a, b = _halves(self.astype(np.float64), dim)
    with np.errstate(over="ignore"):
        return (a / (1 + np.exp(-b))).astype(self.dtype)


def _glu_vjp(g: Tensor, self: Tensor, *, dim: int) -> Tensor:
    from symgrad.ops.combining import cat

    g, x = _in_f64(g), _in_f64(self)
    n = x.shape[dim] // 2
    a, b = x.narrow(dim, 0, n), x.narrow(dim, n, n)
    s = sigmoid(b)
    return cat([g * s, g * a * s * sigmoid(-b)], dim)


GLU = defop("glu", "GluBackward0", _glu, vjp=_glu_vjp, dtype_rule="same", kind="structural",
            refuses=not_implemented("glu_cpu", NOT_FLOATING))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: ``a * sigmoid(b)`` for ``a``, ``b`` the halves of ``input``
    along ``dim``.

    Args:
        input: The tensor; its size along ``dim`` is even.
        dim: The dim halved. Defaults to -1.

    >>> import symgrad
    >>> glu(symgrad.tensor([[2.0, 0.0]]))
    tensor([[1.]])
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    return apply(GLU, input, dim=d)
