"""Elementwise functions (exp, log, trigonometric, hyperbolic, erf, ...), ``where``, comparisons
and bitwise ops.

Each op is a forward beside its VJP; ``out`` is the result, which several VJPs reuse because
it is cheaper and more accurate than recomputing from the input. Integer and bool inputs of a
transcendental function compute in the default float dtype, as PyTorch's do; every float dtype
computes in float64 and rounds once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

from symgrad import _dtypes
from symgrad.ops.registry import (
    ALL,
    BOOL_NEGATION,
    Kink,
    _forward,
    _grad_state,
    _record,
    apply,
    defop,
    expose,
    not_implemented,
)
from symgrad.tensor import Tensor

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_F64 = np.dtype(np.float64)
# Elements from which kernels work in place or branch-free (``_tanh_backward``, ``_where``):
# below, the plain NumPy calls cost less than the extra arguments and passes.
_LARGE = 4096


def _wide(fn: Any, *arrays: np.ndarray) -> np.ndarray:
    """``fn`` evaluated in float64 and rounded once to the inputs' dtype.

    NumPy's float32 kernels are up to 3 ULP off (measured on exp, log, tan, arcsin); through
    float64 the result is correctly rounded but for rare double-rounding ties, as accurate as
    PyTorch's and never less.
    """
    d = arrays[0].dtype
    if d is _F64:  # identity, not ==: comparing a dtype with np.float64 costs more than tanh
        return fn(*arrays)
    return np.asarray(fn(*[a.astype(_F64) for a in arrays])).astype(d)


def _f64(fn: Any) -> Any:
    """A float64 function of Python floats as a NumPy forward for every float dtype: values are
    computed in float64 and rounded once to the input's dtype."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def forward(self: np.ndarray) -> np.ndarray:
        return np.asarray(ufunc(self.astype(np.float64)), dtype=np.float64).astype(self.dtype)

    return forward


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a non-positive argument only: no overflow for large |x|, full accuracy in the tail.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


_INPUT_ARG = """    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype."""


def _unary(name: str, grad_fn: str, forward: Any, vjp: Any, doc: str = "",
           array_vjp: Any = None, checks_out: bool = False) -> Any:
    """Declare a transcendental function and publish ``symgrad.<name>`` / ``Tensor.<name>``
    (``checks_out``: see ``defop``)."""
    op = defop(name, grad_fn, forward, vjp=vjp, dtype_rule="promote_float", dtypes=ALL,
               array_vjp=array_vjp, checks_out=checks_out)

    def function(input: Tensor) -> Tensor:
        return apply(op, input)

    function.__name__ = function.__qualname__ = name  # the module global it becomes
    summary, _, example = doc.partition("\n\n")
    function.__doc__ = f"{summary}\n\n{_INPUT_ARG}\n\n{example}"
    return op, function


def _np(fn: Any) -> Any:
    if not isinstance(fn, np.ufunc):
        return lambda self: _wide(fn, self)

    def forward(self: np.ndarray) -> np.ndarray:
        # ``_wide`` for one ufunc: its ``dtype`` casts the input as it reads it (one call less).
        d = self.dtype
        return fn(self) if d is _F64 else fn(self, dtype=_F64).astype(d)

    return forward


def _in_f64(t: Tensor) -> Tensor:
    """``t`` in float64: a VJP formed there is rounded once to the input's dtype by the engine."""
    return t if t._data.dtype == _F64 else t.to(_dtypes.float64)


def _with_limits(self: Tensor, f: Callable[[Tensor], Tensor], limits: tuple[float, float],
                 beyond: float = math.inf) -> Tensor:
    """``f(self)``, a part of a derivative, with its limits (at -inf, at +inf) where
    ``|self| >= beyond``.

    There a derivative's formula meets inf * 0 or inf / inf (silu' = s(x) (1 + x s(-x)) at
    +-inf; the second order of a slope that falls to 0, such as -2x / (1 + x^2)^2), which is
    NaN (PyTorch's value), though the limit exists. ``f`` is recorded at 0 there, so that no
    NaN reaches a second order either: the constant limit's derivative is 0, the limit of the
    next derivative. Recorded only when some element is that far out.
    """
    x = self._data
    far = np.abs(x) >= beyond
    if not far.any():
        return f(self)
    mask = Tensor._make(far, False, None)
    limit = Tensor._make(np.where(x > 0, limits[1], limits[0]).astype(x.dtype), False, None)
    return where(mask, limit, f(where(mask, 0.0, self)))


# -- exponentials and logarithms ------------------------------------------------------------------
# NOTE: narrow dtypes form the VJPs of expm1, sinh and cosh in float64: at the overflow threshold
# the rounded forward is inf where g * f'(x), for |g| < 1, is finite in the dtype. exp's VJP
# reads its saved result only, as PyTorch's ExpBackward0 (saving self too would refuse an
# in-place change of the input that PyTorch allows), so it keeps g * out.
def _exp_vjp(g: Any, out: Any) -> Any:
    # Operators only: the same function is exp's array VJP.
    return g * out


EXP, exp = _unary("exp", "ExpBackward0", _np(np.exp), _exp_vjp,
                  """``e ** input``.

    >>> import symgrad
    >>> symgrad.exp(symgrad.tensor([0.0]))
    tensor([1.])
    """, array_vjp=_exp_vjp)
# NOTE: exp2' = 2**(x/2) ln2 2**(x/2), not out * ln2: out overflows half a binade before the
# derivative does (float64 at x = 1024, where the derivative is 1.246e308; float16 at 16).
# Narrow dtypes are worked in float64 and rounded once (three roundings in float16 were 2 ULP).
# The second factor is 2**(x - x/2), not 2**(x/2) again: its second order then carries the whole
# of 2**x ln2**2 along x rather than twice that along x/2 halved at the end, which overflowed
# float64 at x = 1024 where the exact value is 1.08e308. At x = +-inf, x - x/2 is inf - inf =
# nan: there the second factor is 2**(x/2), the derivative's limit (inf, 0).
def _exp2_vjp(g: Tensor, self: Tensor) -> Tensor:
    x = _in_f64(self)
    half = x * 0.5
    rest = x - half
    infinite = np.isinf(x._data)
    if infinite.any():
        rest = where(Tensor._make(infinite, False, None), half, rest)
    return g * exp2(half) * LN2 * exp2(rest)


EXP2, exp2 = _unary("exp2", "Exp2Backward0", _np(np.exp2), _exp2_vjp, """``2 ** input``.

    >>> import symgrad
    >>> symgrad.exp2(symgrad.tensor([3]))
    tensor([8.])
    """, checks_out=True)
# NOTE: expm1' = exp(x), not out + 1, which cancels where out is near -1.
EXPM1, expm1 = _unary("expm1", "Expm1Backward0", _np(np.expm1),
                      lambda g, self: g * exp(_in_f64(self)),
                      """``exp(input) - 1``, accurate near 0.

    >>> import symgrad
    >>> symgrad.expm1(symgrad.tensor([1e-10], dtype=symgrad.float64)).item()
    1.00000000005e-10
    """, checks_out=True)
LOG, log = _unary("log", "LogBackward0", _np(np.log), lambda g, self: g / self,
                  """Natural logarithm.

    >>> import symgrad
    >>> symgrad.log(symgrad.tensor([1.0]))
    tensor([0.])
    """)
LOG2, log2 = _unary("log2", "Log2Backward0", _np(np.log2), lambda g, self: g / (self * LN2),
                    """Base-2 logarithm.

    >>> import symgrad
    >>> symgrad.log2(symgrad.tensor([8.0]))
    tensor([3.])
    """)
# NOTE: g / ln10 / x, not g / (x ln10): x ln10 overflows past max / 2.3 and the gradient was 0
# where 1 / (x ln10) is a subnormal (float32's max: 1.3e-39); narrow dtypes work in float64.
LOG10, log10 = _unary("log10", "Log10Backward0", _np(np.log10),
                      lambda g, self: _in_f64(g) / LN10 / _in_f64(self),
                      """Base-10 logarithm.

    >>> import symgrad
    >>> symgrad.log10(symgrad.tensor([100.0]))
    tensor([2.])
    """)
LOG1P, log1p = _unary("log1p", "Log1PBackward0", _np(np.log1p), lambda g, self: g / (self + 1),
                      """``log(1 + input)``, accurate near 0.

    >>> import symgrad
    >>> symgrad.log1p(symgrad.tensor([0.0]))
    tensor([0.])
    """)

# -- roots ----------------------------------------------------------------------------------------
SQRT, sqrt = _unary("sqrt", "SqrtBackward0", _np(np.sqrt), lambda g, out: g / (2 * out),
                    """Square root.

    >>> import symgrad
    >>> symgrad.sqrt(symgrad.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """)
def _rsqrt_vjp(g: Tensor, out: Tensor) -> Tensor:
    return g * out * out * out * -0.5


# NOTE: narrow dtypes form the VJPs of rsqrt, atan, asinh, acosh and atan2 in float64 (rounded
# once by the engine): their products and quotients of rounded values, and again in the second
# order, were up to 2 ULP (rsqrt, float16) and 185 ULP (atan, bfloat16 at 1e10) off.
RSQRT, rsqrt = _unary("rsqrt", "RsqrtBackward0", _np(lambda x: 1 / np.sqrt(x)),
                      lambda g, out: _rsqrt_vjp(_in_f64(g), _in_f64(out)),
                      """``1 / sqrt(input)``.

    >>> import symgrad
    >>> symgrad.rsqrt(symgrad.tensor([4.0]))
    tensor([0.5000])
    """)

# -- trigonometric --------------------------------------------------------------------------------
SIN, sin = _unary("sin", "SinBackward0", _np(np.sin), lambda g, self: g * cos(self),
                  """Sine (radians).

    >>> import symgrad
    >>> symgrad.sin(symgrad.tensor([0.0]))
    tensor([0.])
    """)
COS, cos = _unary("cos", "CosBackward0", _np(np.cos), lambda g, self: -g * sin(self),
                  """Cosine (radians).

    >>> import symgrad
    >>> symgrad.cos(symgrad.tensor([0.0]))
    tensor([1.])
    """)
# tan' = 1 + tan^2 from the saved result.
TAN, tan = _unary("tan", "TanBackward0", _np(np.tan), lambda g, out: g * (1 + out * out),
                  """Tangent (radians).

    >>> import symgrad
    >>> symgrad.tan(symgrad.tensor([0.0]))
    tensor([0.])
    """)
# NOTE: 1 - self^2, the denominator of the derivatives of asin, acos and atanh, is written two
# ways for two orders. (1 - self) * (1 + self) is exact to 2 rounding errors near |self| = 1,
# where 1 - self * self cancels (PyTorch's form: atanh' 1024 ULP off at 0.9998 in float32). But
# its derivative, as create_graph records it, is (1 - self) - (1 + self): two terms near 1 that
# cancel to -2 self near 0 (atanh's second order so computed is 261666 ULP off at self = 1.2e-6
# in float32, 4080 at 1e-4 in float64; asin's 234 at 2**-9). 1 - self * self differentiates to
# -(self + self), which cannot cancel, and loses nothing for |self| < 1/2 (self^2 <= 1/4); from
# |self| = 1/2 on, the terms of the product's derivative sum to 2 against 2 |self| >= 1, so
# they lose at most one bit. Only the forms some element uses are recorded (fewer nodes when
# all are on one side), and the inner one is spelt 1 + self * -self (bit for bit
# 1 - self * self), an ``add``: the last sum a VJP records then reaches the result, which is
# the sum mutation testing's term-dropped mutant drops.
def _one_minus_square(self: Tensor) -> Tensor:
    outer = np.abs(self._data) >= 0.5
    if outer.all():
        return (1 - self) * (1 + self)
    if not outer.any():
        return 1 + self * -self
    return where(Tensor._make(outer, False, None), (1 - self) * (1 + self), 1 + self * -self)


ASIN, asin = _unary("asin", "AsinBackward0", _np(np.arcsin),
                    lambda g, self: g * rsqrt(_one_minus_square(self)),
                    """Inverse sine.

    >>> import symgrad
    >>> symgrad.asin(symgrad.tensor([0.0]))
    tensor([0.])
    """)
ACOS, acos = _unary("acos", "AcosBackward0", _np(np.arccos),
                    lambda g, self: -g * rsqrt(_one_minus_square(self)),
                    """Inverse cosine.

    >>> import symgrad
    >>> symgrad.acos(symgrad.tensor([1.0]))
    tensor([0.])
    """)
ATAN, atan = _unary("atan", "AtanBackward0", _np(np.arctan),
                    lambda g, self: _in_f64(g) / _with_limits(
                        _in_f64(self), lambda x: x ** 2 + 1, (math.inf, math.inf)),
                    """Inverse tangent.

    >>> import symgrad
    >>> symgrad.atan(symgrad.tensor([0.0]))
    tensor([0.])
    """)


def _atan2_vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, bool]
               ) -> tuple[Tensor, Tensor]:
    if needs[1] and self._data.dtype == np.bool_:
        # PyTorch's backward forms other's gradient from -self, which it refuses for bools.
        raise RuntimeError(BOOL_NEGATION)
    # At the origin, where atan2 has no derivative, PyTorch returns 0 for both inputs.
    # NOTE: self**2 + other**2 underflows to 0 for tiny inputs (PyTorch then returns 0 as at
    # the origin) and overflows for huge ones; both inputs are scaled first by a power of two
    # s near max(|self|, |other|) (exact, and a constant: the quotients do not depend on it),
    # so d/dself = (b / (a**2 + b**2)) / s with a = self / s, b = other / s.
    # At an infinite input both derivatives fall to 0 (as 1 / |(self, other)|), their limits,
    # where the quotients meet inf / inf; those elements are worked at the origin instead.
    g, self, other = _in_f64(g), _in_f64(self), _in_f64(other)
    big = np.maximum(np.abs(self._data.astype(np.float64)), np.abs(other._data.astype(np.float64)))
    flat_mask = np.broadcast_to((big == 0) | np.isinf(big), g.shape)
    s = Tensor._make(np.ldexp(1.0, np.frexp(big)[1] - 1).astype(g._data.dtype), False, None)
    flat = Tensor._make(flat_mask, False, None)
    a, b = where(flat, 0.0, self) / s, where(flat, 0.0, other) / s
    r2 = where(flat, 1.0, a * a + b * b)
    # There the derivatives are g times 0, as PyTorch's: a NaN or infinite g gives NaN; at the
    # origin the zeros are g * other * 0 and g * -self * 0, signs and all.
    origin = Tensor._make(np.broadcast_to(big == 0, g.shape), False, None)
    zero_self = g * (where(origin, other, 0.0) * 0.0)
    zero_other = g * (where(origin, -self, 0.0) * 0.0)
    return where(flat, zero_self, g * b / r2 / s), where(flat, zero_other, -g * a / r2 / s)


def _at_origin(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    return (self == 0) & (other == 0)


ATAN2 = defop("atan2", "Atan2Backward0", lambda self, other: _wide(np.arctan2, self, other),
              vjp=_atan2_vjp,
              dtype_rule="promote_float", dtypes=ALL,
              kinks=tuple(Kink(arg, "self == 0 and other == 0", _at_origin, "zero")
                          for arg in ("self", "other")))

# -- hyperbolic -----------------------------------------------------------------------------------
SINH, sinh = _unary("sinh", "SinhBackward0", _np(np.sinh), lambda g, self: g * cosh(_in_f64(self)),
                    """Hyperbolic sine.

    >>> import symgrad
    >>> symgrad.sinh(symgrad.tensor([0.0]))
    tensor([0.])
    """)
COSH, cosh = _unary("cosh", "CoshBackward0", _np(np.cosh), lambda g, self: g * sinh(_in_f64(self)),
                    """Hyperbolic cosine.

    >>> import symgrad
    >>> symgrad.cosh(symgrad.tensor([0.0]))
    tensor([1.])
    """)


# One float32 element (each node of a chain of scalars, what verification sweeps build): its
# float64 value from the C library's ``math`` and rounded once, without NumPy's per-call cost
# (0.39 against 0.86 us for tanh; 0.45 against 1.3 us for its backward). The C library's float64
# tanh and cosh are not NumPy's (1 ULP apart on 31% of 2e7 float32 inputs), but rounded to
# float32 the two gave the same bits on all 2e7, forward and backward: the float64 values would
# have to straddle a float32 rounding boundary, a chance of about 2**-28 per value. Both are then
# within half a float32 ULP, plus that chance, of the exact value. Beyond |x| = 20, where tanh
# rounds to 1 and cosh (past 710) overflows ``math``, and for NaN, NumPy's way.
_F32 = np.dtype(np.float32)


def _tanh_forward(self: np.ndarray) -> np.ndarray:
    if self.dtype is _F32 and self.size == 1:
        x = self.item()
        if -20.0 < x < 20.0:
            return np.array(math.tanh(x), _F32, ndmin=self.ndim)
    return _tanh_wide(self)


def _tanh_backward(grad_output: np.ndarray, self: np.ndarray) -> np.ndarray:
    if (self.dtype is _F32 and grad_output.dtype is _F32 and self.size == 1
            and grad_output.size == 1):
        x = self.item()
        if -20.0 < x < 20.0:
            c = math.cosh(x)
            return np.array(grad_output.item() / (c * c), _F32,
                            ndmin=max(self.ndim, grad_output.ndim))
    # ``_wide(lambda g, x: g / np.cosh(x) ** 2, ...)`` in five NumPy calls instead of seven. A
    # float32 or float16 ``grad_output`` over the float64 square is divided in float64 by NumPy's
    # promotion (the operator costs less than a ufunc given ``dtype=``: 1.55 against 1.85 us on
    # one element, a backward's tanh node in a chain).
    if self.size < _LARGE:
        c = np.cosh(self.astype(_F64))
        out = grad_output / (c * c)
    else:
        c = np.cosh(self, dtype=_F64)
        # In place: on large arrays a fresh one costs more than a pass (its pages are new).
        np.multiply(c, c, out=c)
        out = np.divide(grad_output, c, out=c if grad_output.shape == c.shape else None,
                        dtype=_F64)
    return out if grad_output.dtype is _F64 else out.astype(grad_output.dtype)


# Narrow dtypes form it in float64 (rounding tanh_backward and tanh first was 9.7 ULP of float32).
def _tanh_backward_vjp(g: Tensor, grad_output: Tensor, self: Tensor) -> tuple[Tensor, Tensor]:
    return tanh_backward(g, self), tanh_backward(g * grad_output, self) * tanh(self) * -2


# NOTE: tanh' = 1 / cosh^2, not PyTorch's 1 - out^2, which cancels where |out| is near 1 (18
# ULP off at x = 2.5 in float64). One op (PyTorch's tanh_backward, but given self, not out)
# computes g / cosh(self)^2 in float64 and rounds once: float16 cannot overflow in cosh^2, and
# a backward runs one op per tanh instead of four.
TANH_BACKWARD = defop("tanh_backward", "TanhBackwardBackward0",
                      lambda grad_output, self: _tanh_backward(grad_output, self),
                      vjp=lambda g, grad_output, self: _tanh_backward_vjp(
                          _in_f64(g), _in_f64(grad_output), _in_f64(self)),
                      dtype_rule="promote_float")


def tanh_backward(grad_output: Tensor, self: Tensor) -> Tensor:
    return apply(TANH_BACKWARD, grad_output, self)


_tanh_wide = _np(np.tanh)
TANH, tanh = _unary("tanh", "TanhBackward0", _tanh_forward,
                    lambda g, self: tanh_backward(g, self),
                    """Hyperbolic tangent.

    >>> import symgrad
    >>> symgrad.tanh(symgrad.tensor([0.0]))
    tensor([0.])
    """, array_vjp=lambda g, self: _tanh_backward(g, self), checks_out=True)
# NOTE: asinh' = 1 / sqrt(x^2 + 1) and acosh' = 1 / sqrt((x - 1)(x + 1)) take x scaled by a
# power of 2, s, near |x| (exact, and a constant): x^2 overflowed float64 past 1.3e154, where
# the derivative (1e-200 at 1e200) was 0. With t = 1 / s and a = x t they are rsqrt(a^2 + t^2) t
# and rsqrt((a - t)(a + t)) t, bit for bit the unscaled values where those do not overflow.
def _scaled_rsqrt(x: Tensor, plus: bool) -> Tensor:
    """``1 / sqrt(x^2 + 1)`` (``plus``) or ``1 / sqrt((x - 1)(x + 1))``, worked at x / s."""
    s = np.ldexp(1.0, np.frexp(np.maximum(np.abs(x._data), 1))[1] - 1)
    t = Tensor._make(1 / s, False, None)
    a = x * t
    # At x = -1, (a - t)(a + t) is (-2t)(+0) = -0, whose rsqrt is -inf: + 0.0 makes it +0, the
    # limit from x < -1, where the expression is real (PyTorch's +inf); nothing else moves.
    return rsqrt(a * a + t * t if plus else (a - t) * (a + t) + 0.0) * t


ASINH, asinh = _unary("asinh", "AsinhBackward0", _np(np.arcsinh),
                      lambda g, self: _in_f64(g) * _with_limits(
                          _in_f64(self), lambda x: _scaled_rsqrt(x, True), (0.0, 0.0)),
                      """Inverse hyperbolic sine.

    >>> import symgrad
    >>> symgrad.asinh(symgrad.tensor([0.0]))
    tensor([0.])
    """)
ACOSH, acosh = _unary("acosh", "AcoshBackward0", _np(np.arccosh),
                      lambda g, self: _in_f64(g) * _with_limits(
                          _in_f64(self), lambda x: _scaled_rsqrt(x, False), (0.0, 0.0)),
                      """Inverse hyperbolic cosine.

    >>> import symgrad
    >>> symgrad.acosh(symgrad.tensor([1.0]))
    tensor([0.])
    """)
# NOTE: formed in float64 for narrow dtypes: in float16 one ULP inside +-1 the second order's
# terms -g / q / q * (1 +- x) overflow to +inf and -inf and sum to nan, where the exact value
# (2.1e6) rounds to inf.
ATANH, atanh = _unary("atanh", "AtanhBackward0", _np(np.arctanh),
                      lambda g, self: g / _with_limits(
                          _in_f64(self), _one_minus_square, (-math.inf, -math.inf)),
                      """Inverse hyperbolic tangent.

    >>> import symgrad
    >>> symgrad.atanh(symgrad.tensor([0.0]))
    tensor([0.])
    """)

# -- sigmoid and the error function ---------------------------------------------------------------
# NOTE: sigmoid' = sigmoid(x) sigmoid(-x), not out (1 - out), which cancels where out is near 1.
SIGMOID, sigmoid = _unary("sigmoid", "SigmoidBackward0", _np(_sigmoid),
                          lambda g, self, out: g * out * sigmoid(-self),
                          """The logistic function ``1 / (1 + exp(-input))``.

    >>> import symgrad
    >>> symgrad.sigmoid(symgrad.tensor([0.0]))
    tensor([0.5000])
    """)
# NOTE: exp(-self^2), the derivative of erf and erfc but for the constant, magnifies the
# rounding of self * self by self^2 (64 ULP at self = 8): exp(-(1 + e) x^2) = exp(-x^2) (1 - e x^2).
# self is split as high + low, high its leading half significand (truncated, so that
# |high| <= |self|): high^2 is exact, and exp(-self^2) = exp(-high^2) exp(-low (high + self)),
# where the second exponent is small, so that its rounding costs little. high is a constant,
# the split point only: the recorded function of self is exp(-self^2) all the same, so its
# derivatives through create_graph are exact too, and those of low (high + self) are sums of
# like signs. Below |self| = 1 (nothing to magnify) and past 32 (exp(-self^2) is 0 in every
# dtype; high^2 would overflow float16) high is 0: the formula is then exp(-(self * self)) bit
# for bit, which is all that is recorded when no element is split. ``scale``, a power of 2 (the
# normal density's 1/2), multiplies both exponents exactly: exp(-scale self^2), split up to
# 32 / sqrt(scale).
def _exp_minus_square(self: Tensor, scale: float = 1.0) -> Tensor:
    x = self._data
    info = ml_dtypes.finfo(x.dtype)
    bits = np.dtype(f"uint{8 * x.dtype.itemsize}")
    dropped = (info.nmant + 2) // 2
    split = (np.abs(x) >= 1) & (np.abs(x) <= 32 / math.sqrt(scale))

    def scaled(t: Tensor) -> Tensor:
        return t if scale == 1 else t * scale

    if not split.any():
        return exp(-scaled(self * self))
    truncated = (x.view(bits) & ~bits.type((1 << dropped) - 1)).view(x.dtype)
    high = Tensor._make(np.where(split, truncated, 0).astype(x.dtype), False, None)
    low = self - high
    return exp(-scaled(high * high)) * exp(-scaled(low * (high + self)))


# erf from the C library's float64 erf (NumPy has none), rounded once to the input's dtype. The
# VJPs of erf and erfc work in float64 too (float16's second order was 4.3 ULP off).
ERF, erf = _unary("erf", "ErfBackward0", _f64(math.erf),
                  lambda g, self: _in_f64(g) * TWO_OVER_SQRT_PI * _with_limits(
                      _in_f64(self), _exp_minus_square, (0.0, 0.0)),
                  """The error function.

    >>> import symgrad
    >>> symgrad.erf(symgrad.tensor([0.0]))
    tensor([0.])
    """)
ERFC, erfc = _unary("erfc", "ErfcBackward0", _f64(math.erfc),
                    lambda g, self: _in_f64(g) * -TWO_OVER_SQRT_PI * _with_limits(
                        _in_f64(self), _exp_minus_square, (0.0, 0.0)),
                    """``1 - erf(input)``, accurate where erf is near 1.

    >>> import symgrad
    >>> symgrad.erfc(symgrad.tensor([0.0]))
    tensor([1.])
    """)

for _fn, _aliases in [(exp, ()), (exp2, ()), (expm1, ()), (log, ()), (log2, ()), (log10, ()),
                      (log1p, ()), (sqrt, ()), (rsqrt, ()), (sin, ()), (cos, ()), (tan, ()),
                      (asin, ("arcsin",)), (acos, ("arccos",)), (atan, ("arctan",)),
                      (sinh, ()), (cosh, ()), (tanh, ()), (asinh, ("arcsinh",)),
                      (acosh, ("arccosh",)), (atanh, ("arctanh",)), (sigmoid, ()), (erf, ()),
                      (erfc, ())]:
    expose(_fn.__name__, *_aliases)(_fn)


@expose("atan2", "arctan2")
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``, in ``(-pi, pi]``.

    Args:
        input: The y coordinates.
        other: The x coordinates, broadcast against ``input``.

    >>> import symgrad
    >>> symgrad.atan2(symgrad.tensor([1.0]), symgrad.tensor([1.0]))
    tensor([0.7854])
    """
    return apply(ATAN2, input, other)


# -- selection ------------------------------------------------------------------------------------
# Unsigned integers as wide as each float dtype: ``_where`` selects floats by their bits.
_FLOAT_BITS = {d.np: np.dtype(f"uint{8 * d.np.itemsize}") for d in _dtypes.ALL
               if d.is_floating_point}


def _where(condition: np.ndarray, self: np.ndarray, other: np.ndarray) -> np.ndarray:
    # np.where branches on each element: on a mask no branch predictor can guess (a ReLU's, in
    # its VJP) it runs 8x slower than a pass of arithmetic. Floats of one dtype are selected
    # instead by their bits, through a mask of all ones where ``condition`` holds: exactly
    # np.where's values (NaN payloads, signed zeros and infinities included), in passes that
    # never branch.
    bits = _FLOAT_BITS.get(self.dtype)
    if (bits is None or other.dtype != self.dtype or condition.dtype != np.bool_
            or condition.size < _LARGE):
        return np.where(condition, self, other)
    mask = condition.astype(bits)
    if _positive_zero(self, bits):
        # where(condition, 0.0, other), a ReLU's VJP: the zeros' bits need no pass of their own.
        np.subtract(mask, 1, out=mask)  # 1 - 1 = 0 where it holds, 0 - 1 wraps to all ones
        # The mask is the result's own array when it has the result's shape: one array less.
        out = mask if mask.shape == other.shape else None
        return np.bitwise_and(other.view(bits), mask, out=out).view(self.dtype)
    np.negative(mask, out=mask)  # 0 - 1 wraps to all ones
    taken = np.bitwise_and(self.view(bits), mask)
    np.invert(mask, out=mask)
    return np.bitwise_or(taken, np.bitwise_and(other.view(bits), mask)).view(self.dtype)


def _positive_zero(a: np.ndarray, bits: np.dtype) -> bool:
    """Whether ``a`` is a zero-dim +0.0 (all its bits zero; it broadcasts to no new dim)."""
    return a.ndim == 0 and not a.view(bits)


# NOTE: ``where`` gives ``input`` and ``other`` their promoted dtype before the op runs; the op
# itself promotes nothing ("same"), or the engine would cast the bool condition to it as well
# (a pass over the mask, which np.where then reads as numbers).
WHERE = defop("where", "WhereBackward0", _where,
              vjp=lambda g, condition: (None, where(condition, g, 0.0), where(condition, 0.0, g)),
              differentiable=("self", "other"), dtypes=frozenset(_dtypes.ALL), dtype_rule="same")


@expose(method=False)
def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` holds, else ``other``, broadcasting all three.

    The gradient flows to ``input`` where ``condition`` holds and to ``other`` elsewhere.

    Args:
        condition: A bool tensor choosing between ``input`` (True) and ``other`` (False).
        input: The values taken where ``condition`` holds: a tensor or a Python number.
        other: The values taken elsewhere: a tensor or a Python number. The result has the
            promoted dtype of ``input`` and ``other``. Without ``input`` and ``other``, the
            indices of ``condition``'s nonzero elements, one int64 tensor per dim.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 2.0])
    >>> symgrad.where(x > 0, x, 0.0)
    tensor([0., 2.])
    >>> symgrad.where(x > 0)
    (tensor([1]),)
    """
    from symgrad.ops.registry import _result_dtype

    if input is None and other is None:
        # where(condition) alone is nonzero(condition, as_tuple=True): the indices, per dim,
        # of the elements that are not zero (a zero-dim condition counts as one dim), views of
        # one index tensor as PyTorch's.
        from symgrad.ops.tensor_functions import nonzero

        return nonzero(condition, as_tuple=True)
    d = _result_dtype("promote", (input, other))
    cond = condition if isinstance(condition, Tensor) else Tensor._make(
        np.asarray(condition, dtype=bool), False, None)
    if cond.dtype is _dtypes.uint8:
        cond = _uint8_condition(cond)
    if cond.dtype is not _dtypes.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_dtypes._TORCH_NAMES[cond.dtype.name]}")
    x, y = _as_number(input, d), _as_number(other, d)
    if x.dtype is d and y.dtype is d:
        return apply(WHERE, cond, x, y)
    return _where_promoted(cond, x, y, d)


_UINT8_WARNED: list[bool] = []


def _uint8_condition(cond: Tensor) -> Tensor:
    """A uint8 condition read as bool, with PyTorch's deprecation warning (TORCH_WARN_ONCE:
    once per process, every time under ``set_warn_always(True)``)."""
    from symgrad.switches import is_warn_always_enabled

    if not _UINT8_WARNED or is_warn_always_enabled():
        _UINT8_WARNED.append(True)
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and "
                      "will be removed in a future version of PyTorch. Use a boolean condition "
                      "instead.", UserWarning, stacklevel=3)
    return Tensor._make(cond._data.astype(bool), False, None)


def _where_promoted(cond: Tensor, x: Tensor, y: Tensor, d: _dtypes.dtype) -> Tensor:
    """``where`` of tensors of two dtypes, promoted to ``d`` inside the op as PyTorch's kernel
    does: one WhereBackward0 on the tensors themselves (a ``to(d)`` would record a
    ToCopyBackward0 before it, which PyTorch's graph has not), whose gradients the engine casts
    back to each input's dtype."""
    arrays = (cond._data, x._data.astype(d.np, copy=False), y._data.astype(d.np, copy=False))
    data = _forward(WHERE, arrays, {}, d.np)
    if (x._rg or y._rg) and _grad_state.enabled and d.is_floating_point:
        return _record(WHERE, {}, (cond, x, y), data)
    return Tensor._make(data, False, None)


def _where_method(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``symgrad.where(condition, self, other)``: this tensor where ``condition`` holds.

    Args:
        condition: A bool tensor choosing between this tensor (True) and ``other`` (False).
        other: The values taken elsewhere: a tensor or a Python number.

    >>> import symgrad
    >>> x = symgrad.tensor([-1.0, 2.0])
    >>> x.where(x > 0, -x)
    tensor([1., 2.])
    """
    return where(condition, self, other)


Tensor.where = _where_method  # type: ignore[attr-defined]


def _as_number(x: Any, d: _dtypes.dtype) -> Tensor:
    """A tensor as it is; a Python number as a constant of dtype ``d``."""
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x, dtype=d.np), False, None)


# -- comparisons and bitwise ops (never differentiable) ------------------------------------------
def _compare(name: str, fn: Any, example: str, rule: str = "bool", kind: str = "comparison",
             dtypes: frozenset[_dtypes.dtype] = ALL) -> Any:
    op = defop(name, "", lambda self, other: fn(self, other), vjp=None, dtype_rule=rule,
               dtypes=dtypes, kind=kind,
               refuses=not_implemented(f"{name}_cpu", ALL - dtypes))

    def compare(input: Tensor, other: Any) -> Tensor:
        return apply(op, input, other)

    args = ("symgrad.tensor([1, 2]), 2" if kind == "comparison"
            else "symgrad.tensor([True, False]), symgrad.tensor([True, True])")
    compare.__name__ = compare.__qualname__ = name  # the module global it becomes
    if kind == "bitwise":  # PyTorch's bitwise ops also take a Python number first
        compare.__annotations__["input"] = "Tensor | bool | int"
    compare.__doc__ = (f"Elementwise ``{name}``; no gradient flows through it.\n\n"
                       "    Args:\n        input: The first tensor.\n        other: A tensor "
                       "broadcast against ``input``, or a Python number.\n\n"
                       f"    >>> import symgrad\n    >>> symgrad.{name}({args})\n    {example}\n")
    return expose(name)(compare)


eq = _compare("eq", np.equal, "tensor([False,  True])")
ne = _compare("ne", np.not_equal, "tensor([ True, False])")
lt = _compare("lt", np.less, "tensor([ True, False])")
le = _compare("le", np.less_equal, "tensor([True, True])")
gt = _compare("gt", np.greater, "tensor([False, False])")
ge = _compare("ge", np.greater_equal, "tensor([False,  True])")
_BITS = frozenset(_dtypes.INTEGRAL) | {_dtypes.bool}
bitwise_and = _compare("bitwise_and", np.bitwise_and, "tensor([ True, False])", "promote",
                       "bitwise", _BITS)
bitwise_or = _compare("bitwise_or", np.bitwise_or, "tensor([True, True])", "promote",
                      "bitwise", _BITS)
bitwise_xor = _compare("bitwise_xor", np.bitwise_xor, "tensor([False,  True])", "promote",
                       "bitwise", _BITS)
def _logical(name: str, fn: Any, example: str) -> Any:
    """A logical op on the truth of each element (not zero), giving bool; ``other`` must be a
    tensor, as in PyTorch."""
    op = defop(name, "", lambda self, other: fn(self != 0, other != 0), vjp=None,
               dtype_rule="bool", dtypes=ALL, kind="comparison")

    def logical(input: Tensor, other: Tensor) -> Tensor:
        return apply(op, input, other)

    logical.__name__ = logical.__qualname__ = name
    logical.__doc__ = (f"Elementwise ``{name}`` of the inputs' truth (an element is true when "
                       "it is not 0), as bool; no gradient flows through it.\n\n"
                       "    Args:\n        input: The first tensor.\n        other: A tensor "
                       "broadcast against ``input``.\n\n    >>> import symgrad\n"
                       f"    >>> symgrad.{name}(symgrad.tensor([1, 0]), symgrad.tensor([2.0, 2.0]))"
                       f"\n    {example}\n")
    return expose(name)(logical)


logical_and = _logical("logical_and", np.logical_and, "tensor([ True, False])")
logical_or = _logical("logical_or", np.logical_or, "tensor([True, True])")
logical_xor = _logical("logical_xor", np.logical_xor, "tensor([False,  True])")
LOGICAL_NOT = defop("logical_not", "", lambda self: self == 0, vjp=None, dtype_rule="bool",
                    dtypes=ALL, kind="comparison")


@expose()
def logical_not(input: Tensor) -> Tensor:
    """True where ``input`` is 0, as bool; no gradient flows through it.

    Args:
        input: A tensor of any dtype.

    >>> import symgrad
    >>> symgrad.logical_not(symgrad.tensor([0.0, 1.5]))
    tensor([ True, False])
    """
    return apply(LOGICAL_NOT, input)


BITWISE_NOT = defop("bitwise_not", "", lambda self: np.invert(self), vjp=None, dtypes=_BITS,
                    kind="bitwise", refuses=not_implemented("bitwise_not_cpu", ALL - _BITS))


@expose()
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not for bool tensors, bit inversion for integers.

    Args:
        input: A bool or integer tensor.

    >>> import symgrad
    >>> symgrad.bitwise_not(symgrad.tensor([True, False]))
    tensor([False,  True])
    """
    return apply(BITWISE_NOT, input)

