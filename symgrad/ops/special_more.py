"""More of ``torch.special`` as ops of their own: the modified Bessel functions ``i0``
(I0Backward0, also ``torch.i0`` and ``Tensor.i0``) and ``i1`` (SpecialI1Backward0), and the
normalised ``sinc`` (SincBackward0, also ``torch.sinc`` and ``Tensor.sinc``).

Every float dtype computes in float64 and rounds once; integer and bool inputs compute in the
default float dtype, as PyTorch's. The VJPs are written in symgrad ops, so ``create_graph=True``
works to any order, and in forms whose derivatives do not cancel where PyTorch's do: ``i0' =
i1``, ``i1' = (I0 + I2) / 2`` (PyTorch: ``i0 - i1 / x``, whose derivative cancels near 0: 318 ULP
at -1/16) through the internal op ``bessel_i_series`` (``I_nu(x) / (x/2)**nu``); ``sinc' =
(cos(pi x) - sinc(x)) / x`` with ``cos(pi x)`` reduced exactly, and its series below ``|x| =
1/2``.

Where symgrad differs from PyTorch 2.13, on purpose, the mathematics decides: ``sinc`` is
exactly 0 at the nonzero integers (``sin(pi x)`` from ``x``'s exact distance to its nearest
integer), where PyTorch's ``sin(pi x) / (pi x)`` with ``pi x`` rounded gives ``-3.9e-17`` at
``x = -2`` and loses digits as ``|x|`` grows (9,000 ULP on (-40, 40)); ``sinc``'s second
derivative at 0 is ``-pi**2 / 3`` (PyTorch's: NaN); ``i0`` and ``i1`` are finite up to 713.98
(PyTorch's overflow from 709.8) and +-inf at +-inf (PyTorch: NaN).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from symgrad import _special_math as M
from symgrad.ops import inplace
from symgrad.ops.elementwise import _in_f64, _wide, where
from symgrad.ops.registry import ALL, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["i0", "i1", "sinc"]


def _const(value: np.ndarray) -> Tensor:
    return Tensor._make(np.asarray(value), False, None)


# -- the modified Bessel functions ----------------------------------------------------------------
# Both through G_nu(x) = I_nu(x) / (x/2)**nu = sum_k t**k / (k! (k + nu)!), t = x**2 / 4, an
# even function whose terms are all positive and whose derivative is (x/2) G_(nu+1): an internal
# op (``bessel_i_series``, nu an attribute) differentiable to any order without cancelling.
# PyTorch's formula i1' = i0 - i1/x cancels near 0 from the second order on (318 ULP at
# -1/16); here i1' = (I0 + I2) / 2 = (G_0 + t G_2) / 2, a sum of terms of one sign.
#
# The kernel: below 20 + nu**2 the series by Horner's rule (the first omitted term below 1e-18
# of the sum), t's rounding (magnified by the mean k, 10 at x = 20) taken out by one derivative
# step dG_nu/dt = G_(nu+1); above, the asymptotic series
#   I_nu(x) e**-x = (2 pi x)**-1/2 sum_k (-1)**k prod_(j <= k) (4 nu**2 - (2j - 1)**2)
#                                                / (k! (8x)**k),
# whose 25th term is below 1e-18 there.
_ASYMPTOTIC_TERMS = 25
_SPLIT = 134217729.0  # 2**27 + 1


@functools.cache
def _series_coefficients(nu: int) -> tuple[np.ndarray, int]:
    """1 / (k! (k + nu)!) for k below the term count, highest k first; and where the series
    stops (beyond it the asymptotic series)."""
    up_to = 20 + nu * nu
    # terms: t**k / (k! (k + nu)!) falls below 1e-18 of the sum by k = 1.5 x + 10
    terms = int(1.5 * up_to) + 10
    return np.array([1.0 / (math.factorial(k) * math.factorial(k + nu))
                     for k in range(terms)][::-1]), up_to


@functools.cache
def _asymptotic_coefficients(nu: int) -> np.ndarray:
    """(-1)**k prod_(j <= k) (4 nu**2 - (2j - 1)**2) / (k! 8**k), highest k first."""
    out, c = [], 1.0
    for k in range(_ASYMPTOTIC_TERMS):
        out.append(c)
        c = -c * (4 * nu * nu - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return np.array(out[::-1])


def _square(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x**2 as the float64 and its rounding error (Dekker's two-product)."""
    p = x * x
    big = _SPLIT * x
    hi = big - (big - x)
    lo = x - hi
    return p, ((hi * hi - p) + 2 * hi * lo) + lo * lo


def _bessel_series(x: np.ndarray, nu: int) -> np.ndarray:
    """G_nu(x) = I_nu(x) / (x/2)**nu in float64, +inf from about 714 + nu log(x/2)."""
    a = np.abs(x)
    out = np.empty_like(a)
    coefficients, up_to = _series_coefficients(nu)
    nxt, _ = _series_coefficients(nu + 1)
    low = a < up_to
    if low.any():
        v = a[low]
        sq, err = _square(v)
        t, t_lo = sq / 4, err / 4
        s = np.zeros_like(v)
        for c in coefficients:
            s = s * t + c
        ds = np.zeros_like(v)
        for c in nxt[-len(coefficients):]:
            ds = ds * t + c
        g = s + ds * t_lo
        out[low] = g
    high = ~low
    if high.any():
        v = a[high]
        inv = 1.0 / v
        s = np.zeros_like(v)
        for c in _asymptotic_coefficients(nu):
            s = s * inv + c
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            g = s / np.sqrt(2 * math.pi * v)
            half = np.exp(v / 2)  # e**x in two factors: I0 is finite to x = 713.98
            g = g * half * half
            for _ in range(nu):
                g = g / (v / 2)
        out[high] = np.where(np.isinf(v), np.inf, g)
    return out


def _bessel_series_vjp(g: Tensor, self: Tensor, *, nu: int) -> Tensor:
    # d/dx G_nu = (x/2) G_(nu+1)
    x = _in_f64(self)
    return _in_f64(g) * (x * 0.5 * apply(BESSEL_I_SERIES, x, nu=nu + 1))


# Not public (PyTorch has no such function): i1's derivatives go through it.
BESSEL_I_SERIES = defop("bessel_i_series", "BesselISeriesBackward0",
                        lambda self, *, nu: _wide(lambda x: _bessel_series(x, nu), self),
                        vjp=_bessel_series_vjp, dtype_rule="promote_float", dtypes=ALL)


def _i0(x: np.ndarray) -> np.ndarray:
    return _bessel_series(x, 0)


def _i1(x: np.ndarray) -> np.ndarray:
    # (x/2) G_1(x), odd; i1(-0) is +0, as PyTorch's
    return np.where(x == 0, 0.0, x * 0.5 * _bessel_series(x, 1))


def _series(x: Tensor, nu: int) -> Tensor:
    return apply(BESSEL_I_SERIES, x, nu=nu)


def _i0_vjp(g: Tensor, self: Tensor) -> Tensor:
    return _in_f64(g) * apply(I1, _in_f64(self))


def _i1_vjp(g: Tensor, self: Tensor) -> Tensor:
    # I1' = (I0 + I2) / 2 = (G_0 + (x**2 / 4) G_2) / 2
    x = _in_f64(self)
    return _in_f64(g) * ((apply(I0, x) + x * x * 0.25 * _series(x, 2)) * 0.5)


I0 = defop("i0", "I0Backward0", lambda self: _wide(_i0, self),
           vjp=_i0_vjp, dtype_rule="promote_float", dtypes=ALL)
I1 = defop("i1", "SpecialI1Backward0", lambda self: _wide(_i1, self),
           vjp=_i1_vjp, dtype_rule="promote_float", dtypes=ALL)


def _check(name: str, input: object) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")


@expose("i0")
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0, ``sum_k (x/2)**2k / (k!)**2``.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.i0(symgrad.tensor([0.0, 1.0, -2.0]))
    tensor([1.0000, 1.2661, 2.2796])
    """
    return apply(I0, input)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (odd).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.special.i1(symgrad.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.5652, -1.5906])
    """
    _check("i1", input)
    return apply(I1, input)


# -- sinc -----------------------------------------------------------------------------------------
def _sinc64(x: np.ndarray) -> np.ndarray:
    """sin(pi x) / (pi x), 1 at 0: sin(pi x) within an ULP from x's exact distance r to its
    nearest integer n (sin(pi x) = (-1)**n sin(pi r), exactly 0 at the integers), and pi x as
    the float64 p and its rest d (the quotient s / (p + d) = s / p (1 - d / p))."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        n = np.round(x)
        r = x - n
        odd = np.fmod(n, 2.0) != 0
        s = np.copysign(M._sin_pi_abs(x), r) * np.where(odd, -1.0, 1.0)
        p, d = M._pi_times(x)
        q = s / p
        out = q - q * (d / p)
        out = np.where(np.isfinite(p), out, s / p)  # past 5.7e307 pi x overflows: 0
    return np.where(x == 0, 1.0, out)


def _cos_pi(x: Tensor) -> Tensor:
    """cos(pi x) in symgrad ops (so differentiable to any order), from r = x - n, n x's nearest
    integer (exact; n a constant): (-1)**n cos(pi r), as sin(pi (1/2 - |r|)) for |r| > 1/4
    (1/2 - |r| exact). cos of pi x rounded errs by pi x's rounding times sin(pi x) / cos(pi x),
    8 ULP at 1.875; through sinc's second order 84 ULP."""
    n = np.round(x._data)
    r = x - _const(n)
    a = np.abs(r._data)
    parity = _const(np.where(np.fmod(n, 2.0) != 0, -1.0, 1.0))
    side = _const(np.where(r._data < 0, -1.0, 1.0))
    far = (0.5 - r * side) * math.pi  # pi (1/2 - |r|)
    near = _const(a <= 0.25)
    return parity * where(near, (r * math.pi).cos(), far.sin())


# sinc'(x) = sum_k (-1)**k 2k pi**2k x**(2k - 1) / (2k + 1)!: below |x| = 1/2, where
# cos(pi x) - sinc(x) cancels (85 ULP at 1/64), its first 14 terms (the 15th is 1e-24 of it at
# 1/2), highest first; also sinc's derivatives at 0.
_SINC_SLOPE = [(-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1)
               for k in range(14, 0, -1)]


def _sinc_vjp(g: Tensor, self: Tensor) -> Tensor:
    # (cos(pi x) - sinc(x)) / x from |x| = 1/2; below, its series (0 at 0, as PyTorch's; the
    # series' derivative there is sinc''(0) = -pi**2 / 3, PyTorch's second order at 0 NaN).
    x = _in_f64(self)
    near = _const(np.abs(x._data) < 0.5)
    safe = where(near, _const(np.ones_like(x._data)), x)
    slope = (_cos_pi(safe) - apply(SINC, safe)) / safe
    small = where(near, x, _const(np.zeros_like(x._data)))
    x2 = small * small
    series = _SINC_SLOPE[0] * x2
    for c in _SINC_SLOPE[1:-1]:
        series = (series + c) * x2
    series = (series + _SINC_SLOPE[-1]) * small
    return _in_f64(g) * where(near, series, slope)


SINC = defop("sinc", "SincBackward0", lambda self: _wide(_sinc64, self), vjp=_sinc_vjp,
             dtype_rule="promote_float", dtypes=ALL)


@expose("sinc")
def sinc(input: Tensor) -> Tensor:
    """The normalised sinc function ``sin(pi x) / (pi x)``, 1 at 0.

    Exactly 0 at the nonzero integers (PyTorch's is off by ``sin``'s value at ``pi x`` rounded:
    ``-3.9e-17`` at ``-2``).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.sinc(symgrad.tensor([0.0, 0.5, -2.0]))
    tensor([1.0000, 0.6366, 0.0000])
    """
    return apply(SINC, input)


# In-place forms, as PyTorch's Tensor methods.
for _name in ("i0", "sinc"):
    setattr(Tensor, _name + "_", inplace._with_args_(_name, ""))
__test__ = {_name + "_": getattr(Tensor, _name + "_") for _name in ("i0", "sinc")}
