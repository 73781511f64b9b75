"""Special functions PyTorch records as one node each: ``lgamma`` (LgammaBackward0),
``digamma`` (DigammaBackward0), ``polygamma`` (PolygammaBackward0), ``mvlgamma``
(MvlgammaBackward0), ``erfinv`` (ErfinvBackward0), ``logit`` (LogitBackward0), ``xlogy``
(XlogyBackward0/1/2), and ``torch.special``'s ``xlog1py`` and ``entr``.

Every float dtype computes in float64 and rounds once (``symgrad._special_math`` states each
kernel's accuracy); integer and bool inputs compute in the default float dtype, as PyTorch's.
The VJPs are written in symgrad ops, so ``create_graph=True`` works to any order: lgamma's
derivative is digamma, digamma's is polygamma(1), polygamma(n)'s is polygamma(n + 1).

Where symgrad differs from PyTorch 2.13, on purpose, the mathematics decides:

- ``xlogy(x, y)``'s derivative in ``x`` at ``x == 0`` is ``log(y)`` (``x log y`` is linear in
  ``x``); PyTorch's formula ``xlogy(x != 0, y)`` gives 0 there. At ``x == y == 0``, where no
  derivative exists, symgrad keeps PyTorch's 0. The same for ``xlog1py`` with ``log1p(y)``.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any

import numpy as np

from symgrad import _dtypes
from symgrad import _special_math as M
from symgrad.ops import inplace
from symgrad.ops.elementwise import _exp_minus_square, _in_f64, _wide, log, where
from symgrad.ops.registry import ALL, REGISTRY, apply, defop, expose
from symgrad.tensor import Tensor

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "erfinv", "logit", "xlogy",
           "xlog1py", "entr"]

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


def _f64(kernel: Any) -> Any:
    """A float64 kernel as a forward for every float dtype, rounded once."""
    return lambda self: _wide(kernel, self)


def _const(value: np.ndarray) -> Tensor:
    return Tensor._make(value, False, None)


# -- gamma and its derivatives -------------------------------------------------------------------
# The VJPs are formed in float64 and rounded once: in float16 polygamma(5, -0.25) = 491520
# overflows where the second order it is a factor of (-10894) does not.
LGAMMA = defop("lgamma", "LgammaBackward0", _f64(M.lgamma),
               vjp=lambda g, self: _in_f64(g) * digamma(_in_f64(self)),
               dtype_rule="promote_float", dtypes=ALL)
DIGAMMA = defop("digamma", "DigammaBackward0", _f64(M.digamma),
                vjp=lambda g, self: _in_f64(g) * polygamma(1, _in_f64(self)),
                dtype_rule="promote_float", dtypes=ALL)


def _polygamma(self: np.ndarray, *, n: int) -> np.ndarray:
    return _wide(lambda x: M.polygamma(n, x), self)


POLYGAMMA = defop("polygamma", "PolygammaBackward0", _polygamma,
                  vjp=lambda g, self, *, n: _in_f64(g) * apply(POLYGAMMA, _in_f64(self),
                                                               n=n + 1),
                  dtype_rule="promote_float", dtypes=ALL)


_LOG_PI = math.log(math.pi)
_LOG_PI_LO = 1.0265951162707826e-17  # log(pi) - _LOG_PI (mpmath, 200 bits)


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a + b as the float64 s and its rounding error (Knuth's TwoSum, exact)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _lgamma_shift(y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """lgamma(y + r) for the float64 y and a rest |r| <= ulp(y) / 2: lgamma(y) + r digamma(y),
    but next to a pole n <= 0, where r may be half of y - n: there lgamma(y) = -log|y - n| +
    R(y) with R regular, and the shift is -log1p(r / (y - n)) + r (digamma(y) + 1 / (y - n));
    on the pole itself (y = n), -log|r| - lgamma(1 - n)."""
    n = np.round(y)
    d = y - n  # exact
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = M.digamma(y)
        near = (n <= 0) & (np.abs(r) > 1e-8 * np.abs(d))
        shift = np.where(near, -np.log1p(r / d) + r * (psi + 1 / d), r * psi)
        out = M.lgamma(y) + shift
        return np.where(near & (d == 0), -np.log(np.abs(r)) - M.lgamma(1 - n), out)


def _mvlgamma64(x: np.ndarray, p: int) -> np.ndarray:
    """sum_i lgamma(x - i/2) + p (p - 1) / 4 log(pi), i < p, in float64 with one rounding of
    the sum's parts: each x - i/2 as the float64 y and its rest r (exact; r is not 0 only
    outside the domain x > (p - 1)/2, or past 2**52), lgamma(x - i/2) = lgamma(y) +
    r digamma(y); the constant exactly as k log(pi)'s float64 and rest; the terms summed with
    their rounding errors carried (Neumaier). Summed plainly the float64 result was 19 ULP off
    at p = 2 (PyTorch's, summing lgamma's in the input's dtype: 1 ULP; in float32 PyTorch
    rounds x - i/2, each lgamma and the sum, 2.5 ULP off at p = 5)."""
    k = Fraction(p * (p - 1), 4)
    exact = k * Fraction(_LOG_PI)
    c_hi = float(exact)
    # All p arguments in one lgamma call (a call's overhead is most of its cost on small x).
    y, r = _two_sum(x[None], (-0.5 * np.arange(p)).reshape((p,) + (1,) * x.ndim))
    terms = M.lgamma(y)
    rest = (r != 0) & np.isfinite(y)  # an infinite x's rest is inf - inf's NaN: none
    if rest.any():
        terms[rest] = _lgamma_shift(y[rest], r[rest])
    total = np.full(x.shape, c_hi)
    carry = np.full(x.shape, float(exact - Fraction(c_hi)) + float(k) * _LOG_PI_LO)
    with np.errstate(invalid="ignore"):
        for term in terms:
            total, err = _two_sum(total, term)
            carry = carry + err
        out = total + carry
    # inf - inf and NaN carries: the plain sum's value (inf at a pole, NaN as PyTorch's).
    return np.where(np.isfinite(total), out, total)


def _mvlgamma(self: np.ndarray, *, p: int) -> np.ndarray:
    return _wide(lambda x: _mvlgamma64(x, p), self)


def _mvlgamma_vjp(g: Tensor, self: Tensor, *, p: int) -> Tensor:
    g, self = _in_f64(g), _in_f64(self)
    total = digamma(self)
    for i in range(1, p):
        total = total + digamma(self - i / 2)
    return g * total


MVLGAMMA = defop("mvlgamma", "MvlgammaBackward0", _mvlgamma, vjp=_mvlgamma_vjp,
                 dtype_rule="promote_float", dtypes=ALL)


@expose("lgamma")
def lgamma(input: Tensor) -> Tensor:
    """The natural logarithm of the absolute value of the gamma function.

    ``+inf`` at the poles (0 and the negative integers), as PyTorch's.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.lgamma(symgrad.tensor([1.0, 0.5, 0.0]))
    tensor([0.0000, 0.5724,    inf])
    """
    return apply(LGAMMA, input)


@expose("digamma")
def digamma(input: Tensor) -> Tensor:
    """The logarithmic derivative of the gamma function, ``lgamma``'s derivative.

    As PyTorch: ``-inf`` at ``+0``, ``+inf`` at ``-0``, NaN at the negative integers.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.digamma(symgrad.tensor([1.0, 0.0]))
    tensor([-0.5772,    -inf])
    """
    return apply(DIGAMMA, input)


def _order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``n = 0`` is digamma itself).

    Args:
        n: The order, a whole number at least 0.
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    Raises:
        RuntimeError: ``n`` is negative.

    >>> import symgrad
    >>> symgrad.polygamma(1, symgrad.tensor([1.0, 0.5]))
    tensor([1.6449, 4.9348])
    """
    return apply(POLYGAMMA, input, n=_order(n))


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``polygamma(n, self)``.

    Args:
        n: The order, a whole number at least 0.

    >>> import symgrad
    >>> symgrad.tensor([1.0]).polygamma(1)
    tensor([1.6449])
    """
    return polygamma(n, self)


expose("polygamma", method=False)(polygamma)
Tensor.polygamma = _polygamma_method  # type: ignore[attr-defined]


@expose("mvlgamma")
def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``:
    ``sum_i lgamma(input - i/2) + p (p - 1) / 4 log(pi)`` over ``i < p``.

    Args:
        input: The tensor, defined where every element is greater than ``(p - 1) / 2`` (PyTorch
            2.13 checks no longer; neither does symgrad).
        p: The dimension, at least 1.

    Raises:
        RuntimeError: ``p < 1``, or a bool tensor.

    >>> import symgrad
    >>> symgrad.mvlgamma(symgrad.tensor([2.5]), 2)
    tensor([0.8570])
    """
    if input.dtype is _dtypes.bool:  # before promotion, as PyTorch's check
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return apply(MVLGAMMA, input, p=int(p))


# -- the inverse error function ------------------------------------------------------------------
# erfinv' = sqrt(pi)/2 exp(t**2), t = erfinv(x), as 1 / exp(-t**2) through the split that keeps
# exp(-t**2) accurate (elementwise's NOTE: exp of a rounded square is off by t**2 ULP). t's own
# rounding, magnified 2 t**2 times (69 at t = erfinv(1 - 2**-53) = 5.86: 27 ULP), is corrected
# by the constant factor exp(-2 t d), d = t* - t from one Newton step (its residual in the tail
# as (1 - |x|) - erfc(|t|), exact but for erfc's rounding): 1 ULP there. Recomputed from self,
# as PyTorch's ErfinvBackward0, which saves self.
def _erfinv_correction(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    a, at = np.abs(x), np.abs(t)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        residual = np.where(a > 0.5, (1 - a) - M.erfc(at), M.erf(at) - a)
        d = -residual / (2 / math.sqrt(math.pi) * np.exp(-at * at))
        c = np.exp(-2 * at * d)
    return np.where(np.isfinite(c), c, 1.0)


def _erfinv_vjp(g: Tensor, self: Tensor) -> Tensor:
    x = _in_f64(self)
    t = erfinv(x)
    c = _const(_erfinv_correction(x._data, t._data))
    return _in_f64(g) * _SQRT_PI_OVER_2 / (_exp_minus_square(t) * c)


ERFINV = defop("erfinv", "ErfinvBackward0", _f64(M.erfinv), vjp=_erfinv_vjp,
               dtype_rule="promote_float", dtypes=ALL)


@expose("erfinv")
def erfinv(input: Tensor) -> Tensor:
    """The inverse error function on ``[-1, 1]`` (``+-inf`` at ``+-1``, NaN beyond).

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> symgrad.erfinv(symgrad.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.4769,    inf])
    """
    return apply(ERFINV, input)


# -- logit ---------------------------------------------------------------------------------------
def _logit64(x: np.ndarray) -> np.ndarray:
    # log(x / (1 - x)), without its cancellation around x = 1/2 (where the quotient is near 1):
    # log1p((2x - 1) / (1 - x)) there (2x - 1 and, from 1/2, 1 - x are exact), log x - log1p(-x)
    # elsewhere (no cancellation: one term dominates).
    with np.errstate(divide="ignore", invalid="ignore"):
        middle = np.log1p((2 * x - 1) / (1 - x))
        outer = np.log(x) - np.log1p(-x)
    return np.where((x > 0.25) & (x < 0.75), middle, outer)


def _bounds(dtype: np.dtype, eps: float) -> tuple[np.ndarray, np.ndarray]:
    lo = np.asarray(eps, dtype)
    return lo, np.asarray(1, dtype) - lo


def _logit(self: np.ndarray, *, eps: float | None) -> np.ndarray:
    x = self
    if eps is not None and eps >= 0:
        lo, hi = _bounds(self.dtype, eps)
        x = np.where(x < lo, lo, np.where(x > hi, hi, x))  # NaN stays NaN
    return _wide(_logit64, x)


def _logit_vjp(g: Tensor, self: Tensor, *, eps: float | None) -> Tensor:
    # PyTorch's: g / (x (1 - x)) inside [eps, 1 - eps] (both ends included), 0 outside; without
    # eps, NaN outside [0, 1]. Formed in float64 (the masks from self's own values): in float16
    # one ULP below 1 the second order's (x (1 - x))**2 underflows to 0 and its terms give
    # inf - inf = NaN where the exact 2.5e6 rounds to inf.
    x = self._data
    # + 0.0 makes -0.0 the +0.0 it equals: at 0 the slope is +inf, the limit from inside
    # [0, 1] (1 / (x (1 - x)) at -0.0 was -inf; PyTorch's is +inf).
    g, self = _in_f64(g), _in_f64(self) + 0.0
    if eps is not None and eps >= 0:
        lo, hi = _bounds(x.dtype, eps)
        # (Not below and not above: a NaN x is inside, its slope NaN as its value, as
        # PyTorch's; it was 0, from a mask NaN fails. Fuzzer seed 2064 program 128.)
        inside = _const(~((x < lo) | (x > hi)))
        # The slope of the clamped ends is 0 to every order: formed at 1/2 there, so that
        # its second order is not 0 * inf = NaN at 0 and 1 (the judge's exact value is 0).
        safe = where(inside, self, 0.5)
        return where(inside, g / (safe * (1 - safe)), 0.0)
    slope = g / (self * (1 - self))
    outside = (x < 0) | (x > 1)
    if not outside.any():
        return slope
    return where(_const(outside), math.nan, slope)


LOGIT = defop("logit", "LogitBackward0", _logit, vjp=_logit_vjp, dtype_rule="promote_float",
              dtypes=ALL)


@expose("logit")
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(input / (1 - input))``, the inverse of the logistic sigmoid.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.
        eps: Clamp ``input`` to ``[eps, 1 - eps]`` first (the gradient is 0 outside it).
            Defaults to None: no clamp (NaN outside ``[0, 1]``, ``-inf`` and ``inf`` at 0 and 1).

    >>> import symgrad
    >>> symgrad.logit(symgrad.tensor([0.5, 0.75, 0.0]))
    tensor([0.0000, 1.0986,   -inf])
    >>> symgrad.logit(symgrad.tensor([0.0]), eps=0.25)
    tensor([-1.0986])
    """
    return apply(LOGIT, input, eps=None if eps is None else float(eps))


# -- x log y ---------------------------------------------------------------------------------------
def _xlogy64(x: np.ndarray, y: np.ndarray, log_fn: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * log_fn(y)
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, out))


def _xlogy(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    return _wide(lambda x, y: _xlogy64(x, y, np.log), self, np.asarray(other, self.dtype))


def _xlog1py(self: np.ndarray, other: np.ndarray) -> np.ndarray:
    return _wide(lambda x, y: _xlogy64(x, y, np.log1p), self, np.asarray(other, self.dtype))


def _x_log_vjp(name: str, shift: float) -> Any:
    def vjp(g: Tensor, self: Tensor, other: Tensor, *, needs: tuple[bool, bool]) -> Any:
        d_self = d_other = None
        if needs[0]:
            # PyTorch's: xlogy(g, other) (log(other), the exact partial, but 0 where g is 0),
            # 0 where self == 0 and other <= -shift (no derivative there: x log 0 is -inf
            # beside x = 0).
            x, y = np.broadcast_arrays(self._data, other._data)
            d_self = apply(REGISTRY[name], g, other)
            undefined = (x == 0) & (y <= -shift)
            if undefined.any():
                d_self = where(_const(undefined), 0.0, d_self)
        if needs[1]:
            d_other = g * self / (other + shift) if shift else g * self / other
        return d_self, d_other

    return vjp


XLOGY = defop("xlogy", "XlogyBackward0", _xlogy, vjp=_x_log_vjp("xlogy", 0.0),
              dtype_rule="promote_float", dtypes=ALL)
XLOG1PY = defop("xlog1py", "SpecialXlog1PyBackward0", _xlog1py,
                vjp=_x_log_vjp("xlog1py", 1.0), dtype_rule="promote_float", dtypes=ALL)
# PyTorch's overloads with a number: Backward1 for a number ``self``, Backward2 for ``other``;
# the number is no input of their nodes.
_NAMED = {(op.name, k): dataclasses.replace(op, grad_fn=op.grad_fn[:-1] + str(k),
                                            node_inputs=(op.args[2 - k],))
          for op in (XLOGY, XLOG1PY) for k in (1, 2)}


def _x_log(op: Any, input: Any, other: Any) -> Tensor:
    if not isinstance(input, Tensor):
        op = _NAMED[op.name, 1]
    elif not isinstance(other, Tensor):
        op = _NAMED[op.name, 2]
    return apply(op, input, other)


@expose("xlogy")
def xlogy(input: Tensor | float, other: Tensor | float) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN).

    Args:
        input: The tensor, or a Python number.
        other: A tensor broadcast against ``input``, or a Python number.

    >>> import symgrad
    >>> symgrad.xlogy(symgrad.tensor([0.0, 2.0]), symgrad.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    return _x_log(XLOGY, input, other)


def xlog1py(input: Tensor | float, other: Tensor | float) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN).

    Args:
        input: The tensor, or a Python number.
        other: A tensor broadcast against ``input``, or a Python number.

    >>> import symgrad
    >>> xlog1py(symgrad.tensor([0.0, 2.0]), symgrad.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    return _x_log(XLOG1PY, input, other)


# -- entropy ---------------------------------------------------------------------------------------
def _entr64(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -x * np.log(x)
    return np.where(x > 0, out, np.where(x == 0, 0.0, np.where(x < 0, -np.inf, x)))


ENTR = defop("entr", "SpecialEntrBackward0", _f64(_entr64),
             vjp=lambda g, self: g * -(1 + log(self)), dtype_rule="promote_float", dtypes=ALL)


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy ``-input * log(input)``: 0 at 0, ``-inf`` below.

    Args:
        input: The tensor. Integer and bool tensors compute in the default float dtype.

    >>> import symgrad
    >>> entr(symgrad.tensor([0.5, 0.0, -1.0]))
    tensor([0.3466, 0.0000,   -inf])
    """
    return apply(ENTR, input)


# In-place forms, as PyTorch's Tensor methods.
for _name, _args in (("lgamma", ""), ("digamma", ""), ("erfinv", ""), ("logit", ""),
                     ("xlogy", "2.0"), ("polygamma", "1"), ("mvlgamma", "1")):
    setattr(Tensor, _name + "_", inplace._with_args_(_name, _args))
__test__ = {_name + "_": getattr(Tensor, _name + "_")
            for _name in ("lgamma", "digamma", "erfinv", "logit", "xlogy", "polygamma",
                          "mvlgamma")}
