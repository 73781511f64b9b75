"""The normalized sinc function and its derivatives on Arb balls (python-flint), for both of the
judge's paths: the certified one (``oracle.arb_lambdify``'s namespaces) and the general one
(``oracle.semantics.sinc_bessel``'s ``SincPi`` takes the balls' midpoints through
``oracle.gamma_balls.in_mpmath``).

``sinc_pi(n, x)`` is the ``n``-th derivative of ``sin(pi x) / (pi x)``. Its closed form divides
by ``x**(n + 1)`` and cancels towards 0 (where it is 0 / 0): on ``|x| <= 1/4`` the Taylor series
``sum_k (-1)**k pi**(2k) (2k)! / ((2k - n)! (2k + 1)!) x**(2k - n)`` instead, its tail bounded
into the ball's radius; elsewhere Leibniz's rule on ``sin(pi x) * (pi x)**-1``.

>>> sinc_pi(0, flint.arb(0.5)).overlaps(2 / flint.arb.pi())
True
>>> sinc_pi(2, flint.arb(0)).overlaps(-flint.arb.pi() ** 2 / 3)
True
"""

from __future__ import annotations

import math
from typing import Any

import flint

__all__ = ["sinc_pi"]


def _series(n: int, x: Any) -> Any:
    pi = flint.arb.pi()
    bits = flint.ctx.prec
    total = flint.arb(0)
    k = (n + 1) // 2
    while True:
        term = (pi ** (2 * k) * x ** (2 * k - n) * math.factorial(2 * k)
                / (math.factorial(2 * k - n) * math.factorial(2 * k + 1)))
        total += -term if k % 2 else term
        # from here each term is below half the one before (|pi x| <= pi / 4 + 0.1)
        if k > n + 4 and abs(term).upper() < flint.arb(2) ** -(bits + 8):
            return total + flint.arb(0, 2 * abs(term).upper())
        k += 1


def _leibniz(n: int, x: Any) -> Any:
    pi = flint.arb.pi()
    sine, cosine = x.sin_pi(), x.cos_pi()
    total = flint.arb(0)
    for j in range(n + 1):
        # d^j sin(pi x) = pi**j sin(pi x + j pi / 2); d^(n - j) 1/(pi x)
        part = (sine, cosine, -sine, -cosine)[j % 4] * pi**j
        inverse = (-1) ** (n - j) * math.factorial(n - j) / (pi * x ** (n - j + 1))
        total += math.comb(n, j) * part * inverse
    return total


def sinc_pi(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of ``sin(pi x) / (pi x)`` (1 at 0) on an Arb ball.

    Args:
        n: The order, a whole number at least 0 (an ``arb`` or an int).
        x: An ``arb`` (or a number).

    >>> sinc_pi(1, flint.arb(0)).is_zero(), sinc_pi(1, flint.arb(1)).overlaps(flint.arb(-1))
    (True, True)
    """
    n = int(flint.arb(n).unique_fmpz()) if not isinstance(n, int) else n
    x = flint.arb(x)
    if abs(x.mid()) <= 0.25 + 1e-3:
        return _series(n, x)
    return _leibniz(n, x)
