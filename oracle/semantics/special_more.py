"""Meanings of ``symgrad/ops/special_more.py`` (helper spec): the modified Bessel functions
``i0`` and ``i1`` (``BesselI``), and the normalised ``sinc``
(``sin(pi x) / (pi x)``, whose removable singularity at 0 the judge reads as a limit).

>>> x = sympy.Symbol("x", real=True)
>>> MEANINGS["i0"].fn(x).diff(x), MEANINGS["i1"].fn(x).diff(x)
(BesselI(1, x), BesselI(0, x)/2 + BesselI(2, x)/2)
"""

from __future__ import annotations

from typing import Any

import flint
import mpmath
import numpy as np
import sympy

from oracle.semantics import MEANINGS
from oracle.semantics.elementwise import elementwise

__all__ = ["MEANINGS", "BesselI"]


def _order(n: Any) -> int:
    return int(float(n.mid())) if isinstance(n, flint.arb) else int(n)


def _bessel_i(n: Any, x: Any) -> Any:
    """I_n(x) on whatever the judge's compiled forms pass: Arb balls (the certified path,
    Arb's own ``bessel_i``), object arrays of them, or mpmath numbers."""
    if isinstance(x, np.ndarray) or isinstance(n, np.ndarray):
        return np.frompyfunc(_bessel_i, 2, 1)(n, x)
    if isinstance(x, flint.arb):
        return x.bessel_i(_order(n))
    return mpmath.besseli(_order(n), x)


class BesselI(sympy.Function):
    """The modified Bessel function of the first kind ``I_n(x)`` for whole ``n``, evaluated by
    Arb on balls and by mpmath on numbers (SymPy's ``besseli`` reaches neither of the judge's
    Arb namespaces). Its derivative is ``(I_(n-1) + I_(n+1)) / 2``; ``I_-n = I_n``.

    >>> x = sympy.Symbol("x", real=True)
    >>> BesselI(0, x).diff(x), float(BesselI(0, sympy.Integer(1)).evalf())
    (BesselI(1, x), 1.2660658777520084)
    """

    is_real = True
    _imp_ = staticmethod(_bessel_i)

    @classmethod
    def eval(cls, n: Any, x: Any) -> Any:
        if n.is_Integer and n < 0:
            return cls(-n, x)
        if x.is_zero:
            return sympy.Integer(1 if n == 0 else 0)
        return None

    def fdiff(self, argindex: int = 2) -> Any:
        """``(I_(n-1) + I_(n+1)) / 2`` along ``x`` (``I_1`` for ``n = 0``).

        >>> x = sympy.Symbol("x", real=True)
        >>> BesselI(1, x).fdiff(2)
        BesselI(0, x)/2 + BesselI(2, x)/2
        """
        if argindex != 2:
            raise sympy.ArgumentIndexError(self, argindex)
        n, x = self.args
        if n == 0:
            return BesselI(1, x)
        return (BesselI(n - 1, x) + BesselI(n + 1, x)) / 2

    def _eval_evalf(self, prec: int) -> Any:
        with mpmath.workprec(prec):
            return sympy.Float(mpmath.besseli(int(self.args[0]), self.args[1]._to_mpmath(prec)),
                               precision=prec)


elementwise("i0", lambda self: BesselI(0, self))
elementwise("i1", lambda self: BesselI(1, self))
elementwise("sinc", lambda self: sympy.sin(sympy.pi * self) / (sympy.pi * self))
# The internal op i1's derivatives go through: I_nu(x) / (x/2)**nu, sampled right of 0.
elementwise("bessel_i_series", lambda self, *, nu: BesselI(nu, self) / (self / 2) ** nu)
