"""``torch.special``'s ``erfcx`` (SpecialErfcxBackward0), the scaled complementary error
function ``exp(x**2) erfc(x)``, and ``log_ndtr`` (SpecialLogNdtrBackward0), the logarithm of
the standard normal distribution function: the normal distribution's tails without underflow.

The float64 kernels:

- ``erfcx``: below 8, ``exp(x**2) erfc(x)`` with ``x**2`` split exactly into two parts
  (``exp`` of the rounded square is off by ``x**2`` ULP) and the C library's ``erfc``; from 8,
  its asymptotic series (``symgrad.ops.special_extra``'s, 40 terms, the last below ``1e-26``).
  ``inf`` once ``exp(x**2)`` overflows (``x < -26.6``), as PyTorch's.
- ``log_ndtr``: ``log(erfcx(-x / sqrt 2) / 2) - x**2 / 2`` below -1 (no underflow: -1e6 gives
  -5e11, where ``log(ndtr(x))`` is ``-inf``), ``log(erfc(-x / sqrt 2) / 2)`` on ``[-1, 0]``,
  ``log1p(-erfc(x / sqrt 2) / 2)`` on ``(0, 1]``, and
  ``log1p(-erfcx(x / sqrt 2) exp(-x**2 / 2) / 2)`` above 1 (``log_ndtr(10) = -7.6e-24``, not
  0), ``x**2 / 2`` exact in two parts: within 4 ULP of mpmath (PyTorch's 1500 ULP at 36);
  erfcx within 3 (PyTorch's 445 at -23).

Their derivatives, as PyTorch's: ``erfcx' = 2 x erfcx - 2 / sqrt(pi)`` and ``log_ndtr' =
phi(x) / ndtr(x)``, written ``sqrt(2 / pi) / erfcx(-x / sqrt 2)`` left of 0 (``-x`` far left,
no underflow) and ``phi(x) / (1 - erfcx(x / sqrt 2) exp(-x**2 / 2) / 2)`` right of 0, in symgrad
ops, so that every order follows.
``erfcx'``'s two terms cancel as ``x`` grows (``x**2``-fold: PyTorch's formula is 38 ULP off at
7.9): on ``[1, 8)`` the first order is moved by a constant onto the derivative's value from
Laplace's continued fraction, within 2 ULP (higher orders follow the formula and cancel, up to
128-fold); from 8 the derivative is its own asymptotic series, a polynomial in ``1 / x**2``
written in symgrad ops, accurate to every order.
PyTorch saves both results, which these VJPs compute again (``checks_out``).
PyTorch's CPU kernels have no float16 or bfloat16 code: refused as there.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from symgrad import _dtypes
from symgrad import _special_math as M
from symgrad.ops.elementwise import _exp_minus_square, _in_f64, _wide, where
from symgrad.ops.registry import ALL, apply, defop, not_implemented
from symgrad.ops.special_extra import _erfcx_asymptotic, _split
from symgrad.tensor import Tensor

__all__ = ["erfcx", "log_ndtr"]

_ASYMPTOTIC_FROM = 8.0
_FRACTION_LEVELS = 200
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


# -- erfcx ---------------------------------------------------------------------------------------
def _exp_square(x: np.ndarray) -> np.ndarray:
    """``exp(x**2)`` from the exact two parts of ``x**2``."""
    hi, lo = _split(x)
    square = hi * hi
    return np.exp(square) * np.exp(2 * hi * lo + lo * lo)


def _erfcx64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    near = x < _ASYMPTOTIC_FROM  # False at NaN: the series keeps it
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.where(near, x, 0.0)
        direct = _exp_square(z) * M.erfc(z)
        direct = np.where(np.isnan(direct), np.inf, direct)  # inf * 2 at -inf
        series = _erfcx_asymptotic(np.where(near, _ASYMPTOTIC_FROM, x))
        return np.where(near, direct, np.where(np.isinf(x), 0.0, series))


def _erfcx_slope64(x: np.ndarray) -> np.ndarray:
    """``erfcx'(x) = 2 x erfcx(x) - 2 / sqrt(pi)`` for ``x >= 1``, without the cancellation:
    Laplace's continued fraction ``sqrt(pi) erfcx(x) = 1 / (x + K)``, ``K = (1/2) / (x + 1 /
    (x + (3/2) / (x + ...)))``, gives ``erfcx' = -2 / sqrt(pi) K / (x + K)``; 200 levels,
    evaluated from the bottom, leave 2 ULP at ``x = 1``."""
    tail = np.zeros_like(x)
    for k in range(_FRACTION_LEVELS, 0, -1):
        tail = (k / 2) / (x + tail)
    return -_TWO_OVER_SQRT_PI * tail / (x + tail)


# erfcx'(x) = 2/sqrt(pi) sum_k>=1 (-1)**k (2k - 1)!! u**k, u = 1 / (2 x**2): from x = 8 a
# polynomial in u written in symgrad ops (its terms fall by (2k - 1) u <= 77/128 to k = 39),
# so that every order is free of the cancellation (erfcx'' was 6e15 ULP off at 1e10)
_SLOPE_SERIES = [(-1) ** k * float(math.prod(range(1, 2 * k, 2))) for k in range(1, 40)]


def _erfcx_slope_far(x: Tensor) -> Tensor:
    u = 0.5 / (x * x)
    total = u * _SLOPE_SERIES[-1] + _SLOPE_SERIES[-2]
    for c in reversed(_SLOPE_SERIES[:-2]):
        total = total * u + c
    return total * u * _TWO_OVER_SQRT_PI


def _constant(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def _with_infinities(x: Tensor, slope: Callable[[Tensor], Tensor],
                     at_infinity: Callable[[Tensor], Tensor]) -> Tensor:
    """``slope(x)``, and ``at_infinity(x)`` at +-inf: an expression whose value and derivative
    there are the limits of the derivative and of the next (the formulas meet inf * 0)."""
    infinite = np.isinf(x._data)
    if not infinite.any():
        return slope(x)
    mask = _constant(infinite)
    return where(mask, at_infinity(x), slope(where(mask, 0.0, x)))


def _erfcx_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _in_f64(g) * _with_infinities(_in_f64(self), _erfcx_slope, _erfcx_slope_at_infinity)


def _erfcx_slope_at_infinity(x: Tensor) -> Tensor:
    """erfcx' -> 0 at +inf (every order); 2 x erfcx(x) at -inf (-inf, and inf next), formed
    at -1 in place of +inf (where 0 * inf would reach the next order)."""
    positive = _constant(x._data > 0)
    left = where(positive, -1.0, x)
    return where(positive, 0.0, 2 * left * apply(ERFCX, left))


def _erfcx_slope(x: Tensor) -> Tensor:
    slope = 2 * x * apply(ERFCX, x) - _TWO_OVER_SQRT_PI
    middle = (x._data >= 1) & (x._data < _ASYMPTOTIC_FROM)
    if middle.any():
        with np.errstate(invalid="ignore", over="ignore"):
            accurate = _erfcx_slope64(np.where(middle, x._data, 1.0))
            shift = np.where(middle, accurate - slope._data, 0.0)
        slope = slope + Tensor._make(shift, False, None)
    far = x._data >= _ASYMPTOTIC_FROM
    if far.any():
        mask = Tensor._make(far, False, None)
        slope = where(mask, _erfcx_slope_far(where(mask, x, _ASYMPTOTIC_FROM)), slope)
    return slope


# -- log_ndtr ------------------------------------------------------------------------------------
def _log_ndtr64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        left, right = x < -1, x > 1
        outer = np.where(left | right, np.abs(x), 1.0)
        hi, lo = _split(outer)
        # log of the smaller tail, log ndtr(-|x|), with x**2 / 2 exact in two parts
        half_square = hi * hi / 2
        rest = hi * lo + lo * lo / 2
        small = np.log(_erfcx64(outer * _SQRT_HALF) / 2) - half_square - rest
        # the larger: log1p(-ndtr(-x)); ndtr(-x) from the same parts (erfc(x / sqrt 2) was
        # 1500 ULP off at 36: the rounding of x / sqrt 2, magnified x**2 times)
        tail = (_erfcx64(outer * _SQRT_HALF) / 2) * np.exp(-half_square) * np.exp(-rest)
        large = np.log1p(-np.where(outer > 40, 0.0, tail))  # ndtr(-40) underflows: -0
        # on [-1, 1] from ndtr's own erfc: log of it left of 0, log1p of 1 - it right of 0
        # (log of 0.78 magnified erfc's rounding 4-fold)
        inner = np.where(left | right, 0.0, x)
        middle = np.where(inner > 0, np.log1p(-M.erfc(inner * _SQRT_HALF) / 2),
                          np.log(M.erfc(-inner * _SQRT_HALF) / 2))
        out = np.where(left, small, np.where(right, large, middle))
    return np.where(x == -np.inf, -np.inf, out)


def _log_ndtr_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _in_f64(g) * _with_infinities(_in_f64(self), _log_ndtr_slope,
                                         _log_ndtr_slope_at_infinity)


def _log_ndtr_slope_at_infinity(x: Tensor) -> Tensor:
    """log_ndtr' -> 0 at +inf (every order); about -x at -inf (inf, and -1 next)."""
    return where(_constant(x._data > 0), 0.0, -x)


def _log_ndtr_slope(x: Tensor) -> Tensor:
    # phi(x) / ndtr(x): left of 0 sqrt(2/pi) / erfcx(-x / sqrt 2); right of 0 phi(x) /
    # (1 - ndtr(-x)), exp(-x**2 / 2) through the split that keeps it exact (there erfcx of
    # the rounded -x / sqrt 2, about 2 exp(x**2 / 2), magnified that rounding x**2-fold: 136
    # ULP at 12)
    right = x._data > 0
    if not right.any():
        return _SQRT_2_OVER_PI / apply(ERFCX, x * -_SQRT_HALF)
    mask = Tensor._make(right, False, None)
    left_x = where(mask, -1.0, x)
    right_x = where(mask, x, 1.0)
    density = _exp_minus_square(right_x, 0.5)
    upper = _INV_SQRT_2PI * density / (1 - apply(ERFCX, right_x * _SQRT_HALF) * density / 2)
    lower = _SQRT_2_OVER_PI / apply(ERFCX, left_x * -_SQRT_HALF)
    return where(mask, upper, lower)


_HALVES = (_dtypes.float16, _dtypes.bfloat16)
_FULL = frozenset(d for d in ALL if d not in _HALVES)
ERFCX = defop("special_erfcx", "SpecialErfcxBackward0", lambda self: _wide(_erfcx64, self),
              vjp=_erfcx_vjp, dtype_rule="promote_float", checks_out=True, dtypes=_FULL,
              refuses=not_implemented("erfcx_cpu", _HALVES))
LOG_NDTR = defop("special_log_ndtr", "SpecialLogNdtrBackward0",
                 lambda self: _wide(_log_ndtr64, self), vjp=_log_ndtr_vjp,
                 dtype_rule="promote_float", checks_out=True, dtypes=_FULL,
                 refuses=not_implemented("log_ndtr_cpu", _HALVES))


def _checked(name: str, input: object) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(input**2) erfc(input)``: about
    ``1 / (input sqrt(pi))`` far right, ``inf`` once ``exp(input**2)`` overflows far left.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> erfcx(symgrad.tensor([0.0, 1.0, 30.0]))
    tensor([1.0000, 0.4276, 0.0188])
    """
    _checked("erfcx", input)
    return apply(ERFCX, input)


def log_ndtr(input: Tensor) -> Tensor:
    """The logarithm of the standard normal distribution function, ``log P(N(0, 1) <= input)``,
    accurate in both tails (about ``-input**2 / 2`` far left, ``-ndtr(-input)`` far right).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> log_ndtr(symgrad.tensor([0.0, -40.0, 10.0], dtype=symgrad.float64))
    tensor([-6.9315e-01, -8.0461e+02, -7.6199e-24], dtype=symgrad.float64)
    """
    _checked("log_ndtr", input)
    return apply(LOG_NDTR, input)
