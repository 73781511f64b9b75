"""Elementwise meanings: arithmetic, exponentials, trigonometry, rounding, selection.

Each entry is the function itself, on real scalar symbols. Piecewise definitions keep every
branch explicit, so SymPy's derivative is exact away from the boundaries; the boundaries are
listed as kinks and judged one-sidedly by the oracle.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy
from sympy import Piecewise

from oracle.semantics import Kink, defmeaning, kink, num

__all__ = ["STEP_FUNCTIONS", "QUOTIENT_FUNCTIONS", "MPMATH_NAMESPACE"]


# -- piecewise-constant functions -----------------------------------------------------------------
# Their derivative is 0 wherever it exists; SymPy leaves d floor(x)/dx unevaluated, so each is a
# Function whose derivative is declared 0 and which evaluates exactly on numbers.
def _round_half_even(x: Any) -> Any:
    f = mpmath.floor(x)
    d = x - f
    if d > 0.5 or (d == 0.5 and int(f) % 2):
        return f + 1
    return f


def _step(name: str, exact: Any, numeric: Any, example: tuple[str, str]) -> type[sympy.Function]:
    arg, value = example

    def eval_(cls: Any, x: Any) -> Any:
        return exact(x) if x.is_Number else None

    eval_.__doc__ = f"""The exact value at a number; a symbolic argument stays unevaluated.

        >>> from sympy import Rational, Symbol
        >>> {name}({arg}), {name}(Symbol("x"))
        ({value}, {name}(x))
        """

    def fdiff(self: Any, argindex: int = 1) -> Any:
        return sympy.S.Zero

    fdiff.__doc__ = f"""0: the derivative wherever it exists (the jumps are the oracle's kinks).

        >>> from sympy import Symbol
        >>> x = Symbol("x")
        >>> {name}(x).diff(x)
        0
        """

    return type(name, (sympy.Function,), {"eval": classmethod(eval_), "fdiff": fdiff,
                                          "is_real": True, "_mpmath": staticmethod(numeric)})


def _exact_round(x: Any) -> Any:
    f = sympy.floor(x)
    d = x - f
    return f + 1 if d > sympy.Rational(1, 2) or (d == sympy.Rational(1, 2) and f % 2) else f


FloorStep = _step("FloorStep", sympy.floor, mpmath.floor, ("Rational(-5, 2)", "-3"))
CeilStep = _step("CeilStep", sympy.ceiling, mpmath.ceil, ("Rational(-5, 2)", "-2"))
TruncStep = _step("TruncStep", lambda x: sympy.floor(x) if x >= 0 else sympy.ceiling(x),
                  lambda x: mpmath.floor(x) if x >= 0 else mpmath.ceil(x),
                  ("Rational(-7, 2)", "-3"))
RoundStep = _step("RoundStep", _exact_round, _round_half_even, ("Rational(5, 2)", "2"))
STEP_FUNCTIONS = (FloorStep, CeilStep, TruncStep, RoundStep)


# -- rounded quotients and remainders -----------------------------------------------------------
# floor of mpmath's rounded quotient is off by one when the quotient rounds across an integer,
# and self - other * floor(...) cancels to the rounding error of the product (1 mod 3e-40 kept
# 10 right digits, 1 mod 3e-300 none): each is one function evaluated exactly from the
# operands' binary values m * 2**e, then rounded once.
def _binary(x: Any) -> tuple[int, int]:
    sign, man, exp, _ = x._mpf_
    return (-int(man) if sign else int(man)), int(exp)


def _floor_div(self: Any, other: Any) -> Any:
    """floor(self / other) correctly rounded to the working precision.

    >>> _floor_div(mpmath.mpf(1), mpmath.mpf(2) ** -1074) == mpmath.mpf(2) ** 1074
    True
    >>> _floor_div(mpmath.mpf(-7), mpmath.mpf(2)), _floor_div(mpmath.mpf(1), mpmath.mpf(-3))
    (mpf('-4.0'), mpf('-1.0'))
    """
    a, b = mpmath.mpf(self), mpmath.mpf(other)
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return mpmath.floor(a / b)
    if b == 0:
        raise ZeroDivisionError("floor division by zero")
    if a == 0:
        return mpmath.mpf(0)
    (ma, ea), (mb, eb) = _binary(a), _binary(b)
    k = ea - eb
    if k < 0:
        if -k > abs(ma).bit_length():
            # |self| < |other|: the quotient lies strictly between -1 and 1.
            return mpmath.mpf(0 if (a > 0) == (b > 0) else -1)
        return mpmath.mpf(ma // (mb << -k))
    if k <= mpmath.mp.prec + 2 * abs(mb).bit_length() + 64:
        return mpmath.mpf((ma << k) // mb)
    # A quotient q this large rounds as its floor does: the rounding boundaries (representable
    # numbers and midpoints) near q are multiples of 2**s, s > bits(mb) + 64. Were floor(q) one
    # while q is no integer, (q - floor(q)) * mb = ma * 2**k - floor(q) * mb would be a nonzero
    # multiple of 2**min(k, s) > |mb|, so q - floor(q) > 1: impossible.
    return a / b


def _floor_mod(self: Any, other: Any) -> Any:
    """self - other * floor(self / other) correctly rounded to the working precision (the sign
    of other, as Python's %).

    >>> _floor_mod(mpmath.mpf(1), mpmath.mpf(2) ** -1074), _floor_mod(mpmath.mpf(-7), 2)
    (mpf('0.0'), mpf('1.0'))
    >>> print(mpmath.nstr(_floor_mod(mpmath.mpf(1.0), mpmath.mpf(3e-300)), 17))
    1.7631719446331458e-300
    """
    a, b = mpmath.mpf(self), mpmath.mpf(other)
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return a - b * mpmath.floor(a / b)
    if b == 0:
        raise ZeroDivisionError("remainder by zero")
    if a == 0:
        return mpmath.mpf(0)
    (ma, ea), (mb, eb) = _binary(a), _binary(b)
    k = ea - eb
    if k >= 0:
        # (ma * 2**k) mod mb without forming 2**k: k is unbounded for computed operands.
        return mpmath.ldexp(mpmath.mpf(ma * pow(2, k, abs(mb)) % mb), eb)
    if -k > abs(ma).bit_length():
        return +a if (a > 0) == (b > 0) else a + b
    return mpmath.ldexp(mpmath.mpf(ma % (mb << -k)), ea)


def _trunc_div(self: Any, other: Any) -> Any:
    a, b = mpmath.mpf(self), mpmath.mpf(other)
    q = _floor_div(abs(a), abs(b))
    return -q if (a < 0) != (b < 0) else q


def _trunc_mod(self: Any, other: Any) -> Any:
    a, b = mpmath.mpf(self), mpmath.mpf(other)
    r = _floor_mod(abs(a), abs(b))
    return -r if a < 0 else r


def _sympy_trunc(x: Any) -> Any:
    return sympy.floor(x) if x >= 0 else sympy.ceiling(x)


def _quotient_step(name: str, exact: Any, numeric: Any) -> type[sympy.Function]:
    """A rounded quotient ``step(self / other)`` of two arguments: exact on numbers, derivative
    0 in both (its jumps are the modulo's kinks)."""

    def eval_(cls: Any, self: Any, other: Any) -> Any:
        if self.is_Number and other.is_Number:
            return sympy.nan if other == 0 else exact(self / other)
        return None

    eval_.__doc__ = f"""The exact value at numbers; symbolic arguments stay unevaluated.

        >>> from sympy import Rational, Symbol
        >>> {name}(Rational(-7), Rational(2)), {name}(Symbol("x"), 2)
        ({exact(sympy.Rational(-7, 2))}, {name}(x, 2))
        """

    def fdiff(self: Any, argindex: int = 1) -> Any:
        return sympy.S.Zero

    fdiff.__doc__ = f"""0: the derivative wherever it exists.

        >>> from sympy import Symbol
        >>> x = Symbol("x")
        >>> {name}(x, 3).diff(x)
        0
        """

    return type(name, (sympy.Function,), {"eval": classmethod(eval_), "fdiff": fdiff,
                                          "is_real": True, "_mpmath": staticmethod(numeric)})


FloorDiv = _quotient_step("FloorDiv", sympy.floor, _floor_div)
TruncDiv = _quotient_step("TruncDiv", _sympy_trunc, _trunc_div)


def _modulo_function(name: str, quotient: type[sympy.Function], numeric: Any
                     ) -> type[sympy.Function]:
    """``self - other * quotient(self, other)`` as one function, evaluated exactly: its
    derivative is 1 in self and -quotient(self, other) in other."""

    def eval_(cls: Any, self: Any, other: Any) -> Any:
        if self.is_Number and other.is_Number:
            q = quotient(self, other)
            return sympy.nan if q is sympy.nan else self - other * q
        return None

    eval_.__doc__ = f"""The exact value at numbers; symbolic arguments stay unevaluated.

        >>> from sympy import Rational, Symbol
        >>> {name}(Rational(-7), Rational(2)), {name}(Symbol("x"), 2)
        ({-7 - 2 * quotient(-7, 2)}, {name}(x, 2))
        """

    def fdiff(self: Any, argindex: int = 1) -> Any:
        if argindex == 1:
            return sympy.S.One
        return -quotient(*self.args)

    fdiff.__doc__ = f"""1 in self, minus the rounded quotient in other.

        >>> from sympy import Symbol
        >>> x, y = Symbol("x"), Symbol("y")
        >>> {name}(x, y).diff(x), {name}(x, y).diff(y)
        (1, -{quotient.__name__}(x, y))
        """

    return type(name, (sympy.Function,), {"eval": classmethod(eval_), "fdiff": fdiff,
                                          "is_real": True, "_mpmath": staticmethod(numeric)})


FloorMod = _modulo_function("FloorMod", FloorDiv, _floor_mod)
TruncMod = _modulo_function("TruncMod", TruncDiv, _trunc_mod)
QUOTIENT_FUNCTIONS = (FloorDiv, TruncDiv, FloorMod, TruncMod)


def _heaviside(x: Any, h0: Any = 0.5) -> Any:
    # SymPy's value at 0 (1/2 by default) is only a placeholder: the oracle judges x == 0 as a
    # kink from the one-sided values, never from this value.
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(h0)


def _dirac_delta(x: Any, k: Any = 0) -> Any:
    # Zero away from 0; at 0 a kink (nan), which the oracle resolves from the one-sided values.
    return mpmath.mpf(0) if x != 0 else mpmath.mpf("nan")


MPMATH_NAMESPACE: dict[str, Any] = {f.__name__: f._mpmath
                                    for f in STEP_FUNCTIONS + QUOTIENT_FUNCTIONS}
MPMATH_NAMESPACE.update(Heaviside=_heaviside, DiracDelta=_dirac_delta)


def _sign(x: Any) -> Any:
    return Piecewise((1, x > 0), (-1, x < 0), (0, True))


def elementwise(name: str, fn: Any, kinks: Any = None, labels: Any = None) -> None:
    """Declare an elementwise meaning: ``fn`` of one symbol per input and the attributes.

    >>> import sympy
    >>> from oracle.semantics import MEANINGS
    >>> x = sympy.Symbol("x", real=True)
    >>> elementwise("doc_scaled", lambda self, *, factor: self * num(factor))
    >>> MEANINGS["doc_scaled"].fn(x, factor=0.5)
    x/2
    >>> del MEANINGS["doc_scaled"]
    """
    defmeaning(name, "elementwise", fn, kinks=kinks, labels=labels)


def _self_at_zero(self: Any, **_: Any) -> list[Kink]:
    return [kink("self", self, "self == 0")]


# -- arithmetic -----------------------------------------------------------------------------------
elementwise("add", lambda self, other, *, alpha=1: self + num(alpha) * other)
elementwise("sub", lambda self, other, *, alpha=1: self - num(alpha) * other)
elementwise("rsub", lambda self, other, *, alpha=1: other - num(alpha) * self)
elementwise("rsub_scalar", lambda self, other=None, *, alpha=1, **kw: (
    (num(kw["value"]) if other is None else other) - num(alpha) * self))
elementwise("neg", lambda self: -self)
elementwise("mul", lambda self, other: self * other)
elementwise("div", lambda self, other: self / other)
elementwise("div_mode", lambda self, other, *, rounding_mode=None: (
    self / other if rounding_mode is None
    else FloorDiv(self, other) if rounding_mode == "floor" else TruncDiv(self, other)),
    labels=lambda self, other, *, rounding_mode=None: [] if rounding_mode is None else _whole(
        self / other, "self / other is an integer"))
elementwise("reciprocal", lambda self: 1 / self)
elementwise("pow", lambda self, *, exponent: self ** num(exponent))
elementwise("pow_tensor", lambda self, exponent: self ** exponent)
elementwise("pow_scalar", lambda exponent, *, base: num(base) ** exponent)
# On the reals, where the judge evaluates, there is no NaN or infinity to replace.
elementwise("nan_to_num", lambda self, **_: self)
elementwise("abs", lambda self: Piecewise((-self, self < 0), (self, True)), _self_at_zero)
elementwise("sign", lambda self: _sign(self), labels=_self_at_zero)


def _ties(self: Any, other: Any) -> list[Kink]:
    return [kink("self", self - other, "self == other"),
            kink("other", self - other, "self == other")]


elementwise("maximum", lambda self, other: Piecewise((other, self < other), (self, True)),
            _ties)
elementwise("minimum", lambda self, other: Piecewise((other, self > other), (self, True)),
            _ties)


def _clamp(self: Any, *, min: Any = None, max: Any = None) -> Any:
    # min(max(self, min), max): when min > max the result is max, as in PyTorch.
    out = self
    if min is not None:
        out = Piecewise((min, out < min), (out, True))
    if max is not None:
        out = Piecewise((max, out > max), (out, True))
    return out


_AT_A_BOUND = "self == min or self == max"


def _clamp_kinks(at_min: str, at_max: str) -> Any:
    def kinks(self: Any, *, min: Any = None, max: Any = None) -> list[Kink]:
        return [kink("self", self - b, where) for b, where in ((min, at_min), (max, at_max))
                if b is not None]

    return kinks


def _bounds(fn: Any) -> Any:
    def exact(self: Any, **kw: Any) -> Any:
        return fn(self, **{k: None if v is None else num(v) for k, v in kw.items()})

    return exact


def _modulo(mod: Any, labels: Any) -> tuple[Any, Any, Any]:
    """``mod(self, other)`` (``self - other * step(self / other)``), its jumps in ``other``
    (where the quotient is a whole number the remainder is 0 and the step jumps: the derivative
    in ``other`` differs on the two sides), and the labels of its jumps in both."""

    def fn(self: Any, other: Any = None, **kw: Any) -> Any:
        return mod(self, num(kw["other"]) if other is None else other)

    def kinks(self: Any, other: Any = None, **kw: Any) -> list[tuple[str, Any]]:
        if other is None:
            return []
        return [("other", mod(self, other))]

    def labelled(self: Any, other: Any = None, **kw: Any) -> list[Kink]:
        return labels(self, num(kw["other"]) if other is None else other, mod)

    return fn, kinks, labelled


def _only_if(zero: Any, holds: Any) -> Any:
    """Zero where ``zero`` is and ``holds`` holds."""
    return sympy.Abs(zero) + Piecewise((0, holds), (1, True))


def _remainder_jumps(self: Any, other: Any, mod: Any) -> list[Kink]:
    # PyTorch's convention in other depends on the side of 0 self is on.
    r = mod(self, other)
    return [kink("self", r, "self / other is an integer (a jump)"),
            kink("other", _only_if(r, self > 0), "self / other is an integer, self > 0"),
            kink("other", _only_if(r, self < 0), "self / other is an integer, self < 0")]


def _fmod_jumps(self: Any, other: Any, mod: Any) -> list[Kink]:
    # PyTorch's convention in other depends on the side of 0 other is on.
    r = _only_if(mod(self, other), sympy.Ne(self, 0))
    return [kink("self", r, "self / other is a nonzero integer (a jump)"),
            kink("other", _only_if(r, other > 0), "self / other is a nonzero integer, other > 0"),
            kink("other", _only_if(r, other < 0),
                 "self / other is a nonzero integer, other < 0")]


def _whole(x: Any, where: str, offset: Any = 0) -> list[Kink]:
    """``x`` (less ``offset``) is a whole number: a jump of a rounding step."""
    return [kink("self", x - offset - sympy.floor(x - offset), where)]


elementwise("clamp", _bounds(_clamp), _bounds(_clamp_kinks(_AT_A_BOUND, _AT_A_BOUND)))
elementwise("clamp_min", _bounds(_clamp), _bounds(_clamp_kinks("self == min", "")))
elementwise("clamp_max", _bounds(_clamp), _bounds(_clamp_kinks("", "self == max")))
elementwise("clamp_min_tensor", lambda self, min: _clamp(self, min=min),
            lambda self, min: [kink("self", self - min, "self == min"),
                               kink("min", self - min, "self == min")])
elementwise("clamp_max_tensor", lambda self, max: _clamp(self, max=max),
            lambda self, max: [kink("self", self - max, "self == max"),
                               kink("max", self - max, "self == max")])
# At min == max the result is min(min, max) for self < min and max for self > max: a kink in
# each bound (PyTorch gives neither of them the gradient there).
elementwise("clamp_tensor", lambda self, min, max, **_: _clamp(self, min=min, max=max),
            lambda self, min, max, **_: [kink("self", self - min, _AT_A_BOUND),
                                    kink("self", self - max, _AT_A_BOUND),
                                    kink("min", self - min, "self == min"),
                                    kink("max", self - max, "self == max"),
                                    kink("min", min - max, "min == max"),
                                    kink("max", min - max, "min == max")])
for _name in ("remainder", "remainder_tensor", "remainder_scalar"):
    elementwise(_name, *_modulo(FloorMod, _remainder_jumps))
for _name in ("fmod", "fmod_tensor"):
    elementwise(_name, *_modulo(TruncMod, _fmod_jumps))
elementwise("floor_divide", FloorDiv)
_INTEGER = "self is an integer"
elementwise("floor", lambda self: FloorStep(self), labels=lambda self: _whole(self, _INTEGER))
elementwise("ceil", lambda self: CeilStep(self), labels=lambda self: _whole(self, _INTEGER))
elementwise("round", lambda self: RoundStep(self), labels=lambda self: _whole(
    self, "self is a half-integer", sympy.Rational(1, 2)))
elementwise("round_decimals", lambda self, *, decimals: RoundStep(
    self * sympy.Integer(10) ** decimals) / sympy.Integer(10) ** decimals,
    labels=lambda self, *, decimals: _whole(self * sympy.Integer(10) ** decimals,
                                            "self * 10**decimals is a half-integer",
                                            sympy.Rational(1, 2)))
elementwise("trunc", lambda self: TruncStep(self), labels=lambda self: _whole(self, _INTEGER))

# -- exponentials and logarithms ------------------------------------------------------------------
elementwise("exp", sympy.exp)
elementwise("exp2", lambda self: 2 ** self)
elementwise("expm1", lambda self: sympy.exp(self) - 1)
elementwise("log", sympy.log)
elementwise("log2", lambda self: sympy.log(self) / sympy.log(2))
elementwise("log10", lambda self: sympy.log(self) / sympy.log(10))
elementwise("log1p", lambda self: sympy.log(1 + self))
elementwise("sqrt", sympy.sqrt)
elementwise("rsqrt", lambda self: 1 / sympy.sqrt(self))

# -- trigonometric and hyperbolic -----------------------------------------------------------------
for _name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
              "acosh", "atanh", "erf", "erfc", "erfinv"):
    elementwise(_name, getattr(sympy, _name))
elementwise("tanh_backward", lambda grad_output, self: grad_output * (1 - sympy.tanh(self) ** 2))
# atan2 has no derivative at the origin (every direction gives another limit); the engine's
# convention there is a kink: self and other each cross 0 with the other one at 0.
_ORIGIN = "self == 0 and other == 0"
elementwise("atan2", lambda self, other: sympy.atan2(self, other),
            lambda self, other: [kink("self", _only_if(self, sympy.Eq(other, 0)), _ORIGIN),
                                 kink("other", _only_if(other, sympy.Eq(self, 0)), _ORIGIN)])
elementwise("sigmoid", lambda self: 1 / (1 + sympy.exp(-self)))

# -- selection ------------------------------------------------------------------------------------
elementwise("where", lambda condition, self, other: Piecewise(
    (self, sympy.Ne(condition, 0)), (other, True)))
