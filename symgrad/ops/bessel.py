"""Modified Bessel functions of the first kind, orders 0 and 1, as PyTorch records them:
``i0`` (I0Backward0; ``torch.i0``, ``Tensor.i0``, ``torch.special.i0``), and
``torch.special``'s ``i0e`` (SpecialI0EBackward0), ``i1`` (SpecialI1Backward0) and ``i1e``
(SpecialI1EBackward0); ``e`` is the scaled ``exp(-|x|)`` times the function.

The float64 kernels, within 3 ULP of mpmath's values (the scaled ones within 2):

- ``|x| < 20``: the power series ``I0 = sum_k y**k / k!**2`` and ``I1 = x/2 sum_k y**k /
  (k! (k + 1)!)``, ``y = x**2 / 4``, by a compensated Horner scheme (each step's product and
  sum errors carried: plain Horner was 4 ULP off at ``x = 15``), with ``x**2``'s rounding
  error put back through the polynomial's derivative (64 terms leave less than ``1e-20``);
- ``|x| >= 20``: the asymptotic series ``exp(-x) I_nu(x) ~ (2 pi x)**-1/2 sum_k (-1)**k
  a_k(nu) / x**k`` (its smallest term, near ``k = 2x``, is ``exp(-2x)``, below ``1e-17``),
  summed from its small end (summed from 1, the sum was 4 ULP off).

``i0`` and ``i1`` overflow past ``|x| = 713.98``, not at ``exp``'s 709.78: there
``exp(|x| / 2)`` multiplies in twice.

The derivatives are PyTorch's (``tools/autograd/derivatives.yaml``) in value: ``i0' = i1``,
``i1' = i0 - i1 / x``, ``i0e' = i1e - sign(x) i0e``, ``i1e' = i0e - i1e (sign(x) + 1/x)``, 1/2
at 0 for the last two. Each VJP is written in symgrad ops, formed in float64, so every order
follows:

- ``i0`` and ``i1`` on these formulas; near 0, where ``i1 / x`` is ``0 / 0`` and its
  derivatives cancel, ``i1 / x`` is its own series, a polynomial in ``x**2`` (``|x| <= 1``);
  at ``+-inf`` ``i1'`` is ``i0`` alone (``inf / inf`` made it NaN), so both orders reach their
  limits.
- ``i0e`` and ``i1e`` not on them: their terms cancel (``I1 / I0`` is ``1 - 1/(2x)``), and
  PyTorch's formulas lose ``|x|`` ULP (570 at ``x = 300``), their second orders more. The
  derivative of ``exp(-a) I_nu(a)`` is instead its integral representation's, whose integrand
  keeps its sign (the trapezoid rule below 100), and beyond 100 its asymptotic series': within
  4 ULP of mpmath to the second order. ``i0e`` has a kink at 0 (slopes 1 and -1): its
  derivative there is 0 (``sign(0) = 0``), as PyTorch's, and its second order the 3/2 both
  sides share (PyTorch's formula gives 1/2).

PyTorch's i0e, i1 and i1e nodes save their result, which these VJPs compute again from the
input: they refuse after the result is written in place, as PyTorch's (``checks_out``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from symgrad.ops import inplace
from symgrad.ops.arithmetic import ABS
from symgrad.ops.elementwise import _in_f64, _wide, exp, where
from symgrad.ops.registry import ALL, Kink, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["i0", "special_i0", "special_i0e", "special_i1", "special_i1e"]

_TERMS = 64


def _two_parts(c: Fraction) -> tuple[float, float]:
    hi = float(c)
    return hi, float(c - Fraction(hi))


# The coefficients as float64 pairs: rounded once, their errors (eps/2 each, all one sign
# of the sum) were 10 ULP of I0 - I1 near 20, where the two cancel 40-fold.
_I0 = [_two_parts(Fraction(1, math.factorial(k) ** 2)) for k in range(_TERMS)]
_I1 = [_two_parts(Fraction(1, math.factorial(k) * math.factorial(k + 1))) for k in range(_TERMS)]
_ASYMPTOTIC_FROM = 20.0
_ASYMPTOTIC_TERMS = 45
_OVERFLOW_FROM = 700.0  # exp(x) itself overflows at 709.78


# -- float64 kernels -----------------------------------------------------------------------------
def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = 134217729.0 * x  # 2**27 + 1: Dekker's split into two halves of 26 bits
    hi = c - (c - x)
    return hi, x - hi


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _power_series(x: np.ndarray, coefficients: list[tuple[float, float]]) -> np.ndarray:
    """``sum_k c_k (x**2 / 4)**k`` (compensated Horner, ``x**2`` exactly as two parts)."""
    s, rest = _power_series_parts(x, coefficients)
    return s + rest


def _power_series_parts(x: np.ndarray, coefficients: list[tuple[float, float]]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``_power_series`` unrounded: a float64 and its rest."""
    hi, lo = _split(x)
    square = x * x
    y, dy = square / 4, (((hi * hi - square) + 2 * hi * lo) + lo * lo) / 4
    s = np.full_like(x, coefficients[-1][0])
    err = np.zeros_like(x)
    slope = np.zeros_like(x)
    for c, c_lo in reversed(coefficients[:-1]):
        slope = slope * y + s
        p, p_err = _two_product(s, y)
        s, s_err = _two_sum(p, c)
        err = err * y + (p_err + s_err + c_lo)
    return s, err + dy * slope


def _asymptotic(x: np.ndarray, nu: int) -> np.ndarray:
    """``exp(-x) I_nu(x)`` for ``x >= 20``."""
    mu = 4.0 * nu * nu
    inverse = 1 / (8 * x)
    term = np.ones_like(x)
    terms = []
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = -term * (mu - (2 * k - 1) ** 2) * inverse / k
        terms.append(term)
    tail = np.zeros_like(x)
    for t in reversed(terms):
        tail = tail + t
    return (1 + tail) / np.sqrt(2 * np.pi * x)


def _bessel64(x: np.ndarray, nu: int, scaled: bool) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    near = a < _ASYMPTOTIC_FROM  # False at NaN: the asymptotic branch keeps it
    with np.errstate(over="ignore", invalid="ignore"):
        small = np.where(near, a, 0.0)
        series = _power_series(small, _I0 if nu == 0 else _I1)
        if nu == 1:
            series = series * (small / 2)
        if scaled:
            series = series * np.exp(-small)
        far = np.where(near, _ASYMPTOTIC_FROM, a)
        tail = _asymptotic(far, nu)
        if not scaled:
            half = np.exp(far / 2)
            tail = np.where(far >= _OVERFLOW_FROM, tail * half * half, tail * np.exp(far))
            tail = np.where(np.isinf(far), np.inf, tail)
        out = np.where(near, series, tail)
    return out if nu == 0 else np.where(x < 0, -out, out)  # I1 is odd; -0 at -0


def _kernel(nu: int, scaled: bool) -> Callable[[np.ndarray], np.ndarray]:
    return lambda self: _wide(lambda x: _bessel64(x, nu, scaled), self)


# The asymptotic series' coefficients, exact rationals.
def _asymptotic_coefficient(nu: int, k: int) -> Fraction:
    c = Fraction(1)
    for j in range(1, k + 1):
        c = -c * (4 * nu * nu - (2 * j - 1) ** 2) / (8 * j)
    return c


# -- derivatives ---------------------------------------------------------------------------------
# i1(x) / x = 1/2 sum_k (x**2 / 4)**k / (k! (k + 1)!): a polynomial on |x| <= 1 (22 terms leave
# less than 1e-40), written in symgrad ops so that its derivatives are exact near 0.
_NEAR = 1.0
_RATIO = [0.5 / (4**k * math.factorial(k) * math.factorial(k + 1)) for k in range(22)]


def _i1_over_x(x: Tensor) -> Tensor:
    """``i1(x) / x``, finite ``x``."""
    small = np.abs(x._data) <= _NEAR
    x2 = where(Tensor._make(small, False, None), x, 0.0)
    x2 = x2 * x2
    total = x2 * _RATIO[-1] + _RATIO[-2]
    for c in reversed(_RATIO[:-2]):
        total = total * x2 + c
    if small.all():
        return total
    mask = Tensor._make(small, False, None)
    far = where(mask, 1.0, x)
    return where(mask, total, apply(I1, far) / far)


# The scaled functions' derivatives, in ops accurate to every order. Below 20, from the
# integral exp(-a) I_nu(a) = 1/pi int_0^pi exp(-a (1 - cos t)) cos(nu t) dt: its m-th
# derivative integrates exp(-a (1 - cos t)) (cos t - 1)**m cos(nu t), whose integrand keeps one
# sign (nu = 0) or nearly (nu = 1, where the weight is), so no order cancels; the formulas
# through i0e and i1e (i0e' = i1e - i0e) cancel 2a-fold (i0e'' 16 and i1e'' 38 ULP off at
# 19.75). The trapezoid rule on 64 intervals is exact to an ULP (a periodic, analytic integrand:
# its error falls as I_128(a) / I_0(a), about exp(-128**2 / 2a), below 1e-70 at 100). From 100,
# the asymptotic series differentiated term by term, a polynomial in 1/a whose terms keep one
# sign for nu = 0 (from 20, as the kernels switch, its second order was 54 ULP off).
_NODES = 64
_SLOPE_SERIES_FROM = 100.0
_THETA = np.arange(_NODES + 1) * (math.pi / _NODES)
_DROP = 2 * np.sin(_THETA / 2) ** 2  # 1 - cos t, with no cancellation near 0
_WEIGHTS = np.full(_NODES + 1, 1 / _NODES)
_WEIGHTS[[0, -1]] /= 2  # the trapezoid rule: half weight at both ends
_SLOPE_SERIES = {nu: [float(-(k + Fraction(1, 2)) * _asymptotic_coefficient(nu, k))
                      for k in range(_ASYMPTOTIC_TERMS)] for nu in (0, 1)}


def _constant(a: np.ndarray) -> Tensor:
    return Tensor._make(a, False, None)


def _integral_slope(a: Tensor, nu: int) -> Tensor:
    """The derivative of ``exp(-a) I_nu(a)`` for ``0 <= a < 100``: the trapezoid rule."""
    weights = _constant(-_WEIGHTS * _DROP * np.cos(nu * _THETA))
    return (exp(a.unsqueeze(-1) * _constant(-_DROP)) * weights).sum(dim=-1)


def _asymptotic_slope(a: Tensor, nu: int) -> Tensor:
    """The derivative of ``exp(-a) I_nu(a)`` for ``a >= 100`` (0 at inf):
    ``(2 pi a)**-1/2 sum_k -(k + 1/2) c_k a**(-k - 1)``."""
    u = a.reciprocal()
    coefficients = _SLOPE_SERIES[nu]
    total = u * coefficients[-1] + coefficients[-2]
    for c in reversed(coefficients[:-2]):
        total = total * u + c
    return total * u / (a * (2 * math.pi)).sqrt()


def _scaled_slope(x: Tensor, nu: int) -> Tensor:
    """The derivative of ``exp(-a) I_nu(a)`` at ``a = |x|``."""
    a = apply(ABS, x)
    near = a._data < _SLOPE_SERIES_FROM  # False at NaN, which the series keeps
    if near.all():
        return _integral_slope(a, nu)
    if not near.any():
        return _asymptotic_slope(a, nu)
    mask = _constant(near)
    return where(mask, _integral_slope(where(mask, a, 0.0), nu),
                 _asymptotic_slope(where(mask, _SLOPE_SERIES_FROM, a), nu))


def _sign(x: Tensor) -> Tensor:
    return Tensor._make(np.sign(x._data), False, None)


def _i0_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _in_f64(g) * apply(I1, _in_f64(self))


def _i0e_vjp(g: Tensor, self: Tensor) -> Tensor:
    x = _in_f64(self)
    slope = _sign(x) * _scaled_slope(x, 0)  # i0e is even
    zero = x._data == 0
    if zero.any():
        # At the kink the slope is 0 (the mean of 1 and -1), but its own slope, i0e'' = 3/2,
        # is the same on both sides: formed as 3/2 x there (sign(0) = 0 made it 0).
        slope = where(Tensor._make(zero, False, None), x * 1.5, slope)
    return _in_f64(g) * slope


def _i1_vjp(g: Tensor, self: Tensor) -> Tensor:
    x = _in_f64(self)
    infinite = np.isinf(x._data)
    if not infinite.any():
        return _in_f64(g) * (apply(I0, x) - _i1_over_x(x))
    # At +-inf i0 alone (inf / inf made i1 / x NaN): i1' = inf there, and the next order is
    # i0's derivative, i1(+-inf) = +-inf, the limits of both.
    mask = Tensor._make(infinite, False, None)
    return _in_f64(g) * (apply(I0, x) - where(mask, 0.0, _i1_over_x(where(mask, 1.0, x))))


def _i1e_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _in_f64(g) * _scaled_slope(_in_f64(self), 1)  # i1e is odd: its slope even


# i0e's slopes at 0 are 1 and -1 (PyTorch's 0 is their mean); i1e's derivative is 1/2 from
# both sides, its second order's 1 and -1 (0 again the mean).
_AT_ZERO = (Kink("self", "self == 0", lambda self: self == 0, "mean"),)
I0 = defop("i0", "I0Backward0", _kernel(0, False), vjp=_i0_vjp, dtype_rule="promote_float",
           dtypes=ALL)
I0E = defop("special_i0e", "SpecialI0EBackward0", _kernel(0, True), vjp=_i0e_vjp,
            dtype_rule="promote_float", dtypes=ALL, kinks=_AT_ZERO, checks_out=True)
I1 = defop("special_i1", "SpecialI1Backward0", _kernel(1, False), vjp=_i1_vjp,
           dtype_rule="promote_float", dtypes=ALL, checks_out=True)
I1E = defop("special_i1e", "SpecialI1EBackward0", _kernel(1, True), vjp=_i1e_vjp,
            dtype_rule="promote_float", dtypes=ALL, kinks=_AT_ZERO, checks_out=True)


# -- functions -----------------------------------------------------------------------------------
def _checked(name: str, input: object) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


@expose("i0")
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, ``sum_k (x/2)**(2k) /
    k!**2``: even, 1 at 0, ``inf`` past ``|x| = 713.98``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.i0(symgrad.tensor([0.0, 1.0, -2.0]))
    tensor([1.0000, 1.2661, 2.2796])
    """
    return apply(I0, input)


def special_i0(input: Tensor) -> Tensor:
    """``torch.special.i0``: ``i0``, the same op (I0Backward0).

    Args:
        input: The tensor.

    >>> import symgrad
    >>> symgrad.special.i0(symgrad.tensor([1.0]))
    tensor([1.2661])
    """
    _checked("special_i0", input)
    return apply(I0, input)


def special_i0e(input: Tensor) -> Tensor:
    """``exp(-|input|) i0(input)``, the exponentially scaled ``i0`` (finite everywhere, 0 at
    ``+-inf``).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.special.i0e(symgrad.tensor([0.0, 1.0, 1000.0]))
    tensor([1.0000, 0.4658, 0.0126])
    """
    _checked("special_i0e", input)
    return apply(I0E, input)


def special_i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1, ``i0``'s derivative: odd,
    ``x/2`` near 0.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.special.i1(symgrad.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.5652, -1.5906])
    """
    _checked("special_i1", input)
    return apply(I1, input)


def special_i1e(input: Tensor) -> Tensor:
    """``exp(-|input|) i1(input)``, the exponentially scaled ``i1``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.special.i1e(symgrad.tensor([0.0, 1.0, -1000.0]))
    tensor([ 0.0000,  0.2079, -0.0126])
    """
    _checked("special_i1e", input)
    return apply(I1E, input)


Tensor.i0_ = inplace._with_args_("i0", "")  # type: ignore[attr-defined]
__test__ = {"i0_": Tensor.i0_}  # type: ignore[attr-defined]
