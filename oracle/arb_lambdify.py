"""SymPy expressions compiled to functions of Arb balls (python-flint), certified or refused.

``arb_lambdify`` is ``sympy.lambdify`` with a namespace of Arb functions and a printer whose
comparisons, ``max``/``min`` and ``sign`` must be *decided*: a ball that straddles the point
of a comparison raises ``Undecided`` instead of silently taking a branch. The oracle's own
step and quotient functions (``FloorStep``, ``FloorDiv``, ...) are evaluated exactly on exact
balls through their mpmath definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flint
import mpmath
import numpy as np
import sympy
from sympy.printing.pycode import MpmathPrinter

from oracle.gamma_balls import log_abs_gamma, polygamma
from oracle.semantics.elementwise import QUOTIENT_FUNCTIONS, STEP_FUNCTIONS
from oracle.semantics.grid_sample import KernelShift
from oracle.sinc_balls import sinc_pi

__all__ = ["Undecided", "arb_lambdify", "arb_lambdify_arrays", "ARB_NAMESPACE"]


class Undecided(ArithmeticError):
    """A comparison, sign or step could not be decided on a ball at this precision (or its
    argument is not finite): the caller raises the precision or takes the slower exact path."""


def _decided(x: Any) -> Any:
    if not isinstance(x, flint.arb):
        return x
    if not x.is_finite():
        raise Undecided("a value is not finite")
    return x


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _decided(a), _decided(b)
    d = flint.arb(a) - flint.arb(b) if isinstance(a, flint.arb) or isinstance(
        b, flint.arb) else a - b
    if isinstance(d, flint.arb):
        if d.is_zero():
            s = 0
        elif d > 0:
            s = 1
        elif d < 0:
            s = -1
        else:
            raise Undecided(f"cannot decide {op} on a ball containing the boundary")
    else:
        s = (d > 0) - (d < 0)
    return {"<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0, "==": s == 0, "!=": s != 0}[op]


def _sign(x: Any) -> Any:
    return flint.arb(1 if _compare(">", x, 0) else -1 if _compare("<", x, 0) else 0)


def _dirac_delta(x: Any, k: Any = 0) -> Any:
    if _compare("!=", x, 0):
        return flint.arb(0)
    raise Undecided("a Dirac delta at its point")


def _max(*xs: Any) -> Any:
    best = xs[0]
    for x in xs[1:]:
        best = x if _compare(">", x, best) else best
    return best


def _min(*xs: Any) -> Any:
    best = xs[0]
    for x in xs[1:]:
        best = x if _compare("<", x, best) else best
    return best


def _exactly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An mpmath function of exact binary numbers, applied to exact balls, exactly."""

    def run(*args: Any) -> Any:
        vals = []
        for a in args:
            a = flint.arb(_decided(a))
            if not a.is_exact():
                raise Undecided("a step or quotient of an inexact ball")
            man, exp = a.man_exp()
            vals.append(mpmath.mpf((int(man), int(exp))))
        with mpmath.workprec(max(flint.ctx.prec, 64) * 4):
            r = fn(*vals)
        r = mpmath.mpf(r)
        if not mpmath.isfinite(r):
            raise Undecided("a step or quotient that is not finite")
        sign, man, exp, _ = r._mpf_
        return (-1) ** sign * flint.arb(man) * flint.arb(2) ** int(exp) if man else flint.arb(0)

    return run


def _mpf(x: Any) -> Any:
    if isinstance(x, tuple):  # mpmath's raw form (sign, man, exp, bc), as the printer writes it
        sign, man, exp = x[0], x[1], x[2]
        v = flint.arb(man) * flint.arb(2) ** exp
        return -v if sign else v
    return flint.arb(x)


def _log(x: Any, base: Any = None) -> Any:
    x = flint.arb(x)
    return x.log() if base is None else x.log() / flint.arb(base).log()


def _method(name: str) -> Callable[[Any], Any]:
    return lambda x: getattr(flint.arb(x), name)()


ARB_NAMESPACE: dict[str, Any] = {
    name: _method(name) for name in (
        "exp", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
        "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "expm1", "log1p",
        "erfcinv")}  # erfcinv: ndtri's meaning (helper red)
ARB_NAMESPACE.update(
    mpf=_mpf, log=_log, _pi=flint.arb.pi, _e=lambda: flint.arb(1).exp(), sign=_sign,
    atan2=lambda y, x: flint.arb.atan2(flint.arb(y), flint.arb(x)),
    floor=_exactly(mpmath.floor), ceil=_exactly(mpmath.ceil),
    _cmp=_compare, _max=_max, _min=_min, nan=flint.arb.nan(), inf=flint.arb.pos_inf(),
    DiracDelta=_dirac_delta,
    # log|Gamma| and the polygamma functions (oracle.semantics.special), certified
    LogAbsGamma=log_abs_gamma, PolyGamma=polygamma)
# sinc's derivatives, besseli and log_ndtr's erfc (oracle.semantics.sinc_bessel, helper
# special)
ARB_NAMESPACE.update(SincPi=sinc_pi, besseli=lambda n, x: flint.arb(x).bessel_i(n),
                     PlainErfc=_method("erfc"))
ARB_NAMESPACE.update({f.__name__: _exactly(f._mpmath) for f in STEP_FUNCTIONS
                      + QUOTIENT_FUNCTIONS + (KernelShift,)})


class _ArbPrinter(MpmathPrinter):
    """Comparisons and extrema through functions that must decide them on balls."""

    def _print_Relational(self, expr: Any) -> str:
        return f"_cmp({expr.rel_op!r}, {self._print(expr.lhs)}, {self._print(expr.rhs)})"

    # Constants at the precision of the call, not of the import.
    def _print_Pi(self, expr: Any) -> str:
        return "_pi()"

    def _print_Exp1(self, expr: Any) -> str:
        return "_e()"

    def _print_Max(self, expr: Any) -> str:
        return "_max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: Any) -> str:
        return "_min(" + ", ".join(self._print(a) for a in expr.args) + ")"


def arb_lambdify(args: Any, exprs: Any, cse: bool = True) -> Callable[..., Any]:
    """``sympy.lambdify`` evaluating ``exprs`` on Arb balls; a comparison that a ball does not
    decide raises ``Undecided``. Python numbers in the result come back as balls.

    >>> x = sympy.Symbol("x", real=True)
    >>> f = arb_lambdify([x], [sympy.tanh(x) / 3, sympy.Piecewise((x, x > 0), (0, True))])
    >>> [str(v) for v in f(flint.arb(0.5))]
    ['[0.154039052420003 +/- 3.13e-16]', '0.500000000000000']
    >>> f(flint.arb(0, 1e-3))
    Traceback (most recent call last):
    ...
    oracle.arb_lambdify.Undecided: cannot decide > on a ball containing the boundary
    """
    printer = _ArbPrinter({"fully_qualified_modules": False, "inline": True,
                           "allow_unknown_functions": True})
    fn = sympy.lambdify(args, exprs, modules=[ARB_NAMESPACE], printer=printer, cse=cse)

    def run(*a: Any) -> Any:
        r = fn(*a)
        if isinstance(r, list | tuple):
            return [v if isinstance(v, flint.arb) else flint.arb(v) for v in r]
        return r if isinstance(r, flint.arb) else flint.arb(r)

    run.__doc__ = fn.__doc__
    return run


def _on_ball(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``method`` of an arb on any number: a bare integer constant of the expression
    (``sqrt(2)``) is made a ball first (arb's method on a Python int gives NaN)."""
    def call(v: Any) -> Any:
        return method(v if isinstance(v, flint.arb) else flint.arb(v))

    return call


# Functions of one element each, applied over whole object arrays by NumPy's loop.
_ARRAY_NAMESPACE: dict[str, Any] = {
    name: np.frompyfunc(_on_ball(getattr(flint.arb, name)), 1, 1) for name in (
        "exp", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
        "asinh", "acosh", "atanh", "erf", "erfc", "erfinv", "expm1", "log1p",
        "erfcinv")}  # erfcinv: ndtri's meaning (helper red)
_ARRAY_NAMESPACE.update(mpf=_mpf, _pi=flint.arb.pi, _e=lambda: flint.arb(1).exp(),
                        log=np.frompyfunc(_log, 1, 1),
                        atan2=np.frompyfunc(ARB_NAMESPACE["atan2"], 2, 1),
                        LogAbsGamma=np.frompyfunc(log_abs_gamma, 1, 1),
                        PolyGamma=np.frompyfunc(polygamma, 2, 1))
_ARRAY_NAMESPACE.update(SincPi=np.frompyfunc(sinc_pi, 2, 1),  # helper special
                        besseli=np.frompyfunc(ARB_NAMESPACE["besseli"], 2, 1),
                        PlainErfc=_ARRAY_NAMESPACE["erfc"])
# What only an element at a time can decide: branches, comparisons, steps.
_SCALAR_ONLY = (sympy.Piecewise, sympy.core.relational.Relational, sympy.Max, sympy.Min,
                sympy.sign, sympy.Heaviside, sympy.DiracDelta, sympy.floor, sympy.ceiling,
                *STEP_FUNCTIONS, *QUOTIENT_FUNCTIONS, KernelShift)


def _as_balls(v: Any, shape: tuple[int, ...]) -> np.ndarray:
    a = np.asarray(v, dtype=object)
    if a.shape != shape:
        a = np.array(np.broadcast_to(a, shape), dtype=object)
    if a.size and not isinstance(a.flat[0], flint.arb):
        a = np.asarray(np.frompyfunc(flint.arb, 1, 1)(a), dtype=object).reshape(shape)
    return a


def arb_lambdify_arrays(args: Any, exprs: list[Any]) -> Callable[..., list[np.ndarray]] | None:
    """``exprs`` compiled to a function of object arrays of balls (all of one shape) returning
    one object array of balls per expression, NumPy looping over the elements of each
    operation; None when an expression needs an element at a time (``arb_lambdify``).

    >>> x = sympy.Symbol("x", real=True)
    >>> f = arb_lambdify_arrays([x], [x**2 / 4, sympy.Integer(0)])
    >>> [v.tolist() for v in f(np.array([flint.arb(3), flint.arb(6)], dtype=object))]
    [[2.25000000000000, 9.00000000000000], [0, 0]]
    >>> arb_lambdify_arrays([x], [sympy.Max(x, 0)]) is None
    True
    """
    if any(sympy.sympify(e).has(*_SCALAR_ONLY) for e in exprs) or any(
            len(f.args) != 1 for e in exprs for f in sympy.sympify(e).atoms(sympy.log)):
        return None
    printer = _ArbPrinter({"fully_qualified_modules": False, "inline": True,
                           "allow_unknown_functions": True})
    fn = sympy.lambdify(args, exprs, modules=[_ARRAY_NAMESPACE], printer=printer, cse=True)

    def run(*a: np.ndarray) -> list[np.ndarray]:
        shape = a[0].shape
        return [_as_balls(v, shape) for v in fn(*a)]

    return run
