"""``torch.special.ndtri`` (SpecialNdtriBackward0): the inverse of the standard normal
distribution function, ``ndtri(p) = sqrt(2) erfinv(2p - 1)``.

The float64 kernel keeps its relative accuracy in both tails, down to the smallest subnormal
``p`` (``ndtri(5e-324) = -38.47``), where ``2p - 1`` is -1 to the last bit:

- for ``1/4 <= p <= 3/4``, ``sqrt(2) erfinv(2p - 1)`` (``2p - 1`` is exact there, Sterbenz);
- otherwise ``-+sqrt(2) z`` with ``erfc(z) = 2 min(p, 1 - p)`` (``1 - p`` exact for
  ``p >= 1/2``), ``z`` found by Newton's method on ``log erfc(z)``, nearly a parabola: ``log
  erfc`` from the C library's ``erfc`` below ``z = 8``, above it ``-z**2 + log erfcx(z)`` with
  ``z**2`` split exactly and ``erfcx``'s asymptotic series (its 40th term below ``1e-26``).

The derivative is ``sqrt(2 pi) exp(t**2 / 2)`` at ``t = ndtri(p)``; formed from the rounded
``t`` it is off by ``t`` times ``t``'s rounding error, 1200 ULP at ``t = -38``. The VJP takes
``exp(t**2 / 2)`` through the split that keeps ``exp`` of a square accurate
(``elementwise._exp_minus_square``) and multiplies in ``exp(t d)``, ``d`` the rounding error of
``t`` found from the kernel's last Newton correction and an exact product with ``sqrt(2)``: 1
ULP there. Written in symgrad ops on ``ndtri`` itself, so its second order ``t ndtri'(p)**2``
follows to any order.
"""

from __future__ import annotations

import math

import numpy as np

from symgrad import _dtypes
from symgrad import _special_math as M
from symgrad.ops.elementwise import _exp_minus_square, _in_f64, _wide
from symgrad.ops.registry import ALL, apply, defop, not_implemented
from symgrad.tensor import Tensor

__all__ = ["ndtri"]

_SQRT2_HI = math.sqrt(2)
# sqrt(2) - _SQRT2_HI, to 17 digits: 2**0.5 = 1.4142135623730950488016887..., the double is
# 1.4142135623730951454746218...
_SQRT2_LO = -9.6672933134529134e-17
_SQRT_2PI = math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
# erfcx(z) ~ 1 / (z sqrt(pi)) sum_k (-1)**k (2k - 1)!! / (2 z**2)**k, from z = 8: 40 terms.
_ASYMPTOTIC_FROM = 8.0
_TERMS = 40


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as ``hi + lo``, ``hi`` of 26 significant bits (Dekker's split): ``hi * hi`` and
    ``hi * y_hi`` are exact."""
    c = 134217729.0 * x  # 2**27 + 1
    hi = c - (c - x)
    return hi, x - hi


def _product_error(a: float, b: np.ndarray) -> np.ndarray:
    """``a * b - fl(a * b)``, exactly (Dekker's two-product)."""
    p = a * b
    a_hi, a_lo = _split(np.asarray(a, dtype=np.float64))
    b_hi, b_lo = _split(b)
    return ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _erfcx_asymptotic(z: np.ndarray) -> np.ndarray:
    inverse = 1 / (2 * z * z)
    total = np.ones_like(z)
    term = np.ones_like(z)
    for k in range(1, _TERMS):
        term = -term * (2 * k - 1) * inverse
        total = total + term
    return total / (z * math.sqrt(math.pi))


_LN2_HI = 0.693147180369123816490  # 32 significant bits: e * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10


def _mills(z: np.ndarray, far: np.ndarray, c: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``erfc(z) / erfc'(-z)``, ``erfc(z) e**(z**2) sqrt(pi) / 2`` (the step of Newton's method
    on ``log erfc``)."""
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        near = c / (_TWO_OVER_SQRT_PI * np.exp(-z * z))
    return np.where(far, x * (math.sqrt(math.pi) / 2), near)


def _residual(z: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log erfc(z) - log q`` for ``z >= 0`` without losing the digits the two logs share
    (they are -1000 at ``q = 1e-300``, their difference 1e-17): below ``z = 8`` as
    ``log1p((erfc(z) - q) / q)``; above, ``-z**2 + log erfcx(z) - log q`` with ``z**2`` split
    exactly and ``log q`` as ``e ln 2 + log m`` (``ln 2`` in two parts); and the step's factor.
    """
    far = z >= _ASYMPTOTIC_FROM
    near_z = np.where(far, 0.0, z)
    far_z = np.where(far, z, _ASYMPTOTIC_FROM)
    c = M.erfc(near_z)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        near = np.log1p((c - q) / q)
    x = _erfcx_asymptotic(far_z)
    hi, lo = _split(far_z)
    m, e = np.frexp(q)
    big = -(hi * hi) - e * _LN2_HI
    small = -((2 * hi * lo) + lo * lo) + np.log(x) - np.log(m) - e * _LN2_LO
    return np.where(far, big + small, near), _mills(z, far, c, x)


def _ndtri_parts(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ndtri(p)`` in float64 and the rounding error ``d`` of that value (the exact
    ``ndtri(p)`` is about ``t + d``)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        central = (p >= 0.25) & (p <= 0.75)
        middle = _SQRT2_HI * M.erfinv(np.where(central, 2 * p - 1, 0.0))
        upper = p > 0.5
        q = 2 * np.where(upper, 1 - p, p)  # exact: Sterbenz for p >= 1/2
        tail = ~central & (q > 0) & (q < 1)
        q = np.where(tail, q, 0.25)
        # A start from the tail's asymptotics, then Newton's steps on log erfc(z) = log q.
        big = -np.log(q)
        z = np.sqrt(np.maximum(big - 0.5 * np.log(np.pi * np.maximum(big, 0.5)), 0.25))
        for _ in range(8):
            r, mills = _residual(z, q)
            z = z + r * mills
        r, mills = _residual(z, q)
        z_lo = r * mills
        # t = sqrt(2) (z + z_lo), to a rounding: sqrt(2) z rounded, then its error added
        # (rounded once more), and what that rounding left kept as d.
        sign = np.where(upper, 1.0, -1.0)
        first = _SQRT2_HI * z
        error = _product_error(_SQRT2_HI, z) + _SQRT2_LO * z + _SQRT2_HI * z_lo
        better = first + error
        t = sign * better
        d = sign * (error - (better - first))
        out = np.where(central, middle, t)
        d = np.where(tail, d, 0.0)
        out = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, out))
        out = np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, out)
    return out, d


def _ndtri64(p: np.ndarray) -> np.ndarray:
    return _ndtri_parts(p)[0]


def _ndtri_vjp(g: Tensor, self: Tensor) -> Tensor:
    p = _in_f64(self)
    t = apply(NDTRI, p)
    _, d = _ndtri_parts(p._data)
    with np.errstate(over="ignore", invalid="ignore"):
        c = np.exp(-t._data * d)
    c = Tensor._make(np.where(np.isfinite(c), c, 1.0), False, None)
    return _in_f64(g) * _SQRT_2PI / (_exp_minus_square(t, 0.5) * c)


# PyTorch's CPU kernel has no float16 or bfloat16 code.
_HALVES = (_dtypes.float16, _dtypes.bfloat16)
NDTRI = defop("ndtri", "SpecialNdtriBackward0", lambda self: _wide(_ndtri64, self),
              vjp=_ndtri_vjp, dtype_rule="promote_float", checks_out=True,
              dtypes=frozenset(d for d in ALL if d not in _HALVES),
              refuses=not_implemented("ndtri_cpu", _HALVES))


def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal distribution function: the ``x`` with
    ``P(N(0, 1) <= x) = input`` (``-inf`` at 0, ``inf`` at 1, NaN outside ``[0, 1]``).

    Args:
        input: The probabilities. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> ndtri(symgrad.tensor([0.5, 0.975, 0.0]))
    tensor([0.0000, 1.9600,   -inf])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"special_ndtri(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return apply(NDTRI, input)
