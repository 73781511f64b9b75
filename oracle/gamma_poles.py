"""One-sided limits of log|Gamma| and the polygamma functions at their poles, decided from
their Laurent leading terms (``oracle.exact`` asks here before ``sympy.limit``).

At a non-positive integer ``-m``, ``psi(x) = -1 / (x + m) + O(1)`` and
``log|Gamma(x)| = -log|x + m| + O(1)``, so ``psi^(n)(x) ~ (-1)^(n+1) n! / (x + m)^(n+1)``.
``pole_sides`` takes a sum of such terms (with numeric coefficients, of arguments ``a x + c``:
the meanings of lgamma, digamma, polygamma, mvlgamma and their derivatives) and decides its
limits from each side by the highest power left after adding the coefficients (a logarithm is
weaker than any power): a few rational additions, where ``sympy.limit`` ran a series of
log|Gamma| for over a minute. Where the leading coefficients cancel, or the expression is of
another form, the limit is NaN (unjudged) rather than a guess; an expression without these
functions is not its business (``None``).

>>> import sympy
>>> x = sympy.Symbol("x", real=True)
>>> pole_sides(LogAbsGamma(x), x, sympy.Integer(-1))
(oo, oo)
>>> pole_sides(PolyGamma(0, x), x, sympy.Integer(0))  # -1/x: the two sides differ
(oo, -oo)
>>> pole_sides(PolyGamma(1, x) + PolyGamma(1, x - sympy.Rational(1, 2)), x, sympy.Integer(-2))
(oo, oo)
"""

from __future__ import annotations

import math
from typing import Any

import sympy

from oracle.semantics.special import LogAbsGamma, PolyGamma

__all__ = ["pole_sides", "GAMMA_FAMILY"]

GAMMA_FAMILY = (LogAbsGamma, PolyGamma)


# -- limits at the poles ----------------------------------------------------------------------
class _Unknown(Exception):
    """Not a sum this rule reads."""


def _linear(arg: Any, x: Any) -> tuple[Any, Any]:
    """``(a, c)`` with ``arg == a x + c``, numbers, ``a`` not 0."""
    c, rest = arg.as_independent(x, as_Add=True)
    a, var = rest.as_independent(x, as_Add=False)
    if var != x or not a.is_number or a.is_zero or not c.is_number:
        raise _Unknown(arg)
    return a, c


def _term(term: Any, x: Any, at: Any) -> tuple[dict[Any, Any], Any]:
    """One term ``k * F(a x + c)``: its singular part at ``x = at`` (power -> coefficient of
    ``(x - at)**-power``; ``"log"`` -> coefficient of ``-log|x - at|``) and its value there
    when it has none."""
    if term.is_number:
        return {}, term
    k, f = term.as_independent(x, as_Add=False)
    if not k.is_number or not isinstance(f, GAMMA_FAMILY):
        raise _Unknown(term)
    arg = f.args[-1]
    a, c = _linear(arg, x)
    point = a * at + c
    if not (point.is_integer and point <= 0):
        return {}, term.xreplace({x: at})
    if isinstance(f, LogAbsGamma):
        return {"log": k}, None
    n = f.args[0]
    if not (n.is_integer and n >= 0):
        raise _Unknown(term)
    n = int(n)
    # psi^(n)(a x + c) ~ (-1)^(n+1) n! / (a (x - at))^(n+1)
    return {n + 1: k * (-1) ** (n + 1) * math.factorial(n) / a ** (n + 1)}, None


def _side(parts: dict[Any, Any], s: int) -> Any:
    """The limit from side ``s`` (-1 below, +1 above) of the singular parts: the highest
    power's term, else the logarithm's; NaN where the leading coefficient cancels."""
    for power in sorted((p for p in parts if p != "log"), reverse=True):
        c = sympy.sympify(parts[power])
        if c.is_zero:
            return sympy.nan  # the next term decides: not this rule's to say
        if c.is_positive is None:
            return sympy.nan
        sign = (1 if c.is_positive else -1) * s ** power
        return sympy.oo if sign > 0 else -sympy.oo
    c = parts.get("log")
    c = None if c is None else sympy.sympify(c)
    if c is None or c.is_zero or c.is_positive is None:
        return sympy.nan
    return sympy.oo if c.is_positive else -sympy.oo


def pole_sides(expr: Any, x: Any, at: Any) -> tuple[Any, Any] | None:
    """The limits of ``expr`` as ``x`` tends to ``at`` from below and from above, as SymPy
    numbers (``oo``, ``-oo``, a finite value, or ``nan`` where this rule cannot say), when
    ``expr`` holds log|Gamma| or a polygamma; None when it holds neither.

    Args:
        expr: A SymPy expression of ``x`` alone (the other variables substituted).
        x: The variable.
        at: The point, an exact rational.

    >>> x = sympy.Symbol("x", real=True)
    >>> pole_sides(3 * PolyGamma(2, 2 * x + 1), x, sympy.Integer(-1))  # -2 * 3 / (2h)**3
    (oo, -oo)
    >>> pole_sides(PolyGamma(0, x) - PolyGamma(0, x - 1), x, sympy.Integer(-1))  # cancel
    (nan, nan)
    >>> pole_sides(PolyGamma(0, x), x, sympy.Rational(1, 2))  # no pole: the value
    (PolyGamma(0, 1/2), PolyGamma(0, 1/2))
    >>> pole_sides(sympy.sin(x), x, sympy.Integer(0)) is None
    True
    """
    if not expr.has(*GAMMA_FAMILY):
        return None
    parts: dict[Any, Any] = {}
    value = sympy.Integer(0)
    try:
        for term in sympy.Add.make_args(expr):
            singular, v = _term(term, x, at)
            for p, k in singular.items():
                parts[p] = parts.get(p, 0) + k
            if v is not None:
                value = value + v
    except _Unknown:
        return sympy.nan, sympy.nan
    if not parts:
        return value, value
    return _side(parts, -1), _side(parts, 1)
