"""Meanings of ``symgrad/ops/elementwise_extra.py`` (helper red): ``frac`` (``x - trunc(x)``),
``deg2rad``/``rad2deg``, ``copysign`` (``|x|`` with the sign of ``other``), ``fmax``/``fmin``
(the larger or smaller), ``ldexp`` (``x 2**e``), ``heaviside``, and ``torch.special.ndtri``
(``symgrad/ops/special_extra.py``).

>>> import sympy
>>> x, y = sympy.symbols("x y", real=True)
>>> MEANINGS["ldexp"].fn(x, y).diff(y)
2**y*x*log(2)
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import sympy
from sympy import Piecewise

from oracle.semantics import MEANINGS, kink
from oracle.semantics.elementwise import MPMATH_NAMESPACE, TruncStep, _ties, _whole, elementwise

__all__ = ["MEANINGS"]


_FRAC_JUMP = "self is an integer (a jump of slope 1 on both sides)"
elementwise("frac", lambda self: self - TruncStep(self),
            labels=lambda self: _whole(self, _FRAC_JUMP))
elementwise("deg2rad", lambda self: self * sympy.pi / 180)
elementwise("rad2deg", lambda self: self * 180 / sympy.pi)


def _copysign(magnitude: Any, negative: Any) -> Any:
    return Piecewise((-magnitude, negative), (magnitude, True))


# The sign of ``other`` (its sign bit, which no real number shows at 0: the samples keep
# ``other`` off 0, the catalog at +0).
elementwise("copysign", lambda self, other: _copysign(sympy.Abs(self), other < 0),
            kinks=lambda self, other: [kink("self", self, "self == 0"),
                                       kink("other", other, "other == 0")])
elementwise("copysign_scalar", lambda self, *, other: _copysign(
    sympy.Abs(self), math.copysign(1.0, other) < 0),
    kinks=lambda self, **_: [kink("self", self, "self == 0")])
elementwise("fmax", lambda self, other: Piecewise((other, self < other), (self, True)), _ties)
elementwise("fmin", lambda self, other: Piecewise((other, self > other), (self, True)), _ties)
elementwise("ldexp", lambda self, other: self * 2 ** other)
# torch.special.ndtri (symgrad/ops/special_extra.py): the inverse of the normal distribution
# function, -sqrt(2) erfcinv(2p) (not sqrt(2) erfinv(2p - 1), whose argument is -1 to 1000 bits
# at p = 5e-324): Arb's erfcinv certifies it; mpmath has none, so the general path's is
# erfinv(1 - q) with the precision raised by the bits q's smallness takes.
def _erfcinv(q: Any) -> Any:
    q = mpmath.mpf(q)
    if q <= 0 or q >= 2:
        return mpmath.inf if q == 0 else (-mpmath.inf if q == 2 else mpmath.nan)
    extra = max(0, -int(mpmath.floor(mpmath.log(min(q, 2 - q), 2)))) + 20
    with mpmath.workprec(mpmath.mp.prec + extra):
        return +mpmath.erfinv(1 - q)


MPMATH_NAMESPACE.update(erfcinv=_erfcinv)
elementwise("ndtri", lambda self: -sympy.sqrt(2) * sympy.erfcinv(2 * self))
elementwise("heaviside", lambda self, values: Piecewise((0, self < 0), (1, self > 0),
                                                        (values, True)))

