"""``sinc`` (SincBackward0): the normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0, as
``torch.sinc``, ``Tensor.sinc`` and ``torch.special.sinc``.

The float64 kernel keeps every bit of the argument: ``sin(pi x)`` is taken from ``x``'s exact
distance ``r`` to its nearest integer ``n`` (``sin(pi x) = (-1)**n sin(pi r)``, with ``pi r``
as a float64 and its rest; ``symgrad._special_math``), so ``sinc`` is exactly 0 at every
integer but 0 (PyTorch's ``sin(pi * x) / (pi * x)`` rounds ``pi * x`` first: ``sinc(1e10)``
is -7e-17 there), and ``1 / (pi x)`` is formed from ``pi x`` in two parts. On ``|x| <= 1/4``
its Taylor series in ``(pi x)**2`` (no cancellation near 0). Within 2 ULP of mpmath's value.

The derivative ``(cos(pi x) - sinc(x)) / x`` is 0 at 0. The VJP is written in symgrad ops:
on ``|x| <= 1/4`` the series' own derivative, a polynomial (PyTorch's formula cancels there,
and its second order at 0 is NaN; symgrad's is the exact ``-pi**2 / 3``); beyond,
``cos(pi x)`` as ``(-1)**n cos(pi (x - n))`` with the integer ``n`` a constant (``x - n`` is
exact) and ``sinc`` itself, so that every order follows; at ``+-inf`` the limit, 0.
"""

from __future__ import annotations

import math

import numpy as np

from symgrad import _special_math as M
from symgrad.ops import inplace
from symgrad.ops.arithmetic import ABS
from symgrad.ops.elementwise import _in_f64, _wide, _with_limits, cos, sin, where
from symgrad.ops.registry import ALL, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["sinc", "special_sinc"]

# sin(y) / y = sum_k (-1)**k y**(2k) / (2k + 1)!, y = pi x, |y| <= pi / 4: 11 terms leave
# less than 1e-19 (y**22 / 23! < 1e-24).
_TERMS = 11
_SERIES = [(-1) ** k / math.factorial(2 * k + 1) for k in range(_TERMS)]
_SMALL = 0.25
# pi = np.pi (1 + _PI_LO / np.pi): the rounded pi's relative error, taken out
_PI_CORRECTION = 1 - M._PI_LO / np.pi


def _series(y2: np.ndarray, coefficients: list[float]) -> np.ndarray:
    total = np.full_like(y2, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        total = total * y2 + c
    return total


def _sinc64(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        y = np.pi * x
        small = _series(y * y, _SERIES)
        n = np.round(x)
        # sin(pi x) with its sign: (-1)**n sin(pi r), r = x - n (exact), sign(r) = sign(x - n)
        odd = np.fmod(np.abs(n), 2) == 1
        # (+0 at the integers: -0 + 0)
        sine = M._sin_pi_abs(x) * np.sign(x - n) * np.where(odd, -1.0, 1.0) + 0.0
        large = sine / (np.pi * x) * _PI_CORRECTION
        out = np.where(np.abs(x) <= _SMALL, small, large)
    return np.where(np.isinf(x), np.nan, out)


def _sinc(self: np.ndarray) -> np.ndarray:
    return _wide(_sinc64, self)


# sinc'(x) = x sum_k (-1)**k pi**(2k) 2k x**(2k - 2) / (2k + 1)!  (k >= 1), on |x| <= 1/4.
_DERIVATIVE = [(-1) ** k * math.pi ** (2 * k) * 2 * k / math.factorial(2 * k + 1)
               for k in range(1, _TERMS + 1)]


def _polynomial(x: Tensor) -> Tensor:
    x2 = x * x
    total = x2 * _DERIVATIVE[-1] + _DERIVATIVE[-2]
    for c in reversed(_DERIVATIVE[:-2]):
        total = total * x2 + c
    return total * x + 0.0  # +0 at 0, as PyTorch's (a negative coefficient times +0 is -0)


def _cos_pi(x: Tensor) -> Tensor:
    # cos(pi r) for r = x - n, |r| <= 1/2, and sin(pi (1/2 - |r|)) for |r| > 1/4 (1/2 - |r|
    # exact): cos of pi / 2 rounded is 6e-17, not 0, at the half-integers
    n = np.round(x._data)
    sign = np.where(np.fmod(np.abs(n), 2) == 1, -1.0, 1.0)
    r = x - Tensor._make(n, False, None)
    outer = np.abs(r._data) > 0.25
    if outer.any():
        mask = Tensor._make(outer, False, None)
        rest = 0.5 - apply(ABS, where(mask, r, 0.5))
        value = where(mask, sin(rest * math.pi), cos(where(mask, 0.0, r) * math.pi))
    else:
        value = cos(r * math.pi)
    return value * Tensor._make(sign, False, None)


def _sinc_vjp(g: Tensor, self: Tensor) -> Tensor:
    x = _in_f64(self)
    small = np.abs(x._data) <= _SMALL
    if small.all():
        return _in_f64(g) * _polynomial(x)
    mask = Tensor._make(small, False, None)
    near = where(mask, x, 0.0)
    far = where(mask, 1.0, x)
    # 0 at +-inf, the limit (cos(pi x) there is NaN), to every order
    slope = _with_limits(far, lambda far: (_cos_pi(far) - apply(SINC, far)) / far, (0.0, 0.0))
    return _in_f64(g) * where(mask, _polynomial(near), slope)


SINC = defop("sinc", "SincBackward0", _sinc, vjp=_sinc_vjp, dtype_rule="promote_float",
             dtypes=ALL)


@expose("sinc")
def sinc(input: Tensor) -> Tensor:
    """The normalized sinc function ``sin(pi input) / (pi input)``, 1 at 0.

    Exactly 0 at the other integers; NaN at ``+-inf`` and NaN, as PyTorch's.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.sinc(symgrad.tensor([0.0, 0.5, 1.0]))
    tensor([1.0000, 0.6366, 0.0000])
    """
    return apply(SINC, input)


def special_sinc(input: Tensor) -> Tensor:
    """``torch.special.sinc``: ``sinc``, the same op (SincBackward0).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.special.sinc(symgrad.tensor([0.25]))
    tensor([0.9003])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"special_sinc(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return apply(SINC, input)


Tensor.sinc_ = inplace._with_args_("sinc", "")  # type: ignore[attr-defined]
__test__ = {"sinc_": Tensor.sinc_}  # type: ignore[attr-defined]
