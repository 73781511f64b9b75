"""Elementwise functions PyTorch programs call beyond the basics: ``frac`` (FracBackward0),
``deg2rad``/``rad2deg`` (Deg2RadBackward0, Rad2DegBackward0), ``copysign``
(CopysignBackward0/1), ``fmax``/``fmin`` (FmaxBackward0, FminBackward0), ``ldexp``
(LdexpBackward0), ``heaviside`` (recorded without a derivative, as
PyTorch's), ``float_power`` (a power in float64: PowBackward0/1/2), and the tests ``signbit``
and ``isin``.

Values are computed in float64 and rounded once. The VJPs are PyTorch's formulas written in
symgrad ops (``create_graph=True`` works to any order), with these choices:

- ``copysign``: ``g * copysign(1, other) * sign(self)``, 0 at ``self == 0`` (PyTorch's
  ``result / self`` masked there), 0 for ``other``;
- ``fmax``/``fmin``: the gradient to the element taken, ``self`` at a tie and where ``other``
  is NaN (PyTorch's masks ``self >= other | isnan(other)``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad._dtypes import NOT_FLOATING
from symgrad.ops.arguments import invalid_combination
from symgrad.ops.arithmetic import _zeros
from symgrad.ops.arithmetic import pow as _pow
from symgrad.ops.elementwise import _in_f64, _wide, where
from symgrad.ops.registry import (
    ALL,
    Kink,
    apply,
    broadcast_shapes,
    defop,
    expose,
    not_implemented,
)
from symgrad.tensor import Tensor

__all__ = ["frac", "deg2rad", "rad2deg", "copysign", "fmax", "fmin", "ldexp", "heaviside",
           "float_power", "signbit", "isin"]

_DEG = math.pi / 180
_RAD = 180 / math.pi


def _const(a: Any) -> Tensor:
    return Tensor._make(np.asarray(a), False, None)


def _on_integers(x: np.ndarray) -> np.ndarray:
    return np.asarray(x == np.floor(x))


# -- frac, deg2rad, rad2deg ------------------------------------------------------------------------
FRAC = defop("frac", "FracBackward0", lambda self: _wide(lambda x: x - np.trunc(x), self),
             vjp=lambda g: g, dtype_rule="same",
             kinks=(Kink("self", "self is an integer (a jump of slope 1 on both sides)",
                         lambda self, **_: _on_integers(self), "one"),),
             refuses=not_implemented("frac_cpu", NOT_FLOATING))
DEG2RAD = defop("deg2rad", "Deg2RadBackward0", lambda self: _wide(lambda x: x * _DEG, self),
                vjp=lambda g: _in_f64(g) * _DEG, dtype_rule="promote_float", dtypes=ALL)
RAD2DEG = defop("rad2deg", "Rad2DegBackward0", lambda self: _wide(lambda x: x * _RAD, self),
                vjp=lambda g: _in_f64(g) * _RAD, dtype_rule="promote_float", dtypes=ALL)


@expose()
def frac(input: Tensor) -> Tensor:
    """The fractional part, ``input - trunc(input)`` (the sign of ``input``).

    Args:
        input: A floating tensor.

    >>> import symgrad
    >>> symgrad.frac(symgrad.tensor([1.5, -2.25, 3.0]))
    tensor([ 0.5000, -0.2500,  0.0000])
    """
    return apply(FRAC, input)


@expose()
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, ``input * pi / 180``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.deg2rad(symgrad.tensor([180.0, 90.0]))
    tensor([3.1416, 1.5708])
    """
    return apply(DEG2RAD, input)


@expose()
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, ``input * 180 / pi``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.rad2deg(symgrad.tensor([1.0]))
    tensor([57.2958])
    """
    return apply(RAD2DEG, input)


# -- copysign ------------------------------------------------------------------------------------
# PyTorch's nodes save self and the result (other's gradient is zeros): the sign other gives
# is read from the result, so writing the result before backward raises, writing other not.
def _copysign_factor(self: Tensor, out: Tensor, dtype: np.dtype) -> Tensor:
    x, y = np.broadcast_arrays(self._data, out._data)
    if x.dtype == np.bool_:  # (a bool self needs no gradient, but other's is formed beside)
        x = x.astype(np.float64)
    return _const(np.where(x == 0, 0.0, np.sign(y) * np.sign(x)).astype(dtype))


def _copysign_vjp(g: Tensor, self: Tensor, out: Tensor) -> tuple[Tensor, Tensor]:
    # other's derivative is 0 wherever it is defined (only its sign is read), so its gradient
    # is PyTorch's zeros_like(grad), not g * 0: an infinite g (1 / copysign(0, x)) gave NaN.
    return g * _copysign_factor(self, out, g._data.dtype), _zeros(g)


_COPYSIGN_KINKS = (Kink("self", "self == 0", lambda self, other, **_: np.broadcast_arrays(
                        self, other)[0] == 0, "zero"),
                   Kink("other", "other == 0", lambda self, other, **_: np.broadcast_arrays(
                        self, other)[1] == 0, "zero"))
COPYSIGN = defop("copysign", "CopysignBackward0",
                 lambda self, other: _wide(np.copysign, self, np.asarray(other, self.dtype)),
                 vjp=_copysign_vjp, dtype_rule="promote_float", dtypes=ALL,
                 kinks=_COPYSIGN_KINKS, saved_for={"self": ("self",), "other": ()})


def _copysign_scalar(self: np.ndarray, *, other: float) -> np.ndarray:
    return _wide(lambda x: np.copysign(x, other), self)


COPYSIGN_SCALAR = defop(
    "copysign_scalar", "CopysignBackward1", _copysign_scalar,
    vjp=lambda g, self, out, *, other: g * _copysign_factor(self, out, g._data.dtype),
    dtype_rule="promote_float", dtypes=ALL, promotes=("other",),
    kinks=(Kink("self", "self == 0", lambda self, **_: self == 0, "zero"),))


@expose()
def copysign(input: Tensor, other: Tensor | float) -> Tensor:
    """``input``'s magnitude with ``other``'s sign (a negative zero's sign too).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.
        other: A tensor broadcast against ``input``, or a number.

    >>> import symgrad
    >>> symgrad.copysign(symgrad.tensor([1.0, -2.0, 3.0]), symgrad.tensor([-1.0, 1.0, -0.0]))
    tensor([-1.,  2., -3.])
    """
    if isinstance(other, Tensor):
        return apply(COPYSIGN, input, other)
    return apply(COPYSIGN_SCALAR, input, other=float(other))


# -- fmax, fmin ------------------------------------------------------------------------------------
def _nan_aware_vjp(takes_self: Any) -> Any:
    def vjp(g: Tensor, self: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
        x, y = np.broadcast_arrays(self._data, other._data)
        mask = _const(takes_self(x, y) | np.isnan(y))
        return where(mask, g, 0.0), where(mask, 0.0, g)

    return vjp


def _ties(self_convention: str, other_convention: str) -> tuple[Kink, ...]:
    def at(self: np.ndarray, other: np.ndarray, **_: Any) -> np.ndarray:
        return np.asarray(self == other)

    return (Kink("self", "self == other", at, self_convention),
            Kink("other", "self == other", at, other_convention))


# At a tie ``self`` takes the whole gradient: the derivative from above for fmax (raising self
# makes it the max), from below for fmin; ``other`` gets the other side's 0.
def _taken(takes_self: Any) -> Any:
    """``self`` where it is taken (at a tie too: PyTorch's ``-0.0`` against ``0.0``), else
    ``other``."""
    def forward(self: np.ndarray, other: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.where(takes_self(self, other) | np.isnan(other), self, other)

    return forward


FMAX = defop("fmax", "FmaxBackward0", _taken(lambda x, y: x >= y),
             vjp=_nan_aware_vjp(lambda x, y: x >= y), dtypes=ALL, kinks=_ties("right", "left"))
FMIN = defop("fmin", "FminBackward0", _taken(lambda x, y: x <= y),
             vjp=_nan_aware_vjp(lambda x, y: x <= y), dtypes=ALL, kinks=_ties("left", "right"))


@expose()
def fmax(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise larger of two tensors, ignoring NaN (NaN only where both are).

    Args:
        input: The first tensor.
        other: The second tensor, broadcast against ``input``.

    >>> import math, symgrad
    >>> symgrad.fmax(symgrad.tensor([1.0, math.nan]), symgrad.tensor([2.0, 0.5]))
    tensor([2.0000, 0.5000])
    """
    return apply(FMAX, input, other)


@expose()
def fmin(input: Tensor, other: Tensor) -> Tensor:
    """The elementwise smaller of two tensors, ignoring NaN (NaN only where both are).

    Args:
        input: The first tensor.
        other: The second tensor, broadcast against ``input``.

    >>> import math, symgrad
    >>> symgrad.fmin(symgrad.tensor([1.0, math.nan]), symgrad.tensor([2.0, 0.5]))
    tensor([1.0000, 0.5000])
    """
    return apply(FMIN, input, other)


# -- ldexp ---------------------------------------------------------------------------------------
def _ldexp(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    return _wide(lambda x, e: x * np.exp2(e), self, np.asarray(other, self.dtype))


def _ldexp_vjp(g: Tensor, other: Tensor, out: Tensor, *, needs: tuple[bool, bool]
               ) -> tuple[Tensor | None, Tensor | None]:
    # PyTorch saves other and the result (not self): changing the result in place before
    # backward raises. d/d other of x * 2**other is the result times log(2).
    g, e, result = _in_f64(g), _in_f64(other), _in_f64(out)
    return (g * 2.0 ** e if needs[0] else None,
            g * result * math.log(2) if needs[1] else None)


LDEXP = defop("ldexp", "LdexpBackward0", _ldexp, vjp=_ldexp_vjp, dtype_rule="promote_float",
              dtypes=ALL, saved_for={"self": ("other",), "other": ()})


@expose()
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.
        other: The exponents (usually integers), broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.ldexp(symgrad.tensor([1.0, 3.0]), symgrad.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    if (isinstance(input, Tensor) and input.is_floating_point() and isinstance(other, Tensor)
            and other.dtype is _dtypes.bool):
        # PyTorch's kernel for a floating input dispatches on the exponents' dtype, once the
        # shapes have broadcast.
        broadcast_shapes(tuple(input.shape), tuple(other.shape))
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    return apply(LDEXP, input, other)


# -- heaviside (no derivative in PyTorch) ----------------------------------------------------------
def _no_derivative(g: Tensor) -> Any:
    raise RuntimeError("derivative for aten::heaviside is not implemented")


HEAVISIDE = defop("heaviside", "torch::autograd::NotImplemented",
                  lambda self, values: np.where(self == 0, values, (self > 0).astype(
                      self.dtype)).astype(self.dtype),
                  vjp=_no_derivative, differentiable=(), double_backward=False, dtypes=ALL,
                  dtype_rule="same")


@expose()
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 below 0, 1 above, ``values`` at 0.

    PyTorch has no derivative for it: the result records a node whose backward raises.

    Args:
        input: The tensor.
        values: The values at 0, of ``input``'s dtype, broadcast against it.

    Raises:
        RuntimeError: ``values`` is of another dtype.

    >>> import symgrad
    >>> symgrad.heaviside(symgrad.tensor([-1.0, 0.0, 2.0]), symgrad.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")
    return apply(HEAVISIDE, input, values)


# -- float_power: a power in float64 (PyTorch's composite) ----------------------------------------
def _double(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x if x.dtype is _dtypes.float64 else x.to(_dtypes.float64)
    return float(x)


@expose()
def float_power(input: Tensor | float, exponent: Tensor | float) -> Tensor:
    """``input ** exponent`` computed in float64 whatever the dtypes (PowBackward0, 1 or 2).

    Args:
        input: The base, a tensor or a number.
        exponent: The exponent, a tensor or a number.

    >>> import symgrad
    >>> symgrad.float_power(symgrad.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=symgrad.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise invalid_combination("float_power", input, exponent)
    return _pow(_double(input), _double(exponent))


# -- tests -----------------------------------------------------------------------------------------
@expose()
def signbit(input: Tensor) -> Tensor:
    """Whether each element's sign bit is set (negative numbers, ``-0.0``, negative NaN).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.signbit(symgrad.tensor([-0.0, 0.0, -1.5]))
    tensor([ True, False,  True])
    """
    data = input._data
    if data.dtype.kind == "f" or data.dtype == _dtypes.bfloat16.np:
        out = np.signbit(data.astype(np.float64))
    else:
        out = np.asarray(data < 0)
    return Tensor._make(np.asarray(out, dtype=np.bool_), False, None)


@expose(method=False)  # no Tensor.isin in PyTorch
def isin(elements: Tensor | float, test_elements: Tensor | float, *,
         assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each of ``elements`` is among ``test_elements``, as a bool tensor.

    Args:
        elements: A tensor (or a number).
        test_elements: A tensor (or a number) of the values looked for.
        assume_unique: Accepted for PyTorch's signature; the answer is the same.
        invert: Answer whether each is *not* among them. Defaults to False.

    >>> import symgrad
    >>> symgrad.isin(symgrad.tensor([1, 2, 3]), symgrad.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise invalid_combination("isin", elements, test_elements, assume_unique=assume_unique,
                                  invert=invert)
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    if a.dtype == np.bool_ or b.dtype == np.bool_:  # a tensor or a Python bool, as PyTorch's
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    out = np.isin(a, b, invert=bool(invert))
    return Tensor._make(np.asarray(out, dtype=np.bool_), False, None)

