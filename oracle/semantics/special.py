"""Meanings of the special functions (``symgrad/ops/special.py``): SymPy's own mathematics.

``lgamma`` is ``log |Gamma(x)|``, which SymPy lacks (its ``loggamma`` is the complex branch,
``log Gamma(x) + i pi k`` for negative ``x``): ``LogAbsGamma`` here, whose derivative is
SymPy's ``polygamma(0, x)`` and whose value is the real part of mpmath's ``loggamma``. digamma
and polygamma are SymPy's ``polygamma``, erfinv's meaning is SymPy's ``erfinv`` (declared in
``oracle.semantics.elementwise``). The Arb namespace of the certified path has none of
``LogAbsGamma`` and ``polygamma``: graphs with them are judged by the general path (mpmath at
high precision, ``oracle.exact``); erfinv is certified.

>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> MEANINGS["lgamma"].fn(x).diff(x)
polygamma(0, x)
>>> MEANINGS["xlogy"].fn(x, 2).diff(x)
log(2)
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy

from oracle.semantics import MEANINGS, num
from oracle.semantics.elementwise import MPMATH_NAMESPACE, elementwise

__all__ = ["LogAbsGamma", "MEANINGS"]


def _log_abs_gamma(x: Any) -> Any:
    """``log |Gamma(x)|`` in mpmath: +inf at the poles, as PyTorch's lgamma."""
    x = mpmath.mpf(x)
    if x <= 0 and x == mpmath.floor(x):
        return mpmath.inf
    return mpmath.re(mpmath.loggamma(x))


class LogAbsGamma(sympy.Function):
    """``log |Gamma(x)|`` for real ``x``, whose derivative is digamma.

    >>> x = sympy.Symbol("x", real=True)
    >>> LogAbsGamma(x).diff(x), float(LogAbsGamma(sympy.Rational(-1, 2)).evalf())
    (polygamma(0, x), 1.2655121234846454)
    """

    is_real = True

    def fdiff(self, argindex: int = 1) -> Any:
        """digamma, ``polygamma(0, x)``.

        >>> x = sympy.Symbol("x", real=True)
        >>> LogAbsGamma(x).fdiff()
        polygamma(0, x)
        """
        return sympy.polygamma(0, self.args[0])

    def _eval_evalf(self, prec: int) -> Any:
        with mpmath.workprec(prec):
            return sympy.Float(_log_abs_gamma(self.args[0]._to_mpmath(prec)), precision=prec)


MPMATH_NAMESPACE.update(LogAbsGamma=_log_abs_gamma)


def _mvlgamma(self: Any, *, p: int) -> Any:
    total = sympy.Rational(p * (p - 1), 4) * sympy.log(sympy.pi)
    for i in range(p):
        total = total + LogAbsGamma(self - sympy.Rational(i, 2))
    return total


def _logit(self: Any, *, eps: float | None) -> Any:
    if eps is None or eps < 0:
        return sympy.log(self / (1 - self))
    lo = num(eps)
    hi = 1 - lo  # the engine rounds 1 - eps to the dtype: the samples keep away from both
    return sympy.Piecewise((sympy.log(lo / (1 - lo)), self < lo),
                           (sympy.log(hi / (1 - hi)), self > hi),
                           (sympy.log(self / (1 - self)), True))


# -- special functions (symgrad/ops/special.py); erfinv's is SymPy's erfinv, declared with the
# error function's meanings in oracle.semantics.elementwise.
elementwise("lgamma", lambda self: LogAbsGamma(self))
elementwise("digamma", lambda self: sympy.polygamma(0, self))
elementwise("polygamma", lambda self, *, n: sympy.polygamma(n, self))
elementwise("mvlgamma", _mvlgamma)
elementwise("logit", _logit)
elementwise("xlogy", lambda self, other: self * sympy.log(other))
elementwise("xlog1py", lambda self, other: self * sympy.log(1 + other))
elementwise("entr", lambda self: -self * sympy.log(self))
