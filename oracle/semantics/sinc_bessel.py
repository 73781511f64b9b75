"""Meanings of ``sinc`` (``symgrad/ops/sinc.py``), of the modified Bessel functions ``i0``,
``i0e``, ``i1``, ``i1e`` (``symgrad/ops/bessel.py``), and of ``erfcx`` and ``log_ndtr``
(``symgrad/ops/normal_tail.py``): SymPy's mathematics, not the engine's.

SymPy's ``sinc`` is the unnormalized ``sin(x) / x``, and its derivative is a ``Piecewise`` that
is 0 at 0 to every order (the second derivative of ``sinc(pi x)`` at 0 is ``-pi**2 / 3``, not
0); ``sin(pi x) / (pi x)`` is 0 / 0 there. ``SincPi(n, x)`` here is the ``n``-th derivative of
the normalized sinc, a function of its own whose derivative is ``SincPi(n + 1, x)``, evaluated
on Arb balls (``oracle.sinc_balls``): certified in the certified path's namespace
(``oracle.arb_lambdify``), the balls' midpoints in the general path's mpmath one.

>>> x = sympy.Symbol("x", real=True)
>>> MEANINGS["sinc"].fn(x).diff(x, 2)
SincPi(2, x)
>>> float(SincPi(2, sympy.Integer(0)).evalf())
-3.289868133696453
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy

from oracle.gamma_balls import in_mpmath
from oracle.semantics import MEANINGS, Kink, kink
from oracle.semantics.elementwise import MPMATH_NAMESPACE, elementwise
from oracle.sinc_balls import sinc_pi

__all__ = ["SincPi", "PlainErfc", "MEANINGS"]


def _sinc_pi(n: Any, x: Any) -> Any:
    """``SincPi(n, x)`` in mpmath (NaN at +-inf, as the engine's sinc)."""
    x = mpmath.mpf(x)
    if not mpmath.isfinite(x):
        return mpmath.nan
    v = in_mpmath(sinc_pi, int(n), x)
    return mpmath.nan if v is None else v


class SincPi(sympy.Function):
    """The ``n``-th derivative of ``sin(pi x) / (pi x)`` (``n = 0``: the function, 1 at 0).

    >>> x = sympy.Symbol("x", real=True)
    >>> SincPi(0, x).diff(x), float(SincPi(0, sympy.Rational(1, 2)).evalf())
    (SincPi(1, x), 0.6366197723675814)
    """

    is_real = True

    def fdiff(self, argindex: int = 2) -> Any:
        """``SincPi(n + 1, x)`` along ``x``.

        >>> x = sympy.Symbol("x", real=True)
        >>> SincPi(1, x).fdiff(2)
        SincPi(2, x)
        """
        if argindex != 2:
            raise sympy.ArgumentIndexError(self, argindex)
        return SincPi(self.args[0] + 1, self.args[1])

    def _eval_evalf(self, prec: int) -> Any:
        with mpmath.workprec(prec):
            return sympy.Float(_sinc_pi(self.args[0], self.args[1]._to_mpmath(prec)),
                               precision=prec)


MPMATH_NAMESPACE.update(SincPi=_sinc_pi)

elementwise("sinc", lambda self: SincPi(0, self))


# -- modified Bessel functions of the first kind (symgrad/ops/bessel.py): SymPy's besseli,
# whose derivative SymPy knows ((I_(n-1) + I_(n+1)) / 2); the scaled ones' exp(-|x|) as a
# Piecewise (a kink at 0, where the engine takes the mean of the two sides).
def _scaled(n: int, x: Any) -> Any:
    return sympy.Piecewise((sympy.exp(x) * sympy.besseli(n, x), x < 0),
                           (sympy.exp(-x) * sympy.besseli(n, x), True))


def _at_zero(self: Any) -> list[Kink]:
    return [kink("self", self, "self == 0")]


elementwise("i0", lambda self: sympy.besseli(0, self))
elementwise("special_i0e", lambda self: _scaled(0, self), _at_zero)
elementwise("special_i1", lambda self: sympy.besseli(1, self))
elementwise("special_i1e", lambda self: _scaled(1, self), _at_zero)

# -- the normal distribution's tails (symgrad/ops/normal_tail.py): erfcx and log_ndtr as the
# functions they scale, which Arb evaluates without overflow at any finite argument
elementwise("special_erfcx", lambda self: sympy.exp(self**2) * sympy.erfc(self))
class PlainErfc(sympy.Function):
    """``erfc(z)`` as written: SymPy's ``erfc`` rewrites ``erfc(-z)`` as ``2 - erfc(z)`` (also
    when an expression is rebuilt), which cancels to nothing where ``log_ndtr`` matters most
    (``x = -30``: ``2 - (2 - 1e-197)``).

    >>> x = sympy.Symbol("x", real=True)
    >>> PlainErfc(-x).diff(x)
    2*exp(-x**2)/sqrt(pi)
    """

    is_real = True

    def fdiff(self, argindex: int = 1) -> Any:
        """``-2 / sqrt(pi) exp(-z**2)``.

        >>> PlainErfc(sympy.Symbol("z")).fdiff()
        -2*exp(-z**2)/sqrt(pi)
        """
        return -2 * sympy.exp(-self.args[0] ** 2) / sympy.sqrt(sympy.pi)

    def _eval_evalf(self, prec: int) -> Any:
        with mpmath.workprec(prec):
            return sympy.Float(_erfc_mp(self.args[0]._to_mpmath(prec)), precision=prec)


def _erfc_mp(z: Any) -> Any:
    """mpmath's ``erfc``, and past ``2**100`` its asymptotic series (mpmath's own raises an
    OverflowError at ``2**1000``, where the IEEE rules read the limit at +-inf): four terms,
    the first left out below ``2**-400`` of the sum, far below any precision the oracle
    works at; ``2 - erfc(-z)`` far left."""
    z = mpmath.mpf(z)
    if abs(z) <= _ERFC_SERIES_FROM or not mpmath.isfinite(z):
        return mpmath.erfc(z)
    if z < 0:
        return 2 - _erfc_mp(-z)
    u = 1 / (2 * z * z)
    return mpmath.exp(-z * z) / (z * mpmath.sqrt(mpmath.pi)) * (1 - u + 3 * u**2 - 15 * u**3)


_ERFC_SERIES_FROM = mpmath.mpf(2) ** 100
MPMATH_NAMESPACE.update(PlainErfc=_erfc_mp, erfc=_erfc_mp)
elementwise("special_log_ndtr", lambda self: sympy.log(PlainErfc(-self / sympy.sqrt(2)) / 2))
