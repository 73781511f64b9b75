"""log|Gamma| and the polygamma functions on Arb balls (python-flint), for both of the judge's
paths: the certified one (``oracle.arb_lambdify``'s namespaces) and the general one, whose
mpmath values of ``LogAbsGamma`` and ``PolyGamma`` (``oracle.semantics.special``) are these
balls' midpoints once their radius is below the working precision (``in_mpmath``).

Arb's ``lgamma`` is defined for x > 0 only, and ``acb.polygamma`` loses every digit far left of
0 (``[+/- inf]`` at -1e10 + 0.5), as mpmath's ``psi`` there takes time linear in |x| (63 s for
trigamma at -1e7): left of 0 both go through the reflection formulas. A ball that touches a
pole (or straddles 0) raises ``AboutAPole`` (a ``ValueError``: the certified path raises its
precision); an exact pole gives NaN.

>>> round(float(log_abs_gamma(flint.arb(-2.5)).mid()), 12)
-0.056243716498
>>> float(in_mpmath(polygamma, 1, mpmath.mpf(-1e7) + 0.25))  # 2 pi**2 - psi1(1e7 + 0.75)
19.73920870217872
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import flint
import mpmath

from oracle.balls import ball_to_mpf, precision

__all__ = ["log_abs_gamma", "polygamma", "in_mpmath", "AboutAPole"]


class AboutAPole(ValueError):
    """An inexact ball about a pole (or 0): undecided at this precision (the certified path
    raises its precision on a ``ValueError``). An exact pole gives NaN instead."""


def _checked(x: Any, v: Any) -> Any:
    if v.is_finite() or x.is_exact():
        return v if v.is_finite() else flint.arb.nan()
    raise AboutAPole(f"a ball about a pole of log|Gamma|'s family: {x}")


def log_abs_gamma(x: Any) -> Any:
    """``log |Gamma(x)|`` on an Arb ball; NaN at a pole, ``AboutAPole`` on an inexact ball
    about one.

    Args:
        x: An ``arb`` (or a number).

    >>> log_abs_gamma(flint.arb(0.5)).overlaps(flint.arb.pi().sqrt().log())  # Gamma(1/2)
    True
    >>> log_abs_gamma(flint.arb(-1)).is_finite()
    False
    """
    x = flint.arb(x)
    if x > 0:
        return _checked(x, x.lgamma())
    if x < 0:
        # Gamma(x) Gamma(1 - x) = pi / sin(pi x)
        return _checked(x, flint.arb.pi().log() - abs(x.sin_pi()).log() - (1 - x).lgamma())
    return _checked(x, flint.arb.nan())


@cache
def _cot_derivative(n: int) -> tuple[int, ...]:
    """Coefficients (lowest power first) of the polynomial ``P_n`` with
    ``d^n/dy^n cot(y) = P_n(cot y)``: ``P_0 = c``, ``P_(n+1) = -(1 + c^2) P_n'``.

    >>> _cot_derivative(2)  # 2 c (1 + c^2)
    (0, 2, 0, 2)
    """
    p = [0, 1]
    for _ in range(n):
        dp = [k * p[k] for k in range(1, len(p))] or [0]
        q = [0] * (len(dp) + 2)
        for k, a in enumerate(dp):
            q[k] -= a
            q[k + 2] -= a
        p = q
    return tuple(p)


def polygamma(n: Any, x: Any) -> Any:
    """``psi^(n)(x)``, the n-th derivative of digamma, on an Arb ball; NaN at a pole,
    ``AboutAPole`` on an inexact ball about one.

    Args:
        n: The order, a non-negative integer.
        x: An ``arb`` (or a number).

    >>> polygamma(1, flint.arb(1)).overlaps(flint.arb.pi() ** 2 / 6)
    True
    >>> round(float(polygamma(2, flint.arb(-2.5)).mid()), 12)
    -0.108204051642
    """
    n, x = int(n), flint.arb(x)
    if n == 0:
        return _checked(x, x.digamma() if x > 0 or x < 0 else flint.arb.nan())
    if x > 0:
        return _checked(x, flint.acb(x).polygamma(n).real)
    if x < 0:
        # psi(1 - x) - psi(x) = pi cot(pi x), differentiated n times
        c = x.cot_pi()
        p = flint.arb(0)
        for a in reversed(_cot_derivative(n)):
            p = p * c + a
        right = flint.acb(1 - x).polygamma(n).real
        return _checked(x, (right if n % 2 == 0 else -right) - flint.arb.pi() ** (n + 1) * p)
    return _checked(x, flint.arb.nan())


def _ball(v: Any) -> Any:
    """An ``mpf`` as an exact ball (the product is exact at a precision of its bits)."""
    if isinstance(v, mpmath.mpf):
        sign, man, exp, bc = v._mpf_
        if not man:
            return flint.arb(0)
        with precision(bc + 16):
            return flint.arb((-1) ** sign * man) * flint.arb(2) ** exp
    return v


def in_mpmath(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn`` (of this module) at finite ``mpmath.mpf`` arguments, as an ``mpf`` correct to
    mpmath's working precision: Arb's precision is doubled until the ball is that narrow
    (at most 8 times the working precision); None when it never is (a pole).

    Args:
        fn: ``log_abs_gamma`` or ``polygamma``.
        *args: Its arguments (``mpf`` values; integers pass as they are).

    >>> float(in_mpmath(log_abs_gamma, mpmath.mpf(0.5))), in_mpmath(log_abs_gamma, 0.0)
    (0.5723649429247001, None)
    """
    want = mpmath.mp.prec + 8
    balls = [_ball(a) for a in args]
    bits = want + 32
    while bits <= 8 * want + 64:
        try:
            with precision(bits):
                v = fn(*balls)
        except AboutAPole:
            v = flint.arb.nan()  # an argument rounded onto a pole: no value here
        if v.is_finite() and (v.is_zero() or v.rel_accuracy_bits() >= want):
            return +ball_to_mpf(v)
        if v.is_nan():
            return None
        bits *= 2
    return None
