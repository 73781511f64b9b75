"""Arithmetic: + - * /, powers, magnitude and sign, max/min, clamp, rounding and remainders.

Each op is a forward beside its VJP. ``g`` is the incoming gradient, ``out`` the result; inputs
keep their forward names. Gradients are summed back to each input's shape by the engine when
broadcasting widened it.

Kinks declare the engine's convention where the op is not differentiable. A kink's ``at`` takes
the op's inputs as arrays (positionally) and its attributes (by keyword), and returns a bool
mask of the points where the kink sits.

Overloads of one PyTorch function are separate ops with a suffix, as PyTorch's backward classes
are: ``pow`` (tensor ** number), ``pow_tensor`` (tensor ** tensor), ``pow_scalar`` (number **
tensor); likewise ``remainder``/``fmod`` (tensor, number) and ``remainder_tensor``/``fmod_tensor``.
"""

from __future__ import annotations

import builtins
import dataclasses
import math
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad.ops.arguments import invalid_combination
from symgrad.ops.registry import (
    ALL,
    BOOL_NEGATION,
    FLOATING,
    Kink,
    _result_dtype,
    apply,
    defop,
    each_for_the_other,
    expose,
    not_implemented,
    refuse,
)
from symgrad.ops.temporaries import into_left, takes_over
from symgrad.tensor import Tensor

ARITH = frozenset(_dtypes.ALL) - {_dtypes.bool}
_BOOL = (_dtypes.bool,)
_BOOL_NP = np.dtype(np.bool_)
_HALF = (_dtypes.float16.np, _dtypes.bfloat16.np)
_NARROW = (*_HALF, _dtypes.float32.np)
# Elements from which a product by a gradient of ones is skipped (``_by_one``): below, the
# checks cost more than the product.
_LARGE = 4096


def _f32(fn: Any, *arrays: np.ndarray) -> np.ndarray:
    """``fn`` evaluated in float32 for float16/bfloat16 and rounded back once, as PyTorch's CPU
    kernels compute half-precision math."""
    d = arrays[0].dtype
    if d in _HALF:
        return np.asarray(fn(*(a.astype(np.float32) for a in arrays))).astype(d)
    return fn(*arrays)


def _wide(t: Tensor) -> Tensor:
    """A float16, bfloat16 or float32 ``t`` in float64, which holds every product and quotient
    of two or three of their values (and sums of many) without overflow or underflow: a gradient
    formed there is rounded to the input's dtype once, by the engine, after it has summed a
    broadcast gradient (PyTorch computes half math in float32, which bfloat16 outranges)."""
    return t.to(_dtypes.float64) if t._data.dtype in _NARROW else t


def _zeros(g: Tensor) -> Tensor:
    # PyTorch's zeros_like(grad): a constant, so a second derivative through it is zero.
    return Tensor._make(np.zeros_like(g._data), False, None)


def _integral(a: np.ndarray) -> bool:
    return a.dtype.kind in "iub"


def _check_divisor(self: np.ndarray, other: Any) -> None:
    # Integer division by zero is an error in PyTorch (NumPy would warn and return 0), where an
    # element is divided: not in an empty result.
    if self.dtype.kind in "iu" and not np.all(other) and math.prod(
            np.broadcast_shapes(self.shape, np.shape(other))):
        raise RuntimeError("ZeroDivisionError")


def _no_derivative(name: str) -> Any:
    def vjp(g: Tensor) -> Any:
        raise RuntimeError(f"derivative for aten::{name} is not implemented")

    return vjp


def _log(x: float) -> float:
    """The C library's log of a number, as PyTorch's ``Scalar::log`` (NumPy's own log differs
    in the last bit now and then): -inf at 0, nan below."""
    return math.log(x) if x > 0 else float(np.log(np.float64(x)))


def _on_integers(x: np.ndarray) -> np.ndarray:
    return np.asarray(x == np.floor(x))


# -- sums and differences -------------------------------------------------------------------------
# The VJPs of add, sub, neg and mul use operators only: each is its op's array VJP too (on
# NumPy arrays of one dtype, the operators are the ops' own forwards).
def _add_vjp(g: Any, *, alpha: Any) -> tuple[Any, Any]:
    return g, g * alpha if alpha != 1 else g


def _sub_vjp(g: Any, *, alpha: Any, needs: tuple[bool, ...]) -> tuple[Any, Any]:
    return g, None if not needs[1] else -g * alpha if alpha != 1 else -g


def _neg_vjp(g: Any) -> Any:
    return -g


def _mul_vjp(g: Any, self: Any, other: Any, *, needs: tuple[bool, ...]) -> tuple[Any, Any]:
    return g * other if needs[0] else None, g * self if needs[1] else None


def _mul_array_vjp(g: np.ndarray, self: np.ndarray, other: np.ndarray, *,
                   needs: tuple[bool, ...]) -> tuple[Any, Any]:
    """``_mul_vjp`` on arrays. A gradient of ones (a sum's, broadcast: every stride 0) times a
    factor is the factor itself, bit for bit (but for a signaling NaN, which the product would
    quiet and no op makes): ``_by_one`` skips the product.

    The second input's gradient is formed first: the engine hands the first's on first, and a
    sum into another pending gradient (``x`` in ``tanh(x * w + b) * x``) then reads an array
    still in the cache (on 1e5 elements, the elementwise chain 3% faster)."""
    if g.size >= _LARGE and not any(g.strides) and g.item(0) == 1:
        return (_by_one(other, g) if needs[0] else None,
                _by_one(self, g) if needs[1] else None)
    grad_other = g * self if needs[1] else None
    return g * other if needs[0] else None, grad_other


def _by_one(factor: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g * factor`` for a ``g`` of ones: ``factor``'s own values, lent as a read-only view
    (on 1e5 elements the product costs 37 us and an array inside a backward). Read-only, nothing
    in the engine writes into it, and the engine copies it before a hook or a caller sees it
    (``graph._unlent``, which tells it from a broadcast by its strides: a factor that repeats
    an element, or is broadcast against ``g``, is multiplied as before)."""
    if factor.shape != g.shape or 0 in factor.strides:
        return g * factor
    view = factor.view()
    view.flags.writeable = False
    return view


# NOTE: alpha * other keeps other's dtype (2 * a bool tensor is still bool, as in PyTorch).
ADD = defop("add", "AddBackward0", lambda self, other, *, alpha: self + (alpha * other).astype(
            other.dtype, copy=False) if alpha != 1 else self + other,
            vjp=_add_vjp, array_vjp=_add_vjp, dtypes=ARITH)
# ATen's ``add`` of a number (add.Scalar), where its own code adds one (margin_ranking_loss):
# AddBackward1, whose one input is the tensor. The same op for the judge.
ADD_NUMBER = dataclasses.replace(ADD, grad_fn="AddBackward1", node_inputs=("self",))
_BOOL_SUBTRACTION = refuse(_BOOL, "Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
SUB = defop("sub", "SubBackward0", lambda self, other, *, alpha: self - alpha * other
            if alpha != 1 else self - other,
            vjp=_sub_vjp, array_vjp=_sub_vjp, dtypes=ARITH, refuses=_BOOL_SUBTRACTION)
RSUB = defop("rsub", "RsubBackward0", lambda self, other: other - self,
             vjp=lambda g: (-g, g), dtypes=ARITH, refuses=_BOOL_SUBTRACTION)
NEG = defop("neg", "NegBackward0", lambda self: -self, vjp=_neg_vjp, array_vjp=_neg_vjp,
            dtypes=ARITH,
            refuses=refuse(_BOOL, BOOL_NEGATION))

# -- products and quotients -----------------------------------------------------------------------
# Each factor is read for the other's gradient alone (``saved_for``): ``y = x * 2`` and then a
# change of ``x`` in place leaves y's backward valid, as in PyTorch, which saves x only when 2
# requires grad. Likewise the products in linalg.py and products.py.
MUL = defop("mul", "MulBackward0", lambda self, other: self * other,
            vjp=_mul_vjp, array_vjp=_mul_array_vjp, dtypes=ARITH, scalar_opmath=True,
            saved_for=each_for_the_other())
# NOTE: d/dother = -g * self / other**2 is formed as self / other / other: the square underflows
# (0/0 = nan at self = 0) and overflows sooner (PyTorch divides twice too). Gradients summed
# over a broadcast dimension are formed in float64 (see _wide) and rounded once, after the sum:
# in the dtype, the terms of a subnormal other broadcast over self of both signs are +-inf and
# sum to nan (PyTorch's answer) where the exact sum is finite or one infinity.
def _div_vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, ...],
             self_shape: tuple[int, ...], other_shape: tuple[int, ...]) -> tuple[Any, Any]:
    grad_self = grad_other = None
    if needs[0]:
        # Unbroadcast, the quotient rounded from float64 is the one rounded in the dtype.
        grad_self = g / other if tuple(self_shape) == g.shape else _wide(g) / _wide(other)
    if needs[1]:
        wide_g, wide_self, wide_other = _wide(g), _wide(self), _wide(other)
        grad_other = -wide_g * (wide_self / wide_other / wide_other)
        if wide_g is g and tuple(other_shape) != g.shape:
            grad_other = _refactored(grad_other, g, self, other, other_shape)
    return grad_self, grad_other


def _refactored(grad_other: Tensor, g: Tensor, self: Tensor, other: Tensor,
                other_shape: tuple[int, ...]) -> Tensor:
    """float64 has no wider type: a broadcast other's gradient that sums to nan (terms of both
    signs overflowed) is -sum(g * self) / other / other instead, other taken out of the sum
    (it is constant along it): finite, or the infinity of the exact sum's sign."""
    total = grad_other.sum_to_size(*other_shape)
    lost = np.isnan(total._data)
    if not lost.any():
        return total
    refactored = -(g * self).sum_to_size(*other_shape) / other / other
    # Through where, the unused sum's second derivative would be 0 * inf = nan.
    return refactored if lost.all() else where(lost, refactored, total)


DIV = defop("div", "DivBackward0", lambda self, other: self / other, vjp=_div_vjp,
            dtype_rule="promote_float", dtypes=ALL, scalar_opmath=True,
            saved_for={"self": ("other",), "other": ("self", "other")})
# ATen's ``mul``/``div`` with a number (their Scalar overloads), where its own code multiplies
# or divides by one: MulBackward1 and DivBackward1, whose one input is the tensor. The same ops
# for the judge.
MUL_NUMBER = dataclasses.replace(MUL, grad_fn="MulBackward1", node_inputs=("self",))
DIV_NUMBER = dataclasses.replace(DIV, grad_fn="DivBackward1", node_inputs=("self",))


def _div_mode(self: np.ndarray, other: np.ndarray, *, rounding_mode: str) -> np.ndarray:
    _check_divisor(self, other)
    if rounding_mode == "floor":
        # np.floor_divide is Python's floor division, the algorithm PyTorch uses for floats.
        return _f32(np.floor_divide, self, other)
    if _integral(self):
        return np.sign(self) * np.sign(other) * (np.abs(self) // np.abs(other))
    return _f32(lambda a, b: np.trunc(a / b), self, other)


# A rounded quotient is piecewise constant: PyTorch's gradient is zero for both inputs.
DIV_MODE = defop("div_mode", "DivBackward2", _div_mode,
                 vjp=lambda g, *, rounding_mode: (_zeros(g), _zeros(g)),
                 dtypes=ARITH, scalar_opmath=True,
                 kinks=(Kink("self", "self / other is an integer",
                             lambda self, other, **_: _on_integers(self / other), "zero"),),
                 refuses=not_implemented(lambda self, other, *, rounding_mode:
                                         f"div_{rounding_mode}_cpu", _BOOL))
# NOTE: the VJPs of reciprocal and the powers group their factors as PyTorch's formulas do
# (-g * (out * out), g * (exponent * self**(exponent - 1)), g * (out * log(base))), so that in
# float16 and bfloat16, where each product rounds, they give PyTorch's bits.
RECIPROCAL = defop("reciprocal", "ReciprocalBackward0", lambda self: 1 / self,
                   vjp=lambda g, out: -g * (out * out), dtype_rule="promote_float", dtypes=ALL)

# -- powers ---------------------------------------------------------------------------------------
# NOTE: d/dx x**0 is 0 everywhere, x = 0 included, so the exponent-0 case is written out rather
# than left to 0 * x**-1, which is nan at 0: zeros whatever g is (an infinite g times 0 was nan
# in logit(x ** 0)'s gradient), not on the graph, as PyTorch's pow_backward.
# The dtypes whose ``x ** 0.5`` and ``x ** -0.5`` PyTorch's kernel computes as sqrt(x) and
# 1 / sqrt(x) (float16 takes IEEE pow, as NumPy's float16 power does).
_ROOT_POWERS = frozenset({np.dtype(np.float32), np.dtype(np.float64), _dtypes.bfloat16.np})


def _pow(self: np.ndarray, *, exponent: Any) -> np.ndarray:
    """``self ** exponent`` for a number exponent. At -0.0 and -inf the exponents 0.5 and -0.5
    give sqrt's -0.0 and NaN and 1 / sqrt's -inf and NaN, as PyTorch's kernel (which computes
    them so), where IEEE pow gives +0, +inf, +inf and 0: then ``x ** 0.5`` and its gradient,
    ``0.5 * x ** -0.5``, agree with sqrt's there, as in PyTorch. (NumPy's float32 and float64
    power already take sqrt for 0.5.)"""
    out = np.power(self, exponent)
    if (exponent == 0.5 or exponent == -0.5) and self.dtype in _ROOT_POWERS:
        out = np.asarray(out)  # a 0-d input's power is a NumPy scalar
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(self)
            np.copyto(out, root if exponent == 0.5 else 1 / root, where=np.signbit(self))
    return out


POW = defop("pow", "PowBackward0", _pow,
            vjp=lambda g, self, *, exponent: Tensor._make(np.zeros_like(g._data), False, None)
            if exponent == 0 else g * (exponent * self ** (exponent - 1)),
            promotes=("exponent",))
# NOTE: the exponent's gradient at base 0 is taken as 0 where the exponent is >= 0 (PyTorch's
# convention), since out * log(0) would be 0 * -inf = nan.
def _pow_tensor(self: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    if self.dtype.kind != "i" or not np.any(exponent < 0):
        return np.power(self, exponent)
    # PyTorch's integer power: a negative exponent truncates 1 / self**-exponent, which is 0
    # but for bases 1 and -1.
    negative = exponent < 0
    out = np.power(self, np.where(negative, 0, exponent))
    unit = np.where(self == -1, np.where(exponent % 2 == 0, 1, -1), np.where(self == 1, 1, 0))
    return np.where(negative, unit, out).astype(self.dtype)


# NOTE: for a positive base the slope is written exponent * out / self, not PyTorch's
# exponent * self ** (exponent - 1): that power overflows float16 where the slope does not
# (self = 2**-16, exponent = -0.142: self ** -1.142 is 3.2e5, the slope -4.5e4). Each branch
# sees a harmless base where it is not taken, so create_graph never meets 0 * inf; exponent 0
# counts as harmless too: d/dself self**0 is 0 at base 0 (PyTorch's pow_backward_self), where
# 0 * 0**-1 was nan. Gradients summed over a broadcast dimension are formed in float64 and
# rounded once, after the sum, as div's are: in float16 the terms overflow to +-inf of both
# signs and sum to nan where the exact sum is finite.
def _pow_tensor_vjp(g: Any, self: Any, exponent: Any, out: Any, *,
                    self_shape: tuple[int, ...], exponent_shape: tuple[int, ...]
                    ) -> tuple[Any, Any]:
    if tuple(self_shape) != g.shape or tuple(exponent_shape) != g.shape:
        g, self, exponent, out = _wide(g), _wide(self), _wide(exponent), _wide(out)
    # out / self only where both are finite and out nonzero: at self = inf (erfinv(1)) it
    # was inf / inf = nan where the slope is exponent * inf ** (exponent - 1) (1 for
    # exponent 1), and where out overflows or underflows the slope need not (1e200 ** 2).
    base, power = np.asarray(self._data), np.asarray(out._data)
    quotient = Tensor._make((base > 0) & np.isfinite(base) & np.isfinite(power) & (power != 0),
                            False, None)
    power_law = where(quotient | (exponent == 0), 1.0, self)
    d_self = where(quotient, g * exponent * out / where(quotient, self, 1.0),
                   g * exponent * power_law ** (exponent - 1))
    # At exponent 0 the slope is 0 whatever g is, as PyTorch's where(exponent == 0, 0, ...):
    # an infinite g (asin'(1)) times 0 was nan. Only there: a finite g keeps exponent * ...
    # on the graph, whose derivative in the exponent (g / self) the second order needs.
    lost = (np.asarray(exponent._data) == 0) & ~np.isfinite(np.asarray(g._data))
    if lost.any():
        d_self = where(Tensor._make(lost, False, None), 0.0, d_self)
    return d_self, g * out * where((self == 0) & (exponent >= 0), 0.0, log(self))


POW_TENSOR = defop("pow_tensor", "PowBackward1", _pow_tensor, vjp=_pow_tensor_vjp,
                   refuses=not_implemented("pow", _BOOL))
def _pow_scalar_vjp(g: Tensor, exponent: Tensor, out: Tensor, *, base: Any) -> Tensor:
    if base == 0:
        # 0 ** exponent is 0 for every exponent > 0, so its slope there is 0, where
        # out * log(0) is 0 * -inf = nan; at exponent 0 too, PyTorch's convention (as for a
        # tensor base, above). Below 0 it is inf * -inf. The slope's own derivative is then 0
        # where the exponent is >= 0 (PyTorch's second order is nan everywhere), and the
        # slope stays on the graph through out * 0 (0 or 1 times 0 there), as PyTorch's
        # does.
        e = exponent._data
        below = Tensor._make(np.where(np.isnan(e), np.nan, -np.inf).astype(e.dtype), False, None)
        return g * where(exponent >= 0, out * 0.0, below)
    return g * (out * _log(base))


POW_SCALAR = defop("pow_scalar", "PowBackward2", lambda exponent, *, base: np.power(
                   np.asarray(base, exponent.dtype), exponent),
                   vjp=_pow_scalar_vjp, promotes=("base",))

# -- magnitude and sign ---------------------------------------------------------------------------
# NOTE: abs'(0) = sign(0) = 0, PyTorch's choice (SymPy's d|x|/dx = sign(x) agrees at 0).
ABS = defop("abs", "AbsBackward0", lambda self: np.abs(self),
            vjp=lambda g, self: g * sign(self), dtypes=ARITH,
            refuses=not_implemented("abs_cpu", _BOOL),
            kinks=(Kink("self", "self == 0", lambda self, **_: self == 0, "zero"),))
def _sign(self: np.ndarray) -> np.ndarray:
    if self.dtype.kind == "b":
        return self.copy()
    out = np.sign(self)
    # PyTorch's sign(nan) is 0 (NumPy's is nan).
    return np.where(out != out, 0, out).astype(self.dtype) if self.dtype.kind == "f" else out


SIGN = defop("sign", "SignBackward0", _sign,
             vjp=lambda g: _zeros(g), dtypes=ALL,
             kinks=(Kink("self", "self == 0", lambda self, **_: self == 0, "zero"),))

# -- maximum and minimum --------------------------------------------------------------------------
# NOTE: at a tie each input gets half of g (PyTorch's convention), the mean of the one-sided
# derivatives. The losing side is masked out rather than the winner selected, so where a nan
# makes every comparison false both inputs get g, as in PyTorch.
def _tie_vjp(g: Tensor, self: Tensor, other: Tensor, self_loses: Tensor, other_loses: Tensor
             ) -> tuple[Tensor, Tensor]:
    shared = where(self == other, g / 2, g)
    return where(self_loses, 0.0, shared), where(other_loses, 0.0, shared)


_TIES = (Kink("self", "self == other", lambda self, other, **_: self == other, "mean"),
         Kink("other", "self == other", lambda self, other, **_: self == other, "mean"))
def _tie_to_self(self: np.ndarray, other: Any, picked: np.ndarray) -> np.ndarray:
    """``picked`` (NumPy's maximum or minimum of ``self`` and ``other``) with ``self`` where
    the two are equal: PyTorch takes ``other`` only where it is strictly beyond ``self``, so
    ``maximum(-0.0, 0.0)`` and ``clamp(-0.0, min=0.0)`` are -0.0, where NumPy gives the second
    zero (1 / the result's sign shows it).

    >>> _tie_to_self(np.array([-0.0]), np.array([0.0]), np.array([0.0]))
    array([-0.])

    ``picked`` is written (np.where branches per element: 8 times the time on large arrays).
    """
    out = np.asarray(picked)
    np.copyto(out, self, where=self == other, casting="same_kind")
    return out


MAXIMUM = defop("maximum", "MaximumBackward0",
                lambda self, other: _tie_to_self(self, other, np.maximum(self, other)),
                vjp=lambda g, self, other: _tie_vjp(g, self, other, self < other, self > other),
                dtypes=ALL, kinks=_TIES)
MINIMUM = defop("minimum", "MinimumBackward0",
                lambda self, other: _tie_to_self(self, other, np.minimum(self, other)),
                vjp=lambda g, self, other: _tie_vjp(g, self, other, self > other, self < other),
                dtypes=ALL, kinks=_TIES)


# -- clamp ----------------------------------------------------------------------------------------
def _clamp(self: np.ndarray, *, min: float | None, max: float | None) -> np.ndarray:
    out = self
    if min is not None:
        bound = np.asarray(min, self.dtype)
        out = _tie_to_self(out, bound, np.maximum(out, bound))
    if max is not None:
        bound = np.asarray(max, self.dtype)
        out = _tie_to_self(out, bound, np.minimum(out, bound))
    return out if out is not self else self.copy()


def _inside(self: Tensor, min: float | None, max: float | None) -> Tensor:
    # NOTE: a bound counts as inside (clamp'(boundary) = 1), PyTorch's convention.
    if min is None:
        return self <= max
    if max is None:
        return self >= min
    return (self >= min) & (self <= max)


def _at_bounds(self: np.ndarray, *, min: float | None, max: float | None) -> np.ndarray:
    return np.asarray((self == min) | (self == max))


CLAMP = defop("clamp", "ClampBackward1", _clamp,
              vjp=lambda g, self, *, min, max: where(_inside(self, min, max), g, 0.0),
              dtypes=FLOATING,
              kinks=(Kink("self", "self == min or self == max", _at_bounds, "one"),),
              promotes=("min", "max"))
CLAMP_MIN = defop("clamp_min", "ClampMinBackward0",
                  lambda self, *, min: _clamp(self, min=min, max=None),
                  vjp=lambda g, self, *, min: where(self >= min, g, 0.0), dtypes=FLOATING,
                  kinks=(Kink("self", "self == min", lambda self, *, min: self == min, "one"),),
                  promotes=("min",))
CLAMP_MAX = defop("clamp_max", "ClampMaxBackward0",
                  lambda self, *, max: _clamp(self, min=None, max=max),
                  vjp=lambda g, self, *, max: where(self <= max, g, 0.0), dtypes=FLOATING,
                  kinks=(Kink("self", "self == max", lambda self, *, max: self == max, "one"),),
                  promotes=("max",))

# A tensor bound is an input: at self == bound the gradient goes to self (the bound counts as
# inside), as for number bounds.
CLAMP_MIN_TENSOR = defop("clamp_min_tensor", "ClampMinBackward1",
                         lambda self, min: _tie_to_self(self, min, np.maximum(self, min)),
                         vjp=lambda g, self, min: (where(self >= min, g, 0.0),
                                                   where(self < min, g, 0.0)),
                         dtypes=ARITH,
                         kinks=(Kink("self", "self == min", lambda self, min, **_: self == min,
                                     "one"),
                                Kink("min", "self == min", lambda self, min, **_: self == min,
                                     "zero")))
CLAMP_MAX_TENSOR = defop("clamp_max_tensor", "ClampMaxBackward1",
                         lambda self, max: _tie_to_self(self, max, np.minimum(self, max)),
                         vjp=lambda g, self, max: (where(self <= max, g, 0.0),
                                                   where(self > max, g, 0.0)),
                         dtypes=ARITH,
                         kinks=(Kink("self", "self == max", lambda self, max, **_: self == max,
                                     "one"),
                                Kink("max", "self == max", lambda self, max, **_: self == max,
                                     "zero")))


def _clamp_tensors(self: np.ndarray, min: np.ndarray, max: np.ndarray) -> np.ndarray:
    low = _tie_to_self(self, min, np.maximum(self, min))
    return _tie_to_self(low, max, np.minimum(low, max))


# NOTE: with tensor bounds the result is min(max(self, min), max), so where min > max the
# result is max and the gradient goes to max; a missing bound is passed as -inf/+inf (or the
# integer range's end), which never receives gradient. Without a max (``no_max``) PyTorch gives
# min the gradient wherever self < min, min = +inf included; a max given as +inf is a bound,
# and at min == max == +inf neither gets it (clip(0, t, t) at t = atanh(1)).
CLAMP_TENSOR = defop("clamp_tensor", "ClampBackward0",
                     lambda self, min, max, *, no_max=False: _clamp_tensors(self, min, max),
                     vjp=lambda g, self, min, max, *, no_max=False: (
                         where((self >= min) & (self <= max), g, 0.0),
                         where((self < min) & (min < max) if not no_max else self < min, g, 0.0),
                         where((self > max) | (max < min), g, 0.0)),
                     dtypes=ARITH,
                     kinks=(Kink("self", "self == min or self == max",
                                 lambda self, min, max, **_: (self == min) | (self == max),
                                 "one"),
                            # PyTorch's: at min == max neither bound gets the gradient (the
                            # side where min > max, for each), whatever self is.
                            Kink("min", "min == max", lambda self, min, max, **_: min == max,
                                 "right"),
                            Kink("max", "min == max", lambda self, min, max, **_: min == max,
                                 "right"),
                            Kink("min", "self == min", lambda self, min, max, **_: self == min,
                                 "zero"),
                            Kink("max", "self == max", lambda self, min, max, **_: self == max,
                                 "zero")),
                     refuses=not_implemented("clamp_cpu", _BOOL))

# -- rounding (piecewise constant: the gradient is zero, as PyTorch's) ---------------------------
_ROUNDING_KINK = Kink("self", "self is an integer", lambda self, **_: _on_integers(self), "zero")


def _rounding(name: str, grad_fn: str, fn: Any, kink: Kink) -> Any:
    return defop(name, grad_fn,
                 lambda self: self.copy() if _integral(self) else _f32(fn, self),
                 vjp=lambda g: _zeros(g), dtypes=ARITH, kinks=(kink,),
                 refuses=not_implemented(f"{name}_vml_cpu", _BOOL))


FLOOR = _rounding("floor", "FloorBackward0", np.floor, _ROUNDING_KINK)
CEIL = _rounding("ceil", "CeilBackward0", np.ceil, _ROUNDING_KINK)
TRUNC = _rounding("trunc", "TruncBackward0", np.trunc, _ROUNDING_KINK)
# np.rint rounds half to even, as PyTorch's round does.
ROUND = _rounding("round", "RoundBackward0", np.rint,
                  Kink("self", "self is a half-integer",
                       lambda self, **_: _on_integers(self + 0.5), "zero"))


def _round_decimals(self: np.ndarray, *, decimals: int) -> np.ndarray:
    # PyTorch scales by 10**|decimals| one way, rounds half to even, and scales back.
    scale = 10.0 ** builtins.abs(decimals)
    if decimals > 0:
        return _f32(lambda a: np.rint(a * scale) / scale, self)
    return _f32(lambda a: np.rint(a / scale) * scale, self)


ROUND_DECIMALS = defop("round_decimals", "RoundBackward1", _round_decimals,
                       vjp=lambda g, *, decimals: _zeros(g),
                       kinks=(Kink("self", "self * 10**decimals is a half-integer",
                                   lambda self, *, decimals: _on_integers(
                                       self * 10.0**decimals + 0.5), "zero"),),
                       refuses=not_implemented("round_cpu", _dtypes.NOT_FLOATING))


# -- remainders and floor division ----------------------------------------------------------------
def _remainder(self: np.ndarray, other: Any) -> np.ndarray:
    # np.remainder takes the divisor's sign, as PyTorch's remainder (Python's %) does.
    _check_divisor(self, other)
    if self.dtype.kind != "f":
        return np.remainder(self, np.asarray(other, self.dtype))
    return _f32(_float_remainder, self, np.asarray(other, self.dtype))


def _float_remainder(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    """np.remainder, but a zero result has the dividend's sign, as PyTorch's (its C fmod's,
    then moved to the divisor's sign when not zero): -1 % 0.5 is -0.0, whose reciprocal is
    -inf (NumPy's +0.0)."""
    out = np.asarray(np.remainder(self, other))
    np.copyto(out, np.copysign(out, self), where=out == 0)
    return out


def _fmod(self: np.ndarray, other: Any) -> np.ndarray:
    _check_divisor(self, other)
    return _f32(np.fmod, self, np.asarray(other, self.dtype))


def _quotient(self: Tensor, other: Tensor, fn: Any) -> Tensor:
    """``fn(self, other)``, a piecewise-constant quotient, as a float64 constant (its own
    derivative is zero, as PyTorch's rounded division's): float64 holds the quotient of any two
    narrower values, which overflows bfloat16's and float32's range for a tiny other."""
    with np.errstate(all="ignore"):
        q = fn(self._data.astype(np.float64), other._data.astype(np.float64))
    return Tensor._make(np.asarray(q, dtype=np.float64), False, None)


def _fmod_quotient(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    """trunc(self / other) of the exact quotient: the count the forward's fmod subtracted.

    NOTE: PyTorch truncates the rounded float quotient, which is an integer one too high when
    self / other rounds up to an integer (0.5 / 0.05 rounds to 10.0, while fmod(0.5, 0.05) =
    0.04999... subtracted 9 times): a gradient across the jump from the forward's value.
    (self - fmod) / other is q up to a few ulps (fmod is exact), so rounding it gives q.
    """
    a, b = self.astype(np.float64), other.astype(np.float64)
    q = np.rint((a - np.fmod(a, b)) / b)
    return np.where(np.isnan(q), np.trunc(a / b), q)


REMAINDER = defop("remainder", "RemainderBackward0",
                  lambda self, *, other: _remainder(self, other),
                  vjp=lambda g, *, other: g, dtypes=FLOATING,
                  kinks=(Kink("self", "self / other is an integer (a jump)",
                              lambda self, *, other: _on_integers(self / other), "right"),),
                  promotes=("other",))
# NOTE: d/dother (self - other * floor(self / other)) = -floor(self / other), taken at the point
# itself: at a jump that is the limit from the side where self / other grows, i.e. from lower
# other when self > 0 and from higher other when self < 0.
# PyTorch's nodes save self and other for other's gradient alone: one written in place
# before backward is refused only when other requires grad (self's gradient is g).
REMAINDER_TENSOR = defop("remainder_tensor", "RemainderBackward1", _remainder,
                         vjp=lambda g, self, other, *, needs: (g, -_wide(g) * _quotient(
                             self, other, np.floor_divide) if needs[1] else None),
                         saved_for={"self": (), "other": ("self", "other")},
                         dtypes=ARITH,
                         kinks=(Kink("self", "self / other is an integer (a jump)",
                                     lambda self, other, **_: _on_integers(self / other),
                                     "right"),
                                Kink("other", "self / other is an integer, self > 0",
                                     lambda self, other, **_: _on_integers(self / other)
                                     & (self > 0), "left"),
                                Kink("other", "self / other is an integer, self < 0",
                                     lambda self, other, **_: _on_integers(self / other)
                                     & (self < 0), "right")),
                         refuses=not_implemented("remainder_cpu", _BOOL))
REMAINDER_SCALAR = defop("remainder_scalar", "torch::autograd::NotImplemented", _remainder,
                         vjp=_no_derivative("remainder"), differentiable=(),
                         double_backward=False, dtypes=ARITH,
                         refuses=not_implemented("remainder_cpu", _BOOL))
FMOD = defop("fmod", "FmodBackward0", lambda self, *, other: _fmod(self, other),
             vjp=lambda g, *, other: g, dtypes=FLOATING,
             kinks=(Kink("self", "self / other is a nonzero integer (a jump)",
                         lambda self, *, other: _on_integers(self / other) & (self != 0),
                         "right"),),
             promotes=("other",))
# NOTE: fmod truncates: d/dother = -trunc(self / other), at a jump the limit from lower other
# when other > 0 and from higher other when other < 0.
FMOD_TENSOR = defop("fmod_tensor", "FmodBackward1", _fmod,  # saves as remainder's
                    vjp=lambda g, self, other, *, needs: (g, -_wide(g) * _quotient(
                        self, other, _fmod_quotient) if needs[1] else None),
                    saved_for={"self": (), "other": ("self", "other")},
                    dtypes=ARITH,
                    kinks=(Kink("self", "self / other is a nonzero integer (a jump)",
                                lambda self, other, **_: _on_integers(self / other)
                                & (self != 0), "right"),
                           Kink("other", "self / other is a nonzero integer, other > 0",
                                lambda self, other, **_: _on_integers(self / other)
                                & (self != 0) & (other > 0), "left"),
                           Kink("other", "self / other is a nonzero integer, other < 0",
                                lambda self, other, **_: _on_integers(self / other)
                                & (self != 0) & (other < 0), "right")),
                    refuses=not_implemented("fmod_cpu", _BOOL))
# PyTorch records floor_divide but has no derivative for it: backward raises.
FLOOR_DIVIDE = defop("floor_divide", "torch::autograd::NotImplemented",
                     lambda self, other: _div_mode(self, other, rounding_mode="floor"),
                     vjp=_no_derivative("floor_divide"), differentiable=(),
                     double_backward=False, dtypes=ARITH,
                     scalar_opmath=True, refuses=not_implemented("div_floor_cpu", _BOOL))


# -- public functions -----------------------------------------------------------------------------
def _promoted(input: Tensor, *scalars: Any) -> Tensor:
    """``input`` converted to the dtype PyTorch computes in when Python numbers join it."""
    d = _result_dtype("promote", (input, *(s for s in scalars if s is not None)))
    return input if input.dtype is d else input.to(d)


def _check_alpha(input: Tensor, other: Any, alpha: Any) -> None:
    if _result_dtype("promote", (input, other)).category != _dtypes._FLOAT:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


@expose()
def add(input: Tensor | float, other: Any, *, alpha: float = 1) -> Tensor:
    """``input + alpha * other``, broadcasting.

    Args:
        input: The tensor, or a Python number (PyTorch's parser takes a number for any tensor
            argument of add, sub, mul and div).
        other: A tensor broadcast against ``input``, or a Python number (a wrapped number
            in PyTorch's type promotion: ``float32 * 2.5`` stays float32).
        alpha: The factor ``other`` is multiplied by. Defaults to 1.

    >>> import symgrad
    >>> symgrad.add(symgrad.tensor([1.0, 2.0]), 10)
    tensor([11., 12.])
    """
    if isinstance(alpha, float):
        _check_alpha(input, other, alpha)
    if alpha == 1 and takes_over(input, other):  # ``x * w + b``: into the product's array
        return into_left(ADD, np.add, input, other, alpha)
    return apply(ADD, input, other, alpha=alpha)


@expose("sub", "subtract")
def sub(input: Tensor | float, other: Any, *, alpha: float = 1) -> Tensor:
    """``input - alpha * other``, broadcasting.

    Args:
        input: The tensor, or a Python number (PyTorch's parser takes a number for any tensor
            argument of add, sub, mul and div).
        other: A tensor broadcast against ``input``, or a Python number (a wrapped number
            in PyTorch's type promotion: ``float32 * 2.5`` stays float32).
        alpha: The factor ``other`` is multiplied by. Defaults to 1.

    >>> import symgrad
    >>> symgrad.sub(symgrad.tensor([1.0, 2.0]), 1, alpha=2)
    tensor([-1.,  0.])
    """
    _no_bool_in_subtraction(input, other)
    if isinstance(alpha, float):
        _check_alpha(input, other, alpha)
    if alpha == 1 and takes_over(input, other):
        return into_left(SUB, np.subtract, input, other, alpha)
    return apply(SUB, input, other, alpha=alpha)


def _no_bool_in_subtraction(*operands: Any) -> None:
    """PyTorch's refusal of a subtraction with a bool operand among others (two bools are
    refused by the ops' ``refuses``, with their own message)."""
    # Counted in a loop: a list of flags with any() and all() took 0.6 us of a 2 us sub.
    bools = 0
    for x in operands:
        if isinstance(x, bool) or (isinstance(x, Tensor) and x._data.dtype is _BOOL_NP):
            bools += 1
    if 0 < bools < len(operands):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


@expose()
def rsub(input: Tensor, other: Any) -> Tensor:
    """``other - input``.

    Args:
        input: The tensor subtracted.
        other: The tensor or number it is subtracted from, broadcast
            against ``input``.

    >>> import symgrad
    >>> symgrad.rsub(symgrad.tensor([1.0]), symgrad.tensor([3.0]))
    tensor([2.])
    """
    _no_bool_in_subtraction(input, other)
    if not isinstance(other, Tensor):
        from symgrad.ops.operators import RSUB_SCALAR  # it builds on this module

        # A Python scalar is wrapped: PyTorch names the node RsubBackward1, as for ``2 - x``.
        return apply(RSUB_SCALAR, input, other)
    return apply(RSUB, input, other)


@expose("mul", "multiply")
def mul(input: Tensor | float, other: Any) -> Tensor:
    """Elementwise product, broadcasting.

    Args:
        input: The tensor, or a Python number (PyTorch's parser takes a number for any tensor
            argument of add, sub, mul and div).
        other: A tensor broadcast against ``input``, or a Python number (a wrapped number
            in PyTorch's type promotion: ``float32 * 2.5`` stays float32).

    >>> import symgrad
    >>> symgrad.mul(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0]))
    tensor([3., 6.])
    """
    return apply(MUL, input, other)


@expose("div", "divide", "true_divide")
def div(input: Tensor | float, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give the default float), or rounded: ``"trunc"``, ``"floor"``.

    Args:
        input: The dividend, or a Python number (PyTorch's parser takes a number for any tensor
            argument of add, sub, mul and div).
        other: The divisor: a tensor broadcast against ``input``, or a Python number.
        rounding_mode: None for true division; ``"trunc"`` rounds the quotient toward
            zero, ``"floor"`` down (both keep integer dtypes, and have a zero gradient).
            Defaults to None.

    >>> import symgrad
    >>> symgrad.div(symgrad.tensor([7, -7]), 2)
    tensor([ 3.5000, -3.5000])
    >>> symgrad.div(symgrad.tensor([7, -7]), 2, rounding_mode="floor")
    tensor([ 3, -4])
    """
    if rounding_mode is None:
        return apply(DIV, input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return apply(DIV_MODE, input, other, rounding_mode=rounding_mode)


@expose("neg", "negative")
def neg(input: Tensor) -> Tensor:
    """``-input``.

    Args:
        input: The tensor; not bool (use ``~`` or ``logical_not``).

    >>> import symgrad
    >>> symgrad.neg(symgrad.tensor([1, -2]))
    tensor([-1,  2])
    """
    if input.dtype is _dtypes.bool:
        raise RuntimeError(BOOL_NEGATION)
    return apply(NEG, input)


@expose()
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``; integers give the default float.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.reciprocal(symgrad.tensor([2, 4]))
    tensor([0.5000, 0.2500])
    """
    return apply(RECIPROCAL, input)


@expose()
def pow(input: Tensor | float, exponent: Tensor | float) -> Tensor:
    """``input ** exponent`` for tensor^scalar, tensor^tensor and scalar^tensor.

    Args:
        input: The base: a tensor, or a Python number when ``exponent`` is a tensor.
        exponent: The exponent: a Python number, or a tensor broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.pow(symgrad.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    if not isinstance(exponent, Tensor):
        if not isinstance(input, Tensor):
            raise TypeError(
                "pow() received an invalid combination of arguments - got "
                f"({type(input).__name__}, {type(exponent).__name__}), but expected one of:\n"
                " * (Tensor input, Tensor exponent, *, Tensor out = None)\n"
                " * (Number self, Tensor exponent, *, Tensor out = None)\n"
                " * (Tensor input, Number exponent, *, Tensor out = None)\n")
        if (input.dtype.category != _dtypes._FLOAT and isinstance(exponent, int)
                and exponent < 0):
            # A number exponent is refused here (a tensor of them truncates, as above).
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return apply(POW, _promoted(input, exponent), exponent=exponent)
    if not isinstance(input, Tensor):
        return apply(POW_SCALAR, _promoted(exponent, input), base=input)
    return apply(POW_TENSOR, input, exponent)


@expose()
def square(input: Tensor) -> Tensor:
    """``input ** 2``; PyTorch records it as a power (``PowBackward0``).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.square(symgrad.tensor([-3.0], requires_grad=True))
    tensor([9.], grad_fn=<PowBackward0>)
    """
    return pow(input, 2)


@expose("abs", "absolute")
def abs(input: Tensor) -> Tensor:
    """``|input|``; integers stay integers. The gradient at 0 is 0.

    Args:
        input: The tensor; not bool.

    >>> import symgrad
    >>> symgrad.abs(symgrad.tensor([-2, 3]))
    tensor([2, 3])
    """
    if input.dtype is _dtypes.bool:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return apply(ABS, input)


@expose()
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element; its gradient is zero everywhere.

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.sign(symgrad.tensor([-2.0, 0.0, 5.0]))
    tensor([-1.,  0.,  1.])
    """
    return apply(SIGN, input)


@expose()
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise larger of two tensors; at a tie each gets half the gradient.

    Args:
        input: The first tensor.
        other: The second tensor, broadcast against ``input``.

    >>> import symgrad
    >>> a = symgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> symgrad.maximum(a, symgrad.tensor([1.0, 0.0])).sum().backward(); a.grad
    tensor([0.5000, 1.0000])
    """
    return apply(MAXIMUM, input, other)


@expose()
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise smaller of two tensors; at a tie each gets half the gradient.

    Args:
        input: The first tensor.
        other: The second tensor, broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.minimum(symgrad.tensor([1.0, 2.0]), symgrad.tensor([3.0, 0.0]))
    tensor([1., 0.])
    """
    return apply(MINIMUM, input, other)


def _bound(value: Any, d: _dtypes.dtype, fill: float) -> Tensor:
    if value is None:
        if d is _dtypes.bool:
            fill = fill > 0
        elif d.category != _dtypes._FLOAT:
            info = np.iinfo(d.np)
            fill = info.min if fill < 0 else info.max
        return Tensor._make(np.asarray(fill, d.np), False, None)
    # A tensor bound goes in as it is: the op computes in the promoted dtype, and its node
    # saves the bound itself, whose later in-place change PyTorch's ClampBackward0 refuses.
    return value


@expose("clamp", "clip")
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to ``[min, max]`` (numbers or tensors); a bound counts as inside, so the
    gradient there is 1.

    Args:
        input: The tensor.
        min: The lower bound: a number, or a tensor broadcast against ``input``; None for
            no lower bound. Defaults to None.
        max: The upper bound, as ``min``; where ``min > max`` the result is ``max``.
            Defaults to None. At least one bound must be given.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> symgrad.clamp(x, min=0.0).sum().backward(); x.grad
    tensor([0., 1., 1.])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tensors = [isinstance(b, Tensor) for b in (min, max) if b is not None]
    if any(tensors):
        if not all(tensors):
            raise TypeError("clamp() received an invalid combination of arguments: min and max "
                            "must both be numbers or both be tensors")
        d = _result_dtype("promote", (input, *(b for b in (min, max) if b is not None)))
        if d is _dtypes.bool:
            # One bound is PyTorch's clamp_min or clamp_max, which take bools; both, refused.
            if min is not None and max is not None:
                _no_bool_clamp("clamp_cpu")
            return clamp_min(input, min) if max is None else clamp_max(input, max)
        return apply(CLAMP_TENSOR, input, _bound(min, d, -math.inf), _bound(max, d, math.inf),
                     no_max=max is None)
    return apply(CLAMP, _scalar_clamped(input, min, max), min=min, max=max)


def _no_bool_clamp(kernel: str) -> None:
    raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _scalar_clamped(input: Tensor, min: Any, max: Any) -> Tensor:
    """``input`` in the dtype a clamp by numbers computes in; PyTorch has no such kernel for
    bool (its bounds by tensors are the logical or/and)."""
    promoted = _promoted(input, min, max)
    if promoted.dtype is _dtypes.bool:
        _no_bool_clamp("clamp_scalar_cpu" if min is not None and max is not None
                       else "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu")
    return promoted


@expose()
def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``, recorded as PyTorch's ``clamp_min``; a tensor ``min``
    broadcasts and gets the gradient where it is the larger (ClampMinBackward1).

    Args:
        input: The tensor.
        min: The lower bound: a number, or a tensor broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.clamp_min(symgrad.tensor([-1.0, 2.0]), 0.0)
    tensor([0., 2.])
    >>> symgrad.clamp_min(symgrad.tensor([-1.0, 2.0]), symgrad.tensor([0.0, 3.0]))
    tensor([0., 3.])
    """
    if isinstance(min, Tensor):
        return apply(CLAMP_MIN_TENSOR, input, min)
    return apply(CLAMP_MIN, _scalar_clamped(input, min, None), min=min)


@expose()
def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``, recorded as PyTorch's ``clamp_max``; a tensor ``max``
    broadcasts and gets the gradient where it is the smaller (ClampMaxBackward1).

    Args:
        input: The tensor.
        max: The upper bound: a number, or a tensor broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.clamp_max(symgrad.tensor([-1.0, 2.0]), 0.0)
    tensor([-1.,  0.])
    """
    if isinstance(max, Tensor):
        return apply(CLAMP_MAX_TENSOR, input, max)
    return apply(CLAMP_MAX, _scalar_clamped(input, None, max), max=max)


@expose()
def floor(input: Tensor) -> Tensor:
    """Round down; integers are returned unchanged. The gradient is zero.

    Args:
        input: The tensor; integer tensors are returned unchanged.

    >>> import symgrad
    >>> symgrad.floor(symgrad.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    return apply(FLOOR, input)


@expose()
def ceil(input: Tensor) -> Tensor:
    """Round up; integers are returned unchanged. The gradient is zero.

    Args:
        input: The tensor; integer tensors are returned unchanged.

    >>> import symgrad
    >>> symgrad.ceil(symgrad.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """
    return apply(CEIL, input)


@expose("trunc", "fix")
def trunc(input: Tensor) -> Tensor:
    """Round toward zero; the gradient is zero.

    Args:
        input: The tensor; integer tensors are returned unchanged.

    >>> import symgrad
    >>> symgrad.trunc(symgrad.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    return apply(TRUNC, input)


@expose()
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to ``decimals`` places; the gradient is zero.

    Args:
        input: The tensor; integer tensors are returned unchanged when ``decimals`` is 0.
        decimals: The number of decimal places to round to (negative: to tens,
            hundreds, ...). Defaults to 0.

    >>> import symgrad
    >>> symgrad.round(symgrad.tensor([0.5, 1.5, 2.5]))
    tensor([0., 2., 2.])
    >>> symgrad.round(symgrad.tensor([1.25]), decimals=1)
    tensor([1.2000])
    """
    if decimals == 0:
        return apply(ROUND, input)
    if input.dtype.category != _dtypes._FLOAT:
        raise NotImplementedError(
            f"\"round_cpu\" not implemented for '{input.dtype.name.capitalize()}'"
            .replace("'Int64'", "'Long'").replace("'Int32'", "'Int'"))
    return apply(ROUND_DECIMALS, input, decimals=int(decimals))


@expose()
def remainder(input: Tensor | float, other: Tensor | float) -> Tensor:
    """Python's ``%``: the result takes the divisor's sign.

    Args:
        input: The dividend: a tensor, or a Python number when ``other`` is one.
        other: The divisor: a tensor broadcast against ``input``, or a Python number.

    >>> import symgrad
    >>> symgrad.remainder(symgrad.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.])
    """
    if not isinstance(other, Tensor):
        if not isinstance(input, Tensor):  # two numbers: PyTorch has no remainder of them
            raise invalid_combination("remainder", input, other)
        return apply(REMAINDER, _promoted(input, other), other=other)
    if not isinstance(input, Tensor):
        return apply(REMAINDER_SCALAR, input, other)
    return apply(REMAINDER_TENSOR, input, other)


@expose()
def fmod(input: Tensor, other: Tensor | float) -> Tensor:
    """C's ``fmod``: the result takes the dividend's sign.

    Args:
        input: The dividend.
        other: The divisor: a tensor broadcast against ``input``, or a Python number.

    >>> import symgrad
    >>> symgrad.fmod(symgrad.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if not isinstance(other, Tensor):
        return apply(FMOD, _promoted(input, other), other=other)
    return apply(FMOD_TENSOR, input, other)


@expose()
def floor_divide(input: Tensor | float, other: Tensor | float) -> Tensor:
    """``input // other`` (floor of the quotient). Recorded, but backward through it raises, as
    PyTorch has no derivative for it.

    Args:
        input: The dividend: a tensor, or a Python number when ``other`` is one.
        other: The divisor: a tensor broadcast against ``input``, or a Python number.

    >>> import symgrad
    >>> symgrad.floor_divide(symgrad.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    return apply(FLOOR_DIVIDE, input, other)


from symgrad.ops.elementwise import log, where  # noqa: E402 - the VJPs above use them
